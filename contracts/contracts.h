/*
 * contracts: agreements (service schedules) of a billing account with a
 * term, renewal and termination terms and contracted rates per service
 * code, and the one pricing function billing uses: the contracted rate
 * (escalated on each anniversary) when an agreement in force covers the
 * code, the catalog list price otherwise.
 *
 * Terms, dates and amounts (all pure, in terms.c):
 *   - An agreement runs over the half-open span [start, current end). The
 *     original end is start + termMonths months; the current end is start
 *     + (termMonths + renewed months) months, always counted from the start
 *     so that a Jan 31 start keeps ending on month ends (Feb 28/29, Mar
 *     31, ...). Adding months clamps the day to the target month's length.
 *   - The notice deadline is the current end minus noticeDays days: the
 *     last day on which notice of non-renewal can still be given.
 *   - Renewal rules: none (the agreement expires at its end), evergreen
 *     (each renewal adds 1 month), renew_n (each renewal adds renewalMonths
 *     months). A renewal is due once the as-of date reaches the current end
 *     and the agreement is not terminated; each one is an amendment with
 *     the idempotency key "renewal:<old end date>".
 *   - Anniversaries: the k-th anniversary is start + 12k months (a Feb 29
 *     start has its anniversary on Feb 28 in common years). The escalation
 *     step on a date is the number of anniversaries k >= 1 on or before it.
 *   - Escalator: on each anniversary the rate is multiplied by (1 + p),
 *     p in parts per million, rounded half-even to the minor unit at each
 *     step (compounded on the rounded amount). A rate changed by amendment
 *     replaces the rate from its effective date and is escalated only by
 *     the anniversaries after that date.
 *   - Remaining term from a termination date T to the current end E: the
 *     whole months m (the largest m with T + m months <= E), then the days
 *     d from T + m months to E, prorated over the D days from T + m months
 *     to T + (m + 1) months. Remaining MRC = MRC * (m + d / D).
 *   - MRC at stake on a date: the sum of the agreement's escalated rates
 *     for MRC service codes, or the minimum monthly commitment when that
 *     is larger.
 *   - ETF: percent rule = remaining MRC * percent, rounded half-even once;
 *     fixed rule = the fixed amount; no rule = 0.
 *
 * Percentages are written as decimal strings ("3", "2.5", "50.0000", at
 * most 4 decimals, 0 to 100) and kept exactly as parts per million.
 */
#ifndef CONTRACTS_H
#define CONTRACTS_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

/* ---- pure terms (terms.c) ---- */

typedef enum contracts_renewal {
    CONTRACTS_RENEW_NONE = 0,
    CONTRACTS_RENEW_EVERGREEN = 1,
    CONTRACTS_RENEW_N = 2
} contracts_renewal;

typedef enum contracts_etf_rule {
    CONTRACTS_ETF_NONE = 0,
    CONTRACTS_ETF_PERCENT = 1,
    CONTRACTS_ETF_FIXED = 2
} contracts_etf_rule;

/* "none", "evergreen", "renew_n" / parses them (TL_EINVALID otherwise). */
const char *contracts_renewal_name(contracts_renewal r);
int contracts_renewal_parse(contracts_renewal *out, const char *text);

/* "none", "percent", "fixed". */
const char *contracts_etf_rule_name(contracts_etf_rule r);

/* Parses a percentage "0".."100" with at most 4 decimals into parts per
 * million ("3" -> 30000, "12.5" -> 125000). TL_EINVALID for junk, signs,
 * spaces, more than 4 decimals; TL_EOVERFLOW above 100. *ppm is 0 on
 * failure. */
int contracts_percent_parse(int64_t *ppm, const char *text);

/* Formats ppm as a percentage with the trailing zeros trimmed ("3",
 * "12.5"). buf needs 16 bytes; returns the length or TL_ERROR. */
int contracts_percent_format(char *buf, size_t size, int64_t ppm);

/* start + months months (clamped to the month's end). TL_EINVALID when
 * the year leaves 1..9999. */
int contracts_end_date(tl_date *out, tl_date start, int months);

/* end - notice_days. */
tl_date contracts_notice_deadline(tl_date end, int notice_days);

/* Months one renewal adds: 0 (none), 1 (evergreen), renewal_months. */
int contracts_renewal_step(contracts_renewal rule, int renewal_months);

/* Number of anniversaries of start on or before `on` (0 before the first
 * anniversary and before the start). */
int contracts_anniversaries(tl_date start, tl_date on);

/* The escalation steps on `on` of a rate that applies from the start
 * (changed 0), or from a rate change effective rate_from (changed 1): the
 * anniversaries on or before `on`, less those on or before rate_from. */
int contracts_escalation_steps(tl_date start, int changed, tl_date rate_from,
                               tl_date on);

/* rate escalated `steps` times by ppm, rounded half-even at each step.
 * TL_EOVERFLOW when it no longer fits; out is invalidated on failure. */
int contracts_escalate(tl_money *out, const tl_money *rate, int64_t ppm,
                       int steps);

typedef struct contracts_remaining {
    int months;     /* whole months */
    int days;       /* days after the whole months */
    int month_days; /* days of the partial month (28..31) */
} contracts_remaining_t;

/* The remaining term from `from` to `end` (see above); all zero (and
 * month_days 30) when from >= end. TL_EINVALID on date overflow. */
int contracts_remaining(contracts_remaining_t *out, tl_date from, tl_date end);

/* The ETF for an agreement's rule: percent (ppm) of mrc over the remaining
 * term, or fixed (in mrc's currency), or zero. TL_EOVERFLOW. */
int contracts_etf(tl_money *out, contracts_etf_rule rule, int64_t percent_ppm,
                  const tl_money *fixed, const tl_money *mrc,
                  const contracts_remaining_t *remaining);

/* ---- agreements (load.c) ---- */

typedef struct contracts_load_result {
    int64_t account_id;
    int64_t agreement_id;
    int created; /* 0 when the same agreement was already there */
} contracts_load_result;

/* Loads one agreement {ref, accountNumber, startDate, termMonths,
 * autoAcceptanceDays, currency, rates: [{code, amount}], and optionally
 * renewal ("none" | "evergreen" | "renew_n"), renewalMonths, noticeDays,
 * minimumCommitment, etfPercent | etfFixed, escalatorPercent} (amounts and
 * percentages as decimal strings). All or nothing, every problem with its
 * path; loading it again changes nothing; the same ref with other values
 * is a "conflict" (TL_EINVALID). */
int contracts_load(contracts_load_result *out, tl_db *db, const json_t *doc,
                   const char *actor, tl_err *err);

typedef struct contracts_agreement {
    int64_t account_id;
    int64_t agreement_id;
    char ref[72];
    tl_date start_date;
    tl_date end_date; /* first day after the original term */
    int term_months;
    int auto_acceptance_days;
    char currency[4];
    contracts_renewal renewal;
    int renewal_months; /* renew_n only, else 0 */
    int notice_days;
    tl_money minimum_commitment;
    contracts_etf_rule etf_rule;
    int64_t etf_percent_ppm;
    tl_money etf_fixed;
    int64_t escalator_ppm;
    int renewed_months;
    tl_date current_end_date; /* first day after the current term */
    int terminated;
    tl_date termination_date; /* when terminated */
} contracts_agreement_t;

/* The agreement of an account in force on `on`: started, before its
 * current end and not terminated by then (the latest-starting one if
 * several). TL_ENOTFOUND when none is. */
int contracts_agreement_on(contracts_agreement_t *out, tl_db *db,
                           int64_t account_id, tl_date on, tl_err *err);

/* The agreement ref of account `account_number`. TL_ENOTFOUND when the
 * account or the agreement does not exist. */
int contracts_agreement_get(contracts_agreement_t *out, tl_db *db,
                            const char *account_number, const char *ref,
                            tl_err *err);

/* The agreement as a document: the load format plus agreementId, endDate,
 * currentEndDate, renewedMonths, noticeDeadline, amendments[] ({kind,
 * effectiveDate, actor, before, after}) and termination (or null). *out is
 * a new reference the caller decrefs, NULL on failure. TL_ENOTFOUND. */
int contracts_describe(json_t **out, tl_db *db, const char *account_number,
                       const char *ref, tl_err *err);

/* ---- pricing (pricing.c) ---- */

typedef enum contracts_price_source {
    CONTRACTS_PRICE_LIST = 0,
    CONTRACTS_PRICE_CONTRACT = 1
} contracts_price_source;

typedef struct contracts_price {
    tl_money amount;
    contracts_price_source source;
    int64_t agreement_id; /* 0 for a list price */
    char agreement_ref[72];
    tl_money base_rate;   /* contracted rate before escalation */
    int escalation_steps; /* anniversaries applied (0 for a list price) */
} contracts_price_t;

/* The price of one unit of code for the account on date `on`, in the
 * account's currency: the rate of the agreement in force that covers the
 * code (the latest-starting one when several do), escalated by its
 * anniversaries up to `on`; else the list price. TL_ENOTFOUND when neither
 * exists. */
int contracts_price_on(contracts_price_t *out, tl_db *db, int64_t account_id,
                       const char *code, tl_date on, tl_err *err);

/* The contract half of contracts_price_on: 1 with out filled when an
 * agreement in force covers code on `on`, 0 when none does (the list
 * price applies), or a negative status. For callers that price many
 * accounts and look list prices up once per code and day. */
int contracts_rate_on(contracts_price_t *out, tl_db *db, int64_t account_id,
                      const char *code, tl_date on, tl_err *err);

/* The contracted rates of many accounts, read in one query so that a bill
 * run can price every service of a batch without a query each. One entry
 * per (agreement, code) rate, and one per rate change of it. */
typedef struct contracts_rate_entry {
    int64_t account_id;
    int64_t agreement_id;
    char agreement_ref[72];
    char code[40];
    tl_date start;       /* the agreement's start */
    tl_date end;         /* its current end (exclusive) */
    int terminated;      /* has a termination date */
    tl_date termination; /* in force before this day only */
    int64_t escalator_ppm;
    int is_change; /* a rate change effective change_from */
    tl_date change_from;
    tl_money rate;
} contracts_rate_entry;

typedef struct contracts_rate_book {
    contracts_rate_entry *entries; /* by account, code, agreement order */
    size_t n;
    size_t cap;
} contracts_rate_book;

/* Fills book (emptied first) with the rates of accounts ids[0..n). */
int contracts_rate_book_load(contracts_rate_book *book, tl_db *db,
                             const int64_t *ids, size_t n, tl_err *err);

/* contracts_rate_on answered from the book, with no query: 1 with out
 * filled, 0 when no agreement in force covers code, TL_EOVERFLOW. */
int contracts_rate_book_find(contracts_price_t *out,
                             const contracts_rate_book *book,
                             int64_t account_id, const char *code, tl_date on,
                             tl_err *err);

/* Frees the book's entries and empties it. NULL-safe. */
void contracts_rate_book_free(contracts_rate_book *book);

/* "contract" or "list". */
const char *contracts_price_source_name(contracts_price_source s);

/* The MRC at stake under an agreement on `on` (see above). */
int contracts_mrc_on(tl_money *out, tl_db *db,
                     const contracts_agreement_t *agreement, tl_date on,
                     tl_err *err);

/* ---- expiry and renewals (renewals.c) ---- */

typedef struct contracts_expiring_row {
    const char *account_number;
    contracts_agreement_t agreement;
    tl_date notice_deadline;
    int days_left;            /* current end - as of */
    int days_to_notice;       /* notice deadline - as of (may be < 0) */
    tl_money mrc;             /* MRC at stake on the as-of date */
    int renewal_step;         /* months the next renewal adds, 0: expires */
    tl_date renewed_end_date; /* end after that renewal (or current end) */
} contracts_expiring_row;

typedef int (*contracts_expiring_fn)(const contracts_expiring_row *row,
                                     void *payload, tl_err *err);

/* Calls fn for each agreement not terminated whose current end lies in
 * (as_of, as_of + within_days], by end date, notice deadline, account and
 * ref. Returns the number of rows, or a negative status (fn's included);
 * fn is never called for a half-read list. */
int contracts_expiring(tl_db *db, tl_date as_of, int within_days,
                       contracts_expiring_fn fn, void *payload, tl_err *err);

typedef struct contracts_renew_result {
    int renewals;   /* amendments recorded by this run */
    int agreements; /* agreements extended by this run */
} contracts_renew_result;

/* Applies every auto-renewal due on as_of (current end <= as_of, rule not
 * none, not terminated), one amendment per renewal step, in one
 * transaction. Running it again for the same date records nothing. */
int contracts_renew_due(contracts_renew_result *out, tl_db *db, tl_date as_of,
                        const char *actor, tl_err *err);

/* ---- rate changes (amend.c) ---- */

typedef struct contracts_rate_change_result {
    tl_money before; /* the rate in force the day before, unescalated */
    int created;     /* 0 when the same change was already recorded */
} contracts_rate_change_result;

/* Changes the contracted rate of code under agreement ref from
 * `effective` on (start <= effective < current end, before any
 * termination), recorded as a rate_change amendment keyed
 * "rate_change:<code>:<date>". The new rate is escalated only by the
 * anniversaries after its effective date. The same change again has
 * created 0; another amount for the same code and date is TL_ECONFLICT.
 * TL_ENOTFOUND when the agreement has no rate for code; TL_EINVALID for
 * a date outside the term, a negative amount or another currency. */
int contracts_change_rate(contracts_rate_change_result *out, tl_db *db,
                          const char *account_number, const char *ref,
                          const char *code, const tl_money *amount,
                          tl_date effective, const char *actor, tl_err *err);

/* ---- termination (termination.c) ---- */

typedef struct contracts_termination {
    int64_t account_id;
    int64_t agreement_id;
    tl_date termination_date;
    tl_date term_end_date;
    contracts_remaining_t remaining;
    tl_money mrc;
    tl_money etf;
    int created; /* 0 when the same termination was already recorded */
} contracts_termination_t;

/* Terminates agreement ref of the account on `date` (start <= date <
 * current end), computing and storing the ETF (billing bills it later) and
 * recording a termination amendment. The same termination again returns
 * the stored one with created 0; another date is TL_ECONFLICT. TL_EINVALID
 * for a date outside the term or a missing reason; TL_ENOTFOUND. */
int contracts_terminate(contracts_termination_t *out, tl_db *db,
                        const char *account_number, const char *ref,
                        tl_date date, const char *reason, const char *actor,
                        tl_err *err);

/* ---- import (import.c) ---- */

typedef struct contracts_import_result {
    int agreements; /* agreements in the file */
    int created;
    int unchanged;
} contracts_import_result;

/* Imports agreements from a JSON array of agreement documents (problems
 * at "[i].field") or from CSV text with the header
 *   ref,accountNumber,startDate,termMonths,renewal,renewalMonths,
 *   noticeDays,autoAcceptanceDays,minimumCommitment,etfPercent,etfFixed,
 *   escalatorPercent,currency,code,amount
 * one row per agreement and rate (problems at "row[N].field", N the line
 * number in the file, header = 1). Every bad row is reported; nothing is
 * imported from a bad file; importing the same file again changes
 * nothing; an agreement stored with other terms is a "conflict". */
int contracts_import_json(contracts_import_result *out, tl_db *db,
                          const json_t *doc, const char *actor, tl_err *err);
int contracts_import_csv(contracts_import_result *out, tl_db *db,
                         const char *text, size_t len, const char *actor,
                         tl_err *err);

#endif
