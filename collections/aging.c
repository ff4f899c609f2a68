/*
 * Aging as of a date. Everything is computed from the ledger and the
 * applications dated on or before the as-of date, so aging for a past date
 * is the same whenever it is asked.
 */
#include <stdio.h>
#include <string.h>

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
        "WITH applied AS ("
        "  SELECT account_id, invoice_id, sum(amount_minor) AS amount"
        "  FROM collections.application WHERE applied_date <= $1::date"
        "  GROUP BY account_id, invoice_id),"
        " inv AS ("
        "  SELECT e.account_id,"
        "  e.amount_minor - coalesce(ap.amount, 0) AS open,"
        "  $1::date - e.due_date AS dpd"
        "  FROM collections.ledger_entry e"
        "  LEFT JOIN applied ap USING (account_id, invoice_id)"
        "  WHERE e.kind = 'invoice' AND e.effective_date <= $1::date),"
        " open_inv AS (SELECT * FROM inv WHERE open <> 0),"
        " cash AS ("
        "  SELECT p.account_id, sum(p.amount_minor) - coalesce(("
        "    SELECT sum(a.amount_minor) FROM collections.application a"
        "    WHERE a.account_id = p.account_id"
        "    AND a.applied_date <= $1::date), 0) AS unapplied"
        "  FROM collections.payment p WHERE p.received_date <= $1::date"
        "  GROUP BY p.account_id),"
        " per_account AS ("
        "  SELECT account_id,"
        "  sum(open) FILTER (WHERE dpd <= 0) AS b_current,"
        "  sum(open) FILTER (WHERE dpd BETWEEN 1 AND 30) AS b_1_30,"
        "  sum(open) FILTER (WHERE dpd BETWEEN 31 AND 60) AS b_31_60,"
        "  sum(open) FILTER (WHERE dpd BETWEEN 61 AND 90) AS b_61_90,"
        "  sum(open) FILTER (WHERE dpd BETWEEN 91 AND 120) AS b_91_120,"
        "  sum(open) FILTER (WHERE dpd > 120) AS b_over_120,"
        "  sum(open) AS open_total, count(*) AS open_invoices"
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
