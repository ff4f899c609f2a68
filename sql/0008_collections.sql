-- trunkline 0008: AR ledger, payments and their application to invoices.

CREATE SCHEMA collections;
COMMENT ON SCHEMA collections IS 'AR ledger, cash application, aging.';

CREATE TABLE collections.ledger_entry (
    account_id     bigint NOT NULL REFERENCES accounts.billing_account,
    entry_id       bigint GENERATED ALWAYS AS IDENTITY,
    kind           text NOT NULL CONSTRAINT ledger_entry_kind_known CHECK (kind IN
                   ('invoice', 'payment', 'credit_memo', 'debit_memo', 'adjustment',
                    'refund', 'write_off', 'transfer')),
    source_ref     text NOT NULL,
    amount_minor   bigint NOT NULL,
    currency       char(3) NOT NULL CONSTRAINT ledger_entry_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    effective_date date NOT NULL,
    due_date       date,
    invoice_id     bigint,
    payment_id     bigint,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, entry_id),
    CONSTRAINT ledger_entry_source_key UNIQUE (account_id, kind, source_ref),
    FOREIGN KEY (account_id, invoice_id) REFERENCES billing.invoice
);
COMMENT ON TABLE collections.ledger_entry IS 'AR ledger: every financial event on an account, append-only.';
COMMENT ON COLUMN collections.ledger_entry.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.ledger_entry.entry_id IS 'Surrogate key, in order of posting.';
COMMENT ON COLUMN collections.ledger_entry.kind IS 'invoice, payment, credit_memo, debit_memo, adjustment, refund, write_off or transfer.';
COMMENT ON COLUMN collections.ledger_entry.source_ref IS 'The posted document''s reference (invoice number, payment reference): posting it twice is refused.';
COMMENT ON COLUMN collections.ledger_entry.amount_minor IS 'Signed: positive raises what the customer owes, negative lowers it.';
COMMENT ON COLUMN collections.ledger_entry.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN collections.ledger_entry.effective_date IS 'Date the entry counts from (invoice date, payment date).';
COMMENT ON COLUMN collections.ledger_entry.due_date IS 'For invoices: the due date aging counts from.';
COMMENT ON COLUMN collections.ledger_entry.invoice_id IS 'Invoice the entry is about, if any.';
COMMENT ON COLUMN collections.ledger_entry.payment_id IS 'Payment the entry is about, if any.';
COMMENT ON COLUMN collections.ledger_entry.created_at IS 'When it was posted.';

-- The ledger is append-only: corrections are new entries, never edits.
CREATE FUNCTION collections.refuse_ledger_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the AR ledger is append-only; post a correcting entry instead'
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER ledger_entry_append_only
    BEFORE UPDATE OR DELETE ON collections.ledger_entry
    FOR EACH ROW EXECUTE FUNCTION collections.refuse_ledger_change();

CREATE TABLE collections.payment (
    account_id    bigint NOT NULL REFERENCES accounts.billing_account,
    payment_id    bigint GENERATED ALWAYS AS IDENTITY,
    reference     text NOT NULL CONSTRAINT payment_reference_present CHECK (reference <> ''),
    received_date date NOT NULL,
    amount_minor  bigint NOT NULL CONSTRAINT payment_amount_positive CHECK (amount_minor > 0),
    currency      char(3) NOT NULL CONSTRAINT payment_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    method        text NOT NULL CONSTRAINT payment_method_known CHECK (method IN ('wire', 'ach', 'check', 'card', 'other')),
    recorded_by   text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, payment_id),
    CONSTRAINT payment_reference_key UNIQUE (account_id, reference)
);
COMMENT ON TABLE collections.payment IS 'A payment received from a customer.';
COMMENT ON COLUMN collections.payment.account_id IS 'Billing account that paid.';
COMMENT ON COLUMN collections.payment.payment_id IS 'Surrogate key.';
COMMENT ON COLUMN collections.payment.reference IS 'Bank or remittance reference; posting the same reference again is idempotent.';
COMMENT ON COLUMN collections.payment.received_date IS 'Value date of the payment.';
COMMENT ON COLUMN collections.payment.amount_minor IS 'Amount received, minor units.';
COMMENT ON COLUMN collections.payment.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN collections.payment.method IS 'wire, ach, check, card or other.';
COMMENT ON COLUMN collections.payment.recorded_by IS 'Who posted it.';
COMMENT ON COLUMN collections.payment.created_at IS 'When it was posted.';
COMMENT ON CONSTRAINT payment_amount_positive ON collections.payment IS
    'amount: a payment amount must be greater than zero';

CREATE TABLE collections.application (
    account_id   bigint NOT NULL,
    payment_id   bigint NOT NULL,
    invoice_id   bigint NOT NULL,
    amount_minor bigint NOT NULL CONSTRAINT application_amount_positive CHECK (amount_minor > 0),
    applied_date date NOT NULL,
    PRIMARY KEY (account_id, payment_id, invoice_id),
    FOREIGN KEY (account_id, payment_id) REFERENCES collections.payment,
    FOREIGN KEY (account_id, invoice_id) REFERENCES billing.invoice
);
COMMENT ON TABLE collections.application IS 'Part of a payment applied to an invoice (cash application).';
COMMENT ON COLUMN collections.application.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.application.payment_id IS 'Payment applied.';
COMMENT ON COLUMN collections.application.invoice_id IS 'Invoice paid.';
COMMENT ON COLUMN collections.application.amount_minor IS 'Amount applied, minor units.';
COMMENT ON COLUMN collections.application.applied_date IS 'Date the application counts from in aging.';
