/*
 * The one pricing function: contracted rate of the agreement in force,
 * else the catalog list price in the account's currency.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "catalog/catalog.h"
#include "contracts/contracts.h"

const char *contracts_price_source_name(contracts_price_source s)
{
    return s == CONTRACTS_PRICE_CONTRACT ? "contract" : "list";
}

int contracts_agreement_on(contracts_agreement_t *out, tl_db *db,
                           int64_t account_id, tl_date on, tl_err *err)
{
    PGresult *res = NULL;
    const char *ref = NULL;
    const char *cur = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_date(&p, on);
    rc = tl_db_query_one(db, &res, "contracts_agreement_on",
                         "SELECT account_id, agreement_id, agreement_ref,"
                         " start_date, end_date, term_months,"
                         " auto_acceptance_days, currency"
                         " FROM contracts.agreement"
                         " WHERE account_id = $1::bigint"
                         " AND start_date <= $2::date AND end_date > $2::date"
                         " ORDER BY start_date DESC, agreement_id DESC"
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
    if (tl_row_int64(&row, "account_id", &out->account_id, err) < 0 ||
        tl_row_int64(&row, "agreement_id", &out->agreement_id, err) < 0 ||
        tl_row_text(&row, "agreement_ref", &ref, err) < 0 ||
        tl_row_date(&row, "start_date", &out->start_date, err) < 0 ||
        tl_row_date(&row, "end_date", &out->end_date, err) < 0 ||
        tl_row_int(&row, "term_months", &out->term_months, err) < 0 ||
        tl_row_int(&row, "auto_acceptance_days", &out->auto_acceptance_days,
                   err) < 0 ||
        tl_row_text(&row, "currency", &cur, err) < 0) {
        PQclear(res);
        return TL_ERROR;
    }
    snprintf(out->ref, sizeof(out->ref), "%s", ref);
    snprintf(out->currency, sizeof(out->currency), "%s", cur);
    PQclear(res);
    return 0;
}

/* The contracted rate for code under the agreement in force on `on`, if
 * any: returns 1 and fills out, 0 when there is none. */
static int contract_rate(contracts_price_t *out, tl_db *db, int64_t account_id,
                         const char *code, tl_date on, tl_err *err)
{
    PGresult *res = NULL;
    const char *ref = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, code);
    tl_params_date(&p, on);
    rc = tl_db_query_one(db, &res, "contracts_rate_on",
                         "SELECT a.agreement_id, a.agreement_ref,"
                         " r.amount_minor, a.currency"
                         " FROM contracts.agreement a"
                         " JOIN contracts.rate r USING (account_id,"
                         " agreement_id)"
                         " WHERE a.account_id = $1::bigint AND r.code = $2"
                         " AND a.start_date <= $3::date"
                         " AND a.end_date > $3::date"
                         " ORDER BY a.start_date DESC, a.agreement_id DESC"
                         " LIMIT 1",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    if (tl_row_int64(&row, "agreement_id", &out->agreement_id, err) < 0 ||
        tl_row_text(&row, "agreement_ref", &ref, err) < 0 ||
        tl_row_money(&row, "amount_minor", "currency", &out->amount, err) < 0) {
        PQclear(res);
        return TL_ERROR;
    }
    snprintf(out->agreement_ref, sizeof(out->agreement_ref), "%s", ref);
    out->source = CONTRACTS_PRICE_CONTRACT;
    PQclear(res);
    return 1;
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
    return catalog_list_price(&out->amount, db, code, account.currency, on,
                              err);
}
