/*
 * orders/ internals shared by intake.c and validate.c: the order document
 * as validation reads it, before anything is written.
 */
#ifndef ORDERS_INTERNAL_H
#define ORDERS_INTERNAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts/accounts.h"
#include "common/db.h"
#include "common/err.h"

#define ORDERS_MAX_ITEMS 200

typedef struct order_item_doc {
    const char *id;
    const char *action;
    const char *product_id;
    int64_t quantity;
    int64_t address_id;
    json_t *characteristics; /* owned: {name: value} */
} order_item_doc;

typedef struct order_doc {
    const char *external_id;
    const char *account_number;
    tl_date requested_start;
    accounts_account_t account;
    size_t n_items;
    order_item_doc items[ORDERS_MAX_ITEMS];
} order_doc;

/* Reads and checks a TMF622 ProductOrder received on day `received` into d
 * (which the caller frees with order_doc_free, also on failure). Every problem
 * goes into err with its JSON path; returns TL_EINVALID when there was any, or
 * a database status when a lookup failed. */
int order_doc_read(order_doc *d, tl_db *db, const json_t *doc, tl_date received,
                   tl_err *err);

void order_doc_free(order_doc *d);

/* Writes the items of d, with their service codes, under an order. */
int order_items_write(tl_db *db, int64_t account_id, int64_t order_id,
                      const order_doc *d, tl_err *err);

#endif
