/*
 * Expiry tracking and auto-renewals. A renewal extends the current term by
 * the rule's step (1 month evergreen, N months renew_n), counted from the
 * start; each step is one amendment keyed "renewal:<old end>", so a run
 * repeated for the same date, or overlapping with another, records nothing
 * twice (the key is UNIQUE in contracts.amendment).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit.h"
#include "contracts/contracts_internal.h"

#define MAX_LISTED 100000

typedef struct listed {
    contracts_agreement_t agreement;
    char account_number[40];
} listed;

typedef struct list_ctx {
    listed *rows;
    size_t n;
    size_t cap;
} list_ctx;

static int collect(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    const char *number = NULL;
    listed *grown;

    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 16;
        if (cap > MAX_LISTED)
            return tl_err_set(err, TL_ERROR, "too_many", "",
                              "more than %d agreements to list", MAX_LISTED);
        grown = realloc(ctx->rows, cap * sizeof(*grown));
        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        ctx->rows = grown;
        ctx->cap = cap;
    }
    if (contracts_read_agreement(row, &ctx->rows[ctx->n].agreement, err) < 0 ||
        tl_row_text(row, "account_number", &number, err) < 0)
        return TL_ERROR;
    snprintf(ctx->rows[ctx->n].account_number,
             sizeof(ctx->rows[ctx->n].account_number), "%s", number);
    ctx->n++;
    return 0;
}

int contracts_expiring(tl_db *db, tl_date as_of, int within_days,
                       contracts_expiring_fn fn, void *payload, tl_err *err)
{
    list_ctx ctx = {NULL, 0, 0};
    contracts_expiring_row out;
    tl_params p;
    size_t i;
    int rc;

    tl_params_init(&p);
    tl_params_date(&p, as_of);
    tl_params_int64(&p, within_days);
    rc = tl_db_select(db, "contracts_expiring",
                      "SELECT" CONTRACTS_AGREEMENT_COLS
                      ", b.account_number" CONTRACTS_AGREEMENT_FROM
                      " JOIN accounts.billing_account b"
                      " ON b.account_id = a.account_id"
                      " WHERE t.termination_date IS NULL"
                      " AND a.current_end_date > $1::date"
                      " AND a.current_end_date <= $1::date + $2::int"
                      " ORDER BY a.current_end_date,"
                      " a.current_end_date - a.notice_days,"
                      " b.account_number, a.agreement_ref",
                      &p, collect, &ctx, err);
    if (rc < 0)
        goto cleanup;
    for (i = 0; i < ctx.n; i++) {
        const contracts_agreement_t *a = &ctx.rows[i].agreement;
        memset(&out, 0, sizeof(out));
        out.account_number = ctx.rows[i].account_number;
        out.agreement = *a;
        out.notice_deadline =
            contracts_notice_deadline(a->current_end_date, a->notice_days);
        out.days_left = tl_days_between(as_of, a->current_end_date);
        out.days_to_notice = tl_days_between(as_of, out.notice_deadline);
        out.renewal_step =
            contracts_renewal_step(a->renewal, a->renewal_months);
        rc = contracts_end_date(&out.renewed_end_date, a->start_date,
                                a->term_months + a->renewed_months +
                                    out.renewal_step);
        if (rc != 0) {
            rc = tl_err_set(err, TL_ERROR, "internal", "",
                            "end date of %s out of range", a->ref);
            goto cleanup;
        }
        rc = contracts_mrc_on(&out.mrc, db, a, as_of, err);
        if (rc < 0)
            goto cleanup;
        rc = fn(&out, payload, err);
        if (rc < 0)
            goto cleanup;
    }
    rc = (int)ctx.n;
cleanup:
    free(ctx.rows);
    return rc;
}

typedef struct renew_ctx {
    tl_date as_of;
    const char *actor;
    contracts_renew_result *result;
} renew_ctx;

/* One renewal step of one agreement; returns 1 when recorded, 0 when the
 * key was already there. */
static int renew_step(tl_db *db, const contracts_agreement_t *a,
                      int renewed_months, int step, const char *actor,
                      tl_err *err)
{
    char key[64];
    char old_end[16];
    char new_end[16];
    tl_date end_before;
    tl_date end_after;
    json_t *before = NULL;
    json_t *after = NULL;
    char *before_text = NULL;
    char *after_text = NULL;
    tl_params p;
    int rc = TL_ERROR;

    if (contracts_end_date(&end_before, a->start_date,
                           a->term_months + renewed_months) != 0 ||
        contracts_end_date(&end_after, a->start_date,
                           a->term_months + renewed_months + step) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "",
                          "end date of %s out of range", a->ref);
    tl_date_format(old_end, sizeof(old_end), end_before);
    tl_date_format(new_end, sizeof(new_end), end_after);
    snprintf(key, sizeof(key), "renewal:%s", old_end);
    before = json_pack("{s:s, s:i}", "currentEndDate", old_end, "renewedMonths",
                       renewed_months);
    after = json_pack("{s:s, s:i, s:s, s:i}", "currentEndDate", new_end,
                      "renewedMonths", renewed_months + step, "renewal",
                      contracts_renewal_name(a->renewal), "months", step);
    if (before == NULL || after == NULL)
        goto cleanup;
    before_text = json_dumps(before, JSON_COMPACT);
    after_text = json_dumps(after, JSON_COMPACT);
    if (before_text == NULL || after_text == NULL)
        goto cleanup;
    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    tl_params_date(&p, end_before);
    tl_params_text(&p, actor);
    tl_params_text(&p, before_text);
    tl_params_text(&p, after_text);
    tl_params_text(&p, key);
    rc = tl_db_exec(db, "contracts_amendment_renewal",
                    "INSERT INTO contracts.amendment (account_id,"
                    " agreement_id, kind, effective_date, actor, before,"
                    " after, idempotency_key)"
                    " VALUES ($1::bigint, $2::bigint, 'renewal', $3::date,"
                    " $4, $5::jsonb, $6::jsonb, $7)"
                    " ON CONFLICT (account_id, agreement_id, idempotency_key)"
                    " DO NOTHING",
                    &p, err);
    if (rc <= 0)
        goto cleanup;
    tl_params_init(&p);
    tl_params_int64(&p, a->account_id);
    tl_params_int64(&p, a->agreement_id);
    tl_params_int64(&p, renewed_months);
    tl_params_int64(&p, renewed_months + step);
    rc = tl_db_exec(db, "contracts_agreement_renew",
                    "UPDATE contracts.agreement SET renewed_months = $4::int"
                    " WHERE account_id = $1::bigint"
                    " AND agreement_id = $2::bigint"
                    " AND renewed_months = $3::int",
                    &p, err);
    if (rc == 0)
        rc = tl_err_set(err, TL_ERETRY, "concurrent", "",
                        "agreement %s changed while renewing", a->ref);
cleanup:
    json_decref(before);
    json_decref(after);
    free(before_text);
    free(after_text);
    return rc;
}

static int renew_tx(tl_db *db, void *cls, tl_err *err)
{
    renew_ctx *ctx = cls;
    list_ctx list = {NULL, 0, 0};
    json_t *summary = NULL;
    char as_of[16];
    tl_params p;
    size_t i;
    int rc;

    ctx->result->renewals = 0;
    ctx->result->agreements = 0;
    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    rc = tl_db_select(db, "contracts_renewals_due",
                      "SELECT" CONTRACTS_AGREEMENT_COLS
                      ", b.account_number" CONTRACTS_AGREEMENT_FROM
                      " JOIN accounts.billing_account b"
                      " ON b.account_id = a.account_id"
                      " WHERE t.termination_date IS NULL"
                      " AND a.renewal_rule <> 'none'"
                      " AND a.current_end_date <= $1::date"
                      " ORDER BY a.account_id, a.agreement_id"
                      " FOR UPDATE OF a",
                      &p, collect, &list, err);
    if (rc < 0)
        goto cleanup;
    for (i = 0; i < list.n; i++) {
        const contracts_agreement_t *a = &list.rows[i].agreement;
        int step = contracts_renewal_step(a->renewal, a->renewal_months);
        int months = a->renewed_months;
        tl_date end = a->current_end_date;
        int extended = 0;
        while (step > 0 && end <= ctx->as_of) {
            rc = renew_step(db, a, months, step, ctx->actor, err);
            if (rc < 0)
                goto cleanup;
            if (rc == 0)
                break;
            months += step;
            ctx->result->renewals++;
            extended = 1;
            if (contracts_end_date(&end, a->start_date,
                                   a->term_months + months) != 0) {
                rc = tl_err_set(err, TL_ERROR, "internal", "",
                                "end date of %s out of range", a->ref);
                goto cleanup;
            }
        }
        ctx->result->agreements += extended;
    }
    rc = 0;
    if (ctx->result->renewals > 0) {
        tl_date_format(as_of, sizeof(as_of), ctx->as_of);
        summary = json_pack("{s:s, s:i, s:i}", "asOf", as_of, "renewals",
                            ctx->result->renewals, "agreements",
                            ctx->result->agreements);
        if (summary == NULL) {
            rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
            goto cleanup;
        }
        rc = tl_audit(db, ctx->actor, "contract.renew", "renewal_run", as_of, 0,
                      NULL, summary, err);
    }
cleanup:
    json_decref(summary);
    free(list.rows);
    return rc;
}

int contracts_renew_due(contracts_renew_result *out, tl_db *db, tl_date as_of,
                        const char *actor, tl_err *err)
{
    renew_ctx ctx = {as_of, actor, out};

    memset(out, 0, sizeof(*out));
    return tl_db_run_tx(db, "contracts_renew_due", renew_tx, &ctx, err);
}
