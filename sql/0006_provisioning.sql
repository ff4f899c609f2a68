-- trunkline 0006: service inventory and milestones.

CREATE SCHEMA provisioning;
COMMENT ON SCHEMA provisioning IS 'Service inventory, milestones, equipment.';

CREATE TABLE provisioning.service (
    account_id         bigint NOT NULL,
    service_id         bigint GENERATED ALWAYS AS IDENTITY,
    circuit_id         text NOT NULL GENERATED ALWAYS AS (product_id || '/' || lpad(service_id::text, 6, '0')) STORED,
    order_id           bigint NOT NULL,
    item_id            text NOT NULL,
    product_id         text NOT NULL REFERENCES catalog.product,
    address_id         bigint NOT NULL REFERENCES accounts.address,
    state              text NOT NULL DEFAULT 'pending'
        CONSTRAINT service_state_known CHECK (state IN ('pending', 'active', 'disconnected')),
    install_date       date,
    acceptance_date    date,
    billing_start_date date,
    disconnect_date    date,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, service_id),
    CONSTRAINT service_circuit_key UNIQUE (account_id, circuit_id),
    CONSTRAINT service_order_item_key UNIQUE (account_id, order_id, item_id),
    FOREIGN KEY (account_id, order_id, item_id) REFERENCES orders.order_item,
    CONSTRAINT service_acceptance_after_install CHECK (acceptance_date >= install_date),
    CONSTRAINT service_billing_needs_install CHECK (billing_start_date IS NULL OR install_date IS NOT NULL),
    CONSTRAINT service_disconnect_after_start CHECK (disconnect_date >= billing_start_date)
);
CREATE INDEX service_circuit_idx ON provisioning.service (circuit_id);
COMMENT ON TABLE provisioning.service IS 'Service inventory: one installed (or pending) circuit or managed service.';
COMMENT ON COLUMN provisioning.service.account_id IS 'Billing account that pays for the service.';
COMMENT ON COLUMN provisioning.service.service_id IS 'Surrogate key.';
COMMENT ON COLUMN provisioning.service.circuit_id IS 'Circuit id people and carriers quote.';
COMMENT ON COLUMN provisioning.service.order_id IS 'Order that created the service.';
COMMENT ON COLUMN provisioning.service.item_id IS 'Order item that created the service.';
COMMENT ON COLUMN provisioning.service.product_id IS 'Product.';
COMMENT ON COLUMN provisioning.service.address_id IS 'Service address.';
COMMENT ON COLUMN provisioning.service.state IS 'pending, active or disconnected.';
COMMENT ON COLUMN provisioning.service.install_date IS 'Installed date.';
COMMENT ON COLUMN provisioning.service.acceptance_date IS 'Customer acceptance date (actual or automatic).';
COMMENT ON COLUMN provisioning.service.billing_start_date IS 'First day recurring charges apply.';
COMMENT ON COLUMN provisioning.service.disconnect_date IS 'First day recurring charges no longer apply.';
COMMENT ON COLUMN provisioning.service.created_at IS 'When the service entered inventory.';
COMMENT ON CONSTRAINT service_acceptance_after_install ON provisioning.service IS
    'date: customer acceptance cannot be before the install date';

CREATE TABLE provisioning.service_code (
    account_id bigint NOT NULL,
    service_id bigint NOT NULL,
    code       text NOT NULL REFERENCES catalog.service_code,
    quantity   integer NOT NULL CONSTRAINT service_code_quantity CHECK (quantity > 0),
    PRIMARY KEY (account_id, service_id, code),
    FOREIGN KEY (account_id, service_id) REFERENCES provisioning.service
);
COMMENT ON TABLE provisioning.service_code IS 'Service codes a service bills.';
COMMENT ON COLUMN provisioning.service_code.account_id IS 'Billing account.';
COMMENT ON COLUMN provisioning.service_code.service_id IS 'Service.';
COMMENT ON COLUMN provisioning.service_code.code IS 'Service code.';
COMMENT ON COLUMN provisioning.service_code.quantity IS 'Units billed.';

CREATE TABLE provisioning.milestone (
    account_id     bigint NOT NULL,
    service_id     bigint NOT NULL,
    kind           text NOT NULL CONSTRAINT milestone_kind_known CHECK (kind IN
                   ('foc', 'ready_for_service', 'installed', 'turn_up', 'customer_accepted')),
    milestone_date date NOT NULL,
    recorded_by    text NOT NULL,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, service_id, kind),
    FOREIGN KEY (account_id, service_id) REFERENCES provisioning.service
);
COMMENT ON TABLE provisioning.milestone IS 'Actual milestone dates of a service; one row per kind.';
COMMENT ON COLUMN provisioning.milestone.account_id IS 'Billing account.';
COMMENT ON COLUMN provisioning.milestone.service_id IS 'Service.';
COMMENT ON COLUMN provisioning.milestone.kind IS 'foc, ready_for_service, installed, turn_up or customer_accepted.';
COMMENT ON COLUMN provisioning.milestone.milestone_date IS 'Date the milestone happened.';
COMMENT ON COLUMN provisioning.milestone.recorded_by IS 'Who recorded it.';
COMMENT ON COLUMN provisioning.milestone.recorded_at IS 'When it was recorded.';
