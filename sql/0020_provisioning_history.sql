-- trunkline 0020: the service inventory as the single truth of what is
-- installed. A service carries its characteristics, its Z location and the
-- agreement it was sold under, can be suspended, and keeps an append-only
-- history of versions: each a full snapshot effective from a date, with
-- the order item that caused it (NULL when none did, which the service-code
-- audit reports).

-- A circuit id is quoted by people and carriers for the life of the
-- circuit: it is given once, from the product sold, and no longer follows
-- the product when a change order changes it.
ALTER TABLE provisioning.service ALTER COLUMN circuit_id DROP EXPRESSION;
CREATE FUNCTION provisioning.service_circuit_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.circuit_id IS NULL THEN
        NEW.circuit_id := NEW.product_id || '/' || lpad(NEW.service_id::text, 6, '0');
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION provisioning.service_circuit_id() IS 'Gives a new service its circuit id: product/nnnnnn.';
CREATE TRIGGER service_circuit_id BEFORE INSERT ON provisioning.service
    FOR EACH ROW EXECUTE FUNCTION provisioning.service_circuit_id();
COMMENT ON COLUMN provisioning.service.circuit_id IS 'Circuit id people and carriers quote: product/nnnnnn as first sold, never changed.';

ALTER TABLE provisioning.service
    ADD COLUMN z_address_id bigint REFERENCES accounts.address,
    ADD COLUMN characteristics jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT service_characteristics_object CHECK (jsonb_typeof(characteristics) = 'object'),
    ADD COLUMN agreement_id bigint,
    ADD CONSTRAINT service_agreement_fk FOREIGN KEY (account_id, agreement_id)
        REFERENCES contracts.agreement (account_id, agreement_id),
    DROP CONSTRAINT service_state_known,
    ADD CONSTRAINT service_state_known CHECK (state IN ('pending', 'active', 'suspended', 'disconnected'));
COMMENT ON COLUMN provisioning.service.z_address_id IS 'Z location of a point-to-point circuit (address_id is then its A location); NULL otherwise.';
COMMENT ON COLUMN provisioning.service.characteristics IS 'Characteristics in force ({name: value}), as sold and then changed by change orders.';
COMMENT ON COLUMN provisioning.service.agreement_id IS 'Agreement in force for the account when the service was ordered; NULL when none was.';
COMMENT ON COLUMN provisioning.service.state IS 'pending, active, suspended or disconnected.';
COMMENT ON CONSTRAINT service_characteristics_object ON provisioning.service IS
    'characteristics: characteristics must be a JSON object';
COMMENT ON CONSTRAINT service_disconnect_after_start ON provisioning.service IS
    'date: a service cannot be disconnected before its billing start date';

ALTER TABLE provisioning.service_code
    ADD COLUMN effective_from date;
COMMENT ON COLUMN provisioning.service_code.effective_from IS 'Day the code started to apply when a change put it on the service; NULL when it was sold with the service (from its billing start).';

-- Services from before this migration: what their order item sold.
UPDATE provisioning.service s
SET characteristics = i.characteristics, z_address_id = i.z_address_id
FROM orders.order_item i
WHERE i.account_id = s.account_id AND i.order_id = s.order_id AND i.item_id = s.item_id;

UPDATE provisioning.service s
SET agreement_id = (
    SELECT a.agreement_id FROM contracts.agreement a
    WHERE a.account_id = s.account_id
      AND a.start_date <= coalesce(s.install_date, s.created_at::date)
      AND a.current_end_date > coalesce(s.install_date, s.created_at::date)
    ORDER BY a.start_date DESC, a.agreement_id DESC LIMIT 1);

CREATE TABLE provisioning.service_version (
    account_id      bigint NOT NULL,
    service_id      bigint NOT NULL,
    version         integer NOT NULL CONSTRAINT service_version_positive CHECK (version > 0),
    effective_date  date NOT NULL,
    kind            text NOT NULL CONSTRAINT service_version_kind_known CHECK (kind IN
                    ('created', 'activated', 'changed', 'moved', 'disconnected',
                     'suspended', 'restored', 'codes_changed')),
    state           text NOT NULL,
    product_id      text NOT NULL REFERENCES catalog.product,
    address_id      bigint NOT NULL REFERENCES accounts.address,
    z_address_id    bigint REFERENCES accounts.address,
    characteristics jsonb NOT NULL,
    codes           jsonb NOT NULL CONSTRAINT service_version_codes_array CHECK (jsonb_typeof(codes) = 'array'),
    order_id        bigint,
    item_id         text,
    actor           text NOT NULL CONSTRAINT service_version_actor_present CHECK (actor <> ''),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, service_id, version),
    FOREIGN KEY (account_id, service_id) REFERENCES provisioning.service,
    FOREIGN KEY (account_id, order_id, item_id) REFERENCES orders.order_item,
    CONSTRAINT service_version_item_with_order CHECK ((order_id IS NULL) = (item_id IS NULL))
);
CREATE INDEX service_version_effective_idx ON provisioning.service_version (account_id, service_id, effective_date);
COMMENT ON TABLE provisioning.service_version IS 'Append-only history of a service: one full snapshot per event, in force from effective_date until the next one. The service as of a date is its latest version effective on or before it.';
COMMENT ON COLUMN provisioning.service_version.account_id IS 'Billing account.';
COMMENT ON COLUMN provisioning.service_version.service_id IS 'Service.';
COMMENT ON COLUMN provisioning.service_version.version IS '1, 2, ... in the order recorded.';
COMMENT ON COLUMN provisioning.service_version.effective_date IS 'First day this snapshot describes the service.';
COMMENT ON COLUMN provisioning.service_version.kind IS 'What happened: created (installed), activated (accepted: billing starts), changed, moved, disconnected, suspended, restored, codes_changed.';
COMMENT ON COLUMN provisioning.service_version.state IS 'Service state from that day.';
COMMENT ON COLUMN provisioning.service_version.product_id IS 'Product from that day.';
COMMENT ON COLUMN provisioning.service_version.address_id IS 'Service address (A location) from that day.';
COMMENT ON COLUMN provisioning.service_version.z_address_id IS 'Z location from that day, NULL when none.';
COMMENT ON COLUMN provisioning.service_version.characteristics IS 'Characteristics from that day.';
COMMENT ON COLUMN provisioning.service_version.codes IS 'Service codes billed from that day: [{code, quantity}] by code.';
COMMENT ON COLUMN provisioning.service_version.order_id IS 'Order that caused it; NULL when no order did.';
COMMENT ON COLUMN provisioning.service_version.item_id IS 'Order item that caused it; NULL when no order did.';
COMMENT ON COLUMN provisioning.service_version.actor IS 'Who recorded it.';
COMMENT ON COLUMN provisioning.service_version.recorded_at IS 'When it was recorded.';

-- Installed services from before this migration: created on their install
-- date, activated on acceptance, disconnected on their disconnect date.
INSERT INTO provisioning.service_version (account_id, service_id, version, effective_date, kind,
    state, product_id, address_id, z_address_id, characteristics, codes, order_id, item_id, actor)
SELECT s.account_id, s.service_id, e.n, e.day, e.kind, e.state, s.product_id, s.address_id,
       s.z_address_id, s.characteristics,
       coalesce((SELECT jsonb_agg(jsonb_build_object('code', c.code, 'quantity', c.quantity) ORDER BY c.code)
                 FROM provisioning.service_code c
                 WHERE c.account_id = s.account_id AND c.service_id = s.service_id), '[]'),
       s.order_id, s.item_id, 'migration 0020'
FROM provisioning.service s
CROSS JOIN LATERAL (VALUES
    (1, s.install_date, 'created', 'pending'),
    (2, s.acceptance_date, 'activated', 'active'),
    (CASE WHEN s.acceptance_date IS NULL THEN 2 ELSE 3 END, s.disconnect_date, 'disconnected', 'disconnected')
) AS e (n, day, kind, state)
WHERE s.install_date IS NOT NULL AND e.day IS NOT NULL;
