/*
 * Products in the database: reading one (as a struct, or in the catalog
 * file's form with its characteristics, rules and components), and storing
 * a validated product entry.
 *
 * Storing follows the load's rule that history is never rewritten: a
 * product, characteristic set, rule set or component stored with other
 * values is a "conflict". Characteristics or rules given for a product
 * stored without any are an addition, so that a catalog loaded before
 * products had characteristics can be completed by a newer file. A file
 * that does not mention characteristics or rules leaves them as they are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "common/json.h"

static int is_role(const char *s)
{
    size_t i;
    size_t n = strlen(s);

    if (n == 0 || n > 23 || s[0] < 'a' || s[0] > 'z')
        return 0;
    for (i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

void catalog_place_roles_normalize(json_t **out, const json_t *product,
                                   const char *path, tl_err *err)
{
    const json_t *roles = NULL;
    char field[TL_ERR_FIELD_MAX];
    char ipath[TL_ERR_FIELD_MAX];
    size_t i;
    size_t j;
    int bad = 0;

    *out = NULL;
    if (tl_json_array(product, "placeRoles", path, 0, 1, 4, &roles, err) < 0)
        return;
    if (roles == NULL) {
        *out = json_pack("[s]", "serviceAddress");
        return;
    }
    tl_path_key(field, sizeof(field), path, "placeRoles");
    for (i = 0; i < json_array_size(roles); i++) {
        const json_t *r = json_array_get(roles, i);
        tl_path_index(ipath, sizeof(ipath), field, i);
        if (!json_is_string(r) || !is_role(json_string_value(r))) {
            tl_err_add(err, "format", ipath,
                       "a place role is camelCase, e.g. serviceAddress or "
                       "aLocation");
            bad = 1;
            continue;
        }
        for (j = 0; j < i; j++)
            if (json_equal(json_array_get(roles, j), (json_t *)r)) {
                tl_err_add(err, "duplicate", ipath,
                           "place role %s is listed twice",
                           json_string_value(r));
                bad = 1;
            }
    }
    if (!bad)
        *out = json_deep_copy(roles);
}

static int read_product(const tl_row *row, catalog_product_t *out, tl_err *err)
{
    const char *id = NULL;
    const char *name = NULL;
    const char *family = NULL;
    const char *roles = NULL;
    json_t *arr;
    size_t i;

    memset(out, 0, sizeof(*out));
    if (tl_row_text(row, "product_id", &id, err) < 0 ||
        tl_row_text(row, "name", &name, err) < 0 ||
        tl_row_text(row, "family", &family, err) < 0 ||
        tl_row_text(row, "place_roles", &roles, err) < 0)
        return TL_ERROR;
    snprintf(out->id, sizeof(out->id), "%s", id);
    snprintf(out->name, sizeof(out->name), "%s", name);
    snprintf(out->family, sizeof(out->family), "%s", family);
    arr = json_loads(roles, 0, NULL);
    for (i = 0; i < json_array_size(arr) && i < 4; i++)
        snprintf(out->place_roles[i], sizeof(out->place_roles[i]), "%s",
                 json_string_value(json_array_get(arr, i)));
    out->n_place_roles = (int)i;
    json_decref(arr);
    return 0;
}

int catalog_product_get(catalog_product_t *out, tl_db *db,
                        const char *product_id, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_text(&p, product_id);
    rc = tl_db_query_one(db, &res, "catalog_product_get",
                         "SELECT product_id, name, family,"
                         " array_to_json(place_roles)::text AS place_roles"
                         " FROM catalog.product WHERE product_id = $1",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == TL_DB_NONE)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_product", "product",
                          "product %s is not in the catalog", product_id);
    row.res = res;
    row.row = 0;
    rc = read_product(&row, out, err);
    PQclear(res);
    return rc;
}

/* ---- characteristics and rules as stored ---- */

static int def_row(const tl_row *row, void *cls, tl_err *err)
{
    json_t *defs = cls;
    const char *name = NULL;
    const char *type = NULL;
    const char *allowed = NULL;
    const char *unit = NULL;
    static const char *const bounds[][2] = {{"min_value", "min"},
                                            {"max_value", "max"},
                                            {"multiple_of", "multipleOf"}};
    json_t *def;
    int required = 0;
    size_t i;

    if (tl_row_text(row, "name", &name, err) < 0 ||
        tl_row_text(row, "value_type", &type, err) < 0 ||
        tl_row_bool(row, "required", &required, err) < 0 ||
        tl_row_text(row, "allowed", &allowed, err) < 0 ||
        tl_row_text(row, "unit", &unit, err) < 0)
        return TL_ERROR;
    def = json_pack("{s:s, s:s, s:b}", "name", name, "valueType", type,
                    "required", required);
    if (def == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    if (allowed != NULL) {
        json_t *in = json_loads(allowed, 0, NULL);
        json_t *out = json_array();
        for (i = 0; i < json_array_size(in); i++) {
            json_t *v = json_array_get(in, i);
            int64_t n;
            if (strcmp(type, "integer") == 0 &&
                catalog_value_number(&n, type, v) == 0)
                json_array_append_new(out, json_integer(n));
            else
                json_array_append(out, v);
        }
        json_decref(in);
        json_object_set_new(def, "allowedValues", out);
    }
    for (i = 0; i < 3; i++) {
        int64_t v;
        int isnull = 1;
        if (tl_row_int64_opt(row, bounds[i][0], &v, &isnull, err) < 0) {
            json_decref(def);
            return TL_ERROR;
        }
        if (!isnull)
            json_object_set_new(def, bounds[i][1],
                                catalog_number_json(type, v));
    }
    if (unit != NULL)
        json_object_set_new(def, "unit", json_string(unit));
    return json_array_append_new(defs, def) == 0
               ? 0
               : tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
}

static int rule_row(const tl_row *row, void *cls, tl_err *err)
{
    json_t *rules = cls;
    const char *a = NULL;
    const char *b = NULL;

    if (tl_row_text(row, "characteristic", &a, err) < 0 ||
        tl_row_text(row, "other", &b, err) < 0)
        return TL_ERROR;
    return json_array_append_new(
               rules, json_pack("{s:s, s:s, s:s}", "rule", "notGreaterThan",
                                "characteristic", a, "other", b)) == 0
               ? 0
               : tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
}

int catalog_defs_read(json_t **defs, json_t **rules, tl_db *db,
                      const char *product_id, tl_err *err)
{
    tl_params p;
    int rc;

    *defs = json_array();
    *rules = json_array();
    if (*defs == NULL || *rules == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto fail;
    }
    tl_params_init(&p);
    tl_params_text(&p, product_id);
    rc = tl_db_select(db, "catalog_defs_read",
                      "SELECT name, value_type, required,"
                      " array_to_json(allowed_values)::text AS allowed,"
                      " min_value, max_value, multiple_of, unit"
                      " FROM catalog.characteristic_def"
                      " WHERE product_id = $1 ORDER BY position",
                      &p, def_row, *defs, err);
    if (rc < 0)
        goto fail;
    rc = tl_db_select(db, "catalog_rules_read",
                      "SELECT characteristic, other FROM catalog.product_rule"
                      " WHERE product_id = $1 AND rule = 'not_greater_than'"
                      " ORDER BY characteristic, other",
                      &p, rule_row, *rules, err);
    if (rc < 0)
        goto fail;
    return 0;
fail:
    json_decref(*defs);
    json_decref(*rules);
    *defs = NULL;
    *rules = NULL;
    return rc;
}

static int component_row(const tl_row *row, void *cls, tl_err *err)
{
    json_t *codes = cls;
    const char *code = NULL;
    const char *from = NULL;
    const char *when = NULL;
    json_t *v;

    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "quantity_from", &from, err) < 0 ||
        tl_row_text(row, "included_when", &when, err) < 0)
        return TL_ERROR;
    if (from == NULL && when == NULL) {
        v = json_string(code);
    } else {
        v = json_pack("{s:s}", "code", code);
        if (v != NULL && from != NULL)
            json_object_set_new(v, "quantityFrom", json_string(from));
        if (v != NULL && when != NULL)
            json_object_set_new(v, "includedWhen", json_string(when));
    }
    return json_array_append_new(codes, v) == 0
               ? 0
               : tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
}

int catalog_product_describe(json_t **out, tl_db *db, const char *product_id,
                             tl_err *err)
{
    catalog_product_t prod;
    json_t *doc = NULL;
    json_t *roles = NULL;
    json_t *codes = NULL;
    json_t *defs = NULL;
    json_t *rules = NULL;
    tl_params p;
    int rc;
    int i;

    *out = NULL;
    rc = catalog_product_get(&prod, db, product_id, err);
    if (rc < 0)
        return rc;
    roles = json_array();
    codes = json_array();
    if (roles == NULL || codes == NULL)
        goto oom;
    for (i = 0; i < prod.n_place_roles; i++)
        json_array_append_new(roles, json_string(prod.place_roles[i]));
    tl_params_init(&p);
    tl_params_text(&p, product_id);
    rc =
        tl_db_select(db, "catalog_components_read",
                     "SELECT code, quantity_from, included_when"
                     " FROM catalog.product_component"
                     " WHERE product_id = $1 ORDER BY code",
                     &p, component_row, codes, err);
    if (rc < 0)
        goto cleanup;
    rc = catalog_defs_read(&defs, &rules, db, product_id, err);
    if (rc < 0)
        goto cleanup;
    doc = json_pack("{s:s, s:s, s:s, s:O, s:O}", "id", prod.id, "name",
                    prod.name, "family", prod.family, "placeRoles", roles,
                    "serviceCodes", codes);
    if (doc == NULL)
        goto oom;
    if (json_array_size(defs) > 0)
        json_object_set(doc, "characteristics", defs);
    if (json_array_size(rules) > 0)
        json_object_set(doc, "rules", rules);
    *out = doc;
    rc = 0;
    goto cleanup;
oom:
    rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
cleanup:
    json_decref(roles);
    json_decref(codes);
    json_decref(defs);
    json_decref(rules);
    return rc;
}

/* ---- storing ---- */

/* The allowed values of a normalised definition as a JSON array of the
 * texts stored in allowed_values, or NULL. The caller frees it. */
static char *allowed_text(const json_t *def)
{
    const json_t *allowed = json_object_get(def, "allowedValues");
    json_t *texts;
    char buf[32];
    char *s;
    size_t i;

    if (allowed == NULL)
        return NULL;
    texts = json_array();
    for (i = 0; i < json_array_size(allowed); i++) {
        const json_t *v = json_array_get(allowed, i);
        if (json_is_integer(v)) {
            snprintf(buf, sizeof(buf), "%lld",
                     (long long)json_integer_value(v));
            json_array_append_new(texts, json_string(buf));
        } else
            json_array_append(texts, (json_t *)v);
    }
    s = json_dumps(texts, JSON_COMPACT);
    json_decref(texts);
    return s;
}

static void param_bound(tl_params *p, const json_t *def, const char *key)
{
    const char *type = json_string_value(json_object_get(def, "valueType"));
    const json_t *v = json_object_get(def, key);
    int64_t n;

    if (v != NULL && catalog_value_number(&n, type, v) == 0)
        tl_params_int64(p, n);
    else
        tl_params_null(p);
}

static int insert_def(tl_db *db, const char *id, const json_t *def,
                      int position, tl_err *err)
{
    char *allowed = allowed_text(def);
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, id);
    tl_params_text(&p, json_string_value(json_object_get(def, "name")));
    tl_params_text(&p, json_string_value(json_object_get(def, "valueType")));
    tl_params_bool(&p, json_is_true(json_object_get(def, "required")));
    tl_params_text(&p, allowed);
    param_bound(&p, def, "min");
    param_bound(&p, def, "max");
    param_bound(&p, def, "multipleOf");
    tl_params_text(&p, json_string_value(json_object_get(def, "unit")));
    tl_params_int64(&p, position);
    rc = tl_db_exec(db, "catalog_def_insert",
                    "INSERT INTO catalog.characteristic_def (product_id,"
                    " name, value_type, required, allowed_values, min_value,"
                    " max_value, multiple_of, unit, position)"
                    " VALUES ($1, $2, $3, $4::boolean,"
                    " CASE WHEN $5::json IS NULL THEN NULL"
                    " ELSE ARRAY(SELECT json_array_elements_text($5::json))"
                    " END, $6::bigint, $7::bigint, $8::bigint, $9,"
                    " $10::int)",
                    &p, err);
    free(allowed);
    return rc < 0 ? rc : 0;
}

static int insert_rule(tl_db *db, const char *id, const json_t *rule,
                       tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, id);
    tl_params_text(&p,
                   json_string_value(json_object_get(rule, "characteristic")));
    tl_params_text(&p, json_string_value(json_object_get(rule, "other")));
    rc = tl_db_exec(db, "catalog_rule_insert",
                    "INSERT INTO catalog.product_rule (product_id, rule,"
                    " characteristic, other)"
                    " VALUES ($1, 'not_greater_than', $2, $3)",
                    &p, err);
    return rc < 0 ? rc : 0;
}

/* Same rules in any order. */
static int same_rules(const json_t *a, const json_t *b)
{
    size_t i;
    size_t j;

    if (json_array_size(a) != json_array_size(b))
        return 0;
    for (i = 0; i < json_array_size(a); i++) {
        for (j = 0; j < json_array_size(b); j++)
            if (json_equal(json_array_get(a, i), json_array_get(b, j)))
                break;
        if (j == json_array_size(b))
            return 0;
    }
    return 1;
}

/* How many of defs are new optional characteristics appended after the
 * stored ones (sdefs a prefix of defs): the catalog may grow a product by
 * optional characteristics without rewriting anything sold before. -1 when
 * defs is not such an extension of sdefs. */
static int appended_optional(const json_t *defs, const json_t *sdefs)
{
    size_t n = json_array_size(sdefs);
    size_t i;

    if (json_array_size(defs) <= n)
        return -1;
    for (i = 0; i < n; i++)
        if (!json_equal(json_array_get(defs, i), json_array_get(sdefs, i)))
            return -1;
    for (; i < json_array_size(defs); i++)
        if (json_is_true(json_object_get(json_array_get(defs, i), "required")))
            return -1;
    return (int)(json_array_size(defs) - n);
}

/* Adds or compares the characteristics and rules the entry gives. */
static int write_defs(tl_db *db, const char *id, const json_t *prod,
                      const char *path, catalog_load_result *res, tl_err *err)
{
    tl_err scratch = TL_ERR_INIT;
    json_t *defs = NULL;
    json_t *rules = NULL;
    json_t *sdefs = NULL;
    json_t *srules = NULL;
    char field[TL_ERR_FIELD_MAX];
    size_t i;
    int rc;

    catalog_defs_normalize(&defs, &rules, prod, path, &scratch);
    tl_err_clear(&scratch);
    rc = catalog_defs_read(&sdefs, &srules, db, id, err);
    if (rc < 0)
        goto cleanup;
    if (defs != NULL && !json_equal(defs, sdefs) &&
        (json_array_size(sdefs) == 0 || appended_optional(defs, sdefs) > 0)) {
        for (i = json_array_size(sdefs); i < json_array_size(defs) && rc == 0;
             i++)
            rc = insert_def(db, id, json_array_get(defs, i), (int)i, err);
        res->characteristics_added +=
            (int)(json_array_size(defs) - json_array_size(sdefs));
    } else if (defs != NULL && !json_equal(defs, sdefs)) {
        tl_path_key(field, sizeof(field), path, "characteristics");
        catalog_conflict(err, field, "the product's characteristics");
    } else if (defs != NULL)
        res->unchanged++;
    if (rc < 0)
        goto cleanup;
    if (rules != NULL && json_array_size(srules) == 0) {
        for (i = 0; i < json_array_size(rules) && rc == 0; i++)
            rc = insert_rule(db, id, json_array_get(rules, i), err);
        res->rules_added += (int)json_array_size(rules);
    } else if (rules != NULL && !same_rules(rules, srules)) {
        tl_path_key(field, sizeof(field), path, "rules");
        catalog_conflict(err, field, "the product's rules");
    } else if (rules != NULL)
        res->unchanged++;
cleanup:
    json_decref(defs);
    json_decref(rules);
    json_decref(sdefs);
    json_decref(srules);
    return rc;
}

static int write_component(tl_db *db, const char *id, const json_t *m,
                           const char *path, tl_err *err)
{
    const char *code = json_is_string(m)
                           ? json_string_value(m)
                           : json_string_value(json_object_get(m, "code"));
    const char *from = json_string_value(json_object_get(m, "quantityFrom"));
    const char *when = json_string_value(json_object_get(m, "includedWhen"));
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, id);
    tl_params_text(&p, code);
    tl_params_text(&p, from);
    tl_params_text(&p, when);
    rc = tl_db_exec(db, "catalog_component_insert",
                    "INSERT INTO catalog.product_component"
                    " (product_id, code, quantity_from, included_when)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                    &p, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = tl_db_exec(db, "catalog_component_same",
                    "SELECT 1 FROM catalog.product_component"
                    " WHERE product_id = $1 AND code = $2"
                    " AND quantity_from IS NOT DISTINCT FROM $3"
                    " AND included_when IS NOT DISTINCT FROM $4",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return catalog_conflict(err, path, code);
    return 0;
}

int catalog_product_write(tl_db *db, const json_t *prod, const char *path,
                          catalog_load_result *res, tl_err *err)
{
    const char *id = json_string_value(json_object_get(prod, "id"));
    const json_t *members = json_object_get(prod, "serviceCodes");
    tl_err scratch = TL_ERR_INIT;
    json_t *roles = NULL;
    char *roles_text = NULL;
    char field[TL_ERR_FIELD_MAX];
    char mpath[TL_ERR_FIELD_MAX];
    tl_params p;
    size_t i;
    int rc;

    catalog_place_roles_normalize(&roles, prod, path, &scratch);
    tl_err_clear(&scratch);
    roles_text = json_dumps(roles, JSON_COMPACT);
    json_decref(roles);
    if (roles_text == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_text(&p, id);
    tl_params_text(&p, json_string_value(json_object_get(prod, "name")));
    tl_params_text(&p, json_string_value(json_object_get(prod, "family")));
    tl_params_text(&p, roles_text);
    rc = tl_db_exec(db, "catalog_product_insert",
                    "INSERT INTO catalog.product"
                    " (product_id, name, family, place_roles)"
                    " VALUES ($1, $2, $3,"
                    " ARRAY(SELECT json_array_elements_text($4::json)))"
                    " ON CONFLICT (product_id) DO NOTHING",
                    &p, err);
    if (rc == 1) {
        res->products_added++;
    } else if (rc == 0) {
        rc = tl_db_exec(db, "catalog_product_same",
                        "SELECT 1 FROM catalog.product WHERE product_id = $1"
                        " AND name = $2 AND family = $3 AND place_roles ="
                        " ARRAY(SELECT json_array_elements_text($4::json))",
                        &p, err);
        if (rc == 0)
            catalog_conflict(err, path, id);
        else if (rc > 0)
            res->unchanged++;
    }
    free(roles_text);
    if (rc < 0)
        return rc;
    rc = write_defs(db, id, prod, path, res, err);
    if (rc < 0)
        return rc;
    tl_path_key(field, sizeof(field), path, "serviceCodes");
    for (i = 0; i < json_array_size(members); i++) {
        tl_path_index(mpath, sizeof(mpath), field, i);
        rc = write_component(db, id, json_array_get(members, i), mpath, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}
