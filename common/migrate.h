/*
 * Schema migrations: sql/NNNN_name.sql files applied in version order, each
 * once, each in its own transaction, recorded in common.schema_migration
 * with the SHA-256 of the file's bytes. A file that changed after it was
 * applied stops everything with TL_ECONFLICT: applied migrations are never
 * edited, only followed by new ones.
 */
#ifndef TL_MIGRATE_H
#define TL_MIGRATE_H

#include <stddef.h>

#include "common/db.h"
#include "common/err.h"

typedef struct tl_migration {
    int version;         /* NNNN from the file name */
    char name[128];      /* file name, e.g. "0001_common.sql" */
    char checksum[65];   /* SHA-256 hex of the file ("" if file missing) */
    int applied;         /* recorded in the ledger */
    char applied_at[40]; /* ledger timestamp, "" when pending */
    int changed;         /* applied, but the file's checksum differs */
    int missing;         /* in the ledger, but no such file any more */
} tl_migration;

/* The folder holding the migrations: $TRUNKLINE_SQL_DIR, else sql/ under
 * $TRUNKLINE_HOME, else the sql/ folder of the source tree. */
const char *tl_migrate_default_dir(void);

/* Lists files and ledger rows merged, ordered by version. *out is a malloc'ed
 * array of *n entries (free with free()); NULL on failure. Returns 0, or
 * TL_EINVALID for a badly named file or two files with one version, or a
 * database status. */
int tl_migrate_status(tl_migration **out, size_t *n, tl_db *db, const char *dir,
                      tl_err *err);

/* Applies every pending migration in order. *applied receives how many
 * were applied (also on failure: those before the failing one stay). Each
 * runs in its own transaction under an advisory lock, so two migrators
 * never race. Returns 0, TL_ECONFLICT when an applied file changed (nothing
 * is applied then), or the failing migration's status with err naming the
 * file. */
int tl_migrate_apply(size_t *applied, tl_db *db, const char *dir, tl_err *err);

#endif
