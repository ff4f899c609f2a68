/*
 * provisioning/ internals shared by its source files.
 */
#ifndef PROVISIONING_INTERNAL_H
#define PROVISIONING_INTERNAL_H

#include <stdint.h>

#include "common/db.h"
#include "common/err.h"

/* An order item as provisioning works it: what it does and to which
 * service. */
typedef struct prov_item {
    int64_t account_id;
    int64_t order_id;
    char order_number[24];
    char order_state[24];
    char item_id[72];
    char action[8];       /* add, modify, delete */
    char change_kind[12]; /* add, change, move, disconnect */
    char product_id[40];
    char family[16];
    int64_t service_id; /* 0 when the item has no service (yet) */
    char circuit_id[48];
    int has_due;
    tl_date due_date;
} prov_item_t;

/* Copies a non-NULL text column into dst. */
int prov_copy_text(char *dst, size_t size, const tl_row *row, const char *col,
                   tl_err *err);

/* Finds an order item. TL_ENOTFOUND when the order or item is unknown. */
int prov_item_get(prov_item_t *out, tl_db *db, const char *order_number,
                  const char *item_id, tl_err *err);

/* The order's only item (TL_EINVALID "ambiguous" when several). */
int prov_item_only(prov_item_t *out, tl_db *db, const char *order_number,
                   tl_err *err);

/* The order item a milestone of kind for a circuit goes to (see
 * provisioning_record_milestone). */
int prov_item_for_circuit(prov_item_t *out, tl_db *db, const char *circuit_id,
                          const char *kind, tl_err *err);

/* Records a milestone for an item inside the caller's transaction. */
int prov_milestone_tx(tl_db *db, const prov_item_t *item, const char *kind,
                      tl_date date, const char *actor, int automatic,
                      tl_err *err);

/* Appends a version (a snapshot of the service row and its codes as they
 * are now) effective on a day; order_id 0 for none. */
int prov_add_version(tl_db *db, int64_t account_id, int64_t service_id,
                     const char *kind, tl_date effective, int64_t order_id,
                     const char *item_id, const char *actor, tl_err *err);

/* Applies a change or move item to its service effective `on`. */
int prov_apply_change(tl_db *db, const prov_item_t *item, tl_date on,
                      const char *actor, tl_err *err);

/* Creates the tasks of an order's items (idempotent); *created the count
 * added. D is the order's due date, or `today` without one. */
int prov_create_tasks(int *created, tl_db *db, int64_t account_id,
                      int64_t order_id, tl_err *err);

/* Counts an order's items not yet installed or disconnected (*pending)
 * and add items installed but not yet accepted (*installed), and whether
 * it has any item other than a disconnect (*non_disconnect). */
int provisioning_count_open(int *pending, int *installed, int *non_disconnect,
                            tl_db *db, int64_t account_id, int64_t order_id,
                            tl_err *err);

#endif
