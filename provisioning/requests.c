/*
 * Suspend and restore requests: collections asks for a shutout or a
 * release (provisioning_request_suspend / _restore), provisioning carries
 * it out (done: the service becomes suspended or active again, with a
 * history version) or cancels it. States: requested -> done | cancelled.
 */
#include <stdio.h>
#include <string.h>

#include "common/audit.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

typedef struct request_ctx {
    int64_t account_id;
    const char *circuit_id;
    const char *kind;
    const char *reason;
    const char *actor;
    int64_t request_id;
    int created;
} request_ctx;

/* The open request of a service, if any: 1 with its id and kind. */
static int open_request(int64_t *id, char *kind, size_t size, tl_db *db,
                        const provisioning_service_t *svc, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, svc->account_id);
    tl_params_int64(&p, svc->service_id);
    rc = tl_db_query_one(db, &res, "provisioning_request_open",
                         "SELECT request_id, kind"
                         " FROM provisioning.service_request"
                         " WHERE account_id = $1::bigint"
                         " AND service_id = $2::bigint"
                         " AND state = 'requested'",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "request_id", id, err);
    if (rc == 0)
        rc = prov_copy_text(kind, size, &row, "kind", err);
    PQclear(res);
    return rc < 0 ? rc : 1;
}

static int audit_request(tl_db *db, const char *actor, const char *action,
                         int64_t account_id, int64_t id, const char *circuit,
                         const char *state, const char *reason, tl_err *err)
{
    char key[24];
    json_t *after = json_pack("{s:s, s:s, s:s}", "circuit", circuit, "state",
                              state, "reason", reason ? reason : "");
    int rc;

    snprintf(key, sizeof(key), "%lld", (long long)id);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, actor, action, "service_request", key, account_id, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

static int check_state(const request_ctx *ctx,
                       const provisioning_service_t *svc, tl_err *err)
{
    const char *need =
        strcmp(ctx->kind, "suspend") == 0 ? "active" : "suspended";

    if (strcmp(svc->state, need) == 0)
        return 0;
    return tl_err_set(
        err, TL_ECONFLICT, "service_state", "circuit",
        "circuit %s is %s; only a%s %s service is %s", svc->circuit_id,
        svc->state, need[0] == 'a' ? "n" : "", need,
        strcmp(ctx->kind, "suspend") == 0 ? "suspended" : "restored");
}

static int request_tx(tl_db *db, void *cls, tl_err *err)
{
    request_ctx *ctx = cls;
    provisioning_service_t svc;
    PGresult *res = NULL;
    char kind[16];
    tl_params p;
    tl_row row;
    int rc;

    rc = provisioning_service_get(&svc, db, ctx->circuit_id, err);
    if (rc == 0 && ctx->account_id != 0 && svc.account_id != ctx->account_id)
        rc = tl_err_set(err, TL_ENOTFOUND, "unknown_circuit", "circuit",
                        "circuit %s is not one of the account's",
                        ctx->circuit_id);
    if (rc < 0)
        return rc;
    rc = open_request(&ctx->request_id, kind, sizeof(kind), db, &svc, err);
    if (rc < 0)
        return rc;
    if (rc == 1 && strcmp(kind, ctx->kind) == 0)
        return 0;
    if (rc == 1)
        return tl_err_set(err, TL_ECONFLICT, "request_open", "circuit",
                          "circuit %s has %s request %lld open; do or cancel "
                          "it first",
                          svc.circuit_id, kind, (long long)ctx->request_id);
    rc = check_state(ctx, &svc, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, svc.account_id);
    tl_params_int64(&p, svc.service_id);
    tl_params_text(&p, ctx->kind);
    tl_params_text(&p, ctx->reason);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_query_one(db, &res, "provisioning_request_insert",
                         "INSERT INTO provisioning.service_request"
                         " (account_id, service_id, kind, reason,"
                         " requested_by) VALUES ($1::bigint, $2::bigint,"
                         " $3, $4, $5) RETURNING request_id",
                         &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "request_id", &ctx->request_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    ctx->created = 1;
    return audit_request(db, ctx->actor, "service.request", svc.account_id,
                         ctx->request_id, svc.circuit_id, "requested",
                         ctx->reason, err);
}

static int request(int64_t *request_id, int *created, tl_db *db,
                   int64_t account_id, const char *circuit_id, const char *kind,
                   const char *reason, const char *requested_by, tl_err *err)
{
    request_ctx ctx = {account_id,   circuit_id, kind, reason,
                       requested_by, 0,          0};
    int rc;

    *request_id = 0;
    *created = 0;
    if (reason == NULL || reason[0] == '\0')
        return tl_err_add(
            err, "required", "reason", "say why the service is to be %s",
            strcmp(kind, "suspend") == 0 ? "suspended" : "restored");
    rc = tl_db_run_tx(db, "provisioning_request", request_tx, &ctx, err);
    if (rc == 0) {
        *request_id = ctx.request_id;
        *created = ctx.created;
    }
    return rc;
}

int provisioning_request_suspend(int64_t *request_id, int *created, tl_db *db,
                                 int64_t account_id, const char *circuit_id,
                                 const char *reason, const char *requested_by,
                                 tl_err *err)
{
    return request(request_id, created, db, account_id, circuit_id, "suspend",
                   reason, requested_by, err);
}

int provisioning_request_restore(int64_t *request_id, int *created, tl_db *db,
                                 int64_t account_id, const char *circuit_id,
                                 const char *reason, const char *requested_by,
                                 tl_err *err)
{
    return request(request_id, created, db, account_id, circuit_id, "restore",
                   reason, requested_by, err);
}

/* ---- doing and cancelling ---- */

typedef struct close_ctx {
    int64_t request_id;
    int done; /* 1 done, 0 cancel */
    tl_date on;
    const char *reason;
    const char *actor;
} close_ctx;

typedef struct req_row {
    int64_t account_id;
    int64_t service_id;
    char circuit_id[48];
    char kind[16];
    char state[16];
} req_row;

static int load_request(req_row *r, tl_db *db, int64_t id, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, id);
    rc = tl_db_query_one(db, &res, "provisioning_request_get",
                         "SELECT r.account_id, r.service_id, s.circuit_id,"
                         " r.kind, r.state FROM provisioning.service_request r"
                         " JOIN provisioning.service s USING (account_id,"
                         " service_id) WHERE r.request_id = $1::bigint"
                         " FOR UPDATE OF r",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_request", "request",
                          "request %lld does not exist", (long long)id);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "account_id", &r->account_id, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "service_id", &r->service_id, err);
    if (rc == 0)
        rc = prov_copy_text(r->circuit_id, sizeof(r->circuit_id), &row,
                            "circuit_id", err);
    if (rc == 0)
        rc = prov_copy_text(r->kind, sizeof(r->kind), &row, "kind", err);
    if (rc == 0)
        rc = prov_copy_text(r->state, sizeof(r->state), &row, "state", err);
    PQclear(res);
    return rc;
}

static int apply_request(const close_ctx *ctx, const req_row *r, tl_db *db,
                         tl_err *err)
{
    request_ctx check = {0, r->circuit_id, r->kind, NULL, NULL, 0, 0};
    int suspend = strcmp(r->kind, "suspend") == 0;
    provisioning_service_t svc;
    tl_params p;
    int rc;

    rc = provisioning_service_get(&svc, db, r->circuit_id, err);
    if (rc == 0)
        rc = check_state(&check, &svc, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, r->account_id);
    tl_params_int64(&p, r->service_id);
    tl_params_text(&p, suspend ? "suspended" : "active");
    rc = tl_db_exec(db, "provisioning_request_apply",
                    "UPDATE provisioning.service SET state = $3"
                    " WHERE account_id = $1::bigint"
                    " AND service_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return prov_add_version(db, r->account_id, r->service_id,
                            suspend ? "suspended" : "restored", ctx->on, 0,
                            NULL, ctx->actor, err);
}

static int close_tx(tl_db *db, void *cls, tl_err *err)
{
    close_ctx *ctx = cls;
    const char *to = ctx->done ? "done" : "cancelled";
    req_row r;
    tl_params p;
    int rc;

    rc = load_request(&r, db, ctx->request_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(r.state, to) == 0)
        return 0;
    if (strcmp(r.state, "requested") != 0)
        return tl_err_set(err, TL_ECONFLICT, "request_closed", "request",
                          "request %lld is already %s",
                          (long long)ctx->request_id, r.state);
    if (ctx->done) {
        rc = apply_request(ctx, &r, db, err);
        if (rc < 0)
            return rc;
    }
    tl_params_init(&p);
    tl_params_int64(&p, r.account_id);
    tl_params_int64(&p, ctx->request_id);
    tl_params_text(&p, to);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, ctx->reason ? ctx->reason : "");
    if (ctx->done)
        tl_params_date(&p, ctx->on);
    else
        tl_params_null(&p);
    rc = tl_db_exec(db, "provisioning_request_close",
                    "UPDATE provisioning.service_request SET state = $3,"
                    " closed_by = $4, closed_at = now(), close_reason = $5,"
                    " effective_date = $6::date"
                    " WHERE account_id = $1::bigint"
                    " AND request_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return audit_request(db, ctx->actor, "service.request", r.account_id,
                         ctx->request_id, r.circuit_id, to, ctx->reason, err);
}

int provisioning_request_done(tl_db *db, int64_t request_id, tl_date on,
                              const char *actor, tl_err *err)
{
    close_ctx ctx = {request_id, 1, on, NULL, actor};

    return tl_db_run_tx(db, "provisioning_request_done", close_tx, &ctx, err);
}

int provisioning_request_cancel(tl_db *db, int64_t request_id,
                                const char *reason, const char *actor,
                                tl_err *err)
{
    close_ctx ctx = {request_id, 0, 0, reason, actor};

    if (reason == NULL || reason[0] == '\0')
        return tl_err_add(err, "required", "reason",
                          "say why the request is cancelled");
    return tl_db_run_tx(db, "provisioning_request_cancel", close_tx, &ctx, err);
}

/* ---- listing ---- */

typedef struct list_ctx {
    provisioning_request_fn fn;
    void *cls;
} list_ctx;

static int request_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    provisioning_request_t r;
    int isnull = 0;

    memset(&r, 0, sizeof(r));
    if (tl_row_int64(row, "request_id", &r.request_id, err) < 0 ||
        tl_row_text(row, "circuit_id", &r.circuit_id, err) < 0 ||
        tl_row_text(row, "account_number", &r.account_number, err) < 0 ||
        tl_row_text(row, "kind", &r.kind, err) < 0 ||
        tl_row_text(row, "state", &r.state, err) < 0 ||
        tl_row_text(row, "reason", &r.reason, err) < 0 ||
        tl_row_text(row, "requested_by", &r.requested_by, err) < 0 ||
        tl_row_text(row, "requested_at", &r.requested_at, err) < 0 ||
        tl_row_text(row, "closed_by", &r.closed_by, err) < 0 ||
        tl_row_text(row, "closed_at", &r.closed_at, err) < 0 ||
        tl_row_text(row, "close_reason", &r.close_reason, err) < 0 ||
        tl_row_date_opt(row, "effective_date", &r.effective_date, &isnull,
                        err) < 0)
        return TL_ERROR;
    r.has_effective = !isnull;
    return ctx->fn(&r, ctx->cls, err);
}

#define STAMP(c)                                                               \
    "coalesce(to_char(" c " AT TIME ZONE 'UTC',"                               \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"

int provisioning_requests(tl_db *db, const char *state,
                          provisioning_request_fn fn, void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    if (state != NULL && strcmp(state, "requested") != 0 &&
        strcmp(state, "done") != 0 && strcmp(state, "cancelled") != 0)
        return tl_err_add(err, "unknown_state", "state",
                          "%s is not a request state: use requested, done "
                          "or cancelled",
                          state);
    tl_params_init(&p);
    tl_params_text(&p, state);
    return tl_db_select(
        db, "provisioning_requests",
        "SELECT r.request_id, s.circuit_id, a.account_number, r.kind,"
        " r.state, r.reason, r.requested_by,"
        " " STAMP(
            "r.requested_at") " AS requested_at,"
                              " coalesce(r.closed_by, '') AS closed_by,"
                              " " STAMP(
                                  "r.closed_at") " AS closed_at,"
                                                 " r.close_reason, "
                                                 "r.effective_date"
                                                 " FROM "
                                                 "provisioning.service_request "
                                                 "r"
                                                 " JOIN provisioning.service s "
                                                 "USING (account_id, "
                                                 "service_id)"
                                                 " JOIN "
                                                 "accounts.billing_account a "
                                                 "ON a.account_id = "
                                                 "r.account_id"
                                                 " WHERE ($1::text IS NULL OR "
                                                 "r.state = $1)"
                                                 " ORDER BY r.request_id DESC",
        &p, request_row, &ctx, err);
}
