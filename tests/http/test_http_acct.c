/*
 * The AR ledger routes through real HTTP on loopback (the server
 * in-process on an ephemeral port, a fresh database per test): payments
 * and payment status, ledger entries and balances, ledger documents,
 * write-offs with approval.
 *
 * The book: accounts HTTP-A (account executive AE1, agent AG1) and HTTP-B
 * (AE2), HTTP-C (nobody's); one user per role with a token. Final invoices
 * posted to the ledger (USD): INV-A1 1150.00 due 2026-12-01 and INV-A2
 * 800.00 due 2026-09-01 on HTTP-A, INV-B1 500.00 due 2026-12-15 on HTTP-B,
 * each issued 30 days before it is due. The server's business day is
 * 2026-12-30. Write-offs above 1000.00 USD need two approvers.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "collections/collections.h"
#include "common/json.h"
#include "provisioning/provisioning.h"
#include "server/server.h"
#include "tests/http/http_book.h"
#include "tests/http/http_client.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static srv_server *srv;

static int64_t count(const char *sql)
{
    return tl_fx_count(db, sql);
}

static void setup(void)
{
    http_book_open(&db, &srv);
}

static void teardown(void)
{
    http_book_close(&db, &srv);
}

/* The first problem's code and field (errors[0], else the problem). */
static void problem(const resp *r, const char **code, const char **field)
{
    const json_t *e0 = json_array_get(json_object_get(r->json, "errors"), 0);

    *code = e0 ? jstr(e0, "code") : jstr(r->json, "code");
    *field = e0 ? jstr(e0, "field") : jstr(r->json, "field");
}

static const char *balance_of(int user, const char *query)
{
    static char out[32];
    char path[160];
    resp r;

    snprintf(path, sizeof(path), "/ledger/balance?%s", query);
    r = call(user, "GET", path, NULL, NULL);
    ck_assert_msg(r.status == 200, "%s: %d %s", path, r.status, r.body);
    snprintf(out, sizeof(out), "%s", amt(r.json, "balance"));
    resp_free(&r);
    return out;
}

/* ---- payments ---- */

START_TEST(payments_listed_one_by_one_and_status)
{
    char path[64];
    int64_t id;
    resp r;

    r = call(U_COLL, "POST", "/payment", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"amount\": {\"amount\":"
             " \"300.25\", \"currency\": \"USD\"}, \"receivedDate\":"
             " \"2026-12-20\", \"reference\": \"P-1\", \"method\": \"wire\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    id = jint(r.json, "id");
    resp_free(&r);
    r = call(U_COLL, "POST", "/payment", JSON_CT,
             "{\"accountNumber\": \"HTTP-B\", \"amount\": {\"amount\":"
             " \"20.00\", \"currency\": \"USD\"}, \"receivedDate\":"
             " \"2026-12-21\", \"reference\": \"P-2\", \"method\": \"ach\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);

    r = call(U_FINANCE, "GET", "/payment?accountNumber=HTTP-A", NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "amount"), "300.25");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "reference"), "P-1");
    ck_assert_ptr_nonnull(strstr(r.head, "X-Total-Count: 1"));
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/payment?from=2026-12-21&to=2026-12-31", NULL,
             NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-B");
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/payment?from=2026-13-01", NULL, NULL);
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);

    snprintf(path, sizeof(path), "/payment/%lld", (long long)id);
    r = call(U_ADMIN, "GET", path, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "method"), "wire");
    ck_assert_str_eq(jstr(r.json, "receivedDate"), "2026-12-20");
    resp_free(&r);
    r = call(U_ADMIN, "GET", "/payment/999999", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);

    r = call(U_COLL, "GET", "/account/HTTP-A/paymentStatus?asOf=2026-12-30",
             NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert(json_is_object(r.json));
    resp_free(&r);
    r = call(U_COLL, "GET", "/account/NOPE/paymentStatus", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
}
END_TEST

/* ---- the ledger ---- */

START_TEST(credit_memo_lowers_the_invoice_and_reposts_are_idempotent)
{
    static const char memo[] =
        "{\"kind\": \"credit_memo\", \"accountNumber\": \"HTTP-A\","
        " \"invoiceNumber\": \"INV-A2\", \"amount\": {\"amount\": \"100.00\","
        " \"currency\": \"USD\"}, \"date\": \"2026-12-28\","
        " \"reference\": \"CM-1\", \"reason\": \"outage credit\"}";
    const json_t *last;
    resp r;

    ck_assert_str_eq(balance_of(U_COLL, "invoiceNumber=INV-A2"), "800.00");
    ck_assert_str_eq(balance_of(U_COLL, "accountNumber=HTTP-A"), "1950.00");

    r = call(U_COLL, "POST", "/ledgerDocument", JSON_CT, memo);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert(json_is_true(json_object_get(r.json, "created")));
    ck_assert_str_eq(amt(r.json, "ledgerAmount"), "-100.00");
    resp_free(&r);
    r = call(U_ADMIN, "POST", "/ledgerDocument", JSON_CT, memo);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert(json_is_false(json_object_get(r.json, "created")));
    resp_free(&r);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.ledger_entry"
              " WHERE source_ref = 'CM-1' OR amount_minor = -10000"),
        1);

    ck_assert_str_eq(balance_of(U_COLL, "invoiceNumber=INV-A2"), "700.00");
    ck_assert_str_eq(balance_of(U_FINANCE, "accountNumber=HTTP-A"), "1850.00");
    /* before the memo */
    ck_assert_str_eq(
        balance_of(U_FINANCE, "invoiceNumber=INV-A2&asOf=2026-12-27"),
        "800.00");

    r = call(U_COLL, "GET", "/ledger?accountNumber=HTTP-A", NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(json_array_size(r.json), 3);
    last = json_array_get(r.json, 2);
    ck_assert_str_eq(amt(last, "amount"), "-100.00");
    ck_assert_str_eq(amt(last, "balance"), "1850.00");
    ck_assert_str_eq(jstr(last, "invoiceNumber"), "INV-A2");
    resp_free(&r);
    r = call(U_COLL, "GET",
             "/ledger?accountNumber=HTTP-A&from=2026-12-01&to=2026-12-31", NULL,
             NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    resp_free(&r);

    /* the same reference with another amount */
    r = call(U_COLL, "POST", "/ledgerDocument", JSON_CT,
             "{\"kind\": \"credit_memo\", \"accountNumber\": \"HTTP-A\","
             " \"invoiceNumber\": \"INV-A2\", \"amount\": {\"amount\":"
             " \"90.00\", \"currency\": \"USD\"}, \"reference\": \"CM-1\"}");
    ck_assert_msg(r.status == 409, "%d %s", r.status, r.body);
    resp_free(&r);
    ck_assert_str_eq(balance_of(U_COLL, "invoiceNumber=INV-A2"), "700.00");
}
END_TEST

/* HTTP-B overpays INV-B1 (500.00) by 200.00 and the refund names the
 * payment whose credit it returns. */
START_TEST(a_refund_names_the_payment_it_returns)
{
    static const char *const refused[][4] = {
        {"P-X", "200.00", "404", "paymentReference"},
        {"P-B", "200.01", "409", "amount"},
    };
    const char *code;
    const char *field;
    char body[320];
    int64_t id;
    size_t i;
    resp r;

    r = call(U_COLL, "POST", "/payment", JSON_CT,
             "{\"accountNumber\": \"HTTP-B\", \"amount\": {\"amount\":"
             " \"700.00\", \"currency\": \"USD\"}, \"receivedDate\":"
             " \"2026-12-20\", \"reference\": \"P-B\", \"method\": \"wire\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    id = jint(r.json, "id");
    resp_free(&r);
    ck_assert_str_eq(balance_of(U_COLL, "accountNumber=HTTP-B"), "-200.00");

    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        snprintf(body, sizeof(body),
                 "{\"kind\": \"refund\", \"accountNumber\": \"HTTP-B\","
                 " \"amount\": {\"amount\": \"%s\", \"currency\": \"USD\"},"
                 " \"date\": \"2026-12-28\", \"reference\": \"RF-1\","
                 " \"paymentReference\": \"%s\"}",
                 refused[i][1], refused[i][0]);
        r = call(U_COLL, "POST", "/ledgerDocument", JSON_CT, body);
        problem(&r, &code, &field);
        ck_assert_msg(r.status == atoi(refused[i][2]), "case %zu: %d %s", i,
                      r.status, r.body);
        ck_assert_str_eq(field, refused[i][3]);
        resp_free(&r);
    }
    /* only a refund names a payment */
    r = call(U_COLL, "POST", "/ledgerDocument", JSON_CT,
             "{\"kind\": \"debit_memo\", \"accountNumber\": \"HTTP-B\","
             " \"amount\": {\"amount\": \"1.00\", \"currency\": \"USD\"},"
             " \"reference\": \"DM-1\", \"paymentReference\": \"P-B\"}");
    problem(&r, &code, &field);
    ck_assert_msg(r.status == 400, "%d %s", r.status, r.body);
    ck_assert_str_eq(field, "paymentReference");
    resp_free(&r);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.ledger_entry"
                           " WHERE kind IN ('refund', 'debit_memo')"),
                     0);

    r = call(U_COLL, "POST", "/ledgerDocument", JSON_CT,
             "{\"kind\": \"refund\", \"accountNumber\": \"HTTP-B\","
             " \"amount\": {\"amount\": \"200.00\", \"currency\": \"USD\"},"
             " \"date\": \"2026-12-28\", \"reference\": \"RF-1\","
             " \"paymentReference\": \"P-B\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert_int_eq(jint(r.json, "paymentId"), id);
    ck_assert_str_eq(amt(r.json, "ledgerAmount"), "200.00");
    resp_free(&r);
    ck_assert_str_eq(balance_of(U_COLL, "accountNumber=HTTP-B"), "0.00");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.ledger_entry"
                           " WHERE kind = 'refund' AND payment_id IS NOT NULL"),
                     1);
}
END_TEST

START_TEST(bad_ledger_input_is_refused_with_field_paths)
{
    static const struct {
        const char *method;
        const char *path;
        const char *body;
        int status;
        const char *code;
        const char *field;
    } cases[] = {
        {"POST", "/ledgerDocument", "{\"kind\": ", 400, "json_syntax", NULL},
        {"POST", "/ledgerDocument",
         "{\"kind\": \"credit_memo\", \"accountNumber\": \"HTTP-A\","
         " \"amount\": {\"amount\": 100, \"currency\": \"USD\"},"
         " \"reference\": \"X-1\"}",
         400, "type", "amount.amount"},
        {"POST", "/ledgerDocument",
         "{\"kind\": \"credit_memo\", \"accountNumber\": \"HTTP-A\","
         " \"amount\": {\"amount\": \"1.00\", \"currency\": \"USD\"}}",
         400, "required", "reference"},
        {"POST", "/ledgerDocument",
         "{\"kind\": \"credit_memo\", \"accountNumber\": \"HTTP-A\","
         " \"amount\": {\"amount\": \"1.00\", \"currency\": \"USD\"},"
         " \"reference\": \"X-1\", \"extra\": 1}",
         400, "unknown_field", "extra"},
        {"POST", "/ledgerDocument",
         "{\"kind\": \"gift\", \"accountNumber\": \"HTTP-A\","
         " \"amount\": {\"amount\": \"1.00\", \"currency\": \"USD\"},"
         " \"reference\": \"X-1\"}",
         400, NULL, "kind"},
        {"POST", "/ledgerDocument",
         "{\"kind\": \"credit_memo\", \"accountNumber\": \"HTTP-A\","
         " \"invoiceNumber\": \"INV-A2\", \"amount\": {\"amount\":"
         " \"900.00\", \"currency\": \"USD\"}, \"reference\": \"X-2\"}",
         409, "exceeds_open", NULL},
        {"POST", "/writeOff",
         "{\"invoiceNumber\": \"INV-A1\", \"amount\": {\"amount\": \"5.00\","
         " \"currency\": \"USD\"}}",
         400, "required", "reason"},
        {"POST", "/writeOff/1/reject", "{}", 400, "required", "note"},
        {"POST", "/writeOff/abc/approve", "{}", 404, NULL, NULL},
        {"GET", "/ledger", NULL, 400, "required", "accountNumber"},
        {"GET", "/ledger?accountNumber=HTTP-A&from=soon", NULL, 400, NULL,
         "from"},
        {"GET", "/ledger/balance", NULL, 400, "required", NULL},
        {"GET", "/ledger/balance?accountNumber=NOPE", NULL, 404, NULL, NULL},
        {"POST", "/ledgerDocument",
         "{\"kind\": \"debit_memo\", \"accountNumber\": \"HTTP-A\","
         " \"amount\": {\"amount\": \"1.00\", \"currency\": \"EUR\"},"
         " \"reference\": \"X-3\"}",
         400, "currency", "amount"},
        {"POST", "/deposit",
         "{\"accountNumber\": \"HTTP-A\", \"amount\": {\"amount\": \"1.00\","
         " \"currency\": \"USD\"}}",
         400, "required", "reason"},
        {"POST", "/deposit",
         "{\"accountNumber\": \"HTTP-A\", \"amount\": {\"amount\": \"1.00\","
         " \"currency\": \"CAD\"}, \"reason\": \"r\"}",
         400, "currency", "amount"},
        {"POST", "/deposit/abc/receive", NULL, 404, NULL, NULL},
        {"POST", "/fxRate",
         "{\"from\": \"CAD\", \"to\": \"USD\", \"effectiveDate\":"
         " \"2026-12-01\", \"rate\": 0.73}",
         400, "type", "rate"},
        {"POST", "/fxRate",
         "{\"from\": \"CAD\", \"to\": \"USD\", \"effectiveDate\":"
         " \"2026-12-01\", \"rate\": \"-0.5\"}",
         400, "format", "rate"},
        {"POST", "/paymentMethod",
         "{\"accountNumber\": \"HTTP-A\", \"kind\": \"card\", \"number\": "
         "4111}",
         400, "type", "number"},
        {"POST", "/creditInquiry",
         "{\"accountNumber\": \"HTTP-A\", \"bureau\": \"E\","
         " \"outcome\": \"approved\", \"score\": \"700\"}",
         400, "type", "score"},
        {"POST", "/escalation", "{\"accountNumber\": \"HTTP-A\"}", 400,
         "required", NULL},
        {"GET", "/statement", NULL, 400, "required", "accountNumber"},
        {"GET", "/paymentMethod", NULL, 400, "required", "accountNumber"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        resp r = call(U_ADMIN, cases[i].method, cases[i].path,
                      cases[i].body ? JSON_CT : NULL, cases[i].body);
        const char *code;
        const char *field;

        problem(&r, &code, &field);
        ck_assert_msg(r.status == cases[i].status, "case %zu: %d %s", i,
                      r.status, r.body);
        ck_assert_msg(cases[i].code == NULL || strcmp(code, cases[i].code) == 0,
                      "case %zu: code %s in %s", i, code, r.body);
        ck_assert_msg(cases[i].field == NULL ||
                          strcmp(field, cases[i].field) == 0,
                      "case %zu: field %s in %s", i, field, r.body);
        resp_free(&r);
    }
    /* nothing was written */
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.ledger_entry"), 3);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.write_off"),
                     0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.deposit"), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.fx_rate"), 0);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.payment_method"), 0);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.credit_inquiry"), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.escalation"),
                     0);
}
END_TEST

/* ---- write-offs ---- */

START_TEST(a_large_write_off_needs_two_approvers_not_the_requester)
{
    static const char wo[] =
        "{\"invoiceNumber\": \"INV-A1\", \"amount\": {\"amount\": \"1100.00\","
        " \"currency\": \"USD\"}, \"reason\": \"bankrupt\","
        " \"date\": \"2026-12-29\"}";
    char path[64];
    const char *code;
    const char *field;
    int64_t id;
    resp r;

    r = call(U_COLL, "POST", "/writeOff", JSON_CT, wo);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    id = jint(r.json, "id");
    resp_free(&r);
    r = call(U_COLL, "POST", "/writeOff", JSON_CT, wo);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(jint(r.json, "id"), id);
    resp_free(&r);

    snprintf(path, sizeof(path), "/writeOff/%lld/approve", (long long)id);
    /* the requester may not approve their own */
    r = call(U_COLL, "POST", path, JSON_CT, "{}");
    problem(&r, &code, &field);
    ck_assert_msg(r.status == 409, "%d %s", r.status, r.body);
    ck_assert_str_eq(code, "own_request");
    resp_free(&r);
    /* the first approval is recorded, nothing posted */
    r = call(U_FINANCE, "POST", path, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert(json_is_false(json_object_get(r.json, "posted")));
    resp_free(&r);
    ck_assert_str_eq(balance_of(U_COLL, "invoiceNumber=INV-A1"), "1150.00");
    r = call(U_FINANCE, "POST", path, JSON_CT, "{}");
    problem(&r, &code, &field);
    ck_assert_msg(r.status == 409, "%d %s", r.status, r.body);
    ck_assert_str_eq(code, "second_approver_required");
    resp_free(&r);
    /* a coordinator may not approve at all */
    r = call(U_COORD, "POST", path, JSON_CT, "{}");
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    r = call(U_ADMIN, "POST", path, JSON_CT, "{}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert(json_is_true(json_object_get(r.json, "posted")));
    resp_free(&r);
    ck_assert_str_eq(balance_of(U_COLL, "invoiceNumber=INV-A1"), "50.00");
    ck_assert_str_eq(balance_of(U_COLL, "accountNumber=HTTP-A"), "850.00");

    r = call(U_FINANCE, "GET", "/writeOff?state=approved", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "firstApprover"), "fin");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "secondApprover"),
                     "admin");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "amount"), "1100.00");
    resp_free(&r);

    /* a small one, rejected with a note */
    r = call(U_COLL, "POST", "/writeOff", JSON_CT,
             "{\"invoiceNumber\": \"INV-B1\", \"amount\": {\"amount\":"
             " \"5.00\", \"currency\": \"USD\"}, \"reason\": \"rounding\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    snprintf(path, sizeof(path), "/writeOff/%lld/reject",
             (long long)jint(r.json, "id"));
    resp_free(&r);
    r = call(U_FINANCE, "POST", path, JSON_CT, "{\"note\": \"collect it\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/writeOff?state=rejected", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    resp_free(&r);
    ck_assert_str_eq(balance_of(U_COLL, "invoiceNumber=INV-B1"), "500.00");
}
END_TEST

/* ---- row-level security ---- */

START_TEST(an_account_executive_sees_only_their_accounts)
{
    static const char *const theirs[] = {"/ledger?accountNumber=HTTP-B",
                                         "/ledger/balance?accountNumber=HTTP-B",
                                         "/ledger/balance?invoiceNumber=INV-B1",
                                         "/payment?accountNumber=HTTP-B",
                                         "/account/HTTP-B/paymentStatus",
                                         NULL};
    resp r;
    int i;

    for (i = 0; theirs[i] != NULL; i++) {
        r = call(U_AE1, "GET", theirs[i], NULL, NULL);
        ck_assert_msg(r.status == 404, "%s: %d %s", theirs[i], r.status,
                      r.body);
        resp_free(&r);
        r = call(U_AE2, "GET", theirs[i], NULL, NULL);
        ck_assert_msg(r.status == 200, "%s: %d %s", theirs[i], r.status,
                      r.body);
        resp_free(&r);
    }
    ck_assert_str_eq(balance_of(U_AE1, "accountNumber=HTTP-A"), "1950.00");
    ck_assert_str_eq(balance_of(U_AGENT, "invoiceNumber=INV-A1"), "1150.00");
    r = call(U_AE1, "GET", "/ledger?accountNumber=HTTP-A", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 2);
    resp_free(&r);
    /* and cannot write */
    r = call(U_AE1, "POST", "/ledgerDocument", JSON_CT, "{}");
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
}
END_TEST

/* ---- statements ---- */

START_TEST(statements_as_json_csv_and_html)
{
    char ct[128];
    resp r;

    r = call(U_COLL, "POST", "/ledgerDocument", JSON_CT,
             "{\"kind\": \"debit_memo\", \"accountNumber\": \"HTTP-A\","
             " \"amount\": {\"amount\": \"12.34\", \"currency\": \"USD\"},"
             " \"date\": \"2026-12-10\", \"reference\": \"DM-1\","
             " \"reason\": \"late fee <b>\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);

    r = call(U_AE1, "GET", "/statement?accountNumber=HTTP-A&asOf=2026-12-30",
             NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "from"), "2026-12-01");
    ck_assert_str_eq(amt(r.json, "opening"), "1950.00");
    ck_assert_str_eq(amt(r.json, "debits"), "12.34");
    ck_assert_str_eq(amt(r.json, "closing"), "1962.34");
    ck_assert_int_eq(json_array_size(json_object_get(r.json, "entries")), 1);
    resp_free(&r);

    r = call(U_FINANCE, "GET",
             "/statement?accountNumber=HTTP-A&asOf=2026-12-30&format=csv", NULL,
             NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(header(&r, "Content-Type", ct, sizeof(ct)));
    ck_assert_msg(strncmp(ct, "text/csv", 8) == 0, "%s", ct);
    ck_assert_ptr_nonnull(strstr(r.body, "account,currency,section,"));
    ck_assert_ptr_nonnull(
        strstr(r.body, "HTTP-A,USD,entry,2026-12-10,debit_memo,DM-1,,12.34,"
                       "1962.34\n"));
    ck_assert_ptr_nonnull(
        strstr(r.body, "HTTP-A,USD,total,2026-12-30,closing,,,1962.34,\n"));
    resp_free(&r);

    r = call(U_FINANCE, "GET",
             "/statement?accountNumber=HTTP-A&asOf=2026-12-30&format=html",
             NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(header(&r, "Content-Type", ct, sizeof(ct)));
    ck_assert_msg(strncmp(ct, "text/html", 9) == 0, "%s", ct);
    ck_assert_ptr_nonnull(strstr(r.body, "<!DOCTYPE html>"));
    ck_assert_ptr_nonnull(strstr(r.body, "<td>1962.34</td>"));
    resp_free(&r);

    r = call(U_FINANCE, "GET", "/statement?accountNumber=HTTP-A&format=pdf",
             NULL, NULL);
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    r = call(U_AE2, "GET", "/statement?accountNumber=HTTP-A&format=csv", NULL,
             NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);

    /* resends: once per account, statement date and day */
    r = call(U_COLL, "POST", "/statement/resend", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"asOf\": \"2026-12-30\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_COLL, "POST", "/statement/resend", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"asOf\": \"2026-12-30\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_COLL, "POST", "/statement/resend", JSON_CT,
             "{\"invoiceNumber\": \"INV-B1\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_COLL, "POST", "/statement/resend", JSON_CT, "{}");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.contact"), 2);

    /* the month's summary, all in USD */
    r = call(U_FINANCE, "GET", "/statement/summary?month=2026-12&base=USD",
             NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(amt(json_object_get(r.json, "portfolio"), "closing"),
                     "2462.34");
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/statement/summary?month=2026-13", NULL, NULL);
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
}
END_TEST

/* ---- FX ---- */

START_TEST(fx_rates_load_once_by_finance)
{
    static const char rate[] = "{\"from\": \"CAD\", \"to\": \"USD\","
                               " \"effectiveDate\": \"2026-12-01\","
                               " \"rate\": \"0.730000\"}";
    resp r;

    r = call(U_FINANCE, "POST", "/fxRate", JSON_CT, rate);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_ADMIN, "POST", "/fxRate", JSON_CT, rate);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/fxRate", JSON_CT,
             "{\"from\": \"CAD\", \"to\": \"USD\","
             " \"effectiveDate\": \"2026-12-01\", \"rate\": \"0.740000\"}");
    ck_assert_msg(r.status == 409, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/fxRate", JSON_CT,
             "{\"from\": \"CAD\", \"to\": \"USD\","
             " \"effectiveDate\": \"2026-12-02\", \"rate\": \"0.7300001\"}");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    r = call(U_COLL, "POST", "/fxRate", JSON_CT, rate);
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    r = call(U_COLL, "GET", "/fxRate", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "rate"), "0.730000");
    resp_free(&r);
}
END_TEST

/* ---- credit ---- */

START_TEST(credit_files_deposits_and_masked_payment_methods)
{
    char path[64];
    resp r;

    r = call(U_COLL, "POST", "/paymentMethod", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"kind\": \"card\","
             " \"number\": \"4111 1111 1111 1234\", \"label\": \"corp\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert_ptr_null(strstr(r.body, "4111"));
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/paymentMethod?accountNumber=HTTP-A", NULL,
             NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "last4"), "1234");
    ck_assert_ptr_null(strstr(r.body, "4111"));
    resp_free(&r);

    r = call(U_COLL, "POST", "/deposit", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"amount\": {\"amount\":"
             " \"250.00\", \"currency\": \"USD\"}, \"reason\": \"risk\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    snprintf(path, sizeof(path), "/deposit/%lld/receive",
             (long long)jint(r.json, "id"));
    resp_free(&r);
    r = call(U_COLL, "POST", path, NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/deposit?accountNumber=HTTP-A", NULL, NULL);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "state"), "received");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "amount"), "250.00");
    resp_free(&r);

    r = call(U_COLL, "POST", "/escalation", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"level\": \"supervisor\","
             " \"reason\": \"120 days\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_COLL, "POST", "/escalation", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"level\": \"boss\","
             " \"reason\": \"x\"}");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/escalation?accountNumber=HTTP-A", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "level"), "supervisor");
    resp_free(&r);

    r = call(U_COLL, "POST", "/creditInquiry", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"bureau\": \"Equifax\","
             " \"outcome\": \"review\", \"score\": 610}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_COLL, "POST", "/creditInquiry", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"bureau\": \"Equifax\","
             " \"outcome\": \"review\", \"score\": 1001}");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);

    /* INV-A2 is 120 days past due: HTTP-A is a credit risk */
    r = call(U_FINANCE, "GET", "/creditRisk?asOf=2026-12-30", NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_ge(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-A");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "over90"), "800.00");
    ck_assert(json_is_true(
        json_object_get(json_array_get(r.json, 0), "depositReceived")));
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/account/incomplete?asOf=2026-12-30", NULL,
             NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert(json_is_array(r.json));
    resp_free(&r);
}
END_TEST

START_TEST(an_adjustment_moves_the_balance_a_bad_transfer_nothing)
{
    resp r;

    r = call(U_COLL, "POST", "/ledgerDocument", JSON_CT,
             "{\"kind\": \"adjustment\", \"accountNumber\": \"HTTP-B\","
             " \"invoiceNumber\": \"INV-B1\", \"amount\": {\"amount\":"
             " \"-0.01\", \"currency\": \"USD\"}, \"reference\": \"ADJ-1\","
             " \"reason\": \"rounding\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert_str_eq(amt(r.json, "ledgerAmount"), "-0.01");
    resp_free(&r);
    ck_assert_str_eq(balance_of(U_COLL, "invoiceNumber=INV-B1"), "499.99");

    r = call(U_COLL, "POST", "/ledgerDocument", JSON_CT,
             "{\"kind\": \"transfer\", \"accountNumber\": \"HTTP-B\","
             " \"toAccount\": \"HTTP-C\", \"amount\": {\"amount\":"
             " \"99.99\", \"currency\": \"USD\"}, \"reference\": \"TR-1\","
             " \"reason\": \"moved\"}");
    /* HTTP-C belongs to another customer */
    ck_assert_msg(r.status == 400, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "field"), "toAccount");
    resp_free(&r);
    ck_assert_str_eq(balance_of(U_COLL, "accountNumber=HTTP-B"), "499.99");
    ck_assert_str_eq(balance_of(U_COLL, "accountNumber=HTTP-C"), "0.00");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_acct");
    TCase *tc = tcase_create("http_acct");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, payments_listed_one_by_one_and_status);
    tcase_add_test(tc,
                   credit_memo_lowers_the_invoice_and_reposts_are_idempotent);
    tcase_add_test(tc, a_refund_names_the_payment_it_returns);
    tcase_add_test(tc, bad_ledger_input_is_refused_with_field_paths);
    tcase_add_test(tc, a_large_write_off_needs_two_approvers_not_the_requester);
    tcase_add_test(tc, an_account_executive_sees_only_their_accounts);
    tcase_add_test(tc, an_adjustment_moves_the_balance_a_bad_transfer_nothing);
    tcase_add_test(tc, statements_as_json_csv_and_html);
    tcase_add_test(tc, fx_rates_load_once_by_finance);
    tcase_add_test(tc, credit_files_deposits_and_masked_payment_methods);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
