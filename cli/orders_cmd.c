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

static int load_args(cli_ctx *c, int argc, char **argv, json_t **doc)
{
    const char *pos[1];
    int npos;
    int rc;

    *doc = NULL;
    rc = cli_parse(c, argc, argv, NULL, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? -1 : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the order file is required");
    rc = cli_load_json_file(c, pos[0], doc);
    if (rc != 0)
        return rc;
    return cli_connect(c);
}

static int run_submit(cli_ctx *c, int argc, char **argv)
{
    orders_submit_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = load_args(c, argc, argv, &doc);
    if (rc != 0)
        goto cleanup;
    rc = orders_submit(&res, c->db, doc, c->actor, &err);
    if (rc < 0) {
        rc = cli_fail(c, rc, &err);
        goto cleanup;
    }
    if (c->json) {
        json_t *o = order_json(&res.order);
        json_object_set_new(o, "created", json_boolean(res.created));
        rc = cli_print_json(o);
    } else {
        printf("order %s %s (account %s, state %s)\n", res.order.order_number,
               res.created ? "submitted" : "was already submitted",
               res.order.account_number, res.order.state);
        rc = CLI_EXIT_OK;
    }
cleanup:
    json_decref(doc);
    tl_err_clear(&err);
    return rc < 0 ? CLI_EXIT_OK : rc;
}

static int run_validate(cli_ctx *c, int argc, char **argv)
{
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = load_args(c, argc, argv, &doc);
    if (rc != 0)
        goto cleanup;
    rc = orders_validate(c->db, doc, &err);
    if (rc < 0) {
        rc = cli_fail(c, rc, &err);
        goto cleanup;
    }
    if (c->json)
        rc = cli_print_json(json_pack("{s:b}", "valid", 1));
    else {
        printf("order is valid\n");
        rc = CLI_EXIT_OK;
    }
cleanup:
    json_decref(doc);
    tl_err_clear(&err);
    return rc < 0 ? CLI_EXIT_OK : rc;
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
    const char *pos[1];
    accept_ctx ctx;
    tl_err err = TL_ERR_INIT;
    json_t *services = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the order number is required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    memset(&ctx, 0, sizeof(ctx));
    ctx.order_number = pos[0];
    ctx.actor = c->actor;
    rc = tl_db_run_tx(c->db, "order_accept", accept_tx, &ctx, &err);
    if (rc < 0)
        goto fail;
    if (c->json)
        services = json_array();
    else
        printf("order %s is %s; %d service%s created in inventory:\n",
               ctx.order.order_number, ctx.order.state, ctx.created,
               ctx.created == 1 ? "" : "s");
    rc = provisioning_order_services(c->db, ctx.order_number, service_line,
                                     services, &err);
    if (rc < 0)
        goto fail;
    if (c->json) {
        json_t *o = order_json(&ctx.order);
        json_object_set_new(o, "servicesCreated", json_integer(ctx.created));
        json_object_set_new(o, "services", services);
        return cli_print_json(o);
    }
    return CLI_EXIT_OK;
fail:
    json_decref(services);
    rc = cli_fail(c, rc, &err);
    tl_err_clear(&err);
    return rc;
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
    const char *pos[1];
    orders_order_t o;
    tl_err err = TL_ERR_INIT;
    json_t *history = NULL;
    json_t *services = NULL;
    char crd[16];
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the order number is required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = orders_get(&o, c->db, pos[0], &err);
    if (rc < 0)
        goto fail;
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
    if (rc < 0)
        goto fail;
    if (!c->json)
        printf("services:\n");
    rc = provisioning_order_services(c->db, o.order_number, service_line,
                                     services, &err);
    if (rc < 0)
        goto fail;
    if (c->json) {
        json_t *obj = order_json(&o);
        json_object_set_new(obj, "history", history);
        json_object_set_new(obj, "services", services);
        return cli_print_json(obj);
    }
    return CLI_EXIT_OK;
fail:
    json_decref(history);
    json_decref(services);
    rc = cli_fail(c, rc, &err);
    tl_err_clear(&err);
    return rc;
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
