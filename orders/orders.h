/*
 * orders: sales-order intake (TMF622 ProductOrder JSON), validation and the
 * order lifecycle.
 *
 * Lifecycle. States and the transitions allowed between them, enforced in
 * one place (lifecycle.c) and recorded with who, when and why:
 *   draft             -> submitted, cancelled
 *   submitted         -> accepted, rejected, held, cancelled
 *   held              -> submitted, cancelled
 *   accepted          -> in_provisioning, held, cancelled
 *   in_provisioning   -> installed, held, cancelled
 *   installed         -> customer_accepted, completed (an order that only
 *                        disconnects services has nothing to accept or bill)
 *   customer_accepted -> billing
 *   billing           -> completed
 * rejected, completed and cancelled are final.
 */
#ifndef ORDERS_H
#define ORDERS_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"

typedef struct orders_order {
    int64_t account_id;
    int64_t order_id;
    char order_number[24];
    char external_id[72];
    char account_number[40];
    char state[24];
    tl_date requested_start_date;
    int version; /* current version: 1, then one more per supplement */
    char ae_ref[72];    /* account executive who sold it, "" when unknown */
    char agent_ref[72]; /* indirect agent, "" for a direct sale */
} orders_order_t;

typedef struct orders_submit_result {
    orders_order_t order;
    int created; /* 1 new order, 0 the same order was submitted before */
} orders_submit_result;

/* Validates a TMF622 ProductOrder received on day `received` and, when it
 * is valid, stores it in state submitted in one transaction. On
 * TL_EINVALID err lists every problem with its JSON path and nothing is
 * written; a requested start date before the day received is one of them.
 * Submitting the same document again (same billing account and
 * externalId, same content as any stored version) returns the stored
 * order with created 0, whenever it is sent; the same externalId with
 * other content is TL_EDUPLICATE. */
int orders_submit(orders_submit_result *out, tl_db *db, const json_t *doc,
                  tl_date received, const char *actor, tl_err *err);

/* ---- services in inventory (change, move and disconnect orders) ---- */

/* A service in inventory as intake sees it. */
typedef struct orders_inventory_service {
    int64_t account_id;
    char circuit_id[48];
    char product_id[40];
    int64_t address_id;
    char state[16]; /* pending, active, disconnected */
} orders_inventory_service_t;

/* Looks a service up by circuit id; TL_ENOTFOUND when unknown. */
typedef int (*orders_inventory_fn)(orders_inventory_service_t *out,
                                   tl_db *db, const char *circuit_id,
                                   tl_err *err);

/* Change, move and disconnect items (action modify and delete, product.id
 * the circuit id) act on services in inventory, which provisioning keeps;
 * provisioning sits above orders, so the program hands its lookup over
 * here once at start (provisioning_inventory_lookup). Without one, such
 * items are refused ("inventory_unavailable"). */
void orders_set_inventory(orders_inventory_fn fn);

/* Flags of orders_submit_ex. */
#define ORDERS_ALLOW_DUPLICATE 1u /* skip the probable-duplicate check */

/* orders_submit with flags. Without ORDERS_ALLOW_DUPLICATE an item that an
 * open order of the account (under another externalId) already has, same
 * product at the same address, is a "probable_duplicate" problem. */
int orders_submit_ex(orders_submit_result *out, tl_db *db, const json_t *doc,
                     tl_date received, unsigned flags, const char *actor,
                     tl_err *err);

/* Validation only, as orders_submit would on day `received`: every problem
 * into err (TL_EINVALID), nothing written. Returns 0 for a valid order. */
int orders_validate(tl_db *db, const json_t *doc, tl_date received,
                    tl_err *err);

/* The submitter's reference of an order document: externalId as a string
 * (TMF622 v4) or the id of its first entry when it is an array of
 * ExternalIdentifier objects (v5). NULL when there is none. */
const char *orders_doc_external_id(const json_t *doc);

/* Finds an order by its number (SO-nnnnnnnn). TL_ENOTFOUND otherwise. */
int orders_get(orders_order_t *out, tl_db *db, const char *order_number,
               tl_err *err);

/* Moves an order to to_state if the lifecycle allows it from its current
 * state, recording actor and reason. Moving to the state it is already in
 * is a no-op returning 0 (idempotent). TL_ECONFLICT when not allowed,
 * TL_EINVALID for an unknown state name. */
int orders_transition(tl_db *db, int64_t account_id, int64_t order_id,
                      const char *to_state, const char *actor,
                      const char *reason, tl_err *err);

/* True when the lifecycle allows from -> to. */
int orders_transition_allowed(const char *from, const char *to);

/* Accepts a submitted order (submitted -> accepted). */
int orders_accept(orders_order_t *out, tl_db *db, const char *order_number,
                  const char *actor, tl_err *err);

/* The coordinator's decisions on an order in the sales queue: to_state
 * "rejected" (final) or "held" (incomplete: waiting on the salesperson),
 * each with a reason saying what to fix, or "submitted" to release a held
 * order back to the queue. TL_ECONFLICT when the lifecycle does not allow
 * it from the order's state. */
int orders_decide(orders_order_t *out, tl_db *db, const char *order_number,
                  const char *to_state, const char *reason, const char *actor,
                  tl_err *err);

typedef struct orders_item_code {
    const char *item_id;
    const char *product_id;
    int64_t address_id;
    const char *code;
    int quantity;
} orders_item_code_t;

/* Calls fn for each service code of each item of an order, ordered by item
 * then code. Returns the number of rows or a negative status. */
typedef int (*orders_item_code_fn)(const orders_item_code_t *row, void *cls,
                                   tl_err *err);
int orders_item_codes(tl_db *db, int64_t account_id, int64_t order_id,
                      orders_item_code_fn fn, void *cls, tl_err *err);

typedef struct orders_state_change {
    int seq;
    const char *from_state; /* NULL for the first */
    const char *to_state;
    const char *actor;
    const char *reason;
    const char *changed_at;
} orders_state_change_t;

/* Calls fn for each recorded transition of an order, oldest first. */
typedef int (*orders_history_fn)(const orders_state_change_t *row, void *cls,
                                 tl_err *err);
int orders_history(tl_db *db, int64_t account_id, int64_t order_id,
                   orders_history_fn fn, void *cls, tl_err *err);

/* ---- supplements and versions ---- */

typedef struct orders_supplement_result {
    orders_order_t order;
    int version; /* the order's version afterwards */
    int created; /* 0 when the document equals the current version */
} orders_supplement_result;

/* Replaces a submitted, held or accepted order by a new version: doc is the
 * whole order as it should now be (same billing account and externalId),
 * validated like a new order, every problem reported with its path. The
 * items and due date of the order become those of the new version and the
 * old one is kept for orders_diff. Sending the current document again is a
 * no-op (created 0). TL_ECONFLICT once provisioning has started. */
int orders_supplement(orders_supplement_result *out, tl_db *db,
                      const char *order_number, const json_t *doc,
                      tl_date received, const char *reason, const char *actor,
                      tl_err *err);

/* Cancels an order that has not been installed yet, recording why. */
int orders_cancel(orders_order_t *out, tl_db *db, const char *order_number,
                  const char *reason, const char *actor, tl_err *err);

/* One difference between two versions of an order document. */
typedef struct orders_change {
    const char *path; /* "requestedStartDate", "productOrderItem[id=2]...." */
    const char *kind; /* "added", "removed" or "changed" */
    const char *from; /* old value as text, NULL when added */
    const char *to;   /* new value as text, NULL when removed */
} orders_change_t;

typedef int (*orders_change_fn)(const orders_change_t *change, void *cls,
                                tl_err *err);

/* Compares two order documents and calls fn for each difference, in a
 * stable order: the due date and other order fields, then items by id
 * (added, removed, then changed product, quantity, characteristics and
 * place). Returns the number of differences or fn's negative status. */
int orders_diff_docs(const json_t *from, const json_t *to, orders_change_fn fn,
                     void *cls, tl_err *err);

/* The differences between two stored versions of an order. TL_ENOTFOUND
 * for an unknown order or version. */
int orders_diff(tl_db *db, const char *order_number, int from_version,
                int to_version, orders_change_fn fn, void *cls, tl_err *err);

/* ---- queues ---- */

/* Queue names: "pending_sales" (submitted, held), "pending_provisioning"
 * (accepted), "pending_installation" (in_provisioning), "pending_billing"
 * (installed, customer_accepted). */
typedef struct orders_queue_filter {
    const char *account_number; /* NULL: all */
    const char *product_id;     /* NULL: all */
    /* An account executive's or an agent's orders: those they sold, and
     * those of the accounts they hold on the as-of day. NULL: all. */
    const char *ae_ref;
    const char *agent_ref;
} orders_queue_filter;

typedef struct orders_queue_row {
    const char *order_number;
    const char *external_id;
    const char *account_number;
    const char *account_name;
    const char *state;
    const char *products; /* product ids, comma separated */
    const char *ae_ref;    /* "" when unknown */
    const char *agent_ref; /* "" for a direct sale */
    int has_due;
    tl_date due_date; /* the committed (FOC) date, else the requested one */
    int committed;    /* due_date is a committed date */
    int age_days;     /* as_of - submission day */
    int days_in_state;
    /* "missed" when the due date has passed before installation, "at_risk"
     * when it is at most 5 days away or flagged (orders_set_jeopardy), ""
     * otherwise */
    const char *jeopardy;
    const char *jeopardy_reason; /* why flagged, "" when not */
} orders_queue_row;

typedef int (*orders_queue_fn)(const orders_queue_row *row, void *cls,
                               tl_err *err);

/* Lists a queue as of a date, by due date (no due date last), then order
 * number. TL_EINVALID for an unknown queue name. */
int orders_queue(tl_db *db, const char *queue, tl_date as_of,
                 const orders_queue_filter *filter, orders_queue_fn fn,
                 void *cls, tl_err *err);

/* Flags an order in jeopardy from day `since` for a reason (e.g. "task
 * fiber construction overdue since 2026-11-20"), or clears the flag when
 * reason is NULL. Setting the same reason again changes nothing (the day
 * it was first raised stays). TL_ENOTFOUND for an unknown order. */
int orders_set_jeopardy(tl_db *db, int64_t account_id, int64_t order_id,
                        const char *reason, tl_date since, tl_err *err);

/* Records the date provisioning committed to for an order (an item's FOC
 * date): the latest of those given so far. The queues then measure
 * jeopardy against it. TL_ENOTFOUND for an unknown order. */
int orders_set_committed_date(tl_db *db, int64_t account_id, int64_t order_id,
                              tl_date committed, tl_err *err);

/* ---- finding orders ---- */

/* Whether an account executive may see an order: one they sold, or one of
 * an account they hold on day `on`. *visible 1 or 0. */
int orders_visible_to_ae(int *visible, tl_db *db, const orders_order_t *order,
                         const char *ae_ref, tl_date on, tl_err *err);

/* Calls fn for each order matching text: its order number, the
 * submitter's externalId, its billing account number, or (case and space
 * insensitive) a part of one of its service addresses; newest first, at
 * most 200. Returns the number of orders. */
typedef int (*orders_order_fn)(const orders_order_t *order, void *cls,
                               tl_err *err);
int orders_find(tl_db *db, const char *text, orders_order_fn fn, void *cls,
                tl_err *err);

/* ---- order-entry feedback (feedback.c) ---- */

typedef struct orders_feedback_row {
    const char *salesperson; /* agent, else account executive, else sender */
    const char *kind;        /* "refused" at intake, "rejected" or "held" */
    const char *order_number;   /* "" for a refused order */
    const char *external_id;    /* "" when the document had none */
    const char *account_number; /* as sent; "" when none */
    tl_date day;                /* refused on, or rejected/held on */
    const char *reason;         /* the coordinator's reason ("" if refused) */
    const char *problems; /* JSON array [{code, field, message}] ("[]") */
} orders_feedback_row;

typedef int (*orders_feedback_fn)(const orders_feedback_row *row, void *cls,
                                  tl_err *err);

/* What salespeople have to fix, since a day: orders refused at intake (the
 * latest refusal per account and externalId, until an order with them
 * gets in), and orders rejected or held by a coordinator. salesperson NULL
 * for everyone. Ordered by salesperson, then day. Returns the row count. */
int orders_feedback(tl_db *db, const char *salesperson, tl_date since,
                    orders_feedback_fn fn, void *cls, tl_err *err);

/* ---- sales audit (audit.c) ---- */

typedef struct orders_audit_finding {
    const char *order_number;
    const char *account_number;
    const char *agent_ref; /* "" for a direct wholesale order */
    const char *item_id;   /* "" for a finding on the whole order */
    /* missing_contract, missing_tax_certificate, agent_not_of_record,
     * price_below_contract, price_below_list, probable_duplicate */
    const char *code;
    const char *message;
} orders_audit_finding;

typedef int (*orders_audit_fn)(const orders_audit_finding *f, void *cls,
                               tl_err *err);

/* Audits the indirect-agent and wholesale orders that came in since a day
 * (all but rejected and cancelled ones; only agent_ref's when not NULL),
 * calling fn for each finding by order then check. Returns the number of
 * findings or a negative status. */
int orders_sales_audit(tl_db *db, tl_date since, const char *agent_ref,
                       orders_audit_fn fn, void *cls, tl_err *err);

/* ---- partner XML ---- */

/* Largest partner XML document accepted (4 MiB). */
#define ORDERS_XML_MAX_BYTES (4u * 1024u * 1024u)

/* Where the partner order schema is: orders/schema/partner-order-1.xsd
 * under $TRUNKLINE_HOME or the source tree. */
const char *orders_xsd_path(void);

/* Reads a partner XML document (orders/schema/partner-order-1.xsd) into a
 * JSON array of TMF622-shaped order documents for orders_submit. A
 * document that is not well formed, carries a DTD, is too large or breaks
 * the schema is refused whole (TL_EINVALID, every schema violation with
 * its line). *out is a new reference, NULL on failure. */
int orders_xml_read(json_t **out, const char *buf, size_t len, tl_err *err);

#endif
