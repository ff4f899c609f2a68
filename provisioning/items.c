/*
 * Order items as provisioning works them: finding the item a milestone
 * goes to, and applying a change or move item to its service.
 */
#include <stdio.h>
#include <string.h>

#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

#define ITEM_COLUMNS                                                           \
    "SELECT i.account_id, i.order_id, o.order_number, o.state AS order_state," \
    " i.item_id, i.action, coalesce(i.change_kind, 'add') AS change_kind,"     \
    " i.product_id, p.family, s.service_id, s.circuit_id,"                     \
    " o.requested_start_date"                                                  \
    " FROM orders.order_item i"                                                \
    " JOIN orders.sales_order o USING (account_id, order_id)"                  \
    " JOIN catalog.product p ON p.product_id = i.product_id"                   \
    " LEFT JOIN provisioning.service s ON s.account_id = i.account_id"         \
    "  AND ((i.action = 'add' AND s.order_id = i.order_id"                     \
    "        AND s.item_id = i.item_id)"                                       \
    "   OR (i.action <> 'add' AND s.circuit_id = i.service_ref))"

int prov_copy_text(char *dst, size_t size, const tl_row *row, const char *col,
                   tl_err *err)
{
    const char *s = NULL;

    if (tl_row_text(row, col, &s, err) < 0 || s == NULL)
        return tl_err_set(err, TL_ERROR, "internal", col, "%s is missing", col);
    snprintf(dst, size, "%s", s);
    return 0;
}

static int read_item(const tl_row *row, prov_item_t *out, tl_err *err)
{
    const char *circuit = NULL;
    int isnull = 0;

    memset(out, 0, sizeof(*out));
    if (tl_row_int64(row, "account_id", &out->account_id, err) < 0 ||
        tl_row_int64(row, "order_id", &out->order_id, err) < 0 ||
        prov_copy_text(out->order_number, sizeof(out->order_number), row,
                       "order_number", err) < 0 ||
        prov_copy_text(out->order_state, sizeof(out->order_state), row,
                       "order_state", err) < 0 ||
        prov_copy_text(out->item_id, sizeof(out->item_id), row, "item_id",
                       err) < 0 ||
        prov_copy_text(out->action, sizeof(out->action), row, "action", err) <
            0 ||
        prov_copy_text(out->change_kind, sizeof(out->change_kind), row,
                       "change_kind", err) < 0 ||
        prov_copy_text(out->product_id, sizeof(out->product_id), row,
                       "product_id", err) < 0 ||
        prov_copy_text(out->family, sizeof(out->family), row, "family", err) <
            0 ||
        tl_row_int64_opt(row, "service_id", &out->service_id, &isnull, err) <
            0 ||
        tl_row_text(row, "circuit_id", &circuit, err) < 0 ||
        tl_row_date_opt(row, "requested_start_date", &out->due_date, &isnull,
                        err) < 0)
        return TL_ERROR;
    out->has_due = !isnull;
    snprintf(out->circuit_id, sizeof(out->circuit_id), "%s",
             circuit != NULL ? circuit : "");
    return 0;
}

static int item_query(prov_item_t *out, tl_db *db, const char *name,
                      const char *sql, const tl_params *p, tl_err *err)
{
    PGresult *res = NULL;
    tl_row row;
    int rc;

    rc = tl_db_query_one(db, &res, name, sql, p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = read_item(&row, out, err);
    PQclear(res);
    return rc < 0 ? rc : 1;
}

int prov_item_get(prov_item_t *out, tl_db *db, const char *order_number,
                  const char *item_id, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, order_number);
    tl_params_text(&p, item_id);
    rc = item_query(out, db, "prov_item_get",
                    ITEM_COLUMNS " WHERE o.order_number = $1"
                                 " AND i.item_id = $2",
                    &p, err);
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_item", "item",
                          "order %s has no item %s", order_number, item_id);
    return rc < 0 ? rc : 0;
}

int prov_item_only(prov_item_t *out, tl_db *db, const char *order_number,
                   tl_err *err)
{
    PGresult *res = NULL;
    const char *item = NULL;
    char item_id[72];
    tl_params p;
    tl_row row;
    int n = 0;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, order_number);
    rc = tl_db_query_one(db, &res, "prov_item_only",
                         "SELECT count(*)::int AS n, min(i.item_id) AS item"
                         " FROM orders.sales_order o"
                         " JOIN orders.order_item i USING (account_id,"
                         " order_id) WHERE o.order_number = $1",
                         &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int(&row, "n", &n, err);
    if (rc == 0)
        rc = tl_row_text(&row, "item", &item, err);
    if (rc == 0 && item != NULL)
        snprintf(item_id, sizeof(item_id), "%s", item);
    PQclear(res);
    if (rc < 0)
        return rc;
    if (n == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_order", "order",
                          "order %s does not exist", order_number);
    if (n > 1)
        return tl_err_set(err, TL_EINVALID, "ambiguous", "item",
                          "order %s has %d items; name one with --item",
                          order_number, n);
    return prov_item_get(out, db, order_number, item_id, err);
}

/* The latest modify or delete item of an order in provisioning acting on
 * the circuit; 0 when there is none. */
static int open_change_item(prov_item_t *out, tl_db *db, const char *circuit,
                            const char *action, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, circuit);
    tl_params_text(&p, action);
    return item_query(out, db, "prov_item_open_change",
                      ITEM_COLUMNS
                      " WHERE i.service_ref = $1 AND i.action = $2"
                      " AND o.state IN ('in_provisioning', 'installed',"
                      "  'customer_accepted', 'billing', 'completed')"
                      " ORDER BY o.order_id DESC, i.item_id LIMIT 1",
                      &p, err);
}

static int creating_item(prov_item_t *out, tl_db *db, const char *circuit,
                         tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, circuit);
    return item_query(out, db, "prov_item_creating",
                      ITEM_COLUMNS " WHERE s.circuit_id = $1"
                                   " AND i.action = 'add'",
                      &p, err);
}

int prov_item_for_circuit(prov_item_t *out, tl_db *db, const char *circuit_id,
                          const char *kind, tl_err *err)
{
    provisioning_service_t svc;
    int rc;

    rc = provisioning_service_get(&svc, db, circuit_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(kind, PROVISIONING_DISCONNECTED) == 0) {
        rc = open_change_item(out, db, circuit_id, "delete", err);
        if (rc == 0)
            return tl_err_set(err, TL_ECONFLICT, "no_disconnect_order", "kind",
                              "circuit %s has no disconnect order in "
                              "provisioning",
                              circuit_id);
        return rc < 0 ? rc : 0;
    }
    if (strcmp(svc.state, "pending") != 0) {
        rc = open_change_item(out, db, circuit_id, "modify", err);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    rc = creating_item(out, db, circuit_id, err);
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_circuit", "circuit",
                          "circuit %s has no order item", circuit_id);
    return rc < 0 ? rc : 0;
}

static int replace_codes_from_item(tl_db *db, const prov_item_t *it, tl_date on,
                                   tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, it->account_id);
    tl_params_int64(&p, it->order_id);
    tl_params_text(&p, it->item_id);
    tl_params_int64(&p, it->service_id);
    rc = tl_db_exec(
        db, "prov_change_codes_delete",
        "DELETE FROM provisioning.service_code c"
        " WHERE c.account_id = $1::bigint AND c.service_id = $4::bigint"
        " AND EXISTS (SELECT 1 FROM orders.order_item_code o"
        "  WHERE o.account_id = $1::bigint AND o.order_id = $2::bigint"
        "  AND o.item_id = $3)"
        " AND NOT EXISTS (SELECT 1 FROM orders.order_item_code o"
        "  WHERE o.account_id = $1::bigint AND o.order_id = $2::bigint"
        "  AND o.item_id = $3 AND o.code = c.code)",
        &p, err);
    if (rc < 0)
        return rc;
    tl_params_date(&p, on);
    rc = tl_db_exec(db, "prov_change_codes_upsert",
                    "INSERT INTO provisioning.service_code (account_id,"
                    " service_id, code, quantity, effective_from)"
                    " SELECT $1::bigint, $4::bigint, code, quantity,"
                    " $5::date FROM orders.order_item_code"
                    " WHERE account_id = $1::bigint AND order_id = $2::bigint"
                    " AND item_id = $3"
                    " ON CONFLICT (account_id, service_id, code) DO UPDATE"
                    " SET quantity = EXCLUDED.quantity,"
                    " effective_from = EXCLUDED.effective_from"
                    " WHERE service_code.quantity <> EXCLUDED.quantity",
                    &p, err);
    return rc < 0 ? rc : 0;
}

int prov_apply_change(tl_db *db, const prov_item_t *it, tl_date on,
                      const char *actor, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, it->account_id);
    tl_params_int64(&p, it->order_id);
    tl_params_text(&p, it->item_id);
    tl_params_int64(&p, it->service_id);
    rc = tl_db_exec(
        db, "prov_apply_change",
        "UPDATE provisioning.service s SET product_id = i.product_id,"
        " address_id = i.address_id,"
        " z_address_id = CASE WHEN i.z_address_id IS NOT NULL"
        "  THEN i.z_address_id WHEN i.address_id = s.address_id"
        "  THEN s.z_address_id END,"
        " characteristics = s.characteristics || i.characteristics"
        " FROM orders.order_item i"
        " WHERE i.account_id = $1::bigint AND i.order_id = $2::bigint"
        " AND i.item_id = $3 AND s.account_id = $1::bigint"
        " AND s.service_id = $4::bigint",
        &p, err);
    if (rc < 0)
        return rc;
    rc = replace_codes_from_item(db, it, on, err);
    if (rc < 0)
        return rc;
    return prov_add_version(db, it->account_id, it->service_id,
                            strcmp(it->change_kind, "move") == 0 ? "moved"
                                                                 : "changed",
                            on, it->order_id, it->item_id, actor, err);
}
