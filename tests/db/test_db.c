/*
 * The database layer against a fresh database: parameters and row readers
 * with their NULL policy, singleton queries, constraint violations turned
 * into user problems, transactions (commit, rollback, nesting, retries,
 * reconnecting) and COPY both ways. Each test works in a scratch schema it
 * creates itself.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/db.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

/* The scratch schema. Only the unique constraint on code has a message
 * comment; the check and the foreign key fall back to generic problems. */
static const char scratch_sql[] =
    "CREATE SCHEMA scratch;"
    "CREATE TABLE scratch.parent (id bigint PRIMARY KEY);"
    "INSERT INTO scratch.parent VALUES (1);"
    "CREATE TABLE scratch.item ("
    "  id bigint PRIMARY KEY,"
    "  code text NOT NULL CONSTRAINT item_code_key UNIQUE,"
    "  qty integer NOT NULL CONSTRAINT item_qty_positive CHECK (qty > 0),"
    "  parent_id bigint CONSTRAINT item_parent_fkey"
    "    REFERENCES scratch.parent (id));"
    "COMMENT ON CONSTRAINT item_code_key ON scratch.item IS"
    "  'items[0].code: an item with this code already exists';"
    "CREATE SCHEMA scratch2;"
    "CREATE TABLE scratch2.item (code text CONSTRAINT item_code_key UNIQUE);"
    "COMMENT ON CONSTRAINT item_code_key ON scratch2.item IS"
    "  'other.code: another table, another message';";

static void setup(void)
{
    tl_err_init(&err);
    db = tl_test_db_open();
    ck_assert_int_eq(tl_db_exec_script(db, scratch_sql, &err), 0);
}

static void teardown(void)
{
    tl_err_clear(&err);
    tl_test_db_close(db);
    db = NULL;
}

static int64_t count(const char *sql)
{
    PGresult *res = NULL;
    tl_err e = TL_ERR_INIT;
    tl_row row;
    int64_t n = -1;

    ck_assert_int_eq(tl_db_query_one(db, &res, NULL, sql, NULL, &e), 1);
    row.res = res;
    row.row = 0;
    ck_assert_int_eq(tl_row_int64(&row, "n", &n, &e), 0);
    PQclear(res);
    tl_err_clear(&e);
    return n;
}

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

static int insert_item(tl_db *h, int64_t id, const char *code, int64_t qty,
                       tl_err *e)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, id);
    tl_params_text(&p, code);
    tl_params_int64(&p, qty);
    return tl_db_exec(h, "test_item_insert",
                      "INSERT INTO scratch.item (id, code, qty)"
                      " VALUES ($1::bigint, $2, $3::integer)",
                      &p, e);
}

/* ---- parameters and row readers ---- */

/* One row of awkward values, read back with every reader. */
static const char readers_sql[] =
    "SELECT $1::bigint AS max, $2::bigint AS min, $3::date AS d,"
    " $3::date + 1 AS next_day, $4::date AS no_date, $5::boolean AS yes,"
    " $6::boolean AS no, $7::text AS txt, $8::text AS no_txt,"
    " NULL::bigint AS no_int, '9223372036854775808' AS too_big,"
    " '-9223372036854775809' AS too_small, '12x' AS junk, ' 12' AS space,"
    " '+12' AS plus, '' AS empty, '2147483648'::bigint AS int_over,"
    " '-2147483648'::bigint AS int_min, 'infinity'::date AS inf,"
    " 125099::bigint AS amount, 'USD'::char(3) AS usd,"
    " 'XQQ'::char(3) AS bogus, 500::bigint AS yen, 'JPY'::char(3) AS jpy";

START_TEST(readers_reject_bad_values_and_nulls)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int64_t v = 7;
    int iv = 7;
    tl_date d = 7;
    tl_money m;
    const char *text = "x";
    static const char *const bad_int64[] = {
        "too_big", "too_small", "junk", "space", "plus", "empty", "txt"};
    size_t i;

    tl_params_init(&p);
    tl_params_int64(&p, INT64_MAX);
    tl_params_int64(&p, INT64_MIN);
    tl_params_date(&p, day("2024-02-28"));
    tl_params_date_opt(&p, NULL);
    tl_params_bool(&p, 1);
    tl_params_bool(&p, 0);
    tl_params_text(&p, "héllo 'quoted'");
    tl_params_null(&p);
    ck_assert_int_eq(p.n, 8);
    ck_assert_int_eq(
        tl_db_query_one(db, &res, "test_readers", readers_sql, &p, &err), 1);
    row.res = res;
    row.row = 0;

    for (i = 0; i < sizeof(bad_int64) / sizeof(bad_int64[0]); i++) {
        tl_err_clear(&err);
        ck_assert_msg(tl_row_int64(&row, bad_int64[i], &v, &err) == TL_ERROR,
                      "%s read as an int64", bad_int64[i]);
        ck_assert_int_eq(v, 0);
        ck_assert_str_eq(err.field, bad_int64[i]);
    }
    /* NULL where a value is required */
    tl_err_clear(&err);
    ck_assert_int_eq(tl_row_int64(&row, "no_int", &v, &err), TL_ERROR);
    ck_assert_str_eq(err.field, "no_int");
    ck_assert_int_eq(tl_row_date(&row, "no_date", &d, &err), TL_ERROR);
    ck_assert_int_eq(tl_row_bool(&row, "no_int", &iv, &err), TL_ERROR);
    /* a missing column */
    tl_err_clear(&err);
    ck_assert_int_eq(tl_row_text(&row, "nope", &text, &err), TL_ERROR);
    ck_assert_ptr_null(text);
    ck_assert_str_eq(err.field, "nope");
    ck_assert_int_eq(tl_row_isnull(&row, "nope"), TL_ERROR);
    /* int range */
    ck_assert_int_eq(tl_row_int(&row, "int_over", &iv, &err), TL_ERROR);
    ck_assert_int_eq(iv, 0);
    ck_assert_int_eq(tl_row_int(&row, "int_min", &iv, &err), 0);
    ck_assert_int_eq(iv, INT32_MIN);
    /* dates the calendar cannot hold */
    ck_assert_int_eq(tl_row_date(&row, "inf", &d, &err), TL_ERROR);
    ck_assert_int_eq(d, 0);
    ck_assert_int_eq(tl_row_date(&row, "txt", &d, &err), TL_ERROR);
    /* booleans are t or f */
    ck_assert_int_eq(tl_row_bool(&row, "txt", &iv, &err), TL_ERROR);
    /* unknown currency: the amount is invalidated */
    ck_assert_int_eq(tl_row_money(&row, "amount", "bogus", &m, &err), TL_ERROR);
    ck_assert_int_eq(m.minor, 0);
    ck_assert_str_eq(m.cur, "");
    ck_assert_int_eq(tl_row_money(&row, "no_int", "usd", &m, &err), TL_ERROR);
    PQclear(res);
}
END_TEST

START_TEST(readers_read_values_and_nulls)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int64_t v = 0;
    int iv = 0;
    int isnull = -1;
    tl_date d = 0;
    tl_money m;
    const char *text = NULL;

    tl_params_init(&p);
    tl_params_int64(&p, INT64_MAX);
    tl_params_int64(&p, INT64_MIN);
    tl_params_date(&p, day("2024-02-28"));
    tl_params_date_opt(&p, NULL);
    tl_params_bool(&p, 1);
    tl_params_bool(&p, 0);
    tl_params_text(&p, "héllo 'quoted'");
    tl_params_null(&p);
    ck_assert_int_eq(
        tl_db_query_one(db, &res, "test_readers", readers_sql, &p, &err), 1);
    row.res = res;
    row.row = 0;

    ck_assert_int_eq(tl_row_int64(&row, "max", &v, &err), 0);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(tl_row_int64(&row, "min", &v, &err), 0);
    ck_assert(v == INT64_MIN);
    ck_assert_int_eq(tl_row_int64_opt(&row, "no_int", &v, &isnull, &err), 0);
    ck_assert_int_eq(isnull, 1);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(tl_row_int64_opt(&row, "max", &v, &isnull, &err), 0);
    ck_assert_int_eq(isnull, 0);
    ck_assert(v == INT64_MAX);

    ck_assert_int_eq(tl_row_date(&row, "d", &d, &err), 0);
    ck_assert_int_eq(d, day("2024-02-28"));
    ck_assert_int_eq(tl_row_date(&row, "next_day", &d, &err), 0);
    ck_assert_int_eq(d, day("2024-02-29"));
    ck_assert_int_eq(tl_row_date_opt(&row, "no_date", &d, &isnull, &err), 0);
    ck_assert_int_eq(isnull, 1);
    ck_assert_int_eq(tl_row_date_opt(&row, "d", &d, &isnull, &err), 0);
    ck_assert_int_eq(isnull, 0);
    ck_assert_int_eq(d, day("2024-02-28"));

    ck_assert_int_eq(tl_row_bool(&row, "yes", &iv, &err), 0);
    ck_assert_int_eq(iv, 1);
    ck_assert_int_eq(tl_row_bool(&row, "no", &iv, &err), 0);
    ck_assert_int_eq(iv, 0);

    ck_assert_int_eq(tl_row_text(&row, "txt", &text, &err), 0);
    ck_assert_str_eq(text, "héllo 'quoted'");
    ck_assert_int_eq(tl_row_text(&row, "no_txt", &text, &err), 0);
    ck_assert_ptr_null(text);
    ck_assert_int_eq(tl_row_isnull(&row, "no_txt"), 1);
    ck_assert_int_eq(tl_row_isnull(&row, "txt"), 0);

    ck_assert_int_eq(tl_row_money(&row, "amount", "usd", &m, &err), 0);
    ck_assert(m.minor == 125099);
    ck_assert_str_eq(m.cur, "USD");
    ck_assert_int_eq(tl_row_money(&row, "yen", "jpy", &m, &err), 0);
    ck_assert(m.minor == 500);
    ck_assert_str_eq(m.cur, "JPY");
    ck_assert_int_eq(err.status, 0);
    PQclear(res);
}
END_TEST

START_TEST(too_many_params_is_a_bug)
{
    tl_params p;
    int i;

    tl_params_init(&p);
    for (i = 0; i < TL_DB_MAX_PARAMS + 1; i++)
        tl_params_int64(&p, i);
    ck_assert_int_eq(p.n, TL_DB_MAX_PARAMS);
    ck_assert_int_eq(p.overflow, 1);
    ck_assert_int_eq(tl_db_exec(db, "test_many", "SELECT 1", &p, &err),
                     TL_DB_HARD);
    ck_assert_int_eq(err.status, TL_ERROR);
}
END_TEST

/* ---- statements ---- */

START_TEST(query_one_counts_rows)
{
    static const char sql[] =
        "SELECT x FROM generate_series(1, $1::integer) AS x";
    PGresult *res = (PGresult *)&err; /* any non-NULL value */
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, 2);
    ck_assert_int_eq(tl_db_query_one(db, &res, "test_series", sql, &p, &err),
                     TL_DB_HARD);
    ck_assert_ptr_null(res);
    ck_assert_int_eq(err.status, TL_ERROR);
    ck_assert_ptr_nonnull(strstr(err.message, "2 rows"));
    tl_err_clear(&err);

    tl_params_init(&p);
    tl_params_int64(&p, 0);
    ck_assert_int_eq(tl_db_query_one(db, &res, "test_series", sql, &p, &err),
                     TL_DB_NONE);
    ck_assert_ptr_null(res);

    tl_params_init(&p);
    tl_params_int64(&p, 1);
    ck_assert_int_eq(tl_db_query_one(db, &res, "test_series", sql, &p, &err),
                     TL_DB_ONE);
    ck_assert_ptr_nonnull(res);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
    PQclear(res);
    ck_assert_int_eq(err.status, 0);
}
END_TEST

START_TEST(exec_returns_affected_rows)
{
    ck_assert_int_eq(insert_item(db, 1, "A", 1, &err), 1);
    ck_assert_int_eq(insert_item(db, 2, "B", 2, &err), 1);
    ck_assert_int_eq(insert_item(db, 3, "C", 3, &err), 1);
    ck_assert_int_eq(tl_db_exec(db, "test_bump",
                                "UPDATE scratch.item SET qty = qty + 1"
                                " WHERE qty >= 2",
                                NULL, &err),
                     2);
    ck_assert_int_eq(tl_db_exec(db, "test_none",
                                "DELETE FROM scratch.item WHERE id > 99", NULL,
                                &err),
                     0);
    ck_assert_int_eq(count("SELECT sum(qty) AS n FROM scratch.item"), 8);
}
END_TEST

START_TEST(one_name_for_two_statements_is_a_bug)
{
    ck_assert_int_eq(tl_db_exec(db, "test_twice", "SELECT 1", NULL, &err), 1);
    ck_assert_int_eq(tl_db_exec(db, "test_twice", "SELECT 1", NULL, &err), 1);
    ck_assert_int_eq(tl_db_exec(db, "test_twice", "SELECT 2", NULL, &err),
                     TL_DB_HARD);
    tl_err_clear(&err);
    ck_assert_int_eq(tl_db_exec(db,
                                "test_a_statement_name_far_too_long_for_"
                                "postgresql_to_keep_whole_x",
                                "SELECT 1", NULL, &err),
                     TL_DB_HARD);
}
END_TEST

START_TEST(server_error_is_hard_with_its_message)
{
    ck_assert_int_eq(tl_db_exec(db, "test_div", "SELECT 1 / 0", NULL, &err),
                     TL_DB_HARD);
    ck_assert_int_eq(err.status, TL_ERROR);
    ck_assert_str_eq(err.message, "test_div: division by zero");
    ck_assert_int_eq(err.n_problems, 0);
}
END_TEST

/* A table or a column this program uses and the database lacks: the
 * database was migrated by an older trunkline; the message says what to
 * run. */
START_TEST(missing_table_or_column_asks_for_migrate)
{
    ck_assert_int_eq(tl_db_exec(db, "test_no_table",
                                "SELECT 1 FROM scratch.nowhere", NULL, &err),
                     TL_DB_HARD);
    ck_assert_str_eq(err.code, "not_migrated");
    ck_assert_ptr_nonnull(strstr(err.message, "trunkline db migrate"));
    tl_err_clear(&err);
    ck_assert_int_eq(tl_db_exec(db, "test_no_column",
                                "SELECT committed_date FROM scratch.item",
                                NULL, &err),
                     TL_DB_HARD);
    ck_assert_str_eq(err.code, "not_migrated");
    ck_assert_ptr_nonnull(strstr(err.message, "committed_date"));
    ck_assert_ptr_nonnull(strstr(err.message, "trunkline db migrate"));
}
END_TEST

typedef struct select_ctx {
    int64_t sum;
    int calls;
    int stop_at;
} select_ctx;

static int sum_row(const tl_row *row, void *cls, tl_err *e)
{
    select_ctx *c = cls;
    int64_t v = 0;
    int rc = tl_row_int64(row, "x", &v, e);

    if (rc < 0)
        return rc;
    c->calls++;
    c->sum += v;
    if (c->calls == c->stop_at)
        return tl_err_set(e, TL_ECONFLICT, "stop", "", "stopped at %d",
                          c->calls);
    return 0;
}

START_TEST(select_calls_back_per_row_and_stops)
{
    select_ctx c = {0, 0, 0};
    static const char sql[] = "SELECT x FROM generate_series(1, 10) AS x";

    ck_assert_int_eq(tl_db_select(db, "test_sel", sql, NULL, sum_row, &c, &err),
                     10);
    ck_assert_int_eq(c.calls, 10);
    ck_assert(c.sum == 55);
    c.sum = 0;
    c.calls = 0;
    c.stop_at = 3;
    ck_assert_int_eq(tl_db_select(db, "test_sel", sql, NULL, sum_row, &c, &err),
                     TL_ECONFLICT);
    ck_assert_int_eq(c.calls, 3);
    ck_assert(c.sum == 6);
}
END_TEST

/* ---- constraint violations ---- */

START_TEST(duplicate_gets_the_comment_message)
{
    ck_assert_int_eq(insert_item(db, 1, "A", 1, &err), 1);
    ck_assert_int_eq(insert_item(db, 2, "A", 1, &err), TL_DB_DUPLICATE);
    ck_assert_int_eq(err.status, TL_EDUPLICATE);
    ck_assert_uint_eq(err.n_problems, 1);
    ck_assert_str_eq(err.problems[0].code, "duplicate");
    ck_assert_str_eq(err.problems[0].field, "items[0].code");
    ck_assert_str_eq(err.problems[0].message,
                     "an item with this code already exists");
    ck_assert_str_eq(err.field, "items[0].code");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 1);

    /* the same constraint on a table in another schema: its own message */
    tl_err_clear(&err);
    ck_assert_int_eq(tl_db_exec(db, "test_other",
                                "INSERT INTO scratch2.item VALUES ('x'),"
                                " ('x')",
                                NULL, &err),
                     TL_DB_DUPLICATE);
    ck_assert_str_eq(err.problems[0].field, "other.code");
    ck_assert_str_eq(err.problems[0].message, "another table, another message");

    /* a primary key without a comment: generic message, constraint name */
    tl_err_clear(&err);
    ck_assert_int_eq(insert_item(db, 1, "B", 1, &err), TL_DB_DUPLICATE);
    ck_assert_str_eq(err.problems[0].code, "duplicate");
    ck_assert_str_eq(err.problems[0].field, "item_pkey");
    ck_assert_str_eq(err.problems[0].message,
                     "a record with these values already exists");
}
END_TEST

START_TEST(check_violation_is_generic_without_a_comment)
{
    ck_assert_int_eq(insert_item(db, 1, "A", 0, &err), TL_DB_VIOLATION);
    ck_assert_int_eq(err.status, TL_EINVALID);
    ck_assert_uint_eq(err.n_problems, 1);
    ck_assert_str_eq(err.problems[0].code, "invalid");
    ck_assert_str_eq(err.problems[0].field, "item_qty_positive");
    ck_assert_str_eq(err.problems[0].message,
                     "value breaks rule item_qty_positive");
    /* no server text: it would quote the row and name the relation */
    ck_assert_ptr_null(strstr(err.message, "violates"));
    ck_assert_ptr_null(strstr(err.message, "scratch"));
    ck_assert_ptr_null(strstr(err.message, "Failing row"));
}
END_TEST

START_TEST(not_null_violation_names_the_column)
{
    ck_assert_int_eq(tl_db_exec(db, "test_null_qty",
                                "INSERT INTO scratch.item (id, code)"
                                " VALUES (1, 'A')",
                                NULL, &err),
                     TL_DB_VIOLATION);
    ck_assert_str_eq(err.problems[0].code, "required");
    ck_assert_str_eq(err.problems[0].field, "qty");
    ck_assert_str_eq(err.problems[0].message, "value is required");
}
END_TEST

START_TEST(foreign_key_violation_is_not_found)
{
    ck_assert_int_eq(tl_db_exec(db, "test_fk",
                                "INSERT INTO scratch.item"
                                " (id, code, qty, parent_id)"
                                " VALUES (1, 'A', 1, 42)",
                                NULL, &err),
                     TL_DB_VIOLATION);
    ck_assert_int_eq(err.status, TL_EINVALID);
    ck_assert_str_eq(err.problems[0].code, "not_found");
    ck_assert_str_eq(err.problems[0].field, "item_parent_fkey");
    ck_assert_str_eq(err.problems[0].message,
                     "referenced record does not exist");
    ck_assert_ptr_null(strstr(err.message, "42"));
}
END_TEST

/* ---- transactions ---- */

typedef struct tx_ctx {
    int64_t id;
    int result;     /* what the unit returns after its insert */
    int attempts;   /* how many times the unit ran */
    int retry_runs; /* return TL_ERETRY this many times first */
    int nested;     /* run the insert through a nested tl_db_run_tx */
    int swallow;    /* run a failing statement and return 0 anyway */
    int in_tx_seen;
    tl_db *other;
} tx_ctx;

static int insert_unit(tl_db *h, void *cls, tl_err *e)
{
    tx_ctx *c = cls;
    char code[32];
    int rc;

    c->attempts++;
    c->in_tx_seen = tl_db_in_tx(h);
    snprintf(code, sizeof(code), "T%" PRId64, c->id);
    rc = insert_item(h, c->id, code, 1, e);
    if (rc < 0)
        return rc;
    if (c->swallow)
        (void)tl_db_exec(h, "test_fail", "SELECT 1 / 0", NULL, e);
    if (c->attempts <= c->retry_runs)
        return TL_ERETRY;
    return c->result;
}

static int outer_unit(tl_db *h, void *cls, tl_err *e)
{
    tx_ctx *c = cls;
    tx_ctx inner = {c->id + 1, 0, 0, 0, 0, 0, 0, NULL};
    int rc;

    rc = insert_unit(h, c, e);
    if (rc < 0)
        return rc;
    rc = tl_db_run_tx(h, "inner", insert_unit, &inner, e);
    if (rc < 0)
        return rc;
    ck_assert_int_eq(inner.in_tx_seen, 1);
    return c->nested;
}

START_TEST(run_tx_commits_and_rolls_back)
{
    tx_ctx ok = {1, 0, 0, 0, 0, 0, 0, NULL};
    tx_ctx refused = {2, TL_ECONFLICT, 0, 0, 0, 0, 0, NULL};
    tx_ctx swallowed = {3, 0, 0, 0, 0, 1, 0, NULL};

    ck_assert_int_eq(tl_db_run_tx(db, "commit", insert_unit, &ok, &err), 0);
    ck_assert_int_eq(ok.in_tx_seen, 1);
    ck_assert_int_eq(tl_db_in_tx(db), 0);
    ck_assert_int_eq(tl_db_run_tx(db, "rollback", insert_unit, &refused, &err),
                     TL_ECONFLICT);
    ck_assert_int_eq(tl_db_in_tx(db), 0);
    ck_assert_int_eq(PQtransactionStatus(tl_db_pgconn(db)), PQTRANS_IDLE);
    /* a unit that ignores a failed statement cannot commit */
    tl_err_clear(&err);
    ck_assert_int_eq(tl_db_run_tx(db, "swallow", insert_unit, &swallowed, &err),
                     TL_DB_HARD);
    ck_assert_int_eq(PQtransactionStatus(tl_db_pgconn(db)), PQTRANS_IDLE);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 1);
    ck_assert_int_eq(count("SELECT id AS n FROM scratch.item"), 1);
    ck_assert_uint_eq(tl_db_retry_count(db), 0);
}
END_TEST

START_TEST(run_tx_rolls_back_a_violation)
{
    tx_ctx first = {1, 0, 0, 0, 0, 0, 0, NULL};
    tx_ctx clash = {1, 0, 0, 0, 0, 0, 0, NULL};

    ck_assert_int_eq(tl_db_run_tx(db, "first", insert_unit, &first, &err), 0);
    ck_assert_int_eq(tl_db_run_tx(db, "clash", insert_unit, &clash, &err),
                     TL_DB_DUPLICATE);
    ck_assert_str_eq(err.problems[0].field, "item_pkey");
    ck_assert_int_eq(clash.attempts, 1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 1);
}
END_TEST

START_TEST(nested_run_tx_joins_the_outer_one)
{
    tx_ctx commit = {10, 0, 0, 0, 0, 0, 0, NULL};
    tx_ctx rollback = {20, 0, 0, 0, TL_ECONFLICT, 0, 0, NULL};

    ck_assert_int_eq(tl_db_run_tx(db, "outer", outer_unit, &commit, &err), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"
                           " WHERE id IN (10, 11)"),
                     2);
    /* the outer unit fails after the inner one "committed": both go */
    ck_assert_int_eq(tl_db_run_tx(db, "outer", outer_unit, &rollback, &err),
                     TL_ECONFLICT);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"
                           " WHERE id IN (20, 21)"),
                     0);
    ck_assert_int_eq(tl_db_in_tx(db), 0);
}
END_TEST

START_TEST(run_tx_retries_soft_failures)
{
    tx_ctx twice = {1, 0, 0, 2, 0, 0, 0, NULL};
    tx_ctx forever = {2, 0, 0, 100, 0, 0, 0, NULL};

    ck_assert_int_eq(tl_db_run_tx(db, "retry", insert_unit, &twice, &err), 0);
    ck_assert_int_eq(twice.attempts, 3);
    ck_assert_uint_eq(tl_db_retry_count(db), 2);
    ck_assert_int_eq(err.status, 0);
    /* only the last attempt's insert is there */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 1);

    ck_assert_int_eq(tl_db_run_tx(db, "hopeless", insert_unit, &forever, &err),
                     TL_DB_SOFT);
    ck_assert_int_eq(forever.attempts, TL_DB_MAX_TX_ATTEMPTS);
    ck_assert_uint_eq(tl_db_retry_count(db), 2 + TL_DB_MAX_TX_ATTEMPTS - 1);
    ck_assert_int_eq(err.status, TL_ERETRY);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 1);
}
END_TEST

/* Reads the row, lets another connection update it and commit, then
 * updates it too: under SERIALIZABLE the first attempt must fail with
 * 40001, and the retry sees the other update. */
static int conflicting_unit(tl_db *h, void *cls, tl_err *e)
{
    tx_ctx *c = cls;
    tl_err other_err = TL_ERR_INIT;
    int rc;

    c->attempts++;
    rc = tl_db_exec(h, "test_read_qty",
                    "SELECT qty FROM scratch.item WHERE id = 1", NULL, e);
    if (rc < 0)
        return rc;
    if (c->attempts == 1) {
        ck_assert_int_eq(tl_db_exec(c->other, "test_other_bump",
                                    "UPDATE scratch.item SET qty = qty + 100"
                                    " WHERE id = 1",
                                    NULL, &other_err),
                         1);
    }
    rc = tl_db_exec(h, "test_bump_qty",
                    "UPDATE scratch.item SET qty = qty + 1 WHERE id = 1", NULL,
                    e);
    if (c->attempts == 1)
        ck_assert_int_eq(rc, TL_DB_SOFT);
    tl_err_clear(&other_err);
    return rc < 0 ? rc : 0;
}

START_TEST(run_tx_retries_a_real_serialization_failure)
{
    tx_ctx c = {1, 0, 0, 0, 0, 0, 0, NULL};
    tl_err e = TL_ERR_INIT;

    ck_assert_int_eq(insert_item(db, 1, "A", 1, &err), 1);
    ck_assert_int_eq(tl_db_connect(&c.other, tl_test_db_conninfo(), NULL, &e),
                     0);
    ck_assert_int_eq(tl_db_run_tx(db, "conflict", conflicting_unit, &c, &err),
                     0);
    ck_assert_int_eq(c.attempts, 2);
    ck_assert_uint_eq(tl_db_retry_count(db), 1);
    ck_assert_int_eq(count("SELECT qty AS n FROM scratch.item"), 102);
    tl_db_close(c.other);
    tl_err_clear(&e);
}
END_TEST

START_TEST(run_tx_reconnects_after_the_connection_is_lost)
{
    tx_ctx c = {1, 0, 0, 0, 0, 0, 0, NULL};
    tl_db *other = NULL;
    tl_err e = TL_ERR_INIT;
    tl_params p;
    char pid[16];

    /* Prepare the insert on this connection, then lose the connection;
     * the 5 s timeout waits until the backend is really gone. */
    ck_assert_int_eq(insert_item(db, 100, "P", 1, &err), 1);
    ck_assert_int_eq(tl_db_connect(&other, tl_test_db_conninfo(), NULL, &e), 0);
    snprintf(pid, sizeof(pid), "%d", PQbackendPID(tl_db_pgconn(db)));
    tl_params_init(&p);
    tl_params_text(&p, pid);
    ck_assert_int_eq(tl_db_exec(other, "test_kill",
                                "SELECT pg_terminate_backend($1::integer,"
                                " 5000)",
                                &p, &e),
                     1);
    tl_db_close(other);

    /* the statement is prepared again on the new session */
    ck_assert_int_eq(tl_db_run_tx(db, "after_loss", insert_unit, &c, &err), 0);
    ck_assert_int_eq(c.attempts, 1);
    ck_assert_uint_eq(tl_db_retry_count(db), 1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 2);
    tl_err_clear(&e);
}
END_TEST

/* Runs "SELECT <i>" under the name test_many_<i> for i in [0, n). */
static int run_many(tl_db *h, void *cls, tl_err *e)
{
    int n = *(const int *)cls;
    char name[32];
    char sql[32];
    char want[16];
    PGresult *res = NULL;
    int i;
    int rc;

    for (i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "test_many_%d", i);
        snprintf(sql, sizeof(sql), "SELECT %d AS v", i);
        rc = tl_db_query_one(h, &res, name, sql, NULL, e);
        if (rc < 0)
            return rc;
        ck_assert_int_eq(rc, 1);
        snprintf(want, sizeof(want), "%d", i);
        ck_assert_str_eq(PQgetvalue(res, 0, 0), want);
        PQclear(res);
    }
    return 0;
}

START_TEST(many_statements_are_prepared_again_after_a_reconnect)
{
    int n = 150;
    tl_db *other = NULL;
    tl_params p;
    char pid[16];

    /* enough names to grow the statement table twice */
    ck_assert_int_eq(run_many(db, &n, &err), 0);
    ck_assert_int_eq(run_many(db, &n, &err), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM pg_prepared_statements"
                           " WHERE name LIKE 'test\\_many\\_%'"),
                     150);

    ck_assert_int_eq(tl_db_connect(&other, tl_test_db_conninfo(), NULL, &err),
                     0);
    snprintf(pid, sizeof(pid), "%d", PQbackendPID(tl_db_pgconn(db)));
    tl_params_init(&p);
    tl_params_text(&p, pid);
    ck_assert_int_eq(tl_db_exec(other, "test_kill",
                                "SELECT pg_terminate_backend($1::integer,"
                                " 5000)",
                                &p, &err),
                     1);
    tl_db_close(other);
    ck_assert_int_eq(tl_db_run_tx(db, "many", run_many, &n, &err), 0);
    ck_assert_uint_eq(tl_db_retry_count(db), 1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM pg_prepared_statements"
                           " WHERE name LIKE 'test\\_many\\_%'"),
                     150);
}
END_TEST

/* ---- COPY ---- */

typedef struct copy_buf {
    char data[4096];
    size_t len;
    int chunks;
    int stop_after;
} copy_buf;

static int collect_copy(const char *data, size_t len, void *cls)
{
    copy_buf *b = cls;

    ck_assert_uint_lt(b->len + len, sizeof(b->data));
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    b->chunks++;
    if (b->chunks == b->stop_after)
        return TL_ECONFLICT;
    return 0;
}

START_TEST(copy_in_and_out_round_trip)
{
    static const char rows[] = "1\tA\t5\n2\tB\t6\n3\tC\\twith tab\t7\n";
    static const char out_expect[] = "1\tA\t5\n2\tB\t6\n3\tC\\twith tab\t7\n";
    copy_buf b;

    memset(&b, 0, sizeof(b));
    ck_assert_int_eq(tl_db_copy_begin(db,
                                      "COPY scratch.item (id, code, qty)"
                                      " FROM STDIN",
                                      &err),
                     0);
    /* split mid-row: COPY data is a stream, not a row per put */
    ck_assert_int_eq(tl_db_copy_put(db, rows, 9, &err), 0);
    ck_assert_int_eq(tl_db_copy_put(db, rows + 9, strlen(rows) - 9, &err), 0);
    ck_assert_int_eq(tl_db_copy_end(db, &err), 3);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 3);

    ck_assert_int_eq(tl_db_copy_out(db,
                                    "COPY (SELECT id, code, qty FROM"
                                    " scratch.item ORDER BY id) TO STDOUT",
                                    collect_copy, &b, &err),
                     3);
    ck_assert_int_eq(b.chunks, 3);
    ck_assert_str_eq(b.data, out_expect);

    /* a consumer that stops: its status, and the connection still works */
    memset(&b, 0, sizeof(b));
    b.stop_after = 1;
    ck_assert_int_eq(tl_db_copy_out(db, "COPY scratch.item (id) TO STDOUT",
                                    collect_copy, &b, &err),
                     TL_ECONFLICT);
    ck_assert_int_eq(b.chunks, 1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 3);
}
END_TEST

START_TEST(copy_in_failures_leave_nothing)
{
    static const char bad[] = "1\tA\t5\n2\tB\tnot-a-number\n";
    static const char dup[] = "1\tA\t5\n2\tA\t6\n";

    ck_assert_int_eq(tl_db_copy_begin(db,
                                      "COPY scratch.item (id, code, qty)"
                                      " FROM STDIN",
                                      &err),
                     0);
    ck_assert_int_eq(tl_db_copy_put(db, bad, strlen(bad), &err), 0);
    ck_assert_int_eq(tl_db_copy_end(db, &err), TL_DB_HARD);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 0);

    tl_err_clear(&err);
    ck_assert_int_eq(tl_db_copy_begin(db,
                                      "COPY scratch.item (id, code, qty)"
                                      " FROM STDIN",
                                      &err),
                     0);
    ck_assert_int_eq(tl_db_copy_put(db, dup, strlen(dup), &err), 0);
    ck_assert_int_eq(tl_db_copy_end(db, &err), TL_DB_DUPLICATE);
    ck_assert_str_eq(err.problems[0].field, "items[0].code");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM scratch.item"), 0);

    /* not a COPY at all */
    tl_err_clear(&err);
    ck_assert_int_eq(tl_db_copy_begin(db, "SELECT 1", &err), TL_DB_HARD);
}
END_TEST

/* ---- connecting ---- */

/* Saves an environment variable to put it back before teardown, which
 * needs the real connection string. */
static char *saved_env(const char *name)
{
    const char *v = getenv(name);
    char *copy = v != NULL ? strdup(v) : NULL;

    ck_assert(v == NULL || copy != NULL);
    return copy;
}

static void restore_env(const char *name, char *value)
{
    if (value != NULL)
        ck_assert_int_eq(setenv(name, value, 1), 0);
    else
        ck_assert_int_eq(unsetenv(name), 0);
    free(value);
}

START_TEST(conninfo_comes_from_the_environment_or_the_cluster)
{
    char *old_db = saved_env("TRUNKLINE_DB");
    char *old_home = saved_env("TRUNKLINE_HOME");
    char buf[256];

    ck_assert_int_eq(setenv("TRUNKLINE_DB", "host=/x dbname=y", 1), 0);
    ck_assert_int_eq(tl_db_default_conninfo(buf, sizeof(buf), &err), 0);
    ck_assert_str_eq(buf, "host=/x dbname=y");
    ck_assert_int_eq(tl_db_default_conninfo(buf, 8, &err), TL_ERROR);

    ck_assert_int_eq(unsetenv("TRUNKLINE_DB"), 0);
    ck_assert_int_eq(setenv("TRUNKLINE_HOME", "/nonexistent/trunkline", 1), 0);
    tl_err_clear(&err);
    ck_assert_int_eq(tl_db_default_conninfo(buf, sizeof(buf), &err),
                     TL_ENOTFOUND);
    ck_assert_str_eq(buf, "");
    ck_assert_ptr_nonnull(strstr(err.message, "scripts/pg start"));
    ck_assert_ptr_nonnull(strstr(err.message, "TRUNKLINE_DB"));
    ck_assert_ptr_nonnull(
        strstr(err.message, "/nonexistent/trunkline/.local/pg/conninfo"));
    restore_env("TRUNKLINE_DB", old_db);
    restore_env("TRUNKLINE_HOME", old_home);
}
END_TEST

START_TEST(connect_overrides_the_database_and_reports_failure)
{
    tl_db *other = (tl_db *)&err; /* any non-NULL value */

    ck_assert_int_eq(
        tl_db_connect(&other, tl_test_db_conninfo(), "postgres", &err), 0);
    ck_assert_str_eq(PQdb(tl_db_pgconn(other)), "postgres");
    tl_db_close(other);
    ck_assert_int_eq(tl_db_connect(&other, tl_test_db_conninfo(),
                                   "no_such_database_here", &err),
                     TL_ERROR);
    ck_assert_ptr_null(other);
    ck_assert_str_eq(err.code, "db_connect");
    ck_assert_ptr_nonnull(strstr(err.message, "no_such_database_here"));
    tl_db_close(NULL);
}
END_TEST

START_TEST(a_second_connection_is_to_the_same_database_and_session)
{
    tl_db *again = NULL;
    PGresult *res = NULL;

    ck_assert_int_eq(tl_db_connect_again(&again, db, &err), 0);
    ck_assert_ptr_nonnull(again);
    ck_assert_ptr_ne(tl_db_pgconn(again), tl_db_pgconn(db));
    ck_assert_str_eq(PQdb(tl_db_pgconn(again)), PQdb(tl_db_pgconn(db)));
    ck_assert_int_eq(tl_db_query_one(again, &res, NULL,
                                     "SELECT current_setting('TimeZone'),"
                                     " current_setting('jit')",
                                     NULL, &err),
                     1);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "UTC");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "off");
    PQclear(res);
    tl_db_close(again);
}
END_TEST

START_TEST(session_settings_are_utc_and_iso)
{
    PGresult *res = NULL;

    ck_assert_int_eq(tl_db_query_one(db, &res, NULL,
                                     "SELECT current_setting('TimeZone') AS"
                                     " tz, current_setting('DateStyle') AS"
                                     " ds, '2026-03-01 12:00+02'::timestamptz"
                                     "::text AS ts",
                                     NULL, &err),
                     1);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "UTC");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "ISO, YMD");
    ck_assert_str_eq(PQgetvalue(res, 0, 2), "2026-03-01 10:00:00+00");
    PQclear(res);
}
END_TEST

static Suite *db_suite(void)
{
    Suite *s = suite_create("db");
    TCase *tc = tcase_create("db");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, readers_reject_bad_values_and_nulls);
    tcase_add_test(tc, a_second_connection_is_to_the_same_database_and_session);
    tcase_add_test(tc, too_many_params_is_a_bug);
    tcase_add_test(tc, one_name_for_two_statements_is_a_bug);
    tcase_add_test(tc, server_error_is_hard_with_its_message);
    tcase_add_test(tc, missing_table_or_column_asks_for_migrate);
    tcase_add_test(tc, query_one_counts_rows);
    tcase_add_test(tc, duplicate_gets_the_comment_message);
    tcase_add_test(tc, check_violation_is_generic_without_a_comment);
    tcase_add_test(tc, not_null_violation_names_the_column);
    tcase_add_test(tc, foreign_key_violation_is_not_found);
    tcase_add_test(tc, copy_in_failures_leave_nothing);
    tcase_add_test(tc, readers_read_values_and_nulls);
    tcase_add_test(tc, exec_returns_affected_rows);
    tcase_add_test(tc, select_calls_back_per_row_and_stops);
    tcase_add_test(tc, run_tx_commits_and_rolls_back);
    tcase_add_test(tc, run_tx_rolls_back_a_violation);
    tcase_add_test(tc, nested_run_tx_joins_the_outer_one);
    tcase_add_test(tc, run_tx_retries_soft_failures);
    tcase_add_test(tc, run_tx_retries_a_real_serialization_failure);
    tcase_add_test(tc, run_tx_reconnects_after_the_connection_is_lost);
    tcase_add_test(tc, many_statements_are_prepared_again_after_a_reconnect);
    tcase_add_test(tc, copy_in_and_out_round_trip);
    tcase_add_test(tc, conninfo_comes_from_the_environment_or_the_cluster);
    tcase_add_test(tc, connect_overrides_the_database_and_reports_failure);
    tcase_add_test(tc, session_settings_are_utc_and_iso);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(db_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
