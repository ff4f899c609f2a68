/*
 * The trunkline binary end to end: usage errors and exit codes, bad input,
 * --help and --json on every command, and the demo's whole walk from
 * catalog to aging against a fresh database.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Runs the binary with args; stdout (and stderr when with_stderr) is
 * captured. */
static void run(run_result *r, int with_stderr, const char *args)
{
    tl_cli_run(r, TL_CLI_PATH, with_stderr, args);
}

static void expect(const run_result *r, int status, const char *needle)
{
    tl_cli_expect(r, status, needle);
}

static long long count(const char *sql)
{
    return tl_cli_scalar(db, sql);
}

START_TEST(usage_errors_exit_2)
{
    static run_result r;

    run(&r, 1, "");
    expect(&r, 2, "usage: trunkline COMMAND");
    run(&r, 1, "frobnicate");
    expect(&r, 2, "unknown command");
    run(&r, 1, "order frobnicate");
    expect(&r, 2, "unknown order command");
    run(&r, 1, "bill run --cycle 40 --period 2026-11");
    expect(&r, 2, "--cycle must be a whole number from 1 to 31");
    run(&r, 1, "bill run --cycle 1 --period 2026-13");
    expect(&r, 2, "--period must be a month");
    run(&r, 1, "aging --as-of 2026-02-30");
    expect(&r, 2, "--as-of must be a date");
    run(&r, 1, "aging --as-of 2026-12-01 --colour");
    expect(&r, 2, "unknown option --colour");
    run(&r, 1, "order submit");
    expect(&r, 2, "the order file or folder is required");
}
END_TEST

/* The commands come from `trunkline --help` itself, so a command added
 * later is checked without anyone remembering to list it here. */
START_TEST(every_command_has_help)
{
    static run_result r;
    static run_result h;
    char words[64];
    char args[128];
    const char *line;
    int commands = 0;

    run(&r, 0, "--help");
    expect(&r, 0, "order submit");
    line = strstr(r.out, "commands:\n");
    ck_assert_ptr_nonnull(line);
    line = strchr(line, '\n') + 1;
    while (strncmp(line, "  ", 2) == 0) {
        size_t n = strcspn(line + 2, "\n");
        const char *gap = strstr(line + 2, "  ");
        size_t w = gap != NULL && (size_t)(gap - line - 2) < n
                       ? (size_t)(gap - line - 2)
                       : n;
        snprintf(words, sizeof(words), "%.*s", (int)w, line + 2);
        snprintf(args, sizeof(args), "%s --help", words);
        run(&h, 0, args);
        expect(&h, 0, "usage: trunkline ");
        ck_assert_msg(strstr(h.out, "--json") != NULL,
                      "%s --help does not mention --json", words);
        commands++;
        line += 2 + n + 1;
    }
    /* every command of the walking skeleton is among them */
    ck_assert_int_ge(commands, 21);
    ck_assert_ptr_nonnull(strstr(r.out, "  aging "));
    ck_assert_ptr_nonnull(strstr(r.out, "  payment post "));
    ck_assert_ptr_nonnull(strstr(r.out, "  bill run "));
}
END_TEST

START_TEST(missing_and_broken_files)
{
    static run_result r;
    FILE *f;
    char path[] = "/tmp/tl-cli-XXXXXX";
    char args[256];
    int fd = mkstemp(path);

    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    fputs("{\"externalId\": \"X\",\n \"externalId\": \"Y\"}", f);
    fclose(f);
    run(&r, 1, "order submit /nonexistent/order.json");
    expect(&r, 4, "cannot open /nonexistent/order.json");
    snprintf(args, sizeof(args), "order submit %s --json", path);
    run(&r, 0, args);
    expect(&r, 3, "\"code\": \"json_syntax\"");
    expect(&r, 3, "line 2");
    unlink(path);
}
END_TEST

START_TEST(bad_order_is_refused_and_nothing_stored)
{
    static run_result r;

    run(&r, 0, "catalog load " DEMO "catalog.json");
    expect(&r, 0, "25 service codes");
    run(&r, 0, "account load " DEMO "harbor-health.json");
    expect(&r, 0, NULL);
    run(&r, 0,
        "order submit --received 2026-11-02 " DEMO "order-dia-bad.json --json");
    expect(&r, 3, "\"field\": \"requestedStartDate\"");
    expect(&r, 3, "\"field\": \"productOrderItem[0].productOffering.id\"");
    expect(&r, 3, "\"code\": \"unknown_product\"");
    expect(&r, 3,
           "\"field\": \"productOrderItem[0].product.place[0].postcode\"");
    run(&r, 1, "order submit --received 2026-11-02 " DEMO "order-dia-bad.json");
    expect(&r, 3, "3 problems found:");
    run(&r, 1, "order validate --received 2026-11-11 " DEMO "order-dia.json");
    expect(&r, 3,
           "requestedStartDate 2026-11-10 is before the day the order "
           "was received (2026-11-11) [in_the_past]");
    run(&r, 0, "order validate --received 2026-11-10 " DEMO "order-dia.json");
    expect(&r, 0, "order is valid");
    ck_assert_int_eq(count("SELECT count(*) FROM orders.sales_order"), 0);
}
END_TEST

START_TEST(demo_walk_bills_and_collects)
{
    static run_result r;

    run(&r, 0, "catalog load " DEMO "catalog.json --json");
    expect(&r, 0, "\"pricesAdded\": 38");
    run(&r, 0, "catalog load " DEMO "catalog.json --json");
    expect(&r, 0, "\"pricesAdded\": 0");
    run(&r, 0, "account load " DEMO "harbor-health.json");
    expect(&r, 0, "1 accounts");
    run(&r, 0, "contracts load " DEMO "harbor-health-msa.json");
    expect(&r, 0, "agreement loaded");
    run(&r, 0, "account show HH-1001 --json");
    expect(&r, 0, "\"billCycleDay\": 1");

    run(&r, 0,
        "order submit --received 2026-11-02 " DEMO "order-dia.json --json");
    expect(&r, 0, "\"orderNumber\": \"SO-00000001\"");
    expect(&r, 0, "\"created\": true");
    run(&r, 0, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    expect(&r, 0, "order SO-00000001 was already submitted");
    run(&r, 0, "order accept SO-00000001");
    expect(&r, 0, "1 service created in inventory");
    run(&r, 1, "order accept SO-00000001");
    expect(&r, 5, "cannot become accepted");

    run(&r, 1,
        "service milestone --order SO-00000001 --kind "
        "customer_accepted --date 2026-11-14");
    expect(&r, 5, "cannot be accepted before it is installed");
    run(&r, 0,
        "service milestone --order SO-00000001 --kind installed "
        "--date 2026-11-10");
    expect(&r, 0, "installed 2026-11-10");
    run(&r, 0,
        "service milestone --order SO-00000001 --kind "
        "customer_accepted --date 2026-11-14 --json");
    expect(&r, 0, "\"billingStartDate\": \"2026-11-14\"");
    run(&r, 0, "order show SO-00000001 --json");
    expect(&r, 0, "\"state\": \"billing\"");
    run(&r, 0, "order find DIA/000001");
    expect(&r, 0, "SO-00000001");
    run(&r, 0, "order find SUMMIT-HH-DIA-0001 --json");
    expect(&r, 0, "\"orderNumber\": \"SO-00000001\"");
    run(&r, 0, "order find 'harbor  way'");
    expect(&r, 0, "SO-00000001");
    run(&r, 0, "order find NOTHING-LIKE-IT");
    expect(&r, 0, "no order matches");

    run(&r, 0, "bill run --cycle 1 --period 2026-11 --issue-date 2026-11-20");
    expect(&r, 0, "1 invoice, 1 posted to the AR ledger now");
    /* 2551.67 of charges and the 1.25% regulatory fee, 31.90 */
    expect(&r, 0, "2583.57");
    run(&r, 0,
        "bill run --cycle 1 --period 2026-11 --issue-date 2026-11-20 "
        "--json");
    expect(&r, 0, "\"created\": false");
    expect(&r, 0, "\"ledgerEntriesPosted\": 0");
    ck_assert_int_eq(count("SELECT count(*) FROM billing.invoice"), 1);

    run(&r, 0, "bill show INV-00000001");
    expect(&r, 0, "DIA 500 Mbps port, DIA/000001, 2026-11-14 to 2026-11-30");
    expect(&r, 0, "651.67");
    expect(&r, 0, "due 2026-12-20");
    run(&r, 0, "bill show INV-00000001 --json");
    expect(&r, 0, "\"amount\": \"2551.67\"");
    expect(&r, 0, "\"priceSource\": \"contract\"");

    /* the taxes the run wrote: DIA is internet and its install
     * installation, so only the 1.25% regulatory fee of 2551.67 */
    run(&r, 0, "bill taxes INV-00000001");
    expect(&r, 0, "US-REG");
    expect(&r, 0, "31.90");
    expect(&r, 0, "2583.57");
    run(&r, 0, "bill taxes INV-00000001 --json");
    expect(&r, 0, "\"ratePercent\": \"1.25\"");
    expect(&r, 0, "\"written\": false");
    run(&r, 1, "bill taxes INV-99999999");
    expect(&r, 4, "INV-99999999");
    ck_assert_int_eq(count("SELECT tax_minor FROM billing.invoice"), 3190);

    run(&r, 0, "aging --as-of 2026-12-27 --json");
    expect(&r, 0, "\"1-30\": \"2583.57\"");
    run(&r, 1,
        "payment post --account HH-1001 --amount 2583.575 "
        "--date 2026-12-28 --reference W1");
    expect(&r, 3, "at most 2 decimals");
    run(&r, 0,
        "payment post --account HH-1001 --amount 2583.57 "
        "--date 2026-12-28 --reference W1 --invoice INV-00000001");
    expect(&r, 0, "USD 2583.57 applied to 1 invoice, USD 0.00 unapplied");
    run(&r, 0,
        "payment post --account HH-1001 --amount 2583.57 "
        "--date 2026-12-28 --reference W1 --json");
    expect(&r, 0, "\"created\": false");
    run(&r, 0, "aging --as-of 2026-12-31");
    expect(&r, 0, "(no open balances)");
    run(&r, 0, "aging --as-of 2026-12-27");
    expect(&r, 0, "2583.57");
}
END_TEST

/* The bill-run lifecycle: preview, status, review, approve, show a
 * draft, and manual charges, with their exit codes. */
START_TEST(bill_lifecycle_commands)
{
    static run_result r;

    run(&r, 0, "catalog load " DEMO "catalog.json");
    expect(&r, 0, NULL);
    run(&r, 0, "account load " DEMO "harbor-health.json");
    expect(&r, 0, NULL);
    run(&r, 0, "contracts load " DEMO "harbor-health-msa.json");
    expect(&r, 0, NULL);
    run(&r, 0, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    expect(&r, 0, NULL);
    run(&r, 0, "order accept SO-00000001");
    expect(&r, 0, NULL);
    run(&r, 0,
        "service milestone --order SO-00000001 --kind installed "
        "--date 2026-11-10");
    expect(&r, 0, NULL);
    run(&r, 0,
        "service milestone --order SO-00000001 --kind "
        "customer_accepted --date 2026-11-14");
    expect(&r, 0, NULL);

    /* manual charges: usage 2, invalid 3, not found 4, conflict 5 */
    run(&r, 1, "bill charge add --account HH-1001 --kind fee");
    expect(&r, 2, "--kind must be nrc or credit");
    run(&r, 1,
        "bill charge add --account HH-1001 --kind nrc --amount 1.234 "
        "--description X --reason Y --category expedite");
    expect(&r, 3, "amount");
    run(&r, 1,
        "bill charge add --account NOPE --kind credit --amount 10.00 "
        "--description X --reason Y");
    expect(&r, 4, NULL);
    run(&r, 0,
        "bill charge add --account HH-1001 --kind nrc --amount 600.00 "
        "--category expedite --description Expedite --reason rush "
        "--actor clerk --json");
    expect(&r, 0, "\"status\": \"requested\"");
    run(&r, 1, "bill charge approve 1 --actor clerk");
    expect(&r, 5, "someone other");
    run(&r, 0, "bill charge approve 1 --actor finance");
    expect(&r, 0, "approved");
    run(&r, 1, "bill charge approve 99");
    expect(&r, 4, NULL);
    run(&r, 0, "bill charge list --json");
    expect(&r, 0, "\"status\": \"approved\"");

    /* preview: drafts, nothing numbered or posted */
    run(&r, 0,
        "bill preview --cycle 1 --period 2026-11 --issue-date 2026-11-20 "
        "--batch-size 10");
    expect(&r, 0, "preview");
    expect(&r, 0, "DRAFT-1");
    /* 2551.67 of charges, the 600.00 manual charge, 31.90 of fee */
    expect(&r, 0, "3183.57");
    ck_assert_int_eq(count("SELECT count(*) FROM collections.ledger_entry"), 0);
    run(&r, 0, "bill show DRAFT-1");
    expect(&r, 0, "(draft, not approved)");
    run(&r, 0, "bill status 1 --json");
    expect(&r, 0, "\"status\": \"preview\"");
    expect(&r, 0, "\"accountsDone\": 1");
    run(&r, 1, "bill status 99");
    expect(&r, 4, NULL);
    run(&r, 1, "bill status");
    expect(&r, 2, "the run id is required");
    run(&r, 0, "bill review 1 --json");
    expect(&r, 0, "\"count\": 0");
    run(&r, 1,
        "bill preview --cycle 1 --period 2026-12 --issue-date 2026-12-01");
    expect(&r, 5, "not approved yet");
    run(&r, 1, "bill preview --cycle 1 --period 2026-11 --workers 0");
    expect(&r, 2, "--workers");
    run(&r, 1, "bill run --cycle 1 --period 2026-11 --workers many");
    expect(&r, 2, "--workers");

    /* approve: numbered and posted once */
    run(&r, 0, "bill approve 1");
    expect(&r, 0, "approved, 1 posted to the AR ledger now");
    expect(&r, 0, "INV-00000001");
    run(&r, 0, "bill approve 1 --json");
    expect(&r, 0, "\"approved\": false");
    expect(&r, 0, "\"ledgerEntriesPosted\": 0");
    run(&r, 1,
        "bill preview --cycle 1 --period 2026-11 --issue-date 2026-11-20 "
        "--refresh");
    expect(&r, 5, "approved");
    run(&r, 0, "bill show INV-00000001");
    expect(&r, 0, "Expedite");
    ck_assert_int_eq(count("SELECT count(*) FROM billing.manual_charge"
                           " WHERE status = 'billed'"),
                     1);
}
END_TEST

/* The invoice documents of the demo walk's invoice, and the biller. */
START_TEST(invoice_documents)
{
    static run_result r;
    char path[] = "/tmp/tl-biller-XXXXXX";
    char out[] = "/tmp/tl-inv-XXXXXX";
    char args[512];
    FILE *f;
    int fd;

    run(&r, 0, "catalog load " DEMO "catalog.json");
    expect(&r, 0, NULL);
    run(&r, 0, "account load " DEMO "harbor-health.json");
    expect(&r, 0, NULL);
    run(&r, 0, "contracts load " DEMO "harbor-health-msa.json");
    expect(&r, 0, NULL);
    run(&r, 0, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    expect(&r, 0, NULL);
    run(&r, 0, "order accept SO-00000001");
    expect(&r, 0, NULL);
    run(&r, 0,
        "service milestone --order SO-00000001 --kind installed "
        "--date 2026-11-10");
    expect(&r, 0, NULL);
    run(&r, 0,
        "service milestone --order SO-00000001 --kind "
        "customer_accepted --date 2026-11-14");
    expect(&r, 0, NULL);
    run(&r, 0, "bill run --cycle 1 --period 2026-11 --issue-date 2026-11-20");
    expect(&r, 0, "2583.57");

    /* no biller yet */
    run(&r, 1, "bill invoice INV-00000001 --format html");
    expect(&r, 4, "no biller is loaded");

    /* a bad biller file: every problem with its path, exit 3 */
    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    fputs("{\"legalName\": \"Northern Lights Telecom, LLC\","
          " \"address\": {\"line1\": \"1 Monument Square\", \"city\":"
          " \"Portland\", \"region\": \"ME\", \"postcode\": \"04101\","
          " \"country\": \"US\"}, \"email\": \"billing\","
          " \"remittance\": {\"bankName\": \"Casco Bay Trust Company\","
          " \"accountNumber\": \"44-01\", \"routingNumber\": \"211370546\","
          " \"paymentTerms\": \"Net 30\"}}",
          f);
    fclose(f);
    snprintf(args, sizeof(args), "bill biller load %s --json", path);
    run(&r, 0, args);
    expect(&r, 3, "\"field\": \"taxId\"");
    expect(&r, 3, "\"field\": \"email\"");
    expect(&r, 3, "\"field\": \"remittance.accountNumber\"");
    expect(&r, 3, "\"field\": \"remittance.routingNumber\"");
    expect(&r, 3, "\"code\": \"checksum\"");
    snprintf(args, sizeof(args), "bill biller load %s", path);
    run(&r, 1, args);
    expect(&r, 3, "4 problems found:");
    unlink(path);
    ck_assert_int_eq(count("SELECT count(*) FROM billing.biller"), 0);
    run(&r, 1, "bill biller load /nonexistent/biller.json");
    expect(&r, 4, "cannot open /nonexistent/biller.json");
    run(&r, 1, "bill biller frobnicate");
    expect(&r, 2, "say `load FILE` or `show`");

    run(&r, 0, "bill biller load " DEMO "biller.json");
    expect(&r, 0, "biller loaded");
    run(&r, 0, "bill biller load " DEMO "biller.json --json");
    expect(&r, 0, "\"changed\": false");
    run(&r, 0, "bill biller show");
    expect(&r, 0, "Northern Lights Telecom, LLC");

    /* the formats */
    run(&r, 0, "bill invoice INV-00000001 --format ubl");
    expect(&r, 0, "<cbc:InvoiceTypeCode listID=\"UNCL1001\">380");
    expect(&r, 0, "<cac:OrderReference>\n    <cbc:ID>HH-PO-2026-0412</cbc:ID>");
    expect(&r, 0, "<cbc:PaymentID>INV-00000001</cbc:PaymentID>");
    /* the 1.25% regulatory fee on 2551.67 of charges */
    expect(&r, 0, "<cbc:TaxAmount currencyID=\"USD\">31.90</cbc:TaxAmount>");
    expect(&r, 0,
           "<cbc:TaxExclusiveAmount currencyID=\"USD\">2551.67"
           "</cbc:TaxExclusiveAmount>");
    expect(&r, 0,
           "<cbc:PayableAmount currencyID=\"USD\">2583.57</cbc:PayableAmount>");
    expect(&r, 0, "<cbc:ElectronicMail>ap-invoices@harborhealth.example<");
    fd = mkstemp(out);
    ck_assert_int_ge(fd, 0);
    close(fd);
    snprintf(args, sizeof(args),
             "bill invoice INV-00000001 --format ubl --validate --output %s",
             out);
    run(&r, 0, args);
    expect(&r, 0, "valid UBL 2.1");
    unlink(out);
    run(&r, 0, "bill invoice INV-00000001 --format json");
    expect(&r, 0,
           "\"taxIncludedAmount\": {\n    \"unit\": \"USD\",\n"
           "    \"value\": 2583.57\n  }");
    expect(&r, 0, "\"purchaseOrderNumber\": \"HH-PO-2026-0412\"");
    expect(&r, 0, "\"@type\": \"CustomerBill\"");
    run(&r, 0, "bill invoice INV-00000001 --format csv");
    expect(&r, 0, "document_number,document_kind,");
    expect(&r, 0, ",MRC,2026-11-14,2026-11-30,1,1150.00,,,651.67,internet,");
    run(&r, 0, "bill invoice INV-00000001 --format html");
    expect(&r, 0,
           "<tr class=\"due\"><td>Total due</td><td>USD</td>"
           "<td class=\"n\">2583.57</td></tr>");
    expect(&r, 0, "quoting the payment reference <strong>INV-00000001");
    expect(&r, 0, "<td>HH-PO-2026-0412</td>");

    /* refusals */
    run(&r, 1, "bill invoice INV-99999999 --format json");
    expect(&r, 4, "invoice INV-99999999 does not exist");
    run(&r, 1, "bill invoice INV-00000001 --format pdf");
    expect(&r, 2, "--format must be json, ubl, csv or html, not \"pdf\"");
    run(&r, 1, "bill invoice INV-00000001");
    expect(&r, 2, "--format is required");
    run(&r, 1, "bill invoice INV-00000001 --format csv --validate");
    expect(&r, 2, "--validate applies to --format ubl only");
}
END_TEST

START_TEST(catalog_commands)
{
    static run_result r;
    char path[] = "/tmp/tl-prices-XXXXXX";
    char args[256];
    FILE *f;
    int fd;

    run(&r, 0, "catalog load " DEMO "catalog.json");
    expect(&r, 0, "15 products, 25 service codes, 38 prices");
    run(&r, 0, "catalog list");
    expect(&r, 0, "EPL-1G       private_line  Ethernet Private Line 1 Gbps");
    run(&r, 0, "catalog list --json");
    expect(&r, 0, "\"id\": \"MGD-FIREWALL\"");
    run(&r, 0, "catalog show SIP --on 2026-12-01");
    expect(&r, 0, "SIP-PATH     MRC SIP trunk call path");
    expect(&r, 0, "x callPaths");
    run(&r, 0, "catalog show PRI --json");
    expect(&r, 0, "\"multipleOf\": 23");
    run(&r, 1, "catalog show NOPE");
    expect(&r, 4, "product NOPE is not in the catalog");
    run(&r, 0, "catalog price EPL1G --on 2026-10-01");
    expect(&r, 0,
           "EPL1G (Ethernet private line 1 Gbps, MRC) on 2026-10-01: "
           "USD 1725.00");
    expect(&r, 0, "from 2026-01-01  USD 1800.00");
    run(&r, 0, "catalog price DIA1G --currency CAD --on 2027-01-01 --json");
    expect(&r, 0, "\"amount\": \"3100.00\"");
    run(&r, 1, "catalog price DIA1G --on 2025-12-31");
    expect(&r, 4, "no USD list price on 2025-12-31");
    run(&r, 1, "catalog price NOPE");
    expect(&r, 4, "not in the catalog");
    run(&r, 1, "catalog price DIA1G --on 2026-13-01");
    expect(&r, 2, "--on must be a date");
    run(&r, 0,
        "catalog taxes --jurisdiction US-ME --category telecom"
        " --on 2026-07-01");
    expect(&r, 0, "35.2% since 2026-07-01");
    expect(&r, 0, "4 tax rules in force");
    run(&r, 0,
        "catalog taxes --jurisdiction US-ME --category equipment"
        " --on 2026-06-01 --json");
    expect(&r, 0, "\"ratePercent\": \"5.5\"");
    run(&r, 0, "catalog export --prices-csv");
    expect(&r, 0, "PRI-SPAN,USD,445.00,2027-01-01");
    run(&r, 0, "catalog export");
    expect(&r, 0, "\"taxRules\"");
    run(&r, 1, "catalog load");
    expect(&r, 2, "the catalog file is required");

    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    fputs("code,currency,amount,effectiveFrom\n"
          "DIA500,USD,1399.00,2027-06-01\n"
          "NOPE,USD,1.00,2027-06-01\n",
          f);
    fclose(f);
    snprintf(args, sizeof(args), "catalog load --prices %s --json", path);
    run(&r, 0, args);
    expect(&r, 3, "\"field\": \"row[3].code\"");
    f = fopen(path, "w");
    fputs("code,currency,amount,effectiveFrom\n"
          "DIA500,USD,1399.00,2027-06-01\n",
          f);
    fclose(f);
    snprintf(args, sizeof(args), "catalog load --prices %s", path);
    run(&r, 0, args);
    expect(&r, 0, "1 prices");
    run(&r, 0, args);
    expect(&r, 0, "0 prices");
    f = fopen(path, "w");
    fputs("code,currency,amount,effectiveFrom\n"
          "DIA500,USD,1.00,2027-06-01\n",
          f);
    fclose(f);
    run(&r, 1, args);
    expect(&r, 3, "[conflict]");
    unlink(path);
    run(&r, 0, "catalog price DIA500 --on 2027-06-01");
    expect(&r, 0, "USD 1399.00");
}
END_TEST

START_TEST(account_and_address_commands)
{
    static const char *const helps[] = {
        "account list",          "account status",  "account po",
        "account po-report",     "account agent",   "account ae",
        "account number-scheme", "address request", "address requests",
        "address approve",       "address reject",  NULL};
    static run_result r;
    char args[128];
    size_t i;

    for (i = 0; helps[i] != NULL; i++) {
        snprintf(args, sizeof(args), "%s --help", helps[i]);
        run(&r, 1, args);
        expect(&r, 0, "usage: trunkline");
    }
    run(&r, 1, "account load " DEMO "harbor-health.json");
    expect(&r, 0, "1 accounts, 3 sites, 7 details added");
    run(&r, 1, "account load " DEMO "northwind.json");
    expect(&r, 0, "3 accounts, 13 sites, 11 details added");
    run(&r, 1, "account load " DEMO "keystone.json");
    expect(&r, 0, NULL);
    run(&r, 0, "account show HH-1001 --on 2026-11-20 --json");
    expect(&r, 0, "\"ref\": \"SUMMIT\"");
    expect(&r, 0, "\"poNumber\": \"HH-PO-2026-0412\"");
    run(&r, 0, "account show NW-1001 --json");
    expect(&r, 0, "\"parentAccountNumber\": \"NW-1000\"");
    run(&r, 0, "account po-report --as-of 2026-11-20 --within 15 --json");
    expect(&r, 0, "\"problem\": \"expiring\"");
    run(&r, 0, "account list --customer NORTHWIND --json");
    expect(&r, 0, "\"accountNumber\": \"NW-1002\"");

    run(&r, 1,
        "account status KL-2001 --set suspended"
        " --reason '60 days past due'");
    expect(&r, 0, "KL-2001 is now suspended");
    run(&r, 1, "account status KL-2001 --set suspended --reason again");
    expect(&r, 5, "already suspended");
    run(&r, 0, "account status KL-2001 --set frozen --reason x --json");
    expect(&r, 3, "\"field\": \"status\"");
    run(&r, 1, "account status KL-2001 --set closed");
    expect(&r, 3, "a status change needs a reason");
    run(&r, 1, "account status NOPE-1 --set closed --reason x");
    expect(&r, 4, NULL);
    ck_assert_int_eq(
        count("SELECT count(*) FROM accounts.account_status_history"), 1);

    run(&r, 0,
        "account agent HH-1001 --agent BAYVIEW"
        " --name 'Bayview Agents' --from 2026-12-01 --json");
    expect(&r, 0, "\"changed\": true");
    run(&r, 0,
        "account po add HH-1001 --po HH-PO-2027 --from 2026-12-01"
        " --to 2027-11-30 --cap 65000.00 --json");
    expect(&r, 0, "\"added\": true");
    run(&r, 1,
        "account po add HH-1001 --po HH-PO-2027 --from 2026-12-01"
        " --to 2027-12-31");
    expect(&r, 5, "other values");

    run(&r, 1,
        "address request --line1 '100  harbor way' --city Portland"
        " --region ME --postcode 04101 --country US");
    expect(&r, 5, "already in the master");
    run(&r, 0,
        "address request --line1 '100 Harbour Way' --city Portland"
        " --region ME --postcode 04101 --country US --json");
    expect(&r, 0, "\"duplicateOf\"");
    run(&r, 1, "address reject 1");
    expect(&r, 2, "--reason TEXT is required");
    run(&r, 0, "address reject 1 --reason 'same building' --json");
    expect(&r, 0, "\"state\": \"rejected\"");
    run(&r, 1, "address approve 1");
    expect(&r, 5, "already rejected");
    run(&r, 0, "address requests --state rejected --json");
    expect(&r, 0, "\"reason\": \"same building\"");
}
END_TEST

START_TEST(migrations_listed_and_edited_file_refused)
{
    static run_result r;
    char dir[] = "/tmp/tl-sql-XXXXXX";
    char cmd[512];
    char args[256];

    run(&r, 0, "db status --json");
    expect(&r, 0, "\"name\": \"0008_collections.sql\"");
    ck_assert_ptr_null(strstr(r.out, "\"state\": \"pending\""));
    run(&r, 0, "db migrate");
    expect(&r, 0, "0 migrations applied");
    /* the same migrations with one applied file edited */
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd),
             "cp %s/sql/*.sql %s && echo '-- edited' >> %s/0003_accounts.sql",
             TL_SOURCE_DIR, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(args, sizeof(args), "db migrate --dir %s", dir);
    run(&r, 1, args);
    expect(&r, 5, "0003_accounts.sql was changed after it was applied");
    snprintf(args, sizeof(args), "db status --dir %s", dir);
    run(&r, 0, args);
    expect(&r, 0, "changed");
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

#define XML TL_SOURCE_DIR "/tests/fixtures/xml/"

START_TEST(partner_xml_and_batches)
{
    static run_result r;
    char dir[] = "/tmp/tl-batch-XXXXXX";
    char cmd[1024];
    char args[256];

    run(&r, 0, "catalog load " DEMO "catalog.json");
    run(&r, 0, "account load " DEMO "harbor-health.json");
    run(&r, 0, "order submit --received 2026-11-02 " XML "partner-orders.xml");
    expect(&r, 3, "SO-00000001 submitted (externalId SUMMIT-X-0001)");
    expect(&r, 3, "rejected (externalId SUMMIT-X-0002)");
    expect(&r, 3, "[unknown_product]");
    expect(&r, 3, "SO-00000002 submitted (externalId SUMMIT-X-0003)");
    expect(&r, 3, "2 submitted, 0 already submitted, 1 rejected");
    run(&r, 0,
        "order submit --received 2026-11-02 " XML "partner-orders.xml --json");
    expect(&r, 3, "\"alreadySubmitted\": 2");
    expect(&r, 3, "\"source\": \"" XML "partner-orders.xml#2\"");
    /* hostile and broken files store nothing */
    run(&r, 0, "order submit --received 2026-11-02 " XML "xxe.xml");
    expect(&r, 3, "[dtd_refused]");
    run(&r, 0, "order submit --received 2026-11-02 " XML "billion-laughs.xml");
    expect(&r, 3, "0 submitted, 0 already submitted, 1 rejected");
    run(&r, 0, "order submit --received 2026-11-02 " XML "schema-invalid.xml");
    expect(&r, 3, "[xsd]");
    ck_assert_int_eq(count("SELECT count(*) FROM orders.sales_order"), 2);
    /* a folder: every .json and .xml file in it, in name order */
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(cmd, sizeof(cmd),
             "cp %sorder-dia.json %s/a.json && cp %spartner-orders.xml %s/b.xml"
             " && echo ignored > %s/c.txt",
             DEMO, dir, XML, dir, dir);
    ck_assert_int_eq(system(cmd), 0);
    snprintf(args, sizeof(args), "order submit --received 2026-11-02 %s", dir);
    run(&r, 0, args);
    /* the demo order is for a site and product a partner order has open */
    expect(&r, 3, "[probable_duplicate]");
    expect(&r, 3, "0 submitted, 2 already submitted, 2 rejected");
    ck_assert_int_eq(count("SELECT count(*) FROM orders.sales_order"), 2);
    snprintf(args, sizeof(args),
             "order submit --received 2026-11-02 --allow-duplicate %s", dir);
    run(&r, 0, args);
    expect(&r, 3, "1 submitted, 2 already submitted, 1 rejected");
    ck_assert_int_eq(count("SELECT count(*) FROM orders.sales_order"), 3);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(order_desk_commands)
{
    static run_result r;

    run(&r, 0, "catalog load " DEMO "catalog.json");
    expect(&r, 0, NULL);
    run(&r, 0, "account load " DEMO "harbor-health.json");
    expect(&r, 0, NULL);
    run(&r, 0, "contracts load " DEMO "harbor-health-msa.json");
    expect(&r, 0, NULL);
    run(&r, 0, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    expect(&r, 0, "order SO-00000001 submitted");
    /* the coordinator holds it for a missing detail, with a reason */
    run(&r, 1, "order hold SO-00000001");
    expect(&r, 2, "--reason is required");
    run(&r, 0, "order hold SO-00000001 --reason 'site contact missing'");
    expect(&r, 0, "order SO-00000001 is held");
    run(&r, 0, "order feedback --since 2026-01-01");
    expect(&r, 0, "SUMMIT\n");
    expect(&r, 0, "held     SO-00000001");
    expect(&r, 0, "site contact missing");
    run(&r, 0, "order release SO-00000001");
    expect(&r, 0, "order SO-00000001 is submitted");
    run(&r, 1, "order release SO-00000001");
    expect(&r, 5, "only a held order is released");
    /* an account executive sees their own orders only */
    run(&r, 1, "order show SO-00000001 --as-ae AE-NOBODY");
    expect(&r, 4, "does not exist");
    run(&r, 0, "order show SO-00000001 --as-ae AE-RCHEN --as-of 2026-11-20");
    expect(&r, 0, "account executive AE-RCHEN, agent SUMMIT");
    /* the implementation timeline: due 2026-11-10, nothing done yet */
    expect(&r, 0, "implementation timeline (as of 2026-11-20):");
    expect(&r, 0,
           "item 1    installed          planned 2026-11-10 actual -"
           "  10 days late");
    run(&r, 0, "order find HH-1001 --as-ae AE-NOBODY");
    expect(&r, 0, "no order matches");
    run(&r, 0,
        "order queue pending_sales --as-of 2026-11-05 --agent SUMMIT"
        " --csv");
    expect(&r, 0, "order_number,external_id,account_number");
    expect(&r, 0, "SO-00000001,SUMMIT-HH-DIA-0001,HH-1001");
    run(&r, 0,
        "order queue pending_sales --as-of 2026-11-05 --ae AE-NOBODY"
        " --json");
    expect(&r, 0, "\"orders\": []");
    /* the sales audit finds nothing wrong with it */
    run(&r, 0, "order audit --since 2026-01-01");
    expect(&r, 0, "(no findings)");
    run(&r, 0, "order audit --since 2026-01-01 --csv");
    expect(&r, 0, "order_number,account_number,agent,item_id,finding,message");
    /* rejected: final, and in the feedback with the reason */
    run(&r, 0, "order reject SO-00000001 --reason 'no signed quote' --json");
    expect(&r, 0, "\"state\": \"rejected\"");
    run(&r, 0, "order feedback --salesperson SUMMIT --since 2026-01-01 --json");
    expect(&r, 0, "\"reason\": \"no signed quote\"");
    run(&r, 1, "order hold SO-00000001 --reason again");
    expect(&r, 5, "cannot become held");
}
END_TEST

START_TEST(equipment_commands)
{
    static run_result r;
    FILE *f;
    char path[] = "/tmp/tl-cli-eq-XXXXXX";
    char args[256];
    int fd;

    run(&r, 1, "equipment audit");
    expect(&r, 2, "--as-of is required");
    run(&r, 1, "equipment move X1");
    expect(&r, 2, "--to is required");
    run(&r, 1, "equipment requirements list");
    expect(&r, 2, "equipment requirements load FILE");
    run(&r, 0, "catalog load " DEMO "catalog.json");
    expect(&r, 0, NULL);
    run(&r, 0, "account load " DEMO "harbor-health.json");
    expect(&r, 0, NULL);
    run(&r, 0, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    expect(&r, 0, NULL);
    run(&r, 0, "order accept SO-00000001");
    expect(&r, 0, NULL);

    run(&r, 0,
        "equipment requirements load " DEMO "equipment-requirements.json");
    expect(&r, 0, "6 models added, 0 changed; 10 requirements added");
    run(&r, 0, "equipment load-movements " DEMO "equipment-stock.csv");
    expect(&r, 0, "11 rows: 9 items received, 11 movements added");
    run(&r, 0, "equipment load-movements " DEMO "equipment-stock.csv --json");
    expect(&r, 0, "\"alreadyLoaded\": true");

    fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    f = fdopen(fd, "w");
    fputs("reference,serial,mac,model,moved_on,to_kind,to_ref,circuit_id,"
          "order_number\n"
          "X-1,GHOST,,,2026-11-06,technician,Dana,,\n"
          "X-2,ARS33-100002,,,2026-11-06,customer_site,,DIA/000009,\n",
          f);
    fclose(f);
    snprintf(args, sizeof(args), "equipment load-movements %s --json", path);
    run(&r, 0, args);
    expect(&r, 3, "\"field\": \"row[2].serial\"");
    expect(&r, 3, "\"code\": \"unknown_serial\"");
    expect(&r, 3, "\"field\": \"row[3].circuit_id\"");
    unlink(path);
    ck_assert_int_eq(count("SELECT count(*) FROM"
                           " provisioning.equipment_movement"),
                     11);

    run(&r, 1, "equipment show NOPE");
    expect(&r, 4, "serial NOPE is not in inventory");
    run(&r, 1,
        "equipment receive --serial FTX2311A0AB --model ISR1111 "
        "--warehouse 'Portland DC' --date 2026-11-01");
    expect(&r, 5, "already in inventory");
    run(&r, 1,
        "equipment move FTX2311A0AB --to customer_site --circuit DIA/000009 "
        "--date 2026-11-10");
    expect(&r, 4, "not in the inventory");
    run(&r, 0,
        "equipment move FTX2311A0AB --to customer_site --circuit DIA/000001 "
        "--order SO-00000001 --date 2026-11-10 --json");
    expect(&r, 0, "\"status\": \"installed\"");
    expect(&r, 0, "\"accountNumber\": \"HH-1001\"");
    run(&r, 0, "equipment show FTX2311A0AB --json");
    expect(&r, 0, "\"history\"");
    expect(&r, 0, "\"orderNumber\": \"SO-00000001\"");
    run(&r, 0, "equipment show FTX2311A0AB");
    expect(&r, 0, "#2   2026-11-10  warehouse Portland DC -> customer_site");
    run(&r, 0, "equipment list --account HH-1001 --csv");
    expect(&r, 0,
           "FTX2311A0AB,,ISR1111,router,installed,customer_site,"
           "DIA/000001,HH-1001,DIA/000001");
    run(&r, 0, "equipment list --status assigned --json");
    expect(&r, 0, "\"serial\": \"ARS33-100001\"");

    run(&r, 0, "equipment audit --as-of 2027-01-05 --json");
    expect(&r, 0, "\"count\": 0");
    run(&r, 0,
        "service milestone --order SO-00000001 --kind installed "
        "--date 2026-11-10");
    expect(&r, 0, NULL);
    run(&r, 0,
        "service milestone --order SO-00000001 --kind customer_accepted "
        "--date 2026-11-14");
    expect(&r, 0, NULL);
    PQclear(PQexec(tl_db_pgconn(db),
                   "UPDATE provisioning.service SET state = 'disconnected',"
                   " disconnect_date = '2026-12-01'"));
    run(&r, 0, "equipment audit --as-of 2027-01-05 --fee 95.00 --json");
    expect(&r, 0, "\"code\": \"not_returned_after_disconnect\"");
    expect(&r, 0, "\"amount\": \"95.00\"");
    expect(&r, 0, "\"charge\": \"recorded\"");
    expect(&r, 0, "\"days\": 35");
    run(&r, 0, "equipment audit --as-of 2027-01-05 --fee 95.00 --csv");
    expect(&r, 0, "code,serial,model,kind,account_number,circuit_id");
    expect(&r, 0,
           "not_returned_after_disconnect,FTX2311A0AB,ISR1111,router,"
           "HH-1001,DIA/000001");
    expect(&r, 0, ",95.00,USD,already,");
    run(&r, 0, "equipment audit --as-of 2027-01-05");
    expect(&r, 0, "1 finding, 0 non-return fees recorded");
    ck_assert_int_eq(count("SELECT count(*) FROM"
                           " provisioning.equipment_charge"),
                     1);
}
END_TEST

START_TEST(provisioning_commands)
{
    static run_result r;

    run(&r, 0, "catalog load " DEMO "catalog.json");
    run(&r, 0, "account load " DEMO "harbor-health.json");
    run(&r, 0, "contracts load " DEMO "harbor-health-msa.json");
    run(&r, 0, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    run(&r, 0, "order accept SO-00000001");
    expect(&r, 0, "1 service created in inventory");

    /* tasks: routed when the order was opened */
    run(&r, 0, "task list --order SO-00000001 --json");
    expect(&r, 0, "\"kind\": \"assign IPv4 block and routing\"");
    expect(&r, 0, "\"team\": \"tech_support\"");
    run(&r, 1, "task list --team cooks");
    expect(&r, 3, "cooks is not a team");
    run(&r, 0, "task list --overdue-as-of 2026-11-08");
    expect(&r, 0, "1 task");
    run(&r, 0, "task check --as-of 2026-11-08");
    expect(&r, 0, "1 order put in jeopardy");
    run(&r, 0, "order queue pending_installation --as-of 2026-11-08 --json");
    run(&r, 0, "task assign 1 --owner jlee --json");
    expect(&r, 0, "\"owner\": \"jlee\"");
    run(&r, 0, "task start 1");
    expect(&r, 0, "task 1 is in_progress");
    run(&r, 0, "task done 1");
    expect(&r, 0, "task 1 is done");
    run(&r, 1, "task cancel 1 --reason late");
    expect(&r, 5, "already done");
    run(&r, 1, "task cancel 2");
    expect(&r, 2, "--reason TEXT is required");
    run(&r, 1, "task done 99");
    expect(&r, 4, "task 99 does not exist");
    run(&r, 1, "task done abc");
    expect(&r, 2, "must be a whole number");
    run(&r, 0, "task check --as-of 2026-11-08 --json");
    expect(&r, 0, "\"cleared\": 1");

    /* milestones, automatic acceptance, timeline, history */
    run(&r, 1, "service milestone --order SO-00000001 --kind installed");
    expect(&r, 2, "--date is required");
    run(&r, 1,
        "service milestone --order SO-00000001 --kind turn_up "
        "--date 2026-11-10");
    expect(&r, 5, "cannot be turned up before it is installed");
    run(&r, 0,
        "service milestone --order SO-00000001 --kind installed "
        "--date 2026-11-10");
    expect(&r, 0, "installed 2026-11-10");
    run(&r, 1,
        "service milestone --circuit DIA/000001 --kind installed "
        "--date 2026-11-11");
    expect(&r, 5, "already recorded on 2026-11-10");
    run(&r, 0, "service auto-accept --as-of 2026-11-14");
    expect(&r, 0, "0 services accepted");
    run(&r, 0, "service auto-accept --as-of 2026-11-20 --json");
    expect(&r, 0, "\"acceptanceDate\": \"2026-11-15\"");
    run(&r, 0, "service timeline SO-00000001 --as-of 2026-11-20");
    expect(&r, 0, "installed          planned 2026-11-10 actual 2026-11-10");
    run(&r, 0, "service timeline SO-00000001 --json");
    expect(&r, 0, "\"automatic\": true");
    run(&r, 1, "service timeline SO-00000009");
    expect(&r, 4, NULL);
    run(&r, 0, "service show DIA/000001 --as-of 2026-11-12 --json");
    expect(&r, 0, "\"asOf\": {");
    expect(&r, 0, "\"kind\": \"created\"");
    run(&r, 1, "service show DIA/000001 --as-of 2026-11-01");
    expect(&r, 4, "not yet in service on 2026-11-01");
    run(&r, 1, "service show NOPE/000001");
    expect(&r, 4, "not in the inventory");
    run(&r, 0, "service history DIA/000001");
    expect(&r, 0, "activated");

    /* the service-code audit */
    run(&r, 0, "service audit-codes --as-of 2026-11-30 --json");
    expect(&r, 0, "\"count\": 0");
    run(&r, 1,
        "service change-codes DIA/000001 --codes DIA100,NOPE "
        "--date 2026-11-20");
    expect(&r, 3, "NOPE is not a service code");
    run(&r, 0,
        "service change-codes DIA/000001 --codes DIA100,DIA-INST "
        "--date 2026-11-20");
    expect(&r, 0, "the audit will report it");
    run(&r, 0, "service audit-codes --as-of 2026-11-30 --csv");
    expect(&r, 0, "circuit,account,product,finding,code,monthlyDifference");
    expect(&r, 0, "DIA/000001,HH-1001,DIA,change_without_order,,-500.00,");
    run(&r, 0, "service audit-codes --as-of 2026-11-30");
    expect(&r, 0, "3 findings");

    /* suspend and restore */
    run(&r, 1, "service suspend DIA/000001");
    expect(&r, 2, "--reason TEXT is required");
    run(&r, 1, "service restore DIA/000001 --reason paid");
    expect(&r, 5, "only a suspended service is restored");
    run(&r, 0, "service suspend DIA/000001 --reason '90 days past due'");
    expect(&r, 0, "suspend request 1 for DIA/000001 is requested");
    run(&r, 0, "service suspend DIA/000001 --reason '90 days past due' --json");
    expect(&r, 0, "\"created\": false");
    run(&r, 0, "service requests --state requested --json");
    expect(&r, 0, "\"kind\": \"suspend\"");
    run(&r, 0, "service request-done 1 --date 2026-12-05");
    expect(&r, 0, "request 1 is done");
    run(&r, 0, "service show DIA/000001 --json");
    expect(&r, 0, "\"state\": \"suspended\"");
    run(&r, 0, "service restore DIA/000001 --reason paid");
    run(&r, 1, "service withdraw 2");
    expect(&r, 2, "--reason TEXT is required");
    run(&r, 0, "service withdraw 2 --reason 'cheque bounced' --json");
    expect(&r, 0, "\"state\": \"cancelled\"");
    run(&r, 1, "service request-done 2");
    expect(&r, 5, "already cancelled");
    run(&r, 1, "service request-done 7");
    expect(&r, 4, "request 7 does not exist");
    run(&r, 0, "service requests");
    expect(&r, 0, "cheque bounced");
}
END_TEST

/* Reconciliation, the finance report and the GL export on the demo walk's
 * invoice. */
START_TEST(reconcile_and_gl_commands)
{
    static run_result r;
    static run_result first;
    static char file[4096];
    char path[256];
    char cmd[512];
    FILE *f;
    size_t n;

    run(&r, 0, "catalog load " DEMO "catalog.json");
    run(&r, 0, "account load " DEMO "harbor-health.json");
    run(&r, 0, "contracts load " DEMO "harbor-health-msa.json");
    run(&r, 0, "order submit --received 2026-11-02 " DEMO "order-dia.json");
    run(&r, 0, "order accept SO-00000001");
    run(&r, 0,
        "service milestone --order SO-00000001 --kind installed "
        "--date 2026-11-10");
    run(&r, 0,
        "service milestone --order SO-00000001 --kind "
        "customer_accepted --date 2026-11-14");
    run(&r, 0, "bill run --cycle 1 --period 2026-11 --issue-date 2026-11-20");
    expect(&r, 0, "2583.57");

    run(&r, 1, "bill reconcile --as-of 2026-11-31");
    expect(&r, 2, "--as-of must be a date");
    run(&r, 1, "bill reconcile --csv --json");
    expect(&r, 2, "choose --csv or --json");
    run(&r, 1, "bill reconcile --account NO-SUCH");
    expect(&r, 4, "account NO-SUCH does not exist");
    run(&r, 0, "bill reconcile --as-of 2026-11-30");
    expect(&r, 0, "no findings");
    expect(&r, 0, "install_never_charged    0");
    run(&r, 0, "bill reconcile --as-of 2027-01-15 --csv");
    expect(&r, 0,
           "finding,account,circuit,product,code,from,to,currency,billed,"
           "expected,amount,message\n"
           "active_not_billed,HH-1001,DIA/000001,DIA,DIA500,2027-01-01,"
           "2027-01-16,USD,,1150.00,1150.00,");
    run(&r, 0, "bill reconcile --as-of 2027-01-15 --account HH-1001 --json");
    expect(&r, 0, "\"count\": 1");
    expect(&r, 0, "\"finding\": \"active_not_billed\"");

    run(&r, 1, "bill finance-report --from 2026-13");
    expect(&r, 2, "--from YYYY-MM is required");
    run(&r, 1, "bill finance-report --from 2026-12 --to 2026-11");
    expect(&r, 3, "the last month is before the first");
    run(&r, 0, "bill finance-report --from 2026-11 --to 2026-12 --csv");
    expect(&r, 0,
           "2026-11,USD,DIA,1,1801.67,750.00,,2551.67,,,,,\n"
           "2026-11,USD,TOTAL,1,1801.67,750.00,31.90,2583.57,2583.57,2583.57,"
           "0.00,ties,\n");
    run(&r, 0, "bill finance-report --from 2026-11 --json");
    expect(&r, 0, "\"tiesOut\": true");

    run(&r, 1, "bill gl-export --run 1 --cash-day 2026-12-28");
    expect(&r, 2, "give --run RUN, --cash-day DATE or --ledger-day DATE");
    run(&r, 1, "bill gl-export --run 1");
    expect(&r, 3, "missing_gl_account");
    run(&r, 0, "bill gl-accounts load " DEMO "gl-accounts.json");
    expect(&r, 0, "24 added, 0 updated, 0 unchanged");
    run(&r, 0, "bill gl-accounts load " DEMO "gl-accounts.json --json");
    expect(&r, 0, "\"unchanged\": 24");
    run(&r, 1, "bill gl-export --run 9");
    expect(&r, 4, "bill run 9 does not exist");
    run(&first, 0, "bill gl-export --run 1");
    expect(&first, 0,
           "journal,line,date,account,account_name,description,currency,"
           "debit,credit\n"
           "BR-1,1,2026-11-20,1200,Accounts receivable - trade,"
           "Invoices of bill run 1 (1),USD,2583.57,\n"
           "BR-1,2,2026-11-20,4110,Dedicated internet access revenue,"
           "Revenue DIA,USD,,2551.67\n"
           "BR-1,3,2026-11-20,2300,Taxes and surcharges payable,"
           "Tax payable US-REG,USD,,31.90\n");
    run(&r, 1, "bill gl-export --run 1");
    expect(&r, 5, "already_exported");
    run(&r, 0, "bill gl-export --run 1 --again");
    ck_assert_str_eq(r.out, first.out);

    run(&r, 0,
        "payment post --account HH-1001 --amount 2600.00 "
        "--date 2026-12-28 --reference W1 --invoice INV-00000001");
    run(&r, 1, "bill gl-export --cash-day 2026-12-27");
    expect(&r, 4, "nothing to export");
    snprintf(path, sizeof(path), "/tmp/tl-gl-%ld.csv", (long)getpid());
    snprintf(cmd, sizeof(cmd),
             "bill gl-export --cash-day 2026-12-28 --output %s --json", path);
    run(&r, 0, cmd);
    expect(&r, 0, "\"journal\": \"CASH-2026-12-28\"");
    expect(&r, 0, "\"amount\": \"2600.00\"");
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    n = fread(file, 1, sizeof(file) - 1, f);
    file[n] = '\0';
    fclose(f);
    unlink(path);
    ck_assert_ptr_nonnull(
        strstr(file, "Payments not applied (credit on account),USD,,16.43\n"));
    run(&r, 0, "bill gl-export --cash-day 2026-12-28 --again");
    ck_assert_str_eq(r.out, file);

    /* a day of ledger documents: an account-level credit memo */
    run(&r, 1, "bill gl-export --ledger-day 2026-12-32");
    expect(&r, 2, "--ledger-day must be a date");
    run(&r, 1, "bill gl-export --cash-day 2026-12-29 --ledger-day 2026-12-29");
    expect(&r, 2, "give --run RUN, --cash-day DATE or --ledger-day DATE");
    run(&r, 1, "bill gl-export --ledger-day 2026-12-29");
    expect(&r, 4, "the ledger day 2026-12-29 has nothing to export");
    run(&r, 0,
        "ledger post --kind credit_memo --account HH-1001 --amount 20.00 "
        "--reference CM-G1 --reason goodwill --date 2026-12-29");
    run(&first, 0, "bill gl-export --ledger-day 2026-12-29");
    expect(&first, 0,
           "journal,line,date,account,account_name,description,currency,"
           "debit,credit\n"
           "LEDGER-2026-12-29,1,2026-12-29,4950,"
           "Revenue adjustments - credit and debit memos,"
           "Credit memos 2026-12-29 (1),USD,20.00,\n"
           "LEDGER-2026-12-29,2,2026-12-29,1200,Accounts receivable - trade,"
           "Credit memos 2026-12-29 (1),USD,,20.00\n");
    run(&r, 1, "bill gl-export --ledger-day 2026-12-29");
    expect(&r, 5, "already_exported");
    run(&r, 0, "bill gl-export --ledger-day 2026-12-29 --again");
    ck_assert_str_eq(r.out, first.out);
    run(&r, 0, "bill gl-export --ledger-day 2026-12-29 --again --json");
    expect(&r, 0, "\"kind\": \"ledger_day\"");
    expect(&r, 0, "\"created\": false");
}
END_TEST

/* commission plan|run|show|audit: exit codes, --json, idempotent plans. */
START_TEST(commission_commands)
{
    static run_result r;

    run(&r, 0, "account load " DEMO "harbor-health.json");
    expect(&r, 0, NULL);
    run(&r, 1,
        "commission plan --agent SUMMIT --kind percent_collected"
        " --rate 12.5% --from 2026-01-01");
    expect(&r, 2, "--rate PERCENT");
    run(&r, 0,
        "commission plan --agent SUMMIT --kind percent_collected"
        " --rate 12 --term 36 --clawback 6 --from 2026-01-01 --json");
    expect(&r, 0, "\"created\": true");
    run(&r, 0,
        "commission plan --agent SUMMIT --kind percent_collected"
        " --rate 12 --term 36 --clawback 6 --from 2026-01-01");
    expect(&r, 0, "was already defined");
    run(&r, 0, "commission plan --agent SUMMIT --json");
    expect(&r, 0, "\"ratePercent\": \"12\"");
    run(&r, 0,
        "commission plan --agent NOBODY --kind upfront_nrc --rate 5"
        " --from 2026-01-01 --json");
    expect(&r, 4, "\"unknown_person\"");
    run(&r, 0, "commission run --agent SUMMIT --month 2026-12 --json");
    expect(&r, 0, "\"statements\": 0");
    run(&r, 0, "commission show --agent SUMMIT --month 2026-12 --json");
    expect(&r, 4, "\"no_statement\"");
    run(&r, 0, "commission audit --month 2026-12 --json");
    expect(&r, 0, "\"findings\": 0");
    ck_assert_int_eq(count("SELECT count(*) FROM commissions.plan"), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, usage_errors_exit_2);
    tcase_add_test(tc, every_command_has_help);
    tcase_add_test(tc, missing_and_broken_files);
    tcase_add_test(tc, bad_order_is_refused_and_nothing_stored);
    tcase_add_test(tc, demo_walk_bills_and_collects);
    tcase_add_test(tc, invoice_documents);
    tcase_add_test(tc, bill_lifecycle_commands);
    tcase_add_test(tc, migrations_listed_and_edited_file_refused);
    tcase_add_test(tc, partner_xml_and_batches);
    tcase_add_test(tc, account_and_address_commands);
    tcase_add_test(tc, catalog_commands);
    tcase_add_test(tc, order_desk_commands);
    tcase_add_test(tc, equipment_commands);
    tcase_add_test(tc, provisioning_commands);
    tcase_add_test(tc, reconcile_and_gl_commands);
    tcase_add_test(tc, commission_commands);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
