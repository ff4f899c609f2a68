/*
 * The finance reconciliation (rules in finance.h). Two set-based queries
 * in one read transaction: charges per month, currency and product, and
 * the per-invoice tie-out summed per month and currency. Both are read
 * into lists and merged (products of a month and currency, then its
 * TOTAL row) before the caller sees any row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "collections/finance.h"
#include "collections/finance_internal.h"

/* Every invoice line counts in one of the two columns, so that lines and
 * tax add up to the invoice: recurring charges with their credits and the
 * minimum-commitment shortfalls, and one-time charges with the
 * early-termination fees. */
#define RECURRING_KINDS "l.charge_kind IN ('MRC', 'CREDIT', 'SHORTFALL')"
#define ONE_TIME_KINDS "l.charge_kind IN ('NRC', 'ETF')"

#define MAX_ROWS 100000

typedef struct report_row {
    char month[8];
    char currency[4];
    char product[40];
    char first_untied[48];
    int is_total;
    int invoices;
    int untied;
    int64_t mrc, nrc, tax, invoiced, ledger;
} report_row;

typedef struct row_list {
    report_row *rows;
    size_t n;
    size_t cap;
} row_list;

typedef struct report_ctx {
    tl_date from;
    tl_date to; /* first day after the last month */
    row_list products;
    row_list totals;
} report_ctx;

static report_row *grow(row_list *l, tl_err *err)
{
    report_row *grown;
    size_t cap;

    if (l->n == l->cap) {
        cap = l->cap ? l->cap * 2 : 32;
        if (cap > MAX_ROWS) {
            tl_err_set(err, TL_ERROR, "too_many", "",
                       "more than %d report rows", MAX_ROWS);
            return NULL;
        }
        grown = realloc(l->rows, cap * sizeof(*grown));
        if (grown == NULL) {
            tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
            return NULL;
        }
        l->rows = grown;
        l->cap = cap;
    }
    memset(&l->rows[l->n], 0, sizeof(l->rows[l->n]));
    return &l->rows[l->n++];
}

static int copy_col(char *dst, size_t size, const tl_row *row, const char *col,
                    tl_err *err)
{
    const char *s = NULL;

    if (tl_row_text(row, col, &s, err) < 0)
        return TL_ERROR;
    snprintf(dst, size, "%s", s != NULL ? s : "");
    return 0;
}

static int product_row(const tl_row *row, void *cls, tl_err *err)
{
    report_ctx *ctx = cls;
    report_row *r = grow(&ctx->products, err);

    if (r == NULL)
        return TL_ERROR;
    if (copy_col(r->month, sizeof(r->month), row, "month", err) < 0 ||
        copy_col(r->currency, sizeof(r->currency), row, "currency", err) < 0 ||
        copy_col(r->product, sizeof(r->product), row, "product", err) < 0 ||
        tl_row_int(row, "invoices", &r->invoices, err) < 0 ||
        tl_row_int64(row, "mrc", &r->mrc, err) < 0 ||
        tl_row_int64(row, "nrc", &r->nrc, err) < 0)
        return TL_ERROR;
    return 0;
}

static int total_row(const tl_row *row, void *cls, tl_err *err)
{
    report_ctx *ctx = cls;
    report_row *r = grow(&ctx->totals, err);

    if (r == NULL)
        return TL_ERROR;
    r->is_total = 1;
    snprintf(r->product, sizeof(r->product), "TOTAL");
    if (copy_col(r->month, sizeof(r->month), row, "month", err) < 0 ||
        copy_col(r->currency, sizeof(r->currency), row, "currency", err) < 0 ||
        copy_col(r->first_untied, sizeof(r->first_untied), row, "first_untied",
                 err) < 0 ||
        tl_row_int(row, "invoices", &r->invoices, err) < 0 ||
        tl_row_int(row, "untied", &r->untied, err) < 0 ||
        tl_row_int64(row, "mrc", &r->mrc, err) < 0 ||
        tl_row_int64(row, "nrc", &r->nrc, err) < 0 ||
        tl_row_int64(row, "tax", &r->tax, err) < 0 ||
        tl_row_int64(row, "invoiced", &r->invoiced, err) < 0 ||
        tl_row_int64(row, "ledger", &r->ledger, err) < 0)
        return TL_ERROR;
    return 0;
}

static int report_tx(tl_db *db, void *cls, tl_err *err)
{
    report_ctx *ctx = cls;
    tl_params p;
    int rc;

    ctx->products.n = 0;
    ctx->totals.n = 0;
    tl_params_init(&p);
    tl_params_date(&p, ctx->from);
    tl_params_date(&p, ctx->to);
    rc = tl_db_select(
        db, "collections_finance_products",
        "SELECT to_char(i.issue_date, 'YYYY-MM') AS month, i.currency,"
        " " COLLECTIONS_LINE_PRODUCT " AS product,"
        " count(DISTINCT i.invoice_id) AS invoices,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE " RECURRING_KINDS "),"
        "  0) AS mrc,"
        " coalesce(sum(l.amount_minor) FILTER (WHERE " ONE_TIME_KINDS "),"
        "  0) AS nrc"
        " FROM billing.invoice_line l"
        " " BILLING_FINAL_INVOICE_JOIN
        " WHERE i.issue_date >= $1::date AND i.issue_date < $2::date"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        &p, product_row, ctx, err);
    if (rc < 0)
        return rc;
    rc = tl_db_select(
        db, "collections_finance_totals",
        "WITH inv AS (SELECT i.invoice_number, i.currency,"
        "  to_char(i.issue_date, 'YYYY-MM') AS month, i.total_minor,"
        "  coalesce((SELECT sum(l.amount_minor) FROM billing.invoice_line l"
        "   WHERE l.account_id = i.account_id AND l.invoice_id = i.invoice_id"
        "   AND " RECURRING_KINDS "), 0) AS mrc,"
        "  coalesce((SELECT sum(l.amount_minor) FROM billing.invoice_line l"
        "   WHERE l.account_id = i.account_id AND l.invoice_id = i.invoice_id"
        "   AND " ONE_TIME_KINDS "), 0) AS nrc,"
        "  coalesce((SELECT sum(t.amount_minor)"
        "   FROM billing.invoice_tax_line t WHERE t.account_id = i.account_id"
        "   AND t.invoice_id = i.invoice_id), 0) AS tax,"
        "  coalesce((SELECT sum(e.amount_minor)"
        "   FROM collections.ledger_entry e"
        "   WHERE e.account_id = i.account_id"
        "   AND e.invoice_id = i.invoice_id AND e.kind = 'invoice'), 0)"
        "   AS ledger"
        "  FROM billing.invoice i"
        "  WHERE i.issue_date >= $1::date AND i.issue_date < $2::date"
        "  AND i.status = 'final')"
        " SELECT month, currency, count(*) AS invoices,"
        " sum(mrc) AS mrc, sum(nrc) AS nrc, sum(tax) AS tax,"
        " sum(total_minor) AS invoiced, sum(ledger) AS ledger,"
        " count(*) FILTER (WHERE mrc + nrc + tax <> total_minor"
        "  OR ledger <> total_minor) AS untied,"
        " coalesce(min(invoice_number) FILTER (WHERE"
        "  mrc + nrc + tax <> total_minor OR ledger <> total_minor), '')"
        "  AS first_untied"
        " FROM inv GROUP BY month, currency ORDER BY month, currency",
        &p, total_row, ctx, err);
    return rc < 0 ? rc : 0;
}

static int emit(const report_row *r, collections_finance_fn fn, void *cls,
                int *untied_months, tl_err *err)
{
    collections_finance_row_t out;
    int64_t billed = r->mrc + r->nrc + r->tax;

    memset(&out, 0, sizeof(out));
    out.month = r->month;
    out.currency = r->currency;
    out.product = r->product;
    out.is_total = r->is_total;
    out.invoices = r->invoices;
    out.untied = r->untied;
    out.first_untied = r->first_untied;
    if (tl_money_make(&out.mrc, r->mrc, r->currency) != 0)
        return tl_err_set(err, TL_ECURRENCY, "currency", "currency",
                          "unknown currency %s", r->currency);
    tl_money_make(&out.nrc, r->nrc, r->currency);
    tl_money_make(&out.tax, r->tax, r->currency);
    tl_money_make(&out.billed, billed, r->currency);
    tl_money_make(&out.invoiced, r->is_total ? r->invoiced : 0, r->currency);
    tl_money_make(&out.ledger, r->is_total ? r->ledger : 0, r->currency);
    tl_money_make(&out.difference, r->is_total ? r->ledger - billed : 0,
                  r->currency);
    out.ties = !r->is_total ||
               (r->ledger == billed && r->invoiced == billed && r->untied == 0);
    if (!out.ties)
        (*untied_months)++;
    return fn != NULL ? fn(&out, cls, err) : 0;
}

int collections_finance_report(int *untied_months, tl_db *db, int from_year,
                               int from_month, int to_year, int to_month,
                               collections_finance_fn fn, void *cls,
                               tl_err *err)
{
    report_ctx ctx;
    tl_date last = 0;
    size_t p = 0;
    size_t t;
    int rows = 0;
    int rc;

    *untied_months = 0;
    memset(&ctx, 0, sizeof(ctx));
    if (tl_date_from_ymd(&ctx.from, from_year, from_month, 1) != 0)
        return tl_err_add(err, "format", "from", "not a month");
    if (tl_date_from_ymd(&last, to_year, to_month, 1) != 0 ||
        tl_date_add_months(&ctx.to, last, 1) != 0)
        return tl_err_add(err, "format", "to", "not a month");
    if (ctx.to <= ctx.from)
        return tl_err_add(err, "range", "to",
                          "the last month is before the first");
    rc = tl_db_run_tx(db, "collections_finance_report", report_tx, &ctx, err);
    if (rc < 0)
        goto cleanup;
    /* both lists are ordered by month and currency: merge them */
    for (t = 0; t < ctx.totals.n; t++) {
        const report_row *tot = &ctx.totals.rows[t];

        while (p < ctx.products.n &&
               strcmp(ctx.products.rows[p].month, tot->month) == 0 &&
               strcmp(ctx.products.rows[p].currency, tot->currency) == 0) {
            rc = emit(&ctx.products.rows[p++], fn, cls, untied_months, err);
            if (rc < 0)
                goto cleanup;
            rows++;
        }
        rc = emit(tot, fn, cls, untied_months, err);
        if (rc < 0)
            goto cleanup;
        rows++;
    }
    rc = rows;
cleanup:
    free(ctx.products.rows);
    free(ctx.totals.rows);
    return rc;
}
