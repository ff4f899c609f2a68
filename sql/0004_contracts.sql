-- trunkline 0004: agreements and contracted rates.

CREATE SCHEMA contracts;
COMMENT ON SCHEMA contracts IS 'Agreements, service schedules and contracted rates.';

CREATE TABLE contracts.agreement (
    account_id           bigint NOT NULL REFERENCES accounts.billing_account,
    agreement_id         bigint GENERATED ALWAYS AS IDENTITY,
    agreement_ref        text NOT NULL
        CONSTRAINT agreement_ref_format CHECK (agreement_ref ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    start_date           date NOT NULL,
    term_months          integer NOT NULL CONSTRAINT agreement_term CHECK (term_months BETWEEN 1 AND 240),
    end_date             date GENERATED ALWAYS AS
                         ((start_date + make_interval(months => term_months))::date) STORED,
    auto_acceptance_days integer NOT NULL DEFAULT 5
        CONSTRAINT agreement_auto_acceptance CHECK (auto_acceptance_days BETWEEN 0 AND 90),
    currency             char(3) NOT NULL CONSTRAINT agreement_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, agreement_id),
    CONSTRAINT agreement_ref_key UNIQUE (account_id, agreement_ref)
);
COMMENT ON TABLE contracts.agreement IS 'A signed agreement (service schedule) for one billing account.';
COMMENT ON COLUMN contracts.agreement.account_id IS 'Billing account the agreement prices.';
COMMENT ON COLUMN contracts.agreement.agreement_id IS 'Surrogate key within the account.';
COMMENT ON COLUMN contracts.agreement.agreement_ref IS 'Contract reference as signed, unique per account.';
COMMENT ON COLUMN contracts.agreement.start_date IS 'First day of the term.';
COMMENT ON COLUMN contracts.agreement.term_months IS 'Term length in months.';
COMMENT ON COLUMN contracts.agreement.end_date IS 'First day after the term (start plus term, half-open).';
COMMENT ON COLUMN contracts.agreement.auto_acceptance_days IS 'Days after install after which an unaccepted service counts as accepted.';
COMMENT ON COLUMN contracts.agreement.currency IS 'Currency of the contracted rates.';
COMMENT ON COLUMN contracts.agreement.created_at IS 'When the agreement was entered.';
COMMENT ON CONSTRAINT agreement_ref_key ON contracts.agreement IS
    'ref: this account already has an agreement with this reference';
COMMENT ON CONSTRAINT agreement_term ON contracts.agreement IS
    'termMonths: the term must be between 1 and 240 months';

CREATE TABLE contracts.rate (
    account_id   bigint NOT NULL,
    agreement_id bigint NOT NULL,
    code         text NOT NULL REFERENCES catalog.service_code,
    amount_minor bigint NOT NULL CONSTRAINT rate_not_negative CHECK (amount_minor >= 0),
    PRIMARY KEY (account_id, agreement_id, code),
    FOREIGN KEY (account_id, agreement_id) REFERENCES contracts.agreement
);
COMMENT ON TABLE contracts.rate IS 'Contracted price of a service code under an agreement, overriding the list price.';
COMMENT ON COLUMN contracts.rate.account_id IS 'Billing account.';
COMMENT ON COLUMN contracts.rate.agreement_id IS 'Agreement the rate belongs to.';
COMMENT ON COLUMN contracts.rate.code IS 'Service code priced.';
COMMENT ON COLUMN contracts.rate.amount_minor IS 'Rate in minor units of the agreement currency (monthly for MRC).';
COMMENT ON CONSTRAINT rate_not_negative ON contracts.rate IS
    'rates.amount: a contracted rate cannot be negative';
