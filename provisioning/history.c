/*
 * Service history: the append-only versions of a service (provisioning.h),
 * the service as of a date, and service-code changes.
 */
#include <stdio.h>
#include <string.h>

#include "common/audit.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

int prov_add_version(tl_db *db, int64_t account_id, int64_t service_id,
                     const char *kind, tl_date effective, int64_t order_id,
                     const char *item_id, const char *actor, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, service_id);
    tl_params_date(&p, effective);
    tl_params_text(&p, kind);
    if (order_id != 0)
        tl_params_int64(&p, order_id);
    else
        tl_params_null(&p);
    tl_params_text(&p, order_id != 0 ? item_id : NULL);
    tl_params_text(&p, actor);
    return tl_db_exec(
        db, "prov_add_version",
        "INSERT INTO provisioning.service_version (account_id, service_id,"
        " version, effective_date, kind, state, product_id, address_id,"
        " z_address_id, characteristics, codes, order_id, item_id, actor)"
        " SELECT s.account_id, s.service_id,"
        " coalesce((SELECT max(v.version) FROM provisioning.service_version v"
        "  WHERE v.account_id = s.account_id"
        "  AND v.service_id = s.service_id), 0) + 1,"
        " $3::date, $4, s.state, s.product_id, s.address_id, s.z_address_id,"
        " s.characteristics,"
        " coalesce((SELECT jsonb_agg(jsonb_build_object('code', c.code,"
        "   'quantity', c.quantity) ORDER BY c.code)"
        "  FROM provisioning.service_code c"
        "  WHERE c.account_id = s.account_id"
        "  AND c.service_id = s.service_id), '[]'),"
        " $5::bigint, $6, $7"
        " FROM provisioning.service s"
        " WHERE s.account_id = $1::bigint AND s.service_id = $2::bigint",
        &p, err);
}

#define ADDRESS_TEXT(a)                                                        \
    a ".line1 || coalesce(', ' || " a ".line2, '') || ', ' || " a              \
      ".city || ' ' || " a ".region || ' ' || " a ".postcode"

#define VERSION_COLUMNS                                                        \
    "SELECT v.version, v.effective_date, v.kind, v.state, v.product_id,"       \
    " " ADDRESS_TEXT(                                                          \
        "a") " AS address,"                                                    \
             " coalesce(" ADDRESS_TEXT(                                        \
                 "z") ", '') AS z_address,"                                    \
                      " v.characteristics::text AS characteristics, "          \
                      "v.codes::text AS codes,"                                \
                      " coalesce(o.order_number, '') AS order_number,"         \
                      " coalesce(v.item_id, '') AS item_id, v.actor,"          \
                      " to_char(v.recorded_at AT TIME ZONE 'UTC',"             \
                      "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS recorded_at"     \
                      " FROM provisioning.service s"                           \
                      " JOIN provisioning.service_version v USING "            \
                      "(account_id, service_id)"                               \
                      " JOIN accounts.address a ON a.address_id = "            \
                      "v.address_id"                                           \
                      " LEFT JOIN accounts.address z ON z.address_id = "       \
                      "v.z_address_id"                                         \
                      " LEFT JOIN orders.sales_order o ON o.account_id = "     \
                      "v.account_id"                                           \
                      "  AND o.order_id = v.order_id"

typedef struct version_ctx {
    provisioning_version_fn fn;
    void *cls;
} version_ctx;

static int version_row(const tl_row *row, void *cls, tl_err *err)
{
    version_ctx *ctx = cls;
    provisioning_version_t v;

    memset(&v, 0, sizeof(v));
    if (tl_row_int(row, "version", &v.version, err) < 0 ||
        tl_row_date(row, "effective_date", &v.effective_date, err) < 0 ||
        tl_row_text(row, "kind", &v.kind, err) < 0 ||
        tl_row_text(row, "state", &v.state, err) < 0 ||
        tl_row_text(row, "product_id", &v.product_id, err) < 0 ||
        tl_row_text(row, "address", &v.address, err) < 0 ||
        tl_row_text(row, "z_address", &v.z_address, err) < 0 ||
        tl_row_text(row, "characteristics", &v.characteristics, err) < 0 ||
        tl_row_text(row, "codes", &v.codes, err) < 0 ||
        tl_row_text(row, "order_number", &v.order_number, err) < 0 ||
        tl_row_text(row, "item_id", &v.item_id, err) < 0 ||
        tl_row_text(row, "actor", &v.actor, err) < 0 ||
        tl_row_text(row, "recorded_at", &v.recorded_at, err) < 0)
        return TL_ERROR;
    return ctx->fn(&v, ctx->cls, err);
}

int provisioning_service_history(tl_db *db, const char *circuit_id,
                                 provisioning_version_fn fn, void *cls,
                                 tl_err *err)
{
    provisioning_service_t svc;
    version_ctx ctx = {fn, cls};
    tl_params p;
    int rc;

    rc = provisioning_service_get(&svc, db, circuit_id, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_text(&p, circuit_id);
    return tl_db_select(db, "provisioning_service_history",
                        VERSION_COLUMNS " WHERE s.circuit_id = $1"
                                        " ORDER BY v.effective_date,"
                                        " v.version",
                        &p, version_row, &ctx, err);
}

int provisioning_service_as_of(tl_db *db, const char *circuit_id, tl_date on,
                               provisioning_version_fn fn, void *cls,
                               tl_err *err)
{
    provisioning_service_t svc;
    version_ctx ctx = {fn, cls};
    char day[16];
    tl_params p;
    int rc;

    rc = provisioning_service_get(&svc, db, circuit_id, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_text(&p, circuit_id);
    tl_params_date(&p, on);
    rc = tl_db_select(db, "provisioning_service_as_of",
                      VERSION_COLUMNS " WHERE s.circuit_id = $1"
                                      " AND v.effective_date <= $2::date"
                                      " ORDER BY v.effective_date DESC,"
                                      " v.version DESC LIMIT 1",
                      &p, version_row, &ctx, err);
    if (rc != 0)
        return rc;
    tl_date_format(day, sizeof(day), on);
    return tl_err_set(err, TL_ENOTFOUND, "not_in_service", "asOf",
                      "circuit %s was not yet in service on %s", circuit_id,
                      day);
}

/* ---- service-code changes ---- */

typedef struct codes_ctx {
    const char *circuit_id;
    const provisioning_code_qty_t *codes;
    size_t n;
    tl_date effective;
    const char *order_number;
    const char *item_id;
    const char *actor;
} codes_ctx;

static int check_codes(const codes_ctx *ctx, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    char field[32];
    tl_params p;
    size_t i;
    int rc;

    for (i = 0; i < ctx->n; i++) {
        snprintf(field, sizeof(field), "codes[%zu]", i);
        if (ctx->codes[i].quantity < 1) {
            tl_err_add(err, "quantity", field, "%s: a quantity is at least 1",
                       ctx->codes[i].code);
            continue;
        }
        tl_params_init(&p);
        tl_params_text(&p, ctx->codes[i].code);
        rc = tl_db_query_one(db, &res, "provisioning_code_exists",
                             "SELECT 1 FROM catalog.service_code"
                             " WHERE code = $1",
                             &p, err);
        if (rc < 0)
            return rc;
        PQclear(res);
        if (rc == 0)
            tl_err_add(err, "unknown_code", field,
                       "%s is not a service code in the catalog",
                       ctx->codes[i].code);
    }
    if (ctx->n == 0)
        tl_err_add(err, "required", "codes",
                   "a service bills at least one code");
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

/* The order item must act on this service. */
static int item_of_service(prov_item_t *it, const codes_ctx *ctx,
                           const provisioning_service_t *svc, tl_db *db,
                           tl_err *err)
{
    int rc;

    memset(it, 0, sizeof(*it));
    if (ctx->order_number == NULL)
        return 0;
    rc = prov_item_get(it, db, ctx->order_number,
                       ctx->item_id != NULL ? ctx->item_id : "", err);
    if (rc < 0)
        return rc;
    if (it->service_id != svc->service_id || it->account_id != svc->account_id)
        return tl_err_set(err, TL_ECONFLICT, "item_not_of_service", "item",
                          "item %s of order %s does not act on circuit %s",
                          it->item_id, it->order_number, svc->circuit_id);
    return 0;
}

static int replace_codes(const codes_ctx *ctx,
                         const provisioning_service_t *svc, tl_db *db,
                         tl_err *err)
{
    tl_params p;
    size_t i;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, svc->account_id);
    tl_params_int64(&p, svc->service_id);
    rc = tl_db_exec(db, "provisioning_codes_clear",
                    "DELETE FROM provisioning.service_code"
                    " WHERE account_id = $1::bigint"
                    " AND service_id = $2::bigint",
                    &p, err);
    for (i = 0; rc >= 0 && i < ctx->n; i++) {
        tl_params_init(&p);
        tl_params_int64(&p, svc->account_id);
        tl_params_int64(&p, svc->service_id);
        tl_params_text(&p, ctx->codes[i].code);
        tl_params_int64(&p, ctx->codes[i].quantity);
        tl_params_date(&p, ctx->effective);
        rc = tl_db_exec(db, "provisioning_codes_add",
                        "INSERT INTO provisioning.service_code (account_id,"
                        " service_id, code, quantity, effective_from)"
                        " VALUES ($1::bigint, $2::bigint, $3, $4::int,"
                        " $5::date)"
                        " ON CONFLICT (account_id, service_id, code)"
                        " DO UPDATE SET quantity = EXCLUDED.quantity",
                        &p, err);
    }
    return rc < 0 ? rc : 0;
}

static int audit_codes(const codes_ctx *ctx, const provisioning_service_t *svc,
                       tl_db *db, tl_err *err)
{
    json_t *after = json_pack("{s:s, s:s}", "order",
                              ctx->order_number ? ctx->order_number : "",
                              "item", ctx->item_id ? ctx->item_id : "");
    json_t *codes = json_array();
    size_t i;
    int rc;

    for (i = 0; after != NULL && codes != NULL && i < ctx->n; i++)
        json_array_append_new(codes, json_pack("{s:s, s:i}", "code",
                                               ctx->codes[i].code, "quantity",
                                               ctx->codes[i].quantity));
    if (after == NULL || codes == NULL) {
        json_decref(after);
        json_decref(codes);
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    json_object_set_new(after, "codes", codes);
    rc = tl_audit(db, ctx->actor, "service.codes_changed", "service",
                  svc->circuit_id, svc->account_id, NULL, after, err);
    json_decref(after);
    return rc;
}

static int codes_tx(tl_db *db, void *cls, tl_err *err)
{
    codes_ctx *ctx = cls;
    provisioning_service_t svc;
    prov_item_t it;
    int rc;

    rc = provisioning_service_get(&svc, db, ctx->circuit_id, err);
    if (rc < 0)
        return rc;
    if (!svc.has_install || strcmp(svc.state, "disconnected") == 0)
        return tl_err_set(err, TL_ECONFLICT, "service_not_installed", "circuit",
                          "circuit %s is %s; codes change on an installed "
                          "service (supplement the order of a pending one)",
                          svc.circuit_id,
                          svc.has_install ? svc.state : "not installed");
    rc = item_of_service(&it, ctx, &svc, db, err);
    if (rc == 0)
        rc = replace_codes(ctx, &svc, db, err);
    if (rc == 0)
        rc = prov_add_version(db, svc.account_id, svc.service_id,
                              "codes_changed", ctx->effective, it.order_id,
                              it.item_id, ctx->actor, err);
    if (rc >= 0)
        rc = audit_codes(ctx, &svc, db, err);
    return rc < 0 ? rc : 0;
}

int provisioning_change_codes(tl_db *db, const char *circuit_id,
                              const provisioning_code_qty_t *codes, size_t n,
                              tl_date effective, const char *order_number,
                              const char *item_id, const char *actor,
                              tl_err *err)
{
    codes_ctx ctx = {circuit_id,   codes,   n,    effective,
                     order_number, item_id, actor};
    int rc;

    rc = check_codes(&ctx, db, err);
    if (rc < 0)
        return rc;
    return tl_db_run_tx(db, "provisioning_change_codes", codes_tx, &ctx, err);
}
