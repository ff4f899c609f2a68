/*
 * The walking skeleton end to end through the module APIs, against a fresh
 * database: catalog, account, agreement, order intake and acceptance,
 * milestones, the bill run, the AR ledger, payments and aging. Amounts are
 * asserted to the cent.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "catalog/catalog.h"
#include "collections/collections.h"
#include "contracts/contracts.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

static void setup(void)
{
    db = tl_test_db_open();
    tl_err_init(&err);
}

static void teardown(void)
{
    tl_err_clear(&err);
    tl_test_db_close(db);
    db = NULL;
}

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

static const tl_problem *find_problem(const char *field)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0)
            return &err.problems[i];
    return NULL;
}

static void assert_problem(const char *field, const char *code)
{
    const tl_problem *p = find_problem(field);

    ck_assert_msg(p != NULL, "no problem reported at %s", field);
    ck_assert_str_eq(p->code, code);
}

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);

    ck_assert_msg(doc != NULL, "%s", jerr.text);
    return doc;
}

/* A book with the DIA catalog, account HH-1001 (cycle 1, net 30) and its
 * agreement pricing DIA500 at 1150.00 from 2026-10-01. */
static void book(void)
{
    tl_fx_catalog(db);
    tl_fx_account(db, "HH-1001", 1, 100);
    tl_fx_contract(db, "HH-1001", "2026-10-01", "1150.00");
}

/* ---- catalog, accounts, contracts ---- */

START_TEST(catalog_reload_is_a_no_op)
{
    json_t *doc = parse(
        "{\"serviceCodes\": [{\"code\": \"DIA500\", \"name\": \"DIA 500 "
        "Mbps port\", \"chargeKind\": \"MRC\", \"prices\": [{\"currency\": "
        "\"USD\", \"amount\": \"1450.00\", \"effectiveFrom\": "
        "\"2026-01-01\"}]}]}");
    catalog_load_result res;

    tl_fx_catalog(db);
    ck_assert_int_eq(catalog_load(&res, db, doc, "test", &err), 0);
    ck_assert_int_eq(res.codes_added, 0);
    ck_assert_int_eq(res.prices_added, 0);
    ck_assert_int_eq(res.unchanged, 2);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM catalog.list_price"), 3);
    json_decref(doc);
}
END_TEST

START_TEST(catalog_rejects_a_changed_price_and_writes_nothing)
{
    json_t *doc = parse(
        "{\"serviceCodes\": ["
        " {\"code\": \"NEW1\", \"name\": \"New\", \"chargeKind\": \"MRC\","
        "  \"prices\": [{\"currency\": \"USD\", \"amount\": \"1.00\","
        "  \"effectiveFrom\": \"2026-01-01\"}]},"
        " {\"code\": \"DIA500\", \"name\": \"DIA 500 Mbps port\","
        "  \"chargeKind\": \"MRC\", \"prices\": [{\"currency\": \"USD\","
        "  \"amount\": \"1499.00\", \"effectiveFrom\": \"2026-01-01\"}]}]}");
    catalog_load_result res;

    tl_fx_catalog(db);
    ck_assert_int_eq(catalog_load(&res, db, doc, "test", &err), TL_EINVALID);
    assert_problem("serviceCodes[1].prices[0]", "conflict");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "catalog.service_code WHERE code = "
                                     "'NEW1'"),
                     0);
    json_decref(doc);
}
END_TEST

START_TEST(catalog_reports_every_bad_field)
{
    json_t *doc =
        parse("{\"serviceCodes\": ["
              " {\"code\": \"bad code\", \"chargeKind\": \"XRC\","
              "  \"prices\": [{\"currency\": \"USD\", \"amount\": 12.5,"
              "  \"effectiveFrom\": \"2026-02-30\"},"
              "  {\"currency\": \"JPY\", \"amount\": \"10.5\","
              "  \"effectiveFrom\": \"2026-01-01\"}]}],"
              " \"products\": [{\"id\": \"P1\", \"name\": \"P\", \"family\": "
              "\"voice\", \"serviceCodes\": [\"NOPE\"]}]}");
    catalog_load_result res;

    ck_assert_int_eq(catalog_load(&res, db, doc, "test", &err), TL_EINVALID);
    assert_problem("serviceCodes[0].code", "format");
    assert_problem("serviceCodes[0].name", "required");
    assert_problem("serviceCodes[0].chargeKind", "format");
    assert_problem("serviceCodes[0].prices[0].amount", "type");
    assert_problem("serviceCodes[0].prices[0].effectiveFrom", "format");
    assert_problem("serviceCodes[0].prices[1].amount", "format");
    assert_problem("products[0].family", "format");
    assert_problem("products[0].serviceCodes[0]", "unknown_code");
    ck_assert_int_eq(err.n_problems, 8);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM catalog.service_code"), 0);
    json_decref(doc);
}
END_TEST

START_TEST(contract_rate_overrides_list_price)
{
    int64_t acct;
    contracts_price_t price;

    book();
    ck_assert_int_eq(
        accounts_get(&(accounts_account_t){0}, db, "HH-1001", &err), 0);
    acct = tl_fx_count(db, "SELECT account_id AS n FROM "
                           "accounts.billing_account");
    ck_assert_int_eq(
        contracts_price_on(&price, db, acct, "DIA500", day("2026-11-14"), &err),
        0);
    ck_assert_int_eq(price.amount.minor, 115000);
    ck_assert_str_eq(price.amount.cur, "USD");
    ck_assert_int_eq(price.source, CONTRACTS_PRICE_CONTRACT);
    ck_assert_str_eq(price.agreement_ref, "HH-1001-MSA");
    /* no rate for the install: the list price applies */
    ck_assert_int_eq(contracts_price_on(&price, db, acct, "DIA-INST",
                                        day("2026-11-14"), &err),
                     0);
    ck_assert_int_eq(price.amount.minor, 75000);
    ck_assert_int_eq(price.source, CONTRACTS_PRICE_LIST);
    /* before the agreement starts the list price applies too */
    ck_assert_int_eq(
        contracts_price_on(&price, db, acct, "DIA500", day("2026-09-30"), &err),
        0);
    ck_assert_int_eq(price.amount.minor, 145000);
    ck_assert_int_eq(price.source, CONTRACTS_PRICE_LIST);
    /* after the 36-month term ends (2029-10-01) likewise */
    ck_assert_int_eq(
        contracts_price_on(&price, db, acct, "DIA500", day("2029-10-01"), &err),
        0);
    ck_assert_int_eq(price.source, CONTRACTS_PRICE_LIST);
}
END_TEST

/* ---- orders ---- */

START_TEST(bad_order_lists_every_problem_and_writes_nothing)
{
    json_t *doc =
        parse("{\"requestedStartDate\": \"2026-11-31\","
              " \"billingAccount\": {\"id\": \"NO-SUCH\"},"
              " \"productOrderItem\": ["
              "  {\"id\": \"1\", \"action\": \"add\","
              "   \"productOffering\": {\"id\": \"DIA-1G\"},"
              "   \"product\": {\"place\": [{\"streetNr\": \"100\","
              "    \"streetName\": \"Harbor Way\", \"city\": \"Portland\","
              "    \"stateOrProvince\": \"ME\", \"country\": \"US\"}]}},"
              "  {\"id\": \"1\", \"action\": \"suspend\","
              "   \"productOffering\": {\"id\": \"DIA\"},"
              "   \"product\": {\"place\": [{\"streetName\": \"Nowhere\","
              "    \"city\": \"X\", \"stateOrProvince\": \"ME\","
              "    \"postcode\": \"1\", \"country\": \"US\"}]}}]}");
    orders_submit_result res;

    book();
    ck_assert_int_eq(
        orders_submit(&res, db, doc, tl_fx_received(), "test", &err),
        TL_EINVALID);
    assert_problem("externalId", "required");
    assert_problem("requestedStartDate", "format");
    assert_problem("billingAccount.id", "unknown_account");
    assert_problem("productOrderItem[0].productOffering.id", "unknown_product");
    assert_problem("productOrderItem[0].product.place[0].postcode", "required");
    assert_problem("productOrderItem[1].id", "duplicate");
    assert_problem("productOrderItem[1].action", "unsupported_action");
    assert_problem("productOrderItem[1].product.place[0]", "unknown_address");
    /* DIA needs portSpeed and committedBandwidth */
    assert_problem("productOrderItem[1].product.productCharacteristic",
                   "required");
    ck_assert_int_eq(err.n_problems, 11);
    ck_assert_ptr_nonnull(strstr(err.problems[8].message, "portSpeed"));
    ck_assert_ptr_nonnull(strstr(err.problems[9].message, "committedBandwidth"));
    /* the last line tells the new-address request raised for it */
    ck_assert_str_eq(err.problems[10].code, "address_requested");
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.sales_order"), 0);
    json_decref(doc);
}
END_TEST

START_TEST(resubmitting_an_order_is_idempotent)
{
    json_t *doc;
    json_t *changed;
    orders_submit_result first;
    orders_submit_result again;

    book();
    doc = tl_fx_order_doc("HH-1001", "EXT-1", 100);
    ck_assert_int_eq(
        orders_submit(&first, db, doc, tl_fx_received(), "test", &err), 0);
    ck_assert_int_eq(first.created, 1);
    ck_assert_str_eq(first.order.state, "submitted");
    ck_assert_int_eq(
        orders_submit(&again, db, doc, tl_fx_received(), "test", &err), 0);
    ck_assert_int_eq(again.created, 0);
    ck_assert_str_eq(again.order.order_number, first.order.order_number);
    changed = json_deep_copy(doc);
    json_object_set_new(changed, "requestedStartDate",
                        json_string("2026-12-01"));
    ck_assert_int_eq(
        orders_submit(&again, db, changed, tl_fx_received(), "test", &err),
        TL_EDUPLICATE);
    assert_problem("externalId", "duplicate");
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.sales_order"), 1);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.order_item_code"), 2);
    json_decref(doc);
    json_decref(changed);
}
END_TEST

START_TEST(lifecycle_refuses_skipping_states)
{
    orders_submit_result res;
    json_t *doc;

    book();
    doc = tl_fx_order_doc("HH-1001", "EXT-2", 100);
    ck_assert_int_eq(
        orders_submit(&res, db, doc, tl_fx_received(), "test", &err), 0);
    ck_assert_int_eq(orders_transition(db, res.order.account_id,
                                       res.order.order_id, "billing", "test",
                                       "", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "transition_not_allowed");
    ck_assert(orders_transition_allowed("submitted", "accepted"));
    ck_assert(!orders_transition_allowed("cancelled", "submitted"));
    ck_assert(!orders_transition_allowed("completed", "billing"));
    json_decref(doc);
}
END_TEST

/* ---- provisioning ---- */

START_TEST(milestones_set_billing_start_and_refuse_disorder)
{
    orders_order_t order;
    provisioning_service_t svc;
    char circuit[48];

    book();
    order = tl_fx_order(db, "HH-1001", "EXT-3", 100);
    ck_assert_str_eq(order.state, "in_provisioning");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "provisioning.service"),
                     1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "provisioning.service_code"),
                     2);
    {
        PGresult *res = PQexec(tl_db_pgconn(db),
                               "SELECT circuit_id FROM provisioning.service");
        ck_assert_int_eq(PQntuples(res), 1);
        snprintf(circuit, sizeof(circuit), "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    ck_assert_int_eq(strncmp(circuit, "DIA/", 4), 0);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-11-14"), "test", &err),
        TL_ECONFLICT);
    ck_assert_str_eq(err.code, "milestone_out_of_order");
    tl_err_clear(&err);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "installed",
                                      day("2026-11-10"), "test", &err),
        0);
    ck_assert(svc.has_install);
    ck_assert(!svc.has_billing_start);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-11-09"), "test", &err),
        TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-11-14"), "test", &err),
        0);
    ck_assert(svc.has_billing_start);
    ck_assert_int_eq(svc.billing_start_date, day("2026-11-14"));
    ck_assert_str_eq(svc.state, "active");
    /* the same milestone again is a no-op; another date is refused */
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-11-14"), "test", &err),
        0);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-11-15"), "test", &err),
        TL_ECONFLICT);
    ck_assert_str_eq(err.code, "milestone_recorded");
    ck_assert_int_eq(orders_get(&order, db, order.order_number, &err), 0);
    ck_assert_str_eq(order.state, "billing");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "orders.state_change"),
                     6);
}
END_TEST

/* ---- billing and collections ---- */

/* The whole skeleton up to an accepted, billable service. */
static void billable_book(void)
{
    orders_order_t order;
    provisioning_service_t svc;
    char circuit[48];
    PGresult *res;

    book();
    order = tl_fx_order(db, "HH-1001", "EXT-9", 100);
    res =
        PQexec(tl_db_pgconn(db), "SELECT circuit_id FROM provisioning.service");
    ck_assert_int_eq(PQntuples(res), 1);
    snprintf(circuit, sizeof(circuit), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    (void)order;
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "installed",
                                      day("2026-11-10"), "test", &err),
        0);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-11-14"), "test", &err),
        0);
}

typedef struct line_expect {
    const char *code;
    const char *kind;
    const char *start; /* NULL for an NRC */
    const char *end;
    int64_t amount;
    const char *source;
} line_expect;

typedef struct line_check {
    const line_expect *expect;
    size_t n;
    size_t seen;
} line_check;

static int check_line(const billing_invoice_line_t *l, void *cls, tl_err *e)
{
    line_check *lc = cls;
    const line_expect *x;

    (void)e;
    ck_assert_uint_lt(lc->seen, lc->n);
    x = &lc->expect[lc->seen++];
    ck_assert_int_eq(l->line_no, (int)lc->seen);
    ck_assert_str_eq(l->code, x->code);
    ck_assert_str_eq(l->charge_kind, x->kind);
    ck_assert_int_eq(l->amount.minor, x->amount);
    ck_assert_str_eq(l->amount.cur, "USD");
    ck_assert_str_eq(l->price_source, x->source);
    ck_assert_int_eq(l->has_period, x->start != NULL);
    if (x->start != NULL) {
        ck_assert_int_eq(l->period.start, day(x->start));
        ck_assert_int_eq(l->period.end, day(x->end));
    }
    return 0;
}

START_TEST(bill_run_prorates_and_bills_in_advance)
{
    static const line_expect expect[] = {
        {"DIA-INST", "NRC", NULL, NULL, 75000, "list"},
        /* 1150.00 * 17 / 30 = 651.666.. -> 651.67 */
        {"DIA500", "MRC", "2026-11-14", "2026-12-01", 65167, "contract"},
        {"DIA500", "MRC", "2026-12-01", "2027-01-01", 115000, "contract"},
    };
    line_check lc = {expect, 3, 0};
    billing_run_result run;
    billing_invoice_t inv;

    billable_book();
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-20"), "test", &err), 0);
    ck_assert_int_eq(run.created, 1);
    ck_assert_int_eq(run.invoice_count, 1);
    ck_assert_int_eq(run.period.start, day("2026-11-01"));
    ck_assert_int_eq(run.period.end, day("2026-12-01"));
    ck_assert_int_eq(billing_invoice_get(&inv, db, "INV-00000001", &err), 0);
    ck_assert_str_eq(inv.account_number, "HH-1001");
    ck_assert_int_eq(inv.total.minor, 255167);
    ck_assert_int_eq(inv.subtotal.minor, 255167);
    ck_assert_int_eq(inv.tax.minor, 0);
    ck_assert_int_eq(inv.issue_date, day("2026-11-20"));
    ck_assert_int_eq(inv.due_date, day("2026-12-20"));
    ck_assert_int_eq(billing_invoice_lines(db, inv.account_id, inv.invoice_id,
                                           check_line, &lc, &err),
                     3);
    ck_assert_uint_eq(lc.seen, 3);

    /* the same run again creates nothing */
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-21"), "test", &err), 0);
    ck_assert_int_eq(run.created, 0);
    ck_assert_int_eq(run.invoice_count, 1);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM billing.invoice"), 1);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM billing.invoice_line"), 3);
    /* one audit event for the preview and one for the approval */
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'bill.preview'"),
                     1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'bill.approve'"),
                     1);
}
END_TEST

START_TEST(next_run_bills_only_the_next_period)
{
    static const line_expect expect[] = {
        {"DIA500", "MRC", "2027-01-01", "2027-02-01", 115000, "contract"},
    };
    line_check lc = {expect, 1, 0};
    billing_run_result run;
    billing_invoice_t inv;

    billable_book();
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-20"), "test", &err), 0);
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 12, day("2026-12-01"), "test", &err), 0);
    ck_assert_int_eq(run.invoice_count, 1);
    /* numbering is gapless */
    ck_assert_int_eq(billing_invoice_get(&inv, db, "INV-00000002", &err), 0);
    ck_assert_int_eq(inv.total.minor, 115000);
    ck_assert_int_eq(billing_invoice_lines(db, inv.account_id, inv.invoice_id,
                                           check_line, &lc, &err),
                     1);
    /* an account on another cycle is not billed by cycle 1 */
    ck_assert_int_eq(
        billing_run(&run, db, 15, 2026, 12, day("2026-12-15"), "test", &err),
        0);
    ck_assert_int_eq(run.invoice_count, 0);
}
END_TEST

typedef struct aging_capture {
    int rows;
    collections_aging_row last;
} aging_capture;

static int capture_aging(const collections_aging_row *r, void *cls, tl_err *e)
{
    aging_capture *c = cls;

    (void)e;
    c->rows++;
    c->last = *r;
    c->last.account_number = NULL;
    c->last.account_name = NULL;
    return 0;
}

static aging_capture aging_on(const char *as_of)
{
    aging_capture c;

    memset(&c, 0, sizeof(c));
    ck_assert_int_ge(collections_aging(db, day(as_of), capture_aging, &c, &err),
                     0);
    return c;
}

static collections_payment_result pay(const char *amount, const char *date,
                                      const char *ref, const char *invoice,
                                      int expect_rc)
{
    collections_payment_in in;
    collections_payment_result res;

    memset(&in, 0, sizeof(in));
    in.account_number = "HH-1001";
    ck_assert_int_eq(tl_money_parse(&in.amount, amount, "USD"), 0);
    in.received_date = day(date);
    in.reference = ref;
    in.method = "wire";
    in.invoice_number = invoice;
    in.actor = "test";
    ck_assert_int_eq(collections_post_payment(&res, db, &in, &err), expect_rc);
    return res;
}

START_TEST(ledger_payments_and_aging)
{
    billing_run_result run;
    collections_payment_result p;
    aging_capture a;
    int posted = 0;

    billable_book();
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-20"), "test", &err), 0);
    ck_assert_int_eq(
        collections_post_run(&posted, db, run.run_id, "test", &err), 0);
    ck_assert_int_eq(posted, 1);
    ck_assert_int_eq(
        collections_post_run(&posted, db, run.run_id, "test", &err), 0);
    ck_assert_int_eq(posted, 0);

    /* nothing is owed before the invoice date */
    a = aging_on("2026-11-19");
    ck_assert_int_eq(a.rows, 0);
    /* due 2026-12-20: current up to and including the due date */
    a = aging_on("2026-12-20");
    ck_assert_int_eq(a.rows, 1);
    ck_assert_int_eq(a.last.bucket[COLLECTIONS_BUCKET_CURRENT], 255167);
    ck_assert_int_eq(a.last.open_total, 255167);
    a = aging_on("2026-12-21");
    ck_assert_int_eq(a.last.bucket[COLLECTIONS_BUCKET_CURRENT], 0);
    ck_assert_int_eq(a.last.bucket[COLLECTIONS_BUCKET_1_30], 255167);
    a = aging_on("2027-01-20");
    ck_assert_int_eq(a.last.bucket[COLLECTIONS_BUCKET_31_60], 255167);

    /* a partial payment on the 28th */
    p = pay("1000.00", "2026-12-28", "WIRE-1", "INV-00000001", 0);
    ck_assert_int_eq(p.created, 1);
    ck_assert_int_eq(p.applied.minor, 100000);
    ck_assert_int_eq(p.unapplied.minor, 0);
    ck_assert_int_eq(p.invoices_paid, 1);
    a = aging_on("2026-12-27");
    ck_assert_int_eq(a.last.bucket[COLLECTIONS_BUCKET_1_30], 255167);
    a = aging_on("2026-12-31");
    ck_assert_int_eq(a.last.bucket[COLLECTIONS_BUCKET_1_30], 155167);
    ck_assert_int_eq(a.last.open_invoices, 1);

    /* the same reference again changes nothing; another amount is refused */
    p = pay("1000.00", "2026-12-28", "WIRE-1", NULL, 0);
    ck_assert_int_eq(p.created, 0);
    ck_assert_int_eq(p.applied.minor, 100000);
    tl_err_clear(&err);
    pay("999.00", "2026-12-28", "WIRE-1", NULL, TL_EDUPLICATE);
    tl_err_clear(&err);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "collections.payment"),
                     1);

    /* the rest, overpaid by 10.00: the 10.00 stays on account */
    p = pay("1561.67", "2027-01-05", "WIRE-2", NULL, 0);
    ck_assert_int_eq(p.applied.minor, 155167);
    ck_assert_int_eq(p.unapplied.minor, 1000);
    a = aging_on("2027-01-06");
    ck_assert_int_eq(a.rows, 1);
    ck_assert_int_eq(a.last.open_total, 0);
    ck_assert_int_eq(a.last.unapplied, 1000);
    ck_assert_int_eq(tl_fx_count(db, "SELECT sum(amount_minor) AS n FROM "
                                     "collections.ledger_entry"),
                     -1000);
}
END_TEST

START_TEST(payment_rejects_bad_input)
{
    billing_run_result run;
    int posted = 0;

    billable_book();
    ck_assert_int_eq(
        billing_run(&run, db, 1, 2026, 11, day("2026-11-20"), "test", &err), 0);
    ck_assert_int_eq(
        collections_post_run(&posted, db, run.run_id, "test", &err), 0);
    pay("0.00", "2026-12-28", "WIRE-0", NULL, TL_EINVALID);
    assert_problem("amount", "range");
    tl_err_clear(&err);
    pay("10.00", "2026-12-28", "WIRE-3", "INV-99999999", TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "collections.payment"),
                     0);
}
END_TEST

static Suite *skeleton_suite(void)
{
    Suite *s = suite_create("skeleton");
    TCase *tc = tcase_create("skeleton");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, catalog_reports_every_bad_field);
    tcase_add_test(tc, catalog_rejects_a_changed_price_and_writes_nothing);
    tcase_add_test(tc, catalog_reload_is_a_no_op);
    tcase_add_test(tc, contract_rate_overrides_list_price);
    tcase_add_test(tc, bad_order_lists_every_problem_and_writes_nothing);
    tcase_add_test(tc, resubmitting_an_order_is_idempotent);
    tcase_add_test(tc, lifecycle_refuses_skipping_states);
    tcase_add_test(tc, milestones_set_billing_start_and_refuse_disorder);
    tcase_add_test(tc, bill_run_prorates_and_bills_in_advance);
    tcase_add_test(tc, next_run_bills_only_the_next_period);
    tcase_add_test(tc, payment_rejects_bad_input);
    tcase_add_test(tc, ledger_payments_and_aging);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(skeleton_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
