/*
 * Disputes: open -> forwarded (to billing) -> resolved (a credit memo is
 * posted to the ledger and linked) or denied. An open or forwarded
 * dispute's amount is shown apart in aging and not dunned.
 */
#include <stdio.h>
#include <string.h>

#include "collections/book.h"
#include "collections/book_internal.h"

typedef struct open_ctx {
    const collections_dispute_in *in;
    int64_t dispute_id;
    int created;
} open_ctx;

typedef struct invoice_facts {
    int found;
    int64_t account_id;
    int64_t invoice_id;
    char currency[4];
    int posted;
    int64_t open;
    int64_t disputed;
    int line_found;
    int64_t line_amount;
    int64_t line_disputed;
} invoice_facts;

static int facts_row(const tl_row *row, void *cls, tl_err *err)
{
    invoice_facts *f = cls;
    const char *cur = NULL;
    int isnull = 0;

    f->found = 1;
    if (tl_row_int64(row, "account_id", &f->account_id, err) < 0 ||
        tl_row_int64(row, "invoice_id", &f->invoice_id, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_bool(row, "posted", &f->posted, err) < 0 ||
        tl_row_int64(row, "open", &f->open, err) < 0 ||
        tl_row_int64(row, "disputed", &f->disputed, err) < 0 ||
        tl_row_int64_opt(row, "line_amount", &f->line_amount, &isnull, err) <
            0 ||
        tl_row_int64(row, "line_disputed", &f->line_disputed, err) < 0)
        return TL_ERROR;
    f->line_found = !isnull;
    snprintf(f->currency, sizeof(f->currency), "%s", cur);
    return 0;
}

/* What the invoice (and line) owes now and what is already disputed. */
static int invoice_facts_get(invoice_facts *f, tl_db *db, const char *number,
                             int line_no, tl_err *err)
{
    tl_params p;

    memset(f, 0, sizeof(*f));
    tl_params_init(&p);
    tl_params_text(&p, number);
    tl_params_int64(&p, line_no);
    return tl_db_select(
        db, "collections_dispute_facts",
        "SELECT i.account_id, i.invoice_id, i.currency,"
        " EXISTS (SELECT 1 FROM collections.ledger_entry e"
        "  WHERE e.account_id = i.account_id AND e.invoice_id = i.invoice_id"
        "  AND e.kind = 'invoice') AS posted,"
        " (SELECT coalesce(sum(e.amount_minor), 0)"
        "  FROM collections.ledger_entry e WHERE e.account_id = i.account_id"
        "  AND e.invoice_id = i.invoice_id AND e.kind <> 'payment')"
        " - (SELECT coalesce(sum(a.amount_minor), 0)"
        "  FROM collections.application a WHERE a.account_id = i.account_id"
        "  AND a.invoice_id = i.invoice_id) AS open,"
        " (SELECT coalesce(sum(d.amount_minor), 0) FROM collections.dispute d"
        "  WHERE d.account_id = i.account_id AND d.invoice_id = i.invoice_id"
        "  AND d.state IN ('open', 'forwarded')) AS disputed,"
        " l.amount_minor AS line_amount,"
        " (SELECT coalesce(sum(d.amount_minor), 0) FROM collections.dispute d"
        "  WHERE d.account_id = i.account_id AND d.invoice_id = i.invoice_id"
        "  AND d.line_no = $2::int AND d.state IN ('open', 'forwarded'))"
        " AS line_disputed"
        " FROM billing.invoice i"
        " LEFT JOIN billing.invoice_line l ON l.account_id = i.account_id"
        " AND l.invoice_id = i.invoice_id AND l.line_no = $2::int"
        " WHERE i.invoice_number = $1 AND i.status = 'final'",
        &p, facts_row, f, err);
}

static int existing_row(const tl_row *row, void *cls, tl_err *err)
{
    int64_t *v = cls;

    if (tl_row_int64(row, "dispute_id", &v[0], err) < 0 ||
        tl_row_int64(row, "amount_minor", &v[1], err) < 0)
        return TL_ERROR;
    return 0;
}

static int open_tx(tl_db *db, void *cls, tl_err *err)
{
    open_ctx *ctx = cls;
    const collections_dispute_in *in = ctx->in;
    invoice_facts f;
    int64_t existing[2] = {0, 0};
    char money[32];
    char avail_text[32];
    tl_money avail;
    tl_params p;
    int rc;

    rc = invoice_facts_get(&f, db, in->invoice_number, in->line_no, err);
    if (rc < 0)
        return rc;
    if (!f.found || !f.posted)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "invoice",
                          "no final invoice %s in the ledger",
                          in->invoice_number);
    if (in->line_no > 0 && !f.line_found)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "line",
                          "invoice %s has no line %d", in->invoice_number,
                          in->line_no);
    tl_params_init(&p);
    tl_params_int64(&p, f.account_id);
    tl_params_int64(&p, f.invoice_id);
    tl_params_int64(&p, in->line_no);
    tl_params_date(&p, in->opened_on);
    tl_params_text(&p, in->reason);
    rc = tl_db_select(db, "collections_dispute_existing",
                      "SELECT dispute_id, amount_minor"
                      " FROM collections.dispute WHERE account_id = $1::bigint"
                      " AND invoice_id = $2::bigint"
                      " AND coalesce(line_no, 0) = $3::int"
                      " AND opened_on = $4::date AND reason = $5",
                      &p, existing_row, existing, err);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        if (existing[1] != in->amount.minor)
            return tl_err_set(err, TL_EDUPLICATE, "duplicate", "amount",
                              "dispute %lld of this line, day and reason has "
                              "another amount",
                              (long long)existing[0]);
        ctx->dispute_id = existing[0];
        ctx->created = 0;
        return 0;
    }
    if (strcmp(in->amount.cur, f.currency) != 0)
        tl_err_add(err, "currency", "amount", "invoice %s is in %s, not %s",
                   in->invoice_number, f.currency, in->amount.cur);
    tl_money_format(money, sizeof(money), &in->amount);
    if (tl_money_make(&avail, f.open - f.disputed, f.currency) != 0 ||
        tl_money_format(avail_text, sizeof(avail_text), &avail) < 0)
        snprintf(avail_text, sizeof(avail_text), "?");
    if (in->amount.minor > f.open - f.disputed)
        tl_err_add(err, "exceeds_open", "amount",
                   "%s is more than the %s open and not yet disputed on %s",
                   money, avail_text, in->invoice_number);
    if (in->line_no > 0 && in->amount.minor > f.line_amount - f.line_disputed)
        tl_err_add(err, "exceeds_line", "amount",
                   "%s is more than line %d's amount not yet disputed", money,
                   in->line_no);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    tl_params_init(&p);
    tl_params_int64(&p, f.account_id);
    tl_params_int64(&p, f.invoice_id);
    if (in->line_no > 0)
        tl_params_int64(&p, in->line_no);
    else
        tl_params_null(&p);
    tl_params_text(&p, in->reason);
    tl_params_int64(&p, in->amount.minor);
    tl_params_text(&p, f.currency);
    tl_params_date(&p, in->opened_on);
    tl_params_text(&p, in->actor);
    rc = tl_db_select(db, "collections_dispute_insert",
                      "INSERT INTO collections.dispute (account_id, invoice_id,"
                      " line_no, reason, amount_minor, currency, opened_on,"
                      " opened_by) VALUES ($1::bigint, $2::bigint, $3::int,"
                      " $4, $5::bigint, $6, $7::date, $8)"
                      " RETURNING dispute_id, amount_minor",
                      &p, existing_row, existing, err);
    if (rc < 0)
        return rc;
    ctx->dispute_id = existing[0];
    ctx->created = 1;
    return book_audit(db, in->actor, "dispute.open", "dispute", ctx->dispute_id,
                      f.account_id, NULL,
                      json_pack("{s:s, s:i, s:s, s:I, s:s}", "invoice",
                                in->invoice_number, "line", in->line_no,
                                "reason", in->reason, "amountMinor",
                                (json_int_t)in->amount.minor, "state", "open"),
                      err);
}

int collections_dispute_open(int64_t *dispute_id, int *created, tl_db *db,
                             const collections_dispute_in *in, tl_err *err)
{
    open_ctx ctx = {in, 0, 0};
    int rc;

    *dispute_id = 0;
    *created = 0;
    if (in->reason == NULL || in->reason[0] == '\0')
        tl_err_add(err, "required", "reason", "a dispute needs a reason");
    if (in->amount.minor <= 0)
        tl_err_add(err, "positive", "amount",
                   "a disputed amount must be greater than zero");
    if (in->line_no < 0)
        tl_err_add(err, "range", "line", "a line number starts at 1");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "collections_dispute_open", open_tx, &ctx, err);
    if (rc == 0) {
        *dispute_id = ctx.dispute_id;
        *created = ctx.created;
    }
    return rc;
}

/* The dispute's current state and keys, locked for the change. */
typedef struct dispute_row {
    int found;
    int64_t account_id;
    int64_t invoice_id;
    int64_t amount;
    char currency[4];
    char state[16];
    tl_date opened_on;
    int64_t credit_entry_id;
    int was_forwarded;
} dispute_row;

static int dispute_row_read(const tl_row *row, void *cls, tl_err *err)
{
    dispute_row *d = cls;
    const char *cur = NULL;
    const char *state = NULL;
    int isnull = 0;

    d->found = 1;
    if (tl_row_int64(row, "account_id", &d->account_id, err) < 0 ||
        tl_row_int64(row, "invoice_id", &d->invoice_id, err) < 0 ||
        tl_row_int64(row, "amount_minor", &d->amount, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_text(row, "state", &state, err) < 0 ||
        tl_row_date(row, "opened_on", &d->opened_on, err) < 0 ||
        tl_row_bool(row, "was_forwarded", &d->was_forwarded, err) < 0 ||
        tl_row_int64_opt(row, "credit_entry_id", &d->credit_entry_id, &isnull,
                         err) < 0)
        return TL_ERROR;
    snprintf(d->currency, sizeof(d->currency), "%s", cur);
    snprintf(d->state, sizeof(d->state), "%s", state);
    return 0;
}

static int dispute_get(dispute_row *d, tl_db *db, int64_t dispute_id,
                       tl_err *err)
{
    tl_params p;
    int rc;

    memset(d, 0, sizeof(*d));
    tl_params_init(&p);
    tl_params_int64(&p, dispute_id);
    rc = tl_db_select(db, "collections_dispute_get",
                      "SELECT account_id, invoice_id, amount_minor, currency,"
                      " state, opened_on, credit_entry_id,"
                      " forwarded_on IS NOT NULL AS was_forwarded"
                      " FROM collections.dispute WHERE dispute_id = $1::bigint"
                      " FOR UPDATE",
                      &p, dispute_row_read, d, err);
    if (rc < 0)
        return rc;
    if (!d->found)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "dispute",
                          "no dispute %lld", (long long)dispute_id);
    return 0;
}

typedef struct change_ctx {
    int64_t dispute_id;
    tl_date on;
    const char *note;
    const char *actor;
    int64_t credit_entry_id;
} change_ctx;

static int check_date(const dispute_row *d, tl_date on, tl_err *err)
{
    if (on < d->opened_on)
        return tl_err_add(err, "before_opened", "date",
                          "the dispute was opened after that day");
    return 0;
}

static int forward_tx(tl_db *db, void *cls, tl_err *err)
{
    change_ctx *ctx = cls;
    dispute_row d;
    tl_params p;
    int rc;

    rc = dispute_get(&d, db, ctx->dispute_id, err);
    if (rc < 0)
        return rc;
    /* forwarded before: forwarding again changes nothing, even once the
     * dispute is closed */
    if (d.was_forwarded)
        return 0;
    if (strcmp(d.state, "open") != 0)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "state",
                          "dispute %lld is %s", (long long)ctx->dispute_id,
                          d.state);
    rc = check_date(&d, ctx->on, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, d.account_id);
    tl_params_int64(&p, ctx->dispute_id);
    tl_params_date(&p, ctx->on);
    rc = tl_db_exec(db, "collections_dispute_forward",
                    "UPDATE collections.dispute SET state = 'forwarded',"
                    " forwarded_on = $3::date WHERE account_id = $1::bigint"
                    " AND dispute_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return book_audit(db, ctx->actor, "dispute.forward", "dispute",
                      ctx->dispute_id, d.account_id,
                      json_pack("{s:s}", "state", d.state),
                      json_pack("{s:s}", "state", "forwarded"), err);
}

int collections_dispute_forward(tl_db *db, int64_t dispute_id, tl_date on,
                                const char *actor, tl_err *err)
{
    change_ctx ctx = {dispute_id, on, NULL, actor, 0};

    return tl_db_run_tx(db, "collections_dispute_forward", forward_tx, &ctx,
                        err);
}

static int entry_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "entry_id", cls, err);
}

static int resolve_tx(tl_db *db, void *cls, tl_err *err)
{
    change_ctx *ctx = cls;
    dispute_row d;
    char ref[32];
    tl_params p;
    int rc;

    rc = dispute_get(&d, db, ctx->dispute_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(d.state, "resolved") == 0) {
        ctx->credit_entry_id = d.credit_entry_id;
        return 0;
    }
    if (strcmp(d.state, "denied") == 0)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "state",
                          "dispute %lld was denied",
                          (long long)ctx->dispute_id);
    rc = check_date(&d, ctx->on, err);
    if (rc < 0)
        return rc;
    snprintf(ref, sizeof(ref), "CM-D%lld", (long long)ctx->dispute_id);
    tl_params_init(&p);
    tl_params_int64(&p, d.account_id);
    tl_params_text(&p, ref);
    tl_params_int64(&p, -d.amount);
    tl_params_text(&p, d.currency);
    tl_params_date(&p, ctx->on);
    tl_params_int64(&p, d.invoice_id);
    tl_params_text(&p, ctx->actor);
    tl_params_int64(&p, ctx->dispute_id);
    /* a ledger document like one posted by hand, so that the ledger-day
     * GL journal takes the credit memo too */
    rc = tl_db_select(db, "collections_credit_memo_post",
                      "WITH e AS (INSERT INTO collections.ledger_entry"
                      " (account_id, kind, source_ref, amount_minor, currency,"
                      " effective_date, invoice_id) VALUES ($1::bigint,"
                      " 'credit_memo', $2, $3::bigint, $4, $5::date,"
                      " $6::bigint) RETURNING account_id, entry_id)"
                      " INSERT INTO collections.ledger_doc (account_id,"
                      " entry_id, doc_kind, reason, posted_by)"
                      " SELECT account_id, entry_id, 'credit_memo',"
                      " 'dispute ' || $8::bigint || ' resolved', $7 FROM e"
                      " RETURNING entry_id",
                      &p, entry_row, &ctx->credit_entry_id, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, d.account_id);
    tl_params_int64(&p, ctx->dispute_id);
    tl_params_date(&p, ctx->on);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, ctx->note ? ctx->note : "");
    tl_params_int64(&p, ctx->credit_entry_id);
    rc =
        tl_db_exec(db, "collections_dispute_resolve",
                   "UPDATE collections.dispute SET state = 'resolved',"
                   " closed_on = $3::date, closed_by = $4, note = $5,"
                   " credit_entry_id = $6::bigint"
                   " WHERE account_id = $1::bigint AND dispute_id = $2::bigint",
                   &p, err);
    if (rc < 0)
        return rc;
    return book_audit(
        db, ctx->actor, "dispute.resolve", "dispute", ctx->dispute_id,
        d.account_id, json_pack("{s:s}", "state", d.state),
        json_pack("{s:s, s:s, s:I}", "state", "resolved", "creditMemo", ref,
                  "amountMinor", (json_int_t)-d.amount),
        err);
}

int collections_dispute_resolve(int64_t *credit_entry_id, tl_db *db,
                                int64_t dispute_id, tl_date on,
                                const char *note, const char *actor,
                                tl_err *err)
{
    change_ctx ctx = {dispute_id, on, note, actor, 0};
    int rc;

    *credit_entry_id = 0;
    rc = tl_db_run_tx(db, "collections_dispute_resolve", resolve_tx, &ctx, err);
    if (rc == 0)
        *credit_entry_id = ctx.credit_entry_id;
    return rc;
}

static int deny_tx(tl_db *db, void *cls, tl_err *err)
{
    change_ctx *ctx = cls;
    dispute_row d;
    tl_params p;
    int rc;

    rc = dispute_get(&d, db, ctx->dispute_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(d.state, "denied") == 0)
        return 0;
    if (strcmp(d.state, "resolved") == 0)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "state",
                          "dispute %lld was resolved by a credit memo",
                          (long long)ctx->dispute_id);
    rc = check_date(&d, ctx->on, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, d.account_id);
    tl_params_int64(&p, ctx->dispute_id);
    tl_params_date(&p, ctx->on);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, ctx->note);
    rc =
        tl_db_exec(db, "collections_dispute_deny",
                   "UPDATE collections.dispute SET state = 'denied',"
                   " closed_on = $3::date, closed_by = $4, note = $5"
                   " WHERE account_id = $1::bigint AND dispute_id = $2::bigint",
                   &p, err);
    if (rc < 0)
        return rc;
    return book_audit(
        db, ctx->actor, "dispute.deny", "dispute", ctx->dispute_id,
        d.account_id, json_pack("{s:s}", "state", d.state),
        json_pack("{s:s, s:s}", "state", "denied", "note", ctx->note), err);
}

int collections_dispute_deny(tl_db *db, int64_t dispute_id, tl_date on,
                             const char *note, const char *actor, tl_err *err)
{
    change_ctx ctx = {dispute_id, on, note, actor, 0};

    if (note == NULL || note[0] == '\0')
        return tl_err_add(err, "required", "note",
                          "say why the dispute is denied");
    return tl_db_run_tx(db, "collections_dispute_deny", deny_tx, &ctx, err);
}

typedef struct list_ctx {
    collections_dispute_fn fn;
    void *cls;
} list_ctx;

static int list_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    collections_dispute d;

    memset(&d, 0, sizeof(d));
    if (tl_row_int64(row, "dispute_id", &d.dispute_id, err) < 0 ||
        tl_row_text(row, "account_number", &d.account_number, err) < 0 ||
        tl_row_text(row, "invoice_number", &d.invoice_number, err) < 0 ||
        tl_row_int(row, "line_no", &d.line_no, err) < 0 ||
        tl_row_text(row, "reason", &d.reason, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &d.amount, err) < 0 ||
        tl_row_date(row, "opened_on", &d.opened_on, err) < 0 ||
        tl_row_int(row, "age_days", &d.age_days, err) < 0 ||
        tl_row_text(row, "state", &d.state, err) < 0 ||
        tl_row_text(row, "credit_memo", &d.credit_memo, err) < 0 ||
        tl_row_text(row, "note", &d.note, err) < 0)
        return TL_ERROR;
    return ctx->fn(&d, ctx->cls, err);
}

int collections_disputes(tl_db *db, const char *account_number,
                         const char *state, tl_date as_of,
                         collections_dispute_fn fn, void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, account_number);
    tl_params_text(&p, state);
    tl_params_date(&p, as_of);
    return tl_db_select(
        db, "collections_disputes",
        "SELECT d.dispute_id, b.account_number, i.invoice_number,"
        " coalesce(d.line_no, 0) AS line_no, d.reason, d.amount_minor,"
        " d.currency, d.opened_on,"
        " greatest(coalesce(d.closed_on, $3::date) - d.opened_on, 0)"
        " AS age_days, d.state, coalesce(e.source_ref, '') AS credit_memo,"
        " d.note"
        " FROM collections.dispute d"
        " JOIN accounts.billing_account b USING (account_id)"
        " JOIN billing.invoice i USING (account_id, invoice_id)"
        " LEFT JOIN collections.ledger_entry e"
        " ON e.account_id = d.account_id AND e.entry_id = d.credit_entry_id"
        " WHERE ($1::text IS NULL OR b.account_number = $1)"
        " AND ($2::text IS NULL OR d.state = $2)"
        " ORDER BY d.dispute_id",
        &p, list_row, &ctx, err);
}

static int currency_row(const tl_row *row, void *cls, tl_err *err)
{
    const char *cur = NULL;

    if (tl_row_text(row, "currency", &cur, err) < 0)
        return TL_ERROR;
    snprintf(cls, 4, "%s", cur);
    return 0;
}

int collections_invoice_currency(char cur[4], tl_db *db,
                                 const char *invoice_number, tl_err *err)
{
    tl_params p;
    int rc;

    cur[0] = '\0';
    tl_params_init(&p);
    tl_params_text(&p, invoice_number);
    rc = tl_db_select(db, "collections_invoice_currency",
                      "SELECT currency FROM billing.invoice"
                      " WHERE invoice_number = $1 AND status = 'final'",
                      &p, currency_row, cur, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "invoice",
                          "no final invoice %s", invoice_number);
    return 0;
}
