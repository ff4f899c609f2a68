/*
 * One batch of a bill run's preview (the run itself, its stripes and its
 * workers are in billrun_run.c).
 *
 * A batch is one transaction on one stripe of the run's accounts: it
 * reads where the stripe got to, reads everything it needs for the batch
 * in a few set-based queries (the code spans of every service from its
 * version history, the lines already billed, and the account-level
 * extras), computes the lines in memory, writes every draft invoice and
 * line of the batch by COPY, and moves the stripe's cursor. So a batch
 * commits whole or not at all, and a killed run resumes after its last
 * committed batch.
 *
 * Data structure of one batch: three sorted arrays (spans, billed lines,
 * extras), each ordered by account, then service and code; the batch
 * walks them together one account at a time, so every account is
 * computed from its own slices.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "billing/billrun_internal.h"
#include "billing/taxes.h"
#include "common/copybuf.h"
#include "contracts/contracts.h"

#define MAX_PERIOD_DAYS 31

typedef struct span_row {
    int64_t account_id;
    int64_t service_id;
    char circuit_id[48];
    char code[40];
    char code_name[120];
    char kind[4]; /* MRC or NRC */
    int quantity;
    tl_date billing_start;
    int has_disconnect;
    tl_date disconnect;
    tl_date from;
    int has_to;
    tl_date to;
} span_row;

/* A line already billed for a service code (final, or this run's). */
typedef struct billed_row {
    int64_t account_id;
    int64_t service_id;
    char code[40];
    char kind[12];
    int has_period;
    tl_period period;
    int64_t amount;
    int64_t invoice_id;
    int line_no;
} billed_row;

/* An account-level charge: ETF, equipment fee, manual charge, or the
 * minimum commitment to compare with. */
typedef struct extra_row {
    int64_t account_id;
    char kind[16]; /* ETF, EQUIPMENT, MANUAL_NRC, MANUAL_CREDIT, MINIMUM */
    int64_t ref_id;
    int has_service;
    int64_t service_id;
    char code[40];
    int64_t amount;
    char description[200];
    int64_t corrects_invoice_id; /* an adjustment's line, else 0 */
    int corrects_line_no;
} extra_row;

typedef struct account_row {
    int64_t account_id;
    char currency[4];
    int payment_terms_days;
    int64_t invoice_id; /* reserved for its invoice, if it gets one */
    char po_number[64]; /* the PO in force on the issue date, or "" */
} account_row;

/* A list price from its effective date until the next one of its code
 * and currency: the catalog's whole price list, read once per preview. */
typedef struct list_price_entry {
    char code[40];
    char currency[4];
    tl_date from;
    tl_money amount;
} list_price_entry;

/* A service code's tax category ("" when not taxed). */
typedef struct code_category {
    char code[40];
    char category[25];
} code_category;

/* Where a service is, for its taxes: its own address (is_version 0), or
 * the address of a version from `from` on; and its billing start. */
typedef struct service_fact {
    int64_t account_id;
    int64_t service_id;
    int has_billing_start;
    tl_date billing_start;
    int is_version;
    tl_date from;
    char jurisdiction[49];
} service_fact;

/* An exemption certificate of an account of the batch. */
typedef struct account_exemption {
    int64_t account_id;
    billing_tax_exemption x;
} account_exemption;

#define GROW(arr, n, cap, err)                                                 \
    do {                                                                       \
        if ((n) == (cap)) {                                                    \
            size_t c_ = (cap) ? (cap)*2 : 64;                                  \
            void *g_ = realloc((arr), c_ * sizeof(*(arr)));                    \
            if (g_ == NULL)                                                    \
                return tl_err_set((err), TL_ERROR, "internal", "",             \
                                  "out of memory");                            \
            (arr) = g_;                                                        \
            (cap) = c_;                                                        \
        }                                                                      \
    } while (0)

typedef struct batch {
    account_row *accounts;
    size_t n_accounts, cap_accounts;
    size_t n_ids; /* accounts given an invoice id */
    span_row *spans;
    size_t n_spans, cap_spans;
    billed_row *billed;
    size_t n_billed, cap_billed;
    extra_row *extras;
    size_t n_extras, cap_extras;
    contracts_rate_book rates; /* contracted rates of the accounts */
    service_fact *facts;       /* by account, service, version date */
    size_t n_facts, cap_facts;
    account_exemption *exemptions; /* by account */
    size_t n_exemptions, cap_exemptions;
    billing_pending_line *lines; /* lines of the account being computed */
    size_t n_lines, cap_lines;
    billing_taxable_line *taxable; /* the same lines, as taxes see them */
    size_t n_taxable, cap_taxable;
    billing_tax_exemption *ex; /* the account's exemptions */
    size_t n_ex, cap_ex;
    tl_copybuf inv_rows;  /* invoices of the batch, for COPY */
    tl_copybuf line_rows; /* their lines */
    tl_copybuf tax_rows;  /* their tax lines */
} batch;

/* What every batch of a preview reads alike: the catalog's list prices,
 * tax rules and tax categories. */
typedef struct run_data {
    list_price_entry *prices; /* by code, currency, date */
    size_t n_prices, cap_prices;
    billing_tax_rule *rules;
    size_t n_rules, cap_rules;
    code_category *codes; /* by code */
    size_t n_codes, cap_codes;
} run_data;

/* One stripe's batches, one after another: the run's job, the batch
 * being computed, and the catalog data every batch reads alike, owned by
 * the context that read it and shared by the workers' contexts. */
struct billrun_ctx {
    billrun_job job;
    int stripe;   /* the stripe of accounts this context previews */
    int finished; /* the last batch found the stripe done */
    int accounts_in_batch;
    int invoices_in_batch;
    run_data *run; /* own_run, or the one of the context it was made from */
    run_data own_run;
    batch b;
};
typedef struct billrun_ctx preview_ctx;

static void batch_reset(batch *b)
{
    b->n_accounts = b->n_spans = b->n_billed = b->n_extras = 0;
    b->n_lines = b->n_facts = b->n_exemptions = 0;
    b->n_taxable = b->n_ex = 0;
    b->rates.n = 0;
    tl_copybuf_reset(&b->inv_rows);
    tl_copybuf_reset(&b->line_rows);
    tl_copybuf_reset(&b->tax_rows);
}

static void batch_free(batch *b)
{
    batch_reset(b);
    free(b->accounts);
    free(b->spans);
    free(b->billed);
    free(b->extras);
    free(b->facts);
    free(b->exemptions);
    free(b->lines);
    free(b->taxable);
    free(b->ex);
    contracts_rate_book_free(&b->rates);
    tl_copybuf_free(&b->inv_rows);
    tl_copybuf_free(&b->line_rows);
    tl_copybuf_free(&b->tax_rows);
    memset(b, 0, sizeof(*b));
}

static void run_data_free(run_data *r)
{
    free(r->prices);
    free(r->rules);
    free(r->codes);
    memset(r, 0, sizeof(*r));
}

/* Line descriptions: cut at the buffer's size (a long code name and
 * circuit id may not fit whole). */
static void describe(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void describe(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

static void copy_str(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%.*s", (int)size - 1, src != NULL ? src : "");
}

/* ---- reading the batch ---- */

static int account_cb(const tl_row *row, void *cls, tl_err *err)
{
    batch *b = cls;
    const char *cur = NULL;
    account_row *a;

    GROW(b->accounts, b->n_accounts, b->cap_accounts, err);
    a = &b->accounts[b->n_accounts];
    memset(a, 0, sizeof(*a));
    if (tl_row_int64(row, "account_id", &a->account_id, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int(row, "payment_terms_days", &a->payment_terms_days, err) < 0)
        return TL_ERROR;
    copy_str(a->currency, sizeof(a->currency), cur);
    b->n_accounts++;
    return 0;
}

/* Where a stripe of the run got to: its cursor and the end of its range. */
typedef struct stripe_pos {
    int64_t cursor;
    int has_through; /* 0: the last stripe, open above */
    int64_t through;
    int finished;
} stripe_pos;

/* The batch's accounts: the next ones of the stripe after its cursor. */
static int read_accounts(preview_ctx *ctx, tl_db *db, const stripe_pos *pos,
                         tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->job.cycle_day);
    tl_params_int64(&p, pos->cursor);
    tl_params_int64(&p, ctx->job.batch_size);
    if (pos->has_through)
        tl_params_int64(&p, pos->through);
    else
        tl_params_null(&p);
    return tl_db_select(db, "billing_batch_accounts",
                        "SELECT account_id, currency, payment_terms_days"
                        " FROM accounts.billing_account"
                        " WHERE bill_cycle_day = $1::smallint"
                        " AND status = 'active' AND account_id > $2::bigint"
                        " AND ($4::bigint IS NULL"
                        "  OR account_id <= $4::bigint)"
                        " ORDER BY account_id LIMIT $3::int",
                        &p, account_cb, &ctx->b, err);
}

/* The batch's account ids as an array literal. */
static char *account_array(const batch *b)
{
    size_t size = 3 + b->n_accounts * 21;
    char *s = malloc(size);
    size_t len = 0;
    size_t i;

    if (s == NULL)
        return NULL;
    s[len++] = '{';
    for (i = 0; i < b->n_accounts; i++)
        len += (size_t)snprintf(s + len, size - len, "%s%lld", i ? "," : "",
                                (long long)b->accounts[i].account_id);
    s[len++] = '}';
    s[len] = '\0';
    return s;
}

static int span_cb(const tl_row *row, void *cls, tl_err *err)
{
    batch *b = cls;
    const char *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL;
    int null_disc = 0, null_to = 0;
    span_row *s;

    GROW(b->spans, b->n_spans, b->cap_spans, err);
    s = &b->spans[b->n_spans];
    memset(s, 0, sizeof(*s));
    if (tl_row_int64(row, "account_id", &s->account_id, err) < 0 ||
        tl_row_int64(row, "service_id", &s->service_id, err) < 0 ||
        tl_row_text(row, "circuit_id", &t1, err) < 0 ||
        tl_row_text(row, "code", &t2, err) < 0 ||
        tl_row_text(row, "code_name", &t3, err) < 0 ||
        tl_row_text(row, "charge_kind", &t4, err) < 0 ||
        tl_row_int(row, "quantity", &s->quantity, err) < 0 ||
        tl_row_date(row, "billing_start_date", &s->billing_start, err) < 0 ||
        tl_row_date_opt(row, "disconnect_date", &s->disconnect, &null_disc,
                        err) < 0 ||
        tl_row_date(row, "vfrom", &s->from, err) < 0 ||
        tl_row_date_opt(row, "vto", &s->to, &null_to, err) < 0)
        return TL_ERROR;
    copy_str(s->circuit_id, sizeof(s->circuit_id), t1);
    copy_str(s->code, sizeof(s->code), t2);
    copy_str(s->code_name, sizeof(s->code_name), t3);
    copy_str(s->kind, sizeof(s->kind), t4);
    s->has_disconnect = !null_disc;
    s->has_to = !null_to;
    b->n_spans++;
    return 0;
}

/* Every interval in which a service code was in force, from the version
 * history (a version's codes hold until the next version); a service
 * without history falls back to its current codes. */
static int read_spans(preview_ctx *ctx, tl_db *db, const char *ids, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, ids);
    tl_params_date(&p, ctx->job.next.end);
    return tl_db_select(
        db, "billing_batch_spans",
        /* the batch's billable services once; the versions' codes and,
         * for a service without history, its current codes */
        "WITH s AS MATERIALIZED ("
        "  SELECT account_id, service_id, circuit_id, billing_start_date,"
        "   disconnect_date FROM provisioning.service"
        "  WHERE account_id = ANY($1::bigint[])"
        "  AND billing_start_date IS NOT NULL"
        "  AND billing_start_date < $2::date),"
        " v AS ("
        "  SELECT sv.account_id, sv.service_id, sv.effective_date AS vfrom,"
        "   lead(sv.effective_date) OVER (PARTITION BY sv.account_id,"
        "    sv.service_id ORDER BY sv.effective_date, sv.version) AS vto,"
        "   sv.codes"
        "  FROM provisioning.service_version sv"
        "  WHERE sv.account_id = ANY($1::bigint[])),"
        " c AS ("
        "  SELECT v.account_id, v.service_id, x.code, x.quantity, v.vfrom,"
        "   v.vto FROM v CROSS JOIN LATERAL jsonb_to_recordset(v.codes)"
        "   AS x(code text, quantity int)"
        "  WHERE v.vto IS NULL OR v.vto > v.vfrom"
        "  UNION ALL"
        "  SELECT sc.account_id, sc.service_id, sc.code, sc.quantity,"
        "   coalesce(sc.effective_from, s.billing_start_date), NULL"
        "  FROM s JOIN provisioning.service_code sc"
        "   USING (account_id, service_id)"
        "  WHERE NOT EXISTS (SELECT 1 FROM v"
        "   WHERE v.account_id = s.account_id"
        "   AND v.service_id = s.service_id))"
        " SELECT s.account_id, s.service_id, s.circuit_id, c.code,"
        " k.name AS code_name, k.charge_kind, c.quantity,"
        " s.billing_start_date, s.disconnect_date, c.vfrom, c.vto"
        " FROM c JOIN s USING (account_id, service_id)"
        " JOIN catalog.service_code k ON k.code = c.code"
        " ORDER BY s.account_id, s.service_id, k.charge_kind DESC, c.code,"
        " c.vfrom",
        &p, span_cb, &ctx->b, err);
}

/* Whether line l's invoice counts as billed for this run (final, or a
 * draft of the run whose id is parameter RUN): looked up by its key, a
 * subquery per line, never joined, so no plan reads invoices whole. */
#define BILLABLE_INVOICE_OF_L(RUN)                                             \
    "(SELECT i.status = 'final' OR i.run_id = " RUN "::bigint"                \
    " FROM billing.invoice i WHERE i.account_id = l.account_id"               \
    " AND i.invoice_id = l.invoice_id)"

static int billed_cb(const tl_row *row, void *cls, tl_err *err)
{
    batch *b = cls;
    const char *code = NULL, *kind = NULL;
    int null_start = 0;
    billed_row *r;

    GROW(b->billed, b->n_billed, b->cap_billed, err);
    r = &b->billed[b->n_billed];
    memset(r, 0, sizeof(*r));
    if (tl_row_int64(row, "account_id", &r->account_id, err) < 0 ||
        tl_row_int64(row, "service_id", &r->service_id, err) < 0 ||
        tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "charge_kind", &kind, err) < 0 ||
        tl_row_date_opt(row, "period_start", &r->period.start, &null_start,
                        err) < 0 ||
        tl_row_int64(row, "amount_minor", &r->amount, err) < 0 ||
        tl_row_int64(row, "invoice_id", &r->invoice_id, err) < 0 ||
        tl_row_int(row, "line_no", &r->line_no, err) < 0)
        return TL_ERROR;
    r->has_period = !null_start;
    if (r->has_period &&
        tl_row_date(row, "period_end", &r->period.end, err) < 0)
        return TL_ERROR;
    copy_str(r->code, sizeof(r->code), code);
    copy_str(r->kind, sizeof(r->kind), kind);
    b->n_billed++;
    return 0;
}

static int read_billed(preview_ctx *ctx, tl_db *db, const char *ids,
                       tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, ids);
    tl_params_int64(&p, ctx->job.run_id);
    return tl_db_select(
        db, "billing_batch_billed",
        /* account by account (LATERAL, kept apart by OFFSET 0), and each
         * line's invoice by its key, so that lines and invoices are found
         * by index even while a run is filling the tables faster than
         * their statistics follow */
        "SELECT l.account_id, l.service_id, l.code, l.charge_kind,"
        " l.period_start, l.period_end, l.amount_minor, l.invoice_id,"
        " l.line_no"
        " FROM unnest($1::bigint[]) AS b(account_id)"
        " CROSS JOIN LATERAL (SELECT l.* FROM billing.invoice_line l"
        "  WHERE l.account_id = b.account_id"
        "  AND l.service_id IS NOT NULL AND l.code IS NOT NULL"
        "  AND l.manual_charge_id IS NULL AND l.equipment_charge_id IS NULL"
        "  AND l.charge_kind IN ('MRC', 'NRC', 'CREDIT')"
        "  AND " BILLABLE_INVOICE_OF_L("$2") " OFFSET 0) l"
        " ORDER BY l.account_id, l.service_id, l.code,"
        " l.period_start NULLS FIRST, l.invoice_id, l.line_no",
        &p, billed_cb, &ctx->b, err);
}

/* ---- what every batch reads alike ---- */

static int list_price_cb(const catalog_price_t *price, void *cls, tl_err *err)
{
    run_data *r = cls;
    list_price_entry *e;

    GROW(r->prices, r->n_prices, r->cap_prices, err);
    e = &r->prices[r->n_prices++];
    copy_str(e->code, sizeof(e->code), price->code);
    copy_str(e->currency, sizeof(e->currency), price->amount.cur);
    e->from = price->effective_from;
    e->amount = price->amount;
    return 0;
}

static int tax_window_cb(const catalog_tax_rule_t *rule, int has_to, tl_date to,
                         void *cls, tl_err *err)
{
    run_data *r = cls;
    billing_tax_rule *t;

    GROW(r->rules, r->n_rules, r->cap_rules, err);
    t = &r->rules[r->n_rules++];
    t->rule = *rule;
    t->from = rule->effective_from;
    t->has_to = has_to;
    t->to = to;
    return 0;
}

static int code_category_cb(const tl_row *row, void *cls, tl_err *err)
{
    run_data *r = cls;
    const char *code = NULL, *category = NULL;
    code_category *c;

    GROW(r->codes, r->n_codes, r->cap_codes, err);
    c = &r->codes[r->n_codes];
    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "tax_category", &category, err) < 0)
        return TL_ERROR;
    copy_str(c->code, sizeof(c->code), code);
    copy_str(c->category, sizeof(c->category), category);
    r->n_codes++;
    return 0;
}

/* Byte order of code and currency, then date, for the binary search. */
static int price_order(const void *pa, const void *pb)
{
    const list_price_entry *a = pa, *b = pb;
    int c = strcmp(a->code, b->code);

    if (c == 0)
        c = strcmp(a->currency, b->currency);
    if (c == 0)
        c = (a->from > b->from) - (a->from < b->from);
    return c;
}

/* The catalog's price list, tax rules and tax categories: small, and the
 * same for every batch. */
static int read_run_data(preview_ctx *ctx, tl_db *db, tl_err *err)
{
    run_data *r = ctx->run;
    int rc;

    run_data_free(r);
    rc = catalog_price_history(db, NULL, NULL, list_price_cb, r, err);
    if (rc >= 0 && r->n_prices > 0)
        qsort(r->prices, r->n_prices, sizeof(*r->prices), price_order);
    if (rc >= 0)
        rc = catalog_tax_rule_windows(db, tax_window_cb, r, err);
    if (rc >= 0)
        rc = tl_db_select(db, "billing_run_code_categories",
                          "SELECT code, tax_category FROM catalog.service_code"
                          " ORDER BY code COLLATE \"C\"",
                          NULL, code_category_cb, r, err);
    return rc < 0 ? rc : 0;
}

/* The list price of code in currency on `on`: the latest from on or
 * before it. TL_ENOTFOUND when there is none. */
static int list_price(tl_money *out, const run_data *r, const char *code,
                      const char *currency, tl_date on)
{
    size_t lo = 0, hi = r->n_prices;
    const list_price_entry *found = NULL;

    /* prices are by code and currency (byte order): find the first */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const list_price_entry *e = &r->prices[mid];
        int c = strcmp(e->code, code);

        if (c == 0)
            c = strcmp(e->currency, currency);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < r->n_prices && strcmp(r->prices[lo].code, code) == 0 &&
           strcmp(r->prices[lo].currency, currency) == 0;
         lo++)
        if (r->prices[lo].from <= on)
            found = &r->prices[lo];
    if (found == NULL)
        return TL_ENOTFOUND;
    *out = found->amount;
    return 0;
}

static const char *tax_category(const run_data *r, const char *code)
{
    size_t lo = 0, hi = r->n_codes;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(r->codes[mid].code, code);

        if (c == 0)
            return r->codes[mid].category;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return "";
}

/* ---- the batch's facts for pricing and taxes ---- */

static int fact_cb(const tl_row *row, void *cls, tl_err *err)
{
    batch *b = cls;
    const char *jur = NULL;
    int no_start = 1, no_from = 1;
    service_fact *f;

    GROW(b->facts, b->n_facts, b->cap_facts, err);
    f = &b->facts[b->n_facts];
    memset(f, 0, sizeof(*f));
    if (tl_row_int64(row, "account_id", &f->account_id, err) < 0 ||
        tl_row_int64(row, "service_id", &f->service_id, err) < 0 ||
        tl_row_date_opt(row, "billing_start_date", &f->billing_start, &no_start,
                        err) < 0 ||
        tl_row_date_opt(row, "vfrom", &f->from, &no_from, err) < 0 ||
        tl_row_text(row, "jurisdiction", &jur, err) < 0)
        return TL_ERROR;
    f->has_billing_start = !no_start;
    f->is_version = !no_from;
    copy_str(f->jurisdiction, sizeof(f->jurisdiction), jur);
    b->n_facts++;
    return 0;
}

/* The jurisdiction of address ADDR, looked up by its key: a subquery per
 * row, so that no plan merges the batch's rows with every address. */
#define JURISDICTION_OF(ADDR)                                                  \
    " (SELECT upper(a.country) || CASE WHEN btrim(a.region) = '' THEN ''"      \
    "  ELSE '-' || upper(btrim(a.region)) END"                                 \
    "  FROM accounts.address a WHERE a.address_id = " ADDR ") AS jurisdiction"

/* Each service's address and those of its versions (a move changes it),
 * as jurisdictions, for the taxes of its lines. */
static int read_facts(preview_ctx *ctx, tl_db *db, const char *ids, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, ids);
    return tl_db_select(
        db, "billing_batch_facts",
        "SELECT s.account_id, s.service_id, s.billing_start_date,"
        " NULL::date AS vfrom, 0 AS version," JURISDICTION_OF("s.address_id")
        " FROM provisioning.service s"
        " WHERE s.account_id = ANY($1::bigint[])"
        " UNION ALL"
        " SELECT v.account_id, v.service_id, NULL, v.effective_date,"
        " v.version," JURISDICTION_OF("v.address_id")
        " FROM provisioning.service_version v"
        " WHERE v.account_id = ANY($1::bigint[])"
        " ORDER BY account_id, service_id, vfrom NULLS FIRST, version",
        &p, fact_cb, &ctx->b, err);
}

/* The service's own fact (its first), or NULL. */
static const service_fact *service_facts(const batch *b, int64_t account_id,
                                         int64_t service_id)
{
    size_t lo = 0, hi = b->n_facts;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const service_fact *f = &b->facts[mid];

        if (f->account_id < account_id ||
            (f->account_id == account_id && f->service_id < service_id))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < b->n_facts && b->facts[lo].account_id == account_id &&
        b->facts[lo].service_id == service_id)
        return &b->facts[lo];
    return NULL;
}

/* The jurisdiction of the service on day: its latest version by then,
 * else its own address. */
static const char *jurisdiction_on(const batch *b, const service_fact *f,
                                   tl_date day)
{
    const service_fact *end = b->facts + b->n_facts;
    const char *jur = f->jurisdiction;
    const service_fact *v;

    for (v = f + 1; v < end && v->account_id == f->account_id &&
                    v->service_id == f->service_id && v->is_version;
         v++)
        if (v->from <= day)
            jur = v->jurisdiction;
    return jur;
}

static int exemption_cb(int64_t account_id, const accounts_tax_exemption_t *c,
                        void *payload)
{
    batch *b = payload;
    account_exemption *e;

    if (b->n_exemptions == b->cap_exemptions) {
        size_t cap = b->cap_exemptions ? b->cap_exemptions * 2 : 16;
        account_exemption *grown = realloc(b->exemptions, cap * sizeof(*grown));

        if (grown == NULL)
            return -1;
        b->exemptions = grown;
        b->cap_exemptions = cap;
    }
    e = &b->exemptions[b->n_exemptions++];
    memset(e, 0, sizeof(*e));
    e->account_id = account_id;
    copy_str(e->x.jurisdiction, sizeof(e->x.jurisdiction), c->jurisdiction);
    copy_str(e->x.category, sizeof(e->x.category), c->category);
    e->x.from = c->valid_from;
    e->x.has_to = c->has_valid_to;
    e->x.to = c->valid_to;
    return 0;
}

static account_row *find_account(batch *b, int64_t account_id)
{
    size_t lo = 0, hi = b->n_accounts;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (b->accounts[mid].account_id < account_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < b->n_accounts && b->accounts[lo].account_id == account_id)
        return &b->accounts[lo];
    return NULL;
}

static int po_cb(int64_t account_id, const char *po_number, void *payload)
{
    account_row *a = find_account(payload, account_id);

    if (a != NULL)
        copy_str(a->po_number, sizeof(a->po_number), po_number);
    return 0;
}

static int invoice_id_cb(const tl_row *row, void *cls, tl_err *err)
{
    batch *b = cls;
    size_t i = b->n_ids;

    if (i >= b->n_accounts)
        return tl_err_set(err, TL_ERROR, "internal", "", "too many ids");
    if (tl_row_int64(row, "id", &b->accounts[i].invoice_id, err) < 0)
        return TL_ERROR;
    b->n_ids++;
    return 0;
}

/* The accounts' contracted rates, exemptions and POs, and an invoice id
 * for each (a surrogate key: an account without an invoice leaves its id
 * unused), so that invoices and lines go out by COPY. */
static int read_account_facts(preview_ctx *ctx, tl_db *db, tl_err *err)
{
    batch *b = &ctx->b;
    int64_t *ids = malloc(b->n_accounts * sizeof(*ids));
    tl_params p;
    size_t i;
    int rc;

    if (ids == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    for (i = 0; i < b->n_accounts; i++)
        ids[i] = b->accounts[i].account_id;
    rc = contracts_rate_book_load(&b->rates, db, ids, b->n_accounts, err);
    if (rc >= 0) {
        rc = accounts_tax_exemptions_of(db, ids, b->n_accounts, exemption_cb, b,
                                        err);
    }
    if (rc >= 0)
        rc = accounts_po_numbers_in_force(db, ids, b->n_accounts,
                                          ctx->job.issue_date, po_cb, b, err);
    free(ids);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, (int64_t)b->n_accounts);
    b->n_ids = 0;
    rc = tl_db_select(db, "billing_batch_invoice_ids",
                      "SELECT nextval(pg_get_serial_sequence("
                      "'billing.invoice', 'invoice_id')) AS id"
                      " FROM generate_series(1, $1::int)",
                      &p, invoice_id_cb, b, err);
    if (rc >= 0 && b->n_ids != b->n_accounts)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "ids not reserved");
    return rc < 0 ? rc : 0;
}

static int extra_cb(const tl_row *row, void *cls, tl_err *err)
{
    batch *b = cls;
    const char *kind = NULL, *code = NULL, *desc = NULL;
    int null_service = 0;
    int null_corrects = 0;
    int64_t corrects_line = 0;
    extra_row *x;

    GROW(b->extras, b->n_extras, b->cap_extras, err);
    x = &b->extras[b->n_extras];
    memset(x, 0, sizeof(*x));
    if (tl_row_int64(row, "account_id", &x->account_id, err) < 0 ||
        tl_row_text(row, "kind", &kind, err) < 0 ||
        tl_row_int64(row, "ref_id", &x->ref_id, err) < 0 ||
        tl_row_int64_opt(row, "service_id", &x->service_id, &null_service,
                         err) < 0 ||
        tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_int64(row, "amount_minor", &x->amount, err) < 0 ||
        tl_row_text(row, "description", &desc, err) < 0 ||
        tl_row_int64_opt(row, "corrects_invoice_id", &x->corrects_invoice_id,
                         &null_corrects, err) < 0 ||
        tl_row_int64_opt(row, "corrects_line_no", &corrects_line,
                         &null_corrects, err) < 0)
        return TL_ERROR;
    x->corrects_line_no = (int)corrects_line;
    x->has_service = !null_service;
    copy_str(x->kind, sizeof(x->kind), kind);
    copy_str(x->code, sizeof(x->code), code);
    copy_str(x->description, sizeof(x->description), desc);
    b->n_extras++;
    return 0;
}

/* Account-level charges not billed yet, and the minimum commitment of
 * the agreement in force on the first day of the next period (with the
 * shortfall for that period not billed yet). */
static int read_extras(preview_ctx *ctx, tl_db *db, const char *ids,
                       tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, ids);
    tl_params_date(&p, ctx->job.next.start);
    tl_params_int64(&p, ctx->job.run_id);
    return tl_db_select(
        db, "billing_batch_extras",
        "WITH billable AS ("
        "  SELECT l.* FROM billing.invoice_line l"
        "  WHERE l.account_id = ANY($1::bigint[])"
        "  AND " BILLABLE_INVOICE_OF_L("$3") ")"
        " SELECT * FROM ("
        " SELECT t.account_id, 'ETF' AS kind, t.agreement_id AS ref_id,"
        "  NULL::bigint AS service_id, NULL::text AS code,"
        "  t.etf_minor AS amount_minor,"
        "  'Early termination fee, agreement ' || a.agreement_ref || ', "
        "terminated '"
        "  || to_char(t.termination_date, 'YYYY-MM-DD') AS description,"
        "  1 AS ord, NULL::bigint AS corrects_invoice_id,"
        "  NULL::bigint AS corrects_line_no"
        " FROM contracts.termination t"
        " JOIN contracts.agreement a USING (account_id, agreement_id)"
        " WHERE t.account_id = ANY($1::bigint[]) AND t.etf_minor > 0"
        " AND NOT EXISTS (SELECT 1 FROM billable l"
        "  WHERE l.account_id = t.account_id AND l.charge_kind = 'ETF'"
        "  AND l.agreement_id = t.agreement_id)"
        " UNION ALL"
        " SELECT e.account_id, 'EQUIPMENT', e.charge_id, s.service_id,"
        "  e.code, e.amount_minor,"
        "  'Equipment not returned, serial ' || e.serial || ', '"
        "  || e.circuit_id, 2, NULL, NULL"
        " FROM provisioning.equipment_charge e"
        " LEFT JOIN provisioning.service s"
        "  ON s.account_id = e.account_id AND s.circuit_id = e.circuit_id"
        " WHERE e.account_id = ANY($1::bigint[]) AND e.status = 'pending'"
        " AND NOT EXISTS (SELECT 1 FROM billable l"
        "  WHERE l.account_id = e.account_id"
        "  AND l.equipment_charge_id = e.charge_id)"
        " UNION ALL"
        " SELECT m.account_id, 'MANUAL_' || m.kind, m.charge_id,"
        "  s.service_id, NULL, m.amount_minor, m.description, 3,"
        "  m.corrects_invoice_id, m.corrects_line_no"
        " FROM billing.manual_charge m"
        " LEFT JOIN provisioning.service s"
        "  ON s.account_id = m.account_id AND s.circuit_id = m.circuit_id"
        " WHERE m.account_id = ANY($1::bigint[]) AND m.status = 'approved'"
        " AND NOT EXISTS (SELECT 1 FROM billable l"
        "  WHERE l.account_id = m.account_id"
        "  AND l.manual_charge_id = m.charge_id)"
        " UNION ALL"
        " (SELECT DISTINCT ON (a.account_id) a.account_id, 'MINIMUM',"
        "  a.agreement_id, NULL, NULL, a.minimum_commitment_minor,"
        "  'Minimum monthly commitment shortfall, agreement ' || "
        "a.agreement_ref, 4, NULL, NULL"
        " FROM contracts.agreement a"
        " WHERE a.account_id = ANY($1::bigint[])"
        " AND a.minimum_commitment_minor > 0 AND a.start_date <= $2::date"
        " AND a.current_end_date > $2::date"
        " AND NOT EXISTS (SELECT 1 FROM contracts.termination t"
        "  WHERE t.account_id = a.account_id"
        "  AND t.agreement_id = a.agreement_id"
        "  AND t.termination_date <= $2::date)"
        " AND NOT EXISTS (SELECT 1 FROM billable l"
        "  WHERE l.account_id = a.account_id AND l.charge_kind = 'SHORTFALL'"
        "  AND l.agreement_id = a.agreement_id"
        "  AND l.period_start = $2::date)"
        " ORDER BY a.account_id, a.start_date DESC, a.agreement_id DESC)"
        " ) x ORDER BY account_id, ord, ref_id",
        &p, extra_cb, &ctx->b, err);
}

/* ---- computing one account ---- */

static int push_line(batch *b, const billing_pending_line *l, tl_err *err)
{
    GROW(b->lines, b->n_lines, b->cap_lines, err);
    b->lines[b->n_lines++] = *l;
    return 0;
}

/* contracts_price_on from the batch's rate book and the run's price
 * list, with no query: the contracted rate in force, else the list price
 * in the account's currency. */
static int price_on(contracts_price_t *out, preview_ctx *ctx, tl_db *db,
                    int64_t account_id, const char *code, tl_date on,
                    const char *circuit_id, tl_err *err)
{
    const account_row *a = find_account(&ctx->b, account_id);
    char day[16];
    int rc;

    (void)db;
    rc =
        contracts_rate_book_find(out, &ctx->b.rates, account_id, code, on, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    out->source = CONTRACTS_PRICE_LIST;
    if (a != NULL &&
        list_price(&out->amount, ctx->run, code, a->currency, on) == 0) {
        out->base_rate = out->amount;
        return 0;
    }
    tl_date_format(day, sizeof(day), on);
    return tl_err_set(err, TL_ENOTFOUND, "no_price", "code",
                      "service code %s of circuit %s has no price on %s", code,
                      circuit_id, day);
}

/* One service code of one service: its spans and its billed lines. */
typedef struct code_key {
    const span_row *spans;
    size_t n_spans;
    const billed_row *billed;
    size_t n_billed;
} code_key;

static int nrc_lines(preview_ctx *ctx, tl_db *db, const code_key *k,
                     tl_err *err)
{
    const span_row *s = &k->spans[0];
    billing_pending_line l;
    contracts_price_t price;
    tl_date on;
    size_t i;
    int rc;

    for (i = 0; i < k->n_billed; i++)
        if (strcmp(k->billed[i].kind, "NRC") == 0)
            return 0;
    on = s->from > s->billing_start ? s->from : s->billing_start;
    if (s->has_disconnect && on >= s->disconnect)
        return 0;
    memset(&l, 0, sizeof(l));
    l.service_id = s->service_id;
    copy_str(l.code, sizeof(l.code), s->code);
    copy_str(l.charge_kind, sizeof(l.charge_kind), "NRC");
    describe(l.description, sizeof(l.description), "%s, %s", s->code_name,
             s->circuit_id);
    l.quantity = s->quantity;
    rc = price_on(&price, ctx, db, s->account_id, s->code, on, s->circuit_id,
                  err);
    if (rc < 0)
        return rc;
    l.unit = price.amount;
    copy_str(l.price_source, sizeof(l.price_source),
             contracts_price_source_name(price.source));
    if (tl_money_mul(&l.amount, &l.unit, l.quantity) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "charge for %s overflows", s->circuit_id);
    return push_line(&ctx->b, &l, err);
}

/* The first day of the hull of the days set in mask, or -1. */
static int mask_first(const int *mask, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (mask[i])
            return i;
    return -1;
}

static int mask_last(const int *mask, int n)
{
    int i;

    for (i = n - 1; i >= 0; i--)
        if (mask[i])
            return i;
    return -1;
}

/* The delta line of one service code for bill period q. */
static int mrc_period(preview_ctx *ctx, tl_db *db, const code_key *k,
                      const tl_period *q, int64_t *entitled_out, tl_err *err)
{
    const span_row *s0 = &k->spans[0];
    int entitled_days[MAX_PERIOD_DAYS] = {0};
    int covered[MAX_PERIOD_DAYS] = {0};
    int diff[MAX_PERIOD_DAYS] = {0};
    int32_t days = tl_period_days(q);
    int64_t billed = 0;
    int64_t entitled = 0;
    int billed_any = 0;
    const billed_row *last_charge = NULL;
    billing_pending_line l;
    contracts_price_t price;
    int same = 1;
    int first, last, n_diff = 0;
    size_t i;
    int d;
    int rc;

    *entitled_out = 0;
    if (days <= 0 || days > MAX_PERIOD_DAYS)
        return tl_err_set(err, TL_ERROR, "internal", "period",
                          "a bill period of %d days", (int)days);
    /* what was billed */
    for (i = 0; i < k->n_billed; i++) {
        const billed_row *r = &k->billed[i];
        tl_period part;
        int sign;

        if (!r->has_period || !tl_period_contains(q, r->period.start))
            continue;
        billed_any = 1;
        billed += r->amount;
        sign = strcmp(r->kind, "CREDIT") == 0 ? -1 : 1;
        if (sign > 0)
            last_charge = r;
        part = tl_period_intersect(&r->period, q);
        for (d = part.start - q->start; d < part.end - q->start; d++)
            covered[d] += sign;
    }
    /* what the account is entitled to: the days first */
    memset(&price, 0, sizeof(price));
    for (i = 0; i < k->n_spans; i++) {
        const span_row *s = &k->spans[i];
        tl_date a = s->from > s->billing_start ? s->from : s->billing_start;
        tl_date b = s->has_to ? s->to : q->end;

        if (s->has_disconnect && s->disconnect < b)
            b = s->disconnect;
        if (a < q->start)
            a = q->start;
        if (b > q->end)
            b = q->end;
        for (d = a - q->start; d < b - q->start; d++)
            entitled_days[d] = 1;
    }
    for (d = 0; d < days; d++) {
        diff[d] = entitled_days[d] != (covered[d] > 0);
        if (diff[d]) {
            same = 0;
            n_diff++;
        }
    }
    /* a period billed for exactly the entitled days is not priced again */
    if (same && (billed_any || mask_first(entitled_days, days) < 0)) {
        *entitled_out = billed;
        return 0;
    }
    for (i = 0; i < k->n_spans; i++) {
        const span_row *s = &k->spans[i];
        tl_date a = s->from > s->billing_start ? s->from : s->billing_start;
        tl_date b = s->has_to ? s->to : q->end;
        tl_money full;
        tl_money upto_a;
        tl_money upto_b;

        if (s->has_disconnect && s->disconnect < b)
            b = s->disconnect;
        if (a < q->start)
            a = q->start;
        if (b > q->end)
            b = q->end;
        if (a >= b)
            continue;
        rc = price_on(&price, ctx, db, s->account_id, s->code, a, s->circuit_id,
                      err);
        if (rc < 0)
            return rc;
        if (tl_money_mul(&full, &price.amount, s->quantity) != 0 ||
            tl_money_scale(&upto_a, &full, a - q->start, days) != 0 ||
            tl_money_scale(&upto_b, &full, b - q->start, days) != 0)
            return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                              "charge for %s overflows", s->circuit_id);
        entitled += upto_b.minor - upto_a.minor;
    }
    *entitled_out = entitled;
    if (entitled == billed)
        return 0;
    memset(&l, 0, sizeof(l));
    l.service_id = s0->service_id;
    copy_str(l.code, sizeof(l.code), s0->code);
    l.quantity = k->spans[k->n_spans - 1].quantity;
    if (price.amount.cur[0] == '\0') {
        /* nothing entitled any more: credit at the last price billed */
        rc = price_on(&price, ctx, db, s0->account_id, s0->code, q->start,
                      s0->circuit_id, err);
        if (rc < 0)
            return rc;
    }
    l.unit = price.amount;
    copy_str(l.price_source, sizeof(l.price_source),
             contracts_price_source_name(price.source));
    l.amount = price.amount;
    l.amount.minor = entitled - billed;
    /* the days that differ, or the whole entitlement (a price change) */
    if (n_diff > 0) {
        first = mask_first(diff, days);
        last = mask_last(diff, days);
    } else if (entitled > billed) {
        first = mask_first(entitled_days, days);
        last = mask_last(entitled_days, days);
    } else {
        for (d = 0; d < days; d++)
            diff[d] = covered[d] > 0;
        first = mask_first(diff, days);
        last = mask_last(diff, days);
    }
    if (first < 0) {
        first = 0;
        last = days - 1;
    }
    if (n_diff == 0)
        n_diff = last - first + 1;
    l.has_period = 1;
    l.period.start = tl_date_add_days(q->start, first);
    l.period.end = tl_date_add_days(q->start, last + 1);
    if (entitled > billed) {
        char from[16];
        char to[16];

        copy_str(l.charge_kind, sizeof(l.charge_kind), "MRC");
        tl_date_format(from, sizeof(from), l.period.start);
        tl_date_format(to, sizeof(to), tl_date_add_days(l.period.end, -1));
        describe(l.description, sizeof(l.description), "%s, %s, %s to %s",
                 s0->code_name, s0->circuit_id, from, to);
    } else {
        char when[16];
        char to[16];

        copy_str(l.charge_kind, sizeof(l.charge_kind), "CREDIT");
        if (last_charge != NULL) {
            l.credited_invoice_id = last_charge->invoice_id;
            l.credited_line_no = last_charge->line_no;
        }
        tl_date_format(when, sizeof(when), l.period.start);
        if (s0->has_disconnect && s0->disconnect == l.period.start)
            describe(l.description, sizeof(l.description),
                     "credit: %s, %s, disconnected %s, %d day%s", s0->code_name,
                     s0->circuit_id, when, n_diff, n_diff == 1 ? "" : "s");
        else {
            tl_date_format(to, sizeof(to), tl_date_add_days(l.period.end, -1));
            describe(l.description, sizeof(l.description),
                     "credit: %s, %s, %s to %s, %d day%s", s0->code_name,
                     s0->circuit_id, when, to, n_diff, n_diff == 1 ? "" : "s");
        }
    }
    return push_line(&ctx->b, &l, err);
}

/* Every bill period from the earliest one touched through the next
 * period; *next_mrc grows by the entitlement of the next period. */
static int mrc_lines(preview_ctx *ctx, tl_db *db, const code_key *k,
                     int64_t *next_mrc, tl_err *err)
{
    tl_date from = k->spans[0].billing_start;
    tl_period q;
    int64_t entitled = 0;
    size_t i;
    int rc;

    for (i = 0; i < k->n_billed; i++)
        if (k->billed[i].has_period && k->billed[i].period.start < from)
            from = k->billed[i].period.start;
    if (tl_bill_period_containing(&q, ctx->job.cycle_day, from) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "period",
                          "no bill period holds the billing start");
    while (q.start < ctx->job.next.end) {
        rc = mrc_period(ctx, db, k, &q, &entitled, err);
        if (rc < 0)
            return rc;
        if (q.start == ctx->job.next.start)
            *next_mrc += entitled;
        if (tl_bill_period_containing(&q, ctx->job.cycle_day, q.end) != 0)
            return tl_err_set(err, TL_ERROR, "internal", "period",
                              "no bill period follows");
    }
    return 0;
}

static int extra_line(preview_ctx *ctx, const extra_row *x,
                      const char *currency, int64_t next_mrc, tl_err *err)
{
    billing_pending_line l;

    memset(&l, 0, sizeof(l));
    l.quantity = 1;
    tl_money_make(&l.unit, x->amount, currency);
    l.amount = l.unit;
    copy_str(l.description, sizeof(l.description), x->description);
    if (x->has_service)
        l.service_id = x->service_id;
    copy_str(l.code, sizeof(l.code), x->code);
    if (strcmp(x->kind, "ETF") == 0) {
        copy_str(l.charge_kind, sizeof(l.charge_kind), "ETF");
        copy_str(l.price_source, sizeof(l.price_source), "contract");
        l.agreement_id = x->ref_id;
        l.code[0] = '\0';
    } else if (strcmp(x->kind, "EQUIPMENT") == 0) {
        copy_str(l.charge_kind, sizeof(l.charge_kind), "NRC");
        copy_str(l.price_source, sizeof(l.price_source), "list");
        l.equipment_charge_id = x->ref_id;
    } else if (strcmp(x->kind, "MANUAL_NRC") == 0) {
        copy_str(l.charge_kind, sizeof(l.charge_kind), "NRC");
        copy_str(l.price_source, sizeof(l.price_source), "manual");
        l.manual_charge_id = x->ref_id;
    } else if (strcmp(x->kind, "MANUAL_CREDIT") == 0) {
        copy_str(l.charge_kind, sizeof(l.charge_kind), "CREDIT");
        copy_str(l.price_source, sizeof(l.price_source), "manual");
        l.manual_charge_id = x->ref_id;
        l.amount.minor = -x->amount;
        /* an adjustment names the line it corrects */
        l.credited_invoice_id = x->corrects_invoice_id;
        l.credited_line_no = x->corrects_line_no;
    } else if (strcmp(x->kind, "MINIMUM") == 0) {
        if (next_mrc >= x->amount)
            return 0;
        copy_str(l.charge_kind, sizeof(l.charge_kind), "SHORTFALL");
        copy_str(l.price_source, sizeof(l.price_source), "contract");
        l.agreement_id = x->ref_id;
        l.amount.minor = x->amount - next_mrc;
        l.has_period = 1;
        l.period = ctx->job.next;
    } else {
        return tl_err_set(err, TL_ERROR, "internal", "kind",
                          "unknown extra charge %s", x->kind);
    }
    return push_line(&ctx->b, &l, err);
}

/* ---- taxes ---- */

/* The account's lines as the tax core sees them (billing/taxes.h): a line
 * of a service and a service code, taxed where the service is on its
 * charge date (an MRC line's first day; else the service's billing start,
 * or the period's start), by its code's category. Like
 * billing_taxable_lines_of_invoice, from memory. */
static int taxable_lines(preview_ctx *ctx, const account_row *a, tl_err *err)
{
    batch *b = &ctx->b;
    size_t i;

    b->n_taxable = 0;
    for (i = 0; i < b->n_lines; i++) {
        const billing_pending_line *l = &b->lines[i];
        const service_fact *f;
        billing_taxable_line *t;

        if (l->service_id == 0 || l->code[0] == '\0')
            continue;
        f = service_facts(b, a->account_id, l->service_id);
        if (f == NULL)
            continue;
        GROW(b->taxable, b->n_taxable, b->cap_taxable, err);
        t = &b->taxable[b->n_taxable++];
        memset(t, 0, sizeof(*t));
        t->line_no = (int)i + 1;
        t->amount = l->amount;
        t->quantity = l->quantity;
        copy_str(t->category, sizeof(t->category),
                 tax_category(ctx->run, l->code));
        if (strcmp(l->charge_kind, "MRC") == 0)
            t->date = l->period.start;
        else
            t->date =
                f->has_billing_start ? f->billing_start : ctx->job.period.start;
        copy_str(t->jurisdiction, sizeof(t->jurisdiction),
                 jurisdiction_on(b, f, t->date));
    }
    return 0;
}

/* The account's exemptions, from the batch's. */
static int account_exemptions(batch *b, int64_t account_id, tl_err *err)
{
    size_t i;

    b->n_ex = 0;
    for (i = 0; i < b->n_exemptions; i++) {
        if (b->exemptions[i].account_id != account_id)
            continue;
        GROW(b->ex, b->n_ex, b->cap_ex, err);
        b->ex[b->n_ex++] = b->exemptions[i].x;
    }
    return 0;
}

static int account_taxes(billing_tax_result *out, preview_ctx *ctx,
                         const account_row *a, tl_err *err)
{
    batch *b = &ctx->b;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = taxable_lines(ctx, a, err);
    if (rc == 0)
        rc = account_exemptions(b, a->account_id, err);
    if (rc < 0 || b->n_taxable == 0)
        return rc;
    return billing_taxes_from_rules(out, a->currency, b->taxable, b->n_taxable,
                                    ctx->run->rules, ctx->run->n_rules, b->ex,
                                    b->n_ex, err);
}

/* ---- writing ---- */

static void line_row(tl_copybuf *c, const account_row *a, int line_no,
                     const billing_pending_line *l)
{
    tl_copybuf_int64(c, a->account_id);
    tl_copybuf_int64(c, a->invoice_id);
    tl_copybuf_int64(c, line_no);
    tl_copybuf_int64_or_null(c, l->service_id);
    tl_copybuf_text(c, l->code[0] ? l->code : NULL);
    tl_copybuf_text(c, l->charge_kind);
    tl_copybuf_text(c, l->description);
    tl_copybuf_date(c, l->has_period, l->period.start);
    tl_copybuf_date(c, l->has_period, l->period.end);
    tl_copybuf_int64(c, l->quantity);
    tl_copybuf_int64(c, l->unit.minor);
    tl_copybuf_int64(c, l->amount.minor);
    tl_copybuf_text(c, l->price_source);
    tl_copybuf_int64_or_null(c, l->credited_invoice_id);
    tl_copybuf_int64_or_null(c, l->credited_line_no);
    tl_copybuf_int64_or_null(c, l->equipment_charge_id);
    tl_copybuf_int64_or_null(c, l->manual_charge_id);
    tl_copybuf_int64_or_null(c, l->agreement_id);
    tl_copybuf_row(c);
}

static void tax_row(tl_copybuf *c, const account_row *a,
                    const billing_tax_line *t)
{
    tl_copybuf_int64(c, a->account_id);
    tl_copybuf_int64(c, a->invoice_id);
    tl_copybuf_int64(c, t->line_no);
    tl_copybuf_text(c, t->jurisdiction);
    tl_copybuf_text(c, t->tax_code);
    tl_copybuf_text(c, t->name);
    tl_copybuf_text(c, t->kind);
    tl_copybuf_int64(c, t->base.minor);
    if (t->per_unit) {
        tl_copybuf_null(c);
        tl_copybuf_int64(c, t->per_unit_amount.minor);
        tl_copybuf_int64(c, t->units);
    } else {
        tl_copybuf_int64(c, t->rate_ppm);
        tl_copybuf_null(c);
        tl_copybuf_null(c);
    }
    tl_copybuf_int64(c, t->amount.minor);
    tl_copybuf_row(c);
}

/* The account's invoice (when it has lines), its lines and its taxes into
 * the batch's COPY rows. */
static int queue_invoice(preview_ctx *ctx, const account_row *a, tl_err *err)
{
    batch *b = &ctx->b;
    billing_tax_result taxes;
    tl_money subtotal;
    tl_money total;
    size_t i;
    int rc;

    if (b->n_lines == 0)
        return 0;
    rc = tl_money_make(&subtotal, 0, a->currency);
    for (i = 0; rc == 0 && i < b->n_lines; i++)
        rc = tl_money_add(&subtotal, &subtotal, &b->lines[i].amount);
    if (rc != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "total",
                          "invoice total of account %lld does not fit",
                          (long long)a->account_id);
    rc = account_taxes(&taxes, ctx, a, err);
    if (rc < 0)
        return rc;
    if (tl_money_make(&total, subtotal.minor, a->currency) != 0 ||
        (taxes.n_lines > 0 &&
         tl_money_add(&total, &subtotal, &taxes.tax) != 0)) {
        billing_tax_result_free(&taxes);
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "total",
                          "invoice total of account %lld does not fit",
                          (long long)a->account_id);
    }
    tl_copybuf_int64(&b->inv_rows, a->account_id);
    tl_copybuf_int64(&b->inv_rows, a->invoice_id);
    tl_copybuf_text(&b->inv_rows, "draft");
    tl_copybuf_text(&b->inv_rows, "standard");
    tl_copybuf_int64(&b->inv_rows, ctx->job.run_id);
    tl_copybuf_date(&b->inv_rows, 1, ctx->job.period.start);
    tl_copybuf_date(&b->inv_rows, 1, ctx->job.period.end);
    tl_copybuf_date(&b->inv_rows, 1, ctx->job.issue_date);
    tl_copybuf_date(&b->inv_rows, 1,
                    tl_date_add_days(ctx->job.issue_date, a->payment_terms_days));
    tl_copybuf_text(&b->inv_rows, a->currency);
    tl_copybuf_int64(&b->inv_rows, subtotal.minor);
    tl_copybuf_int64(&b->inv_rows, total.minor - subtotal.minor);
    tl_copybuf_int64(&b->inv_rows, total.minor);
    tl_copybuf_text(&b->inv_rows, a->po_number[0] ? a->po_number : NULL);
    tl_copybuf_row(&b->inv_rows);
    for (i = 0; i < b->n_lines; i++)
        line_row(&b->line_rows, a, (int)i + 1, &b->lines[i]);
    for (i = 0; i < taxes.n_lines; i++)
        tax_row(&b->tax_rows, a, &taxes.lines[i]);
    billing_tax_result_free(&taxes);
    ctx->invoices_in_batch++;
    return 0;
}

/* Every draft invoice, line and tax line of the batch: three COPYs. */
static int write_batch(preview_ctx *ctx, tl_db *db, tl_err *err)
{
    batch *b = &ctx->b;
    int rc;

    rc = tl_copybuf_send(&b->inv_rows, db,
                         "COPY billing.invoice (account_id, invoice_id,"
                         " status, series, run_id, period_start, period_end, "
                         "issue_date, due_date,"
                         " currency, subtotal_minor, tax_minor, total_minor,"
                         " po_number) FROM STDIN",
                         err);
    if (rc >= 0)
        rc = tl_copybuf_send(
            &b->line_rows, db,
            "COPY billing.invoice_line (account_id, invoice_id, line_no,"
            " service_id, code, charge_kind, description, period_start,"
            " period_end, quantity, unit_minor, amount_minor, price_source,"
            " credited_invoice_id, credited_line_no, equipment_charge_id,"
            " manual_charge_id, agreement_id) FROM STDIN",
            err);
    if (rc >= 0)
        rc = tl_copybuf_send(
            &b->tax_rows, db,
            "COPY billing.invoice_tax_line (account_id, invoice_id, line_no,"
            " jurisdiction, tax_code, name, kind, base_minor, rate_ppm,"
            " per_unit_minor, units, amount_minor) FROM STDIN",
            err);
    return rc < 0 ? rc : 0;
}

/* Computes one account from its slices of the batch arrays. */
static int compute_account(preview_ctx *ctx, tl_db *db, const account_row *a,
                           size_t *si, size_t *bi, size_t *xi, tl_err *err)
{
    batch *b = &ctx->b;
    int64_t next_mrc = 0;
    int rc;

    b->n_lines = 0;
    while (*bi < b->n_billed && b->billed[*bi].account_id < a->account_id)
        (*bi)++;
    while (*si < b->n_spans && b->spans[*si].account_id == a->account_id) {
        const span_row *s = &b->spans[*si];
        code_key k;

        memset(&k, 0, sizeof(k));
        k.spans = s;
        while (*si < b->n_spans && b->spans[*si].account_id == a->account_id &&
               b->spans[*si].service_id == s->service_id &&
               strcmp(b->spans[*si].code, s->code) == 0) {
            k.n_spans++;
            (*si)++;
        }
        /* the billed lines of this service and code: both arrays are
         * sorted by service, the billed one by code too, so search the
         * service's slice */
        {
            size_t j = *bi;

            while (j < b->n_billed &&
                   b->billed[j].account_id == a->account_id &&
                   (b->billed[j].service_id != s->service_id ||
                    strcmp(b->billed[j].code, s->code) != 0))
                j++;
            k.billed = &b->billed[j];
            while (j < b->n_billed &&
                   b->billed[j].account_id == a->account_id &&
                   b->billed[j].service_id == s->service_id &&
                   strcmp(b->billed[j].code, s->code) == 0) {
                k.n_billed++;
                j++;
            }
        }
        if (strcmp(s->kind, "NRC") == 0)
            rc = nrc_lines(ctx, db, &k, err);
        else
            rc = mrc_lines(ctx, db, &k, &next_mrc, err);
        if (rc < 0)
            return rc;
    }
    while (*xi < b->n_extras && b->extras[*xi].account_id < a->account_id)
        (*xi)++;
    while (*xi < b->n_extras && b->extras[*xi].account_id == a->account_id) {
        rc = extra_line(ctx, &b->extras[*xi], a->currency, next_mrc, err);
        if (rc < 0)
            return rc;
        (*xi)++;
    }
    return queue_invoice(ctx, a, err);
}

/* For a batch: whether the run is still previewing, its row locked FOR
 * SHARE so that it is not refreshed or approved under the batch while
 * the batches of other stripes go on. The run's row only: the progress
 * of the other stripes is theirs to write, and a batch reading it would
 * conflict with their batches. */
static int run_previewing(int *previewing, tl_db *db, int64_t run_id,
                          tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    int rc;

    *previewing = 0;
    tl_params_init(&p);
    tl_params_int64(&p, run_id);
    rc = tl_db_query_one(db, &res, "billing_run_shared",
                         "SELECT status = 'previewing' AS previewing"
                         " FROM billing.bill_run WHERE run_id = $1::bigint"
                         " FOR SHARE",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_run", "run",
                          "bill run %lld does not exist", (long long)run_id);
    *previewing = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return 0;
}

/* Locks the stripe's row and reads where it got to. */
static int lock_stripe(stripe_pos *out, tl_db *db, int64_t run_id, int stripe,
                       tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int null_through = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_int64(&p, run_id);
    tl_params_int64(&p, stripe);
    rc = tl_db_query_one(db, &res, "billing_stripe_lock",
                         "SELECT last_account_id, through_account_id,"
                         " finished_at IS NOT NULL AS finished"
                         " FROM billing.bill_run_stripe"
                         " WHERE run_id = $1::bigint AND stripe = $2::smallint"
                         " FOR UPDATE",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ERROR, "internal", "run",
                          "bill run %lld has no stripe %d", (long long)run_id,
                          stripe);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "last_account_id", &out->cursor, err);
    if (rc == 0)
        rc = tl_row_int64_opt(&row, "through_account_id", &out->through,
                              &null_through, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "finished", &out->finished, err);
    out->has_through = !null_through;
    PQclear(res);
    return rc;
}

/* One batch of the context's stripe: its next accounts after its cursor,
 * or the end of the stripe when none is left. */
int billrun_batch_tx(tl_db *db, void *cls, tl_err *err)
{
    preview_ctx *ctx = cls;
    int previewing = 0;
    stripe_pos pos;
    char *ids = NULL;
    size_t si = 0, bi = 0, xi = 0;
    size_t i;
    tl_params p;
    int rc;

    batch_reset(&ctx->b);
    ctx->finished = 0;
    ctx->accounts_in_batch = 0;
    ctx->invoices_in_batch = 0;
    /* Repeatable read, not serializable: the batches of a run's workers
     * write the drafts of disjoint accounts, which unique keys keep from
     * being billed twice, and a draft is recomputed by a refresh anyway.
     * Under SERIALIZABLE, each batch's reads of the tables the others
     * write into took predicate locks that grew to whole indexes, and
     * the workers failed each other's batches over and over. And a batch
     * reads every table by key: the tables a run fills were empty when
     * their statistics were last taken, and a plan made from those would
     * read them whole, slower batch after batch. The workers have the
     * processors already: no parallel query helpers for a batch. */
    if (ctx->job.own_tx) {
        rc = tl_db_exec_script(
            db,
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;"
            " SET LOCAL enable_seqscan = off;"
            " SET LOCAL max_parallel_workers_per_gather = 0",
            err);
        if (rc < 0)
            return rc;
    }
    rc = run_previewing(&previewing, db, ctx->job.run_id, err);
    if (rc < 0)
        return rc;
    if (!previewing) {
        ctx->finished = 1;
        return 0;
    }
    rc = lock_stripe(&pos, db, ctx->job.run_id, ctx->stripe, err);
    if (rc < 0)
        return rc;
    if (pos.finished) {
        ctx->finished = 1;
        return 0;
    }
    rc = read_accounts(ctx, db, &pos, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->job.run_id);
    tl_params_int64(&p, ctx->stripe);
    if (ctx->b.n_accounts == 0) {
        rc = tl_db_exec(db, "billing_stripe_finished",
                        "UPDATE billing.bill_run_stripe"
                        " SET finished_at = now()"
                        " WHERE run_id = $1::bigint AND stripe = $2::smallint",
                        &p, err);
        ctx->finished = 1;
        return rc < 0 ? rc : 0;
    }
    ids = account_array(&ctx->b);
    if (ids == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = read_spans(ctx, db, ids, err);
    if (rc >= 0)
        rc = read_billed(ctx, db, ids, err);
    if (rc >= 0)
        rc = read_extras(ctx, db, ids, err);
    if (rc >= 0)
        rc = read_facts(ctx, db, ids, err);
    if (rc >= 0)
        rc = read_account_facts(ctx, db, err);
    free(ids);
    if (rc < 0)
        return rc;
    for (i = 0; i < ctx->b.n_accounts; i++) {
        if (ctx->job.opts->fail_after_accounts > 0 &&
            (int)i == ctx->job.opts->fail_after_accounts)
            return tl_err_set(err, TL_ERROR, "killed", "run",
                              "the batch was stopped after %d accounts",
                              (int)i);
        rc = compute_account(ctx, db, &ctx->b.accounts[i], &si, &bi, &xi, err);
        if (rc < 0)
            return rc;
    }
    rc = write_batch(ctx, db, err);
    if (rc < 0)
        return rc;
    ctx->accounts_in_batch = (int)ctx->b.n_accounts;
    tl_params_int64(&p, ctx->b.accounts[ctx->b.n_accounts - 1].account_id);
    tl_params_int64(&p, (int64_t)ctx->b.n_accounts);
    tl_params_int64(&p, ctx->invoices_in_batch);
    rc = tl_db_exec(db, "billing_stripe_progress",
                    "UPDATE billing.bill_run_stripe"
                    " SET last_account_id = $3::bigint,"
                    " accounts_done = accounts_done + $4::int,"
                    " invoice_count = invoice_count + $5::int"
                    " WHERE run_id = $1::bigint AND stripe = $2::smallint",
                    &p, err);
    return rc < 0 ? rc : 0;
}

/* ---- the context ---- */

int billrun_ctx_open(billrun_ctx **out, const billrun_job *job, tl_db *db,
                     tl_err *err)
{
    preview_ctx *ctx = calloc(1, sizeof(*ctx));
    int rc;

    *out = NULL;
    if (ctx == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    ctx->job = *job;
    ctx->stripe = 1;
    ctx->run = &ctx->own_run;
    rc = read_run_data(ctx, db, err);
    if (rc < 0) {
        billrun_ctx_free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

billrun_ctx *billrun_ctx_for_stripe(const billrun_ctx *base, int stripe)
{
    preview_ctx *ctx = calloc(1, sizeof(*ctx));

    if (ctx == NULL)
        return NULL;
    ctx->job = base->job;
    ctx->stripe = stripe;
    ctx->run = base->run;
    return ctx;
}

void billrun_ctx_set_stripe(billrun_ctx *ctx, int stripe)
{
    ctx->stripe = stripe;
    ctx->finished = 0;
}

int billrun_ctx_finished(const billrun_ctx *ctx)
{
    return ctx->finished;
}

void billrun_ctx_free(billrun_ctx *ctx)
{
    if (ctx == NULL)
        return;
    batch_free(&ctx->b);
    run_data_free(&ctx->own_run);
    free(ctx);
}
