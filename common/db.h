/*
 * Database access on libpq: connections, lazily prepared named statements,
 * typed parameters, typed result reading by column name, transactions with
 * bounded retry, COPY, and mapping of server errors to user-readable ones.
 *
 * Status codes. Every call that talks to the server returns an int that is
 * either a row count (>= 0: TL_DB_NONE, TL_DB_ONE, n) or a negative TL_E*
 * status from err.h, so a module can propagate it unchanged:
 *   TL_DB_HARD      (TL_ERROR)      unexpected failure; err holds the detail
 *   TL_DB_SOFT      (TL_ERETRY)     serialization failure (40001), deadlock
 *                                   (40P01) or a lost connection: the whole
 *                                   transaction may be retried
 *   TL_DB_DUPLICATE (TL_EDUPLICATE) unique violation (23505)
 *   TL_DB_VIOLATION (TL_EINVALID)   check, foreign-key, not-null or
 *                                   exclusion violation (class 23)
 * SQLSTATE is classified in exactly one function (db.c).
 *
 * Constraint messages. For DUPLICATE and VIOLATION the tl_err gets a problem
 * whose field and message come from the violated constraint's comment, when
 * it has one of the form "field: message" (COMMENT ON CONSTRAINT ... IS
 * 'externalId: an order with this external id already exists'). Without a
 * comment the field is the column or constraint name and the message is a
 * generic sentence; raw server text never reaches the user.
 */
#ifndef TL_DB_H
#define TL_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/err.h"
#include "common/money.h"

#define TL_DB_HARD TL_ERROR
#define TL_DB_SOFT TL_ERETRY
#define TL_DB_DUPLICATE TL_EDUPLICATE
#define TL_DB_VIOLATION TL_EINVALID
#define TL_DB_NONE 0
#define TL_DB_ONE 1

/* Attempts tl_db_run_tx makes before giving up on a retryable failure. */
#define TL_DB_MAX_TX_ATTEMPTS 10

typedef struct tl_db tl_db;

/* ---- connections ---- */

/* Writes the connection string to use into buf: $TRUNKLINE_DB when set,
 * else the private cluster's, read from .local/pg/conninfo under
 * $TRUNKLINE_HOME or, when that is unset, under the source tree the binary
 * was built from. Returns 0, or TL_ENOTFOUND with err explaining how to
 * start the private cluster or set TRUNKLINE_DB. */
int tl_db_default_conninfo(char *buf, size_t size, tl_err *err);

/* Connects. conninfo NULL means tl_db_default_conninfo. dbname, when not
 * NULL, overrides the database named in conninfo. On success *out is a new
 * handle the caller frees with tl_db_close; on failure *out is NULL and err
 * says why (TL_ERROR). */
int tl_db_connect(tl_db **out, const char *conninfo, const char *dbname,
                  tl_err *err);

/* Opens a second connection to the database db is connected to, with the
 * same parameters and session settings: for workers that share a job.
 * Same results as tl_db_connect. */
int tl_db_connect_again(tl_db **out, tl_db *db, tl_err *err);

/* Closes the connection and frees the handle. NULL-safe. */
void tl_db_close(tl_db *db);

/* The underlying libpq connection, for what this API does not cover. */
PGconn *tl_db_pgconn(tl_db *db);

/* Number of transaction retries so far on this handle (a metric). */
unsigned long tl_db_retry_count(const tl_db *db);

/* ---- parameters ---- */

#define TL_DB_MAX_PARAMS 32
#define TL_DB_PARAM_BUF 40

/* Parameters are sent as text; the SQL casts them ($1::date, $2::bigint).
 * Text values are not copied: they must outlive the call. */
typedef struct tl_params {
    int n;
    int overflow; /* set when more than TL_DB_MAX_PARAMS were added */
    const char *values[TL_DB_MAX_PARAMS];
    char buf[TL_DB_MAX_PARAMS][TL_DB_PARAM_BUF];
} tl_params;

void tl_params_init(tl_params *p);
void tl_params_text(tl_params *p, const char *s); /* NULL sends SQL NULL */
void tl_params_int64(tl_params *p, int64_t v);
void tl_params_date(tl_params *p, tl_date d);
void tl_params_date_opt(tl_params *p, const tl_date *d); /* NULL → NULL */
void tl_params_bool(tl_params *p, int v);
void tl_params_null(tl_params *p);

/* ids[0..n) as a PostgreSQL array literal ("{1,2,3}") for a $N::bigint[]
 * parameter; malloc'ed (the caller frees), NULL when out of memory. */
char *tl_db_int64_array(const int64_t *ids, size_t n);

/* ---- statements ---- */

/* Runs a named statement, preparing it on this connection the first time
 * (and again after a reconnect). params may be NULL. Returns the number of
 * rows affected or returned, or a negative status. */
int tl_db_exec(tl_db *db, const char *name, const char *sql,
               const tl_params *params, tl_err *err);

/* As tl_db_exec, and hands the result to the caller in *out (freed with
 * PQclear) when the status is >= 0; *out is NULL otherwise. */
int tl_db_query(tl_db *db, PGresult **out, const char *name, const char *sql,
                const tl_params *params, tl_err *err);

/* A query expected to return at most one row. Returns TL_DB_NONE (and *out
 * NULL) or TL_DB_ONE (and *out set); more than one row is TL_DB_HARD. */
int tl_db_query_one(tl_db *db, PGresult **out, const char *name,
                    const char *sql, const tl_params *params, tl_err *err);

/* One row of a result, handed to row readers and callbacks. */
typedef struct tl_row {
    const PGresult *res;
    int row;
} tl_row;

/* Called once per row by tl_db_select. Return 0 to go on, or a negative
 * status (with err filled) to stop; tl_db_select then returns it. */
typedef int (*tl_db_row_fn)(const tl_row *row, void *cls, tl_err *err);

/* Runs a named query and calls fn for each row in order. Returns the row
 * count, or a negative status from the server or from fn. */
int tl_db_select(tl_db *db, const char *name, const char *sql,
                 const tl_params *params, tl_db_row_fn fn, void *cls,
                 tl_err *err);

/* Runs SQL text with several statements and no parameters (simple query
 * protocol), for migrations and test set-up only. */
int tl_db_exec_script(tl_db *db, const char *sql, tl_err *err);

/* ---- reading rows by column name ----
 * Each returns 0, or TL_ERROR (with err naming the column) when the column
 * is missing, holds NULL where NULL is not allowed, or does not parse. The
 * _opt variants accept NULL and set *isnull. */

int tl_row_isnull(const tl_row *r, const char *col);
int tl_row_text(const tl_row *r, const char *col, const char **out,
                tl_err *err); /* *out is NULL for SQL NULL */
int tl_row_int64(const tl_row *r, const char *col, int64_t *out, tl_err *err);
int tl_row_int64_opt(const tl_row *r, const char *col, int64_t *out,
                     int *isnull, tl_err *err);
int tl_row_int(const tl_row *r, const char *col, int *out, tl_err *err);
int tl_row_bool(const tl_row *r, const char *col, int *out, tl_err *err);
int tl_row_date(const tl_row *r, const char *col, tl_date *out, tl_err *err);
int tl_row_date_opt(const tl_row *r, const char *col, tl_date *out, int *isnull,
                    tl_err *err);
/* An amount from a bigint minor-units column and a char(3) currency one. */
int tl_row_money(const tl_row *r, const char *amount_col, const char *cur_col,
                 tl_money *out, tl_err *err);

/* ---- transactions ---- */

/* A unit of work. Return 0 to commit; a negative status rolls back. Return
 * TL_ERETRY (as tl_db_* calls do on SOFT failures) to have the whole unit
 * retried. The function must have no side effects outside the database. */
typedef int (*tl_db_tx_fn)(tl_db *db, void *cls, tl_err *err);

/* Runs fn in one SERIALIZABLE transaction, retrying on TL_ERETRY up to
 * TL_DB_MAX_TX_ATTEMPTS times with a growing, jittered pause, and rolling back
 * on every path that does not commit. Called inside another tl_db_run_tx it
 * simply runs fn in the enclosing transaction, so public API functions can
 * each be a unit of work and still compose. Returns fn's status, TL_ERETRY
 * when attempts ran out, or TL_ERROR. */
int tl_db_run_tx(tl_db *db, const char *name, tl_db_tx_fn fn, void *cls,
                 tl_err *err);

/* True while a tl_db_run_tx is in progress on this handle. */
int tl_db_in_tx(const tl_db *db);

/* ---- COPY ---- */

/* Starts COPY ... FROM STDIN; then send data with tl_db_copy_put and finish
 * with tl_db_copy_end, which returns the rows copied or a negative status.
 * After a failed put, call tl_db_copy_end anyway to finish the COPY. */
int tl_db_copy_begin(tl_db *db, const char *copy_sql, tl_err *err);
int tl_db_copy_put(tl_db *db, const char *data, size_t len, tl_err *err);
int tl_db_copy_end(tl_db *db, tl_err *err);

/* Runs COPY ... TO STDOUT and hands each chunk (one row of text format) to
 * sink; a negative return from sink stops reading. Returns the rows copied
 * or a negative status. */
typedef int (*tl_db_copy_sink)(const char *data, size_t len, void *cls);
int tl_db_copy_out(tl_db *db, const char *copy_sql, tl_db_copy_sink sink,
                   void *cls, tl_err *err);

#endif
