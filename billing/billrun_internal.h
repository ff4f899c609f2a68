/*
 * Inside the bill run: what a preview's batches share (billrun_job), the
 * context that works one stripe's batches (billrun.c), and one invoice
 * line before it is written. The run, its stripes and its workers are
 * billrun_run.c's.
 */
#ifndef BILLING_BILLRUN_INTERNAL_H
#define BILLING_BILLRUN_INTERNAL_H

#include <stdint.h>

#include "billing/billing.h"
#include "common/dates.h"
#include "common/db.h"
#include "common/money.h"

/* What every batch of one preview shares, read-only while batches run. */
typedef struct billrun_job {
    int64_t run_id;
    int cycle_day;
    tl_period period; /* the bill period */
    tl_period next;   /* the one after, billed in advance */
    tl_date issue_date;
    const char *actor;
    const billing_preview_opts *opts;
    int batch_size;
    int own_tx; /* 1: each batch its own transaction, not joined to the
                 * caller's (as in an HTTP request) */
} billrun_job;

/* One stripe's batches, one after another: the batch being computed and
 * the catalog data every batch reads alike. Private to billrun.c. */
typedef struct billrun_ctx billrun_ctx;

/* A context for stripe 1 of job's run, with the catalog data (prices, tax
 * rules, tax categories) read on db. On failure *out is NULL. Free with
 * billrun_ctx_free. */
int billrun_ctx_open(billrun_ctx **out, const billrun_job *job, tl_db *db,
                     tl_err *err);

/* A context for another stripe of base's run, sharing base's catalog data
 * (base must outlive it), for a worker; NULL when out of memory. */
billrun_ctx *billrun_ctx_for_stripe(const billrun_ctx *base, int stripe);

/* Points the context at another stripe of the run. */
void billrun_ctx_set_stripe(billrun_ctx *ctx, int stripe);

/* 1 when the context's last batch found its stripe done (or the run no
 * longer previewing). */
int billrun_ctx_finished(const billrun_ctx *ctx);

/* NULL-safe. */
void billrun_ctx_free(billrun_ctx *ctx);

/* One batch of the context's stripe, as a tl_db_run_tx function (cls is
 * the billrun_ctx): the stripe's next accounts after its cursor computed
 * and written as drafts, the cursor moved; or the stripe marked finished
 * when none is left. */
int billrun_batch_tx(tl_db *db, void *cls, tl_err *err);

typedef struct billing_pending_line {
    int64_t service_id; /* 0: none */
    char code[40];      /* "": none */
    char charge_kind[12];
    char description[200];
    int has_period;
    tl_period period;
    int quantity;
    tl_money unit;
    tl_money amount;
    char price_source[12];
    int64_t credited_invoice_id; /* 0: none */
    int credited_line_no;
    int64_t equipment_charge_id; /* 0: none */
    int64_t manual_charge_id;    /* 0: none */
    int64_t agreement_id;        /* 0: none */
} billing_pending_line;

#endif
