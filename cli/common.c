/*
 * Shared plumbing of the trunkline commands.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "common/json.h"

int cli_usage_error(const cli_ctx *c, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "trunkline %s: ", c->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nusage: %s", c->usage);
    return CLI_EXIT_USAGE;
}

static const cli_opt *find_opt(const cli_opt *opts, const char *name,
                               size_t len)
{
    size_t i;

    for (i = 0; opts != NULL && opts[i].name != NULL; i++)
        if (strlen(opts[i].name) == len &&
            strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

/* Handles the options every command has. Returns 1 when it was one. */
static int common_opt(cli_ctx *c, const char *name, size_t len,
                      const char *inline_value, int *help, int *i, int argc,
                      char **argv, int *bad)
{
    if (len == 4 && strncmp(name, "json", 4) == 0) {
        c->json = 1;
        return 1;
    }
    if (len == 4 && strncmp(name, "help", 4) == 0) {
        *help = 1;
        return 1;
    }
    if (len == 5 && strncmp(name, "actor", 5) == 0) {
        if (inline_value != NULL)
            c->actor = inline_value;
        else if (*i + 1 < argc)
            c->actor = argv[++*i];
        else
            *bad = 1;
        return 1;
    }
    return 0;
}

int cli_parse(cli_ctx *c, int argc, char **argv, const cli_opt *opts,
              const char **pos, int max_pos, int *npos)
{
    int help = 0;
    int i;

    *npos = 0;
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i];
        const char *name;
        const char *eq;
        size_t len;
        const cli_opt *o;
        int bad = 0;

        if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0') {
            if (*npos >= max_pos) {
                cli_usage_error(c, "unexpected argument \"%s\"", arg);
                return -1;
            }
            pos[(*npos)++] = arg;
            continue;
        }
        name = arg + 2;
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
        if (common_opt(c, name, len, eq ? eq + 1 : NULL, &help, &i, argc, argv,
                       &bad)) {
            if (bad) {
                cli_usage_error(c, "--actor needs a value");
                return -1;
            }
            continue;
        }
        o = find_opt(opts, name, len);
        if (o == NULL) {
            cli_usage_error(c, "unknown option --%.*s", (int)len, name);
            return -1;
        }
        if (o->flag != NULL) {
            if (eq != NULL) {
                cli_usage_error(c, "--%s takes no value", o->name);
                return -1;
            }
            *o->flag = 1;
        } else if (eq != NULL) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            cli_usage_error(c, "--%s needs a value", o->name);
            return -1;
        }
    }
    if (help) {
        printf("usage: %s", c->usage);
        return 1;
    }
    return 0;
}

int cli_exit_code(int status)
{
    switch (status) {
    case TL_OK:
        return CLI_EXIT_OK;
    case TL_EINVALID:
    case TL_EOVERFLOW:
    case TL_ECURRENCY:
    case TL_ENEGATIVE:
        return CLI_EXIT_INVALID;
    case TL_ENOTFOUND:
        return CLI_EXIT_NOT_FOUND;
    case TL_ECONFLICT:
    case TL_EDUPLICATE:
        return CLI_EXIT_CONFLICT;
    case TL_ERETRY:
        return CLI_EXIT_BUSY;
    default:
        return CLI_EXIT_ERROR;
    }
}

int cli_fail(const cli_ctx *c, int status, tl_err *err)
{
    if (c->json) {
        json_t *e = tl_err_to_json(err);
        json_t *o = json_object();
        if (e != NULL && o != NULL && json_object_set_new(o, "error", e) == 0) {
            e = NULL;
            tl_json_print(o);
        }
        json_decref(e);
        json_decref(o);
    } else {
        char *text = tl_err_to_text(err);
        fprintf(stderr, "trunkline %s: %s", c->name,
                text ? text : "out of memory\n");
        free(text);
    }
    tl_err_clear(err);
    return cli_exit_code(status);
}

int cli_connect(cli_ctx *c)
{
    tl_err err = TL_ERR_INIT;
    int rc;

    rc = tl_db_connect(&c->db, NULL, NULL, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return 0;
}

static int one_positional(cli_ctx *c, int argc, char **argv, const char *what,
                          const char **arg)
{
    const char *pos[1];
    int npos;
    int rc;

    *arg = NULL;
    rc = cli_parse(c, argc, argv, NULL, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_HELP_SHOWN : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "%s is required", what);
    *arg = pos[0];
    return 0;
}

int cli_one_arg(cli_ctx *c, int argc, char **argv, const char *what,
                const char **arg)
{
    int rc = one_positional(c, argc, argv, what, arg);

    return rc != 0 ? rc : cli_connect(c);
}

/* The file is read before connecting, so that a missing or broken file is
 * reported as such even when the database is down. */
int cli_json_arg(cli_ctx *c, int argc, char **argv, const char *what,
                 json_t **doc)
{
    const char *path = NULL;
    tl_err err = TL_ERR_INIT;
    int rc;

    *doc = NULL;
    rc = one_positional(c, argc, argv, what, &path);
    if (rc != 0)
        return rc;
    rc = tl_json_load_file(doc, path, TL_JSON_MAX_BYTES, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc != 0) {
        json_decref(*doc);
        *doc = NULL;
    }
    return rc;
}

int cli_print_json(json_t *value)
{
    int rc;

    if (value == NULL) {
        fprintf(stderr, "trunkline: out of memory\n");
        return CLI_EXIT_ERROR;
    }
    rc = tl_json_print(value);
    json_decref(value);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

int cli_date_arg(const cli_ctx *c, const char *opt, const char *text,
                 tl_date *out)
{
    if (text == NULL) {
        cli_usage_error(c, "--%s is required", opt);
        return -1;
    }
    if (tl_date_parse(out, text) != 0) {
        cli_usage_error(c, "--%s must be a date YYYY-MM-DD, not \"%s\"", opt,
                        text);
        return -1;
    }
    return 0;
}

int cli_int_arg(const cli_ctx *c, const char *opt, const char *text,
                int64_t min, int64_t max, int64_t *out)
{
    int64_t v = 0;
    const char *s = text;

    if (text == NULL) {
        cli_usage_error(c, "--%s is required", opt);
        return -1;
    }
    if (*s == '\0')
        goto bad;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10)
            goto bad;
        v = v * 10 + (*s - '0');
    }
    if (v < min)
        goto bad;
    *out = v;
    return 0;
bad:
    cli_usage_error(c,
                    "--%s must be a whole number from %lld to %lld, not "
                    "\"%s\"",
                    opt, (long long)min, (long long)max, text);
    return -1;
}

json_t *cli_money_json(const tl_money *m)
{
    char buf[48];

    if (tl_money_format(buf, sizeof(buf), m) < 0)
        return NULL;
    return json_pack("{s:s, s:s}", "amount", buf, "currency", m->cur);
}

json_t *cli_date_json(tl_date d)
{
    char buf[16];

    if (tl_date_format(buf, sizeof(buf), d) < 0)
        return NULL;
    return json_string(buf);
}

tl_date cli_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    tl_date d = 0;

    gmtime_r(&now, &tm);
    tl_date_from_ymd(&d, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return d;
}

void cli_csv_field(const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n") != NULL) {
        putchar('"');
        for (; *s != '\0'; s++) {
            if (*s == '"')
                putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
    putchar(last ? '\n' : ',');
}
