/*
 * trunkline account load FILE | show NUMBER
 */
#include <stdio.h>

#include "accounts/accounts.h"
#include "cli/cli.h"

static int run_load(cli_ctx *c, int argc, char **argv)
{
    accounts_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = cli_json_arg(c, argc, argv, "the account file", &doc);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = accounts_load(&res, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:i, s:i, s:i, s:i}", "customerId",
            (json_int_t)res.customer_id, "customersAdded", res.customers_added,
            "accountsAdded", res.accounts_added, "sitesAdded", res.sites_added,
            "unchanged", res.unchanged));
    printf("accounts loaded: %d customers, %d accounts, %d sites added; "
           "%d unchanged\n",
           res.customers_added, res.accounts_added, res.sites_added,
           res.unchanged);
    return CLI_EXIT_OK;
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *number = NULL;
    accounts_account_t a;
    tl_err err = TL_ERR_INIT;
    int rc;

    rc = cli_one_arg(c, argc, argv, "the account number", &number);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = accounts_get(&a, c->db, number, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:s, s:s, s:s, s:i, s:i, s:s}", "accountNumber",
            a.account_number, "name", a.name, "customer", a.customer_name,
            "currency", a.currency, "billCycleDay", a.bill_cycle_day,
            "paymentTermsDays", a.payment_terms_days, "status", a.status));
    printf("%s  %s (%s)\n  currency %s, bill cycle day %d, net %d, %s\n",
           a.account_number, a.name, a.customer_name, a.currency,
           a.bill_cycle_day, a.payment_terms_days, a.status);
    return CLI_EXIT_OK;
}

const cli_command cli_accounts_commands[] = {
    {"account", "load", "load a customer with its billing accounts and sites",
     "trunkline account load FILE [--json]\n"
     "FILE is JSON: {\"customer\": {\"ref\", \"name\", \"kind\":"
     " \"enterprise\"|\"wholesale\"},\n"
     " \"accounts\": [{\"accountNumber\", \"name\", \"currency\","
     " \"billCycleDay\", \"paymentTermsDays\",\n"
     "   \"sites\": [{\"name\", \"address\": {\"line1\", \"line2\", \"city\","
     " \"region\", \"postcode\", \"country\"}}]}]}\n",
     run_load},
    {"account", "show", "show a billing account",
     "trunkline account show ACCOUNT_NUMBER [--json]\n", run_show},
    {NULL, NULL, NULL, NULL, NULL}};
