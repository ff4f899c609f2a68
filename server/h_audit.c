/*
 * GET /audit: the audit trail (audit.event) filtered by entity, entity
 * key, user and a date range [from, to], newest first, paginated.
 */
#include <string.h>

#include "server/server_internal.h"

typedef struct audit_ctx {
    json_t *items;
    int64_t total;
} audit_ctx;

static json_t *json_or_null(const char *text)
{
    json_t *v;

    if (text == NULL)
        return json_null();
    v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v != NULL ? v : json_string(text);
}

static int audit_row(const tl_row *row, void *cls, tl_err *err)
{
    audit_ctx *c = cls;
    int64_t id;
    const char *at;
    const char *actor;
    const char *action;
    const char *entity;
    const char *key;
    const char *acct;
    const char *before;
    const char *after;
    int rc;

    rc = tl_row_int64(row, "event_id", &id, err);
    if (rc == 0)
        rc = tl_row_text(row, "at", &at, err);
    if (rc == 0)
        rc = tl_row_text(row, "actor", &actor, err);
    if (rc == 0)
        rc = tl_row_text(row, "action", &action, err);
    if (rc == 0)
        rc = tl_row_text(row, "entity", &entity, err);
    if (rc == 0)
        rc = tl_row_text(row, "entity_key", &key, err);
    if (rc == 0)
        rc = tl_row_text(row, "account_number", &acct, err);
    if (rc == 0)
        rc = tl_row_text(row, "before", &before, err);
    if (rc == 0)
        rc = tl_row_text(row, "after", &after, err);
    if (rc == 0)
        rc = tl_row_int64(row, "total", &c->total, err);
    if (rc < 0)
        return rc;
    if (json_array_append_new(
            c->items,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:o, s:o}", "id",
                      (json_int_t)id, "at", at, "user", actor, "action", action,
                      "entity", entity, "entityKey", key, "accountNumber", acct,
                      "before", json_or_null(before), "after",
                      json_or_null(after))) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int h_audit_list(srv_req *r, tl_db *db, tl_err *err)
{
    audit_ctx c = {NULL, 0};
    int64_t limit;
    int64_t offset;
    tl_date from;
    tl_date to;
    tl_params p;
    int rc;

    srv_page(r, &limit, &offset, err);
    srv_query_date(&from, r, "from", 0, err);
    srv_query_date(&to, r, "to", 0, err);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    c.items = json_array();
    if (c.items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_text(&p, srv_query(r, "entity"));
    tl_params_text(&p, srv_query(r, "entityKey"));
    tl_params_text(&p, srv_query(r, "user"));
    tl_params_date_opt(&p, srv_query(r, "from") ? &from : NULL);
    tl_params_date_opt(&p, srv_query(r, "to") ? &to : NULL);
    tl_params_int64(&p, limit);
    tl_params_int64(&p, offset);
    rc = tl_db_select(
        db, "srv_audit_list",
        "WITH f AS (SELECT e.event_id,"
        "  to_char(e.occurred_at AT TIME ZONE 'UTC',"
        "   'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at,"
        "  e.actor, e.action, e.entity, e.entity_key, a.account_number,"
        "  e.before::text AS before, e.after::text AS after"
        "  FROM audit.event e"
        "  LEFT JOIN accounts.billing_account a USING (account_id)"
        "  WHERE ($1::text IS NULL OR e.entity = $1)"
        "  AND ($2::text IS NULL OR e.entity_key = $2)"
        "  AND ($3::text IS NULL OR e.actor = $3)"
        "  AND ($4::date IS NULL OR e.occurred_at >= $4::date)"
        "  AND ($5::date IS NULL OR e.occurred_at < $5::date + 1))"
        " SELECT f.*, (SELECT count(*) FROM f) AS total FROM f"
        " ORDER BY event_id DESC LIMIT $6::bigint OFFSET $7::bigint",
        &p, audit_row, &c, err);
    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    return srv_reply_page(r, c.items, c.total, err);
}
