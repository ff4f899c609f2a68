/*
 * catalog: products, the service codes they are sold as, and effective-dated
 * list prices. A price holds from its effective date until the next one for
 * the same code and currency; loading never rewrites a stored price.
 *
 * A product also carries the place roles its order items give (one
 * serviceAddress, or aLocation and zLocation for a private line), typed
 * characteristics with the values they allow, rules between them
 * (committedBandwidth not greater than portSpeed), and for each service
 * code optionally the integer characteristic that is its quantity
 * (SIP-PATH x callPaths). Tax and surcharge rules are effective-dated by
 * jurisdiction, tax code and charge category, like prices.
 *
 * Characteristic definitions and rules have one JSON form, the catalog
 * file's (README): [{"name", "valueType", "required", "allowedValues",
 * "min", "max", "multipleOf", "unit"}] and [{"rule": "notGreaterThan",
 * "characteristic", "other"}], with bandwidths written canonically
 * ("500 Mbps", "1 Gbps", "1.544 Mbps") and compared in kbps.
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
    int characteristics_added; /* definitions added to products */
    int rules_added;
    int tax_categories_added; /* codes stored without one that got one */
    int tax_rules_added;
    int unchanged; /* rows already present with the same values */
} catalog_load_result;

/* Loads a catalog document {serviceCodes: [...], products: [...],
 * taxRules: [...]} (format in README). Validates everything first and
 * writes nothing when any row is bad (TL_EINVALID, every problem with its
 * path); a row that exists with other values is a "conflict" problem,
 * since history is never rewritten. Characteristics, rules or a tax
 * category given for a product or code stored without any are additions.
 * Loading the same document again changes nothing (all rows "unchanged"). */
int catalog_load(catalog_load_result *out, tl_db *db, const json_t *doc,
                 const char *actor, tl_err *err);

/* Loads a CSV price list (header code,currency,amount,effectiveFrom; RFC
 * 4180 quoting) of text[0..len). Every bad row is reported at
 * "row[N].column" (N the line the row starts on) and nothing is loaded
 * then (TL_EINVALID); a stored price with another amount is a "conflict".
 * Fills prices_added and unchanged of *out. */
int catalog_load_prices_csv(catalog_load_result *out, tl_db *db,
                            const char *text, size_t len, const char *actor,
                            tl_err *err);

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

/* One service code an order item of a product sells. */
typedef struct catalog_item_code {
    catalog_code_t code;
    char nrc_category[16]; /* installation, construction, ... ("" for MRC) */
} catalog_item_code_t;

/* Calls fn for each service code an order item of product_id with
 * characteristics chars ({name: value}) sells: every component of the
 * product but those whose includedWhen characteristic is not true on the
 * item. In code order; returns the number of codes. */
typedef int (*catalog_item_code_fn)(const catalog_item_code_t *code,
                                    void *cls, tl_err *err);
int catalog_item_codes(tl_db *db, const char *product_id, const json_t *chars,
                       catalog_item_code_fn fn, void *cls, tl_err *err);

/* Looks up one service code. TL_ENOTFOUND when unknown. */
int catalog_code_get(catalog_code_t *out, tl_db *db, const char *code,
                     tl_err *err);

/* The list price of code in currency in force on date `on`. TL_ENOTFOUND
 * when the code has no price in that currency on that date. */
int catalog_list_price(tl_money *out, tl_db *db, const char *code,
                       const char *currency, tl_date on, tl_err *err);

typedef struct catalog_product {
    char id[40];
    char name[128];
    char family[16];
    char place_roles[4][24];
    int n_place_roles;
} catalog_product_t;

/* Looks up one product. TL_ENOTFOUND when unknown. */
int catalog_product_get(catalog_product_t *out, tl_db *db,
                        const char *product_id, tl_err *err);

/* The product in the catalog file's form {id, name, family, placeRoles,
 * serviceCodes, characteristics?, rules?} (the last two only when it has
 * any). *out is a new reference the caller decrefs, NULL on failure.
 * TL_ENOTFOUND when unknown. */
int catalog_product_describe(json_t **out, tl_db *db, const char *product_id,
                             tl_err *err);

/* Checks an order item's characteristics, given as a JSON object {name:
 * value} (values are JSON strings, numbers or booleans as a salesperson
 * wrote them), against the product's definitions and rules. Adds every
 * problem to err with path "<path>.<name>" (or "<path>" for a missing
 * required one, message naming it) and codes: "unknown_characteristic",
 * "required", "type", "not_allowed", "range", "multiple_of", "rule" (e.g.
 * "committedBandwidth (1 Gbps) cannot exceed portSpeed (500 Mbps)").
 * Returns 0 when the check ran (look at err for problems), a negative TL_E*
 * status on a database failure. Unknown product: returns TL_ENOTFOUND
 * without adding problems or touching err. */
int catalog_check_characteristics(tl_db *db, const char *product_id,
                                  const json_t *chars, const char *path,
                                  tl_err *err);

/* As catalog_check_characteristics, against definitions and rules in the
 * JSON form above (either may be NULL for none), without a database. */
void catalog_check_defs(const json_t *defs, const json_t *rules,
                        const json_t *chars, const char *path, tl_err *err);

/* Parses a characteristic value as a number of the given value type:
 * "integer" -> the integer (a JSON integer or a string of digits with an
 * optional leading '-'); "bandwidth" -> kbps (a JSON number of Mbps, or a
 * string "500 Mbps", "1 Gbps", "1.544 Mbps", "64 kbps", "500"; positive,
 * at most 3 decimals of Mbps). 0 ok, TL_EINVALID otherwise (*out is 0). */
int catalog_value_number(int64_t *out, const char *value_type,
                         const json_t *value);

/* Writes kbps canonically: "10 Gbps", "500 Mbps", "1.544 Mbps", "64
 * kbps". Returns the length, or TL_ERROR when buf is too small (32 bytes
 * always suffice). */
int catalog_bandwidth_format(char *buf, size_t size, int64_t kbps);

/* ---- prices ---- */

typedef struct catalog_price {
    char code[40];
    tl_date effective_from;
    tl_money amount;
} catalog_price_t;

typedef int (*catalog_price_fn)(const catalog_price_t *price, void *cls,
                                tl_err *err);

/* Calls fn for every stored price of code (of every code when code is
 * NULL; in currency, or in every currency when currency is NULL), by
 * code, currency and date. Returns the count (0 for an unknown code or
 * currency) or a negative status. */
int catalog_price_history(tl_db *db, const char *code, const char *currency,
                          catalog_price_fn fn, void *cls, tl_err *err);

/* ---- taxes ---- */

typedef struct catalog_tax_rule {
    char jurisdiction[24];
    char charge_category[24]; /* "" when the rule applies to every one */
    char tax_code[24];
    char name[96];
    char kind[12];  /* "tax" or "surcharge" */
    char basis[12]; /* "percent" (rate_ppm) or "per_unit" (per_unit) */
    int64_t rate_ppm;
    tl_money per_unit; /* minor 0, currency "" for percent rules */
    tl_date effective_from;
} catalog_tax_rule_t;

typedef int (*catalog_tax_fn)(const catalog_tax_rule_t *rule, void *cls,
                              tl_err *err);

/* Calls fn for each tax rule in force on date `on` for a jurisdiction and
 * charge category, in tax_code order. A jurisdiction covers its parents
 * too: "US-ME" gets the rules of US-ME and of US (each rule names its own
 * jurisdiction, for matching exemptions). A rule without a category
 * applies to every category. jurisdiction or charge_category NULL: all.
 * A rule is in force from its effective_from until the next row of the
 * same jurisdiction, tax code and category, or its effective_to; a row
 * with rate or amount 0 retires it. Returns the count or a negative
 * status (fn's, when it stops the walk). */
int catalog_tax_rules(tl_db *db, const char *jurisdiction,
                      const char *charge_category, tl_date on,
                      catalog_tax_fn fn, void *cls, tl_err *err);

/* Every tax rule with the days it is in force, [effective_from, to) or
 * open-ended when !has_to, as catalog_tax_rules decides it (rows that
 * retire a rule are not handed out): for callers that tax many invoices
 * and would otherwise ask once per jurisdiction and day. By jurisdiction,
 * tax code, category and date. Returns the count or a negative status. */
typedef int (*catalog_tax_window_fn)(const catalog_tax_rule_t *rule,
                                     int has_to, tl_date to, void *cls,
                                     tl_err *err);
int catalog_tax_rule_windows(tl_db *db, catalog_tax_window_fn fn, void *cls,
                             tl_err *err);

/* Writes "6.5" for 65000 ppm: a percentage with at most 4 decimals, no
 * trailing zeros. Returns the length or TL_ERROR (16 bytes suffice). */
int catalog_percent_format(char *buf, size_t size, int64_t ppm);

/* ---- export ---- */

/* The whole catalog as a document catalog_load accepts: serviceCodes
 * with their prices, products, taxRules, each sorted by key, so that
 * exporting, loading into an empty database and exporting again gives the
 * same document. *out is a new reference, NULL on failure. */
int catalog_export(json_t **out, tl_db *db, tl_err *err);

/* Every list price as CSV (header code,currency,amount,effectiveFrom) in
 * a malloc'ed NUL-terminated buffer the caller frees; *out NULL on
 * failure. */
int catalog_export_prices_csv(char **out, tl_db *db, tl_err *err);

#endif
