/*
 * The implementation timeline of an order: for each item and milestone,
 * the planned date (due date plus the family's lead time, documented in
 * provisioning.h) against the actual one.
 */
#include <stdio.h>
#include <string.h>

#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

typedef struct lead_times {
    const char *family;
    int days[5]; /* foc, ready, installed, turn_up, customer_accepted */
} lead_times;

static const lead_times leads[] = {
    {"private_line", {-30, -5, 0, 1, 5}}, {"dia", {-14, -3, 0, 1, 5}},
    {"sip_trunk", {-10, -2, 0, 1, 5}},    {"isdn_pri", {-10, -2, 0, 1, 5}},
    {"eodocsis", {-7, -1, 0, 0, 5}},      {"managed", {-7, -1, 0, 1, 5}},
};

static const int default_days[5] = {-14, -3, 0, 1, 5};

static const int *family_days(const char *family)
{
    size_t i;

    for (i = 0; i < sizeof(leads) / sizeof(leads[0]); i++)
        if (strcmp(leads[i].family, family) == 0)
            return leads[i].days;
    return default_days;
}

typedef struct timeline_ctx {
    tl_date as_of;
    provisioning_timeline_fn fn;
    void *cls;
    int rows;
} timeline_ctx;

/* One row per item and milestone kind, with the actual date if any. */
static int timeline_row(const tl_row *row, void *cls, tl_err *err)
{
    timeline_ctx *ctx = cls;
    provisioning_timeline_row_t r;
    const char *family = NULL;
    int pos = 0;
    int isnull = 0;
    int passed = 0;
    const int *days;

    memset(&r, 0, sizeof(r));
    if (tl_row_text(row, "item_id", &r.item_id, err) < 0 ||
        tl_row_text(row, "action", &r.action, err) < 0 ||
        tl_row_text(row, "product_id", &r.product_id, err) < 0 ||
        tl_row_text(row, "circuit_id", &r.circuit_id, err) < 0 ||
        tl_row_text(row, "family", &family, err) < 0 ||
        tl_row_text(row, "kind", &r.kind, err) < 0 ||
        tl_row_int(row, "pos", &pos, err) < 0 ||
        tl_row_date_opt(row, "due", &r.planned, &isnull, err) < 0)
        return TL_ERROR;
    r.has_planned = !isnull;
    if (r.has_planned && strcmp(r.action, "disconnect") == 0)
        r.planned = tl_date_add_days(r.planned, pos == 0 ? -5 : 0);
    else if (r.has_planned) {
        days = family_days(family);
        r.planned = tl_date_add_days(r.planned, days[pos]);
    }
    if (tl_row_date_opt(row, "actual", &r.actual, &isnull, err) < 0 ||
        tl_row_bool(row, "automatic", &r.automatic, err) < 0 ||
        tl_row_bool(row, "passed", &passed, err) < 0)
        return TL_ERROR;
    r.has_actual = !isnull;
    if (r.has_planned && (r.has_actual || !passed)) {
        tl_date seen = r.has_actual ? r.actual : ctx->as_of;
        int late = tl_days_between(r.planned, seen);

        r.days_late = late > 0 ? late : 0;
    }
    ctx->rows++;
    return ctx->fn(&r, ctx->cls, err);
}

int provisioning_order_timeline(tl_db *db, const char *order_number,
                                tl_date as_of, provisioning_timeline_fn fn,
                                void *cls, tl_err *err)
{
    timeline_ctx ctx = {as_of, fn, cls, 0};
    orders_order_t order;
    tl_params p;
    int rc;

    rc = orders_get(&order, db, order_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, order.account_id);
    tl_params_int64(&p, order.order_id);
    rc = tl_db_select(
        db, "provisioning_order_timeline",
        "SELECT i.item_id, coalesce(i.change_kind, 'add') AS action,"
        " i.product_id, p.family, coalesce(s.circuit_id, '') AS circuit_id,"
        " k.kind, k.pos, o.requested_start_date AS due,"
        " m.milestone_date AS actual, coalesce(m.automatic, false)"
        " AS automatic, EXISTS (SELECT 1 FROM provisioning.milestone l"
        "  WHERE l.account_id = i.account_id AND l.order_id = i.order_id"
        "  AND l.item_id = i.item_id AND CASE l.kind WHEN 'foc' THEN 0"
        "  WHEN 'ready_for_service' THEN 1 WHEN 'installed' THEN 2"
        "  WHEN 'turn_up' THEN 3 WHEN 'customer_accepted' THEN 4"
        "  ELSE 1 END > k.pos) AS passed"
        " FROM orders.order_item i"
        " JOIN orders.sales_order o USING (account_id, order_id)"
        " JOIN catalog.product p ON p.product_id = i.product_id"
        " LEFT JOIN provisioning.service s ON s.account_id = i.account_id"
        "  AND ((i.action = 'add' AND s.order_id = i.order_id"
        "        AND s.item_id = i.item_id)"
        "   OR (i.action <> 'add' AND s.circuit_id = i.service_ref))"
        " JOIN LATERAL (SELECT * FROM (VALUES"
        "  ('foc', 0), ('ready_for_service', 1), ('installed', 2),"
        "  ('turn_up', 3), ('customer_accepted', 4)) b (kind, pos)"
        "  WHERE i.action <> 'delete'"
        "  UNION ALL SELECT * FROM (VALUES ('foc', 0), ('disconnected', 1))"
        "  d (kind, pos) WHERE i.action = 'delete') k ON true"
        " LEFT JOIN provisioning.milestone m ON m.account_id = i.account_id"
        "  AND m.order_id = i.order_id AND m.item_id = i.item_id"
        "  AND m.kind = k.kind"
        " WHERE i.account_id = $1::bigint AND i.order_id = $2::bigint"
        " ORDER BY i.item_id, k.pos",
        &p, timeline_row, &ctx, err);
    return rc < 0 ? rc : ctx.rows;
}
