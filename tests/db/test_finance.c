/*
 * The finance reconciliation and the GL export against a fresh database:
 * two billed accounts (one on a contract, one at list), a tax line, the
 * ledger, a payment. Amounts to the cent; CSV compared byte for byte.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "collections/acct.h"
#include "collections/collections.h"
#include "collections/finance.h"
#include "provisioning/provisioning.h"
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

static void sql(const char *text)
{
    PGresult *res = PQexec(tl_db_pgconn(db), text);

    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
                      PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", text, PQresultErrorMessage(res));
    PQclear(res);
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);

    ck_assert_msg(doc != NULL, "%s", jerr.text);
    return doc;
}

static void customer(const char *account, int site, int contract)
{
    provisioning_service_t svc;
    char circuit[48];
    char ext[32];
    const char *params[1] = {account};
    PGresult *res;

    tl_fx_account(db, account, 1, site);
    if (contract)
        tl_fx_contract(db, account, "2026-10-01", "1150.00");
    snprintf(ext, sizeof(ext), "EXT-%s", account);
    tl_fx_order(db, account, ext, site);
    res = PQexecParams(tl_db_pgconn(db),
                       "SELECT s.circuit_id FROM provisioning.service s"
                       " JOIN accounts.billing_account a USING (account_id)"
                       " WHERE a.account_number = $1",
                       1, NULL, params, NULL, NULL, 0);
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

/* FN-1 on a contract: 750.00 + 651.67 + 1150.00 = 2551.67, plus a
 * 10.00 US-FUSF tax line = 2561.67 (INV-00000001); FN-2 at list:
 * 750.00 + 821.67 + 1450.00 = 3021.67 (INV-00000002). */
static int64_t billed_book(int post)
{
    billing_run_result run;
    int posted = 0;

    tl_fx_catalog(db);
    customer("FN-1", 101, 1);
    customer("FN-2", 102, 0);
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-20"), "test", &err), 0);
    ck_assert_int_eq(run.invoice_count, 2);
    sql("INSERT INTO billing.invoice_tax_line (account_id, invoice_id,"
        " line_no, jurisdiction, tax_code, name, kind, base_minor, rate_ppm,"
        " amount_minor) SELECT account_id, invoice_id, 1, 'US', 'US-FUSF',"
        " 'Federal USF', 'surcharge', 100000, 10000, 1000"
        " FROM billing.invoice WHERE invoice_number = 'INV-00000001'");
    sql("UPDATE billing.invoice SET tax_minor = 1000, total_minor ="
        " total_minor + 1000 WHERE invoice_number = 'INV-00000001'");
    if (post)
        ck_assert_int_eq(
            collections_post_run(&posted, db, run.run_id, "test", &err), 0);
    return run.run_id;
}

static const char *const gl_doc =
    "{\"accounts\": ["
    " {\"purpose\": \"receivable\", \"account\": \"1200\","
    "  \"name\": \"Accounts receivable\"},"
    " {\"purpose\": \"cash\", \"account\": \"1010\", \"name\": \"Cash\"},"
    " {\"purpose\": \"unapplied_cash\", \"account\": \"2150\","
    "  \"name\": \"Unapplied cash\"},"
    " {\"purpose\": \"revenue\", \"account\": \"4900\","
    "  \"name\": \"Other revenue\"},"
    " {\"purpose\": \"revenue\", \"product\": \"DIA\", \"account\": \"4110\","
    "  \"name\": \"DIA revenue, dedicated\"},"
    " {\"purpose\": \"tax_payable\", \"account\": \"2300\","
    "  \"name\": \"Taxes payable\"},"
    " {\"purpose\": \"tax_payable\", \"taxCode\": \"US-FUSF\","
    "  \"account\": \"2310\", \"name\": \"Federal USF payable\"}]}";

static void load_gl_accounts(void)
{
    json_t *doc = parse(gl_doc);
    collections_gl_load_result res;

    ck_assert_int_eq(collections_gl_accounts_load(&res, db, doc, "test", &err),
                     0);
    json_decref(doc);
}

/* ---- GL accounts ---- */

START_TEST(gl_accounts_refuse_bad_rows_and_write_nothing)
{
    json_t *doc = parse(
        "{\"accounts\": ["
        " {\"purpose\": \"bank\", \"account\": \"1000\", \"name\": \"B\"},"
        " {\"purpose\": \"cash\", \"product\": \"DIA\", \"account\": \"1010\","
        "  \"name\": \"Cash\"},"
        " {\"purpose\": \"revenue\", \"product\": \"DIA\","
        "  \"account\": \"41 10\", \"name\": \"DIA\"},"
        " {\"purpose\": \"revenue\", \"product\": \"DIA\","
        "  \"account\": \"4110\"},"
        " {\"purpose\": \"receivable\", \"account\": \"1200\", \"name\": "
        "\"AR\","
        "  \"color\": \"red\"}]}");
    collections_gl_load_result res;

    ck_assert_int_eq(collections_gl_accounts_load(&res, db, doc, "test", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.problems[0].field, "accounts[0].purpose");
    ck_assert_str_eq(err.problems[0].code, "format");
    ck_assert_str_eq(err.problems[1].field, "accounts[1].product");
    ck_assert_str_eq(err.problems[1].code, "not_applicable");
    ck_assert_str_eq(err.problems[2].field, "accounts[2].account");
    ck_assert_str_eq(err.problems[3].field, "accounts[3].name");
    ck_assert_str_eq(err.problems[3].code, "required");
    ck_assert_str_eq(err.problems[4].field, "accounts[3]");
    ck_assert_str_eq(err.problems[4].code, "duplicate");
    ck_assert_str_eq(err.problems[5].field, "accounts[4].color");
    ck_assert_int_eq(err.n_problems, 6);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.gl_account"), 0);
    json_decref(doc);
}
END_TEST

START_TEST(gl_accounts_load_again_changes_nothing)
{
    json_t *doc = parse(gl_doc);
    json_t *changed;
    collections_gl_load_result res;

    ck_assert_int_eq(collections_gl_accounts_load(&res, db, doc, "test", &err),
                     0);
    ck_assert_int_eq(res.added, 7);
    ck_assert_int_eq(collections_gl_accounts_load(&res, db, doc, "test", &err),
                     0);
    ck_assert_int_eq(res.added, 0);
    ck_assert_int_eq(res.updated, 0);
    ck_assert_int_eq(res.unchanged, 7);
    changed = parse("{\"accounts\": [{\"purpose\": \"cash\","
                    " \"account\": \"1011\", \"name\": \"Cash, bank 2\"}]}");
    ck_assert_int_eq(
        collections_gl_accounts_load(&res, db, changed, "test", &err), 0);
    ck_assert_int_eq(res.updated, 1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'gl.accounts_load'"),
                     2);
    json_decref(doc);
    json_decref(changed);
}
END_TEST

/* ---- finance reconciliation ---- */

typedef struct fin_seen {
    char product[40];
    int is_total;
    int invoices;
    int64_t mrc, nrc, tax, billed, invoiced, ledger, difference;
    int ties;
    int untied;
    char first_untied[48];
} fin_seen;

typedef struct fin_capture {
    fin_seen rows[8];
    int n;
} fin_capture;

static int fin_fn(const collections_finance_row_t *r, void *cls, tl_err *e)
{
    fin_capture *c = cls;
    fin_seen *s;

    (void)e;
    ck_assert_int_lt(c->n, 8);
    ck_assert_str_eq(r->month, "2026-11");
    ck_assert_str_eq(r->currency, "USD");
    s = &c->rows[c->n++];
    snprintf(s->product, sizeof(s->product), "%s", r->product);
    snprintf(s->first_untied, sizeof(s->first_untied), "%s", r->first_untied);
    s->is_total = r->is_total;
    s->invoices = r->invoices;
    s->mrc = r->mrc.minor;
    s->nrc = r->nrc.minor;
    s->tax = r->tax.minor;
    s->billed = r->billed.minor;
    s->invoiced = r->invoiced.minor;
    s->ledger = r->ledger.minor;
    s->difference = r->difference.minor;
    s->ties = r->ties;
    s->untied = r->untied;
    return 0;
}

START_TEST(finance_report_refuses_bad_months)
{
    int untied = 0;

    ck_assert_int_eq(collections_finance_report(&untied, db, 2026, 12, 2026, 11,
                                                NULL, NULL, &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "to");
    tl_err_clear(&err);
    ck_assert_int_eq(collections_finance_report(&untied, db, 2026, 13, 2026, 11,
                                                NULL, NULL, &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "from");
}
END_TEST

START_TEST(finance_report_ties_out_on_a_clean_book)
{
    fin_capture c;
    int untied = -1;

    billed_book(1);
    memset(&c, 0, sizeof(c));
    ck_assert_int_eq(collections_finance_report(&untied, db, 2026, 10, 2026, 12,
                                                fin_fn, &c, &err),
                     2);
    ck_assert_int_eq(untied, 0);
    ck_assert_str_eq(c.rows[0].product, "DIA");
    ck_assert_int_eq(c.rows[0].invoices, 2);
    ck_assert_int_eq(c.rows[0].mrc, 65167 + 115000 + 82167 + 145000);
    ck_assert_int_eq(c.rows[0].nrc, 150000);
    ck_assert_int_eq(c.rows[0].billed, 557334);
    ck_assert_str_eq(c.rows[1].product, "TOTAL");
    ck_assert(c.rows[1].is_total);
    ck_assert_int_eq(c.rows[1].invoices, 2);
    ck_assert_int_eq(c.rows[1].tax, 1000);
    ck_assert_int_eq(c.rows[1].billed, 558334);
    ck_assert_int_eq(c.rows[1].invoiced, 558334);
    ck_assert_int_eq(c.rows[1].ledger, 558334);
    ck_assert_int_eq(c.rows[1].difference, 0);
    ck_assert(c.rows[1].ties);
    ck_assert_str_eq(c.rows[1].first_untied, "");
    /* months without invoices give no rows */
    ck_assert_int_eq(collections_finance_report(&untied, db, 2026, 12, 2027, 1,
                                                fin_fn, &c, &err),
                     0);
}
END_TEST

/* Every kind of line counts: a minimum-commitment shortfall with the
 * recurring charges, so an invoice of nothing but a shortfall ties out. */
START_TEST(finance_report_counts_every_kind_of_line)
{
    billing_run_result run;
    fin_capture c;
    int posted = 0;
    int untied = -1;

    billed_book(1);
    sql("UPDATE contracts.agreement SET minimum_commitment_minor = 2000000");
    /* December: the agreement's account owes 20000.00 less its MRC */
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 12, day("2026-12-01"), "test", &err), 0);
    ck_assert_int_eq(
        collections_post_run(&posted, db, run.run_id, "test", &err), 0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " billing.invoice_line"
                                     " WHERE charge_kind = 'SHORTFALL'"),
                     1);
    memset(&c, 0, sizeof(c));
    ck_assert_int_ge(collections_finance_report(&untied, db, 2026, 12, 2026, 12,
                                                NULL, NULL, &err),
                     1);
    ck_assert_int_eq(untied, 0);
}
END_TEST

START_TEST(finance_report_flags_a_ledger_difference)
{
    fin_capture c;
    int64_t run_id;
    int posted = 0;
    int untied = -1;

    run_id = billed_book(0);
    /* INV-00000002 reached the ledger a cent short */
    sql("INSERT INTO collections.ledger_entry (account_id, kind, source_ref,"
        " amount_minor, currency, effective_date, due_date, invoice_id)"
        " SELECT account_id, 'invoice', invoice_number, total_minor - 1,"
        " currency, issue_date, due_date, invoice_id FROM billing.invoice"
        " WHERE invoice_number = 'INV-00000002'");
    ck_assert_int_eq(collections_post_run(&posted, db, run_id, "test", &err),
                     0);
    ck_assert_int_eq(posted, 1);
    memset(&c, 0, sizeof(c));
    ck_assert_int_eq(collections_finance_report(&untied, db, 2026, 11, 2026, 11,
                                                fin_fn, &c, &err),
                     2);
    ck_assert_int_eq(untied, 1);
    ck_assert(c.rows[0].ties);
    ck_assert_int_eq(c.rows[1].billed, 558334);
    ck_assert_int_eq(c.rows[1].invoiced, 558334);
    ck_assert_int_eq(c.rows[1].ledger, 558333);
    ck_assert_int_eq(c.rows[1].difference, -1);
    ck_assert(!c.rows[1].ties);
    ck_assert_int_eq(c.rows[1].untied, 1);
    ck_assert_str_eq(c.rows[1].first_untied, "INV-00000002");
}
END_TEST

/* ---- GL export ---- */

START_TEST(gl_export_refuses_missing_accounts_and_unknown_runs)
{
    collections_gl_export_t e;
    int64_t run_id;

    run_id = billed_book(1);
    ck_assert_int_eq(
        collections_gl_export_run(&e, db, run_id + 1, "test", &err),
        TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "unknown_run");
    tl_err_clear(&err);
    sql("INSERT INTO collections.gl_account (purpose, account_number, name)"
        " VALUES ('receivable', '1200', 'AR')");
    ck_assert_int_eq(collections_gl_export_run(&e, db, run_id, "test", &err),
                     TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert_str_eq(err.problems[0].field, "glAccounts.revenue.DIA");
    ck_assert_str_eq(err.problems[0].code, "missing_gl_account");
    ck_assert_str_eq(err.problems[1].field, "glAccounts.tax_payable.US-FUSF");
    ck_assert_ptr_null(e.csv);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.gl_export"), 0);
}
END_TEST

START_TEST(gl_export_refuses_an_unbalanced_journal)
{
    collections_gl_export_t e;
    int64_t run_id;

    run_id = billed_book(1);
    load_gl_accounts();
    /* an invoice whose total no longer matches its lines */
    sql("UPDATE billing.invoice SET subtotal_minor = subtotal_minor + 5,"
        " total_minor = total_minor + 5"
        " WHERE invoice_number = 'INV-00000002'");
    ck_assert_int_eq(collections_gl_export_run(&e, db, run_id, "test", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "unbalanced");
    ck_assert_ptr_nonnull(strstr(err.message, "debits 5583.39"));
    ck_assert_ptr_nonnull(strstr(err.message, "credits 5583.34"));
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.gl_export"), 0);
}
END_TEST

START_TEST(gl_export_of_a_run_balances_and_is_made_once)
{
    collections_gl_export_t e;
    collections_gl_export_t again;
    char expect[1024];
    char key[24];
    int64_t run_id;

    run_id = billed_book(1);
    load_gl_accounts();
    ck_assert_int_eq(collections_gl_export_run(&e, db, run_id, "test", &err),
                     0);
    ck_assert_int_eq(e.created, 1);
    ck_assert_str_eq(e.kind, "bill_run");
    ck_assert_int_eq(e.line_count, 3);
    ck_assert_int_eq(e.n_totals, 1);
    ck_assert_str_eq(e.totals[0].currency, "USD");
    ck_assert_int_eq(e.totals[0].debit_minor, 558334);
    ck_assert_int_eq(e.totals[0].credit_minor, 558334);
    snprintf(expect, sizeof(expect),
             "journal,line,date,account,account_name,description,currency,"
             "debit,credit\n"
             "BR-%lld,1,2026-11-20,1200,Accounts receivable,"
             "Invoices of bill run %lld (2),USD,5583.34,\n"
             "BR-%lld,2,2026-11-20,4110,\"DIA revenue, dedicated\","
             "Revenue DIA,USD,,5573.34\n"
             "BR-%lld,3,2026-11-20,2310,Federal USF payable,"
             "Tax payable US-FUSF,USD,,10.00\n",
             (long long)run_id, (long long)run_id, (long long)run_id,
             (long long)run_id);
    ck_assert_str_eq(e.csv, expect);
    ck_assert_int_eq(strlen(e.sha256), 64);

    /* a second export is refused, naming the first */
    ck_assert_int_eq(
        collections_gl_export_run(&again, db, run_id, "test", &err),
        TL_ECONFLICT);
    ck_assert_str_eq(err.code, "already_exported");
    ck_assert_ptr_nonnull(strstr(err.message, "by test as export"));
    ck_assert_ptr_null(again.csv);
    tl_err_clear(&err);

    /* the stored one prints again byte for byte */
    snprintf(key, sizeof(key), "%lld", (long long)run_id);
    ck_assert_int_eq(
        collections_gl_export_get(&again, db, "bill_run", key, &err), 0);
    ck_assert_int_eq(again.created, 0);
    ck_assert_int_eq(again.export_id, e.export_id);
    ck_assert_str_eq(again.csv, e.csv);
    ck_assert_str_eq(again.sha256, e.sha256);
    ck_assert_str_eq(again.exported_at, e.exported_at);
    ck_assert_int_eq(again.n_totals, 1);
    ck_assert_int_eq(again.totals[0].debit_minor, 558334);
    collections_gl_export_free(&again);
    ck_assert_int_eq(
        collections_gl_export_get(&again, db, "cash_day", "2026-11-20", &err),
        TL_ENOTFOUND);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'gl.export'"),
                     1);
    collections_gl_export_free(&e);
}
END_TEST

START_TEST(gl_export_of_a_cash_day_balances_and_is_made_once)
{
    collections_payment_in in;
    collections_payment_result pay;
    collections_gl_export_t e;
    collections_gl_export_t again;
    int64_t run_id;

    run_id = billed_book(1);
    (void)run_id;
    load_gl_accounts();
    memset(&in, 0, sizeof(in));
    in.account_number = "FN-1";
    ck_assert_int_eq(tl_money_parse(&in.amount, "3000.00", "USD"), 0);
    in.received_date = day("2026-12-28");
    in.reference = "WIRE-1";
    in.method = "wire";
    in.invoice_number = "INV-00000001";
    in.actor = "test";
    ck_assert_int_eq(collections_post_payment(&pay, db, &in, &err), 0);
    ck_assert_int_eq(pay.applied.minor, 256167);

    ck_assert_int_eq(
        collections_gl_export_cash_day(&e, db, day("2026-12-27"), "test", &err),
        TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "nothing_to_export");
    tl_err_clear(&err);

    ck_assert_int_eq(
        collections_gl_export_cash_day(&e, db, day("2026-12-28"), "test", &err),
        0);
    ck_assert_str_eq(e.journal, "CASH-2026-12-28");
    ck_assert_str_eq(e.source_key, "2026-12-28");
    ck_assert_str_eq(
        e.csv,
        "journal,line,date,account,account_name,description,currency,debit,"
        "credit\n"
        "CASH-2026-12-28,1,2026-12-28,1010,Cash,"
        "Payments received 2026-12-28 (1),USD,3000.00,\n"
        "CASH-2026-12-28,2,2026-12-28,1200,Accounts receivable,"
        "Payments applied to invoices,USD,,2561.67\n"
        "CASH-2026-12-28,3,2026-12-28,2150,Unapplied cash,"
        "Payments not applied (credit on account),USD,,438.33\n");
    ck_assert_int_eq(e.totals[0].debit_minor, 300000);
    ck_assert_int_eq(e.totals[0].credit_minor, 300000);

    ck_assert_int_eq(collections_gl_export_cash_day(
                         &again, db, day("2026-12-28"), "test", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "already_exported");
    tl_err_clear(&err);
    ck_assert_int_eq(
        collections_gl_export_get(&again, db, "cash_day", "2026-12-28", &err),
        0);
    ck_assert_str_eq(again.csv, e.csv);
    collections_gl_export_free(&again);
    collections_gl_export_free(&e);

    /* a wire of the 28th posted after the 28th was exported goes out with
     * the next day exported, never lost and never twice */
    in.reference = "WIRE-2";
    in.invoice_number = NULL;
    ck_assert_int_eq(tl_money_parse(&in.amount, "100.00", "USD"), 0);
    ck_assert_int_eq(collections_post_payment(&pay, db, &in, &err), 0);
    ck_assert_int_eq(pay.unapplied.minor, 10000);
    ck_assert_int_eq(
        collections_gl_export_cash_day(&e, db, day("2026-12-29"), "test", &err),
        0);
    ck_assert_str_eq(
        e.csv,
        "journal,line,date,account,account_name,description,currency,debit,"
        "credit\n"
        "CASH-2026-12-29,1,2026-12-29,1010,Cash,"
        "Payments received 2026-12-29 (1; 1 received earlier and posted "
        "late),USD,100.00,\n"
        "CASH-2026-12-29,2,2026-12-29,2150,Unapplied cash,"
        "Payments not applied (credit on account),USD,,100.00\n");
    collections_gl_export_free(&e);
    ck_assert_int_eq(
        collections_gl_export_cash_day(&e, db, day("2026-12-30"), "test", &err),
        TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "nothing_to_export");
    tl_err_clear(&err);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.gl_cash_posted"),
                     3);
}
END_TEST

/* ---- GL export of the ledger documents ---- */

static const char *const gl_doc_accounts =
    "{\"accounts\": ["
    " {\"purpose\": \"adjustments\", \"account\": \"4950\","
    "  \"name\": \"Revenue adjustments\"},"
    " {\"purpose\": \"bad_debt\", \"account\": \"6400\","
    "  \"name\": \"Bad debt\"}]}";

static void load_gl_doc_accounts(const char *text)
{
    json_t *doc = parse(text);
    collections_gl_load_result res;

    ck_assert_int_eq(collections_gl_accounts_load(&res, db, doc, "test", &err),
                     0);
    json_decref(doc);
}

/* Posts a ledger document through collections_doc_post; it must be new. */
static void post_doc(const char *kind, const char *account, const char *invoice,
                     const char *to, int64_t amount, const char *cur,
                     const char *date, const char *reference)
{
    collections_doc_result res;

    ck_assert_msg(tl_fx_doc(&res, db, &err, kind, account, invoice, to, amount,
                            cur, date, reference) == 0,
                  "%s %s: %s", kind, reference, err.message);
    ck_assert_int_eq(res.created, 1);
}

/* A write-off requested by test and approved (posted) by boss on date. */
static void write_off(const char *invoice, int64_t amount, const char *date)
{
    collections_writeoff_in in;
    int64_t id = 0;
    int created = 0;
    int posted = 0;

    memset(&in, 0, sizeof(in));
    in.invoice_number = invoice;
    ck_assert_int_eq(tl_money_make(&in.amount, amount, "USD"), 0);
    in.reason = "uncollectable";
    in.date = day(date);
    in.actor = "test";
    ck_assert_int_eq(collections_writeoff_request(&id, &created, db, &in, &err),
                     0);
    ck_assert_int_eq(
        collections_writeoff_approve(&posted, db, id, day(date), "boss", &err),
        0);
    ck_assert_int_eq(posted, 1);
}

/* Every kind of document on 2026-12-15, in USD on FN-1, FN-2 and FN-1's
 * sibling FN-1B, and a refund in CAD on FN-C: journaled at the entry
 * amounts, debits first, balanced per currency, made once. */
START_TEST(gl_export_of_a_ledger_day_balances_and_is_made_once)
{
    collections_gl_export_t e;
    collections_gl_export_t again;
    int64_t cad;

    billed_book(1);
    load_gl_accounts();
    load_gl_doc_accounts(gl_doc_accounts);
    tl_fx_sibling_account(db, "FN-1B", "FN-1");
    cad = tl_fx_account_in(db, "FN-C", "CAD");
    tl_fx_ledger_invoice(db, cad, "CAD-1", "2026-11-20", 50000, "CAD");
    tl_fx_payment(db, "FN-C", 60000, "CAD", "2026-12-01", "CAD-W1");

    post_doc("credit_memo", "FN-1", "INV-00000001", NULL, 10000, "USD",
             "2026-12-15", "CM-1");
    post_doc("credit_memo", "FN-2", "INV-00000002", NULL, 5025, "USD",
             "2026-12-15", "CM-2");
    post_doc("debit_memo", "FN-1", "INV-00000001", NULL, 2500, "USD",
             "2026-12-15", "DM-1");
    post_doc("adjustment", "FN-2", "INV-00000002", NULL, -1000, "USD",
             "2026-12-15", "ADJ-1");
    post_doc("adjustment", "FN-1", NULL, NULL, 350, "USD", "2026-12-15",
             "ADJ-2");
    write_off("INV-00000002", 20000, "2026-12-15");
    post_doc("recovery", "FN-2", "INV-00000002", NULL, 8000, "USD",
             "2026-12-15", "RCV-1");
    post_doc("transfer", "FN-1", NULL, "FN-1B", 4000, "USD", "2026-12-15",
             "TR-1");
    post_doc("refund", "FN-C", NULL, NULL, 6000, "CAD", "2026-12-15", "RF-1");
    /* effective after the day: not in its journal */
    post_doc("debit_memo", "FN-2", "INV-00000002", NULL, 700, "USD",
             "2026-12-20", "DM-2");

    ck_assert_int_eq(collections_gl_export_ledger_day(&e, db, day("2026-12-14"),
                                                      "test", &err),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "nothing_to_export");
    ck_assert_str_eq(err.message,
                     "the ledger day 2026-12-14 has nothing to export");
    tl_err_clear(&err);

    ck_assert_int_eq(collections_gl_export_ledger_day(&e, db, day("2026-12-15"),
                                                      "test", &err),
                     0);
    ck_assert_int_eq(e.created, 1);
    ck_assert_str_eq(e.kind, "ledger_day");
    ck_assert_str_eq(e.source_key, "2026-12-15");
    ck_assert_str_eq(e.journal, "LEDGER-2026-12-15");
    /* CAD: the refund pays FN-C's credit on account out; then USD, the
     * debits first, then the credits, in the same order of kinds */
    ck_assert_str_eq(
        e.csv,
        "journal,line,date,account,account_name,description,currency,debit,"
        "credit\n"
        "LEDGER-2026-12-15,1,2026-12-15,2150,Unapplied cash,"
        "Refunds 2026-12-15 (1),CAD,60.00,\n"
        "LEDGER-2026-12-15,2,2026-12-15,1010,Cash,"
        "Refunds 2026-12-15 (1),CAD,,60.00\n"
        "LEDGER-2026-12-15,3,2026-12-15,4950,Revenue adjustments,"
        "Credit memos 2026-12-15 (2),USD,150.25,\n"
        "LEDGER-2026-12-15,4,2026-12-15,1200,Accounts receivable,"
        "Debit memos 2026-12-15 (1),USD,25.00,\n"
        "LEDGER-2026-12-15,5,2026-12-15,4950,Revenue adjustments,"
        "Adjustments lowering AR 2026-12-15 (1),USD,10.00,\n"
        "LEDGER-2026-12-15,6,2026-12-15,1200,Accounts receivable,"
        "Adjustments raising AR 2026-12-15 (1),USD,3.50,\n"
        "LEDGER-2026-12-15,7,2026-12-15,6400,Bad debt,"
        "Write-offs 2026-12-15 (1),USD,200.00,\n"
        "LEDGER-2026-12-15,8,2026-12-15,1200,Accounts receivable,"
        "Recoveries 2026-12-15 (1),USD,80.00,\n"
        "LEDGER-2026-12-15,9,2026-12-15,1200,Accounts receivable,"
        "Transfers in 2026-12-15 (1),USD,40.00,\n"
        "LEDGER-2026-12-15,10,2026-12-15,1200,Accounts receivable,"
        "Credit memos 2026-12-15 (2),USD,,150.25\n"
        "LEDGER-2026-12-15,11,2026-12-15,4950,Revenue adjustments,"
        "Debit memos 2026-12-15 (1),USD,,25.00\n"
        "LEDGER-2026-12-15,12,2026-12-15,1200,Accounts receivable,"
        "Adjustments lowering AR 2026-12-15 (1),USD,,10.00\n"
        "LEDGER-2026-12-15,13,2026-12-15,4950,Revenue adjustments,"
        "Adjustments raising AR 2026-12-15 (1),USD,,3.50\n"
        "LEDGER-2026-12-15,14,2026-12-15,1200,Accounts receivable,"
        "Write-offs 2026-12-15 (1),USD,,200.00\n"
        "LEDGER-2026-12-15,15,2026-12-15,6400,Bad debt,"
        "Recoveries 2026-12-15 (1),USD,,80.00\n"
        "LEDGER-2026-12-15,16,2026-12-15,1200,Accounts receivable,"
        "Transfers out 2026-12-15 (1),USD,,40.00\n");
    ck_assert_int_eq(e.line_count, 16);
    ck_assert_int_eq(e.n_totals, 2);
    ck_assert_str_eq(e.totals[0].currency, "CAD");
    ck_assert_int_eq(e.totals[0].debit_minor, 6000);
    ck_assert_int_eq(e.totals[0].credit_minor, 6000);
    ck_assert_str_eq(e.totals[1].currency, "USD");
    ck_assert_int_eq(e.totals[1].debit_minor, 50875);
    ck_assert_int_eq(e.totals[1].credit_minor, 50875);
    /* receivable moved as the AR ledger did: 25.00 + 3.50 + 80.00 + 40.00
     * - 150.25 - 10.00 - 200.00 - 40.00 */
    ck_assert_int_eq(
        tl_fx_sql(db,
                  "SELECT sum(e.amount_minor) FROM collections.ledger_doc d"
                  " JOIN collections.ledger_entry e USING (account_id,"
                  " entry_id) WHERE e.currency = 'USD'"
                  " AND e.effective_date <= '2026-12-15'",
                  0, NULL),
        -25175);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.gl_export_total"
                                     " WHERE debit_minor = credit_minor"),
                     2);
    /* nine documents in USD (the transfer is two) and the refund */
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.gl_doc_posted"),
                     10);

    /* a second export is refused; the stored one prints again */
    ck_assert_int_eq(collections_gl_export_ledger_day(
                         &again, db, day("2026-12-15"), "test", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "already_exported");
    ck_assert_ptr_nonnull(
        strstr(err.message, "the ledger day 2026-12-15 was exported on"));
    ck_assert_ptr_null(again.csv);
    tl_err_clear(&err);
    ck_assert_int_eq(
        collections_gl_export_get(&again, db, "ledger_day", "2026-12-15", &err),
        0);
    ck_assert_int_eq(again.created, 0);
    ck_assert_int_eq(again.export_id, e.export_id);
    ck_assert_str_eq(again.csv, e.csv);
    ck_assert_str_eq(again.sha256, e.sha256);
    ck_assert_int_eq(again.n_totals, 2);
    ck_assert_int_eq(again.totals[1].debit_minor, 50875);
    collections_gl_export_free(&again);
    collections_gl_export_free(&e);

    /* a credit memo dated the 10th, posted after the 15th was exported,
     * goes out with the next day exported, never lost and never twice */
    post_doc("credit_memo", "FN-1", "INV-00000001", NULL, 1234, "USD",
             "2026-12-10", "CM-3");
    ck_assert_int_eq(collections_gl_export_ledger_day(&e, db, day("2026-12-16"),
                                                      "test", &err),
                     0);
    ck_assert_str_eq(
        e.csv,
        "journal,line,date,account,account_name,description,currency,debit,"
        "credit\n"
        "LEDGER-2026-12-16,1,2026-12-16,4950,Revenue adjustments,"
        "Credit memos 2026-12-16 (1; 1 dated earlier),USD,12.34,\n"
        "LEDGER-2026-12-16,2,2026-12-16,1200,Accounts receivable,"
        "Credit memos 2026-12-16 (1; 1 dated earlier),USD,,12.34\n");
    ck_assert_int_eq(e.totals[0].debit_minor, 1234);
    collections_gl_export_free(&e);
    ck_assert_int_eq(collections_gl_export_ledger_day(&e, db, day("2026-12-17"),
                                                      "test", &err),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "nothing_to_export");
    tl_err_clear(&err);
    /* the debit memo effective on the 20th waited for its day */
    ck_assert_int_eq(collections_gl_export_ledger_day(&e, db, day("2026-12-20"),
                                                      "test", &err),
                     0);
    ck_assert_str_eq(
        e.csv,
        "journal,line,date,account,account_name,description,currency,debit,"
        "credit\n"
        "LEDGER-2026-12-20,1,2026-12-20,1200,Accounts receivable,"
        "Debit memos 2026-12-20 (1),USD,7.00,\n"
        "LEDGER-2026-12-20,2,2026-12-20,4950,Revenue adjustments,"
        "Debit memos 2026-12-20 (1),USD,,7.00\n");
    collections_gl_export_free(&e);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.gl_doc_posted"),
                     12);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.gl_doc_posted g"
                                     " JOIN collections.gl_export x"
                                     " USING (export_id)"
                                     " WHERE x.source_key = '2026-12-16'"),
                     1);
    /* invoices and payments (the recovery's too) are the bill run's and
     * the cash day's: no ledger-day journal took one */
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.gl_doc_posted g"
                                     " JOIN collections.ledger_entry e"
                                     " USING (account_id, entry_id)"
                                     " WHERE e.kind IN ('invoice', 'payment')"),
                     0);
}
END_TEST

/* Without a bad_debt account a write-off cannot be journaled: refused
 * with the missing purpose named, nothing stored, nothing taken. */
START_TEST(gl_export_of_a_ledger_day_refuses_a_missing_bad_debt_account)
{
    collections_gl_export_t e;

    billed_book(1);
    load_gl_accounts();
    load_gl_doc_accounts("{\"accounts\": [{\"purpose\": \"adjustments\","
                         " \"account\": \"4950\","
                         " \"name\": \"Revenue adjustments\"}]}");
    write_off("INV-00000002", 20000, "2026-12-15");
    post_doc("credit_memo", "FN-1", "INV-00000001", NULL, 10000, "USD",
             "2026-12-15", "CM-1");
    ck_assert_int_eq(collections_gl_export_ledger_day(&e, db, day("2026-12-15"),
                                                      "test", &err),
                     TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 1);
    ck_assert_str_eq(err.problems[0].field, "glAccounts.bad_debt");
    ck_assert_str_eq(err.problems[0].code, "missing_gl_account");
    ck_assert_str_eq(err.problems[0].message,
                     "no GL account for bad_debt and no default: load one "
                     "with bill gl-accounts load");
    ck_assert_ptr_null(e.csv);
    ck_assert_int_eq(e.export_id, 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.gl_export"), 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.gl_doc_posted"),
        0);
    tl_err_clear(&err);

    /* with the account loaded, the same day exports both documents */
    load_gl_doc_accounts(gl_doc_accounts);
    ck_assert_int_eq(collections_gl_export_ledger_day(&e, db, day("2026-12-15"),
                                                      "test", &err),
                     0);
    ck_assert_int_eq(e.line_count, 4);
    ck_assert_int_eq(e.totals[0].debit_minor, 30000);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.gl_doc_posted"),
        2);
    collections_gl_export_free(&e);
}
END_TEST

static Suite *finance_suite(void)
{
    Suite *s = suite_create("finance");
    TCase *tc = tcase_create("finance");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, gl_accounts_refuse_bad_rows_and_write_nothing);
    tcase_add_test(tc, gl_accounts_load_again_changes_nothing);
    tcase_add_test(tc, finance_report_refuses_bad_months);
    tcase_add_test(tc, finance_report_ties_out_on_a_clean_book);
    tcase_add_test(tc, finance_report_counts_every_kind_of_line);
    tcase_add_test(tc, finance_report_flags_a_ledger_difference);
    tcase_add_test(tc, gl_export_refuses_missing_accounts_and_unknown_runs);
    tcase_add_test(tc, gl_export_refuses_an_unbalanced_journal);
    tcase_add_test(tc, gl_export_of_a_run_balances_and_is_made_once);
    tcase_add_test(tc, gl_export_of_a_cash_day_balances_and_is_made_once);
    tcase_add_test(tc, gl_export_of_a_ledger_day_balances_and_is_made_once);
    tcase_add_test(
        tc, gl_export_of_a_ledger_day_refuses_a_missing_bad_debt_account);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(finance_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
