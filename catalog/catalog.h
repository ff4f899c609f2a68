/*
 * catalog: products, the service codes they are sold as, and effective-dated
 * list prices. A price holds from its effective date until the next one for
 * the same code and currency; loading never rewrites a stored price.
 */
#ifndef CATALOG_H
#define CATALOG_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

typedef struct catalog_load_result {
    int products_added;
    int codes_added;
    int prices_added;
    int unchanged; /* rows already present with the same values */
} catalog_load_result;

/* Loads a catalog document {serviceCodes: [...], products: [...]} (format
 * in README). Validates everything first and writes nothing when any row is
 * bad (TL_EINVALID, every problem with its path); a row that exists with
 * other values is a "conflict" problem, since history is never rewritten.
 * Loading the same document again changes nothing (all rows "unchanged"). */
int catalog_load(catalog_load_result *out, tl_db *db, const json_t *doc,
                 const char *actor, tl_err *err);

typedef struct catalog_code {
    char code[40];
    char name[128];
    char charge_kind[4]; /* "MRC" or "NRC" */
} catalog_code_t;

/* Whether a product exists (*exists 1 or 0). */
int catalog_product_exists(int *exists, tl_db *db, const char *product_id,
                           tl_err *err);

/* Calls fn for each service code of a product, in code order. Returns the
 * number of codes (0 for an unknown product) or a negative status. */
typedef int (*catalog_code_fn)(const catalog_code_t *code, void *cls,
                               tl_err *err);
int catalog_product_codes(tl_db *db, const char *product_id, catalog_code_fn fn,
                          void *cls, tl_err *err);

/* Looks up one service code. TL_ENOTFOUND when unknown. */
int catalog_code_get(catalog_code_t *out, tl_db *db, const char *code,
                     tl_err *err);

/* The list price of code in currency in force on date `on`. TL_ENOTFOUND
 * when the code has no price in that currency on that date. */
int catalog_list_price(tl_money *out, tl_db *db, const char *code,
                       const char *currency, tl_date on, tl_err *err);

#endif
