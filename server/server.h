/*
 * server: the HTTP API (`trunkline serve`) on libmicrohttpd and jansson,
 * and the users, roles and tokens it authenticates.
 *
 * Every request runs in one database transaction on a pooled connection
 * (one tl_db per request at a time, never shared) as the role
 * trunkline_api with trunkline.role and trunkline.person_ref set, so the
 * row-level security of migration 0090 confines account executives and
 * agents to their accounts in every query, the modules' included. The
 * routes call the same module functions the CLI calls; server/routes.c
 * holds the route table, from which /openapi.json is generated.
 */
#ifndef SERVER_H
#define SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"

/* ---- users (users.c) ---- */

/* Role names, as stored in api.app_user.role. */
#define SRV_ROLE_NAMES                                                         \
    "coordinator, account_executive, agent, finance, collections, admin"

/* True when role is one of SRV_ROLE_NAMES. */
int srv_role_known(const char *role);

typedef struct srv_user {
    int64_t user_id;
    char username[72];
    char role[24];
    char person_ref[72]; /* "" unless account_executive or agent */
    int disabled;
} srv_user_t;

/* Adds a user with a role; person_ref names the accounts.person whose
 * accounts an account executive or agent sees (NULL otherwise); password
 * NULL for a token-only user, else stored as an argon2id hash (libsodium
 * crypto_pwhash_str). Adding the same user again with the same role and
 * person changes nothing (*created 0); with others it is TL_EDUPLICATE.
 * TL_EINVALID for a bad name, role or missing person. Audited as actor. */
int srv_user_add(srv_user_t *out, int *created, tl_db *db, const char *username,
                 const char *role, const char *person_ref, const char *password,
                 const char *actor, tl_err *err);

/* Makes a new API token for a user: 32 random bytes (libsodium
 * randombytes_buf) written as 64 hex digits into token (size >= 65). Only
 * its SHA-256 is stored. TL_ENOTFOUND for an unknown or disabled user. */
int srv_user_token(char *token, size_t size, tl_db *db, const char *username,
                   const char *label, const char *actor, tl_err *err);

/* Disables a user (its tokens and password stop working). Disabling a
 * disabled user again is a no-op. TL_ENOTFOUND for an unknown user. */
int srv_user_disable(tl_db *db, const char *username, const char *actor,
                     tl_err *err);

/* Calls fn for each user by name. Returns the number of users. */
typedef int (*srv_user_fn)(const srv_user_t *user, void *cls, tl_err *err);
int srv_user_list(tl_db *db, srv_user_fn fn, void *cls, tl_err *err);

/* Finds the enabled user a bearer token belongs to. TL_ENOTFOUND when the
 * token is unknown, revoked or its user disabled. */
int srv_auth_token(srv_user_t *out, tl_db *db, const char *token, tl_err *err);

/* Checks a user's password (HTTP Basic). TL_ENOTFOUND when the user is
 * unknown, disabled, has no password or the password is wrong. */
int srv_auth_password(srv_user_t *out, tl_db *db, const char *username,
                      const char *password, tl_err *err);

/* ---- the server (http.c) ---- */

typedef struct srv_config {
    const char *listen_addr; /* IPv4 address, "127.0.0.1" when NULL */
    unsigned short port;     /* 0: an ephemeral port (see srv_port) */
    unsigned pool;           /* worker threads = database connections */
    const char *conninfo;    /* NULL: tl_db_default_conninfo */
    size_t max_body;         /* request body cap in bytes; 0: 1 MiB */
    size_t max_file_body;    /* cap of a bank file (POST /bankFile) in
                                bytes; 0: 16 MiB */
    FILE *access_log;        /* one JSON line per request; NULL: none */
    tl_date today;           /* the business day; 0: today in UTC */
    unsigned idempotency_hours; /* how long an Idempotency-Key is kept and
                                   replayed; 0: 24 */
} srv_config;

typedef struct srv_server srv_server;

/* Connects the pool and starts listening. On failure *out is NULL and err
 * says why. */
int srv_start(srv_server **out, const srv_config *cfg, tl_err *err);

/* The port the server listens on. */
unsigned short srv_port(const srv_server *srv);

/* Stops accepting connections, lets the requests in flight finish (up to
 * grace_ms), then stops and frees everything. NULL-safe. */
void srv_stop(srv_server *srv, unsigned grace_ms);

/* The OpenAPI 3 document of the routes (a new reference). */
json_t *srv_openapi(void);

/* Walks the route table: fn(method, path template, summary) per route.
 * Returns the number of routes. */
typedef void (*srv_route_fn)(const char *method, const char *path,
                             const char *summary, void *cls);
size_t srv_routes_each(srv_route_fn fn, void *cls);

#endif
