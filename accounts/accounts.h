/*
 * accounts: customers, their billing accounts, and the address master of
 * service addresses (each address stored once under a normalized key).
 *
 * A billing account carries its invoice delivery, credit limit, whether its
 * invoices must quote a purchase order, and an optional parent (the
 * hierarchy is a forest: wholesale roll-up). Around it: contacts by role,
 * tax-exemption certificates, purchase orders, effective-dated account
 * executive and agent of record, and the history of its status (active,
 * suspended, closed). New addresses and house-information updates go
 * through a request queue with duplicate detection.
 */
#ifndef ACCOUNTS_H
#define ACCOUNTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

typedef struct accounts_account {
    int64_t account_id;
    int64_t customer_id;
    char account_number[40];
    char name[160];
    char customer_name[160];
    char customer_ref[72];
    char customer_kind[16]; /* enterprise or wholesale */
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
    int details_added; /* contacts, exemptions, POs, assignments, fields */
    int unchanged;
} accounts_load_result;

/* Loads {customer: {...}, accounts: [{..., sites: [...]}]} (format in
 * README and `account load --help`): the customer by its ref, each account
 * by its number (an account without one is found again by customer and
 * name, or numbered by the account-number scheme), each site's address
 * into the address master, and the optional details: invoiceDelivery,
 * creditLimit, poRequired, parentAccountNumber (same customer or a
 * wholesale customer's account; never a cycle), contacts, taxExemptions,
 * purchaseOrders, accountExecutive and agentOfRecord. All or nothing; every
 * problem reported with its path; loading the same document again changes
 * nothing; an existing account with other values is a "conflict" problem. */
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

/* ---- account details (accounts/details.c) ---- */

/* One contact of an account. */
typedef struct accounts_contact {
    char role[16]; /* billing, technical, collections */
    char name[128];
    char email[128];
    char phone[40];
} accounts_contact_t;

/* The details `account show` prints besides accounts_account_t. */
typedef struct accounts_details {
    char invoice_delivery[16]; /* "" when not set */
    char invoice_delivery_address[160];
    int has_credit_limit;
    tl_money credit_limit;
    char parent_account_number[40]; /* "" for a top account */
    int po_required;
} accounts_details_t;

/* Reads the details of an account. TL_ENOTFOUND when there is none. */
int accounts_get_details(accounts_details_t *out, tl_db *db, int64_t account_id,
                         tl_err *err);

/* Sets the account's credit limit (limit NULL: none), in the account
 * currency and not negative (TL_EINVALID, field creditLimit). Audited with
 * the limit before and after. TL_ENOTFOUND for an unknown account. */
int accounts_set_credit_limit(tl_db *db, const char *account_number,
                              const tl_money *limit, const char *actor,
                              tl_err *err);

/* Calls fn for each contact of the account, by role then name. Returns the
 * count or a negative status (fn's, unchanged). */
int accounts_contacts(tl_db *db, int64_t account_id,
                      int (*fn)(const accounts_contact_t *c, void *payload),
                      void *payload, tl_err *err);

/* Calls fn with the account number of each direct child account. Returns
 * the count or a negative status. */
int accounts_children(tl_db *db, int64_t account_id,
                      int (*fn)(const char *account_number, void *payload),
                      void *payload, tl_err *err);

/* Sets *exempt to 1 when a tax exemption of the account for jurisdiction
 * and category (an exemption without category covers every category) is in
 * force on day, else 0. For billing, which skips an exempted tax. */
int accounts_tax_exempt(int *exempt, tl_db *db, int64_t account_id,
                        const char *jurisdiction, const char *category,
                        tl_date day, tl_err *err);

/* One tax-exemption certificate of an account. */
typedef struct accounts_tax_exemption {
    char certificate_number[64];
    char jurisdiction[48];
    char category[48]; /* "" for every category */
    tl_date valid_from;
    int has_valid_to;
    tl_date valid_to; /* first day it no longer applies */
} accounts_tax_exemption_t;

/* Calls fn for each tax exemption of the account by validFrom. Returns the
 * count or a negative status. */
int accounts_tax_exemptions(tl_db *db, int64_t account_id,
                            int (*fn)(const accounts_tax_exemption_t *x,
                                      void *payload),
                            void *payload, tl_err *err);

/* The exemptions of several accounts (ids[0..n)) in one query: fn once
 * per exemption, by account id, then as accounts_tax_exemptions. For the
 * bill run. Returns the count or a negative status. */
int accounts_tax_exemptions_of(tl_db *db, const int64_t *ids, size_t n,
                               int (*fn)(int64_t account_id,
                                         const accounts_tax_exemption_t *x,
                                         void *payload),
                               void *payload, tl_err *err);

/* Lists accounts, by number: all, or those of customer_ref and/or in
 * status (each may be NULL). Calls fn per account; returns the count or a
 * negative status. */
int accounts_list(tl_db *db, const char *customer_ref, const char *status,
                  int (*fn)(const accounts_account_t *a, void *payload),
                  void *payload, tl_err *err);

/* The configured account-number scheme (prefix + zero-padded sequence)
 * used when a loaded account brings no accountNumber. Sets the scheme;
 * the sequence goes on from next_value (>= 1). Audited. TL_EINVALID for a
 * prefix or width the scheme refuses. */
int accounts_set_number_scheme(tl_db *db, const char *prefix, int digits,
                               int64_t next_value, const char *actor,
                               tl_err *err);

/* ---- status (accounts/status.c) ---- */

/* One row of an account's status history. */
typedef struct accounts_status_change {
    char from_status[16];
    char to_status[16];
    char reason[256];
    char actor[64];
    char changed_at[40]; /* ISO 8601 UTC */
} accounts_status_change_t;

/* Changes the account's status to to_status with a reason, keeping history
 * and auditing it. Allowed: active -> suspended, suspended -> active,
 * active|suspended -> closed; closed is final. Setting the current status
 * again is TL_ECONFLICT, as is any refused transition ("transition");
 * TL_EINVALID for an unknown status or an empty reason; TL_ENOTFOUND for
 * an unknown account. */
int accounts_set_status(accounts_account_t *out, tl_db *db,
                        const char *account_number, const char *to_status,
                        const char *reason, const char *actor, tl_err *err);

/* Calls fn for each status change of the account, oldest first. Returns
 * the count or a negative status. */
int accounts_status_history(tl_db *db, int64_t account_id,
                            int (*fn)(const accounts_status_change_t *h,
                                      void *payload),
                            void *payload, tl_err *err);

/* ---- account executives and agents of record (accounts/agents.c) ---- */

/* role is "ae" (account executive) or "agent" (agent of record). */
typedef struct accounts_assignment {
    char role[8];
    char person_ref[72];
    char person_name[160];
    tl_date valid_from;
    int has_valid_to;
    tl_date valid_to; /* first day after the assignment */
} accounts_assignment_t;

/* Records a person (account executive or agent) by reference, or finds it
 * again. kind is "ae" or "agent". TL_ECONFLICT when the reference exists
 * with another name or kind. */
int accounts_person_put(int64_t *person_id, tl_db *db, const char *ref,
                        const char *name, const char *kind, tl_err *err);

typedef struct accounts_person {
    int64_t person_id;
    char ref[72];
    char name[160];
    char kind[8]; /* "ae" or "agent" */
} accounts_person_t;

/* Looks a person up by reference. TL_ENOTFOUND when unknown. */
int accounts_person_get(accounts_person_t *out, tl_db *db, const char *ref,
                        tl_err *err);

/* Makes person_ref the account's role holder from day `from` on: the
 * assignment in force on `from` (if it started earlier) ends there. An
 * assignment starting on `from` with the same person changes nothing
 * (*changed 0); another person there, or an assignment starting after
 * `from`, is TL_ECONFLICT. TL_ENOTFOUND for an unknown account or person;
 * TL_EINVALID when the person's kind does not fit the role. Audited as a
 * change by actor; a NULL actor means the caller (a load) audits it. */
int accounts_assign(int *changed, tl_db *db, const char *account_number,
                    const char *role, const char *person_ref, tl_date from,
                    const char *actor, tl_err *err);

/* The role holder of the account on day. TL_ENOTFOUND when none. */
int accounts_assignment_on(accounts_assignment_t *out, tl_db *db,
                           int64_t account_id, const char *role, tl_date day,
                           tl_err *err);

/* ---- purchase orders (accounts/po.c) ---- */

typedef struct accounts_po {
    char account_number[40];
    char po_number[64];
    char service_ref[64]; /* "" for an account-wide PO */
    tl_date valid_from;
    tl_date valid_to; /* last day, inclusive */
    int has_cap;
    tl_money cap;
} accounts_po_t;

/* Adds a PO to an account (po->account_number). The cap, when given, is in
 * the account's currency. Adding the same PO again changes nothing
 * (*added 0); the same number with other values is TL_ECONFLICT.
 * TL_EINVALID with problems for bad values, TL_ENOTFOUND for an unknown
 * account. Audited. */
int accounts_po_add(int *added, tl_db *db, const accounts_po_t *po,
                    const char *actor, tl_err *err);

/* The PO in force for the account on day, for service_ref (a PO for that
 * service wins over an account-wide one; NULL asks for account-wide only),
 * the latest starting first. TL_ENOTFOUND when none: billing then flags
 * the invoice of an account that requires a PO. */
int accounts_po_in_force(accounts_po_t *out, tl_db *db, int64_t account_id,
                         const char *service_ref, tl_date day, tl_err *err);

/* For several accounts (ids[0..n)) in one query: the number of the
 * account-wide PO in force on day (the one accounts_po_in_force gives
 * with no service_ref); fn once per account that has one, by account id.
 * Returns the count or a negative status. */
int accounts_po_numbers_in_force(tl_db *db, const int64_t *ids, size_t n,
                                 tl_date day,
                                 int (*fn)(int64_t account_id,
                                           const char *po_number,
                                           void *payload),
                                 void *payload, tl_err *err);

/* Supplies what has been invoiced against a PO so far. Billing will
 * provide invoiced totals; until then callers pass NULL and every PO counts
 * as unused. Return 0 or a negative status. */
typedef int (*accounts_po_used_fn)(tl_money *used, const accounts_po_t *po,
                                   void *payload);

/* One line of the PO report. problem: "missing" (a PO-required account
 * without any PO), "expired" (its POs all ended before as_of), "expiring"
 * (the PO in force ends within `within_days` days), "used_up" (used is at
 * least threshold_ppm of the cap, e.g. 900000 for 90%). */
typedef struct accounts_po_line {
    char account_number[40];
    char account_name[160];
    char problem[16];
    int has_po;
    accounts_po_t po; /* the PO concerned when has_po */
    tl_money used;
} accounts_po_line_t;

/* Reports, by account number, the accounts whose PO is missing, expired,
 * expiring or nearly used up as of as_of. Accounts not requiring a PO are
 * listed only for problems with POs they have. Calls fn per line; returns
 * the line count or a negative status. */
int accounts_po_report(tl_db *db, tl_date as_of, int within_days,
                       int64_t threshold_ppm, accounts_po_used_fn used,
                       void *used_payload,
                       int (*fn)(const accounts_po_line_t *l, void *payload),
                       void *payload, tl_err *err);

/* Calls fn for each PO of the account by valid_from. */
int accounts_pos(tl_db *db, int64_t account_id,
                 int (*fn)(const accounts_po_t *po, void *payload),
                 void *payload, tl_err *err);

/* ---- address requests (accounts/addresses.c) ---- */

/* Writes line normalized for matching into buf: upper case, single spaces,
 * punctuation dropped, standard abbreviations (STREET -> ST, AVENUE -> AVE,
 * SUITE -> STE, ...). Returns 0 or TL_EOVERFLOW. */
int accounts_address_normalize_line(char *buf, size_t size, const char *line);

typedef struct accounts_address_request {
    int64_t request_id;
    char kind[24]; /* new_address, house_info_update */
    char state[16];
    char line1[128];
    char line2[128];
    char city[88];
    char region[48];
    char postcode[24];
    char country[3];
    char house_info[256];
    int64_t target_address_id; /* 0 when none */
    int64_t duplicate_of;      /* near-duplicate master address, or 0 */
    int64_t address_id;        /* created/updated on approval, or 0 */
    char reason[256];
    char requested_by[64];
} accounts_address_request_t;

/* Queues a request. For new_address an exact duplicate of a master
 * address (same key after normalization and abbreviations) is
 * TL_EDUPLICATE naming it in err; a near duplicate (same country and
 * postcode, same street number, similar street name) is queued with
 * duplicate_of set. The same request already waiting is returned again
 * (*created 0). house_info_update needs target_address_id of an existing
 * address (TL_ENOTFOUND otherwise) and house_info. TL_EINVALID with
 * problems for bad fields. */
int accounts_address_request_submit(accounts_address_request_t *out,
                                    int *created, tl_db *db,
                                    const accounts_address_request_t *in,
                                    const char *actor, tl_err *err);

/* Approves a waiting request: a new address enters the master, a house
 * information update is written to its address. TL_ENOTFOUND, or
 * TL_ECONFLICT when it was already decided. Audited. */
int accounts_address_request_approve(accounts_address_request_t *out, tl_db *db,
                                     int64_t request_id, const char *actor,
                                     tl_err *err);

/* Rejects a waiting request with a reason (required: TL_EINVALID).
 * TL_ENOTFOUND, or TL_ECONFLICT when already decided. Audited. */
int accounts_address_request_reject(accounts_address_request_t *out, tl_db *db,
                                    int64_t request_id, const char *reason,
                                    const char *actor, tl_err *err);

/* Calls fn for each request (all, or those in state), oldest first. */
int accounts_address_requests(tl_db *db, const char *state,
                              int (*fn)(const accounts_address_request_t *r,
                                        void *payload),
                              void *payload, tl_err *err);

#endif
