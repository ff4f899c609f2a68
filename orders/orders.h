/*
 * orders: sales-order intake (TMF622 ProductOrder JSON), validation and the
 * order lifecycle.
 *
 * Lifecycle. States and the transitions allowed between them, enforced in
 * one place (lifecycle.c) and recorded with who, when and why:
 *   draft             -> submitted, cancelled
 *   submitted         -> accepted, rejected, held, cancelled
 *   held              -> submitted, cancelled
 *   accepted          -> in_provisioning, held, cancelled
 *   in_provisioning   -> installed, held, cancelled
 *   installed         -> customer_accepted
 *   customer_accepted -> billing
 *   billing           -> completed
 * rejected, completed and cancelled are final.
 */
#ifndef ORDERS_H
#define ORDERS_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"

typedef struct orders_order {
    int64_t account_id;
    int64_t order_id;
    char order_number[24];
    char external_id[72];
    char account_number[40];
    char state[24];
    tl_date requested_start_date;
} orders_order_t;

typedef struct orders_submit_result {
    orders_order_t order;
    int created; /* 1 new order, 0 the same order was submitted before */
} orders_submit_result;

/* Validates a TMF622 ProductOrder and, when it is valid, stores it in state
 * submitted in one transaction. On TL_EINVALID err lists every problem with
 * its JSON path and nothing is written. Submitting the same document again
 * (same billing account and externalId, same content) returns the stored
 * order with created 0; the same externalId with other content is
 * TL_EDUPLICATE. */
int orders_submit(orders_submit_result *out, tl_db *db, const json_t *doc,
                  const char *actor, tl_err *err);

/* Validation only: every problem into err (TL_EINVALID), nothing written.
 * Returns 0 for a valid order. */
int orders_validate(tl_db *db, const json_t *doc, tl_err *err);

/* Finds an order by its number (SO-nnnnnnnn). TL_ENOTFOUND otherwise. */
int orders_get(orders_order_t *out, tl_db *db, const char *order_number,
               tl_err *err);

/* Moves an order to to_state if the lifecycle allows it from its current
 * state, recording actor and reason. Moving to the state it is already in
 * is a no-op returning 0 (idempotent). TL_ECONFLICT when not allowed,
 * TL_EINVALID for an unknown state name. */
int orders_transition(tl_db *db, int64_t account_id, int64_t order_id,
                      const char *to_state, const char *actor,
                      const char *reason, tl_err *err);

/* True when the lifecycle allows from -> to. */
int orders_transition_allowed(const char *from, const char *to);

/* Accepts a submitted order (submitted -> accepted). */
int orders_accept(orders_order_t *out, tl_db *db, const char *order_number,
                  const char *actor, tl_err *err);

typedef struct orders_item_code {
    const char *item_id;
    const char *product_id;
    int64_t address_id;
    const char *code;
    int quantity;
} orders_item_code_t;

/* Calls fn for each service code of each item of an order, ordered by item
 * then code. Returns the number of rows or a negative status. */
typedef int (*orders_item_code_fn)(const orders_item_code_t *row, void *cls,
                                   tl_err *err);
int orders_item_codes(tl_db *db, int64_t account_id, int64_t order_id,
                      orders_item_code_fn fn, void *cls, tl_err *err);

typedef struct orders_state_change {
    int seq;
    const char *from_state; /* NULL for the first */
    const char *to_state;
    const char *actor;
    const char *reason;
    const char *changed_at;
} orders_state_change_t;

/* Calls fn for each recorded transition of an order, oldest first. */
typedef int (*orders_history_fn)(const orders_state_change_t *row, void *cls,
                                 tl_err *err);
int orders_history(tl_db *db, int64_t account_id, int64_t order_id,
                   orders_history_fn fn, void *cls, tl_err *err);

#endif
