/*
 * The monthly statement run, approval and adjustments (rules in
 * commissions.h).
 *
 * A run is one transaction of a few set-based statements: it refuses
 * while an earlier month in scope is a draft; deletes the lines of the
 * month's drafts in scope (approved statements are never touched, and
 * the database refuses it anyway); inserts a draft header per agent and
 * currency that has candidate lines (an approved one stays as it is);
 * inserts the candidate lines into the drafts, numbered in account,
 * circuit and kind order; drops drafts left without lines; sets the
 * drafts' totals and tie-out figures; and records one audit event.
 *
 * The candidate lines are one query (SOURCES_SQL and CANDIDATE_CTES, $1 the
 * month's first day, $2 the agent or NULL for all). It reads invoices through
 * BILLING_FINAL_INVOICE_JOIN, so drafts of a bill run are never
 * commissioned. Rounding is commissions.round_half_even (sql/0060):
 * exact integer division, half to even, once per line.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "commissions/commissions.h"
#include "commissions/commissions_internal.h"
#include "common/audit.h"

/* The sources, as CTEs: m, the month [ms, me); svc, the agents' services
 * (the order's agent, else the agent of record on billing start); fl,
 * their final invoice lines; monthly, each service's monthly MRC (per
 * code, unit x quantity of its earliest billed period) and the issue
 * date of that first bill; inv_all, each invoice's recurring lines per
 * service; paid, what was applied to each invoice through the month's
 * start and end. */
#define SOURCES_SQL                                                            \
    "WITH m AS (SELECT $1::date AS ms,"                                        \
    "  ($1::date + interval '1 month')::date AS me),"                          \
    " svc AS (SELECT coalesce(op.person_id, aa.person_id) AS agent_id,"        \
    "  s.account_id, s.service_id, s.circuit_id, s.product_id,"                \
    "  s.billing_start_date AS billing_start, s.disconnect_date,"              \
    "  ba.currency, ba.account_number"                                         \
    "  FROM provisioning.service s"                                            \
    "  JOIN accounts.billing_account ba ON ba.account_id = s.account_id"       \
    "  JOIN orders.sales_order o"                                              \
    "   ON o.account_id = s.account_id AND o.order_id = s.order_id"            \
    "  LEFT JOIN accounts.person op"                                           \
    "   ON op.person_ref = o.agent_ref AND op.kind = 'agent'"                  \
    "  LEFT JOIN accounts.account_assignment aa"                               \
    "   ON aa.account_id = s.account_id AND aa.role = 'agent'"                 \
    "   AND aa.valid_from <= s.billing_start_date"                             \
    "   AND (aa.valid_to IS NULL OR aa.valid_to > s.billing_start_date)"       \
    "  WHERE s.billing_start_date IS NOT NULL"                                 \
    "   AND coalesce(op.person_id, aa.person_id) IS NOT NULL"                  \
    "   AND ($2::bigint IS NULL"                                               \
    "        OR coalesce(op.person_id, aa.person_id) = $2::bigint)),"          \
    " fl AS (SELECT l.account_id, l.service_id, l.invoice_id, l.code,"         \
    "  l.charge_kind, l.period_start, l.unit_minor, l.quantity,"               \
    "  l.amount_minor, i.issue_date, i.total_minor, i.invoice_number"          \
    "  FROM billing.invoice_line l " BILLING_FINAL_INVOICE_JOIN                \
    "  WHERE l.service_id IS NOT NULL AND (l.account_id, l.service_id) IN"     \
    "   (SELECT account_id, service_id FROM svc)),"                            \
    " monthly AS (SELECT account_id, service_id,"                              \
    "  min(first_issue) AS first_issue, sum(mrc) AS mrc FROM ("                \
    "  SELECT DISTINCT ON (account_id, service_id, code) account_id,"          \
    "   service_id, unit_minor * quantity AS mrc, issue_date AS first_issue"   \
    "  FROM fl WHERE charge_kind = 'MRC'"                                      \
    "  ORDER BY account_id, service_id, code, period_start, issue_date) x"     \
    "  GROUP BY 1, 2),"                                                        \
    " inv_all AS (SELECT account_id, service_id, invoice_id, issue_date,"      \
    "  total_minor, sum(amount_minor) AS mrc FROM fl"                          \
    "  WHERE charge_kind IN ('MRC', 'CREDIT') GROUP BY 1, 2, 3, 4, 5),"        \
    " paid AS (SELECT a.account_id, a.invoice_id,"                             \
    "  coalesce(sum(a.amount_minor) FILTER (WHERE a.applied_date < m.me), 0)"  \
    "   AS through_end,"                                                       \
    "  coalesce(sum(a.amount_minor) FILTER (WHERE a.applied_date < m.ms), 0)"  \
    "   AS through_start"                                                      \
    "  FROM collections.application a CROSS JOIN m"                            \
    "  WHERE (a.account_id, a.invoice_id) IN"                                  \
    "   (SELECT account_id, invoice_id FROM inv_all) GROUP BY 1, 2)"

/* The candidate lines of the month (cand), CTEs following SOURCES_SQL:
 * sp, per service and kind the plan in force on billing start (for the
 * product, else for every product); newmrc, the agent's new MRC of the
 * month; rated, the rate after volume tiers; inv, each invoice's
 * recurring lines within the term; basis, per kind; claw, the services
 * to claw back this month (disconnected within the window, or an invoice
 * billing them written off; once for ever); cand, commission lines,
 * clawbacks and adjustments. */
#define CANDIDATE_CTES                                                         \
    " sp AS (SELECT DISTINCT ON (v.account_id, v.service_id, p.kind) v.*,"     \
    "  p.plan_id, p.kind, p.rate_ppm, p.term_months, p.clawback_months"        \
    "  FROM svc v JOIN commissions.plan p ON p.agent_id = v.agent_id"          \
    "   AND (p.product_id IS NULL OR p.product_id = v.product_id)"             \
    "   AND p.valid_from <= v.billing_start"                                   \
    "   AND (p.valid_to IS NULL OR p.valid_to > v.billing_start)"              \
    "  ORDER BY v.account_id, v.service_id, p.kind,"                           \
    "   p.product_id NULLS LAST),"                                             \
    " newmrc AS (SELECT v.agent_id, v.currency, sum(mo.mrc) AS new_mrc"        \
    "  FROM svc v JOIN monthly mo USING (account_id, service_id)"              \
    "  CROSS JOIN m WHERE v.billing_start >= m.ms AND v.billing_start < m.me"  \
    "  GROUP BY 1, 2),"                                                        \
    " rated AS (SELECT sp.*, coalesce((SELECT t.rate_ppm"                      \
    "   FROM commissions.plan_tier t WHERE t.plan_id = sp.plan_id"             \
    "   AND t.currency = sp.currency"                                          \
    "   AND coalesce(n.new_mrc, 0) > t.above_minor"                            \
    "   ORDER BY t.above_minor DESC LIMIT 1), sp.rate_ppm) AS eff_rate"        \
    "  FROM sp LEFT JOIN newmrc n"                                             \
    "   ON n.agent_id = sp.agent_id AND n.currency = sp.currency),"            \
    " inv AS (SELECT r.account_id, r.service_id, r.kind, f.invoice_id,"        \
    "  f.issue_date, f.total_minor, sum(f.amount_minor) AS mrc"                \
    "  FROM rated r JOIN fl f USING (account_id, service_id)"                  \
    "  WHERE r.kind IN ('percent_billed', 'percent_collected')"                \
    "   AND f.charge_kind IN ('MRC', 'CREDIT')"                                \
    "   AND (r.term_months IS NULL OR coalesce(f.period_start, "               \
    "f.issue_date)"                                                            \
    "        < r.billing_start + make_interval(months => r.term_months))"      \
    "  GROUP BY 1, 2, 3, 4, 5, 6),"                                            \
    " basis AS (SELECT r.*, CASE r.kind"                                       \
    "  WHEN 'percent_billed' THEN (SELECT sum(i.mrc) FROM inv i CROSS "        \
    "JOIN m"                                                                   \
    "   WHERE i.account_id = r.account_id AND i.service_id = r.service_id"     \
    "   AND i.kind = r.kind AND i.issue_date >= m.ms AND i.issue_date < "      \
    "m.me)"                                                                    \
    "  WHEN 'percent_collected' THEN (SELECT sum("                             \
    "   commissions.round_half_even(p.through_end * i.mrc, i.total_minor)"     \
    "   - commissions.round_half_even(p.through_start * i.mrc,"                \
    "     i.total_minor))"                                                     \
    "   FROM inv i JOIN paid p USING (account_id, invoice_id)"                 \
    "   WHERE i.account_id = r.account_id AND i.service_id = r.service_id"     \
    "   AND i.kind = r.kind AND i.total_minor > 0)"                            \
    "  WHEN 'upfront_first_month' THEN (SELECT mo.mrc FROM monthly mo"         \
    "   CROSS JOIN m WHERE mo.account_id = r.account_id"                       \
    "   AND mo.service_id = r.service_id AND mo.first_issue >= m.ms"           \
    "   AND mo.first_issue < m.me)"                                            \
    "  WHEN 'upfront_nrc' THEN (SELECT sum(f.amount_minor) FROM fl f"          \
    "   CROSS JOIN m WHERE f.account_id = r.account_id"                        \
    "   AND f.service_id = r.service_id AND f.charge_kind = 'NRC'"             \
    "   AND f.issue_date >= m.ms AND f.issue_date < m.me)"                     \
    "  END AS basis FROM rated r),"                                            \
    " claw AS (SELECT v.*, CASE WHEN cm.months > 0"                            \
    "   AND v.disconnect_date < m.me AND v.disconnect_date"                    \
    "    < v.billing_start + make_interval(months => cm.months)"               \
    "  THEN 'clawback_disconnect' ELSE 'clawback_write_off' END AS kind,"      \
    "  cm.months, (SELECT min(f.invoice_number) FROM fl f"                     \
    "   JOIN collections.ledger_entry w ON w.account_id = f.account_id"        \
    "   AND w.invoice_id = f.invoice_id AND w.kind = 'write_off'"              \
    "   AND w.effective_date < m.me WHERE f.account_id = v.account_id"         \
    "   AND f.service_id = v.service_id) AS written_off,"                      \
    "  coalesce((SELECT sum(x.amount_minor) FROM "                             \
    "commissions.statement_line x"                                             \
    "   JOIN commissions.statement s ON s.statement_id = x.statement_id"       \
    "   WHERE s.status = 'approved' AND x.agent_id = v.agent_id"               \
    "   AND x.account_id = v.account_id AND x.service_id = v.service_id"       \
    "   AND x.kind IN ('percent_billed', 'percent_collected',"                 \
    "    'upfront_first_month', 'upfront_nrc')), 0) AS paid"                   \
    "  FROM svc v CROSS JOIN m JOIN (SELECT account_id, service_id,"           \
    "   max(clawback_months) AS months FROM sp GROUP BY 1, 2) cm"              \
    "   USING (account_id, service_id)"                                        \
    "  WHERE ((cm.months > 0 AND v.disconnect_date < m.me"                     \
    "     AND v.disconnect_date"                                               \
    "      < v.billing_start + make_interval(months => cm.months))"            \
    "    OR EXISTS (SELECT 1 FROM fl f JOIN collections.ledger_entry w"        \
    "     ON w.account_id = f.account_id AND w.invoice_id = f.invoice_id"      \
    "     WHERE w.kind = 'write_off' AND w.effective_date < m.me"              \
    "     AND f.account_id = v.account_id AND f.service_id = "                 \
    "v.service_id))"                                                           \
    "   AND NOT EXISTS (SELECT 1 FROM commissions.statement_line x"            \
    "    WHERE x.agent_id = v.agent_id AND x.account_id = v.account_id"        \
    "    AND x.service_id = v.service_id"                                      \
    "    AND x.kind IN ('clawback_disconnect', 'clawback_write_off'))),"       \
    " cand AS ("                                                               \
    "  SELECT b.agent_id, b.account_id, b.service_id, b.currency, b.kind,"     \
    "   b.plan_id, NULL::bigint AS adjustment_id, b.basis AS basis_minor,"     \
    "   b.eff_rate AS rate_ppm,"                                               \
    "   commissions.round_half_even(b.basis::numeric * b.eff_rate, "           \
    "1000000)"                                                                 \
    "    AS amount_minor, b.account_number, b.circuit_id,"                     \
    "   format('%s %s, billing start %s', b.product_id, b.circuit_id,"         \
    "    b.billing_start) || CASE b.kind"                                      \
    "    WHEN 'percent_billed' THEN ': MRC billed'"                            \
    "    WHEN 'percent_collected' THEN ': MRC collected'"                      \
    "    WHEN 'upfront_first_month' THEN ': upfront on the first "             \
    "month''s MRC'"                                                            \
    "    ELSE ': upfront on the NRC' END AS description"                       \
    "  FROM basis b WHERE b.basis IS NOT NULL AND b.basis <> 0"                \
    "   AND NOT EXISTS (SELECT 1 FROM claw c WHERE c.agent_id = "              \
    "b.agent_id"                                                               \
    "    AND c.account_id = b.account_id AND c.service_id = b.service_id)"     \
    "   AND NOT EXISTS (SELECT 1 FROM commissions.statement_line x"            \
    "    WHERE x.agent_id = b.agent_id AND x.account_id = b.account_id"        \
    "    AND x.service_id = b.service_id"                                      \
    "    AND x.kind IN ('clawback_disconnect', 'clawback_write_off'))"         \
    "  UNION ALL"                                                              \
    "  SELECT c.agent_id, c.account_id, c.service_id, c.currency, c.kind,"     \
    "   NULL, NULL, c.paid, 1000000, -c.paid, c.account_number, "              \
    "c.circuit_id,"                                                            \
    "   CASE c.kind WHEN 'clawback_disconnect' THEN format("                   \
    "    '%s disconnected on %s, within %s months of billing start %s:"        \
    " what was paid on it is clawed back', c.circuit_id,"                      \
    "    c.disconnect_date, c.months, c.billing_start)"                        \
    "   ELSE format('%s: invoice %s written off: what was paid on it is"       \
    " clawed back', c.circuit_id, c.written_off) END"                          \
    "  FROM claw c"                                                            \
    "  UNION ALL"                                                              \
    "  SELECT a.agent_id, a.account_id, a.service_id, a.currency,"             \
    "   'adjustment', NULL, a.adjustment_id, a.amount_minor, 1000000,"         \
    "   a.amount_minor, ba.account_number, coalesce(s.circuit_id, ''),"        \
    "   'adjustment: ' || a.reason"                                            \
    "  FROM commissions.adjustment a CROSS JOIN m"                             \
    "  JOIN accounts.billing_account ba ON ba.account_id = a.account_id"       \
    "  LEFT JOIN provisioning.service s"                                       \
    "   ON s.account_id = a.account_id AND s.service_id = a.service_id"        \
    "  WHERE a.from_month <= m.ms"                                             \
    "   AND ($2::bigint IS NULL OR a.agent_id = $2::bigint)"                   \
    "   AND NOT EXISTS (SELECT 1 FROM commissions.statement_line x"            \
    "    WHERE x.account_id = a.account_id"                                    \
    "    AND x.adjustment_id = a.adjustment_id))"

/* The order of kinds on a statement. */
#define KIND_ORDER                                                             \
    "array_position(ARRAY['percent_billed', 'percent_collected',"              \
    " 'upfront_first_month', 'upfront_nrc', 'clawback_disconnect',"            \
    " 'clawback_write_off', 'adjustment'], c.kind)"

/* The statement appended to SOURCES_SQL that sets the totals of the drafts
 * selected by $1 (month) and $2 (agent or NULL) or of the one statement $3:
 * lines, the balance carried from the previous approved statement, payable, and
 * the tie-out figures (what billing billed and collections collected on the
 * agent's services). */
#define TOTALS_TAIL                                                            \
    " src AS (SELECT v.agent_id, v.currency,"                                  \
    "  coalesce(sum((SELECT sum(i.mrc) FROM inv_all i WHERE"                   \
    "   i.account_id = v.account_id AND i.service_id = v.service_id"           \
    "   AND i.issue_date >= m.ms AND i.issue_date < m.me)), 0) AS billed,"     \
    "  coalesce(sum((SELECT sum("                                              \
    "   commissions.round_half_even(p.through_end * i.mrc, i.total_minor)"     \
    "   - commissions.round_half_even(p.through_start * i.mrc,"                \
    "     i.total_minor))"                                                     \
    "   FROM inv_all i JOIN paid p USING (account_id, invoice_id)"             \
    "   WHERE i.account_id = v.account_id AND i.service_id = v.service_id"     \
    "   AND i.total_minor > 0)), 0) AS collected,"                             \
    "  coalesce(sum((SELECT mo.mrc FROM monthly mo"                            \
    "   WHERE mo.account_id = v.account_id AND mo.service_id = v.service_id"   \
    "   AND v.billing_start >= m.ms AND v.billing_start < m.me)), 0)"          \
    "   AS new_mrc"                                                            \
    "  FROM svc v CROSS JOIN m GROUP BY 1, 2),"                                \
    " t AS (SELECT s.statement_id, count(l.line_no) AS n,"                     \
    "  coalesce(sum(l.amount_minor), 0) AS total,"                             \
    "  coalesce(sum(l.basis_minor) FILTER"                                     \
    "   (WHERE l.kind = 'percent_billed'), 0) AS basis_billed,"                \
    "  coalesce(sum(l.basis_minor) FILTER"                                     \
    "   (WHERE l.kind = 'percent_collected'), 0) AS basis_collected,"          \
    "  coalesce((SELECT p.carried_out_minor FROM commissions.statement p"      \
    "   WHERE p.agent_id = s.agent_id AND p.currency = s.currency"             \
    "   AND p.status = 'approved' AND p.month < s.month"                       \
    "   ORDER BY p.month DESC LIMIT 1), 0) AS carried_in"                      \
    "  FROM commissions.statement s"                                           \
    "  LEFT JOIN commissions.statement_line l"                                 \
    "   ON l.statement_id = s.statement_id"                                    \
    "  WHERE s.status = 'draft' AND s.month = $1::date"                        \
    "   AND ($2::bigint IS NULL OR s.agent_id = $2::bigint)"                   \
    "   AND ($3::bigint IS NULL OR s.statement_id = $3::bigint)"               \
    "  GROUP BY s.statement_id)"                                               \
    " UPDATE commissions.statement s SET line_count = t.n,"                    \
    "  lines_total_minor = t.total, carried_in_minor = t.carried_in,"          \
    "  payable_minor = greatest(t.total + t.carried_in, 0),"                   \
    "  carried_out_minor = least(t.total + t.carried_in, 0),"                  \
    "  basis_billed_minor = t.basis_billed,"                                   \
    "  basis_collected_minor = t.basis_collected,"                             \
    "  billed_mrc_minor = coalesce(src.billed, 0),"                            \
    "  collected_mrc_minor = coalesce(src.collected, 0),"                      \
    "  new_mrc_minor = coalesce(src.new_mrc, 0)"                               \
    " FROM t LEFT JOIN commissions.statement s2"                               \
    "  ON s2.statement_id = t.statement_id"                                    \
    " LEFT JOIN src ON src.agent_id = s2.agent_id"                             \
    "  AND src.currency = s2.currency"                                         \
    " WHERE s.statement_id = t.statement_id"

typedef struct run_ctx {
    int64_t agent_id; /* 0: every agent */
    const char *agent_ref;
    tl_date month;
    char month_text[8];
    const char *actor;
    commissions_run_result res;
} run_ctx;

static void scope_params(tl_params *p, const run_ctx *ctx)
{
    tl_params_init(p);
    tl_params_date(p, ctx->month);
    if (ctx->agent_id > 0)
        tl_params_int64(p, ctx->agent_id);
    else
        tl_params_null(p);
}

int commissions_set_totals(tl_db *db, tl_date month, int64_t agent_id,
                           int64_t statement_id, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, month);
    if (agent_id > 0)
        tl_params_int64(&p, agent_id);
    else
        tl_params_null(&p);
    if (statement_id > 0)
        tl_params_int64(&p, statement_id);
    else
        tl_params_null(&p);
    return tl_db_exec(db, "commissions_totals", SOURCES_SQL "," TOTALS_TAIL, &p,
                      err);
}

static int run_tx(tl_db *db, void *cls, tl_err *err)
{
    run_ctx *ctx = cls;
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    json_t *after = NULL;
    int64_t total = 0;
    int rc;

    memset(&ctx->res, 0, sizeof(ctx->res));
    scope_params(&p, ctx);
    rc = tl_db_exec(db, "commissions_run_earlier_draft",
                    "SELECT 1 FROM commissions.statement WHERE status = 'draft'"
                    " AND month < $1::date"
                    " AND ($2::bigint IS NULL OR agent_id = $2::bigint)",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return tl_err_set(err, TL_ECONFLICT, "earlier_draft_open", "month",
                          "a statement of a month before %s is still a "
                          "draft: approve it first",
                          ctx->month_text);
    rc = tl_db_exec(db, "commissions_run_clear_drafts",
                    "DELETE FROM commissions.statement_line l"
                    " USING commissions.statement s"
                    " WHERE l.statement_id = s.statement_id"
                    " AND s.status = 'draft' AND s.month = $1::date"
                    " AND ($2::bigint IS NULL OR s.agent_id = $2::bigint)",
                    &p, err);
    if (rc < 0)
        return rc;
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "commissions_run_headers",
                    SOURCES_SQL
                    "," CANDIDATE_CTES
                    " INSERT INTO commissions.statement (agent_id, month,"
                    " currency, created_by)"
                    " SELECT DISTINCT agent_id, $1::date, currency, $3"
                    " FROM cand"
                    " ON CONFLICT (agent_id, month, currency) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    scope_params(&p, ctx);
    rc = tl_db_exec(
        db, "commissions_run_lines",
        SOURCES_SQL
        "," CANDIDATE_CTES
        " INSERT INTO commissions.statement_line (account_id, statement_id,"
        " line_no, agent_id, service_id, kind, plan_id, adjustment_id,"
        " basis_minor, rate_ppm, amount_minor, description)"
        " SELECT c.account_id, s.statement_id, row_number() OVER ("
        "  PARTITION BY s.statement_id ORDER BY c.account_number,"
        "  c.circuit_id, " KIND_ORDER ", c.adjustment_id),"
        " c.agent_id, c.service_id, c.kind, c.plan_id, c.adjustment_id,"
        " c.basis_minor, c.rate_ppm, c.amount_minor, c.description"
        " FROM cand c JOIN commissions.statement s"
        "  ON s.agent_id = c.agent_id AND s.month = $1::date"
        "  AND s.currency = c.currency AND s.status = 'draft'",
        &p, err);
    if (rc < 0)
        return rc;
    ctx->res.lines = rc;
    rc = tl_db_exec(db, "commissions_run_drop_empty",
                    "DELETE FROM commissions.statement s"
                    " WHERE s.status = 'draft' AND s.month = $1::date"
                    " AND ($2::bigint IS NULL OR s.agent_id = $2::bigint)"
                    " AND NOT EXISTS (SELECT 1 FROM commissions.statement_line"
                    "  l WHERE l.statement_id = s.statement_id)",
                    &p, err);
    if (rc < 0)
        return rc;
    rc = commissions_set_totals(db, ctx->month, ctx->agent_id, 0, err);
    if (rc < 0)
        return rc;
    rc = tl_db_query_one(
        db, &r, "commissions_run_counts",
        "SELECT count(*) FILTER (WHERE status = 'draft') AS drafts,"
        " count(*) FILTER (WHERE status = 'approved') AS approved,"
        " coalesce(sum(lines_total_minor) FILTER (WHERE status = 'draft'), 0)"
        "  AS total"
        " FROM commissions.statement WHERE month = $1::date"
        " AND ($2::bigint IS NULL OR agent_id = $2::bigint)",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = r;
    row.row = 0;
    rc = tl_row_int(&row, "drafts", &ctx->res.statements, err);
    if (rc == 0)
        rc = tl_row_int(&row, "approved", &ctx->res.approved_kept, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "total", &total, err);
    PQclear(r);
    if (rc < 0)
        return rc;
    ctx->res.total_minor = total;
    after =
        json_pack("{s:s, s:s?, s:i, s:i, s:i, s:I}", "month", ctx->month_text,
                  "agent", ctx->agent_ref, "statements", ctx->res.statements,
                  "lines", ctx->res.lines, "approvedKept",
                  ctx->res.approved_kept, "totalMinor", (json_int_t)total);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    {
        char key[96];

        snprintf(key, sizeof(key), "%s/%s", ctx->month_text,
                 ctx->agent_ref != NULL ? ctx->agent_ref : "*");
        rc = tl_audit(db, ctx->actor, "commissions.run", "commission_run", key,
                      0, NULL, after, err);
    }
    json_decref(after);
    return rc < 0 ? rc : 0;
}

int commissions_month_start(tl_date *out, int year, int month, tl_err *err)
{
    if (year < 2000 || year > 2999 || month < 1 || month > 12 ||
        tl_date_from_ymd(out, year, month, 1) != 0)
        return tl_err_add(err, "format", "month",
                          "a month is YYYY-MM between 2000 and 2999");
    return 0;
}

int commissions_agent_id(int64_t *agent_id, tl_db *db, const char *agent_ref,
                         tl_err *err)
{
    accounts_person_t agent;
    int rc;

    *agent_id = 0;
    if (agent_ref == NULL)
        return 0;
    rc = accounts_person_get(&agent, db, agent_ref, err);
    if (rc < 0)
        return rc;
    if (strcmp(agent.kind, "agent") != 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_agent", "agent",
                          "%s is not an agent", agent_ref);
    *agent_id = agent.person_id;
    return 0;
}

int commissions_run(commissions_run_result *out, tl_db *db,
                    const char *agent_ref, int year, int month,
                    const char *actor, tl_err *err)
{
    run_ctx ctx;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ctx, 0, sizeof(ctx));
    rc = commissions_month_start(&ctx.month, year, month, err);
    if (rc < 0)
        return rc;
    snprintf(ctx.month_text, sizeof(ctx.month_text), "%04d-%02d", year, month);
    rc = commissions_agent_id(&ctx.agent_id, db, agent_ref, err);
    if (rc < 0)
        return rc;
    ctx.agent_ref = agent_ref;
    ctx.actor = actor;
    rc = tl_db_run_tx(db, "commissions_run", run_tx, &ctx, err);
    if (rc < 0)
        return rc;
    *out = ctx.res;
    return 0;
}

/* ---- approval ---- */

typedef struct approve_ctx {
    const char *agent_ref;
    int year;
    int month;
    const char *currency;
    const char *actor;
    int approved;
} approve_ctx;

static int approve_tx(tl_db *db, void *cls, tl_err *err)
{
    approve_ctx *ctx = cls;
    commissions_doc_t doc;
    tl_date month;
    tl_params p;
    json_t *before = NULL;
    json_t *after = NULL;
    int64_t agent_id = 0;
    int rc;

    ctx->approved = 0;
    rc = commissions_statement_get(&doc, db, ctx->agent_ref, ctx->year,
                                   ctx->month, ctx->currency, err);
    if (rc < 0)
        return rc;
    if (strcmp(doc.st.status, "approved") == 0) {
        commissions_statement_free(&doc);
        return 0;
    }
    rc = commissions_month_start(&month, ctx->year, ctx->month, err);
    if (rc == 0)
        rc = commissions_agent_id(&agent_id, db, ctx->agent_ref, err);
    if (rc == 0) {
        tl_params_init(&p);
        tl_params_date(&p, month);
        tl_params_int64(&p, agent_id);
        rc = tl_db_exec(db, "commissions_approve_earlier_draft",
                        "SELECT 1 FROM commissions.statement"
                        " WHERE status = 'draft' AND month < $1::date"
                        " AND agent_id = $2::bigint",
                        &p, err);
        if (rc > 0)
            rc = tl_err_set(err, TL_ECONFLICT, "earlier_draft_open", "month",
                            "%s has a draft statement of an earlier month: "
                            "approve it first",
                            ctx->agent_ref);
    }
    if (rc >= 0)
        rc = commissions_set_totals(db, month, agent_id, doc.st.statement_id,
                                    err);
    if (rc >= 0) {
        tl_params_init(&p);
        tl_params_int64(&p, doc.st.statement_id);
        tl_params_text(&p, ctx->actor);
        rc = tl_db_exec(db, "commissions_approve",
                        "UPDATE commissions.statement SET status = 'approved',"
                        " approved_by = $2, approved_at = now()"
                        " WHERE statement_id = $1::bigint AND status = 'draft'",
                        &p, err);
    }
    if (rc >= 0) {
        before = json_pack("{s:s}", "status", "draft");
        after = json_pack("{s:s, s:i, s:I}", "status", "approved", "lines",
                          doc.st.line_count, "linesTotalMinor",
                          (json_int_t)doc.st.lines_total.minor);
        if (before == NULL || after == NULL)
            rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    if (rc >= 0)
        rc = tl_audit(db, ctx->actor, "commissions.approve",
                      "commission_statement", doc.st.number, 0, before, after,
                      err);
    json_decref(before);
    json_decref(after);
    commissions_statement_free(&doc);
    if (rc < 0)
        return rc;
    ctx->approved = 1;
    return 0;
}

int commissions_approve(int *approved, tl_db *db, const char *agent_ref,
                        int year, int month, const char *currency,
                        const char *actor, tl_err *err)
{
    approve_ctx ctx = {agent_ref, year, month, currency, actor, 0};
    int rc;

    *approved = 0;
    rc = tl_db_run_tx(db, "commissions_approve", approve_tx, &ctx, err);
    if (rc < 0)
        return rc;
    *approved = ctx.approved;
    return 0;
}

/* ---- adjustments ---- */

typedef struct adjust_ctx {
    const commissions_adjust_in *in;
    tl_date month;
    int64_t adjustment_id;
} adjust_ctx;

static int adjust_tx(tl_db *db, void *cls, tl_err *err)
{
    adjust_ctx *ctx = cls;
    const commissions_adjust_in *in = ctx->in;
    accounts_account_t acct;
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    json_t *after = NULL;
    int64_t agent_id = 0;
    int64_t service_id = 0;
    char amount[32];
    char key[32];
    int rc;

    ctx->adjustment_id = 0;
    rc = commissions_agent_id(&agent_id, db, in->agent_ref, err);
    if (rc < 0)
        return rc;
    rc = accounts_get(&acct, db, in->account_number, err);
    if (rc < 0)
        return rc;
    if (strcmp(acct.currency, in->amount.cur) != 0)
        return tl_err_add(err, "currency", "amount",
                          "account %s is billed in %s, not %s",
                          in->account_number, acct.currency, in->amount.cur);
    if (in->circuit_id != NULL) {
        tl_params_init(&p);
        tl_params_int64(&p, acct.account_id);
        tl_params_text(&p, in->circuit_id);
        rc = tl_db_query_one(db, &r, "commissions_adjust_service",
                             "SELECT service_id FROM provisioning.service"
                             " WHERE account_id = $1::bigint"
                             " AND circuit_id = $2",
                             &p, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return tl_err_set(err, TL_ENOTFOUND, "unknown_circuit", "circuit",
                              "account %s has no circuit %s",
                              in->account_number, in->circuit_id);
        row.res = r;
        row.row = 0;
        rc = tl_row_int64(&row, "service_id", &service_id, err);
        PQclear(r);
        if (rc < 0)
            return rc;
    }
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_int64(&p, agent_id);
    if (service_id > 0)
        tl_params_int64(&p, service_id);
    else
        tl_params_null(&p);
    tl_params_date(&p, ctx->month);
    tl_params_int64(&p, in->amount.minor);
    tl_params_text(&p, in->amount.cur);
    tl_params_text(&p, in->reason);
    tl_params_text(&p, in->actor);
    rc = tl_db_query_one(
        db, &r, "commissions_adjust_insert",
        "INSERT INTO commissions.adjustment (account_id, agent_id,"
        " service_id, from_month, amount_minor, currency, reason, created_by)"
        " VALUES ($1::bigint, $2::bigint, $3::bigint, $4::date, $5::bigint,"
        " $6, $7, $8) RETURNING adjustment_id",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = r;
    row.row = 0;
    rc = tl_row_int64(&row, "adjustment_id", &ctx->adjustment_id, err);
    PQclear(r);
    if (rc < 0)
        return rc;
    tl_money_format(amount, sizeof(amount), &in->amount);
    after = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s}", "agent", in->agent_ref,
                      "account", in->account_number, "circuit", in->circuit_id,
                      "amount", amount, "currency", in->amount.cur, "reason",
                      in->reason);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    snprintf(key, sizeof(key), "%lld", (long long)ctx->adjustment_id);
    rc = tl_audit(db, in->actor, "commissions.adjust", "commission_adjustment",
                  key, acct.account_id, NULL, after, err);
    json_decref(after);
    return rc < 0 ? rc : 0;
}

int commissions_adjust(int64_t *adjustment_id, tl_db *db,
                       const commissions_adjust_in *in, tl_err *err)
{
    adjust_ctx ctx;
    int rc;

    *adjustment_id = 0;
    memset(&ctx, 0, sizeof(ctx));
    ctx.in = in;
    if (!tl_money_valid(&in->amount) || in->amount.minor == 0)
        tl_err_add(err, "range", "amount",
                   "an adjustment needs a non-zero amount");
    if (in->reason == NULL || in->reason[0] == '\0' || strlen(in->reason) > 500)
        tl_err_add(err, "required", "reason",
                   "a reason of 1 to 500 characters is required");
    commissions_month_start(&ctx.month, in->year, in->month, err);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "commissions_adjust", adjust_tx, &ctx, err);
    if (rc < 0)
        return rc;
    *adjustment_id = ctx.adjustment_id;
    return 0;
}
