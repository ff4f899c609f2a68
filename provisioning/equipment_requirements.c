/*
 * Equipment models and the equipment each product needs, loaded from a
 * small JSON file (format in equipment.h and the README). Everything is
 * checked first, with every problem at its path; then each row is added,
 * or updated to the file's values, in one transaction and one audit event.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "common/audit.h"
#include "common/json.h"
#include "provisioning/equipment.h"

static const char *const kinds[] = {"cable_modem", "router", "iad",
                                    "firewall",    "switch", NULL};

static int kind_known(const char *kind)
{
    size_t i;

    for (i = 0; kinds[i] != NULL; i++)
        if (strcmp(kinds[i], kind) == 0)
            return 1;
    return 0;
}

/* A boolean member; absent is dflt. */
static int read_bool(const json_t *obj, const char *key, const char *path,
                     int required, int dflt, int *out, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const json_t *v = json_object_get(obj, key);

    *out = dflt;
    tl_path_key(field, sizeof(field), path, key);
    if (v == NULL) {
        if (required)
            return tl_err_add(err, "required", field, "%s is required", key);
        return 0;
    }
    if (!json_is_boolean(v))
        return tl_err_add(err, "type", field, "%s must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

static int check_kind(const json_t *obj, const char *path, const char **kind,
                      tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];

    if (tl_json_str(obj, "kind", path, 1, 16, kind, err) < 0 || *kind == NULL)
        return TL_EINVALID;
    if (kind_known(*kind))
        return 0;
    tl_path_key(field, sizeof(field), path, "kind");
    return tl_err_add(err, "unknown_kind", field,
                      "kind must be cable_modem, router, iad, firewall or "
                      "switch, not \"%s\"",
                      *kind);
}

/* Checks one model; a bad one adds problems. */
static int check_model(tl_db *db, const json_t *m, const char *path,
                       tl_err *err)
{
    static const char *const keys[] = {"model",    "kind",    "maker",
                                       "needsMac", "feeCode", NULL};
    char field[TL_ERR_FIELD_MAX];
    const char *s = NULL;
    const char *fee = NULL;
    catalog_code_t code;
    tl_err lookup = TL_ERR_INIT;
    int b;
    int rc;

    if (!json_is_object(m))
        return tl_err_add(err, "type", path, "a model is an object");
    tl_json_only_keys(m, path, keys, err);
    tl_json_str(m, "model", path, 1, 47, &s, err);
    check_kind(m, path, &s, err);
    tl_json_str(m, "maker", path, 1, 80, &s, err);
    read_bool(m, "needsMac", path, 0, 0, &b, err);
    if (tl_json_str(m, "feeCode", path, 0, 39, &fee, err) < 0 || fee == NULL)
        return 0;
    rc = catalog_code_get(&code, db, fee, &lookup);
    tl_err_clear(&lookup);
    if (rc == TL_ENOTFOUND) {
        tl_path_key(field, sizeof(field), path, "feeCode");
        return tl_err_add(err, "unknown_code", field,
                          "service code %s is not in the catalog", fee);
    }
    if (rc < 0)
        return tl_err_set(err, rc, "internal", "", "catalog lookup failed");
    if (strcmp(code.charge_kind, "NRC") != 0) {
        tl_path_key(field, sizeof(field), path, "feeCode");
        return tl_err_add(err, "not_nrc", field,
                          "%s is a monthly charge; a non-return fee is an "
                          "NRC",
                          fee);
    }
    return 0;
}

static int check_requirement(tl_db *db, const json_t *r, const char *path,
                             tl_err *err)
{
    static const char *const keys[] = {"product", "kind", "required", NULL};
    char field[TL_ERR_FIELD_MAX];
    const char *product = NULL;
    const char *kind = NULL;
    tl_err lookup = TL_ERR_INIT;
    int exists = 0;
    int b;
    int rc;

    if (!json_is_object(r))
        return tl_err_add(err, "type", path, "a requirement is an object");
    tl_json_only_keys(r, path, keys, err);
    check_kind(r, path, &kind, err);
    read_bool(r, "required", path, 1, 0, &b, err);
    if (tl_json_str(r, "product", path, 1, 39, &product, err) < 0 ||
        product == NULL)
        return 0;
    rc = catalog_product_exists(&exists, db, product, &lookup);
    tl_err_clear(&lookup);
    if (rc < 0)
        return tl_err_set(err, rc, "internal", "", "catalog lookup failed");
    if (!exists) {
        tl_path_key(field, sizeof(field), path, "product");
        return tl_err_add(err, "unknown_product", field,
                          "product %s is not in the catalog", product);
    }
    return 0;
}

/* The same key twice in one array. */
static void check_duplicates(const json_t *arr, const char *name,
                             const char *k1, const char *k2, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    size_t i;
    size_t j;

    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *a = json_array_get(arr, i);
        for (j = 0; j < i; j++) {
            const json_t *b = json_array_get(arr, j);
            const char *a1 = json_string_value(json_object_get(a, k1));
            const char *b1 = json_string_value(json_object_get(b, k1));
            const char *a2 =
                k2 ? json_string_value(json_object_get(a, k2)) : "";
            const char *b2 =
                k2 ? json_string_value(json_object_get(b, k2)) : "";
            if (a1 == NULL || b1 == NULL || a2 == NULL || b2 == NULL ||
                strcmp(a1, b1) != 0 || strcmp(a2, b2) != 0)
                continue;
            snprintf(field, sizeof(field), "%s[%zu]", name, i);
            tl_err_add(err, "duplicate", field, "the same as %s[%zu]", name, j);
            break;
        }
    }
}

typedef struct req_ctx {
    const json_t *models;
    const json_t *reqs;
    const char *actor;
    provisioning_requirements_result *res;
} req_ctx;

/* Counts an upsert: 1 row with inserted true: added; 1 row: changed; none:
 * unchanged. */
static int count_upsert(tl_db *db, const char *name, const char *sql,
                        const tl_params *p, int *added, int *changed,
                        int *unchanged, tl_err *err)
{
    PGresult *res = NULL;
    tl_row row;
    int inserted = 0;
    int rc;

    rc = tl_db_query_one(db, &res, name, sql, p, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        (*unchanged)++;
        return 0;
    }
    row.res = res;
    row.row = 0;
    rc = tl_row_bool(&row, "inserted", &inserted, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    if (inserted)
        (*added)++;
    else
        (*changed)++;
    return 0;
}

static int req_tx(tl_db *db, void *cls, tl_err *err)
{
    req_ctx *ctx = cls;
    provisioning_requirements_result *r = ctx->res;
    json_t *after;
    tl_params p;
    size_t i;
    int rc;

    memset(r, 0, sizeof(*r));
    for (i = 0; i < json_array_size(ctx->models); i++) {
        const json_t *m = json_array_get(ctx->models, i);
        const json_t *fee = json_object_get(m, "feeCode");
        tl_params_init(&p);
        tl_params_text(&p, json_string_value(json_object_get(m, "model")));
        tl_params_text(&p, json_string_value(json_object_get(m, "kind")));
        tl_params_text(&p, json_string_value(json_object_get(m, "maker")));
        tl_params_bool(&p, json_is_true(json_object_get(m, "needsMac")));
        tl_params_text(&p, json_string_value(fee));
        rc = count_upsert(
            db, "provisioning_equipment_model_put",
            "INSERT INTO provisioning.equipment_model AS t (model, kind,"
            " maker, needs_mac, fee_code) VALUES ($1, $2, $3, $4::boolean, $5)"
            " ON CONFLICT (model) DO UPDATE SET kind = EXCLUDED.kind,"
            " maker = EXCLUDED.maker, needs_mac = EXCLUDED.needs_mac,"
            " fee_code = EXCLUDED.fee_code"
            " WHERE (t.kind, t.maker, t.needs_mac, t.fee_code)"
            " IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.maker,"
            " EXCLUDED.needs_mac, EXCLUDED.fee_code)"
            " RETURNING (xmax = 0) AS inserted",
            &p, &r->models_added, &r->models_changed, &r->unchanged, err);
        if (rc < 0)
            return rc;
    }
    for (i = 0; i < json_array_size(ctx->reqs); i++) {
        const json_t *q = json_array_get(ctx->reqs, i);
        tl_params_init(&p);
        tl_params_text(&p, json_string_value(json_object_get(q, "product")));
        tl_params_text(&p, json_string_value(json_object_get(q, "kind")));
        tl_params_bool(&p, json_is_true(json_object_get(q, "required")));
        rc = count_upsert(
            db, "provisioning_product_equipment_put",
            "INSERT INTO provisioning.product_equipment AS t (product_id,"
            " kind, required) VALUES ($1, $2, $3::boolean)"
            " ON CONFLICT (product_id, kind) DO UPDATE"
            " SET required = EXCLUDED.required"
            " WHERE t.required IS DISTINCT FROM EXCLUDED.required"
            " RETURNING (xmax = 0) AS inserted",
            &p, &r->requirements_added, &r->requirements_changed, &r->unchanged,
            err);
        if (rc < 0)
            return rc;
    }
    if (r->models_added + r->models_changed + r->requirements_added +
            r->requirements_changed ==
        0)
        return 0;
    after =
        json_pack("{s:i, s:i, s:i, s:i, s:i}", "modelsAdded", r->models_added,
                  "modelsChanged", r->models_changed, "requirementsAdded",
                  r->requirements_added, "requirementsChanged",
                  r->requirements_changed, "unchanged", r->unchanged);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "equipment.requirements_load",
                  "equipment_requirements", "", 0, NULL, after, err);
    json_decref(after);
    return rc;
}

int provisioning_equipment_requirements_load(
    provisioning_requirements_result *out, tl_db *db, const json_t *doc,
    const char *actor, tl_err *err)
{
    static const char *const keys[] = {"models", "requirements", NULL};
    req_ctx ctx = {NULL, NULL, actor, out};
    char path[TL_ERR_FIELD_MAX];
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(doc))
        return tl_err_add(err, "type", "",
                          "the file is an object {models, requirements}");
    tl_json_only_keys(doc, "", keys, err);
    tl_json_array(doc, "models", "", 0, 0, 1000, &ctx.models, err);
    tl_json_array(doc, "requirements", "", 0, 0, 1000, &ctx.reqs, err);
    for (i = 0; i < json_array_size(ctx.models); i++) {
        tl_path_index(path, sizeof(path), "models", i);
        rc = check_model(db, json_array_get(ctx.models, i), path, err);
        if (rc < 0 && rc != TL_EINVALID)
            return rc;
    }
    for (i = 0; i < json_array_size(ctx.reqs); i++) {
        tl_path_index(path, sizeof(path), "requirements", i);
        rc = check_requirement(db, json_array_get(ctx.reqs, i), path, err);
        if (rc < 0 && rc != TL_EINVALID)
            return rc;
    }
    check_duplicates(ctx.models, "models", "model", NULL, err);
    check_duplicates(ctx.reqs, "requirements", "product", "kind", err);
    if (ctx.models == NULL && ctx.reqs == NULL && !tl_err_has_problems(err))
        tl_err_add(err, "required", "",
                   "the file has no models and no "
                   "requirements");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    return tl_db_run_tx(db, "provisioning_equipment_requirements", req_tx, &ctx,
                        err);
}
