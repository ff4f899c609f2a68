-- trunkline 0104: the ledger documents people post (credit and debit
-- memos, adjustments, refunds, write-offs, recoveries, transfers) reach
-- the general ledger. A ledger day (`bill gl-export --ledger-day D`)
-- journals every document effective on or before D that no earlier
-- ledger day took, each exactly once (collections.gl_doc_posted), against
-- two new GL account purposes: adjustments (revenue adjustments) and
-- bad_debt. Documents posted before this migration were never journaled,
-- so the first ledger day exported takes them all. The credit memo that
-- resolves a dispute becomes a ledger document too (disputes.c posts one
-- from now on; those posted before are recorded below), so it is
-- journaled like a credit memo posted by hand.

ALTER TABLE collections.gl_account
    DROP CONSTRAINT gl_account_purpose_known,
    ADD CONSTRAINT gl_account_purpose_known CHECK (purpose IN
        ('receivable', 'revenue', 'tax_payable', 'cash', 'unapplied_cash',
         'adjustments', 'bad_debt'));
COMMENT ON COLUMN collections.gl_account.purpose IS
    'receivable, revenue, tax_payable, cash, unapplied_cash, adjustments (revenue adjustments: credit and debit memos, adjustments) or bad_debt (write-offs and recoveries).';
COMMENT ON CONSTRAINT gl_account_purpose_known ON collections.gl_account IS
    'purpose: must be receivable, revenue, tax_payable, cash, unapplied_cash, adjustments or bad_debt';

ALTER TABLE collections.gl_export
    DROP CONSTRAINT gl_export_kind_known,
    ADD CONSTRAINT gl_export_kind_known CHECK (kind IN
        ('bill_run', 'cash_day', 'ledger_day')),
    DROP CONSTRAINT gl_export_source_format,
    ADD CONSTRAINT gl_export_source_format CHECK (
        (kind = 'bill_run' AND source_key ~ '^[1-9][0-9]{0,18}$')
        OR (kind IN ('cash_day', 'ledger_day')
            AND source_key ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'));
COMMENT ON TABLE collections.gl_export IS
    'A journal exported to the finance system: one per bill run, per day of cash and per day of ledger documents, never twice; the CSV is kept so a re-print is identical.';
COMMENT ON COLUMN collections.gl_export.kind IS
    'bill_run (invoices of an approved run), cash_day (payments received and applied on a day) or ledger_day (ledger documents effective on a day).';
COMMENT ON COLUMN collections.gl_export.source_key IS 'The run id, or the day YYYY-MM-DD.';
COMMENT ON COLUMN collections.gl_export.journal IS
    'Journal name on every line: BR-<run id>, CASH-<day> or LEDGER-<day>.';
COMMENT ON CONSTRAINT gl_export_kind_known ON collections.gl_export IS
    'kind: an export is of a bill run, a day of cash or a day of ledger documents';
COMMENT ON CONSTRAINT gl_export_source_format ON collections.gl_export IS
    'source: a bill run is named by its id, a day of cash or of ledger documents by YYYY-MM-DD';

CREATE TABLE collections.gl_doc_posted (
    account_id bigint NOT NULL,
    entry_id   bigint NOT NULL,
    export_id  bigint NOT NULL REFERENCES collections.gl_export,
    PRIMARY KEY (account_id, entry_id),
    FOREIGN KEY (account_id, entry_id) REFERENCES collections.ledger_doc
);
COMMENT ON TABLE collections.gl_doc_posted IS
    'Which ledger-day journal took each ledger document: one row per document (per entry: a transfer is two), so each is journaled exactly once.';
COMMENT ON COLUMN collections.gl_doc_posted.account_id IS 'Billing account of the document''s entry.';
COMMENT ON COLUMN collections.gl_doc_posted.entry_id IS 'The ledger entry the document posted (collections.ledger_doc).';
COMMENT ON COLUMN collections.gl_doc_posted.export_id IS 'The ledger-day export that journaled it.';
COMMENT ON CONSTRAINT gl_doc_posted_pkey ON collections.gl_doc_posted IS
    'entry: this ledger document was journaled before';
SELECT api.protect_account_table('collections.gl_doc_posted'::regclass);

INSERT INTO collections.ledger_doc (account_id, entry_id, doc_kind, reason,
    posted_by, created_at)
SELECT e.account_id, e.entry_id, 'credit_memo',
       'dispute ' || d.dispute_id || ' resolved', coalesce(d.closed_by, ''),
       e.created_at
FROM collections.dispute d
JOIN collections.ledger_entry e
  ON e.account_id = d.account_id AND e.entry_id = d.credit_entry_id
WHERE NOT EXISTS (SELECT 1 FROM collections.ledger_doc x
                  WHERE x.account_id = e.account_id
                    AND x.entry_id = e.entry_id);
