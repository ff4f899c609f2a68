-- trunkline 0100: AR ledger documents (credit and debit memos, adjustments,
-- refunds, transfers, recoveries), write-offs with approval, and
-- effective-dated FX rates for portfolio figures in a base currency.

-- What a person posted to the ledger and why. The amounts themselves live
-- in collections.ledger_entry (one row per entry a document posted); this
-- table keeps the document's kind as the collector named it (a recovery
-- posts a write_off entry reinstating what was written off), its reason,
-- who posted it, and for a transfer the entry on the other account.
CREATE TABLE collections.ledger_doc (
    account_id        bigint NOT NULL,
    entry_id          bigint NOT NULL,
    doc_kind          text NOT NULL CONSTRAINT ledger_doc_kind_known CHECK (doc_kind IN
                      ('credit_memo', 'debit_memo', 'adjustment', 'refund', 'write_off',
                       'recovery', 'transfer')),
    reason            text NOT NULL DEFAULT '',
    posted_by         text NOT NULL,
    linked_account_id bigint,
    linked_entry_id   bigint,
    payment_id        bigint,
    created_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, entry_id),
    FOREIGN KEY (account_id, entry_id) REFERENCES collections.ledger_entry
);
COMMENT ON TABLE collections.ledger_doc IS 'A ledger document a person posted: its kind, reason and links; append-only.';
COMMENT ON COLUMN collections.ledger_doc.account_id IS 'Billing account of the entry.';
COMMENT ON COLUMN collections.ledger_doc.entry_id IS 'The ledger entry the document posted on this account.';
COMMENT ON COLUMN collections.ledger_doc.doc_kind IS 'credit_memo, debit_memo, adjustment, refund, write_off, recovery or transfer.';
COMMENT ON COLUMN collections.ledger_doc.reason IS 'Why it was posted.';
COMMENT ON COLUMN collections.ledger_doc.posted_by IS 'Who posted it.';
COMMENT ON COLUMN collections.ledger_doc.linked_account_id IS 'Transfer: the other account.';
COMMENT ON COLUMN collections.ledger_doc.linked_entry_id IS 'Transfer: the entry on the other account.';
COMMENT ON COLUMN collections.ledger_doc.payment_id IS 'Recovery: the payment that brought the cash in.';
COMMENT ON COLUMN collections.ledger_doc.created_at IS 'When it was posted.';
CREATE TRIGGER ledger_doc_append_only
    BEFORE UPDATE OR DELETE ON collections.ledger_doc
    FOR EACH ROW EXECUTE FUNCTION collections.refuse_ledger_change();

CREATE INDEX ledger_entry_account_date_idx
    ON collections.ledger_entry (account_id, effective_date);

-- Write-offs: requested, then approved (posting ledger kind write_off) or
-- rejected. Above the currency's threshold two different people must
-- approve, neither of them the requester.
CREATE TABLE collections.writeoff_policy (
    currency            char(3) PRIMARY KEY CONSTRAINT writeoff_policy_currency CHECK (currency ~ '^[A-Z]{3}$'),
    second_above_minor  bigint NOT NULL CONSTRAINT writeoff_policy_threshold CHECK (second_above_minor >= 0)
);
COMMENT ON TABLE collections.writeoff_policy IS 'Write-off approval threshold per currency (a reference table).';
COMMENT ON COLUMN collections.writeoff_policy.currency IS 'ISO 4217 currency.';
COMMENT ON COLUMN collections.writeoff_policy.second_above_minor IS 'Write-offs above this amount (minor units) need a second approver; a currency without a row always does.';
INSERT INTO collections.writeoff_policy VALUES ('USD', 100000), ('CAD', 100000);

CREATE TABLE collections.write_off (
    account_id     bigint NOT NULL REFERENCES accounts.billing_account,
    writeoff_id    bigint GENERATED ALWAYS AS IDENTITY,
    invoice_id     bigint NOT NULL,
    amount_minor   bigint NOT NULL CONSTRAINT write_off_amount_positive CHECK (amount_minor > 0),
    currency       char(3) NOT NULL,
    reason         text NOT NULL CONSTRAINT write_off_reason_present CHECK (reason <> ''),
    requested_on   date NOT NULL,
    requested_by   text NOT NULL,
    state          text NOT NULL DEFAULT 'requested' CONSTRAINT write_off_state_known CHECK (state IN
                   ('requested', 'approved', 'rejected')),
    first_approver text,
    second_approver text,
    decided_on     date,
    decided_by     text,
    note           text NOT NULL DEFAULT '',
    entry_id       bigint,
    PRIMARY KEY (account_id, writeoff_id),
    CONSTRAINT write_off_request_key UNIQUE (account_id, invoice_id, requested_on, reason),
    FOREIGN KEY (account_id, invoice_id) REFERENCES billing.invoice,
    FOREIGN KEY (account_id, entry_id) REFERENCES collections.ledger_entry
);
COMMENT ON TABLE collections.write_off IS 'A write-off request and its approval; the approved one posts a write_off ledger entry.';
COMMENT ON COLUMN collections.write_off.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.write_off.writeoff_id IS 'Surrogate key; the ledger reference is WO-<id>.';
COMMENT ON COLUMN collections.write_off.invoice_id IS 'Invoice written off.';
COMMENT ON COLUMN collections.write_off.amount_minor IS 'Amount to write off, minor units.';
COMMENT ON COLUMN collections.write_off.currency IS 'The invoice currency.';
COMMENT ON COLUMN collections.write_off.reason IS 'Why (bankrupt, uncollectable, small balance).';
COMMENT ON COLUMN collections.write_off.requested_on IS 'Day of the request.';
COMMENT ON COLUMN collections.write_off.requested_by IS 'Who asked.';
COMMENT ON COLUMN collections.write_off.state IS 'requested, approved (posted) or rejected.';
COMMENT ON COLUMN collections.write_off.first_approver IS 'First approver (the only one at or under the threshold).';
COMMENT ON COLUMN collections.write_off.second_approver IS 'Second approver, above the threshold.';
COMMENT ON COLUMN collections.write_off.decided_on IS 'Day it was approved (posted) or rejected.';
COMMENT ON COLUMN collections.write_off.decided_by IS 'Who posted or rejected it.';
COMMENT ON COLUMN collections.write_off.note IS 'Rejection note.';
COMMENT ON COLUMN collections.write_off.entry_id IS 'The write_off ledger entry, once approved.';

-- FX: rate_micro units of to_currency (major) per one major unit of
-- from_currency, in millionths; the rate in force on D is the latest with
-- effective_date <= D.
CREATE TABLE collections.fx_rate (
    from_currency  char(3) NOT NULL CONSTRAINT fx_rate_from CHECK (from_currency ~ '^[A-Z]{3}$'),
    to_currency    char(3) NOT NULL CONSTRAINT fx_rate_to CHECK (to_currency ~ '^[A-Z]{3}$'),
    effective_date date NOT NULL,
    rate_micro     bigint NOT NULL CONSTRAINT fx_rate_positive CHECK (rate_micro > 0),
    loaded_by      text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (from_currency, to_currency, effective_date),
    CONSTRAINT fx_rate_distinct CHECK (from_currency <> to_currency)
);
COMMENT ON TABLE collections.fx_rate IS 'Effective-dated FX rates for portfolio figures (a reference table).';
COMMENT ON COLUMN collections.fx_rate.from_currency IS 'Currency converted from.';
COMMENT ON COLUMN collections.fx_rate.to_currency IS 'Currency converted to.';
COMMENT ON COLUMN collections.fx_rate.effective_date IS 'First day the rate is in force.';
COMMENT ON COLUMN collections.fx_rate.rate_micro IS 'Units of to_currency per unit of from_currency, in millionths (0.730000 = 730000).';
COMMENT ON COLUMN collections.fx_rate.loaded_by IS 'Who loaded it.';
COMMENT ON COLUMN collections.fx_rate.created_at IS 'When it was loaded.';
COMMENT ON CONSTRAINT fx_rate_positive ON collections.fx_rate IS 'rate: an FX rate must be greater than zero';
