/*
 * The three-way reconciliation against a fresh database: a small book
 * with exactly one of each exception seeded (through the module APIs
 * where they allow it, by SQL where the exception is a data fault), each
 * found once with its amount to the cent, and a clean book with no
 * findings.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/reconcile.h"
#include "collections/collections.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
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

static void sql(const char *text)
{
    PGresult *res = PQexec(tl_db_pgconn(db), text);

    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
                      PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", text, PQresultErrorMessage(res));
    PQclear(res);
}

/* The circuit of the account's only service. */
static void circuit_of(char *out, size_t size, const char *account)
{
    const char *params[1] = {account};
    PGresult *res =
        PQexecParams(tl_db_pgconn(db),
                     "SELECT s.circuit_id FROM provisioning.service s"
                     " JOIN accounts.billing_account a USING (account_id)"
                     " WHERE a.account_number = $1",
                     1, NULL, params, NULL, NULL, 0);

    ck_assert_int_eq(PQntuples(res), 1);
    snprintf(out, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

/* An account with one DIA service installed on the 10th and accepted on
 * `accepted`; with an agreement at 1150.00 when contract is set. */
static void customer(const char *account, int site, int contract,
                     const char *accepted)
{
    provisioning_service_t svc;
    char circuit[48];
    char ext[32];

    tl_fx_account(db, account, 1, site);
    if (contract)
        tl_fx_contract(db, account, "2026-10-01", "1150.00");
    snprintf(ext, sizeof(ext), "EXT-%s", account);
    tl_fx_order(db, account, ext, site);
    circuit_of(circuit, sizeof(circuit), account);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "installed",
                                      day("2026-11-10"), "test", &err),
        0);
    ck_assert_int_eq(provisioning_record_milestone(&svc, db, circuit,
                                                   "customer_accepted",
                                                   day(accepted), "test", &err),
                     0);
}

static int64_t bill_november(void)
{
    billing_run_result run;

    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-20"), "test", &err), 0);
    return run.run_id;
}

static void post(int64_t run_id)
{
    int posted = 0;

    ck_assert_int_eq(collections_post_run(&posted, db, run_id, "test", &err),
                     0);
}

/* What a report found, copied out of the callback. */
typedef struct seen {
    char kind[32];
    char account[40];
    char circuit[48];
    char code[40];
    tl_date from;
    int has_to;
    tl_date to;
    int has_billed;
    int64_t billed;
    int has_expected;
    int64_t expected;
    int64_t amount;
    char cur[4];
    char message[256];
} seen;

typedef struct capture {
    seen rows[16];
    int n;
} capture;

static int capture_fn(const billing_recon_finding_t *f, void *cls, tl_err *e)
{
    capture *c = cls;
    seen *s;

    (void)e;
    ck_assert_int_lt(c->n, 16);
    s = &c->rows[c->n++];
    snprintf(s->kind, sizeof(s->kind), "%s", billing_recon_kind_name(f->kind));
    snprintf(s->account, sizeof(s->account), "%s", f->account_number);
    snprintf(s->circuit, sizeof(s->circuit), "%s", f->circuit_id);
    snprintf(s->code, sizeof(s->code), "%s", f->code);
    snprintf(s->message, sizeof(s->message), "%s", f->message);
    s->from = f->from;
    s->has_to = f->has_to;
    s->to = f->to;
    s->has_billed = f->has_billed;
    s->billed = f->billed.minor;
    s->has_expected = f->has_expected;
    s->expected = f->expected.minor;
    s->amount = f->amount.minor;
    snprintf(s->cur, sizeof(s->cur), "%s", f->amount.cur);
    return 0;
}

static capture reconcile(const char *as_of, const char *account,
                         billing_recon_totals_t *totals, int expect)
{
    billing_recon_totals_t local;
    capture c;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = billing_reconcile(totals ? totals : &local, db, day(as_of), account,
                           capture_fn, &c, &err);
    ck_assert_msg(rc == expect, "reconcile returned %d (%s), expected %d", rc,
                  err.message, expect);
    ck_assert_int_eq(c.n, rc < 0 ? 0 : rc);
    return c;
}

/* ---- reject cases first ---- */

START_TEST(unknown_account_is_not_found)
{
    billing_recon_totals_t totals;

    tl_fx_catalog(db);
    reconcile("2026-11-25", "NO-SUCH", &totals, TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "unknown_account");
    ck_assert_int_eq(totals.count[BILLING_RECON_ACTIVE_NOT_BILLED], 0);
}
END_TEST

/* ---- a clean book ---- */

START_TEST(clean_book_has_no_findings)
{
    static const char *const dates[] = {
        "2026-11-09", "2026-11-20", "2026-11-30", "2026-12-01", "2026-12-31"};
    billing_recon_totals_t totals;
    size_t i;
    int k;

    tl_fx_catalog(db);
    customer("RC-CLEAN", 101, 1, "2026-11-14");
    customer("RC-LIST", 102, 0, "2026-11-14");
    post(bill_november());
    for (i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
        reconcile(dates[i], NULL, &totals, 0);
        for (k = 0; k < BILLING_RECON_KINDS; k++) {
            ck_assert_int_eq(totals.count[k], 0);
            ck_assert_int_eq(totals.n_amounts[k], 0);
        }
    }
    reconcile("2026-11-25", "RC-CLEAN", &totals, 0);
    /* before the invoices were issued the services were not billed yet */
    reconcile("2026-11-19", NULL, &totals, 2);
    ck_assert_int_eq(totals.count[BILLING_RECON_ACTIVE_NOT_BILLED], 2);
    /* past what was billed in advance, the service is not billed yet */
    reconcile("2027-01-01", NULL, &totals, 2);
    ck_assert_int_eq(totals.count[BILLING_RECON_ACTIVE_NOT_BILLED], 2);
}
END_TEST

/* ---- one of each exception ---- */

/* The seeded book (see the test below). */
static void seeded_book(void)
{
    int64_t run_id;
    char circuit[48];

    tl_fx_catalog(db);
    customer("RC-CLEAN", 101, 1, "2026-11-14");
    customer("RC-DISC", 103, 1, "2026-11-14");
    customer("RC-RATE", 104, 0, "2026-11-14");
    customer("RC-START", 105, 1, "2026-11-14");
    customer("RC-INST", 106, 1, "2026-11-14");
    run_id = bill_november();

    /* RC-INST: the install line dropped before the invoice was posted,
     * the invoice totals adjusted to match (the run never charged it) */
    sql("DELETE FROM billing.invoice_line l USING accounts.billing_account a"
        " WHERE a.account_id = l.account_id AND a.account_number = 'RC-INST'"
        " AND l.charge_kind = 'NRC'");
    sql("UPDATE billing.invoice i SET subtotal_minor = subtotal_minor - 75000,"
        " total_minor = total_minor - 75000 FROM accounts.billing_account a"
        " WHERE a.account_id = i.account_id AND a.account_number = 'RC-INST'");
    post(run_id);

    /* RC-LEAK: a service accepted after the run */
    customer("RC-LEAK", 102, 1, "2026-11-16");

    /* RC-DISC: a disconnect reported late, effective 2026-12-01, after
     * December was billed in advance */
    circuit_of(circuit, sizeof(circuit), "RC-DISC");
    sql("UPDATE provisioning.service s SET state = 'disconnected',"
        " disconnect_date = '2026-12-01' FROM accounts.billing_account a"
        " WHERE a.account_id = s.account_id AND a.account_number = 'RC-DISC'");

    /* RC-RATE: billed at list (1450.00); the agreement signed before the
     * service (from 2026-10-01 at 1150.00) is loaded after billing */
    tl_fx_contract(db, "RC-RATE", "2026-10-01", "1150.00");

    /* RC-START: billing start recorded three days after acceptance */
    sql("UPDATE provisioning.service s SET billing_start_date = '2026-11-17'"
        " FROM accounts.billing_account a WHERE a.account_id = s.account_id"
        " AND a.account_number = 'RC-START'");
}

START_TEST(every_seeded_exception_found_once)
{
    billing_recon_totals_t totals;
    capture c;
    const seen *s;
    int k;

    seeded_book();
    c = reconcile("2026-11-25", NULL, &totals, 5);

    /* by account number: DISC, INST, LEAK, RATE, START */
    s = &c.rows[0];
    ck_assert_str_eq(s->kind, "billed_not_active");
    ck_assert_str_eq(s->account, "RC-DISC");
    ck_assert_str_eq(s->code, "DIA500");
    ck_assert_int_eq(s->from, day("2026-12-01"));
    ck_assert_int_eq(s->to, day("2027-01-01"));
    ck_assert(s->has_billed);
    ck_assert_int_eq(s->billed, 115000);
    ck_assert_int_eq(s->amount, 115000);
    ck_assert_str_eq(s->cur, "USD");
    ck_assert_ptr_nonnull(strstr(s->message, "after its disconnect"));

    s = &c.rows[1];
    ck_assert_str_eq(s->kind, "install_never_charged");
    ck_assert_str_eq(s->account, "RC-INST");
    ck_assert_str_eq(s->code, "DIA-INST");
    ck_assert_int_eq(s->from, day("2026-11-14"));
    ck_assert_int_eq(s->amount, 75000);
    ck_assert_int_eq(s->expected, 75000);

    s = &c.rows[2];
    ck_assert_str_eq(s->kind, "active_not_billed");
    ck_assert_str_eq(s->account, "RC-LEAK");
    ck_assert_str_eq(s->code, "DIA500");
    ck_assert_int_eq(s->from, day("2026-11-16"));
    ck_assert_int_eq(s->to, day("2026-11-26"));
    ck_assert_int_eq(s->amount, 115000); /* the contract rate a month */
    ck_assert(!s->has_billed);

    s = &c.rows[3];
    ck_assert_str_eq(s->kind, "rate_mismatch");
    ck_assert_str_eq(s->account, "RC-RATE");
    ck_assert_str_eq(s->code, "DIA500");
    ck_assert_int_eq(s->from, day("2026-11-14"));
    ck_assert_int_eq(s->to, day("2026-12-01"));
    ck_assert_int_eq(s->billed, 145000);
    ck_assert_int_eq(s->expected, 115000);
    ck_assert_int_eq(s->amount, 30000);
    ck_assert_ptr_nonnull(strstr(s->message, "list price"));

    s = &c.rows[4];
    ck_assert_str_eq(s->kind, "billing_start_mismatch");
    ck_assert_str_eq(s->account, "RC-START");
    ck_assert_str_eq(s->code, "");
    ck_assert_int_eq(s->from, day("2026-11-14"));
    ck_assert_int_eq(s->to, day("2026-11-17"));
    /* 1150.00 * 3 / 30 */
    ck_assert_int_eq(s->amount, 11500);
    ck_assert_ptr_nonnull(strstr(s->message, "3 days after acceptance"));

    for (k = 0; k < BILLING_RECON_KINDS; k++) {
        ck_assert_int_eq(totals.count[k], 1);
        ck_assert_int_eq(totals.n_amounts[k], 1);
        ck_assert_str_eq(totals.amounts[k][0].currency, "USD");
        ck_assert_int_eq(totals.amounts[k][0].count, 1);
    }
    ck_assert_int_eq(
        totals.amounts[BILLING_RECON_RATE_MISMATCH][0].amount.minor, 30000);

    /* one account at a time */
    c = reconcile("2026-11-25", "RC-RATE", &totals, 1);
    ck_assert_str_eq(c.rows[0].kind, "rate_mismatch");
    reconcile("2026-11-25", "RC-CLEAN", &totals, 0);
}
END_TEST

START_TEST(partial_line_after_disconnect_is_prorated)
{
    billing_recon_totals_t totals;
    capture c;

    seeded_book();
    /* the disconnect was on 2026-11-25 instead: 6 of the 17 days of the
     * first line (651.67 * 6 / 17 = 230.00) and all of December */
    sql("UPDATE provisioning.service s SET disconnect_date = '2026-11-25'"
        " FROM accounts.billing_account a WHERE a.account_id = s.account_id"
        " AND a.account_number = 'RC-DISC'");
    c = reconcile("2026-11-24", "RC-DISC", &totals, 1);
    ck_assert_str_eq(c.rows[0].kind, "billed_not_active");
    ck_assert_int_eq(c.rows[0].from, day("2026-11-25"));
    ck_assert_int_eq(c.rows[0].amount, 23000 + 115000);
    /* on and after the disconnect date the finding stays the same */
    c = reconcile("2026-12-15", "RC-DISC", &totals, 1);
    ck_assert_int_eq(c.rows[0].amount, 138000);
}
END_TEST

/* A backdated disconnect the next bill run credited: the credit nets the
 * days billed after the disconnect, so nothing is left to find. */
START_TEST(a_credited_disconnect_is_not_a_finding)
{
    billing_recon_totals_t totals;
    billing_run_result run;
    char circuit[48];
    capture c;

    tl_fx_catalog(db);
    customer("RC-CRED", 120, 1, "2026-11-14");
    post(bill_november());
    circuit_of(circuit, sizeof(circuit), "RC-CRED");
    /* what a disconnect milestone sets, as the billing tests do */
    sql("UPDATE provisioning.service SET disconnect_date = '2026-12-10',"
        " state = 'disconnected'");
    /* before December's run: December billed past the disconnect */
    c = reconcile("2026-12-15", "RC-CRED", &totals, 1);
    ck_assert_str_eq(c.rows[0].kind, "billed_not_active");
    /* December's run, issued on the 20th, credits the 22 days from the
     * 10th; from then on there is nothing to find */
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 12, day("2026-12-20"), "test", &err), 0);
    post(run.run_id);
    c = reconcile("2026-12-20", "RC-CRED", &totals, 0);
    ck_assert_int_eq(c.n, 0);
    c = reconcile("2026-12-31", "RC-CRED", &totals, 0);
    ck_assert_int_eq(c.n, 0);
}
END_TEST

/* A code change recorded for a later day: reconciling a day before it
 * looks at the codes in force then (the service's history), not at the
 * codes it has now. */
START_TEST(codes_are_those_in_force_on_the_day)
{
    billing_recon_totals_t totals;
    capture c;

    tl_fx_catalog(db);
    customer("RC-UPG", 121, 1, "2026-11-14");
    post(bill_november());
    /* December's DIA500 line never made it onto the invoice */
    sql("DELETE FROM billing.invoice_line l USING accounts.billing_account a"
        " WHERE a.account_id = l.account_id AND a.account_number = 'RC-UPG'"
        " AND l.code = 'DIA500' AND l.period_start = '2026-12-01'");
    /* a downgrade to DIA100 from 2026-12-20, recorded now */
    sql("INSERT INTO provisioning.service_version (account_id, service_id,"
        " version, effective_date, kind, state, product_id, address_id,"
        " z_address_id, characteristics, codes, actor)"
        " SELECT account_id, service_id, version + 1, '2026-12-20',"
        " 'codes_changed', state, product_id, address_id, z_address_id,"
        " characteristics, '[{\"code\": \"DIA100\", \"quantity\": 1}]',"
        " 'test' FROM provisioning.service_version v"
        " WHERE v.account_id = (SELECT account_id FROM"
        "  accounts.billing_account WHERE account_number = 'RC-UPG')"
        " ORDER BY version DESC LIMIT 1");
    sql("UPDATE provisioning.service_code sc SET code = 'DIA100',"
        " effective_from = '2026-12-20' FROM accounts.billing_account a"
        " WHERE a.account_id = sc.account_id AND a.account_number = 'RC-UPG'"
        " AND sc.code = 'DIA500'");
    /* on the 10th the service billed DIA500, and December's is missing */
    c = reconcile("2026-12-10", "RC-UPG", &totals, 1);
    ck_assert_str_eq(c.rows[0].kind, "active_not_billed");
    ck_assert_str_eq(c.rows[0].code, "DIA500");
    ck_assert_int_eq(c.rows[0].amount, 115000);
    /* on the 22nd it bills DIA100, never billed yet */
    c = reconcile("2026-12-22", "RC-UPG", &totals, 1);
    ck_assert_str_eq(c.rows[0].kind, "active_not_billed");
    ck_assert_str_eq(c.rows[0].code, "DIA100");
}
END_TEST

static Suite *reconcile_suite(void)
{
    Suite *s = suite_create("reconcile");
    TCase *tc = tcase_create("reconcile");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, unknown_account_is_not_found);
    tcase_add_test(tc, clean_book_has_no_findings);
    tcase_add_test(tc, every_seeded_exception_found_once);
    tcase_add_test(tc, partial_line_after_disconnect_is_prorated);
    tcase_add_test(tc, a_credited_disconnect_is_not_a_finding);
    tcase_add_test(tc, codes_are_those_in_force_on_the_day);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(reconcile_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
