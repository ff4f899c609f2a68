/*
 * Pending-order queues: which orders wait on whom, for how long, and which
 * are in jeopardy of missing (or have missed) their due date.
 */
#include <stdio.h>
#include <string.h>

#include "orders/orders.h"

/* Days before the due date at which an order not yet installed is "at
 * risk". */
#define ORDERS_AT_RISK_DAYS 5

/* SQL: person `ref` holds `role` on the order's account on day `day`. */
#define ORDERS_HOLDS_ACCOUNT(role, ref, day)                                   \
    "EXISTS (SELECT 1 FROM accounts.account_assignment s"                     \
    " JOIN accounts.person p USING (person_id)"                               \
    " WHERE s.account_id = o.account_id AND s.role = '" role "'"              \
    " AND p.person_ref = " ref " AND s.valid_from <= " day "::date"            \
    " AND (s.valid_to IS NULL OR s.valid_to > " day "::date))"

/* SQL: the date an order is due: the one provisioning committed to (FOC),
 * else the one the customer asked for. */
#define ORDERS_DUE "coalesce(o.committed_date, o.requested_start_date)"

typedef struct queue_def {
    const char *name;
    const char *states; /* a PostgreSQL text[] literal */
    int installs;       /* orders here still have to be installed */
} queue_def;

static const queue_def queues[] = {
    {"pending_sales", "{submitted,held}", 1},
    {"pending_provisioning", "{accepted}", 1},
    {"pending_installation", "{in_provisioning}", 1},
    {"pending_billing", "{installed,customer_accepted}", 0},
};

static const queue_def *find_queue(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(queues) / sizeof(queues[0]); i++)
        if (strcmp(queues[i].name, name) == 0)
            return &queues[i];
    return NULL;
}

typedef struct queue_ctx {
    orders_queue_fn fn;
    void *cls;
} queue_ctx;

static int queue_row(const tl_row *row, void *cls, tl_err *err)
{
    queue_ctx *ctx = cls;
    orders_queue_row r;
    int isnull = 0;

    memset(&r, 0, sizeof(r));
    if (tl_row_text(row, "order_number", &r.order_number, err) < 0 ||
        tl_row_text(row, "external_id", &r.external_id, err) < 0 ||
        tl_row_text(row, "account_number", &r.account_number, err) < 0 ||
        tl_row_text(row, "account_name", &r.account_name, err) < 0 ||
        tl_row_text(row, "state", &r.state, err) < 0 ||
        tl_row_text(row, "products", &r.products, err) < 0 ||
        tl_row_text(row, "ae_ref", &r.ae_ref, err) < 0 ||
        tl_row_text(row, "agent_ref", &r.agent_ref, err) < 0 ||
        tl_row_date_opt(row, "due_date", &r.due_date, &isnull, err) < 0 ||
        tl_row_bool(row, "committed", &r.committed, err) < 0 ||
        tl_row_int(row, "age_days", &r.age_days, err) < 0 ||
        tl_row_int(row, "days_in_state", &r.days_in_state, err) < 0 ||
        tl_row_text(row, "jeopardy", &r.jeopardy, err) < 0 ||
        tl_row_text(row, "jeopardy_reason", &r.jeopardy_reason, err) < 0)
        return TL_ERROR;
    r.has_due = !isnull;
    return ctx->fn(&r, ctx->cls, err);
}

int orders_queue(tl_db *db, const char *queue, tl_date as_of,
                 const orders_queue_filter *filter, orders_queue_fn fn,
                 void *cls, tl_err *err)
{
    const queue_def *q = find_queue(queue);
    queue_ctx ctx = {fn, cls};
    tl_params p;

    if (q == NULL)
        return tl_err_add(err, "unknown_queue", "queue",
                          "%s is not a queue: use pending_sales, "
                          "pending_provisioning, pending_installation or "
                          "pending_billing",
                          queue);
    tl_params_init(&p);
    tl_params_text(&p, q->states);
    tl_params_date(&p, as_of);
    tl_params_text(&p, filter ? filter->account_number : NULL);
    tl_params_text(&p, filter ? filter->product_id : NULL);
    tl_params_bool(&p, q->installs);
    tl_params_int64(&p, ORDERS_AT_RISK_DAYS);
    tl_params_text(&p, filter ? filter->ae_ref : NULL);
    tl_params_text(&p, filter ? filter->agent_ref : NULL);
    return tl_db_select(
        db, "orders_queue",
        "SELECT o.order_number, o.external_id, a.account_number,"
        " a.name AS account_name, o.state,"
        " coalesce((SELECT string_agg(DISTINCT i.product_id, ','"
        "   ORDER BY i.product_id) FROM orders.order_item i"
        "   WHERE i.account_id = o.account_id AND i.order_id = o.order_id),"
        "   '') AS products,"
        " coalesce(o.account_executive_ref, '') AS ae_ref,"
        " coalesce(o.agent_ref, '') AS agent_ref,"
        " " ORDERS_DUE " AS due_date,"
        " o.committed_date IS NOT NULL AS committed,"
        " $2::date - o.received_on AS age_days,"
        /* still in the state intake gave it: in it since it came in */
        " $2::date - CASE WHEN NOT EXISTS (SELECT 1 FROM orders.state_change c"
        "   WHERE c.account_id = o.account_id AND c.order_id = o.order_id"
        "   AND c.seq > 1) THEN o.received_on"
        "   ELSE (o.state_changed_at AT TIME ZONE 'UTC')::date END"
        "   AS days_in_state,"
        " CASE WHEN NOT $5::boolean OR " ORDERS_DUE " IS NULL THEN ''"
        "   WHEN " ORDERS_DUE " < $2::date THEN 'missed'"
        "   WHEN " ORDERS_DUE " - $2::date <= $6::int"
        "   THEN 'at_risk'"
        "   WHEN o.jeopardy_since <= $2::date THEN 'at_risk'"
        "   ELSE '' END AS jeopardy,"
        " CASE WHEN o.jeopardy_since <= $2::date THEN o.jeopardy_reason"
        "   ELSE '' END AS jeopardy_reason"
        " FROM orders.sales_order o"
        " JOIN accounts.billing_account a USING (account_id)"
        " WHERE o.state = ANY ($1::text[])"
        " AND ($3::text IS NULL OR a.account_number = $3)"
        " AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM orders.order_item i"
        "   WHERE i.account_id = o.account_id AND i.order_id = o.order_id"
        "   AND i.product_id = $4))"
        " AND ($7::text IS NULL OR o.account_executive_ref = $7"
        "   OR " ORDERS_HOLDS_ACCOUNT("ae", "$7", "$2") ")"
        " AND ($8::text IS NULL OR o.agent_ref = $8"
        "   OR " ORDERS_HOLDS_ACCOUNT("agent", "$8", "$2") ")"
        " ORDER BY " ORDERS_DUE " NULLS LAST, o.order_number",
        &p, queue_row, &ctx, err);
}

int orders_visible_to_ae(int *visible, tl_db *db, const orders_order_t *order,
                         const char *ae_ref, tl_date on, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    *visible = 0;
    tl_params_init(&p);
    tl_params_int64(&p, order->account_id);
    tl_params_int64(&p, order->order_id);
    tl_params_text(&p, ae_ref);
    tl_params_date(&p, on);
    rc = tl_db_query_one(db, &res, "orders_visible_to_ae",
                         "SELECT (coalesce(o.account_executive_ref = $3, false)"
                         " OR " ORDERS_HOLDS_ACCOUNT("ae", "$3", "$4")
                         ") AS visible FROM orders.sales_order o"
                         " WHERE o.account_id = $1::bigint"
                         " AND o.order_id = $2::bigint",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_bool(&row, "visible", visible, err);
    PQclear(res);
    return rc;
}

int orders_set_jeopardy(tl_db *db, int64_t account_id, int64_t order_id,
                        const char *reason, tl_date since, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    tl_params_text(&p, reason);
    tl_params_date(&p, since);
    rc = tl_db_exec(db, "orders_set_jeopardy",
                    "UPDATE orders.sales_order SET jeopardy_reason = $3,"
                    " jeopardy_since = CASE WHEN $3::text IS NULL THEN NULL"
                    "  WHEN jeopardy_reason IS NOT DISTINCT FROM $3"
                    "  THEN jeopardy_since ELSE $4::date END"
                    " WHERE account_id = $1::bigint AND order_id = $2::bigint",
                    &p, err);
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_order", "order",
                          "order %lld does not exist", (long long)order_id);
    return rc < 0 ? rc : 0;
}

int orders_set_committed_date(tl_db *db, int64_t account_id, int64_t order_id,
                              tl_date committed, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    tl_params_date(&p, committed);
    rc = tl_db_exec(db, "orders_set_committed_date",
                    "UPDATE orders.sales_order SET committed_date ="
                    " greatest(committed_date, $3::date)"
                    " WHERE account_id = $1::bigint AND order_id = $2::bigint",
                    &p, err);
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_order", "order",
                          "order %lld does not exist", (long long)order_id);
    return rc < 0 ? rc : 0;
}
