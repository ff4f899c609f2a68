/*
 * Loading a CSV file of equipment movements (header in equipment.h).
 *
 * Every row is checked on its own as it is read, then all rows together
 * against the database; a file with any bad row loads nothing and every
 * problem names its row and column. A file whose bytes (SHA-256) were
 * loaded before changes nothing; a row whose reference is recorded with
 * the same serial, date and destination is unchanged, so overlapping files
 * are safe too. One audit event per load.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit.h"
#include "common/csv.h"
#include "provisioning/equipment.h"
#include "provisioning/equipment_internal.h"

#define CSV_COLS 9
#define CSV_MAX_RECORD 2048
#define CSV_MAX_ROWS 50000
#define CSV_MAX_BYTES (8u * 1024u * 1024u)

static const char *const header[CSV_COLS] = {
    "reference", "serial", "mac",        "model",       "moved_on",
    "to_kind",   "to_ref", "circuit_id", "order_number"};

typedef struct csv_ctx {
    json_t *rows;
    int n;
    int header_seen;
} csv_ctx;

static int on_record(int line, char **f, int nf, void *cls, tl_err *err)
{
    csv_ctx *ctx = cls;
    char field[TL_ERR_FIELD_MAX];
    eq_text_row row;
    int i;
    int rc;

    snprintf(field, sizeof(field), "row[%d]", line);
    if (!ctx->header_seen) {
        int ok = nf == CSV_COLS;
        ctx->header_seen = 1;
        for (i = 0; ok && i < CSV_COLS; i++)
            ok = strcmp(f[i], header[i]) == 0;
        if (!ok)
            return tl_err_add(err, "header", field,
                              "the header must be exactly reference,serial,"
                              "mac,model,moved_on,to_kind,to_ref,circuit_id,"
                              "order_number");
        return 0;
    }
    ctx->n++;
    if (nf != CSV_COLS) {
        tl_err_add(err, "columns", field,
                   "the row has %d fields; the header has %d", nf, CSV_COLS);
        return 0;
    }
    if (ctx->n > CSV_MAX_ROWS)
        return tl_err_add(err, "too_long", field, "more than %d rows",
                          CSV_MAX_ROWS);
    if (f[0][0] == '\0') {
        char cell[TL_ERR_FIELD_MAX];
        tl_err_add(err, "required",
                   eq_cell(cell, sizeof(cell), line, "reference"),
                   "every row has a movement reference");
    }
    memset(&row, 0, sizeof(row));
    row.line = line;
    row.reference = f[0];
    row.serial = f[1];
    row.mac = f[2];
    row.model = f[3];
    row.moved_on = f[4];
    row.to_kind = f[5];
    row.to_ref = f[6];
    row.circuit_id = f[7];
    row.order_number = f[8];
    rc = eq_row_add(ctx->rows, &row, err);
    return rc == TL_EINVALID ? 0 : rc;
}

typedef struct load_ctx {
    const csv_ctx *csv;
    const char *hex;
    const char *file_name;
    const char *actor;
    provisioning_equipment_load_result *res;
} load_ctx;

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *w = cls;
    PGresult *res = NULL;
    eq_counts counts;
    json_t *after = NULL;
    tl_params p;
    tl_row row;
    int64_t load_id = 0;
    int rc;

    w->res->rows = w->csv->n;
    w->res->received = 0;
    w->res->movements = 0;
    w->res->unchanged = 0;
    w->res->already_loaded = 0;
    tl_params_init(&p);
    tl_params_text(&p, w->hex);
    tl_params_text(&p, w->file_name);
    tl_params_int64(&p, w->csv->n);
    tl_params_text(&p, w->actor);
    rc = tl_db_query_one(db, &res, "provisioning_equipment_load_insert",
                         "INSERT INTO provisioning.equipment_load"
                         " (content_hash, file_name, rows_total, loaded_by)"
                         " VALUES (encode(sha256(decode($1, 'hex')), 'hex'),"
                         " $2, $3::int, $4)"
                         " ON CONFLICT (content_hash) DO NOTHING"
                         " RETURNING load_id",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        w->res->already_loaded = 1;
        w->res->unchanged = w->csv->n;
        return 0;
    }
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "load_id", &load_id, err);
    PQclear(res);
    if (rc < 0)
        return rc;
    rc = eq_apply(&counts, db, w->csv->rows, load_id, w->actor, err);
    if (rc < 0)
        return rc;
    w->res->received = counts.received;
    w->res->movements = counts.movements;
    w->res->unchanged = w->csv->n - counts.movements;
    tl_params_init(&p);
    tl_params_int64(&p, load_id);
    tl_params_int64(&p, counts.movements);
    tl_params_int64(&p, counts.received);
    rc = tl_db_exec(db, "provisioning_equipment_load_counts",
                    "UPDATE provisioning.equipment_load"
                    " SET movements = $2::int, received = $3::int"
                    " WHERE load_id = $1::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    after = json_pack("{s:s, s:i, s:i, s:i, s:i}", "file", w->file_name, "rows",
                      w->csv->n, "received", counts.received, "movements",
                      counts.movements, "unchanged", w->res->unchanged);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    rc = tl_audit(db, w->actor, "equipment.load_movements", "equipment_load",
                  w->file_name, 0, NULL, after, err);
    json_decref(after);
    return rc;
}

/* Rows good on their own are still checked against the database when
 * others are bad, so that one pass reports every bad row. */
static int check_tx(tl_db *db, void *cls, tl_err *err)
{
    const csv_ctx *ctx = cls;

    return eq_check(db, ctx->rows, err);
}

static int problem_line(const tl_problem *p)
{
    int line = 0;
    const char *s = p->field;

    if (strncmp(s, "row[", 4) != 0)
        return 0;
    for (s += 4; *s >= '0' && *s <= '9' && line < 10000000; s++)
        line = line * 10 + (*s - '0');
    return line;
}

/* Orders the problems by row, keeping the order within a row. */
static void sort_problems(tl_err *err)
{
    size_t i;
    size_t j;

    for (i = 1; i < err->n_problems; i++) {
        tl_problem p = err->problems[i];
        int line = problem_line(&p);
        for (j = i; j > 0 && problem_line(&err->problems[j - 1]) > line; j--)
            err->problems[j] = err->problems[j - 1];
        err->problems[j] = p;
    }
    if (err->n_problems > 0) {
        snprintf(err->code, sizeof(err->code), "%s", err->problems[0].code);
        snprintf(err->field, sizeof(err->field), "%s", err->problems[0].field);
        snprintf(err->message, sizeof(err->message), "%s",
                 err->problems[0].message);
    }
}

/* The bytes as hex, for the server to hash whatever they hold. */
static char *to_hex(const char *text, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *hex = malloc(len * 2 + 1);
    size_t i;

    if (hex == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        hex[i * 2] = digits[(unsigned char)text[i] >> 4];
        hex[i * 2 + 1] = digits[(unsigned char)text[i] & 0x0f];
    }
    hex[len * 2] = '\0';
    return hex;
}

int provisioning_equipment_load_csv(provisioning_equipment_load_result *out,
                                    tl_db *db, const char *text, size_t len,
                                    const char *file_name, const char *actor,
                                    tl_err *err)
{
    csv_ctx ctx = {NULL, 0, 0};
    load_ctx w = {&ctx, NULL, file_name != NULL ? file_name : "", actor, out};
    char *hex = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if (len > CSV_MAX_BYTES)
        return tl_err_add(err, "too_large", "",
                          "the file is larger than %u bytes", CSV_MAX_BYTES);
    ctx.rows = json_array();
    if (ctx.rows == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    rc = tl_csv_read(text, len, CSV_MAX_RECORD, on_record, &ctx, err);
    if (rc < 0 && rc != TL_EINVALID)
        goto cleanup;
    if (!ctx.header_seen)
        tl_err_add(err, "required", "", "the file is empty");
    else if (ctx.n == 0 && !tl_err_has_problems(err))
        tl_err_add(err, "required", "", "the file has no movement rows");
    if (tl_err_has_problems(err)) {
        if (json_array_size(ctx.rows) > 0) {
            rc = tl_db_run_tx(db, "provisioning_equipment_load_check", check_tx,
                              &ctx, err);
            if (rc < 0 && rc != TL_EINVALID)
                goto cleanup;
        }
        sort_problems(err);
        rc = TL_EINVALID;
        goto cleanup;
    }
    hex = to_hex(text, len);
    if (hex == NULL) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        goto cleanup;
    }
    w.hex = hex;
    rc = tl_db_run_tx(db, "provisioning_equipment_load", load_tx, &w, err);
    if (rc == TL_EINVALID)
        sort_problems(err);
cleanup:
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
        out->rows = ctx.n;
    }
    free(hex);
    json_decref(ctx.rows);
    return rc;
}
