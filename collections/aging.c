/*
 * Aging as of a date. Everything is computed from the ledger and the
 * applications dated on or before the as-of date, so aging for a past date
 * is the same whenever it is asked. The reading is done by
 * collections.aging_units, collections.invoice_open and
 * collections.credit_on_account (sql/0103), which take each invoice's and
 * payment's kept position where nothing moved it after the date, and the
 * account-level entries (no invoice) as open items or credit on account.
 */
#include <stdio.h>
#include <string.h>

#include "collections/book.h"
#include "collections/collections.h"

const char *collections_bucket_name(int bucket)
{
    static const char *const names[COLLECTIONS_BUCKETS] = {
        "current", "1-30", "31-60", "61-90", "91-120", "over_120"};

    if (bucket < 0 || bucket >= COLLECTIONS_BUCKETS)
        return "?";
    return names[bucket];
}

typedef struct aging_ctx {
    collections_aging_fn fn;
    void *cls;
} aging_ctx;

static int aging_row(const tl_row *row, void *cls, tl_err *err)
{
    static const char *const cols[COLLECTIONS_BUCKETS] = {
        "b_current", "b_1_30", "b_31_60", "b_61_90", "b_91_120", "b_over_120"};
    aging_ctx *ctx = cls;
    collections_aging_row r;
    const char *cur = NULL;
    int i;

    memset(&r, 0, sizeof(r));
    if (tl_row_int64(row, "account_id", &r.account_id, err) < 0 ||
        tl_row_text(row, "account_number", &r.account_number, err) < 0 ||
        tl_row_text(row, "name", &r.account_name, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "open_total", &r.open_total, err) < 0 ||
        tl_row_int64(row, "unapplied", &r.unapplied, err) < 0 ||
        tl_row_int(row, "open_invoices", &r.open_invoices, err) < 0)
        return TL_ERROR;
    snprintf(r.currency, sizeof(r.currency), "%s", cur);
    for (i = 0; i < COLLECTIONS_BUCKETS; i++)
        if (tl_row_int64(row, cols[i], &r.bucket[i], err) < 0)
            return TL_ERROR;
    return ctx->fn(&r, ctx->cls, err);
}

int collections_aging(tl_db *db, tl_date as_of, collections_aging_fn fn,
                      void *cls, tl_err *err)
{
    aging_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, as_of);
    return tl_db_select(
        db, "collections_aging",
        "WITH open_inv AS ("
        "  SELECT account_id, undisputed_minor + disputed_minor AS open, dpd,"
        "  invoices FROM collections.aging_units($1::date)),"
        " cash AS ("
        "  SELECT account_id, credit_minor AS unapplied"
        "  FROM collections.account_credit($1::date)),"
        " per_account AS ("
        "  SELECT account_id,"
        "  sum(open) FILTER (WHERE dpd <= 0) AS b_current,"
        "  sum(open) FILTER (WHERE dpd BETWEEN 1 AND 30) AS b_1_30,"
        "  sum(open) FILTER (WHERE dpd BETWEEN 31 AND 60) AS b_31_60,"
        "  sum(open) FILTER (WHERE dpd BETWEEN 61 AND 90) AS b_61_90,"
        "  sum(open) FILTER (WHERE dpd BETWEEN 91 AND 120) AS b_91_120,"
        "  sum(open) FILTER (WHERE dpd > 120) AS b_over_120,"
        "  sum(open) AS open_total, sum(invoices) AS open_invoices"
        "  FROM open_inv GROUP BY account_id)"
        " SELECT b.account_id, b.account_number, b.name, b.currency,"
        " coalesce(pa.b_current, 0) AS b_current,"
        " coalesce(pa.b_1_30, 0) AS b_1_30,"
        " coalesce(pa.b_31_60, 0) AS b_31_60,"
        " coalesce(pa.b_61_90, 0) AS b_61_90,"
        " coalesce(pa.b_91_120, 0) AS b_91_120,"
        " coalesce(pa.b_over_120, 0) AS b_over_120,"
        " coalesce(pa.open_total, 0) AS open_total,"
        " coalesce(pa.open_invoices, 0) AS open_invoices,"
        " coalesce(c.unapplied, 0) AS unapplied"
        " FROM accounts.billing_account b"
        " LEFT JOIN per_account pa USING (account_id)"
        " LEFT JOIN cash c USING (account_id)"
        " WHERE pa.account_id IS NOT NULL OR coalesce(c.unapplied, 0) <> 0"
        " ORDER BY b.account_number",
        &p, aging_row, &ctx, err);
}

int collections_aging_by_parse(collections_aging_by *out, const char *text)
{
    static const char *const names[] = {"account", "agent", "product",
                                        "collector"};
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (text != NULL && strcmp(text, names[i]) == 0) {
            *out = (collections_aging_by)i;
            return 0;
        }
    }
    return TL_EINVALID;
}

/* Aging by a key of the account (its number, agent or collector): the
 * units to sum, each with the key and name JOINS give for account
 * u.account_id. The settled invoices (collections.invoice_settled, the
 * bulk of the book) are summed per key, currency and bucket as they are
 * scanned, so a big book is one parallel pass; then the few correction
 * rows (collections.aging_corrections: disputed parts, invoices moved
 * after the date, account-level items) and one row per account and
 * currency for its credit on account (collections.credit_on_account). A
 * bucket row's dpd is its smallest, which is in the bucket. */
#define AGING_SETTLED_BUCKET                                                   \
    "CASE WHEN $1::date - u.due_date <= 0 THEN 0"                              \
    " WHEN $1::date - u.due_date <= 30 THEN 1"                                 \
    " WHEN $1::date - u.due_date <= 60 THEN 2"                                 \
    " WHEN $1::date - u.due_date <= 90 THEN 3"                                 \
    " WHEN $1::date - u.due_date <= 120 THEN 4 ELSE 5 END"

/* Credit on account per account and currency on $1. */
#define AGING_CREDIT                                                           \
    "(SELECT account_id, currency, sum(credit_minor) AS unapplied"             \
    " FROM collections.credit_on_account($1::date)"                            \
    " GROUP BY account_id, currency HAVING sum(credit_minor) <> 0)"

#define AGING_BY_KEY(KEY, NAME, JOINS)                                         \
    "WITH units AS ("                                                          \
    "  SELECT " KEY " AS key, " NAME " AS name, u.currency,"                   \
    "  min($1::date - u.due_date) AS dpd, sum(u.open_minor) AS und,"           \
    "  0::bigint AS disp, count(*) AS inv, 0::numeric AS unapplied"            \
    "  FROM collections.invoice_settled($1::date) u " JOINS                    \
    "  GROUP BY 1, 2, 3, " AGING_SETTLED_BUCKET "  UNION ALL SELECT " KEY      \
    ", " NAME ", u.currency, u.dpd,"                                           \
    "  u.undisputed_minor, u.disputed_minor, u.invoices, 0"                    \
    "  FROM collections.aging_corrections($1::date) u " JOINS                  \
    "  UNION ALL SELECT " KEY ", " NAME ", u.currency, NULL, 0, 0, 0,"         \
    "  u.unapplied FROM " AGING_CREDIT " u " JOINS ")"                         \
    " SELECT u.key, u.name, u.currency," AGING_SUMS " FROM units u"            \
    " GROUP BY u.key, u.name, u.currency ORDER BY 1, 3"

/* The buckets of a set of units u grouped by key, name and currency. */
#define AGING_SUMS                                                             \
    " coalesce(sum(u.und) FILTER (WHERE u.dpd <= 0), 0) AS b_current,"         \
    " coalesce(sum(u.und) FILTER (WHERE u.dpd BETWEEN 1 AND 30), 0)"           \
    " AS b_1_30,"                                                              \
    " coalesce(sum(u.und) FILTER (WHERE u.dpd BETWEEN 31 AND 60), 0)"          \
    " AS b_31_60,"                                                             \
    " coalesce(sum(u.und) FILTER (WHERE u.dpd BETWEEN 61 AND 90), 0)"          \
    " AS b_61_90,"                                                             \
    " coalesce(sum(u.und) FILTER (WHERE u.dpd BETWEEN 91 AND 120), 0)"         \
    " AS b_91_120,"                                                            \
    " coalesce(sum(u.und) FILTER (WHERE u.dpd > 120), 0) AS b_over_120,"       \
    " sum(u.disp) AS disputed, sum(u.und + u.disp) AS open_total,"             \
    " sum(u.inv) AS open_invoices, sum(u.unapplied) AS unapplied"

static const char *const aging_sql[] = {
    /* by account */
    AGING_BY_KEY("b.account_number", "b.name",
                 "JOIN accounts.billing_account b"
                 " ON b.account_id = u.account_id"),
    /* by agent of record on the as-of date */
    AGING_BY_KEY("coalesce(pe.person_ref, '(direct)')",
                 "coalesce(pe.name, '(direct)')",
                 "LEFT JOIN accounts.account_assignment aa"
                 " ON aa.account_id = u.account_id AND aa.role = 'agent'"
                 " AND aa.valid_from <= $1::date"
                 " AND (aa.valid_to IS NULL OR aa.valid_to > $1::date)"
                 " LEFT JOIN accounts.person pe"
                 " ON pe.person_id = aa.person_id"),
    /* by product: each invoice shared among its lines' products */
    "WITH o AS ("
    "  SELECT account_id, invoice_id, currency, $1::date - due_date AS dpd,"
    "  open_minor - disputed_minor AS und, disputed_minor AS disp"
    "  FROM collections.invoice_open($1::date)),"
    " lines AS ("
    "  SELECT l.account_id, l.invoice_id, s.product_id,"
    "  sum(l.amount_minor) AS amt"
    "  FROM billing.invoice_line l"
    "  JOIN provisioning.service s USING (account_id, service_id)"
    "  WHERE (l.account_id, l.invoice_id) IN"
    "  (SELECT account_id, invoice_id FROM o)"
    "  GROUP BY 1, 2, 3 HAVING sum(l.amount_minor) > 0),"
    " shares AS ("
    "  SELECT o.*, coalesce(l.product_id, '(none)') AS product,"
    "  CASE WHEN l.amt IS NULL THEN o.und ELSE div(o.und::numeric * l.amt,"
    "  sum(l.amt) OVER w)::bigint END AS und_part,"
    "  CASE WHEN l.amt IS NULL THEN o.disp ELSE div(o.disp::numeric * l.amt,"
    "  sum(l.amt) OVER w)::bigint END AS disp_part,"
    "  row_number() OVER (PARTITION BY o.account_id, o.invoice_id"
    "  ORDER BY l.amt DESC NULLS LAST, l.product_id) AS rn"
    "  FROM o LEFT JOIN lines l USING (account_id, invoice_id)"
    "  WINDOW w AS (PARTITION BY o.account_id, o.invoice_id)),"
    " units AS ("
    "  SELECT product, currency, dpd, 1 AS inv, 0::bigint AS unapplied,"
    "  und_part + CASE WHEN rn = 1 THEN und - sum(und_part) OVER w"
    "  ELSE 0 END AS und,"
    "  disp_part + CASE WHEN rn = 1 THEN disp - sum(disp_part) OVER w"
    "  ELSE 0 END AS disp"
    "  FROM shares WINDOW w AS (PARTITION BY account_id, invoice_id))"
    " SELECT u.product AS key, u.product AS name, u.currency," AGING_SUMS
    " FROM units u GROUP BY 1, 2, u.currency ORDER BY 1, 3",
    /* by collector */
    AGING_BY_KEY("coalesce(ap.collector, '(unassigned)')",
                 "coalesce(ap.collector, '(unassigned)')",
                 "LEFT JOIN collections.account_profile ap"
                 " ON ap.account_id = u.account_id")};

static const char *const aging_names[] = {
    "collections_aging_by_account", "collections_aging_by_agent",
    "collections_aging_by_product", "collections_aging_by_collector"};

typedef struct group_ctx {
    collections_aging_group_fn fn;
    void *cls;
} group_ctx;

static int group_row(const tl_row *row, void *cls, tl_err *err)
{
    static const char *const cols[COLLECTIONS_BUCKETS] = {
        "b_current", "b_1_30", "b_31_60", "b_61_90", "b_91_120", "b_over_120"};
    group_ctx *ctx = cls;
    collections_aging_group g;
    const char *cur = NULL;
    int i;

    memset(&g, 0, sizeof(g));
    if (tl_row_text(row, "key", &g.key, err) < 0 ||
        tl_row_text(row, "name", &g.name, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "disputed", &g.disputed, err) < 0 ||
        tl_row_int64(row, "open_total", &g.open_total, err) < 0 ||
        tl_row_int64(row, "unapplied", &g.unapplied, err) < 0 ||
        tl_row_int(row, "open_invoices", &g.open_invoices, err) < 0)
        return TL_ERROR;
    snprintf(g.currency, sizeof(g.currency), "%s", cur);
    for (i = 0; i < COLLECTIONS_BUCKETS; i++)
        if (tl_row_int64(row, cols[i], &g.bucket[i], err) < 0)
            return TL_ERROR;
    return ctx->fn(&g, ctx->cls, err);
}

int collections_aging_grouped(tl_db *db, tl_date as_of, collections_aging_by by,
                              collections_aging_group_fn fn, void *cls,
                              tl_err *err)
{
    group_ctx ctx = {fn, cls};
    tl_params p;

    if ((int)by < 0 || (int)by > COLLECTIONS_BY_COLLECTOR)
        return tl_err_add(err, "invalid", "by",
                          "aging is by account, agent, product or collector");
    tl_params_init(&p);
    tl_params_date(&p, as_of);
    return tl_db_select(db, aging_names[by], aging_sql[by], &p, group_row, &ctx,
                        err);
}

typedef struct kpi_ctx {
    collections_kpi_fn fn;
    void *cls;
    int days;
} kpi_ctx;

static int kpi_row(const tl_row *row, void *cls, tl_err *err)
{
    kpi_ctx *ctx = cls;
    collections_kpi k;
    const char *cur = NULL;

    memset(&k, 0, sizeof(k));
    k.days = ctx->days;
    if (tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "sales", &k.sales, err) < 0 ||
        tl_row_int64(row, "ar_begin", &k.ar_begin, err) < 0 ||
        tl_row_int64(row, "ar_end", &k.ar_end, err) < 0 ||
        tl_row_int64(row, "current_end", &k.current_end, err) < 0 ||
        tl_row_int64(row, "dso_tenths", &k.dso_tenths, err) < 0 ||
        tl_row_int64(row, "cei_tenths", &k.cei_tenths, err) < 0)
        return TL_ERROR;
    snprintf(k.currency, sizeof(k.currency), "%s", cur);
    return ctx->fn(&k, ctx->cls, err);
}

int collections_kpis(tl_db *db, tl_date as_of, int days, collections_kpi_fn fn,
                     void *cls, tl_err *err)
{
    kpi_ctx ctx = {fn, cls, days};
    tl_params p;

    if (days < 1 || days > 3660)
        return tl_err_add(err, "range", "days",
                          "the KPI period must be 1 to 3660 days, not %d",
                          days);
    tl_params_init(&p);
    tl_params_date(&p, as_of);
    tl_params_int64(&p, days);
    /* numeric keeps AR * days * 10 exact; round() is half away from zero */
    return tl_db_select(
        db, "collections_kpis",
        "WITH e AS (SELECT currency,"
        "  sum(undisputed_minor + disputed_minor) AS ar,"
        "  coalesce(sum(undisputed_minor) FILTER (WHERE dpd <= 0), 0) AS cur"
        "  FROM collections.aging_units($1::date) GROUP BY currency),"
        " b AS (SELECT currency, sum(undisputed_minor + disputed_minor) AS ar"
        "  FROM collections.aging_units($1::date - $2::int)"
        "  GROUP BY currency),"
        " s AS (SELECT currency, sum(amount_minor) AS sales"
        "  FROM collections.ledger_entry WHERE kind = 'invoice'"
        "  AND effective_date > $1::date - $2::int"
        "  AND effective_date <= $1::date GROUP BY currency),"
        " k AS (SELECT currency, coalesce(s.sales, 0) AS sales,"
        "  coalesce(b.ar, 0) AS ar_begin, coalesce(e.ar, 0) AS ar_end,"
        "  coalesce(e.cur, 0) AS current_end"
        "  FROM e FULL JOIN b USING (currency) FULL JOIN s USING (currency))"
        " SELECT currency, sales::bigint, ar_begin::bigint, ar_end::bigint,"
        " current_end::bigint,"
        " CASE WHEN sales > 0 THEN round(ar_end::numeric * $2::int * 10"
        " / sales)::bigint ELSE -1 END AS dso_tenths,"
        " CASE WHEN ar_begin + sales - current_end <> 0 THEN"
        " round((ar_begin + sales - ar_end)::numeric * 1000"
        " / (ar_begin + sales - current_end))::bigint ELSE -1 END"
        " AS cei_tenths"
        " FROM k ORDER BY currency",
        &p, kpi_row, &ctx, err);
}
