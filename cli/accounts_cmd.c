/*
 * trunkline account load | show | list | status | po | po-report | agent |
 * ae, and address request | requests | approve | reject
 */
#include <stdio.h>
#include <string.h>

#include <stdint.h>
#include <time.h>

#include "accounts/accounts.h"
#include "cli/cli.h"
#include "common/json.h"

static int run_load(cli_ctx *c, int argc, char **argv)
{
    accounts_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = cli_json_arg(c, argc, argv, "the account file", &doc);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = accounts_load(&res, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:i, s:i, s:i, s:i, s:i}", "customerId",
            (json_int_t)res.customer_id, "customersAdded", res.customers_added,
            "accountsAdded", res.accounts_added, "sitesAdded", res.sites_added,
            "detailsAdded", res.details_added, "unchanged", res.unchanged));
    printf("accounts loaded: %d customers, %d accounts, %d sites, "
           "%d details added; %d unchanged\n",
           res.customers_added, res.accounts_added, res.sites_added,
           res.details_added, res.unchanged);
    return CLI_EXIT_OK;
}

static json_t *po_json(const accounts_po_t *po)
{
    json_t *o = json_pack(
        "{s:s, s:s?, s:o, s:o}", "poNumber", po->po_number, "serviceRef",
        po->service_ref[0] ? po->service_ref : NULL, "validFrom",
        cli_date_json(po->valid_from), "validTo", cli_date_json(po->valid_to));

    if (o != NULL && po->has_cap)
        json_object_set_new(o, "amountCap", cli_money_json(&po->cap));
    return o;
}

static int add_contact(const accounts_contact_t *ct, void *payload)
{
    return json_array_append_new(
        payload, json_pack("{s:s, s:s, s:s, s:s?}", "role", ct->role, "name",
                           ct->name, "email", ct->email, "phone",
                           ct->phone[0] ? ct->phone : NULL));
}

static int add_child(const char *number, void *payload)
{
    return json_array_append_new(payload, json_string(number));
}

static int add_po(const accounts_po_t *po, void *payload)
{
    return json_array_append_new(payload, po_json(po));
}

static int add_exemption(const accounts_tax_exemption_t *x, void *payload)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s?, s:o}", "certificateNumber",
                  x->certificate_number, "jurisdiction", x->jurisdiction,
                  "category", x->category[0] ? x->category : NULL, "validFrom",
                  cli_date_json(x->valid_from));

    if (o != NULL && x->has_valid_to)
        json_object_set_new(o, "validTo", cli_date_json(x->valid_to));
    return json_array_append_new(payload, o);
}

static int add_history(const accounts_status_change_t *h, void *payload)
{
    return json_array_append_new(
        payload, json_pack("{s:s, s:s, s:s, s:s, s:s}", "from", h->from_status,
                           "to", h->to_status, "reason", h->reason, "actor",
                           h->actor, "at", h->changed_at));
}

static json_t *assignment_json(tl_db *db, int64_t account_id, const char *role,
                               tl_date day, int *rc, tl_err *err)
{
    accounts_assignment_t a;
    tl_err lookup = TL_ERR_INIT;
    json_t *o;

    *rc = accounts_assignment_on(&a, db, account_id, role, day, &lookup);
    if (*rc == TL_ENOTFOUND) {
        *rc = 0;
        tl_err_clear(&lookup);
        return json_null();
    }
    if (*rc < 0) {
        tl_err_copy(err, &lookup);
        tl_err_clear(&lookup);
        return NULL;
    }
    o = json_pack("{s:s, s:s, s:o}", "ref", a.person_ref, "name", a.person_name,
                  "from", cli_date_json(a.valid_from));
    if (o != NULL && a.has_valid_to)
        json_object_set_new(o, "to", cli_date_json(a.valid_to));
    return o;
}

static tl_date today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    tl_date d = 0;

    gmtime_r(&now, &tm);
    tl_date_from_ymd(&d, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return d;
}

static void print_text_show(const accounts_account_t *a,
                            const accounts_details_t *d, const json_t *o)
{
    const json_t *v;
    size_t i;

    printf("%s  %s (%s)\n  currency %s, bill cycle day %d, net %d, %s\n",
           a->account_number, a->name, a->customer_name, a->currency,
           a->bill_cycle_day, a->payment_terms_days, a->status);
    if (d->invoice_delivery[0])
        printf("  invoices by %s%s%s\n", d->invoice_delivery,
               d->invoice_delivery_address[0] ? " to " : "",
               d->invoice_delivery_address);
    if (d->has_credit_limit) {
        char buf[32];
        tl_money_format(buf, sizeof(buf), &d->credit_limit);
        printf("  credit limit %s %s\n", buf, d->credit_limit.cur);
    }
    if (d->parent_account_number[0])
        printf("  parent account %s\n", d->parent_account_number);
    v = json_object_get(o, "children");
    for (i = 0; i < json_array_size(v); i++)
        printf("  child account %s\n", json_string_value(json_array_get(v, i)));
    v = json_object_get(o, "accountExecutive");
    if (json_is_object(v))
        printf("  account executive %s (%s)\n",
               json_string_value(json_object_get(v, "name")),
               json_string_value(json_object_get(v, "ref")));
    v = json_object_get(o, "agentOfRecord");
    if (json_is_object(v))
        printf("  agent of record %s (%s) since %s\n",
               json_string_value(json_object_get(v, "name")),
               json_string_value(json_object_get(v, "ref")),
               json_string_value(json_object_get(v, "from")));
    v = json_object_get(o, "contacts");
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *ct = json_array_get(v, i);
        printf("  %s contact %s <%s>\n",
               json_string_value(json_object_get(ct, "role")),
               json_string_value(json_object_get(ct, "name")),
               json_string_value(json_object_get(ct, "email")));
    }
    v = json_object_get(o, "taxExemptions");
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *x = json_array_get(v, i);
        const json_t *to = json_object_get(x, "validTo");
        printf("  tax exemption %s (%s, %s) from %s%s%s\n",
               json_string_value(json_object_get(x, "certificateNumber")),
               json_string_value(json_object_get(x, "jurisdiction")),
               json_is_string(json_object_get(x, "category"))
                   ? json_string_value(json_object_get(x, "category"))
                   : "all charges",
               json_string_value(json_object_get(x, "validFrom")),
               to ? ", ends before " : "", to ? json_string_value(to) : "");
    }
    if (d->po_required)
        printf("  invoices must quote a purchase order\n");
    v = json_object_get(o, "purchaseOrders");
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *po = json_array_get(v, i);
        const json_t *cap = json_object_get(po, "amountCap");
        printf("  PO %s %s to %s%s%s\n",
               json_string_value(json_object_get(po, "poNumber")),
               json_string_value(json_object_get(po, "validFrom")),
               json_string_value(json_object_get(po, "validTo")),
               cap ? ", cap " : "",
               cap ? json_string_value(json_object_get(cap, "amount")) : "");
    }
    v = json_object_get(o, "statusHistory");
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *h = json_array_get(v, i);
        printf("  %s %s -> %s by %s: %s\n",
               json_string_value(json_object_get(h, "at")),
               json_string_value(json_object_get(h, "from")),
               json_string_value(json_object_get(h, "to")),
               json_string_value(json_object_get(h, "actor")),
               json_string_value(json_object_get(h, "reason")));
    }
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *number = NULL;
    const char *on_text = NULL;
    const cli_opt opts[] = {{"on", &on_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    accounts_account_t a;
    accounts_details_t d;
    tl_err err = TL_ERR_INIT;
    json_t *o = NULL;
    json_t *arr;
    tl_date on = today();
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the account number is required");
    number = pos[0];
    if (on_text != NULL && cli_date_arg(c, "on", on_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_get(&a, c->db, number, &err);
    if (rc == 0)
        rc = accounts_get_details(&d, c->db, a.account_id, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:s?, s:s?, s:s?,"
                  " s:b}",
                  "accountNumber", a.account_number, "name", a.name, "customer",
                  a.customer_name, "currency", a.currency, "billCycleDay",
                  a.bill_cycle_day, "paymentTermsDays", a.payment_terms_days,
                  "status", a.status, "invoiceDelivery",
                  d.invoice_delivery[0] ? d.invoice_delivery : NULL,
                  "invoiceDeliveryAddress",
                  d.invoice_delivery_address[0] ? d.invoice_delivery_address
                                                : NULL,
                  "parentAccountNumber",
                  d.parent_account_number[0] ? d.parent_account_number : NULL,
                  "poRequired", d.po_required);
    if (o == NULL)
        return cli_print_json(NULL);
    if (d.has_credit_limit)
        json_object_set_new(o, "creditLimit", cli_money_json(&d.credit_limit));
    arr = json_array();
    json_object_set_new(o, "children", arr);
    rc = accounts_children(c->db, a.account_id, add_child, arr, &err);
    arr = json_array();
    json_object_set_new(o, "contacts", arr);
    if (rc >= 0)
        rc = accounts_contacts(c->db, a.account_id, add_contact, arr, &err);
    arr = json_array();
    json_object_set_new(o, "taxExemptions", arr);
    if (rc >= 0)
        rc = accounts_tax_exemptions(c->db, a.account_id, add_exemption, arr,
                                     &err);
    arr = json_array();
    json_object_set_new(o, "purchaseOrders", arr);
    if (rc >= 0)
        rc = accounts_pos(c->db, a.account_id, add_po, arr, &err);
    arr = json_array();
    json_object_set_new(o, "statusHistory", arr);
    if (rc >= 0)
        rc = accounts_status_history(c->db, a.account_id, add_history, arr,
                                     &err);
    if (rc >= 0)
        json_object_set_new(
            o, "accountExecutive",
            assignment_json(c->db, a.account_id, "ae", on, &rc, &err));
    if (rc >= 0)
        json_object_set_new(
            o, "agentOfRecord",
            assignment_json(c->db, a.account_id, "agent", on, &rc, &err));
    if (rc < 0) {
        json_decref(o);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(o);
    print_text_show(&a, &d, o);
    json_decref(o);
    return CLI_EXIT_OK;
}

static int print_account_line(const accounts_account_t *a, void *payload)
{
    if (payload != NULL)
        return json_array_append_new(
            payload,
            json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "accountNumber",
                      a->account_number, "name", a->name, "customer",
                      a->customer_name, "currency", a->currency, "billCycleDay",
                      a->bill_cycle_day, "status", a->status));
    printf("%-14s %-10s %-3s %2d  %s (%s)\n", a->account_number, a->status,
           a->currency, a->bill_cycle_day, a->name, a->customer_name);
    return 0;
}

static int run_list(cli_ctx *c, int argc, char **argv)
{
    const char *customer = NULL;
    const char *status = NULL;
    const cli_opt opts[] = {{"customer", &customer, NULL},
                            {"status", &status, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        arr = json_array();
    rc = accounts_list(c->db, customer, status, print_account_line, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", "accounts", arr));
    return CLI_EXIT_OK;
}

static int run_status(cli_ctx *c, int argc, char **argv)
{
    const char *to = NULL;
    const char *reason = NULL;
    const cli_opt opts[] = {
        {"set", &to, NULL}, {"reason", &reason, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    accounts_account_t a;
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the account number is required");
    if (to == NULL)
        return cli_usage_error(c, "--set STATUS is required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_set_status(&a, c->db, pos[0], to, reason, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:s}", "accountNumber",
                                        a.account_number, "status", a.status));
    printf("%s is now %s\n", a.account_number, a.status);
    return CLI_EXIT_OK;
}

static int run_po(cli_ctx *c, int argc, char **argv)
{
    const char *po_number = NULL;
    const char *service = NULL;
    const char *from = NULL;
    const char *to = NULL;
    const char *cap = NULL;
    const cli_opt opts[] = {
        {"po", &po_number, NULL}, {"service", &service, NULL},
        {"from", &from, NULL},    {"to", &to, NULL},
        {"cap", &cap, NULL},      {NULL, NULL, NULL}};
    const char *pos[2];
    accounts_account_t a;
    accounts_po_t po;
    tl_err err = TL_ERR_INIT;
    int added = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 2, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 2 || strcmp(pos[0], "add") != 0)
        return cli_usage_error(c, "say `po add ACCOUNT_NUMBER`");
    if (po_number == NULL)
        return cli_usage_error(c, "--po NUMBER is required");
    memset(&po, 0, sizeof(po));
    snprintf(po.account_number, sizeof(po.account_number), "%s", pos[1]);
    snprintf(po.po_number, sizeof(po.po_number), "%s", po_number);
    snprintf(po.service_ref, sizeof(po.service_ref), "%s",
             service ? service : "");
    if (cli_date_arg(c, "from", from, &po.valid_from) != 0 ||
        cli_date_arg(c, "to", to, &po.valid_to) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_get(&a, c->db, pos[1], &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (cap != NULL) {
        if (tl_money_parse(&po.cap, cap, a.currency) != 0)
            return cli_usage_error(c,
                                   "--cap must be an amount in %s such as "
                                   "5000.00, not \"%s\"",
                                   a.currency, cap);
        po.has_cap = 1;
    }
    rc = accounts_po_add(&added, c->db, &po, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        json_t *o = po_json(&po);
        if (o != NULL)
            json_object_set_new(o, "added", json_boolean(added));
        return cli_print_json(o);
    }
    printf("PO %s on %s %s\n", po.po_number, po.account_number,
           added ? "added" : "already recorded");
    return CLI_EXIT_OK;
}

static int po_line(const accounts_po_line_t *l, void *payload)
{
    char cap[32] = "";
    char used[32] = "";
    char to[16] = "";

    if (payload != NULL) {
        json_t *o =
            json_pack("{s:s, s:s, s:s}", "accountNumber", l->account_number,
                      "accountName", l->account_name, "problem", l->problem);
        if (o != NULL && l->has_po) {
            json_object_set_new(o, "po", po_json(&l->po));
            json_object_set_new(o, "used", cli_money_json(&l->used));
        }
        return json_array_append_new(payload, o);
    }
    if (l->has_po) {
        tl_date_format(to, sizeof(to), l->po.valid_to);
        if (l->po.has_cap)
            tl_money_format(cap, sizeof(cap), &l->po.cap);
        tl_money_format(used, sizeof(used), &l->used);
    }
    printf("%-14s %-9s %-16s %-10s %12s %12s  %s\n", l->account_number,
           l->problem, l->has_po ? l->po.po_number : "-", l->has_po ? to : "-",
           cap[0] ? cap : "-", l->has_po ? used : "-", l->account_name);
    return 0;
}

static int run_po_report(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const char *within_text = NULL;
    const char *threshold_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL},
                            {"within", &within_text, NULL},
                            {"threshold", &threshold_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    tl_date as_of = today();
    int64_t within = 30;
    int64_t threshold = 90;
    json_t *arr = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (as_of_text != NULL && cli_date_arg(c, "as-of", as_of_text, &as_of))
        return CLI_EXIT_USAGE;
    if (within_text != NULL &&
        cli_int_arg(c, "within", within_text, 0, 3660, &within) != 0)
        return CLI_EXIT_USAGE;
    if (threshold_text != NULL &&
        cli_int_arg(c, "threshold", threshold_text, 1, 100, &threshold) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        arr = json_array();
    else
        printf("%-14s %-9s %-16s %-10s %12s %12s  %s\n", "account", "problem",
               "po", "valid to", "cap", "used", "name");
    /* Invoiced totals per PO come from billing later; until then nothing
     * counts as used. */
    rc = accounts_po_report(c->db, as_of, (int)within, threshold * 10000, NULL,
                            NULL, po_line, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o, s:I, s:o}", "asOf",
                                        cli_date_json(as_of), "withinDays",
                                        (json_int_t)within, "lines", arr));
    return CLI_EXIT_OK;
}

static int run_assign(cli_ctx *c, int argc, char **argv, const char *role)
{
    const char *who = NULL;
    const char *name = NULL;
    const char *from_text = NULL;
    const cli_opt opts[] = {{role, &who, NULL},
                            {"name", &name, NULL},
                            {"from", &from_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t person_id = 0;
    int changed = 0;
    tl_date from;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the account number is required");
    if (who == NULL)
        return cli_usage_error(c, "--%s REF is required", role);
    if (cli_date_arg(c, "from", from_text, &from) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (name != NULL)
        rc = accounts_person_put(&person_id, c->db, who, name, role, &err);
    if (rc >= 0)
        rc = accounts_assign(&changed, c->db, pos[0], role, who, from, c->actor,
                             &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:s, s:s, s:o, s:b}", "accountNumber", pos[0], "role", role,
            "ref", who, "from", cli_date_json(from), "changed", changed));
    printf("%s: %s %s from %s\n", pos[0],
           strcmp(role, "ae") == 0 ? "account executive" : "agent of record",
           who, from_text);
    return CLI_EXIT_OK;
}

static int run_agent(cli_ctx *c, int argc, char **argv)
{
    return run_assign(c, argc, argv, "agent");
}

static int run_ae(cli_ctx *c, int argc, char **argv)
{
    return run_assign(c, argc, argv, "ae");
}

static int run_number_scheme(cli_ctx *c, int argc, char **argv)
{
    const char *prefix = NULL;
    const char *digits_text = NULL;
    const char *next_text = NULL;
    const cli_opt opts[] = {{"prefix", &prefix, NULL},
                            {"digits", &digits_text, NULL},
                            {"next", &next_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t digits = 0;
    int64_t next = 1;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (prefix == NULL)
        return cli_usage_error(c, "--prefix is required");
    if (cli_int_arg(c, "digits", digits_text, 3, 12, &digits) != 0 ||
        (next_text != NULL &&
         cli_int_arg(c, "next", next_text, 1, INT64_MAX, &next) != 0))
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_set_number_scheme(c->db, prefix, (int)digits, next, c->actor,
                                    &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:I, s:I}", "prefix", prefix,
                                        "digits", (json_int_t)digits,
                                        "nextValue", (json_int_t)next));
    printf("new account numbers: %s%0*lld, ...\n", prefix, (int)digits,
           (long long)next);
    return CLI_EXIT_OK;
}

/* ---- address requests ---- */

static json_t *request_json(const accounts_address_request_t *q)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s?, s:s?}",
                  "requestId", (json_int_t)q->request_id, "kind", q->kind,
                  "state", q->state, "line1", q->line1, "line2",
                  q->line2[0] ? q->line2 : NULL, "city", q->city, "region",
                  q->region, "postcode", q->postcode, "country", q->country,
                  "houseInfo", q->house_info[0] ? q->house_info : NULL,
                  "reason", q->reason[0] ? q->reason : NULL);

    if (o == NULL)
        return NULL;
    if (q->duplicate_of != 0)
        json_object_set_new(o, "duplicateOf", json_integer(q->duplicate_of));
    if (q->address_id != 0)
        json_object_set_new(o, "addressId", json_integer(q->address_id));
    if (q->target_address_id != 0)
        json_object_set_new(o, "targetAddressId",
                            json_integer(q->target_address_id));
    return o;
}

static void print_request(const accounts_address_request_t *q)
{
    printf("request %lld  %s  %s: %s%s%s, %s %s %s %s",
           (long long)q->request_id, q->state, q->kind, q->line1,
           q->line2[0] ? ", " : "", q->line2, q->city, q->region, q->postcode,
           q->country);
    if (q->house_info[0])
        printf(" [%s]", q->house_info);
    if (q->duplicate_of != 0)
        printf(" (possible duplicate of address %lld)",
               (long long)q->duplicate_of);
    if (q->address_id != 0)
        printf(" -> address %lld", (long long)q->address_id);
    if (q->reason[0])
        printf(" reason: %s", q->reason);
    printf("\n");
}

static int show_request(const cli_ctx *c, const accounts_address_request_t *q,
                        int created)
{
    if (c->json) {
        json_t *o = request_json(q);
        if (o != NULL && created >= 0)
            json_object_set_new(o, "created", json_boolean(created));
        return cli_print_json(o);
    }
    print_request(q);
    return CLI_EXIT_OK;
}

/* Reads an address request file {"kind", "line1", "line2", "city",
 * "region", "postcode", "country", "addressId", "houseInfo"} into the
 * option values v (same order as the options); options given on the
 * command line win. The strings live in *doc, which the caller decrefs. */
static int request_from_file(cli_ctx *c, const char *path, const char **v,
                             json_t **doc)
{
    static const char *const keys[] = {
        "line1",   "line2",     "city",      "region", "postcode",
        "country", "addressId", "houseInfo", "kind",   NULL};
    tl_err err = TL_ERR_INIT;
    size_t i;
    int rc;

    rc = tl_json_load_file(doc, path, TL_JSON_MAX_BYTES, &err);
    if (rc == 0 && !json_is_object(*doc))
        rc = tl_err_add(&err, "type", "", "the file must hold an object");
    if (rc == 0)
        rc = tl_json_only_keys(*doc, "", keys, &err);
    for (i = 0; rc == 0 && keys[i] != NULL; i++) {
        const json_t *m = json_object_get(*doc, keys[i]);
        if (m == NULL || v[i] != NULL)
            continue;
        if (!json_is_string(m))
            rc = tl_err_add(&err, "type", keys[i], "%s must be a string",
                            keys[i]);
        else
            v[i] = json_string_value(m);
    }
    if (rc < 0) {
        json_decref(*doc);
        *doc = NULL;
        return cli_fail(c, rc, &err);
    }
    return 0;
}

static int run_address_request(cli_ctx *c, int argc, char **argv)
{
    const char *v[9] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    const cli_opt opts[] = {
        {"line1", &v[0], NULL},      {"line2", &v[1], NULL},
        {"city", &v[2], NULL},       {"region", &v[3], NULL},
        {"postcode", &v[4], NULL},   {"country", &v[5], NULL},
        {"address-id", &v[6], NULL}, {"house-info", &v[7], NULL},
        {"kind", &v[8], NULL},       {NULL, NULL, NULL}};
    const char *pos[1];
    accounts_address_request_t in;
    accounts_address_request_t out;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int created = 0;
    int64_t target = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos == 1) {
        rc = request_from_file(c, pos[0], v, &doc);
        if (rc != 0)
            return rc;
    }
    memset(&in, 0, sizeof(in));
    snprintf(in.kind, sizeof(in.kind), "%s",
             v[8] ? v[8] : (v[6] ? "house_info_update" : "new_address"));
    if (v[6] != NULL &&
        cli_int_arg(c, "address-id", v[6], 1, INT64_MAX, &target) != 0)
        return CLI_EXIT_USAGE;
    in.target_address_id = target;
    snprintf(in.line1, sizeof(in.line1), "%s", v[0] ? v[0] : "");
    snprintf(in.line2, sizeof(in.line2), "%s", v[1] ? v[1] : "");
    snprintf(in.city, sizeof(in.city), "%s", v[2] ? v[2] : "");
    snprintf(in.region, sizeof(in.region), "%s", v[3] ? v[3] : "");
    snprintf(in.postcode, sizeof(in.postcode), "%s", v[4] ? v[4] : "");
    snprintf(in.country, sizeof(in.country), "%s", v[5] ? v[5] : "");
    snprintf(in.house_info, sizeof(in.house_info), "%s", v[7] ? v[7] : "");
    rc = cli_connect(c);
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    rc = accounts_address_request_submit(&out, &created, c->db, &in, c->actor,
                                         &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return show_request(c, &out, created);
}

static int list_request(const accounts_address_request_t *q, void *payload)
{
    if (payload != NULL)
        return json_array_append_new(payload, request_json(q));
    print_request(q);
    return 0;
}

static int run_address_requests(cli_ctx *c, int argc, char **argv)
{
    const char *state = NULL;
    const cli_opt opts[] = {{"state", &state, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        arr = json_array();
    rc = accounts_address_requests(c->db, state, list_request, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", "requests", arr));
    return CLI_EXIT_OK;
}

static int run_decide(cli_ctx *c, int argc, char **argv, int approve)
{
    const char *reason = NULL;
    const cli_opt opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    accounts_address_request_t out;
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, approve ? NULL : opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the request id is required");
    if (cli_int_arg(c, "request id", pos[0], 1, INT64_MAX, &id) != 0)
        return CLI_EXIT_USAGE;
    if (!approve && reason == NULL)
        return cli_usage_error(c, "--reason TEXT is required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (approve)
        rc = accounts_address_request_approve(&out, c->db, id, c->actor, &err);
    else
        rc = accounts_address_request_reject(&out, c->db, id, reason, c->actor,
                                             &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return show_request(c, &out, -1);
}

static int run_approve(cli_ctx *c, int argc, char **argv)
{
    return run_decide(c, argc, argv, 1);
}

static int run_reject(cli_ctx *c, int argc, char **argv)
{
    return run_decide(c, argc, argv, 0);
}

const cli_command cli_accounts_commands[] = {
    {"account", "load", "load a customer with its billing accounts and sites",
     "trunkline account load FILE [--json]\n"
     "FILE is JSON: {\"customer\": {\"ref\", \"name\", \"kind\":"
     " \"enterprise\"|\"wholesale\"},\n"
     " \"accounts\": [{\"accountNumber\", \"name\", \"currency\","
     " \"billCycleDay\", \"paymentTermsDays\",\n"
     "   \"sites\": [{\"name\", \"address\": {\"line1\", \"line2\", \"city\","
     " \"region\", \"postcode\", \"country\"}}],\n"
     "   optional: \"invoiceDelivery\": {\"method\": email|paper|portal|edi,"
     " \"address\"},\n"
     "   \"creditLimit\": \"250000.00\", \"poRequired\": true,"
     " \"parentAccountNumber\",\n"
     "   \"contacts\": [{\"role\": billing|technical|collections, \"name\","
     " \"email\", \"phone\"}],\n"
     "   \"taxExemptions\": [{\"certificateNumber\", \"jurisdiction\","
     " \"category\", \"validFrom\", \"validTo\"}],\n"
     "   \"purchaseOrders\": [{\"poNumber\", \"serviceRef\", \"validFrom\","
     " \"validTo\", \"amountCap\"}],\n"
     "   \"accountExecutive\" and \"agentOfRecord\": {\"ref\", \"name\","
     " \"from\"}}]}\n"
     "An account without accountNumber is found again by its name, or"
     " numbered by\nthe account-number scheme (TL- and 6 digits unless"
     " configured otherwise).\n",
     run_load},
    {"account", "show",
     "show a billing account: details, hierarchy, contacts, AE, agent, POs,"
     " status history",
     "trunkline account show ACCOUNT_NUMBER [--on DATE] [--json]\n"
     "--on: the day whose account executive and agent of record are shown"
     " (default today)\n",
     run_show},
    {"account", "list", "list billing accounts",
     "trunkline account list [--customer REF] [--status STATUS] [--json]\n",
     run_list},
    {"account", "status", "suspend, reactivate or close an account",
     "trunkline account status ACCOUNT_NUMBER --set active|suspended|closed"
     " --reason TEXT [--json]\n"
     "active <-> suspended; active or suspended -> closed (final).\n",
     run_status},
    {"account", "po", "add a customer purchase order to an account",
     "trunkline account po add ACCOUNT_NUMBER --po NUMBER --from DATE"
     " --to DATE\n"
     "    [--cap AMOUNT] [--service REF] [--json]\n"
     "--to is the PO's last day; --cap is in the account's currency.\n",
     run_po},
    {"account", "po-report",
     "accounts whose PO is missing, expired, expiring or nearly used up",
     "trunkline account po-report [--as-of DATE] [--within DAYS]"
     " [--threshold PERCENT] [--json]\n"
     "Defaults: today, 30 days, 90%. Invoiced amounts against POs are not"
     " yet\nsupplied by billing, so nothing counts as used for now.\n",
     run_po_report},
    {"account", "agent", "make an indirect agent the agent of record",
     "trunkline account agent ACCOUNT_NUMBER --agent REF [--name NAME]"
     " --from DATE [--json]\n"
     "--name records the agent when it is new.\n",
     run_agent},
    {"account", "ae", "assign the account executive",
     "trunkline account ae ACCOUNT_NUMBER --ae REF [--name NAME] --from DATE"
     " [--json]\n",
     run_ae},
    {"account", "number-scheme",
     "set how numbers of loaded accounts without one are made",
     "trunkline account number-scheme --prefix TEXT --digits N [--next N]"
     " [--json]\n"
     "Example: --prefix TL- --digits 6 gives TL-000001, TL-000002, ...\n",
     run_number_scheme},
    {"address", "request",
     "ask for a new address or a house-information update",
     "trunkline address request --line1 TEXT [--line2 TEXT] --city TEXT"
     " --region CODE\n"
     "    --postcode CODE --country CC [--json]\n"
     "trunkline address request --address-id ID --house-info TEXT [--json]\n"
     "trunkline address request FILE [--json]   (FILE: JSON with line1, line2,"
     " city,\n    region, postcode, country, or addressId and houseInfo;"
     " addressId as a string)\n"
     "An address already in the master is refused (exit 5); a near duplicate"
     " is\nqueued and marked for the approver.\n",
     run_address_request},
    {"address", "requests", "list address requests",
     "trunkline address requests [--state requested|approved|rejected]"
     " [--json]\n",
     run_address_requests},
    {"address", "approve", "approve an address request",
     "trunkline address approve REQUEST_ID [--json]\n", run_approve},
    {"address", "reject", "reject an address request with a reason",
     "trunkline address reject REQUEST_ID --reason TEXT [--json]\n",
     run_reject},
    {NULL, NULL, NULL, NULL, NULL}};
