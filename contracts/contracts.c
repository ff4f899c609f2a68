/*
 * Agreement loading. One document is one agreement of one account; its
 * reference is unique per account and makes a reload idempotent.
 */
#include "contracts/contracts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "catalog/catalog.h"
#include "common/audit.h"
#include "common/json.h"

#define MAX_RATES 500

static const char *const agreement_keys[] = {"ref",
                                             "accountNumber",
                                             "startDate",
                                             "termMonths",
                                             "autoAcceptanceDays",
                                             "currency",
                                             "rates",
                                             NULL};
static const char *const rate_keys[] = {"code", "amount", NULL};

typedef struct agreement_doc {
    const char *ref;
    const char *account_number;
    tl_date start;
    int64_t term_months;
    int64_t auto_acceptance_days;
    const char *currency;
    const json_t *rates;
    accounts_account_t account;
} agreement_doc;

static void validate_rates(tl_db *db, agreement_doc *d, tl_err *err)
{
    char path[TL_ERR_FIELD_MAX];
    const char *code = NULL;
    tl_money amount;
    size_t i;
    size_t j;

    for (i = 0; i < json_array_size(d->rates); i++) {
        const json_t *r = json_array_get(d->rates, i);
        tl_path_index(path, sizeof(path), "rates", i);
        if (!json_is_object(r)) {
            tl_err_add(err, "type", path, "each rate must be an object");
            continue;
        }
        tl_json_only_keys(r, path, rate_keys, err);
        if (tl_json_str(r, "code", path, 1, 32, &code, err) == 0 &&
            code != NULL) {
            catalog_code_t c;
            tl_err lookup = TL_ERR_INIT;
            char field[TL_ERR_FIELD_MAX];
            tl_path_key(field, sizeof(field), path, "code");
            if (catalog_code_get(&c, db, code, &lookup) != 0)
                tl_err_add(err, "unknown_code", field,
                           "service code %s is not in the catalog", code);
            tl_err_clear(&lookup);
            for (j = 0; j < i; j++) {
                const char *other = json_string_value(
                    json_object_get(json_array_get(d->rates, j), "code"));
                if (other != NULL && strcmp(other, code) == 0) {
                    tl_err_add(err, "duplicate", field,
                               "service code %s has two rates", code);
                    break;
                }
            }
        }
        if (d->currency != NULL &&
            tl_json_amount(r, "amount", path, 1, d->currency, &amount, NULL,
                           err) == 0 &&
            amount.minor < 0) {
            char field[TL_ERR_FIELD_MAX];
            tl_path_key(field, sizeof(field), path, "amount");
            tl_err_add(err, "range", field, "a rate cannot be negative");
        }
    }
}

static int validate_doc(tl_db *db, const json_t *doc, agreement_doc *d,
                        tl_err *err)
{
    tl_err lookup = TL_ERR_INIT;
    int rc;

    memset(d, 0, sizeof(*d));
    if (!json_is_object(doc))
        return tl_err_add(err, "type", "", "an agreement must be an object");
    tl_json_only_keys(doc, "", agreement_keys, err);
    tl_json_str(doc, "ref", "", 1, 64, &d->ref, err);
    tl_json_str(doc, "accountNumber", "", 1, 32, &d->account_number, err);
    tl_json_date(doc, "startDate", "", 1, &d->start, NULL, err);
    tl_json_int(doc, "termMonths", "", 1, 1, 240, &d->term_months, NULL, err);
    d->auto_acceptance_days = 5;
    tl_json_int(doc, "autoAcceptanceDays", "", 0, 0, 90,
                &d->auto_acceptance_days, NULL, err);
    if (tl_json_str(doc, "currency", "", 1, 3, &d->currency, err) == 0 &&
        d->currency != NULL && !tl_currency_known(d->currency)) {
        tl_err_add(err, "currency", "currency",
                   "currency \"%s\" is not an ISO 4217 code we know",
                   d->currency);
        d->currency = NULL;
    }
    tl_json_array(doc, "rates", "", 0, 0, MAX_RATES, &d->rates, err);
    if (d->account_number != NULL) {
        rc = accounts_get(&d->account, db, d->account_number, &lookup);
        if (rc == TL_ENOTFOUND)
            tl_err_add(err, "unknown_account", "accountNumber",
                       "account %s does not exist", d->account_number);
        else if (rc < 0) {
            tl_err_copy(err, &lookup);
            tl_err_clear(&lookup);
            return rc;
        } else if (d->currency != NULL &&
                   strcmp(d->currency, d->account.currency) != 0)
            tl_err_add(err, "currency", "currency",
                       "the agreement is in %s but account %s bills in %s",
                       d->currency, d->account_number, d->account.currency);
        tl_err_clear(&lookup);
    }
    validate_rates(db, d, err);
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

typedef struct load_ctx {
    agreement_doc *doc;
    const json_t *json;
    const char *actor;
    contracts_load_result *result;
} load_ctx;

static int insert_rates(tl_db *db, const agreement_doc *d, int64_t agreement_id,
                        tl_err *err)
{
    size_t i;
    tl_money amount;
    tl_params p;
    int rc;

    for (i = 0; i < json_array_size(d->rates); i++) {
        const json_t *r = json_array_get(d->rates, i);
        if (tl_money_parse(&amount,
                           json_string_value(json_object_get(r, "amount")),
                           d->currency) != 0)
            return tl_err_set(err, TL_ERROR, "internal", "rates",
                              "validated amount no longer parses");
        tl_params_init(&p);
        tl_params_int64(&p, d->account.account_id);
        tl_params_int64(&p, agreement_id);
        tl_params_text(&p, json_string_value(json_object_get(r, "code")));
        tl_params_int64(&p, amount.minor);
        rc = tl_db_exec(db, "contracts_rate_insert",
                        "INSERT INTO contracts.rate (account_id,"
                        " agreement_id, code, amount_minor)"
                        " VALUES ($1::bigint, $2::bigint, $3, $4::bigint)",
                        &p, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* The stored agreement equals the document when its terms match and its
 * rate set is exactly the document's. */
static int same_as_stored(int *same, tl_db *db, const agreement_doc *d,
                          int64_t agreement_id, tl_err *err)
{
    json_t *rates = json_object();
    char *rates_text = NULL;
    tl_money amount;
    tl_params p;
    size_t i;
    int rc;

    *same = 0;
    if (rates == NULL)
        return TL_ERROR;
    for (i = 0; i < json_array_size(d->rates); i++) {
        const json_t *r = json_array_get(d->rates, i);
        tl_money_parse(&amount, json_string_value(json_object_get(r, "amount")),
                       d->currency);
        json_object_set_new(rates,
                            json_string_value(json_object_get(r, "code")),
                            json_integer(amount.minor));
    }
    rates_text = json_dumps(rates, JSON_COMPACT);
    json_decref(rates);
    if (rates_text == NULL)
        return TL_ERROR;
    tl_params_init(&p);
    tl_params_int64(&p, d->account.account_id);
    tl_params_int64(&p, agreement_id);
    tl_params_date(&p, d->start);
    tl_params_int64(&p, d->term_months);
    tl_params_int64(&p, d->auto_acceptance_days);
    tl_params_text(&p, d->currency);
    tl_params_text(&p, rates_text);
    rc = tl_db_exec(
        db, "contracts_agreement_same",
        "SELECT 1 FROM contracts.agreement a"
        " WHERE a.account_id = $1::bigint AND a.agreement_id = $2::bigint"
        " AND a.start_date = $3::date AND a.term_months = $4::int"
        " AND a.auto_acceptance_days = $5::int AND a.currency = $6"
        " AND (SELECT coalesce(jsonb_object_agg(code, amount_minor), '{}')"
        "      FROM contracts.rate r WHERE r.account_id = a.account_id"
        "      AND r.agreement_id = a.agreement_id) = $7::jsonb",
        &p, err);
    free(rates_text);
    if (rc < 0)
        return rc;
    *same = rc > 0;
    return 0;
}

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *ctx = cls;
    agreement_doc *d = ctx->doc;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int created;
    int same = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, d->account.account_id);
    tl_params_text(&p, d->ref);
    tl_params_date(&p, d->start);
    tl_params_int64(&p, d->term_months);
    tl_params_int64(&p, d->auto_acceptance_days);
    tl_params_text(&p, d->currency);
    rc = tl_db_query(db, &res, "contracts_agreement_insert",
                     "INSERT INTO contracts.agreement (account_id,"
                     " agreement_ref, start_date, term_months,"
                     " auto_acceptance_days, currency)"
                     " VALUES ($1::bigint, $2, $3::date, $4::int, $5::int, $6)"
                     " ON CONFLICT (account_id, agreement_ref) DO NOTHING"
                     " RETURNING agreement_id",
                     &p, err);
    if (rc < 0)
        return rc;
    created = rc == 1;
    PQclear(res);
    res = NULL;
    tl_params_init(&p);
    tl_params_int64(&p, d->account.account_id);
    tl_params_text(&p, d->ref);
    rc = tl_db_query_one(db, &res, "contracts_agreement_by_ref",
                         "SELECT agreement_id FROM contracts.agreement"
                         " WHERE account_id = $1::bigint"
                         " AND agreement_ref = $2",
                         &p, err);
    if (rc <= 0) {
        PQclear(res);
        return rc < 0 ? rc
                      : tl_err_set(err, TL_ERROR, "internal", "ref",
                                   "agreement vanished while loading");
    }
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "agreement_id", &ctx->result->agreement_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    ctx->result->account_id = d->account.account_id;
    ctx->result->created = created;
    if (created) {
        rc = insert_rates(db, d, ctx->result->agreement_id, err);
        if (rc < 0)
            return rc;
        return tl_audit(db, ctx->actor, "contract.load", "agreement", d->ref,
                        d->account.account_id, NULL, ctx->json, err);
    }
    rc = same_as_stored(&same, db, d, ctx->result->agreement_id, err);
    if (rc < 0)
        return rc;
    if (!same)
        return tl_err_add(err, "conflict", "ref",
                          "agreement %s of account %s exists with other "
                          "terms or rates; amend it instead of reloading",
                          d->ref, d->account_number);
    return 0;
}

int contracts_load(contracts_load_result *out, tl_db *db, const json_t *doc,
                   const char *actor, tl_err *err)
{
    agreement_doc d;
    load_ctx ctx = {&d, doc, actor, out};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = validate_doc(db, doc, &d, err);
    if (rc < 0)
        return rc;
    return tl_db_run_tx(db, "contracts_load", load_tx, &ctx, err);
}
