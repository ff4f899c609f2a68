/*
 * tl_err: the headline plus a growable list of problems. The list is capped
 * at TL_ERR_MAX_PROBLEMS so that a hostile file with a million bad rows
 * cannot exhaust memory; problems past the cap are only counted.
 */
#include "common/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_str(char *dst, size_t size, const char *src)
{
    if (src == NULL)
        src = "";
    snprintf(dst, size, "%s", src);
}

void tl_err_init(tl_err *err)
{
    memset(err, 0, sizeof(*err));
}

void tl_err_clear(tl_err *err)
{
    if (err == NULL)
        return;
    free(err->problems);
    tl_err_init(err);
}

int tl_err_set(tl_err *err, int status, const char *code, const char *field,
               const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return status;
    err->status = status;
    copy_str(err->code, sizeof(err->code), code);
    copy_str(err->field, sizeof(err->field), field);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return status;
}

static tl_problem *append_problem(tl_err *err)
{
    tl_problem *grown;
    size_t cap;

    if (err->n_problems >= TL_ERR_MAX_PROBLEMS)
        return NULL;
    if (err->n_problems == err->cap_problems) {
        cap = err->cap_problems ? err->cap_problems * 2 : 8;
        if (cap > TL_ERR_MAX_PROBLEMS)
            cap = TL_ERR_MAX_PROBLEMS;
        grown = realloc(err->problems, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        err->problems = grown;
        err->cap_problems = cap;
    }
    return &err->problems[err->n_problems++];
}

int tl_err_vadd(tl_err *err, const char *code, const char *field,
                const char *fmt, va_list ap)
{
    tl_problem *p;

    if (err == NULL)
        return TL_EINVALID;
    p = append_problem(err);
    if (p == NULL) {
        err->n_dropped++;
        return TL_EINVALID;
    }
    copy_str(p->code, sizeof(p->code), code);
    copy_str(p->field, sizeof(p->field), field);
    vsnprintf(p->message, sizeof(p->message), fmt, ap);
    if (err->n_problems == 1) {
        err->status = TL_EINVALID;
        memcpy(err->code, p->code, sizeof(err->code));
        memcpy(err->field, p->field, sizeof(err->field));
        memcpy(err->message, p->message, sizeof(err->message));
    }
    return TL_EINVALID;
}

int tl_err_add(tl_err *err, const char *code, const char *field,
               const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = tl_err_vadd(err, code, field, fmt, ap);
    va_end(ap);
    return rc;
}

int tl_err_has_problems(const tl_err *err)
{
    return err != NULL && (err->n_problems > 0 || err->n_dropped > 0);
}

int tl_err_copy(tl_err *dst, const tl_err *src)
{
    tl_err_clear(dst);
    dst->status = src->status;
    memcpy(dst->code, src->code, sizeof(dst->code));
    memcpy(dst->field, src->field, sizeof(dst->field));
    memcpy(dst->message, src->message, sizeof(dst->message));
    dst->n_dropped = src->n_dropped;
    if (src->n_problems == 0)
        return 0;
    dst->problems = malloc(src->n_problems * sizeof(tl_problem));
    if (dst->problems == NULL)
        return TL_ERROR;
    memcpy(dst->problems, src->problems, src->n_problems * sizeof(tl_problem));
    dst->n_problems = src->n_problems;
    dst->cap_problems = src->n_problems;
    return 0;
}

const char *tl_status_name(int status)
{
    switch (status) {
    case TL_OK:
        return "ok";
    case TL_ERROR:
        return "error";
    case TL_EINVALID:
        return "invalid";
    case TL_ENOTFOUND:
        return "not_found";
    case TL_ECONFLICT:
        return "conflict";
    case TL_EDUPLICATE:
        return "duplicate";
    case TL_EOVERFLOW:
        return "overflow";
    case TL_ECURRENCY:
        return "currency_mismatch";
    case TL_ENEGATIVE:
        return "negative";
    case TL_ERETRY:
        return "retry";
    default:
        return "error";
    }
}

/* A small growable string for rendering; NULL-safe appends that remember
 * an allocation failure so the caller checks once at the end. */
typedef struct text_buf {
    char *s;
    size_t len;
    size_t cap;
    int failed;
} text_buf;

static void tb_append(text_buf *tb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tb_append(text_buf *tb, const char *fmt, ...)
{
    va_list ap;
    int need;
    char *grown;
    size_t cap;

    if (tb->failed)
        return;
    va_start(ap, fmt);
    need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0) {
        tb->failed = 1;
        return;
    }
    if (tb->len + (size_t)need + 1 > tb->cap) {
        cap = (tb->cap ? tb->cap : 256);
        while (cap < tb->len + (size_t)need + 1)
            cap *= 2;
        grown = realloc(tb->s, cap);
        if (grown == NULL) {
            tb->failed = 1;
            return;
        }
        tb->s = grown;
        tb->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(tb->s + tb->len, tb->cap - tb->len, fmt, ap);
    va_end(ap);
    tb->len += (size_t)need;
}

char *tl_err_to_text(const tl_err *err)
{
    text_buf tb = {NULL, 0, 0, 0};
    size_t i;

    if (err->n_problems > 1 || err->n_dropped > 0) {
        tb_append(&tb, "%zu problems found:\n",
                  err->n_problems + err->n_dropped);
        for (i = 0; i < err->n_problems; i++) {
            const tl_problem *p = &err->problems[i];
            tb_append(&tb, "  %s%s%s [%s]\n", p->field, p->field[0] ? ": " : "",
                      p->message, p->code);
        }
        if (err->n_dropped > 0)
            tb_append(&tb, "  ... and %zu more\n", err->n_dropped);
    } else {
        tb_append(&tb, "%s%s%s [%s]\n", err->field, err->field[0] ? ": " : "",
                  err->message[0] ? err->message : "unexpected error",
                  err->code[0] ? err->code : tl_status_name(err->status));
    }
    if (tb.failed) {
        free(tb.s);
        return NULL;
    }
    return tb.s;
}

static json_t *problem_json(const char *code, const char *field,
                            const char *message)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    if (json_object_set_new(o, "code", json_string(code)) != 0 ||
        json_object_set_new(o, "message", json_string(message)) != 0 ||
        (field[0] != '\0' &&
         json_object_set_new(o, "field", json_string(field)) != 0)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *tl_err_to_json(const tl_err *err)
{
    json_t *o = NULL;
    json_t *list = NULL;
    size_t i;

    o = problem_json(err->code[0] ? err->code : tl_status_name(err->status),
                     err->field,
                     err->message[0] ? err->message : "unexpected error");
    if (o == NULL)
        goto fail;
    if (json_object_set_new(o, "status",
                            json_string(tl_status_name(err->status))) != 0)
        goto fail;
    if (err->n_problems == 0)
        return o;
    list = json_array();
    if (list == NULL)
        goto fail;
    for (i = 0; i < err->n_problems; i++) {
        const tl_problem *p = &err->problems[i];
        if (json_array_append_new(
                list, problem_json(p->code, p->field, p->message)) != 0)
            goto fail;
    }
    if (json_object_set_new(o, "errors", list) != 0) {
        list = NULL;
        goto fail;
    }
    if (err->n_dropped > 0 &&
        json_object_set_new(o, "errors_dropped",
                            json_integer((json_int_t)err->n_dropped)) != 0)
        goto fail;
    return o;
fail:
    json_decref(list);
    json_decref(o);
    return NULL;
}
