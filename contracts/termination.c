/*
 * Early termination: one per agreement, with the ETF computed by the
 * agreement's rule over the remaining term and stored for billing to pick
 * up. The termination is also an amendment (key "termination:<date>").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit.h"
#include "contracts/contracts_internal.h"

typedef struct term_ctx {
    const char *account_number;
    const char *ref;
    tl_date date;
    const char *reason;
    const char *actor;
    contracts_termination_t *out;
} term_ctx;

/* Reads a stored termination into out; 1 when there is one. */
static int stored_termination(tl_db *db, const contracts_agreement_t *a,
                              const char **reason, PGresult **res,
                              contracts_termination_t *out, tl_err *err)
{
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    rc = tl_db_query_one(db, res, "contracts_termination_get",
                         "SELECT termination_date, reason, term_end_date,"
                         " remaining_months, remaining_days, month_days,"
                         " mrc_minor, etf_minor, currency"
                         " FROM contracts.termination"
                         " WHERE account_id = $1::bigint"
                         " AND agreement_id = $2::bigint",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = *res;
    row.row = 0;
    if (tl_row_date(&row, "termination_date", &out->termination_date, err) <
            0 ||
        tl_row_text(&row, "reason", reason, err) < 0 ||
        tl_row_date(&row, "term_end_date", &out->term_end_date, err) < 0 ||
        tl_row_int(&row, "remaining_months", &out->remaining.months, err) < 0 ||
        tl_row_int(&row, "remaining_days", &out->remaining.days, err) < 0 ||
        tl_row_int(&row, "month_days", &out->remaining.month_days, err) < 0 ||
        tl_row_money(&row, "mrc_minor", "currency", &out->mrc, err) < 0 ||
        tl_row_money(&row, "etf_minor", "currency", &out->etf, err) < 0)
        return TL_ERROR;
    return 1;
}

static int record(tl_db *db, const contracts_agreement_t *a, term_ctx *ctx,
                  tl_err *err)
{
    contracts_termination_t *out = ctx->out;
    char date[16];
    char end[16];
    char mrc[32];
    char etf[32];
    char key[64];
    json_t *before = NULL;
    json_t *after = NULL;
    char *before_text = NULL;
    char *after_text = NULL;
    tl_params p;
    int rc = TL_ERROR;

    tl_date_format(date, sizeof(date), ctx->date);
    tl_date_format(end, sizeof(end), a->current_end_date);
    tl_money_format(mrc, sizeof(mrc), &out->mrc);
    tl_money_format(etf, sizeof(etf), &out->etf);
    snprintf(key, sizeof(key), "termination:%s", date);
    before = json_pack("{s:s}", "currentEndDate", end);
    after = json_pack("{s:s, s:s, s:s, s:s, s:s}", "terminationDate", date,
                      "reason", ctx->reason, "mrc", mrc, "etf", etf, "etfRule",
                      contracts_etf_rule_name(a->etf_rule));
    if (before == NULL || after == NULL)
        goto oom;
    before_text = json_dumps(before, JSON_COMPACT);
    after_text = json_dumps(after, JSON_COMPACT);
    if (before_text == NULL || after_text == NULL)
        goto oom;
    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    tl_params_date(&p, ctx->date);
    tl_params_text(&p, ctx->reason);
    tl_params_date(&p, a->current_end_date);
    tl_params_int64(&p, out->remaining.months);
    tl_params_int64(&p, out->remaining.days);
    tl_params_int64(&p, out->remaining.month_days);
    tl_params_int64(&p, out->mrc.minor);
    tl_params_int64(&p, out->etf.minor);
    tl_params_text(&p, a->currency);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "contracts_termination_insert",
                    "INSERT INTO contracts.termination (account_id,"
                    " agreement_id, termination_date, reason, term_end_date,"
                    " remaining_months, remaining_days, month_days,"
                    " mrc_minor, etf_minor, currency, recorded_by)"
                    " VALUES ($1::bigint, $2::bigint, $3::date, $4, $5::date,"
                    " $6::int, $7::int, $8::int, $9::bigint, $10::bigint,"
                    " $11, $12)",
                    &p, err);
    if (rc < 0)
        goto cleanup;
    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    tl_params_date(&p, ctx->date);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, before_text);
    tl_params_text(&p, after_text);
    tl_params_text(&p, key);
    rc = tl_db_exec(db, "contracts_amendment_termination",
                    "INSERT INTO contracts.amendment (account_id,"
                    " agreement_id, kind, effective_date, actor, before,"
                    " after, idempotency_key)"
                    " VALUES ($1::bigint, $2::bigint, 'termination',"
                    " $3::date, $4, $5::jsonb, $6::jsonb, $7)",
                    &p, err);
    if (rc < 0)
        goto cleanup;
    rc = tl_audit(db, ctx->actor, "contract.terminate", "agreement", a->ref,
                  a->account_id, before, after, err);
    goto cleanup;
oom:
    rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
cleanup:
    json_decref(before);
    json_decref(after);
    free(before_text);
    free(after_text);
    return rc;
}

static int terminate_tx(tl_db *db, void *cls, tl_err *err)
{
    term_ctx *ctx = cls;
    contracts_termination_t *out = ctx->out;
    contracts_agreement_t a;
    const char *reason = NULL;
    PGresult *res = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = contracts_agreement_get(&a, db, ctx->account_number, ctx->ref, err);
    if (rc < 0)
        return rc;
    out->account_id = a.account_id;
    out->agreement_id = a.agreement_id;
    rc = stored_termination(db, &a, &reason, &res, out, err);
    if (rc < 0)
        goto cleanup;
    if (rc == 1) {
        if (out->termination_date != ctx->date ||
            strcmp(reason, ctx->reason) != 0) {
            char when[16];
            tl_date_format(when, sizeof(when), out->termination_date);
            rc = tl_err_set(err, TL_ECONFLICT, "already_terminated", "date",
                            "agreement %s was already terminated on %s",
                            ctx->ref, when);
            goto cleanup;
        }
        rc = 0;
        goto cleanup;
    }
    if (ctx->date < a.start_date || ctx->date >= a.current_end_date) {
        char start[16];
        char end[16];
        tl_date_format(start, sizeof(start), a.start_date);
        tl_date_format(end, sizeof(end), a.current_end_date);
        rc = tl_err_add(err, "range", "date",
                        "a termination must fall within the term, from %s "
                        "to the day before %s",
                        start, end);
        goto cleanup;
    }
    out->termination_date = ctx->date;
    out->term_end_date = a.current_end_date;
    rc = contracts_remaining(&out->remaining, ctx->date, a.current_end_date);
    if (rc == 0)
        rc = contracts_mrc_on(&out->mrc, db, &a, ctx->date, err);
    if (rc < 0)
        goto cleanup;
    if (contracts_etf(&out->etf, a.etf_rule, a.etf_percent_ppm, &a.etf_fixed,
                      &out->mrc, &out->remaining) != 0) {
        rc = tl_err_set(err, TL_EOVERFLOW, "overflow", "etf",
                        "the ETF of agreement %s overflows", a.ref);
        goto cleanup;
    }
    rc = record(db, &a, ctx, err);
    if (rc < 0)
        goto cleanup;
    out->created = 1;
    rc = 0;
cleanup:
    PQclear(res);
    return rc;
}

int contracts_terminate(contracts_termination_t *out, tl_db *db,
                        const char *account_number, const char *ref,
                        tl_date date, const char *reason, const char *actor,
                        tl_err *err)
{
    term_ctx ctx = {account_number, ref, date, reason, actor, out};
    size_t len = reason != NULL ? strlen(reason) : 0;

    memset(out, 0, sizeof(*out));
    if (len == 0 || len > 500)
        return tl_err_add(err, "required", "reason",
                          "give a reason of 1 to 500 characters");
    return tl_db_run_tx(db, "contracts_terminate", terminate_tx, &ctx, err);
}
