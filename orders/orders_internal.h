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
#include "catalog/catalog.h"
#include "common/db.h"
#include "common/err.h"
#include "orders/orders.h"

#define ORDERS_MAX_ITEMS 200

#define ORDERS_MAX_PLACES 2

/* One place of an item, in the role the catalog product gives it. */
typedef struct order_place {
    char role[24];
    int given;          /* the order had a place for this role */
    int64_t address_id; /* in the address master; 0 when not found */
    /* a complete address not in the master: intake raises a new-address
     * request for it (street holds "nr name", path the place's path) */
    int unknown;
    accounts_address_t address;
    char street[256];
    char path[TL_ERR_FIELD_MAX];
} order_place;

typedef struct order_item_doc {
    const char *id;
    const char *action;
    const char *product_id;
    int64_t quantity;
    int64_t address_id;
    int product_known; /* productOffering.id is in the catalog */
    char family[16];   /* the product's family, when known */
    /* modify/delete: the service acted on, and change, move or disconnect */
    const char *service_ref;
    char change_kind[12];
    orders_inventory_service_t service;
    /* places by the product's roles: [0] serviceAddress or aLocation,
     * [1] zLocation; address_id is places[0]'s */
    order_place places[ORDERS_MAX_PLACES];
    int n_places;
    int has_quoted_mrc;  /* itemPrice had a recurring price */
    tl_money quoted_mrc; /* its monthly total */
    int has_quoted_nrc;  /* itemPrice had a one-time price */
    tl_money quoted_nrc;
    json_t *characteristics; /* owned: {name: value} */
} order_item_doc;

typedef struct order_doc {
    const char *external_id;
    const char *account_number;
    tl_date requested_start;
    int has_requested_start; /* requestedStartDate read and valid */
    accounts_account_t account;
    char ae_ref[72];    /* account executive, "" when none is known */
    char agent_ref[72]; /* indirect agent, "" for a direct sale */
    size_t n_items;
    order_item_doc items[ORDERS_MAX_ITEMS];
} order_doc;

/* Reads and checks a TMF622 ProductOrder received on day `received` into d
 * (which the caller frees with order_doc_free, also on failure). Every problem
 * goes into err with its JSON path; returns TL_EINVALID when there was any, or
 * a database status when a lookup failed. */
int order_doc_read(order_doc *d, tl_db *db, const json_t *doc, tl_date received,
                   unsigned flags, tl_err *err);

void order_doc_free(order_doc *d);

/* Reads relatedParty into d (parties.c); d->account must be read first.
 * Problems go into err; a failed lookup sets *db_rc. */
void order_read_parties(order_doc *d, tl_db *db, const json_t *doc,
                        tl_date received, int *db_rc, tl_err *err);

/* Writes the items of d, with their service codes, under an order. */
int order_items_write(tl_db *db, int64_t account_id, int64_t order_id,
                      const order_doc *d, tl_err *err);

/* The checks beyond the document (rules.c): prices for every service code
 * and, unless flags has ORDERS_ALLOW_DUPLICATE, probable duplicates. */
void order_check_rules(const order_doc *d, tl_db *db, tl_date received,
                       unsigned flags, int *db_rc, tl_err *err);

/* Reads productOrderItem[].itemPrice into it (item_price.c); currency is
 * the account's ("" when unknown). */
void order_read_item_prices(order_item_doc *it, const json_t *item,
                            const char *path, const char *currency,
                            tl_err *err);

/* Raises a new-address request for each unknown service address of a
 * refused order and adds an "address_requested" line for it to problems
 * (feedback.c). */
void order_raise_address_requests(tl_db *db, const order_doc *d,
                                  const char *actor, tl_err *problems);

/* Reads product.place[] by the roles of catalog_product (NULL when it is
 * unknown: one serviceAddress) into it->places (places.c). */
void order_read_places(order_item_doc *it, tl_db *db, const json_t *product,
                       const char *product_path,
                       const catalog_product_t *catalog_product, int *db_rc,
                       tl_err *err);

/* Reads a modify or delete item's product.id (the circuit), checks the
 * service in inventory and sets it->service_ref, it->change_kind and, when
 * the item names none, its product and address from the service
 * (changes.c). item_path is "productOrderItem[i]". */
void order_read_service_item(order_doc *d, order_item_doc *it, tl_db *db,
                             const json_t *product, const char *item_path,
                             int *db_rc, tl_err *err);

/* Records an order refused at intake with its problems (feedback.c). */
int order_rejection_record(tl_db *db, const order_doc *d, const char *doc_text,
                           tl_date received, const char *actor,
                           const tl_err *problems, tl_err *err);

#endif
