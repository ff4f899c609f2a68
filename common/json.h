/*
 * JSON input helpers on jansson: capped loading that rejects duplicate keys,
 * and field readers that collect every problem into a tl_err with the
 * field's path ("productOrderItem[2].product.place[0].postcode") instead of
 * stopping at the first one.
 *
 * Field readers return 0 when the value is acceptable (or absent and
 * optional) and TL_EINVALID after adding a problem otherwise. Callers read
 * every field, then look at tl_err_has_problems once.
 *
 * Problem codes used here: "required", "type", "empty", "too_long",
 * "format", "range", "currency", "precision", "overflow", "unknown_field".
 */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/err.h"
#include "common/money.h"

/* Largest JSON document accepted from a file or request (4 MiB). */
#define TL_JSON_MAX_BYTES (4u * 1024u * 1024u)

/* Parses buf (len bytes, at most max_bytes) as one JSON value with
 * duplicate keys rejected. On failure *out is NULL and err holds a problem
 * with code "json_syntax" (field "line L, column C") or "too_large". */
int tl_json_load_buf(json_t **out, const char *buf, size_t len,
                     size_t max_bytes, tl_err *err);

/* Reads a whole file ("-" for stdin) into a malloc'ed buffer (*out, *len;
 * the caller frees it). Reads at most max_bytes + 1 bytes, so *len >
 * max_bytes tells the file is too large. A missing or unreadable file is
 * TL_ENOTFOUND / TL_ERROR. */
int tl_file_read(char **out, size_t *len, const char *path,
                 size_t max_bytes, tl_err *err);

/* Reads a whole file (at most max_bytes) and parses it as tl_json_load_buf.
 * "-" reads standard input. A missing or unreadable file is TL_ENOTFOUND. */
int tl_json_load_file(json_t **out, const char *path, size_t max_bytes,
                      tl_err *err);

/* Joins a path and a key: "a.b" + "c" -> "a.b.c"; "" + "c" -> "c". buf may
 * be the parent itself. */
void tl_path_key(char *buf, size_t size, const char *parent, const char *key);

/* Joins a path and an index: "items" + 2 -> "items[2]". buf may be the
 * parent itself. */
void tl_path_index(char *buf, size_t size, const char *parent, size_t index);

/* A string member. *out points into the json value (valid while it lives),
 * NULL when absent and optional. max_len 0 means no limit. */
int tl_json_str(const json_t *obj, const char *key, const char *path,
                int required, size_t max_len, const char **out, tl_err *err);

/* A "YYYY-MM-DD" string member. *present (may be NULL) says it was there. */
int tl_json_date(const json_t *obj, const char *key, const char *path,
                 int required, tl_date *out, int *present, tl_err *err);

/* An integer member within [min, max]. */
int tl_json_int(const json_t *obj, const char *key, const char *path,
                int required, int64_t min, int64_t max, int64_t *out,
                int *present, tl_err *err);

/* An amount member written as a decimal string ("1150.00") in currency
 * cur; numbers are refused so that no float ever carries money. */
int tl_json_amount(const json_t *obj, const char *key, const char *path,
                   int required, const char *cur, tl_money *out, int *present,
                   tl_err *err);

/* An array member; *out is NULL when absent and optional. min_items and
 * max_items bound its length (max 0: no bound). */
int tl_json_array(const json_t *obj, const char *key, const char *path,
                  int required, size_t min_items, size_t max_items,
                  const json_t **out, tl_err *err);

/* An object member; *out is NULL when absent and optional. */
int tl_json_object(const json_t *obj, const char *key, const char *path,
                   int required, const json_t **out, tl_err *err);

/* Adds an "unknown_field" problem for each member of obj whose key is not
 * in the NULL-terminated list allowed. */
int tl_json_only_keys(const json_t *obj, const char *path,
                      const char *const *allowed, tl_err *err);

/* Serializes value canonically (sorted keys, compact) into a malloc'ed
 * string, for content hashes. NULL when memory runs out. */
char *tl_json_canonical(const json_t *value);

/* Writes value to stdout, indented, with a final newline. Returns 0 or
 * TL_ERROR. Only for front ends (the CLI); libraries never print. */
int tl_json_print(const json_t *value);

#endif
