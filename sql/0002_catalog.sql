-- trunkline 0002: product catalog. Small shared tables (Citus reference
-- tables later): products, service codes, effective-dated list prices.

CREATE SCHEMA catalog;
COMMENT ON SCHEMA catalog IS 'Products, service codes and list prices.';

CREATE TABLE catalog.product (
    product_id text PRIMARY KEY
        CONSTRAINT product_id_format CHECK (product_id ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
    name       text NOT NULL CONSTRAINT product_name_present CHECK (name <> ''),
    family     text NOT NULL CONSTRAINT product_family_known CHECK (family IN
               ('private_line', 'dia', 'sip_trunk', 'isdn_pri', 'eodocsis', 'managed')),
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE catalog.product IS 'A sellable product (product offering): a bundle of service codes.';
COMMENT ON COLUMN catalog.product.product_id IS 'Product offering id used on orders, e.g. DIA.';
COMMENT ON COLUMN catalog.product.name IS 'Name shown to people.';
COMMENT ON COLUMN catalog.product.family IS 'Advanced-service family the product belongs to.';
COMMENT ON COLUMN catalog.product.created_at IS 'When the product was loaded.';
COMMENT ON CONSTRAINT product_id_format ON catalog.product IS
    'id: a product id is 1-32 upper-case letters, digits, "-" or "_"';
COMMENT ON CONSTRAINT product_family_known ON catalog.product IS
    'family: family must be one of private_line, dia, sip_trunk, isdn_pri, eodocsis, managed';

CREATE TABLE catalog.service_code (
    code        text PRIMARY KEY
        CONSTRAINT service_code_format CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{0,31}$'),
    name        text NOT NULL CONSTRAINT service_code_name_present CHECK (name <> ''),
    charge_kind text NOT NULL CONSTRAINT service_code_kind_known CHECK (charge_kind IN ('MRC', 'NRC')),
    nrc_category text CONSTRAINT service_code_nrc_category CHECK (
        (charge_kind = 'NRC' AND nrc_category IN ('installation', 'construction', 'expedite', 'equipment'))
        OR (charge_kind = 'MRC' AND nrc_category IS NULL))
);
COMMENT ON TABLE catalog.service_code IS 'One billable element (USOC style), recurring or one-time.';
COMMENT ON COLUMN catalog.service_code.code IS 'The service code, e.g. DIA500 or DIA-INST.';
COMMENT ON COLUMN catalog.service_code.name IS 'Description printed on invoices.';
COMMENT ON COLUMN catalog.service_code.charge_kind IS 'MRC (monthly recurring) or NRC (one-time).';
COMMENT ON COLUMN catalog.service_code.nrc_category IS 'For NRCs: installation, construction, expedite or equipment.';
COMMENT ON CONSTRAINT service_code_nrc_category ON catalog.service_code IS
    'nrcCategory: an NRC needs a category (installation, construction, expedite, equipment) and an MRC has none';

CREATE TABLE catalog.product_component (
    product_id text NOT NULL REFERENCES catalog.product,
    code       text NOT NULL REFERENCES catalog.service_code,
    PRIMARY KEY (product_id, code)
);
COMMENT ON TABLE catalog.product_component IS 'The service codes a product is sold as.';
COMMENT ON COLUMN catalog.product_component.product_id IS 'The product.';
COMMENT ON COLUMN catalog.product_component.code IS 'A service code the product bills.';

CREATE TABLE catalog.list_price (
    code           text NOT NULL REFERENCES catalog.service_code,
    currency       char(3) NOT NULL CONSTRAINT list_price_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    effective_from date NOT NULL,
    amount_minor   bigint NOT NULL CONSTRAINT list_price_not_negative CHECK (amount_minor >= 0),
    PRIMARY KEY (code, currency, effective_from)
);
COMMENT ON TABLE catalog.list_price IS 'List prices, effective-dated: a price holds from effective_from until the next one. History is never rewritten.';
COMMENT ON COLUMN catalog.list_price.code IS 'Service code priced.';
COMMENT ON COLUMN catalog.list_price.currency IS 'ISO 4217 currency of the amount.';
COMMENT ON COLUMN catalog.list_price.effective_from IS 'First day the price applies.';
COMMENT ON COLUMN catalog.list_price.amount_minor IS 'Price in minor units of currency (monthly for MRC).';
COMMENT ON CONSTRAINT list_price_not_negative ON catalog.list_price IS
    'amount: a list price cannot be negative';
