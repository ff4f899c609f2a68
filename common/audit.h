/*
 * The audit trail (audit.event): who changed what and when, with the values
 * before and after. Bulk work (a bill run, a file load) is one event with
 * its counts and totals, never one per generated row.
 */
#ifndef TL_AUDIT_H
#define TL_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"

/* Records one event in the caller's transaction. account_id 0 means none;
 * before and after may be NULL (they are not stolen). Returns 0 or a
 * negative status. */
int tl_audit(tl_db *db, const char *actor, const char *action,
             const char *entity, const char *entity_key, int64_t account_id,
             const json_t *before, const json_t *after, tl_err *err);

#endif
