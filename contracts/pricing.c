/*
 * The one pricing function: the contracted rate of the agreement in force,
 * escalated by its anniversaries, else the catalog list price in the
 * account's currency. An agreement is in force on a day from its start up
 * to (not including) its current end, unless terminated by then.
 */
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "contracts/contracts_internal.h"

/* The rate change of r in force on $N, if any (columns of c). */
#define LATEST_CHANGE(N)                                                       \
    " LEFT JOIN LATERAL (SELECT c.amount_minor, c.effective_date"              \
    " FROM contracts.rate_change c WHERE c.account_id = r.account_id"          \
    " AND c.agreement_id = r.agreement_id AND c.code = r.code"                 \
    " AND c.effective_date <= $" N "::date"                                    \
    " ORDER BY c.effective_date DESC LIMIT 1) c ON true"
#define LATEST_CHANGE_ON_2 LATEST_CHANGE("2")
#define LATEST_CHANGE_ON_3 LATEST_CHANGE("3")

#define IN_FORCE_ON_2                                                          \
    " a.start_date <= $2::date AND a.current_end_date > $2::date"              \
    " AND (t.termination_date IS NULL OR t.termination_date > $2::date)"

const char *contracts_price_source_name(contracts_price_source s)
{
    return s == CONTRACTS_PRICE_CONTRACT ? "contract" : "list";
}

int contracts_agreement_on(contracts_agreement_t *out, tl_db *db,
                           int64_t account_id, tl_date on, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_date(&p, on);
    rc = tl_db_query_one(
        db, &res, "contracts_agreement_on",
        "SELECT" CONTRACTS_AGREEMENT_COLS CONTRACTS_AGREEMENT_FROM
        " WHERE a.account_id = $1::bigint AND" IN_FORCE_ON_2
        " ORDER BY a.start_date DESC, a.agreement_id DESC"
        " LIMIT 1",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "no_agreement", "",
                          "no agreement of account %lld is in force then",
                          (long long)account_id);
    row.res = res;
    row.row = 0;
    rc = contracts_read_agreement(&row, out, err);
    PQclear(res);
    return rc;
}

/* The contracted rate for code under the agreement in force on `on` that
 * covers it, if any: returns 1 and fills out, 0 when there is none. */
static int contract_rate(contracts_price_t *out, tl_db *db, int64_t account_id,
                         const char *code, tl_date on, tl_err *err)
{
    PGresult *res = NULL;
    const char *ref = NULL;
    tl_date start = 0;
    tl_date rate_from = 0;
    int signed_rate = 0;
    int64_t ppm = 0;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_date(&p, on);
    tl_params_text(&p, code);
    rc = tl_db_query_one(db, &res, "contracts_rate_on",
                         "SELECT a.agreement_id, a.agreement_ref,"
                         " a.start_date, a.escalator_ppm,"
                         " coalesce(c.amount_minor, r.amount_minor)"
                         " AS amount_minor, c.effective_date AS rate_from,"
                         " a.currency"
                         " FROM contracts.agreement a"
                         " JOIN contracts.rate r USING (account_id,"
                         " agreement_id)"
                         " LEFT JOIN contracts.termination t USING"
                         " (account_id, agreement_id)" LATEST_CHANGE_ON_2
                         " WHERE a.account_id = $1::bigint AND r.code = $3"
                         " AND" IN_FORCE_ON_2
                         " ORDER BY a.start_date DESC, a.agreement_id DESC"
                         " LIMIT 1",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    if (tl_row_int64(&row, "agreement_id", &out->agreement_id, err) < 0 ||
        tl_row_text(&row, "agreement_ref", &ref, err) < 0 ||
        tl_row_date(&row, "start_date", &start, err) < 0 ||
        tl_row_int64(&row, "escalator_ppm", &ppm, err) < 0 ||
        tl_row_date_opt(&row, "rate_from", &rate_from, &signed_rate, err) < 0 ||
        tl_row_money(&row, "amount_minor", "currency", &out->base_rate, err) <
            0) {
        PQclear(res);
        return TL_ERROR;
    }
    snprintf(out->agreement_ref, sizeof(out->agreement_ref), "%s", ref);
    PQclear(res);
    out->source = CONTRACTS_PRICE_CONTRACT;
    out->escalation_steps =
        contracts_escalation_steps(start, !signed_rate, rate_from, on);
    rc = contracts_escalate(&out->amount, &out->base_rate, ppm,
                            out->escalation_steps);
    if (rc != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "the escalated rate for %s overflows", code);
    return 1;
}

int contracts_rate_on(contracts_price_t *out, tl_db *db, int64_t account_id,
                      const char *code, tl_date on, tl_err *err)
{
    memset(out, 0, sizeof(*out));
    return contract_rate(out, db, account_id, code, on, err);
}

int contracts_price_on(contracts_price_t *out, tl_db *db, int64_t account_id,
                       const char *code, tl_date on, tl_err *err)
{
    accounts_account_t account;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = contract_rate(out, db, account_id, code, on, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = accounts_get_by_id(&account, db, account_id, err);
    if (rc < 0)
        return rc;
    out->source = CONTRACTS_PRICE_LIST;
    rc = catalog_list_price(&out->amount, db, code, account.currency, on, err);
    out->base_rate = out->amount;
    return rc;
}

typedef struct mrc_ctx {
    const contracts_agreement_t *agreement;
    tl_date on;
    tl_money total;
} mrc_ctx;

static int add_rate(const tl_row *row, void *cls, tl_err *err)
{
    mrc_ctx *ctx = cls;
    tl_money rate;
    tl_money escalated;
    tl_date rate_from = 0;
    int signed_rate = 0;

    if (tl_row_money(row, "amount_minor", "currency", &rate, err) < 0 ||
        tl_row_date_opt(row, "rate_from", &rate_from, &signed_rate, err) < 0)
        return TL_ERROR;
    if (contracts_escalate(
            &escalated, &rate, ctx->agreement->escalator_ppm,
            contracts_escalation_steps(ctx->agreement->start_date, !signed_rate,
                                       rate_from, ctx->on)) != 0 ||
        tl_money_add(&ctx->total, &ctx->total, &escalated) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "mrc",
                          "the MRC of agreement %s overflows",
                          ctx->agreement->ref);
    return 0;
}

int contracts_mrc_on(tl_money *out, tl_db *db,
                     const contracts_agreement_t *agreement, tl_date on,
                     tl_err *err)
{
    mrc_ctx ctx;
    tl_params p;
    int rc;

    memset(out, 0, sizeof(*out));
    ctx.agreement = agreement;
    ctx.on = on;
    if (tl_money_make(&ctx.total, 0, agreement->currency) != 0)
        return tl_err_set(err, TL_ECURRENCY, "currency", "currency",
                          "agreement %s has an unknown currency",
                          agreement->ref);
    tl_params_init(&p);
    tl_params_int64(&p, agreement->account_id);
    tl_params_int64(&p, agreement->agreement_id);
    tl_params_date(&p, on);
    /* Only recurring codes count; the catalog says which they are. */
    rc = tl_db_select(
        db, "contracts_agreement_mrc_rates",
        "SELECT coalesce(c.amount_minor, r.amount_minor)"
        " AS amount_minor, c.effective_date AS rate_from,"
        " a.currency"
        " FROM contracts.rate r"
        " JOIN contracts.agreement a USING (account_id,"
        " agreement_id)"
        " JOIN catalog.service_code k ON k.code = r.code" LATEST_CHANGE_ON_3
        " WHERE r.account_id = $1::bigint"
        " AND r.agreement_id = $2::bigint"
        " AND k.charge_kind = 'MRC'"
        " ORDER BY r.code",
        &p, add_rate, &ctx, err);
    if (rc < 0)
        return rc;
    if (tl_money_cmp(&agreement->minimum_commitment, &ctx.total) > 0)
        ctx.total = agreement->minimum_commitment;
    *out = ctx.total;
    return 0;
}
