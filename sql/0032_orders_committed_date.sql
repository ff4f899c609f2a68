-- trunkline 0032: the date provisioning committed to (the firm order
-- commitment, FOC). Once there is one, the queues measure jeopardy against
-- it instead of the date the customer asked for.

ALTER TABLE orders.sales_order ADD COLUMN committed_date date;
COMMENT ON COLUMN orders.sales_order.committed_date IS 'Latest FOC date provisioning gave for the order''s items; NULL until one is given. Jeopardy is measured against it, else against requested_start_date.';
