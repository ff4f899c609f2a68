/*
 * The pure agreement rules to the day and the cent: percentages, end
 * dates and notice deadlines on month ends and leap days, anniversaries
 * and the escalator, the remaining term and the early-termination fee.
 */
#include <check.h>
#include <stdlib.h>

#include "contracts/contracts.h"

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

static tl_money usd(int64_t minor)
{
    tl_money m;

    ck_assert_int_eq(tl_money_make(&m, minor, "USD"), 0);
    return m;
}

START_TEST(percent_rejects)
{
    static const struct {
        const char *text;
        int rc;
    } bad[] = {{"", TL_EINVALID},     {"-1", TL_EINVALID},
               {"+3", TL_EINVALID},   {"3.", TL_EINVALID},
               {".5", TL_EINVALID},   {"3.12345", TL_EINVALID},
               {"1e2", TL_EINVALID},  {" 3", TL_EINVALID},
               {"3 ", TL_EINVALID},   {"3,5", TL_EINVALID},
               {"abc", TL_EINVALID},  {"100.01", TL_EOVERFLOW},
               {"101", TL_EOVERFLOW}, {"99999999999999999999", TL_EOVERFLOW}};
    size_t i;
    int64_t ppm = 7;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(contracts_percent_parse(&ppm, bad[i].text) == bad[i].rc,
                      "\"%s\"", bad[i].text);
        ck_assert_int_eq(ppm, 0);
    }
    ck_assert_int_eq(contracts_percent_parse(&ppm, NULL), TL_EINVALID);
}
END_TEST

START_TEST(percent_parses_exactly)
{
    static const struct {
        const char *text;
        int64_t ppm;
        const char *formatted;
    } good[] = {{"3", 30000, "3"},       {"12.5", 125000, "12.5"},
                {"0.0001", 1, "0.0001"}, {"50.0000", 500000, "50"},
                {"100", 1000000, "100"}, {"100.0", 1000000, "100"},
                {"0", 0, "0"},           {"007.25", 72500, "7.25"}};
    size_t i;
    int64_t ppm;
    char buf[16];

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ck_assert_int_eq(contracts_percent_parse(&ppm, good[i].text), 0);
        ck_assert_int_eq(ppm, good[i].ppm);
        ck_assert_int_gt(contracts_percent_format(buf, sizeof(buf), ppm), 0);
        ck_assert_str_eq(buf, good[i].formatted);
    }
}
END_TEST

START_TEST(end_dates_on_month_ends_and_leap_days)
{
    static const struct {
        const char *start;
        int months;
        const char *end;
    } cases[] = {
        {"2026-10-01", 36, "2029-10-01"}, /* the Harbor MSA */
        {"2024-01-31", 1, "2024-02-29"},  /* Jan 31 + 1 in a leap year */
        {"2025-01-31", 1, "2025-02-28"},  /* and in a common year */
        {"2026-01-31", 3, "2026-04-30"},  /* 30-day month */
        {"2026-01-31", 2, "2026-03-31"},  /* from the start, no drift */
        {"2024-02-29", 12, "2025-02-28"}, /* leap-day start, common year */
        {"2024-02-29", 48, "2028-02-29"}, /* and four years later */
        {"2026-12-31", 2, "2027-02-28"},
    };
    size_t i;
    tl_date end;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_int_eq(
            contracts_end_date(&end, day(cases[i].start), cases[i].months), 0);
        ck_assert_msg(end == day(cases[i].end), "%s + %d", cases[i].start,
                      cases[i].months);
    }
}
END_TEST

START_TEST(notice_deadlines)
{
    ck_assert_int_eq(contracts_notice_deadline(day("2029-10-01"), 90),
                     day("2029-07-03"));
    ck_assert_int_eq(contracts_notice_deadline(day("2029-01-01"), 90),
                     day("2028-10-03"));
    /* one day before Mar 1 of a leap year is the leap day */
    ck_assert_int_eq(contracts_notice_deadline(day("2028-03-01"), 1),
                     day("2028-02-29"));
    ck_assert_int_eq(contracts_notice_deadline(day("2027-03-01"), 1),
                     day("2027-02-28"));
    ck_assert_int_eq(contracts_notice_deadline(day("2028-03-01"), 30),
                     day("2028-01-31"));
    ck_assert_int_eq(contracts_notice_deadline(day("2028-03-01"), 0),
                     day("2028-03-01"));
}
END_TEST

START_TEST(renewal_steps)
{
    contracts_renewal r;

    ck_assert_int_eq(contracts_renewal_step(CONTRACTS_RENEW_NONE, 12), 0);
    ck_assert_int_eq(contracts_renewal_step(CONTRACTS_RENEW_EVERGREEN, 0), 1);
    ck_assert_int_eq(contracts_renewal_step(CONTRACTS_RENEW_N, 12), 12);
    ck_assert_int_eq(contracts_renewal_parse(&r, "renew_n"), 0);
    ck_assert_int_eq(r, CONTRACTS_RENEW_N);
    ck_assert_int_eq(contracts_renewal_parse(&r, "Evergreen"), TL_EINVALID);
    ck_assert_str_eq(contracts_renewal_name(CONTRACTS_RENEW_EVERGREEN),
                     "evergreen");
}
END_TEST

START_TEST(anniversaries_on_the_day)
{
    tl_date start = day("2026-10-01");
    tl_date leap = day("2024-02-29");

    ck_assert_int_eq(contracts_anniversaries(start, day("2026-09-30")), 0);
    ck_assert_int_eq(contracts_anniversaries(start, start), 0);
    ck_assert_int_eq(contracts_anniversaries(start, day("2027-09-30")), 0);
    ck_assert_int_eq(contracts_anniversaries(start, day("2027-10-01")), 1);
    ck_assert_int_eq(contracts_anniversaries(start, day("2028-09-30")), 1);
    ck_assert_int_eq(contracts_anniversaries(start, day("2028-10-01")), 2);
    /* a leap-day start has its anniversary on Feb 28 in common years */
    ck_assert_int_eq(contracts_anniversaries(leap, day("2025-02-27")), 0);
    ck_assert_int_eq(contracts_anniversaries(leap, day("2025-02-28")), 1);
    ck_assert_int_eq(contracts_anniversaries(leap, day("2028-02-28")), 3);
    ck_assert_int_eq(contracts_anniversaries(leap, day("2028-02-29")), 4);
}
END_TEST

START_TEST(escalation_steps_after_a_rate_change)
{
    tl_date start = day("2026-10-01");

    ck_assert_int_eq(contracts_escalation_steps(start, 0, 0, day("2028-10-01")),
                     2);
    /* changed 2028-01-01: only the 2028-10-01 anniversary counts */
    ck_assert_int_eq(contracts_escalation_steps(start, 1, day("2028-01-01"),
                                                day("2028-09-30")),
                     0);
    ck_assert_int_eq(contracts_escalation_steps(start, 1, day("2028-01-01"),
                                                day("2028-10-01")),
                     1);
    /* a change on the anniversary itself is not escalated that day */
    ck_assert_int_eq(contracts_escalation_steps(start, 1, day("2027-10-01"),
                                                day("2027-10-01")),
                     0);
}
END_TEST

START_TEST(escalator_compounds_rounding_each_step)
{
    tl_money rate = usd(115000);
    tl_money out;

    ck_assert_int_eq(contracts_escalate(&out, &rate, 30000, 0), 0);
    ck_assert_int_eq(out.minor, 115000);
    ck_assert_int_eq(contracts_escalate(&out, &rate, 30000, 1), 0);
    ck_assert_int_eq(out.minor, 118450); /* 1184.50 */
    /* 1184.50 * 1.03 = 1220.035 -> half-even 1220.04 */
    ck_assert_int_eq(contracts_escalate(&out, &rate, 30000, 2), 0);
    ck_assert_int_eq(out.minor, 122004);
    /* 1220.04 * 1.03 = 1256.6412 -> 1256.64 */
    ck_assert_int_eq(contracts_escalate(&out, &rate, 30000, 3), 0);
    ck_assert_int_eq(out.minor, 125664);
    ck_assert_str_eq(out.cur, "USD");
    /* exact halves go to the even cent */
    rate = usd(50);
    ck_assert_int_eq(contracts_escalate(&out, &rate, 10000, 1), 0);
    ck_assert_int_eq(out.minor, 50); /* 0.505 -> 0.50 */
    rate = usd(150);
    ck_assert_int_eq(contracts_escalate(&out, &rate, 10000, 1), 0);
    ck_assert_int_eq(out.minor, 152); /* 1.515 -> 1.52 */
    /* no escalator: unchanged whatever the steps */
    rate = usd(115000);
    ck_assert_int_eq(contracts_escalate(&out, &rate, 0, 9), 0);
    ck_assert_int_eq(out.minor, 115000);
    rate = usd(INT64_MAX / 2);
    ck_assert_int_eq(contracts_escalate(&out, &rate, 1000000, 2), TL_EOVERFLOW);
    ck_assert_str_eq(out.cur, "");
}
END_TEST

START_TEST(remaining_term)
{
    contracts_remaining_t r;

    ck_assert_int_eq(
        contracts_remaining(&r, day("2027-03-01"), day("2029-01-01")), 0);
    ck_assert_int_eq(r.months, 22);
    ck_assert_int_eq(r.days, 0);
    ck_assert_int_eq(
        contracts_remaining(&r, day("2027-12-15"), day("2029-10-01")), 0);
    ck_assert_int_eq(r.months, 21);
    ck_assert_int_eq(r.days, 16); /* Sep 15 .. Oct 1 */
    ck_assert_int_eq(r.month_days, 30);
    /* from a Jan 31: +1 month is Feb 28, +2 is Mar 31 */
    ck_assert_int_eq(
        contracts_remaining(&r, day("2026-01-31"), day("2026-03-15")), 0);
    ck_assert_int_eq(r.months, 1);
    ck_assert_int_eq(r.days, 15);
    ck_assert_int_eq(r.month_days, 31);
    /* a leap February */
    ck_assert_int_eq(
        contracts_remaining(&r, day("2028-02-10"), day("2028-03-01")), 0);
    ck_assert_int_eq(r.months, 0);
    ck_assert_int_eq(r.days, 20);
    ck_assert_int_eq(r.month_days, 29);
    /* the last day of the term leaves one day */
    ck_assert_int_eq(
        contracts_remaining(&r, day("2029-09-30"), day("2029-10-01")), 0);
    ck_assert_int_eq(r.months, 0);
    ck_assert_int_eq(r.days, 1);
    ck_assert_int_eq(r.month_days, 30); /* Sep 30 .. Oct 30 */
    ck_assert_int_eq(
        contracts_remaining(&r, day("2029-10-01"), day("2029-10-01")), 0);
    ck_assert_int_eq(r.months, 0);
    ck_assert_int_eq(r.days, 0);
}
END_TEST

START_TEST(etf_to_the_cent)
{
    contracts_remaining_t whole = {22, 0, 31};
    contracts_remaining_t part = {21, 16, 30};
    contracts_remaining_t jan = {21, 17, 31};
    tl_money mrc = usd(180000);
    tl_money fixed = usd(500000);
    tl_money out;

    /* 50% of 22 months of 1800.00 */
    ck_assert_int_eq(contracts_etf(&out, CONTRACTS_ETF_PERCENT, 500000, &fixed,
                                   &mrc, &whole),
                     0);
    ck_assert_int_eq(out.minor, 1980000);
    /* 1800.00 * (21 + 17/31) * 50% = 19393.5483.. -> 19393.55 */
    ck_assert_int_eq(
        contracts_etf(&out, CONTRACTS_ETF_PERCENT, 500000, &fixed, &mrc, &jan),
        0);
    ck_assert_int_eq(out.minor, 1939355);
    /* 1150.00 * (21 + 16/30) * 50% = 12381.666.. -> 12381.67 */
    mrc = usd(115000);
    ck_assert_int_eq(
        contracts_etf(&out, CONTRACTS_ETF_PERCENT, 500000, &fixed, &mrc, &part),
        0);
    ck_assert_int_eq(out.minor, 1238167);
    ck_assert_int_eq(
        contracts_etf(&out, CONTRACTS_ETF_FIXED, 0, &fixed, &mrc, &part), 0);
    ck_assert_int_eq(out.minor, 500000);
    ck_assert_int_eq(
        contracts_etf(&out, CONTRACTS_ETF_NONE, 0, &fixed, &mrc, &part), 0);
    ck_assert_int_eq(out.minor, 0);
    ck_assert_str_eq(out.cur, "USD");
}
END_TEST

static Suite *terms_suite(void)
{
    Suite *s = suite_create("contract_terms");
    TCase *tc = tcase_create("terms");

    tcase_add_test(tc, percent_rejects);
    tcase_add_test(tc, percent_parses_exactly);
    tcase_add_test(tc, end_dates_on_month_ends_and_leap_days);
    tcase_add_test(tc, notice_deadlines);
    tcase_add_test(tc, renewal_steps);
    tcase_add_test(tc, anniversaries_on_the_day);
    tcase_add_test(tc, escalation_steps_after_a_rate_change);
    tcase_add_test(tc, escalator_compounds_rounding_each_step);
    tcase_add_test(tc, remaining_term);
    tcase_add_test(tc, etf_to_the_cent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(terms_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
