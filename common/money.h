/*
 * Money: exact amounts in ISO 4217 minor units with their currency.
 *
 * An amount is a signed 64-bit count of the currency's minor unit (USD
 * cents, JPY yen, BHD fils) plus the three-letter code. There is no floating
 * point anywhere. Every operation returns 0 or a negative TL_E* status that
 * tells overflow (TL_EOVERFLOW), a currency mismatch (TL_ECURRENCY) and a
 * negative result where not allowed (TL_ENEGATIVE) apart. Inputs are read
 * before the output is written, so `tl_money_add(&a, &a, &b)` is safe; on
 * failure the output is invalidated (currency "" and minor 0).
 */
#ifndef TL_MONEY_H
#define TL_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

typedef struct tl_money {
    int64_t minor; /* amount in minor units of cur */
    char cur[4];   /* ISO 4217 alphabetic code, NUL-terminated */
} tl_money;

/* Largest number of weighted parts tl_money_allocate accepts. */
#define TL_MONEY_MAX_PARTS 4096

/* The ISO 4217 minor-unit exponent of a currency (USD 2, JPY 0, BHD 3), or
 * -1 when the code is not one we know. */
int tl_currency_exponent(const char *cur);

/* True when cur is a known ISO 4217 code. */
int tl_currency_known(const char *cur);

/* Makes an amount; returns TL_ECURRENCY for an unknown currency. */
int tl_money_make(tl_money *out, int64_t minor, const char *cur);

/* True when m holds a known currency (i.e. it was not invalidated). */
int tl_money_valid(const tl_money *m);

/* Parses a plain decimal string ("1234.5", "-0.01", "12") in currency cur.
 * Rejects signs other than a leading '-', group separators, exponents,
 * leading or trailing junk or spaces, more decimals than the currency has
 * (TL_EINVALID), and values that do not fit (TL_EOVERFLOW). */
int tl_money_parse(tl_money *out, const char *text, const char *cur);

/* Formats the amount as a plain decimal with exactly the currency's number
 * of decimals ("1234.50", "-0.07", "500" for JPY), no currency code. Returns
 * the length written, or TL_ERROR when the buffer is too small (buf is then
 * ""). 32 bytes always suffice. */
int tl_money_format(char *buf, size_t size, const tl_money *m);

/* out = a + b. TL_ECURRENCY when currencies differ, TL_EOVERFLOW. */
int tl_money_add(tl_money *out, const tl_money *a, const tl_money *b);

/* out = a - b. TL_ECURRENCY when currencies differ, TL_EOVERFLOW. */
int tl_money_sub(tl_money *out, const tl_money *a, const tl_money *b);

/* out = a - b, refusing a negative result with TL_ENEGATIVE. */
int tl_money_sub_nonneg(tl_money *out, const tl_money *a, const tl_money *b);

/* out = a * qty. TL_EOVERFLOW when the product does not fit. */
int tl_money_mul(tl_money *out, const tl_money *a, int64_t qty);

/* out = a * num / den rounded half-even; den must be > 0 (TL_EINVALID
 * otherwise). Used for proration by days and for percentages. Exact for
 * every a, num, den whose product fits in 127 bits. TL_EOVERFLOW when the
 * result does not fit. */
int tl_money_scale(tl_money *out, const tl_money *a, int64_t num, int64_t den);

/* out = a * rate, the rate given in parts per million of the whole (12.5%
 * is 125000, 3% is 30000), rounded half-even. */
int tl_money_percent(tl_money *out, const tl_money *a, int64_t ppm);

/* Splits total into n parts proportional to weights[0..n-1] (each >= 0, sum
 * > 0) so that the parts add up to total exactly. Each part is first
 * rounded toward zero; the remaining minor units go one each to the parts
 * with the largest remainders, ties to the lower index. parts[] must hold n
 * entries. TL_EINVALID for n == 0, n > TL_MONEY_MAX_PARTS, a negative weight
 * or a zero sum; TL_EOVERFLOW when the weights' sum overflows. */
int tl_money_allocate(tl_money *parts, const tl_money *total,
                      const int64_t *weights, size_t n);

/* Compares two amounts in the same currency: <0, 0, >0. Amounts in
 * different currencies compare by currency code first. */
int tl_money_cmp(const tl_money *a, const tl_money *b);

#endif
