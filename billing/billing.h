/*
 * billing: proration, bill runs and invoices.
 *
 * Billing is in advance by bill-cycle period (common/dates.h). A run for
 * cycle day D and period P bills, for every active account on cycle D:
 *   - each one-time charge (NRC) of a service not billed yet, at the price
 *     in force on the billing start date;
 *   - each recurring charge (MRC) for every not yet billed part of the
 *     periods from the one holding the billing start through the period
 *     after P (the next period in advance), prorated by days: a part
 *     [s, e) of period Q costs MRC * days(s, e) / days(Q), rounded
 *     half-even once, at the price in force on s.
 * One invoice per account and run, numbered gaplessly from the invoice
 * series in the run's transaction. Running the same cycle and period again
 * finds the run and creates nothing.
 */
#ifndef BILLING_H
#define BILLING_H

#include <stddef.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

/* ---- proration (pure) ---- */

/* The part of a monthly charge for `charged` within `period`: mrc *
 * days(charged ∩ period) / days(period), rounded half-even. TL_EINVALID
 * for an empty period. */
int billing_prorate(tl_money *out, const tl_money *mrc,
                    const tl_period *charged, const tl_period *period);

/* Splits one period's charge into the parts cut at cuts[0..ncuts-1]
 * (strictly increasing dates inside the period) so that the ncuts + 1
 * parts, weighted by days, add up to mrc exactly. parts must hold ncuts +
 * 1 entries. TL_EINVALID for cuts outside the period or out of order. */
int billing_prorate_split(tl_money *parts, const tl_money *mrc,
                          const tl_period *period, const tl_date *cuts,
                          size_t ncuts);

/* ---- bill runs ---- */

typedef struct billing_run_result {
    int64_t run_id;
    int created; /* 0 when the run existed and nothing was created */
    int invoice_count;
    tl_period period;
    tl_date issue_date;
} billing_run_result;

/* Runs cycle `cycle_day` for the period starting in (year, month), dating
 * invoices issue_date, all in one transaction. */
int billing_run(billing_run_result *out, tl_db *db, int cycle_day, int year,
                int month, tl_date issue_date, const char *actor, tl_err *err);

typedef struct billing_invoice {
    int64_t account_id;
    int64_t invoice_id;
    int64_t run_id;
    char invoice_number[40];
    char account_number[40];
    char account_name[160];
    tl_period period;
    tl_date issue_date;
    tl_date due_date;
    tl_money subtotal;
    tl_money tax;
    tl_money total;
} billing_invoice_t;

typedef struct billing_invoice_line {
    int line_no;
    char circuit_id[48];
    char code[40];
    char charge_kind[4];
    char description[200];
    int has_period;
    tl_period period;
    int quantity;
    tl_money unit;
    tl_money amount;
    char price_source[12];
} billing_invoice_line_t;

/* Finds an invoice by number. TL_ENOTFOUND otherwise. */
int billing_invoice_get(billing_invoice_t *out, tl_db *db,
                        const char *invoice_number, tl_err *err);

/* Calls fn for each line of an invoice in line order. */
typedef int (*billing_line_fn)(const billing_invoice_line_t *line, void *cls,
                               tl_err *err);
int billing_invoice_lines(tl_db *db, int64_t account_id, int64_t invoice_id,
                          billing_line_fn fn, void *cls, tl_err *err);

/* Calls fn for each invoice of a run in invoice-number order. */
typedef int (*billing_invoice_fn)(const billing_invoice_t *inv, void *cls,
                                  tl_err *err);
int billing_run_invoices(tl_db *db, int64_t run_id, billing_invoice_fn fn,
                         void *cls, tl_err *err);

/* Finds the run of a cycle and period. TL_ENOTFOUND when not run yet. */
int billing_run_find(int64_t *run_id, tl_db *db, int cycle_day,
                     tl_date period_start, tl_err *err);

#endif
