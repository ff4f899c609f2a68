-- The book for the cash benchmark, written set-based straight into the
-- module tables: :accounts billing accounts (USD), each with
-- :per_account final invoices posted to the AR ledger and fully open, so
-- :accounts * :per_account open invoices in all. Invoice n is
-- INV-<n, 10 digits>, account a is BC<a, 7 digits>; amounts vary
-- deterministically between 10.00 and 1009.99.

BEGIN;

CREATE TEMP TABLE gen AS
SELECT g AS n,
       'BENCH-CASH-C' || lpad(g::text, 7, '0') AS customer_ref,
       'BC' || lpad(g::text, 7, '0') AS account_number
FROM generate_series(1, :accounts) AS g;

INSERT INTO accounts.customer (customer_ref, name, kind)
SELECT customer_ref, 'Cash bench customer ' || n, 'enterprise' FROM gen;

INSERT INTO accounts.billing_account (account_number, customer_id, name,
    currency, bill_cycle_day, payment_terms_days)
SELECT g.account_number, c.customer_id, 'Cash bench account ' || g.n, 'USD',
       1, 30
FROM gen g JOIN accounts.customer c USING (customer_ref);

-- one bill run per month, each billing every account once
INSERT INTO billing.bill_run (cycle_day, period_start, period_end,
    issue_date, status, started_by, approved_by, approved_at)
SELECT 1, (date '2025-01-01' + make_interval(months => m))::date,
       (date '2025-02-01' + make_interval(months => m))::date,
       (date '2025-01-20' + make_interval(months => m))::date,
       'approved', 'bench', 'bench', now()
FROM generate_series(0, :per_account - 1) AS m;

CREATE TEMP TABLE gen_invoice AS
SELECT (r.k * :accounts + a.n) AS n, b.account_id, r.run_id, r.period_start,
       r.period_end, r.issue_date
FROM gen a
JOIN accounts.billing_account b USING (account_number)
CROSS JOIN (SELECT run_id, period_start, period_end, issue_date,
                   row_number() OVER (ORDER BY period_start) - 1 AS k
            FROM billing.bill_run WHERE started_by = 'bench') r;

INSERT INTO billing.invoice (account_id, invoice_number, series, sequence_no,
    run_id, period_start, period_end, issue_date, due_date, currency,
    subtotal_minor, tax_minor, total_minor, status)
SELECT account_id, 'INV-' || lpad(n::text, 10, '0'), 'standard',
       1000000000 + n, run_id, period_start, period_end, issue_date,
       issue_date + 30, 'USD', 1000 + (n * 7919) % 100000, 0,
       1000 + (n * 7919) % 100000, 'final'
FROM gen_invoice;

INSERT INTO collections.ledger_entry (account_id, kind, source_ref,
    amount_minor, currency, effective_date, due_date, invoice_id)
SELECT account_id, 'invoice', invoice_number, total_minor, currency,
       issue_date, due_date, invoice_id
FROM billing.invoice WHERE sequence_no > 1000000000;

COMMIT;
ANALYZE;
