/*
 * trunkline bill run | show | invoice | biller
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
