/*
 * Helpers shared by the accounts sources; not part of the public API.
 */
#ifndef ACCOUNTS_INTERNAL_H
#define ACCOUNTS_INTERNAL_H

#include "accounts/accounts.h"

/* Inserts a PO of account_id unless one with its number exists; *added is
 * 1 when inserted, *same 1 when the stored PO has the given values. Runs in
 * the caller's transaction. */
int accounts_po_put(int *added, int *same, tl_db *db, int64_t account_id,
                    const accounts_po_t *po, tl_err *err);

/* Reads a PO from a row with the columns of ACCOUNTS_PO_COLUMNS. */
int accounts_po_read(accounts_po_t *out, const tl_row *row, tl_err *err);

#define ACCOUNTS_PO_COLUMNS                                                    \
    "a.account_number, p.po_number, p.service_ref, p.valid_from,"              \
    " p.valid_to, p.cap_minor, p.currency"

/* Copies s (NULL as "") into buf, truncating. */
void accounts_copy(char *buf, size_t size, const char *s);

#endif
