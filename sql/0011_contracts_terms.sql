-- trunkline 0011: agreement terms (renewal, notice, minimum commitment,
-- early-termination fee, escalator), renewals that extend the term,
-- amendments with history, rate changes, and terminations with their
-- computed ETF.

ALTER TABLE contracts.agreement
    ADD COLUMN renewal_rule text NOT NULL DEFAULT 'none'
        CONSTRAINT agreement_renewal_rule CHECK (renewal_rule IN ('none', 'evergreen', 'renew_n')),
    ADD COLUMN renewal_months integer
        CONSTRAINT agreement_renewal_months CHECK (
            (renewal_rule = 'renew_n' AND renewal_months BETWEEN 1 AND 120)
            OR (renewal_rule <> 'renew_n' AND renewal_months IS NULL)),
    ADD COLUMN notice_days integer NOT NULL DEFAULT 0
        CONSTRAINT agreement_notice_days CHECK (notice_days BETWEEN 0 AND 730),
    ADD COLUMN minimum_commitment_minor bigint NOT NULL DEFAULT 0
        CONSTRAINT agreement_minimum_commitment CHECK (minimum_commitment_minor >= 0),
    ADD COLUMN etf_rule text NOT NULL DEFAULT 'none'
        CONSTRAINT agreement_etf_rule CHECK (etf_rule IN ('none', 'percent', 'fixed')),
    ADD COLUMN etf_percent_ppm bigint
        CONSTRAINT agreement_etf_percent CHECK (
            (etf_rule = 'percent' AND etf_percent_ppm BETWEEN 0 AND 1000000)
            OR (etf_rule <> 'percent' AND etf_percent_ppm IS NULL)),
    ADD COLUMN etf_fixed_minor bigint
        CONSTRAINT agreement_etf_fixed CHECK (
            (etf_rule = 'fixed' AND etf_fixed_minor >= 0)
            OR (etf_rule <> 'fixed' AND etf_fixed_minor IS NULL)),
    ADD COLUMN escalator_ppm bigint NOT NULL DEFAULT 0
        CONSTRAINT agreement_escalator CHECK (escalator_ppm BETWEEN 0 AND 1000000),
    ADD COLUMN renewed_months integer NOT NULL DEFAULT 0
        CONSTRAINT agreement_renewed_months CHECK (renewed_months BETWEEN 0 AND 12000),
    ADD COLUMN current_end_date date GENERATED ALWAYS AS
        ((start_date + make_interval(months => term_months + renewed_months))::date) STORED;

COMMENT ON COLUMN contracts.agreement.renewal_rule IS
    'What happens at the end of the term: none (expires), evergreen (renews month to month), renew_n (renews for renewal_months).';
COMMENT ON COLUMN contracts.agreement.renewal_months IS
    'Months each renewal adds under renew_n; NULL for the other rules.';
COMMENT ON COLUMN contracts.agreement.notice_days IS
    'Days before the current end by which notice of non-renewal must be given.';
COMMENT ON COLUMN contracts.agreement.minimum_commitment_minor IS
    'Minimum monthly revenue commitment in minor units of the agreement currency (0: none).';
COMMENT ON COLUMN contracts.agreement.etf_rule IS
    'Early-termination fee rule: none, percent (of the remaining MRC) or fixed.';
COMMENT ON COLUMN contracts.agreement.etf_percent_ppm IS
    'ETF as parts per million of the remaining MRC (50% is 500000) under the percent rule.';
COMMENT ON COLUMN contracts.agreement.etf_fixed_minor IS
    'ETF in minor units of the agreement currency under the fixed rule.';
COMMENT ON COLUMN contracts.agreement.escalator_ppm IS
    'Yearly rate increase in parts per million (3% is 30000), compounded on each anniversary of the start.';
COMMENT ON COLUMN contracts.agreement.renewed_months IS
    'Months added to the original term by auto-renewals so far (see contracts.amendment).';
COMMENT ON COLUMN contracts.agreement.current_end_date IS
    'First day after the current term: start plus term plus renewed months (end_date keeps the original).';
COMMENT ON CONSTRAINT agreement_renewal_rule ON contracts.agreement IS
    'renewal: the renewal rule must be none, evergreen or renew_n';
COMMENT ON CONSTRAINT agreement_renewal_months ON contracts.agreement IS
    'renewalMonths: renew_n needs 1 to 120 renewal months; the other rules take none';
COMMENT ON CONSTRAINT agreement_notice_days ON contracts.agreement IS
    'noticeDays: the notice period must be between 0 and 730 days';
COMMENT ON CONSTRAINT agreement_minimum_commitment ON contracts.agreement IS
    'minimumCommitment: the minimum commitment cannot be negative';
COMMENT ON CONSTRAINT agreement_etf_rule ON contracts.agreement IS
    'etfPercent: the early-termination rule must be none, percent or fixed';
COMMENT ON CONSTRAINT agreement_etf_percent ON contracts.agreement IS
    'etfPercent: a percent ETF needs a percentage from 0 to 100';
COMMENT ON CONSTRAINT agreement_etf_fixed ON contracts.agreement IS
    'etfFixed: a fixed ETF needs an amount that is not negative';
COMMENT ON CONSTRAINT agreement_escalator ON contracts.agreement IS
    'escalatorPercent: the escalator must be between 0 and 100 percent';
COMMENT ON CONSTRAINT agreement_renewed_months ON contracts.agreement IS
    'renewedMonths: renewals cannot add more than 12000 months';

CREATE TABLE contracts.amendment (
    account_id      bigint NOT NULL,
    agreement_id    bigint NOT NULL,
    amendment_id    bigint GENERATED ALWAYS AS IDENTITY,
    kind            text NOT NULL
        CONSTRAINT amendment_kind CHECK (kind IN ('renewal', 'rate_change', 'termination')),
    effective_date  date NOT NULL,
    actor           text NOT NULL CONSTRAINT amendment_actor_present CHECK (actor <> ''),
    before          jsonb,
    after           jsonb NOT NULL,
    idempotency_key text NOT NULL
        CONSTRAINT amendment_key_format CHECK (idempotency_key ~ '^[a-z_]+:[0-9A-Za-z_.:-]{1,80}$'),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, amendment_id),
    FOREIGN KEY (account_id, agreement_id) REFERENCES contracts.agreement,
    CONSTRAINT amendment_idempotency UNIQUE (account_id, agreement_id, idempotency_key)
);
COMMENT ON TABLE contracts.amendment IS 'Every change to an agreement after it was signed (renewal, rate change, termination), in order, with the values before and after.';
COMMENT ON COLUMN contracts.amendment.account_id IS 'Billing account of the agreement.';
COMMENT ON COLUMN contracts.amendment.agreement_id IS 'Agreement amended.';
COMMENT ON COLUMN contracts.amendment.amendment_id IS 'Surrogate key, in order of recording.';
COMMENT ON COLUMN contracts.amendment.kind IS 'renewal, rate_change or termination.';
COMMENT ON COLUMN contracts.amendment.effective_date IS 'Date the change takes effect (for a renewal: the old end date).';
COMMENT ON COLUMN contracts.amendment.actor IS 'The person or job that made the change.';
COMMENT ON COLUMN contracts.amendment.before IS 'Terms before the change (NULL when not applicable).';
COMMENT ON COLUMN contracts.amendment.after IS 'Terms after the change.';
COMMENT ON COLUMN contracts.amendment.idempotency_key IS 'Makes a repeated run a no-op, e.g. renewal:2029-10-01 for the renewal at that end date.';
COMMENT ON COLUMN contracts.amendment.recorded_at IS 'When the amendment was recorded (UTC).';
COMMENT ON CONSTRAINT amendment_idempotency ON contracts.amendment IS
    'idempotencyKey: this amendment was already recorded';
COMMENT ON CONSTRAINT amendment_kind ON contracts.amendment IS
    'kind: an amendment is a renewal, a rate_change or a termination';

CREATE TABLE contracts.rate_change (
    account_id     bigint NOT NULL,
    agreement_id   bigint NOT NULL,
    code           text NOT NULL,
    effective_date date NOT NULL,
    amount_minor   bigint NOT NULL CONSTRAINT rate_change_not_negative CHECK (amount_minor >= 0),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, agreement_id, code, effective_date),
    FOREIGN KEY (account_id, agreement_id, code) REFERENCES contracts.rate
);
COMMENT ON TABLE contracts.rate_change IS 'A contracted rate changed by amendment from a date on; the signed rate in contracts.rate applies before the first change.';
COMMENT ON COLUMN contracts.rate_change.account_id IS 'Billing account of the agreement.';
COMMENT ON COLUMN contracts.rate_change.agreement_id IS 'Agreement whose rate changes.';
COMMENT ON COLUMN contracts.rate_change.code IS 'Service code whose rate changes (it must have a signed rate).';
COMMENT ON COLUMN contracts.rate_change.effective_date IS 'First day the new rate applies; the escalator counts only anniversaries after it.';
COMMENT ON COLUMN contracts.rate_change.amount_minor IS 'New rate in minor units of the agreement currency.';
COMMENT ON COLUMN contracts.rate_change.recorded_at IS 'When the change was recorded (UTC).';
COMMENT ON CONSTRAINT rate_change_not_negative ON contracts.rate_change IS
    'amount: a contracted rate cannot be negative';

CREATE TABLE contracts.termination (
    account_id        bigint NOT NULL,
    agreement_id      bigint NOT NULL,
    termination_date  date NOT NULL,
    reason            text NOT NULL
        CONSTRAINT termination_reason_present CHECK (length(reason) BETWEEN 1 AND 500),
    term_end_date     date NOT NULL,
    remaining_months  integer NOT NULL CONSTRAINT termination_remaining_months CHECK (remaining_months >= 0),
    remaining_days    integer NOT NULL CONSTRAINT termination_remaining_days CHECK (remaining_days BETWEEN 0 AND 30),
    month_days        integer NOT NULL CONSTRAINT termination_month_days CHECK (month_days BETWEEN 28 AND 31),
    mrc_minor         bigint NOT NULL CONSTRAINT termination_mrc CHECK (mrc_minor >= 0),
    etf_minor         bigint NOT NULL CONSTRAINT termination_etf CHECK (etf_minor >= 0),
    currency          char(3) NOT NULL CONSTRAINT termination_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    recorded_by       text NOT NULL CONSTRAINT termination_actor_present CHECK (recorded_by <> ''),
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, agreement_id),
    FOREIGN KEY (account_id, agreement_id) REFERENCES contracts.agreement,
    CONSTRAINT termination_before_end CHECK (termination_date < term_end_date)
);
COMMENT ON TABLE contracts.termination IS 'Early termination of an agreement with its computed early-termination fee; billing bills the fee later.';
COMMENT ON COLUMN contracts.termination.account_id IS 'Billing account of the agreement.';
COMMENT ON COLUMN contracts.termination.agreement_id IS 'Agreement terminated (at most once).';
COMMENT ON COLUMN contracts.termination.termination_date IS 'First day the agreement no longer applies.';
COMMENT ON COLUMN contracts.termination.reason IS 'Why the customer terminated, as told.';
COMMENT ON COLUMN contracts.termination.term_end_date IS 'The current end of the term the termination cut short (first day after it).';
COMMENT ON COLUMN contracts.termination.remaining_months IS 'Whole months from the termination date to the term end.';
COMMENT ON COLUMN contracts.termination.remaining_days IS 'Days left after the whole months, prorated over month_days.';
COMMENT ON COLUMN contracts.termination.month_days IS 'Length in days of the partial month remaining_days is prorated over.';
COMMENT ON COLUMN contracts.termination.mrc_minor IS 'Monthly recurring charge at stake on the termination date (minor units).';
COMMENT ON COLUMN contracts.termination.etf_minor IS 'Early-termination fee computed by the agreement''s rule (minor units).';
COMMENT ON COLUMN contracts.termination.currency IS 'Currency of mrc_minor and etf_minor.';
COMMENT ON COLUMN contracts.termination.recorded_by IS 'Who recorded the termination.';
COMMENT ON COLUMN contracts.termination.recorded_at IS 'When the termination was recorded (UTC).';
COMMENT ON CONSTRAINT termination_before_end ON contracts.termination IS
    'date: a termination must fall before the end of the term';
COMMENT ON CONSTRAINT termination_reason_present ON contracts.termination IS
    'reason: give a reason of 1 to 500 characters';
