/*
 * trunkline bill run | show | invoice | biller
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "billing/billing.h"
#include "billing/document.h"
#include "cli/cli.h"
#include "collections/collections.h"
#include "common/json.h"

static json_t *invoice_json(const billing_invoice_t *inv)
{
    return json_pack(
        "{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "invoiceNumber",
        inv->invoice_number, "accountNumber", inv->account_number,
        "accountName", inv->account_name, "periodStart",
        cli_date_json(inv->period.start), "periodEnd",
        cli_date_json(inv->period.end), "issueDate",
        cli_date_json(inv->issue_date), "dueDate", cli_date_json(inv->due_date),
        "subtotal", cli_money_json(&inv->subtotal), "tax",
        cli_money_json(&inv->tax), "total", cli_money_json(&inv->total));
}

static int list_invoice(const billing_invoice_t *inv, void *cls, tl_err *err)
{
    json_t *arr = cls;
    char total[32];

    (void)err;
    if (arr != NULL)
        return json_array_append_new(arr, invoice_json(inv)) == 0 ? 0
                                                                  : TL_ERROR;
    tl_money_format(total, sizeof(total), &inv->total);
    printf("  %-14s %-10s %-32s %s %12s\n", inv->invoice_number,
           inv->account_number, inv->account_name, inv->total.cur, total);
    return 0;
}

/* ---- bill run | preview | status | review | approve ---- */

/* The run's period from --cycle and --period, and the issue date. */
static int period_args(cli_ctx *c, const char *cycle_text,
                       const char *period_text, const char *issue_text,
                       int *cycle, int *year, int *month, tl_date *issue)
{
    int64_t v = 0;

    if (cli_int_arg(c, "cycle", cycle_text, 1, 31, &v) != 0)
        return CLI_EXIT_USAGE;
    *cycle = (int)v;
    if (period_text == NULL)
        return cli_usage_error(c, "--period is required");
    if (tl_month_parse(year, month, period_text) != 0)
        return cli_usage_error(c,
                               "--period must be a month YYYY-MM, not "
                               "\"%s\"",
                               period_text);
    *issue = cli_today();
    if (issue_text != NULL && cli_date_arg(c, "issue-date", issue_text, issue))
        return CLI_EXIT_USAGE;
    return 0;
}

typedef struct approve_ctx {
    int64_t run_id;
    const char *actor;
    billing_run_result result;
    int posted;
} approve_ctx;

/* Approval and posting to the ledger commit together: an invoice is
 * never final without its ledger entry. */
static int approve_tx(tl_db *db, void *cls, tl_err *err)
{
    approve_ctx *ctx = cls;
    int rc;

    rc = billing_run_approve(&ctx->result, db, ctx->run_id, ctx->actor, err);
    if (rc < 0)
        return rc;
    return collections_post_run(&ctx->posted, db, ctx->run_id, ctx->actor, err);
}

static void progress(int done, int total, void *cls)
{
    (void)cls;
    fprintf(stderr, "\rbill preview: %d of %d accounts", done, total);
    fflush(stderr);
}

/* --workers N, or by default one per processor (at most 8): a new run's
 * accounts are previewed in that many stripes side by side. */
static int workers_arg(cli_ctx *c, const char *text, int *out)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int64_t v = 0;

    if (text != NULL) {
        if (cli_int_arg(c, "workers", text, 1, 64, &v) != 0)
            return CLI_EXIT_USAGE;
        *out = (int)v;
        return 0;
    }
    *out = cpus < 1 ? 1 : (cpus > 8 ? 8 : (int)cpus);
    return 0;
}

static json_t *run_json(const billing_run_result *r)
{
    tl_money total;

    tl_money_make(&total, r->total_minor, "USD");
    return json_pack("{s:I, s:i, s:o, s:o, s:o, s:s, s:i, s:i, s:i}", "runId",
                     (json_int_t)r->run_id, "cycleDay", r->cycle_day,
                     "periodStart", cli_date_json(r->period.start), "periodEnd",
                     cli_date_json(r->period.end), "issueDate",
                     cli_date_json(r->issue_date), "status", r->status,
                     "accountsTotal", r->accounts_total, "accountsDone",
                     r->accounts_done, "invoiceCount", r->invoice_count);
}

static void run_text(const billing_run_result *r)
{
    char from[16];
    char to[16];
    char issue[16];

    tl_date_format(from, sizeof(from), r->period.start);
    tl_date_format(to, sizeof(to), tl_date_add_days(r->period.end, -1));
    tl_date_format(issue, sizeof(issue), r->issue_date);
    printf("bill run %lld, cycle %d, period %s to %s, issued %s: %s\n",
           (long long)r->run_id, r->cycle_day, from, to, issue, r->status);
    printf("%d of %d accounts done, %d invoice%s\n", r->accounts_done,
           r->accounts_total, r->invoice_count,
           r->invoice_count == 1 ? "" : "s");
}

/* Prints the run (text) and its invoices, or adds them to o (JSON). */
static int print_run(cli_ctx *c, const billing_run_result *r, json_t *o,
                     tl_err *err)
{
    json_t *invoices = NULL;
    int rc;

    if (c->json) {
        invoices = json_array();
        if (invoices == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    }
    rc = billing_run_invoices(c->db, r->run_id, list_invoice, invoices, err);
    if (rc < 0) {
        json_decref(invoices);
        return rc;
    }
    if (c->json) {
        json_object_set_new(o, "invoices", invoices);
        return cli_print_json(o);
    }
    return CLI_EXIT_OK;
}

static int run_run(cli_ctx *c, int argc, char **argv)
{
    const char *cycle_text = NULL;
    const char *period_text = NULL;
    const char *issue_text = NULL;
    const char *workers_text = NULL;
    const cli_opt opts[] = {{"cycle", &cycle_text, NULL},
                            {"period", &period_text, NULL},
                            {"issue-date", &issue_text, NULL},
                            {"workers", &workers_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    billing_preview_opts popts;
    billing_run_result prev;
    approve_ctx actx;
    tl_err err = TL_ERR_INIT;
    int cycle = 0, year = 0, month = 0;
    tl_date issue = 0;
    json_t *o;
    char from[16];
    char to[16];
    int npos;
    int rc;

    memset(&actx, 0, sizeof(actx));
    memset(&popts, 0, sizeof(popts));
    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = period_args(c, cycle_text, period_text, issue_text, &cycle, &year,
                     &month, &issue);
    if (rc == 0)
        rc = workers_arg(c, workers_text, &popts.workers);
    if (rc != 0)
        return rc;
    if (!c->json && isatty(STDERR_FILENO))
        popts.progress = progress;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = billing_run_preview(&prev, c->db, cycle, year, month, issue, &popts,
                             c->actor, &err);
    if (popts.progress != NULL)
        fputc('\n', stderr);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    actx.run_id = prev.run_id;
    actx.actor = c->actor;
    rc = tl_db_run_tx(c->db, "bill_approve", approve_tx, &actx, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        o = json_pack("{s:I, s:i, s:o, s:o, s:b, s:i}", "runId",
                      (json_int_t)prev.run_id, "cycleDay", cycle, "periodStart",
                      cli_date_json(prev.period.start), "periodEnd",
                      cli_date_json(prev.period.end), "created", prev.created,
                      "ledgerEntriesPosted", actx.posted);
    } else {
        o = NULL;
        tl_date_format(from, sizeof(from), prev.period.start);
        tl_date_format(to, sizeof(to), tl_date_add_days(prev.period.end, -1));
        printf("bill run %lld, cycle %d, period %s to %s: %s\n",
               (long long)prev.run_id, cycle, from, to,
               prev.created ? "completed" : "already run, nothing new created");
        printf("%d invoice%s, %d posted to the AR ledger now\n",
               actx.result.invoice_count,
               actx.result.invoice_count == 1 ? "" : "s", actx.posted);
    }
    rc = print_run(c, &actx.result, o, &err);
    return rc < 0 ? cli_fail(c, rc, &err) : rc;
}

static int run_preview(cli_ctx *c, int argc, char **argv)
{
    const char *cycle_text = NULL;
    const char *period_text = NULL;
    const char *issue_text = NULL;
    const char *batch_text = NULL;
    const char *max_text = NULL;
    const char *workers_text = NULL;
    int refresh = 0;
    const cli_opt opts[] = {{"cycle", &cycle_text, NULL},
                            {"period", &period_text, NULL},
                            {"issue-date", &issue_text, NULL},
                            {"batch-size", &batch_text, NULL},
                            {"max-batches", &max_text, NULL},
                            {"workers", &workers_text, NULL},
                            {"refresh", NULL, &refresh},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    billing_preview_opts popts;
    billing_run_result r;
    tl_err err = TL_ERR_INIT;
    int cycle = 0, year = 0, month = 0;
    tl_date issue = 0;
    int64_t v = 0;
    int npos;
    int rc;

    memset(&popts, 0, sizeof(popts));
    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = period_args(c, cycle_text, period_text, issue_text, &cycle, &year,
                     &month, &issue);
    if (rc != 0)
        return rc;
    if (batch_text != NULL) {
        if (cli_int_arg(c, "batch-size", batch_text, 1, 100000, &v) != 0)
            return CLI_EXIT_USAGE;
        popts.batch_size = (int)v;
    }
    if (max_text != NULL) {
        if (cli_int_arg(c, "max-batches", max_text, 1, 1000000, &v) != 0)
            return CLI_EXIT_USAGE;
        popts.max_batches = (int)v;
    }
    if (workers_arg(c, workers_text, &popts.workers) != 0)
        return CLI_EXIT_USAGE;
    popts.refresh = refresh;
    if (!c->json && isatty(STDERR_FILENO))
        popts.progress = progress;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = billing_run_preview(&r, c->db, cycle, year, month, issue, &popts,
                             c->actor, &err);
    if (popts.progress != NULL)
        fputc('\n', stderr);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (!c->json)
        run_text(&r);
    rc = print_run(c, &r, c->json ? run_json(&r) : NULL, &err);
    return rc < 0 ? cli_fail(c, rc, &err) : rc;
}

/* RUN as the one positional argument. */
static int run_arg(cli_ctx *c, int argc, char **argv, const cli_opt *opts,
                   int64_t *run_id)
{
    const char *pos[1];
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_HELP_SHOWN : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the run id is required");
    if (cli_int_arg(c, "RUN", pos[0], 1, INT64_MAX, run_id) != 0)
        return CLI_EXIT_USAGE;
    return cli_connect(c);
}

static int run_status(cli_ctx *c, int argc, char **argv)
{
    billing_run_result r;
    tl_err err = TL_ERR_INIT;
    int64_t run_id = 0;
    int rc;

    rc = run_arg(c, argc, argv, NULL, &run_id);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = billing_run_get(&r, c->db, run_id, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (!c->json)
        run_text(&r);
    rc = print_run(c, &r, c->json ? run_json(&r) : NULL, &err);
    return rc < 0 ? cli_fail(c, rc, &err) : rc;
}

static int anomaly_out(const billing_anomaly_t *a, void *cls, tl_err *err)
{
    json_t *arr = cls;
    char total[32];

    (void)err;
    if (arr != NULL) {
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "accountNumber",
                      a->account_number, "invoice", a->invoice_ref, "kind",
                      a->kind, "code", a->code, "circuitId", a->circuit_id,
                      "detail", a->detail, "total", cli_money_json(&a->total));
        if (o != NULL && a->has_previous) {
            char pct[32];

            json_object_set_new(o, "previousTotal",
                                cli_money_json(&a->previous_total));
            snprintf(pct, sizeof(pct), "%s%lld.%02lld",
                     a->percent_x100 < 0 ? "-" : "",
                     (long long)(llabs(a->percent_x100) / 100),
                     (long long)(llabs(a->percent_x100) % 100));
            json_object_set_new(o, "percentChange", json_string(pct));
        }
        return json_array_append_new(arr, o) == 0 ? 0 : TL_ERROR;
    }
    tl_money_format(total, sizeof(total), &a->total);
    printf("  %-10s %-14s %-30s %s\n", a->account_number, a->invoice_ref,
           a->kind, a->detail);
    return 0;
}

static int run_review(cli_ctx *c, int argc, char **argv)
{
    const char *threshold_text = NULL;
    const cli_opt opts[] = {{"threshold-percent", &threshold_text, NULL},
                            {NULL, NULL, NULL}};
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    int64_t run_id = 0;
    int64_t threshold = 25;
    int rc;

    rc = run_arg(c, argc, argv, opts, &run_id);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (threshold_text != NULL &&
        cli_int_arg(c, "threshold-percent", threshold_text, 0, 100000,
                    &threshold) != 0)
        return CLI_EXIT_USAGE;
    if (c->json)
        arr = json_array();
    else
        printf("review of bill run %lld (total moved more than %lld%%):\n",
               (long long)run_id, (long long)threshold);
    rc = billing_run_review(c->db, run_id, (int)threshold, anomaly_out, arr,
                            &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:I, s:i, s:o}", "runId",
                                        (json_int_t)run_id, "thresholdPercent",
                                        (json_int_t)threshold, "count", rc,
                                        "anomalies", arr));
    printf("%d anomal%s\n", rc, rc == 1 ? "y" : "ies");
    return CLI_EXIT_OK;
}

static int run_approve(cli_ctx *c, int argc, char **argv)
{
    approve_ctx actx;
    tl_err err = TL_ERR_INIT;
    json_t *o = NULL;
    int rc;

    memset(&actx, 0, sizeof(actx));
    rc = run_arg(c, argc, argv, NULL, &actx.run_id);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    actx.actor = c->actor;
    rc = tl_db_run_tx(c->db, "bill_approve", approve_tx, &actx, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        o = run_json(&actx.result);
        json_object_set_new(o, "approved", json_boolean(actx.result.created));
        json_object_set_new(o, "ledgerEntriesPosted",
                            json_integer(actx.posted));
    } else {
        run_text(&actx.result);
        printf("%s, %d posted to the AR ledger now\n",
               actx.result.created ? "approved" : "already approved",
               actx.posted);
    }
    rc = print_run(c, &actx.result, o, &err);
    return rc < 0 ? cli_fail(c, rc, &err) : rc;
}

/* ---- bill charge add | approve | reject | list ---- */

static int manual_out(const billing_manual_charge_t *m, void *cls, tl_err *err)
{
    json_t *arr = cls;
    char amount[32];

    (void)err;
    if (arr != NULL)
        return json_array_append_new(
                   arr, json_pack(
                            "{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s,"
                            " s:s, s:s}",
                            "chargeId", (json_int_t)m->charge_id,
                            "accountNumber", m->account_number, "kind", m->kind,
                            "category", m->category, "circuitId", m->circuit_id,
                            "amount", cli_money_json(&m->amount), "description",
                            m->description, "reason", m->reason, "status",
                            m->status, "requestedBy", m->requested_by,
                            "approvedBy", m->approved_by)) == 0
                   ? 0
                   : TL_ERROR;
    tl_money_format(amount, sizeof(amount), &m->amount);
    printf("  %6lld %-10s %-6s %s %10s %-10s %s\n", (long long)m->charge_id,
           m->account_number, m->kind, m->amount.cur, amount, m->status,
           m->description);
    return 0;
}

static int charge_add(cli_ctx *c, int argc, char **argv)
{
    billing_manual_charge_in in;
    const char *kind = NULL;
    const cli_opt opts[] = {{"account", &in.account_number, NULL},
                            {"kind", &kind, NULL},
                            {"category", &in.category, NULL},
                            {"circuit", &in.circuit_id, NULL},
                            {"amount", &in.amount, NULL},
                            {"description", &in.description, NULL},
                            {"reason", &in.reason, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int needs = 0;
    int npos;
    int rc;

    memset(&in, 0, sizeof(in));
    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (in.account_number == NULL)
        return cli_usage_error(c, "--account is required");
    if (kind == NULL)
        return cli_usage_error(c, "--kind nrc|credit is required");
    if (strcmp(kind, "nrc") == 0 || strcmp(kind, "NRC") == 0)
        in.kind = "NRC";
    else if (strcmp(kind, "credit") == 0 || strcmp(kind, "CREDIT") == 0)
        in.kind = "CREDIT";
    else
        return cli_usage_error(c, "--kind must be nrc or credit, not \"%s\"",
                               kind);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = billing_manual_charge_add(&id, &needs, c->db, &in, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s}", "chargeId",
                                        (json_int_t)id, "status",
                                        needs ? "requested" : "approved"));
    printf("manual charge %lld %s\n", (long long)id,
           needs ? "requested: above the approval threshold, it needs "
                   "`bill charge approve` by someone else"
                 : "approved: the next bill run bills it");
    return CLI_EXIT_OK;
}

/* bill adjust INVOICE --line N: a credit correcting one invoice line. */
static int run_adjust(cli_ctx *c, int argc, char **argv)
{
    const char *line_text = NULL;
    const char *amount = NULL;
    const char *code = NULL;
    const char *reason = NULL;
    const cli_opt opts[] = {{"line", &line_text, NULL},
                            {"amount", &amount, NULL},
                            {"reason-code", &code, NULL},
                            {"reason", &reason, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t line = 0;
    int64_t id = 0;
    int needs = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the invoice number is required");
    if (line_text == NULL || amount == NULL || code == NULL || reason == NULL)
        return cli_usage_error(c, "--line, --amount, --reason-code and "
                                  "--reason are required");
    if (cli_int_arg(c, "line", line_text, 1, 100000, &line) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = billing_adjust(&id, &needs, c->db, pos[0], (int)line, amount, code,
                        reason, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s}", "chargeId",
                                        (json_int_t)id, "status",
                                        needs ? "requested" : "approved"));
    printf("adjustment %lld to %s line %lld %s\n", (long long)id, pos[0],
           (long long)line,
           needs ? "requested: above the approval threshold, it needs "
                   "`bill charge approve` by someone else"
                 : "approved: the next bill run credits it");
    return CLI_EXIT_OK;
}

static int charge_decide(cli_ctx *c, int argc, char **argv, int approve)
{
    const char *reason = NULL;
    const cli_opt opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, approve ? NULL : opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the charge id is required");
    if (cli_int_arg(c, "CHARGE", pos[0], 1, INT64_MAX, &id) != 0)
        return CLI_EXIT_USAGE;
    if (!approve && reason == NULL)
        return cli_usage_error(c, "--reason is required to reject");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = approve
             ? billing_manual_charge_approve(c->db, id, c->actor, &err)
             : billing_manual_charge_reject(c->db, id, reason, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s}", "chargeId",
                                        (json_int_t)id, "status",
                                        approve ? "approved" : "rejected"));
    printf("manual charge %lld %s\n", (long long)id,
           approve ? "approved" : "rejected");
    return CLI_EXIT_OK;
}

static int charge_list(cli_ctx *c, int argc, char **argv)
{
    const char *status = NULL;
    const cli_opt opts[] = {{"status", &status, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        arr = json_array();
    rc = billing_manual_charges(c->db, status, manual_out, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", "charges", arr));
    if (rc == 0)
        printf("no manual charges\n");
    return CLI_EXIT_OK;
}

static int run_charge(cli_ctx *c, int argc, char **argv)
{
    if (argc < 1)
        return cli_usage_error(c, "say add, approve, reject or list");
    if (strcmp(argv[0], "add") == 0)
        return charge_add(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "approve") == 0)
        return charge_decide(c, argc - 1, argv + 1, 1);
    if (strcmp(argv[0], "reject") == 0)
        return charge_decide(c, argc - 1, argv + 1, 0);
    if (strcmp(argv[0], "list") == 0)
        return charge_list(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "--help") == 0) {
        const char *pos[1];
        int npos;

        return cli_parse(c, argc, argv, NULL, pos, 0, &npos) > 0
                   ? CLI_EXIT_OK
                   : CLI_EXIT_USAGE;
    }
    return cli_usage_error(c, "say add, approve, reject or list, not \"%s\"",
                           argv[0]);
}

static int line_out(const billing_invoice_line_t *l, void *cls, tl_err *err)
{
    json_t *arr = cls;
    char unit[32];
    char amount[32];

    (void)err;
    if (arr != NULL) {
        json_t *o = json_pack(
            "{s:i, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:s}", "line", l->line_no,
            "circuitId", l->circuit_id, "code", l->code, "chargeKind",
            l->charge_kind, "description", l->description, "quantity",
            l->quantity, "unitPrice", cli_money_json(&l->unit), "amount",
            cli_money_json(&l->amount), "priceSource", l->price_source);
        if (o != NULL && l->has_period) {
            json_object_set_new(o, "periodStart",
                                cli_date_json(l->period.start));
            json_object_set_new(o, "periodEnd", cli_date_json(l->period.end));
        }
        return json_array_append_new(arr, o) == 0 ? 0 : TL_ERROR;
    }
    tl_money_format(unit, sizeof(unit), &l->unit);
    tl_money_format(amount, sizeof(amount), &l->amount);
    printf(" %2d  %-58.58s %-9s %3d %10s %12s\n", l->line_no, l->description,
           l->charge_kind, l->quantity, unit, amount);
    return 0;
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *number = NULL;
    billing_invoice_t inv;
    tl_err err = TL_ERR_INIT;
    json_t *lines = NULL;
    char d1[16];
    char d2[16];
    char d3[16];
    char d4[16];
    char sub[32];
    char tax[32];
    char total[32];
    int rc;

    rc = cli_one_arg(c, argc, argv, "the invoice number", &number);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = billing_invoice_get(&inv, c->db, number, &err);
    if (rc < 0)
        goto fail;
    if (c->json) {
        lines = json_array();
    } else {
        tl_date_format(d1, sizeof(d1), inv.issue_date);
        tl_date_format(d2, sizeof(d2), inv.due_date);
        tl_date_format(d3, sizeof(d3), inv.period.start);
        tl_date_format(d4, sizeof(d4), tl_date_add_days(inv.period.end, -1));
        printf("INVOICE %s%s\n%s (account %s)\nissued %s, due %s, period %s "
               "to %s\n\n",
               inv.invoice_number,
               strcmp(inv.status, "draft") == 0 ? " (draft, not approved)" : "",
               inv.account_name, inv.account_number, d1, d2, d3, d4);
        printf(" %2s  %-58s %-9s %3s %10s %12s\n", "#", "description", "kind",
               "qty", "unit", "amount");
    }
    rc = billing_invoice_lines(c->db, inv.account_id, inv.invoice_id, line_out,
                               lines, &err);
    if (rc < 0)
        goto fail;
    if (c->json) {
        json_t *o = invoice_json(&inv);
        json_object_set_new(o, "lines", lines);
        json_object_set_new(o, "status", json_string(inv.status));
        json_object_set_new(o, "paymentReference",
                            json_string(inv.invoice_number));
        return cli_print_json(o);
    }
    tl_money_format(sub, sizeof(sub), &inv.subtotal);
    tl_money_format(tax, sizeof(tax), &inv.tax);
    tl_money_format(total, sizeof(total), &inv.total);
    printf("\n %74s %s %12s\n %74s %s %12s\n %74s %s %12s\n", "subtotal",
           inv.total.cur, sub, "tax", inv.total.cur, tax, "total due",
           inv.total.cur, total);
    printf("\nPlease quote %s as the payment reference.\n", inv.invoice_number);
    return CLI_EXIT_OK;
fail:
    json_decref(lines);
    return cli_fail(c, rc, &err);
}

/* ---- bill invoice ---- */

typedef int (*render_fn)(char **out, size_t *len, const billing_doc *doc,
                         tl_err *err);

static const struct {
    const char *name;
    render_fn render;
} formats[] = {{"json", billing_render_json},
               {"ubl", billing_render_ubl},
               {"csv", billing_render_csv},
               {"html", billing_render_html}};

/* Writes the whole buffer to path through a temporary file renamed into
 * place, so a reader never sees half a document. */
static int write_file(const char *path, const char *buf, size_t len,
                      tl_err *err)
{
    char tmp[4096];
    FILE *f;
    int ok;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
        return tl_err_set(err, TL_EINVALID, "too_long", "output",
                          "the output path is too long");
    f = fopen(tmp, "wb");
    if (f == NULL)
        return tl_err_set(err, TL_ERROR, "io", "output", "cannot write %s: %s",
                          tmp, strerror(errno));
    ok = fwrite(buf, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        remove(tmp);
        return tl_err_set(err, TL_ERROR, "io", "output", "cannot write %s: %s",
                          path, strerror(errno));
    }
    return 0;
}

static int run_invoice(cli_ctx *c, int argc, char **argv)
{
    const char *format = NULL;
    const char *output = NULL;
    int validate = 0;
    const cli_opt opts[] = {{"format", &format, NULL},
                            {"output", &output, NULL},
                            {"validate", NULL, &validate},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    billing_doc doc;
    tl_err err = TL_ERR_INIT;
    render_fn render = NULL;
    char *buf = NULL;
    size_t len = 0;
    size_t i;
    int npos;
    int rc;

    billing_doc_init(&doc);
    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the invoice number is required");
    if (format == NULL)
        return cli_usage_error(c, "--format is required");
    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(format, formats[i].name) == 0)
            render = formats[i].render;
    if (render == NULL)
        return cli_usage_error(c,
                               "--format must be json, ubl, csv or html, "
                               "not \"%s\"",
                               format);
    if (validate && render != billing_render_ubl)
        return cli_usage_error(c, "--validate applies to --format ubl only");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = billing_doc_load(&doc, c->db, pos[0], &err);
    if (rc == 0)
        rc = render(&buf, &len, &doc, &err);
    if (rc == 0 && validate)
        rc = billing_ubl_validate(buf, len, &err);
    if (rc == 0 && output != NULL)
        rc = write_file(output, buf, len, &err);
    if (rc < 0)
        goto fail;
    if (output == NULL) {
        rc = fwrite(buf, 1, len, stdout) == len ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    } else if (c->json) {
        rc = cli_print_json(json_pack("{s:s, s:s, s:s, s:I, s:b}",
                                      "invoiceNumber", doc.number, "format",
                                      format, "output", output, "bytes",
                                      (json_int_t)len, "validated", validate));
    } else {
        printf("invoice %s written as %s to %s (%zu bytes%s)\n", doc.number,
               format, output, len, validate ? ", valid UBL 2.1" : "");
        rc = CLI_EXIT_OK;
    }
    free(buf);
    billing_doc_free(&doc);
    return rc;
fail:
    free(buf);
    billing_doc_free(&doc);
    return cli_fail(c, rc, &err);
}

/* ---- bill biller ---- */

static int biller_show(cli_ctx *c)
{
    billing_biller_t b;
    tl_err err = TL_ERR_INIT;
    int rc;

    rc = billing_biller_get(&b, c->db, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:s,"
            " s:{s:s, s:s, s:s, s:s}}",
            "legalName", b.legal_name, "address", "line1", b.line1, "line2",
            b.line2, "city", b.city, "region", b.region, "postcode", b.postcode,
            "country", b.country, "taxId", b.tax_id, "email", b.email, "phone",
            b.phone, "remittance", "bankName", b.bank_name,
            b.iban ? "iban" : "accountNumber", b.account_id,
            b.bic ? "bic" : "routingNumber", b.routing_id, "paymentTerms",
            b.payment_terms));
    printf("%s\n%s\n", b.legal_name, b.line1);
    if (b.line2[0] != '\0')
        printf("%s\n", b.line2);
    printf("%s, %s %s, %s\ntax id %s, %s%s%s\n", b.city, b.region, b.postcode,
           b.country, b.tax_id, b.email, b.phone[0] ? ", " : "", b.phone);
    printf("pay to: %s, %s %s, %s %s\nterms: %s\n", b.bank_name,
           b.iban ? "IBAN" : "account", b.account_id, b.bic ? "BIC" : "routing",
           b.routing_id, b.payment_terms);
    return CLI_EXIT_OK;
}

static int run_biller(cli_ctx *c, int argc, char **argv)
{
    const char *pos[2];
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int changed = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, pos, 2, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos == 1 && strcmp(pos[0], "show") == 0) {
        rc = cli_connect(c);
        return rc != 0 ? rc : biller_show(c);
    }
    if (npos == 0 || strcmp(pos[0], "load") != 0)
        return cli_usage_error(c, "say `load FILE` or `show`");
    if (npos != 2)
        return cli_usage_error(c, "the biller file is required");
    /* the file is read before connecting: a bad file is reported even
     * when the database is down */
    rc = tl_json_load_file(&doc, pos[1], TL_JSON_MAX_BYTES, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    rc = billing_biller_load(&changed, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:b}", "changed", changed));
    printf("biller %s\n", changed ? "loaded" : "already loaded, unchanged");
    return CLI_EXIT_OK;
}

const cli_command cli_billing_commands[] = {
    {"bill", "run", "preview and approve a bill cycle in one go",
     "trunkline bill run --cycle DAY --period YYYY-MM [--issue-date DATE]\n"
     "                   [--workers N] [--json]\n"
     "Previews the run (as `bill preview`), approves it and posts its\n"
     "invoices to the AR ledger (as `bill approve`). Invoices are dated\n"
     "--issue-date (default today). Running the same cycle and period\n"
     "again creates nothing.\n",
     run_run},
    {"bill", "preview", "compute a bill run's draft invoices",
     "trunkline bill preview --cycle DAY --period YYYY-MM [--issue-date DATE]\n"
     "                       [--refresh] [--batch-size N] [--max-batches N]\n"
     "                       [--workers N] [--json]\n"
     "Computes a draft invoice for every active account on cycle DAY:\n"
     "one-time charges not billed yet, recurring charges prorated by days\n"
     "up to the end of the period and the next period in advance, credits\n"
     "and rebills for changes to periods already billed, minimum-commitment\n"
     "shortfalls, early-termination fees and approved manual charges.\n"
     "Nothing is numbered or posted. Accounts are done in batches\n"
     "(default 500), each committed with the run's progress: a preview\n"
     "killed halfway continues where it stopped when run again. --refresh\n"
     "recomputes the drafts from current data. A new or refreshed run's\n"
     "accounts are cut into --workers stripes of account ids (default one\n"
     "per processor, at most 8; each at least a batch), previewed side by\n"
     "side on connections of their own; a run continued keeps its\n"
     "stripes, a worker each. --max-batches counts per stripe. Progress\n"
     "goes to stderr on a terminal; `bill status RUN` shows it from\n"
     "elsewhere.\n",
     run_preview},
    {"bill", "status", "a bill run's state, progress and invoices",
     "trunkline bill status RUN [--json]\n", run_status},
    {"bill", "review", "anomalies of a bill run's invoices before approval",
     "trunkline bill review RUN [--threshold-percent 25] [--json]\n"
     "Lists per invoice: total_moved (more than the threshold from the\n"
     "account's last invoice), new_code and vanished_code (against it),\n"
     "zero_total, negative_total, disconnected_service_charged (recurring\n"
     "charges past a disconnect date) and install_never_charged (an active\n"
     "service whose one-time codes were never billed).\n",
     run_review},
    {"bill", "approve", "number a previewed run's invoices and post them",
     "trunkline bill approve RUN [--json]\n"
     "Numbers the drafts gaplessly in account-number order, makes them\n"
     "final and posts them to the AR ledger, in one transaction.\n"
     "Approving again does nothing.\n",
     run_approve},
    {"bill", "adjust", "credit a line of a final invoice, with a reason code",
     "trunkline bill adjust INVOICE --line N --amount AMOUNT\n"
     "            --reason-code CODE --reason TEXT [--json]\n"
     "CODE is billing_error, rate_correction, service_outage, goodwill,\n"
     "dispute_resolution or other. At most what the line charged, less the\n"
     "adjustments already made to it; above the approval threshold it waits\n"
     "for `bill charge approve` by someone else. The account's next bill run\n"
     "bills it as a credit line naming the line it corrects.\n",
     run_adjust},
    {"bill", "charge", "manual one-time charges and credits",
     "trunkline bill charge add --account ACCOUNT --kind nrc|credit\n"
     "            --amount AMOUNT --description TEXT --reason TEXT\n"
     "            [--category installation|construction|expedite|equipment|"
     "other]\n"
     "            [--circuit CIRCUIT] [--json]\n"
     "       trunkline bill charge approve CHARGE [--json]\n"
     "       trunkline bill charge reject CHARGE --reason TEXT [--json]\n"
     "       trunkline bill charge list [--status STATUS] [--json]\n"
     "A charge above the currency's approval threshold (USD 500.00) waits\n"
     "for approval by someone other than who entered it; approved charges\n"
     "are billed by the account's next bill run.\n",
     run_charge},
    {"bill", "show", "print an invoice (or a draft: DRAFT-<id>)",
     "trunkline bill show INVOICE_NUMBER|DRAFT-ID [--json]\n", run_show},
    {"bill", "invoice", "an invoice as a document: JSON, UBL, CSV or HTML",
     "trunkline bill invoice INVOICE_NUMBER --format json|ubl|csv|html\n"
     "                       [--output FILE] [--validate] [--json]\n"
     "Renders the invoice: json is a TM Forum TMF678 CustomerBill, ubl an\n"
     "OASIS UBL 2.1 Invoice, csv its lines (RFC 4180), html a printable\n"
     "page. The same invoice always renders to the same bytes. Without\n"
     "--output the document goes to standard output. --validate checks\n"
     "the UBL against the OASIS XSD shipped in spec/ before writing it.\n"
     "--json reports the result and errors as JSON (with --output).\n"
     "Needs the biller (`bill biller load`).\n",
     run_invoice},
    {"bill", "biller", "load or show the biller printed on every invoice",
     "trunkline bill biller load FILE [--json]\n"
     "       trunkline bill biller show [--json]\n"
     "The biller is the operator's legal name, address, tax id, contact and\n"
     "remittance instructions (bank, account number or IBAN, routing number\n"
     "or BIC, payment terms). FILE is JSON as in demo/biller.json; every\n"
     "problem is reported with its field path. Loading the same file again\n"
     "changes nothing; another file replaces the biller (audited).\n",
     run_biller},
    {NULL, NULL, NULL, NULL, NULL}};
