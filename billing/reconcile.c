/*
 * The three-way reconciliation (rules in reconcile.h).
 *
 * Data structure: a growable list of findings, each owning copies of its
 * strings, filled by one query function per finding kind inside one
 * read transaction, then sorted and handed to the caller. The queries
 * select candidates set-based; the row callbacks price them with
 * contracts_price_on where the finding needs an effective price.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/reconcile.h"
#include "contracts/contracts.h"

#define MAX_FINDINGS 200000

static const char *const kind_names[BILLING_RECON_KINDS] = {
    "active_not_billed", "billed_not_active", "rate_mismatch",
    "billing_start_mismatch", "install_never_charged"};

const char *billing_recon_kind_name(billing_recon_kind kind)
{
    if ((int)kind < 0 || kind >= BILLING_RECON_KINDS)
        return NULL;
    return kind_names[kind];
}

typedef struct finding {
    billing_recon_finding_t f;
    char *account_number;
    char *circuit_id;
    char *product_id;
    char *code;
    char *message;
} finding;

typedef struct recon_ctx {
    tl_db *db;
    tl_date as_of;
    const char *account_number; /* NULL: the whole book */
    finding *list;
    size_t n;
    size_t cap;
    /* billed_not_active: the service code being summed */
    int open;
    finding pending;
    int pending_never_accepted;
} recon_ctx;

static void free_finding(finding *f)
{
    free(f->account_number);
    free(f->circuit_id);
    free(f->product_id);
    free(f->code);
    free(f->message);
    memset(f, 0, sizeof(*f));
}

static void free_findings(recon_ctx *ctx)
{
    size_t i;

    for (i = 0; i < ctx->n; i++)
        free_finding(&ctx->list[i]);
    free(ctx->list);
    ctx->list = NULL;
    ctx->n = 0;
    ctx->cap = 0;
    if (ctx->open)
        free_finding(&ctx->pending);
    ctx->open = 0;
}

static char *dup(const char *s)
{
    return strdup(s != NULL ? s : "");
}

/* Fills the identifying strings of a finding from a candidate row. */
static int init_finding(finding *f, billing_recon_kind kind, const tl_row *row,
                        int with_code, tl_err *err)
{
    const char *account = NULL;
    const char *circuit = NULL;
    const char *product = NULL;
    const char *code = "";

    memset(f, 0, sizeof(*f));
    f->f.kind = kind;
    if (tl_row_text(row, "account_number", &account, err) < 0 ||
        tl_row_text(row, "circuit_id", &circuit, err) < 0 ||
        tl_row_text(row, "product_id", &product, err) < 0 ||
        (with_code && tl_row_text(row, "code", &code, err) < 0))
        return TL_ERROR;
    f->account_number = dup(account);
    f->circuit_id = dup(circuit);
    f->product_id = dup(product);
    f->code = dup(code);
    if (!f->account_number || !f->circuit_id || !f->product_id || !f->code) {
        free_finding(f);
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    return 0;
}

/* The start every priced finding shares: the row's account id, currency
 * and quantity, the finding itself, and its first day from column
 * from_col. On failure nothing is left to free. */
static int open_priced_finding(finding *f, int64_t *account_id,
                               const char **currency, int *quantity,
                               billing_recon_kind kind, const char *from_col,
                               const tl_row *row, tl_err *err)
{
    int rc;

    if (tl_row_int64(row, "account_id", account_id, err) < 0 ||
        tl_row_text(row, "currency", currency, err) < 0 ||
        tl_row_int(row, "quantity", quantity, err) < 0)
        return TL_ERROR;
    rc = init_finding(f, kind, row, 1, err);
    if (rc < 0)
        return rc;
    if (tl_row_date(row, from_col, &f->f.from, err) < 0) {
        free_finding(f);
        return TL_ERROR;
    }
    return 0;
}

/* Moves f (with message text) into the list; f is empty afterwards. */
static int push_finding(recon_ctx *ctx, finding *f, const char *message,
                        tl_err *err)
{
    f->message = dup(message);
    if (f->message == NULL) {
        free_finding(f);
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 32;
        finding *grown;

        if (cap > MAX_FINDINGS) {
            free_finding(f);
            return tl_err_set(err, TL_ERROR, "too_many", "",
                              "more than %d findings", MAX_FINDINGS);
        }
        grown = realloc(ctx->list, cap * sizeof(*grown));
        if (grown == NULL) {
            free_finding(f);
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        }
        ctx->list = grown;
        ctx->cap = cap;
    }
    ctx->list[ctx->n++] = *f;
    memset(f, 0, sizeof(*f));
    return 0;
}

/* The effective unit price x quantity, or *found 0 when the code has no
 * price for the account on that day (the finding then carries 0). */
static int priced(tl_money *out, int *found, tl_db *db, int64_t account_id,
                  const char *currency, const char *code, int quantity,
                  tl_date on, tl_err *err)
{
    contracts_price_t price;
    tl_err lookup = TL_ERR_INIT;
    int rc;

    *found = 0;
    tl_money_make(out, 0, currency);
    rc = contracts_price_on(&price, db, account_id, code, on, &lookup);
    if (rc == TL_ENOTFOUND) {
        tl_err_clear(&lookup);
        return 0;
    }
    if (rc < 0) {
        rc = tl_err_copy(err, &lookup) == 0 ? rc : TL_ERROR;
        tl_err_clear(&lookup);
        return rc;
    }
    if (tl_money_mul(out, &price.amount, quantity) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "the price of %s does not fit", code);
    *found = 1;
    return 0;
}

static void fmt_money(char *buf, size_t size, const tl_money *m)
{
    if (tl_money_format(buf, size, m) < 0)
        snprintf(buf, size, "?");
}

static void fmt_date(char *buf, size_t size, tl_date d)
{
    if (tl_date_format(buf, size, d) < 0)
        snprintf(buf, size, "?");
}

/* Columns every candidate query returns first. */
#define SERVICE_COLS                                                           \
    " a.account_number, a.account_id, a.currency, a.bill_cycle_day,"           \
    " s.circuit_id, s.product_id"

/* The account filter: $2 NULL for the whole book. */
#define ACCOUNT_FILTER " AND ($2::text IS NULL OR a.account_number = $2)"

/* The service codes of service s in force on $1: those of its latest
 * version by then (a change or move replaces them), else, for a service
 * without history, its current codes. effective_from is when the code
 * came in: the first version by $1 carrying it. */
#define CODES_ON_1                                                             \
    " CROSS JOIN LATERAL (SELECT x.code, x.quantity,"                          \
    "  (SELECT min(h.effective_date) FROM provisioning.service_version h"      \
    "   WHERE h.account_id = s.account_id AND h.service_id = s.service_id"     \
    "   AND h.effective_date <= $1::date"                                      \
    "   AND h.codes @> jsonb_build_array(jsonb_build_object('code', x.code)))" \
    "  AS effective_from"                                                      \
    "  FROM (SELECT v.codes FROM provisioning.service_version v"               \
    "   WHERE v.account_id = s.account_id AND v.service_id = s.service_id"     \
    "   AND v.effective_date <= $1::date"                                      \
    "   ORDER BY v.effective_date DESC, v.version DESC LIMIT 1) v"             \
    "  CROSS JOIN LATERAL jsonb_to_recordset(v.codes)"                         \
    "   AS x(code text, quantity int)"                                         \
    "  UNION ALL"                                                              \
    "  SELECT c.code, c.quantity, c.effective_from"                            \
    "  FROM provisioning.service_code c"                                       \
    "  WHERE c.account_id = s.account_id AND c.service_id = s.service_id"      \
    "  AND NOT EXISTS (SELECT 1 FROM provisioning.service_version v"           \
    "   WHERE v.account_id = s.account_id AND v.service_id = s.service_id"     \
    "   AND v.effective_date <= $1::date)) sc"

/* ---- active_not_billed ---- */

static int not_billed_row(const tl_row *row, void *cls, tl_err *err)
{
    recon_ctx *ctx = cls;
    const char *currency = NULL;
    int64_t account_id = 0;
    int quantity = 0;
    int found = 0;
    char amount[32];
    char since[16];
    finding f;
    int rc;

    rc = open_priced_finding(&f, &account_id, &currency, &quantity,
                             BILLING_RECON_ACTIVE_NOT_BILLED, "unbilled_from",
                             row, err);
    if (rc < 0)
        return rc;
    f.f.has_to = 1;
    f.f.to = tl_date_add_days(ctx->as_of, 1);
    rc = priced(&f.f.expected, &found, ctx->db, account_id, currency, f.code,
                quantity, ctx->as_of, err);
    if (rc < 0) {
        free_finding(&f);
        return rc;
    }
    f.f.has_expected = 1;
    f.f.amount = f.f.expected;
    fmt_money(amount, sizeof(amount), &f.f.amount);
    fmt_date(since, sizeof(since), f.f.from);
    {
        char message[256];

        snprintf(message, sizeof(message),
                 "in service but not billed since %s: %s %s a month at "
                 "risk%s",
                 since, currency, amount,
                 found ? "" : " (the code has no price for the account)");
        return push_finding(ctx, &f, message, err);
    }
}

static int find_not_billed(recon_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    tl_params_text(&p, ctx->account_number);
    return tl_db_select(
        ctx->db, "billing_recon_not_billed",
        "SELECT" SERVICE_COLS ", sc.code, sc.quantity,"
        " greatest(s.billing_start_date, sc.effective_from,"
        "  (SELECT max(l.period_end) FROM billing.invoice_line l"
        "   " BILLING_FINAL_INVOICE_JOIN "   WHERE l.account_id = s.account_id"
        "   AND l.service_id = s.service_id AND l.code = sc.code"
        "   AND l.charge_kind = 'MRC' AND l.amount_minor > 0"
        "   AND l.period_end <= $1::date AND i.issue_date <= $1::date))"
        "  AS unbilled_from"
        " FROM provisioning.service s"
        " JOIN accounts.billing_account a USING (account_id)" CODES_ON_1
        " JOIN catalog.service_code c ON c.code = sc.code"
        " WHERE c.charge_kind = 'MRC'" ACCOUNT_FILTER
        " AND s.billing_start_date <= $1::date"
        " AND (s.disconnect_date IS NULL OR s.disconnect_date > $1::date)"
        " AND (sc.effective_from IS NULL OR sc.effective_from <= $1::date)"
        " AND coalesce((SELECT sum(l.amount_minor)"
        "   FROM billing.invoice_line l"
        "   " BILLING_FINAL_INVOICE_JOIN "   WHERE l.account_id = s.account_id"
        "   AND l.service_id = s.service_id AND l.code = sc.code"
        "   AND l.charge_kind IN ('MRC', 'CREDIT') AND i.issue_date <= $1::date"
        "   AND l.period_start <= $1::date AND l.period_end > $1::date),"
        "  0) <= 0",
        &p, not_billed_row, ctx, err);
}

/* ---- billed_not_active ---- */

static int flush_pending(recon_ctx *ctx, tl_err *err)
{
    char amount[32];
    char from[16];
    char message[256];

    if (!ctx->open)
        return 0;
    ctx->open = 0;
    if (ctx->pending.f.amount.minor <= 0) {
        free_finding(&ctx->pending);
        return 0;
    }
    ctx->pending.f.billed = ctx->pending.f.amount;
    ctx->pending.f.has_billed = 1;
    fmt_money(amount, sizeof(amount), &ctx->pending.f.amount);
    fmt_date(from, sizeof(from), ctx->pending.f.from);
    snprintf(message, sizeof(message),
             ctx->pending_never_accepted
                 ? "billed although never accepted, from %s: %s %s to credit"
                 : "billed after its disconnect, from %s: %s %s to credit",
             from, ctx->pending.f.amount.cur, amount);
    return push_finding(ctx, &ctx->pending, message, err);
}

static int billed_row(const tl_row *row, void *cls, tl_err *err)
{
    recon_ctx *ctx = cls;
    const char *circuit = NULL;
    const char *code = NULL;
    tl_period line;
    tl_period outside;
    tl_money amount;
    tl_money part;
    tl_date disconnect = 0;
    int no_disconnect = 0;
    int never_accepted = 0;
    int rc;

    if (tl_row_text(row, "circuit_id", &circuit, err) < 0 ||
        tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_bool(row, "never_accepted", &never_accepted, err) < 0 ||
        tl_row_date_opt(row, "disconnect_date", &disconnect, &no_disconnect,
                        err) < 0 ||
        tl_row_date(row, "period_start", &line.start, err) < 0 ||
        tl_row_date(row, "period_end", &line.end, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &amount, err) < 0)
        return TL_ERROR;
    if (ctx->open && (strcmp(ctx->pending.circuit_id, circuit) != 0 ||
                      strcmp(ctx->pending.code, code) != 0)) {
        rc = flush_pending(ctx, err);
        if (rc < 0)
            return rc;
    }
    outside = line;
    if (!never_accepted && !no_disconnect && disconnect > line.start)
        outside.start = disconnect;
    if (outside.start >= outside.end)
        return 0;
    if (tl_money_scale(&part, &amount, tl_period_days(&outside),
                       tl_period_days(&line)) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "the amount billed on %s does not fit", circuit);
    if (!ctx->open) {
        rc = init_finding(&ctx->pending, BILLING_RECON_BILLED_NOT_ACTIVE, row,
                          1, err);
        if (rc < 0)
            return rc;
        ctx->open = 1;
        ctx->pending_never_accepted = never_accepted;
        ctx->pending.f.from = outside.start;
        ctx->pending.f.has_to = 1;
        tl_money_make(&ctx->pending.f.amount, 0, amount.cur);
    }
    if (outside.start < ctx->pending.f.from)
        ctx->pending.f.from = outside.start;
    if (outside.end > ctx->pending.f.to)
        ctx->pending.f.to = outside.end;
    if (tl_money_add(&ctx->pending.f.amount, &ctx->pending.f.amount, &part) !=
        0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "the amount billed on %s does not fit", circuit);
    return 0;
}

static int find_billed_not_active(recon_ctx *ctx, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    tl_params_text(&p, ctx->account_number);
    rc = tl_db_select(
        ctx->db, "billing_recon_billed_not_active",
        "SELECT" SERVICE_COLS ", l.code, l.period_start, l.period_end,"
        " l.amount_minor, s.disconnect_date,"
        " s.acceptance_date IS NULL AS never_accepted"
        " FROM billing.invoice_line l"
        " " BILLING_FINAL_INVOICE_JOIN
        " JOIN provisioning.service s ON s.account_id = l.account_id"
        "  AND s.service_id = l.service_id"
        " JOIN accounts.billing_account a ON a.account_id = l.account_id"
        " WHERE l.charge_kind IN ('MRC', 'CREDIT') AND i.issue_date <= "
        "$1::date" ACCOUNT_FILTER " AND (s.acceptance_date IS NULL"
        "  OR l.period_end > s.disconnect_date)"
        " ORDER BY a.account_number, s.circuit_id, l.code, l.period_start",
        &p, billed_row, ctx, err);
    if (rc < 0)
        return rc;
    return flush_pending(ctx, err);
}

/* ---- rate_mismatch ---- */

static int rate_row(const tl_row *row, void *cls, tl_err *err)
{
    recon_ctx *ctx = cls;
    const char *currency = NULL;
    const char *source = NULL;
    int64_t account_id = 0;
    int quantity = 0;
    int found = 0;
    tl_money unit;
    char billed[32];
    char expected[32];
    char diff[32];
    char message[320];
    finding f;
    int rc;

    if (tl_row_int64(row, "account_id", &account_id, err) < 0 ||
        tl_row_text(row, "currency", &currency, err) < 0 ||
        tl_row_text(row, "price_source", &source, err) < 0 ||
        tl_row_int(row, "quantity", &quantity, err) < 0 ||
        tl_row_money(row, "unit_minor", "currency", &unit, err) < 0)
        return TL_ERROR;
    rc = init_finding(&f, BILLING_RECON_RATE_MISMATCH, row, 1, err);
    if (rc < 0)
        return rc;
    if (tl_row_date(row, "period_start", &f.f.from, err) < 0 ||
        tl_row_date(row, "period_end", &f.f.to, err) < 0) {
        free_finding(&f);
        return TL_ERROR;
    }
    f.f.has_to = 1;
    rc = priced(&f.f.expected, &found, ctx->db, account_id, currency, f.code,
                quantity, f.f.from, err);
    if (rc == 0 && tl_money_mul(&f.f.billed, &unit, quantity) != 0)
        rc = tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                        "the charge of %s does not fit", f.circuit_id);
    if (rc == 0 && found &&
        tl_money_sub(&f.f.amount, &f.f.billed, &f.f.expected) != 0)
        rc = tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                        "the difference on %s does not fit", f.circuit_id);
    if (rc < 0 || !found || f.f.amount.minor == 0) {
        free_finding(&f);
        return rc;
    }
    f.f.has_billed = 1;
    f.f.has_expected = 1;
    fmt_money(billed, sizeof(billed), &f.f.billed);
    fmt_money(expected, sizeof(expected), &f.f.expected);
    fmt_money(diff, sizeof(diff), &f.f.amount);
    snprintf(message, sizeof(message),
             "billed %s %s a month (%s price), the effective price is %s: "
             "%s a month %s",
             currency, billed, source, expected, diff,
             f.f.amount.minor > 0 ? "overbilled" : "underbilled");
    return push_finding(ctx, &f, message, err);
}

static int find_rate_mismatch(recon_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    tl_params_text(&p, ctx->account_number);
    /* Excluded set-based: a line at the list price in force for a code
     * the account has no contracted rate for under any agreement. */
    return tl_db_select(
        ctx->db, "billing_recon_rate_mismatch",
        "SELECT" SERVICE_COLS ", l.code, l.period_start, l.period_end,"
        " l.quantity, l.unit_minor, l.price_source"
        " FROM billing.invoice_line l"
        " " BILLING_FINAL_INVOICE_JOIN
        " JOIN provisioning.service s ON s.account_id = l.account_id"
        "  AND s.service_id = l.service_id"
        " JOIN accounts.billing_account a ON a.account_id = l.account_id"
        " WHERE l.charge_kind = 'MRC' AND l.amount_minor > 0"
        " AND i.issue_date <= $1::date" ACCOUNT_FILTER
        " AND l.period_start <= $1::date AND l.period_end > $1::date"
        " AND s.acceptance_date IS NOT NULL"
        " AND s.billing_start_date <= $1::date"
        " AND (s.disconnect_date IS NULL OR s.disconnect_date > $1::date)"
        " AND NOT (l.price_source = 'list'"
        "  AND NOT EXISTS (SELECT 1 FROM contracts.rate r"
        "   WHERE r.account_id = l.account_id AND r.code = l.code)"
        "  AND l.unit_minor IS NOT DISTINCT FROM (SELECT lp.amount_minor"
        "   FROM catalog.list_price lp WHERE lp.code = l.code"
        "   AND lp.currency = a.currency"
        "   AND lp.effective_from <= l.period_start"
        "   ORDER BY lp.effective_from DESC LIMIT 1))",
        &p, rate_row, ctx, err);
}

/* ---- billing_start_mismatch ---- */

/* The monthly price of a service's MRC codes on day `on`, prorated over
 * span by the account's bill periods. */
static int span_amount(tl_money *out, recon_ctx *ctx, int64_t account_id,
                       int64_t service_id, const char *currency, int cycle_day,
                       const tl_period *span, tl_date on, tl_err *err);

static int start_row(const tl_row *row, void *cls, tl_err *err)
{
    recon_ctx *ctx = cls;
    const char *currency = NULL;
    int64_t account_id = 0;
    int64_t service_id = 0;
    int cycle_day = 0;
    tl_date acceptance = 0;
    tl_date start = 0;
    tl_period span;
    char amount[32];
    char acc_text[16];
    char start_text[16];
    char message[320];
    finding f;
    int32_t days;
    int rc;

    if (tl_row_int64(row, "account_id", &account_id, err) < 0 ||
        tl_row_int64(row, "service_id", &service_id, err) < 0 ||
        tl_row_text(row, "currency", &currency, err) < 0 ||
        tl_row_int(row, "bill_cycle_day", &cycle_day, err) < 0 ||
        tl_row_date(row, "acceptance_date", &acceptance, err) < 0 ||
        tl_row_date(row, "billing_start_date", &start, err) < 0)
        return TL_ERROR;
    rc = init_finding(&f, BILLING_RECON_BILLING_START_MISMATCH, row, 0, err);
    if (rc < 0)
        return rc;
    span.start = acceptance < start ? acceptance : start;
    span.end = acceptance < start ? start : acceptance;
    f.f.from = span.start;
    f.f.has_to = 1;
    f.f.to = span.end;
    rc = span_amount(&f.f.amount, ctx, account_id, service_id, currency,
                     cycle_day, &span, acceptance, err);
    if (rc < 0) {
        free_finding(&f);
        return rc;
    }
    days = tl_days_between(acceptance, start);
    fmt_money(amount, sizeof(amount), &f.f.amount);
    fmt_date(acc_text, sizeof(acc_text), acceptance);
    fmt_date(start_text, sizeof(start_text), start);
    snprintf(message, sizeof(message),
             "billing starts %s, %d day%s %s acceptance on %s: %s %s %s",
             start_text, days < 0 ? -days : days,
             (days == 1 || days == -1) ? "" : "s",
             days > 0 ? "after" : "before", acc_text, currency, amount,
             days > 0 ? "not billed" : "billed before acceptance");
    return push_finding(ctx, &f, message, err);
}

typedef struct code_sum {
    recon_ctx *ctx;
    int64_t account_id;
    const char *currency;
    tl_date on;
    tl_money total;
} code_sum;

static int code_price_row(const tl_row *row, void *cls, tl_err *err)
{
    code_sum *s = cls;
    const char *code = NULL;
    int quantity = 0;
    int found = 0;
    tl_money m;
    int rc;

    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_int(row, "quantity", &quantity, err) < 0)
        return TL_ERROR;
    rc = priced(&m, &found, s->ctx->db, s->account_id, s->currency, code,
                quantity, s->on, err);
    if (rc < 0)
        return rc;
    if (tl_money_add(&s->total, &s->total, &m) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "the monthly charges do not add up");
    return 0;
}

static int span_amount(tl_money *out, recon_ctx *ctx, int64_t account_id,
                       int64_t service_id, const char *currency, int cycle_day,
                       const tl_period *span, tl_date on, tl_err *err)
{
    code_sum s;
    tl_period q;
    tl_period part;
    tl_money piece;
    tl_params p;
    tl_date from;
    int rc;

    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.account_id = account_id;
    s.currency = currency;
    s.on = on;
    tl_money_make(&s.total, 0, currency);
    tl_money_make(out, 0, currency);
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, service_id);
    rc = tl_db_select(ctx->db, "billing_recon_service_mrc_codes",
                      "SELECT sc.code, sc.quantity"
                      " FROM provisioning.service_code sc"
                      " JOIN catalog.service_code c ON c.code = sc.code"
                      " WHERE sc.account_id = $1::bigint"
                      " AND sc.service_id = $2::bigint"
                      " AND c.charge_kind = 'MRC'"
                      " AND sc.effective_from IS NULL ORDER BY sc.code",
                      &p, code_price_row, &s, err);
    if (rc < 0)
        return rc;
    for (from = span->start; from < span->end; from = part.end) {
        if (tl_bill_period_containing(&q, cycle_day, from) != 0)
            return tl_err_set(err, TL_ERROR, "internal", "period",
                              "no bill period for cycle day %d", cycle_day);
        part.start = from;
        part.end = q.end < span->end ? q.end : span->end;
        if (billing_prorate(&piece, &s.total, &part, &q) != 0 ||
            tl_money_add(out, out, &piece) != 0)
            return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                              "the prorated charge does not fit");
    }
    return 0;
}

static int find_start_mismatch(recon_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    tl_params_text(&p, ctx->account_number);
    return tl_db_select(
        ctx->db, "billing_recon_start_mismatch",
        "SELECT" SERVICE_COLS ", s.service_id, s.acceptance_date,"
        " s.billing_start_date"
        " FROM provisioning.service s"
        " JOIN accounts.billing_account a USING (account_id)"
        " WHERE s.acceptance_date IS NOT NULL"
        " AND s.billing_start_date IS NOT NULL"
        " AND s.billing_start_date <> s.acceptance_date" ACCOUNT_FILTER
        " AND least(s.billing_start_date, s.acceptance_date) <= $1::date",
        &p, start_row, ctx, err);
}

/* ---- install_never_charged ---- */

static int install_row(const tl_row *row, void *cls, tl_err *err)
{
    recon_ctx *ctx = cls;
    const char *currency = NULL;
    int64_t account_id = 0;
    int quantity = 0;
    int found = 0;
    char amount[32];
    char message[256];
    finding f;
    int rc;

    rc = open_priced_finding(&f, &account_id, &currency, &quantity,
                             BILLING_RECON_INSTALL_NEVER_CHARGED,
                             "billing_start_date", row, err);
    if (rc < 0)
        return rc;
    rc = priced(&f.f.expected, &found, ctx->db, account_id, currency, f.code,
                quantity, f.f.from, err);
    if (rc < 0) {
        free_finding(&f);
        return rc;
    }
    f.f.has_expected = 1;
    f.f.amount = f.f.expected;
    fmt_money(amount, sizeof(amount), &f.f.amount);
    snprintf(message, sizeof(message),
             "one-time charge never invoiced although the service was: %s %s "
             "not billed%s",
             currency, amount,
             found ? "" : " (the code has no price for the account)");
    return push_finding(ctx, &f, message, err);
}

static int find_install_never_charged(recon_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    tl_params_text(&p, ctx->account_number);
    return tl_db_select(
        ctx->db, "billing_recon_install_never_charged",
        "SELECT" SERVICE_COLS ", sc.code, sc.quantity, s.billing_start_date"
        " FROM provisioning.service s"
        " JOIN accounts.billing_account a USING (account_id)" CODES_ON_1
        " JOIN catalog.service_code c ON c.code = sc.code"
        " WHERE c.charge_kind = 'NRC'" ACCOUNT_FILTER
        " AND s.billing_start_date <= $1::date"
        " AND (s.disconnect_date IS NULL OR s.disconnect_date > $1::date)"
        " AND EXISTS (SELECT 1 FROM billing.invoice_line l"
        "  " BILLING_FINAL_INVOICE_JOIN "  WHERE l.account_id = s.account_id"
        "  AND l.service_id = s.service_id AND i.issue_date <= $1::date)"
        " AND NOT EXISTS (SELECT 1 FROM billing.invoice_line l"
        "  WHERE l.account_id = s.account_id"
        "  AND l.service_id = s.service_id AND l.code = sc.code"
        "  AND l.charge_kind = 'NRC')",
        &p, install_row, ctx, err);
}

/* ---- the report ---- */

static int account_exists(recon_ctx *ctx, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, ctx->account_number);
    rc = tl_db_exec(ctx->db, "billing_recon_account",
                    "SELECT 1 FROM accounts.billing_account"
                    " WHERE account_number = $1",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_account", "account",
                          "account %s does not exist", ctx->account_number);
    return 0;
}

static int recon_tx(tl_db *db, void *cls, tl_err *err)
{
    recon_ctx *ctx = cls;
    int rc;

    (void)db;
    free_findings(ctx);
    if (ctx->account_number != NULL) {
        rc = account_exists(ctx, err);
        if (rc < 0)
            return rc;
    }
    rc = find_not_billed(ctx, err);
    if (rc >= 0)
        rc = find_billed_not_active(ctx, err);
    if (rc >= 0)
        rc = find_rate_mismatch(ctx, err);
    if (rc >= 0)
        rc = find_start_mismatch(ctx, err);
    if (rc >= 0)
        rc = find_install_never_charged(ctx, err);
    return rc < 0 ? rc : 0;
}

static int cmp_findings(const void *a, const void *b)
{
    const finding *x = a;
    const finding *y = b;
    int c;

    c = strcmp(x->account_number, y->account_number);
    if (c == 0)
        c = strcmp(x->circuit_id, y->circuit_id);
    if (c == 0)
        c = (int)x->f.kind - (int)y->f.kind;
    if (c == 0)
        c = strcmp(x->code, y->code);
    return c;
}

static int add_total(billing_recon_totals_t *t,
                     const billing_recon_finding_t *f, tl_err *err)
{
    billing_recon_amount_t *a = NULL;
    int i;

    t->count[f->kind]++;
    for (i = 0; i < t->n_amounts[f->kind]; i++)
        if (strcmp(t->amounts[f->kind][i].currency, f->amount.cur) == 0)
            a = &t->amounts[f->kind][i];
    if (a == NULL) {
        if (t->n_amounts[f->kind] == BILLING_RECON_MAX_CURRENCIES)
            return tl_err_set(err, TL_ERROR, "too_many_currencies", "",
                              "findings in more than %d currencies",
                              BILLING_RECON_MAX_CURRENCIES);
        a = &t->amounts[f->kind][t->n_amounts[f->kind]++];
        snprintf(a->currency, sizeof(a->currency), "%s", f->amount.cur);
        tl_money_make(&a->amount, 0, f->amount.cur);
    }
    a->count++;
    if (tl_money_add(&a->amount, &a->amount, &f->amount) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "total",
                          "the %s total does not fit",
                          billing_recon_kind_name(f->kind));
    return 0;
}

int billing_reconcile(billing_recon_totals_t *totals, tl_db *db, tl_date as_of,
                      const char *account_number, billing_recon_fn fn,
                      void *cls, tl_err *err)
{
    recon_ctx ctx;
    size_t i;
    int rc;

    memset(totals, 0, sizeof(*totals));
    memset(&ctx, 0, sizeof(ctx));
    ctx.db = db;
    ctx.as_of = as_of;
    ctx.account_number = account_number;
    rc = tl_db_run_tx(db, "billing_reconcile", recon_tx, &ctx, err);
    if (rc < 0)
        goto cleanup;
    if (ctx.n > 1)
        qsort(ctx.list, ctx.n, sizeof(*ctx.list), cmp_findings);
    for (i = 0; i < ctx.n; i++) {
        finding *f = &ctx.list[i];

        f->f.account_number = f->account_number;
        f->f.circuit_id = f->circuit_id;
        f->f.product_id = f->product_id;
        f->f.code = f->code;
        f->f.message = f->message;
        rc = add_total(totals, &f->f, err);
        if (rc < 0)
            goto cleanup;
    }
    for (i = 0; fn != NULL && i < ctx.n; i++) {
        rc = fn(&ctx.list[i].f, cls, err);
        if (rc < 0)
            goto cleanup;
    }
    rc = (int)ctx.n;
cleanup:
    if (rc < 0)
        memset(totals, 0, sizeof(*totals));
    free_findings(&ctx);
    return rc;
}
