/*
 * provisioning/ internals shared by inventory.c and milestones.c.
 */
#ifndef PROVISIONING_INTERNAL_H
#define PROVISIONING_INTERNAL_H

#include <stdint.h>

#include "common/db.h"
#include "common/err.h"

/* Counts an order's services not yet installed (*pending) and installed but
 * not yet accepted (*installed). */
int provisioning_count_open(int *pending, int *installed, tl_db *db,
                            int64_t account_id, int64_t order_id, tl_err *err);

#endif
