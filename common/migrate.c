/*
 * The migration runner (see migrate.h for the contract).
 *
 * A run first builds one list, ordered by version, that merges the folder
 * and the ledger: each entry is a file (version, name, SHA-256 of its
 * bytes) and/or a ledger row (name, recorded checksum, when applied). The
 * checksums are computed by the server (sha256() is built in), so no
 * crypto library is needed; the file is sent as text, which is exactly
 * its bytes since files must be UTF-8 without NUL bytes anyway to be run.
 *
 * Applying holds a session-level advisory lock for the whole run, taken
 * before the list is read, so a second migrator waits and then finds
 * nothing left to do. Each migration then runs in its own transaction
 * which takes the same key as a transaction-level lock and checks the
 * ledger again, runs the file, and records it; a failure rolls back that
 * migration alone and stops the run. The session lock must come first:
 * a SERIALIZABLE transaction takes its snapshot at its first statement,
 * so a lock taken inside it would be granted after a snapshot that cannot
 * see what the previous holder committed.
 */
#include "common/migrate.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/db_internal.h"
#include "common/log.h"

/* "trklmigr": the advisory lock key every migrator of a database uses. */
#define MIGRATE_LOCK_KEY "8390887169180919666"
#define MIGRATION_FILE_MAX (16 * 1024 * 1024)
#define CHECKSUM_LEN 64

/* One merged entry: the public part plus what the ledger recorded. */
typedef struct mig_entry {
    tl_migration pub;
    char recorded[CHECKSUM_LEN + 1]; /* ledger checksum, "" if pending */
    char recorded_name[128];         /* ledger file name, "" if pending */
} mig_entry;

/* A growable array of entries; status is the first failure of a row
 * callback (STYLE 11). */
typedef struct mig_list {
    mig_entry *items;
    size_t n;
    size_t cap;
    int status;
} mig_list;

typedef struct apply_ctx {
    const mig_entry *m;
    const char *sql;
    int skipped; /* another migrator applied it first */
} apply_ctx;

static const char ledger_sql[] =
    "CREATE SCHEMA IF NOT EXISTS common;\n"
    "CREATE TABLE IF NOT EXISTS common.schema_migration (\n"
    "    version    integer PRIMARY KEY\n"
    "               CONSTRAINT schema_migration_version_range\n"
    "               CHECK (version BETWEEN 0 AND 9999),\n"
    "    name       text NOT NULL,\n"
    "    checksum   text NOT NULL\n"
    "               CONSTRAINT schema_migration_checksum_hex\n"
    "               CHECK (checksum ~ '^[0-9a-f]{64}$'),\n"
    "    applied_at timestamptz NOT NULL DEFAULT now()\n"
    ");\n"
    "COMMENT ON TABLE common.schema_migration IS 'Ledger of applied schema "
    "migrations (sql/NNNN_name.sql), one row each, written by the migration "
    "runner in the same transaction as the migration.';\n"
    "COMMENT ON COLUMN common.schema_migration.version IS 'NNNN from the "
    "file name; migrations are applied in this order.';\n"
    "COMMENT ON COLUMN common.schema_migration.name IS 'File name of the "
    "migration, e.g. 0001_common.sql.';\n"
    "COMMENT ON COLUMN common.schema_migration.checksum IS 'SHA-256 (hex) "
    "of the file''s bytes when it was applied; a file that no longer "
    "matches stops the runner.';\n"
    "COMMENT ON COLUMN common.schema_migration.applied_at IS 'When the "
    "migration was applied (committed with it).';\n";

const char *tl_migrate_default_dir(void)
{
    /* The one piece of state here: the path built from $TRUNKLINE_HOME
     * must outlive the call, and the signature leaves nowhere else. */
    static char path[4096];
    const char *dir = getenv("TRUNKLINE_SQL_DIR");
    const char *home = getenv("TRUNKLINE_HOME");

    if (dir != NULL && dir[0] != '\0')
        return dir;
    if (home != NULL && home[0] != '\0') {
        snprintf(path, sizeof(path), "%s/sql", home);
        return path;
    }
#ifdef TL_SOURCE_DIR
    return TL_SOURCE_DIR "/sql";
#else
    return "sql";
#endif
}

/* ---- the folder ---- */

/* True for NNNN_name.sql: four digits, '_', then one or more lower-case
 * ASCII letters, digits or '_', then ".sql". */
static int good_name(const char *s)
{
    size_t n = strlen(s);
    size_t i;

    if (n < 10 || n >= sizeof(((tl_migration *)0)->name))
        return 0;
    for (i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    if (s[4] != '_' || strcmp(s + n - 4, ".sql") != 0)
        return 0;
    for (i = 5; i < n - 4; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return 1;
}

static int ends_with_sql(const char *s)
{
    size_t n = strlen(s);

    return n >= 4 && strcmp(s + n - 4, ".sql") == 0;
}

static mig_entry *list_push(mig_list *l)
{
    mig_entry *grown;
    size_t cap;

    if (l->n == l->cap) {
        cap = l->cap != 0 ? l->cap * 2 : 16;
        grown = realloc(l->items, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        l->items = grown;
        l->cap = cap;
    }
    memset(&l->items[l->n], 0, sizeof(l->items[0]));
    return &l->items[l->n++];
}

static int by_version(const void *a, const void *b)
{
    const mig_entry *x = a;
    const mig_entry *y = b;

    if (x->pub.version != y->pub.version)
        return x->pub.version < y->pub.version ? -1 : 1;
    return strcmp(x->pub.name, y->pub.name);
}

/* Lists the migration files of dir, sorted by version. Every badly named
 * .sql file and every repeated version is reported before giving up with
 * TL_EINVALID. Files not ending in .sql are not ours, and hidden ones are
 * editor droppings (".#0001_x.sql" lock files). */
static int scan_dir(mig_list *out, const char *dir, tl_err *err)
{
    DIR *d = NULL;
    struct dirent *de;
    int bad = 0;
    size_t i;
    int rc;

    d = opendir(dir);
    if (d == NULL) {
        rc = tl_err_set(err, TL_ERROR, "migrate_dir", "",
                        "cannot open the migration folder %s: %s", dir,
                        strerror(errno));
        goto cleanup;
    }
    for (;;) {
        mig_entry *m;
        /* readdir reports an error only through errno. */
        errno = 0;
        de = readdir(d);
        if (de == NULL)
            break;
        if (de->d_name[0] == '.' || !ends_with_sql(de->d_name))
            continue;
        if (!good_name(de->d_name)) {
            tl_err_add(err, "invalid", de->d_name,
                       "%s: migration files are named NNNN_name.sql (four "
                       "digits, '_', then lower-case letters, digits and "
                       "'_')",
                       de->d_name);
            bad = 1;
            continue;
        }
        m = list_push(out);
        if (m == NULL) {
            rc = tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
            goto cleanup;
        }
        /* good_name checked that it fits. */
        memcpy(m->pub.name, de->d_name, strlen(de->d_name) + 1);
        m->pub.version = (de->d_name[0] - '0') * 1000 +
                         (de->d_name[1] - '0') * 100 +
                         (de->d_name[2] - '0') * 10 + (de->d_name[3] - '0');
    }
    if (errno != 0) {
        rc = tl_err_set(err, TL_ERROR, "migrate_dir", "",
                        "cannot read the migration folder %s: %s", dir,
                        strerror(errno));
        goto cleanup;
    }
    if (out->n > 1)
        qsort(out->items, out->n, sizeof(out->items[0]), by_version);
    for (i = 1; i < out->n; i++) {
        if (out->items[i].pub.version != out->items[i - 1].pub.version)
            continue;
        tl_err_add(err, "duplicate", out->items[i].pub.name,
                   "%s has the same version as %s", out->items[i].pub.name,
                   out->items[i - 1].pub.name);
        bad = 1;
    }
    rc = bad ? TL_EINVALID : 0;
    if (bad && err != NULL)
        err->status = TL_EINVALID;
cleanup:
    if (d != NULL)
        closedir(d);
    return rc;
}

/* Reads dir/name whole into a NUL-terminated malloc'ed buffer. A NUL byte
 * inside would silently cut the SQL short, so it makes the file invalid. */
static int read_migration(char **out, const char *dir, const char *name,
                          tl_err *err)
{
    char path[4096];
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    int fd = -1;
    int rc;

    *out = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fd = open(path, O_RDONLY);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = tl_err_set(err, TL_ERROR, "migrate_read", name,
                        "cannot read %s: %s", path, strerror(errno));
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > MIGRATION_FILE_MAX) {
        rc = tl_err_add(err, "invalid", name,
                        "%s must be a regular file of at most %d bytes", name,
                        MIGRATION_FILE_MAX);
        goto cleanup;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        rc = tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
        goto cleanup;
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = tl_err_set(err, TL_ERROR, "migrate_read", name,
                            "cannot read %s: %s", path,
                            r < 0 ? strerror(errno) : "file shrank");
            goto cleanup;
        }
        got += (size_t)r;
    }
    buf[got] = '\0';
    if (strlen(buf) != got) {
        rc = tl_err_add(err, "invalid", name, "%s contains a NUL byte", name);
        goto cleanup;
    }
    *out = buf;
    buf = NULL;
    rc = 0;
cleanup:
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

/* The SHA-256 of the text, computed by the server. */
static int checksum_of(char out[CHECKSUM_LEN + 1], tl_db *db, const char *text,
                       tl_err *err)
{
    PGresult *res = NULL;
    const char *hex = NULL;
    tl_params p;
    tl_row row;
    int rc;

    out[0] = '\0';
    tl_params_init(&p);
    tl_params_text(&p, text);
    rc = tl_db_query_one(db, &res, "tl_migrate_checksum",
                         "SELECT encode(sha256(convert_to($1::text, 'UTF8')),"
                         " 'hex') AS checksum",
                         &p, err);
    if (rc < 0)
        goto cleanup;
    row.res = res;
    row.row = 0;
    rc = tl_row_text(&row, "checksum", &hex, err);
    if (rc < 0)
        goto cleanup;
    snprintf(out, CHECKSUM_LEN + 1, "%s", hex);
    rc = 0;
cleanup:
    PQclear(res);
    return rc;
}

/* Names the failing migration in the headline; the problem list (e.g. a
 * constraint a data migration broke) stays as it is. */
static int name_failure(tl_err *err, int status, const char *name)
{
    char msg[TL_ERR_MSG_MAX];
    char code[TL_ERR_CODE_MAX];

    if (err == NULL)
        return status;
    snprintf(msg, sizeof(msg), "%s", err->message);
    snprintf(code, sizeof(code), "%s",
             err->code[0] != '\0' ? err->code : "migration_failed");
    return tl_err_set(err, status, code, name, "migration %s failed: %s", name,
                      msg);
}

/* Reads and checksums every file of the list. */
static int checksum_files(mig_list *files, tl_db *db, const char *dir,
                          tl_err *err)
{
    char *text = NULL;
    size_t i;
    int rc = 0;

    for (i = 0; i < files->n; i++) {
        mig_entry *m = &files->items[i];
        rc = read_migration(&text, dir, m->pub.name, err);
        if (rc < 0)
            break;
        rc = checksum_of(m->pub.checksum, db, text, err);
        free(text);
        text = NULL;
        if (rc < 0) {
            /* e.g. the server refuses bytes that are not UTF-8 */
            rc = name_failure(err, rc, m->pub.name);
            break;
        }
    }
    return rc;
}

/* ---- the ledger ---- */

static int ledger_exists(int *exists, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    tl_row row;
    int rc;

    *exists = 0;
    rc = tl_db_query_one(db, &res, "tl_migrate_ledger_exists",
                         "SELECT to_regclass('common.schema_migration')"
                         " IS NOT NULL AS present",
                         NULL, err);
    if (rc < 0)
        goto cleanup;
    row.res = res;
    row.row = 0;
    rc = tl_row_bool(&row, "present", exists, err);
cleanup:
    PQclear(res);
    return rc;
}

static int ledger_row(const tl_row *row, void *cls, tl_err *err)
{
    mig_list *l = cls;
    const char *name = NULL;
    const char *sum = NULL;
    const char *at = NULL;
    mig_entry *m;
    int version = 0;

    if (tl_row_int(row, "version", &version, err) < 0 ||
        tl_row_text(row, "name", &name, err) < 0 ||
        tl_row_text(row, "checksum", &sum, err) < 0 ||
        tl_row_text(row, "applied_at", &at, err) < 0 || name == NULL ||
        sum == NULL || at == NULL) {
        l->status = TL_ERROR;
        return tl_err_set(err, TL_ERROR, "migrate_ledger", "",
                          "common.schema_migration has an unreadable row");
    }
    m = list_push(l);
    if (m == NULL) {
        l->status = TL_ERROR;
        return tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
    }
    m->pub.version = version;
    m->pub.applied = 1;
    snprintf(m->pub.applied_at, sizeof(m->pub.applied_at), "%s", at);
    snprintf(m->recorded, sizeof(m->recorded), "%s", sum);
    snprintf(m->recorded_name, sizeof(m->recorded_name), "%s", name);
    return 0;
}

static int read_ledger(mig_list *out, tl_db *db, tl_err *err)
{
    int exists = 0;
    int rc;

    rc = ledger_exists(&exists, db, err);
    if (rc < 0 || !exists)
        return rc < 0 ? rc : 0;
    rc = tl_db_select(db, "tl_migrate_ledger",
                      "SELECT version, name, checksum,"
                      " to_char(applied_at AT TIME ZONE 'UTC',"
                      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS applied_at"
                      " FROM common.schema_migration ORDER BY version",
                      NULL, ledger_row, out, err);
    if (rc >= 0 && out->status < 0)
        rc = out->status;
    return rc < 0 ? rc : 0;
}

/* ---- merging ---- */

/* Merges files and ledger (both sorted by version) into out. */
static int merge(mig_list *out, const mig_list *files, const mig_list *ledger,
                 tl_err *err)
{
    size_t i = 0;
    size_t j = 0;

    while (i < files->n || j < ledger->n) {
        const mig_entry *f = i < files->n ? &files->items[i] : NULL;
        const mig_entry *g = j < ledger->n ? &ledger->items[j] : NULL;
        mig_entry *m = list_push(out);
        if (m == NULL)
            return tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
        if (g == NULL || (f != NULL && f->pub.version < g->pub.version)) {
            *m = *f; /* pending */
            i++;
        } else if (f == NULL || g->pub.version < f->pub.version) {
            *m = *g; /* applied, file gone */
            snprintf(m->pub.name, sizeof(m->pub.name), "%s", g->recorded_name);
            m->pub.missing = 1;
            j++;
        } else {
            *m = *g;
            memcpy(m->pub.name, f->pub.name, sizeof(m->pub.name));
            memcpy(m->pub.checksum, f->pub.checksum, sizeof(m->pub.checksum));
            m->pub.changed = strcmp(g->recorded, f->pub.checksum) != 0 ||
                             strcmp(g->recorded_name, f->pub.name) != 0;
            i++;
            j++;
        }
    }
    return 0;
}

/* The merged list of dir and the ledger. */
static int collect(mig_list *out, tl_db *db, const char *dir, tl_err *err)
{
    mig_list files = {NULL, 0, 0, 0};
    mig_list ledger = {NULL, 0, 0, 0};
    int rc;

    rc = scan_dir(&files, dir, err);
    if (rc < 0)
        goto cleanup;
    rc = checksum_files(&files, db, dir, err);
    if (rc < 0)
        goto cleanup;
    rc = read_ledger(&ledger, db, err);
    if (rc < 0)
        goto cleanup;
    rc = merge(out, &files, &ledger, err);
cleanup:
    free(files.items);
    free(ledger.items);
    return rc;
}

int tl_migrate_status(tl_migration **out, size_t *n, tl_db *db, const char *dir,
                      tl_err *err)
{
    mig_list list = {NULL, 0, 0, 0};
    tl_migration *pub = NULL;
    size_t i;
    int rc;

    assert(out != NULL && n != NULL && db != NULL && dir != NULL);
    *out = NULL;
    *n = 0;
    rc = collect(&list, db, dir, err);
    if (rc < 0)
        goto cleanup;
    pub = calloc(list.n > 0 ? list.n : 1, sizeof(*pub));
    if (pub == NULL) {
        rc = tl_err_set(err, TL_ERROR, "no_memory", "", "out of memory");
        goto cleanup;
    }
    for (i = 0; i < list.n; i++)
        pub[i] = list.items[i].pub;
    *out = pub;
    *n = list.n;
    pub = NULL;
    rc = 0;
cleanup:
    free(pub);
    free(list.items);
    return rc;
}

/* ---- applying ---- */

static int create_ledger(tl_db *db, void *cls, tl_err *err)
{
    int exists = 0;
    int rc;

    (void)cls;
    rc = ledger_exists(&exists, db, err);
    if (rc < 0 || exists)
        return rc < 0 ? rc : 0;
    return tl_db_exec_script(db, ledger_sql, err);
}

static int apply_one(tl_db *db, void *cls, tl_err *err)
{
    apply_ctx *ctx = cls;
    tl_params p;
    char version[8];
    int rc;

    snprintf(version, sizeof(version), "%d", ctx->m->pub.version);
    tl_params_init(&p);
    tl_params_text(&p, MIGRATE_LOCK_KEY);
    rc = tl_db_exec(db, "tl_migrate_xact_lock",
                    "SELECT pg_advisory_xact_lock($1::bigint)", &p, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_text(&p, version);
    rc = tl_db_exec(db, "tl_migrate_is_applied",
                    "SELECT 1 FROM common.schema_migration"
                    " WHERE version = $1::integer",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        ctx->skipped = 1;
        return 0;
    }
    rc = tl_db_exec_script(db, ctx->sql, err);
    if (rc < 0)
        return rc;
    tl_params_text(&p, ctx->m->pub.name);
    tl_params_text(&p, ctx->sql);
    rc = tl_db_exec(db, "tl_migrate_record",
                    "INSERT INTO common.schema_migration"
                    " (version, name, checksum) VALUES ($1::integer, $2,"
                    " encode(sha256(convert_to($3::text, 'UTF8')), 'hex'))",
                    &p, err);
    return rc < 0 ? rc : 0;
}

/* Reports every applied migration whose file changed or disappeared.
 * Returns TL_ECONFLICT when there is one, else 0. */
static int check_applied(const mig_list *list, tl_err *err)
{
    size_t i;
    int conflict = 0;

    for (i = 0; i < list->n; i++) {
        const mig_entry *m = &list->items[i];
        if (m->pub.missing) {
            tl_err_add(err, "migration_missing", m->pub.name,
                       "migration %s was applied but its file is gone; "
                       "applied migrations are never removed",
                       m->pub.name);
            conflict = 1;
        } else if (m->pub.changed &&
                   strcmp(m->recorded_name, m->pub.name) != 0) {
            tl_err_add(err, "migration_changed", m->pub.name,
                       "migration %s was applied as %s; applied migrations "
                       "are never renamed: add a new migration instead",
                       m->pub.name, m->recorded_name);
            conflict = 1;
        } else if (m->pub.changed) {
            tl_err_add(err, "migration_changed", m->pub.name,
                       "migration %s was changed after it was applied "
                       "(recorded checksum %.12s..., file now %.12s...); "
                       "applied migrations are never edited: add a new "
                       "migration instead",
                       m->pub.name, m->recorded, m->pub.checksum);
            conflict = 1;
        }
    }
    if (!conflict)
        return 0;
    if (err != NULL)
        err->status = TL_ECONFLICT;
    return TL_ECONFLICT;
}

static int lock_session(tl_db *db, int lock, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, MIGRATE_LOCK_KEY);
    if (lock)
        return tl_db_exec(db, "tl_migrate_lock",
                          "SELECT pg_advisory_lock($1::bigint)", &p, err);
    return tl_db_exec(db, "tl_migrate_unlock",
                      "SELECT pg_advisory_unlock($1::bigint)", &p, err);
}

int tl_migrate_apply(size_t *applied, tl_db *db, const char *dir, tl_err *err)
{
    mig_list list = {NULL, 0, 0, 0};
    char *sql = NULL;
    int locked = 0;
    size_t i;
    int rc;

    assert(applied != NULL && db != NULL && dir != NULL);
    *applied = 0;
    if (tl_db_in_tx(db)) {
        TL_LOG(TL_LOG_ERROR, "migrate: bug: called inside a transaction");
        rc = tl_err_set(err, TL_ERROR, "migrate_in_tx", "",
                        "migrations run in their own transactions, not "
                        "inside another one");
        goto cleanup;
    }
    rc = lock_session(db, 1, err);
    if (rc < 0)
        goto cleanup;
    locked = 1;
    rc = tl_db_run_tx(db, "migrate_ledger", create_ledger, NULL, err);
    if (rc < 0)
        goto cleanup;
    rc = collect(&list, db, dir, err);
    if (rc < 0)
        goto cleanup;
    rc = check_applied(&list, err);
    if (rc < 0)
        goto cleanup;
    for (i = 0; i < list.n; i++) {
        apply_ctx ctx;
        if (list.items[i].pub.applied)
            continue;
        rc = read_migration(&sql, dir, list.items[i].pub.name, err);
        if (rc < 0)
            goto cleanup;
        ctx.m = &list.items[i];
        ctx.sql = sql;
        ctx.skipped = 0;
        TL_LOG(TL_LOG_INFO, "migrate: applying %s", ctx.m->pub.name);
        rc = tl_db_run_tx(db, "migrate", apply_one, &ctx, err);
        free(sql);
        sql = NULL;
        if (rc < 0) {
            rc = name_failure(err, rc, list.items[i].pub.name);
            goto cleanup;
        }
        if (!ctx.skipped)
            (*applied)++;
    }
    rc = 0;
cleanup:
    free(sql);
    free(list.items);
    if (locked) {
        tl_err scratch = TL_ERR_INIT;
        /* The schema may have new constraints and comments, even when a
         * later migration failed; and the lock must go either way. */
        if (*applied > 0 && tl_db_reload_constraints(db, &scratch) < 0 &&
            rc == 0) {
            rc = scratch.status;
            if (err != NULL)
                tl_err_copy(err, &scratch);
        }
        tl_err_clear(&scratch);
        if (lock_session(db, 0, &scratch) < 0 && rc == 0) {
            rc = scratch.status;
            if (err != NULL)
                tl_err_copy(err, &scratch);
        }
        tl_err_clear(&scratch);
    }
    return rc;
}
