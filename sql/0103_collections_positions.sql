-- trunkline 0103: the position of every invoice and payment, kept up to
-- date as the ledger grows, so aging need not re-add an account's whole
-- history each time it is asked.
--
-- A position is derived, never entered: statement-level triggers on the
-- ledger, the payments and the applications add each statement's rows to
-- it, set-based. It carries the date of the latest move it has seen
-- (last_move_on). For a date on or after that, the position *is* the
-- balance on the date; only invoices and payments moved after the as-of
-- date are re-added from their entries (collections.invoice_open and
-- collections.payment_unapplied below). The ledger itself stays
-- append-only: these rows are a running total of it, and
-- collections.position_drift() recomputes them to prove it.

CREATE TABLE collections.invoice_position (
    account_id    bigint NOT NULL,
    invoice_id    bigint NOT NULL,
    currency      char(3),
    issued_on     date,
    due_date      date,
    balance_minor bigint NOT NULL,
    last_move_on  date NOT NULL,
    PRIMARY KEY (account_id, invoice_id)
);
COMMENT ON TABLE collections.invoice_position IS 'Running total of the AR ledger per invoice (invoice, memos, adjustments, write-offs less cash applied), kept by triggers; the balance on any date from last_move_on on.';
COMMENT ON COLUMN collections.invoice_position.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.invoice_position.invoice_id IS 'Invoice.';
COMMENT ON COLUMN collections.invoice_position.currency IS 'Currency of its ledger entries.';
COMMENT ON COLUMN collections.invoice_position.issued_on IS 'Effective date of its invoice entry (NULL until the invoice is posted).';
COMMENT ON COLUMN collections.invoice_position.due_date IS 'Due date aging counts from.';
COMMENT ON COLUMN collections.invoice_position.balance_minor IS 'What the invoice owes after every entry and application so far.';
COMMENT ON COLUMN collections.invoice_position.last_move_on IS 'Latest effective or applied date of anything that moved it.';
-- the invoices moved after a date (re-added from their entries; only an
-- invoice moved after its issue date can be one, which keeps invoices
-- just posted out of this index), and the open ones settled by then
-- (read straight from here)
CREATE INDEX invoice_position_moved_idx
    ON collections.invoice_position (last_move_on)
    WHERE last_move_on > issued_on;
CREATE INDEX invoice_position_open_idx
    ON collections.invoice_position (last_move_on) WHERE balance_minor <> 0;

CREATE TABLE collections.payment_position (
    account_id      bigint NOT NULL,
    payment_id      bigint NOT NULL,
    currency        char(3) NOT NULL,
    received_on     date NOT NULL,
    unapplied_minor bigint NOT NULL,
    last_move_on    date NOT NULL,
    PRIMARY KEY (account_id, payment_id)
);
COMMENT ON TABLE collections.payment_position IS 'Running total per payment of what is neither applied to invoices nor refunded, kept by triggers; the unapplied cash on any date from last_move_on on.';
COMMENT ON COLUMN collections.payment_position.account_id IS 'Billing account.';
COMMENT ON COLUMN collections.payment_position.payment_id IS 'Payment.';
COMMENT ON COLUMN collections.payment_position.currency IS 'Its currency.';
COMMENT ON COLUMN collections.payment_position.received_on IS 'Its received date.';
COMMENT ON COLUMN collections.payment_position.unapplied_minor IS 'Amount less every application and reversal and every refund of it so far.';
COMMENT ON COLUMN collections.payment_position.last_move_on IS 'Latest of the received date, the applied dates and the refund dates.';
CREATE INDEX payment_position_moved_idx
    ON collections.payment_position (last_move_on)
    WHERE last_move_on > received_on;
CREATE INDEX payment_position_open_idx
    ON collections.payment_position (last_move_on) WHERE unapplied_minor <> 0;

-- ---- keeping them ----

CREATE FUNCTION collections.position_add_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO collections.invoice_position AS p (account_id, invoice_id,
        currency, issued_on, due_date, balance_minor, last_move_on)
    SELECT n.account_id, n.invoice_id, max(n.currency),
           max(n.effective_date) FILTER (WHERE n.kind = 'invoice'),
           max(n.due_date), sum(n.amount_minor), max(n.effective_date)
    FROM added n
    WHERE n.invoice_id IS NOT NULL AND n.kind <> 'payment'
    GROUP BY n.account_id, n.invoice_id
    ON CONFLICT (account_id, invoice_id) DO UPDATE SET
        currency = greatest(p.currency, excluded.currency),
        issued_on = coalesce(p.issued_on, excluded.issued_on),
        due_date = greatest(p.due_date, excluded.due_date),
        balance_minor = p.balance_minor + excluded.balance_minor,
        last_move_on = greatest(p.last_move_on, excluded.last_move_on);
    -- a refund naming a payment pays that payment's credit back out
    UPDATE collections.payment_position p
    SET unapplied_minor = p.unapplied_minor - m.refunded,
        last_move_on = greatest(p.last_move_on, m.last_on)
    FROM (SELECT n.account_id, n.payment_id, sum(n.amount_minor) AS refunded,
                 max(n.effective_date) AS last_on
          FROM added n
          WHERE n.kind = 'refund' AND n.payment_id IS NOT NULL
          GROUP BY n.account_id, n.payment_id) m
    WHERE p.account_id = m.account_id AND p.payment_id = m.payment_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER ledger_entry_position
    AFTER INSERT ON collections.ledger_entry
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION collections.position_add_entries();

CREATE FUNCTION collections.position_add_payments() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO collections.payment_position (account_id, payment_id,
        currency, received_on, unapplied_minor, last_move_on)
    SELECT n.account_id, n.payment_id, n.currency, n.received_date,
           n.amount_minor, n.received_date
    FROM added n;
    RETURN NULL;
END
$$;
CREATE TRIGGER payment_position
    AFTER INSERT ON collections.payment
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION collections.position_add_payments();

-- An application moves its invoice and its payment. The invoice may have
-- no position yet (cash applied before the invoice is on the ledger): the
-- upsert starts one, as a ledger entry would.
CREATE FUNCTION collections.position_add_applications() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO collections.invoice_position AS p (account_id, invoice_id,
        balance_minor, last_move_on)
    SELECT n.account_id, n.invoice_id, -sum(n.amount_minor),
           max(n.applied_date)
    FROM added n
    GROUP BY n.account_id, n.invoice_id
    ON CONFLICT (account_id, invoice_id) DO UPDATE SET
        balance_minor = p.balance_minor + excluded.balance_minor,
        last_move_on = greatest(p.last_move_on, excluded.last_move_on);
    UPDATE collections.payment_position p
    SET unapplied_minor = p.unapplied_minor - m.applied,
        last_move_on = greatest(p.last_move_on, m.last_on)
    FROM (SELECT n.account_id, n.payment_id, sum(n.amount_minor) AS applied,
                 max(n.applied_date) AS last_on
          FROM added n GROUP BY n.account_id, n.payment_id) m
    WHERE p.account_id = m.account_id AND p.payment_id = m.payment_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER application_position
    AFTER INSERT ON collections.application
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION collections.position_add_applications();

-- ---- what they must be ----

-- The positions recomputed from the ledger, the payments, the
-- applications and the refunds: what the triggers keep, which fills the
-- tables below for the rows already there and is what
-- collections.position_drift() compares them with. security_invoker: an
-- account executive reading them through the API sees only the rows
-- row-level security lets him see in the tables.
CREATE VIEW collections.invoice_position_from_ledger
    WITH (security_invoker = true) AS
SELECT account_id, invoice_id, max(currency)::char(3) AS currency,
       max(effective_date) FILTER (WHERE is_invoice) AS issued_on,
       max(due_date) AS due_date, sum(amount_minor)::bigint AS balance_minor,
       max(effective_date) AS last_move_on
FROM (SELECT e.account_id, e.invoice_id, e.currency, e.due_date,
             e.amount_minor, e.effective_date, e.kind = 'invoice' AS is_invoice
      FROM collections.ledger_entry e
      WHERE e.invoice_id IS NOT NULL AND e.kind <> 'payment'
      UNION ALL
      SELECT a.account_id, a.invoice_id, NULL, NULL, -a.amount_minor,
             a.applied_date, false
      FROM collections.application a) m
GROUP BY account_id, invoice_id;
COMMENT ON VIEW collections.invoice_position_from_ledger IS 'collections.invoice_position recomputed from the ledger and the applications.';

CREATE VIEW collections.payment_position_from_ledger
    WITH (security_invoker = true) AS
SELECT p.account_id, p.payment_id, p.currency, p.received_date AS received_on,
       (p.amount_minor - coalesce(sum(x.amount_minor), 0))::bigint
           AS unapplied_minor,
       greatest(p.received_date, max(x.on_date)) AS last_move_on
FROM collections.payment p
LEFT JOIN (SELECT account_id, payment_id, amount_minor,
                  applied_date AS on_date
           FROM collections.application
           UNION ALL
           SELECT account_id, payment_id, amount_minor, effective_date
           FROM collections.ledger_entry
           WHERE kind = 'refund' AND payment_id IS NOT NULL) x
       USING (account_id, payment_id)
GROUP BY p.account_id, p.payment_id;
COMMENT ON VIEW collections.payment_position_from_ledger IS 'collections.payment_position recomputed from the payments, the applications and the refunds naming a payment.';

INSERT INTO collections.invoice_position (account_id, invoice_id, currency,
    issued_on, due_date, balance_minor, last_move_on)
SELECT account_id, invoice_id, currency, issued_on, due_date, balance_minor,
       last_move_on
FROM collections.invoice_position_from_ledger;

INSERT INTO collections.payment_position (account_id, payment_id, currency,
    received_on, unapplied_minor, last_move_on)
SELECT account_id, payment_id, currency, received_on, unapplied_minor,
       last_move_on
FROM collections.payment_position_from_ledger;

-- ---- reading them ----

-- The invoices moved after a date (a later entry or application), with
-- what each owed on the date, re-added from its entries and applications
-- dated on or before it. Only these need the history; every other
-- invoice's position is its balance on the date.
CREATE FUNCTION collections.invoice_moved_after(p_as_of date)
RETURNS TABLE (account_id bigint, invoice_id bigint, currency char(3),
               due_date date, open_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT m.account_id, m.invoice_id, max(m.currency)::char(3),
           max(m.due_date), sum(m.amount_minor)::bigint
    FROM (SELECT e.account_id, e.invoice_id, e.currency, e.due_date,
                 e.amount_minor, e.kind = 'invoice' AS is_invoice
          FROM collections.invoice_position l
          JOIN collections.ledger_entry e
            ON e.account_id = l.account_id AND e.invoice_id = l.invoice_id
          WHERE l.last_move_on > p_as_of AND l.issued_on <= p_as_of
            AND l.last_move_on > l.issued_on
            AND e.kind <> 'payment' AND e.effective_date <= p_as_of
          UNION ALL
          SELECT a.account_id, a.invoice_id, NULL, NULL, -a.amount_minor,
                 false
          FROM collections.invoice_position l
          JOIN collections.application a
            ON a.account_id = l.account_id AND a.invoice_id = l.invoice_id
          WHERE l.last_move_on > p_as_of AND l.issued_on <= p_as_of
            AND l.last_move_on > l.issued_on
            AND a.applied_date <= p_as_of) m
    GROUP BY m.account_id, m.invoice_id
    HAVING bool_or(m.is_invoice) AND sum(m.amount_minor) <> 0
$$;
COMMENT ON FUNCTION collections.invoice_moved_after(date) IS 'Invoices moved after the date, with the non-zero balance each had on it, re-added from their entries.';

-- The amount under dispute on a date per invoice (disputes opened on or
-- before it and not closed by then).
CREATE FUNCTION collections.dispute_open(p_as_of date)
RETURNS TABLE (account_id bigint, invoice_id bigint, amount_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT d.account_id, d.invoice_id, sum(d.amount_minor)::bigint
    FROM collections.dispute d
    WHERE d.opened_on <= p_as_of
      AND (d.closed_on IS NULL OR d.closed_on > p_as_of)
    GROUP BY d.account_id, d.invoice_id
$$;
COMMENT ON FUNCTION collections.dispute_open(date) IS 'Amount under open dispute per invoice on the date.';

-- The open invoices whose position is their balance on a date (nothing
-- moved them after it): one scan of the positions, which aging sums
-- straight away, in parallel where the book is big.
CREATE FUNCTION collections.invoice_settled(p_as_of date)
RETURNS TABLE (account_id bigint, invoice_id bigint, currency char(3),
               due_date date, open_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.account_id, p.invoice_id, p.currency, p.due_date,
           p.balance_minor
    FROM collections.invoice_position p
    WHERE p.last_move_on <= p_as_of AND p.balance_minor <> 0
      AND p.issued_on IS NOT NULL
$$;
COMMENT ON FUNCTION collections.invoice_settled(date) IS 'Open invoices not moved after the date, with their position as their balance on it.';

-- Open balance and open disputed part of every invoice on a date (same
-- contract as in 0080): the settled invoices and the re-added balances
-- of those moved after the date, with the part under dispute. A plain
-- SQL function, so the planner inlines it into each caller's query.
CREATE OR REPLACE FUNCTION collections.invoice_open(p_as_of date)
RETURNS TABLE (account_id bigint, invoice_id bigint, currency char(3),
               due_date date, open_minor bigint, disputed_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT i.account_id, i.invoice_id, i.currency, i.due_date, i.open_minor,
           least(coalesce(d.amount_minor, 0), greatest(i.open_minor, 0))::bigint
    FROM (SELECT s.account_id, s.invoice_id, s.currency, s.due_date,
                 s.open_minor
          FROM collections.invoice_settled(p_as_of) s
          UNION ALL
          SELECT m.account_id, m.invoice_id, m.currency, m.due_date,
                 m.open_minor
          FROM collections.invoice_moved_after(p_as_of) m) i
    LEFT JOIN collections.dispute_open(p_as_of) d
      ON d.account_id = i.account_id AND d.invoice_id = i.invoice_id
$$;

-- The ledger entries on an account that name no invoice and are not
-- payments (debit memos, credit memos and adjustments at account level,
-- transfers, an opening balance carried over, refunds from before refunds
-- named a payment), effective on or before a date, with the date they are
-- due from (their due date, else their effective date: due when posted).
-- No cash is applied to them, so each stays whole: aging shows those
-- raising the balance as open items and those lowering it as credit on
-- account. A refund naming a payment is not one: it lowers that payment's
-- unapplied cash instead. Few rows, found by their own index.
CREATE INDEX ledger_entry_account_item_idx
    ON collections.ledger_entry (effective_date)
    WHERE invoice_id IS NULL AND kind <> 'payment';

CREATE FUNCTION collections.account_items(p_as_of date)
RETURNS TABLE (account_id bigint, currency char(3), due_date date,
               amount_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT e.account_id, e.currency, coalesce(e.due_date, e.effective_date),
           e.amount_minor
    FROM collections.ledger_entry e
    WHERE e.invoice_id IS NULL AND e.kind <> 'payment'
      AND e.effective_date <= p_as_of
      AND NOT (e.kind = 'refund' AND e.payment_id IS NOT NULL)
$$;
COMMENT ON FUNCTION collections.account_items(date) IS 'Account-level ledger entries (no invoice, not payments, not refunds of a named payment) effective on the date, with the date they are due from.';

-- Everything open on a date that a collector chases: the open invoices
-- (invoice_open) and the account-level items raising the balance, as
-- rows of the same shape (no invoice id, nothing disputed). Dunning, the
-- work queue, shutout release, statements and the credit-risk list read
-- it.
CREATE FUNCTION collections.receivable_open(p_as_of date)
RETURNS TABLE (account_id bigint, invoice_id bigint, currency char(3),
               due_date date, open_minor bigint, disputed_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT o.account_id, o.invoice_id, o.currency, o.due_date, o.open_minor,
           o.disputed_minor
    FROM collections.invoice_open(p_as_of) o
    UNION ALL
    SELECT i.account_id, NULL, i.currency, i.due_date, i.amount_minor, 0
    FROM collections.account_items(p_as_of) i
    WHERE i.amount_minor > 0
$$;
COMMENT ON FUNCTION collections.receivable_open(date) IS 'Open invoices and account-level items raising the balance on the date, with due dates and disputed parts.';

-- What aging adds to the settled invoices, taken whole as undisputed, to
-- get invoice_open's figures: for a settled invoice under dispute, a row
-- moving the disputed part from undisputed to disputed (no invoice
-- counted); each invoice moved after the date, as invoice_open gives it;
-- and the account-level items raising the balance (no invoice counted).
-- Few rows: the bulk of the book never goes through a join.
CREATE FUNCTION collections.aging_corrections(p_as_of date)
RETURNS TABLE (account_id bigint, currency char(3), dpd integer,
               undisputed_minor bigint, disputed_minor bigint,
               invoices integer)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.account_id, s.currency, p_as_of - s.due_date, -x.part, x.part, 0
    FROM collections.dispute_open(p_as_of) d
    JOIN collections.invoice_settled(p_as_of) s
      ON s.account_id = d.account_id AND s.invoice_id = d.invoice_id
    CROSS JOIN LATERAL (SELECT least(d.amount_minor,
                                     greatest(s.open_minor, 0))::bigint
                               AS part) x
    WHERE x.part <> 0
    UNION ALL
    SELECT m.account_id, m.currency, p_as_of - m.due_date,
           m.open_minor - x.part, x.part, 1
    FROM collections.invoice_moved_after(p_as_of) m
    LEFT JOIN collections.dispute_open(p_as_of) d
      ON d.account_id = m.account_id AND d.invoice_id = m.invoice_id
    CROSS JOIN LATERAL (SELECT least(coalesce(d.amount_minor, 0),
                                     greatest(m.open_minor, 0))::bigint
                               AS part) x
    UNION ALL
    SELECT i.account_id, i.currency, p_as_of - i.due_date, i.amount_minor,
           0::bigint, 0
    FROM collections.account_items(p_as_of) i
    WHERE i.amount_minor > 0
$$;
COMMENT ON FUNCTION collections.aging_corrections(date) IS 'Rows that turn the settled invoices, taken whole as undisputed, into what is open on the date: disputed parts, the invoices moved after it, account-level items raising the balance.';

-- The open invoices of a date as rows to sum for aging (days past due,
-- undisputed and disputed amounts, each invoice counted once).
CREATE FUNCTION collections.aging_units(p_as_of date)
RETURNS TABLE (account_id bigint, currency char(3), dpd integer,
               undisputed_minor bigint, disputed_minor bigint,
               invoices integer)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.account_id, s.currency, p_as_of - s.due_date, s.open_minor,
           0::bigint, 1
    FROM collections.invoice_settled(p_as_of) s
    UNION ALL
    SELECT c.account_id, c.currency, c.dpd, c.undisputed_minor,
           c.disputed_minor, c.invoices
    FROM collections.aging_corrections(p_as_of) c
$$;
COMMENT ON FUNCTION collections.aging_units(date) IS 'Open invoices on the date as rows to sum for aging: days past due, undisputed and disputed amounts, invoices counted once.';

-- What payment (account, payment) had left on a date: its amount if it
-- was received by then, less its applications (the signed history) and
-- the refunds naming it, each dated on or before the date. The one
-- definition: payment_unapplied below re-adds moved payments with it, and
-- the C code's COLLECTIONS_PAYMENT_LEFT_ON (collections/ledger_internal.h)
-- calls it.
CREATE FUNCTION collections.payment_left(p_account_id bigint,
                                         p_payment_id bigint, p_on date)
RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (coalesce((SELECT p.amount_minor FROM collections.payment p
                      WHERE p.account_id = p_account_id
                        AND p.payment_id = p_payment_id
                        AND p.received_date <= p_on), 0)
            - coalesce((SELECT sum(a.amount_minor)
                        FROM collections.application a
                        WHERE a.account_id = p_account_id
                          AND a.payment_id = p_payment_id
                          AND a.applied_date <= p_on), 0)
            - coalesce((SELECT sum(r.amount_minor)
                        FROM collections.ledger_entry r
                        WHERE r.account_id = p_account_id
                          AND r.kind = 'refund'
                          AND r.payment_id = p_payment_id
                          AND r.effective_date <= p_on), 0))::bigint
$$;
COMMENT ON FUNCTION collections.payment_left(bigint, bigint, date) IS 'What a payment had left on the date: amount less applications and refunds naming it.';

-- Unapplied cash of every payment with some on a date, the same way: the
-- position of a payment not moved after the date, else payment_left.
CREATE FUNCTION collections.payment_unapplied(p_as_of date)
RETURNS TABLE (account_id bigint, payment_id bigint, currency char(3),
               unapplied_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT p.account_id, p.payment_id, p.currency, p.unapplied_minor
    FROM collections.payment_position p
    WHERE p.last_move_on <= p_as_of AND p.unapplied_minor <> 0
    UNION ALL
    SELECT q.account_id, q.payment_id, q.currency, l.left_minor
    FROM collections.payment_position q
    CROSS JOIN LATERAL (SELECT collections.payment_left(q.account_id,
                                   q.payment_id, p_as_of) AS left_minor) l
    WHERE q.last_move_on > p_as_of AND q.received_on <= p_as_of
      AND q.last_move_on > q.received_on
      AND l.left_minor <> 0
$$;
COMMENT ON FUNCTION collections.payment_unapplied(date) IS 'Unapplied cash of each payment with some on the date.';

-- Credit on account on a date: every payment's unapplied cash and the
-- account-level entries that lower the balance (as positive amounts).
CREATE FUNCTION collections.credit_on_account(p_as_of date)
RETURNS TABLE (account_id bigint, currency char(3), credit_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT u.account_id, u.currency, u.unapplied_minor
    FROM collections.payment_unapplied(p_as_of) u
    UNION ALL
    SELECT i.account_id, i.currency, -i.amount_minor
    FROM collections.account_items(p_as_of) i
    WHERE i.amount_minor < 0
$$;
COMMENT ON FUNCTION collections.credit_on_account(date) IS 'Credit on account on the date: unapplied cash of each payment, and account-level entries lowering the balance.';

-- Every position that differs from its recomputation from the ledger, the
-- payments and the applications: none, unless something bypassed the
-- triggers. The test suites call it on every database they drop.
CREATE FUNCTION collections.position_drift()
RETURNS TABLE (kind text, account_id bigint, item_id bigint,
               kept_minor bigint, actual_minor bigint)
LANGUAGE sql STABLE AS $$
    SELECT 'invoice', coalesce(k.account_id, i.account_id),
           coalesce(k.invoice_id, i.invoice_id), k.balance_minor,
           i.balance_minor
    FROM collections.invoice_position k
    FULL JOIN collections.invoice_position_from_ledger i
      ON i.account_id = k.account_id AND i.invoice_id = k.invoice_id
    WHERE (k.currency, k.issued_on, k.due_date, k.balance_minor,
           k.last_move_on)
          IS DISTINCT FROM (i.currency, i.issued_on, i.due_date,
                            i.balance_minor, i.last_move_on)
    UNION ALL
    SELECT 'payment', coalesce(k.account_id, y.account_id),
           coalesce(k.payment_id, y.payment_id), k.unapplied_minor,
           y.unapplied_minor
    FROM collections.payment_position k
    FULL JOIN collections.payment_position_from_ledger y
      ON y.account_id = k.account_id AND y.payment_id = k.payment_id
    WHERE (k.currency, k.received_on, k.unapplied_minor, k.last_move_on)
          IS DISTINCT FROM (y.currency, y.received_on, y.unapplied_minor,
                            y.last_move_on)
$$;
COMMENT ON FUNCTION collections.position_drift() IS 'Invoice and payment positions that differ from the ledger they are kept from (none, when all is well).';

SELECT api.protect_account_table(t) FROM unnest(ARRAY[
    'collections.invoice_position', 'collections.payment_position']::regclass[]) AS t;
