/*
 * The shared book of the collections and ledger HTTP suites (see
 * http_book.h).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "tests/http/http_book.h"
#include "tests/support/fixtures.h"
#include "tests/support/ledger_fixtures.h"
#include "tests/support/testdb.h"

const struct http_book_user users[U_N] = {{"coord", "coordinator", NULL},
                                          {"ae1", "account_executive", "AE1"},
                                          {"ae2", "account_executive", "AE2"},
                                          {"agent1", "agent", "AG1"},
                                          {"fin", "finance", NULL},
                                          {"coll", "collections", NULL},
                                          {"admin", "admin", NULL}};
static char tokens[U_N][65];

resp call(int user, const char *method, const char *path, const char *extra,
          const char *body)
{
    return http_bearer(tokens[user], method, path, extra, body);
}

const char *amt(const json_t *v, const char *key)
{
    return jstr(json_object_get(v, key), "amount");
}

int64_t jint(const json_t *v, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(v, key));
}

void http_book_invoice(tl_db *db, const char *account, const char *number,
                       int64_t total, const char *due)
{
    tl_err err = TL_ERR_INIT;
    accounts_account_t a;
    tl_date d = 0;
    char issue[16];

    ck_assert_int_eq(tl_date_parse(&d, due), 0);
    tl_date_format(issue, sizeof(issue), tl_date_add_days(d, -30));
    ck_assert_msg(accounts_get(&a, db, account, &err) == 0, "%s: %s", account,
                  err.message);
    tl_fx_ledger_invoice(db, a.account_id, number, issue, total, "USD");
    tl_err_clear(&err);
}

static void people(tl_db *db, tl_err *err)
{
    int64_t pid;
    int changed;

    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AE1", "Ann Exec", "ae", err), 0);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AE2", "Bob Exec", "ae", err), 0);
    ck_assert_int_eq(
        accounts_person_put(&pid, db, "AG1", "Summit Partners", "agent", err),
        0);
    ck_assert_int_eq(accounts_assign(&changed, db, "HTTP-A", "ae", "AE1",
                                     tl_fx_received() - 30, "test", err),
                     0);
    ck_assert_int_eq(accounts_assign(&changed, db, "HTTP-A", "agent", "AG1",
                                     tl_fx_received() - 30, "test", err),
                     0);
    ck_assert_int_eq(accounts_assign(&changed, db, "HTTP-B", "ae", "AE2",
                                     tl_fx_received() - 30, "test", err),
                     0);
}

void http_book_open(tl_db **db_out, srv_server **srv_out)
{
    tl_err err = TL_ERR_INIT;
    srv_config cfg;
    srv_user_t u;
    int created;
    tl_db *db;
    int i;

    db = tl_test_db_open();
    tl_fx_catalog(db);
    tl_fx_account(db, "HTTP-A", 1, 100);
    tl_fx_account(db, "HTTP-B", 1, 200);
    tl_fx_account(db, "HTTP-C", 1, 300);
    people(db, &err);
    for (i = 0; i < U_N; i++) {
        int rc = srv_user_add(&u, &created, db, users[i].name, users[i].role,
                              users[i].person, NULL, "test", &err);
        ck_assert_msg(rc == 0, "user %s: %s", users[i].name, err.message);
        rc = srv_user_token(tokens[i], sizeof(tokens[i]), db, users[i].name,
                            "test", "test", &err);
        ck_assert_msg(rc == 0, "token %s: %s", users[i].name, err.message);
    }
    http_book_invoice(db, "HTTP-A", "INV-A1", 115000, "2026-12-01");
    http_book_invoice(db, "HTTP-A", "INV-A2", 80000, "2026-09-01");
    http_book_invoice(db, "HTTP-B", "INV-B1", 50000, "2026-12-15");
    memset(&cfg, 0, sizeof(cfg));
    cfg.listen_addr = "127.0.0.1";
    cfg.port = 0;
    cfg.pool = 2;
    cfg.conninfo = tl_test_db_conninfo();
    cfg.max_body = 16 * 1024;
    cfg.max_file_body = 64 * 1024;
    ck_assert_int_eq(tl_date_parse(&cfg.today, "2026-12-30"), 0);
    ck_assert_msg(srv_start(srv_out, &cfg, &err) == 0, "start: %s",
                  err.message);
    http_client_port(srv_port(*srv_out));
    tl_err_clear(&err);
    *db_out = db;
}

void http_book_close(tl_db **db, srv_server **srv)
{
    srv_stop(*srv, 5000);
    *srv = NULL;
    tl_test_db_close(*db);
    *db = NULL;
}
