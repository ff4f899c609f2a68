/*
 * The AR ledger, write-offs, FX and statements through the trunkline
 * binary: Harbor Health's first invoice (USD 2583.57) credited 83.57,
 * the rest written off by two approvers (neither the requester), 500.00
 * recovered, a statement of account in JSON and HTML that ties, the
 * December summary, and resends logged once a day; with the exit codes of
 * bad input.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/cli.h"
#include "tests/support/testdb.h"

#define DEMO TL_SOURCE_DIR "/demo/"

static tl_db *db;

static void setup(void)
{
    db = tl_test_db_open();
    ck_assert_int_eq(setenv("TRUNKLINE_DB", tl_test_db_conninfo(), 1), 0);
    ck_assert_int_eq(setenv("TRUNKLINE_USER", "cli-test", 1), 0);
}

static void teardown(void)
{
    tl_test_db_close(db);
    db = NULL;
}

typedef tl_cli_result run_result;

/* Runs the binary with args, stdout and stderr captured. */
static void run(run_result *r, const char *args)
{
    tl_cli_run(r, TL_CLI_PATH, 1, args);
}

static void expect(const run_result *r, int status, const char *needle)
{
    tl_cli_expect(r, status, needle);
}

static long long count(const char *sql)
{
    return tl_cli_scalar(db, sql);
}

START_TEST(acct_walk_memo_writeoff_recovery_statement)
{
    static run_result r;
    char rates[] = "/tmp/tl-fx-XXXXXX";
    char html[64];
    FILE *f;
    int fd;

    run(&r, "catalog load " DEMO "catalog.json");
    run(&r, "account load " DEMO "harbor-health.json");
    expect(&r, 0, NULL);
    run(&r, "contracts load " DEMO "harbor-health-msa.json");
    run(&r, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    run(&r, "order accept SO-00000001");
    run(&r, "service milestone --order SO-00000001 --kind installed "
            "--date 2026-11-10");
    run(&r, "service milestone --order SO-00000001 --kind customer_accepted "
            "--date 2026-11-14");
    run(&r, "bill run --cycle 1 --period 2026-11 --issue-date 2026-11-20");
    expect(&r, 0, "2583.57");

    /* bad input first: nothing written */
    run(&r, "ledger post --account HH-1001 --amount 1.00 --reference X");
    expect(&r, 2, "--kind");
    run(&r, "ledger post --kind gift --account HH-1001 --amount 1.00 "
            "--reference X --json");
    expect(&r, 3, "\"field\": \"kind\"");
    run(&r, "ledger post --kind credit_memo --account HH-1001 "
            "--invoice INV-00000001 --amount 2583.58 --reference X --json");
    expect(&r, 5, "\"code\": \"exceeds_open\"");
    run(&r, "ledger post --kind credit_memo --account HH-1001 --amount 1.001 "
            "--reference X");
    expect(&r, 3, "at most 2 decimals");
    run(&r, "writeoff approve 99");
    expect(&r, 4, "no write-off 99");
    run(&r, "statement summary");
    expect(&r, 2, "--month");
    ck_assert_int_eq(count("SELECT count(*) FROM collections.ledger_entry"
                           " WHERE kind <> 'invoice'"),
                     0);

    /* a credit memo of 83.57 on 2026-12-01, posted twice */
    run(&r, "ledger post --kind credit_memo --account HH-1001 "
            "--invoice INV-00000001 --amount 83.57 --reference CM-E1 "
            "--reason 'port billed before acceptance' --date 2026-12-01 "
            "--json");
    expect(&r, 0, "\"created\": true");
    expect(&r, 0, "\"amount\": \"-83.57\"");
    run(&r, "ledger post --kind credit_memo --account HH-1001 "
            "--invoice INV-00000001 --amount 83.57 --reference CM-E1 "
            "--reason 'port billed before acceptance' --date 2026-12-01");
    expect(&r, 0, "was already posted");
    run(&r, "ledger balance --invoice INV-00000001 --as-of 2026-11-30");
    expect(&r, 0, "USD 2583.57");
    run(&r, "ledger balance --invoice INV-00000001 --as-of 2026-12-01 --json");
    expect(&r, 0, "\"amount\": \"2500.00\"");

    /* the rest written off: alice asks, bob and carol approve */
    run(&r, "writeoff request --invoice INV-00000001 --amount 2500.00 "
            "--reason 'customer in receivership' --date 2026-12-05 "
            "--actor alice --json");
    expect(&r, 0, "\"writeoffId\": 1");
    run(&r, "writeoff approve 1 --date 2026-12-05 --actor alice --json");
    expect(&r, 5, "\"code\": \"own_request\"");
    run(&r, "writeoff approve 1 --date 2026-12-05 --actor bob");
    expect(&r, 0, "second person must approve");
    run(&r, "writeoff approve 1 --date 2026-12-06 --actor carol --json");
    expect(&r, 0, "\"posted\": true");
    run(&r, "writeoff list --json");
    expect(&r, 0, "\"reference\": \"WO-1\"");
    expect(&r, 0, "\"secondApprover\": \"carol\"");
    run(&r, "ledger balance --account HH-1001 --as-of 2026-12-05");
    expect(&r, 0, "USD 2500.00");
    run(&r, "ledger balance --account HH-1001 --as-of 2026-12-06");
    expect(&r, 0, "USD 0.00");

    /* the receiver pays 500.00 on the written-off invoice */
    run(&r, "ledger post --kind recovery --account HH-1001 "
            "--invoice INV-00000001 --amount 500.00 --reference RCV-1 "
            "--method wire --date 2026-12-20 --json");
    expect(&r, 0, "\"created\": true");
    run(&r, "ledger list --account HH-1001 --to 2026-12-31 --json");
    expect(&r, 0, "\"reference\": \"REC-RCV-1\"");
    expect(&r, 0, "\"document\": \"recovery\"");

    /* FX rates from a file; a bad file is refused whole */
    fd = mkstemp(rates);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    fputs("from,to,effective_date,rate\nCAD,USD,2026-11-01,0.733333\n"
          "CAD,USD,2026-12-01,7.3e-1\n",
          f);
    fclose(f);
    snprintf(html, sizeof(html), "fx load %s --json", rates);
    run(&r, html);
    expect(&r, 3, "\"field\": \"line[3].rate\"");
    f = fopen(rates, "w");
    fputs("from,to,effective_date,rate\nCAD,USD,2026-11-01,0.733333\n", f);
    fclose(f);
    run(&r, html);
    expect(&r, 0, "\"created\": 1");
    run(&r, "fx list");
    expect(&r, 0, "CAD -> USD  from 2026-11-01  0.733333");
    remove(rates);

    /* December's statement of account ties: 2583.57 - 83.57 - 2500.00
     * + 500.00 (reinstated) - 500.00 (paid) = 0.00 */
    run(&r, "statement --account HH-1001 --from 2026-12-01 "
            "--as-of 2026-12-31 --json");
    expect(&r, 0, "\"opening\": \"2583.57\"");
    expect(&r, 0, "\"credits\": \"-2583.57\"");
    expect(&r, 0, "\"debits\": \"500.00\"");
    expect(&r, 0, "\"payments\": \"-500.00\"");
    expect(&r, 0, "\"closing\": \"0.00\"");
    run(&r, "statement --account HH-1001 --from 2026-12-01 "
            "--as-of 2026-12-31 --format html "
            "--output /tmp/tl-acct-statement.html");
    expect(&r, 0, NULL);
    f = fopen("/tmp/tl-acct-statement.html", "r");
    ck_assert_ptr_nonnull(f);
    {
        static char page[16384];
        size_t n = fread(page, 1, sizeof(page) - 1, f);

        page[n] = '\0';
        ck_assert_ptr_nonnull(strstr(page, "Statement of account HH-1001"));
        ck_assert_ptr_nonnull(strstr(page, "REC-RCV-1"));
    }
    fclose(f);
    remove("/tmp/tl-acct-statement.html");
    run(&r, "statement summary --month 2026-12 --base USD --json");
    expect(&r, 0, "\"writeOffs\": \"2000.00\"");
    expect(&r, 0, "\"credits\": \"83.57\"");
    expect(&r, 0, "\"collected\": \"500.00\"");
    run(&r, "statement summary --month 2026-12 --format csv");
    expect(&r, 0,
           "HH-1001,Harbor Health - Network Services,USD,2583.57,0.00,"
           "500.00,83.57,2000.00,0.00,0.00,");

    /* resends, once a day */
    run(&r, "statement resend --account HH-1001 --as-of 2026-12-31 "
            "--date 2027-01-04 --json");
    expect(&r, 0, "\"created\": true");
    run(&r, "statement resend --account HH-1001 --as-of 2026-12-31 "
            "--date 2027-01-04");
    expect(&r, 0, "already logged");
    run(&r, "invoice resend INV-00000001 --date 2027-01-04 --json");
    expect(&r, 0, "\"created\": true");
    run(&r, "invoice resend INV-99999999");
    expect(&r, 4, "INV-99999999");
    ck_assert_int_eq(count("SELECT count(*) FROM collections.contact"
                           " WHERE channel = 'email' AND outcome = 'sent'"),
                     2);
    ck_assert_int_eq(count("SELECT count(*) FROM audit.event WHERE action IN"
                           " ('ledger.post', 'writeoff.request',"
                           " 'writeoff.approve', 'fx.load', 'contact.add')"),
                     8);
}
END_TEST

START_TEST(acct_collector_day_credit_deposit_escalation_status)
{
    static run_result r;

    run(&r, "catalog load " DEMO "catalog.json");
    run(&r, "account load " DEMO "harbor-health.json");
    run(&r, "contracts load " DEMO "harbor-health-msa.json");
    run(&r, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    run(&r, "order accept SO-00000001");
    run(&r, "service milestone --order SO-00000001 --kind installed "
            "--date 2026-11-10");
    run(&r, "service milestone --order SO-00000001 --kind customer_accepted "
            "--date 2026-11-14");
    run(&r, "bill run --cycle 1 --period 2026-11 --issue-date 2026-11-20");
    expect(&r, 0, "2583.57");
    run(&r, "payment post --account HH-1001 --amount 1000.00 "
            "--date 2026-12-21 --reference W1");
    expect(&r, 0, NULL);

    run(&r, "escalate --account HH-1001 --to boss --reason x --json");
    expect(&r, 3, "\"field\": \"level\"");
    run(&r, "paymethod add --account HH-1001 --kind card --number 41x1");
    expect(&r, 3, "number");

    run(&r, "payment status --account HH-1001 --as-of 2026-12-22");
    expect(&r, 0,
           "Invoice INV-00000001, due 2026-12-20, still owes 1583.57, "
           "2 days past due.");
    expect(&r, 0,
           "We received 1000.00 by wire on 2026-12-21 (reference W1); "
           "applied 1000.00 to invoice INV-00000001.");
    run(&r, "credit limit --account HH-1001 --amount 1000.00 --json");
    expect(&r, 0, "\"amount\": \"1000.00\"");
    run(&r, "credit risk --as-of 2026-12-22 --json");
    expect(&r, 0, "\"openTotal\": \"1583.57\"");
    expect(&r, 0, "\"overLimit\": true");
    expect(&r, 0, "\"deposit\": false");
    run(&r, "deposit request --account HH-1001 --amount 1500.00 "
            "--reason 'over limit' --date 2026-12-22 --json");
    expect(&r, 0, "\"depositId\": 1");
    run(&r, "deposit receive 1 --date 2026-12-23");
    expect(&r, 0, "deposit 1 received");
    run(&r, "credit risk --as-of 2026-12-23 --json");
    expect(&r, 0, "\"deposit\": true");
    run(&r, "paymethod add --account HH-1001 --kind card "
            "--number '4111 1111 1111 1234' --label 'Visa corporate'");
    expect(&r, 0, "payment method 1 recorded");
    run(&r, "paymethod list --account HH-1001");
    expect(&r, 0, "ending 1234");
    ck_assert_ptr_null(strstr(r.out, "4111"));
    run(&r, "escalate --account HH-1001 --to supervisor "
            "--reason 'no answer after two calls' --date 2026-12-22");
    expect(&r, 0, "escalated to supervisor");
    run(&r, "escalate list --account HH-1001 --json");
    expect(&r, 0, "\"current\": true");
    run(&r, "credit inquiry --account HH-1001 --bureau Equifax "
            "--outcome review --score 612 --date 2026-12-22 --json");
    expect(&r, 0, "\"created\": true");
    run(&r, "account incomplete --json");
    expect(&r, 0, "\"missingContract\": false");
    expect(&r, 0, "\"missingCreditApplication\": true");
    run(&r, "credit application --account HH-1001 --reference CA-1 "
            "--date 2026-12-22");
    run(&r, "account incomplete --as-of 2026-12-31");
    expect(&r, 0, "(every file is complete)");

    /* 200.00 overpaid with W2 and refunded: W1 has no credit left, W9 is
     * nobody's; the refund names W2 */
    run(&r, "payment post --account HH-1001 --amount 1783.57 "
            "--date 2026-12-24 --reference W2");
    expect(&r, 0, NULL);
    run(&r, "ledger post --kind refund --account HH-1001 --amount 200.00 "
            "--reference RF-1 --payment W9 --date 2026-12-26 --json");
    expect(&r, 4, "\"field\": \"payment\"");
    run(&r, "ledger post --kind refund --account HH-1001 --amount 200.00 "
            "--reference RF-1 --payment W1 --date 2026-12-26 --json");
    expect(&r, 5, "\"code\": \"exceeds_credit\"");
    ck_assert_int_eq(count("SELECT count(*) FROM collections.ledger_entry"
                           " WHERE kind = 'refund'"),
                     0);
    run(&r, "ledger post --kind refund --account HH-1001 --amount 200.00 "
            "--reference RF-1 --payment W2 --date 2026-12-26");
    expect(&r, 0, "refund RF-1 posted on HH-1001: USD 200.00 (entry");
    expect(&r, 0, ", credit of payment 2)");
    ck_assert_int_eq(count("SELECT count(*) FROM collections.ledger_entry e"
                           " JOIN collections.payment p"
                           " USING (account_id, payment_id)"
                           " WHERE e.kind = 'refund' AND p.reference = 'W2'"
                           " AND e.amount_minor = 20000"),
                     1);
    run(&r, "ledger balance --account HH-1001 --as-of 2026-12-26");
    expect(&r, 0, "USD 0.00");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_acct");
    TCase *tc = tcase_create("acct");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, acct_walk_memo_writeoff_recovery_statement);
    tcase_add_test(tc, acct_collector_day_credit_deposit_escalation_status);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
