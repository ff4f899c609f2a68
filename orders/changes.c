/*
 * Change, move and disconnect orders: items with action "modify" or
 * "delete" whose product.id is the circuit id of a service in inventory.
 *
 *   modify  a change: another product offering and/or characteristics,
 *           or a move: a place that is another service address
 *   delete  a disconnect on the requested date
 *
 * The service must belong to the order's billing account; a change or move
 * needs an active service, a disconnect an active, suspended or pending
 * one. The
 * inventory belongs to provisioning, which hands its lookup to
 * orders_set_inventory.
 */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "orders/orders_internal.h"

static orders_inventory_fn inventory_lookup;

void orders_set_inventory(orders_inventory_fn fn)
{
    inventory_lookup = fn;
}

/* Finds the service; 1 when found and usable by this order, else 0 with
 * the problem added (or *db_rc set). */
static int find_service(order_doc *d, order_item_doc *it, tl_db *db,
                        const char *path, int *db_rc, tl_err *err)
{
    tl_err lookup = TL_ERR_INIT;
    int disconnect = strcmp(it->action, "delete") == 0;
    int rc;

    if (inventory_lookup == NULL) {
        tl_err_add(err, "inventory_unavailable", path,
                   "this intake cannot see the service inventory; change, "
                   "move and disconnect orders go through trunkline");
        return 0;
    }
    rc = inventory_lookup(&it->service, db, it->service_ref, &lookup);
    if (rc == TL_ENOTFOUND)
        tl_err_add(err, "unknown_service", path,
                   "circuit %s is not in the service inventory",
                   it->service_ref);
    else if (rc < 0) {
        *db_rc = rc;
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
    }
    tl_err_clear(&lookup);
    if (rc < 0)
        return 0;
    if (d->account.account_id != 0 &&
        it->service.account_id != d->account.account_id) {
        tl_err_add(err, "wrong_account", path,
                   "circuit %s does not belong to billing account %s",
                   it->service_ref, d->account.account_number);
        return 0;
    }
    /* a suspended (shut out) circuit may still be disconnected */
    if (strcmp(it->service.state, "active") != 0 &&
        !(disconnect && (strcmp(it->service.state, "pending") == 0 ||
                         strcmp(it->service.state, "suspended") == 0))) {
        tl_err_add(err, "service_not_active", path,
                   "circuit %s is %s; %s", it->service_ref, it->service.state,
                   disconnect ? "only a live, suspended or pending service "
                                "is disconnected"
                              : "only an active service is changed or moved; "
                                "supplement the order of a pending one");
        return 0;
    }
    return 1;
}

/* A named offering must be in the catalog (checked by the caller) and,
 * for a disconnect, the service's own. Without one the item keeps the
 * service's product. */
static void settle_product(order_item_doc *it, const char *item_path,
                           tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];

    if (it->product_id == NULL) {
        it->product_id = it->service.product_id;
        it->product_known = 1;
        return;
    }
    if (strcmp(it->action, "delete") == 0 &&
        strcmp(it->product_id, it->service.product_id) != 0) {
        tl_path_key(field, sizeof(field), item_path, "productOffering");
        tl_path_key(field, sizeof(field), field, "id");
        tl_err_add(err, "product_mismatch", field,
                   "circuit %s is a %s, not a %s", it->service_ref,
                   it->service.product_id, it->product_id);
    }
}

void order_read_service_item(order_doc *d, order_item_doc *it, tl_db *db,
                             const json_t *product, const char *item_path,
                             int *db_rc, tl_err *err)
{
    char product_path[TL_ERR_FIELD_MAX];
    char field[TL_ERR_FIELD_MAX];

    tl_path_key(product_path, sizeof(product_path), item_path, "product");
    tl_path_key(field, sizeof(field), product_path, "id");
    if (tl_json_str(product, "id", product_path, 1, 47, &it->service_ref,
                    err) != 0 ||
        it->service_ref == NULL)
        return;
    if (!find_service(d, it, db, field, db_rc, err))
        return;
    settle_product(it, item_path, err);
    if (it->address_id == 0)
        it->address_id = it->service.address_id;
    if (strcmp(it->action, "delete") == 0)
        snprintf(it->change_kind, sizeof(it->change_kind), "disconnect");
    else if (it->address_id != it->service.address_id)
        snprintf(it->change_kind, sizeof(it->change_kind), "move");
    else
        snprintf(it->change_kind, sizeof(it->change_kind), "change");
}
