-- trunkline 0090: API users, tokens, idempotency keys, and row-level
-- security that confines account executives and agents to their accounts.
--
-- How the confinement works. The server connects as the schema owner (or a
-- superuser), which bypasses row-level security. Each request's
-- transaction therefore starts with SET LOCAL ROLE trunkline_api, a
-- NOLOGIN role that owns nothing, and sets trunkline.role and
-- trunkline.person_ref with set_config(..., true). Every customer-growing
-- table (those with an account_id column) has RLS enabled with one policy
-- for trunkline_api: a row is visible when api.account_visible(account_id)
-- says so. That function fails closed: an unknown or unset role sees
-- nothing, coordinators, finance, collections and administrators see
-- everything, and account executives and agents see the accounts they
-- hold today (accounts.account_assignment).

CREATE SCHEMA api;
COMMENT ON SCHEMA api IS 'HTTP API: users, roles, token hashes, idempotency keys, row-level security helpers.';

CREATE TABLE api.app_user (
    user_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL CONSTRAINT app_user_username_key UNIQUE
        CONSTRAINT app_user_username_format CHECK (username ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
    role          text NOT NULL CONSTRAINT app_user_role_known CHECK (role IN
        ('coordinator', 'account_executive', 'agent', 'finance', 'collections', 'admin')),
    person_ref    text REFERENCES accounts.person (person_ref),
    password_hash text,
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT app_user_person_for_sales CHECK
        (role NOT IN ('account_executive', 'agent') OR person_ref IS NOT NULL)
);
COMMENT ON TABLE api.app_user IS 'A person who uses the API, with one role.';
COMMENT ON COLUMN api.app_user.user_id IS 'Surrogate key.';
COMMENT ON COLUMN api.app_user.username IS 'Login name, lower case.';
COMMENT ON COLUMN api.app_user.role IS 'coordinator, account_executive, agent, finance, collections or admin.';
COMMENT ON COLUMN api.app_user.person_ref IS 'For account executives and agents: the accounts.person whose accounts they see.';
COMMENT ON COLUMN api.app_user.password_hash IS 'libsodium crypto_pwhash_str (argon2id) of the password; NULL when the user only has tokens.';
COMMENT ON COLUMN api.app_user.disabled IS 'A disabled user can no longer authenticate.';
COMMENT ON COLUMN api.app_user.created_at IS 'When the user was added.';
COMMENT ON CONSTRAINT app_user_username_key ON api.app_user IS
    'username: a user with this name already exists';
COMMENT ON CONSTRAINT app_user_username_format ON api.app_user IS
    'username: lower-case letters, digits, _ . - (at most 64)';
COMMENT ON CONSTRAINT app_user_role_known ON api.app_user IS
    'role: must be coordinator, account_executive, agent, finance, collections or admin';
COMMENT ON CONSTRAINT app_user_person_for_sales ON api.app_user IS
    'person: account executives and agents need the person whose accounts they see';

CREATE TABLE api.api_token (
    token_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES api.app_user,
    token_hash text NOT NULL CONSTRAINT api_token_hash_key UNIQUE
        CONSTRAINT api_token_hash_hex CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    label      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
COMMENT ON TABLE api.api_token IS 'Bearer tokens; only the SHA-256 of each token is stored.';
COMMENT ON COLUMN api.api_token.token_id IS 'Surrogate key.';
COMMENT ON COLUMN api.api_token.user_id IS 'The user the token authenticates.';
COMMENT ON COLUMN api.api_token.token_hash IS 'SHA-256 (hex) of the token; the token itself is shown once and never stored.';
COMMENT ON COLUMN api.api_token.label IS 'What the token is for, in the words of who made it.';
COMMENT ON COLUMN api.api_token.created_at IS 'When the token was made.';
COMMENT ON COLUMN api.api_token.revoked_at IS 'When the token was revoked; NULL while valid.';
CREATE INDEX api_token_user_idx ON api.api_token (user_id);

CREATE TABLE api.idempotency_key (
    user_id      bigint NOT NULL REFERENCES api.app_user,
    idem_key     text NOT NULL CONSTRAINT idempotency_key_length CHECK (length(idem_key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    status       integer NOT NULL,
    content_type text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, idem_key)
);
COMMENT ON TABLE api.idempotency_key IS 'Responses to POST requests sent with an Idempotency-Key, stored in the transaction of the change.';
COMMENT ON COLUMN api.idempotency_key.user_id IS 'Keys are per user.';
COMMENT ON COLUMN api.idempotency_key.idem_key IS 'The Idempotency-Key header as sent.';
COMMENT ON COLUMN api.idempotency_key.request_hash IS 'SHA-256 (hex) of method, path and body: the same key with another request is refused.';
COMMENT ON COLUMN api.idempotency_key.status IS 'HTTP status of the stored response.';
COMMENT ON COLUMN api.idempotency_key.content_type IS 'Content type of the stored response.';
COMMENT ON COLUMN api.idempotency_key.body IS 'Body of the stored response.';
COMMENT ON COLUMN api.idempotency_key.created_at IS 'When the first request was answered.';

-- The role request transactions run as. Roles are cluster-wide, so another
-- database of the cluster may have made it already (even concurrently).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'trunkline_api') THEN
        CREATE ROLE trunkline_api NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;

DO $$
BEGIN
    EXECUTE format('GRANT trunkline_api TO %I', current_user);
EXCEPTION WHEN OTHERS THEN
    NULL; -- already a member, or a superuser (who may SET ROLE anyway)
END
$$;

CREATE FUNCTION api.account_visible(a bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
    SELECT CASE
        WHEN current_setting('trunkline.role', true)
             IN ('coordinator', 'finance', 'collections', 'admin') THEN true
        WHEN current_setting('trunkline.role', true)
             IN ('account_executive', 'agent') THEN
            a IS NOT NULL AND EXISTS (
                SELECT 1
                  FROM accounts.account_assignment aa
                  JOIN accounts.person p ON p.person_id = aa.person_id
                 WHERE aa.account_id = a
                   AND aa.role = CASE current_setting('trunkline.role', true)
                                 WHEN 'agent' THEN 'agent' ELSE 'ae' END
                   AND p.person_ref = current_setting('trunkline.person_ref', true)
                   AND (aa.valid_to IS NULL OR aa.valid_to > current_date))
        ELSE false
    END
$$;
COMMENT ON FUNCTION api.account_visible(bigint) IS
    'Row-level security: may the API user of this transaction (trunkline.role, trunkline.person_ref) see account a? Fails closed.';

-- Privileges of trunkline_api: what the owner may do with rows, on every
-- schema there is now and (default privileges) every table made later.
DO $$
DECLARE
    s record;
    t record;
BEGIN
    FOR s IN SELECT nspname FROM pg_namespace
              WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema'
    LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO trunkline_api', s.nspname);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO trunkline_api', s.nspname);
        EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO trunkline_api', s.nspname);
    END LOOP;
    -- Row-level security on every customer-growing table.
    FOR t IN SELECT c.table_schema, c.table_name
               FROM information_schema.columns c
               JOIN information_schema.tables tb
                 ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
              WHERE c.column_name = 'account_id' AND c.data_type = 'bigint'
                AND tb.table_type = 'BASE TABLE'
                AND c.table_schema IN ('accounts', 'contracts', 'orders', 'provisioning',
                                       'billing', 'collections', 'commissions', 'audit')
    LOOP
        EXECUTE format('ALTER TABLE %I.%I ENABLE ROW LEVEL SECURITY', t.table_schema, t.table_name);
        EXECUTE format('CREATE POLICY api_account_scope ON %I.%I TO trunkline_api'
                       ' USING (api.account_visible(account_id))'
                       ' WITH CHECK (api.account_visible(account_id))',
                       t.table_schema, t.table_name);
    END LOOP;
END
$$;
ALTER DEFAULT PRIVILEGES GRANT USAGE ON SCHEMAS TO trunkline_api;
ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO trunkline_api;
ALTER DEFAULT PRIVILEGES GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO trunkline_api;
