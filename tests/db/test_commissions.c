/*
 * Indirect-agent commissions against a fresh database. The book: DIA
 * accounts (cycle 1) installed on 2026-11-10 and accepted on 2026-11-14,
 * billed by the November run issued 2026-11-20:
 *   on the contract (DIA500 at 1150.00): NRC 750.00 + MRC 651.67
 *     (14-30 Nov) + 1150.00 (December in advance) = 2551.67, MRC 1801.67
 *   at list (DIA500 at 1450.00): 750.00 + 821.67 + 1450.00 = 3021.67,
 *     MRC 2271.67
 * Agent SUMMIT is the agent of record of every account from 2026-01-01.
 * Amounts to the cent for each plan kind, tier boundaries, clawbacks,
 * reruns, approval and adjustments.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "collections/collections.h"
#include "commissions/commissions.h"
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

/* Runs SQL that the database must refuse; returns the SQLSTATE. */
static void sql_refused(const char *text, const char *sqlstate)
{
    PGresult *res = PQexec(tl_db_pgconn(db), text);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    ck_assert_msg(PQresultStatus(res) == PGRES_FATAL_ERROR,
                  "%s was not refused", text);
    ck_assert_str_eq(state != NULL ? state : "", sqlstate);
    PQclear(res);
}

static int64_t count(const char *q)
{
    return tl_fx_count(db, q);
}

typedef struct circuit_cap {
    char circuit[48];
} circuit_cap;

static int circuit_cb(const provisioning_service_t *s, void *cls, tl_err *e)
{
    (void)e;
    snprintf(((circuit_cap *)cls)->circuit, 48, "%s", s->circuit_id);
    return 0;
}

static void agent(const char *ref)
{
    int64_t id = 0;

    ck_assert_msg(accounts_person_put(&id, db, ref, "Agent", "agent", &err) ==
                      0,
                  "%s", err.message);
}

/* An account with a DIA installed 2026-11-10 and accepted 2026-11-14
 * (billing start), SUMMIT its agent of record from 2026-01-01. */
static void customer(char *circuit, const char *account, int site, int contract)
{
    provisioning_service_t svc;
    orders_order_t order;
    circuit_cap cap;
    char ext[32];
    int changed = 0;

    tl_fx_account(db, account, 1, site);
    if (contract)
        tl_fx_contract(db, account, "2026-10-01", "1150.00");
    ck_assert_msg(accounts_assign(&changed, db, account, "agent", "SUMMIT",
                                  day("2026-01-01"), "test", &err) == 0,
                  "%s", err.message);
    snprintf(ext, sizeof(ext), "EXT-%s", account);
    order = tl_fx_order(db, account, ext, site);
    memset(&cap, 0, sizeof(cap));
    ck_assert_int_eq(provisioning_order_services(db, order.order_number,
                                                 circuit_cb, &cap, &err),
                     1);
    snprintf(circuit, 48, "%s", cap.circuit);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "installed",
                                      day("2026-11-10"), "test", &err),
        0);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-11-14"), "test", &err),
        0);
}

static void bill(int year, int month, const char *issue)
{
    billing_run_result run;
    int posted = 0;

    ck_assert_msg(
        billing_run(&run, db, 1, year, month, day(issue), "test", &err) == 0,
        "bill run: %s", err.message);
    ck_assert_int_eq(
        collections_post_run(&posted, db, run.run_id, "test", &err), 0);
}

static void pay(const char *account, const char *amount, const char *on,
                const char *ref)
{
    collections_payment_in in;
    collections_payment_result res;

    memset(&in, 0, sizeof(in));
    ck_assert_int_eq(tl_money_parse(&in.amount, amount, "USD"), 0);
    in.account_number = account;
    in.received_date = day(on);
    in.reference = ref;
    in.method = "wire";
    in.actor = "test";
    ck_assert_msg(collections_post_payment(&res, db, &in, &err) == 0, "%s",
                  err.message);
}

/* SUMMIT's plan of kind from 2026-01-01 (every product). */
static void plan(const char *kind, int64_t ppm, int term, int clawback,
                 size_t n_tiers, const commissions_tier_t *tiers)
{
    commissions_plan_in in;
    int64_t id = 0;
    int created = 0;

    memset(&in, 0, sizeof(in));
    in.agent_ref = "SUMMIT";
    in.kind = kind;
    in.rate_ppm = ppm;
    in.term_months = term;
    in.clawback_months = clawback;
    in.valid_from = day("2026-01-01");
    in.tier_currency = "USD";
    in.n_tiers = n_tiers;
    if (n_tiers > 0)
        memcpy(in.tiers, tiers, n_tiers * sizeof(tiers[0]));
    in.actor = "test";
    ck_assert_msg(commissions_plan_put(&id, &created, db, &in, &err) == 0,
                  "plan: %s", err.message);
    ck_assert_int_eq(created, 1);
}

static commissions_run_result run(int year, int month)
{
    commissions_run_result r;

    ck_assert_msg(
        commissions_run(&r, db, "SUMMIT", year, month, "finance", &err) == 0,
        "run: %s", err.message);
    return r;
}

static void approve(int year, int month)
{
    int approved = 0;

    ck_assert_msg(commissions_approve(&approved, db, "SUMMIT", year, month,
                                      NULL, "controller", &err) == 0,
                  "approve: %s", err.message);
    ck_assert_int_eq(approved, 1);
}

static commissions_doc_t statement(int year, int month)
{
    commissions_doc_t doc;

    ck_assert_msg(commissions_statement_get(&doc, db, "SUMMIT", year, month,
                                            NULL, &err) == 0,
                  "statement: %s", err.message);
    return doc;
}

static void expect_line(const commissions_doc_t *doc, size_t i,
                        const char *circuit, const char *kind, int64_t basis,
                        int64_t ppm, int64_t amount)
{
    const commissions_line_t *l;

    ck_assert_msg(i < doc->n_lines, "line %zu of %zu", i, doc->n_lines);
    l = &doc->lines[i];
    ck_assert_int_eq(l->line_no, (int)i + 1);
    ck_assert_str_eq(l->circuit_id, circuit);
    ck_assert_str_eq(l->kind, kind);
    ck_assert_int_eq(l->basis.minor, basis);
    ck_assert_int_eq(l->rate_ppm, ppm);
    ck_assert_int_eq(l->amount.minor, amount);
    ck_assert_str_eq(l->amount.cur, "USD");
}

/* ---- rejects first ---- */

START_TEST(bad_plans_and_months_are_refused)
{
    commissions_plan_in in;
    commissions_run_result r;
    int64_t id = 0;
    int created = 0;

    agent("SUMMIT");
    memset(&in, 0, sizeof(in));
    in.agent_ref = "SUMMIT";
    in.kind = "percent";
    in.rate_ppm = 0;
    in.term_months = 500;
    in.clawback_months = -1;
    in.valid_from = day("2026-01-01");
    in.actor = "test";
    ck_assert_int_eq(commissions_plan_put(&id, &created, db, &in, &err),
                     TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 4);
    ck_assert_str_eq(err.problems[0].field, "kind");
    ck_assert_str_eq(err.problems[1].field, "rate");
    ck_assert_str_eq(err.problems[2].field, "termMonths");
    ck_assert_str_eq(err.problems[3].field, "clawbackMonths");
    tl_err_clear(&err);
    /* a term on an upfront plan; tiers out of order */
    in.kind = "upfront_nrc";
    in.rate_ppm = 100000;
    in.term_months = 12;
    in.clawback_months = 0;
    in.tier_currency = "USD";
    in.n_tiers = 2;
    in.tiers[0].above_minor = 500000;
    in.tiers[0].rate_ppm = 150000;
    in.tiers[1].above_minor = 400000;
    in.tiers[1].rate_ppm = 160000;
    ck_assert_int_eq(commissions_plan_put(&id, &created, db, &in, &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.problems[0].code, "not_applicable");
    ck_assert_str_eq(err.problems[1].field, "tiers[1]");
    tl_err_clear(&err);
    in.term_months = 0;
    in.n_tiers = 0;
    in.agent_ref = "NOBODY";
    ck_assert_int_eq(commissions_plan_put(&id, &created, db, &in, &err),
                     TL_ENOTFOUND);
    tl_err_clear(&err);
    in.agent_ref = "SUMMIT";
    in.product_id = "NO-SUCH";
    ck_assert_int_eq(commissions_plan_put(&id, &created, db, &in, &err),
                     TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(commissions_run(&r, db, "SUMMIT", 2026, 13, "t", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.field, "month");
    tl_err_clear(&err);
    ck_assert_int_eq(commissions_run(&r, db, "NOBODY", 2026, 11, "t", &err),
                     TL_ENOTFOUND);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM commissions.plan"), 0);
}
END_TEST

START_TEST(plans_are_effective_dated_and_idempotent)
{
    commissions_plan_in in;
    int64_t id1 = 0;
    int64_t id2 = 0;
    int created = 0;

    agent("SUMMIT");
    memset(&in, 0, sizeof(in));
    in.agent_ref = "SUMMIT";
    in.kind = "percent_collected";
    in.rate_ppm = 120000;
    in.term_months = 36;
    in.clawback_months = 6;
    in.valid_from = day("2026-01-01");
    in.actor = "test";
    ck_assert_int_eq(commissions_plan_put(&id1, &created, db, &in, &err), 0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(commissions_plan_put(&id2, &created, db, &in, &err), 0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(id1, id2);
    /* other values on the same day: a conflict */
    in.rate_ppm = 130000;
    ck_assert_int_eq(commissions_plan_put(&id2, &created, db, &in, &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    /* a new rate from July ends the first plan there */
    in.valid_from = day("2026-07-01");
    ck_assert_int_eq(commissions_plan_put(&id2, &created, db, &in, &err), 0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM commissions.plan"
                           " WHERE valid_to = '2026-07-01'"),
                     1);
    /* one audit event per plan defined */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'commissions.plan'"),
                     2);
}
END_TEST

START_TEST(round_half_even_in_sql)
{
    ck_assert_int_eq(
        count("SELECT (commissions.round_half_even(5, 2) = 2"
              " AND commissions.round_half_even(7, 2) = 4"
              " AND commissions.round_half_even(-5, 2) = -2"
              " AND commissions.round_half_even(-7, 2) = -4"
              " AND commissions.round_half_even(2502500000, 1000000) = 2502"
              " AND commissions.round_half_even(2503500000, 1000000) = 2504"
              " AND commissions.round_half_even(2502500001, 1000000) = 2503"
              " AND commissions.round_half_even(-2502500001, 1000000) = -2503"
              ")::int AS n"),
        1);
}
END_TEST

/* ---- each plan kind to the cent ---- */

START_TEST(percent_of_billed)
{
    char c1[48];
    char c2[48];
    commissions_run_result r;
    commissions_doc_t doc;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    customer(c2, "CM-2", 102, 0);
    plan("percent_billed", 120000, 36, 0, 0, NULL);
    bill(2026, 11, "2026-11-20");
    r = run(2026, 11);
    ck_assert_int_eq(r.statements, 1);
    ck_assert_int_eq(r.lines, 2);
    doc = statement(2026, 11);
    ck_assert_str_eq(doc.st.number, "CS-SUMMIT-2026-11-USD");
    ck_assert_str_eq(doc.st.status, "draft");
    ck_assert_int_eq(doc.n_lines, 2);
    /* 12% of 1801.67 = 216.2004 -> 216.20; of 2271.67 = 272.6004 */
    expect_line(&doc, 0, c1, "percent_billed", 180167, 120000, 21620);
    expect_line(&doc, 1, c2, "percent_billed", 227167, 120000, 27260);
    ck_assert_int_eq(doc.st.lines_total.minor, 48880);
    ck_assert_int_eq(doc.st.payable.minor, 48880);
    ck_assert_int_eq(doc.st.carried_out.minor, 0);
    /* ties to billing: the MRC of the final invoices */
    ck_assert_int_eq(doc.st.billed_mrc.minor, 180167 + 227167);
    ck_assert_int_eq(doc.st.basis_billed.minor, doc.st.billed_mrc.minor);
    ck_assert_int_eq(
        doc.st.billed_mrc.minor,
        count("SELECT sum(amount_minor) AS n FROM billing.invoice_line l"
              " JOIN billing.invoice i USING (account_id, invoice_id)"
              " WHERE i.status = 'final' AND l.charge_kind = 'MRC'"));
    ck_assert_int_eq(doc.st.new_mrc.minor, 115000 + 145000);
    commissions_statement_free(&doc);
    /* one audit event for the run, not one per line */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'commissions.run'"),
                     1);
}
END_TEST

START_TEST(percent_of_collected)
{
    char c1[48];
    commissions_doc_t doc;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    plan("percent_collected", 120000, 36, 6, 0, NULL);
    bill(2026, 11, "2026-11-20");
    /* nothing collected in November: no statement */
    ck_assert_int_eq(run(2026, 11).statements, 0);
    ck_assert_int_eq(
        commissions_statement_get(&doc, db, "SUMMIT", 2026, 11, NULL, &err),
        TL_ENOTFOUND);
    tl_err_clear(&err);
    /* 1000.00 of 2551.67 paid in December: MRC share 100000 x 180167 /
     * 255167 = 70606.7 -> 706.07; 12% = 84.7284 -> 84.73 */
    pay("CM-1", "1000.00", "2026-12-05", "W-1");
    run(2026, 12);
    doc = statement(2026, 12);
    ck_assert_int_eq(doc.n_lines, 1);
    expect_line(&doc, 0, c1, "percent_collected", 70607, 120000, 8473);
    ck_assert_int_eq(doc.st.collected_mrc.minor, 70607);
    ck_assert_int_eq(doc.st.basis_collected.minor, 70607);
    commissions_statement_free(&doc);
    approve(2026, 12);
    /* the rest, 1551.67, in January: 180167 - 70607 = 1095.60; 12% =
     * 131.472 -> 131.47; the two months add up to the MRC billed */
    pay("CM-1", "1551.67", "2027-01-03", "W-2");
    run(2027, 1);
    doc = statement(2027, 1);
    ck_assert_int_eq(doc.n_lines, 1);
    expect_line(&doc, 0, c1, "percent_collected", 109560, 120000, 13147);
    ck_assert_int_eq(70607 + doc.lines[0].basis.minor, 180167);
    commissions_statement_free(&doc);
}
END_TEST

START_TEST(upfront_on_first_month_and_on_nrc)
{
    char c1[48];
    commissions_doc_t doc;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    plan("upfront_first_month", 500000, 0, 0, 0, NULL);
    plan("upfront_nrc", 125000, 0, 0, 0, NULL);
    bill(2026, 11, "2026-11-20");
    run(2026, 11);
    doc = statement(2026, 11);
    ck_assert_int_eq(doc.n_lines, 2);
    /* 50% of the monthly MRC 1150.00; 12.5% of the NRC 750.00 = 93.75 */
    expect_line(&doc, 0, c1, "upfront_first_month", 115000, 500000, 57500);
    expect_line(&doc, 1, c1, "upfront_nrc", 75000, 125000, 9375);
    ck_assert_int_eq(doc.st.lines_total.minor, 66875);
    commissions_statement_free(&doc);
    approve(2026, 11);
    /* December's invoice bills January: no upfront again */
    bill(2026, 12, "2026-12-20");
    ck_assert_int_eq(run(2026, 12).statements, 0);
}
END_TEST

/* ---- volume tiers ---- */

START_TEST(tier_boundary_exactly_and_one_cent_over)
{
    char c1[48];
    commissions_tier_t tier = {115000, 150000}; /* above 1150.00: 15% */
    commissions_run_result r;
    commissions_doc_t doc;
    int64_t id_before;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    plan("percent_billed", 100000, 36, 0, 1, &tier);
    bill(2026, 11, "2026-11-20");
    /* new MRC of November is exactly 1150.00: not above, the plan's 10%
     * of 1801.67 = 180.167 -> 180.17 */
    run(2026, 11);
    doc = statement(2026, 11);
    ck_assert_int_eq(doc.st.new_mrc.minor, 115000);
    expect_line(&doc, 0, c1, "percent_billed", 180167, 100000, 18017);
    id_before = doc.st.statement_id;
    commissions_statement_free(&doc);
    /* a threshold one cent lower: 1150.00 is one cent over it, 15% =
     * 270.2505 -> 270.25; the draft is rebuilt in place */
    sql("UPDATE commissions.plan_tier SET above_minor = 114999");
    r = run(2026, 11);
    ck_assert_int_eq(r.lines, 1);
    doc = statement(2026, 11);
    ck_assert_int_eq(doc.st.statement_id, id_before);
    ck_assert_int_eq(doc.n_lines, 1);
    expect_line(&doc, 0, c1, "percent_billed", 180167, 150000, 27025);
    commissions_statement_free(&doc);
}
END_TEST

/* ---- term and product ---- */

START_TEST(term_and_product_plans)
{
    char c1[48];
    commissions_plan_in in;
    commissions_doc_t doc;
    int64_t id = 0;
    int created = 0;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    /* 12% for every product for one month; 15% for DIA for one month:
     * the product's plan wins */
    plan("percent_billed", 120000, 1, 0, 0, NULL);
    memset(&in, 0, sizeof(in));
    in.agent_ref = "SUMMIT";
    in.kind = "percent_billed";
    in.product_id = "DIA";
    in.rate_ppm = 150000;
    in.term_months = 1;
    in.valid_from = day("2026-01-01");
    in.actor = "test";
    ck_assert_int_eq(commissions_plan_put(&id, &created, db, &in, &err), 0);
    bill(2026, 11, "2026-11-20");
    run(2026, 11);
    doc = statement(2026, 11);
    ck_assert_int_eq(doc.n_lines, 1);
    /* both periods start before 2026-12-14: 15% of 1801.67 = 270.2505 */
    expect_line(&doc, 0, c1, "percent_billed", 180167, 150000, 27025);
    ck_assert_int_eq(doc.lines[0].plan_id, id);
    commissions_statement_free(&doc);
    approve(2026, 11);
    /* December's invoice bills January, after the term: nothing to
     * commission, so no statement */
    bill(2026, 12, "2026-12-20");
    ck_assert_int_eq(run(2026, 12).statements, 0);
}
END_TEST

/* ---- clawbacks ---- */

START_TEST(clawback_on_early_disconnect)
{
    char c1[48];
    char c2[48];
    commissions_doc_t doc;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    plan("percent_billed", 120000, 36, 6, 0, NULL);
    bill(2026, 11, "2026-11-20");
    run(2026, 11);
    approve(2026, 11); /* 216.20 paid on c1 */
    /* disconnected on 2026-12-15, a month after billing start */
    {
        char text[256];

        snprintf(text, sizeof(text),
                 "UPDATE provisioning.service SET disconnect_date ="
                 " '2026-12-15', state = 'disconnected'"
                 " WHERE circuit_id = '%s'",
                 c1);
        sql(text);
    }
    run(2026, 12);
    doc = statement(2026, 12);
    ck_assert_int_eq(doc.n_lines, 1);
    expect_line(&doc, 0, c1, "clawback_disconnect", 21620, 1000000, -21620);
    /* nothing payable; the balance goes to the next statement */
    ck_assert_int_eq(doc.st.lines_total.minor, -21620);
    ck_assert_int_eq(doc.st.payable.minor, 0);
    ck_assert_int_eq(doc.st.carried_out.minor, -21620);
    commissions_statement_free(&doc);
    /* rerunning the month claws back once */
    run(2026, 12);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM"
                           " commissions.statement_line"
                           " WHERE kind = 'clawback_disconnect'"),
                     1);
    approve(2026, 12);
    /* a new customer in January: its commission first pays back the
     * carried -216.20 */
    customer(c2, "CM-2", 102, 0);
    sql("UPDATE provisioning.service SET billing_start_date = '2027-01-05',"
        " acceptance_date = '2027-01-05' WHERE account_id ="
        " (SELECT account_id FROM accounts.billing_account"
        "  WHERE account_number = 'CM-2')");
    bill(2027, 1, "2027-01-20");
    run(2027, 1);
    doc = statement(2027, 1);
    ck_assert_int_eq(doc.st.carried_in.minor, -21620);
    ck_assert_int_ge(doc.n_lines, 1);
    ck_assert_str_eq(doc.lines[doc.n_lines - 1].circuit_id, c2);
    ck_assert_int_eq(doc.st.payable.minor,
                     doc.st.lines_total.minor - 21620 > 0
                         ? doc.st.lines_total.minor - 21620
                         : 0);
    /* the disconnected circuit earns nothing more */
    ck_assert_str_ne(doc.lines[0].circuit_id, c1);
    commissions_statement_free(&doc);
}
END_TEST

START_TEST(clawback_on_write_off)
{
    char c1[48];
    char c2[48];
    commissions_doc_t doc;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    customer(c2, "CM-2", 102, 0);
    plan("percent_billed", 120000, 36, 0, 0, NULL);
    bill(2026, 11, "2026-11-20");
    run(2026, 11);
    approve(2026, 11); /* 216.20 on c1, 272.60 on c2 */
    /* collections writes CM-2's invoice off on 2026-12-28 */
    sql("INSERT INTO collections.ledger_entry (account_id, kind, source_ref,"
        " amount_minor, currency, effective_date, invoice_id)"
        " SELECT account_id, 'write_off', 'WO-1', -total_minor, i.currency,"
        " '2026-12-28', invoice_id FROM billing.invoice i"
        " JOIN accounts.billing_account a USING (account_id)"
        " WHERE a.account_number = 'CM-2'");
    run(2026, 12);
    doc = statement(2026, 12);
    ck_assert_int_eq(doc.n_lines, 1);
    expect_line(&doc, 0, c2, "clawback_write_off", 27260, 1000000, -27260);
    ck_assert_ptr_nonnull(strstr(doc.lines[0].description, "written off"));
    commissions_statement_free(&doc);
}
END_TEST

/* ---- reruns, approval, adjustments ---- */

START_TEST(rerunning_a_month_never_duplicates)
{
    char c1[48];
    commissions_run_result r;
    commissions_doc_t doc;
    int64_t id;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    plan("percent_billed", 120000, 36, 0, 0, NULL);
    plan("upfront_nrc", 100000, 0, 0, 0, NULL);
    bill(2026, 11, "2026-11-20");
    run(2026, 11);
    doc = statement(2026, 11);
    id = doc.st.statement_id;
    commissions_statement_free(&doc);
    r = run(2026, 11);
    ck_assert_int_eq(r.statements, 1);
    ck_assert_int_eq(r.lines, 2);
    r = run(2026, 11);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM commissions.statement"),
                     1);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM commissions.statement_line"), 2);
    doc = statement(2026, 11);
    ck_assert_int_eq(doc.st.statement_id, id);
    expect_line(&doc, 0, c1, "percent_billed", 180167, 120000, 21620);
    expect_line(&doc, 1, c1, "upfront_nrc", 75000, 100000, 7500);
    commissions_statement_free(&doc);
    /* the same for a run of every agent */
    ck_assert_int_eq(commissions_run(&r, db, NULL, 2026, 11, "t", &err), 0);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM commissions.statement_line"), 2);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'commissions.run'"),
                     4);
}
END_TEST

START_TEST(approved_statement_is_immutable)
{
    char c1[48];
    commissions_run_result r;
    commissions_doc_t doc;
    int approved = 1;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    plan("percent_billed", 120000, 36, 0, 0, NULL);
    bill(2026, 11, "2026-11-20");
    run(2026, 11);
    /* December cannot run while November is a draft */
    ck_assert_int_eq(commissions_run(&r, db, "SUMMIT", 2026, 12, "t", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "earlier_draft_open");
    tl_err_clear(&err);
    approve(2026, 11);
    ck_assert_int_eq(commissions_approve(&approved, db, "SUMMIT", 2026, 11,
                                         NULL, "controller", &err),
                     0);
    ck_assert_int_eq(approved, 0);
    doc = statement(2026, 11);
    ck_assert_str_eq(doc.st.status, "approved");
    ck_assert_str_eq(doc.st.approved_by, "controller");
    commissions_statement_free(&doc);
    /* rerunning the month creates nothing */
    r = run(2026, 11);
    ck_assert_int_eq(r.statements, 0);
    ck_assert_int_eq(r.lines, 0);
    ck_assert_int_eq(r.approved_kept, 1);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM commissions.statement_line"), 1);
    /* the database refuses any change too */
    sql_refused("UPDATE commissions.statement_line SET amount_minor = 1",
                "23001");
    sql_refused("DELETE FROM commissions.statement_line", "23001");
    sql_refused("UPDATE commissions.statement SET status = 'draft',"
                " approved_by = NULL, approved_at = NULL",
                "23001");
    sql_refused("DELETE FROM commissions.statement", "23001");
    sql_refused("INSERT INTO commissions.statement_line (account_id,"
                " statement_id, line_no, agent_id, service_id, kind,"
                " basis_minor, rate_ppm, amount_minor, description)"
                " SELECT account_id, statement_id, 2, agent_id, service_id,"
                " 'upfront_nrc', 1, 1, 1, 'x'"
                " FROM commissions.statement_line",
                "23001");
    ck_assert_int_eq(count("SELECT sum(amount_minor) AS n FROM"
                           " commissions.statement_line"),
                     21620);
}
END_TEST

START_TEST(adjustment_carried_to_the_next_statement)
{
    char c1[48];
    commissions_adjust_in in;
    commissions_doc_t doc;
    int64_t adj = 0;

    tl_fx_catalog(db);
    agent("SUMMIT");
    customer(c1, "CM-1", 101, 1);
    plan("percent_billed", 120000, 36, 0, 0, NULL);
    bill(2026, 11, "2026-11-20");
    run(2026, 11);
    approve(2026, 11);
    /* finance finds November overpaid by 20.00 */
    memset(&in, 0, sizeof(in));
    in.agent_ref = "SUMMIT";
    in.account_number = "CM-1";
    in.circuit_id = c1;
    ck_assert_int_eq(tl_money_make(&in.amount, -2000, "USD"), 0);
    in.year = 2026;
    in.month = 12;
    in.reason = "November rate corrected";
    in.actor = "controller";
    ck_assert_int_eq(commissions_adjust(&adj, db, &in, &err), 0);
    /* a reject: another currency */
    ck_assert_int_eq(tl_money_make(&in.amount, -2000, "CAD"), 0);
    ck_assert_int_eq(commissions_adjust(&adj, db, &in, &err), TL_EINVALID);
    tl_err_clear(&err);
    bill(2026, 12, "2026-12-20");
    run(2026, 12);
    run(2026, 12);
    doc = statement(2026, 12);
    ck_assert_int_eq(doc.n_lines, 2);
    /* December's invoice bills January in advance: 12% of 1150.00 */
    expect_line(&doc, 0, c1, "percent_billed", 115000, 120000, 13800);
    expect_line(&doc, 1, c1, "adjustment", -2000, 1000000, -2000);
    ck_assert_str_eq(doc.lines[1].description,
                     "adjustment: November rate corrected");
    ck_assert_int_eq(doc.st.lines_total.minor, 11800);
    ck_assert_int_eq(doc.st.payable.minor, 11800);
    commissions_statement_free(&doc);
    approve(2026, 12);
    /* carried once: not on January's statement */
    bill(2027, 1, "2027-01-20");
    run(2027, 1);
    doc = statement(2027, 1);
    ck_assert_int_eq(doc.n_lines, 1);
    ck_assert_str_eq(doc.lines[0].kind, "percent_billed");
    commissions_statement_free(&doc);
}
END_TEST

/* ---- audit ---- */

typedef struct found {
    int n;
    char codes[8][48];
    char statuses[8][16];
} found;

static int found_cb(const commissions_finding_t *f, void *cls, tl_err *e)
{
    found *fd = cls;

    (void)e;
    if (fd->n < 8) {
        snprintf(fd->codes[fd->n], 48, "%s", f->code);
        snprintf(fd->statuses[fd->n], 16, "%s", f->status);
    }
    fd->n++;
    return 0;
}

START_TEST(audit_finds_unsigned_orders_agents_not_of_record_and_disputes)
{
    char c1[48];
    char c2[48];
    found fd;
    int n;

    tl_fx_catalog(db);
    agent("SUMMIT");
    agent("OTHER");
    customer(c1, "CM-1", 101, 1);
    customer(c2, "CM-2", 102, 0);
    plan("percent_billed", 120000, 36, 0, 0, NULL);
    bill(2026, 11, "2026-11-20");
    run(2026, 11);
    memset(&fd, 0, sizeof(fd));
    n = commissions_audit(db, NULL, 2026, 11, found_cb, &fd, &err);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(fd.n, 0);
    /* CM-1's order held after the fact; CM-2's agent of record changed
     * to OTHER from before its billing start */
    sql("UPDATE orders.sales_order SET state = 'held' WHERE account_id ="
        " (SELECT account_id FROM accounts.billing_account"
        "  WHERE account_number = 'CM-1')");
    sql("UPDATE accounts.account_assignment SET person_id ="
        " (SELECT person_id FROM accounts.person WHERE person_ref = 'OTHER')"
        " WHERE account_id = (SELECT account_id FROM accounts.billing_account"
        "  WHERE account_number = 'CM-2')");
    memset(&fd, 0, sizeof(fd));
    n = commissions_audit(db, "SUMMIT", 2026, 11, found_cb, &fd, &err);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(fd.codes[0], "service_without_signed_order");
    ck_assert_str_eq(fd.codes[1], "agent_not_of_record");
    /* CM-1 disputes its November invoice in November: its line is on an
     * invoice under dispute too */
    sql("INSERT INTO collections.dispute (account_id, invoice_id, reason,"
        " amount_minor, currency, opened_on, opened_by)"
        " SELECT account_id, invoice_id, 'wrong speed', 10000, 'USD',"
        " '2026-11-25', 'test' FROM billing.invoice WHERE account_id ="
        " (SELECT account_id FROM accounts.billing_account"
        "  WHERE account_number = 'CM-1')");
    memset(&fd, 0, sizeof(fd));
    n = commissions_audit(db, "SUMMIT", 2026, 11, found_cb, &fd, &err);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(fd.codes[0], "disputed_invoice");
    ck_assert_str_eq(fd.statuses[0], "finding");
    ck_assert_str_eq(fd.codes[1], "service_without_signed_order");
    ck_assert_str_eq(fd.codes[2], "agent_not_of_record");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("commissions");
    TCase *tc = tcase_create("commissions");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bad_plans_and_months_are_refused);
    tcase_add_test(tc, plans_are_effective_dated_and_idempotent);
    tcase_add_test(tc, round_half_even_in_sql);
    tcase_add_test(tc, percent_of_billed);
    tcase_add_test(tc, percent_of_collected);
    tcase_add_test(tc, upfront_on_first_month_and_on_nrc);
    tcase_add_test(tc, tier_boundary_exactly_and_one_cent_over);
    tcase_add_test(tc, term_and_product_plans);
    tcase_add_test(tc, clawback_on_early_disconnect);
    tcase_add_test(tc, clawback_on_write_off);
    tcase_add_test(tc, rerunning_a_month_never_duplicates);
    tcase_add_test(tc, approved_statement_is_immutable);
    tcase_add_test(tc, adjustment_carried_to_the_next_statement);
    tcase_add_test(
        tc, audit_finds_unsigned_orders_agents_not_of_record_and_disputes);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
