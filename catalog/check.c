/*
 * Checking an order item's characteristics ({name: value} as a salesperson
 * wrote them) against a product's definitions and rules, in memory; and
 * the database entry point that reads the definitions first.
 *
 * Every problem is reported, each once: a value of the wrong type is not
 * also checked against ranges, and a rule is only checked when both of its
 * values were readable.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "common/json.h"

/* Writes a value of a numeric type for a message: "500 Mbps" or "23". */
static void show(char *buf, size_t size, const char *type, int64_t v)
{
    if (strcmp(type, "bandwidth") == 0)
        catalog_bandwidth_format(buf, size, v);
    else
        snprintf(buf, size, "%lld", (long long)v);
}

/* The allowed values of a definition joined for a message. */
static void allowed_list(char *buf, size_t size, const json_t *allowed)
{
    size_t i;
    size_t n = 0;

    buf[0] = '\0';
    for (i = 0; i < json_array_size(allowed) && n + 1 < size; i++) {
        const json_t *v = json_array_get(allowed, i);
        int w;
        if (json_is_integer(v))
            w = snprintf(buf + n, size - n, "%s%lld", i ? ", " : "",
                         (long long)json_integer_value(v));
        else
            w = snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
                         json_string_value(v));
        if (w < 0 || (size_t)w >= size - n)
            break;
        n += (size_t)w;
    }
}

/* A value as written, for messages. */
static void written(char *buf, size_t size, const json_t *v)
{
    if (json_is_string(v))
        snprintf(buf, size, "\"%s\"", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, size, "%g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(buf, size, "a JSON %s",
                 json_is_object(v)  ? "object"
                 : json_is_array(v) ? "array"
                                    : "null");
}

/* Checks a numeric value; returns 0 and *n when it is readable. */
static int check_number(const json_t *def, const json_t *v, const char *name,
                        const char *field, int64_t *n, tl_err *err)
{
    const char *type = json_string_value(json_object_get(def, "valueType"));
    const json_t *allowed = json_object_get(def, "allowedValues");
    const json_t *b;
    char was[96];
    char lo[32];
    char hi[32];
    char list[256];
    int64_t min = INT64_MIN;
    int64_t max = INT64_MAX;
    int64_t m;
    size_t i;

    written(was, sizeof(was), v);
    if (catalog_value_number(n, type, v) != 0) {
        tl_err_add(err, "type", field,
                   strcmp(type, "integer") == 0
                       ? "%s must be a whole number, not %s"
                       : "%s must be a bandwidth such as \"500 Mbps\" or "
                         "\"1 Gbps\", not %s",
                   name, was);
        return -1;
    }
    show(was, sizeof(was), type, *n);
    if (allowed != NULL) {
        for (i = 0; i < json_array_size(allowed); i++)
            if (catalog_value_number(&m, type, json_array_get(allowed, i)) ==
                    0 &&
                m == *n)
                break;
        if (i == json_array_size(allowed)) {
            allowed_list(list, sizeof(list), allowed);
            tl_err_add(err, "not_allowed", field,
                       "%s must be %s%s for this product, not %s", name,
                       json_array_size(allowed) > 1 ? "one of " : "", list,
                       was);
        }
    }
    if ((b = json_object_get(def, "min")) != NULL)
        catalog_value_number(&min, type, b);
    if ((b = json_object_get(def, "max")) != NULL)
        catalog_value_number(&max, type, b);
    if (*n < min || *n > max) {
        show(lo, sizeof(lo), type, min);
        show(hi, sizeof(hi), type, max);
        if (min != INT64_MIN && max != INT64_MAX)
            tl_err_add(err, "range", field, "%s must be from %s to %s, not %s",
                       name, lo, hi, was);
        else if (min != INT64_MIN)
            tl_err_add(err, "range", field, "%s must be at least %s, not %s",
                       name, lo, was);
        else
            tl_err_add(err, "range", field, "%s must be at most %s, not %s",
                       name, hi, was);
    }
    if ((b = json_object_get(def, "multipleOf")) != NULL &&
        catalog_value_number(&m, type, b) == 0 && m > 0 && *n % m != 0) {
        show(lo, sizeof(lo), type, m);
        tl_err_add(err, "multiple_of", field,
                   "%s must be a multiple of %s, not %s", name, lo, was);
    }
    return 0;
}

static void check_other(const json_t *def, const json_t *v, const char *name,
                        const char *field, tl_err *err)
{
    const char *type = json_string_value(json_object_get(def, "valueType"));
    const json_t *allowed = json_object_get(def, "allowedValues");
    char was[96];
    char list[256];
    size_t i;

    written(was, sizeof(was), v);
    if (strcmp(type, "boolean") == 0) {
        const char *s = json_string_value(v);
        if (!json_is_boolean(v) &&
            (s == NULL || (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)))
            tl_err_add(err, "type", field, "%s must be true or false, not %s",
                       name, was);
        return;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) > 200) {
        tl_err_add(err, "type", field,
                   "%s must be a text of 1-200 characters, not %s", name, was);
        return;
    }
    if (strcmp(type, "enum") != 0)
        return;
    for (i = 0; i < json_array_size(allowed); i++)
        if (json_equal(json_array_get(allowed, i), (json_t *)v))
            return;
    allowed_list(list, sizeof(list), allowed);
    tl_err_add(err, "not_allowed", field, "%s must be one of %s, not %s", name,
               list, was);
}

static void check_rules(const json_t *defs, const json_t *rules,
                        const json_t *chars, const char *path, tl_err *err)
{
    size_t i;
    const json_t *r;

    json_array_foreach(rules, i, r)
    {
        const char *a = json_string_value(json_object_get(r, "characteristic"));
        const char *b = json_string_value(json_object_get(r, "other"));
        const json_t *da = catalog_def_find(defs, a);
        const char *type;
        char field[TL_ERR_FIELD_MAX];
        char ta[32];
        char tb[32];
        int64_t va;
        int64_t vb;

        if (da == NULL)
            continue;
        type = json_string_value(json_object_get(da, "valueType"));
        if (catalog_value_number(&va, type, json_object_get(chars, a)) != 0 ||
            catalog_value_number(&vb, type, json_object_get(chars, b)) != 0)
            continue;
        if (va <= vb)
            continue;
        show(ta, sizeof(ta), type, va);
        show(tb, sizeof(tb), type, vb);
        tl_path_key(field, sizeof(field), path, a);
        tl_err_add(err, "rule", field, "%s (%s) cannot exceed %s (%s)", a, ta,
                   b, tb);
    }
}

/* The names of defs joined for a message. */
static void names(char *buf, size_t size, const json_t *defs)
{
    size_t i;
    size_t n = 0;

    buf[0] = '\0';
    for (i = 0; i < json_array_size(defs); i++) {
        int w = snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
                         json_string_value(
                             json_object_get(json_array_get(defs, i), "name")));
        if (w < 0 || (size_t)w >= size - n)
            break;
        n += (size_t)w;
    }
}

void catalog_check_defs(const json_t *defs, const json_t *rules,
                        const json_t *chars, const char *path, tl_err *err)
{
    const char *name;
    const json_t *v;
    const json_t *d;
    char field[TL_ERR_FIELD_MAX];
    char list[256];
    size_t i;
    int64_t n;

    json_object_foreach((json_t *)chars, name, v)
    {
        const json_t *def = catalog_def_find(defs, name);
        const char *type;

        if (json_is_null(v))
            continue;
        tl_path_key(field, sizeof(field), path, name);
        if (def == NULL) {
            names(list, sizeof(list), defs);
            if (json_array_size(defs) == 0)
                tl_err_add(err, "unknown_characteristic", field,
                           "%s is not a characteristic of this product; it "
                           "has none",
                           name);
            else
                tl_err_add(err, "unknown_characteristic", field,
                           "%s is not a characteristic of this product; it "
                           "has %s",
                           name, list);
            continue;
        }
        type = json_string_value(json_object_get(def, "valueType"));
        if (strcmp(type, "integer") == 0 || strcmp(type, "bandwidth") == 0)
            check_number(def, v, name, field, &n, err);
        else
            check_other(def, v, name, field, err);
    }
    json_array_foreach(defs, i, d)
    {
        const char *dn = json_string_value(json_object_get(d, "name"));
        const json_t *given = json_object_get(chars, dn);
        if (json_is_true(json_object_get(d, "required")) &&
            (given == NULL || json_is_null(given)))
            tl_err_add(err, "required", path,
                       "characteristic %s is required for this product", dn);
    }
    check_rules(defs, rules, chars, path, err);
}

int catalog_check_characteristics(tl_db *db, const char *product_id,
                                  const json_t *chars, const char *path,
                                  tl_err *err)
{
    tl_err local = TL_ERR_INIT;
    catalog_product_t product;
    json_t *defs = NULL;
    json_t *rules = NULL;
    int rc;

    rc = catalog_product_get(&product, db, product_id, &local);
    if (rc == 0)
        rc = catalog_defs_read(&defs, &rules, db, product_id, &local);
    if (rc == TL_ENOTFOUND)
        goto cleanup;
    if (rc < 0) {
        tl_err_set(err, rc, local.code, local.field, "%s", local.message);
        goto cleanup;
    }
    catalog_check_defs(defs, rules, chars, path, err);
cleanup:
    json_decref(defs);
    json_decref(rules);
    tl_err_clear(&local);
    return rc;
}
