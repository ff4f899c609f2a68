/*
 * trunkline ledger | writeoff | fx | statement | invoice resend: the AR
 * ledger's documents, write-offs with approval, FX rates, statements of
 * account and the monthly account-status summary (collections/acct.h).
 *
 * Statements and the summary are gathered into one JSON document first and
 * then rendered as JSON, CSV or printable HTML, so nothing is written to
 * --output unless every figure was read.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "cli/cli.h"
#include "collections/acct.h"
#include "common/json.h"

#define PARSE(opts, pos, max)                                                  \
    do {                                                                       \
        int prc_ = cli_parse(c, argc, argv, (opts), (pos), (max), &npos);      \
        if (prc_ != 0)                                                         \
            return prc_ > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;                    \
    } while (0)

static int opt_date(const cli_ctx *c, const char *opt, const char *text,
                    tl_date *out)
{
    if (text == NULL) {
        *out = cli_today();
        return 0;
    }
    return cli_date_arg(c, opt, text, out);
}

static int parse_amount(tl_money *out, const char *text, const char *cur,
                        tl_err *err)
{
    if (tl_money_parse(out, text, cur) == 0)
        return 0;
    return tl_err_add(err, "format", "amount",
                      "amount must be a plain decimal with at most %d "
                      "decimals for %s, not \"%s\"",
                      tl_currency_exponent(cur), cur, text);
}

static const char *day_text(char buf[16], tl_date d)
{
    if (tl_date_format(buf, 16, d) < 0)
        snprintf(buf, 16, "?");
    return buf;
}

static const char *minor_text(char buf[32], int64_t minor, const char *cur)
{
    tl_money m;

    if (tl_money_make(&m, minor, cur) != 0 || tl_money_format(buf, 32, &m) < 0)
        snprintf(buf, 32, "?");
    return buf;
}

static json_t *amount_json(int64_t minor, const char *cur)
{
    char buf[32];

    return json_string(minor_text(buf, minor, cur));
}

typedef struct list_out {
    json_t *rows; /* NULL for text */
    int count;
} list_out;

static int finish_list(cli_ctx *c, list_out *out, int rc, tl_err *err,
                       const char *key, const char *empty)
{
    if (rc < 0) {
        json_decref(out->rows);
        return cli_fail(c, rc, err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", key, out->rows));
    if (out->count == 0)
        printf("%s\n", empty);
    return CLI_EXIT_OK;
}

static int append(list_out *out, json_t *o)
{
    out->count++;
    if (o == NULL || json_array_append_new(out->rows, o) != 0)
        return TL_ERROR;
    return 0;
}

/* ---- ledger ---- */

static int run_ledger_post(cli_ctx *c, int argc, char **argv)
{
    const char *amount_text = NULL;
    const char *date_text = NULL;
    collections_doc_in in;
    const cli_opt opts[] = {{"kind", &in.kind, NULL},
                            {"account", &in.account_number, NULL},
                            {"invoice", &in.invoice_number, NULL},
                            {"to", &in.to_account, NULL},
                            {"amount", &amount_text, NULL},
                            {"date", &date_text, NULL},
                            {"reference", &in.reference, NULL},
                            {"reason", &in.reason, NULL},
                            {"method", &in.method, NULL},
                            {"payment", &in.payment_reference, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    accounts_account_t acct;
    collections_doc_result res;
    tl_err err = TL_ERR_INIT;
    char buf[32];
    int npos;
    int rc;

    memset(&in, 0, sizeof(in));
    PARSE(opts, pos, 0);
    if (in.kind == NULL || in.account_number == NULL || amount_text == NULL ||
        in.reference == NULL)
        return cli_usage_error(
            c, "--kind, --account, --amount and --reference are required");
    if (opt_date(c, "date", date_text, &in.date) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_get(&acct, c->db, in.account_number, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = parse_amount(&in.amount, amount_text, acct.currency, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    in.actor = c->actor;
    rc = collections_doc_post(&res, c->db, &in, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:I, s:I, s:b, s:s, s:s, s:s, s:o}", "entryId",
            (json_int_t)res.entry_id, "linkedEntryId",
            (json_int_t)res.linked_entry_id, "paymentId",
            (json_int_t)res.payment_id, "created", res.created, "kind", in.kind,
            "account", acct.account_number, "reference", in.reference, "amount",
            amount_json(res.signed_minor, acct.currency)));
    printf("%s %s %s on %s: %s %s (entry %lld", in.kind, in.reference,
           res.created ? "posted" : "was already posted", acct.account_number,
           acct.currency, minor_text(buf, res.signed_minor, acct.currency),
           (long long)res.entry_id);
    if (res.payment_id != 0)
        printf(", credit of payment %lld", (long long)res.payment_id);
    printf(")\n");
    return CLI_EXIT_OK;
}

static int entry_line(const collections_entry *e, void *cls, tl_err *err)
{
    list_out *out = cls;
    char d[16];
    char a[32];
    char r[32];

    (void)err;
    if (out->rows != NULL)
        return append(out,
                      json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}",
                                "entryId", (json_int_t)e->entry_id, "date",
                                day_text(d, e->date), "kind", e->kind,
                                "document", e->doc_kind, "reference",
                                e->reference, "invoice", e->invoice_number,
                                "amount", cli_money_json(&e->amount), "balance",
                                amount_json(e->running, e->amount.cur),
                                "reason", e->reason));
    out->count++;
    printf("%s  %-12s %-20s %-14s %12s %12s\n", day_text(d, e->date),
           e->doc_kind[0] ? e->doc_kind : e->kind, e->reference,
           e->invoice_number, minor_text(a, e->amount.minor, e->amount.cur),
           minor_text(r, e->running, e->amount.cur));
    return 0;
}

static int run_ledger_list(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *from_text = NULL;
    const char *to_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"from", &from_text, NULL},
                            {"to", &to_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    tl_date from = 0;
    tl_date to = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if (from_text != NULL && cli_date_arg(c, "from", from_text, &from) != 0)
        return CLI_EXIT_USAGE;
    if (opt_date(c, "to", to_text, &to) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = collections_entries(c->db, account, from, to, entry_line, &out, &err);
    return finish_list(c, &out, rc, &err, "entries", "(no entries)");
}

static int run_ledger_balance(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *invoice = NULL;
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"invoice", &invoice, NULL},
                            {"as-of", &as_of_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    tl_money bal;
    tl_date as_of = 0;
    char d[16];
    char b[32];
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if ((account == NULL) == (invoice == NULL))
        return cli_usage_error(c, "give --account or --invoice");
    if (opt_date(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (account != NULL)
        rc = collections_account_balance(&bal, c->db, account, as_of, &err);
    else
        rc = collections_invoice_balance(&bal, c->db, invoice, as_of, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:s, s:o}", account ? "account" : "invoice",
                      account ? account : invoice, "asOf", day_text(d, as_of),
                      "balance", cli_money_json(&bal)));
    printf("%s %s balance on %s: %s %s\n", account ? "account" : "invoice",
           account ? account : invoice, day_text(d, as_of), bal.cur,
           minor_text(b, bal.minor, bal.cur));
    return CLI_EXIT_OK;
}

/* ---- write-offs ---- */

static int run_writeoff_request(cli_ctx *c, int argc, char **argv)
{
    const char *amount_text = NULL;
    const char *date_text = NULL;
    collections_writeoff_in in;
    const cli_opt opts[] = {{"invoice", &in.invoice_number, NULL},
                            {"amount", &amount_text, NULL},
                            {"reason", &in.reason, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    char cur[4];
    char buf[32];
    int created = 0;
    int npos;
    int rc;

    memset(&in, 0, sizeof(in));
    PARSE(opts, pos, 0);
    if (in.invoice_number == NULL || amount_text == NULL)
        return cli_usage_error(c, "--invoice and --amount are required");
    if (opt_date(c, "date", date_text, &in.date) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_invoice_currency(cur, c->db, in.invoice_number, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = parse_amount(&in.amount, amount_text, cur, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    in.actor = c->actor;
    rc = collections_writeoff_request(&id, &created, c->db, &in, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:b, s:s, s:o, s:s}", "writeoffId", (json_int_t)id,
            "created", created, "invoice", in.invoice_number, "amount",
            cli_money_json(&in.amount), "state", "requested"));
    printf("write-off %lld %s: %s %s of %s\n", (long long)id,
           created ? "requested" : "was already requested", cur,
           minor_text(buf, in.amount.minor, cur), in.invoice_number);
    return CLI_EXIT_OK;
}

static int one_id(cli_ctx *c, int npos, const char **pos, const char *what,
                  int64_t *id)
{
    if (npos != 1)
        return cli_usage_error(c, "name the %s by its number", what);
    if (cli_int_arg(c, what, pos[0], 1, INT64_MAX, id) != 0)
        return CLI_EXIT_USAGE;
    return 0;
}

static int run_writeoff_approve(cli_ctx *c, int argc, char **argv)
{
    const char *date_text = NULL;
    const cli_opt opts[] = {{"date", &date_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[2];
    tl_err err = TL_ERR_INIT;
    tl_date on = 0;
    int64_t id = 0;
    int posted = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 2);
    rc = one_id(c, npos, pos, "write-off", &id);
    if (rc != 0)
        return rc;
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_writeoff_approve(&posted, c->db, id, on, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:I, s:b, s:s}", "writeoffId", (json_int_t)id, "posted",
                      posted, "state", posted ? "approved" : "requested"));
    if (posted)
        printf("write-off %lld approved and posted as WO-%lld\n", (long long)id,
               (long long)id);
    else
        printf("write-off %lld: first approval by %s recorded; above the "
               "threshold a second person must approve\n",
               (long long)id, c->actor);
    return CLI_EXIT_OK;
}

static int run_writeoff_reject(cli_ctx *c, int argc, char **argv)
{
    const char *date_text = NULL;
    const char *note = NULL;
    const cli_opt opts[] = {
        {"date", &date_text, NULL}, {"note", &note, NULL}, {NULL, NULL, NULL}};
    const char *pos[2];
    tl_err err = TL_ERR_INIT;
    tl_date on = 0;
    int64_t id = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 2);
    rc = one_id(c, npos, pos, "write-off", &id);
    if (rc != 0)
        return rc;
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_writeoff_reject(c->db, id, on, note, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s}", "writeoffId",
                                        (json_int_t)id, "state", "rejected"));
    printf("write-off %lld rejected\n", (long long)id);
    return CLI_EXIT_OK;
}

static int writeoff_line(const collections_writeoff *w, void *cls, tl_err *err)
{
    list_out *out = cls;
    char d[16];
    char a[32];

    (void)err;
    if (out->rows != NULL)
        return append(
            out,
            json_pack("{s:I, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, "
                      "s:s, s:b, s:s}",
                      "writeoffId", (json_int_t)w->writeoff_id, "account",
                      w->account_number, "invoice", w->invoice_number, "amount",
                      cli_money_json(&w->amount), "reason", w->reason,
                      "requestedOn", day_text(d, w->requested_on),
                      "requestedBy", w->requested_by, "state", w->state,
                      "firstApprover", w->first_approver, "secondApprover",
                      w->second_approver, "needsSecond", w->needs_second,
                      "reference", w->reference));
    out->count++;
    printf("%4lld  %-10s %-14s %s %12s  %-9s %s%s\n", (long long)w->writeoff_id,
           w->account_number, w->invoice_number, w->amount.cur,
           minor_text(a, w->amount.minor, w->amount.cur), w->state, w->reason,
           w->needs_second ? " (two approvers)" : "");
    return 0;
}

static int run_writeoff_list(cli_ctx *c, int argc, char **argv)
{
    const char *state = NULL;
    const cli_opt opts[] = {{"state", &state, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = collections_writeoffs(c->db, state, writeoff_line, &out, &err);
    return finish_list(c, &out, rc, &err, "writeoffs", "(no write-offs)");
}

/* ---- fx ---- */

static int run_fx_load(cli_ctx *c, int argc, char **argv)
{
    const char *from = NULL;
    const char *to = NULL;
    const char *rate_text = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"from", &from, NULL},
                            {"to", &to, NULL},
                            {"rate", &rate_text, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[2];
    tl_err err = TL_ERR_INIT;
    int64_t rate = 0;
    tl_date on = 0;
    int created = 0;
    int lines = 1;
    int npos;
    int rc;

    PARSE(opts, pos, 2);
    if (npos == 1) {
        FILE *f;

        if (from != NULL || to != NULL || rate_text != NULL)
            return cli_usage_error(c, "give a file or --from/--to/--rate");
        rc = cli_connect(c);
        if (rc != 0)
            return rc;
        f = fopen(pos[0], "r");
        if (f == NULL) {
            tl_err_set(&err, TL_ENOTFOUND, "not_found", "file",
                       "cannot open %s", pos[0]);
            return cli_fail(c, TL_ENOTFOUND, &err);
        }
        rc =
            collections_fx_load_csv(&created, &lines, c->db, f, c->actor, &err);
        fclose(f);
    } else {
        if (npos != 0 || from == NULL || to == NULL || rate_text == NULL)
            return cli_usage_error(c,
                                   "give a file, or --from, --to and --rate");
        if (collections_fx_rate_parse(&rate, rate_text) < 0)
            return cli_usage_error(c,
                                   "--rate is positive with at most 6 "
                                   "decimals, not \"%s\"",
                                   rate_text);
        if (opt_date(c, "date", date_text, &on) != 0)
            return CLI_EXIT_USAGE;
        rc = cli_connect(c);
        if (rc != 0)
            return rc;
        rc = collections_fx_load(&created, c->db, from, to, on, rate, c->actor,
                                 &err);
    }
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:i, s:i}", "rates", lines, "created", created));
    printf("%d rate%s read, %d new\n", lines, lines == 1 ? "" : "s", created);
    return CLI_EXIT_OK;
}

static int fx_line(const collections_fx_rate *r, void *cls, tl_err *err)
{
    list_out *out = cls;
    char d[16];
    char rate[32];

    (void)err;
    snprintf(rate, sizeof(rate), "%lld.%06lld",
             (long long)(r->rate_micro / 1000000),
             (long long)(r->rate_micro % 1000000));
    if (out->rows != NULL)
        return append(out, json_pack("{s:s, s:s, s:s, s:s}", "from", r->from,
                                     "to", r->to, "effective",
                                     day_text(d, r->effective), "rate", rate));
    out->count++;
    printf("%s -> %s  from %s  %s\n", r->from, r->to, day_text(d, r->effective),
           rate);
    return 0;
}

static int run_fx_list(cli_ctx *c, int argc, char **argv)
{
    const cli_opt opts[] = {{NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = collections_fx_rates(c->db, fx_line, &out, &err);
    return finish_list(c, &out, rc, &err, "rates", "(no rates)");
}

/* ---- statements ---- */

typedef enum out_format { FMT_CSV, FMT_JSON, FMT_HTML } out_format;

static int parse_format(const cli_ctx *c, const char *text, out_format *out)
{
    *out = c->json ? FMT_JSON : FMT_CSV;
    if (text == NULL)
        return 0;
    if (strcmp(text, "csv") == 0)
        *out = FMT_CSV;
    else if (strcmp(text, "json") == 0)
        *out = FMT_JSON;
    else if (strcmp(text, "html") == 0)
        *out = FMT_HTML;
    else
        return cli_usage_error(c, "--format is csv, json or html, not \"%s\"",
                               text);
    return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));

    return s != NULL ? s : "";
}

static void csv_f(FILE *f, const char *s, int last)
{
    int quote = strpbrk(s, ",\"\r\n") != NULL;

    if (quote) {
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

static void html_cell(FILE *f, const char *tag, const char *s)
{
    fprintf(f, "<%s>", tag);
    collections_html_escape(f, s);
    fprintf(f, "</%s>", tag);
}

static const char *const stmt_totals[] = {"opening",  "invoices",  "payments",
                                          "credits",  "debits",    "closing",
                                          "disputed", "unapplied", NULL};

static void statement_csv(FILE *f, const json_t *doc)
{
    size_t i;
    size_t k;
    json_t *s;

    fprintf(f, "account,currency,section,date,kind,reference,invoice,amount,"
               "balance\n");
    json_array_foreach(json_object_get(doc, "statements"), i, s)
    {
        const char *acct = jstr(s, "account");
        const char *cur = jstr(s, "currency");
        json_t *e;
        const char *bucket;
        json_t *v;

        json_array_foreach(json_object_get(s, "entries"), k, e)
        {
            csv_f(f, acct, 0);
            csv_f(f, cur, 0);
            csv_f(f, "entry", 0);
            csv_f(f, jstr(e, "date"), 0);
            csv_f(f, jstr(e, "kind"), 0);
            csv_f(f, jstr(e, "reference"), 0);
            csv_f(f, jstr(e, "invoice"), 0);
            csv_f(f, jstr(e, "amount"), 0);
            csv_f(f, jstr(e, "balance"), 1);
        }
        for (k = 0; stmt_totals[k] != NULL; k++) {
            csv_f(f, acct, 0);
            csv_f(f, cur, 0);
            csv_f(f, "total", 0);
            csv_f(f,
                  jstr(s, strcmp(stmt_totals[k], "opening") == 0 ? "openingAsOf"
                                                                 : "asOf"),
                  0);
            csv_f(f, stmt_totals[k], 0);
            fputs(",,", f);
            csv_f(f, jstr(s, stmt_totals[k]), 0);
            fputc('\n', f);
        }
        json_object_foreach(json_object_get(s, "aging"), bucket, v)
        {
            csv_f(f, acct, 0);
            csv_f(f, cur, 0);
            csv_f(f, "aging", 0);
            csv_f(f, jstr(s, "asOf"), 0);
            csv_f(f, bucket, 0);
            fputs(",,", f);
            csv_f(f, json_string_value(v), 0);
            fputc('\n', f);
        }
    }
}

static void html_head(FILE *f, const char *title)
{
    fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
               "<title>");
    collections_html_escape(f, title);
    fprintf(f, "</title><style>body{font-family:sans-serif}"
               "table{border-collapse:collapse;margin-bottom:1em}"
               "td,th{border:1px solid #999;padding:2px 6px}"
               "td.n{text-align:right}"
               "@media print{.page{page-break-after:always}}</style>"
               "</head><body>\n");
}

static void statement_html(FILE *f, const json_t *doc)
{
    size_t i;
    size_t k;
    json_t *s;

    html_head(f, "Statement of account");
    json_array_foreach(json_object_get(doc, "statements"), i, s)
    {
        json_t *e;
        const char *bucket;
        json_t *v;

        fprintf(f, "<div class=\"page\"><h1>Statement of account ");
        collections_html_escape(f, jstr(s, "account"));
        fprintf(f, "</h1>\n<p>");
        collections_html_escape(f, jstr(s, "customer"));
        fprintf(f, " &mdash; ");
        collections_html_escape(f, jstr(s, "name"));
        fprintf(f, "<br>Period ");
        collections_html_escape(f, jstr(s, "from"));
        fprintf(f, " to ");
        collections_html_escape(f, jstr(s, "asOf"));
        fprintf(f, ", amounts in ");
        collections_html_escape(f, jstr(s, "currency"));
        fprintf(f, "</p>\n<table><tr><th>Date</th><th>Kind</th>"
                   "<th>Reference</th><th>Invoice</th><th>Amount</th>"
                   "<th>Balance</th></tr>\n");
        json_array_foreach(json_object_get(s, "entries"), k, e)
        {
            fprintf(f, "<tr>");
            html_cell(f, "td", jstr(e, "date"));
            html_cell(f, "td", jstr(e, "kind"));
            html_cell(f, "td", jstr(e, "reference"));
            html_cell(f, "td", jstr(e, "invoice"));
            fprintf(f, "<td class=\"n\">");
            collections_html_escape(f, jstr(e, "amount"));
            fprintf(f, "</td><td class=\"n\">");
            collections_html_escape(f, jstr(e, "balance"));
            fprintf(f, "</td></tr>\n");
        }
        fprintf(f, "</table>\n<table>");
        for (k = 0; stmt_totals[k] != NULL; k++) {
            fprintf(f, "<tr>");
            html_cell(f, "th", stmt_totals[k]);
            fprintf(f, "<td class=\"n\">");
            collections_html_escape(f, jstr(s, stmt_totals[k]));
            fprintf(f, "</td></tr>");
        }
        fprintf(f, "</table>\n<table><tr>");
        json_object_foreach(json_object_get(s, "aging"), bucket, v)
            html_cell(f, "th", bucket);
        fprintf(f, "</tr><tr>");
        json_object_foreach(json_object_get(s, "aging"), bucket, v)
        {
            fprintf(f, "<td class=\"n\">");
            collections_html_escape(f, json_string_value(v));
            fprintf(f, "</td>");
        }
        fprintf(f, "</tr></table></div>\n");
    }
    fprintf(f, "</body></html>\n");
}

typedef struct stmt_ctx {
    cli_ctx *c;
    tl_date from;
    tl_date as_of;
    int from_given;
    json_t *list;
} stmt_ctx;

static int stmt_entry(const collections_entry *e, void *cls, tl_err *err)
{
    json_t *entries = cls;
    char d[16];

    (void)err;
    if (json_array_append_new(
            entries,
            json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "date",
                      day_text(d, e->date), "kind",
                      e->doc_kind[0] ? e->doc_kind : e->kind, "reference",
                      e->reference, "invoice", e->invoice_number, "amount",
                      amount_json(e->amount.minor, e->amount.cur), "balance",
                      amount_json(e->running, e->amount.cur))) != 0)
        return TL_ERROR;
    return 0;
}

static int stmt_one(const char *account, void *cls, tl_err *err)
{
    stmt_ctx *ctx = cls;
    collections_statement s;
    json_t *entries = json_array();
    json_t *aging = json_object();
    json_t *o;
    char d1[16];
    char d2[16];
    char d3[16];
    int b;
    int rc;

    if (entries == NULL || aging == NULL)
        goto oom;
    rc = collections_statement_get(&s, ctx->c->db, account, ctx->from,
                                   ctx->as_of, stmt_entry, entries, err);
    if (rc < 0) {
        json_decref(entries);
        json_decref(aging);
        return rc;
    }
    for (b = 0; b < COLLECTIONS_BUCKETS; b++)
        if (json_object_set_new(aging, collections_bucket_name(b),
                                amount_json(s.bucket[b], s.currency)) != 0)
            goto oom;
    o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
        " s:o, s:o, s:o}",
        "account", s.account_number, "name", s.account_name, "customer",
        s.customer_name, "currency", s.currency, "from", day_text(d1, s.from),
        "asOf", day_text(d2, s.as_of), "openingAsOf",
        day_text(d3, tl_date_add_days(s.from, -1)), "opening",
        amount_json(s.opening, s.currency), "invoices",
        amount_json(s.invoices, s.currency), "payments",
        amount_json(s.payments, s.currency), "credits",
        amount_json(s.credits, s.currency), "debits",
        amount_json(s.debits, s.currency), "closing",
        amount_json(s.closing, s.currency), "disputed",
        amount_json(s.disputed, s.currency), "unapplied",
        amount_json(s.unapplied, s.currency), "aging", aging, "entries",
        entries);
    if (o == NULL || json_array_append_new(ctx->list, o) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
oom:
    json_decref(entries);
    json_decref(aging);
    return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
}

/* Writes the rendered document to `output` (or stdout). */
static int emit(cli_ctx *c, json_t *doc, out_format fmt, const char *output,
                void (*csv)(FILE *, const json_t *),
                void (*html)(FILE *, const json_t *))
{
    FILE *f = stdout;
    int rc = CLI_EXIT_OK;

    if (output != NULL) {
        f = fopen(output, "w");
        if (f == NULL) {
            fprintf(stderr, "trunkline %s: cannot write %s\n", c->name, output);
            json_decref(doc);
            return CLI_EXIT_ERROR;
        }
    }
    if (fmt == FMT_JSON) {
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

        if (text == NULL)
            rc = CLI_EXIT_ERROR;
        else
            fprintf(f, "%s\n", text);
        free(text);
    } else if (fmt == FMT_CSV) {
        csv(f, doc);
    } else {
        html(f, doc);
    }
    if (output != NULL && fclose(f) != 0)
        rc = CLI_EXIT_ERROR;
    json_decref(doc);
    return rc;
}

static int run_statement(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *as_of_text = NULL;
    const char *from_text = NULL;
    const char *format = NULL;
    const char *output = NULL;
    const cli_opt opts[] = {
        {"account", &account, NULL}, {"as-of", &as_of_text, NULL},
        {"from", &from_text, NULL},  {"format", &format, NULL},
        {"output", &output, NULL},   {NULL, NULL, NULL}};
    const char *pos[1];
    stmt_ctx ctx;
    tl_err err = TL_ERR_INIT;
    out_format fmt;
    json_t *doc;
    int y;
    int m;
    int d;
    int npos;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.c = c;
    PARSE(opts, pos, 0);
    if (parse_format(c, format, &fmt) != 0)
        return CLI_EXIT_USAGE;
    if (opt_date(c, "as-of", as_of_text, &ctx.as_of) != 0)
        return CLI_EXIT_USAGE;
    if (from_text != NULL) {
        if (cli_date_arg(c, "from", from_text, &ctx.from) != 0)
            return CLI_EXIT_USAGE;
    } else {
        tl_date_to_ymd(ctx.as_of, &y, &m, &d);
        tl_date_from_ymd(&ctx.from, y, m, 1);
    }
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    ctx.list = json_array();
    if (ctx.list == NULL)
        return CLI_EXIT_ERROR;
    if (account != NULL)
        rc = stmt_one(account, &ctx, &err);
    else
        rc =
            collections_ledger_accounts(c->db, ctx.as_of, stmt_one, &ctx, &err);
    if (rc < 0) {
        json_decref(ctx.list);
        return cli_fail(c, rc, &err);
    }
    doc = json_pack("{s:o}", "statements", ctx.list);
    if (doc == NULL)
        return CLI_EXIT_ERROR;
    return emit(c, doc, fmt, output, statement_csv, statement_html);
}

static const char *const sum_cols[] = {"opening",  "billed",    "collected",
                                       "credits",  "writeOffs", "closing",
                                       "disputed", "dso",       NULL};

static void summary_csv(FILE *f, const json_t *doc)
{
    const json_t *all[2] = {json_object_get(doc, "accounts"), NULL};
    size_t i;
    size_t k;
    json_t *r;

    fprintf(f, "account,name,currency,opening,billed,collected,credits,"
               "write_offs,closing,disputed,dso\n");
    json_array_foreach(all[0], i, r)
    {
        csv_f(f, jstr(r, "account"), 0);
        csv_f(f, jstr(r, "name"), 0);
        csv_f(f, jstr(r, "currency"), 0);
        for (k = 0; sum_cols[k] != NULL; k++)
            csv_f(f, jstr(r, sum_cols[k]), sum_cols[k + 1] == NULL);
    }
    r = json_object_get(doc, "portfolio");
    csv_f(f, "portfolio", 0);
    csv_f(f, "", 0);
    csv_f(f, jstr(r, "currency"), 0);
    for (k = 0; sum_cols[k] != NULL; k++)
        csv_f(f, jstr(r, sum_cols[k]), sum_cols[k + 1] == NULL);
}

static void summary_html_row(FILE *f, const json_t *r, const char *acct)
{
    size_t k;

    fprintf(f, "<tr>");
    html_cell(f, "td", acct);
    html_cell(f, "td", jstr(r, "name"));
    html_cell(f, "td", jstr(r, "currency"));
    for (k = 0; sum_cols[k] != NULL; k++) {
        fprintf(f, "<td class=\"n\">");
        collections_html_escape(f, jstr(r, sum_cols[k]));
        fprintf(f, "</td>");
    }
    fprintf(f, "</tr>\n");
}

static void summary_html(FILE *f, const json_t *doc)
{
    size_t i;
    size_t k;
    json_t *r;

    html_head(f, "Account-status summary");
    fprintf(f, "<h1>Account-status summary ");
    collections_html_escape(f, jstr(doc, "month"));
    fprintf(f, "</h1>\n<table><tr><th>Account</th><th>Name</th>"
               "<th>Currency</th>");
    for (k = 0; sum_cols[k] != NULL; k++)
        html_cell(f, "th", sum_cols[k]);
    fprintf(f, "</tr>\n");
    json_array_foreach(json_object_get(doc, "accounts"), i, r)
        summary_html_row(f, r, jstr(r, "account"));
    summary_html_row(f, json_object_get(doc, "portfolio"), "portfolio");
    fprintf(f, "</table></body></html>\n");
}

static json_t *dso_json(int64_t tenths)
{
    char buf[32];

    if (tenths < 0)
        return json_string("");
    snprintf(buf, sizeof(buf), "%lld.%lld", (long long)(tenths / 10),
             (long long)(tenths % 10));
    return json_string(buf);
}

typedef struct sum_out {
    json_t *accounts;
    json_t *portfolio;
} sum_out;

static int summary_row(const collections_summary_row *r, void *cls, tl_err *err)
{
    sum_out *out = cls;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "account",
        r->account_number, "name", r->account_name, "currency", r->currency,
        "opening", amount_json(r->opening, r->currency), "billed",
        amount_json(r->billed, r->currency), "collected",
        amount_json(r->collected, r->currency), "credits",
        amount_json(r->credits, r->currency), "writeOffs",
        amount_json(r->write_offs, r->currency), "closing",
        amount_json(r->closing, r->currency), "disputed",
        amount_json(r->disputed, r->currency), "dso", dso_json(r->dso_tenths));

    if (o == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    if (r->account_number[0] == '\0') {
        out->portfolio = o;
        return 0;
    }
    if (json_array_append_new(out->accounts, o) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

static int run_statement_summary(cli_ctx *c, int argc, char **argv)
{
    const char *month_text = NULL;
    const char *base = NULL;
    const char *format = NULL;
    const char *output = NULL;
    const cli_opt opts[] = {{"month", &month_text, NULL},
                            {"base", &base, NULL},
                            {"format", &format, NULL},
                            {"output", &output, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    sum_out out = {NULL, NULL};
    tl_err err = TL_ERR_INIT;
    out_format fmt;
    json_t *doc;
    int year = 0;
    int month = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (month_text == NULL)
        return cli_usage_error(c, "--month YYYY-MM is required");
    if (tl_month_parse(&year, &month, month_text) < 0)
        return cli_usage_error(c, "--month is YYYY-MM, not \"%s\"", month_text);
    if (base == NULL)
        base = getenv("TRUNKLINE_BASE_CURRENCY");
    if (base == NULL || base[0] == '\0')
        base = "USD";
    if (parse_format(c, format, &fmt) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    out.accounts = json_array();
    if (out.accounts == NULL)
        return CLI_EXIT_ERROR;
    rc = collections_summary(c->db, year, month, base, summary_row, &out, &err);
    if (rc < 0) {
        json_decref(out.accounts);
        json_decref(out.portfolio);
        return cli_fail(c, rc, &err);
    }
    doc = json_pack("{s:s, s:s, s:o, s:o}", "month", month_text, "base", base,
                    "accounts", out.accounts, "portfolio",
                    out.portfolio ? out.portfolio : json_object());
    if (doc == NULL)
        return CLI_EXIT_ERROR;
    return emit(c, doc, fmt, output, summary_csv, summary_html);
}

static int print_resend(cli_ctx *c, int rc, tl_err *err, int64_t id,
                        int created, const char *what)
{
    if (rc < 0)
        return cli_fail(c, rc, err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:b, s:s}", "contactId",
                                        (json_int_t)id, "created", created,
                                        "resent", what));
    printf("%s resent: contact %lld %s\n", what, (long long)id,
           created ? "logged" : "was already logged that day");
    return CLI_EXIT_OK;
}

static int run_statement_resend(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *as_of_text = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"as-of", &as_of_text, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    tl_date as_of = 0;
    tl_date on = 0;
    int64_t id = 0;
    int created = 0;
    char what[80];
    char d[16];
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (as_of_text == NULL)
        as_of = on;
    else if (cli_date_arg(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_statement_resend(&id, &created, c->db, account, as_of, on,
                                      c->actor, &err);
    snprintf(what, sizeof(what), "statement of %s as of %s", account,
             day_text(d, as_of));
    return print_resend(c, rc, &err, id, created, what);
}

static int run_invoice_resend(cli_ctx *c, int argc, char **argv)
{
    const char *date_text = NULL;
    const cli_opt opts[] = {{"date", &date_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[2];
    tl_err err = TL_ERR_INIT;
    tl_date on = 0;
    int64_t id = 0;
    int created = 0;
    char what[80];
    int npos;
    int rc;

    PARSE(opts, pos, 2);
    if (npos != 1)
        return cli_usage_error(c, "name the invoice by its number");
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_invoice_resend(&id, &created, c->db, pos[0], on, c->actor,
                                    &err);
    snprintf(what, sizeof(what), "invoice %s", pos[0]);
    return print_resend(c, rc, &err, id, created, what);
}

/* ---- the rest of a collector's day ---- */

static int print_created(cli_ctx *c, const char *key, int64_t id, int created,
                         const char *what)
{
    if (c->json)
        return cli_print_json(
            json_pack("{s:I, s:b}", key, (json_int_t)id, "created", created));
    printf("%s %lld %s\n", what, (long long)id,
           created ? "recorded" : "was already recorded");
    return CLI_EXIT_OK;
}

static int run_escalate(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *level = NULL;
    const char *reason = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"to", &level, NULL},
                            {"reason", &reason, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    tl_date on = 0;
    int64_t id = 0;
    int created = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL || level == NULL)
        return cli_usage_error(c, "--account and --to are required");
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_escalate(&id, &created, c->db, account, level, reason, on,
                              c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:b, s:s, s:s}", "escalationId",
                                        (json_int_t)id, "created", created,
                                        "account", account, "level", level));
    printf("%s escalated to %s%s\n", account, level,
           created ? "" : " (already recorded that day)");
    return CLI_EXIT_OK;
}

static int escalation_line(const collections_escalation *e, void *cls,
                           tl_err *err)
{
    list_out *out = cls;
    char d[16];

    (void)err;
    if (out->rows != NULL)
        return append(out,
                      json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:b}",
                                "escalationId", (json_int_t)e->escalation_id,
                                "account", e->account_number, "level", e->level,
                                "reason", e->reason, "date", day_text(d, e->on),
                                "by", e->by, "current", e->current));
    out->count++;
    printf("%s  %-10s %-10s %s %s%s\n", day_text(d, e->on), e->account_number,
           e->level, e->by, e->reason, e->current ? "  (current)" : "");
    return 0;
}

static int run_escalate_list(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const cli_opt opts[] = {{"account", &account, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = collections_escalations(c->db, account, escalation_line, &out, &err);
    return finish_list(c, &out, rc, &err, "escalations", "(no escalations)");
}

static int run_credit_inquiry(cli_ctx *c, int argc, char **argv)
{
    const char *date_text = NULL;
    const char *score_text = NULL;
    collections_inquiry_in in;
    const cli_opt opts[] = {{"account", &in.account_number, NULL},
                            {"bureau", &in.bureau, NULL},
                            {"outcome", &in.outcome, NULL},
                            {"score", &score_text, NULL},
                            {"note", &in.note, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t score = -1;
    int64_t id = 0;
    int created = 0;
    int npos;
    int rc;

    memset(&in, 0, sizeof(in));
    PARSE(opts, pos, 0);
    if (in.account_number == NULL)
        return cli_usage_error(c, "--account is required");
    if (score_text != NULL &&
        cli_int_arg(c, "score", score_text, 0, 1000, &score) != 0)
        return CLI_EXIT_USAGE;
    if (opt_date(c, "date", date_text, &in.date) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    in.score = (int)score;
    in.actor = c->actor;
    rc = collections_credit_inquiry_add(&id, &created, c->db, &in, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return print_created(c, "inquiryId", id, created, "credit inquiry");
}

static int run_credit_application(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *reference = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"reference", &reference, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    tl_date on = 0;
    int created = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_credit_application_add(&created, c->db, account, reference,
                                            on, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:b}", "account", account, "created", created));
    printf("credit application %s of %s %s\n", reference, account,
           created ? "recorded" : "was already on file");
    return CLI_EXIT_OK;
}

static int run_credit_limit(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *amount_text = NULL;
    int none = 0;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"amount", &amount_text, NULL},
                            {"none", NULL, &none},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    accounts_account_t acct;
    tl_err err = TL_ERR_INIT;
    tl_money limit;
    char buf[32];
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL || (amount_text == NULL) == (none == 0))
        return cli_usage_error(c, "--account and (--amount or --none) are "
                                  "required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_get(&acct, c->db, account, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (amount_text != NULL) {
        rc = parse_amount(&limit, amount_text, acct.currency, &err);
        if (rc < 0)
            return cli_fail(c, rc, &err);
    }
    rc = accounts_set_credit_limit(c->db, account, none ? NULL : &limit,
                                   c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:o}", "account", account, "creditLimit",
                      none ? json_null() : cli_money_json(&limit)));
    if (none)
        printf("%s: no credit limit\n", account);
    else
        printf("%s: credit limit %s %s\n", account, limit.cur,
               minor_text(buf, limit.minor, limit.cur));
    return CLI_EXIT_OK;
}

static int risk_line(const collections_risk *r, void *cls, tl_err *err)
{
    list_out *out = cls;
    char a[32];
    char l[32];
    char o[32];

    (void)err;
    if (out->rows != NULL)
        return append(
            out,
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:i, s:o, s:b}",
                      "account", r->account_number, "name", r->account_name,
                      "currency", r->currency, "openTotal",
                      amount_json(r->open_total, r->currency), "creditLimit",
                      r->credit_limit < 0
                          ? json_null()
                          : amount_json(r->credit_limit, r->currency),
                      "overLimit", r->over_limit, "brokenPromises",
                      r->broken_promises, "over90",
                      amount_json(r->over_90, r->currency), "deposit",
                      r->has_deposit));
    out->count++;
    printf("%-10s %s %12s limit %12s  %s%s%s%s\n", r->account_number,
           r->currency, minor_text(a, r->open_total, r->currency),
           r->credit_limit < 0 ? "none"
                               : minor_text(l, r->credit_limit, r->currency),
           r->over_limit ? "over limit; " : "",
           r->broken_promises > 0 ? "broken promises; " : "",
           r->over_90 > 0 ? minor_text(o, r->over_90, r->currency) : "",
           r->has_deposit ? " (deposit held)" : " (no deposit)");
    return 0;
}

static int run_credit_risk(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    tl_date as_of = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (opt_date(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = collections_credit_risk(c->db, as_of, risk_line, &out, &err);
    return finish_list(c, &out, rc, &err, "accounts", "(no accounts at risk)");
}

static int run_deposit_request(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *amount_text = NULL;
    const char *reason = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"amount", &amount_text, NULL},
                            {"reason", &reason, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    accounts_account_t acct;
    tl_err err = TL_ERR_INIT;
    tl_money amount;
    tl_date on = 0;
    int64_t id = 0;
    int created = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL || amount_text == NULL)
        return cli_usage_error(c, "--account and --amount are required");
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_get(&acct, c->db, account, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = parse_amount(&amount, amount_text, acct.currency, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = collections_deposit_request(&id, &created, c->db, account, &amount,
                                     reason, on, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return print_created(c, "depositId", id, created, "deposit request");
}

static int deposit_decide(cli_ctx *c, int argc, char **argv, const char *state)
{
    const char *date_text = NULL;
    const cli_opt opts[] = {{"date", &date_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[2];
    tl_err err = TL_ERR_INIT;
    tl_date on = 0;
    int64_t id = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 2);
    rc = one_id(c, npos, pos, "deposit", &id);
    if (rc != 0)
        return rc;
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_deposit_decide(c->db, id, state, on, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s}", "depositId",
                                        (json_int_t)id, "state", state));
    printf("deposit %lld %s\n", (long long)id, state);
    return CLI_EXIT_OK;
}

static int run_deposit_receive(cli_ctx *c, int argc, char **argv)
{
    return deposit_decide(c, argc, argv, "received");
}

static int run_deposit_waive(cli_ctx *c, int argc, char **argv)
{
    return deposit_decide(c, argc, argv, "waived");
}

static int deposit_line(const collections_deposit *d, void *cls, tl_err *err)
{
    list_out *out = cls;
    char day[16];
    char a[32];

    (void)err;
    if (out->rows != NULL)
        return append(out,
                      json_pack("{s:I, s:s, s:o, s:s, s:s, s:s}", "depositId",
                                (json_int_t)d->deposit_id, "account",
                                d->account_number, "amount",
                                cli_money_json(&d->amount), "reason", d->reason,
                                "requestedOn", day_text(day, d->requested_on),
                                "state", d->state));
    out->count++;
    printf("%4lld  %-10s %s %12s  %-9s %s\n", (long long)d->deposit_id,
           d->account_number, d->amount.cur,
           minor_text(a, d->amount.minor, d->amount.cur), d->state, d->reason);
    return 0;
}

static int run_deposit_list(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const cli_opt opts[] = {{"account", &account, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = collections_deposits(c->db, account, deposit_line, &out, &err);
    return finish_list(c, &out, rc, &err, "deposits", "(no deposits)");
}

static int run_paymethod_add(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *kind = NULL;
    const char *number = NULL;
    const char *label = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {
        {"account", &account, NULL}, {"kind", &kind, NULL},
        {"number", &number, NULL},   {"label", &label, NULL},
        {"date", &date_text, NULL},  {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    tl_date on = 0;
    int64_t id = 0;
    int created = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL || kind == NULL || number == NULL)
        return cli_usage_error(c, "--account, --kind and --number are "
                                  "required");
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_payment_method_add(&id, &created, c->db, account, kind,
                                        number, label, on, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return print_created(c, "methodId", id, created, "payment method");
}

static int method_line(const collections_payment_method *m, void *cls,
                       tl_err *err)
{
    list_out *out = cls;

    (void)err;
    if (out->rows != NULL)
        return append(out, json_pack("{s:I, s:s, s:s, s:s}", "methodId",
                                     (json_int_t)m->method_id, "kind", m->kind,
                                     "last4", m->last4, "label", m->label));
    out->count++;
    printf("%4lld  %-6s ending %s  %s\n", (long long)m->method_id, m->kind,
           m->last4, m->label);
    return 0;
}

static int run_paymethod_list(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const cli_opt opts[] = {{"account", &account, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = collections_payment_methods(c->db, account, method_line, &out, &err);
    return finish_list(c, &out, rc, &err, "methods", "(no payment methods)");
}

static int run_payment_status(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *invoice = NULL;
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"invoice", &invoice, NULL},
                            {"as-of", &as_of_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    tl_date as_of = 0;
    json_t *st = NULL;
    json_t *v;
    size_t i;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if (opt_date(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_payment_status(&st, c->db, account, invoice, as_of, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(st);
    /* in plain words, as read to the customer */
    if (jstr(st, "balance")[0] == '-')
        printf("Account %s (%s): on %s the account holds a credit of %s "
               "%s.\n",
               account, jstr(st, "name"), jstr(st, "asOf"),
               jstr(st, "currency"), jstr(st, "balance") + 1);
    else
        printf("Account %s (%s): on %s the balance is %s %s.\n", account,
               jstr(st, "name"), jstr(st, "asOf"), jstr(st, "currency"),
               jstr(st, "balance"));
    if (json_array_size(json_object_get(st, "openInvoices")) == 0)
        printf("No invoice is open.\n");
    json_array_foreach(json_object_get(st, "openInvoices"), i, v)
    {
        json_int_t dpd = json_integer_value(json_object_get(v, "daysPastDue"));

        printf("Invoice %s, due %s, still owes %s", jstr(v, "invoice"),
               jstr(v, "dueDate"), jstr(v, "open"));
        if (dpd > 0)
            printf(", %lld days past due", (long long)dpd);
        if (strcmp(jstr(v, "disputed"), "0.00") != 0)
            printf(" (%s of it under dispute)", jstr(v, "disputed"));
        printf(".\n");
    }
    json_array_foreach(json_object_get(st, "payments"), i, v)
    {
        size_t k;
        json_t *a;

        printf("We received %s by %s on %s (reference %s)", jstr(v, "amount"),
               jstr(v, "method"), jstr(v, "date"), jstr(v, "reference"));
        json_array_foreach(json_object_get(v, "appliedTo"), k, a)
            printf("%s %s to invoice %s", k == 0 ? "; applied" : ",",
                   jstr(a, "amount"), jstr(a, "invoice"));
        if (strcmp(jstr(v, "unapplied"), "0.00") != 0)
            printf("; %s is held as credit on the account",
                   jstr(v, "unapplied"));
        printf(".\n");
    }
    json_array_foreach(json_object_get(st, "promises"), i, v) printf(
        "You promised to pay %s by %s.\n", jstr(v, "amount"), jstr(v, "by"));
    json_decref(st);
    return CLI_EXIT_OK;
}

static int incomplete_line(const collections_incomplete *f, void *cls,
                           tl_err *err)
{
    list_out *out = cls;

    (void)err;
    if (out->rows != NULL)
        return append(out, json_pack("{s:s, s:s, s:b, s:b, s:b}", "account",
                                     f->account_number, "name", f->account_name,
                                     "missingContract", f->missing_contract,
                                     "missingTaxCertificate",
                                     f->missing_tax_certificate,
                                     "missingCreditApplication",
                                     f->missing_credit_application));
    out->count++;
    printf("%-10s missing:%s%s%s\n", f->account_number,
           f->missing_contract ? " signed contract;" : "",
           f->missing_tax_certificate ? " tax certificate;" : "",
           f->missing_credit_application ? " credit application;" : "");
    return 0;
}

static int run_account_incomplete(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    tl_date as_of = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (opt_date(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc =
        collections_incomplete_files(c->db, as_of, incomplete_line, &out, &err);
    return finish_list(c, &out, rc, &err, "accounts",
                       "(every file is complete)");
}

const cli_command cli_collections_acct_commands[] = {
    {"ledger", "post",
     "post a credit/debit memo, adjustment, refund, "
     "transfer or recovery",
     "trunkline ledger post --kind credit_memo|debit_memo|adjustment|refund|"
     "transfer|recovery\n"
     "          --account NUMBER --amount AMOUNT --reference REF\n"
     "          [--invoice NUMBER] [--to NUMBER] [--reason TEXT]\n"
     "          [--method wire|ach|check|card|other] [--payment REF]\n"
     "          [--date DATE] [--json]\n"
     "Amounts are positive (an adjustment is signed). The same reference\n"
     "again posts nothing. A transfer moves a balance to --to, another\n"
     "account of the same customer; a recovery records cash received on a\n"
     "written-off --invoice. A refund returns the credit of one payment:\n"
     "--payment (its reference), or else the oldest with enough left.\n",
     run_ledger_post},
    {"ledger", "list", "an account's ledger entries with running balance",
     "trunkline ledger list --account NUMBER [--from DATE] [--to DATE] "
     "[--json]\n",
     run_ledger_list},
    {"ledger", "balance", "balance of an account or invoice on a date",
     "trunkline ledger balance (--account NUMBER | --invoice NUMBER)\n"
     "          [--as-of DATE] [--json]\n",
     run_ledger_balance},
    {"writeoff", "request", "ask to write off (part of) an invoice",
     "trunkline writeoff request --invoice NUMBER --amount AMOUNT "
     "--reason TEXT\n          [--date DATE] [--json]\n",
     run_writeoff_request},
    {"writeoff", "approve", "approve a write-off (posts it when complete)",
     "trunkline writeoff approve ID [--date DATE] [--json]\n"
     "The requester cannot approve; above the threshold (USD/CAD 1000.00)\n"
     "two different people must.\n",
     run_writeoff_approve},
    {"writeoff", "reject", "reject a write-off request",
     "trunkline writeoff reject ID --note TEXT [--date DATE] [--json]\n",
     run_writeoff_reject},
    {"writeoff", "list", "write-off requests and their state",
     "trunkline writeoff list [--state requested|approved|rejected] "
     "[--json]\n",
     run_writeoff_list},
    {"fx", "load", "load effective-dated FX rates",
     "trunkline fx load FILE [--json]\n"
     "trunkline fx load --from CUR --to CUR --rate 0.730000 [--date DATE] "
     "[--json]\n"
     "FILE is CSV: from,to,effective_date,rate (at most 6 decimals).\n",
     run_fx_load},
    {"fx", "list", "FX rates by pair and date", "trunkline fx list [--json]\n",
     run_fx_list},
    {"statement", "summary", "monthly account-status summary and portfolio",
     "trunkline statement summary --month YYYY-MM [--base USD]\n"
     "          [--format csv|json|html] [--output FILE] [--json]\n"
     "Per account in its currency; the portfolio in --base (default\n"
     "$TRUNKLINE_BASE_CURRENCY, else USD) at the rates in force on the\n"
     "month's last day.\n",
     run_statement_summary},
    {"statement", "resend", "record a statement resent to the customer",
     "trunkline statement resend --account NUMBER [--as-of DATE] "
     "[--date DATE] [--json]\n"
     "Logged in the contact history once per account, statement and day.\n",
     run_statement_resend},
    {"statement", NULL, "statement of account as of a date",
     "trunkline statement [--account NUMBER] [--as-of DATE] [--from DATE]\n"
     "          [--format csv|json|html] [--output FILE] [--json]\n"
     "Opening balance on the day before --from (default: the first of the\n"
     "as-of month), the period's entries, closing balance, aging and\n"
     "disputed amounts. Without --account: every account with entries.\n",
     run_statement},
    {"invoice", "resend", "record an invoice resent to the customer",
     "trunkline invoice resend NUMBER [--date DATE] [--json]\n"
     "Logged in the contact history once per invoice and day.\n",
     run_invoice_resend},
    {"escalate", "list", "escalation history",
     "trunkline escalate list [--account NUMBER] [--json]\n",
     run_escalate_list},
    {"escalate", NULL, "escalate an account",
     "trunkline escalate --account NUMBER --to collector|supervisor|agency|"
     "legal\n          --reason TEXT [--date DATE] [--json]\n",
     run_escalate},
    {"credit", "inquiry", "record a credit check and its outcome",
     "trunkline credit inquiry --account NUMBER --bureau NAME\n"
     "          --outcome approved|review|declined [--score N] [--note TEXT]"
     "\n          [--date DATE] [--json]\n",
     run_credit_inquiry},
    {"credit", "application", "record a signed credit application on file",
     "trunkline credit application --account NUMBER --reference REF "
     "[--date DATE] [--json]\n",
     run_credit_application},
    {"credit", "limit", "set or clear an account's credit limit",
     "trunkline credit limit --account NUMBER (--amount AMOUNT | --none) "
     "[--json]\n",
     run_credit_limit},
    {"credit", "risk",
     "accounts over limit, with broken promises or 90+ "
     "days past due",
     "trunkline credit risk [--as-of DATE] [--json]\n", run_credit_risk},
    {"deposit", "request", "ask a deposit of a risky account",
     "trunkline deposit request --account NUMBER --amount AMOUNT "
     "--reason TEXT\n          [--date DATE] [--json]\n",
     run_deposit_request},
    {"deposit", "receive", "mark a requested deposit received",
     "trunkline deposit receive ID [--date DATE] [--json]\n",
     run_deposit_receive},
    {"deposit", "waive", "waive a requested deposit",
     "trunkline deposit waive ID [--date DATE] [--json]\n", run_deposit_waive},
    {"deposit", "list", "deposits and their state",
     "trunkline deposit list [--account NUMBER] [--json]\n", run_deposit_list},
    {"paymethod", "add", "record a payment method (last four digits only)",
     "trunkline paymethod add --account NUMBER --kind card|ach|wire|check\n"
     "          --number NUMBER [--label TEXT] [--date DATE] [--json]\n"
     "Only the last four digits of --number are stored.\n",
     run_paymethod_add},
    {"paymethod", "list", "payment methods on file (masked)",
     "trunkline paymethod list --account NUMBER [--json]\n",
     run_paymethod_list},
    {"payment", "status", "what an account owes and paid, in plain words",
     "trunkline payment status --account NUMBER [--invoice NUMBER] "
     "[--as-of DATE] [--json]\n"
     "Open invoices, the last five payments and how they were applied, and\n"
     "the promises in force.\n",
     run_payment_status},
    {"account", "incomplete", "accounts with incomplete files",
     "trunkline account incomplete [--as-of DATE] [--json]\n"
     "Missing a signed contract, a tax certificate (resellers and tax-exempt"
     "\ncustomers) or a credit application.\n",
     run_account_incomplete},
    {NULL, NULL, NULL, NULL, NULL}};
