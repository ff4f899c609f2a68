/*
 * trunkline contract load FILE
 */
#include <stdio.h>

#include "cli/cli.h"
#include "contracts/contracts.h"

static int run_load(cli_ctx *c, int argc, char **argv)
{
    contracts_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = cli_json_arg(c, argc, argv, "the agreement file", &doc);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = contracts_load(&res, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:b}", "agreementId",
                                        (json_int_t)res.agreement_id, "created",
                                        res.created));
    printf("agreement %s\n",
           res.created ? "loaded" : "already loaded, unchanged");
    return CLI_EXIT_OK;
}

const cli_command cli_contracts_commands[] = {
    {"contract", "load", "load an agreement with its contracted rates",
     "trunkline contract load FILE [--json]\n"
     "FILE is JSON: {\"ref\", \"accountNumber\", \"startDate\","
     " \"termMonths\", \"autoAcceptanceDays\",\n"
     " \"currency\", \"rates\": [{\"code\", \"amount\": \"1150.00\"}]}\n",
     run_load},
    {NULL, NULL, NULL, NULL, NULL}};
