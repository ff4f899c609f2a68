/*
 * Inside collections: what an invoice still owes, as one SQL fragment for
 * every query that pays invoices (payments, bank-file matching, manual
 * apply), so that none of them forgets a credit memo; and what a payment
 * has left, as one fragment for every query that applies, refunds or
 * shows a payment's credit, so that none of them forgets a refund.
 */
#ifndef COLLECTIONS_LEDGER_INTERNAL_H
#define COLLECTIONS_LEDGER_INTERNAL_H

/* What invoice (ACC, INV) still owes (SQL column expressions): its ledger
 * entries (the invoice, credit and debit memos, adjustments, write-offs;
 * not payments) less the cash applied to it (the signed application
 * history). That running total is the invoice's position, which triggers
 * keep (collections.invoice_position, sql/0103): one row read by its key
 * instead of both histories summed. */
#define COLLECTIONS_INVOICE_OWED(ACC, INV)                                     \
    "coalesce((SELECT owed_p.balance_minor"                                    \
    " FROM collections.invoice_position owed_p"                                \
    " WHERE owed_p.account_id = " ACC " AND owed_p.invoice_id = " INV "), 0)"

/* What payment (ACC, PAY) has left on the date ON (SQL expressions): its
 * amount if it was received by then, less the cash applied from it (the
 * signed application history) and the refunds that returned its credit
 * (refund entries naming it, positive), each dated on or before ON. A
 * refund is tied to one payment, so its credit cannot also be applied to
 * an invoice; refunds posted before they named a payment lower no
 * payment. Defined once, in SQL: collections.payment_left (sql/0103). */
#define COLLECTIONS_PAYMENT_LEFT_ON(ACC, PAY, ON)                              \
    "collections.payment_left(" ACC ", " PAY ", " ON ")"

/* What payment (ACC, PAY) has left after everything posted, whatever its
 * date: what cash application may still use. That is the payment's
 * position, which triggers keep (collections.payment_position, sql/0103). */
#define COLLECTIONS_PAYMENT_LEFT(ACC, PAY)                                     \
    "coalesce((SELECT left_q.unapplied_minor"                                  \
    " FROM collections.payment_position left_q"                                \
    " WHERE left_q.account_id = " ACC " AND left_q.payment_id = " PAY "), 0)"

#endif
