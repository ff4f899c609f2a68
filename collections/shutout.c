/*
 * Shutout and release. Dunning's shutout step opens a recommendation;
 * approval asks provisioning (through its public API) to suspend each
 * active circuit of the account that no open dispute names; release asks
 * it to restore the suspended ones and cancels suspend requests not yet
 * worked. The recommendation's state machine:
 *
 *   recommended --approve--> approved --release--> released
 *        \--release (paid or promised before approval)--> withdrawn
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/book.h"
#include "collections/book_internal.h"
#include "provisioning/provisioning.h"

#define SHUTOUT_MAX_CIRCUITS 4096

typedef struct shutout_row {
    int found;
    int64_t account_id;
    char state[16];
} shutout_row;

static int shutout_row_read(const tl_row *row, void *cls, tl_err *err)
{
    shutout_row *s = cls;
    const char *state = NULL;

    s->found = 1;
    if (tl_row_int64(row, "account_id", &s->account_id, err) < 0 ||
        tl_row_text(row, "state", &state, err) < 0)
        return TL_ERROR;
    snprintf(s->state, sizeof(s->state), "%s", state);
    return 0;
}

static int shutout_get(shutout_row *s, tl_db *db, int64_t shutout_id,
                       tl_err *err)
{
    tl_params p;
    int rc;

    memset(s, 0, sizeof(*s));
    tl_params_init(&p);
    tl_params_int64(&p, shutout_id);
    rc = tl_db_select(db, "collections_shutout_get",
                      "SELECT account_id, state FROM collections.shutout"
                      " WHERE shutout_id = $1::bigint FOR UPDATE",
                      &p, shutout_row_read, s, err);
    if (rc < 0)
        return rc;
    if (!s->found)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "shutout",
                          "no shutout %lld", (long long)shutout_id);
    return 0;
}

/* Circuits of a shutout, collected before calling provisioning. */
typedef struct circuit {
    int64_t service_id;
    char circuit_id[64];
    int64_t request_id;
    char request_state[16];
    char service_state[16];
} circuit;

typedef struct circuit_list {
    circuit *items;
    size_t n;
} circuit_list;

static int circuit_row(const tl_row *row, void *cls, tl_err *err)
{
    circuit_list *l = cls;
    circuit *c;
    const char *text = NULL;
    int isnull = 0;

    if (l->n >= SHUTOUT_MAX_CIRCUITS)
        return tl_err_set(err, TL_ERROR, "too_many", "circuits",
                          "more than %d circuits on one account",
                          SHUTOUT_MAX_CIRCUITS);
    c = &l->items[l->n];
    memset(c, 0, sizeof(*c));
    if (tl_row_int64(row, "service_id", &c->service_id, err) < 0 ||
        tl_row_text(row, "circuit_id", &text, err) < 0)
        return TL_ERROR;
    snprintf(c->circuit_id, sizeof(c->circuit_id), "%s", text);
    if (tl_row_int64_opt(row, "request_id", &c->request_id, &isnull, err) < 0)
        return TL_ERROR;
    if (tl_row_text(row, "request_state", &text, err) < 0)
        return TL_ERROR;
    snprintf(c->request_state, sizeof(c->request_state), "%s",
             text ? text : "");
    if (tl_row_text(row, "service_state", &text, err) < 0)
        return TL_ERROR;
    snprintf(c->service_state, sizeof(c->service_state), "%s",
             text ? text : "");
    l->n++;
    return 0;
}

typedef struct change_ctx {
    int64_t shutout_id;
    tl_date on;
    const char *reason;
    const char *actor;
    int requests;
} change_ctx;

static int approve_tx(tl_db *db, void *cls, tl_err *err)
{
    change_ctx *ctx = cls;
    circuit_list list = {NULL, 0};
    shutout_row s;
    char reason[160];
    tl_params p;
    size_t i;
    int rc;

    ctx->requests = 0;
    rc = shutout_get(&s, db, ctx->shutout_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(s.state, "approved") == 0) {
        tl_params_init(&p);
        tl_params_int64(&p, s.account_id);
        tl_params_int64(&p, ctx->shutout_id);
        rc = tl_db_exec(db, "collections_shutout_circuits_count",
                        "SELECT 1 FROM collections.shutout_service"
                        " WHERE account_id = $1::bigint"
                        " AND shutout_id = $2::bigint",
                        &p, err);
        if (rc >= 0)
            ctx->requests = rc;
        return rc < 0 ? rc : 0;
    }
    if (strcmp(s.state, "recommended") != 0)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "state",
                          "shutout %lld is %s", (long long)ctx->shutout_id,
                          s.state);
    list.items = calloc(SHUTOUT_MAX_CIRCUITS, sizeof(*list.items));
    if (list.items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_int64(&p, s.account_id);
    rc = tl_db_select(
        db, "collections_shutout_circuits",
        "SELECT s.service_id, s.circuit_id, NULL::bigint AS request_id,"
        " NULL::text AS request_state, s.state AS service_state"
        " FROM provisioning.service s"
        " WHERE s.account_id = $1::bigint AND s.state = 'active'"
        " AND NOT EXISTS (SELECT 1 FROM collections.dispute d"
        "  JOIN billing.invoice_line l ON l.account_id = d.account_id"
        "  AND l.invoice_id = d.invoice_id"
        "  AND (d.line_no IS NULL OR l.line_no = d.line_no)"
        "  WHERE d.account_id = s.account_id"
        "  AND d.state IN ('open', 'forwarded')"
        "  AND l.service_id = s.service_id)"
        " ORDER BY s.service_id",
        &p, circuit_row, &list, err);
    if (rc < 0)
        goto cleanup;
    snprintf(reason, sizeof(reason), "collections shutout %lld: non-payment",
             (long long)ctx->shutout_id);
    for (i = 0; i < list.n; i++) {
        int64_t request_id = 0;
        int created = 0;

        rc = provisioning_request_suspend(
            &request_id, &created, db, s.account_id, list.items[i].circuit_id,
            reason, ctx->actor, err);
        if (rc < 0)
            goto cleanup;
        tl_params_init(&p);
        tl_params_int64(&p, s.account_id);
        tl_params_int64(&p, ctx->shutout_id);
        tl_params_int64(&p, list.items[i].service_id);
        tl_params_text(&p, list.items[i].circuit_id);
        tl_params_int64(&p, request_id);
        rc = tl_db_exec(db, "collections_shutout_service_insert",
                        "INSERT INTO collections.shutout_service (account_id,"
                        " shutout_id, service_id, circuit_id,"
                        " suspend_request_id) VALUES ($1::bigint, $2::bigint,"
                        " $3::bigint, $4, $5::bigint)",
                        &p, err);
        if (rc < 0)
            goto cleanup;
    }
    tl_params_init(&p);
    tl_params_int64(&p, s.account_id);
    tl_params_int64(&p, ctx->shutout_id);
    tl_params_text(&p, ctx->actor);
    tl_params_date(&p, ctx->on);
    rc =
        tl_db_exec(db, "collections_shutout_approve",
                   "UPDATE collections.shutout SET state = 'approved',"
                   " approved_by = $3, approved_on = $4::date"
                   " WHERE account_id = $1::bigint AND shutout_id = $2::bigint",
                   &p, err);
    if (rc < 0)
        goto cleanup;
    ctx->requests = (int)list.n;
    rc = book_audit(db, ctx->actor, "shutout.approve", "shutout",
                    ctx->shutout_id, s.account_id,
                    json_pack("{s:s}", "state", s.state),
                    json_pack("{s:s, s:i}", "state", "approved",
                              "suspendRequests", ctx->requests),
                    err);
cleanup:
    free(list.items);
    return rc < 0 ? rc : 0;
}

int collections_shutout_approve(int *requests, tl_db *db, int64_t shutout_id,
                                tl_date on, const char *actor, tl_err *err)
{
    change_ctx ctx = {shutout_id, on, NULL, actor, 0};
    int rc;

    *requests = 0;
    rc = tl_db_run_tx(db, "collections_shutout_approve", approve_tx, &ctx, err);
    if (rc == 0)
        *requests = ctx.requests;
    return rc;
}

static int release_tx(tl_db *db, void *cls, tl_err *err)
{
    change_ctx *ctx = cls;
    circuit_list list = {NULL, 0};
    shutout_row s;
    char reason[200];
    const char *to;
    tl_params p;
    size_t i;
    int rc;

    ctx->requests = 0;
    rc = shutout_get(&s, db, ctx->shutout_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(s.state, "released") == 0 || strcmp(s.state, "withdrawn") == 0)
        return 0;
    to = strcmp(s.state, "approved") == 0 ? "released" : "withdrawn";
    snprintf(reason, sizeof(reason), "collections shutout %lld released: %s",
             (long long)ctx->shutout_id, ctx->reason);
    if (strcmp(to, "released") == 0) {
        list.items = calloc(SHUTOUT_MAX_CIRCUITS, sizeof(*list.items));
        if (list.items == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        tl_params_init(&p);
        tl_params_int64(&p, s.account_id);
        tl_params_int64(&p, ctx->shutout_id);
        rc = tl_db_select(
            db, "collections_shutout_suspended",
            "SELECT ss.service_id, ss.circuit_id,"
            " ss.suspend_request_id AS request_id, r.state AS request_state,"
            " s.state AS service_state"
            " FROM collections.shutout_service ss"
            " JOIN provisioning.service_request r"
            " ON r.account_id = ss.account_id"
            " AND r.request_id = ss.suspend_request_id"
            " JOIN provisioning.service s ON s.account_id = ss.account_id"
            " AND s.service_id = ss.service_id"
            " WHERE ss.account_id = $1::bigint AND ss.shutout_id = $2::bigint"
            " AND ss.restore_request_id IS NULL ORDER BY ss.service_id",
            &p, circuit_row, &list, err);
        if (rc < 0)
            goto cleanup;
    }
    for (i = 0; i < list.n; i++) {
        circuit *c = &list.items[i];
        int64_t restore_id = 0;
        int created = 0;

        if (strcmp(c->request_state, "requested") == 0) {
            rc = provisioning_request_cancel(db, c->request_id, reason,
                                             ctx->actor, err);
            if (rc < 0)
                goto cleanup;
            ctx->requests++;
            continue;
        }
        if (strcmp(c->service_state, "suspended") != 0)
            continue;
        rc = provisioning_request_restore(&restore_id, &created, db,
                                          s.account_id, c->circuit_id, reason,
                                          ctx->actor, err);
        if (rc < 0)
            goto cleanup;
        tl_params_init(&p);
        tl_params_int64(&p, s.account_id);
        tl_params_int64(&p, ctx->shutout_id);
        tl_params_int64(&p, c->service_id);
        tl_params_int64(&p, restore_id);
        rc = tl_db_exec(db, "collections_shutout_restored",
                        "UPDATE collections.shutout_service"
                        " SET restore_request_id = $4::bigint"
                        " WHERE account_id = $1::bigint"
                        " AND shutout_id = $2::bigint"
                        " AND service_id = $3::bigint",
                        &p, err);
        if (rc < 0)
            goto cleanup;
        ctx->requests++;
    }
    tl_params_init(&p);
    tl_params_int64(&p, s.account_id);
    tl_params_int64(&p, ctx->shutout_id);
    tl_params_text(&p, to);
    tl_params_text(&p, ctx->actor);
    tl_params_date(&p, ctx->on);
    tl_params_text(&p, ctx->reason);
    rc =
        tl_db_exec(db, "collections_shutout_release",
                   "UPDATE collections.shutout SET state = $3,"
                   " released_by = $4,"
                   " released_on = CASE WHEN $3 = 'released' THEN $5::date"
                   " END, release_reason = $6"
                   " WHERE account_id = $1::bigint AND shutout_id = $2::bigint",
                   &p, err);
    if (rc < 0)
        goto cleanup;
    rc = book_audit(db, ctx->actor, "shutout.release", "shutout",
                    ctx->shutout_id, s.account_id,
                    json_pack("{s:s}", "state", s.state),
                    json_pack("{s:s, s:s, s:i}", "state", to, "reason",
                              ctx->reason, "requests", ctx->requests),
                    err);
cleanup:
    free(list.items);
    return rc < 0 ? rc : 0;
}

int collections_shutout_release(int *requests, tl_db *db, int64_t shutout_id,
                                tl_date on, const char *reason,
                                const char *actor, tl_err *err)
{
    change_ctx ctx = {shutout_id, on, reason, actor, 0};
    int rc;

    *requests = 0;
    if (reason == NULL || reason[0] == '\0')
        return tl_err_add(err, "required", "reason",
                          "say why the shutout is released");
    rc = tl_db_run_tx(db, "collections_shutout_release", release_tx, &ctx, err);
    if (rc == 0)
        *requests = ctx.requests;
    return rc;
}

typedef struct due_list {
    int64_t ids[256];
    char why[256][12];
    size_t n;
} due_list;

static int due_row(const tl_row *row, void *cls, tl_err *err)
{
    due_list *l = cls;
    const char *why = NULL;

    if (l->n >= sizeof(l->ids) / sizeof(l->ids[0]))
        return 0; /* the rest on the next run */
    if (tl_row_int64(row, "shutout_id", &l->ids[l->n], err) < 0 ||
        tl_row_text(row, "why", &why, err) < 0)
        return TL_ERROR;
    snprintf(l->why[l->n], sizeof(l->why[0]), "%s", why);
    l->n++;
    return 0;
}

typedef struct due_ctx {
    tl_date as_of;
    const char *actor;
    int released;
} due_ctx;

static int release_due_tx(tl_db *db, void *cls, tl_err *err)
{
    due_ctx *ctx = cls;
    due_list *list;
    tl_params p;
    size_t i;
    int rc;

    ctx->released = 0;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    rc = tl_db_select(
        db, "collections_shutout_due",
        /* paid: nothing undisputed past due beyond the credit on
         * account (cash received but not applied counts as paid) */
        "WITH cr AS ("
        "  SELECT account_id, credit_minor AS credit"
        "  FROM collections.account_credit($1::date)),"
        " o AS ("
        "  SELECT r.account_id, coalesce(sum(r.open_minor"
        "  - r.disputed_minor) FILTER (WHERE r.due_date < $1::date), 0)"
        "  - coalesce(max(cr.credit), 0) AS past_due"
        "  FROM collections.receivable_open($1::date) r"
        "  LEFT JOIN cr USING (account_id)"
        "  GROUP BY r.account_id)"
        " SELECT sh.shutout_id,"
        " CASE WHEN coalesce(o.past_due, 0) <= 0 THEN 'paid'"
        " ELSE 'promised' END AS why"
        " FROM collections.shutout sh LEFT JOIN o USING (account_id)"
        " WHERE sh.state IN ('recommended', 'approved')"
        " AND sh.recommended_on <= $1::date"
        " AND (coalesce(o.past_due, 0) <= 0"
        "  OR EXISTS (SELECT 1 FROM collections.promise pr"
        "   WHERE pr.account_id = sh.account_id"
        "   AND pr.state IN ('pending', 'kept')"
        "   AND pr.made_on <= $1::date AND pr.promised_date >= $1::date))"
        " ORDER BY sh.shutout_id",
        &p, due_row, list, err);
    for (i = 0; rc >= 0 && i < list->n; i++) {
        change_ctx c = {list->ids[i], ctx->as_of, list->why[i], ctx->actor, 0};

        rc = release_tx(db, &c, err);
        if (rc >= 0)
            ctx->released++;
    }
    free(list);
    return rc < 0 ? rc : 0;
}

int collections_shutout_release_due(int *released, tl_db *db, tl_date as_of,
                                    const char *actor, tl_err *err)
{
    due_ctx ctx = {as_of, actor, 0};
    int rc;

    *released = 0;
    rc = tl_db_run_tx(db, "collections_shutout_release_due", release_due_tx,
                      &ctx, err);
    if (rc == 0)
        *released = ctx.released;
    return rc;
}

typedef struct list_ctx {
    collections_shutout_fn fn;
    void *cls;
} list_ctx;

static int list_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    collections_shutout s;

    memset(&s, 0, sizeof(s));
    if (tl_row_int64(row, "shutout_id", &s.shutout_id, err) < 0 ||
        tl_row_text(row, "account_number", &s.account_number, err) < 0 ||
        tl_row_text(row, "state", &s.state, err) < 0 ||
        tl_row_date(row, "recommended_on", &s.recommended_on, err) < 0 ||
        tl_row_text(row, "reason", &s.reason, err) < 0 ||
        tl_row_int(row, "days_past_due", &s.days_past_due, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &s.amount, err) < 0 ||
        tl_row_text(row, "approved_by", &s.approved_by, err) < 0 ||
        tl_row_text(row, "release_reason", &s.release_reason, err) < 0 ||
        tl_row_int(row, "circuits", &s.circuits, err) < 0)
        return TL_ERROR;
    return ctx->fn(&s, ctx->cls, err);
}

int collections_shutouts(tl_db *db, const char *state,
                         collections_shutout_fn fn, void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, state);
    return tl_db_select(
        db, "collections_shutouts",
        "SELECT sh.shutout_id, b.account_number, sh.state,"
        " sh.recommended_on, sh.reason, sh.days_past_due, sh.amount_minor,"
        " sh.currency, coalesce(sh.approved_by, '') AS approved_by,"
        " coalesce(sh.release_reason, '') AS release_reason,"
        " (SELECT count(*) FROM collections.shutout_service ss"
        "  WHERE ss.account_id = sh.account_id"
        "  AND ss.shutout_id = sh.shutout_id) AS circuits"
        " FROM collections.shutout sh"
        " JOIN accounts.billing_account b USING (account_id)"
        " WHERE ($1::text IS NULL OR sh.state = $1)"
        " ORDER BY sh.shutout_id",
        &p, list_row, &ctx, err);
}
