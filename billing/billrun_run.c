/*
 * Bill runs (rules in billing.h): the run row, its stripes of accounts,
 * the workers that preview them, and the preview's start and end. One
 * batch of a stripe is billrun.c's.
 *
 * A new or refreshed run's accounts are cut into stripes of contiguous
 * account ids (billing.bill_run_stripe), each with its own cursor. Each
 * stripe is previewed batch by batch, on this connection when there is
 * one, else by a worker thread on a connection of its own while this
 * thread reports the run's progress. The run turns preview when its last
 * stripe is finished.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "billing/billing.h"
#include "billing/billrun_internal.h"
#include "common/audit.h"

#define DEFAULT_BATCH 500
#define MAX_STRIPES 64

/* ---- the run row ---- */

static int read_run(billing_run_result *out, const tl_row *row, tl_err *err)
{
    const char *status = NULL;

    if (tl_row_int64(row, "run_id", &out->run_id, err) < 0 ||
        tl_row_int(row, "cycle_day", &out->cycle_day, err) < 0 ||
        tl_row_date(row, "period_start", &out->period.start, err) < 0 ||
        tl_row_date(row, "period_end", &out->period.end, err) < 0 ||
        tl_row_date(row, "issue_date", &out->issue_date, err) < 0 ||
        tl_row_text(row, "status", &status, err) < 0 ||
        tl_row_int(row, "accounts_total", &out->accounts_total, err) < 0 ||
        tl_row_int(row, "accounts_done", &out->accounts_done, err) < 0 ||
        tl_row_int(row, "invoice_count", &out->invoice_count, err) < 0 ||
        tl_row_int64(row, "total_minor", &out->total_minor, err) < 0)
        return TL_ERROR;
    snprintf(out->status, sizeof(out->status), "%s", status);
    return 0;
}

/* While previewing, the run's progress is the sum of its stripes'. */
#define RUN_PROGRESS_COLUMNS                                                   \
    "SELECT r.run_id, r.cycle_day, r.period_start, r.period_end,"              \
    " r.issue_date, r.status, r.accounts_total,"                               \
    " CASE WHEN r.status = 'previewing' THEN (SELECT"                          \
    "  coalesce(sum(s.accounts_done), 0) FROM billing.bill_run_stripe s"       \
    "  WHERE s.run_id = r.run_id) ELSE r.accounts_done END AS accounts_done,"  \
    " CASE WHEN r.status = 'previewing' THEN (SELECT"                          \
    "  coalesce(sum(s.invoice_count), 0) FROM billing.bill_run_stripe s"       \
    "  WHERE s.run_id = r.run_id) ELSE r.invoice_count END AS invoice_count,"

#define RUN_COLUMNS                                                            \
    RUN_PROGRESS_COLUMNS                                                       \
    " (SELECT coalesce(sum(i.total_minor), 0) FROM billing.invoice i"          \
    "  WHERE i.run_id = r.run_id) AS total_minor"                              \
    " FROM billing.bill_run r"

/* The run's state without its total, which sums its invoices: for the
 * steps between batches, which would otherwise sum a growing run again
 * and again. */
#define RUN_STATE_COLUMNS                                                      \
    RUN_PROGRESS_COLUMNS " 0::bigint AS total_minor"                           \
    " FROM billing.bill_run r"

/* The run's row by one of the two column lists above. */
static int query_run(billing_run_result *out, tl_db *db, const char *name,
                     const char *sql, int64_t run_id, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_int64(&p, run_id);
    rc = tl_db_query_one(db, &res, name, sql, &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_run", "run",
                          "bill run %lld does not exist", (long long)run_id);
    row.res = res;
    row.row = 0;
    rc = read_run(out, &row, err);
    PQclear(res);
    return rc;
}

int billing_run_get(billing_run_result *out, tl_db *db, int64_t run_id,
                    tl_err *err)
{
    return query_run(out, db, "billing_run_get",
                     RUN_COLUMNS " WHERE r.run_id = $1::bigint", run_id, err);
}

/* The run's state between batches (total_minor 0). */
static int run_state(billing_run_result *out, tl_db *db, int64_t run_id,
                     tl_err *err)
{
    return query_run(out, db, "billing_run_state",
                     RUN_STATE_COLUMNS " WHERE r.run_id = $1::bigint", run_id,
                     err);
}

/* Locks the run row FOR UPDATE, to change the run, and reads its state
 * (total_minor 0). */
static int lock_run(billing_run_result *out, tl_db *db, int64_t run_id,
                    tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, run_id);
    rc = tl_db_exec(db, "billing_run_lock",
                    "SELECT 1 FROM billing.bill_run WHERE run_id = $1::bigint"
                    " FOR UPDATE",
                    &p, err);
    if (rc < 0)
        return rc;
    return run_state(out, db, run_id, err);
}

/* Cuts the run's accounts into stripes of contiguous account ids, as many
 * as the workers asked for but each of at least a batch, replacing any
 * the run had. A run without accounts gets one stripe. */
static int make_stripes(const billrun_job *job, tl_db *db, tl_err *err)
{
    int workers = job->opts->workers > 0 ? job->opts->workers : 1;
    tl_params p;
    int rc;

    if (workers > MAX_STRIPES)
        workers = MAX_STRIPES;
    tl_params_init(&p);
    tl_params_int64(&p, job->run_id);
    rc = tl_db_exec(db, "billing_stripes_clear",
                    "DELETE FROM billing.bill_run_stripe"
                    " WHERE run_id = $1::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    tl_params_int64(&p, job->cycle_day);
    tl_params_int64(&p, workers);
    tl_params_int64(&p, job->batch_size);
    rc = tl_db_exec(
        db, "billing_stripes_make",
        "WITH acc AS ("
        "  SELECT account_id FROM accounts.billing_account"
        "  WHERE bill_cycle_day = $2::smallint AND status = 'active'),"
        " n AS (SELECT least($3::int, greatest(1,"
        "  ((count(*) + $4::int - 1) / $4::int)::int)) AS stripes FROM acc),"
        " cut AS (SELECT ntile(n.stripes) OVER (ORDER BY a.account_id) AS k,"
        "  a.account_id FROM acc a CROSS JOIN n),"
        " bound AS (SELECT k, max(account_id) AS top FROM cut GROUP BY k),"
        " stripe AS ("
        "  SELECT k, coalesce(lag(top) OVER (ORDER BY k), 0) AS after_id,"
        "   CASE WHEN k = max(k) OVER () THEN NULL ELSE top END AS through_id"
        "  FROM bound"
        "  UNION ALL SELECT 1, 0, NULL WHERE NOT EXISTS (SELECT 1 FROM bound))"
        " INSERT INTO billing.bill_run_stripe (run_id, stripe,"
        " after_account_id, through_account_id, last_account_id)"
        " SELECT $1::bigint, k, after_id, through_id, after_id FROM stripe",
        &p, err);
    return rc < 0 ? rc : 0;
}

static int audit_preview(const billrun_job *job, tl_db *db,
                         const billing_run_result *run, tl_err *err)
{
    char key[32];
    json_t *after;
    int rc;

    snprintf(key, sizeof(key), "%lld", (long long)job->run_id);
    after =
        json_pack("{s:i, s:s, s:i, s:i, s:I, s:b}", "cycleDay", job->cycle_day,
                  "status", "preview", "accounts", run->accounts_done,
                  "invoices", run->invoice_count, "totalMinor",
                  (json_int_t)run->total_minor, "refresh", job->opts->refresh);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, job->actor, "bill.preview", "bill_run", key, 0, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

/* The preview's end, once every stripe is finished: the run's totals from
 * its stripes, its status preview, and the audit. A stripe still open (a
 * batch limit, a worker that failed) leaves the run previewing. */
static int finish_tx(tl_db *db, void *cls, tl_err *err)
{
    const billrun_job *job = cls;
    billing_run_result run;
    tl_params p;
    int rc;

    rc = lock_run(&run, db, job->run_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(run.status, "previewing") != 0)
        return 0;
    tl_params_init(&p);
    tl_params_int64(&p, job->run_id);
    rc = tl_db_exec(db, "billing_run_previewed",
                    "UPDATE billing.bill_run r SET status = 'preview',"
                    " completed_at = now(), accounts_done = s.done,"
                    " accounts_total = greatest(r.accounts_total, s.done),"
                    " last_account_id = s.last,"
                    " invoice_count = (SELECT count(*) FROM billing.invoice"
                    "  WHERE run_id = r.run_id)"
                    " FROM (SELECT coalesce(sum(accounts_done), 0) AS done,"
                    "  coalesce(max(last_account_id), 0) AS last"
                    "  FROM billing.bill_run_stripe"
                    "  WHERE run_id = $1::bigint) s"
                    " WHERE r.run_id = $1::bigint AND NOT EXISTS (SELECT 1"
                    "  FROM billing.bill_run_stripe"
                    "  WHERE run_id = $1::bigint AND finished_at IS NULL)",
                    &p, err);
    if (rc <= 0)
        return rc;
    rc = billing_run_get(&run, db, job->run_id, err);
    if (rc < 0)
        return rc;
    return audit_preview(job, db, &run, err);
}

/* ---- starting or finding the run ---- */

typedef struct start_ctx {
    billrun_job *job;
    billing_run_result *out;
} start_ctx;

static int start_tx(tl_db *db, void *cls, tl_err *err)
{
    start_ctx *s = cls;
    billrun_job *job = s->job;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int created = 0;
    int rc;

    s->out->created = 0;
    tl_params_init(&p);
    tl_params_int64(&p, job->cycle_day);
    tl_params_date(&p, job->period.start);
    tl_params_date(&p, job->period.end);
    tl_params_date(&p, job->issue_date);
    tl_params_text(&p, job->actor);
    rc = tl_db_query(db, &res, "billing_run_insert",
                     "INSERT INTO billing.bill_run (cycle_day, period_start,"
                     " period_end, issue_date, status, started_by,"
                     " accounts_total)"
                     " SELECT $1::smallint, $2::date, $3::date, $4::date,"
                     " 'previewing', $5, (SELECT count(*)"
                     "  FROM accounts.billing_account"
                     "  WHERE bill_cycle_day = $1::smallint"
                     "  AND status = 'active')"
                     " ON CONFLICT (cycle_day, period_start) DO NOTHING"
                     " RETURNING run_id",
                     &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        row.res = res;
        row.row = 0;
        rc = tl_row_int64(&row, "run_id", &job->run_id, err);
        PQclear(res);
        if (rc < 0)
            return rc;
        created = 1;
    } else {
        PQclear(res);
        rc = billing_run_find(&job->run_id, db, job->cycle_day,
                              job->period.start, err);
        if (rc < 0)
            return rc;
    }
    /* one open run per cycle */
    tl_params_init(&p);
    tl_params_int64(&p, job->cycle_day);
    tl_params_int64(&p, job->run_id);
    rc = tl_db_query(db, &res, "billing_run_open_other",
                     "SELECT period_start FROM billing.bill_run"
                     " WHERE cycle_day = $1::smallint"
                     " AND run_id <> $2::bigint AND status <> 'approved'"
                     " ORDER BY period_start LIMIT 1",
                     &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        char other[16];
        tl_date d = 0;

        row.res = res;
        row.row = 0;
        rc = tl_row_date(&row, "period_start", &d, err);
        PQclear(res);
        if (rc < 0)
            return rc;
        tl_date_format(other, sizeof(other), d);
        return tl_err_set(err, TL_ECONFLICT, "earlier_run_open", "period",
                          "the run of cycle %d for the period from %s is "
                          "not approved yet: approve it first",
                          job->cycle_day, other);
    }
    PQclear(res);
    rc = lock_run(s->out, db, job->run_id, err);
    if (rc < 0)
        return rc;
    s->out->created = created;
    if (created)
        return make_stripes(job, db, err);
    if (job->opts->refresh) {
        if (strcmp(s->out->status, "approved") == 0)
            return tl_err_set(err, TL_ECONFLICT, "run_approved", "run",
                              "bill run %lld is approved: its invoices are "
                              "final",
                              (long long)job->run_id);
        tl_params_init(&p);
        tl_params_int64(&p, job->run_id);
        rc = tl_db_exec(db, "billing_run_refresh_tax_lines",
                        "DELETE FROM billing.invoice_tax_line t"
                        " USING billing.invoice i"
                        " WHERE i.account_id = t.account_id"
                        " AND i.invoice_id = t.invoice_id"
                        " AND i.run_id = $1::bigint AND i.status = 'draft'",
                        &p, err);
        if (rc >= 0)
            rc = tl_db_exec(db, "billing_run_refresh_lines",
                            "DELETE FROM billing.invoice_line l"
                            " USING billing.invoice i"
                            " WHERE i.account_id = l.account_id"
                            " AND i.invoice_id = l.invoice_id"
                            " AND i.run_id = $1::bigint"
                            " AND i.status = 'draft'",
                            &p, err);
        if (rc >= 0)
            rc = tl_db_exec(db, "billing_run_refresh_invoices",
                            "DELETE FROM billing.invoice"
                            " WHERE run_id = $1::bigint AND status = 'draft'",
                            &p, err);
        if (rc >= 0)
            rc = tl_db_exec(db, "billing_run_refresh",
                            "UPDATE billing.bill_run SET status = 'previewing',"
                            " last_account_id = 0, accounts_done = 0,"
                            " invoice_count = 0, completed_at = NULL,"
                            " accounts_total = (SELECT count(*)"
                            "  FROM accounts.billing_account"
                            "  WHERE bill_cycle_day = cycle_day"
                            "  AND status = 'active')"
                            " WHERE run_id = $1::bigint",
                            &p, err);
        if (rc >= 0)
            rc = make_stripes(job, db, err);
        if (rc < 0)
            return rc;
        s->out->created = 1;
        snprintf(s->out->status, sizeof(s->out->status), "previewing");
    } else if (strcmp(s->out->status, "previewing") == 0) {
        s->out->created = 1;
    }
    return 0;
}

/* ---- workers ---- */

/* After a batch: the run's progress to the caller's callback. */
static int report_progress(const billrun_job *job, tl_db *db,
                           billing_run_result *out, tl_err *err)
{
    int rc;

    if (job->opts->progress == NULL)
        return 0;
    rc = run_state(out, db, job->run_id, err);
    if (rc < 0)
        return rc;
    job->opts->progress(out->accounts_done, out->accounts_total,
                        job->opts->progress_cls);
    return 0;
}

/* Previews the context's stripe batch by batch until it is finished, the
 * options' batch limit is reached, or (stop set) another worker failed.
 * out, when not NULL, gets the progress after each batch. */
static int preview_stripe(billrun_ctx *ctx, const billrun_job *job,
                          tl_db *db, billing_run_result *out,
                          atomic_int *stop, tl_err *err)
{
    int batches = 0;
    int rc;

    for (;;) {
        if (stop != NULL && atomic_load(stop))
            return 0;
        if (job->opts->max_batches > 0 && batches >= job->opts->max_batches)
            return 0;
        rc = tl_db_run_tx(db, "billing_preview_batch", billrun_batch_tx, ctx,
                          err);
        if (rc < 0)
            return rc;
        batches++;
        if (out != NULL) {
            rc = report_progress(job, db, out, err);
            if (rc < 0)
                return rc;
        }
        if (billrun_ctx_finished(ctx))
            return 0;
    }
}

/* A worker previewing one stripe on a connection of its own. */
typedef struct stripe_worker {
    billrun_ctx *ctx; /* its own batch, the run's catalog data shared */
    const billrun_job *job;
    tl_db *db;
    tl_err err;
    int rc;
    atomic_int *stop; /* set by the first worker to fail */
    atomic_int done;
    int started;
    pthread_t thread;
} stripe_worker;

static void *stripe_thread(void *arg)
{
    stripe_worker *w = arg;

    w->rc = preview_stripe(w->ctx, w->job, w->db, NULL, w->stop, &w->err);
    if (w->rc < 0)
        atomic_store(w->stop, 1);
    atomic_store(&w->done, 1);
    return NULL;
}

/* The stripes of the run still open, in order; *n of them. */
static int open_stripes(int *stripes, int *n, const billrun_job *job,
                        tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;
    int i;

    *n = 0;
    tl_params_init(&p);
    tl_params_int64(&p, job->run_id);
    tl_params_int64(&p, MAX_STRIPES);
    rc = tl_db_query(db, &res, "billing_stripes_open",
                     "SELECT stripe FROM billing.bill_run_stripe"
                     " WHERE run_id = $1::bigint AND finished_at IS NULL"
                     " ORDER BY stripe LIMIT $2::int",
                     &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    for (i = 0; i < rc; i++) {
        row.row = i;
        if (tl_row_int(&row, "stripe", &stripes[i], err) < 0) {
            PQclear(res);
            return TL_ERROR;
        }
    }
    *n = rc;
    PQclear(res);
    return 0;
}

/* While the workers run: their progress every fifth of a second. */
static void watch_workers(stripe_worker *w, int n, const billrun_job *job,
                          tl_db *db, billing_run_result *out)
{
    const struct timespec pause = {0, 200 * 1000 * 1000};
    tl_err ignored = TL_ERR_INIT;
    int running = n;
    int i;

    while (running > 0) {
        nanosleep(&pause, NULL);
        for (running = 0, i = 0; i < n; i++)
            running += w[i].started && !atomic_load(&w[i].done);
        /* progress is for the eye: a failed read of it stops nothing */
        (void)report_progress(job, db, out, &ignored);
        tl_err_clear(&ignored);
    }
}

/* Starts worker w on the stripe: a context and a connection of its own
 * and a thread. */
static int start_worker(stripe_worker *w, const billrun_ctx *base,
                        const billrun_job *job, int stripe, tl_db *db,
                        tl_err *err)
{
    int rc;

    w->job = job;
    tl_err_init(&w->err);
    atomic_init(&w->done, 0);
    w->ctx = billrun_ctx_for_stripe(base, stripe);
    if (w->ctx == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_db_connect_again(&w->db, db, err);
    if (rc < 0)
        return rc;
    if (pthread_create(&w->thread, NULL, stripe_thread, w) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "",
                          "cannot start a bill run worker");
    w->started = 1;
    return 0;
}

/* Previews the n stripes listed on threads of their own, each with a
 * connection of its own, while this thread reports progress; the first
 * failure stops the others after their batch and is returned. */
static int preview_in_parallel(const billrun_ctx *base, const billrun_job *job,
                               tl_db *db, billing_run_result *out,
                               const int *stripes, int n, tl_err *err)
{
    stripe_worker *w = calloc((size_t)n, sizeof(*w));
    atomic_int stop = 0;
    int rc = 0;
    int i;

    if (w == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    for (i = 0; i < n && rc == 0; i++) {
        w[i].stop = &stop;
        rc = start_worker(&w[i], base, job, stripes[i], db, err);
    }
    if (rc < 0)
        atomic_store(&stop, 1);
    watch_workers(w, n, job, db, out);
    for (i = 0; i < n; i++) {
        if (w[i].started)
            pthread_join(w[i].thread, NULL);
        if (rc == 0 && w[i].rc < 0) {
            rc = w[i].rc;
            if (err != NULL)
                tl_err_copy(err, &w[i].err);
        }
        tl_err_clear(&w[i].err);
        billrun_ctx_free(w[i].ctx);
        tl_db_close(w[i].db);
    }
    free(w);
    return rc;
}

/* Previews every open stripe of the run: one on this connection, several
 * on workers of their own. */
static int preview_stripes(billrun_ctx *ctx, const billrun_job *job,
                           tl_db *db, billing_run_result *out, tl_err *err)
{
    int stripes[MAX_STRIPES];
    int n = 0;
    int rc = open_stripes(stripes, &n, job, db, err);
    int i;

    if (rc < 0 || n == 0)
        return rc;
    /* inside the caller's transaction, which holds the run's row, the
     * stripes go one after the other on its connection */
    if (n == 1 || !job->own_tx) {
        for (i = 0; i < n && rc == 0; i++) {
            billrun_ctx_set_stripe(ctx, stripes[i]);
            rc = preview_stripe(ctx, job, db, out, NULL, err);
        }
        return rc;
    }
    return preview_in_parallel(ctx, job, db, out, stripes, n, err);
}

/* The stripes of a run still previewing, with the catalog data read once
 * for all of them, then the preview's end. */
static int preview_open_run(billrun_job *job, tl_db *db,
                            billing_run_result *out, tl_err *err)
{
    billrun_ctx *ctx = NULL;
    int rc = billrun_ctx_open(&ctx, job, db, err);

    if (rc >= 0)
        rc = preview_stripes(ctx, job, db, out, err);
    billrun_ctx_free(ctx);
    if (rc >= 0)
        rc = tl_db_run_tx(db, "billing_preview_finish", finish_tx, job, err);
    return rc < 0 ? rc : 0;
}

int billing_run_preview(billing_run_result *out, tl_db *db, int cycle_day,
                        int year, int month, tl_date issue_date,
                        const billing_preview_opts *opts, const char *actor,
                        tl_err *err)
{
    static const billing_preview_opts defaults;
    billrun_job job;
    start_ctx start;
    int ny = month == 12 ? year + 1 : year;
    int nm = month == 12 ? 1 : month + 1;
    int created;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&job, 0, sizeof(job));
    if (tl_bill_period(&job.period, cycle_day, year, month) != 0 ||
        tl_bill_period(&job.next, cycle_day, ny, nm) != 0)
        return tl_err_add(err, "invalid_period", "period",
                          "cycle day %d and period %04d-%02d do not make a "
                          "bill period",
                          cycle_day, year, month);
    job.opts = opts != NULL ? opts : &defaults;
    job.batch_size =
        job.opts->batch_size > 0 ? job.opts->batch_size : DEFAULT_BATCH;
    job.cycle_day = cycle_day;
    job.issue_date = issue_date;
    job.actor = actor;
    job.own_tx = !tl_db_in_tx(db);
    start.job = &job;
    start.out = out;
    rc = tl_db_run_tx(db, "billing_preview_start", start_tx, &start, err);
    if (rc < 0)
        return rc;
    created = out->created;
    /* a run continued keeps the issue date of its first preview */
    job.issue_date = out->issue_date;
    if (strcmp(out->status, "previewing") == 0)
        rc = preview_open_run(&job, db, out, err);
    if (rc >= 0)
        rc = billing_run_get(out, db, job.run_id, err);
    out->created = created;
    return rc;
}

int billing_run(billing_run_result *out, tl_db *db, int cycle_day, int year,
                int month, tl_date issue_date, const char *actor, tl_err *err)
{
    billing_run_result approved;
    int created;
    int rc;

    rc = billing_run_preview(out, db, cycle_day, year, month, issue_date, NULL,
                             actor, err);
    if (rc < 0)
        return rc;
    created = out->created;
    rc = billing_run_approve(&approved, db, out->run_id, actor, err);
    if (rc < 0)
        return rc;
    *out = approved;
    out->created = created;
    return 0;
}

int billing_run_find(int64_t *run_id, tl_db *db, int cycle_day,
                     tl_date period_start, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    *run_id = 0;
    tl_params_init(&p);
    tl_params_int64(&p, cycle_day);
    tl_params_date(&p, period_start);
    rc = tl_db_query_one(db, &res, "billing_run_find",
                         "SELECT run_id FROM billing.bill_run"
                         " WHERE cycle_day = $1::smallint"
                         " AND period_start = $2::date",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_run", "period",
                          "cycle %d has not been run for that period",
                          cycle_day);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "run_id", run_id, err);
    PQclear(res);
    return rc;
}
