/*
 * Rate changes by amendment. The signed rate stays in contracts.rate; each
 * change is a row of contracts.rate_change from its effective date on,
 * and an amendment with the rate before and after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit.h"
#include "contracts/contracts_internal.h"

typedef struct change_ctx {
    const char *account_number;
    const char *ref;
    const char *code;
    const tl_money *amount;
    tl_date effective;
    const char *actor;
    contracts_rate_change_result *out;
} change_ctx;

/* The unescalated rate of code in force on `on` (returns 1), or 0 when
 * the agreement has no rate for code. */
static int rate_in_force(tl_money *out, tl_db *db,
                         const contracts_agreement_t *a, const char *code,
                         tl_date on, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    tl_params_text(&p, code);
    tl_params_date(&p, on);
    rc = tl_db_query_one(
        db, &res, "contracts_rate_in_force",
        "SELECT coalesce((SELECT c.amount_minor FROM contracts.rate_change c"
        "  WHERE c.account_id = r.account_id"
        "  AND c.agreement_id = r.agreement_id AND c.code = r.code"
        "  AND c.effective_date <= $4::date"
        "  ORDER BY c.effective_date DESC LIMIT 1), r.amount_minor)"
        " AS amount_minor, a.currency"
        " FROM contracts.rate r JOIN contracts.agreement a"
        " USING (account_id, agreement_id)"
        " WHERE r.account_id = $1::bigint"
        " AND r.agreement_id = $2::bigint AND r.code = $3",
        &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_money(&row, "amount_minor", "currency", out, err);
    PQclear(res);
    return rc < 0 ? rc : 1;
}

/* The amount already recorded for code on that date (1), or none (0). */
static int stored_change(int64_t *minor, tl_db *db,
                         const contracts_agreement_t *a, const char *code,
                         tl_date effective, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    tl_params_text(&p, code);
    tl_params_date(&p, effective);
    rc = tl_db_query_one(db, &res, "contracts_rate_change_get",
                         "SELECT amount_minor FROM contracts.rate_change"
                         " WHERE account_id = $1::bigint"
                         " AND agreement_id = $2::bigint AND code = $3"
                         " AND effective_date = $4::date",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "amount_minor", minor, err);
    PQclear(res);
    return rc < 0 ? rc : 1;
}

static int record(tl_db *db, const contracts_agreement_t *a, change_ctx *ctx,
                  tl_err *err)
{
    char date[16];
    char before_amount[32];
    char after_amount[32];
    char key[96];
    json_t *before = NULL;
    json_t *after = NULL;
    char *before_text = NULL;
    char *after_text = NULL;
    tl_params p;
    int rc;

    tl_date_format(date, sizeof(date), ctx->effective);
    tl_money_format(before_amount, sizeof(before_amount), &ctx->out->before);
    tl_money_format(after_amount, sizeof(after_amount), ctx->amount);
    snprintf(key, sizeof(key), "rate_change:%s:%s", ctx->code, date);
    before =
        json_pack("{s:s, s:s}", "code", ctx->code, "amount", before_amount);
    after = json_pack("{s:s, s:s, s:s}", "code", ctx->code, "amount",
                      after_amount, "effectiveDate", date);
    if (before == NULL || after == NULL) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        goto cleanup;
    }
    before_text = json_dumps(before, JSON_COMPACT);
    after_text = json_dumps(after, JSON_COMPACT);
    if (before_text == NULL || after_text == NULL) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        goto cleanup;
    }
    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    tl_params_text(&p, ctx->code);
    tl_params_date(&p, ctx->effective);
    tl_params_int64(&p, ctx->amount->minor);
    rc = tl_db_exec(db, "contracts_rate_change_insert",
                    "INSERT INTO contracts.rate_change (account_id,"
                    " agreement_id, code, effective_date, amount_minor)"
                    " VALUES ($1::bigint, $2::bigint, $3, $4::date,"
                    " $5::bigint)",
                    &p, err);
    if (rc < 0)
        goto cleanup;
    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    tl_params_date(&p, ctx->effective);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, before_text);
    tl_params_text(&p, after_text);
    tl_params_text(&p, key);
    rc = tl_db_exec(db, "contracts_amendment_rate_change",
                    "INSERT INTO contracts.amendment (account_id,"
                    " agreement_id, kind, effective_date, actor, before,"
                    " after, idempotency_key)"
                    " VALUES ($1::bigint, $2::bigint, 'rate_change',"
                    " $3::date, $4, $5::jsonb, $6::jsonb, $7)",
                    &p, err);
    if (rc < 0)
        goto cleanup;
    rc = tl_audit(db, ctx->actor, "contract.rate_change", "agreement", a->ref,
                  a->account_id, before, after, err);
cleanup:
    json_decref(before);
    json_decref(after);
    free(before_text);
    free(after_text);
    return rc;
}

static int change_tx(tl_db *db, void *cls, tl_err *err)
{
    change_ctx *ctx = cls;
    contracts_agreement_t a;
    int64_t stored = 0;
    tl_date until;
    int rc;

    ctx->out->created = 0;
    rc = contracts_agreement_get(&a, db, ctx->account_number, ctx->ref, err);
    if (rc < 0)
        return rc;
    if (strcmp(ctx->amount->cur, a.currency) != 0)
        return tl_err_add(err, "currency", "amount",
                          "agreement %s is in %s, not %s", a.ref, a.currency,
                          ctx->amount->cur);
    until = a.terminated ? a.termination_date : a.current_end_date;
    if (ctx->effective < a.start_date || ctx->effective >= until) {
        char start[16];
        char end[16];
        tl_date_format(start, sizeof(start), a.start_date);
        tl_date_format(end, sizeof(end), until);
        return tl_err_add(err, "range", "effective",
                          "a rate change must take effect from %s to the "
                          "day before %s",
                          start, end);
    }
    rc = rate_in_force(&ctx->out->before, db, &a, ctx->code,
                       tl_date_add_days(ctx->effective, -1), err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_rate", "code",
                          "agreement %s has no rate for %s", a.ref, ctx->code);
    rc = stored_change(&stored, db, &a, ctx->code, ctx->effective, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (stored == ctx->amount->minor)
            return 0;
        return tl_err_set(err, TL_ECONFLICT, "conflict", "amount",
                          "the rate of %s from that date was already changed "
                          "to another amount",
                          ctx->code);
    }
    rc = record(db, &a, ctx, err);
    if (rc < 0)
        return rc;
    ctx->out->created = 1;
    return 0;
}

int contracts_change_rate(contracts_rate_change_result *out, tl_db *db,
                          const char *account_number, const char *ref,
                          const char *code, const tl_money *amount,
                          tl_date effective, const char *actor, tl_err *err)
{
    change_ctx ctx = {account_number, ref, code, amount, effective, actor, out};

    memset(out, 0, sizeof(*out));
    if (amount->minor < 0)
        return tl_err_add(err, "range", "amount",
                          "a contracted rate cannot be negative");
    return tl_db_run_tx(db, "contracts_change_rate", change_tx, &ctx, err);
}
