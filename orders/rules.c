/*
 * The coordinator's checks that look beyond the document: characteristics
 * as the catalog allows them; every service code of every item priced for
 * the account (its agreement's rate or the list price) on the requested
 * date, a new service with its installation charge and a lateral build
 * with its construction charge; and the order not a probable duplicate of
 * an open order nor a second open order on one circuit.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "common/json.h"
#include "contracts/contracts.h"
#include "orders/orders.h"
#include "orders/orders_internal.h"

/* What one item sells, as the checks walk its service codes. */
typedef struct charge_check {
    tl_db *db;
    const order_doc *d;
    const char *path; /* productOrderItem[i].productOffering.id */
    tl_date on;
    int *db_rc;
    tl_err *err;
    int has_installation; /* an installation NRC is among the codes */
    int has_construction; /* a construction NRC is among the codes */
} charge_check;

static int check_code_price(const catalog_item_code_t *item_code, void *cls,
                            tl_err *lookup_err)
{
    charge_check *cc = cls;
    const catalog_code_t *code = &item_code->code;
    contracts_price_t price;
    tl_err lookup = TL_ERR_INIT;
    char day[16];
    int rc;

    (void)lookup_err;
    cc->has_installation |= strcmp(item_code->nrc_category, "installation") == 0;
    cc->has_construction |= strcmp(item_code->nrc_category, "construction") == 0;
    rc = contracts_price_on(&price, cc->db, cc->d->account.account_id,
                            code->code, cc->on, &lookup);
    if (rc == TL_ENOTFOUND) {
        tl_date_format(day, sizeof(day), cc->on);
        tl_err_add(cc->err, "no_price", cc->path,
                   "%s %s (%s) has no contracted rate and no list price in "
                   "%s on %s; ask for a price before ordering",
                   strcmp(code->charge_kind, "NRC") == 0 ? "one-time charge"
                                                         : "service",
                   code->code, code->name, cc->d->account.currency, day);
        rc = 0;
    } else if (rc < 0) {
        *cc->db_rc = rc;
        tl_err_set(cc->err, rc, lookup.code, lookup.field, "%s",
                   lookup.message);
    }
    tl_err_clear(&lookup);
    return rc < 0 ? rc : 0;
}

/* A private line that needs a lateral build (characteristic lateralBuild
 * true) needs the construction work charged. */
static int needs_construction(const order_item_doc *it)
{
    return strcmp(it->family, "private_line") == 0 &&
           json_is_true(json_object_get(it->characteristics, "lateralBuild"));
}

/* Every code the item sells has a price for the account on the date; a new
 * service carries its installation charge, and a lateral build its
 * construction charge, so that no install goes out unbilled. */
static void check_charges(const order_doc *d, size_t idx, tl_db *db,
                          tl_date on, int *db_rc, tl_err *err)
{
    const order_item_doc *it = &d->items[idx];
    char path[TL_ERR_FIELD_MAX];
    char field[TL_ERR_FIELD_MAX];
    charge_check cc;
    tl_err walk = TL_ERR_INIT;

    tl_path_index(path, sizeof(path), "productOrderItem", idx);
    tl_path_key(field, sizeof(field), path, "productOffering");
    tl_path_key(field, sizeof(field), field, "id");
    memset(&cc, 0, sizeof(cc));
    cc.db = db;
    cc.d = d;
    cc.path = field;
    cc.on = on;
    cc.db_rc = db_rc;
    cc.err = err;
    if (catalog_item_codes(db, it->product_id, it->characteristics,
                           check_code_price, &cc, &walk) < 0) {
        if (*db_rc == 0) {
            *db_rc = walk.status;
            tl_err_set(err, walk.status, walk.code, walk.field, "%s",
                       walk.message);
        }
        tl_err_clear(&walk);
        return;
    }
    tl_err_clear(&walk);
    if (it->action != NULL && strcmp(it->action, "add") == 0 &&
        !cc.has_installation)
        tl_err_add(err, "install_charge_missing", field,
                   "%s sells no installation charge; a new circuit is never "
                   "installed for free: fix the catalog or the contract",
                   it->product_id);
    if (needs_construction(it) && !cc.has_construction)
        tl_err_add(err, "construction_charge_missing", field,
                   "a lateral build needs a construction charge, and %s "
                   "sells none",
                   it->product_id);
}

/* States in which an order is still open: a new order for the same thing
 * would be a duplicate of it. */
#define ORDERS_OPEN_STATES                                                     \
    "('draft', 'submitted', 'held', 'accepted', 'in_provisioning')"

static int order_find_open(char *number, size_t size, tl_db *db, const char *name,
                    const char *sql, const tl_params *p, int *db_rc,
                    tl_err *err)
{
    PGresult *res = NULL;
    const char *found = NULL;
    tl_err lookup = TL_ERR_INIT;
    tl_row row;
    int rc;

    rc = tl_db_query_one(db, &res, name, sql, p, &lookup);
    if (rc == 1) {
        row.res = res;
        row.row = 0;
        rc = tl_row_text(&row, "order_number", &found, &lookup);
        if (rc == 0) {
            snprintf(number, size, "%s", found);
            rc = 1;
        }
        PQclear(res);
    }
    if (rc < 0) {
        *db_rc = rc;
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
    }
    tl_err_clear(&lookup);
    return rc;
}

/* An open order of the account, under another externalId, with an item
 * for the same product at the same address. */
static void check_duplicate(const order_doc *d, size_t idx, tl_db *db,
                            int *db_rc, tl_err *err)
{
    const order_item_doc *it = &d->items[idx];
    char number[24];
    char path[TL_ERR_FIELD_MAX];
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, d->account.account_id);
    tl_params_text(&p, d->external_id);
    tl_params_text(&p, it->product_id);
    tl_params_int64(&p, it->address_id);
    if (order_find_open(number, sizeof(number), db,
                        "orders_probable_duplicate",
                        "SELECT o.order_number FROM orders.sales_order o"
                        " JOIN orders.order_item i USING (account_id, order_id)"
                        " WHERE o.account_id = $1::bigint"
                        " AND o.external_id <> $2"
                        " AND o.state IN " ORDERS_OPEN_STATES
                        " AND i.action = 'add' AND i.product_id = $3"
                        " AND i.address_id = $4::bigint"
                        " ORDER BY o.order_id LIMIT 1",
                        &p, db_rc, err) != 1)
        return;
    tl_path_index(path, sizeof(path), "productOrderItem", idx);
    tl_err_add(err, "probable_duplicate", path,
               "open order %s already orders %s at this address; if this is "
               "a second circuit, resubmit allowing duplicates",
               number, it->product_id);
}

/* An open order of the account, under another externalId, already acting
 * on the item's circuit. */
static void check_open_change(const order_doc *d, size_t idx, tl_db *db,
                              int *db_rc, tl_err *err)
{
    const order_item_doc *it = &d->items[idx];
    char number[24];
    char path[TL_ERR_FIELD_MAX];
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, d->account.account_id);
    tl_params_text(&p, d->external_id);
    tl_params_text(&p, it->service_ref);
    if (order_find_open(number, sizeof(number), db, "orders_open_change",
                        "SELECT o.order_number FROM orders.sales_order o"
                        " JOIN orders.order_item i USING (account_id, order_id)"
                        " WHERE o.account_id = $1::bigint"
                        " AND o.external_id <> $2"
                        " AND o.state IN " ORDERS_OPEN_STATES
                        " AND i.service_ref = $3 ORDER BY o.order_id LIMIT 1",
                        &p, db_rc, err) != 1)
        return;
    tl_path_index(path, sizeof(path), "productOrderItem", idx);
    tl_path_key(path, sizeof(path), path, "product");
    tl_path_key(path, sizeof(path), path, "id");
    tl_err_add(err, "circuit_has_open_order", path,
               "open order %s already acts on circuit %s; supplement or "
               "cancel it first",
               number, it->service_ref);
}

/* The item's characteristics against the catalog product's definitions
 * and rules. A change order states the service as it will be, so when it
 * gives characteristics it gives them all; a move alone gives none. */
static void check_characteristics(const order_item_doc *it,
                                  const char *action, size_t idx, tl_db *db,
                                  int *db_rc, tl_err *err)
{
    char path[TL_ERR_FIELD_MAX];
    tl_err lookup = TL_ERR_INIT;
    int rc;

    if (strcmp(action, "modify") == 0 &&
        json_object_size(it->characteristics) == 0)
        return;
    tl_path_index(path, sizeof(path), "productOrderItem", idx);
    tl_path_key(path, sizeof(path), path, "product");
    tl_path_key(path, sizeof(path), path, "productCharacteristic");
    rc = catalog_check_characteristics(db, it->product_id, it->characteristics,
                                       path, &lookup);
    if (rc < 0 && rc != TL_ENOTFOUND) {
        *db_rc = rc;
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
    } else {
        size_t i;
        for (i = 0; i < lookup.n_problems; i++)
            tl_err_add(err, lookup.problems[i].code, lookup.problems[i].field,
                       "%s", lookup.problems[i].message);
    }
    tl_err_clear(&lookup);
}

void order_check_rules(const order_doc *d, tl_db *db, tl_date received,
                       unsigned flags, int *db_rc, tl_err *err)
{
    tl_date on = d->has_requested_start ? d->requested_start : received;
    int has_account = d->account.account_id != 0;
    size_t i;

    for (i = 0; i < d->n_items && *db_rc == 0; i++) {
        const order_item_doc *it = &d->items[i];
        const char *action = it->action != NULL ? it->action : "add";

        if (has_account && it->service_ref != NULL &&
            it->change_kind[0] != '\0' && d->external_id != NULL)
            check_open_change(d, i, db, db_rc, err);
        if (it->product_id == NULL || !it->product_known ||
            strcmp(action, "delete") == 0 || *db_rc != 0)
            continue;
        check_characteristics(it, action, i, db, db_rc, err);
        if (*db_rc == 0 && has_account)
            check_charges(d, i, db, on, db_rc, err);
        if (*db_rc == 0 && has_account && strcmp(action, "add") == 0 &&
            it->address_id != 0 && d->external_id != NULL &&
            !(flags & ORDERS_ALLOW_DUPLICATE))
            check_duplicate(d, i, db, db_rc, err);
    }
}
