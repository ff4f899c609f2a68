/*
 * The collector work queue and the assignment of accounts to collectors.
 * The queue is one set-based query over the open invoices on the as-of
 * date; amounts under dispute are never "at risk".
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/book.h"
#include "collections/book_internal.h"

typedef struct work_ctx {
    collections_work_fn fn;
    void *cls;
    int rank;
} work_ctx;

static int work_row(const tl_row *row, void *cls, tl_err *err)
{
    work_ctx *ctx = cls;
    collections_work_item w;
    const char *cur = NULL;

    memset(&w, 0, sizeof(w));
    w.rank = ++ctx->rank;
    if (tl_row_text(row, "account_number", &w.account_number, err) < 0 ||
        tl_row_text(row, "name", &w.account_name, err) < 0 ||
        tl_row_text(row, "collector", &w.collector, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "at_risk", &w.at_risk, err) < 0 ||
        tl_row_int64(row, "disputed", &w.disputed, err) < 0 ||
        tl_row_int64(row, "open_total", &w.open_total, err) < 0 ||
        tl_row_int(row, "oldest", &w.oldest_days, err) < 0 ||
        tl_row_int(row, "broken", &w.broken_promises, err) < 0 ||
        tl_row_bool(row, "over_limit", &w.over_limit, err) < 0 ||
        tl_row_int64(row, "credit_limit", &w.credit_limit, err) < 0)
        return TL_ERROR;
    snprintf(w.currency, sizeof(w.currency), "%s", cur);
    return ctx->fn(&w, ctx->cls, err);
}

int collections_worklist(tl_db *db, tl_date as_of, const char *collector,
                         collections_work_fn fn, void *cls, tl_err *err)
{
    work_ctx ctx = {fn, cls, 0};
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, as_of);
    tl_params_text(&p, collector);
    return tl_db_select(
        db, "collections_worklist",
        "WITH o AS ("
        "  SELECT account_id, currency, $1::date - due_date AS dpd,"
        "  open_minor, open_minor - disputed_minor AS und,"
        "  disputed_minor AS disp"
        "  FROM collections.receivable_open($1::date)),"
        /* credit on account (unapplied cash, account-level credits)
         * pays toward the past due first, and lowers what is owed
         * against the credit limit */
        " cr AS ("
        "  SELECT account_id, credit_minor AS credit"
        "  FROM collections.account_credit($1::date)),"
        " acct AS ("
        "  SELECT o.account_id, max(o.currency) AS currency,"
        "  greatest(coalesce(sum(o.und) FILTER (WHERE o.dpd > 0"
        "   AND o.und > 0), 0) - coalesce(max(cr.credit), 0), 0) AS at_risk,"
        "  sum(o.disp) AS disputed,"
        "  sum(o.open_minor) - coalesce(max(cr.credit), 0) AS open_total,"
        "  coalesce(max(o.dpd) FILTER (WHERE o.und > 0), 0) AS oldest"
        "  FROM o LEFT JOIN cr USING (account_id)"
        "  GROUP BY o.account_id),"
        " q AS ("
        "  SELECT b.account_number, b.name,"
        "  coalesce(ap.collector, '') AS collector, a.currency, a.at_risk,"
        "  a.disputed, a.open_total, a.oldest,"
        "  (SELECT count(*) FROM collections.promise pr"
        "   WHERE pr.account_id = a.account_id AND pr.state = 'broken'"
        "   AND pr.evaluated_on <= $1::date) AS broken,"
        "  coalesce(b.credit_limit_minor, -1) AS credit_limit,"
        "  coalesce(a.open_total > b.credit_limit_minor, false)"
        "  AS over_limit"
        "  FROM acct a JOIN accounts.billing_account b USING (account_id)"
        "  LEFT JOIN collections.account_profile ap USING (account_id)"
        "  WHERE a.at_risk > 0"
        "  AND ($2::text IS NULL OR ap.collector = $2))"
        " SELECT * FROM q ORDER BY at_risk DESC, oldest DESC, broken DESC,"
        " over_limit DESC, account_number",
        &p, work_row, &ctx, err);
}

typedef struct assign_ctx {
    const char *account_number;
    const char *collector;
    const char *actor;
} assign_ctx;

static int text_row(const tl_row *row, void *cls, tl_err *err)
{
    const char *v = NULL;
    char *out = cls;

    if (tl_row_text(row, "v", &v, err) < 0)
        return TL_ERROR;
    snprintf(out, 128, "%s", v ? v : "");
    return 0;
}

static int assign_tx(tl_db *db, void *cls, tl_err *err)
{
    assign_ctx *ctx = cls;
    accounts_account_t acct;
    char before[128] = "";
    tl_params p;
    int rc;

    rc = accounts_get(&acct, db, ctx->account_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    rc = tl_db_select(db, "collections_collector_get",
                      "SELECT collector AS v FROM collections.account_profile"
                      " WHERE account_id = $1::bigint",
                      &p, text_row, before, err);
    if (rc < 0)
        return rc;
    if (strcmp(before, ctx->collector ? ctx->collector : "") == 0)
        return 0;
    tl_params_text(&p, ctx->collector);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "collections_collector_set",
                    "INSERT INTO collections.account_profile (account_id,"
                    " collector, assigned_by, assigned_at)"
                    " VALUES ($1::bigint, $2, $3, now())"
                    " ON CONFLICT (account_id) DO UPDATE"
                    " SET collector = EXCLUDED.collector,"
                    " assigned_by = EXCLUDED.assigned_by,"
                    " assigned_at = EXCLUDED.assigned_at",
                    &p, err);
    if (rc < 0)
        return rc;
    return book_audit(db, ctx->actor, "collector.assign", "billing_account",
                      acct.account_id, acct.account_id,
                      before[0] ? json_pack("{s:s}", "collector", before)
                                : json_pack("{s:n}", "collector"),
                      ctx->collector
                          ? json_pack("{s:s}", "collector", ctx->collector)
                          : json_pack("{s:n}", "collector"),
                      err);
}

int collections_assign(tl_db *db, const char *account_number,
                       const char *collector, const char *actor, tl_err *err)
{
    assign_ctx ctx = {account_number, collector, actor};

    if (collector != NULL && collector[0] == '\0')
        return tl_err_add(err, "required", "collector",
                          "name the collector (or unassign)");
    return tl_db_run_tx(db, "collections_assign", assign_tx, &ctx, err);
}
