/*
 * Proration by days, to the cent: partial starts, leap February, cycle day
 * 31 in short months, half-even rounding, and exact splits.
 */
#include <check.h>
#include <stdlib.h>

#include "billing/billing.h"

static tl_date day(int y, int m, int d)
{
    tl_date out = 0;

    ck_assert_int_eq(tl_date_from_ymd(&out, y, m, d), 0);
    return out;
}

static tl_money usd(int64_t minor)
{
    tl_money m;

    ck_assert_int_eq(tl_money_make(&m, minor, "USD"), 0);
    return m;
}

static int64_t prorate(int64_t mrc, tl_period charged, tl_period period)
{
    tl_money m = usd(mrc);
    tl_money out;

    ck_assert_int_eq(billing_prorate(&out, &m, &charged, &period), 0);
    ck_assert_str_eq(out.cur, "USD");
    return out.minor;
}

START_TEST(mid_month_start)
{
    tl_period nov;

    ck_assert_int_eq(tl_bill_period(&nov, 1, 2026, 11), 0);
    ck_assert_int_eq(nov.start, day(2026, 11, 1));
    ck_assert_int_eq(nov.end, day(2026, 12, 1));
    /* 17 of 30 days of 1150.00 = 651.666... -> 651.67 */
    ck_assert_int_eq(
        prorate(115000, (tl_period){day(2026, 11, 14), nov.end}, nov), 65167);
    /* the whole period is the whole MRC */
    ck_assert_int_eq(prorate(115000, nov, nov), 115000);
    /* a charged span reaching outside the period counts only its inside */
    ck_assert_int_eq(
        prorate(115000, (tl_period){day(2026, 10, 20), day(2026, 11, 4)}, nov),
        11500);
}
END_TEST

START_TEST(february_in_a_leap_year)
{
    tl_period feb;

    ck_assert_int_eq(tl_bill_period(&feb, 1, 2028, 2), 0);
    ck_assert_int_eq(tl_period_days(&feb), 29);
    /* 20 of 29 days of 1000.00 = 689.655... -> 689.66 */
    ck_assert_int_eq(
        prorate(100000, (tl_period){day(2028, 2, 10), feb.end}, feb), 68966);
    /* the same start in 2027 (28 days): 19 of 28 = 678.571... -> 678.57 */
    ck_assert_int_eq(tl_bill_period(&feb, 1, 2027, 2), 0);
    ck_assert_int_eq(tl_period_days(&feb), 28);
    ck_assert_int_eq(
        prorate(100000, (tl_period){day(2027, 2, 10), feb.end}, feb), 67857);
}
END_TEST

START_TEST(cycle_day_31_in_a_30_day_month)
{
    tl_period apr;
    tl_period may;

    /* April has no 31st: its period starts on the 30th and runs to May 31 */
    ck_assert_int_eq(tl_bill_period(&apr, 31, 2026, 4), 0);
    ck_assert_int_eq(apr.start, day(2026, 4, 30));
    ck_assert_int_eq(apr.end, day(2026, 5, 31));
    ck_assert_int_eq(tl_bill_period(&may, 31, 2026, 5), 0);
    ck_assert_int_eq(may.start, apr.end);
    /* 16 of 31 days of 930.00 = 480.00 exactly */
    ck_assert_int_eq(
        prorate(93000, (tl_period){day(2026, 5, 15), apr.end}, apr), 48000);
    /* a start on the 30th itself bills the whole period */
    ck_assert_int_eq(prorate(93000, apr, apr), 93000);
}
END_TEST

START_TEST(half_even_once_at_the_line)
{
    tl_period nov;

    ck_assert_int_eq(tl_bill_period(&nov, 1, 2026, 11), 0);
    /* 15 of 30 days: 0.45 -> 0.225 -> 0.22 (tie to even) */
    ck_assert_int_eq(prorate(45, (tl_period){day(2026, 11, 16), nov.end}, nov),
                     22);
    /* 0.75 -> 0.375 -> 0.38 (tie to even) */
    ck_assert_int_eq(prorate(75, (tl_period){day(2026, 11, 16), nov.end}, nov),
                     38);
}
END_TEST

START_TEST(three_parts_sum_to_the_mrc)
{
    tl_period nov;
    tl_date cuts[2];
    tl_money parts[3];
    tl_money mrc = usd(10000);

    ck_assert_int_eq(tl_bill_period(&nov, 1, 2026, 11), 0);
    /* 10 + 10 + 10 days of 100.00: rounding each part alone would give
     * 33.33 * 3 = 99.99; the split gives the cent to the first part */
    cuts[0] = day(2026, 11, 11);
    cuts[1] = day(2026, 11, 21);
    ck_assert_int_eq(billing_prorate_split(parts, &mrc, &nov, cuts, 2), 0);
    ck_assert_int_eq(parts[0].minor, 3334);
    ck_assert_int_eq(parts[1].minor, 3333);
    ck_assert_int_eq(parts[2].minor, 3333);
    ck_assert_int_eq(parts[0].minor + parts[1].minor + parts[2].minor, 10000);
    /* 7 + 12 + 11 days of 1150.00: 268.33 + 460.00 + 421.67 */
    mrc = usd(115000);
    cuts[0] = day(2026, 11, 8);
    cuts[1] = day(2026, 11, 20);
    ck_assert_int_eq(billing_prorate_split(parts, &mrc, &nov, cuts, 2), 0);
    ck_assert_int_eq(parts[0].minor, 26833);
    ck_assert_int_eq(parts[1].minor, 46000);
    ck_assert_int_eq(parts[2].minor, 42167);
    ck_assert_int_eq(parts[0].minor + parts[1].minor + parts[2].minor, 115000);
}
END_TEST

START_TEST(split_rejects_bad_cuts)
{
    tl_period nov;
    tl_date cuts[2];
    tl_money parts[3];
    tl_money mrc = usd(10000);

    ck_assert_int_eq(tl_bill_period(&nov, 1, 2026, 11), 0);
    cuts[0] = day(2026, 11, 21);
    cuts[1] = day(2026, 11, 11);
    ck_assert_int_eq(billing_prorate_split(parts, &mrc, &nov, cuts, 2),
                     TL_EINVALID);
    cuts[0] = nov.start;
    ck_assert_int_eq(billing_prorate_split(parts, &mrc, &nov, cuts, 1),
                     TL_EINVALID);
    cuts[0] = nov.end;
    ck_assert_int_eq(billing_prorate_split(parts, &mrc, &nov, cuts, 1),
                     TL_EINVALID);
}
END_TEST

START_TEST(empty_period_is_refused)
{
    tl_period empty = {day(2026, 11, 1), day(2026, 11, 1)};
    tl_money m = usd(100);
    tl_money out;

    ck_assert_int_eq(billing_prorate(&out, &m, &empty, &empty), TL_EINVALID);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prorate");
    TCase *tc = tcase_create("prorate");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, empty_period_is_refused);
    tcase_add_test(tc, split_rejects_bad_cuts);
    tcase_add_test(tc, mid_month_start);
    tcase_add_test(tc, february_in_a_leap_year);
    tcase_add_test(tc, cycle_day_31_in_a_30_day_month);
    tcase_add_test(tc, half_even_once_at_the_line);
    tcase_add_test(tc, three_parts_sum_to_the_mrc);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
