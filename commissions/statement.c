/*
 * Reading a statement and its lines (commissions_statement_get). The
 * header is one row; the lines are read with a callback into a growing
 * array that the caller sees only when every line was read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commissions/commissions.h"
#include "commissions/commissions_internal.h"

#define MAX_LINES 200000

typedef struct lines_ctx {
    commissions_doc_t *doc;
    size_t cap;
} lines_ctx;

static void copy(char *dst, size_t size, const char *s)
{
    snprintf(dst, size, "%s", s != NULL ? s : "");
}

static int money_col(const tl_row *row, const char *col, const char *cur,
                     tl_money *out, tl_err *err)
{
    int64_t minor = 0;

    if (tl_row_int64(row, col, &minor, err) < 0)
        return TL_ERROR;
    if (tl_money_make(out, minor, cur) != 0)
        return tl_err_set(err, TL_ERROR, "internal", col, "unknown currency %s",
                          cur);
    return 0;
}

static int line_row(const tl_row *row, void *cls, tl_err *err)
{
    lines_ctx *ctx = cls;
    commissions_doc_t *doc = ctx->doc;
    commissions_line_t *l;
    const char *v[4] = {NULL, NULL, NULL, NULL};
    int plan_null = 0;
    int adj_null = 0;

    if (doc->n_lines == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 32;
        commissions_line_t *grown;

        if (cap > MAX_LINES)
            return tl_err_set(err, TL_ERROR, "too_many", "",
                              "more than %d statement lines", MAX_LINES);
        grown = realloc(doc->lines, cap * sizeof(*grown));
        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        doc->lines = grown;
        ctx->cap = cap;
    }
    l = &doc->lines[doc->n_lines];
    memset(l, 0, sizeof(*l));
    if (tl_row_int(row, "line_no", &l->line_no, err) < 0 ||
        tl_row_text(row, "account_number", &v[0], err) < 0 ||
        tl_row_text(row, "circuit_id", &v[1], err) < 0 ||
        tl_row_text(row, "kind", &v[2], err) < 0 ||
        tl_row_text(row, "description", &v[3], err) < 0 ||
        tl_row_int64_opt(row, "plan_id", &l->plan_id, &plan_null, err) < 0 ||
        tl_row_int64_opt(row, "adjustment_id", &l->adjustment_id, &adj_null,
                         err) < 0 ||
        tl_row_int64(row, "rate_ppm", &l->rate_ppm, err) < 0 ||
        money_col(row, "basis_minor", doc->st.currency, &l->basis, err) < 0 ||
        money_col(row, "amount_minor", doc->st.currency, &l->amount, err) < 0)
        return TL_ERROR;
    copy(l->account_number, sizeof(l->account_number), v[0]);
    copy(l->circuit_id, sizeof(l->circuit_id), v[1]);
    copy(l->kind, sizeof(l->kind), v[2]);
    copy(l->description, sizeof(l->description), v[3]);
    doc->n_lines++;
    return 0;
}

static int read_header(commissions_statement_t *st, const PGresult *r,
                       tl_err *err)
{
    tl_row row = {r, 0};
    const char *v[9] = {NULL};
    int rc = 0;

    if (tl_row_int64(&row, "statement_id", &st->statement_id, err) < 0 ||
        tl_row_text(&row, "agent_ref", &v[0], err) < 0 ||
        tl_row_text(&row, "agent_name", &v[1], err) < 0 ||
        tl_row_text(&row, "month_text", &v[2], err) < 0 ||
        tl_row_text(&row, "currency", &v[3], err) < 0 ||
        tl_row_text(&row, "status", &v[4], err) < 0 ||
        tl_row_text(&row, "created_by", &v[5], err) < 0 ||
        tl_row_text(&row, "approved_by", &v[6], err) < 0 ||
        tl_row_text(&row, "approved_at_text", &v[7], err) < 0 ||
        tl_row_int(&row, "line_count", &st->line_count, err) < 0)
        return TL_ERROR;
    copy(st->agent_ref, sizeof(st->agent_ref), v[0]);
    copy(st->agent_name, sizeof(st->agent_name), v[1]);
    copy(st->month, sizeof(st->month), v[2]);
    copy(st->currency, sizeof(st->currency), v[3]);
    copy(st->status, sizeof(st->status), v[4]);
    copy(st->created_by, sizeof(st->created_by), v[5]);
    copy(st->approved_by, sizeof(st->approved_by), v[6]);
    copy(st->approved_at, sizeof(st->approved_at), v[7]);
    snprintf(st->number, sizeof(st->number), "CS-%s-%s-%s", st->agent_ref,
             st->month, st->currency);
    if (money_col(&row, "lines_total_minor", st->currency, &st->lines_total,
                  err) < 0 ||
        money_col(&row, "carried_in_minor", st->currency, &st->carried_in,
                  err) < 0 ||
        money_col(&row, "payable_minor", st->currency, &st->payable, err) < 0 ||
        money_col(&row, "carried_out_minor", st->currency, &st->carried_out,
                  err) < 0 ||
        money_col(&row, "billed_mrc_minor", st->currency, &st->billed_mrc,
                  err) < 0 ||
        money_col(&row, "collected_mrc_minor", st->currency, &st->collected_mrc,
                  err) < 0 ||
        money_col(&row, "basis_billed_minor", st->currency, &st->basis_billed,
                  err) < 0 ||
        money_col(&row, "basis_collected_minor", st->currency,
                  &st->basis_collected, err) < 0 ||
        money_col(&row, "new_mrc_minor", st->currency, &st->new_mrc, err) < 0)
        rc = TL_ERROR;
    return rc;
}

typedef struct get_ctx {
    commissions_doc_t *doc;
    const char *agent_ref;
    int year;
    int month;
    const char *currency;
} get_ctx;

static int get_tx(tl_db *db, void *cls, tl_err *err)
{
    get_ctx *ctx = cls;
    commissions_doc_t *doc = ctx->doc;
    lines_ctx lc = {doc, 0};
    PGresult *r = NULL;
    tl_params p;
    tl_date month;
    int64_t agent_id = 0;
    int rc;

    commissions_statement_free(doc);
    rc = commissions_month_start(&month, ctx->year, ctx->month, err);
    if (rc < 0)
        return rc;
    rc = commissions_agent_id(&agent_id, db, ctx->agent_ref, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, agent_id);
    tl_params_date(&p, month);
    tl_params_text(&p, ctx->currency);
    rc = tl_db_query(
        db, &r, "commissions_statement_get",
        "SELECT s.statement_id, a.person_ref AS agent_ref,"
        " a.name AS agent_name, to_char(s.month, 'YYYY-MM') AS month_text,"
        " s.currency, s.status, s.line_count, s.lines_total_minor,"
        " s.carried_in_minor, s.payable_minor, s.carried_out_minor,"
        " s.billed_mrc_minor, s.collected_mrc_minor, s.basis_billed_minor,"
        " s.basis_collected_minor, s.new_mrc_minor, s.created_by,"
        " coalesce(s.approved_by, '') AS approved_by,"
        " coalesce(to_char(s.approved_at AT TIME ZONE 'UTC',"
        "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') AS approved_at_text"
        " FROM commissions.statement s"
        " JOIN accounts.person a ON a.person_id = s.agent_id"
        " WHERE s.agent_id = $1::bigint AND s.month = $2::date"
        " AND ($3::text IS NULL OR s.currency = $3)"
        " ORDER BY s.currency",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        PQclear(r);
        return tl_err_set(err, TL_ENOTFOUND, "no_statement", "month",
                          "%s has no commission statement for %04d-%02d%s%s",
                          ctx->agent_ref, ctx->year, ctx->month,
                          ctx->currency ? " in " : "",
                          ctx->currency ? ctx->currency : "");
    }
    if (rc > 1) {
        PQclear(r);
        return tl_err_set(err, TL_ECONFLICT, "several_currencies", "currency",
                          "%s has statements in several currencies for "
                          "%04d-%02d: name one with --currency",
                          ctx->agent_ref, ctx->year, ctx->month);
    }
    rc = read_header(&doc->st, r, err);
    PQclear(r);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, doc->st.statement_id);
    rc = tl_db_select(
        db, "commissions_statement_lines",
        "SELECT l.line_no, a.account_number,"
        " coalesce(s.circuit_id, '') AS circuit_id, l.kind, l.plan_id,"
        " l.adjustment_id, l.basis_minor, l.rate_ppm, l.amount_minor,"
        " l.description"
        " FROM commissions.statement_line l"
        " JOIN accounts.billing_account a ON a.account_id = l.account_id"
        " LEFT JOIN provisioning.service s"
        "  ON s.account_id = l.account_id AND s.service_id = l.service_id"
        " WHERE l.statement_id = $1::bigint ORDER BY l.line_no",
        &p, line_row, &lc, err);
    return rc < 0 ? rc : 0;
}

int commissions_statement_get(commissions_doc_t *out, tl_db *db,
                              const char *agent_ref, int year, int month,
                              const char *currency, tl_err *err)
{
    get_ctx ctx = {out, agent_ref, year, month, currency};
    int rc;

    memset(out, 0, sizeof(*out));
    if (agent_ref == NULL)
        return tl_err_add(err, "required", "agent", "an agent is required");
    rc = tl_db_run_tx(db, "commissions_statement_get", get_tx, &ctx, err);
    if (rc < 0)
        commissions_statement_free(out);
    return rc;
}

void commissions_statement_free(commissions_doc_t *doc)
{
    if (doc == NULL)
        return;
    free(doc->lines);
    memset(doc, 0, sizeof(*doc));
}
