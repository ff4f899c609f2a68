/*
 * The AR ledger's documents against a fresh database: credit and debit
 * memos, adjustments and refunds with their effect on invoice and account
 * balances before and after their dates; the same reference posted twice;
 * write-offs needing one or two approvers who are not the requester;
 * recovery of cash on a written-off invoice; a transfer between two
 * accounts of one customer; FX conversion rounded half-even at the rate in
 * force on a date. Amounts to the cent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/acct.h"
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

    /* a refund of more than the credit is refused; of the credit, zero */
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "refund", "LD-2", NULL, NULL,
                               95002, "USD", "2026-11-25", "RF-1"),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_credit");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "refund", "LD-2", NULL, NULL,
                               95001, "USD", "2026-11-25", "RF-1"),
                     0);
    ck_assert_int_eq(res.signed_minor, 95001);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-24"), -95001);
    ck_assert_int_eq(tl_fx_account_balance(db, "LD-2", "2026-11-25"), 0);

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
