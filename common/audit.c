/*
 * audit.event writer.
 */
#include "common/audit.h"

#include <stdlib.h>

int tl_audit(tl_db *db, const char *actor, const char *action,
             const char *entity, const char *entity_key, int64_t account_id,
             const json_t *before, const json_t *after, tl_err *err)
{
    char *before_text = NULL;
    char *after_text = NULL;
    tl_params p;
    int rc;

    if (before != NULL)
        before_text = json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS);
    if (after != NULL)
        after_text = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
    if ((before != NULL && before_text == NULL) ||
        (after != NULL && after_text == NULL)) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    tl_params_init(&p);
    tl_params_text(&p, actor);
    tl_params_text(&p, action);
    tl_params_text(&p, entity);
    tl_params_text(&p, entity_key);
    if (account_id > 0)
        tl_params_int64(&p, account_id);
    else
        tl_params_null(&p);
    tl_params_text(&p, before_text);
    tl_params_text(&p, after_text);
    rc = tl_db_exec(db, "audit_event_insert",
                    "INSERT INTO audit.event (actor, action, entity,"
                    " entity_key, account_id, before, after)"
                    " VALUES ($1, $2, $3, $4, $5::bigint, $6::jsonb,"
                    " $7::jsonb)",
                    &p, err);
    if (rc > 0)
        rc = 0;
cleanup:
    free(before_text);
    free(after_text);
    return rc;
}
