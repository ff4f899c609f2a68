/*
 * The rest of a collector's day against a fresh database: the credit
 * limit set through the accounts API, the credit-risk list (over limit,
 * 90+ days past due, broken promises, deposit held or not), deposits,
 * escalation history, credit inquiries, payment methods that keep only the
 * last four digits, the payment-status lookup, and accounts with
 * incomplete files. Amounts to the cent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
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

/* CR-1 (USD): CR-INV-1 5,000.00 issued 2026-06-01 (due 07-01), CR-INV-2
 * 1,000.00 issued 10-01 (due 10-31); 1,500.00 paid 10-05 (to CR-INV-1);
 * a promise of 1,000.00 by 11-30. CR-2: one current invoice. */
static void book(void)
{
    int64_t id = tl_fx_account_in(db, "CR-1", "USD");
    int64_t other = tl_fx_account_in(db, "CR-2", "USD");
    tl_money m;
    int64_t promise_id = 0;
    int created = 0;

    tl_fx_ledger_invoice(db, id, "CR-INV-1", "2026-06-01", 500000, "USD");
    tl_fx_ledger_invoice(db, id, "CR-INV-2", "2026-10-01", 100000, "USD");
    tl_fx_ledger_invoice(db, other, "CR-INV-9", "2026-11-01", 20000, "USD");
    tl_fx_payment(db, "CR-1", 150000, "USD", "2026-10-05", "W-CR-1");
    ck_assert_int_eq(tl_money_make(&m, 100000, "USD"), 0);
    ck_assert_msg(collections_promise_add(&promise_id, &created, db, "CR-1", &m,
                                          day("2026-11-10"), day("2026-11-30"),
                                          "test", &err) == 0,
                  "%s", err.message);
}

typedef struct risks {
    collections_risk r[4];
    char numbers[4][40];
    int n;
} risks;

static int keep_risk(const collections_risk *r, void *cls, tl_err *e)
{
    risks *rs = cls;

    (void)e;
    ck_assert_int_lt(rs->n, 4);
    rs->r[rs->n] = *r;
    snprintf(rs->numbers[rs->n], 40, "%s", r->account_number);
    rs->r[rs->n].account_number = rs->numbers[rs->n];
    rs->r[rs->n].account_name = NULL;
    rs->n++;
    return 0;
}

static void risk(risks *rs, const char *as_of)
{
    memset(rs, 0, sizeof(*rs));
    ck_assert_msg(
        collections_credit_risk(db, day(as_of), keep_risk, rs, &err) >= 0, "%s",
        err.message);
}

START_TEST(credit_limit_risk_list_and_deposits)
{
    tl_money m;
    risks rs;
    int64_t dep = 0;
    int created = 0;

    book();
    ck_assert_int_eq(tl_money_make(&m, -1, "USD"), 0);
    ck_assert_int_eq(accounts_set_credit_limit(db, "CR-1", &m, "test", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "creditLimit");
    tl_err_clear(&err);
    ck_assert_int_eq(tl_money_make(&m, 400000, "USD"), 0);
    ck_assert_int_eq(accounts_set_credit_limit(db, "CR-1", &m, "test", &err),
                     0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT credit_limit_minor AS n"
                                     " FROM accounts.billing_account"
                                     " WHERE account_number = 'CR-1'"),
                     400000);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'account.credit_limit'"),
                     1);

    /* 4,500.00 owed against a 4,000.00 limit; 3,500.00 of CR-INV-1 is
     * 137 days past due on 2026-11-15; CR-2 is not at risk */
    risk(&rs, "2026-11-15");
    ck_assert_int_eq(rs.n, 1);
    ck_assert_str_eq(rs.r[0].account_number, "CR-1");
    ck_assert_int_eq(rs.r[0].open_total, 450000);
    ck_assert_int_eq(rs.r[0].credit_limit, 400000);
    ck_assert_int_eq(rs.r[0].over_limit, 1);
    ck_assert_int_eq(rs.r[0].over_90, 350000);
    ck_assert_int_eq(rs.r[0].broken_promises, 0);
    ck_assert_int_eq(rs.r[0].has_deposit, 0);
    /* on 2026-09-01 CR-INV-1 was 62 days past due: over the limit (nothing
     * paid yet) but nothing over 90 days */
    risk(&rs, "2026-09-01");
    ck_assert_int_eq(rs.n, 1);
    ck_assert_int_eq(rs.r[0].open_total, 500000);
    ck_assert_int_eq(rs.r[0].over_90, 0);
    /* before anything was billed nobody is at risk */
    risk(&rs, "2026-05-31");
    ck_assert_int_eq(rs.n, 0);

    ck_assert_int_eq(tl_money_make(&m, 200000, "USD"), 0);
    ck_assert_int_eq(collections_deposit_request(
                         &dep, &created, db, "CR-1", &m, "over limit",
                         day("2026-11-15"), "dana", &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_deposit_request(
                         &dep, &created, db, "CR-1", &m, "over limit",
                         day("2026-11-15"), "dana", &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(collections_deposit_decide(
                         db, dep, "received", day("2026-11-20"), "dana", &err),
                     0);
    ck_assert_int_eq(collections_deposit_decide(
                         db, dep, "received", day("2026-11-20"), "dana", &err),
                     0);
    ck_assert_int_eq(collections_deposit_decide(
                         db, dep, "waived", day("2026-11-21"), "dana", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    risk(&rs, "2026-11-19");
    ck_assert_int_eq(rs.r[0].has_deposit, 0);
    risk(&rs, "2026-11-20");
    ck_assert_int_eq(rs.r[0].has_deposit, 1);

    /* the promise of 1,000.00 by 11-30 is broken: nothing was paid */
    {
        collections_promise_eval ev;

        ck_assert_int_eq(collections_promises_evaluate(
                             &ev, db, day("2026-12-01"), "test", &err),
                         0);
        ck_assert_int_eq(ev.broken, 1);
    }
    risk(&rs, "2026-12-01");
    ck_assert_int_eq(rs.r[0].broken_promises, 1);
}
END_TEST

typedef struct escs {
    char level[4][16];
    int current[4];
    int n;
} escs;

static int keep_esc(const collections_escalation *e, void *cls, tl_err *x)
{
    escs *es = cls;

    (void)x;
    ck_assert_int_lt(es->n, 4);
    snprintf(es->level[es->n], 16, "%s", e->level);
    es->current[es->n] = e->current;
    es->n++;
    return 0;
}

START_TEST(escalations_keep_their_history)
{
    escs es;
    int64_t id = 0;
    int64_t again = 0;
    int created = 0;

    book();
    ck_assert_int_eq(collections_escalate(&id, &created, db, "CR-1", "boss", "",
                                          day("2026-10-01"), "dana", &err),
                     TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 2);
    tl_err_clear(&err);
    ck_assert_int_eq(collections_escalate(&id, &created, db, "CR-1",
                                          "supervisor", "no answer in 60 days",
                                          day("2026-10-01"), "dana", &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_escalate(&again, &created, db, "CR-1",
                                          "supervisor", "no answer in 60 days",
                                          day("2026-10-01"), "dana", &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(again, id);
    ck_assert_int_eq(collections_escalate(&id, &created, db, "CR-1", "agency",
                                          "broken promise, 137 days",
                                          day("2026-11-15"), "sam", &err),
                     0);
    memset(&es, 0, sizeof(es));
    ck_assert_int_eq(collections_escalations(db, "CR-1", keep_esc, &es, &err),
                     2);
    ck_assert_str_eq(es.level[0], "agency");
    ck_assert_int_eq(es.current[0], 1);
    ck_assert_str_eq(es.level[1], "supervisor");
    ck_assert_int_eq(es.current[1], 0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'account.escalate'"),
                     2);
}
END_TEST

START_TEST(inquiries_and_payment_methods_keep_only_last_four)
{
    collections_inquiry_in in;
    int64_t id = 0;
    int created = 0;

    book();
    memset(&in, 0, sizeof(in));
    in.account_number = "CR-1";
    in.date = day("2026-11-15");
    in.bureau = "Dun & Bradstreet";
    in.outcome = "maybe";
    in.score = 1001;
    in.actor = "dana";
    ck_assert_int_eq(
        collections_credit_inquiry_add(&id, &created, db, &in, &err),
        TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 2);
    tl_err_clear(&err);
    in.outcome = "review";
    in.score = 612;
    ck_assert_int_eq(
        collections_credit_inquiry_add(&id, &created, db, &in, &err), 0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(
        collections_credit_inquiry_add(&id, &created, db, &in, &err), 0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT score AS n FROM collections.credit_inquiry"
                        " WHERE outcome = 'review'"),
        612);

    ck_assert_int_eq(collections_payment_method_add(
                         &id, &created, db, "CR-1", "card", "4111-1111-12a4",
                         "Visa", day("2026-11-15"), "dana", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "number");
    tl_err_clear(&err);
    ck_assert_int_eq(
        collections_payment_method_add(&id, &created, db, "CR-1", "card", "123",
                                       "Visa", day("2026-11-15"), "dana", &err),
        TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(
        collections_payment_method_add(&id, &created, db, "CR-1", "card",
                                       "4111 1111 1111 1234", "Visa corporate",
                                       day("2026-11-15"), "dana", &err),
        0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_payment_method_add(
                         &id, &created, db, "CR-1", "ach", "021000021-99887766",
                         "operating account", day("2026-11-15"), "dana", &err),
                     0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.payment_method"
                        " WHERE (kind = 'card' AND last4 = '1234')"
                        " OR (kind = 'ach' AND last4 = '7766')"),
        2);
    /* the full number is nowhere: not in the table, not in the audit */
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                        " WHERE coalesce(after::text, '') LIKE '%4111%'"
                        " OR coalesce(after::text, '') LIKE '%99887766%'"),
        0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'payment_method.add'"),
                     2);
}
END_TEST

START_TEST(payment_status_reads_open_invoices_payments_promises)
{
    json_t *st = NULL;
    json_t *inv;
    json_t *pay;
    json_t *prom;

    book();
    ck_assert_msg(collections_payment_status(&st, db, "CR-1", NULL,
                                             day("2026-11-15"), &err) == 0,
                  "%s", err.message);
    ck_assert_str_eq(json_string_value(json_object_get(st, "balance")),
                     "4500.00");
    inv = json_object_get(st, "openInvoices");
    ck_assert_int_eq(json_array_size(inv), 2);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(inv, 0), "invoice")),
        "CR-INV-1");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(inv, 0), "open")),
        "3500.00");
    ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(inv, 0),
                                                        "daysPastDue")),
                     137);
    pay = json_object_get(st, "payments");
    ck_assert_int_eq(json_array_size(pay), 1);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(pay, 0), "amount")),
        "1500.00");
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_array_get(json_object_get(json_array_get(pay, 0), "appliedTo"),
                           0),
            "amount")),
        "1500.00");
    prom = json_object_get(st, "promises");
    ck_assert_int_eq(json_array_size(prom), 1);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(prom, 0), "by")),
        "2026-11-30");
    json_decref(st);

    /* one invoice: only it, and the payments applied to it */
    ck_assert_int_eq(collections_payment_status(&st, db, "CR-1", "CR-INV-2",
                                                day("2026-11-15"), &err),
                     0);
    ck_assert_int_eq(json_array_size(json_object_get(st, "openInvoices")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(st, "payments")), 0);
    json_decref(st);
    ck_assert_int_eq(collections_payment_status(&st, db, "NOPE-1", NULL,
                                                day("2026-11-15"), &err),
                     TL_ENOTFOUND);
    ck_assert_ptr_null(st);
}
END_TEST

typedef struct incs {
    char number[4][40];
    int contract[4];
    int tax[4];
    int application[4];
    int n;
} incs;

static int keep_inc(const collections_incomplete *i, void *cls, tl_err *x)
{
    incs *s = cls;

    (void)x;
    ck_assert_int_lt(s->n, 4);
    snprintf(s->number[s->n], 40, "%s", i->account_number);
    s->contract[s->n] = i->missing_contract;
    s->tax[s->n] = i->missing_tax_certificate;
    s->application[s->n] = i->missing_credit_application;
    s->n++;
    return 0;
}

static void incomplete(incs *s, const char *as_of)
{
    memset(s, 0, sizeof(*s));
    ck_assert_msg(
        collections_incomplete_files(db, day(as_of), keep_inc, s, &err) >= 0,
        "%s", err.message);
}

START_TEST(incomplete_files_name_what_is_missing)
{
    incs s;
    int created = 0;

    book();
    incomplete(&s, "2026-11-15");
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.number[0], "CR-1");
    ck_assert_int_eq(s.contract[0], 1);
    ck_assert_int_eq(s.tax[0], 0);
    ck_assert_int_eq(s.application[0], 1);

    ck_assert_int_eq(
        collections_credit_application_add(&created, db, "CR-1", "CA-2026-031",
                                           day("2026-11-01"), "dana", &err),
        0);
    ck_assert_int_eq(created, 1);
    tl_fx_catalog(db);
    tl_fx_contract(db, "CR-1", "2026-01-01", "1150.00");
    /* a reseller needs a tax certificate in force */
    tl_fx_sql(db,
              "UPDATE accounts.customer SET kind = 'wholesale'"
              " WHERE customer_id = (SELECT customer_id"
              " FROM accounts.billing_account WHERE account_number = 'CR-1')",
              0, NULL);
    incomplete(&s, "2026-11-15");
    ck_assert_str_eq(s.number[0], "CR-1");
    ck_assert_int_eq(s.contract[0], 0);
    ck_assert_int_eq(s.tax[0], 1);
    ck_assert_int_eq(s.application[0], 0);
    tl_fx_sql(
        db,
        "INSERT INTO accounts.tax_exemption (account_id, certificate_number,"
        " jurisdiction, valid_from, valid_to) SELECT account_id, 'RESALE-77',"
        " 'US-ME', DATE '2026-01-01', DATE '2027-01-01'"
        " FROM accounts.billing_account WHERE account_number = 'CR-1'",
        0, NULL);
    incomplete(&s, "2026-11-15");
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.number[0], "CR-2");
    /* the certificate expires at the year end */
    incomplete(&s, "2027-01-01");
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.number[0], "CR-1");
    ck_assert_int_eq(s.tax[0], 1);
}
END_TEST

static Suite *credit_suite(void)
{
    Suite *s = suite_create("credit");
    TCase *tc = tcase_create("credit");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, credit_limit_risk_list_and_deposits);
    tcase_add_test(tc, escalations_keep_their_history);
    tcase_add_test(tc, inquiries_and_payment_methods_keep_only_last_four);
    tcase_add_test(tc, payment_status_reads_open_invoices_payments_promises);
    tcase_add_test(tc, incomplete_files_name_what_is_missing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(credit_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
