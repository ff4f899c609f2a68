-- trunkline 0080: working the book — disputes and their credit memos,
-- promises to pay and payment arrangements, dunning classes, policies and
-- actions, the contact log, collector assignment, and shutout
-- recommendations with their release.

-- ---- the account as collections sees it ----

CREATE TABLE collections.account_profile (
    account_id    bigint NOT NULL REFERENCES accounts.billing_account,
    dunning_class text CONSTRAINT account_profile_class_known
        CHECK (dunning_class IN ('wholesale', 'enterprise')),
    collector     text CONSTRAINT account_profile_collector_present
        CHECK (collector <> ''),
    assigned_by   text,
    assigned_at   timestamptz,
    PRIMARY KEY (account_id)
);
COMMENT ON TABLE collections.account_profile IS 'Collections settings of an account: its dunning class (when not the customer''s kind) and its collector.';
COMMENT ON COLUMN collections.account_profile.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.account_profile.dunning_class IS 'wholesale or enterprise; NULL: the customer''s kind.';
COMMENT ON COLUMN collections.account_profile.collector IS 'Collector who works the account; NULL: unassigned.';
COMMENT ON COLUMN collections.account_profile.assigned_by IS 'Who assigned the collector.';
COMMENT ON COLUMN collections.account_profile.assigned_at IS 'When the collector was assigned.';
COMMENT ON CONSTRAINT account_profile_class_known ON collections.account_profile IS
    'class: a dunning class is wholesale or enterprise';
COMMENT ON CONSTRAINT account_profile_collector_present ON collections.account_profile IS
    'collector: must not be empty';

-- The class dunning uses: the override, else the customer's kind.
CREATE VIEW collections.account_class AS
SELECT b.account_id, coalesce(p.dunning_class, c.kind) AS dunning_class,
       p.collector
FROM accounts.billing_account b
JOIN accounts.customer c USING (customer_id)
LEFT JOIN collections.account_profile p USING (account_id);
COMMENT ON VIEW collections.account_class IS 'Each account''s dunning class (override or customer kind) and collector.';

-- ---- disputes ----

CREATE TABLE collections.dispute (
    account_id     bigint NOT NULL,
    dispute_id     bigint GENERATED ALWAYS AS IDENTITY,
    invoice_id     bigint NOT NULL,
    line_no        integer,
    reason         text NOT NULL CONSTRAINT dispute_reason_present CHECK (reason <> ''),
    amount_minor   bigint NOT NULL CONSTRAINT dispute_amount_positive CHECK (amount_minor > 0),
    currency       char(3) NOT NULL,
    opened_on      date NOT NULL,
    state          text NOT NULL DEFAULT 'open' CONSTRAINT dispute_state_known
        CHECK (state IN ('open', 'forwarded', 'resolved', 'denied')),
    opened_by      text NOT NULL,
    forwarded_on   date,
    closed_on      date,
    closed_by      text,
    note           text NOT NULL DEFAULT '',
    credit_entry_id bigint,
    PRIMARY KEY (account_id, dispute_id),
    FOREIGN KEY (account_id, invoice_id) REFERENCES billing.invoice,
    FOREIGN KEY (account_id, invoice_id, line_no) REFERENCES billing.invoice_line,
    FOREIGN KEY (account_id, credit_entry_id) REFERENCES collections.ledger_entry,
    CONSTRAINT dispute_closed CHECK ((state IN ('resolved', 'denied')) = (closed_on IS NOT NULL)
        AND (state = 'resolved') = (credit_entry_id IS NOT NULL))
);
-- The same dispute recorded twice (same line, day, reason) is one dispute.
CREATE UNIQUE INDEX dispute_natural_key ON collections.dispute
    (account_id, invoice_id, coalesce(line_no, 0), opened_on, reason);
CREATE UNIQUE INDEX dispute_credit_once ON collections.dispute (account_id, credit_entry_id)
    WHERE credit_entry_id IS NOT NULL;
COMMENT ON TABLE collections.dispute IS 'A customer''s dispute of an invoice or one of its lines: open, forwarded to billing, then resolved by a credit memo or denied.';
COMMENT ON COLUMN collections.dispute.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.dispute.dispute_id IS 'Dispute number.';
COMMENT ON COLUMN collections.dispute.invoice_id IS 'Invoice disputed.';
COMMENT ON COLUMN collections.dispute.line_no IS 'Invoice line disputed; NULL: the invoice as a whole.';
COMMENT ON COLUMN collections.dispute.reason IS 'Why the customer disputes it.';
COMMENT ON COLUMN collections.dispute.amount_minor IS 'Amount disputed, minor units: shown apart in aging and not dunned while open.';
COMMENT ON COLUMN collections.dispute.currency IS 'The invoice''s currency.';
COMMENT ON COLUMN collections.dispute.opened_on IS 'Day the customer raised it; the dispute''s age counts from it.';
COMMENT ON COLUMN collections.dispute.state IS 'open, forwarded (to billing), resolved (credit memo posted) or denied.';
COMMENT ON COLUMN collections.dispute.opened_by IS 'Who recorded it.';
COMMENT ON COLUMN collections.dispute.forwarded_on IS 'Day it was forwarded to billing.';
COMMENT ON COLUMN collections.dispute.closed_on IS 'Day it was resolved or denied.';
COMMENT ON COLUMN collections.dispute.closed_by IS 'Who resolved or denied it.';
COMMENT ON COLUMN collections.dispute.note IS 'Resolution or denial note.';
COMMENT ON COLUMN collections.dispute.credit_entry_id IS 'The credit memo (ledger entry) that resolved it.';
COMMENT ON CONSTRAINT dispute_amount_positive ON collections.dispute IS
    'amount: a disputed amount must be greater than zero';
COMMENT ON CONSTRAINT dispute_reason_present ON collections.dispute IS
    'reason: a dispute needs a reason';

-- ---- promises to pay and payment arrangements ----

CREATE TABLE collections.arrangement (
    account_id     bigint NOT NULL REFERENCES accounts.billing_account,
    arrangement_id bigint GENERATED ALWAYS AS IDENTITY,
    made_on        date NOT NULL,
    note           text NOT NULL DEFAULT '',
    schedule       text NOT NULL,
    made_by        text NOT NULL,
    PRIMARY KEY (account_id, arrangement_id),
    CONSTRAINT arrangement_schedule_key UNIQUE (account_id, made_on, schedule)
);
COMMENT ON TABLE collections.arrangement IS 'A payment arrangement: a schedule of installments, each one a promise.';
COMMENT ON COLUMN collections.arrangement.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.arrangement.arrangement_id IS 'Arrangement number.';
COMMENT ON COLUMN collections.arrangement.made_on IS 'Day it was agreed.';
COMMENT ON COLUMN collections.arrangement.note IS 'Free text.';
COMMENT ON COLUMN collections.arrangement.schedule IS 'The installments as text (date:minor,...): agreeing the same schedule the same day again is the same arrangement.';
COMMENT ON COLUMN collections.arrangement.made_by IS 'Collector who agreed it.';

CREATE TABLE collections.promise (
    account_id     bigint NOT NULL REFERENCES accounts.billing_account,
    promise_id     bigint GENERATED ALWAYS AS IDENTITY,
    arrangement_id bigint,
    installment_no integer,
    amount_minor   bigint NOT NULL CONSTRAINT promise_amount_positive CHECK (amount_minor > 0),
    currency       char(3) NOT NULL,
    made_on        date NOT NULL,
    window_start   date NOT NULL,
    promised_date  date NOT NULL,
    state          text NOT NULL DEFAULT 'pending' CONSTRAINT promise_state_known
        CHECK (state IN ('pending', 'kept', 'broken')),
    paid_minor     bigint NOT NULL DEFAULT 0,
    evaluated_on   date,
    made_by        text NOT NULL,
    PRIMARY KEY (account_id, promise_id),
    FOREIGN KEY (account_id, arrangement_id) REFERENCES collections.arrangement,
    CONSTRAINT promise_installment_key UNIQUE (account_id, arrangement_id, installment_no),
    CONSTRAINT promise_installment_of_arrangement
        CHECK ((arrangement_id IS NULL) = (installment_no IS NULL)),
    CONSTRAINT promise_date_order CHECK (promised_date >= made_on AND window_start <= promised_date)
);
-- The same lone promise recorded twice is one promise.
CREATE UNIQUE INDEX promise_natural_key ON collections.promise
    (account_id, made_on, promised_date, amount_minor) WHERE arrangement_id IS NULL;
CREATE INDEX promise_pending_idx ON collections.promise (promised_date) WHERE state = 'pending';
COMMENT ON TABLE collections.promise IS 'A promise to pay an amount by a date, or one installment of an arrangement; evaluated kept or broken from the payments applied in its window.';
COMMENT ON COLUMN collections.promise.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.promise.promise_id IS 'Promise number.';
COMMENT ON COLUMN collections.promise.arrangement_id IS 'Arrangement it is an installment of; NULL for a lone promise.';
COMMENT ON COLUMN collections.promise.installment_no IS 'Installment number within the arrangement, from 1.';
COMMENT ON COLUMN collections.promise.amount_minor IS 'Amount promised, minor units.';
COMMENT ON COLUMN collections.promise.currency IS 'The account''s currency.';
COMMENT ON COLUMN collections.promise.made_on IS 'Day the promise was made.';
COMMENT ON COLUMN collections.promise.window_start IS 'First day whose applied payments count toward it (made_on, or the day after the previous installment).';
COMMENT ON COLUMN collections.promise.promised_date IS 'Last day a payment counts toward it.';
COMMENT ON COLUMN collections.promise.state IS 'pending, kept (paid in full in its window) or broken (not, once the date passed).';
COMMENT ON COLUMN collections.promise.paid_minor IS 'Applied in its window, as of the last evaluation.';
COMMENT ON COLUMN collections.promise.evaluated_on IS 'As-of day of the evaluation that settled it.';
COMMENT ON COLUMN collections.promise.made_by IS 'Collector who took it.';
COMMENT ON CONSTRAINT promise_amount_positive ON collections.promise IS
    'amount: a promised amount must be greater than zero';
COMMENT ON CONSTRAINT promise_date_order ON collections.promise IS
    'by: the promised date cannot be before the day the promise is made';

-- ---- dunning ----

CREATE TABLE collections.dunning_step (
    dunning_class text NOT NULL CONSTRAINT dunning_step_class_known
        CHECK (dunning_class IN ('wholesale', 'enterprise')),
    step_no       integer NOT NULL CONSTRAINT dunning_step_no_positive CHECK (step_no > 0),
    days_past_due integer NOT NULL CONSTRAINT dunning_step_days CHECK (days_past_due > 0),
    action        text NOT NULL CONSTRAINT dunning_step_action_known
        CHECK (action IN ('reminder', 'statement', 'call_task', 'suspension_notice', 'shutout')),
    repeat_days   integer NOT NULL CONSTRAINT dunning_step_repeat CHECK (repeat_days > 0),
    PRIMARY KEY (dunning_class, step_no),
    CONSTRAINT dunning_step_days_key UNIQUE (dunning_class, days_past_due)
);
COMMENT ON TABLE collections.dunning_step IS 'Dunning policy: per class, the action due once the oldest undisputed amount is this many days past due.';
COMMENT ON COLUMN collections.dunning_step.dunning_class IS 'wholesale or enterprise.';
COMMENT ON COLUMN collections.dunning_step.step_no IS 'Order of the step, from 1.';
COMMENT ON COLUMN collections.dunning_step.days_past_due IS 'Days past due from which the step applies.';
COMMENT ON COLUMN collections.dunning_step.action IS 'reminder, statement (resend), call_task, suspension_notice or shutout (recommendation).';
COMMENT ON COLUMN collections.dunning_step.repeat_days IS 'The same step is not generated again for the account within this many days.';
INSERT INTO collections.dunning_step (dunning_class, step_no, days_past_due, action, repeat_days) VALUES
    ('enterprise', 1, 1, 'reminder', 14),
    ('enterprise', 2, 15, 'statement', 30),
    ('enterprise', 3, 30, 'call_task', 7),
    ('enterprise', 4, 60, 'suspension_notice', 30),
    ('enterprise', 5, 90, 'shutout', 30),
    ('wholesale', 1, 5, 'reminder', 14),
    ('wholesale', 2, 20, 'statement', 30),
    ('wholesale', 3, 45, 'call_task', 7),
    ('wholesale', 4, 75, 'suspension_notice', 30),
    ('wholesale', 5, 90, 'shutout', 30);

CREATE TABLE collections.dunning_action (
    account_id     bigint NOT NULL REFERENCES accounts.billing_account,
    action_date    date NOT NULL,
    step_no        integer NOT NULL,
    dunning_class  text NOT NULL,
    action         text NOT NULL,
    days_past_due  integer NOT NULL,
    amount_minor   bigint NOT NULL,
    currency       char(3) NOT NULL,
    run_by         text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, action_date, step_no),
    FOREIGN KEY (dunning_class, step_no) REFERENCES collections.dunning_step
);
COMMENT ON TABLE collections.dunning_action IS 'An action a dunning run generated: at most one per account, day and step (the primary key makes a rerun create nothing).';
COMMENT ON COLUMN collections.dunning_action.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.dunning_action.action_date IS 'As-of day of the run.';
COMMENT ON COLUMN collections.dunning_action.step_no IS 'Policy step.';
COMMENT ON COLUMN collections.dunning_action.dunning_class IS 'Class of the policy applied.';
COMMENT ON COLUMN collections.dunning_action.action IS 'The step''s action.';
COMMENT ON COLUMN collections.dunning_action.days_past_due IS 'Days past due of the oldest undisputed open amount.';
COMMENT ON COLUMN collections.dunning_action.amount_minor IS 'Undisputed past-due amount dunned, minor units.';
COMMENT ON COLUMN collections.dunning_action.currency IS 'The account''s currency.';
COMMENT ON COLUMN collections.dunning_action.run_by IS 'Who ran dunning.';
COMMENT ON COLUMN collections.dunning_action.created_at IS 'When it was generated.';

-- ---- contact log ----

CREATE TABLE collections.contact (
    account_id   bigint NOT NULL REFERENCES accounts.billing_account,
    contact_id   bigint GENERATED ALWAYS AS IDENTITY,
    contact_date date NOT NULL,
    channel      text NOT NULL CONSTRAINT contact_channel_known
        CHECK (channel IN ('call', 'email', 'note', 'letter')),
    outcome      text NOT NULL CONSTRAINT contact_outcome_known
        CHECK (outcome IN ('reached', 'no_answer', 'left_message', 'promised', 'disputed', 'refused', 'sent', 'none')),
    note         text NOT NULL DEFAULT '',
    logged_by    text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, contact_id),
    CONSTRAINT contact_natural_key UNIQUE (account_id, contact_date, channel, outcome, note)
);
COMMENT ON TABLE collections.contact IS 'Contact log: calls, emails, letters and notes with the customer, with their outcomes.';
COMMENT ON COLUMN collections.contact.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.contact.contact_id IS 'Surrogate key.';
COMMENT ON COLUMN collections.contact.contact_date IS 'Day of the contact.';
COMMENT ON COLUMN collections.contact.channel IS 'call, email, note or letter.';
COMMENT ON COLUMN collections.contact.outcome IS 'reached, no_answer, left_message, promised, disputed, refused, sent or none.';
COMMENT ON COLUMN collections.contact.note IS 'What was said.';
COMMENT ON COLUMN collections.contact.logged_by IS 'Who logged it.';
COMMENT ON COLUMN collections.contact.created_at IS 'When it was logged.';
COMMENT ON CONSTRAINT contact_channel_known ON collections.contact IS
    'channel: must be call, email, note or letter';
COMMENT ON CONSTRAINT contact_outcome_known ON collections.contact IS
    'outcome: must be reached, no_answer, left_message, promised, disputed, refused, sent or none';

-- ---- shutout and release ----

CREATE TABLE collections.shutout (
    account_id      bigint NOT NULL REFERENCES accounts.billing_account,
    shutout_id      bigint GENERATED ALWAYS AS IDENTITY,
    recommended_on  date NOT NULL,
    reason          text NOT NULL,
    days_past_due   integer NOT NULL,
    amount_minor    bigint NOT NULL,
    currency        char(3) NOT NULL,
    state           text NOT NULL DEFAULT 'recommended' CONSTRAINT shutout_state_known
        CHECK (state IN ('recommended', 'approved', 'released', 'withdrawn')),
    approved_by     text,
    approved_on     date,
    released_by     text,
    released_on     date,
    release_reason  text,
    PRIMARY KEY (account_id, shutout_id),
    CONSTRAINT shutout_approval CHECK ((state IN ('approved', 'released')) = (approved_on IS NOT NULL)
        AND (state = 'released') = (released_on IS NOT NULL))
);
CREATE UNIQUE INDEX shutout_one_open ON collections.shutout (account_id)
    WHERE state IN ('recommended', 'approved');
COMMENT ON TABLE collections.shutout IS 'A shutout recommendation from dunning: recommended, approved (suspend requests sent to provisioning), then released (restore requests) or withdrawn.';
COMMENT ON COLUMN collections.shutout.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.shutout.shutout_id IS 'Recommendation number.';
COMMENT ON COLUMN collections.shutout.recommended_on IS 'As-of day of the dunning run that recommended it.';
COMMENT ON COLUMN collections.shutout.reason IS 'Why: days past due, amount, no promise.';
COMMENT ON COLUMN collections.shutout.days_past_due IS 'Days past due of the oldest undisputed amount when recommended.';
COMMENT ON COLUMN collections.shutout.amount_minor IS 'Undisputed past-due amount when recommended.';
COMMENT ON COLUMN collections.shutout.currency IS 'The account''s currency.';
COMMENT ON COLUMN collections.shutout.state IS 'recommended, approved, released or withdrawn.';
COMMENT ON COLUMN collections.shutout.approved_by IS 'Who approved it.';
COMMENT ON COLUMN collections.shutout.approved_on IS 'Day it was approved.';
COMMENT ON COLUMN collections.shutout.released_by IS 'Who released it.';
COMMENT ON COLUMN collections.shutout.released_on IS 'Day it was released.';
COMMENT ON COLUMN collections.shutout.release_reason IS 'paid or promised, or a note.';
COMMENT ON INDEX collections.shutout_one_open IS
    'account: this account already has an open shutout recommendation';

CREATE TABLE collections.shutout_service (
    account_id   bigint NOT NULL,
    shutout_id   bigint NOT NULL,
    service_id   bigint NOT NULL,
    circuit_id   text NOT NULL,
    suspend_request_id bigint NOT NULL,
    restore_request_id bigint,
    PRIMARY KEY (account_id, shutout_id, service_id),
    FOREIGN KEY (account_id, shutout_id) REFERENCES collections.shutout
);
COMMENT ON TABLE collections.shutout_service IS 'A circuit an approved shutout asked provisioning to suspend, with the request numbers provisioning gave.';
COMMENT ON COLUMN collections.shutout_service.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.shutout_service.shutout_id IS 'Shutout.';
COMMENT ON COLUMN collections.shutout_service.service_id IS 'Service suspended.';
COMMENT ON COLUMN collections.shutout_service.circuit_id IS 'Its circuit id.';
COMMENT ON COLUMN collections.shutout_service.suspend_request_id IS 'Provisioning''s suspend request.';
COMMENT ON COLUMN collections.shutout_service.restore_request_id IS 'Provisioning''s restore request (or NULL when the suspend request was cancelled instead).';

-- ---- aging and the ledger ----

CREATE INDEX ledger_entry_invoice_idx ON collections.ledger_entry (account_id, invoice_id)
    WHERE invoice_id IS NOT NULL;

-- Open balance and disputed part of every invoice on a date: the ledger
-- entries naming the invoice (the invoice itself, credit and debit memos,
-- adjustments, write-offs) effective on or before the date, less the cash
-- applied on or before it. One set-based statement; aging, dunning, the
-- work queue and shutout all read it. A plain SQL function, so the planner
-- inlines it into each caller's query.
CREATE FUNCTION collections.invoice_open(p_as_of date)
RETURNS TABLE (account_id bigint, invoice_id bigint, currency char(3),
               due_date date, open_minor bigint, disputed_minor bigint)
LANGUAGE sql STABLE AS $$
    WITH moves AS (
        SELECT e.account_id, e.invoice_id, e.currency, e.due_date,
               e.amount_minor, e.kind = 'invoice' AS is_invoice
        FROM collections.ledger_entry e
        WHERE e.invoice_id IS NOT NULL AND e.kind <> 'payment'
          AND e.effective_date <= p_as_of
        UNION ALL
        SELECT a.account_id, a.invoice_id, NULL, NULL, -a.amount_minor, false
        FROM collections.application a
        WHERE a.applied_date <= p_as_of),
    inv AS (
        SELECT m.account_id, m.invoice_id, max(m.currency) AS currency,
               max(m.due_date) AS due_date, sum(m.amount_minor)::bigint AS open_minor
        FROM moves m
        GROUP BY m.account_id, m.invoice_id
        HAVING bool_or(m.is_invoice)),
    disp AS (
        SELECT d.account_id, d.invoice_id, sum(d.amount_minor)::bigint AS amount
        FROM collections.dispute d
        WHERE d.opened_on <= p_as_of AND (d.closed_on IS NULL OR d.closed_on > p_as_of)
        GROUP BY d.account_id, d.invoice_id)
    SELECT i.account_id, i.invoice_id, i.currency::char(3), i.due_date, i.open_minor,
           least(coalesce(d.amount, 0), greatest(i.open_minor, 0))::bigint
    FROM inv i
    LEFT JOIN disp d ON d.account_id = i.account_id AND d.invoice_id = i.invoice_id
    WHERE i.open_minor <> 0
$$;
COMMENT ON FUNCTION collections.invoice_open(date) IS 'Open balance and open disputed part of each invoice with a non-zero balance on the date.';
