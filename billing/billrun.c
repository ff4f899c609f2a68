/*
 * Bill runs (rules in billing.h).
 *
 * The whole run is one transaction: the run row, every invoice and line,
 * and the audit event commit together or not at all, so a run killed
 * halfway leaves nothing behind and can simply be started again. The run
 * row is unique per cycle day and period; a second run finds it and stops.
 *
 * Charges are gathered per service code from one query that also tells,
 * for each code, whether its NRC was billed and up to which day its MRC
 * was billed; lines are then grouped into one invoice per account.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "common/audit.h"
#include "contracts/contracts.h"

/* One charge line before it is written. */
typedef struct pending_line {
    int64_t service_id;
    char code[40];
    char charge_kind[4];
    char description[200];
    int has_period;
    tl_period period;
    int quantity;
    tl_money unit;
    tl_money amount;
    contracts_price_source source;
} pending_line;

typedef struct run_ctx {
    int cycle_day;
    tl_period period; /* the run's period P */
    tl_period next;   /* P + 1, billed in advance */
    tl_date issue_date;
    const char *actor;
    tl_db *db; /* for the row callback, which gets only ctx */
    billing_run_result *result;
    /* lines of the account being gathered */
    int64_t account_id;
    int payment_terms_days;
    char currency[4];
    pending_line *lines;
    size_t n_lines;
    size_t cap_lines;
    int64_t total_minor; /* over all invoices, for the audit event */
    int line_count;
} run_ctx;

static int push_line(run_ctx *ctx, const pending_line *line, tl_err *err)
{
    pending_line *grown;
    size_t cap;

    if (ctx->n_lines == ctx->cap_lines) {
        cap = ctx->cap_lines ? ctx->cap_lines * 2 : 16;
        grown = realloc(ctx->lines, cap * sizeof(*grown));
        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        ctx->lines = grown;
        ctx->cap_lines = cap;
    }
    ctx->lines[ctx->n_lines++] = *line;
    return 0;
}

/* ---- writing one invoice ---- */

static int next_invoice_number(char *number, size_t size, int64_t *seq,
                               tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    const char *prefix = NULL;
    tl_row row;
    int rc;

    rc = tl_db_query_one(db, &res, "billing_next_invoice_number",
                         "UPDATE billing.invoice_series"
                         " SET next_number = next_number + 1"
                         " WHERE series = 'standard'"
                         " RETURNING prefix, next_number - 1 AS number",
                         NULL, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ERROR, "internal", "series",
                          "invoice series 'standard' is missing");
    row.res = res;
    row.row = 0;
    rc = tl_row_text(&row, "prefix", &prefix, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "number", seq, err);
    if (rc == 0)
        snprintf(number, size, "%s%08lld", prefix, (long long)*seq);
    PQclear(res);
    return rc;
}

static int insert_line(run_ctx *ctx, tl_db *db, int64_t invoice_id, int line_no,
                       const pending_line *l, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->account_id);
    tl_params_int64(&p, invoice_id);
    tl_params_int64(&p, line_no);
    tl_params_int64(&p, l->service_id);
    tl_params_text(&p, l->code);
    tl_params_text(&p, l->charge_kind);
    tl_params_text(&p, l->description);
    if (l->has_period) {
        tl_params_date(&p, l->period.start);
        tl_params_date(&p, l->period.end);
    } else {
        tl_params_null(&p);
        tl_params_null(&p);
    }
    tl_params_int64(&p, l->quantity);
    tl_params_int64(&p, l->unit.minor);
    tl_params_int64(&p, l->amount.minor);
    tl_params_text(&p, contracts_price_source_name(l->source));
    return tl_db_exec(db, "billing_line_insert",
                      "INSERT INTO billing.invoice_line (account_id,"
                      " invoice_id, line_no, service_id, code, charge_kind,"
                      " description, period_start, period_end, quantity,"
                      " unit_minor, amount_minor, price_source)"
                      " VALUES ($1::bigint, $2::bigint, $3::int, $4::bigint,"
                      " $5, $6, $7, $8::date, $9::date, $10::int,"
                      " $11::bigint, $12::bigint, $13)",
                      &p, err);
}

/* The account-wide purchase order in force on the issue date, which the
 * invoice quotes, or "" when the account has none then. */
static int quoted_po(char *po_number, size_t size, const run_ctx *ctx,
                     tl_db *db, tl_err *err)
{
    accounts_po_t po;
    int rc;

    po_number[0] = '\0';
    rc = accounts_po_in_force(&po, db, ctx->account_id, NULL, ctx->issue_date,
                              err);
    if (rc == TL_ENOTFOUND) {
        tl_err_clear(err);
        return 0;
    }
    if (rc < 0)
        return rc;
    snprintf(po_number, size, "%s", po.po_number);
    return 0;
}

static int flush_invoice(run_ctx *ctx, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    char po_number[64];
    char number[40];
    int64_t seq = 0;
    int64_t invoice_id = 0;
    tl_money subtotal;
    tl_params p;
    tl_row row;
    size_t i;
    int rc;

    if (ctx->n_lines == 0)
        return 0;
    rc = tl_money_make(&subtotal, 0, ctx->currency);
    for (i = 0; rc == 0 && i < ctx->n_lines; i++)
        rc = tl_money_add(&subtotal, &subtotal, &ctx->lines[i].amount);
    if (rc != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "total",
                          "invoice total of account %lld does not fit",
                          (long long)ctx->account_id);
    rc = quoted_po(po_number, sizeof(po_number), ctx, db, err);
    if (rc < 0)
        return rc;
    rc = next_invoice_number(number, sizeof(number), &seq, db, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->account_id);
    tl_params_text(&p, number);
    tl_params_int64(&p, seq);
    tl_params_int64(&p, ctx->result->run_id);
    tl_params_date(&p, ctx->period.start);
    tl_params_date(&p, ctx->period.end);
    tl_params_date(&p, ctx->issue_date);
    tl_params_date(&p,
                   tl_date_add_days(ctx->issue_date, ctx->payment_terms_days));
    tl_params_text(&p, ctx->currency);
    tl_params_int64(&p, subtotal.minor);
    tl_params_text(&p, po_number[0] != '\0' ? po_number : NULL);
    rc = tl_db_query_one(db, &res, "billing_invoice_insert",
                         "INSERT INTO billing.invoice (account_id,"
                         " invoice_number, series, sequence_no, run_id,"
                         " period_start, period_end, issue_date, due_date,"
                         " currency, subtotal_minor, tax_minor, total_minor,"
                         " po_number)"
                         " VALUES ($1::bigint, $2, 'standard', $3::bigint,"
                         " $4::bigint, $5::date, $6::date, $7::date,"
                         " $8::date, $9, $10::bigint, 0, $10::bigint, $11)"
                         " RETURNING invoice_id",
                         &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "invoice_id", &invoice_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    for (i = 0; i < ctx->n_lines; i++) {
        rc = insert_line(ctx, db, invoice_id, (int)i + 1, &ctx->lines[i], err);
        if (rc < 0)
            return rc;
    }
    ctx->result->invoice_count++;
    ctx->line_count += (int)ctx->n_lines;
    ctx->total_minor += subtotal.minor;
    ctx->n_lines = 0;
    return 0;
}

/* ---- gathering charges ---- */

typedef struct charge_row {
    int64_t account_id;
    int64_t service_id;
    const char *circuit_id;
    const char *code;
    const char *code_name;
    const char *charge_kind;
    const char *currency;
    int quantity;
    int payment_terms_days;
    tl_date billing_start;
    int has_disconnect;
    tl_date disconnect;
    int nrc_billed;
    int has_billed_through;
    tl_date billed_through;
} charge_row;

static int price_line(pending_line *l, tl_db *db, int64_t account_id,
                      tl_date on, tl_err *err)
{
    contracts_price_t price;
    int rc;

    rc = contracts_price_on(&price, db, account_id, l->code, on, err);
    if (rc < 0)
        return rc;
    l->unit = price.amount;
    l->source = price.source;
    return 0;
}

static int add_nrc(run_ctx *ctx, tl_db *db, const charge_row *c, tl_err *err)
{
    pending_line l;
    int rc;

    memset(&l, 0, sizeof(l));
    l.service_id = c->service_id;
    snprintf(l.code, sizeof(l.code), "%s", c->code);
    snprintf(l.charge_kind, sizeof(l.charge_kind), "NRC");
    snprintf(l.description, sizeof(l.description), "%s, %s", c->code_name,
             c->circuit_id);
    l.quantity = c->quantity;
    rc = price_line(&l, db, c->account_id, c->billing_start, err);
    if (rc < 0)
        return rc;
    if (tl_money_mul(&l.amount, &l.unit, l.quantity) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "charge for %s overflows", c->circuit_id);
    return push_line(ctx, &l, err);
}

static int add_mrc_part(run_ctx *ctx, tl_db *db, const charge_row *c,
                        const tl_period *q, const tl_period *part, tl_err *err)
{
    pending_line l;
    tl_money full;
    char from[16];
    char to[16];
    int rc;

    memset(&l, 0, sizeof(l));
    l.service_id = c->service_id;
    snprintf(l.code, sizeof(l.code), "%s", c->code);
    snprintf(l.charge_kind, sizeof(l.charge_kind), "MRC");
    l.has_period = 1;
    l.period = *part;
    l.quantity = c->quantity;
    tl_date_format(from, sizeof(from), part->start);
    tl_date_format(to, sizeof(to), tl_date_add_days(part->end, -1));
    snprintf(l.description, sizeof(l.description), "%s, %s, %s to %s",
             c->code_name, c->circuit_id, from, to);
    rc = price_line(&l, db, c->account_id, part->start, err);
    if (rc < 0)
        return rc;
    if (tl_money_mul(&full, &l.unit, l.quantity) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "charge for %s overflows", c->circuit_id);
    rc = billing_prorate(&l.amount, &full, part, q);
    if (rc != 0)
        return tl_err_set(err, TL_ERROR, "internal", "period",
                          "proration failed for %s", c->circuit_id);
    return push_line(ctx, &l, err);
}

/* Every unbilled part of the periods from the one holding the first
 * unbilled day through the run's next period. */
static int add_mrc(run_ctx *ctx, tl_db *db, const charge_row *c, tl_err *err)
{
    tl_date from = c->billing_start;
    tl_date until = ctx->next.end;
    tl_period q;
    tl_period part;
    int rc;

    if (c->has_billed_through && c->billed_through > from)
        from = c->billed_through;
    if (c->has_disconnect && c->disconnect < until)
        until = c->disconnect;
    while (from < until) {
        rc = tl_bill_period_containing(&q, ctx->cycle_day, from);
        if (rc != 0)
            return tl_err_set(err, TL_ERROR, "internal", "period",
                              "no bill period for cycle day %d",
                              ctx->cycle_day);
        part.start = from;
        part.end = q.end < until ? q.end : until;
        rc = add_mrc_part(ctx, db, c, &q, &part, err);
        if (rc < 0)
            return rc;
        from = part.end;
    }
    return 0;
}

static int read_charge(const tl_row *row, charge_row *c, tl_err *err)
{
    int isnull = 0;

    memset(c, 0, sizeof(*c));
    if (tl_row_int64(row, "account_id", &c->account_id, err) < 0 ||
        tl_row_int64(row, "service_id", &c->service_id, err) < 0 ||
        tl_row_text(row, "circuit_id", &c->circuit_id, err) < 0 ||
        tl_row_text(row, "code", &c->code, err) < 0 ||
        tl_row_text(row, "code_name", &c->code_name, err) < 0 ||
        tl_row_text(row, "charge_kind", &c->charge_kind, err) < 0 ||
        tl_row_text(row, "currency", &c->currency, err) < 0 ||
        tl_row_int(row, "quantity", &c->quantity, err) < 0 ||
        tl_row_int(row, "payment_terms_days", &c->payment_terms_days, err) <
            0 ||
        tl_row_date(row, "billing_start_date", &c->billing_start, err) < 0 ||
        tl_row_date_opt(row, "disconnect_date", &c->disconnect, &isnull, err) <
            0)
        return TL_ERROR;
    c->has_disconnect = !isnull;
    if (tl_row_bool(row, "nrc_billed", &c->nrc_billed, err) < 0 ||
        tl_row_date_opt(row, "billed_through", &c->billed_through, &isnull,
                        err) < 0)
        return TL_ERROR;
    c->has_billed_through = !isnull;
    return 0;
}

static int charge_cb(const tl_row *row, void *cls, tl_err *err)
{
    run_ctx *ctx = cls;
    tl_db *db = ctx->db;
    charge_row c;
    int rc;

    rc = read_charge(row, &c, err);
    if (rc < 0)
        return rc;
    if (c.account_id != ctx->account_id) {
        rc = flush_invoice(ctx, db, err);
        if (rc < 0)
            return rc;
        ctx->account_id = c.account_id;
        ctx->payment_terms_days = c.payment_terms_days;
        snprintf(ctx->currency, sizeof(ctx->currency), "%s", c.currency);
    }
    if (strcmp(c.charge_kind, "NRC") == 0)
        return c.nrc_billed ? 0 : add_nrc(ctx, db, &c, err);
    return add_mrc(ctx, db, &c, err);
}

static int gather_and_write(run_ctx *ctx, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    ctx->db = db;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->cycle_day);
    tl_params_date(&p, ctx->next.end);
    rc = tl_db_select(
        db, "billing_charges",
        "SELECT s.account_id, s.service_id, s.circuit_id, sc.code,"
        " c.name AS code_name, c.charge_kind, a.currency, sc.quantity,"
        " a.payment_terms_days, s.billing_start_date, s.disconnect_date,"
        " EXISTS (SELECT 1 FROM billing.invoice_line l"
        "   WHERE l.account_id = s.account_id"
        "   AND l.service_id = s.service_id AND l.code = sc.code"
        "   AND l.charge_kind = 'NRC') AS nrc_billed,"
        " (SELECT max(l.period_end) FROM billing.invoice_line l"
        "   WHERE l.account_id = s.account_id"
        "   AND l.service_id = s.service_id AND l.code = sc.code"
        "   AND l.charge_kind = 'MRC') AS billed_through"
        " FROM provisioning.service s"
        " JOIN provisioning.service_code sc USING (account_id, service_id)"
        " JOIN catalog.service_code c ON c.code = sc.code"
        " JOIN accounts.billing_account a ON a.account_id = s.account_id"
        " WHERE a.bill_cycle_day = $1::smallint AND a.status = 'active'"
        " AND s.billing_start_date IS NOT NULL"
        " AND s.billing_start_date < $2::date"
        " AND (s.disconnect_date IS NULL"
        "      OR s.disconnect_date > s.billing_start_date)"
        " ORDER BY s.account_id, s.service_id, c.charge_kind DESC, sc.code",
        &p, charge_cb, ctx, err);
    if (rc < 0)
        return rc;
    return flush_invoice(ctx, db, err);
}

/* ---- the run ---- */

/* One audit event for the whole run, with its counts and total. */
static int audit_run(run_ctx *ctx, tl_db *db, tl_err *err)
{
    char key[32];
    json_t *after;
    int rc;

    snprintf(key, sizeof(key), "%lld", (long long)ctx->result->run_id);
    after =
        json_pack("{s:i, s:i, s:i, s:I}", "cycleDay", ctx->cycle_day,
                  "invoices", ctx->result->invoice_count, "lines",
                  ctx->line_count, "totalMinor", (json_int_t)ctx->total_minor);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "bill.run", "bill_run", key, 0, NULL, after,
                  err);
    json_decref(after);
    return rc;
}

static int existing_run(run_ctx *ctx, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->cycle_day);
    tl_params_date(&p, ctx->period.start);
    rc = tl_db_query_one(db, &res, "billing_run_existing",
                         "SELECT run_id, invoice_count, issue_date"
                         " FROM billing.bill_run"
                         " WHERE cycle_day = $1::smallint"
                         " AND period_start = $2::date",
                         &p, err);
    if (rc <= 0)
        return rc < 0 ? rc
                      : tl_err_set(err, TL_ERROR, "internal", "run",
                                   "bill run vanished");
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "run_id", &ctx->result->run_id, err);
    if (rc == 0)
        rc =
            tl_row_int(&row, "invoice_count", &ctx->result->invoice_count, err);
    if (rc == 0)
        rc = tl_row_date(&row, "issue_date", &ctx->result->issue_date, err);
    PQclear(res);
    return rc;
}

static int run_tx(tl_db *db, void *cls, tl_err *err)
{
    run_ctx *ctx = cls;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    ctx->result->invoice_count = 0;
    ctx->result->created = 0;
    ctx->account_id = 0;
    ctx->n_lines = 0;
    ctx->total_minor = 0;
    ctx->line_count = 0;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->cycle_day);
    tl_params_date(&p, ctx->period.start);
    tl_params_date(&p, ctx->period.end);
    tl_params_date(&p, ctx->issue_date);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_query(db, &res, "billing_run_insert",
                     "INSERT INTO billing.bill_run (cycle_day, period_start,"
                     " period_end, issue_date, status, started_by)"
                     " VALUES ($1::smallint, $2::date, $3::date, $4::date,"
                     " 'completed', $5)"
                     " ON CONFLICT (cycle_day, period_start) DO NOTHING"
                     " RETURNING run_id",
                     &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        PQclear(res);
        return existing_run(ctx, db, err);
    }
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "run_id", &ctx->result->run_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    ctx->result->created = 1;
    rc = gather_and_write(ctx, db, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->result->run_id);
    tl_params_int64(&p, ctx->result->invoice_count);
    rc = tl_db_exec(db, "billing_run_count",
                    "UPDATE billing.bill_run SET invoice_count = $2::int"
                    " WHERE run_id = $1::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return audit_run(ctx, db, err);
}

int billing_run(billing_run_result *out, tl_db *db, int cycle_day, int year,
                int month, tl_date issue_date, const char *actor, tl_err *err)
{
    run_ctx ctx;
    int ny = month == 12 ? year + 1 : year;
    int nm = month == 12 ? 1 : month + 1;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ctx, 0, sizeof(ctx));
    if (tl_bill_period(&ctx.period, cycle_day, year, month) != 0 ||
        tl_bill_period(&ctx.next, cycle_day, ny, nm) != 0)
        return tl_err_add(err, "invalid_period", "period",
                          "cycle day %d and period %04d-%02d do not make a "
                          "bill period",
                          cycle_day, year, month);
    ctx.cycle_day = cycle_day;
    ctx.issue_date = issue_date;
    ctx.actor = actor;
    ctx.result = out;
    out->period = ctx.period;
    out->issue_date = issue_date;
    rc = tl_db_run_tx(db, "billing_run", run_tx, &ctx, err);
    free(ctx.lines);
    return rc;
}

int billing_run_find(int64_t *run_id, tl_db *db, int cycle_day,
                     tl_date period_start, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    *run_id = 0;
    tl_params_init(&p);
    tl_params_int64(&p, cycle_day);
    tl_params_date(&p, period_start);
    rc = tl_db_query_one(db, &res, "billing_run_find",
                         "SELECT run_id FROM billing.bill_run"
                         " WHERE cycle_day = $1::smallint"
                         " AND period_start = $2::date",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_run", "period",
                          "cycle %d has not been run for that period",
                          cycle_day);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "run_id", run_id, err);
    PQclear(res);
    return rc;
}
