-- trunkline 0003: customers, billing accounts and the address master.

CREATE SCHEMA accounts;
COMMENT ON SCHEMA accounts IS 'Customers, billing accounts, addresses.';

CREATE TABLE accounts.customer (
    customer_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_ref text NOT NULL CONSTRAINT customer_ref_key UNIQUE
        CONSTRAINT customer_ref_format CHECK (customer_ref ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    name         text NOT NULL CONSTRAINT customer_name_present CHECK (name <> ''),
    kind         text NOT NULL CONSTRAINT customer_kind_known CHECK (kind IN ('enterprise', 'wholesale')),
    created_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE accounts.customer IS 'A customer: an enterprise or a carrier buying wholesale.';
COMMENT ON COLUMN accounts.customer.customer_id IS 'Surrogate key.';
COMMENT ON COLUMN accounts.customer.customer_ref IS 'Stable external reference, e.g. from the CRM; the idempotency key of account loads.';
COMMENT ON COLUMN accounts.customer.name IS 'Legal name.';
COMMENT ON COLUMN accounts.customer.kind IS 'enterprise or wholesale.';
COMMENT ON COLUMN accounts.customer.created_at IS 'When the customer was created.';
COMMENT ON CONSTRAINT customer_ref_key ON accounts.customer IS
    'customer.ref: a customer with this reference already exists';

CREATE TABLE accounts.billing_account (
    account_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_number     text NOT NULL CONSTRAINT billing_account_number_key UNIQUE
        CONSTRAINT billing_account_number_format CHECK (account_number ~ '^[A-Z0-9][A-Z0-9-]{2,31}$'),
    customer_id        bigint NOT NULL REFERENCES accounts.customer,
    name               text NOT NULL CONSTRAINT billing_account_name_present CHECK (name <> ''),
    currency           char(3) NOT NULL CONSTRAINT billing_account_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    bill_cycle_day     smallint NOT NULL CONSTRAINT billing_account_cycle_day CHECK (bill_cycle_day BETWEEN 1 AND 31),
    payment_terms_days smallint NOT NULL CONSTRAINT billing_account_terms CHECK (payment_terms_days BETWEEN 0 AND 365),
    status             text NOT NULL DEFAULT 'active'
        CONSTRAINT billing_account_status_known CHECK (status IN ('active', 'suspended', 'closed')),
    created_at         timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE accounts.billing_account IS 'An account invoices are issued to; every customer-growing table is keyed by its account_id.';
COMMENT ON COLUMN accounts.billing_account.account_id IS 'Surrogate key; the distribution key of customer-growing tables.';
COMMENT ON COLUMN accounts.billing_account.account_number IS 'Account number people quote.';
COMMENT ON COLUMN accounts.billing_account.customer_id IS 'Customer that owns the account.';
COMMENT ON COLUMN accounts.billing_account.name IS 'Name on invoices.';
COMMENT ON COLUMN accounts.billing_account.currency IS 'ISO 4217 currency the account is billed in.';
COMMENT ON COLUMN accounts.billing_account.bill_cycle_day IS 'Day of month billing periods start (29-31 fall back to the last day of short months).';
COMMENT ON COLUMN accounts.billing_account.payment_terms_days IS 'Days from invoice date to due date (net N).';
COMMENT ON COLUMN accounts.billing_account.status IS 'active, suspended or closed.';
COMMENT ON COLUMN accounts.billing_account.created_at IS 'When the account was created.';
COMMENT ON CONSTRAINT billing_account_number_key ON accounts.billing_account IS
    'accountNumber: an account with this number already exists';
COMMENT ON CONSTRAINT billing_account_cycle_day ON accounts.billing_account IS
    'billCycleDay: the bill cycle day must be between 1 and 31';

CREATE TABLE accounts.address (
    address_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    line1          text NOT NULL CONSTRAINT address_line1_present CHECK (line1 <> ''),
    line2          text,
    city           text NOT NULL CONSTRAINT address_city_present CHECK (city <> ''),
    region         text NOT NULL,
    postcode       text NOT NULL CONSTRAINT address_postcode_present CHECK (postcode <> ''),
    country        char(2) NOT NULL CONSTRAINT address_country_format CHECK (country ~ '^[A-Z]{2}$'),
    normalized_key text NOT NULL CONSTRAINT address_normalized_key UNIQUE,
    created_at     timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE accounts.address IS 'Address master: every service address, normalized, once.';
COMMENT ON COLUMN accounts.address.address_id IS 'Surrogate key.';
COMMENT ON COLUMN accounts.address.line1 IS 'Street line.';
COMMENT ON COLUMN accounts.address.line2 IS 'Suite, floor, room.';
COMMENT ON COLUMN accounts.address.city IS 'City.';
COMMENT ON COLUMN accounts.address.region IS 'State or province code.';
COMMENT ON COLUMN accounts.address.postcode IS 'Postal code.';
COMMENT ON COLUMN accounts.address.country IS 'ISO 3166 alpha-2 country.';
COMMENT ON COLUMN accounts.address.normalized_key IS 'Upper-cased, space-collapsed key used to find duplicates.';
COMMENT ON COLUMN accounts.address.created_at IS 'When the address entered the master.';

CREATE TABLE accounts.account_site (
    account_id bigint NOT NULL REFERENCES accounts.billing_account,
    address_id bigint NOT NULL REFERENCES accounts.address,
    site_name  text NOT NULL CONSTRAINT account_site_name_present CHECK (site_name <> ''),
    PRIMARY KEY (account_id, address_id)
);
COMMENT ON TABLE accounts.account_site IS 'Service addresses (sites) of an account.';
COMMENT ON COLUMN accounts.account_site.account_id IS 'Billing account.';
COMMENT ON COLUMN accounts.account_site.address_id IS 'Address of the site.';
COMMENT ON COLUMN accounts.account_site.site_name IS 'What the customer calls the site.';
