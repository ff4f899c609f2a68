/*
 * Exporting the catalog in the form catalog_load reads: every service
 * code with its prices, every product with its characteristics, rules
 * and components, and every tax rule row, each list sorted by its key so
 * that the same catalog always exports the same bytes. Also every list
 * price as a CSV price list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"

static int oom(tl_err *err)
{
    return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
}

static int code_row(const tl_row *row, void *cls, tl_err *err)
{
    json_t *codes = cls;
    const char *code = NULL;
    const char *name = NULL;
    const char *kind = NULL;
    const char *nrc = NULL;
    const char *tax = NULL;
    json_t *o;

    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "name", &name, err) < 0 ||
        tl_row_text(row, "charge_kind", &kind, err) < 0 ||
        tl_row_text(row, "nrc_category", &nrc, err) < 0 ||
        tl_row_text(row, "tax_category", &tax, err) < 0)
        return TL_ERROR;
    o = json_pack("{s:s, s:s, s:s, s:[]}", "code", code, "name", name,
                  "chargeKind", kind, "prices");
    if (o == NULL)
        return oom(err);
    if (nrc != NULL)
        json_object_set_new(o, "nrcCategory", json_string(nrc));
    if (tax != NULL)
        json_object_set_new(o, "taxCategory", json_string(tax));
    return json_object_set_new(codes, code, o) == 0 ? 0 : oom(err);
}

static int price_row(const tl_row *row, void *cls, tl_err *err)
{
    json_t *codes = cls;
    const char *code = NULL;
    tl_date from;
    tl_money m;
    char amount[32];
    char day[16];
    json_t *prices;

    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_date(row, "effective_from", &from, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &m, err) < 0)
        return TL_ERROR;
    tl_money_format(amount, sizeof(amount), &m);
    tl_date_format(day, sizeof(day), from);
    prices = json_object_get(json_object_get(codes, code), "prices");
    if (prices == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "price of no code");
    return json_array_append_new(
               prices, json_pack("{s:s, s:s, s:s}", "currency", m.cur, "amount",
                                 amount, "effectiveFrom", day)) == 0
               ? 0
               : oom(err);
}

static int export_codes(json_t *doc, tl_db *db, tl_err *err)
{
    json_t *byname = json_object();
    json_t *arr = json_array();
    const char *key;
    json_t *v;
    int rc;

    if (byname == NULL || arr == NULL) {
        rc = oom(err);
        goto cleanup;
    }
    rc = tl_db_select(db, "catalog_export_codes",
                      "SELECT code, name, charge_kind, nrc_category,"
                      " tax_category FROM catalog.service_code ORDER BY code",
                      NULL, code_row, byname, err);
    if (rc >= 0)
        rc = tl_db_select(db, "catalog_export_prices",
                          "SELECT code, currency, effective_from,"
                          " amount_minor FROM catalog.list_price"
                          " ORDER BY code, currency, effective_from",
                          NULL, price_row, byname, err);
    if (rc < 0)
        goto cleanup;
    /* jansson keeps insertion order, which is the query's code order */
    json_object_foreach(byname, key, v) json_array_append(arr, v);
    rc = json_object_set(doc, "serviceCodes", arr) == 0 ? 0 : oom(err);
cleanup:
    json_decref(byname);
    json_decref(arr);
    return rc;
}

static int product_id_row(const tl_row *row, void *cls, tl_err *err)
{
    json_t *ids = cls;
    const char *id = NULL;

    if (tl_row_text(row, "product_id", &id, err) < 0)
        return TL_ERROR;
    return json_array_append_new(ids, json_string(id)) == 0 ? 0 : oom(err);
}

static int export_products(json_t *doc, tl_db *db, tl_err *err)
{
    json_t *ids = json_array();
    json_t *arr = json_array();
    size_t i;
    int rc;

    if (ids == NULL || arr == NULL) {
        rc = oom(err);
        goto cleanup;
    }
    rc = tl_db_select(db, "catalog_export_products",
                      "SELECT product_id FROM catalog.product"
                      " ORDER BY product_id",
                      NULL, product_id_row, ids, err);
    for (i = 0; rc >= 0 && i < json_array_size(ids); i++) {
        json_t *p = NULL;
        rc = catalog_product_describe(
            &p, db, json_string_value(json_array_get(ids, i)), err);
        if (rc == 0 && json_array_append_new(arr, p) != 0)
            rc = oom(err);
    }
    if (rc >= 0)
        rc = json_object_set(doc, "products", arr) == 0 ? 0 : oom(err);
cleanup:
    json_decref(ids);
    json_decref(arr);
    return rc;
}

static int tax_row(const tl_row *row, void *cls, tl_err *err)
{
    json_t *arr = cls;
    static const char *const text_cols[][2] = {
        {"jurisdiction", "jurisdiction"},
        {"charge_category", "chargeCategory"},
        {"tax_code", "taxCode"},
        {"name", "name"},
        {"kind", "kind"},
        {"basis", "basis"}};
    json_t *o = json_object();
    const char *s = NULL;
    char buf[32];
    int64_t ppm;
    int isnull = 1;
    tl_date d;
    size_t i;

    if (o == NULL)
        return oom(err);
    for (i = 0; i < sizeof(text_cols) / sizeof(text_cols[0]); i++) {
        if (tl_row_text(row, text_cols[i][0], &s, err) < 0)
            goto fail;
        if (s != NULL)
            json_object_set_new(o, text_cols[i][1], json_string(s));
    }
    if (tl_row_int64_opt(row, "rate_ppm", &ppm, &isnull, err) < 0)
        goto fail;
    if (!isnull) {
        catalog_percent_format(buf, sizeof(buf), ppm);
        json_object_set_new(o, "ratePercent", json_string(buf));
    } else {
        tl_money m;
        if (tl_row_money(row, "amount_minor", "currency", &m, err) < 0)
            goto fail;
        tl_money_format(buf, sizeof(buf), &m);
        json_object_set_new(o, "amount", json_string(buf));
        json_object_set_new(o, "currency", json_string(m.cur));
    }
    if (tl_row_date(row, "effective_from", &d, err) < 0)
        goto fail;
    tl_date_format(buf, sizeof(buf), d);
    json_object_set_new(o, "effectiveFrom", json_string(buf));
    if (tl_row_date_opt(row, "effective_to", &d, &isnull, err) < 0)
        goto fail;
    if (!isnull) {
        tl_date_format(buf, sizeof(buf), d);
        json_object_set_new(o, "effectiveTo", json_string(buf));
    }
    return json_array_append_new(arr, o) == 0 ? 0 : oom(err);
fail:
    json_decref(o);
    return TL_ERROR;
}

static int export_taxes(json_t *doc, tl_db *db, tl_err *err)
{
    json_t *arr = json_array();
    int rc;

    if (arr == NULL)
        return oom(err);
    rc = tl_db_select(db, "catalog_export_taxes",
                      "SELECT jurisdiction, charge_category, tax_code, name,"
                      " kind, basis, rate_ppm, amount_minor, currency,"
                      " effective_from, effective_to FROM catalog.tax_rule"
                      " ORDER BY jurisdiction, tax_code,"
                      " coalesce(charge_category, ''), effective_from",
                      NULL, tax_row, arr, err);
    if (rc >= 0)
        rc = json_object_set(doc, "taxRules", arr) == 0 ? 0 : oom(err);
    json_decref(arr);
    return rc;
}

int catalog_export(json_t **out, tl_db *db, tl_err *err)
{
    json_t *doc = json_object();
    int rc;

    *out = NULL;
    if (doc == NULL)
        return oom(err);
    rc = export_codes(doc, db, err);
    if (rc >= 0)
        rc = export_products(doc, db, err);
    if (rc >= 0)
        rc = export_taxes(doc, db, err);
    if (rc < 0) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}

/* ---- CSV ---- */

typedef struct csv_buf {
    char *data;
    size_t len;
    size_t cap;
} csv_buf;

static int append(csv_buf *b, const char *s)
{
    size_t n = strlen(s);

    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        char *grown;
        while (cap < b->len + n + 1)
            cap *= 2;
        grown = realloc(b->data, cap);
        if (grown == NULL)
            return TL_ERROR;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n + 1);
    b->len += n;
    return 0;
}

static int csv_price_row(const tl_row *row, void *cls, tl_err *err)
{
    csv_buf *b = cls;
    const char *code = NULL;
    tl_date from;
    tl_money m;
    char amount[32];
    char day[16];
    char line[128];

    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_date(row, "effective_from", &from, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &m, err) < 0)
        return TL_ERROR;
    tl_money_format(amount, sizeof(amount), &m);
    tl_date_format(day, sizeof(day), from);
    /* codes, currencies, amounts and dates hold no comma or quote */
    snprintf(line, sizeof(line), "%s,%s,%s,%s\n", code, m.cur, amount, day);
    return append(b, line) == 0 ? 0 : oom(err);
}

int catalog_export_prices_csv(char **out, tl_db *db, tl_err *err)
{
    csv_buf b = {NULL, 0, 0};
    int rc;

    *out = NULL;
    if (append(&b, "code,currency,amount,effectiveFrom\n") != 0)
        return oom(err);
    rc = tl_db_select(db, "catalog_export_prices",
                      "SELECT code, currency, effective_from,"
                      " amount_minor FROM catalog.list_price"
                      " ORDER BY code, currency, effective_from",
                      NULL, csv_price_row, &b, err);
    if (rc < 0) {
        free(b.data);
        return rc;
    }
    *out = b.data;
    return 0;
}
