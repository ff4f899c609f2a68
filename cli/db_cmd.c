/*
 * trunkline db migrate | status
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "common/migrate.h"

static int run_migrate(cli_ctx *c, int argc, char **argv)
{
    const char *dir = NULL;
    const cli_opt opts[] = {{"dir", &dir, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    size_t applied = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (dir == NULL)
        dir = tl_migrate_default_dir();
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = tl_migrate_apply(&applied, c->db, dir, &err);
    if (rc < 0) {
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(
            json_pack("{s:i, s:s}", "applied", (int)applied, "dir", dir));
    printf("%zu migration%s applied from %s\n", applied,
           applied == 1 ? "" : "s", dir);
    return CLI_EXIT_OK;
}

static int run_status(cli_ctx *c, int argc, char **argv)
{
    const char *dir = NULL;
    const cli_opt opts[] = {{"dir", &dir, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_migration *list = NULL;
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    size_t n = 0;
    size_t i;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (dir == NULL)
        dir = tl_migrate_default_dir();
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = tl_migrate_status(&list, &n, c->db, dir, &err);
    if (rc < 0) {
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        arr = json_array();
    for (i = 0; i < n; i++) {
        const tl_migration *m = &list[i];
        const char *state = m->missing   ? "missing"
                            : m->changed ? "changed"
                            : m->applied ? "applied"
                                         : "pending";
        if (arr != NULL)
            json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:s, s:s}",
                                                 "version", m->version, "name",
                                                 m->name, "state", state,
                                                 "checksum", m->checksum,
                                                 "appliedAt", m->applied_at));
        else if (!c->json)
            printf("%04d  %-8s %-40s %s\n", m->version, state, m->name,
                   m->applied_at);
    }
    free(list);
    if (c->json)
        return cli_print_json(json_pack("{s:o}", "migrations", arr));
    return CLI_EXIT_OK;
}

const cli_command cli_db_commands[] = {
    {"db", "migrate", "apply pending schema migrations",
     "trunkline db migrate [--dir DIR] [--json]\n"
     "Applies sql/NNNN_*.sql files not applied yet, in order, each in its\n"
     "own transaction. An applied file that changed stops everything.\n",
     run_migrate},
    {"db", "status", "list applied and pending migrations",
     "trunkline db status [--dir DIR] [--json]\n", run_status},
    {NULL, NULL, NULL, NULL, NULL}};
