/*
 * Parts of common/db.c for the rest of common/ (the migration runner) and
 * for tests of the database layer; modules never include this file.
 */
#ifndef TL_DB_INTERNAL_H
#define TL_DB_INTERNAL_H

#include "common/db.h"
#include "common/err.h"

/* Reloads the map from constraint to user message (COMMENT ON CONSTRAINT
 * ... IS 'field: message', and comments on unique indexes) from the
 * catalog. A connection loads it once when it connects, because a
 * violation is usually seen inside a transaction that is then aborted and
 * can no longer read the catalog; whoever changes constraints or their
 * comments on a live connection (migrations, test set-up) reloads it.
 * tl_db_exec_script does so by itself when it ran outside a transaction.
 * Must not be called in an aborted transaction. Returns 0 (the old map is
 * kept on failure) or a negative status with err filled. */
int tl_db_reload_constraints(tl_db *db, tl_err *err);

#endif
