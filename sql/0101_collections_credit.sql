-- trunkline 0101: the rest of a collector's day — escalation levels with
-- their history, credit inquiries, credit applications, deposits asked of
-- risky accounts, and payment methods on file (masked: last four digits
-- only).

CREATE TABLE collections.escalation (
    account_id    bigint NOT NULL REFERENCES accounts.billing_account,
    escalation_id bigint GENERATED ALWAYS AS IDENTITY,
    level         text NOT NULL CONSTRAINT escalation_level_known CHECK (level IN
                  ('collector', 'supervisor', 'agency', 'legal')),
    reason        text NOT NULL CONSTRAINT escalation_reason_present CHECK (reason <> ''),
    escalated_on  date NOT NULL,
    escalated_by  text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, escalation_id),
    CONSTRAINT escalation_once_a_day UNIQUE (account_id, escalated_on, level)
);
COMMENT ON TABLE collections.escalation IS 'Escalation history of an account: the latest row is its level (collector when none).';
COMMENT ON COLUMN collections.escalation.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.escalation.escalation_id IS 'Surrogate key, in order.';
COMMENT ON COLUMN collections.escalation.level IS 'collector, supervisor, agency or legal.';
COMMENT ON COLUMN collections.escalation.reason IS 'Why.';
COMMENT ON COLUMN collections.escalation.escalated_on IS 'Day it took effect.';
COMMENT ON COLUMN collections.escalation.escalated_by IS 'Who escalated.';
COMMENT ON COLUMN collections.escalation.created_at IS 'When it was recorded.';

CREATE TABLE collections.credit_inquiry (
    account_id   bigint NOT NULL REFERENCES accounts.billing_account,
    inquiry_id   bigint GENERATED ALWAYS AS IDENTITY,
    inquired_on  date NOT NULL,
    bureau       text NOT NULL CONSTRAINT credit_inquiry_bureau_present CHECK (bureau <> ''),
    outcome      text NOT NULL CONSTRAINT credit_inquiry_outcome_known CHECK (outcome IN
                 ('approved', 'review', 'declined')),
    score        integer CONSTRAINT credit_inquiry_score CHECK (score BETWEEN 0 AND 1000),
    note         text NOT NULL DEFAULT '',
    recorded_by  text NOT NULL,
    PRIMARY KEY (account_id, inquiry_id),
    CONSTRAINT credit_inquiry_once UNIQUE (account_id, inquired_on, bureau)
);
COMMENT ON TABLE collections.credit_inquiry IS 'A credit check of an account and its outcome.';
COMMENT ON COLUMN collections.credit_inquiry.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.credit_inquiry.inquiry_id IS 'Surrogate key.';
COMMENT ON COLUMN collections.credit_inquiry.inquired_on IS 'Day of the check.';
COMMENT ON COLUMN collections.credit_inquiry.bureau IS 'Bureau or source asked.';
COMMENT ON COLUMN collections.credit_inquiry.outcome IS 'approved, review or declined.';
COMMENT ON COLUMN collections.credit_inquiry.score IS 'Score reported, when any.';
COMMENT ON COLUMN collections.credit_inquiry.note IS 'Remarks.';
COMMENT ON COLUMN collections.credit_inquiry.recorded_by IS 'Who recorded it.';

CREATE TABLE collections.credit_application (
    account_id   bigint NOT NULL REFERENCES accounts.billing_account,
    received_on  date NOT NULL,
    reference    text NOT NULL CONSTRAINT credit_application_reference_present CHECK (reference <> ''),
    recorded_by  text NOT NULL,
    PRIMARY KEY (account_id, reference)
);
COMMENT ON TABLE collections.credit_application IS 'A signed credit application on file for an account.';
COMMENT ON COLUMN collections.credit_application.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.credit_application.received_on IS 'Day it was received.';
COMMENT ON COLUMN collections.credit_application.reference IS 'Document reference.';
COMMENT ON COLUMN collections.credit_application.recorded_by IS 'Who recorded it.';

CREATE TABLE collections.deposit (
    account_id    bigint NOT NULL REFERENCES accounts.billing_account,
    deposit_id    bigint GENERATED ALWAYS AS IDENTITY,
    amount_minor  bigint NOT NULL CONSTRAINT deposit_amount_positive CHECK (amount_minor > 0),
    currency      char(3) NOT NULL,
    reason        text NOT NULL CONSTRAINT deposit_reason_present CHECK (reason <> ''),
    requested_on  date NOT NULL,
    requested_by  text NOT NULL,
    state         text NOT NULL DEFAULT 'requested' CONSTRAINT deposit_state_known CHECK (state IN
                  ('requested', 'received', 'waived')),
    decided_on    date,
    decided_by    text,
    PRIMARY KEY (account_id, deposit_id),
    CONSTRAINT deposit_request_once UNIQUE (account_id, requested_on, reason)
);
COMMENT ON TABLE collections.deposit IS 'A security deposit asked of a risky account: requested, then received or waived.';
COMMENT ON COLUMN collections.deposit.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.deposit.deposit_id IS 'Surrogate key.';
COMMENT ON COLUMN collections.deposit.amount_minor IS 'Amount asked, minor units of the account currency.';
COMMENT ON COLUMN collections.deposit.currency IS 'The account currency.';
COMMENT ON COLUMN collections.deposit.reason IS 'Why it is asked.';
COMMENT ON COLUMN collections.deposit.requested_on IS 'Day asked.';
COMMENT ON COLUMN collections.deposit.requested_by IS 'Who asked.';
COMMENT ON COLUMN collections.deposit.state IS 'requested, received or waived.';
COMMENT ON COLUMN collections.deposit.decided_on IS 'Day received or waived.';
COMMENT ON COLUMN collections.deposit.decided_by IS 'Who recorded the receipt or waiver.';

CREATE TABLE collections.payment_method (
    account_id  bigint NOT NULL REFERENCES accounts.billing_account,
    method_id   bigint GENERATED ALWAYS AS IDENTITY,
    kind        text NOT NULL CONSTRAINT payment_method_kind_known CHECK (kind IN
                ('card', 'ach', 'wire', 'check')),
    last4       char(4) NOT NULL CONSTRAINT payment_method_last4 CHECK (last4 ~ '^[0-9]{4}$'),
    label       text NOT NULL DEFAULT '',
    added_on    date NOT NULL,
    added_by    text NOT NULL,
    PRIMARY KEY (account_id, method_id),
    CONSTRAINT payment_method_once UNIQUE (account_id, kind, last4)
);
COMMENT ON TABLE collections.payment_method IS 'A payment method on file, masked: only the last four digits of the card or account number are ever stored.';
COMMENT ON COLUMN collections.payment_method.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.payment_method.method_id IS 'Surrogate key.';
COMMENT ON COLUMN collections.payment_method.kind IS 'card, ach, wire or check.';
COMMENT ON COLUMN collections.payment_method.last4 IS 'Last four digits of the card or bank account number.';
COMMENT ON COLUMN collections.payment_method.label IS 'How the customer calls it (e.g. Visa corporate card, operating account).';
COMMENT ON COLUMN collections.payment_method.added_on IS 'Day recorded.';
COMMENT ON COLUMN collections.payment_method.added_by IS 'Who recorded it.';
COMMENT ON CONSTRAINT payment_method_last4 ON collections.payment_method IS
    'last4: only the last four digits of a card or account number are kept';
