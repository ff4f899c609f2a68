/*
 * trunkline user add | token | list | disable: API users and tokens.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "server/server.h"

int cli_user_add(cli_ctx *c, int argc, char **argv);
int cli_user_token(cli_ctx *c, int argc, char **argv);
int cli_user_list(cli_ctx *c, int argc, char **argv);
int cli_user_disable(cli_ctx *c, int argc, char **argv);

int cli_user_add(cli_ctx *c, int argc, char **argv)
{
    const char *role = NULL;
    const char *person = NULL;
    int pw_stdin = 0;
    const cli_opt opts[] = {{"role", &role, NULL},
                            {"person", &person, NULL},
                            {"password-stdin", NULL, &pw_stdin},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    char password[256];
    srv_user_t u;
    tl_err err = TL_ERR_INIT;
    int created = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the user's NAME is required");
    if (role == NULL)
        return cli_usage_error(c, "--role is required");
    if (pw_stdin) {
        if (fgets(password, sizeof(password), stdin) == NULL)
            return cli_usage_error(c, "no password on standard input");
        password[strcspn(password, "\r\n")] = '\0';
    }
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = srv_user_add(&u, &created, c->db, pos[0], role, person,
                      pw_stdin ? password : NULL, c->actor, &err);
    memset(password, 0, sizeof(password));
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:s, s:s, s:b}", "username",
                                        u.username, "role", u.role, "personRef",
                                        u.person_ref, "created", created));
    printf("%s user %s (%s%s%s)\n", created ? "added" : "unchanged", u.username,
           u.role, u.person_ref[0] ? ", " : "", u.person_ref);
    return CLI_EXIT_OK;
}

int cli_user_token(cli_ctx *c, int argc, char **argv)
{
    const char *label = NULL;
    const cli_opt opts[] = {{"label", &label, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    char token[65];
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the user's NAME is required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = srv_user_token(token, sizeof(token), c->db, pos[0], label, c->actor,
                        &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:s}", "username", pos[0], "token", token));
    printf("%s\n", token);
    return CLI_EXIT_OK;
}

static int list_one(const srv_user_t *u, void *cls, tl_err *err)
{
    json_t *arr = cls;

    (void)err;
    if (arr != NULL)
        return json_array_append_new(
                   arr, json_pack("{s:s, s:s, s:s, s:b}", "username",
                                  u->username, "role", u->role, "personRef",
                                  u->person_ref, "disabled", u->disabled)) == 0
                   ? 0
                   : TL_ERROR;
    printf("%-24s %-18s %-16s %s\n", u->username, u->role, u->person_ref,
           u->disabled ? "disabled" : "");
    return 0;
}

int cli_user_list(cli_ctx *c, int argc, char **argv)
{
    const cli_opt opts[] = {{NULL, NULL, NULL}};
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, NULL, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        arr = json_array();
    rc = srv_user_list(c->db, list_one, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    return arr != NULL ? cli_print_json(arr) : CLI_EXIT_OK;
}

int cli_user_disable(cli_ctx *c, int argc, char **argv)
{
    const char *name = NULL;
    tl_err err = TL_ERR_INIT;
    int rc;

    rc = cli_one_arg(c, argc, argv, "NAME", &name);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = srv_user_disable(c->db, name, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:b}", "username", name, "disabled", 1));
    printf("disabled user %s\n", name);
    return CLI_EXIT_OK;
}
