/*
 * Promises to pay and payment arrangements. A lone promise counts the cash
 * applied to the account's invoices from the day it was made to its date;
 * an arrangement is a schedule of installments, each a promise whose
 * window starts the day after the previous installment's date, so one
 * payment counts toward one installment only. Evaluation settles pending
 * promises as kept or broken; a broken installment leaves the later ones
 * standing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/book.h"
#include "collections/book_internal.h"

typedef struct promise_ctx {
    const char *account_number;
    const tl_money *amount;
    tl_date made_on;
    tl_date by;
    const char *actor;
    int64_t promise_id;
    int created;
} promise_ctx;

static int id_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "id", cls, err);
}

static int check_account(accounts_account_t *acct, tl_db *db,
                         const char *number, const char *cur, tl_err *err)
{
    int rc = accounts_get(acct, db, number, err);

    if (rc < 0)
        return rc;
    if (cur != NULL && strcmp(cur, acct->currency) != 0)
        return tl_err_add(err, "currency", "amount",
                          "account %s is billed in %s, not %s", number,
                          acct->currency, cur);
    return 0;
}

static int promise_tx(tl_db *db, void *cls, tl_err *err)
{
    promise_ctx *ctx = cls;
    accounts_account_t acct;
    char made[16];
    char by[16];
    tl_params p;
    int rc;

    rc = check_account(&acct, db, ctx->account_number, ctx->amount->cur, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_date(&p, ctx->made_on);
    tl_params_date(&p, ctx->by);
    tl_params_int64(&p, ctx->amount->minor);
    rc = tl_db_select(db, "collections_promise_existing",
                      "SELECT promise_id AS id FROM collections.promise"
                      " WHERE account_id = $1::bigint AND made_on = $2::date"
                      " AND promised_date = $3::date"
                      " AND amount_minor = $4::bigint"
                      " AND arrangement_id IS NULL",
                      &p, id_row, &ctx->promise_id, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    tl_params_text(&p, acct.currency);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_select(db, "collections_promise_insert",
                      "INSERT INTO collections.promise (account_id,"
                      " made_on, promised_date, amount_minor, currency,"
                      " window_start, made_by) VALUES ($1::bigint, $2::date,"
                      " $3::date, $4::bigint, $5, $2::date, $6)"
                      " RETURNING promise_id AS id",
                      &p, id_row, &ctx->promise_id, err);
    if (rc < 0)
        return rc;
    ctx->created = 1;
    return book_audit(db, ctx->actor, "promise.add", "promise", ctx->promise_id,
                      acct.account_id, NULL,
                      json_pack("{s:I, s:s, s:s, s:s, s:s}", "amountMinor",
                                (json_int_t)ctx->amount->minor, "currency",
                                acct.currency, "madeOn",
                                book_date(made, ctx->made_on), "by",
                                book_date(by, ctx->by), "state", "pending"),
                      err);
}

int collections_promise_add(int64_t *promise_id, int *created, tl_db *db,
                            const char *account_number, const tl_money *amount,
                            tl_date made_on, tl_date by, const char *actor,
                            tl_err *err)
{
    promise_ctx ctx = {account_number, amount, made_on, by, actor, 0, 0};
    int rc;

    *promise_id = 0;
    *created = 0;
    if (amount->minor <= 0)
        tl_err_add(err, "positive", "amount",
                   "a promised amount must be greater than zero");
    if (by < made_on)
        tl_err_add(err, "before_made", "by",
                   "the promised date cannot be before the day the promise "
                   "is made");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "collections_promise_add", promise_tx, &ctx, err);
    if (rc == 0) {
        *promise_id = ctx.promise_id;
        *created = ctx.created;
    }
    return rc;
}

typedef struct arrangement_ctx {
    const char *account_number;
    tl_date made_on;
    const collections_installment *inst;
    size_t n;
    const char *note;
    const char *actor;
    char *schedule;
    int64_t arrangement_id;
    int created;
} arrangement_ctx;

static int arrangement_tx(tl_db *db, void *cls, tl_err *err)
{
    arrangement_ctx *ctx = cls;
    accounts_account_t acct;
    tl_params p;
    size_t i;
    int rc;

    rc = check_account(&acct, db, ctx->account_number, ctx->inst[0].amount.cur,
                       err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_date(&p, ctx->made_on);
    tl_params_text(&p, ctx->schedule);
    rc = tl_db_select(db, "collections_arrangement_existing",
                      "SELECT arrangement_id AS id"
                      " FROM collections.arrangement"
                      " WHERE account_id = $1::bigint AND made_on = $2::date"
                      " AND schedule = $3",
                      &p, id_row, &ctx->arrangement_id, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    tl_params_text(&p, ctx->note ? ctx->note : "");
    tl_params_text(&p, ctx->actor);
    rc = tl_db_select(db, "collections_arrangement_insert",
                      "INSERT INTO collections.arrangement (account_id,"
                      " made_on, schedule, note, made_by) VALUES ($1::bigint,"
                      " $2::date, $3, $4, $5) RETURNING arrangement_id AS id",
                      &p, id_row, &ctx->arrangement_id, err);
    if (rc < 0)
        return rc;
    for (i = 0; i < ctx->n; i++) {
        tl_date start =
            i == 0 ? ctx->made_on : tl_date_add_days(ctx->inst[i - 1].due, 1);

        tl_params_init(&p);
        tl_params_int64(&p, acct.account_id);
        tl_params_int64(&p, ctx->arrangement_id);
        tl_params_int64(&p, (int64_t)i + 1);
        tl_params_int64(&p, ctx->inst[i].amount.minor);
        tl_params_text(&p, acct.currency);
        tl_params_date(&p, ctx->made_on);
        tl_params_date(&p, start);
        tl_params_date(&p, ctx->inst[i].due);
        tl_params_text(&p, ctx->actor);
        rc = tl_db_exec(db, "collections_installment_insert",
                        "INSERT INTO collections.promise (account_id,"
                        " arrangement_id, installment_no, amount_minor,"
                        " currency, made_on, window_start, promised_date,"
                        " made_by) VALUES ($1::bigint, $2::bigint, $3::int,"
                        " $4::bigint, $5, $6::date, $7::date, $8::date, $9)",
                        &p, err);
        if (rc < 0)
            return rc;
    }
    ctx->created = 1;
    return book_audit(db, ctx->actor, "arrangement.add", "arrangement",
                      ctx->arrangement_id, acct.account_id, NULL,
                      json_pack("{s:s, s:s}", "schedule", ctx->schedule,
                                "currency", acct.currency),
                      err);
}

int collections_arrangement_add(int64_t *arrangement_id, int *created,
                                tl_db *db, const char *account_number,
                                tl_date made_on,
                                const collections_installment *inst, size_t n,
                                const char *note, const char *actor,
                                tl_err *err)
{
    arrangement_ctx ctx = {account_number, made_on, inst, n, note,
                           actor,          NULL,    0,    0};
    char field[48];
    char day[16];
    size_t i;
    size_t len = 0;
    int rc;

    *arrangement_id = 0;
    *created = 0;
    if (n < 1 || n > 60)
        return tl_err_add(err, "range", "installments",
                          "an arrangement has 1 to 60 installments, not %zu",
                          n);
    for (i = 0; i < n; i++) {
        tl_date prev = i == 0 ? made_on : inst[i - 1].due;

        snprintf(field, sizeof(field), "installments[%zu].amount", i);
        if (inst[i].amount.minor <= 0)
            tl_err_add(err, "positive", field,
                       "an installment must be greater than zero");
        if (strcmp(inst[i].amount.cur, inst[0].amount.cur) != 0)
            tl_err_add(err, "currency", field,
                       "every installment is in the same currency");
        snprintf(field, sizeof(field), "installments[%zu].due", i);
        if (inst[i].due < prev || (i > 0 && inst[i].due == prev))
            tl_err_add(err, "order", field,
                       "installment dates must increase from the day the "
                       "arrangement is made");
    }
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    ctx.schedule = malloc(n * 40 + 1);
    if (ctx.schedule == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    ctx.schedule[0] = '\0';
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(
            ctx.schedule + len, n * 40 + 1 - len, "%s%s:%lld", i ? "," : "",
            book_date(day, inst[i].due), (long long)inst[i].amount.minor);
    rc = tl_db_run_tx(db, "collections_arrangement_add", arrangement_tx, &ctx,
                      err);
    if (rc == 0) {
        *arrangement_id = ctx.arrangement_id;
        *created = ctx.created;
    }
    free(ctx.schedule);
    return rc;
}

typedef struct list_ctx {
    collections_promise_fn fn;
    void *cls;
} list_ctx;

static int list_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    collections_promise pr;
    int isnull = 0;

    memset(&pr, 0, sizeof(pr));
    if (tl_row_int64(row, "promise_id", &pr.promise_id, err) < 0 ||
        tl_row_text(row, "account_number", &pr.account_number, err) < 0 ||
        tl_row_int64_opt(row, "arrangement_id", &pr.arrangement_id, &isnull,
                         err) < 0 ||
        tl_row_int(row, "installment_no", &pr.installment_no, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &pr.amount, err) < 0 ||
        tl_row_money(row, "paid_minor", "currency", &pr.paid, err) < 0 ||
        tl_row_date(row, "made_on", &pr.made_on, err) < 0 ||
        tl_row_date(row, "window_start", &pr.window_start, err) < 0 ||
        tl_row_date(row, "promised_date", &pr.promised_date, err) < 0 ||
        tl_row_text(row, "state", &pr.state, err) < 0)
        return TL_ERROR;
    if (isnull)
        pr.arrangement_id = 0;
    return ctx->fn(&pr, ctx->cls, err);
}

int collections_promises(tl_db *db, const char *account_number,
                         const char *state, collections_promise_fn fn,
                         void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, account_number);
    tl_params_text(&p, state);
    return tl_db_select(
        db, "collections_promises",
        "SELECT p.promise_id, b.account_number, p.arrangement_id,"
        " coalesce(p.installment_no, 0) AS installment_no, p.amount_minor,"
        " p.paid_minor, p.currency, p.made_on, p.window_start,"
        " p.promised_date, p.state"
        " FROM collections.promise p"
        " JOIN accounts.billing_account b USING (account_id)"
        " WHERE ($1::text IS NULL OR b.account_number = $1)"
        " AND ($2::text IS NULL OR p.state = $2)"
        " ORDER BY b.account_number, p.promised_date, p.promise_id",
        &p, list_row, &ctx, err);
}

typedef struct eval_ctx {
    tl_date as_of;
    const char *actor;
    int audit;
    collections_promise_eval result;
} eval_ctx;

static int eval_row(const tl_row *row, void *cls, tl_err *err)
{
    collections_promise_eval *r = cls;

    if (tl_row_int(row, "kept", &r->kept, err) < 0 ||
        tl_row_int(row, "broken", &r->broken, err) < 0 ||
        tl_row_int(row, "pending", &r->pending, err) < 0)
        return TL_ERROR;
    return 0;
}

static int eval_tx(tl_db *db, void *cls, tl_err *err)
{
    eval_ctx *ctx = cls;
    char day[16];
    tl_params p;
    int rc;

    memset(&ctx->result, 0, sizeof(ctx->result));
    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    rc = tl_db_select(
        db, "collections_promises_evaluate",
        "WITH paid AS ("
        "  SELECT p.account_id, p.promise_id, p.amount_minor, p.promised_date,"
        "  coalesce((SELECT sum(a.amount_minor)"
        "   FROM collections.application a"
        "   WHERE a.account_id = p.account_id"
        "   AND a.applied_date >= p.window_start"
        "   AND a.applied_date <= least(p.promised_date, $1::date)), 0)"
        "  AS paid"
        "  FROM collections.promise p"
        "  WHERE p.state = 'pending' AND p.window_start <= $1::date),"
        " upd AS ("
        "  UPDATE collections.promise p SET paid_minor = paid.paid,"
        "  state = CASE WHEN paid.paid >= paid.amount_minor THEN 'kept'"
        "   WHEN $1::date > paid.promised_date THEN 'broken'"
        "   ELSE 'pending' END,"
        "  evaluated_on = CASE WHEN paid.paid >= paid.amount_minor"
        "   OR $1::date > paid.promised_date THEN $1::date END"
        "  FROM paid WHERE p.account_id = paid.account_id"
        "  AND p.promise_id = paid.promise_id RETURNING p.state)"
        " SELECT count(*) FILTER (WHERE state = 'kept') AS kept,"
        " count(*) FILTER (WHERE state = 'broken') AS broken,"
        " count(*) FILTER (WHERE state = 'pending') AS pending FROM upd",
        &p, eval_row, &ctx->result, err);
    if (rc < 0)
        return rc;
    if (!ctx->audit || ctx->result.kept + ctx->result.broken == 0)
        return 0;
    {
        json_t *after =
            json_pack("{s:i, s:i, s:i}", "kept", ctx->result.kept, "broken",
                      ctx->result.broken, "pending", ctx->result.pending);

        if (after == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        rc = tl_audit(db, ctx->actor, "promise.evaluate", "promise_run",
                      book_date(day, ctx->as_of), 0, NULL, after, err);
        json_decref(after);
    }
    return rc;
}

int book_promises_evaluate(collections_promise_eval *out, tl_db *db,
                           tl_date as_of, const char *actor, int audit,
                           tl_err *err)
{
    eval_ctx ctx;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    memset(out, 0, sizeof(*out));
    ctx.as_of = as_of;
    ctx.actor = actor;
    ctx.audit = audit;
    rc = tl_db_run_tx(db, "collections_promises_evaluate", eval_tx, &ctx, err);
    if (rc == 0)
        *out = ctx.result;
    return rc;
}

int collections_promises_evaluate(collections_promise_eval *out, tl_db *db,
                                  tl_date as_of, const char *actor, tl_err *err)
{
    return book_promises_evaluate(out, db, as_of, actor, 1, err);
}
