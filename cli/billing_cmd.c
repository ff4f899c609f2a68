/*
 * trunkline bill run | show
 */
#include <stdio.h>
#include <string.h>

#include "billing/billing.h"
#include "cli/cli.h"
#include "collections/collections.h"

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

typedef struct run_ctx {
    int cycle;
    int year;
    int month;
    tl_date issue_date;
    const char *actor;
    billing_run_result result;
    int posted;
} run_ctx;

/* Billing and posting to the ledger commit together: an invoice is never
 * final without its ledger entry. */
static int run_tx(tl_db *db, void *cls, tl_err *err)
{
    run_ctx *ctx = cls;
    int rc;

    rc = billing_run(&ctx->result, db, ctx->cycle, ctx->year, ctx->month,
                     ctx->issue_date, ctx->actor, err);
    if (rc < 0)
        return rc;
    return collections_post_run(&ctx->posted, db, ctx->result.run_id,
                                ctx->actor, err);
}

static int run_run(cli_ctx *c, int argc, char **argv)
{
    const char *cycle_text = NULL;
    const char *period_text = NULL;
    const char *issue_text = NULL;
    const cli_opt opts[] = {{"cycle", &cycle_text, NULL},
                            {"period", &period_text, NULL},
                            {"issue-date", &issue_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    run_ctx ctx;
    tl_err err = TL_ERR_INIT;
    json_t *invoices = NULL;
    int64_t cycle = 0;
    char from[16];
    char to[16];
    int npos;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (cli_int_arg(c, "cycle", cycle_text, 1, 31, &cycle) != 0)
        return CLI_EXIT_USAGE;
    if (period_text == NULL)
        return cli_usage_error(c, "--period is required");
    if (tl_month_parse(&ctx.year, &ctx.month, period_text) != 0)
        return cli_usage_error(c,
                               "--period must be a month YYYY-MM, not "
                               "\"%s\"",
                               period_text);
    ctx.issue_date = cli_today();
    if (issue_text != NULL &&
        cli_date_arg(c, "issue-date", issue_text, &ctx.issue_date) != 0)
        return CLI_EXIT_USAGE;
    ctx.cycle = (int)cycle;
    ctx.actor = c->actor;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = tl_db_run_tx(c->db, "bill_run", run_tx, &ctx, &err);
    if (rc < 0)
        goto fail;
    if (c->json) {
        invoices = json_array();
    } else {
        tl_date_format(from, sizeof(from), ctx.result.period.start);
        tl_date_format(to, sizeof(to),
                       tl_date_add_days(ctx.result.period.end, -1));
        printf("bill run %lld, cycle %d, period %s to %s: %s\n",
               (long long)ctx.result.run_id, ctx.cycle, from, to,
               ctx.result.created ? "completed"
                                  : "already run, nothing new created");
        printf("%d invoice%s, %d posted to the AR ledger now\n",
               ctx.result.invoice_count,
               ctx.result.invoice_count == 1 ? "" : "s", ctx.posted);
    }
    rc = billing_run_invoices(c->db, ctx.result.run_id, list_invoice, invoices,
                              &err);
    if (rc < 0)
        goto fail;
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:i, s:o, s:o, s:b, s:i, s:o}", "runId",
            (json_int_t)ctx.result.run_id, "cycleDay", ctx.cycle, "periodStart",
            cli_date_json(ctx.result.period.start), "periodEnd",
            cli_date_json(ctx.result.period.end), "created", ctx.result.created,
            "ledgerEntriesPosted", ctx.posted, "invoices", invoices));
    return CLI_EXIT_OK;
fail:
    json_decref(invoices);
    return cli_fail(c, rc, &err);
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
    printf(" %2d  %-58.58s %-4s %3d %10s %12s\n", l->line_no, l->description,
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
        printf("INVOICE %s\n%s (account %s)\nissued %s, due %s, period %s "
               "to %s\n\n",
               inv.invoice_number, inv.account_name, inv.account_number, d1, d2,
               d3, d4);
        printf(" %2s  %-58s %-4s %3s %10s %12s\n", "#", "description", "kind",
               "qty", "unit", "amount");
    }
    rc = billing_invoice_lines(c->db, inv.account_id, inv.invoice_id, line_out,
                               lines, &err);
    if (rc < 0)
        goto fail;
    if (c->json) {
        json_t *o = invoice_json(&inv);
        json_object_set_new(o, "lines", lines);
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

const cli_command cli_billing_commands[] = {
    {"bill", "run", "run a bill cycle for a period and post its invoices",
     "trunkline bill run --cycle DAY --period YYYY-MM [--issue-date DATE] "
     "[--json]\n"
     "Bills every active account on cycle DAY: one-time charges not billed\n"
     "yet, recurring charges prorated by days up to the end of the period,\n"
     "and the next period in advance. Invoices are dated --issue-date\n"
     "(default today) and posted to the AR ledger. Running the same cycle\n"
     "and period again creates nothing.\n",
     run_run},
    {"bill", "show", "print an invoice",
     "trunkline bill show INVOICE_NUMBER [--json]\n", run_show},
    {NULL, NULL, NULL, NULL, NULL}};
