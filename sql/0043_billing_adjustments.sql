-- trunkline 0043: adjustments. A manual credit may correct one line of a
-- final invoice, and says why with a reason code; the bill run bills it as
-- a credit line linked to the line it corrects.

ALTER TABLE billing.manual_charge
    ADD COLUMN reason_code text NOT NULL DEFAULT 'other'
        CONSTRAINT manual_charge_reason_code_known CHECK (reason_code IN
            ('billing_error', 'rate_correction', 'service_outage', 'goodwill',
             'dispute_resolution', 'other')),
    ADD COLUMN corrects_invoice_id bigint,
    ADD COLUMN corrects_line_no integer,
    ADD CONSTRAINT manual_charge_corrects_line
        FOREIGN KEY (account_id, corrects_invoice_id, corrects_line_no)
        REFERENCES billing.invoice_line,
    ADD CONSTRAINT manual_charge_corrects_both CHECK (
        (corrects_invoice_id IS NULL) = (corrects_line_no IS NULL)),
    ADD CONSTRAINT manual_charge_corrects_by_credit CHECK (
        corrects_invoice_id IS NULL OR kind = 'CREDIT');
COMMENT ON COLUMN billing.manual_charge.reason_code IS
    'Why: billing_error, rate_correction, service_outage (an SLA credit), goodwill, dispute_resolution or other.';
COMMENT ON COLUMN billing.manual_charge.corrects_invoice_id IS 'Invoice of the line an adjustment corrects; NULL for a free-standing charge or credit.';
COMMENT ON COLUMN billing.manual_charge.corrects_line_no IS 'Line an adjustment corrects; NULL with corrects_invoice_id.';
COMMENT ON CONSTRAINT manual_charge_reason_code_known ON billing.manual_charge IS
    'reasonCode: must be billing_error, rate_correction, service_outage, goodwill, dispute_resolution or other';
COMMENT ON CONSTRAINT manual_charge_corrects_line ON billing.manual_charge IS
    'line: the invoice line to correct does not exist';
COMMENT ON CONSTRAINT manual_charge_corrects_both ON billing.manual_charge IS
    'line: an adjustment names both the invoice and its line';
COMMENT ON CONSTRAINT manual_charge_corrects_by_credit ON billing.manual_charge IS
    'kind: only a credit corrects an invoice line';
CREATE INDEX manual_charge_corrects_idx ON billing.manual_charge (account_id, corrects_invoice_id, corrects_line_no)
    WHERE corrects_invoice_id IS NOT NULL;
