/*
 * collections/book.h: working the book — grouped aging and its KPIs,
 * disputes and credit memos, promises to pay and payment arrangements,
 * dunning, the contact log, the collector work queue, and shutout and
 * release.
 *
 * Open balance of an invoice on a date D: its ledger entry, plus every
 * other ledger entry naming the invoice (credit memo, debit memo,
 * adjustment, write-off) effective on or before D, less the cash applied
 * to it on or before D. Disputed on D: the disputes opened on or before D
 * and not closed on or before D, capped at the open balance. Aging buckets
 * and dunning see the undisputed part only; the disputed part is shown
 * apart.
 *
 * KPIs over the N days (P) ending on the as-of date D, per currency:
 *   sales      = invoices posted with an invoice date in (D - N, D]
 *   AR(D)      = open balance of every invoice on D (disputed included)
 *   DSO        = AR(D) / sales * N                          (days)
 *   CEI        = (AR(D-N) + sales - AR(D))
 *                / (AR(D-N) + sales - current(D)) * 100     (percent)
 * where current(D) is the undisputed amount not yet past due on D. Both
 * are computed in integers and given in tenths, rounded half up: DSO 45.3
 * days is 453. A zero denominator gives -1 (not defined).
 *
 * Dunning: each account has a class (collections.account_profile, else
 * the customer's kind: wholesale or enterprise); each class has steps by
 * days past due (reminder, statement, call_task, suspension_notice,
 * shutout). A run as of D evaluates pending promises, releases shutouts
 * no longer warranted, then gives each account the highest step its oldest
 * undisputed open amount has reached — unless a promise or installment
 * covers D (pending or kept, made on or before D, due on or after D), or
 * the same step was generated for the account within the step's repeat
 * days. Actions are keyed (account, day, step): running again the same day
 * creates nothing. A shutout step opens a shutout recommendation.
 */
#ifndef COLLECTIONS_BOOK_H
#define COLLECTIONS_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "collections/collections.h"

/* ---- aging (aging.c) ---- */

typedef enum collections_aging_by {
    COLLECTIONS_BY_ACCOUNT = 0,
    COLLECTIONS_BY_AGENT,
    COLLECTIONS_BY_PRODUCT,
    COLLECTIONS_BY_COLLECTOR
} collections_aging_by;

/* Reads "account", "agent", "product" or "collector". Returns 0, or
 * TL_EINVALID for anything else. */
int collections_aging_by_parse(collections_aging_by *out, const char *text);

typedef struct collections_aging_group {
    const char *key;  /* account number, agent ref, product id, collector;
                         "(direct)", "(none)" or "(unassigned)" without one */
    const char *name; /* account name, agent name, product id, collector */
    char currency[4];
    int64_t bucket[COLLECTIONS_BUCKETS]; /* undisputed open, minor */
    int64_t disputed;                    /* open and under dispute */
    int64_t open_total;                  /* buckets plus disputed */
    int64_t unapplied; /* credit on account: cash not applied and
                          account-level credits (0 when grouped by
                          product) */
    int open_invoices;
} collections_aging_group;

typedef int (*collections_aging_group_fn)(const collections_aging_group *g,
                                          void *cls, tl_err *err);

/* Calls fn once per group and currency with open invoices (or unapplied
 * cash) on as_of, ordered by key and currency. By product, an invoice's
 * open amount is shared among the products of its lines in proportion to
 * their amounts (floor, the remainder to the largest); an invoice without
 * lines counts as "(none)". By agent: the agent of record on as_of. The
 * strings live until fn returns. Returns the number of groups or a
 * negative status. */
int collections_aging_grouped(tl_db *db, tl_date as_of, collections_aging_by by,
                              collections_aging_group_fn fn, void *cls,
                              tl_err *err);

typedef struct collections_kpi {
    char currency[4];
    int days;
    int64_t sales;       /* invoiced in (as_of - days, as_of] */
    int64_t ar_begin;    /* open on as_of - days */
    int64_t ar_end;      /* open on as_of */
    int64_t current_end; /* undisputed, not past due on as_of */
    int64_t dso_tenths;  /* -1 when sales are 0 */
    int64_t cei_tenths;  /* -1 when the denominator is 0 */
} collections_kpi;

typedef int (*collections_kpi_fn)(const collections_kpi *k, void *cls,
                                  tl_err *err);

/* DSO and collection-effectiveness index (formulas above) per currency
 * over the `days` (1..3660) ending on as_of. TL_EINVALID for bad days.
 * Returns the number of currencies. */
int collections_kpis(tl_db *db, tl_date as_of, int days, collections_kpi_fn fn,
                     void *cls, tl_err *err);

/* ---- disputes (disputes.c) ---- */

typedef struct collections_dispute_in {
    const char *invoice_number;
    int line_no;     /* 0: the invoice as a whole */
    tl_money amount; /* in the invoice's currency */
    const char *reason;
    tl_date opened_on;
    const char *actor;
} collections_dispute_in;

/* Opens a dispute. The amount must be positive, in the invoice's currency,
 * and at most what is open and not yet disputed on the invoice (and at
 * most the line's amount less its open disputes, for a line). Opening the
 * same dispute again (same invoice, line, day and reason) with the same
 * amount returns it with *created 0; with another amount TL_EDUPLICATE.
 * TL_ENOTFOUND for an unknown invoice or line; TL_EINVALID with field
 * paths (amount, reason, line) for bad input. */
int collections_dispute_open(int64_t *dispute_id, int *created, tl_db *db,
                             const collections_dispute_in *in, tl_err *err);

/* The currency of a final invoice, for reading amounts typed against it.
 * TL_ENOTFOUND when there is no such final invoice. */
int collections_invoice_currency(char cur[4], tl_db *db,
                                 const char *invoice_number, tl_err *err);

/* Forwards an open dispute to billing. Forwarding one forwarded before
 * is a no-op (also once closed); one closed without being forwarded is
 * TL_ECONFLICT; unknown TL_ENOTFOUND. */
int collections_dispute_forward(tl_db *db, int64_t dispute_id, tl_date on,
                                const char *actor, tl_err *err);

/* Resolves an open or forwarded dispute in the customer's favour: posts a
 * credit memo (ledger kind credit_memo, source CM-D<id>, minus the
 * disputed amount, naming the invoice) effective `on` and links it.
 * *credit_entry_id receives the memo's entry. Resolving a resolved one
 * returns its memo; a denied one is TL_ECONFLICT. */
int collections_dispute_resolve(int64_t *credit_entry_id, tl_db *db,
                                int64_t dispute_id, tl_date on,
                                const char *note, const char *actor,
                                tl_err *err);

/* Denies an open or forwarded dispute: the amount is dunned again. A
 * note is required (TL_EINVALID); a resolved one is TL_ECONFLICT. */
int collections_dispute_deny(tl_db *db, int64_t dispute_id, tl_date on,
                             const char *note, const char *actor, tl_err *err);

typedef struct collections_dispute {
    int64_t dispute_id;
    const char *account_number;
    const char *invoice_number;
    int line_no; /* 0: whole invoice */
    const char *reason;
    tl_money amount;
    tl_date opened_on;
    int age_days; /* as_of (or the closing day) less opened_on */
    const char *state;
    const char *credit_memo; /* "" unless resolved */
    const char *note;
} collections_dispute;

typedef int (*collections_dispute_fn)(const collections_dispute *d, void *cls,
                                      tl_err *err);

/* Lists disputes (account and state NULL: all) by number. */
int collections_disputes(tl_db *db, const char *account_number,
                         const char *state, tl_date as_of,
                         collections_dispute_fn fn, void *cls, tl_err *err);

/* ---- promises and arrangements (promises.c) ---- */

/* Records a promise to pay `amount` (account currency) by `by`, made on
 * made_on. The same promise again returns it (*created 0). TL_EINVALID
 * for a non-positive amount, another currency, or by before made_on. */
int collections_promise_add(int64_t *promise_id, int *created, tl_db *db,
                            const char *account_number, const tl_money *amount,
                            tl_date made_on, tl_date by, const char *actor,
                            tl_err *err);

typedef struct collections_installment {
    tl_money amount;
    tl_date due;
} collections_installment;

/* Records an arrangement: n (1..60) installments with increasing due
 * dates, each a promise whose window runs from the day after the previous
 * installment's due date (the first from made_on). The same schedule the
 * same day again returns the arrangement (*created 0). */
int collections_arrangement_add(int64_t *arrangement_id, int *created,
                                tl_db *db, const char *account_number,
                                tl_date made_on,
                                const collections_installment *inst, size_t n,
                                const char *note, const char *actor,
                                tl_err *err);

typedef struct collections_promise {
    int64_t promise_id;
    const char *account_number;
    int64_t arrangement_id; /* 0 for a lone promise */
    int installment_no;
    tl_money amount;
    tl_money paid; /* applied in its window, last evaluation */
    tl_date made_on;
    tl_date window_start;
    tl_date promised_date;
    const char *state; /* pending, kept, broken */
} collections_promise;

typedef int (*collections_promise_fn)(const collections_promise *p, void *cls,
                                      tl_err *err);

/* Lists promises and installments (NULLs: all), by account, then
 * promised date. */
int collections_promises(tl_db *db, const char *account_number,
                         const char *state, collections_promise_fn fn,
                         void *cls, tl_err *err);

typedef struct collections_promise_eval {
    int kept;
    int broken;
    int pending;
} collections_promise_eval;

/* Evaluates every pending promise whose window has started: paid is the
 * cash applied to the account's invoices from window_start to the
 * earlier of the promised date and as_of; kept when paid reaches the
 * amount, broken when as_of is past the promised date and it does not,
 * else still pending. One audit event when something changed. */
int collections_promises_evaluate(collections_promise_eval *out, tl_db *db,
                                  tl_date as_of, const char *actor,
                                  tl_err *err);

/* ---- dunning (dunning.c) ---- */

typedef struct collections_dunning_result {
    int actions;  /* actions created by this run */
    int shutouts; /* shutout recommendations opened */
    int released; /* shutouts released or withdrawn (paid or promised) */
    collections_promise_eval promises;
} collections_dunning_result;

/* Runs dunning as of as_of (see the top of this file). One audit event
 * when it created or changed something. */
int collections_dunning_run(collections_dunning_result *out, tl_db *db,
                            tl_date as_of, const char *actor, tl_err *err);

typedef struct collections_dunning_action {
    const char *account_number;
    tl_date action_date;
    int step_no;
    const char *dunning_class;
    const char *action;
    int days_past_due;
    tl_money amount;
} collections_dunning_action;

typedef int (*collections_dunning_fn)(const collections_dunning_action *a,
                                      void *cls, tl_err *err);

/* Lists the actions generated on `on` (account NULL: all), by account. */
int collections_dunning_actions(tl_db *db, tl_date on,
                                const char *account_number,
                                collections_dunning_fn fn, void *cls,
                                tl_err *err);

/* Sets an account's dunning class ("wholesale", "enterprise", or NULL for
 * the customer's kind). Audited. */
int collections_set_class(tl_db *db, const char *account_number,
                          const char *dunning_class, const char *actor,
                          tl_err *err);

/* ---- contact log (contacts.c) ---- */

typedef struct collections_contact_in {
    const char *account_number;
    tl_date date;
    const char *channel; /* call, email, note, letter */
    const char *outcome; /* reached, no_answer, left_message, promised,
                            disputed, refused, sent, none */
    const char *note;
    const char *actor;
} collections_contact_in;

/* Logs a contact. The same contact (day, channel, outcome, note) again
 * returns it (*created 0). TL_EINVALID with the field for a bad channel
 * or outcome. */
int collections_contact_add(int64_t *contact_id, int *created, tl_db *db,
                            const collections_contact_in *in, tl_err *err);

typedef struct collections_contact {
    int64_t contact_id;
    const char *account_number;
    tl_date date;
    const char *channel;
    const char *outcome;
    const char *note;
    const char *logged_by;
} collections_contact;

typedef int (*collections_contact_fn)(const collections_contact *c, void *cls,
                                      tl_err *err);

/* Lists contacts, newest first (account NULL: all). */
int collections_contacts(tl_db *db, const char *account_number,
                         collections_contact_fn fn, void *cls, tl_err *err);

/* ---- work queue (worklist.c) ---- */

typedef struct collections_work_item {
    int rank; /* from 1 */
    const char *account_number;
    const char *account_name;
    const char *collector; /* "" when unassigned */
    char currency[4];
    int64_t at_risk;  /* undisputed past due, minor */
    int64_t disputed; /* open and under dispute */
    int64_t open_total;
    int oldest_days; /* days past due of the oldest undisputed amount */
    int broken_promises;
    int over_limit;       /* open total above the credit limit */
    int64_t credit_limit; /* -1 when none */
} collections_work_item;

typedef int (*collections_work_fn)(const collections_work_item *w, void *cls,
                                   tl_err *err);

/* The collector's queue on as_of (collector NULL: everyone's): accounts
 * with an undisputed past-due amount, ordered by amount at risk, then
 * age, broken promises and credit-limit breach (all descending). Amounts
 * at risk are compared in minor units whatever the currency (no FX). */
int collections_worklist(tl_db *db, tl_date as_of, const char *collector,
                         collections_work_fn fn, void *cls, tl_err *err);

/* Assigns an account to a collector (NULL: unassigns). Audited with the
 * collector before and after. */
int collections_assign(tl_db *db, const char *account_number,
                       const char *collector, const char *actor, tl_err *err);

/* ---- shutout and release (shutout.c) ---- */

typedef struct collections_shutout {
    int64_t shutout_id;
    const char *account_number;
    const char *state; /* recommended, approved, released, withdrawn */
    tl_date recommended_on;
    const char *reason;
    int days_past_due;
    tl_money amount;
    const char *approved_by; /* "" until approved */
    const char *release_reason;
    int circuits; /* suspend requests sent */
} collections_shutout;

typedef int (*collections_shutout_fn)(const collections_shutout *s, void *cls,
                                      tl_err *err);

/* Lists shutouts (state NULL: all) by number. */
int collections_shutouts(tl_db *db, const char *state,
                         collections_shutout_fn fn, void *cls, tl_err *err);

/* Approves a recommended shutout: one suspend request to provisioning per
 * active circuit of the account that no open dispute names (by a line, or
 * by a whole invoice with a line for it). *requests receives the number of
 * circuits. Approving an approved one returns its count; a released or
 * withdrawn one is TL_ECONFLICT. Audited. */
int collections_shutout_approve(int *requests, tl_db *db, int64_t shutout_id,
                                tl_date on, const char *actor, tl_err *err);

/* Releases an approved shutout (restore requests for suspended circuits;
 * still-open suspend requests are cancelled) or withdraws a recommended
 * one. Releasing a released one is a no-op. Audited. */
int collections_shutout_release(int *requests, tl_db *db, int64_t shutout_id,
                                tl_date on, const char *reason,
                                const char *actor, tl_err *err);

/* Releases every open shutout whose account has nothing undisputed past
 * due on as_of ("paid") or a promise covering as_of ("promised").
 * *released counts them. */
int collections_shutout_release_due(int *released, tl_db *db, tl_date as_of,
                                    const char *actor, tl_err *err);

#endif
