-- trunkline 0022: provisioning tasks per order item, routed to the team
-- that does them, each with an owner, a due date and a status.

CREATE TABLE provisioning.task (
    account_id   bigint NOT NULL,
    task_id      bigint GENERATED ALWAYS AS IDENTITY,
    order_id     bigint NOT NULL,
    item_id      text NOT NULL,
    team         text NOT NULL CONSTRAINT task_team_known CHECK (team IN
                 ('network_admin', 'voice_admin', 'fiber_deployment', 'tech_support')),
    kind         text NOT NULL CONSTRAINT task_kind_present CHECK (kind <> ''),
    owner        text CONSTRAINT task_owner_present CHECK (owner <> ''),
    due_date     date NOT NULL,
    status       text NOT NULL DEFAULT 'open' CONSTRAINT task_status_known CHECK (status IN
                 ('open', 'in_progress', 'done', 'cancelled')),
    reason       text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    PRIMARY KEY (account_id, task_id),
    CONSTRAINT task_once_per_item UNIQUE (account_id, order_id, item_id, kind),
    FOREIGN KEY (account_id, order_id, item_id) REFERENCES orders.order_item,
    CONSTRAINT task_closed_when_final CHECK ((closed_at IS NOT NULL) = (status IN ('done', 'cancelled')))
);
CREATE INDEX task_id_idx ON provisioning.task (task_id);
CREATE INDEX task_open_due_idx ON provisioning.task (due_date) WHERE status IN ('open', 'in_progress');
COMMENT ON TABLE provisioning.task IS 'Work a team does for an order item (assign an IP block, build fiber, turn up); an open task past its due date puts the order in jeopardy.';
COMMENT ON COLUMN provisioning.task.account_id IS 'Billing account.';
COMMENT ON COLUMN provisioning.task.task_id IS 'Task number people quote.';
COMMENT ON COLUMN provisioning.task.order_id IS 'Order.';
COMMENT ON COLUMN provisioning.task.item_id IS 'Order item.';
COMMENT ON COLUMN provisioning.task.team IS 'network_admin, voice_admin, fiber_deployment or tech_support.';
COMMENT ON COLUMN provisioning.task.kind IS 'What to do, e.g. "assign IPv4 block and routing".';
COMMENT ON COLUMN provisioning.task.owner IS 'Person working it; NULL while unassigned.';
COMMENT ON COLUMN provisioning.task.due_date IS 'Day it must be done by.';
COMMENT ON COLUMN provisioning.task.status IS 'open, in_progress, done or cancelled.';
COMMENT ON COLUMN provisioning.task.reason IS 'Why it was last changed (e.g. why cancelled); empty when not given.';
COMMENT ON COLUMN provisioning.task.created_at IS 'When it was created.';
COMMENT ON COLUMN provisioning.task.updated_at IS 'When it last changed.';
COMMENT ON COLUMN provisioning.task.closed_at IS 'When it was done or cancelled.';
COMMENT ON CONSTRAINT task_owner_present ON provisioning.task IS
    'owner: an owner must not be empty';
