-- trunkline 0001: shared schemas. The migration ledger itself
-- (common.schema_migration) is created by the migration runner.

CREATE SCHEMA IF NOT EXISTS common;
COMMENT ON SCHEMA common IS 'Shared objects of every module: migration ledger, helpers.';

CREATE SCHEMA audit;
COMMENT ON SCHEMA audit IS 'Audit trail of changes people make, and one event per bulk run.';

CREATE TABLE audit.event (
    event_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL CONSTRAINT event_actor_present CHECK (actor <> ''),
    action      text NOT NULL CONSTRAINT event_action_present CHECK (action <> ''),
    entity      text NOT NULL,
    entity_key  text NOT NULL,
    account_id  bigint,
    before      jsonb,
    after       jsonb
);
COMMENT ON TABLE audit.event IS 'Who changed what and when, with before/after values; bulk runs are one event with counts and totals.';
COMMENT ON COLUMN audit.event.event_id IS 'Surrogate key, in order of recording.';
COMMENT ON COLUMN audit.event.occurred_at IS 'When the change was committed (UTC).';
COMMENT ON COLUMN audit.event.actor IS 'The person or job that made the change.';
COMMENT ON COLUMN audit.event.action IS 'What was done, e.g. order.accept, bill.run.';
COMMENT ON COLUMN audit.event.entity IS 'Kind of business row changed, e.g. order, invoice.';
COMMENT ON COLUMN audit.event.entity_key IS 'Key of the changed row as text, e.g. an order number.';
COMMENT ON COLUMN audit.event.account_id IS 'Billing account concerned, when there is one.';
COMMENT ON COLUMN audit.event.before IS 'Values before the change (NULL for a creation).';
COMMENT ON COLUMN audit.event.after IS 'Values after the change, or a bulk run''s counts and totals.';
CREATE INDEX event_entity_idx ON audit.event (entity, entity_key);
