/*
 * provisioning/ equipment internals: the one pipeline that checks and
 * writes movements, shared by receive, move and the CSV load.
 *
 * Movements travel as a JSON array of rows {line, reference, serial, mac,
 * model, moved_on, to_kind, to_ref, given_ref, circuit_id, order_number}
 * (absent values null), passed to set-based SQL as one jsonb parameter.
 * line is the CSV line, or 0 for a single movement, whose problems then
 * name the bare column.
 */
#ifndef PROVISIONING_EQUIPMENT_INTERNAL_H
#define PROVISIONING_EQUIPMENT_INTERNAL_H

#include <jansson.h>

#include "common/db.h"
#include "common/err.h"

/* One movement as text, the way a CSV row gives it. */
typedef struct eq_text_row {
    int line;
    const char *reference;
    const char *serial;
    const char *mac;
    const char *model;
    const char *moved_on;
    const char *to_kind;
    const char *to_ref;
    const char *circuit_id;
    const char *order_number;
} eq_text_row;

/* The path of a column: "row[N].col", or "col" for line 0. */
const char *eq_cell(char *buf, size_t size, int line, const char *col);

/* Checks a row's values on their own (required, formats, lengths, kinds)
 * and appends it to rows (normalized: MAC, trimmed serial, the circuit id
 * as the customer site's ref). Adds problems to err and returns
 * TL_EINVALID when the row is bad (nothing appended), TL_ERROR when
 * memory runs out. */
int eq_row_add(json_t *rows, const eq_text_row *in, tl_err *err);

typedef struct eq_counts {
    int received;
    int movements;
} eq_counts;

/* In the caller's transaction: checks rows against inventory, circuits and
 * orders without writing anything, adding every problem (TL_EINVALID). */
int eq_check(tl_db *db, const json_t *rows, tl_err *err);

/* In the caller's transaction: checks rows against inventory, circuits and
 * orders (adding every problem, TL_EINVALID), then writes them: receipts
 * of new serials, movements, the items' new locations. load_id 0: none. */
int eq_apply(eq_counts *out, tl_db *db, const json_t *rows, int64_t load_id,
             const char *actor, tl_err *err);

#endif
