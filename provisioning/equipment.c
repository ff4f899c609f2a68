/*
 * Equipment one item at a time: receive, move, look up, list, history.
 * Receive and move go through the same pipeline as a CSV load
 * (equipment_pipeline.c) with one row of line 0, and are audited one event
 * each, with the location before and after.
 */
#include <stdio.h>
#include <string.h>

#include "common/audit.h"
#include "provisioning/equipment.h"
#include "provisioning/equipment_internal.h"

#define EQUIPMENT_COLUMNS                                                      \
    "SELECT e.equipment_id, e.serial, coalesce(e.mac, '') AS mac, e.model,"    \
    " md.kind, e.status, e.location_kind, e.location_ref,"                     \
    " coalesce(ba.account_number, '') AS account_number,"                      \
    " coalesce(e.circuit_id, '') AS circuit_id,"                               \
    " (SELECT max(m.moved_on) FROM provisioning.equipment_movement m"          \
    "  WHERE m.equipment_id = e.equipment_id) AS moved_on,"                    \
    " e.last_seq AS movements"                                                 \
    " FROM provisioning.equipment e"                                           \
    " JOIN provisioning.equipment_model md USING (model)"                      \
    " LEFT JOIN accounts.billing_account ba ON ba.account_id = e.account_id"

static int copy_col(char *dst, size_t size, const tl_row *row, const char *col,
                    tl_err *err)
{
    const char *s = NULL;

    if (tl_row_text(row, col, &s, err) < 0)
        return TL_ERROR;
    snprintf(dst, size, "%s", s != NULL ? s : "");
    return 0;
}

static int read_equipment(const tl_row *row, provisioning_equipment_t *out,
                          tl_err *err)
{
    int isnull = 0;

    memset(out, 0, sizeof(*out));
    if (tl_row_int64(row, "equipment_id", &out->equipment_id, err) < 0 ||
        copy_col(out->serial, sizeof(out->serial), row, "serial", err) < 0 ||
        copy_col(out->mac, sizeof(out->mac), row, "mac", err) < 0 ||
        copy_col(out->model, sizeof(out->model), row, "model", err) < 0 ||
        copy_col(out->kind, sizeof(out->kind), row, "kind", err) < 0 ||
        copy_col(out->status, sizeof(out->status), row, "status", err) < 0 ||
        copy_col(out->location_kind, sizeof(out->location_kind), row,
                 "location_kind", err) < 0 ||
        copy_col(out->location_ref, sizeof(out->location_ref), row,
                 "location_ref", err) < 0 ||
        copy_col(out->account_number, sizeof(out->account_number), row,
                 "account_number", err) < 0 ||
        copy_col(out->circuit_id, sizeof(out->circuit_id), row, "circuit_id",
                 err) < 0 ||
        tl_row_date_opt(row, "moved_on", &out->moved_on, &isnull, err) < 0 ||
        tl_row_int(row, "movements", &out->movements, err) < 0)
        return TL_ERROR;
    return 0;
}

int provisioning_equipment_get(provisioning_equipment_t *out, tl_db *db,
                               const char *serial, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_text(&p, serial);
    rc = tl_db_query_one(db, &res, "provisioning_equipment_get",
                         EQUIPMENT_COLUMNS " WHERE e.serial = btrim($1)", &p,
                         err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_serial", "serial",
                          "serial %s is not in inventory", serial);
    row.res = res;
    row.row = 0;
    rc = read_equipment(&row, out, err);
    PQclear(res);
    return rc;
}

typedef struct list_ctx {
    provisioning_equipment_fn fn;
    void *cls;
} list_ctx;

static int equipment_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    provisioning_equipment_t e;

    if (read_equipment(row, &e, err) < 0)
        return TL_ERROR;
    return ctx->fn(&e, ctx->cls, err);
}

int provisioning_equipment_list(tl_db *db, const char *status,
                                const char *location_kind,
                                const char *account_number,
                                provisioning_equipment_fn fn, void *cls,
                                tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, status);
    tl_params_text(&p, location_kind);
    tl_params_text(&p, account_number);
    return tl_db_select(db, "provisioning_equipment_list",
                        EQUIPMENT_COLUMNS
                        " WHERE ($1::text IS NULL OR e.status = $1)"
                        " AND ($2::text IS NULL OR e.location_kind = $2)"
                        " AND ($3::text IS NULL OR ba.account_number = $3)"
                        " ORDER BY e.serial",
                        &p, equipment_row, &ctx, err);
}

typedef struct movements_ctx {
    provisioning_movement_fn fn;
    void *cls;
} movements_ctx;

static int movement_row(const tl_row *row, void *cls, tl_err *err)
{
    movements_ctx *ctx = cls;
    provisioning_movement_t m;

    memset(&m, 0, sizeof(m));
    if (tl_row_int(row, "seq", &m.seq, err) < 0 ||
        tl_row_date(row, "moved_on", &m.moved_on, err) < 0 ||
        copy_col(m.from_kind, sizeof(m.from_kind), row, "from_kind", err) < 0 ||
        copy_col(m.from_ref, sizeof(m.from_ref), row, "from_ref", err) < 0 ||
        copy_col(m.to_kind, sizeof(m.to_kind), row, "to_kind", err) < 0 ||
        copy_col(m.to_ref, sizeof(m.to_ref), row, "to_ref", err) < 0 ||
        copy_col(m.account_number, sizeof(m.account_number), row,
                 "account_number", err) < 0 ||
        copy_col(m.circuit_id, sizeof(m.circuit_id), row, "circuit_id", err) <
            0 ||
        copy_col(m.order_number, sizeof(m.order_number), row, "order_number",
                 err) < 0 ||
        copy_col(m.reference, sizeof(m.reference), row, "reference", err) < 0 ||
        copy_col(m.actor, sizeof(m.actor), row, "actor", err) < 0)
        return TL_ERROR;
    return ctx->fn(&m, ctx->cls, err);
}

int provisioning_equipment_movements(tl_db *db, const char *serial,
                                     provisioning_movement_fn fn, void *cls,
                                     tl_err *err)
{
    movements_ctx ctx = {fn, cls};
    provisioning_equipment_t e;
    tl_params p;
    int rc;

    rc = provisioning_equipment_get(&e, db, serial, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, e.equipment_id);
    return tl_db_select(
        db, "provisioning_equipment_movements",
        "SELECT m.seq, m.moved_on, m.from_kind, m.from_ref, m.to_kind,"
        " m.to_ref, ba.account_number, m.circuit_id, m.order_number,"
        " m.reference, m.actor"
        " FROM provisioning.equipment_movement m"
        " LEFT JOIN accounts.billing_account ba ON ba.account_id = m.account_id"
        " WHERE m.equipment_id = $1::bigint ORDER BY m.seq",
        &p, movement_row, &ctx, err);
}

/* ---- receive and move ---- */

typedef struct one_ctx {
    const provisioning_movement_in_t *in;
    const char *actor;
    int receive;
    provisioning_equipment_t *out;
} one_ctx;

/* The status a single movement's first problem calls for. */
static int status_of(const char *code)
{
    static const char *const not_found[] = {"unknown_serial", "unknown_circuit",
                                            "unknown_order", NULL};
    static const char *const conflict[] = {
        "conflict",      "duplicate", "out_of_order", "no_move", "disconnected",
        "wrong_account", NULL};
    size_t i;

    for (i = 0; not_found[i] != NULL; i++)
        if (strcmp(code, not_found[i]) == 0)
            return TL_ENOTFOUND;
    for (i = 0; conflict[i] != NULL; i++)
        if (strcmp(code, conflict[i]) == 0)
            return TL_ECONFLICT;
    return TL_EINVALID;
}

static json_t *location_json(const provisioning_equipment_t *e)
{
    return json_pack("{s:s, s:s, s:s}", "status", e->status, "kind",
                     e->location_kind, "ref", e->location_ref);
}

/* Whether a movement with this reference is already recorded for the
 * item (a receipt given again). */
static int reference_recorded(int *found, tl_db *db, int64_t equipment_id,
                              const char *reference, tl_err *err)
{
    tl_params p;
    int rc;

    *found = 0;
    if (reference == NULL || reference[0] == '\0')
        return 0;
    tl_params_init(&p);
    tl_params_int64(&p, equipment_id);
    tl_params_text(&p, reference);
    rc = tl_db_exec(db, "provisioning_equipment_reference",
                    "SELECT 1 FROM provisioning.equipment_movement"
                    " WHERE equipment_id = $1::bigint AND reference = $2",
                    &p, err);
    if (rc < 0)
        return rc;
    *found = rc > 0;
    return 0;
}

static int one_tx(tl_db *db, void *cls, tl_err *err)
{
    one_ctx *ctx = cls;
    const provisioning_movement_in_t *in = ctx->in;
    provisioning_equipment_t before;
    tl_err lookup = TL_ERR_INIT;
    eq_text_row row;
    eq_counts counts;
    char date[16];
    json_t *rows = NULL;
    json_t *after = NULL;
    json_t *was = NULL;
    int exists;
    int found = 0;
    int rc;

    rc = provisioning_equipment_get(&before, db, in->serial, &lookup);
    exists = rc == 0;
    tl_err_clear(&lookup);
    if (rc < 0 && rc != TL_ENOTFOUND)
        return tl_err_set(err, rc, "internal", "", "equipment lookup failed");
    if (ctx->receive && exists) {
        rc = reference_recorded(&found, db, before.equipment_id, in->reference,
                                err);
        if (rc < 0)
            return rc;
        if (!found)
            return tl_err_set(err, TL_EDUPLICATE, "already_received", "serial",
                              "serial %s is already in inventory",
                              before.serial);
    }
    if (!ctx->receive && !exists)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_serial", "serial",
                          "serial %s is not in inventory", in->serial);
    tl_date_format(date, sizeof(date), in->moved_on);
    memset(&row, 0, sizeof(row));
    row.reference = in->reference;
    row.serial = in->serial;
    row.mac = in->mac;
    row.model = in->model;
    row.moved_on = date;
    row.to_kind = ctx->receive ? "warehouse" : in->to_kind;
    row.to_ref = in->to_ref;
    row.circuit_id = in->circuit_id;
    row.order_number = in->order_number;
    rows = json_array();
    if (rows == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    rc = eq_row_add(rows, &row, err);
    if (rc == 0)
        rc = eq_apply(&counts, db, rows, 0, ctx->actor, err);
    json_decref(rows);
    if (rc == TL_EINVALID && err->n_problems > 0)
        return tl_err_set(err, status_of(err->problems[0].code),
                          err->problems[0].code, err->problems[0].field, "%s",
                          err->problems[0].message);
    if (rc < 0)
        return rc;
    rc = provisioning_equipment_get(ctx->out, db, in->serial, err);
    if (rc < 0 || counts.movements == 0)
        return rc;
    was = exists ? location_json(&before) : NULL;
    after = location_json(ctx->out);
    if ((exists && was == NULL) || after == NULL) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    } else {
        rc = tl_audit(db, ctx->actor,
                      ctx->receive ? "equipment.receive" : "equipment.move",
                      "equipment", ctx->out->serial, 0, was, after, err);
    }
    json_decref(was);
    json_decref(after);
    return rc;
}

static int run_one(provisioning_equipment_t *out, tl_db *db,
                   const provisioning_movement_in_t *in, int receive,
                   const char *actor, tl_err *err)
{
    one_ctx ctx = {in, actor, receive, out};
    int rc;

    memset(out, 0, sizeof(*out));
    if (in->serial == NULL || in->serial[0] == '\0')
        return tl_err_add(err, "required", "serial", "serial is required");
    if (receive && (in->model == NULL || in->model[0] == '\0'))
        return tl_err_add(err, "required", "model",
                          "a receipt names the model");
    rc = tl_db_run_tx(db,
                      receive ? "provisioning_equipment_receive"
                              : "provisioning_equipment_move",
                      one_tx, &ctx, err);
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

int provisioning_equipment_receive(provisioning_equipment_t *out, tl_db *db,
                                   const provisioning_movement_in_t *in,
                                   const char *actor, tl_err *err)
{
    return run_one(out, db, in, 1, actor, err);
}

int provisioning_equipment_move(provisioning_equipment_t *out, tl_db *db,
                                const provisioning_movement_in_t *in,
                                const char *actor, tl_err *err)
{
    return run_one(out, db, in, 0, actor, err);
}
