/*
 * The other resources, each a thin wrapper over the module function the
 * CLI calls: contracts (contracts_describe), services
 * (provisioning_service_get), equipment (provisioning_equipment_*), bill
 * runs (billing_run_preview, billing_run_approve + collections_post_run in
 * one transaction, billing_run_get), the service-code and sales audits,
 * the reconciliation and finance reports, and commission statements
 * (commissions_statement_get + commissions_render_json, sent as rendered).
 */
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/reconcile.h"
#include "collections/collections.h"
#include "collections/finance.h"
#include "commissions/commissions.h"
#include "common/json.h"
#include "contracts/contracts.h"
#include "orders/orders.h"
#include "provisioning/equipment.h"
#include "provisioning/provisioning.h"
#include "server/server_internal.h"

#define OOM(err) tl_err_set(err, TL_ERROR, "internal", "", "out of memory")

static int append(json_t *items, json_t *v, tl_err *err)
{
    return json_array_append_new(items, v) == 0 ? 0 : OOM(err);
}

/* ---- contracts, services, equipment ---- */

int h_contract_get(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *doc = NULL;
    int rc;

    rc = contracts_describe(&doc, db, r->param[0], r->param[1], err);
    if (rc < 0)
        return rc;
    srv_etag_of(r->etag, doc);
    return srv_reply(r, 200, doc, err);
}

static json_t *opt_date(int has, tl_date d)
{
    return has ? srv_date(d) : json_null();
}

int h_service_get(srv_req *r, tl_db *db, tl_err *err)
{
    provisioning_service_t s;
    int rc;

    rc = provisioning_service_get(&s, db, r->param[0], err);
    if (rc < 0)
        return rc;
    return srv_reply(
        r, 200,
        json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "id", s.circuit_id,
            "state", s.state, "productOrder", s.order_number,
            "productOrderItem", s.item_id, "product", s.product_id,
            "installDate", opt_date(s.has_install, s.install_date),
            "acceptanceDate", opt_date(s.has_acceptance, s.acceptance_date),
            "billingStartDate",
            opt_date(s.has_billing_start, s.billing_start_date),
            "disconnectDate", opt_date(s.has_disconnect, s.disconnect_date)),
        err);
}

static json_t *equipment_json(const provisioning_equipment_t *e)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, "
                     "s:i}",
                     "serial", e->serial, "mac", e->mac, "model", e->model,
                     "kind", e->kind, "status", e->status, "locationKind",
                     e->location_kind, "locationRef", e->location_ref,
                     "accountNumber", e->account_number, "circuitId",
                     e->circuit_id, "movedOn", srv_date(e->moved_on),
                     "movements", e->movements);
}

static int equipment_row(const provisioning_equipment_t *e, void *cls,
                         tl_err *err)
{
    return append(cls, equipment_json(e), err);
}

int h_equipment_list(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items = json_array();
    int rc;

    if (items == NULL)
        return OOM(err);
    rc = provisioning_equipment_list(
        db, srv_query(r, "status"), srv_query(r, "locationKind"),
        srv_query(r, "accountNumber"), equipment_row, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

int h_equipment_get(srv_req *r, tl_db *db, tl_err *err)
{
    provisioning_equipment_t e;
    int rc;

    rc = provisioning_equipment_get(&e, db, r->param[0], err);
    if (rc < 0)
        return rc;
    return srv_reply(r, 200, equipment_json(&e), err);
}

/* ---- bill runs ---- */

static json_t *run_json(const billing_run_result *b)
{
    char href[64];

    snprintf(href, sizeof(href), "/billRun/%lld", (long long)b->run_id);
    return json_pack(
        "{s:I, s:s, s:s, s:i, s:o, s:o, s:o, s:i, s:i, s:I}", "id",
        (json_int_t)b->run_id, "href", href, "status", b->status, "cycleDay",
        b->cycle_day, "periodStart", srv_date(b->period.start), "periodEnd",
        srv_date(b->period.end), "issueDate", srv_date(b->issue_date),
        "invoiceCount", b->invoice_count, "accountsDone", b->accounts_done,
        "totalMinor", (json_int_t)b->total_minor);
}

static int run_id_param(int64_t *id, srv_req *r)
{
    char *end = NULL;
    long long v = strtoll(r->param[0], &end, 10);

    if (end == r->param[0] || *end != '\0' || v <= 0)
        return srv_fail(r, 404, TL_ENOTFOUND, "not_found", "id",
                        "no bill run %s", r->param[0]);
    *id = v;
    return 0;
}

int h_billrun_create(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"cycleDay", "month", "issueDate", NULL};
    billing_run_result res;
    json_t *body = NULL;
    const char *month = NULL;
    int64_t cycle = 0;
    tl_date issue = 0;
    int year = 0;
    int mon = 0;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    tl_json_int(body, "cycleDay", "", 1, 1, 31, &cycle, NULL, err);
    tl_json_str(body, "month", "", 1, 7, &month, err);
    tl_json_date(body, "issueDate", "", 1, &issue, NULL, err);
    if (month != NULL && tl_month_parse(&year, &mon, month) != 0)
        tl_err_add(err, "format", "month", "month must be YYYY-MM");
    if (tl_err_has_problems(err)) {
        json_decref(body);
        return TL_EINVALID;
    }
    json_decref(body);
    rc = billing_run_preview(&res, db, (int)cycle, year, mon, issue, NULL,
                             r->user.username, err);
    if (rc < 0)
        return rc;
    snprintf(r->location, sizeof(r->location), "/billRun/%lld",
             (long long)res.run_id);
    return srv_reply(r, res.created ? 201 : 200, run_json(&res), err);
}

int h_billrun_get(srv_req *r, tl_db *db, tl_err *err)
{
    billing_run_result res;
    int64_t id;
    int rc;

    rc = run_id_param(&id, r);
    if (rc == 0)
        rc = billing_run_get(&res, db, id, err);
    if (rc < 0)
        return rc;
    return srv_reply(r, 200, run_json(&res), err);
}

int h_billrun_approve(srv_req *r, tl_db *db, tl_err *err)
{
    billing_run_result res;
    int posted = 0;
    int64_t id;
    int rc;

    rc = run_id_param(&id, r);
    if (rc == 0)
        rc = billing_run_approve(&res, db, id, r->user.username, err);
    if (rc == 0)
        rc = collections_post_run(&posted, db, id, r->user.username, err);
    if (rc < 0)
        return rc;
    return srv_reply(r, 200, run_json(&res), err);
}

/* ---- audits and reports ---- */

static int code_finding(const provisioning_code_finding_t *f, void *cls,
                        tl_err *err)
{
    json_t *v =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "accountNumber",
                  f->account_number, "circuitId", f->circuit_id, "finding",
                  f->finding, "code", f->code, "message", f->message);

    if (v != NULL && f->has_monthly_difference)
        json_object_set_new(v, "monthlyDifference",
                            srv_money(&f->monthly_difference));
    return append(cls, v, err);
}

int h_service_code_audit(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items;
    tl_date as_of;
    int rc;

    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = provisioning_audit_codes(db, as_of, code_finding, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static int sales_finding(const orders_audit_finding *f, void *cls, tl_err *err)
{
    return append(cls,
                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "productOrder",
                            f->order_number, "accountNumber", f->account_number,
                            "agent", f->agent_ref, "itemId", f->item_id,
                            "finding", f->code, "message", f->message),
                  err);
}

int h_sales_audit(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items;
    tl_date since;
    int rc;

    rc = srv_query_date(&since, r, "since", tl_date_add_days(r->today, -30),
                        err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = orders_sales_audit(db, since, srv_query(r, "agent"), sales_finding,
                            items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static int recon_finding(const billing_recon_finding_t *f, void *cls,
                         tl_err *err)
{
    json_t *v =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "finding",
                  billing_recon_kind_name(f->kind), "accountNumber",
                  f->account_number, "circuitId", f->circuit_id, "product",
                  f->product_id, "code", f->code, "from", srv_date(f->from),
                  "amount", srv_money(&f->amount), "message", f->message);

    if (v != NULL && f->has_to)
        json_object_set_new(v, "to", srv_date(f->to));
    if (v != NULL && f->has_billed)
        json_object_set_new(v, "billed", srv_money(&f->billed));
    if (v != NULL && f->has_expected)
        json_object_set_new(v, "expected", srv_money(&f->expected));
    return append(cls, v, err);
}

int h_report_reconciliation(srv_req *r, tl_db *db, tl_err *err)
{
    billing_recon_totals_t totals;
    json_t *items;
    tl_date as_of;
    int rc;

    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = billing_reconcile(&totals, db, as_of, srv_query(r, "accountNumber"),
                           recon_finding, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static int finance_row(const collections_finance_row_t *f, void *cls,
                       tl_err *err)
{
    json_t *v = json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o}", "month",
                          f->month, "currency", f->currency, "product",
                          f->product, "invoices", f->invoices, "mrc",
                          srv_money(&f->mrc), "nrc", srv_money(&f->nrc), "tax",
                          srv_money(&f->tax), "billed", srv_money(&f->billed));

    if (v != NULL && f->is_total) {
        json_object_set_new(v, "invoiced", srv_money(&f->invoiced));
        json_object_set_new(v, "ledger", srv_money(&f->ledger));
        json_object_set_new(v, "difference", srv_money(&f->difference));
        json_object_set_new(v, "ties", json_boolean(f->ties));
        json_object_set_new(v, "untied", json_integer(f->untied));
    }
    return append(cls, v, err);
}

static int month_query(int *y, int *m, const srv_req *r, const char *name,
                       tl_err *err)
{
    const char *v = srv_query(r, name);

    if (v == NULL || tl_month_parse(y, m, v) != 0)
        return tl_err_add(err, "format", name, "%s must be YYYY-MM", name);
    return 0;
}

int h_report_finance(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items;
    int fy = 0;
    int fm = 0;
    int ty = 0;
    int tm = 0;
    int untied = 0;
    int rc;

    month_query(&fy, &fm, r, "from", err);
    month_query(&ty, &tm, r, "to", err);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = collections_finance_report(&untied, db, fy, fm, ty, tm, finance_row,
                                    items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

int h_commission_statement(srv_req *r, tl_db *db, tl_err *err)
{
    commissions_doc_t doc;
    char *out = NULL;
    int year = 0;
    int month = 0;
    int rc;

    if (tl_month_parse(&year, &month, r->param[1]) != 0)
        return srv_fail(r, 404, TL_ENOTFOUND, "not_found", "month",
                        "%s is not a month (YYYY-MM)", r->param[1]);
    memset(&doc, 0, sizeof(doc));
    rc = commissions_statement_get(&doc, db, r->param[0], year, month,
                                   srv_query(r, "currency"), err);
    if (rc == 0)
        rc = commissions_render_json(&out, &doc, err);
    commissions_statement_free(&doc);
    if (rc < 0)
        return rc;
    { /* the ETag an approval's If-Match is checked against */
        json_t *parsed = json_loads(out, 0, NULL);
        if (parsed != NULL)
            srv_etag_of(r->etag, parsed);
        json_decref(parsed);
    }
    return srv_reply_raw(r, 200, "application/json", out, strlen(out));
}

/* ---- implementation timeline ---- */

static int timeline_row(const provisioning_timeline_row_t *t, void *cls,
                        tl_err *err)
{
    return append(cls,
                  json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:i}",
                            "itemId", t->item_id, "action", t->action,
                            "product", t->product_id, "circuitId",
                            t->circuit_id, "milestone", t->kind, "planned",
                            opt_date(t->has_planned, t->planned), "actual",
                            opt_date(t->has_actual, t->actual), "automatic",
                            t->automatic, "daysLate", t->days_late),
                  err);
}

int h_order_timeline(srv_req *r, tl_db *db, tl_err *err)
{
    orders_order_t o;
    json_t *items;
    tl_date as_of;
    int rc;

    rc = srv_query_date(&as_of, r, "asOf", r->today, err);
    if (rc < 0)
        return rc;
    /* orders_get first: under row-level security an order of another
     * account is not found, whatever provisioning's tables hold */
    rc = orders_get(&o, db, r->param[0], err);
    if (rc < 0)
        return rc;
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = provisioning_order_timeline(db, r->param[0], as_of, timeline_row,
                                     items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}
