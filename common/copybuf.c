/*
 * COPY text-format rows in memory (see copybuf.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/copybuf.h"

void tl_copybuf_reset(tl_copybuf *b)
{
    b->len = 0;
    b->rows = 0;
    b->in_row = 0;
    b->oom = 0;
}

void tl_copybuf_free(tl_copybuf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* Room for `more` bytes and a terminating NUL. */
static int reserve(tl_copybuf *b, size_t more)
{
    size_t want = b->len + more + 1;
    size_t cap = b->cap ? b->cap : 4096;
    char *grown;

    if (b->oom)
        return -1;
    if (want <= b->cap)
        return 0;
    while (cap < want)
        cap *= 2;
    grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->oom = 1;
        return -1;
    }
    b->data = grown;
    b->cap = cap;
    return 0;
}

static void separate(tl_copybuf *b)
{
    if (b->in_row && reserve(b, 1) == 0)
        b->data[b->len++] = '\t';
    b->in_row = 1;
}

void tl_copybuf_null(tl_copybuf *b)
{
    separate(b);
    if (reserve(b, 2) == 0) {
        b->data[b->len++] = '\\';
        b->data[b->len++] = 'N';
    }
}

void tl_copybuf_text(tl_copybuf *b, const char *s)
{
    size_t n;
    size_t i;

    if (s == NULL) {
        tl_copybuf_null(b);
        return;
    }
    separate(b);
    n = strlen(s);
    if (reserve(b, 2 * n) != 0)
        return;
    for (i = 0; i < n; i++) {
        char c = s[i];

        switch (c) {
        case '\\':
            b->data[b->len++] = '\\';
            b->data[b->len++] = '\\';
            break;
        case '\t':
            b->data[b->len++] = '\\';
            b->data[b->len++] = 't';
            break;
        case '\n':
            b->data[b->len++] = '\\';
            b->data[b->len++] = 'n';
            break;
        case '\r':
            b->data[b->len++] = '\\';
            b->data[b->len++] = 'r';
            break;
        default:
            b->data[b->len++] = c;
        }
    }
}

void tl_copybuf_int64(tl_copybuf *b, int64_t v)
{
    separate(b);
    if (reserve(b, 24) == 0)
        b->len += (size_t)snprintf(b->data + b->len, 24, "%lld", (long long)v);
}

void tl_copybuf_int64_or_null(tl_copybuf *b, int64_t v)
{
    if (v == 0)
        tl_copybuf_null(b);
    else
        tl_copybuf_int64(b, v);
}

void tl_copybuf_date(tl_copybuf *b, int has, tl_date d)
{
    char day[16];

    if (!has) {
        tl_copybuf_null(b);
        return;
    }
    tl_date_format(day, sizeof(day), d);
    tl_copybuf_text(b, day);
}

void tl_copybuf_row(tl_copybuf *b)
{
    if (reserve(b, 1) == 0)
        b->data[b->len++] = '\n';
    b->in_row = 0;
    b->rows++;
}

int tl_copybuf_send(tl_copybuf *b, tl_db *db, const char *copy_sql, tl_err *err)
{
    int rc;

    if (b->oom)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    if (b->rows == 0)
        return 0;
    rc = tl_db_copy_begin(db, copy_sql, err);
    if (rc < 0)
        return rc;
    rc = tl_db_copy_put(db, b->data, b->len, err);
    if (rc < 0) {
        tl_db_copy_end(db, err);
        return rc;
    }
    return tl_db_copy_end(db, err);
}
