-- trunkline 0041: one-time charges and credits entered by hand, with a
-- reason, and an approval above a threshold per currency. Approved ones
-- are billed by the next bill run of the account's cycle.

CREATE TABLE billing.setting (
    currency           char(3) PRIMARY KEY
        CONSTRAINT setting_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    approval_threshold_minor bigint NOT NULL
        CONSTRAINT setting_threshold_nonneg CHECK (approval_threshold_minor >= 0)
);
COMMENT ON TABLE billing.setting IS 'Billing settings per currency (a small reference table).';
COMMENT ON COLUMN billing.setting.currency IS 'ISO 4217 currency the settings apply to.';
COMMENT ON COLUMN billing.setting.approval_threshold_minor IS 'A manual charge or credit above this amount (minor units) needs a second person''s approval before it is billed.';
COMMENT ON CONSTRAINT setting_currency_format ON billing.setting IS 'currency: must be an ISO 4217 code such as USD';
COMMENT ON CONSTRAINT setting_threshold_nonneg ON billing.setting IS 'approvalThreshold: cannot be negative';
INSERT INTO billing.setting (currency, approval_threshold_minor)
VALUES ('USD', 50000), ('CAD', 50000), ('EUR', 50000), ('GBP', 50000);

CREATE TABLE billing.manual_charge (
    account_id    bigint NOT NULL REFERENCES accounts.billing_account,
    charge_id     bigint GENERATED ALWAYS AS IDENTITY,
    kind          text NOT NULL
        CONSTRAINT manual_charge_kind_known CHECK (kind IN ('NRC', 'CREDIT')),
    nrc_category  text
        CONSTRAINT manual_charge_category_known CHECK (nrc_category IN
            ('installation', 'construction', 'expedite', 'equipment', 'other')),
    circuit_id    text,
    amount_minor  bigint NOT NULL
        CONSTRAINT manual_charge_amount_positive CHECK (amount_minor > 0),
    currency      char(3) NOT NULL
        CONSTRAINT manual_charge_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    description   text NOT NULL
        CONSTRAINT manual_charge_description_present CHECK (length(description) BETWEEN 1 AND 200),
    reason        text NOT NULL
        CONSTRAINT manual_charge_reason_present CHECK (length(reason) BETWEEN 1 AND 500),
    status        text NOT NULL
        CONSTRAINT manual_charge_status_known CHECK (status IN ('requested', 'approved', 'billed', 'rejected')),
    requested_by  text NOT NULL
        CONSTRAINT manual_charge_requested_by_present CHECK (requested_by <> ''),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    approved_by   text,
    decided_at    timestamptz,
    reject_reason text,
    PRIMARY KEY (account_id, charge_id),
    CONSTRAINT manual_charge_category_for_nrc CHECK ((kind = 'NRC') = (nrc_category IS NOT NULL)),
    CONSTRAINT manual_charge_four_eyes CHECK (approved_by IS NULL OR approved_by <> requested_by),
    CONSTRAINT manual_charge_rejected_reason CHECK ((status = 'rejected') = (reject_reason IS NOT NULL))
);
CREATE INDEX manual_charge_status_idx ON billing.manual_charge (status, account_id);
COMMENT ON TABLE billing.manual_charge IS 'A one-time charge or credit entered by hand with a reason; above the approval threshold it waits for approval by someone else; the next bill run bills the approved ones.';
COMMENT ON COLUMN billing.manual_charge.account_id IS 'Billing account charged or credited.';
COMMENT ON COLUMN billing.manual_charge.charge_id IS 'Surrogate key, the number people quote.';
COMMENT ON COLUMN billing.manual_charge.kind IS 'NRC (a charge) or CREDIT.';
COMMENT ON COLUMN billing.manual_charge.nrc_category IS 'For NRC: installation, construction, expedite, equipment or other.';
COMMENT ON COLUMN billing.manual_charge.circuit_id IS 'Circuit the charge is about, NULL for the account.';
COMMENT ON COLUMN billing.manual_charge.amount_minor IS 'Amount in minor units, positive (a credit is billed negative).';
COMMENT ON COLUMN billing.manual_charge.currency IS 'Account currency.';
COMMENT ON COLUMN billing.manual_charge.description IS 'Text printed on the invoice line.';
COMMENT ON COLUMN billing.manual_charge.reason IS 'Why it is charged or credited (kept for audit).';
COMMENT ON COLUMN billing.manual_charge.status IS 'requested (waits for approval), approved (billed by the next run), billed (on a final invoice) or rejected.';
COMMENT ON COLUMN billing.manual_charge.requested_by IS 'Who entered it.';
COMMENT ON COLUMN billing.manual_charge.requested_at IS 'When.';
COMMENT ON COLUMN billing.manual_charge.approved_by IS 'Who approved or rejected it; NULL for an amount within the threshold (approved on entry).';
COMMENT ON COLUMN billing.manual_charge.decided_at IS 'When it was approved or rejected.';
COMMENT ON COLUMN billing.manual_charge.reject_reason IS 'Why it was rejected.';
COMMENT ON CONSTRAINT manual_charge_kind_known ON billing.manual_charge IS 'kind: a manual charge is NRC or CREDIT';
COMMENT ON CONSTRAINT manual_charge_category_known ON billing.manual_charge IS 'category: installation, construction, expedite, equipment or other';
COMMENT ON CONSTRAINT manual_charge_amount_positive ON billing.manual_charge IS 'amount: must be more than zero';
COMMENT ON CONSTRAINT manual_charge_currency_format ON billing.manual_charge IS 'currency: must be an ISO 4217 code';
COMMENT ON CONSTRAINT manual_charge_description_present ON billing.manual_charge IS 'description: 1 to 200 characters';
COMMENT ON CONSTRAINT manual_charge_reason_present ON billing.manual_charge IS 'reason: give a reason of 1 to 500 characters';
COMMENT ON CONSTRAINT manual_charge_status_known ON billing.manual_charge IS 'status: requested, approved, billed or rejected';
COMMENT ON CONSTRAINT manual_charge_requested_by_present ON billing.manual_charge IS 'requestedBy: must be named';
COMMENT ON CONSTRAINT manual_charge_category_for_nrc ON billing.manual_charge IS 'category: a charge needs a category and a credit has none';
COMMENT ON CONSTRAINT manual_charge_four_eyes ON billing.manual_charge IS 'approvedBy: a charge is approved by someone other than who entered it';
COMMENT ON CONSTRAINT manual_charge_rejected_reason ON billing.manual_charge IS 'reason: a rejection needs a reason';
