/*
 * Fixtures for the AR-ledger suites (ledger documents, statements,
 * credit): accounts in a currency, final invoices posted to the ledger,
 * payments, documents and balances, each one line in a test. Dates are
 * "YYYY-MM-DD"; amounts are minor units. Every failure aborts the running
 * Check test, except tl_fx_doc's, whose status the test asserts.
 */
#ifndef TL_TEST_LEDGER_FIXTURES_H
#define TL_TEST_LEDGER_FIXTURES_H

#include <stdint.h>

#include "collections/acct.h"
#include "common/db.h"
#include "common/err.h"

/* Runs SQL with text parameters; the first column of the first row as a
 * number (0 when there is none). */
int64_t tl_fx_sql(tl_db *db, const char *sql, int n, const char *const *params);

/* The fixture account (tl_fx_account, site 101) billed in cur. */
int64_t tl_fx_account_in(tl_db *db, const char *number, const char *cur);

/* A second account of the customer that owns sibling. */
void tl_fx_sibling_account(tl_db *db, const char *number, const char *sibling);

/* A final invoice of a bill run of its own, posted to the AR ledger:
 * issued on issue, due 30 days later, amount in cur. Its invoice id. */
int64_t tl_fx_ledger_invoice(tl_db *db, int64_t account_id, const char *number,
                             const char *issue, int64_t amount,
                             const char *cur);

/* A payment posted and applied (collections_post_payment). */
void tl_fx_payment(tl_db *db, const char *account_number, int64_t amount,
                   const char *cur, const char *date, const char *reference);

/* An account's or an invoice's balance on a date. */
int64_t tl_fx_account_balance(tl_db *db, const char *account, const char *on);
int64_t tl_fx_invoice_balance(tl_db *db, const char *invoice_number,
                              const char *on);

/* Posts a ledger document (reason "test", method "wire", actor "test");
 * its status, with the details in err. */
int tl_fx_doc(collections_doc_result *res, tl_db *db, tl_err *err,
              const char *kind, const char *account, const char *invoice_number,
              const char *to, int64_t amount, const char *cur, const char *date,
              const char *reference);

#endif
