/*
 * The migration runner against an empty database (not the template) and
 * a scratch folder of migrations written by each test: bad names, the
 * pending list, applying in order and only once, the refusal of edited
 * or removed applied files, and a failing migration rolled back alone.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/db.h"
#include "common/migrate.h"

static tl_db *maint;
static tl_db *db;
static char dbname[64];
static char dir[64];
static tl_err err;
static unsigned long counter;

/* The migrations, and the SHA-256 of each (computed with sha256sum). */
static const char mig_a[] = "CREATE TABLE mig_a (id integer PRIMARY KEY);\n";
static const char sum_a[] =
    "8b24d1da389e1df049bd403179f0ef4f29fdbac7faa1107af23baddb14b6b5df";
static const char mig_a_edited[] =
    "-- edited\nCREATE TABLE mig_a (id integer PRIMARY KEY);\n";
static const char sum_a_edited[] =
    "71bebf0f13e8effe37851686f68af9fc18c86309ab8a5b82d8359a422edcb029";
/* Needs 0001 first: it fills 0001's table. */
static const char mig_b[] =
    "INSERT INTO mig_a VALUES (1), (2);\n"
    "CREATE TABLE mig_b (code text CONSTRAINT mig_b_code_key UNIQUE);\n"
    "COMMENT ON CONSTRAINT mig_b_code_key ON mig_b IS\n"
    "    'code: this code is taken';\n";
static const char sum_b[] =
    "e34e0ac98616ad1f2c7150b01fbe562460983b3729e84d984ccb5dd7e622178b";
static const char mig_b_failing[] = "CREATE TABLE mig_b (code text);\n"
                                    "SELECT 1 / 0;\n";
static const char mig_c[] = "CREATE TABLE mig_c (id integer);\n";

static void admin(tl_db *h, const char *sql)
{
    tl_err e = TL_ERR_INIT;

    ck_assert_msg(tl_db_exec_script(h, sql, &e) == 0, "%s: %s", sql, e.message);
    tl_err_clear(&e);
}

/* A fresh, empty database from template0 (the test template would come
 * with every migration applied), and an empty folder. */
static void setup(void)
{
    char sql[160];
    tl_err e = TL_ERR_INIT;

    tl_err_init(&err);
    ck_assert_msg(tl_db_connect(&maint, NULL, "postgres", &e) == 0,
                  "cannot reach the database server: %s. Start it with "
                  "`scripts/pg start` or set TRUNKLINE_DB",
                  e.message);
    snprintf(dbname, sizeof(dbname), "tl_test_%ld_mig%lu", (long)getpid(),
             ++counter);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
             dbname);
    admin(maint, sql);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE template0", dbname);
    admin(maint, sql);
    ck_assert_msg(tl_db_connect(&db, NULL, dbname, &e) == 0, "%s", e.message);
    snprintf(dir, sizeof(dir), "/tmp/tl_mig_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    tl_err_clear(&e);
}

static void teardown(void)
{
    char sql[160];
    char path[512];
    DIR *d;
    struct dirent *de;

    tl_err_clear(&err);
    tl_db_close(db);
    db = NULL;
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
             dbname);
    admin(maint, sql);
    tl_db_close(maint);
    maint = NULL;
    d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    for (de = readdir(d); de != NULL; de = readdir(d)) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        ck_assert_int_eq(unlink(path), 0);
    }
    closedir(d);
    ck_assert_int_eq(rmdir(dir), 0);
}

static void put(const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
}

static void drop_file(const char *name)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    ck_assert_int_eq(unlink(path), 0);
}

static long long count(const char *sql)
{
    PGresult *res = NULL;
    tl_err e = TL_ERR_INIT;
    tl_row row;
    int64_t n = -1;

    ck_assert_msg(tl_db_query_one(db, &res, NULL, sql, NULL, &e) == 1, "%s",
                  e.message);
    row.res = res;
    row.row = 0;
    ck_assert_int_eq(tl_row_int64(&row, "n", &n, &e), 0);
    PQclear(res);
    tl_err_clear(&e);
    return (long long)n;
}

static int table_exists(const char *name)
{
    char sql[160];

    snprintf(sql, sizeof(sql),
             "SELECT count(*) AS n FROM pg_class WHERE relname = '%s'", name);
    return count(sql) == 1;
}

static long long ledger_rows(void)
{
    return count("SELECT count(*) AS n FROM common.schema_migration");
}

static const tl_problem *problem_at(const char *field)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0)
            return &err.problems[i];
    return NULL;
}

/* ---- rejects ---- */

START_TEST(bad_names_are_invalid)
{
    tl_migration *list = (tl_migration *)&err; /* any non-NULL value */
    size_t n = 99;
    size_t applied = 99;
    const tl_problem *p;

    put("0001_a.sql", mig_a);
    put("1_bad.sql", mig_c);
    put("0002_Bad.sql", mig_c);
    put("0003_bad-dash.sql", mig_c);
    /* not migrations: ignored */
    put("notes.txt", "hello");
    put("0004_draft.sql.orig", mig_c);
    put(".0005_hidden.sql", mig_c);

    ck_assert_int_eq(tl_migrate_status(&list, &n, db, dir, &err), TL_EINVALID);
    ck_assert_ptr_null(list);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(err.status, TL_EINVALID);
    ck_assert_uint_eq(err.n_problems, 3);
    p = problem_at("1_bad.sql");
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->code, "invalid");
    ck_assert_ptr_nonnull(problem_at("0002_Bad.sql"));
    ck_assert_ptr_nonnull(problem_at("0003_bad-dash.sql"));

    tl_err_clear(&err);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), TL_EINVALID);
    ck_assert_uint_eq(applied, 0);
    ck_assert(!table_exists("mig_a"));
    ck_assert_int_eq(ledger_rows(), 0);
}
END_TEST

START_TEST(two_files_with_one_version_are_invalid)
{
    tl_migration *list = NULL;
    size_t n = 0;

    put("0001_a.sql", mig_a);
    put("0001_c.sql", mig_c);
    ck_assert_int_eq(tl_migrate_status(&list, &n, db, dir, &err), TL_EINVALID);
    ck_assert_ptr_null(list);
    ck_assert_uint_eq(err.n_problems, 1);
    ck_assert_str_eq(err.problems[0].code, "duplicate");
    ck_assert_str_eq(err.problems[0].field, "0001_c.sql");
    ck_assert_str_eq(err.problems[0].message,
                     "0001_c.sql has the same version as 0001_a.sql");
}
END_TEST

START_TEST(missing_folder_is_an_error)
{
    size_t applied = 99;

    ck_assert_int_eq(tl_migrate_apply(&applied, db, "/nonexistent/sql", &err),
                     TL_ERROR);
    ck_assert_uint_eq(applied, 0);
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/sql"));
}
END_TEST

/* ---- status and apply ---- */

START_TEST(status_lists_pending_in_version_order)
{
    tl_migration *list = NULL;
    size_t n = 0;

    put("0002_b.sql", mig_b);
    put("0001_a.sql", mig_a);
    put("README", "not a migration");
    ck_assert_int_eq(tl_migrate_status(&list, &n, db, dir, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(list[0].version, 1);
    ck_assert_str_eq(list[0].name, "0001_a.sql");
    ck_assert_str_eq(list[0].checksum, sum_a);
    ck_assert_int_eq(list[0].applied, 0);
    ck_assert_str_eq(list[0].applied_at, "");
    ck_assert_int_eq(list[0].changed, 0);
    ck_assert_int_eq(list[0].missing, 0);
    ck_assert_int_eq(list[1].version, 2);
    ck_assert_str_eq(list[1].name, "0002_b.sql");
    ck_assert_str_eq(list[1].checksum, sum_b);
    ck_assert_int_eq(list[1].applied, 0);
    free(list);
    /* status only reads: no ledger yet */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM pg_class"
                           " WHERE relname = 'schema_migration'"),
                     0);
}
END_TEST

START_TEST(apply_runs_each_pending_file_once_in_order)
{
    tl_migration *list = NULL;
    size_t n = 0;
    size_t applied = 0;
    char expect[256];
    PGresult *res = NULL;

    put("0002_b.sql", mig_b);
    put("0001_a.sql", mig_a);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), 0);
    ck_assert_uint_eq(applied, 2);
    /* 0002 filled 0001's table, so 0001 ran first */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM mig_a"), 2);
    snprintf(expect, sizeof(expect), "1 0001_a.sql %s,2 0002_b.sql %s", sum_a,
             sum_b);
    ck_assert_int_eq(
        tl_db_query_one(db, &res, NULL,
                        "SELECT string_agg(version || ' ' || name || ' ' ||"
                        " checksum, ',' ORDER BY version) AS l"
                        " FROM common.schema_migration",
                        NULL, &err),
        1);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), expect);
    PQclear(res);
    /* the ledger describes itself: table and four columns */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM pg_description d"
                           " WHERE d.objoid = "
                           "'common.schema_migration'::regclass"),
                     5);

    ck_assert_int_eq(tl_migrate_status(&list, &n, db, dir, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(list[0].applied, 1);
    ck_assert_int_eq(list[1].applied, 1);
    ck_assert_int_eq(list[1].changed, 0);
    ck_assert_uint_eq(strlen(list[0].applied_at), 20);
    ck_assert_int_eq(list[0].applied_at[10], 'T');
    ck_assert_int_eq(list[0].applied_at[19], 'Z');
    free(list);

    /* again: nothing to do */
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), 0);
    ck_assert_uint_eq(applied, 0);
    ck_assert_int_eq(ledger_rows(), 2);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM mig_a"), 2);

    /* a new file: only it runs */
    put("0003_c.sql", mig_c);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), 0);
    ck_assert_uint_eq(applied, 1);
    ck_assert(table_exists("mig_c"));
    ck_assert_int_eq(ledger_rows(), 3);
}
END_TEST

START_TEST(applied_constraint_comments_are_used_at_once)
{
    size_t applied = 0;

    put("0001_a.sql", mig_a);
    put("0002_b.sql", mig_b);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), 0);
    ck_assert_uint_eq(applied, 2);
    ck_assert_int_eq(tl_db_exec(db, "test_dup",
                                "INSERT INTO mig_b VALUES ('x'), ('x')", NULL,
                                &err),
                     TL_DB_DUPLICATE);
    ck_assert_str_eq(err.problems[0].code, "duplicate");
    ck_assert_str_eq(err.problems[0].field, "code");
    ck_assert_str_eq(err.problems[0].message, "this code is taken");
}
END_TEST

/* ---- applied files are never edited ---- */

START_TEST(changed_applied_file_stops_everything)
{
    tl_migration *list = NULL;
    size_t n = 0;
    size_t applied = 0;
    char expect[512];

    put("0001_a.sql", mig_a);
    put("0002_b.sql", mig_b);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), 0);
    put("0001_a.sql", mig_a_edited);
    put("0003_c.sql", mig_c);

    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), TL_ECONFLICT);
    ck_assert_uint_eq(applied, 0);
    ck_assert_int_eq(err.status, TL_ECONFLICT);
    ck_assert_uint_eq(err.n_problems, 1);
    ck_assert_str_eq(err.problems[0].code, "migration_changed");
    ck_assert_str_eq(err.problems[0].field, "0001_a.sql");
    snprintf(expect, sizeof(expect),
             "migration 0001_a.sql was changed after it was applied "
             "(recorded checksum %.12s..., file now %.12s...); applied "
             "migrations are never edited: add a new migration instead",
             sum_a, sum_a_edited);
    ck_assert_str_eq(err.problems[0].message, expect);
    ck_assert(!table_exists("mig_c"));
    ck_assert_int_eq(ledger_rows(), 2);

    tl_err_clear(&err);
    ck_assert_int_eq(tl_migrate_status(&list, &n, db, dir, &err), 0);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(list[0].changed, 1);
    ck_assert_str_eq(list[0].checksum, sum_a_edited);
    ck_assert_int_eq(list[1].changed, 0);
    ck_assert_int_eq(list[2].applied, 0);
    free(list);
}
END_TEST

START_TEST(removed_applied_file_stops_everything)
{
    tl_migration *list = NULL;
    size_t n = 0;
    size_t applied = 0;

    put("0001_a.sql", mig_a);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), 0);
    drop_file("0001_a.sql");
    put("0003_c.sql", mig_c);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), TL_ECONFLICT);
    ck_assert_uint_eq(applied, 0);
    ck_assert_str_eq(err.problems[0].code, "migration_missing");
    ck_assert_str_eq(err.problems[0].field, "0001_a.sql");
    ck_assert(!table_exists("mig_c"));

    tl_err_clear(&err);
    ck_assert_int_eq(tl_migrate_status(&list, &n, db, dir, &err), 0);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(list[0].missing, 1);
    ck_assert_int_eq(list[0].applied, 1);
    ck_assert_str_eq(list[0].name, "0001_a.sql");
    ck_assert_str_eq(list[0].checksum, "");
    free(list);
}
END_TEST

/* ---- failures ---- */

START_TEST(failing_migration_rolls_back_alone)
{
    size_t applied = 0;

    put("0001_a.sql", mig_a);
    put("0002_b.sql", mig_b_failing);
    put("0003_c.sql", mig_c);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), TL_ERROR);
    ck_assert_uint_eq(applied, 1);
    ck_assert_str_eq(err.field, "0002_b.sql");
    ck_assert_msg(strncmp(err.message, "migration 0002_b.sql failed: ", 29) ==
                      0,
                  "message: %s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "division by zero"));
    ck_assert(table_exists("mig_a"));
    ck_assert(!table_exists("mig_b")); /* created, then rolled back */
    ck_assert(!table_exists("mig_c")); /* never reached */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM"
                           " common.schema_migration WHERE version = 1"),
                     1);
    ck_assert_int_eq(ledger_rows(), 1);

    /* a migration that never applied may still be fixed */
    tl_err_clear(&err);
    put("0002_b.sql", mig_b);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), 0);
    ck_assert_uint_eq(applied, 2);
    ck_assert_int_eq(ledger_rows(), 3);
}
END_TEST

START_TEST(two_handles_apply_each_file_once)
{
    tl_db *second = NULL;
    size_t applied = 0;
    size_t applied2 = 0;

    ck_assert_int_eq(tl_db_connect(&second, NULL, dbname, &err), 0);
    put("0001_a.sql", mig_a);
    ck_assert_int_eq(tl_migrate_apply(&applied, db, dir, &err), 0);
    ck_assert_int_eq(tl_migrate_apply(&applied2, second, dir, &err), 0);
    ck_assert_uint_eq(applied, 1);
    ck_assert_uint_eq(applied2, 0);
    tl_db_close(second);
}
END_TEST

/* ---- the folder ---- */

START_TEST(default_dir_follows_the_environment)
{
    const char *home = getenv("TRUNKLINE_HOME");
    char *old_home = home != NULL ? strdup(home) : NULL;

    ck_assert_int_eq(setenv("TRUNKLINE_SQL_DIR", "/srv/sql", 1), 0);
    ck_assert_int_eq(setenv("TRUNKLINE_HOME", "/srv/home", 1), 0);
    ck_assert_str_eq(tl_migrate_default_dir(), "/srv/sql");
    ck_assert_int_eq(unsetenv("TRUNKLINE_SQL_DIR"), 0);
    ck_assert_str_eq(tl_migrate_default_dir(), "/srv/home/sql");
    ck_assert_int_eq(unsetenv("TRUNKLINE_HOME"), 0);
    ck_assert_str_eq(tl_migrate_default_dir(), TL_SOURCE_DIR "/sql");
    if (old_home != NULL)
        ck_assert_int_eq(setenv("TRUNKLINE_HOME", old_home, 1), 0);
    free(old_home);
}
END_TEST

static Suite *migrate_suite(void)
{
    Suite *s = suite_create("migrate");
    TCase *tc = tcase_create("migrate");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bad_names_are_invalid);
    tcase_add_test(tc, two_files_with_one_version_are_invalid);
    tcase_add_test(tc, missing_folder_is_an_error);
    tcase_add_test(tc, changed_applied_file_stops_everything);
    tcase_add_test(tc, removed_applied_file_stops_everything);
    tcase_add_test(tc, failing_migration_rolls_back_alone);
    tcase_add_test(tc, status_lists_pending_in_version_order);
    tcase_add_test(tc, apply_runs_each_pending_file_once_in_order);
    tcase_add_test(tc, applied_constraint_comments_are_used_at_once);
    tcase_add_test(tc, two_handles_apply_each_file_once);
    tcase_add_test(tc, default_dir_follows_the_environment);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(migrate_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
