/*
 * trunkline service milestone | show | history | auto-accept | timeline,
 * and the table of every service and task command (the others live in
 * provisioning_audit_cmd.c and tasks_cmd.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/provisioning_cmd.h"
#include "provisioning/provisioning.h"

/* ---- shared helpers ---- */

int prov_cli_args(cli_ctx *c, int argc, char **argv, const cli_opt *opts,
                  const char **pos, int min_pos, int max_pos, const char *what)
{
    int npos = 0;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, max_pos, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_HELP_SHOWN : CLI_EXIT_USAGE;
    if (npos < min_pos)
        return cli_usage_error(c, "%s is required", what);
    return cli_connect(c);
}

int prov_cli_id(const cli_ctx *c, const char *what, const char *text,
                int64_t *out)
{
    int64_t v = 0;
    const char *s = text;

    if (s == NULL || *s == '\0')
        return cli_usage_error(c, "%s is required", what);
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
            return cli_usage_error(c, "%s must be a whole number, not \"%s\"",
                                   what, text);
        v = v * 10 + (*s - '0');
    }
    if (v == 0)
        return cli_usage_error(c, "%s must be a whole number, not \"%s\"", what,
                               text);
    *out = v;
    return 0;
}

const char *prov_cli_date(char buf[16], int has, tl_date d)
{
    if (!has)
        snprintf(buf, 16, "-");
    else
        tl_date_format(buf, 16, d);
    return buf;
}

static json_t *opt_date(int has, tl_date d)
{
    return has ? cli_date_json(d) : json_null();
}

static json_t *service_json(const provisioning_service_t *s)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "circuitId",
        s->circuit_id, "orderNumber", s->order_number, "item", s->item_id,
        "product", s->product_id, "state", s->state, "installDate",
        opt_date(s->has_install, s->install_date), "acceptanceDate",
        opt_date(s->has_acceptance, s->acceptance_date), "billingStartDate",
        opt_date(s->has_billing_start, s->billing_start_date), "disconnectDate",
        opt_date(s->has_disconnect, s->disconnect_date));
}

static void print_service_text(const provisioning_service_t *s)
{
    char install[16];
    char accept[16];
    char start[16];
    char end[16];

    printf("circuit %s (%s, order %s item %s) is %s\n  installed %s, "
           "accepted %s, billing from %s",
           s->circuit_id, s->product_id, s->order_number, s->item_id, s->state,
           prov_cli_date(install, s->has_install, s->install_date),
           prov_cli_date(accept, s->has_acceptance, s->acceptance_date),
           prov_cli_date(start, s->has_billing_start, s->billing_start_date));
    if (s->has_disconnect)
        printf(", disconnected %s", prov_cli_date(end, 1, s->disconnect_date));
    printf("\n");
}

static int print_service(const cli_ctx *c, const provisioning_service_t *s)
{
    if (c->json)
        return cli_print_json(service_json(s));
    print_service_text(s);
    return CLI_EXIT_OK;
}

/* ---- service milestone ---- */

static int run_milestone(cli_ctx *c, int argc, char **argv)
{
    const char *circuit = NULL;
    const char *order = NULL;
    const char *item = NULL;
    const char *kind = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {
        {"circuit", &circuit, NULL}, {"order", &order, NULL},
        {"item", &item, NULL},       {"kind", &kind, NULL},
        {"date", &date_text, NULL},  {NULL, NULL, NULL}};
    const char *pos[1];
    provisioning_service_t svc;
    tl_err err = TL_ERR_INIT;
    tl_date date;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if ((circuit == NULL) == (order == NULL))
        return cli_usage_error(c, "name the service with either --circuit "
                                  "or --order");
    if (item != NULL && order == NULL)
        return cli_usage_error(c, "--item goes with --order");
    if (kind == NULL)
        return cli_usage_error(c, "--kind is required");
    if (cli_date_arg(c, "date", date_text, &date) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (order != NULL)
        rc = provisioning_record_item_milestone(&svc, c->db, order, item, kind,
                                                date, c->actor, &err);
    else
        rc = provisioning_record_milestone(&svc, c->db, circuit, kind, date,
                                           c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return print_service(c, &svc);
}

/* ---- service show / history ---- */

static json_t *version_json(const provisioning_version_t *v)
{
    json_t *chars = json_loads(v->characteristics, 0, NULL);
    json_t *codes = json_loads(v->codes, 0, NULL);

    return json_pack(
        "{s:i, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s}",
        "version", v->version, "effectiveDate",
        cli_date_json(v->effective_date), "kind", v->kind, "state", v->state,
        "product", v->product_id, "address", v->address, "zAddress",
        v->z_address, "characteristics", chars ? chars : json_object(), "codes",
        codes ? codes : json_array(), "orderNumber", v->order_number, "item",
        v->item_id, "actor", v->actor, "recordedAt", v->recorded_at);
}

static void print_version_text(const provisioning_version_t *v)
{
    char day[16];

    tl_date_format(day, sizeof(day), v->effective_date);
    printf("  %s  v%-2d %-13s %-12s %-9s %s%s%s\n      codes %s  by %s%s%s\n",
           day, v->version, v->kind, v->state, v->product_id, v->address,
           v->z_address[0] ? " <-> " : "", v->z_address, v->codes, v->actor,
           v->order_number[0] ? ", order " : ", no order", v->order_number);
}

typedef struct history_out {
    json_t *arr; /* NULL: text */
} history_out;

static int history_row(const provisioning_version_t *v, void *cls, tl_err *err)
{
    history_out *h = cls;

    if (h->arr == NULL) {
        print_version_text(v);
        return 0;
    }
    if (json_array_append_new(h->arr, version_json(v)) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

static int as_of_row(const provisioning_version_t *v, void *cls, tl_err *err)
{
    json_t **out = cls;

    *out = version_json(v);
    return *out == NULL ? tl_err_set(err, TL_ERROR, "internal", "", "oom") : 0;
}

static int show_as_of(cli_ctx *c, const char *circuit, tl_date on, json_t *doc,
                      tl_err *err)
{
    json_t *v = NULL;
    char *codes;
    char when[16];
    int rc;

    tl_date_format(when, sizeof(when), on);
    rc = provisioning_service_as_of(c->db, circuit, on, as_of_row, &v, err);
    if (rc < 0)
        return rc;
    if (doc != NULL) {
        json_object_set_new(doc, "asOf", v);
        return 0;
    }
    codes = json_dumps(json_object_get(v, "codes"), JSON_COMPACT);
    printf("as of %s (version of %s): %s, %s at %s, codes %s\n", when,
           json_string_value(json_object_get(v, "effectiveDate")),
           json_string_value(json_object_get(v, "state")),
           json_string_value(json_object_get(v, "product")),
           json_string_value(json_object_get(v, "address")),
           codes != NULL ? codes : "?");
    free(codes);
    json_decref(v);
    return 0;
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1] = {NULL};
    provisioning_service_t svc;
    history_out h = {NULL};
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    tl_date on = 0;
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 1, 1, "the circuit id");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (as_of_text != NULL && cli_date_arg(c, "as-of", as_of_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = provisioning_service_get(&svc, c->db, pos[0], &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        doc = service_json(&svc);
        h.arr = json_array();
        json_object_set_new(doc, "history", h.arr);
    } else {
        print_service_text(&svc);
    }
    if (as_of_text != NULL) {
        rc = show_as_of(c, pos[0], on, doc, &err);
        if (rc < 0) {
            json_decref(doc);
            return cli_fail(c, rc, &err);
        }
    }
    if (!c->json)
        printf("history:\n");
    rc = provisioning_service_history(c->db, pos[0], history_row, &h, &err);
    if (rc < 0) {
        json_decref(doc);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(doc);
    if (rc == 0)
        printf("  (not installed yet)\n");
    return CLI_EXIT_OK;
}

static int run_history(cli_ctx *c, int argc, char **argv)
{
    const char *circuit = NULL;
    history_out h = {NULL};
    tl_err err = TL_ERR_INIT;
    int rc;

    rc = cli_one_arg(c, argc, argv, "the circuit id", &circuit);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (c->json)
        h.arr = json_array();
    rc = provisioning_service_history(c->db, circuit, history_row, &h, &err);
    if (rc < 0) {
        json_decref(h.arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:o}", "circuitId", circuit, "history", h.arr));
    if (rc == 0)
        printf("circuit %s has no history yet (not installed)\n", circuit);
    return CLI_EXIT_OK;
}

/* ---- service auto-accept ---- */

static int auto_row(const provisioning_auto_acceptance_t *a, void *cls,
                    tl_err *err)
{
    json_t *arr = cls;
    char installed[16];
    char accepted[16];

    tl_date_format(installed, sizeof(installed), a->installed);
    tl_date_format(accepted, sizeof(accepted), a->accepted);
    if (arr == NULL) {
        printf("  %-14s %s installed %s, accepted %s (%s: %d days)\n",
               a->circuit_id, a->order_number, installed, accepted,
               a->agreement_ref, a->days);
        return 0;
    }
    if (json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:i, s:s, s:s}", "circuitId",
                           a->circuit_id, "orderNumber", a->order_number,
                           "agreement", a->agreement_ref, "days", a->days,
                           "installDate", installed, "acceptanceDate",
                           accepted)) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

static int run_auto_accept(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    tl_date on;
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 0, 0, "");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (cli_date_arg(c, "as-of", as_of_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (c->json)
        arr = json_array();
    rc = provisioning_auto_accept(c->db, on, auto_row, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:i, s:o}", "asOf", as_of_text,
                                        "accepted", rc, "services", arr));
    printf("%d service%s accepted automatically as of %s\n", rc,
           rc == 1 ? "" : "s", as_of_text);
    return CLI_EXIT_OK;
}

/* ---- service timeline ---- */

static int timeline_row(const provisioning_timeline_row_t *r, void *cls,
                        tl_err *err)
{
    json_t *arr = cls;
    char planned[16];
    char actual[16];

    prov_cli_date(planned, r->has_planned, r->planned);
    prov_cli_date(actual, r->has_actual, r->actual);
    if (arr == NULL) {
        printf("  %-4s %-10s %-14s %-18s planned %-10s actual %-10s%s",
               r->item_id, r->action, r->circuit_id[0] ? r->circuit_id : "-",
               r->kind, planned, actual, r->automatic ? " (auto)" : "");
        if (r->days_late > 0)
            printf("  %d day%s late", r->days_late,
                   r->days_late == 1 ? "" : "s");
        printf("\n");
        return 0;
    }
    if (json_array_append_new(
            arr,
            json_pack(
                "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b, s:i}", "item",
                r->item_id, "action", r->action, "product", r->product_id,
                "circuitId", r->circuit_id, "milestone", r->kind, "planned",
                r->has_planned ? json_string(planned) : json_null(), "actual",
                r->has_actual ? json_string(actual) : json_null(), "automatic",
                r->automatic, "daysLate", r->days_late)) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

static int run_timeline(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1] = {NULL};
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    tl_date on = cli_today();
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 1, 1, "the order number");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (as_of_text != NULL && cli_date_arg(c, "as-of", as_of_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (c->json)
        arr = json_array();
    else
        printf("implementation timeline of %s (planned vs actual):\n", pos[0]);
    rc =
        provisioning_order_timeline(c->db, pos[0], on, timeline_row, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:o}", "orderNumber", pos[0], "timeline", arr));
    return CLI_EXIT_OK;
}

const cli_command cli_provisioning_commands[] = {
    {"service", "milestone", "record a milestone (install, acceptance, ...)",
     "trunkline service milestone (--circuit ID | --order ORDER [--item ID])\n"
     "          --kind foc|ready_for_service|installed|turn_up|"
     "customer_accepted|disconnected\n"
     "          --date YYYY-MM-DD [--json]\n"
     "Milestones keep their order by date; acceptance sets the billing\n"
     "start date; installed applies a change or move; disconnected ends\n"
     "billing. The same milestone again is a no-op; another date is\n"
     "refused. --circuit picks the item acting on the circuit now.\n",
     run_milestone},
    {"service", "show", "show a service, as of a date, with its history",
     "trunkline service show CIRCUIT_ID [--as-of YYYY-MM-DD] [--json]\n",
     run_show},
    {"service", "history", "every version of a service",
     "trunkline service history CIRCUIT_ID [--json]\n", run_history},
    {"service", "auto-accept",
     "accept installed services after the "
     "contract's days",
     "trunkline service auto-accept --as-of YYYY-MM-DD [--json]\n"
     "Accepts every installed, unaccepted service on install + the\n"
     "auto-acceptance days of its agreement, when that day is not after\n"
     "--as-of. Running it again changes nothing.\n",
     run_auto_accept},
    {"service", "timeline", "implementation timeline of an order",
     "trunkline service timeline ORDER_NUMBER [--as-of YYYY-MM-DD] [--json]\n"
     "Planned (due date plus lead times per family) against actual\n"
     "milestone dates; lateness counts to --as-of (default today).\n",
     run_timeline},
    {"service", "audit-codes", "service-code audit",
     "trunkline service audit-codes [--as-of YYYY-MM-DD] [--csv] [--json]\n"
     "Findings: change_without_order, code_not_in_catalog,\n"
     "characteristic_mismatch, codes_differ_from_order.\n",
     prov_cli_audit_codes},
    {"service", "change-codes", "change the service codes of a service",
     "trunkline service change-codes CIRCUIT_ID --codes CODE[:QTY],...\n"
     "          --date YYYY-MM-DD [--order ORDER --item ID] [--json]\n"
     "Without --order the change has no order behind it and the audit\n"
     "reports it.\n",
     prov_cli_change_codes},
    {"service", "suspend", "request a suspension (shutout)",
     "trunkline service suspend CIRCUIT_ID --reason TEXT [--json]\n",
     prov_cli_suspend},
    {"service", "restore", "request a restoral (release)",
     "trunkline service restore CIRCUIT_ID --reason TEXT [--json]\n",
     prov_cli_restore},
    {"service", "requests", "suspend and restore requests",
     "trunkline service requests [--state requested|done|cancelled] "
     "[--json]\n",
     prov_cli_requests},
    {"service", "request-done", "carry out a suspend or restore request",
     "trunkline service request-done REQUEST_ID [--date YYYY-MM-DD] "
     "[--json]\n",
     prov_cli_request_done},
    {"service", "withdraw", "cancel a suspend or restore request",
     "trunkline service withdraw REQUEST_ID --reason TEXT [--json]\n",
     prov_cli_request_cancel},
    {"task", "list", "provisioning tasks",
     "trunkline task list [--team T] [--status S] [--order ORDER]\n"
     "          [--overdue-as-of YYYY-MM-DD] [--json]\n"
     "Teams: network_admin, voice_admin, fiber_deployment, tech_support.\n",
     prov_cli_task_list},
    {"task", "assign", "give a task to an owner",
     "trunkline task assign TASK_ID --owner NAME [--json]\n",
     prov_cli_task_assign},
    {"task", "start", "mark a task in progress",
     "trunkline task start TASK_ID [--reason TEXT] [--json]\n",
     prov_cli_task_start},
    {"task", "done", "mark a task done",
     "trunkline task done TASK_ID [--reason TEXT] [--json]\n",
     prov_cli_task_done},
    {"task", "cancel", "cancel a task",
     "trunkline task cancel TASK_ID --reason TEXT [--json]\n",
     prov_cli_task_cancel},
    {"task", "check", "flag or clear order jeopardy from overdue tasks",
     "trunkline task check --as-of YYYY-MM-DD [--json]\n", prov_cli_task_check},
    {NULL, NULL, NULL, NULL, NULL}};
