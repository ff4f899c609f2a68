/*
 * Approving a bill run: the drafts become final invoices with gapless
 * numbers, all in one transaction. The series row is locked for the
 * transaction, so two approvals (of this run or another) take numbers one
 * after the other and never leave a gap: a failed approval rolls the
 * numbers back with everything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "common/audit.h"
#include "provisioning/equipment.h"

typedef struct approve_ctx {
    int64_t run_id;
    const char *actor;
    billing_run_result *out;
} approve_ctx;

typedef struct fee_list {
    int64_t *accounts;
    int64_t *charges;
    size_t n;
    size_t cap;
} fee_list;

static int fee_row(const tl_row *row, void *cls, tl_err *err)
{
    fee_list *f = cls;

    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        int64_t *a = realloc(f->accounts, cap * sizeof(*a));
        int64_t *c = a ? realloc(f->charges, cap * sizeof(*c)) : NULL;

        if (a != NULL)
            f->accounts = a;
        if (c == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        f->charges = c;
        f->cap = cap;
    }
    if (tl_row_int64(row, "account_id", &f->accounts[f->n], err) < 0 ||
        tl_row_int64(row, "equipment_charge_id", &f->charges[f->n], err) < 0)
        return TL_ERROR;
    f->n++;
    return 0;
}

/* The non-return fees the run billed go back to provisioning as billed. */
static int equipment_fees_billed(tl_db *db, int64_t run_id, tl_err *err)
{
    fee_list f = {NULL, NULL, 0, 0};
    int marked = 0;
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, run_id);
    /* from the fees still pending, each to its line by key: a run's
     * lines are many, its fees few */
    rc = tl_db_select(db, "billing_approve_equipment_fees",
                      "SELECT e.account_id, e.charge_id AS equipment_charge_id"
                      " FROM provisioning.equipment_charge e"
                      " JOIN billing.invoice_line l"
                      "  ON l.account_id = e.account_id"
                      "  AND l.equipment_charge_id = e.charge_id"
                      " JOIN billing.invoice i"
                      "  ON i.account_id = l.account_id"
                      "  AND i.invoice_id = l.invoice_id"
                      " WHERE e.status = 'pending' AND i.run_id = $1::bigint",
                      &p, fee_row, &f, err);
    if (rc >= 0)
        rc = provisioning_equipment_charges_billed(&marked, db, f.accounts,
                                                   f.charges, f.n, err);
    free(f.accounts);
    free(f.charges);
    return rc < 0 ? rc : 0;
}

static int approve_tx(tl_db *db, void *cls, tl_err *err)
{
    approve_ctx *ctx = cls;
    PGresult *res = NULL;
    int64_t next = 0;
    char key[32];
    json_t *after;
    tl_params p;
    tl_row row;
    int numbered;
    int rc;

    ctx->out->created = 0;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->run_id);
    rc = tl_db_exec(db, "billing_approve_lock",
                    "SELECT 1 FROM billing.bill_run WHERE run_id = $1::bigint"
                    " FOR UPDATE",
                    &p, err);
    if (rc < 0)
        return rc;
    rc = billing_run_get(ctx->out, db, ctx->run_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(ctx->out->status, "approved") == 0)
        return 0;
    if (strcmp(ctx->out->status, "preview") != 0)
        return tl_err_set(err, TL_ECONFLICT, "run_not_previewed", "run",
                          "bill run %lld is still previewing (%d of %d "
                          "accounts): finish the preview first",
                          (long long)ctx->run_id, ctx->out->accounts_done,
                          ctx->out->accounts_total);
    rc = tl_db_query_one(db, &res, "billing_series_lock",
                         "SELECT next_number FROM billing.invoice_series"
                         " WHERE series = 'standard' FOR UPDATE",
                         NULL, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ERROR, "internal", "series",
                          "invoice series 'standard' is missing");
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "next_number", &next, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    tl_params_int64(&p, next);
    rc = tl_db_exec(
        db, "billing_approve_number",
        "UPDATE billing.invoice i SET status = 'final',"
        " sequence_no = $2::bigint + n.rn - 1,"
        " invoice_number = s.prefix || CASE"
        "  WHEN length(($2::bigint + n.rn - 1)::text) >= 8"
        "  THEN ($2::bigint + n.rn - 1)::text"
        "  ELSE lpad(($2::bigint + n.rn - 1)::text, 8, '0') END"
        " FROM (SELECT d.account_id, d.invoice_id, row_number() OVER"
        "   (ORDER BY a.account_number, d.account_id) AS rn"
        "  FROM billing.invoice d"
        "  JOIN accounts.billing_account a USING (account_id)"
        "  WHERE d.run_id = $1::bigint AND d.status = 'draft') n,"
        " billing.invoice_series s"
        " WHERE s.series = 'standard' AND i.account_id = n.account_id"
        " AND i.invoice_id = n.invoice_id",
        &p, err);
    if (rc < 0)
        return rc;
    numbered = rc;
    tl_params_init(&p);
    tl_params_int64(&p, numbered);
    rc = tl_db_exec(db, "billing_series_advance",
                    "UPDATE billing.invoice_series"
                    " SET next_number = next_number + $1::bigint"
                    " WHERE series = 'standard'",
                    &p, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, ctx->run_id);
    rc = tl_db_exec(db, "billing_approve_manual",
                    "UPDATE billing.manual_charge m SET status = 'billed'"
                    " FROM billing.invoice_line l"
                    " JOIN billing.invoice i USING (account_id, invoice_id)"
                    " WHERE i.run_id = $1::bigint"
                    " AND l.account_id = m.account_id"
                    " AND l.manual_charge_id = m.charge_id"
                    " AND m.status = 'approved'",
                    &p, err);
    if (rc >= 0)
        rc = equipment_fees_billed(db, ctx->run_id, err);
    if (rc < 0)
        return rc;
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "billing_approve_run",
                    "UPDATE billing.bill_run SET status = 'approved',"
                    " approved_by = $2, approved_at = now(),"
                    " invoice_count = (SELECT count(*) FROM billing.invoice"
                    "  WHERE run_id = $1::bigint)"
                    " WHERE run_id = $1::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    rc = billing_run_get(ctx->out, db, ctx->run_id, err);
    if (rc < 0)
        return rc;
    ctx->out->created = 1;
    snprintf(key, sizeof(key), "%lld", (long long)ctx->run_id);
    after = json_pack("{s:i, s:i, s:I, s:I}", "cycleDay", ctx->out->cycle_day,
                      "invoices", ctx->out->invoice_count, "firstNumber",
                      (json_int_t)next, "totalMinor",
                      (json_int_t)ctx->out->total_minor);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "bill.approve", "bill_run", key, 0, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

int billing_run_approve(billing_run_result *out, tl_db *db, int64_t run_id,
                        const char *actor, tl_err *err)
{
    approve_ctx ctx = {run_id, actor, out};

    memset(out, 0, sizeof(*out));
    return tl_db_run_tx(db, "billing_run_approve", approve_tx, &ctx, err);
}
