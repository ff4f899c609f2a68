/*
 * Statements of account (JSON, or the CSV and HTML documents), the
 * monthly account-status summary, resends, FX rates, and the rest of a
 * collector's day: credit risk, incomplete files, escalations, deposits,
 * payment methods (masked: only the last four digits ever leave the
 * library) and credit inquiries. Each handler parses, calls the
 * collections library as the authenticated user, and replies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/acct.h"
#include "common/json.h"
#include "server/server_internal.h"

#define OOM(err) tl_err_set((err), TL_ERROR, "internal", "", "out of memory")

static const char *nz(const char *s)
{
    return s != NULL ? s : "";
}

static json_t *amount_of(int64_t minor, const char *cur)
{
    tl_money m;

    tl_money_make(&m, minor, cur);
    return srv_money(&m);
}

/* Appends item (stolen) to the array; TL_ERROR when either is missing. */
static int append(json_t *items, json_t *item, tl_err *err)
{
    if (item == NULL || json_array_append_new(items, item) != 0)
        return OOM(err);
    return 0;
}

/* Parses the body as an object with only the allowed keys. */
static int body_of(json_t **body, srv_req *r, const char *const *keys,
                   tl_err *err)
{
    int rc = srv_body_object(body, r, err);

    if (rc < 0)
        return rc;
    tl_json_only_keys(*body, "", keys, err);
    return 0;
}

/* The reply of a write that is idempotent: 201 when created, else 200. */
static int reply_created(srv_req *r, json_t *out, int created, tl_err *err)
{
    if (out == NULL)
        return OOM(err);
    json_object_set_new(out, "created", json_boolean(created));
    return srv_reply(r, created ? 201 : 200, out, err);
}

/* ---- statements ---- */

static int stmt_entry(const collections_entry *e, void *cls, tl_err *err)
{
    return append(
        cls,
        json_pack("{s:o, s:s, s:s, s:s, s:o, s:o}", "date", srv_date(e->date),
                  "kind", e->doc_kind[0] ? e->doc_kind : e->kind, "reference",
                  nz(e->reference), "invoiceNumber", nz(e->invoice_number),
                  "amount", srv_money(&e->amount), "balance",
                  amount_of(e->running, e->amount.cur)),
        err);
}

static const char *const stmt_totals[] = {"opening",  "invoices",  "payments",
                                          "credits",  "debits",    "closing",
                                          "disputed", "unapplied", NULL};

static const char *amt_text(const json_t *o, const char *key)
{
    const char *s =
        json_string_value(json_object_get(json_object_get(o, key), "amount"));

    return s != NULL ? s : "";
}

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

static void csv_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n") != NULL) {
        fputc('"', f);
        for (; *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static void statement_csv(FILE *f, const json_t *s)
{
    const char *acct = str_of(s, "accountNumber");
    const char *cur = str_of(s, "currency");
    const char *bucket;
    json_t *e;
    json_t *v;
    size_t i;

    fputs("account,currency,section,date,kind,reference,invoice,amount,"
          "balance\n",
          f);
    json_array_foreach(json_object_get(s, "entries"), i, e)
    {
        csv_field(f, acct, 0);
        csv_field(f, cur, 0);
        csv_field(f, "entry", 0);
        csv_field(f, str_of(e, "date"), 0);
        csv_field(f, str_of(e, "kind"), 0);
        csv_field(f, str_of(e, "reference"), 0);
        csv_field(f, str_of(e, "invoiceNumber"), 0);
        csv_field(f, amt_text(e, "amount"), 0);
        csv_field(f, amt_text(e, "balance"), 1);
    }
    for (i = 0; stmt_totals[i] != NULL; i++) {
        csv_field(f, acct, 0);
        csv_field(f, cur, 0);
        csv_field(f, "total", 0);
        csv_field(f, str_of(s, "asOf"), 0);
        csv_field(f, stmt_totals[i], 0);
        fputs(",,", f);
        csv_field(f, amt_text(s, stmt_totals[i]), 0);
        fputc('\n', f);
    }
    json_object_foreach(json_object_get(s, "aging"), bucket, v)
    {
        csv_field(f, acct, 0);
        csv_field(f, cur, 0);
        csv_field(f, "aging", 0);
        csv_field(f, str_of(s, "asOf"), 0);
        csv_field(f, bucket, 0);
        fputs(",,", f);
        csv_field(f, str_of(v, "amount"), 0);
        fputc('\n', f);
    }
}

static void html_cell(FILE *f, const char *tag, const char *s)
{
    fprintf(f, "<%s>", tag);
    collections_html_escape(f, s);
    fprintf(f, "</%s>", tag);
}

static void statement_html(FILE *f, const json_t *s)
{
    const char *bucket;
    json_t *e;
    json_t *v;
    size_t i;

    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
          "<title>Statement of account</title></head><body>\n"
          "<h1>Statement of account ",
          f);
    collections_html_escape(f, str_of(s, "accountNumber"));
    fputs("</h1>\n<p>", f);
    collections_html_escape(f, str_of(s, "customerName"));
    fputs(" &mdash; ", f);
    collections_html_escape(f, str_of(s, "accountName"));
    fputs("<br>Period ", f);
    collections_html_escape(f, str_of(s, "from"));
    fputs(" to ", f);
    collections_html_escape(f, str_of(s, "asOf"));
    fputs(", amounts in ", f);
    collections_html_escape(f, str_of(s, "currency"));
    fputs("</p>\n<table><tr><th>Date</th><th>Kind</th><th>Reference</th>"
          "<th>Invoice</th><th>Amount</th><th>Balance</th></tr>\n",
          f);
    json_array_foreach(json_object_get(s, "entries"), i, e)
    {
        fputs("<tr>", f);
        html_cell(f, "td", str_of(e, "date"));
        html_cell(f, "td", str_of(e, "kind"));
        html_cell(f, "td", str_of(e, "reference"));
        html_cell(f, "td", str_of(e, "invoiceNumber"));
        html_cell(f, "td", amt_text(e, "amount"));
        html_cell(f, "td", amt_text(e, "balance"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<table>", f);
    for (i = 0; stmt_totals[i] != NULL; i++) {
        fputs("<tr>", f);
        html_cell(f, "th", stmt_totals[i]);
        html_cell(f, "td", amt_text(s, stmt_totals[i]));
        fputs("</tr>", f);
    }
    fputs("</table>\n<table><tr>", f);
    json_object_foreach(json_object_get(s, "aging"), bucket, v)
        html_cell(f, "th", bucket);
    fputs("</tr><tr>", f);
    json_object_foreach(json_object_get(s, "aging"), bucket, v)
        html_cell(f, "td", str_of(v, "amount"));
    fputs("</tr></table>\n</body></html>\n", f);
}

/* Renders the statement as CSV or HTML and replies with it. */
static int reply_rendered(srv_req *r, const json_t *doc, int html, tl_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (f == NULL)
        return OOM(err);
    if (html)
        statement_html(f, doc);
    else
        statement_csv(f, doc);
    if (fclose(f) != 0 || buf == NULL) {
        free(buf);
        return OOM(err);
    }
    return srv_reply_raw(
        r, 200, html ? "text/html; charset=utf-8" : "text/csv; charset=utf-8",
        buf, len);
}

int h_statement_get(srv_req *r, tl_db *db, tl_err *err)
{
    const char *acct = srv_query(r, "accountNumber");
    const char *format = srv_query(r, "format");
    collections_statement s;
    json_t *entries = NULL;
    json_t *aging = NULL;
    json_t *doc = NULL;
    tl_date as_of;
    tl_date from;
    int y;
    int m;
    int d;
    int b;
    int rc;

    if (acct == NULL)
        return srv_fail(r, 400, TL_EINVALID, "required", "accountNumber",
                        "accountNumber is required");
    if (format != NULL && strcmp(format, "json") != 0 &&
        strcmp(format, "csv") != 0 && strcmp(format, "html") != 0)
        return srv_fail(r, 400, TL_EINVALID, "format", "format",
                        "format is json, csv or html");
    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    tl_date_to_ymd(as_of, &y, &m, &d);
    tl_date_from_ymd(&from, y, m, 1);
    rc = srv_query_date(&from, r, "from", from, err);
    if (rc < 0)
        return rc;
    entries = json_array();
    aging = json_object();
    if (entries == NULL || aging == NULL) {
        rc = OOM(err);
        goto cleanup;
    }
    rc = collections_statement_get(&s, db, acct, from, as_of, stmt_entry,
                                   entries, err);
    if (rc < 0)
        goto cleanup;
    for (b = 0; b < COLLECTIONS_BUCKETS; b++)
        json_object_set_new(aging, collections_bucket_name(b),
                            amount_of(s.bucket[b], s.currency));
    doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:o, s:O, s:O}",
        "accountNumber", s.account_number, "accountName", s.account_name,
        "customerName", s.customer_name, "currency", s.currency, "from",
        srv_date(s.from), "asOf", srv_date(s.as_of), "opening",
        amount_of(s.opening, s.currency), "invoices",
        amount_of(s.invoices, s.currency), "payments",
        amount_of(s.payments, s.currency), "credits",
        amount_of(s.credits, s.currency), "debits",
        amount_of(s.debits, s.currency), "closing",
        amount_of(s.closing, s.currency), "disputed",
        amount_of(s.disputed, s.currency), "unapplied",
        amount_of(s.unapplied, s.currency), "aging", aging, "entries", entries);
    if (doc == NULL) {
        rc = OOM(err);
        goto cleanup;
    }
    if (format != NULL && strcmp(format, "json") != 0) {
        rc = reply_rendered(r, doc, strcmp(format, "html") == 0, err);
        goto cleanup;
    }
    rc = srv_reply(r, 200, doc, err);
    doc = NULL;
cleanup:
    json_decref(doc);
    json_decref(aging);
    json_decref(entries);
    return rc;
}

static json_t *dso_json(int64_t tenths)
{
    char buf[32];

    if (tenths < 0)
        return json_null();
    snprintf(buf, sizeof(buf), "%lld.%lld", (long long)(tenths / 10),
             (long long)(tenths % 10));
    return json_string(buf);
}

typedef struct sum_out {
    json_t *accounts;
    json_t *portfolio;
} sum_out;

static int summary_row(const collections_summary_row *s, void *cls, tl_err *err)
{
    sum_out *out = cls;
    json_t *o = json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "accountName",
        nz(s->account_name), "currency", s->currency, "opening",
        amount_of(s->opening, s->currency), "billed",
        amount_of(s->billed, s->currency), "collected",
        amount_of(s->collected, s->currency), "credits",
        amount_of(s->credits, s->currency), "writeOffs",
        amount_of(s->write_offs, s->currency), "closing",
        amount_of(s->closing, s->currency), "disputed",
        amount_of(s->disputed, s->currency), "dso", dso_json(s->dso_tenths));

    if (o == NULL)
        return OOM(err);
    if (s->account_number[0] == '\0') {
        json_decref(out->portfolio);
        out->portfolio = o;
        return 0;
    }
    json_object_set_new(o, "accountNumber", json_string(s->account_number));
    return append(out->accounts, o, err);
}

int h_statement_summary(srv_req *r, tl_db *db, tl_err *err)
{
    const char *month = srv_query(r, "month");
    const char *base = srv_query(r, "base");
    sum_out out = {NULL, NULL};
    char text[16];
    tl_date first;
    int y;
    int m;
    int d;
    int rc;

    if (month == NULL) {
        tl_date_to_ymd(r->today, &y, &m, &d);
    } else {
        snprintf(text, sizeof(text), "%.7s-01", month);
        if (strlen(month) != 7 || tl_date_parse(&first, text) != 0)
            return srv_fail(r, 400, TL_EINVALID, "format", "month",
                            "month is YYYY-MM");
        tl_date_to_ymd(first, &y, &m, &d);
    }
    if (base == NULL)
        base = "USD";
    out.accounts = json_array();
    if (out.accounts == NULL)
        return OOM(err);
    rc = collections_summary(db, y, m, base, summary_row, &out, err);
    if (rc < 0) {
        json_decref(out.accounts);
        json_decref(out.portfolio);
        return rc;
    }
    snprintf(text, sizeof(text), "%04d-%02d", y, m);
    return srv_reply(r, 200,
                     json_pack("{s:s, s:s, s:o, s:o}", "month", text, "base",
                               base, "accounts", out.accounts, "portfolio",
                               out.portfolio ? out.portfolio : json_null()),
                     err);
}

int h_statement_resend(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"accountNumber", "invoiceNumber", "asOf",
                                       "date", NULL};
    const char *acct = NULL;
    const char *inv = NULL;
    json_t *body = NULL;
    json_t *out = NULL;
    int64_t id = 0;
    int created = 0;
    tl_date as_of;
    tl_date on;
    int rc;

    rc = body_of(&body, r, keys, err);
    if (rc < 0)
        return rc;
    tl_json_str(body, "accountNumber", "", 0, 32, &acct, err);
    tl_json_str(body, "invoiceNumber", "", 0, 40, &inv, err);
    if (!tl_err_has_problems(err) && (acct == NULL) == (inv == NULL))
        tl_err_add(err, "required", "accountNumber",
                   "give accountNumber or invoiceNumber (one of them)");
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = srv_body_date(&as_of, r, body, "asOf", err);
    if (rc == 0)
        rc = srv_body_date(&on, r, body, "date", err);
    if (rc < 0)
        goto cleanup;
    if (acct != NULL)
        rc = collections_statement_resend(&id, &created, db, acct, as_of, on,
                                          r->user.username, err);
    else
        rc = collections_invoice_resend(&id, &created, db, inv, on,
                                        r->user.username, err);
    if (rc < 0)
        goto cleanup;
    out = json_pack("{s:I}", "contactId", (json_int_t)id);
    rc = reply_created(r, out, created, err);
    out = NULL;
cleanup:
    json_decref(out);
    json_decref(body);
    return rc;
}

/* ---- FX ---- */

static json_t *rate_json(int64_t micro)
{
    char buf[40];

    snprintf(buf, sizeof(buf), "%lld.%06lld", (long long)(micro / 1000000),
             (long long)(micro % 1000000));
    return json_string(buf);
}

static int fx_item(const collections_fx_rate *x, void *cls, tl_err *err)
{
    return append(cls,
                  json_pack("{s:s, s:s, s:o, s:o}", "from", x->from, "to",
                            x->to, "effectiveDate", srv_date(x->effective),
                            "rate", rate_json(x->rate_micro)),
                  err);
}

int h_fx_list(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items = json_array();
    int rc;

    if (items == NULL)
        return OOM(err);
    rc = collections_fx_rates(db, fx_item, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

int h_fx_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"from", "to", "effectiveDate", "rate",
                                       NULL};
    const char *from = NULL;
    const char *to = NULL;
    const char *rate = NULL;
    json_t *body = NULL;
    int64_t micro = 0;
    tl_date eff = 0;
    int created = 0;
    int rc;

    rc = body_of(&body, r, keys, err);
    if (rc < 0)
        return rc;
    tl_json_str(body, "from", "", 1, 3, &from, err);
    tl_json_str(body, "to", "", 1, 3, &to, err);
    tl_json_date(body, "effectiveDate", "", 1, &eff, NULL, err);
    tl_json_str(body, "rate", "", 1, 32, &rate, err);
    if (rate != NULL && collections_fx_rate_parse(&micro, rate) < 0)
        tl_err_add(err, "format", "rate",
                   "rate is a positive decimal with at most 6 places");
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = collections_fx_load(&created, db, from, to, eff, micro,
                             r->user.username, err);
    if (rc < 0)
        goto cleanup;
    rc = reply_created(r,
                       json_pack("{s:s, s:s, s:o, s:o}", "from", from, "to", to,
                                 "effectiveDate", srv_date(eff), "rate",
                                 rate_json(micro)),
                       created, err);
cleanup:
    json_decref(body);
    return rc;
}

/* ---- credit ---- */

static int risk_item(const collections_risk *k, void *cls, tl_err *err)
{
    return append(
        cls,
        json_pack(
            "{s:s, s:s, s:o, s:o, s:b, s:i, s:o, s:b}", "accountNumber",
            k->account_number, "accountName", nz(k->account_name), "openTotal",
            amount_of(k->open_total, k->currency), "creditLimit",
            k->credit_limit < 0 ? json_null()
                                : amount_of(k->credit_limit, k->currency),
            "overLimit", k->over_limit, "brokenPromises", k->broken_promises,
            "over90", amount_of(k->over_90, k->currency), "depositReceived",
            k->has_deposit),
        err);
}

int h_credit_risk(srv_req *r, tl_db *db, tl_err *err)
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
    rc = collections_credit_risk(db, as_of, risk_item, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static int incomplete_item(const collections_incomplete *i, void *cls,
                           tl_err *err)
{
    return append(
        cls,
        json_pack("{s:s, s:s, s:b, s:b, s:b}", "accountNumber",
                  i->account_number, "accountName", nz(i->account_name),
                  "missingContract", i->missing_contract,
                  "missingTaxCertificate", i->missing_tax_certificate,
                  "missingCreditApplication", i->missing_credit_application),
        err);
}

int h_incomplete_files(srv_req *r, tl_db *db, tl_err *err)
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
    rc = collections_incomplete_files(db, as_of, incomplete_item, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

int h_escalation_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"accountNumber", "level", "reason",
                                       "date", NULL};
    const char *acct = NULL;
    const char *level = NULL;
    const char *reason = NULL;
    json_t *body = NULL;
    int64_t id = 0;
    int created = 0;
    tl_date on;
    int rc;

    rc = body_of(&body, r, keys, err);
    if (rc < 0)
        return rc;
    tl_json_str(body, "accountNumber", "", 1, 32, &acct, err);
    tl_json_str(body, "level", "", 1, 16, &level, err);
    tl_json_str(body, "reason", "", 1, 500, &reason, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = srv_body_date(&on, r, body, "date", err);
    if (rc == 0)
        rc = collections_escalate(&id, &created, db, acct, level, reason, on,
                                  r->user.username, err);
    if (rc == 0)
        rc = reply_created(r,
                           json_pack("{s:I, s:s, s:s, s:o}", "id",
                                     (json_int_t)id, "accountNumber", acct,
                                     "level", level, "date", srv_date(on)),
                           created, err);
cleanup:
    json_decref(body);
    return rc;
}

static int escalation_item(const collections_escalation *e, void *cls,
                           tl_err *err)
{
    return append(cls,
                  json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:b}", "id",
                            (json_int_t)e->escalation_id, "accountNumber",
                            e->account_number, "level", e->level, "reason",
                            nz(e->reason), "date", srv_date(e->on), "by",
                            nz(e->by), "current", e->current),
                  err);
}

int h_escalation_list(srv_req *r, tl_db *db, tl_err *err)
{
    const char *acct = srv_query(r, "accountNumber");
    accounts_account_t a;
    json_t *items;
    int rc;

    if (acct != NULL) {
        rc = accounts_get(&a, db, acct, err);
        if (rc < 0)
            return rc;
    }
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = collections_escalations(db, acct, escalation_item, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

int h_deposit_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"accountNumber", "amount", "reason",
                                       "date", NULL};
    const char *acct = NULL;
    const char *reason = NULL;
    const char *cur = NULL;
    const json_t *m = NULL;
    json_t *body = NULL;
    tl_money amount;
    int64_t id = 0;
    int created = 0;
    tl_date on;
    int rc;

    rc = body_of(&body, r, keys, err);
    if (rc < 0)
        return rc;
    memset(&amount, 0, sizeof(amount));
    tl_json_str(body, "accountNumber", "", 1, 32, &acct, err);
    tl_json_object(body, "amount", "", 1, &m, err);
    if (m != NULL) {
        tl_json_str(m, "currency", "amount", 1, 3, &cur, err);
        if (cur != NULL)
            tl_json_amount(m, "amount", "amount", 1, cur, &amount, NULL, err);
    }
    tl_json_str(body, "reason", "", 1, 500, &reason, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = srv_body_date(&on, r, body, "date", err);
    if (rc == 0)
        rc = collections_deposit_request(&id, &created, db, acct, &amount,
                                         reason, on, r->user.username, err);
    if (rc == 0)
        rc = reply_created(r,
                           json_pack("{s:I, s:s, s:o, s:s}", "id",
                                     (json_int_t)id, "accountNumber", acct,
                                     "amount", srv_money(&amount), "state",
                                     "requested"),
                           created, err);
cleanup:
    json_decref(body);
    return rc;
}

static int deposit_item(const collections_deposit *d, void *cls, tl_err *err)
{
    return append(cls,
                  json_pack("{s:I, s:s, s:o, s:s, s:o, s:s}", "id",
                            (json_int_t)d->deposit_id, "accountNumber",
                            d->account_number, "amount", srv_money(&d->amount),
                            "reason", nz(d->reason), "requestedOn",
                            srv_date(d->requested_on), "state", d->state),
                  err);
}

int h_deposit_list(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items = json_array();
    int rc;

    if (items == NULL)
        return OOM(err);
    rc = collections_deposits(db, srv_query(r, "accountNumber"), deposit_item,
                              items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static int deposit_decide(srv_req *r, tl_db *db, const char *state, tl_err *err)
{
    static const char *const keys[] = {"date", NULL};
    json_t *body = NULL;
    int64_t id;
    tl_date on = r->today;
    int rc;

    rc = srv_param_id(&id, r, 0, "id");
    if (rc < 0)
        return rc;
    if (r->body_len > 0) {
        rc = body_of(&body, r, keys, err);
        if (rc == 0 && tl_err_has_problems(err))
            rc = TL_EINVALID;
        if (rc == 0)
            rc = srv_body_date(&on, r, body, "date", err);
        json_decref(body);
        if (rc < 0)
            return rc;
    }
    rc = collections_deposit_decide(db, id, state, on, r->user.username, err);
    if (rc < 0)
        return rc;
    return srv_reply(
        r, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", state),
        err);
}

int h_deposit_receive(srv_req *r, tl_db *db, tl_err *err)
{
    return deposit_decide(r, db, "received", err);
}

int h_deposit_waive(srv_req *r, tl_db *db, tl_err *err)
{
    return deposit_decide(r, db, "waived", err);
}

int h_payment_method_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"accountNumber", "kind", "number",
                                       "label",         "date", NULL};
    const char *acct = NULL;
    const char *kind = NULL;
    const char *number = NULL;
    const char *label = NULL;
    json_t *body = NULL;
    int64_t id = 0;
    int created = 0;
    tl_date on;
    int rc;

    rc = body_of(&body, r, keys, err);
    if (rc < 0)
        return rc;
    tl_json_str(body, "accountNumber", "", 1, 32, &acct, err);
    tl_json_str(body, "kind", "", 1, 16, &kind, err);
    tl_json_str(body, "number", "", 1, 64, &number, err);
    tl_json_str(body, "label", "", 0, 120, &label, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = srv_body_date(&on, r, body, "date", err);
    if (rc == 0)
        rc = collections_payment_method_add(&id, &created, db, acct, kind,
                                            number, label, on, r->user.username,
                                            err);
    /* the answer never echoes the number: read it back masked */
    if (rc == 0)
        rc = reply_created(r,
                           json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
                                     "accountNumber", acct, "kind", kind),
                           created, err);
cleanup:
    json_decref(body);
    return rc;
}

static int method_item(const collections_payment_method *m, void *cls,
                       tl_err *err)
{
    return append(cls,
                  json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
                            (json_int_t)m->method_id, "accountNumber",
                            m->account_number, "kind", m->kind, "last4",
                            m->last4, "label", nz(m->label)),
                  err);
}

int h_payment_method_list(srv_req *r, tl_db *db, tl_err *err)
{
    const char *acct = srv_query(r, "accountNumber");
    json_t *items;
    int rc;

    if (acct == NULL)
        return srv_fail(r, 400, TL_EINVALID, "required", "accountNumber",
                        "accountNumber is required");
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = collections_payment_methods(db, acct, method_item, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

int h_credit_inquiry_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {
        "accountNumber", "date", "bureau", "outcome", "score", "note", NULL};
    collections_inquiry_in in;
    json_t *body = NULL;
    int64_t score = -1;
    int64_t id = 0;
    int created = 0;
    int present = 0;
    int rc;

    rc = body_of(&body, r, keys, err);
    if (rc < 0)
        return rc;
    memset(&in, 0, sizeof(in));
    tl_json_str(body, "accountNumber", "", 1, 32, &in.account_number, err);
    tl_json_str(body, "bureau", "", 1, 64, &in.bureau, err);
    tl_json_str(body, "outcome", "", 1, 16, &in.outcome, err);
    tl_json_int(body, "score", "", 0, 0, 1000, &score, &present, err);
    tl_json_str(body, "note", "", 0, 500, &in.note, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = srv_body_date(&in.date, r, body, "date", err);
    if (rc < 0)
        goto cleanup;
    in.score = present ? (int)score : -1;
    in.actor = r->user.username;
    rc = collections_credit_inquiry_add(&id, &created, db, &in, err);
    if (rc == 0)
        rc = reply_created(r,
                           json_pack("{s:I, s:s, s:s, s:s}", "id",
                                     (json_int_t)id, "accountNumber",
                                     in.account_number, "bureau", in.bureau,
                                     "outcome", in.outcome),
                           created, err);
cleanup:
    json_decref(body);
    return rc;
}
