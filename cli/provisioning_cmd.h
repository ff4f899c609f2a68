/*
 * The provisioning command files (service and task groups) share these:
 * the entry points the table in provisioning_cmd.c lists, and argument
 * helpers.
 */
#ifndef CLI_PROVISIONING_CMD_H
#define CLI_PROVISIONING_CMD_H

#include "cli/cli.h"

/* Parses options and between min_pos and max_pos positional arguments
 * (what names the first in a usage error), then connects. Returns 0,
 * CLI_HELP_SHOWN, or an exit code. */
int prov_cli_args(cli_ctx *c, int argc, char **argv, const cli_opt *opts,
                  const char **pos, int min_pos, int max_pos, const char *what);

/* A positive whole number argument (a task or request number) into *out;
 * prints a usage error and returns CLI_EXIT_USAGE otherwise. */
int prov_cli_id(const cli_ctx *c, const char *what, const char *text,
                int64_t *out);

/* "-" or the date. */
const char *prov_cli_date(char buf[16], int has, tl_date d);

int prov_cli_audit_codes(cli_ctx *c, int argc, char **argv);
int prov_cli_change_codes(cli_ctx *c, int argc, char **argv);
int prov_cli_suspend(cli_ctx *c, int argc, char **argv);
int prov_cli_restore(cli_ctx *c, int argc, char **argv);
int prov_cli_requests(cli_ctx *c, int argc, char **argv);
int prov_cli_request_done(cli_ctx *c, int argc, char **argv);
int prov_cli_request_cancel(cli_ctx *c, int argc, char **argv);

int prov_cli_task_list(cli_ctx *c, int argc, char **argv);
int prov_cli_task_assign(cli_ctx *c, int argc, char **argv);
int prov_cli_task_start(cli_ctx *c, int argc, char **argv);
int prov_cli_task_done(cli_ctx *c, int argc, char **argv);
int prov_cli_task_cancel(cli_ctx *c, int argc, char **argv);
int prov_cli_task_check(cli_ctx *c, int argc, char **argv);

#endif
