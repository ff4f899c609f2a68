-- trunkline 0051: what the cash journals have taken. A day of cash used to
-- journal the payments received that day, so a payment posted after its
-- day was exported never reached the general ledger. Now each receipt is
-- journaled once, by the first cash-day export of its day or a later one,
-- and each application by the amount not journaled yet.

CREATE TABLE collections.gl_cash_posted (
    account_id   bigint NOT NULL,
    posted_id    bigint GENERATED ALWAYS AS IDENTITY,
    payment_id   bigint NOT NULL,
    invoice_id   bigint,
    export_id    bigint NOT NULL REFERENCES collections.gl_export,
    amount_minor bigint NOT NULL
        CONSTRAINT gl_cash_posted_amount_nonzero CHECK (amount_minor <> 0),
    PRIMARY KEY (account_id, posted_id),
    FOREIGN KEY (account_id, payment_id) REFERENCES collections.payment,
    FOREIGN KEY (account_id, invoice_id) REFERENCES billing.invoice
);
CREATE UNIQUE INDEX gl_cash_posted_receipt_once ON collections.gl_cash_posted
    (account_id, payment_id) WHERE invoice_id IS NULL;
CREATE INDEX gl_cash_posted_application_idx ON collections.gl_cash_posted
    (account_id, payment_id, invoice_id) WHERE invoice_id IS NOT NULL;
COMMENT ON TABLE collections.gl_cash_posted IS
    'What each cash-day journal took: a receipt (invoice_id NULL, once per payment) or the change in what a payment has applied to an invoice since the last journal.';
COMMENT ON COLUMN collections.gl_cash_posted.account_id IS 'Billing account of the payment.';
COMMENT ON COLUMN collections.gl_cash_posted.posted_id IS 'Surrogate key.';
COMMENT ON COLUMN collections.gl_cash_posted.payment_id IS 'Payment journaled.';
COMMENT ON COLUMN collections.gl_cash_posted.invoice_id IS 'Invoice of an application journaled; NULL for the receipt itself.';
COMMENT ON COLUMN collections.gl_cash_posted.export_id IS 'The cash-day export that journaled it.';
COMMENT ON COLUMN collections.gl_cash_posted.amount_minor IS 'The receipt''s amount, or the applied amount journaled (negative when an application was taken back).';
COMMENT ON INDEX collections.gl_cash_posted_receipt_once IS 'A receipt is journaled once.';
COMMENT ON CONSTRAINT gl_cash_posted_amount_nonzero ON collections.gl_cash_posted IS
    'amount: a journaled amount is never zero';

-- Days exported before this migration journaled the payments received and
-- the applications made on that day.
INSERT INTO collections.gl_cash_posted (account_id, payment_id, invoice_id,
                                        export_id, amount_minor)
SELECT p.account_id, p.payment_id, NULL, e.export_id, p.amount_minor
FROM collections.gl_export e
JOIN collections.payment p ON p.received_date = e.source_key::date
WHERE e.kind = 'cash_day';
INSERT INTO collections.gl_cash_posted (account_id, payment_id, invoice_id,
                                        export_id, amount_minor)
SELECT a.account_id, a.payment_id, a.invoice_id, e.export_id,
       sum(a.amount_minor)
FROM collections.gl_export e
JOIN collections.application a ON a.applied_date = e.source_key::date
WHERE e.kind = 'cash_day'
GROUP BY a.account_id, a.payment_id, a.invoice_id, e.export_id;
