/*
 * The route table: one entry per operation, with what /openapi.json says
 * about it. Adding a route is one entry here plus its handler; the OpenAPI
 * document is generated from this table, so the two cannot drift, and
 * tests/http checks every documented operation answers.
 */
#include <stdio.h>
#include <string.h>

#include "server/server_internal.h"

#define ORDER_WRITE (SRV_R_COORD | SRV_R_ADMIN)
#define MONEY_READ (SRV_R_FINANCE | SRV_R_COLL | SRV_R_ADMIN)
#define COLL_WRITE (SRV_R_COLL | SRV_R_ADMIN)
#define COMM_WRITE (SRV_R_FINANCE | SRV_R_ADMIN)
#define ACCT_READ (MONEY_READ | SRV_R_SALES)
#define WO_APPROVE (SRV_R_FINANCE | SRV_R_COLL | SRV_R_ADMIN)
#define FX_WRITE (SRV_R_FINANCE | SRV_R_ADMIN)

/* clang-format off */
const srv_route srv_route_table[] = {
    {"GET", "/health", h_health, SRV_R_PUBLIC, "meta",
     "Health: the database answers", NULL, NULL, 200},
    {"GET", "/openapi.json", h_openapi, SRV_R_PUBLIC, "meta",
     "This API as an OpenAPI 3 document", NULL, NULL, 200},

    {"POST", "/productOrder", h_order_create, ORDER_WRITE, "productOrder",
     "TMF622: submit a product order (order intake, validation); "
     "allowDuplicate=true skips the probable-duplicate check",
     "allowDuplicate",
     "A TMF622 ProductOrder document", 201},
    {"GET", "/productOrder", h_order_list, SRV_R_ALL, "productOrder",
     "TMF622: list product orders", "state,accountNumber,externalId,limit,offset",
     NULL, 200},
    {"GET", "/productOrder/{id}", h_order_get, SRV_R_ALL, "productOrder",
     "TMF622: one product order (the current version's document)", NULL,
     NULL, 200},
    {"PATCH", "/productOrder/{id}", h_order_patch, ORDER_WRITE,
     "productOrder",
     "TMF622: supplement an order (JSON merge patch of its document, "
     "If-Match)", NULL,
     "A JSON merge patch (RFC 7396) of the order document; "
     "\"reason\" may say why", 200},
    {"GET", "/productOrder/{id}/history", h_order_history, SRV_R_ALL,
     "productOrder", "Order audit: the order's state changes", NULL, NULL,
     200},
    {"GET", "/productOrder/{id}/timeline", h_order_timeline, SRV_R_ALL,
     "productOrder",
     "Implementation timeline: each item's milestones, planned and actual",
     "asOf,limit,offset", NULL, 200},
    {"POST", "/cancelProductOrder", h_order_cancel, ORDER_WRITE,
     "productOrder", "TMF622: cancel a product order", NULL,
     "{\"productOrder\": {\"id\": \"SO-...\"}, \"cancellationReason\": \"...\"}",
     201},
    {"GET", "/orderQueue/{queue}", h_order_queue, SRV_R_ALL, "productOrder",
     "Pending-order queue (pending_sales, pending_provisioning, "
     "pending_installation, pending_billing)", "asOf,limit,offset", NULL,
     200},

    {"GET", "/customerBill", h_bill_list, SRV_R_ALL, "customerBill",
     "TMF678: list customer bills (invoices)",
     "accountNumber,state,limit,offset", NULL, 200},
    {"GET", "/customerBill/{id}", h_bill_get, SRV_R_ALL, "customerBill",
     "TMF678: one customer bill, rendered by billing's JSON renderer", NULL,
     NULL, 200},

    {"POST", "/account", h_account_load, SRV_R_COORD | SRV_R_ADMIN,
     "account",
     "Load a customer and its billing accounts (the format of `account "
     "load`); loading it again changes nothing",
     NULL, "{\"customer\": {...}, \"accounts\": [{...}]}", 201},
    {"GET", "/account", h_account_list, SRV_R_ALL, "account",
     "Billing accounts", "status,customerRef,limit,offset", NULL, 200},
    /* before /account/{id}: the first matching route answers */
    {"GET", "/account/incomplete", h_incomplete_files, MONEY_READ, "credit",
     "Accounts with an incomplete file", "asOf,limit,offset", NULL, 200},
    {"GET", "/account/{id}", h_account_get, SRV_R_ALL, "account",
     "One billing account (ETag)", NULL, NULL, 200},
    {"PATCH", "/account/{id}", h_account_patch,
     SRV_R_COORD | SRV_R_COLL | SRV_R_ADMIN, "account",
     "Change an account's status (If-Match)", NULL,
     "{\"status\": \"suspended\", \"reason\": \"...\"}", 200},

    {"POST", "/payment", h_payment_create, SRV_R_COLL | SRV_R_FINANCE |
     SRV_R_ADMIN, "collections", "Post and apply a payment", NULL,
     "{\"accountNumber\", \"amount\": {\"amount\": \"100.00\", "
     "\"currency\": \"USD\"}, \"receivedDate\", \"reference\", \"method\", "
     "\"invoiceNumber\"?}", 201},
    {"GET", "/payment", h_payment_list, ACCT_READ, "ledger",
     "Payments received, by date (an account's, under row-level security)",
     "accountNumber,from,to,limit,offset", NULL, 200},
    {"GET", "/payment/{id}", h_payment_get, ACCT_READ, "ledger",
     "One payment", NULL, NULL, 200},
    {"GET", "/account/{id}/paymentStatus", h_payment_status, ACCT_READ,
     "ledger",
     "What a collector reads out: balance, open invoices, last payments "
     "and how they were applied, promises in force", "asOf,invoiceNumber",
     NULL, 200},
    {"GET", "/ledger", h_ledger_list, ACCT_READ, "ledger",
     "An account's ledger entries with the running balance",
     "accountNumber,from,to,limit,offset", NULL, 200},
    {"GET", "/ledger/balance", h_ledger_balance, ACCT_READ, "ledger",
     "The balance of an account or an invoice as of a day",
     "accountNumber,invoiceNumber,asOf", NULL, 200},
    {"POST", "/ledgerDocument", h_ledger_doc_create, COLL_WRITE, "ledger",
     "Post a ledger document (credit_memo, debit_memo, adjustment, refund, "
     "transfer, recovery); the same reference again returns it (200)", NULL,
     "{\"kind\", \"accountNumber\", \"invoiceNumber\"?, \"toAccount\"?, "
     "\"amount\": {\"amount\": \"100.00\", \"currency\": \"USD\"}, "
     "\"date\"?, \"reference\", \"reason\"?, \"method\"?,"
     " \"paymentReference\"?}", 201},
    {"POST", "/writeOff", h_writeoff_create, COLL_WRITE, "writeOff",
     "Request a write-off of what an invoice owes; the same request again "
     "returns it (200)", NULL,
     "{\"invoiceNumber\", \"amount\": {\"amount\", \"currency\"}, "
     "\"reason\", \"date\"?}", 201},
    {"GET", "/writeOff", h_writeoff_list, MONEY_READ, "writeOff",
     "Write-offs by number", "state,limit,offset", NULL, 200},
    {"POST", "/writeOff/{id}/approve", h_writeoff_approve, WO_APPROVE,
     "writeOff",
     "Approve a write-off as the authenticated user (not the requester; "
     "above the threshold a second, different approver posts it)", NULL,
     "{\"date\"?}", 200},
    {"POST", "/writeOff/{id}/reject", h_writeoff_reject, WO_APPROVE,
     "writeOff", "Reject a requested write-off", NULL,
     "{\"date\"?, \"note\"}", 200},
    {"GET", "/statement", h_statement_get, ACCT_READ, "statement",
     "The statement of account for [from, asOf] (from: the month's first "
     "day); format=csv|html returns that document with its media type",
     "accountNumber,asOf,from,format", NULL, 200},
    {"GET", "/statement/summary", h_statement_summary, MONEY_READ,
     "statement",
     "The monthly account-status summary, with the portfolio in a base "
     "currency", "month,base", NULL, 200},
    {"POST", "/statement/resend", h_statement_resend, COLL_WRITE,
     "statement",
     "Record a resend of a statement (accountNumber, asOf) or an invoice "
     "(invoiceNumber) in the contact log; again the same day: 200", NULL,
     "{\"accountNumber\" | \"invoiceNumber\", \"asOf\"?, \"date\"?}",
     201},
    {"GET", "/fxRate", h_fx_list, MONEY_READ, "fx",
     "FX rates by pair, then date", "limit,offset", NULL, 200},
    {"POST", "/fxRate", h_fx_create, FX_WRITE, "fx",
     "Load an FX rate; the same rate again is 200, another for the same "
     "pair and day 409", NULL,
     "{\"from\", \"to\", \"effectiveDate\", \"rate\": \"0.730000\"}",
     201},
    {"GET", "/creditRisk", h_credit_risk, MONEY_READ, "credit",
     "Accounts over their limit, with broken promises or 90+ days past "
     "due", "asOf,limit,offset", NULL, 200},
    {"POST", "/escalation", h_escalation_create, COLL_WRITE, "credit",
     "Escalate an account (collector, supervisor, agency, legal)", NULL,
     "{\"accountNumber\", \"level\", \"reason\", \"date\"?}", 201},
    {"GET", "/escalation", h_escalation_list, MONEY_READ, "credit",
     "Escalation history, newest first", "accountNumber,limit,offset", NULL,
     200},
    {"POST", "/deposit", h_deposit_create, COLL_WRITE, "credit",
     "Ask a deposit of an account", NULL,
     "{\"accountNumber\", \"amount\": {\"amount\", \"currency\"}, "
     "\"reason\", \"date\"?}", 201},
    {"GET", "/deposit", h_deposit_list, MONEY_READ, "credit", "Deposits",
     "accountNumber,limit,offset", NULL, 200},
    {"POST", "/deposit/{id}/receive", h_deposit_receive, COLL_WRITE,
     "credit", "Mark a deposit received", NULL, "{\"date\"?}", 200},
    {"POST", "/deposit/{id}/waive", h_deposit_waive, COLL_WRITE, "credit",
     "Waive a deposit", NULL, "{\"date\"?}", 200},
    {"POST", "/paymentMethod", h_payment_method_create, COLL_WRITE, "credit",
     "Record a payment method; only the last four digits are kept", NULL,
     "{\"accountNumber\", \"kind\", \"number\", \"label\"?, "
     "\"date\"?}", 201},
    {"GET", "/paymentMethod", h_payment_method_list, MONEY_READ, "credit",
     "An account's payment methods, masked (last four digits)",
     "accountNumber,limit,offset", NULL, 200},
    {"POST", "/creditInquiry", h_credit_inquiry_create, COLL_WRITE, "credit",
     "Record a credit bureau inquiry", NULL,
     "{\"accountNumber\", \"bureau\", \"outcome\", \"score\"?, "
     "\"note\"?, \"date\"?}", 201},
    {"GET", "/aging", h_aging, SRV_R_ALL, "collections",
     "Receivables aging by account; with by=account|agent|product|collector "
     "grouped, the disputed part apart", "asOf,by,limit,offset", NULL, 200},
    {"GET", "/aging/kpi", h_aging_kpi, SRV_R_ALL, "collections",
     "DSO and collection-effectiveness index per currency over the days "
     "ending on asOf (days default 90; tenths as decimal strings, null when "
     "not defined)", "asOf,days,limit,offset", NULL, 200},

    {"POST", "/bankFile", h_bankfile_import, COLL_WRITE, "cash",
     "Import a bank file (the raw file as the body: application/xml camt.053 "
     "or camt.054, text/plain BAI2, text/csv lockbox, or the format "
     "parameter); a bad file is refused whole with every problem; the same "
     "file again changes nothing (200, created false); the totals are null "
     "when the file mixes currencies", "format,name",
     "The bank file itself (not JSON)", 201},
    {"GET", "/unappliedCash", h_unapplied_cash, MONEY_READ, "cash",
     "The unapplied-cash queue: receipts waiting for an account, then "
     "credit left on accounts", "kind,limit,offset", NULL, 200},
    {"POST", "/cashApplication", h_cash_apply, COLL_WRITE, "cash",
     "Apply cash by hand: a queued receipt (tied to an account) or a "
     "payment's credit, to an invoice", NULL,
     "{\"receiptId\" | \"paymentId\", \"accountNumber\"?, "
     "\"invoiceNumber\"?, \"amount\"?: \"50.00\" (payment currency), "
     "\"date\"?, \"note\"?}", 201},
    {"POST", "/payment/{id}/unapply", h_cash_unapply, COLL_WRITE, "cash",
     "Take back what a payment applied to an invoice (reversal rows; the "
     "money goes back to the payment's credit)", NULL,
     "{\"invoiceNumber\", \"date\"?, \"note\"?}", 200},

    {"POST", "/dispute", h_dispute_create, COLL_WRITE, "dispute",
     "Open a dispute on an invoice or a line; the same dispute again "
     "returns it (200)", NULL,
     "{\"invoiceNumber\", \"line\"?, \"amount\": {\"amount\", "
     "\"currency\"}, \"reason\", \"openedOn\"?}", 201},
    {"GET", "/dispute", h_dispute_list, SRV_R_ALL, "dispute", "Disputes",
     "accountNumber,state,asOf,limit,offset", NULL, 200},
    {"GET", "/dispute/{id}", h_dispute_get, SRV_R_ALL, "dispute",
     "One dispute (ETag)", NULL, NULL, 200},
    {"POST", "/dispute/{id}/forward", h_dispute_forward, COLL_WRITE,
     "dispute", "Forward a dispute to billing (If-Match)", NULL,
     "{\"date\"?}", 200},
    {"POST", "/dispute/{id}/resolve", h_dispute_resolve, COLL_WRITE,
     "dispute",
     "Resolve a dispute for the customer: a credit memo for the amount "
     "(If-Match)", NULL, "{\"date\"?, \"note\"?}", 200},
    {"POST", "/dispute/{id}/deny", h_dispute_deny, COLL_WRITE, "dispute",
     "Deny a dispute: the amount is dunned again (If-Match)", NULL,
     "{\"date\"?, \"note\"}", 200},

    {"POST", "/promise", h_promise_create, COLL_WRITE, "promise",
     "Record a promise to pay; the same promise again returns it (200)",
     NULL,
     "{\"accountNumber\", \"amount\": {\"amount\", \"currency\"}, "
     "\"by\", \"madeOn\"?}", 201},
    {"POST", "/arrangement", h_arrangement_create, COLL_WRITE, "promise",
     "Record a payment arrangement (installments, each a promise)", NULL,
     "{\"accountNumber\", \"installments\": [{\"amount\": {...}, "
     "\"due\"}], \"madeOn\"?, \"note\"?}", 201},
    {"GET", "/promise", h_promise_list, SRV_R_ALL, "promise",
     "Promises and installments", "accountNumber,state,limit,offset", NULL,
     200},
    {"POST", "/promise/evaluate", h_promise_evaluate, COLL_WRITE, "promise",
     "Evaluate pending promises as of a day (kept, broken, pending)", NULL,
     "{\"asOf\"?}", 200},

    {"POST", "/dunningRun", h_dunning_run, COLL_WRITE, "dunning",
     "Run dunning as of a day (again the same day creates nothing)", NULL,
     "{\"asOf\"?}", 200},
    {"PUT", "/account/{id}/dunningClass", h_dunning_class_put, COLL_WRITE,
     "dunning",
     "Set an account's dunning class (wholesale, enterprise; null: the "
     "customer's kind)", NULL, "{\"dunningClass\": \"wholesale\" | null}",
     200},
    {"GET", "/dunningAction", h_dunning_actions, SRV_R_ALL, "dunning",
     "Dunning actions generated on a day", "date,accountNumber,limit,offset",
     NULL, 200},

    {"POST", "/contact", h_contact_create, COLL_WRITE, "contact",
     "Log a collections contact; the same contact again returns it (200)",
     NULL,
     "{\"accountNumber\", \"date\"?, \"channel\", \"outcome\", "
     "\"note\"?}", 201},
    {"GET", "/contact", h_contact_list, SRV_R_ALL, "contact",
     "The contact log, newest first", "accountNumber,limit,offset", NULL,
     200},

    {"GET", "/worklist", h_worklist, MONEY_READ, "worklist",
     "The collectors' work list: accounts with undisputed past-due amounts, "
     "by amount at risk", "asOf,collector,limit,offset", NULL, 200},
    {"PUT", "/account/{id}/collector", h_collector_put, COLL_WRITE,
     "worklist", "Assign an account to a collector (null unassigns)", NULL,
     "{\"collector\": \"jdoe\" | null}", 200},

    {"GET", "/shutout", h_shutout_list, MONEY_READ, "shutout",
     "Shutout recommendations and their state", "state,limit,offset", NULL,
     200},
    {"GET", "/shutout/{id}", h_shutout_get, MONEY_READ, "shutout",
     "One shutout (ETag)", NULL, NULL, 200},
    {"POST", "/shutout/{id}/approve", h_shutout_approve, COLL_WRITE,
     "shutout",
     "Approve a shutout: suspend requests for its undisputed circuits "
     "(If-Match)", NULL, "{\"date\"?}", 200},
    {"POST", "/shutout/{id}/release", h_shutout_release, COLL_WRITE,
     "shutout",
     "Release an approved shutout (restore requests) or withdraw a "
     "recommended one (If-Match)", NULL, "{\"date\"?, \"reason\"}", 200},

    {"GET", "/audit", h_audit_list, SRV_R_COORD | SRV_R_FINANCE |
     SRV_R_ADMIN, "audit", "The audit trail",
     "entity,entityKey,user,from,to,limit,offset", NULL, 200},
    {"GET", "/contract/{accountNumber}/{ref}", h_contract_get, SRV_R_ALL,
     "contract", "An agreement with its rates, amendments and renewal",
     NULL, NULL, 200},
    {"GET", "/service/{circuitId}", h_service_get, SRV_R_ALL, "service",
     "A service in inventory and its milestones", NULL, NULL, 200},
    {"GET", "/equipment", h_equipment_list, SRV_R_STAFF, "equipment",
     "Equipment in inventory", "status,locationKind,accountNumber,limit,offset",
     NULL, 200},
    {"GET", "/equipment/{serial}", h_equipment_get, SRV_R_STAFF, "equipment",
     "One item of equipment", NULL, NULL, 200},

    {"POST", "/billRun", h_billrun_create, SRV_R_FINANCE | SRV_R_ADMIN,
     "billRun", "Preview a bill run (draft invoices)", NULL,
     "{\"cycleDay\": 1, \"month\": \"2026-12\", \"issueDate\": \"2026-12-01\"}",
     201},
    {"GET", "/billRun/{id}", h_billrun_get, SRV_R_FINANCE | SRV_R_ADMIN,
     "billRun", "A bill run and its progress", NULL, NULL, 200},
    {"POST", "/billRun/{id}/approve", h_billrun_approve,
     SRV_R_FINANCE | SRV_R_ADMIN, "billRun",
     "Approve a previewed run: number the invoices, post them to the ledger",
     NULL, NULL, 200},

    {"GET", "/serviceCodeAudit", h_service_code_audit,
     SRV_R_COORD | SRV_R_FINANCE | SRV_R_ADMIN, "audit",
     "Service-code audit of the inventory", "asOf,limit,offset", NULL, 200},
    {"GET", "/salesAudit", h_sales_audit,
     SRV_R_COORD | SRV_R_FINANCE | SRV_R_ADMIN, "audit",
     "Sales audit of agent and wholesale orders", "since,agent,limit,offset",
     NULL, 200},
    {"GET", "/report/reconciliation", h_report_reconciliation,
     SRV_R_COORD | SRV_R_FINANCE | SRV_R_ADMIN, "report",
     "Billing against inventory and contracts", "asOf,accountNumber,limit,offset",
     NULL, 200},
    {"GET", "/report/finance", h_report_finance, SRV_R_FINANCE | SRV_R_ADMIN,
     "report", "Finance report by month, currency and product, tied out",
     "from,to,limit,offset", NULL, 200},
    {"GET", "/commissionStatement/{agent}/{month}", h_commission_statement,
     SRV_R_FINANCE | SRV_R_ADMIN, "commission",
     "An agent's commission statement of a month (YYYY-MM; ETag)",
     "currency", NULL, 200},
    {"POST", "/commissionStatement/{agent}/{month}/approve",
     h_commission_approve, COMM_WRITE, "commission",
     "Approve a draft statement (If-Match); approving again changes nothing",
     NULL, "{\"currency\"?}", 200},
    {"GET", "/commissionPlan", h_commission_plan_list, COMM_WRITE,
     "commission", "Commission plans", "agentRef,limit,offset", NULL, 200},
    {"POST", "/commissionPlan", h_commission_plan_put, COMM_WRITE,
     "commission",
     "Define a commission plan from a day; the same plan again changes "
     "nothing (200)", NULL,
     "{\"agentRef\", \"kind\", \"productId\"?, \"rate\": \"12.5\", "
     "\"termMonths\"?, \"clawbackMonths\"?, \"validFrom\", "
     "\"tiers\"?: [{\"above\": {...}, \"rate\"}]}", 201},
    {"POST", "/commissionRun", h_commission_run, COMM_WRITE, "commission",
     "Run a month's commission statements (drafts rebuilt, approved kept)",
     NULL, "{\"month\": \"2026-11\", \"agentRef\"?}", 200},
    {"GET", "/commissionAudit", h_commission_audit, COMM_WRITE, "commission",
     "Finance audit of a month's statements", "month,agentRef,limit,offset",
     NULL, 200},
    {NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, 0},
};
/* clang-format on */

size_t srv_routes_each(srv_route_fn fn, void *cls)
{
    size_t i;

    for (i = 0; srv_route_table[i].method != NULL; i++)
        fn(srv_route_table[i].method, srv_route_table[i].path,
           srv_route_table[i].summary, cls);
    return i;
}

static const char *role_list(unsigned roles, char *buf, size_t size)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{SRV_R_COORD, "coordinator"}, {SRV_R_AE, "account_executive"},
                 {SRV_R_AGENT, "agent"},       {SRV_R_FINANCE, "finance"},
                 {SRV_R_COLL, "collections"},  {SRV_R_ADMIN, "admin"}};
    size_t i;
    size_t used = 0;

    buf[0] = '\0';
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if ((roles & names[i].bit) == 0)
            continue;
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 used ? ", " : "", names[i].name);
        if (used >= size)
            break;
    }
    return buf;
}

static json_t *parameters(const srv_route *rt)
{
    json_t *ps = json_array();
    const char *p = rt->path;
    char name[64];
    const char *q;

    while ((p = strchr(p, '{')) != NULL) {
        const char *e = strchr(p, '}');
        snprintf(name, sizeof(name), "%.*s", (int)(e - p - 1), p + 1);
        json_array_append_new(ps, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name",
                                            name, "in", "path", "required", 1,
                                            "schema", "type", "string"));
        p = e;
    }
    for (q = rt->query; q != NULL && *q != '\0';) {
        const char *e = strchr(q, ',');
        size_t n = e ? (size_t)(e - q) : strlen(q);
        snprintf(name, sizeof(name), "%.*s", (int)n, q);
        json_array_append_new(
            ps,
            json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in", "query",
                      "required", 0, "schema", "type",
                      strcmp(name, "limit") == 0 || strcmp(name, "offset") == 0
                          ? "integer"
                          : "string"));
        q += n + (e ? 1 : 0);
    }
    return ps;
}

static json_t *operation(const srv_route *rt)
{
    char roles[160];
    char status[8];
    char opid[128];
    char desc[256];
    json_t *op;
    size_t i;
    size_t o = 0;

    for (i = 0; rt->path[i] != '\0' && o + 1 < sizeof(opid); i++)
        if (rt->path[i] != '/' && rt->path[i] != '{' && rt->path[i] != '}' &&
            rt->path[i] != '.')
            opid[o++] = rt->path[i];
    opid[o] = '\0';
    snprintf(status, sizeof(status), "%d", rt->success);
    snprintf(desc, sizeof(desc), "Roles: %s.",
             rt->roles ? role_list(rt->roles, roles, sizeof(roles))
                       : "anyone, no authentication");
    op = json_pack(
        "{s:s, s:s, s:s, s:[s], s:o, s:{s:{s:s, s:{s:{s:{}}}}, s:{s:s, "
        "s:{s:{s:{s:s}}}}}}",
        "operationId", "", "summary", rt->summary, "description", desc, "tags",
        rt->tag, "parameters", parameters(rt), "responses", status,
        "description", "success", "content", "application/json", "schema",
        "default", "description", "an error (RFC 9457 problem details)",
        "content", "application/problem+json", "schema", "$ref",
        "#/components/schemas/Problem");
    if (op == NULL)
        return NULL;
    {
        char full[160];
        snprintf(full, sizeof(full), "%s%s",
                 strcmp(rt->method, "GET") == 0      ? "get"
                 : strcmp(rt->method, "POST") == 0   ? "post"
                 : strcmp(rt->method, "PATCH") == 0  ? "patch"
                 : strcmp(rt->method, "DELETE") == 0 ? "delete"
                                                     : "put",
                 opid);
        json_object_set_new(op, "operationId", json_string(full));
    }
    if (rt->roles == SRV_R_PUBLIC)
        json_object_set_new(op, "security", json_array());
    if (rt->request != NULL && strcmp(rt->path, "/bankFile") == 0)
        json_object_set_new(
            op, "requestBody",
            json_pack("{s:b, s:s, s:{s:{s:{s:s}}, s:{s:{s:s}}, s:{s:{s:s}}}}",
                      "required", 1, "description", rt->request, "content",
                      "application/xml", "schema", "type", "string",
                      "text/plain", "schema", "type", "string", "text/csv",
                      "schema", "type", "string"));
    else if (rt->request != NULL)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:{s:s, s:s}}}}", "required",
                                      1, "content", "application/json",
                                      "schema", "type", "object", "description",
                                      rt->request));
    return op;
}

/* Everything of the document but its paths. */
static const char openapi_skeleton[] =
    "{\"openapi\": \"3.0.3\","
    " \"info\": {\"title\": \"trunkline API\", \"version\": \"0.1.0\","
    "  \"description\": \"Billing and service-order tracker. Lists answer a"
    " JSON array with X-Total-Count and take limit and offset; POST takes"
    " Idempotency-Key; updates take If-Match; errors are RFC 9457 problem"
    " details with field paths.\"},"
    " \"paths\": {},"
    " \"security\": [{\"bearer\": []}, {\"basic\": []}],"
    " \"components\": {"
    "  \"securitySchemes\": {"
    "   \"bearer\": {\"type\": \"http\", \"scheme\": \"bearer\"},"
    "   \"basic\": {\"type\": \"http\", \"scheme\": \"basic\"}},"
    "  \"schemas\": {\"Problem\": {\"type\": \"object\","
    "   \"required\": [\"type\", \"status\", \"code\"],"
    "   \"properties\": {\"type\": {\"type\": \"string\"},"
    "    \"title\": {\"type\": \"string\"},"
    "    \"status\": {\"type\": \"integer\"},"
    "    \"detail\": {\"type\": \"string\"},"
    "    \"code\": {\"type\": \"string\"},"
    "    \"field\": {\"type\": \"string\"},"
    "    \"instance\": {\"type\": \"string\"},"
    "    \"errors\": {\"type\": \"array\", \"items\": {\"type\":"
    " \"object\"}}}}}}}";

json_t *srv_openapi(void)
{
    json_t *doc;
    json_t *paths;
    size_t i;

    doc = json_loads(openapi_skeleton, 0, NULL);
    if (doc == NULL)
        return NULL;
    paths = json_object_get(doc, "paths");
    for (i = 0; srv_route_table[i].method != NULL; i++) {
        const srv_route *rt = &srv_route_table[i];
        json_t *item = json_object_get(paths, rt->path);
        char m[8];
        size_t k;

        if (item == NULL) {
            item = json_object();
            json_object_set_new(paths, rt->path, item);
        }
        for (k = 0; rt->method[k] != '\0' && k + 1 < sizeof(m); k++)
            m[k] = (char)(rt->method[k] - 'A' + 'a');
        m[k] = '\0';
        json_object_set_new(item, m, operation(rt));
    }
    return doc;
}

int h_openapi(srv_req *r, tl_db *db, tl_err *err)
{
    (void)db;
    return srv_reply(r, 200, srv_openapi(), err);
}

int h_health(srv_req *r, tl_db *db, tl_err *err)
{
    int rc;

    (void)db;
    rc = srv_health_ping(r->srv, err);
    if (rc < 0)
        return srv_fail(r, 503, TL_ERETRY, "db_unreachable", "",
                        "the database does not answer");
    return srv_reply(r, 200,
                     json_pack("{s:s, s:s}", "status", "ok", "db", "ok"), err);
}
