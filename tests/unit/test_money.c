/*
 * Money: strict parsing (rejects first), formatting, checked arithmetic at
 * the int64 bounds, currency mismatch, half-even scaling and percentages,
 * and largest-remainder allocation, all asserted to the minor unit.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/money.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static tl_money money(int64_t minor, const char *cur)
{
    tl_money m;

    ck_assert_int_eq(tl_money_make(&m, minor, cur), 0);
    return m;
}

/* A value that no operation produces, so a test can tell whether an
 * output was written at all. */
static tl_money poisoned(void)
{
    tl_money m;

    m.minor = 4242;
    memcpy(m.cur, "EUR", 4);
    return m;
}

static void assert_invalidated(const tl_money *m)
{
    ck_assert_int_eq(m->minor, 0);
    ck_assert_str_eq(m->cur, "");
    ck_assert(!tl_money_valid(m));
}

/* ---- parsing: rejects first ------------------------------------------ */

static const struct reject_case {
    const char *text;
    const char *cur;
    int status;
} rejects[] = {
    {"", "USD", TL_EINVALID},
    {"+1", "USD", TL_EINVALID},
    {" 1", "USD", TL_EINVALID},
    {"1 ", "USD", TL_EINVALID},
    {"\t1", "USD", TL_EINVALID},
    {"1\n", "USD", TL_EINVALID},
    {"1.", "USD", TL_EINVALID},
    {".5", "USD", TL_EINVALID},
    {"-.5", "USD", TL_EINVALID},
    {"1e3", "USD", TL_EINVALID},
    {"1E3", "USD", TL_EINVALID},
    {"1,000", "USD", TL_EINVALID},
    {"1 000", "USD", TL_EINVALID},
    {"1_000", "USD", TL_EINVALID},
    {"1,5", "USD", TL_EINVALID},
    {"-", "USD", TL_EINVALID},
    {"--1", "USD", TL_EINVALID},
    {"- 1", "USD", TL_EINVALID},
    {"1-", "USD", TL_EINVALID},
    {"1.2.3", "USD", TL_EINVALID},
    {"1.5x", "USD", TL_EINVALID},
    {"0x10", "USD", TL_EINVALID},
    {"USD 1.00", "USD", TL_EINVALID},
    {"1.00USD", "USD", TL_EINVALID},
    {"NaN", "USD", TL_EINVALID},
    {"inf", "USD", TL_EINVALID},
    {"1.234", "USD", TL_EINVALID},
    {"1.230", "USD", TL_EINVALID}, /* zero decimals still count */
    {"0.001", "EUR", TL_EINVALID},
    {"1.0", "JPY", TL_EINVALID}, /* any '.' in a 0-decimal currency */
    {"1.", "JPY", TL_EINVALID},
    {"1.5", "KRW", TL_EINVALID},
    {"1.2345", "BHD", TL_EINVALID},
    {"0.0001", "KWD", TL_EINVALID},
    /* a malformed string is never reported as overflow */
    {"99999999999999999999.999", "USD", TL_EINVALID},
    /* one unit beyond the int64 range of minor units, each way */
    {"92233720368547758.08", "USD", TL_EOVERFLOW},
    {"-92233720368547758.09", "USD", TL_EOVERFLOW},
    {"9223372036854775808", "JPY", TL_EOVERFLOW},
    {"-9223372036854775809", "JPY", TL_EOVERFLOW},
    {"9223372036854775.808", "BHD", TL_EOVERFLOW},
    /* the digits fit but scaling to minor units does not */
    {"92233720368547759", "USD", TL_EOVERFLOW},
    {"92233720368547758.1", "USD", TL_EOVERFLOW},
    {"99999999999999999999999999", "JPY", TL_EOVERFLOW},
    /* 184467440737095517 * 100 wraps a 64-bit unsigned to 84 */
    {"184467440737095517", "USD", TL_EOVERFLOW},
    /* unknown or misspelt currencies */
    {"1.00", "usd", TL_ECURRENCY},
    {"1.00", "US", TL_ECURRENCY},
    {"1.00", "USDX", TL_ECURRENCY},
    {"1.00", "XXX", TL_ECURRENCY},
    {"1.00", "", TL_ECURRENCY},
    {"1.00", NULL, TL_ECURRENCY},
    {NULL, "USD", TL_EINVALID},
};

START_TEST(parse_rejects)
{
    const struct reject_case *c = &rejects[_i];
    tl_money out = poisoned();

    ck_assert_msg(tl_money_parse(&out, c->text, c->cur) == c->status,
                  "parse(\"%s\", %s) should give %d", c->text ? c->text : "",
                  c->cur ? c->cur : "(null)", c->status);
    assert_invalidated(&out);
}
END_TEST

static const struct accept_case {
    const char *text;
    const char *cur;
    int64_t minor;
} accepts[] = {
    {"0", "USD", 0},
    {"-0", "USD", 0},
    {"-0.00", "USD", 0},
    {"0.5", "USD", 50},
    {"12", "USD", 1200},
    {"1234.5", "USD", 123450},
    {"-0.01", "USD", -1},
    {"1150.00", "USD", 115000},
    {"007.10", "EUR", 710},
    {"92233720368547758.07", "USD", INT64_MAX},
    {"-92233720368547758.08", "USD", INT64_MIN},
    {"92233720368547758", "USD", 9223372036854775800},
    {"500", "JPY", 500},
    {"-7", "KRW", -7},
    {"9223372036854775807", "JPY", INT64_MAX},
    {"-9223372036854775808", "JPY", INT64_MIN},
    {"1.234", "BHD", 1234},
    {"0.001", "BHD", 1},
    {"5", "BHD", 5000},
    {"1.2", "KWD", 1200},
    {"-0.05", "OMR", -50},
};

START_TEST(parse_accepts)
{
    const struct accept_case *c = &accepts[_i];
    tl_money out = poisoned();

    ck_assert_msg(tl_money_parse(&out, c->text, c->cur) == 0,
                  "parse(\"%s\", %s) failed", c->text, c->cur);
    ck_assert_int_eq(out.minor, c->minor);
    ck_assert_str_eq(out.cur, c->cur);
}
END_TEST

/* ---- formatting and round trips -------------------------------------- */

static const struct format_case {
    int64_t minor;
    const char *cur;
    const char *text;
} formats[] = {
    {0, "USD", "0.00"},
    {1, "USD", "0.01"},
    {-1, "USD", "-0.01"},
    {7, "USD", "0.07"},
    {-7, "USD", "-0.07"},
    {99, "USD", "0.99"},
    {100, "USD", "1.00"},
    {123450, "USD", "1234.50"},
    {-123450, "USD", "-1234.50"},
    {INT64_MAX, "USD", "92233720368547758.07"},
    {INT64_MIN, "USD", "-92233720368547758.08"},
    {0, "JPY", "0"},
    {500, "JPY", "500"},
    {-500, "JPY", "-500"},
    {INT64_MAX, "JPY", "9223372036854775807"},
    {INT64_MIN, "JPY", "-9223372036854775808"},
    {0, "BHD", "0.000"},
    {1, "BHD", "0.001"},
    {-50, "BHD", "-0.050"},
    {1000, "BHD", "1.000"},
    {1234, "BHD", "1.234"},
    {INT64_MIN, "BHD", "-9223372036854775.808"},
};

START_TEST(format_and_parse_back)
{
    const struct format_case *c = &formats[_i];
    tl_money m = money(c->minor, c->cur);
    tl_money back = poisoned();
    char buf[32];

    ck_assert_int_eq(tl_money_format(buf, sizeof(buf), &m),
                     (int)strlen(c->text));
    ck_assert_str_eq(buf, c->text);
    ck_assert_int_eq(tl_money_parse(&back, buf, c->cur), 0);
    ck_assert_int_eq(back.minor, c->minor);
    ck_assert_str_eq(back.cur, c->cur);
}
END_TEST

START_TEST(format_refuses_small_buffers_and_invalid_amounts)
{
    tl_money m = money(123450, "USD");
    tl_money bad = poisoned();
    char buf[32];

    /* "1234.50" needs 8 bytes with its NUL */
    memset(buf, 'x', sizeof(buf));
    ck_assert_int_eq(tl_money_format(buf, 7, &m), TL_ERROR);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(tl_money_format(buf, 8, &m), 7);
    ck_assert_str_eq(buf, "1234.50");
    ck_assert_int_eq(tl_money_format(NULL, 0, &m), TL_ERROR);
    /* an invalidated amount has no decimals to show */
    ck_assert_int_eq(tl_money_parse(&bad, "x", "USD"), TL_EINVALID);
    memset(buf, 'x', sizeof(buf));
    ck_assert_int_eq(tl_money_format(buf, sizeof(buf), &bad), TL_ERROR);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* ---- currencies ------------------------------------------------------- */

static const struct exponent_case {
    const char *cur;
    int exponent;
} exponents[] = {
    {"USD", 2},  {"CAD", 2},  {"EUR", 2},   {"GBP", 2},  {"CHF", 2},
    {"AUD", 2},  {"NZD", 2},  {"MXN", 2},   {"BRL", 2},  {"SEK", 2},
    {"NOK", 2},  {"DKK", 2},  {"PLN", 2},   {"CZK", 2},  {"HUF", 2},
    {"INR", 2},  {"CNY", 2},  {"HKD", 2},   {"SGD", 2},  {"ZAR", 2},
    {"AED", 2},  {"SAR", 2},  {"ILS", 2},   {"TRY", 2},  {"JPY", 0},
    {"KRW", 0},  {"CLP", 0},  {"ISK", 0},   {"VND", 0},  {"XOF", 0},
    {"BHD", 3},  {"KWD", 3},  {"OMR", 3},   {"JOD", 3},  {"TND", 3},
    {"LYD", 3},  {"IQD", 3},  {"AFN", 2},   {"ZWG", 2},  {"usd", -1},
    {"Usd", -1}, {"US", -1},  {"USDD", -1}, {"", -1},    {"XXX", -1},
    {"HRK", -1}, {"U1D", -1}, {"AAA", -1},  {"ZZZ", -1},
};

START_TEST(currency_exponents)
{
    const struct exponent_case *c = &exponents[_i];

    ck_assert_msg(tl_currency_exponent(c->cur) == c->exponent,
                  "exponent of \"%s\" should be %d", c->cur, c->exponent);
    ck_assert_int_eq(tl_currency_known(c->cur), c->exponent >= 0);
}
END_TEST

START_TEST(currency_table_is_searchable)
{
    char code[4] = "AAA";
    int known = 0;
    int a;
    int b;
    int c;

    /* Every code of the table must be found by the binary search, which
     * only holds when the table is sorted. 156 is the table's size; a
     * change to the table changes this number on purpose. */
    for (a = 'A'; a <= 'Z'; a++) {
        for (b = 'A'; b <= 'Z'; b++) {
            for (c = 'A'; c <= 'Z'; c++) {
                code[0] = (char)a;
                code[1] = (char)b;
                code[2] = (char)c;
                if (tl_currency_known(code))
                    known++;
            }
        }
    }
    ck_assert_int_eq(known, 156);
    ck_assert_int_eq(tl_currency_exponent(NULL), -1);
    ck_assert(!tl_currency_known(NULL));
}
END_TEST

START_TEST(make_and_valid)
{
    tl_money m = poisoned();

    ck_assert_int_eq(tl_money_make(&m, -42, "CHF"), 0);
    ck_assert_int_eq(m.minor, -42);
    ck_assert_str_eq(m.cur, "CHF");
    ck_assert(tl_money_valid(&m));
    ck_assert_int_eq(tl_money_make(&m, 5, "chf"), TL_ECURRENCY);
    assert_invalidated(&m);
    m = poisoned();
    ck_assert_int_eq(tl_money_make(&m, 5, NULL), TL_ECURRENCY);
    assert_invalidated(&m);
    ck_assert(!tl_money_valid(NULL));
}
END_TEST

/* ---- checked arithmetic ---------------------------------------------- */

START_TEST(add_sub_at_the_bounds)
{
    tl_money max = money(INT64_MAX, "USD");
    tl_money min = money(INT64_MIN, "USD");
    tl_money one = money(1, "USD");
    tl_money minus_one = money(-1, "USD");
    tl_money zero = money(0, "USD");
    tl_money out = poisoned();

    ck_assert_int_eq(tl_money_add(&out, &max, &one), TL_EOVERFLOW);
    assert_invalidated(&out);
    ck_assert_int_eq(tl_money_add(&out, &min, &minus_one), TL_EOVERFLOW);
    assert_invalidated(&out);
    ck_assert_int_eq(tl_money_add(&out, &max, &min), 0);
    ck_assert_int_eq(out.minor, -1);
    ck_assert_str_eq(out.cur, "USD");
    ck_assert_int_eq(tl_money_add(&out, &max, &zero), 0);
    ck_assert_int_eq(out.minor, INT64_MAX);

    out = poisoned();
    ck_assert_int_eq(tl_money_sub(&out, &min, &one), TL_EOVERFLOW);
    assert_invalidated(&out);
    ck_assert_int_eq(tl_money_sub(&out, &zero, &min), TL_EOVERFLOW);
    assert_invalidated(&out);
    ck_assert_int_eq(tl_money_sub(&out, &max, &minus_one), TL_EOVERFLOW);
    ck_assert_int_eq(tl_money_sub(&out, &minus_one, &min), 0);
    ck_assert_int_eq(out.minor, INT64_MAX);
    ck_assert_int_eq(tl_money_sub(&out, &zero, &max), 0);
    ck_assert_int_eq(out.minor, -INT64_MAX);
}
END_TEST

START_TEST(mul_at_the_bounds)
{
    tl_money max = money(INT64_MAX, "USD");
    tl_money min = money(INT64_MIN, "USD");
    tl_money mrc = money(115000, "USD");
    tl_money out = poisoned();

    ck_assert_int_eq(tl_money_mul(&out, &mrc, 3), 0);
    ck_assert_int_eq(out.minor, 345000);
    ck_assert_str_eq(out.cur, "USD");
    ck_assert_int_eq(tl_money_mul(&out, &mrc, -2), 0);
    ck_assert_int_eq(out.minor, -230000);
    ck_assert_int_eq(tl_money_mul(&out, &mrc, 0), 0);
    ck_assert_int_eq(out.minor, 0);
    ck_assert_int_eq(tl_money_mul(&out, &max, -1), 0);
    ck_assert_int_eq(out.minor, -INT64_MAX);
    ck_assert_int_eq(tl_money_mul(&out, &min, 1), 0);
    ck_assert_int_eq(out.minor, INT64_MIN);

    out = poisoned();
    ck_assert_int_eq(tl_money_mul(&out, &min, -1), TL_EOVERFLOW);
    assert_invalidated(&out);
    out = poisoned();
    ck_assert_int_eq(tl_money_mul(&out, &max, 2), TL_EOVERFLOW);
    assert_invalidated(&out);
    /* 92233720368547759 * 100 is just past INT64_MAX */
    ck_assert_int_eq(
        tl_money_mul(&out, &(tl_money){92233720368547759, "USD"}, 100),
        TL_EOVERFLOW);
    ck_assert_int_eq(
        tl_money_mul(&out, &(tl_money){92233720368547758, "USD"}, 100), 0);
    ck_assert_int_eq(out.minor, 9223372036854775800);
}
END_TEST

START_TEST(outputs_may_alias_inputs)
{
    tl_money a = money(1050, "EUR");
    tl_money b = money(25, "EUR");

    ck_assert_int_eq(tl_money_add(&a, &a, &b), 0);
    ck_assert_int_eq(a.minor, 1075);
    ck_assert_int_eq(tl_money_add(&a, &a, &a), 0);
    ck_assert_int_eq(a.minor, 2150);
    ck_assert_int_eq(tl_money_sub(&b, &a, &b), 0);
    ck_assert_int_eq(b.minor, 2125);
    ck_assert_int_eq(tl_money_sub_nonneg(&a, &a, &a), 0);
    ck_assert_int_eq(a.minor, 0);
    ck_assert_int_eq(tl_money_mul(&b, &b, 2), 0);
    ck_assert_int_eq(b.minor, 4250);
    ck_assert_int_eq(tl_money_scale(&b, &b, 1, 3), 0);
    ck_assert_int_eq(b.minor, 1417);
    ck_assert_str_eq(b.cur, "EUR");
}
END_TEST

START_TEST(currency_mismatch)
{
    tl_money usd = money(100, "USD");
    tl_money eur = money(100, "EUR");
    tl_money bad = poisoned();
    tl_money out = poisoned();

    ck_assert_int_eq(tl_money_add(&out, &usd, &eur), TL_ECURRENCY);
    assert_invalidated(&out);
    out = poisoned();
    ck_assert_int_eq(tl_money_sub(&out, &usd, &eur), TL_ECURRENCY);
    assert_invalidated(&out);
    out = poisoned();
    ck_assert_int_eq(tl_money_sub_nonneg(&out, &eur, &usd), TL_ECURRENCY);
    assert_invalidated(&out);
    /* an invalidated amount poisons every later operation */
    ck_assert_int_eq(tl_money_parse(&bad, "oops", "USD"), TL_EINVALID);
    out = poisoned();
    ck_assert_int_eq(tl_money_add(&out, &bad, &bad), TL_ECURRENCY);
    assert_invalidated(&out);
    out = poisoned();
    ck_assert_int_eq(tl_money_add(&out, &usd, &bad), TL_ECURRENCY);
    assert_invalidated(&out);
    out = poisoned();
    ck_assert_int_eq(tl_money_mul(&out, &bad, 2), TL_ECURRENCY);
    assert_invalidated(&out);
    out = poisoned();
    ck_assert_int_eq(tl_money_scale(&out, &bad, 1, 2), TL_ECURRENCY);
    assert_invalidated(&out);
}
END_TEST

START_TEST(sub_nonneg)
{
    tl_money ten = money(1000, "USD");
    tl_money ten_01 = money(1001, "USD");
    tl_money max = money(INT64_MAX, "USD");
    tl_money minus_one = money(-1, "USD");
    tl_money out = poisoned();

    ck_assert_int_eq(tl_money_sub_nonneg(&out, &ten_01, &ten), 0);
    ck_assert_int_eq(out.minor, 1);
    ck_assert_str_eq(out.cur, "USD");
    ck_assert_int_eq(tl_money_sub_nonneg(&out, &ten, &ten), 0);
    ck_assert_int_eq(out.minor, 0);
    ck_assert_int_eq(tl_money_sub_nonneg(&out, &ten, &ten_01), TL_ENEGATIVE);
    assert_invalidated(&out);
    out = poisoned();
    ck_assert_int_eq(tl_money_sub_nonneg(&out, &max, &minus_one), TL_EOVERFLOW);
    assert_invalidated(&out);
}
END_TEST

/* ---- scaling and percentages ----------------------------------------- */

static const struct scale_case {
    int64_t a;
    int64_t num;
    int64_t den;
    int status;
    int64_t minor;
} scales[] = {
    /* ties go to the even neighbour, on both sides of zero */
    {1, 1, 2, 0, 0},   /* 0.5 */
    {3, 1, 2, 0, 2},   /* 1.5 */
    {5, 1, 2, 0, 2},   /* 2.5 */
    {7, 1, 2, 0, 4},   /* 3.5 */
    {-1, 1, 2, 0, 0},  /* -0.5 */
    {-3, 1, 2, 0, -2}, /* -1.5 */
    {-5, 1, 2, 0, -2}, /* -2.5 */
    {5, -1, 2, 0, -2}, /* -2.5 */
    {-7, -1, 2, 0, 4}, /* 3.5 */
    /* non-ties round to nearest */
    {10, 1, 3, 0, 3},   /* 3.33 */
    {20, 1, 3, 0, 7},   /* 6.67 */
    {-20, 1, 3, 0, -7}, /* -6.67 */
    {-10, 1, 3, 0, -3}, /* -3.33 */
    {251, 1, 100, 0, 3},
    {249, 1, 100, 0, 2},
    /* proration: 17 of 30 days of 1150.00 = 651.666.. */
    {115000, 17, 30, 0, 65167},
    {45, 15, 30, 0, 22}, /* 0.225 -> 0.22 */
    {75, 15, 30, 0, 38}, /* 0.375 -> 0.38 */
    {115000, 0, 30, 0, 0},
    {115000, 30, 30, 0, 115000},
    /* the intermediate product needs far more than 64 bits */
    {INT64_MAX, INT64_MAX, INT64_MAX, 0, INT64_MAX},
    {INT64_MIN, INT64_MAX, INT64_MAX, 0, INT64_MIN},
    {INT64_MIN, 1, 1, 0, INT64_MIN},
    {INT64_MAX, 1, 2, 0, 4611686018427387904},     /* ...903.5, tie up */
    {INT64_MAX - 2, 1, 2, 0, 4611686018427387902}, /* ...902.5, tie down */
    {INT64_MAX, 1000000, 1000001, 0, 9223362813491962315},
    /* results that do not fit */
    {INT64_MIN, -1, 1, TL_EOVERFLOW, 0},
    {INT64_MAX, 2, 1, TL_EOVERFLOW, 0},
    {INT64_MAX, 3, 2, TL_EOVERFLOW, 0},
    {INT64_MIN, INT64_MIN, 1, TL_EOVERFLOW, 0},
    /* the divisor must be positive */
    {100, 1, 0, TL_EINVALID, 0},
    {100, 1, -2, TL_EINVALID, 0},
    {100, 1, INT64_MIN, TL_EINVALID, 0},
};

START_TEST(scale_half_even)
{
    const struct scale_case *c = &scales[_i];
    tl_money a = money(c->a, "USD");
    tl_money out = poisoned();

    ck_assert_int_eq(tl_money_scale(&out, &a, c->num, c->den), c->status);
    if (c->status == 0) {
        ck_assert_int_eq(out.minor, c->minor);
        ck_assert_str_eq(out.cur, "USD");
    } else {
        assert_invalidated(&out);
    }
}
END_TEST

static const struct percent_case {
    int64_t a;
    const char *cur;
    int64_t ppm;
    int64_t minor;
} percents[] = {
    {115000, "USD", 120000, 13800}, /* 12% of 1150.00 = 138.00 */
    {33333, "USD", 30000, 1000},    /* 3% of 333.33 = 9.9999 -> 10.00 */
    {20, "USD", 125000, 2},         /* 12.5% of 0.20 = 0.025 -> 0.02 */
    {28, "USD", 125000, 4},         /* 12.5% of 0.28 = 0.035 -> 0.04 */
    {100, "USD", 5000, 0},          /* 0.5% of 1.00 = 0.005 -> 0.00 */
    {300, "USD", 5000, 2},          /* 0.5% of 3.00 = 0.015 -> 0.02 */
    {-115000, "USD", 120000, -13800},
    {115000, "USD", -120000, -13800}, /* a discount */
    {-20, "USD", 125000, -2},
    {115000, "USD", 1000000, 115000}, /* 100% */
    {115000, "USD", 0, 0},
    {999, "JPY", 80000, 80},    /* 8% of 999 yen = 79.92 -> 80 */
    {1005, "BHD", 100000, 100}, /* 10% of 1.005 = 0.1005 -> 0.100 */
    {1015, "BHD", 100000, 102}, /* 10% of 1.015 = 0.1015 -> 0.102 */
};

START_TEST(percent)
{
    const struct percent_case *c = &percents[_i];
    tl_money a = money(c->a, c->cur);
    tl_money out = poisoned();

    ck_assert_int_eq(tl_money_percent(&out, &a, c->ppm), 0);
    ck_assert_int_eq(out.minor, c->minor);
    ck_assert_str_eq(out.cur, c->cur);
}
END_TEST

START_TEST(percent_overflow)
{
    tl_money max = money(INT64_MAX, "USD");
    tl_money out = poisoned();

    ck_assert_int_eq(tl_money_percent(&out, &max, 1000001), TL_EOVERFLOW);
    assert_invalidated(&out);
}
END_TEST

/* ---- allocation ------------------------------------------------------- */

#define MAX_EXPECTED 6

static const struct allocate_case {
    const char *what;
    int64_t total;
    size_t n;
    int64_t weights[MAX_EXPECTED];
    int64_t parts[MAX_EXPECTED];
} allocations[] = {
    {"100.00 in three", 10000, 3, {1, 1, 1}, {3334, 3333, 3333}},
    /* all three remainders are 10/30, so the tie goes to the first */
    {"1150.00 by 13, 10, 7 days",
     115000,
     3,
     {13, 10, 7},
     {49834, 38333, 26833}},
    {"1150.00 by 7, 12, 11 days",
     115000,
     3,
     {7, 12, 11},
     {26833, 46000, 42167}},
    /* remainders 4/7, 4/7, 6/7 and two units left: the largest first,
     * then the lower index of the tie */
    {"10.00 by 3, 3, 1", 1000, 3, {3, 3, 1}, {429, 428, 143}},
    {"-100.00 in three", -10000, 3, {1, 1, 1}, {-3334, -3333, -3333}},
    {"-1150.00 by 13, 10, 7 days",
     -115000,
     3,
     {13, 10, 7},
     {-49834, -38333, -26833}},
    {"zero weights get nothing", 10000, 4, {0, 1, 0, 2}, {0, 3333, 0, 6667}},
    {"a single part", 12345, 1, {5}, {12345}},
    {"zero total", 0, 3, {1, 2, 3}, {0, 0, 0}},
    {"fewer units than parts", 2, 5, {1, 1, 1, 1, 1}, {1, 1, 0, 0, 0}},
    {"INT64_MAX halves",
     INT64_MAX,
     2,
     {1, 1},
     {4611686018427387904, 4611686018427387903}},
    {"INT64_MIN halves",
     INT64_MIN,
     2,
     {1, 1},
     {-4611686018427387904, -4611686018427387904}},
    {"huge weights", 10000, 3, {INT64_MAX - 2, 1, 1}, {10000, 0, 0}},
    {"huge weights and total",
     INT64_MAX,
     2,
     {INT64_MAX - 1, 1},
     {9223372036854775806, 1}},
};

START_TEST(allocate_parts)
{
    const struct allocate_case *c = &allocations[_i];
    tl_money total = money(c->total, "USD");
    tl_money parts[MAX_EXPECTED];
    int64_t sum = 0;
    size_t i;

    for (i = 0; i < MAX_EXPECTED; i++)
        parts[i] = poisoned();
    ck_assert_msg(tl_money_allocate(parts, &total, c->weights, c->n) == 0, "%s",
                  c->what);
    for (i = 0; i < c->n; i++) {
        ck_assert_msg(parts[i].minor == c->parts[i],
                      "%s: part %zu is %lld, expected %lld", c->what, i,
                      (long long)parts[i].minor, (long long)c->parts[i]);
        ck_assert_str_eq(parts[i].cur, "USD");
        ck_assert(!__builtin_add_overflow(sum, parts[i].minor, &sum));
    }
    ck_assert_int_eq(sum, c->total);
    /* nothing past n is touched */
    for (i = c->n; i < MAX_EXPECTED; i++)
        ck_assert_int_eq(parts[i].minor, 4242);
}
END_TEST

START_TEST(allocate_many_parts)
{
    static tl_money parts[TL_MONEY_MAX_PARTS + 1];
    static int64_t weights[TL_MONEY_MAX_PARTS + 1];
    tl_money total = money(10000, "USD");
    int64_t sum = 0;
    size_t i;

    for (i = 0; i <= TL_MONEY_MAX_PARTS; i++)
        weights[i] = 1;
    /* 10000 = 4096 * 2 + 1808: every remainder ties, so the first 1808
     * parts get the extra cent */
    ck_assert_int_eq(
        tl_money_allocate(parts, &total, weights, TL_MONEY_MAX_PARTS), 0);
    ck_assert_int_eq(parts[0].minor, 3);
    ck_assert_int_eq(parts[1807].minor, 3);
    ck_assert_int_eq(parts[1808].minor, 2);
    ck_assert_int_eq(parts[TL_MONEY_MAX_PARTS - 1].minor, 2);
    for (i = 0; i < TL_MONEY_MAX_PARTS; i++)
        sum += parts[i].minor;
    ck_assert_int_eq(sum, 10000);

    /* one part too many is refused without writing anything */
    for (i = 0; i <= TL_MONEY_MAX_PARTS; i++)
        parts[i] = poisoned();
    ck_assert_int_eq(
        tl_money_allocate(parts, &total, weights, TL_MONEY_MAX_PARTS + 1),
        TL_EINVALID);
    ck_assert_int_eq(parts[0].minor, 4242);
    ck_assert_int_eq(parts[TL_MONEY_MAX_PARTS].minor, 4242);
}
END_TEST

START_TEST(allocate_agrees_with_a_slow_reference)
{
    /* A deterministic pseudo-random sweep compared with a direct
     * implementation of the documented rule: floor each share, then hand
     * out the rest by repeatedly picking the largest remainder, lowest
     * index first. */
    uint64_t seed = 0x2545F4914F6CDD1Dull;
    int round;

    for (round = 0; round < 2000; round++) {
        tl_money parts[8];
        int64_t weights[8];
        int64_t expect[8];
        int64_t rem[8];
        int taken[8];
        tl_money total;
        int64_t sum_w = 0;
        int64_t mag;
        int64_t given = 0;
        size_t n;
        size_t i;

        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        n = 1 + (size_t)(seed >> 61);
        mag = (int64_t)((seed >> 20) % 1000000);
        for (i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            weights[i] = (int64_t)((seed >> 33) % 40);
            sum_w += weights[i];
        }
        if (sum_w == 0) {
            weights[0] = 1;
            sum_w = 1;
        }
        for (i = 0; i < n; i++) {
            expect[i] = mag * weights[i] / sum_w;
            rem[i] = mag * weights[i] % sum_w;
            taken[i] = 0;
            given += expect[i];
        }
        while (given < mag) {
            size_t best = n;

            for (i = 0; i < n; i++) {
                if (!taken[i] && (best == n || rem[i] > rem[best]))
                    best = i;
            }
            taken[best] = 1;
            expect[best]++;
            given++;
        }
        total = money((round & 1) ? -mag : mag, "GBP");
        ck_assert_int_eq(tl_money_allocate(parts, &total, weights, n), 0);
        for (i = 0; i < n; i++) {
            ck_assert_int_eq(parts[i].minor,
                             (round & 1) ? -expect[i] : expect[i]);
            ck_assert_str_eq(parts[i].cur, "GBP");
        }
    }
}
END_TEST

START_TEST(allocate_rejects)
{
    tl_money total = money(10000, "USD");
    tl_money bad = poisoned();
    tl_money parts[3];
    int64_t ok[3] = {1, 1, 1};
    int64_t negative[3] = {1, -1, 1};
    int64_t zeros[3] = {0, 0, 0};
    int64_t too_big[3] = {INT64_MAX, 1, 0};
    size_t i;

    parts[0] = poisoned();
    ck_assert_int_eq(tl_money_allocate(parts, &total, ok, 0), TL_EINVALID);
    ck_assert_int_eq(parts[0].minor, 4242);

    for (i = 0; i < 3; i++)
        parts[i] = poisoned();
    ck_assert_int_eq(tl_money_allocate(parts, &total, negative, 3),
                     TL_EINVALID);
    for (i = 0; i < 3; i++)
        assert_invalidated(&parts[i]);

    for (i = 0; i < 3; i++)
        parts[i] = poisoned();
    ck_assert_int_eq(tl_money_allocate(parts, &total, zeros, 3), TL_EINVALID);
    for (i = 0; i < 3; i++)
        assert_invalidated(&parts[i]);

    for (i = 0; i < 3; i++)
        parts[i] = poisoned();
    ck_assert_int_eq(tl_money_allocate(parts, &total, too_big, 3),
                     TL_EOVERFLOW);
    for (i = 0; i < 3; i++)
        assert_invalidated(&parts[i]);

    ck_assert_int_eq(tl_money_parse(&bad, "", "USD"), TL_EINVALID);
    for (i = 0; i < 3; i++)
        parts[i] = poisoned();
    ck_assert_int_eq(tl_money_allocate(parts, &bad, ok, 3), TL_ECURRENCY);
    for (i = 0; i < 3; i++)
        assert_invalidated(&parts[i]);
}
END_TEST

START_TEST(allocate_total_may_alias_a_part)
{
    tl_money parts[3];
    int64_t weights[3] = {1, 1, 1};

    parts[0] = money(10000, "CAD");
    ck_assert_int_eq(tl_money_allocate(parts, &parts[0], weights, 3), 0);
    ck_assert_int_eq(parts[0].minor, 3334);
    ck_assert_int_eq(parts[1].minor, 3333);
    ck_assert_int_eq(parts[2].minor, 3333);
    ck_assert_str_eq(parts[2].cur, "CAD");
}
END_TEST

/* ---- comparison ------------------------------------------------------- */

START_TEST(compare)
{
    tl_money a = money(100, "USD");
    tl_money b = money(101, "USD");
    tl_money e = money(999999, "EUR");
    tl_money min = money(INT64_MIN, "USD");
    tl_money max = money(INT64_MAX, "USD");

    ck_assert_int_eq(tl_money_cmp(&a, &b), -1);
    ck_assert_int_eq(tl_money_cmp(&b, &a), 1);
    ck_assert_int_eq(tl_money_cmp(&a, &a), 0);
    ck_assert_int_eq(tl_money_cmp(&min, &max), -1);
    ck_assert_int_eq(tl_money_cmp(&max, &min), 1);
    /* different currencies order by code: EUR before USD */
    ck_assert_int_eq(tl_money_cmp(&e, &a), -1);
    ck_assert_int_eq(tl_money_cmp(&a, &e), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("money");
    TCase *parse = tcase_create("parse");
    TCase *arith = tcase_create("arithmetic");
    TCase *scale = tcase_create("scale");
    TCase *alloc = tcase_create("allocate");
    SRunner *sr;
    int failed;

    tcase_add_loop_test(parse, parse_rejects, 0, (int)N_ELEMS(rejects));
    tcase_add_loop_test(parse, parse_accepts, 0, (int)N_ELEMS(accepts));
    tcase_add_loop_test(parse, format_and_parse_back, 0, (int)N_ELEMS(formats));
    tcase_add_test(parse, format_refuses_small_buffers_and_invalid_amounts);
    tcase_add_loop_test(parse, currency_exponents, 0, (int)N_ELEMS(exponents));
    tcase_add_test(parse, currency_table_is_searchable);
    tcase_add_test(parse, make_and_valid);
    suite_add_tcase(s, parse);

    tcase_add_test(arith, add_sub_at_the_bounds);
    tcase_add_test(arith, mul_at_the_bounds);
    tcase_add_test(arith, outputs_may_alias_inputs);
    tcase_add_test(arith, currency_mismatch);
    tcase_add_test(arith, sub_nonneg);
    tcase_add_test(arith, compare);
    suite_add_tcase(s, arith);

    tcase_add_loop_test(scale, scale_half_even, 0, (int)N_ELEMS(scales));
    tcase_add_loop_test(scale, percent, 0, (int)N_ELEMS(percents));
    tcase_add_test(scale, percent_overflow);
    suite_add_tcase(s, scale);

    tcase_add_loop_test(alloc, allocate_parts, 0, (int)N_ELEMS(allocations));
    tcase_add_test(alloc, allocate_many_parts);
    tcase_add_test(alloc, allocate_agrees_with_a_slow_reference);
    tcase_add_test(alloc, allocate_rejects);
    tcase_add_test(alloc, allocate_total_may_alias_a_part);
    suite_add_tcase(s, alloc);

    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
