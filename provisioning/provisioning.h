/*
 * provisioning: the single truth of what is installed. The service
 * inventory created from accepted orders and changed by change, move and
 * disconnect orders, with the history of every service; the milestones of
 * each order item that bring a service to billing and end it; the
 * implementation timeline; the tasks teams do for an order; the
 * service-code audit; and suspend and restore requests.
 *
 * Services. Opening an accepted order (provisioning_open_order) creates
 * one pending service per "add" item with the item's product, place(s),
 * characteristics and service codes, and the agreement in force; change,
 * move and disconnect items (action modify and delete) leave the service
 * alone until their completion milestone. Each service keeps an
 * append-only history of versions (full snapshots, each effective from a
 * date, naming the order item that caused it): created (on its install
 * date), activated (acceptance: billing starts), changed, moved,
 * disconnected, suspended, restored, codes_changed. The service as of a
 * date is its latest version effective on or before that date.
 *
 * Milestones, per order item. foc, ready_for_service, installed, turn_up,
 * customer_accepted for add, change and move items; foc and disconnected
 * for a disconnect item. Dates must keep that order (foc <= ready <=
 * installed <= turn_up <= accepted, foc <= disconnected); turn_up and
 * customer_accepted need installed first. Recording the same date again
 * is a no-op, another date is TL_ECONFLICT ("milestone_recorded"), a
 * milestone out of order TL_ECONFLICT ("milestone_out_of_order").
 * Consequences:
 *   add        installed sets the install date and creates the first
 *              version; customer_accepted sets acceptance and billing
 *              start dates and makes the service active.
 *   change     installed applies the item (product, characteristics,
 *   move       codes, place) effective that day: version changed / moved.
 *   disconnect disconnected sets the disconnect date (the first day not
 *              billed) and state disconnected.
 * The order follows once all its items got there: in_provisioning ->
 * installed (every item installed or disconnected) -> customer_accepted
 * -> billing (every add item accepted); an order of disconnect items only
 * then goes on to completed.
 */
#ifndef PROVISIONING_H
#define PROVISIONING_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"
#include "orders/orders.h"

typedef struct provisioning_service {
    int64_t account_id;
    int64_t service_id;
    char circuit_id[48];
    char order_number[24];
    char item_id[72];
    char product_id[40];
    char state[16]; /* pending, active, suspended, disconnected */
    int has_install, has_acceptance, has_billing_start, has_disconnect;
    tl_date install_date;
    tl_date acceptance_date;
    tl_date billing_start_date;
    tl_date disconnect_date;
} provisioning_service_t;

/* Starts provisioning of an accepted order: moves it to in_provisioning,
 * creates one pending service per add item (with its codes,
 * characteristics, places and the agreement in force on the due date) and
 * the item's tasks (provisioning_task_*). Calling it again for the same
 * order creates nothing (*created 0). TL_ECONFLICT when the order is not
 * accepted (or already past). */
int provisioning_open_order(int *created, tl_db *db, const char *order_number,
                            const char *actor, tl_err *err);

/* Milestone kinds. */
#define PROVISIONING_FOC "foc"
#define PROVISIONING_READY "ready_for_service"
#define PROVISIONING_INSTALLED "installed"
#define PROVISIONING_TURN_UP "turn_up"
#define PROVISIONING_ACCEPTED "customer_accepted"
#define PROVISIONING_DISCONNECTED "disconnected"

/* Records a milestone for the order item now acting on a circuit: its
 * open disconnect item for "disconnected", else the item that created it
 * while it is pending, else its latest change or move item in
 * provisioning, else the item that created it. Applies the consequences
 * described above; *out receives the service afterwards. TL_EINVALID for
 * an unknown kind, TL_ENOTFOUND for an unknown circuit, TL_ECONFLICT as
 * above and for a kind that does not apply to the item ("milestone_not_
 * applicable") or an order not in provisioning ("order_not_in_
 * provisioning"). */
int provisioning_record_milestone(provisioning_service_t *out, tl_db *db,
                                  const char *circuit_id, const char *kind,
                                  tl_date date, const char *actor, tl_err *err);

/* As provisioning_record_milestone for one named order item. item_id NULL
 * names the order's only item (TL_EINVALID "ambiguous" when it has
 * several). TL_ENOTFOUND for an unknown order or item. */
int provisioning_record_item_milestone(provisioning_service_t *out, tl_db *db,
                                       const char *order_number,
                                       const char *item_id, const char *kind,
                                       tl_date date, const char *actor,
                                       tl_err *err);

/* One automatic acceptance made by provisioning_auto_accept. */
typedef struct provisioning_auto_acceptance {
    const char *circuit_id;
    const char *order_number;
    const char *agreement_ref;
    int days;          /* the agreement's auto-acceptance days */
    tl_date installed; /* install date */
    tl_date accepted;  /* installed + days */
} provisioning_auto_acceptance_t;

typedef int (*provisioning_auto_fn)(const provisioning_auto_acceptance_t *a,
                                    void *cls, tl_err *err);

/* Accepts automatically every installed service not yet accepted (nor
 * disconnected) whose agreement in force on its install date has N
 * auto-acceptance days and install + N <= as_of: customer_accepted on
 * install + N, recorded as automatic by "auto-acceptance". Services of
 * accounts without an agreement wait for a real acceptance. Idempotent.
 * fn (may be NULL) is called after each; returns the number accepted or a
 * negative status (nothing is accepted then). */
int provisioning_auto_accept(tl_db *db, tl_date as_of, provisioning_auto_fn fn,
                             void *cls, tl_err *err);

/* The inventory lookup order intake uses for change, move and disconnect
 * orders: hand it to orders_set_inventory at program start. */
int provisioning_inventory_lookup(orders_inventory_service_t *out, tl_db *db,
                                  const char *circuit_id, tl_err *err);

/* Finds a service by circuit id. TL_ENOTFOUND otherwise. */
int provisioning_service_get(provisioning_service_t *out, tl_db *db,
                             const char *circuit_id, tl_err *err);

/* Calls fn for each service created from an order, in item order. Returns
 * the number of services or a negative status. */
typedef int (*provisioning_service_fn)(const provisioning_service_t *svc,
                                       void *cls, tl_err *err);
int provisioning_order_services(tl_db *db, const char *order_number,
                                provisioning_service_fn fn, void *cls,
                                tl_err *err);

/* ---- history (history.c) ---- */

/* One version of a service. Strings live until fn returns. */
typedef struct provisioning_version {
    int version;
    tl_date effective_date;
    const char *kind;  /* created, activated, changed, moved, ... */
    const char *state; /* pending, active, suspended, disconnected */
    const char *product_id;
    const char *address;         /* "100 Harbor Way, Portland ME 04101" */
    const char *z_address;       /* "" when none */
    const char *characteristics; /* JSON object text */
    const char *codes;           /* JSON array [{code, quantity}] text */
    const char *order_number;    /* "" when no order caused it */
    const char *item_id;         /* "" when no order caused it */
    const char *actor;
    const char *recorded_at; /* "YYYY-MM-DDTHH:MM:SSZ" */
} provisioning_version_t;

typedef int (*provisioning_version_fn)(const provisioning_version_t *v,
                                       void *cls, tl_err *err);

/* Calls fn for each version of a service by effective date, then version.
 * Returns the count (0 for a service never installed) or a negative
 * status. TL_ENOTFOUND for an unknown circuit. */
int provisioning_service_history(tl_db *db, const char *circuit_id,
                                 provisioning_version_fn fn, void *cls,
                                 tl_err *err);

/* Calls fn once with the service as it was on day `on`: its latest
 * version effective on or before it, and returns 1. TL_ENOTFOUND
 * ("not_in_service") when the service had no version yet that day, or the
 * circuit is unknown. */
int provisioning_service_as_of(tl_db *db, const char *circuit_id, tl_date on,
                               provisioning_version_fn fn, void *cls,
                               tl_err *err);

/* One service code and how many units of it a service bills. */
typedef struct provisioning_code_qty {
    const char *code;
    int quantity;
} provisioning_code_qty_t;

/* Replaces the service codes of an installed service from day
 * `effective`, recording a codes_changed version. order_number and
 * item_id name the order item that sold the change, or are both NULL for
 * a change without an order (which the audit reports). TL_EINVALID for an
 * unknown code or a quantity below 1, TL_ENOTFOUND for an unknown circuit
 * or item, TL_ECONFLICT for a service not installed or disconnected, or
 * an item that does not act on this service. */
int provisioning_change_codes(tl_db *db, const char *circuit_id,
                              const provisioning_code_qty_t *codes, size_t n,
                              tl_date effective, const char *order_number,
                              const char *item_id, const char *actor,
                              tl_err *err);

/* ---- implementation timeline (timeline.c) ---- */

/* Planned dates come from the order's requested start date (due date, D)
 * and fixed lead times per product family, in days relative to D:
 *
 *   family        foc  ready  installed  turn_up  customer_accepted
 *   private_line  -30   -5       0         +1          +5
 *   dia           -14   -3       0         +1          +5
 *   sip_trunk     -10   -2       0         +1          +5
 *   isdn_pri      -10   -2       0         +1          +5
 *   eodocsis       -7   -1       0          0          +5
 *   managed        -7   -1       0         +1          +5
 *
 * A disconnect item plans foc at D - 5 and disconnected on D. */
typedef struct provisioning_timeline_row {
    const char *item_id;
    const char *action; /* add, change, move, disconnect */
    const char *product_id;
    const char *circuit_id; /* "" for an item without a service yet */
    const char *kind;       /* milestone kind */
    int has_planned;        /* 0 when the order has no due date */
    tl_date planned;
    int has_actual;
    tl_date actual;
    int automatic; /* the actual acceptance was automatic */
    int days_late; /* actual (or as-of when missing) - planned, >= 0 */
} provisioning_timeline_row_t;

typedef int (*provisioning_timeline_fn)(const provisioning_timeline_row_t *r,
                                        void *cls, tl_err *err);

/* Calls fn for each milestone of each item of an order (items in order,
 * milestones in their order), planned vs actual; days_late counts up to
 * as_of for a milestone still missing. Returns the row count.
 * TL_ENOTFOUND for an unknown order. */
int provisioning_order_timeline(tl_db *db, const char *order_number,
                                tl_date as_of, provisioning_timeline_fn fn,
                                void *cls, tl_err *err);

/* ---- tasks (tasks.c) ---- */

/* Tasks are created when an order is opened, per item, from its product
 * family and characteristics:
 *   dia           network_admin "assign IPv4 block and routing" (D-3),
 *                 tech_support "turn-up" (D)
 *   sip_trunk,    voice_admin "numbering and DIDs" (D-3),
 *   isdn_pri      tech_support "turn-up" (D)
 *   private_line  fiber_deployment "construction" (D-10, when routeMiles
 *                 is given), network_admin "routing" (D-3),
 *                 tech_support "turn-up" (D)
 *   eodocsis      tech_support "modem activation" (D)
 *   managed       network_admin "configure device" (D-2)
 *   disconnect    network_admin "reclaim IPs" (dia) or "release routing"
 *                 (private_line, managed), voice_admin "release numbers"
 *                 (sip_trunk, isdn_pri), tech_support "disconnect" (D)
 * with D the order's due date (the day it is opened when it has none). */
typedef struct provisioning_task {
    int64_t task_id;
    const char *order_number;
    const char *account_number;
    const char *item_id;
    const char *circuit_id; /* "" when the item has no service yet */
    const char *team; /* network_admin, voice_admin, fiber_deployment, ... */
    const char *kind;
    const char *owner; /* "" when unassigned */
    tl_date due_date;
    const char *status; /* open, in_progress, done, cancelled */
    const char *reason; /* "" when none */
} provisioning_task_t;

typedef struct provisioning_task_filter {
    const char *team;         /* NULL: all */
    const char *status;       /* NULL: all */
    const char *order_number; /* NULL: all */
    int overdue;              /* 1: only open tasks due before as_of */
    tl_date as_of;
} provisioning_task_filter;

typedef int (*provisioning_task_fn)(const provisioning_task_t *t, void *cls,
                                    tl_err *err);

/* Lists tasks by due date, then task number. TL_EINVALID for an unknown
 * team or status. Returns the count. */
int provisioning_task_list(tl_db *db, const provisioning_task_filter *filter,
                           provisioning_task_fn fn, void *cls, tl_err *err);

/* Gives a task to an owner. TL_ENOTFOUND, TL_ECONFLICT once it is done or
 * cancelled. */
int provisioning_task_assign(tl_db *db, int64_t task_id, const char *owner,
                             const char *actor, tl_err *err);

/* Moves a task to status in_progress, done or cancelled (reason required
 * to cancel). The same status again is a no-op; a done or cancelled task
 * changes no more (TL_ECONFLICT). */
int provisioning_task_set_status(tl_db *db, int64_t task_id, const char *status,
                                 const char *reason, const char *actor,
                                 tl_err *err);

typedef struct provisioning_task_check_result {
    int flagged; /* orders put in jeopardy (or with a new reason) */
    int cleared; /* orders whose task jeopardy was cleared */
} provisioning_task_check_result;

/* Puts every order not yet installed (accepted, in_provisioning) with an
 * open task due before as_of in jeopardy
 * ("task <kind> (<team>) overdue since <due>", the earliest such task,
 * since the day after it was due), and clears a task jeopardy from orders
 * that have no overdue task any more. Idempotent. */
int provisioning_task_check(provisioning_task_check_result *out, tl_db *db,
                            tl_date as_of, const char *actor, tl_err *err);

/* ---- service-code audit (audit_codes.c) ---- */

typedef struct provisioning_code_finding {
    const char *circuit_id;
    const char *account_number;
    const char *product_id;
    /* change_without_order, code_not_in_catalog, characteristic_mismatch,
     * codes_differ_from_order */
    const char *finding;
    const char *code; /* the service code concerned, "" for none */
    const char *message;
    int has_monthly_difference;  /* change_without_order only */
    tl_money monthly_difference; /* MRC after - MRC before the change */
} provisioning_code_finding_t;

typedef int (*provisioning_code_finding_fn)(
    const provisioning_code_finding_t *f, void *cls, tl_err *err);

/* Audits the service codes of every service not disconnected on as_of:
 *   change_without_order     a version that changed the codes with no
 *                            order item behind it (with the MRC change)
 *   code_not_in_catalog      a code that is not one of the product's, nor
 *                            of another product of its family, or has no
 *                            price for the account on as_of
 *   characteristic_mismatch  characteristics the product does not allow,
 *                            or a code of a sibling product (a 50 Mbps
 *                            code on a 100 Mbps service)
 *   codes_differ_from_order  codes other than those the last order item
 *                            that set them sold
 * by circuit, then finding. Returns the number of findings. */
int provisioning_audit_codes(tl_db *db, tl_date as_of,
                             provisioning_code_finding_fn fn, void *cls,
                             tl_err *err);

/* ---- suspend and restore requests (requests.c) ---- */

typedef struct provisioning_request {
    int64_t request_id;
    const char *circuit_id;
    const char *account_number;
    const char *kind;  /* suspend, restore */
    const char *state; /* requested, done, cancelled */
    const char *reason;
    const char *requested_by;
    const char *requested_at;
    const char *closed_by;    /* "" while requested */
    const char *closed_at;    /* "" while requested */
    const char *close_reason; /* "" when none */
    int has_effective;
    tl_date effective_date; /* done only */
} provisioning_request_t;

typedef int (*provisioning_request_fn)(const provisioning_request_t *r,
                                       void *cls, tl_err *err);

/* Requests that a service be suspended (shutout) or restored (release).
 * account_id names the account that asks (0: the circuit's own); another
 * account's circuit is TL_ENOTFOUND. A suspend needs an active service, a
 * restore a suspended one (or one with a suspend request open, which
 * conflicts). Asking again while the same request is open returns it
 * (*created 0); the other kind open is TL_ECONFLICT. *request_id receives
 * the request. */
int provisioning_request_suspend(int64_t *request_id, int *created, tl_db *db,
                                 int64_t account_id, const char *circuit_id,
                                 const char *reason, const char *requested_by,
                                 tl_err *err);
int provisioning_request_restore(int64_t *request_id, int *created, tl_db *db,
                                 int64_t account_id, const char *circuit_id,
                                 const char *reason, const char *requested_by,
                                 tl_err *err);

/* Carries out a requested suspend or restore effective `on`: the service
 * becomes suspended (or active again) with a history version. Doing a done
 * request again is a no-op; a cancelled one is TL_ECONFLICT, as is a
 * service no longer in the state the request needs. */
int provisioning_request_done(tl_db *db, int64_t request_id, tl_date on,
                              const char *actor, tl_err *err);

/* Cancels a requested suspend or restore, with a reason. */
int provisioning_request_cancel(tl_db *db, int64_t request_id,
                                const char *reason, const char *actor,
                                tl_err *err);

/* Lists requests (state NULL: all; else requested, done or cancelled),
 * newest first. Returns the count. */
int provisioning_requests(tl_db *db, const char *state,
                          provisioning_request_fn fn, void *cls, tl_err *err);

#endif
