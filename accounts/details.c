/*
 * Account details: invoice delivery, credit limit, parent and children,
 * contacts, tax exemptions, listing, and the account-number scheme.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "accounts/accounts_internal.h"
#include "common/audit.h"

int accounts_get_details(accounts_details_t *out, tl_db *db, int64_t account_id,
                         tl_err *err)
{
    PGresult *r = NULL;
    const char *v = NULL;
    const char *cur = NULL;
    int64_t limit = 0;
    int isnull = 1;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    rc =
        tl_db_query_one(db, &r, "accounts_details_get",
                        "SELECT b.invoice_delivery, b.invoice_delivery_address,"
                        " b.credit_limit_minor, b.currency, b.po_required,"
                        " pa.account_number AS parent_number"
                        " FROM accounts.billing_account b"
                        " LEFT JOIN accounts.billing_account pa"
                        "  ON pa.account_id = b.parent_account_id"
                        " WHERE b.account_id = $1::bigint",
                        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_account", "accountId",
                          "account id %lld does not exist",
                          (long long)account_id);
    row.res = r;
    row.row = 0;
    rc = tl_row_text(&row, "invoice_delivery", &v, err);
    if (rc == 0) {
        accounts_copy(out->invoice_delivery, sizeof(out->invoice_delivery), v);
        rc = tl_row_text(&row, "invoice_delivery_address", &v, err);
    }
    if (rc == 0) {
        accounts_copy(out->invoice_delivery_address,
                      sizeof(out->invoice_delivery_address), v);
        rc = tl_row_text(&row, "parent_number", &v, err);
    }
    if (rc == 0) {
        accounts_copy(out->parent_account_number,
                      sizeof(out->parent_account_number), v);
        rc = tl_row_int64_opt(&row, "credit_limit_minor", &limit, &isnull, err);
    }
    if (rc == 0)
        rc = tl_row_text(&row, "currency", &cur, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "po_required", &out->po_required, err);
    if (rc == 0) {
        out->has_credit_limit = !isnull;
        tl_money_make(&out->credit_limit, isnull ? 0 : limit, cur);
    }
    PQclear(r);
    return rc;
}

typedef struct contact_ctx {
    int (*fn)(const accounts_contact_t *c, void *payload);
    void *payload;
} contact_ctx;

static int contact_row(const tl_row *row, void *cls, tl_err *err)
{
    contact_ctx *ctx = cls;
    accounts_contact_t c;
    const char *v[4] = {NULL, NULL, NULL, NULL};

    if (tl_row_text(row, "role", &v[0], err) < 0 ||
        tl_row_text(row, "name", &v[1], err) < 0 ||
        tl_row_text(row, "email", &v[2], err) < 0 ||
        tl_row_text(row, "phone", &v[3], err) < 0)
        return TL_ERROR;
    accounts_copy(c.role, sizeof(c.role), v[0]);
    accounts_copy(c.name, sizeof(c.name), v[1]);
    accounts_copy(c.email, sizeof(c.email), v[2]);
    accounts_copy(c.phone, sizeof(c.phone), v[3]);
    if (ctx->fn(&c, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

int accounts_contacts(tl_db *db, int64_t account_id,
                      int (*fn)(const accounts_contact_t *c, void *payload),
                      void *payload, tl_err *err)
{
    contact_ctx ctx = {fn, payload};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    return tl_db_select(db, "accounts_contacts",
                        "SELECT role, name, email, phone FROM accounts.contact"
                        " WHERE account_id = $1::bigint"
                        " ORDER BY role, name, email",
                        &p, contact_row, &ctx, err);
}

typedef struct child_ctx {
    int (*fn)(const char *number, void *payload);
    void *payload;
} child_ctx;

static int child_row(const tl_row *row, void *cls, tl_err *err)
{
    child_ctx *ctx = cls;
    const char *number = NULL;

    if (tl_row_text(row, "account_number", &number, err) < 0)
        return TL_ERROR;
    if (ctx->fn(number, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

int accounts_children(tl_db *db, int64_t account_id,
                      int (*fn)(const char *account_number, void *payload),
                      void *payload, tl_err *err)
{
    child_ctx ctx = {fn, payload};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    return tl_db_select(db, "accounts_children",
                        "SELECT account_number FROM accounts.billing_account"
                        " WHERE parent_account_id = $1::bigint"
                        " ORDER BY account_number",
                        &p, child_row, &ctx, err);
}

int accounts_tax_exempt(int *exempt, tl_db *db, int64_t account_id,
                        const char *jurisdiction, const char *category,
                        tl_date day, tl_err *err)
{
    tl_params p;
    int rc;

    *exempt = 0;
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, jurisdiction);
    tl_params_text(&p, category);
    tl_params_date(&p, day);
    rc = tl_db_exec(db, "accounts_tax_exempt",
                    "SELECT 1 FROM accounts.tax_exemption"
                    " WHERE account_id = $1::bigint AND jurisdiction = $2"
                    " AND (charge_category IS NULL OR charge_category = $3)"
                    " AND valid_from <= $4::date"
                    " AND (valid_to IS NULL OR valid_to > $4::date)",
                    &p, err);
    if (rc < 0)
        return rc;
    *exempt = rc > 0;
    return 0;
}

typedef struct exemption_ctx {
    int (*fn)(const accounts_tax_exemption_t *x, void *payload);
    void *payload;
} exemption_ctx;

static int exemption_row(const tl_row *row, void *cls, tl_err *err)
{
    exemption_ctx *ctx = cls;
    accounts_tax_exemption_t x;
    const char *v[3] = {NULL, NULL, NULL};
    int isnull = 1;

    memset(&x, 0, sizeof(x));
    if (tl_row_text(row, "certificate_number", &v[0], err) < 0 ||
        tl_row_text(row, "jurisdiction", &v[1], err) < 0 ||
        tl_row_text(row, "charge_category", &v[2], err) < 0 ||
        tl_row_date(row, "valid_from", &x.valid_from, err) < 0 ||
        tl_row_date_opt(row, "valid_to", &x.valid_to, &isnull, err) < 0)
        return TL_ERROR;
    x.has_valid_to = !isnull;
    accounts_copy(x.certificate_number, sizeof(x.certificate_number), v[0]);
    accounts_copy(x.jurisdiction, sizeof(x.jurisdiction), v[1]);
    accounts_copy(x.category, sizeof(x.category), v[2]);
    if (ctx->fn(&x, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

int accounts_tax_exemptions(tl_db *db, int64_t account_id,
                            int (*fn)(const accounts_tax_exemption_t *x,
                                      void *payload),
                            void *payload, tl_err *err)
{
    exemption_ctx ctx = {fn, payload};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    return tl_db_select(db, "accounts_tax_exemptions",
                        "SELECT certificate_number, jurisdiction,"
                        " charge_category, valid_from, valid_to"
                        " FROM accounts.tax_exemption"
                        " WHERE account_id = $1::bigint"
                        " ORDER BY valid_from, certificate_number",
                        &p, exemption_row, &ctx, err);
}

typedef struct exemptions_of_ctx {
    int (*fn)(int64_t account_id, const accounts_tax_exemption_t *x,
              void *payload);
    void *payload;
    int64_t account_id; /* of the row being read */
} exemptions_of_ctx;

static int exemption_of_one(const accounts_tax_exemption_t *x, void *payload)
{
    exemptions_of_ctx *ctx = payload;

    return ctx->fn(ctx->account_id, x, ctx->payload);
}

static int exemption_of_row(const tl_row *row, void *cls, tl_err *err)
{
    exemptions_of_ctx *ctx = cls;
    exemption_ctx one = {exemption_of_one, ctx};

    if (tl_row_int64(row, "account_id", &ctx->account_id, err) < 0)
        return TL_ERROR;
    return exemption_row(row, &one, err);
}

int accounts_tax_exemptions_of(tl_db *db, const int64_t *ids, size_t n,
                               int (*fn)(int64_t account_id,
                                         const accounts_tax_exemption_t *x,
                                         void *payload),
                               void *payload, tl_err *err)
{
    exemptions_of_ctx ctx = {fn, payload, 0};
    char *array = tl_db_int64_array(ids, n);
    tl_params p;
    int rc;

    if (array == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_text(&p, array);
    rc = tl_db_select(db, "accounts_tax_exemptions_of",
                      "SELECT account_id, certificate_number, jurisdiction,"
                      " charge_category, valid_from, valid_to"
                      " FROM accounts.tax_exemption"
                      " WHERE account_id = ANY($1::bigint[])"
                      " ORDER BY account_id, valid_from, certificate_number",
                      &p, exemption_of_row, &ctx, err);
    free(array);
    return rc;
}

typedef struct list_ctx {
    int (*fn)(const accounts_account_t *a, void *payload);
    void *payload;
} list_ctx;

static int list_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    accounts_account_t a;
    const char *v[7] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};

    memset(&a, 0, sizeof(a));
    if (tl_row_int64(row, "account_id", &a.account_id, err) < 0 ||
        tl_row_int64(row, "customer_id", &a.customer_id, err) < 0 ||
        tl_row_text(row, "account_number", &v[0], err) < 0 ||
        tl_row_text(row, "name", &v[1], err) < 0 ||
        tl_row_text(row, "customer_name", &v[2], err) < 0 ||
        tl_row_text(row, "customer_ref", &v[5], err) < 0 ||
        tl_row_text(row, "customer_kind", &v[6], err) < 0 ||
        tl_row_text(row, "currency", &v[3], err) < 0 ||
        tl_row_int(row, "bill_cycle_day", &a.bill_cycle_day, err) < 0 ||
        tl_row_int(row, "payment_terms_days", &a.payment_terms_days, err) < 0 ||
        tl_row_text(row, "status", &v[4], err) < 0)
        return TL_ERROR;
    accounts_copy(a.account_number, sizeof(a.account_number), v[0]);
    accounts_copy(a.name, sizeof(a.name), v[1]);
    accounts_copy(a.customer_name, sizeof(a.customer_name), v[2]);
    accounts_copy(a.customer_ref, sizeof(a.customer_ref), v[5]);
    accounts_copy(a.customer_kind, sizeof(a.customer_kind), v[6]);
    accounts_copy(a.currency, sizeof(a.currency), v[3]);
    accounts_copy(a.status, sizeof(a.status), v[4]);
    if (ctx->fn(&a, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

int accounts_list(tl_db *db, const char *customer_ref, const char *status,
                  int (*fn)(const accounts_account_t *a, void *payload),
                  void *payload, tl_err *err)
{
    list_ctx ctx = {fn, payload};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, customer_ref);
    tl_params_text(&p, status);
    return tl_db_select(
        db, "accounts_list",
        "SELECT a.account_id, a.customer_id, a.account_number, a.name,"
        " c.name AS customer_name, c.customer_ref, c.kind AS customer_kind,"
        " a.currency, a.bill_cycle_day, a.payment_terms_days, a.status"
        " FROM accounts.billing_account a JOIN accounts.customer c"
        " USING (customer_id)"
        " WHERE ($1::text IS NULL OR c.customer_ref = $1)"
        " AND ($2::text IS NULL OR a.status = $2)"
        " ORDER BY a.account_number",
        &p, list_row, &ctx, err);
}

typedef struct scheme_ctx {
    const char *prefix;
    int digits;
    int64_t next_value;
    const char *actor;
} scheme_ctx;

static int scheme_tx(tl_db *db, void *cls, tl_err *err)
{
    scheme_ctx *ctx = cls;
    json_t *after = NULL;
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, ctx->prefix);
    tl_params_int64(&p, ctx->digits);
    tl_params_int64(&p, ctx->next_value);
    rc = tl_db_exec(db, "accounts_scheme_set",
                    "UPDATE accounts.account_number_scheme SET prefix = $1,"
                    " digits = $2::smallint, next_value = $3::bigint"
                    " WHERE scheme_id = 1",
                    &p, err);
    if (rc < 0)
        return rc;
    after = json_pack("{s:s, s:i, s:I}", "prefix", ctx->prefix, "digits",
                      ctx->digits, "nextValue", (json_int_t)ctx->next_value);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "accounts.number_scheme",
                  "account_number_scheme", "1", 0, NULL, after, err);
    json_decref(after);
    return rc;
}

int accounts_set_number_scheme(tl_db *db, const char *prefix, int digits,
                               int64_t next_value, const char *actor,
                               tl_err *err)
{
    scheme_ctx ctx = {prefix, digits, next_value, actor};

    return tl_db_run_tx(db, "accounts_set_number_scheme", scheme_tx, &ctx, err);
}

/* ---- credit limit (for collections' credit reviews) ---- */

typedef struct limit_ctx {
    const char *account_number;
    const tl_money *limit;
    const char *actor;
} limit_ctx;

static json_t *limit_json(int has, int64_t minor, const char *cur)
{
    char buf[32];
    tl_money m;

    if (!has)
        return json_pack("{s:n}", "creditLimit");
    if (tl_money_make(&m, minor, cur) != 0 ||
        tl_money_format(buf, sizeof(buf), &m) < 0)
        return NULL;
    return json_pack("{s:s}", "creditLimit", buf);
}

static int limit_tx(tl_db *db, void *cls, tl_err *err)
{
    limit_ctx *ctx = cls;
    accounts_account_t acct;
    accounts_details_t before;
    json_t *b = NULL;
    json_t *a = NULL;
    char key[32];
    tl_params p;
    int rc;

    rc = accounts_get(&acct, db, ctx->account_number, err);
    if (rc < 0)
        return rc;
    if (ctx->limit != NULL && strcmp(ctx->limit->cur, acct.currency) != 0)
        return tl_err_add(err, "currency", "creditLimit",
                          "account %s is billed in %s, not %s",
                          acct.account_number, acct.currency, ctx->limit->cur);
    rc = accounts_get_details(&before, db, acct.account_id, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    if (ctx->limit != NULL)
        tl_params_int64(&p, ctx->limit->minor);
    else
        tl_params_null(&p);
    rc = tl_db_exec(db, "accounts_set_credit_limit",
                    "UPDATE accounts.billing_account"
                    " SET credit_limit_minor = $2::bigint"
                    " WHERE account_id = $1::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    b = limit_json(before.has_credit_limit, before.credit_limit.minor,
                   acct.currency);
    a = limit_json(ctx->limit != NULL, ctx->limit ? ctx->limit->minor : 0,
                   acct.currency);
    if (b == NULL || a == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    snprintf(key, sizeof(key), "%lld", (long long)acct.account_id);
    rc = tl_audit(db, ctx->actor, "account.credit_limit", "billing_account",
                  key, acct.account_id, b, a, err);
cleanup:
    json_decref(b);
    json_decref(a);
    return rc;
}

int accounts_set_credit_limit(tl_db *db, const char *account_number,
                              const tl_money *limit, const char *actor,
                              tl_err *err)
{
    limit_ctx ctx = {account_number, limit, actor};

    if (limit != NULL && limit->minor < 0)
        return tl_err_add(err, "negative", "creditLimit",
                          "a credit limit cannot be negative");
    return tl_db_run_tx(db, "accounts_set_credit_limit", limit_tx, &ctx, err);
}
