/*
 * Rows for COPY ... FROM STDIN in text format, built in memory and sent in
 * one go: the bulk paths write thousands of rows per statement this way
 * instead of one INSERT each.
 *
 * Fields are added left to right; tl_copybuf_row ends a row. Text is
 * escaped as COPY's text format wants (backslash, tab, newline, carriage
 * return), NULL is \N. Building never fails half-way silently: the first
 * allocation failure is remembered and reported by tl_copybuf_send.
 */
#ifndef TL_COPYBUF_H
#define TL_COPYBUF_H

#include <stddef.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"

typedef struct tl_copybuf {
    char *data;
    size_t len;
    size_t cap;
    size_t rows;
    int in_row; /* a field was added to the current row */
    int oom;    /* an allocation failed */
} tl_copybuf;

/* Empties the buffer, keeping its memory. */
void tl_copybuf_reset(tl_copybuf *b);
/* Frees the buffer's memory. NULL-safe. */
void tl_copybuf_free(tl_copybuf *b);

void tl_copybuf_text(tl_copybuf *b, const char *s); /* NULL → \N */
void tl_copybuf_int64(tl_copybuf *b, int64_t v);
void tl_copybuf_int64_or_null(tl_copybuf *b, int64_t v); /* 0 → \N */
void tl_copybuf_date(tl_copybuf *b, int has, tl_date d); /* !has → \N */
void tl_copybuf_null(tl_copybuf *b);
void tl_copybuf_row(tl_copybuf *b);

/* Runs copy_sql (a COPY ... FROM STDIN) with the buffer's rows. Returns
 * the rows copied, 0 without sending anything when the buffer is empty,
 * or a negative status (TL_ERROR when building ran out of memory). */
int tl_copybuf_send(tl_copybuf *b, tl_db *db, const char *copy_sql,
                    tl_err *err);

#endif
