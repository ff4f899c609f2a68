-- trunkline 0005: sales orders, their items and their state history.

CREATE SCHEMA orders;
COMMENT ON SCHEMA orders IS 'Sales-order intake, lifecycle and history.';

CREATE TABLE orders.sales_order (
    account_id           bigint NOT NULL REFERENCES accounts.billing_account,
    order_id             bigint GENERATED ALWAYS AS IDENTITY,
    order_number         text NOT NULL GENERATED ALWAYS AS ('SO-' || lpad(order_id::text, 8, '0')) STORED,
    external_id          text NOT NULL CONSTRAINT sales_order_external_id_present CHECK (external_id <> ''),
    content_hash         text NOT NULL,
    state                text NOT NULL CONSTRAINT sales_order_state_known CHECK (state IN
                         ('draft', 'submitted', 'rejected', 'accepted', 'in_provisioning',
                          'installed', 'customer_accepted', 'billing', 'completed',
                          'cancelled', 'held')),
    requested_start_date date,
    submitted_by         text NOT NULL,
    submitted_at         timestamptz NOT NULL DEFAULT now(),
    document             jsonb NOT NULL,
    PRIMARY KEY (account_id, order_id),
    CONSTRAINT sales_order_external_id_key UNIQUE (account_id, external_id)
);
CREATE INDEX sales_order_number_idx ON orders.sales_order (order_number);
COMMENT ON TABLE orders.sales_order IS 'A sales order as accepted at intake (TMF622 ProductOrder).';
COMMENT ON COLUMN orders.sales_order.account_id IS 'Billing account ordering.';
COMMENT ON COLUMN orders.sales_order.order_id IS 'Surrogate key.';
COMMENT ON COLUMN orders.sales_order.order_number IS 'Order number people quote (SO-nnnnnnnn).';
COMMENT ON COLUMN orders.sales_order.external_id IS 'The submitter''s id for the order; resubmitting it is idempotent.';
COMMENT ON COLUMN orders.sales_order.content_hash IS 'SHA-256 of the canonical submitted document, to tell a resubmission from a conflicting one.';
COMMENT ON COLUMN orders.sales_order.state IS 'Lifecycle state; transitions are enforced by orders/lifecycle.c.';
COMMENT ON COLUMN orders.sales_order.requested_start_date IS 'Customer requested date (CRD).';
COMMENT ON COLUMN orders.sales_order.submitted_by IS 'Who submitted it.';
COMMENT ON COLUMN orders.sales_order.submitted_at IS 'When it was submitted.';
COMMENT ON COLUMN orders.sales_order.document IS 'The submitted document, as received.';
COMMENT ON CONSTRAINT sales_order_external_id_key ON orders.sales_order IS
    'externalId: this account already has a different order with this external id';

CREATE TABLE orders.order_item (
    account_id      bigint NOT NULL,
    order_id        bigint NOT NULL,
    item_id         text NOT NULL,
    action          text NOT NULL CONSTRAINT order_item_action_known CHECK (action IN ('add', 'modify', 'delete')),
    product_id      text NOT NULL REFERENCES catalog.product,
    address_id      bigint NOT NULL REFERENCES accounts.address,
    characteristics jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (account_id, order_id, item_id),
    FOREIGN KEY (account_id, order_id) REFERENCES orders.sales_order
);
COMMENT ON TABLE orders.order_item IS 'One product on an order, at one service address.';
COMMENT ON COLUMN orders.order_item.account_id IS 'Billing account.';
COMMENT ON COLUMN orders.order_item.order_id IS 'Order.';
COMMENT ON COLUMN orders.order_item.item_id IS 'Item id from the order (productOrderItem.id).';
COMMENT ON COLUMN orders.order_item.action IS 'add, modify or delete.';
COMMENT ON COLUMN orders.order_item.product_id IS 'Catalog product ordered.';
COMMENT ON COLUMN orders.order_item.address_id IS 'Service address from the address master.';
COMMENT ON COLUMN orders.order_item.characteristics IS 'Product characteristics as name/value pairs.';

CREATE TABLE orders.order_item_code (
    account_id bigint NOT NULL,
    order_id   bigint NOT NULL,
    item_id    text NOT NULL,
    code       text NOT NULL REFERENCES catalog.service_code,
    quantity   integer NOT NULL CONSTRAINT order_item_code_quantity CHECK (quantity > 0),
    PRIMARY KEY (account_id, order_id, item_id, code),
    FOREIGN KEY (account_id, order_id, item_id) REFERENCES orders.order_item
);
COMMENT ON TABLE orders.order_item_code IS 'Service codes an order item sells (recurring and one-time).';
COMMENT ON COLUMN orders.order_item_code.account_id IS 'Billing account.';
COMMENT ON COLUMN orders.order_item_code.order_id IS 'Order.';
COMMENT ON COLUMN orders.order_item_code.item_id IS 'Order item.';
COMMENT ON COLUMN orders.order_item_code.code IS 'Service code sold.';
COMMENT ON COLUMN orders.order_item_code.quantity IS 'How many units of the code.';

CREATE TABLE orders.state_change (
    account_id bigint NOT NULL,
    order_id   bigint NOT NULL,
    seq        integer NOT NULL,
    from_state text,
    to_state   text NOT NULL,
    actor      text NOT NULL CONSTRAINT state_change_actor_present CHECK (actor <> ''),
    reason     text NOT NULL DEFAULT '',
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, order_id, seq),
    FOREIGN KEY (account_id, order_id) REFERENCES orders.sales_order
);
COMMENT ON TABLE orders.state_change IS 'Every state transition of an order: who, when, why.';
COMMENT ON COLUMN orders.state_change.account_id IS 'Billing account.';
COMMENT ON COLUMN orders.state_change.order_id IS 'Order.';
COMMENT ON COLUMN orders.state_change.seq IS '1 for the first state, then one more per transition.';
COMMENT ON COLUMN orders.state_change.from_state IS 'State before (NULL for the first).';
COMMENT ON COLUMN orders.state_change.to_state IS 'State after.';
COMMENT ON COLUMN orders.state_change.actor IS 'Who made the transition.';
COMMENT ON COLUMN orders.state_change.reason IS 'Why, in the actor''s words.';
COMMENT ON COLUMN orders.state_change.changed_at IS 'When.';
