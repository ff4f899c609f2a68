/*
 * Service inventory: services created from accepted orders, and lookups.
 */
#include <stdio.h>
#include <string.h>

#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

#define SERVICE_COLUMNS                                                        \
    "SELECT s.account_id, s.service_id, s.circuit_id, o.order_number,"         \
    " s.item_id, s.product_id, s.state, s.install_date, s.acceptance_date,"    \
    " s.billing_start_date, s.disconnect_date"                                 \
    " FROM provisioning.service s"                                             \
    " JOIN orders.sales_order o USING (account_id, order_id)"

static int copy_text(char *dst, size_t size, const tl_row *row, const char *col,
                     tl_err *err)
{
    const char *s = NULL;

    if (tl_row_text(row, col, &s, err) < 0 || s == NULL)
        return tl_err_set(err, TL_ERROR, "internal", col, "%s is missing", col);
    snprintf(dst, size, "%s", s);
    return 0;
}

static int read_date(const tl_row *row, const char *col, tl_date *out, int *has,
                     tl_err *err)
{
    int isnull = 0;

    if (tl_row_date_opt(row, col, out, &isnull, err) < 0)
        return TL_ERROR;
    *has = !isnull;
    return 0;
}

static int read_service(const tl_row *row, provisioning_service_t *out,
                        tl_err *err)
{
    memset(out, 0, sizeof(*out));
    if (tl_row_int64(row, "account_id", &out->account_id, err) < 0 ||
        tl_row_int64(row, "service_id", &out->service_id, err) < 0 ||
        copy_text(out->circuit_id, sizeof(out->circuit_id), row, "circuit_id",
                  err) < 0 ||
        copy_text(out->order_number, sizeof(out->order_number), row,
                  "order_number", err) < 0 ||
        copy_text(out->item_id, sizeof(out->item_id), row, "item_id", err) <
            0 ||
        copy_text(out->product_id, sizeof(out->product_id), row, "product_id",
                  err) < 0 ||
        copy_text(out->state, sizeof(out->state), row, "state", err) < 0 ||
        read_date(row, "install_date", &out->install_date, &out->has_install,
                  err) < 0 ||
        read_date(row, "acceptance_date", &out->acceptance_date,
                  &out->has_acceptance, err) < 0 ||
        read_date(row, "billing_start_date", &out->billing_start_date,
                  &out->has_billing_start, err) < 0 ||
        read_date(row, "disconnect_date", &out->disconnect_date,
                  &out->has_disconnect, err) < 0)
        return TL_ERROR;
    return 0;
}

int provisioning_service_get(provisioning_service_t *out, tl_db *db,
                             const char *circuit_id, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, circuit_id);
    rc = tl_db_query_one(db, &res, "provisioning_service_get",
                         SERVICE_COLUMNS " WHERE s.circuit_id = $1", &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_circuit", "circuit",
                          "circuit %s is not in the inventory", circuit_id);
    row.res = res;
    row.row = 0;
    rc = read_service(&row, out, err);
    PQclear(res);
    return rc;
}

int provisioning_inventory_lookup(orders_inventory_service_t *out, tl_db *db,
                                  const char *circuit_id, tl_err *err)
{
    PGresult *res = NULL;
    const char *product = NULL;
    const char *state = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_text(&p, circuit_id);
    rc = tl_db_query_one(db, &res, "provisioning_inventory_lookup",
                         "SELECT account_id, product_id, address_id, state"
                         " FROM provisioning.service WHERE circuit_id = $1",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_circuit", "circuit",
                          "circuit %s is not in the inventory", circuit_id);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "account_id", &out->account_id, err);
    if (rc == 0)
        rc = tl_row_text(&row, "product_id", &product, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "address_id", &out->address_id, err);
    if (rc == 0)
        rc = tl_row_text(&row, "state", &state, err);
    if (rc == 0) {
        snprintf(out->circuit_id, sizeof(out->circuit_id), "%s", circuit_id);
        snprintf(out->product_id, sizeof(out->product_id), "%s", product);
        snprintf(out->state, sizeof(out->state), "%s", state);
    }
    PQclear(res);
    return rc;
}

typedef struct services_ctx {
    provisioning_service_fn fn;
    void *cls;
} services_ctx;

static int service_row(const tl_row *row, void *cls, tl_err *err)
{
    services_ctx *ctx = cls;
    provisioning_service_t svc;

    if (read_service(row, &svc, err) < 0)
        return TL_ERROR;
    return ctx->fn(&svc, ctx->cls, err);
}

int provisioning_order_services(tl_db *db, const char *order_number,
                                provisioning_service_fn fn, void *cls,
                                tl_err *err)
{
    services_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, order_number);
    return tl_db_select(db, "provisioning_order_services",
                        SERVICE_COLUMNS " WHERE o.order_number = $1"
                                        " ORDER BY s.item_id",
                        &p, service_row, &ctx, err);
}

int provisioning_count_open(int *pending, int *installed, tl_db *db,
                            int64_t account_id, int64_t order_id, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    rc = tl_db_query_one(db, &res, "provisioning_count_open",
                         "SELECT count(*) FILTER (WHERE install_date IS NULL)"
                         " AS pending, count(*) FILTER (WHERE install_date"
                         " IS NOT NULL AND acceptance_date IS NULL)"
                         " AS installed FROM provisioning.service"
                         " WHERE account_id = $1::bigint"
                         " AND order_id = $2::bigint",
                         &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int(&row, "pending", pending, err);
    if (rc == 0)
        rc = tl_row_int(&row, "installed", installed, err);
    PQclear(res);
    return rc;
}

typedef struct open_ctx {
    const char *order_number;
    const char *actor;
    int created;
} open_ctx;

static int open_tx(tl_db *db, void *cls, tl_err *err)
{
    open_ctx *ctx = cls;
    orders_order_t order;
    tl_params p;
    int rc;

    rc = orders_get(&order, db, ctx->order_number, err);
    if (rc < 0)
        return rc;
    if (strcmp(order.state, "accepted") != 0 &&
        strcmp(order.state, "in_provisioning") != 0)
        return tl_err_set(err, TL_ECONFLICT, "order_not_accepted", "order",
                          "order %s is %s; only an accepted order goes to "
                          "provisioning",
                          order.order_number, order.state);
    rc = orders_transition(db, order.account_id, order.order_id,
                           "in_provisioning", ctx->actor,
                           "services created in inventory", err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, order.account_id);
    tl_params_int64(&p, order.order_id);
    rc = tl_db_exec(db, "provisioning_services_insert",
                    "INSERT INTO provisioning.service (account_id, order_id,"
                    " item_id, product_id, address_id)"
                    " SELECT account_id, order_id, item_id, product_id,"
                    " address_id FROM orders.order_item"
                    " WHERE account_id = $1::bigint AND order_id = $2::bigint"
                    " AND action = 'add'"
                    " ORDER BY item_id"
                    " ON CONFLICT (account_id, order_id, item_id) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    ctx->created = rc;
    rc = tl_db_exec(db, "provisioning_service_codes_insert",
                    "INSERT INTO provisioning.service_code (account_id,"
                    " service_id, code, quantity)"
                    " SELECT s.account_id, s.service_id, c.code, c.quantity"
                    " FROM provisioning.service s"
                    " JOIN orders.order_item_code c USING (account_id,"
                    " order_id, item_id)"
                    " WHERE s.account_id = $1::bigint"
                    " AND s.order_id = $2::bigint"
                    " ON CONFLICT DO NOTHING",
                    &p, err);
    return rc < 0 ? rc : 0;
}

int provisioning_open_order(int *created, tl_db *db, const char *order_number,
                            const char *actor, tl_err *err)
{
    open_ctx ctx = {order_number, actor, 0};
    int rc;

    *created = 0;
    rc = tl_db_run_tx(db, "provisioning_open_order", open_tx, &ctx, err);
    if (rc == 0)
        *created = ctx.created;
    return rc;
}
