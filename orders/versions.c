/*
 * Supplements (new versions of an order), cancellation, and the diff
 * between stored versions.
 *
 * A supplement is the whole order as it should now be. It is validated
 * like a new order; then, in one transaction, the order's items and due
 * date are replaced and the new document is kept as the next version.
 * Only orders whose provisioning has not started can be supplemented:
 * after that the inventory holds the truth and a change order is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit.h"
#include "orders/orders.h"
#include "orders/orders_internal.h"

static int supplementable(const char *state)
{
    return strcmp(state, "submitted") == 0 || strcmp(state, "held") == 0 ||
           strcmp(state, "accepted") == 0;
}

typedef struct supplement_ctx {
    const char *order_number;
    const order_doc *doc;
    const char *doc_text;
    const char *reason;
    const char *actor;
    orders_supplement_result *result;
} supplement_ctx;

/* Locks the order and reads its version and whether its current document
 * equals the new one. */
static int lock_order(supplement_ctx *ctx, tl_db *db, int *same, tl_err *err)
{
    const orders_order_t *o = &ctx->result->order;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, o->account_id);
    tl_params_int64(&p, o->order_id);
    tl_params_text(&p, ctx->doc_text);
    rc = tl_db_query_one(db, &res, "orders_lock_for_supplement",
                         "SELECT version, state, (document = $3::jsonb) AS same"
                         " FROM orders.sales_order"
                         " WHERE account_id = $1::bigint"
                         " AND order_id = $2::bigint FOR UPDATE",
                         &p, err);
    if (rc <= 0)
        return rc < 0
                   ? rc
                   : tl_err_set(err, TL_ENOTFOUND, "unknown_order", "order",
                                "order %s does not exist", ctx->order_number);
    row.res = res;
    row.row = 0;
    rc = tl_row_int(&row, "version", &ctx->result->version, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "same", same, err);
    if (rc == 0) {
        const char *state = NULL;
        rc = tl_row_text(&row, "state", &state, err);
        if (rc == 0 && !supplementable(state))
            rc = tl_err_set(err, TL_ECONFLICT, "not_supplementable", "order",
                            "order %s is %s; once provisioning has started "
                            "send a change order instead of a supplement",
                            ctx->order_number, state);
    }
    PQclear(res);
    return rc;
}

static int audit_supplement(const supplement_ctx *ctx, int old_version,
                            tl_db *db, tl_err *err)
{
    json_t *before = json_pack("{s:i}", "version", old_version);
    json_t *after = json_pack("{s:i, s:s}", "version", ctx->result->version,
                              "reason", ctx->reason);
    int rc;

    if (before == NULL || after == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    else
        rc = tl_audit(db, ctx->actor, "order.supplement", "order",
                      ctx->order_number, ctx->result->order.account_id, before,
                      after, err);
    json_decref(before);
    json_decref(after);
    return rc;
}

static int supplement_tx(tl_db *db, void *cls, tl_err *err)
{
    supplement_ctx *ctx = cls;
    const orders_order_t *o = &ctx->result->order;
    tl_params p;
    int same = 0;
    int old_version;
    int rc;

    rc = lock_order(ctx, db, &same, err);
    if (rc < 0)
        return rc;
    if (same) {
        ctx->result->created = 0;
        return 0;
    }
    old_version = ctx->result->version;
    tl_params_init(&p);
    tl_params_int64(&p, o->account_id);
    tl_params_int64(&p, o->order_id);
    rc = tl_db_exec(db, "orders_supplement_drop_codes",
                    "DELETE FROM orders.order_item_code"
                    " WHERE account_id = $1::bigint AND order_id = $2::bigint",
                    &p, err);
    if (rc >= 0)
        rc = tl_db_exec(db, "orders_supplement_drop_items",
                        "DELETE FROM orders.order_item"
                        " WHERE account_id = $1::bigint"
                        " AND order_id = $2::bigint",
                        &p, err);
    if (rc < 0)
        return rc;
    rc = order_items_write(db, o->account_id, o->order_id, ctx->doc, err);
    if (rc < 0)
        return rc;
    tl_params_text(&p, ctx->doc_text);
    tl_params_date(&p, ctx->doc->requested_start);
    tl_params_text(&p, ctx->reason);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, ctx->doc->ae_ref[0] ? ctx->doc->ae_ref : NULL);
    tl_params_text(&p, ctx->doc->agent_ref[0] ? ctx->doc->agent_ref : NULL);
    rc = tl_db_exec(
        db, "orders_supplement_version",
        "WITH upd AS (UPDATE orders.sales_order SET version = version + 1,"
        "  document = $3::jsonb, requested_start_date = $4::date,"
        "  account_executive_ref = $7, agent_ref = $8,"
        "  content_hash = encode(sha256(convert_to($3::jsonb::text,"
        "  'UTF8')), 'hex')"
        "  WHERE account_id = $1::bigint AND order_id = $2::bigint"
        "  RETURNING account_id, order_id, version)"
        " INSERT INTO orders.order_version (account_id, order_id, version,"
        " document, requested_start_date, reason, created_by)"
        " SELECT account_id, order_id, version, $3::jsonb, $4::date, $5, $6"
        " FROM upd",
        &p, err);
    if (rc < 0)
        return rc;
    ctx->result->version = old_version + 1;
    ctx->result->created = 1;
    return audit_supplement(ctx, old_version, db, err);
}

/* The supplement must be for the same order: same account, same id. */
static int same_order(const order_doc *d, const orders_order_t *o, tl_err *err)
{
    if (d->account_number != NULL &&
        strcmp(d->account_number, o->account_number) != 0)
        tl_err_add(err, "mismatch", "billingAccount.id",
                   "order %s belongs to account %s, not %s", o->order_number,
                   o->account_number, d->account_number);
    if (d->external_id != NULL && strcmp(d->external_id, o->external_id) != 0)
        tl_err_add(err, "mismatch", "externalId",
                   "order %s has externalId %s, not %s", o->order_number,
                   o->external_id, d->external_id);
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

int orders_supplement(orders_supplement_result *out, tl_db *db,
                      const char *order_number, const json_t *doc,
                      tl_date received, const char *reason, const char *actor,
                      tl_err *err)
{
    order_doc *d = NULL;
    char *text = NULL;
    supplement_ctx ctx;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = orders_get(&out->order, db, order_number, err);
    if (rc < 0)
        return rc;
    d = malloc(sizeof(*d));
    if (d == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    /* the duplicate check is for new orders: a supplement may keep or add
     * items an open order also has, as it did when it was accepted */
    rc = order_doc_read(d, db, doc, received, ORDERS_ALLOW_DUPLICATE, err);
    if (rc == 0 || rc == TL_EINVALID) {
        /* report a mismatch together with the document's other problems */
        int mismatch = same_order(d, &out->order, err);
        if (rc == 0)
            rc = mismatch;
    }
    if (rc < 0)
        goto cleanup;
    text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    ctx.order_number = order_number;
    ctx.doc = d;
    ctx.doc_text = text;
    ctx.reason = reason != NULL ? reason : "";
    ctx.actor = actor;
    ctx.result = out;
    rc = tl_db_run_tx(db, "orders_supplement", supplement_tx, &ctx, err);
    if (rc == 0)
        rc = orders_get(&out->order, db, order_number, err);
cleanup:
    free(text);
    order_doc_free(d);
    free(d);
    return rc;
}

int orders_cancel(orders_order_t *out, tl_db *db, const char *order_number,
                  const char *reason, const char *actor, tl_err *err)
{
    int rc;

    if (reason == NULL || reason[0] == '\0')
        return tl_err_add(err, "required", "reason",
                          "a cancellation needs a reason");
    rc = orders_get(out, db, order_number, err);
    if (rc < 0)
        return rc;
    rc = orders_transition(db, out->account_id, out->order_id, "cancelled",
                           actor, reason, err);
    if (rc < 0)
        return rc;
    return orders_get(out, db, order_number, err);
}

/* Reads one stored version's document (a new reference in *out). */
static int version_doc(json_t **out, tl_db *db, const orders_order_t *o,
                       int version, tl_err *err)
{
    PGresult *res = NULL;
    json_error_t jerr;
    tl_params p;
    int rc;

    *out = NULL;
    tl_params_init(&p);
    tl_params_int64(&p, o->account_id);
    tl_params_int64(&p, o->order_id);
    tl_params_int64(&p, version);
    rc = tl_db_query_one(db, &res, "orders_version_doc",
                         "SELECT document::text AS document"
                         " FROM orders.order_version"
                         " WHERE account_id = $1::bigint"
                         " AND order_id = $2::bigint AND version = $3::int",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_version", "version",
                          "order %s has no version %d", o->order_number,
                          version);
    *out = json_loads(PQgetvalue(res, 0, 0), 0, &jerr);
    PQclear(res);
    if (*out == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "version",
                          "stored version does not parse: %s", jerr.text);
    return 0;
}

int orders_diff(tl_db *db, const char *order_number, int from_version,
                int to_version, orders_change_fn fn, void *cls, tl_err *err)
{
    orders_order_t o;
    json_t *a = NULL;
    json_t *b = NULL;
    int rc;

    rc = orders_get(&o, db, order_number, err);
    if (rc == 0)
        rc = version_doc(&a, db, &o, from_version, err);
    if (rc == 0)
        rc = version_doc(&b, db, &o, to_version, err);
    if (rc == 0)
        rc = orders_diff_docs(a, b, fn, cls, err);
    json_decref(a);
    json_decref(b);
    return rc;
}
