/*
 * Validation of a TMF622 ProductOrder the way a careful coordinator reads
 * one: every field, every lookup, every problem reported with its JSON path
 * and a message fit to forward to the salesperson. Nothing is written.
 *
 * Accepted shape (TMF622 v4 fields; others are ignored, as TMF allows):
 *   externalId, requestedStartDate (date or date-time),
 *   billingAccount.id (our account number),
 *   productOrderItem[]: id, action, quantity, productOffering.id,
 *     product.productCharacteristic[]: name, value
 *     product.place[]: role, streetNr, streetName, city, stateOrProvince,
 *                      postcode, country
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "common/json.h"
#include "orders/orders.h"
#include "orders/orders_internal.h"

void order_doc_free(order_doc *d)
{
    size_t i;

    for (i = 0; i < d->n_items; i++)
        json_decref(d->items[i].characteristics);
    d->n_items = 0;
}

/* requestedStartDate may be a date or a TMF date-time; the date part is
 * what a coordinator schedules against. */
static void read_requested_date(order_doc *d, const json_t *doc,
                                tl_date received, tl_err *err)
{
    const char *s = NULL;
    char day[11];

    if (tl_json_str(doc, "requestedStartDate", "", 1, 40, &s, err) != 0 ||
        s == NULL)
        return;
    if (strlen(s) > 10 && s[10] != 'T') {
        tl_err_add(err, "format", "requestedStartDate",
                   "requestedStartDate must be YYYY-MM-DD or a date-time "
                   "YYYY-MM-DDThh:mm:ssZ, not \"%s\"",
                   s);
        return;
    }
    snprintf(day, sizeof(day), "%s", s);
    if (tl_date_parse(&d->requested_start, day) != 0) {
        tl_err_add(err, "format", "requestedStartDate",
                   "requestedStartDate must be a real date, not \"%s\"", s);
        return;
    }
    d->has_requested_start = 1;
    if (d->requested_start < received) {
        char when[16];
        tl_date_format(when, sizeof(when), received);
        tl_err_add(err, "in_the_past", "requestedStartDate",
                   "requestedStartDate %s is before the day the order was "
                   "received (%s)",
                   day, when);
    }
}

const char *orders_doc_external_id(const json_t *doc)
{
    const json_t *ext = json_object_get(doc, "externalId");

    if (json_is_array(ext))
        ext = json_object_get(json_array_get(ext, 0), "id");
    return json_string_value(ext);
}

/* externalId: a string (v4), or [{"id", "owner", "externalIdentifierType"}]
 * (v5) whose first entry is the submitter's reference. */
static void read_external_id(order_doc *d, const json_t *doc, tl_err *err)
{
    const json_t *ext = json_object_get(doc, "externalId");

    if (!json_is_array(ext)) {
        tl_json_str(doc, "externalId", "", 1, 64, &d->external_id, err);
        return;
    }
    if (json_array_size(ext) == 0 ||
        !json_is_object(json_array_get(ext, 0))) {
        tl_err_add(err, "required", "externalId[0]",
                   "externalId needs an entry with the submitter's id");
        return;
    }
    tl_json_str(json_array_get(ext, 0), "id", "externalId[0]", 1, 64,
                &d->external_id, err);
}

static void read_account(order_doc *d, tl_db *db, const json_t *doc, int *db_rc,
                         tl_err *err)
{
    const json_t *ba = NULL;
    tl_err lookup = TL_ERR_INIT;
    int rc;

    if (tl_json_object(doc, "billingAccount", "", 1, &ba, err) != 0 ||
        ba == NULL)
        return;
    if (tl_json_str(ba, "id", "billingAccount", 1, 32, &d->account_number,
                    err) != 0 ||
        d->account_number == NULL)
        return;
    rc = accounts_get(&d->account, db, d->account_number, &lookup);
    if (rc == TL_ENOTFOUND) {
        tl_err_add(err, "unknown_account", "billingAccount.id",
                   "billing account %s does not exist", d->account_number);
    } else if (rc < 0) {
        *db_rc = rc;
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
    } else if (strcmp(d->account.status, "active") != 0) {
        tl_err_add(err, "account_not_active", "billingAccount.id",
                   "billing account %s is %s; orders need an active account",
                   d->account_number, d->account.status);
    }
    tl_err_clear(&lookup);
}

static void read_characteristics(order_item_doc *it, const json_t *product,
                                 const char *ppath, tl_err *err)
{
    const json_t *chars = NULL;
    char field[TL_ERR_FIELD_MAX];
    char cpath[TL_ERR_FIELD_MAX];
    const char *name = NULL;
    size_t i;

    tl_json_array(product, "productCharacteristic", ppath, 0, 0, 100, &chars,
                  err);
    tl_path_key(field, sizeof(field), ppath, "productCharacteristic");
    for (i = 0; chars != NULL && i < json_array_size(chars); i++) {
        const json_t *c = json_array_get(chars, i);
        const json_t *value;

        tl_path_index(cpath, sizeof(cpath), field, i);
        if (tl_json_str(c, "name", cpath, 1, 64, &name, err) != 0 ||
            name == NULL)
            continue;
        value = json_object_get(c, "value");
        if (value == NULL || json_is_null(value)) {
            char vpath[TL_ERR_FIELD_MAX];
            tl_path_key(vpath, sizeof(vpath), cpath, "value");
            tl_err_add(err, "required", vpath, "characteristic %s has no value",
                       name);
            continue;
        }
        if (json_object_get(it->characteristics, name) != NULL) {
            tl_err_add(err, "duplicate", cpath,
                       "characteristic %s is given twice", name);
            continue;
        }
        json_object_set(it->characteristics, name, (json_t *)value);
    }
}

static void read_item(order_doc *d, size_t idx, tl_db *db, const json_t *item,
                      int *db_rc, tl_err *err)
{
    order_item_doc *it = &d->items[idx];
    char path[TL_ERR_FIELD_MAX];
    char field[TL_ERR_FIELD_MAX];
    const json_t *offering = NULL;
    const json_t *product = NULL;
    catalog_product_t catalog_product;
    size_t j;
    int present = 0;
    int is_new;

    tl_path_index(path, sizeof(path), "productOrderItem", idx);
    if (!json_is_object(item)) {
        tl_err_add(err, "type", path, "an order item must be an object");
        return;
    }
    tl_json_str(item, "id", path, 1, 64, &it->id, err);
    for (j = 0; it->id != NULL && j < idx; j++) {
        if (d->items[j].id != NULL && strcmp(d->items[j].id, it->id) == 0) {
            tl_path_key(field, sizeof(field), path, "id");
            tl_err_add(err, "duplicate", field,
                       "item id %s is used by productOrderItem[%zu] too",
                       it->id, j);
        }
    }
    tl_json_str(item, "action", path, 1, 16, &it->action, err);
    if (it->action != NULL && strcmp(it->action, "add") != 0 &&
        strcmp(it->action, "modify") != 0 && strcmp(it->action, "delete") != 0) {
        tl_path_key(field, sizeof(field), path, "action");
        tl_err_add(err, "unsupported_action", field,
                   "action must be add (a new service), modify (change or "
                   "move a service) or delete (disconnect it), not \"%s\"",
                   it->action);
        it->action = NULL;
    }
    is_new = it->action == NULL || strcmp(it->action, "add") == 0;
    tl_json_int(item, "quantity", path, 0, 1, 1000, &it->quantity, &present,
                err);
    order_read_item_prices(it, item, path, d->account.currency, err);
    if (!present)
        it->quantity = 1;
    if (tl_json_object(item, "productOffering", path, is_new, &offering,
                       err) == 0 &&
        offering != NULL) {
        tl_path_key(field, sizeof(field), path, "productOffering");
        tl_json_str(offering, "id", field, 1, 32, &it->product_id, err);
        if (it->product_id != NULL) {
            tl_err lookup = TL_ERR_INIT;
            int rc = catalog_product_get(&catalog_product, db, it->product_id,
                                         &lookup);
            char ipath[TL_ERR_FIELD_MAX];
            tl_path_key(ipath, sizeof(ipath), field, "id");
            if (rc == TL_ENOTFOUND) {
                tl_err_add(err, "unknown_product", ipath,
                           "product offering %s is not in the catalog",
                           it->product_id);
            } else if (rc < 0) {
                *db_rc = rc;
                tl_err_set(err, rc, lookup.code, lookup.field, "%s",
                           lookup.message);
            }
            it->product_known = rc == 0;
            if (rc == 0)
                snprintf(it->family, sizeof(it->family), "%s",
                         catalog_product.family);
            tl_err_clear(&lookup);
        }
    }
    if (tl_json_object(item, "product", path, 1, &product, err) != 0 ||
        product == NULL)
        return;
    tl_path_key(field, sizeof(field), path, "product");
    read_characteristics(it, product, field, err);
    /* a change may name a new place (a move); a disconnect names none */
    if (is_new || (strcmp(it->action, "modify") == 0 &&
                   json_object_get(product, "place") != NULL))
        order_read_places(it, db, product, field,
                          it->product_known ? &catalog_product : NULL, db_rc,
                          err);
    if (!is_new && *db_rc == 0)
        order_read_service_item(d, it, db, product, path, db_rc, err);
}

int order_doc_read(order_doc *d, tl_db *db, const json_t *doc, tl_date received,
                   unsigned flags, tl_err *err)
{
    const json_t *items = NULL;
    int db_rc = 0;
    size_t i;

    memset(d, 0, sizeof(*d));
    if (!json_is_object(doc))
        return tl_err_add(err, "type", "",
                          "a product order must be a JSON object");
    read_external_id(d, doc, err);
    read_requested_date(d, doc, received, err);
    read_account(d, db, doc, &db_rc, err);
    if (db_rc == 0)
        order_read_parties(d, db, doc, received, &db_rc, err);
    tl_json_array(doc, "productOrderItem", "", 1, 1, ORDERS_MAX_ITEMS, &items,
                  err);
    for (i = 0; items != NULL && i < json_array_size(items); i++) {
        d->items[i].characteristics = json_object();
        if (d->items[i].characteristics == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        d->n_items = i + 1;
        read_item(d, i, db, json_array_get(items, i), &db_rc, err);
        if (db_rc < 0)
            break;
    }
    if (db_rc == 0)
        order_check_rules(d, db, received, flags, &db_rc, err);
    if (db_rc < 0)
        return db_rc;
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

int orders_validate(tl_db *db, const json_t *doc, tl_date received, tl_err *err)
{
    order_doc *d = malloc(sizeof(*d));
    int rc;

    if (d == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = order_doc_read(d, db, doc, received, 0, err);
    order_doc_free(d);
    free(d);
    return rc;
}
