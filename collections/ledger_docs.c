/*
 * AR ledger documents a person posts: credit and debit memos,
 * adjustments, refunds, transfers between two accounts of one customer,
 * and recoveries on written-off invoices; and balances of accounts and
 * invoices as of a date. Each document is one transaction: its ledger
 * entries (the append-only ledger keyed by account, kind and reference),
 * its collections.ledger_doc row (kind, reason, links) and one audit
 * event.
 *
 * A refund pays back the credit of one payment, and its entry names that
 * payment (ledger_entry.payment_id): what a payment has left to apply is
 * its amount less its applications and the refunds naming it
 * (COLLECTIONS_PAYMENT_LEFT), so refunded credit is never applied to an
 * invoice as well.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/acct.h"
#include "collections/book_internal.h"
#include "collections/ledger_internal.h"

static const char *const doc_kinds[] = {
    "credit_memo", "debit_memo", "adjustment", "refund",
    "transfer",    "recovery",   NULL};

static int known_kind(const char *kind)
{
    size_t i;

    for (i = 0; kind != NULL && doc_kinds[i] != NULL; i++)
        if (strcmp(kind, doc_kinds[i]) == 0)
            return 1;
    return 0;
}

typedef struct inv_facts {
    int found;
    int64_t invoice_id;
    char currency[4];
    int64_t owed;
    int64_t written_off; /* net of recoveries, positive */
} inv_facts;

static int inv_row(const tl_row *row, void *cls, tl_err *err)
{
    inv_facts *f = cls;
    const char *cur = NULL;

    f->found = 1;
    if (tl_row_int64(row, "invoice_id", &f->invoice_id, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "owed", &f->owed, err) < 0 ||
        tl_row_int64(row, "written_off", &f->written_off, err) < 0)
        return TL_ERROR;
    snprintf(f->currency, sizeof(f->currency), "%s", cur);
    return 0;
}

/* The invoice (of the account) with what it owes now and what was written
 * off it and not recovered. */
static int inv_facts_get(inv_facts *f, tl_db *db, int64_t account_id,
                         const char *number, tl_err *err)
{
    tl_params p;
    int rc;

    memset(f, 0, sizeof(*f));
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, number);
    rc = tl_db_select(
        db, "collections_doc_invoice",
        "SELECT i.invoice_id, i.currency, " COLLECTIONS_INVOICE_OWED(
            "i.account_id", "i.invoice_id") " AS owed,"
                                            " -(SELECT coalesce(sum(w.amount_"
                                            "minor), 0)"
                                            " FROM collections.ledger_entry w"
                                            " WHERE w.account_id = "
                                            "i.account_id"
                                            " AND w.invoice_id = i.invoice_id"
                                            " AND w.kind = 'write_off')"
                                            " AS written_off"
                                            " FROM billing.invoice i"
                                            " WHERE i.account_id = $1::bigint"
                                            " AND i.invoice_number = $2"
                                            " AND i.status = 'final'",
        &p, inv_row, f, err);
    if (rc < 0)
        return rc;
    if (!f->found)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "invoice",
                          "no final invoice %s on this account", number);
    return 0;
}

/* What payment p has left on the refund's date ($3), and after everything
 * posted. */
#define PAYMENT_LEFT_ON_DATE                                                   \
    COLLECTIONS_PAYMENT_LEFT_ON("p.account_id", "p.payment_id", "$3::date")
#define PAYMENT_LEFT COLLECTIONS_PAYMENT_LEFT("p.account_id", "p.payment_id")

typedef struct pay_facts {
    int found;
    int64_t payment_id;
    int64_t left; /* on the refund date and after everything posted */
} pay_facts;

static int pay_row(const tl_row *row, void *cls, tl_err *err)
{
    pay_facts *f = cls;

    f->found = 1;
    if (tl_row_int64(row, "payment_id", &f->payment_id, err) < 0 ||
        tl_row_int64(row, "left_minor", &f->left, err) < 0)
        return TL_ERROR;
    return 0;
}

/* The payment a refund of amount on date returns credit of: the one named
 * reference (NULL: any) of the account, the oldest with enough left first.
 * Its credit left is the lesser of what it has on the date and what it has
 * after everything posted, so that a refund dated before a later
 * application cannot return the same credit. f->found is 0 when there is
 * no such payment at all. */
static int refund_payment_get(pay_facts *f, tl_db *db, int64_t account_id,
                              const char *reference, tl_date on, int64_t amount,
                              tl_err *err)
{
    tl_params p;

    memset(f, 0, sizeof(*f));
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, reference);
    tl_params_date(&p, on);
    tl_params_int64(&p, amount);
    return tl_db_select(
        db, "collections_doc_refund_payment",
        "SELECT p.payment_id, l.left_minor FROM collections.payment p"
        " CROSS JOIN LATERAL (SELECT least(" PAYMENT_LEFT_ON_DATE
        ", " PAYMENT_LEFT ") AS left_minor) l"
        " WHERE p.account_id = $1::bigint"
        " AND ($2::text IS NULL OR p.reference = $2)"
        " ORDER BY l.left_minor >= $4::bigint DESC, p.received_date,"
        " p.payment_id LIMIT 1",
        &p, pay_row, f, err);
}

static int balance_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "balance", cls, err);
}

static int account_balance_id(int64_t *out, tl_db *db, int64_t account_id,
                              tl_date as_of, tl_err *err)
{
    tl_params p;

    *out = 0;
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_date(&p, as_of);
    return tl_db_select(db, "collections_account_balance",
                        "SELECT coalesce(sum(amount_minor), 0)::bigint"
                        " AS balance FROM collections.ledger_entry"
                        " WHERE account_id = $1::bigint"
                        " AND effective_date <= $2::date",
                        &p, balance_row, out, err);
}

typedef struct existing {
    int found;
    int64_t entry_id;
    int64_t amount;
    int64_t invoice_id; /* 0 when none */
    int64_t linked;
    int64_t payment_id; /* 0 when none */
    const char *named;  /* in: the payment the document names, or NULL */
    int same_payment;   /* out: none named, or the stored entry's */
} existing;

static int existing_row(const tl_row *row, void *cls, tl_err *err)
{
    existing *x = cls;
    int isnull = 0;
    int none = 0;

    x->found = 1;
    if (tl_row_int64(row, "entry_id", &x->entry_id, err) < 0 ||
        tl_row_int64(row, "amount_minor", &x->amount, err) < 0 ||
        tl_row_int64_opt(row, "invoice_id", &x->invoice_id, &isnull, err) < 0 ||
        tl_row_int64_opt(row, "linked_entry_id", &x->linked, &isnull, err) < 0)
        return TL_ERROR;
    if (tl_row_int64_opt(row, "payment_id", &x->payment_id, &none, err) < 0)
        return TL_ERROR;
    x->same_payment = x->named == NULL;
    if (x->named != NULL && !none) {
        const char *ref = NULL;

        if (tl_row_text(row, "payment_reference", &ref, err) < 0)
            return TL_ERROR;
        x->same_payment = strcmp(ref, x->named) == 0;
    }
    return 0;
}

static int entry_id_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "entry_id", cls, err);
}

static int insert_entry(int64_t *entry_id, tl_db *db, int64_t account_id,
                        const char *kind, const char *ref, int64_t amount,
                        const char *cur, tl_date on, int64_t invoice_id,
                        int64_t payment_id, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, kind);
    tl_params_text(&p, ref);
    tl_params_int64(&p, amount);
    tl_params_text(&p, cur);
    tl_params_date(&p, on);
    if (invoice_id > 0)
        tl_params_int64(&p, invoice_id);
    else
        tl_params_null(&p);
    if (payment_id > 0)
        tl_params_int64(&p, payment_id);
    else
        tl_params_null(&p);
    return tl_db_select(db, "collections_doc_entry",
                        "INSERT INTO collections.ledger_entry (account_id,"
                        " kind, source_ref, amount_minor, currency,"
                        " effective_date, invoice_id, payment_id)"
                        " VALUES ($1::bigint, $2, $3, $4::bigint, $5,"
                        " $6::date, $7::bigint, $8::bigint)"
                        " RETURNING entry_id",
                        &p, entry_id_row, entry_id, err);
}

static int insert_doc(tl_db *db, int64_t account_id, int64_t entry_id,
                      const collections_doc_in *in, int64_t linked_account,
                      int64_t linked_entry, int64_t payment_id, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, entry_id);
    tl_params_text(&p, in->kind);
    tl_params_text(&p, in->reason ? in->reason : "");
    tl_params_text(&p, in->actor);
    if (linked_account > 0) {
        tl_params_int64(&p, linked_account);
        tl_params_int64(&p, linked_entry);
    } else {
        tl_params_null(&p);
        tl_params_null(&p);
    }
    if (payment_id > 0)
        tl_params_int64(&p, payment_id);
    else
        tl_params_null(&p);
    return tl_db_exec(db, "collections_doc_insert",
                      "INSERT INTO collections.ledger_doc (account_id,"
                      " entry_id, doc_kind, reason, posted_by,"
                      " linked_account_id, linked_entry_id, payment_id)"
                      " VALUES ($1::bigint, $2::bigint, $3, $4, $5,"
                      " $6::bigint, $7::bigint, $8::bigint)",
                      &p, err);
}

typedef struct post_ctx {
    const collections_doc_in *in;
    collections_doc_result res;
} post_ctx;

static int post_tx(tl_db *db, void *cls, tl_err *err)
{
    post_ctx *ctx = cls;
    const collections_doc_in *in = ctx->in;
    accounts_account_t acct;
    accounts_account_t to;
    inv_facts inv;
    pay_facts pay;
    existing x;
    char ref[160];
    char day[16];
    const char *kind = in->kind;
    int64_t amount = in->amount.minor;
    int64_t payment_id = 0;
    tl_params p;
    int rc;

    memset(&ctx->res, 0, sizeof(ctx->res));
    memset(&inv, 0, sizeof(inv));
    memset(&pay, 0, sizeof(pay));
    memset(&to, 0, sizeof(to));
    rc = accounts_get(&acct, db, in->account_number, err);
    if (rc < 0)
        return rc;
    if (strcmp(acct.currency, in->amount.cur) != 0)
        return tl_err_add(err, "currency", "amount",
                          "account %s is billed in %s, not %s",
                          acct.account_number, acct.currency, in->amount.cur);
    if (in->invoice_number != NULL) {
        rc = inv_facts_get(&inv, db, acct.account_id, in->invoice_number, err);
        if (rc < 0)
            return rc;
    }
    snprintf(ref, sizeof(ref), "%s%s",
             strcmp(in->kind, "recovery") == 0 ? "REC-" : "", in->reference);
    if (strcmp(in->kind, "credit_memo") == 0 ||
        strcmp(in->kind, "transfer") == 0)
        amount = -amount;
    if (strcmp(in->kind, "recovery") == 0)
        kind = "write_off";

    /* the same reference again: the stored entry, or a duplicate */
    memset(&x, 0, sizeof(x));
    x.named = in->payment_reference;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_text(&p, kind);
    tl_params_text(&p, ref);
    rc = tl_db_select(db, "collections_doc_existing",
                      "SELECT e.entry_id, e.amount_minor, e.invoice_id,"
                      " d.linked_entry_id, e.payment_id,"
                      " y.reference AS payment_reference"
                      " FROM collections.ledger_entry e"
                      " LEFT JOIN collections.ledger_doc d"
                      " ON d.account_id = e.account_id"
                      " AND d.entry_id = e.entry_id"
                      " LEFT JOIN collections.payment y"
                      " ON y.account_id = e.account_id"
                      " AND y.payment_id = e.payment_id"
                      " WHERE e.account_id = $1::bigint AND e.kind = $2"
                      " AND e.source_ref = $3",
                      &p, existing_row, &x, err);
    if (rc < 0)
        return rc;
    if (x.found) {
        if (x.amount != amount || x.invoice_id != inv.invoice_id ||
            !x.same_payment)
            return tl_err_set(err, TL_EDUPLICATE, "duplicate", "reference",
                              "%s %s was already posted on %s with other "
                              "values",
                              in->kind, in->reference, acct.account_number);
        ctx->res.entry_id = x.entry_id;
        ctx->res.linked_entry_id = x.linked;
        ctx->res.payment_id =
            strcmp(in->kind, "refund") == 0 ? x.payment_id : 0;
        ctx->res.signed_minor = amount;
        return 0;
    }

    /* limits */
    if (strcmp(in->kind, "credit_memo") == 0 && inv.found && -amount > inv.owed)
        return tl_err_set(err, TL_ECONFLICT, "exceeds_open", "amount",
                          "invoice %s owes less than the credit memo",
                          in->invoice_number);
    if (strcmp(in->kind, "adjustment") == 0 && inv.found && amount < 0 &&
        -amount > inv.owed)
        return tl_err_set(err, TL_ECONFLICT, "exceeds_open", "amount",
                          "invoice %s owes less than the adjustment",
                          in->invoice_number);
    if (strcmp(in->kind, "refund") == 0) {
        int64_t bal = 0;

        rc = refund_payment_get(&pay, db, acct.account_id,
                                in->payment_reference, in->date, amount, err);
        if (rc < 0)
            return rc;
        if (in->payment_reference != NULL && !pay.found)
            return tl_err_set(err, TL_ENOTFOUND, "not_found", "payment",
                              "account %s has no payment %s",
                              acct.account_number, in->payment_reference);
        rc = account_balance_id(&bal, db, acct.account_id, in->date, err);
        if (rc < 0)
            return rc;
        if (amount > -bal)
            return tl_err_set(err, TL_ECONFLICT, "exceeds_credit", "amount",
                              "account %s has less credit than the refund "
                              "on %s",
                              acct.account_number, book_date(day, in->date));
        if (in->payment_reference != NULL && amount > pay.left)
            return tl_err_set(err, TL_ECONFLICT, "exceeds_credit", "amount",
                              "payment %s has less credit left than the "
                              "refund on %s",
                              in->payment_reference, book_date(day, in->date));
        if (!pay.found || amount > pay.left)
            return tl_err_set(err, TL_ECONFLICT, "exceeds_credit", "amount",
                              "no single payment of account %s has as much "
                              "credit left as the refund on %s; refund "
                              "each payment's credit on its own",
                              acct.account_number, book_date(day, in->date));
    }
    if (strcmp(in->kind, "recovery") == 0 && amount > inv.written_off)
        return tl_err_set(err, TL_ECONFLICT, "exceeds_written_off", "amount",
                          "invoice %s has less written off than the "
                          "recovery",
                          in->invoice_number);
    if (strcmp(in->kind, "transfer") == 0) {
        rc = accounts_get(&to, db, in->to_account, err);
        if (rc < 0)
            return rc;
        if (to.account_id == acct.account_id ||
            to.customer_id != acct.customer_id ||
            strcmp(to.currency, acct.currency) != 0)
            return tl_err_add(err, "invalid", "to_account",
                              "a transfer goes to another account of the "
                              "same customer in the same currency");
    }

    rc = insert_entry(&ctx->res.entry_id, db, acct.account_id, kind, ref,
                      amount, acct.currency, in->date, inv.invoice_id,
                      pay.payment_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(in->kind, "transfer") == 0) {
        rc = insert_entry(&ctx->res.linked_entry_id, db, to.account_id,
                          "transfer", ref, -amount, acct.currency, in->date, 0,
                          0, err);
        if (rc < 0)
            return rc;
        rc = insert_doc(db, to.account_id, ctx->res.linked_entry_id, in,
                        acct.account_id, ctx->res.entry_id, 0, err);
        if (rc < 0)
            return rc;
    }
    if (strcmp(in->kind, "recovery") == 0) {
        collections_payment_in pin;
        collections_payment_result pres;

        memset(&pin, 0, sizeof(pin));
        pin.account_number = acct.account_number;
        pin.amount = in->amount;
        pin.received_date = in->date;
        pin.reference = in->reference;
        pin.method = in->method ? in->method : "other";
        pin.invoice_number = in->invoice_number;
        pin.actor = in->actor;
        rc = collections_post_payment(&pres, db, &pin, err);
        if (rc < 0)
            return rc;
        payment_id = pres.payment_id;
    }
    rc = insert_doc(db, acct.account_id, ctx->res.entry_id, in,
                    strcmp(in->kind, "transfer") == 0 ? to.account_id : 0,
                    ctx->res.linked_entry_id, payment_id, err);
    if (rc < 0)
        return rc;
    ctx->res.created = 1;
    ctx->res.payment_id = pay.payment_id;
    ctx->res.signed_minor = amount;
    return book_audit(
        db, in->actor, "ledger.post", "ledger_entry", ctx->res.entry_id,
        acct.account_id, NULL,
        json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I}", "kind", in->kind,
                  "reference", in->reference, "amountMinor", (json_int_t)amount,
                  "currency", acct.currency, "date", book_date(day, in->date),
                  "invoice", in->invoice_number ? in->invoice_number : "",
                  "reason", in->reason ? in->reason : "", "paymentId",
                  (json_int_t)pay.payment_id),
        err);
}

int collections_doc_post(collections_doc_result *out, tl_db *db,
                         const collections_doc_in *in, tl_err *err)
{
    post_ctx ctx;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ctx, 0, sizeof(ctx));
    ctx.in = in;
    if (!known_kind(in->kind))
        tl_err_add(err, "invalid", "kind",
                   "kind must be credit_memo, debit_memo, adjustment, "
                   "refund, transfer or recovery");
    if (in->account_number == NULL || in->account_number[0] == '\0')
        tl_err_add(err, "required", "account", "an account is required");
    if (in->reference == NULL || in->reference[0] == '\0' ||
        strlen(in->reference) > 120)
        tl_err_add(err, "required", "reference",
                   "a reference (1 to 120 characters) is required");
    if (known_kind(in->kind)) {
        int signed_ok = strcmp(in->kind, "adjustment") == 0;

        if (in->amount.minor == 0 || (!signed_ok && in->amount.minor < 0))
            tl_err_add(err, "invalid", "amount",
                       signed_ok ? "an adjustment must not be zero"
                                 : "the amount must be greater than zero");
        if ((strcmp(in->kind, "refund") == 0 ||
             strcmp(in->kind, "transfer") == 0) &&
            in->invoice_number != NULL)
            tl_err_add(err, "invalid", "invoice",
                       "a %s is posted at account level", in->kind);
        if (in->payment_reference != NULL &&
            (strcmp(in->kind, "refund") != 0 ||
             in->payment_reference[0] == '\0' ||
             strlen(in->payment_reference) > 120))
            tl_err_add(err, "invalid", "payment",
                       strcmp(in->kind, "refund") != 0
                           ? "only a refund names a payment"
                           : "a payment reference has 1 to 120 characters");
        if (strcmp(in->kind, "recovery") == 0 && in->invoice_number == NULL)
            tl_err_add(err, "required", "invoice",
                       "a recovery names the written-off invoice");
        if (strcmp(in->kind, "transfer") == 0 &&
            (in->to_account == NULL || in->to_account[0] == '\0'))
            tl_err_add(err, "required", "to_account",
                       "a transfer names the account it goes to");
        if (strcmp(in->kind, "adjustment") == 0 &&
            (in->reason == NULL || in->reason[0] == '\0'))
            tl_err_add(err, "required", "reason",
                       "an adjustment needs a reason");
    }
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "collections_doc_post", post_tx, &ctx, err);
    if (rc == 0)
        *out = ctx.res;
    return rc;
}

/* ---- reading ---- */

typedef struct entries_ctx {
    collections_entry_fn fn;
    void *cls;
} entries_ctx;

static int entry_row(const tl_row *row, void *cls, tl_err *err)
{
    entries_ctx *ctx = cls;
    collections_entry e;

    memset(&e, 0, sizeof(e));
    if (tl_row_int64(row, "entry_id", &e.entry_id, err) < 0 ||
        tl_row_text(row, "account_number", &e.account_number, err) < 0 ||
        tl_row_text(row, "kind", &e.kind, err) < 0 ||
        tl_row_text(row, "doc_kind", &e.doc_kind, err) < 0 ||
        tl_row_text(row, "source_ref", &e.reference, err) < 0 ||
        tl_row_text(row, "invoice_number", &e.invoice_number, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &e.amount, err) < 0 ||
        tl_row_date(row, "effective_date", &e.date, err) < 0 ||
        tl_row_text(row, "reason", &e.reason, err) < 0 ||
        tl_row_int64(row, "running", &e.running, err) < 0)
        return TL_ERROR;
    return ctx->fn(&e, ctx->cls, err);
}

int collections_entries(tl_db *db, const char *account_number, tl_date from,
                        tl_date to, collections_entry_fn fn, void *cls,
                        tl_err *err)
{
    entries_ctx ctx = {fn, cls};
    accounts_account_t acct;
    tl_params p;
    int rc;

    rc = accounts_get(&acct, db, account_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_date(&p, from);
    tl_params_date(&p, to);
    return tl_db_select(
        db, "collections_entries",
        "SELECT * FROM (SELECT e.entry_id, b.account_number, e.kind,"
        " coalesce(d.doc_kind, '') AS doc_kind, e.source_ref,"
        " coalesce(i.invoice_number, '') AS invoice_number, e.amount_minor,"
        " e.currency, e.effective_date, coalesce(d.reason, '') AS reason,"
        " (sum(e.amount_minor) OVER (ORDER BY e.effective_date, e.entry_id))"
        "::bigint AS running"
        " FROM collections.ledger_entry e"
        " JOIN accounts.billing_account b ON b.account_id = e.account_id"
        " LEFT JOIN collections.ledger_doc d ON d.account_id = e.account_id"
        " AND d.entry_id = e.entry_id"
        " LEFT JOIN billing.invoice i ON i.account_id = e.account_id"
        " AND i.invoice_id = e.invoice_id"
        " WHERE e.account_id = $1::bigint AND e.effective_date <= $3::date)"
        " x WHERE x.effective_date >= $2::date"
        " ORDER BY x.effective_date, x.entry_id",
        &p, entry_row, &ctx, err);
}

int collections_account_balance(tl_money *out, tl_db *db,
                                const char *account_number, tl_date as_of,
                                tl_err *err)
{
    accounts_account_t acct;
    int64_t bal = 0;
    int rc;

    tl_money_make(out, 0, "USD");
    rc = accounts_get(&acct, db, account_number, err);
    if (rc < 0)
        return rc;
    rc = account_balance_id(&bal, db, acct.account_id, as_of, err);
    if (rc < 0)
        return rc;
    return tl_money_make(out, bal, acct.currency) < 0
               ? tl_err_set(err, TL_ERROR, "internal", "", "bad currency")
               : 0;
}

typedef struct inv_bal {
    int found;
    tl_money m;
} inv_bal;

static int inv_bal_row(const tl_row *row, void *cls, tl_err *err)
{
    inv_bal *b = cls;

    b->found = 1;
    return tl_row_money(row, "balance", "currency", &b->m, err);
}

int collections_invoice_balance(tl_money *out, tl_db *db,
                                const char *invoice_number, tl_date as_of,
                                tl_err *err)
{
    inv_bal b;
    tl_params p;
    int rc;

    memset(&b, 0, sizeof(b));
    tl_money_make(out, 0, "USD");
    tl_params_init(&p);
    tl_params_text(&p, invoice_number);
    tl_params_date(&p, as_of);
    rc = tl_db_select(
        db, "collections_invoice_balance",
        "SELECT i.currency, ((SELECT coalesce(sum(e.amount_minor), 0)"
        " FROM collections.ledger_entry e WHERE e.account_id = i.account_id"
        " AND e.invoice_id = i.invoice_id AND e.kind <> 'payment'"
        " AND e.effective_date <= $2::date)"
        " - (SELECT coalesce(sum(a.amount_minor), 0)"
        " FROM collections.application a WHERE a.account_id = i.account_id"
        " AND a.invoice_id = i.invoice_id AND a.applied_date <= $2::date))"
        "::bigint AS balance"
        " FROM billing.invoice i WHERE i.invoice_number = $1"
        " AND i.status = 'final' AND EXISTS (SELECT 1"
        " FROM collections.ledger_entry x WHERE x.account_id = i.account_id"
        " AND x.invoice_id = i.invoice_id AND x.kind = 'invoice')",
        &p, inv_bal_row, &b, err);
    if (rc < 0)
        return rc;
    if (!b.found)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "invoice",
                          "no posted invoice %s", invoice_number);
    *out = b.m;
    return 0;
}

typedef struct accts_ctx {
    collections_account_fn fn;
    void *cls;
} accts_ctx;

static int acct_row(const tl_row *row, void *cls, tl_err *err)
{
    accts_ctx *ctx = cls;
    const char *n = NULL;

    if (tl_row_text(row, "account_number", &n, err) < 0)
        return TL_ERROR;
    return ctx->fn(n, ctx->cls, err);
}

int collections_ledger_accounts(tl_db *db, tl_date as_of,
                                collections_account_fn fn, void *cls,
                                tl_err *err)
{
    accts_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, as_of);
    return tl_db_select(db, "collections_ledger_accounts",
                        "SELECT b.account_number"
                        " FROM accounts.billing_account b WHERE EXISTS"
                        " (SELECT 1 FROM collections.ledger_entry e"
                        " WHERE e.account_id = b.account_id"
                        " AND e.effective_date <= $1::date)"
                        " ORDER BY b.account_number",
                        &p, acct_row, &ctx, err);
}
