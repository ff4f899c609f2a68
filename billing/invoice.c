/*
 * Reading invoices and their lines back.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "billing/billing.h"

#define INVOICE_COLUMNS                                                        \
    "SELECT i.account_id, i.invoice_id, i.run_id, i.status,"                   \
    " coalesce(i.invoice_number, 'DRAFT-' || i.invoice_id) AS invoice_number," \
    " a.account_number, a.name AS account_name, i.period_start,"               \
    " i.period_end, i.issue_date, i.due_date, i.currency,"                     \
    " i.subtotal_minor, i.tax_minor, i.total_minor"                            \
    " FROM billing.invoice i"                                                  \
    " JOIN accounts.billing_account a USING (account_id)"

static int copy_text(char *dst, size_t size, const tl_row *row, const char *col,
                     tl_err *err)
{
    const char *s = NULL;

    if (tl_row_text(row, col, &s, err) < 0)
        return TL_ERROR;
    snprintf(dst, size, "%s", s ? s : "");
    return 0;
}

static int read_invoice(const tl_row *row, billing_invoice_t *out, tl_err *err)
{
    memset(out, 0, sizeof(*out));
    if (tl_row_int64(row, "account_id", &out->account_id, err) < 0 ||
        tl_row_int64(row, "invoice_id", &out->invoice_id, err) < 0 ||
        tl_row_int64(row, "run_id", &out->run_id, err) < 0 ||
        copy_text(out->invoice_number, sizeof(out->invoice_number), row,
                  "invoice_number", err) < 0 ||
        copy_text(out->status, sizeof(out->status), row, "status", err) < 0 ||
        copy_text(out->account_number, sizeof(out->account_number), row,
                  "account_number", err) < 0 ||
        copy_text(out->account_name, sizeof(out->account_name), row,
                  "account_name", err) < 0 ||
        tl_row_date(row, "period_start", &out->period.start, err) < 0 ||
        tl_row_date(row, "period_end", &out->period.end, err) < 0 ||
        tl_row_date(row, "issue_date", &out->issue_date, err) < 0 ||
        tl_row_date(row, "due_date", &out->due_date, err) < 0 ||
        tl_row_money(row, "subtotal_minor", "currency", &out->subtotal, err) <
            0 ||
        tl_row_money(row, "tax_minor", "currency", &out->tax, err) < 0 ||
        tl_row_money(row, "total_minor", "currency", &out->total, err) < 0)
        return TL_ERROR;
    return 0;
}

int billing_draft_id(int64_t *id, const char *ref)
{
    const char *s = ref;
    int64_t v = 0;

    *id = 0;
    if (ref == NULL || strncmp(ref, "DRAFT-", 6) != 0)
        return 0;
    s += 6;
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (*s - '0');
    }
    *id = v;
    return v > 0;
}

int billing_invoice_get(billing_invoice_t *out, tl_db *db,
                        const char *invoice_number, tl_err *err)
{
    int64_t draft_id = 0;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    if (billing_draft_id(&draft_id, invoice_number)) {
        tl_params_int64(&p, draft_id);
        rc = tl_db_query_one(db, &res, "billing_invoice_get_draft",
                             INVOICE_COLUMNS " WHERE i.invoice_id = $1::bigint"
                                             " AND i.status = 'draft'",
                             &p, err);
    } else {
        tl_params_text(&p, invoice_number);
        rc = tl_db_query_one(db, &res, "billing_invoice_get",
                             INVOICE_COLUMNS " WHERE i.invoice_number = $1", &p,
                             err);
    }
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_invoice", "invoice",
                          "invoice %s does not exist", invoice_number);
    row.res = res;
    row.row = 0;
    rc = read_invoice(&row, out, err);
    PQclear(res);
    return rc;
}

typedef struct lines_ctx {
    billing_line_fn fn;
    void *cls;
} lines_ctx;

static int line_row(const tl_row *row, void *cls, tl_err *err)
{
    lines_ctx *ctx = cls;
    billing_invoice_line_t l;
    int isnull = 0;

    memset(&l, 0, sizeof(l));
    if (tl_row_int(row, "line_no", &l.line_no, err) < 0 ||
        copy_text(l.circuit_id, sizeof(l.circuit_id), row, "circuit_id", err) <
            0 ||
        copy_text(l.code, sizeof(l.code), row, "code", err) < 0 ||
        copy_text(l.charge_kind, sizeof(l.charge_kind), row, "charge_kind",
                  err) < 0 ||
        copy_text(l.description, sizeof(l.description), row, "description",
                  err) < 0 ||
        tl_row_date_opt(row, "period_start", &l.period.start, &isnull, err) <
            0 ||
        tl_row_int(row, "quantity", &l.quantity, err) < 0 ||
        tl_row_money(row, "unit_minor", "currency", &l.unit, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &l.amount, err) < 0 ||
        copy_text(l.price_source, sizeof(l.price_source), row, "price_source",
                  err) < 0)
        return TL_ERROR;
    l.has_period = !isnull;
    if (l.has_period && tl_row_date(row, "period_end", &l.period.end, err) < 0)
        return TL_ERROR;
    return ctx->fn(&l, ctx->cls, err);
}

int billing_invoice_lines(tl_db *db, int64_t account_id, int64_t invoice_id,
                          billing_line_fn fn, void *cls, tl_err *err)
{
    lines_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, invoice_id);
    return tl_db_select(db, "billing_invoice_lines",
                        "SELECT l.line_no, s.circuit_id,"
                        " coalesce(l.code, '') AS code,"
                        " l.charge_kind, l.description, l.period_start,"
                        " l.period_end, l.quantity, l.unit_minor,"
                        " l.amount_minor, l.price_source, i.currency"
                        " FROM billing.invoice_line l"
                        " JOIN billing.invoice i USING (account_id,"
                        " invoice_id)"
                        " LEFT JOIN provisioning.service s"
                        " ON s.account_id = l.account_id"
                        " AND s.service_id = l.service_id"
                        " WHERE l.account_id = $1::bigint"
                        " AND l.invoice_id = $2::bigint ORDER BY l.line_no",
                        &p, line_row, &ctx, err);
}

typedef struct invoices_ctx {
    billing_invoice_fn fn;
    void *cls;
} invoices_ctx;

static int invoice_row(const tl_row *row, void *cls, tl_err *err)
{
    invoices_ctx *ctx = cls;
    billing_invoice_t inv;

    if (read_invoice(row, &inv, err) < 0)
        return TL_ERROR;
    return ctx->fn(&inv, ctx->cls, err);
}

int billing_run_invoices(tl_db *db, int64_t run_id, billing_invoice_fn fn,
                         void *cls, tl_err *err)
{
    invoices_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, run_id);
    return tl_db_select(db, "billing_run_invoices",
                        INVOICE_COLUMNS " WHERE i.run_id = $1::bigint"
                                        " ORDER BY i.sequence_no NULLS LAST,"
                                        " a.account_number",
                        &p, invoice_row, &ctx, err);
}
