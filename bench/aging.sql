-- A ledger for the aging benchmark, written set-based straight into the
-- module tables. psql variable :accounts. Every account gets 60 monthly
-- invoices (2022-01 .. 2026-12, each in its own bill run, due 30 days
-- after issue) and a payment for each of the first 40, applied to it
-- (every seventh only half), so 100 ledger entries per account: 60
-- invoices and 40 payments. The 20 most recent invoices stay open and
-- spread over every aging bucket on 2026-12-31.

BEGIN;

INSERT INTO accounts.customer (customer_ref, name, kind)
SELECT 'AGB-C' || lpad(g::text, 8, '0'), 'Aging bench customer ' || g,
       CASE WHEN g % 5 = 0 THEN 'wholesale' ELSE 'enterprise' END
FROM generate_series(1, :accounts) AS g;

INSERT INTO accounts.billing_account (account_number, customer_id, name,
    currency, bill_cycle_day, payment_terms_days)
SELECT 'AG' || lpad(substr(c.customer_ref, 6)::int::text, 8, '0'),
       c.customer_id, 'Aging bench account', 'USD', 1, 30
FROM accounts.customer c WHERE c.customer_ref LIKE 'AGB-C%';

INSERT INTO billing.bill_run (cycle_day, period_start, period_end,
    issue_date, status, started_by, approved_by, approved_at, completed_at)
SELECT 1, d, (d + interval '1 month')::date, d, 'approved', 'bench', 'bench',
       now(), now()
FROM generate_series(date '2022-01-01', date '2026-12-01', interval '1 month')
     AS t(ts), LATERAL (SELECT ts::date AS d) x;

CREATE TEMP TABLE gen_inv AS
SELECT a.account_id, r.run_id, r.period_start, r.period_end,
       (r.period_start + (a.account_id % 20)::int) AS issue_date,
       (row_number() OVER ())::bigint + 1000000000 AS seq,
       (10000 + (a.account_id * 7919 + r.run_id * 104729) % 990000)::bigint
           AS total
FROM accounts.billing_account a
CROSS JOIN billing.bill_run r
WHERE a.account_number LIKE 'AG%' AND r.started_by = 'bench';

INSERT INTO billing.invoice (account_id, invoice_number, series, sequence_no,
    run_id, period_start, period_end, issue_date, due_date, currency,
    subtotal_minor, tax_minor, total_minor, status)
SELECT account_id, 'AGI-' || seq, 'standard', seq, run_id, period_start,
       period_end, issue_date, issue_date + 30, 'USD', total, 0, total, 'final'
FROM gen_inv;

INSERT INTO collections.ledger_entry (account_id, kind, source_ref,
    amount_minor, currency, effective_date, due_date, invoice_id)
SELECT account_id, 'invoice', invoice_number, total_minor, currency,
       issue_date, due_date, invoice_id
FROM billing.invoice WHERE invoice_number LIKE 'AGI-%';

-- the first 40 invoices of each account are paid, around their due date
CREATE TEMP TABLE gen_pay AS
SELECT i.account_id, i.invoice_id, i.invoice_number,
       CASE WHEN i.invoice_id % 7 = 0 THEN i.total_minor / 2
            ELSE i.total_minor END AS amount,
       i.due_date + ((i.invoice_id % 41) - 20)::int AS paid_on
FROM billing.invoice i
WHERE i.invoice_number LIKE 'AGI-%' AND i.period_start < date '2025-05-01';

INSERT INTO collections.payment (account_id, reference, received_date,
    amount_minor, currency, method, recorded_by)
SELECT account_id, 'PAY-' || invoice_number, paid_on, amount, 'USD', 'ach',
       'bench'
FROM gen_pay;

INSERT INTO collections.application (account_id, payment_id, invoice_id,
    amount_minor, applied_date)
SELECT g.account_id, p.payment_id, g.invoice_id, g.amount, g.paid_on
FROM gen_pay g
JOIN collections.payment p ON p.account_id = g.account_id
 AND p.reference = 'PAY-' || g.invoice_number;

INSERT INTO collections.ledger_entry (account_id, kind, source_ref,
    amount_minor, currency, effective_date, payment_id)
SELECT account_id, 'payment', reference, -amount_minor, currency,
       received_date, payment_id
FROM collections.payment WHERE reference LIKE 'PAY-AGI-%';

COMMIT;

VACUUM ANALYZE collections.ledger_entry;
VACUUM ANALYZE collections.application;
VACUUM ANALYZE collections.payment;
VACUUM ANALYZE billing.invoice;
VACUUM ANALYZE collections.invoice_position;
VACUUM ANALYZE collections.payment_position;
