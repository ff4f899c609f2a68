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

/* SQL for the reports that read invoices: only final invoices are in the
 * books (drafts of a run not yet approved are not), joined to a line
 * table aliased l. */
#define BILLING_FINAL_INVOICE_JOIN                                             \
    "JOIN (SELECT * FROM billing.invoice WHERE status = 'final') i"            \
    " USING (account_id, invoice_id)"

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

/* ---- bill runs (billrun.c, approve.c) ----
 *
 * A run of cycle D for period P goes preview -> review -> approve:
 *
 *   previewing  billing_run_preview writes one draft invoice per account
 *               of the cycle that has something to bill, in batches of
 *               accounts, each batch one transaction that also records
 *               how far the run got. A run killed between batches keeps
 *               its committed batches and resumes after them; a killed
 *               batch leaves nothing.
 *   preview     every account is done; the drafts can be reviewed
 *               (billing_run_review), shown (number "DRAFT-<id>"), and
 *               recomputed from current data (refresh).
 *   approved    billing_run_approve numbered the drafts gaplessly from the
 *               series, in account-number order, and made them final.
 *
 * At most one run of a cycle is not approved at a time.
 *
 * Charges are deltas. For each service code of each service, and each
 * bill period from the one holding its billing start through P + 1 (in
 * advance), the account is entitled to MRC * quantity for the days of the
 * period on which the code was in force (between the billing start and
 * the disconnect date; suspended days are billed), each piece priced by
 * contracts_price_on on its first day and allocated so that the pieces of
 * one period add up exactly to the period's MRC. The line is the
 * entitlement less what final invoices (and this run's drafts) billed for
 * that service, code and period: a positive difference is an MRC line, a
 * negative one a CREDIT line naming the line it corrects. A period whose
 * billed days are exactly the entitled ones is not priced again.
 * One-time charges: each NRC code of a service once, priced on the day it
 * came into force; pending non-return fees (provisioning.equipment_charge)
 * once; approved manual charges and credits once; the ETF of a terminated
 * agreement once; and a SHORTFALL line when the MRC billed for P + 1 is
 * below the minimum monthly commitment of the agreement in force on the
 * first day of P + 1. Tax lines are added per invoice in one place
 * (billrun.c, build_tax_lines); the total is subtotal + tax. */

typedef struct billing_run_result {
    int64_t run_id;
    int created; /* 1 when this call created the run (preview) or approved
                    it (approve); 0 when there was nothing left to do */
    int invoice_count;
    tl_period period;
    tl_date issue_date;
    int cycle_day;
    char status[12]; /* previewing, preview, approved */
    int accounts_total;
    int accounts_done;
    int64_t total_minor; /* sum of the run's invoice totals */
} billing_run_result;

/* Progress after each committed batch of a preview. */
typedef void (*billing_progress_fn)(int done, int total, void *cls);

typedef struct billing_preview_opts {
    int batch_size;  /* accounts per transaction; 0: 500 */
    int refresh;     /* 1: delete the run's drafts and compute them again */
    int max_batches; /* stop after this many batches (0: until done) */
    /* connections previewing a new or refreshed run side by side, each a
     * stripe of its accounts (0 or 1: this one alone); a run continued
     * keeps the stripes it was started with, a worker each */
    int workers;
    /* tests: the batch fails after computing this many accounts (0:
     * never), as a run killed in the middle of a batch */
    int fail_after_accounts;
    billing_progress_fn progress;
    void *progress_cls;
} billing_preview_opts;

/* Previews cycle `cycle_day` for the period starting in (year, month),
 * dating invoices issue_date (kept from the first preview of the run):
 * creates the run, or continues one still previewing; a run already in
 * preview or approved is left alone (created 0) unless refresh is asked,
 * which recomputes a preview (TL_ECONFLICT "run_approved" once approved).
 * opts may be NULL. TL_ECONFLICT "earlier_run_open" while another run of
 * the cycle is not approved; TL_EINVALID for a bad cycle or period;
 * TL_ENOTFOUND when a charge has no price. */
int billing_run_preview(billing_run_result *out, tl_db *db, int cycle_day,
                        int year, int month, tl_date issue_date,
                        const billing_preview_opts *opts, const char *actor,
                        tl_err *err);

/* Approves a run in preview: numbers its drafts and makes them final,
 * marks its manual charges billed, in one transaction. Approving an
 * approved run does nothing (created 0). TL_ENOTFOUND; TL_ECONFLICT
 * "run_not_previewed" while the preview is not finished. Posting to the
 * AR ledger is the caller's (collections_post_run). */
int billing_run_approve(billing_run_result *out, tl_db *db, int64_t run_id,
                        const char *actor, tl_err *err);

/* Preview and approval in one go (created 1 when the run was new). Used
 * by `bill run`, the demo and tests. */
int billing_run(billing_run_result *out, tl_db *db, int cycle_day, int year,
                int month, tl_date issue_date, const char *actor, tl_err *err);

/* The run and its progress. TL_ENOTFOUND. */
int billing_run_get(billing_run_result *out, tl_db *db, int64_t run_id,
                    tl_err *err);

/* ---- review (review.c) ---- */

typedef struct billing_anomaly {
    const char *account_number;
    const char *invoice_ref; /* DRAFT-<id> or the invoice number */
    /* total_moved, new_code, vanished_code, zero_total, negative_total,
     * disconnected_service_charged, install_never_charged */
    const char *kind;
    const char *code;       /* service code concerned, "" when none */
    const char *circuit_id; /* "" when none */
    const char *detail;     /* a sentence for people */
    tl_money total;         /* the invoice total */
    int has_previous;
    tl_money previous_total; /* total_moved: the last final invoice */
    int64_t percent_x100;    /* total_moved: change in hundredths of % */
} billing_anomaly_t;

typedef int (*billing_anomaly_fn)(const billing_anomaly_t *a, void *cls,
                                  tl_err *err);

/* Calls fn for each anomaly of the run's invoices, by account number then
 * kind: total_moved (more than threshold_percent from the account's last
 * final invoice of an earlier run), new_code / vanished_code (MRC codes
 * against that invoice), zero_total, negative_total,
 * disconnected_service_charged (an MRC line for days on or after the
 * service's disconnect date, as the service is now), and
 * install_never_charged (an active or suspended service of the account
 * with an NRC code billed on no final invoice nor on this run's). Returns
 * the number of anomalies. TL_ENOTFOUND for an unknown run. */
int billing_run_review(tl_db *db, int64_t run_id, int threshold_percent,
                       billing_anomaly_fn fn, void *cls, tl_err *err);

/* ---- manual charges (manual.c) ---- */

typedef struct billing_manual_charge {
    int64_t charge_id;
    const char *account_number;
    const char *kind;     /* NRC or CREDIT */
    const char *category; /* NRC: installation ... other; "" for CREDIT */
    const char *circuit_id;
    tl_money amount; /* positive */
    const char *description;
    const char *reason;
    const char *status; /* requested, approved, billed, rejected */
    const char *requested_by;
    const char *approved_by; /* "" when none */
    const char *reject_reason;
} billing_manual_charge_t;

typedef struct billing_manual_charge_in {
    const char *account_number;
    const char *kind;       /* "NRC" or "CREDIT" */
    const char *category;   /* NRC only */
    const char *circuit_id; /* NULL: the account */
    const char *amount;     /* decimal in the account currency */
    const char *description;
    const char *reason;
    const char *reason_code; /* NULL: "other"; see billing_adjust */
    int64_t corrects_invoice_id; /* an adjustment's line, else 0 */
    int corrects_line_no;
} billing_manual_charge_in;

/* Enters a manual charge or credit: approved at once when the amount is
 * within the currency's approval threshold (billing.setting), else
 * requested (*needs_approval 1). Every problem with its field; TL_EINVALID,
 * TL_ENOTFOUND for an unknown account or circuit. */
int billing_manual_charge_add(int64_t *charge_id, int *needs_approval,
                              tl_db *db, const billing_manual_charge_in *in,
                              const char *actor, tl_err *err);

/* Approves a requested charge (by someone other than who entered it), or
 * rejects it with a reason. Doing the same again is a no-op; TL_ECONFLICT
 * for a charge in another state or approval by the requester;
 * TL_ENOTFOUND. */
int billing_manual_charge_approve(tl_db *db, int64_t charge_id,
                                  const char *actor, tl_err *err);
int billing_manual_charge_reject(tl_db *db, int64_t charge_id,
                                 const char *reason, const char *actor,
                                 tl_err *err);

/* An adjustment: a credit correcting line line_no of final invoice
 * invoice_number by amount (a decimal in the invoice's currency, at most
 * what the line charged less the adjustments already made to it), for a
 * reason code (billing_error, rate_correction, service_outage, goodwill,
 * dispute_resolution, other) and a reason. Like any manual credit it is
 * approved at once within the approval threshold, else requested; the next
 * bill run bills it as a credit line linked to the corrected line.
 * TL_EINVALID with every problem; TL_ENOTFOUND for an unknown invoice or
 * line; TL_ECONFLICT for a draft invoice. */
int billing_adjust(int64_t *charge_id, int *needs_approval, tl_db *db,
                   const char *invoice_number, int line_no, const char *amount,
                   const char *reason_code, const char *reason,
                   const char *actor, tl_err *err);

typedef int (*billing_manual_fn)(const billing_manual_charge_t *m, void *cls,
                                 tl_err *err);
/* Lists manual charges (status NULL: all), newest first. Returns count. */
int billing_manual_charges(tl_db *db, const char *status, billing_manual_fn fn,
                           void *cls, tl_err *err);

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
    char status[8]; /* draft or final */
} billing_invoice_t;

typedef struct billing_invoice_line {
    int line_no;
    char circuit_id[48];
    char code[40];
    char charge_kind[12]; /* MRC, NRC, CREDIT, SHORTFALL, ETF */
    char description[200];
    int has_period;
    tl_period period;
    int quantity;
    tl_money unit;
    tl_money amount;
    char price_source[12];
} billing_invoice_line_t;

/* Finds an invoice by number, or a draft by "DRAFT-<id>". TL_ENOTFOUND
 * otherwise. A draft's invoice_number is "DRAFT-<id>". */
int billing_invoice_get(billing_invoice_t *out, tl_db *db,
                        const char *invoice_number, tl_err *err);

/* 1 when ref names a draft ("DRAFT-<id>"), with *id set; else 0. */
int billing_draft_id(int64_t *id, const char *ref);

/* Calls fn for each line of an invoice in line order. */
typedef int (*billing_line_fn)(const billing_invoice_line_t *line, void *cls,
                               tl_err *err);
int billing_invoice_lines(tl_db *db, int64_t account_id, int64_t invoice_id,
                          billing_line_fn fn, void *cls, tl_err *err);

/* Calls fn for each invoice of a run in invoice-number order (drafts by
 * account number). */
typedef int (*billing_invoice_fn)(const billing_invoice_t *inv, void *cls,
                                  tl_err *err);
int billing_run_invoices(tl_db *db, int64_t run_id, billing_invoice_fn fn,
                         void *cls, tl_err *err);

/* Finds the run of a cycle and period. TL_ENOTFOUND when not run yet. */
int billing_run_find(int64_t *run_id, tl_db *db, int cycle_day,
                     tl_date period_start, tl_err *err);

#endif
