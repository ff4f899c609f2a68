/*
 * Loading a CSV price list: code,currency,amount,effectiveFrom, one price
 * a row, for codes already in the catalog.
 *
 * Every row is checked first and each problem names its row and column
 * ("row[4].amount"); a file with any bad row loads nothing. Then all
 * prices are stored in one transaction with the same rule as the JSON
 * load: a price already stored with the same amount is unchanged, with
 * another amount a "conflict" (history is never rewritten).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "common/audit.h"
#include "common/csv.h"

#define CSV_COLS 4
#define CSV_MAX_RECORD 1024
#define CSV_MAX_ROWS 100000

static const char *const header[CSV_COLS] = {"code", "currency", "amount",
                                             "effectiveFrom"};

typedef struct price_row {
    int line;
    char code[40];
    char currency[4];
    char amount[40];
    char from[16];
} price_row;

typedef struct csv_ctx {
    tl_db *db;
    price_row *rows;
    size_t n;
    size_t cap;
    int header_seen;
} csv_ctx;

/* The path "row[N].column" of a cell. */
static const char *cell(char *buf, size_t size, int line, const char *col)
{
    snprintf(buf, size, "row[%d].%s", line, col);
    return buf;
}

/* Checks one data row; 0 when it is good. */
static int check_row(csv_ctx *ctx, int line, char **f, tl_err *err)
{
    catalog_code_t code;
    tl_err lookup = TL_ERR_INIT;
    tl_money m;
    tl_date d;
    char field[TL_ERR_FIELD_MAX];
    const size_t fs = sizeof(field);
    int bad = 0;
    int rc;

    if (f[0][0] == '\0') {
        tl_err_add(err, "required", cell(field, fs, line, "code"),
                   "code is required");
        bad = 1;
    } else {
        rc = catalog_code_get(&code, ctx->db, f[0], &lookup);
        tl_err_clear(&lookup);
        if (rc == TL_ENOTFOUND) {
            tl_err_add(err, "unknown_code", cell(field, fs, line, "code"),
                       "service code %s is not in the catalog", f[0]);
            bad = 1;
        } else if (rc < 0)
            return tl_err_set(err, rc, "internal", "", "catalog lookup failed");
    }
    if (!tl_currency_known(f[1])) {
        tl_err_add(err, "currency", cell(field, fs, line, "currency"),
                   "currency \"%s\" is not an ISO 4217 code we know", f[1]);
        bad = 1;
    } else if (f[2][0] == '\0') {
        tl_err_add(err, "required", cell(field, fs, line, "amount"),
                   "amount is required");
        bad = 1;
    } else if (tl_money_parse(&m, f[2], f[1]) != 0 || strlen(f[2]) >= 40) {
        tl_err_add(err, "format", cell(field, fs, line, "amount"),
                   "amount must be a plain decimal with at most the "
                   "currency's decimals, not \"%s\"",
                   f[2]);
        bad = 1;
    } else if (m.minor < 0) {
        tl_err_add(err, "range", cell(field, fs, line, "amount"),
                   "a list price cannot be negative");
        bad = 1;
    }
    if (tl_date_parse(&d, f[3]) != 0) {
        tl_err_add(err, "format", cell(field, fs, line, "effectiveFrom"),
                   "effectiveFrom must be a date YYYY-MM-DD, not \"%s\"", f[3]);
        bad = 1;
    }
    return bad ? TL_EINVALID : 0;
}

/* The same code, currency and date twice in one file. */
static void check_duplicate(const csv_ctx *ctx, const price_row *r, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    size_t i;

    for (i = 0; i < ctx->n; i++) {
        const price_row *o = &ctx->rows[i];
        if (strcmp(o->code, r->code) == 0 &&
            strcmp(o->currency, r->currency) == 0 &&
            strcmp(o->from, r->from) == 0) {
            snprintf(field, sizeof(field), "row[%d].effectiveFrom", r->line);
            tl_err_add(err, "duplicate", field,
                       "row %d already prices %s in %s from %s", o->line,
                       r->code, r->currency, r->from);
            return;
        }
    }
}

static int on_record(int line, char **f, int nf, void *cls, tl_err *err)
{
    csv_ctx *ctx = cls;
    char field[TL_ERR_FIELD_MAX];
    price_row r;
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
                              "the header must be exactly "
                              "code,currency,amount,effectiveFrom");
        return 0;
    }
    if (nf != CSV_COLS) {
        tl_err_add(err, "columns", field,
                   "the row has %d fields; the header has %d", nf, CSV_COLS);
        return 0;
    }
    if (ctx->n >= CSV_MAX_ROWS)
        return tl_err_add(err, "too_long", field, "more than %d rows",
                          CSV_MAX_ROWS);
    rc = check_row(ctx, line, f, err);
    if (rc == TL_EINVALID)
        return 0;
    if (rc < 0)
        return rc;
    memset(&r, 0, sizeof(r));
    r.line = line;
    snprintf(r.code, sizeof(r.code), "%s", f[0]);
    snprintf(r.currency, sizeof(r.currency), "%s", f[1]);
    snprintf(r.amount, sizeof(r.amount), "%s", f[2]);
    snprintf(r.from, sizeof(r.from), "%s", f[3]);
    check_duplicate(ctx, &r, err);
    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 64;
        price_row *grown = realloc(ctx->rows, cap * sizeof(*grown));
        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        ctx->rows = grown;
        ctx->cap = cap;
    }
    ctx->rows[ctx->n++] = r;
    return 0;
}

typedef struct write_ctx {
    const csv_ctx *csv;
    const char *actor;
    catalog_load_result *res;
} write_ctx;

static int write_tx(tl_db *db, void *cls, tl_err *err)
{
    write_ctx *w = cls;
    char field[TL_ERR_FIELD_MAX];
    json_t *after;
    size_t i;
    int rc;

    w->res->prices_added = 0;
    w->res->unchanged = 0;
    for (i = 0; i < w->csv->n; i++) {
        const price_row *r = &w->csv->rows[i];
        snprintf(field, sizeof(field), "row[%d]", r->line);
        rc = catalog_price_write(db, r->code, r->currency, r->amount, r->from,
                                 field, w->res, err);
        if (rc < 0)
            return rc;
    }
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    if (w->res->prices_added == 0)
        return 0;
    after = json_pack("{s:i, s:i}", "pricesAdded", w->res->prices_added,
                      "unchanged", w->res->unchanged);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, w->actor, "catalog.load_prices", "catalog", "", 0, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

int catalog_load_prices_csv(catalog_load_result *out, tl_db *db,
                            const char *text, size_t len, const char *actor,
                            tl_err *err)
{
    csv_ctx ctx = {db, NULL, 0, 0, 0};
    write_ctx w = {&ctx, actor, out};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = tl_csv_read(text, len, CSV_MAX_RECORD, on_record, &ctx, err);
    if (rc < 0 && rc != TL_EINVALID)
        goto cleanup;
    if (!ctx.header_seen)
        tl_err_add(err, "required", "", "the file is empty");
    else if (ctx.n == 0 && !tl_err_has_problems(err))
        tl_err_add(err, "required", "", "the file has no price rows");
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = tl_db_run_tx(db, "catalog_load_prices", write_tx, &w, err);
cleanup:
    free(ctx.rows);
    return rc;
}
