/*
 * Product characteristics: reading their definitions from a catalog file
 * into the normalised form, checking an order item's values against that
 * form, and reading the form back from the database.
 *
 * The normalised form is what the catalog file says, with defaults filled
 * in and numbers made canonical: {"name", "valueType", "required": bool,
 * "allowedValues"?, "min"?, "max"?, "multipleOf"?, "unit"?}. Integer
 * bounds and values are JSON integers; bandwidth ones are canonical
 * strings ("500 Mbps"), compared in kbps. The same form is stored,
 * exported and compared on reload, so a definition never changes quietly.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "common/json.h"

#define MAX_DEFS 40
#define MAX_ALLOWED 100

static const char *const def_keys[] = {"name",          "valueType", "required",
                                       "allowedValues", "min",       "max",
                                       "multipleOf",    "unit",      NULL};
static const char *const rule_keys[] = {"rule", "characteristic", "other",
                                        NULL};

static int is_numeric_type(const char *t)
{
    return strcmp(t, "integer") == 0 || strcmp(t, "bandwidth") == 0;
}

static int is_name(const char *s)
{
    size_t i;
    size_t n = strlen(s);

    if (n == 0 || n > 48 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (i = 1; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9')))
            return 0;
    }
    return 1;
}

json_t *catalog_number_json(const char *type, int64_t v)
{
    char buf[32];

    if (strcmp(type, "integer") == 0)
        return json_integer(v);
    catalog_bandwidth_format(buf, sizeof(buf), v);
    return json_string(buf);
}

/* min, max or multipleOf of a numeric definition, added to def. */
static void norm_bound(json_t *def, const json_t *src, const char *key,
                       const char *type, const char *path, int64_t *out,
                       int *present, tl_err *err)
{
    const json_t *v = json_object_get(src, key);
    char field[TL_ERR_FIELD_MAX];

    *present = 0;
    if (v == NULL || json_is_null(v))
        return;
    tl_path_key(field, sizeof(field), path, key);
    if (!is_numeric_type(type)) {
        tl_err_add(err, "format", field,
                   "%s applies to integer and bandwidth characteristics "
                   "only",
                   key);
        return;
    }
    if (catalog_value_number(out, type, v) != 0) {
        tl_err_add(err, "type", field, "%s must be %s", key,
                   strcmp(type, "integer") == 0
                       ? "a whole number"
                       : "a bandwidth such as \"100 Mbps\"");
        return;
    }
    if (strcmp(key, "multipleOf") == 0 && *out <= 0) {
        tl_err_add(err, "range", field, "multipleOf must be greater than 0");
        return;
    }
    *present = 1;
    json_object_set_new(def, key, catalog_number_json(type, *out));
}

static void norm_allowed(json_t *def, const json_t *src, const char *type,
                         const char *path, tl_err *err)
{
    const json_t *arr = NULL;
    json_t *out;
    char field[TL_ERR_FIELD_MAX];
    char ipath[TL_ERR_FIELD_MAX];
    size_t i;
    size_t j;

    tl_json_array(src, "allowedValues", path, strcmp(type, "enum") == 0, 1,
                  MAX_ALLOWED, &arr, err);
    if (arr == NULL)
        return;
    tl_path_key(field, sizeof(field), path, "allowedValues");
    if (!is_numeric_type(type) && strcmp(type, "enum") != 0) {
        tl_err_add(err, "format", field,
                   "allowedValues apply to integer, bandwidth and enum "
                   "characteristics only");
        return;
    }
    out = json_array();
    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        json_t *canon = NULL;
        int64_t n;

        tl_path_index(ipath, sizeof(ipath), field, i);
        if (strcmp(type, "enum") == 0) {
            if (!json_is_string(v) || json_string_length(v) == 0 ||
                json_string_length(v) > 64)
                tl_err_add(err, "type", ipath,
                           "an enum value must be a string of 1-64 "
                           "characters");
            else
                canon = json_copy((json_t *)v);
        } else if (catalog_value_number(&n, type, v) != 0)
            tl_err_add(err, "type", ipath, "an allowed %s value must be %s",
                       type,
                       strcmp(type, "integer") == 0
                           ? "a whole number"
                           : "a bandwidth such as \"100 Mbps\"");
        else
            canon = catalog_number_json(type, n);
        if (canon == NULL)
            continue;
        for (j = 0; j < json_array_size(out); j++)
            if (json_equal(json_array_get(out, j), canon))
                break;
        if (j < json_array_size(out)) {
            tl_err_add(err, "duplicate", ipath, "this value is listed twice");
            json_decref(canon);
        } else
            json_array_append_new(out, canon);
    }
    json_object_set_new(def, "allowedValues", out);
}

static json_t *norm_def(const json_t *src, const char *path, const json_t *seen,
                        tl_err *err)
{
    static const char *const types[] = {"integer", "bandwidth", "text",
                                        "enum",    "boolean",   NULL};
    const char *name = NULL;
    const char *type = NULL;
    const char *unit = NULL;
    const json_t *req;
    json_t *def;
    char field[TL_ERR_FIELD_MAX];
    int64_t min = 0;
    int64_t max = 0;
    int64_t mult = 0;
    int has_min;
    int has_max;
    int has_mult;
    int known = 0;
    size_t i;

    if (!json_is_object(src)) {
        tl_err_add(err, "type", path, "each characteristic must be an object");
        return NULL;
    }
    tl_json_only_keys(src, path, def_keys, err);
    tl_json_str(src, "name", path, 1, 48, &name, err);
    tl_path_key(field, sizeof(field), path, "name");
    if (name != NULL && !is_name(name)) {
        tl_err_add(err, "format", field,
                   "a characteristic name is camelCase: a lower-case letter, "
                   "then letters and digits, not \"%s\"",
                   name);
        name = NULL;
    } else if (name != NULL && catalog_def_find(seen, name) != NULL) {
        tl_err_add(err, "duplicate", field,
                   "characteristic %s is defined twice", name);
    }
    tl_json_str(src, "valueType", path, 1, 12, &type, err);
    for (i = 0; type != NULL && types[i] != NULL; i++)
        known |= strcmp(types[i], type) == 0;
    if (type != NULL && !known) {
        tl_path_key(field, sizeof(field), path, "valueType");
        tl_err_add(err, "format", field,
                   "valueType must be integer, bandwidth, text, enum or "
                   "boolean");
        type = NULL;
    }
    req = json_object_get(src, "required");
    if (req != NULL && !json_is_boolean(req)) {
        tl_path_key(field, sizeof(field), path, "required");
        tl_err_add(err, "type", field, "required must be true or false");
    }
    tl_json_str(src, "unit", path, 0, 16, &unit, err);
    if (name == NULL || type == NULL)
        return NULL;
    def = json_pack("{s:s, s:s, s:b}", "name", name, "valueType", type,
                    "required", json_is_true(req));
    if (def == NULL)
        return NULL;
    norm_allowed(def, src, type, path, err);
    norm_bound(def, src, "min", type, path, &min, &has_min, err);
    norm_bound(def, src, "max", type, path, &max, &has_max, err);
    norm_bound(def, src, "multipleOf", type, path, &mult, &has_mult, err);
    if (has_min && has_max && min > max) {
        tl_path_key(field, sizeof(field), path, "max");
        tl_err_add(err, "range", field, "max must not be less than min");
    }
    if (unit != NULL)
        json_object_set_new(def, "unit", json_string(unit));
    return def;
}

const json_t *catalog_def_find(const json_t *defs, const char *name)
{
    size_t i;
    const json_t *d;

    json_array_foreach(defs, i, d)
    {
        const char *n = json_string_value(json_object_get(d, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return d;
    }
    return NULL;
}

static const char *def_type(const json_t *def)
{
    return json_string_value(json_object_get(def, "valueType"));
}

static json_t *norm_rule(const json_t *src, const char *path,
                         const json_t *defs, tl_err *err)
{
    const char *rule = NULL;
    const char *a = NULL;
    const char *b = NULL;
    const json_t *da;
    const json_t *db;
    char field[TL_ERR_FIELD_MAX];

    if (!json_is_object(src)) {
        tl_err_add(err, "type", path, "each rule must be an object");
        return NULL;
    }
    tl_json_only_keys(src, path, rule_keys, err);
    tl_json_str(src, "rule", path, 1, 32, &rule, err);
    tl_json_str(src, "characteristic", path, 1, 48, &a, err);
    tl_json_str(src, "other", path, 1, 48, &b, err);
    if (rule != NULL && strcmp(rule, "notGreaterThan") != 0) {
        tl_path_key(field, sizeof(field), path, "rule");
        tl_err_add(err, "format", field, "rule must be notGreaterThan");
        rule = NULL;
    }
    da = a != NULL ? catalog_def_find(defs, a) : NULL;
    db = b != NULL ? catalog_def_find(defs, b) : NULL;
    tl_path_key(field, sizeof(field), path, "characteristic");
    if (a != NULL && da == NULL)
        tl_err_add(err, "unknown_characteristic", field,
                   "%s is not a characteristic of this product", a);
    tl_path_key(field, sizeof(field), path, "other");
    if (b != NULL && db == NULL)
        tl_err_add(err, "unknown_characteristic", field,
                   "%s is not a characteristic of this product", b);
    if (da != NULL && db != NULL && strcmp(a, b) == 0) {
        tl_err_add(err, "format", field,
                   "a rule compares two different characteristics");
        return NULL;
    }
    if (da != NULL && db != NULL &&
        (!is_numeric_type(def_type(da)) ||
         strcmp(def_type(da), def_type(db)) != 0)) {
        tl_err_add(err, "type", field,
                   "notGreaterThan compares two integer or two bandwidth "
                   "characteristics");
        return NULL;
    }
    if (rule == NULL || da == NULL || db == NULL)
        return NULL;
    return json_pack("{s:s, s:s, s:s}", "rule", rule, "characteristic", a,
                     "other", b);
}

void catalog_defs_normalize(json_t **defs_out, json_t **rules_out,
                            const json_t *product, const char *path,
                            tl_err *err)
{
    const json_t *defs = NULL;
    const json_t *rules = NULL;
    char field[TL_ERR_FIELD_MAX];
    char ipath[TL_ERR_FIELD_MAX];
    json_t *nd = NULL;
    json_t *nr = NULL;
    size_t i;

    *defs_out = NULL;
    *rules_out = NULL;
    tl_json_array(product, "characteristics", path, 0, 0, MAX_DEFS, &defs, err);
    tl_json_array(product, "rules", path, 0, 0, MAX_DEFS, &rules, err);
    if (defs != NULL) {
        nd = json_array();
        tl_path_key(field, sizeof(field), path, "characteristics");
        for (i = 0; nd != NULL && i < json_array_size(defs); i++) {
            json_t *d;
            tl_path_index(ipath, sizeof(ipath), field, i);
            d = norm_def(json_array_get(defs, i), ipath, nd, err);
            if (d != NULL)
                json_array_append_new(nd, d);
        }
    }
    if (rules != NULL) {
        nr = json_array();
        tl_path_key(field, sizeof(field), path, "rules");
        if (defs == NULL && json_array_size(rules) > 0)
            tl_err_add(err, "required", field,
                       "rules need the product's characteristics in the "
                       "same entry");
        for (i = 0; nr != NULL && i < json_array_size(rules); i++) {
            json_t *r;
            tl_path_index(ipath, sizeof(ipath), field, i);
            r = norm_rule(json_array_get(rules, i), ipath, nd, err);
            if (r != NULL)
                json_array_append_new(nr, r);
        }
    }
    *defs_out = nd;
    *rules_out = nr;
}
