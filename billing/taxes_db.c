/*
 * Taxes against the database (rules in billing/taxes.h): the taxable
 * lines of an invoice, the rules and exemptions the pure core needs, and
 * writing an invoice's tax lines.
 *
 * Rules come from catalog_tax_rules for each distinct (jurisdiction,
 * charge date) of the taxable lines, and exemptions from
 * accounts_tax_exempt for each distinct (jurisdiction level, category,
 * date); each answer is true on that one day, which is how it is handed
 * to the core. An invoice has a few distinct dates (its period start, the
 * next period's, a billing start), so this is a handful of queries.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/taxes.h"

/* ---- the invoice ---- */

/* The invoice's currency, locking its row when `lock` (so two callers
 * taxing one invoice take turns). TL_ENOTFOUND ("invoice"). */
static int invoice_currency(char *currency, int *draft, tl_db *db,
                            int64_t account_id, int64_t invoice_id, int lock,
                            tl_err *err)
{
    PGresult *res = NULL;
    const char *cur = NULL;
    int is_draft = 0;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, invoice_id);
    if (lock)
        rc = tl_db_query_one(db, &res, "billing_tax_invoice_lock",
                             "SELECT currency, status = 'draft' AS draft"
                             " FROM billing.invoice"
                             " WHERE account_id = $1::bigint"
                             " AND invoice_id = $2::bigint FOR UPDATE",
                             &p, err);
    else
        rc = tl_db_query_one(db, &res, "billing_tax_invoice_currency",
                             "SELECT currency, status = 'draft' AS draft"
                             " FROM billing.invoice"
                             " WHERE account_id = $1::bigint"
                             " AND invoice_id = $2::bigint",
                             &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_invoice", "invoice",
                          "invoice %lld of account %lld does not exist",
                          (long long)invoice_id, (long long)account_id);
    row.res = res;
    row.row = 0;
    rc = tl_row_text(&row, "currency", &cur, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "draft", &is_draft, err);
    if (rc == 0) {
        snprintf(currency, 4, "%s", cur);
        if (draft != NULL)
            *draft = is_draft;
    }
    PQclear(res);
    return rc;
}

typedef struct lines_ctx {
    billing_taxable_line *lines;
    size_t n;
    size_t cap;
} lines_ctx;

static int taxable_row(const tl_row *row, void *cls, tl_err *err)
{
    lines_ctx *ctx = cls;
    billing_taxable_line *l;
    const char *cat = NULL;
    const char *jur = NULL;
    int64_t qty = 0;
    int line_no = 0;

    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 16;
        billing_taxable_line *grown = realloc(ctx->lines, cap * sizeof(*grown));

        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        ctx->lines = grown;
        ctx->cap = cap;
    }
    l = &ctx->lines[ctx->n];
    memset(l, 0, sizeof(*l));
    if (tl_row_int(row, "line_no", &line_no, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &l->amount, err) < 0 ||
        tl_row_int64(row, "quantity", &qty, err) < 0 ||
        tl_row_text(row, "tax_category", &cat, err) < 0 ||
        tl_row_text(row, "jurisdiction", &jur, err) < 0 ||
        tl_row_date(row, "charge_date", &l->date, err) < 0)
        return TL_ERROR;
    l->line_no = line_no;
    l->quantity = qty;
    snprintf(l->category, sizeof(l->category), "%s", cat ? cat : "");
    snprintf(l->jurisdiction, sizeof(l->jurisdiction), "%s", jur ? jur : "");
    ctx->n++;
    return 0;
}

int billing_taxable_lines_of_invoice(billing_taxable_line **lines, size_t *n,
                                     char *currency, tl_db *db,
                                     int64_t account_id, int64_t invoice_id,
                                     tl_err *err)
{
    lines_ctx ctx = {NULL, 0, 0};
    tl_params p;
    int rc;

    *lines = NULL;
    *n = 0;
    rc = invoice_currency(currency, NULL, db, account_id, invoice_id, 0, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, invoice_id);
    /* The service's address on the charge date: its latest version then
     * (a move changes it), else the service's own. */
    rc = tl_db_select(
        db, "billing_taxable_lines",
        "SELECT l.line_no, l.amount_minor, i.currency, l.quantity,"
        " c.tax_category, d.charge_date,"
        " upper(a.country) || CASE WHEN btrim(a.region) = '' THEN ''"
        " ELSE '-' || upper(btrim(a.region)) END AS jurisdiction"
        " FROM billing.invoice_line l"
        " JOIN billing.invoice i USING (account_id, invoice_id)"
        " JOIN provisioning.service s ON s.account_id = l.account_id"
        " AND s.service_id = l.service_id"
        " JOIN catalog.service_code c ON c.code = l.code"
        " CROSS JOIN LATERAL (SELECT CASE WHEN l.charge_kind = 'MRC'"
        " THEN l.period_start"
        " ELSE coalesce(s.billing_start_date, i.period_start) END"
        " AS charge_date) d"
        " JOIN accounts.address a ON a.address_id = coalesce("
        " (SELECT v.address_id FROM provisioning.service_version v"
        " WHERE v.account_id = s.account_id AND v.service_id = s.service_id"
        " AND v.effective_date <= d.charge_date"
        " ORDER BY v.effective_date DESC, v.version DESC LIMIT 1),"
        " s.address_id)"
        " WHERE l.account_id = $1::bigint AND l.invoice_id = $2::bigint"
        " ORDER BY l.line_no",
        &p, taxable_row, &ctx, err);
    if (rc < 0) {
        free(ctx.lines);
        return rc;
    }
    *lines = ctx.lines;
    *n = ctx.n;
    return 0;
}

/* ---- gathering rules and exemptions ---- */

typedef struct gather_ctx {
    billing_tax_rule *rules;
    size_t n_rules;
    size_t cap_rules;
    billing_tax_exemption *ex;
    size_t n_ex;
    size_t cap_ex;
    tl_date on; /* the day being asked about */
} gather_ctx;

static int grow(void **items, size_t *cap, size_t n, size_t size, tl_err *err)
{
    size_t want;
    void *grown;

    if (n < *cap)
        return 0;
    want = *cap ? *cap * 2 : 16;
    grown = realloc(*items, want * size);
    if (grown == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    *items = grown;
    *cap = want;
    return 0;
}

static int rule_cb(const catalog_tax_rule_t *rule, void *cls, tl_err *err)
{
    gather_ctx *ctx = cls;
    billing_tax_rule *r;
    size_t i;

    /* "US" rules come back for every state asked about on the same day */
    for (i = 0; i < ctx->n_rules; i++) {
        const billing_tax_rule *o = &ctx->rules[i];

        if (o->from == ctx->on &&
            strcmp(o->rule.jurisdiction, rule->jurisdiction) == 0 &&
            strcmp(o->rule.tax_code, rule->tax_code) == 0 &&
            strcmp(o->rule.charge_category, rule->charge_category) == 0)
            return 0;
    }
    if (grow((void **)&ctx->rules, &ctx->cap_rules, ctx->n_rules,
             sizeof(*ctx->rules), err) < 0)
        return TL_ERROR;
    r = &ctx->rules[ctx->n_rules++];
    r->rule = *rule;
    r->from = ctx->on;
    r->has_to = 1;
    r->to = tl_date_add_days(ctx->on, 1);
    return 0;
}

/* Whether lines[i] is the first taxable line with its (jurisdiction,
 * date): the rules are asked for once per such pair. */
static int first_of_place_and_day(const billing_taxable_line *lines, size_t i)
{
    size_t k;

    for (k = 0; k < i; k++)
        if (lines[k].category[0] != '\0' && lines[k].date == lines[i].date &&
            strcmp(lines[k].jurisdiction, lines[i].jurisdiction) == 0)
            return 0;
    return 1;
}

static int gather_rules(gather_ctx *ctx, tl_db *db,
                        const billing_taxable_line *lines, size_t n,
                        tl_err *err)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        if (lines[i].category[0] == '\0' || lines[i].jurisdiction[0] == '\0' ||
            !first_of_place_and_day(lines, i))
            continue;
        ctx->on = lines[i].date;
        rc = catalog_tax_rules(db, lines[i].jurisdiction, NULL, lines[i].date,
                               rule_cb, ctx, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The account's exemption certificates, all of them, as the pure core
 * takes them (jurisdiction, category or "" for every category, in force
 * [valid_from, valid_to)): one query, however many lines and rules. */
typedef struct exemption_walk {
    gather_ctx *ctx;
    int failed;
} exemption_walk;

static int add_exemption(const accounts_tax_exemption_t *c, void *payload)
{
    exemption_walk *w = payload;
    gather_ctx *ctx = w->ctx;
    billing_tax_exemption *x;
    tl_err scratch = TL_ERR_INIT;

    if (grow((void **)&ctx->ex, &ctx->cap_ex, ctx->n_ex, sizeof(*ctx->ex),
             &scratch) < 0) {
        tl_err_clear(&scratch);
        w->failed = 1;
        return -1;
    }
    x = &ctx->ex[ctx->n_ex++];
    memset(x, 0, sizeof(*x));
    snprintf(x->jurisdiction, sizeof(x->jurisdiction), "%.*s",
             (int)sizeof(x->jurisdiction) - 1, c->jurisdiction);
    snprintf(x->category, sizeof(x->category), "%.*s",
             (int)sizeof(x->category) - 1, c->category);
    x->from = c->valid_from;
    x->has_to = c->has_valid_to;
    x->to = c->valid_to;
    return 0;
}

static int gather_exemptions(gather_ctx *ctx, tl_db *db, int64_t account_id,
                             tl_err *err)
{
    exemption_walk w = {ctx, 0};
    int rc = accounts_tax_exemptions(db, account_id, add_exemption, &w, err);

    if (w.failed)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return rc < 0 ? rc : 0;
}

int billing_compute_taxes(billing_tax_result *out, tl_db *db,
                          int64_t account_id, const billing_taxable_line *lines,
                          size_t n, tl_err *err)
{
    gather_ctx ctx;
    int rc;

    memset(out, 0, sizeof(*out));
    if (n == 0)
        return 0;
    memset(&ctx, 0, sizeof(ctx));
    rc = gather_rules(&ctx, db, lines, n, err);
    if (rc == 0)
        rc = gather_exemptions(&ctx, db, account_id, err);
    if (rc == 0)
        rc = billing_taxes_from_rules(out, lines[0].amount.cur, lines, n,
                                      ctx.rules, ctx.n_rules, ctx.ex, ctx.n_ex,
                                      err);
    free(ctx.rules);
    free(ctx.ex);
    return rc;
}

/* ---- writing ---- */

static json_t *line_json(const billing_tax_line *t)
{
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:I}", "line_no",
        (json_int_t)t->line_no, "jurisdiction", t->jurisdiction, "tax_code",
        t->tax_code, "name", t->name, "kind", t->kind, "base_minor",
        (json_int_t)t->base.minor, "rate_ppm",
        t->per_unit ? json_null() : json_integer(t->rate_ppm), "per_unit_minor",
        t->per_unit ? json_integer(t->per_unit_amount.minor) : json_null(),
        "units", t->per_unit ? json_integer(t->units) : json_null(),
        "amount_minor", (json_int_t)t->amount.minor);
}

/* All of r's lines as one JSON array text, for one INSERT. */
static int lines_text(char **out, const billing_tax_result *r, tl_err *err)
{
    json_t *arr = json_array();
    size_t i;

    *out = NULL;
    if (arr == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    for (i = 0; i < r->n_lines; i++)
        if (json_array_append_new(arr, line_json(&r->lines[i])) != 0) {
            json_decref(arr);
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        }
    *out = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (*out == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

typedef struct write_ctx {
    int64_t account_id;
    int64_t invoice_id;
    const billing_tax_result *r;
} write_ctx;

static int write_tx(tl_db *db, void *cls, tl_err *err)
{
    write_ctx *ctx = cls;
    char currency[4];
    char *text = NULL;
    PGresult *res = NULL;
    int64_t tax = 0;
    tl_params p;
    tl_row row;
    size_t i;
    int rc;

    rc = invoice_currency(currency, NULL, db, ctx->account_id,
                          ctx->invoice_id, 1, err);
    if (rc < 0)
        return rc;
    for (i = 0; i < ctx->r->n_lines; i++)
        if (strcmp(ctx->r->lines[i].amount.cur, currency) != 0)
            return tl_err_set(err, TL_ECURRENCY, "currency", "taxLines",
                              "tax line %zu is in %s, the invoice in %s", i + 1,
                              ctx->r->lines[i].amount.cur, currency);
    tl_params_init(&p);
    tl_params_int64(&p, ctx->account_id);
    tl_params_int64(&p, ctx->invoice_id);
    rc =
        tl_db_exec(db, "billing_tax_lines_delete",
                   "DELETE FROM billing.invoice_tax_line"
                   " WHERE account_id = $1::bigint AND invoice_id = $2::bigint",
                   &p, err);
    if (rc >= 0 && ctx->r->n_lines > 0) {
        rc = lines_text(&text, ctx->r, err);
        if (rc == 0) {
            tl_params_text(&p, text);
            rc = tl_db_exec(
                db, "billing_tax_lines_insert",
                "INSERT INTO billing.invoice_tax_line (account_id,"
                " invoice_id, line_no, jurisdiction, tax_code, name, kind,"
                " base_minor, rate_ppm, per_unit_minor, units, amount_minor)"
                " SELECT $1::bigint, $2::bigint, t.line_no, t.jurisdiction,"
                " t.tax_code, t.name, t.kind, t.base_minor, t.rate_ppm,"
                " t.per_unit_minor, t.units, t.amount_minor"
                " FROM jsonb_to_recordset($3::jsonb) AS t(line_no integer,"
                " jurisdiction text, tax_code text, name text, kind text,"
                " base_minor bigint, rate_ppm bigint, per_unit_minor bigint,"
                " units bigint, amount_minor bigint)",
                &p, err);
            free(text);
            tl_params_init(&p);
            tl_params_int64(&p, ctx->account_id);
            tl_params_int64(&p, ctx->invoice_id);
        }
    }
    if (rc < 0)
        return rc;
    /* the tax is the sum of the stored lines, so the two cannot disagree */
    rc = tl_db_query_one(
        db, &res, "billing_tax_invoice_totals",
        "UPDATE billing.invoice i SET tax_minor = t.tax,"
        " total_minor = i.subtotal_minor + t.tax"
        " FROM (SELECT coalesce(sum(amount_minor), 0)::bigint AS tax"
        " FROM billing.invoice_tax_line WHERE account_id = $1::bigint"
        " AND invoice_id = $2::bigint) t"
        " WHERE i.account_id = $1::bigint AND i.invoice_id = $2::bigint"
        " RETURNING i.tax_minor",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = rc == 1 ? tl_row_int64(&row, "tax_minor", &tax, err) : TL_ERROR;
    PQclear(res);
    if (rc == 0 && ctx->r->n_lines > 0 && tax != ctx->r->tax.minor)
        rc = tl_err_set(err, TL_ERROR, "internal", "taxLines",
                        "the stored tax %lld is not the lines' sum %lld",
                        (long long)tax, (long long)ctx->r->tax.minor);
    return rc;
}

int billing_write_tax_lines(tl_db *db, int64_t account_id, int64_t invoice_id,
                            const billing_tax_result *r, tl_err *err)
{
    write_ctx ctx = {account_id, invoice_id, r};

    return tl_db_run_tx(db, "billing_write_tax_lines", write_tx, &ctx, err);
}

/* ---- taxing an invoice ---- */

typedef struct stored_ctx {
    billing_tax_line *lines;
    size_t n;
    size_t cap;
} stored_ctx;

static int stored_row(const tl_row *row, void *cls, tl_err *err)
{
    stored_ctx *ctx = cls;
    billing_tax_line *t;
    const char *v[4] = {NULL, NULL, NULL, NULL};
    int per_unit_null = 1;
    int isnull = 1;
    int64_t minor = 0;

    if (grow((void **)&ctx->lines, &ctx->cap, ctx->n, sizeof(*ctx->lines),
             err) < 0)
        return TL_ERROR;
    t = &ctx->lines[ctx->n];
    memset(t, 0, sizeof(*t));
    if (tl_row_int(row, "line_no", &t->line_no, err) < 0 ||
        tl_row_text(row, "jurisdiction", &v[0], err) < 0 ||
        tl_row_text(row, "tax_code", &v[1], err) < 0 ||
        tl_row_text(row, "name", &v[2], err) < 0 ||
        tl_row_text(row, "kind", &v[3], err) < 0 ||
        tl_row_money(row, "base_minor", "currency", &t->base, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &t->amount, err) < 0 ||
        tl_row_int64_opt(row, "rate_ppm", &t->rate_ppm, &isnull, err) < 0 ||
        tl_row_int64_opt(row, "per_unit_minor", &minor, &per_unit_null, err) <
            0 ||
        tl_row_int64_opt(row, "units", &t->units, &isnull, err) < 0)
        return TL_ERROR;
    snprintf(t->jurisdiction, sizeof(t->jurisdiction), "%s", v[0]);
    snprintf(t->tax_code, sizeof(t->tax_code), "%s", v[1]);
    snprintf(t->name, sizeof(t->name), "%s", v[2]);
    snprintf(t->kind, sizeof(t->kind), "%s", v[3]);
    t->per_unit = !per_unit_null;
    if (t->per_unit)
        tl_money_make(&t->per_unit_amount, minor, t->amount.cur);
    ctx->n++;
    return 0;
}

static int read_stored(stored_ctx *ctx, tl_db *db, int64_t account_id,
                       int64_t invoice_id, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, invoice_id);
    return tl_db_select(
        db, "billing_tax_lines_stored",
        "SELECT t.line_no, t.jurisdiction, t.tax_code, t.name, t.kind,"
        " t.base_minor, t.rate_ppm, t.per_unit_minor, t.units,"
        " t.amount_minor, i.currency"
        " FROM billing.invoice_tax_line t"
        " JOIN billing.invoice i USING (account_id, invoice_id)"
        " WHERE t.account_id = $1::bigint AND t.invoice_id = $2::bigint"
        " ORDER BY t.line_no",
        &p, stored_row, ctx, err);
}

static int same_line(const billing_tax_line *a, const billing_tax_line *b)
{
    return a->line_no == b->line_no &&
           strcmp(a->jurisdiction, b->jurisdiction) == 0 &&
           strcmp(a->tax_code, b->tax_code) == 0 &&
           strcmp(a->name, b->name) == 0 && strcmp(a->kind, b->kind) == 0 &&
           a->per_unit == b->per_unit &&
           tl_money_cmp(&a->base, &b->base) == 0 &&
           tl_money_cmp(&a->amount, &b->amount) == 0 &&
           (a->per_unit
                ? a->per_unit_amount.minor == b->per_unit_amount.minor &&
                      a->units == b->units
                : a->rate_ppm == b->rate_ppm);
}

typedef struct tax_ctx {
    int64_t account_id;
    int64_t invoice_id;
} tax_ctx;

static int tax_tx(tl_db *db, void *cls, tl_err *err)
{
    tax_ctx *ctx = cls;
    billing_taxable_line *lines = NULL;
    billing_tax_result r = {NULL, 0, {0, ""}};
    stored_ctx stored = {NULL, 0, 0};
    char currency[4];
    size_t n = 0;
    size_t i;
    int draft = 0;
    int rc;

    rc = invoice_currency(currency, &draft, db, ctx->account_id,
                          ctx->invoice_id, 1, err);
    if (rc == 0)
        rc = billing_taxable_lines_of_invoice(
            &lines, &n, currency, db, ctx->account_id, ctx->invoice_id, err);
    if (rc == 0)
        rc = billing_compute_taxes(&r, db, ctx->account_id, lines, n, err);
    if (rc == 0)
        rc = read_stored(&stored, db, ctx->account_id, ctx->invoice_id, err);
    if (rc < 0)
        goto cleanup;
    /* a draft's tax lines follow its charges; a final invoice's stay */
    if (stored.n == 0 || draft) {
        rc = billing_write_tax_lines(db, ctx->account_id, ctx->invoice_id, &r,
                                     err);
        goto cleanup;
    }
    for (i = 0; i < stored.n; i++)
        if (stored.n != r.n_lines || !same_line(&stored.lines[i], &r.lines[i]))
            break;
    if (i < stored.n || stored.n != r.n_lines)
        rc = tl_err_set(err, TL_ECONFLICT, "final_invoice", "taxLines",
                        "the invoice is final and its %zu tax lines differ "
                        "from the %zu the rules now give; they are not "
                        "rewritten",
                        stored.n, r.n_lines);
    else
        rc = 0;
cleanup:
    free(stored.lines);
    billing_tax_result_free(&r);
    free(lines);
    return rc;
}

int billing_tax_invoice(tl_db *db, int64_t account_id, int64_t invoice_id,
                        tl_err *err)
{
    tax_ctx ctx = {account_id, invoice_id};

    return tl_db_run_tx(db, "billing_tax_invoice", tax_tx, &ctx, err);
}
