/*
 * What the catalog source files share and nobody else sees: decimal
 * parsing, the normalised form of a product's characteristics, and the
 * checks and writers of each section of a catalog document.
 */
#ifndef CATALOG_INTERNAL_H
#define CATALOG_INTERNAL_H

#include "catalog/catalog.h"

/* The tax categories of service codes, and of tax rules. */
#define CATALOG_TAX_CATEGORIES                                                 \
    "telecom, internet, equipment, installation or managed"

/* True when s is one of the tax categories. */
int catalog_tax_category_known(const char *s);

/* Parses s[0..len) as a non-negative decimal with at most `decimals`
 * fraction digits, scaled by 10^decimals ("1.5", 3 -> 1500). Returns 0,
 * or TL_EINVALID for junk, too many decimals or a value above max. */
int catalog_decimal_parse(int64_t *out, const char *s, size_t len, int decimals,
                          int64_t max);

/* A percentage string ("6.5", at most 4 decimals, 0..100) as ppm. */
int catalog_percent_parse(int64_t *out, const char *s);

/* Validates the characteristics and rules of a product entry at path
 * (e.g. "products[2]") and builds their normalised JSON form (*defs_out,
 * *rules_out: new references, NULL when the entry has no such member).
 * Problems go to err. */
void catalog_defs_normalize(json_t **defs_out, json_t **rules_out,
                            const json_t *product, const char *path,
                            tl_err *err);

/* The definition named name in a normalised array, or NULL. */
const json_t *catalog_def_find(const json_t *defs, const char *name);

/* Validates the taxRules array of a document (problems at taxRules[i]). */
void catalog_tax_rules_validate(const json_t *rules, tl_err *err);

/* Stores the validated taxRules inside the caller's transaction, adding
 * "conflict" problems for stored rows with other values. */
int catalog_tax_rules_write(tl_db *db, const json_t *rules,
                            catalog_load_result *res, tl_err *err);

/* Reads the characteristics and rules stored for a product in the
 * normalised form (new references; empty arrays when none). */
int catalog_defs_read(json_t **defs, json_t **rules, tl_db *db,
                      const char *product_id, tl_err *err);

/* Stores one list price in the caller's transaction: added, unchanged, or
 * a "conflict" problem at path. amount is the validated decimal text. */
int catalog_price_write(tl_db *db, const char *code, const char *currency,
                        const char *amount, const char *from, const char *path,
                        catalog_load_result *res, tl_err *err);

/* A number in the canonical JSON form of a numeric value type: a JSON
 * integer for "integer", a bandwidth string for "bandwidth". */
json_t *catalog_number_json(const char *value_type, int64_t v);

/* Validates placeRoles of a product entry; *out is a new reference to the
 * roles (["serviceAddress"] when absent), NULL when they were bad. */
void catalog_place_roles_normalize(json_t **out, const json_t *product,
                                   const char *path, tl_err *err);

/* Stores one validated product entry with its characteristics, rules and
 * components inside the caller's transaction. */
int catalog_product_write(tl_db *db, const json_t *prod, const char *path,
                          catalog_load_result *res, tl_err *err);

/* Adds the "conflict" problem for what at path and returns 0. */
int catalog_conflict(tl_err *err, const char *path, const char *what);

#endif
