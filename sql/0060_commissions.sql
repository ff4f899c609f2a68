-- trunkline 0060: indirect-agent commissions. Plans per agent
-- (effective-dated, percent of billed or collected MRC for a term, upfront
-- bonuses, volume tiers), monthly statements per agent and currency with
-- one line per account and service, clawbacks, adjustments carried to the
-- next statement, and approval by finance after which a statement is
-- immutable (enforced here by triggers, not only in C).
--
-- The module sits right of collections: it reads billing (final invoices
-- only), collections (applications, write-offs), provisioning (services),
-- orders (the order's agent) and accounts (agents of record), and writes
-- only its own schema.

CREATE SCHEMA commissions;
COMMENT ON SCHEMA commissions IS 'Indirect-agent commission plans, monthly statements, clawbacks and adjustments.';

-- ---- plans ----

CREATE TABLE commissions.plan (
    plan_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id        bigint NOT NULL REFERENCES accounts.person,
    kind            text NOT NULL
        CONSTRAINT plan_kind_known CHECK (kind IN
            ('percent_billed', 'percent_collected', 'upfront_first_month', 'upfront_nrc')),
    product_id      text REFERENCES catalog.product,
    rate_ppm        integer NOT NULL
        CONSTRAINT plan_rate_range CHECK (rate_ppm > 0 AND rate_ppm <= 1000000),
    term_months     integer
        CONSTRAINT plan_term_positive CHECK (term_months IS NULL OR term_months BETWEEN 1 AND 240),
    clawback_months integer NOT NULL DEFAULT 0
        CONSTRAINT plan_clawback_range CHECK (clawback_months BETWEEN 0 AND 120),
    valid_from      date NOT NULL,
    valid_to        date,
    created_by      text NOT NULL CONSTRAINT plan_created_by_present CHECK (created_by <> ''),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT plan_period CHECK (valid_to IS NULL OR valid_to > valid_from),
    CONSTRAINT plan_term_applies CHECK (
        term_months IS NULL OR kind IN ('percent_billed', 'percent_collected')),
    CONSTRAINT plan_no_overlap EXCLUDE USING gist (
        agent_id WITH =, kind WITH =, (coalesce(product_id, '*')) WITH =,
        daterange(valid_from, valid_to) WITH &&)
);
COMMENT ON TABLE commissions.plan IS
    'A commission plan of an agent, effective-dated: one kind, for one product or all, at a rate; a service is commissioned under the plans in force on its billing start. A small shared table.';
COMMENT ON COLUMN commissions.plan.plan_id IS 'Surrogate key.';
COMMENT ON COLUMN commissions.plan.agent_id IS 'The indirect agent (accounts.person of kind agent).';
COMMENT ON COLUMN commissions.plan.kind IS
    'percent_billed: rate x MRC billed (final invoices issued in the month); percent_collected: rate x MRC collected (payments applied in the month); upfront_first_month: rate x the service''s monthly MRC, once, in the month its first invoice is issued; upfront_nrc: rate x the service''s NRC billed in the month.';
COMMENT ON COLUMN commissions.plan.product_id IS 'Product the plan is for; NULL for every product (a plan for the product wins over one for all).';
COMMENT ON COLUMN commissions.plan.rate_ppm IS 'Rate in millionths (12% is 120000); no floating point.';
COMMENT ON COLUMN commissions.plan.term_months IS 'Percent plans: months from the service''s billing start during which its MRC is commissioned; NULL for no limit.';
COMMENT ON COLUMN commissions.plan.clawback_months IS 'A service disconnected within this many months of its billing start has what was paid on it clawed back; 0 for none.';
COMMENT ON COLUMN commissions.plan.valid_from IS 'First billing-start day the plan applies to.';
COMMENT ON COLUMN commissions.plan.valid_to IS 'First billing-start day it no longer applies to (half-open); NULL while current.';
COMMENT ON COLUMN commissions.plan.created_by IS 'Who defined the plan.';
COMMENT ON COLUMN commissions.plan.created_at IS 'When it was defined.';
COMMENT ON CONSTRAINT plan_kind_known ON commissions.plan IS
    'kind: must be percent_billed, percent_collected, upfront_first_month or upfront_nrc';
COMMENT ON CONSTRAINT plan_rate_range ON commissions.plan IS
    'rate: a rate must be more than 0% and at most 100%';
COMMENT ON CONSTRAINT plan_term_positive ON commissions.plan IS
    'termMonths: a term is 1 to 240 months';
COMMENT ON CONSTRAINT plan_clawback_range ON commissions.plan IS
    'clawbackMonths: a clawback window is 0 to 120 months';
COMMENT ON CONSTRAINT plan_period ON commissions.plan IS
    'to: must be after from';
COMMENT ON CONSTRAINT plan_term_applies ON commissions.plan IS
    'termMonths: only percent plans have a term';
COMMENT ON CONSTRAINT plan_no_overlap ON commissions.plan IS
    'from: another plan of this kind and product covers part of this period';

CREATE TABLE commissions.plan_tier (
    plan_id     bigint NOT NULL REFERENCES commissions.plan,
    currency    char(3) NOT NULL
        CONSTRAINT plan_tier_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    above_minor bigint NOT NULL
        CONSTRAINT plan_tier_above_positive CHECK (above_minor >= 0),
    rate_ppm    integer NOT NULL
        CONSTRAINT plan_tier_rate_range CHECK (rate_ppm > 0 AND rate_ppm <= 1000000),
    PRIMARY KEY (plan_id, currency, above_minor)
);
COMMENT ON TABLE commissions.plan_tier IS
    'Volume tiers of a plan: when the agent''s new MRC of the month (in the currency) is strictly above above_minor, the highest such tier''s rate replaces the plan rate for that month''s statement.';
COMMENT ON COLUMN commissions.plan_tier.plan_id IS 'Plan.';
COMMENT ON COLUMN commissions.plan_tier.currency IS 'ISO 4217 currency of the threshold.';
COMMENT ON COLUMN commissions.plan_tier.above_minor IS 'Threshold in minor units: the tier applies to new MRC strictly above it.';
COMMENT ON COLUMN commissions.plan_tier.rate_ppm IS 'Rate of the tier in millionths.';
COMMENT ON CONSTRAINT plan_tier_currency_format ON commissions.plan_tier IS
    'tiers.currency: a three-letter ISO 4217 code';
COMMENT ON CONSTRAINT plan_tier_above_positive ON commissions.plan_tier IS
    'tiers.above: a threshold cannot be negative';
COMMENT ON CONSTRAINT plan_tier_rate_range ON commissions.plan_tier IS
    'tiers.rate: a rate must be more than 0% and at most 100%';

-- ---- adjustments ----

CREATE TABLE commissions.adjustment (
    account_id    bigint NOT NULL REFERENCES accounts.billing_account,
    adjustment_id bigint GENERATED ALWAYS AS IDENTITY,
    agent_id      bigint NOT NULL REFERENCES accounts.person,
    service_id    bigint,
    from_month    date NOT NULL
        CONSTRAINT adjustment_month_first CHECK (extract(day FROM from_month) = 1),
    amount_minor  bigint NOT NULL
        CONSTRAINT adjustment_amount_nonzero CHECK (amount_minor <> 0),
    currency      char(3) NOT NULL
        CONSTRAINT adjustment_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    reason        text NOT NULL
        CONSTRAINT adjustment_reason_present CHECK (reason <> '' AND length(reason) <= 500),
    created_by    text NOT NULL CONSTRAINT adjustment_created_by_present CHECK (created_by <> ''),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, adjustment_id),
    FOREIGN KEY (account_id, service_id) REFERENCES provisioning.service
);
COMMENT ON TABLE commissions.adjustment IS
    'A correction finance makes to an agent''s commission (after a statement was approved): carried as one line onto the agent''s next statement from from_month on.';
COMMENT ON COLUMN commissions.adjustment.account_id IS 'Billing account the correction is about.';
COMMENT ON COLUMN commissions.adjustment.adjustment_id IS 'Surrogate key.';
COMMENT ON COLUMN commissions.adjustment.agent_id IS 'Agent whose statement carries it.';
COMMENT ON COLUMN commissions.adjustment.service_id IS 'Service it is about, if one.';
COMMENT ON COLUMN commissions.adjustment.from_month IS 'First statement month it may go on (first day of the month).';
COMMENT ON COLUMN commissions.adjustment.amount_minor IS 'Signed amount: positive pays the agent more, negative recovers.';
COMMENT ON COLUMN commissions.adjustment.currency IS 'ISO 4217 currency (the account''s).';
COMMENT ON COLUMN commissions.adjustment.reason IS 'Why, for the agent and the auditors.';
COMMENT ON COLUMN commissions.adjustment.created_by IS 'Who made it.';
COMMENT ON COLUMN commissions.adjustment.created_at IS 'When.';
COMMENT ON CONSTRAINT adjustment_month_first ON commissions.adjustment IS
    'month: a statement month starts on its first day';
COMMENT ON CONSTRAINT adjustment_amount_nonzero ON commissions.adjustment IS
    'amount: an adjustment of zero changes nothing';
COMMENT ON CONSTRAINT adjustment_reason_present ON commissions.adjustment IS
    'reason: a reason of 1 to 500 characters is required';

-- ---- statements ----

CREATE TABLE commissions.statement (
    statement_id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agent_id               bigint NOT NULL REFERENCES accounts.person,
    month                  date NOT NULL
        CONSTRAINT statement_month_first CHECK (extract(day FROM month) = 1),
    currency               char(3) NOT NULL
        CONSTRAINT statement_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    status                 text NOT NULL DEFAULT 'draft'
        CONSTRAINT statement_status_known CHECK (status IN ('draft', 'approved')),
    line_count             integer NOT NULL DEFAULT 0,
    lines_total_minor      bigint NOT NULL DEFAULT 0,
    carried_in_minor       bigint NOT NULL DEFAULT 0
        CONSTRAINT statement_carried_in_nonpositive CHECK (carried_in_minor <= 0),
    payable_minor          bigint NOT NULL DEFAULT 0
        CONSTRAINT statement_payable_nonnegative CHECK (payable_minor >= 0),
    carried_out_minor      bigint NOT NULL DEFAULT 0
        CONSTRAINT statement_carried_out_nonpositive CHECK (carried_out_minor <= 0),
    billed_mrc_minor       bigint NOT NULL DEFAULT 0,
    collected_mrc_minor    bigint NOT NULL DEFAULT 0,
    basis_billed_minor     bigint NOT NULL DEFAULT 0,
    basis_collected_minor  bigint NOT NULL DEFAULT 0,
    new_mrc_minor          bigint NOT NULL DEFAULT 0,
    created_by             text NOT NULL CONSTRAINT statement_created_by_present CHECK (created_by <> ''),
    created_at             timestamptz NOT NULL DEFAULT now(),
    approved_by            text CONSTRAINT statement_approved_by_present CHECK (approved_by <> ''),
    approved_at            timestamptz,
    CONSTRAINT statement_agent_month_key UNIQUE (agent_id, month, currency),
    CONSTRAINT statement_totals_tie CHECK (
        lines_total_minor + carried_in_minor = payable_minor + carried_out_minor),
    CONSTRAINT statement_approval_recorded CHECK (
        (status = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL))
);
COMMENT ON TABLE commissions.statement IS
    'An agent''s monthly commission statement in one currency: a draft (rebuilt by every run of the month) until finance approves it; then immutable.';
COMMENT ON COLUMN commissions.statement.statement_id IS 'Surrogate key.';
COMMENT ON COLUMN commissions.statement.agent_id IS 'The agent paid.';
COMMENT ON COLUMN commissions.statement.month IS 'Statement month (first day).';
COMMENT ON COLUMN commissions.statement.currency IS 'ISO 4217 currency of every line.';
COMMENT ON COLUMN commissions.statement.status IS 'draft or approved.';
COMMENT ON COLUMN commissions.statement.line_count IS 'Number of lines.';
COMMENT ON COLUMN commissions.statement.lines_total_minor IS 'Sum of the line amounts.';
COMMENT ON COLUMN commissions.statement.carried_in_minor IS 'Negative balance carried from the agent''s previous approved statement (0 or less).';
COMMENT ON COLUMN commissions.statement.payable_minor IS 'What is paid: lines total plus carried in, when positive; else 0.';
COMMENT ON COLUMN commissions.statement.carried_out_minor IS 'Negative balance carried to the next statement (0 or less).';
COMMENT ON COLUMN commissions.statement.billed_mrc_minor IS 'Tie-out: MRC (and its credits) billing billed in the month on the agent''s services, final invoices only.';
COMMENT ON COLUMN commissions.statement.collected_mrc_minor IS 'Tie-out: MRC collected in the month on the agent''s services (collections.application, each invoice''s payments shared to its MRC lines).';
COMMENT ON COLUMN commissions.statement.basis_billed_minor IS 'Sum of the basis of the percent-of-billed lines.';
COMMENT ON COLUMN commissions.statement.basis_collected_minor IS 'Sum of the basis of the percent-of-collected lines.';
COMMENT ON COLUMN commissions.statement.new_mrc_minor IS 'The agent''s new MRC of the month (services whose billing starts in it) that selected the volume tier.';
COMMENT ON COLUMN commissions.statement.created_by IS 'Who ran it first.';
COMMENT ON COLUMN commissions.statement.created_at IS 'When it was first run.';
COMMENT ON COLUMN commissions.statement.approved_by IS 'Who approved it (finance).';
COMMENT ON COLUMN commissions.statement.approved_at IS 'When it was approved.';
COMMENT ON CONSTRAINT statement_agent_month_key ON commissions.statement IS
    'month: the agent already has a statement for this month and currency';
COMMENT ON CONSTRAINT statement_totals_tie ON commissions.statement IS
    'total: lines plus carried in must equal payable plus carried out';
COMMENT ON CONSTRAINT statement_approval_recorded ON commissions.statement IS
    'status: an approved statement records who approved it and when';
COMMENT ON CONSTRAINT statement_month_first ON commissions.statement IS
    'month: a statement month starts on its first day';
COMMENT ON CONSTRAINT statement_status_known ON commissions.statement IS
    'status: a statement is draft or approved';
COMMENT ON CONSTRAINT statement_carried_in_nonpositive ON commissions.statement IS
    'carriedIn: only a negative balance is carried';
COMMENT ON CONSTRAINT statement_payable_nonnegative ON commissions.statement IS
    'payable: cannot be negative';
COMMENT ON CONSTRAINT statement_carried_out_nonpositive ON commissions.statement IS
    'carriedOut: only a negative balance is carried';

CREATE TABLE commissions.statement_line (
    account_id    bigint NOT NULL REFERENCES accounts.billing_account,
    statement_id  bigint NOT NULL REFERENCES commissions.statement,
    line_no       integer NOT NULL CONSTRAINT statement_line_no_positive CHECK (line_no > 0),
    agent_id      bigint NOT NULL REFERENCES accounts.person,
    service_id    bigint,
    kind          text NOT NULL
        CONSTRAINT statement_line_kind_known CHECK (kind IN
            ('percent_billed', 'percent_collected', 'upfront_first_month', 'upfront_nrc',
             'clawback_disconnect', 'clawback_write_off', 'adjustment')),
    plan_id       bigint REFERENCES commissions.plan,
    adjustment_id bigint,
    basis_minor   bigint NOT NULL,
    rate_ppm      integer NOT NULL CONSTRAINT statement_line_rate_range CHECK (rate_ppm BETWEEN 0 AND 1000000),
    amount_minor  bigint NOT NULL,
    description   text NOT NULL,
    PRIMARY KEY (account_id, statement_id, line_no),
    FOREIGN KEY (account_id, service_id) REFERENCES provisioning.service,
    FOREIGN KEY (account_id, adjustment_id) REFERENCES commissions.adjustment,
    CONSTRAINT statement_line_shape CHECK (
        CASE WHEN kind = 'adjustment' THEN adjustment_id IS NOT NULL
             ELSE adjustment_id IS NULL AND service_id IS NOT NULL END)
);
COMMENT ON TABLE commissions.statement_line IS
    'One line of a statement: a commission on one account and service (basis x rate, rounded half-even once), a clawback, or an adjustment.';
COMMENT ON COLUMN commissions.statement_line.account_id IS 'Billing account.';
COMMENT ON COLUMN commissions.statement_line.statement_id IS 'Statement.';
COMMENT ON COLUMN commissions.statement_line.line_no IS 'Line number within the statement, in account, circuit and kind order.';
COMMENT ON COLUMN commissions.statement_line.agent_id IS 'The statement''s agent (kept on the line for the clawback-once key).';
COMMENT ON COLUMN commissions.statement_line.service_id IS 'Service commissioned or clawed back; NULL for an adjustment about the account.';
COMMENT ON COLUMN commissions.statement_line.kind IS 'The plan kind, clawback_disconnect, clawback_write_off or adjustment.';
COMMENT ON COLUMN commissions.statement_line.plan_id IS 'Plan the line was computed under (commission lines).';
COMMENT ON COLUMN commissions.statement_line.adjustment_id IS 'Adjustment carried (adjustment lines).';
COMMENT ON COLUMN commissions.statement_line.basis_minor IS 'What the rate applies to, minor units (clawbacks: what was paid on the service).';
COMMENT ON COLUMN commissions.statement_line.rate_ppm IS 'Rate in millionths (clawbacks and adjustments: 1000000).';
COMMENT ON COLUMN commissions.statement_line.amount_minor IS 'Commission (negative for a clawback): basis x rate rounded half-even.';
COMMENT ON COLUMN commissions.statement_line.description IS 'What the line is for, for the agent.';
COMMENT ON CONSTRAINT statement_line_kind_known ON commissions.statement_line IS
    'kind: not a known statement line kind';
COMMENT ON CONSTRAINT statement_line_shape ON commissions.statement_line IS
    'kind: an adjustment line names its adjustment, any other line its service';
COMMENT ON CONSTRAINT statement_line_rate_range ON commissions.statement_line IS
    'rate: a rate is 0% to 100%';
COMMENT ON CONSTRAINT statement_line_no_positive ON commissions.statement_line IS
    'line: line numbers start at 1';

-- A statement line per service and kind, an adjustment on one statement,
-- a clawback of a service once for ever: rerunning never duplicates. Each
-- unique key holds account_id, so the table can be distributed by it.
CREATE UNIQUE INDEX statement_line_service_once ON commissions.statement_line
    (statement_id, account_id, service_id, kind) WHERE adjustment_id IS NULL;
CREATE UNIQUE INDEX statement_line_adjustment_once ON commissions.statement_line
    (account_id, adjustment_id) WHERE adjustment_id IS NOT NULL;
CREATE UNIQUE INDEX statement_line_clawback_once ON commissions.statement_line
    (agent_id, account_id, service_id) WHERE kind IN ('clawback_disconnect', 'clawback_write_off');
CREATE INDEX statement_line_service_idx ON commissions.statement_line (agent_id, account_id, service_id);
COMMENT ON INDEX commissions.statement_line_service_once IS 'One line per service and kind on a statement.';
COMMENT ON INDEX commissions.statement_line_adjustment_once IS 'An adjustment is carried onto one statement.';
COMMENT ON INDEX commissions.statement_line_clawback_once IS 'A service is clawed back once.';

-- ---- an approved statement is immutable ----

CREATE FUNCTION commissions.refuse_approved_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    ids bigint[];
BEGIN
    IF TG_TABLE_NAME = 'statement' THEN
        IF OLD.status = 'approved' THEN
            RAISE EXCEPTION 'commission statement % is approved and cannot change; add an adjustment to the next statement instead', OLD.statement_id
                USING ERRCODE = 'restrict_violation';
        END IF;
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            ids := ids || OLD.statement_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            ids := ids || NEW.statement_id;
        END IF;
        IF EXISTS (SELECT 1 FROM commissions.statement s
                   WHERE s.statement_id = ANY (ids) AND s.status = 'approved') THEN
            RAISE EXCEPTION 'the lines of an approved commission statement cannot change'
                USING ERRCODE = 'restrict_violation';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION commissions.refuse_approved_change() IS
    'Refuses any change to an approved statement or its lines: a correction is an adjustment on the next statement.';
CREATE TRIGGER statement_immutable_when_approved
    BEFORE UPDATE OR DELETE ON commissions.statement
    FOR EACH ROW EXECUTE FUNCTION commissions.refuse_approved_change();
CREATE TRIGGER statement_line_immutable_when_approved
    BEFORE INSERT OR UPDATE OR DELETE ON commissions.statement_line
    FOR EACH ROW EXECUTE FUNCTION commissions.refuse_approved_change();

-- ---- arithmetic ----

CREATE FUNCTION commissions.round_half_even(num numeric, den numeric) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT (q + CASE
                WHEN 2 * abs(r) > den THEN sign(num)
                WHEN 2 * abs(r) = den AND mod(q, 2) <> 0 THEN sign(num)
                ELSE 0 END)::bigint
    FROM (SELECT div(num, den) AS q, mod(num, den) AS r) x
$$;
COMMENT ON FUNCTION commissions.round_half_even(numeric, numeric) IS
    'num / den (den > 0) rounded half-even to a whole number, exactly (integer division, no float).';
