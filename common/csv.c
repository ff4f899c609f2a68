/*
 * CSV reading (see csv.h). One pass over the text with a small state
 * machine: outside quotes a comma ends a field and a line end ends the
 * record; inside quotes everything is data except a quote, which either
 * doubles (a literal quote) or closes the field. Each record's fields are
 * unescaped into one buffer as large as the record, so no field can
 * overflow it.
 */
#include "common/csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Finds where the record starting at pos ends (the index of its line end,
 * or len), honouring quotes, and counts the lines it spans. Only a quote
 * at the start of a field opens a quoted field, so a stray quote inside
 * an unquoted field (reported by split) cannot swallow the next lines. */
static size_t record_end(const char *text, size_t len, size_t pos, int *lines)
{
    int quoted = 0;
    int field_start = 1;
    size_t i;

    *lines = 1;
    for (i = pos; i < len; i++) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < len && text[i + 1] == '"')
                i++;
            else if (c == '"')
                quoted = 0;
            else if (c == '\n')
                (*lines)++;
            continue;
        }
        if (c == '\n')
            return i;
        if (c == '"' && field_start)
            quoted = 1;
        field_start = c == ',';
    }
    return len;
}

/* Splits s[0..n) into fields in buf. Returns the number of fields, or -1
 * with *why set for a malformed quote. */
static int split(const char *s, size_t n, char *buf, char **fields,
                 const char **why)
{
    size_t i = 0;
    size_t k = 0;
    int nf = 0;

    for (;;) {
        char *start = buf + k;
        if (i < n && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= n) {
                    *why = "a quoted field is not closed";
                    return -1;
                }
                if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
                    buf[k++] = '"';
                    i += 2;
                } else if (s[i] == '"') {
                    i++;
                    break;
                } else
                    buf[k++] = s[i++];
            }
            if (i < n && s[i] != ',') {
                *why = "text follows a closing quote";
                return -1;
            }
        } else {
            while (i < n && s[i] != ',') {
                if (s[i] == '"') {
                    *why = "a quote inside an unquoted field";
                    return -1;
                }
                buf[k++] = s[i++];
            }
        }
        buf[k++] = '\0';
        if (nf < TL_CSV_MAX_FIELDS)
            fields[nf] = start;
        nf++;
        if (i >= n)
            return nf;
        i++; /* the comma */
    }
}

int tl_csv_read(const char *text, size_t len, size_t max_record,
                tl_csv_record_fn fn, void *cls, tl_err *err)
{
    char *fields[TL_CSV_MAX_FIELDS];
    char field[TL_ERR_FIELD_MAX];
    char *buf = NULL;
    size_t pos = 0;
    int line = 1;
    int records = 0;
    int bad = 0;
    int rc = 0;

    /* every field adds its NUL: at most one per byte, plus one */
    buf = malloc(2 * max_record + 2);
    if (buf == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    while (pos < len) {
        int lines;
        size_t end = record_end(text, len, pos, &lines);
        size_t n = end - pos;
        const char *why = NULL;
        int nf;

        if (n > 0 && text[pos + n - 1] == '\r')
            n--;
        snprintf(field, sizeof(field), "row[%d]", line);
        if (memchr(text + pos, '\0', n) != NULL) {
            tl_err_add(err, "csv_syntax", field, "the row holds a NUL byte");
            bad = 1;
        } else if (n > max_record) {
            tl_err_add(err, "too_long", field,
                       "the row is longer than %zu bytes", max_record);
            bad = 1;
        } else if (n > 0) {
            nf = split(text + pos, n, buf, fields, &why);
            if (nf < 0) {
                tl_err_add(err, "csv_syntax", field, "%s", why);
                bad = 1;
            } else {
                rc = fn(line, fields, nf, cls, err);
                if (rc < 0)
                    break;
                records++;
            }
        }
        line += lines;
        pos = end < len ? end + 1 : end;
    }
    free(buf);
    if (rc < 0)
        return rc;
    return bad ? TL_EINVALID : records;
}
