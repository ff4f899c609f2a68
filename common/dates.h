/*
 * Civil dates, half-open periods and bill-cycle periods.
 *
 * A tl_date is a count of days since 1970-01-01 in the proleptic Gregorian
 * calendar, so differences and comparisons are plain integer arithmetic.
 * Supported years are 1..9999. Periods are half-open: [start, end).
 *
 * Bill-cycle periods. An account with cycle day D is billed in periods that
 * start on day D of each month. When a month is shorter than D (cycle day
 * 29-31 in February, or 31 in a 30-day month), the period starts on that
 * month's last day instead. The period "for month M" starts in M and ends
 * where the period for M+1 starts, so periods always tile the calendar
 * without gaps or overlaps. Example, cycle day 31: [Jan 31, Feb 28),
 * [Feb 28, Mar 31), [Mar 31, Apr 30), [Apr 30, May 31).
 */
#ifndef TL_DATES_H
#define TL_DATES_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t tl_date; /* days since 1970-01-01 */

typedef struct tl_period {
    tl_date start; /* first day in the period */
    tl_date end;   /* first day after the period */
} tl_period;

/* True for leap years of the Gregorian calendar. */
int tl_is_leap_year(int year);

/* Days in a month (1..12) of a year: 28..31, or 0 for a bad month. */
int tl_days_in_month(int year, int month);

/* Builds a date; TL_EINVALID (from err.h) for an impossible date or a year
 * outside 1..9999. *out is 0 on failure. */
int tl_date_from_ymd(tl_date *out, int year, int month, int day);

/* Splits a date into year, month, day. Any output may be NULL. */
void tl_date_to_ymd(tl_date d, int *year, int *month, int *day);

/* Parses exactly "YYYY-MM-DD"; anything else is TL_EINVALID. */
int tl_date_parse(tl_date *out, const char *text);

/* Writes "YYYY-MM-DD" into buf (at least 11 bytes). Returns 10, or
 * TL_ERROR when buf is too small. */
int tl_date_format(char *buf, size_t size, tl_date d);

/* d plus n days (n may be negative). */
tl_date tl_date_add_days(tl_date d, int32_t n);

/* d plus n months, clamping the day to the target month's length (Jan 31 +
 * 1 month is Feb 28 or 29). TL_EINVALID when the year leaves 1..9999. */
int tl_date_add_months(tl_date *out, tl_date d, int n);

/* Days from a to b (b - a); negative when b is before a. */
int32_t tl_days_between(tl_date a, tl_date b);

/* The last day of d's month. */
tl_date tl_date_end_of_month(tl_date d);

/* Number of days in a period (end - start), 0 for an empty period. */
int32_t tl_period_days(const tl_period *p);

/* True when d lies in [p->start, p->end). */
int tl_period_contains(const tl_period *p, tl_date d);

/* The intersection of a and b; an empty intersection has start == end. */
tl_period tl_period_intersect(const tl_period *a, const tl_period *b);

/* The bill-cycle period that starts in month (year, month) for cycle day
 * 1..31, as described at the top of this file. TL_EINVALID for a bad cycle
 * day or month. */
int tl_bill_period(tl_period *out, int cycle_day, int year, int month);

/* The bill-cycle period for cycle_day that contains d. */
int tl_bill_period_containing(tl_period *out, int cycle_day, tl_date d);

/* Parses a month "YYYY-MM" into year and month; TL_EINVALID otherwise. */
int tl_month_parse(int *year, int *month, const char *text);

#endif
