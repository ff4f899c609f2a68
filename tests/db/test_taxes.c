/*
 * Taxes against a database, on the skeleton invoice (HH-1001, Portland
 * ME: DIA-INST 750.00 on 2026-11-14, DIA500 651.67 for 2026-11-14 ->
 * 12-01 and 1150.00 for December; subtotal 2551.67) with the demo
 * catalog's tax rules, DIA500 taxed as telecom and DIA-INST as
 * installation: the lines read from the invoice, the tax computed to the
 * cent, exemption certificates in force and past their validTo, and
 * billing_tax_invoice writing, repeating, and refusing to rewrite.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/document.h"
#include "billing/taxes.h"
#include "catalog/catalog.h"
#include "common/json.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

#define DEMO TL_SOURCE_DIR "/demo/"

static tl_db *db;
static tl_err err;
static int64_t account_id;

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
                  "%s", PQerrorMessage(tl_db_pgconn(db)));
    PQclear(res);
}

/* The fixture codes with tax categories, and the demo catalog's tax
 * rules, loaded through catalog_load. */
static void load_tax_catalog(void)
{
    json_t *demo = NULL;
    json_error_t jerr;
    json_t *doc = json_loads(
        "{\"serviceCodes\": ["
        " {\"code\": \"DIA500\", \"name\": \"DIA 500 Mbps port\","
        "  \"chargeKind\": \"MRC\", \"taxCategory\": \"telecom\","
        "  \"prices\": [{\"currency\": \"USD\", \"amount\": \"1450.00\","
        "  \"effectiveFrom\": \"2026-01-01\"}]},"
        " {\"code\": \"DIA-INST\", \"name\": \"DIA installation\","
        "  \"chargeKind\": \"NRC\", \"nrcCategory\": \"installation\","
        "  \"taxCategory\": \"installation\","
        "  \"prices\": [{\"currency\": \"USD\", \"amount\": \"750.00\","
        "  \"effectiveFrom\": \"2026-01-01\"}]}]}",
        0, &jerr);
    catalog_load_result res;

    ck_assert_msg(doc != NULL, "%s", jerr.text);
    ck_assert_int_eq(
        tl_json_load_file(&demo, DEMO "catalog.json", TL_JSON_MAX_BYTES, &err),
        0);
    json_object_set(doc, "taxRules", json_object_get(demo, "taxRules"));
    ck_assert_msg(catalog_load(&res, db, doc, "test", &err) == 0, "%s: %s",
                  err.field, err.message);
    ck_assert_int_eq(res.tax_categories_added, 2);
    ck_assert_int_eq(res.tax_rules_added, 6);
    json_decref(doc);
    json_decref(demo);
}

static void exempt(const char *cert, const char *jur, const char *from,
                   const char *to);

/* The skeleton invoice as the bill run makes it (taxed by the run):
 * INV-00000001. categories 0 takes the codes' tax categories away first;
 * exempt_maine gives the account a US-ME exemption until 2026-12-01
 * before the run. */
static void skeleton_book(int categories, int exempt_maine)
{
    provisioning_service_t svc;
    char circuit[48];
    PGresult *res;

    tl_fx_catalog(db);
    load_tax_catalog();
    account_id = tl_fx_account(db, "HH-1001", 1, 100);
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
    if (!categories)
        sql("UPDATE catalog.service_code SET tax_category = NULL");
    if (exempt_maine)
        exempt("RESALE-ME-4471", "US-ME", "2026-01-01", "2026-12-01");
}

static int64_t skeleton_invoice_run(int categories, int exempt_maine)
{
    billing_run_result run;
    billing_invoice_t inv;

    skeleton_book(categories, exempt_maine);
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-20"), "test", &err), 0);
    ck_assert_int_eq(billing_invoice_get(&inv, db, "INV-00000001", &err), 0);
    ck_assert_int_eq(inv.subtotal.minor, 255167);
    return inv.invoice_id;
}

static int64_t skeleton_invoice_with(int categories)
{
    return skeleton_invoice_run(categories, 0);
}

static int64_t skeleton_invoice(void)
{
    return skeleton_invoice_with(1);
}

static void exempt(const char *cert, const char *jur, const char *from,
                   const char *to)
{
    char text[512];

    snprintf(text, sizeof(text),
             "INSERT INTO accounts.tax_exemption (account_id,"
             " certificate_number, jurisdiction, valid_from, valid_to)"
             " VALUES (%lld, '%s', '%s', '%s', %s%s%s)",
             (long long)account_id, cert, jur, from, to ? "'" : "",
             to ? to : "NULL", to ? "'" : "");
    sql(text);
}

typedef struct expect {
    const char *jurisdiction;
    const char *code;
    int64_t base;
    int64_t units;
    int64_t amount;
} expect;

static void check_lines(const billing_tax_result *r, const expect *e, size_t n)
{
    size_t i;

    ck_assert_uint_eq(r->n_lines, n);
    for (i = 0; i < n; i++) {
        ck_assert_int_eq(r->lines[i].line_no, (int)i + 1);
        ck_assert_str_eq(r->lines[i].jurisdiction, e[i].jurisdiction);
        ck_assert_str_eq(r->lines[i].tax_code, e[i].code);
        ck_assert_int_eq(r->lines[i].base.minor, e[i].base);
        ck_assert_int_eq(r->lines[i].units, e[i].units);
        ck_assert_int_eq(r->lines[i].amount.minor, e[i].amount);
        ck_assert_str_eq(r->lines[i].amount.cur, "USD");
    }
}

static void compute(billing_tax_result *r, int64_t invoice_id)
{
    billing_taxable_line *lines = NULL;
    char currency[4];
    size_t n = 0;

    ck_assert_int_eq(billing_taxable_lines_of_invoice(&lines, &n, currency, db,
                                                      account_id, invoice_id,
                                                      &err),
                     0);
    ck_assert_uint_eq(n, 3);
    ck_assert_msg(billing_compute_taxes(r, db, account_id, lines, n, &err) == 0,
                  "%s: %s", err.field, err.message);
    free(lines);
}

/* US-FUSF 35.2% and ME-SPT 6% of the telecom 1801.67 (634.18784,
 * 108.1002), US-REG 1.25% of all 2551.67 (31.895875), E911 0.35 on the
 * two DIA500 lines. */
static const expect full[] = {
    {"US", "US-FUSF", 180167, 2, 63419},
    {"US", "US-REG", 255167, 3, 3190},
    {"US-ME", "E911", 180167, 2, 70},
    {"US-ME", "ME-SPT", 180167, 2, 10810},
};

START_TEST(the_invoice_lines_carry_category_place_and_date)
{
    int64_t invoice_id = skeleton_invoice();
    billing_taxable_line *lines = NULL;
    char currency[4];
    size_t n = 0;

    ck_assert_int_eq(billing_taxable_lines_of_invoice(&lines, &n, currency, db,
                                                      account_id, invoice_id,
                                                      &err),
                     0);
    ck_assert_str_eq(currency, "USD");
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(lines[0].line_no, 1);
    ck_assert_str_eq(lines[0].category, "installation");
    ck_assert_int_eq(lines[0].amount.minor, 75000);
    ck_assert_int_eq(lines[0].date, day("2026-11-14")); /* billing start */
    ck_assert_str_eq(lines[1].category, "telecom");
    ck_assert_int_eq(lines[1].amount.minor, 65167);
    ck_assert_int_eq(lines[1].date, day("2026-11-14"));
    ck_assert_int_eq(lines[2].amount.minor, 115000);
    ck_assert_int_eq(lines[2].date, day("2026-12-01"));
    ck_assert_int_eq(lines[2].quantity, 1);
    ck_assert_str_eq(lines[2].jurisdiction, "US-ME");
    free(lines);

    ck_assert_int_eq(billing_taxable_lines_of_invoice(&lines, &n, currency, db,
                                                      account_id, 999999, &err),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.field, "invoice");
    ck_assert_ptr_null(lines);
}
END_TEST

START_TEST(the_skeleton_invoice_is_taxed_to_the_cent)
{
    int64_t invoice_id = skeleton_invoice();
    billing_tax_result r;

    compute(&r, invoice_id);
    check_lines(&r, full, 4);
    ck_assert_int_eq(r.tax.minor, 77489);
    ck_assert_str_eq(r.lines[2].kind, "surcharge");
    ck_assert_int_eq(r.lines[2].per_unit, 1);
    ck_assert_int_eq(r.lines[2].per_unit_amount.minor, 35);
    ck_assert_str_eq(r.lines[3].name, "Maine service provider tax");
    billing_tax_result_free(&r);
    /* the bill run wrote the same lines: tax and total tie */
    ck_assert_int_eq(tl_fx_count(db, "SELECT tax_minor AS n FROM "
                                     "billing.invoice"),
                     77489);
    ck_assert_int_eq(tl_fx_count(db, "SELECT total_minor AS n FROM "
                                     "billing.invoice"),
                     332656);
    ck_assert_int_eq(tl_fx_count(db, "SELECT sum(amount_minor) AS n FROM "
                                     "billing.invoice_tax_line"),
                     77489);
}
END_TEST

/* Northwind-style resale certificate for US-ME until 2026-12-01 (its
 * first day out of force): the November lines bear no Maine tax, the
 * December line does; the federal surcharges are untouched. */
START_TEST(an_exemption_in_force_removes_its_jurisdiction_until_valid_to)
{
    int64_t invoice_id = skeleton_invoice();
    billing_tax_result r;
    static const expect e[] = {
        {"US", "US-FUSF", 180167, 2, 63419},
        {"US", "US-REG", 255167, 3, 3190},
        {"US-ME", "E911", 115000, 1, 35},
        {"US-ME", "ME-SPT", 115000, 1, 6900},
    };

    exempt("RESALE-ME-4471", "US-ME", "2026-01-01", "2026-12-01");
    compute(&r, invoice_id);
    check_lines(&r, e, 4);
    ck_assert_int_eq(r.tax.minor, 63419 + 3190 + 35 + 6900);
    billing_tax_result_free(&r);
}
END_TEST

/* The same exemption in force when the bill run taxes the invoice: the
 * run's own tax lines (computed from memory, not by billing_tax_invoice)
 * are the ones billing_compute_taxes gives. */
START_TEST(the_bill_run_applies_an_exemption_it_finds)
{
    int64_t invoice_id = skeleton_invoice_run(1, 1);
    billing_tax_result r;
    static const expect e[] = {
        {"US", "US-FUSF", 180167, 2, 63419},
        {"US", "US-REG", 255167, 3, 3190},
        {"US-ME", "E911", 115000, 1, 35},
        {"US-ME", "ME-SPT", 115000, 1, 6900},
    };

    compute(&r, invoice_id);
    check_lines(&r, e, 4);
    billing_tax_result_free(&r);
    ck_assert_int_eq(tl_fx_count(db, "SELECT tax_minor AS n FROM "
                                     "billing.invoice"),
                     63419 + 3190 + 35 + 6900);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " billing.invoice_tax_line"
                                     " WHERE jurisdiction = 'US-ME'"
                                     " AND base_minor = 115000"),
                     2);
    ck_assert_int_eq(tl_fx_count(db, "SELECT sum(amount_minor) AS n FROM "
                                     "billing.invoice_tax_line"),
                     63419 + 3190 + 35 + 6900);
}
END_TEST

START_TEST(an_open_ended_exemption_leaves_only_federal)
{
    int64_t invoice_id = skeleton_invoice();
    billing_tax_result r;

    exempt("RESALE-ME-4471", "US-ME", "2026-01-01", NULL);
    compute(&r, invoice_id);
    check_lines(&r, full, 2);
    ck_assert_int_eq(r.tax.minor, 63419 + 3190);
    billing_tax_result_free(&r);
}
END_TEST

START_TEST(tax_invoice_writes_lines_that_add_up_once)
{
    int64_t invoice_id = skeleton_invoice();
    billing_doc doc;
    json_t *biller = NULL;
    char *out = NULL;
    size_t len = 0;
    int pass;

    ck_assert_int_eq(billing_tax_invoice(db, account_id, 999999, &err),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.field, "invoice");
    tl_err_clear(&err);
    for (pass = 0; pass < 2; pass++) {
        /* the second call finds the same lines and changes nothing */
        ck_assert_msg(billing_tax_invoice(db, account_id, invoice_id, &err) ==
                          0,
                      "%s: %s", err.field, err.message);
        ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                         "billing.invoice_tax_line"),
                         4);
        ck_assert_int_eq(tl_fx_count(db, "SELECT sum(amount_minor) AS n FROM "
                                         "billing.invoice_tax_line"),
                         77489);
        ck_assert_int_eq(tl_fx_count(db, "SELECT tax_minor AS n FROM "
                                         "billing.invoice"),
                         77489);
        ck_assert_int_eq(tl_fx_count(db, "SELECT total_minor AS n FROM "
                                         "billing.invoice"),
                         255167 + 77489);
    }
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT units AS n FROM billing.invoice_tax_line"
                        " WHERE tax_code = 'E911' AND per_unit_minor = 35"
                        " AND rate_ppm IS NULL AND base_minor = 180167"),
        2);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM billing.invoice_tax_line"
                        " WHERE units IS NULL AND rate_ppm IS NOT NULL"),
        3);

    /* the invoice document ties out and renders with its tax lines */
    ck_assert_int_eq(
        tl_json_load_file(&biller, DEMO "biller.json", TL_JSON_MAX_BYTES, &err),
        0);
    ck_assert_int_eq(billing_biller_load(&pass, db, biller, "test", &err), 0);
    json_decref(biller);
    ck_assert_int_eq(billing_doc_load(&doc, db, "INV-00000001", &err), 0);
    ck_assert_uint_eq(doc.n_tax_lines, 4);
    ck_assert_int_eq(doc.tax.minor, 77489);
    ck_assert_int_eq(doc.total.minor, 332656);
    ck_assert_int_eq(billing_doc_check(&doc, &err), 0);
    ck_assert_int_eq(billing_render_ubl(&out, &len, &doc, &err), 0);
    ck_assert_msg(billing_ubl_validate(out, len, &err) == 0, "%s: %s",
                  err.field, err.message);
    ck_assert_ptr_nonnull(strstr(out, "<cbc:PayableAmount currencyID=\"USD\">"
                                      "3326.56</cbc:PayableAmount>"));
    free(out);
    billing_doc_free(&doc);
}
END_TEST

/* A certificate filed after the invoice was taxed would change its tax;
 * the invoice is final, so its tax lines stay as they are. */
START_TEST(a_final_invoice_tax_lines_are_not_rewritten)
{
    int64_t invoice_id = skeleton_invoice();

    ck_assert_int_eq(billing_tax_invoice(db, account_id, invoice_id, &err), 0);
    exempt("RESALE-ME-4471", "US-ME", "2026-01-01", NULL);
    ck_assert_int_eq(billing_tax_invoice(db, account_id, invoice_id, &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.field, "taxLines");
    ck_assert_str_eq(err.code, "final_invoice");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "billing.invoice_tax_line"),
                     4);
    ck_assert_int_eq(tl_fx_count(db, "SELECT total_minor AS n FROM "
                                     "billing.invoice"),
                     332656);
}
END_TEST

/* An invoice whose codes have no tax category gets no tax lines. */
START_TEST(an_untaxed_invoice_gets_no_tax_lines)
{
    int64_t invoice_id = skeleton_invoice_with(0);

    ck_assert_int_eq(billing_tax_invoice(db, account_id, invoice_id, &err), 0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "billing.invoice_tax_line"),
                     0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT total_minor AS n FROM "
                                     "billing.invoice"),
                     255167);
}
END_TEST

/* The database holds a per-unit line to amount = per unit x units and
 * one line per jurisdiction, code and rate. */
START_TEST(the_database_checks_tax_lines)
{
    PGresult *res;

    skeleton_invoice();
    sql("DELETE FROM billing.invoice_tax_line");
    res = PQexec(tl_db_pgconn(db),
                 "INSERT INTO billing.invoice_tax_line (account_id,"
                 " invoice_id, line_no, jurisdiction, tax_code, name, kind,"
                 " base_minor, per_unit_minor, units, amount_minor)"
                 " SELECT account_id, invoice_id, 1, 'US-ME', 'E911', 'E911',"
                 " 'surcharge', 115000, 35, 46, 1600 FROM billing.invoice");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME),
                     "invoice_tax_line_units_per_unit");
    PQclear(res);
    res = PQexec(tl_db_pgconn(db),
                 "INSERT INTO billing.invoice_tax_line (account_id,"
                 " invoice_id, line_no, jurisdiction, tax_code, name, kind,"
                 " base_minor, rate_ppm, amount_minor)"
                 " SELECT account_id, invoice_id, n, 'US-ME', 'ME-SPT', 'S',"
                 " 'tax', 100000, 60000, 6000 FROM billing.invoice,"
                 " generate_series(1, 2) AS n");
    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME),
                     "invoice_tax_line_group_key");
    PQclear(res);
}
END_TEST

/* The skeleton invoice as a draft: previewed, not approved. */
static billing_run_result skeleton_draft(void)
{
    billing_run_result run;

    skeleton_book(1, 0);
    ck_assert_int_eq(billing_run_preview(&run, db, 1, 2026, 11,
                                         day("2026-11-20"), NULL, "test",
                                         &err),
                     0);
    ck_assert_int_eq(run.invoice_count, 1);
    return run;
}

static int64_t count(const char *q)
{
    PGresult *res = PQexec(tl_db_pgconn(db), q);
    int64_t n;

    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

START_TEST(a_taxed_draft_is_refreshed_with_its_tax_lines)
{
    billing_preview_opts o;
    billing_run_result first = skeleton_draft();
    billing_run_result again;
    int64_t taxes = count("SELECT count(*) FROM billing.invoice_tax_line");

    ck_assert_int_gt(taxes, 0);
    memset(&o, 0, sizeof(o));
    o.refresh = 1;
    ck_assert_int_eq(billing_run_preview(&again, db, 1, 2026, 11,
                                         day("2026-11-20"), &o, "test", &err),
                     0);
    ck_assert_int_eq(again.run_id, first.run_id);
    ck_assert_int_eq(again.total_minor, first.total_minor);
    ck_assert_int_eq(count("SELECT count(*) FROM billing.invoice"), 1);
    ck_assert_int_eq(count("SELECT count(*) FROM billing.invoice_tax_line"),
                     taxes);
    ck_assert_int_eq(count("SELECT i.tax_minor - sum(t.amount_minor)"
                           " FROM billing.invoice_tax_line t"
                           " JOIN billing.invoice i USING (account_id,"
                           " invoice_id) GROUP BY i.tax_minor"),
                     0);
}
END_TEST

/* A statement the line references refuse fails whole with SQLSTATE
 * 23503 and the rule's name, and leaves the rows as they were. */
static void refused(const char *statement, const char *rule)
{
    const char *rows = "SELECT (SELECT count(*) FROM billing.invoice)"
                       " * 1000000 + (SELECT count(*)"
                       " FROM billing.invoice_line) * 1000"
                       " + (SELECT count(*) FROM billing.invoice_tax_line)";
    int64_t before = count(rows);
    PGresult *res = PQexec(tl_db_pgconn(db), statement);

    ck_assert_int_eq(PQresultStatus(res), PGRES_FATAL_ERROR);
    ck_assert_msg(strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "23503") ==
                      0,
                  "%s: %s", statement, PQresultErrorMessage(res));
    ck_assert_str_eq(PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME), rule);
    PQclear(res);
    ck_assert_int_eq(count(rows), before);
}

START_TEST(line_references_are_checked_a_statement_at_a_time)
{
    skeleton_draft();
    /* a line, a tax line or a change naming an invoice that is not there */
    refused("INSERT INTO billing.invoice_line SELECT * FROM ("
            " SELECT (jsonb_populate_record(l, jsonb_build_object("
            "  'invoice_id', l.invoice_id + 1000,"
            "  'service_id', l.service_id + 1000))).*"
            " FROM billing.invoice_line l) x",
            "invoice_line_invoice_exists");
    refused("INSERT INTO billing.invoice_tax_line SELECT * FROM ("
            " SELECT (jsonb_populate_record(t, jsonb_build_object("
            "  'invoice_id', t.invoice_id + 1000))).*"
            " FROM billing.invoice_tax_line t) x",
            "invoice_tax_line_invoice_exists");
    refused("UPDATE billing.invoice_line SET invoice_id = invoice_id + 1000"
            " WHERE line_no = 1",
            "invoice_line_invoice_exists");
    /* or a service code that is not there */
    refused("UPDATE billing.invoice_line SET code = 'NOPE' WHERE line_no = 1",
            "invoice_line_code_exists");
    /* an invoice its lines name stays, key and all */
    refused("DELETE FROM billing.invoice", "invoice_line_references");
    tl_fx_account(db, "HH-1002", 1, 101);
    refused("UPDATE billing.invoice SET account_id = (SELECT account_id"
            " FROM accounts.billing_account"
            " WHERE account_number = 'HH-1002')",
            "invoice_line_references");
    refused("TRUNCATE billing.invoice CASCADE", "invoice_line_references");
    /* and so does a service code, even one only a line names */
    sql("INSERT INTO catalog.service_code (code, name, charge_kind,"
        " nrc_category) VALUES ('ZZ-ONCE', 'Once', 'MRC', NULL)");
    sql("UPDATE billing.invoice_line SET code = 'ZZ-ONCE' WHERE line_no = 1");
    refused("DELETE FROM catalog.service_code WHERE code = 'ZZ-ONCE'",
            "invoice_line_references");
    refused("UPDATE catalog.service_code SET code = 'ZZ-TWICE'"
            " WHERE code = 'ZZ-ONCE'",
            "invoice_line_references");
    /* once the lines are gone, so may the invoice be */
    sql("DELETE FROM billing.invoice_tax_line");
    sql("DELETE FROM billing.invoice_line");
    sql("DELETE FROM billing.invoice");
    ck_assert_int_eq(count("SELECT count(*) FROM billing.line_reference_gaps()"),
                     0);
}
END_TEST

static Suite *taxes_suite(void)
{
    Suite *s = suite_create("taxes_db");
    TCase *tc = tcase_create("taxes_db");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, the_invoice_lines_carry_category_place_and_date);
    tcase_add_test(tc, the_skeleton_invoice_is_taxed_to_the_cent);
    tcase_add_test(
        tc, an_exemption_in_force_removes_its_jurisdiction_until_valid_to);
    tcase_add_test(tc, an_open_ended_exemption_leaves_only_federal);
    tcase_add_test(tc, the_bill_run_applies_an_exemption_it_finds);
    tcase_add_test(tc, tax_invoice_writes_lines_that_add_up_once);
    tcase_add_test(tc, a_final_invoice_tax_lines_are_not_rewritten);
    tcase_add_test(tc, an_untaxed_invoice_gets_no_tax_lines);
    tcase_add_test(tc, the_database_checks_tax_lines);
    tcase_add_test(tc, a_taxed_draft_is_refreshed_with_its_tax_lines);
    tcase_add_test(tc, line_references_are_checked_a_statement_at_a_time);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(taxes_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
