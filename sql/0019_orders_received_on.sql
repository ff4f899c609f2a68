-- trunkline 0019: the day an order came in, which may be before the day it
-- was keyed in (an order received by e-mail on Friday, entered on Monday).
-- Ages in the order queues count from it.

ALTER TABLE orders.sales_order ADD COLUMN received_on date;
UPDATE orders.sales_order SET received_on = (submitted_at AT TIME ZONE 'UTC')::date;
ALTER TABLE orders.sales_order ALTER COLUMN received_on SET NOT NULL;
COMMENT ON COLUMN orders.sales_order.received_on IS 'Day the order came in (intake --received); the queues age orders from it.';
