/*
 * TMF622 productOrder: intake (orders_submit_ex), reads, supplements as a
 * JSON merge patch of the current document (orders_supplement), cancel
 * (orders_cancel), the order's history and the pending-order queues. The
 * orders module audits its own changes; the actor is the authenticated
 * user. Reads run under row-level security like every request.
 */
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "orders/orders.h"
#include "server/server_internal.h"

/* Fields the server writes into the representation, never taken from a
 * patch. */
static const char *const server_fields[] = {"id",      "href",  "state",
                                            "version", "@type", NULL};

/* Writes the server's fields into an order's document. */
static void add_server_fields(json_t *doc, const orders_order_t *o)
{
    char href[96];

    snprintf(href, sizeof(href), "/productOrder/%s", o->order_number);
    json_object_set_new(doc, "id", json_string(o->order_number));
    json_object_set_new(doc, "href", json_string(href));
    json_object_set_new(doc, "state", json_string(o->state));
    json_object_set_new(doc, "version", json_integer(o->version));
    json_object_set_new(doc, "@type", json_string("ProductOrder"));
}

/* The representation: the current version's document with the server's
 * fields. *out is a new reference; TL_ENOTFOUND when the order is unknown
 * or not visible to the user. */
static int order_repr(json_t **out, orders_order_t *o, tl_db *db,
                      const char *number, tl_err *err)
{
    PGresult *res = NULL;
    json_t *doc = NULL;
    tl_params p;
    tl_row row;
    const char *text;
    int rc;

    *out = NULL;
    rc = orders_get(o, db, number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, o->account_id);
    tl_params_int64(&p, o->order_id);
    rc = tl_db_query_one(
        db, &res, "srv_order_doc",
        "SELECT coalesce((SELECT v.document FROM orders.order_version v"
        " WHERE v.account_id = o.account_id AND v.order_id = o.order_id"
        " AND v.version = o.version), o.document)::text AS document"
        " FROM orders.sales_order o"
        " WHERE o.account_id = $1::bigint AND o.order_id = $2::bigint",
        &p, err);
    if (rc == TL_DB_NONE)
        rc = tl_err_set(err, TL_ENOTFOUND, "not_found", "id", "no order %s",
                        number);
    if (rc < 0)
        goto cleanup;
    row.res = res;
    row.row = 0;
    rc = tl_row_text(&row, "document", &text, err);
    if (rc < 0)
        goto cleanup;
    doc = json_loads(text, 0, NULL);
    if (!json_is_object(doc)) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "stored document");
        goto cleanup;
    }
    add_server_fields(doc, o);
    *out = doc;
    doc = NULL;
cleanup:
    json_decref(doc);
    PQclear(res);
    return rc;
}

static int reply_order(srv_req *r, int status, tl_db *db, const char *number,
                       tl_err *err)
{
    orders_order_t o;
    json_t *doc = NULL;
    int rc;

    rc = order_repr(&doc, &o, db, number, err);
    if (rc < 0)
        return rc;
    srv_etag_of(r->etag, doc);
    snprintf(r->location, sizeof(r->location), "/productOrder/%s",
             o.order_number);
    return srv_reply(r, status, doc, err);
}

int h_order_create(srv_req *r, tl_db *db, tl_err *err)
{
    orders_submit_result res;
    json_t *doc = NULL;
    const char *dup;
    int rc;

    rc = srv_body_object(&doc, r, err);
    if (rc < 0)
        return rc;
    dup = srv_query(r, "allowDuplicate");
    if (dup != NULL && strcmp(dup, "true") != 0 && strcmp(dup, "false") != 0) {
        json_decref(doc);
        return tl_err_add(err, "format", "allowDuplicate",
                          "allowDuplicate is true or false");
    }
    rc = orders_submit_ex(
        &res, db, doc, r->today,
        dup != NULL && strcmp(dup, "true") == 0 ? ORDERS_ALLOW_DUPLICATE : 0,
        r->user.username, err);
    if (rc < 0 || !res.created) {
        json_decref(doc);
        return rc < 0 ? rc
                      : reply_order(r, 200, db, res.order.order_number, err);
    }
    /* A new order's first version is the document just received: answer
     * with it rather than read it back, since reading it back in the same
     * serializable transaction made every order conflict with the orders
     * other connections were placing on the account. */
    add_server_fields(doc, &res.order);
    srv_etag_of(r->etag, doc);
    snprintf(r->location, sizeof(r->location), "/productOrder/%s",
             res.order.order_number);
    return srv_reply(r, 201, doc, err); /* takes doc */
}

int h_order_get(srv_req *r, tl_db *db, tl_err *err)
{
    return reply_order(r, 200, db, r->param[0], err);
}

typedef struct list_ctx {
    json_t *items;
    int64_t total;
} list_ctx;

static int order_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *c = cls;
    const char *num;
    const char *ext;
    const char *acct;
    const char *state;
    const char *crd;
    int version;
    char href[96];
    int rc;

    rc = tl_row_text(row, "order_number", &num, err);
    if (rc == 0)
        rc = tl_row_text(row, "external_id", &ext, err);
    if (rc == 0)
        rc = tl_row_text(row, "account_number", &acct, err);
    if (rc == 0)
        rc = tl_row_text(row, "state", &state, err);
    if (rc == 0)
        rc = tl_row_text(row, "crd", &crd, err);
    if (rc == 0)
        rc = tl_row_int(row, "version", &version, err);
    if (rc == 0)
        rc = tl_row_int64(row, "total", &c->total, err);
    if (rc < 0)
        return rc;
    snprintf(href, sizeof(href), "/productOrder/%s", num);
    if (json_array_append_new(
            c->items,
            json_pack("{s:s, s:s, s:s, s:s, s:i, s:{s:s}, s:s?, s:s}", "id",
                      num, "href", href, "externalId", ext, "state", state,
                      "version", version, "billingAccount", "id", acct,
                      "requestedStartDate", crd[0] ? crd : NULL, "@type",
                      "ProductOrder")) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int h_order_list(srv_req *r, tl_db *db, tl_err *err)
{
    list_ctx c = {NULL, 0};
    int64_t limit;
    int64_t offset;
    tl_params p;
    int rc;

    rc = srv_page(r, &limit, &offset, err);
    if (rc < 0)
        return rc;
    c.items = json_array();
    if (c.items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_text(&p, srv_query(r, "state"));
    tl_params_text(&p, srv_query(r, "accountNumber"));
    tl_params_text(&p, srv_query(r, "externalId"));
    tl_params_int64(&p, limit);
    tl_params_int64(&p, offset);
    rc = tl_db_select(
        db, "srv_order_list",
        "WITH f AS (SELECT o.order_id, o.order_number, o.external_id,"
        "  a.account_number, o.state, o.version,"
        "  coalesce(o.requested_start_date::text, '') AS crd"
        "  FROM orders.sales_order o"
        "  JOIN accounts.billing_account a USING (account_id)"
        "  WHERE ($1::text IS NULL OR o.state = $1)"
        "  AND ($2::text IS NULL OR a.account_number = $2)"
        "  AND ($3::text IS NULL OR o.external_id = $3))"
        " SELECT f.*, (SELECT count(*) FROM f) AS total FROM f"
        " ORDER BY order_id DESC LIMIT $4::bigint OFFSET $5::bigint",
        &p, order_row, &c, err);
    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    if (rc == 0 && offset > 0) {
        /* past the end: the count still answers */
        PGresult *res = NULL;
        tl_row row;
        tl_params q;

        tl_params_init(&q);
        tl_params_text(&q, srv_query(r, "state"));
        tl_params_text(&q, srv_query(r, "accountNumber"));
        tl_params_text(&q, srv_query(r, "externalId"));
        rc = tl_db_query_one(
            db, &res, "srv_order_count",
            "SELECT count(*) AS total FROM orders.sales_order o"
            " JOIN accounts.billing_account a USING (account_id)"
            " WHERE ($1::text IS NULL OR o.state = $1)"
            " AND ($2::text IS NULL OR a.account_number = $2)"
            " AND ($3::text IS NULL OR o.external_id = $3)",
            &q, err);
        if (rc == TL_DB_ONE) {
            row.res = res;
            row.row = 0;
            rc = tl_row_int64(&row, "total", &c.total, err);
        }
        PQclear(res);
        if (rc < 0) {
            json_decref(c.items);
            return rc;
        }
    }
    return srv_reply_page(r, c.items, c.total, err);
}

/* RFC 7396 merge patch of target by patch (target modified in place). */
static int merge_patch(json_t *target, const json_t *patch)
{
    const char *key;
    json_t *value;

    json_object_foreach((json_t *)patch, key, value)
    {
        json_t *cur = json_object_get(target, key);

        if (json_is_null(value)) {
            json_object_del(target, key);
        } else if (json_is_object(value) && json_is_object(cur)) {
            if (merge_patch(cur, value) != 0)
                return -1;
        } else if (json_object_set(target, key, value) != 0) {
            return -1;
        }
    }
    return 0;
}

int h_order_patch(srv_req *r, tl_db *db, tl_err *err)
{
    orders_supplement_result res;
    orders_order_t o;
    json_t *patch = NULL;
    json_t *doc = NULL;
    char *reason = NULL;
    const json_t *v;
    size_t i;
    int rc;

    rc = srv_body_object(&patch, r, err);
    if (rc < 0)
        return rc;
    rc = order_repr(&doc, &o, db, r->param[0], err);
    if (rc < 0)
        goto cleanup;
    rc = srv_if_match(r, doc, err);
    if (rc < 0)
        goto cleanup;
    v = json_object_get(patch, "reason");
    if (v != NULL && !json_is_string(v)) {
        rc = tl_err_add(err, "type", "reason", "reason must be a string");
        goto cleanup;
    }
    reason = strdup(v != NULL ? json_string_value(v) : "supplement");
    json_object_del(patch, "reason");
    for (i = 0; server_fields[i] != NULL; i++) {
        if (json_object_get(patch, server_fields[i]) != NULL) {
            rc = tl_err_add(err, "read_only", server_fields[i],
                            "%s is set by the server", server_fields[i]);
            goto cleanup;
        }
        json_object_del(doc, server_fields[i]);
    }
    if (reason == NULL || merge_patch(doc, patch) != 0) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    rc = orders_supplement(&res, db, r->param[0], doc, r->today, reason,
                           r->user.username, err);
    if (rc < 0)
        goto cleanup;
    rc = reply_order(r, 200, db, r->param[0], err);
cleanup:
    free(reason);
    json_decref(doc);
    json_decref(patch);
    return rc;
}

int h_order_cancel(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"productOrder", "cancellationReason",
                                       "@type", NULL};
    orders_order_t o;
    json_t *body = NULL;
    const json_t *po = NULL;
    const char *id = NULL;
    const char *reason = NULL;
    char href[96];
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    tl_json_object(body, "productOrder", "", 1, &po, err);
    if (po != NULL)
        tl_json_str(po, "id", "productOrder", 1, 32, &id, err);
    tl_json_str(body, "cancellationReason", "", 1, 500, &reason, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = orders_cancel(&o, db, id, reason, r->user.username, err);
    if (rc < 0)
        goto cleanup;
    snprintf(href, sizeof(href), "/productOrder/%s", o.order_number);
    rc = srv_reply(r, 201,
                   json_pack("{s:{s:s, s:s}, s:s, s:s, s:s}", "productOrder",
                             "id", o.order_number, "href", href,
                             "cancellationReason", reason, "state", "done",
                             "@type", "CancelProductOrder"),
                   err);
cleanup:
    json_decref(body);
    return rc;
}

static int history_row(const orders_state_change_t *h, void *cls, tl_err *err)
{
    json_t *items = cls;

    if (json_array_append_new(
            items, json_pack("{s:i, s:s?, s:s, s:s, s:s, s:s}", "seq", h->seq,
                             "from", h->from_state, "to", h->to_state, "user",
                             h->actor, "reason", h->reason ? h->reason : "",
                             "at", h->changed_at)) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int h_order_history(srv_req *r, tl_db *db, tl_err *err)
{
    orders_order_t o;
    json_t *items = NULL;
    int rc;

    rc = orders_get(&o, db, r->param[0], err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = orders_history(db, o.account_id, o.order_id, history_row, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static int queue_row(const orders_queue_row *q, void *cls, tl_err *err)
{
    json_t *items = cls;
    char due[16] = "";

    if (q->has_due)
        tl_date_format(due, sizeof(due), q->due_date);
    if (json_array_append_new(
            items,
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:b, s:i, s:i, "
                      "s:s, s:s}",
                      "id", q->order_number, "externalId", q->external_id,
                      "accountNumber", q->account_number, "accountName",
                      q->account_name, "state", q->state, "products",
                      q->products, "dueDate", q->has_due ? due : NULL,
                      "committed", q->committed, "ageDays", q->age_days,
                      "daysInState", q->days_in_state, "jeopardy", q->jeopardy,
                      "jeopardyReason", q->jeopardy_reason)) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int h_order_queue(srv_req *r, tl_db *db, tl_err *err)
{
    orders_queue_filter f;
    json_t *items = NULL;
    tl_date as_of;
    int rc;

    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    memset(&f, 0, sizeof(f));
    items = json_array();
    if (items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = orders_queue(db, r->param[0], as_of, &f, queue_row, items, err);
    if (rc < 0) {
        json_decref(items);
        if (rc == TL_EINVALID)
            r->http_error = 404;
        return rc;
    }
    return srv_reply_slice(r, items, err);
}
