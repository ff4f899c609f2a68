/*
 * Dates: leap years, strict parsing (rejects first), day numbers checked
 * against independently computed values and swept over every supported
 * day, month arithmetic with clamping, periods, and bill-cycle periods
 * that tile the calendar for cycle days 1, 15, 29, 30 and 31.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/dates.h"
#include "common/err.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Day numbers of the first and last supported days, from Python's
 * datetime (date(1, 1, 1) - date(1970, 1, 1)). */
#define FIRST_DAY (-719162)
#define LAST_DAY 2932896

static tl_date day(int y, int m, int d)
{
    tl_date out = 0;

    ck_assert_msg(tl_date_from_ymd(&out, y, m, d) == 0, "%04d-%02d-%02d", y, m,
                  d);
    return out;
}

/* ---- calendar rules --------------------------------------------------- */

static const struct leap_case {
    int year;
    int leap;
} leaps[] = {
    {1900, 0}, {2000, 1}, {2024, 1}, {2026, 0}, {2100, 0},
    {2400, 1}, {1, 0},    {4, 1},    {1600, 1}, {9996, 1},
};

START_TEST(leap_years)
{
    ck_assert_msg(tl_is_leap_year(leaps[_i].year) == leaps[_i].leap, "%d",
                  leaps[_i].year);
}
END_TEST

static const struct dim_case {
    int year;
    int month;
    int days;
} dims[] = {
    {2026, 1, 31}, {2026, 2, 28},  {2024, 2, 29},  {1900, 2, 28},
    {2000, 2, 29}, {2026, 3, 31},  {2026, 4, 30},  {2026, 6, 30},
    {2026, 9, 30}, {2026, 11, 30}, {2026, 12, 31}, {2026, 7, 31},
    {2026, 8, 31}, {2026, 0, 0},   {2026, 13, 0},  {2026, -1, 0},
};

START_TEST(days_in_month)
{
    const struct dim_case *c = &dims[_i];

    ck_assert_msg(tl_days_in_month(c->year, c->month) == c->days, "%d-%d",
                  c->year, c->month);
}
END_TEST

/* ---- parsing: rejects first ------------------------------------------ */

static const char *const bad_dates[] = {
    "2026-2-01",
    "2026-02-30",
    "2026-13-01",
    "20260201",
    "2026-02-01x",
    "0000-01-01",
    "",
    "2026-02-1",
    "2026/02/01",
    " 2026-02-01",
    "2026-02-01 ",
    "2026-00-10",
    "2026-01-00",
    "2026-01-32",
    "2026-04-31",
    "2025-02-29",
    "1900-02-29",
    "+026-02-01",
    "-026-02-01",
    "2026-0a-01",
    "10000-01-01",
    "2026-1-1",
    "26-02-01",
    "2026-02-01T00:00:00Z",
    "2026--02-01",
    "2026-02-+1",
    "2026-02-0 ",
};

START_TEST(date_parse_rejects)
{
    tl_date d = 12345;

    ck_assert_msg(tl_date_parse(&d, bad_dates[_i]) == TL_EINVALID, "\"%s\"",
                  bad_dates[_i]);
    ck_assert_int_eq(d, 0);
}
END_TEST

START_TEST(date_parse_rejects_null)
{
    tl_date d = 12345;

    ck_assert_int_eq(tl_date_parse(&d, NULL), TL_EINVALID);
    ck_assert_int_eq(d, 0);
}
END_TEST

static const struct ymd_reject {
    int year;
    int month;
    int day;
} bad_ymds[] = {
    {0, 1, 1},     {10000, 1, 1}, {-1, 1, 1},    {2026, 0, 1},
    {2026, 13, 1}, {2026, 1, 0},  {2026, 1, 32}, {2026, 2, 29},
    {2100, 2, 29}, {2026, 6, 31}, {2026, 1, -1},
};

START_TEST(from_ymd_rejects)
{
    const struct ymd_reject *c = &bad_ymds[_i];
    tl_date d = 12345;

    ck_assert_int_eq(tl_date_from_ymd(&d, c->year, c->month, c->day),
                     TL_EINVALID);
    ck_assert_int_eq(d, 0);
}
END_TEST

/* ---- day numbers and round trips ------------------------------------- */

/* Expected day numbers computed with Python's datetime module, which uses
 * the same proleptic Gregorian calendar. */
static const struct known_day {
    int year;
    int month;
    int day;
    tl_date days;
    const char *text;
} known_days[] = {
    {1, 1, 1, -719162, "0001-01-01"},
    {1, 12, 31, -718798, "0001-12-31"},
    {4, 2, 29, -718008, "0004-02-29"},
    {1582, 10, 4, -141438, "1582-10-04"},
    {1582, 10, 15, -141427, "1582-10-15"},
    {1600, 2, 29, -135081, "1600-02-29"},
    {1899, 12, 31, -25568, "1899-12-31"},
    {1900, 2, 28, -25509, "1900-02-28"},
    {1900, 3, 1, -25508, "1900-03-01"},
    {1969, 12, 31, -1, "1969-12-31"},
    {1970, 1, 1, 0, "1970-01-01"},
    {1970, 1, 2, 1, "1970-01-02"},
    {1972, 2, 29, 789, "1972-02-29"},
    {1999, 12, 31, 10956, "1999-12-31"},
    {2000, 1, 1, 10957, "2000-01-01"},
    {2000, 2, 29, 11016, "2000-02-29"},
    {2000, 3, 1, 11017, "2000-03-01"},
    {2024, 2, 29, 19782, "2024-02-29"},
    {2026, 1, 31, 20484, "2026-01-31"},
    {2026, 2, 28, 20512, "2026-02-28"},
    {2026, 3, 1, 20513, "2026-03-01"},
    {2038, 1, 19, 24855, "2038-01-19"},
    {2038, 1, 20, 24856, "2038-01-20"},
    {2100, 3, 1, 47541, "2100-03-01"},
    {2400, 2, 29, 157113, "2400-02-29"},
    {9999, 12, 31, 2932896, "9999-12-31"},
};

START_TEST(known_day_numbers)
{
    const struct known_day *c = &known_days[_i];
    tl_date d = 0;
    int y = 0;
    int m = 0;
    int dd = 0;
    char buf[11];

    ck_assert_int_eq(tl_date_from_ymd(&d, c->year, c->month, c->day), 0);
    ck_assert_int_eq(d, c->days);
    tl_date_to_ymd(c->days, &y, &m, &dd);
    ck_assert_int_eq(y, c->year);
    ck_assert_int_eq(m, c->month);
    ck_assert_int_eq(dd, c->day);
    ck_assert_int_eq(tl_date_format(buf, sizeof(buf), c->days), 10);
    ck_assert_str_eq(buf, c->text);
    d = 0;
    ck_assert_int_eq(tl_date_parse(&d, c->text), 0);
    ck_assert_int_eq(d, c->days);
}
END_TEST

START_TEST(every_supported_day_round_trips)
{
    /* Walk all 3,652,059 days, checking that each day number converts to
     * the calendar successor of the previous one and back again. Failures
     * are counted rather than asserted one by one to keep this fast. */
    int y = 1;
    int m = 1;
    int dd = 1;
    long bad = 0;
    tl_date first_bad = 0;
    tl_date d;

    for (d = FIRST_DAY; d <= LAST_DAY; d++) {
        int gy;
        int gm;
        int gd;
        tl_date back = 0;

        tl_date_to_ymd(d, &gy, &gm, &gd);
        if (gy != y || gm != m || gd != dd ||
            tl_date_from_ymd(&back, gy, gm, gd) != 0 || back != d) {
            if (bad == 0)
                first_bad = d;
            bad++;
        }
        /* the calendar successor of (y, m, dd) */
        dd++;
        if (dd > tl_days_in_month(y, m)) {
            dd = 1;
            m++;
            if (m > 12) {
                m = 1;
                y++;
            }
        }
    }
    ck_assert_msg(bad == 0, "%ld bad days, first %d", bad, first_bad);
    ck_assert_int_eq(y, 10000);
}
END_TEST

START_TEST(to_ymd_outputs_may_be_null)
{
    int y = 0;
    int m = 0;
    int d = 0;

    tl_date_to_ymd(19782, &y, NULL, NULL);
    ck_assert_int_eq(y, 2024);
    tl_date_to_ymd(19782, NULL, &m, NULL);
    ck_assert_int_eq(m, 2);
    tl_date_to_ymd(19782, NULL, NULL, &d);
    ck_assert_int_eq(d, 29);
    tl_date_to_ymd(19782, NULL, NULL, NULL);
}
END_TEST

START_TEST(format_refuses_small_buffers_and_unsupported_years)
{
    char buf[16];

    memset(buf, 'x', sizeof(buf));
    ck_assert_int_eq(tl_date_format(buf, 10, 0), TL_ERROR);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(tl_date_format(buf, 11, 0), 10);
    ck_assert_str_eq(buf, "1970-01-01");
    ck_assert_int_eq(tl_date_format(NULL, 0, 0), TL_ERROR);
    memset(buf, 'x', sizeof(buf));
    ck_assert_int_eq(tl_date_format(buf, sizeof(buf), FIRST_DAY - 1), TL_ERROR);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(tl_date_format(buf, sizeof(buf), LAST_DAY + 1), TL_ERROR);
    ck_assert_int_eq(tl_date_format(buf, sizeof(buf), INT32_MAX), TL_ERROR);
    ck_assert_int_eq(tl_date_format(buf, sizeof(buf), INT32_MIN), TL_ERROR);
}
END_TEST

/* ---- arithmetic ------------------------------------------------------- */

START_TEST(add_days_and_days_between)
{
    ck_assert_int_eq(tl_date_add_days(day(2025, 12, 31), 1), day(2026, 1, 1));
    ck_assert_int_eq(tl_date_add_days(day(2024, 3, 1), -1), day(2024, 2, 29));
    ck_assert_int_eq(tl_date_add_days(day(2026, 3, 1), -1), day(2026, 2, 28));
    ck_assert_int_eq(tl_date_add_days(day(2026, 1, 1), 365), day(2027, 1, 1));
    ck_assert_int_eq(tl_date_add_days(day(2026, 1, 1), 0), day(2026, 1, 1));

    ck_assert_int_eq(tl_days_between(day(2026, 1, 1), day(2026, 3, 1)), 59);
    ck_assert_int_eq(tl_days_between(day(2026, 3, 1), day(2026, 1, 1)), -59);
    ck_assert_int_eq(tl_days_between(day(2024, 1, 1), day(2024, 3, 1)), 60);
    ck_assert_int_eq(tl_days_between(day(2024, 1, 1), day(2025, 1, 1)), 366);
    ck_assert_int_eq(tl_days_between(day(2026, 5, 5), day(2026, 5, 5)), 0);
    ck_assert_int_eq(tl_days_between(day(1, 1, 1), day(9999, 12, 31)), 3652058);
}
END_TEST

static const struct add_months_case {
    int y, m, d;
    int n;
    int ey, em, ed;
} add_months[] = {
    {2026, 1, 31, 1, 2026, 2, 28},  /* clamped to a short February */
    {2024, 1, 31, 1, 2024, 2, 29},  /* and to a leap one */
    {2026, 3, 31, -1, 2026, 2, 28}, /* backwards too */
    {2024, 3, 31, -1, 2024, 2, 29},
    {2026, 1, 31, 2, 2026, 3, 31}, /* the clamp does not carry over */
    {2026, 5, 31, 1, 2026, 6, 30},
    {2026, 1, 30, 1, 2026, 2, 28},
    {2026, 1, 28, 1, 2026, 2, 28},
    {2025, 12, 15, 1, 2026, 1, 15}, /* across a year, both ways */
    {2026, 1, 15, -1, 2025, 12, 15},
    {2026, 1, 15, -13, 2024, 12, 15},
    {2026, 1, 15, 12, 2027, 1, 15},
    {2024, 2, 29, 12, 2025, 2, 28},
    {2024, 2, 29, 48, 2028, 2, 29},
    {2026, 7, 4, 0, 2026, 7, 4},
    {1, 1, 1, 119987, 9999, 12, 1},
    {9999, 12, 31, -119987, 1, 1, 31},
};

START_TEST(add_months_clamps)
{
    const struct add_months_case *c = &add_months[_i];
    tl_date out = 0;

    ck_assert_int_eq(tl_date_add_months(&out, day(c->y, c->m, c->d), c->n), 0);
    ck_assert_int_eq(out, day(c->ey, c->em, c->ed));
}
END_TEST

START_TEST(add_months_rejects_unsupported_years)
{
    tl_date out = 12345;

    ck_assert_int_eq(tl_date_add_months(&out, day(9999, 12, 31), 1),
                     TL_EINVALID);
    ck_assert_int_eq(out, 0);
    out = 12345;
    ck_assert_int_eq(tl_date_add_months(&out, day(1, 1, 1), -1), TL_EINVALID);
    ck_assert_int_eq(out, 0);
    ck_assert_int_eq(tl_date_add_months(&out, 0, 2147483647), TL_EINVALID);
    ck_assert_int_eq(tl_date_add_months(&out, 0, -2147483647 - 1), TL_EINVALID);
    ck_assert_int_eq(out, 0);
}
END_TEST

START_TEST(end_of_month)
{
    ck_assert_int_eq(tl_date_end_of_month(day(2026, 2, 10)), day(2026, 2, 28));
    ck_assert_int_eq(tl_date_end_of_month(day(2024, 2, 1)), day(2024, 2, 29));
    ck_assert_int_eq(tl_date_end_of_month(day(2026, 12, 31)),
                     day(2026, 12, 31));
    ck_assert_int_eq(tl_date_end_of_month(day(2026, 4, 1)), day(2026, 4, 30));
    ck_assert_int_eq(tl_date_end_of_month(day(1900, 2, 3)), day(1900, 2, 28));
}
END_TEST

/* ---- periods ---------------------------------------------------------- */

START_TEST(period_days_and_contains)
{
    tl_period jan = {day(2026, 1, 1), day(2026, 2, 1)};
    tl_period empty = {day(2026, 1, 5), day(2026, 1, 5)};
    tl_period inverted = {day(2026, 1, 5), day(2026, 1, 1)};

    ck_assert_int_eq(tl_period_days(&jan), 31);
    ck_assert_int_eq(tl_period_days(&empty), 0);
    ck_assert_int_eq(tl_period_days(&inverted), 0);
    /* half-open: the start is in, the end is out */
    ck_assert(tl_period_contains(&jan, day(2026, 1, 1)));
    ck_assert(tl_period_contains(&jan, day(2026, 1, 31)));
    ck_assert(!tl_period_contains(&jan, day(2026, 2, 1)));
    ck_assert(!tl_period_contains(&jan, day(2025, 12, 31)));
    ck_assert(!tl_period_contains(&empty, day(2026, 1, 5)));
}
END_TEST

static const struct intersect_case {
    const char *what;
    tl_period a;
    tl_period b;
    tl_period expect;
} intersects[] = {
    /* day numbers: 20454 is 2026-01-01, 20485 is 2026-02-01 */
    {"overlap", {20454, 20485}, {20470, 20500}, {20470, 20485}},
    {"overlap reversed", {20470, 20500}, {20454, 20485}, {20470, 20485}},
    {"nested", {20454, 20485}, {20460, 20465}, {20460, 20465}},
    {"equal", {20454, 20485}, {20454, 20485}, {20454, 20485}},
    {"adjacent", {20454, 20485}, {20485, 20513}, {20485, 20485}},
    {"disjoint", {20454, 20460}, {20470, 20480}, {20470, 20470}},
    {"disjoint reversed", {20470, 20480}, {20454, 20460}, {20470, 20470}},
    {"with an empty one", {20454, 20485}, {20460, 20460}, {20460, 20460}},
};

START_TEST(period_intersect)
{
    const struct intersect_case *c = &intersects[_i];
    tl_period r = tl_period_intersect(&c->a, &c->b);

    ck_assert_msg(r.start == c->expect.start && r.end == c->expect.end,
                  "%s: [%d, %d)", c->what, r.start, r.end);
    ck_assert_int_eq(day(2026, 1, 1), 20454);
    ck_assert_int_eq(day(2026, 2, 1), 20485);
}
END_TEST

/* ---- bill-cycle periods ----------------------------------------------- */

static const struct bill_case {
    int cycle;
    int year;
    int month;
    int sy, sm, sd;
    int ey, em, ed;
} bills[] = {
    {1, 2026, 1, 2026, 1, 1, 2026, 2, 1},
    {1, 2026, 2, 2026, 2, 1, 2026, 3, 1},
    {1, 2024, 2, 2024, 2, 1, 2024, 3, 1},
    {1, 2026, 12, 2026, 12, 1, 2027, 1, 1},
    {15, 2026, 1, 2026, 1, 15, 2026, 2, 15},
    {15, 2026, 2, 2026, 2, 15, 2026, 3, 15},
    {15, 2026, 3, 2026, 3, 15, 2026, 4, 15},
    {15, 2026, 12, 2026, 12, 15, 2027, 1, 15},
    {29, 2026, 1, 2026, 1, 29, 2026, 2, 28},
    {29, 2026, 2, 2026, 2, 28, 2026, 3, 29},
    {29, 2024, 1, 2024, 1, 29, 2024, 2, 29},
    {29, 2024, 2, 2024, 2, 29, 2024, 3, 29},
    {29, 2026, 3, 2026, 3, 29, 2026, 4, 29},
    {30, 2026, 1, 2026, 1, 30, 2026, 2, 28},
    {30, 2026, 2, 2026, 2, 28, 2026, 3, 30},
    {30, 2024, 1, 2024, 1, 30, 2024, 2, 29},
    {30, 2024, 2, 2024, 2, 29, 2024, 3, 30},
    {30, 2026, 3, 2026, 3, 30, 2026, 4, 30},
    {30, 2026, 4, 2026, 4, 30, 2026, 5, 30},
    {31, 2026, 1, 2026, 1, 31, 2026, 2, 28},
    {31, 2026, 2, 2026, 2, 28, 2026, 3, 31},
    {31, 2024, 1, 2024, 1, 31, 2024, 2, 29},
    {31, 2024, 2, 2024, 2, 29, 2024, 3, 31},
    {31, 2026, 3, 2026, 3, 31, 2026, 4, 30},
    {31, 2026, 4, 2026, 4, 30, 2026, 5, 31},
    {31, 2026, 12, 2026, 12, 31, 2027, 1, 31},
};

START_TEST(bill_periods)
{
    const struct bill_case *c = &bills[_i];
    tl_period p = {1, 1};

    ck_assert_int_eq(tl_bill_period(&p, c->cycle, c->year, c->month), 0);
    ck_assert_msg(p.start == day(c->sy, c->sm, c->sd),
                  "cycle %d %d-%02d: start", c->cycle, c->year, c->month);
    ck_assert_msg(p.end == day(c->ey, c->em, c->ed), "cycle %d %d-%02d: end",
                  c->cycle, c->year, c->month);
}
END_TEST

START_TEST(bill_periods_tile_the_calendar)
{
    /* For every cycle day, consecutive periods from January 2023 to
     * January 2030 (two leap Februaries) meet exactly: no gap, no overlap,
     * each starts in its own month and lasts 28 to 31 days. */
    int cycle;

    for (cycle = 1; cycle <= 31; cycle++) {
        tl_period prev = {0, 0};
        int i;

        for (i = 0; i <= 84; i++) {
            int year = 2023 + i / 12;
            int month = 1 + i % 12;
            tl_period p;
            int sy;
            int sm;

            ck_assert_int_eq(tl_bill_period(&p, cycle, year, month), 0);
            tl_date_to_ymd(p.start, &sy, &sm, NULL);
            ck_assert_int_eq(sy, year);
            ck_assert_int_eq(sm, month);
            ck_assert_int_ge(tl_period_days(&p), 28);
            ck_assert_int_le(tl_period_days(&p), 31);
            if (i > 0)
                ck_assert_msg(prev.end == p.start,
                              "cycle %d: gap before %d-%02d", cycle, year,
                              month);
            prev = p;
        }
    }
}
END_TEST

START_TEST(bill_period_rejects)
{
    tl_period p = {1, 1};

    ck_assert_int_eq(tl_bill_period(&p, 0, 2026, 1), TL_EINVALID);
    ck_assert_int_eq(p.start, 0);
    ck_assert_int_eq(p.end, 0);
    p.start = 1;
    p.end = 1;
    ck_assert_int_eq(tl_bill_period(&p, 32, 2026, 1), TL_EINVALID);
    ck_assert_int_eq(p.start, 0);
    ck_assert_int_eq(p.end, 0);
    ck_assert_int_eq(tl_bill_period(&p, 1, 2026, 0), TL_EINVALID);
    ck_assert_int_eq(tl_bill_period(&p, 1, 2026, 13), TL_EINVALID);
    ck_assert_int_eq(tl_bill_period(&p, 1, 0, 12), TL_EINVALID);
    ck_assert_int_eq(tl_bill_period(&p, 1, 10000, 1), TL_EINVALID);
    /* the last month is allowed; its period ends on the day after the
     * last supported day */
    ck_assert_int_eq(tl_bill_period(&p, 1, 9999, 12), 0);
    ck_assert_int_eq(p.start, day(9999, 12, 1));
    ck_assert_int_eq(p.end, LAST_DAY + 1);
}
END_TEST

static const struct containing_case {
    int cycle;
    int y, m, d;
    int sy, sm, sd;
    int ey, em, ed;
} containing[] = {
    /* cycle 1: always the day's own month */
    {1, 2026, 2, 1, 2026, 2, 1, 2026, 3, 1},
    {1, 2026, 2, 28, 2026, 2, 1, 2026, 3, 1},
    {1, 2026, 12, 31, 2026, 12, 1, 2027, 1, 1},
    /* cycle 15: the day before the cycle day is in last month's period */
    {15, 2026, 2, 14, 2026, 1, 15, 2026, 2, 15},
    {15, 2026, 2, 15, 2026, 2, 15, 2026, 3, 15},
    {15, 2026, 1, 1, 2025, 12, 15, 2026, 1, 15},
    {15, 2026, 1, 14, 2025, 12, 15, 2026, 1, 15},
    /* cycle 31 around a short February and a 30-day April */
    {31, 2026, 2, 27, 2026, 1, 31, 2026, 2, 28},
    {31, 2026, 2, 28, 2026, 2, 28, 2026, 3, 31},
    {31, 2026, 3, 30, 2026, 2, 28, 2026, 3, 31},
    {31, 2026, 3, 31, 2026, 3, 31, 2026, 4, 30},
    {31, 2026, 4, 29, 2026, 3, 31, 2026, 4, 30},
    {31, 2026, 4, 30, 2026, 4, 30, 2026, 5, 31},
    {31, 2026, 1, 30, 2025, 12, 31, 2026, 1, 31},
    /* cycle 30 and 29 in a leap February */
    {30, 2024, 2, 28, 2024, 1, 30, 2024, 2, 29},
    {30, 2024, 2, 29, 2024, 2, 29, 2024, 3, 30},
    {30, 2024, 3, 29, 2024, 2, 29, 2024, 3, 30},
    {29, 2026, 3, 28, 2026, 2, 28, 2026, 3, 29},
    {29, 2026, 3, 29, 2026, 3, 29, 2026, 4, 29},
};

START_TEST(bill_period_containing_boundaries)
{
    const struct containing_case *c = &containing[_i];
    tl_period p = {1, 1};

    ck_assert_int_eq(
        tl_bill_period_containing(&p, c->cycle, day(c->y, c->m, c->d)), 0);
    ck_assert_msg(p.start == day(c->sy, c->sm, c->sd) &&
                      p.end == day(c->ey, c->em, c->ed),
                  "cycle %d, %d-%02d-%02d", c->cycle, c->y, c->m, c->d);
}
END_TEST

START_TEST(bill_period_containing_sweep)
{
    /* Every day of 2023..2029 for every cycle day: the period found
     * contains the day and is the period of the month it starts in. */
    int cycle;

    for (cycle = 1; cycle <= 31; cycle++) {
        tl_date d;

        for (d = day(2023, 1, 1); d < day(2030, 1, 1); d++) {
            tl_period p;
            tl_period q;
            int y;
            int m;

            ck_assert_int_eq(tl_bill_period_containing(&p, cycle, d), 0);
            if (!tl_period_contains(&p, d))
                ck_abort_msg("cycle %d: day %d not in [%d, %d)", cycle, d,
                             p.start, p.end);
            tl_date_to_ymd(p.start, &y, &m, NULL);
            ck_assert_int_eq(tl_bill_period(&q, cycle, y, m), 0);
            if (q.start != p.start || q.end != p.end)
                ck_abort_msg("cycle %d: day %d in a foreign period", cycle, d);
        }
    }
}
END_TEST

START_TEST(bill_period_containing_rejects)
{
    tl_period p = {1, 1};

    ck_assert_int_eq(tl_bill_period_containing(&p, 0, day(2026, 1, 1)),
                     TL_EINVALID);
    ck_assert_int_eq(p.start, 0);
    ck_assert_int_eq(p.end, 0);
    ck_assert_int_eq(tl_bill_period_containing(&p, 32, day(2026, 1, 1)),
                     TL_EINVALID);
    /* its period would start in December of year 0 */
    p.start = 1;
    ck_assert_int_eq(tl_bill_period_containing(&p, 15, day(1, 1, 10)),
                     TL_EINVALID);
    ck_assert_int_eq(p.start, 0);
    ck_assert_int_eq(p.end, 0);
    ck_assert_int_eq(tl_bill_period_containing(&p, 15, day(1, 1, 15)), 0);
    ck_assert_int_eq(p.start, day(1, 1, 15));
    ck_assert_int_eq(tl_bill_period_containing(&p, 1, FIRST_DAY - 1),
                     TL_EINVALID);
    ck_assert_int_eq(tl_bill_period_containing(&p, 1, LAST_DAY + 1),
                     TL_EINVALID);
}
END_TEST

/* ---- months ----------------------------------------------------------- */

static const char *const bad_months[] = {
    "2026-2",     "2026-13",  "2026-00",  "0000-01",  "202602",
    "2026-02-01", "2026-02 ", " 2026-02", "",         "2026/02",
    "-026-02",    "+026-02",  "2026-0x",  "10000-01", "26-02",
};

START_TEST(month_parse_rejects)
{
    int y = 7;
    int m = 7;

    ck_assert_msg(tl_month_parse(&y, &m, bad_months[_i]) == TL_EINVALID,
                  "\"%s\"", bad_months[_i]);
    ck_assert_int_eq(y, 0);
    ck_assert_int_eq(m, 0);
}
END_TEST

START_TEST(month_parse_accepts)
{
    int y = 0;
    int m = 0;

    ck_assert_int_eq(tl_month_parse(&y, &m, NULL), TL_EINVALID);
    ck_assert_int_eq(tl_month_parse(&y, &m, "2026-02"), 0);
    ck_assert_int_eq(y, 2026);
    ck_assert_int_eq(m, 2);
    ck_assert_int_eq(tl_month_parse(&y, &m, "0001-01"), 0);
    ck_assert_int_eq(y, 1);
    ck_assert_int_eq(m, 1);
    ck_assert_int_eq(tl_month_parse(&y, &m, "9999-12"), 0);
    ck_assert_int_eq(y, 9999);
    ck_assert_int_eq(m, 12);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dates");
    TCase *cal = tcase_create("calendar");
    TCase *arith = tcase_create("arithmetic");
    TCase *bill = tcase_create("bill_periods");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(cal, date_parse_rejects, 0, (int)N_ELEMS(bad_dates));
    tcase_add_test(cal, date_parse_rejects_null);
    tcase_add_loop_test(cal, from_ymd_rejects, 0, (int)N_ELEMS(bad_ymds));
    tcase_add_loop_test(cal, month_parse_rejects, 0, (int)N_ELEMS(bad_months));
    tcase_add_test(cal, month_parse_accepts);
    tcase_add_loop_test(cal, leap_years, 0, (int)N_ELEMS(leaps));
    tcase_add_loop_test(cal, days_in_month, 0, (int)N_ELEMS(dims));
    tcase_add_loop_test(cal, known_day_numbers, 0, (int)N_ELEMS(known_days));
    tcase_add_test(cal, every_supported_day_round_trips);
    tcase_add_test(cal, to_ymd_outputs_may_be_null);
    tcase_add_test(cal, format_refuses_small_buffers_and_unsupported_years);
    /* the full sweep takes a few seconds under the sanitizers */
    tcase_set_timeout(cal, 60);
    suite_add_tcase(s, cal);

    tcase_add_test(arith, add_days_and_days_between);
    tcase_add_loop_test(arith, add_months_clamps, 0, (int)N_ELEMS(add_months));
    tcase_add_test(arith, add_months_rejects_unsupported_years);
    tcase_add_test(arith, end_of_month);
    tcase_add_test(arith, period_days_and_contains);
    tcase_add_loop_test(arith, period_intersect, 0, (int)N_ELEMS(intersects));
    suite_add_tcase(s, arith);

    tcase_add_loop_test(bill, bill_periods, 0, (int)N_ELEMS(bills));
    tcase_add_test(bill, bill_periods_tile_the_calendar);
    tcase_add_test(bill, bill_period_rejects);
    tcase_add_loop_test(bill, bill_period_containing_boundaries, 0,
                        (int)N_ELEMS(containing));
    tcase_add_test(bill, bill_period_containing_sweep);
    tcase_add_test(bill, bill_period_containing_rejects);
    tcase_set_timeout(bill, 60);
    suite_add_tcase(s, bill);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
