/*
 * The equipment audit (definitions in equipment.h): one query per finding
 * code, run in one transaction that also records the non-return fees, so
 * that the report and the charges agree. Findings are collected into an
 * array and handed to the caller only after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "common/audit.h"
#include "provisioning/equipment.h"

typedef struct audit_ctx {
    const provisioning_audit_opts *opts;
    const char *actor;
    provisioning_finding_t *items;
    size_t n;
    size_t cap;
    int charges;
    tl_db *db; /* for the fee lookups of not_returned rows */
} audit_ctx;

static provisioning_finding_t *next_finding(audit_ctx *ctx, const char *code,
                                            tl_err *err)
{
    provisioning_finding_t *f;

    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 32;
        provisioning_finding_t *grown =
            realloc(ctx->items, cap * sizeof(*grown));
        if (grown == NULL) {
            tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
            return NULL;
        }
        ctx->items = grown;
        ctx->cap = cap;
    }
    f = &ctx->items[ctx->n++];
    memset(f, 0, sizeof(*f));
    snprintf(f->code, sizeof(f->code), "%s", code);
    return f;
}

static int text_col(char *dst, size_t size, const tl_row *row, const char *col,
                    tl_err *err)
{
    const char *s = NULL;

    if (tl_row_text(row, col, &s, err) < 0)
        return TL_ERROR;
    snprintf(dst, size, "%s", s != NULL ? s : "");
    return 0;
}

/* The columns every finding query returns: serial, model, kind, location,
 * account_number, circuit_id, product_id, seq, day, detail. */
static int common_cols(provisioning_finding_t *f, const tl_row *row,
                       tl_err *err)
{
    int isnull = 1;

    if (text_col(f->serial, sizeof(f->serial), row, "serial", err) < 0 ||
        text_col(f->model, sizeof(f->model), row, "model", err) < 0 ||
        text_col(f->kind, sizeof(f->kind), row, "kind", err) < 0 ||
        text_col(f->location, sizeof(f->location), row, "location", err) < 0 ||
        text_col(f->account_number, sizeof(f->account_number), row,
                 "account_number", err) < 0 ||
        text_col(f->circuit_id, sizeof(f->circuit_id), row, "circuit_id", err) <
            0 ||
        text_col(f->product_id, sizeof(f->product_id), row, "product_id", err) <
            0 ||
        text_col(f->detail, sizeof(f->detail), row, "detail", err) < 0 ||
        tl_row_int(row, "seq", &f->seq, err) < 0 ||
        tl_row_date_opt(row, "day", &f->date, &isnull, err) < 0)
        return TL_ERROR;
    f->has_date = !isnull;
    return 0;
}

typedef struct code_ctx {
    audit_ctx *audit;
    const char *code;
} code_ctx;

static int finding_row(const tl_row *row, void *cls, tl_err *err)
{
    code_ctx *c = cls;
    provisioning_finding_t *f = next_finding(c->audit, c->code, err);

    if (f == NULL)
        return TL_ERROR;
    return common_cols(f, row, err);
}

/* Where an item is, as one text: "customer_site EOD-100/000001". */
#define ITEM_COLUMNS                                                           \
    " e.serial, e.model, md.kind,"                                             \
    " e.location_kind || ' ' || e.location_ref AS location,"                   \
    " coalesce(ba.account_number, '') AS account_number,"                      \
    " coalesce(e.circuit_id, '') AS circuit_id"

#define ITEM_FROM                                                              \
    " FROM provisioning.equipment e"                                           \
    " JOIN provisioning.equipment_model md USING (model)"                      \
    " LEFT JOIN accounts.billing_account ba ON ba.account_id = e.account_id"

static const char *const at_site_sql =
    "SELECT" ITEM_COLUMNS ", '' AS product_id, 0 AS seq, a.arrived AS day,"
    " CASE WHEN s.state IS NULL THEN format('circuit %s is not in the"
    " inventory', e.circuit_id)"
    " WHEN s.state = 'pending' THEN format('order %s of circuit %s is %s',"
    " o.order_number, e.circuit_id, o.state)"
    " WHEN s.state = 'disconnected' THEN format('circuit %s was disconnected"
    " on %s, before the item arrived on %s', e.circuit_id,"
    " s.disconnect_date, a.arrived)"
    " ELSE format('circuit %s is %s', e.circuit_id, s.state) END AS "
    "detail" ITEM_FROM " CROSS JOIN LATERAL (SELECT max(m.moved_on) AS arrived"
    "  FROM provisioning.equipment_movement m"
    "  WHERE m.equipment_id = e.equipment_id AND m.seq = e.last_seq) a"
    " LEFT JOIN provisioning.service s ON s.account_id = e.account_id"
    "  AND s.circuit_id = e.circuit_id"
    " LEFT JOIN orders.sales_order o ON o.account_id = s.account_id"
    "  AND o.order_id = s.order_id"
    " WHERE e.location_kind = 'customer_site'"
    " AND NOT coalesce(s.state = 'active' OR (s.state = 'pending'"
    "  AND o.state NOT IN ('cancelled', 'rejected')), false)"
    " AND NOT coalesce(s.state = 'disconnected'"
    "  AND a.arrived < s.disconnect_date, false)"
    " ORDER BY e.serial";

static const char *const missing_sql =
    "SELECT '' AS serial, '' AS model, pe.kind, '' AS location,"
    " ba.account_number, s.circuit_id, s.product_id, 0 AS seq,"
    " s.billing_start_date AS day,"
    " format('%s is active but has no %s installed', s.circuit_id,"
    " replace(pe.kind, '_', ' ')) AS detail"
    " FROM provisioning.service s"
    " JOIN provisioning.product_equipment pe ON pe.product_id = s.product_id"
    "  AND pe.required"
    " JOIN accounts.billing_account ba ON ba.account_id = s.account_id"
    " WHERE s.state = 'active'"
    " AND NOT EXISTS (SELECT 1 FROM provisioning.equipment e"
    "  JOIN provisioning.equipment_model md USING (model)"
    "  WHERE e.location_kind = 'customer_site'"
    "  AND e.account_id = s.account_id AND e.circuit_id = s.circuit_id"
    "  AND md.kind = pe.kind)"
    " ORDER BY s.circuit_id, pe.kind";

/* Three ways the records put one unit in two places; see equipment.h. */
static const char *const two_places_sql =
    "SELECT * FROM ("
    " SELECT" ITEM_COLUMNS ", '' AS product_id, m.seq, m.moved_on AS day,"
    "  format('inventory has it at %s %s, but its latest movement (#%s)"
    " took it to %s %s', e.location_kind, e.location_ref, m.seq,"
    " m.to_kind, m.to_ref) AS detail" ITEM_FROM
    " JOIN provisioning.equipment_movement m"
    "  ON m.equipment_id = e.equipment_id"
    "  AND m.seq = (SELECT max(x.seq) FROM provisioning.equipment_movement x"
    "   WHERE x.equipment_id = e.equipment_id)"
    " WHERE (e.location_kind, e.location_ref, e.circuit_id)"
    "  IS DISTINCT FROM (m.to_kind, m.to_ref, m.circuit_id)"
    " UNION ALL"
    " SELECT" ITEM_COLUMNS ", '', m.seq, m.moved_on,"
    "  format('movement #%s left %s %s, but movement #%s had taken it to"
    " %s %s', m.seq, coalesce(m.from_kind, 'nowhere'),"
    " coalesce(m.from_ref, ''), p.seq, p.to_kind, p.to_ref)" ITEM_FROM
    " JOIN provisioning.equipment_movement m"
    "  ON m.equipment_id = e.equipment_id"
    " JOIN provisioning.equipment_movement p"
    "  ON p.equipment_id = m.equipment_id AND p.seq = m.seq - 1"
    " WHERE (m.from_kind, m.from_ref) IS DISTINCT FROM (p.to_kind, p.to_ref)"
    " UNION ALL"
    " SELECT" ITEM_COLUMNS ", '', 0, NULL::date,"
    "  format('serial %s is the same unit, at %s %s', o.serial,"
    " o.location_kind, o.location_ref)" ITEM_FROM
    " JOIN provisioning.equipment o ON o.equipment_id <> e.equipment_id"
    "  AND upper(regexp_replace(o.serial, '[^A-Za-z0-9]', '', 'g'))"
    "   = upper(regexp_replace(e.serial, '[^A-Za-z0-9]', '', 'g'))"
    ") f ORDER BY serial, seq, detail";

static const char *const no_order_sql =
    "SELECT e.serial, e.model, md.kind,"
    " m.to_kind || ' ' || m.to_ref AS location,"
    " coalesce(ta.account_number, fa.account_number, '') AS account_number,"
    " coalesce(m.circuit_id, CASE WHEN m.from_kind = 'customer_site'"
    "  THEN m.from_ref END, '') AS circuit_id,"
    " '' AS product_id, m.seq, m.moved_on AS day,"
    " format('movement #%s from %s %s to %s %s names no order', m.seq,"
    " coalesce(m.from_kind, 'receipt'), coalesce(m.from_ref, ''),"
    " m.to_kind, m.to_ref) AS detail"
    " FROM provisioning.equipment_movement m"
    " JOIN provisioning.equipment e USING (equipment_id)"
    " JOIN provisioning.equipment_model md USING (model)"
    " LEFT JOIN accounts.billing_account ta ON ta.account_id = m.account_id"
    " LEFT JOIN accounts.billing_account fa"
    "  ON fa.account_id = m.from_account_id"
    " WHERE m.order_number IS NULL AND m.moved_on <= $1::date"
    " AND (m.to_kind = 'customer_site' OR m.from_kind = 'customer_site')"
    " ORDER BY e.serial, m.seq";

static int run_simple(audit_ctx *ctx, tl_db *db, const char *name,
                      const char *sql, const char *code, int with_date,
                      tl_err *err)
{
    code_ctx c = {ctx, code};
    tl_params p;

    tl_params_init(&p);
    if (with_date)
        tl_params_date(&p, ctx->opts->as_of);
    return tl_db_select(db, name, sql, with_date ? &p : NULL, finding_row, &c,
                        err);
}

/* ---- not returned after disconnect, and its fee ---- */

static const char *const not_returned_sql =
    "SELECT" ITEM_COLUMNS ", '' AS product_id, 0 AS seq,"
    " s.disconnect_date AS day, e.equipment_id, e.account_id,"
    " ba.currency, md.fee_code,"
    " ($1::date - s.disconnect_date) AS days,"
    " s.disconnect_date + $2::int AS due_on,"
    " c.amount_minor, c.currency AS charge_currency,"
    " format('circuit %s was disconnected on %s; the item is still at the"
    " site %s days later', e.circuit_id, s.disconnect_date,"
    " $1::date - s.disconnect_date) AS detail" ITEM_FROM
    " JOIN provisioning.service s ON s.account_id = e.account_id"
    "  AND s.circuit_id = e.circuit_id"
    " CROSS JOIN LATERAL (SELECT m.moved_on AS arrived"
    "  FROM provisioning.equipment_movement m"
    "  WHERE m.equipment_id = e.equipment_id AND m.seq = e.last_seq) a"
    " LEFT JOIN provisioning.equipment_charge c"
    "  ON c.account_id = e.account_id AND c.equipment_id = e.equipment_id"
    "  AND c.circuit_id = e.circuit_id"
    "  AND c.disconnect_date = s.disconnect_date"
    " WHERE e.location_kind = 'customer_site' AND s.state = 'disconnected'"
    " AND a.arrived < s.disconnect_date"
    " AND s.disconnect_date + $2::int <= $1::date"
    " ORDER BY e.serial";

/* The fee for one item: the charge already recorded, else the list price
 * of the model's fee code on the due date, else the configured fee. */
static int find_fee(provisioning_finding_t *f, audit_ctx *ctx,
                    const tl_row *row, const char *currency,
                    const char *fee_code, tl_date due_on, tl_err *err)
{
    tl_err lookup = TL_ERR_INIT;
    int rc;

    if (!tl_row_isnull(row, "amount_minor")) {
        rc = tl_row_money(row, "amount_minor", "charge_currency", &f->fee, err);
        if (rc < 0)
            return rc;
        f->has_fee = 1;
        snprintf(f->charge, sizeof(f->charge), "already");
        return 0;
    }
    if (fee_code != NULL) {
        rc = catalog_list_price(&f->fee, ctx->db, fee_code, currency, due_on,
                                &lookup);
        tl_err_clear(&lookup);
        if (rc == 0) {
            f->has_fee = 1;
            return 0;
        }
        if (rc != TL_ENOTFOUND)
            return tl_err_set(err, rc, "internal", "", "price lookup failed");
    }
    if (ctx->opts->fee != NULL) {
        if (tl_money_parse(&f->fee, ctx->opts->fee, currency) != 0 ||
            f->fee.minor < 0)
            return tl_err_add(err, "format", "fee",
                              "the fee must be a non-negative amount in %s "
                              "(account %s), not \"%s\"",
                              currency, f->account_number, ctx->opts->fee);
        f->has_fee = 1;
    }
    return 0;
}

static int record_charge(provisioning_finding_t *f, audit_ctx *ctx, tl_db *db,
                         int64_t equipment_id, int64_t account_id,
                         const char *fee_code, tl_date due_on, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, equipment_id);
    tl_params_text(&p, f->serial);
    tl_params_text(&p, f->circuit_id);
    tl_params_date(&p, f->date);
    tl_params_date(&p, due_on);
    tl_params_text(&p, fee_code);
    tl_params_int64(&p, f->fee.minor);
    tl_params_text(&p, f->fee.cur);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "provisioning_equipment_charge_insert",
                    "INSERT INTO provisioning.equipment_charge (account_id,"
                    " equipment_id, serial, circuit_id, disconnect_date,"
                    " due_on, code, amount_minor, currency, created_by)"
                    " VALUES ($1::bigint, $2::bigint, $3, $4, $5::date,"
                    " $6::date, $7, $8::bigint, $9, $10)"
                    " ON CONFLICT ON CONSTRAINT equipment_charge_once"
                    " DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    snprintf(f->charge, sizeof(f->charge), "%s",
             rc > 0 ? "recorded" : "already");
    ctx->charges += rc;
    return 0;
}

static int not_returned_row(const tl_row *row, void *cls, tl_err *err)
{
    audit_ctx *ctx = cls;
    provisioning_finding_t *f =
        next_finding(ctx, "not_returned_after_disconnect", err);
    const char *currency = NULL;
    const char *fee_code = NULL;
    int64_t equipment_id = 0;
    int64_t account_id = 0;
    tl_date due_on = 0;
    int rc;

    if (f == NULL || common_cols(f, row, err) < 0 ||
        tl_row_int64(row, "equipment_id", &equipment_id, err) < 0 ||
        tl_row_int64(row, "account_id", &account_id, err) < 0 ||
        tl_row_text(row, "currency", &currency, err) < 0 ||
        tl_row_text(row, "fee_code", &fee_code, err) < 0 ||
        tl_row_int(row, "days", &f->days, err) < 0 ||
        tl_row_date(row, "due_on", &due_on, err) < 0)
        return TL_ERROR;
    rc = find_fee(f, ctx, row, currency, fee_code, due_on, err);
    if (rc < 0)
        return rc;
    if (f->charge[0] != '\0')
        return 0;
    if (!f->has_fee) {
        snprintf(f->charge, sizeof(f->charge), "no_fee");
        return 0;
    }
    if (ctx->opts->report_only) {
        snprintf(f->charge, sizeof(f->charge), "report_only");
        return 0;
    }
    return record_charge(f, ctx, ctx->db, equipment_id, account_id, fee_code,
                         due_on, err);
}

static int audit_tx(tl_db *db, void *cls, tl_err *err)
{
    audit_ctx *ctx = cls;
    json_t *after;
    tl_params p;
    char day[16];
    int rc;

    ctx->n = 0;
    ctx->charges = 0;
    ctx->db = db;
    rc = run_simple(ctx, db, "provisioning_equipment_audit_at_site",
                    at_site_sql, "at_site_without_service", 0, err);
    if (rc >= 0)
        rc = run_simple(ctx, db, "provisioning_equipment_audit_missing",
                        missing_sql, "service_missing_equipment", 0, err);
    if (rc >= 0)
        rc = run_simple(ctx, db, "provisioning_equipment_audit_two_places",
                        two_places_sql, "serial_in_two_places", 0, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_date(&p, ctx->opts->as_of);
    tl_params_int64(&p, ctx->opts->return_days);
    rc = tl_db_select(db, "provisioning_equipment_audit_not_returned",
                      not_returned_sql, &p, not_returned_row, ctx, err);
    if (rc < 0)
        return rc;
    rc = run_simple(ctx, db, "provisioning_equipment_audit_no_order",
                    no_order_sql, "movement_without_order", 1, err);
    if (rc < 0)
        return rc;
    if (ctx->charges == 0)
        return 0;
    tl_date_format(day, sizeof(day), ctx->opts->as_of);
    after = json_pack("{s:s, s:i, s:i, s:i}", "asOf", day, "returnDays",
                      ctx->opts->return_days, "findings", (int)ctx->n,
                      "chargesRecorded", ctx->charges);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "equipment.audit", "equipment_audit", day, 0,
                  NULL, after, err);
    json_decref(after);
    return rc;
}

int provisioning_equipment_audit(provisioning_audit_result *out, tl_db *db,
                                 const provisioning_audit_opts *opts,
                                 const char *actor, provisioning_finding_fn fn,
                                 void *cls, tl_err *err)
{
    audit_ctx ctx;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = opts;
    ctx.actor = actor;
    if (opts->return_days < 0)
        return tl_err_add(err, "range", "returnDays",
                          "the return days cannot be negative");
    rc = tl_db_run_tx(db, "provisioning_equipment_audit", audit_tx, &ctx, err);
    if (rc < 0)
        goto cleanup;
    out->findings = (int)ctx.n;
    out->charges_recorded = ctx.charges;
    for (i = 0; i < ctx.n && fn != NULL; i++) {
        rc = fn(&ctx.items[i], cls, err);
        if (rc < 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    free(ctx.items);
    return rc;
}

/* An int64 array as a PostgreSQL array literal, "{1,2,3}". */
static char *int64_array_text(const int64_t *v, size_t n)
{
    size_t size = 3 + n * 21;
    char *out = malloc(size);
    size_t len = 0;
    size_t i;

    if (out == NULL)
        return NULL;
    out[len++] = '{';
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, size - len, "%s%lld",
                                i == 0 ? "" : ",", (long long)v[i]);
    snprintf(out + len, size - len, "}");
    return out;
}

int provisioning_equipment_charges_billed(int *marked, tl_db *db,
                                          const int64_t *account_ids,
                                          const int64_t *charge_ids, size_t n,
                                          tl_err *err)
{
    char *accounts = NULL;
    char *charges = NULL;
    tl_params p;
    int rc;

    *marked = 0;
    if (n == 0)
        return 0;
    accounts = int64_array_text(account_ids, n);
    charges = int64_array_text(charge_ids, n);
    if (accounts == NULL || charges == NULL) {
        free(accounts);
        free(charges);
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    tl_params_init(&p);
    tl_params_text(&p, accounts);
    tl_params_text(&p, charges);
    rc = tl_db_exec(db, "provisioning_equipment_charges_billed",
                    "UPDATE provisioning.equipment_charge c"
                    " SET status = 'billed'"
                    " FROM unnest($1::bigint[], $2::bigint[]) AS b(a, id)"
                    " WHERE c.account_id = b.a AND c.charge_id = b.id"
                    " AND c.status = 'pending'",
                    &p, err);
    free(accounts);
    free(charges);
    if (rc < 0)
        return rc;
    *marked = rc;
    return 0;
}
