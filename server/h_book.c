/*
 * Working the book (collections/book.h): aging grouped by account, agent,
 * product or collector with disputes apart, and the DSO/CEI KPIs; disputes
 * (open, list, one with its ETag, forward, resolve, deny under If-Match);
 * promises and arrangements; dunning runs and their actions; the contact
 * log; the collector work list and assignment; shutouts (list, one,
 * approve and release under If-Match). Every write is the library's,
 * audited as the authenticated user; reads run under row-level security,
 * so an account executive sees their accounts' rows only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/book.h"
#include "common/json.h"
#include "server/server_internal.h"

#define OOM(err) tl_err_set(err, TL_ERROR, "internal", "", "out of memory")

static int append(json_t *items, json_t *item, tl_err *err)
{
    if (item == NULL || json_array_append_new(items, item) != 0)
        return OOM(err);
    return 0;
}

static json_t *minor(int64_t v, const char *cur)
{
    tl_money m;

    if (tl_money_make(&m, v, cur) != 0)
        return NULL;
    return srv_money(&m);
}

/* ---- aging ---- */

static int group_row(const collections_aging_group *g, void *cls, tl_err *err)
{
    json_t *buckets = json_object();
    int b;

    if (buckets == NULL)
        return OOM(err);
    for (b = 0; b < COLLECTIONS_BUCKETS; b++)
        json_object_set_new(buckets, collections_bucket_name(b),
                            minor(g->bucket[b], g->currency));
    return append(cls,
                  json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:i}", "key",
                            g->key, "name", g->name, "buckets", buckets,
                            "disputed", minor(g->disputed, g->currency),
                            "openTotal", minor(g->open_total, g->currency),
                            "unapplied", minor(g->unapplied, g->currency),
                            "openInvoices", g->open_invoices),
                  err);
}

int h_aging_grouped(srv_req *r, tl_db *db, tl_err *err)
{
    collections_aging_by by;
    json_t *items;
    tl_date as_of;
    int rc;

    if (collections_aging_by_parse(&by, srv_query(r, "by")) != 0)
        return srv_fail(r, 400, TL_EINVALID, "format", "by",
                        "by is account, agent, product or collector");
    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = collections_aging_grouped(db, as_of, by, group_row, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static json_t *tenths(int64_t v)
{
    char buf[32];

    if (v < 0)
        return json_null();
    snprintf(buf, sizeof(buf), "%lld.%lld", (long long)(v / 10),
             (long long)(v % 10));
    return json_string(buf);
}

static int kpi_row(const collections_kpi *k, void *cls, tl_err *err)
{
    return append(cls,
                  json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:o, s:o}",
                            "currency", k->currency, "days", k->days, "sales",
                            minor(k->sales, k->currency), "arBegin",
                            minor(k->ar_begin, k->currency), "arEnd",
                            minor(k->ar_end, k->currency), "currentEnd",
                            minor(k->current_end, k->currency), "dso",
                            tenths(k->dso_tenths), "cei",
                            tenths(k->cei_tenths)),
                  err);
}

int h_aging_kpi(srv_req *r, tl_db *db, tl_err *err)
{
    const char *days_text = srv_query(r, "days");
    json_t *items;
    tl_date as_of;
    char *end = NULL;
    long days = 90;
    int rc;

    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    if (days_text != NULL) {
        days = strtol(days_text, &end, 10);
        if (end == days_text || *end != '\0' || days < 1 || days > 3660)
            return srv_fail(r, 400, TL_EINVALID, "range", "days",
                            "days must be a whole number from 1 to 3660");
    }
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = collections_kpis(db, as_of, (int)days, kpi_row, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

/* ---- disputes ---- */

static json_t *dispute_json(const collections_dispute *d)
{
    return json_pack("{s:I, s:s, s:s, s:i, s:s, s:o, s:o, s:i, s:s, s:s, s:s}",
                     "id", (json_int_t)d->dispute_id, "accountNumber",
                     d->account_number, "invoiceNumber", d->invoice_number,
                     "line", d->line_no, "reason", d->reason, "amount",
                     srv_money(&d->amount), "openedOn", srv_date(d->opened_on),
                     "ageDays", d->age_days, "state", d->state, "creditMemo",
                     d->credit_memo ? d->credit_memo : "", "note",
                     d->note ? d->note : "");
}

typedef struct dispute_ctx {
    json_t *items;
    int64_t want; /* 0: all */
    json_t *one;
} dispute_ctx;

static int dispute_row(const collections_dispute *d, void *cls, tl_err *err)
{
    dispute_ctx *c = cls;

    if (c->want != 0) {
        if (d->dispute_id != c->want)
            return 0;
        c->one = dispute_json(d);
        return c->one != NULL ? 0 : OOM(err);
    }
    return append(c->items, dispute_json(d), err);
}

/* The dispute's representation (new reference) or TL_ENOTFOUND. */
static int dispute_one(json_t **out, srv_req *r, tl_db *db, int64_t id,
                       tl_err *err)
{
    dispute_ctx c = {NULL, id, NULL};
    int rc;

    *out = NULL;
    rc = collections_disputes(db, NULL, NULL, r->today, dispute_row, &c, err);
    if (rc < 0) {
        json_decref(c.one);
        return rc;
    }
    if (c.one == NULL)
        return srv_fail(r, 404, TL_ENOTFOUND, "not_found", "id",
                        "no dispute %lld", (long long)id);
    *out = c.one;
    return 0;
}

int h_dispute_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"invoiceNumber", "line",     "amount",
                                       "reason",        "openedOn", NULL};
    collections_dispute_in in;
    const json_t *amount = NULL;
    json_t *body = NULL;
    json_t *out = NULL;
    const char *cur = NULL;
    char inv_cur[4];
    int64_t line = 0;
    int64_t id = 0;
    int created = 0;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    memset(&in, 0, sizeof(in));
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "invoiceNumber", "", 1, 40, &in.invoice_number, err);
    tl_json_int(body, "line", "", 0, 1, 100000, &line, NULL, err);
    tl_json_object(body, "amount", "", 1, &amount, err);
    if (amount != NULL)
        tl_json_str(amount, "currency", "amount", 1, 3, &cur, err);
    tl_json_str(body, "reason", "", 1, 250, &in.reason, err);
    srv_body_date(&in.opened_on, r, body, "openedOn", err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = collections_invoice_currency(inv_cur, db, in.invoice_number, err);
    if (rc < 0)
        goto cleanup;
    if (strcmp(cur, inv_cur) != 0) {
        rc = srv_fail(r, 400, TL_EINVALID, "currency", "amount.currency",
                      "the invoice is in %s, not %s", inv_cur, cur);
        goto cleanup;
    }
    tl_json_amount(amount, "amount", "amount", 1, cur, &in.amount, NULL, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    in.line_no = (int)line;
    in.actor = r->user.username;
    rc = collections_dispute_open(&id, &created, db, &in, err);
    if (rc < 0)
        goto cleanup;
    rc = dispute_one(&out, r, db, id, err);
    if (rc < 0)
        goto cleanup;
    json_object_set_new(out, "created", json_boolean(created));
    snprintf(r->location, sizeof(r->location), "/dispute/%lld", (long long)id);
    rc = srv_reply(r, created ? 201 : 200, out, err);
    out = NULL;
cleanup:
    json_decref(out);
    json_decref(body);
    return rc;
}

int h_dispute_list(srv_req *r, tl_db *db, tl_err *err)
{
    dispute_ctx c = {NULL, 0, NULL};
    tl_date as_of;
    int rc;

    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    c.items = json_array();
    if (c.items == NULL)
        return OOM(err);
    rc = collections_disputes(db, srv_query(r, "accountNumber"),
                              srv_query(r, "state"), as_of, dispute_row, &c,
                              err);
    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    return srv_reply_slice(r, c.items, err);
}

int h_dispute_get(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *out = NULL;
    int64_t id;
    int rc;

    rc = srv_param_id(&id, r, 0, "dispute");
    if (rc == 0)
        rc = dispute_one(&out, r, db, id, err);
    if (rc < 0)
        return rc;
    srv_etag_of(r->etag, out);
    return srv_reply(r, 200, out, err);
}

enum { D_FORWARD, D_RESOLVE, D_DENY };

/* forward, resolve or deny: {date?, note?} under If-Match. */
static int dispute_act(srv_req *r, tl_db *db, int action, tl_err *err)
{
    static const char *const keys[] = {"date", "note", NULL};
    static const char *const forward_keys[] = {"date", NULL};
    json_t *body = NULL;
    json_t *before = NULL;
    json_t *after = NULL;
    const char *note = NULL;
    int64_t memo = 0;
    int64_t id;
    tl_date on;
    int rc;

    rc = srv_param_id(&id, r, 0, "dispute");
    if (rc < 0)
        return rc;
    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    /* forwarding records no note */
    tl_json_only_keys(body, "", action == D_FORWARD ? forward_keys : keys, err);
    srv_body_date(&on, r, body, "date", err);
    if (action != D_FORWARD)
        tl_json_str(body, "note", "", action == D_DENY, 250, &note, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = dispute_one(&before, r, db, id, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_if_match(r, before, err);
    if (rc < 0)
        goto cleanup;
    if (action == D_FORWARD)
        rc = collections_dispute_forward(db, id, on, r->user.username, err);
    else if (action == D_RESOLVE)
        rc = collections_dispute_resolve(&memo, db, id, on, note,
                                         r->user.username, err);
    else
        rc = collections_dispute_deny(db, id, on, note, r->user.username, err);
    if (rc < 0)
        goto cleanup;
    rc = dispute_one(&after, r, db, id, err);
    if (rc < 0)
        goto cleanup;
    srv_etag_of(r->etag, after);
    rc = srv_reply(r, 200, after, err);
    after = NULL;
cleanup:
    json_decref(after);
    json_decref(before);
    json_decref(body);
    return rc;
}

int h_dispute_forward(srv_req *r, tl_db *db, tl_err *err)
{
    return dispute_act(r, db, D_FORWARD, err);
}

int h_dispute_resolve(srv_req *r, tl_db *db, tl_err *err)
{
    return dispute_act(r, db, D_RESOLVE, err);
}

int h_dispute_deny(srv_req *r, tl_db *db, tl_err *err)
{
    return dispute_act(r, db, D_DENY, err);
}

/* ---- promises and arrangements ---- */

/* The account's currency and an amount object {amount, currency} of it,
 * at path. */
static int account_amount(tl_money *out, srv_req *r, tl_db *db,
                          const char *account, const json_t *obj,
                          const char *key, const char *path, tl_err *err)
{
    accounts_account_t a;
    const json_t *amount = NULL;
    const char *cur = NULL;
    char field[TL_ERR_FIELD_MAX];
    int rc;

    tl_path_key(field, sizeof(field), path, key);
    tl_json_object(obj, key, path, 1, &amount, err);
    if (amount != NULL)
        tl_json_str(amount, "currency", field, 1, 3, &cur, err);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = accounts_get(&a, db, account, err);
    if (rc < 0)
        return rc;
    if (strcmp(a.currency, cur) != 0) {
        char cf[TL_ERR_FIELD_MAX + 16];
        snprintf(cf, sizeof(cf), "%s.currency", field);
        return srv_fail(r, 400, TL_EINVALID, "currency", cf,
                        "the account is in %s, not %s", a.currency, cur);
    }
    tl_json_amount(amount, "amount", field, 1, cur, out, NULL, err);
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

int h_promise_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"accountNumber", "amount", "by",
                                       "madeOn", NULL};
    json_t *body = NULL;
    const char *account = NULL;
    tl_money amount;
    tl_date made;
    tl_date by = 0;
    int64_t id = 0;
    int created = 0;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "accountNumber", "", 1, 32, &account, err);
    tl_json_date(body, "by", "", 1, &by, NULL, err);
    srv_body_date(&made, r, body, "madeOn", err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = account_amount(&amount, r, db, account, body, "amount", "", err);
    if (rc == 0)
        rc = collections_promise_add(&id, &created, db, account, &amount, made,
                                     by, r->user.username, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_reply(r, created ? 201 : 200,
                   json_pack("{s:I, s:b, s:s, s:o, s:o, s:o, s:s}", "id",
                             (json_int_t)id, "created", created,
                             "accountNumber", account, "amount",
                             srv_money(&amount), "madeOn", srv_date(made), "by",
                             srv_date(by), "state", "pending"),
                   err);
cleanup:
    json_decref(body);
    return rc;
}

int h_arrangement_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"accountNumber", "installments",
                                       "madeOn", "note", NULL};
    static const char *const ikeys[] = {"amount", "due", NULL};
    collections_installment inst[60];
    const json_t *list = NULL;
    json_t *body = NULL;
    json_t *out = NULL;
    const char *account = NULL;
    const char *note = NULL;
    char path[64];
    tl_date made;
    int64_t id = 0;
    int created = 0;
    size_t i;
    size_t n = 0;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "accountNumber", "", 1, 32, &account, err);
    tl_json_array(body, "installments", "", 1, 1, 60, &list, err);
    srv_body_date(&made, r, body, "madeOn", err);
    tl_json_str(body, "note", "", 0, 250, &note, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    n = json_array_size(list);
    for (i = 0; i < n; i++) {
        const json_t *it = json_array_get(list, i);
        tl_path_index(path, sizeof(path), "installments", i);
        if (!json_is_object(it)) {
            tl_err_add(err, "type", path, "an installment is an object");
            continue;
        }
        tl_json_only_keys(it, path, ikeys, err);
        tl_json_date(it, "due", path, 1, &inst[i].due, NULL, err);
        rc = account_amount(&inst[i].amount, r, db, account, it, "amount", path,
                            err);
        if (rc < 0 && rc != TL_EINVALID)
            goto cleanup;
    }
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = collections_arrangement_add(&id, &created, db, account, made, inst, n,
                                     note, r->user.username, err);
    if (rc < 0)
        goto cleanup;
    out = json_pack("{s:I, s:b, s:s, s:o, s:i}", "id", (json_int_t)id,
                    "created", created, "accountNumber", account, "madeOn",
                    srv_date(made), "installments", (int)n);
    rc = srv_reply(r, created ? 201 : 200, out, err);
cleanup:
    json_decref(body);
    return rc;
}

static int promise_row(const collections_promise *p, void *cls, tl_err *err)
{
    return append(
        cls,
        json_pack("{s:I, s:s, s:I, s:i, s:o, s:o, s:o, s:o, s:o, s:s}", "id",
                  (json_int_t)p->promise_id, "accountNumber", p->account_number,
                  "arrangementId", (json_int_t)p->arrangement_id, "installment",
                  p->installment_no, "amount", srv_money(&p->amount), "paid",
                  srv_money_or_null(&p->paid), "madeOn", srv_date(p->made_on),
                  "windowStart", srv_date(p->window_start), "by",
                  srv_date(p->promised_date), "state", p->state),
        err);
}

int h_promise_list(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items = json_array();
    int rc;

    if (items == NULL)
        return OOM(err);
    rc = collections_promises(db, srv_query(r, "accountNumber"),
                              srv_query(r, "state"), promise_row, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static json_t *eval_json(const collections_promise_eval *e)
{
    return json_pack("{s:i, s:i, s:i}", "kept", e->kept, "broken", e->broken,
                     "pending", e->pending);
}

int h_promise_evaluate(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"asOf", NULL};
    collections_promise_eval ev;
    json_t *body = NULL;
    tl_date as_of;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    srv_body_date(&as_of, r, body, "asOf", err);
    json_decref(body);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    memset(&ev, 0, sizeof(ev));
    rc = collections_promises_evaluate(&ev, db, as_of, r->user.username, err);
    if (rc < 0)
        return rc;
    return srv_reply(r, 200, eval_json(&ev), err);
}

/* ---- dunning ---- */

int h_dunning_run(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"asOf", NULL};
    collections_dunning_result res;
    json_t *body = NULL;
    tl_date as_of;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    srv_body_date(&as_of, r, body, "asOf", err);
    json_decref(body);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    memset(&res, 0, sizeof(res));
    rc = collections_dunning_run(&res, db, as_of, r->user.username, err);
    if (rc < 0)
        return rc;
    return srv_reply(
        r, 200,
        json_pack("{s:o, s:i, s:i, s:i, s:o}", "asOf", srv_date(as_of),
                  "actions", res.actions, "shutouts", res.shutouts, "released",
                  res.released, "promises", eval_json(&res.promises)),
        err);
}

static int action_row(const collections_dunning_action *a, void *cls,
                      tl_err *err)
{
    return append(cls,
                  json_pack("{s:s, s:o, s:i, s:s, s:s, s:i, s:o}",
                            "accountNumber", a->account_number, "date",
                            srv_date(a->action_date), "step", a->step_no,
                            "dunningClass", a->dunning_class, "action",
                            a->action, "daysPastDue", a->days_past_due,
                            "amount", srv_money(&a->amount)),
                  err);
}

int h_dunning_actions(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items;
    tl_date on;
    int rc;

    rc = srv_query_date(&on, r, "date", r->today, err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = collections_dunning_actions(db, on, srv_query(r, "accountNumber"),
                                     action_row, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

/* ---- contacts ---- */

int h_contact_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"accountNumber", "date", "channel",
                                       "outcome",       "note", NULL};
    collections_contact_in in;
    json_t *body = NULL;
    int64_t id = 0;
    int created = 0;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    memset(&in, 0, sizeof(in));
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "accountNumber", "", 1, 32, &in.account_number, err);
    srv_body_date(&in.date, r, body, "date", err);
    tl_json_str(body, "channel", "", 1, 16, &in.channel, err);
    tl_json_str(body, "outcome", "", 1, 16, &in.outcome, err);
    tl_json_str(body, "note", "", 0, 1000, &in.note, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    in.actor = r->user.username;
    rc = collections_contact_add(&id, &created, db, &in, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_reply(
        r, created ? 201 : 200,
        json_pack("{s:I, s:b, s:s, s:o, s:s, s:s, s:s}", "id", (json_int_t)id,
                  "created", created, "accountNumber", in.account_number,
                  "date", srv_date(in.date), "channel", in.channel, "outcome",
                  in.outcome, "note", in.note ? in.note : ""),
        err);
cleanup:
    json_decref(body);
    return rc;
}

static int contact_row(const collections_contact *c, void *cls, tl_err *err)
{
    return append(cls,
                  json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s}", "id",
                            (json_int_t)c->contact_id, "accountNumber",
                            c->account_number, "date", srv_date(c->date),
                            "channel", c->channel, "outcome", c->outcome,
                            "note", c->note ? c->note : "", "loggedBy",
                            c->logged_by ? c->logged_by : ""),
                  err);
}

int h_contact_list(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items = json_array();
    int rc;

    if (items == NULL)
        return OOM(err);
    rc = collections_contacts(db, srv_query(r, "accountNumber"), contact_row,
                              items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

/* ---- the work list ---- */

static int work_row(const collections_work_item *w, void *cls, tl_err *err)
{
    return append(
        cls,
        json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:o, s:i, s:i, s:b, s:o}",
                  "rank", w->rank, "accountNumber", w->account_number,
                  "accountName", w->account_name, "collector",
                  w->collector ? w->collector : "", "atRisk",
                  minor(w->at_risk, w->currency), "disputed",
                  minor(w->disputed, w->currency), "openTotal",
                  minor(w->open_total, w->currency), "oldestDaysPastDue",
                  w->oldest_days, "brokenPromises", w->broken_promises,
                  "overLimit", w->over_limit, "creditLimit",
                  w->credit_limit < 0 ? json_null()
                                      : minor(w->credit_limit, w->currency)),
        err);
}

int h_worklist(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items;
    tl_date as_of;
    int rc;

    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = collections_worklist(db, as_of, srv_query(r, "collector"), work_row,
                              items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

typedef int (*profile_setter)(tl_db *db, const char *account_number,
                              const char *value, const char *actor,
                              tl_err *err);

/* PUT /account/{id}/<field> {"<field>": "text" | null}: one nullable
 * text of the account's collections profile, set by `set`; null_means
 * ends the message when the field is missing (what null does). */
static int put_profile_field(srv_req *r, tl_db *db, const char *field,
                             size_t max, const char *null_means,
                             profile_setter set, tl_err *err)
{
    const char *const keys[] = {field, NULL};
    json_t *body = NULL;
    const json_t *v;
    const char *value = NULL;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    v = json_object_get(body, field);
    if (v == NULL)
        tl_err_add(err, "required", field, "%s is required (null%s)", field,
                   null_means);
    else if (!json_is_null(v))
        tl_json_str(body, field, "", 1, max, &value, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = set(db, r->param[0], value, r->user.username, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_reply(r, 200,
                   json_pack("{s:s, s:o}", "accountNumber", r->param[0], field,
                             value ? json_string(value) : json_null()),
                   err);
cleanup:
    json_decref(body);
    return rc;
}

/* PUT /account/{id}/collector {"collector": "jdoe" | null}. */
int h_collector_put(srv_req *r, tl_db *db, tl_err *err)
{
    return put_profile_field(r, db, "collector", 64, " unassigns",
                             collections_assign, err);
}

/* PUT /account/{id}/dunningClass {"dunningClass": "wholesale" | null}
 * (null: the customer's kind decides). */
int h_dunning_class_put(srv_req *r, tl_db *db, tl_err *err)
{
    return put_profile_field(r, db, "dunningClass", 16,
                             ": by the customer's kind", collections_set_class,
                             err);
}

/* ---- shutouts ---- */

static json_t *shutout_json(const collections_shutout *s)
{
    return json_pack(
        "{s:I, s:s, s:s, s:o, s:s, s:i, s:o, s:s, s:s, s:i}", "id",
        (json_int_t)s->shutout_id, "accountNumber", s->account_number, "state",
        s->state, "recommendedOn", srv_date(s->recommended_on), "reason",
        s->reason ? s->reason : "", "daysPastDue", s->days_past_due, "amount",
        srv_money(&s->amount), "approvedBy",
        s->approved_by ? s->approved_by : "", "releaseReason",
        s->release_reason ? s->release_reason : "", "circuits", s->circuits);
}

typedef struct shutout_ctx {
    json_t *items;
    int64_t want;
    json_t *one;
} shutout_ctx;

static int shutout_row(const collections_shutout *s, void *cls, tl_err *err)
{
    shutout_ctx *c = cls;

    if (c->want != 0) {
        if (s->shutout_id != c->want)
            return 0;
        c->one = shutout_json(s);
        return c->one != NULL ? 0 : OOM(err);
    }
    return append(c->items, shutout_json(s), err);
}

static int shutout_one(json_t **out, srv_req *r, tl_db *db, int64_t id,
                       tl_err *err)
{
    shutout_ctx c = {NULL, id, NULL};
    int rc;

    *out = NULL;
    rc = collections_shutouts(db, NULL, shutout_row, &c, err);
    if (rc < 0) {
        json_decref(c.one);
        return rc;
    }
    if (c.one == NULL)
        return srv_fail(r, 404, TL_ENOTFOUND, "not_found", "id",
                        "no shutout %lld", (long long)id);
    *out = c.one;
    return 0;
}

int h_shutout_list(srv_req *r, tl_db *db, tl_err *err)
{
    shutout_ctx c = {NULL, 0, NULL};
    int rc;

    c.items = json_array();
    if (c.items == NULL)
        return OOM(err);
    rc = collections_shutouts(db, srv_query(r, "state"), shutout_row, &c, err);
    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    return srv_reply_slice(r, c.items, err);
}

int h_shutout_get(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *out = NULL;
    int64_t id;
    int rc;

    rc = srv_param_id(&id, r, 0, "shutout");
    if (rc == 0)
        rc = shutout_one(&out, r, db, id, err);
    if (rc < 0)
        return rc;
    srv_etag_of(r->etag, out);
    return srv_reply(r, 200, out, err);
}

static int shutout_act(srv_req *r, tl_db *db, int release, tl_err *err)
{
    static const char *const keys[] = {"date", "reason", NULL};
    json_t *body = NULL;
    json_t *before = NULL;
    json_t *after = NULL;
    const char *reason = NULL;
    int requests = 0;
    int64_t id;
    tl_date on;
    int rc;

    rc = srv_param_id(&id, r, 0, "shutout");
    if (rc < 0)
        return rc;
    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    srv_body_date(&on, r, body, "date", err);
    tl_json_str(body, "reason", "", release, 250, &reason, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = shutout_one(&before, r, db, id, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_if_match(r, before, err);
    if (rc < 0)
        goto cleanup;
    if (release)
        rc = collections_shutout_release(&requests, db, id, on, reason,
                                         r->user.username, err);
    else
        rc = collections_shutout_approve(&requests, db, id, on,
                                         r->user.username, err);
    if (rc < 0)
        goto cleanup;
    rc = shutout_one(&after, r, db, id, err);
    if (rc < 0)
        goto cleanup;
    srv_etag_of(r->etag, after);
    json_object_set_new(after, "requests", json_integer(requests));
    rc = srv_reply(r, 200, after, err);
    after = NULL;
cleanup:
    json_decref(after);
    json_decref(before);
    json_decref(body);
    return rc;
}

int h_shutout_approve(srv_req *r, tl_db *db, tl_err *err)
{
    return shutout_act(r, db, 0, err);
}

int h_shutout_release(srv_req *r, tl_db *db, tl_err *err)
{
    return shutout_act(r, db, 1, err);
}
