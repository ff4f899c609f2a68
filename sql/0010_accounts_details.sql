-- trunkline 0010: account details — invoice delivery, credit limit, tax
-- exemptions, the account hierarchy, contacts, account executives and
-- agents of record, purchase orders, status history, the account-number
-- scheme and the address-request queue.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- ---- billing account details ----

ALTER TABLE accounts.billing_account
    ADD COLUMN invoice_delivery text
        CONSTRAINT billing_account_delivery_known
        CHECK (invoice_delivery IN ('email', 'paper', 'portal', 'edi')),
    ADD COLUMN invoice_delivery_address text
        CONSTRAINT billing_account_delivery_address_present
        CHECK (invoice_delivery_address <> ''),
    ADD COLUMN credit_limit_minor bigint
        CONSTRAINT billing_account_credit_limit_nonneg
        CHECK (credit_limit_minor >= 0),
    ADD COLUMN parent_account_id bigint
        REFERENCES accounts.billing_account (account_id)
        CONSTRAINT billing_account_parent_not_self
        CHECK (parent_account_id <> account_id),
    ADD COLUMN po_required boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN accounts.billing_account.invoice_delivery IS 'How invoices are sent: email, paper, portal or edi; NULL when not yet set.';
COMMENT ON COLUMN accounts.billing_account.invoice_delivery_address IS 'Where invoices are sent: e-mail address, postal address, portal user or EDI partner id.';
COMMENT ON COLUMN accounts.billing_account.credit_limit_minor IS 'Credit limit in minor units of the account currency; NULL means none set.';
COMMENT ON COLUMN accounts.billing_account.parent_account_id IS 'Parent account for roll-up (same customer, or a wholesale customer''s account); never forms a cycle.';
COMMENT ON COLUMN accounts.billing_account.po_required IS 'True when the customer''s payables reject invoices without a purchase-order number.';
COMMENT ON CONSTRAINT billing_account_delivery_known ON accounts.billing_account IS
    'invoiceDelivery.method: must be email, paper, portal or edi';
COMMENT ON CONSTRAINT billing_account_delivery_address_present ON accounts.billing_account IS
    'invoiceDelivery.address: must not be empty';
COMMENT ON CONSTRAINT billing_account_credit_limit_nonneg ON accounts.billing_account IS
    'creditLimit: the credit limit must not be negative';
COMMENT ON CONSTRAINT billing_account_parent_not_self ON accounts.billing_account IS
    'parentAccountNumber: an account cannot be its own parent';

-- The hierarchy must stay a forest. C checks first and reports the path;
-- this trigger is the backstop for every other writer.
CREATE FUNCTION accounts.check_parent_acyclic() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_account_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE up(id, depth) AS (
            SELECT NEW.parent_account_id, 1
          UNION ALL
            SELECT b.parent_account_id, up.depth + 1
              FROM accounts.billing_account b JOIN up ON b.account_id = up.id
             WHERE b.parent_account_id IS NOT NULL AND up.depth < 100)
        SELECT 1 FROM up WHERE id = NEW.account_id) THEN
        RAISE EXCEPTION 'account hierarchy cycle'
            USING ERRCODE = 'check_violation',
                  CONSTRAINT = 'billing_account_parent_not_self',
                  TABLE = 'billing_account', SCHEMA = 'accounts';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION accounts.check_parent_acyclic() IS 'Refuses a parent_account_id that would make the account its own ancestor.';
CREATE TRIGGER billing_account_parent_acyclic
    BEFORE INSERT OR UPDATE OF parent_account_id ON accounts.billing_account
    FOR EACH ROW EXECUTE FUNCTION accounts.check_parent_acyclic();

-- ---- account-number scheme ----

CREATE TABLE accounts.account_number_scheme (
    scheme_id  smallint PRIMARY KEY DEFAULT 1
        CONSTRAINT account_number_scheme_single CHECK (scheme_id = 1),
    prefix     text NOT NULL
        CONSTRAINT account_number_scheme_prefix CHECK (prefix ~ '^[A-Z][A-Z0-9-]{0,15}$'),
    digits     smallint NOT NULL
        CONSTRAINT account_number_scheme_digits CHECK (digits BETWEEN 3 AND 12),
    next_value bigint NOT NULL DEFAULT 1
        CONSTRAINT account_number_scheme_next CHECK (next_value >= 1)
);
COMMENT ON TABLE accounts.account_number_scheme IS 'How account numbers are made for loaded accounts that bring none: prefix plus a zero-padded sequence. One row.';
COMMENT ON COLUMN accounts.account_number_scheme.scheme_id IS 'Always 1: there is one scheme.';
COMMENT ON COLUMN accounts.account_number_scheme.prefix IS 'Fixed start of every generated number, e.g. TL-.';
COMMENT ON COLUMN accounts.account_number_scheme.digits IS 'Width the sequence is zero-padded to.';
COMMENT ON COLUMN accounts.account_number_scheme.next_value IS 'Sequence value the next generated number uses.';
COMMENT ON CONSTRAINT account_number_scheme_prefix ON accounts.account_number_scheme IS
    'prefix: 1-16 upper-case letters, digits or -, starting with a letter';
COMMENT ON CONSTRAINT account_number_scheme_digits ON accounts.account_number_scheme IS
    'digits: the sequence width must be between 3 and 12';
INSERT INTO accounts.account_number_scheme (prefix, digits) VALUES ('TL-', 6);

-- ---- status history ----

CREATE TABLE accounts.account_status_history (
    account_id  bigint NOT NULL REFERENCES accounts.billing_account,
    history_id  bigint GENERATED ALWAYS AS IDENTITY,
    from_status text NOT NULL,
    to_status   text NOT NULL
        CONSTRAINT account_status_history_to_known
        CHECK (to_status IN ('active', 'suspended', 'closed')),
    reason      text NOT NULL
        CONSTRAINT account_status_history_reason CHECK (reason <> ''),
    actor       text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, history_id)
);
COMMENT ON TABLE accounts.account_status_history IS 'Every status change of a billing account, with its reason; append-only.';
COMMENT ON COLUMN accounts.account_status_history.account_id IS 'Billing account.';
COMMENT ON COLUMN accounts.account_status_history.history_id IS 'Order of the changes.';
COMMENT ON COLUMN accounts.account_status_history.from_status IS 'Status before the change.';
COMMENT ON COLUMN accounts.account_status_history.to_status IS 'Status after the change.';
COMMENT ON COLUMN accounts.account_status_history.reason IS 'Why, in the words of the person who changed it.';
COMMENT ON COLUMN accounts.account_status_history.actor IS 'Who changed it.';
COMMENT ON COLUMN accounts.account_status_history.changed_at IS 'When it changed.';
COMMENT ON CONSTRAINT account_status_history_reason ON accounts.account_status_history IS
    'reason: a status change needs a reason';

-- ---- tax exemptions ----

CREATE TABLE accounts.tax_exemption (
    account_id         bigint NOT NULL REFERENCES accounts.billing_account,
    certificate_number text NOT NULL
        CONSTRAINT tax_exemption_certificate CHECK (certificate_number <> ''),
    jurisdiction       text NOT NULL
        CONSTRAINT tax_exemption_jurisdiction CHECK (jurisdiction <> ''),
    charge_category    text,
    valid_from         date NOT NULL,
    valid_to           date,
    PRIMARY KEY (account_id, certificate_number),
    CONSTRAINT tax_exemption_period CHECK (valid_to IS NULL OR valid_to > valid_from)
);
COMMENT ON TABLE accounts.tax_exemption IS 'Tax-exemption certificates of an account; billing skips a tax whose exemption is in force on the charge date.';
COMMENT ON COLUMN accounts.tax_exemption.account_id IS 'Billing account.';
COMMENT ON COLUMN accounts.tax_exemption.certificate_number IS 'Certificate number as issued (e.g. a resale certificate).';
COMMENT ON COLUMN accounts.tax_exemption.jurisdiction IS 'Taxing jurisdiction, e.g. US-ME or US (federal).';
COMMENT ON COLUMN accounts.tax_exemption.charge_category IS 'Tax or charge category exempted; NULL means all categories.';
COMMENT ON COLUMN accounts.tax_exemption.valid_from IS 'First day the exemption applies.';
COMMENT ON COLUMN accounts.tax_exemption.valid_to IS 'First day it no longer applies (half-open); NULL when open-ended.';
COMMENT ON CONSTRAINT tax_exemption_period ON accounts.tax_exemption IS
    'taxExemptions.validTo: must be after validFrom';

-- ---- contacts ----

CREATE TABLE accounts.contact (
    account_id bigint NOT NULL REFERENCES accounts.billing_account,
    contact_id bigint GENERATED ALWAYS AS IDENTITY,
    role       text NOT NULL
        CONSTRAINT contact_role_known CHECK (role IN ('billing', 'technical', 'collections')),
    name       text NOT NULL CONSTRAINT contact_name_present CHECK (name <> ''),
    email      text NOT NULL CONSTRAINT contact_email_format CHECK (email ~ '^[^@ ]+@[^@ ]+$'),
    phone      text,
    PRIMARY KEY (account_id, contact_id),
    CONSTRAINT contact_role_email_key UNIQUE (account_id, role, email)
);
COMMENT ON TABLE accounts.contact IS 'People at the customer to contact about an account, by role.';
COMMENT ON COLUMN accounts.contact.account_id IS 'Billing account.';
COMMENT ON COLUMN accounts.contact.contact_id IS 'Surrogate key.';
COMMENT ON COLUMN accounts.contact.role IS 'billing, technical or collections.';
COMMENT ON COLUMN accounts.contact.name IS 'Full name.';
COMMENT ON COLUMN accounts.contact.email IS 'E-mail address.';
COMMENT ON COLUMN accounts.contact.phone IS 'Phone number as given.';
COMMENT ON CONSTRAINT contact_role_email_key ON accounts.contact IS
    'contacts.email: this person already has this role on the account';
COMMENT ON CONSTRAINT contact_role_known ON accounts.contact IS
    'contacts.role: must be billing, technical or collections';

-- ---- account executives and agents ----

CREATE TABLE accounts.person (
    person_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_ref text NOT NULL CONSTRAINT person_ref_key UNIQUE
        CONSTRAINT person_ref_format CHECK (person_ref ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'),
    name       text NOT NULL CONSTRAINT person_name_present CHECK (name <> ''),
    kind       text NOT NULL CONSTRAINT person_kind_known CHECK (kind IN ('ae', 'agent'))
);
COMMENT ON TABLE accounts.person IS 'Account executives (our staff) and indirect agents (partners selling for us); a small shared table.';
COMMENT ON COLUMN accounts.person.person_id IS 'Surrogate key.';
COMMENT ON COLUMN accounts.person.person_ref IS 'Stable reference, e.g. SUMMIT or an employee id.';
COMMENT ON COLUMN accounts.person.name IS 'Name of the person or agent company.';
COMMENT ON COLUMN accounts.person.kind IS 'ae (account executive) or agent (indirect agent).';
COMMENT ON CONSTRAINT person_ref_key ON accounts.person IS
    'ref: a person with this reference already exists';

CREATE TABLE accounts.account_assignment (
    account_id bigint NOT NULL REFERENCES accounts.billing_account,
    role       text NOT NULL CONSTRAINT account_assignment_role CHECK (role IN ('ae', 'agent')),
    valid_from date NOT NULL,
    valid_to   date,
    person_id  bigint NOT NULL REFERENCES accounts.person,
    PRIMARY KEY (account_id, role, valid_from),
    CONSTRAINT account_assignment_period CHECK (valid_to IS NULL OR valid_to > valid_from),
    CONSTRAINT account_assignment_no_overlap EXCLUDE USING gist (
        account_id WITH =, role WITH =,
        daterange(valid_from, valid_to) WITH &&)
);
COMMENT ON TABLE accounts.account_assignment IS 'Effective-dated account executive and agent of record of an account; periods of one role never overlap.';
COMMENT ON COLUMN accounts.account_assignment.account_id IS 'Billing account.';
COMMENT ON COLUMN accounts.account_assignment.role IS 'ae (account executive) or agent (agent of record).';
COMMENT ON COLUMN accounts.account_assignment.valid_from IS 'First day of the assignment.';
COMMENT ON COLUMN accounts.account_assignment.valid_to IS 'First day after it (half-open); NULL while current.';
COMMENT ON COLUMN accounts.account_assignment.person_id IS 'The account executive or agent.';
COMMENT ON CONSTRAINT account_assignment_no_overlap ON accounts.account_assignment IS
    'from: another assignment of this role covers part of this period';
COMMENT ON CONSTRAINT account_assignment_period ON accounts.account_assignment IS
    'to: must be after from';

-- ---- purchase orders ----

CREATE TABLE accounts.purchase_order (
    account_id  bigint NOT NULL REFERENCES accounts.billing_account,
    po_number   text NOT NULL CONSTRAINT purchase_order_number CHECK (po_number <> ''),
    service_ref text,
    valid_from  date NOT NULL,
    valid_to    date NOT NULL,
    cap_minor   bigint CONSTRAINT purchase_order_cap_positive CHECK (cap_minor > 0),
    currency    char(3) NOT NULL CONSTRAINT purchase_order_currency CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, po_number),
    CONSTRAINT purchase_order_period CHECK (valid_to >= valid_from)
);
COMMENT ON TABLE accounts.purchase_order IS 'Customer purchase orders invoices must quote: per account, or per service when service_ref is set.';
COMMENT ON COLUMN accounts.purchase_order.account_id IS 'Billing account.';
COMMENT ON COLUMN accounts.purchase_order.po_number IS 'The customer''s PO number.';
COMMENT ON COLUMN accounts.purchase_order.service_ref IS 'Circuit or service the PO covers; NULL for the whole account.';
COMMENT ON COLUMN accounts.purchase_order.valid_from IS 'First day the PO may be quoted.';
COMMENT ON COLUMN accounts.purchase_order.valid_to IS 'Last day the PO may be quoted (inclusive, as customers write it).';
COMMENT ON COLUMN accounts.purchase_order.cap_minor IS 'Most that may be invoiced against it, in minor units; NULL for no cap.';
COMMENT ON COLUMN accounts.purchase_order.currency IS 'Currency of the cap (the account currency).';
COMMENT ON COLUMN accounts.purchase_order.created_at IS 'When the PO was recorded.';
COMMENT ON CONSTRAINT purchase_order_period ON accounts.purchase_order IS
    'validTo: must not be before validFrom';
COMMENT ON CONSTRAINT purchase_order_cap_positive ON accounts.purchase_order IS
    'amountCap: must be more than zero';
COMMENT ON CONSTRAINT purchase_order_pkey ON accounts.purchase_order IS
    'poNumber: this account already has a PO with this number';

-- ---- address master additions and the request queue ----

ALTER TABLE accounts.address ADD COLUMN house_info text;
COMMENT ON COLUMN accounts.address.house_info IS 'House information (building access, floor, riser, demarc) from approved update requests.';

CREATE TABLE accounts.address_request (
    request_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text NOT NULL
        CONSTRAINT address_request_kind CHECK (kind IN ('new_address', 'house_info_update')),
    line1          text NOT NULL CONSTRAINT address_request_line1 CHECK (line1 <> ''),
    line2          text,
    city           text NOT NULL CONSTRAINT address_request_city CHECK (city <> ''),
    region         text NOT NULL,
    postcode       text NOT NULL CONSTRAINT address_request_postcode CHECK (postcode <> ''),
    country        char(2) NOT NULL CONSTRAINT address_request_country CHECK (country ~ '^[A-Z]{2}$'),
    normalized_key text NOT NULL,
    house_info     text,
    target_address_id bigint REFERENCES accounts.address,
    state          text NOT NULL DEFAULT 'requested'
        CONSTRAINT address_request_state CHECK (state IN ('requested', 'approved', 'rejected')),
    reason         text,
    duplicate_of   bigint REFERENCES accounts.address,
    address_id     bigint REFERENCES accounts.address,
    requested_by   text NOT NULL,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    decided_by     text,
    decided_at     timestamptz,
    CONSTRAINT address_request_reject_reason CHECK (state <> 'rejected' OR reason <> ''),
    CONSTRAINT address_request_house_target CHECK (kind <> 'house_info_update' OR target_address_id IS NOT NULL)
);
COMMENT ON TABLE accounts.address_request IS 'Queue of new-address and house-information-update requests: requested, then approved or rejected with a reason.';
COMMENT ON COLUMN accounts.address_request.request_id IS 'Surrogate key, the number people quote.';
COMMENT ON COLUMN accounts.address_request.kind IS 'new_address or house_info_update.';
COMMENT ON COLUMN accounts.address_request.line1 IS 'Requested street line.';
COMMENT ON COLUMN accounts.address_request.line2 IS 'Requested suite, floor, room.';
COMMENT ON COLUMN accounts.address_request.city IS 'Requested city.';
COMMENT ON COLUMN accounts.address_request.region IS 'Requested state or province.';
COMMENT ON COLUMN accounts.address_request.postcode IS 'Requested postal code.';
COMMENT ON COLUMN accounts.address_request.country IS 'Requested ISO 3166 alpha-2 country.';
COMMENT ON COLUMN accounts.address_request.normalized_key IS 'Normalized key of the requested address (accounts_address_key).';
COMMENT ON COLUMN accounts.address_request.house_info IS 'House information to record (house_info_update).';
COMMENT ON COLUMN accounts.address_request.target_address_id IS 'Master address a house_info_update changes.';
COMMENT ON COLUMN accounts.address_request.state IS 'requested, approved or rejected.';
COMMENT ON COLUMN accounts.address_request.reason IS 'Why it was rejected (required then), or a note on approval.';
COMMENT ON COLUMN accounts.address_request.duplicate_of IS 'Master address this request probably duplicates (near match), for the approver.';
COMMENT ON COLUMN accounts.address_request.address_id IS 'Master address created or updated on approval.';
COMMENT ON COLUMN accounts.address_request.requested_by IS 'Who asked.';
COMMENT ON COLUMN accounts.address_request.requested_at IS 'When they asked.';
COMMENT ON COLUMN accounts.address_request.decided_by IS 'Who approved or rejected it.';
COMMENT ON COLUMN accounts.address_request.decided_at IS 'When it was decided.';
COMMENT ON CONSTRAINT address_request_reject_reason ON accounts.address_request IS
    'reason: a rejection needs a reason';
COMMENT ON CONSTRAINT address_request_house_target ON accounts.address_request IS
    'addressId: a house-information update names the master address it changes';
CREATE UNIQUE INDEX address_request_pending_key ON accounts.address_request (kind, normalized_key)
    WHERE state = 'requested';
COMMENT ON INDEX accounts.address_request_pending_key IS
    'address: the same request is already waiting';

-- ---- messages of the remaining constraints ----

COMMENT ON CONSTRAINT billing_account_parent_account_id_fkey ON accounts.billing_account IS
    'parentAccountNumber: the parent account does not exist';
COMMENT ON CONSTRAINT account_number_scheme_next ON accounts.account_number_scheme IS
    'nextValue: the sequence starts at 1';
COMMENT ON CONSTRAINT account_number_scheme_single ON accounts.account_number_scheme IS
    'scheme: there is only one account-number scheme';
COMMENT ON CONSTRAINT account_status_history_to_known ON accounts.account_status_history IS
    'status: must be active, suspended or closed';
COMMENT ON CONSTRAINT tax_exemption_certificate ON accounts.tax_exemption IS
    'taxExemptions.certificateNumber: must not be empty';
COMMENT ON CONSTRAINT tax_exemption_jurisdiction ON accounts.tax_exemption IS
    'taxExemptions.jurisdiction: must not be empty';
COMMENT ON CONSTRAINT tax_exemption_pkey ON accounts.tax_exemption IS
    'taxExemptions.certificateNumber: this account already has this certificate';
COMMENT ON CONSTRAINT contact_email_format ON accounts.contact IS
    'contacts.email: must look like name@domain';
COMMENT ON CONSTRAINT contact_name_present ON accounts.contact IS
    'contacts.name: must not be empty';
COMMENT ON CONSTRAINT person_kind_known ON accounts.person IS
    'kind: must be ae or agent';
COMMENT ON CONSTRAINT person_name_present ON accounts.person IS
    'name: must not be empty';
COMMENT ON CONSTRAINT person_ref_format ON accounts.person IS
    'ref: 1-64 letters, digits, _ . or -, starting with a letter or digit';
COMMENT ON CONSTRAINT account_assignment_role ON accounts.account_assignment IS
    'role: must be ae or agent';
COMMENT ON CONSTRAINT account_assignment_pkey ON accounts.account_assignment IS
    'from: an assignment of this role already starts on this day';
COMMENT ON CONSTRAINT account_assignment_person_id_fkey ON accounts.account_assignment IS
    'person: no such account executive or agent';
COMMENT ON CONSTRAINT purchase_order_number ON accounts.purchase_order IS
    'poNumber: must not be empty';
COMMENT ON CONSTRAINT purchase_order_currency ON accounts.purchase_order IS
    'amountCap: the currency must be an ISO 4217 code';
COMMENT ON CONSTRAINT address_request_kind ON accounts.address_request IS
    'kind: must be new_address or house_info_update';
COMMENT ON CONSTRAINT address_request_state ON accounts.address_request IS
    'state: must be requested, approved or rejected';
COMMENT ON CONSTRAINT address_request_line1 ON accounts.address_request IS
    'line1: must not be empty';
COMMENT ON CONSTRAINT address_request_city ON accounts.address_request IS
    'city: must not be empty';
COMMENT ON CONSTRAINT address_request_postcode ON accounts.address_request IS
    'postcode: must not be empty';
COMMENT ON CONSTRAINT address_request_country ON accounts.address_request IS
    'country: must be an ISO 3166 alpha-2 code such as US';
COMMENT ON CONSTRAINT address_request_target_address_id_fkey ON accounts.address_request IS
    'addressId: the address is not in the address master';
