/*
 * trunkline catalog load FILE
 */
#include <stdio.h>

#include "catalog/catalog.h"
#include "cli/cli.h"

static int run_load(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    catalog_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the catalog file is required");
    rc = cli_load_json_file(c, pos[0], &doc);
    if (rc != 0)
        return rc;
    rc = cli_connect(c);
    if (rc != 0)
        goto cleanup;
    rc = catalog_load(&res, c->db, doc, c->actor, &err);
    if (rc < 0) {
        rc = cli_fail(c, rc, &err);
        goto cleanup;
    }
    if (c->json) {
        rc = cli_print_json(json_pack(
            "{s:i, s:i, s:i, s:i}", "productsAdded", res.products_added,
            "serviceCodesAdded", res.codes_added, "pricesAdded",
            res.prices_added, "unchanged", res.unchanged));
    } else {
        printf("catalog loaded: %d products, %d service codes, %d prices "
               "added; %d unchanged\n",
               res.products_added, res.codes_added, res.prices_added,
               res.unchanged);
        rc = CLI_EXIT_OK;
    }
cleanup:
    json_decref(doc);
    tl_err_clear(&err);
    return rc;
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
