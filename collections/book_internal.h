/*
 * Helpers shared by the book's files (disputes, promises, dunning, work
 * queue, shutout, contacts); not part of the public API.
 */
#ifndef COLLECTIONS_BOOK_INTERNAL_H
#define COLLECTIONS_BOOK_INTERNAL_H

#include <jansson.h>
#include <stdio.h>

#include "collections/book.h"
#include "common/audit.h"
#include "common/db.h"
#include "common/err.h"

/* collections_promises_evaluate, with the audit event left to the caller
 * when audit is 0 (a dunning run records one event for all it did). */
int book_promises_evaluate(collections_promise_eval *out, tl_db *db,
                           tl_date as_of, const char *actor, int audit,
                           tl_err *err);

/* Records an audit event keyed by a number, taking ownership of before
 * and after (either may be NULL). A NULL from a failed json_pack where
 * one was meant is TL_ERROR. Returns 0 or a negative status. */
static inline int book_audit(tl_db *db, const char *actor, const char *action,
                             const char *entity, int64_t key,
                             int64_t account_id, json_t *before, json_t *after,
                             tl_err *err)
{
    char text[32];
    int rc;

    snprintf(text, sizeof(text), "%lld", (long long)key);
    if (after == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    else
        rc = tl_audit(db, actor, action, entity, text, account_id, before,
                      after, err);
    json_decref(before);
    json_decref(after);
    return rc;
}

/* "YYYY-MM-DD" into a static-size buffer the caller provides. */
static inline const char *book_date(char buf[16], tl_date d)
{
    if (tl_date_format(buf, 16, d) < 0)
        snprintf(buf, 16, "?");
    return buf;
}

#endif
