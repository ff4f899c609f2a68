/*
 * Manual cash application: a collector ties a queued receipt to an account
 * and applies payments to invoices, or takes an application back. Nothing
 * is updated in place or deleted: a receipt gets its account once, an
 * application is reversed by a new row that points at it, and the ledger
 * gets one payment entry when a receipt becomes a payment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/cash.h"
#include "collections/ledger_internal.h"
#include "common/audit.h"

/* What payment p has left to apply: not applied, not refunded. */
#define PAYMENT_LEFT COLLECTIONS_PAYMENT_LEFT("p.account_id", "p.payment_id")

typedef struct pay_state {
    int64_t account_id;
    int64_t payment_id;
    int64_t receipt_id;
    int64_t amount;
    int64_t left;
    char currency[4];
    tl_date date;
} pay_state;

typedef struct apply_ctx {
    const cash_apply_in *in;
    cash_apply_result *out;
    pay_state pay;
    char account_number[40];
} apply_ctx;

/* The payment, with what it has not applied yet. */
static int load_payment(pay_state *ps, tl_db *db, int64_t payment_id,
                        tl_err *err)
{
    PGresult *res = NULL;
    const char *cur = NULL;
    tl_params p;
    tl_row row;
    int null_receipt = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, payment_id);
    rc = tl_db_query_one(db, &res, "cash_payment_get",
                         "SELECT p.account_id, p.payment_id, p.receipt_id,"
                         " p.amount_minor, p.currency, p.received_date,"
                         " " PAYMENT_LEFT " AS left_minor"
                         " FROM collections.payment p"
                         " WHERE p.payment_id = $1::bigint",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_payment", "payment",
                          "there is no payment %lld", (long long)payment_id);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "account_id", &ps->account_id, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "payment_id", &ps->payment_id, err);
    if (rc == 0)
        rc = tl_row_int64_opt(&row, "receipt_id", &ps->receipt_id,
                              &null_receipt, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "amount_minor", &ps->amount, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "left_minor", &ps->left, err);
    if (rc == 0)
        rc = tl_row_text(&row, "currency", &cur, err);
    if (rc == 0)
        snprintf(ps->currency, sizeof(ps->currency), "%s", cur);
    if (rc == 0)
        rc = tl_row_date(&row, "received_date", &ps->date, err);
    if (null_receipt)
        ps->receipt_id = 0;
    PQclear(res);
    return rc;
}

typedef struct invoice_state {
    int64_t invoice_id;
    int64_t open;
} invoice_state;

/* An invoice of the account by number, with what it still owes. */
static int load_invoice(invoice_state *inv, tl_db *db, int64_t account_id,
                        const char *number, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, number);
    rc = tl_db_query_one(
        db, &res, "cash_invoice_get",
        "SELECT e.invoice_id, " COLLECTIONS_INVOICE_OWED(
            "e.account_id",
            "e.invoice_id") " AS open"
                            " FROM collections.ledger_entry e"
                            " WHERE e.account_id = $1::bigint"
                            " AND e.kind = 'invoice' AND e.source_ref = $2",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_invoice", "invoice",
                          "invoice %s is not in this account's ledger", number);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "invoice_id", &inv->invoice_id, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "open", &inv->open, err);
    PQclear(res);
    return rc;
}

/* The one account an invoice number belongs to. */
static int account_of_invoice(int64_t *account_id, tl_db *db,
                              const char *number, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int n = 0;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, number);
    rc = tl_db_query_one(db, &res, "cash_invoice_account",
                         "SELECT min(account_id) AS account_id,"
                         " count(*) AS n FROM collections.ledger_entry"
                         " WHERE kind = 'invoice' AND source_ref = $1",
                         &p, err);
    if (rc <= 0)
        return rc < 0 ? rc
                      : tl_err_set(err, TL_ERROR, "internal", "", "no row");
    row.res = res;
    row.row = 0;
    rc = tl_row_int(&row, "n", &n, err);
    if (rc == 0 && n == 1)
        rc = tl_row_int64(&row, "account_id", account_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    if (n == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_invoice", "invoice",
                          "invoice %s is not in the ledger", number);
    if (n > 1)
        return tl_err_add(err, "ambiguous", "account",
                          "invoice number %s is used by %d accounts; name "
                          "the account",
                          number, n);
    return 0;
}

/* Makes the queued receipt a payment of the account: the payment, its
 * ledger entry, the receipt's match, and the payer remembered. */
static int tie_receipt(apply_ctx *c, tl_db *db, tl_err *err)
{
    const cash_apply_in *in = c->in;
    PGresult *res = NULL;
    accounts_account_t acct;
    const char *cur = NULL;
    tl_params p;
    tl_row row;
    int null_account = 0;
    int64_t account_id = 0;
    int64_t amount = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, in->receipt_id);
    rc = tl_db_query_one(db, &res, "cash_receipt_get",
                         "SELECT account_id, amount_minor, currency"
                         " FROM collections.bank_receipt"
                         " WHERE receipt_id = $1::bigint FOR UPDATE",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_receipt", "receipt",
                          "there is no bank receipt %lld",
                          (long long)in->receipt_id);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64_opt(&row, "account_id", &account_id, &null_account, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "amount_minor", &amount, err);
    if (rc == 0)
        rc = tl_row_text(&row, "currency", &cur, err);
    if (rc == 0)
        snprintf(c->pay.currency, sizeof(c->pay.currency), "%s", cur);
    PQclear(res);
    if (rc < 0)
        return rc;
    if (!null_account)
        return tl_err_set(err, TL_ECONFLICT, "already_matched", "receipt",
                          "receipt %lld is already matched to an account; "
                          "apply its payment with --payment",
                          (long long)in->receipt_id);
    if (in->account_number != NULL) {
        rc = accounts_get(&acct, db, in->account_number, err);
        if (rc < 0)
            return rc;
    } else {
        rc = account_of_invoice(&account_id, db, in->invoice_number, err);
        if (rc == 0)
            rc = accounts_get_by_id(&acct, db, account_id, err);
        if (rc < 0)
            return rc;
    }
    snprintf(c->account_number, sizeof(c->account_number), "%s",
             acct.account_number);
    if (strcmp(acct.currency, c->pay.currency) != 0)
        return tl_err_set(err, TL_ECONFLICT, "currency", "account",
                          "account %s is billed in %s; the receipt is in %s",
                          acct.account_number, acct.currency, c->pay.currency);
    tl_params_init(&p);
    tl_params_int64(&p, in->receipt_id);
    tl_params_int64(&p, acct.account_id);
    tl_params_text(&p, in->actor);
    rc = tl_db_query(
        db, &res, "cash_receipt_tie",
        "WITH pay AS ("
        " INSERT INTO collections.payment (account_id, reference,"
        " received_date, amount_minor, currency, method, recorded_by,"
        " receipt_id, remittance)"
        " SELECT $2::bigint, r.bank_ref,"
        " coalesce(r.value_date, r.booking_date), r.amount_minor,"
        " r.currency, r.method, $3, r.receipt_id, r.remittance"
        " FROM collections.bank_receipt r WHERE r.receipt_id = $1::bigint"
        " ON CONFLICT (account_id, reference) DO NOTHING"
        " RETURNING account_id, payment_id, reference, amount_minor,"
        " currency, received_date),"
        " led AS ("
        " INSERT INTO collections.ledger_entry (account_id, kind,"
        " source_ref, amount_minor, currency, effective_date, payment_id)"
        " SELECT account_id, 'payment', reference, -amount_minor, currency,"
        " received_date, payment_id FROM pay),"
        " rcpt AS ("
        " UPDATE collections.bank_receipt SET account_id = $2::bigint,"
        " match_method = 'manual', matched_by = $3, matched_at = now()"
        " WHERE receipt_id = $1::bigint AND EXISTS (SELECT 1 FROM pay))"
        " SELECT payment_id, received_date FROM pay",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        PQclear(res);
        return tl_err_set(err, TL_ECONFLICT, "duplicate_reference", "receipt",
                          "account %s already has a payment under this "
                          "receipt's bank reference",
                          acct.account_number);
    }
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "payment_id", &c->pay.payment_id, err);
    if (rc == 0)
        rc = tl_row_date(&row, "received_date", &c->pay.date, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    c->pay.account_id = acct.account_id;
    c->pay.receipt_id = in->receipt_id;
    c->pay.amount = amount;
    c->pay.left = amount;
    /* the payer is now known for this account: the next receipt from the
     * same IBAN or name matches by itself */
    return tl_db_exec(
        db, "cash_payer_learn",
        "INSERT INTO collections.payer (kind, key, account_id, created_by)"
        " SELECT k.kind, k.key, $2::bigint, $3"
        " FROM collections.bank_receipt r CROSS JOIN LATERAL (VALUES"
        " ('iban', r.debtor_account),"
        " ('name', upper(regexp_replace(btrim(r.debtor_name), '\\s+', ' ',"
        " 'g')))) AS k(kind, key)"
        " WHERE r.receipt_id = $1::bigint AND coalesce(k.key, '') <> ''"
        " ON CONFLICT (kind, key) DO NOTHING",
        &p, err);
}

static int apply_to_invoice(apply_ctx *c, tl_db *db, tl_err *err)
{
    const cash_apply_in *in = c->in;
    invoice_state inv;
    PGresult *res = NULL;
    char a[32];
    char b[32];
    tl_money m;
    tl_params p;
    tl_row row;
    int64_t amount;
    int rc;

    rc = load_invoice(&inv, db, c->pay.account_id, in->invoice_number, err);
    if (rc < 0)
        return rc;
    if (in->amount != NULL) {
        tl_money m_in;
        if (tl_money_parse(&m_in, in->amount, c->pay.currency) != 0 ||
            m_in.minor <= 0)
            return tl_err_add(err, "format", "amount",
                              "amount must be a positive plain decimal with "
                              "at most %d decimals for %s, not \"%s\"",
                              tl_currency_exponent(c->pay.currency),
                              c->pay.currency, in->amount);
        amount = m_in.minor;
    } else {
        amount = c->pay.left < inv.open ? c->pay.left : inv.open;
    }
    tl_money_make(&m, c->pay.left, c->pay.currency);
    tl_money_format(a, sizeof(a), &m);
    tl_money_make(&m, inv.open, c->pay.currency);
    tl_money_format(b, sizeof(b), &m);
    if (amount > c->pay.left)
        return tl_err_set(err, TL_ECONFLICT, "exceeds_payment", "amount",
                          "payment %lld has only %s %s left to apply",
                          (long long)c->pay.payment_id, c->pay.currency, a);
    if (amount > inv.open)
        return tl_err_set(err, TL_ECONFLICT, "exceeds_open", "amount",
                          "invoice %s owes only %s %s", in->invoice_number,
                          c->pay.currency, b);
    if (amount <= 0)
        return tl_err_set(err, TL_ECONFLICT, "nothing_to_apply", "amount",
                          "nothing to apply: the payment has %s %s left and "
                          "invoice %s owes %s %s",
                          c->pay.currency, a, in->invoice_number,
                          c->pay.currency, b);
    tl_params_init(&p);
    tl_params_int64(&p, c->pay.account_id);
    tl_params_int64(&p, c->pay.payment_id);
    tl_params_int64(&p, inv.invoice_id);
    tl_params_int64(&p, amount);
    tl_params_date(&p, in->date > c->pay.date ? in->date : c->pay.date);
    tl_params_text(&p, in->actor);
    tl_params_text(&p, in->note);
    rc = tl_db_query(db, &res, "cash_apply_insert",
                     "INSERT INTO collections.application (account_id,"
                     " payment_id, invoice_id, amount_minor, applied_date,"
                     " method, recorded_by, note)"
                     " VALUES ($1::bigint, $2::bigint, $3::bigint, $4::bigint,"
                     " $5::date, 'manual', $6, $7) RETURNING application_id",
                     &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "application_id", &c->out->application_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    c->pay.left -= amount;
    tl_money_make(&c->out->applied, amount, c->pay.currency);
    tl_money_make(&c->out->invoice_open, inv.open - amount, c->pay.currency);
    return 0;
}

static int apply_tx(tl_db *db, void *cls, tl_err *err)
{
    apply_ctx *c = cls;
    const cash_apply_in *in = c->in;
    char key[32];
    char amount[32];
    json_t *after;
    int rc;

    memset(&c->pay, 0, sizeof(c->pay));
    memset(c->out, 0, sizeof(*c->out));
    if (in->receipt_id != 0) {
        rc = tie_receipt(c, db, err);
    } else {
        rc = load_payment(&c->pay, db, in->payment_id, err);
        if (rc == 0 && in->account_number != NULL) {
            accounts_account_t acct;
            rc = accounts_get(&acct, db, in->account_number, err);
            if (rc == 0 && acct.account_id != c->pay.account_id)
                rc = tl_err_set(err, TL_ECONFLICT, "other_account", "account",
                                "payment %lld belongs to another account",
                                (long long)in->payment_id);
        }
    }
    if (rc < 0)
        return rc;
    tl_money_make(&c->out->applied, 0, c->pay.currency);
    tl_money_make(&c->out->invoice_open, 0, c->pay.currency);
    if (in->invoice_number != NULL) {
        rc = apply_to_invoice(c, db, err);
        if (rc < 0)
            return rc;
    }
    c->out->account_id = c->pay.account_id;
    c->out->payment_id = c->pay.payment_id;
    tl_money_make(&c->out->left, c->pay.left, c->pay.currency);
    tl_money_format(amount, sizeof(amount), &c->out->applied);
    snprintf(key, sizeof(key), "%lld", (long long)c->pay.payment_id);
    after = json_pack("{s:I, s:s?, s:s, s:s, s:s?}", "receipt",
                      (json_int_t)in->receipt_id, "invoice", in->invoice_number,
                      "applied", amount, "currency", c->pay.currency, "note",
                      in->note);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, in->actor, "cash.apply", "payment", key,
                  c->pay.account_id, NULL, after, err);
    json_decref(after);
    return rc;
}

int cash_apply(cash_apply_result *out, tl_db *db, const cash_apply_in *in,
               tl_err *err)
{
    apply_ctx c;

    memset(out, 0, sizeof(*out));
    if ((in->receipt_id != 0) == (in->payment_id != 0))
        tl_err_add(err, "required", "receipt",
                   "name either a receipt or a payment");
    if (in->receipt_id != 0 && in->account_number == NULL &&
        in->invoice_number == NULL)
        tl_err_add(err, "required", "account",
                   "name the account (or an invoice) the receipt is for");
    if (in->payment_id != 0 && in->invoice_number == NULL)
        tl_err_add(err, "required", "invoice",
                   "name the invoice to apply the payment to");
    if (in->amount != NULL && in->invoice_number == NULL)
        tl_err_add(err, "required", "invoice",
                   "an amount is applied to an invoice; name it");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    memset(&c, 0, sizeof(c));
    c.in = in;
    c.out = out;
    return tl_db_run_tx(db, "cash_apply", apply_tx, &c, err);
}

/* ---- unapply ---- */

typedef struct unapply_ctx {
    int64_t payment_id;
    const char *invoice_number;
    tl_date date;
    const char *note;
    const char *actor;
    cash_unapply_result *out;
} unapply_ctx;

static int unapply_tx(tl_db *db, void *cls, tl_err *err)
{
    unapply_ctx *c = cls;
    pay_state ps;
    invoice_state inv;
    PGresult *res = NULL;
    char key[32];
    char amount[32];
    json_t *after;
    tl_params p;
    tl_row row;
    int64_t taken = 0;
    int n = 0;
    int rc;

    memset(&ps, 0, sizeof(ps));
    rc = load_payment(&ps, db, c->payment_id, err);
    if (rc == 0)
        rc = load_invoice(&inv, db, ps.account_id, c->invoice_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, ps.account_id);
    tl_params_int64(&p, ps.payment_id);
    tl_params_int64(&p, inv.invoice_id);
    tl_params_date(&p, c->date);
    tl_params_text(&p, c->actor);
    tl_params_text(&p, c->note);
    rc = tl_db_query(
        db, &res, "cash_unapply_insert",
        "WITH r AS ("
        " INSERT INTO collections.application (account_id, payment_id,"
        " invoice_id, amount_minor, applied_date, reverses_id, method,"
        " recorded_by, note)"
        " SELECT a.account_id, a.payment_id, a.invoice_id, -a.amount_minor,"
        " greatest($4::date, a.applied_date), a.application_id, 'unapply',"
        " $5, $6"
        " FROM collections.application a"
        " WHERE a.account_id = $1::bigint AND a.payment_id = $2::bigint"
        " AND a.invoice_id = $3::bigint AND a.reverses_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM collections.application x"
        "  WHERE x.account_id = a.account_id"
        "  AND x.reverses_id = a.application_id)"
        " ORDER BY a.application_id"
        " RETURNING amount_minor)"
        " SELECT count(*) AS n, coalesce(-sum(amount_minor), 0) AS taken"
        " FROM r",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int(&row, "n", &n, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "taken", &taken, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    if (n == 0)
        return tl_err_set(err, TL_ECONFLICT, "not_applied", "invoice",
                          "payment %lld has nothing applied to invoice %s",
                          (long long)c->payment_id, c->invoice_number);
    c->out->reversed = n;
    tl_money_make(&c->out->amount, taken, ps.currency);
    tl_money_make(&c->out->left, ps.left + taken, ps.currency);
    tl_money_make(&c->out->invoice_open, inv.open + taken, ps.currency);
    tl_money_format(amount, sizeof(amount), &c->out->amount);
    snprintf(key, sizeof(key), "%lld", (long long)ps.payment_id);
    after = json_pack("{s:s, s:s, s:s, s:i, s:s?}", "invoice",
                      c->invoice_number, "unapplied", amount, "currency",
                      ps.currency, "reversals", n, "note", c->note);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, c->actor, "cash.unapply", "payment", key, ps.account_id,
                  NULL, after, err);
    json_decref(after);
    return rc;
}

int cash_unapply(cash_unapply_result *out, tl_db *db, int64_t payment_id,
                 const char *invoice_number, tl_date date, const char *note,
                 const char *actor, tl_err *err)
{
    unapply_ctx c = {payment_id, invoice_number, date, note, actor, out};

    memset(out, 0, sizeof(*out));
    if (invoice_number == NULL || invoice_number[0] == '\0')
        return tl_err_add(err, "required", "invoice",
                          "name the invoice to take the payment back from");
    return tl_db_run_tx(db, "cash_unapply", unapply_tx, &c, err);
}

/* ---- the queue ---- */

typedef struct queue_ctx {
    cash_queue_fn fn;
    void *cls;
    int kind;
} queue_ctx;

static int queue_row(const tl_row *row, void *cls, tl_err *err)
{
    queue_ctx *q = cls;
    cash_queue_row r;
    int isnull = 0;

    memset(&r, 0, sizeof(r));
    r.kind = q->kind;
    if (tl_row_int64_opt(row, "receipt_id", &r.receipt_id, &isnull, err) < 0 ||
        tl_row_int64_opt(row, "payment_id", &r.payment_id, &isnull, err) < 0 ||
        tl_row_text(row, "account_number", &r.account_number, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &r.amount, err) < 0 ||
        tl_row_date(row, "d", &r.date, err) < 0 ||
        tl_row_text(row, "bank_ref", &r.bank_ref, err) < 0 ||
        tl_row_text(row, "debtor_name", &r.debtor_name, err) < 0 ||
        tl_row_text(row, "remittance", &r.remittance, err) < 0)
        return TL_ERROR;
    return q->fn(&r, q->cls, err);
}

int cash_queue(tl_db *db, int with_credits, cash_queue_fn fn, void *cls,
               tl_err *err)
{
    queue_ctx q = {fn, cls, 0};
    int n;
    int m;

    n = tl_db_select(db, "cash_queue_receipts",
                     "SELECT receipt_id, NULL::bigint AS payment_id,"
                     " NULL::text AS account_number, amount_minor, currency,"
                     " coalesce(value_date, booking_date) AS d, bank_ref,"
                     " debtor_name, remittance"
                     " FROM collections.bank_receipt"
                     " WHERE account_id IS NULL ORDER BY receipt_id",
                     NULL, queue_row, &q, err);
    if (n < 0 || !with_credits)
        return n;
    q.kind = 1;
    m = tl_db_select(
        db, "cash_queue_credits",
        "SELECT p.receipt_id, p.payment_id, b.account_number,"
        " l.left_minor AS amount_minor,"
        " p.currency, p.received_date AS d, p.reference AS bank_ref,"
        " r.debtor_name, coalesce(p.remittance, '') AS remittance"
        " FROM collections.payment p"
        " JOIN accounts.billing_account b USING (account_id)"
        " LEFT JOIN collections.bank_receipt r ON r.receipt_id = p.receipt_id"
        " CROSS JOIN LATERAL (SELECT " PAYMENT_LEFT " AS left_minor) l"
        " WHERE l.left_minor > 0"
        " ORDER BY b.account_number, p.payment_id",
        NULL, queue_row, &q, err);
    return m < 0 ? m : n + m;
}
