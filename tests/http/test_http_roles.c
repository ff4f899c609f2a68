/*
 * Every route of the API, called by every role and by nobody, through
 * real HTTP on loopback: a route answers a role it does not allow with
 * 403 before doing anything, a caller without credentials with 401, and
 * a role it allows with anything but 401, 403 or a server error (the
 * path's ids name nothing and the bodies are empty objects, so most
 * answers are 400, 404 or 422: what matters is who gets through).
 *
 * The table walked is the server's own route table, the one /openapi.json
 * is made from, so a route added later is covered without a line here.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "common/json.h"
#include "server/server.h"
#include "server/server_internal.h"
#include "tests/http/http_client.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static srv_server *srv;

static const struct {
    const char *name;
    const char *role;
    const char *person;
    unsigned bit;
} users[] = {{"coord", "coordinator", NULL, SRV_R_COORD},
             {"ae1", "account_executive", "AE1", SRV_R_AE},
             {"agent1", "agent", "AG1", SRV_R_AGENT},
             {"fin", "finance", NULL, SRV_R_FINANCE},
             {"coll", "collections", NULL, SRV_R_COLL},
             {"admin", "admin", NULL, SRV_R_ADMIN}};
#define N_USERS (sizeof(users) / sizeof(users[0]))
static char tokens[N_USERS][65];

static void setup(void)
{
    tl_err err = TL_ERR_INIT;
    srv_config cfg;
    srv_user_t u;
    int64_t pid;
    int created;
    size_t i;

    db = tl_test_db_open();
    tl_fx_catalog(db);
    tl_fx_account(db, "ROLE-A", 1, 100);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AE1", "Ann Exec", "ae", &err), 0);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AG1", "Summit Partners", "agent", &err),
        0);
    for (i = 0; i < N_USERS; i++) {
        ck_assert_msg(srv_user_add(&u, &created, db, users[i].name,
                                   users[i].role, users[i].person, NULL, "test",
                                   &err) == 0,
                      "user %s: %s", users[i].name, err.message);
        ck_assert_msg(srv_user_token(tokens[i], sizeof(tokens[i]), db,
                                     users[i].name, "test", "test", &err) == 0,
                      "token %s: %s", users[i].name, err.message);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen_addr = "127.0.0.1";
    cfg.port = 0;
    cfg.pool = 2;
    cfg.conninfo = tl_test_db_conninfo();
    cfg.max_body = 64 * 1024;
    cfg.today = tl_fx_received();
    ck_assert_msg(srv_start(&srv, &cfg, &err) == 0, "start: %s", err.message);
    http_client_port(srv_port(srv));
    tl_err_clear(&err);
}

static void teardown(void)
{
    srv_stop(srv, 5000);
    srv = NULL;
    tl_test_db_close(db);
    db = NULL;
}

/* The route's path with every {parameter} replaced by "0". */
static void concrete_path(char *out, size_t size, const char *pattern)
{
    size_t n = 0;
    const char *p;

    for (p = pattern; *p != '\0' && n + 2 < size; p++) {
        if (*p == '{') {
            while (*p != '\0' && *p != '}')
                p++;
            out[n++] = '0';
            if (*p == '\0')
                break;
            continue;
        }
        out[n++] = *p;
    }
    out[n] = '\0';
}

static int has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
           strcmp(method, "PATCH") == 0;
}

START_TEST(every_route_admits_its_roles_and_refuses_the_others)
{
    const srv_route *route;
    int routes = 0;
    int refused = 0;
    int admitted = 0;
    char path[256];
    size_t i;

    for (route = srv_route_table; route->method != NULL; route++) {
        const char *body = has_body(route->method) ? "{}" : NULL;
        const char *extra = body != NULL ? JSON_CT : NULL;
        resp r;

        routes++;
        concrete_path(path, sizeof(path), route->path);
        if (route->roles != SRV_R_PUBLIC) {
            r = http_raw(route->method, path, NULL, extra, body);
            ck_assert_msg(r.status == 401, "%s %s without credentials: %d",
                          route->method, route->path, r.status);
            resp_free(&r);
        }
        for (i = 0; i < N_USERS; i++) {
            int allowed = route->roles == SRV_R_PUBLIC ||
                          (route->roles & users[i].bit) != 0;

            r = http_bearer(tokens[i], route->method, path, extra, body);
            if (allowed) {
                ck_assert_msg(
                    r.status != 401 && r.status != 403 && r.status < 500,
                    "%s %s as %s (allowed): %d %s", route->method, route->path,
                    users[i].role, r.status, r.body ? r.body : "");
                admitted++;
            } else {
                ck_assert_msg(r.status == 403, "%s %s as %s (refused): %d",
                              route->method, route->path, users[i].role,
                              r.status);
                ck_assert_str_eq(jstr(r.json, "code"), "forbidden");
                refused++;
            }
            resp_free(&r);
        }
    }
    /* the table is the API: dozens of routes, each role somewhere refused */
    ck_assert_int_gt(routes, 60);
    ck_assert_int_gt(refused, 100);
    ck_assert_int_gt(admitted, 100);
}
END_TEST

int main(void)
{
    Suite *s;
    TCase *tc = tcase_create("http_roles");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, every_route_admits_its_roles_and_refuses_the_others);
    s = suite_create("http_roles");
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
