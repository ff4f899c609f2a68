-- trunkline 0050: the general-ledger export. The GL accounts journal
-- lines post to, and every journal exported (a bill run's, a day of
-- cash's), each exactly once, with the CSV text kept so that printing it
-- again gives the same bytes. Small shared tables (not per account).

CREATE TABLE collections.gl_account (
    purpose        text NOT NULL
        CONSTRAINT gl_account_purpose_known CHECK (purpose IN
            ('receivable', 'revenue', 'tax_payable', 'cash', 'unapplied_cash')),
    key            text NOT NULL DEFAULT '*'
        CONSTRAINT gl_account_key_format CHECK (key = '*' OR key ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
    account_number text NOT NULL
        CONSTRAINT gl_account_number_format CHECK (account_number ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,23}$'),
    name           text NOT NULL
        CONSTRAINT gl_account_name_present CHECK (name <> '' AND length(name) <= 120),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (purpose, key),
    CONSTRAINT gl_account_key_applies CHECK (key = '*' OR purpose IN ('revenue', 'tax_payable'))
);
COMMENT ON TABLE collections.gl_account IS
    'GL account each journal line posts to, by purpose and key (a product for revenue, a tax code for tax payable); key * is the purpose''s default. Loaded by `trunkline bill gl-accounts load`.';
COMMENT ON COLUMN collections.gl_account.purpose IS 'receivable, revenue, tax_payable, cash or unapplied_cash.';
COMMENT ON COLUMN collections.gl_account.key IS 'Product id (revenue) or tax code (tax_payable) the account is for; * for the default.';
COMMENT ON COLUMN collections.gl_account.account_number IS 'Account number in the finance system''s chart of accounts.';
COMMENT ON COLUMN collections.gl_account.name IS 'Account name, printed on journal lines.';
COMMENT ON COLUMN collections.gl_account.updated_at IS 'When the mapping was loaded with these values.';
COMMENT ON CONSTRAINT gl_account_purpose_known ON collections.gl_account IS
    'purpose: must be receivable, revenue, tax_payable, cash or unapplied_cash';
COMMENT ON CONSTRAINT gl_account_key_format ON collections.gl_account IS
    'product: a product id or tax code is up to 32 capital letters, digits, _ and -';
COMMENT ON CONSTRAINT gl_account_number_format ON collections.gl_account IS
    'account: a GL account number is 1 to 24 letters, digits, dots, _ and -';
COMMENT ON CONSTRAINT gl_account_name_present ON collections.gl_account IS
    'name: an account name of 1 to 120 characters is required';
COMMENT ON CONSTRAINT gl_account_key_applies ON collections.gl_account IS
    'product: only revenue (by product) and tax_payable (by tax code) accounts have a key';

CREATE TABLE collections.gl_export (
    export_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text NOT NULL
        CONSTRAINT gl_export_kind_known CHECK (kind IN ('bill_run', 'cash_day')),
    source_key     text NOT NULL,
    journal        text NOT NULL,
    exported_at    timestamptz NOT NULL DEFAULT now(),
    exported_by    text NOT NULL
        CONSTRAINT gl_export_by_present CHECK (exported_by <> ''),
    content_sha256 text NOT NULL,
    line_count     integer NOT NULL
        CONSTRAINT gl_export_lines_positive CHECK (line_count >= 2),
    csv            text NOT NULL,
    CONSTRAINT gl_export_once UNIQUE (kind, source_key),
    CONSTRAINT gl_export_source_format CHECK (
        (kind = 'bill_run' AND source_key ~ '^[1-9][0-9]{0,18}$')
        OR (kind = 'cash_day' AND source_key ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')),
    CONSTRAINT gl_export_hash_matches CHECK (
        content_sha256 = encode(sha256(convert_to(csv, 'UTF8')), 'hex'))
);
COMMENT ON TABLE collections.gl_export IS
    'A journal exported to the finance system: one per bill run and per day of cash, never twice; the CSV is kept so a re-print is identical.';
COMMENT ON COLUMN collections.gl_export.export_id IS 'Surrogate key, in order of export.';
COMMENT ON COLUMN collections.gl_export.kind IS 'bill_run (invoices of an approved run) or cash_day (payments received and applied on a day).';
COMMENT ON COLUMN collections.gl_export.source_key IS 'The run id, or the day YYYY-MM-DD.';
COMMENT ON COLUMN collections.gl_export.journal IS 'Journal name on every line: BR-<run id> or CASH-<day>.';
COMMENT ON COLUMN collections.gl_export.exported_at IS 'When it was exported.';
COMMENT ON COLUMN collections.gl_export.exported_by IS 'Who exported it.';
COMMENT ON COLUMN collections.gl_export.content_sha256 IS 'SHA-256 of the CSV text (hex).';
COMMENT ON COLUMN collections.gl_export.line_count IS 'Journal lines (CSV rows after the header).';
COMMENT ON COLUMN collections.gl_export.csv IS 'The CSV exactly as exported.';
COMMENT ON CONSTRAINT gl_export_once ON collections.gl_export IS
    'source: this bill run or day of cash was exported before';
COMMENT ON CONSTRAINT gl_export_source_format ON collections.gl_export IS
    'source: a bill run is named by its id, a day of cash by YYYY-MM-DD';
COMMENT ON CONSTRAINT gl_export_hash_matches ON collections.gl_export IS
    'csv: the content hash must be the SHA-256 of the CSV text';
COMMENT ON CONSTRAINT gl_export_lines_positive ON collections.gl_export IS
    'lines: a journal has at least a debit and a credit line';

CREATE TABLE collections.gl_export_total (
    export_id    bigint NOT NULL REFERENCES collections.gl_export,
    currency     char(3) NOT NULL
        CONSTRAINT gl_export_total_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    debit_minor  bigint NOT NULL
        CONSTRAINT gl_export_total_debit_positive CHECK (debit_minor > 0),
    credit_minor bigint NOT NULL,
    PRIMARY KEY (export_id, currency),
    CONSTRAINT gl_export_total_balanced CHECK (debit_minor = credit_minor)
);
COMMENT ON TABLE collections.gl_export_total IS
    'Totals of an exported journal per currency; a journal always balances, which the database checks too.';
COMMENT ON COLUMN collections.gl_export_total.export_id IS 'Export.';
COMMENT ON COLUMN collections.gl_export_total.currency IS 'ISO 4217 currency of the lines totalled.';
COMMENT ON COLUMN collections.gl_export_total.debit_minor IS 'Sum of the debits, minor units.';
COMMENT ON COLUMN collections.gl_export_total.credit_minor IS 'Sum of the credits, minor units.';
COMMENT ON CONSTRAINT gl_export_total_balanced ON collections.gl_export_total IS
    'totals: a journal''s debits must equal its credits in every currency';
COMMENT ON CONSTRAINT gl_export_total_debit_positive ON collections.gl_export_total IS
    'totals: a journal moves a positive amount';
