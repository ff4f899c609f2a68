/*
 * The billing document model (document.h): building, checking, and the
 * helpers the renderers share (document_internal.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/document.h"
#include "billing/document_internal.h"

/* ---- the capped buffer ---- */

void doc_buf_init(doc_buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

static int doc_buf_reserve(doc_buf *b, size_t extra)
{
    size_t need;
    size_t cap;
    char *grown;

    if (b->failed)
        return -1;
    if (extra > b->max || b->len > b->max - extra) {
        b->failed = 1;
        return -1;
    }
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->failed = 1;
        return -1;
    }
    b->data = grown;
    b->cap = cap;
    return 0;
}

void doc_buf_put(doc_buf *b, const char *s, size_t n)
{
    if (doc_buf_reserve(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void doc_buf_puts(doc_buf *b, const char *s)
{
    doc_buf_put(b, s, strlen(s));
}

void doc_buf_printf(doc_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (doc_buf_reserve(b, (size_t)n) != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

int doc_buf_finish(doc_buf *b, char **out, size_t *len, tl_err *err)
{
    *out = NULL;
    *len = 0;
    if (!b->failed && b->data == NULL)
        doc_buf_put(b, "", 0);
    if (b->failed) {
        doc_buf_free(b);
        return tl_err_set(err, TL_ERROR, "internal", "",
                          "the document does not fit in memory or exceeds "
                          "%zu bytes",
                          (size_t)DOC_MAX_BYTES);
    }
    *out = b->data;
    *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return 0;
}

void doc_buf_free(doc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* ---- exact text of amounts, dates, rates ---- */

const char *doc_amount(char *buf, size_t size, const tl_money *m)
{
    if (tl_money_format(buf, size, m) < 0)
        snprintf(buf, size, "?");
    return buf;
}

const char *doc_date(char *buf, size_t size, tl_date d)
{
    if (tl_date_format(buf, size, d) < 0)
        snprintf(buf, size, "?");
    return buf;
}

/* Integer part and a fixed `shift`-digit fraction, then the fraction's
 * trailing zeros (and a bare point) dropped: exact, no floating point. */
const char *doc_ppm(char *buf, size_t size, int64_t ppm, int shift)
{
    uint64_t mag = ppm < 0 ? (uint64_t)(-(ppm + 1)) + 1u : (uint64_t)ppm;
    uint64_t scale = 1;
    char frac[24];
    int i;
    size_t n;

    for (i = 0; i < shift; i++)
        scale *= 10u;
    snprintf(frac, sizeof(frac), "%0*llu", shift,
             (unsigned long long)(mag % scale));
    n = strlen(frac);
    while (n > 0 && frac[n - 1] == '0')
        frac[--n] = '\0';
    snprintf(buf, size, "%s%llu%s%s", ppm < 0 ? "-" : "",
             (unsigned long long)(mag / scale), n > 0 ? "." : "", frac);
    return buf;
}

/* ---- the model ---- */

void billing_doc_init(billing_doc *doc)
{
    memset(doc, 0, sizeof(*doc));
}

void billing_doc_free(billing_doc *doc)
{
    if (doc == NULL)
        return;
    free(doc->lines);
    free(doc->tax_lines);
    billing_doc_init(doc);
}

/* Grows an array of `size`-byte items to hold one more. */
static int grow(void **items, size_t n, size_t size, tl_err *err)
{
    void *grown;
    size_t cap = 16;

    if (n >= BILLING_DOC_MAX_LINES)
        return tl_err_set(err, TL_EOVERFLOW, "too_many_lines", "lines",
                          "a document holds at most %d lines",
                          BILLING_DOC_MAX_LINES);
    /* Capacities are 16, 32, 64, ...: the array is full exactly when n
     * is 0 or one of those, and only then does it grow. */
    if (n != 0 && (n < cap || (n & (n - 1)) != 0))
        return 0;
    if (n >= cap)
        cap = n * 2;
    grown = realloc(*items, cap * size);
    if (grown == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    *items = grown;
    return 0;
}

int billing_doc_add_line(billing_doc *doc, const billing_doc_line *line,
                         tl_err *err)
{
    void *items = doc->lines;
    int rc = grow(&items, doc->n_lines, sizeof(*line), err);

    if (rc < 0)
        return rc;
    doc->lines = items;
    doc->lines[doc->n_lines++] = *line;
    return 0;
}

int billing_doc_add_tax_line(billing_doc *doc, const billing_doc_tax_line *line,
                             tl_err *err)
{
    void *items = doc->tax_lines;
    int rc = grow(&items, doc->n_tax_lines, sizeof(*line), err);

    if (rc < 0)
        return rc;
    doc->tax_lines = items;
    doc->tax_lines[doc->n_tax_lines++] = *line;
    return 0;
}

/* The sums of the lines and tax lines; TL_ECURRENCY / TL_EOVERFLOW naming
 * the first line that does not add up. */
static int sums(tl_money *subtotal, tl_money *tax, const billing_doc *doc,
                tl_err *err)
{
    char field[64];
    size_t i;
    int rc;

    if (tl_money_make(subtotal, 0, doc->currency) != 0 ||
        tl_money_make(tax, 0, doc->currency) != 0)
        return tl_err_add(err, "currency", "currency",
                          "\"%s\" is not an ISO 4217 currency we know",
                          doc->currency);
    for (i = 0; i < doc->n_lines; i++) {
        rc = tl_money_add(subtotal, subtotal, &doc->lines[i].amount);
        if (rc != 0) {
            snprintf(field, sizeof(field), "lines[%zu].amount", i);
            return tl_err_add(
                err, rc == TL_ECURRENCY ? "currency" : "overflow", field,
                rc == TL_ECURRENCY ? "line %zu is not in %s"
                                   : "the lines up to %zu do not fit in %s",
                i + 1, doc->currency);
        }
    }
    for (i = 0; i < doc->n_tax_lines; i++) {
        rc = tl_money_add(tax, tax, &doc->tax_lines[i].amount);
        if (rc != 0) {
            snprintf(field, sizeof(field), "taxLines[%zu].amount", i);
            return tl_err_add(
                err, rc == TL_ECURRENCY ? "currency" : "overflow", field,
                rc == TL_ECURRENCY ? "tax line %zu is not in %s"
                                   : "the tax lines up to %zu do not fit in %s",
                i + 1, doc->currency);
        }
    }
    return 0;
}

int billing_doc_compute_totals(billing_doc *doc, tl_err *err)
{
    tl_money subtotal;
    tl_money tax;
    tl_money total;
    int rc;

    rc = sums(&subtotal, &tax, doc, err);
    if (rc < 0)
        return rc;
    if (tl_money_add(&total, &subtotal, &tax) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "totals.total",
                          "the total does not fit");
    doc->subtotal = subtotal;
    doc->tax = tax;
    doc->total = total;
    return 0;
}

/* Amounts other than line amounts (unit prices, bases, per-unit
 * amounts) must be in the document currency too. */
static void check_currencies(const billing_doc *doc, tl_err *err)
{
    char field[64];
    size_t i;

    for (i = 0; i < doc->n_lines; i++) {
        if (strcmp(doc->lines[i].unit_price.cur, doc->currency) != 0) {
            snprintf(field, sizeof(field), "lines[%zu].unitPrice", i);
            tl_err_add(err, "currency", field, "line %zu's price is not in %s",
                       i + 1, doc->currency);
        }
    }
    for (i = 0; i < doc->n_tax_lines; i++) {
        const billing_doc_tax_line *t = &doc->tax_lines[i];

        snprintf(field, sizeof(field), "taxLines[%zu]", i);
        if (strcmp(t->base.cur, doc->currency) != 0 ||
            (t->has_per_unit && strcmp(t->per_unit.cur, doc->currency) != 0))
            tl_err_add(err, "currency", field,
                       "tax line %zu's base or rate is not in %s", i + 1,
                       doc->currency);
        if (t->has_rate == t->has_per_unit)
            tl_err_add(err, "format", field,
                       "tax line %zu needs either a rate or an amount per "
                       "unit",
                       i + 1);
    }
}

static void check_total(const char *field, const char *what,
                        const tl_money *stated, const tl_money *computed,
                        tl_err *err)
{
    char a[32];
    char b[32];

    if (stated->minor == computed->minor &&
        strcmp(stated->cur, computed->cur) == 0)
        return;
    tl_err_add(err, "totals_mismatch", field,
               "the %s is %s %s but the lines add up to %s %s", what,
               stated->cur, doc_amount(a, sizeof(a), stated), computed->cur,
               doc_amount(b, sizeof(b), computed));
}

/* Problems so far, dropped ones included, to tell whether a check added
 * any to a tl_err that may already hold some. */
static size_t problem_count(const tl_err *err)
{
    return err->n_problems + err->n_dropped;
}

int billing_doc_check(const billing_doc *doc, tl_err *err)
{
    size_t before = problem_count(err);
    tl_money subtotal;
    tl_money tax;
    tl_money total;

    if (doc->number[0] == '\0')
        tl_err_add(err, "required", "number", "the document has no number");
    if (doc->kind != BILLING_DOC_INVOICE &&
        doc->kind != BILLING_DOC_CREDIT_NOTE)
        tl_err_add(err, "format", "kind", "unknown document kind");
    if (sums(&subtotal, &tax, doc, err) == 0) {
        check_currencies(doc, err);
        check_total("totals.subtotal", "subtotal", &doc->subtotal, &subtotal,
                    err);
        check_total("totals.tax", "tax", &doc->tax, &tax, err);
        if (tl_money_add(&total, &doc->subtotal, &doc->tax) != 0 ||
            total.minor != doc->total.minor ||
            strcmp(doc->total.cur, doc->currency) != 0)
            tl_err_add(err, "totals_mismatch", "totals.total",
                       "the total is not the subtotal plus the tax");
    }
    return problem_count(err) == before ? 0 : TL_EINVALID;
}
