/*
 * The order lifecycle: the one table of allowed transitions (documented in
 * orders.h) and the function that applies and records them.
 */
#include <stdio.h>
#include <string.h>

#include "common/audit.h"
#include "orders/orders.h"

typedef struct transition {
    const char *from;
    const char *to;
} transition;

static const transition transitions[] = {
    {"draft", "submitted"},
    {"draft", "cancelled"},
    {"submitted", "accepted"},
    {"submitted", "rejected"},
    {"submitted", "held"},
    {"submitted", "cancelled"},
    {"held", "submitted"},
    {"held", "cancelled"},
    {"accepted", "in_provisioning"},
    {"accepted", "held"},
    {"accepted", "cancelled"},
    {"in_provisioning", "installed"},
    {"in_provisioning", "held"},
    {"in_provisioning", "cancelled"},
    {"installed", "customer_accepted"},
    {"installed", "completed"}, /* a disconnect-only order: nothing to bill */
    {"customer_accepted", "billing"},
    {"billing", "completed"},
};

static const char *const states[] = {"draft",
                                     "submitted",
                                     "rejected",
                                     "accepted",
                                     "in_provisioning",
                                     "installed",
                                     "customer_accepted",
                                     "billing",
                                     "completed",
                                     "cancelled",
                                     "held",
                                     NULL};

static int state_known(const char *s)
{
    size_t i;

    for (i = 0; states[i] != NULL; i++)
        if (strcmp(states[i], s) == 0)
            return 1;
    return 0;
}

int orders_transition_allowed(const char *from, const char *to)
{
    size_t i;

    for (i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
        if (strcmp(transitions[i].from, from) == 0 &&
            strcmp(transitions[i].to, to) == 0)
            return 1;
    return 0;
}

typedef struct transition_ctx {
    int64_t account_id;
    int64_t order_id;
    const char *to;
    const char *actor;
    const char *reason;
} transition_ctx;

static int audit_transition(const transition_ctx *ctx, const char *order_number,
                            const char *from, tl_db *db, tl_err *err)
{
    json_t *before = json_pack("{s:s}", "state", from);
    json_t *after = json_pack("{s:s, s:s}", "state", ctx->to, "reason",
                              ctx->reason ? ctx->reason : "");
    int rc;

    if (before == NULL || after == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    else
        rc = tl_audit(db, ctx->actor, "order.transition", "order", order_number,
                      ctx->account_id, before, after, err);
    json_decref(before);
    json_decref(after);
    return rc;
}

static int transition_tx(tl_db *db, void *cls, tl_err *err)
{
    transition_ctx *ctx = cls;
    PGresult *res = NULL;
    const char *from = NULL;
    const char *number = NULL;
    char from_state[24];
    char order_number[24];
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->account_id);
    tl_params_int64(&p, ctx->order_id);
    rc = tl_db_query_one(db, &res, "orders_state_for_update",
                         "SELECT state, order_number FROM orders.sales_order"
                         " WHERE account_id = $1::bigint"
                         " AND order_id = $2::bigint FOR UPDATE",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_order", "order",
                          "order %lld does not exist",
                          (long long)ctx->order_id);
    row.res = res;
    row.row = 0;
    rc = tl_row_text(&row, "state", &from, err);
    if (rc == 0)
        rc = tl_row_text(&row, "order_number", &number, err);
    if (rc == 0) {
        snprintf(from_state, sizeof(from_state), "%s", from);
        snprintf(order_number, sizeof(order_number), "%s", number);
    }
    PQclear(res);
    if (rc < 0)
        return rc;
    if (strcmp(from_state, ctx->to) == 0)
        return 0;
    if (!orders_transition_allowed(from_state, ctx->to))
        return tl_err_set(err, TL_ECONFLICT, "transition_not_allowed", "state",
                          "order %s is %s and cannot become %s", order_number,
                          from_state, ctx->to);
    tl_params_text(&p, ctx->to);
    tl_params_text(&p, from_state);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, ctx->reason ? ctx->reason : "");
    rc = tl_db_exec(db, "orders_state_update",
                    "WITH upd AS (UPDATE orders.sales_order SET state = $3,"
                    "  state_changed_at = now()"
                    "  WHERE account_id = $1::bigint"
                    "  AND order_id = $2::bigint AND state = $4)"
                    " INSERT INTO orders.state_change (account_id, order_id,"
                    " seq, from_state, to_state, actor, reason)"
                    " SELECT $1::bigint, $2::bigint, coalesce(max(seq), 0) + 1,"
                    " $4, $3, $5, $6 FROM orders.state_change"
                    " WHERE account_id = $1::bigint AND order_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return audit_transition(ctx, order_number, from_state, db, err);
}

int orders_transition(tl_db *db, int64_t account_id, int64_t order_id,
                      const char *to_state, const char *actor,
                      const char *reason, tl_err *err)
{
    transition_ctx ctx = {account_id, order_id, to_state, actor, reason};

    if (!state_known(to_state))
        return tl_err_add(err, "unknown_state", "state",
                          "%s is not an order state", to_state);
    return tl_db_run_tx(db, "orders_transition", transition_tx, &ctx, err);
}

int orders_accept(orders_order_t *out, tl_db *db, const char *order_number,
                  const char *actor, tl_err *err)
{
    int rc = orders_get(out, db, order_number, err);

    if (rc < 0)
        return rc;
    rc = orders_transition(db, out->account_id, out->order_id, "accepted",
                           actor, "accepted by coordinator", err);
    if (rc < 0)
        return rc;
    return orders_get(out, db, order_number, err);
}

int orders_decide(orders_order_t *out, tl_db *db, const char *order_number,
                  const char *to_state, const char *reason, const char *actor,
                  tl_err *err)
{
    int rc;

    if (strcmp(to_state, "rejected") != 0 && strcmp(to_state, "held") != 0 &&
        strcmp(to_state, "submitted") != 0)
        return tl_err_add(err, "unknown_state", "state",
                          "a coordinator rejects, holds or releases an order, "
                          "not %s",
                          to_state);
    if (strcmp(to_state, "submitted") != 0 &&
        (reason == NULL || reason[0] == '\0'))
        return tl_err_add(err, "required", "reason",
                          "say what the salesperson must fix: an order %s "
                          "needs a reason",
                          to_state);
    rc = orders_get(out, db, order_number, err);
    if (rc < 0)
        return rc;
    if (strcmp(to_state, "submitted") == 0 && strcmp(out->state, "held") != 0)
        return tl_err_set(err, TL_ECONFLICT, "transition_not_allowed", "state",
                          "order %s is %s; only a held order is released",
                          order_number, out->state);
    rc = orders_transition(db, out->account_id, out->order_id, to_state, actor,
                           reason != NULL ? reason : "released", err);
    if (rc < 0)
        return rc;
    return orders_get(out, db, order_number, err);
}

typedef struct history_ctx {
    orders_history_fn fn;
    void *cls;
} history_ctx;

static int history_row(const tl_row *row, void *cls, tl_err *err)
{
    history_ctx *ctx = cls;
    orders_state_change_t c;

    memset(&c, 0, sizeof(c));
    if (tl_row_int(row, "seq", &c.seq, err) < 0 ||
        tl_row_text(row, "from_state", &c.from_state, err) < 0 ||
        tl_row_text(row, "to_state", &c.to_state, err) < 0 ||
        tl_row_text(row, "actor", &c.actor, err) < 0 ||
        tl_row_text(row, "reason", &c.reason, err) < 0 ||
        tl_row_text(row, "changed_at", &c.changed_at, err) < 0)
        return TL_ERROR;
    return ctx->fn(&c, ctx->cls, err);
}

int orders_history(tl_db *db, int64_t account_id, int64_t order_id,
                   orders_history_fn fn, void *cls, tl_err *err)
{
    history_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    return tl_db_select(db, "orders_history",
                        "SELECT seq, from_state, to_state, actor, reason,"
                        " to_char(changed_at AT TIME ZONE 'UTC',"
                        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS changed_at"
                        " FROM orders.state_change"
                        " WHERE account_id = $1::bigint"
                        " AND order_id = $2::bigint ORDER BY seq",
                        &p, history_row, &ctx, err);
}
