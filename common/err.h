/*
 * Errors: a status code, a stable machine-readable code string, a message
 * and a field path, plus a list of problems when validation finds several.
 *
 * Library code never prints; it fills a caller-owned tl_err and returns a
 * negative status. The CLI and the server render the tl_err as text or JSON.
 * The first problem added also becomes the headline (code, field, message),
 * so a caller that only looks at the headline still sees something useful.
 */
#ifndef TL_ERR_H
#define TL_ERR_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

/* Return statuses shared by every module. 0 is success. */
enum {
    TL_OK = 0,
    TL_ERROR = -1,      /* unexpected: a bug, I/O or server failure */
    TL_EINVALID = -2,   /* bad input; problems[] says what and where */
    TL_ENOTFOUND = -3,  /* a referenced thing does not exist */
    TL_ECONFLICT = -4,  /* the request contradicts stored state */
    TL_EDUPLICATE = -5, /* the thing already exists (idempotency) */
    TL_EOVERFLOW = -6,  /* an amount or count is out of range */
    TL_ECURRENCY = -7,  /* amounts in different currencies were mixed */
    TL_ENEGATIVE = -8,  /* a result would be negative where not allowed */
    TL_ERETRY = -9      /* serialization failure/deadlock: retry the tx */
};

#define TL_ERR_CODE_MAX 48
#define TL_ERR_FIELD_MAX 192
#define TL_ERR_MSG_MAX 384
#define TL_ERR_MAX_PROBLEMS 256

typedef struct tl_problem {
    char code[TL_ERR_CODE_MAX];   /* stable code, e.g. "required" */
    char field[TL_ERR_FIELD_MAX]; /* path, e.g. "productOrderItem[0].id" */
    char message[TL_ERR_MSG_MAX]; /* a sentence a person can act on */
} tl_problem;

typedef struct tl_err {
    int status;                   /* the TL_E* status, 0 when clear */
    char code[TL_ERR_CODE_MAX];   /* headline code */
    char field[TL_ERR_FIELD_MAX]; /* headline field path, may be "" */
    char message[TL_ERR_MSG_MAX]; /* headline message */
    tl_problem *problems;         /* all problems, owned by the tl_err */
    size_t n_problems;
    size_t cap_problems;
    size_t n_dropped; /* problems past TL_ERR_MAX_PROBLEMS, counted only */
} tl_err;

#define TL_ERR_INIT                                                            \
    {                                                                          \
        0, "", "", "", NULL, 0, 0, 0                                           \
    }

/* Sets *err to the empty state; it owns nothing yet. */
void tl_err_init(tl_err *err);

/* Frees the problem list and returns *err to the empty state. NULL-safe. */
void tl_err_clear(tl_err *err);

/* Sets the headline (status, code, field, message) and returns status, so a
 * caller can write `return tl_err_set(err, TL_ENOTFOUND, ...)`. The problem
 * list is left as it is. A NULL err is allowed and ignored. */
int tl_err_set(tl_err *err, int status, const char *code, const char *field,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends one problem and, for the first one, sets the headline with status
 * TL_EINVALID. Returns TL_EINVALID. The field may be NULL or "". */
int tl_err_add(tl_err *err, const char *code, const char *field,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* As tl_err_add, with a va_list. */
int tl_err_vadd(tl_err *err, const char *code, const char *field,
                const char *fmt, va_list ap);

/* True when at least one problem has been added. */
int tl_err_has_problems(const tl_err *err);

/* Copies src's headline and problems into dst (dst is cleared first).
 * Returns 0, or TL_ERROR when memory runs out. */
int tl_err_copy(tl_err *dst, const tl_err *src);

/* Renders the error as text: the headline, then one line per problem
 * ("  field: message [code]"). Returns a malloc'ed string the caller frees,
 * or NULL when memory runs out. */
char *tl_err_to_text(const tl_err *err);

/* Renders the error as one JSON object {status, code, message, field?,
 * errors[]?} with errors[] holding {code, field, message}. Returns a new
 * reference the caller decrefs, or NULL when memory runs out. */
json_t *tl_err_to_json(const tl_err *err);

/* A short stable name for a status, e.g. "invalid" for TL_EINVALID. */
const char *tl_status_name(int status);

#endif
