/*
 * trunkline: the command line of the billing and service-order tracker.
 * Finds the command named by the first one or two words and runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"

static const cli_command *const tables[] = {
    cli_db_commands,        cli_catalog_commands,
    cli_accounts_commands,  cli_contracts_commands,
    cli_orders_commands,    cli_provisioning_commands,
    cli_billing_commands,   cli_collections_commands,
    cli_collections_book_commands,
    cli_equipment_commands, cli_billing_tax_commands,
    cli_reconcile_commands, cli_commission_commands, cli_cash_commands,
    cli_server_commands, cli_collections_acct_commands, NULL};

static void print_overview(FILE *out)
{
    size_t t;
    size_t i;
    char words[64];

    fprintf(out, "trunkline - billing and service-order tracker for "
                 "wholesale and advanced services\n\n"
                 "usage: trunkline COMMAND [OPTIONS]\n\ncommands:\n");
    for (t = 0; tables[t] != NULL; t++) {
        for (i = 0; tables[t][i].group != NULL; i++) {
            const cli_command *cmd = &tables[t][i];
            snprintf(words, sizeof(words), "%s%s%s", cmd->group,
                     cmd->verb ? " " : "", cmd->verb ? cmd->verb : "");
            fprintf(out, "  %-24s  %s\n", words, cmd->summary);
        }
    }
    fprintf(out,
            "\nEvery command takes --help, --json (machine-readable output) "
            "and --actor NAME.\n"
            "The database is $TRUNKLINE_DB (a libpq connection string) or "
            "else the private\ncluster started by scripts/pg.\n"
            "Exit codes: 0 ok, 1 error, 2 usage, 3 invalid input, 4 not "
            "found,\n5 conflict or duplicate, 6 database busy.\n");
}

static int group_exists(const char *group)
{
    size_t t;
    size_t i;

    for (t = 0; tables[t] != NULL; t++)
        for (i = 0; tables[t][i].group != NULL; i++)
            if (strcmp(tables[t][i].group, group) == 0)
                return 1;
    return 0;
}

static void print_group(const char *group)
{
    size_t t;
    size_t i;

    printf("usage: trunkline %s VERB [OPTIONS]\n\n", group);
    for (t = 0; tables[t] != NULL; t++)
        for (i = 0; tables[t][i].group != NULL; i++)
            if (strcmp(tables[t][i].group, group) == 0 &&
                tables[t][i].verb != NULL)
                printf("  %s %-12s %s\n", group, tables[t][i].verb,
                       tables[t][i].summary);
}

static const cli_command *find(const char *group, const char *verb)
{
    size_t t;
    size_t i;

    for (t = 0; tables[t] != NULL; t++) {
        for (i = 0; tables[t][i].group != NULL; i++) {
            const cli_command *cmd = &tables[t][i];
            if (strcmp(cmd->group, group) != 0)
                continue;
            if (cmd->verb == NULL)
                return cmd;
            if (verb != NULL && strcmp(cmd->verb, verb) == 0)
                return cmd;
        }
    }
    return NULL;
}

static const char *default_actor(void)
{
    const char *a = getenv("TRUNKLINE_USER");

    if (a == NULL || a[0] == '\0')
        a = getenv("USER");
    if (a == NULL || a[0] == '\0')
        a = "cli";
    return a;
}

int main(int argc, char **argv)
{
    const cli_command *cmd;
    cli_ctx c;
    char name[64];
    int skip;
    int rc;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        print_overview(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    /* change, move and disconnect orders look services up in inventory */
    orders_set_inventory(provisioning_inventory_lookup);
    if (strcmp(argv[1], "--version") == 0) {
        printf("trunkline 0.1.0\n");
        return CLI_EXIT_OK;
    }
    cmd = find(argv[1], argc > 2 ? argv[2] : NULL);
    if (cmd == NULL) {
        if (group_exists(argv[1])) {
            if (argc > 2 && strcmp(argv[2], "--help") == 0) {
                print_group(argv[1]);
                return CLI_EXIT_OK;
            }
            fprintf(stderr, "trunkline: unknown %s command%s%s\n", argv[1],
                    argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
            print_group(argv[1]);
            return CLI_EXIT_USAGE;
        }
        fprintf(stderr, "trunkline: unknown command \"%s\"\n", argv[1]);
        print_overview(stderr);
        return CLI_EXIT_USAGE;
    }
    memset(&c, 0, sizeof(c));
    skip = cmd->verb ? 3 : 2;
    snprintf(name, sizeof(name), "%s%s%s", cmd->group, cmd->verb ? " " : "",
             cmd->verb ? cmd->verb : "");
    c.name = name;
    c.usage = cmd->usage;
    c.actor = default_actor();
    rc = cmd->run(&c, argc - skip, argv + skip);
    tl_db_close(c.db);
    fflush(stdout);
    return rc;
}
