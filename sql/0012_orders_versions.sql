-- trunkline 0012: order versions (supplements) and the lookups the order
-- queues use.

CREATE TABLE orders.order_version (
    account_id           bigint NOT NULL,
    order_id             bigint NOT NULL,
    version              integer NOT NULL CONSTRAINT order_version_positive CHECK (version > 0),
    document             jsonb NOT NULL,
    requested_start_date date,
    reason               text NOT NULL DEFAULT '',
    created_by           text NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, order_id, version),
    FOREIGN KEY (account_id, order_id) REFERENCES orders.sales_order
);
COMMENT ON TABLE orders.order_version IS 'Every version of an order: 1 as submitted, then one per supplement. The order row holds the current one.';
COMMENT ON COLUMN orders.order_version.account_id IS 'Billing account.';
COMMENT ON COLUMN orders.order_version.order_id IS 'Order.';
COMMENT ON COLUMN orders.order_version.version IS '1 for the submitted order, then 2, 3, ... per supplement.';
COMMENT ON COLUMN orders.order_version.document IS 'The whole order document of this version.';
COMMENT ON COLUMN orders.order_version.requested_start_date IS 'Requested start date (CRD) in this version.';
COMMENT ON COLUMN orders.order_version.reason IS 'Why the version was made, in the words of who made it.';
COMMENT ON COLUMN orders.order_version.created_by IS 'Who submitted the version.';
COMMENT ON COLUMN orders.order_version.created_at IS 'When.';

ALTER TABLE orders.sales_order
    ADD COLUMN version integer NOT NULL DEFAULT 1,
    ADD COLUMN state_changed_at timestamptz;
COMMENT ON COLUMN orders.sales_order.version IS 'Current version (orders.order_version).';
COMMENT ON COLUMN orders.sales_order.state_changed_at IS 'When the order entered its current state, for days-in-state in the queues.';

-- Orders submitted before versions existed become their own version 1.
INSERT INTO orders.order_version (account_id, order_id, version, document,
                                  requested_start_date, reason, created_by, created_at)
SELECT account_id, order_id, 1, document, requested_start_date, 'order received',
       submitted_by, submitted_at
FROM orders.sales_order;

UPDATE orders.sales_order o
SET state_changed_at = (SELECT max(changed_at) FROM orders.state_change c
                        WHERE c.account_id = o.account_id AND c.order_id = o.order_id);
UPDATE orders.sales_order SET state_changed_at = submitted_at WHERE state_changed_at IS NULL;
ALTER TABLE orders.sales_order ALTER COLUMN state_changed_at SET NOT NULL,
                               ALTER COLUMN state_changed_at SET DEFAULT now();

CREATE INDEX sales_order_state_idx ON orders.sales_order (state, requested_start_date);
CREATE INDEX sales_order_external_idx ON orders.sales_order (external_id);
