/*
 * Shared by the document renderers (not public): a capped growable text
 * buffer and the exact formatting of amounts, dates and rates.
 *
 * The buffer remembers its first failure (memory, or the cap) instead of
 * making every append return a status, so a renderer writes straight
 * through and asks once, in doc_buf_finish, whether it all went well.
 */
#ifndef BILLING_DOCUMENT_INTERNAL_H
#define BILLING_DOCUMENT_INTERNAL_H

#include <stddef.h>

#include "billing/document.h"

/* Largest document a renderer produces (64 MiB). */
#define DOC_MAX_BYTES (64u * 1024u * 1024u)

typedef struct doc_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
    int failed; /* 1: out of memory or past max; appends do nothing */
} doc_buf;

void doc_buf_init(doc_buf *b, size_t max);
void doc_buf_put(doc_buf *b, const char *s, size_t n);
void doc_buf_puts(doc_buf *b, const char *s);
void doc_buf_printf(doc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the text to the caller (*out, *len) or, after a failure, frees it
 * and returns TL_ERROR with err set. */
int doc_buf_finish(doc_buf *b, char **out, size_t *len, tl_err *err);
void doc_buf_free(doc_buf *b);

/* "1150.00", "-0.07", "500" (JPY): tl_money_format into a 32-byte buffer. */
const char *doc_amount(char *buf, size_t size, const tl_money *m);

/* "YYYY-MM-DD". */
const char *doc_date(char *buf, size_t size, tl_date d);

/* A rate in parts per million written as a plain decimal of the whole
 * scaled by 10^-digits_shift, trailing zeros trimmed: with shift 6,
 * 65000 -> "0.065" (a fraction); with shift 4, 65000 -> "6.5" (percent). */
const char *doc_ppm(char *buf, size_t size, int64_t ppm, int shift);

#endif
