/*
 * Cash: bank files in (cash_import: camt.053/054, BAI2, lockbox, the raw
 * file as the body), the unapplied-cash queue (cash_queue), and manual
 * apply and unapply (cash_apply, cash_unapply). A bad file is refused
 * whole with every problem cash_bank_file_parse found; importing the same
 * bytes again changes nothing (200 with created false).
 */
#include <string.h>
#include <strings.h>

#include "collections/cash.h"
#include "common/json.h"
#include "server/server_internal.h"

/* The format of the body: the format query parameter, else the media
 * type (application/xml: camt, detected 053 or 054; text/plain: BAI2;
 * text/csv: lockbox). */
static int body_format(cash_format *out, srv_req *r, tl_err *err)
{
    const char *name = srv_query(r, "format");
    const char *ct = srv_header(r, "Content-Type");

    (void)err;
    *out = CASH_FORMAT_UNKNOWN;
    if (name != NULL) {
        *out = cash_format_from_name(name);
        if (*out == CASH_FORMAT_UNKNOWN)
            return srv_fail(r, 400, TL_EINVALID, "format", "format",
                            "format must be camt053, camt054, bai2 or "
                            "lockbox, not \"%s\"",
                            name);
        return 0;
    }
    if (ct != NULL && (strncasecmp(ct, "application/xml", 15) == 0 ||
                       strncasecmp(ct, "text/xml", 8) == 0)) {
        *out = cash_format_detect(r->body != NULL ? r->body : "", r->body_len);
        if (*out != CASH_FORMAT_CAMT053 && *out != CASH_FORMAT_CAMT054)
            *out = CASH_FORMAT_CAMT053; /* the parser names the problem */
        return 0;
    }
    if (ct != NULL && strncasecmp(ct, "text/plain", 10) == 0) {
        *out = CASH_FORMAT_BAI2;
        return 0;
    }
    if (ct != NULL && strncasecmp(ct, "text/csv", 8) == 0) {
        *out = CASH_FORMAT_LOCKBOX;
        return 0;
    }
    return srv_fail(r, 415, TL_EINVALID, "media_type", "Content-Type",
                    "send the bank file as application/xml (camt), "
                    "text/plain (BAI2) or text/csv (lockbox), or name it "
                    "with the format parameter");
}

static json_t *minor_money(int64_t minor, const char *cur)
{
    tl_money m;

    if (cur[0] == '\0')
        return json_null(); /* mixed currencies, or no receipt */
    if (tl_money_make(&m, minor, cur) != 0)
        return NULL;
    return srv_money(&m);
}

int h_bankfile_import(srv_req *r, tl_db *db, tl_err *err)
{
    cash_import_result res;
    cash_format format;
    const char *name = srv_query(r, "name");
    json_t *out;
    int rc;

    rc = body_format(&format, r, err);
    if (rc < 0)
        return rc;
    if (r->body_len == 0)
        return srv_fail(r, 400, TL_EINVALID, "required", "",
                        "the body is the bank file; it is empty");
    if (name != NULL && strlen(name) > 200)
        return srv_fail(r, 400, TL_EINVALID, "too_long", "name",
                        "name has at most 200 characters");
    memset(&res, 0, sizeof(res));
    rc = cash_import(&res, db, r->body, r->body_len, format,
                     name != NULL ? name : "api", r->user.username, err);
    if (rc < 0)
        return rc;
    out = json_pack(
        "{s:I, s:b, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:{s:i, s:i, s:i},"
        " s:i, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)res.file_id, "created", res.created, "sha256",
        res.sha256, "format", cash_format_name(res.format), "entries",
        res.entries, "credits", res.credits, "debitsSkipped",
        res.debits_skipped, "receiptsNew", res.receipts_new, "duplicates",
        res.duplicates, "matched", "byInvoice", res.by_invoice, "byAccount",
        res.by_account, "byAmount", res.by_amount, "unmatched", res.unmatched,
        "received", minor_money(res.received, res.currency), "applied",
        minor_money(res.applied, res.currency), "onAccount",
        minor_money(res.on_account, res.currency), "queued",
        minor_money(res.queued, res.currency));
    return srv_reply(r, res.created ? 201 : 200, out, err);
}

typedef struct queue_ctx {
    json_t *items;
    int kind; /* -1 both, 0 receipts, 1 credits */
} queue_ctx;

static int queue_row(const cash_queue_row *q, void *cls, tl_err *err)
{
    queue_ctx *c = cls;
    json_t *item;

    if (c->kind >= 0 && q->kind != c->kind)
        return 0;
    item = json_pack("{s:s, s:I, s:I, s:s, s:o, s:o, s:s, s:s, s:s}", "kind",
                     q->kind == 0 ? "receipt" : "credit", "receiptId",
                     (json_int_t)q->receipt_id, "paymentId",
                     (json_int_t)q->payment_id, "accountNumber",
                     q->account_number ? q->account_number : "", "amount",
                     srv_money(&q->amount), "date", srv_date(q->date),
                     "bankRef", q->bank_ref ? q->bank_ref : "", "debtorName",
                     q->debtor_name ? q->debtor_name : "", "remittance",
                     q->remittance ? q->remittance : "");
    if (item == NULL || json_array_append_new(c->items, item) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int h_unapplied_cash(srv_req *r, tl_db *db, tl_err *err)
{
    const char *kind = srv_query(r, "kind");
    queue_ctx c;
    int rc;

    c.kind = -1;
    if (kind != NULL && strcmp(kind, "receipt") == 0)
        c.kind = 0;
    else if (kind != NULL && strcmp(kind, "credit") == 0)
        c.kind = 1;
    else if (kind != NULL)
        return srv_fail(r, 400, TL_EINVALID, "format", "kind",
                        "kind is receipt or credit");
    c.items = json_array();
    if (c.items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = cash_queue(db, c.kind != 0, queue_row, &c, err);
    if (rc < 0) {
        json_decref(c.items);
        return rc;
    }
    return srv_reply_slice(r, c.items, err);
}

int h_cash_apply(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {
        "receiptId", "paymentId", "accountNumber", "invoiceNumber",
        "amount",    "date",      "note",          NULL};
    cash_apply_result res;
    cash_apply_in in;
    json_t *body = NULL;
    int has_receipt = 0;
    int has_payment = 0;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    memset(&in, 0, sizeof(in));
    tl_json_only_keys(body, "", keys, err);
    tl_json_int(body, "receiptId", "", 0, 1, INT64_MAX, &in.receipt_id,
                &has_receipt, err);
    tl_json_int(body, "paymentId", "", 0, 1, INT64_MAX, &in.payment_id,
                &has_payment, err);
    tl_json_str(body, "accountNumber", "", 0, 32, &in.account_number, err);
    tl_json_str(body, "invoiceNumber", "", 0, 40, &in.invoice_number, err);
    tl_json_str(body, "amount", "", 0, 24, &in.amount, err);
    srv_body_date(&in.date, r, body, "date", err);
    tl_json_str(body, "note", "", 0, 250, &in.note, err);
    if (!tl_err_has_problems(err) && has_receipt == has_payment)
        tl_err_add(err, "required", "receiptId",
                   "give exactly one of receiptId and paymentId");
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    in.actor = r->user.username;
    rc = cash_apply(&res, db, &in, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_reply(r, 201,
                   json_pack("{s:I, s:I, s:s, s:o, s:o, s:o}", "id",
                             (json_int_t)res.application_id, "paymentId",
                             (json_int_t)res.payment_id, "invoiceNumber",
                             in.invoice_number ? in.invoice_number : "",
                             "applied", srv_money_or_null(&res.applied), "left",
                             srv_money_or_null(&res.left), "invoiceOpen",
                             srv_money_or_null(&res.invoice_open)),
                   err);
cleanup:
    json_decref(body);
    return rc;
}

int h_cash_unapply(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"invoiceNumber", "date", "note", NULL};
    cash_unapply_result res;
    json_t *body = NULL;
    const char *invoice = NULL;
    const char *note = NULL;
    int64_t payment_id;
    tl_date date;
    int rc;

    rc = srv_param_id(&payment_id, r, 0, "payment");
    if (rc < 0)
        return rc;
    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "invoiceNumber", "", 1, 40, &invoice, err);
    srv_body_date(&date, r, body, "date", err);
    tl_json_str(body, "note", "", 0, 250, &note, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = cash_unapply(&res, db, payment_id, invoice, date, note,
                      r->user.username, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_reply(r, 200,
                   json_pack("{s:I, s:s, s:i, s:o, s:o, s:o}", "paymentId",
                             (json_int_t)payment_id, "invoiceNumber", invoice,
                             "reversed", res.reversed, "amount",
                             srv_money_or_null(&res.amount), "left",
                             srv_money_or_null(&res.left), "invoiceOpen",
                             srv_money_or_null(&res.invoice_open)),
                   err);
cleanup:
    json_decref(body);
    return rc;
}
