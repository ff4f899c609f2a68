/*
 * Civil dates as day counts, half-open periods and bill-cycle periods.
 *
 * The conversion between (year, month, day) and a day count uses a
 * calendar whose year starts on March 1. Shifting January and February to
 * the end of the previous year puts the leap day last, so the length of
 * every month before it is fixed and the day of the year follows from the
 * month by one formula: the months March..January run 31, 30, 31, 30, 31,
 * 31, 30, 31, 30, 31, 31 days, which (153 * m + 2) / 5 reproduces as a
 * running total for m = 0 (March) .. 11 (February). Years then only differ
 * by their leap day, counted by the usual 4/100/400 rule. All intermediate
 * values are 64-bit so that no input, however wild, overflows on the way.
 */
#include "common/dates.h"

#include <assert.h>
#include <string.h>

#include "common/err.h"

/* Days from 0000-03-01 (shifted year 0, proleptic) to 1970-01-01. */
#define DATES_EPOCH_SHIFT 719468

#define DATES_MIN_YEAR 1
#define DATES_MAX_YEAR 9999

/* Floor division for a positive divisor, so that dates before the
 * shifted year 0 would still land in the right year instead of rounding
 * toward zero. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    if (a % b != 0 && a < 0)
        q--;
    return q;
}

/* Days from 0000-03-01 to March 1 of shifted year y. */
static int64_t days_before_year(int64_t y)
{
    return 365 * y + floor_div(y, 4) - floor_div(y, 100) + floor_div(y, 400);
}

/* Days before the first of shifted month m (0 = March .. 11 = February)
 * within a shifted year. */
static int64_t days_before_month(int64_t m)
{
    return (153 * m + 2) / 5;
}

/* The day count of a (year, month, day) that is already known to be
 * valid; it also works for years just outside 1..9999, which the bill
 * period ends in December 9999 need. */
static int64_t days_from_civil(int64_t year, int month, int day)
{
    int64_t y = month <= 2 ? year - 1 : year;
    int64_t m = month <= 2 ? month + 9 : month - 3;

    return days_before_year(y) + days_before_month(m) + day - 1 -
           DATES_EPOCH_SHIFT;
}

/* The inverse of days_from_civil for any day count. The year is first
 * estimated from the mean Gregorian year (146097 days per 400 years) and
 * then corrected by at most a step or two. */
static void civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + DATES_EPOCH_SHIFT;
    int64_t y = floor_div(z * 400, 146097);
    int64_t doy;
    int64_t m;

    while (days_before_year(y + 1) <= z)
        y++;
    while (days_before_year(y) > z)
        y--;
    doy = z - days_before_year(y);
    m = (5 * doy + 2) / 153;
    *day = (int)(doy - days_before_month(m) + 1);
    *month = (int)(m < 10 ? m + 3 : m - 9);
    *year = *month <= 2 ? y + 1 : y;
}

/* Clamps a 64-bit day count into tl_date. Only counts far outside the
 * supported years can need it, and those fail any later conversion. */
static tl_date clamp_date(int64_t v)
{
    if (v > INT32_MAX)
        return INT32_MAX;
    if (v < INT32_MIN)
        return INT32_MIN;
    return (tl_date)v;
}

/* Reads exactly `len` ASCII digits; -1 when any of them is not a digit.
 * isdigit() is avoided because it is locale dependent. */
static int read_digits(const char *s, int len)
{
    int v = 0;
    int i;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int tl_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int tl_days_in_month(int year, int month)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31};

    if (month < 1 || month > 12)
        return 0;
    if (month == 2 && tl_is_leap_year(year))
        return 29;
    return lengths[month - 1];
}

int tl_date_from_ymd(tl_date *out, int year, int month, int day)
{
    assert(out != NULL);
    *out = 0;
    if (year < DATES_MIN_YEAR || year > DATES_MAX_YEAR)
        return TL_EINVALID;
    if (month < 1 || month > 12)
        return TL_EINVALID;
    if (day < 1 || day > tl_days_in_month(year, month))
        return TL_EINVALID;
    *out = (tl_date)days_from_civil(year, month, day);
    return 0;
}

void tl_date_to_ymd(tl_date d, int *year, int *month, int *day)
{
    int64_t y;
    int m;
    int dd;

    civil_from_days(d, &y, &m, &dd);
    /* Any int32 day count is within about 5.9 million years, so the year
     * always fits an int. */
    if (year != NULL)
        *year = (int)y;
    if (month != NULL)
        *month = m;
    if (day != NULL)
        *day = dd;
}

int tl_date_parse(tl_date *out, const char *text)
{
    int year;
    int month;
    int day;

    assert(out != NULL);
    *out = 0;
    if (text == NULL || strnlen(text, 11) != 10)
        return TL_EINVALID;
    if (text[4] != '-' || text[7] != '-')
        return TL_EINVALID;
    year = read_digits(text, 4);
    month = read_digits(text + 5, 2);
    day = read_digits(text + 8, 2);
    if (year < 0 || month < 0 || day < 0)
        return TL_EINVALID;
    return tl_date_from_ymd(out, year, month, day);
}

int tl_date_format(char *buf, size_t size, tl_date d)
{
    int year;
    int month;
    int day;
    int v;
    int i;

    assert(buf != NULL || size == 0);
    if (size > 0)
        buf[0] = '\0';
    tl_date_to_ymd(d, &year, &month, &day);
    /* A year outside 1..9999 has no four-digit spelling; refusing it is
     * better than writing something that would not parse back. */
    if (size < 11 || year < DATES_MIN_YEAR || year > DATES_MAX_YEAR)
        return TL_ERROR;
    v = year;
    for (i = 3; i >= 0; i--) {
        buf[i] = (char)('0' + v % 10);
        v /= 10;
    }
    buf[4] = '-';
    buf[5] = (char)('0' + month / 10);
    buf[6] = (char)('0' + month % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + day / 10);
    buf[9] = (char)('0' + day % 10);
    buf[10] = '\0';
    return 10;
}

tl_date tl_date_add_days(tl_date d, int32_t n)
{
    return clamp_date((int64_t)d + n);
}

int tl_date_add_months(tl_date *out, tl_date d, int n)
{
    int64_t year;
    int month;
    int day;
    int64_t index;
    int dim;

    assert(out != NULL);
    *out = 0;
    civil_from_days(d, &year, &month, &day);
    /* Count months from year 0 so that the year and month of the target
     * come out of one floor division, whichever the sign of n. */
    index = year * 12 + (month - 1) + n;
    year = floor_div(index, 12);
    month = (int)(index - year * 12) + 1;
    if (year < DATES_MIN_YEAR || year > DATES_MAX_YEAR)
        return TL_EINVALID;
    dim = tl_days_in_month((int)year, month);
    if (day > dim)
        day = dim;
    *out = (tl_date)days_from_civil(year, month, day);
    return 0;
}

int32_t tl_days_between(tl_date a, tl_date b)
{
    return clamp_date((int64_t)b - a);
}

tl_date tl_date_end_of_month(tl_date d)
{
    int64_t year;
    int month;
    int day;

    civil_from_days(d, &year, &month, &day);
    return clamp_date((int64_t)d + tl_days_in_month((int)year, month) - day);
}

int32_t tl_period_days(const tl_period *p)
{
    assert(p != NULL);
    if (p->end <= p->start)
        return 0;
    return clamp_date((int64_t)p->end - p->start);
}

int tl_period_contains(const tl_period *p, tl_date d)
{
    assert(p != NULL);
    return d >= p->start && d < p->end;
}

tl_period tl_period_intersect(const tl_period *a, const tl_period *b)
{
    tl_period r;

    assert(a != NULL && b != NULL);
    r.start = a->start > b->start ? a->start : b->start;
    r.end = a->end < b->end ? a->end : b->end;
    if (r.end < r.start)
        r.end = r.start;
    return r;
}

/* The day on which the bill-cycle period for (year, month) starts: the
 * cycle day, or the month's last day when the month is shorter. */
static int64_t cycle_start(int cycle_day, int64_t year, int month)
{
    int dim = tl_days_in_month((int)year, month);

    return days_from_civil(year, month, cycle_day < dim ? cycle_day : dim);
}

int tl_bill_period(tl_period *out, int cycle_day, int year, int month)
{
    int64_t next_year = month == 12 ? (int64_t)year + 1 : year;
    int next_month = month == 12 ? 1 : month + 1;

    assert(out != NULL);
    out->start = 0;
    out->end = 0;
    if (cycle_day < 1 || cycle_day > 31 || month < 1 || month > 12 ||
        year < DATES_MIN_YEAR || year > DATES_MAX_YEAR)
        return TL_EINVALID;
    /* The period for December 9999 ends in January 10000; that boundary
     * is only ever compared, never shown, so it is allowed. */
    out->start = (tl_date)cycle_start(cycle_day, year, month);
    out->end = (tl_date)cycle_start(cycle_day, next_year, next_month);
    return 0;
}

int tl_bill_period_containing(tl_period *out, int cycle_day, tl_date d)
{
    int64_t year;
    int month;
    int day;
    int rc;

    assert(out != NULL);
    out->start = 0;
    out->end = 0;
    civil_from_days(d, &year, &month, &day);
    if (year < DATES_MIN_YEAR || year > DATES_MAX_YEAR)
        return TL_EINVALID;
    rc = tl_bill_period(out, cycle_day, (int)year, month);
    if (rc != 0 || d >= out->start)
        return rc;
    /* d comes before this month's cycle start, so it belongs to the
     * period that started in the previous month. */
    if (month == 1) {
        month = 12;
        year--;
    } else {
        month--;
    }
    return tl_bill_period(out, cycle_day, (int)year, month);
}

int tl_month_parse(int *year, int *month, const char *text)
{
    int y;
    int m;

    assert(year != NULL && month != NULL);
    *year = 0;
    *month = 0;
    if (text == NULL || strnlen(text, 8) != 7 || text[4] != '-')
        return TL_EINVALID;
    y = read_digits(text, 4);
    m = read_digits(text + 5, 2);
    if (y < DATES_MIN_YEAR || m < 1 || m > 12)
        return TL_EINVALID;
    *year = y;
    *month = m;
    return 0;
}
