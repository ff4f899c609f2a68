/*
 * The general-ledger export (rules in finance.h).
 *
 * A journal is built in memory as a list of lines (currency, purpose,
 * key, description, debit, credit) from a few set-based sums, then each
 * line gets its GL account from the mapping (read whole: it is a small
 * table), the journal is checked to balance per currency, rendered as
 * CSV, and stored with its totals in the same transaction that checked
 * it was not exported before. Nothing is stored when any step fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "collections/finance.h"
#include "collections/finance_internal.h"
#include "common/audit.h"
#include "common/json.h"

#define MAX_LINES 10000
#define MAX_MAPPINGS 10000
#define MAX_CSV_BYTES (16u * 1024u * 1024u)

/* ---- GL accounts ---- */

static const char *const purposes[] = {
    "receivable",     "revenue",     "tax_payable", "cash",
    "unapplied_cash", "adjustments", "bad_debt",    NULL};

static int known_purpose(const char *p)
{
    size_t i;

    for (i = 0; purposes[i] != NULL; i++)
        if (strcmp(purposes[i], p) == 0)
            return 1;
    return 0;
}

static int key_format_ok(const char *s)
{
    size_t i;
    size_t n = strlen(s);

    if (n == 0 || n > 32)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (i > 0 && (c == '_' || c == '-'));
        if (!ok)
            return 0;
    }
    return 1;
}

static int account_format_ok(const char *s)
{
    size_t i;
    size_t n = strlen(s);

    if (n == 0 || n > 24)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                 (c >= '0' && c <= '9') ||
                 (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return 0;
    }
    return 1;
}

typedef struct gl_mapping {
    const char *purpose;
    const char *key; /* "*" for the default */
    const char *account;
    const char *name;
} gl_mapping;

typedef struct load_ctx {
    gl_mapping *rows;
    size_t n;
    const char *actor;
    collections_gl_load_result *result;
} load_ctx;

/* Validates one row into m; problems go to err. */
static void check_mapping(const json_t *e, const char *path, gl_mapping *m,
                          tl_err *err)
{
    static const char *const allowed[] = {"purpose", "product", "taxCode",
                                          "account", "name",    NULL};
    const char *product = NULL;
    const char *tax = NULL;
    char field[TL_ERR_FIELD_MAX];

    memset(m, 0, sizeof(*m));
    if (!json_is_object(e)) {
        tl_err_add(err, "type", path, "an account mapping must be an object");
        return;
    }
    tl_json_only_keys(e, path, allowed, err);
    tl_json_str(e, "purpose", path, 1, 32, &m->purpose, err);
    tl_json_str(e, "product", path, 0, 64, &product, err);
    tl_json_str(e, "taxCode", path, 0, 64, &tax, err);
    tl_json_str(e, "account", path, 1, 64, &m->account, err);
    tl_json_str(e, "name", path, 1, 120, &m->name, err);
    if (m->purpose != NULL && !known_purpose(m->purpose)) {
        tl_path_key(field, sizeof(field), path, "purpose");
        tl_err_add(err, "format", field,
                   "purpose must be receivable, revenue, tax_payable, cash, "
                   "unapplied_cash, adjustments or bad_debt");
    }
    m->key = "*";
    if (product != NULL) {
        tl_path_key(field, sizeof(field), path, "product");
        if (m->purpose != NULL && strcmp(m->purpose, "revenue") != 0)
            tl_err_add(err, "not_applicable", field,
                       "only revenue accounts are mapped by product");
        else if (!key_format_ok(product))
            tl_err_add(err, "format", field,
                       "a product id is up to 32 capital letters, digits, "
                       "_ and -");
        m->key = product;
    }
    if (tax != NULL) {
        tl_path_key(field, sizeof(field), path, "taxCode");
        if (m->purpose != NULL && strcmp(m->purpose, "tax_payable") != 0)
            tl_err_add(err, "not_applicable", field,
                       "only tax_payable accounts are mapped by tax code");
        else if (!key_format_ok(tax))
            tl_err_add(err, "format", field,
                       "a tax code is up to 32 capital letters, digits, _ "
                       "and -");
        m->key = tax;
    }
    if (m->account != NULL && !account_format_ok(m->account)) {
        tl_path_key(field, sizeof(field), path, "account");
        tl_err_add(err, "format", field,
                   "a GL account number is 1 to 24 letters, digits, dots, _ "
                   "and -");
    }
}

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *ctx = cls;
    json_t *after;
    tl_params p;
    size_t i;
    int rc;

    memset(ctx->result, 0, sizeof(*ctx->result));
    for (i = 0; i < ctx->n; i++) {
        PGresult *res = NULL;
        int inserted = 0;
        tl_row row;

        tl_params_init(&p);
        tl_params_text(&p, ctx->rows[i].purpose);
        tl_params_text(&p, ctx->rows[i].key);
        tl_params_text(&p, ctx->rows[i].account);
        tl_params_text(&p, ctx->rows[i].name);
        rc = tl_db_query(db, &res, "collections_gl_account_upsert",
                         "INSERT INTO collections.gl_account (purpose, key,"
                         " account_number, name) VALUES ($1, $2, $3, $4)"
                         " ON CONFLICT (purpose, key) DO UPDATE"
                         " SET account_number = EXCLUDED.account_number,"
                         " name = EXCLUDED.name, updated_at = now()"
                         " WHERE (collections.gl_account.account_number,"
                         " collections.gl_account.name) IS DISTINCT FROM"
                         " (EXCLUDED.account_number, EXCLUDED.name)"
                         " RETURNING (xmax = 0) AS inserted",
                         &p, err);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            ctx->result->unchanged++;
            PQclear(res);
            continue;
        }
        row.res = res;
        row.row = 0;
        rc = tl_row_bool(&row, "inserted", &inserted, err);
        PQclear(res);
        if (rc < 0)
            return rc;
        if (inserted)
            ctx->result->added++;
        else
            ctx->result->updated++;
    }
    if (ctx->result->added == 0 && ctx->result->updated == 0)
        return 0;
    after =
        json_pack("{s:i, s:i, s:i}", "added", ctx->result->added, "updated",
                  ctx->result->updated, "unchanged", ctx->result->unchanged);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "gl.accounts_load", "gl_account", "*", 0,
                  NULL, after, err);
    json_decref(after);
    return rc;
}

int collections_gl_accounts_load(collections_gl_load_result *out, tl_db *db,
                                 const json_t *doc, const char *actor,
                                 tl_err *err)
{
    static const char *const allowed[] = {"accounts", NULL};
    const json_t *arr = NULL;
    load_ctx ctx;
    char path[TL_ERR_FIELD_MAX];
    size_t i;
    size_t j;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ctx, 0, sizeof(ctx));
    if (!json_is_object(doc))
        return tl_err_add(err, "type", "", "the file must be a JSON object");
    tl_json_only_keys(doc, "", allowed, err);
    tl_json_array(doc, "accounts", "", 1, 1, MAX_MAPPINGS, &arr, err);
    if (arr != NULL) {
        ctx.rows = calloc(json_array_size(arr), sizeof(*ctx.rows));
        if (ctx.rows == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        ctx.n = json_array_size(arr);
        for (i = 0; i < ctx.n; i++) {
            tl_path_index(path, sizeof(path), "accounts", i);
            check_mapping(json_array_get(arr, i), path, &ctx.rows[i], err);
            for (j = 0; j < i; j++)
                if (ctx.rows[i].purpose && ctx.rows[j].purpose &&
                    strcmp(ctx.rows[i].purpose, ctx.rows[j].purpose) == 0 &&
                    strcmp(ctx.rows[i].key, ctx.rows[j].key) == 0) {
                    tl_err_add(err, "duplicate", path,
                               "accounts[%zu] maps the same purpose and key",
                               j);
                    break;
                }
        }
    }
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    ctx.actor = actor;
    ctx.result = out;
    rc = tl_db_run_tx(db, "collections_gl_accounts_load", load_tx, &ctx, err);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
cleanup:
    free(ctx.rows);
    return rc;
}

/* ---- journals ---- */

typedef struct jline {
    char currency[4];
    int seq; /* order within the currency: debits first */
    char purpose[16];
    char key[40];
    char description[160];
    int64_t debit;
    int64_t credit;
    const char *account; /* resolved from the mapping */
    const char *account_name;
} jline;

typedef struct journal {
    const char *kind;
    char source_key[16];
    char journal[32];
    tl_date date;
    const char *actor;
    jline *lines;
    size_t n;
    size_t cap;
    /* the mapping, read whole */
    PGresult *map;
    collections_gl_export_t *out;
} journal;

static void journal_reset(journal *j)
{
    free(j->lines);
    j->lines = NULL;
    j->n = 0;
    j->cap = 0;
    PQclear(j->map);
    j->map = NULL;
}

/* Adds a line for amount on the given side; a negative amount goes to the
 * other side, zero adds nothing. */
static int add_line(journal *j, const char *currency, int seq,
                    const char *purpose, const char *key, int debit,
                    int64_t amount, const char *description, tl_err *err)
{
    jline *l;

    if (amount == 0)
        return 0;
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 16;
        jline *grown;

        if (cap > MAX_LINES)
            return tl_err_set(err, TL_ERROR, "too_many", "",
                              "a journal of more than %d lines", MAX_LINES);
        grown = realloc(j->lines, cap * sizeof(*grown));
        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        j->lines = grown;
        j->cap = cap;
    }
    l = &j->lines[j->n++];
    memset(l, 0, sizeof(*l));
    snprintf(l->currency, sizeof(l->currency), "%s", currency);
    l->seq = seq;
    snprintf(l->purpose, sizeof(l->purpose), "%s", purpose);
    snprintf(l->key, sizeof(l->key), "%s", key != NULL ? key : "*");
    snprintf(l->description, sizeof(l->description), "%s", description);
    if (amount < 0) {
        debit = !debit;
        amount = -amount;
    }
    if (debit)
        l->debit = amount;
    else
        l->credit = amount;
    return 0;
}

/* ---- a bill run's lines ---- */

static int run_receivable_row(const tl_row *row, void *cls, tl_err *err)
{
    journal *j = cls;
    const char *cur = NULL;
    int64_t amount = 0;
    int invoices = 0;
    char text[160];

    if (tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "amount", &amount, err) < 0 ||
        tl_row_int(row, "invoices", &invoices, err) < 0)
        return TL_ERROR;
    snprintf(text, sizeof(text), "Invoices of bill run %s (%d)", j->source_key,
             invoices);
    return add_line(j, cur, 0, "receivable", NULL, 1, amount, text, err);
}

static int run_revenue_row(const tl_row *row, void *cls, tl_err *err)
{
    journal *j = cls;
    const char *cur = NULL;
    const char *product = NULL;
    int64_t amount = 0;
    char text[160];

    if (tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_text(row, "product", &product, err) < 0 ||
        tl_row_int64(row, "amount", &amount, err) < 0)
        return TL_ERROR;
    snprintf(text, sizeof(text), "Revenue %s", product);
    return add_line(j, cur, 1, "revenue", product, 0, amount, text, err);
}

static int run_tax_row(const tl_row *row, void *cls, tl_err *err)
{
    journal *j = cls;
    const char *cur = NULL;
    const char *code = NULL;
    int64_t amount = 0;
    char text[160];

    if (tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_text(row, "tax_code", &code, err) < 0 ||
        tl_row_int64(row, "amount", &amount, err) < 0)
        return TL_ERROR;
    snprintf(text, sizeof(text), "Tax payable %s", code);
    return add_line(j, cur, 2, "tax_payable", code, 0, amount, text, err);
}

/* The run's final invoices count; drafts of a run not yet approved are
 * not in the books. */
static int run_lines(journal *j, tl_db *db, int64_t run_id, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, run_id);
    rc = tl_db_query_one(db, &res, "collections_gl_run",
                         "SELECT issue_date FROM billing.bill_run"
                         " WHERE run_id = $1::bigint",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_run", "run",
                          "bill run %lld does not exist", (long long)run_id);
    row.res = res;
    row.row = 0;
    rc = tl_row_date(&row, "issue_date", &j->date, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    rc = tl_db_select(db, "collections_gl_run_receivable",
                      "SELECT i.currency, sum(i.total_minor) AS amount,"
                      " count(*) AS invoices FROM billing.invoice i"
                      " WHERE i.run_id = $1::bigint AND i.status = 'final'"
                      " GROUP BY i.currency ORDER BY i.currency",
                      &p, run_receivable_row, j, err);
    if (rc < 0)
        return rc;
    rc = tl_db_select(db, "collections_gl_run_revenue",
                      "SELECT i.currency, " COLLECTIONS_LINE_PRODUCT
                      " AS product, sum(l.amount_minor) AS amount"
                      " FROM billing.invoice_line l"
                      " " BILLING_FINAL_INVOICE_JOIN
                      " WHERE i.run_id = $1::bigint"
                      " GROUP BY 1, 2 ORDER BY 1, 2",
                      &p, run_revenue_row, j, err);
    if (rc < 0)
        return rc;
    rc = tl_db_select(db, "collections_gl_run_tax",
                      "SELECT i.currency, t.tax_code,"
                      " sum(t.amount_minor) AS amount"
                      " FROM billing.invoice_tax_line t"
                      " " BILLING_FINAL_INVOICE_JOIN
                      " WHERE i.run_id = $1::bigint"
                      " GROUP BY 1, 2 ORDER BY 1, 2",
                      &p, run_tax_row, j, err);
    return rc < 0 ? rc : 0;
}

/* ---- a day of cash's lines ---- */

/* What a day of cash journals (on $1): the receipts no journal has taken
 * yet, received on or before the day (a payment posted after its day
 * was exported comes with the next day exported), and for each payment
 * and invoice the applied amount not journaled yet, for applications
 * made on or before the day. */
#define CASH_TO_JOURNAL                                                        \
    "WITH receipt AS ("                                                        \
    "  SELECT p.account_id, p.payment_id, p.currency, p.amount_minor,"         \
    "  p.received_date FROM collections.payment p"                             \
    "  WHERE p.received_date <= $1::date AND NOT EXISTS (SELECT 1"             \
    "   FROM collections.gl_cash_posted g WHERE g.account_id = p.account_id"   \
    "   AND g.payment_id = p.payment_id AND g.invoice_id IS NULL)),"           \
    " applied AS ("                                                            \
    "  SELECT account_id, payment_id, invoice_id,"                             \
    "  sum(amount_minor) AS amount FROM collections.application"               \
    "  WHERE applied_date <= $1::date"                                         \
    "  GROUP BY account_id, payment_id, invoice_id),"                          \
    " taken AS ("                                                              \
    "  SELECT account_id, payment_id, invoice_id,"                             \
    "  sum(amount_minor) AS amount FROM collections.gl_cash_posted"            \
    "  WHERE invoice_id IS NOT NULL"                                           \
    "  GROUP BY account_id, payment_id, invoice_id),"                          \
    " delta AS ("                                                              \
    "  SELECT account_id, payment_id, invoice_id,"                             \
    "  coalesce(x.amount, 0) - coalesce(t.amount, 0) AS amount"                \
    "  FROM applied x FULL JOIN taken t"                                       \
    "  USING (account_id, payment_id, invoice_id)"                             \
    "  WHERE coalesce(x.amount, 0) <> coalesce(t.amount, 0))"

static int cash_row(const tl_row *row, void *cls, tl_err *err)
{
    journal *j = cls;
    const char *cur = NULL;
    int64_t received = 0;
    int64_t applied_new = 0;
    int64_t applied_old = 0;
    int payments = 0;
    int late = 0;
    char text[160];
    int rc;

    if (tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "received", &received, err) < 0 ||
        tl_row_int64(row, "applied_new", &applied_new, err) < 0 ||
        tl_row_int64(row, "applied_old", &applied_old, err) < 0 ||
        tl_row_int(row, "payments", &payments, err) < 0 ||
        tl_row_int(row, "late", &late, err) < 0)
        return TL_ERROR;
    if (late > 0)
        snprintf(text, sizeof(text),
                 "Payments received %s (%d; %d received earlier and posted "
                 "late)",
                 j->source_key, payments, late);
    else
        snprintf(text, sizeof(text), "Payments received %s (%d)", j->source_key,
                 payments);
    rc = add_line(j, cur, 0, "cash", NULL, 1, received, text, err);
    if (rc == 0)
        rc = add_line(j, cur, 2, "receivable", NULL, 0, applied_new,
                      "Payments applied to invoices", err);
    if (rc == 0)
        rc = add_line(j, cur, 3, "unapplied_cash", NULL, 0,
                      received - applied_new,
                      "Payments not applied (credit on account)", err);
    /* earlier receipts applied now move from unapplied cash to AR */
    if (rc == 0)
        rc = add_line(j, cur, 1, "unapplied_cash", NULL, 1, applied_old,
                      "Earlier payments applied to invoices", err);
    if (rc == 0)
        rc = add_line(j, cur, 2, "receivable", NULL, 0, applied_old,
                      "Earlier payments applied to invoices", err);
    return rc;
}

static int cash_lines(journal *j, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_date(&p, j->date);
    rc = tl_db_select(
        db, "collections_gl_cash",
        CASH_TO_JOURNAL
        ","
        " applied_by AS ("
        "  SELECT d.account_id, d.payment_id, sum(d.amount) AS amount"
        "  FROM delta d GROUP BY d.account_id, d.payment_id),"
        " by_payment AS ("
        "  SELECT p.currency, r.payment_id IS NOT NULL AS new,"
        "  coalesce(r.amount_minor, 0) AS received,"
        "  coalesce(r.received_date < $1::date, false) AS late,"
        "  coalesce(b.amount, 0) AS applied"
        "  FROM receipt r FULL JOIN applied_by b"
        "  USING (account_id, payment_id)"
        "  JOIN collections.payment p USING (account_id, payment_id))"
        " SELECT currency, sum(received)::bigint AS received,"
        " coalesce(sum(applied) FILTER (WHERE new), 0)::bigint"
        "  AS applied_new,"
        " coalesce(sum(applied) FILTER (WHERE NOT new), 0)::bigint"
        "  AS applied_old,"
        " count(*) FILTER (WHERE new) AS payments,"
        " count(*) FILTER (WHERE new AND late) AS late"
        " FROM by_payment GROUP BY currency ORDER BY currency",
        &p, cash_row, j, err);
    return rc < 0 ? rc : 0;
}

/* Records what the day's journal took (the same reads as cash_lines, in
 * the same serializable transaction, so the same rows). */
static int cash_taken(journal *j, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_date(&p, j->date);
    tl_params_int64(&p, j->out->export_id);
    rc = tl_db_exec(db, "collections_gl_cash_taken",
                    CASH_TO_JOURNAL
                    " INSERT INTO collections.gl_cash_posted (account_id,"
                    " payment_id, invoice_id, export_id, amount_minor)"
                    " SELECT account_id, payment_id, NULL, $2::bigint,"
                    " amount_minor FROM receipt"
                    " UNION ALL SELECT account_id, payment_id, invoice_id,"
                    " $2::bigint, amount FROM delta",
                    &p, err);
    return rc < 0 ? rc : 0;
}

/* ---- a day of ledger documents' lines ---- */

/* What a ledger day journals (on $1): every document a person posted
 * (collections.ledger_doc) whose entry is effective on or before the day
 * and that no ledger-day journal has taken yet, so one posted after its
 * day was exported comes with the next day exported. A transfer is two
 * documents, one per account, posted together with the same date. */
#define DOCS_TO_JOURNAL                                                        \
    "WITH doc AS ("                                                            \
    "  SELECT d.account_id, d.entry_id, d.doc_kind, e.currency,"               \
    "  e.amount_minor, e.effective_date FROM collections.ledger_doc d"         \
    "  JOIN collections.ledger_entry e ON e.account_id = d.account_id"         \
    "  AND e.entry_id = d.entry_id"                                            \
    "  WHERE e.effective_date <= $1::date AND NOT EXISTS (SELECT 1"            \
    "   FROM collections.gl_doc_posted g WHERE g.account_id = d.account_id"    \
    "   AND g.entry_id = d.entry_id))"

/* How each kind of document is journaled, by the sign of its ledger
 * amount (raises: positive, the customer owes more). The receivable side
 * is the ledger amount itself, so the receivable account moves exactly as
 * the AR ledger does; the other side says why.
 *
 * A refund (a positive entry: it takes back a credit on account) pays
 * cash out. The cash-day journal books a payment's part not applied to
 * invoices as a credit to unapplied cash (CASH_TO_JOURNAL, cash_row):
 * the customer's credit lives there, not in receivable. So the refund
 * debits unapplied cash and credits cash; AR in the ledger (invoices less
 * payments) still equals receivable less unapplied cash in the GL.
 *
 * A transfer keeps both legs on receivable (credit the account it leaves,
 * debit the one it reaches): they net to zero there, and the journal
 * still shows it. A rule without a debit or a credit purpose gives one
 * line only. */
typedef struct doc_rule {
    const char *doc_kind;
    int raises;
    const char *debit;
    const char *credit;
    const char *text;
} doc_rule;

static const doc_rule doc_rules[] = {
    {"credit_memo", 0, "adjustments", "receivable", "Credit memos"},
    {"debit_memo", 1, "receivable", "adjustments", "Debit memos"},
    {"adjustment", 0, "adjustments", "receivable", "Adjustments lowering AR"},
    {"adjustment", 1, "receivable", "adjustments", "Adjustments raising AR"},
    {"write_off", 0, "bad_debt", "receivable", "Write-offs"},
    {"recovery", 1, "receivable", "bad_debt", "Recoveries"},
    {"refund", 1, "unapplied_cash", "cash", "Refunds"},
    {"transfer", 0, NULL, "receivable", "Transfers out"},
    {"transfer", 1, "receivable", NULL, "Transfers in"},
};

#define N_DOC_RULES (sizeof(doc_rules) / sizeof(doc_rules[0]))

static int docs_row(const tl_row *row, void *cls, tl_err *err)
{
    journal *j = cls;
    const doc_rule *rule = NULL;
    const char *cur = NULL;
    const char *kind = NULL;
    int64_t amount = 0;
    int raises = 0;
    int docs = 0;
    int late = 0;
    char text[160];
    size_t i;
    int rc = 0;

    if (tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_text(row, "doc_kind", &kind, err) < 0 ||
        tl_row_bool(row, "raises", &raises, err) < 0 ||
        tl_row_int64(row, "amount", &amount, err) < 0 ||
        tl_row_int(row, "docs", &docs, err) < 0 ||
        tl_row_int(row, "late", &late, err) < 0)
        return TL_ERROR;
    for (i = 0; i < N_DOC_RULES && rule == NULL; i++)
        if (strcmp(doc_rules[i].doc_kind, kind) == 0 &&
            doc_rules[i].raises == raises)
            rule = &doc_rules[i];
    /* the posting code never makes one (a credit memo that raises AR, a
     * write-off that does): a journal that guessed would not tie */
    if (rule == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "journal",
                          "a %s that %s what the customer owes has no GL "
                          "rule; nothing was exported",
                          kind, raises ? "raises" : "lowers");
    if (!raises)
        amount = -amount;
    if (late > 0)
        snprintf(text, sizeof(text), "%s %s (%d; %d dated earlier)", rule->text,
                 j->source_key, docs, late);
    else
        snprintf(text, sizeof(text), "%s %s (%d)", rule->text, j->source_key,
                 docs);
    /* debits first, then credits, each in the order of doc_rules */
    i = (size_t)(rule - doc_rules);
    if (rule->debit != NULL)
        rc = add_line(j, cur, (int)i, rule->debit, NULL, 1, amount, text, err);
    if (rc == 0 && rule->credit != NULL)
        rc = add_line(j, cur, (int)(N_DOC_RULES + i), rule->credit, NULL, 0,
                      amount, text, err);
    return rc;
}

static int doc_lines(journal *j, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_date(&p, j->date);
    rc = tl_db_select(db, "collections_gl_docs",
                      DOCS_TO_JOURNAL
                      " SELECT currency, doc_kind, amount_minor > 0 AS raises,"
                      " sum(amount_minor)::bigint AS amount,"
                      " count(*) AS docs,"
                      " count(*) FILTER (WHERE effective_date < $1::date)"
                      " AS late FROM doc GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                      &p, docs_row, j, err);
    return rc < 0 ? rc : 0;
}

/* Records what the day's journal took (the same read as doc_lines, in
 * the same serializable transaction, so the same rows). */
static int docs_taken(journal *j, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_date(&p, j->date);
    tl_params_int64(&p, j->out->export_id);
    rc = tl_db_exec(db, "collections_gl_docs_taken",
                    DOCS_TO_JOURNAL
                    " INSERT INTO collections.gl_doc_posted (account_id,"
                    " entry_id, export_id)"
                    " SELECT account_id, entry_id, $2::bigint FROM doc",
                    &p, err);
    return rc < 0 ? rc : 0;
}

/* ---- accounts, balance, CSV ---- */

static int cmp_lines(const void *a, const void *b)
{
    const jline *x = a;
    const jline *y = b;
    int c = strcmp(x->currency, y->currency);

    if (c == 0)
        c = x->seq - y->seq;
    if (c == 0)
        c = strcmp(x->key, y->key);
    return c;
}

static int find_problem_field(const tl_err *err, const char *field)
{
    size_t i;

    for (i = 0; i < err->n_problems; i++)
        if (strcmp(err->problems[i].field, field) == 0)
            return 1;
    return 0;
}

/* Gives every line its GL account: the mapping for its purpose and key,
 * else the purpose's default. Every missing one is a problem. */
static int resolve_accounts(journal *j, tl_db *db, tl_err *err)
{
    int account_col, name_col, purpose_col, key_col;
    char field[TL_ERR_FIELD_MAX];
    size_t i;
    int r;
    int rc;

    rc = tl_db_query(db, &j->map, "collections_gl_accounts",
                     "SELECT purpose, key, account_number, name"
                     " FROM collections.gl_account ORDER BY purpose, key",
                     NULL, err);
    if (rc < 0)
        return rc;
    purpose_col = PQfnumber(j->map, "purpose");
    key_col = PQfnumber(j->map, "key");
    account_col = PQfnumber(j->map, "account_number");
    name_col = PQfnumber(j->map, "name");
    for (i = 0; i < j->n; i++) {
        jline *l = &j->lines[i];
        int best = -1;

        for (r = 0; r < PQntuples(j->map); r++) {
            const char *purpose = PQgetvalue(j->map, r, purpose_col);
            const char *key = PQgetvalue(j->map, r, key_col);

            if (strcmp(purpose, l->purpose) != 0)
                continue;
            if (strcmp(key, l->key) == 0) {
                best = r;
                break;
            }
            if (strcmp(key, "*") == 0)
                best = r;
        }
        if (best < 0) {
            snprintf(field, sizeof(field), "glAccounts.%s%s%s", l->purpose,
                     strcmp(l->key, "*") != 0 ? "." : "",
                     strcmp(l->key, "*") != 0 ? l->key : "");
            if (find_problem_field(err, field))
                continue;
            tl_err_add(err, "missing_gl_account", field,
                       "no GL account for %s%s%s and no default: load one "
                       "with bill gl-accounts load",
                       l->purpose, strcmp(l->key, "*") != 0 ? " " : "",
                       strcmp(l->key, "*") != 0 ? l->key : "");
            continue;
        }
        l->account = PQgetvalue(j->map, best, account_col);
        l->account_name = PQgetvalue(j->map, best, name_col);
    }
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

/* Sums debits and credits per currency into out->totals and refuses a
 * journal that does not balance. */
static int check_balance(journal *j, tl_err *err)
{
    collections_gl_export_t *out = j->out;
    collections_gl_total_t *t = NULL;
    char d[32], c[32];
    tl_money md, mc;
    size_t i;
    int k;

    out->n_totals = 0;
    for (i = 0; i < j->n; i++) {
        const jline *l = &j->lines[i];

        t = NULL;
        for (k = 0; k < out->n_totals; k++)
            if (strcmp(out->totals[k].currency, l->currency) == 0)
                t = &out->totals[k];
        if (t == NULL) {
            if (out->n_totals == COLLECTIONS_GL_MAX_CURRENCIES)
                return tl_err_set(err, TL_ERROR, "too_many_currencies", "",
                                  "a journal in more than %d currencies",
                                  COLLECTIONS_GL_MAX_CURRENCIES);
            t = &out->totals[out->n_totals++];
            memset(t, 0, sizeof(*t));
            snprintf(t->currency, sizeof(t->currency), "%s", l->currency);
        }
        if (l->debit > INT64_MAX - t->debit_minor ||
            l->credit > INT64_MAX - t->credit_minor)
            return tl_err_set(err, TL_EOVERFLOW, "overflow", "total",
                              "the journal total does not fit");
        t->debit_minor += l->debit;
        t->credit_minor += l->credit;
    }
    for (k = 0; k < out->n_totals; k++) {
        t = &out->totals[k];
        if (t->debit_minor == t->credit_minor)
            continue;
        tl_money_make(&md, t->debit_minor, t->currency);
        tl_money_make(&mc, t->credit_minor, t->currency);
        tl_money_format(d, sizeof(d), &md);
        tl_money_format(c, sizeof(c), &mc);
        return tl_err_set(err, TL_ECONFLICT, "unbalanced", "journal",
                          "journal %s does not balance in %s: debits %s, "
                          "credits %s; nothing was exported",
                          j->journal, t->currency, d, c);
    }
    return 0;
}

/* A growable text buffer with a hard cap. */
typedef struct textbuf {
    char *s;
    size_t len;
    size_t cap;
} textbuf;

static int put(textbuf *b, const char *s, size_t n, tl_err *err)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        char *grown;

        while (cap < b->len + n + 1)
            cap *= 2;
        if (cap > MAX_CSV_BYTES)
            return tl_err_set(err, TL_ERROR, "too_large", "",
                              "the journal is larger than %u bytes",
                              MAX_CSV_BYTES);
        grown = realloc(b->s, cap);
        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        b->s = grown;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

/* One RFC 4180 field and its separator. */
static int put_field(textbuf *b, const char *s, int last, tl_err *err)
{
    int rc = 0;

    if (strpbrk(s, ",\"\r\n") != NULL) {
        rc = put(b, "\"", 1, err);
        for (; rc == 0 && *s != '\0'; s++) {
            if (*s == '"')
                rc = put(b, "\"", 1, err);
            if (rc == 0)
                rc = put(b, s, 1, err);
        }
        if (rc == 0)
            rc = put(b, "\"", 1, err);
    } else {
        rc = put(b, s, strlen(s), err);
    }
    if (rc == 0)
        rc = put(b, last ? "\n" : ",", 1, err);
    return rc;
}

static int amount_text(char *buf, size_t size, int64_t minor, const char *cur,
                       tl_err *err)
{
    tl_money m;

    buf[0] = '\0';
    if (minor == 0)
        return 0;
    if (tl_money_make(&m, minor, cur) != 0 ||
        tl_money_format(buf, size, &m) < 0)
        return tl_err_set(err, TL_ECURRENCY, "currency", "currency",
                          "unknown currency %s", cur);
    return 0;
}

static int render_csv(journal *j, textbuf *b, tl_err *err)
{
    char date[16], line_no[24], debit[32], credit[32];
    size_t i;
    int rc;

    rc = put(b,
             "journal,line,date,account,account_name,description,currency,"
             "debit,credit\n",
             strlen("journal,line,date,account,account_name,description,"
                    "currency,debit,credit\n"),
             err);
    tl_date_format(date, sizeof(date), j->date);
    for (i = 0; rc == 0 && i < j->n; i++) {
        const jline *l = &j->lines[i];

        snprintf(line_no, sizeof(line_no), "%zu", i + 1);
        rc = amount_text(debit, sizeof(debit), l->debit, l->currency, err);
        if (rc == 0)
            rc = amount_text(credit, sizeof(credit), l->credit, l->currency,
                             err);
        if (rc == 0)
            rc = put_field(b, j->journal, 0, err);
        if (rc == 0)
            rc = put_field(b, line_no, 0, err);
        if (rc == 0)
            rc = put_field(b, date, 0, err);
        if (rc == 0)
            rc = put_field(b, l->account, 0, err);
        if (rc == 0)
            rc = put_field(b, l->account_name, 0, err);
        if (rc == 0)
            rc = put_field(b, l->description, 0, err);
        if (rc == 0)
            rc = put_field(b, l->currency, 0, err);
        if (rc == 0)
            rc = put_field(b, debit, 0, err);
        if (rc == 0)
            rc = put_field(b, credit, 1, err);
    }
    return rc;
}

/* ---- stored exports ---- */

/* How messages name the source of an export of kind: "bill run 7", "the
 * cash day 2026-12-28", "the ledger day 2026-12-31". */
static const char *source_words(const char *kind)
{
    if (strcmp(kind, "bill_run") == 0)
        return "bill run";
    if (strcmp(kind, "ledger_day") == 0)
        return "the ledger day";
    return "the cash day";
}

static int read_export(collections_gl_export_t *out, const tl_row *row,
                       tl_err *err)
{
    const char *s = NULL;

    if (tl_row_int64(row, "export_id", &out->export_id, err) < 0 ||
        tl_row_int(row, "line_count", &out->line_count, err) < 0)
        return TL_ERROR;
#define COPY(field, col)                                                       \
    do {                                                                       \
        if (tl_row_text(row, col, &s, err) < 0)                                \
            return TL_ERROR;                                                   \
        snprintf(out->field, sizeof(out->field), "%s", s ? s : "");            \
    } while (0)
    COPY(kind, "kind");
    COPY(source_key, "source_key");
    COPY(journal, "journal");
    COPY(exported_at, "exported_at");
    COPY(exported_by, "exported_by");
    COPY(sha256, "content_sha256");
#undef COPY
    return 0;
}

#define EXPORT_COLS                                                            \
    "SELECT export_id, kind, source_key, journal, exported_by,"                \
    " to_char(exported_at AT TIME ZONE 'UTC',"                                 \
    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS exported_at, content_sha256,"       \
    " line_count, csv FROM collections.gl_export"

static int total_cb(const tl_row *row, void *cls, tl_err *err)
{
    collections_gl_export_t *out = cls;
    collections_gl_total_t *t;
    const char *cur = NULL;

    if (out->n_totals == COLLECTIONS_GL_MAX_CURRENCIES)
        return tl_err_set(err, TL_ERROR, "too_many_currencies", "",
                          "an export in more than %d currencies",
                          COLLECTIONS_GL_MAX_CURRENCIES);
    t = &out->totals[out->n_totals];
    if (tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "debit_minor", &t->debit_minor, err) < 0 ||
        tl_row_int64(row, "credit_minor", &t->credit_minor, err) < 0)
        return TL_ERROR;
    snprintf(t->currency, sizeof(t->currency), "%s", cur);
    out->n_totals++;
    return 0;
}

/* The stored export of (kind, key) into *out with its CSV; 0 when there
 * is none. */
static int load_export(collections_gl_export_t *out, tl_db *db,
                       const char *kind, const char *key, tl_err *err)
{
    PGresult *res = NULL;
    const char *csv = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, kind);
    tl_params_text(&p, key);
    rc = tl_db_query_one(db, &res, "collections_gl_export_get",
                         EXPORT_COLS " WHERE kind = $1 AND source_key = $2", &p,
                         err);
    if (rc <= 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = read_export(out, &row, err);
    if (rc == 0)
        rc = tl_row_text(&row, "csv", &csv, err);
    if (rc == 0) {
        free(out->csv);
        out->csv = strdup(csv != NULL ? csv : "");
        if (out->csv == NULL)
            rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    PQclear(res);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, out->export_id);
    out->n_totals = 0;
    rc = tl_db_select(db, "collections_gl_export_totals",
                      "SELECT currency, debit_minor, credit_minor"
                      " FROM collections.gl_export_total"
                      " WHERE export_id = $1::bigint ORDER BY currency",
                      &p, total_cb, out, err);
    return rc < 0 ? rc : 1;
}

static int already_exported(const collections_gl_export_t *prev,
                            const journal *j, tl_err *err)
{
    return tl_err_set(err, TL_ECONFLICT, "already_exported", "source",
                      "%s %s was exported on %s by %s as export %lld "
                      "(journal %s); print it again with --again",
                      strcmp(j->kind, "bill_run") == 0     ? "bill run"
                      : strcmp(j->kind, "ledger_day") == 0 ? "the ledger day"
                                                           : "the cash of",
                      j->source_key, prev->exported_at, prev->exported_by,
                      (long long)prev->export_id, prev->journal);
}

static int store(journal *j, tl_db *db, const textbuf *csv, tl_err *err)
{
    collections_gl_export_t *out = j->out;
    PGresult *res = NULL;
    json_t *after;
    tl_params p;
    tl_row row;
    int k;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, j->kind);
    tl_params_text(&p, j->source_key);
    tl_params_text(&p, j->journal);
    tl_params_text(&p, j->actor);
    tl_params_text(&p, csv->s);
    tl_params_int64(&p, (int64_t)j->n);
    rc = tl_db_query_one(
        db, &res, "collections_gl_export_insert",
        "INSERT INTO collections.gl_export (kind, source_key, journal,"
        " exported_by, content_sha256, line_count, csv)"
        " VALUES ($1, $2, $3, $4,"
        " encode(sha256(convert_to($5, 'UTF8')), 'hex'), $6::int, $5)"
        " RETURNING export_id, kind, source_key, journal, exported_by,"
        " to_char(exported_at AT TIME ZONE 'UTC',"
        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS exported_at,"
        " content_sha256, line_count",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = res;
    row.row = 0;
    rc = read_export(out, &row, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    for (k = 0; k < out->n_totals; k++) {
        tl_params_init(&p);
        tl_params_int64(&p, out->export_id);
        tl_params_text(&p, out->totals[k].currency);
        tl_params_int64(&p, out->totals[k].debit_minor);
        tl_params_int64(&p, out->totals[k].credit_minor);
        rc = tl_db_exec(db, "collections_gl_export_total_insert",
                        "INSERT INTO collections.gl_export_total (export_id,"
                        " currency, debit_minor, credit_minor)"
                        " VALUES ($1::bigint, $2, $3::bigint, $4::bigint)",
                        &p, err);
        if (rc < 0)
            return rc;
    }
    after = json_pack("{s:s, s:s, s:i, s:s}", "journal", j->journal, "source",
                      j->source_key, "lines", (int)j->n, "sha256", out->sha256);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, j->actor, "gl.export", j->kind, j->source_key, 0, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

typedef struct export_ctx {
    journal j;
    int64_t run_id; /* bill_run */
} export_ctx;

static int export_tx(tl_db *db, void *cls, tl_err *err)
{
    export_ctx *ctx = cls;
    journal *j = &ctx->j;
    collections_gl_export_t prev;
    textbuf csv = {NULL, 0, 0};
    int rc;

    journal_reset(j);
    memset(&prev, 0, sizeof(prev));
    rc = load_export(&prev, db, j->kind, j->source_key, err);
    if (rc > 0)
        rc = already_exported(&prev, j, err);
    collections_gl_export_free(&prev);
    if (rc < 0)
        goto cleanup;
    if (strcmp(j->kind, "bill_run") == 0)
        rc = run_lines(j, db, ctx->run_id, err);
    else if (strcmp(j->kind, "ledger_day") == 0)
        rc = doc_lines(j, db, err);
    else
        rc = cash_lines(j, db, err);
    if (rc < 0)
        goto cleanup;
    if (j->n == 0) {
        rc = tl_err_set(err, TL_ENOTFOUND, "nothing_to_export", "source",
                        "%s %s has nothing to export", source_words(j->kind),
                        j->source_key);
        goto cleanup;
    }
    qsort(j->lines, j->n, sizeof(*j->lines), cmp_lines);
    rc = resolve_accounts(j, db, err);
    if (rc == 0)
        rc = check_balance(j, err);
    if (rc == 0)
        rc = render_csv(j, &csv, err);
    if (rc == 0)
        rc = store(j, db, &csv, err);
    if (rc == 0 && strcmp(j->kind, "cash_day") == 0)
        rc = cash_taken(j, db, err);
    if (rc == 0 && strcmp(j->kind, "ledger_day") == 0)
        rc = docs_taken(j, db, err);
    if (rc == TL_EDUPLICATE) {
        /* exported meanwhile by someone else */
        tl_err_clear(err);
        rc = TL_ERETRY;
    }
    if (rc == 0) {
        free(j->out->csv);
        j->out->csv = csv.s;
        csv.s = NULL;
        j->out->line_count = (int)j->n;
        j->out->created = 1;
    }
cleanup:
    free(csv.s);
    return rc;
}

static int run_export(export_ctx *ctx, tl_db *db, collections_gl_export_t *out,
                      tl_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    ctx->j.out = out;
    rc = tl_db_run_tx(db, "collections_gl_export", export_tx, ctx, err);
    journal_reset(&ctx->j);
    if (rc < 0)
        collections_gl_export_free(out);
    return rc;
}

int collections_gl_export_run(collections_gl_export_t *out, tl_db *db,
                              int64_t run_id, const char *actor, tl_err *err)
{
    export_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.run_id = run_id;
    ctx.j.kind = "bill_run";
    ctx.j.actor = actor;
    snprintf(ctx.j.source_key, sizeof(ctx.j.source_key), "%lld",
             (long long)run_id);
    snprintf(ctx.j.journal, sizeof(ctx.j.journal), "BR-%lld",
             (long long)run_id);
    if (run_id <= 0) {
        memset(out, 0, sizeof(*out));
        return tl_err_set(err, TL_ENOTFOUND, "unknown_run", "run",
                          "bill run %lld does not exist", (long long)run_id);
    }
    return run_export(&ctx, db, out, err);
}

int collections_gl_export_cash_day(collections_gl_export_t *out, tl_db *db,
                                   tl_date day, const char *actor, tl_err *err)
{
    export_ctx ctx;
    char date[16];

    memset(&ctx, 0, sizeof(ctx));
    tl_date_format(date, sizeof(date), day);
    ctx.j.kind = "cash_day";
    ctx.j.actor = actor;
    ctx.j.date = day;
    snprintf(ctx.j.source_key, sizeof(ctx.j.source_key), "%s", date);
    snprintf(ctx.j.journal, sizeof(ctx.j.journal), "CASH-%s", date);
    return run_export(&ctx, db, out, err);
}

int collections_gl_export_ledger_day(collections_gl_export_t *out, tl_db *db,
                                     tl_date day, const char *actor,
                                     tl_err *err)
{
    export_ctx ctx;
    char date[16];

    memset(&ctx, 0, sizeof(ctx));
    tl_date_format(date, sizeof(date), day);
    ctx.j.kind = "ledger_day";
    ctx.j.actor = actor;
    ctx.j.date = day;
    snprintf(ctx.j.source_key, sizeof(ctx.j.source_key), "%s", date);
    snprintf(ctx.j.journal, sizeof(ctx.j.journal), "LEDGER-%s", date);
    return run_export(&ctx, db, out, err);
}

int collections_gl_export_get(collections_gl_export_t *out, tl_db *db,
                              const char *kind, const char *source_key,
                              tl_err *err)
{
    int rc;

    memset(out, 0, sizeof(*out));
    rc = load_export(out, db, kind, source_key, err);
    if (rc == 0)
        rc = tl_err_set(err, TL_ENOTFOUND, "not_exported", "source",
                        "%s %s has not been exported", source_words(kind),
                        source_key);
    if (rc < 0) {
        collections_gl_export_free(out);
        return rc;
    }
    return 0;
}

void collections_gl_export_free(collections_gl_export_t *e)
{
    if (e == NULL)
        return;
    free(e->csv);
    memset(e, 0, sizeof(*e));
}
