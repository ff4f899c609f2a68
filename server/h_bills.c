/*
 * TMF678 customerBill: the final invoices. One bill is billing's own
 * TMF678 JSON rendering (billing_doc_load + billing_render_json), sent as
 * rendered so its money never passes through a floating-point parser.
 */
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/document.h"
#include "server/server_internal.h"

int h_bill_get(srv_req *r, tl_db *db, tl_err *err)
{
    billing_doc doc;
    char *out = NULL;
    size_t len = 0;
    int rc;

    billing_doc_init(&doc);
    rc = billing_doc_load(&doc, db, r->param[0], err);
    if (rc == 0)
        rc = billing_render_json(&out, &len, &doc, err);
    billing_doc_free(&doc);
    if (rc < 0)
        return rc;
    return srv_reply_raw(r, 200, "application/json", out, len);
}

typedef struct bill_ctx {
    json_t *items;
    int64_t total;
} bill_ctx;

static int bill_row(const tl_row *row, void *cls, tl_err *err)
{
    bill_ctx *c = cls;
    const char *num;
    const char *acct;
    tl_date issue;
    tl_date due;
    tl_date ps;
    tl_date pe;
    tl_money amount;
    char href[96];
    int rc;

    rc = tl_row_text(row, "invoice_number", &num, err);
    if (rc == 0)
        rc = tl_row_text(row, "account_number", &acct, err);
    if (rc == 0)
        rc = tl_row_date(row, "issue_date", &issue, err);
    if (rc == 0)
        rc = tl_row_date(row, "due_date", &due, err);
    if (rc == 0)
        rc = tl_row_date(row, "period_start", &ps, err);
    if (rc == 0)
        rc = tl_row_date(row, "period_end", &pe, err);
    if (rc == 0)
        rc = tl_row_money(row, "total_minor", "currency", &amount, err);
    if (rc == 0)
        rc = tl_row_int64(row, "total", &c->total, err);
    if (rc < 0)
        return rc;
    snprintf(href, sizeof(href), "/customerBill/%s", num);
    if (json_array_append_new(
            c->items,
            json_pack("{s:s, s:s, s:s, s:{s:s}, s:o, s:o, s:{s:o, s:o}, "
                      "s:o, s:s}",
                      "id", num, "href", href, "billNo", num, "billingAccount",
                      "id", acct, "billDate", srv_date(issue), "paymentDueDate",
                      srv_date(due), "billingPeriod", "startDateTime",
                      srv_date(ps), "endDateTime", srv_date(pe), "amountDue",
                      srv_money(&amount), "@type", "CustomerBill")) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int h_bill_list(srv_req *r, tl_db *db, tl_err *err)
{
    bill_ctx c = {NULL, 0};
    int64_t limit;
    int64_t offset;
    tl_params p;
    int rc;

    rc = srv_page(r, &limit, &offset, err);
    if (rc < 0)
        return rc;
    c.items = json_array();
    if (c.items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_text(&p, srv_query(r, "accountNumber"));
    tl_params_int64(&p, limit);
    tl_params_int64(&p, offset);
    rc = tl_db_select(
        db, "srv_bill_list",
        "WITH f AS (SELECT i.invoice_id, i.invoice_number, a.account_number,"
        "  i.issue_date, i.due_date, i.period_start, i.period_end,"
        "  i.total_minor, i.currency"
        "  FROM billing.invoice i"
        "  JOIN accounts.billing_account a USING (account_id)"
        "  WHERE i.status = 'final'"
        "  AND ($1::text IS NULL OR a.account_number = $1))"
        " SELECT f.*, (SELECT count(*) FROM f) AS total FROM f"
        " ORDER BY issue_date DESC, invoice_number"
        " LIMIT $2::bigint OFFSET $3::bigint",
        &p, bill_row, &c, err);
    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    return srv_reply_page(r, c.items, c.total, err);
}
