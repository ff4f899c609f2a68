/*
 * The book the collections and ledger HTTP suites share: accounts HTTP-A
 * (account executive AE1, agent AG1), HTTP-B (AE2) and HTTP-C (nobody's);
 * one user per role with a token; final invoices posted to the ledger
 * (USD): INV-A1 1150.00 due 2026-12-01 and INV-A2 800.00 due 2026-09-01 on
 * HTTP-A, INV-B1 500.00 due 2026-12-15 on HTTP-B, each issued 30 days
 * before it is due; and the server in-process on an ephemeral port, its
 * business day 2026-12-30.
 */
#ifndef TL_HTTP_BOOK_H
#define TL_HTTP_BOOK_H

#include <stdint.h>

#include "server/server.h"
#include "tests/http/http_client.h"

enum { U_COORD, U_AE1, U_AE2, U_AGENT, U_FINANCE, U_COLL, U_ADMIN, U_N };

/* The users, by the U_* above. */
extern const struct http_book_user {
    const char *name;
    const char *role;
    const char *person;
} users[U_N];

/* Opens a fresh database with the book and starts the server on it. */
void http_book_open(tl_db **db, srv_server **srv);

/* Stops the server and drops the database; both set to NULL. */
void http_book_close(tl_db **db, srv_server **srv);

/* A final invoice of the account posted to the ledger: total in cents,
 * due on the given day (YYYY-MM-DD), issued 30 days before. */
void http_book_invoice(tl_db *db, const char *account, const char *number,
                       int64_t total, const char *due);

/* A request as one of the users (Bearer token). */
resp call(int user, const char *method, const char *path, const char *extra,
          const char *body);

/* The "amount" member of an object member: {"x": {"amount": "1.00"}}. */
const char *amt(const json_t *v, const char *key);

/* An integer member (0 when absent). */
int64_t jint(const json_t *v, const char *key);

#endif
