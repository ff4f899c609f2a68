/*
 * Order-entry feedback: what each salesperson has to fix. Three sources:
 *   refused   orders refused at intake (orders.intake_rejection), until an
 *             order with the same account and externalId gets in;
 *   rejected  orders a coordinator rejected, with the reason;
 *   held      orders a coordinator holds as incomplete, with the reason.
 * The salesperson is the indirect agent of the order, else its account
 * executive, else whoever sent it in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders/orders.h"
#include "orders/orders_internal.h"

/* Records a refused order. Called outside the refused submission's (empty)
 * transaction; a refusal already recorded for the same document and day
 * is not recorded twice. */
int order_rejection_record(tl_db *db, const order_doc *d, const char *doc_text,
                           tl_date received, const char *actor,
                           const tl_err *problems, tl_err *err)
{
    json_t *report = tl_err_to_json(problems);
    json_t *list = report ? json_object_get(report, "errors") : NULL;
    char *list_text = list ? json_dumps(list, JSON_COMPACT) : NULL;
    tl_params p;
    int rc;

    if (list_text == NULL) {
        json_decref(report);
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    tl_params_init(&p);
    tl_params_text(&p, doc_text);
    tl_params_date(&p, received);
    tl_params_text(&p, actor);
    tl_params_text(&p, d->account_number);
    tl_params_text(&p, d->external_id);
    tl_params_text(&p, d->ae_ref[0] ? d->ae_ref : NULL);
    tl_params_text(&p, d->agent_ref[0] ? d->agent_ref : NULL);
    tl_params_text(&p, list_text);
    rc = tl_db_exec(db, "orders_rejection_record",
                    "INSERT INTO orders.intake_rejection (content_hash,"
                    " received_on, submitted_by, account_number, external_id,"
                    " account_executive_ref, agent_ref, problems)"
                    " VALUES (encode(sha256(convert_to($1::jsonb::text,"
                    " 'UTF8')), 'hex'), $2::date, $3, $4, $5, $6, $7,"
                    " $8::jsonb)"
                    " ON CONFLICT ON CONSTRAINT intake_rejection_once"
                    " DO NOTHING",
                    &p, err);
    free(list_text);
    json_decref(report);
    return rc < 0 ? rc : 0;
}

static void copy_field(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src != NULL ? src : "");
}

/* One unknown service address: a new-address request (or the one already
 * waiting), told to the salesperson as one more line of the refusal. */
static void raise_request(tl_db *db, const order_place *pl, const char *actor,
                          tl_err *problems)
{
    accounts_address_request_t in;
    accounts_address_request_t out;
    tl_err e = TL_ERR_INIT;
    int created = 0;
    int rc;

    memset(&in, 0, sizeof(in));
    copy_field(in.kind, sizeof(in.kind), "new_address");
    copy_field(in.line1, sizeof(in.line1), pl->address.line1);
    copy_field(in.line2, sizeof(in.line2), pl->address.line2);
    copy_field(in.city, sizeof(in.city), pl->address.city);
    copy_field(in.region, sizeof(in.region), pl->address.region);
    copy_field(in.postcode, sizeof(in.postcode), pl->address.postcode);
    copy_field(in.country, sizeof(in.country), pl->address.country);
    rc = accounts_address_request_submit(&out, &created, db, &in, actor, &e);
    tl_err_clear(&e);
    if (rc < 0)
        return; /* a bad address is already one of the problems */
    tl_err_add(problems, "address_requested", pl->path,
               "new-address request %lld %s; resubmit the order once it is "
               "approved",
               (long long)out.request_id,
               created ? "raised for this address" : "is already waiting");
}

void order_raise_address_requests(tl_db *db, const order_doc *d,
                                  const char *actor, tl_err *problems)
{
    size_t i;
    int p;

    for (i = 0; i < d->n_items; i++)
        for (p = 0; p < d->items[i].n_places; p++)
            if (d->items[i].places[p].unknown)
                raise_request(db, &d->items[i].places[p], actor, problems);
}

typedef struct feedback_ctx {
    orders_feedback_fn fn;
    void *cls;
} feedback_ctx;

static int feedback_row(const tl_row *row, void *cls, tl_err *err)
{
    feedback_ctx *ctx = cls;
    orders_feedback_row r;
    int isnull = 0;

    memset(&r, 0, sizeof(r));
    if (tl_row_text(row, "salesperson", &r.salesperson, err) < 0 ||
        tl_row_text(row, "kind", &r.kind, err) < 0 ||
        tl_row_text(row, "order_number", &r.order_number, err) < 0 ||
        tl_row_text(row, "external_id", &r.external_id, err) < 0 ||
        tl_row_text(row, "account_number", &r.account_number, err) < 0 ||
        tl_row_date_opt(row, "day", &r.day, &isnull, err) < 0 ||
        tl_row_text(row, "reason", &r.reason, err) < 0 ||
        tl_row_text(row, "problems", &r.problems, err) < 0)
        return TL_ERROR;
    return ctx->fn(&r, ctx->cls, err);
}

int orders_feedback(tl_db *db, const char *salesperson, tl_date since,
                    orders_feedback_fn fn, void *cls, tl_err *err)
{
    feedback_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, salesperson);
    tl_params_date(&p, since);
    return tl_db_select(
        db, "orders_feedback",
        "WITH refused AS ("
        "  SELECT DISTINCT ON (coalesce(r.account_number, ''),"
        "   coalesce(r.external_id, ''))"
        "   coalesce(r.agent_ref, r.account_executive_ref, r.submitted_by)"
        "    AS salesperson, 'refused' AS kind, '' AS order_number,"
        "   coalesce(r.external_id, '') AS external_id,"
        "   coalesce(r.account_number, '') AS account_number,"
        "   r.received_on AS day, '' AS reason, r.problems::text AS problems"
        "  FROM orders.intake_rejection r"
        "  WHERE r.received_on >= $2::date"
        "  AND NOT EXISTS (SELECT 1 FROM orders.sales_order o"
        "   JOIN accounts.billing_account a USING (account_id)"
        "   WHERE a.account_number = r.account_number"
        "   AND o.external_id = r.external_id)"
        "  ORDER BY coalesce(r.account_number, ''),"
        "   coalesce(r.external_id, ''), r.rejected_at DESC,"
        "   r.rejection_id DESC),"
        " decided AS ("
        "  SELECT coalesce(o.agent_ref, o.account_executive_ref,"
        "   o.submitted_by) AS salesperson, o.state AS kind,"
        "   o.order_number, o.external_id, a.account_number,"
        "   (o.state_changed_at AT TIME ZONE 'UTC')::date AS day,"
        "   coalesce((SELECT c.reason FROM orders.state_change c"
        "    WHERE c.account_id = o.account_id AND c.order_id = o.order_id"
        "    ORDER BY c.seq DESC LIMIT 1), '') AS reason,"
        "   '[]' AS problems"
        "  FROM orders.sales_order o"
        "  JOIN accounts.billing_account a USING (account_id)"
        "  WHERE o.state IN ('rejected', 'held')"
        "  AND (o.state_changed_at AT TIME ZONE 'UTC')::date >= $2::date)"
        " SELECT * FROM (SELECT * FROM refused UNION ALL"
        "  SELECT * FROM decided) f"
        " WHERE $1::text IS NULL OR f.salesperson = $1"
        " ORDER BY f.salesperson, f.day, f.account_number, f.external_id",
        &p, feedback_row, &ctx, err);
}
