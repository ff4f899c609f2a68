/*
 * A statement as CSV, JSON and printable HTML. Pure: the text depends on
 * the statement only, so the same statement renders the same bytes.
 * Every amount is written from minor units (tl_money_format), never
 * through a float; every text in the HTML goes through html_text.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commissions/commissions.h"
#include "commissions/commissions_internal.h"

#define MAX_DOC_BYTES (32u * 1024u * 1024u)

void cm_buf_init(cm_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void cm_buf_put(cm_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *grown;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > b->max)
            cap = b->max;
        if (b->len + n + 1 > cap) {
            b->failed = 1;
            return;
        }
        grown = realloc(b->data, cap);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void cm_buf_puts(cm_buf *b, const char *s)
{
    cm_buf_put(b, s, strlen(s));
}

void cm_buf_printf(cm_buf *b, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(small)) {
        b->failed = 1;
        return;
    }
    cm_buf_put(b, small, (size_t)n);
}

int cm_buf_finish(cm_buf *b, char **out, tl_err *err)
{
    *out = NULL;
    if (b->failed || b->data == NULL) {
        free(b->data);
        memset(b, 0, sizeof(*b));
        return tl_err_set(err, TL_ERROR, "internal", "",
                          "statement document too large or out of memory");
    }
    *out = b->data;
    memset(b, 0, sizeof(*b));
    return 0;
}

static void amount(char *buf, size_t size, const tl_money *m)
{
    if (tl_money_format(buf, size, m) < 0)
        snprintf(buf, size, "?");
}

static void rate(char *buf, size_t size, int64_t ppm)
{
    if (commissions_rate_format(buf, size, ppm) < 0)
        snprintf(buf, size, "?");
}

/* ---- CSV ---- */

static void csv_field(cm_buf *b, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n") != NULL) {
        cm_buf_puts(b, "\"");
        for (; *s != '\0'; s++) {
            if (*s == '"')
                cm_buf_puts(b, "\"");
            cm_buf_put(b, s, 1);
        }
        cm_buf_puts(b, "\"");
    } else {
        cm_buf_puts(b, s);
    }
    cm_buf_puts(b, last ? "\n" : ",");
}

static void csv_total(cm_buf *b, const char *what, const tl_money *m)
{
    char a[32];

    amount(a, sizeof(a), m);
    csv_field(b, "", 0);
    csv_field(b, "", 0);
    csv_field(b, "", 0);
    csv_field(b, what, 0);
    csv_field(b, "", 0);
    csv_field(b, "", 0);
    csv_field(b, a, 0);
    csv_field(b, m->cur, 0);
    csv_field(b, "", 1);
}

int commissions_render_csv(char **out, const commissions_doc_t *doc,
                           tl_err *err)
{
    cm_buf b;
    size_t i;

    cm_buf_init(&b, MAX_DOC_BYTES);
    cm_buf_puts(&b, "line_no,account,circuit,kind,basis,rate_percent,amount,"
                    "currency,description\n");
    for (i = 0; i < doc->n_lines; i++) {
        const commissions_line_t *l = &doc->lines[i];
        char no[16];
        char basis[32];
        char amt[32];
        char r[16];

        snprintf(no, sizeof(no), "%d", l->line_no);
        amount(basis, sizeof(basis), &l->basis);
        amount(amt, sizeof(amt), &l->amount);
        rate(r, sizeof(r), l->rate_ppm);
        csv_field(&b, no, 0);
        csv_field(&b, l->account_number, 0);
        csv_field(&b, l->circuit_id, 0);
        csv_field(&b, l->kind, 0);
        csv_field(&b, basis, 0);
        csv_field(&b, r, 0);
        csv_field(&b, amt, 0);
        csv_field(&b, l->amount.cur, 0);
        csv_field(&b, l->description, 1);
    }
    csv_total(&b, "TOTAL", &doc->st.lines_total);
    csv_total(&b, "CARRIED_IN", &doc->st.carried_in);
    csv_total(&b, "PAYABLE", &doc->st.payable);
    csv_total(&b, "CARRIED_OUT", &doc->st.carried_out);
    return cm_buf_finish(&b, out, err);
}

/* ---- JSON ---- */

static json_t *money_str(const tl_money *m)
{
    char a[32];

    amount(a, sizeof(a), m);
    return json_string(a);
}

int commissions_render_json(char **out, const commissions_doc_t *doc,
                            tl_err *err)
{
    const commissions_statement_t *st = &doc->st;
    json_t *root = NULL;
    json_t *lines = NULL;
    json_t *tie = NULL;
    size_t i;

    *out = NULL;
    lines = json_array();
    if (lines == NULL)
        goto oom;
    for (i = 0; i < doc->n_lines; i++) {
        const commissions_line_t *l = &doc->lines[i];
        char r[16];
        json_t *o;

        rate(r, sizeof(r), l->rate_ppm);
        o = json_pack("{s:i, s:s, s:s, s:s, s:o, s:s, s:I, s:o, s:s}", "lineNo",
                      l->line_no, "account", l->account_number, "circuit",
                      l->circuit_id, "kind", l->kind, "basis",
                      money_str(&l->basis), "ratePercent", r, "ratePpm",
                      (json_int_t)l->rate_ppm, "amount", money_str(&l->amount),
                      "description", l->description);
        if (o == NULL || json_array_append_new(lines, o) != 0)
            goto oom;
    }
    tie = json_pack(
        "{s:o, s:o, s:o, s:o, s:b, s:b}", "billedMrc",
        money_str(&st->billed_mrc), "basisBilled", money_str(&st->basis_billed),
        "collectedMrc", money_str(&st->collected_mrc), "basisCollected",
        money_str(&st->basis_collected), "billedTies",
        st->billed_mrc.minor == st->basis_billed.minor, "collectedTies",
        st->collected_mrc.minor == st->basis_collected.minor);
    if (tie == NULL)
        goto oom;
    root = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o,"
        " s:o, s:o}",
        "statement", st->number, "agent", st->agent_ref, "agentName",
        st->agent_name, "month", st->month, "currency", st->currency, "status",
        st->status, "approvedBy", st->approved_by, "approvedAt",
        st->approved_at, "lines", lines, "linesTotal",
        money_str(&st->lines_total), "carriedIn", money_str(&st->carried_in),
        "payable", money_str(&st->payable), "carriedOut",
        money_str(&st->carried_out), "newMrc", money_str(&st->new_mrc),
        "tieOut", tie);
    lines = NULL;
    tie = NULL;
    if (root == NULL)
        goto oom;
    *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (*out == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
oom:
    json_decref(lines);
    json_decref(tie);
    return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
}

/* ---- HTML ---- */

static const char style[] =
    "body{font-family:Helvetica,Arial,sans-serif;font-size:10pt;color:#111;"
    "margin:2em auto;max-width:56em}\n"
    "h1{font-size:16pt;margin:0 0 .3em}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{padding:.25em .4em;vertical-align:top;text-align:left}\n"
    "th{border-bottom:1px solid #555}\n"
    "td.n,th.n{text-align:right;white-space:nowrap}\n"
    ".lines tr+tr td{border-top:1px solid #ddd}\n"
    ".totals{width:auto;margin-left:auto;margin-top:.8em}\n"
    ".totals tr.due td{font-weight:700;border-top:2px solid #111}\n"
    ".muted{color:#555}\n"
    "@media print{body{margin:0;max-width:none}}\n";

/* Escapes text for element content and attribute values alike. */
static void html_text(cm_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            cm_buf_puts(b, "&amp;");
            break;
        case '<':
            cm_buf_puts(b, "&lt;");
            break;
        case '>':
            cm_buf_puts(b, "&gt;");
            break;
        case '"':
            cm_buf_puts(b, "&quot;");
            break;
        case '\'':
            cm_buf_puts(b, "&#39;");
            break;
        default:
            cm_buf_put(b, s, 1);
        }
    }
}

static void cell(cm_buf *b, const char *cls, const char *text)
{
    cm_buf_puts(b, cls[0] ? "<td class=\"n\">" : "<td>");
    html_text(b, text);
    cm_buf_puts(b, "</td>");
}

static void total_row(cm_buf *b, const char *cls, const char *what,
                      const tl_money *m)
{
    char a[32];

    amount(a, sizeof(a), m);
    cm_buf_printf(b, "<tr%s><td>", cls);
    html_text(b, what);
    cm_buf_puts(b, "</td><td class=\"n\">");
    html_text(b, a);
    cm_buf_puts(b, "</td></tr>\n");
}

int commissions_render_html(char **out, const commissions_doc_t *doc,
                            tl_err *err)
{
    const commissions_statement_t *st = &doc->st;
    cm_buf b;
    size_t i;

    cm_buf_init(&b, MAX_DOC_BYTES);
    cm_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                    "<meta charset=\"utf-8\">\n<title>Commission statement ");
    html_text(&b, st->number);
    cm_buf_puts(&b, "</title>\n<style>\n");
    cm_buf_puts(&b, style);
    cm_buf_puts(&b, "</style>\n</head>\n<body>\n<h1>Commission statement</h1>\n"
                    "<p>");
    html_text(&b, st->agent_name);
    cm_buf_puts(&b, " (");
    html_text(&b, st->agent_ref);
    cm_buf_puts(&b, ")<br>Statement ");
    html_text(&b, st->number);
    cm_buf_puts(&b, " &middot; month ");
    html_text(&b, st->month);
    cm_buf_puts(&b, " &middot; ");
    html_text(&b, st->currency);
    cm_buf_puts(&b, " &middot; ");
    html_text(&b, st->status);
    if (st->approved_by[0] != '\0') {
        cm_buf_puts(&b, " by ");
        html_text(&b, st->approved_by);
        cm_buf_puts(&b, " on ");
        html_text(&b, st->approved_at);
    }
    cm_buf_puts(&b, "</p>\n<table class=\"lines\">\n<tr><th>#</th>"
                    "<th>Account</th><th>Circuit</th><th>Kind</th>"
                    "<th class=\"n\">Basis</th><th class=\"n\">Rate %</th>"
                    "<th class=\"n\">Amount</th><th>Description</th></tr>\n");
    for (i = 0; i < doc->n_lines; i++) {
        const commissions_line_t *l = &doc->lines[i];
        char no[16];
        char basis[32];
        char amt[32];
        char r[16];

        snprintf(no, sizeof(no), "%d", l->line_no);
        amount(basis, sizeof(basis), &l->basis);
        amount(amt, sizeof(amt), &l->amount);
        rate(r, sizeof(r), l->rate_ppm);
        cm_buf_puts(&b, "<tr>");
        cell(&b, "n", no);
        cell(&b, "", l->account_number);
        cell(&b, "", l->circuit_id);
        cell(&b, "", l->kind);
        cell(&b, "n", basis);
        cell(&b, "n", r);
        cell(&b, "n", amt);
        cell(&b, "", l->description);
        cm_buf_puts(&b, "</tr>\n");
    }
    cm_buf_puts(&b, "</table>\n<table class=\"totals\">\n");
    total_row(&b, "", "Lines total", &st->lines_total);
    total_row(&b, "", "Carried in", &st->carried_in);
    total_row(&b, " class=\"due\"", "Payable", &st->payable);
    total_row(&b, "", "Carried to next statement", &st->carried_out);
    cm_buf_puts(&b, "</table>\n<p class=\"muted\">Tie-out: MRC billed ");
    {
        char a1[32];
        char a2[32];
        char a3[32];
        char a4[32];

        amount(a1, sizeof(a1), &st->billed_mrc);
        amount(a2, sizeof(a2), &st->basis_billed);
        amount(a3, sizeof(a3), &st->collected_mrc);
        amount(a4, sizeof(a4), &st->basis_collected);
        html_text(&b, a1);
        cm_buf_puts(&b, " (commissioned basis ");
        html_text(&b, a2);
        cm_buf_puts(&b, "); MRC collected ");
        html_text(&b, a3);
        cm_buf_puts(&b, " (commissioned basis ");
        html_text(&b, a4);
        cm_buf_puts(&b, ").</p>\n</body>\n</html>\n");
    }
    return cm_buf_finish(&b, out, err);
}
