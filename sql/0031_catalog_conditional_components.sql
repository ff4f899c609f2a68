-- trunkline 0031: a service code a product bills only when a boolean
-- characteristic of the order item is true, e.g. the construction charge of
-- a private line that needs a lateral build.

ALTER TABLE catalog.product_component
    ADD COLUMN included_when text,
    ADD CONSTRAINT product_component_included_when
        FOREIGN KEY (product_id, included_when) REFERENCES catalog.characteristic_def;
COMMENT ON COLUMN catalog.product_component.included_when IS
    'Boolean characteristic of the product that must be true on an order item for this code to be sold; NULL: always sold.';
COMMENT ON CONSTRAINT product_component_included_when ON catalog.product_component IS
    'serviceCodes.includedWhen: must name a characteristic of the product';
