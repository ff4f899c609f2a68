/*
 * An agreement as one document: its terms in the load format, its rates,
 * its amendments in order and its termination.
 */
#include <stdio.h>
#include <string.h>

#include "contracts/contracts_internal.h"

static int set(json_t *o, const char *key, json_t *v)
{
    return v == NULL ? -1 : json_object_set_new(o, key, v);
}

static json_t *date_json(tl_date d)
{
    char buf[16];

    if (tl_date_format(buf, sizeof(buf), d) < 0)
        return NULL;
    return json_string(buf);
}

static json_t *money_json(const tl_money *m)
{
    char buf[32];

    if (tl_money_format(buf, sizeof(buf), m) < 0)
        return NULL;
    return json_string(buf);
}

static json_t *percent_json(int64_t ppm)
{
    char buf[16];

    if (contracts_percent_format(buf, sizeof(buf), ppm) < 0)
        return NULL;
    return json_string(buf);
}

static json_t *terms_json(const contracts_agreement_t *a,
                          const char *account_number)
{
    json_t *o = json_object();
    int bad = 0;

    if (o == NULL)
        return NULL;
    bad |= set(o, "ref", json_string(a->ref));
    bad |= set(o, "accountNumber", json_string(account_number));
    bad |= set(o, "agreementId", json_integer(a->agreement_id));
    bad |= set(o, "startDate", date_json(a->start_date));
    bad |= set(o, "termMonths", json_integer(a->term_months));
    bad |= set(o, "endDate", date_json(a->end_date));
    bad |= set(o, "currentEndDate", date_json(a->current_end_date));
    bad |= set(o, "renewedMonths", json_integer(a->renewed_months));
    bad |= set(o, "autoAcceptanceDays", json_integer(a->auto_acceptance_days));
    bad |= set(o, "currency", json_string(a->currency));
    bad |= set(o, "renewal", json_string(contracts_renewal_name(a->renewal)));
    if (a->renewal == CONTRACTS_RENEW_N)
        bad |= set(o, "renewalMonths", json_integer(a->renewal_months));
    bad |= set(o, "noticeDays", json_integer(a->notice_days));
    bad |= set(o, "noticeDeadline",
               date_json(contracts_notice_deadline(a->current_end_date,
                                                   a->notice_days)));
    bad |= set(o, "minimumCommitment", money_json(&a->minimum_commitment));
    if (a->etf_rule == CONTRACTS_ETF_PERCENT)
        bad |= set(o, "etfPercent", percent_json(a->etf_percent_ppm));
    if (a->etf_rule == CONTRACTS_ETF_FIXED)
        bad |= set(o, "etfFixed", money_json(&a->etf_fixed));
    bad |= set(o, "escalatorPercent", percent_json(a->escalator_ppm));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int add_rate(const tl_row *row, void *cls, tl_err *err)
{
    json_t *arr = cls;
    const char *code = NULL;
    tl_money amount;
    json_t *r;

    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &amount, err) < 0)
        return TL_ERROR;
    r = json_object();
    if (r == NULL || set(r, "code", json_string(code)) != 0 ||
        set(r, "amount", money_json(&amount)) != 0 ||
        json_array_append_new(arr, r) != 0)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    return 0;
}

static json_t *jsonb(const char *text)
{
    json_error_t jerr;

    if (text == NULL)
        return json_null();
    return json_loads(text, 0, &jerr);
}

static int add_amendment(const tl_row *row, void *cls, tl_err *err)
{
    json_t *arr = cls;
    const char *kind = NULL;
    const char *actor = NULL;
    const char *before = NULL;
    const char *after = NULL;
    const char *key = NULL;
    tl_date effective = 0;
    json_t *r;

    if (tl_row_text(row, "kind", &kind, err) < 0 ||
        tl_row_date(row, "effective_date", &effective, err) < 0 ||
        tl_row_text(row, "actor", &actor, err) < 0 ||
        tl_row_text(row, "before", &before, err) < 0 ||
        tl_row_text(row, "after", &after, err) < 0 ||
        tl_row_text(row, "idempotency_key", &key, err) < 0)
        return TL_ERROR;
    r = json_object();
    if (r == NULL || set(r, "kind", json_string(kind)) != 0 ||
        set(r, "effectiveDate", date_json(effective)) != 0 ||
        set(r, "actor", json_string(actor)) != 0 ||
        set(r, "key", json_string(key)) != 0 ||
        set(r, "before", jsonb(before)) != 0 ||
        set(r, "after", jsonb(after)) != 0 ||
        json_array_append_new(arr, r) != 0)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    return 0;
}

static int add_termination(const tl_row *row, void *cls, tl_err *err)
{
    json_t *doc = cls;
    const char *reason = NULL;
    tl_date date = 0;
    tl_money mrc;
    tl_money etf;
    int months = 0;
    int days = 0;
    int month_days = 0;
    json_t *t;

    if (tl_row_date(row, "termination_date", &date, err) < 0 ||
        tl_row_text(row, "reason", &reason, err) < 0 ||
        tl_row_int(row, "remaining_months", &months, err) < 0 ||
        tl_row_int(row, "remaining_days", &days, err) < 0 ||
        tl_row_int(row, "month_days", &month_days, err) < 0 ||
        tl_row_money(row, "mrc_minor", "currency", &mrc, err) < 0 ||
        tl_row_money(row, "etf_minor", "currency", &etf, err) < 0)
        return TL_ERROR;
    t = json_object();
    if (t == NULL || set(t, "date", date_json(date)) != 0 ||
        set(t, "reason", json_string(reason)) != 0 ||
        set(t, "remainingMonths", json_integer(months)) != 0 ||
        set(t, "remainingDays", json_integer(days)) != 0 ||
        set(t, "monthDays", json_integer(month_days)) != 0 ||
        set(t, "mrc", money_json(&mrc)) != 0 ||
        set(t, "etf", money_json(&etf)) != 0 ||
        json_object_set_new(doc, "termination", t) != 0)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    return 0;
}

int contracts_describe(json_t **out, tl_db *db, const char *account_number,
                       const char *ref, tl_err *err)
{
    contracts_agreement_t a;
    json_t *doc = NULL;
    json_t *rates = NULL;
    json_t *amendments = NULL;
    tl_params p;
    int rc;

    *out = NULL;
    rc = contracts_agreement_get(&a, db, account_number, ref, err);
    if (rc < 0)
        return rc;
    doc = terms_json(&a, account_number);
    rates = json_array();
    amendments = json_array();
    if (doc == NULL || rates == NULL || amendments == NULL ||
        json_object_set_new(doc, "termination", json_null()) != 0) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        goto cleanup;
    }
    tl_params_init(&p);
    tl_params_int64(&p, a.account_id);
    tl_params_int64(&p, a.agreement_id);
    rc = tl_db_select(db, "contracts_describe_rates",
                      "SELECT r.code, r.amount_minor, a.currency"
                      " FROM contracts.rate r JOIN contracts.agreement a"
                      " USING (account_id, agreement_id)"
                      " WHERE r.account_id = $1::bigint"
                      " AND r.agreement_id = $2::bigint ORDER BY r.code",
                      &p, add_rate, rates, err);
    if (rc >= 0)
        rc = tl_db_select(db, "contracts_describe_amendments",
                          "SELECT kind, effective_date, actor, before::text,"
                          " after::text, idempotency_key"
                          " FROM contracts.amendment"
                          " WHERE account_id = $1::bigint"
                          " AND agreement_id = $2::bigint"
                          " ORDER BY amendment_id",
                          &p, add_amendment, amendments, err);
    if (rc >= 0)
        rc = tl_db_select(db, "contracts_describe_termination",
                          "SELECT termination_date, reason, remaining_months,"
                          " remaining_days, month_days, mrc_minor, etf_minor,"
                          " currency FROM contracts.termination"
                          " WHERE account_id = $1::bigint"
                          " AND agreement_id = $2::bigint",
                          &p, add_termination, doc, err);
    if (rc < 0)
        goto cleanup;
    if (json_object_set(doc, "rates", rates) != 0 ||
        json_object_set(doc, "amendments", amendments) != 0) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        goto cleanup;
    }
    *out = doc;
    doc = NULL;
    rc = 0;
cleanup:
    json_decref(rates);
    json_decref(amendments);
    json_decref(doc);
    return rc;
}
