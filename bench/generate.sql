-- A realistic book for the bill-run benchmark, written set-based straight
-- into the module tables (the intake paths would take hours for 100k
-- accounts). psql variables: :accounts (how many billing accounts).
--
-- Every account: one customer, one service address, one order in billing
-- with three items -- DIA 500 (port + install), a SIP trunk (per path x
-- callPaths, DID blocks, install) and EoDOCSIS 100/20 (tier, install,
-- modem) -- and so three services. Starts are spread over October and
-- November (mid-period proration), 5% of services are disconnected in
-- mid November, every tenth account upgrades its DIA port mid November,
-- and every third account has an agreement with a contracted DIA port
-- rate. Everything bills on cycle day 1.

BEGIN;

CREATE TEMP TABLE gen AS
SELECT g AS n,
       'BENCH-C' || lpad(g::text, 7, '0') AS customer_ref,
       'BN' || lpad(g::text, 7, '0') AS account_number,
       (date '2026-10-01' + (g % 58)) AS start_date
FROM generate_series(1, :accounts) AS g;

INSERT INTO accounts.customer (customer_ref, name, kind)
SELECT customer_ref, 'Bench customer ' || n, 'enterprise' FROM gen;

INSERT INTO accounts.billing_account (account_number, customer_id, name,
    currency, bill_cycle_day, payment_terms_days)
SELECT g.account_number, c.customer_id, 'Bench account ' || g.n, 'USD', 1, 30
FROM gen g JOIN accounts.customer c USING (customer_ref);

INSERT INTO accounts.address (line1, city, region, postcode, country,
    normalized_key)
SELECT n || ' Bench Street', 'Portland', 'ME', '04101', 'US',
       n || ' BENCH ST|PORTLAND|ME|04101|US'
FROM gen;

CREATE TEMP TABLE gen_account AS
SELECT g.*, a.account_id, ad.address_id
FROM gen g
JOIN accounts.billing_account a USING (account_number)
JOIN accounts.address ad ON ad.line1 = g.n || ' Bench Street';

INSERT INTO accounts.account_site (account_id, address_id, site_name)
SELECT account_id, address_id, 'Head office' FROM gen_account;

INSERT INTO orders.sales_order (account_id, external_id, content_hash,
    state, requested_start_date, submitted_by, document, received_on)
SELECT account_id, 'BENCH-' || n, md5(n::text), 'billing', start_date,
       'bench', '{}'::jsonb, start_date - 30
FROM gen_account;

CREATE TEMP TABLE gen_item (item_id text, product_id text, chars jsonb);
INSERT INTO gen_item VALUES
    ('1', 'DIA', '{"portSpeed": "500 Mbps", "committedBandwidth": "500 Mbps"}'),
    ('2', 'SIP', '{"callPaths": 24, "didBlocks": 2}'),
    ('3', 'EOD-100', '{"speedTier": "100/20", "cableModem": "Arris S33"}');

INSERT INTO orders.order_item (account_id, order_id, item_id, action,
    product_id, address_id, characteristics)
SELECT o.account_id, o.order_id, i.item_id, 'add', i.product_id,
       ga.address_id, i.chars
FROM gen_account ga
JOIN orders.sales_order o USING (account_id)
CROSS JOIN gen_item i;

INSERT INTO orders.order_item_code (account_id, order_id, item_id, code,
    quantity)
SELECT oi.account_id, oi.order_id, oi.item_id, c.code,
       coalesce((oi.characteristics ->> c.quantity_from)::int, 1)
FROM orders.order_item oi
JOIN orders.sales_order o USING (account_id, order_id)
JOIN catalog.product_component c ON c.product_id = oi.product_id
WHERE o.external_id LIKE 'BENCH-%'
AND (c.included_when IS NULL
     OR (oi.characteristics ->> c.included_when) = 'true');

-- Services: installed four days before billing starts; 5% disconnected
-- on November 17th when they started before it.
INSERT INTO provisioning.service (account_id, order_id, item_id, product_id,
    address_id, state, install_date, acceptance_date, billing_start_date,
    disconnect_date, characteristics)
SELECT oi.account_id, oi.order_id, oi.item_id, oi.product_id, oi.address_id,
       CASE WHEN d.disconnected THEN 'disconnected' ELSE 'active' END,
       ga.start_date - 4, ga.start_date, ga.start_date,
       CASE WHEN d.disconnected THEN date '2026-11-17' END,
       oi.characteristics
FROM orders.order_item oi
JOIN gen_account ga USING (account_id)
CROSS JOIN LATERAL (SELECT (ga.n * 3 + oi.item_id::int) % 20 = 0
                    AND ga.start_date < date '2026-11-17' AS disconnected) d;

INSERT INTO provisioning.service_code (account_id, service_id, code, quantity,
    effective_from)
SELECT s.account_id, s.service_id, c.code, c.quantity, s.billing_start_date
FROM provisioning.service s
JOIN gen_account ga USING (account_id)
JOIN orders.order_item_code c USING (account_id, order_id, item_id);

INSERT INTO provisioning.service_version (account_id, service_id, version,
    effective_date, kind, state, product_id, address_id, characteristics,
    codes, order_id, item_id, actor)
SELECT s.account_id, s.service_id, 1, s.install_date, 'created', 'pending',
       s.product_id, s.address_id, s.characteristics,
       (SELECT jsonb_agg(jsonb_build_object('code', sc.code,
               'quantity', sc.quantity) ORDER BY sc.code)
        FROM provisioning.service_code sc
        WHERE sc.account_id = s.account_id AND sc.service_id = s.service_id),
       s.order_id, s.item_id, 'bench'
FROM provisioning.service s JOIN gen_account USING (account_id);

-- Every tenth account upgrades its DIA port to 1 Gbps on November 12th:
-- a mid-period change (a new version of the service with the new code),
-- so November is billed in two pieces at two prices.
CREATE TEMP TABLE gen_upgrade ON COMMIT DROP AS
SELECT s.account_id, s.service_id
FROM provisioning.service s
JOIN gen_account ga USING (account_id)
JOIN provisioning.service_code sc USING (account_id, service_id)
WHERE ga.n % 10 = 5 AND sc.code = 'DIA500'
AND s.billing_start_date < date '2026-11-12'
AND (s.disconnect_date IS NULL OR s.disconnect_date > date '2026-11-12');

INSERT INTO provisioning.service_version (account_id, service_id, version,
    effective_date, kind, state, product_id, address_id, characteristics,
    codes, actor)
SELECT v.account_id, v.service_id, 2, date '2026-11-12', 'codes_changed',
       'active', v.product_id, v.address_id,
       v.characteristics || '{"portSpeed": "1 Gbps"}',
       (SELECT jsonb_agg(CASE WHEN e ->> 'code' = 'DIA500'
                         THEN jsonb_build_object('code', 'DIA1G',
                              'quantity', (e ->> 'quantity')::int)
                         ELSE e END
                         ORDER BY replace(e ->> 'code', 'DIA500', 'DIA1G'))
        FROM jsonb_array_elements(v.codes) e),
       'bench'
FROM provisioning.service_version v
JOIN gen_upgrade USING (account_id, service_id)
WHERE v.version = 1;

UPDATE provisioning.service_code sc
SET code = 'DIA1G', effective_from = date '2026-11-12'
FROM gen_upgrade u
WHERE sc.account_id = u.account_id AND sc.service_id = u.service_id
AND sc.code = 'DIA500';

-- Every third account has a 36-month agreement with a DIA port rate.
INSERT INTO contracts.agreement (account_id, agreement_ref, start_date,
    term_months, currency)
SELECT account_id, 'BENCH-MSA-' || n, date '2026-01-01', 36, 'USD'
FROM gen_account WHERE n % 3 = 0;

INSERT INTO contracts.rate (account_id, agreement_id, code, amount_minor)
SELECT account_id, agreement_id, 'DIA500', 115000
FROM contracts.agreement WHERE agreement_ref LIKE 'BENCH-MSA-%';

COMMIT;
ANALYZE;
