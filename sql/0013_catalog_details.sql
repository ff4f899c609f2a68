-- trunkline 0013: catalog details. Product place roles, typed
-- characteristics with allowed values, rules between characteristics,
-- component quantities taken from characteristics, tax categories of
-- service codes, and effective-dated tax and regulatory surcharge rules.
-- All small shared tables (Citus reference tables later): no account_id.

ALTER TABLE catalog.product
    ADD COLUMN place_roles text[] NOT NULL DEFAULT '{serviceAddress}'
        CONSTRAINT product_place_roles_valid CHECK (
            cardinality(place_roles) BETWEEN 1 AND 4
            AND array_position(place_roles, NULL) IS NULL);
COMMENT ON COLUMN catalog.product.place_roles IS
    'Place roles an order item of the product must give, e.g. {serviceAddress} or {aLocation,zLocation}.';
COMMENT ON CONSTRAINT product_place_roles_valid ON catalog.product IS
    'placeRoles: a product has 1 to 4 place roles';

-- ---- characteristics ----

CREATE TABLE catalog.characteristic_def (
    product_id     text NOT NULL REFERENCES catalog.product,
    name           text NOT NULL
        CONSTRAINT characteristic_name_format CHECK (name ~ '^[a-z][A-Za-z0-9]{0,47}$'),
    value_type     text NOT NULL
        CONSTRAINT characteristic_type_known CHECK (value_type IN
            ('integer', 'bandwidth', 'text', 'enum', 'boolean')),
    required       boolean NOT NULL DEFAULT false,
    allowed_values text[],
    min_value      bigint,
    max_value      bigint,
    multiple_of    bigint CONSTRAINT characteristic_multiple_positive CHECK (multiple_of > 0),
    unit           text CONSTRAINT characteristic_unit_present CHECK (unit <> ''),
    position       int NOT NULL CONSTRAINT characteristic_position_range CHECK (position >= 0),
    PRIMARY KEY (product_id, name),
    CONSTRAINT characteristic_position_key UNIQUE (product_id, position),
    CONSTRAINT characteristic_range_order CHECK (
        min_value IS NULL OR max_value IS NULL OR min_value <= max_value),
    CONSTRAINT characteristic_enum_values CHECK (
        value_type <> 'enum' OR cardinality(allowed_values) >= 1),
    CONSTRAINT characteristic_numeric_bounds CHECK (
        value_type IN ('integer', 'bandwidth')
        OR (min_value IS NULL AND max_value IS NULL AND multiple_of IS NULL)),
    CONSTRAINT characteristic_allowed_types CHECK (
        allowed_values IS NULL OR value_type IN ('integer', 'bandwidth', 'enum'))
);
COMMENT ON TABLE catalog.characteristic_def IS
    'A typed characteristic an order item of a product carries (portSpeed, callPaths), with what values it allows.';
COMMENT ON COLUMN catalog.characteristic_def.product_id IS 'The product.';
COMMENT ON COLUMN catalog.characteristic_def.name IS 'Name as sent on orders (TMF622 productCharacteristic name), camelCase.';
COMMENT ON COLUMN catalog.characteristic_def.value_type IS 'integer, bandwidth (compared in kbps), text, enum or boolean.';
COMMENT ON COLUMN catalog.characteristic_def.required IS 'Whether every order item of the product must give it.';
COMMENT ON COLUMN catalog.characteristic_def.allowed_values IS
    'The values allowed, in canonical form ("500 Mbps", "23", "/29"); NULL allows any value of the type. Required for enum.';
COMMENT ON COLUMN catalog.characteristic_def.min_value IS 'Smallest value allowed (integer, or kbps for bandwidth); NULL for no bound.';
COMMENT ON COLUMN catalog.characteristic_def.max_value IS 'Largest value allowed (integer, or kbps for bandwidth); NULL for no bound.';
COMMENT ON COLUMN catalog.characteristic_def.multiple_of IS 'The value must be a multiple of this (PRI channels: 23); NULL for any.';
COMMENT ON COLUMN catalog.characteristic_def.unit IS 'Unit shown to people (paths, spans, channels), or NULL.';
COMMENT ON COLUMN catalog.characteristic_def.position IS 'Order in which the characteristics are listed.';
COMMENT ON CONSTRAINT characteristic_name_format ON catalog.characteristic_def IS
    'characteristics.name: a characteristic name is camelCase: a lower-case letter, then letters and digits (at most 48)';
COMMENT ON CONSTRAINT characteristic_type_known ON catalog.characteristic_def IS
    'characteristics.valueType: valueType must be integer, bandwidth, text, enum or boolean';
COMMENT ON CONSTRAINT characteristic_multiple_positive ON catalog.characteristic_def IS
    'characteristics.multipleOf: multipleOf must be greater than 0';
COMMENT ON CONSTRAINT characteristic_unit_present ON catalog.characteristic_def IS
    'characteristics.unit: unit must not be empty';
COMMENT ON CONSTRAINT characteristic_position_range ON catalog.characteristic_def IS
    'characteristics: position must not be negative';
COMMENT ON CONSTRAINT characteristic_position_key ON catalog.characteristic_def IS
    'characteristics: two characteristics of a product cannot share a position';
COMMENT ON CONSTRAINT characteristic_range_order ON catalog.characteristic_def IS
    'characteristics.max: max must not be less than min';
COMMENT ON CONSTRAINT characteristic_enum_values ON catalog.characteristic_def IS
    'characteristics.allowedValues: an enum needs at least one allowed value';
COMMENT ON CONSTRAINT characteristic_numeric_bounds ON catalog.characteristic_def IS
    'characteristics.min: min, max and multipleOf apply to integer and bandwidth characteristics only';
COMMENT ON CONSTRAINT characteristic_allowed_types ON catalog.characteristic_def IS
    'characteristics.allowedValues: allowedValues apply to integer, bandwidth and enum characteristics only';

CREATE TABLE catalog.product_rule (
    product_id     text NOT NULL,
    rule           text NOT NULL
        CONSTRAINT product_rule_known CHECK (rule IN ('not_greater_than')),
    characteristic text NOT NULL,
    other          text NOT NULL,
    PRIMARY KEY (product_id, rule, characteristic, other),
    CONSTRAINT product_rule_distinct CHECK (characteristic <> other),
    FOREIGN KEY (product_id, characteristic) REFERENCES catalog.characteristic_def,
    FOREIGN KEY (product_id, other) REFERENCES catalog.characteristic_def
);
COMMENT ON TABLE catalog.product_rule IS
    'A rule between two characteristics of a product, e.g. committedBandwidth not greater than portSpeed.';
COMMENT ON COLUMN catalog.product_rule.product_id IS 'The product.';
COMMENT ON COLUMN catalog.product_rule.rule IS 'Kind of rule: not_greater_than (characteristic <= other).';
COMMENT ON COLUMN catalog.product_rule.characteristic IS 'The characteristic the rule constrains.';
COMMENT ON COLUMN catalog.product_rule.other IS 'The characteristic it is compared with.';
COMMENT ON CONSTRAINT product_rule_known ON catalog.product_rule IS
    'rules.rule: rule must be notGreaterThan';
COMMENT ON CONSTRAINT product_rule_distinct ON catalog.product_rule IS
    'rules.other: a rule compares two different characteristics';

-- ---- component quantities, tax categories ----

ALTER TABLE catalog.product_component
    ADD COLUMN quantity_from text,
    ADD CONSTRAINT product_component_quantity_from
        FOREIGN KEY (product_id, quantity_from) REFERENCES catalog.characteristic_def;
COMMENT ON COLUMN catalog.product_component.quantity_from IS
    'Integer characteristic whose value is the quantity billed of this code (SIP-PATH: callPaths); NULL bills one.';
COMMENT ON CONSTRAINT product_component_quantity_from ON catalog.product_component IS
    'serviceCodes.quantityFrom: quantityFrom must name a characteristic of the product';

ALTER TABLE catalog.service_code
    ADD COLUMN tax_category text
        CONSTRAINT service_code_tax_category_known CHECK (tax_category IN
            ('telecom', 'internet', 'equipment', 'installation', 'managed'));
COMMENT ON COLUMN catalog.service_code.tax_category IS
    'Charge category taxes and surcharges apply to (telecom, internet, equipment, installation, managed); NULL when not yet classified.';
COMMENT ON CONSTRAINT service_code_tax_category_known ON catalog.service_code IS
    'taxCategory: taxCategory must be telecom, internet, equipment, installation or managed';

-- ---- tax and regulatory surcharge rules ----

CREATE TABLE catalog.tax_rule (
    tax_rule_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    jurisdiction    text NOT NULL
        CONSTRAINT tax_rule_jurisdiction_format CHECK (jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,12}){0,2}$'),
    charge_category text
        CONSTRAINT tax_rule_category_known CHECK (charge_category IN
            ('telecom', 'internet', 'equipment', 'installation', 'managed')),
    tax_code        text NOT NULL
        CONSTRAINT tax_rule_code_format CHECK (tax_code ~ '^[A-Z0-9][A-Z0-9_-]{0,23}$'),
    name            text NOT NULL
        CONSTRAINT tax_rule_name_present CHECK (name <> '' AND length(name) <= 90),
    kind            text NOT NULL
        CONSTRAINT tax_rule_kind_known CHECK (kind IN ('tax', 'surcharge')),
    basis           text NOT NULL
        CONSTRAINT tax_rule_basis_known CHECK (basis IN ('percent', 'per_unit')),
    rate_ppm        bigint,
    amount_minor    bigint,
    currency        char(3),
    effective_from  date NOT NULL,
    effective_to    date,
    CONSTRAINT tax_rule_basis_values CHECK (
        (basis = 'percent' AND rate_ppm BETWEEN 0 AND 1000000
             AND amount_minor IS NULL AND currency IS NULL)
        OR (basis = 'per_unit' AND rate_ppm IS NULL AND amount_minor >= 0
             AND currency ~ '^[A-Z]{3}$')),
    CONSTRAINT tax_rule_period CHECK (effective_to IS NULL OR effective_to > effective_from)
);
CREATE UNIQUE INDEX tax_rule_key ON catalog.tax_rule
    (jurisdiction, tax_code, (coalesce(charge_category, '')), effective_from);
COMMENT ON TABLE catalog.tax_rule IS
    'Taxes and regulatory surcharges by jurisdiction and charge category, effective-dated: a row holds from effective_from until the next row with the same jurisdiction, tax code and category (or its effective_to); a rate or amount of 0 retires the rule. History is never rewritten.';
COMMENT ON COLUMN catalog.tax_rule.tax_rule_id IS 'Surrogate key.';
COMMENT ON COLUMN catalog.tax_rule.jurisdiction IS 'Taxing jurisdiction, as in accounts.tax_exemption: US (federal), US-ME (a state).';
COMMENT ON COLUMN catalog.tax_rule.charge_category IS 'service_code.tax_category the rule applies to; NULL for every category.';
COMMENT ON COLUMN catalog.tax_rule.tax_code IS 'Stable code of the tax, e.g. US-FUSF, ME-SALES, E911.';
COMMENT ON COLUMN catalog.tax_rule.name IS 'Name printed on invoices.';
COMMENT ON COLUMN catalog.tax_rule.kind IS 'tax or surcharge (regulatory recovery fee).';
COMMENT ON COLUMN catalog.tax_rule.basis IS 'percent of the charge (rate_ppm) or a fixed amount per unit (amount_minor, currency).';
COMMENT ON COLUMN catalog.tax_rule.rate_ppm IS 'For percent: the rate in parts per million (6.5% = 65000).';
COMMENT ON COLUMN catalog.tax_rule.amount_minor IS 'For per_unit: the amount per unit in minor units of currency.';
COMMENT ON COLUMN catalog.tax_rule.currency IS 'For per_unit: ISO 4217 currency of amount_minor.';
COMMENT ON COLUMN catalog.tax_rule.effective_from IS 'First day the row applies.';
COMMENT ON COLUMN catalog.tax_rule.effective_to IS 'First day it no longer applies (half-open); NULL until the next row.';
COMMENT ON INDEX catalog.tax_rule_key IS
    'taxRules.effectiveFrom: this tax rule already has a row from this date';
COMMENT ON CONSTRAINT tax_rule_jurisdiction_format ON catalog.tax_rule IS
    'taxRules.jurisdiction: a jurisdiction is a country code, optionally followed by -REGION, e.g. US or US-ME';
COMMENT ON CONSTRAINT tax_rule_category_known ON catalog.tax_rule IS
    'taxRules.chargeCategory: chargeCategory must be telecom, internet, equipment, installation or managed';
COMMENT ON CONSTRAINT tax_rule_code_format ON catalog.tax_rule IS
    'taxRules.taxCode: a tax code is 1-24 upper-case letters, digits, "-" or "_"';
COMMENT ON CONSTRAINT tax_rule_name_present ON catalog.tax_rule IS
    'taxRules.name: name must be 1-90 characters';
COMMENT ON CONSTRAINT tax_rule_kind_known ON catalog.tax_rule IS
    'taxRules.kind: kind must be tax or surcharge';
COMMENT ON CONSTRAINT tax_rule_basis_known ON catalog.tax_rule IS
    'taxRules.basis: basis must be percent or per_unit';
COMMENT ON CONSTRAINT tax_rule_basis_values ON catalog.tax_rule IS
    'taxRules.basis: a percent rule has a rate from 0 to 100 percent; a per_unit rule has a non-negative amount and a currency';
COMMENT ON CONSTRAINT tax_rule_period ON catalog.tax_rule IS
    'taxRules.effectiveTo: effectiveTo must be after effectiveFrom';
