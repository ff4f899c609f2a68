/*
 * Loading customers with their billing accounts, sites and account
 * details (delivery, credit limit, parent, contacts, tax exemptions, POs,
 * account executive and agent of record).
 *
 * Loading follows the catalog's pattern: validate the whole document, then
 * write it in one transaction with ON CONFLICT DO NOTHING and compare rows
 * that were already there, so a second load of the same file is a no-op
 * and a changed one is reported row by row.
 */
#include "accounts/accounts.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts_internal.h"
#include "common/audit.h"
#include "common/json.h"
#include "common/money.h"

#define MAX_ACCOUNTS 1000
#define MAX_SITES 1000

static const char *const customer_keys[] = {"ref", "name", "kind", NULL};
static const char *const account_keys[] = {
    "accountNumber",    "name",
    "currency",         "billCycleDay",
    "paymentTermsDays", "sites",
    "invoiceDelivery",  "creditLimit",
    "poRequired",       "parentAccountNumber",
    "contacts",         "taxExemptions",
    "purchaseOrders",   "accountExecutive",
    "agentOfRecord",    NULL};
static const char *const delivery_keys[] = {"method", "address", NULL};
static const char *const contact_keys[] = {"role", "name", "email", "phone",
                                           NULL};
static const char *const exemption_keys[] = {
    "certificateNumber", "jurisdiction", "category",
    "validFrom",         "validTo",      NULL};
static const char *const po_keys[] = {"poNumber", "serviceRef", "validFrom",
                                      "validTo",  "amountCap",  NULL};
static const char *const person_keys[] = {"ref", "name", "from", NULL};
static const char *const site_keys[] = {"name", "address", NULL};
static const char *const address_keys[] = {
    "line1", "line2", "city", "region", "postcode", "country", NULL};

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

static int is_email(const char *s)
{
    const char *at = strchr(s, '@');

    return at != NULL && at != s && at[1] != '\0' &&
           strchr(at + 1, '@') == NULL && strchr(s, ' ') == NULL;
}

/* An optional array of objects: checks each is an object with only the
 * allowed keys and calls fn on it with its path. */
static void each_object(const json_t *a, const char *key, const char *path,
                        const char *const *keys, size_t max,
                        void (*fn)(const json_t *o, const char *opath,
                                   const char *cur, tl_err *err),
                        const char *cur, tl_err *err)
{
    const json_t *arr = NULL;
    char field[TL_ERR_FIELD_MAX];
    char opath[TL_ERR_FIELD_MAX];
    size_t i;

    tl_json_array(a, key, path, 0, 0, max, &arr, err);
    tl_path_key(field, sizeof(field), path, key);
    for (i = 0; arr != NULL && i < json_array_size(arr); i++) {
        const json_t *o = json_array_get(arr, i);
        tl_path_index(opath, sizeof(opath), field, i);
        if (!json_is_object(o)) {
            tl_err_add(err, "type", opath, "each %s entry must be an object",
                       key);
            continue;
        }
        tl_json_only_keys(o, opath, keys, err);
        fn(o, opath, cur, err);
    }
}

/* validTo (when given and inclusive_end 0) must be after validFrom, or not
 * before it when inclusive_end is 1. */
static void validate_period(const json_t *o, const char *path, int to_required,
                            int inclusive_end, tl_err *err)
{
    tl_date from = 0;
    tl_date to = 0;
    int has_from = 0;
    int has_to = 0;
    char field[TL_ERR_FIELD_MAX];

    tl_json_date(o, "validFrom", path, 1, &from, &has_from, err);
    tl_json_date(o, "validTo", path, to_required, &to, &has_to, err);
    if (has_from && has_to && from != 0 && to != 0 &&
        (inclusive_end ? to < from : to <= from)) {
        tl_path_key(field, sizeof(field), path, "validTo");
        tl_err_add(err, "range", field, "validTo must be %s validFrom",
                   inclusive_end ? "on or after" : "after");
    }
}

static void validate_contact(const json_t *o, const char *path, const char *cur,
                             tl_err *err)
{
    const char *s = NULL;
    char field[TL_ERR_FIELD_MAX];

    (void)cur;
    tl_json_str(o, "role", path, 1, 16, &s, err);
    if (s != NULL && strcmp(s, "billing") != 0 && strcmp(s, "technical") != 0 &&
        strcmp(s, "collections") != 0) {
        tl_path_key(field, sizeof(field), path, "role");
        tl_err_add(err, "format", field,
                   "role must be billing, technical or collections");
    }
    tl_json_str(o, "name", path, 1, 120, &s, err);
    s = NULL;
    tl_json_str(o, "email", path, 1, 120, &s, err);
    if (s != NULL && !is_email(s)) {
        tl_path_key(field, sizeof(field), path, "email");
        tl_err_add(err, "format", field, "email must look like name@domain");
    }
    tl_json_str(o, "phone", path, 0, 32, &s, err);
}

static void validate_exemption(const json_t *o, const char *path,
                               const char *cur, tl_err *err)
{
    const char *s = NULL;

    (void)cur;
    tl_json_str(o, "certificateNumber", path, 1, 60, &s, err);
    tl_json_str(o, "jurisdiction", path, 1, 40, &s, err);
    tl_json_str(o, "category", path, 0, 40, &s, err);
    validate_period(o, path, 0, 0, err);
}

static void validate_po(const json_t *o, const char *path, const char *cur,
                        tl_err *err)
{
    const char *s = NULL;
    tl_money cap;
    int has_cap = 0;
    char field[TL_ERR_FIELD_MAX];

    tl_json_str(o, "poNumber", path, 1, 60, &s, err);
    tl_json_str(o, "serviceRef", path, 0, 60, &s, err);
    validate_period(o, path, 1, 1, err);
    if (cur != NULL &&
        tl_json_amount(o, "amountCap", path, 0, cur, &cap, &has_cap, err) ==
            0 &&
        has_cap && cap.minor <= 0) {
        tl_path_key(field, sizeof(field), path, "amountCap");
        tl_err_add(err, "range", field, "amountCap must be more than zero");
    }
}

static void validate_person(const json_t *a, const char *key, const char *path,
                            tl_err *err)
{
    const json_t *o = NULL;
    const char *s = NULL;
    char ppath[TL_ERR_FIELD_MAX];
    tl_date d;

    if (tl_json_object(a, key, path, 0, &o, err) != 0 || o == NULL)
        return;
    tl_path_key(ppath, sizeof(ppath), path, key);
    tl_json_only_keys(o, ppath, person_keys, err);
    tl_json_str(o, "ref", ppath, 1, 64, &s, err);
    tl_json_str(o, "name", ppath, 1, 150, &s, err);
    tl_json_date(o, "from", ppath, 1, &d, NULL, err);
}

/* The optional account details. cur is the account's currency when it is
 * valid (amounts are checked against it), else NULL. */
static void validate_details(const json_t *a, const char *path, const char *cur,
                             const char *number, tl_err *err)
{
    const json_t *o = NULL;
    const json_t *b;
    const char *s = NULL;
    const char *method = NULL;
    char field[TL_ERR_FIELD_MAX];
    char dpath[TL_ERR_FIELD_MAX];
    tl_money limit;
    int has = 0;

    if (tl_json_object(a, "invoiceDelivery", path, 0, &o, err) == 0 &&
        o != NULL) {
        tl_path_key(dpath, sizeof(dpath), path, "invoiceDelivery");
        tl_json_only_keys(o, dpath, delivery_keys, err);
        tl_json_str(o, "method", dpath, 1, 16, &method, err);
        if (method != NULL && strcmp(method, "email") != 0 &&
            strcmp(method, "paper") != 0 && strcmp(method, "portal") != 0 &&
            strcmp(method, "edi") != 0) {
            tl_path_key(field, sizeof(field), dpath, "method");
            tl_err_add(err, "format", field,
                       "method must be email, paper, portal or edi");
            method = NULL;
        }
        tl_json_str(o, "address", dpath,
                    method != NULL && strcmp(method, "paper") != 0, 150, &s,
                    err);
        if (method != NULL && strcmp(method, "email") == 0 && s != NULL &&
            !is_email(s)) {
            tl_path_key(field, sizeof(field), dpath, "address");
            tl_err_add(err, "format", field,
                       "an email delivery address must look like "
                       "name@domain");
        }
    }
    if (cur != NULL &&
        tl_json_amount(a, "creditLimit", path, 0, cur, &limit, &has, err) ==
            0 &&
        has && limit.minor < 0) {
        tl_path_key(field, sizeof(field), path, "creditLimit");
        tl_err_add(err, "range", field, "creditLimit must not be negative");
    }
    b = json_object_get(a, "poRequired");
    if (b != NULL && !json_is_boolean(b)) {
        tl_path_key(field, sizeof(field), path, "poRequired");
        tl_err_add(err, "type", field, "poRequired must be true or false");
    }
    s = NULL;
    tl_json_str(a, "parentAccountNumber", path, 0, 32, &s, err);
    if (s != NULL) {
        tl_path_key(field, sizeof(field), path, "parentAccountNumber");
        if (!is_account_number(s))
            tl_err_add(err, "format", field,
                       "parentAccountNumber must be 3-32 upper-case letters, "
                       "digits or '-'");
        else if (number != NULL && strcmp(s, number) == 0)
            tl_err_add(err, "cycle", field,
                       "an account cannot be its own parent");
    }
    each_object(a, "contacts", path, contact_keys, 100, validate_contact, cur,
                err);
    each_object(a, "taxExemptions", path, exemption_keys, 100,
                validate_exemption, cur, err);
    each_object(a, "purchaseOrders", path, po_keys, 100, validate_po, cur, err);
    validate_person(a, "accountExecutive", path, err);
    validate_person(a, "agentOfRecord", path, err);
}

static void validate_account(const json_t *a, const char *path, tl_err *err)
{
    const char *s = NULL;
    const char *number = NULL;
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
    tl_json_str(a, "accountNumber", path, 0, 32, &s, err);
    if (s != NULL && !is_account_number(s)) {
        tl_path_key(field, sizeof(field), path, "accountNumber");
        tl_err_add(err, "format", field,
                   "accountNumber must be 3-32 upper-case letters, digits "
                   "or '-'");
    }
    number = s;
    tl_json_str(a, "name", path, 1, 150, &s, err);
    tl_json_str(a, "currency", path, 1, 3, &s, err);
    if (s != NULL && !tl_currency_known(s)) {
        tl_path_key(field, sizeof(field), path, "currency");
        tl_err_add(err, "currency", field,
                   "currency \"%s\" is not an ISO 4217 code we know", s);
        s = NULL;
    }
    validate_details(a, path, s, number, err);
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
    int64_t *ids; /* account id per accounts[] entry */
} load_ctx;

/* One audit event per load that changed anything, with its counts. */
static int audit_load(const load_ctx *ctx, tl_db *db, tl_err *err)
{
    const accounts_load_result *r = ctx->result;
    const json_t *cust = json_object_get(ctx->doc, "customer");
    json_t *after;
    int rc;

    if (r->customers_added + r->accounts_added + r->sites_added +
            r->details_added ==
        0)
        return 0;
    after =
        json_pack("{s:i, s:i, s:i, s:i}", "customersAdded", r->customers_added,
                  "accountsAdded", r->accounts_added, "sitesAdded",
                  r->sites_added, "detailsAdded", r->details_added);
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

/* The number of the account a document entry names: its accountNumber;
 * without one, the customer's account of the same name; without such an
 * account, the next number of the account-number scheme (skipping numbers
 * already taken by hand). */
static int account_number_for(char *buf, size_t size, tl_db *db,
                              int64_t customer_id, const json_t *a, tl_err *err)
{
    const char *given = member_str(a, "accountNumber");
    PGresult *r = NULL;
    const char *v = NULL;
    tl_params p;
    tl_row row;
    int attempt;
    int rc;

    if (given != NULL) {
        accounts_copy(buf, size, given);
        return 0;
    }
    tl_params_init(&p);
    tl_params_int64(&p, customer_id);
    tl_params_text(&p, member_str(a, "name"));
    rc = tl_db_query_one(db, &r, "accounts_number_by_name",
                         "SELECT account_number FROM accounts.billing_account"
                         " WHERE customer_id = $1::bigint AND name = $2"
                         " ORDER BY account_id LIMIT 1",
                         &p, err);
    for (attempt = 0; rc == 0 && attempt < 20; attempt++) {
        rc = tl_db_query_one(
            db, &r, "accounts_number_next",
            "WITH s AS (UPDATE accounts.account_number_scheme"
            "  SET next_value = next_value + 1 WHERE scheme_id = 1"
            "  RETURNING prefix, digits, next_value - 1 AS v)"
            " SELECT prefix || CASE WHEN length(v::text) >= digits"
            "  THEN v::text ELSE lpad(v::text, digits, '0') END"
            "  AS account_number FROM s"
            " WHERE NOT EXISTS (SELECT 1 FROM accounts.billing_account b"
            "  WHERE b.account_number = prefix || CASE WHEN"
            "  length(v::text) >= digits THEN v::text"
            "  ELSE lpad(v::text, digits, '0') END)",
            NULL, err);
    }
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ECONFLICT, "number_scheme", "accountNumber",
                          "the account-number scheme gives only numbers "
                          "already taken");
    row.res = r;
    row.row = 0;
    rc = tl_row_text(&row, "account_number", &v, err);
    if (rc == 0)
        accounts_copy(buf, size, v);
    PQclear(r);
    return rc;
}

/* Runs a "same" query (one row, one boolean column "same"). Returns 1 when
 * same, 0 when not, or a negative status. */
static int query_same(tl_db *db, const char *name, const char *sql,
                      const tl_params *p, tl_err *err)
{
    PGresult *r = NULL;
    tl_row row;
    int same = 0;
    int rc;

    rc = tl_db_query_one(db, &r, name, sql, p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ERROR, "internal", "",
                          "row vanished while loading");
    row.res = r;
    row.row = 0;
    rc = tl_row_bool(&row, "same", &same, err);
    PQclear(r);
    return rc < 0 ? rc : same;
}

static int write_fields(tl_db *db, int64_t account_id, const json_t *a,
                        const char *path, accounts_load_result *res,
                        tl_err *err)
{
    const json_t *d = json_object_get(a, "invoiceDelivery");
    const json_t *b = json_object_get(a, "poRequired");
    const char *cur = member_str(a, "currency");
    PGresult *r = NULL;
    tl_money limit;
    tl_params p;
    tl_row row;
    int same = 0;
    int changed = 0;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, member_str(d, "method"));
    tl_params_text(&p, member_str(d, "address"));
    if (member_str(a, "creditLimit") != NULL &&
        tl_money_parse(&limit, member_str(a, "creditLimit"), cur) == 0)
        tl_params_int64(&p, limit.minor);
    else
        tl_params_null(&p);
    if (b != NULL)
        tl_params_bool(&p, json_is_true(b));
    else
        tl_params_null(&p);
    rc = tl_db_query_one(
        db, &r, "accounts_details_update",
        "UPDATE accounts.billing_account b SET"
        " invoice_delivery = COALESCE(b.invoice_delivery, $2),"
        " invoice_delivery_address = COALESCE(b.invoice_delivery_address,"
        "  $3),"
        " credit_limit_minor = COALESCE(b.credit_limit_minor, $4::bigint),"
        " po_required = b.po_required OR COALESCE($5::boolean, false)"
        " FROM (SELECT invoice_delivery AS d0, invoice_delivery_address AS a0,"
        "  credit_limit_minor AS c0, po_required AS p0"
        "  FROM accounts.billing_account WHERE account_id = $1::bigint) o"
        " WHERE b.account_id = $1::bigint"
        " RETURNING (($2::text IS NULL OR b.invoice_delivery = $2)"
        "  AND ($3::text IS NULL OR b.invoice_delivery_address = $3)"
        "  AND ($4::bigint IS NULL OR b.credit_limit_minor = $4::bigint)"
        "  AND ($5::boolean IS NULL OR b.po_required = $5::boolean)) AS same,"
        " (b.invoice_delivery IS DISTINCT FROM o.d0"
        "  OR b.invoice_delivery_address IS DISTINCT FROM o.a0"
        "  OR b.credit_limit_minor IS DISTINCT FROM o.c0"
        "  OR b.po_required IS DISTINCT FROM o.p0) AS changed",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = r;
    row.row = 0;
    if (rc == 0 || tl_row_bool(&row, "same", &same, err) < 0 ||
        tl_row_bool(&row, "changed", &changed, err) < 0) {
        PQclear(r);
        return tl_err_set(err, TL_ERROR, "internal", path,
                          "account vanished while loading");
    }
    PQclear(r);
    if (!same)
        tl_err_add(err, "conflict", path,
                   "the account's invoice delivery, credit limit or PO "
                   "requirement differs from what is stored");
    else if (changed)
        res->details_added++;
    return 0;
}

static int write_contact(tl_db *db, int64_t account_id, const json_t *c,
                         const char *path, accounts_load_result *res,
                         tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, member_str(c, "role"));
    tl_params_text(&p, member_str(c, "email"));
    tl_params_text(&p, member_str(c, "name"));
    tl_params_text(&p, member_str(c, "phone"));
    rc = tl_db_exec(db, "accounts_contact_insert",
                    "INSERT INTO accounts.contact (account_id, role, email,"
                    " name, phone) VALUES ($1::bigint, $2, $3, $4, $5)"
                    " ON CONFLICT ON CONSTRAINT contact_role_email_key"
                    " DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        res->details_added++;
        return 0;
    }
    rc = query_same(db, "accounts_contact_same",
                    "SELECT (name = $4 AND phone IS NOT DISTINCT FROM $5"
                    ") AS same FROM accounts.contact"
                    " WHERE account_id = $1::bigint AND role = $2"
                    " AND email = $3",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        tl_err_add(err, "conflict", path,
                   "contact %s exists with another name or phone",
                   member_str(c, "email"));
    else
        res->unchanged++;
    return 0;
}

static int write_exemption(tl_db *db, int64_t account_id, const json_t *x,
                           const char *path, accounts_load_result *res,
                           tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, member_str(x, "certificateNumber"));
    tl_params_text(&p, member_str(x, "jurisdiction"));
    tl_params_text(&p, member_str(x, "category"));
    tl_params_text(&p, member_str(x, "validFrom"));
    tl_params_text(&p, member_str(x, "validTo"));
    rc = tl_db_exec(db, "accounts_exemption_insert",
                    "INSERT INTO accounts.tax_exemption (account_id,"
                    " certificate_number, jurisdiction, charge_category,"
                    " valid_from, valid_to) VALUES ($1::bigint, $2, $3, $4,"
                    " $5::date, $6::date) ON CONFLICT DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        res->details_added++;
        return 0;
    }
    rc =
        query_same(db, "accounts_exemption_same",
                   "SELECT (jurisdiction = $3"
                   " AND charge_category IS NOT DISTINCT FROM $4"
                   " AND valid_from = $5::date"
                   " AND valid_to IS NOT DISTINCT FROM $6::date) AS same"
                   " FROM accounts.tax_exemption"
                   " WHERE account_id = $1::bigint AND certificate_number = $2",
                   &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        tl_err_add(err, "conflict", path,
                   "tax exemption %s exists with other values",
                   member_str(x, "certificateNumber"));
    else
        res->unchanged++;
    return 0;
}

static int write_po(tl_db *db, int64_t account_id, const json_t *o,
                    const char *cur, const char *path,
                    accounts_load_result *res, tl_err *err)
{
    accounts_po_t po;
    int added = 0;
    int same = 0;
    int rc;

    memset(&po, 0, sizeof(po));
    accounts_copy(po.po_number, sizeof(po.po_number),
                  member_str(o, "poNumber"));
    accounts_copy(po.service_ref, sizeof(po.service_ref),
                  member_str(o, "serviceRef"));
    tl_date_parse(&po.valid_from, member_str(o, "validFrom"));
    tl_date_parse(&po.valid_to, member_str(o, "validTo"));
    if (member_str(o, "amountCap") != NULL &&
        tl_money_parse(&po.cap, member_str(o, "amountCap"), cur) == 0)
        po.has_cap = 1;
    rc = accounts_po_put(&added, &same, db, account_id, &po, err);
    if (rc < 0)
        return rc;
    if (added)
        res->details_added++;
    else if (same)
        res->unchanged++;
    else
        tl_err_add(err, "conflict", path, "PO %s exists with other values",
                   po.po_number);
    return 0;
}

static int write_assignment(tl_db *db, const char *number, const json_t *a,
                            const char *key, const char *role, const char *path,
                            accounts_load_result *res, tl_err *err)
{
    const json_t *o = json_object_get(a, key);
    char field[TL_ERR_FIELD_MAX];
    tl_err inner = TL_ERR_INIT;
    int64_t person_id = 0;
    int changed = 0;
    tl_date from = 0;
    int rc;

    if (o == NULL)
        return 0;
    tl_path_key(field, sizeof(field), path, key);
    tl_date_parse(&from, member_str(o, "from"));
    rc = accounts_person_put(&person_id, db, member_str(o, "ref"),
                             member_str(o, "name"), role, &inner);
    if (rc == 0)
        rc = accounts_assign(&changed, db, number, role, member_str(o, "ref"),
                             from, NULL, &inner);
    if (rc == TL_ECONFLICT || rc == TL_EINVALID || rc == TL_ENOTFOUND) {
        tl_err_add(err, inner.code[0] ? inner.code : "conflict", field, "%s",
                   inner.message);
        rc = 0;
    } else if (rc < 0) {
        tl_err_set(err, rc, inner.code, inner.field, "%s", inner.message);
    } else if (changed) {
        res->details_added++;
    } else {
        res->unchanged++;
    }
    tl_err_clear(&inner);
    return rc;
}

/* Writes one element of a details array; path is the element's path. */
typedef int (*element_fn)(tl_db *db, int64_t account_id, const json_t *e,
                          const char *cur, const char *path,
                          accounts_load_result *res, tl_err *err);

static int put_contact(tl_db *db, int64_t account_id, const json_t *e,
                       const char *cur, const char *path,
                       accounts_load_result *res, tl_err *err)
{
    (void)cur;
    return write_contact(db, account_id, e, path, res, err);
}

static int put_exemption(tl_db *db, int64_t account_id, const json_t *e,
                         const char *cur, const char *path,
                         accounts_load_result *res, tl_err *err)
{
    (void)cur;
    return write_exemption(db, account_id, e, path, res, err);
}

static int put_po(tl_db *db, int64_t account_id, const json_t *e,
                  const char *cur, const char *path, accounts_load_result *res,
                  tl_err *err)
{
    return write_po(db, account_id, e, cur, path, res, err);
}

/* Calls fn for each element of the optional array a[key]. */
static int write_each(tl_db *db, int64_t account_id, const json_t *a,
                      const char *key, const char *path, element_fn fn,
                      accounts_load_result *res, tl_err *err)
{
    const json_t *arr = json_object_get(a, key);
    const char *cur = member_str(a, "currency");
    char field[TL_ERR_FIELD_MAX];
    char epath[TL_ERR_FIELD_MAX];
    size_t i;
    int rc;

    tl_path_key(field, sizeof(field), path, key);
    for (i = 0; i < json_array_size(arr); i++) {
        tl_path_index(epath, sizeof(epath), field, i);
        rc = fn(db, account_id, json_array_get(arr, i), cur, epath, res, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int write_details(tl_db *db, int64_t account_id, const char *number,
                         const json_t *a, const char *path, load_ctx *ctx,
                         tl_err *err)
{
    accounts_load_result *res = ctx->result;
    int rc;

    rc = write_fields(db, account_id, a, path, res, err);
    if (rc == 0)
        rc = write_each(db, account_id, a, "contacts", path, put_contact, res,
                        err);
    if (rc == 0)
        rc = write_each(db, account_id, a, "taxExemptions", path, put_exemption,
                        res, err);
    if (rc == 0)
        rc = write_each(db, account_id, a, "purchaseOrders", path, put_po, res,
                        err);
    if (rc == 0)
        rc = write_assignment(db, number, a, "accountExecutive", "ae", path,
                              res, err);
    if (rc == 0)
        rc = write_assignment(db, number, a, "agentOfRecord", "agent", path,
                              res, err);
    return rc;
}

/* Sets the account's parent, after every account of the document exists.
 * The parent must be of the same customer or a wholesale customer's, and
 * must not be the account or one of its descendants. */
static int write_parent(tl_db *db, int64_t account_id, const json_t *a,
                        const char *path, accounts_load_result *res,
                        tl_err *err)
{
    const char *parent = member_str(a, "parentAccountNumber");
    char field[TL_ERR_FIELD_MAX];
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    int64_t parent_id = 0;
    int fits = 0;
    int cycle = 0;
    int rc;

    if (parent == NULL || account_id == 0)
        return 0;
    tl_path_key(field, sizeof(field), path, "parentAccountNumber");
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, parent);
    rc = tl_db_query_one(
        db, &r, "accounts_parent_check",
        "WITH RECURSIVE par AS (SELECT b.account_id, b.customer_id, c.kind"
        "  FROM accounts.billing_account b JOIN accounts.customer c"
        "  USING (customer_id) WHERE b.account_number = $2),"
        " up(id, depth) AS (SELECT account_id, 1 FROM par"
        "  UNION ALL SELECT b.parent_account_id, up.depth + 1"
        "  FROM accounts.billing_account b JOIN up ON b.account_id = up.id"
        "  WHERE b.parent_account_id IS NOT NULL AND up.depth < 100)"
        " SELECT par.account_id,"
        "  (par.customer_id = me.customer_id OR par.kind = 'wholesale')"
        "  AS fits,"
        "  EXISTS (SELECT 1 FROM up WHERE up.id = $1::bigint) AS cycle"
        " FROM par, accounts.billing_account me"
        " WHERE me.account_id = $1::bigint",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        tl_err_add(err, "unknown_account", field,
                   "parent account %s does not exist", parent);
        return 0;
    }
    row.res = r;
    row.row = 0;
    rc = tl_row_int64(&row, "account_id", &parent_id, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "fits", &fits, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "cycle", &cycle, err);
    PQclear(r);
    if (rc < 0)
        return rc;
    if (!fits) {
        tl_err_add(err, "parent_customer", field,
                   "parent account %s belongs to another customer that is "
                   "not wholesale",
                   parent);
        return 0;
    }
    if (cycle) {
        tl_err_add(err, "cycle", field,
                   "parent account %s is this account or one of its "
                   "descendants",
                   parent);
        return 0;
    }
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, parent_id);
    rc = tl_db_exec(db, "accounts_parent_set",
                    "UPDATE accounts.billing_account"
                    " SET parent_account_id = $2::bigint"
                    " WHERE account_id = $1::bigint"
                    " AND parent_account_id IS NULL",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        res->details_added++;
        return 0;
    }
    rc = query_same(db, "accounts_parent_same",
                    "SELECT (parent_account_id = $2::bigint) AS same"
                    " FROM accounts.billing_account"
                    " WHERE account_id = $1::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        tl_err_add(err, "conflict", field,
                   "the account has another parent account");
    return 0;
}

static int write_account(tl_db *db, const json_t *a, const char *path,
                         load_ctx *ctx, int64_t *id_out, tl_err *err)
{
    accounts_load_result *res = ctx->result;
    char number[40];
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

    rc = account_number_for(number, sizeof(number), db, res->customer_id, a,
                            err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_text(&p, number);
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
                   "account %s exists with other values", number);
        return 0;
    }
    *id_out = account_id;
    rc = write_details(db, account_id, number, a, path, ctx, err);
    if (rc < 0)
        return rc;
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
        rc = write_account(db, json_array_get(accts, i), path, ctx,
                           &ctx->ids[i], err);
        if (rc < 0)
            return rc;
    }
    /* Every parent problem is reported, not only the first. */
    for (i = 0; i < json_array_size(accts); i++) {
        tl_path_index(path, sizeof(path), "accounts", i);
        rc = write_parent(db, ctx->ids[i], json_array_get(accts, i), path,
                          ctx->result, err);
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
    load_ctx ctx = {doc, actor, out, NULL};
    size_t n;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = validate_doc(doc, err);
    if (rc < 0)
        return rc;
    n = json_array_size(json_object_get(doc, "accounts"));
    ctx.ids = calloc(n + 1, sizeof(*ctx.ids));
    if (ctx.ids == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_db_run_tx(db, "accounts_load", load_tx, &ctx, err);
    free(ctx.ids);
    return rc;
}
