-- trunkline 0021: milestones per order item. Change, move and disconnect
-- items act on a service that already exists, and a service sees several
-- orders in its life, so a milestone belongs to the order item (and names
-- the service it concerns). A disconnect item ends with a 'disconnected'
-- milestone; an automatic acceptance is marked as such.

ALTER TABLE provisioning.milestone
    ADD COLUMN order_id bigint,
    ADD COLUMN item_id text,
    ADD COLUMN automatic boolean NOT NULL DEFAULT false;

UPDATE provisioning.milestone m
SET order_id = s.order_id, item_id = s.item_id
FROM provisioning.service s
WHERE s.account_id = m.account_id AND s.service_id = m.service_id;

ALTER TABLE provisioning.milestone
    ALTER COLUMN order_id SET NOT NULL,
    ALTER COLUMN item_id SET NOT NULL,
    DROP CONSTRAINT milestone_pkey,
    ADD PRIMARY KEY (account_id, order_id, item_id, kind),
    ADD CONSTRAINT milestone_item_fk FOREIGN KEY (account_id, order_id, item_id) REFERENCES orders.order_item,
    DROP CONSTRAINT milestone_kind_known,
    ADD CONSTRAINT milestone_kind_known CHECK (kind IN
        ('foc', 'ready_for_service', 'installed', 'turn_up', 'customer_accepted', 'disconnected'));
CREATE INDEX milestone_service_idx ON provisioning.milestone (account_id, service_id);
COMMENT ON TABLE provisioning.milestone IS 'Actual milestone dates of an order item; one row per kind.';
COMMENT ON COLUMN provisioning.milestone.service_id IS 'Service the item creates or acts on.';
COMMENT ON COLUMN provisioning.milestone.order_id IS 'Order.';
COMMENT ON COLUMN provisioning.milestone.item_id IS 'Order item.';
COMMENT ON COLUMN provisioning.milestone.kind IS 'foc, ready_for_service, installed, turn_up, customer_accepted or disconnected.';
COMMENT ON COLUMN provisioning.milestone.automatic IS 'True for an acceptance given automatically after the contract''s auto-acceptance days.';
COMMENT ON CONSTRAINT milestone_kind_known ON provisioning.milestone IS
    'kind: a milestone is foc, ready_for_service, installed, turn_up, customer_accepted or disconnected';
