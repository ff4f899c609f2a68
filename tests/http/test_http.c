/*
 * The HTTP API through real HTTP on loopback: each test starts the server
 * in-process on an ephemeral port against a fresh database and talks to it
 * with a small HTTP/1.1 client over a socket (Connection: close).
 *
 * The book: the DIA catalog; accounts HTTP-A (account executive AE1,
 * agent AG1) and HTTP-B (AE2); one user per role, each with a token.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "accounts/accounts.h"
#include "billing/document.h"
#include "common/json.h"
#include "provisioning/provisioning.h"
#include "server/server.h"
#include "tests/http/http_client.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static srv_server *srv;
static FILE *access_log;

enum { U_COORD, U_AE1, U_AE2, U_AGENT, U_FINANCE, U_COLL, U_ADMIN, U_N };
static const struct {
    const char *name;
    const char *role;
    const char *person;
} users[U_N] = {{"coord", "coordinator", NULL},
                {"ae1", "account_executive", "AE1"},
                {"ae2", "account_executive", "AE2"},
                {"agent1", "agent", "AG1"},
                {"fin", "finance", NULL},
                {"coll", "collections", NULL},
                {"admin", "admin", NULL}};
static char tokens[U_N][65];

static resp call(int user, const char *method, const char *path,
                 const char *extra, const char *body)
{
    return http_bearer(tokens[user], method, path, extra, body);
}

static char *order_body(const char *acct, const char *ext, int site)
{
    json_t *doc = tl_fx_order_doc(acct, ext, site);
    char *text = json_dumps(doc, JSON_COMPACT);

    json_decref(doc);
    return text;
}

/* Submits an order as the coordinator; returns its number (static). */
static const char *post_order(const char *acct, const char *ext, int site)
{
    static char number[32];
    char *body = order_body(acct, ext, site);
    resp r = call(U_COORD, "POST", "/productOrder", JSON_CT, body);

    free(body);
    ck_assert_msg(r.status == 201, "order: %d %s", r.status, r.body);
    snprintf(number, sizeof(number), "%s", jstr(r.json, "id"));
    resp_free(&r);
    return number;
}

/* ---- fixture ---- */

static void setup(void)
{
    tl_err err = TL_ERR_INIT;
    srv_config cfg;
    int64_t pid;
    int changed;
    srv_user_t u;
    int created;
    int i;

    db = tl_test_db_open();
    tl_fx_catalog(db);
    tl_fx_account(db, "HTTP-A", 1, 100);
    tl_fx_account(db, "HTTP-B", 1, 200);
    tl_fx_account(db, "HTTP-C", 1, 300);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AE1", "Ann Exec", "ae", &err), 0);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AE2", "Bob Exec", "ae", &err), 0);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AG1", "Summit Partners", "agent", &err),
        0);
    ck_assert_int_eq(accounts_assign(&changed, db, "HTTP-A", "ae", "AE1",
                                     tl_fx_received() - 30, "test", &err),
                     0);
    ck_assert_int_eq(accounts_assign(&changed, db, "HTTP-A", "agent", "AG1",
                                     tl_fx_received() - 30, "test", &err),
                     0);
    ck_assert_int_eq(accounts_assign(&changed, db, "HTTP-B", "ae", "AE2",
                                     tl_fx_received() - 30, "test", &err),
                     0);
    for (i = 0; i < U_N; i++) {
        int rc = srv_user_add(
            &u, &created, db, users[i].name, users[i].role, users[i].person,
            i == U_ADMIN ? "correct horse" : NULL, "test", &err);
        ck_assert_msg(rc == 0, "user %s: %s", users[i].name, err.message);
        rc = srv_user_token(tokens[i], sizeof(tokens[i]), db, users[i].name,
                            "test", "test", &err);
        ck_assert_msg(rc == 0, "token %s: %s", users[i].name, err.message);
    }
    access_log = tmpfile();
    ck_assert_ptr_nonnull(access_log);
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen_addr = "127.0.0.1";
    cfg.port = 0;
    cfg.pool = 2;
    cfg.conninfo = tl_test_db_conninfo();
    cfg.max_body = 64 * 1024;
    cfg.access_log = access_log;
    cfg.today = tl_fx_received();
    ck_assert_msg(srv_start(&srv, &cfg, &err) == 0, "start: %s", err.message);
    http_client_port(srv_port(srv));
    tl_err_clear(&err);
}

static void teardown(void)
{
    srv_stop(srv, 5000);
    srv = NULL;
    if (access_log != NULL)
        fclose(access_log);
    access_log = NULL;
    tl_test_db_close(db);
    db = NULL;
}

/* ---- rejects first ---- */

START_TEST(unauthenticated_and_bad_tokens_are_401)
{
    resp r = http_raw("GET", "/account", NULL, NULL, NULL);
    char buf[128];

    ck_assert_int_eq(r.status, 401);
    ck_assert_str_eq(jstr(r.json, "code"), "unauthorized");
    ck_assert_str_eq(header(&r, "Content-Type", buf, sizeof(buf)),
                     "application/problem+json");
    ck_assert_ptr_nonnull(header(&r, "WWW-Authenticate", buf, sizeof(buf)));
    resp_free(&r);

    r = http_raw("GET", "/account", "Bearer 00ff", NULL, NULL);
    ck_assert_int_eq(r.status, 401);
    resp_free(&r);

    /* Basic with the admin's password works; a wrong one does not. */
    r = http_raw("GET", "/account", "Basic YWRtaW46Y29ycmVjdCBob3JzZQ==", NULL,
                 NULL); /* admin:correct horse */
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    r = http_raw("GET", "/account", "Basic YWRtaW46d3Jvbmc=", NULL,
                 NULL); /* admin:wrong */
    ck_assert_int_eq(r.status, 401);
    resp_free(&r);

    /* A disabled user's token stops working. */
    {
        tl_err err = TL_ERR_INIT;
        ck_assert_int_eq(srv_user_disable(db, "fin", "test", &err), 0);
    }
    r = call(U_FINANCE, "GET", "/account", NULL, NULL);
    ck_assert_int_eq(r.status, 401);
    resp_free(&r);
}
END_TEST

START_TEST(bad_requests_are_problem_details_with_field_paths)
{
    static const struct {
        const char *method;
        const char *path;
        const char *extra;
        const char *body;
        int status;
        const char *code;
        const char *field; /* of errors[0], NULL: not checked */
    } cases[] = {
        {"POST", "/productOrder", JSON_CT, "{\"a\": ", 400, "json_syntax",
         NULL},
        {"POST", "/productOrder", JSON_CT, "[1, 2]", 400, "type", ""},
        {"POST", "/productOrder", JSON_CT, "{\"a\": 1, \"a\": 2}", 400,
         "json_syntax", NULL},
        {"POST", "/productOrder", "Content-Type: text/plain\r\n", "{}", 415,
         "media_type", "Content-Type"},
        {"POST", "/payment", JSON_CT,
         "{\"accountNumber\": \"HTTP-A\", \"amount\": {\"amount\": 100.5,"
         " \"currency\": \"USD\"}, \"receivedDate\": \"2026-11-02\","
         " \"reference\": \"W1\", \"method\": \"wire\"}",
         400, "type", "amount.amount"},
        {"POST", "/payment", JSON_CT,
         "{\"accountNumber\": 7, \"amount\": {\"amount\": \"1.00\","
         " \"currency\": \"USD\"}, \"receivedDate\": \"2026-13-02\","
         " \"reference\": \"W1\", \"method\": \"wire\", \"extra\": 1}",
         400, NULL, NULL},
        {"GET", "/productOrder?limit=0", NULL, NULL, 400, "range", "limit"},
        {"GET", "/productOrder?offset=x", NULL, NULL, 400, "range", "offset"},
        {"GET", "/nothing", NULL, NULL, 404, "no_route", NULL},
        {"DELETE", "/productOrder", NULL, NULL, 405, "method_not_allowed",
         NULL},
        {"GET", "/productOrder/SO-99999999", NULL, NULL, 404, NULL, NULL},
        {"GET", "/customerBill/INV-NOPE", NULL, NULL, 404, NULL, NULL},
        {"GET", "/orderQueue/nope", NULL, NULL, 404, NULL, NULL},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        resp r = call(U_ADMIN, cases[i].method, cases[i].path, cases[i].extra,
                      cases[i].body);
        char buf[128];

        ck_assert_msg(r.status == cases[i].status, "case %zu: %d %s", i,
                      r.status, r.body);
        ck_assert_str_eq(header(&r, "Content-Type", buf, sizeof(buf)),
                         "application/problem+json");
        ck_assert_int_eq(json_integer_value(json_object_get(r.json, "status")),
                         cases[i].status);
        if (cases[i].code != NULL)
            ck_assert_msg(strcmp(jstr(r.json, "code"), cases[i].code) == 0,
                          "case %zu: code %s", i, jstr(r.json, "code"));
        if (cases[i].field != NULL) {
            json_t *e0 = json_array_get(json_object_get(r.json, "errors"), 0);
            ck_assert_msg(e0 != NULL, "case %zu: no errors[]", i);
            ck_assert_str_eq(jstr(e0, "field"), cases[i].field);
        }
        resp_free(&r);
    }
    /* every problem of a bad payment, each with its path */
    {
        resp r = call(U_ADMIN, "POST", "/payment", JSON_CT, cases[5].body);
        json_t *errs = json_object_get(r.json, "errors");
        int seen_type = 0;
        int seen_date = 0;
        int seen_extra = 0;
        size_t k;

        for (k = 0; k < json_array_size(errs); k++) {
            const char *f = jstr(json_array_get(errs, k), "field");
            seen_type |= strcmp(f, "accountNumber") == 0;
            seen_date |= strcmp(f, "receivedDate") == 0;
            seen_extra |= strcmp(f, "extra") == 0;
        }
        ck_assert(seen_type && seen_date && seen_extra);
        resp_free(&r);
    }
    /* an invalid order: every problem with its JSON path */
    {
        resp r = call(U_COORD, "POST", "/productOrder", JSON_CT,
                      "{\"externalId\": \"X1\", \"billingAccount\":"
                      " {\"id\": \"HTTP-A\"}, \"productOrderItem\": []}");
        ck_assert_int_eq(r.status, 400);
        ck_assert_int_ge(json_array_size(json_object_get(r.json, "errors")), 1);
        resp_free(&r);
    }
}
END_TEST

START_TEST(oversize_bodies_are_413)
{
    size_t n = 64 * 1024 + 1;
    char *big = malloc(n + 1);
    resp r;

    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    r = call(U_COORD, "POST", "/productOrder", JSON_CT, big);
    ck_assert_int_eq(r.status, 413);
    ck_assert_str_eq(jstr(r.json, "code"), "too_large");
    resp_free(&r);
    free(big);
    /* just under the cap is parsed (and refused as an order) */
    big = malloc(64 * 1024 + 1);
    memset(big, ' ', 64 * 1024);
    big[0] = '{';
    big[64 * 1024 - 1] = '}';
    big[64 * 1024] = '\0';
    r = call(U_COORD, "POST", "/productOrder", JSON_CT, big);
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    free(big);
}
END_TEST

/* Each role's allowed and refused calls. */
START_TEST(roles_allow_and_refuse)
{
    static const struct {
        int user;
        const char *method;
        const char *path;
        int status;
    } cases[] = {
        {U_AE1, "POST", "/productOrder", 403},
        {U_AGENT, "POST", "/productOrder", 403},
        {U_FINANCE, "POST", "/productOrder", 403},
        {U_COLL, "POST", "/productOrder", 403},
        {U_AE1, "POST", "/payment", 403},
        {U_COORD, "POST", "/payment", 403},
        {U_AE1, "POST", "/cancelProductOrder", 403},
        {U_AE1, "PATCH", "/account/HTTP-A", 403},
        {U_FINANCE, "PATCH", "/account/HTTP-A", 403},
        {U_AE1, "GET", "/audit", 403},
        {U_AGENT, "GET", "/audit", 403},
        {U_COLL, "GET", "/audit", 403},
        {U_COORD, "GET", "/audit", 200},
        {U_FINANCE, "GET", "/audit", 200},
        {U_ADMIN, "GET", "/audit", 200},
        {U_AE1, "GET", "/account", 200},
        {U_AGENT, "GET", "/productOrder", 200},
        {U_COLL, "GET", "/aging", 200},
        {U_FINANCE, "GET", "/customerBill", 200},
        {U_AE1, "GET", "/orderQueue/pending_sales", 200},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        resp r =
            call(cases[i].user, cases[i].method, cases[i].path, JSON_CT, "{}");
        ck_assert_msg(r.status == cases[i].status, "case %zu (%s %s %s): %d %s",
                      i, users[cases[i].user].name, cases[i].method,
                      cases[i].path, r.status, r.body);
        if (r.status == 403)
            ck_assert_str_eq(jstr(r.json, "code"), "forbidden");
        resp_free(&r);
    }
}
END_TEST

/* ---- row-level security ---- */

START_TEST(account_executives_see_only_their_accounts)
{
    char number_a[32];
    char number_b[32];
    char path[96];
    char buf[64];
    PGresult *res;
    PGconn *pg;
    resp r;

    snprintf(number_a, sizeof(number_a), "%s",
             post_order("HTTP-A", "A-1", 100));
    snprintf(number_b, sizeof(number_b), "%s",
             post_order("HTTP-B", "B-1", 200));

    r = call(U_AE1, "GET", "/account/HTTP-B", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    r = call(U_AE1, "GET", "/account/HTTP-A", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "id"), "HTTP-A");
    resp_free(&r);
    r = call(U_AE1, "GET", "/account", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "1");
    resp_free(&r);
    r = call(U_ADMIN, "GET", "/account", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 3);
    resp_free(&r);

    /* orders: the other account's order is not there at all */
    snprintf(path, sizeof(path), "/productOrder/%s", number_b);
    r = call(U_AE1, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    r = call(U_AE2, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    r = call(U_AE1, "GET", "/productOrder", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "id"), number_a);
    resp_free(&r);
    /* the agent of record of HTTP-A sees it too */
    r = call(U_AGENT, "GET", "/productOrder", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    resp_free(&r);
    /* module code runs under the same policy: the queue of AE2 */
    r = call(U_AE2, "GET", "/orderQueue/pending_sales", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "id"), number_b);
    resp_free(&r);

    /* A raw SELECT under the session settings returns no rows of the
     * other account: the database enforces it, not the handlers. */
    pg = tl_db_pgconn(db);
    PQclear(PQexec(pg, "BEGIN"));
    res = PQexec(pg, "SELECT set_config('trunkline.role',"
                     " 'account_executive', true),"
                     " set_config('trunkline.person_ref', 'AE1', true),"
                     " set_config('role', 'trunkline_api', true)");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    PQclear(res);
    res = PQexec(pg, "SELECT (SELECT count(*) FROM accounts.billing_account"
                     " WHERE account_number = 'HTTP-B') AS b,"
                     " (SELECT count(*) FROM accounts.billing_account) AS all,"
                     " (SELECT count(*) FROM orders.sales_order) AS orders");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "0");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "1");
    ck_assert_str_eq(PQgetvalue(res, 0, 2), "1");
    PQclear(res);
    /* an unknown role fails closed */
    PQclear(PQexec(pg, "SELECT set_config('trunkline.role', 'nobody', true)"));
    res = PQexec(pg, "SELECT count(*) FROM accounts.billing_account");
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "0");
    PQclear(res);
    /* nor can it write into another account */
    PQclear(PQexec(pg, "SELECT set_config('trunkline.role',"
                       " 'account_executive', true)"));
    res = PQexec(pg, "UPDATE accounts.billing_account SET name = 'x'"
                     " WHERE account_number = 'HTTP-B'");
    ck_assert_str_eq(PQcmdTuples(res), "0");
    PQclear(res);
    PQclear(PQexec(pg, "ROLLBACK"));

    /* every customer-growing table is under the policy (a migration that
     * adds one calls api.protect_account_table) */
    res = PQexec(
        pg, "SELECT string_agg(c.table_schema || '.' || c.table_name, ', ')"
            " FROM information_schema.columns c"
            " JOIN pg_class k ON k.oid = (quote_ident(c.table_schema)"
            "  || '.' || quote_ident(c.table_name))::regclass"
            " WHERE c.column_name = 'account_id' AND k.relkind = 'r'"
            " AND c.data_type = 'bigint'"
            " AND c.table_schema NOT IN ('pg_catalog', 'information_schema',"
            "  'api')"
            " AND NOT (k.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policy"
            "  WHERE polrelid = k.oid AND polname = 'api_account_scope'))");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_msg(PQgetisnull(res, 0, 0), "tables without the policy: %s",
                  PQgetvalue(res, 0, 0));
    PQclear(res);
}
END_TEST

/* ---- productOrder ---- */

START_TEST(orders_are_created_read_patched_and_cancelled)
{
    char *body = order_body("HTTP-A", "EXT-1", 100);
    char number[32];
    char path[96];
    char etag[80];
    char created_etag[80];
    char hdr[160];
    char buf[160];
    resp r;

    r = call(U_COORD, "POST", "/productOrder", JSON_CT, body);
    ck_assert_int_eq(r.status, 201);
    ck_assert_ptr_nonnull(
        header(&r, "ETag", created_etag, sizeof(created_etag)));
    ck_assert_str_eq(jstr(r.json, "state"), "submitted");
    ck_assert_str_eq(jstr(r.json, "externalId"), "EXT-1");
    ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 1);
    snprintf(number, sizeof(number), "%s", jstr(r.json, "id"));
    ck_assert(strncmp(number, "SO-", 3) == 0);
    snprintf(path, sizeof(path), "/productOrder/%s", number);
    ck_assert_str_eq(header(&r, "Location", buf, sizeof(buf)), path);
    resp_free(&r);
    /* the same document again is the same order (intake's idempotency) */
    r = call(U_COORD, "POST", "/productOrder", JSON_CT, body);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "id"), number);
    resp_free(&r);
    free(body);

    r = call(U_AE1, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "requestedStartDate"),
                     "2026-11-10T00:00:00Z");
    ck_assert_ptr_nonnull(header(&r, "ETag", etag, sizeof(etag)));
    /* the new order's answer (made from the document received) is the
     * representation read back: same ETag, so it can go in If-Match */
    ck_assert_str_eq(etag, created_etag);
    resp_free(&r);

    /* a stale If-Match is 412 and changes nothing */
    r = call(U_COORD, "PATCH", path, JSON_CT "If-Match: \"0000\"\r\n",
             "{\"requestedStartDate\": \"2026-11-20T00:00:00Z\"}");
    ck_assert_int_eq(r.status, 412);
    ck_assert_str_eq(jstr(r.json, "code"), "precondition_failed");
    resp_free(&r);
    /* server fields cannot be patched */
    snprintf(hdr, sizeof(hdr), JSON_CT "If-Match: %s\r\n", etag);
    r = call(U_COORD, "PATCH", path, hdr, "{\"state\": \"completed\"}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(jstr(r.json, "field"), "state");
    resp_free(&r);
    /* the supplement: version 2 with the new date */
    r = call(U_COORD, "PATCH", path, hdr,
             "{\"requestedStartDate\": \"2026-11-20T00:00:00Z\","
             " \"reason\": \"customer asked for later\"}");
    ck_assert_msg(r.status == 200, "%s", r.body);
    ck_assert_int_eq(json_integer_value(json_object_get(r.json, "version")), 2);
    ck_assert_str_eq(jstr(r.json, "requestedStartDate"),
                     "2026-11-20T00:00:00Z");
    ck_assert_str_ne(header(&r, "ETag", buf, sizeof(buf)), etag);
    resp_free(&r);
    /* the old ETag no longer matches */
    r = call(U_COORD, "PATCH", path, hdr, "{\"reason\": \"again\"}");
    ck_assert_int_eq(r.status, 412);
    resp_free(&r);

    /* list with filters */
    r = call(U_COORD, "GET",
             "/productOrder?state=submitted&accountNumber=HTTP-A", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    resp_free(&r);
    r = call(U_COORD, "GET", "/productOrder?state=cancelled", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "0");
    resp_free(&r);

    /* cancel */
    snprintf(buf, sizeof(buf),
             "{\"productOrder\": {\"id\": \"%s\"},"
             " \"cancellationReason\": \"duplicate\"}",
             number);
    r = call(U_COORD, "POST", "/cancelProductOrder", JSON_CT, buf);
    ck_assert_msg(r.status == 201, "%s", r.body);
    ck_assert_str_eq(jstr(r.json, "state"), "done");
    resp_free(&r);
    r = call(U_COORD, "GET", path, NULL, NULL);
    ck_assert_str_eq(jstr(r.json, "state"), "cancelled");
    resp_free(&r);
    snprintf(buf, sizeof(buf), "%s/timeline", path);
    r = call(U_AE2, "GET", buf, NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    r = call(U_AE1, "GET", buf, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    snprintf(buf, sizeof(buf), "%s/history", path);
    r = call(U_AE1, "GET", buf, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(
        jstr(json_array_get(r.json, json_array_size(r.json) - 1), "to"),
        "cancelled");
    ck_assert_str_eq(
        jstr(json_array_get(r.json, json_array_size(r.json) - 1), "user"),
        "coord");
    resp_free(&r);

    /* the audit trail names the authenticated user for every change */
    snprintf(buf, sizeof(buf), "/audit?entity=order&entityKey=%s", number);
    r = call(U_ADMIN, "GET", buf, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_ge(json_array_size(r.json),
                     3); /* submit, supplement, cancel */
    {
        size_t k;
        for (k = 0; k < json_array_size(r.json); k++)
            ck_assert_str_eq(jstr(json_array_get(r.json, k), "user"), "coord");
    }
    resp_free(&r);
    r = call(U_ADMIN, "GET", "/audit?user=nobody", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    r = call(U_ADMIN, "GET", "/audit?from=2999-01-01", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    r = call(U_ADMIN, "GET", "/audit?from=nope", NULL, NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(jstr(r.json, "field"), "from");
    resp_free(&r);
}
END_TEST

START_TEST(lists_paginate_with_a_total)
{
    char buf[32];
    resp r;
    char first[32];

    post_order("HTTP-A", "P-1", 100);
    post_order("HTTP-C", "P-2", 300);
    snprintf(first, sizeof(first), "%s", post_order("HTTP-B", "P-3", 200));
    r = call(U_COORD, "GET", "/productOrder?limit=2", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 2);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "id"), first);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "3");
    resp_free(&r);
    r = call(U_COORD, "GET", "/productOrder?limit=2&offset=2", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "externalId"), "P-1");
    resp_free(&r);
    r = call(U_COORD, "GET", "/productOrder?offset=10", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "3");
    resp_free(&r);
    r = call(U_COORD, "GET", "/account?limit=1&offset=1", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "id"), "HTTP-B");
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "3");
    resp_free(&r);
}
END_TEST

/* ---- payments, idempotency keys, aging, accounts ---- */

START_TEST(idempotency_keys_replay_or_refuse)
{
    const char *pay = "{\"accountNumber\": \"HTTP-A\", \"amount\":"
                      " {\"amount\": \"1150.00\", \"currency\": \"USD\"},"
                      " \"receivedDate\": \"2026-11-02\","
                      " \"reference\": \"WIRE-1\", \"method\": \"wire\"}";
    const char *other = "{\"accountNumber\": \"HTTP-A\", \"amount\":"
                        " {\"amount\": \"99.99\", \"currency\": \"USD\"},"
                        " \"receivedDate\": \"2026-11-02\","
                        " \"reference\": \"WIRE-2\", \"method\": \"wire\"}";
    char *first;
    resp r;

    r = call(U_COLL, "POST", "/payment", JSON_CT "Idempotency-Key: k-1\r\n",
             pay);
    ck_assert_msg(r.status == 201, "%s", r.body);
    ck_assert_str_eq(jstr(json_object_get(r.json, "unapplied"), "amount"),
                     "1150.00");
    first = strdup(r.body);
    resp_free(&r);
    r = call(U_COLL, "POST", "/payment", JSON_CT "Idempotency-Key: k-1\r\n",
             pay);
    ck_assert_int_eq(r.status, 201);
    ck_assert_str_eq(r.body, first);
    resp_free(&r);
    free(first);
    r = call(U_COLL, "POST", "/payment", JSON_CT "Idempotency-Key: k-1\r\n",
             other);
    ck_assert_int_eq(r.status, 422);
    ck_assert_str_eq(jstr(r.json, "code"), "idempotency_key_reused");
    resp_free(&r);
    /* the query is part of the request too */
    r = call(U_COLL, "POST", "/payment?x=1", JSON_CT "Idempotency-Key: k-1\r\n",
             pay);
    ck_assert_int_eq(r.status, 422);
    resp_free(&r);
    /* keys are per user: another user's k-1 is a request of its own (the
     * bank reference makes it the same payment, answered 200) */
    r = call(U_FINANCE, "POST", "/payment", JSON_CT "Idempotency-Key: k-1\r\n",
             pay);
    ck_assert_int_eq(r.status, 200);
    ck_assert(json_is_false(json_object_get(r.json, "created")));
    resp_free(&r);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " collections.payment"),
                     1);
    /* one audit event, as the collector */
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'payment.post'"
                                     " AND actor = 'coll'"),
                     1);
    /* the aging shows the unapplied cash; an AE of another account does
     * not see it */
    r = call(U_FINANCE, "GET", "/aging?asOf=2026-11-30", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(
        jstr(json_object_get(json_array_get(r.json, 0), "unapplied"), "amount"),
        "1150.00");
    resp_free(&r);
    r = call(U_AE2, "GET", "/aging?asOf=2026-11-30", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    r = call(U_AE1, "GET", "/aging?asOf=2026-11-30", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    resp_free(&r);

    /* a key is kept 24 hours: after that the same key is a new request,
     * and the user's keys past their time are gone from the table */
    PQclear(PQexec(tl_db_pgconn(db),
                   "UPDATE api.idempotency_key"
                   " SET created_at = created_at - interval '25 hours'"));
    r = call(U_COLL, "POST", "/payment", JSON_CT "Idempotency-Key: k-1\r\n",
             other);
    ck_assert_msg(r.status == 201, "%s", r.body);
    ck_assert_str_eq(jstr(json_object_get(r.json, "unapplied"), "amount"),
                     "99.99");
    resp_free(&r);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " collections.payment"),
                     2);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM api.idempotency_key k"
                        " JOIN api.app_user u USING (user_id)"
                        " WHERE u.username = 'coll'"
                        " AND k.created_at > now() - interval '1 hour'"),
        1);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM api.idempotency_key k"
                        " JOIN api.app_user u USING (user_id)"
                        " WHERE u.username = 'coll'"),
        1);
}
END_TEST

START_TEST(accounts_are_loaded_once)
{
    const char *doc =
        "{\"customer\": {\"ref\": \"HTTP-D-CUST\", \"name\": \"Dock Co\","
        " \"kind\": \"enterprise\"},"
        " \"accounts\": [{\"accountNumber\": \"HTTP-D\","
        " \"name\": \"Dock Co\", \"currency\": \"USD\","
        " \"billCycleDay\": 1, \"paymentTermsDays\": 30}]}";
    resp r;

    r = call(U_AE1, "POST", "/account", JSON_CT, doc);
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    r = call(U_COORD, "POST", "/account", JSON_CT, doc);
    ck_assert_msg(r.status == 201, "%s", r.body);
    ck_assert_int_eq(
        json_integer_value(json_object_get(r.json, "accountsAdded")), 1);
    resp_free(&r);
    r = call(U_COORD, "POST", "/account", JSON_CT, doc);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(
        json_integer_value(json_object_get(r.json, "accountsAdded")), 0);
    resp_free(&r);
    r = call(U_COORD, "POST", "/account", JSON_CT,
             "{\"customer\": {\"ref\": \"x\"}, \"accounts\": [{}]}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_int_ge(json_array_size(json_object_get(r.json, "errors")), 2);
    resp_free(&r);
    /* nobody holds it: no account executive sees it */
    r = call(U_AE1, "GET", "/account/HTTP-D", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    r = call(U_ADMIN, "GET", "/audit?entity=customer&user=coord", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    resp_free(&r);
}
END_TEST

START_TEST(account_status_changes_need_a_current_etag)
{
    char etag[80];
    char hdr[160];
    resp r;

    r = call(U_COLL, "GET", "/account/HTTP-A", NULL, NULL);
    ck_assert_str_eq(jstr(r.json, "status"), "active");
    ck_assert_ptr_nonnull(header(&r, "ETag", etag, sizeof(etag)));
    resp_free(&r);
    r = call(U_COLL, "PATCH", "/account/HTTP-A",
             JSON_CT "If-Match: \"stale\"\r\n",
             "{\"status\": \"suspended\", \"reason\": \"unpaid\"}");
    ck_assert_int_eq(r.status, 412);
    resp_free(&r);
    snprintf(hdr, sizeof(hdr), JSON_CT "If-Match: %s\r\n", etag);
    r = call(U_COLL, "PATCH", "/account/HTTP-A", hdr,
             "{\"status\": 3, \"reason\": \"unpaid\"}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(jstr(r.json, "field"), "status");
    resp_free(&r);
    r = call(U_COLL, "PATCH", "/account/HTTP-A", hdr,
             "{\"status\": \"suspended\", \"reason\": \"unpaid\"}");
    ck_assert_msg(r.status == 200, "%s", r.body);
    ck_assert_str_eq(jstr(r.json, "status"), "suspended");
    resp_free(&r);
    /* suspending again: the module's conflict */
    r = call(U_COLL, "PATCH", "/account/HTTP-A", JSON_CT,
             "{\"status\": \"suspended\", \"reason\": \"unpaid\"}");
    ck_assert_int_eq(r.status, 409);
    resp_free(&r);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'accounts.status'"
                                     " AND actor = 'coll'"),
                     1);
}
END_TEST

/* ---- the OpenAPI document, health, access log ---- */

typedef struct route_seen {
    json_t *paths;
    int missing;
} route_seen;

static void check_documented(const char *method, const char *path,
                             const char *summary, void *cls)
{
    route_seen *s = cls;
    char m[8];
    size_t i;

    for (i = 0; method[i] != '\0' && i + 1 < sizeof(m); i++)
        m[i] = (char)(method[i] - 'A' + 'a');
    m[i] = '\0';
    if (json_object_get(json_object_get(s->paths, path), m) == NULL ||
        summary == NULL || summary[0] == '\0') {
        fprintf(stderr, "undocumented route: %s %s\n", method, path);
        s->missing++;
    }
}

START_TEST(openapi_documents_exactly_the_routes)
{
    route_seen s = {NULL, 0};
    const char *path;
    json_t *item;
    size_t ops = 0;
    size_t routes;
    resp r;

    r = http_raw("GET", "/openapi.json", NULL, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "openapi"), "3.0.3");
    s.paths = json_object_get(r.json, "paths");
    routes = srv_routes_each(check_documented, &s);
    ck_assert_int_eq(s.missing, 0);
    /* every documented operation is routed: it answers something other
     * than no_route / method_not_allowed */
    json_object_foreach(s.paths, path, item)
    {
        const char *method;
        json_t *op;

        json_object_foreach(item, method, op)
        {
            char url[256];
            char up[8];
            size_t i;
            size_t o = 0;
            resp a;

            for (i = 0; path[i] != '\0' && o + 2 < sizeof(url); i++) {
                if (path[i] == '{') {
                    url[o++] = 'X';
                    while (path[i] != '}')
                        i++;
                } else {
                    url[o++] = path[i];
                }
            }
            url[o] = '\0';
            for (i = 0; method[i] != '\0' && i + 1 < sizeof(up); i++)
                up[i] = (char)(method[i] - 'a' + 'A');
            up[i] = '\0';
            ck_assert_ptr_nonnull(json_object_get(op, "summary"));
            ck_assert_ptr_nonnull(json_object_get(op, "responses"));
            a = call(U_ADMIN, up, url, JSON_CT, "{}");
            ck_assert_msg(a.status != 405 &&
                              !(a.status == 404 &&
                                strcmp(jstr(a.json, "code"), "no_route") == 0),
                          "%s %s documented but not routed: %d %s", up, url,
                          a.status, a.body);
            resp_free(&a);
            ops++;
        }
    }
    ck_assert_int_eq(ops, routes);
    resp_free(&r);
}
END_TEST

START_TEST(health_and_access_log)
{
    char line[512];
    int found = 0;
    resp r = http_raw("GET", "/health", NULL, NULL, NULL);

    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "db"), "ok");
    resp_free(&r);
    r = call(U_AE1, "GET", "/account", NULL, NULL);
    resp_free(&r);
    /* the log line is written when the request completes: stop first */
    srv_stop(srv, 5000);
    srv = NULL;
    rewind(access_log);
    while (fgets(line, sizeof(line), access_log) != NULL) {
        json_t *j = json_loads(line, 0, NULL);
        ck_assert_ptr_nonnull(j);
        ck_assert_ptr_nonnull(json_object_get(j, "time"));
        ck_assert_ptr_nonnull(json_object_get(j, "duration_us"));
        if (strcmp(jstr(j, "path"), "/account") == 0) {
            ck_assert_str_eq(jstr(j, "method"), "GET");
            ck_assert_str_eq(jstr(j, "user"), "ae1");
            ck_assert_int_eq(json_integer_value(json_object_get(j, "status")),
                             200);
            found = 1;
        }
        json_decref(j);
    }
    ck_assert(found);
}
END_TEST

START_TEST(bill_runs_reports_and_reads)
{
    char path[96];
    char buf[64];
    resp r;
    int64_t id;

    tl_fx_contract(db, "HTTP-A", "2026-01-01", "1150.00");
    /* a bill run of a cycle with nothing to bill: preview, get, approve */
    r = call(U_AE1, "POST", "/billRun", JSON_CT, "{}");
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/billRun", JSON_CT,
             "{\"cycleDay\": 40, \"month\": \"2026-1\"}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_int_eq(json_array_size(json_object_get(r.json, "errors")), 3);
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/billRun", JSON_CT,
             "{\"cycleDay\": 15, \"month\": \"2026-12\","
             " \"issueDate\": \"2026-12-15\"}");
    ck_assert_msg(r.status == 201, "%s", r.body);
    ck_assert_str_eq(jstr(r.json, "status"), "preview");
    ck_assert_str_eq(jstr(r.json, "periodStart"), "2026-12-15");
    id = json_integer_value(json_object_get(r.json, "id"));
    ck_assert_str_eq(header(&r, "Location", buf, sizeof(buf)),
                     jstr(r.json, "href"));
    resp_free(&r);
    snprintf(path, sizeof(path), "/billRun/%lld", (long long)id);
    r = call(U_ADMIN, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(
        json_integer_value(json_object_get(r.json, "invoiceCount")), 0);
    resp_free(&r);
    snprintf(path, sizeof(path), "/billRun/%lld/approve", (long long)id);
    r = call(U_FINANCE, "POST", path, JSON_CT, "{}");
    ck_assert_msg(r.status == 200, "%s", r.body);
    ck_assert_str_eq(jstr(r.json, "status"), "approved");
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/billRun/x", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);

    /* contracts through the module, under RLS */
    r = call(U_AE1, "GET", "/contract/HTTP-A/HTTP-A-MSA", NULL, NULL);
    ck_assert_msg(r.status == 200, "%s", r.body);
    resp_free(&r);
    r = call(U_AE2, "GET", "/contract/HTTP-A/HTTP-A-MSA", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);

    /* reports and audits answer; their refusals */
    r = call(U_FINANCE, "GET", "/report/finance?from=2026-11&to=2026-12", NULL,
             NULL);
    ck_assert_msg(r.status == 200, "%s", r.body);
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/report/finance?from=2026-13", NULL, NULL);
    ck_assert_int_eq(r.status, 400);
    ck_assert_int_eq(json_array_size(json_object_get(r.json, "errors")), 2);
    resp_free(&r);
    r = call(U_COORD, "GET", "/report/reconciliation?asOf=2026-11-30", NULL,
             NULL);
    ck_assert_msg(r.status == 200, "%s", r.body);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    r = call(U_COORD, "GET", "/serviceCodeAudit", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/salesAudit?since=2026-10-01", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    r = call(U_AE1, "GET", "/salesAudit", NULL, NULL);
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    r = call(U_COORD, "GET", "/equipment", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    r = call(U_AGENT, "GET", "/equipment", NULL, NULL);
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    r = call(U_COORD, "GET", "/service/NOPE", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/commissionStatement/AG1/2026-11", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
}
END_TEST

/* An accepted DIA service on HTTP-A billed through the API, read back as
 * TMF678 customer bills, under row-level security. */
START_TEST(customer_bills_of_a_bill_run)
{
    provisioning_service_t svc;
    orders_order_t o;
    tl_err err = TL_ERR_INIT;
    json_t *biller = NULL;
    char circuit[48];
    char path[96];
    char want[64];
    char buf[32];
    PGresult *res;
    int changed = 0;
    int64_t id;
    resp r;

    tl_fx_contract(db, "HTTP-A", "2026-10-01", "1150.00");
    o = tl_fx_order(db, "HTTP-A", "EXT-9", 100);
    ck_assert_str_eq(o.state, "in_provisioning");
    res =
        PQexec(tl_db_pgconn(db), "SELECT circuit_id FROM provisioning.service");
    ck_assert_int_eq(PQntuples(res), 1);
    snprintf(circuit, sizeof(circuit), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "installed",
                                      tl_fx_received() + 8, "test", &err),
        0);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      tl_fx_received() + 12, "test", &err),
        0);
    ck_assert_int_eq(tl_json_load_file(&biller,
                                       TL_SOURCE_DIR "/demo/biller.json",
                                       TL_JSON_MAX_BYTES, &err),
                     0);
    ck_assert_int_eq(billing_biller_load(&changed, db, biller, "test", &err),
                     0);
    json_decref(biller);

    /* the implementation timeline, as the account executive sees it */
    snprintf(path, sizeof(path), "/productOrder/%s/timeline", o.order_number);
    r = call(U_AE1, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    {
        size_t k;
        int installed = 0;
        for (k = 0; k < json_array_size(r.json); k++) {
            json_t *m = json_array_get(r.json, k);
            if (strcmp(jstr(m, "milestone"), "installed") == 0) {
                ck_assert_str_eq(jstr(m, "actual"), "2026-11-10");
                ck_assert_str_eq(jstr(m, "circuitId"), circuit);
                installed = 1;
            }
        }
        ck_assert(installed);
    }
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/billRun", JSON_CT,
             "{\"cycleDay\": 1, \"month\": \"2026-11\","
             " \"issueDate\": \"2026-11-20\"}");
    ck_assert_msg(r.status == 201, "%s", r.body);
    ck_assert_int_eq(
        json_integer_value(json_object_get(r.json, "invoiceCount")), 1);
    id = json_integer_value(json_object_get(r.json, "id"));
    resp_free(&r);
    /* nothing is a customer bill before approval */
    r = call(U_FINANCE, "GET", "/customerBill", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    snprintf(path, sizeof(path), "/billRun/%lld/approve", (long long)id);
    r = call(U_FINANCE, "POST", path, JSON_CT, "{}");
    ck_assert_msg(r.status == 200, "%s", r.body);
    resp_free(&r);

    r = call(U_AE1, "GET", "/customerBill", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "1");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "id"), "INV-00000001");
    ck_assert_str_eq(
        jstr(json_object_get(json_array_get(r.json, 0), "billingAccount"),
             "id"),
        "HTTP-A");
    snprintf(want, sizeof(want), "%s",
             jstr(json_object_get(json_array_get(r.json, 0), "amountDue"),
                  "amount"));
    resp_free(&r);
    r = call(U_AE2, "GET", "/customerBill", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    r = call(U_AE2, "GET", "/customerBill/INV-00000001", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    /* billing's own TMF678 rendering, money exactly as rendered */
    r = call(U_AE1, "GET", "/customerBill/INV-00000001", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "billNo"), "INV-00000001");
    ck_assert_msg(strstr(r.body, want) != NULL, "%s not in %s", want, r.body);
    resp_free(&r);
    /* the approval posted it: the aging shows it open */
    r = call(U_COLL, "GET", "/aging?asOf=2026-11-30", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(
        jstr(json_object_get(json_array_get(r.json, 0), "openTotal"), "amount"),
        want);
    resp_free(&r);
    tl_err_clear(&err);
}
END_TEST

START_TEST(customer_bills_list_empty_book)
{
    char buf[32];
    resp r = call(U_FINANCE, "GET", "/customerBill?accountNumber=HTTP-A", NULL,
                  NULL);

    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 0);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "0");
    resp_free(&r);
}
END_TEST

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static void *stop_server(void *cls)
{
    srv_stop(cls, 10000);
    return NULL;
}

/* A request whose body is still arriving when the server is told to stop
 * is answered; a new connection is refused. */
START_TEST(stop_finishes_requests_in_flight)
{
    struct sockaddr_in addr;
    pthread_t stopper;
    char head[512];
    char buf[4096];
    size_t len = 0;
    ssize_t n;
    int status = 0;
    int fd;
    int fd2;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(srv_port(srv));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    snprintf(head, sizeof(head),
             "POST /productOrder HTTP/1.1\r\nHost: localhost\r\n"
             "Connection: close\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n"
             "{\"a\":",
             tokens[U_COORD]);
    ck_assert_int_eq(send(fd, head, strlen(head), 0), (ssize_t)strlen(head));
    pause_ms(200);
    ck_assert_int_eq(pthread_create(&stopper, NULL, stop_server, srv), 0);
    pause_ms(300);
    /* the server no longer accepts */
    fd2 = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ne(connect(fd2, (struct sockaddr *)&addr, sizeof(addr)), 0);
    close(fd2);
    /* the rest of the body: the request is answered in full */
    ck_assert_int_eq(send(fd, " 1}  ", 5, 0), 5);
    while ((n = recv(fd, buf + len, sizeof(buf) - len - 1, 0)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fd);
    ck_assert_int_eq(sscanf(buf, "HTTP/1.1 %d", &status), 1);
    ck_assert_int_eq(status, 400);
    ck_assert_ptr_nonnull(strstr(buf, "application/problem+json"));
    ck_assert_int_eq(pthread_join(stopper, NULL), 0);
    srv = NULL;
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("http");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, unauthenticated_and_bad_tokens_are_401);
    tcase_add_test(tc, bad_requests_are_problem_details_with_field_paths);
    tcase_add_test(tc, oversize_bodies_are_413);
    tcase_add_test(tc, roles_allow_and_refuse);
    tcase_add_test(tc, account_executives_see_only_their_accounts);
    tcase_add_test(tc, orders_are_created_read_patched_and_cancelled);
    tcase_add_test(tc, lists_paginate_with_a_total);
    tcase_add_test(tc, idempotency_keys_replay_or_refuse);
    tcase_add_test(tc, account_status_changes_need_a_current_etag);
    tcase_add_test(tc, accounts_are_loaded_once);
    tcase_add_test(tc, openapi_documents_exactly_the_routes);
    tcase_add_test(tc, health_and_access_log);
    tcase_add_test(tc, customer_bills_list_empty_book);
    tcase_add_test(tc, bill_runs_reports_and_reads);
    tcase_add_test(tc, stop_finishes_requests_in_flight);
    tcase_add_test(tc, customer_bills_of_a_bill_run);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
