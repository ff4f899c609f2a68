/*
 * collections finance: the advanced-services invoice reconciliation that
 * ties billing to the AR ledger, and the general-ledger journal export.
 *
 * They live here, not in billing, because they read the AR ledger,
 * payments and applications (collections) besides invoices (billing), and
 * modules depend on their left only (DESIGN: billing <- collections).
 *
 * Revenue is attributed to the product of a line's service as of the
 * line's first day (its service version then; an NRC line: as of the
 * invoice date); a line without a service goes to product "OTHER".
 *
 * Invoices: every invoice of a bill run is final today. When invoices get
 * a draft/final status (the bill-run rework), both the report and the
 * export must select final invoices only.
 */
#ifndef COLLECTIONS_FINANCE_H
#define COLLECTIONS_FINANCE_H

#include <jansson.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

/* ---- finance reconciliation (finance.c) ---- */

/* One row of the report. For each invoice month (issue date) and
 * currency: one row per product with its MRC and NRC lines, then one
 * TOTAL row (is_total) that ties out: billed = MRC + NRC + tax lines,
 * invoiced = the invoices' totals, ledger = the AR ledger's invoice
 * entries for those invoices, difference = ledger - billed. The row ties
 * when the difference is zero and invoiced equals billed; untied counts
 * the invoices whose lines, total and ledger entries do not agree, and
 * first_untied names the first by number ("" when none). Tax is on the
 * TOTAL rows only (tax lines are per invoice, not per product). Strings
 * live until the callback returns. */
typedef struct collections_finance_row {
    const char *month; /* "YYYY-MM" */
    const char *currency;
    const char *product; /* product id, "OTHER", or "TOTAL" */
    int is_total;
    int invoices;
    tl_money mrc;
    tl_money nrc;
    tl_money tax;
    tl_money billed;
    tl_money invoiced;   /* TOTAL rows */
    tl_money ledger;     /* TOTAL rows */
    tl_money difference; /* TOTAL rows */
    int ties;            /* TOTAL rows; product rows always 1 */
    int untied;
    const char *first_untied;
} collections_finance_row_t;

typedef int (*collections_finance_fn)(const collections_finance_row_t *row,
                                      void *cls, tl_err *err);

/* The report for invoices issued in months from (y, m) through to (y, m)
 * inclusive, by month, currency, product (TOTAL last). *untied_months
 * receives the number of TOTAL rows that do not tie. Returns the number
 * of rows, TL_EINVALID for a bad month or from after to, or a negative
 * status (fn's included); fn is never called for a half-read report. */
int collections_finance_report(int *untied_months, tl_db *db, int from_year,
                               int from_month, int to_year, int to_month,
                               collections_finance_fn fn, void *cls,
                               tl_err *err);

/* ---- the general-ledger export (gl.c) ---- */

/* GL accounts. Each journal line posts to the GL account mapped for its
 * purpose and key (a product for revenue, a tax code for tax payable),
 * else to the purpose's default (key "*"). Purposes: receivable,
 * revenue, tax_payable, cash, unapplied_cash, adjustments (revenue
 * adjustments) and bad_debt. */
typedef struct collections_gl_load_result {
    int added;
    int updated;
    int unchanged;
} collections_gl_load_result;

/* Loads {"accounts": [{"purpose", "product" (revenue) | "taxCode"
 * (tax_payable) (absent: the default), "account", "name"}]}
 * (demo/gl-accounts.json). Validates every row first (TL_EINVALID with
 * each problem at accounts[N].field, nothing written); a mapping stored
 * with other values is updated (exports already made keep their stored
 * text); loading the same file again changes nothing. */
int collections_gl_accounts_load(collections_gl_load_result *out, tl_db *db,
                                 const json_t *doc, const char *actor,
                                 tl_err *err);

#define COLLECTIONS_GL_MAX_CURRENCIES 8

typedef struct collections_gl_total {
    char currency[4];
    int64_t debit_minor;
    int64_t credit_minor;
} collections_gl_total_t;

/* One export: a balanced journal as CSV (RFC 4180, header
 * journal,line,date,account,account_name,description,currency,debit,credit;
 * each line has a debit or a credit, the other empty) and its record. */
typedef struct collections_gl_export {
    int64_t export_id;
    char kind[12];       /* bill_run, cash_day, ledger_day */
    char source_key[16]; /* run id, or the day YYYY-MM-DD */
    char journal[32];    /* BR-<run id>, CASH-<day>, LEDGER-<day> */
    char exported_at[32];
    char exported_by[64];
    char sha256[65]; /* of the CSV text */
    int line_count;
    int n_totals;
    collections_gl_total_t totals[COLLECTIONS_GL_MAX_CURRENCIES];
    char *csv;   /* owned: collections_gl_export_free */
    int created; /* 1 when this call made it */
} collections_gl_export_t;

/* The journal of a bill run, dated its issue date: debit receivable per
 * currency = the run's invoice totals; credit revenue per product and
 * tax payable per tax code (a negative net goes to the other side).
 * Checks that debits equal credits per currency, then stores the export
 * and its CSV in one transaction. TL_ENOTFOUND for an unknown run or one
 * without invoices ("nothing_to_export"), TL_EINVALID when a GL account
 * is missing (every one listed), TL_ECONFLICT when the journal does not
 * balance ("unbalanced") or the run was exported before
 * ("already_exported", naming that export). *out is zeroed on failure. */
int collections_gl_export_run(collections_gl_export_t *out, tl_db *db,
                              int64_t run_id, const char *actor, tl_err *err);

/* The journal of a day of cash: debit cash = the payments received that
 * day, and any received earlier that no journal has taken yet (posted
 * after their own day was exported); credit receivable for what they
 * applied to invoices by the day, credit unapplied cash for the rest; and
 * what earlier-journaled payments applied since their journal moves from
 * unapplied cash (debit) to receivable (credit). Every receipt and every
 * applied amount is journaled exactly once (collections.gl_cash_posted).
 * Errors as collections_gl_export_run; a day with nothing new is
 * "nothing_to_export". */
int collections_gl_export_cash_day(collections_gl_export_t *out, tl_db *db,
                                   tl_date day, const char *actor, tl_err *err);

/* The journal of a day of ledger documents (credit and debit memos,
 * adjustments, refunds, write-offs, recoveries, transfers): every
 * document whose ledger entry is effective on or before the day and that
 * no ledger-day journal has taken yet (collections.gl_doc_posted), so each
 * is journaled exactly once, one posted late with the next day exported.
 * Per currency and kind of document, at the entry amounts: a credit memo
 * (or an adjustment lowering AR) debits adjustments and credits
 * receivable, a debit memo (or an adjustment raising AR) the reverse; a
 * write-off debits bad_debt and credits receivable, a recovery the
 * reverse; a refund debits unapplied_cash and credits cash (the credit on
 * account the cash journal put in unapplied cash is paid out); a transfer
 * credits receivable for the account it leaves and debits it for the one
 * it reaches. Errors as collections_gl_export_run (a missing account is
 * "missing_gl_account" at glAccounts.<purpose>); a day with nothing new
 * is "nothing_to_export". */
int collections_gl_export_ledger_day(collections_gl_export_t *out, tl_db *db,
                                     tl_date day, const char *actor,
                                     tl_err *err);

/* The stored export of a bill run ("bill_run", run id), a cash day
 * ("cash_day", YYYY-MM-DD) or a ledger day ("ledger_day", YYYY-MM-DD),
 * with the CSV exactly as first exported (created 0). TL_ENOTFOUND when
 * not exported. */
int collections_gl_export_get(collections_gl_export_t *out, tl_db *db,
                              const char *kind, const char *source_key,
                              tl_err *err);

/* Frees the CSV text and zeroes *e. NULL-safe. */
void collections_gl_export_free(collections_gl_export_t *e);

#endif
