-- trunkline 0102: the customer-growing tables of 0100 and 0101 (ledger
-- documents, write-offs, escalations, credit, deposits, payment methods)
-- under the API's row-level security, as 0090 put the tables before them:
-- account executives and agents see only their own accounts' rows.

SELECT api.protect_account_table(t) FROM unnest(ARRAY[
    'collections.ledger_doc', 'collections.write_off',
    'collections.escalation', 'collections.credit_inquiry',
    'collections.credit_application', 'collections.deposit',
    'collections.payment_method']::regclass[]) AS t;
