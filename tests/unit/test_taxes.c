/*
 * The tax engine's pure core, to the cent: percentages once on the summed
 * base with half-even rounding, amounts per unit, categories, federal and
 * state levels, rules for every category, exemptions, a rate change
 * splitting an invoice, credits, JPY, and the rejects.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/taxes.h"

static tl_err err;

static void setup(void)
{
    tl_err_init(&err);
}

static void teardown(void)
{
    tl_err_clear(&err);
}

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

/* A rule in force from `from` (to `to`, or open when NULL): percent when
 * per_unit_cur is NULL (value in ppm), else per unit (value in minor). */
static billing_tax_rule rule(const char *jur, const char *cat, const char *code,
                             const char *kind, int64_t value,
                             const char *per_unit_cur, const char *from,
                             const char *to)
{
    billing_tax_rule r;

    memset(&r, 0, sizeof(r));
    snprintf(r.rule.jurisdiction, sizeof(r.rule.jurisdiction), "%s", jur);
    snprintf(r.rule.charge_category, sizeof(r.rule.charge_category), "%s",
             cat ? cat : "");
    snprintf(r.rule.tax_code, sizeof(r.rule.tax_code), "%s", code);
    snprintf(r.rule.name, sizeof(r.rule.name), "%s name", code);
    snprintf(r.rule.kind, sizeof(r.rule.kind), "%s", kind);
    if (per_unit_cur == NULL) {
        snprintf(r.rule.basis, sizeof(r.rule.basis), "percent");
        r.rule.rate_ppm = value;
    } else {
        snprintf(r.rule.basis, sizeof(r.rule.basis), "per_unit");
        ck_assert_int_eq(tl_money_make(&r.rule.per_unit, value, per_unit_cur),
                         0);
    }
    r.rule.effective_from = day(from);
    r.from = day(from);
    r.has_to = to != NULL;
    r.to = to ? day(to) : 0;
    return r;
}

/* The demo catalog's rules (demo/catalog.json), with the USF change on
 * 2026-07-01 as two windows. */
static size_t demo_rules(billing_tax_rule *r)
{
    size_t n = 0;

    r[n++] = rule("US", "telecom", "US-FUSF", "surcharge", 336000, NULL,
                  "2026-01-01", "2026-07-01");
    r[n++] = rule("US", "telecom", "US-FUSF", "surcharge", 352000, NULL,
                  "2026-07-01", NULL);
    r[n++] = rule("US", NULL, "US-REG", "surcharge", 12500, NULL, "2026-01-01",
                  NULL);
    r[n++] = rule("US-ME", "equipment", "ME-SALES", "tax", 55000, NULL,
                  "2026-01-01", NULL);
    r[n++] = rule("US-ME", "telecom", "ME-SPT", "tax", 60000, NULL,
                  "2026-01-01", NULL);
    r[n++] = rule("US-ME", "telecom", "E911", "surcharge", 35, "USD",
                  "2026-01-01", NULL);
    return n;
}

static billing_taxable_line line(int no, int64_t minor, const char *cur,
                                 int64_t qty, const char *cat, const char *jur,
                                 const char *date)
{
    billing_taxable_line l;

    memset(&l, 0, sizeof(l));
    l.line_no = no;
    ck_assert_int_eq(tl_money_make(&l.amount, minor, cur), 0);
    l.quantity = qty;
    snprintf(l.category, sizeof(l.category), "%s", cat ? cat : "");
    snprintf(l.jurisdiction, sizeof(l.jurisdiction), "%s", jur);
    l.date = day(date);
    return l;
}

/* An expected tax line: code, rate ppm (or -1 for per unit), base,
 * units, amount. */
typedef struct expect {
    const char *jurisdiction;
    const char *code;
    int64_t rate_ppm;
    int64_t base;
    int64_t units;
    int64_t amount;
} expect;

static void check_result(const billing_tax_result *r, const char *cur,
                         const expect *e, size_t n)
{
    int64_t sum = 0;
    size_t i;

    ck_assert_uint_eq(r->n_lines, n);
    for (i = 0; i < n; i++) {
        const billing_tax_line *t = &r->lines[i];

        ck_assert_int_eq(t->line_no, (int)i + 1);
        ck_assert_str_eq(t->jurisdiction, e[i].jurisdiction);
        ck_assert_str_eq(t->tax_code, e[i].code);
        if (e[i].rate_ppm < 0) {
            ck_assert_int_eq(t->per_unit, 1);
            ck_assert_str_eq(t->per_unit_amount.cur, cur);
        } else {
            ck_assert_int_eq(t->per_unit, 0);
            ck_assert_int_eq(t->rate_ppm, e[i].rate_ppm);
        }
        ck_assert_int_eq(t->base.minor, e[i].base);
        ck_assert_str_eq(t->base.cur, cur);
        ck_assert_int_eq(t->units, e[i].units);
        ck_assert_int_eq(t->amount.minor, e[i].amount);
        ck_assert_str_eq(t->amount.cur, cur);
        sum += t->amount.minor;
    }
    /* the tax lines add up to the tax */
    ck_assert_int_eq(r->tax.minor, sum);
    ck_assert_str_eq(r->tax.cur, cur);
}

static void compute(billing_tax_result *r, const char *cur,
                    const billing_taxable_line *lines, size_t n,
                    const billing_tax_exemption *ex, size_t nex)
{
    billing_tax_rule rules[8];
    size_t nrules = demo_rules(rules);
    int rc = billing_taxes_from_rules(r, cur, lines, n, rules, nrules, ex, nex,
                                      &err);

    ck_assert_msg(rc == 0, "rc %d: %s %s", rc, err.field, err.message);
}

/* ---- rejects first ---- */

START_TEST(bad_lines_are_all_reported)
{
    billing_taxable_line lines[3];
    billing_tax_rule rules[8];
    size_t nrules = demo_rules(rules);
    billing_tax_result r;

    lines[0] = line(1, 1000, "CAD", 1, "telecom", "US-ME", "2026-11-01");
    lines[1] = line(2, 1000, "USD", -2, "telecom", "US-ME", "2026-11-01");
    lines[2] = line(3, 1000, "USD", 1, "telecom", "", "2026-11-01");
    ck_assert_int_eq(billing_taxes_from_rules(&r, "USD", lines, 3, rules,
                                              nrules, NULL, 0, &err),
                     TL_EINVALID);
    ck_assert_uint_eq(err.n_problems, 3);
    ck_assert_str_eq(err.problems[0].field, "lines[0].amount");
    ck_assert_str_eq(err.problems[0].code, "currency");
    ck_assert_str_eq(err.problems[1].field, "lines[1].quantity");
    ck_assert_str_eq(err.problems[1].code, "range");
    ck_assert_str_eq(err.problems[2].field, "lines[2].jurisdiction");
    ck_assert_str_eq(err.problems[2].code, "required");
    ck_assert_ptr_null(r.lines);
    ck_assert_uint_eq(r.n_lines, 0);
}
END_TEST

START_TEST(an_amount_per_unit_in_another_currency_is_refused)
{
    billing_taxable_line l =
        line(1, 100000, "CAD", 4, "telecom", "US-ME", "2026-11-01");
    billing_tax_rule rules[8];
    size_t nrules = demo_rules(rules);
    billing_tax_result r;

    ck_assert_int_eq(billing_taxes_from_rules(&r, "CAD", &l, 1, rules, nrules,
                                              NULL, 0, &err),
                     TL_ECURRENCY);
    ck_assert_str_eq(err.field, "rules[5]");
    ck_assert_ptr_null(r.lines);
    tl_err_clear(&err);
    ck_assert_int_eq(billing_taxes_from_rules(&r, "XXQ", &l, 1, rules, nrules,
                                              NULL, 0, &err),
                     TL_ECURRENCY);
}
END_TEST

/* ---- percentages ---- */

/* The skeleton invoice (750.00 + 651.67 + 1150.00 = 2551.67) all telecom
 * in Maine after the USF change: 6% of 2551.67 = 153.1002 -> 153.10 and
 * 35.2% of it = 898.18784 -> 898.19, each once on the sum. */
START_TEST(a_percentage_is_applied_once_to_the_summed_base)
{
    billing_taxable_line lines[3];
    billing_tax_result r;
    static const expect e[] = {
        {"US", "US-FUSF", 352000, 255167, 3, 89819},
        {"US", "US-REG", 12500, 255167, 3, 3190}, /* 31.895875 */
        {"US-ME", "E911", -1, 255167, 3, 105},
        {"US-ME", "ME-SPT", 60000, 255167, 3, 15310},
    };

    lines[0] = line(1, 75000, "USD", 1, "telecom", "US-ME", "2026-11-14");
    lines[1] = line(2, 65167, "USD", 1, "telecom", "US-ME", "2026-11-14");
    lines[2] = line(3, 115000, "USD", 1, "telecom", "US-ME", "2026-12-01");
    compute(&r, "USD", lines, 3, NULL, 0);
    check_result(&r, "USD", e, 4);
    ck_assert_int_eq(r.tax.minor, 89819 + 3190 + 105 + 15310);
    billing_tax_result_free(&r);
}
END_TEST

START_TEST(usf_at_35_2_percent_of_1150)
{
    billing_taxable_line l =
        line(1, 115000, "USD", 1, "telecom", "US", "2026-12-01");
    billing_tax_result r;
    static const expect e[] = {
        {"US", "US-FUSF", 352000, 115000, 1, 40480},
        {"US", "US-REG", 12500, 115000, 1, 1438}, /* 14.375 -> 14.38 */
    };

    compute(&r, "USD", &l, 1, NULL, 0);
    check_result(&r, "USD", e, 2);
    billing_tax_result_free(&r);
}
END_TEST

/* 1% of 12.50 is 0.125 -> 0.12 and of 13.50 is 0.135 -> 0.14: half to the
 * even cent, not always up. */
START_TEST(half_even_at_the_cent)
{
    billing_tax_rule one =
        rule("US-ME", "telecom", "ONE", "tax", 10000, NULL, "2026-01-01", NULL);
    billing_taxable_line l;
    billing_tax_result r;

    l = line(1, 1250, "USD", 1, "telecom", "US-ME", "2026-11-01");
    ck_assert_int_eq(
        billing_taxes_from_rules(&r, "USD", &l, 1, &one, 1, NULL, 0, &err), 0);
    ck_assert_uint_eq(r.n_lines, 1);
    ck_assert_int_eq(r.lines[0].amount.minor, 12);
    billing_tax_result_free(&r);
    l = line(1, 1350, "USD", 1, "telecom", "US-ME", "2026-11-01");
    ck_assert_int_eq(
        billing_taxes_from_rules(&r, "USD", &l, 1, &one, 1, NULL, 0, &err), 0);
    ck_assert_int_eq(r.lines[0].amount.minor, 14);
    billing_tax_result_free(&r);
    /* a negative half rounds to even too: -0.125 -> -0.12 */
    l = line(1, -1250, "USD", 1, "telecom", "US-ME", "2026-11-01");
    ck_assert_int_eq(
        billing_taxes_from_rules(&r, "USD", &l, 1, &one, 1, NULL, 0, &err), 0);
    ck_assert_int_eq(r.lines[0].amount.minor, -12);
    billing_tax_result_free(&r);
}
END_TEST

/* Rounding each line would give 0.01 + 0.01 + 0.01 = 0.03; the sum's tax
 * is 1% of 1.50 = 0.015 -> 0.02. */
START_TEST(the_group_is_rounded_not_each_line)
{
    billing_tax_rule one =
        rule("US-ME", "telecom", "ONE", "tax", 10000, NULL, "2026-01-01", NULL);
    billing_taxable_line lines[3];
    billing_tax_result r;

    lines[0] = line(1, 50, "USD", 1, "telecom", "US-ME", "2026-11-01");
    lines[1] = line(2, 50, "USD", 1, "telecom", "US-ME", "2026-11-01");
    lines[2] = line(3, 50, "USD", 1, "telecom", "US-ME", "2026-11-01");
    ck_assert_int_eq(
        billing_taxes_from_rules(&r, "USD", lines, 3, &one, 1, NULL, 0, &err),
        0);
    ck_assert_int_eq(r.lines[0].base.minor, 150);
    ck_assert_int_eq(r.lines[0].amount.minor, 2);
    billing_tax_result_free(&r);
}
END_TEST

/* ---- per unit ---- */

START_TEST(e911_per_call_path)
{
    /* 46 SIP call paths at 25.00 */
    billing_taxable_line l =
        line(1, 115000, "USD", 46, "telecom", "US-ME", "2026-11-01");
    billing_tax_result r;

    compute(&r, "USD", &l, 1, NULL, 0);
    ck_assert_uint_eq(r.n_lines, 4);
    ck_assert_str_eq(r.lines[2].tax_code, "E911");
    ck_assert_int_eq(r.lines[2].per_unit, 1);
    ck_assert_int_eq(r.lines[2].per_unit_amount.minor, 35);
    ck_assert_int_eq(r.lines[2].units, 46);
    ck_assert_int_eq(r.lines[2].amount.minor, 1610);
    ck_assert_str_eq(r.lines[2].kind, "surcharge");
    billing_tax_result_free(&r);
}
END_TEST

/* ---- what applies to what ---- */

START_TEST(categories_and_levels_choose_the_rules)
{
    billing_taxable_line lines[5];
    billing_tax_result r;
    /* telecom 1000.00 in ME, internet 500.00 in ME, equipment 200.00 in
     * ME, telecom 300.00 in NH (federal only), and an untaxed 99.00 */
    static const expect e[] = {
        {"US", "US-FUSF", 352000, 130000, 2, 45760},
        {"US", "US-REG", 12500, 200000, 4, 2500},
        {"US-ME", "E911", -1, 100000, 1, 35},
        {"US-ME", "ME-SALES", 55000, 20000, 1, 1100},
        {"US-ME", "ME-SPT", 60000, 100000, 1, 6000},
    };

    lines[0] = line(1, 100000, "USD", 1, "telecom", "US-ME", "2026-11-01");
    lines[1] = line(2, 50000, "USD", 1, "internet", "US-ME", "2026-11-01");
    lines[2] = line(3, 20000, "USD", 1, "equipment", "US-ME", "2026-11-01");
    lines[3] = line(4, 30000, "USD", 1, "telecom", "US-NH", "2026-11-01");
    lines[4] = line(5, 9900, "USD", 1, NULL, "US-ME", "2026-11-01");
    compute(&r, "USD", lines, 5, NULL, 0);
    check_result(&r, "USD", e, 5);
    billing_tax_result_free(&r);
}
END_TEST

START_TEST(a_state_rule_does_not_cover_a_look_alike_jurisdiction)
{
    /* "US-MEX" is not under "US-ME" */
    billing_taxable_line l =
        line(1, 100000, "USD", 1, "equipment", "US-MEX", "2026-11-01");
    billing_tax_result r;
    static const expect e[] = {{"US", "US-REG", 12500, 100000, 1, 1250}};

    compute(&r, "USD", &l, 1, NULL, 0);
    check_result(&r, "USD", e, 1);
    billing_tax_result_free(&r);
}
END_TEST

/* An exemption takes out its own jurisdiction level and category and
 * nothing else; it holds on [from, to). */
START_TEST(an_exemption_removes_only_its_jurisdiction_and_category)
{
    billing_taxable_line lines[3];
    billing_tax_exemption ex;
    billing_tax_result r;
    /* the telecom line of 2026-12-01 is past the certificate */
    static const expect e[] = {
        {"US", "US-FUSF", 352000, 200000, 2, 70400},
        {"US", "US-REG", 12500, 220000, 3, 2750},
        {"US-ME", "E911", -1, 100000, 1, 35},
        {"US-ME", "ME-SALES", 55000, 20000, 1, 1100},
        {"US-ME", "ME-SPT", 60000, 100000, 1, 6000},
    };

    memset(&ex, 0, sizeof(ex));
    snprintf(ex.jurisdiction, sizeof(ex.jurisdiction), "US-ME");
    snprintf(ex.category, sizeof(ex.category), "telecom");
    ex.from = day("2026-01-01");
    ex.has_to = 1;
    ex.to = day("2026-12-01");
    lines[0] = line(1, 100000, "USD", 1, "telecom", "US-ME", "2026-11-01");
    lines[1] = line(2, 20000, "USD", 1, "equipment", "US-ME", "2026-11-01");
    lines[2] = line(3, 100000, "USD", 1, "telecom", "US-ME", "2026-12-01");
    compute(&r, "USD", lines, 3, &ex, 1);
    check_result(&r, "USD", e, 5);
    billing_tax_result_free(&r);

    /* a federal exemption for every category leaves only Maine's */
    snprintf(ex.jurisdiction, sizeof(ex.jurisdiction), "US");
    ex.category[0] = '\0';
    ex.has_to = 0;
    compute(&r, "USD", lines, 3, &ex, 1);
    ck_assert_uint_eq(r.n_lines, 3);
    ck_assert_str_eq(r.lines[0].tax_code, "E911");
    ck_assert_int_eq(r.lines[0].units, 2);
    ck_assert_str_eq(r.lines[1].tax_code, "ME-SALES");
    ck_assert_str_eq(r.lines[2].tax_code, "ME-SPT");
    ck_assert_int_eq(r.lines[2].amount.minor, 12000);
    ck_assert_int_eq(r.tax.minor, 70 + 1100 + 12000);
    billing_tax_result_free(&r);
}
END_TEST

/* USF 33.6% until 2026-07-01, 35.2% from then: June and July lines of one
 * invoice fall in two groups, in date order. */
START_TEST(a_rate_change_splits_lines_by_date)
{
    billing_taxable_line lines[3];
    billing_tax_result r;
    static const expect e[] = {
        {"US", "US-FUSF", 336000, 65167, 1, 21896}, /* 218.96112 */
        {"US", "US-FUSF", 352000, 230000, 2, 80960},
        {"US", "US-REG", 12500, 295167, 3, 3690}, /* 36.895875 */
    };

    lines[0] = line(1, 65167, "USD", 1, "telecom", "US", "2026-06-14");
    lines[1] = line(2, 115000, "USD", 1, "telecom", "US", "2026-07-01");
    lines[2] = line(3, 115000, "USD", 1, "telecom", "US", "2026-08-01");
    compute(&r, "USD", lines, 3, NULL, 0);
    check_result(&r, "USD", e, 3);
    billing_tax_result_free(&r);
}
END_TEST

/* When windows overlap, the row that started later wins, and the same
 * rule given twice counts once. */
START_TEST(the_later_row_of_a_rule_wins)
{
    billing_tax_rule rules[3];
    billing_taxable_line l =
        line(1, 100000, "USD", 1, "telecom", "US-ME", "2026-11-01");
    billing_tax_result r;

    rules[0] = rule("US-ME", "telecom", "ME-SPT", "tax", 60000, NULL,
                    "2026-01-01", NULL);
    rules[1] = rule("US-ME", "telecom", "ME-SPT", "tax", 65000, NULL,
                    "2026-10-01", NULL);
    rules[2] = rules[1];
    ck_assert_int_eq(
        billing_taxes_from_rules(&r, "USD", &l, 1, rules, 3, NULL, 0, &err), 0);
    ck_assert_uint_eq(r.n_lines, 1);
    ck_assert_int_eq(r.lines[0].rate_ppm, 65000);
    ck_assert_int_eq(r.lines[0].amount.minor, 6500);
    billing_tax_result_free(&r);
}
END_TEST

/* ---- credits ---- */

START_TEST(credits_reduce_the_base_and_give_back_units)
{
    billing_taxable_line lines[3];
    billing_tax_result r;
    static const expect e[] = {
        {"US", "US-FUSF", 352000, 85000, 40, 29920},
        {"US", "US-REG", 12500, 85000, 40, 1062}, /* 10.625 -> 10.62 */
        {"US-ME", "E911", -1, 85000, 40, 1400},
        {"US-ME", "ME-SPT", 60000, 85000, 40, 5100},
    };

    /* 46 paths billed, 6 credited after a backdated change */
    lines[0] = line(1, 115000, "USD", 46, "telecom", "US-ME", "2026-11-01");
    lines[1] = line(2, -30000, "USD", 6, "telecom", "US-ME", "2026-11-01");
    lines[2] = line(3, 0, "USD", 0, NULL, "", "2026-11-01");
    compute(&r, "USD", lines, 3, NULL, 0);
    check_result(&r, "USD", e, 4);
    billing_tax_result_free(&r);
}
END_TEST

START_TEST(a_group_that_nets_to_zero_is_omitted)
{
    billing_taxable_line lines[2];
    billing_tax_result r;

    lines[0] = line(1, 20000, "USD", 1, "equipment", "US-ME", "2026-11-01");
    lines[1] = line(2, -20000, "USD", 1, "equipment", "US-ME", "2026-11-01");
    compute(&r, "USD", lines, 2, NULL, 0);
    ck_assert_uint_eq(r.n_lines, 0);
    ck_assert_ptr_null(r.lines);
    ck_assert_int_eq(r.tax.minor, 0);
    ck_assert_str_eq(r.tax.cur, "USD");
    billing_tax_result_free(&r);
    /* nothing taxable at all: no lines, tax 0 */
    compute(&r, "USD", NULL, 0, NULL, 0);
    ck_assert_uint_eq(r.n_lines, 0);
    ck_assert_int_eq(r.tax.minor, 0);
}
END_TEST

/* ---- currencies without cents ---- */

START_TEST(jpy_has_no_decimals)
{
    billing_tax_rule rules[3];
    billing_taxable_line lines[2];
    billing_tax_result r;

    rules[0] =
        rule("JP", NULL, "JP-CT", "tax", 100000, NULL, "2026-01-01", NULL);
    rules[1] = rule("JP", "telecom", "JP-HALF", "surcharge", 10000, NULL,
                    "2026-01-01", NULL);
    rules[2] = rule("JP", "telecom", "JP-UNIT", "surcharge", 3, "JPY",
                    "2026-01-01", NULL);
    /* 12,345 + 2,000 yen at 10% = 1434.5 -> 1434 (the even yen) */
    lines[0] = line(1, 12345, "JPY", 1, "internet", "JP-13", "2026-11-01");
    lines[1] = line(2, 2000, "JPY", 7, "equipment", "JP-13", "2026-11-01");
    ck_assert_int_eq(
        billing_taxes_from_rules(&r, "JPY", lines, 2, rules, 3, NULL, 0, &err),
        0);
    ck_assert_uint_eq(r.n_lines, 1);
    ck_assert_int_eq(r.lines[0].base.minor, 14345);
    ck_assert_int_eq(r.lines[0].amount.minor, 1434);
    ck_assert_str_eq(r.lines[0].amount.cur, "JPY");
    billing_tax_result_free(&r);

    lines[0] = line(1, 250, "JPY", 7, "telecom", "JP", "2026-11-01");
    lines[1] = line(2, 100, "JPY", 1, "telecom", "JP", "2026-11-01");
    ck_assert_int_eq(
        billing_taxes_from_rules(&r, "JPY", lines, 2, rules, 3, NULL, 0, &err),
        0);
    ck_assert_uint_eq(r.n_lines, 3);
    ck_assert_str_eq(r.lines[0].tax_code, "JP-CT");
    ck_assert_int_eq(r.lines[0].amount.minor, 35); /* 10% of 350 */
    ck_assert_str_eq(r.lines[1].tax_code, "JP-HALF");
    ck_assert_int_eq(r.lines[1].amount.minor, 4); /* 3.5 -> 4 */
    ck_assert_str_eq(r.lines[2].tax_code, "JP-UNIT");
    ck_assert_int_eq(r.lines[2].amount.minor, 24); /* 3 x 8 units */
    ck_assert_int_eq(r.tax.minor, 63);
    billing_tax_result_free(&r);
}
END_TEST

static Suite *taxes_suite(void)
{
    Suite *s = suite_create("taxes");
    TCase *tc = tcase_create("taxes");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bad_lines_are_all_reported);
    tcase_add_test(tc, an_amount_per_unit_in_another_currency_is_refused);
    tcase_add_test(tc, a_percentage_is_applied_once_to_the_summed_base);
    tcase_add_test(tc, usf_at_35_2_percent_of_1150);
    tcase_add_test(tc, half_even_at_the_cent);
    tcase_add_test(tc, the_group_is_rounded_not_each_line);
    tcase_add_test(tc, e911_per_call_path);
    tcase_add_test(tc, categories_and_levels_choose_the_rules);
    tcase_add_test(tc, a_state_rule_does_not_cover_a_look_alike_jurisdiction);
    tcase_add_test(tc, an_exemption_removes_only_its_jurisdiction_and_category);
    tcase_add_test(tc, a_rate_change_splits_lines_by_date);
    tcase_add_test(tc, the_later_row_of_a_rule_wins);
    tcase_add_test(tc, credits_reduce_the_base_and_give_back_units);
    tcase_add_test(tc, a_group_that_nets_to_zero_is_omitted);
    tcase_add_test(tc, jpy_has_no_decimals);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(taxes_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
