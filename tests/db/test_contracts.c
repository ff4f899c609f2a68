/*
 * Contracts against a fresh database: terms on load, price precedence and
 * the escalator, expiry, idempotent renewals on boundary dates, early
 * termination fees to the cent, and import from JSON and CSV with every
 * error kind and nothing written from a bad file.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "contracts/contracts.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

static void setup(void)
{
    db = tl_test_db_open();
    tl_err_init(&err);
    tl_fx_catalog(db);
    tl_fx_account(db, "HH-1001", 1, 100);
    tl_fx_account(db, "NW-2001", 1, 200);
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

    ck_assert_msg(doc != NULL, "%s: %s", jerr.text, text);
    return doc;
}

static void assert_problem(const char *field, const char *code)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0 &&
            strcmp(err.problems[i].code, code) == 0)
            return;
    ck_abort_msg("no problem %s at %s (%zu problems, first %s at %s)", code,
                 field, err.n_problems,
                 err.n_problems ? err.problems[0].code : "-",
                 err.n_problems ? err.problems[0].field : "-");
}

static int load(const char *text)
{
    contracts_load_result res;
    json_t *doc = parse(text);
    int rc = contracts_load(&res, db, doc, "test", &err);

    json_decref(doc);
    return rc;
}

static void load_ok(const char *text)
{
    int rc = load(text);

    ck_assert_msg(rc == 0, "load: %s %s %s", err.code, err.field, err.message);
}

static int64_t account_id(const char *number)
{
    accounts_account_t a;

    ck_assert_int_eq(accounts_get(&a, db, number, &err), 0);
    return a.account_id;
}

/* contracts_price_on, checked against the rate book the bill run prices
 * from (contracts_rate_book_find): both must give the same contract rate,
 * or both none, so every pricing case below covers the book too. */
static contracts_price_t price(const char *number, const char *code,
                               const char *on)
{
    int64_t id = account_id(number);
    contracts_rate_book book = {NULL, 0, 0};
    contracts_price_t p;
    contracts_price_t b;
    int found;

    ck_assert_int_eq(contracts_price_on(&p, db, id, code, day(on), &err), 0);
    ck_assert_int_eq(contracts_rate_book_load(&book, db, &id, 1, &err), 0);
    found = contracts_rate_book_find(&b, &book, id, code, day(on), &err);
    contracts_rate_book_free(&book);
    ck_assert_int_eq(found, p.source == CONTRACTS_PRICE_CONTRACT);
    if (found) {
        ck_assert_int_eq(b.amount.minor, p.amount.minor);
        ck_assert_str_eq(b.amount.cur, p.amount.cur);
        ck_assert_int_eq(b.base_rate.minor, p.base_rate.minor);
        ck_assert_int_eq(b.agreement_id, p.agreement_id);
        ck_assert_str_eq(b.agreement_ref, p.agreement_ref);
        ck_assert_int_eq(b.escalation_steps, p.escalation_steps);
    }
    return p;
}

static int64_t count(const char *sql)
{
    return tl_fx_count(db, sql);
}

#define HARBOR                                                                 \
    "{\"ref\": \"HH-MSA\", \"accountNumber\": \"HH-1001\","                    \
    " \"startDate\": \"2026-10-01\", \"termMonths\": 36,"                      \
    " \"autoAcceptanceDays\": 5, \"currency\": \"USD\","                       \
    " \"renewal\": \"evergreen\", \"noticeDays\": 60,"                         \
    " \"escalatorPercent\": \"3\", \"etfPercent\": \"50\","                    \
    " \"rates\": [{\"code\": \"DIA500\", \"amount\": \"1150.00\"},"            \
    " {\"code\": \"DIA-INST\", \"amount\": \"0.00\"}]}"

#define NORTHWIND                                                              \
    "{\"ref\": \"NW-MA\", \"accountNumber\": \"NW-2001\","                     \
    " \"startDate\": \"2026-01-01\", \"termMonths\": 36,"                      \
    " \"currency\": \"USD\", \"renewal\": \"renew_n\","                        \
    " \"renewalMonths\": 12, \"noticeDays\": 90,"                              \
    " \"minimumCommitment\": \"20000.00\", \"etfFixed\": \"5000.00\","         \
    " \"rates\": [{\"code\": \"DIA500\", \"amount\": \"1100.00\"}]}"

/* ---- load ---- */

START_TEST(load_reports_every_bad_term_and_writes_nothing)
{
    ck_assert_int_eq(
        load("{\"ref\": \"X-1\", \"accountNumber\": \"HH-1001\","
             " \"startDate\": \"2026-10-01\", \"termMonths\": 12,"
             " \"currency\": \"USD\", \"renewal\": \"sometimes\","
             " \"noticeDays\": 1000, \"minimumCommitment\": \"-1.00\","
             " \"etfPercent\": \"50.12345\", \"etfFixed\": \"10.00\","
             " \"escalatorPercent\": 3, \"rates\": []}"),
        TL_EINVALID);
    assert_problem("renewal", "format");
    assert_problem("noticeDays", "range");
    assert_problem("minimumCommitment", "range");
    assert_problem("etfPercent", "format");
    assert_problem("escalatorPercent", "type");
    ck_assert_int_eq(err.n_problems, 5);
    tl_err_clear(&err);
    ck_assert_int_eq(load("{\"ref\": \"X-2\", \"accountNumber\": \"HH-1001\","
                          " \"startDate\": \"2026-10-01\", \"termMonths\": 12,"
                          " \"currency\": \"USD\", \"renewal\": \"renew_n\", "
                          "\"renewalMonths\": null,"
                          " \"etfPercent\": \"101\", \"etfFixed\": \"10.00\"}"),
                     TL_EINVALID);
    assert_problem("renewalMonths", "required");
    assert_problem("etfPercent", "range");
    ck_assert_int_eq(err.n_problems, 2);
    tl_err_clear(&err);
    ck_assert_int_eq(load("{\"ref\": \"X-3\", \"accountNumber\": \"HH-1001\","
                          " \"startDate\": \"2026-10-01\", \"termMonths\": 12,"
                          " \"currency\": \"USD\", \"renewal\": \"evergreen\","
                          " \"renewalMonths\": 12, \"etfPercent\": \"10\","
                          " \"etfFixed\": \"10.00\"}"),
                     TL_EINVALID);
    assert_problem("renewalMonths", "not_allowed");
    assert_problem("etfFixed", "exclusive");
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.agreement"), 0);
}
END_TEST

START_TEST(load_stores_terms_and_reload_is_a_no_op)
{
    contracts_agreement_t a;
    json_t *doc = NULL;

    load_ok(NORTHWIND);
    load_ok(NORTHWIND);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.agreement"), 1);
    ck_assert_int_eq(contracts_agreement_get(&a, db, "NW-2001", "NW-MA", &err),
                     0);
    ck_assert_int_eq(a.renewal, CONTRACTS_RENEW_N);
    ck_assert_int_eq(a.renewal_months, 12);
    ck_assert_int_eq(a.notice_days, 90);
    ck_assert_int_eq(a.minimum_commitment.minor, 2000000);
    ck_assert_int_eq(a.etf_rule, CONTRACTS_ETF_FIXED);
    ck_assert_int_eq(a.etf_fixed.minor, 500000);
    ck_assert_int_eq(a.end_date, day("2029-01-01"));
    ck_assert_int_eq(a.current_end_date, day("2029-01-01"));
    ck_assert(!a.terminated);
    /* the same ref with another notice period is a conflict */
    ck_assert_int_eq(
        load("{\"ref\": \"NW-MA\", \"accountNumber\": \"NW-2001\","
             " \"startDate\": \"2026-01-01\", \"termMonths\": 36,"
             " \"currency\": \"USD\", \"renewal\": \"renew_n\","
             " \"renewalMonths\": 12, \"noticeDays\": 60,"
             " \"minimumCommitment\": \"20000.00\", \"etfFixed\": "
             "\"5000.00\", \"rates\": [{\"code\": \"DIA500\", \"amount\":"
             " \"1100.00\"}]}"),
        TL_EINVALID);
    assert_problem("ref", "conflict");
    tl_err_clear(&err);
    ck_assert_int_eq(contracts_describe(&doc, db, "NW-2001", "NW-MA", &err), 0);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "noticeDeadline")),
                     "2028-10-03");
    ck_assert_str_eq(json_string_value(json_object_get(doc, "etfFixed")),
                     "5000.00");
    ck_assert_str_eq(
        json_string_value(json_object_get(doc, "minimumCommitment")),
        "20000.00");
    ck_assert_int_eq(json_array_size(json_object_get(doc, "rates")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "amendments")), 0);
    ck_assert(json_is_null(json_object_get(doc, "termination")));
    json_decref(doc);
    ck_assert_int_eq(contracts_describe(&doc, db, "NW-2001", "NOPE", &err),
                     TL_ENOTFOUND);
    ck_assert_ptr_null(doc);
}
END_TEST

/* ---- pricing ---- */

START_TEST(escalator_applies_on_the_anniversary)
{
    contracts_price_t p;

    load_ok(HARBOR);
    p = price("HH-1001", "DIA500", "2026-11-14");
    ck_assert_int_eq(p.amount.minor, 115000);
    ck_assert_int_eq(p.source, CONTRACTS_PRICE_CONTRACT);
    ck_assert_int_eq(p.escalation_steps, 0);
    ck_assert_str_eq(p.agreement_ref, "HH-MSA");
    p = price("HH-1001", "DIA500", "2027-09-30");
    ck_assert_int_eq(p.amount.minor, 115000);
    ck_assert_int_eq(p.escalation_steps, 0);
    p = price("HH-1001", "DIA500", "2027-10-01");
    ck_assert_int_eq(p.amount.minor, 118450);
    ck_assert_int_eq(p.base_rate.minor, 115000);
    ck_assert_int_eq(p.escalation_steps, 1);
    p = price("HH-1001", "DIA500", "2028-10-01");
    ck_assert_int_eq(p.amount.minor, 122004);
    ck_assert_int_eq(p.escalation_steps, 2);
    /* the term ends 2029-10-01 (nobody renewed yet): list price */
    p = price("HH-1001", "DIA500", "2029-10-01");
    ck_assert_int_eq(p.amount.minor, 145000);
    ck_assert_int_eq(p.source, CONTRACTS_PRICE_LIST);
    ck_assert_int_eq(p.escalation_steps, 0);
    ck_assert_int_eq(p.agreement_id, 0);
}
END_TEST

START_TEST(price_precedence_with_overlapping_agreements)
{
    contracts_price_t p;

    load_ok("{\"ref\": \"A\", \"accountNumber\": \"HH-1001\","
            " \"startDate\": \"2026-10-01\", \"termMonths\": 36,"
            " \"currency\": \"USD\", \"rates\": ["
            " {\"code\": \"DIA500\", \"amount\": \"1150.00\"},"
            " {\"code\": \"DIA100\", \"amount\": \"600.00\"}]}");
    load_ok("{\"ref\": \"B\", \"accountNumber\": \"HH-1001\","
            " \"startDate\": \"2027-01-01\", \"termMonths\": 12,"
            " \"currency\": \"USD\", \"rates\": ["
            " {\"code\": \"DIA500\", \"amount\": \"1100.00\"}]}");
    /* before B: A */
    p = price("HH-1001", "DIA500", "2026-12-31");
    ck_assert_int_eq(p.amount.minor, 115000);
    ck_assert_str_eq(p.agreement_ref, "A");
    /* B starts later and covers DIA500: B wins */
    p = price("HH-1001", "DIA500", "2027-01-01");
    ck_assert_int_eq(p.amount.minor, 110000);
    ck_assert_str_eq(p.agreement_ref, "B");
    /* B has no DIA100 rate: A's still applies */
    p = price("HH-1001", "DIA100", "2027-06-01");
    ck_assert_int_eq(p.amount.minor, 60000);
    ck_assert_str_eq(p.agreement_ref, "A");
    /* after B ends, A again */
    p = price("HH-1001", "DIA500", "2028-01-01");
    ck_assert_int_eq(p.amount.minor, 115000);
    ck_assert_str_eq(p.agreement_ref, "A");
    /* no rate anywhere: the list price */
    p = price("HH-1001", "DIA-INST", "2027-06-01");
    ck_assert_int_eq(p.amount.minor, 75000);
    ck_assert_int_eq(p.source, CONTRACTS_PRICE_LIST);
    /* another account sees list prices only */
    p = price("NW-2001", "DIA500", "2027-06-01");
    ck_assert_int_eq(p.amount.minor, 145000);
    ck_assert_int_eq(p.source, CONTRACTS_PRICE_LIST);
}
END_TEST

START_TEST(rate_change_has_history_and_restarts_the_escalator)
{
    contracts_rate_change_result r;
    contracts_price_t p;
    tl_money amount;
    json_t *doc = NULL;
    json_t *am;

    load_ok(HARBOR);
    ck_assert_int_eq(tl_money_parse(&amount, "1000.00", "USD"), 0);
    ck_assert_int_eq(contracts_change_rate(&r, db, "HH-1001", "HH-MSA",
                                           "DIA100", &amount, day("2028-01-01"),
                                           "test", &err),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.code, "unknown_rate");
    tl_err_clear(&err);
    ck_assert_int_eq(contracts_change_rate(&r, db, "HH-1001", "HH-MSA",
                                           "DIA500", &amount, day("2029-10-01"),
                                           "test", &err),
                     TL_EINVALID);
    assert_problem("effective", "range");
    tl_err_clear(&err);
    ck_assert_int_eq(contracts_change_rate(&r, db, "HH-1001", "HH-MSA",
                                           "DIA500", &amount, day("2028-01-01"),
                                           "test", &err),
                     0);
    ck_assert_int_eq(r.created, 1);
    ck_assert_int_eq(r.before.minor, 115000);
    /* the day before: the signed rate, escalated once */
    p = price("HH-1001", "DIA500", "2027-12-31");
    ck_assert_int_eq(p.amount.minor, 118450);
    ck_assert_int_eq(p.escalation_steps, 1);
    /* from the change: the new rate, not escalated by past anniversaries */
    p = price("HH-1001", "DIA500", "2028-01-01");
    ck_assert_int_eq(p.amount.minor, 100000);
    ck_assert_int_eq(p.escalation_steps, 0);
    p = price("HH-1001", "DIA500", "2028-09-30");
    ck_assert_int_eq(p.amount.minor, 100000);
    /* the next anniversary escalates it: 1000.00 * 1.03 */
    p = price("HH-1001", "DIA500", "2028-10-01");
    ck_assert_int_eq(p.amount.minor, 103000);
    ck_assert_int_eq(p.escalation_steps, 1);
    ck_assert_int_eq(p.base_rate.minor, 100000);
    /* the same change again records nothing; another amount conflicts */
    ck_assert_int_eq(contracts_change_rate(&r, db, "HH-1001", "HH-MSA",
                                           "DIA500", &amount, day("2028-01-01"),
                                           "test", &err),
                     0);
    ck_assert_int_eq(r.created, 0);
    ck_assert_int_eq(tl_money_parse(&amount, "999.00", "USD"), 0);
    ck_assert_int_eq(contracts_change_rate(&r, db, "HH-1001", "HH-MSA",
                                           "DIA500", &amount, day("2028-01-01"),
                                           "test", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.amendment"
                           " WHERE kind = 'rate_change'"),
                     1);
    ck_assert_int_eq(contracts_describe(&doc, db, "HH-1001", "HH-MSA", &err),
                     0);
    am = json_array_get(json_object_get(doc, "amendments"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(am, "kind")),
                     "rate_change");
    ck_assert_str_eq(json_string_value(json_object_get(am, "effectiveDate")),
                     "2028-01-01");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(am, "before"), "amount")),
                     "1150.00");
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(am, "after"), "amount")),
                     "1000.00");
    json_decref(doc);
}
END_TEST

/* ---- expiry and renewals ---- */

typedef struct seen_rows {
    int n;
    contracts_expiring_row rows[8];
    char numbers[8][40];
} seen_rows;

static int keep_row(const contracts_expiring_row *r, void *cls, tl_err *e)
{
    seen_rows *s = cls;

    (void)e;
    ck_assert_int_lt(s->n, 8);
    s->rows[s->n] = *r;
    snprintf(s->numbers[s->n], sizeof(s->numbers[0]), "%s", r->account_number);
    s->rows[s->n].account_number = s->numbers[s->n];
    s->n++;
    return 0;
}

static seen_rows expiring(const char *as_of, int within)
{
    seen_rows s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(
        contracts_expiring(db, day(as_of), within, keep_row, &s, &err), s.n);
    return s;
}

START_TEST(expiring_lists_end_notice_mrc_and_renewal)
{
    seen_rows s;

    load_ok(NORTHWIND);
    load_ok(HARBOR);
    /* Northwind ends 2029-01-01: 113 days after 2028-09-10 */
    s = expiring("2028-09-10", 112);
    ck_assert_int_eq(s.n, 0);
    s = expiring("2028-09-10", 120);
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.numbers[0], "NW-2001");
    ck_assert_str_eq(s.rows[0].agreement.ref, "NW-MA");
    ck_assert_int_eq(s.rows[0].agreement.current_end_date, day("2029-01-01"));
    ck_assert_int_eq(s.rows[0].notice_deadline, day("2028-10-03"));
    ck_assert_int_eq(s.rows[0].days_left, 113);
    ck_assert_int_eq(s.rows[0].days_to_notice, 23);
    /* the rates add up to 1100.00 < the 20000.00 commitment */
    ck_assert_int_eq(s.rows[0].mrc.minor, 2000000);
    ck_assert_int_eq(s.rows[0].renewal_step, 12);
    ck_assert_int_eq(s.rows[0].renewed_end_date, day("2030-01-01"));
    /* Harbor: escalated twice by then; the NRC rate is not MRC */
    s = expiring("2029-08-01", 61);
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.rows[0].agreement.ref, "HH-MSA");
    ck_assert_int_eq(s.rows[0].mrc.minor, 122004);
    ck_assert_int_eq(s.rows[0].notice_deadline, day("2029-08-02"));
    ck_assert_int_eq(s.rows[0].renewal_step, 1);
    ck_assert_int_eq(s.rows[0].renewed_end_date, day("2029-11-01"));
    /* the end day itself is no longer "expiring" */
    s = expiring("2029-10-01", 30);
    ck_assert_int_eq(s.n, 0);
}
END_TEST

START_TEST(renewals_on_month_ends_are_idempotent)
{
    contracts_renew_result r;
    contracts_agreement_t a;
    contracts_price_t p;

    /* Jan 31 + 1 month ends on Feb 28; evergreen keeps month ends */
    load_ok("{\"ref\": \"EV\", \"accountNumber\": \"HH-1001\","
            " \"startDate\": \"2026-01-31\", \"termMonths\": 1,"
            " \"currency\": \"USD\", \"renewal\": \"evergreen\","
            " \"rates\": [{\"code\": \"DIA500\", \"amount\": \"1000.00\"}]}");
    /* and one that simply expires */
    load_ok("{\"ref\": \"NONE\", \"accountNumber\": \"HH-1001\","
            " \"startDate\": \"2025-01-01\", \"termMonths\": 1,"
            " \"currency\": \"USD\"}");
    ck_assert_int_eq(
        contracts_renew_due(&r, db, day("2026-02-27"), "test", &err), 0);
    ck_assert_int_eq(r.renewals, 0);
    ck_assert_int_eq(
        contracts_renew_due(&r, db, day("2026-02-28"), "test", &err), 0);
    ck_assert_int_eq(r.renewals, 1);
    ck_assert_int_eq(r.agreements, 1);
    ck_assert_int_eq(contracts_agreement_get(&a, db, "HH-1001", "EV", &err), 0);
    ck_assert_int_eq(a.current_end_date, day("2026-03-31"));
    ck_assert_int_eq(a.end_date, day("2026-02-28"));
    ck_assert_int_eq(a.renewed_months, 1);
    /* twice on the same day: nothing more */
    ck_assert_int_eq(
        contracts_renew_due(&r, db, day("2026-02-28"), "test", &err), 0);
    ck_assert_int_eq(r.renewals, 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.amendment"), 1);
    /* the renewed term prices at the contract rate */
    p = price("HH-1001", "DIA500", "2026-03-15");
    ck_assert_int_eq(p.amount.minor, 100000);
    ck_assert_str_eq(p.agreement_ref, "EV");
    /* a run after a gap catches up month by month: Mar 31, Apr 30 */
    ck_assert_int_eq(
        contracts_renew_due(&r, db, day("2026-04-30"), "test", &err), 0);
    ck_assert_int_eq(r.renewals, 2);
    ck_assert_int_eq(contracts_agreement_get(&a, db, "HH-1001", "EV", &err), 0);
    ck_assert_int_eq(a.current_end_date, day("2026-05-31"));
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.amendment"
                           " WHERE kind = 'renewal'"),
                     3);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.amendment"
                           " WHERE idempotency_key = 'renewal:2026-04-30'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'contract.renew'"),
                     2);
}
END_TEST

START_TEST(renew_n_from_a_leap_day)
{
    contracts_renew_result r;
    contracts_agreement_t a;

    load_ok("{\"ref\": \"LEAP\", \"accountNumber\": \"NW-2001\","
            " \"startDate\": \"2024-02-29\", \"termMonths\": 12,"
            " \"currency\": \"USD\", \"renewal\": \"renew_n\","
            " \"renewalMonths\": 12}");
    ck_assert_int_eq(contracts_agreement_get(&a, db, "NW-2001", "LEAP", &err),
                     0);
    ck_assert_int_eq(a.current_end_date, day("2025-02-28"));
    /* by 2028-02-29: 2025-02-28, 2026-02-28, 2027-02-28, 2028-02-29 */
    ck_assert_int_eq(
        contracts_renew_due(&r, db, day("2028-02-29"), "test", &err), 0);
    ck_assert_int_eq(r.renewals, 4);
    ck_assert_int_eq(contracts_agreement_get(&a, db, "NW-2001", "LEAP", &err),
                     0);
    ck_assert_int_eq(a.renewed_months, 48);
    ck_assert_int_eq(a.current_end_date, day("2029-02-28"));
    ck_assert_int_eq(
        contracts_renew_due(&r, db, day("2028-02-29"), "test", &err), 0);
    ck_assert_int_eq(r.renewals, 0);
}
END_TEST

/* ---- termination ---- */

START_TEST(termination_computes_the_etf)
{
    contracts_termination_t t;
    contracts_price_t p;
    json_t *doc = NULL;

    load_ok("{\"ref\": \"KS-MSA\", \"accountNumber\": \"HH-1001\","
            " \"startDate\": \"2026-01-01\", \"termMonths\": 36,"
            " \"currency\": \"USD\", \"etfPercent\": \"50\","
            " \"rates\": [{\"code\": \"DIA500\", \"amount\": \"1150.00\"},"
            " {\"code\": \"DIA100\", \"amount\": \"650.00\"}]}");
    ck_assert_int_eq(contracts_terminate(&t, db, "HH-1001", "KS-MSA",
                                         day("2029-01-01"), "moving", "test",
                                         &err),
                     TL_EINVALID);
    assert_problem("date", "range");
    tl_err_clear(&err);
    ck_assert_int_eq(contracts_terminate(&t, db, "HH-1001", "KS-MSA",
                                         day("2027-03-15"), "", "test", &err),
                     TL_EINVALID);
    assert_problem("reason", "required");
    tl_err_clear(&err);
    /* 14.5 months into 36: 21 months and Dec 15 .. Jan 1 (17 of 31) left;
     * 1800.00 * (21 + 17/31) * 50% = 19393.548.. -> 19393.55 */
    ck_assert_int_eq(contracts_terminate(&t, db, "HH-1001", "KS-MSA",
                                         day("2027-03-15"), "branches closing",
                                         "test", &err),
                     0);
    ck_assert_int_eq(t.created, 1);
    ck_assert_int_eq(t.remaining.months, 21);
    ck_assert_int_eq(t.remaining.days, 17);
    ck_assert_int_eq(t.remaining.month_days, 31);
    ck_assert_int_eq(t.mrc.minor, 180000);
    ck_assert_int_eq(t.etf.minor, 1939355);
    ck_assert_str_eq(t.etf.cur, "USD");
    /* again: the same termination, nothing new */
    ck_assert_int_eq(contracts_terminate(&t, db, "HH-1001", "KS-MSA",
                                         day("2027-03-15"), "branches closing",
                                         "test", &err),
                     0);
    ck_assert_int_eq(t.created, 0);
    ck_assert_int_eq(t.etf.minor, 1939355);
    ck_assert_int_eq(contracts_terminate(&t, db, "HH-1001", "KS-MSA",
                                         day("2027-04-01"), "branches closing",
                                         "test", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "already_terminated");
    tl_err_clear(&err);
    /* the contract rate stops on the termination date */
    p = price("HH-1001", "DIA500", "2027-03-14");
    ck_assert_int_eq(p.source, CONTRACTS_PRICE_CONTRACT);
    p = price("HH-1001", "DIA500", "2027-03-15");
    ck_assert_int_eq(p.source, CONTRACTS_PRICE_LIST);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.amendment"
                           " WHERE kind = 'termination'"),
                     1);
    ck_assert_int_eq(count("SELECT etf_minor AS n FROM contracts.termination"),
                     1939355);
    ck_assert_int_eq(contracts_describe(&doc, db, "HH-1001", "KS-MSA", &err),
                     0);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(doc, "termination"), "etf")),
                     "19393.55");
    json_decref(doc);
}
END_TEST

START_TEST(termination_fixed_fee_and_not_renewed)
{
    contracts_termination_t t;
    contracts_renew_result r;

    load_ok(NORTHWIND);
    ck_assert_int_eq(contracts_terminate(&t, db, "NW-2001", "NW-MA",
                                         day("2027-03-01"), "merger", "test",
                                         &err),
                     0);
    ck_assert_int_eq(t.etf.minor, 500000);
    ck_assert_int_eq(t.mrc.minor, 2000000);
    ck_assert_int_eq(t.remaining.months, 22);
    ck_assert_int_eq(
        contracts_renew_due(&r, db, day("2029-06-01"), "test", &err), 0);
    ck_assert_int_eq(r.renewals, 0);
    ck_assert_int_eq(contracts_terminate(&t, db, "NW-2001", "NOPE",
                                         day("2027-03-01"), "merger", "test",
                                         &err),
                     TL_ENOTFOUND);
}
END_TEST

/* ---- import ---- */

START_TEST(import_json_all_or_nothing)
{
    contracts_import_result res;
    json_t *good = parse("[" HARBOR ", " NORTHWIND "]");
    json_t *bad =
        parse("[" NORTHWIND ","
              " {\"ref\": \"NEW\", \"accountNumber\": \"NO-SUCH\","
              "  \"startDate\": \"2026-02-30\", \"termMonths\": 0,"
              "  \"currency\": \"USD\","
              "  \"rates\": [{\"code\": \"NOPE\", \"amount\": \"1.001\"}]},"
              " 7," NORTHWIND "]");
    json_t *changed = parse(
        "[{\"ref\": \"HH-MSA\", \"accountNumber\": \"HH-1001\","
        " \"startDate\": \"2026-10-01\", \"termMonths\": 36,"
        " \"currency\": \"USD\", \"escalatorPercent\": \"4\","
        " \"rates\": [{\"code\": \"DIA500\", \"amount\": \"1150.00\"}]}]");

    json_t *not_array = parse("{\"ref\": \"A\"}");
    json_t *empty = parse("[]");

    ck_assert_int_eq(contracts_import_json(&res, db, not_array, "test", &err),
                     TL_EINVALID);
    assert_problem("", "type");
    tl_err_clear(&err);
    ck_assert_int_eq(contracts_import_json(&res, db, empty, "test", &err),
                     TL_EINVALID);
    assert_problem("", "required");
    tl_err_clear(&err);
    json_decref(not_array);
    json_decref(empty);
    ck_assert_int_eq(contracts_import_json(&res, db, bad, "test", &err),
                     TL_EINVALID);
    assert_problem("[1].accountNumber", "unknown_account");
    assert_problem("[1].startDate", "format");
    assert_problem("[1].termMonths", "range");
    assert_problem("[1].rates[0].code", "unknown_code");
    assert_problem("[1].rates[0].amount", "format");
    assert_problem("[2]", "type");
    assert_problem("[3].ref", "duplicate");
    ck_assert_int_eq(err.n_problems, 7);
    tl_err_clear(&err);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.agreement"), 0);
    ck_assert_int_eq(contracts_import_json(&res, db, good, "test", &err), 0);
    ck_assert_int_eq(res.agreements, 2);
    ck_assert_int_eq(res.created, 2);
    ck_assert_int_eq(contracts_import_json(&res, db, good, "test", &err), 0);
    ck_assert_int_eq(res.created, 0);
    ck_assert_int_eq(res.unchanged, 2);
    ck_assert_int_eq(contracts_import_json(&res, db, changed, "test", &err),
                     TL_EINVALID);
    assert_problem("[0].ref", "conflict");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.agreement"), 2);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.rate"), 3);
    json_decref(good);
    json_decref(bad);
    json_decref(changed);
}
END_TEST

#define CSV_HEADER                                                             \
    "ref,accountNumber,startDate,termMonths,renewal,renewalMonths,"            \
    "noticeDays,autoAcceptanceDays,minimumCommitment,etfPercent,etfFixed,"     \
    "escalatorPercent,currency,code,amount\n"

static int import_csv(contracts_import_result *res, const char *text)
{
    return contracts_import_csv(res, db, text, strlen(text), "test", &err);
}

START_TEST(import_csv_reports_every_bad_row)
{
    contracts_import_result res;
    const char *bad = CSV_HEADER
        /* 2 */ "NW-MA,NW-2001,2026-01-01,36,renew_n,12,90,5,20000.00,,"
                "5000.00,,USD,DIA500,1100.00\n"
                /* 3 */ "NW-MA,NW-2001,2026-01-01,24,renew_n,12,90,5,20000.00,,"
                "5000.00,,USD,DIA100,600.00\n"
                /* 4 */ "NW-MA,NW-2001,2026-01-01,36,renew_n,12,90,5,20000.00,,"
                "5000.00,,USD,DIA500,1000.00\n"
                /* 5 */ "X-1,NO-SUCH,2026-13-01,ten,weekly,,,,,150,,,USD,NOPE,"
                "12.345\n"
                /* 6 */ "X-2,HH-1001,2026-01-01,12\n"
                /* 7 */ "X-3,HH-1001,\"2026-01-01,12,none,,,,,,,,USD,DIA500,1."
                "00\n"
                /* 8 */ "X-4,HH-1001,2026-01-01,12,none,,,,,10,10.00,\"3\",EUR,"
                "DIA500,1.00\n";

    ck_assert_int_eq(import_csv(&res, bad), TL_EINVALID);
    assert_problem("row[3].termMonths", "inconsistent");
    assert_problem("row[4].code", "duplicate");
    assert_problem("row[5].accountNumber", "unknown_account");
    assert_problem("row[5].startDate", "format");
    assert_problem("row[5].termMonths", "format");
    assert_problem("row[5].renewal", "format");
    assert_problem("row[5].etfPercent", "range");
    assert_problem("row[5].code", "unknown_code");
    assert_problem("row[5].amount", "format");
    assert_problem("row[6]", "columns");
    assert_problem("row[7]", "csv_syntax");
    assert_problem("row[8].etfFixed", "exclusive");
    assert_problem("row[8].currency", "currency");
    ck_assert_int_eq(err.n_problems, 13);
    tl_err_clear(&err);
    ck_assert_int_eq(import_csv(&res, "ref,account\nA,B\n"), TL_EINVALID);
    assert_problem("row[1]", "header");
    tl_err_clear(&err);
    ck_assert_int_eq(import_csv(&res, ""), TL_EINVALID);
    assert_problem("", "required");
    tl_err_clear(&err);
    ck_assert_int_eq(import_csv(&res, CSV_HEADER), TL_EINVALID);
    assert_problem("", "required");
    tl_err_clear(&err);
    {
        char *text = malloc(8192);
        ck_assert_ptr_nonnull(text);
        snprintf(text, 8192, "%s", CSV_HEADER);
        memset(text + strlen(text), 'x', 5000);
        text[strlen(CSV_HEADER) + 5000] = '\0';
        ck_assert_int_eq(import_csv(&res, text), TL_EINVALID);
        assert_problem("row[2]", "too_long");
        free(text);
    }
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.agreement"), 0);
}
END_TEST

START_TEST(import_csv_groups_rows_and_reimport_is_a_no_op)
{
    contracts_import_result res;
    contracts_agreement_t a;
    contracts_price_t p;
    const char *good = CSV_HEADER
        "NW-MA,NW-2001,2026-01-01,36,renew_n,12,90,5,20000.00,,5000.00,,USD,"
        "DIA500,1100.00\r\n"
        "NW-MA,NW-2001,2026-01-01,36,renew_n,12,90,5,20000.00,,5000.00,,USD,"
        "DIA100,600.00\r\n"
        "\n"
        "\"HH,MSA\",HH-1001,2026-10-01,36,evergreen,,60,5,,50,,3,USD,"
        "DIA500,1150.00";
    const char *changed = CSV_HEADER
        "NW-MA,NW-2001,2026-01-01,36,renew_n,12,90,5,20000.00,,5000.00,,USD,"
        "DIA500,1099.00\n";

    ck_assert_int_eq(import_csv(&res, good), TL_EINVALID);
    /* a comma is not allowed in a ref: the database format says so too */
    assert_problem("row[5].ref", "format");
    tl_err_clear(&err);
    good = CSV_HEADER
        "NW-MA,NW-2001,2026-01-01,36,renew_n,12,90,5,20000.00,,5000.00,,USD,"
        "DIA500,1100.00\r\n"
        "NW-MA,NW-2001,2026-01-01,36,renew_n,12,90,5,20000.00,,5000.00,,USD,"
        "DIA100,600.00\r\n"
        "\n"
        "\"HH-MSA\",HH-1001,2026-10-01,36,evergreen,,60,5,,50,,3,USD,"
        "DIA500,1150.00";
    ck_assert_int_eq(import_csv(&res, good), 0);
    ck_assert_int_eq(res.agreements, 2);
    ck_assert_int_eq(res.created, 2);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.rate"), 3);
    ck_assert_int_eq(contracts_agreement_get(&a, db, "HH-1001", "HH-MSA", &err),
                     0);
    ck_assert_int_eq(a.escalator_ppm, 30000);
    ck_assert_int_eq(a.etf_percent_ppm, 500000);
    ck_assert_int_eq(a.notice_days, 60);
    p = price("NW-2001", "DIA100", "2026-06-01");
    ck_assert_int_eq(p.amount.minor, 60000);
    ck_assert_int_eq(import_csv(&res, good), 0);
    ck_assert_int_eq(res.created, 0);
    ck_assert_int_eq(res.unchanged, 2);
    ck_assert_int_eq(import_csv(&res, changed), TL_EINVALID);
    assert_problem("row[2].ref", "conflict");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM contracts.agreement"), 2);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'contract.import'"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'contract.load'"),
                     0);
}
END_TEST

static Suite *contracts_suite(void)
{
    Suite *s = suite_create("contracts");
    TCase *tc = tcase_create("contracts");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, load_reports_every_bad_term_and_writes_nothing);
    tcase_add_test(tc, load_stores_terms_and_reload_is_a_no_op);
    tcase_add_test(tc, escalator_applies_on_the_anniversary);
    tcase_add_test(tc, price_precedence_with_overlapping_agreements);
    tcase_add_test(tc, rate_change_has_history_and_restarts_the_escalator);
    tcase_add_test(tc, expiring_lists_end_notice_mrc_and_renewal);
    tcase_add_test(tc, renewals_on_month_ends_are_idempotent);
    tcase_add_test(tc, renew_n_from_a_leap_day);
    tcase_add_test(tc, termination_computes_the_etf);
    tcase_add_test(tc, termination_fixed_fee_and_not_renewed);
    tcase_add_test(tc, import_json_all_or_nothing);
    tcase_add_test(tc, import_csv_reports_every_bad_row);
    tcase_add_test(tc, import_csv_groups_rows_and_reimport_is_a_no_op);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(contracts_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
