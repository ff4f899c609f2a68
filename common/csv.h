/*
 * A small strict CSV reader (RFC 4180): comma-separated fields, optionally
 * double-quoted, "" for a quote inside quotes, commas and line breaks
 * allowed inside quotes, CR LF or LF line ends, a final line end optional.
 * Blank lines are skipped. Records are handed to a callback one at a time
 * with the line they start on, so problems can name "row[N]".
 */
#ifndef TL_CSV_H
#define TL_CSV_H

#include <stddef.h>

#include "common/err.h"

/* Most fields in a record the reader keeps; more are counted only. */
#define TL_CSV_MAX_FIELDS 64

/* Called for each record: line is the line number the record starts on
 * (the first line is 1), fields[0..nfields) its NUL-terminated fields
 * (only the first TL_CSV_MAX_FIELDS are given; nfields counts them all).
 * Return 0 to go on or a negative status to stop. */
typedef int (*tl_csv_record_fn)(int line, char **fields, int nfields, void *cls,
                                tl_err *err);

/* Reads text[0..len). A record longer than max_record bytes, a NUL byte,
 * or a malformed quote adds a problem ("too_long", "csv_syntax") at
 * "row[N]" and skips the record; reading goes on with the next line.
 * Returns the number of records handed to fn, TL_EINVALID when a problem
 * was added, or fn's negative status. */
int tl_csv_read(const char *text, size_t len, size_t max_record,
                tl_csv_record_fn fn, void *cls, tl_err *err);

#endif
