/*
 * Customer premises equipment: cable modems (EoDOCSIS), routers, IADs
 * (ISDN-PRI), firewalls and switches, by serial and MAC address.
 *
 * Where an item is. Every item is at exactly one location: a warehouse, a
 * technician, a customer site (always for one circuit, which gives the
 * account and service address), returned, or lost. Its status follows the
 * location: in_stock, assigned, installed, returned, lost. The location is
 * the destination of its latest movement; movements are append-only and
 * numbered 1, 2, ... per item, the first being its receipt into a
 * warehouse. A movement is never dated before the item's previous one,
 * never goes to where the item already is, and never installs an item on
 * a disconnected circuit. A movement may name the order authorizing it;
 * the audit lists movements to or from a customer site that name none.
 *
 * One pipeline. Receiving, moving and loading a CSV file all check their
 * movements the same way (set-based, in one query) and write them in one
 * transaction: a single problem anywhere writes nothing. Problems name the
 * column ("to_kind", or "row[N].to_kind" in a file, N its line).
 *
 * Idempotency. A movement's reference is unique: a movement given again
 * with the same reference and the same serial, date and destination is
 * unchanged, with anything else a "conflict". A CSV file whose bytes were
 * loaded before changes nothing.
 */
#ifndef PROVISIONING_EQUIPMENT_H
#define PROVISIONING_EQUIPMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

/* Normalizes a MAC address written aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF,
 * aabb.ccdd.eeff or aabbccddeeff (any case) to "aa:bb:cc:dd:ee:ff" in buf
 * (at least 18 bytes). Returns 0, or TL_EINVALID (buf "") for anything
 * else, including the wrong number of digits or mixed separators. */
int provisioning_mac_normalize(char *buf, size_t size, const char *text);

/* One movement to record. Strings may be NULL (or "") when absent. */
typedef struct provisioning_movement_in {
    const char *reference; /* idempotency key; NULL: generated */
    const char *serial;
    const char *mac;   /* checked against the item's (set on receipt) */
    const char *model; /* required to receive; else checked */
    tl_date moved_on;
    const char *to_kind;      /* warehouse, technician, customer_site, ... */
    const char *to_ref;       /* warehouse/technician name; at a customer site
                               * optional, the circuit's account number */
    const char *circuit_id;   /* customer_site only, required there */
    const char *order_number; /* authorizing order, optional */
} provisioning_movement_in_t;

typedef struct provisioning_equipment {
    int64_t equipment_id;
    char serial[64];
    char mac[18]; /* "" when none */
    char model[48];
    char kind[16];
    char status[16];
    char location_kind[16];
    char location_ref[96];
    char account_number[40]; /* "" unless at a customer site */
    char circuit_id[48];     /* "" unless at a customer site */
    tl_date moved_on;        /* date of the latest movement */
    int movements;           /* how many movements it has */
} provisioning_equipment_t;

typedef struct provisioning_movement {
    int seq;
    tl_date moved_on;
    char from_kind[16]; /* "" for the receipt */
    char from_ref[96];
    char to_kind[16];
    char to_ref[96];
    char account_number[40]; /* of the customer site it went to, or "" */
    char circuit_id[48];
    char order_number[24]; /* "" when none */
    char reference[96];
    char actor[64];
} provisioning_movement_t;

/* Receives a new item into a warehouse: in->serial, in->model (a known
 * model), in->mac (required when the model needs one), in->to_ref (the
 * warehouse), in->moved_on. *out holds the item afterwards (zeroed on
 * failure). TL_EDUPLICATE when the serial is already in inventory (with the
 * same reference given again: 0, nothing changes), TL_EINVALID with
 * problems for bad input. */
int provisioning_equipment_receive(provisioning_equipment_t *out, tl_db *db,
                                   const provisioning_movement_in_t *in,
                                   const char *actor, tl_err *err);

/* Moves an item in inventory (in->to_kind and its ref, circuit and order
 * as above). *out holds the item afterwards. TL_ENOTFOUND for an unknown
 * serial, circuit or order; TL_ECONFLICT when the item is already there,
 * the date is before its latest movement, the circuit is disconnected or
 * the reference is taken; TL_EINVALID for bad input. */
int provisioning_equipment_move(provisioning_equipment_t *out, tl_db *db,
                                const provisioning_movement_in_t *in,
                                const char *actor, tl_err *err);

/* Looks an item up by serial. TL_ENOTFOUND when unknown. */
int provisioning_equipment_get(provisioning_equipment_t *out, tl_db *db,
                               const char *serial, tl_err *err);

/* Calls fn for each movement of an item, oldest first. Returns the count,
 * TL_ENOTFOUND for an unknown serial, or a negative status (fn's). */
typedef int (*provisioning_movement_fn)(const provisioning_movement_t *m,
                                        void *cls, tl_err *err);
int provisioning_equipment_movements(tl_db *db, const char *serial,
                                     provisioning_movement_fn fn, void *cls,
                                     tl_err *err);

/* Calls fn for each item matching every filter given (NULL: any): status,
 * location kind, account number (items at that account's sites), by serial.
 * Returns the count or a negative status. */
typedef int (*provisioning_equipment_fn)(const provisioning_equipment_t *e,
                                         void *cls, tl_err *err);
int provisioning_equipment_list(tl_db *db, const char *status,
                                const char *location_kind,
                                const char *account_number,
                                provisioning_equipment_fn fn, void *cls,
                                tl_err *err);

typedef struct provisioning_equipment_load_result {
    int rows;           /* data rows in the file */
    int received;       /* new items received */
    int movements;      /* movements added */
    int unchanged;      /* rows whose reference was already recorded as is */
    int already_loaded; /* 1: the same file was loaded before */
} provisioning_equipment_load_result;

/* Loads a CSV file of movements, text[0..len), header exactly
 * reference,serial,mac,model,moved_on,to_kind,to_ref,circuit_id,order_number
 * (RFC 4180). A row for a serial not in inventory receives it (model
 * required, to a warehouse). Every bad row is reported at
 * "row[N].column" with a stable code and nothing is loaded (TL_EINVALID).
 * file_name is recorded with the load. */
int provisioning_equipment_load_csv(provisioning_equipment_load_result *out,
                                    tl_db *db, const char *text, size_t len,
                                    const char *file_name, const char *actor,
                                    tl_err *err);

typedef struct provisioning_requirements_result {
    int models_added;
    int models_changed;
    int requirements_added;
    int requirements_changed;
    int unchanged;
} provisioning_requirements_result;

/* Loads equipment models and product requirements from {"models": [{"model",
 * "kind", "maker", "needsMac", "feeCode"?}], "requirements": [{"product",
 * "kind", "required"}]}. Everything is checked first (unknown product or
 * fee code, bad kind: problems with their paths, nothing written); then
 * rows are added or updated to the file's values, in one transaction and
 * one audit event. Loading the same file again changes nothing. */
int provisioning_equipment_requirements_load(
    provisioning_requirements_result *out, tl_db *db, const json_t *doc,
    const char *actor, tl_err *err);

/* ---- the equipment audit ----
 *
 * Findings, by code:
 *  at_site_without_service  an item at a customer site whose circuit is
 *      neither active nor pending on an open order (its order was
 *      cancelled or rejected), unless it is awaiting return after a
 *      disconnect (see not_returned_after_disconnect).
 *  service_missing_equipment  an active service whose product requires a
 *      kind of equipment (product_equipment) with no item of that kind
 *      installed for its circuit.
 *  serial_in_two_places  the records disagree about where one unit is:
 *      the item's location is not the destination of its latest movement,
 *      a movement leaves from somewhere other than where the previous one
 *      put it, or two items' serials are the same unit written two ways
 *      (equal once case, spaces, dashes and dots are ignored).
 *  not_returned_after_disconnect  an item still at a customer site for a
 *      circuit disconnected return_days or more before the as-of date.
 *      The non-return fee is the list price, in the account's currency on
 *      the day it was due back, of the model's fee code, else the fee
 *      given; it is recorded as a pending equipment charge once per item
 *      and disconnect (unless report_only).
 *  movement_without_order  a movement to or from a customer site, on or
 *      before the as-of date, that names no authorizing order.
 */

typedef struct provisioning_audit_opts {
    tl_date as_of;
    int return_days; /* e.g. 30 */
    const char *fee; /* decimal in the account currency, or NULL */
    int report_only; /* 1: record no charges */
} provisioning_audit_opts;

typedef struct provisioning_finding {
    char code[40];
    char serial[64];
    char model[48];
    char kind[16];
    char location[112];      /* "customer_site CIRCUIT", "warehouse W" */
    char account_number[40]; /* "" when none */
    char circuit_id[48];     /* "" when none */
    char product_id[40];     /* service_missing_equipment */
    int seq;                 /* movement findings, else 0 */
    int has_date;
    tl_date date; /* movement date, or the disconnect date */
    int days;     /* days since the disconnect */
    int has_fee;
    tl_money fee;
    char charge[16]; /* "recorded", "already", "report_only", "no_fee" */
    char detail[256];
} provisioning_finding_t;

typedef struct provisioning_audit_result {
    int findings;
    int charges_recorded;
} provisioning_audit_result;

/* Runs the audit as of opts->as_of and calls fn for each finding, by code
 * then serial, after the transaction recording the charges committed (one
 * audit event when any was recorded). Returns 0 or a negative status;
 * TL_EINVALID when opts->fee does not parse in an account's currency. */
typedef int (*provisioning_finding_fn)(const provisioning_finding_t *f,
                                       void *cls, tl_err *err);
/* Billing tells which non-return fees it billed: the charges
 * (account_ids[i], charge_ids[i]), i < n, pending until now, become
 * billed. *marked is how many changed; billed ones stay as they are. */
int provisioning_equipment_charges_billed(int *marked, tl_db *db,
                                          const int64_t *account_ids,
                                          const int64_t *charge_ids, size_t n,
                                          tl_err *err);

int provisioning_equipment_audit(provisioning_audit_result *out, tl_db *db,
                                 const provisioning_audit_opts *opts,
                                 const char *actor, provisioning_finding_fn fn,
                                 void *cls, tl_err *err);

#endif
