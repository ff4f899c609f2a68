/*
 * Payments: record, post to the ledger, apply to open invoices.
 *
 * The payment's bank reference is unique per account, which makes posting
 * idempotent. Application order: the invoice the customer named, then the
 * oldest due; whatever is left stays on account as unapplied cash.
 * Applications are history (cash unapply adds negative reversal rows), so
 * what a payment has applied is always the sum of its rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/collections.h"
#include "collections/ledger_internal.h"
#include "common/audit.h"

/* What payment p has left: not applied, not refunded. */
#define PAYMENT_LEFT COLLECTIONS_PAYMENT_LEFT("p.account_id", "p.payment_id")

typedef struct pay_ctx {
    const collections_payment_in *in;
    accounts_account_t account;
    collections_payment_result *result;
    int64_t remaining;
} pay_ctx;

/* Fills applied/unapplied of a stored payment. */
static int load_totals(pay_ctx *ctx, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int64_t applied = 0;
    int64_t left = 0;
    int n = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->account.account_id);
    tl_params_int64(&p, ctx->result->payment_id);
    rc = tl_db_query_one(db, &res, "collections_payment_totals",
                         "SELECT " PAYMENT_LEFT " AS left_minor,"
                         " coalesce(sum(a.net), 0) AS applied,"
                         " count(a.invoice_id) FILTER (WHERE a.net > 0)"
                         " AS invoices"
                         " FROM collections.payment p"
                         " LEFT JOIN (SELECT account_id, payment_id,"
                         "  invoice_id, sum(amount_minor) AS net"
                         "  FROM collections.application"
                         "  WHERE account_id = $1::bigint"
                         "  AND payment_id = $2::bigint"
                         "  GROUP BY account_id, payment_id, invoice_id) a"
                         " USING (account_id, payment_id)"
                         " WHERE p.account_id = $1::bigint"
                         " AND p.payment_id = $2::bigint"
                         " GROUP BY p.account_id, p.payment_id",
                         &p, err);
    if (rc <= 0)
        return rc < 0 ? rc
                      : tl_err_set(err, TL_ERROR, "internal", "payment",
                                   "payment vanished");
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "left_minor", &left, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "applied", &applied, err);
    if (rc == 0)
        rc = tl_row_int(&row, "invoices", &n, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    ctx->result->invoices_paid = n;
    tl_money_make(&ctx->result->applied, applied, ctx->account.currency);
    tl_money_make(&ctx->result->unapplied, left, ctx->account.currency);
    return 0;
}

/* An already posted reference: the same payment again is fine, another
 * amount or date under the same reference is not. */
static int existing_payment(pay_ctx *ctx, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int same = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->account.account_id);
    tl_params_text(&p, ctx->in->reference);
    tl_params_int64(&p, ctx->in->amount.minor);
    tl_params_date(&p, ctx->in->received_date);
    rc = tl_db_query_one(db, &res, "collections_payment_existing",
                         "SELECT payment_id, (amount_minor = $3::bigint"
                         " AND received_date = $4::date) AS same"
                         " FROM collections.payment"
                         " WHERE account_id = $1::bigint AND reference = $2",
                         &p, err);
    if (rc <= 0)
        return rc < 0 ? rc
                      : tl_err_set(err, TL_ERROR, "internal", "payment",
                                   "payment vanished");
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "payment_id", &ctx->result->payment_id, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "same", &same, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    if (!same) {
        tl_err_add(err, "duplicate", "reference",
                   "reference %s was already posted with another amount or "
                   "date",
                   ctx->in->reference);
        return TL_EDUPLICATE;
    }
    return load_totals(ctx, db, err);
}

typedef struct open_invoice {
    int64_t invoice_id;
    int64_t open;
} open_invoice;

#define MAX_OPEN_INVOICES 10000

typedef struct open_list {
    open_invoice items[MAX_OPEN_INVOICES];
    size_t n;
    int named_found;
} open_list;

static int open_row(const tl_row *row, void *cls, tl_err *err)
{
    open_list *list = cls;
    int named = 0;

    if (list->n == MAX_OPEN_INVOICES)
        return 0; /* the rest stays unapplied for a collector to apply */
    if (tl_row_int64(row, "invoice_id", &list->items[list->n].invoice_id, err) <
            0 ||
        tl_row_int64(row, "open", &list->items[list->n].open, err) < 0 ||
        tl_row_bool(row, "named", &named, err) < 0)
        return TL_ERROR;
    list->named_found |= named;
    list->n++;
    return 0;
}

static int apply_payment(pay_ctx *ctx, tl_db *db, open_list *list, tl_err *err)
{
    tl_params p;
    size_t i;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->account.account_id);
    tl_params_text(&p, ctx->in->invoice_number ? ctx->in->invoice_number : "");
    rc = tl_db_select(
        db, "collections_open_invoices",
        "SELECT e.invoice_id, e.source_ref = $2 AS named,"
        " o.open FROM collections.ledger_entry e"
        " CROSS JOIN LATERAL (SELECT " COLLECTIONS_INVOICE_OWED(
            "e.account_id",
            "e.invoice_id") " AS open) o"
                            " WHERE e.account_id = $1::bigint"
                            " AND e.kind = 'invoice' AND o.open > 0"
                            " ORDER BY (e.source_ref = $2) DESC, e.due_date,"
                            " e.entry_id",
        &p, open_row, list, err);
    if (rc < 0)
        return rc;
    for (i = 0; i < list->n && ctx->remaining > 0; i++) {
        int64_t amount = list->items[i].open < ctx->remaining
                             ? list->items[i].open
                             : ctx->remaining;
        tl_params_init(&p);
        tl_params_int64(&p, ctx->account.account_id);
        tl_params_int64(&p, ctx->result->payment_id);
        tl_params_int64(&p, list->items[i].invoice_id);
        tl_params_int64(&p, amount);
        tl_params_date(&p, ctx->in->received_date);
        tl_params_text(&p, ctx->in->actor ? ctx->in->actor : "system");
        rc = tl_db_exec(db, "collections_application_insert",
                        "INSERT INTO collections.application (account_id,"
                        " payment_id, invoice_id, amount_minor,"
                        " applied_date, method, recorded_by)"
                        " VALUES ($1::bigint, $2::bigint, $3::bigint,"
                        " $4::bigint, $5::date, 'payment', $6)",
                        &p, err);
        if (rc < 0)
            return rc;
        ctx->remaining -= amount;
    }
    return 0;
}

static int named_invoice_exists(pay_ctx *ctx, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->account.account_id);
    tl_params_text(&p, ctx->in->invoice_number);
    rc = tl_db_exec(db, "collections_named_invoice",
                    "SELECT 1 FROM collections.ledger_entry"
                    " WHERE account_id = $1::bigint AND kind = 'invoice'"
                    " AND source_ref = $2",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_invoice", "invoice",
                          "invoice %s of account %s is not in the ledger",
                          ctx->in->invoice_number, ctx->account.account_number);
    return 0;
}

static int audit_payment(const pay_ctx *ctx, tl_db *db, tl_err *err)
{
    char amount[32];
    char date[16];
    json_t *after;
    int rc;

    tl_money_format(amount, sizeof(amount), &ctx->in->amount);
    tl_date_format(date, sizeof(date), ctx->in->received_date);
    after =
        json_pack("{s:s, s:s, s:s, s:s, s:i}", "amount", amount, "currency",
                  ctx->in->amount.cur, "receivedDate", date, "method",
                  ctx->in->method, "invoicesPaid", ctx->result->invoices_paid);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc =
        tl_audit(db, ctx->in->actor, "payment.post", "payment",
                 ctx->in->reference, ctx->account.account_id, NULL, after, err);
    json_decref(after);
    return rc;
}

static int pay_tx(tl_db *db, void *cls, tl_err *err)
{
    pay_ctx *ctx = cls;
    open_list *list = NULL;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    ctx->result->created = 0;
    ctx->remaining = ctx->in->amount.minor;
    if (ctx->in->invoice_number != NULL) {
        rc = named_invoice_exists(ctx, db, err);
        if (rc < 0)
            return rc;
    }
    tl_params_init(&p);
    tl_params_int64(&p, ctx->account.account_id);
    tl_params_text(&p, ctx->in->reference);
    tl_params_date(&p, ctx->in->received_date);
    tl_params_int64(&p, ctx->in->amount.minor);
    tl_params_text(&p, ctx->in->amount.cur);
    tl_params_text(&p, ctx->in->method);
    tl_params_text(&p, ctx->in->actor);
    rc = tl_db_query(db, &res, "collections_payment_insert",
                     "INSERT INTO collections.payment (account_id, reference,"
                     " received_date, amount_minor, currency, method,"
                     " recorded_by)"
                     " VALUES ($1::bigint, $2, $3::date, $4::bigint, $5, $6,"
                     " $7) ON CONFLICT (account_id, reference) DO NOTHING"
                     " RETURNING payment_id",
                     &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        PQclear(res);
        return existing_payment(ctx, db, err);
    }
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "payment_id", &ctx->result->payment_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    ctx->result->created = 1;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->account.account_id);
    tl_params_text(&p, ctx->in->reference);
    tl_params_int64(&p, -ctx->in->amount.minor);
    tl_params_text(&p, ctx->in->amount.cur);
    tl_params_date(&p, ctx->in->received_date);
    tl_params_int64(&p, ctx->result->payment_id);
    rc = tl_db_exec(db, "collections_payment_ledger",
                    "INSERT INTO collections.ledger_entry (account_id, kind,"
                    " source_ref, amount_minor, currency, effective_date,"
                    " payment_id)"
                    " VALUES ($1::bigint, 'payment', $2, $3::bigint, $4,"
                    " $5::date, $6::bigint)",
                    &p, err);
    if (rc < 0)
        return rc;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = apply_payment(ctx, db, list, err);
    free(list);
    if (rc < 0)
        return rc;
    rc = load_totals(ctx, db, err);
    if (rc < 0)
        return rc;
    return audit_payment(ctx, db, err);
}

static int validate_in(const collections_payment_in *in, tl_err *err)
{
    if (in->account_number == NULL || in->account_number[0] == '\0')
        tl_err_add(err, "required", "account",
                   "the paying account is "
                   "required");
    if (in->reference == NULL || in->reference[0] == '\0')
        tl_err_add(err, "required", "reference",
                   "the bank reference is required; it keeps a payment from "
                   "being posted twice");
    if (in->amount.minor <= 0)
        tl_err_add(err, "range", "amount",
                   "a payment must be greater than zero");
    if (in->method == NULL ||
        (strcmp(in->method, "wire") != 0 && strcmp(in->method, "ach") != 0 &&
         strcmp(in->method, "check") != 0 && strcmp(in->method, "card") != 0 &&
         strcmp(in->method, "other") != 0))
        tl_err_add(err, "format", "method",
                   "method must be wire, ach, check, card or other");
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

int collections_post_payment(collections_payment_result *out, tl_db *db,
                             const collections_payment_in *in, tl_err *err)
{
    pay_ctx ctx;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ctx, 0, sizeof(ctx));
    ctx.in = in;
    ctx.result = out;
    rc = validate_in(in, err);
    if (rc < 0)
        return rc;
    rc = accounts_get(&ctx.account, db, in->account_number, err);
    if (rc < 0)
        return rc;
    if (strcmp(ctx.account.currency, in->amount.cur) != 0)
        return tl_err_add(
            err, "currency", "amount", "account %s is billed in %s, not %s",
            in->account_number, ctx.account.currency, in->amount.cur);
    out->account_id = ctx.account.account_id;
    return tl_db_run_tx(db, "collections_post_payment", pay_tx, &ctx, err);
}
