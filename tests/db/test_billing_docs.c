/*
 * Invoice documents against a database: the biller load (every problem
 * with its path, idempotent, audited), the PO the bill run quotes, and
 * billing_doc_load of the skeleton invoice to the cent, rendered and
 * validated.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "billing/document.h"
#include "common/json.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

#define DEMO TL_SOURCE_DIR "/demo/"

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

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);

    ck_assert_msg(doc != NULL, "%s", jerr.text);
    return doc;
}

static void assert_problem(const char *field, const char *code)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0 &&
            strcmp(err.problems[i].code, code) == 0)
            return;
    ck_abort_msg("no %s problem at %s", code, field);
}

static void load_demo_biller(void)
{
    json_t *doc = NULL;
    int changed = 0;

    ck_assert_int_eq(
        tl_json_load_file(&doc, DEMO "biller.json", TL_JSON_MAX_BYTES, &err),
        0);
    ck_assert_int_eq(billing_biller_load(&changed, db, doc, "test", &err), 0);
    json_decref(doc);
}

/* ---- the biller ---- */

START_TEST(biller_load_reports_every_problem_and_stores_nothing)
{
    json_t *doc = parse(
        "{\"legalName\": \"\", \"colour\": \"blue\","
        " \"address\": {\"line1\": \"1 Monument Square\", \"city\": "
        "\"Portland\", \"region\": \"ME\", \"country\": \"usa\"},"
        " \"taxId\": 10654321, \"email\": \"billing at example\","
        " \"remittance\": {\"bankName\": \"Casco Bay Trust Company\","
        "  \"accountNumber\": \"4401882907\", \"iban\": "
        "\"GB82WEST12345698765432\","
        "  \"routingNumber\": \"211370546\", \"paymentTerms\": \"Net 30\"}}");
    int changed = 1;

    ck_assert_int_eq(billing_biller_load(&changed, db, doc, "test", &err),
                     TL_EINVALID);
    ck_assert_int_eq(changed, 0);
    assert_problem("colour", "unknown_field");
    assert_problem("legalName", "empty");
    assert_problem("address.postcode", "required");
    assert_problem("address.country", "too_long");
    assert_problem("taxId", "type");
    assert_problem("email", "format");
    assert_problem("remittance", "conflict");
    assert_problem("remittance.routingNumber", "checksum");
    ck_assert_int_eq(err.n_problems, 8);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM billing.biller"), 0);
    json_decref(doc);
    tl_err_clear(&err);

    doc = parse("{\"legalName\": \"X\", \"address\": {\"line1\": \"1\","
                " \"city\": \"C\", \"region\": \"R\", \"postcode\": \"P\","
                " \"country\": \"GB\"}, \"taxId\": \"T\", \"email\": "
                "\"a@b.example\", \"remittance\": {\"bankName\": \"B\","
                " \"iban\": \"GB82WEST12345698765433\", \"bic\": \"WEST12\","
                " \"paymentTerms\": \"Net 30\"}}");
    ck_assert_int_eq(billing_biller_load(&changed, db, doc, "test", &err),
                     TL_EINVALID);
    assert_problem("remittance.iban", "checksum");
    assert_problem("remittance.bic", "format");
    ck_assert_int_eq(err.n_problems, 2);
    json_decref(doc);
}
END_TEST

START_TEST(biller_load_is_idempotent_and_audited)
{
    json_t *doc = NULL;
    billing_biller_t b;
    int changed = 0;

    ck_assert_int_eq(billing_biller_get(&b, db, &err), TL_ENOTFOUND);
    ck_assert_str_eq(err.field, "biller");
    tl_err_clear(&err);
    ck_assert_int_eq(
        tl_json_load_file(&doc, DEMO "biller.json", TL_JSON_MAX_BYTES, &err),
        0);
    ck_assert_int_eq(billing_biller_load(&changed, db, doc, "test", &err), 0);
    ck_assert_int_eq(changed, 1);
    ck_assert_int_eq(billing_biller_load(&changed, db, doc, "test", &err), 0);
    ck_assert_int_eq(changed, 0);
    ck_assert_int_eq(billing_biller_get(&b, db, &err), 0);
    ck_assert_str_eq(b.legal_name, "Northern Lights Telecom, LLC");
    ck_assert_str_eq(b.line2, "Suite 600");
    ck_assert_str_eq(b.routing_id, "211370545");
    ck_assert_int_eq(b.iban, 0);
    ck_assert_int_eq(b.bic, 0);

    /* a new bank account replaces the old one, audited before and after */
    json_object_set_new(json_object_get(doc, "remittance"), "accountNumber",
                        json_string("4401882915"));
    ck_assert_int_eq(billing_biller_load(&changed, db, doc, "test", &err), 0);
    ck_assert_int_eq(changed, 1);
    ck_assert_int_eq(billing_biller_get(&b, db, &err), 0);
    ck_assert_str_eq(b.account_id, "4401882915");
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM billing.biller"), 1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'bill.biller'"),
                     2);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                        " WHERE action = 'bill.biller' AND before IS NOT NULL"
                        " AND before->'remittance'->>'accountNumber' ="
                        " '4401882907'"),
        1);
    json_decref(doc);
}
END_TEST

/* ---- documents of real invoices ---- */

/* The skeleton up to an accepted, billable DIA service on HH-1001
 * (cycle 1; DIA500 at 1150.00 by contract; accepted 2026-11-14). */
static void billable_book(void)
{
    provisioning_service_t svc;
    char circuit[48];
    PGresult *res;

    tl_fx_catalog(db);
    tl_fx_account(db, "HH-1001", 1, 100);
    tl_fx_contract(db, "HH-1001", "2026-10-01", "1150.00");
    tl_fx_order(db, "HH-1001", "EXT-9", 100);
    res =
        PQexec(tl_db_pgconn(db), "SELECT circuit_id FROM provisioning.service");
    ck_assert_int_eq(PQntuples(res), 1);
    snprintf(circuit, sizeof(circuit), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "installed",
                                      day("2026-11-10"), "test", &err),
        0);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-11-14"), "test", &err),
        0);
}

static void add_po(const char *number, const char *from, const char *to)
{
    accounts_po_t po;
    int added = 0;

    memset(&po, 0, sizeof(po));
    snprintf(po.account_number, sizeof(po.account_number), "HH-1001");
    snprintf(po.po_number, sizeof(po.po_number), "%s", number);
    po.valid_from = day(from);
    po.valid_to = day(to);
    ck_assert_int_eq(accounts_po_add(&added, db, &po, "test", &err), 0);
    ck_assert_int_eq(added, 1);
}

static void run_november(void)
{
    billing_run_result run;

    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-20"), "test", &err), 0);
    ck_assert_int_eq(run.invoice_count, 1);
}

START_TEST(unknown_invoice_and_missing_biller_are_not_found)
{
    billing_doc doc;

    ck_assert_int_eq(billing_doc_load(&doc, db, "INV-99999999", &err),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.field, "invoice");
    ck_assert_uint_eq(doc.n_lines, 0);
    tl_err_clear(&err);
    billable_book();
    run_november();
    ck_assert_int_eq(billing_doc_load(&doc, db, "INV-00000001", &err),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "no_biller");
    ck_assert_ptr_null(doc.lines);
}
END_TEST

START_TEST(the_skeleton_invoice_loads_to_the_cent_with_its_po)
{
    static const struct {
        const char *code;
        const char *kind;
        int64_t amount;
        const char *from; /* NULL for an NRC */
        const char *to;
    } expect[] = {
        {"DIA-INST", "NRC", 75000, NULL, NULL},
        {"DIA500", "MRC", 65167, "2026-11-14", "2026-12-01"},
        {"DIA500", "MRC", 115000, "2026-12-01", "2027-01-01"},
    };
    billing_doc doc;
    char *out = NULL;
    size_t len = 0;
    size_t i;

    billable_book();
    load_demo_biller();
    /* an older PO ended before the issue date; the one in force is quoted */
    add_po("HH-PO-2026-0101", "2026-01-01", "2026-10-31");
    add_po("HH-PO-2026-0412", "2026-11-01", "2026-11-30");
    run_november();
    ck_assert_int_eq(billing_doc_load(&doc, db, "INV-00000001", &err), 0);
    ck_assert_int_eq(doc.kind, BILLING_DOC_INVOICE);
    ck_assert_str_eq(doc.number, "INV-00000001");
    ck_assert_str_eq(doc.currency, "USD");
    ck_assert_int_eq(doc.issue_date, day("2026-11-20"));
    ck_assert_int_eq(doc.due_date, day("2026-12-20"));
    ck_assert_int_eq(doc.period.start, day("2026-11-01"));
    ck_assert_int_eq(doc.period.end, day("2026-12-01"));
    ck_assert_str_eq(doc.po_number, "HH-PO-2026-0412");
    ck_assert_str_eq(doc.account_number, "HH-1001");
    ck_assert_str_eq(doc.account_name, "Account HH-1001");
    ck_assert_str_eq(doc.customer_ref, "HH-1001-CUST");
    ck_assert_str_eq(doc.customer_name, "Customer HH-1001");
    ck_assert_str_eq(doc.bill_to.name, "Account HH-1001");
    ck_assert_str_eq(doc.seller.name, "Northern Lights Telecom, LLC");
    ck_assert_str_eq(doc.remittance.reference, "INV-00000001");
    ck_assert_str_eq(doc.remittance.account, "4401882907");
    ck_assert_uint_eq(doc.n_lines, 3);
    for (i = 0; i < 3; i++) {
        const billing_doc_line *l = &doc.lines[i];

        ck_assert_int_eq(l->line_no, (int)i + 1);
        ck_assert_str_eq(l->service_code, expect[i].code);
        ck_assert_str_eq(l->charge_kind, expect[i].kind);
        ck_assert_int_eq(l->amount.minor, expect[i].amount);
        ck_assert_str_eq(l->amount.cur, "USD");
        ck_assert_int_eq(l->quantity, 1);
        ck_assert_int_eq(strncmp(l->circuit_id, "DIA/", 4), 0);
        ck_assert_int_eq(l->has_period, expect[i].from != NULL);
        if (expect[i].from != NULL) {
            ck_assert_int_eq(l->period.start, day(expect[i].from));
            ck_assert_int_eq(l->period.end, day(expect[i].to));
            ck_assert_int_eq(l->unit_price.minor, 115000);
        }
    }
    /* no tax lines yet: tax 0.00 */
    ck_assert_uint_eq(doc.n_tax_lines, 0);
    ck_assert_int_eq(doc.subtotal.minor, 255167);
    ck_assert_int_eq(doc.tax.minor, 0);
    ck_assert_int_eq(doc.total.minor, 255167);
    ck_assert_int_eq(billing_doc_check(&doc, &err), 0);

    ck_assert_int_eq(billing_render_ubl(&out, &len, &doc, &err), 0);
    ck_assert_msg(billing_ubl_validate(out, len, &err) == 0, "%s: %s",
                  err.field, err.message);
    ck_assert_ptr_nonnull(strstr(out, "<cbc:ID>HH-PO-2026-0412</cbc:ID>"));
    ck_assert_ptr_nonnull(strstr(out, "<cbc:PayableAmount currencyID=\"USD\">"
                                      "2551.67</cbc:PayableAmount>"));
    free(out);
    ck_assert_int_eq(billing_render_json(&out, &len, &doc, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"taxIncludedAmount\": {\n"
                                      "    \"unit\": \"USD\",\n"
                                      "    \"value\": 2551.67\n"));
    free(out);
    billing_doc_free(&doc);
}
END_TEST

START_TEST(no_po_in_force_on_the_issue_date_quotes_none)
{
    billing_doc doc;
    char *out = NULL;
    size_t len = 0;

    billable_book();
    load_demo_biller();
    add_po("HH-PO-2026-1201", "2026-12-01", "2027-11-30");
    run_november();
    ck_assert_int_eq(billing_doc_load(&doc, db, "INV-00000001", &err), 0);
    ck_assert_str_eq(doc.po_number, "");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM billing.invoice"
                                     " WHERE po_number IS NULL"),
                     1);
    ck_assert_int_eq(billing_render_ubl(&out, &len, &doc, &err), 0);
    ck_assert_ptr_null(strstr(out, "OrderReference"));
    free(out);
    billing_doc_free(&doc);
}
END_TEST

/* Tax lines the engine will write are read back in order, and the
 * database refuses a line with both a rate and a per-unit amount. */
START_TEST(tax_lines_are_loaded_and_checked)
{
    billing_doc doc;
    char *out = NULL;
    size_t len = 0;
    PGresult *res;

    billable_book();
    load_demo_biller();
    run_november();
    res = PQexec(tl_db_pgconn(db),
                 "INSERT INTO billing.invoice_tax_line (account_id,"
                 " invoice_id, line_no, jurisdiction, tax_code, name, kind,"
                 " base_minor, rate_ppm, per_unit_minor, amount_minor)"
                 " SELECT account_id, invoice_id, n, j, c, nm, k, 180167, r,"
                 " u, a FROM billing.invoice, (VALUES"
                 " (2, 'US-ME', 'E911', 'Maine E911 surcharge', 'tax',"
                 "  NULL::bigint, 75::bigint, 150::bigint),"
                 " (1, 'US', 'US-FUSF', 'Federal USF', 'surcharge', 33000,"
                 "  NULL, 5946)) AS t(n, j, c, nm, k, r, u, a);"
                 "UPDATE billing.invoice SET tax_minor = 6096,"
                 " total_minor = 261263");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    ck_assert_int_eq(billing_doc_load(&doc, db, "INV-00000001", &err), 0);
    ck_assert_uint_eq(doc.n_tax_lines, 2);
    ck_assert_str_eq(doc.tax_lines[0].tax_code, "US-FUSF");
    ck_assert_int_eq(doc.tax_lines[0].has_rate, 1);
    ck_assert_int_eq(doc.tax_lines[0].rate_ppm, 33000);
    ck_assert_int_eq(doc.tax_lines[0].amount.minor, 5946);
    ck_assert_str_eq(doc.tax_lines[1].tax_code, "E911");
    ck_assert_int_eq(doc.tax_lines[1].has_per_unit, 1);
    ck_assert_int_eq(doc.tax_lines[1].per_unit.minor, 75);
    ck_assert_int_eq(doc.total.minor, 261263);
    ck_assert_int_eq(billing_render_ubl(&out, &len, &doc, &err), 0);
    ck_assert_int_eq(billing_ubl_validate(out, len, &err), 0);
    free(out);
    billing_doc_free(&doc);

    res = PQexec(tl_db_pgconn(db),
                 "INSERT INTO billing.invoice_tax_line (account_id,"
                 " invoice_id, line_no, jurisdiction, tax_code, name, kind,"
                 " base_minor, rate_ppm, per_unit_minor, amount_minor)"
                 " SELECT account_id, invoice_id, 3, 'US', 'X', 'X', 'tax',"
                 " 0, 1, 1, 0 FROM billing.invoice");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME),
                     "invoice_tax_line_one_basis");
    PQclear(res);
}
END_TEST

static Suite *docs_suite(void)
{
    Suite *s = suite_create("billing_docs");
    TCase *tc = tcase_create("billing_docs");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, biller_load_reports_every_problem_and_stores_nothing);
    tcase_add_test(tc, biller_load_is_idempotent_and_audited);
    tcase_add_test(tc, unknown_invoice_and_missing_biller_are_not_found);
    tcase_add_test(tc, the_skeleton_invoice_loads_to_the_cent_with_its_po);
    tcase_add_test(tc, no_po_in_force_on_the_issue_date_quotes_none);
    tcase_add_test(tc, tax_lines_are_loaded_and_checked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(docs_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
