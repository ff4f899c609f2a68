/*
 * Working the book through the trunkline binary: Harbor Health's first
 * invoice (USD 2583.57, due 2026-12-20) disputed in part, dunned, put in
 * the work queue, promised, paid and the dispute resolved, with the exit
 * codes of bad input.
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

START_TEST(book_walk_dispute_dunning_worklist_promise)
{
    static run_result r;

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
    run(&r, "dispute open --invoice INV-00000001 --amount 100.005 "
            "--reason late");
    expect(&r, 3, "at most 2 decimals");
    run(&r, "dispute open --invoice INV-00000001 --amount 9000.00 "
            "--reason late --json");
    expect(&r, 3, "\"code\": \"exceeds_open\"");
    run(&r, "dispute open --invoice INV-99999999 --amount 1.00 --reason x");
    expect(&r, 4, "INV-99999999");
    run(&r, "dispute open --amount 1.00 --reason x");
    expect(&r, 2, "--invoice is required");
    run(&r, "contact add --account HH-1001 --channel fax --json");
    expect(&r, 3, "\"field\": \"channel\"");
    run(&r, "shutout approve 99");
    expect(&r, 4, "no shutout 99");
    ck_assert_int_eq(count("SELECT count(*) FROM collections.dispute"), 0);

    run(&r, "dispute open --invoice INV-00000001 --line 1 --amount 100.00 "
            "--reason 'port billed before acceptance' --date 2026-12-22 "
            "--json");
    expect(&r, 0, "\"disputeId\": 1");
    expect(&r, 0, "\"created\": true");
    run(&r, "dispute open --invoice INV-00000001 --line 1 --amount 100.00 "
            "--reason 'port billed before acceptance' --date 2026-12-22");
    expect(&r, 0, "dispute 1 was already open");
    run(&r, "aging --as-of 2026-12-27 --json");
    expect(&r, 0, "\"1-30\": \"2483.57\"");
    expect(&r, 0, "\"disputed\": \"100.00\"");
    run(&r, "aging --as-of 2026-12-27 --by product");
    expect(&r, 0, "DIA");

    run(&r, "dunning run --as-of 2026-12-22");
    expect(&r, 0, "1 action created");
    expect(&r, 0, "reminder");
    expect(&r, 0, "2483.57");
    run(&r, "dunning run --as-of 2026-12-22 --json");
    expect(&r, 0, "\"created\": 0");
    ck_assert_int_eq(count("SELECT count(*) FROM collections.dunning_action"),
                     1);

    run(&r, "worklist assign --account HH-1001 --collector dana --json");
    expect(&r, 0, "\"collector\": \"dana\"");
    run(&r, "worklist --as-of 2026-12-22 --collector dana --json");
    expect(&r, 0, "\"atRisk\": \"2483.57\"");
    expect(&r, 0, "\"rank\": 1");

    run(&r, "contact add --account HH-1001 --channel call --outcome promised "
            "--note 'pays the undisputed part on the 28th' --date 2026-12-23");
    expect(&r, 0, "contact 1 logged");
    run(&r, "promise add --account HH-1001 --amount 2483.57 --by 2026-12-31 "
            "--date 2026-12-23 --json");
    expect(&r, 0, "\"created\": true");
    run(&r, "payment post --account HH-1001 --amount 2483.57 "
            "--date 2026-12-28 --reference W1");
    expect(&r, 0, "applied to 1 invoice");
    run(&r, "promise evaluate --as-of 2026-12-31 --json");
    expect(&r, 0, "\"kept\": 1");
    run(&r, "dispute forward 1 --date 2026-12-29");
    expect(&r, 0, "forwarded to billing");
    run(&r, "dispute resolve 1 --date 2026-12-30 --json");
    expect(&r, 0, "\"creditMemo\": \"CM-D1\"");
    run(&r, "aging --as-of 2026-12-31");
    expect(&r, 0, "(no open balances)");
    run(&r, "dispute list --json");
    expect(&r, 0, "\"state\": \"resolved\"");
    run(&r, "shutout list --json");
    expect(&r, 0, "\"shutouts\": []");
    ck_assert_int_eq(count("SELECT count(*) FROM audit.event WHERE action IN"
                           " ('dispute.open', 'dispute.forward',"
                           " 'dispute.resolve', 'promise.add',"
                           " 'contact.add', 'collector.assign',"
                           " 'dunning.run', 'promise.evaluate')"),
                     8);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_book");
    TCase *tc = tcase_create("book");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, book_walk_dispute_dunning_worklist_promise);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
