/*
 * Statements of account, the monthly account-status summary (per account
 * and for the portfolio in a base currency) and resends recorded in the
 * contact log. Every figure is a sum over collections.ledger_entry, so
 * opening plus the period's movements is the closing balance by
 * construction, and the summary ties to the ledger.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/acct.h"
#include "collections/book_internal.h"
#include "collections/ledger_internal.h"

/* What payment p had left on the statement date ($3). */
#define PAYMENT_LEFT_AS_OF                                                     \
    COLLECTIONS_PAYMENT_LEFT_ON("p.account_id", "p.payment_id", "$3::date")

static int stmt_row(const tl_row *row, void *cls, tl_err *err)
{
    collections_statement *s = cls;

    if (tl_row_int64(row, "opening", &s->opening, err) < 0 ||
        tl_row_int64(row, "invoices", &s->invoices, err) < 0 ||
        tl_row_int64(row, "payments", &s->payments, err) < 0 ||
        tl_row_int64(row, "credits", &s->credits, err) < 0 ||
        tl_row_int64(row, "debits", &s->debits, err) < 0 ||
        tl_row_int64(row, "closing", &s->closing, err) < 0 ||
        tl_row_int64(row, "b0", &s->bucket[0], err) < 0 ||
        tl_row_int64(row, "b1", &s->bucket[1], err) < 0 ||
        tl_row_int64(row, "b2", &s->bucket[2], err) < 0 ||
        tl_row_int64(row, "b3", &s->bucket[3], err) < 0 ||
        tl_row_int64(row, "b4", &s->bucket[4], err) < 0 ||
        tl_row_int64(row, "b5", &s->bucket[5], err) < 0 ||
        tl_row_int64(row, "disputed", &s->disputed, err) < 0 ||
        tl_row_int64(row, "unapplied", &s->unapplied, err) < 0)
        return TL_ERROR;
    return 0;
}

int collections_statement_get(collections_statement *out, tl_db *db,
                              const char *account_number, tl_date from,
                              tl_date as_of, collections_entry_fn entry_fn,
                              void *cls, tl_err *err)
{
    accounts_account_t acct;
    tl_params p;
    int rc;

    memset(out, 0, sizeof(*out));
    if (from > as_of)
        return tl_err_add(err, "invalid", "from",
                          "the period starts after the as-of date");
    rc = accounts_get(&acct, db, account_number, err);
    if (rc < 0)
        return rc;
    snprintf(out->account_number, sizeof(out->account_number), "%s",
             acct.account_number);
    snprintf(out->account_name, sizeof(out->account_name), "%s", acct.name);
    snprintf(out->customer_name, sizeof(out->customer_name), "%s",
             acct.customer_name);
    snprintf(out->currency, sizeof(out->currency), "%s", acct.currency);
    out->from = from;
    out->as_of = as_of;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_date(&p, from);
    tl_params_date(&p, as_of);
    rc = tl_db_select(
        db, "collections_statement",
        "WITH e AS (SELECT kind, amount_minor, effective_date"
        "  FROM collections.ledger_entry WHERE account_id = $1::bigint"
        "  AND effective_date <= $3::date),"
        " o AS (SELECT open_minor - disputed_minor AS undisputed,"
        "  disputed_minor, $3::date - due_date AS dpd"
        "  FROM collections.receivable_open($3::date)"
        "  WHERE account_id = $1::bigint)"
        " SELECT"
        " coalesce((SELECT sum(amount_minor) FROM e"
        "  WHERE effective_date < $2::date), 0)::bigint AS opening,"
        " coalesce((SELECT sum(amount_minor) FROM e"
        "  WHERE effective_date >= $2::date AND kind = 'invoice'), 0)::bigint"
        "  AS invoices,"
        " coalesce((SELECT sum(amount_minor) FROM e"
        "  WHERE effective_date >= $2::date AND kind = 'payment'), 0)::bigint"
        "  AS payments,"
        " coalesce((SELECT sum(amount_minor) FROM e"
        "  WHERE effective_date >= $2::date"
        "  AND kind NOT IN ('invoice', 'payment') AND amount_minor < 0), 0)"
        "  ::bigint AS credits,"
        " coalesce((SELECT sum(amount_minor) FROM e"
        "  WHERE effective_date >= $2::date"
        "  AND kind NOT IN ('invoice', 'payment') AND amount_minor > 0), 0)"
        "  ::bigint AS debits,"
        " coalesce((SELECT sum(amount_minor) FROM e), 0)::bigint AS closing,"
        " coalesce((SELECT sum(undisputed) FROM o WHERE dpd <= 0), 0)::bigint"
        "  AS b0,"
        " coalesce((SELECT sum(undisputed) FROM o WHERE dpd BETWEEN 1 AND 30),"
        "  0)::bigint AS b1,"
        " coalesce((SELECT sum(undisputed) FROM o"
        "  WHERE dpd BETWEEN 31 AND 60), 0)::bigint AS b2,"
        " coalesce((SELECT sum(undisputed) FROM o"
        "  WHERE dpd BETWEEN 61 AND 90), 0)::bigint AS b3,"
        " coalesce((SELECT sum(undisputed) FROM o"
        "  WHERE dpd BETWEEN 91 AND 120), 0)::bigint AS b4,"
        " coalesce((SELECT sum(undisputed) FROM o WHERE dpd > 120), 0)::bigint"
        "  AS b5,"
        " coalesce((SELECT sum(disputed_minor) FROM o), 0)::bigint"
        "  AS disputed,"
        " coalesce((SELECT sum(" PAYMENT_LEFT_AS_OF ")"
        "  FROM collections.payment p WHERE p.account_id = $1::bigint"
        "  AND p.received_date <= $3::date), 0)::bigint AS unapplied",
        &p, stmt_row, out, err);
    if (rc < 0)
        return rc;
    if (entry_fn != NULL) {
        rc = collections_entries(db, account_number, from, as_of, entry_fn, cls,
                                 err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* closing / billed * days, in tenths, rounded half away from zero; -1
 * when nothing was billed. */
static int64_t dso_tenths(int64_t closing, int64_t billed, int days)
{
    __int128 num;
    __int128 q;

    if (billed <= 0)
        return -1;
    num = (__int128)closing * days * 10;
    q = (num < 0 ? num * 2 - billed : num * 2 + billed) /
        (2 * (__int128)billed);
    return (int64_t)q;
}

typedef struct sum_ctx {
    tl_db *db;
    const char *base;
    tl_date month_end;
    int days;
    collections_summary_fn fn;
    void *cls;
    collections_summary_row total;
    int rows;
} sum_ctx;

static int conv(int64_t *acc, int64_t minor, const char *cur, int64_t rate,
                const char *base, tl_err *err)
{
    int64_t v = 0;
    int rc = collections_fx_convert(&v, minor, rate, tl_currency_exponent(cur),
                                    tl_currency_exponent(base));

    if (rc < 0)
        return tl_err_set(err, rc, "overflow", "amount",
                          "a converted amount does not fit");
    *acc += v;
    return 0;
}

static int sum_row(const tl_row *row, void *cls, tl_err *err)
{
    sum_ctx *ctx = cls;
    collections_summary_row r;
    const char *cur = NULL;
    int64_t rate = 0;
    int rc;

    memset(&r, 0, sizeof(r));
    if (tl_row_text(row, "account_number", &r.account_number, err) < 0 ||
        tl_row_text(row, "name", &r.account_name, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "opening", &r.opening, err) < 0 ||
        tl_row_int64(row, "billed", &r.billed, err) < 0 ||
        tl_row_int64(row, "collected", &r.collected, err) < 0 ||
        tl_row_int64(row, "credits", &r.credits, err) < 0 ||
        tl_row_int64(row, "write_offs", &r.write_offs, err) < 0 ||
        tl_row_int64(row, "closing", &r.closing, err) < 0 ||
        tl_row_int64(row, "disputed", &r.disputed, err) < 0)
        return TL_ERROR;
    snprintf(r.currency, sizeof(r.currency), "%s", cur);
    r.dso_tenths = dso_tenths(r.closing, r.billed, ctx->days);
    ctx->rows++;
    /* Each account figure is converted once, at the rate in force on the
     * month's last day, and rounded half-even. */
    rc = collections_fx_rate_on(&rate, ctx->db, r.currency, ctx->base,
                                ctx->month_end, err);
    if (rc < 0)
        return rc;
    if (conv(&ctx->total.opening, r.opening, r.currency, rate, ctx->base, err) <
            0 ||
        conv(&ctx->total.billed, r.billed, r.currency, rate, ctx->base, err) <
            0 ||
        conv(&ctx->total.collected, r.collected, r.currency, rate, ctx->base,
             err) < 0 ||
        conv(&ctx->total.credits, r.credits, r.currency, rate, ctx->base, err) <
            0 ||
        conv(&ctx->total.write_offs, r.write_offs, r.currency, rate, ctx->base,
             err) < 0 ||
        conv(&ctx->total.closing, r.closing, r.currency, rate, ctx->base, err) <
            0 ||
        conv(&ctx->total.disputed, r.disputed, r.currency, rate, ctx->base,
             err) < 0)
        return TL_ERROR;
    return ctx->fn(&r, ctx->cls, err);
}

int collections_summary(tl_db *db, int year, int month, const char *base,
                        collections_summary_fn fn, void *cls, tl_err *err)
{
    sum_ctx ctx;
    tl_date first = 0;
    tl_params p;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    if (base == NULL || !tl_currency_known(base))
        return tl_err_add(err, "invalid", "base", "unknown base currency %s",
                          base ? base : "(none)");
    if (tl_date_from_ymd(&first, year, month, 1) < 0)
        return tl_err_add(err, "invalid", "month", "not a month");
    ctx.db = db;
    ctx.base = base;
    ctx.month_end = tl_date_end_of_month(first);
    ctx.days = tl_days_in_month(year, month);
    ctx.fn = fn;
    ctx.cls = cls;
    tl_params_init(&p);
    tl_params_date(&p, first);
    tl_params_date(&p, ctx.month_end);
    rc = tl_db_select(
        db, "collections_summary",
        "WITH d AS (SELECT account_id, sum(disputed_minor) AS disputed"
        "  FROM collections.invoice_open($2::date) GROUP BY account_id)"
        " SELECT b.account_number, b.name, b.currency,"
        " coalesce(sum(e.amount_minor) FILTER (WHERE e.effective_date"
        "  < $1::date), 0)::bigint AS opening,"
        " coalesce(sum(e.amount_minor) FILTER (WHERE e.effective_date"
        "  >= $1::date AND e.kind IN ('invoice', 'debit_memo')), 0)::bigint"
        "  AS billed,"
        " (-coalesce(sum(e.amount_minor) FILTER (WHERE e.effective_date"
        "  >= $1::date AND e.kind IN ('payment', 'refund')), 0))::bigint"
        "  AS collected,"
        " (-coalesce(sum(e.amount_minor) FILTER (WHERE e.effective_date"
        "  >= $1::date AND e.kind IN ('credit_memo', 'adjustment',"
        "  'transfer')), 0))::bigint AS credits,"
        " (-coalesce(sum(e.amount_minor) FILTER (WHERE e.effective_date"
        "  >= $1::date AND e.kind = 'write_off'), 0))::bigint AS write_offs,"
        " coalesce(sum(e.amount_minor), 0)::bigint AS closing,"
        " coalesce(max(d.disputed), 0)::bigint AS disputed"
        " FROM accounts.billing_account b"
        " JOIN collections.ledger_entry e ON e.account_id = b.account_id"
        " AND e.effective_date <= $2::date"
        " LEFT JOIN d ON d.account_id = b.account_id"
        " GROUP BY b.account_id, b.account_number, b.name, b.currency"
        " ORDER BY b.account_number",
        &p, sum_row, &ctx, err);
    if (rc < 0)
        return rc;
    ctx.total.account_number = "";
    ctx.total.account_name = "portfolio";
    snprintf(ctx.total.currency, sizeof(ctx.total.currency), "%s", base);
    ctx.total.dso_tenths =
        dso_tenths(ctx.total.closing, ctx.total.billed, ctx.days);
    rc = fn(&ctx.total, cls, err);
    if (rc < 0)
        return rc;
    return ctx.rows;
}

int collections_statement_resend(int64_t *contact_id, int *created, tl_db *db,
                                 const char *account_number, tl_date as_of,
                                 tl_date on, const char *actor, tl_err *err)
{
    collections_contact_in in;
    char note[64];
    char day[16];

    snprintf(note, sizeof(note), "statement of account as of %s resent",
             book_date(day, as_of));
    memset(&in, 0, sizeof(in));
    in.account_number = account_number;
    in.date = on;
    in.channel = "email";
    in.outcome = "sent";
    in.note = note;
    in.actor = actor;
    return collections_contact_add(contact_id, created, db, &in, err);
}

static int inv_account_row(const tl_row *row, void *cls, tl_err *err)
{
    const char *n = NULL;

    if (tl_row_text(row, "account_number", &n, err) < 0)
        return TL_ERROR;
    snprintf(cls, 40, "%s", n);
    return 0;
}

int collections_invoice_resend(int64_t *contact_id, int *created, tl_db *db,
                               const char *invoice_number, tl_date on,
                               const char *actor, tl_err *err)
{
    collections_contact_in in;
    char account[40] = "";
    char note[96];
    tl_params p;
    int rc;

    *contact_id = 0;
    *created = 0;
    tl_params_init(&p);
    tl_params_text(&p, invoice_number);
    rc = tl_db_select(db, "collections_invoice_resend_account",
                      "SELECT b.account_number FROM billing.invoice i"
                      " JOIN accounts.billing_account b"
                      " ON b.account_id = i.account_id"
                      " WHERE i.invoice_number = $1 AND i.status = 'final'",
                      &p, inv_account_row, account, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "invoice",
                          "no final invoice %s", invoice_number);
    snprintf(note, sizeof(note), "invoice %s resent", invoice_number);
    memset(&in, 0, sizeof(in));
    in.account_number = account;
    in.date = on;
    in.channel = "email";
    in.outcome = "sent";
    in.note = note;
    in.actor = actor;
    return collections_contact_add(contact_id, created, db, &in, err);
}

void collections_html_escape(FILE *f, const char *s)
{
    for (; s != NULL && *s != '\0'; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}
