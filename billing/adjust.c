/*
 * Adjustments (rules in billing.h): a credit that corrects one line of a
 * final invoice. It goes through the manual-charge path (threshold,
 * approval by a second person, billed once by the next run) with the line
 * it corrects and a reason code; what may still be credited on a line is
 * what the line charged less the adjustments already made to it (rejected
 * ones aside).
 */
#include <stdio.h>
#include <string.h>

#include "billing/billing.h"

typedef struct line_info {
    int64_t account_id;
    int64_t invoice_id;
    char account_number[40];
    char status[8];
    char circuit_id[48];
    char currency[4];
    int64_t charged;  /* the line's amount */
    int64_t adjusted; /* adjustments made to it so far */
} line_info;

static int read_line(line_info *out, tl_db *db, const char *invoice_number,
                     int line_no, tl_err *err)
{
    PGresult *res = NULL;
    const char *v[4] = {NULL, NULL, NULL, NULL};
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_text(&p, invoice_number);
    tl_params_int64(&p, line_no);
    rc = tl_db_query_one(
        db, &res, "billing_adjust_line",
        "SELECT i.account_id, i.invoice_id, a.account_number, i.status,"
        " coalesce(s.circuit_id, '') AS circuit_id, i.currency,"
        " l.amount_minor,"
        " coalesce((SELECT sum(m.amount_minor) FROM billing.manual_charge m"
        "  WHERE m.account_id = l.account_id"
        "  AND m.corrects_invoice_id = l.invoice_id"
        "  AND m.corrects_line_no = l.line_no AND m.status <> 'rejected'), 0)"
        "  AS adjusted"
        " FROM billing.invoice i"
        " JOIN accounts.billing_account a USING (account_id)"
        " JOIN billing.invoice_line l USING (account_id, invoice_id)"
        " LEFT JOIN provisioning.service s ON s.account_id = l.account_id"
        "  AND s.service_id = l.service_id"
        " WHERE i.invoice_number = $1 AND l.line_no = $2::int"
        /* two adjustments of one line wait for each other */
        " FOR UPDATE OF l",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_line", "line",
                          "invoice %s has no line %d", invoice_number,
                          line_no);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "account_id", &out->account_id, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "invoice_id", &out->invoice_id, err);
    if (rc == 0)
        rc = tl_row_text(&row, "account_number", &v[0], err);
    if (rc == 0)
        rc = tl_row_text(&row, "status", &v[1], err);
    if (rc == 0)
        rc = tl_row_text(&row, "circuit_id", &v[2], err);
    if (rc == 0)
        rc = tl_row_text(&row, "currency", &v[3], err);
    if (rc == 0)
        rc = tl_row_int64(&row, "amount_minor", &out->charged, err);
    if (rc == 0)
        rc = tl_row_int64(&row, "adjusted", &out->adjusted, err);
    if (rc == 0) {
        snprintf(out->account_number, sizeof(out->account_number), "%s",
                 v[0]);
        snprintf(out->status, sizeof(out->status), "%s", v[1]);
        snprintf(out->circuit_id, sizeof(out->circuit_id), "%s", v[2]);
        snprintf(out->currency, sizeof(out->currency), "%s", v[3]);
    }
    PQclear(res);
    return rc;
}

/* The amount may not credit more than is left on the line. */
static int check_room(const line_info *line, const char *amount,
                      int line_no, tl_err *err)
{
    tl_money asked;
    tl_money left;
    char text[32];

    if (amount == NULL || tl_money_parse(&asked, amount, line->currency) != 0)
        return 0; /* the manual-charge checks report it */
    tl_money_make(&left, line->charged - line->adjusted, line->currency);
    if (asked.minor <= left.minor)
        return 0;
    tl_money_format(text, sizeof(text), &left);
    return tl_err_add(err, "exceeds_line", "amount",
                      "line %d has %s %s left to credit", line_no,
                      line->currency, text);
}

typedef struct adjust_ctx {
    int64_t *charge_id;
    int *needs_approval;
    const char *invoice_number;
    int line_no;
    const char *amount;
    const char *reason_code;
    const char *reason;
    const char *actor;
} adjust_ctx;

static int adjust_tx(tl_db *db, void *cls, tl_err *err)
{
    adjust_ctx *ctx = cls;
    const char *invoice_number = ctx->invoice_number;
    const char *reason_code = ctx->reason_code;
    const char *amount = ctx->amount;
    int line_no = ctx->line_no;
    billing_manual_charge_in in;
    line_info line;
    char description[200];
    int rc;

    rc = read_line(&line, db, invoice_number, line_no, err);
    if (rc < 0)
        return rc;
    if (strcmp(line.status, "final") != 0)
        return tl_err_set(err, TL_ECONFLICT, "draft_invoice", "invoice",
                          "%s is a draft: correct the charges and preview "
                          "again instead",
                          invoice_number);
    if (reason_code == NULL)
        tl_err_add(err, "invalid_reason_code", "reasonCode",
                   "an adjustment needs a reason code");
    check_room(&line, amount, line_no, err);
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    snprintf(description, sizeof(description), "Adjustment to %s line %d (%s)",
             invoice_number, line_no, reason_code);
    memset(&in, 0, sizeof(in));
    in.account_number = line.account_number;
    in.kind = "CREDIT";
    in.circuit_id = line.circuit_id[0] ? line.circuit_id : NULL;
    in.amount = amount;
    in.description = description;
    in.reason = ctx->reason;
    in.reason_code = reason_code;
    in.corrects_invoice_id = line.invoice_id;
    in.corrects_line_no = line_no;
    return billing_manual_charge_add(ctx->charge_id, ctx->needs_approval, db,
                                     &in, ctx->actor, err);
}

int billing_adjust(int64_t *charge_id, int *needs_approval, tl_db *db,
                   const char *invoice_number, int line_no, const char *amount,
                   const char *reason_code, const char *reason,
                   const char *actor, tl_err *err)
{
    adjust_ctx ctx = {charge_id,   needs_approval, invoice_number, line_no,
                      amount,      reason_code,    reason,         actor};

    *charge_id = 0;
    *needs_approval = 0;
    return tl_db_run_tx(db, "billing_adjust", adjust_tx, &ctx, err);
}
