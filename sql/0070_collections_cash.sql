-- trunkline 0070: bank files, bank receipts, payer mapping, and cash
-- application with history.
--
-- Applications become an append-only history: a row either applies part of
-- a payment to an invoice (amount > 0) or reverses one earlier application
-- in full (amount < 0, reverses_id naming it). What a payment has applied
-- to an invoice is the plain sum of its rows, so every existing reader that
-- sums collections.application (aging, the GL cash journal) nets unapplied
-- amounts out without change.

ALTER TABLE collections.application DROP CONSTRAINT application_pkey;
ALTER TABLE collections.application DROP CONSTRAINT application_amount_positive;
ALTER TABLE collections.application
    ADD COLUMN application_id bigint GENERATED ALWAYS AS IDENTITY,
    ADD COLUMN reverses_id bigint,
    ADD COLUMN method text NOT NULL DEFAULT 'payment'
        CONSTRAINT application_method_known CHECK (method IN
        ('payment', 'invoice', 'account', 'amount', 'manual', 'unapply')),
    ADD COLUMN recorded_by text NOT NULL DEFAULT 'system',
    ADD COLUMN note text,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE collections.application ADD PRIMARY KEY (account_id, application_id);
ALTER TABLE collections.application
    ADD CONSTRAINT application_sign CHECK (
        (reverses_id IS NULL AND amount_minor > 0)
        OR (reverses_id IS NOT NULL AND amount_minor < 0)),
    ADD CONSTRAINT application_reversed_once UNIQUE (account_id, reverses_id),
    ADD CONSTRAINT application_reverses_fk FOREIGN KEY (account_id, reverses_id)
        REFERENCES collections.application (account_id, application_id);
CREATE INDEX application_invoice_idx
    ON collections.application (account_id, invoice_id);
CREATE INDEX application_payment_idx
    ON collections.application (account_id, payment_id);
CREATE TRIGGER application_append_only
    BEFORE UPDATE OR DELETE ON collections.application
    FOR EACH ROW EXECUTE FUNCTION collections.refuse_ledger_change();
COMMENT ON TABLE collections.application IS
    'Cash application history, append-only: part of a payment applied to an invoice (amount > 0), or the reversal of one earlier application (amount < 0). The sum of the rows is what is applied.';
COMMENT ON COLUMN collections.application.amount_minor IS
    'Amount applied (positive) or taken back by a reversal (negative), minor units.';
COMMENT ON COLUMN collections.application.applied_date IS
    'Date the application (or its reversal) counts from in aging.';
COMMENT ON COLUMN collections.application.application_id IS 'Surrogate key, in order of recording.';
COMMENT ON COLUMN collections.application.reverses_id IS 'For a reversal (unapply): the application it takes back in full.';
COMMENT ON COLUMN collections.application.method IS
    'How it came about: payment (payment post), invoice / account / amount (automatic bank-file matching by invoice number, by account, by exact amount), manual (cash apply), unapply (cash unapply).';
COMMENT ON COLUMN collections.application.recorded_by IS 'Who recorded it.';
COMMENT ON COLUMN collections.application.note IS 'Why, for manual applications and reversals.';
COMMENT ON COLUMN collections.application.created_at IS 'When it was recorded.';
COMMENT ON CONSTRAINT application_sign ON collections.application IS
    'amount: an application is positive; only a reversal of an earlier application is negative';
COMMENT ON CONSTRAINT application_reversed_once ON collections.application IS
    'application: this application was already unapplied';

-- Exact-amount matching and invoice-number matching look invoices up in the
-- ledger by amount and by number across accounts.
CREATE INDEX ledger_entry_invoice_ref_idx
    ON collections.ledger_entry (source_ref) WHERE kind = 'invoice';
CREATE INDEX ledger_entry_invoice_amount_idx
    ON collections.ledger_entry (amount_minor, currency) WHERE kind = 'invoice';

-- Bank files. Small shared tables: a file and its receipts are the bank's,
-- not yet any account's (a receipt gets its account when it is matched).
CREATE TABLE collections.bank_file (
    file_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256          text NOT NULL CONSTRAINT bank_file_sha256_key UNIQUE
                    CONSTRAINT bank_file_sha256_hex CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    format          text NOT NULL CONSTRAINT bank_file_format_known CHECK (format IN
                    ('camt053', 'camt054', 'bai2', 'lockbox')),
    file_name       text NOT NULL,
    message_id      text,
    entries         integer NOT NULL DEFAULT 0,
    credits         integer NOT NULL DEFAULT 0,
    debits_skipped  integer NOT NULL DEFAULT 0,
    receipts_new    integer NOT NULL DEFAULT 0,
    duplicates      integer NOT NULL DEFAULT 0,
    by_invoice      integer NOT NULL DEFAULT 0,
    by_account      integer NOT NULL DEFAULT 0,
    by_amount       integer NOT NULL DEFAULT 0,
    unmatched       integer NOT NULL DEFAULT 0,
    imported_by     text NOT NULL,
    imported_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE collections.bank_file IS 'A bank file imported (camt.053, camt.054, BAI2, lockbox CSV): each file once, by content hash.';
COMMENT ON COLUMN collections.bank_file.file_id IS 'Surrogate key, in order of import.';
COMMENT ON COLUMN collections.bank_file.sha256 IS 'SHA-256 (hex) of the file''s bytes: importing the same file again finds this row and adds nothing.';
COMMENT ON COLUMN collections.bank_file.format IS 'camt053, camt054, bai2 or lockbox.';
COMMENT ON COLUMN collections.bank_file.file_name IS 'Name of the file as given to the import.';
COMMENT ON COLUMN collections.bank_file.message_id IS 'The bank''s message id (camt GrpHdr/MsgId, BAI2 file id), if any.';
COMMENT ON COLUMN collections.bank_file.entries IS 'Entries in the file (credits and debits).';
COMMENT ON COLUMN collections.bank_file.credits IS 'Credit entries (receipts) in the file.';
COMMENT ON COLUMN collections.bank_file.debits_skipped IS 'Debit or non-receipt entries, reported and skipped.';
COMMENT ON COLUMN collections.bank_file.receipts_new IS 'Receipts recorded by this import.';
COMMENT ON COLUMN collections.bank_file.duplicates IS 'Credits skipped because their bank reference was imported before.';
COMMENT ON COLUMN collections.bank_file.by_invoice IS 'Receipts matched by an invoice number in the remittance information.';
COMMENT ON COLUMN collections.bank_file.by_account IS 'Receipts matched to an account (account number, payer IBAN or name) and applied oldest first.';
COMMENT ON COLUMN collections.bank_file.by_amount IS 'Receipts matched by exact amount to the one open invoice of that amount.';
COMMENT ON COLUMN collections.bank_file.unmatched IS 'Receipts left in the unapplied-cash queue.';
COMMENT ON COLUMN collections.bank_file.imported_by IS 'Who imported it.';
COMMENT ON COLUMN collections.bank_file.imported_at IS 'When it was imported.';

CREATE TABLE collections.bank_receipt (
    receipt_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_id        bigint NOT NULL REFERENCES collections.bank_file,
    entry_no       integer NOT NULL,
    bank_account   text NOT NULL CONSTRAINT bank_receipt_account_present CHECK (bank_account <> ''),
    bank_ref       text NOT NULL CONSTRAINT bank_receipt_ref_present CHECK (bank_ref <> ''),
    amount_minor   bigint NOT NULL CONSTRAINT bank_receipt_amount_positive CHECK (amount_minor > 0),
    currency       char(3) NOT NULL CONSTRAINT bank_receipt_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    booking_date   date NOT NULL,
    value_date     date,
    method         text NOT NULL CONSTRAINT bank_receipt_method_known CHECK (method IN ('wire', 'ach', 'check', 'card', 'other')),
    type_code      text,
    end_to_end_id  text,
    debtor_name    text,
    debtor_account text,
    check_number   text,
    remittance     text NOT NULL DEFAULT '',
    refs           text[] NOT NULL DEFAULT '{}',
    account_hint   text,
    account_id     bigint REFERENCES accounts.billing_account,
    match_method   text CONSTRAINT bank_receipt_match_known CHECK (match_method IN ('invoice', 'account', 'amount', 'manual')),
    matched_by     text,
    matched_at     timestamptz,
    CONSTRAINT bank_receipt_ref_key UNIQUE (bank_account, bank_ref),
    CONSTRAINT bank_receipt_entry_key UNIQUE (file_id, entry_no),
    CONSTRAINT bank_receipt_matched CHECK ((account_id IS NULL) = (match_method IS NULL))
);
CREATE INDEX bank_receipt_queue_idx ON collections.bank_receipt (receipt_id) WHERE account_id IS NULL;
COMMENT ON TABLE collections.bank_receipt IS 'A credit on a bank file: money received, with what the bank told about it. Tied to an account when matched; the unapplied-cash queue is the receipts with no account yet.';
COMMENT ON COLUMN collections.bank_receipt.receipt_id IS 'Surrogate key.';
COMMENT ON COLUMN collections.bank_receipt.file_id IS 'Bank file it came in.';
COMMENT ON COLUMN collections.bank_receipt.entry_no IS 'Position among the file''s receipts, from 1.';
COMMENT ON COLUMN collections.bank_receipt.bank_account IS 'Our account at the bank the money came into (IBAN, BAI2 account number, lockbox).';
COMMENT ON COLUMN collections.bank_receipt.bank_ref IS 'The bank''s reference for the entry (AcctSvcrRef, EndToEndId, BAI2 bank reference, lockbox batch/item): each entry is imported once per bank account.';
COMMENT ON COLUMN collections.bank_receipt.amount_minor IS 'Amount received, minor units.';
COMMENT ON COLUMN collections.bank_receipt.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN collections.bank_receipt.booking_date IS 'Date the bank booked it.';
COMMENT ON COLUMN collections.bank_receipt.value_date IS 'Value date, when the bank gives one; the payment counts from it.';
COMMENT ON COLUMN collections.bank_receipt.method IS 'wire, ach, check, card or other.';
COMMENT ON COLUMN collections.bank_receipt.type_code IS 'The bank''s transaction code (camt BkTxCd, BAI2 type code).';
COMMENT ON COLUMN collections.bank_receipt.end_to_end_id IS 'The payer''s end-to-end id (camt).';
COMMENT ON COLUMN collections.bank_receipt.debtor_name IS 'Payer name as the bank gives it.';
COMMENT ON COLUMN collections.bank_receipt.debtor_account IS 'Payer account (IBAN or other id), upper case without spaces.';
COMMENT ON COLUMN collections.bank_receipt.check_number IS 'Check number (lockbox, BAI2 customer reference).';
COMMENT ON COLUMN collections.bank_receipt.remittance IS 'Remittance information as received: camt Ustrd and Strd references, BAI2 text and 88 continuations, lockbox invoice column.';
COMMENT ON COLUMN collections.bank_receipt.refs IS 'Words of the remittance that may be invoice or account numbers (upper case), for matching.';
COMMENT ON COLUMN collections.bank_receipt.account_hint IS 'Account number the file names for the payment (lockbox account column).';
COMMENT ON COLUMN collections.bank_receipt.account_id IS 'Account the receipt was matched to; NULL while it waits in the unapplied-cash queue.';
COMMENT ON COLUMN collections.bank_receipt.match_method IS 'invoice, account, amount (automatic) or manual.';
COMMENT ON COLUMN collections.bank_receipt.matched_by IS 'Who matched it (the importer for automatic matches).';
COMMENT ON COLUMN collections.bank_receipt.matched_at IS 'When it was matched.';

-- Who pays for whom: a payer's IBAN or name mapped to an account. Learned
-- when a collector applies a receipt by hand, so the next one matches.
CREATE TABLE collections.payer (
    kind        text NOT NULL CONSTRAINT payer_kind_known CHECK (kind IN ('iban', 'name')),
    key         text NOT NULL CONSTRAINT payer_key_present CHECK (key <> ''),
    account_id  bigint NOT NULL REFERENCES accounts.billing_account,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, key)
);
COMMENT ON TABLE collections.payer IS 'Payer identities (IBAN, name) mapped to the account they pay for; a reference table.';
COMMENT ON COLUMN collections.payer.kind IS 'iban or name.';
COMMENT ON COLUMN collections.payer.key IS 'Upper case; IBAN without spaces, name with single spaces.';
COMMENT ON COLUMN collections.payer.account_id IS 'Account the payer pays for.';
COMMENT ON COLUMN collections.payer.created_by IS 'Who mapped it.';
COMMENT ON COLUMN collections.payer.created_at IS 'When.';

ALTER TABLE collections.payment
    ADD COLUMN receipt_id bigint CONSTRAINT payment_receipt_key UNIQUE
        REFERENCES collections.bank_receipt,
    ADD COLUMN remittance text;
COMMENT ON COLUMN collections.payment.receipt_id IS 'Bank receipt the payment was made from, if it came in a bank file.';
COMMENT ON COLUMN collections.payment.remittance IS 'Remittance information of the payment, as received.';
