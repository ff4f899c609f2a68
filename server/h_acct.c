/*
 * The AR ledger over HTTP: payments of an account (plain reads under
 * row-level security), the payment status a collector reads out
 * (collections_payment_status), ledger entries with their running balance
 * and balances as of a date (collections_entries and friends), ledger
 * documents (collections_doc_post) and write-offs with approval
 * (collections_writeoff_*). Business rules stay in collections/: these
 * handlers parse, call, and reply; the actor is the authenticated user.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/acct.h"
#include "common/json.h"
#include "server/server_internal.h"

#define OOM(err) tl_err_set((err), TL_ERROR, "internal", "", "out of memory")

/* An account the session can see (RLS), else TL_ENOTFOUND (404). */
static int visible_account(tl_db *db, const char *number, tl_err *err)
{
    accounts_account_t a;

    return accounts_get(&a, db, number, err);
}

/* A money member {"amount": "1.00", "currency": "USD"} of body. */
static void body_money(const json_t *body, const char *key, int required,
                       tl_money *out, tl_err *err)
{
    const json_t *m = NULL;
    const char *cur = NULL;

    tl_json_object(body, key, "", required, &m, err);
    if (m == NULL)
        return;
    tl_json_str(m, "currency", key, 1, 3, &cur, err);
    if (cur != NULL)
        tl_json_amount(m, "amount", key, 1, cur, out, NULL, err);
}

/* ---- payments ---- */

typedef struct pay_ctx {
    json_t *items;
    int64_t total;
} pay_ctx;

static int payment_row(const tl_row *row, void *cls, tl_err *err)
{
    pay_ctx *c = cls;
    const char *acct = NULL;
    const char *ref = NULL;
    const char *method = NULL;
    int64_t id = 0;
    tl_date received = 0;
    tl_money amount;
    int rc;

    rc = tl_row_int64(row, "payment_id", &id, err);
    if (rc == 0)
        rc = tl_row_text(row, "account_number", &acct, err);
    if (rc == 0)
        rc = tl_row_text(row, "reference", &ref, err);
    if (rc == 0)
        rc = tl_row_text(row, "method", &method, err);
    if (rc == 0)
        rc = tl_row_date(row, "received_date", &received, err);
    if (rc == 0)
        rc = tl_row_money(row, "amount_minor", "currency", &amount, err);
    if (rc == 0)
        rc = tl_row_int64(row, "total", &c->total, err);
    if (rc < 0)
        return rc;
    if (json_array_append_new(c->items,
                              json_pack("{s:I, s:s, s:s, s:s, s:o, s:o}", "id",
                                        (json_int_t)id, "accountNumber", acct,
                                        "reference", ref, "method", method,
                                        "receivedDate", srv_date(received),
                                        "amount", srv_money(&amount))) != 0)
        return OOM(err);
    return 0;
}

#define PAYMENT_COLS                                                           \
    "p.payment_id, a.account_number, p.reference, p.method,"                   \
    " p.received_date, p.amount_minor, p.currency"

int h_payment_list(srv_req *r, tl_db *db, tl_err *err)
{
    pay_ctx c = {NULL, 0};
    const char *acct = srv_query(r, "accountNumber");
    tl_date from = 0;
    tl_date to = 0;
    int has_from = srv_query(r, "from") != NULL;
    int has_to = srv_query(r, "to") != NULL;
    int64_t limit;
    int64_t offset;
    tl_params p;
    int rc;

    rc = srv_page(r, &limit, &offset, err);
    if (rc == 0)
        rc = srv_query_date(&from, r, "from", 0, err);
    if (rc == 0)
        rc = srv_query_date(&to, r, "to", 0, err);
    if (rc == 0 && acct != NULL)
        rc = visible_account(db, acct, err);
    if (rc < 0)
        return rc;
    c.items = json_array();
    if (c.items == NULL)
        return OOM(err);
    tl_params_init(&p);
    tl_params_text(&p, acct);
    tl_params_date_opt(&p, has_from ? &from : NULL);
    tl_params_date_opt(&p, has_to ? &to : NULL);
    tl_params_int64(&p, limit);
    tl_params_int64(&p, offset);
    rc = tl_db_select(db, "srv_payment_list",
                      "WITH f AS (SELECT " PAYMENT_COLS
                      " FROM collections.payment p"
                      "  JOIN accounts.billing_account a USING (account_id)"
                      "  WHERE ($1::text IS NULL OR a.account_number = $1)"
                      "  AND ($2::date IS NULL OR p.received_date >= $2::date)"
                      "  AND ($3::date IS NULL OR p.received_date <= $3::date))"
                      " SELECT f.*, (SELECT count(*) FROM f) AS total FROM f"
                      " ORDER BY received_date, payment_id"
                      " LIMIT $4::bigint OFFSET $5::bigint",
                      &p, payment_row, &c, err);
    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    return srv_reply_page(r, c.items, c.total, err);
}

int h_payment_get(srv_req *r, tl_db *db, tl_err *err)
{
    pay_ctx c = {NULL, 0};
    int64_t id;
    tl_params p;
    json_t *one;
    int rc;

    rc = srv_param_id(&id, r, 0, "id");
    if (rc < 0)
        return rc;
    c.items = json_array();
    if (c.items == NULL)
        return OOM(err);
    tl_params_init(&p);
    tl_params_int64(&p, id);
    rc = tl_db_select(db, "srv_payment_get",
                      "SELECT " PAYMENT_COLS ", 1::bigint AS total"
                      " FROM collections.payment p"
                      " JOIN accounts.billing_account a USING (account_id)"
                      " WHERE p.payment_id = $1::bigint",
                      &p, payment_row, &c, err);
    if (rc == 0)
        rc = tl_err_set(err, TL_ENOTFOUND, "not_found", "id", "no payment %lld",
                        (long long)id);
    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    one = json_incref(json_array_get(c.items, 0));
    json_decref(c.items);
    return srv_reply(r, 200, one, err);
}

int h_payment_status(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *doc = NULL;
    tl_date as_of;
    int rc;

    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    rc = collections_payment_status(&doc, db, r->param[0],
                                    srv_query(r, "invoiceNumber"), as_of, err);
    if (rc < 0)
        return rc;
    return srv_reply(r, 200, doc, err);
}

/* ---- the ledger ---- */

static int entry_item(const collections_entry *e, void *cls, tl_err *err)
{
    json_t *items = cls;
    tl_money run;

    tl_money_make(&run, e->running, e->amount.cur);
    if (json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:o}",
                      "id", (json_int_t)e->entry_id, "accountNumber",
                      e->account_number, "kind", e->kind, "documentKind",
                      e->doc_kind, "reference", e->reference, "invoiceNumber",
                      e->invoice_number, "amount", srv_money(&e->amount),
                      "date", srv_date(e->date), "reason",
                      e->reason != NULL ? e->reason : "", "balance",
                      srv_money(&run))) != 0)
        return OOM(err);
    return 0;
}

int h_ledger_list(srv_req *r, tl_db *db, tl_err *err)
{
    const char *acct = srv_query(r, "accountNumber");
    json_t *items;
    tl_date from;
    tl_date to;
    int rc;

    if (acct == NULL)
        return srv_fail(r, 400, TL_EINVALID, "required", "accountNumber",
                        "accountNumber is required");
    /* no `to`: every entry, future-dated ones too */
    tl_date_from_ymd(&to, 9999, 12, 31);
    rc = srv_query_date(&from, r, "from", 0, err);
    if (rc == 0)
        rc = srv_query_date(&to, r, "to", to, err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = collections_entries(db, acct, from, to, entry_item, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

int h_ledger_balance(srv_req *r, tl_db *db, tl_err *err)
{
    const char *acct = srv_query(r, "accountNumber");
    const char *inv = srv_query(r, "invoiceNumber");
    tl_money bal;
    tl_date as_of;
    json_t *out;
    int rc;

    if ((acct == NULL) == (inv == NULL))
        return srv_fail(r, 400, TL_EINVALID, "required", "accountNumber",
                        "give accountNumber or invoiceNumber (one of them)");
    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    if (acct != NULL)
        rc = collections_account_balance(&bal, db, acct, as_of, err);
    else
        rc = collections_invoice_balance(&bal, db, inv, as_of, err);
    if (rc < 0)
        return rc;
    out = json_pack("{s:o, s:o}", "asOf", srv_date(as_of), "balance",
                    srv_money(&bal));
    if (out != NULL && acct != NULL)
        json_object_set_new(out, "accountNumber", json_string(acct));
    if (out != NULL && inv != NULL)
        json_object_set_new(out, "invoiceNumber", json_string(inv));
    if (out == NULL)
        return OOM(err);
    return srv_reply(r, 200, out, err);
}

/* The library names a document's fields as the CLI does (invoice,
 * to_account, payment); the request names them invoiceNumber, toAccount,
 * paymentReference. */
static void doc_fields(tl_err *err)
{
    static const char *const map[][2] = {{"invoice", "invoiceNumber"},
                                         {"to_account", "toAccount"},
                                         {"account", "accountNumber"},
                                         {"payment", "paymentReference"}};
    size_t i;
    size_t k;

    for (k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
        if (strcmp(err->field, map[k][0]) == 0)
            snprintf(err->field, sizeof(err->field), "%s", map[k][1]);
        for (i = 0; i < err->n_problems; i++)
            if (strcmp(err->problems[i].field, map[k][0]) == 0)
                snprintf(err->problems[i].field, sizeof(err->problems[i].field),
                         "%s", map[k][1]);
    }
}

int h_ledger_doc_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"kind",
                                       "accountNumber",
                                       "invoiceNumber",
                                       "toAccount",
                                       "amount",
                                       "date",
                                       "reference",
                                       "reason",
                                       "method",
                                       "paymentReference",
                                       NULL};
    collections_doc_in in;
    collections_doc_result res;
    json_t *body = NULL;
    json_t *out = NULL;
    tl_money signed_amount;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    memset(&in, 0, sizeof(in));
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "kind", "", 1, 16, &in.kind, err);
    tl_json_str(body, "accountNumber", "", 1, 32, &in.account_number, err);
    tl_json_str(body, "invoiceNumber", "", 0, 40, &in.invoice_number, err);
    tl_json_str(body, "toAccount", "", 0, 32, &in.to_account, err);
    body_money(body, "amount", 1, &in.amount, err);
    tl_json_str(body, "reference", "", 1, 64, &in.reference, err);
    tl_json_str(body, "reason", "", 0, 500, &in.reason, err);
    tl_json_str(body, "method", "", 0, 16, &in.method, err);
    tl_json_str(body, "paymentReference", "", 0, 120, &in.payment_reference,
                err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = srv_body_date(&in.date, r, body, "date", err);
    if (rc < 0)
        goto cleanup;
    in.actor = r->user.username;
    rc = collections_doc_post(&res, db, &in, err);
    if (rc < 0) {
        doc_fields(err);
        goto cleanup;
    }
    tl_money_make(&signed_amount, res.signed_minor, in.amount.cur);
    out = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:b}", "id",
                    (json_int_t)res.entry_id, "kind", in.kind, "accountNumber",
                    in.account_number, "reference", in.reference, "amount",
                    srv_money(&in.amount), "ledgerAmount",
                    srv_money(&signed_amount), "created", res.created);
    if (out == NULL) {
        rc = OOM(err);
        goto cleanup;
    }
    if (res.linked_entry_id != 0)
        json_object_set_new(out, "linkedId",
                            json_integer((json_int_t)res.linked_entry_id));
    if (res.payment_id != 0)
        json_object_set_new(out, "paymentId",
                            json_integer((json_int_t)res.payment_id));
    rc = srv_reply(r, res.created ? 201 : 200, out, err);
    out = NULL;
cleanup:
    json_decref(out);
    json_decref(body);
    return rc;
}

/* ---- write-offs ---- */

int h_writeoff_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"invoiceNumber", "amount", "reason",
                                       "date", NULL};
    collections_writeoff_in in;
    json_t *body = NULL;
    json_t *out = NULL;
    int64_t id = 0;
    int created = 0;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    memset(&in, 0, sizeof(in));
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "invoiceNumber", "", 1, 40, &in.invoice_number, err);
    body_money(body, "amount", 1, &in.amount, err);
    tl_json_str(body, "reason", "", 1, 500, &in.reason, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = srv_body_date(&in.date, r, body, "date", err);
    if (rc < 0)
        goto cleanup;
    in.actor = r->user.username;
    rc = collections_writeoff_request(&id, &created, db, &in, err);
    if (rc < 0)
        goto cleanup;
    out = json_pack("{s:I, s:s, s:o, s:s, s:b}", "id", (json_int_t)id,
                    "invoiceNumber", in.invoice_number, "amount",
                    srv_money(&in.amount), "state", "requested", "created",
                    created);
    if (out == NULL) {
        rc = OOM(err);
        goto cleanup;
    }
    rc = srv_reply(r, created ? 201 : 200, out, err);
    out = NULL;
cleanup:
    json_decref(out);
    json_decref(body);
    return rc;
}

static int writeoff_item(const collections_writeoff *w, void *cls, tl_err *err)
{
    json_t *items = cls;

    if (json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:s, s:o, s:s, s:o, s:s, s:s, s:s, s:s, "
                      "s:b, s:s}",
                      "id", (json_int_t)w->writeoff_id, "accountNumber",
                      w->account_number, "invoiceNumber", w->invoice_number,
                      "amount", srv_money(&w->amount), "reason", w->reason,
                      "requestedOn", srv_date(w->requested_on), "requestedBy",
                      w->requested_by, "state", w->state, "firstApprover",
                      w->first_approver, "secondApprover", w->second_approver,
                      "needsSecondApproval", w->needs_second, "reference",
                      w->reference)) != 0)
        return OOM(err);
    return 0;
}

int h_writeoff_list(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items = json_array();
    int rc;

    if (items == NULL)
        return OOM(err);
    rc = collections_writeoffs(db, srv_query(r, "state"), writeoff_item, items,
                               err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

/* The optional body of approve/reject: {"date"?, "note"?}. */
static int decision_body(json_t **body, tl_date *on, const char **note,
                         srv_req *r, tl_err *err)
{
    static const char *const keys[] = {"date", "note", NULL};
    int rc;

    *body = NULL;
    *note = NULL;
    if (r->body_len == 0) {
        *on = r->today;
        return 0;
    }
    rc = srv_body_object(body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(*body, "", keys, err);
    tl_json_str(*body, "note", "", 0, 500, note, err);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    return srv_body_date(on, r, *body, "date", err);
}

int h_writeoff_approve(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *body = NULL;
    const char *note;
    int64_t id;
    tl_date on;
    int posted = 0;
    int rc;

    rc = srv_param_id(&id, r, 0, "id");
    if (rc == 0)
        rc = decision_body(&body, &on, &note, r, err);
    if (rc == 0)
        rc = collections_writeoff_approve(&posted, db, id, on, r->user.username,
                                          err);
    json_decref(body);
    if (rc < 0)
        return rc;
    return srv_reply(r, 200,
                     json_pack("{s:I, s:s, s:b}", "id", (json_int_t)id, "state",
                               posted ? "approved" : "requested", "posted",
                               posted),
                     err);
}

int h_writeoff_reject(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *body = NULL;
    const char *note = NULL;
    int64_t id;
    tl_date on;
    int rc;

    rc = srv_param_id(&id, r, 0, "id");
    if (rc == 0)
        rc = decision_body(&body, &on, &note, r, err);
    if (rc == 0 && (note == NULL || note[0] == '\0'))
        rc = srv_fail(r, 400, TL_EINVALID, "required", "note",
                      "a note says why the write-off is rejected");
    if (rc == 0)
        rc = collections_writeoff_reject(db, id, on, note, r->user.username,
                                         err);
    json_decref(body);
    if (rc < 0)
        return rc;
    return srv_reply(
        r, 200,
        json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "rejected"),
        err);
}
