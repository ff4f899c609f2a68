/*
 * contracts: agreements (service schedules) of a billing account with a
 * term and contracted rates per service code, and the one pricing function
 * billing uses: the contracted rate when an agreement in force covers the
 * code, the catalog list price otherwise.
 */
#ifndef CONTRACTS_H
#define CONTRACTS_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

typedef struct contracts_load_result {
    int64_t account_id;
    int64_t agreement_id;
    int created; /* 0 when the same agreement was already there */
} contracts_load_result;

/* Loads one agreement {ref, accountNumber, startDate, termMonths,
 * autoAcceptanceDays, currency, rates: [{code, amount}]} (format in
 * README). All or nothing, every problem with its path; loading it again
 * changes nothing; the same ref with other values is a "conflict". */
int contracts_load(contracts_load_result *out, tl_db *db, const json_t *doc,
                   const char *actor, tl_err *err);

typedef struct contracts_agreement {
    int64_t account_id;
    int64_t agreement_id;
    char ref[72];
    tl_date start_date;
    tl_date end_date; /* first day after the term */
    int term_months;
    int auto_acceptance_days;
    char currency[4];
} contracts_agreement_t;

/* The agreement of an account in force on `on` (the latest-starting one if
 * several). TL_ENOTFOUND when none is. */
int contracts_agreement_on(contracts_agreement_t *out, tl_db *db,
                           int64_t account_id, tl_date on, tl_err *err);

typedef enum contracts_price_source {
    CONTRACTS_PRICE_LIST = 0,
    CONTRACTS_PRICE_CONTRACT = 1
} contracts_price_source;

typedef struct contracts_price {
    tl_money amount;
    contracts_price_source source;
    int64_t agreement_id; /* 0 for a list price */
    char agreement_ref[72];
} contracts_price_t;

/* The price of one unit of code for the account on date `on`, in the
 * account's currency: the rate of the agreement in force that covers the
 * code, else the list price. TL_ENOTFOUND when neither exists. */
int contracts_price_on(contracts_price_t *out, tl_db *db, int64_t account_id,
                       const char *code, tl_date on, tl_err *err);

/* "contract" or "list". */
const char *contracts_price_source_name(contracts_price_source s);

#endif
