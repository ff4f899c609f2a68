/*
 * The trunkline command line: shared plumbing for the per-module command
 * files (argument parsing, connecting, rendering results and errors).
 *
 * Exit codes, the same for every command:
 *   0 ok, 1 unexpected error, 2 usage error, 3 invalid input,
 *   4 not found, 5 conflict or duplicate, 6 database busy (retries ran out)
 */
#ifndef CLI_H
#define CLI_H

#include <jansson.h>
#include <stdint.h>

#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,
    CLI_EXIT_USAGE = 2,
    CLI_EXIT_INVALID = 3,
    CLI_EXIT_NOT_FOUND = 4,
    CLI_EXIT_CONFLICT = 5,
    CLI_EXIT_BUSY = 6
};

typedef struct cli_ctx {
    int json;          /* --json: machine-readable output on stdout */
    const char *actor; /* who is acting: --actor, $TRUNKLINE_USER, $USER */
    const char *name;  /* "order submit", for messages */
    const char *usage; /* the command's usage text, for --help and errors */
    tl_db *db;         /* set by cli_connect */
} cli_ctx;

/* One option of a command: --name VALUE (value != NULL) or a --name flag
 * (flag != NULL). */
typedef struct cli_opt {
    const char *name;
    const char **value;
    int *flag;
} cli_opt;

#define CLI_MAX_POSITIONAL 8

/* Parses argv (after the command words) against opts, always accepting
 * --json, --help and --actor. Positional arguments go to pos (at most
 * max_pos, *npos receives the count). Returns 0, 1 when --help was asked
 * (usage already printed), or -1 after printing a usage error. */
int cli_parse(cli_ctx *c, int argc, char **argv, const cli_opt *opts,
              const char **pos, int max_pos, int *npos);

/* Prints the usage error message and the usage; returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Connects to the database (TRUNKLINE_DB or the private cluster). Returns
 * 0 or an exit code after printing the error. */
int cli_connect(cli_ctx *c);

/* Returned by the argument helpers below when --help was asked and the
 * usage is already printed: the command then exits with CLI_EXIT_OK. */
#define CLI_HELP_SHOWN (-1)

/* For commands taking exactly one positional argument (what names it in
 * the usage error) and no options of their own: parses, connects, and
 * sets *arg. Returns 0, CLI_HELP_SHOWN, or an exit code. */
int cli_one_arg(cli_ctx *c, int argc, char **argv, const char *what,
                const char **arg);

/* As cli_one_arg, and reads the argument as a JSON file into *doc (the
 * caller decrefs it). */
int cli_json_arg(cli_ctx *c, int argc, char **argv, const char *what,
                 json_t **doc);

/* The exit code for what an argument helper returned. */
#define CLI_ARG_EXIT(rc) ((rc) == CLI_HELP_SHOWN ? CLI_EXIT_OK : (rc))

/* Renders err (text on stderr, or JSON {"error": ...} on stdout with
 * --json), clears it, and returns the exit code for status. */
int cli_fail(const cli_ctx *c, int status, tl_err *err);

/* The exit code for a TL_E* status. */
int cli_exit_code(int status);

/* Prints a JSON value on stdout and frees it; returns an exit code. */
int cli_print_json(json_t *value);

/* Parsing helpers for option values: each prints a usage error and returns
 * -1 on bad input. */
int cli_date_arg(const cli_ctx *c, const char *opt, const char *text,
                 tl_date *out);
int cli_int_arg(const cli_ctx *c, const char *opt, const char *text,
                int64_t min, int64_t max, int64_t *out);

/* Today's date (UTC), the default of date options. */
tl_date cli_today(void);

/* JSON builders for money and dates: {"amount": "1150.00", "currency":
 * "USD"} and "YYYY-MM-DD". NULL when memory runs out. */
json_t *cli_money_json(const tl_money *m);
json_t *cli_date_json(tl_date d);

/* A command: the words that name it, and its entry point. */
typedef struct cli_command {
    const char *group; /* "order" */
    const char *verb;  /* "submit", or NULL for a one-word command */
    const char *summary;
    const char *usage;
    int (*run)(cli_ctx *c, int argc, char **argv);
} cli_command;

/* Each command file exports its table, terminated by a zero entry. */
extern const cli_command cli_db_commands[];
extern const cli_command cli_catalog_commands[];
extern const cli_command cli_accounts_commands[];
extern const cli_command cli_contracts_commands[];
extern const cli_command cli_orders_commands[];
extern const cli_command cli_provisioning_commands[];
extern const cli_command cli_equipment_commands[];
extern const cli_command cli_billing_commands[];
extern const cli_command cli_billing_tax_commands[];
extern const cli_command cli_collections_commands[];
extern const cli_command cli_collections_book_commands[];
extern const cli_command cli_reconcile_commands[];
extern const cli_command cli_commission_commands[];
extern const cli_command cli_cash_commands[];
extern const cli_command cli_server_commands[];
extern const cli_command cli_collections_acct_commands[];

/* Prints one CSV field (RFC 4180: quoted when it holds a comma, quote or
 * line break), then a comma, or a line break when last. */
void cli_csv_field(const char *s, int last);

#endif
