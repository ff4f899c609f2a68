/*
 * Customers, billing accounts and the address master.
 *
 * Loading follows the catalog's pattern: validate the whole document, then
 * write it in one transaction with ON CONFLICT DO NOTHING and compare rows
 * that were already there, so a second load of the same file is a no-op
 * and a changed one is reported row by row.
 */
#include "accounts/accounts.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/audit.h"
#include "common/json.h"
#include "common/money.h"

#define MAX_ACCOUNTS 1000
#define MAX_SITES 1000

static const char *const customer_keys[] = {"ref", "name", "kind", NULL};
static const char *const account_keys[] = {
    "accountNumber",    "name",  "currency", "billCycleDay",
    "paymentTermsDays", "sites", NULL};
static const char *const site_keys[] = {"name", "address", NULL};
static const char *const address_keys[] = {
    "line1", "line2", "city", "region", "postcode", "country", NULL};

/* Appends s upper-cased with runs of blanks collapsed to one space and no
 * leading or trailing blanks. Returns 0 or TL_EOVERFLOW. */
static int append_normalized(char *buf, size_t size, size_t *len, const char *s)
{
    int pending_space = 0;

    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (isspace(c)) {
            pending_space = 1;
            continue;
        }
        if (pending_space && *len > 0 && buf[*len - 1] != '|') {
            if (*len + 1 >= size)
                return TL_EOVERFLOW;
            buf[(*len)++] = ' ';
        }
        pending_space = 0;
        if (*len + 1 >= size)
            return TL_EOVERFLOW;
        buf[(*len)++] = (char)toupper(c);
    }
    buf[*len] = '\0';
    return 0;
}

int accounts_address_key(char *buf, size_t size, const accounts_address_t *addr)
{
    const char *parts[6];
    size_t len = 0;
    size_t i;

    parts[0] = addr->line1;
    parts[1] = addr->line2;
    parts[2] = addr->city;
    parts[3] = addr->region;
    parts[4] = addr->postcode;
    parts[5] = addr->country;
    if (size == 0)
        return TL_EOVERFLOW;
    buf[0] = '\0';
    for (i = 0; i < 6; i++) {
        if (i > 0) {
            if (len + 1 >= size)
                return TL_EOVERFLOW;
            buf[len++] = '|';
            buf[len] = '\0';
        }
        if (append_normalized(buf, size, &len, parts[i]) != 0)
            return TL_EOVERFLOW;
    }
    return 0;
}

/* ---- validation ---- */

static void validate_address(const json_t *a, const char *path, tl_err *err)
{
    const char *s = NULL;
    char field[TL_ERR_FIELD_MAX];

    tl_json_only_keys(a, path, address_keys, err);
    tl_json_str(a, "line1", path, 1, 120, &s, err);
    tl_json_str(a, "line2", path, 0, 120, &s, err);
    tl_json_str(a, "city", path, 1, 80, &s, err);
    tl_json_str(a, "region", path, 1, 40, &s, err);
    tl_json_str(a, "postcode", path, 1, 16, &s, err);
    tl_json_str(a, "country", path, 1, 2, &s, err);
    if (s != NULL && (strlen(s) != 2 || !isupper((unsigned char)s[0]) ||
                      !isupper((unsigned char)s[1]))) {
        tl_path_key(field, sizeof(field), path, "country");
        tl_err_add(err, "format", field,
                   "country must be an ISO 3166 alpha-2 code such as US");
    }
}

static int is_account_number(const char *s)
{
    size_t n = strlen(s);
    size_t i;

    if (n < 3 || n > 32)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (i > 0 && c == '-')))
            return 0;
    }
    return 1;
}

static void validate_account(const json_t *a, const char *path, tl_err *err)
{
    const char *s = NULL;
    const json_t *sites = NULL;
    const json_t *addr = NULL;
    int64_t n;
    char field[TL_ERR_FIELD_MAX];
    char spath[TL_ERR_FIELD_MAX];
    size_t i;

    if (!json_is_object(a)) {
        tl_err_add(err, "type", path, "each account must be an object");
        return;
    }
    tl_json_only_keys(a, path, account_keys, err);
    tl_json_str(a, "accountNumber", path, 1, 32, &s, err);
    if (s != NULL && !is_account_number(s)) {
        tl_path_key(field, sizeof(field), path, "accountNumber");
        tl_err_add(err, "format", field,
                   "accountNumber must be 3-32 upper-case letters, digits "
                   "or '-'");
    }
    tl_json_str(a, "name", path, 1, 150, &s, err);
    tl_json_str(a, "currency", path, 1, 3, &s, err);
    if (s != NULL && !tl_currency_known(s)) {
        tl_path_key(field, sizeof(field), path, "currency");
        tl_err_add(err, "currency", field,
                   "currency \"%s\" is not an ISO 4217 code we know", s);
    }
    tl_json_int(a, "billCycleDay", path, 1, 1, 31, &n, NULL, err);
    tl_json_int(a, "paymentTermsDays", path, 1, 0, 365, &n, NULL, err);
    tl_json_array(a, "sites", path, 0, 0, MAX_SITES, &sites, err);
    tl_path_key(field, sizeof(field), path, "sites");
    for (i = 0; sites != NULL && i < json_array_size(sites); i++) {
        const json_t *site = json_array_get(sites, i);
        tl_path_index(spath, sizeof(spath), field, i);
        if (!json_is_object(site)) {
            tl_err_add(err, "type", spath, "each site must be an object");
            continue;
        }
        tl_json_only_keys(site, spath, site_keys, err);
        tl_json_str(site, "name", spath, 1, 120, &s, err);
        if (tl_json_object(site, "address", spath, 1, &addr, err) == 0 &&
            addr != NULL) {
            char apath[TL_ERR_FIELD_MAX];
            tl_path_key(apath, sizeof(apath), spath, "address");
            validate_address(addr, apath, err);
        }
    }
}

static int validate_doc(const json_t *doc, tl_err *err)
{
    static const char *const top_keys[] = {"customer", "accounts", NULL};
    const json_t *cust = NULL;
    const json_t *accts = NULL;
    const char *s = NULL;
    char path[TL_ERR_FIELD_MAX];
    size_t i;

    if (!json_is_object(doc))
        return tl_err_add(err, "type", "", "the document must be an object");
    tl_json_only_keys(doc, "", top_keys, err);
    if (tl_json_object(doc, "customer", "", 1, &cust, err) == 0 &&
        cust != NULL) {
        tl_json_only_keys(cust, "customer", customer_keys, err);
        tl_json_str(cust, "ref", "customer", 1, 64, &s, err);
        tl_json_str(cust, "name", "customer", 1, 150, &s, err);
        tl_json_str(cust, "kind", "customer", 1, 20, &s, err);
        if (s != NULL && strcmp(s, "enterprise") != 0 &&
            strcmp(s, "wholesale") != 0)
            tl_err_add(err, "format", "customer.kind",
                       "kind must be enterprise or wholesale");
    }
    tl_json_array(doc, "accounts", "", 1, 1, MAX_ACCOUNTS, &accts, err);
    for (i = 0; accts != NULL && i < json_array_size(accts); i++) {
        tl_path_index(path, sizeof(path), "accounts", i);
        validate_account(json_array_get(accts, i), path, err);
    }
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

/* ---- writing ---- */

typedef struct load_ctx {
    const json_t *doc;
    const char *actor;
    accounts_load_result *result;
} load_ctx;

/* One audit event per load that changed anything, with its counts. */
static int audit_load(const load_ctx *ctx, tl_db *db, tl_err *err)
{
    const accounts_load_result *r = ctx->result;
    const json_t *cust = json_object_get(ctx->doc, "customer");
    json_t *after;
    int rc;

    if (r->customers_added + r->accounts_added + r->sites_added == 0)
        return 0;
    after = json_pack("{s:i, s:i, s:i}", "customersAdded", r->customers_added,
                      "accountsAdded", r->accounts_added, "sitesAdded",
                      r->sites_added);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "accounts.load", "customer",
                  json_string_value(json_object_get(cust, "ref")), 0, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

static const char *member_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int write_customer(tl_db *db, const json_t *c, accounts_load_result *res,
                          tl_err *err)
{
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, member_str(c, "ref"));
    tl_params_text(&p, member_str(c, "name"));
    tl_params_text(&p, member_str(c, "kind"));
    rc =
        tl_db_exec(db, "accounts_customer_insert",
                   "INSERT INTO accounts.customer (customer_ref, name, kind)"
                   " VALUES ($1, $2, $3) ON CONFLICT (customer_ref) DO NOTHING",
                   &p, err);
    if (rc < 0)
        return rc;
    res->customers_added += rc;
    rc = tl_db_query_one(db, &r, "accounts_customer_get",
                         "SELECT customer_id, (name = $2 AND kind = $3) AS same"
                         " FROM accounts.customer WHERE customer_ref = $1",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ERROR, "internal", "customer.ref",
                          "customer vanished while loading");
    row.res = r;
    row.row = 0;
    {
        int same = 0;
        if (tl_row_int64(&row, "customer_id", &res->customer_id, err) < 0 ||
            tl_row_bool(&row, "same", &same, err) < 0) {
            PQclear(r);
            return TL_ERROR;
        }
        if (!same)
            tl_err_add(err, "conflict", "customer",
                       "customer %s exists with another name or kind",
                       member_str(c, "ref"));
        else if (res->customers_added == 0)
            res->unchanged++;
    }
    PQclear(r);
    return 0;
}

static int write_site(tl_db *db, int64_t account_id, const json_t *site,
                      const char *path, accounts_load_result *res, tl_err *err)
{
    const json_t *a = json_object_get(site, "address");
    accounts_address_t addr;
    char key[512];
    int64_t address_id = 0;
    tl_params p;
    int rc;

    addr.line1 = member_str(a, "line1");
    addr.line2 = member_str(a, "line2");
    addr.city = member_str(a, "city");
    addr.region = member_str(a, "region");
    addr.postcode = member_str(a, "postcode");
    addr.country = member_str(a, "country");
    if (accounts_address_key(key, sizeof(key), &addr) != 0) {
        tl_err_add(err, "too_long", path, "address is too long");
        return 0;
    }
    tl_params_init(&p);
    tl_params_text(&p, addr.line1);
    tl_params_text(&p, addr.line2);
    tl_params_text(&p, addr.city);
    tl_params_text(&p, addr.region);
    tl_params_text(&p, addr.postcode);
    tl_params_text(&p, addr.country);
    tl_params_text(&p, key);
    rc = tl_db_exec(db, "accounts_address_insert",
                    "INSERT INTO accounts.address (line1, line2, city, region,"
                    " postcode, country, normalized_key)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (normalized_key) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    rc = accounts_address_find(&address_id, db, &addr, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, address_id);
    tl_params_text(&p, member_str(site, "name"));
    rc = tl_db_exec(db, "accounts_site_insert",
                    "INSERT INTO accounts.account_site"
                    " (account_id, address_id, site_name)"
                    " VALUES ($1::bigint, $2::bigint, $3)"
                    " ON CONFLICT DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1)
        res->sites_added++;
    else
        res->unchanged++;
    return 0;
}

static int write_account(tl_db *db, const json_t *a, const char *path,
                         accounts_load_result *res, tl_err *err)
{
    const json_t *sites = json_object_get(a, "sites");
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    int64_t account_id = 0;
    int same = 0;
    char spath[TL_ERR_FIELD_MAX];
    char field[TL_ERR_FIELD_MAX];
    size_t i;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, member_str(a, "accountNumber"));
    tl_params_int64(&p, res->customer_id);
    tl_params_text(&p, member_str(a, "name"));
    tl_params_text(&p, member_str(a, "currency"));
    tl_params_int64(&p, json_integer_value(json_object_get(a, "billCycleDay")));
    tl_params_int64(&p,
                    json_integer_value(json_object_get(a, "paymentTermsDays")));
    rc = tl_db_exec(db, "accounts_account_insert",
                    "INSERT INTO accounts.billing_account (account_number,"
                    " customer_id, name, currency, bill_cycle_day,"
                    " payment_terms_days)"
                    " VALUES ($1, $2::bigint, $3, $4, $5::smallint,"
                    " $6::smallint) ON CONFLICT (account_number) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1)
        res->accounts_added++;
    rc = tl_db_query_one(
        db, &r, "accounts_account_same",
        "SELECT account_id, (customer_id = $2::bigint AND name = $3"
        " AND currency = $4 AND bill_cycle_day = $5::smallint"
        " AND payment_terms_days = $6::smallint) AS same"
        " FROM accounts.billing_account WHERE account_number = $1",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = r;
    row.row = 0;
    if (rc == 0 || tl_row_int64(&row, "account_id", &account_id, err) < 0 ||
        tl_row_bool(&row, "same", &same, err) < 0) {
        PQclear(r);
        return tl_err_set(err, TL_ERROR, "internal", path,
                          "account vanished while loading");
    }
    PQclear(r);
    if (!same) {
        tl_path_key(field, sizeof(field), path, "accountNumber");
        tl_err_add(err, "conflict", field,
                   "account %s exists with other values",
                   member_str(a, "accountNumber"));
        return 0;
    }
    tl_path_key(field, sizeof(field), path, "sites");
    for (i = 0; i < json_array_size(sites); i++) {
        tl_path_index(spath, sizeof(spath), field, i);
        rc = write_site(db, account_id, json_array_get(sites, i), spath, res,
                        err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *ctx = cls;
    const json_t *accts = json_object_get(ctx->doc, "accounts");
    char path[TL_ERR_FIELD_MAX];
    size_t i;
    int rc;

    memset(ctx->result, 0, sizeof(*ctx->result));
    rc = write_customer(db, json_object_get(ctx->doc, "customer"), ctx->result,
                        err);
    if (rc < 0)
        return rc;
    for (i = 0; !tl_err_has_problems(err) && i < json_array_size(accts); i++) {
        tl_path_index(path, sizeof(path), "accounts", i);
        rc =
            write_account(db, json_array_get(accts, i), path, ctx->result, err);
        if (rc < 0)
            return rc;
    }
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    return audit_load(ctx, db, err);
}

int accounts_load(accounts_load_result *out, tl_db *db, const json_t *doc,
                  const char *actor, tl_err *err)
{
    load_ctx ctx = {doc, actor, out};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = validate_doc(doc, err);
    if (rc < 0)
        return rc;
    return tl_db_run_tx(db, "accounts_load", load_tx, &ctx, err);
}

/* ---- lookups ---- */

#define ACCOUNT_COLUMNS                                                        \
    "SELECT a.account_id, a.customer_id, a.account_number, a.name,"            \
    " c.name AS customer_name, a.currency, a.bill_cycle_day,"                  \
    " a.payment_terms_days, a.status"                                          \
    " FROM accounts.billing_account a"                                         \
    " JOIN accounts.customer c USING (customer_id)"

static int read_account(const PGresult *res, accounts_account_t *out,
                        tl_err *err)
{
    tl_row row = {res, 0};
    const char *number = NULL;
    const char *name = NULL;
    const char *cname = NULL;
    const char *cur = NULL;
    const char *status = NULL;

    if (tl_row_int64(&row, "account_id", &out->account_id, err) < 0 ||
        tl_row_int64(&row, "customer_id", &out->customer_id, err) < 0 ||
        tl_row_text(&row, "account_number", &number, err) < 0 ||
        tl_row_text(&row, "name", &name, err) < 0 ||
        tl_row_text(&row, "customer_name", &cname, err) < 0 ||
        tl_row_text(&row, "currency", &cur, err) < 0 ||
        tl_row_int(&row, "bill_cycle_day", &out->bill_cycle_day, err) < 0 ||
        tl_row_int(&row, "payment_terms_days", &out->payment_terms_days, err) <
            0 ||
        tl_row_text(&row, "status", &status, err) < 0)
        return TL_ERROR;
    snprintf(out->account_number, sizeof(out->account_number), "%s", number);
    snprintf(out->name, sizeof(out->name), "%s", name);
    snprintf(out->customer_name, sizeof(out->customer_name), "%s", cname);
    snprintf(out->currency, sizeof(out->currency), "%s", cur);
    snprintf(out->status, sizeof(out->status), "%s", status);
    return 0;
}

int accounts_get(accounts_account_t *out, tl_db *db, const char *account_number,
                 tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_text(&p, account_number);
    rc = tl_db_query_one(db, &res, "accounts_get",
                         ACCOUNT_COLUMNS " WHERE a.account_number = $1", &p,
                         err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_account", "accountNumber",
                          "account %s does not exist", account_number);
    rc = read_account(res, out, err);
    PQclear(res);
    return rc;
}

int accounts_get_by_id(accounts_account_t *out, tl_db *db, int64_t account_id,
                       tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    rc = tl_db_query_one(db, &res, "accounts_get_by_id",
                         ACCOUNT_COLUMNS " WHERE a.account_id = $1::bigint", &p,
                         err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_account", "accountId",
                          "account id %lld does not exist",
                          (long long)account_id);
    rc = read_account(res, out, err);
    PQclear(res);
    return rc;
}

int accounts_address_find(int64_t *address_id, tl_db *db,
                          const accounts_address_t *addr, tl_err *err)
{
    PGresult *res = NULL;
    char key[512];
    tl_params p;
    tl_row row;
    int rc;

    *address_id = 0;
    if (accounts_address_key(key, sizeof(key), addr) != 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_address", "address",
                          "address is too long to be in the master");
    tl_params_init(&p);
    tl_params_text(&p, key);
    rc = tl_db_query_one(db, &res, "accounts_address_find",
                         "SELECT address_id FROM accounts.address"
                         " WHERE normalized_key = $1",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_address", "address",
                          "address is not in the address master");
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "address_id", address_id, err);
    PQclear(res);
    return rc;
}
