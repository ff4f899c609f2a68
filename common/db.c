/*
 * Database access on libpq (see db.h for the contract).
 *
 * A tl_db is one libpq connection plus the state that belongs to it:
 *
 *  - stmts, an open-addressing hash table of the statement names prepared
 *    on this connection. Each slot is stamped with the connection
 *    generation it was prepared in; the generation goes up whenever the
 *    connection is re-established (PQreset starts a fresh server session
 *    that knows no prepared statements), so every stamp goes stale at once
 *    without walking the table, and each name is prepared again on first
 *    use. The slot also keeps a hash of the SQL text, so that one name
 *    reused for a different statement is caught as the bug it is.
 *
 *  - cons, the constraint messages: for each constraint (or unique index)
 *    whose comment reads "field: message", the field path and sentence a
 *    user sees when a row breaks it. Violations are mostly met inside a
 *    transaction that the error has just aborted, where the catalog can no
 *    longer be read, so the map is loaded eagerly right after connecting
 *    and reloaded on request (tl_db_reload_constraints).
 *
 *  - in_tx and retries, the state of tl_db_run_tx; copy_rc, the first
 *    failure of a COPY FROM STDIN in progress; setup_pending, set when a
 *    reconnect succeeded but the session settings could not be applied,
 *    so that the next call tries them again.
 *
 * Every server result goes through db_status, the one place where a
 * SQLSTATE becomes a TL_* status.
 */
#include "common/db.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/db_internal.h"
#include "common/log.h"

/* PostgreSQL truncates identifiers, statement names included, to
 * NAMEDATALEN - 1 bytes: two longer names with a common prefix would
 * silently become one statement. */
#define STMT_NAME_MAX 63
#define STMT_TABLE_MIN 64
#define CONNINFO_MAX 4096
#define COPY_CHUNK_MAX (1 << 30)

typedef struct stmt_slot {
    char *name;        /* NULL for an empty slot */
    uint64_t sql_hash; /* FNV-1a of the SQL text it was prepared with */
    unsigned long gen; /* connection generation it was prepared in */
} stmt_slot;

typedef struct constraint_msg {
    char *text;          /* one allocation holding the five strings */
    const char *schema;  /* schema of the table (or domain) */
    const char *table;   /* "" for a domain constraint */
    const char *name;    /* constraint or unique index name */
    const char *field;   /* field path shown to the user */
    const char *message; /* sentence shown to the user */
} constraint_msg;

struct tl_db {
    PGconn *conn;
    unsigned long gen;
    stmt_slot *stmts;
    size_t stmt_cap; /* a power of two, or 0 */
    size_t stmt_used;
    constraint_msg *cons;
    size_t n_cons;
    int setup_pending; /* reconnected, but the session setup failed */
    int in_tx;
    int copy_rc;
    unsigned long retries;
    unsigned int jitter_seed; /* rand_r state for retry pauses; 0 unset */
};

/* Catalog query for the constraint messages. Constraints come before
 * indexes, so a unique constraint's own comment wins over its index's. */
static const char constraint_sql[] =
    "SELECT n.nspname, coalesce(t.relname, ''), c.conname, d.description"
    "  FROM pg_catalog.pg_constraint c"
    "  JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace"
    "  JOIN pg_catalog.pg_description d"
    "    ON d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass"
    "   AND d.objoid = c.oid AND d.objsubid = 0"
    "  LEFT JOIN pg_catalog.pg_class t ON t.oid = c.conrelid"
    " WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')"
    " UNION ALL "
    "SELECT n.nspname, t.relname, ic.relname, d.description"
    "  FROM pg_catalog.pg_index i"
    "  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
    "  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid"
    "  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace"
    "  JOIN pg_catalog.pg_description d"
    "    ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass"
    "   AND d.objoid = i.indexrelid AND d.objsubid = 0"
    " WHERE i.indisunique"
    "   AND n.nspname NOT IN ('pg_catalog', 'information_schema')";

/* Session settings every connection gets, so that dates and timestamps
 * read the same whatever the server's defaults, and so that NOTICEs do not
 * travel for nothing. The book-wide statements (aging, bill runs, cash
 * files) need two more: JIT off, because they are planned as costly
 * enough for it and compiling them took longer than running them (590 ms
 * of an 880 ms aging); and more memory per sort or hash than the server's
 * 4 MB, which made aging sort a million rows on disk to group them. */
static const char session_sql[] = "SET client_min_messages = warning;"
                                  "SET TimeZone = 'UTC';"
                                  "SET DateStyle = 'ISO, YMD';"
                                  "SET IntervalStyle = 'iso_8601';"
                                  "SET jit = off;"
                                  "SET work_mem = '64MB'";

/* ---- small helpers ---- */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* Copies a server or libpq message into buf on one line: libpq ends its
 * messages with a newline and indents hints with tabs. */
static void one_line(char *buf, size_t size, const char *msg)
{
    size_t i;
    size_t j = 0;

    if (msg == NULL)
        msg = "";
    for (i = 0; msg[i] != '\0' && j + 1 < size; i++) {
        char c = msg[i];
        if (c == '\n' || c == '\t' || c == '\r')
            c = ' ';
        if (c == ' ' && (j == 0 || buf[j - 1] == ' '))
            continue;
        buf[j++] = c;
    }
    while (j > 0 && buf[j - 1] == ' ')
        j--;
    buf[j] = '\0';
}

/* The best text there is on why res (or the connection) failed. */
static void failure_text(char *buf, size_t size, const tl_db *db,
                         const PGresult *res)
{
    const char *msg = NULL;

    if (res != NULL)
        msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if ((msg == NULL || msg[0] == '\0') && res != NULL)
        msg = PQresultErrorMessage(res);
    if (msg == NULL || msg[0] == '\0')
        msg = PQerrorMessage(db->conn);
    if (msg == NULL || msg[0] == '\0')
        msg = "no message from the server";
    one_line(buf, size, msg);
}

/* Parses a whole string as a decimal int64: an optional '-', then digits,
 * nothing else. Returns 0, or -1 for junk or an out-of-range value. */
static int parse_int64(const char *s, int64_t *out)
{
    uint64_t limit = (uint64_t)INT64_MAX;
    uint64_t v = 0;
    int neg = 0;

    *out = 0;
    if (*s == '-') {
        neg = 1;
        limit = (uint64_t)INT64_MAX + 1;
        s++;
    }
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        unsigned d;
        if (*s < '0' || *s > '9')
            return -1;
        d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    if (!neg)
        *out = (int64_t)v;
    else if (v == (uint64_t)INT64_MAX + 1)
        *out = INT64_MIN;
    else
        *out = -(int64_t)v;
    return 0;
}

/* The row count of a command result, clamped to INT_MAX (the status is an
 * int); 0 when the command reports none. */
static int command_rows(const PGresult *res)
{
    const char *s = PQcmdTuples((PGresult *)res);
    int64_t v;

    if (s == NULL || s[0] == '\0' || parse_int64(s, &v) != 0 || v < 0)
        return 0;
    return v > INT_MAX ? INT_MAX : (int)v;
}

/* ---- constraint messages ---- */

static void free_constraints(constraint_msg *cons, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(cons[i].text);
    free(cons);
}

/* Fills m from one catalog row when the comment has the form
 * "field: message" with a field free of spaces. Returns 1 when it did, 0
 * for a comment of another form, TL_ERROR when memory runs out. */
static int constraint_from_row(constraint_msg *m, const PGresult *res, int row)
{
    const char *schema = PQgetvalue(res, row, 0);
    const char *table = PQgetvalue(res, row, 1);
    const char *name = PQgetvalue(res, row, 2);
    const char *desc = PQgetvalue(res, row, 3);
    const char *sep = strstr(desc, ": ");
    const char *msg;
    size_t field_len;
    size_t i;
    char *p;

    if (sep == NULL || sep == desc)
        return 0;
    field_len = (size_t)(sep - desc);
    for (i = 0; i < field_len; i++)
        if (isspace((unsigned char)desc[i]))
            return 0;
    msg = sep + 2;
    while (isspace((unsigned char)*msg))
        msg++;
    if (*msg == '\0')
        return 0;
    p = malloc(strlen(schema) + strlen(table) + strlen(name) + field_len +
               strlen(msg) + 5);
    if (p == NULL)
        return TL_ERROR;
    m->text = p;
    m->schema = strcpy(p, schema);
    p += strlen(p) + 1;
    m->table = strcpy(p, table);
    p += strlen(p) + 1;
    m->name = strcpy(p, name);
    p += strlen(p) + 1;
    memcpy(p, desc, field_len);
    p[field_len] = '\0';
    m->field = p;
    p += field_len + 1;
    m->message = strcpy(p, msg);
    return 1;
}

/* The message for a violated constraint, or NULL. The server names the
 * schema and table, which tells apart constraints of the same name on
 * different tables; a domain constraint has no table. */
static const constraint_msg *find_constraint(const tl_db *db,
                                             const char *schema,
                                             const char *table,
                                             const char *name)
{
    size_t i;

    for (i = 0; i < db->n_cons; i++) {
        const constraint_msg *m = &db->cons[i];
        if (strcmp(m->name, name) != 0)
            continue;
        if (schema != NULL && strcmp(m->schema, schema) != 0)
            continue;
        if (strcmp(m->table, table != NULL ? table : "") != 0)
            continue;
        return m;
    }
    return NULL;
}

/* ---- the SQLSTATE classifier ---- */

typedef struct violation_kind {
    const char *sqlstate;
    const char *code;    /* problem code */
    int status;          /* TL_DB_DUPLICATE or TL_DB_VIOLATION */
    const char *generic; /* message without a comment; NULL: names rule */
} violation_kind;

static const violation_kind violation_kinds[] = {
    {"23505", "duplicate", TL_DB_DUPLICATE,
     "a record with these values already exists"},
    {"23503", "not_found", TL_DB_VIOLATION, "referenced record does not exist"},
    {"23502", "required", TL_DB_VIOLATION, "value is required"},
    {"23514", "invalid", TL_DB_VIOLATION, NULL},
    {"23P01", "conflict", TL_DB_VIOLATION,
     "value conflicts with an existing record"},
    {NULL, "invalid", TL_DB_VIOLATION, NULL}};

/* A class 23 error becomes a user problem. Its field and message come
 * from the constraint's comment, else from the column or constraint name
 * and a generic sentence: the server's own text (which quotes the
 * offending values and internal names) never reaches the user. */
static int violation(const tl_db *db, const PGresult *res, const char *sqlstate,
                     const char *what, tl_err *err)
{
    const char *schema = PQresultErrorField(res, PG_DIAG_SCHEMA_NAME);
    const char *table = PQresultErrorField(res, PG_DIAG_TABLE_NAME);
    const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
    const char *cname = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
    const violation_kind *k = violation_kinds;
    const constraint_msg *m = NULL;
    const char *field;

    while (k->sqlstate != NULL && strcmp(k->sqlstate, sqlstate) != 0)
        k++;
    if (cname != NULL)
        m = find_constraint(db, schema, table, cname);
    TL_LOG(TL_LOG_DEBUG, "db: %s: SQLSTATE %s on constraint %s.%s.%s%s", what,
           sqlstate, schema ? schema : "?", table ? table : "?",
           cname ? cname : "?", m ? "" : " (no message comment)");
    if (m != NULL) {
        tl_err_add(err, k->code, m->field, "%s", m->message);
    } else {
        field = column != NULL ? column : (cname != NULL ? cname : "");
        if (k->generic != NULL)
            tl_err_add(err, k->code, field, "%s", k->generic);
        else
            tl_err_add(err, k->code, field, "value breaks rule %s",
                       cname != NULL ? cname : "of the database");
    }
    if (err != NULL)
        err->status = k->status;
    return k->status;
}

/* True for SQLSTATEs that mean the session is gone: class 08 (connection
 * exception) and the server shutting down or terminating us. 08P01
 * (protocol violation) is left out: the server also reports a statement
 * bound with the wrong number of parameters that way, on a connection
 * that is still fine, and retrying our own bug would not help. */
static int connection_lost_state(const char *s)
{
    if (s == NULL || strcmp(s, "08P01") == 0)
        return 0;
    return strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 ||
           strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0;
}

/* THE classifier. Returns the row count of a successful result (returned
 * or affected rows; 0 for COPY and empty queries), else a negative status
 * with err filled. what names the statement for messages and the log. */
static int db_status(tl_db *db, const PGresult *res, const char *what,
                     tl_err *err)
{
    ExecStatusType st = res != NULL ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    const char *state = NULL;
    char msg[TL_ERR_MSG_MAX];

    switch (st) {
    case PGRES_TUPLES_OK:
        return PQntuples(res);
    case PGRES_COMMAND_OK:
        return command_rows(res);
    case PGRES_EMPTY_QUERY:
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
        return 0;
    default:
        break;
    }
    if (res != NULL)
        state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    failure_text(msg, sizeof(msg), db, res);
    if (PQstatus(db->conn) == CONNECTION_BAD || connection_lost_state(state)) {
        TL_LOG(TL_LOG_WARN, "db: %s: connection lost: %s", what, msg);
        return tl_err_set(err, TL_DB_SOFT, "connection_lost", "",
                          "%s: lost the connection to the database", what);
    }
    if (state != NULL &&
        (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)) {
        TL_LOG(TL_LOG_DEBUG, "db: %s: SQLSTATE %s, retryable", what, state);
        return tl_err_set(err, TL_DB_SOFT, "retry", "",
                          "%s: the database asked to retry the transaction "
                          "(SQLSTATE %s)",
                          what, state);
    }
    if (state != NULL && strncmp(state, "23", 2) == 0)
        return violation(db, res, state, what, err);
    if (state != NULL &&
        (strcmp(state, "42P01") == 0 || strcmp(state, "3F000") == 0)) {
        TL_LOG(TL_LOG_ERROR, "db: %s failed: SQLSTATE %s: %s", what, state,
               msg);
        return tl_err_set(err, TL_DB_HARD, "not_migrated", "",
                          "%s: the database lacks trunkline's tables (%s); "
                          "run `trunkline db migrate`",
                          what, msg);
    }
    /* an undefined column or function: most likely a database migrated
     * by an older trunkline */
    if (state != NULL &&
        (strcmp(state, "42703") == 0 || strcmp(state, "42883") == 0)) {
        TL_LOG(TL_LOG_ERROR, "db: %s failed: SQLSTATE %s: %s", what, state,
               msg);
        return tl_err_set(err, TL_DB_HARD, "not_migrated", "",
                          "%s: %s; the database is older than this program: "
                          "see `trunkline db status` and run `trunkline db "
                          "migrate`",
                          what, msg);
    }
    TL_LOG(TL_LOG_ERROR, "db: %s failed: SQLSTATE %s: %s", what,
           state != NULL ? state : "none", msg);
    return tl_err_set(err, TL_DB_HARD, "db_error", "", "%s: %s", what, msg);
}

/* A bug on our side (the caller broke the contract, or SQL and C
 * disagree): logged as ours, and HARD for the caller. */
static int db_bug(tl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int db_bug(tl_err *err, const char *fmt, ...)
{
    char msg[TL_ERR_MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    TL_LOG(TL_LOG_ERROR, "db: bug: %s", msg);
    return tl_err_set(err, TL_DB_HARD, "db_error", "", "%s", msg);
}

/* ---- connections ---- */

int tl_db_default_conninfo(char *buf, size_t size, tl_err *err)
{
    const char *env = getenv("TRUNKLINE_DB");
    const char *home = getenv("TRUNKLINE_HOME");
    char path[4096];
    char line[CONNINFO_MAX];
    FILE *f = NULL;
    int rc = TL_ENOTFOUND;

    assert(buf != NULL && size > 0);
    buf[0] = '\0';
    if (env != NULL && env[0] != '\0') {
        if (strlen(env) >= size)
            return tl_err_set(err, TL_ERROR, "db_config", "TRUNKLINE_DB",
                              "TRUNKLINE_DB is longer than %zu bytes",
                              size - 1);
        memcpy(buf, env, strlen(env) + 1);
        return 0;
    }
#ifdef TL_SOURCE_DIR
    if (home == NULL || home[0] == '\0')
        home = TL_SOURCE_DIR;
#endif
    if (home == NULL || home[0] == '\0') {
        snprintf(path, sizeof(path), "%s", ".local/pg/conninfo");
        goto cleanup;
    }
    snprintf(path, sizeof(path), "%s/.local/pg/conninfo", home);
    f = fopen(path, "r");
    if (f == NULL)
        goto cleanup;
    if (fgets(line, sizeof(line), f) == NULL)
        goto cleanup;
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0')
        goto cleanup;
    if (strlen(line) >= size) {
        rc = tl_err_set(err, TL_ERROR, "db_config", "",
                        "the connection string in %s is longer than %zu "
                        "bytes",
                        path, size - 1);
        goto cleanup;
    }
    memcpy(buf, line, strlen(line) + 1);
    rc = 0;
cleanup:
    if (f != NULL)
        fclose(f);
    if (rc == TL_ENOTFOUND)
        tl_err_set(err, TL_ENOTFOUND, "db_not_configured", "",
                   "no database configured: run `scripts/pg start` in the "
                   "trunkline source tree to start the private PostgreSQL "
                   "cluster, or set TRUNKLINE_DB to a libpq connection "
                   "string (%s is missing or empty)",
                   path);
    return rc;
}

/* libpq prints NOTICEs and WARNINGs to stderr by default; library code
 * never prints, so they go to the log instead. */
static void on_notice(void *arg, const char *message)
{
    char line[TL_ERR_MSG_MAX];

    (void)arg;
    one_line(line, sizeof(line), message);
    TL_LOG(TL_LOG_DEBUG, "db: server says: %s", line);
}

int tl_db_reload_constraints(tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    constraint_msg *cons = NULL;
    size_t n = 0;
    int rows;
    int i;
    int rc;

    assert(db != NULL);
    res = PQexec(db->conn, constraint_sql);
    rc = db_status(db, res, "load constraint messages", err);
    if (rc < 0)
        goto cleanup;
    rows = PQntuples(res);
    cons = calloc(rows > 0 ? (size_t)rows : 1, sizeof(*cons));
    if (cons == NULL) {
        rc = tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
        goto cleanup;
    }
    for (i = 0; i < rows; i++) {
        rc = constraint_from_row(&cons[n], res, i);
        if (rc < 0) {
            tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
            goto cleanup;
        }
        if (rc == 1)
            n++;
    }
    free_constraints(db->cons, db->n_cons);
    db->cons = cons;
    db->n_cons = n;
    cons = NULL;
    n = 0;
    rc = 0;
cleanup:
    free_constraints(cons, n);
    PQclear(res);
    return rc;
}

/* Runs the session settings and loads the constraint messages: after the
 * first connect and after every reconnect. */
static int session_setup(tl_db *db, tl_err *err)
{
    PGresult *res = PQexec(db->conn, session_sql);
    int rc = db_status(db, res, "session setup", err);

    PQclear(res);
    if (rc < 0)
        return rc;
    return tl_db_reload_constraints(db, err);
}

/* Opens a handle from libpq keywords and values (NULL-terminated) and
 * sets its session up. On failure *out stays NULL and err says why. */
static int open_params(tl_db **out, const char *const *keys,
                       const char *const *vals, int expand_dbname,
                       tl_err *err)
{
    char msg[TL_ERR_MSG_MAX];
    tl_db *db = calloc(1, sizeof(*db));
    int rc;

    if (db == NULL)
        return tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
    db->gen = 1;
    db->conn = PQconnectdbParams(keys, vals, expand_dbname);
    if (db->conn == NULL) {
        rc = tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
        goto cleanup;
    }
    if (PQstatus(db->conn) != CONNECTION_OK) {
        one_line(msg, sizeof(msg), PQerrorMessage(db->conn));
        rc = tl_err_set(err, TL_ERROR, "db_connect", "",
                        "cannot connect to the database: %s", msg);
        goto cleanup;
    }
    PQsetNoticeProcessor(db->conn, on_notice, NULL);
    rc = session_setup(db, err);
    if (rc < 0) {
        rc = TL_ERROR;
        if (err != NULL)
            err->status = TL_ERROR;
        goto cleanup;
    }
    *out = db;
    db = NULL;
    rc = 0;
cleanup:
    tl_db_close(db);
    return rc;
}

int tl_db_connect(tl_db **out, const char *conninfo, const char *dbname,
                  tl_err *err)
{
    char info[CONNINFO_MAX];
    const char *keys[5];
    const char *vals[5];
    int k = 0;
    int rc;

    assert(out != NULL);
    *out = NULL;
    if (conninfo == NULL) {
        rc = tl_db_default_conninfo(info, sizeof(info), err);
        if (rc < 0) {
            /* The contract promises TL_ERROR for any failure to connect;
             * err keeps the explanation of how to configure one. */
            if (err != NULL)
                err->status = TL_ERROR;
            return TL_ERROR;
        }
        conninfo = info;
    }
    /* With expand_dbname the first "dbname" may be a whole connection
     * string; later keywords override what it says, and only the first
     * "dbname" is expanded, so the second is a plain database name. */
    keys[k] = "dbname";
    vals[k++] = conninfo;
    keys[k] = "fallback_application_name";
    vals[k++] = "trunkline";
    keys[k] = "client_encoding";
    vals[k++] = "UTF8";
    if (dbname != NULL) {
        keys[k] = "dbname";
        vals[k++] = dbname;
    }
    keys[k] = NULL;
    vals[k] = NULL;
    return open_params(out, keys, vals, 1, err);
}

int tl_db_connect_again(tl_db **out, tl_db *db, tl_err *err)
{
    PQconninfoOption *opts;
    PQconninfoOption *o;
    const char **keys;
    const char **vals;
    size_t n = 0;
    int rc;

    assert(out != NULL && db != NULL);
    *out = NULL;
    opts = PQconninfo(db->conn);
    if (opts == NULL)
        return tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
    for (o = opts; o->keyword != NULL; o++)
        n++;
    keys = calloc(n + 1, sizeof(*keys));
    vals = calloc(n + 1, sizeof(*vals));
    if (keys == NULL || vals == NULL) {
        rc = tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
    } else {
        n = 0;
        for (o = opts; o->keyword != NULL; o++) {
            if (o->val == NULL || o->val[0] == '\0')
                continue;
            keys[n] = o->keyword;
            vals[n++] = o->val;
        }
        rc = open_params(out, keys, vals, 0, err);
    }
    free(keys);
    free(vals);
    PQconninfoFree(opts);
    return rc;
}

void tl_db_close(tl_db *db)
{
    size_t i;

    if (db == NULL)
        return;
    if (db->conn != NULL)
        PQfinish(db->conn);
    for (i = 0; i < db->stmt_cap; i++)
        free(db->stmts[i].name);
    free(db->stmts);
    free_constraints(db->cons, db->n_cons);
    free(db);
}

PGconn *tl_db_pgconn(tl_db *db)
{
    assert(db != NULL);
    return db->conn;
}

unsigned long tl_db_retry_count(const tl_db *db)
{
    assert(db != NULL);
    return db->retries;
}

int tl_db_in_tx(const tl_db *db)
{
    assert(db != NULL);
    return db->in_tx;
}

/* Re-establishes a connection libpq has marked bad, outside any
 * transaction (inside one, the transaction is lost anyway and the retry
 * of the whole unit comes here first). A fresh session has no prepared
 * statements: the new generation makes every slot stale. */
static int ensure_connection(tl_db *db, tl_err *err)
{
    char msg[TL_ERR_MSG_MAX];
    int rc;

    if (PQstatus(db->conn) == CONNECTION_BAD) {
        TL_LOG(TL_LOG_WARN, "db: connection lost; reconnecting");
        PQreset(db->conn);
        if (PQstatus(db->conn) != CONNECTION_OK) {
            one_line(msg, sizeof(msg), PQerrorMessage(db->conn));
            TL_LOG(TL_LOG_WARN, "db: reconnecting failed: %s", msg);
            return tl_err_set(err, TL_DB_SOFT, "connection_lost", "",
                              "lost the connection to the database and "
                              "could not reconnect: %s",
                              msg);
        }
        db->gen++;
        db->setup_pending = 1;
    }
    if (!db->setup_pending)
        return 0;
    rc = session_setup(db, err);
    db->setup_pending = rc < 0;
    return rc;
}

/* ---- parameters ---- */

void tl_params_init(tl_params *p)
{
    assert(p != NULL);
    p->n = 0;
    p->overflow = 0;
}

/* The next parameter's buffer, or NULL (and overflow set) when full. */
static char *next_buf(tl_params *p)
{
    if (p->n >= TL_DB_MAX_PARAMS) {
        p->overflow = 1;
        return NULL;
    }
    return p->buf[p->n];
}

void tl_params_text(tl_params *p, const char *s)
{
    if (next_buf(p) == NULL)
        return;
    p->values[p->n++] = s;
}

void tl_params_int64(tl_params *p, int64_t v)
{
    char *b = next_buf(p);

    if (b == NULL)
        return;
    snprintf(b, TL_DB_PARAM_BUF, "%" PRId64, v);
    p->values[p->n++] = b;
}

void tl_params_date(tl_params *p, tl_date d)
{
    char *b = next_buf(p);

    if (b == NULL)
        return;
    if (tl_date_format(b, TL_DB_PARAM_BUF, d) < 0) {
        /* Cannot happen with a 40-byte buffer; fail the statement rather
         * than send a wrong value. */
        p->overflow = 1;
        return;
    }
    p->values[p->n++] = b;
}

void tl_params_date_opt(tl_params *p, const tl_date *d)
{
    if (d == NULL)
        tl_params_null(p);
    else
        tl_params_date(p, *d);
}

void tl_params_bool(tl_params *p, int v)
{
    tl_params_text(p, v ? "true" : "false");
}

void tl_params_null(tl_params *p)
{
    tl_params_text(p, NULL);
}

char *tl_db_int64_array(const int64_t *ids, size_t n)
{
    size_t size = 3 + n * 21;
    char *s = malloc(size);
    size_t len = 0;
    size_t i;

    if (s == NULL)
        return NULL;
    s[len++] = '{';
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, size - len, "%s%lld", i ? "," : "",
                                (long long)ids[i]);
    s[len++] = '}';
    s[len] = '\0';
    return s;
}

/* ---- statements ---- */

/* Makes room for one more name, keeping the load factor at most 1/2 so
 * that probing stays short and an insert after preparing cannot fail. */
static int stmt_reserve(tl_db *db)
{
    stmt_slot *grown;
    size_t cap;
    size_t i;

    if ((db->stmt_used + 1) * 2 <= db->stmt_cap)
        return 0;
    cap = db->stmt_cap != 0 ? db->stmt_cap * 2 : STMT_TABLE_MIN;
    grown = calloc(cap, sizeof(*grown));
    if (grown == NULL)
        return -1;
    for (i = 0; i < db->stmt_cap; i++) {
        size_t j;
        if (db->stmts[i].name == NULL)
            continue;
        j = fnv1a(db->stmts[i].name) & (cap - 1);
        while (grown[j].name != NULL)
            j = (j + 1) & (cap - 1);
        grown[j] = db->stmts[i];
    }
    free(db->stmts);
    db->stmts = grown;
    db->stmt_cap = cap;
    return 0;
}

/* The slot holding name, or the empty slot where it belongs. */
static stmt_slot *stmt_find(tl_db *db, const char *name)
{
    size_t j = fnv1a(name) & (db->stmt_cap - 1);

    while (db->stmts[j].name != NULL && strcmp(db->stmts[j].name, name) != 0)
        j = (j + 1) & (db->stmt_cap - 1);
    return &db->stmts[j];
}

/* Prepares name on this connection unless it already was in the current
 * generation. */
static int ensure_prepared(tl_db *db, const char *name, const char *sql,
                           tl_err *err)
{
    uint64_t sql_hash = fnv1a(sql);
    PGresult *res = NULL;
    stmt_slot *slot;
    char *copy = NULL;
    int rc;

    if (strlen(name) > STMT_NAME_MAX)
        return db_bug(err, "statement name %s is longer than %d bytes", name,
                      STMT_NAME_MAX);
    if (stmt_reserve(db) != 0)
        return tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
    slot = stmt_find(db, name);
    if (slot->name != NULL && slot->gen == db->gen) {
        if (slot->sql_hash != sql_hash)
            return db_bug(err, "statement %s is used with two SQL texts", name);
        return 0;
    }
    if (slot->name == NULL) {
        copy = strdup(name);
        if (copy == NULL)
            return tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
    }
    res = PQprepare(db->conn, name, sql, 0, NULL);
    rc = db_status(db, res, name, err);
    if (rc < 0)
        goto cleanup;
    if (copy != NULL) {
        slot->name = copy;
        copy = NULL;
        db->stmt_used++;
    }
    slot->sql_hash = sql_hash;
    slot->gen = db->gen;
    rc = 0;
cleanup:
    free(copy);
    PQclear(res);
    return rc;
}

/* Runs a statement: prepared under name, or unprepared when name is NULL
 * (one-off SQL such as test counts). Returns the row count and the result
 * in *out, or a negative status and *out NULL. */
static int run_statement(tl_db *db, PGresult **out, const char *name,
                         const char *sql, const tl_params *params, tl_err *err)
{
    const char *what = name != NULL ? name : "unnamed statement";
    const char *const *values = params != NULL ? params->values : NULL;
    int n = params != NULL ? params->n : 0;
    PGresult *res = NULL;
    int rc;

    assert(db != NULL && out != NULL && sql != NULL);
    *out = NULL;
    if (params != NULL && params->overflow) {
        rc = db_bug(err, "%s: more than %d parameters, or a bad one", what,
                    TL_DB_MAX_PARAMS);
        goto cleanup;
    }
    if (!db->in_tx) {
        rc = ensure_connection(db, err);
        if (rc < 0)
            goto cleanup;
    }
    if (name != NULL) {
        rc = ensure_prepared(db, name, sql, err);
        if (rc < 0)
            goto cleanup;
        res = PQexecPrepared(db->conn, name, n, values, NULL, NULL, 0);
    } else {
        res = PQexecParams(db->conn, sql, n, NULL, values, NULL, NULL, 0);
    }
    rc = db_status(db, res, what, err);
    if (rc < 0)
        goto cleanup;
    *out = res;
    res = NULL;
cleanup:
    PQclear(res);
    return rc;
}

int tl_db_exec(tl_db *db, const char *name, const char *sql,
               const tl_params *params, tl_err *err)
{
    PGresult *res = NULL;
    int rc = run_statement(db, &res, name, sql, params, err);

    PQclear(res);
    return rc;
}

int tl_db_query(tl_db *db, PGresult **out, const char *name, const char *sql,
                const tl_params *params, tl_err *err)
{
    return run_statement(db, out, name, sql, params, err);
}

int tl_db_query_one(tl_db *db, PGresult **out, const char *name,
                    const char *sql, const tl_params *params, tl_err *err)
{
    const char *what = name != NULL ? name : "unnamed statement";
    PGresult *res = NULL;
    int rc;

    assert(out != NULL);
    *out = NULL;
    rc = run_statement(db, &res, name, sql, params, err);
    if (rc < 0)
        goto cleanup;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = db_bug(err, "%s returns no rows: it is not a query", what);
        goto cleanup;
    }
    if (rc > 1) {
        rc = db_bug(err, "%s returned %d rows where at most one was expected",
                    what, rc);
        goto cleanup;
    }
    if (rc == 1) {
        *out = res;
        res = NULL;
    }
cleanup:
    PQclear(res);
    return rc;
}

int tl_db_select(tl_db *db, const char *name, const char *sql,
                 const tl_params *params, tl_db_row_fn fn, void *cls,
                 tl_err *err)
{
    PGresult *res = NULL;
    tl_row row;
    int rc;
    int i;

    assert(fn != NULL);
    rc = run_statement(db, &res, name, sql, params, err);
    if (rc < 0)
        goto cleanup;
    row.res = res;
    for (i = 0; i < PQntuples(res); i++) {
        int frc;
        row.row = i;
        frc = fn(&row, cls, err);
        if (frc < 0) {
            rc = frc;
            goto cleanup;
        }
    }
cleanup:
    PQclear(res);
    return rc;
}

int tl_db_exec_script(tl_db *db, const char *sql, tl_err *err)
{
    PGresult *res = NULL;
    int rc;

    assert(db != NULL && sql != NULL);
    if (!db->in_tx) {
        rc = ensure_connection(db, err);
        if (rc < 0)
            goto cleanup;
    }
    res = PQexec(db->conn, sql);
    rc = db_status(db, res, "SQL script", err);
    if (rc < 0)
        goto cleanup;
    rc = 0;
    /* A script run on its own has committed whatever constraints and
     * comments it created, so the messages can be read now; inside a
     * transaction the owner of the transaction reloads after COMMIT. */
    if (PQtransactionStatus(db->conn) == PQTRANS_IDLE)
        rc = tl_db_reload_constraints(db, err);
cleanup:
    PQclear(res);
    return rc;
}

/* ---- reading rows ---- */

static int column_of(const tl_row *r, const char *col, tl_err *err)
{
    int c;

    assert(r != NULL && r->res != NULL && col != NULL);
    c = PQfnumber(r->res, col);
    if (c < 0) {
        TL_LOG(TL_LOG_ERROR, "db: bug: the result has no column %s", col);
        return tl_err_set(err, TL_ERROR, "db_column", col,
                          "the result has no column %s", col);
    }
    if (r->row < 0 || r->row >= PQntuples(r->res)) {
        TL_LOG(TL_LOG_ERROR, "db: bug: row %d out of range", r->row);
        return tl_err_set(err, TL_ERROR, "db_column", col,
                          "row %d is out of range", r->row);
    }
    return c;
}

/* The text of a column: *out NULL for SQL NULL when null_ok, else a NULL
 * is an error. */
static int column_text(const tl_row *r, const char *col, int null_ok,
                       const char **out, tl_err *err)
{
    int c = column_of(r, col, err);

    *out = NULL;
    if (c < 0)
        return c;
    if (PQgetisnull(r->res, r->row, c)) {
        if (null_ok)
            return 0;
        TL_LOG(TL_LOG_ERROR, "db: bug: column %s is NULL", col);
        return tl_err_set(err, TL_ERROR, "db_column", col,
                          "column %s is NULL where a value is required", col);
    }
    *out = PQgetvalue(r->res, r->row, c);
    return 0;
}

static int bad_value(const char *col, const char *what, const char *text,
                     tl_err *err)
{
    TL_LOG(TL_LOG_ERROR, "db: bug: column %s holds \"%s\", not %s", col, text,
           what);
    return tl_err_set(err, TL_ERROR, "db_column", col,
                      "column %s holds \"%s\", not %s", col, text, what);
}

int tl_row_isnull(const tl_row *r, const char *col)
{
    int c = column_of(r, col, NULL);

    /* A missing column reads as NULL (TL_ERROR is true), so a caller that
     * forgot a column never goes on to read a value that is not there. */
    if (c < 0)
        return c;
    return PQgetisnull(r->res, r->row, c) ? 1 : 0;
}

int tl_row_text(const tl_row *r, const char *col, const char **out, tl_err *err)
{
    return column_text(r, col, 1, out, err);
}

static int row_int64(const tl_row *r, const char *col, int null_ok,
                     int64_t *out, int *isnull, tl_err *err)
{
    const char *text = NULL;
    int rc = column_text(r, col, null_ok, &text, err);

    *out = 0;
    if (isnull != NULL)
        *isnull = 0;
    if (rc < 0)
        return rc;
    if (text == NULL) {
        if (isnull != NULL)
            *isnull = 1;
        return 0;
    }
    if (parse_int64(text, out) != 0)
        return bad_value(col, "a 64-bit integer", text, err);
    return 0;
}

int tl_row_int64(const tl_row *r, const char *col, int64_t *out, tl_err *err)
{
    return row_int64(r, col, 0, out, NULL, err);
}

int tl_row_int64_opt(const tl_row *r, const char *col, int64_t *out,
                     int *isnull, tl_err *err)
{
    assert(isnull != NULL);
    return row_int64(r, col, 1, out, isnull, err);
}

int tl_row_int(const tl_row *r, const char *col, int *out, tl_err *err)
{
    const char *text = NULL;
    int64_t v = 0;
    int rc;

    *out = 0;
    rc = column_text(r, col, 0, &text, err);
    if (rc < 0)
        return rc;
    if (parse_int64(text, &v) != 0 || v < INT_MIN || v > INT_MAX)
        return bad_value(col, "an int", text, err);
    *out = (int)v;
    return 0;
}

int tl_row_bool(const tl_row *r, const char *col, int *out, tl_err *err)
{
    const char *text = NULL;
    int rc;

    *out = 0;
    rc = column_text(r, col, 0, &text, err);
    if (rc < 0)
        return rc;
    if (strcmp(text, "t") == 0)
        *out = 1;
    else if (strcmp(text, "f") != 0)
        return bad_value(col, "a boolean", text, err);
    return 0;
}

static int row_date(const tl_row *r, const char *col, int null_ok, tl_date *out,
                    int *isnull, tl_err *err)
{
    const char *text = NULL;
    int rc = column_text(r, col, null_ok, &text, err);

    *out = 0;
    if (isnull != NULL)
        *isnull = 0;
    if (rc < 0)
        return rc;
    if (text == NULL) {
        if (isnull != NULL)
            *isnull = 1;
        return 0;
    }
    if (tl_date_parse(out, text) != 0) {
        *out = 0;
        return bad_value(col, "a date", text, err);
    }
    return 0;
}

int tl_row_date(const tl_row *r, const char *col, tl_date *out, tl_err *err)
{
    return row_date(r, col, 0, out, NULL, err);
}

int tl_row_date_opt(const tl_row *r, const char *col, tl_date *out, int *isnull,
                    tl_err *err)
{
    assert(isnull != NULL);
    return row_date(r, col, 1, out, isnull, err);
}

int tl_row_money(const tl_row *r, const char *amount_col, const char *cur_col,
                 tl_money *out, tl_err *err)
{
    const char *cur = NULL;
    int64_t minor = 0;
    int rc;

    out->minor = 0;
    out->cur[0] = '\0';
    rc = row_int64(r, amount_col, 0, &minor, NULL, err);
    if (rc < 0)
        return rc;
    rc = column_text(r, cur_col, 0, &cur, err);
    if (rc < 0)
        return rc;
    if (tl_money_make(out, minor, cur) != 0) {
        out->minor = 0;
        out->cur[0] = '\0';
        return bad_value(cur_col, "a known currency", cur, err);
    }
    return 0;
}

/* ---- transactions ---- */

static int simple_command(tl_db *db, const char *sql, tl_err *err)
{
    PGresult *res = PQexec(db->conn, sql);
    int rc = db_status(db, res, sql, err);

    PQclear(res);
    return rc;
}

/* Ends an open transaction without a word: on a failure path the caller
 * already has its error, and a lost connection rolls back by itself. */
static void rollback_quietly(tl_db *db, const char *name)
{
    PGTransactionStatusType ts = PQtransactionStatus(db->conn);
    PGresult *res;

    if (ts != PQTRANS_INTRANS && ts != PQTRANS_INERROR)
        return;
    res = PQexec(db->conn, "ROLLBACK");
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        TL_LOG(TL_LOG_DEBUG, "db: rollback of `%s' failed", name);
    PQclear(res);
}

/* A pause before the next attempt: exponential backoff (1, 2, 4, 8 ms,
 * then 16 ms) with equal jitter, a random wait between half and all of
 * it, so that transactions that conflicted spread out instead of
 * colliding again in lockstep. Measured with bench/api (sixteen
 * connections placing orders on one account): the linear 2, 4, 6 ms
 * pauses and 6 attempts left 9% of the orders without a commit; this and
 * 10 attempts leave 4.5%, at the same rate of orders placed. */
static void pause_before_retry(tl_db *db, int attempt)
{
    struct timespec now;
    struct timespec ts;
    long cap_us = 1000L << (attempt - 1 < 4 ? attempt - 1 : 4);
    long wait_us;

    if (db->jitter_seed == 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        db->jitter_seed = (unsigned int)now.tv_nsec ^ (unsigned int)getpid();
        db->jitter_seed |= 1u;
    }
    wait_us = cap_us / 2 + (long)((unsigned long)rand_r(&db->jitter_seed) %
                                  (unsigned long)(cap_us / 2 + 1));
    ts.tv_sec = 0;
    ts.tv_nsec = wait_us * 1000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        continue;
}

static int run_tx_once(tl_db *db, const char *name, tl_db_tx_fn fn, void *cls,
                       tl_err *err)
{
    int commit_rc;
    int rc;

    rc = ensure_connection(db, err);
    if (rc < 0)
        return rc;
    rc = simple_command(db, "BEGIN ISOLATION LEVEL SERIALIZABLE", err);
    if (rc < 0)
        goto rollback;
    db->in_tx = 1;
    rc = fn(db, cls, err);
    db->in_tx = 0;
    if (rc < 0)
        goto rollback;
    if (PQtransactionStatus(db->conn) == PQTRANS_INERROR) {
        /* COMMIT would quietly roll back and report success. */
        rc = db_bug(err,
                    "transaction %s went on after a failed statement "
                    "and was rolled back",
                    name);
        goto rollback;
    }
    commit_rc = simple_command(db, "COMMIT", err);
    if (commit_rc < 0) {
        rc = commit_rc;
        goto rollback;
    }
    return rc;
rollback:
    db->in_tx = 0;
    rollback_quietly(db, name);
    return rc;
}

int tl_db_run_tx(tl_db *db, const char *name, tl_db_tx_fn fn, void *cls,
                 tl_err *err)
{
    char last[TL_ERR_MSG_MAX];
    int attempt;
    int rc = TL_ERROR;

    assert(db != NULL && name != NULL && fn != NULL);
    if (db->in_tx) {
        TL_LOG(TL_LOG_DEBUG, "db: transaction `%s' joins the enclosing one",
               name);
        return fn(db, cls, err);
    }
    for (attempt = 1; attempt <= TL_DB_MAX_TX_ATTEMPTS; attempt++) {
        if (attempt > 1) {
            db->retries++;
            pause_before_retry(db, attempt - 1);
            tl_err_clear(err);
        }
        TL_LOG(TL_LOG_DEBUG, "db: starting transaction `%s' (attempt %d)", name,
               attempt);
        rc = run_tx_once(db, name, fn, cls, err);
        if (rc != TL_DB_SOFT)
            return rc;
        TL_LOG(TL_LOG_DEBUG, "db: transaction `%s' must be retried: %s", name,
               err != NULL ? err->message : "");
    }
    snprintf(last, sizeof(last), "%s",
             err != NULL && err->message[0] != '\0'
                 ? err->message
                 : "the unit of work asked for a retry");
    TL_LOG(TL_LOG_WARN, "db: transaction `%s' gave up after %d attempts: %s",
           name, TL_DB_MAX_TX_ATTEMPTS, last);
    return tl_err_set(err, TL_DB_SOFT, "retry", "",
                      "%s: still conflicting after %d attempts (%s)", name,
                      TL_DB_MAX_TX_ATTEMPTS, last);
}

/* ---- COPY ---- */

int tl_db_copy_begin(tl_db *db, const char *copy_sql, tl_err *err)
{
    PGresult *res = NULL;
    int rc;

    assert(db != NULL && copy_sql != NULL);
    db->copy_rc = 0;
    if (!db->in_tx) {
        rc = ensure_connection(db, err);
        if (rc < 0)
            goto cleanup;
    }
    res = PQexec(db->conn, copy_sql);
    rc = db_status(db, res, "COPY FROM STDIN", err);
    if (rc < 0)
        goto cleanup;
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        rc = db_bug(err, "%s is not a COPY ... FROM STDIN", copy_sql);
        goto cleanup;
    }
    rc = 0;
cleanup:
    PQclear(res);
    return rc;
}

/* Fails a COPY after a client-side error; the first failure is the one
 * tl_db_copy_end reports. */
static int copy_failed(tl_db *db, const char *what, tl_err *err)
{
    char msg[TL_ERR_MSG_MAX];
    int rc;

    one_line(msg, sizeof(msg), PQerrorMessage(db->conn));
    if (PQstatus(db->conn) == CONNECTION_BAD) {
        TL_LOG(TL_LOG_WARN, "db: %s: connection lost: %s", what, msg);
        rc = tl_err_set(err, TL_DB_SOFT, "connection_lost", "",
                        "%s: lost the connection to the database", what);
    } else {
        TL_LOG(TL_LOG_ERROR, "db: %s failed: %s", what, msg);
        rc = tl_err_set(err, TL_DB_HARD, "db_error", "", "%s: %s", what, msg);
    }
    if (db->copy_rc == 0)
        db->copy_rc = rc;
    return rc;
}

int tl_db_copy_put(tl_db *db, const char *data, size_t len, tl_err *err)
{
    assert(db != NULL && (data != NULL || len == 0));
    if (db->copy_rc < 0)
        return db->copy_rc;
    while (len > 0) {
        int chunk = len > COPY_CHUNK_MAX ? COPY_CHUNK_MAX : (int)len;
        if (PQputCopyData(db->conn, data, chunk) != 1)
            return copy_failed(db, "COPY data", err);
        data += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

/* Reads the results that end a COPY: the first tells the outcome, the
 * rest (normally none) are drained so the connection is usable again. */
static int copy_result(tl_db *db, const char *what, tl_err *err)
{
    PGresult *res = PQgetResult(db->conn);
    int rc = db_status(db, res, what, err);

    PQclear(res);
    res = PQgetResult(db->conn);
    while (res != NULL) {
        PQclear(res);
        res = PQgetResult(db->conn);
    }
    return rc;
}

int tl_db_copy_end(tl_db *db, tl_err *err)
{
    int failed;
    int rc;

    assert(db != NULL);
    failed = db->copy_rc;
    if (PQputCopyEnd(db->conn,
                     failed < 0 ? "the client stopped the COPY" : NULL) != 1) {
        rc = copy_failed(db, "COPY end", err);
        if (failed < 0)
            rc = failed;
        db->copy_rc = 0;
        return rc;
    }
    if (failed < 0) {
        /* The server answers with an error that only repeats ours. */
        copy_result(db, "COPY FROM STDIN", NULL);
        db->copy_rc = 0;
        return failed;
    }
    return copy_result(db, "COPY FROM STDIN", err);
}

int tl_db_copy_out(tl_db *db, const char *copy_sql, tl_db_copy_sink sink,
                   void *cls, tl_err *err)
{
    PGresult *res = NULL;
    int sink_rc = 0;
    int rc;

    assert(db != NULL && copy_sql != NULL && sink != NULL);
    if (!db->in_tx) {
        rc = ensure_connection(db, err);
        if (rc < 0)
            goto cleanup;
    }
    res = PQexec(db->conn, copy_sql);
    rc = db_status(db, res, "COPY TO STDOUT", err);
    if (rc < 0)
        goto cleanup;
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        rc = db_bug(err, "%s is not a COPY ... TO STDOUT", copy_sql);
        goto cleanup;
    }
    /* After the sink says stop, the rest is still read and dropped: the
     * protocol has no way to end a COPY OUT early but cancelling. */
    for (;;) {
        char *buf = NULL;
        int len = PQgetCopyData(db->conn, &buf, 0);
        if (len < 0)
            break;
        if (sink_rc >= 0)
            sink_rc = sink(buf, (size_t)len, cls);
        PQfreemem(buf);
    }
    rc = copy_result(db, "COPY TO STDOUT", err);
    if (rc >= 0 && sink_rc < 0)
        rc = tl_err_set(err, sink_rc, "copy_stopped", "",
                        "the COPY output was refused by its consumer");
cleanup:
    PQclear(res);
    return rc;
}
