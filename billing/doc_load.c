/*
 * billing_doc_load: an invoice as a document, read in one transaction so
 * that header, lines, tax lines and biller are one consistent snapshot.
 *
 * The bill-to party comes from the account: its name, the billing
 * contact (attention, phone, e-mail) and the invoice delivery address (an
 * e-mail address when invoices go by e-mail, a postal address line when
 * they go on paper). The seller and remittance come from the biller; the
 * payment reference is always the invoice number.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "billing/document.h"

/* Copies src (NULL reads as "") into dst, cut to size - 1 bytes. */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = src != NULL ? strnlen(src, size - 1) : 0;

    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static int read_text(char *dst, size_t size, const tl_row *row, const char *col,
                     tl_err *err)
{
    const char *s = NULL;

    if (tl_row_text(row, col, &s, err) < 0)
        return TL_ERROR;
    copy(dst, size, s);
    return 0;
}

typedef struct load_ctx {
    const char *number;
    billing_doc *doc;
    int64_t account_id;
    int64_t invoice_id;
} load_ctx;

/* A draft renders with the number DRAFT-<id> until it is approved. */
#define DOC_HEADER                                                             \
    "SELECT account_id, invoice_id,"                                           \
    " coalesce(invoice_number, 'DRAFT-' || invoice_id) AS invoice_number,"     \
    " period_start, period_end, issue_date, due_date,"                         \
    " currency, subtotal_minor, tax_minor, total_minor,"                       \
    " po_number FROM billing.invoice"

static int read_header(load_ctx *ctx, tl_db *db, tl_err *err)
{
    int64_t draft_id = 0;
    billing_doc *doc = ctx->doc;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    if (billing_draft_id(&draft_id, ctx->number)) {
        tl_params_int64(&p, draft_id);
        rc = tl_db_query_one(db, &res, "billing_doc_header_draft",
                             DOC_HEADER " WHERE invoice_id = $1::bigint"
                                        " AND status = 'draft'",
                             &p, err);
    } else {
        tl_params_text(&p, ctx->number);
        rc = tl_db_query_one(db, &res, "billing_doc_header",
                             DOC_HEADER " WHERE invoice_number = $1", &p, err);
    }
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_invoice", "invoice",
                          "invoice %s does not exist", ctx->number);
    row.res = res;
    row.row = 0;
    doc->kind = BILLING_DOC_INVOICE;
    if (tl_row_int64(&row, "account_id", &ctx->account_id, err) < 0 ||
        tl_row_int64(&row, "invoice_id", &ctx->invoice_id, err) < 0 ||
        read_text(doc->number, sizeof(doc->number), &row, "invoice_number",
                  err) < 0 ||
        tl_row_date(&row, "period_start", &doc->period.start, err) < 0 ||
        tl_row_date(&row, "period_end", &doc->period.end, err) < 0 ||
        tl_row_date(&row, "issue_date", &doc->issue_date, err) < 0 ||
        tl_row_date(&row, "due_date", &doc->due_date, err) < 0 ||
        read_text(doc->currency, sizeof(doc->currency), &row, "currency", err) <
            0 ||
        tl_row_money(&row, "subtotal_minor", "currency", &doc->subtotal, err) <
            0 ||
        tl_row_money(&row, "tax_minor", "currency", &doc->tax, err) < 0 ||
        tl_row_money(&row, "total_minor", "currency", &doc->total, err) < 0 ||
        read_text(doc->po_number, sizeof(doc->po_number), &row, "po_number",
                  err) < 0)
        rc = TL_ERROR;
    else
        rc = 0;
    PQclear(res);
    return rc;
}

/* The first billing contact (contacts come by role, then name). */
static int contact_cb(const accounts_contact_t *c, void *payload)
{
    billing_doc_party *to = payload;

    if (strcmp(c->role, "billing") != 0 || to->attention[0] != '\0')
        return 0;
    copy(to->attention, sizeof(to->attention), c->name);
    copy(to->email, sizeof(to->email), c->email);
    copy(to->phone, sizeof(to->phone), c->phone);
    return 0;
}

static int read_bill_to(load_ctx *ctx, tl_db *db, tl_err *err)
{
    billing_doc *doc = ctx->doc;
    accounts_account_t acct;
    accounts_details_t det;
    int rc;

    rc = accounts_get_by_id(&acct, db, ctx->account_id, err);
    if (rc < 0)
        return rc;
    copy(doc->account_number, sizeof(doc->account_number), acct.account_number);
    copy(doc->account_name, sizeof(doc->account_name), acct.name);
    copy(doc->customer_ref, sizeof(doc->customer_ref), acct.customer_ref);
    copy(doc->customer_name, sizeof(doc->customer_name), acct.customer_name);
    copy(doc->bill_to.name, sizeof(doc->bill_to.name), acct.name);
    rc = accounts_contacts(db, ctx->account_id, contact_cb, &doc->bill_to, err);
    if (rc < 0)
        return rc;
    rc = accounts_get_details(&det, db, ctx->account_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(det.invoice_delivery, "email") == 0)
        copy(doc->bill_to.email, sizeof(doc->bill_to.email),
             det.invoice_delivery_address);
    else if (strcmp(det.invoice_delivery, "paper") == 0)
        copy(doc->bill_to.line1, sizeof(doc->bill_to.line1),
             det.invoice_delivery_address);
    return 0;
}

static int line_row(const tl_row *row, void *cls, tl_err *err)
{
    billing_doc *doc = cls;
    billing_doc_line l;
    int64_t qty = 0;
    int isnull = 0;

    memset(&l, 0, sizeof(l));
    if (tl_row_int(row, "line_no", &l.line_no, err) < 0 ||
        read_text(l.description, sizeof(l.description), row, "description",
                  err) < 0 ||
        read_text(l.circuit_id, sizeof(l.circuit_id), row, "circuit_id", err) <
            0 ||
        read_text(l.service_code, sizeof(l.service_code), row, "code", err) <
            0 ||
        read_text(l.charge_kind, sizeof(l.charge_kind), row, "charge_kind",
                  err) < 0 ||
        tl_row_date_opt(row, "period_start", &l.period.start, &isnull, err) <
            0 ||
        tl_row_int64(row, "quantity", &qty, err) < 0 ||
        tl_row_money(row, "unit_minor", "currency", &l.unit_price, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &l.amount, err) < 0 ||
        read_text(l.tax_category, sizeof(l.tax_category), row, "tax_category",
                  err) < 0)
        return TL_ERROR;
    l.quantity = qty;
    l.has_period = !isnull;
    if (l.has_period && tl_row_date(row, "period_end", &l.period.end, err) < 0)
        return TL_ERROR;
    return billing_doc_add_line(doc, &l, err);
}

static int read_lines(load_ctx *ctx, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->account_id);
    tl_params_int64(&p, ctx->invoice_id);
    rc = tl_db_select(db, "billing_doc_lines",
                      "SELECT l.line_no, l.description, s.circuit_id,"
                      " coalesce(l.code, '') AS code,"
                      " l.charge_kind, l.period_start, l.period_end,"
                      " l.quantity, l.unit_minor, l.amount_minor,"
                      " c.tax_category, i.currency"
                      " FROM billing.invoice_line l"
                      " JOIN billing.invoice i USING (account_id, invoice_id)"
                      " LEFT JOIN provisioning.service s"
                      " ON s.account_id = l.account_id"
                      " AND s.service_id = l.service_id"
                      " LEFT JOIN catalog.service_code c ON c.code = l.code"
                      " WHERE l.account_id = $1::bigint"
                      " AND l.invoice_id = $2::bigint ORDER BY l.line_no",
                      &p, line_row, ctx->doc, err);
    return rc < 0 ? rc : 0;
}

static int tax_row(const tl_row *row, void *cls, tl_err *err)
{
    billing_doc *doc = cls;
    billing_doc_tax_line t;
    int rate_null = 0;
    int unit_null = 0;
    int64_t per_unit = 0;

    memset(&t, 0, sizeof(t));
    if (tl_row_int(row, "line_no", &t.line_no, err) < 0 ||
        read_text(t.jurisdiction, sizeof(t.jurisdiction), row, "jurisdiction",
                  err) < 0 ||
        read_text(t.tax_code, sizeof(t.tax_code), row, "tax_code", err) < 0 ||
        read_text(t.name, sizeof(t.name), row, "name", err) < 0 ||
        read_text(t.kind, sizeof(t.kind), row, "kind", err) < 0 ||
        tl_row_money(row, "base_minor", "currency", &t.base, err) < 0 ||
        tl_row_int64_opt(row, "rate_ppm", &t.rate_ppm, &rate_null, err) < 0 ||
        tl_row_int64_opt(row, "per_unit_minor", &per_unit, &unit_null, err) <
            0 ||
        tl_row_money(row, "amount_minor", "currency", &t.amount, err) < 0)
        return TL_ERROR;
    t.has_rate = !rate_null;
    t.has_per_unit = !unit_null;
    if (t.has_per_unit &&
        tl_money_make(&t.per_unit, per_unit, t.amount.cur) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "per_unit_minor",
                          "bad currency on a tax line");
    return billing_doc_add_tax_line(doc, &t, err);
}

static int read_tax_lines(load_ctx *ctx, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->account_id);
    tl_params_int64(&p, ctx->invoice_id);
    rc = tl_db_select(db, "billing_doc_tax_lines",
                      "SELECT t.line_no, t.jurisdiction, t.tax_code, t.name,"
                      " t.kind, t.base_minor, t.rate_ppm, t.per_unit_minor,"
                      " t.amount_minor, i.currency"
                      " FROM billing.invoice_tax_line t"
                      " JOIN billing.invoice i USING (account_id, invoice_id)"
                      " WHERE t.account_id = $1::bigint"
                      " AND t.invoice_id = $2::bigint ORDER BY t.line_no",
                      &p, tax_row, ctx->doc, err);
    return rc < 0 ? rc : 0;
}

static int read_seller(load_ctx *ctx, tl_db *db, tl_err *err)
{
    billing_doc *doc = ctx->doc;
    billing_biller_t b;
    int rc;

    rc = billing_biller_get(&b, db, err);
    if (rc < 0)
        return rc;
    copy(doc->seller.name, sizeof(doc->seller.name), b.legal_name);
    copy(doc->seller.line1, sizeof(doc->seller.line1), b.line1);
    copy(doc->seller.line2, sizeof(doc->seller.line2), b.line2);
    copy(doc->seller.city, sizeof(doc->seller.city), b.city);
    copy(doc->seller.region, sizeof(doc->seller.region), b.region);
    copy(doc->seller.postcode, sizeof(doc->seller.postcode), b.postcode);
    copy(doc->seller.country, sizeof(doc->seller.country), b.country);
    copy(doc->seller.tax_id, sizeof(doc->seller.tax_id), b.tax_id);
    copy(doc->seller.email, sizeof(doc->seller.email), b.email);
    copy(doc->seller.phone, sizeof(doc->seller.phone), b.phone);
    copy(doc->remittance.bank_name, sizeof(doc->remittance.bank_name),
         b.bank_name);
    doc->remittance.iban = b.iban;
    copy(doc->remittance.account, sizeof(doc->remittance.account),
         b.account_id);
    doc->remittance.bic = b.bic;
    copy(doc->remittance.routing, sizeof(doc->remittance.routing),
         b.routing_id);
    copy(doc->remittance.terms, sizeof(doc->remittance.terms), b.payment_terms);
    copy(doc->remittance.reference, sizeof(doc->remittance.reference),
         doc->number);
    return 0;
}

/* An invoice whose total is negative (credits outweigh charges, e.g. a
 * backdated disconnect) is a credit note: the same lines, written as the
 * amounts credited, crediting the invoice its first credit line names. */
static int as_credit_note(load_ctx *ctx, tl_db *db, tl_err *err)
{
    billing_doc *doc = ctx->doc;
    PGresult *res = NULL;
    const char *credited = NULL;
    tl_params p;
    tl_row row;
    size_t i;
    int rc;

    if (doc->total.minor >= 0)
        return 0;
    doc->kind = BILLING_DOC_CREDIT_NOTE;
    for (i = 0; i < doc->n_lines; i++) {
        doc->lines[i].amount.minor = -doc->lines[i].amount.minor;
        doc->lines[i].unit_price.minor = -doc->lines[i].unit_price.minor;
    }
    for (i = 0; i < doc->n_tax_lines; i++) {
        doc->tax_lines[i].amount.minor = -doc->tax_lines[i].amount.minor;
        doc->tax_lines[i].base.minor = -doc->tax_lines[i].base.minor;
    }
    doc->subtotal.minor = -doc->subtotal.minor;
    doc->tax.minor = -doc->tax.minor;
    doc->total.minor = -doc->total.minor;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->account_id);
    tl_params_int64(&p, ctx->invoice_id);
    rc = tl_db_query_one(db, &res, "billing_doc_credited",
                         "SELECT c.invoice_number FROM billing.invoice_line l"
                         " JOIN billing.invoice c ON c.account_id = l.account_id"
                         "  AND c.invoice_id = l.credited_invoice_id"
                         " WHERE l.account_id = $1::bigint"
                         " AND l.invoice_id = $2::bigint"
                         " AND c.invoice_number IS NOT NULL"
                         " ORDER BY l.line_no LIMIT 1",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_text(&row, "invoice_number", &credited, err);
    if (rc == 0)
        snprintf(doc->credits_invoice, sizeof(doc->credits_invoice), "%s",
                 credited);
    PQclear(res);
    return rc;
}

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *ctx = cls;
    int rc;

    /* a retried transaction starts from an empty document */
    billing_doc_free(ctx->doc);
    rc = read_header(ctx, db, err);
    if (rc == 0)
        rc = read_bill_to(ctx, db, err);
    if (rc == 0)
        rc = read_lines(ctx, db, err);
    if (rc == 0)
        rc = read_tax_lines(ctx, db, err);
    if (rc == 0)
        rc = read_seller(ctx, db, err);
    if (rc == 0)
        rc = as_credit_note(ctx, db, err);
    return rc;
}

int billing_doc_load(billing_doc *out, tl_db *db, const char *invoice_number,
                     tl_err *err)
{
    load_ctx ctx;
    int rc;

    billing_doc_init(out);
    memset(&ctx, 0, sizeof(ctx));
    ctx.number = invoice_number;
    ctx.doc = out;
    rc = tl_db_run_tx(db, "billing_doc_load", load_tx, &ctx, err);
    if (rc < 0)
        billing_doc_free(out);
    return rc;
}
