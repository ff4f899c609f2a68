-- trunkline 0014: who sold an order (account executive, indirect agent) and
-- the log of orders refused at intake, which the order-entry feedback
-- report reads.

ALTER TABLE orders.sales_order
    ADD COLUMN account_executive_ref text REFERENCES accounts.person (person_ref),
    ADD COLUMN agent_ref text REFERENCES accounts.person (person_ref);
COMMENT ON COLUMN orders.sales_order.account_executive_ref IS
    'Account executive who sold the order (relatedParty role accountExecutive), else the account''s executive on the day received; NULL when neither is known.';
COMMENT ON COLUMN orders.sales_order.agent_ref IS
    'Indirect agent named on the order (relatedParty role agent); NULL for a direct sale.';

CREATE INDEX sales_order_ae_idx ON orders.sales_order (account_executive_ref);
CREATE INDEX sales_order_agent_idx ON orders.sales_order (agent_ref);

-- A refused order is not an order: nothing of it is stored in the order
-- tables. What was refused, and why, is kept here so the salesperson can be
-- told what to fix. Small and not per account (the account may not exist),
-- so it carries no account_id.
CREATE TABLE orders.intake_rejection (
    rejection_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash          text NOT NULL,
    received_on           date NOT NULL,
    submitted_by          text NOT NULL CONSTRAINT intake_rejection_actor_present CHECK (submitted_by <> ''),
    account_number        text,
    external_id           text,
    account_executive_ref text,
    agent_ref             text,
    problems              jsonb NOT NULL CONSTRAINT intake_rejection_problems_array CHECK (jsonb_typeof(problems) = 'array'),
    rejected_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT intake_rejection_once UNIQUE (content_hash, received_on)
);
COMMENT ON TABLE orders.intake_rejection IS 'Orders refused at intake, with every problem found; the same document refused again on the same day is recorded once.';
COMMENT ON COLUMN orders.intake_rejection.rejection_id IS 'Surrogate key.';
COMMENT ON COLUMN orders.intake_rejection.content_hash IS 'SHA-256 of the document as jsonb text.';
COMMENT ON COLUMN orders.intake_rejection.received_on IS 'Day the order came in.';
COMMENT ON COLUMN orders.intake_rejection.submitted_by IS 'Who sent it in (user or intake channel).';
COMMENT ON COLUMN orders.intake_rejection.account_number IS 'billingAccount.id as sent, when there was one.';
COMMENT ON COLUMN orders.intake_rejection.external_id IS 'externalId as sent, when there was one.';
COMMENT ON COLUMN orders.intake_rejection.account_executive_ref IS 'Account executive named on the order (or the account''s), as sent.';
COMMENT ON COLUMN orders.intake_rejection.agent_ref IS 'Agent named on the order, as sent.';
COMMENT ON COLUMN orders.intake_rejection.problems IS 'Every problem: [{code, field, message}].';
COMMENT ON COLUMN orders.intake_rejection.rejected_at IS 'When it was refused.';
CREATE INDEX intake_rejection_order_idx ON orders.intake_rejection (account_number, external_id);
