-- trunkline 0017: the far end of a point-to-point circuit. An order item's
-- address_id is its service address, or for a private line its A location;
-- z_address_id is the Z location.

ALTER TABLE orders.order_item
    ADD COLUMN z_address_id bigint REFERENCES accounts.address,
    ADD CONSTRAINT order_item_two_locations CHECK (z_address_id <> address_id);
COMMENT ON COLUMN orders.order_item.z_address_id IS 'Z location of a point-to-point item (address_id is its A location); NULL for single-site products.';
COMMENT ON CONSTRAINT order_item_two_locations ON orders.order_item IS
    'product.place: the A and Z locations of a point-to-point circuit must differ';
