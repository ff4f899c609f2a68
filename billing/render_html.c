/*
 * A printable HTML invoice: one self-contained page (inline CSS, no
 * scripts, no images, no external links) laid out for A4 and US Letter.
 * Every piece of text from the document goes through html_text, which
 * escapes & < > " and ', so a customer called "<Acme & Sons>" prints as
 * such and never as markup.
 *
 * Layout: seller block and document title; the facts (number, dates,
 * period, account, PO); bill-to; the charge lines; tax and surcharge
 * lines; totals; the remittance box saying how to pay and to quote the
 * invoice number as the payment reference.
 */
#include <stdio.h>
#include <string.h>

#include "billing/document.h"
#include "billing/document_internal.h"

static const char style[] =
    "body{font-family:Helvetica,Arial,sans-serif;font-size:10pt;color:#111;"
    "margin:2em auto;max-width:52em}\n"
    "h1{font-size:18pt;margin:0 0 .3em;letter-spacing:.05em}\n"
    "h2{font-size:11pt;margin:1.4em 0 .4em;border-bottom:1px solid #999}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "th,td{padding:.25em .4em;vertical-align:top;text-align:left}\n"
    "th{border-bottom:1px solid #555;font-weight:600}\n"
    "td.n,th.n{text-align:right;white-space:nowrap}\n"
    ".top{display:flex;justify-content:space-between;gap:2em}\n"
    ".facts td:first-child{color:#555;padding-right:1em}\n"
    ".lines tr+tr td{border-top:1px solid #ddd}\n"
    ".totals{width:auto;margin-left:auto;margin-top:.8em}\n"
    ".totals tr.due td{font-weight:700;border-top:2px solid #111}\n"
    ".remit{border:2px solid #111;padding:.6em 1em;margin-top:1.6em}\n"
    ".remit p{margin:.3em 0}\n"
    ".muted{color:#555}\n"
    "@media print{body{margin:0;max-width:none}}\n";

/* Escapes text for element content and attribute values alike. */
static void html_text(doc_buf *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            doc_buf_puts(b, "&amp;");
            break;
        case '<':
            doc_buf_puts(b, "&lt;");
            break;
        case '>':
            doc_buf_puts(b, "&gt;");
            break;
        case '"':
            doc_buf_puts(b, "&quot;");
            break;
        case '\'':
            doc_buf_puts(b, "&#39;");
            break;
        default:
            doc_buf_put(b, s, 1);
        }
    }
}

/* <tag>escaped text</tag>, tag written as given (our own markup). */
static void el(doc_buf *b, const char *open, const char *text,
               const char *close)
{
    doc_buf_puts(b, open);
    html_text(b, text);
    doc_buf_puts(b, close);
}

/* Text followed by <br>, left out when empty. */
static void line_br(doc_buf *b, const char *text)
{
    if (text[0] == '\0')
        return;
    html_text(b, text);
    doc_buf_puts(b, "<br>\n");
}

static void fact(doc_buf *b, const char *label, const char *value)
{
    if (value[0] == '\0')
        return;
    el(b, "<tr><td>", label, "</td>");
    el(b, "<td>", value, "</td></tr>\n");
}

/* "city, region postcode" with whatever parts are there. */
static void city_line(doc_buf *b, const billing_doc_party *p)
{
    char text[256];

    snprintf(text, sizeof(text), "%s%s%s%s%s", p->city,
             p->city[0] != '\0' && p->region[0] != '\0' ? ", " : "", p->region,
             p->postcode[0] != '\0' ? " " : "", p->postcode);
    line_br(b, text);
}

static void seller_block(doc_buf *b, const billing_doc *doc)
{
    const billing_doc_party *s = &doc->seller;
    char text[256];

    doc_buf_puts(b, "<div>\n");
    el(b, "<strong>", s->name, "</strong><br>\n");
    line_br(b, s->line1);
    line_br(b, s->line2);
    city_line(b, s);
    line_br(b, s->country);
    if (s->tax_id[0] != '\0') {
        snprintf(text, sizeof(text), "Tax ID %s", s->tax_id);
        line_br(b, text);
    }
    line_br(b, s->email);
    line_br(b, s->phone);
    doc_buf_puts(b, "</div>\n");
}

static void facts_block(doc_buf *b, const billing_doc *doc)
{
    char issue[16];
    char due[16];
    char from[16];
    char to[16];
    char period[48];

    doc_date(from, sizeof(from), doc->period.start);
    doc_date(to, sizeof(to), tl_date_add_days(doc->period.end, -1));
    snprintf(period, sizeof(period), "%s to %s", from, to);
    doc_buf_puts(b, "<div>\n");
    el(b, "<h1>",
       doc->kind == BILLING_DOC_CREDIT_NOTE ? "CREDIT NOTE" : "INVOICE",
       "</h1>\n");
    doc_buf_puts(b, "<table class=\"facts\">\n");
    fact(b,
         doc->kind == BILLING_DOC_CREDIT_NOTE ? "Credit note no."
                                              : "Invoice no.",
         doc->number);
    fact(b, "Issue date", doc_date(issue, sizeof(issue), doc->issue_date));
    if (doc->kind == BILLING_DOC_INVOICE)
        fact(b, "Due date", doc_date(due, sizeof(due), doc->due_date));
    fact(b, "Billing period", period);
    fact(b, "Account", doc->account_number);
    fact(b, "Purchase order", doc->po_number);
    if (doc->kind == BILLING_DOC_CREDIT_NOTE)
        fact(b, "Credits invoice", doc->credits_invoice);
    fact(b, "Currency", doc->currency);
    doc_buf_puts(b, "</table>\n</div>\n");
}

static void bill_to_block(doc_buf *b, const billing_doc *doc)
{
    const billing_doc_party *c = &doc->bill_to;
    char text[256];

    doc_buf_puts(b, "<h2>Bill to</h2>\n<p>\n");
    el(b, "<strong>", c->name[0] != '\0' ? c->name : doc->account_name,
       "</strong><br>\n");
    if (doc->customer_name[0] != '\0' &&
        strcmp(doc->customer_name, c->name) != 0)
        line_br(b, doc->customer_name);
    if (c->attention[0] != '\0') {
        snprintf(text, sizeof(text), "Attn: %s", c->attention);
        line_br(b, text);
    }
    line_br(b, c->line1);
    line_br(b, c->line2);
    city_line(b, c);
    line_br(b, c->email);
    doc_buf_puts(b, "</p>\n");
}

static void lines_table(doc_buf *b, const billing_doc *doc)
{
    char from[16];
    char to[16];
    char period[48];
    char qty[24];
    char unit[32];
    char amount[32];
    size_t i;

    doc_buf_puts(b, "<h2>Charges</h2>\n<table class=\"lines\">\n"
                    "<tr><th>#</th><th>Description</th><th>Circuit</th>"
                    "<th>Code</th><th>Kind</th><th>Period</th>"
                    "<th class=\"n\">Qty</th><th class=\"n\">Unit price</th>"
                    "<th class=\"n\">Amount</th></tr>\n");
    for (i = 0; i < doc->n_lines; i++) {
        const billing_doc_line *l = &doc->lines[i];

        period[0] = '\0';
        if (l->has_period)
            snprintf(
                period, sizeof(period), "%s to %s",
                doc_date(from, sizeof(from), l->period.start),
                doc_date(to, sizeof(to), tl_date_add_days(l->period.end, -1)));
        snprintf(qty, sizeof(qty), "%lld", (long long)l->quantity);
        doc_buf_printf(b, "<tr><td>%d</td>", l->line_no);
        el(b, "<td>", l->description, "</td>");
        el(b, "<td>", l->circuit_id, "</td>");
        el(b, "<td>", l->service_code, "</td>");
        el(b, "<td>", l->charge_kind, "</td>");
        el(b, "<td>", period, "</td>");
        el(b, "<td class=\"n\">", qty, "</td>");
        el(b, "<td class=\"n\">",
           doc_amount(unit, sizeof(unit), &l->unit_price), "</td>");
        el(b, "<td class=\"n\">",
           doc_amount(amount, sizeof(amount), &l->amount), "</td></tr>\n");
    }
    doc_buf_puts(b, "</table>\n");
}

static void tax_table(doc_buf *b, const billing_doc *doc)
{
    char rate[48];
    char pct[32];
    char unit[32];
    char base[32];
    char amount[32];
    size_t i;

    doc_buf_puts(b, "<h2>Taxes and surcharges</h2>\n");
    if (doc->n_tax_lines == 0) {
        doc_buf_puts(b, "<p class=\"muted\">No taxes or surcharges apply to "
                        "this document.</p>\n");
        return;
    }
    doc_buf_puts(b, "<table class=\"lines\">\n"
                    "<tr><th>Jurisdiction</th><th>Code</th><th>Name</th>"
                    "<th>Kind</th><th class=\"n\">Taxable base</th>"
                    "<th class=\"n\">Rate</th><th class=\"n\">Amount</th>"
                    "</tr>\n");
    for (i = 0; i < doc->n_tax_lines; i++) {
        const billing_doc_tax_line *t = &doc->tax_lines[i];

        if (t->has_rate)
            snprintf(rate, sizeof(rate), "%s%%",
                     doc_ppm(pct, sizeof(pct), t->rate_ppm, 4));
        else
            snprintf(rate, sizeof(rate), "%s per unit",
                     doc_amount(unit, sizeof(unit), &t->per_unit));
        el(b, "<tr><td>", t->jurisdiction, "</td>");
        el(b, "<td>", t->tax_code, "</td>");
        el(b, "<td>", t->name, "</td>");
        el(b, "<td>", t->kind, "</td>");
        el(b, "<td class=\"n\">", doc_amount(base, sizeof(base), &t->base),
           "</td>");
        el(b, "<td class=\"n\">", rate, "</td>");
        el(b, "<td class=\"n\">",
           doc_amount(amount, sizeof(amount), &t->amount), "</td></tr>\n");
    }
    doc_buf_puts(b, "</table>\n");
}

static void total_row(doc_buf *b, const char *cls, const char *label,
                      const tl_money *m)
{
    char amount[32];

    doc_buf_printf(b, "<tr%s%s%s><td>", cls ? " class=\"" : "", cls ? cls : "",
                   cls ? "\"" : "");
    html_text(b, label);
    doc_buf_puts(b, "</td>");
    el(b, "<td>", m->cur, "</td>");
    el(b, "<td class=\"n\">", doc_amount(amount, sizeof(amount), m),
       "</td></tr>\n");
}

static void totals_table(doc_buf *b, const billing_doc *doc)
{
    doc_buf_puts(b, "<table class=\"totals\">\n");
    total_row(b, NULL, "Subtotal", &doc->subtotal);
    total_row(b, NULL, "Taxes and surcharges", &doc->tax);
    total_row(b, "due",
              doc->kind == BILLING_DOC_CREDIT_NOTE ? "Total credited"
                                                   : "Total due",
              &doc->total);
    doc_buf_puts(b, "</table>\n");
}

static void remittance_box(doc_buf *b, const billing_doc *doc)
{
    const billing_doc_remittance *r = &doc->remittance;
    const char *ref = r->reference[0] != '\0' ? r->reference : doc->number;
    char amount[32];
    char due[16];

    doc_buf_puts(b, "<div class=\"remit\">\n");
    if (doc->kind == BILLING_DOC_CREDIT_NOTE) {
        doc_buf_puts(b, "<p><strong>Credit note</strong>: nothing to pay. "
                        "This amount is credited to account ");
        html_text(b, doc->account_number);
        doc_buf_puts(b, ".</p>\n</div>\n");
        return;
    }
    doc_buf_puts(b, "<p><strong>How to pay</strong></p>\n<p>Please pay ");
    html_text(b, doc->total.cur);
    doc_buf_puts(b, " ");
    html_text(b, doc_amount(amount, sizeof(amount), &doc->total));
    doc_buf_puts(b, " by ");
    html_text(b, doc_date(due, sizeof(due), doc->due_date));
    doc_buf_puts(b, " quoting the payment reference <strong>");
    html_text(b, ref);
    doc_buf_puts(b, "</strong>.</p>\n<table class=\"facts\">\n");
    fact(b, "Payment reference", ref);
    fact(b, "Payee", doc->seller.name);
    fact(b, "Bank", r->bank_name);
    fact(b, r->iban ? "IBAN" : "Account number", r->account);
    fact(b, r->bic ? "BIC" : "Routing number (ABA)", r->routing);
    fact(b, "Terms", r->terms);
    doc_buf_puts(b, "</table>\n</div>\n");
}

int billing_render_html(char **out, size_t *len, const billing_doc *doc,
                        tl_err *err)
{
    doc_buf b;
    int rc;

    *out = NULL;
    *len = 0;
    rc = billing_doc_check(doc, err);
    if (rc < 0)
        return rc;
    doc_buf_init(&b, DOC_MAX_BYTES);
    doc_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                     "<meta charset=\"utf-8\">\n<title>");
    html_text(&b, doc->kind == BILLING_DOC_CREDIT_NOTE ? "Credit note "
                                                       : "Invoice ");
    html_text(&b, doc->number);
    doc_buf_puts(&b, "</title>\n<style>\n");
    doc_buf_puts(&b, style);
    doc_buf_puts(&b, "</style>\n</head>\n<body>\n<div class=\"top\">\n");
    seller_block(&b, doc);
    facts_block(&b, doc);
    doc_buf_puts(&b, "</div>\n");
    bill_to_block(&b, doc);
    if (doc->note[0] != '\0')
        el(&b, "<p>", doc->note, "</p>\n");
    lines_table(&b, doc);
    tax_table(&b, doc);
    totals_table(&b, doc);
    remittance_box(&b, doc);
    doc_buf_puts(&b, "</body>\n</html>\n");
    return doc_buf_finish(&b, out, len, err);
}
