/*
 * Accounts against a fresh database: every load error kind with its field
 * path and code, nothing written after a bad file, idempotent reloads, the
 * account hierarchy, status transitions and their history, agents of
 * record on boundary dates, the PO report, the account-number scheme and
 * the address-request queue with duplicate detection.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
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

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);

    ck_assert_msg(doc != NULL, "%s", jerr.text);
    return doc;
}

static void assert_problem(const char *field, const char *code)
{
    size_t i;
    char *text;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0 &&
            strcmp(err.problems[i].code, code) == 0)
            return;
    text = tl_err_to_text(&err);
    ck_abort_msg("no problem %s at %s in: %s", code, field, text);
}

static int load_text(accounts_load_result *res, const char *text)
{
    json_t *doc = parse(text);
    int rc;

    tl_err_clear(&err);
    rc = accounts_load(res, db, doc, "tester", &err);
    json_decref(doc);
    return rc;
}

static void load_ok(accounts_load_result *res, const char *text)
{
    int rc = load_text(res, text);
    char *msg = rc < 0 ? tl_err_to_text(&err) : NULL;

    ck_assert_msg(rc == 0, "load failed: %s", msg ? msg : "");
    free(msg);
}

/* Northwind: a wholesale parent with two market children, contacts, a
 * resale exemption, a PO, an AE and an agent. */
static const char *const northwind =
    "{\"customer\": {\"ref\": \"NORTHWIND\", \"name\": \"Northwind Carrier\","
    " \"kind\": \"wholesale\"},"
    " \"accounts\": ["
    " {\"accountNumber\": \"NW-1000\", \"name\": \"Northwind - Parent\","
    "  \"currency\": \"USD\", \"billCycleDay\": 1, \"paymentTermsDays\": 45,"
    "  \"invoiceDelivery\": {\"method\": \"edi\", \"address\": \"NWCARR\"},"
    "  \"creditLimit\": \"250000.00\", \"poRequired\": true,"
    "  \"contacts\": [{\"role\": \"billing\", \"name\": \"Ana Ruiz\","
    "   \"email\": \"ap@northwind.example\", \"phone\": \"+1 207 555 0100\"}],"
    "  \"taxExemptions\": [{\"certificateNumber\": \"RESALE-ME-4471\","
    "   \"jurisdiction\": \"US-ME\", \"validFrom\": \"2024-01-01\","
    "   \"validTo\": \"2027-01-01\"}],"
    "  \"purchaseOrders\": [{\"poNumber\": \"NW-PO-77\","
    "   \"validFrom\": \"2026-01-01\", \"validTo\": \"2026-12-31\","
    "   \"amountCap\": \"300000.00\"}],"
    "  \"accountExecutive\": {\"ref\": \"AE-JLEE\", \"name\": \"Jordan Lee\","
    "   \"from\": \"2026-01-01\"},"
    "  \"agentOfRecord\": {\"ref\": \"SUMMIT\","
    "   \"name\": \"Summit Telecom Partners\", \"from\": \"2026-03-01\"}},"
    " {\"accountNumber\": \"NW-1001\", \"name\": \"Northwind - Portland\","
    "  \"currency\": \"USD\", \"billCycleDay\": 1, \"paymentTermsDays\": 45,"
    "  \"parentAccountNumber\": \"NW-1000\"},"
    " {\"name\": \"Northwind - Bangor\","
    "  \"currency\": \"USD\", \"billCycleDay\": 1, \"paymentTermsDays\": 45,"
    "  \"parentAccountNumber\": \"NW-1000\"}]}";

START_TEST(load_reports_every_problem_and_writes_nothing)
{
    accounts_load_result res;
    int rc;
    char name[200];
    char text[6144];

    memset(name, 'x', 151);
    name[151] = '\0';
    snprintf(
        text, sizeof(text),
        "{\"customer\": {\"name\": \"%s\", \"kind\": \"reseller\"},"
        " \"extra\": 1,"
        " \"accounts\": ["
        " {\"accountNumber\": \"bad number\", \"name\": \"A\","
        "  \"currency\": \"XXX\", \"billCycleDay\": 32,"
        "  \"sites\": [{\"address\": {\"line1\": \"1 Main St\","
        "   \"city\": \"Portland\", \"region\": \"ME\", \"postcode\": "
        "\"04101\","
        "   \"country\": \"us\"}}],"
        "  \"invoiceDelivery\": {\"method\": \"fax\"}, \"colour\": \"red\"},"
        " {\"accountNumber\": \"AB-1\", \"name\": \"\", \"currency\": \"USD\","
        "  \"billCycleDay\": 1, \"paymentTermsDays\": 30,"
        "  \"creditLimit\": \"12.345\", \"poRequired\": \"yes\","
        "  \"parentAccountNumber\": \"AB-1\","
        "  \"invoiceDelivery\": {\"method\": \"email\","
        "   \"address\": \"nobody\"},"
        "  \"contacts\": [{\"role\": \"sales\", \"name\": \"N\","
        "   \"email\": \"not-an-email\"}, 5],"
        "  \"taxExemptions\": [{\"certificateNumber\": \"C1\","
        "   \"jurisdiction\": \"US-ME\", \"validFrom\": \"2026-05-01\","
        "   \"validTo\": \"2026-04-01\"}],"
        "  \"purchaseOrders\": [{\"poNumber\": \"P1\","
        "   \"validTo\": \"2026-12-31\", \"amountCap\": \"0.00\"},"
        "   {\"poNumber\": \"P2\", \"validFrom\": \"2026-01-01\","
        "   \"validTo\": \"2026-12-31\", \"amountCap\": 100},"
        "   {\"poNumber\": \"P3\", \"validFrom\": \"2026-01-01\","
        "   \"validTo\": \"2026-12-31\","
        "   \"amountCap\": \"99999999999999999999.00\"}],"
        "  \"agentOfRecord\": {\"ref\": \"SUMMIT\", \"name\": \"Summit\","
        "   \"from\": \"2026-13-01\"}}]}",
        name);
    rc = load_text(&res, text);
    ck_assert_int_eq(rc, TL_EINVALID);
    assert_problem("customer.ref", "required");
    assert_problem("customer.name", "too_long");
    assert_problem("customer.kind", "format");
    assert_problem("extra", "unknown_field");
    assert_problem("accounts[0].accountNumber", "format");
    assert_problem("accounts[0].currency", "currency");
    assert_problem("accounts[0].billCycleDay", "range");
    assert_problem("accounts[0].paymentTermsDays", "required");
    assert_problem("accounts[0].sites[0].name", "required");
    assert_problem("accounts[0].sites[0].address.country", "format");
    assert_problem("accounts[0].invoiceDelivery.method", "format");
    assert_problem("accounts[0].colour", "unknown_field");
    assert_problem("accounts[1].name", "empty");
    assert_problem("accounts[1].creditLimit", "format");
    assert_problem("accounts[1].poRequired", "type");
    assert_problem("accounts[1].parentAccountNumber", "cycle");
    assert_problem("accounts[1].invoiceDelivery.address", "format");
    assert_problem("accounts[1].contacts[0].role", "format");
    assert_problem("accounts[1].contacts[0].email", "format");
    assert_problem("accounts[1].contacts[1]", "type");
    assert_problem("accounts[1].taxExemptions[0].validTo", "range");
    assert_problem("accounts[1].purchaseOrders[0].validFrom", "required");
    assert_problem("accounts[1].purchaseOrders[0].amountCap", "range");
    assert_problem("accounts[1].purchaseOrders[1].amountCap", "type");
    assert_problem("accounts[1].purchaseOrders[2].amountCap", "overflow");
    assert_problem("accounts[1].agentOfRecord.from", "format");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM accounts.customer"),
                     0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM accounts.billing_account"),
        0);
}
END_TEST

START_TEST(load_database_problems_roll_back)
{
    accounts_load_result res;

    /* Unknown parent, and a retail parent from another customer. */
    load_ok(&res, "{\"customer\": {\"ref\": \"RETAIL\", \"name\": \"R\","
                  " \"kind\": \"enterprise\"}, \"accounts\": ["
                  " {\"accountNumber\": \"RT-1\", \"name\": \"R1\","
                  " \"currency\": \"USD\", \"billCycleDay\": 1,"
                  " \"paymentTermsDays\": 30}]}");
    ck_assert_int_eq(
        load_text(&res, "{\"customer\": {\"ref\": \"OTHER\", \"name\": \"O\","
                        " \"kind\": \"enterprise\"}, \"accounts\": ["
                        " {\"accountNumber\": \"OT-1\", \"name\": \"O1\","
                        " \"currency\": \"USD\", \"billCycleDay\": 1,"
                        " \"paymentTermsDays\": 30,"
                        " \"parentAccountNumber\": \"RT-1\"},"
                        " {\"accountNumber\": \"OT-2\", \"name\": \"O2\","
                        " \"currency\": \"USD\", \"billCycleDay\": 1,"
                        " \"paymentTermsDays\": 30,"
                        " \"parentAccountNumber\": \"NOPE-9\"}]}"),
        TL_EINVALID);
    assert_problem("accounts[0].parentAccountNumber", "parent_customer");
    assert_problem("accounts[1].parentAccountNumber", "unknown_account");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM accounts.customer"
                                     " WHERE customer_ref = 'OTHER'"),
                     0);

    /* A stored account loaded again with other values is a conflict, and
     * the new contact of the same file is not written. */
    ck_assert_int_eq(
        load_text(&res,
                  "{\"customer\": {\"ref\": \"RETAIL\", \"name\": \"R\","
                  " \"kind\": \"enterprise\"}, \"accounts\": ["
                  " {\"accountNumber\": \"RT-1\", \"name\": \"R1\","
                  " \"currency\": \"USD\", \"billCycleDay\": 1,"
                  " \"paymentTermsDays\": 30, \"creditLimit\": \"100.00\","
                  " \"contacts\": [{\"role\": \"billing\", \"name\": \"B\","
                  " \"email\": \"b@r.example\"}]},"
                  " {\"accountNumber\": \"RT-2\", \"name\": \"R2\","
                  " \"currency\": \"EUR\", \"billCycleDay\": 1,"
                  " \"paymentTermsDays\": 30}]}"),
        0);
    ck_assert_int_eq(
        load_text(&res,
                  "{\"customer\": {\"ref\": \"RETAIL\", \"name\": \"R\","
                  " \"kind\": \"enterprise\"}, \"accounts\": ["
                  " {\"accountNumber\": \"RT-1\", \"name\": \"R1\","
                  " \"currency\": \"USD\", \"billCycleDay\": 1,"
                  " \"paymentTermsDays\": 30, \"creditLimit\": \"200.00\","
                  " \"contacts\": [{\"role\": \"billing\", \"name\": \"C\","
                  " \"email\": \"b@r.example\"}, {\"role\": \"technical\","
                  " \"name\": \"T\", \"email\": \"t@r.example\"}]}]}"),
        TL_EINVALID);
    assert_problem("accounts[0]", "conflict");
    assert_problem("accounts[0].contacts[0]", "conflict");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM accounts.contact"),
                     1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT credit_limit_minor AS n"
                                     " FROM accounts.billing_account"
                                     " WHERE account_number = 'RT-1'"),
                     10000);
}
END_TEST

START_TEST(load_details_and_reload_is_idempotent)
{
    accounts_load_result res;
    accounts_account_t a;
    accounts_details_t d;
    int exempt = 0;
    int64_t events;

    load_ok(&res, northwind);
    ck_assert_int_eq(res.customers_added, 1);
    ck_assert_int_eq(res.accounts_added, 3);
    /* fields of NW-1000, contact, exemption, PO, AE, agent, 2 parents */
    ck_assert_int_eq(res.details_added, 8);
    events = tl_fx_count(db, "SELECT count(*) AS n FROM audit.event");

    ck_assert_int_eq(accounts_get(&a, db, "NW-1000", &err), 0);
    ck_assert_int_eq(accounts_get_details(&d, db, a.account_id, &err), 0);
    ck_assert_str_eq(d.invoice_delivery, "edi");
    ck_assert_str_eq(d.invoice_delivery_address, "NWCARR");
    ck_assert_int_eq(d.has_credit_limit, 1);
    ck_assert_int_eq(d.credit_limit.minor, 25000000);
    ck_assert_str_eq(d.credit_limit.cur, "USD");
    ck_assert_int_eq(d.po_required, 1);
    ck_assert_str_eq(d.parent_account_number, "");
    ck_assert_int_eq(accounts_tax_exempt(&exempt, db, a.account_id, "US-ME",
                                         "sales", day("2026-12-31"), &err),
                     0);
    ck_assert_int_eq(exempt, 1);
    ck_assert_int_eq(accounts_tax_exempt(&exempt, db, a.account_id, "US-ME",
                                         "sales", day("2027-01-01"), &err),
                     0);
    ck_assert_int_eq(exempt, 0);
    ck_assert_int_eq(accounts_tax_exempt(&exempt, db, a.account_id, "US-NH",
                                         "sales", day("2026-06-01"), &err),
                     0);
    ck_assert_int_eq(exempt, 0);

    /* The account without a number got the scheme's first one. */
    ck_assert_int_eq(accounts_get(&a, db, "TL-000001", &err), 0);
    ck_assert_str_eq(a.name, "Northwind - Bangor");
    ck_assert_int_eq(accounts_get_details(&d, db, a.account_id, &err), 0);
    ck_assert_str_eq(d.parent_account_number, "NW-1000");

    load_ok(&res, northwind);
    ck_assert_int_eq(res.customers_added, 0);
    ck_assert_int_eq(res.accounts_added, 0);
    ck_assert_int_eq(res.details_added, 0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM accounts.billing_account"),
                     3);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"),
                     events);
    ck_assert_int_eq(tl_fx_count(db, "SELECT next_value AS n"
                                     " FROM accounts.account_number_scheme"),
                     2);
}
END_TEST

START_TEST(number_scheme_is_configurable)
{
    accounts_load_result res;
    accounts_account_t a;

    tl_fx_account(db, "TL-0042", 1, 1);
    ck_assert_int_eq(
        accounts_set_number_scheme(db, "TL-", 4, 41, "admin", &err), 0);
    load_ok(&res, "{\"customer\": {\"ref\": \"K\", \"name\": \"Keystone\","
                  " \"kind\": \"enterprise\"}, \"accounts\": ["
                  " {\"name\": \"Keystone A\", \"currency\": \"USD\","
                  " \"billCycleDay\": 1, \"paymentTermsDays\": 30},"
                  " {\"name\": \"Keystone B\", \"currency\": \"USD\","
                  " \"billCycleDay\": 1, \"paymentTermsDays\": 30}]}");
    ck_assert_int_eq(accounts_get(&a, db, "TL-0041", &err), 0);
    ck_assert_str_eq(a.name, "Keystone A");
    /* TL-0042 is taken by hand: the scheme skips it. */
    ck_assert_int_eq(accounts_get(&a, db, "TL-0043", &err), 0);
    ck_assert_str_eq(a.name, "Keystone B");
    ck_assert_int_eq(accounts_set_number_scheme(db, "tl", 4, 1, "admin", &err),
                     TL_EINVALID);
}
END_TEST

START_TEST(hierarchy_cycle_refused)
{
    accounts_load_result res;

    load_ok(&res, northwind);
    /* NW-1000 under its own child NW-1001: refused, nothing changes. */
    ck_assert_int_eq(
        load_text(&res,
                  "{\"customer\": {\"ref\": \"NORTHWIND\","
                  " \"name\": \"Northwind Carrier\", \"kind\": \"wholesale\"},"
                  " \"accounts\": [{\"accountNumber\": \"NW-1000\","
                  " \"name\": \"Northwind - Parent\", \"currency\": \"USD\","
                  " \"billCycleDay\": 1, \"paymentTermsDays\": 45,"
                  " \"parentAccountNumber\": \"NW-1001\"}]}"),
        TL_EINVALID);
    assert_problem("accounts[0].parentAccountNumber", "cycle");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM accounts.billing_account"
                                     " WHERE parent_account_id IS NOT NULL"),
                     2);
    /* The database refuses it too, whoever writes. */
    ck_assert_int_lt(
        tl_db_exec(db, NULL,
                   "UPDATE accounts.billing_account SET parent_account_id ="
                   " (SELECT account_id FROM accounts.billing_account"
                   "  WHERE account_number = 'TL-000001')"
                   " WHERE account_number = 'NW-1000'",
                   NULL, &err),
        0);
    tl_err_clear(&err);
    /* A wholesale parent may hold another customer's account. */
    load_ok(&res, "{\"customer\": {\"ref\": \"RESELLER\", \"name\": \"R\","
                  " \"kind\": \"enterprise\"}, \"accounts\": ["
                  " {\"accountNumber\": \"RS-1\", \"name\": \"R1\","
                  " \"currency\": \"USD\", \"billCycleDay\": 1,"
                  " \"paymentTermsDays\": 30,"
                  " \"parentAccountNumber\": \"NW-1000\"}]}");
    ck_assert_int_eq(res.details_added, 1);
}
END_TEST

static int count_history(const accounts_status_change_t *h, void *payload)
{
    accounts_status_change_t *last = payload;

    *last = *h;
    return 0;
}

START_TEST(status_transitions_with_history)
{
    accounts_account_t a;
    accounts_status_change_t last;
    int64_t id = tl_fx_account(db, "KL-2001", 1, 5);

    ck_assert_int_eq(
        accounts_set_status(&a, db, "KL-2001", "suspended", "", "col", &err),
        TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(
        accounts_set_status(&a, db, "KL-2001", "frozen", "x", "col", &err),
        TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(
        accounts_set_status(&a, db, "KL-2001", "active", "x", "col", &err),
        TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(accounts_set_status(&a, db, "KL-2001", "suspended",
                                         "90 days past due", "col", &err),
                     0);
    ck_assert_str_eq(a.status, "suspended");
    ck_assert_int_eq(accounts_set_status(&a, db, "KL-2001", "active",
                                         "paid in full", "col", &err),
                     0);
    ck_assert_int_eq(accounts_set_status(&a, db, "KL-2001", "closed",
                                         "contract ended", "col", &err),
                     0);
    ck_assert_int_eq(
        accounts_set_status(&a, db, "KL-2001", "active", "oops", "col", &err),
        TL_ECONFLICT);
    ck_assert_str_eq(err.code, "transition");
    tl_err_clear(&err);
    ck_assert_int_eq(
        accounts_set_status(&a, db, "NOPE-1", "closed", "x", "col", &err),
        TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(
        accounts_status_history(db, id, count_history, &last, &err), 3);
    ck_assert_str_eq(last.from_status, "active");
    ck_assert_str_eq(last.to_status, "closed");
    ck_assert_str_eq(last.reason, "contract ended");
    ck_assert_str_eq(last.actor, "col");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'accounts.status'"),
                     3);
}
END_TEST

START_TEST(agent_of_record_on_boundary_dates)
{
    accounts_assignment_t a;
    int64_t pid = 0;
    int changed = 0;
    int64_t id = tl_fx_account(db, "HH-1001", 1, 100);

    ck_assert_int_eq(accounts_person_put(&pid, db, "SUMMIT",
                                         "Summit Telecom Partners", "agent",
                                         &err),
                     0);
    ck_assert_int_eq(accounts_person_put(&pid, db, "BAYVIEW", "Bayview Agents",
                                         "agent", &err),
                     0);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AE-1", "Pat Kim", "ae", &err), 0);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AE-1", "Pat Kim", "agent", &err),
        TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(accounts_assign(&changed, db, "HH-1001", "agent", "AE-1",
                                     day("2026-01-01"), "sales", &err),
                     TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(accounts_assign(&changed, db, "HH-1001", "agent", "SUMMIT",
                                     day("2026-01-01"), "sales", &err),
                     0);
    ck_assert_int_eq(changed, 1);
    ck_assert_int_eq(accounts_assign(&changed, db, "HH-1001", "agent", "SUMMIT",
                                     day("2026-01-01"), "sales", &err),
                     0);
    ck_assert_int_eq(changed, 0);
    ck_assert_int_eq(accounts_assign(&changed, db, "HH-1001", "agent",
                                     "BAYVIEW", day("2026-07-01"), "sales",
                                     &err),
                     0);
    ck_assert_int_eq(changed, 1);
    ck_assert_int_eq(
        accounts_assignment_on(&a, db, id, "agent", day("2025-12-31"), &err),
        TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(
        accounts_assignment_on(&a, db, id, "agent", day("2026-01-01"), &err),
        0);
    ck_assert_str_eq(a.person_ref, "SUMMIT");
    ck_assert_int_eq(a.has_valid_to, 1);
    ck_assert_int_eq(a.valid_to, day("2026-07-01"));
    ck_assert_int_eq(
        accounts_assignment_on(&a, db, id, "agent", day("2026-06-30"), &err),
        0);
    ck_assert_str_eq(a.person_ref, "SUMMIT");
    ck_assert_int_eq(
        accounts_assignment_on(&a, db, id, "agent", day("2026-07-01"), &err),
        0);
    ck_assert_str_eq(a.person_ref, "BAYVIEW");
    ck_assert_str_eq(a.person_name, "Bayview Agents");
    ck_assert_int_eq(a.has_valid_to, 0);
    /* The first assignment again (a reloaded file) changes nothing. */
    ck_assert_int_eq(accounts_assign(&changed, db, "HH-1001", "agent", "SUMMIT",
                                     day("2026-01-01"), "sales", &err),
                     0);
    ck_assert_int_eq(changed, 0);
    /* Rewriting the past is refused; so is a second agent on one day. */
    ck_assert_int_eq(accounts_assign(&changed, db, "HH-1001", "agent", "SUMMIT",
                                     day("2026-03-01"), "sales", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(accounts_assign(&changed, db, "HH-1001", "agent", "SUMMIT",
                                     day("2026-07-01"), "sales", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    /* The exclusion constraint guards overlaps in the database. */
    ck_assert_int_lt(
        tl_db_exec(db, NULL,
                   "INSERT INTO accounts.account_assignment (account_id,"
                   " role, valid_from, valid_to, person_id)"
                   " SELECT account_id, 'agent', '2026-02-01', '2026-03-01',"
                   " (SELECT person_id FROM accounts.person"
                   "  WHERE person_ref = 'SUMMIT')"
                   " FROM accounts.billing_account"
                   " WHERE account_number = 'HH-1001'",
                   NULL, &err),
        0);
    ck_assert_str_eq(err.problems[0].field, "from");
}
END_TEST

typedef struct report {
    int n;
    char line[8][256];
} report;

static int collect_line(const accounts_po_line_t *l, void *payload)
{
    report *r = payload;
    char cap[32] = "";
    char used[32] = "";

    if (l->has_po && l->po.has_cap)
        tl_money_format(cap, sizeof(cap), &l->po.cap);
    if (l->has_po)
        tl_money_format(used, sizeof(used), &l->used);
    if (r->n < 8)
        snprintf(r->line[r->n], sizeof(r->line[0]), "%s %s %s %s/%s",
                 l->account_number, l->problem,
                 l->has_po ? l->po.po_number : "-", used, cap);
    r->n++;
    return 0;
}

/* Pretends billing has invoiced 4600.00 against PO-USED. */
static int used_amount(tl_money *used, const accounts_po_t *po, void *payload)
{
    (void)payload;
    return tl_money_make(
        used, strcmp(po->po_number, "PO-USED") == 0 ? 460000 : 0, po->cap.cur);
}

static void add_po(const char *number, const char *po_number, const char *from,
                   const char *to, int64_t cap)
{
    accounts_po_t po;
    int added = 0;

    memset(&po, 0, sizeof(po));
    snprintf(po.account_number, sizeof(po.account_number), "%s", number);
    snprintf(po.po_number, sizeof(po.po_number), "%s", po_number);
    po.valid_from = day(from);
    po.valid_to = day(to);
    if (cap > 0) {
        po.has_cap = 1;
        tl_money_make(&po.cap, cap, "USD");
    }
    ck_assert_int_eq(accounts_po_add(&added, db, &po, "tester", &err), 0);
    ck_assert_int_eq(added, 1);
}

START_TEST(po_report_and_po_in_force)
{
    accounts_load_result res;
    accounts_po_t po;
    report r;
    int added = 0;
    int64_t hh;
    size_t i;
    static const char *const numbers[] = {"PO-MISS", "PO-EXP", "PO-SOON",
                                          "PO-USED", "PO-FINE"};

    for (i = 0; i < 5; i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "{\"customer\": {\"ref\": \"C%zu\", \"name\": \"C\","
                 " \"kind\": \"enterprise\"}, \"accounts\": ["
                 " {\"accountNumber\": \"%s\", \"name\": \"A\","
                 " \"currency\": \"USD\", \"billCycleDay\": 1,"
                 " \"paymentTermsDays\": 30, \"poRequired\": true}]}",
                 i, numbers[i]);
        load_ok(&res, text);
    }
    add_po("PO-EXP", "PO-EXP", "2026-01-01", "2026-10-31", 0);
    add_po("PO-SOON", "PO-SOON", "2026-01-01", "2026-11-30", 500000);
    add_po("PO-USED", "PO-USED", "2026-01-01", "2027-06-30", 500000);
    add_po("PO-FINE", "PO-FINE", "2026-01-01", "2027-06-30", 500000);

    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(accounts_po_report(db, day("2026-11-20"), 10, 900000,
                                        used_amount, NULL, collect_line, &r,
                                        &err),
                     4);
    ck_assert_str_eq(r.line[0], "PO-EXP expired PO-EXP 0.00/");
    ck_assert_str_eq(r.line[1], "PO-MISS missing - /");
    ck_assert_str_eq(r.line[2], "PO-SOON expiring PO-SOON 0.00/5000.00");
    ck_assert_str_eq(r.line[3], "PO-USED used_up PO-USED 4600.00/5000.00");
    /* Nine days from the end is outside a 9-day window ... */
    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(accounts_po_report(db, day("2026-11-20"), 9, 900000, NULL,
                                        NULL, collect_line, &r, &err),
                     2);
    /* ... and the last day is still in force. */
    hh = tl_fx_count(db, "SELECT account_id AS n FROM accounts.billing_account"
                         " WHERE account_number = 'PO-SOON'");
    ck_assert_int_eq(
        accounts_po_in_force(&po, db, hh, NULL, day("2026-11-30"), &err), 0);
    ck_assert_str_eq(po.po_number, "PO-SOON");
    ck_assert_int_eq(po.cap.minor, 500000);
    ck_assert_int_eq(
        accounts_po_in_force(&po, db, hh, NULL, day("2026-12-01"), &err),
        TL_ENOTFOUND);
    tl_err_clear(&err);

    /* A service PO wins over the account-wide one for that service. */
    memset(&po, 0, sizeof(po));
    snprintf(po.account_number, sizeof(po.account_number), "PO-SOON");
    snprintf(po.po_number, sizeof(po.po_number), "PO-SVC");
    snprintf(po.service_ref, sizeof(po.service_ref), "CKT-1");
    po.valid_from = day("2026-06-01");
    po.valid_to = day("2026-12-31");
    ck_assert_int_eq(accounts_po_add(&added, db, &po, "tester", &err), 0);
    ck_assert_int_eq(accounts_po_add(&added, db, &po, "tester", &err), 0);
    ck_assert_int_eq(added, 0);
    po.valid_to = day("2027-12-31");
    ck_assert_int_eq(accounts_po_add(&added, db, &po, "tester", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(
        accounts_po_in_force(&po, db, hh, "CKT-1", day("2026-11-30"), &err), 0);
    ck_assert_str_eq(po.po_number, "PO-SVC");
    ck_assert_int_eq(
        accounts_po_in_force(&po, db, hh, "CKT-2", day("2026-11-30"), &err), 0);
    ck_assert_str_eq(po.po_number, "PO-SOON");
    po.valid_to = day("2025-01-01");
    ck_assert_int_eq(accounts_po_add(&added, db, &po, "tester", &err),
                     TL_EINVALID);
    assert_problem("validTo", "range");
}
END_TEST

static accounts_address_request_t new_request(const char *line1,
                                              const char *postcode)
{
    accounts_address_request_t q;

    memset(&q, 0, sizeof(q));
    snprintf(q.kind, sizeof(q.kind), "new_address");
    snprintf(q.line1, sizeof(q.line1), "%s", line1);
    snprintf(q.city, sizeof(q.city), "Portland");
    snprintf(q.region, sizeof(q.region), "ME");
    snprintf(q.postcode, sizeof(q.postcode), "%s", postcode);
    snprintf(q.country, sizeof(q.country), "US");
    return q;
}

START_TEST(address_normalization)
{
    char buf[128];

    ck_assert_int_eq(
        accounts_address_normalize_line(buf, sizeof(buf),
                                        "  200  Commercial   Street, Suite 4"),
        0);
    ck_assert_str_eq(buf, "200 COMMERCIAL ST STE 4");
    ck_assert_int_eq(accounts_address_normalize_line(buf, sizeof(buf),
                                                     "12 North Park Avenue."),
                     0);
    ck_assert_str_eq(buf, "12 N PARK AVE");
    ck_assert_int_eq(accounts_address_normalize_line(buf, 8, "12 Harbor Way"),
                     TL_EOVERFLOW);
}
END_TEST

START_TEST(address_requests_with_duplicates)
{
    accounts_address_request_t in;
    accounts_address_request_t out;
    accounts_address_request_t again;
    accounts_address_t addr;
    int64_t address_id = 0;
    int created = 0;

    tl_fx_account(db, "HH-1001", 1, 100); /* 100 Harbor Way, 04101 */

    /* Exact duplicate after abbreviations and spacing: refused. */
    in = new_request("100  harbor way.", "04101");
    ck_assert_int_eq(
        accounts_address_request_submit(&out, &created, db, &in, "coord", &err),
        TL_EDUPLICATE);
    ck_assert_str_eq(err.code, "duplicate");
    tl_err_clear(&err);

    /* Near duplicate: same number and postcode, a typo in the street. */
    in = new_request("100 Harbour Way", "04101");
    ck_assert_int_eq(
        accounts_address_request_submit(&out, &created, db, &in, "coord", &err),
        0);
    ck_assert_int_eq(created, 1);
    ck_assert_str_eq(out.state, "requested");
    ck_assert_int_ne(out.duplicate_of, 0);
    /* Submitting it again returns the waiting request. */
    ck_assert_int_eq(accounts_address_request_submit(&again, &created, db, &in,
                                                     "coord", &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(again.request_id, out.request_id);
    ck_assert_int_eq(accounts_address_request_reject(&again, db, out.request_id,
                                                     "", "admin", &err),
                     TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(accounts_address_request_reject(
                         &again, db, out.request_id,
                         "same building as 100 Harbor Way", "admin", &err),
                     0);
    ck_assert_str_eq(again.state, "rejected");
    ck_assert_str_eq(again.reason, "same building as 100 Harbor Way");
    ck_assert_int_eq(accounts_address_request_approve(
                         &again, db, out.request_id, "admin", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);

    /* Another number or postcode is no duplicate; approval creates it. */
    in = new_request("102 Harbor Street", "04101");
    ck_assert_int_eq(
        accounts_address_request_submit(&out, &created, db, &in, "coord", &err),
        0);
    ck_assert_int_eq(out.duplicate_of, 0);
    ck_assert_int_eq(accounts_address_request_approve(
                         &again, db, out.request_id, "admin", &err),
                     0);
    ck_assert_str_eq(again.state, "approved");
    ck_assert_int_ne(again.address_id, 0);
    memset(&addr, 0, sizeof(addr));
    addr.line1 = "102 Harbor Street";
    addr.city = "Portland";
    addr.region = "ME";
    addr.postcode = "04101";
    addr.country = "US";
    ck_assert_int_eq(accounts_address_find(&address_id, db, &addr, &err), 0);
    ck_assert_int_eq(address_id, again.address_id);
    /* Now "102 Harbor St" is an exact duplicate of the master. */
    in = new_request("102 HARBOR ST", "04101");
    ck_assert_int_eq(
        accounts_address_request_submit(&out, &created, db, &in, "coord", &err),
        TL_EDUPLICATE);
    tl_err_clear(&err);

    /* House information update of the approved address. */
    memset(&in, 0, sizeof(in));
    snprintf(in.kind, sizeof(in.kind), "house_info_update");
    in.target_address_id = address_id;
    snprintf(in.house_info, sizeof(in.house_info),
             "demarc in basement riser B");
    ck_assert_int_eq(
        accounts_address_request_submit(&out, &created, db, &in, "coord", &err),
        0);
    ck_assert_int_eq(accounts_address_request_approve(
                         &again, db, out.request_id, "admin", &err),
                     0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM accounts.address WHERE house_info"
                                     " = 'demarc in basement riser B'"),
                     1);
    in.target_address_id = 999999;
    ck_assert_int_eq(
        accounts_address_request_submit(&out, &created, db, &in, "coord", &err),
        TL_ENOTFOUND);
    tl_err_clear(&err);

    /* Bad fields are all reported. */
    memset(&in, 0, sizeof(in));
    snprintf(in.kind, sizeof(in.kind), "new_address");
    snprintf(in.country, sizeof(in.country), "u");
    ck_assert_int_eq(
        accounts_address_request_submit(&out, &created, db, &in, "coord", &err),
        TL_EINVALID);
    assert_problem("line1", "required");
    assert_problem("city", "required");
    assert_problem("region", "required");
    assert_problem("postcode", "required");
    assert_problem("country", "format");
    ck_assert_int_eq(tl_fx_count(db,
                                 "SELECT count(*) AS n"
                                 " FROM audit.event"
                                 " WHERE action = 'accounts.address_request'"),
                     3);
}
END_TEST

typedef struct names {
    int n;
    char text[512];
} names;

static void names_add(names *nm, const char *s)
{
    size_t len = strlen(nm->text);

    snprintf(nm->text + len, sizeof(nm->text) - len, "%s%s",
             nm->n++ > 0 ? "," : "", s);
}

static int on_child(const char *number, void *payload)
{
    names_add(payload, number);
    return 0;
}

static int on_contact(const accounts_contact_t *c, void *payload)
{
    char buf[300];

    snprintf(buf, sizeof(buf), "%s:%s:%s", c->role, c->email, c->phone);
    names_add(payload, buf);
    return 0;
}

static int on_exemption(const accounts_tax_exemption_t *x, void *payload)
{
    char buf[200];
    char to[16] = "";

    if (x->has_valid_to)
        tl_date_format(to, sizeof(to), x->valid_to);
    snprintf(buf, sizeof(buf), "%s:%s:%s:%s", x->certificate_number,
             x->jurisdiction, x->category, to);
    names_add(payload, buf);
    return 0;
}

static int on_account(const accounts_account_t *a, void *payload)
{
    names_add(payload, a->account_number);
    return 0;
}

START_TEST(details_are_listed)
{
    accounts_load_result res;
    accounts_account_t a;
    names nm;

    load_ok(&res, northwind);
    tl_fx_account(db, "HH-1001", 1, 100);
    ck_assert_int_eq(accounts_get(&a, db, "NW-1000", &err), 0);
    memset(&nm, 0, sizeof(nm));
    ck_assert_int_eq(accounts_children(db, a.account_id, on_child, &nm, &err),
                     2);
    ck_assert_str_eq(nm.text, "NW-1001,TL-000001");
    memset(&nm, 0, sizeof(nm));
    ck_assert_int_eq(accounts_contacts(db, a.account_id, on_contact, &nm, &err),
                     1);
    ck_assert_str_eq(nm.text, "billing:ap@northwind.example:+1 207 555 0100");
    memset(&nm, 0, sizeof(nm));
    ck_assert_int_eq(
        accounts_tax_exemptions(db, a.account_id, on_exemption, &nm, &err), 1);
    ck_assert_str_eq(nm.text, "RESALE-ME-4471:US-ME::2027-01-01");
    memset(&nm, 0, sizeof(nm));
    ck_assert_int_eq(
        accounts_list(db, "NORTHWIND", NULL, on_account, &nm, &err), 3);
    ck_assert_str_eq(nm.text, "NW-1000,NW-1001,TL-000001");
    ck_assert_int_eq(accounts_set_status(&a, db, "NW-1001", "suspended",
                                         "market paused", "col", &err),
                     0);
    memset(&nm, 0, sizeof(nm));
    ck_assert_int_eq(
        accounts_list(db, NULL, "suspended", on_account, &nm, &err), 1);
    ck_assert_str_eq(nm.text, "NW-1001");
    memset(&nm, 0, sizeof(nm));
    ck_assert_int_eq(accounts_list(db, NULL, NULL, on_account, &nm, &err), 4);
}
END_TEST

static Suite *accounts_suite(void)
{
    Suite *s = suite_create("accounts");
    TCase *tc = tcase_create("db");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, load_reports_every_problem_and_writes_nothing);
    tcase_add_test(tc, load_database_problems_roll_back);
    tcase_add_test(tc, load_details_and_reload_is_idempotent);
    tcase_add_test(tc, number_scheme_is_configurable);
    tcase_add_test(tc, hierarchy_cycle_refused);
    tcase_add_test(tc, status_transitions_with_history);
    tcase_add_test(tc, agent_of_record_on_boundary_dates);
    tcase_add_test(tc, po_report_and_po_in_force);
    tcase_add_test(tc, details_are_listed);
    tcase_add_test(tc, address_normalization);
    tcase_add_test(tc, address_requests_with_duplicates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(accounts_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
