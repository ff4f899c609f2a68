/*
 * accounts: customers, their billing accounts, and the address master of
 * service addresses (each address stored once under a normalized key).
 */
#ifndef ACCOUNTS_H
#define ACCOUNTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"

typedef struct accounts_account {
    int64_t account_id;
    int64_t customer_id;
    char account_number[40];
    char name[160];
    char customer_name[160];
    char currency[4];
    int bill_cycle_day;
    int payment_terms_days;
    char status[16]; /* active, suspended, closed */
} accounts_account_t;

typedef struct accounts_address {
    const char *line1;
    const char *line2; /* may be NULL */
    const char *city;
    const char *region;
    const char *postcode;
    const char *country; /* ISO 3166 alpha-2 */
} accounts_address_t;

typedef struct accounts_load_result {
    int64_t customer_id;
    int customers_added;
    int accounts_added;
    int sites_added;
    int unchanged;
} accounts_load_result;

/* Loads {customer: {...}, accounts: [{..., sites: [...]}]} (format in
 * README): the customer by its ref, each account by its number, each site's
 * address into the address master. All or nothing; every problem reported
 * with its path; loading the same document again changes nothing; an
 * existing account with other values is a "conflict" problem. */
int accounts_load(accounts_load_result *out, tl_db *db, const json_t *doc,
                  const char *actor, tl_err *err);

/* Finds an account by number. TL_ENOTFOUND when there is none. */
int accounts_get(accounts_account_t *out, tl_db *db, const char *account_number,
                 tl_err *err);

/* Finds an account by id. TL_ENOTFOUND when there is none. */
int accounts_get_by_id(accounts_account_t *out, tl_db *db, int64_t account_id,
                       tl_err *err);

/* Writes the address's normalized key (upper case, single spaces, fields
 * joined by '|') into buf. Returns 0, or TL_EOVERFLOW when buf is short. */
int accounts_address_key(char *buf, size_t size,
                         const accounts_address_t *addr);

/* Finds an address in the master by its normalized key. TL_ENOTFOUND when
 * it is not there. */
int accounts_address_find(int64_t *address_id, tl_db *db,
                          const accounts_address_t *addr, tl_err *err);

#endif
