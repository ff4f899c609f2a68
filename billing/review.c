/*
 * Reviewing a bill run before approval: one query finds every anomaly of
 * the run's invoices against the account's last final invoice of an
 * earlier run and against the service inventory as it is now (so a
 * disconnect recorded after the preview shows up until the preview is
 * refreshed).
 */
#include <stdio.h>
#include <string.h>

#include "billing/billing.h"

typedef struct review_ctx {
    billing_anomaly_fn fn;
    void *cls;
    int count;
} review_ctx;

static int anomaly_row(const tl_row *row, void *cls, tl_err *err)
{
    review_ctx *ctx = cls;
    billing_anomaly_t a;
    int null_prev = 0;
    int null_pct = 0;
    int64_t prev = 0;

    memset(&a, 0, sizeof(a));
    if (tl_row_text(row, "account_number", &a.account_number, err) < 0 ||
        tl_row_text(row, "invoice_ref", &a.invoice_ref, err) < 0 ||
        tl_row_text(row, "kind", &a.kind, err) < 0 ||
        tl_row_text(row, "code", &a.code, err) < 0 ||
        tl_row_text(row, "circuit_id", &a.circuit_id, err) < 0 ||
        tl_row_text(row, "detail", &a.detail, err) < 0 ||
        tl_row_money(row, "total_minor", "currency", &a.total, err) < 0 ||
        tl_row_int64_opt(row, "previous_minor", &prev, &null_prev, err) < 0 ||
        tl_row_int64_opt(row, "percent_x100", &a.percent_x100, &null_pct, err) <
            0)
        return TL_ERROR;
    a.has_previous = !null_prev;
    a.previous_total = a.total;
    a.previous_total.minor = prev;
    if (a.invoice_ref == NULL)
        a.invoice_ref = "";
    if (a.code == NULL)
        a.code = "";
    if (a.circuit_id == NULL)
        a.circuit_id = "";
    ctx->count++;
    return ctx->fn(&a, ctx->cls, err);
}

int billing_run_review(tl_db *db, int64_t run_id, int threshold_percent,
                       billing_anomaly_fn fn, void *cls, tl_err *err)
{
    billing_run_result run;
    review_ctx ctx = {fn, cls, 0};
    tl_params p;
    int rc;

    rc = billing_run_get(&run, db, run_id, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, run_id);
    tl_params_int64(&p, threshold_percent);
    tl_params_int64(&p, run.cycle_day);
    rc = tl_db_select(
        db, "billing_run_review",
        "WITH d AS ("
        "  SELECT i.account_id, i.invoice_id, i.total_minor, i.currency,"
        "   i.period_start, a.account_number,"
        "   coalesce(i.invoice_number, 'DRAFT-' || i.invoice_id) AS ref"
        "  FROM billing.invoice i"
        "  JOIN accounts.billing_account a USING (account_id)"
        "  WHERE i.run_id = $1::bigint),"
        " prev AS ("
        "  SELECT DISTINCT ON (p.account_id) p.account_id, p.invoice_id,"
        "   p.total_minor"
        "  FROM billing.invoice p JOIN d USING (account_id)"
        "  WHERE p.status = 'final' AND p.run_id <> $1::bigint"
        "  AND p.period_start < d.period_start"
        "  ORDER BY p.account_id, p.period_start DESC, p.sequence_no DESC),"
        " dcodes AS ("
        "  SELECT DISTINCT l.account_id, l.code FROM billing.invoice_line l"
        "  JOIN d USING (account_id, invoice_id)"
        "  WHERE l.charge_kind = 'MRC'),"
        " pcodes AS ("
        "  SELECT DISTINCT l.account_id, l.code FROM billing.invoice_line l"
        "  JOIN prev USING (account_id, invoice_id)"
        "  WHERE l.charge_kind = 'MRC')"
        " SELECT * FROM ("
        " SELECT d.account_number, d.ref AS invoice_ref,"
        "  'total_moved' AS kind, NULL::text AS code,"
        "  NULL::text AS circuit_id,"
        "  'total ' || CASE WHEN d.total_minor > prev.total_minor"
        "   THEN 'up' ELSE 'down' END || ' '"
        "  || round(abs(d.total_minor - prev.total_minor) * 100.0"
        "   / abs(prev.total_minor), 2) || '% from the last invoice'"
        "  AS detail, d.total_minor, d.currency,"
        "  prev.total_minor AS previous_minor,"
        "  round((d.total_minor - prev.total_minor) * 10000.0"
        "   / abs(prev.total_minor))::bigint AS percent_x100"
        " FROM d JOIN prev USING (account_id)"
        " WHERE prev.total_minor <> 0"
        " AND abs(d.total_minor - prev.total_minor) * 100"
        "  > $2::bigint * abs(prev.total_minor)"
        " UNION ALL"
        " SELECT d.account_number, d.ref, 'new_code', c.code, NULL,"
        "  'service code ' || c.code || ' was not on the last invoice',"
        "  d.total_minor, d.currency, NULL, NULL"
        " FROM d JOIN dcodes c USING (account_id)"
        " WHERE EXISTS (SELECT 1 FROM prev WHERE prev.account_id = "
        "d.account_id)"
        " AND NOT EXISTS (SELECT 1 FROM pcodes p"
        "  WHERE p.account_id = c.account_id AND p.code = c.code)"
        " UNION ALL"
        " SELECT d.account_number, d.ref, 'vanished_code', c.code, NULL,"
        "  'service code ' || c.code || ' was on the last invoice and is"
        " not on this one', d.total_minor, d.currency, NULL, NULL"
        " FROM d JOIN pcodes c USING (account_id)"
        " WHERE NOT EXISTS (SELECT 1 FROM dcodes x"
        "  WHERE x.account_id = c.account_id AND x.code = c.code)"
        " UNION ALL"
        " SELECT d.account_number, d.ref, 'zero_total', NULL, NULL,"
        "  'the invoice total is zero', d.total_minor, d.currency, NULL,"
        "  NULL FROM d WHERE d.total_minor = 0"
        " UNION ALL"
        " SELECT d.account_number, d.ref, 'negative_total', NULL, NULL,"
        "  'the invoice total is negative', d.total_minor, d.currency,"
        "  NULL, NULL FROM d WHERE d.total_minor < 0"
        " UNION ALL"
        " SELECT d.account_number, d.ref, 'disconnected_service_charged',"
        "  l.code, s.circuit_id,"
        "  'charged ' || to_char(greatest(l.period_start,"
        "   s.disconnect_date), 'YYYY-MM-DD') || ' to '"
        "  || to_char(l.period_end - 1, 'YYYY-MM-DD')"
        "  || ' although disconnected '"
        "  || to_char(s.disconnect_date, 'YYYY-MM-DD'),"
        "  d.total_minor, d.currency, NULL, NULL"
        " FROM d JOIN billing.invoice_line l USING (account_id, invoice_id)"
        " JOIN provisioning.service s ON s.account_id = l.account_id"
        "  AND s.service_id = l.service_id"
        " WHERE l.charge_kind = 'MRC' AND s.disconnect_date IS NOT NULL"
        " AND l.period_end > s.disconnect_date"
        " UNION ALL"
        " SELECT a.account_number, coalesce(d.ref, ''),"
        "  'install_never_charged', sc.code, s.circuit_id,"
        "  'one-time charge ' || sc.code || ' of ' || s.circuit_id"
        "  || ' was never billed', coalesce(d.total_minor, 0), a.currency,"
        "  NULL, NULL"
        " FROM provisioning.service s"
        " JOIN accounts.billing_account a USING (account_id)"
        " JOIN provisioning.service_code sc USING (account_id, service_id)"
        " JOIN catalog.service_code k ON k.code = sc.code"
        " LEFT JOIN d ON d.account_id = s.account_id"
        " WHERE a.bill_cycle_day = $3::smallint AND a.status = 'active'"
        " AND s.state IN ('active', 'suspended') AND k.charge_kind = 'NRC'"
        " AND NOT EXISTS (SELECT 1 FROM billing.invoice_line l"
        "  JOIN billing.invoice i USING (account_id, invoice_id)"
        "  WHERE l.account_id = s.account_id"
        "  AND l.service_id = s.service_id AND l.code = sc.code"
        "  AND l.charge_kind = 'NRC'"
        "  AND (i.status = 'final' OR i.run_id = $1::bigint))"
        " ) x ORDER BY account_number, kind, code NULLS FIRST, circuit_id",
        &p, anomaly_row, &ctx, err);
    return rc < 0 ? rc : ctx.count;
}
