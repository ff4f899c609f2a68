/*
 * trunkline service audit-codes | change-codes | suspend | restore |
 * requests | request-done | request-cancel
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/provisioning_cmd.h"
#include "provisioning/provisioning.h"

/* ---- service audit-codes ---- */

typedef struct audit_out {
    int json;
    int csv;
    json_t *arr;
} audit_out;

static int finding_row(const provisioning_code_finding_t *f, void *cls,
                       tl_err *err)
{
    audit_out *o = cls;
    char diff[48] = "";
    json_t *row;

    if (f->has_monthly_difference)
        tl_money_format(diff, sizeof(diff), &f->monthly_difference);
    if (o->csv) {
        cli_csv_field(f->circuit_id, 0);
        cli_csv_field(f->account_number, 0);
        cli_csv_field(f->product_id, 0);
        cli_csv_field(f->finding, 0);
        cli_csv_field(f->code, 0);
        cli_csv_field(diff, 0);
        cli_csv_field(f->message, 1);
        return 0;
    }
    if (!o->json) {
        printf("  %-14s %-10s %-24s %-8s %s%s%s%s\n", f->circuit_id,
               f->account_number, f->finding, f->code[0] ? f->code : "-",
               f->message, diff[0] ? " (monthly difference " : "", diff,
               diff[0] ? ")" : "");
        return 0;
    }
    row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "circuitId",
                    f->circuit_id, "accountNumber", f->account_number,
                    "product", f->product_id, "finding", f->finding, "code",
                    f->code, "message", f->message);
    if (row != NULL && f->has_monthly_difference)
        json_object_set_new(row, "monthlyDifference",
                            cli_money_json(&f->monthly_difference));
    if (row == NULL || json_array_append_new(o->arr, row) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int prov_cli_audit_codes(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    int csv = 0;
    const cli_opt opts[] = {
        {"as-of", &as_of_text, NULL}, {"csv", NULL, &csv}, {NULL, NULL, NULL}};
    const char *pos[1];
    audit_out o = {0, 0, NULL};
    tl_err err = TL_ERR_INIT;
    tl_date on = cli_today();
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 0, 0, "");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (as_of_text != NULL && cli_date_arg(c, "as-of", as_of_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (csv && c->json)
        return cli_usage_error(c, "choose --csv or --json");
    o.json = c->json;
    o.csv = csv;
    if (c->json)
        o.arr = json_array();
    if (csv)
        printf("circuit,account,product,finding,code,monthlyDifference,"
               "message\n");
    rc = provisioning_audit_codes(c->db, on, finding_row, &o, &err);
    if (rc < 0) {
        json_decref(o.arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o, s:i, s:o}", "asOf",
                                        cli_date_json(on), "count", rc,
                                        "findings", o.arr));
    if (!csv)
        printf("%d finding%s\n", rc, rc == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

/* ---- service change-codes ---- */

#define MAX_CODES 32

/* "CODE[:QTY],..." into codes (pointing into buf). */
static int parse_codes(const cli_ctx *c, char *buf,
                       provisioning_code_qty_t *codes, size_t *n)
{
    char *save = NULL;
    char *tok;

    *n = 0;
    for (tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        int64_t qty = 1;

        if (*n >= MAX_CODES)
            return cli_usage_error(c, "at most %d codes", MAX_CODES);
        if (colon != NULL) {
            *colon = '\0';
            if (cli_int_arg(c, "codes", colon + 1, 1, 100000, &qty) != 0)
                return CLI_EXIT_USAGE;
        }
        if (*tok == '\0')
            return cli_usage_error(c, "--codes has an empty code");
        codes[*n].code = tok;
        codes[*n].quantity = (int)qty;
        (*n)++;
    }
    if (*n == 0)
        return cli_usage_error(c, "--codes CODE[:QTY],... is required");
    return 0;
}

int prov_cli_change_codes(cli_ctx *c, int argc, char **argv)
{
    const char *codes_text = NULL;
    const char *date_text = NULL;
    const char *order = NULL;
    const char *item = NULL;
    const cli_opt opts[] = {{"codes", &codes_text, NULL},
                            {"date", &date_text, NULL},
                            {"order", &order, NULL},
                            {"item", &item, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1] = {NULL};
    provisioning_code_qty_t codes[MAX_CODES];
    tl_err err = TL_ERR_INIT;
    char buf[1024];
    size_t n = 0;
    tl_date on;
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 1, 1, "the circuit id");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (cli_date_arg(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if ((order == NULL) != (item == NULL))
        return cli_usage_error(c, "--order and --item go together");
    snprintf(buf, sizeof(buf), "%s", codes_text ? codes_text : "");
    rc = parse_codes(c, buf, codes, &n);
    if (rc != 0)
        return rc;
    rc = provisioning_change_codes(c->db, pos[0], codes, n, on, order, item,
                                   c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:s, s:b}", "circuitId", pos[0],
                                        "effectiveDate", date_text, "withOrder",
                                        order != NULL));
    printf("circuit %s bills %zu code%s from %s%s\n", pos[0], n,
           n == 1 ? "" : "s", date_text,
           order ? "" : " (no order: the audit will report it)");
    return CLI_EXIT_OK;
}

/* ---- suspend and restore ---- */

static int run_request(cli_ctx *c, int argc, char **argv, int suspend)
{
    const char *reason = NULL;
    const cli_opt opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
    const char *pos[1] = {NULL};
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int created = 0;
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 1, 1, "the circuit id");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (reason == NULL)
        return cli_usage_error(c, "--reason TEXT is required");
    if (suspend)
        rc = provisioning_request_suspend(&id, &created, c->db, 0, pos[0],
                                          reason, c->actor, &err);
    else
        rc = provisioning_request_restore(&id, &created, c->db, 0, pos[0],
                                          reason, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:s, s:s, s:s, s:b}", "requestId", (json_int_t)id,
            "circuitId", pos[0], "kind", suspend ? "suspend" : "restore",
            "state", "requested", "created", created));
    printf("%s request %lld for %s %s\n", suspend ? "suspend" : "restore",
           (long long)id, pos[0],
           created ? "is requested" : "was already requested");
    return CLI_EXIT_OK;
}

int prov_cli_suspend(cli_ctx *c, int argc, char **argv)
{
    return run_request(c, argc, argv, 1);
}

int prov_cli_restore(cli_ctx *c, int argc, char **argv)
{
    return run_request(c, argc, argv, 0);
}

static int request_row(const provisioning_request_t *r, void *cls, tl_err *err)
{
    json_t *arr = cls;
    char eff[16];

    prov_cli_date(eff, r->has_effective, r->effective_date);
    if (arr == NULL) {
        printf("  %-5lld %-8s %-14s %-10s %-10s %s (by %s)%s%s%s%s\n",
               (long long)r->request_id, r->kind, r->circuit_id,
               r->account_number, r->state, r->reason, r->requested_by,
               r->has_effective ? ", effective " : "",
               r->has_effective ? eff : "", r->close_reason[0] ? ": " : "",
               r->close_reason);
        return 0;
    }
    if (json_array_append_new(
            arr,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
                      " s:s, s:o}",
                      "requestId", (json_int_t)r->request_id, "kind", r->kind,
                      "circuitId", r->circuit_id, "accountNumber",
                      r->account_number, "state", r->state, "reason", r->reason,
                      "requestedBy", r->requested_by, "requestedAt",
                      r->requested_at, "closedBy", r->closed_by, "closedAt",
                      r->closed_at, "closeReason", r->close_reason,
                      "effectiveDate",
                      r->has_effective ? json_string(eff) : json_null())) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int prov_cli_requests(cli_ctx *c, int argc, char **argv)
{
    const char *state = NULL;
    const cli_opt opts[] = {{"state", &state, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    int rc;

    rc = prov_cli_args(c, argc, argv, opts, pos, 0, 0, "");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (c->json)
        arr = json_array();
    rc = provisioning_requests(c->db, state, request_row, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", "requests", arr));
    if (rc == 0)
        printf("(no requests)\n");
    return CLI_EXIT_OK;
}

static int close_request(cli_ctx *c, int argc, char **argv, int done)
{
    const char *date_text = NULL;
    const char *reason = NULL;
    const cli_opt done_opts[] = {{"date", &date_text, NULL},
                                 {NULL, NULL, NULL}};
    const cli_opt cancel_opts[] = {{"reason", &reason, NULL},
                                   {NULL, NULL, NULL}};
    const char *pos[1] = {NULL};
    tl_err err = TL_ERR_INIT;
    tl_date on = cli_today();
    int64_t id = 0;
    int rc;

    rc = prov_cli_args(c, argc, argv, done ? done_opts : cancel_opts, pos, 1, 1,
                       "the request id");
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (prov_cli_id(c, "the request id", pos[0], &id) != 0)
        return CLI_EXIT_USAGE;
    if (date_text != NULL && cli_date_arg(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (!done && reason == NULL)
        return cli_usage_error(c, "--reason TEXT is required");
    if (done)
        rc = provisioning_request_done(c->db, id, on, c->actor, &err);
    else
        rc = provisioning_request_cancel(c->db, id, reason, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s}", "requestId",
                                        (json_int_t)id, "state",
                                        done ? "done" : "cancelled"));
    printf("request %lld is %s\n", (long long)id, done ? "done" : "cancelled");
    return CLI_EXIT_OK;
}

int prov_cli_request_done(cli_ctx *c, int argc, char **argv)
{
    return close_request(c, argc, argv, 1);
}

int prov_cli_request_cancel(cli_ctx *c, int argc, char **argv)
{
    return close_request(c, argc, argv, 0);
}
