-- trunkline 0040: the bill run as preview -> review -> approve. A run
-- writes draft invoices (no number, nothing posted) in batches of accounts
-- and remembers how far it got, so a run killed between batches resumes;
-- approval numbers the drafts gaplessly and makes them final. Invoice
-- lines become deltas: what an account is entitled to be billed for a
-- service code and bill period, less what was billed for it already, so a
-- change after a period was billed (a backdated disconnect, a late
-- acceptance, a code change) comes out as a credit or a rebill line.

-- ---- runs ----

ALTER TABLE billing.bill_run
    DROP CONSTRAINT bill_run_status_known,
    ADD COLUMN accounts_total integer NOT NULL DEFAULT 0
        CONSTRAINT bill_run_accounts_total CHECK (accounts_total >= 0),
    ADD COLUMN accounts_done integer NOT NULL DEFAULT 0
        CONSTRAINT bill_run_accounts_done CHECK (accounts_done >= 0),
    ADD COLUMN last_account_id bigint NOT NULL DEFAULT 0,
    ADD COLUMN approved_by text
        CONSTRAINT bill_run_approved_by_present CHECK (approved_by <> ''),
    ADD COLUMN approved_at timestamptz,
    ALTER COLUMN completed_at DROP NOT NULL,
    ALTER COLUMN completed_at DROP DEFAULT;
UPDATE billing.bill_run
SET status = 'approved', approved_by = started_by, approved_at = completed_at,
    accounts_total = invoice_count, accounts_done = invoice_count;
ALTER TABLE billing.bill_run
    ADD CONSTRAINT bill_run_status_known
        CHECK (status IN ('previewing', 'preview', 'approved')),
    ADD CONSTRAINT bill_run_approval_recorded
        CHECK ((status = 'approved') = (approved_at IS NOT NULL AND approved_by IS NOT NULL));
COMMENT ON COLUMN billing.bill_run.status IS
    'previewing: draft invoices are being written batch by batch (a killed run resumes here); preview: every account of the cycle has its draft, ready for review; approved: the drafts are numbered and final.';
COMMENT ON COLUMN billing.bill_run.accounts_total IS 'Accounts of the cycle when the preview started.';
COMMENT ON COLUMN billing.bill_run.accounts_done IS 'Accounts processed so far (committed batches); progress is accounts_done / accounts_total.';
COMMENT ON COLUMN billing.bill_run.last_account_id IS 'Highest account id processed by a committed batch: the preview resumes after it.';
COMMENT ON COLUMN billing.bill_run.approved_by IS 'Who approved the run; NULL until approved.';
COMMENT ON COLUMN billing.bill_run.approved_at IS 'When it was approved; NULL until approved.';
COMMENT ON COLUMN billing.bill_run.completed_at IS 'When the preview finished computing every account; NULL while previewing.';
COMMENT ON COLUMN billing.bill_run.invoice_count IS 'Invoices (draft or final) of the run.';
COMMENT ON CONSTRAINT bill_run_status_known ON billing.bill_run IS
    'status: a bill run is previewing, preview or approved';
COMMENT ON CONSTRAINT bill_run_approval_recorded ON billing.bill_run IS
    'status: an approved run records who approved it and when';
COMMENT ON CONSTRAINT bill_run_approved_by_present ON billing.bill_run IS
    'approvedBy: the approver must be named';
COMMENT ON CONSTRAINT bill_run_accounts_total ON billing.bill_run IS
    'accountsTotal: cannot be negative';
COMMENT ON CONSTRAINT bill_run_accounts_done ON billing.bill_run IS
    'accountsDone: cannot be negative';

-- ---- invoices: draft, then final with a number ----

ALTER TABLE billing.invoice
    ADD COLUMN status text NOT NULL DEFAULT 'final'
        CONSTRAINT invoice_status_known CHECK (status IN ('draft', 'final')),
    ALTER COLUMN invoice_number DROP NOT NULL,
    ALTER COLUMN sequence_no DROP NOT NULL,
    ADD CONSTRAINT invoice_final_numbered
        CHECK ((status = 'final') = (invoice_number IS NOT NULL)
               AND (status = 'final') = (sequence_no IS NOT NULL));
ALTER TABLE billing.invoice ALTER COLUMN status SET DEFAULT 'draft';
CREATE UNIQUE INDEX invoice_series_sequence_key ON billing.invoice (series, sequence_no)
    WHERE sequence_no IS NOT NULL;
COMMENT ON INDEX billing.invoice_series_sequence_key IS 'A number of a series is given to one invoice only.';
COMMENT ON COLUMN billing.invoice.status IS 'draft (written by a preview: no number, not posted, may be recomputed) or final (numbered at approval, posted to the AR ledger, never changed).';
COMMENT ON COLUMN billing.invoice.invoice_number IS 'Number printed and quoted as payment reference (prefix + sequence); NULL while draft.';
COMMENT ON COLUMN billing.invoice.sequence_no IS 'Position in the series, gapless, given at approval; NULL while draft.';
COMMENT ON TABLE billing.invoice IS 'An invoice of a bill run, one per account and run: a draft until the run is approved, then final.';
COMMENT ON CONSTRAINT invoice_status_known ON billing.invoice IS
    'status: an invoice is draft or final';
COMMENT ON CONSTRAINT invoice_final_numbered ON billing.invoice IS
    'invoiceNumber: a final invoice has a number and a draft has none';

-- ---- invoice lines: charge kinds, credits and where a line came from ----

ALTER TABLE billing.invoice_line
    DROP CONSTRAINT invoice_line_kind_known,
    DROP CONSTRAINT invoice_line_mrc_period,
    ALTER COLUMN service_id DROP NOT NULL,
    ALTER COLUMN code DROP NOT NULL,
    ADD COLUMN credited_invoice_id bigint,
    ADD COLUMN credited_line_no integer,
    ADD COLUMN equipment_charge_id bigint,
    ADD COLUMN manual_charge_id bigint,
    ADD COLUMN agreement_id bigint,
    ADD CONSTRAINT invoice_line_kind_known
        CHECK (charge_kind IN ('MRC', 'NRC', 'CREDIT', 'SHORTFALL', 'ETF')),
    ADD CONSTRAINT invoice_line_period CHECK (
        (period_start IS NULL AND period_end IS NULL)
        OR (period_start IS NOT NULL AND period_end > period_start)),
    ADD CONSTRAINT invoice_line_kind_shape CHECK (
        CASE charge_kind
        WHEN 'MRC' THEN period_start IS NOT NULL AND service_id IS NOT NULL
                        AND code IS NOT NULL AND amount_minor >= 0
        WHEN 'NRC' THEN period_start IS NULL AND amount_minor >= 0
                        AND (service_id IS NOT NULL OR manual_charge_id IS NOT NULL
                             OR equipment_charge_id IS NOT NULL)
        WHEN 'CREDIT' THEN amount_minor <= 0
        WHEN 'SHORTFALL' THEN period_start IS NOT NULL AND amount_minor > 0
                              AND agreement_id IS NOT NULL
        WHEN 'ETF' THEN agreement_id IS NOT NULL AND amount_minor > 0
        END),
    ADD CONSTRAINT invoice_line_credit_ref
        CHECK ((credited_invoice_id IS NULL) = (credited_line_no IS NULL)),
    ADD CONSTRAINT invoice_line_credited_fk
        FOREIGN KEY (account_id, credited_invoice_id, credited_line_no)
        REFERENCES billing.invoice_line (account_id, invoice_id, line_no);

-- A recurring charge is no longer billed once per period start: a period
-- can be billed, credited and billed again. What stays unique is one
-- piece per service, code and period start on one invoice (one invoice
-- per account and run, so one run never bills the same piece twice),
-- and a one-time charge of a service code once.
DROP INDEX billing.invoice_line_mrc_once;
DROP INDEX billing.invoice_line_nrc_once;
CREATE UNIQUE INDEX invoice_line_piece_once ON billing.invoice_line
    (account_id, invoice_id, service_id, code, period_start)
    WHERE charge_kind IN ('MRC', 'CREDIT') AND service_id IS NOT NULL
      AND manual_charge_id IS NULL;
CREATE UNIQUE INDEX invoice_line_nrc_once ON billing.invoice_line (account_id, service_id, code)
    WHERE charge_kind = 'NRC' AND equipment_charge_id IS NULL AND manual_charge_id IS NULL;
CREATE UNIQUE INDEX invoice_line_equipment_once ON billing.invoice_line (account_id, equipment_charge_id)
    WHERE equipment_charge_id IS NOT NULL;
CREATE UNIQUE INDEX invoice_line_manual_once ON billing.invoice_line (account_id, manual_charge_id)
    WHERE manual_charge_id IS NOT NULL;
CREATE UNIQUE INDEX invoice_line_etf_once ON billing.invoice_line (account_id, agreement_id)
    WHERE charge_kind = 'ETF';
CREATE UNIQUE INDEX invoice_line_shortfall_once ON billing.invoice_line (account_id, agreement_id, period_start)
    WHERE charge_kind = 'SHORTFALL';
CREATE INDEX invoice_line_service_idx ON billing.invoice_line (account_id, service_id, code, period_start);
COMMENT ON INDEX billing.invoice_line_piece_once IS 'One run bills or credits one piece (service, code, period) at most once.';
COMMENT ON INDEX billing.invoice_line_nrc_once IS 'A one-time charge of a service code is billed once per service.';
COMMENT ON INDEX billing.invoice_line_equipment_once IS 'A non-return fee is billed once.';
COMMENT ON INDEX billing.invoice_line_manual_once IS 'A manual charge or credit is billed once.';
COMMENT ON INDEX billing.invoice_line_etf_once IS 'The early-termination fee of an agreement is billed once.';
COMMENT ON INDEX billing.invoice_line_shortfall_once IS 'A minimum-commitment shortfall is billed once per agreement and period.';

COMMENT ON TABLE billing.invoice_line IS 'A line on an invoice: a one-time charge, a recurring charge for a (possibly partial) period, a credit of what was billed before, a minimum-commitment shortfall or an early-termination fee.';
COMMENT ON COLUMN billing.invoice_line.charge_kind IS 'MRC, NRC, CREDIT (negative: corrects an earlier line), SHORTFALL (minimum commitment) or ETF (early-termination fee).';
COMMENT ON COLUMN billing.invoice_line.service_id IS 'Service charged; NULL for a line of the account (shortfall, ETF, manual charge).';
COMMENT ON COLUMN billing.invoice_line.code IS 'Service code charged; NULL for a line without one.';
COMMENT ON COLUMN billing.invoice_line.period_start IS 'For MRC and service credits: first day charged or credited; for a shortfall the bill period.';
COMMENT ON COLUMN billing.invoice_line.period_end IS 'First day after the period charged or credited.';
COMMENT ON COLUMN billing.invoice_line.credited_invoice_id IS 'Credit lines: the invoice of the line corrected.';
COMMENT ON COLUMN billing.invoice_line.credited_line_no IS 'Credit lines: the line corrected.';
COMMENT ON COLUMN billing.invoice_line.equipment_charge_id IS 'The non-return fee (provisioning.equipment_charge) the line bills.';
COMMENT ON COLUMN billing.invoice_line.manual_charge_id IS 'The manual charge or credit (billing.manual_charge) the line bills.';
COMMENT ON COLUMN billing.invoice_line.agreement_id IS 'SHORTFALL and ETF lines: the agreement behind them.';
COMMENT ON COLUMN billing.invoice_line.unit_minor IS 'Monthly (MRC) or one-time price of one unit; for credits the monthly price credited.';
COMMENT ON COLUMN billing.invoice_line.amount_minor IS 'Line amount after proration, rounded half-even once; negative for credits.';
COMMENT ON CONSTRAINT invoice_line_kind_known ON billing.invoice_line IS
    'chargeKind: a line is MRC, NRC, CREDIT, SHORTFALL or ETF';
COMMENT ON CONSTRAINT invoice_line_period ON billing.invoice_line IS
    'period: a line period ends after it starts, or has neither start nor end';
COMMENT ON CONSTRAINT invoice_line_kind_shape ON billing.invoice_line IS
    'chargeKind: the line does not have what its kind needs (period, service, sign)';
COMMENT ON CONSTRAINT invoice_line_credit_ref ON billing.invoice_line IS
    'creditedLine: a credited line names both its invoice and line number';
COMMENT ON CONSTRAINT invoice_line_credited_fk ON billing.invoice_line IS
    'creditedLine: the line credited does not exist';

ALTER TABLE billing.invoice_line
    DROP CONSTRAINT invoice_line_price_source,
    ADD CONSTRAINT invoice_line_price_source CHECK (price_source IN ('contract', 'list', 'manual'));
COMMENT ON COLUMN billing.invoice_line.price_source IS 'Where the unit price came from: contract, list or manual (a manual charge).';
COMMENT ON CONSTRAINT invoice_line_price_source ON billing.invoice_line IS
    'priceSource: a price comes from the contract, the list or a manual charge';

CREATE INDEX invoice_draft_idx ON billing.invoice (invoice_id) WHERE status = 'draft';
COMMENT ON INDEX billing.invoice_draft_idx IS 'Finds a draft by its id (shown as DRAFT-<id> before it has a number).';
