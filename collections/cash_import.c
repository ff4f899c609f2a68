/*
 * Importing a bank file and matching its receipts, set-based.
 *
 * One transaction: the file row (its SHA-256 is unique, so a second import
 * of the same bytes finds it and stops), then the file's credits COPYed
 * into a temporary stage, credits whose bank reference is already known
 * dropped, and three queries that find, for all staged receipts at once,
 * the invoices their remittance names, the account they belong to, and the
 * open invoices they could pay. The allocation itself is a greedy walk in C
 * over those rows (each invoice's open amount shared by every receipt of
 * the file that names it); its decisions go back by COPY, and three
 * INSERT ... SELECT statements write the receipts, the payments with their
 * ledger entries, and the applications. No statement runs per receipt.
 *
 * Matching, per receipt, first that applies:
 *   invoice  a word of the remittance is an invoice number (in the
 *            receipt's currency); paid to those invoices, oldest due
 *            first, what is left stays on the account as credit. Invoices
 *            of several accounts: the account the payer is known by
 *            decides, else the receipt waits in the queue.
 *   account  exactly one account is known for the payer (lockbox account
 *            column, an account number in the remittance, a payer IBAN or
 *            name learned before); paid to its oldest open invoices.
 *   amount   exactly one fully open invoice has that amount and currency.
 * Anything else waits in the unapplied-cash queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/cash.h"
#include "collections/ledger_internal.h"
#include "common/audit.h"

#define REFS_MAX 32
#define COPY_BUF (1u << 20)

enum { M_NONE = 0, M_INVOICE, M_ACCOUNT, M_AMOUNT };

static const char *const method_names[] = {NULL, "invoice", "account",
                                           "amount"};

/* What the matcher knows and decides about one staged receipt. */
typedef struct rcpt {
    int alive;  /* staged (a credit not imported before) */
    int method; /* M_* decided */
    int64_t account_id;
    int64_t left;         /* not yet allocated */
    int64_t hint_account; /* best known account for the payer, 0 if none */
    int hint_count;       /* how many accounts at that best level */
    size_t inv_first;     /* range in the invoice candidate list */
    size_t inv_n;
} rcpt;

typedef struct cand {
    int entry_no;
    int64_t account_id;
    int64_t invoice_id;
    int64_t open;
    int n; /* amount candidates of the receipt */
} cand;

typedef struct cand_list {
    cand *items;
    size_t n;
    size_t cap;
} cand_list;

/* Open amounts of the invoices the file touches, shared by its receipts:
 * open addressing on invoice_id. */
typedef struct open_map {
    int64_t *keys; /* 0 = empty */
    int64_t *vals;
    size_t cap;
    size_t n;
} open_map;

typedef struct alloc {
    int entry_no;
    int64_t invoice_id;
    int64_t amount;
} alloc;

typedef struct import_ctx {
    const cash_bank_file *f;
    const char *name;
    const char *actor;
    cash_import_result *out;
    rcpt *r; /* by entry_no - 1, one per file entry */
    cand_list inv;
    cand_list tmp;
    open_map open;
    alloc *allocs;
    size_t n_allocs;
    size_t cap_allocs;
    char *buf; /* COPY buffer */
    size_t used;
} import_ctx;

/* ---- small containers ---- */

static int cand_push(cand_list *l, const cand *c)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        cand *g = realloc(l->items, cap * sizeof(*g));
        if (g == NULL)
            return TL_ERROR;
        l->items = g;
        l->cap = cap;
    }
    l->items[l->n++] = *c;
    return 0;
}

static size_t map_slot(const open_map *m, int64_t key)
{
    uint64_t h = (uint64_t)key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 17) & (m->cap - 1);

    while (m->keys[i] != 0 && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static int map_grow(open_map *m)
{
    open_map g;
    size_t i;

    g.cap = m->cap ? m->cap * 2 : 4096;
    g.n = 0;
    g.keys = calloc(g.cap, sizeof(*g.keys));
    g.vals = calloc(g.cap, sizeof(*g.vals));
    if (g.keys == NULL || g.vals == NULL) {
        free(g.keys);
        free(g.vals);
        return TL_ERROR;
    }
    for (i = 0; i < m->cap; i++) {
        if (m->keys[i] != 0) {
            size_t s = map_slot(&g, m->keys[i]);
            g.keys[s] = m->keys[i];
            g.vals[s] = m->vals[i];
            g.n++;
        }
    }
    free(m->keys);
    free(m->vals);
    *m = g;
    return 0;
}

/* The invoice's open amount as the walk has left it; the first sight
 * records what the database said. Returns a pointer into the map. */
static int64_t *map_open(open_map *m, int64_t invoice_id, int64_t db_open)
{
    size_t s;

    if ((m->n + 1) * 2 > m->cap && map_grow(m) < 0)
        return NULL;
    s = map_slot(m, invoice_id);
    if (m->keys[s] == 0) {
        m->keys[s] = invoice_id;
        m->vals[s] = db_open;
        m->n++;
    }
    return &m->vals[s];
}

static int alloc_push(import_ctx *c, int entry_no, int64_t invoice_id,
                      int64_t amount)
{
    if (c->n_allocs == c->cap_allocs) {
        size_t cap = c->cap_allocs ? c->cap_allocs * 2 : 1024;
        alloc *g = realloc(c->allocs, cap * sizeof(*g));
        if (g == NULL)
            return TL_ERROR;
        c->allocs = g;
        c->cap_allocs = cap;
    }
    c->allocs[c->n_allocs].entry_no = entry_no;
    c->allocs[c->n_allocs].invoice_id = invoice_id;
    c->allocs[c->n_allocs].amount = amount;
    c->n_allocs++;
    return 0;
}

/* ---- COPY text ---- */

static int copy_flush(import_ctx *c, tl_db *db, tl_err *err)
{
    int rc = tl_db_copy_put(db, c->buf, c->used, err);

    c->used = 0;
    return rc;
}

static int copy_raw(import_ctx *c, tl_db *db, const char *s, size_t n,
                    tl_err *err)
{
    if (c->used + n > COPY_BUF) {
        int rc = copy_flush(c, db, err);
        if (rc < 0)
            return rc;
    }
    if (n > COPY_BUF)
        return tl_db_copy_put(db, s, n, err);
    memcpy(c->buf + c->used, s, n);
    c->used += n;
    return 0;
}

/* One text-format field: escaped, \N for an empty optional value, then a
 * tab or (last) a line end. */
static int copy_field(import_ctx *c, tl_db *db, const char *s, int null_empty,
                      int last, tl_err *err)
{
    char tmp[512];
    size_t n = 0;
    int rc = 0;

    if (null_empty && (s == NULL || s[0] == '\0')) {
        rc = copy_raw(c, db, "\\N", 2, err);
    } else {
        for (; *s != '\0' && rc == 0; s++) {
            const char *esc = NULL;
            if (*s == '\\')
                esc = "\\\\";
            else if (*s == '\t')
                esc = "\\t";
            else if (*s == '\n')
                esc = "\\n";
            else if (*s == '\r')
                esc = "\\r";
            if (n + 2 >= sizeof(tmp)) {
                rc = copy_raw(c, db, tmp, n, err);
                n = 0;
            }
            if (esc != NULL) {
                tmp[n++] = esc[0];
                tmp[n++] = esc[1];
            } else {
                tmp[n++] = *s;
            }
        }
        if (rc == 0 && n > 0)
            rc = copy_raw(c, db, tmp, n, err);
    }
    if (rc == 0)
        rc = copy_raw(c, db, last ? "\n" : "\t", 1, err);
    return rc;
}

static int copy_int(import_ctx *c, tl_db *db, int64_t v, int last, tl_err *err)
{
    char tmp[32];

    snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    return copy_field(c, db, tmp, 0, last, err);
}

static int copy_date(import_ctx *c, tl_db *db, tl_date d, int last, tl_err *err)
{
    char tmp[16];

    if (d == 0)
        return copy_field(c, db, "", 1, last, err);
    tl_date_format(tmp, sizeof(tmp), d);
    return copy_field(c, db, tmp, 0, last, err);
}

/* ---- the stage ---- */

static int stage_entries(import_ctx *c, tl_db *db, tl_err *err)
{
    char refs[REFS_MAX * 37 + 72];
    char words[REFS_MAX * 37 + 64];
    char text[2048];
    size_t i;
    int rc;

    rc = tl_db_exec(db, "cash_stage_create",
                    "CREATE TEMP TABLE IF NOT EXISTS cash_stage ("
                    " entry_no integer PRIMARY KEY, bank_account text,"
                    " bank_ref text, amount_minor bigint, currency char(3),"
                    " booking_date date, value_date date, method text,"
                    " type_code text, end_to_end_id text, debtor_name text,"
                    " debtor_account text, check_number text,"
                    " remittance text, refs text[], account_hint text)"
                    " ON COMMIT DELETE ROWS",
                    NULL, err);
    if (rc >= 0)
        rc = tl_db_exec(db, "cash_tie_create",
                        "CREATE TEMP TABLE IF NOT EXISTS cash_tie ("
                        " entry_no integer PRIMARY KEY, account_id bigint,"
                        " method text) ON COMMIT DELETE ROWS",
                        NULL, err);
    if (rc >= 0)
        rc = tl_db_exec(db, "cash_app_create",
                        "CREATE TEMP TABLE IF NOT EXISTS cash_app ("
                        " entry_no integer, invoice_id bigint,"
                        " amount_minor bigint) ON COMMIT DELETE ROWS",
                        NULL, err);
    /* a retried transaction may find rows of the attempt before */
    if (rc >= 0)
        rc = tl_db_exec(db, "cash_stage_truncate",
                        "TRUNCATE cash_stage, cash_tie, cash_app", NULL, err);
    if (rc < 0)
        return rc;
    rc = tl_db_copy_begin(db,
                          "COPY cash_stage (entry_no, bank_account, bank_ref,"
                          " amount_minor, currency, booking_date, value_date,"
                          " method, type_code, end_to_end_id, debtor_name,"
                          " debtor_account, check_number, remittance, refs,"
                          " account_hint) FROM STDIN",
                          err);
    if (rc < 0)
        return rc;
    for (i = 0; i < c->f->n && rc == 0; i++) {
        const cash_entry *e = &c->f->entries[i];
        char *w;
        if (!e->credit)
            continue;
        /* invoice and account numbers may sit in the remittance, the
         * end-to-end id or (lockbox) the account column */
        snprintf(text, sizeof(text), "%s %s", e->remittance, e->end_to_end_id);
        cash_refs_from_text(words, sizeof(words), text, REFS_MAX);
        for (w = words; *w != '\0'; w++)
            if (*w == ' ')
                *w = ',';
        refs[0] = '{';
        memcpy(refs + 1, words, strlen(words));
        refs[1 + strlen(words)] = '}';
        refs[2 + strlen(words)] = '\0';
        rc = copy_int(c, db, (int64_t)i + 1, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->bank_account, 0, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->bank_ref, 0, 0, err);
        if (rc == 0)
            rc = copy_int(c, db, e->amount.minor, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->amount.cur, 0, 0, err);
        if (rc == 0)
            rc = copy_date(c, db, e->booking_date, 0, err);
        if (rc == 0)
            rc = copy_date(c, db, e->value_date, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->method, 0, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->type_code, 1, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->end_to_end_id, 1, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->debtor_name, 1, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->debtor_account, 1, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->check_number, 1, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->remittance, 0, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, refs, 0, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, e->account_hint, 1, 1, err);
        if (rc == 0)
            c->r[i].alive = 1;
    }
    if (rc == 0)
        rc = copy_flush(c, db, err);
    {
        int end = tl_db_copy_end(db, err);
        if (rc == 0 && end < 0)
            rc = end;
    }
    return rc;
}

static int dup_row(const tl_row *row, void *cls, tl_err *err)
{
    import_ctx *c = cls;
    int entry_no = 0;

    if (tl_row_int(row, "entry_no", &entry_no, err) < 0)
        return TL_ERROR;
    if (entry_no >= 1 && (size_t)entry_no <= c->f->n)
        c->r[entry_no - 1].alive = 0;
    c->out->duplicates++;
    return 0;
}

/* ---- candidates ---- */

static int cand_row(const tl_row *row, void *cls, tl_err *err)
{
    cand_list *l = cls;
    cand c;

    memset(&c, 0, sizeof(c));
    if (tl_row_int(row, "entry_no", &c.entry_no, err) < 0 ||
        tl_row_int64(row, "account_id", &c.account_id, err) < 0 ||
        tl_row_int64(row, "invoice_id", &c.invoice_id, err) < 0 ||
        tl_row_int64(row, "open", &c.open, err) < 0 ||
        tl_row_int(row, "n", &c.n, err) < 0)
        return TL_ERROR;
    return cand_push(l, &c) < 0
               ? tl_err_set(err, TL_ERROR, "internal", "", "out of memory")
               : 0;
}

static int hint_row(const tl_row *row, void *cls, tl_err *err)
{
    import_ctx *c = cls;
    int entry_no = 0;
    int64_t account_id = 0;
    int n = 0;

    if (tl_row_int(row, "entry_no", &entry_no, err) < 0 ||
        tl_row_int64(row, "account_id", &account_id, err) < 0 ||
        tl_row_int(row, "n", &n, err) < 0)
        return TL_ERROR;
    if (entry_no >= 1 && (size_t)entry_no <= c->f->n) {
        c->r[entry_no - 1].hint_account = account_id;
        c->r[entry_no - 1].hint_count = n;
    }
    return 0;
}

/* Invoices named in the remittance, with what they still owe. */
static int invoice_candidates(import_ctx *c, tl_db *db, tl_err *err)
{
    return tl_db_select(
        db, "cash_match_invoice",
        "SELECT s.entry_no, e.account_id, e.invoice_id, 0 AS "
        "n, " COLLECTIONS_INVOICE_OWED(
            "e.account_id",
            "e.invoice_id") " AS open"
                            " FROM cash_stage s"
                            " CROSS JOIN LATERAL unnest(s.refs) AS t(ref)"
                            " JOIN collections.ledger_entry e ON e.kind = "
                            "'invoice'"
                            "  AND e.source_ref = t.ref AND e.currency = "
                            "s.currency"
                            " ORDER BY s.entry_no, e.due_date, e.entry_id",
        NULL, cand_row, &c->inv, err);
}

/* The account each payer is known by: the best level that knows one
 * (1 lockbox account column, 2 an account number in the remittance, 3 a
 * payer IBAN, 4 a payer name), and how many accounts that level names. */
static int account_hints(import_ctx *c, tl_db *db, tl_err *err)
{
    return tl_db_select(
        db, "cash_match_account",
        "WITH acc AS ("
        " SELECT s.entry_no, 1 AS prio, a.account_id FROM cash_stage s"
        "  JOIN accounts.billing_account a"
        "  ON a.account_number = upper(s.account_hint)"
        "  AND a.currency = s.currency"
        " UNION SELECT s.entry_no, 2, a.account_id FROM cash_stage s"
        "  CROSS JOIN LATERAL unnest(s.refs) AS t(ref)"
        "  JOIN accounts.billing_account a ON a.account_number = t.ref"
        "  AND a.currency = s.currency"
        " UNION SELECT s.entry_no, 3, p.account_id FROM cash_stage s"
        "  JOIN collections.payer p ON p.kind = 'iban'"
        "  AND p.key = s.debtor_account"
        "  JOIN accounts.billing_account a ON a.account_id = p.account_id"
        "  AND a.currency = s.currency"
        " UNION SELECT s.entry_no, 4, p.account_id FROM cash_stage s"
        "  JOIN collections.payer p ON p.kind = 'name'"
        "  AND p.key = upper(regexp_replace(btrim(s.debtor_name), '\\s+',"
        "  ' ', 'g'))"
        "  JOIN accounts.billing_account a ON a.account_id = p.account_id"
        "  AND a.currency = s.currency),"
        " best AS (SELECT entry_no, min(prio) AS prio FROM acc"
        "  GROUP BY entry_no)"
        " SELECT acc.entry_no, min(acc.account_id) AS account_id,"
        " count(DISTINCT acc.account_id) AS n"
        " FROM acc JOIN best USING (entry_no, prio) GROUP BY acc.entry_no",
        NULL, hint_row, c, err);
}

/* Oldest open invoices of the accounts matched by account. */
static int account_invoices(import_ctx *c, tl_db *db, tl_err *err)
{
    c->tmp.n = 0;
    return tl_db_select(
        db, "cash_match_account_invoices",
        "SELECT t.entry_no, e.account_id, e.invoice_id, 0 AS n, o.open"
        " FROM cash_tie t JOIN cash_stage s USING (entry_no)"
        " JOIN collections.ledger_entry e ON e.account_id = t.account_id"
        "  AND e.kind = 'invoice' AND e.currency = s.currency"
        " CROSS JOIN LATERAL (SELECT " COLLECTIONS_INVOICE_OWED(
            "e.account_id",
            "e.invoice_id") " AS open) o"
                            " WHERE t.method = 'account' AND o.open > 0"
                            " ORDER BY t.entry_no, e.due_date, e.entry_id",
        NULL, cand_row, &c->tmp, err);
}

/* Fully open invoices of exactly a receipt's amount, for the receipts
 * nothing else matched. */
static int amount_candidates(import_ctx *c, tl_db *db, tl_err *err)
{
    c->tmp.n = 0;
    return tl_db_select(
        db, "cash_match_amount",
        "SELECT * FROM (SELECT s.entry_no, e.account_id, e.invoice_id,"
        " e.amount_minor AS open, e.due_date, e.entry_id,"
        " count(*) OVER (PARTITION BY s.entry_no) AS n"
        " FROM cash_stage s"
        " JOIN collections.ledger_entry e ON e.kind = 'invoice'"
        "  AND e.amount_minor = s.amount_minor AND e.currency = s.currency"
        " WHERE NOT EXISTS (SELECT 1 FROM cash_tie t"
        "  WHERE t.entry_no = s.entry_no)"
        " AND " COLLECTIONS_INVOICE_OWED(
            "e.account_id", "e.invoice_id") " = e.amount_minor) x"
                                            " WHERE n = 1 ORDER BY entry_no, "
                                            "due_date, entry_id",
        NULL, cand_row, &c->tmp, err);
}

/* ---- the walk ---- */

/* Pays the receipt's money to the candidates l[first..first+n) of its
 * account, in order, as far as each invoice still owes. */
static int pay_invoices(import_ctx *c, int entry_no, const cand *l, size_t n)
{
    rcpt *r = &c->r[entry_no - 1];
    size_t i;

    for (i = 0; i < n && r->left > 0; i++) {
        int64_t *open;
        int64_t amount;
        if (l[i].account_id != r->account_id)
            continue;
        open = map_open(&c->open, l[i].invoice_id, l[i].open);
        if (open == NULL)
            return TL_ERROR;
        amount = *open < r->left ? *open : r->left;
        if (amount <= 0)
            continue;
        if (alloc_push(c, entry_no, l[i].invoice_id, amount) < 0)
            return TL_ERROR;
        *open -= amount;
        r->left -= amount;
    }
    return 0;
}

/* Decides the receipts that name invoices or whose account is known. */
static int decide_named(import_ctx *c)
{
    size_t i = 0;
    size_t k;

    /* the invoice candidates come ordered by entry_no */
    while (i < c->inv.n) {
        size_t j = i;
        while (j < c->inv.n &&
               c->inv.items[j].entry_no == c->inv.items[i].entry_no)
            j++;
        c->r[c->inv.items[i].entry_no - 1].inv_first = i;
        c->r[c->inv.items[i].entry_no - 1].inv_n = j - i;
        i = j;
    }
    for (k = 0; k < c->f->n; k++) {
        rcpt *r = &c->r[k];
        const cash_entry *e = &c->f->entries[k];
        if (!r->alive)
            continue;
        r->left = e->amount.minor;
        if (r->inv_n > 0) {
            const cand *l = &c->inv.items[r->inv_first];
            int64_t account = l[0].account_id;
            int several = 0;
            for (i = 1; i < r->inv_n; i++)
                several |= l[i].account_id != account;
            if (several) {
                account = 0;
                if (r->hint_count == 1)
                    for (i = 0; i < r->inv_n; i++)
                        if (l[i].account_id == r->hint_account)
                            account = r->hint_account;
            }
            if (account != 0) {
                r->method = M_INVOICE;
                r->account_id = account;
                if (pay_invoices(c, (int)k + 1, l, r->inv_n) < 0)
                    return TL_ERROR;
            }
            continue;
        }
        if (r->hint_count == 1) {
            r->method = M_ACCOUNT;
            r->account_id = r->hint_account;
        }
    }
    return 0;
}

/* Pays account-matched receipts to their account's oldest open invoices
 * (c->tmp, ordered by entry_no). */
static int decide_account(import_ctx *c)
{
    size_t i = 0;

    while (i < c->tmp.n) {
        size_t j = i;
        while (j < c->tmp.n &&
               c->tmp.items[j].entry_no == c->tmp.items[i].entry_no)
            j++;
        if (pay_invoices(c, c->tmp.items[i].entry_no, &c->tmp.items[i], j - i) <
            0)
            return TL_ERROR;
        i = j;
    }
    return 0;
}

/* A receipt with exactly one candidate of its amount takes it, when no
 * earlier receipt of the file took any of that invoice. */
static int decide_amount(import_ctx *c, int *ties)
{
    size_t i;

    *ties = 0;
    for (i = 0; i < c->tmp.n; i++) {
        const cand *x = &c->tmp.items[i];
        rcpt *r = &c->r[x->entry_no - 1];
        int64_t *open;
        if (x->n != 1 || r->method != M_NONE)
            continue;
        open = map_open(&c->open, x->invoice_id, x->open);
        if (open == NULL)
            return TL_ERROR;
        if (*open != r->left)
            continue;
        r->method = M_AMOUNT;
        r->account_id = x->account_id;
        if (alloc_push(c, x->entry_no, x->invoice_id, r->left) < 0)
            return TL_ERROR;
        *open = 0;
        r->left = 0;
        (*ties)++;
    }
    return 0;
}

/* COPYs the ties of one method into cash_tie. */
static int copy_ties(import_ctx *c, tl_db *db, int method, tl_err *err)
{
    size_t k;
    int rc;

    rc = tl_db_copy_begin(db,
                          "COPY cash_tie (entry_no, account_id, method)"
                          " FROM STDIN",
                          err);
    if (rc < 0)
        return rc;
    for (k = 0; k < c->f->n && rc == 0; k++) {
        if (!c->r[k].alive || c->r[k].method != method)
            continue;
        rc = copy_int(c, db, (int64_t)k + 1, 0, err);
        if (rc == 0)
            rc = copy_int(c, db, c->r[k].account_id, 0, err);
        if (rc == 0)
            rc = copy_field(c, db, method_names[method], 0, 1, err);
    }
    if (rc == 0)
        rc = copy_flush(c, db, err);
    {
        int end = tl_db_copy_end(db, err);
        if (rc == 0 && end < 0)
            rc = end;
    }
    return rc;
}

static int copy_allocs(import_ctx *c, tl_db *db, tl_err *err)
{
    size_t i;
    int rc;

    rc = tl_db_copy_begin(db,
                          "COPY cash_app (entry_no, invoice_id,"
                          " amount_minor) FROM STDIN",
                          err);
    if (rc < 0)
        return rc;
    for (i = 0; i < c->n_allocs && rc == 0; i++) {
        rc = copy_int(c, db, c->allocs[i].entry_no, 0, err);
        if (rc == 0)
            rc = copy_int(c, db, c->allocs[i].invoice_id, 0, err);
        if (rc == 0)
            rc = copy_int(c, db, c->allocs[i].amount, 1, err);
    }
    if (rc == 0)
        rc = copy_flush(c, db, err);
    {
        int end = tl_db_copy_end(db, err);
        if (rc == 0 && end < 0)
            rc = end;
    }
    return rc;
}

/* ---- writing ---- */

static int write_rows(import_ctx *c, tl_db *db, tl_err *err)
{
    tl_params p;
    int rc;

    /* a reference already posted as a payment of that account (by hand,
     * with payment post) is not posted twice: the receipt waits */
    rc = tl_db_exec(db, "cash_tie_drop_posted",
                    "DELETE FROM cash_tie t USING cash_stage s,"
                    " collections.payment p"
                    " WHERE s.entry_no = t.entry_no"
                    " AND p.account_id = t.account_id"
                    " AND p.reference = s.bank_ref",
                    NULL, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, c->out->file_id);
    tl_params_text(&p, c->actor);
    rc = tl_db_exec(
        db, "cash_receipts_insert",
        "INSERT INTO collections.bank_receipt (file_id, entry_no,"
        " bank_account, bank_ref, amount_minor, currency, booking_date,"
        " value_date, method, type_code, end_to_end_id, debtor_name,"
        " debtor_account, check_number, remittance, refs, account_hint,"
        " account_id, match_method, matched_by, matched_at)"
        " SELECT $1::bigint, s.entry_no, s.bank_account, s.bank_ref,"
        " s.amount_minor, s.currency, s.booking_date, s.value_date, s.method,"
        " s.type_code, s.end_to_end_id, s.debtor_name, s.debtor_account,"
        " s.check_number, s.remittance, s.refs, s.account_hint,"
        " t.account_id, t.method,"
        " CASE WHEN t.account_id IS NOT NULL THEN $2 END,"
        " CASE WHEN t.account_id IS NOT NULL THEN now() END"
        " FROM cash_stage s LEFT JOIN cash_tie t USING (entry_no)"
        " ORDER BY s.entry_no",
        &p, err);
    if (rc < 0)
        return rc;
    c->out->receipts_new = rc;
    return tl_db_exec(
        db, "cash_payments_insert",
        "WITH pay AS ("
        " INSERT INTO collections.payment (account_id, reference,"
        " received_date, amount_minor, currency, method, recorded_by,"
        " receipt_id, remittance)"
        " SELECT r.account_id, r.bank_ref,"
        " coalesce(r.value_date, r.booking_date), r.amount_minor,"
        " r.currency, r.method, $2, r.receipt_id, r.remittance"
        " FROM collections.bank_receipt r"
        " WHERE r.file_id = $1::bigint AND r.account_id IS NOT NULL"
        " RETURNING account_id, payment_id, receipt_id, reference,"
        " amount_minor, currency, received_date),"
        " led AS ("
        " INSERT INTO collections.ledger_entry (account_id, kind,"
        " source_ref, amount_minor, currency, effective_date, payment_id)"
        " SELECT account_id, 'payment', reference, -amount_minor, currency,"
        " received_date, payment_id FROM pay)"
        " INSERT INTO collections.application (account_id, payment_id,"
        " invoice_id, amount_minor, applied_date, method, recorded_by)"
        " SELECT pay.account_id, pay.payment_id, a.invoice_id,"
        " a.amount_minor, pay.received_date, r.match_method, $2"
        " FROM pay JOIN collections.bank_receipt r"
        "  ON r.receipt_id = pay.receipt_id"
        " JOIN cash_app a ON a.entry_no = r.entry_no",
        &p, err);
}

static int totals_row(const tl_row *row, void *cls, tl_err *err)
{
    import_ctx *c = cls;
    cash_import_result *o = c->out;
    const char *cur = NULL;
    int64_t received = 0;
    int64_t queued = 0;
    int64_t applied = 0;
    int inv = 0;
    int acc = 0;
    int amt = 0;
    int none = 0;

    if (tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "received", &received, err) < 0 ||
        tl_row_int64(row, "queued", &queued, err) < 0 ||
        tl_row_int64(row, "applied", &applied, err) < 0 ||
        tl_row_int(row, "by_invoice", &inv, err) < 0 ||
        tl_row_int(row, "by_account", &acc, err) < 0 ||
        tl_row_int(row, "by_amount", &amt, err) < 0 ||
        tl_row_int(row, "unmatched", &none, err) < 0)
        return TL_ERROR;
    o->by_invoice += inv;
    o->by_account += acc;
    o->by_amount += amt;
    o->unmatched += none;
    if (row->row == 0)
        snprintf(o->currency, sizeof(o->currency), "%s", cur);
    else
        o->currency[0] = '\0'; /* mixed: the amounts mean nothing summed */
    o->received += received;
    o->queued += queued;
    o->applied += applied;
    o->on_account += received - queued - applied;
    return 0;
}

static int load_totals(import_ctx *c, tl_db *db, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, c->out->file_id);
    return tl_db_select(
        db, "cash_import_totals",
        "SELECT r.currency, sum(r.amount_minor) AS received,"
        " coalesce(sum(r.amount_minor) FILTER (WHERE r.account_id IS NULL),"
        " 0) AS queued, coalesce(sum(ap.amount), 0) AS applied,"
        " count(*) FILTER (WHERE r.match_method = 'invoice') AS by_invoice,"
        " count(*) FILTER (WHERE r.match_method = 'account') AS by_account,"
        " count(*) FILTER (WHERE r.match_method = 'amount') AS by_amount,"
        " count(*) FILTER (WHERE r.account_id IS NULL) AS unmatched"
        " FROM collections.bank_receipt r"
        " LEFT JOIN (SELECT p.receipt_id, sum(a.amount_minor) AS amount"
        "  FROM collections.payment p JOIN collections.application a"
        "  USING (account_id, payment_id)"
        "  JOIN collections.bank_receipt x ON x.receipt_id = p.receipt_id"
        "  WHERE x.file_id = $1::bigint GROUP BY p.receipt_id) ap"
        "  ON ap.receipt_id = r.receipt_id"
        " WHERE r.file_id = $1::bigint"
        " GROUP BY r.currency ORDER BY r.currency",
        &p, totals_row, c, err);
}

/* The same totals for the import in progress, from the stage: what was
 * matched (cash_tie, less references already posted) and applied
 * (cash_app). */
static int stage_totals(import_ctx *c, tl_db *db, tl_err *err)
{
    return tl_db_select(
        db, "cash_import_stage_totals",
        "SELECT s.currency, sum(s.amount_minor) AS received,"
        " coalesce(sum(s.amount_minor) FILTER (WHERE t.entry_no IS NULL),"
        " 0) AS queued, coalesce(sum(ap.amount), 0) AS applied,"
        " count(*) FILTER (WHERE t.method = 'invoice') AS by_invoice,"
        " count(*) FILTER (WHERE t.method = 'account') AS by_account,"
        " count(*) FILTER (WHERE t.method = 'amount') AS by_amount,"
        " count(*) FILTER (WHERE t.entry_no IS NULL) AS unmatched"
        " FROM cash_stage s LEFT JOIN cash_tie t USING (entry_no)"
        " LEFT JOIN (SELECT entry_no, sum(amount_minor) AS amount"
        "  FROM cash_app GROUP BY entry_no) ap"
        "  ON ap.entry_no = s.entry_no AND t.entry_no IS NOT NULL"
        " GROUP BY s.currency ORDER BY s.currency",
        NULL, totals_row, c, err);
}

static int file_row(const tl_row *row, void *cls, tl_err *err)
{
    cash_import_result *o = cls;

    if (tl_row_int64(row, "file_id", &o->file_id, err) < 0 ||
        tl_row_int(row, "entries", &o->entries, err) < 0 ||
        tl_row_int(row, "credits", &o->credits, err) < 0 ||
        tl_row_int(row, "debits_skipped", &o->debits_skipped, err) < 0 ||
        tl_row_int(row, "receipts_new", &o->receipts_new, err) < 0 ||
        tl_row_int(row, "duplicates", &o->duplicates, err) < 0)
        return TL_ERROR;
    return 0;
}

static int audit_import(import_ctx *c, tl_db *db, tl_err *err)
{
    const cash_import_result *o = c->out;
    char key[32];
    json_t *after;
    int rc;

    snprintf(key, sizeof(key), "%lld", (long long)o->file_id);
    after = json_pack("{s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i,"
                      " s:i}",
                      "file", c->name, "format", cash_format_name(o->format),
                      "sha256", o->sha256, "entries", o->entries, "credits",
                      o->credits, "receipts", o->receipts_new, "duplicates",
                      o->duplicates, "byInvoice", o->by_invoice, "byAccount",
                      o->by_account, "byAmount", o->by_amount, "unmatched",
                      o->unmatched);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, c->actor, "cash.import", "bank_file", key, 0, NULL, after,
                  err);
    json_decref(after);
    return rc;
}

static void reset_walk(import_ctx *c)
{
    size_t i;

    memset(c->r, 0, c->f->n * sizeof(*c->r));
    c->inv.n = 0;
    c->tmp.n = 0;
    c->n_allocs = 0;
    c->used = 0;
    for (i = 0; i < c->open.cap; i++)
        c->open.keys[i] = 0;
    c->open.n = 0;
}

static int import_tx(tl_db *db, void *cls, tl_err *err)
{
    import_ctx *c = cls;
    cash_import_result *o = c->out;
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int ties = 0;
    int rc;

    reset_walk(c);
    o->duplicates = 0;
    o->created = 0;
    o->by_invoice = o->by_account = o->by_amount = o->unmatched = 0;
    o->received = o->applied = o->on_account = o->queued = 0;
    o->currency[0] = '\0';
    tl_params_init(&p);
    tl_params_text(&p, o->sha256);
    tl_params_text(&p, cash_format_name(o->format));
    tl_params_text(&p, c->name);
    tl_params_text(&p, c->f->message_id[0] ? c->f->message_id : NULL);
    tl_params_int64(&p, o->entries);
    tl_params_int64(&p, o->credits);
    tl_params_int64(&p, o->debits_skipped);
    tl_params_text(&p, c->actor);
    rc = tl_db_query(db, &res, "cash_file_insert",
                     "INSERT INTO collections.bank_file (sha256, format,"
                     " file_name, message_id, entries, credits,"
                     " debits_skipped, imported_by)"
                     " VALUES ($1, $2, $3, $4, $5::integer, $6::integer,"
                     " $7::integer, $8)"
                     " ON CONFLICT (sha256) DO NOTHING RETURNING file_id",
                     &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        /* the same bytes were imported before: report that import */
        PQclear(res);
        tl_params_init(&p);
        tl_params_text(&p, o->sha256);
        rc = tl_db_select(db, "cash_file_existing",
                          "SELECT file_id, entries, credits, debits_skipped,"
                          " receipts_new, duplicates"
                          " FROM collections.bank_file WHERE sha256 = $1",
                          &p, file_row, o, err);
        if (rc < 0)
            return rc;
        rc = load_totals(c, db, err);
        return rc < 0 ? rc : 0;
    }
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "file_id", &o->file_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    o->created = 1;

    rc = stage_entries(c, db, err);
    if (rc < 0)
        return rc;
    rc = tl_db_select(db, "cash_stage_dups",
                      "DELETE FROM cash_stage s"
                      " USING collections.bank_receipt r"
                      " WHERE r.bank_account = s.bank_account"
                      " AND r.bank_ref = s.bank_ref RETURNING s.entry_no",
                      NULL, dup_row, c, err);
    if (rc < 0)
        return rc;
    rc = tl_db_exec(db, "cash_stage_analyze", "ANALYZE cash_stage", NULL, err);
    if (rc >= 0)
        rc = invoice_candidates(c, db, err);
    if (rc >= 0)
        rc = account_hints(c, db, err);
    if (rc < 0)
        return rc;
    if (decide_named(c) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = copy_ties(c, db, M_INVOICE, err);
    if (rc >= 0)
        rc = copy_ties(c, db, M_ACCOUNT, err);
    if (rc >= 0)
        rc = account_invoices(c, db, err);
    if (rc < 0)
        return rc;
    if (decide_account(c) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_db_exec(db, "cash_tie_analyze", "ANALYZE cash_tie", NULL, err);
    if (rc >= 0)
        rc = amount_candidates(c, db, err);
    if (rc < 0)
        return rc;
    if (decide_amount(c, &ties) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    if (ties > 0) {
        rc = copy_ties(c, db, M_AMOUNT, err);
        if (rc < 0)
            return rc;
    }
    rc = copy_allocs(c, db, err);
    if (rc >= 0)
        rc = write_rows(c, db, err);
    if (rc >= 0)
        rc = stage_totals(c, db, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, o->file_id);
    tl_params_int64(&p, o->receipts_new);
    tl_params_int64(&p, o->duplicates);
    tl_params_int64(&p, o->by_invoice);
    tl_params_int64(&p, o->by_account);
    tl_params_int64(&p, o->by_amount);
    tl_params_int64(&p, o->unmatched);
    rc = tl_db_exec(db, "cash_file_counts",
                    "UPDATE collections.bank_file SET"
                    " receipts_new = $2::integer, duplicates = $3::integer,"
                    " by_invoice = $4::integer, by_account = $5::integer,"
                    " by_amount = $6::integer, unmatched = $7::integer"
                    " WHERE file_id = $1::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return audit_import(c, db, err);
}

int cash_import(cash_import_result *out, tl_db *db, const char *buf, size_t len,
                cash_format format, const char *name, const char *actor,
                tl_err *err)
{
    cash_bank_file *f = NULL;
    import_ctx c;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    rc = cash_bank_file_parse(&f, buf, len, format, err);
    if (rc < 0)
        return rc;
    if (cash_sha256_hex(out->sha256, buf, len) < 0) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "cannot hash the file");
        goto cleanup;
    }
    out->format = f->format;
    out->entries = (int)f->n;
    for (i = 0; i < f->n; i++) {
        if (f->entries[i].credit)
            out->credits++;
        else
            out->debits_skipped++;
    }
    c.f = f;
    c.name = name != NULL ? name : "";
    c.actor = actor;
    c.out = out;
    c.r = calloc(f->n ? f->n : 1, sizeof(*c.r));
    c.buf = malloc(COPY_BUF);
    if (c.r == NULL || c.buf == NULL || map_grow(&c.open) < 0) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    rc = tl_db_run_tx(db, "cash_import", import_tx, &c, err);
cleanup:
    free(c.r);
    free(c.buf);
    free(c.inv.items);
    free(c.tmp.items);
    free(c.open.keys);
    free(c.open.vals);
    free(c.allocs);
    cash_bank_file_free(f);
    return rc;
}
