/*
 * Account lookups and the address master's normalized key.
 */
#include "accounts/accounts.h"
#include "accounts/accounts_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void accounts_copy(char *buf, size_t size, const char *s)
{
    snprintf(buf, size, "%s", s != NULL ? s : "");
}

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

/* ---- lookups ---- */

#define ACCOUNT_COLUMNS                                                        \
    "SELECT a.account_id, a.customer_id, a.account_number, a.name,"            \
    " c.name AS customer_name, c.customer_ref, c.kind AS customer_kind,"       \
    " a.currency, a.bill_cycle_day, a.payment_terms_days, a.status"            \
    " FROM accounts.billing_account a"                                         \
    " JOIN accounts.customer c USING (customer_id)"

static int read_account(const PGresult *res, accounts_account_t *out,
                        tl_err *err)
{
    tl_row row = {res, 0};
    const char *number = NULL;
    const char *name = NULL;
    const char *cname = NULL;
    const char *cref = NULL;
    const char *ckind = NULL;
    const char *cur = NULL;
    const char *status = NULL;

    if (tl_row_int64(&row, "account_id", &out->account_id, err) < 0 ||
        tl_row_int64(&row, "customer_id", &out->customer_id, err) < 0 ||
        tl_row_text(&row, "account_number", &number, err) < 0 ||
        tl_row_text(&row, "name", &name, err) < 0 ||
        tl_row_text(&row, "customer_name", &cname, err) < 0 ||
        tl_row_text(&row, "customer_ref", &cref, err) < 0 ||
        tl_row_text(&row, "customer_kind", &ckind, err) < 0 ||
        tl_row_text(&row, "currency", &cur, err) < 0 ||
        tl_row_int(&row, "bill_cycle_day", &out->bill_cycle_day, err) < 0 ||
        tl_row_int(&row, "payment_terms_days", &out->payment_terms_days, err) <
            0 ||
        tl_row_text(&row, "status", &status, err) < 0)
        return TL_ERROR;
    snprintf(out->account_number, sizeof(out->account_number), "%s", number);
    snprintf(out->name, sizeof(out->name), "%s", name);
    snprintf(out->customer_name, sizeof(out->customer_name), "%s", cname);
    snprintf(out->customer_ref, sizeof(out->customer_ref), "%s", cref);
    snprintf(out->customer_kind, sizeof(out->customer_kind), "%s", ckind);
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
