-- trunkline 0007: bill runs, invoices and invoice lines.

CREATE SCHEMA billing;
COMMENT ON SCHEMA billing IS 'Charges, bill runs, invoices.';

CREATE TABLE billing.bill_run (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cycle_day     smallint NOT NULL CONSTRAINT bill_run_cycle_day CHECK (cycle_day BETWEEN 1 AND 31),
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    issue_date    date NOT NULL,
    status        text NOT NULL CONSTRAINT bill_run_status_known CHECK (status IN ('completed')),
    invoice_count integer NOT NULL DEFAULT 0,
    started_by    text NOT NULL,
    completed_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bill_run_period CHECK (period_end > period_start),
    CONSTRAINT bill_run_cycle_period_key UNIQUE (cycle_day, period_start)
);
COMMENT ON TABLE billing.bill_run IS 'One bill run per cycle day and period; running it again finds this row and creates nothing.';
COMMENT ON COLUMN billing.bill_run.run_id IS 'Surrogate key.';
COMMENT ON COLUMN billing.bill_run.cycle_day IS 'Bill cycle day of the accounts billed.';
COMMENT ON COLUMN billing.bill_run.period_start IS 'First day of the billing period.';
COMMENT ON COLUMN billing.bill_run.period_end IS 'First day after the billing period.';
COMMENT ON COLUMN billing.bill_run.issue_date IS 'Date printed on the run''s invoices; due dates count from it.';
COMMENT ON COLUMN billing.bill_run.status IS 'completed: the run and all its invoices committed together.';
COMMENT ON COLUMN billing.bill_run.invoice_count IS 'Invoices the run created.';
COMMENT ON COLUMN billing.bill_run.started_by IS 'Who ran it.';
COMMENT ON COLUMN billing.bill_run.completed_at IS 'When it committed.';

CREATE TABLE billing.invoice_series (
    series      text PRIMARY KEY,
    prefix      text NOT NULL,
    next_number bigint NOT NULL CONSTRAINT invoice_series_next_positive CHECK (next_number > 0)
);
COMMENT ON TABLE billing.invoice_series IS 'Gapless invoice numbering: the next number of each series, taken inside the bill run''s transaction.';
COMMENT ON COLUMN billing.invoice_series.series IS 'Series name.';
COMMENT ON COLUMN billing.invoice_series.prefix IS 'Printed before the number, e.g. INV-.';
COMMENT ON COLUMN billing.invoice_series.next_number IS 'Number the next invoice of the series gets.';
INSERT INTO billing.invoice_series (series, prefix, next_number) VALUES ('standard', 'INV-', 1);

CREATE TABLE billing.invoice (
    account_id     bigint NOT NULL REFERENCES accounts.billing_account,
    invoice_id     bigint GENERATED ALWAYS AS IDENTITY,
    invoice_number text NOT NULL,
    series         text NOT NULL REFERENCES billing.invoice_series,
    sequence_no    bigint NOT NULL,
    run_id         bigint NOT NULL REFERENCES billing.bill_run,
    period_start   date NOT NULL,
    period_end     date NOT NULL,
    issue_date     date NOT NULL,
    due_date       date NOT NULL,
    currency       char(3) NOT NULL CONSTRAINT invoice_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    subtotal_minor bigint NOT NULL,
    tax_minor      bigint NOT NULL DEFAULT 0,
    total_minor    bigint NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, invoice_id),
    CONSTRAINT invoice_number_key UNIQUE (account_id, invoice_number),
    CONSTRAINT invoice_run_key UNIQUE (account_id, run_id),
    CONSTRAINT invoice_total_ties CHECK (total_minor = subtotal_minor + tax_minor),
    CONSTRAINT invoice_due_after_issue CHECK (due_date >= issue_date)
);
CREATE INDEX invoice_number_idx ON billing.invoice (invoice_number);
COMMENT ON TABLE billing.invoice IS 'A final invoice of a bill run; one per account and run.';
COMMENT ON COLUMN billing.invoice.account_id IS 'Billing account invoiced.';
COMMENT ON COLUMN billing.invoice.invoice_id IS 'Surrogate key.';
COMMENT ON COLUMN billing.invoice.invoice_number IS 'Number printed and quoted as payment reference (prefix + sequence).';
COMMENT ON COLUMN billing.invoice.series IS 'Numbering series.';
COMMENT ON COLUMN billing.invoice.sequence_no IS 'Position in the series, gapless.';
COMMENT ON COLUMN billing.invoice.run_id IS 'Bill run that produced it.';
COMMENT ON COLUMN billing.invoice.period_start IS 'Billing period start.';
COMMENT ON COLUMN billing.invoice.period_end IS 'Billing period end (exclusive).';
COMMENT ON COLUMN billing.invoice.issue_date IS 'Invoice date.';
COMMENT ON COLUMN billing.invoice.due_date IS 'Payment due date (issue date plus payment terms).';
COMMENT ON COLUMN billing.invoice.currency IS 'ISO 4217 currency of every amount on the invoice.';
COMMENT ON COLUMN billing.invoice.subtotal_minor IS 'Sum of the charge lines.';
COMMENT ON COLUMN billing.invoice.tax_minor IS 'Sum of tax and surcharge lines.';
COMMENT ON COLUMN billing.invoice.total_minor IS 'Amount due: subtotal plus tax.';
COMMENT ON COLUMN billing.invoice.created_at IS 'When it was created.';

CREATE TABLE billing.invoice_line (
    account_id   bigint NOT NULL,
    invoice_id   bigint NOT NULL,
    line_no      integer NOT NULL,
    service_id   bigint NOT NULL,
    code         text NOT NULL REFERENCES catalog.service_code,
    charge_kind  text NOT NULL CONSTRAINT invoice_line_kind_known CHECK (charge_kind IN ('MRC', 'NRC')),
    description  text NOT NULL,
    period_start date,
    period_end   date,
    quantity     integer NOT NULL CONSTRAINT invoice_line_quantity CHECK (quantity > 0),
    unit_minor   bigint NOT NULL,
    amount_minor bigint NOT NULL,
    price_source text NOT NULL CONSTRAINT invoice_line_price_source CHECK (price_source IN ('contract', 'list')),
    PRIMARY KEY (account_id, invoice_id, line_no),
    FOREIGN KEY (account_id, invoice_id) REFERENCES billing.invoice,
    CONSTRAINT invoice_line_mrc_period CHECK (
        (charge_kind = 'MRC' AND period_start IS NOT NULL AND period_end > period_start)
        OR (charge_kind = 'NRC' AND period_start IS NULL AND period_end IS NULL))
);
-- A one-time charge is billed once per service and code; a recurring one once
-- per service, code and period start. These make double billing impossible
-- whatever the C code does.
CREATE UNIQUE INDEX invoice_line_nrc_once ON billing.invoice_line (account_id, service_id, code)
    WHERE charge_kind = 'NRC';
CREATE UNIQUE INDEX invoice_line_mrc_once ON billing.invoice_line (account_id, service_id, code, period_start)
    WHERE charge_kind = 'MRC';
COMMENT ON TABLE billing.invoice_line IS 'A charge on an invoice: a one-time charge, or a recurring charge for a (possibly partial) period.';
COMMENT ON COLUMN billing.invoice_line.account_id IS 'Billing account.';
COMMENT ON COLUMN billing.invoice_line.invoice_id IS 'Invoice.';
COMMENT ON COLUMN billing.invoice_line.line_no IS 'Line number on the invoice, from 1.';
COMMENT ON COLUMN billing.invoice_line.service_id IS 'Service charged.';
COMMENT ON COLUMN billing.invoice_line.code IS 'Service code charged.';
COMMENT ON COLUMN billing.invoice_line.charge_kind IS 'MRC or NRC.';
COMMENT ON COLUMN billing.invoice_line.description IS 'Text printed on the invoice.';
COMMENT ON COLUMN billing.invoice_line.period_start IS 'For MRC: first day charged.';
COMMENT ON COLUMN billing.invoice_line.period_end IS 'For MRC: first day not charged.';
COMMENT ON COLUMN billing.invoice_line.quantity IS 'Units.';
COMMENT ON COLUMN billing.invoice_line.unit_minor IS 'Monthly (MRC) or one-time (NRC) price of one unit.';
COMMENT ON COLUMN billing.invoice_line.amount_minor IS 'Line amount after proration, rounded half-even once.';
COMMENT ON COLUMN billing.invoice_line.price_source IS 'Where the unit price came from: contract or list.';
