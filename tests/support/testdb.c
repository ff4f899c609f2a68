/*
 * Test databases (see testdb.h).
 *
 * Each open creates tl_test_<pid>_<n>, a copy of the migrated template,
 * from a short-lived maintenance connection to the server's "postgres"
 * database. Test processes run in parallel (ctest -j, and Check forks
 * each test), so one advisory lock key arbitrates between them: building
 * the template takes it exclusively, copying the template takes it shared.
 * That keeps tests from copying a half-built template and from tripping
 * over each other's connections to it. CREATE DATABASE ... TEMPLATE still
 * refuses while anyone else is connected to the template (SQLSTATE 55006:
 * a psql session, or the builder's own connection not yet gone), so it is
 * retried a few times. The template is built under a temporary name and
 * renamed when complete, so a crash mid-build never leaves a template that
 * looks finished.
 *
 * A failing Check test exits before its teardown, leaving its database
 * behind; the pid in the name lets a later test drop it once that process
 * is gone.
 */
#include "tests/support/testdb.h"

#include "orders/orders.h"
#include "provisioning/provisioning.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/migrate.h"

/* "trkltmpl": the advisory lock key of the template. */
#define TEMPLATE_LOCK_KEY "8390887169298624620"
#define ADMIN_ATTEMPTS 30
#define CONNINFO_MAX 4096

/* Test support state: the connection string of the database opened last
 * (tl_test_db_conninfo) and a counter making names unique per process. */
static char last_conninfo[CONNINFO_MAX];
static unsigned long db_counter;

static int in_ci(void)
{
    const char *ci = getenv("CI");

    return ci != NULL && strcmp(ci, "true") == 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts;

    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

/* Aborts the test because the server cannot be used, with the reason. */
static void no_server(const char *what, const tl_err *err)
{
    ck_abort_msg("%s: %s -- database tests never skip: start the private "
                 "cluster with `scripts/pg start` or set TRUNKLINE_DB%s",
                 what, err->message,
                 in_ci() ? " (CI=true: CI must start PostgreSQL before the "
                           "tests)"
                         : "");
}

static void base_conninfo(char *buf, size_t size)
{
    tl_err err = TL_ERR_INIT;

    if (tl_db_default_conninfo(buf, size, &err) < 0)
        no_server("no database server configured for the tests", &err);
    tl_err_clear(&err);
}

/* A connection for CREATE and DROP DATABASE. It goes to "postgres" rather
 * than to the configured database, which might be the template itself;
 * a server without a "postgres" database gets the configured one. */
static tl_db *maint_connect(const char *base)
{
    tl_err err = TL_ERR_INIT;
    tl_db *db = NULL;

    if (tl_db_connect(&db, base, "postgres", &err) == 0)
        return db;
    tl_err_clear(&err);
    if (tl_db_connect(&db, base, NULL, &err) != 0)
        no_server("cannot reach the database server", &err);
    tl_err_clear(&err);
    return db;
}

/* Runs one administrative statement. Returns 0, or -1 with the SQLSTATE
 * (or "") in state and the server's message in msg. */
static int admin(tl_db *db, const char *sql, int nparams,
                 const char *const *params, char state[6], char *msg,
                 size_t msg_size)
{
    PGresult *res = PQexecParams(tl_db_pgconn(db), sql, nparams, NULL, params,
                                 NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    const char *s;
    int rc = 0;

    state[0] = '\0';
    if (msg_size > 0)
        msg[0] = '\0';
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        snprintf(state, 6, "%s", s != NULL ? s : "");
        snprintf(msg, msg_size, "%s",
                 res != NULL ? PQresultErrorMessage(res)
                             : PQerrorMessage(tl_db_pgconn(db)));
        rc = -1;
    }
    PQclear(res);
    return rc;
}

/* As admin, aborting the test on failure. */
static void admin_or_abort(tl_db *db, const char *sql, int nparams,
                           const char *const *params)
{
    char state[6];
    char msg[512];

    if (admin(db, sql, nparams, params, state, msg, sizeof(msg)) != 0)
        ck_abort_msg("%s failed (SQLSTATE %s): %s", sql, state, msg);
}

/* As admin_or_abort, retrying while another session is connected to the
 * database the statement needs to itself (SQLSTATE 55006). */
static void admin_retry(tl_db *db, const char *sql)
{
    char state[6];
    char msg[512];
    int attempt;

    for (attempt = 1; attempt <= ADMIN_ATTEMPTS; attempt++) {
        if (admin(db, sql, 0, NULL, state, msg, sizeof(msg)) == 0)
            return;
        if (strcmp(state, "55006") != 0)
            break;
        sleep_ms(20L * (attempt < 10 ? attempt : 10));
    }
    ck_abort_msg("%s failed (SQLSTATE %s): %s", sql, state, msg);
}

static void lock_template(tl_db *db, const char *fn)
{
    char sql[96];
    const char *key = TEMPLATE_LOCK_KEY;

    snprintf(sql, sizeof(sql), "SELECT %s($1::bigint)", fn);
    admin_or_abort(db, sql, 1, &key);
}

static int database_exists(tl_db *db, const char *name)
{
    PGresult *res = PQexecParams(tl_db_pgconn(db),
                                 "SELECT 1 FROM pg_database WHERE datname = $1",
                                 1, NULL, &name, NULL, NULL, 0);
    int found;

    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK,
                  "looking up database %s: %s", name,
                  PQerrorMessage(tl_db_pgconn(db)));
    found = PQntuples(res) == 1;
    PQclear(res);
    return found;
}

/* The pid in a test database name "tl_test_<pid>_...", or 0. */
static long owner_pid(const char *name)
{
    const char *p = name + strlen("tl_test_");
    long pid = 0;

    if (strncmp(name, "tl_test_", 8) != 0)
        return 0;
    for (; *p >= '0' && *p <= '9' && pid < 100000000L; p++)
        pid = pid * 10 + (*p - '0');
    return *p == '_' ? pid : 0;
}

static void db_statement(char *sql, size_t size, tl_db *db, const char *verb,
                         const char *name, const char *rest);

/* Drops the test databases of processes that no longer run. Only over a
 * unix socket: the pids must be of this machine's processes. */
static void sweep_orphans(tl_db *maint)
{
    PGconn *conn = tl_db_pgconn(maint);
    const char *host = PQhost(conn);
    PGresult *res;
    char sql[512];
    char state[6];
    char msg[256];
    int i;

    if (host == NULL || host[0] != '/')
        return;
    res = PQexec(conn, "SELECT datname FROM pg_database"
                       " WHERE datname LIKE 'tl\\_test\\_%'");
    for (i = 0; PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res);
         i++) {
        const char *name = PQgetvalue(res, i, 0);
        long pid = owner_pid(name);
        if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        db_statement(sql, sizeof(sql), maint, "DROP DATABASE IF EXISTS", name,
                     " WITH (FORCE)");
        /* Another test may be sweeping the same one: failures are fine. */
        (void)admin(maint, sql, 0, NULL, state, msg, sizeof(msg));
    }
    PQclear(res);
}

/* Writes "<verb> <quoted name><rest>" into sql. */
static void db_statement(char *sql, size_t size, tl_db *db, const char *verb,
                         const char *name, const char *rest)
{
    PGconn *conn = tl_db_pgconn(db);
    char *q = PQescapeIdentifier(conn, name, strlen(name));

    ck_assert_msg(q != NULL, "quoting %s: %s", name, PQerrorMessage(conn));
    snprintf(sql, size, "%s %s%s", verb, q, rest);
    PQfreemem(q);
}

/* Builds the template: a fresh database from template0 under a temporary
 * name, migrated with this checkout's migrations, then renamed. Called
 * with the template lock held exclusively. */
static void build_template(tl_db *maint, const char *base, const char *tmpl)
{
    char build[128];
    char rest[160];
    char sql[512];
    char *q = NULL;
    tl_err err = TL_ERR_INIT;
    tl_db *db = NULL;
    size_t applied = 0;
    char *text;

    snprintf(build, sizeof(build), "%s_build", tmpl);
    db_statement(sql, sizeof(sql), maint, "DROP DATABASE IF EXISTS", build,
                 " WITH (FORCE)");
    admin_or_abort(maint, sql, 0, NULL);
    db_statement(sql, sizeof(sql), maint, "CREATE DATABASE", build,
                 " TEMPLATE template0");
    admin_or_abort(maint, sql, 0, NULL);
    if (tl_db_connect(&db, base, build, &err) != 0)
        no_server("cannot connect to the new template", &err);
    if (tl_migrate_apply(&applied, db, tl_migrate_default_dir(), &err) < 0) {
        text = tl_err_to_text(&err);
        ck_abort_msg("migrating the test template from %s failed: %s",
                     tl_migrate_default_dir(), text ? text : err.message);
    }
    tl_db_close(db);
    tl_err_clear(&err);
    q = PQescapeIdentifier(tl_db_pgconn(maint), tmpl, strlen(tmpl));
    ck_assert_msg(q != NULL, "quoting %s", tmpl);
    snprintf(rest, sizeof(rest), " RENAME TO %s", q);
    PQfreemem(q);
    db_statement(sql, sizeof(sql), maint, "ALTER DATABASE", build, rest);
    admin_retry(maint, sql);
}

/* Rebuilds the connection string with dbname replaced, whatever form
 * (key=value or URI) the base has. */
static void conninfo_with_db(char *out, size_t size, const char *base,
                             const char *dbname)
{
    PQconninfoOption *opts;
    PQconninfoOption *o;
    char *errmsg = NULL;
    size_t len = 0;

    opts = PQconninfoParse(base, &errmsg);
    ck_assert_msg(opts != NULL, "bad connection string: %s",
                  errmsg ? errmsg : "out of memory");
    out[0] = '\0';
    for (o = opts; o->keyword != NULL; o++) {
        const char *v = o->val;
        const char *p;
        if (v == NULL || strcmp(o->keyword, "dbname") == 0)
            continue;
        len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s='",
                                o->keyword);
        for (p = v; *p != '\0' && len + 3 < size; p++) {
            if (*p == '\'' || *p == '\\')
                out[len++] = '\\';
            out[len++] = *p;
        }
        len += (size_t)snprintf(out + len, len < size ? size - len : 0, "' ");
    }
    len += (size_t)snprintf(out + len, len < size ? size - len : 0,
                            "dbname='%s'", dbname);
    PQconninfoFree(opts);
    ck_assert_msg(len < size, "connection string too long");
}

tl_db *tl_test_db_open(void)
{
    /* as the trunkline program does at start */
    orders_set_inventory(provisioning_inventory_lookup);
    const char *tmpl = getenv("TRUNKLINE_TEST_TEMPLATE");
    char base[CONNINFO_MAX];
    char name[64];
    char sql[512];
    tl_err err = TL_ERR_INIT;
    tl_db *maint;
    tl_db *db = NULL;

    if (tmpl == NULL || tmpl[0] == '\0')
        tmpl = "trunkline_template";
    base_conninfo(base, sizeof(base));
    maint = maint_connect(base);
    sweep_orphans(maint);
    snprintf(name, sizeof(name), "tl_test_%ld_%lu", (long)getpid(),
             ++db_counter);

    lock_template(maint, "pg_advisory_lock_shared");
    if (!database_exists(maint, tmpl)) {
        lock_template(maint, "pg_advisory_unlock_shared");
        lock_template(maint, "pg_advisory_lock");
        if (!database_exists(maint, tmpl))
            build_template(maint, base, tmpl);
        lock_template(maint, "pg_advisory_unlock");
        lock_template(maint, "pg_advisory_lock_shared");
    }
    /* A database of this name is left over from a crashed run whose pid
     * has come round again: it is ours to drop. */
    db_statement(sql, sizeof(sql), maint, "DROP DATABASE IF EXISTS", name,
                 " WITH (FORCE)");
    admin_or_abort(maint, sql, 0, NULL);
    {
        char rest[160];
        char *q = PQescapeIdentifier(tl_db_pgconn(maint), tmpl, strlen(tmpl));
        ck_assert_msg(q != NULL, "quoting %s", tmpl);
        snprintf(rest, sizeof(rest), " TEMPLATE %s", q);
        PQfreemem(q);
        db_statement(sql, sizeof(sql), maint, "CREATE DATABASE", name, rest);
    }
    admin_retry(maint, sql);
    lock_template(maint, "pg_advisory_unlock_shared");
    tl_db_close(maint);

    if (tl_db_connect(&db, base, name, &err) != 0)
        no_server("cannot connect to the test database", &err);
    tl_err_clear(&err);
    conninfo_with_db(last_conninfo, sizeof(last_conninfo), base, name);
    return db;
}

/* Fails the test when query, which names a broken invariant, returns a
 * row: the message is broken, then the row's one column. A connection the
 * test left unusable is not judged here. */
static void assert_no_row(tl_db *db, const char *query, const char *broken)
{
    PGconn *conn = tl_db_pgconn(db);
    PGresult *res;

    if (PQstatus(conn) != CONNECTION_OK ||
        PQtransactionStatus(conn) != PQTRANS_IDLE)
        return;
    res = PQexec(conn, query);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0) {
        char what[256];
        snprintf(what, sizeof(what), "%s", PQgetvalue(res, 0, 0));
        PQclear(res);
        ck_abort_msg("%s: %s", broken, what);
    }
    PQclear(res);
}

/* The invoice and payment positions collections keeps by trigger must
 * still equal their recomputation from the ledger after whatever the test
 * did; and every charge and tax line must still name an invoice and a
 * service code that exist (the statement-level checks of migration 0105
 * stand in for foreign keys there). */
static void assert_invariants_kept(tl_db *db)
{
    assert_no_row(db,
                  "SELECT kind || ' ' || item_id || ': kept '"
                  " || coalesce(kept_minor::text, 'none') || ', ledger '"
                  " || coalesce(actual_minor::text, 'none')"
                  " FROM collections.position_drift() LIMIT 1",
                  "a collections position drifted from the ledger");
    assert_no_row(db,
                  "SELECT line_table || ' ' || account_id || '/'"
                  " || invoice_id || '/' || line_no || ': ' || problem"
                  " FROM billing.line_reference_gaps() LIMIT 1",
                  "an invoice line names what does not exist");
}

void tl_test_db_close(tl_db *db)
{
    char base[CONNINFO_MAX];
    char name[128];
    char sql[512];
    tl_db *maint;

    if (db == NULL)
        return;
    snprintf(name, sizeof(name), "%s", PQdb(tl_db_pgconn(db)));
    assert_invariants_kept(db);
    tl_db_close(db);
    /* Only ever drop what tl_test_db_open made. */
    if (strncmp(name, "tl_test_", 8) != 0)
        return;
    base_conninfo(base, sizeof(base));
    maint = maint_connect(base);
    db_statement(sql, sizeof(sql), maint, "DROP DATABASE IF EXISTS", name,
                 " WITH (FORCE)");
    admin_or_abort(maint, sql, 0, NULL);
    tl_db_close(maint);
}

const char *tl_test_db_conninfo(void)
{
    return last_conninfo;
}
