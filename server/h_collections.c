/*
 * Collections: posting a payment (collections_post_payment, which audits
 * it as the authenticated user) and
 * the aging report (collections_aging, under row-level security, so an
 * account executive sees the aging of their own accounts only).
 */
#include <string.h>

#include "accounts/accounts.h"
#include "collections/collections.h"
#include "common/json.h"
#include "server/server_internal.h"

int h_payment_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {
        "accountNumber", "amount", "receivedDate", "reference", "method",
        "invoiceNumber", NULL};
    collections_payment_result res;
    collections_payment_in in;
    accounts_account_t a;
    json_t *body = NULL;
    json_t *after = NULL;
    const json_t *amount = NULL;
    const char *cur = NULL;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    memset(&in, 0, sizeof(in));
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "accountNumber", "", 1, 32, &in.account_number, err);
    tl_json_object(body, "amount", "", 1, &amount, err);
    if (amount != NULL) {
        tl_json_str(amount, "currency", "amount", 1, 3, &cur, err);
        if (cur != NULL)
            tl_json_amount(amount, "amount", "amount", 1, cur, &in.amount, NULL,
                           err);
    }
    tl_json_date(body, "receivedDate", "", 1, &in.received_date, NULL, err);
    tl_json_str(body, "reference", "", 1, 64, &in.reference, err);
    tl_json_str(body, "method", "", 1, 16, &in.method, err);
    tl_json_str(body, "invoiceNumber", "", 0, 40, &in.invoice_number, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    in.actor = r->user.username;
    rc = collections_post_payment(&res, db, &in, err);
    if (rc < 0)
        goto cleanup;
    /* nothing applied or left: the amounts carry no currency yet */
    if (res.applied.cur[0] == '\0')
        tl_money_make(&res.applied, 0, in.amount.cur);
    if (res.unapplied.cur[0] == '\0')
        tl_money_make(&res.unapplied, 0, in.amount.cur);
    rc = accounts_get_by_id(&a, db, res.account_id, err);
    if (rc < 0)
        goto cleanup;
    after = json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:i, s:b}", "id",
                      (json_int_t)res.payment_id, "accountNumber",
                      a.account_number, "reference", in.reference, "amount",
                      srv_money(&in.amount), "applied", srv_money(&res.applied),
                      "unapplied", srv_money(&res.unapplied), "invoicesPaid",
                      res.invoices_paid, "created", res.created);
    if (after == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    rc = srv_reply(r, res.created ? 201 : 200, after, err);
    after = NULL;
cleanup:
    json_decref(after);
    json_decref(body);
    return rc;
}

static int aging_row(const collections_aging_row *a, void *cls, tl_err *err)
{
    json_t *items = cls;
    json_t *buckets = json_object();
    tl_money m;
    int b;

    if (buckets == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    for (b = 0; b < COLLECTIONS_BUCKETS; b++) {
        tl_money_make(&m, a->bucket[b], a->currency);
        json_object_set_new(buckets, collections_bucket_name(b), srv_money(&m));
    }
    tl_money_make(&m, a->open_total, a->currency);
    {
        tl_money un;
        tl_money_make(&un, a->unapplied, a->currency);
        if (json_array_append_new(
                items,
                json_pack("{s:s, s:s, s:o, s:o, s:o, s:i}", "accountNumber",
                          a->account_number, "accountName", a->account_name,
                          "buckets", buckets, "openTotal", srv_money(&m),
                          "unapplied", srv_money(&un), "openInvoices",
                          a->open_invoices)) != 0)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    return 0;
}

int h_aging(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items;
    tl_date as_of;
    int rc;

    if (srv_query(r, "by") != NULL) /* grouped, disputes apart */
        return h_aging_grouped(r, db, err);
    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = collections_aging(db, as_of, aging_row, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}
