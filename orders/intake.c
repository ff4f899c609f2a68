/*
 * Order intake: a validated TMF622 order becomes a sales order, its items
 * and their service codes, and the first state change, in one transaction.
 *
 * Idempotency. The stored document is kept as jsonb; jsonb equality ignores
 * key order and white space, so "the same order again" means the same
 * content under the same account and externalId, however it is formatted.
 * Any stored version counts: a partner resending its original order after
 * a supplement gets the order back, not a conflict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "common/audit.h"
#include "orders/orders.h"
#include "orders/orders_internal.h"

#define ORDER_COLUMNS                                                          \
    "SELECT o.account_id, o.order_id, o.order_number, o.external_id,"          \
    " a.account_number, o.state, o.requested_start_date, o.version,"           \
    " coalesce(o.account_executive_ref, '') AS ae_ref,"                        \
    " coalesce(o.agent_ref, '') AS agent_ref"                                  \
    " FROM orders.sales_order o"                                               \
    " JOIN accounts.billing_account a USING (account_id)"

static int read_order(const tl_row *row, orders_order_t *out, tl_err *err)
{
    const char *number = NULL;
    const char *ext = NULL;
    const char *acct = NULL;
    const char *state = NULL;
    const char *ae = NULL;
    const char *agent = NULL;
    int isnull = 0;

    memset(out, 0, sizeof(*out));
    if (tl_row_int64(row, "account_id", &out->account_id, err) < 0 ||
        tl_row_int64(row, "order_id", &out->order_id, err) < 0 ||
        tl_row_text(row, "order_number", &number, err) < 0 ||
        tl_row_text(row, "external_id", &ext, err) < 0 ||
        tl_row_text(row, "account_number", &acct, err) < 0 ||
        tl_row_text(row, "state", &state, err) < 0 ||
        tl_row_date_opt(row, "requested_start_date", &out->requested_start_date,
                        &isnull, err) < 0 ||
        tl_row_int(row, "version", &out->version, err) < 0 ||
        tl_row_text(row, "ae_ref", &ae, err) < 0 ||
        tl_row_text(row, "agent_ref", &agent, err) < 0)
        return TL_ERROR;
    snprintf(out->ae_ref, sizeof(out->ae_ref), "%s", ae);
    snprintf(out->agent_ref, sizeof(out->agent_ref), "%s", agent);
    snprintf(out->order_number, sizeof(out->order_number), "%s", number);
    snprintf(out->external_id, sizeof(out->external_id), "%s", ext);
    snprintf(out->account_number, sizeof(out->account_number), "%s", acct);
    snprintf(out->state, sizeof(out->state), "%s", state);
    return 0;
}

static int get_one(orders_order_t *out, tl_db *db, const char *name,
                   const char *sql, const tl_params *p, tl_err *err)
{
    PGresult *res = NULL;
    tl_row row;
    int rc;

    rc = tl_db_query_one(db, &res, name, sql, p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = read_order(&row, out, err);
    PQclear(res);
    return rc < 0 ? rc : 1;
}

int orders_get(orders_order_t *out, tl_db *db, const char *order_number,
               tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, order_number);
    rc = get_one(out, db, "orders_get",
                 ORDER_COLUMNS " WHERE o.order_number = $1", &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_order", "order",
                          "order %s does not exist", order_number);
    return 0;
}

typedef struct submit_ctx {
    order_doc *doc;
    const json_t *doc_json;
    const char *doc_text;
    const char *actor;
    tl_date received;
    orders_submit_result *result;
} submit_ctx;

/* Looks for an order with the same account and externalId. Returns 1 when
 * one exists (result filled, created 0), 0 when none, or a negative
 * status; a different document under the same externalId is
 * TL_EDUPLICATE. */
static int find_existing(submit_ctx *ctx, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int same = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->doc->account.account_id);
    tl_params_text(&p, ctx->doc->external_id);
    tl_params_text(&p, ctx->doc_text);
    rc = tl_db_query_one(db, &res, "orders_find_external",
                         "SELECT o.account_id, o.order_id, o.order_number,"
                         " o.external_id, a.account_number, o.state,"
                         " o.requested_start_date, o.version,"
                         " coalesce(o.account_executive_ref, '') AS ae_ref,"
                         " coalesce(o.agent_ref, '') AS agent_ref,"
                         " EXISTS (SELECT 1 FROM orders.order_version v"
                         "  WHERE v.account_id = o.account_id"
                         "  AND v.order_id = o.order_id"
                         "  AND v.document = $3::jsonb) AS same"
                         " FROM orders.sales_order o"
                         " JOIN accounts.billing_account a USING (account_id)"
                         " WHERE o.account_id = $1::bigint"
                         " AND o.external_id = $2",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = read_order(&row, &ctx->result->order, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "same", &same, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    if (!same) {
        tl_err_add(err, "duplicate", "externalId",
                   "order %s already has externalId %s with other content; "
                   "send a supplement to change it",
                   ctx->result->order.order_number, ctx->doc->external_id);
        return TL_EDUPLICATE;
    }
    ctx->result->created = 0;
    return 1;
}

/* Inserts the order, its first state and its first version: 1, or 0 when
 * the account already has an order with this externalId (nothing
 * written). */
static int insert_order(submit_ctx *ctx, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->doc->account.account_id);
    tl_params_text(&p, ctx->doc->external_id);
    tl_params_date(&p, ctx->doc->requested_start);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, ctx->doc_text);
    tl_params_text(&p, ctx->doc->ae_ref[0] ? ctx->doc->ae_ref : NULL);
    tl_params_text(&p, ctx->doc->agent_ref[0] ? ctx->doc->agent_ref : NULL);
    tl_params_date(&p, ctx->received);
    rc = get_one(&ctx->result->order, db, "orders_insert",
                 "WITH o AS (INSERT INTO orders.sales_order (account_id,"
                 " external_id, content_hash, state, requested_start_date,"
                 " submitted_by, document, account_executive_ref, agent_ref,"
                 " received_on)"
                 " VALUES ($1::bigint, $2,"
                 " encode(sha256(convert_to($5::jsonb::text, 'UTF8')), 'hex'),"
                 " 'submitted', $3::date, $4, $5::jsonb, $6, $7, $8::date)"
                 " ON CONFLICT ON CONSTRAINT sales_order_external_id_key"
                 " DO NOTHING RETURNING *)"
                 " SELECT o.account_id, o.order_id, o.order_number,"
                 " o.external_id, a.account_number, o.state,"
                 " o.requested_start_date, o.version,"
                 " coalesce(o.account_executive_ref, '') AS ae_ref,"
                 " coalesce(o.agent_ref, '') AS agent_ref FROM o"
                 " JOIN accounts.billing_account a USING (account_id)",
                 &p, err);
    if (rc <= 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->result->order.account_id);
    tl_params_int64(&p, ctx->result->order.order_id);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "orders_first_state",
                    "INSERT INTO orders.state_change (account_id, order_id,"
                    " seq, from_state, to_state, actor, reason)"
                    " VALUES ($1::bigint, $2::bigint, 1, NULL, 'submitted',"
                    " $3, 'order received')",
                    &p, err);
    if (rc < 0)
        return rc;
    /* the document as given, not read back from the order: a read of the
     * row just written locks its index page against every other order of
     * the account being placed at the same time */
    tl_params_text(&p, ctx->doc_text);
    tl_params_date(&p, ctx->doc->requested_start);
    rc = tl_db_exec(db, "orders_first_version",
                    "INSERT INTO orders.order_version (account_id, order_id,"
                    " version, document, requested_start_date, reason,"
                    " created_by) VALUES ($1::bigint, $2::bigint, 1,"
                    " $4::jsonb, $5::date, 'order received', $3)",
                    &p, err);
    return rc < 0 ? rc : 1;
}

static int insert_item(tl_db *db, int64_t account_id, int64_t order_id,
                       const order_item_doc *it, tl_err *err)
{
    char *chars = json_dumps(it->characteristics, JSON_COMPACT);
    tl_params p;
    int rc;

    if (chars == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    tl_params_text(&p, it->id);
    tl_params_text(&p, it->action);
    tl_params_text(&p, it->product_id);
    tl_params_int64(&p, it->address_id);
    tl_params_text(&p, chars);
    tl_params_text(&p, it->has_quoted_mrc || it->has_quoted_nrc
                           ? it->quoted_mrc.cur
                           : NULL);
    if (it->has_quoted_mrc)
        tl_params_int64(&p, it->quoted_mrc.minor);
    else
        tl_params_text(&p, NULL);
    if (it->has_quoted_nrc)
        tl_params_int64(&p, it->quoted_nrc.minor);
    else
        tl_params_text(&p, NULL);
    tl_params_text(&p, it->service_ref);
    tl_params_text(&p, it->change_kind[0] ? it->change_kind : NULL);
    if (it->n_places > 1)
        tl_params_int64(&p, it->places[1].address_id);
    else
        tl_params_text(&p, NULL);
    rc = tl_db_exec(db, "orders_item_insert",
                    "INSERT INTO orders.order_item (account_id, order_id,"
                    " item_id, action, product_id, address_id,"
                    " characteristics, quoted_currency, quoted_mrc_minor,"
                    " quoted_nrc_minor, service_ref, change_kind,"
                    " z_address_id)"
                    " VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6::bigint,"
                    " $7::jsonb, $8, $9::bigint, $10::bigint, $11, $12,"
                    " $13::bigint)",
                    &p, err);
    free(chars);
    if (rc < 0 || strcmp(it->action, "delete") == 0)
        return rc < 0 ? rc : 0; /* a disconnect sells nothing */
    /* Each item sells every service code of its product, quantity units
     * of each; a code whose quantity is a characteristic (SIP-PATH x
     * callPaths) that many per unit (validation made it an integer). */
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    tl_params_text(&p, it->id);
    tl_params_text(&p, it->product_id);
    tl_params_int64(&p, it->quantity);
    rc = tl_db_exec(db, "orders_item_codes_insert",
                    "INSERT INTO orders.order_item_code (account_id,"
                    " order_id, item_id, code, quantity)"
                    " SELECT i.account_id, i.order_id, i.item_id, c.code,"
                    " $5::int * coalesce((i.characteristics ->>"
                    "  c.quantity_from)::int, 1)"
                    " FROM catalog.product_component c"
                    " JOIN orders.order_item i ON i.account_id = $1::bigint"
                    "  AND i.order_id = $2::bigint AND i.item_id = $3"
                    " WHERE c.product_id = $4 AND (c.included_when IS NULL"
                    "  OR (i.characteristics ->> c.included_when) = 'true')",
                    &p, err);
    return rc < 0 ? rc : 0;
}

int order_items_write(tl_db *db, int64_t account_id, int64_t order_id,
                      const order_doc *d, tl_err *err)
{
    size_t i;
    int rc;

    for (i = 0; i < d->n_items; i++) {
        rc = insert_item(db, account_id, order_id, &d->items[i], err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int submit_tx(tl_db *db, void *cls, tl_err *err)
{
    submit_ctx *ctx = cls;
    int rc;

    /* Insert first and let the unique (account, externalId) key decide:
     * looking before inserting read a range of the key that every other
     * order of the account writes into, which made concurrent orders of
     * one account fail serialization for nothing. */
    rc = insert_order(ctx, db, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        rc = find_existing(ctx, db, err);
        if (rc < 0)
            return rc;
        if (rc == 0) /* the order there a moment ago is gone: start over */
            return tl_err_set(err, TL_ERETRY, "retry", "",
                              "the order with this externalId changed");
        return 0;
    }
    rc = order_items_write(db, ctx->result->order.account_id,
                           ctx->result->order.order_id, ctx->doc, err);
    if (rc < 0)
        return rc;
    ctx->result->created = 1;
    return tl_audit(db, ctx->actor, "order.submit", "order",
                    ctx->result->order.order_number,
                    ctx->result->order.account_id, NULL, ctx->doc_json, err);
}

/* An order already stored with exactly this content (any version) under
 * the document's account and externalId: returns 1 and fills out. Checked
 * before validation, so that resending an order is idempotent even when
 * its requested date has passed since. */
static int find_identical(orders_submit_result *out, tl_db *db,
                          const json_t *doc, const char *text, tl_err *err)
{
    const char *ext = orders_doc_external_id(doc);
    const char *acct = json_string_value(
        json_object_get(json_object_get(doc, "billingAccount"), "id"));
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    if (ext == NULL || acct == NULL)
        return 0;
    tl_params_init(&p);
    tl_params_text(&p, acct);
    tl_params_text(&p, ext);
    tl_params_text(&p, text);
    rc = tl_db_query_one(db, &res, "orders_find_identical",
                         ORDER_COLUMNS
                         " WHERE a.account_number = $1 AND o.external_id = $2"
                         " AND EXISTS (SELECT 1 FROM orders.order_version v"
                         "  WHERE v.account_id = o.account_id"
                         "  AND v.order_id = o.order_id"
                         "  AND v.document = $3::jsonb)",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = read_order(&row, &out->order, err);
    PQclear(res);
    return rc < 0 ? rc : 1;
}

int orders_submit(orders_submit_result *out, tl_db *db, const json_t *doc,
                  tl_date received, const char *actor, tl_err *err)
{
    return orders_submit_ex(out, db, doc, received, 0, actor, err);
}

int orders_submit_ex(orders_submit_result *out, tl_db *db, const json_t *doc,
                     tl_date received, unsigned flags, const char *actor,
                     tl_err *err)
{
    order_doc *d = NULL;
    char *text = NULL;
    submit_ctx ctx;
    int rc;

    memset(out, 0, sizeof(*out));
    text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = find_identical(out, db, doc, text, err);
    if (rc != 0) {
        free(text);
        return rc < 0 ? rc : 0;
    }
    d = malloc(sizeof(*d));
    if (d == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    rc = order_doc_read(d, db, doc, received, flags, err);
    if (rc == TL_EINVALID) {
        /* The refusal is the answer; failing to log it must not hide the
         * problems, so a logging failure is not reported over them. */
        tl_err logged = TL_ERR_INIT;
        order_raise_address_requests(db, d, actor, err);
        order_rejection_record(db, d, text, received, actor, err, &logged);
        tl_err_clear(&logged);
    }
    if (rc < 0)
        goto cleanup;
    ctx.doc = d;
    ctx.doc_json = doc;
    ctx.doc_text = text;
    ctx.actor = actor;
    ctx.received = received;
    ctx.result = out;
    rc = tl_db_run_tx(db, "orders_submit", submit_tx, &ctx, err);
cleanup:
    free(text);
    if (d != NULL)
        order_doc_free(d);
    free(d);
    return rc;
}

typedef struct codes_ctx {
    orders_item_code_fn fn;
    void *cls;
} codes_ctx;

static int code_row(const tl_row *row, void *cls, tl_err *err)
{
    codes_ctx *ctx = cls;
    orders_item_code_t c;

    memset(&c, 0, sizeof(c));
    if (tl_row_text(row, "item_id", &c.item_id, err) < 0 ||
        tl_row_text(row, "product_id", &c.product_id, err) < 0 ||
        tl_row_int64(row, "address_id", &c.address_id, err) < 0 ||
        tl_row_text(row, "code", &c.code, err) < 0 ||
        tl_row_int(row, "quantity", &c.quantity, err) < 0)
        return TL_ERROR;
    return ctx->fn(&c, ctx->cls, err);
}

int orders_item_codes(tl_db *db, int64_t account_id, int64_t order_id,
                      orders_item_code_fn fn, void *cls, tl_err *err)
{
    codes_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    return tl_db_select(db, "orders_item_codes",
                        "SELECT i.item_id, i.product_id, i.address_id,"
                        " c.code, c.quantity FROM orders.order_item i"
                        " JOIN orders.order_item_code c USING (account_id,"
                        " order_id, item_id)"
                        " WHERE i.account_id = $1::bigint"
                        " AND i.order_id = $2::bigint"
                        " ORDER BY i.item_id, c.code",
                        &p, code_row, &ctx, err);
}

typedef struct find_ctx {
    orders_order_fn fn;
    void *cls;
} find_ctx;

static int find_row(const tl_row *row, void *cls, tl_err *err)
{
    find_ctx *ctx = cls;
    orders_order_t o;

    if (read_order(row, &o, err) < 0)
        return TL_ERROR;
    return ctx->fn(&o, ctx->cls, err);
}

int orders_find(tl_db *db, const char *text, orders_order_fn fn, void *cls,
                tl_err *err)
{
    find_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, text);
    return tl_db_select(
        db, "orders_find",
        ORDER_COLUMNS
        " WHERE o.order_number = $1 OR o.external_id = $1"
        " OR a.account_number = $1"
        " OR EXISTS (SELECT 1 FROM orders.order_item i"
        "   JOIN accounts.address ad USING (address_id)"
        "   WHERE i.account_id = o.account_id AND i.order_id = o.order_id"
        "   AND length($1) >= 3 AND strpos(ad.normalized_key,"
        "   upper(regexp_replace(btrim($1), '\\s+', ' ', 'g'))) > 0)"
        " ORDER BY o.submitted_at DESC, o.order_id DESC LIMIT 200",
        &p, find_row, &ctx, err);
}
