/*
 * Tax and regulatory surcharge rules: validating and storing the taxRules
 * of a catalog document, and finding the rules in force on a date.
 *
 * A rule is keyed by jurisdiction, tax code and charge category (NULL: all
 * categories); each stored row holds from its effective_from until the next
 * row of the same key, or its effective_to. A row with rate or amount 0
 * retires the rule. Rows are never rewritten: a stored row with other
 * values is a "conflict".
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "common/json.h"

#define MAX_TAX_RULES 2000

static const char *const rule_keys[] = {
    "jurisdiction", "chargeCategory", "taxCode",     "name",
    "kind",         "basis",          "ratePercent", "amount",
    "currency",     "effectiveFrom",  "effectiveTo", NULL};

static int is_jurisdiction(const char *s)
{
    size_t i;
    size_t n = strlen(s);
    int seg = 0;
    int len = 0;

    if (n < 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z')
        return 0;
    for (i = 2; i < n; i++) {
        char c = s[i];
        if (c == '-') {
            if ((seg > 0 && len == 0) || ++seg > 2)
                return 0;
            len = 0;
        } else if (seg > 0 &&
                   ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) &&
                   ++len <= 12)
            continue;
        else
            return 0;
    }
    return seg == 0 || len > 0;
}

static int is_tax_code(const char *s)
{
    size_t i;
    size_t n = strlen(s);

    if (n == 0 || n > 24)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (i > 0 && (c == '-' || c == '_'))))
            return 0;
    }
    return 1;
}

/* Whether two validated rules have the same key and start date. */
static int same_key(const json_t *a, const json_t *b)
{
    static const char *const keys[] = {"jurisdiction", "taxCode",
                                       "chargeCategory", "effectiveFrom"};
    size_t i;

    for (i = 0; i < 4; i++) {
        const char *x = json_string_value(json_object_get(a, keys[i]));
        const char *y = json_string_value(json_object_get(b, keys[i]));
        if ((x == NULL) != (y == NULL) || (x != NULL && strcmp(x, y) != 0))
            return 0;
    }
    return 1;
}

static void validate_rule(const json_t *r, const char *path, tl_err *err)
{
    const char *s = NULL;
    const char *basis = NULL;
    const char *kind = NULL;
    const char *cur = NULL;
    char field[TL_ERR_FIELD_MAX];
    tl_money amount;
    tl_date from = 0;
    tl_date to = 0;
    int has_from = 0;
    int has_to = 0;
    int64_t ppm;

    if (!json_is_object(r)) {
        tl_err_add(err, "type", path, "each tax rule must be an object");
        return;
    }
    tl_json_only_keys(r, path, rule_keys, err);
    if (tl_json_str(r, "jurisdiction", path, 1, 24, &s, err) == 0 &&
        s != NULL && !is_jurisdiction(s)) {
        tl_path_key(field, sizeof(field), path, "jurisdiction");
        tl_err_add(err, "format", field,
                   "a jurisdiction is a country code, optionally followed "
                   "by -REGION, e.g. US or US-ME; not \"%s\"",
                   s);
    }
    if (tl_json_str(r, "chargeCategory", path, 0, 24, &s, err) == 0 &&
        s != NULL && !catalog_tax_category_known(s)) {
        tl_path_key(field, sizeof(field), path, "chargeCategory");
        tl_err_add(err, "format", field,
                   "chargeCategory must be " CATALOG_TAX_CATEGORIES
                   " (or absent for every category)");
    }
    if (tl_json_str(r, "taxCode", path, 1, 24, &s, err) == 0 && s != NULL &&
        !is_tax_code(s)) {
        tl_path_key(field, sizeof(field), path, "taxCode");
        tl_err_add(err, "format", field,
                   "taxCode must be 1-24 upper-case letters, digits, '-' or "
                   "'_', not \"%s\"",
                   s);
    }
    tl_json_str(r, "name", path, 1, 90, &s, err);
    if (tl_json_str(r, "kind", path, 1, 12, &kind, err) == 0 && kind != NULL &&
        strcmp(kind, "tax") != 0 && strcmp(kind, "surcharge") != 0) {
        tl_path_key(field, sizeof(field), path, "kind");
        tl_err_add(err, "format", field, "kind must be tax or surcharge");
    }
    tl_json_str(r, "basis", path, 1, 12, &basis, err);
    tl_path_key(field, sizeof(field), path, "basis");
    if (basis != NULL && strcmp(basis, "percent") == 0) {
        if (tl_json_str(r, "ratePercent", path, 1, 12, &s, err) == 0 &&
            s != NULL && catalog_percent_parse(&ppm, s) != 0) {
            tl_path_key(field, sizeof(field), path, "ratePercent");
            tl_err_add(err, "format", field,
                       "ratePercent must be a percentage from 0 to 100 with "
                       "at most 4 decimals, e.g. \"6.5\", not \"%s\"",
                       s);
        }
        if (json_object_get(r, "amount") != NULL ||
            json_object_get(r, "currency") != NULL) {
            tl_path_key(field, sizeof(field), path, "amount");
            tl_err_add(err, "exclusive", field,
                       "a percent rule has ratePercent, not amount and "
                       "currency");
        }
    } else if (basis != NULL && strcmp(basis, "per_unit") == 0) {
        if (tl_json_str(r, "currency", path, 1, 3, &cur, err) == 0 &&
            cur != NULL && !tl_currency_known(cur)) {
            tl_path_key(field, sizeof(field), path, "currency");
            tl_err_add(err, "currency", field,
                       "currency \"%s\" is not an ISO 4217 code we know", cur);
            cur = NULL;
        }
        if (cur != NULL &&
            tl_json_amount(r, "amount", path, 1, cur, &amount, NULL, err) ==
                0 &&
            amount.minor < 0) {
            tl_path_key(field, sizeof(field), path, "amount");
            tl_err_add(err, "range", field, "amount cannot be negative");
        }
        if (json_object_get(r, "ratePercent") != NULL) {
            tl_path_key(field, sizeof(field), path, "ratePercent");
            tl_err_add(err, "exclusive", field,
                       "a per_unit rule has amount and currency, not "
                       "ratePercent");
        }
    } else if (basis != NULL) {
        tl_err_add(err, "format", field, "basis must be percent or per_unit");
    }
    tl_json_date(r, "effectiveFrom", path, 1, &from, &has_from, err);
    tl_json_date(r, "effectiveTo", path, 0, &to, &has_to, err);
    if (has_from && has_to && to <= from) {
        tl_path_key(field, sizeof(field), path, "effectiveTo");
        tl_err_add(err, "range", field,
                   "effectiveTo must be after "
                   "effectiveFrom");
    }
}

void catalog_tax_rules_validate(const json_t *rules, tl_err *err)
{
    char path[TL_ERR_FIELD_MAX];
    size_t i;
    size_t j;

    if (json_array_size(rules) > MAX_TAX_RULES) {
        tl_err_add(err, "too_long", "taxRules",
                   "taxRules has more than %d rows", MAX_TAX_RULES);
        return;
    }
    for (i = 0; i < json_array_size(rules); i++) {
        const json_t *r = json_array_get(rules, i);
        size_t before = err->n_problems;

        tl_path_index(path, sizeof(path), "taxRules", i);
        validate_rule(r, path, err);
        if (err->n_problems != before)
            continue;
        for (j = 0; j < i; j++)
            if (same_key(json_array_get(rules, j), r)) {
                tl_err_add(err, "duplicate", path,
                           "taxRules[%zu] already has this jurisdiction, tax "
                           "code, category and effectiveFrom",
                           j);
                break;
            }
    }
}

static void rule_params(tl_params *p, const json_t *r)
{
    const char *basis = json_string_value(json_object_get(r, "basis"));
    const char *cur = json_string_value(json_object_get(r, "currency"));
    tl_money amount;
    int64_t ppm = 0;

    tl_params_init(p);
    tl_params_text(p, json_string_value(json_object_get(r, "jurisdiction")));
    tl_params_text(p, json_string_value(json_object_get(r, "chargeCategory")));
    tl_params_text(p, json_string_value(json_object_get(r, "taxCode")));
    tl_params_text(p, json_string_value(json_object_get(r, "effectiveFrom")));
    tl_params_text(p, json_string_value(json_object_get(r, "name")));
    tl_params_text(p, json_string_value(json_object_get(r, "kind")));
    tl_params_text(p, basis);
    if (strcmp(basis, "percent") == 0 &&
        catalog_percent_parse(
            &ppm, json_string_value(json_object_get(r, "ratePercent"))) == 0)
        tl_params_int64(p, ppm);
    else
        tl_params_null(p);
    if (cur != NULL &&
        tl_money_parse(&amount, json_string_value(json_object_get(r, "amount")),
                       cur) == 0)
        tl_params_int64(p, amount.minor);
    else
        tl_params_null(p);
    tl_params_text(p, cur);
    tl_params_text(p, json_string_value(json_object_get(r, "effectiveTo")));
}

int catalog_tax_rules_write(tl_db *db, const json_t *rules,
                            catalog_load_result *res, tl_err *err)
{
    char path[TL_ERR_FIELD_MAX];
    tl_params p;
    size_t i;
    int rc;

    for (i = 0; i < json_array_size(rules); i++) {
        const json_t *r = json_array_get(rules, i);

        tl_path_index(path, sizeof(path), "taxRules", i);
        rule_params(&p, r);
        rc = tl_db_exec(
            db, "catalog_tax_rule_insert",
            "INSERT INTO catalog.tax_rule (jurisdiction, charge_category,"
            " tax_code, effective_from, name, kind, basis, rate_ppm,"
            " amount_minor, currency, effective_to)"
            " VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8::bigint,"
            " $9::bigint, $10, $11::date)"
            " ON CONFLICT (jurisdiction, tax_code,"
            " (coalesce(charge_category, '')), effective_from) DO NOTHING",
            &p, err);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            res->tax_rules_added++;
            continue;
        }
        rc = tl_db_exec(db, "catalog_tax_rule_same",
                        "SELECT 1 FROM catalog.tax_rule WHERE jurisdiction = $1"
                        " AND charge_category IS NOT DISTINCT FROM $2"
                        " AND tax_code = $3 AND effective_from = $4::date"
                        " AND name = $5 AND kind = $6 AND basis = $7"
                        " AND rate_ppm IS NOT DISTINCT FROM $8::bigint"
                        " AND amount_minor IS NOT DISTINCT FROM $9::bigint"
                        " AND currency IS NOT DISTINCT FROM $10::char(3)"
                        " AND effective_to IS NOT DISTINCT FROM $11::date",
                        &p, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            catalog_conflict(err, path, "this tax rule row");
        else
            res->unchanged++;
    }
    return 0;
}

/* ---- lookup ---- */

typedef struct tax_ctx {
    catalog_tax_fn fn;
    catalog_tax_window_fn window_fn;
    void *cls;
} tax_ctx;

static int read_tax_rule(catalog_tax_rule_t *out, const tl_row *row,
                         tl_err *err)
{
    catalog_tax_rule_t r;
    const char *j = NULL;
    const char *cat = NULL;
    const char *code = NULL;
    const char *name = NULL;
    const char *kind = NULL;
    const char *basis = NULL;
    int isnull = 1;

    memset(&r, 0, sizeof(r));
    if (tl_row_text(row, "jurisdiction", &j, err) < 0 ||
        tl_row_text(row, "charge_category", &cat, err) < 0 ||
        tl_row_text(row, "tax_code", &code, err) < 0 ||
        tl_row_text(row, "name", &name, err) < 0 ||
        tl_row_text(row, "kind", &kind, err) < 0 ||
        tl_row_text(row, "basis", &basis, err) < 0 ||
        tl_row_date(row, "effective_from", &r.effective_from, err) < 0 ||
        tl_row_int64_opt(row, "rate_ppm", &r.rate_ppm, &isnull, err) < 0)
        return TL_ERROR;
    snprintf(r.jurisdiction, sizeof(r.jurisdiction), "%s", j);
    snprintf(r.charge_category, sizeof(r.charge_category), "%s",
             cat ? cat : "");
    snprintf(r.tax_code, sizeof(r.tax_code), "%s", code);
    snprintf(r.name, sizeof(r.name), "%s", name);
    snprintf(r.kind, sizeof(r.kind), "%s", kind);
    snprintf(r.basis, sizeof(r.basis), "%s", basis);
    if (isnull) {
        r.rate_ppm = 0;
        if (tl_row_money(row, "amount_minor", "currency", &r.per_unit, err) < 0)
            return TL_ERROR;
    }
    *out = r;
    return 0;
}

static int tax_row(const tl_row *row, void *cls, tl_err *err)
{
    tax_ctx *ctx = cls;
    catalog_tax_rule_t r;

    if (read_tax_rule(&r, row, err) < 0)
        return TL_ERROR;
    return ctx->fn(&r, ctx->cls, err);
}

static int tax_window_row(const tl_row *row, void *cls, tl_err *err)
{
    tax_ctx *ctx = cls;
    catalog_tax_rule_t r;
    tl_date to = 0;
    int open = 1;

    if (read_tax_rule(&r, row, err) < 0 ||
        tl_row_date_opt(row, "effective_until", &to, &open, err) < 0)
        return TL_ERROR;
    return ctx->window_fn(&r, !open, to, ctx->cls, err);
}

int catalog_tax_rule_windows(tl_db *db, catalog_tax_window_fn fn, void *cls,
                             tl_err *err)
{
    tax_ctx ctx = {NULL, fn, cls};

    /* the next row of the same key ends a row early (least ignores NULL) */
    return tl_db_select(
        db, "catalog_tax_rule_windows",
        "SELECT * FROM (SELECT jurisdiction, charge_category, tax_code, name,"
        " kind, basis, rate_ppm, amount_minor, currency, effective_from,"
        " least(effective_to, lead(effective_from) OVER (PARTITION BY"
        "  jurisdiction, tax_code, coalesce(charge_category, '')"
        "  ORDER BY effective_from)) AS effective_until"
        " FROM catalog.tax_rule) w"
        " WHERE coalesce(rate_ppm, amount_minor) > 0"
        " AND (effective_until IS NULL OR effective_until > effective_from)"
        " ORDER BY jurisdiction, tax_code, charge_category NULLS FIRST,"
        " effective_from",
        NULL, tax_window_row, &ctx, err);
}

int catalog_tax_rules(tl_db *db, const char *jurisdiction,
                      const char *charge_category, tl_date on,
                      catalog_tax_fn fn, void *cls, tl_err *err)
{
    tax_ctx ctx = {fn, NULL, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, jurisdiction);
    tl_params_text(&p, charge_category);
    tl_params_date(&p, on);
    return tl_db_select(
        db, "catalog_tax_rules",
        "SELECT jurisdiction, charge_category, tax_code, name, kind, basis,"
        " rate_ppm, amount_minor, currency, effective_from FROM ("
        " SELECT DISTINCT ON (jurisdiction, tax_code,"
        " coalesce(charge_category, '')) *"
        " FROM catalog.tax_rule WHERE effective_from <= $3::date"
        " AND ($1::text IS NULL OR jurisdiction = $1"
        " OR $1 LIKE jurisdiction || '-%')"
        " AND ($2::text IS NULL OR charge_category IS NULL"
        " OR charge_category = $2)"
        " ORDER BY jurisdiction, tax_code, coalesce(charge_category, ''),"
        " effective_from DESC) latest"
        " WHERE (effective_to IS NULL OR effective_to > $3::date)"
        " AND coalesce(rate_ppm, amount_minor) > 0"
        " ORDER BY tax_code, jurisdiction, charge_category NULLS FIRST",
        &p, tax_row, &ctx, err);
}
