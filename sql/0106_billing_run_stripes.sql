-- trunkline 0106: a preview in stripes, each worked by a worker of its own.
--
-- A preview walks the cycle's accounts in id order, a batch per
-- transaction, and resumes after its last committed batch. To let several
-- connections share the work, the accounts of the run are cut into
-- contiguous stripes of account ids when the run starts, each with its
-- own cursor: a worker previews one stripe batch by batch, and a run
-- killed halfway resumes every stripe where it stopped. Contiguous ranges
-- (not every n-th account) keep each worker's rows on index pages of its
-- own, so serializable transactions of two workers seldom meet.
--
-- While a run is previewing, its progress is the sum of its stripes'; the
-- run row gets the totals when the last stripe is done.

CREATE TABLE billing.bill_run_stripe (
    run_id             bigint NOT NULL REFERENCES billing.bill_run,
    stripe             smallint NOT NULL
        CONSTRAINT bill_run_stripe_number CHECK (stripe >= 1),
    after_account_id   bigint NOT NULL,
    through_account_id bigint,
    last_account_id    bigint NOT NULL,
    accounts_done      integer NOT NULL DEFAULT 0
        CONSTRAINT bill_run_stripe_done_nonneg CHECK (accounts_done >= 0),
    invoice_count      integer NOT NULL DEFAULT 0
        CONSTRAINT bill_run_stripe_invoices_nonneg CHECK (invoice_count >= 0),
    finished_at        timestamptz,
    PRIMARY KEY (run_id, stripe),
    CONSTRAINT bill_run_stripe_range CHECK (
        through_account_id IS NULL OR through_account_id > after_account_id),
    CONSTRAINT bill_run_stripe_cursor CHECK (
        last_account_id >= after_account_id
        AND (through_account_id IS NULL OR last_account_id <= through_account_id))
);
COMMENT ON TABLE billing.bill_run_stripe IS
    'A contiguous range of account ids of a bill run, previewed batch by batch by one worker; the run is previewed when all its stripes are finished.';
COMMENT ON COLUMN billing.bill_run_stripe.run_id IS 'Bill run.';
COMMENT ON COLUMN billing.bill_run_stripe.stripe IS 'Number of the stripe in the run, from 1, in account-id order.';
COMMENT ON COLUMN billing.bill_run_stripe.after_account_id IS 'The stripe''s accounts have ids above this.';
COMMENT ON COLUMN billing.bill_run_stripe.through_account_id IS 'The stripe''s accounts have ids up to this; NULL for the last stripe, which takes every account above.';
COMMENT ON COLUMN billing.bill_run_stripe.last_account_id IS 'Cursor: the highest account id a committed batch of the stripe previewed; the stripe resumes after it.';
COMMENT ON COLUMN billing.bill_run_stripe.accounts_done IS 'Accounts previewed by the stripe''s committed batches.';
COMMENT ON COLUMN billing.bill_run_stripe.invoice_count IS 'Draft invoices written by the stripe''s committed batches.';
COMMENT ON COLUMN billing.bill_run_stripe.finished_at IS 'When a batch found no account left in the stripe; NULL while there may be.';
COMMENT ON CONSTRAINT bill_run_stripe_cursor ON billing.bill_run_stripe IS
    'run: a stripe''s cursor stays within its range of accounts';

-- a run previewing when this migration runs goes on as one stripe from
-- where it is
INSERT INTO billing.bill_run_stripe (run_id, stripe, after_account_id,
    through_account_id, last_account_id, accounts_done, invoice_count)
SELECT run_id, 1, 0, NULL, last_account_id, accounts_done, invoice_count
FROM billing.bill_run
WHERE status = 'previewing';

COMMENT ON COLUMN billing.bill_run.accounts_done IS
    'Accounts previewed, set when the preview finishes; while previewing, the sum over billing.bill_run_stripe.';
COMMENT ON COLUMN billing.bill_run.last_account_id IS
    'Highest account id previewed, set when the preview finishes; while previewing, each stripe keeps its own cursor.';
