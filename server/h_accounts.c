/*
 * Billing accounts: loading a customer with its accounts (accounts_load,
 * the format of `account load`), list and get (accounts_list,
 * accounts_get, under row-level security), and status changes
 * (accounts_set_status, which audits them) guarded by If-Match.
 */
#include <string.h>

#include "accounts/accounts.h"
#include "common/json.h"
#include "server/server_internal.h"

static json_t *account_json(const accounts_account_t *a)
{
    char href[96];

    snprintf(href, sizeof(href), "/account/%s", a->account_number);
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:i, s:i, "
                     "s:s}",
                     "id", a->account_number, "href", href, "name", a->name,
                     "customer", "ref", a->customer_ref, "name",
                     a->customer_name, "kind", a->customer_kind, "currency",
                     a->currency, "billCycleDay", a->bill_cycle_day,
                     "paymentTermsDays", a->payment_terms_days, "status",
                     a->status);
}

static int list_cb(const accounts_account_t *a, void *payload)
{
    return json_array_append_new(payload, account_json(a)) == 0 ? 0 : TL_ERROR;
}

int h_account_list(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items = json_array();
    int rc;

    if (items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = accounts_list(db, srv_query(r, "customerRef"), srv_query(r, "status"),
                       list_cb, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

int h_account_get(srv_req *r, tl_db *db, tl_err *err)
{
    accounts_account_t a;
    json_t *body;
    int rc;

    rc = accounts_get(&a, db, r->param[0], err);
    if (rc < 0)
        return rc;
    body = account_json(&a);
    if (body != NULL)
        srv_etag_of(r->etag, body);
    return srv_reply(r, 200, body, err);
}

int h_account_patch(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"status", "reason", NULL};
    accounts_account_t a;
    json_t *body = NULL;
    json_t *before = NULL;
    json_t *after = NULL;
    const char *status = NULL;
    const char *reason = NULL;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "status", "", 1, 16, &status, err);
    tl_json_str(body, "reason", "", 1, 250, &reason, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = accounts_get(&a, db, r->param[0], err);
    if (rc < 0)
        goto cleanup;
    before = account_json(&a);
    rc = srv_if_match(r, before, err);
    if (rc < 0)
        goto cleanup;
    rc = accounts_set_status(&a, db, r->param[0], status, reason,
                             r->user.username, err);
    if (rc < 0)
        goto cleanup;
    after = account_json(&a);
    if (after != NULL)
        srv_etag_of(r->etag, after);
    rc = srv_reply(r, 200, after, err);
    after = NULL;
cleanup:
    json_decref(body);
    json_decref(before);
    json_decref(after);
    return rc;
}

int h_account_load(srv_req *r, tl_db *db, tl_err *err)
{
    accounts_load_result res;
    json_t *doc = NULL;
    int rc;

    rc = srv_body_object(&doc, r, err);
    if (rc < 0)
        return rc;
    rc = accounts_load(&res, db, doc, r->user.username, err);
    json_decref(doc);
    if (rc < 0)
        return rc;
    return srv_reply(r,
                     res.customers_added + res.accounts_added +
                                 res.sites_added + res.details_added >
                             0
                         ? 201
                         : 200,
                     json_pack("{s:I, s:i, s:i, s:i, s:i, s:i}", "customerId",
                               (json_int_t)res.customer_id, "customersAdded",
                               res.customers_added, "accountsAdded",
                               res.accounts_added, "sitesAdded",
                               res.sites_added, "detailsAdded",
                               res.details_added, "unchanged", res.unchanged),
                     err);
}
