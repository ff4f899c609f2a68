-- Writes the entries of the cash benchmark's camt.053 statement, one
-- <Ntry> per line, for :entries credits spread over the open invoices
-- (bench/cash_generate.sql). Of each 20 entries: 16 name their invoice and
-- pay it in full, 2 name it and pay half, 1 names only the account number
-- (paid to its oldest invoices) and 1 carries no remittance at all (exact
-- amount, or the unapplied queue).
SELECT format(
    '<Ntry><Amt Ccy="USD">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
    '<BookgDt><Dt>2026-12-28</Dt></BookgDt><ValDt><Dt>2026-12-28</Dt></ValDt>'
    '<AcctSvcrRef>BENCH-%s</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr>'
    '<Nm>Cash bench customer %s</Nm></Dbtr></RltdPties><RmtInf><Ustrd>%s'
    '</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>',
    to_char(amount / 100, 'FM9999999990') || '.' ||
        lpad((amount % 100)::text, 2, '0'),
    lpad(k::text, 9, '0'), account_number, remittance)
FROM (
    SELECT k, i.invoice_number, a.account_number,
           CASE WHEN k % 20 IN (1, 2) THEN i.total_minor / 2
                ELSE i.total_minor END AS amount,
           CASE WHEN k % 20 = 3 THEN 'Account ' || a.account_number
                WHEN k % 20 = 4 THEN ''
                ELSE 'Invoice ' || i.invoice_number END AS remittance
    FROM generate_series(1, :entries) AS k
    JOIN billing.invoice i
      ON i.series = 'standard'
     AND i.sequence_no = 1000000000 + (k * 7) % :invoices + 1
    JOIN accounts.billing_account a ON a.account_id = i.account_id
) e
ORDER BY k;
