/*
 * Money: exact amounts in ISO 4217 minor units.
 *
 * Data structure. The currency table below is sorted by code so that a
 * lookup is a binary search; each entry holds the alphabetic code and the
 * minor-unit exponent ISO 4217 assigns to it. An amount is valid exactly
 * when its code is in the table, so an invalidated amount (code "") fails
 * every later operation with TL_ECURRENCY instead of silently producing a
 * number in no currency.
 *
 * Arithmetic discipline. Every operation copies its inputs first (the
 * output may alias an input), checks currencies and ranges before it
 * computes, and invalidates the output on any failure. Rounding divisions
 * work on magnitudes in unsigned 128-bit arithmetic and apply the sign
 * afterwards, so negative amounts round exactly like their positive
 * mirror images and INT64_MIN needs no special case in the middle of a
 * computation.
 */
#include "common/money.h"

#include <assert.h>
#include <string.h>

/* The intermediate a * num of tl_money_scale needs up to 126 bits. The
 * __extension__ keyword keeps -pedantic builds quiet about a GNU type. */
__extension__ typedef unsigned __int128 money_u128;

/* The magnitude of INT64_MIN, the largest magnitude a negative amount
 * can have. */
#define MONEY_NEG_LIMIT ((uint64_t)INT64_MAX + 1u)

typedef struct money_currency {
    char code[4];
    int exponent;
} money_currency;

/*
 * Circulating ISO 4217 currencies with their minor-unit exponents, sorted
 * by code for the binary search. Fund codes, precious metals and codes
 * withdrawn before 2024 are left out on purpose: nobody is billed in them,
 * and an unknown code is reported rather than guessed at.
 */
static const money_currency currencies[] = {
    {"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"ANG", 2}, {"AOA", 2},
    {"ARS", 2}, {"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2},
    {"BDT", 2}, {"BGN", 2}, {"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2},
    {"BOB", 2}, {"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2}, {"BYN", 2},
    {"BZD", 2}, {"CAD", 2}, {"CDF", 2}, {"CHF", 2}, {"CLP", 0}, {"CNY", 2},
    {"COP", 2}, {"CRC", 2}, {"CUP", 2}, {"CVE", 2}, {"CZK", 2}, {"DJF", 0},
    {"DKK", 2}, {"DOP", 2}, {"DZD", 2}, {"EGP", 2}, {"ERN", 2}, {"ETB", 2},
    {"EUR", 2}, {"FJD", 2}, {"FKP", 2}, {"GBP", 2}, {"GEL", 2}, {"GHS", 2},
    {"GIP", 2}, {"GMD", 2}, {"GNF", 0}, {"GTQ", 2}, {"GYD", 2}, {"HKD", 2},
    {"HNL", 2}, {"HTG", 2}, {"HUF", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2},
    {"IQD", 3}, {"IRR", 2}, {"ISK", 0}, {"JMD", 2}, {"JOD", 3}, {"JPY", 0},
    {"KES", 2}, {"KGS", 2}, {"KHR", 2}, {"KMF", 0}, {"KPW", 2}, {"KRW", 0},
    {"KWD", 3}, {"KYD", 2}, {"KZT", 2}, {"LAK", 2}, {"LBP", 2}, {"LKR", 2},
    {"LRD", 2}, {"LSL", 2}, {"LYD", 3}, {"MAD", 2}, {"MDL", 2}, {"MGA", 2},
    {"MKD", 2}, {"MMK", 2}, {"MNT", 2}, {"MOP", 2}, {"MRU", 2}, {"MUR", 2},
    {"MVR", 2}, {"MWK", 2}, {"MXN", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2},
    {"NGN", 2}, {"NIO", 2}, {"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3},
    {"PAB", 2}, {"PEN", 2}, {"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2},
    {"PYG", 0}, {"QAR", 2}, {"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0},
    {"SAR", 2}, {"SBD", 2}, {"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2},
    {"SHP", 2}, {"SLE", 2}, {"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2},
    {"SVC", 2}, {"SYP", 2}, {"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2},
    {"TND", 3}, {"TOP", 2}, {"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2},
    {"UAH", 2}, {"UGX", 0}, {"USD", 2}, {"UYU", 2}, {"UZS", 2}, {"VES", 2},
    {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0}, {"XCD", 2}, {"XCG", 2},
    {"XOF", 0}, {"XPF", 0}, {"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

#define N_CURRENCIES (sizeof(currencies) / sizeof(currencies[0]))

/* Finds a currency by code. The code must be exactly three ASCII capital
 * letters; "usd", "US" and "USDX" are unknown rather than normalised, so
 * what is stored is always the canonical spelling. */
static const money_currency *currency_find(const char *cur)
{
    size_t lo = 0;
    size_t hi = N_CURRENCIES;
    int i;

    if (cur == NULL)
        return NULL;
    for (i = 0; i < 3; i++) {
        if (cur[i] < 'A' || cur[i] > 'Z')
            return NULL;
    }
    if (cur[3] != '\0')
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(cur, currencies[mid].code, 3);

        if (c == 0)
            return &currencies[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Marks an amount as holding nothing, so that a caller who ignores a
 * failure status cannot go on to use a plausible-looking number. */
static void invalidate(tl_money *m)
{
    m->minor = 0;
    m->cur[0] = '\0';
}

/* Writes a checked result, always copying the code from the table so the
 * output is NUL-terminated whatever the input buffer held. */
static int set_result(tl_money *out, int64_t minor, const money_currency *c)
{
    out->minor = minor;
    memcpy(out->cur, c->code, sizeof(out->cur));
    return 0;
}

/* Fails with `status`, invalidating the output first. */
static int fail(tl_money *out, int status)
{
    invalidate(out);
    return status;
}

/* The magnitude of v as an unsigned number; exact for INT64_MIN too. */
static uint64_t magnitude(int64_t v)
{
    if (v >= 0)
        return (uint64_t)v;
    return (uint64_t)(-(v + 1)) + 1u;
}

/* Turns a magnitude and a sign back into an int64_t, or TL_EOVERFLOW when
 * it does not fit. A negative value may reach 2^63, a positive one not. */
static int apply_sign(int64_t *out, uint64_t mag, int negative)
{
    if (!negative) {
        if (mag > (uint64_t)INT64_MAX)
            return TL_EOVERFLOW;
        *out = (int64_t)mag;
        return 0;
    }
    if (mag > MONEY_NEG_LIMIT)
        return TL_EOVERFLOW;
    if (mag == MONEY_NEG_LIMIT)
        *out = INT64_MIN;
    else
        *out = -(int64_t)mag;
    return 0;
}

/* The common currency of two amounts, or NULL when either is unknown or
 * they differ. */
static const money_currency *same_currency(const tl_money *a, const tl_money *b)
{
    const money_currency *ca = currency_find(a->cur);

    if (ca == NULL || memcmp(a->cur, b->cur, 4) != 0)
        return NULL;
    return ca;
}

int tl_currency_exponent(const char *cur)
{
    const money_currency *c = currency_find(cur);

    return c == NULL ? -1 : c->exponent;
}

int tl_currency_known(const char *cur)
{
    return currency_find(cur) != NULL;
}

int tl_money_make(tl_money *out, int64_t minor, const char *cur)
{
    const money_currency *c;

    assert(out != NULL);
    c = currency_find(cur);
    if (c == NULL)
        return fail(out, TL_ECURRENCY);
    return set_result(out, minor, c);
}

int tl_money_valid(const tl_money *m)
{
    return m != NULL && currency_find(m->cur) != NULL;
}

/*
 * The grammar is  '-'? digit+ ( '.' digit+ )?  with at most `exponent`
 * digits after the point. The text is checked completely before any value
 * is built, so a malformed string is always TL_EINVALID and TL_EOVERFLOW
 * only ever means "well-formed but too large". Leading zeros are accepted:
 * the value they spell is unambiguous, and fixed-width bank files use them.
 */
int tl_money_parse(tl_money *out, const char *text, const char *cur)
{
    const money_currency *c;
    const char *p;
    uint64_t limit;
    uint64_t value = 0;
    int negative = 0;
    int int_digits = 0;
    int frac_digits = 0;
    int64_t minor = 0;
    int i;

    assert(out != NULL);
    c = currency_find(cur);
    if (c == NULL)
        return fail(out, TL_ECURRENCY);
    if (text == NULL)
        return fail(out, TL_EINVALID);

    p = text;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    while (p[int_digits] >= '0' && p[int_digits] <= '9')
        int_digits++;
    if (int_digits == 0)
        return fail(out, TL_EINVALID);
    if (p[int_digits] == '.') {
        const char *f = p + int_digits + 1;

        while (f[frac_digits] >= '0' && f[frac_digits] <= '9')
            frac_digits++;
        /* "1." and anything after the fraction ("1.5x") are junk. */
        if (frac_digits == 0 || f[frac_digits] != '\0')
            return fail(out, TL_EINVALID);
    } else if (p[int_digits] != '\0') {
        return fail(out, TL_EINVALID);
    }
    if (frac_digits > c->exponent)
        return fail(out, TL_EINVALID);

    /* Accumulate every digit, skipping the point, into the magnitude in
     * minor units; the bound is checked before each step, as a negative
     * amount may reach one unit further than a positive one. */
    limit = negative ? MONEY_NEG_LIMIT : (uint64_t)INT64_MAX;
    for (; *p != '\0'; p++) {
        uint64_t digit;

        if (*p == '.')
            continue;
        digit = (uint64_t)(*p - '0');
        if (value > (limit - digit) / 10u)
            return fail(out, TL_EOVERFLOW);
        value = value * 10u + digit;
    }
    /* "12.5" in a 2-decimal currency is 1250 minor units. */
    for (i = frac_digits; i < c->exponent; i++) {
        if (value > limit / 10u)
            return fail(out, TL_EOVERFLOW);
        value *= 10u;
    }
    if (apply_sign(&minor, value, negative) != 0)
        return fail(out, TL_EOVERFLOW);
    return set_result(out, minor, c);
}

/*
 * Digits are produced right to left into a local buffer, padding with
 * zeros so that the amount always shows exactly `exponent` decimals and at
 * least one integer digit ("0.07", not ".07"). An invalidated amount has
 * no exponent and is refused like a too-small buffer.
 */
int tl_money_format(char *buf, size_t size, const tl_money *m)
{
    const money_currency *c;
    char tmp[32];
    size_t pos = sizeof(tmp);
    uint64_t mag;
    size_t len;
    int produced = 0;

    assert(buf != NULL || size == 0);
    assert(m != NULL);
    if (size > 0)
        buf[0] = '\0';
    c = currency_find(m->cur);
    if (c == NULL)
        return TL_ERROR;
    mag = magnitude(m->minor);
    tmp[--pos] = '\0';
    while (mag > 0 || produced <= c->exponent) {
        if (produced == c->exponent && c->exponent > 0)
            tmp[--pos] = '.';
        tmp[--pos] = (char)('0' + mag % 10u);
        mag /= 10u;
        produced++;
    }
    if (m->minor < 0)
        tmp[--pos] = '-';
    len = sizeof(tmp) - 1 - pos;
    if (len + 1 > size)
        return TL_ERROR;
    memcpy(buf, tmp + pos, len + 1);
    return (int)len;
}

int tl_money_add(tl_money *out, const tl_money *a, const tl_money *b)
{
    tl_money x = *a;
    tl_money y = *b;
    const money_currency *c = same_currency(&x, &y);
    int64_t r;

    if (c == NULL)
        return fail(out, TL_ECURRENCY);
    if (__builtin_add_overflow(x.minor, y.minor, &r))
        return fail(out, TL_EOVERFLOW);
    return set_result(out, r, c);
}

int tl_money_sub(tl_money *out, const tl_money *a, const tl_money *b)
{
    tl_money x = *a;
    tl_money y = *b;
    const money_currency *c = same_currency(&x, &y);
    int64_t r;

    if (c == NULL)
        return fail(out, TL_ECURRENCY);
    if (__builtin_sub_overflow(x.minor, y.minor, &r))
        return fail(out, TL_EOVERFLOW);
    return set_result(out, r, c);
}

int tl_money_sub_nonneg(tl_money *out, const tl_money *a, const tl_money *b)
{
    tl_money x = *a;
    tl_money y = *b;
    const money_currency *c = same_currency(&x, &y);
    int64_t r;

    if (c == NULL)
        return fail(out, TL_ECURRENCY);
    if (__builtin_sub_overflow(x.minor, y.minor, &r))
        return fail(out, TL_EOVERFLOW);
    if (r < 0)
        return fail(out, TL_ENEGATIVE);
    return set_result(out, r, c);
}

int tl_money_mul(tl_money *out, const tl_money *a, int64_t qty)
{
    tl_money x = *a;
    const money_currency *c = currency_find(x.cur);
    int64_t r;

    if (c == NULL)
        return fail(out, TL_ECURRENCY);
    if (__builtin_mul_overflow(x.minor, qty, &r))
        return fail(out, TL_EOVERFLOW);
    return set_result(out, r, c);
}

/*
 * |a| * |num| is below 2^126, so the 128-bit product never wraps and the
 * quotient and remainder are exact. Half-even looks at the remainder
 * against half the divisor: above rounds up, below rounds down, and an
 * exact half rounds to the even quotient. Comparing 2r with den avoids
 * halving an odd divisor.
 */
int tl_money_scale(tl_money *out, const tl_money *a, int64_t num, int64_t den)
{
    tl_money x = *a;
    const money_currency *c = currency_find(x.cur);
    money_u128 product;
    money_u128 q;
    money_u128 r;
    int negative;
    int64_t result = 0;

    if (c == NULL)
        return fail(out, TL_ECURRENCY);
    if (den <= 0)
        return fail(out, TL_EINVALID);
    negative = (x.minor < 0) != (num < 0);
    product = (money_u128)magnitude(x.minor) * magnitude(num);
    q = product / (uint64_t)den;
    r = product % (uint64_t)den;
    if (2 * r > (money_u128)den || (2 * r == (money_u128)den && (q & 1u)))
        q++;
    if (q > MONEY_NEG_LIMIT)
        return fail(out, TL_EOVERFLOW);
    if (apply_sign(&result, (uint64_t)q, negative) != 0)
        return fail(out, TL_EOVERFLOW);
    return set_result(out, result, c);
}

int tl_money_percent(tl_money *out, const tl_money *a, int64_t ppm)
{
    return tl_money_scale(out, a, ppm, 1000000);
}

/* The number of parts whose remainder is at least `t`. Remainders are
 * kept in the parts' minor fields during the selection (see below). */
static size_t count_at_least(const tl_money *parts, size_t n, int64_t t)
{
    size_t count = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (parts[i].minor >= t)
            count++;
    }
    return count;
}

/*
 * Largest remainder without a sort and without allocating. With M the
 * total's magnitude and S the weights' sum, part i gets floor(M * w_i / S)
 * and leaves the remainder r_i = M * w_i mod S. The floors fall short of M
 * by fewer than n units ("left"), which go to the `left` largest
 * remainders, ties to the lower index. That set is found by a binary
 * search for the threshold T, the largest value with at least `left`
 * remainders >= T: every part with r_i > T gets a unit, and the parts with
 * r_i == T get the rest in index order. The remainders are parked in
 * parts[].minor while searching (each is below S, so it fits), and the
 * floors are recomputed when the final values are written.
 */
int tl_money_allocate(tl_money *parts, const tl_money *total,
                      const int64_t *weights, size_t n)
{
    tl_money t;
    const money_currency *c;
    int64_t sum = 0;
    uint64_t mag;
    uint64_t left;
    uint64_t floors = 0;
    int64_t threshold;
    size_t above;
    size_t i;
    int rc;

    assert(parts != NULL || n == 0);
    assert(total != NULL);
    assert(weights != NULL || n == 0);
    /* An n past the cap is not trusted to describe parts[], so nothing is
     * written in that case. */
    if (n == 0 || n > TL_MONEY_MAX_PARTS)
        return TL_EINVALID;
    t = *total;
    rc = 0;
    c = currency_find(t.cur);
    if (c == NULL)
        rc = TL_ECURRENCY;
    for (i = 0; rc == 0 && i < n; i++) {
        if (weights[i] < 0)
            rc = TL_EINVALID;
        else if (__builtin_add_overflow(sum, weights[i], &sum))
            rc = TL_EOVERFLOW;
    }
    if (rc == 0 && sum == 0)
        rc = TL_EINVALID;
    if (rc != 0) {
        for (i = 0; i < n; i++)
            invalidate(&parts[i]);
        return rc;
    }

    mag = magnitude(t.minor);
    for (i = 0; i < n; i++) {
        money_u128 p = (money_u128)mag * (uint64_t)weights[i];

        floors += (uint64_t)(p / (uint64_t)sum);
        parts[i].minor = (int64_t)(p % (uint64_t)sum);
    }
    left = mag - floors;

    /* With nothing left over no remainder may earn a unit, so the
     * threshold starts above every remainder. Otherwise count_at_least(1)
     * exceeds `left` (the fractions of the parts sum to `left` and each is
     * below one), so lo = 1 satisfies the search and zero remainders, such
     * as those of zero weights, never get a unit. */
    threshold = sum;
    above = 0;
    if (left > 0) {
        int64_t lo = 1;
        int64_t hi = 1;

        for (i = 0; i < n; i++) {
            if (parts[i].minor > hi)
                hi = parts[i].minor;
        }
        while (lo < hi) {
            int64_t mid = lo + (hi - lo) / 2 + 1;

            if (count_at_least(parts, n, mid) >= left)
                lo = mid;
            else
                hi = mid - 1;
        }
        threshold = lo;
        above = count_at_least(parts, n, threshold + 1);
        left -= above;
    }

    for (i = 0; i < n; i++) {
        money_u128 p = (money_u128)mag * (uint64_t)weights[i];
        uint64_t share = (uint64_t)(p / (uint64_t)sum);
        int64_t rem = parts[i].minor;
        int64_t value = 0;

        if (rem > threshold) {
            share++;
        } else if (rem == threshold && left > 0) {
            share++;
            left--;
        }
        /* share <= mag, so the sign of the total always fits. */
        apply_sign(&value, share, t.minor < 0);
        set_result(&parts[i], value, c);
    }
    return 0;
}

int tl_money_cmp(const tl_money *a, const tl_money *b)
{
    int c = strncmp(a->cur, b->cur, sizeof(a->cur));

    if (c != 0)
        return c < 0 ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    return 0;
}
