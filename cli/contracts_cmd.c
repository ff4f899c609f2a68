/*
 * trunkline contract load FILE
 */
#include <stdio.h>

#include "cli/cli.h"
#include "contracts/contracts.h"

static int run_load(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    contracts_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the agreement file is required");
    rc = cli_load_json_file(c, pos[0], &doc);
    if (rc != 0)
        return rc;
    rc = cli_connect(c);
    if (rc != 0)
        goto cleanup;
    rc = contracts_load(&res, c->db, doc, c->actor, &err);
    if (rc < 0) {
        rc = cli_fail(c, rc, &err);
        goto cleanup;
    }
    if (c->json) {
        rc = cli_print_json(json_pack("{s:I, s:b}", "agreementId",
                                      (json_int_t)res.agreement_id, "created",
                                      res.created));
    } else {
        printf("agreement %s\n", res.created ? "loaded"
                                             : "already loaded, "
                                               "unchanged");
        rc = CLI_EXIT_OK;
    }
cleanup:
    json_decref(doc);
    tl_err_clear(&err);
    return rc;
}

const cli_command cli_contracts_commands[] = {
    {"contract", "load", "load an agreement with its contracted rates",
     "trunkline contract load FILE [--json]\n"
     "FILE is JSON: {\"ref\", \"accountNumber\", \"startDate\","
     " \"termMonths\", \"autoAcceptanceDays\",\n"
     " \"currency\", \"rates\": [{\"code\", \"amount\": \"1150.00\"}]}\n",
     run_load},
    {NULL, NULL, NULL, NULL, NULL}};
