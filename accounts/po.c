/*
 * Customer purchase orders: the PO in force on a day, and the report of
 * accounts whose PO is missing, expired, expiring or nearly used up.
 *
 * A PO is valid from valid_from to valid_to inclusive (customers write the
 * last day). What has been invoiced against a PO is not known here
 * (billing is to the right of accounts): the report takes a callback that
 * supplies it, and counts nothing as used when there is none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "accounts/accounts_internal.h"
#include "common/audit.h"

int accounts_po_read(accounts_po_t *out, const tl_row *row, tl_err *err)
{
    const char *number = NULL;
    const char *po = NULL;
    const char *svc = NULL;
    const char *cur = NULL;
    int cap_null = 1;
    int64_t cap = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = tl_row_text(row, "account_number", &number, err);
    if (rc == 0)
        rc = tl_row_text(row, "po_number", &po, err);
    if (rc == 0)
        rc = tl_row_text(row, "service_ref", &svc, err);
    if (rc == 0)
        rc = tl_row_date(row, "valid_from", &out->valid_from, err);
    if (rc == 0)
        rc = tl_row_date(row, "valid_to", &out->valid_to, err);
    if (rc == 0)
        rc = tl_row_int64_opt(row, "cap_minor", &cap, &cap_null, err);
    if (rc == 0)
        rc = tl_row_text(row, "currency", &cur, err);
    if (rc < 0)
        return rc;
    accounts_copy(out->account_number, sizeof(out->account_number), number);
    accounts_copy(out->po_number, sizeof(out->po_number), po);
    accounts_copy(out->service_ref, sizeof(out->service_ref), svc);
    tl_money_make(&out->cap, cap_null ? 0 : cap, cur);
    out->has_cap = !cap_null;
    return 0;
}

int accounts_po_put(int *added, int *same, tl_db *db, int64_t account_id,
                    const accounts_po_t *po, tl_err *err)
{
    tl_params p;
    int rc;

    *added = 0;
    *same = 0;
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, po->po_number);
    tl_params_text(&p, po->service_ref[0] ? po->service_ref : NULL);
    tl_params_date(&p, po->valid_from);
    tl_params_date(&p, po->valid_to);
    if (po->has_cap)
        tl_params_int64(&p, po->cap.minor);
    else
        tl_params_null(&p);
    rc = tl_db_exec(db, "accounts_po_insert",
                    "INSERT INTO accounts.purchase_order (account_id,"
                    " po_number, service_ref, valid_from, valid_to, cap_minor,"
                    " currency) SELECT $1::bigint, $2, $3, $4::date, $5::date,"
                    " $6::bigint, currency FROM accounts.billing_account"
                    " WHERE account_id = $1::bigint"
                    " ON CONFLICT (account_id, po_number) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        *added = 1;
        *same = 1;
        return 0;
    }
    rc = tl_db_exec(db, "accounts_po_same",
                    "SELECT 1 FROM accounts.purchase_order"
                    " WHERE account_id = $1::bigint AND po_number = $2"
                    " AND service_ref IS NOT DISTINCT FROM $3"
                    " AND valid_from = $4::date AND valid_to = $5::date"
                    " AND cap_minor IS NOT DISTINCT FROM $6::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    *same = rc == 1;
    return 0;
}

typedef struct po_add_ctx {
    int *added;
    const accounts_po_t *po;
    const char *actor;
} po_add_ctx;

static int po_add_tx(tl_db *db, void *cls, tl_err *err)
{
    po_add_ctx *ctx = cls;
    accounts_account_t acct;
    json_t *after = NULL;
    char from[16];
    char to[16];
    char cap[32] = "";
    int same = 0;
    int rc;

    rc = accounts_get(&acct, db, ctx->po->account_number, err);
    if (rc < 0)
        return rc;
    if (ctx->po->has_cap && strcmp(ctx->po->cap.cur, acct.currency) != 0)
        return tl_err_add(err, "currency", "amountCap",
                          "the cap must be in the account's currency %s",
                          acct.currency);
    rc = accounts_po_put(ctx->added, &same, db, acct.account_id, ctx->po, err);
    if (rc < 0)
        return rc;
    if (!same)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "poNumber",
                          "PO %s exists on %s with other values",
                          ctx->po->po_number, acct.account_number);
    if (!*ctx->added)
        return 0;
    tl_date_format(from, sizeof(from), ctx->po->valid_from);
    tl_date_format(to, sizeof(to), ctx->po->valid_to);
    if (ctx->po->has_cap)
        tl_money_format(cap, sizeof(cap), &ctx->po->cap);
    after = json_pack("{s:s, s:s, s:s, s:s, s:s}", "poNumber",
                      ctx->po->po_number, "serviceRef", ctx->po->service_ref,
                      "validFrom", from, "validTo", to, "amountCap", cap);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "accounts.po_add", "purchase_order",
                  ctx->po->po_number, acct.account_id, NULL, after, err);
    json_decref(after);
    return rc;
}

int accounts_po_add(int *added, tl_db *db, const accounts_po_t *po,
                    const char *actor, tl_err *err)
{
    po_add_ctx ctx = {added, po, actor};

    *added = 0;
    if (po->po_number[0] == '\0')
        tl_err_add(err, "required", "poNumber", "poNumber is required");
    if (po->valid_to < po->valid_from)
        tl_err_add(err, "range", "validTo",
                   "validTo must be on or after validFrom");
    if (po->has_cap && po->cap.minor <= 0)
        tl_err_add(err, "range", "amountCap",
                   "amountCap must be more than zero");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    return tl_db_run_tx(db, "accounts_po_add", po_add_tx, &ctx, err);
}

int accounts_po_in_force(accounts_po_t *out, tl_db *db, int64_t account_id,
                         const char *service_ref, tl_date day, tl_err *err)
{
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_date(&p, day);
    tl_params_text(&p, service_ref);
    rc = tl_db_query_one(
        db, &r, "accounts_po_in_force",
        "SELECT " ACCOUNTS_PO_COLUMNS " FROM accounts.purchase_order p"
        " JOIN accounts.billing_account a USING (account_id)"
        " WHERE p.account_id = $1::bigint"
        " AND $2::date BETWEEN p.valid_from AND p.valid_to"
        " AND (p.service_ref IS NULL OR p.service_ref = $3)"
        " ORDER BY (p.service_ref IS NOT NULL) DESC, p.valid_from DESC,"
        " p.po_number LIMIT 1",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "no_po", "poNumber",
                          "no purchase order in force on that date");
    row.res = r;
    row.row = 0;
    rc = accounts_po_read(out, &row, err);
    PQclear(r);
    return rc;
}

typedef struct po_numbers_ctx {
    int (*fn)(int64_t account_id, const char *po_number, void *payload);
    void *payload;
} po_numbers_ctx;

static int po_number_row(const tl_row *row, void *cls, tl_err *err)
{
    po_numbers_ctx *ctx = cls;
    int64_t account_id = 0;
    const char *number = NULL;

    if (tl_row_int64(row, "account_id", &account_id, err) < 0 ||
        tl_row_text(row, "po_number", &number, err) < 0)
        return TL_ERROR;
    if (ctx->fn(account_id, number, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

int accounts_po_numbers_in_force(
    tl_db *db, const int64_t *ids, size_t n, tl_date day,
    int (*fn)(int64_t account_id, const char *po_number, void *payload),
    void *payload, tl_err *err)
{
    po_numbers_ctx ctx = {fn, payload};
    char *array = tl_db_int64_array(ids, n);
    tl_params p;
    int rc;

    if (array == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_text(&p, array);
    tl_params_date(&p, day);
    /* the order of accounts_po_in_force with no service_ref */
    rc = tl_db_select(db, "accounts_po_numbers_in_force",
                      "SELECT DISTINCT ON (p.account_id) p.account_id,"
                      " p.po_number FROM accounts.purchase_order p"
                      " WHERE p.account_id = ANY($1::bigint[])"
                      " AND $2::date BETWEEN p.valid_from AND p.valid_to"
                      " AND p.service_ref IS NULL"
                      " ORDER BY p.account_id, p.valid_from DESC, p.po_number",
                      &p, po_number_row, &ctx, err);
    free(array);
    return rc;
}

typedef struct report_ctx {
    tl_date as_of;
    int within_days;
    int64_t threshold_ppm;
    accounts_po_used_fn used;
    void *used_payload;
    int (*fn)(const accounts_po_line_t *l, void *payload);
    void *payload;
    int lines;
} report_ctx;

static int emit(report_ctx *ctx, accounts_po_line_t *l, const char *problem,
                tl_err *err)
{
    accounts_copy(l->problem, sizeof(l->problem), problem);
    ctx->lines++;
    if (ctx->fn(l, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

/* One row per account that requires a PO or has one: its best PO in force
 * on as_of (if any), else its latest PO (if any). */
static int report_row(const tl_row *row, void *cls, tl_err *err)
{
    report_ctx *ctx = cls;
    accounts_po_line_t l;
    const char *name = NULL;
    int required = 0;
    int in_force = 0;
    int rc;

    memset(&l, 0, sizeof(l));
    if (tl_row_text(row, "name", &name, err) < 0 ||
        tl_row_bool(row, "po_required", &required, err) < 0 ||
        tl_row_bool(row, "in_force", &in_force, err) < 0)
        return TL_ERROR;
    accounts_copy(l.account_name, sizeof(l.account_name), name);
    if (tl_row_isnull(row, "po_number")) {
        const char *number = NULL;
        if (tl_row_text(row, "account_number", &number, err) < 0)
            return TL_ERROR;
        accounts_copy(l.account_number, sizeof(l.account_number), number);
        return required ? emit(ctx, &l, "missing", err) : 0;
    }
    rc = accounts_po_read(&l.po, row, err);
    if (rc < 0)
        return rc;
    l.has_po = 1;
    accounts_copy(l.account_number, sizeof(l.account_number),
                  l.po.account_number);
    tl_money_make(&l.used, 0, l.po.cap.cur);
    if (!in_force)
        return emit(ctx, &l, "expired", err);
    if (ctx->used != NULL) {
        rc = ctx->used(&l.used, &l.po, ctx->used_payload);
        if (rc < 0)
            return tl_err_set(err, rc, "used_amount", "",
                              "the used amount of PO %s is unknown",
                              l.po.po_number);
    }
    if (l.po.has_cap) {
        tl_money threshold;
        rc = tl_money_percent(&threshold, &l.po.cap, ctx->threshold_ppm);
        if (rc < 0)
            return tl_err_set(err, rc, "overflow", "", "cap too large");
        if (tl_money_cmp(&l.used, &threshold) >= 0)
            return emit(ctx, &l, "used_up", err);
    }
    if (tl_days_between(ctx->as_of, l.po.valid_to) <= ctx->within_days)
        return emit(ctx, &l, "expiring", err);
    return 0;
}

int accounts_po_report(tl_db *db, tl_date as_of, int within_days,
                       int64_t threshold_ppm, accounts_po_used_fn used,
                       void *used_payload,
                       int (*fn)(const accounts_po_line_t *l, void *payload),
                       void *payload, tl_err *err)
{
    report_ctx ctx = {as_of,        within_days, threshold_ppm, used,
                      used_payload, fn,          payload,       0};
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_date(&p, as_of);
    rc = tl_db_select(
        db, "accounts_po_report",
        "SELECT a.account_number, a.name, a.po_required,"
        " p.po_number, p.service_ref, p.valid_from, p.valid_to, p.cap_minor,"
        " p.currency,"
        " COALESCE($1::date BETWEEN p.valid_from AND p.valid_to, false)"
        "  AS in_force"
        " FROM accounts.billing_account a"
        " LEFT JOIN LATERAL (SELECT * FROM accounts.purchase_order q"
        "  WHERE q.account_id = a.account_id AND q.valid_from <= $1::date"
        "  ORDER BY ($1::date <= q.valid_to) DESC, q.service_ref IS NULL"
        "  DESC, q.valid_to DESC, q.po_number LIMIT 1) p ON true"
        " WHERE a.status <> 'closed'"
        " AND (a.po_required OR p.po_number IS NOT NULL)"
        " ORDER BY a.account_number",
        &p, report_row, &ctx, err);
    return rc < 0 ? rc : ctx.lines;
}

typedef struct list_ctx {
    int (*fn)(const accounts_po_t *po, void *payload);
    void *payload;
} list_ctx;

static int list_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    accounts_po_t po;

    if (accounts_po_read(&po, row, err) < 0)
        return TL_ERROR;
    if (ctx->fn(&po, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

int accounts_pos(tl_db *db, int64_t account_id,
                 int (*fn)(const accounts_po_t *po, void *payload),
                 void *payload, tl_err *err)
{
    list_ctx ctx = {fn, payload};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    return tl_db_select(db, "accounts_pos",
                        "SELECT " ACCOUNTS_PO_COLUMNS
                        " FROM accounts.purchase_order p"
                        " JOIN accounts.billing_account a USING (account_id)"
                        " WHERE p.account_id = $1::bigint"
                        " ORDER BY p.valid_from, p.po_number",
                        &p, list_row, &ctx, err);
}
