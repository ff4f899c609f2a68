/*
 * Taxes and regulatory surcharges (rules in billing/taxes.h).
 *
 * Data structure. The pure core walks every (line, rule) pair: a rule
 * applies to a line when it is in force on the line's date, its
 * jurisdiction is the line's or a parent of it, its category is the
 * line's or none, no other in-force row of the same key (jurisdiction, tax
 * code, category) started later, and no exemption covers it. Each
 * applying pair adds the line's amount and units to the group of its
 * (jurisdiction, tax code, basis, rate or amount per unit), held in a
 * small growable array (an invoice has a handful of groups). Amounts are
 * computed once per group at the end, then the groups are sorted and
 * numbered.
 *
 * The database side only gathers inputs: the catalog's rules in force on
 * each distinct (jurisdiction, date) of the lines, and for each
 * (jurisdiction level, category, date) whether the account is exempt; each
 * answer is handed to the core as a window of that one day, so the
 * catalog and the accounts module stay the one place that knows how rules
 * and certificates are dated.
 */
#include "billing/taxes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"

void billing_tax_result_free(billing_tax_result *r)
{
    if (r == NULL)
        return;
    free(r->lines);
    memset(r, 0, sizeof(*r));
}

/* ---- the pure core ---- */

static int in_force(tl_date d, tl_date from, int has_to, tl_date to)
{
    return from <= d && (!has_to || d < to);
}

/* Whether rule jurisdiction `rule` covers a line in `line`: the same, or
 * a parent ("US" covers "US-ME"). */
static int covers(const char *rule, const char *line)
{
    size_t n = strlen(rule);

    return n > 0 && strncmp(rule, line, n) == 0 &&
           (line[n] == '\0' || line[n] == '-');
}

static int same_key(const catalog_tax_rule_t *a, const catalog_tax_rule_t *b)
{
    return strcmp(a->jurisdiction, b->jurisdiction) == 0 &&
           strcmp(a->tax_code, b->tax_code) == 0 &&
           strcmp(a->charge_category, b->charge_category) == 0;
}

static int is_per_unit(const catalog_tax_rule_t *r)
{
    return strcmp(r->basis, "per_unit") == 0;
}

/* Whether rules[j] applies to line l (see the top of this file). */
static int rule_applies(const billing_taxable_line *l,
                        const billing_tax_rule *rules, size_t nrules, size_t j,
                        const billing_tax_exemption *ex, size_t nex)
{
    const billing_tax_rule *r = &rules[j];
    size_t k;

    if (!in_force(l->date, r->from, r->has_to, r->to) ||
        !covers(r->rule.jurisdiction, l->jurisdiction) ||
        (r->rule.charge_category[0] != '\0' &&
         strcmp(r->rule.charge_category, l->category) != 0))
        return 0;
    /* the later row of the same key wins (and a duplicate counts once) */
    for (k = 0; k < nrules; k++) {
        const billing_tax_rule *o = &rules[k];

        if (k == j || !same_key(&o->rule, &r->rule) ||
            !in_force(l->date, o->from, o->has_to, o->to))
            continue;
        if (o->rule.effective_from > r->rule.effective_from ||
            (o->rule.effective_from == r->rule.effective_from && k < j))
            return 0;
    }
    for (k = 0; k < nex; k++)
        if (strcmp(ex[k].jurisdiction, r->rule.jurisdiction) == 0 &&
            (ex[k].category[0] == '\0' ||
             strcmp(ex[k].category, l->category) == 0) &&
            in_force(l->date, ex[k].from, ex[k].has_to, ex[k].to))
            return 0;
    return 1;
}

/* A group being summed, with what orders it. */
typedef struct tax_group {
    billing_tax_line line;
    tl_date effective_from;
} tax_group;

typedef struct group_set {
    tax_group *g;
    size_t n;
    size_t cap;
} group_set;

static int same_group(const billing_tax_line *t, const catalog_tax_rule_t *r)
{
    if (strcmp(t->jurisdiction, r->jurisdiction) != 0 ||
        strcmp(t->tax_code, r->tax_code) != 0 || t->per_unit != is_per_unit(r))
        return 0;
    return t->per_unit ? t->per_unit_amount.minor == r->per_unit.minor
                       : t->rate_ppm == r->rate_ppm;
}

/* The group of rule r, added empty when it is not there yet. */
static int group_of(tax_group **out, group_set *s, const catalog_tax_rule_t *r,
                    const char *currency, tl_err *err)
{
    tax_group *g;
    size_t i;

    for (i = 0; i < s->n; i++)
        if (same_group(&s->g[i].line, r)) {
            *out = &s->g[i];
            if (r->effective_from < s->g[i].effective_from)
                s->g[i].effective_from = r->effective_from;
            return 0;
        }
    if (s->n == BILLING_TAX_MAX_LINES)
        return tl_err_set(err, TL_EOVERFLOW, "too_many", "taxLines",
                          "more than %d tax lines", BILLING_TAX_MAX_LINES);
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        tax_group *grown = realloc(s->g, cap * sizeof(*grown));

        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        s->g = grown;
        s->cap = cap;
    }
    g = &s->g[s->n++];
    memset(g, 0, sizeof(*g));
    snprintf(g->line.jurisdiction, sizeof(g->line.jurisdiction), "%s",
             r->jurisdiction);
    snprintf(g->line.tax_code, sizeof(g->line.tax_code), "%s", r->tax_code);
    snprintf(g->line.name, sizeof(g->line.name), "%s", r->name);
    snprintf(g->line.kind, sizeof(g->line.kind), "%s", r->kind);
    g->line.per_unit = is_per_unit(r);
    if (g->line.per_unit)
        g->line.per_unit_amount = r->per_unit;
    else
        g->line.rate_ppm = r->rate_ppm;
    g->effective_from = r->effective_from;
    tl_money_make(&g->line.base, 0, currency);
    *out = g;
    return 0;
}

static int group_cmp(const void *pa, const void *pb)
{
    const tax_group *a = pa;
    const tax_group *b = pb;
    int c = strcmp(a->line.jurisdiction, b->line.jurisdiction);

    if (c == 0)
        c = strcmp(a->line.tax_code, b->line.tax_code);
    if (c == 0 && a->effective_from != b->effective_from)
        c = a->effective_from < b->effective_from ? -1 : 1;
    if (c == 0 && a->line.rate_ppm != b->line.rate_ppm)
        c = a->line.rate_ppm < b->line.rate_ppm ? -1 : 1;
    if (c == 0 &&
        a->line.per_unit_amount.minor != b->line.per_unit_amount.minor)
        c = a->line.per_unit_amount.minor < b->line.per_unit_amount.minor ? -1
                                                                          : 1;
    return c;
}

static void check_lines(const char *currency, const billing_taxable_line *lines,
                        size_t n, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    size_t i;

    for (i = 0; i < n; i++) {
        const billing_taxable_line *l = &lines[i];

        if (strcmp(l->amount.cur, currency) != 0) {
            snprintf(field, sizeof(field), "lines[%zu].amount", i);
            tl_err_add(err, "currency", field,
                       "line %d is in \"%s\", the invoice in %s", l->line_no,
                       l->amount.cur, currency);
        }
        if (l->quantity < 0) {
            snprintf(field, sizeof(field), "lines[%zu].quantity", i);
            tl_err_add(err, "range", field,
                       "line %d has a negative quantity; a credit has a "
                       "negative amount and a positive quantity",
                       l->line_no);
        }
        if (l->category[0] != '\0' && l->jurisdiction[0] == '\0') {
            snprintf(field, sizeof(field), "lines[%zu].jurisdiction", i);
            tl_err_add(err, "required", field,
                       "line %d is taxable (%s) but has no jurisdiction",
                       l->line_no, l->category);
        }
    }
}

/* Adds line l to the group of rule r. */
static int add_to_group(group_set *s, const billing_taxable_line *l,
                        const billing_tax_rule *r, size_t j,
                        const char *currency, tl_err *err)
{
    tax_group *g = NULL;
    int rc;

    if (is_per_unit(&r->rule) && strcmp(r->rule.per_unit.cur, currency) != 0) {
        char field[32];

        snprintf(field, sizeof(field), "rules[%zu]", j);
        return tl_err_set(err, TL_ECURRENCY, "currency", field,
                          "%s %s is an amount in %s per unit; the invoice "
                          "is in %s",
                          r->rule.jurisdiction, r->rule.tax_code,
                          r->rule.per_unit.cur, currency);
    }
    rc = group_of(&g, s, &r->rule, currency, err);
    if (rc < 0)
        return rc;
    rc = tl_money_add(&g->line.base, &g->line.base, &l->amount);
    if (rc == 0 &&
        ((l->amount.minor < 0 && g->line.units < INT64_MIN + l->quantity) ||
         (l->amount.minor >= 0 && g->line.units > INT64_MAX - l->quantity)))
        rc = TL_EOVERFLOW;
    if (rc < 0)
        return tl_err_set(err, rc, "overflow", "taxLines",
                          "the base of %s %s does not fit",
                          r->rule.jurisdiction, r->rule.tax_code);
    g->line.units += l->amount.minor < 0 ? -l->quantity : l->quantity;
    return 0;
}

/* Computes each group's amount once, drops zero ones, sorts and numbers
 * them, and moves them into *out. */
static int finish(billing_tax_result *out, group_set *s, const char *currency,
                  tl_err *err)
{
    size_t i;
    size_t kept = 0;
    int rc;

    tl_money_make(&out->tax, 0, currency);
    for (i = 0; i < s->n; i++) {
        billing_tax_line *t = &s->g[i].line;

        if (t->per_unit)
            rc = tl_money_mul(&t->amount, &t->per_unit_amount, t->units);
        else
            rc = tl_money_percent(&t->amount, &t->base, t->rate_ppm);
        if (rc == 0 && t->amount.minor != 0)
            rc = tl_money_add(&out->tax, &out->tax, &t->amount);
        if (rc < 0)
            return tl_err_set(err, rc, "overflow", "taxLines",
                              "the amount of %s %s does not fit",
                              t->jurisdiction, t->tax_code);
        if (t->amount.minor != 0)
            s->g[kept++] = s->g[i];
    }
    s->n = kept;
    if (kept == 0)
        return 0;
    qsort(s->g, kept, sizeof(*s->g), group_cmp);
    out->lines = calloc(kept, sizeof(*out->lines));
    if (out->lines == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    for (i = 0; i < kept; i++) {
        out->lines[i] = s->g[i].line;
        out->lines[i].line_no = (int)i + 1;
    }
    out->n_lines = kept;
    return 0;
}

int billing_taxes_from_rules(billing_tax_result *out, const char *currency,
                             const billing_taxable_line *lines, size_t n,
                             const billing_tax_rule *rules, size_t nrules,
                             const billing_tax_exemption *exemptions,
                             size_t nex, tl_err *err)
{
    group_set s = {NULL, 0, 0};
    size_t i;
    size_t j;
    int rc = 0;

    memset(out, 0, sizeof(*out));
    if (!tl_currency_known(currency))
        return tl_err_set(err, TL_ECURRENCY, "currency", "currency",
                          "\"%s\" is not a currency we know", currency);
    check_lines(currency, lines, n, err);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    for (i = 0; i < n && rc == 0; i++) {
        if (lines[i].category[0] == '\0')
            continue;
        for (j = 0; j < nrules && rc == 0; j++)
            if (rule_applies(&lines[i], rules, nrules, j, exemptions, nex))
                rc = add_to_group(&s, &lines[i], &rules[j], j, currency, err);
    }
    if (rc == 0)
        rc = finish(out, &s, currency, err);
    free(s.g);
    if (rc < 0) {
        billing_tax_result_free(out);
        return rc;
    }
    return 0;
}
