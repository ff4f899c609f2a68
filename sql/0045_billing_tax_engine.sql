-- trunkline 0045: tax lines as the tax engine (billing/taxes.c) writes
-- them: the units an amount per unit was charged on, and one line per
-- jurisdiction, tax code and rate (a rate change within an invoice gives
-- two lines of one tax code).

ALTER TABLE billing.invoice_tax_line
    ADD COLUMN units bigint,
    ADD CONSTRAINT invoice_tax_line_units_per_unit
        CHECK (units IS NULL OR (per_unit_minor IS NOT NULL
                                 AND amount_minor = per_unit_minor * units));
COMMENT ON COLUMN billing.invoice_tax_line.units IS
    'For an amount per unit: the units charged (call paths, channels), credits subtracted, so that amount = per_unit x units; NULL for a percentage.';
COMMENT ON CONSTRAINT invoice_tax_line_units_per_unit ON billing.invoice_tax_line IS
    'taxItem.units: units go with an amount per unit, and the amount is the amount per unit times the units';

CREATE UNIQUE INDEX invoice_tax_line_group_key ON billing.invoice_tax_line
    (account_id, invoice_id, jurisdiction, tax_code,
     coalesce(rate_ppm, -1), coalesce(per_unit_minor, -1));
COMMENT ON INDEX billing.invoice_tax_line_group_key IS
    'taxItem: an invoice has one tax line per jurisdiction, tax code and rate or amount per unit';

COMMENT ON TABLE billing.invoice_tax_line IS
    'A tax or regulatory surcharge on an invoice, one per jurisdiction, tax code and rate: a percentage applied once to the summed base (rounded half-even), or an amount per unit times the units. The invoice''s tax_minor is their sum. Written by billing_tax_invoice in the bill run''s transaction.';
COMMENT ON COLUMN billing.invoice_tax_line.base_minor IS
    'Taxable base in minor units of the invoice currency: the sum of the charges (credits negative) the tax applies to.';
