/*
 * Statements of account and the monthly account-status summary against a
 * fresh database: a statement ties (opening + movements = closing = the
 * ledger balance), with aging and disputed amounts; the November summary
 * per account ties to the ledger, and the portfolio in USD converts
 * Alpine Hotels' CAD figures at the rate in force on the month's last
 * day; a statement resent is logged in the contact history once a day.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/acct.h"
#include "collections/book.h"
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

/* Harbor (USD): INV-S1 1,000.00 issued 2026-10-01 (due 10-31), INV-S2
 * 2,000.00 issued 11-01 (due 12-01); 600.00 paid 11-10 (to INV-S1); a
 * credit memo of 100.00 on INV-S2 11-12; 300.00 of INV-S2 disputed 11-15;
 * a debit memo of 50.00 at account level 11-20. Alpine (CAD): INV-C1
 * 10,000.00 issued 11-01, 2,500.00 paid 11-20. */
static void book(void)
{
    collections_doc_result res;
    collections_dispute_in din;
    int64_t dispute_id = 0;
    int created = 0;
    int64_t hh = tl_fx_account_in(db, "HH-1001", "USD");
    int64_t al = tl_fx_account_in(db, "AH-2001", "CAD");

    tl_fx_ledger_invoice(db, hh, "INV-S1", "2026-10-01", 100000, "USD");
    tl_fx_ledger_invoice(db, hh, "INV-S2", "2026-11-01", 200000, "USD");
    tl_fx_payment(db, "HH-1001", 60000, "USD", "2026-11-10", "W-HH-1");
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "credit_memo", "HH-1001",
                               "INV-S2", NULL, 10000, "USD", "2026-11-12",
                               "CM-S2"),
                     0);
    memset(&din, 0, sizeof(din));
    din.invoice_number = "INV-S2";
    ck_assert_int_eq(tl_money_make(&din.amount, 30000, "USD"), 0);
    din.reason = "site closed";
    din.opened_on = day("2026-11-15");
    din.actor = "test";
    ck_assert_msg(
        collections_dispute_open(&dispute_id, &created, db, &din, &err) == 0,
        "%s", err.message);
    ck_assert_int_eq(tl_fx_doc(&res, db, &err, "debit_memo", "HH-1001", NULL,
                               NULL, 5000, "USD", "2026-11-20", "DM-LATE"),
                     0);
    tl_fx_ledger_invoice(db, al, "INV-C1", "2026-11-01", 1000000, "CAD");
    tl_fx_payment(db, "AH-2001", 250000, "CAD", "2026-11-20", "W-AH-1");
}

static int count_entry(const collections_entry *e, void *cls, tl_err *e2)
{
    (void)e;
    (void)e2;
    (*(int *)cls)++;
    return 0;
}

START_TEST(statement_ties_opening_movements_closing)
{
    collections_statement s;
    int entries = 0;

    book();
    ck_assert_int_eq(
        collections_statement_get(&s, db, "HH-1001", day("2026-12-01"),
                                  day("2026-11-30"), NULL, NULL, &err),
        TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_msg(collections_statement_get(
                      &s, db, "HH-1001", day("2026-11-01"), day("2026-11-30"),
                      count_entry, &entries, &err) == 0,
                  "%s", err.message);
    ck_assert_str_eq(s.account_number, "HH-1001");
    ck_assert_str_eq(s.currency, "USD");
    ck_assert_int_eq(s.opening, 100000);
    ck_assert_int_eq(s.invoices, 200000);
    ck_assert_int_eq(s.payments, -60000);
    ck_assert_int_eq(s.credits, -10000);
    ck_assert_int_eq(s.debits, 5000);
    ck_assert_int_eq(s.closing, 235000);
    ck_assert_int_eq(s.opening + s.invoices + s.payments + s.credits + s.debits,
                     s.closing);
    ck_assert_int_eq(s.closing,
                     tl_fx_account_balance(db, "HH-1001", "2026-11-30"));
    ck_assert_int_eq(entries, 4);
    /* INV-S1: 400.00 open, 30 days past due; INV-S2: 1,900.00 open, 300.00
     * of it disputed, not yet due; the account-level debit memo of 50.00
     * from 11-20 is an open item 10 days past due. The buckets and the
     * disputed part add up to the closing balance. */
    ck_assert_int_eq(s.bucket[COLLECTIONS_BUCKET_CURRENT], 160000);
    ck_assert_int_eq(s.bucket[COLLECTIONS_BUCKET_1_30], 45000);
    ck_assert_int_eq(s.bucket[COLLECTIONS_BUCKET_31_60], 0);
    ck_assert_int_eq(s.disputed, 30000);
    ck_assert_int_eq(s.unapplied, 0);
    ck_assert_int_eq(s.bucket[COLLECTIONS_BUCKET_CURRENT] +
                         s.bucket[COLLECTIONS_BUCKET_1_30] + s.disputed -
                         s.unapplied,
                     s.closing);

    /* as of the day before the payment */
    ck_assert_int_eq(
        collections_statement_get(&s, db, "HH-1001", day("2026-11-01"),
                                  day("2026-11-09"), NULL, NULL, &err),
        0);
    ck_assert_int_eq(s.payments, 0);
    ck_assert_int_eq(s.closing, 300000);
    ck_assert_int_eq(s.disputed, 0);
}
END_TEST

typedef struct sums {
    collections_summary_row r[8];
    char numbers[8][40];
    int n;
} sums;

static int keep_sum(const collections_summary_row *r, void *cls, tl_err *e)
{
    sums *s = cls;

    (void)e;
    ck_assert_int_lt(s->n, 8);
    s->r[s->n] = *r;
    snprintf(s->numbers[s->n], sizeof(s->numbers[0]), "%s", r->account_number);
    s->r[s->n].account_number = s->numbers[s->n];
    s->r[s->n].account_name = NULL;
    s->n++;
    return 0;
}

START_TEST(summary_ties_to_the_ledger_and_converts_cad_to_usd)
{
    sums s;
    int created = 0;
    int i;

    book();
    memset(&s, 0, sizeof(s));
    /* without a CAD->USD rate the portfolio cannot be given */
    ck_assert_int_eq(
        collections_summary(db, 2026, 11, "USD", keep_sum, &s, &err),
        TL_ENOTFOUND);
    ck_assert_str_eq(err.field, "fx");
    tl_err_clear(&err);
    ck_assert_int_eq(collections_fx_load(&created, db, "CAD", "USD",
                                         day("2026-11-01"), 733333, "test",
                                         &err),
                     0);
    ck_assert_int_eq(collections_fx_load(&created, db, "CAD", "USD",
                                         day("2026-12-01"), 700000, "test",
                                         &err),
                     0);
    memset(&s, 0, sizeof(s));
    ck_assert_msg(
        collections_summary(db, 2026, 11, "USD", keep_sum, &s, &err) == 2, "%s",
        err.message);
    ck_assert_int_eq(s.n, 3);

    /* Alpine, in CAD */
    ck_assert_str_eq(s.r[0].account_number, "AH-2001");
    ck_assert_str_eq(s.r[0].currency, "CAD");
    ck_assert_int_eq(s.r[0].opening, 0);
    ck_assert_int_eq(s.r[0].billed, 1000000);
    ck_assert_int_eq(s.r[0].collected, 250000);
    ck_assert_int_eq(s.r[0].closing, 750000);
    ck_assert_int_eq(s.r[0].dso_tenths, 225); /* 7,500 / 10,000 * 30 */

    /* Harbor, in USD */
    ck_assert_str_eq(s.r[1].account_number, "HH-1001");
    ck_assert_int_eq(s.r[1].opening, 100000);
    ck_assert_int_eq(s.r[1].billed, 205000); /* invoice + debit memo */
    ck_assert_int_eq(s.r[1].collected, 60000);
    ck_assert_int_eq(s.r[1].credits, 10000);
    ck_assert_int_eq(s.r[1].write_offs, 0);
    ck_assert_int_eq(s.r[1].closing, 235000);
    ck_assert_int_eq(s.r[1].disputed, 30000);
    ck_assert_int_eq(s.r[1].dso_tenths, 344); /* 2,350 / 2,050 * 30 */

    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(s.r[i].opening + s.r[i].billed - s.r[i].collected -
                             s.r[i].credits - s.r[i].write_offs,
                         s.r[i].closing);
        ck_assert_int_eq(
            s.r[i].closing,
            tl_fx_account_balance(db, s.r[i].account_number, "2026-11-30"));
    }

    /* the portfolio in USD: Alpine at 0.733333 (the December rate is not
     * yet in force on 11-30), each figure rounded half-even once:
     * billed 7,333.33; collected 1,833.3325 -> 1,833.33; closing
     * 5,499.9975 -> 5,500.00 */
    ck_assert_str_eq(s.r[2].account_number, "");
    ck_assert_str_eq(s.r[2].currency, "USD");
    ck_assert_int_eq(s.r[2].opening, 100000);
    ck_assert_int_eq(s.r[2].billed, 205000 + 733333);
    ck_assert_int_eq(s.r[2].collected, 60000 + 183333);
    ck_assert_int_eq(s.r[2].credits, 10000);
    ck_assert_int_eq(s.r[2].closing, 235000 + 550000);
    ck_assert_int_eq(s.r[2].disputed, 30000);
    ck_assert_int_eq(s.r[2].dso_tenths, 251); /* 7,850 / 9,383.33 * 30 */

    /* a base currency nobody knows */
    ck_assert_int_eq(
        collections_summary(db, 2026, 11, "XXX", keep_sum, &s, &err),
        TL_EINVALID);
    ck_assert_str_eq(err.field, "base");
}
END_TEST

START_TEST(resend_is_logged_once_a_day)
{
    int64_t first = 0;
    int64_t again = 0;
    int created = 0;

    book();
    ck_assert_int_eq(collections_statement_resend(
                         &first, &created, db, "HH-1001", day("2026-11-30"),
                         day("2026-12-01"), "dana", &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_statement_resend(
                         &again, &created, db, "HH-1001", day("2026-11-30"),
                         day("2026-12-01"), "dana", &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(again, first);
    ck_assert_int_eq(collections_statement_resend(
                         &again, &created, db, "HH-1001", day("2026-11-30"),
                         day("2026-12-02"), "dana", &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_invoice_resend(&again, &created, db, "INV-S2",
                                                day("2026-12-01"), "dana",
                                                &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_invoice_resend(&again, &created, db, "INV-S2",
                                                day("2026-12-01"), "dana",
                                                &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(collections_invoice_resend(&again, &created, db,
                                                "INV-NOPE", day("2026-12-01"),
                                                "dana", &err),
                     TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.contact"
                        " WHERE channel = 'email' AND outcome = 'sent'"
                        " AND note = 'statement of account as of 2026-11-30"
                        " resent'"),
        2);
    ck_assert_int_eq(tl_fx_count(db,
                                 "SELECT count(*) AS n FROM collections.contact"
                                 " WHERE note = 'invoice INV-S2 resent'"
                                 " AND contact_date = '2026-12-01'"),
                     1);
}
END_TEST

START_TEST(html_escapes_everything)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    ck_assert_ptr_nonnull(f);
    collections_html_escape(f, "<b>\"Alpine\" & 'Co'</b>");
    fclose(f);
    ck_assert_str_eq(buf, "&lt;b&gt;&quot;Alpine&quot; &amp; &#39;Co&#39;"
                          "&lt;/b&gt;");
    free(buf);
}
END_TEST

static Suite *statements_suite(void)
{
    Suite *s = suite_create("statements");
    TCase *tc = tcase_create("statements");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, statement_ties_opening_movements_closing);
    tcase_add_test(tc, summary_ties_to_the_ledger_and_converts_cad_to_usd);
    tcase_add_test(tc, resend_is_logged_once_a_day);
    tcase_add_test(tc, html_escapes_everything);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(statements_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
