/*
 * collections/acct.h: the AR ledger's documents (credit and debit memos,
 * adjustments, refunds, transfers, recoveries), write-offs with approval,
 * balances as of a date, FX rates for portfolio figures in a base
 * currency, statements of account, the monthly account-status summary and
 * resends recorded in the contact log.
 *
 * Every document posts signed entries to collections.ledger_entry
 * (positive raises what the customer owes) and is keyed by its reference:
 * posting the same (account, kind, reference) again with the same amount
 * and invoice returns the stored entry (created 0); with anything else it
 * is TL_EDUPLICATE. Amounts are typed positive; the kind gives the sign:
 *
 *   credit_memo  -amount   (may name an invoice: at most what it owes)
 *   debit_memo   +amount   (may name an invoice)
 *   adjustment   signed as typed (may name an invoice)
 *   refund       +amount   (account level: at most the credit on account)
 *   transfer     -amount on the account, +amount on --to account of the
 *                same customer and currency; both entries linked
 *   recovery     cash received on a written-off invoice: a write_off
 *                entry of +amount reinstating it (at most what is written
 *                off and not yet recovered), and a payment of the amount
 *                applied to the invoice; net effect on balances is the
 *                payment's, the invoice's history shows both
 *
 * Balance of an account on D: the sum of its entries effective on or
 * before D. Balance of an invoice on D: the same rows
 * collections.invoice_open sums (non-payment entries naming it, less the
 * cash applied to it) on or before D.
 *
 * FX: rates are millionths of the target's major unit per major unit of
 * the source (CAD->USD 0.730000 is 730000), effective-dated; the rate in
 * force on D is the latest effective on or before D. A figure is
 * converted once (amount * rate / 10^6, scaled by the currencies'
 * exponents) and rounded half-even.
 */
#ifndef COLLECTIONS_ACCT_H
#define COLLECTIONS_ACCT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "collections/book.h"
#include "collections/collections.h"

/* ---- ledger documents (ledger_docs.c) ---- */

typedef struct collections_doc_in {
    const char *kind; /* credit_memo, debit_memo, adjustment, refund,
                         transfer, recovery */
    const char *account_number;
    const char *invoice_number; /* NULL: account level */
    const char *to_account;     /* transfer only */
    tl_money amount;            /* positive; adjustment: signed, not zero */
    tl_date date;               /* effective date */
    const char *reference;      /* idempotency key */
    const char *reason;
    const char *method;            /* recovery: wire, ach, check, card, other */
    const char *payment_reference; /* refund only: the payment whose
                                      credit it returns; NULL: chosen */
    const char *actor;
} collections_doc_in;

typedef struct collections_doc_result {
    int64_t entry_id;
    int64_t linked_entry_id; /* transfer: the other side; else 0 */
    int64_t payment_id;      /* refund: the payment it returns credit of
                                (0 for one posted before refunds named
                                one); else 0 */
    int created;
    int64_t signed_minor; /* what the entry added to the account */
} collections_doc_result;

/* Posts a document (see the top of this file). A refund returns the
 * credit of one payment of the account, recorded on its entry: the one
 * named by payment_reference, or else the oldest (by received date, then
 * id) with enough credit left. A payment's credit left is its amount less
 * what it applied and what refunds returned of it, both on the refund's
 * date and counting everything posted; the account must have that much
 * credit on the date too. TL_EINVALID with field paths (kind, amount,
 * reference, reason, invoice, to_account, method, payment) for bad input;
 * TL_ENOTFOUND for an unknown account or invoice, or a payment reference
 * the account does not have (code not_found, field payment); TL_ECONFLICT
 * with code exceeds_open / exceeds_credit / exceeds_written_off when the
 * amount is too large (exceeds_credit: the account's credit, or the named
 * payment's, or every single payment's credit left is less than the
 * refund); TL_EDUPLICATE for a reference reused with other values (a
 * refund naming another payment). Nothing is written on any error. One
 * audit event per document. */
int collections_doc_post(collections_doc_result *out, tl_db *db,
                         const collections_doc_in *in, tl_err *err);

typedef struct collections_entry {
    int64_t entry_id;
    const char *account_number;
    const char *kind;     /* the ledger kind */
    const char *doc_kind; /* the document kind ("" for system entries) */
    const char *reference;
    const char *invoice_number; /* "" when account level */
    tl_money amount;            /* signed */
    tl_date date;
    const char *reason;
    int64_t running; /* account balance after this entry */
} collections_entry;

typedef int (*collections_entry_fn)(const collections_entry *e, void *cls,
                                    tl_err *err);

/* Lists an account's entries effective in [from, to] (from 0: from the
 * first), by date then posting order, with the running balance (which
 * counts every entry before `from` too). TL_ENOTFOUND for an unknown
 * account. Returns the number of entries. */
int collections_entries(tl_db *db, const char *account_number, tl_date from,
                        tl_date to, collections_entry_fn fn, void *cls,
                        tl_err *err);

/* The account's balance on as_of (account currency). TL_ENOTFOUND. */
int collections_account_balance(tl_money *out, tl_db *db,
                                const char *account_number, tl_date as_of,
                                tl_err *err);

/* What the invoice owes on as_of. TL_ENOTFOUND for an unknown or
 * unposted invoice. */
int collections_invoice_balance(tl_money *out, tl_db *db,
                                const char *invoice_number, tl_date as_of,
                                tl_err *err);

typedef int (*collections_account_fn)(const char *account_number, void *cls,
                                      tl_err *err);

/* Calls fn with the number of each account that has ledger entries on or
 * before as_of, by number. Returns the count. */
int collections_ledger_accounts(tl_db *db, tl_date as_of,
                                collections_account_fn fn, void *cls,
                                tl_err *err);

/* ---- write-offs (writeoff.c) ---- */

typedef struct collections_writeoff_in {
    const char *invoice_number;
    tl_money amount; /* positive, at most what the invoice owes */
    const char *reason;
    tl_date date;
    const char *actor;
} collections_writeoff_in;

/* Requests a write-off. The same request (invoice, day, reason) again
 * returns it (*created 0) when the amount is the same, else
 * TL_EDUPLICATE. TL_EINVALID (amount, reason); TL_ENOTFOUND; TL_ECONFLICT
 * exceeds_open. Audited. */
int collections_writeoff_request(int64_t *writeoff_id, int *created, tl_db *db,
                                 const collections_writeoff_in *in,
                                 tl_err *err);

/* Approves a requested write-off as `actor`, who must not be the
 * requester (TL_ECONFLICT own_request). At or under the currency's
 * threshold one approval posts it; above it the first approval is
 * recorded (*posted 0) and a second, different person posts it
 * (TL_ECONFLICT second_approver_required when the first approves again).
 * Posting writes ledger kind write_off, reference WO-<id>, minus the
 * amount, naming the invoice, effective `on` (TL_ECONFLICT exceeds_open
 * when the invoice no longer owes it). Approving a posted one returns
 * *posted 1; a rejected one is TL_ECONFLICT. Audited. */
int collections_writeoff_approve(int *posted, tl_db *db, int64_t writeoff_id,
                                 tl_date on, const char *actor, tl_err *err);

/* Rejects a requested write-off (a note is required). Rejecting a
 * rejected one is a no-op; an approved one is TL_ECONFLICT. Audited. */
int collections_writeoff_reject(tl_db *db, int64_t writeoff_id, tl_date on,
                                const char *note, const char *actor,
                                tl_err *err);

typedef struct collections_writeoff {
    int64_t writeoff_id;
    const char *account_number;
    const char *invoice_number;
    tl_money amount;
    const char *reason;
    tl_date requested_on;
    const char *requested_by;
    const char *state;           /* requested, approved, rejected */
    const char *first_approver;  /* "" when none */
    const char *second_approver; /* "" when none */
    int needs_second;            /* above the threshold */
    const char *reference;       /* "WO-<id>" once posted, else "" */
} collections_writeoff;

typedef int (*collections_writeoff_fn)(const collections_writeoff *w, void *cls,
                                       tl_err *err);

/* Lists write-offs (state NULL: all) by number. */
int collections_writeoffs(tl_db *db, const char *state,
                          collections_writeoff_fn fn, void *cls, tl_err *err);

/* ---- FX (fx.c) ---- */

/* Converts `minor` units of a currency with exponent exp_from into one
 * with exponent exp_to at rate_micro millionths, rounding half-even.
 * TL_EOVERFLOW when the result does not fit; TL_EINVALID for a rate <= 0
 * or exponents outside 0..4. */
int collections_fx_convert(int64_t *out, int64_t minor, int64_t rate_micro,
                           int exp_from, int exp_to);

/* Reads a rate "0.730000" (at most 6 decimals, positive) into millionths.
 * TL_EINVALID otherwise. */
int collections_fx_rate_parse(int64_t *rate_micro, const char *text);

/* Stores a rate. The same rate again is a no-op (*created 0); another
 * rate for the same pair and day is TL_EDUPLICATE. TL_EINVALID for
 * unknown or equal currencies. Audited. */
int collections_fx_load(int *created, tl_db *db, const char *from,
                        const char *to, tl_date effective, int64_t rate_micro,
                        const char *actor, tl_err *err);

/* Loads a CSV file "from,to,effective_date,rate" (a header line starting
 * with "from" is skipped) in one transaction; a bad line rejects the whole
 * file with the line in the field path (line[3].rate). *created counts
 * new rates. */
int collections_fx_load_csv(int *created, int *lines, tl_db *db, FILE *in,
                            const char *actor, tl_err *err);

/* The rate in force on `on` from one currency to another (1000000 when
 * they are the same). TL_ENOTFOUND with field "fx" when none. */
int collections_fx_rate_on(int64_t *rate_micro, tl_db *db, const char *from,
                           const char *to, tl_date on, tl_err *err);

/* Converts an amount into `to` at the rate in force on `on`. */
int collections_fx_to(tl_money *out, tl_db *db, const tl_money *amount,
                      const char *to, tl_date on, tl_err *err);

typedef struct collections_fx_rate {
    const char *from;
    const char *to;
    tl_date effective;
    int64_t rate_micro;
} collections_fx_rate;

typedef int (*collections_fx_fn)(const collections_fx_rate *r, void *cls,
                                 tl_err *err);

/* Lists rates by pair, then date. */
int collections_fx_rates(tl_db *db, collections_fx_fn fn, void *cls,
                         tl_err *err);

/* ---- statements (statements.c) ---- */

typedef struct collections_statement {
    char account_number[40];
    char account_name[160];
    char customer_name[160];
    char currency[4];
    tl_date from; /* first day of the period */
    tl_date as_of;
    int64_t opening;                     /* balance on from - 1 */
    int64_t invoices;                    /* kind invoice in the period */
    int64_t payments;                    /* kind payment (negative) */
    int64_t credits;                     /* other entries below zero */
    int64_t debits;                      /* other entries above zero */
    int64_t closing;                     /* opening + the four above */
    int64_t bucket[COLLECTIONS_BUCKETS]; /* undisputed open on as_of */
    int64_t disputed;                    /* open and under dispute */
    int64_t unapplied; /* cash on account: not applied, not refunded */
} collections_statement;

/* The statement of account for [from, as_of]; entry_fn (may be NULL) is
 * called for each movement in the period before the function returns.
 * TL_ENOTFOUND for an unknown account; TL_EINVALID when from > as_of. */
int collections_statement_get(collections_statement *out, tl_db *db,
                              const char *account_number, tl_date from,
                              tl_date as_of, collections_entry_fn entry_fn,
                              void *cls, tl_err *err);

typedef struct collections_summary_row {
    const char *account_number; /* "" for the portfolio */
    const char *account_name;
    char currency[4];
    int64_t opening;    /* AR at the end of the month before */
    int64_t billed;     /* invoices and debit memos */
    int64_t collected;  /* payments less refunds (positive) */
    int64_t credits;    /* credit memos, adjustments, transfers (positive
                           when they lower AR) */
    int64_t write_offs; /* write-offs less recoveries (positive) */
    int64_t closing;    /* opening + billed - collected - credits
                           - write_offs */
    int64_t disputed;   /* open and under dispute at month end */
    int64_t dso_tenths; /* closing / billed * days in month; -1 when
                           nothing was billed */
} collections_summary_row;

typedef int (*collections_summary_fn)(const collections_summary_row *r,
                                      void *cls, tl_err *err);

/* The monthly account-status summary for year-month: fn once per account
 * with ledger entries on or before the month's end, by number, in its
 * currency; then once for the portfolio (account_number "") in `base`,
 * each account's figures converted once at the rate in force on the
 * month's last day (half-even) and added. TL_ENOTFOUND (field fx) when a
 * rate is missing; TL_EINVALID for a bad base currency. */
int collections_summary(tl_db *db, int year, int month, const char *base,
                        collections_summary_fn fn, void *cls, tl_err *err);

/* Records that the statement of account as of `as_of` was sent again to
 * the customer on `on`, as an email contact with outcome sent. Once per
 * account, statement date and day (*created 0 after). */
int collections_statement_resend(int64_t *contact_id, int *created, tl_db *db,
                                 const char *account_number, tl_date as_of,
                                 tl_date on, const char *actor, tl_err *err);

/* The same for an invoice (its account's contact log). TL_ENOTFOUND. */
int collections_invoice_resend(int64_t *contact_id, int *created, tl_db *db,
                               const char *invoice_number, tl_date on,
                               const char *actor, tl_err *err);

/* Writes s into f with &, <, >, " and ' escaped for HTML. */
void collections_html_escape(FILE *f, const char *s);

/* ---- the rest of a collector's day (credit.c) ---- */

/* Escalates an account to level ("collector", "supervisor", "agency",
 * "legal") with a reason, effective `on`. The same level the same day
 * again returns it (*created 0). TL_EINVALID (level, reason). Audited. */
int collections_escalate(int64_t *escalation_id, int *created, tl_db *db,
                         const char *account_number, const char *level,
                         const char *reason, tl_date on, const char *actor,
                         tl_err *err);

typedef struct collections_escalation {
    int64_t escalation_id;
    const char *account_number;
    const char *level;
    const char *reason;
    tl_date on;
    const char *by;
    int current; /* the account's latest */
} collections_escalation;

typedef int (*collections_escalation_fn)(const collections_escalation *e,
                                         void *cls, tl_err *err);

/* The escalation history (account NULL: all), by account, newest first. */
int collections_escalations(tl_db *db, const char *account_number,
                            collections_escalation_fn fn, void *cls,
                            tl_err *err);

typedef struct collections_inquiry_in {
    const char *account_number;
    tl_date date;
    const char *bureau;
    const char *outcome; /* approved, review, declined */
    int score;           /* 0..1000, or -1 when none */
    const char *note;
    const char *actor;
} collections_inquiry_in;

/* Records a credit inquiry; the same bureau the same day again returns it
 * (*created 0). TL_EINVALID (bureau, outcome, score). Audited. */
int collections_credit_inquiry_add(int64_t *inquiry_id, int *created, tl_db *db,
                                   const collections_inquiry_in *in,
                                   tl_err *err);

/* Records a signed credit application on file (reference, received on);
 * again: *created 0. Audited. */
int collections_credit_application_add(int *created, tl_db *db,
                                       const char *account_number,
                                       const char *reference, tl_date on,
                                       const char *actor, tl_err *err);

/* Asks a deposit of an account (positive, account currency). The same
 * request (day, reason) again returns it (*created 0). Audited. */
int collections_deposit_request(int64_t *deposit_id, int *created, tl_db *db,
                                const char *account_number,
                                const tl_money *amount, const char *reason,
                                tl_date on, const char *actor, tl_err *err);

/* Marks a requested deposit "received" or "waived". The same state again
 * is a no-op; another is TL_ECONFLICT; unknown TL_ENOTFOUND. Audited. */
int collections_deposit_decide(tl_db *db, int64_t deposit_id, const char *state,
                               tl_date on, const char *actor, tl_err *err);

typedef struct collections_deposit {
    int64_t deposit_id;
    const char *account_number;
    tl_money amount;
    const char *reason;
    tl_date requested_on;
    const char *state;
} collections_deposit;

typedef int (*collections_deposit_fn)(const collections_deposit *d, void *cls,
                                      tl_err *err);

/* Lists deposits (account NULL: all) by number. */
int collections_deposits(tl_db *db, const char *account_number,
                         collections_deposit_fn fn, void *cls, tl_err *err);

/* Records a payment method on file. `number` is the card or account
 * number as the customer gives it (digits, spaces and dashes; at least
 * four digits): only its last four digits are stored, never the rest.
 * Again: *created 0. TL_EINVALID (kind, number). Audited (masked). */
int collections_payment_method_add(int64_t *method_id, int *created, tl_db *db,
                                   const char *account_number, const char *kind,
                                   const char *number, const char *label,
                                   tl_date on, const char *actor, tl_err *err);

typedef struct collections_payment_method {
    int64_t method_id;
    const char *account_number;
    const char *kind;
    const char *last4;
    const char *label;
} collections_payment_method;

typedef int (*collections_payment_method_fn)(
    const collections_payment_method *m, void *cls, tl_err *err);

/* Lists the methods on file of an account. TL_ENOTFOUND. */
int collections_payment_methods(tl_db *db, const char *account_number,
                                collections_payment_method_fn fn, void *cls,
                                tl_err *err);

typedef struct collections_risk {
    const char *account_number;
    const char *account_name;
    char currency[4];
    int64_t open_total;   /* account balance on as_of */
    int64_t credit_limit; /* -1 when none */
    int over_limit;
    int broken_promises;
    int64_t over_90; /* undisputed open 91+ days past due */
    int has_deposit; /* a deposit received */
} collections_risk;

typedef int (*collections_risk_fn)(const collections_risk *r, void *cls,
                                   tl_err *err);

/* The credit-risk list on as_of: accounts over their credit limit, with
 * broken promises, or with an undisputed amount more than 90 days past
 * due; each says whether a deposit was received. By open total, largest
 * first. Returns the count. */
int collections_credit_risk(tl_db *db, tl_date as_of, collections_risk_fn fn,
                            void *cls, tl_err *err);

typedef struct collections_incomplete {
    const char *account_number;
    const char *account_name;
    int missing_contract;           /* no signed agreement */
    int missing_tax_certificate;    /* reseller or tax-exempt customer
                                       without a certificate in force */
    int missing_credit_application; /* none on file */
} collections_incomplete;

typedef int (*collections_incomplete_fn)(const collections_incomplete *i,
                                         void *cls, tl_err *err);

/* Accounts with an incomplete file on as_of, by number. */
int collections_incomplete_files(tl_db *db, tl_date as_of,
                                 collections_incomplete_fn fn, void *cls,
                                 tl_err *err);

/* What a collector reads to a customer on the phone, as JSON: the
 * account's balance on as_of, its open invoices (or the one invoice), the
 * last five payments with how each was applied, and the promises in force.
 * *out is the caller's to json_decref (NULL on failure). TL_ENOTFOUND. */
int collections_payment_status(json_t **out, tl_db *db,
                               const char *account_number,
                               const char *invoice_number, tl_date as_of,
                               tl_err *err);

#endif
