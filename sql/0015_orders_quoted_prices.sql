-- trunkline 0015: the prices a salesperson quoted on an order item
-- (TMF622 itemPrice), kept so the sales audit can compare them with the
-- contracted or list price.

ALTER TABLE orders.order_item
    ADD COLUMN quoted_currency char(3)
        CONSTRAINT order_item_quoted_currency CHECK (quoted_currency ~ '^[A-Z]{3}$'),
    ADD COLUMN quoted_mrc_minor bigint
        CONSTRAINT order_item_quoted_mrc CHECK (quoted_mrc_minor >= 0),
    ADD COLUMN quoted_nrc_minor bigint
        CONSTRAINT order_item_quoted_nrc CHECK (quoted_nrc_minor >= 0),
    ADD CONSTRAINT order_item_quoted_has_currency CHECK (
        (quoted_mrc_minor IS NULL AND quoted_nrc_minor IS NULL)
        OR quoted_currency IS NOT NULL);
COMMENT ON COLUMN orders.order_item.quoted_currency IS 'Currency of the quoted prices; NULL when nothing was quoted.';
COMMENT ON COLUMN orders.order_item.quoted_mrc_minor IS 'Monthly recurring price quoted for the item (all its units), minor units; NULL when not quoted.';
COMMENT ON COLUMN orders.order_item.quoted_nrc_minor IS 'One-time price quoted for the item, minor units; NULL when not quoted.';
COMMENT ON CONSTRAINT order_item_quoted_mrc ON orders.order_item IS
    'itemPrice: a quoted recurring price cannot be negative';
COMMENT ON CONSTRAINT order_item_quoted_nrc ON orders.order_item IS
    'itemPrice: a quoted one-time price cannot be negative';
