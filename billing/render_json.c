/*
 * TMF678 CustomerBill JSON.
 *
 * Why our own writer and not jansson: TMF Money carries "value" as a JSON
 * number, and jansson can only emit numbers from floating point, which prints
 * 2551.67 as 2551.6700000000001 and cannot keep "1150.00". This writer
 * emits the number text tl_money_format produces, so the value is exactly
 * the amount in minor units with the currency's exponent (USD 1150.00,
 * JPY 1150, BHD 1.150) and a reader that parses it as a decimal gets it
 * back exactly. Keys come out in a fixed order, so the bytes never change.
 *
 * Shape (TMF678 v4/v5 CustomerBill): id and billNo (the invoice number),
 * category ("normal", or "creditNote"), runType "onCycle", state
 * "validated" (final invoices, posted to the ledger), billDate and
 * paymentDueDate (midnight UTC of the civil dates), billingPeriod
 * {startDateTime, endDateTime} (the half-open period's bounds),
 * amountDue, taxExcludedAmount, taxIncludedAmount, taxItem[] {taxCategory
 * (the tax code), taxRate (a fraction: 0.065) when a percentage,
 * taxAmount}, billingAccount, relatedParty[] (customer and biller as v5
 * partyOrPartyRole references), @type "CustomerBill". appliedPayment is
 * left out (payments live in collections). Two trunkline extensions, as
 * TMF allows: purchaseOrderNumber (when the invoice quotes one) and
 * paymentReference (the invoice number), and for a credit note
 * creditedBill {id}.
 */
#include <stdio.h>
#include <string.h>

#include "billing/document.h"
#include "billing/document_internal.h"

/* A pretty-printing writer: two spaces per level, "key": value. `first`
 * tracks, per open level, whether anything was written inside yet. */
typedef struct jw {
    doc_buf *b;
    int depth;
    int first[16];
} jw;

static void jw_str_body(doc_buf *b, const char *s)
{
    char esc[8];

    doc_buf_put(b, "\"", 1);
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"')
            doc_buf_put(b, "\\\"", 2);
        else if (c == '\\')
            doc_buf_put(b, "\\\\", 2);
        else if (c == '\n')
            doc_buf_put(b, "\\n", 2);
        else if (c == '\r')
            doc_buf_put(b, "\\r", 2);
        else if (c == '\t')
            doc_buf_put(b, "\\t", 2);
        else if (c < 0x20) {
            snprintf(esc, sizeof(esc), "\\u%04x", c);
            doc_buf_puts(b, esc);
        } else {
            doc_buf_put(b, s, 1);
        }
    }
    doc_buf_put(b, "\"", 1);
}

/* Starts a member (key may be NULL inside arrays): comma, new line,
 * indentation, key. */
static void jw_member(jw *w, const char *key)
{
    int i;

    if (w->depth > 0) {
        if (!w->first[w->depth])
            doc_buf_put(w->b, ",", 1);
        w->first[w->depth] = 0;
        doc_buf_put(w->b, "\n", 1);
        for (i = 0; i < w->depth; i++)
            doc_buf_put(w->b, "  ", 2);
    }
    if (key != NULL) {
        jw_str_body(w->b, key);
        doc_buf_put(w->b, ": ", 2);
    }
}

static void jw_open(jw *w, const char *key, const char *bracket)
{
    jw_member(w, key);
    doc_buf_puts(w->b, bracket);
    if (w->depth + 1 < (int)(sizeof(w->first) / sizeof(w->first[0]))) {
        w->depth++;
        w->first[w->depth] = 1;
    } else {
        w->b->failed = 1;
    }
}

static void jw_close(jw *w, const char *bracket)
{
    int empty = w->first[w->depth];
    int i;

    w->depth--;
    if (!empty) {
        doc_buf_put(w->b, "\n", 1);
        for (i = 0; i < w->depth; i++)
            doc_buf_put(w->b, "  ", 2);
    }
    doc_buf_puts(w->b, bracket);
}

static void jw_string(jw *w, const char *key, const char *value)
{
    jw_member(w, key);
    jw_str_body(w->b, value);
}

/* A JSON number from text we formatted ourselves (digits, '-', '.'). */
static void jw_number(jw *w, const char *key, const char *text)
{
    jw_member(w, key);
    doc_buf_puts(w->b, text);
}

static void jw_money(jw *w, const char *key, const tl_money *m)
{
    char amount[32];

    jw_open(w, key, "{");
    jw_string(w, "unit", m->cur);
    jw_number(w, "value", doc_amount(amount, sizeof(amount), m));
    jw_close(w, "}");
}

/* Civil date d at midnight UTC, as TMF's date-time fields want. */
static void jw_datetime(jw *w, const char *key, tl_date d)
{
    char day[16];
    char text[32];

    snprintf(text, sizeof(text), "%sT00:00:00Z", doc_date(day, sizeof(day), d));
    jw_string(w, key, text);
}

static void party_ref(jw *w, const char *role, const char *id, const char *name)
{
    jw_open(w, NULL, "{");
    jw_string(w, "role", role);
    jw_open(w, "partyOrPartyRole", "{");
    jw_string(w, "id", id);
    jw_string(w, "name", name);
    jw_string(w, "@referredType", "Organization");
    jw_string(w, "@type", "PartyRef");
    jw_close(w, "}");
    jw_string(w, "@type", "RelatedPartyRefOrPartyRoleRef");
    jw_close(w, "}");
}

static void tax_items(jw *w, const billing_doc *doc)
{
    char rate[32];
    size_t i;

    jw_open(w, "taxItem", "[");
    for (i = 0; i < doc->n_tax_lines; i++) {
        const billing_doc_tax_line *t = &doc->tax_lines[i];

        jw_open(w, NULL, "{");
        jw_string(w, "taxCategory", t->tax_code);
        if (t->has_rate)
            jw_number(w, "taxRate",
                      doc_ppm(rate, sizeof(rate), t->rate_ppm, 6));
        jw_money(w, "taxAmount", &t->amount);
        jw_string(w, "@type", "TaxItem");
        jw_close(w, "}");
    }
    jw_close(w, "]");
}

int billing_render_json(char **out, size_t *len, const billing_doc *doc,
                        tl_err *err)
{
    doc_buf b;
    jw w;
    int rc;

    *out = NULL;
    *len = 0;
    rc = billing_doc_check(doc, err);
    if (rc < 0)
        return rc;
    doc_buf_init(&b, DOC_MAX_BYTES);
    memset(&w, 0, sizeof(w));
    w.b = &b;
    jw_open(&w, NULL, "{");
    jw_string(&w, "id", doc->number);
    jw_string(&w, "billNo", doc->number);
    jw_string(&w, "category",
              doc->kind == BILLING_DOC_CREDIT_NOTE ? "creditNote" : "normal");
    jw_string(&w, "runType", "onCycle");
    jw_string(&w, "state", "validated");
    jw_datetime(&w, "billDate", doc->issue_date);
    jw_datetime(&w, "paymentDueDate", doc->due_date);
    jw_open(&w, "billingPeriod", "{");
    jw_datetime(&w, "startDateTime", doc->period.start);
    jw_datetime(&w, "endDateTime", doc->period.end);
    jw_close(&w, "}");
    jw_money(&w, "amountDue", &doc->total);
    jw_money(&w, "taxExcludedAmount", &doc->subtotal);
    jw_money(&w, "taxIncludedAmount", &doc->total);
    tax_items(&w, doc);
    jw_open(&w, "billingAccount", "{");
    jw_string(&w, "id", doc->account_number);
    jw_string(&w, "name", doc->account_name);
    jw_string(&w, "@referredType", "BillingAccount");
    jw_string(&w, "@type", "BillingAccountRef");
    jw_close(&w, "}");
    jw_open(&w, "relatedParty", "[");
    party_ref(&w, "customer", doc->customer_ref, doc->customer_name);
    party_ref(&w, "biller",
              doc->seller.tax_id[0] != '\0' ? doc->seller.tax_id
                                            : doc->seller.name,
              doc->seller.name);
    jw_close(&w, "]");
    if (doc->po_number[0] != '\0')
        jw_string(&w, "purchaseOrderNumber", doc->po_number);
    jw_string(&w, "paymentReference",
              doc->remittance.reference[0] != '\0' ? doc->remittance.reference
                                                   : doc->number);
    if (doc->kind == BILLING_DOC_CREDIT_NOTE &&
        doc->credits_invoice[0] != '\0') {
        jw_open(&w, "creditedBill", "{");
        jw_string(&w, "id", doc->credits_invoice);
        jw_close(&w, "}");
    }
    jw_string(&w, "@type", "CustomerBill");
    jw_close(&w, "}");
    doc_buf_put(&b, "\n", 1);
    return doc_buf_finish(&b, out, len, err);
}
