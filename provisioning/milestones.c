/*
 * Milestones and their consequences: install and customer acceptance set
 * the dates billing starts from, and move the order along its lifecycle
 * once all of its services got there.
 */
#include <stdio.h>
#include <string.h>

#include "common/audit.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

static const char *const kinds[] = {
    "foc",     "ready_for_service",   PROVISIONING_INSTALLED,
    "turn_up", PROVISIONING_ACCEPTED, NULL};

static int kind_known(const char *kind)
{
    size_t i;

    for (i = 0; kinds[i] != NULL; i++)
        if (strcmp(kinds[i], kind) == 0)
            return 1;
    return 0;
}

typedef struct milestone_ctx {
    const char *circuit_id;
    const char *kind;
    tl_date date;
    const char *actor;
    provisioning_service_t *svc;
} milestone_ctx;

/* Returns 1 when the milestone is already recorded with the same date, 0
 * when it is not recorded, TL_ECONFLICT when recorded with another date. */
static int recorded_before(milestone_ctx *ctx, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    tl_date stored = 0;
    char a[16];
    char b[16];
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->svc->account_id);
    tl_params_int64(&p, ctx->svc->service_id);
    tl_params_text(&p, ctx->kind);
    rc = tl_db_query_one(db, &res, "provisioning_milestone_get",
                         "SELECT milestone_date FROM provisioning.milestone"
                         " WHERE account_id = $1::bigint"
                         " AND service_id = $2::bigint AND kind = $3",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_date(&row, "milestone_date", &stored, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    if (stored == ctx->date)
        return 1;
    tl_date_format(a, sizeof(a), stored);
    tl_date_format(b, sizeof(b), ctx->date);
    return tl_err_set(err, TL_ECONFLICT, "milestone_recorded", "date",
                      "%s of %s is already recorded as %s, not %s", ctx->kind,
                      ctx->circuit_id, a, b);
}

static int check_order_of_milestones(const milestone_ctx *ctx, tl_err *err)
{
    const provisioning_service_t *s = ctx->svc;
    char a[16];
    char b[16];

    if (strcmp(ctx->kind, PROVISIONING_ACCEPTED) == 0) {
        if (!s->has_install)
            return tl_err_set(
                err, TL_ECONFLICT, "milestone_out_of_order", "kind",
                "%s cannot be accepted before it is installed", s->circuit_id);
        if (ctx->date < s->install_date) {
            tl_date_format(a, sizeof(a), ctx->date);
            tl_date_format(b, sizeof(b), s->install_date);
            return tl_err_set(err, TL_ECONFLICT, "milestone_out_of_order",
                              "date",
                              "acceptance on %s would be before the install "
                              "on %s",
                              a, b);
        }
    }
    return 0;
}

static int apply_to_service(const milestone_ctx *ctx, tl_db *db, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->svc->account_id);
    tl_params_int64(&p, ctx->svc->service_id);
    tl_params_date(&p, ctx->date);
    if (strcmp(ctx->kind, PROVISIONING_INSTALLED) == 0)
        return tl_db_exec(db, "provisioning_set_install",
                          "UPDATE provisioning.service"
                          " SET install_date = $3::date"
                          " WHERE account_id = $1::bigint"
                          " AND service_id = $2::bigint",
                          &p, err);
    if (strcmp(ctx->kind, PROVISIONING_ACCEPTED) == 0)
        return tl_db_exec(db, "provisioning_set_acceptance",
                          "UPDATE provisioning.service"
                          " SET acceptance_date = $3::date,"
                          " billing_start_date = $3::date, state = 'active'"
                          " WHERE account_id = $1::bigint"
                          " AND service_id = $2::bigint",
                          &p, err);
    return 0;
}

/* Moves the order as far as all its services allow. */
static int advance_order(const milestone_ctx *ctx, tl_db *db, tl_err *err)
{
    orders_order_t order;
    int pending = 0;
    int installed = 0;
    int rc;

    rc = orders_get(&order, db, ctx->svc->order_number, err);
    if (rc < 0)
        return rc;
    rc = provisioning_count_open(&pending, &installed, db, order.account_id,
                                 order.order_id, err);
    if (rc < 0 || pending > 0)
        return rc;
    if (strcmp(order.state, "in_provisioning") == 0) {
        rc =
            orders_transition(db, order.account_id, order.order_id, "installed",
                              ctx->actor, "all services installed", err);
        if (rc < 0)
            return rc;
    }
    if (installed > 0)
        return 0;
    rc = orders_transition(db, order.account_id, order.order_id,
                           "customer_accepted", ctx->actor,
                           "all services accepted", err);
    if (rc < 0)
        return rc;
    return orders_transition(db, order.account_id, order.order_id, "billing",
                             ctx->actor, "billing started", err);
}

static int audit_milestone(const milestone_ctx *ctx, tl_db *db, tl_err *err)
{
    char date[16];
    json_t *after;
    int rc;

    tl_date_format(date, sizeof(date), ctx->date);
    after = json_pack("{s:s, s:s}", "kind", ctx->kind, "date", date);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "service.milestone", "service",
                  ctx->circuit_id, ctx->svc->account_id, NULL, after, err);
    json_decref(after);
    return rc;
}

static int milestone_tx(tl_db *db, void *cls, tl_err *err)
{
    milestone_ctx *ctx = cls;
    tl_params p;
    int rc;

    rc = provisioning_service_get(ctx->svc, db, ctx->circuit_id, err);
    if (rc < 0)
        return rc;
    rc = recorded_before(ctx, db, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = check_order_of_milestones(ctx, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->svc->account_id);
    tl_params_int64(&p, ctx->svc->service_id);
    tl_params_text(&p, ctx->kind);
    tl_params_date(&p, ctx->date);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "provisioning_milestone_insert",
                    "INSERT INTO provisioning.milestone (account_id,"
                    " service_id, kind, milestone_date, recorded_by)"
                    " VALUES ($1::bigint, $2::bigint, $3, $4::date, $5)",
                    &p, err);
    if (rc < 0)
        return rc;
    rc = apply_to_service(ctx, db, err);
    if (rc < 0)
        return rc;
    rc = audit_milestone(ctx, db, err);
    if (rc < 0)
        return rc;
    if (strcmp(ctx->kind, PROVISIONING_INSTALLED) == 0 ||
        strcmp(ctx->kind, PROVISIONING_ACCEPTED) == 0) {
        rc = advance_order(ctx, db, err);
        if (rc < 0)
            return rc;
    }
    return provisioning_service_get(ctx->svc, db, ctx->circuit_id, err);
}

int provisioning_record_milestone(provisioning_service_t *out, tl_db *db,
                                  const char *circuit_id, const char *kind,
                                  tl_date date, const char *actor, tl_err *err)
{
    milestone_ctx ctx = {circuit_id, kind, date, actor, out};

    memset(out, 0, sizeof(*out));
    if (!kind_known(kind))
        return tl_err_add(err, "unknown_milestone", "kind",
                          "%s is not a milestone: use foc, "
                          "ready_for_service, installed, turn_up or "
                          "customer_accepted",
                          kind);
    return tl_db_run_tx(db, "provisioning_record_milestone", milestone_tx, &ctx,
                        err);
}
