/*
 * trunkline service milestone | show
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "provisioning/provisioning.h"

static json_t *opt_date(int has, tl_date d)
{
    return has ? cli_date_json(d) : json_null();
}

static int print_service(const cli_ctx *c, const provisioning_service_t *s)
{
    char install[16] = "-";
    char accept[16] = "-";
    char start[16] = "-";

    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "circuitId",
            s->circuit_id, "orderNumber", s->order_number, "item", s->item_id,
            "product", s->product_id, "state", s->state, "installDate",
            opt_date(s->has_install, s->install_date), "acceptanceDate",
            opt_date(s->has_acceptance, s->acceptance_date), "billingStartDate",
            opt_date(s->has_billing_start, s->billing_start_date),
            "disconnectDate", opt_date(s->has_disconnect, s->disconnect_date)));
    if (s->has_install)
        tl_date_format(install, sizeof(install), s->install_date);
    if (s->has_acceptance)
        tl_date_format(accept, sizeof(accept), s->acceptance_date);
    if (s->has_billing_start)
        tl_date_format(start, sizeof(start), s->billing_start_date);
    printf("circuit %s (%s, order %s item %s) is %s\n  installed %s, "
           "accepted %s, billing from %s\n",
           s->circuit_id, s->product_id, s->order_number, s->item_id, s->state,
           install, accept, start);
    return CLI_EXIT_OK;
}

typedef struct only_service {
    provisioning_service_t svc;
    int count;
} only_service;

static int take_service(const provisioning_service_t *s, void *cls, tl_err *err)
{
    only_service *o = cls;

    (void)err;
    if (o->count++ == 0)
        o->svc = *s;
    return 0;
}

/* --order names the circuit when the order has exactly one service. */
static int circuit_of_order(char *circuit, size_t size, cli_ctx *c,
                            const char *order_number, tl_err *err)
{
    only_service o;
    int rc;

    memset(&o, 0, sizeof(o));
    rc =
        provisioning_order_services(c->db, order_number, take_service, &o, err);
    if (rc < 0)
        return rc;
    if (o.count == 0)
        return tl_err_set(err, TL_ENOTFOUND, "no_services", "order",
                          "order %s has no services in inventory (is it "
                          "accepted?)",
                          order_number);
    if (o.count > 1)
        return tl_err_set(err, TL_EINVALID, "ambiguous", "order",
                          "order %s has %d services; name one with "
                          "--circuit",
                          order_number, o.count);
    snprintf(circuit, size, "%s", o.svc.circuit_id);
    return 0;
}

static int run_milestone(cli_ctx *c, int argc, char **argv)
{
    const char *circuit = NULL;
    const char *order = NULL;
    const char *kind = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"circuit", &circuit, NULL},
                            {"order", &order, NULL},
                            {"kind", &kind, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    provisioning_service_t svc;
    tl_err err = TL_ERR_INIT;
    char found[48];
    tl_date date;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if ((circuit == NULL) == (order == NULL))
        return cli_usage_error(c, "name the service with either --circuit "
                                  "or --order");
    if (kind == NULL)
        return cli_usage_error(c, "--kind is required");
    if (cli_date_arg(c, "date", date_text, &date) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (order != NULL) {
        rc = circuit_of_order(found, sizeof(found), c, order, &err);
        if (rc < 0)
            goto fail;
        circuit = found;
    }
    rc = provisioning_record_milestone(&svc, c->db, circuit, kind, date,
                                       c->actor, &err);
    if (rc < 0)
        goto fail;
    return print_service(c, &svc);
fail:
    return cli_fail(c, rc, &err);
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *circuit = NULL;
    provisioning_service_t svc;
    tl_err err = TL_ERR_INIT;
    int rc;

    rc = cli_one_arg(c, argc, argv, "the circuit id", &circuit);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = provisioning_service_get(&svc, c->db, circuit, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return print_service(c, &svc);
}

const cli_command cli_provisioning_commands[] = {
    {"service", "milestone", "record a milestone (install, acceptance, ...)",
     "trunkline service milestone (--circuit ID | --order ORDER_NUMBER)\n"
     "          --kind foc|ready_for_service|installed|turn_up|"
     "customer_accepted\n"
     "          --date YYYY-MM-DD [--json]\n"
     "Acceptance sets the billing start date. Recording the same milestone\n"
     "again is a no-op; another date, or acceptance before install, is\n"
     "refused.\n",
     run_milestone},
    {"service", "show", "show a service in inventory",
     "trunkline service show CIRCUIT_ID [--json]\n", run_show},
    {NULL, NULL, NULL, NULL, NULL}};
