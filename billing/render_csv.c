/*
 * Invoice lines as CSV (RFC 4180): a header row, one row per charge line,
 * then one row per tax line; CRLF line ends; a field is quoted when it
 * holds a comma, a quote, or a line break, with quotes doubled. Amounts
 * are decimal text in the currency's exponent; periods are the inclusive
 * first and last days. Each row repeats the document's key fields so that
 * the CSVs of many invoices concatenate (without their headers) into one
 * table for finance.
 */
#include <stdio.h>
#include <string.h>

#include "billing/document.h"
#include "billing/document_internal.h"

static const char *const columns[] = {
    "document_number", "document_kind", "issue_date",   "due_date",
    "account_number",  "customer_ref",  "po_number",    "currency",
    "line_no",         "line_type",     "code",         "circuit_id",
    "description",     "charge_kind",   "period_from",  "period_to",
    "quantity",        "unit_price",    "rate_percent", "taxable_base",
    "amount",          "tax_category",  "jurisdiction", NULL};

enum { N_COLUMNS = 23 };

static void field(doc_buf *b, const char *s, int last)
{
    const char *p;

    if (strpbrk(s, ",\"\r\n") != NULL) {
        doc_buf_put(b, "\"", 1);
        for (p = s; *p != '\0'; p++) {
            if (*p == '"')
                doc_buf_put(b, "\"\"", 2);
            else
                doc_buf_put(b, p, 1);
        }
        doc_buf_put(b, "\"", 1);
    } else {
        doc_buf_puts(b, s);
    }
    doc_buf_puts(b, last ? "\r\n" : ",");
}

static void row(doc_buf *b, const char *const *values)
{
    int i;

    for (i = 0; i < N_COLUMNS; i++)
        field(b, values[i] != NULL ? values[i] : "", i == N_COLUMNS - 1);
}

typedef struct head_text {
    char issue[16];
    char due[16];
} head_text;

/* The first eight columns, the same on every row. */
static void head(const char **v, const billing_doc *doc, head_text *h)
{
    v[0] = doc->number;
    v[1] = doc->kind == BILLING_DOC_CREDIT_NOTE ? "credit_note" : "invoice";
    v[2] = doc_date(h->issue, sizeof(h->issue), doc->issue_date);
    v[3] = doc_date(h->due, sizeof(h->due), doc->due_date);
    v[4] = doc->account_number;
    v[5] = doc->customer_ref;
    v[6] = doc->po_number;
    v[7] = doc->currency;
}

int billing_render_csv(char **out, size_t *len, const billing_doc *doc,
                       tl_err *err)
{
    const char *v[N_COLUMNS];
    head_text h;
    char no[16];
    char from[16];
    char to[16];
    char qty[24];
    char unit[32];
    char rate[32];
    char base[32];
    char amount[32];
    doc_buf b;
    size_t i;
    int rc;

    *out = NULL;
    *len = 0;
    rc = billing_doc_check(doc, err);
    if (rc < 0)
        return rc;
    doc_buf_init(&b, DOC_MAX_BYTES);
    row(&b, columns);
    for (i = 0; i < doc->n_lines; i++) {
        const billing_doc_line *l = &doc->lines[i];

        memset(v, 0, sizeof(v));
        head(v, doc, &h);
        snprintf(no, sizeof(no), "%d", l->line_no);
        snprintf(qty, sizeof(qty), "%lld", (long long)l->quantity);
        v[8] = no;
        v[9] = "charge";
        v[10] = l->service_code;
        v[11] = l->circuit_id;
        v[12] = l->description;
        v[13] = l->charge_kind;
        if (l->has_period) {
            v[14] = doc_date(from, sizeof(from), l->period.start);
            v[15] =
                doc_date(to, sizeof(to), tl_date_add_days(l->period.end, -1));
        }
        v[16] = qty;
        v[17] = doc_amount(unit, sizeof(unit), &l->unit_price);
        v[20] = doc_amount(amount, sizeof(amount), &l->amount);
        v[21] = l->tax_category;
        row(&b, v);
    }
    for (i = 0; i < doc->n_tax_lines; i++) {
        const billing_doc_tax_line *t = &doc->tax_lines[i];

        memset(v, 0, sizeof(v));
        head(v, doc, &h);
        snprintf(no, sizeof(no), "%d", t->line_no);
        v[8] = no;
        v[9] = t->kind;
        v[10] = t->tax_code;
        v[12] = t->name;
        if (t->has_rate)
            v[18] = doc_ppm(rate, sizeof(rate), t->rate_ppm, 4);
        if (t->has_per_unit)
            v[17] = doc_amount(unit, sizeof(unit), &t->per_unit);
        v[19] = doc_amount(base, sizeof(base), &t->base);
        v[20] = doc_amount(amount, sizeof(amount), &t->amount);
        v[22] = t->jurisdiction;
        row(&b, v);
    }
    return doc_buf_finish(&b, out, len, err);
}
