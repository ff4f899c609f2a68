/*
 * Manual one-time charges and credits (rules in billing.h). Each one is a
 * person's change, so each is audited on its own; the bill run bills the
 * approved ones and approval of the run marks them billed.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "common/audit.h"
#include "provisioning/provisioning.h"

static const char *const categories[] = {"installation", "construction",
                                         "expedite", "equipment", "other"};

static int known_category(const char *c)
{
    size_t i;

    for (i = 0; c != NULL && i < sizeof(categories) / sizeof(categories[0]);
         i++)
        if (strcmp(c, categories[i]) == 0)
            return 1;
    return 0;
}

static const char *const reason_codes[] = {
    "billing_error", "rate_correction",    "service_outage",
    "goodwill",      "dispute_resolution", "other"};

static int known_reason_code(const char *c)
{
    size_t i;

    for (i = 0; i < sizeof(reason_codes) / sizeof(reason_codes[0]); i++)
        if (strcmp(c, reason_codes[i]) == 0)
            return 1;
    return 0;
}

static int threshold(int64_t *out, tl_db *db, const char *currency, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    *out = 0;
    tl_params_init(&p);
    tl_params_text(&p, currency);
    rc = tl_db_query_one(db, &res, "billing_setting_threshold",
                         "SELECT approval_threshold_minor FROM billing.setting"
                         " WHERE currency = $1",
                         &p, err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "approval_threshold_minor", out, err);
    PQclear(res);
    return rc;
}

typedef struct add_ctx {
    const billing_manual_charge_in *in;
    const char *actor;
    int64_t charge_id;
    int needs_approval;
} add_ctx;

static int add_tx(tl_db *db, void *cls, tl_err *err)
{
    add_ctx *ctx = cls;
    const billing_manual_charge_in *in = ctx->in;
    accounts_account_t acct;
    provisioning_service_t svc;
    PGresult *res = NULL;
    tl_money amount;
    int64_t limit = 0;
    char key[32];
    json_t *after;
    tl_params p;
    tl_row row;
    int is_nrc;
    int rc;

    rc = accounts_get(&acct, db, in->account_number, err);
    if (rc < 0)
        return rc;
    is_nrc = in->kind != NULL && strcmp(in->kind, "NRC") == 0;
    if (in->kind == NULL || (!is_nrc && strcmp(in->kind, "CREDIT") != 0))
        tl_err_add(err, "invalid_kind", "kind", "kind must be NRC or CREDIT");
    if (is_nrc && !known_category(in->category))
        tl_err_add(err, "invalid_category", "category",
                   "a charge needs a category: installation, construction,"
                   " expedite, equipment or other");
    if (!is_nrc && in->category != NULL)
        tl_err_add(err, "invalid_category", "category",
                   "a credit has no category");
    if (in->amount == NULL ||
        tl_money_parse(&amount, in->amount, acct.currency) != 0)
        tl_err_add(err, "invalid_amount", "amount",
                   "amount must be a decimal in %s", acct.currency);
    else if (amount.minor <= 0)
        tl_err_add(err, "invalid_amount", "amount",
                   "amount must be more than zero");
    if (in->description == NULL || in->description[0] == '\0' ||
        strlen(in->description) > 200)
        tl_err_add(err, "invalid_description", "description",
                   "give a description of 1 to 200 characters");
    if (in->reason == NULL || in->reason[0] == '\0' || strlen(in->reason) > 500)
        tl_err_add(err, "invalid_reason", "reason",
                   "give a reason of 1 to 500 characters");
    if (in->reason_code != NULL && !known_reason_code(in->reason_code))
        tl_err_add(err, "invalid_reason_code", "reasonCode",
                   "reason code must be billing_error, rate_correction, "
                   "service_outage, goodwill, dispute_resolution or other");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    if (in->circuit_id != NULL) {
        rc = provisioning_service_get(&svc, db, in->circuit_id, err);
        if (rc < 0)
            return rc;
        if (svc.account_id != acct.account_id)
            return tl_err_set(err, TL_ENOTFOUND, "unknown_circuit", "circuit",
                              "circuit %s is not on account %s", in->circuit_id,
                              in->account_number);
    }
    rc = threshold(&limit, db, acct.currency, err);
    if (rc < 0)
        return rc;
    ctx->needs_approval = amount.minor > limit;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_text(&p, is_nrc ? "NRC" : "CREDIT");
    tl_params_text(&p, is_nrc ? in->category : NULL);
    tl_params_text(&p, in->circuit_id);
    tl_params_int64(&p, amount.minor);
    tl_params_text(&p, acct.currency);
    tl_params_text(&p, in->description);
    tl_params_text(&p, in->reason);
    tl_params_text(&p, ctx->needs_approval ? "requested" : "approved");
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, in->reason_code != NULL ? in->reason_code : "other");
    if (in->corrects_invoice_id != 0) {
        tl_params_int64(&p, in->corrects_invoice_id);
        tl_params_int64(&p, in->corrects_line_no);
    } else {
        tl_params_text(&p, NULL);
        tl_params_text(&p, NULL);
    }
    rc = tl_db_query_one(db, &res, "billing_manual_insert",
                         "INSERT INTO billing.manual_charge (account_id, kind,"
                         " nrc_category, circuit_id, amount_minor, currency,"
                         " description, reason, status, requested_by,"
                         " reason_code, corrects_invoice_id, corrects_line_no)"
                         " VALUES ($1::bigint, $2, $3, $4, $5::bigint, $6,"
                         " $7, $8, $9, $10, $11, $12::bigint, $13::int)"
                         " RETURNING charge_id",
                         &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "charge_id", &ctx->charge_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    snprintf(key, sizeof(key), "%lld", (long long)ctx->charge_id);
    after = json_pack("{s:s, s:I, s:s, s:s, s:s}", "kind",
                      is_nrc ? "NRC" : "CREDIT", "amountMinor",
                      (json_int_t)amount.minor, "currency", acct.currency,
                      "reason", in->reason, "status",
                      ctx->needs_approval ? "requested" : "approved");
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "bill.charge_add", "manual_charge", key,
                  acct.account_id, NULL, after, err);
    json_decref(after);
    return rc;
}

int billing_manual_charge_add(int64_t *charge_id, int *needs_approval,
                              tl_db *db, const billing_manual_charge_in *in,
                              const char *actor, tl_err *err)
{
    add_ctx ctx;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.in = in;
    ctx.actor = actor;
    *charge_id = 0;
    *needs_approval = 0;
    rc = tl_db_run_tx(db, "billing_manual_add", add_tx, &ctx, err);
    if (rc == 0) {
        *charge_id = ctx.charge_id;
        *needs_approval = ctx.needs_approval;
    }
    return rc;
}

typedef struct decide_ctx {
    int64_t charge_id;
    const char *reason; /* NULL: approve */
    const char *actor;
} decide_ctx;

static int decide_tx(tl_db *db, void *cls, tl_err *err)
{
    decide_ctx *ctx = cls;
    PGresult *res = NULL;
    const char *status = NULL;
    const char *requested_by = NULL;
    int64_t account_id = 0;
    char st[16];
    char key[32];
    json_t *after;
    tl_params p;
    tl_row row;
    int is_requester;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->charge_id);
    rc = tl_db_query_one(db, &res, "billing_manual_lock",
                         "SELECT account_id, status, requested_by"
                         " FROM billing.manual_charge"
                         " WHERE charge_id = $1::bigint FOR UPDATE",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_charge", "charge",
                          "manual charge %lld does not exist",
                          (long long)ctx->charge_id);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "account_id", &account_id, err);
    if (rc == 0)
        rc = tl_row_text(&row, "status", &status, err);
    if (rc == 0)
        rc = tl_row_text(&row, "requested_by", &requested_by, err);
    if (rc < 0) {
        PQclear(res);
        return rc;
    }
    snprintf(st, sizeof(st), "%s", status);
    is_requester = strcmp(requested_by, ctx->actor) == 0;
    PQclear(res);
    if (ctx->reason == NULL) {
        if (strcmp(st, "approved") == 0 || strcmp(st, "billed") == 0)
            return 0;
        if (strcmp(st, "requested") != 0)
            return tl_err_set(err, TL_ECONFLICT, "charge_rejected", "charge",
                              "manual charge %lld was rejected",
                              (long long)ctx->charge_id);
        if (is_requester)
            return tl_err_set(err, TL_ECONFLICT, "four_eyes", "actor",
                              "manual charge %lld must be approved by "
                              "someone other than who entered it",
                              (long long)ctx->charge_id);
    } else {
        if (strcmp(st, "rejected") == 0)
            return 0;
        if (strcmp(st, "requested") != 0)
            return tl_err_set(err, TL_ECONFLICT, "charge_decided", "charge",
                              "manual charge %lld is %s and can no longer be "
                              "rejected",
                              (long long)ctx->charge_id, st);
        if (ctx->reason[0] == '\0')
            return tl_err_add(err, "invalid_reason", "reason",
                              "a rejection needs a reason");
    }
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, ctx->charge_id);
    tl_params_text(&p, ctx->actor);
    tl_params_text(&p, ctx->reason);
    rc = tl_db_exec(db, "billing_manual_decide",
                    "UPDATE billing.manual_charge SET"
                    " status = CASE WHEN $4::text IS NULL THEN 'approved'"
                    "  ELSE 'rejected' END,"
                    " approved_by = $3, decided_at = now(),"
                    " reject_reason = $4"
                    " WHERE account_id = $1::bigint"
                    " AND charge_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    snprintf(key, sizeof(key), "%lld", (long long)ctx->charge_id);
    after = json_pack("{s:s, s:s}", "status",
                      ctx->reason == NULL ? "approved" : "rejected", "reason",
                      ctx->reason != NULL ? ctx->reason : "");
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor,
                  ctx->reason == NULL ? "bill.charge_approve"
                                      : "bill.charge_reject",
                  "manual_charge", key, account_id, NULL, after, err);
    json_decref(after);
    return rc;
}

int billing_manual_charge_approve(tl_db *db, int64_t charge_id,
                                  const char *actor, tl_err *err)
{
    decide_ctx ctx = {charge_id, NULL, actor};

    return tl_db_run_tx(db, "billing_manual_approve", decide_tx, &ctx, err);
}

int billing_manual_charge_reject(tl_db *db, int64_t charge_id,
                                 const char *reason, const char *actor,
                                 tl_err *err)
{
    decide_ctx ctx = {charge_id, reason != NULL ? reason : "", actor};

    return tl_db_run_tx(db, "billing_manual_reject", decide_tx, &ctx, err);
}

typedef struct list_ctx {
    billing_manual_fn fn;
    void *cls;
    int count;
} list_ctx;

static const char *or_empty(const char *s)
{
    return s != NULL ? s : "";
}

static int manual_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    billing_manual_charge_t m;

    memset(&m, 0, sizeof(m));
    if (tl_row_int64(row, "charge_id", &m.charge_id, err) < 0 ||
        tl_row_text(row, "account_number", &m.account_number, err) < 0 ||
        tl_row_text(row, "kind", &m.kind, err) < 0 ||
        tl_row_text(row, "nrc_category", &m.category, err) < 0 ||
        tl_row_text(row, "circuit_id", &m.circuit_id, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &m.amount, err) < 0 ||
        tl_row_text(row, "description", &m.description, err) < 0 ||
        tl_row_text(row, "reason", &m.reason, err) < 0 ||
        tl_row_text(row, "status", &m.status, err) < 0 ||
        tl_row_text(row, "requested_by", &m.requested_by, err) < 0 ||
        tl_row_text(row, "approved_by", &m.approved_by, err) < 0 ||
        tl_row_text(row, "reject_reason", &m.reject_reason, err) < 0)
        return TL_ERROR;
    m.category = or_empty(m.category);
    m.circuit_id = or_empty(m.circuit_id);
    m.approved_by = or_empty(m.approved_by);
    m.reject_reason = or_empty(m.reject_reason);
    ctx->count++;
    return ctx->fn(&m, ctx->cls, err);
}

int billing_manual_charges(tl_db *db, const char *status, billing_manual_fn fn,
                           void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls, 0};
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, status);
    rc = tl_db_select(db, "billing_manual_list",
                      "SELECT m.charge_id, a.account_number, m.kind,"
                      " m.nrc_category, m.circuit_id, m.amount_minor,"
                      " m.currency, m.description, m.reason, m.status,"
                      " m.requested_by, m.approved_by, m.reject_reason"
                      " FROM billing.manual_charge m"
                      " JOIN accounts.billing_account a USING (account_id)"
                      " WHERE $1::text IS NULL OR m.status = $1"
                      " ORDER BY m.charge_id DESC",
                      &p, manual_row, &ctx, err);
    return rc < 0 ? rc : ctx.count;
}
