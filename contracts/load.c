/*
 * Agreement loading and reading. One document is one agreement of one
 * account; its reference is unique per account and makes a reload
 * idempotent. The import paths (import.c) validate and store each of
 * their agreements with the same two functions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "common/audit.h"
#include "common/json.h"
#include "contracts/contracts_internal.h"

#define MAX_RATES 500

static const char *const agreement_keys[] = {"ref",
                                             "accountNumber",
                                             "startDate",
                                             "termMonths",
                                             "autoAcceptanceDays",
                                             "currency",
                                             "rates",
                                             "renewal",
                                             "renewalMonths",
                                             "noticeDays",
                                             "minimumCommitment",
                                             "etfPercent",
                                             "etfFixed",
                                             "escalatorPercent",
                                             NULL};
static const char *const rate_keys[] = {"code", "amount", NULL};

static void validate_rates(tl_db *db, contracts_doc *d, const char *prefix,
                           tl_err *err)
{
    char path[TL_ERR_FIELD_MAX];
    char rates[TL_ERR_FIELD_MAX];
    const char *code = NULL;
    tl_money amount;
    size_t i;
    size_t j;

    tl_path_key(rates, sizeof(rates), prefix, "rates");
    for (i = 0; i < json_array_size(d->rates); i++) {
        const json_t *r = json_array_get(d->rates, i);
        tl_path_index(path, sizeof(path), rates, i);
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

/* A percentage member written as a decimal string. */
static int json_percent(const json_t *obj, const char *key, const char *path,
                        int64_t *ppm, int *present, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const json_t *v = json_object_get(obj, key);
    int rc;

    *ppm = 0;
    *present = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    tl_path_key(field, sizeof(field), path, key);
    if (!json_is_string(v))
        return tl_err_add(err, "type", field,
                          "%s must be a decimal string such as \"3.5\"", key);
    rc = contracts_percent_parse(ppm, json_string_value(v));
    if (rc == TL_EOVERFLOW)
        return tl_err_add(err, "range", field,
                          "%s must be between 0 and 100 percent, not \"%s\"",
                          key, json_string_value(v));
    if (rc != 0)
        return tl_err_add(err, "format", field,
                          "%s must be a plain percentage with at most 4 "
                          "decimals, not \"%s\"",
                          key, json_string_value(v));
    *present = 1;
    return 0;
}

/* Amount members that need the currency; optional, not negative. */
static void validate_amount(const json_t *doc, const char *key,
                            const char *prefix, const char *cur, tl_money *out,
                            int *present, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];

    *present = 0;
    memset(out, 0, sizeof(*out));
    if (cur == NULL) {
        *present = json_object_get(doc, key) != NULL;
        return;
    }
    if (tl_json_amount(doc, key, prefix, 0, cur, out, present, err) == 0 &&
        *present && out->minor < 0) {
        tl_path_key(field, sizeof(field), prefix, key);
        tl_err_add(err, "range", field, "%s cannot be negative", key);
    }
    if (!*present)
        tl_money_make(out, 0, cur);
}

static void validate_terms(const json_t *doc, const char *prefix,
                           contracts_doc *d, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const char *renewal = NULL;
    int months_present = 0;
    int min_present = 0;
    int pct_present = 0;
    int fixed_present = 0;
    int esc_present = 0;

    d->renewal = CONTRACTS_RENEW_NONE;
    if (tl_json_str(doc, "renewal", prefix, 0, 16, &renewal, err) == 0 &&
        renewal != NULL && contracts_renewal_parse(&d->renewal, renewal) != 0) {
        tl_path_key(field, sizeof(field), prefix, "renewal");
        tl_err_add(err, "format", field,
                   "renewal must be none, evergreen or renew_n, not \"%s\"",
                   renewal);
    }
    tl_json_int(doc, "renewalMonths", prefix, 0, 1, 120, &d->renewal_months,
                &months_present, err);
    tl_path_key(field, sizeof(field), prefix, "renewalMonths");
    /* absent or null: a bad value was reported by tl_json_int already */
    if (d->renewal == CONTRACTS_RENEW_N && !months_present &&
        (json_object_get(doc, "renewalMonths") == NULL ||
         json_is_null(json_object_get(doc, "renewalMonths"))))
        tl_err_add(err, "required", field,
                   "renewalMonths is required with renewal renew_n");
    if (d->renewal != CONTRACTS_RENEW_N && months_present) {
        tl_err_add(err, "not_allowed", field,
                   "renewalMonths is only allowed with renewal renew_n");
        d->renewal_months = 0;
    }
    tl_json_int(doc, "noticeDays", prefix, 0, 0, 730, &d->notice_days, NULL,
                err);
    validate_amount(doc, "minimumCommitment", prefix, d->currency,
                    &d->minimum_commitment, &min_present, err);
    json_percent(doc, "etfPercent", prefix, &d->etf_percent_ppm, &pct_present,
                 err);
    validate_amount(doc, "etfFixed", prefix, d->currency, &d->etf_fixed,
                    &fixed_present, err);
    if (pct_present && fixed_present) {
        tl_path_key(field, sizeof(field), prefix, "etfFixed");
        tl_err_add(err, "exclusive", field,
                   "give either etfPercent or etfFixed, not both");
    }
    d->etf_rule = pct_present     ? CONTRACTS_ETF_PERCENT
                  : fixed_present ? CONTRACTS_ETF_FIXED
                                  : CONTRACTS_ETF_NONE;
    json_percent(doc, "escalatorPercent", prefix, &d->escalator_ppm,
                 &esc_present, err);
}

/* The reference format the database also checks (agreement_ref_format). */
static int ref_ok(const char *ref)
{
    const char *s = ref;

    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
          (*s >= '0' && *s <= '9')))
        return 0;
    for (s++; *s != '\0'; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
            return 0;
    return s - ref <= 64;
}

int contracts_doc_validate(tl_db *db, const json_t *doc, const char *prefix,
                           contracts_doc *d, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    tl_err lookup = TL_ERR_INIT;
    int rc;

    memset(d, 0, sizeof(*d));
    if (!json_is_object(doc))
        return tl_err_add(err, "type", prefix,
                          "an agreement must be an object");
    tl_json_only_keys(doc, prefix, agreement_keys, err);
    if (tl_json_str(doc, "ref", prefix, 1, 64, &d->ref, err) == 0 &&
        d->ref != NULL && !ref_ok(d->ref)) {
        tl_path_key(field, sizeof(field), prefix, "ref");
        tl_err_add(err, "format", field,
                   "ref must be letters, digits, '_', '.' or '-', starting "
                   "with a letter or digit, not \"%s\"",
                   d->ref);
        d->ref = NULL;
    }
    tl_json_str(doc, "accountNumber", prefix, 1, 32, &d->account_number, err);
    tl_json_date(doc, "startDate", prefix, 1, &d->start, NULL, err);
    tl_json_int(doc, "termMonths", prefix, 1, 1, 240, &d->term_months, NULL,
                err);
    d->auto_acceptance_days = 5;
    tl_json_int(doc, "autoAcceptanceDays", prefix, 0, 0, 90,
                &d->auto_acceptance_days, NULL, err);
    tl_path_key(field, sizeof(field), prefix, "currency");
    if (tl_json_str(doc, "currency", prefix, 1, 3, &d->currency, err) == 0 &&
        d->currency != NULL && !tl_currency_known(d->currency)) {
        tl_err_add(err, "currency", field,
                   "currency \"%s\" is not an ISO 4217 code we know",
                   d->currency);
        d->currency = NULL;
    }
    tl_json_array(doc, "rates", prefix, 0, 0, MAX_RATES, &d->rates, err);
    validate_terms(doc, prefix, d, err);
    if (d->account_number != NULL) {
        rc = accounts_get(&d->account, db, d->account_number, &lookup);
        if (rc == TL_ENOTFOUND) {
            char acct[TL_ERR_FIELD_MAX];
            tl_path_key(acct, sizeof(acct), prefix, "accountNumber");
            tl_err_add(err, "unknown_account", acct,
                       "account %s does not exist", d->account_number);
        } else if (rc < 0) {
            tl_err_copy(err, &lookup);
            tl_err_clear(&lookup);
            return rc;
        } else if (d->currency != NULL &&
                   strcmp(d->currency, d->account.currency) != 0)
            tl_err_add(err, "currency", field,
                       "the agreement is in %s but account %s bills in %s",
                       d->currency, d->account_number, d->account.currency);
        tl_err_clear(&lookup);
    }
    validate_rates(db, d, prefix, err);
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

static int insert_rates(tl_db *db, const contracts_doc *d, int64_t agreement_id,
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

/* The term parameters shared by the insert and the comparison, $3..$13 */
static void term_params(tl_params *p, const contracts_doc *d)
{
    tl_params_date(p, d->start);
    tl_params_int64(p, d->term_months);
    tl_params_int64(p, d->auto_acceptance_days);
    tl_params_text(p, d->currency);
    tl_params_text(p, contracts_renewal_name(d->renewal));
    if (d->renewal == CONTRACTS_RENEW_N)
        tl_params_int64(p, d->renewal_months);
    else
        tl_params_null(p);
    tl_params_int64(p, d->notice_days);
    tl_params_int64(p, d->minimum_commitment.minor);
    tl_params_text(p, contracts_etf_rule_name(d->etf_rule));
    if (d->etf_rule == CONTRACTS_ETF_PERCENT)
        tl_params_int64(p, d->etf_percent_ppm);
    else
        tl_params_null(p);
    if (d->etf_rule == CONTRACTS_ETF_FIXED)
        tl_params_int64(p, d->etf_fixed.minor);
    else
        tl_params_null(p);
    tl_params_int64(p, d->escalator_ppm);
}

/* The stored agreement equals the document when its terms match and its
 * rate set is exactly the document's. */
static int same_as_stored(int *same, tl_db *db, const contracts_doc *d,
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
    term_params(&p, d);
    tl_params_text(&p, rates_text);
    rc = tl_db_exec(
        db, "contracts_agreement_same",
        "SELECT 1 FROM contracts.agreement a"
        " WHERE a.account_id = $1::bigint AND a.agreement_id = $2::bigint"
        " AND a.start_date = $3::date AND a.term_months = $4::int"
        " AND a.auto_acceptance_days = $5::int AND a.currency = $6"
        " AND a.renewal_rule = $7"
        " AND a.renewal_months IS NOT DISTINCT FROM $8::int"
        " AND a.notice_days = $9::int"
        " AND a.minimum_commitment_minor = $10::bigint"
        " AND a.etf_rule = $11"
        " AND a.etf_percent_ppm IS NOT DISTINCT FROM $12::bigint"
        " AND a.etf_fixed_minor IS NOT DISTINCT FROM $13::bigint"
        " AND a.escalator_ppm = $14::bigint"
        " AND (SELECT coalesce(jsonb_object_agg(code, amount_minor), '{}')"
        "      FROM contracts.rate r WHERE r.account_id = a.account_id"
        "      AND r.agreement_id = a.agreement_id) = $15::jsonb",
        &p, err);
    free(rates_text);
    if (rc < 0)
        return rc;
    *same = rc > 0;
    return 0;
}

int contracts_doc_store(tl_db *db, const contracts_doc *d, const json_t *json,
                        const char *prefix, const char *actor,
                        contracts_load_result *out, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int created;
    int same = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, d->account.account_id);
    tl_params_text(&p, d->ref);
    term_params(&p, d);
    rc = tl_db_query(
        db, &res, "contracts_agreement_insert",
        "INSERT INTO contracts.agreement (account_id, agreement_ref,"
        " start_date, term_months, auto_acceptance_days, currency,"
        " renewal_rule, renewal_months, notice_days,"
        " minimum_commitment_minor, etf_rule, etf_percent_ppm,"
        " etf_fixed_minor, escalator_ppm)"
        " VALUES ($1::bigint, $2, $3::date, $4::int, $5::int, $6, $7,"
        " $8::int, $9::int, $10::bigint, $11, $12::bigint, $13::bigint,"
        " $14::bigint)"
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
    rc = tl_row_int64(&row, "agreement_id", &out->agreement_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    out->account_id = d->account.account_id;
    out->created = created;
    if (created) {
        rc = insert_rates(db, d, out->agreement_id, err);
        if (rc < 0)
            return rc;
        if (actor == NULL)
            return 0;
        return tl_audit(db, actor, "contract.load", "agreement", d->ref,
                        d->account.account_id, NULL, json, err);
    }
    rc = same_as_stored(&same, db, d, out->agreement_id, err);
    if (rc < 0)
        return rc;
    if (!same) {
        tl_path_key(field, sizeof(field), prefix, "ref");
        return tl_err_add(err, "conflict", field,
                          "agreement %s of account %s exists with other "
                          "terms or rates; amend it instead of reloading",
                          d->ref, d->account_number);
    }
    return 0;
}

typedef struct load_ctx {
    contracts_doc *doc;
    const json_t *json;
    const char *actor;
    contracts_load_result *result;
} load_ctx;

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *ctx = cls;

    return contracts_doc_store(db, ctx->doc, ctx->json, "", ctx->actor,
                               ctx->result, err);
}

int contracts_load(contracts_load_result *out, tl_db *db, const json_t *doc,
                   const char *actor, tl_err *err)
{
    contracts_doc d;
    load_ctx ctx = {&d, doc, actor, out};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = contracts_doc_validate(db, doc, "", &d, err);
    if (rc < 0)
        return rc;
    return tl_db_run_tx(db, "contracts_load", load_tx, &ctx, err);
}

/* ---- reading ---- */

int contracts_read_agreement(const tl_row *row, contracts_agreement_t *out,
                             tl_err *err)
{
    const char *ref = NULL;
    const char *cur = NULL;
    const char *renewal = NULL;
    const char *etf = NULL;
    int64_t v = 0;
    int isnull = 0;

    memset(out, 0, sizeof(*out));
    if (tl_row_int64(row, "account_id", &out->account_id, err) < 0 ||
        tl_row_int64(row, "agreement_id", &out->agreement_id, err) < 0 ||
        tl_row_text(row, "agreement_ref", &ref, err) < 0 ||
        tl_row_date(row, "start_date", &out->start_date, err) < 0 ||
        tl_row_date(row, "end_date", &out->end_date, err) < 0 ||
        tl_row_int(row, "term_months", &out->term_months, err) < 0 ||
        tl_row_int(row, "auto_acceptance_days", &out->auto_acceptance_days,
                   err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_text(row, "renewal_rule", &renewal, err) < 0 ||
        tl_row_int(row, "notice_days", &out->notice_days, err) < 0 ||
        tl_row_money(row, "minimum_commitment_minor", "currency",
                     &out->minimum_commitment, err) < 0 ||
        tl_row_text(row, "etf_rule", &etf, err) < 0 ||
        tl_row_int64(row, "escalator_ppm", &out->escalator_ppm, err) < 0 ||
        tl_row_int(row, "renewed_months", &out->renewed_months, err) < 0 ||
        tl_row_date(row, "current_end_date", &out->current_end_date, err) < 0)
        return TL_ERROR;
    snprintf(out->ref, sizeof(out->ref), "%s", ref);
    snprintf(out->currency, sizeof(out->currency), "%s", cur);
    contracts_renewal_parse(&out->renewal, renewal);
    if (tl_row_int64_opt(row, "renewal_months", &v, &isnull, err) < 0)
        return TL_ERROR;
    out->renewal_months = isnull ? 0 : (int)v;
    if (strcmp(etf, "percent") == 0)
        out->etf_rule = CONTRACTS_ETF_PERCENT;
    else if (strcmp(etf, "fixed") == 0)
        out->etf_rule = CONTRACTS_ETF_FIXED;
    if (tl_row_int64_opt(row, "etf_percent_ppm", &out->etf_percent_ppm, &isnull,
                         err) < 0)
        return TL_ERROR;
    if (tl_row_int64_opt(row, "etf_fixed_minor", &v, &isnull, err) < 0)
        return TL_ERROR;
    tl_money_make(&out->etf_fixed, isnull ? 0 : v, out->currency);
    if (tl_row_date_opt(row, "termination_date", &out->termination_date,
                        &isnull, err) < 0)
        return TL_ERROR;
    out->terminated = !isnull;
    return 0;
}

int contracts_agreement_get(contracts_agreement_t *out, tl_db *db,
                            const char *account_number, const char *ref,
                            tl_err *err)
{
    accounts_account_t acct;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = accounts_get(&acct, db, account_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_text(&p, ref);
    rc = tl_db_query_one(
        db, &res, "contracts_agreement_get",
        "SELECT" CONTRACTS_AGREEMENT_COLS CONTRACTS_AGREEMENT_FROM
        " WHERE a.account_id = $1::bigint"
        " AND a.agreement_ref = $2",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_agreement", "ref",
                          "account %s has no agreement %s", account_number,
                          ref);
    row.res = res;
    row.row = 0;
    rc = contracts_read_agreement(&row, out, err);
    PQclear(res);
    return rc;
}
