/*
 * The HTTP front: libmicrohttpd in its internal thread pool, a pool of
 * database connections (one per worker thread, handed out one request at
 * a time), routing, authentication, the request transaction (role,
 * idempotency key, handler), problem+json errors and the access log.
 *
 * A request goes: first call of access_cb (context made, Content-Length
 * checked against the cap: 413 at once when over), upload calls (body
 * accumulated up to the cap), final call (dispatch). dispatch matches the
 * route (404/405), authenticates (401), checks the role (403), then runs
 * request_tx in one transaction: it switches to the role trunkline_api
 * with the user's settings, replays or refuses a known Idempotency-Key,
 * runs the handler and stores the response under the key. The access log
 * line is written when libmicrohttpd reports the request completed.
 */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "common/audit.h"
#include "common/json.h"
#include "server/server_internal.h"

#define DEFAULT_MAX_BODY (1024u * 1024u)
#define DEFAULT_MAX_FILE_BODY (16u * 1024u * 1024u)

struct srv_server {
    srv_config cfg;
    struct MHD_Daemon *daemon;
    unsigned short port;
    /* the connection pool: free[0..n_free) are idle */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    tl_db **conns;
    tl_db **free;
    unsigned n_conns;
    unsigned n_free;
    unsigned inflight; /* requests begun and not yet completed */
    pthread_mutex_t log_lock;
};

/* One request's state across libmicrohttpd's calls. */
typedef struct reqctx {
    struct timespec start;
    char method[16];
    char path[512];
    char *body;
    size_t len;
    int too_large;
    int responded;
    int status;
    char username[72];
} reqctx;

/* ---- the connection pool ---- */

static tl_db *pool_get(srv_server *srv)
{
    tl_db *db;

    pthread_mutex_lock(&srv->lock);
    while (srv->n_free == 0)
        pthread_cond_wait(&srv->cond, &srv->lock);
    db = srv->free[--srv->n_free];
    pthread_mutex_unlock(&srv->lock);
    return db;
}

static void pool_put(srv_server *srv, tl_db *db)
{
    pthread_mutex_lock(&srv->lock);
    srv->free[srv->n_free++] = db;
    /* broadcast: srv_stop waits on the same condition */
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
}

/* ---- helpers for handlers ---- */

int srv_reply(srv_req *r, int status, json_t *body, tl_err *err)
{
    if (body == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    json_decref(r->out);
    r->out = body;
    r->status = status;
    r->content_type = "application/json";
    return 0;
}

int srv_reply_raw(srv_req *r, int status, const char *ctype, char *buf,
                  size_t len)
{
    free(r->raw);
    json_decref(r->out);
    r->out = NULL;
    r->raw = buf;
    r->raw_len = len;
    r->status = status;
    r->content_type = ctype;
    return 0;
}

int srv_reply_page(srv_req *r, json_t *items, int64_t total, tl_err *err)
{
    r->total = total;
    return srv_reply(r, 200, items, err);
}

const char *srv_query(const srv_req *r, const char *name)
{
    const char *v =
        MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

static int query_int(int64_t *out, const srv_req *r, const char *name,
                     int64_t min, int64_t max, int64_t dflt, tl_err *err)
{
    const char *v = srv_query(r, name);
    char *end = NULL;
    long long n;

    *out = dflt;
    if (v == NULL)
        return 0;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || n < min || n > max)
        return tl_err_add(err, "range", name,
                          "%s must be a whole number from %lld to %lld", name,
                          (long long)min, (long long)max);
    *out = n;
    return 0;
}

const char *srv_header(const srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

int srv_page(const srv_req *r, int64_t *limit, int64_t *offset, tl_err *err)
{
    query_int(limit, r, "limit", 1, 500, 50, err);
    query_int(offset, r, "offset", 0, INT32_MAX, 0, err);
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

int srv_reply_slice(srv_req *r, json_t *all, tl_err *err)
{
    int64_t limit;
    int64_t offset;
    int64_t i;
    int64_t n = (int64_t)json_array_size(all);
    json_t *page = NULL;
    int rc;

    rc = srv_page(r, &limit, &offset, err);
    if (rc < 0) {
        json_decref(all);
        return rc;
    }
    page = json_array();
    for (i = offset; page != NULL && i < n && i < offset + limit; i++)
        if (json_array_append(page, json_array_get(all, (size_t)i)) != 0) {
            json_decref(page);
            page = NULL;
        }
    json_decref(all);
    return srv_reply_page(r, page, n, err);
}

int srv_query_date(tl_date *out, const srv_req *r, const char *name,
                   tl_date dflt, tl_err *err)
{
    const char *v = srv_query(r, name);

    *out = dflt;
    if (v == NULL)
        return 0;
    if (tl_date_parse(out, v) != 0)
        return tl_err_add(err, "format", name, "%s must be a date YYYY-MM-DD",
                          name);
    return 0;
}

int srv_body_object(json_t **out, srv_req *r, tl_err *err)
{
    const char *ct =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
    int rc;

    *out = NULL;
    if (ct != NULL && strncmp(ct, "application/json", 16) != 0 &&
        strncmp(ct, "application/merge-patch+json", 28) != 0)
        return srv_fail(r, 415, TL_EINVALID, "media_type", "Content-Type",
                        "send the body as application/json");
    rc = tl_json_load_buf(out, r->body != NULL ? r->body : "", r->body_len,
                          TL_JSON_MAX_BYTES, err);
    if (rc < 0)
        return rc;
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return tl_err_add(err, "type", "", "the body must be a JSON object");
    }
    return 0;
}

void srv_etag_of(char out[72], const json_t *v)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    char *text = tl_json_canonical(v);

    crypto_hash_sha256(h, (const unsigned char *)(text ? text : ""),
                       text ? strlen(text) : 0);
    free(text);
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(out, 72, "\"%.32s\"", hex);
}

int srv_if_match(srv_req *r, const json_t *current, tl_err *err)
{
    const char *want =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "If-Match");
    char tag[72];

    (void)err;
    if (want == NULL || strcmp(want, "*") == 0)
        return 0;
    srv_etag_of(tag, current);
    if (strcmp(want, tag) == 0)
        return 0;
    return srv_fail(r, 412, TL_ECONFLICT, "precondition_failed", "If-Match",
                    "the resource changed since it was read (ETag %s)", tag);
}

/* The tl_err a failure is written into: set by the dispatcher before the
 * handler runs, so srv_fail needs no err argument. */
static _Thread_local tl_err *current_err;

int srv_fail(srv_req *r, int http, int status, const char *code,
             const char *field, const char *fmt, ...)
{
    char msg[TL_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->http_error = http;
    if (status == TL_EINVALID)
        return tl_err_add(current_err, code, field, "%s", msg);
    return tl_err_set(current_err, status, code, field, "%s", msg);
}

int srv_audit(const srv_req *r, tl_db *db, const char *action,
              const char *entity, const char *key, int64_t account_id,
              const json_t *before, const json_t *after, tl_err *err)
{
    return tl_audit(db, r->user.username, action, entity, key, account_id,
                    before, after, err);
}

json_t *srv_money(const tl_money *m)
{
    char buf[48];

    if (tl_money_format(buf, sizeof(buf), m) < 0)
        return NULL;
    return json_pack("{s:s, s:s}", "amount", buf, "currency", m->cur);
}

json_t *srv_date(tl_date d)
{
    char buf[16];

    if (tl_date_format(buf, sizeof(buf), d) < 0)
        return NULL;
    return json_string(buf);
}

int srv_role_is(const srv_req *r, unsigned bits)
{
    static const struct {
        const char *name;
        unsigned bit;
    } map[] = {{"coordinator", SRV_R_COORD}, {"account_executive", SRV_R_AE},
               {"agent", SRV_R_AGENT},       {"finance", SRV_R_FINANCE},
               {"collections", SRV_R_COLL},  {"admin", SRV_R_ADMIN}};
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].name, r->user.role) == 0)
            return (map[i].bit & bits) != 0;
    return 0;
}

int srv_health_ping(srv_server *srv, tl_err *err)
{
    tl_db *db = pool_get(srv);
    int rc;

    rc = tl_db_exec(db, "srv_health", "SELECT 1", NULL, err);
    pool_put(srv, db);
    return rc < 0 ? rc : 0;
}

/* ---- routing ---- */

/* Matches path against a template, capturing {x} segments. */
static int route_match(srv_req *r, const char *tmpl, const char *path)
{
    int np = 0;

    while (*tmpl != '\0' && *path != '\0') {
        const char *te = strchr(tmpl + 1, '/');
        const char *pe = strchr(path + 1, '/');
        size_t tl = te ? (size_t)(te - tmpl) : strlen(tmpl);
        size_t pl = pe ? (size_t)(pe - path) : strlen(path);

        if (tmpl[1] == '{') {
            if (pl < 2 || pl - 1 >= SRV_PARAM_MAX || np >= SRV_MAX_PARAMS)
                return 0;
            memcpy(r->param[np], path + 1, pl - 1);
            r->param[np][pl - 1] = '\0';
            np++;
        } else if (tl != pl || memcmp(tmpl, path, tl) != 0) {
            return 0;
        }
        tmpl += tl;
        path += pl;
    }
    return *tmpl == '\0' && (*path == '\0' || strcmp(path, "/") == 0);
}

/* ---- responses ---- */

static int http_status_of(int status)
{
    switch (status) {
    case TL_EINVALID:
        return 400;
    case TL_ENOTFOUND:
        return 404;
    case TL_ECONFLICT:
    case TL_EDUPLICATE:
        return 409;
    case TL_EOVERFLOW:
    case TL_ECURRENCY:
    case TL_ENEGATIVE:
        return 422;
    case TL_ERETRY:
        return 503;
    default:
        return 500;
    }
}

static const char *reason_of(int http)
{
    switch (http) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

/* RFC 9457 problem details from a tl_err. */
static char *problem_body(int http, const tl_err *err, const char *instance)
{
    json_t *p = NULL;
    json_t *errors = NULL;
    char *text = NULL;
    char type[96];
    size_t i;

    snprintf(type, sizeof(type), "urn:trunkline:problem:%s",
             err->code[0] ? err->code : "internal");
    p = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "type", type, "title",
                  reason_of(http), "status", http, "detail",
                  http >= 500 && http != 501 && http != 503
                      ? "internal error; see the server log"
                      : err->message,
                  "code", err->code[0] ? err->code : "internal", "instance",
                  instance);
    if (p == NULL)
        return NULL;
    if (err->field[0] != '\0')
        json_object_set_new(p, "field", json_string(err->field));
    if (err->n_problems > 0) {
        errors = json_array();
        for (i = 0; errors != NULL && i < err->n_problems; i++)
            json_array_append_new(errors,
                                  json_pack("{s:s, s:s, s:s}", "code",
                                            err->problems[i].code, "field",
                                            err->problems[i].field, "message",
                                            err->problems[i].message));
        json_object_set_new(p, "errors", errors);
    }
    text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    return text;
}

static enum MHD_Result queue(struct MHD_Connection *conn, reqctx *ctx,
                             int status, const char *ctype, char *body,
                             size_t len, const srv_req *r)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char num[32];

    resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (resp == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", ctype);
    if (r != NULL) {
        if (r->etag[0] != '\0')
            MHD_add_response_header(resp, "ETag", r->etag);
        if (r->location[0] != '\0')
            MHD_add_response_header(resp, "Location", r->location);
        if (r->total >= 0) {
            snprintf(num, sizeof(num), "%lld", (long long)r->total);
            MHD_add_response_header(resp, "X-Total-Count", num);
        }
    }
    if (status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate",
                                "Bearer realm=\"trunkline\"");
    if (status == 503)
        MHD_add_response_header(resp, "Retry-After", "1");
    ctx->status = status;
    ctx->responded = 1;
    ret = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result queue_problem(struct MHD_Connection *conn, reqctx *ctx,
                                     int http, const tl_err *err)
{
    char *body = problem_body(http, err, ctx->path);

    if (body == NULL)
        return MHD_NO;
    return queue(conn, ctx, http, "application/problem+json", body,
                 strlen(body), NULL);
}

/* ---- the request transaction ---- */

typedef struct txctx {
    srv_req *r;
    const srv_route *route;
    const char *idem_key;
    char req_hash[65];
    int replayed;
} txctx;

static void reset_response(srv_req *r)
{
    json_decref(r->out);
    r->out = NULL;
    free(r->raw);
    r->raw = NULL;
    r->raw_len = 0;
    r->status = 0;
    r->content_type = NULL;
    r->etag[0] = '\0';
    r->location[0] = '\0';
    r->total = -1;
    r->http_error = 0;
}

/* Account executives and agents run as trunkline_api, where the row-level
 * security policies of migration 0090 confine them to their accounts.
 * Staff roles see every account anyway and run as the connecting owner:
 * bulk module paths (COPY in bill runs) are not allowed under row-level
 * security at all. Every request sets the settings, so SQL can tell who
 * acts (trunkline.username, .user_id, .role). */
static int set_session(tl_db *db, const srv_req *r, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, r->user.role);
    tl_params_text(&p, r->user.person_ref);
    tl_params_int64(&p, r->user.user_id);
    tl_params_text(&p, r->user.username);
    if (srv_role_is(r, SRV_R_SALES))
        rc = tl_db_exec(db, "srv_session_sales",
                        "SELECT set_config('trunkline.role', $1, true),"
                        " set_config('trunkline.person_ref', $2, true),"
                        " set_config('trunkline.user_id', $3, true),"
                        " set_config('trunkline.username', $4, true),"
                        " set_config('role', 'trunkline_api', true)",
                        &p, err);
    else
        rc = tl_db_exec(db, "srv_session_staff",
                        "SELECT set_config('trunkline.role', $1, true),"
                        " set_config('trunkline.person_ref', $2, true),"
                        " set_config('trunkline.user_id', $3, true),"
                        " set_config('trunkline.username', $4, true)",
                        &p, err);
    return rc < 0 ? rc : 0;
}

/* Hours an Idempotency-Key is kept and replayed (24 unless configured):
 * after that the same key is a new request. */
static int64_t idem_hours(const srv_server *srv)
{
    return srv->cfg.idempotency_hours != 0 ? srv->cfg.idempotency_hours : 24;
}

static int idem_lookup(txctx *c, tl_db *db, tl_err *err)
{
    srv_req *r = c->r;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    const char *hash;
    const char *ctype;
    const char *body;
    int status;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, r->user.user_id);
    tl_params_text(&p, c->idem_key);
    tl_params_int64(&p, idem_hours(r->srv));
    rc = tl_db_query_one(db, &res, "srv_idem_get",
                         "SELECT request_hash, status, content_type, body"
                         " FROM api.idempotency_key"
                         " WHERE user_id = $1::bigint AND idem_key = $2"
                         " AND created_at > now() - make_interval("
                         "hours => $3::integer)",
                         &p, err);
    if (rc <= 0)
        goto cleanup;
    row.res = res;
    row.row = 0;
    rc = tl_row_text(&row, "request_hash", &hash, err);
    if (rc == 0)
        rc = tl_row_int(&row, "status", &status, err);
    if (rc == 0)
        rc = tl_row_text(&row, "content_type", &ctype, err);
    if (rc == 0)
        rc = tl_row_text(&row, "body", &body, err);
    if (rc < 0)
        goto cleanup;
    if (strcmp(hash, c->req_hash) != 0) {
        rc = srv_fail(r, 422, TL_ECONFLICT, "idempotency_key_reused",
                      "Idempotency-Key",
                      "this Idempotency-Key was used for another request");
        goto cleanup;
    }
    r->raw = strdup(body);
    r->raw_len = strlen(body);
    r->status = status;
    r->content_type = strcmp(ctype, "application/json") == 0
                          ? "application/json"
                          : "application/octet-stream";
    c->replayed = 1;
    rc = r->raw != NULL ? 1
                        : tl_err_set(err, TL_ERROR, "internal", "", "memory");
cleanup:
    PQclear(res);
    return rc;
}

static int idem_store(txctx *c, tl_db *db, tl_err *err)
{
    srv_req *r = c->r;
    tl_params p;
    int rc;

    /* the user's keys past their time go (this one too, when it is sent
     * again after it), so the table holds a window of keys, not every key
     * ever sent */
    tl_params_init(&p);
    tl_params_int64(&p, r->user.user_id);
    tl_params_int64(&p, idem_hours(r->srv));
    rc = tl_db_exec(db, "srv_idem_expire",
                    "DELETE FROM api.idempotency_key"
                    " WHERE user_id = $1::bigint AND created_at <= now()"
                    " - make_interval(hours => $2::integer)",
                    &p, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, r->user.user_id);
    tl_params_text(&p, c->idem_key);
    tl_params_text(&p, c->req_hash);
    tl_params_int64(&p, r->status);
    tl_params_text(&p, r->content_type);
    tl_params_text(&p, r->raw != NULL ? r->raw : "");
    rc = tl_db_exec(db, "srv_idem_put",
                    "INSERT INTO api.idempotency_key (user_id, idem_key,"
                    " request_hash, status, content_type, body)"
                    " VALUES ($1::bigint, $2, $3, $4::integer, $5, $6)",
                    &p, err);
    return rc < 0 ? rc : 0;
}

static int request_tx(tl_db *db, void *cls, tl_err *err)
{
    txctx *c = cls;
    srv_req *r = c->r;
    int rc;

    reset_response(r);
    c->replayed = 0;
    rc = set_session(db, r, err);
    if (rc < 0)
        return rc;
    if (c->idem_key != NULL) {
        rc = idem_lookup(c, db, err);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    rc = c->route->handler(r, db, err);
    if (rc < 0)
        return rc;
    if (r->out != NULL) {
        r->raw = json_dumps(r->out, JSON_COMPACT);
        if (r->raw == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        r->raw_len = strlen(r->raw);
        json_decref(r->out);
        r->out = NULL;
    }
    if (c->idem_key != NULL && r->status >= 200 && r->status < 300)
        rc = idem_store(c, db, err);
    return rc;
}

static enum MHD_Result hash_arg(void *cls, enum MHD_ValueKind kind,
                                const char *key, const char *value)
{
    crypto_hash_sha256_state *st = cls;

    (void)kind;
    crypto_hash_sha256_update(st, (const unsigned char *)key, strlen(key) + 1);
    if (value != NULL)
        crypto_hash_sha256_update(st, (const unsigned char *)value,
                                  strlen(value) + 1);
    return MHD_YES;
}

/* SHA-256 of method, path, query arguments (in order) and body: what an
 * Idempotency-Key promises is the same request. */
static void request_hash(char out[65], struct MHD_Connection *conn,
                         const char *method, const char *path, const char *body,
                         size_t len)
{
    crypto_hash_sha256_state st;
    unsigned char h[crypto_hash_sha256_BYTES];

    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)method,
                              strlen(method) + 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)path,
                              strlen(path) + 1);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, hash_arg, &st);
    crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
    crypto_hash_sha256_update(&st, (const unsigned char *)body, len);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, 65, h, sizeof(h));
}

static int authenticate(srv_user_t *user, struct MHD_Connection *conn,
                        tl_db *db, tl_err *err)
{
    const char *auth =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    char *pass = NULL;
    char *name = NULL;
    int rc;

    if (auth != NULL && strncmp(auth, "Bearer ", 7) == 0)
        return srv_auth_token(user, db, auth + 7, err);
    if (auth != NULL && strncmp(auth, "Basic ", 6) == 0) {
        name = MHD_basic_auth_get_username_password(conn, &pass);
        if (name != NULL && pass != NULL)
            rc = srv_auth_password(user, db, name, pass, err);
        else
            rc = tl_err_set(err, TL_ENOTFOUND, "unauthorized", "",
                            "malformed Basic credentials");
        MHD_free(name);
        MHD_free(pass);
        return rc;
    }
    return tl_err_set(err, TL_ENOTFOUND, "unauthorized", "",
                      "send Authorization: Bearer TOKEN");
}

static tl_date today_utc(void)
{
    time_t now = time(NULL);
    struct tm tm;
    tl_date d = 0;

    gmtime_r(&now, &tm);
    tl_date_from_ymd(&d, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return d;
}

static enum MHD_Result dispatch(srv_server *srv, struct MHD_Connection *conn,
                                reqctx *ctx)
{
    const srv_route *route = NULL;
    int path_known = 0;
    srv_req r;
    txctx tc;
    tl_err err = TL_ERR_INIT;
    tl_db *db = NULL;
    enum MHD_Result ret;
    size_t i;
    int http = 0;
    int rc;

    memset(&r, 0, sizeof(r));
    memset(&tc, 0, sizeof(tc));
    current_err = &err;
    for (i = 0; srv_route_table[i].method != NULL; i++) {
        if (!route_match(&r, srv_route_table[i].path, ctx->path))
            continue;
        path_known = 1;
        if (strcmp(srv_route_table[i].method, ctx->method) == 0) {
            route = &srv_route_table[i];
            break;
        }
    }
    if (route == NULL) {
        tl_err_set(&err, TL_ENOTFOUND,
                   path_known ? "method_not_allowed" : "no_route", "",
                   "%s %s is not a route of this API", ctx->method, ctx->path);
        ret = queue_problem(conn, ctx, path_known ? 405 : 404, &err);
        goto cleanup;
    }
    r.conn = conn;
    r.method = ctx->method;
    r.path = ctx->path;
    r.body = ctx->body;
    r.body_len = ctx->len;
    r.srv = srv;
    r.total = -1;
    r.today = srv->cfg.today != 0 ? srv->cfg.today : today_utc();
    if (route->roles == SRV_R_PUBLIC) {
        rc = route->handler(&r, NULL, &err);
        goto respond;
    }
    db = pool_get(srv);
    rc = authenticate(&r.user, conn, db, &err);
    if (rc < 0) {
        http = rc == TL_ENOTFOUND ? 401 : 0;
        goto respond;
    }
    snprintf(ctx->username, sizeof(ctx->username), "%s", r.user.username);
    if (!srv_role_is(&r, route->roles)) {
        rc = tl_err_set(&err, TL_ECONFLICT, "forbidden", "",
                        "the role %s may not %s %s", r.user.role, route->method,
                        route->path);
        http = 403;
        goto respond;
    }
    tc.r = &r;
    tc.route = route;
    if (strcmp(ctx->method, "POST") == 0)
        tc.idem_key = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                  "Idempotency-Key");
    if (tc.idem_key != NULL &&
        (tc.idem_key[0] == '\0' || strlen(tc.idem_key) > 200)) {
        rc = tl_err_add(&err, "range", "Idempotency-Key",
                        "an Idempotency-Key has 1 to 200 characters");
        goto respond;
    }
    if (tc.idem_key != NULL)
        request_hash(tc.req_hash, conn, ctx->method, ctx->path,
                     ctx->body ? ctx->body : "", ctx->len);
    rc = tl_db_run_tx(db, route->path, request_tx, &tc, &err);
respond:
    if (db != NULL)
        pool_put(srv, db);
    if (rc < 0) {
        if (http == 0)
            http = r.http_error != 0 ? r.http_error : http_status_of(rc);
        if (http >= 500 && http != 503)
            fprintf(stderr, "trunkline serve: %s %s: %s [%s]\n", ctx->method,
                    ctx->path, err.message, err.code);
        ret = queue_problem(conn, ctx, http, &err);
        goto cleanup;
    }
    if (r.out != NULL) { /* public handlers run outside request_tx */
        r.raw = json_dumps(r.out, JSON_COMPACT);
        r.raw_len = r.raw ? strlen(r.raw) : 0;
    }
    ret = queue(conn, ctx, r.status, r.content_type, r.raw, r.raw_len, &r);
    r.raw = NULL; /* the response owns it now */
cleanup:
    current_err = NULL;
    reset_response(&r);
    tl_err_clear(&err);
    return ret;
}

/* ---- libmicrohttpd callbacks ---- */

/* A body over the normal cap is accepted from an authenticated user
 * only: 401 at once, before any of it is read, for anybody else. */
static enum MHD_Result
large_upload_check(srv_server *srv, struct MHD_Connection *conn, reqctx *ctx)
{
    tl_err err = TL_ERR_INIT;
    srv_user_t user;
    enum MHD_Result ret;
    tl_db *db = pool_get(srv);
    int rc;

    memset(&user, 0, sizeof(user));
    rc = authenticate(&user, conn, db, &err);
    pool_put(srv, db);
    if (rc >= 0) {
        tl_err_clear(&err);
        return MHD_YES;
    }
    ctx->too_large = 1;
    ret = queue_problem(conn, ctx, rc == TL_ENOTFOUND ? 401 : 503, &err);
    tl_err_clear(&err);
    return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn,
                                 const char *url, const char *method,
                                 const char *version, const char *upload,
                                 size_t *upload_size, void **con_cls)
{
    srv_server *srv = cls;
    reqctx *ctx = *con_cls;
    /* a bank file has its own, larger cap */
    size_t cap = strcmp(url, "/bankFile") == 0 ? srv->cfg.max_file_body
                                               : srv->cfg.max_body;
    const char *cl;
    char *end = NULL;
    char *grown;

    (void)version;
    if (ctx == NULL) {
        ctx = calloc(1, sizeof(*ctx));
        if (ctx == NULL)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &ctx->start);
        snprintf(ctx->method, sizeof(ctx->method), "%s", method);
        snprintf(ctx->path, sizeof(ctx->path), "%s", url);
        *con_cls = ctx;
        pthread_mutex_lock(&srv->lock);
        srv->inflight++;
        pthread_mutex_unlock(&srv->lock);
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                         "Content-Length");
        if (cl != NULL && strtoull(cl, &end, 10) > cap) {
            tl_err err = TL_ERR_INIT;
            enum MHD_Result ret;

            ctx->too_large = 1;
            tl_err_set(&err, TL_EINVALID, "too_large", "",
                       "the body is larger than %zu bytes", cap);
            ret = queue_problem(conn, ctx, 413, &err);
            tl_err_clear(&err);
            return ret;
        }
        /* only an authenticated user may send more than the normal cap
         * (a bank file): nobody else makes the server buffer that much */
        if (cl != NULL && strtoull(cl, &end, 10) > srv->cfg.max_body)
            return large_upload_check(srv, conn, ctx);
        return MHD_YES;
    }
    if (ctx->responded) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        if (!ctx->too_large && ctx->len + *upload_size > cap) {
            ctx->too_large = 1;
            free(ctx->body);
            ctx->body = NULL;
            ctx->len = 0;
        }
        if (!ctx->too_large) {
            grown = realloc(ctx->body, ctx->len + *upload_size + 1);
            if (grown == NULL)
                return MHD_NO;
            ctx->body = grown;
            memcpy(ctx->body + ctx->len, upload, *upload_size);
            ctx->len += *upload_size;
            ctx->body[ctx->len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (ctx->too_large) {
        tl_err err = TL_ERR_INIT;
        enum MHD_Result ret;

        tl_err_set(&err, TL_EINVALID, "too_large", "",
                   "the body is larger than %zu bytes", cap);
        ret = queue_problem(conn, ctx, 413, &err);
        tl_err_clear(&err);
        return ret;
    }
    return dispatch(srv, conn, ctx);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    srv_server *srv = cls;
    reqctx *ctx = *con_cls;
    struct timespec now;
    struct timespec wall;
    struct tm tm;
    char when[96];
    int64_t us;
    json_t *line;
    char *text;

    (void)conn;
    (void)toe;
    if (ctx == NULL)
        return;
    if (srv->cfg.access_log != NULL) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        clock_gettime(CLOCK_REALTIME, &wall);
        gmtime_r(&wall.tv_sec, &tm);
        snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (long)(wall.tv_nsec / 1000000) % 1000);
        us = (int64_t)(now.tv_sec - ctx->start.tv_sec) * 1000000 +
             (now.tv_nsec - ctx->start.tv_nsec) / 1000;
        line =
            json_pack("{s:s, s:s, s:s, s:i, s:I, s:s}", "time", when, "method",
                      ctx->method, "path", ctx->path, "status", ctx->status,
                      "duration_us", (json_int_t)us, "user", ctx->username);
        text = line ? json_dumps(line, JSON_COMPACT) : NULL;
        if (text != NULL) {
            pthread_mutex_lock(&srv->log_lock);
            fprintf(srv->cfg.access_log, "%s\n", text);
            fflush(srv->cfg.access_log);
            pthread_mutex_unlock(&srv->log_lock);
        }
        free(text);
        json_decref(line);
    }
    free(ctx->body);
    free(ctx);
    *con_cls = NULL;
    pthread_mutex_lock(&srv->lock);
    srv->inflight--;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
}

/* ---- start and stop ---- */

static void free_server(srv_server *srv)
{
    unsigned i;

    if (srv == NULL)
        return;
    for (i = 0; i < srv->n_conns; i++)
        tl_db_close(srv->conns[i]);
    free(srv->conns);
    free(srv->free);
    pthread_mutex_destroy(&srv->lock);
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->log_lock);
    free(srv);
}

int srv_start(srv_server **out, const srv_config *cfg, tl_err *err)
{
    srv_server *srv = NULL;
    struct sockaddr_in addr;
    const union MHD_DaemonInfo *info;
    unsigned i;
    int rc;

    *out = NULL;
    if (sodium_init() < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "libsodium init");
    srv = calloc(1, sizeof(*srv));
    if (srv == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    srv->cfg = *cfg;
    if (srv->cfg.pool == 0)
        srv->cfg.pool = 4;
    if (srv->cfg.max_body == 0)
        srv->cfg.max_body = DEFAULT_MAX_BODY;
    if (srv->cfg.max_file_body == 0)
        srv->cfg.max_file_body = DEFAULT_MAX_FILE_BODY;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->cond, NULL);
    pthread_mutex_init(&srv->log_lock, NULL);
    srv->conns = calloc(srv->cfg.pool, sizeof(tl_db *));
    srv->free = calloc(srv->cfg.pool, sizeof(tl_db *));
    if (srv->conns == NULL || srv->free == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto fail;
    }
    for (i = 0; i < srv->cfg.pool; i++) {
        rc = tl_db_connect(&srv->conns[i], cfg->conninfo, NULL, err);
        if (rc < 0)
            goto fail;
        srv->n_conns++;
        srv->free[srv->n_free++] = srv->conns[i];
    }
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(cfg->port);
    if (inet_pton(AF_INET, cfg->listen_addr ? cfg->listen_addr : "127.0.0.1",
                  &addr.sin_addr) != 1) {
        rc = tl_err_set(err, TL_EINVALID, "format", "listen",
                        "%s is not an IPv4 address", cfg->listen_addr);
        goto fail;
    }
    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC, 0, NULL, NULL, access_cb,
        srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)srv->cfg.pool,
        MHD_OPTION_NOTIFY_COMPLETED, completed_cb, srv,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)256, MHD_OPTION_END);
    if (srv->daemon == NULL) {
        rc = tl_err_set(err, TL_ERROR, "listen", "listen",
                        "cannot listen on %s:%u",
                        cfg->listen_addr ? cfg->listen_addr : "127.0.0.1",
                        (unsigned)cfg->port);
        goto fail;
    }
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info != NULL ? info->port : cfg->port;
    *out = srv;
    return 0;
fail:
    free_server(srv);
    return rc;
}

unsigned short srv_port(const srv_server *srv)
{
    return srv->port;
}

void srv_stop(srv_server *srv, unsigned grace_ms)
{
    struct timespec until;
    MHD_socket lfd;

    if (srv == NULL)
        return;
    /* Stop accepting (the listening socket is handed back to us: closing
     * it refuses new connections at once instead of letting them wait in
     * the backlog), then wait for the requests in flight. */
    lfd = MHD_quiesce_daemon(srv->daemon);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += grace_ms / 1000;
    until.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&srv->lock);
    while (srv->inflight > 0)
        if (pthread_cond_timedwait(&srv->cond, &srv->lock, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&srv->lock);
    MHD_stop_daemon(srv->daemon);
    free_server(srv);
}

int srv_param_id(int64_t *out, srv_req *r, int i, const char *name)
{
    const char *v = r->param[i];
    char *end = NULL;
    long long n;

    *out = 0;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || v[0] == '+' || v[0] == '-' ||
        n <= 0)
        return srv_fail(r, 404, TL_ENOTFOUND, "not_found", name,
                        "%s is not a %s", v, name);
    *out = n;
    return 0;
}

int srv_body_date(tl_date *out, const srv_req *r, const json_t *body,
                  const char *key, tl_err *err)
{
    int present = 0;

    *out = r->today;
    tl_json_date(body, key, "", 0, out, &present, err);
    if (!present)
        *out = r->today;
    return 0;
}

json_t *srv_money_or_null(const tl_money *m)
{
    if (m->cur[0] == '\0')
        return json_null();
    return srv_money(m);
}
