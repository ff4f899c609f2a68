-- trunkline 0025: customer premises equipment (cable modems, routers, IADs,
-- firewalls, switches): models, the equipment each product needs, every
-- item by serial with where it is now, its append-only movements, the CSV
-- files of movements loaded, and non-return fees handed to billing.
--
-- An item moves between warehouses, technicians and customers, so
-- equipment and its movements are small shared tables keyed by
-- equipment_id, not by account; the fees belong to an account and carry
-- account_id first in their key.

CREATE TABLE provisioning.equipment_model (
    model     text PRIMARY KEY
        CONSTRAINT equipment_model_present CHECK (model <> ''),
    kind      text NOT NULL
        CONSTRAINT equipment_model_kind_known CHECK (kind IN
            ('cable_modem', 'router', 'iad', 'firewall', 'switch')),
    maker     text NOT NULL,
    needs_mac boolean NOT NULL DEFAULT false,
    fee_code  text REFERENCES catalog.service_code
);
COMMENT ON TABLE provisioning.equipment_model IS 'CPE models the operator stocks.';
COMMENT ON COLUMN provisioning.equipment_model.model IS 'Model name as on the box (e.g. SB8200).';
COMMENT ON COLUMN provisioning.equipment_model.kind IS 'cable_modem, router, iad, firewall or switch.';
COMMENT ON COLUMN provisioning.equipment_model.maker IS 'Manufacturer.';
COMMENT ON COLUMN provisioning.equipment_model.needs_mac IS 'Whether an item of this model must be received with its MAC address.';
COMMENT ON COLUMN provisioning.equipment_model.fee_code IS 'Equipment NRC service code whose list price is the fee when an item is not returned; NULL: the fee configured for the audit.';
COMMENT ON CONSTRAINT equipment_model_kind_known ON provisioning.equipment_model IS
    'kind: the kind must be cable_modem, router, iad, firewall or switch';

CREATE TABLE provisioning.product_equipment (
    product_id text NOT NULL REFERENCES catalog.product,
    kind       text NOT NULL
        CONSTRAINT product_equipment_kind_known CHECK (kind IN
            ('cable_modem', 'router', 'iad', 'firewall', 'switch')),
    required   boolean NOT NULL,
    PRIMARY KEY (product_id, kind)
);
COMMENT ON TABLE provisioning.product_equipment IS 'Equipment a product is installed with (EoDOCSIS: a cable modem; PRI: an IAD).';
COMMENT ON COLUMN provisioning.product_equipment.product_id IS 'Product.';
COMMENT ON COLUMN provisioning.product_equipment.kind IS 'Kind of equipment.';
COMMENT ON COLUMN provisioning.product_equipment.required IS 'True: an active service without it is an audit finding; false: optional.';

CREATE TABLE provisioning.equipment (
    equipment_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial        text NOT NULL
        CONSTRAINT equipment_serial_key UNIQUE
        CONSTRAINT equipment_serial_present CHECK (serial <> '' AND serial = btrim(serial)),
    mac           text
        CONSTRAINT equipment_mac_key UNIQUE
        CONSTRAINT equipment_mac_format CHECK (mac ~ '^([0-9a-f]{2}:){5}[0-9a-f]{2}$'),
    model         text NOT NULL REFERENCES provisioning.equipment_model,
    status        text NOT NULL
        CONSTRAINT equipment_status_known CHECK (status IN
            ('in_stock', 'assigned', 'installed', 'returned', 'lost', 'retired')),
    location_kind text NOT NULL
        CONSTRAINT equipment_location_known CHECK (location_kind IN
            ('warehouse', 'technician', 'customer_site', 'returned', 'lost')),
    location_ref  text NOT NULL,
    account_id    bigint REFERENCES accounts.billing_account,
    address_id    bigint REFERENCES accounts.address,
    circuit_id    text,
    last_seq      integer NOT NULL DEFAULT 0,
    received_at   timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT equipment_site_named CHECK (
        (location_kind = 'customer_site')
        = (account_id IS NOT NULL AND address_id IS NOT NULL AND circuit_id IS NOT NULL)),
    CONSTRAINT equipment_status_matches_location CHECK (status = 'retired' OR status =
        CASE location_kind WHEN 'warehouse' THEN 'in_stock'
                           WHEN 'technician' THEN 'assigned'
                           WHEN 'customer_site' THEN 'installed'
                           ELSE location_kind END)
);
CREATE INDEX equipment_account_idx ON provisioning.equipment (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX equipment_circuit_idx ON provisioning.equipment (circuit_id) WHERE circuit_id IS NOT NULL;
COMMENT ON TABLE provisioning.equipment IS 'One CPE item by serial, and where it is now (the destination of its latest movement).';
COMMENT ON COLUMN provisioning.equipment.equipment_id IS 'Surrogate key.';
COMMENT ON COLUMN provisioning.equipment.serial IS 'Serial number, as printed (trimmed).';
COMMENT ON COLUMN provisioning.equipment.mac IS 'MAC address normalized to aa:bb:cc:dd:ee:ff; NULL when the model has none recorded.';
COMMENT ON COLUMN provisioning.equipment.model IS 'Model.';
COMMENT ON COLUMN provisioning.equipment.status IS 'in_stock, assigned, installed, returned, lost or retired; follows the location.';
COMMENT ON COLUMN provisioning.equipment.location_kind IS 'warehouse, technician, customer_site, returned or lost.';
COMMENT ON COLUMN provisioning.equipment.location_ref IS 'Warehouse or technician name; the circuit id at a customer site; a note for returned or lost.';
COMMENT ON COLUMN provisioning.equipment.account_id IS 'Account of the customer site the item is at; NULL elsewhere.';
COMMENT ON COLUMN provisioning.equipment.address_id IS 'Service address the item is at; NULL elsewhere.';
COMMENT ON COLUMN provisioning.equipment.circuit_id IS 'Circuit the item is installed for; NULL elsewhere.';
COMMENT ON COLUMN provisioning.equipment.last_seq IS 'seq of the latest movement.';
COMMENT ON COLUMN provisioning.equipment.received_at IS 'When the item entered inventory.';
COMMENT ON COLUMN provisioning.equipment.updated_at IS 'When the item last moved.';
COMMENT ON CONSTRAINT equipment_serial_key ON provisioning.equipment IS
    'serial: an item with this serial is already in inventory';
COMMENT ON CONSTRAINT equipment_mac_key ON provisioning.equipment IS
    'mac: another item already has this MAC address';
COMMENT ON CONSTRAINT equipment_mac_format ON provisioning.equipment IS
    'mac: a MAC address is six hex pairs, aa:bb:cc:dd:ee:ff';

CREATE TABLE provisioning.equipment_load (
    load_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_hash text NOT NULL CONSTRAINT equipment_load_hash_key UNIQUE,
    file_name    text NOT NULL,
    rows_total   integer NOT NULL,
    movements    integer NOT NULL DEFAULT 0,
    received     integer NOT NULL DEFAULT 0,
    loaded_by    text NOT NULL,
    loaded_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE provisioning.equipment_load IS 'CSV files of movements loaded; a file with the same content is loaded once.';
COMMENT ON COLUMN provisioning.equipment_load.load_id IS 'Surrogate key.';
COMMENT ON COLUMN provisioning.equipment_load.content_hash IS 'SHA-256 of the file bytes.';
COMMENT ON COLUMN provisioning.equipment_load.file_name IS 'File name given when loading.';
COMMENT ON COLUMN provisioning.equipment_load.rows_total IS 'Data rows in the file.';
COMMENT ON COLUMN provisioning.equipment_load.movements IS 'Movements it added.';
COMMENT ON COLUMN provisioning.equipment_load.received IS 'Items it received into inventory.';
COMMENT ON COLUMN provisioning.equipment_load.loaded_by IS 'Who loaded it.';
COMMENT ON COLUMN provisioning.equipment_load.loaded_at IS 'When.';

CREATE TABLE provisioning.equipment_movement (
    equipment_id    bigint NOT NULL REFERENCES provisioning.equipment,
    seq             integer NOT NULL CONSTRAINT equipment_movement_seq CHECK (seq > 0),
    moved_on        date NOT NULL,
    from_kind       text,
    from_ref        text,
    from_account_id bigint REFERENCES accounts.billing_account,
    to_kind         text NOT NULL
        CONSTRAINT equipment_movement_to_known CHECK (to_kind IN
            ('warehouse', 'technician', 'customer_site', 'returned', 'lost')),
    to_ref          text NOT NULL,
    account_id      bigint REFERENCES accounts.billing_account,
    address_id      bigint REFERENCES accounts.address,
    circuit_id      text,
    order_number    text,
    reference       text NOT NULL CONSTRAINT equipment_movement_reference_key UNIQUE,
    actor           text NOT NULL,
    load_id         bigint REFERENCES provisioning.equipment_load,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (equipment_id, seq),
    CONSTRAINT equipment_movement_site_named CHECK (
        (to_kind = 'customer_site') = (account_id IS NOT NULL AND address_id IS NOT NULL AND circuit_id IS NOT NULL))
);
CREATE INDEX equipment_movement_account_idx ON provisioning.equipment_movement (account_id) WHERE account_id IS NOT NULL;
COMMENT ON TABLE provisioning.equipment_movement IS 'Every movement of an item, append-only; the first is its receipt (no from).';
COMMENT ON COLUMN provisioning.equipment_movement.equipment_id IS 'Item.';
COMMENT ON COLUMN provisioning.equipment_movement.seq IS '1, 2, ... per item, in the order recorded.';
COMMENT ON COLUMN provisioning.equipment_movement.moved_on IS 'Day the item moved.';
COMMENT ON COLUMN provisioning.equipment_movement.from_kind IS 'Location kind it left; NULL for the receipt.';
COMMENT ON COLUMN provisioning.equipment_movement.from_ref IS 'Location it left; NULL for the receipt.';
COMMENT ON COLUMN provisioning.equipment_movement.from_account_id IS 'Account of the customer site it left; NULL otherwise.';
COMMENT ON COLUMN provisioning.equipment_movement.to_kind IS 'Location kind it went to.';
COMMENT ON COLUMN provisioning.equipment_movement.to_ref IS 'Location it went to (the circuit id at a customer site).';
COMMENT ON COLUMN provisioning.equipment_movement.account_id IS 'Account of the customer site it went to; NULL otherwise.';
COMMENT ON COLUMN provisioning.equipment_movement.address_id IS 'Service address it went to; NULL otherwise.';
COMMENT ON COLUMN provisioning.equipment_movement.circuit_id IS 'Circuit it was installed for; NULL otherwise.';
COMMENT ON COLUMN provisioning.equipment_movement.order_number IS 'Order authorizing the movement (SO-nnnnnnnn); NULL when none was given.';
COMMENT ON COLUMN provisioning.equipment_movement.reference IS 'Movement reference (a CSV row''s, or generated); the idempotency key.';
COMMENT ON COLUMN provisioning.equipment_movement.actor IS 'Who recorded it.';
COMMENT ON COLUMN provisioning.equipment_movement.load_id IS 'CSV load it came from; NULL when recorded one by one.';
COMMENT ON COLUMN provisioning.equipment_movement.recorded_at IS 'When it was recorded.';
COMMENT ON CONSTRAINT equipment_movement_reference_key ON provisioning.equipment_movement IS
    'reference: a movement with this reference is already recorded';

CREATE TABLE provisioning.equipment_charge (
    account_id      bigint NOT NULL REFERENCES accounts.billing_account,
    charge_id       bigint GENERATED ALWAYS AS IDENTITY,
    equipment_id    bigint NOT NULL REFERENCES provisioning.equipment,
    serial          text NOT NULL,
    circuit_id      text NOT NULL,
    disconnect_date date NOT NULL,
    due_on          date NOT NULL,
    code            text REFERENCES catalog.service_code,
    amount_minor    bigint NOT NULL CONSTRAINT equipment_charge_amount CHECK (amount_minor >= 0),
    currency        char(3) NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
        CONSTRAINT equipment_charge_status_known CHECK (status IN ('pending', 'billed', 'waived')),
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, charge_id),
    CONSTRAINT equipment_charge_once UNIQUE (account_id, equipment_id, circuit_id, disconnect_date)
);
COMMENT ON TABLE provisioning.equipment_charge IS 'Non-return fees handed to billing: one per item and disconnect; billing picks up the pending ones.';
COMMENT ON COLUMN provisioning.equipment_charge.account_id IS 'Account charged.';
COMMENT ON COLUMN provisioning.equipment_charge.charge_id IS 'Surrogate key.';
COMMENT ON COLUMN provisioning.equipment_charge.equipment_id IS 'Item not returned.';
COMMENT ON COLUMN provisioning.equipment_charge.serial IS 'Its serial, as when charged.';
COMMENT ON COLUMN provisioning.equipment_charge.circuit_id IS 'Disconnected circuit it was installed for.';
COMMENT ON COLUMN provisioning.equipment_charge.disconnect_date IS 'Disconnect date of that circuit.';
COMMENT ON COLUMN provisioning.equipment_charge.due_on IS 'Day the item was due back (disconnect date plus the return days).';
COMMENT ON COLUMN provisioning.equipment_charge.code IS 'Equipment NRC service code priced, NULL for a configured fee.';
COMMENT ON COLUMN provisioning.equipment_charge.amount_minor IS 'Fee in minor units of currency.';
COMMENT ON COLUMN provisioning.equipment_charge.currency IS 'Account currency (ISO 4217).';
COMMENT ON COLUMN provisioning.equipment_charge.status IS 'pending (for billing), billed or waived.';
COMMENT ON COLUMN provisioning.equipment_charge.created_by IS 'Who ran the audit that raised it.';
COMMENT ON COLUMN provisioning.equipment_charge.created_at IS 'When.';
COMMENT ON CONSTRAINT equipment_charge_once ON provisioning.equipment_charge IS
    'serial: a non-return fee for this item and disconnect is already recorded';
