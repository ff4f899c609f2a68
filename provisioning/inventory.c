/*
 * Service inventory: services created from accepted orders, and lookups.
 */
#include <stdio.h>
#include <string.h>

#include "contracts/contracts.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

#define SERVICE_COLUMNS                                                        \
    "SELECT s.account_id, s.service_id, s.circuit_id, o.order_number,"         \
    " s.item_id, s.product_id, s.state, s.install_date, s.acceptance_date,"    \
    " s.billing_start_date, s.disconnect_date"                                 \
    " FROM provisioning.service s"                                             \
    " JOIN orders.sales_order o USING (account_id, order_id)"

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
        prov_copy_text(out->circuit_id, sizeof(out->circuit_id), row,
                       "circuit_id", err) < 0 ||
        prov_copy_text(out->order_number, sizeof(out->order_number), row,
                       "order_number", err) < 0 ||
        prov_copy_text(out->item_id, sizeof(out->item_id), row, "item_id",
                       err) < 0 ||
        prov_copy_text(out->product_id, sizeof(out->product_id), row,
                       "product_id", err) < 0 ||
        prov_copy_text(out->state, sizeof(out->state), row, "state", err) < 0 ||
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

int provisioning_count_open(int *pending, int *installed, int *non_disconnect,
                            tl_db *db, int64_t account_id, int64_t order_id,
                            tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    rc = tl_db_query_one(
        db, &res, "provisioning_count_open",
        "SELECT count(*) FILTER (WHERE NOT done)::int AS pending,"
        " count(*) FILTER (WHERE done AND action = 'add'"
        "  AND NOT accepted)::int AS installed,"
        " count(*) FILTER (WHERE action <> 'delete')::int AS non_disconnect"
        " FROM (SELECT i.action,"
        "  EXISTS (SELECT 1 FROM provisioning.milestone m"
        "   WHERE m.account_id = i.account_id AND m.order_id = i.order_id"
        "   AND m.item_id = i.item_id AND m.kind = CASE i.action"
        "   WHEN 'delete' THEN 'disconnected' ELSE 'installed' END) AS done,"
        "  EXISTS (SELECT 1 FROM provisioning.milestone m"
        "   WHERE m.account_id = i.account_id AND m.order_id = i.order_id"
        "   AND m.item_id = i.item_id AND m.kind = 'customer_accepted')"
        "   AS accepted"
        "  FROM orders.order_item i WHERE i.account_id = $1::bigint"
        "  AND i.order_id = $2::bigint) i",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int(&row, "pending", pending, err);
    if (rc == 0)
        rc = tl_row_int(&row, "installed", installed, err);
    if (rc == 0)
        rc = tl_row_int(&row, "non_disconnect", non_disconnect, err);
    PQclear(res);
    return rc;
}

typedef struct open_ctx {
    const char *order_number;
    const char *actor;
    int created;
} open_ctx;

/* The agreement in force for the account on the order's due date (or
 * today without one) goes on its new services. */
static int set_agreement(tl_db *db, int64_t account_id, int64_t order_id,
                         tl_err *err)
{
    contracts_agreement_t agreement;
    PGresult *res = NULL;
    tl_err lookup = TL_ERR_INIT;
    tl_params p;
    tl_row row;
    tl_date day = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    rc = tl_db_query_one(db, &res, "provisioning_order_day",
                         "SELECT coalesce(requested_start_date, current_date)"
                         " AS day FROM orders.sales_order"
                         " WHERE account_id = $1::bigint"
                         " AND order_id = $2::bigint",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_date(&row, "day", &day, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    rc = contracts_agreement_on(&agreement, db, account_id, day, &lookup);
    if (rc == TL_ENOTFOUND) {
        tl_err_clear(&lookup);
        return 0;
    }
    if (rc < 0) {
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
        tl_err_clear(&lookup);
        return rc;
    }
    tl_params_int64(&p, agreement.agreement_id);
    rc = tl_db_exec(db, "provisioning_services_agreement",
                    "UPDATE provisioning.service SET agreement_id = $3::bigint"
                    " WHERE account_id = $1::bigint AND order_id = $2::bigint"
                    " AND agreement_id IS NULL",
                    &p, err);
    return rc < 0 ? rc : 0;
}

static int open_tx(tl_db *db, void *cls, tl_err *err)
{
    open_ctx *ctx = cls;
    orders_order_t order;
    tl_params p;
    int tasks = 0;
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
    rc = tl_db_exec(
        db, "provisioning_services_insert",
        "INSERT INTO provisioning.service (account_id, order_id,"
        " item_id, product_id, address_id, z_address_id, characteristics)"
        " SELECT i.account_id, i.order_id, i.item_id, i.product_id,"
        " i.address_id, i.z_address_id, i.characteristics"
        " FROM orders.order_item i"
        " WHERE i.account_id = $1::bigint AND i.order_id = $2::bigint"
        " AND i.action = 'add'"
        " ORDER BY i.item_id"
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
    if (rc < 0)
        return rc;
    rc = set_agreement(db, order.account_id, order.order_id, err);
    if (rc < 0)
        return rc;
    return prov_create_tasks(&tasks, db, order.account_id, order.order_id, err);
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
