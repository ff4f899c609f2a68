/*
 * trunkline equipment receive | move | show | list | load-movements |
 * requirements load | audit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/json.h"
#include "provisioning/equipment.h"

#define CSV_FILE_MAX (8u * 1024u * 1024u)

static json_t *equipment_json(const provisioning_equipment_t *e)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:i}", "serial", e->serial, "model",
        e->model, "kind", e->kind, "status", e->status, "location", "kind",
        e->location_kind, "ref", e->location_ref, "movements", e->movements);

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "mac",
                        e->mac[0] ? json_string(e->mac) : json_null());
    json_object_set_new(o, "accountNumber",
                        e->account_number[0] ? json_string(e->account_number)
                                             : json_null());
    json_object_set_new(o, "circuitId",
                        e->circuit_id[0] ? json_string(e->circuit_id)
                                         : json_null());
    json_object_set_new(o, "lastMovedOn",
                        e->movements > 0 ? cli_date_json(e->moved_on)
                                         : json_null());
    return o;
}

static void print_equipment_line(const provisioning_equipment_t *e)
{
    printf("%-18s %-14s %-11s %-9s %s %s%s%s\n", e->serial, e->model, e->kind,
           e->status, e->location_kind, e->location_ref,
           e->account_number[0] ? " account " : "", e->account_number);
}

static int print_one(const cli_ctx *c, const provisioning_equipment_t *e,
                     const char *verb)
{
    if (c->json)
        return cli_print_json(equipment_json(e));
    printf("%s %s (%s, %s)%s%s: %s at %s %s\n", verb, e->serial, e->model,
           e->kind, e->mac[0] ? " MAC " : "", e->mac, e->status,
           e->location_kind, e->location_ref);
    return CLI_EXIT_OK;
}

static int parse_date_opt(const cli_ctx *c, const char *text, tl_date *out)
{
    if (text == NULL) {
        *out = cli_today();
        return 0;
    }
    return cli_date_arg(c, "date", text, out);
}

static int run_receive(cli_ctx *c, int argc, char **argv)
{
    provisioning_movement_in_t in;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"serial", &in.serial, NULL},
                            {"model", &in.model, NULL},
                            {"mac", &in.mac, NULL},
                            {"warehouse", &in.to_ref, NULL},
                            {"date", &date_text, NULL},
                            {"reference", &in.reference, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    provisioning_equipment_t e;
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    memset(&in, 0, sizeof(in));
    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (in.serial == NULL || in.model == NULL || in.to_ref == NULL)
        return cli_usage_error(c, "--serial, --model and --warehouse are "
                                  "required");
    if (parse_date_opt(c, date_text, &in.moved_on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = provisioning_equipment_receive(&e, c->db, &in, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return print_one(c, &e, "received");
}

static int run_move(cli_ctx *c, int argc, char **argv)
{
    provisioning_movement_in_t in;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"to", &in.to_kind, NULL},
                            {"ref", &in.to_ref, NULL},
                            {"circuit", &in.circuit_id, NULL},
                            {"order", &in.order_number, NULL},
                            {"date", &date_text, NULL},
                            {"reference", &in.reference, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    provisioning_equipment_t e;
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    memset(&in, 0, sizeof(in));
    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the serial is required");
    if (in.to_kind == NULL)
        return cli_usage_error(c, "--to is required");
    if (parse_date_opt(c, date_text, &in.moved_on) != 0)
        return CLI_EXIT_USAGE;
    in.serial = pos[0];
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = provisioning_equipment_move(&e, c->db, &in, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return print_one(c, &e, "moved");
}

typedef struct show_ctx {
    const cli_ctx *c;
    json_t *list;
} show_ctx;

static int movement_out(const provisioning_movement_t *m, void *cls,
                        tl_err *err)
{
    show_ctx *s = cls;
    char day[16];
    json_t *o;

    tl_date_format(day, sizeof(day), m->moved_on);
    if (!s->c->json) {
        printf("  #%-3d %s  %s %s -> %s %s%s%s  ref %s by %s\n", m->seq, day,
               m->from_kind[0] ? m->from_kind : "(receipt)", m->from_ref,
               m->to_kind, m->to_ref, m->order_number[0] ? "  order " : "",
               m->order_number, m->reference, m->actor);
        return 0;
    }
    o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", m->seq,
                  "movedOn", day, "toKind", m->to_kind, "toRef", m->to_ref,
                  "reference", m->reference, "actor", m->actor, "fromKind",
                  m->from_kind);
    if (o == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    if (m->from_kind[0] == '\0')
        json_object_set_new(o, "fromKind", json_null());
    json_object_set_new(
        o, "fromRef", m->from_kind[0] ? json_string(m->from_ref) : json_null());
    json_object_set_new(o, "circuitId",
                        m->circuit_id[0] ? json_string(m->circuit_id)
                                         : json_null());
    json_object_set_new(o, "orderNumber",
                        m->order_number[0] ? json_string(m->order_number)
                                           : json_null());
    if (json_array_append_new(s->list, o) != 0)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    return 0;
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *serial = NULL;
    provisioning_equipment_t e;
    tl_err err = TL_ERR_INIT;
    show_ctx s = {c, NULL};
    json_t *o;
    int rc;

    rc = cli_one_arg(c, argc, argv, "the serial", &serial);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = provisioning_equipment_get(&e, c->db, serial, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (!c->json) {
        print_one(c, &e, "serial");
        if (e.account_number[0])
            printf("  account %s, circuit %s\n", e.account_number,
                   e.circuit_id);
        printf("movements:\n");
    } else {
        s.list = json_array();
        if (s.list == NULL)
            return cli_print_json(NULL);
    }
    rc =
        provisioning_equipment_movements(c->db, serial, movement_out, &s, &err);
    if (rc < 0) {
        json_decref(s.list);
        return cli_fail(c, rc, &err);
    }
    if (!c->json)
        return CLI_EXIT_OK;
    o = equipment_json(&e);
    if (o == NULL || json_object_set_new(o, "history", s.list) != 0) {
        json_decref(o);
        return cli_print_json(NULL);
    }
    return cli_print_json(o);
}

typedef struct list_ctx {
    const cli_ctx *c;
    int csv;
    json_t *list;
} list_ctx;

static int list_out(const provisioning_equipment_t *e, void *cls, tl_err *err)
{
    list_ctx *l = cls;

    if (l->c->json) {
        if (json_array_append_new(l->list, equipment_json(e)) != 0)
            return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        return 0;
    }
    if (l->csv) {
        cli_csv_field(e->serial, 0);
        cli_csv_field(e->mac, 0);
        cli_csv_field(e->model, 0);
        cli_csv_field(e->kind, 0);
        cli_csv_field(e->status, 0);
        cli_csv_field(e->location_kind, 0);
        cli_csv_field(e->location_ref, 0);
        cli_csv_field(e->account_number, 0);
        cli_csv_field(e->circuit_id, 1);
        return 0;
    }
    print_equipment_line(e);
    return 0;
}

static int run_list(cli_ctx *c, int argc, char **argv)
{
    const char *status = NULL;
    const char *location = NULL;
    const char *account = NULL;
    list_ctx l = {c, 0, NULL};
    const cli_opt opts[] = {{"status", &status, NULL},
                            {"location", &location, NULL},
                            {"account", &account, NULL},
                            {"csv", NULL, &l.csv},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json) {
        l.list = json_array();
        if (l.list == NULL)
            return cli_print_json(NULL);
    } else if (l.csv) {
        printf("serial,mac,model,kind,status,location_kind,location_ref,"
               "account_number,circuit_id\n");
    }
    rc = provisioning_equipment_list(c->db, status, location, account, list_out,
                                     &l, &err);
    if (rc < 0) {
        json_decref(l.list);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(l.list);
    if (!l.csv)
        printf("%d item%s\n", rc, rc == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

static int run_load(cli_ctx *c, int argc, char **argv)
{
    const char *path = NULL;
    provisioning_equipment_load_result res;
    tl_err err = TL_ERR_INIT;
    char *text = NULL;
    size_t len = 0;
    int npos = 0;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, &path, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (path == NULL)
        return cli_usage_error(c, "the CSV file is required");
    rc = tl_file_read(&text, &len, path, CSV_FILE_MAX, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc != 0)
        goto cleanup;
    rc = provisioning_equipment_load_csv(&res, c->db, text, len, path, c->actor,
                                         &err);
    if (rc < 0) {
        rc = cli_fail(c, rc, &err);
        goto cleanup;
    }
    if (c->json) {
        rc = cli_print_json(
            json_pack("{s:i, s:i, s:i, s:i, s:b}", "rows", res.rows, "received",
                      res.received, "movements", res.movements, "unchanged",
                      res.unchanged, "alreadyLoaded", res.already_loaded));
    } else {
        if (res.already_loaded)
            printf("this file was loaded before: nothing changed\n");
        printf("%d rows: %d items received, %d movements added, %d "
               "unchanged\n",
               res.rows, res.received, res.movements, res.unchanged);
        rc = CLI_EXIT_OK;
    }
cleanup:
    free(text);
    return rc;
}

static int run_requirements(cli_ctx *c, int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL};
    provisioning_requirements_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, pos, 2, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 2 || strcmp(pos[0], "load") != 0)
        return cli_usage_error(c, "use: equipment requirements load FILE");
    rc = tl_json_load_file(&doc, pos[1], TL_JSON_MAX_BYTES, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc != 0)
        goto cleanup;
    rc = provisioning_equipment_requirements_load(&res, c->db, doc, c->actor,
                                                  &err);
    if (rc < 0) {
        rc = cli_fail(c, rc, &err);
        goto cleanup;
    }
    if (c->json) {
        rc = cli_print_json(json_pack(
            "{s:i, s:i, s:i, s:i, s:i}", "modelsAdded", res.models_added,
            "modelsChanged", res.models_changed, "requirementsAdded",
            res.requirements_added, "requirementsChanged",
            res.requirements_changed, "unchanged", res.unchanged));
    } else {
        printf("%d models added, %d changed; %d requirements added, %d "
               "changed; %d unchanged\n",
               res.models_added, res.models_changed, res.requirements_added,
               res.requirements_changed, res.unchanged);
        rc = CLI_EXIT_OK;
    }
cleanup:
    json_decref(doc);
    return rc;
}

typedef struct audit_out {
    const cli_ctx *c;
    int csv;
    json_t *list;
} audit_out;

static int finding_out(const provisioning_finding_t *f, void *cls, tl_err *err)
{
    audit_out *a = cls;
    char day[16] = "";
    char fee[48] = "";
    json_t *o;

    if (f->has_date)
        tl_date_format(day, sizeof(day), f->date);
    if (f->has_fee)
        tl_money_format(fee, sizeof(fee), &f->fee);
    if (a->csv) {
        cli_csv_field(f->code, 0);
        cli_csv_field(f->serial, 0);
        cli_csv_field(f->model, 0);
        cli_csv_field(f->kind, 0);
        cli_csv_field(f->account_number, 0);
        cli_csv_field(f->circuit_id, 0);
        cli_csv_field(f->location, 0);
        cli_csv_field(day, 0);
        cli_csv_field(fee, 0);
        cli_csv_field(f->has_fee ? f->fee.cur : "", 0);
        cli_csv_field(f->charge, 0);
        cli_csv_field(f->detail, 1);
        return 0;
    }
    if (!a->c->json) {
        printf("%-30s %-16s %-12s %-22s %s\n", f->code,
               f->serial[0] ? f->serial : "-",
               f->account_number[0] ? f->account_number : "-",
               f->circuit_id[0] ? f->circuit_id : "-", f->detail);
        if (f->has_fee || f->charge[0])
            printf("%-30s fee %s %s, charge %s\n", "", f->has_fee ? fee : "-",
                   f->has_fee ? f->fee.cur : "", f->charge);
        return 0;
    }
    o = json_pack("{s:s, s:s}", "code", f->code, "detail", f->detail);
    if (o == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
#define OPT_STR(key, val)                                                      \
    json_object_set_new(o, key, (val)[0] ? json_string(val) : json_null())
    OPT_STR("serial", f->serial);
    OPT_STR("model", f->model);
    OPT_STR("kind", f->kind);
    OPT_STR("location", f->location);
    OPT_STR("accountNumber", f->account_number);
    OPT_STR("circuitId", f->circuit_id);
    OPT_STR("product", f->product_id);
    OPT_STR("date", day);
    OPT_STR("charge", f->charge);
#undef OPT_STR
    if (f->seq > 0)
        json_object_set_new(o, "seq", json_integer(f->seq));
    if (strcmp(f->code, "not_returned_after_disconnect") == 0)
        json_object_set_new(o, "days", json_integer(f->days));
    json_object_set_new(o, "fee",
                        f->has_fee ? cli_money_json(&f->fee) : json_null());
    if (json_array_append_new(a->list, o) != 0)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    return 0;
}

static int run_audit(cli_ctx *c, int argc, char **argv)
{
    const char *as_of = NULL;
    const char *days_text = NULL;
    const char *fee = NULL;
    provisioning_audit_opts opts;
    provisioning_audit_result res;
    audit_out a = {c, 0, NULL};
    const cli_opt opt_table[] = {
        {"as-of", &as_of, NULL}, {"return-days", &days_text, NULL},
        {"fee", &fee, NULL},     {"report-only", NULL, &opts.report_only},
        {"csv", NULL, &a.csv},   {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t days = 30;
    int npos;
    int rc;

    memset(&opts, 0, sizeof(opts));
    rc = cli_parse(c, argc, argv, opt_table, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (cli_date_arg(c, "as-of", as_of, &opts.as_of) != 0)
        return CLI_EXIT_USAGE;
    if (days_text != NULL &&
        cli_int_arg(c, "return-days", days_text, 0, 3650, &days) != 0)
        return CLI_EXIT_USAGE;
    if (a.csv && c->json)
        return cli_usage_error(c, "--csv and --json exclude each other");
    opts.return_days = (int)days;
    opts.fee = fee;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json) {
        a.list = json_array();
        if (a.list == NULL)
            return cli_print_json(NULL);
    } else if (a.csv) {
        printf("code,serial,model,kind,account_number,circuit_id,location,"
               "date,fee,currency,charge,detail\n");
    }
    rc = provisioning_equipment_audit(&res, c->db, &opts, c->actor, finding_out,
                                      &a, &err);
    if (rc < 0) {
        json_decref(a.list);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(
            json_pack("{s:o, s:i, s:i}", "findings", a.list, "count",
                      res.findings, "chargesRecorded", res.charges_recorded));
    if (!a.csv)
        printf("%d finding%s, %d non-return fee%s recorded\n", res.findings,
               res.findings == 1 ? "" : "s", res.charges_recorded,
               res.charges_recorded == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

const cli_command cli_equipment_commands[] = {
    {"equipment", "receive", "receive a CPE item into a warehouse",
     "trunkline equipment receive --serial SERIAL --model MODEL\n"
     "          [--mac MAC] --warehouse NAME [--date YYYY-MM-DD]\n"
     "          [--reference REF] [--json]\n"
     "The model must be known (equipment requirements load); a model that\n"
     "needs a MAC is received with it. Receiving the same serial again is a\n"
     "duplicate (exit 5), unless with the same --reference.\n",
     run_receive},
    {"equipment", "move",
     "move an item: technician, customer site, return, "
     "lost",
     "trunkline equipment move SERIAL --to warehouse|technician|"
     "customer_site|returned|lost\n"
     "          [--ref NAME] [--circuit CIRCUIT_ID] [--order ORDER_NUMBER]\n"
     "          [--date YYYY-MM-DD] [--reference REF] [--json]\n"
     "--ref names the warehouse or technician; a customer site is given by\n"
     "--circuit (then --ref, if given, is checked against its account).\n"
     "--order is the order authorizing a move to or from a customer site.\n",
     run_move},
    {"equipment", "show", "an item and every movement it made",
     "trunkline equipment show SERIAL [--json]\n", run_show},
    {"equipment", "list", "items by status, location or account",
     "trunkline equipment list [--status in_stock|assigned|installed|"
     "returned|lost]\n"
     "          [--location KIND] [--account NUMBER] [--csv] [--json]\n",
     run_list},
    {"equipment", "load-movements", "load a CSV file of movements",
     "trunkline equipment load-movements FILE.csv [--json]\n"
     "Header: reference,serial,mac,model,moved_on,to_kind,to_ref,circuit_id,"
     "order_number\n"
     "A row for a new serial receives it (model required, to a warehouse).\n"
     "Every bad row is reported as row[N].column and nothing is loaded;\n"
     "loading the same file, or the same references, again changes "
     "nothing.\n",
     run_load},
    {"equipment", "requirements",
     "load equipment models and what products "
     "need",
     "trunkline equipment requirements load FILE [--json]\n"
     "FILE: {\"models\": [{\"model\", \"kind\", \"maker\", \"needsMac\", "
     "\"feeCode\"}],\n"
     "       \"requirements\": [{\"product\", \"kind\", \"required\"}]}\n",
     run_requirements},
    {"equipment", "audit", "equipment exceptions and non-return fees",
     "trunkline equipment audit --as-of YYYY-MM-DD [--return-days N]\n"
     "          [--fee AMOUNT] [--report-only] [--csv | --json]\n"
     "Findings: at_site_without_service, service_missing_equipment,\n"
     "serial_in_two_places, not_returned_after_disconnect (N days, default\n"
     "30, after the disconnect; the fee is the model's equipment NRC list\n"
     "price in the account currency, else --fee, recorded once per item and\n"
     "disconnect for billing unless --report-only), movement_without_order.\n",
     run_audit},
    {NULL, NULL, NULL, NULL, NULL}};
