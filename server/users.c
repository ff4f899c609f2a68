/*
 * API users, their roles, passwords and bearer tokens (api.app_user,
 * api.api_token). Passwords are argon2id hashes from libsodium's
 * crypto_pwhash_str; tokens are 32 random bytes from randombytes_buf, of
 * which only the SHA-256 is stored, so a leaked table grants nothing.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "common/audit.h"
#include "server/server.h"

static const char *const roles[] = {"coordinator", "account_executive", "agent",
                                    "finance",     "collections",       "admin",
                                    NULL};

int srv_role_known(const char *role)
{
    size_t i;

    for (i = 0; role != NULL && roles[i] != NULL; i++)
        if (strcmp(roles[i], role) == 0)
            return 1;
    return 0;
}

static int sodium_ready(tl_err *err)
{
    if (sodium_init() < 0)
        return tl_err_set(err, TL_ERROR, "internal", "",
                          "libsodium could not be initialised");
    return 0;
}

static void sha256_hex(char out[65], const char *text)
{
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(out, 65, h, sizeof(h));
}

#define USER_COLS                                                              \
    "user_id, username, role, coalesce(person_ref, '') AS person_ref, "        \
    "disabled"

static int read_user(srv_user_t *out, const tl_row *row, tl_err *err)
{
    const char *s;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = tl_row_int64(row, "user_id", &out->user_id, err);
    if (rc == 0)
        rc = tl_row_text(row, "username", &s, err);
    if (rc == 0)
        snprintf(out->username, sizeof(out->username), "%s", s);
    if (rc == 0)
        rc = tl_row_text(row, "role", &s, err);
    if (rc == 0)
        snprintf(out->role, sizeof(out->role), "%s", s);
    if (rc == 0)
        rc = tl_row_text(row, "person_ref", &s, err);
    if (rc == 0)
        snprintf(out->person_ref, sizeof(out->person_ref), "%s", s);
    if (rc == 0)
        rc = tl_row_bool(row, "disabled", &out->disabled, err);
    return rc;
}

static int user_get(srv_user_t *out, tl_db *db, const char *username,
                    tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, username);
    rc = tl_db_query_one(
        db, &res, "srv_user_get",
        "SELECT " USER_COLS " FROM api.app_user WHERE username = $1", &p, err);
    if (rc == TL_DB_NONE) {
        rc = tl_err_set(err, TL_ENOTFOUND, "not_found", "username",
                        "no user %s", username);
        goto cleanup;
    }
    if (rc < 0)
        goto cleanup;
    row.res = res;
    row.row = 0;
    rc = read_user(out, &row, err);
cleanup:
    PQclear(res);
    return rc;
}

static json_t *user_json(const srv_user_t *u)
{
    return json_pack("{s:s, s:s, s:s, s:b}", "username", u->username, "role",
                     u->role, "personRef", u->person_ref, "disabled",
                     u->disabled);
}

struct add_ctx {
    srv_user_t *out;
    int *created;
    const char *username;
    const char *role;
    const char *person_ref;
    const char *hash;
    const char *actor;
};

static int add_tx(tl_db *db, void *cls, tl_err *err)
{
    struct add_ctx *c = cls;
    json_t *after = NULL;
    tl_params p;
    int rc;

    rc = user_get(c->out, db, c->username, err);
    if (rc == 0) {
        const char *pr = c->person_ref ? c->person_ref : "";
        if (strcmp(c->out->role, c->role) != 0 ||
            strcmp(c->out->person_ref, pr) != 0)
            return tl_err_set(err, TL_EDUPLICATE, "duplicate", "username",
                              "user %s already exists with role %s",
                              c->username, c->out->role);
        *c->created = 0;
        return 0;
    }
    if (rc != TL_ENOTFOUND)
        return rc;
    tl_err_clear(err);
    tl_params_init(&p);
    tl_params_text(&p, c->username);
    tl_params_text(&p, c->role);
    tl_params_text(&p, c->person_ref);
    tl_params_text(&p, c->hash);
    rc = tl_db_exec(db, "srv_user_insert",
                    "INSERT INTO api.app_user (username, role, person_ref,"
                    " password_hash) VALUES ($1, $2, $3, $4)",
                    &p, err);
    if (rc < 0)
        return rc;
    rc = user_get(c->out, db, c->username, err);
    if (rc < 0)
        return rc;
    after = user_json(c->out);
    rc = tl_audit(db, c->actor, "api.user_add", "user", c->username, 0, NULL,
                  after, err);
    json_decref(after);
    if (rc == 0)
        *c->created = 1;
    return rc;
}

int srv_user_add(srv_user_t *out, int *created, tl_db *db, const char *username,
                 const char *role, const char *person_ref, const char *password,
                 const char *actor, tl_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    struct add_ctx c;
    int rc;

    memset(out, 0, sizeof(*out));
    *created = 0;
    if (!srv_role_known(role))
        return tl_err_add(err, "unknown_role", "role",
                          "role must be one of " SRV_ROLE_NAMES);
    if ((strcmp(role, "account_executive") == 0 ||
         strcmp(role, "agent") == 0) &&
        (person_ref == NULL || person_ref[0] == '\0'))
        return tl_err_add(err, "required", "person",
                          "an %s needs --person, the person whose accounts "
                          "they see",
                          role);
    rc = sodium_ready(err);
    if (rc < 0)
        return rc;
    if (password != NULL &&
        crypto_pwhash_str(hash, password, strlen(password),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "",
                          "out of memory hashing the password");
    c.out = out;
    c.created = created;
    c.username = username;
    c.role = role;
    c.person_ref = person_ref != NULL && person_ref[0] ? person_ref : NULL;
    c.hash = password != NULL ? hash : NULL;
    c.actor = actor;
    rc = tl_db_run_tx(db, "srv_user_add", add_tx, &c, err);
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

struct token_ctx {
    const char *username;
    const char *hash;
    const char *label;
    const char *actor;
};

static int token_tx(tl_db *db, void *cls, tl_err *err)
{
    struct token_ctx *c = cls;
    srv_user_t u;
    json_t *after = NULL;
    tl_params p;
    int rc;

    rc = user_get(&u, db, c->username, err);
    if (rc < 0)
        return rc;
    if (u.disabled)
        return tl_err_set(err, TL_ENOTFOUND, "disabled", "username",
                          "user %s is disabled", c->username);
    tl_params_init(&p);
    tl_params_int64(&p, u.user_id);
    tl_params_text(&p, c->hash);
    tl_params_text(&p, c->label);
    rc = tl_db_exec(db, "srv_token_insert",
                    "INSERT INTO api.api_token (user_id, token_hash, label)"
                    " VALUES ($1::bigint, $2, $3)",
                    &p, err);
    if (rc < 0)
        return rc;
    after = json_pack("{s:s}", "label", c->label);
    rc = tl_audit(db, c->actor, "api.token_add", "user", c->username, 0, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

int srv_user_token(char *token, size_t size, tl_db *db, const char *username,
                   const char *label, const char *actor, tl_err *err)
{
    unsigned char raw[32];
    char hash[65];
    struct token_ctx c;
    int rc;

    if (size < 65)
        return tl_err_set(err, TL_ERROR, "internal", "", "token buffer");
    token[0] = '\0';
    rc = sodium_ready(err);
    if (rc < 0)
        return rc;
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(token, size, raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    sha256_hex(hash, token);
    c.username = username;
    c.hash = hash;
    c.label = label != NULL ? label : "";
    c.actor = actor;
    rc = tl_db_run_tx(db, "srv_user_token", token_tx, &c, err);
    if (rc < 0)
        sodium_memzero(token, size);
    return rc;
}

struct disable_ctx {
    const char *username;
    const char *actor;
};

static int disable_tx(tl_db *db, void *cls, tl_err *err)
{
    struct disable_ctx *c = cls;
    srv_user_t u;
    json_t *before = NULL;
    json_t *after = NULL;
    tl_params p;
    int rc;

    rc = user_get(&u, db, c->username, err);
    if (rc < 0 || u.disabled)
        return rc;
    before = user_json(&u);
    tl_params_init(&p);
    tl_params_int64(&p, u.user_id);
    rc = tl_db_exec(db, "srv_user_disable",
                    "UPDATE api.app_user SET disabled = true"
                    " WHERE user_id = $1::bigint",
                    &p, err);
    if (rc >= 0) {
        u.disabled = 1;
        after = user_json(&u);
        rc = tl_audit(db, c->actor, "api.user_disable", "user", c->username, 0,
                      before, after, err);
    }
    json_decref(before);
    json_decref(after);
    return rc;
}

int srv_user_disable(tl_db *db, const char *username, const char *actor,
                     tl_err *err)
{
    struct disable_ctx c = {username, actor};

    return tl_db_run_tx(db, "srv_user_disable", disable_tx, &c, err);
}

struct list_ctx {
    srv_user_fn fn;
    void *cls;
};

static int list_cb(const tl_row *row, void *cls, tl_err *err)
{
    struct list_ctx *c = cls;
    srv_user_t u;
    int rc;

    rc = read_user(&u, row, err);
    if (rc < 0)
        return rc;
    return c->fn(&u, c->cls, err);
}

int srv_user_list(tl_db *db, srv_user_fn fn, void *cls, tl_err *err)
{
    struct list_ctx c = {fn, cls};

    return tl_db_select(db, "srv_user_list",
                        "SELECT " USER_COLS
                        " FROM api.app_user ORDER BY username",
                        NULL, list_cb, &c, err);
}

int srv_auth_token(srv_user_t *out, tl_db *db, const char *token, tl_err *err)
{
    PGresult *res = NULL;
    char hash[65];
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    sha256_hex(hash, token);
    tl_params_init(&p);
    tl_params_text(&p, hash);
    rc = tl_db_query_one(
        db, &res, "srv_auth_token",
        "SELECT u.user_id, u.username, u.role,"
        " coalesce(u.person_ref, '') AS person_ref, u.disabled"
        " FROM api.api_token t JOIN api.app_user u USING (user_id)"
        " WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
        " AND NOT u.disabled",
        &p, err);
    if (rc == TL_DB_NONE)
        rc = tl_err_set(err, TL_ENOTFOUND, "unauthorized", "",
                        "the token is not valid");
    if (rc < 0)
        goto cleanup;
    row.res = res;
    row.row = 0;
    rc = read_user(out, &row, err);
cleanup:
    PQclear(res);
    return rc;
}

int srv_auth_password(srv_user_t *out, tl_db *db, const char *username,
                      const char *password, tl_err *err)
{
    PGresult *res = NULL;
    const char *hash = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = sodium_ready(err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_text(&p, username);
    rc = tl_db_query_one(db, &res, "srv_auth_password",
                         "SELECT " USER_COLS ", password_hash"
                         " FROM api.app_user WHERE username = $1"
                         " AND NOT disabled AND password_hash IS NOT NULL",
                         &p, err);
    if (rc == TL_DB_NONE)
        rc = tl_err_set(err, TL_ENOTFOUND, "unauthorized", "",
                        "unknown user or wrong password");
    if (rc < 0)
        goto cleanup;
    row.res = res;
    row.row = 0;
    rc = read_user(out, &row, err);
    if (rc == 0)
        rc = tl_row_text(&row, "password_hash", &hash, err);
    if (rc == 0 &&
        crypto_pwhash_str_verify(hash, password, strlen(password)) != 0) {
        memset(out, 0, sizeof(*out));
        rc = tl_err_set(err, TL_ENOTFOUND, "unauthorized", "",
                        "unknown user or wrong password");
    }
cleanup:
    PQclear(res);
    return rc;
}
