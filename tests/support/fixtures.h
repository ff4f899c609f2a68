/*
 * Fixture builders for database tests: a catalog, an account, an agreement
 * or an order in one line each. Each aborts the running test on failure.
 */
#ifndef TL_FIXTURES_H
#define TL_FIXTURES_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "orders/orders.h"

/* Loads the DIA catalog: DIA500 (MRC USD 1450.00), DIA100 (MRC USD
 * 650.00), DIA-INST (NRC USD 750.00), products DIA and DIA-100, all priced
 * from 2026-01-01. The products carry the demo catalog's DIA
 * characteristics: portSpeed (only "500 Mbps" or "100 Mbps"),
 * committedBandwidth not greater than portSpeed, optional ipv4Block. */
void tl_fx_catalog(tl_db *db);

/* Loads customer <number>-CUST with billing account `number` (USD, the
 * given cycle day, net 30) and the site "<site_nr> Harbor Way, Portland ME
 * 04101". Returns the account id. */
int64_t tl_fx_account(tl_db *db, const char *number, int cycle_day,
                      int site_nr);

/* Loads agreement <number>-MSA for the account: 36 months from start,
 * DIA500 at rate (e.g. "1150.00"). */
void tl_fx_contract(tl_db *db, const char *number, const char *start,
                    const char *rate);

/* A TMF622 DIA order document for the account, site and externalId, with
 * portSpeed and committedBandwidth "500 Mbps" and ipv4Block "/29". The
 * caller decrefs it. */
json_t *tl_fx_order_doc(const char *number, const char *external_id,
                        int site_nr);

/* Submits and accepts a DIA order and opens it in provisioning; returns
 * the order. */
orders_order_t tl_fx_order(tl_db *db, const char *number,
                           const char *external_id, int site_nr);

/* The day fixture orders are received: 2026-11-02, before their requested
 * start dates. */
tl_date tl_fx_received(void);

/* Counts rows with a query returning one bigint column "n". */
int64_t tl_fx_count(tl_db *db, const char *sql);

#endif
