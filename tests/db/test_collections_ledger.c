/*
 * The AR ledger's documents against a fresh database: credit and debit
 * memos, adjustments and refunds with their effect on invoice and account
 * balances before and after their dates; the same reference posted twice;
 * write-offs needing one or two approvers who are not the requester;
 * recovery of cash on a written-off invoice; a transfer between two
 * accounts of one customer; FX conversion rounded half-even at the rate in
 * force on a date; a refund returning one payment's credit, which cash
 * application then cannot use again. Amounts to the cent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/acct.h"
#include "collections/cash.h"
#include "collections/collections.h"
#include "tests/support/fixtures.h"
#include "tests/support/ledger_fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

static void setup(void)
{
    db = tl_test_db_open();
    tl_err_init(&err);
}

static void teardown(void)
{
    tl_err_clear(&err);
    tl_test_db_close(db);
    db = NULL;
}

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

/* ---- documents ---- */

START_TEST(documents_reject_bad_input_first)
{
    collections_doc_result res;

    tl_fx_ledger_invoice(db, tl_fx_account_in(db, "LD-1", "USD"), "LD-INV-1",
                         "2026-10-01", 1000000, "USD");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "gift", "LD-1", NULL, NULL, 100,
                               "USD", "2026-11-05", "X1"),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "kind");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "credit_memo", "LD-1", NULL,
                               NULL, 0, "USD", "2026-11-05", "X1"),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "amount");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "debit_memo", "LD-1", NULL, NULL,
                               100, "USD", "2026-11-05", ""),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "reference");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "debit_memo", "LD-1", NULL, NULL,
                               100, "CAD", "2026-11-05", "X1"),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "amount");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "credit_memo", "LD-1", "NOPE-1",
                               NULL, 100, "USD", "2026-11-05", "X1"),
                     TL_ENOTFOUND);
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "recovery", "LD-1", NULL, NULL,
                               100, "USD", "2026-11-05", "X1"),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "invoice");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "transfer", "LD-1", NULL, NULL,
                               100, "USD", "2026-11-05", "X1"),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "to_account");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.ledger_entry"
                                     " WHERE kind <> 'invoice'"),
                     0);
}
END_TEST

START_TEST(memos_adjustments_refunds_move_balances_from_their_date)
{
    collections_doc_result res;
    collections_doc_result again;
    int64_t id = tl_fx_account_in(db, "LD-2", "USD");

    tl_fx_ledger_invoice(db, id, "LD-INV-21", "2026-10-01", 1000000,
                         "USD"); /* 10,000.00 */
    tl_fx_ledger_invoice(db, id, "LD-INV-22", "2026-10-31", 500000,
                         "USD"); /* 5,000.00 */
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-10-30"), 1000000);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-10-31"), 1500000);

    /* credit memo 1,200.00 on the first invoice, 2026-11-05 */
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "credit_memo", "LD-2",
                               "LD-INV-21", NULL, 120000, "USD", "2026-11-05",
                               "CM-1"),
                     0);
    ck_assert_int_eq(res.created, 1);
    ck_assert_int_eq(res.signed_minor, -120000);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "LD-INV-21", "2026-11-04"),
                     1000000);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "LD-INV-21", "2026-11-05"),
                     880000);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-04"), 1500000);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-05"), 1380000);

    /* the same reference again: the stored entry; other values: refused */
    ck_assert_int_eq(tl_fx_doc(&again, db, &err, "credit_memo", "LD-2",
                               "LD-INV-21", NULL, 120000, "USD", "2026-11-05",
                               "CM-1"),
                     0);
    ck_assert_int_eq(again.created, 0);
    ck_assert_int_eq(again.entry_id, res.entry_id);
    ck_assert_int_eq(tl_fx_doc(&again, db, &err, "credit_memo", "LD-2",
                               "LD-INV-21", NULL, 130000, "USD", "2026-11-05",
                               "CM-1"),
                     TL_EDUPLICATE);
    ck_assert_str_eq(err.field, "reference");
    /* more than the invoice owes (8,800.00) */
    ck_assert_int_eq(tl_fx_doc(&again, db, &err, "credit_memo", "LD-2",
                               "LD-INV-21", NULL, 880001, "USD", "2026-11-06",
                               "CM-2"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_open");

    /* debit memo 250.00 on the second invoice, 2026-11-10 */
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "debit_memo", "LD-2",
                               "LD-INV-22", NULL, 25000, "USD", "2026-11-10",
                               "DM-1"),
                     0);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "LD-INV-22", "2026-11-09"),
                     500000);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "LD-INV-22", "2026-11-10"),
                     525000);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-10"), 1405000);

    /* a signed adjustment at account level: -0.01 */
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "adjustment", "LD-2", NULL, NULL,
                               -1, "USD", "2026-11-12", "ADJ-1"),
                     0);
    ck_assert_int_eq(res.signed_minor, -1);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-12"), 1404999);

    /* 15,000.00 paid: 8,800.00 + 5,250.00 applied, 950.00 on account */
    tl_fx_payment(db, "LD-2", 1500000, "USD", "2026-11-20", "W-LD2");
    ck_assert_int_eq(tl_fx_invoice_balance(db, "LD-INV-21", "2026-11-20"), 0);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "LD-INV-22", "2026-11-20"), 0);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "LD-INV-21", "2026-11-19"),
                     880000);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-20"), -95001);

    /* a refund of more than the account's credit (950.01) is refused; so
     * is one of more than the payment's credit left (950.00: the other
     * cent is the adjustment's); of the payment's credit, -0.01 stays */
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "refund", "LD-2", NULL, NULL,
                               95002, "USD", "2026-11-25", "RF-1"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "refund", "LD-2", NULL, NULL,
                               95001, "USD", "2026-11-25", "RF-1"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
    ck_assert_str_eq(err.field, "amount");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "refund", "LD-2", NULL, NULL,
                               95000, "USD", "2026-11-25", "RF-1"),
                     0);
    ck_assert_int_eq(res.signed_minor, 95000);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-24"), -95001);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-25"), -1);

    /* append-only: the trigger refuses an edit */
    {
        PGresult *r = PQexec(tl_db_pgconn(db),
                             "UPDATE collections.ledger_entry"
                             " SET amount_minor = 0 WHERE source_ref = 'CM-1'");

        ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
        PQclear(r);
    }
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'ledger.post'"),
                     4);
}
END_TEST

/* ---- refunds return one payment's credit ---- */

/* Posts a refund on account naming payment (NULL: chosen); its status. */
static int refund(collections_doc_result *res, const char *account,
                  const char *payment, int64_t amount, const char *date,
                  const char *reference)
{
    collections_doc_in in;

    memset(&in, 0, sizeof(in));
    in.kind = "refund";
    in.account_number = account;
    in.payment_reference = payment;
    ck_assert_int_eq(tl_money_make(&in.amount, amount, "USD"), 0);
    in.date = day(date);
    in.reference = reference;
    in.reason = "test";
    in.actor = "test";
    tl_err_clear(&err);
    return collections_doc_post(res, db, &in, &err);
}

/* Applies payment to invoice (amount NULL: all it can) by hand; status. */
static int apply(cash_apply_result *res, int64_t payment_id,
                 const char *invoice_number, const char *amount,
                 const char *date)
{
    cash_apply_in in;

    memset(&in, 0, sizeof(in));
    in.payment_id = payment_id;
    in.invoice_number = invoice_number;
    in.amount = amount;
    in.date = day(date);
    in.actor = "test";
    tl_err_clear(&err);
    return cash_apply(res, db, &in, &err);
}

static int64_t payment_id(const char *reference)
{
    const char *params[1] = {reference};
    int64_t id = tl_fx_sql(db,
                           "SELECT payment_id FROM collections.payment"
                           " WHERE reference = $1",
                           1, params);

    ck_assert_int_ne(id, 0);
    return id;
}

/* The payment_id of the refund entry posted under reference. */
static int64_t refund_payment(const char *reference)
{
    const char *params[1] = {reference};

    return tl_fx_sql(db,
                     "SELECT coalesce(payment_id, -1)"
                     " FROM collections.ledger_entry"
                     " WHERE kind = 'refund' AND source_ref = $1",
                     1, params);
}

static int count_credits(const cash_queue_row *row, void *cls, tl_err *e)
{
    (void)e;
    if (row->kind == 1)
        ++*(int *)cls;
    return 0;
}

/* A 200.00 overpayment refunded in full: the new 150.00 invoice cannot be
 * paid from the refunded credit, and nothing is written trying. */
START_TEST(refunded_credit_is_not_applied_again)
{
    collections_doc_result res;
    collections_statement st;
    cash_apply_result app;
    int64_t id = tl_fx_account_in(db, "RF-1", "USD");
    int64_t pay;
    int credits = 0;

    tl_fx_ledger_invoice(db, id, "RF-INV-1", "2026-10-01", 10000, "USD");
    tl_fx_payment(db, "RF-1", 30000, "USD", "2026-10-10", "W-RF1");
    pay = payment_id("W-RF1");
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-1", "2026-10-10"), -20000);

    ck_assert_int_eq(refund(&res, "RF-1", NULL, 20000, "2026-10-15", "RF-A"),
                     0);
    ck_assert_int_eq(res.created, 1);
    ck_assert_int_eq(res.signed_minor, 20000);
    ck_assert_int_eq(res.payment_id, pay);
    ck_assert_int_eq(refund_payment("RF-A"), pay);
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-1", "2026-10-15"), 0);

    tl_fx_ledger_invoice(db, id, "RF-INV-2", "2026-11-01", 15000, "USD");
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-1", "2026-11-01"), 15000);
    /* all the payment has left: nothing */
    ck_assert_int_eq(apply(&app, pay, "RF-INV-2", NULL, "2026-11-02"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "nothing_to_apply");
    ck_assert_str_eq(err.field, "amount");
    /* 150.00 of it: more than its 0.00 left */
    ck_assert_int_eq(apply(&app, pay, "RF-INV-2", "150.00", "2026-11-02"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_payment");
    ck_assert_str_eq(err.field, "amount");
    ck_assert_int_eq(tl_fx_invoice_balance(db, "RF-INV-2", "2026-11-30"),
                     15000);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.application"),
                     1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'cash.apply'"),
                     0);
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-1", "2026-11-30"), 15000);

    /* no credit waits in the queue; none is unapplied on a statement */
    ck_assert_int_eq(cash_queue(db, 1, count_credits, &credits, &err), 0);
    ck_assert_int_eq(credits, 0);
    ck_assert_int_eq(
        collections_statement_get(&st, db, "RF-1", day("2026-10-01"),
                                  day("2026-10-14"), NULL, NULL, &err),
        0);
    ck_assert_int_eq(st.unapplied, 20000);
    ck_assert_int_eq(
        collections_statement_get(&st, db, "RF-1", day("2026-10-01"),
                                  day("2026-11-30"), NULL, NULL, &err),
        0);
    ck_assert_int_eq(st.unapplied, 0);
    ck_assert_int_eq(st.closing, 15000);
}
END_TEST

/* A refund of 50.00 of the 200.00: the 150.00 left pays the new invoice. */
START_TEST(a_partial_refund_leaves_the_rest_to_apply)
{
    collections_doc_result res;
    cash_apply_result app;
    int64_t id = tl_fx_account_in(db, "RF-2", "USD");
    int64_t pay;
    int credits = 0;

    tl_fx_ledger_invoice(db, id, "RF-INV-21", "2026-10-01", 10000, "USD");
    tl_fx_payment(db, "RF-2", 30000, "USD", "2026-10-10", "W-RF2");
    pay = payment_id("W-RF2");
    ck_assert_int_eq(refund(&res, "RF-2", "W-RF2", 5000, "2026-10-15", "RF-B"),
                     0);
    ck_assert_int_eq(res.payment_id, pay);
    ck_assert_int_eq(refund_payment("RF-B"), pay);
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-2", "2026-10-15"), -15000);
    ck_assert_int_eq(cash_queue(db, 1, count_credits, &credits, &err), 1);
    ck_assert_int_eq(credits, 1);

    tl_fx_ledger_invoice(db, id, "RF-INV-22", "2026-11-01", 15000, "USD");
    ck_assert_int_eq(apply(&app, pay, "RF-INV-22", NULL, "2026-11-02"), 0);
    ck_assert_int_eq(app.applied.minor, 15000);
    ck_assert_int_eq(app.left.minor, 0);
    ck_assert_int_eq(app.invoice_open.minor, 0);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "RF-INV-22", "2026-11-02"), 0);
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-2", "2026-11-02"), 0);
    /* and then nothing is left to refund */
    ck_assert_int_eq(refund(&res, "RF-2", "W-RF2", 1, "2026-11-03", "RF-C"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
}
END_TEST

/* Refunds that no payment can cover are refused and write nothing; with
 * no payment named, the oldest with enough credit left is the one. */
START_TEST(a_refund_names_a_payment_with_enough_credit)
{
    collections_doc_result res;
    cash_apply_result app;
    int64_t id = tl_fx_account_in(db, "RF-3", "USD");
    int64_t small;
    int64_t big;

    tl_fx_account_in(db, "RF-4", "USD");
    tl_fx_payment(db, "RF-4", 10000, "USD", "2026-10-01", "W-RF4");
    tl_fx_payment(db, "RF-3", 3000, "USD", "2026-10-01", "W-RF3A");
    tl_fx_payment(db, "RF-3", 8000, "USD", "2026-10-05", "W-RF3B");
    small = payment_id("W-RF3A");
    big = payment_id("W-RF3B");
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-3", "2026-10-05"), -11000);

    /* another account's payment; a payment with too little left; more
     * than any one payment has (90.00 of 30.00 and 80.00); more than the
     * account's credit; a payment named on another kind */
    ck_assert_int_eq(refund(&res, "RF-3", "W-RF4", 1000, "2026-10-20", "R-1"),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "not_found");
    ck_assert_str_eq(err.field, "payment");
    ck_assert_int_eq(refund(&res, "RF-3", "W-RF3A", 3001, "2026-10-20", "R-1"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
    ck_assert_str_eq(err.field, "amount");
    ck_assert_int_eq(refund(&res, "RF-3", NULL, 9000, "2026-10-20", "R-1"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
    ck_assert_int_eq(refund(&res, "RF-3", NULL, 11001, "2026-10-20", "R-1"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
    /* on 2026-10-03 W-RF3B was not received yet */
    ck_assert_int_eq(refund(&res, "RF-3", "W-RF3B", 3000, "2026-10-03", "R-1"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "credit_memo", "RF-3", NULL,
                               NULL, 100, "USD", "2026-10-20", "R-1"),
                     0); /* the fixture names no payment */
    {
        collections_doc_in in;

        memset(&in, 0, sizeof(in));
        in.kind = "debit_memo";
        in.account_number = "RF-3";
        in.payment_reference = "W-RF3A";
        ck_assert_int_eq(tl_money_make(&in.amount, 100, "USD"), 0);
        in.date = day("2026-10-20");
        in.reference = "DM-1";
        in.actor = "test";
        tl_err_clear(&err);
        ck_assert_int_eq(collections_doc_post(&res, db, &in, &err),
                         TL_EINVALID);
        ck_assert_str_eq(err.field, "payment");
    }
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.ledger_entry"
                                     " WHERE kind IN ('refund', 'debit_memo')"),
                     0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'ledger.post'"),
                     1);
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-3", "2026-10-20"), -11100);

    /* 50.00 named by nobody: the 80.00 payment, the oldest with enough */
    ck_assert_int_eq(refund(&res, "RF-3", NULL, 5000, "2026-10-20", "R-1"), 0);
    ck_assert_int_eq(res.payment_id, big);
    ck_assert_int_eq(refund_payment("R-1"), big);
    /* again: the same entry; naming another payment: a duplicate */
    ck_assert_int_eq(refund(&res, "RF-3", NULL, 5000, "2026-10-20", "R-1"), 0);
    ck_assert_int_eq(res.created, 0);
    ck_assert_int_eq(res.payment_id, big);
    ck_assert_int_eq(refund(&res, "RF-3", "W-RF3B", 5000, "2026-10-20", "R-1"),
                     0);
    ck_assert_int_eq(refund(&res, "RF-3", "W-RF3A", 5000, "2026-10-20", "R-1"),
                     TL_EDUPLICATE);
    ck_assert_str_eq(err.field, "reference");
    /* both have 30.00 left now: the older goes first */
    ck_assert_int_eq(refund(&res, "RF-3", "W-RF3B", 3001, "2026-10-21", "R-2"),
                     TL_ECONFLICT);
    ck_assert_int_eq(refund(&res, "RF-3", NULL, 3000, "2026-10-21", "R-2"), 0);
    ck_assert_int_eq(res.payment_id, small);
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-3", "2026-10-21"), -3100);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.ledger_entry"
                                     " WHERE kind = 'refund'"),
                     2);

    /* a refund dated before an application cannot return the credit it
     * applied: W-RF3B's 30.00 pays an invoice on 2026-11-05, and a refund
     * dated 2026-10-25 (when it still had the 30.00) is refused */
    tl_fx_ledger_invoice(db, id, "RF-INV-3", "2026-11-01", 3000, "USD");
    ck_assert_int_eq(apply(&app, big, "RF-INV-3", NULL, "2026-11-05"), 0);
    ck_assert_int_eq(app.applied.minor, 3000);
    ck_assert_int_eq(app.left.minor, 0);
    ck_assert_int_eq(tl_fx_account_balance(db, "RF-3", "2026-10-25"), -3100);
    ck_assert_int_eq(refund(&res, "RF-3", "W-RF3B", 3000, "2026-10-25", "R-3"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
    ck_assert_int_eq(refund(&res, "RF-3", NULL, 3000, "2026-10-25", "R-3"),
                     TL_ECONFLICT);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.ledger_entry"
                                     " WHERE kind = 'refund'"),
                     2);
}
END_TEST

/* ---- write-offs and recovery ---- */

static int64_t wo_request(const char *invoice_number, int64_t amount,
                          const char *reason, const char *date,
                          const char *actor, int *created)
{
    collections_writeoff_in in;
    int64_t id = 0;

    memset(&in, 0, sizeof(in));
    in.invoice_number = invoice_number;
    ck_assert_int_eq(tl_money_make(&in.amount, amount, "USD"), 0);
    in.reason = reason;
    in.date = day(date);
    in.actor = actor;
    ck_assert_msg(collections_writeoff_request(&id, created, db, &in, &err) ==
                      0,
                  "%s", err.message);
    return id;
}

START_TEST(writeoff_needs_another_person_and_two_above_threshold)
{
    int64_t id = tl_fx_account_in(db, "WO-1", "USD");
    int64_t small;
    int64_t big;
    int64_t rej;
    int created = 0;
    int posted = 0;

    tl_fx_ledger_invoice(db, id, "WO-INV-1", "2026-06-01", 80000,
                         "USD"); /* 800.00 */
    tl_fx_ledger_invoice(db, id, "WO-INV-2", "2026-06-01", 250000,
                         "USD"); /* 2,500.00 */
    tl_fx_ledger_invoice(db, id, "WO-INV-3", "2026-06-01", 10000,
                         "USD"); /* 100.00 */

    small = wo_request("WO-INV-1", 80000, "uncollectable", "2026-11-01",
                       "alice", &created);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(wo_request("WO-INV-1", 80000, "uncollectable",
                                "2026-11-01", "alice", &created),
                     small);
    ck_assert_int_eq(created, 0);
    /* the requester cannot approve her own */
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, small, day("2026-11-02"), "alice", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "own_request");
    tl_err_clear(&err);
    /* 800.00 is under the 1,000.00 threshold: one approver posts it */
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, small, day("2026-11-02"), "bob", &err),
                     0);
    ck_assert_int_eq(posted, 1);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "WO-INV-1", "2026-11-01"),
                     80000);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "WO-INV-1", "2026-11-02"), 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT amount_minor AS n FROM"
                        " collections.ledger_entry WHERE kind = 'write_off'"
                        " AND source_ref = 'WO-1'"),
        -80000);

    /* 2,500.00 needs two approvers */
    big = wo_request("WO-INV-2", 250000, "bankrupt", "2026-11-01", "alice",
                     &created);
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, big, day("2026-11-03"), "bob", &err),
                     0);
    ck_assert_int_eq(posted, 0);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "WO-INV-2", "2026-11-03"),
                     250000);
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, big, day("2026-11-03"), "bob", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "second_approver_required");
    tl_err_clear(&err);
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, big, day("2026-11-04"), "carol", &err),
                     0);
    ck_assert_int_eq(posted, 1);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "WO-INV-2", "2026-11-03"),
                     250000);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "WO-INV-2", "2026-11-04"), 0);
    ck_assert_int_eq(tl_fx_account_balance(db, "WO-1", "2026-11-04"), 10000);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.write_off"
                        " WHERE first_approver = 'bob'"
                        " AND second_approver = 'carol'"
                        " AND state = 'approved'"),
        1);
    /* approving again: already posted, nothing new */
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, big, day("2026-11-05"), "dave", &err),
                     0);
    ck_assert_int_eq(posted, 1);

    /* a rejected request cannot be approved */
    rej = wo_request("WO-INV-3", 10000, "small balance", "2026-11-01", "alice",
                     &created);
    ck_assert_int_eq(collections_writeoff_reject(db, rej, day("2026-11-02"),
                                                 "customer will pay", "bob",
                                                 &err),
                     0);
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, rej, day("2026-11-02"), "bob", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "WO-INV-3", "2026-11-30"),
                     10000);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.ledger_entry"
                        " WHERE kind = 'write_off'"),
        2);
}
END_TEST

START_TEST(recovery_reinstates_and_pays_the_written_off_invoice)
{
    collections_doc_result res;
    int64_t id = tl_fx_account_in(db, "RC-1", "USD");
    int64_t wo;
    int created = 0;
    int posted = 0;

    tl_fx_ledger_invoice(db, id, "RC-INV-1", "2026-06-01", 250000,
                         "USD"); /* 2,500.00 */
    wo = wo_request("RC-INV-1", 250000, "bankrupt", "2026-09-01", "alice",
                    &created);
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, wo, day("2026-09-02"), "bob", &err),
                     0);
    ck_assert_int_eq(collections_writeoff_approve(
                         &posted, db, wo, day("2026-09-02"), "carol", &err),
                     0);
    ck_assert_int_eq(tl_fx_account_balance(db, "RC-1", "2026-09-02"), 0);

    /* more than was written off is refused */
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "recovery", "RC-1", "RC-INV-1",
                               NULL, 250001, "USD", "2026-11-10", "TRUSTEE-1"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_written_off");
    /* the bankruptcy trustee pays 1,000.00 */
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "recovery", "RC-1", "RC-INV-1",
                               NULL, 100000, "USD", "2026-11-10", "TRUSTEE-1"),
                     0);
    ck_assert_int_eq(res.created, 1);
    ck_assert_int_eq(tl_fx_invoice_balance(db, "RC-INV-1", "2026-11-10"), 0);
    ck_assert_int_eq(tl_fx_account_balance(db, "RC-1", "2026-11-10"), 0);
    /* the invoice's history: write-off, its partial reinstatement, cash */
    ck_assert_int_eq(tl_fx_count(db, "SELECT sum(amount_minor) AS n"
                                     " FROM collections.ledger_entry"
                                     " WHERE kind = 'write_off'"),
                     -150000);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT amount_minor AS n FROM collections.ledger_entry"
                        " WHERE kind = 'write_off'"
                        " AND source_ref = 'REC-TRUSTEE-1'"),
        100000);
    ck_assert_int_eq(tl_fx_count(db, "SELECT sum(amount_minor) AS n"
                                     " FROM collections.application"),
                     100000);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.ledger_doc"
                        " WHERE doc_kind = 'recovery'"
                        " AND payment_id IS NOT NULL"),
        1);
    /* posting it again adds nothing; the rest (1,500.00) can still come */
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "recovery", "RC-1", "RC-INV-1",
                               NULL, 100000, "USD", "2026-11-10", "TRUSTEE-1"),
                     0);
    ck_assert_int_eq(res.created, 0);
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "recovery", "RC-1", "RC-INV-1",
                               NULL, 150001, "USD", "2026-11-20", "TRUSTEE-2"),
                     TL_ECONFLICT);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.payment"), 1);
}
END_TEST

START_TEST(transfer_posts_two_linked_entries)
{
    collections_doc_result res;
    collections_doc_result again;
    int64_t id = tl_fx_account_in(db, "TR-1", "USD");

    tl_fx_sibling_account(db, "TR-2", "TR-1");
    tl_fx_account_in(db, "TR-9", "USD"); /* another customer */
    tl_fx_ledger_invoice(db, id, "TR-INV-1", "2026-10-01", 100000,
                         "USD"); /* 1,000.00 */

    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "transfer", "TR-1", NULL, "TR-9",
                               40000, "USD", "2026-11-15", "MOVE-1"),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "to_account");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "transfer", "TR-1", NULL, "TR-2",
                               40000, "USD", "2026-11-15", "MOVE-1"),
                     0);
    ck_assert_int_eq(res.created, 1);
    ck_assert_int_eq(res.signed_minor, -40000);
    ck_assert_int_ne(res.linked_entry_id, 0);
    ck_assert_int_eq(tl_fx_account_balance(db, "TR-1", "2026-11-14"), 100000);
    ck_assert_int_eq(tl_fx_account_balance(db, "TR-1", "2026-11-15"), 60000);
    ck_assert_int_eq(tl_fx_account_balance(db, "TR-2", "2026-11-14"), 0);
    ck_assert_int_eq(tl_fx_account_balance(db, "TR-2", "2026-11-15"), 40000);
    /* each side names the other */
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.ledger_doc a"
                        " JOIN collections.ledger_doc b"
                        " ON a.linked_entry_id = b.entry_id"
                        " AND b.linked_entry_id = a.entry_id"
                        " WHERE a.doc_kind = 'transfer'"),
        2);
    ck_assert_int_eq(tl_fx_doc(&again, db, &err, "transfer", "TR-1", NULL,
                               "TR-2", 40000, "USD", "2026-11-15", "MOVE-1"),
                     0);
    ck_assert_int_eq(again.created, 0);
    ck_assert_int_eq(again.entry_id, res.entry_id);
    ck_assert_int_eq(again.linked_entry_id, res.linked_entry_id);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.ledger_entry"
                        " WHERE kind = 'transfer'"),
        2);
}
END_TEST

/* ---- FX ---- */

START_TEST(fx_rounds_half_even_once)
{
    static const struct {
        int64_t minor;
        int64_t rate;
        int exp_from;
        int exp_to;
        int64_t expect;
    } cases[] = {
        {10000, 730000, 2, 2, 7300},    /* CAD 100.00 -> USD 73.00 */
        {1, 500000, 2, 2, 0},           /* 0.5 -> 0 (even) */
        {3, 500000, 2, 2, 2},           /* 1.5 -> 2 */
        {5, 500000, 2, 2, 2},           /* 2.5 -> 2 */
        {7, 500000, 2, 2, 4},           /* 3.5 -> 4 */
        {-5, 500000, 2, 2, -2},         /* -2.5 -> -2 */
        {1, 735000, 2, 2, 1},           /* 0.735 -> 1 */
        {250000, 733333, 2, 2, 183333}, /* 183333.25 */
        {750000, 733333, 2, 2, 550000}, /* 549999.75 */
        {1000, 6700, 0, 2, 670},        /* JPY 1000 -> USD 6.70 */
        {123, 150125000, 2, 0, 185},    /* USD 1.23 -> JPY 184.65 */
    };
    size_t i;
    int64_t out = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(
            collections_fx_convert(&out, cases[i].minor, cases[i].rate,
                                   cases[i].exp_from, cases[i].exp_to),
            0);
        ck_assert_msg(out == cases[i].expect, "case %zu: %lld", i,
                      (long long)out);
    }
    ck_assert_int_eq(collections_fx_convert(&out, 1, 0, 2, 2), TL_EINVALID);
    ck_assert_int_eq(collections_fx_convert(&out, INT64_MAX, 2000000, 2, 2),
                     TL_EOVERFLOW);
}
END_TEST

START_TEST(fx_rate_parse_is_strict)
{
    static const char *const bad[] = {"",          "-1",  "0",  "0.000000",
                                      "1.2345678", "1e3", " 1", "1.",
                                      ".5",        "1,5", NULL};
    int64_t r = 0;
    size_t i;

    for (i = 0; bad[i] != NULL; i++)
        ck_assert_msg(collections_fx_rate_parse(&r, bad[i]) == TL_EINVALID,
                      "accepted \"%s\"", bad[i]);
    ck_assert_int_eq(collections_fx_rate_parse(&r, "0.73"), 0);
    ck_assert_int_eq(r, 730000);
    ck_assert_int_eq(collections_fx_rate_parse(&r, "150.125"), 0);
    ck_assert_int_eq(r, 150125000);
    ck_assert_int_eq(collections_fx_rate_parse(&r, "1"), 0);
    ck_assert_int_eq(r, 1000000);
}
END_TEST

START_TEST(fx_uses_the_rate_in_force_on_the_date)
{
    tl_money cad;
    tl_money usd;
    int created = 0;

    ck_assert_int_eq(collections_fx_load(&created, db, "CAD", "USD",
                                         day("2026-01-01"), 700000, "test",
                                         &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_fx_load(&created, db, "CAD", "USD",
                                         day("2026-11-15"), 730000, "test",
                                         &err),
                     0);
    /* the same again: nothing; another rate the same day: refused */
    ck_assert_int_eq(collections_fx_load(&created, db, "CAD", "USD",
                                         day("2026-11-15"), 730000, "test",
                                         &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(collections_fx_load(&created, db, "CAD", "USD",
                                         day("2026-11-15"), 731000, "test",
                                         &err),
                     TL_EDUPLICATE);
    tl_err_clear(&err);
    ck_assert_int_eq(collections_fx_load(&created, db, "CAD", "CAD",
                                         day("2026-11-15"), 1000000, "test",
                                         &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "to");
    tl_err_clear(&err);

    ck_assert_int_eq(tl_money_make(&cad, 100050, "CAD"), 0); /* 1,000.50 */
    ck_assert_int_eq(
        collections_fx_to(&usd, db, &cad, "USD", day("2026-11-14"), &err), 0);
    ck_assert_int_eq(usd.minor, 70035); /* 700.35 */
    ck_assert_str_eq(usd.cur, "USD");
    ck_assert_int_eq(
        collections_fx_to(&usd, db, &cad, "USD", day("2026-11-15"), &err), 0);
    ck_assert_int_eq(usd.minor, 73036); /* 730.365: half to the even 6 */
    ck_assert_int_eq(
        collections_fx_to(&usd, db, &cad, "USD", day("2025-12-31"), &err),
        TL_ENOTFOUND);
    ck_assert_str_eq(err.field, "fx");
    tl_err_clear(&err);
    ck_assert_int_eq(
        collections_fx_to(&usd, db, &cad, "CAD", day("2025-12-31"), &err), 0);
    ck_assert_int_eq(usd.minor, 100050);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'fx.load'"),
                     2);
}
END_TEST

static Suite *ledger_suite(void)
{
    Suite *s = suite_create("collections_ledger");
    TCase *tc = tcase_create("ledger");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, documents_reject_bad_input_first);
    tcase_add_test(tc, memos_adjustments_refunds_move_balances_from_their_date);
    tcase_add_test(tc, refunded_credit_is_not_applied_again);
    tcase_add_test(tc, a_partial_refund_leaves_the_rest_to_apply);
    tcase_add_test(tc, a_refund_names_a_payment_with_enough_credit);
    tcase_add_test(tc, writeoff_needs_another_person_and_two_above_threshold);
    tcase_add_test(tc, recovery_reinstates_and_pays_the_written_off_invoice);
    tcase_add_test(tc, transfer_posts_two_linked_entries);
    tcase_add_test(tc, fx_rounds_half_even_once);
    tcase_add_test(tc, fx_rate_parse_is_strict);
    tcase_add_test(tc, fx_uses_the_rate_in_force_on_the_date);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ledger_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
