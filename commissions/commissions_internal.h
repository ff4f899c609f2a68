/*
 * commissions internals shared by its .c files: month and agent lookups,
 * the totals statement, and a bounded text buffer for the renderers.
 */
#ifndef COMMISSIONS_INTERNAL_H
#define COMMISSIONS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"

/* The first day of (year, month); TL_EINVALID (a problem at "month"). */
int commissions_month_start(tl_date *out, int year, int month, tl_err *err);

/* The person id of an agent by reference (agent_ref NULL: 0).
 * TL_ENOTFOUND for an unknown person or one who is not an agent. */
int commissions_agent_id(int64_t *agent_id, tl_db *db, const char *agent_ref,
                         tl_err *err);

/* Sets the totals of the month's drafts (of one agent, or all when
 * agent_id is 0; of one statement when statement_id > 0). */
int commissions_set_totals(tl_db *db, tl_date month, int64_t agent_id,
                           int64_t statement_id, tl_err *err);

/* A growable text buffer with a hard maximum (STYLE 19): after a failed
 * append, failed is set and every later append does nothing. */
typedef struct cm_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int failed;
} cm_buf;

void cm_buf_init(cm_buf *b, size_t max);
void cm_buf_put(cm_buf *b, const char *s, size_t n);
void cm_buf_puts(cm_buf *b, const char *s);
void cm_buf_printf(cm_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the text to *out (NUL-terminated) or, when the buffer failed,
 * frees it and returns TL_ERROR with err set. */
int cm_buf_finish(cm_buf *b, char **out, tl_err *err);

#endif
