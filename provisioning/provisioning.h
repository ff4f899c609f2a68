/*
 * provisioning: the service inventory created from accepted orders, and the
 * milestones that bring a service to billing.
 *
 * Milestones. Each kind is recorded once per service; recording the same
 * date again is a no-op, another date is TL_ECONFLICT. customer_accepted
 * needs installed first and cannot be dated before it. When a service is
 * accepted its billing start date is the acceptance date and it becomes
 * active; the order follows (in_provisioning -> installed ->
 * customer_accepted -> billing) once all its services have.
 */
#ifndef PROVISIONING_H
#define PROVISIONING_H

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
    char state[16]; /* pending, active, disconnected */
    int has_install, has_acceptance, has_billing_start, has_disconnect;
    tl_date install_date;
    tl_date acceptance_date;
    tl_date billing_start_date;
    tl_date disconnect_date;
} provisioning_service_t;

/* Starts provisioning of an accepted order: moves it to in_provisioning and
 * creates one pending service per order item with the item's service codes.
 * Calling it again for the same order creates nothing (*created 0).
 * TL_ECONFLICT when the order is not accepted (or already past). */
int provisioning_open_order(int *created, tl_db *db, const char *order_number,
                            const char *actor, tl_err *err);

/* Milestone kinds. */
#define PROVISIONING_INSTALLED "installed"
#define PROVISIONING_ACCEPTED "customer_accepted"

/* Records a milestone (foc, ready_for_service, installed, turn_up,
 * customer_accepted) for a service and applies its consequences described
 * above. *out receives the service as it is afterwards. */
int provisioning_record_milestone(provisioning_service_t *out, tl_db *db,
                                  const char *circuit_id, const char *kind,
                                  tl_date date, const char *actor, tl_err *err);

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

#endif
