-- trunkline 0030: what the invoice documents (JSON, UBL, CSV, HTML) need
-- and the bill run did not keep yet: the purchase order an invoice quotes,
-- its tax and surcharge lines, and the biller (our own legal identity and
-- remittance instructions).

-- ---- the purchase order quoted ----

ALTER TABLE billing.invoice
    ADD COLUMN po_number text
        CONSTRAINT invoice_po_number_present CHECK (po_number <> '');
COMMENT ON COLUMN billing.invoice.po_number IS
    'Customer purchase order quoted on the invoice: the account''s PO in force on the issue date when the run created it; NULL when it had none.';
COMMENT ON CONSTRAINT invoice_po_number_present ON billing.invoice IS
    'poNumber: a purchase-order number must not be empty';

-- ---- tax and surcharge lines ----

CREATE TABLE billing.invoice_tax_line (
    account_id     bigint NOT NULL,
    invoice_id     bigint NOT NULL,
    line_no        integer NOT NULL
        CONSTRAINT invoice_tax_line_no_positive CHECK (line_no > 0),
    jurisdiction   text NOT NULL
        CONSTRAINT invoice_tax_line_jurisdiction_format
        CHECK (jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,12}){0,2}$'),
    tax_code       text NOT NULL
        CONSTRAINT invoice_tax_line_code_format
        CHECK (tax_code ~ '^[A-Z0-9][A-Z0-9_-]{0,23}$'),
    name           text NOT NULL
        CONSTRAINT invoice_tax_line_name_present
        CHECK (name <> '' AND length(name) <= 90),
    kind           text NOT NULL
        CONSTRAINT invoice_tax_line_kind_known CHECK (kind IN ('tax', 'surcharge')),
    base_minor     bigint NOT NULL,
    rate_ppm       bigint
        CONSTRAINT invoice_tax_line_rate_range CHECK (rate_ppm BETWEEN 0 AND 1000000),
    per_unit_minor bigint
        CONSTRAINT invoice_tax_line_per_unit_nonneg CHECK (per_unit_minor >= 0),
    amount_minor   bigint NOT NULL,
    PRIMARY KEY (account_id, invoice_id, line_no),
    FOREIGN KEY (account_id, invoice_id) REFERENCES billing.invoice,
    CONSTRAINT invoice_tax_line_one_basis
        CHECK ((rate_ppm IS NULL) <> (per_unit_minor IS NULL))
);
COMMENT ON TABLE billing.invoice_tax_line IS
    'A tax or regulatory surcharge on an invoice, one per jurisdiction and tax code; the invoice''s tax_minor is their sum. Written by the bill run in the invoice''s transaction.';
COMMENT ON COLUMN billing.invoice_tax_line.account_id IS 'Billing account (first in the key, for distribution by account).';
COMMENT ON COLUMN billing.invoice_tax_line.invoice_id IS 'Invoice.';
COMMENT ON COLUMN billing.invoice_tax_line.line_no IS 'Order of the tax line on the invoice, from 1.';
COMMENT ON COLUMN billing.invoice_tax_line.jurisdiction IS 'Taxing jurisdiction, as in catalog.tax_rule: US, US-ME.';
COMMENT ON COLUMN billing.invoice_tax_line.tax_code IS 'Stable code of the tax, as in catalog.tax_rule (US-FUSF, ME-SALES, E911).';
COMMENT ON COLUMN billing.invoice_tax_line.name IS 'Name printed on the invoice.';
COMMENT ON COLUMN billing.invoice_tax_line.kind IS 'tax, or surcharge (regulatory recovery fee).';
COMMENT ON COLUMN billing.invoice_tax_line.base_minor IS 'Taxable base in minor units of the invoice currency: the charges the tax applies to.';
COMMENT ON COLUMN billing.invoice_tax_line.rate_ppm IS 'For a percentage: the rate in parts per million (6.5% = 65000); NULL for a per-unit amount.';
COMMENT ON COLUMN billing.invoice_tax_line.per_unit_minor IS 'For a fixed amount per unit: the amount per unit in minor units; NULL for a percentage.';
COMMENT ON COLUMN billing.invoice_tax_line.amount_minor IS 'Tax amount in minor units of the invoice currency, rounded half-even once.';
COMMENT ON CONSTRAINT invoice_tax_line_no_positive ON billing.invoice_tax_line IS
    'taxItem.lineNo: tax line numbers start at 1';
COMMENT ON CONSTRAINT invoice_tax_line_jurisdiction_format ON billing.invoice_tax_line IS
    'taxItem.jurisdiction: a jurisdiction is a country code with up to two subdivisions, e.g. US-ME';
COMMENT ON CONSTRAINT invoice_tax_line_code_format ON billing.invoice_tax_line IS
    'taxItem.taxCode: a tax code is up to 24 capital letters, digits, _ and -';
COMMENT ON CONSTRAINT invoice_tax_line_name_present ON billing.invoice_tax_line IS
    'taxItem.name: a tax name of 1 to 90 characters is required';
COMMENT ON CONSTRAINT invoice_tax_line_kind_known ON billing.invoice_tax_line IS
    'taxItem.kind: must be tax or surcharge';
COMMENT ON CONSTRAINT invoice_tax_line_rate_range ON billing.invoice_tax_line IS
    'taxItem.ratePpm: a rate is 0 to 1000000 parts per million';
COMMENT ON CONSTRAINT invoice_tax_line_per_unit_nonneg ON billing.invoice_tax_line IS
    'taxItem.perUnit: an amount per unit must not be negative';
COMMENT ON CONSTRAINT invoice_tax_line_one_basis ON billing.invoice_tax_line IS
    'taxItem: a tax line has either a rate or an amount per unit, not both';

-- ---- the biller ----

CREATE TABLE billing.biller (
    biller_id     smallint PRIMARY KEY DEFAULT 1
        CONSTRAINT biller_single CHECK (biller_id = 1),
    legal_name    text NOT NULL
        CONSTRAINT biller_legal_name_present CHECK (legal_name <> '' AND length(legal_name) <= 160),
    address_line1 text NOT NULL
        CONSTRAINT biller_line1_present CHECK (address_line1 <> '' AND length(address_line1) <= 120),
    address_line2 text
        CONSTRAINT biller_line2_present CHECK (address_line2 <> '' AND length(address_line2) <= 120),
    city          text NOT NULL
        CONSTRAINT biller_city_present CHECK (city <> '' AND length(city) <= 80),
    region        text NOT NULL
        CONSTRAINT biller_region_present CHECK (region <> '' AND length(region) <= 40),
    postcode      text NOT NULL
        CONSTRAINT biller_postcode_present CHECK (postcode <> '' AND length(postcode) <= 16),
    country       char(2) NOT NULL
        CONSTRAINT biller_country_format CHECK (country ~ '^[A-Z]{2}$'),
    tax_id        text NOT NULL
        CONSTRAINT biller_tax_id_present CHECK (tax_id <> '' AND length(tax_id) <= 40),
    email         text NOT NULL
        CONSTRAINT biller_email_format CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' AND length(email) <= 120),
    phone         text
        CONSTRAINT biller_phone_present CHECK (phone <> '' AND length(phone) <= 32),
    bank_name     text NOT NULL
        CONSTRAINT biller_bank_name_present CHECK (bank_name <> '' AND length(bank_name) <= 120),
    account_kind  text NOT NULL
        CONSTRAINT biller_account_kind_known CHECK (account_kind IN ('account', 'iban')),
    account_id    text NOT NULL
        CONSTRAINT biller_account_id_present CHECK (account_id <> '' AND length(account_id) <= 34),
    routing_kind  text NOT NULL
        CONSTRAINT biller_routing_kind_known CHECK (routing_kind IN ('aba', 'bic')),
    routing_id    text NOT NULL
        CONSTRAINT biller_routing_id_present CHECK (routing_id <> '' AND length(routing_id) <= 11),
    payment_terms text NOT NULL
        CONSTRAINT biller_payment_terms_present CHECK (payment_terms <> '' AND length(payment_terms) <= 240),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE billing.biller IS
    'The one biller: the operator''s legal identity printed on every invoice, and where customers pay. Loaded by `trunkline bill biller load`; a small reference table.';
COMMENT ON COLUMN billing.biller.biller_id IS 'Always 1: there is exactly one biller.';
COMMENT ON COLUMN billing.biller.legal_name IS 'Legal name printed as the seller.';
COMMENT ON COLUMN billing.biller.address_line1 IS 'First address line.';
COMMENT ON COLUMN billing.biller.address_line2 IS 'Second address line; NULL when none.';
COMMENT ON COLUMN billing.biller.city IS 'City.';
COMMENT ON COLUMN billing.biller.region IS 'State or province code.';
COMMENT ON COLUMN billing.biller.postcode IS 'Postal code.';
COMMENT ON COLUMN billing.biller.country IS 'ISO 3166-1 alpha-2 country code.';
COMMENT ON COLUMN billing.biller.tax_id IS 'Tax identifier (US EIN, VAT number).';
COMMENT ON COLUMN billing.biller.email IS 'Billing inquiries e-mail address.';
COMMENT ON COLUMN billing.biller.phone IS 'Billing inquiries telephone; NULL when none.';
COMMENT ON COLUMN billing.biller.bank_name IS 'Bank that receives payments.';
COMMENT ON COLUMN billing.biller.account_kind IS 'account (a domestic account number) or iban.';
COMMENT ON COLUMN billing.biller.account_id IS 'The account number or IBAN payments go to.';
COMMENT ON COLUMN billing.biller.routing_kind IS 'aba (US routing number) or bic (SWIFT code).';
COMMENT ON COLUMN billing.biller.routing_id IS 'The routing number or BIC of the bank.';
COMMENT ON COLUMN billing.biller.payment_terms IS 'Payment terms text printed on invoices.';
COMMENT ON COLUMN billing.biller.updated_at IS 'When the biller was last loaded with other values.';
COMMENT ON CONSTRAINT biller_single ON billing.biller IS 'biller: there is only one biller';
COMMENT ON CONSTRAINT biller_legal_name_present ON billing.biller IS 'legalName: a legal name of 1 to 160 characters is required';
COMMENT ON CONSTRAINT biller_line1_present ON billing.biller IS 'address.line1: an address line of 1 to 120 characters is required';
COMMENT ON CONSTRAINT biller_line2_present ON billing.biller IS 'address.line2: must be 1 to 120 characters when given';
COMMENT ON CONSTRAINT biller_city_present ON billing.biller IS 'address.city: a city of 1 to 80 characters is required';
COMMENT ON CONSTRAINT biller_region_present ON billing.biller IS 'address.region: a region of 1 to 40 characters is required';
COMMENT ON CONSTRAINT biller_postcode_present ON billing.biller IS 'address.postcode: a postcode of 1 to 16 characters is required';
COMMENT ON CONSTRAINT biller_country_format ON billing.biller IS 'address.country: must be an ISO 3166 alpha-2 code such as US';
COMMENT ON CONSTRAINT biller_tax_id_present ON billing.biller IS 'taxId: a tax id of 1 to 40 characters is required';
COMMENT ON CONSTRAINT biller_email_format ON billing.biller IS 'email: must be an e-mail address';
COMMENT ON CONSTRAINT biller_phone_present ON billing.biller IS 'phone: must be 1 to 32 characters when given';
COMMENT ON CONSTRAINT biller_bank_name_present ON billing.biller IS 'remittance.bankName: a bank name of 1 to 120 characters is required';
COMMENT ON CONSTRAINT biller_account_kind_known ON billing.biller IS 'remittance: give accountNumber or iban';
COMMENT ON CONSTRAINT biller_account_id_present ON billing.biller IS 'remittance.accountNumber: an account number or IBAN is required';
COMMENT ON CONSTRAINT biller_routing_kind_known ON billing.biller IS 'remittance: give routingNumber or bic';
COMMENT ON CONSTRAINT biller_routing_id_present ON billing.biller IS 'remittance.routingNumber: a routing number or BIC is required';
COMMENT ON CONSTRAINT biller_payment_terms_present ON billing.biller IS 'remittance.paymentTerms: payment terms of 1 to 240 characters are required';
