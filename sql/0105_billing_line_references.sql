-- trunkline 0105: the bill run's line tables check what they reference a
-- statement at a time.
--
-- A bill run writes about fourteen charge lines and five tax lines per
-- invoice. Declared as foreign keys, the references of those rows (a
-- charge line to its invoice and to its service code, a tax line to its
-- invoice) were checked row by row, one lookup each, 4.5 microseconds
-- apiece: in a run of 100,000 accounts they took 15 of its 31 seconds,
-- more than writing the rows did. The same rules are kept here by
-- statement-level triggers that check every row a statement wrote with
-- one set-based query, and that lock the rows referenced FOR KEY SHARE,
-- as a foreign key's check does, so a concurrent delete of them waits
-- or fails. The referenced side is guarded as a foreign key guards it: an
-- invoice or a service code a line still names cannot be deleted, nor its
-- key changed, nor its table truncated under the lines.
--
-- The checks run as the owner of the tables (SECURITY DEFINER), as a
-- foreign key's do, so row-level security on the API's roles does not
-- hide a referenced row from them. billing.line_reference_gaps() lists
-- every line that breaks the rules; the test harness asserts it is empty
-- on every test database.

ALTER TABLE billing.invoice_line
    DROP CONSTRAINT invoice_line_account_id_invoice_id_fkey,
    DROP CONSTRAINT invoice_line_code_fkey;
ALTER TABLE billing.invoice_tax_line
    DROP CONSTRAINT invoice_tax_line_account_id_invoice_id_fkey;

-- ---- the referencing side: every new or changed row names what exists ----

CREATE FUNCTION billing.lines_name_invoices() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    named  bigint;
    locked bigint;
    gap    record;
BEGIN
    -- each invoice once, looked up by its key (LATERAL): a hash join
    -- would read the whole invoice table for every batch of a run
    WITH k AS MATERIALIZED (
        SELECT DISTINCT account_id, invoice_id FROM written)
    SELECT (SELECT count(*) FROM k),
           (SELECT count(*) FROM k CROSS JOIN LATERAL (
                SELECT 1 FROM billing.invoice i
                WHERE i.account_id = k.account_id
                AND i.invoice_id = k.invoice_id
                FOR KEY SHARE) l)
    INTO named, locked;
    IF locked < named THEN
        SELECT w.account_id, w.invoice_id INTO gap FROM written w
        WHERE NOT EXISTS (SELECT 1 FROM billing.invoice i
                          WHERE i.account_id = w.account_id
                          AND i.invoice_id = w.invoice_id)
        LIMIT 1;
        RAISE EXCEPTION 'insert or update on table "%" names an invoice that does not exist',
            TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation',
                  SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                  COLUMN = 'invoice_id',
                  CONSTRAINT = TG_TABLE_NAME || '_invoice_exists',
                  DETAIL = format('Key (account_id, invoice_id)=(%s, %s) is not in table "invoice".',
                                  gap.account_id, gap.invoice_id);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION billing.lines_name_invoices() IS
    'Statement-level check that every charge or tax line written names an existing invoice, which it locks FOR KEY SHARE as a foreign key would.';

CREATE FUNCTION billing.lines_name_codes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    named  bigint;
    locked bigint;
    gap    text;
BEGIN
    -- a line without a code (a manual charge, a shortfall) names none,
    -- as a foreign key lets a NULL be
    WITH c AS MATERIALIZED (
        SELECT DISTINCT code FROM written WHERE code IS NOT NULL)
    SELECT (SELECT count(*) FROM c),
           (SELECT count(*) FROM (
                SELECT 1 FROM catalog.service_code k JOIN c ON k.code = c.code
                FOR KEY SHARE OF k) l)
    INTO named, locked;
    IF locked < named THEN
        SELECT w.code INTO gap FROM written w
        WHERE NOT EXISTS (SELECT 1 FROM catalog.service_code k
                          WHERE k.code = w.code)
        LIMIT 1;
        RAISE EXCEPTION 'insert or update on table "%" names a service code that does not exist',
            TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation',
                  SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME,
                  COLUMN = 'code',
                  CONSTRAINT = TG_TABLE_NAME || '_code_exists',
                  DETAIL = format('Key (code)=(%s) is not in table "service_code".', gap);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION billing.lines_name_codes() IS
    'Statement-level check that every charge line written names an existing service code, which it locks FOR KEY SHARE as a foreign key would.';

-- A trigger with transition tables fires on one event, so inserts and
-- updates each get theirs.
CREATE TRIGGER invoice_line_invoice_exists
    AFTER INSERT ON billing.invoice_line REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION billing.lines_name_invoices();
CREATE TRIGGER invoice_line_invoice_exists_on_update
    AFTER UPDATE ON billing.invoice_line REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION billing.lines_name_invoices();
CREATE TRIGGER invoice_line_code_exists
    AFTER INSERT ON billing.invoice_line REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION billing.lines_name_codes();
CREATE TRIGGER invoice_line_code_exists_on_update
    AFTER UPDATE ON billing.invoice_line REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION billing.lines_name_codes();
CREATE TRIGGER invoice_tax_line_invoice_exists
    AFTER INSERT ON billing.invoice_tax_line REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION billing.lines_name_invoices();
CREATE TRIGGER invoice_tax_line_invoice_exists_on_update
    AFTER UPDATE ON billing.invoice_tax_line REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION billing.lines_name_invoices();

-- ---- the referenced side: nothing a line names goes away ----

CREATE FUNCTION billing.refuse_referenced(what text, detail text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'update or delete of % leaves invoice lines naming it', what
        USING ERRCODE = 'foreign_key_violation',
              SCHEMA = 'billing', TABLE = 'invoice_line',
              CONSTRAINT = 'invoice_line_references', DETAIL = detail;
END
$$;

CREATE FUNCTION billing.invoices_unreferenced() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    gap record;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        SELECT account_id, invoice_id INTO gap FROM (
            (SELECT account_id, invoice_id FROM billing.invoice_line LIMIT 1)
            UNION ALL
            (SELECT account_id, invoice_id FROM billing.invoice_tax_line LIMIT 1)) r
        LIMIT 1;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT OLD.account_id, OLD.invoice_id INTO gap
        WHERE EXISTS (SELECT 1 FROM billing.invoice_line l
                      WHERE l.account_id = OLD.account_id
                      AND l.invoice_id = OLD.invoice_id)
           OR EXISTS (SELECT 1 FROM billing.invoice_tax_line t
                      WHERE t.account_id = OLD.account_id
                      AND t.invoice_id = OLD.invoice_id);
    ELSE
        SELECT r.account_id, r.invoice_id INTO gap FROM removed r
        WHERE EXISTS (SELECT 1 FROM billing.invoice_line l
                      WHERE l.account_id = r.account_id
                      AND l.invoice_id = r.invoice_id)
           OR EXISTS (SELECT 1 FROM billing.invoice_tax_line t
                      WHERE t.account_id = r.account_id
                      AND t.invoice_id = r.invoice_id)
        LIMIT 1;
    END IF;
    IF FOUND THEN
        PERFORM billing.refuse_referenced('an invoice',
            format('Key (account_id, invoice_id)=(%s, %s) is still named by its lines.',
                   gap.account_id, gap.invoice_id));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION billing.invoices_unreferenced() IS
    'Refuses to delete an invoice, change its key or truncate the invoices while charge or tax lines name them.';

CREATE TRIGGER invoice_lines_still_named
    AFTER DELETE ON billing.invoice REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION billing.invoices_unreferenced();
-- row by row, but only for the rare update that changes the key: the
-- WHEN clause keeps the approval's update of every invoice of a run free
CREATE TRIGGER invoice_lines_still_named_on_key_change
    AFTER UPDATE ON billing.invoice FOR EACH ROW
    WHEN (OLD.account_id <> NEW.account_id OR OLD.invoice_id <> NEW.invoice_id)
    EXECUTE FUNCTION billing.invoices_unreferenced();
CREATE TRIGGER invoice_lines_still_named_on_truncate
    AFTER TRUNCATE ON billing.invoice
    FOR EACH STATEMENT EXECUTE FUNCTION billing.invoices_unreferenced();

CREATE FUNCTION billing.codes_unreferenced() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    gap text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        SELECT code INTO gap FROM billing.invoice_line LIMIT 1;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT OLD.code INTO gap
        WHERE EXISTS (SELECT 1 FROM billing.invoice_line l
                      WHERE l.code = OLD.code);
    ELSE
        SELECT r.code INTO gap FROM removed r
        WHERE EXISTS (SELECT 1 FROM billing.invoice_line l
                      WHERE l.code = r.code)
        LIMIT 1;
    END IF;
    IF FOUND THEN
        PERFORM billing.refuse_referenced('a service code',
            format('Key (code)=(%s) is still named by invoice lines.', gap));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION billing.codes_unreferenced() IS
    'Refuses to delete a service code, change it or truncate the codes while invoice lines name them.';

CREATE TRIGGER service_code_lines_still_named
    AFTER DELETE ON catalog.service_code REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION billing.codes_unreferenced();
CREATE TRIGGER service_code_lines_still_named_on_key_change
    AFTER UPDATE ON catalog.service_code FOR EACH ROW
    WHEN (OLD.code <> NEW.code)
    EXECUTE FUNCTION billing.codes_unreferenced();
CREATE TRIGGER service_code_lines_still_named_on_truncate
    AFTER TRUNCATE ON catalog.service_code
    FOR EACH STATEMENT EXECUTE FUNCTION billing.codes_unreferenced();

-- ---- the proof ----

CREATE FUNCTION billing.line_reference_gaps()
RETURNS TABLE (line_table text, account_id bigint, invoice_id bigint,
               line_no integer, problem text)
LANGUAGE sql STABLE AS $$
    SELECT 'invoice_line', l.account_id, l.invoice_id, l.line_no,
           'no invoice'
    FROM billing.invoice_line l
    WHERE NOT EXISTS (SELECT 1 FROM billing.invoice i
                      WHERE i.account_id = l.account_id
                      AND i.invoice_id = l.invoice_id)
    UNION ALL
    SELECT 'invoice_line', l.account_id, l.invoice_id, l.line_no,
           'no service code ' || l.code
    FROM billing.invoice_line l
    WHERE l.code IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM catalog.service_code k
                      WHERE k.code = l.code)
    UNION ALL
    SELECT 'invoice_tax_line', t.account_id, t.invoice_id, t.line_no,
           'no invoice'
    FROM billing.invoice_tax_line t
    WHERE NOT EXISTS (SELECT 1 FROM billing.invoice i
                      WHERE i.account_id = t.account_id
                      AND i.invoice_id = t.invoice_id)
$$;
COMMENT ON FUNCTION billing.line_reference_gaps() IS
    'Every charge or tax line whose invoice or service code does not exist: empty when the reference triggers have held.';
