-- trunkline 0107: an account's credit on account on a date, summed once.
--
-- The account aging shows it beside the buckets; dunning, the work queue
-- and shutout release count it (unapplied cash, account-level credits)
-- against what is past due. This is the one place that sums it per
-- account.

CREATE FUNCTION collections.account_credit(p_as_of date)
RETURNS TABLE (account_id bigint, credit_minor bigint)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT c.account_id, sum(c.credit_minor)::bigint
    FROM collections.credit_on_account(p_as_of) c
    GROUP BY c.account_id
$$;
COMMENT ON FUNCTION collections.account_credit(date) IS
    'Each account''s credit on account on the date (collections.credit_on_account summed): what pays toward its past due before it is dunned, queued or kept shut out.';
