/*
 * Quoted prices on an order item (TMF622 productOrderItem.itemPrice[]):
 *   {"priceType": "recurring" | "nonRecurring",
 *    "recurringChargePeriod": "month" (recurring only, optional),
 *    "price": {"dutyFreeAmount": {"unit": "USD", "value": "1150.00"}}}
 * Amounts are decimal strings: TMF writes numbers, but a number is a float
 * and no float carries money here, so a number is refused with a message
 * saying how to write it. Several entries of one type add up.
 */
#include <string.h>

#include "common/json.h"
#include "orders/orders_internal.h"

static const char *const price_types[] = {"recurring", "nonRecurring", NULL};

static int price_type(const char *s)
{
    int i;

    for (i = 0; price_types[i] != NULL; i++)
        if (strcmp(price_types[i], s) == 0)
            return i;
    return -1;
}

/* Adds one itemPrice entry into the item's quoted MRC or NRC. */
static void read_one(order_item_doc *it, const json_t *entry, const char *path,
                     const char *currency, tl_err *err)
{
    const char *type = NULL;
    const char *period = NULL;
    const char *unit = NULL;
    const json_t *price = NULL;
    const json_t *amount = NULL;
    char field[TL_ERR_FIELD_MAX];
    char apath[TL_ERR_FIELD_MAX];
    tl_money value;
    int kind = -1;
    int present = 0;

    if (!json_is_object(entry)) {
        tl_err_add(err, "type", path, "an item price must be an object");
        return;
    }
    if (tl_json_str(entry, "priceType", path, 1, 20, &type, err) == 0 &&
        type != NULL && (kind = price_type(type)) < 0) {
        tl_path_key(field, sizeof(field), path, "priceType");
        tl_err_add(err, "format", field,
                   "priceType must be recurring or nonRecurring, not \"%s\"",
                   type);
    }
    tl_json_str(entry, "recurringChargePeriod", path, 0, 20, &period, err);
    if (period != NULL && strcmp(period, "month") != 0) {
        tl_path_key(field, sizeof(field), path, "recurringChargePeriod");
        tl_err_add(err, "format", field,
                   "recurring prices are monthly (\"month\"), not \"%s\"",
                   period);
    }
    tl_json_object(entry, "price", path, 1, &price, err);
    tl_path_key(field, sizeof(field), path, "price");
    if (price != NULL)
        tl_json_object(price, "dutyFreeAmount", field, 1, &amount, err);
    if (amount == NULL)
        return;
    tl_path_key(apath, sizeof(apath), field, "dutyFreeAmount");
    if (tl_json_str(amount, "unit", apath, 1, 3, &unit, err) != 0 ||
        unit == NULL)
        return;
    if (currency[0] != '\0' && strcmp(unit, currency) != 0) {
        tl_path_key(field, sizeof(field), apath, "unit");
        tl_err_add(err, "currency_mismatch", field,
                   "the account bills in %s; quote prices in %s, not %s",
                   currency, currency, unit);
        return;
    }
    if (tl_json_amount(amount, "value", apath, 1, unit, &value, &present,
                       err) != 0 ||
        kind < 0)
        return;
    if (value.minor < 0) {
        tl_path_key(field, sizeof(field), apath, "value");
        tl_err_add(err, "range", field, "a quoted price cannot be negative");
        return;
    }
    if (kind == 0) {
        if (tl_money_add(&it->quoted_mrc, &it->quoted_mrc, &value) != 0)
            tl_err_add(err, "overflow", path, "quoted prices are too large");
        it->has_quoted_mrc = 1;
    } else {
        if (tl_money_add(&it->quoted_nrc, &it->quoted_nrc, &value) != 0)
            tl_err_add(err, "overflow", path, "quoted prices are too large");
        it->has_quoted_nrc = 1;
    }
}

void order_read_item_prices(order_item_doc *it, const json_t *item,
                            const char *path, const char *currency,
                            tl_err *err)
{
    const json_t *prices = NULL;
    char field[TL_ERR_FIELD_MAX];
    char epath[TL_ERR_FIELD_MAX];
    size_t i;

    if (tl_json_array(item, "itemPrice", path, 0, 0, 20, &prices, err) != 0 ||
        prices == NULL)
        return;
    tl_path_key(field, sizeof(field), path, "itemPrice");
    for (i = 0; i < json_array_size(prices); i++) {
        const json_t *e = json_array_get(prices, i);
        const json_t *amount = json_object_get(
            json_object_get(e, "price"), "dutyFreeAmount");
        const char *unit = json_string_value(json_object_get(amount, "unit"));

        tl_path_index(epath, sizeof(epath), field, i);
        /* both sums are in the one currency the entries are checked for */
        if (unit != NULL && strlen(unit) == 3 && it->quoted_mrc.cur[0] == '\0') {
            memcpy(it->quoted_mrc.cur, unit, 4);
            memcpy(it->quoted_nrc.cur, unit, 4);
        }
        read_one(it, e, epath,
                 currency[0] != '\0' ? currency : it->quoted_mrc.cur, err);
    }
}
