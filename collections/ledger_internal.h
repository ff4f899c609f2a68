/*
 * Inside collections: what an invoice still owes, as one SQL fragment for
 * every query that pays invoices (payments, bank-file matching, manual
 * apply), so that none of them forgets a credit memo.
 */
#ifndef COLLECTIONS_LEDGER_INTERNAL_H
#define COLLECTIONS_LEDGER_INTERNAL_H

/* What invoice (ACC, INV) still owes (SQL column expressions): its ledger
 * entries (the invoice, credit and debit memos, adjustments, write-offs;
 * not payments) less the cash applied to it (the signed application
 * history). The same rows collections.invoice_open sums by date. */
#define COLLECTIONS_INVOICE_OWED(ACC, INV)                                     \
    "((SELECT coalesce(sum(x.amount_minor), 0)"                                \
    " FROM collections.ledger_entry x WHERE x.account_id = " ACC               \
    " AND x.invoice_id = " INV " AND x.kind <> 'payment')"                     \
    " - coalesce((SELECT sum(a.amount_minor)"                                  \
    " FROM collections.application a WHERE a.account_id = " ACC                \
    " AND a.invoice_id = " INV "), 0))"

#endif
