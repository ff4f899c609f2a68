/*
 * The finance audit of a month's commission statements (codes in
 * commissions.h). One set-based query finds the lines of commission
 * kinds (clawbacks and adjustments are corrections, not payments) whose
 * service's order was never accepted, or whose agent was not the
 * account's agent of record on the service's billing start.
 * A third finds the lines of services billed on an invoice under dispute
 * (collections.dispute, on the whole invoice or on a line of the
 * service) at some time in the month.
 */
#include <stdio.h>
#include <string.h>

#include "commissions/commissions.h"
#include "commissions/commissions_internal.h"

typedef struct audit_ctx {
    commissions_finding_fn fn;
    void *cls;
    int findings;
} audit_ctx;

static int finding_row(const tl_row *row, void *cls, tl_err *err)
{
    audit_ctx *ctx = cls;
    commissions_finding_t f;
    const char *v[7] = {NULL};
    int64_t minor = 0;

    memset(&f, 0, sizeof(f));
    if (tl_row_text(row, "code", &v[0], err) < 0 ||
        tl_row_text(row, "agent_ref", &v[1], err) < 0 ||
        tl_row_text(row, "month_text", &v[2], err) < 0 ||
        tl_row_text(row, "account_number", &v[3], err) < 0 ||
        tl_row_text(row, "circuit_id", &v[4], err) < 0 ||
        tl_row_text(row, "message", &v[5], err) < 0 ||
        tl_row_text(row, "currency", &v[6], err) < 0 ||
        tl_row_int(row, "line_no", &f.line_no, err) < 0 ||
        tl_row_int64(row, "amount_minor", &minor, err) < 0)
        return TL_ERROR;
    f.code = v[0];
    f.status = "finding";
    f.agent_ref = v[1];
    f.month = v[2];
    f.account_number = v[3];
    f.circuit_id = v[4];
    f.message = v[5];
    if (tl_money_make(&f.amount, minor, v[6]) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "currency",
                          "unknown currency %s", v[6]);
    ctx->findings++;
    return ctx->fn(&f, ctx->cls, err);
}

int commissions_audit(tl_db *db, const char *agent_ref, int year, int month,
                      commissions_finding_fn fn, void *cls, tl_err *err)
{
    audit_ctx ctx = {fn, cls, 0};
    tl_params p;
    tl_date first;
    int64_t agent_id = 0;
    int rc;

    rc = commissions_month_start(&first, year, month, err);
    if (rc < 0)
        return rc;
    rc = commissions_agent_id(&agent_id, db, agent_ref, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_date(&p, first);
    if (agent_id > 0)
        tl_params_int64(&p, agent_id);
    else
        tl_params_null(&p);
    rc = tl_db_select(
        db, "commissions_audit",
        "WITH l AS (SELECT l.*, st.currency, st.month, a.person_ref,"
        "  ba.account_number, s.circuit_id, s.billing_start_date,"
        "  o.state AS order_state, o.order_number,"
        "  (SELECT r.person_ref FROM accounts.account_assignment aa"
        "   JOIN accounts.person r ON r.person_id = aa.person_id"
        "   WHERE aa.account_id = l.account_id AND aa.role = 'agent'"
        "   AND aa.valid_from <= s.billing_start_date"
        "   AND (aa.valid_to IS NULL OR aa.valid_to > s.billing_start_date))"
        "   AS of_record"
        "  FROM commissions.statement_line l"
        "  JOIN commissions.statement st ON st.statement_id = l.statement_id"
        "  JOIN accounts.person a ON a.person_id = st.agent_id"
        "  JOIN accounts.billing_account ba ON ba.account_id = l.account_id"
        "  JOIN provisioning.service s"
        "   ON s.account_id = l.account_id AND s.service_id = l.service_id"
        "  JOIN orders.sales_order o"
        "   ON o.account_id = s.account_id AND o.order_id = s.order_id"
        "  WHERE st.month = $1::date"
        "   AND ($2::bigint IS NULL OR st.agent_id = $2::bigint)"
        "   AND l.kind IN ('percent_billed', 'percent_collected',"
        "    'upfront_first_month', 'upfront_nrc'))"
        " SELECT * FROM ("
        " SELECT 'service_without_signed_order' AS code, person_ref AS"
        "  agent_ref, to_char(month, 'YYYY-MM') AS month_text,"
        "  account_number, circuit_id, line_no, amount_minor, currency,"
        "  format('order %s of %s is %s, never accepted: no signed order',"
        "   order_number, circuit_id, order_state) AS message"
        " FROM l WHERE order_state NOT IN ('accepted', 'in_provisioning',"
        "  'installed', 'customer_accepted', 'billing', 'completed')"
        " UNION ALL"
        " SELECT 'agent_not_of_record', person_ref,"
        "  to_char(month, 'YYYY-MM'), account_number, circuit_id, line_no,"
        "  amount_minor, currency,"
        "  format('%s is paid on %s but the agent of record of %s on its"
        " billing start %s is %s', person_ref, circuit_id, account_number,"
        "   billing_start_date, coalesce(of_record, 'nobody'))"
        " FROM l WHERE of_record IS DISTINCT FROM person_ref"
        " UNION ALL"
        " SELECT 'disputed_invoice', person_ref, to_char(month, 'YYYY-MM'),"
        "  account_number, circuit_id, line_no, amount_minor, currency,"
        "  format('%s is commissioned on %s, whose invoice %s is under"
        " dispute %s (%s, opened %s)', person_ref, circuit_id,"
        "   d.invoice_number, d.dispute_id, d.state, d.opened_on)"
        " FROM l CROSS JOIN LATERAL (SELECT d.dispute_id, d.state,"
        "   d.opened_on, i.invoice_number FROM collections.dispute d"
        "   JOIN billing.invoice i USING (account_id, invoice_id)"
        "   WHERE d.account_id = l.account_id"
        "   AND d.opened_on < (l.month + interval '1 month')::date"
        "   AND (d.closed_on IS NULL OR d.closed_on >= l.month)"
        "   AND EXISTS (SELECT 1 FROM billing.invoice_line il"
        "    WHERE il.account_id = d.account_id"
        "    AND il.invoice_id = d.invoice_id"
        "    AND il.service_id = l.service_id"
        "    AND (d.line_no IS NULL OR il.line_no = d.line_no))"
        "   ORDER BY d.dispute_id LIMIT 1) d) f"
        " ORDER BY agent_ref, month_text, line_no, code",
        &p, finding_row, &ctx, err);
    if (rc < 0)
        return rc;
    return ctx.findings;
}
