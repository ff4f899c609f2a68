-- trunkline 0016: change, move and disconnect orders name the service in
-- inventory they act on. provisioning (a module above orders) owns the
-- inventory, so this is the circuit id as text, checked at intake through
-- provisioning's lookup, not a foreign key.

ALTER TABLE orders.order_item
    ADD COLUMN service_ref text,
    ADD COLUMN change_kind text
        CONSTRAINT order_item_change_kind CHECK (change_kind IN ('change', 'move', 'disconnect')),
    ADD CONSTRAINT order_item_service_ref_by_action CHECK (
        (action = 'add' AND service_ref IS NULL AND change_kind IS NULL)
        OR (action = 'modify' AND service_ref IS NOT NULL AND change_kind IN ('change', 'move'))
        OR (action = 'delete' AND service_ref IS NOT NULL AND change_kind = 'disconnect'));
COMMENT ON COLUMN orders.order_item.service_ref IS 'Circuit id of the service in inventory a modify or delete item acts on; NULL for a new service.';
COMMENT ON COLUMN orders.order_item.change_kind IS 'change (new product or characteristics), move (new service address) or disconnect; NULL for a new service.';
COMMENT ON CONSTRAINT order_item_service_ref_by_action ON orders.order_item IS
    'product.id: a modify or delete item names the circuit it acts on, and an add item names none';

CREATE INDEX order_item_service_ref_idx ON orders.order_item (service_ref) WHERE service_ref IS NOT NULL;
