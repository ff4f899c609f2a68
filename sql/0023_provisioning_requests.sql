-- trunkline 0023: suspend and restore requests (collections' shutout and
-- release), worked by provisioning: requested, then done or cancelled.

CREATE TABLE provisioning.service_request (
    account_id      bigint NOT NULL,
    request_id      bigint GENERATED ALWAYS AS IDENTITY,
    service_id      bigint NOT NULL,
    kind            text NOT NULL CONSTRAINT service_request_kind_known CHECK (kind IN ('suspend', 'restore')),
    state           text NOT NULL DEFAULT 'requested'
        CONSTRAINT service_request_state_known CHECK (state IN ('requested', 'done', 'cancelled')),
    reason          text NOT NULL CONSTRAINT service_request_reason_present CHECK (reason <> ''),
    requested_by    text NOT NULL CONSTRAINT service_request_requester_present CHECK (requested_by <> ''),
    requested_at    timestamptz NOT NULL DEFAULT now(),
    closed_by       text,
    closed_at       timestamptz,
    close_reason    text NOT NULL DEFAULT '',
    effective_date  date,
    PRIMARY KEY (account_id, request_id),
    FOREIGN KEY (account_id, service_id) REFERENCES provisioning.service,
    CONSTRAINT service_request_closed CHECK ((state = 'requested') = (closed_at IS NULL)
        AND (state = 'requested') = (closed_by IS NULL)
        AND (state = 'done') = (effective_date IS NOT NULL))
);
CREATE UNIQUE INDEX service_request_one_open ON provisioning.service_request (account_id, service_id)
    WHERE state = 'requested';
CREATE INDEX service_request_id_idx ON provisioning.service_request (request_id);
COMMENT ON TABLE provisioning.service_request IS 'A request to suspend (shutout) or restore (release) a service, and what became of it.';
COMMENT ON COLUMN provisioning.service_request.account_id IS 'Billing account.';
COMMENT ON COLUMN provisioning.service_request.request_id IS 'Request number.';
COMMENT ON COLUMN provisioning.service_request.service_id IS 'Service.';
COMMENT ON COLUMN provisioning.service_request.kind IS 'suspend or restore.';
COMMENT ON COLUMN provisioning.service_request.state IS 'requested, done or cancelled.';
COMMENT ON COLUMN provisioning.service_request.reason IS 'Why it was requested.';
COMMENT ON COLUMN provisioning.service_request.requested_by IS 'Who requested it.';
COMMENT ON COLUMN provisioning.service_request.requested_at IS 'When it was requested.';
COMMENT ON COLUMN provisioning.service_request.closed_by IS 'Who did or cancelled it.';
COMMENT ON COLUMN provisioning.service_request.closed_at IS 'When it was done or cancelled.';
COMMENT ON COLUMN provisioning.service_request.close_reason IS 'Why it was cancelled (or a note when done).';
COMMENT ON COLUMN provisioning.service_request.effective_date IS 'Day the suspension or restoral took effect (done only).';
COMMENT ON INDEX provisioning.service_request_one_open IS
    'circuit: this service already has an open suspend or restore request';
