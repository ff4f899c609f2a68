/*
 * trunkline catalog load FILE
 */
#include <stdio.h>

#include "catalog/catalog.h"
#include "cli/cli.h"

static int run_load(cli_ctx *c, int argc, char **argv)
{
    catalog_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = cli_json_arg(c, argc, argv, "the catalog file", &doc);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = catalog_load(&res, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:i, s:i, s:i, s:i}", "productsAdded", res.products_added,
            "serviceCodesAdded", res.codes_added, "pricesAdded",
            res.prices_added, "unchanged", res.unchanged));
    printf("catalog loaded: %d products, %d service codes, %d prices added; "
           "%d unchanged\n",
           res.products_added, res.codes_added, res.prices_added,
           res.unchanged);
    return CLI_EXIT_OK;
}

const cli_command cli_catalog_commands[] = {
    {"catalog", "load", "load products, service codes and list prices",
     "trunkline catalog load FILE [--json]\n"
     "FILE is JSON: {\"serviceCodes\": [{\"code\", \"name\", \"chargeKind\":"
     " \"MRC\"|\"NRC\",\n"
     "  \"nrcCategory\", \"prices\": [{\"currency\", \"amount\": \"1450.00\","
     " \"effectiveFrom\"}]}],\n"
     " \"products\": [{\"id\", \"name\", \"family\", \"serviceCodes\":"
     " [\"CODE\", ...]}]}\n"
     "Nothing is loaded when any row is bad; loading it again changes"
     " nothing.\n",
     run_load},
    {NULL, NULL, NULL, NULL, NULL}};
