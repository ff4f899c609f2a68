/*
 * trunkline task list | assign | start | done | cancel | check
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/provisioning_cmd.h"
#include "provisioning/provisioning.h"

static int task_row(const provisioning_task_t *t, void *cls, tl_err *err)
{
    json_t *arr = cls;
    char due[16];

    tl_date_format(due, sizeof(due), t->due_date);
    if (arr == NULL) {
        printf("  %-5lld %-11s %-4s %-14s %-16s %-30s %-10s %-11s %s\n",
               (long long)t->task_id, t->order_number, t->item_id,
               t->circuit_id[0] ? t->circuit_id : "-", t->team, t->kind, due,
               t->status, t->owner[0] ? t->owner : "(unassigned)");
        return 0;
    }
    if (json_array_append_new(
            arr,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
                      " s:s, s:s}",
                      "taskId", (json_int_t)t->task_id, "orderNumber",
                      t->order_number, "accountNumber", t->account_number,
                      "item", t->item_id, "circuitId", t->circuit_id, "team",
                      t->team, "kind", t->kind, "owner", t->owner, "dueDate",
                      due, "status", t->status, "reason", t->reason)) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int prov_cli_task_list(cli_ctx *c, int argc, char **argv)
{
    const char *overdue = NULL;
    provisioning_task_filter f;
    const cli_opt opts[] = {{"team", &f.team, NULL},
                            {"status", &f.status, NULL},
                            {"order", &f.order_number, NULL},
                            {"overdue-as-of", &overdue, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    int rc;

    memset(&f, 0, sizeof(f));
    rc = prov_cli_args(c, argc, argv, opts, pos, 0, 0, "");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (overdue != NULL) {
        if (cli_date_arg(c, "overdue-as-of", overdue, &f.as_of) != 0)
            return CLI_EXIT_USAGE;
        f.overdue = 1;
    }
    if (c->json)
        arr = json_array();
    rc = provisioning_task_list(c->db, &f, task_row, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", "tasks", arr));
    printf("%d task%s\n", rc, rc == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

int prov_cli_task_assign(cli_ctx *c, int argc, char **argv)
{
    const char *owner = NULL;
    const cli_opt opts[] = {{"owner", &owner, NULL}, {NULL, NULL, NULL}};
    const char *pos[1] = {NULL};
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 1, 1, "the task id");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (prov_cli_id(c, "the task id", pos[0], &id) != 0)
        return CLI_EXIT_USAGE;
    if (owner == NULL)
        return cli_usage_error(c, "--owner NAME is required");
    rc = provisioning_task_assign(c->db, id, owner, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:I, s:s}", "taskId", (json_int_t)id, "owner", owner));
    printf("task %lld is %s's\n", (long long)id, owner);
    return CLI_EXIT_OK;
}

static int set_status(cli_ctx *c, int argc, char **argv, const char *status)
{
    const char *reason = NULL;
    const cli_opt opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
    const char *pos[1] = {NULL};
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 1, 1, "the task id");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (prov_cli_id(c, "the task id", pos[0], &id) != 0)
        return CLI_EXIT_USAGE;
    if (strcmp(status, "cancelled") == 0 && reason == NULL)
        return cli_usage_error(c, "--reason TEXT is required");
    rc =
        provisioning_task_set_status(c->db, id, status, reason, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s}", "taskId", (json_int_t)id,
                                        "status", status));
    printf("task %lld is %s\n", (long long)id, status);
    return CLI_EXIT_OK;
}

int prov_cli_task_start(cli_ctx *c, int argc, char **argv)
{
    return set_status(c, argc, argv, "in_progress");
}

int prov_cli_task_done(cli_ctx *c, int argc, char **argv)
{
    return set_status(c, argc, argv, "done");
}

int prov_cli_task_cancel(cli_ctx *c, int argc, char **argv)
{
    return set_status(c, argc, argv, "cancelled");
}

int prov_cli_task_check(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    provisioning_task_check_result res;
    tl_err err = TL_ERR_INIT;
    tl_date on;
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 0, 0, "");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (cli_date_arg(c, "as-of", as_of_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = provisioning_task_check(&res, c->db, on, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:i, s:i}", "asOf", as_of_text,
                                        "flagged", res.flagged, "cleared",
                                        res.cleared));
    printf("as of %s: %d order%s put in jeopardy, %d cleared\n", as_of_text,
           res.flagged, res.flagged == 1 ? "" : "s", res.cleared);
    return CLI_EXIT_OK;
}
