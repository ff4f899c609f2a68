/*
 * trunkline order submit FILE | validate FILE | accept ORDER | show ORDER
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"

static json_t *order_json(const orders_order_t *o)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "orderNumber",
                     o->order_number, "externalId", o->external_id,
                     "accountNumber", o->account_number, "state", o->state,
                     "requestedStartDate",
                     cli_date_json(o->requested_start_date));
}

static int run_submit(cli_ctx *c, int argc, char **argv)
{
    orders_submit_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    json_t *o;
    int rc;

    rc = cli_json_arg(c, argc, argv, "the order file", &doc);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = orders_submit(&res, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        o = order_json(&res.order);
        if (o != NULL)
            json_object_set_new(o, "created", json_boolean(res.created));
        return cli_print_json(o);
    }
    printf("order %s %s (account %s, state %s)\n", res.order.order_number,
           res.created ? "submitted" : "was already submitted",
           res.order.account_number, res.order.state);
    return CLI_EXIT_OK;
}

static int run_validate(cli_ctx *c, int argc, char **argv)
{
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = cli_json_arg(c, argc, argv, "the order file", &doc);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = orders_validate(c->db, doc, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:b}", "valid", 1));
    printf("order is valid\n");
    return CLI_EXIT_OK;
}

typedef struct accept_ctx {
    const char *order_number;
    const char *actor;
    orders_order_t order;
    int created;
} accept_ctx;

/* Accepting an order and opening it in provisioning are one unit of work:
 * an accepted order always has its services in inventory. */
static int accept_tx(tl_db *db, void *cls, tl_err *err)
{
    accept_ctx *ctx = cls;
    int rc;

    rc = orders_accept(&ctx->order, db, ctx->order_number, ctx->actor, err);
    if (rc < 0)
        return rc;
    rc = provisioning_open_order(&ctx->created, db, ctx->order_number,
                                 ctx->actor, err);
    if (rc < 0)
        return rc;
    return orders_get(&ctx->order, db, ctx->order_number, err);
}

static int service_line(const provisioning_service_t *s, void *cls, tl_err *err)
{
    json_t *arr = cls;
    char install[16] = "-";
    char accept[16] = "-";
    char start[16] = "-";

    (void)err;
    if (s->has_install)
        tl_date_format(install, sizeof(install), s->install_date);
    if (s->has_acceptance)
        tl_date_format(accept, sizeof(accept), s->acceptance_date);
    if (s->has_billing_start)
        tl_date_format(start, sizeof(start), s->billing_start_date);
    if (arr != NULL)
        return json_array_append_new(
                   arr,
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "circuitId",
                             s->circuit_id, "item", s->item_id, "product",
                             s->product_id, "state", s->state, "installDate",
                             install, "acceptanceDate", accept,
                             "billingStartDate", start)) == 0
                   ? 0
                   : TL_ERROR;
    printf("  %-12s item %-4s %-8s %-8s installed %s accepted %s billing "
           "from %s\n",
           s->circuit_id, s->item_id, s->product_id, s->state, install, accept,
           start);
    return 0;
}

static int run_accept(cli_ctx *c, int argc, char **argv)
{
    accept_ctx ctx;
    tl_err err = TL_ERR_INIT;
    json_t *services = NULL;
    json_t *o;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    rc = cli_one_arg(c, argc, argv, "the order number", &ctx.order_number);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    ctx.actor = c->actor;
    rc = tl_db_run_tx(c->db, "order_accept", accept_tx, &ctx, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        services = json_array();
    else
        printf("order %s is %s; %d service%s created in inventory:\n",
               ctx.order.order_number, ctx.order.state, ctx.created,
               ctx.created == 1 ? "" : "s");
    rc = provisioning_order_services(c->db, ctx.order_number, service_line,
                                     services, &err);
    if (rc < 0) {
        json_decref(services);
        return cli_fail(c, rc, &err);
    }
    if (!c->json)
        return CLI_EXIT_OK;
    o = order_json(&ctx.order);
    if (o != NULL) {
        json_object_set_new(o, "servicesCreated", json_integer(ctx.created));
        json_object_set_new(o, "services", services);
    } else {
        json_decref(services);
    }
    return cli_print_json(o);
}

static int history_line(const orders_state_change_t *h, void *cls, tl_err *err)
{
    json_t *arr = cls;

    (void)err;
    if (arr != NULL)
        return json_array_append_new(
                   arr, json_pack("{s:i, s:s?, s:s, s:s, s:s, s:s}", "seq",
                                  h->seq, "from", h->from_state, "to",
                                  h->to_state, "actor", h->actor, "reason",
                                  h->reason, "at", h->changed_at)) == 0
                   ? 0
                   : TL_ERROR;
    printf("  %2d  %s  %-17s -> %-17s %s (%s)\n", h->seq, h->changed_at,
           h->from_state ? h->from_state : "", h->to_state, h->actor,
           h->reason);
    return 0;
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *number = NULL;
    orders_order_t o;
    tl_err err = TL_ERR_INIT;
    json_t *history = NULL;
    json_t *services = NULL;
    json_t *obj;
    char crd[16];
    int rc;

    rc = cli_one_arg(c, argc, argv, "the order number", &number);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = orders_get(&o, c->db, number, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        history = json_array();
        services = json_array();
    } else {
        tl_date_format(crd, sizeof(crd), o.requested_start_date);
        printf("order %s  external id %s  account %s\n  state %s, "
               "requested start %s\nhistory:\n",
               o.order_number, o.external_id, o.account_number, o.state, crd);
    }
    rc = orders_history(c->db, o.account_id, o.order_id, history_line, history,
                        &err);
    if (rc >= 0 && !c->json)
        printf("services:\n");
    if (rc >= 0)
        rc = provisioning_order_services(c->db, o.order_number, service_line,
                                         services, &err);
    if (rc < 0) {
        json_decref(history);
        json_decref(services);
        return cli_fail(c, rc, &err);
    }
    if (!c->json)
        return CLI_EXIT_OK;
    obj = order_json(&o);
    if (obj != NULL) {
        json_object_set_new(obj, "history", history);
        json_object_set_new(obj, "services", services);
    } else {
        json_decref(history);
        json_decref(services);
    }
    return cli_print_json(obj);
}

const cli_command cli_orders_commands[] = {
    {"order", "submit", "validate and store a TMF622 product order",
     "trunkline order submit FILE [--json]\n"
     "FILE is a TMF622 ProductOrder (JSON). Every problem is listed with its\n"
     "field path and nothing is stored unless the whole order is valid.\n"
     "Submitting the same order again returns the stored one.\n",
     run_submit},
    {"order", "validate", "check a TMF622 product order without storing it",
     "trunkline order validate FILE [--json]\n", run_validate},
    {"order", "accept", "accept a submitted order and open it in provisioning",
     "trunkline order accept ORDER_NUMBER [--json]\n", run_accept},
    {"order", "show", "show an order with its history and services",
     "trunkline order show ORDER_NUMBER [--json]\n", run_show},
    {NULL, NULL, NULL, NULL, NULL}};
