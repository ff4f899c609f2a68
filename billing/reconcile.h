/*
 * billing reconciliation: the three-way report of inventory (services in
 * service and their codes, provisioning) against billing (the recurring
 * and one-time charges on invoice lines) and contracts (the effective
 * price: contracted rate, else list).
 *
 * A service is in service on day D when its billing start is on or before
 * D and it has no disconnect date on or before D. Its service codes on D
 * are those of its history then (its latest version effective by D), so
 * a change recorded for a later day does not move a report for D. Only invoices issued on
 * or before the as-of date count. Findings, one per row:
 *
 *   active_not_billed       an MRC code of a service in service on the
 *                           as-of date (and applying by then) with no
 *                           MRC line covering that day (lines covering it
 *                           net to zero or less, so a credited line
 *                           counts as not billed). amount = the monthly
 *                           price at risk: effective unit price on the
 *                           as-of date x quantity.
 *   billed_not_active       MRC lines of a service code billing days on
 *                           or after the service's disconnect date, or
 *                           any day of a service never accepted. One
 *                           finding per service code; amount = what was
 *                           billed for those days (each line's amount x
 *                           days outside service / days of the line,
 *                           half-even, netted over lines), reported when
 *                           it is positive: the credit due.
 *   rate_mismatch           the MRC line covering the as-of date of a
 *                           service in service whose unit price differs
 *                           from the effective price on the line's first
 *                           day (contracts_price_on). billed and expected
 *                           are unit x quantity per month; amount =
 *                           billed - expected (positive: overbilled).
 *   billing_start_mismatch  a service whose billing start date is not its
 *                           acceptance date. amount = the monthly price
 *                           of its MRC codes on the acceptance date,
 *                           prorated by the account's bill periods over
 *                           the days between the two dates (billing_
 *                           prorate per period part); the message says
 *                           whether those days went unbilled or were
 *                           billed before acceptance.
 *   install_never_charged   an NRC code of a service in service that has
 *                           been invoiced (some line on an invoice issued
 *                           by the as-of date) but never with that code.
 *                           amount = the one-time price on the billing
 *                           start date x quantity. A service never billed
 *                           at all is active_not_billed instead: the next
 *                           bill run charges its NRC with its first MRC.
 *
 * How it runs: each finding kind is one set-based query selecting the
 * candidate rows; only candidates are priced in C with
 * contracts_price_on (escalators and rate changes live there, and the
 * bill run prices the same way), one call per candidate row. For
 * rate_mismatch, lines billed at the list price in force for a code the
 * account has no contracted rate for at all are excluded in SQL, since
 * the list price is then the effective price. All reads happen in one
 * transaction; findings are sorted (account, circuit, kind, code) and
 * handed out after the reads, so a caller never sees a half-done report.
 */
#ifndef BILLING_RECONCILE_H
#define BILLING_RECONCILE_H

#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

typedef enum billing_recon_kind {
    BILLING_RECON_ACTIVE_NOT_BILLED = 0,
    BILLING_RECON_BILLED_NOT_ACTIVE,
    BILLING_RECON_RATE_MISMATCH,
    BILLING_RECON_BILLING_START_MISMATCH,
    BILLING_RECON_INSTALL_NEVER_CHARGED,
    BILLING_RECON_KINDS
} billing_recon_kind;

/* "active_not_billed", ... ; NULL for a value out of range. */
const char *billing_recon_kind_name(billing_recon_kind kind);

/* One finding. Strings live until the callback returns. */
typedef struct billing_recon_finding {
    billing_recon_kind kind;
    const char *account_number;
    const char *circuit_id;
    const char *product_id;
    const char *code; /* "" for billing_start_mismatch */
    /* The days concerned, [from, to): from the first day not billed
     * through the as-of date for active_not_billed, the days billed
     * outside service for billed_not_active, the line's
     * period, the days between acceptance and billing start; for
     * install_never_charged only from (the billing start). */
    tl_date from;
    int has_to;
    tl_date to;
    int has_billed; /* billed_not_active, rate_mismatch */
    tl_money billed;
    int has_expected; /* active_not_billed, rate_mismatch, install_... */
    tl_money expected;
    tl_money amount; /* see the definitions above */
    const char *message;
} billing_recon_finding_t;

typedef int (*billing_recon_fn)(const billing_recon_finding_t *f, void *cls,
                                tl_err *err);

#define BILLING_RECON_MAX_CURRENCIES 8

/* The amount of one kind of finding in one currency. */
typedef struct billing_recon_amount {
    char currency[4];
    int count;
    tl_money amount;
} billing_recon_amount_t;

/* Totals per kind: the count over all currencies and the amount per
 * currency (n_amounts[k] entries, in order of first appearance). */
typedef struct billing_recon_totals {
    int count[BILLING_RECON_KINDS];
    int n_amounts[BILLING_RECON_KINDS];
    billing_recon_amount_t amounts[BILLING_RECON_KINDS]
                                  [BILLING_RECON_MAX_CURRENCIES];
} billing_recon_totals_t;

/* Reconciles the whole book, or one account when account_number is not
 * NULL, as of as_of: calls fn (may be NULL) for each finding in order and
 * fills *totals (zeroed first, also on failure). Returns the number of
 * findings, TL_ENOTFOUND for an unknown account, or another negative
 * status (fn's included). */
int billing_reconcile(billing_recon_totals_t *totals, tl_db *db, tl_date as_of,
                      const char *account_number, billing_recon_fn fn,
                      void *cls, tl_err *err);

#endif
