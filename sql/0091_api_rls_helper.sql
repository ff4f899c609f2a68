-- trunkline 0091: one call for a later migration to put a new
-- customer-growing table under the API's row-level security (0090 covered
-- the tables that existed then), and grants for tables made by another
-- role than the one that ran 0090.

CREATE FUNCTION api.protect_account_table(t regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %s TO trunkline_api', t);
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    IF NOT EXISTS (SELECT 1 FROM pg_policy
                    WHERE polrelid = t AND polname = 'api_account_scope') THEN
        EXECUTE format('CREATE POLICY api_account_scope ON %s TO trunkline_api'
                       ' USING (api.account_visible(account_id))'
                       ' WITH CHECK (api.account_visible(account_id))', t);
    END IF;
END
$$;
COMMENT ON FUNCTION api.protect_account_table(regclass) IS
    'Row-level security for a customer-growing table (one with account_id): account executives and agents see only their accounts'' rows through the API. Call it in the migration that creates the table.';
