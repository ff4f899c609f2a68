/*
 * JSON input helpers. Every reader adds a problem with the member's full
 * path and returns TL_EINVALID; it never stops the caller, which reads all
 * members and checks tl_err_has_problems once, so a user sees every problem
 * of a document at once.
 */
#include "common/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tl_json_load_buf(json_t **out, const char *buf, size_t len,
                     size_t max_bytes, tl_err *err)
{
    json_error_t jerr;

    *out = NULL;
    if (len > max_bytes)
        return tl_err_add(err, "too_large", "",
                          "document is %zu bytes; at most %zu are accepted",
                          len, max_bytes);
    *out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL) {
        char where[64];
        snprintf(where, sizeof(where), "line %d, column %d", jerr.line,
                 jerr.column);
        return tl_err_add(err, "json_syntax", where, "%s", jerr.text);
    }
    return 0;
}

/* Reads at most max_bytes + 1 bytes so that an oversized file is detected
 * without reading all of it. */
static int read_capped(char **out, size_t *len, FILE *f, size_t max_bytes)
{
    size_t cap = 64 * 1024;
    size_t n = 0;
    char *buf = malloc(cap);
    char *grown;
    size_t got;

    if (buf == NULL)
        return TL_ERROR;
    for (;;) {
        if (n == cap) {
            if (cap > max_bytes)
                break;
            cap *= 2;
            grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                return TL_ERROR;
            }
            buf = grown;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return TL_ERROR;
    }
    *out = buf;
    *len = n;
    return 0;
}

int tl_file_read(char **out, size_t *len, const char *path,
                 size_t max_bytes, tl_err *err)
{
    FILE *f = NULL;
    int rc;

    *out = NULL;
    *len = 0;
    if (strcmp(path, "-") == 0) {
        f = stdin;
    } else {
        f = fopen(path, "rb");
        if (f == NULL)
            return tl_err_set(err, TL_ENOTFOUND, "file_unreadable", path,
                              "cannot open %s: %s", path, strerror(errno));
    }
    rc = read_capped(out, len, f, max_bytes);
    if (rc < 0)
        rc = tl_err_set(err, TL_ERROR, "file_unreadable", path,
                        "cannot read %s", path);
    if (f != stdin)
        fclose(f);
    return rc;
}

int tl_json_load_file(json_t **out, const char *path, size_t max_bytes,
                      tl_err *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    rc = tl_file_read(&buf, &len, path, max_bytes, err);
    if (rc == 0)
        rc = tl_json_load_buf(out, buf, len, max_bytes, err);
    free(buf);
    return rc;
}

/* Both path builders go through a local buffer, so that buf may also be
 * the parent ("extend this path in place"). */
void tl_path_key(char *buf, size_t size, const char *parent, const char *key)
{
    char tmp[TL_ERR_FIELD_MAX];

    if (parent == NULL || parent[0] == '\0')
        snprintf(tmp, sizeof(tmp), "%s", key);
    else
        snprintf(tmp, sizeof(tmp), "%s.%s", parent, key);
    snprintf(buf, size, "%s", tmp);
}

void tl_path_index(char *buf, size_t size, const char *parent, size_t index)
{
    char tmp[TL_ERR_FIELD_MAX];

    snprintf(tmp, sizeof(tmp), "%s[%zu]", parent ? parent : "", index);
    snprintf(buf, size, "%s", tmp);
}

/* Looks a member up; reports "required" when it is absent (or null) and
 * required. Returns the member, or NULL when absent. */
static const json_t *member(const json_t *obj, const char *key,
                            const char *path, int required, int *bad,
                            tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

    *bad = 0;
    if (v != NULL && !json_is_null(v))
        return v;
    if (required) {
        tl_path_key(field, sizeof(field), path, key);
        tl_err_add(err, "required", field, "%s is required", key);
        *bad = 1;
    }
    return NULL;
}

static int type_problem(const char *path, const char *key, const char *want,
                        tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];

    tl_path_key(field, sizeof(field), path, key);
    return tl_err_add(err, "type", field, "%s must be %s", key, want);
}

int tl_json_str(const json_t *obj, const char *key, const char *path,
                int required, size_t max_len, const char **out, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    int bad;
    const json_t *v = member(obj, key, path, required, &bad, err);
    const char *s;

    *out = NULL;
    if (v == NULL)
        return bad ? TL_EINVALID : 0;
    if (!json_is_string(v))
        return type_problem(path, key, "a string", err);
    s = json_string_value(v);
    tl_path_key(field, sizeof(field), path, key);
    if (s[0] == '\0')
        return tl_err_add(err, "empty", field, "%s must not be empty", key);
    if (strlen(s) != json_string_length(v))
        return tl_err_add(err, "format", field,
                          "%s must not contain NUL characters", key);
    if (max_len > 0 && strlen(s) > max_len)
        return tl_err_add(err, "too_long", field,
                          "%s is longer than %zu characters", key, max_len);
    *out = s;
    return 0;
}

int tl_json_date(const json_t *obj, const char *key, const char *path,
                 int required, tl_date *out, int *present, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const char *s = NULL;
    int rc;

    *out = 0;
    if (present != NULL)
        *present = 0;
    rc = tl_json_str(obj, key, path, required, 10, &s, err);
    if (rc < 0 || s == NULL) {
        /* too_long already says it is not a plain date */
        return rc;
    }
    if (tl_date_parse(out, s) != 0) {
        tl_path_key(field, sizeof(field), path, key);
        return tl_err_add(err, "format", field,
                          "%s must be a date written YYYY-MM-DD, not \"%s\"",
                          key, s);
    }
    if (present != NULL)
        *present = 1;
    return 0;
}

int tl_json_int(const json_t *obj, const char *key, const char *path,
                int required, int64_t min, int64_t max, int64_t *out,
                int *present, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    int bad;
    const json_t *v = member(obj, key, path, required, &bad, err);
    json_int_t n;

    *out = 0;
    if (present != NULL)
        *present = 0;
    if (v == NULL)
        return bad ? TL_EINVALID : 0;
    if (!json_is_integer(v))
        return type_problem(path, key, "a whole number", err);
    n = json_integer_value(v);
    if (n < min || n > max) {
        tl_path_key(field, sizeof(field), path, key);
        return tl_err_add(err, "range", field,
                          "%s must be between %lld and %lld, not %lld", key,
                          (long long)min, (long long)max, (long long)n);
    }
    *out = (int64_t)n;
    if (present != NULL)
        *present = 1;
    return 0;
}

int tl_json_amount(const json_t *obj, const char *key, const char *path,
                   int required, const char *cur, tl_money *out, int *present,
                   tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    int bad;
    const json_t *v = member(obj, key, path, required, &bad, err);
    int rc;

    memset(out, 0, sizeof(*out));
    if (present != NULL)
        *present = 0;
    if (v == NULL)
        return bad ? TL_EINVALID : 0;
    tl_path_key(field, sizeof(field), path, key);
    if (!json_is_string(v))
        return tl_err_add(err, "type", field,
                          "%s must be a decimal string such as \"1150.00\" "
                          "(numbers are refused so no rounding creeps in)",
                          key);
    if (!tl_currency_known(cur))
        return tl_err_add(err, "currency", field,
                          "%s cannot be read: currency \"%s\" is unknown", key,
                          cur);
    rc = tl_money_parse(out, json_string_value(v), cur);
    if (rc == TL_EOVERFLOW)
        return tl_err_add(err, "overflow", field, "%s is too large", key);
    if (rc != 0)
        return tl_err_add(err, "format", field,
                          "%s must be a plain decimal amount with at most %d "
                          "decimals for %s, not \"%s\"",
                          key, tl_currency_exponent(cur), cur,
                          json_string_value(v));
    if (present != NULL)
        *present = 1;
    return 0;
}

int tl_json_array(const json_t *obj, const char *key, const char *path,
                  int required, size_t min_items, size_t max_items,
                  const json_t **out, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    int bad;
    const json_t *v = member(obj, key, path, required, &bad, err);
    size_t n;

    *out = NULL;
    if (v == NULL)
        return bad ? TL_EINVALID : 0;
    if (!json_is_array(v))
        return type_problem(path, key, "an array", err);
    n = json_array_size(v);
    tl_path_key(field, sizeof(field), path, key);
    if (n < min_items)
        return tl_err_add(err, "required", field,
                          "%s must have at least %zu item%s", key, min_items,
                          min_items == 1 ? "" : "s");
    if (max_items > 0 && n > max_items)
        return tl_err_add(err, "range", field,
                          "%s has %zu items; at most %zu are accepted", key, n,
                          max_items);
    *out = v;
    return 0;
}

int tl_json_object(const json_t *obj, const char *key, const char *path,
                   int required, const json_t **out, tl_err *err)
{
    int bad;
    const json_t *v = member(obj, key, path, required, &bad, err);

    *out = NULL;
    if (v == NULL)
        return bad ? TL_EINVALID : 0;
    if (!json_is_object(v))
        return type_problem(path, key, "an object", err);
    *out = v;
    return 0;
}

int tl_json_only_keys(const json_t *obj, const char *path,
                      const char *const *allowed, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const char *key;
    json_t *value;
    int rc = 0;
    size_t i;
    int known;

    if (!json_is_object(obj))
        return 0;
    json_object_foreach((json_t *)obj, key, value)
    {
        (void)value;
        known = 0;
        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(allowed[i], key) == 0) {
                known = 1;
                break;
            }
        }
        if (!known) {
            tl_path_key(field, sizeof(field), path, key);
            rc = tl_err_add(err, "unknown_field", field,
                            "%s is not a field we know here", key);
        }
    }
    return rc;
}

char *tl_json_canonical(const json_t *value)
{
    return json_dumps(value, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
}

int tl_json_print(const json_t *value)
{
    if (json_dumpf(value, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY) != 0)
        return TL_ERROR;
    fputc('\n', stdout);
    return 0;
}
