/*
 * trunkline serve: the HTTP API in the foreground until SIGINT or SIGTERM,
 * which let the requests in flight finish before it exits.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"

int cli_user_add(cli_ctx *c, int argc, char **argv);
int cli_user_token(cli_ctx *c, int argc, char **argv);
int cli_user_list(cli_ctx *c, int argc, char **argv);
int cli_user_disable(cli_ctx *c, int argc, char **argv);

static int parse_listen(const cli_ctx *c, const char *text, char *addr,
                        size_t size, unsigned short *port)
{
    const char *colon = strrchr(text, ':');
    int64_t p;

    if (colon == NULL || (size_t)(colon - text) >= size)
        return cli_usage_error(c, "--listen must be ADDR:PORT, not \"%s\"",
                               text);
    memcpy(addr, text, (size_t)(colon - text));
    addr[colon - text] = '\0';
    if (cli_int_arg(c, "--listen", colon + 1, 0, 65535, &p) != 0)
        return -1;
    *port = (unsigned short)p;
    return 0;
}

static int run_serve(cli_ctx *c, int argc, char **argv)
{
    const char *listen = NULL;
    const char *pool = NULL;
    const char *max_body = NULL;
    const char *log = NULL;
    const char *idem_hours = NULL;
    const cli_opt opts[] = {{"listen", &listen, NULL},
                            {"pool", &pool, NULL},
                            {"max-body", &max_body, NULL},
                            {"access-log", &log, NULL},
                            {"idempotency-hours", &idem_hours, NULL},
                            {NULL, NULL, NULL}};
    srv_server *srv = NULL;
    srv_config cfg;
    tl_err err = TL_ERR_INIT;
    char addr[64] = "127.0.0.1";
    char conninfo[1024];
    FILE *logf = stdout;
    int64_t n;
    sigset_t set;
    int sig;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, NULL, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    memset(&cfg, 0, sizeof(cfg));
    cfg.port = 8080;
    cfg.pool = 4;
    if (listen != NULL &&
        parse_listen(c, listen, addr, sizeof(addr), &cfg.port) != 0)
        return CLI_EXIT_USAGE;
    if (pool != NULL) {
        if (cli_int_arg(c, "pool", pool, 1, 256, &n) != 0)
            return CLI_EXIT_USAGE;
        cfg.pool = (unsigned)n;
    }
    if (max_body != NULL) {
        if (cli_int_arg(c, "max-body", max_body, 1024, 64 << 20, &n) != 0)
            return CLI_EXIT_USAGE;
        cfg.max_body = (size_t)n;
    }
    if (idem_hours != NULL) {
        if (cli_int_arg(c, "idempotency-hours", idem_hours, 1, 24 * 366, &n) !=
            0)
            return CLI_EXIT_USAGE;
        cfg.idempotency_hours = (unsigned)n;
    }
    if (log != NULL && strcmp(log, "-") != 0) {
        logf = fopen(log, "a");
        if (logf == NULL) {
            fprintf(stderr, "trunkline serve: cannot open %s\n", log);
            return CLI_EXIT_ERROR;
        }
    }
    if (tl_db_default_conninfo(conninfo, sizeof(conninfo), &err) < 0)
        return cli_fail(c, err.status, &err);
    cfg.listen_addr = addr;
    cfg.conninfo = conninfo;
    cfg.access_log = logf;
    /* Block the signals before the worker threads start, so they inherit
     * the mask and only this thread receives them (sigwait). */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    rc = srv_start(&srv, &cfg, &err);
    if (rc < 0) {
        if (logf != stdout)
            fclose(logf);
        return cli_fail(c, rc, &err);
    }
    if (c->json) {
        printf("{\"url\": \"http://%s:%u\", \"pool\": %u}\n", addr,
               (unsigned)srv_port(srv), cfg.pool);
        fflush(stdout);
    } else {
        fprintf(stderr,
                "trunkline serve: listening on http://%s:%u (pool %u)\n", addr,
                (unsigned)srv_port(srv), cfg.pool);
    }
    sigwait(&set, &sig);
    fprintf(stderr, "trunkline serve: %s, finishing requests in flight\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    srv_stop(srv, 10000);
    if (logf != stdout)
        fclose(logf);
    fprintf(stderr, "trunkline serve: stopped\n");
    return CLI_EXIT_OK;
}

const cli_command cli_server_commands[] = {
    {"serve", NULL, "serve the HTTP API (TMF622, TMF678 and more)",
     "trunkline serve [--listen ADDR:PORT] [--pool N] [--max-body BYTES]\n"
     "                [--access-log FILE] [--idempotency-hours H] [--json]\n"
     "Serves until SIGINT or SIGTERM (requests in flight finish first).\n"
     "--listen defaults to 127.0.0.1:8080, --pool (worker threads and\n"
     "database connections) to 4, --max-body to 1048576. A POST's\n"
     "Idempotency-Key is replayed for --idempotency-hours (24); after that\n"
     "the same key is a new request and the stored answer is deleted. The "
     "access log\n"
     "(one JSON line per request) goes to standard output unless --access-log\n"
     "names a file. /openapi.json describes the routes. --json announces\n"
     "the URL as a JSON line on standard output.\n",
     run_serve},
    {"user", "add", "add an API user with a role",
     "trunkline user add NAME --role ROLE [--person REF] [--password-stdin]\n"
     "                   [--json]\n"
     "ROLE: coordinator, account_executive, agent, finance, collections or\n"
     "admin. Account executives and agents need --person, the person whose\n"
     "accounts they see. --password-stdin reads a password (first line of\n"
     "standard input), stored as an argon2id hash. Adding the same user again\n"
     "changes nothing.\n",
     cli_user_add},
    {"user", "token", "make an API token for a user (printed once)",
     "trunkline user token NAME [--label TEXT] [--json]\n"
     "Prints a new bearer token; only its SHA-256 is stored.\n",
     cli_user_token},
    {"user", "list", "list API users", "trunkline user list [--json]\n",
     cli_user_list},
    {"user", "disable", "disable an API user (tokens and password)",
     "trunkline user disable NAME [--json]\n", cli_user_disable},
    {NULL, NULL, NULL, NULL, NULL},
};
