-- trunkline 0018: jeopardy raised on an order from outside its dates, e.g.
-- by provisioning when one of the order's tasks is overdue.

ALTER TABLE orders.sales_order
    ADD COLUMN jeopardy_reason text
        CONSTRAINT sales_order_jeopardy_reason CHECK (jeopardy_reason <> ''),
    ADD COLUMN jeopardy_since date,
    ADD CONSTRAINT sales_order_jeopardy_dated CHECK ((jeopardy_reason IS NULL) = (jeopardy_since IS NULL));
COMMENT ON COLUMN orders.sales_order.jeopardy_reason IS 'Why the order is in jeopardy beyond its due date (e.g. an overdue provisioning task); NULL when not flagged.';
COMMENT ON COLUMN orders.sales_order.jeopardy_since IS 'Day the jeopardy was raised; NULL when not flagged.';
