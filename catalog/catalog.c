/*
 * Catalog loading and lookups.
 *
 * A load is two passes over the document: first every field is read and
 * checked (collecting all problems), then, only when there were none, the
 * rows are written in one transaction. Rows are inserted with ON CONFLICT
 * DO NOTHING; a row that was already there is compared with the document
 * and counted unchanged when equal, or reported as a conflict (which rolls
 * the whole load back) when not.
 */
#include "catalog/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "common/audit.h"
#include "common/json.h"

#define MAX_CODES 2000
#define MAX_PRICES 200
#define MAX_PRODUCTS 500

static const char *const code_keys[] = {
    "code", "name", "chargeKind", "nrcCategory", "taxCategory", "prices", NULL};
static const char *const price_keys[] = {"currency", "amount", "effectiveFrom",
                                         NULL};
static const char *const product_keys[] = {
    "id",    "name", "family", "serviceCodes", "placeRoles", "characteristics",
    "rules", NULL};
static const char *const member_keys[] = {"code", "quantityFrom",
                                          "includedWhen", NULL};

static int is_code_text(const char *s)
{
    size_t i;
    size_t n = strlen(s);

    if (n == 0 || n > 32)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (i > 0 && (c == '-' || c == '_'));
        if (!ok)
            return 0;
    }
    return 1;
}

static void check_code_text(const char *s, const char *path, const char *key,
                            tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];

    if (s == NULL || is_code_text(s))
        return;
    tl_path_key(field, sizeof(field), path, key);
    tl_err_add(err, "format", field,
               "%s must be 1-32 upper-case letters, digits, '-' or '_', not "
               "\"%s\"",
               key, s);
}

static void validate_price(const json_t *price, const char *path,
                           const char *kind, tl_err *err)
{
    const char *cur = NULL;
    tl_money amount;
    tl_date from;
    char field[TL_ERR_FIELD_MAX];

    (void)kind;
    tl_json_only_keys(price, path, price_keys, err);
    if (tl_json_str(price, "currency", path, 1, 3, &cur, err) == 0 &&
        cur != NULL && !tl_currency_known(cur)) {
        tl_path_key(field, sizeof(field), path, "currency");
        tl_err_add(err, "currency", field,
                   "currency \"%s\" is not an ISO 4217 code we know", cur);
        cur = NULL;
    }
    if (cur != NULL &&
        tl_json_amount(price, "amount", path, 1, cur, &amount, NULL, err) ==
            0 &&
        amount.minor < 0) {
        tl_path_key(field, sizeof(field), path, "amount");
        tl_err_add(err, "range", field, "a list price cannot be negative");
    }
    tl_json_date(price, "effectiveFrom", path, 1, &from, NULL, err);
}

static void validate_code(const json_t *c, const char *path, tl_err *err)
{
    const char *code = NULL;
    const char *name = NULL;
    const char *kind = NULL;
    const char *cat = NULL;
    const json_t *prices = NULL;
    char field[TL_ERR_FIELD_MAX];
    char ppath[TL_ERR_FIELD_MAX];
    size_t i;

    if (!json_is_object(c)) {
        tl_err_add(err, "type", path, "each service code must be an object");
        return;
    }
    tl_json_only_keys(c, path, code_keys, err);
    tl_json_str(c, "code", path, 1, 32, &code, err);
    check_code_text(code, path, "code", err);
    tl_json_str(c, "name", path, 1, 120, &name, err);
    tl_json_str(c, "chargeKind", path, 1, 3, &kind, err);
    tl_path_key(field, sizeof(field), path, "chargeKind");
    if (kind != NULL && strcmp(kind, "MRC") != 0 && strcmp(kind, "NRC") != 0)
        tl_err_add(err, "format", field, "chargeKind must be MRC or NRC");
    tl_json_str(c, "nrcCategory", path, 0, 20, &cat, err);
    tl_path_key(field, sizeof(field), path, "nrcCategory");
    if (kind != NULL && strcmp(kind, "NRC") == 0) {
        if (cat == NULL)
            tl_err_add(err, "required", field,
                       "an NRC needs nrcCategory: installation, "
                       "construction, expedite or equipment");
        else if (strcmp(cat, "installation") != 0 &&
                 strcmp(cat, "construction") != 0 &&
                 strcmp(cat, "expedite") != 0 && strcmp(cat, "equipment") != 0)
            tl_err_add(err, "format", field,
                       "nrcCategory must be installation, construction, "
                       "expedite or equipment");
    } else if (kind != NULL && cat != NULL) {
        tl_err_add(err, "format", field, "an MRC has no nrcCategory");
    }
    if (tl_json_str(c, "taxCategory", path, 0, 24, &cat, err) == 0 &&
        cat != NULL && !catalog_tax_category_known(cat)) {
        tl_path_key(field, sizeof(field), path, "taxCategory");
        tl_err_add(err, "format", field,
                   "taxCategory must be " CATALOG_TAX_CATEGORIES);
    }
    tl_json_array(c, "prices", path, 1, 1, MAX_PRICES, &prices, err);
    if (prices == NULL)
        return;
    tl_path_key(field, sizeof(field), path, "prices");
    for (i = 0; i < json_array_size(prices); i++) {
        tl_path_index(ppath, sizeof(ppath), field, i);
        validate_price(json_array_get(prices, i), ppath, kind, err);
    }
}

/* Is code defined in the document's serviceCodes? */
static int doc_has_code(const json_t *codes, const char *code)
{
    size_t i;
    const json_t *c;

    json_array_foreach(codes, i, c)
    {
        const json_t *v = json_object_get(c, "code");
        if (json_is_string(v) && strcmp(json_string_value(v), code) == 0)
            return 1;
    }
    return 0;
}

/* includedWhen names a boolean characteristic the entry defines. */
static void validate_condition(const json_t *m, const char *path,
                               const json_t *defs, tl_err *err)
{
    const char *when = NULL;
    const json_t *def;
    char field[TL_ERR_FIELD_MAX];

    tl_json_str(m, "includedWhen", path, 0, 48, &when, err);
    if (when == NULL)
        return;
    tl_path_key(field, sizeof(field), path, "includedWhen");
    def = catalog_def_find(defs, when);
    if (def == NULL)
        tl_err_add(err, "unknown_characteristic", field,
                   "includedWhen %s is not a characteristic defined in this "
                   "product entry",
                   when);
    else if (strcmp(json_string_value(json_object_get(def, "valueType")),
                    "boolean") != 0)
        tl_err_add(err, "type", field,
                   "includedWhen must name a boolean characteristic");
}

/* One entry of a product's serviceCodes: "CODE" or {"code",
 * "quantityFrom", "includedWhen"}, the code known, quantityFrom an integer
 * and includedWhen a boolean characteristic the entry defines. */
static void validate_member(tl_db *db, const json_t *m, const char *path,
                            const json_t *codes, const json_t *defs,
                            tl_err *err)
{
    const char *code = NULL;
    const char *from = NULL;
    const json_t *def;
    catalog_code_t stored;
    tl_err lookup = TL_ERR_INIT;
    char field[TL_ERR_FIELD_MAX];

    if (json_is_object(m)) {
        tl_json_only_keys(m, path, member_keys, err);
        tl_json_str(m, "code", path, 1, 32, &code, err);
        tl_json_str(m, "quantityFrom", path, 0, 48, &from, err);
        validate_condition(m, path, defs, err);
        tl_path_key(field, sizeof(field), path, "quantityFrom");
        def = from != NULL ? catalog_def_find(defs, from) : NULL;
        if (from != NULL && def == NULL)
            tl_err_add(err, "unknown_characteristic", field,
                       "quantityFrom %s is not a characteristic defined in "
                       "this product entry",
                       from);
        else if (def != NULL &&
                 strcmp(json_string_value(json_object_get(def, "valueType")),
                        "integer") != 0)
            tl_err_add(err, "type", field,
                       "quantityFrom must name an integer characteristic");
        tl_path_key(field, sizeof(field), path, "code");
    } else if (json_is_string(m)) {
        code = json_string_value(m);
        snprintf(field, sizeof(field), "%s", path);
    } else {
        tl_err_add(err, "type", path,
                   "a service code must be a string or {\"code\", "
                   "\"quantityFrom\", \"includedWhen\"}");
        return;
    }
    if (code == NULL || (codes != NULL && doc_has_code(codes, code)))
        return;
    if (catalog_code_get(&stored, db, code, &lookup) != 0)
        tl_err_add(err, "unknown_code", field,
                   "service code %s is neither in this file nor in the "
                   "catalog",
                   code);
    tl_err_clear(&lookup);
}

static void validate_product(tl_db *db, const json_t *p, const char *path,
                             const json_t *codes, tl_err *err)
{
    json_t *roles = NULL;
    json_t *defs = NULL;
    json_t *rules = NULL;
    const char *id = NULL;
    const char *name = NULL;
    const char *family = NULL;
    const json_t *members = NULL;
    char field[TL_ERR_FIELD_MAX];
    char mpath[TL_ERR_FIELD_MAX];
    static const char *const families[] = {
        "private_line", "dia",     "sip_trunk", "isdn_pri",
        "eodocsis",     "managed", NULL};
    size_t i;
    int known = 0;

    if (!json_is_object(p)) {
        tl_err_add(err, "type", path, "each product must be an object");
        return;
    }
    tl_json_only_keys(p, path, product_keys, err);
    tl_json_str(p, "id", path, 1, 32, &id, err);
    check_code_text(id, path, "id", err);
    tl_json_str(p, "name", path, 1, 120, &name, err);
    tl_json_str(p, "family", path, 1, 20, &family, err);
    if (family != NULL) {
        for (i = 0; families[i] != NULL; i++)
            known |= strcmp(families[i], family) == 0;
        if (!known) {
            tl_path_key(field, sizeof(field), path, "family");
            tl_err_add(err, "format", field,
                       "family must be private_line, dia, sip_trunk, "
                       "isdn_pri, eodocsis or managed");
        }
    }
    catalog_place_roles_normalize(&roles, p, path, err);
    json_decref(roles);
    catalog_defs_normalize(&defs, &rules, p, path, err);
    tl_json_array(p, "serviceCodes", path, 1, 1, 100, &members, err);
    tl_path_key(field, sizeof(field), path, "serviceCodes");
    for (i = 0; members != NULL && i < json_array_size(members); i++) {
        tl_path_index(mpath, sizeof(mpath), field, i);
        validate_member(db, json_array_get(members, i), mpath, codes, defs,
                        err);
    }
    json_decref(defs);
    json_decref(rules);
}

static int validate_doc(tl_db *db, const json_t *doc, tl_err *err)
{
    static const char *const top_keys[] = {"serviceCodes", "products",
                                           "taxRules", NULL};
    const json_t *codes = NULL;
    const json_t *products = NULL;
    const json_t *taxes = NULL;
    char path[TL_ERR_FIELD_MAX];
    size_t i;

    if (!json_is_object(doc))
        return tl_err_add(err, "type", "", "a catalog must be a JSON object");
    tl_json_only_keys(doc, "", top_keys, err);
    tl_json_array(doc, "serviceCodes", "", 0, 0, MAX_CODES, &codes, err);
    tl_json_array(doc, "products", "", 0, 0, MAX_PRODUCTS, &products, err);
    tl_json_array(doc, "taxRules", "", 0, 0, 0, &taxes, err);
    for (i = 0; codes != NULL && i < json_array_size(codes); i++) {
        tl_path_index(path, sizeof(path), "serviceCodes", i);
        validate_code(json_array_get(codes, i), path, err);
    }
    for (i = 0; products != NULL && i < json_array_size(products); i++) {
        tl_path_index(path, sizeof(path), "products", i);
        validate_product(db, json_array_get(products, i), path, codes, err);
    }
    catalog_tax_rules_validate(taxes, err);
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

/* ---- writing ---- */

typedef struct load_ctx {
    const json_t *doc;
    const char *actor;
    catalog_load_result *result;
} load_ctx;

/* One audit event per load that changed anything, with its counts. */
static int audit_load(const load_ctx *ctx, tl_db *db, tl_err *err)
{
    const catalog_load_result *r = ctx->result;
    json_t *after;
    int rc;

    if (r->products_added + r->codes_added + r->prices_added +
            r->characteristics_added + r->rules_added +
            r->tax_categories_added + r->tax_rules_added ==
        0)
        return 0;
    after = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "productsAdded",
                      r->products_added, "serviceCodesAdded", r->codes_added,
                      "pricesAdded", r->prices_added, "characteristicsAdded",
                      r->characteristics_added, "rulesAdded", r->rules_added,
                      "taxCategoriesAdded", r->tax_categories_added,
                      "taxRulesAdded", r->tax_rules_added);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "catalog.load", "catalog", "", 0, NULL, after,
                  err);
    json_decref(after);
    return rc;
}

/* Records a conflict and returns 0 so that the load goes on and reports
 * every conflicting row; the transaction rolls back at the end. */
int catalog_conflict(tl_err *err, const char *path, const char *what)
{
    tl_err_add(err, "conflict", path,
               "%s already exists in the catalog with other values; "
               "stored history is never rewritten",
               what);
    return 0;
}

static int write_code(tl_db *db, const json_t *c, const char *path,
                      catalog_load_result *res, tl_err *err)
{
    const char *code = json_string_value(json_object_get(c, "code"));
    const char *name = json_string_value(json_object_get(c, "name"));
    const char *kind = json_string_value(json_object_get(c, "chargeKind"));
    const char *cat = json_string_value(json_object_get(c, "nrcCategory"));
    const char *tax = json_string_value(json_object_get(c, "taxCategory"));
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, code);
    tl_params_text(&p, name);
    tl_params_text(&p, kind);
    tl_params_text(&p, cat);
    tl_params_text(&p, tax);
    rc = tl_db_exec(db, "catalog_code_insert",
                    "INSERT INTO catalog.service_code"
                    " (code, name, charge_kind, nrc_category, tax_category)"
                    " VALUES ($1, $2, $3, $4, $5)"
                    " ON CONFLICT (code) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        res->codes_added++;
        return 0;
    }
    /* A code stored before it had a tax category gets the file's. */
    rc = tl_db_exec(db, "catalog_code_classify",
                    "UPDATE catalog.service_code SET tax_category = $5"
                    " WHERE code = $1 AND name = $2 AND charge_kind = $3"
                    " AND nrc_category IS NOT DISTINCT FROM $4"
                    " AND tax_category IS NULL AND $5::text IS NOT NULL",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        res->tax_categories_added++;
        return 0;
    }
    rc = tl_db_exec(db, "catalog_code_same",
                    "SELECT 1 FROM catalog.service_code WHERE code = $1"
                    " AND name = $2 AND charge_kind = $3"
                    " AND nrc_category IS NOT DISTINCT FROM $4"
                    " AND ($5::text IS NULL OR tax_category = $5)",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return catalog_conflict(err, path, code);
    res->unchanged++;
    return 0;
}

int catalog_price_write(tl_db *db, const char *code, const char *cur,
                        const char *amount, const char *from, const char *path,
                        catalog_load_result *res, tl_err *err)
{
    tl_money m;
    tl_params p;
    int rc;

    rc = tl_money_parse(&m, amount, cur);
    if (rc != 0)
        return tl_err_set(err, TL_ERROR, "internal", path,
                          "validated amount no longer parses");
    tl_params_init(&p);
    tl_params_text(&p, code);
    tl_params_text(&p, cur);
    tl_params_text(&p, from);
    tl_params_int64(&p, m.minor);
    rc = tl_db_exec(db, "catalog_price_insert",
                    "INSERT INTO catalog.list_price"
                    " (code, currency, effective_from, amount_minor)"
                    " VALUES ($1, $2, $3::date, $4::bigint)"
                    " ON CONFLICT (code, currency, effective_from) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        res->prices_added++;
        return 0;
    }
    rc = tl_db_exec(db, "catalog_price_same",
                    "SELECT 1 FROM catalog.list_price WHERE code = $1"
                    " AND currency = $2 AND effective_from = $3::date"
                    " AND amount_minor = $4::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return catalog_conflict(err, path, "this price date");
    res->unchanged++;
    return 0;
}

static int write_price(tl_db *db, const char *code, const json_t *price,
                       const char *path, catalog_load_result *res, tl_err *err)
{
    return catalog_price_write(
        db, code, json_string_value(json_object_get(price, "currency")),
        json_string_value(json_object_get(price, "amount")),
        json_string_value(json_object_get(price, "effectiveFrom")), path, res,
        err);
}

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *ctx = cls;
    const json_t *codes = json_object_get(ctx->doc, "serviceCodes");
    const json_t *products = json_object_get(ctx->doc, "products");
    char path[TL_ERR_FIELD_MAX];
    char ppath[TL_ERR_FIELD_MAX];
    char field[TL_ERR_FIELD_MAX];
    size_t i;
    size_t j;
    int rc;

    memset(ctx->result, 0, sizeof(*ctx->result));
    for (i = 0; i < json_array_size(codes); i++) {
        const json_t *c = json_array_get(codes, i);
        const json_t *prices = json_object_get(c, "prices");
        const char *code = json_string_value(json_object_get(c, "code"));

        tl_path_index(path, sizeof(path), "serviceCodes", i);
        rc = write_code(db, c, path, ctx->result, err);
        if (rc < 0)
            return rc;
        tl_path_key(field, sizeof(field), path, "prices");
        for (j = 0; j < json_array_size(prices); j++) {
            tl_path_index(ppath, sizeof(ppath), field, j);
            rc = write_price(db, code, json_array_get(prices, j), ppath,
                             ctx->result, err);
            if (rc < 0)
                return rc;
        }
    }
    for (i = 0; i < json_array_size(products); i++) {
        tl_path_index(path, sizeof(path), "products", i);
        rc = catalog_product_write(db, json_array_get(products, i), path,
                                   ctx->result, err);
        if (rc < 0)
            return rc;
    }
    rc = catalog_tax_rules_write(db, json_object_get(ctx->doc, "taxRules"),
                                 ctx->result, err);
    if (rc < 0)
        return rc;
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    return audit_load(ctx, db, err);
}

int catalog_load(catalog_load_result *out, tl_db *db, const json_t *doc,
                 const char *actor, tl_err *err)
{
    load_ctx ctx = {doc, actor, out};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = validate_doc(db, doc, err);
    if (rc < 0)
        return rc;
    return tl_db_run_tx(db, "catalog_load", load_tx, &ctx, err);
}

/* ---- lookups ---- */

int catalog_product_exists(int *exists, tl_db *db, const char *product_id,
                           tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, product_id);
    rc = tl_db_exec(db, "catalog_product_exists",
                    "SELECT 1 FROM catalog.product WHERE product_id = $1", &p,
                    err);
    if (rc < 0)
        return rc;
    *exists = rc > 0;
    return 0;
}

static int read_code(const tl_row *row, catalog_code_t *out, tl_err *err)
{
    const char *code = NULL;
    const char *name = NULL;
    const char *kind = NULL;

    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "name", &name, err) < 0 ||
        tl_row_text(row, "charge_kind", &kind, err) < 0)
        return TL_ERROR;
    snprintf(out->code, sizeof(out->code), "%s", code);
    snprintf(out->name, sizeof(out->name), "%s", name);
    snprintf(out->charge_kind, sizeof(out->charge_kind), "%s", kind);
    return 0;
}

typedef struct codes_ctx {
    catalog_code_fn fn;
    void *cls;
} codes_ctx;

static int codes_row(const tl_row *row, void *cls, tl_err *err)
{
    codes_ctx *ctx = cls;
    catalog_code_t code;

    if (read_code(row, &code, err) < 0)
        return TL_ERROR;
    return ctx->fn(&code, ctx->cls, err);
}

int catalog_product_codes(tl_db *db, const char *product_id, catalog_code_fn fn,
                          void *cls, tl_err *err)
{
    codes_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, product_id);
    return tl_db_select(db, "catalog_product_codes",
                        "SELECT s.code, s.name, s.charge_kind"
                        " FROM catalog.product_component c"
                        " JOIN catalog.service_code s USING (code)"
                        " WHERE c.product_id = $1 ORDER BY s.code",
                        &p, codes_row, &ctx, err);
}

int catalog_code_get(catalog_code_t *out, tl_db *db, const char *code,
                     tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, code);
    rc = tl_db_query_one(db, &res, "catalog_code_get",
                         "SELECT code, name, charge_kind"
                         " FROM catalog.service_code WHERE code = $1",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == TL_DB_NONE)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_code", "code",
                          "service code %s is not in the catalog", code);
    row.res = res;
    row.row = 0;
    rc = read_code(&row, out, err);
    PQclear(res);
    return rc;
}

int catalog_list_price(tl_money *out, tl_db *db, const char *code,
                       const char *currency, tl_date on, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    char day[16];
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, code);
    tl_params_text(&p, currency);
    tl_params_date(&p, on);
    rc = tl_db_query_one(db, &res, "catalog_list_price",
                         "SELECT amount_minor, currency"
                         " FROM catalog.list_price"
                         " WHERE code = $1 AND currency = $2"
                         " AND effective_from <= $3::date"
                         " ORDER BY effective_from DESC LIMIT 1",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == TL_DB_NONE) {
        tl_date_format(day, sizeof(day), on);
        return tl_err_set(err, TL_ENOTFOUND, "no_price", "code",
                          "service code %s has no %s list price on %s", code,
                          currency, day);
    }
    row.res = res;
    row.row = 0;
    rc = tl_row_money(&row, "amount_minor", "currency", out, err);
    PQclear(res);
    return rc;
}

typedef struct history_ctx {
    catalog_price_fn fn;
    void *cls;
} history_ctx;

static int history_row(const tl_row *row, void *cls, tl_err *err)
{
    history_ctx *ctx = cls;
    catalog_price_t price;
    const char *code = NULL;

    memset(&price, 0, sizeof(price));
    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_date(row, "effective_from", &price.effective_from, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &price.amount, err) < 0)
        return TL_ERROR;
    snprintf(price.code, sizeof(price.code), "%s", code);
    return ctx->fn(&price, ctx->cls, err);
}

int catalog_price_history(tl_db *db, const char *code, const char *currency,
                          catalog_price_fn fn, void *cls, tl_err *err)
{
    history_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, code);
    tl_params_text(&p, currency);
    return tl_db_select(db, "catalog_price_history",
                        "SELECT code, currency, effective_from, amount_minor"
                        " FROM catalog.list_price"
                        " WHERE ($1::text IS NULL OR code = $1)"
                        " AND ($2::text IS NULL OR currency = $2)"
                        " ORDER BY code, currency, effective_from",
                        &p, history_row, &ctx, err);
}

typedef struct item_codes_ctx {
    catalog_item_code_fn fn;
    void *cls;
} item_codes_ctx;

static int item_code_row(const tl_row *row, void *cls, tl_err *err)
{
    item_codes_ctx *ctx = cls;
    catalog_item_code_t c;
    const char *category = NULL;

    memset(&c, 0, sizeof(c));
    if (read_code(row, &c.code, err) < 0 ||
        tl_row_text(row, "nrc_category", &category, err) < 0)
        return TL_ERROR;
    snprintf(c.nrc_category, sizeof(c.nrc_category), "%s",
             category != NULL ? category : "");
    return ctx->fn(&c, ctx->cls, err);
}

int catalog_item_codes(tl_db *db, const char *product_id, const json_t *chars,
                       catalog_item_code_fn fn, void *cls, tl_err *err)
{
    item_codes_ctx ctx = {fn, cls};
    char *text = chars != NULL ? json_dumps(chars, JSON_COMPACT) : NULL;
    tl_params p;
    int rc;

    if (chars != NULL && text == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_text(&p, product_id);
    tl_params_text(&p, text != NULL ? text : "{}");
    /* ->> gives 'true' for a JSON true (and for the string "true") */
    rc = tl_db_select(db, "catalog_item_codes",
                      "SELECT s.code, s.name, s.charge_kind, s.nrc_category"
                      " FROM catalog.product_component c"
                      " JOIN catalog.service_code s USING (code)"
                      " WHERE c.product_id = $1 AND (c.included_when IS NULL"
                      "  OR ($2::jsonb ->> c.included_when) = 'true')"
                      " ORDER BY s.code",
                      &p, item_code_row, &ctx, err);
    free(text);
    return rc;
}
