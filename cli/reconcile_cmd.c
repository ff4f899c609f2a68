/*
 * trunkline bill reconcile | finance-report | gl-accounts | gl-export
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/reconcile.h"
#include "cli/cli.h"
#include "collections/finance.h"
#include "common/json.h"

/* ---- bill reconcile ---- */

typedef struct recon_out {
    int json;
    int csv;
    json_t *arr;
} recon_out;

static void money_text(char *buf, size_t size, int has, const tl_money *m)
{
    buf[0] = '\0';
    if (has && tl_money_format(buf, size, m) < 0)
        buf[0] = '\0';
}

static int finding_out(const billing_recon_finding_t *f, void *cls, tl_err *err)
{
    recon_out *o = cls;
    char from[16], to[16], billed[32], expected[32], amount[32];
    json_t *row;

    tl_date_format(from, sizeof(from), f->from);
    to[0] = '\0';
    if (f->has_to)
        tl_date_format(to, sizeof(to), f->to);
    money_text(billed, sizeof(billed), f->has_billed, &f->billed);
    money_text(expected, sizeof(expected), f->has_expected, &f->expected);
    money_text(amount, sizeof(amount), 1, &f->amount);
    if (o->csv) {
        cli_csv_field(billing_recon_kind_name(f->kind), 0);
        cli_csv_field(f->account_number, 0);
        cli_csv_field(f->circuit_id, 0);
        cli_csv_field(f->product_id, 0);
        cli_csv_field(f->code, 0);
        cli_csv_field(from, 0);
        cli_csv_field(to, 0);
        cli_csv_field(f->amount.cur, 0);
        cli_csv_field(billed, 0);
        cli_csv_field(expected, 0);
        cli_csv_field(amount, 0);
        cli_csv_field(f->message, 1);
        return 0;
    }
    if (!o->json) {
        printf("  %-22s %-10s %-14s %-9s %s %12s  %s\n",
               billing_recon_kind_name(f->kind), f->account_number,
               f->circuit_id, f->code[0] ? f->code : "-", f->amount.cur, amount,
               f->message);
        return 0;
    }
    row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s}", "finding",
                    billing_recon_kind_name(f->kind), "accountNumber",
                    f->account_number, "circuitId", f->circuit_id, "product",
                    f->product_id, "code", f->code, "from",
                    cli_date_json(f->from), "amount",
                    cli_money_json(&f->amount), "message", f->message);
    if (row != NULL && f->has_to)
        json_object_set_new(row, "to", cli_date_json(f->to));
    if (row != NULL && f->has_billed)
        json_object_set_new(row, "billed", cli_money_json(&f->billed));
    if (row != NULL && f->has_expected)
        json_object_set_new(row, "expected", cli_money_json(&f->expected));
    if (row == NULL || json_array_append_new(o->arr, row) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

static json_t *totals_json(const billing_recon_totals_t *t)
{
    json_t *arr = json_array();
    int k;
    int i;

    for (k = 0; arr != NULL && k < BILLING_RECON_KINDS; k++) {
        json_t *amounts = json_array();

        for (i = 0; amounts != NULL && i < t->n_amounts[k]; i++)
            json_array_append_new(amounts,
                                  cli_money_json(&t->amounts[k][i].amount));
        if (json_array_append_new(
                arr, json_pack("{s:s, s:i, s:o}", "finding",
                               billing_recon_kind_name((billing_recon_kind)k),
                               "count", t->count[k], "amounts", amounts)) !=
            0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static void totals_text(const billing_recon_totals_t *t)
{
    char amount[32];
    int k;
    int i;

    printf("\ntotals:\n");
    for (k = 0; k < BILLING_RECON_KINDS; k++) {
        printf("  %-22s %3d", billing_recon_kind_name((billing_recon_kind)k),
               t->count[k]);
        for (i = 0; i < t->n_amounts[k]; i++) {
            money_text(amount, sizeof(amount), 1, &t->amounts[k][i].amount);
            printf("  %s %s", t->amounts[k][i].currency, amount);
        }
        printf("\n");
    }
}

static int run_reconcile(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const char *account = NULL;
    int csv = 0;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL},
                            {"account", &account, NULL},
                            {"csv", NULL, &csv},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    billing_recon_totals_t totals;
    recon_out o = {0, 0, NULL};
    tl_err err = TL_ERR_INIT;
    tl_date on = cli_today();
    int npos = 0;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (as_of_text != NULL && cli_date_arg(c, "as-of", as_of_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (csv && c->json)
        return cli_usage_error(c, "choose --csv or --json");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    o.json = c->json;
    o.csv = csv;
    if (c->json)
        o.arr = json_array();
    if (csv)
        printf("finding,account,circuit,product,code,from,to,currency,billed,"
               "expected,amount,message\n");
    rc = billing_reconcile(&totals, c->db, on, account, finding_out, &o, &err);
    if (rc < 0) {
        json_decref(o.arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o, s:s?, s:i, s:o, s:o}", "asOf",
                                        cli_date_json(on), "account", account,
                                        "count", rc, "findings", o.arr,
                                        "totals", totals_json(&totals)));
    if (!csv) {
        if (rc == 0)
            printf("no findings\n");
        totals_text(&totals);
    }
    return CLI_EXIT_OK;
}

/* ---- bill finance-report ---- */

typedef struct fin_out {
    int json;
    int csv;
    json_t *arr;
} fin_out;

static int fin_row_out(const collections_finance_row_t *r, void *cls,
                       tl_err *err)
{
    fin_out *o = cls;
    char mrc[32], nrc[32], tax[32], billed[32], invoiced[32], ledger[32],
        diff[32], invoices[16], untied[16];
    json_t *row;

    money_text(mrc, sizeof(mrc), 1, &r->mrc);
    money_text(nrc, sizeof(nrc), 1, &r->nrc);
    money_text(tax, sizeof(tax), r->is_total, &r->tax);
    money_text(billed, sizeof(billed), 1, &r->billed);
    money_text(invoiced, sizeof(invoiced), r->is_total, &r->invoiced);
    money_text(ledger, sizeof(ledger), r->is_total, &r->ledger);
    money_text(diff, sizeof(diff), r->is_total, &r->difference);
    snprintf(invoices, sizeof(invoices), "%d", r->invoices);
    snprintf(untied, sizeof(untied), "%d", r->untied);
    if (o->csv) {
        cli_csv_field(r->month, 0);
        cli_csv_field(r->currency, 0);
        cli_csv_field(r->product, 0);
        cli_csv_field(invoices, 0);
        cli_csv_field(mrc, 0);
        cli_csv_field(nrc, 0);
        cli_csv_field(tax, 0);
        cli_csv_field(billed, 0);
        cli_csv_field(invoiced, 0);
        cli_csv_field(ledger, 0);
        cli_csv_field(diff, 0);
        cli_csv_field(r->is_total ? (r->ties ? "ties" : "DIFFERS") : "", 0);
        cli_csv_field(r->first_untied, 1);
        return 0;
    }
    if (!o->json) {
        if (r->is_total)
            printf("  %-7s %s %-12s %3d %12s %12s %10s %12s %12s %12s %10s  "
                   "%s%s%s\n",
                   r->month, r->currency, r->product, r->invoices, mrc, nrc,
                   tax, billed, invoiced, ledger, diff,
                   r->ties ? "ties" : "DIFFERS",
                   r->first_untied[0] ? ", first: " : "", r->first_untied);
        else
            printf("  %-7s %s %-12s %3d %12s %12s %10s %12s\n", r->month,
                   r->currency, r->product, r->invoices, mrc, nrc, "", billed);
        return 0;
    }
    row = json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:o}", "month", r->month,
                    "currency", r->currency, "product", r->product, "invoices",
                    r->invoices, "mrc", cli_money_json(&r->mrc), "nrc",
                    cli_money_json(&r->nrc), "billed",
                    cli_money_json(&r->billed));
    if (row != NULL && r->is_total) {
        json_object_set_new(row, "tax", cli_money_json(&r->tax));
        json_object_set_new(row, "invoiced", cli_money_json(&r->invoiced));
        json_object_set_new(row, "ledger", cli_money_json(&r->ledger));
        json_object_set_new(row, "difference", cli_money_json(&r->difference));
        json_object_set_new(row, "ties", json_boolean(r->ties));
        json_object_set_new(row, "untiedInvoices", json_integer(r->untied));
        if (r->first_untied[0])
            json_object_set_new(row, "firstUntiedInvoice",
                                json_string(r->first_untied));
    }
    if (row == NULL || json_array_append_new(o->arr, row) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

static int run_finance_report(cli_ctx *c, int argc, char **argv)
{
    const char *from_text = NULL;
    const char *to_text = NULL;
    int csv = 0;
    const cli_opt opts[] = {{"from", &from_text, NULL},
                            {"to", &to_text, NULL},
                            {"csv", NULL, &csv},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    fin_out o = {0, 0, NULL};
    tl_err err = TL_ERR_INIT;
    int fy, fm, ty, tm;
    int untied = 0;
    int npos = 0;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (from_text == NULL || tl_month_parse(&fy, &fm, from_text) != 0)
        return cli_usage_error(c, "--from YYYY-MM is required");
    if (to_text == NULL)
        to_text = from_text;
    if (tl_month_parse(&ty, &tm, to_text) != 0)
        return cli_usage_error(c, "--to must be a month YYYY-MM, not \"%s\"",
                               to_text);
    if (csv && c->json)
        return cli_usage_error(c, "choose --csv or --json");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    o.json = c->json;
    o.csv = csv;
    if (c->json)
        o.arr = json_array();
    if (csv)
        printf("month,currency,product,invoices,mrc,nrc,tax,billed,invoiced,"
               "ledger,difference,status,first_untied_invoice\n");
    else if (!c->json)
        printf("  %-7s %-3s %-12s %3s %12s %12s %10s %12s %12s %12s %10s\n",
               "month", "cur", "product", "inv", "mrc", "nrc", "tax", "billed",
               "invoiced", "ledger", "diff");
    rc = collections_finance_report(&untied, c->db, fy, fm, ty, tm, fin_row_out,
                                    &o, &err);
    if (rc < 0) {
        json_decref(o.arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:s, s:b, s:i, s:o}", "from", from_text, "to", to_text,
            "tiesOut", untied == 0, "untiedMonths", untied, "rows", o.arr));
    if (!csv)
        printf("%s\n", untied == 0 ? "every month ties out to the AR ledger"
                                   : "some months do NOT tie out (DIFFERS)");
    return CLI_EXIT_OK;
}

/* ---- bill gl-accounts load ---- */

static int run_gl_accounts(cli_ctx *c, int argc, char **argv)
{
    collections_gl_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    if (argc >= 1 && strcmp(argv[0], "--help") == 0) {
        printf("usage: %s", c->usage);
        return CLI_EXIT_OK;
    }
    if (argc < 1 || strcmp(argv[0], "load") != 0)
        return cli_usage_error(c, "expected: gl-accounts load FILE");
    rc = cli_json_arg(c, argc - 1, argv + 1, "the GL accounts file", &doc);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = collections_gl_accounts_load(&res, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:i, s:i, s:i}", "added", res.added,
                                        "updated", res.updated, "unchanged",
                                        res.unchanged));
    printf("GL accounts: %d added, %d updated, %d unchanged\n", res.added,
           res.updated, res.unchanged);
    return CLI_EXIT_OK;
}

/* ---- bill gl-export ---- */

static int write_file(const cli_ctx *c, const char *path, const char *text,
                      tl_err *err)
{
    FILE *f = fopen(path, "wb");
    size_t len = strlen(text);
    int ok;

    (void)c;
    if (f == NULL)
        return tl_err_set(err, TL_ERROR, "io", "output", "cannot write %s",
                          path);
    ok = fwrite(text, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        return tl_err_set(err, TL_ERROR, "io", "output", "cannot write %s",
                          path);
    return 0;
}

static json_t *export_json(const collections_gl_export_t *e, const char *path)
{
    json_t *totals = json_array();
    int k;

    for (k = 0; totals != NULL && k < e->n_totals; k++) {
        tl_money d, cr;

        tl_money_make(&d, e->totals[k].debit_minor, e->totals[k].currency);
        tl_money_make(&cr, e->totals[k].credit_minor, e->totals[k].currency);
        json_array_append_new(totals, json_pack("{s:s, s:o, s:o}", "currency",
                                                e->totals[k].currency, "debit",
                                                cli_money_json(&d), "credit",
                                                cli_money_json(&cr)));
    }
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:o, "
                     "s:s?, s:s?}",
                     "exportId", (json_int_t)e->export_id, "kind", e->kind,
                     "source", e->source_key, "journal", e->journal,
                     "exportedAt", e->exported_at, "exportedBy", e->exported_by,
                     "sha256", e->sha256, "lines", e->line_count, "created",
                     e->created, "totals", totals, "output", path, "csv",
                     path ? NULL : e->csv);
}

static int run_gl_export(cli_ctx *c, int argc, char **argv)
{
    const char *run_text = NULL;
    const char *day_text = NULL;
    const char *ledger_text = NULL;
    const char *output = NULL;
    int again = 0;
    const cli_opt opts[] = {{"run", &run_text, NULL},
                            {"cash-day", &day_text, NULL},
                            {"ledger-day", &ledger_text, NULL},
                            {"output", &output, NULL},
                            {"again", NULL, &again},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    collections_gl_export_t e;
    tl_err err = TL_ERR_INIT;
    const char *kind = NULL;
    int64_t run_id = 0;
    tl_date day = 0;
    char key[24];
    int npos = 0;
    int rc;

    memset(&e, 0, sizeof(e));
    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if ((run_text != NULL) + (day_text != NULL) + (ledger_text != NULL) != 1)
        return cli_usage_error(
            c, "give --run RUN, --cash-day DATE or --ledger-day DATE");
    if (run_text != NULL) {
        kind = "bill_run";
        if (cli_int_arg(c, "run", run_text, 1, INT64_MAX, &run_id) != 0)
            return CLI_EXIT_USAGE;
        snprintf(key, sizeof(key), "%lld", (long long)run_id);
    } else if (day_text != NULL) {
        kind = "cash_day";
        if (cli_date_arg(c, "cash-day", day_text, &day) != 0)
            return CLI_EXIT_USAGE;
        tl_date_format(key, sizeof(key), day);
    } else {
        kind = "ledger_day";
        if (cli_date_arg(c, "ledger-day", ledger_text, &day) != 0)
            return CLI_EXIT_USAGE;
        tl_date_format(key, sizeof(key), day);
    }
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (again)
        rc = collections_gl_export_get(&e, c->db, kind, key, &err);
    else if (run_text != NULL)
        rc = collections_gl_export_run(&e, c->db, run_id, c->actor, &err);
    else if (day_text != NULL)
        rc = collections_gl_export_cash_day(&e, c->db, day, c->actor, &err);
    else
        rc = collections_gl_export_ledger_day(&e, c->db, day, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (output != NULL) {
        rc = write_file(c, output, e.csv, &err);
        if (rc < 0) {
            collections_gl_export_free(&e);
            return cli_fail(c, rc, &err);
        }
    }
    if (c->json) {
        rc = cli_print_json(export_json(&e, output));
    } else if (output != NULL) {
        printf("journal %s: %d lines, export %lld%s, written to %s\n",
               e.journal, e.line_count, (long long)e.export_id,
               e.created ? "" : " (printed again)", output);
        rc = CLI_EXIT_OK;
    } else {
        fputs(e.csv, stdout);
        rc = CLI_EXIT_OK;
    }
    collections_gl_export_free(&e);
    return rc;
}

const cli_command cli_reconcile_commands[] = {
    {"bill", "reconcile",
     "three-way reconciliation: inventory vs billing vs contract rates",
     "trunkline bill reconcile [--as-of DATE] [--account NUMBER] "
     "[--csv|--json]\n"
     "Services in service but not billed (monthly amount at risk), billed\n"
     "after disconnect or never accepted (amount to credit), billed at\n"
     "another price than the contract or list price in force (difference\n"
     "a month), billing start not the acceptance date (prorated amount),\n"
     "installation charges never invoiced; totals per finding.\n",
     run_reconcile},
    {"bill", "finance-report",
     "billed MRC/NRC/tax by product and month tied out to the AR ledger",
     "trunkline bill finance-report --from YYYY-MM [--to YYYY-MM] "
     "[--csv|--json]\n"
     "Per invoice month and product: MRC and NRC billed; per month: tax,\n"
     "invoice totals and the AR ledger's invoice entries, with the\n"
     "difference (must be 0). Months that do not tie say DIFFERS.\n",
     run_finance_report},
    {"bill", "gl-accounts", "load the GL account mapping (JSON)",
     "trunkline bill gl-accounts load FILE [--json]\n"
     "GL accounts by purpose (receivable, revenue by product, tax_payable\n"
     "by tax code, cash, unapplied_cash, adjustments, bad_debt), e.g.\n"
     "demo/gl-accounts.json.\n",
     run_gl_accounts},
    {"bill", "gl-export",
     "the balanced GL journal of a bill run, cash day or ledger day, once",
     "trunkline bill gl-export (--run RUN | --cash-day DATE | --ledger-day "
     "DATE)\n"
     "                         [--again] [--output FILE] [--json]\n"
     "Writes the journal as CSV (stdout or --output). Each run and day is\n"
     "exported once; --again prints the stored export again, identical.\n"
     "A ledger day journals the credit and debit memos, adjustments,\n"
     "refunds, write-offs, recoveries and transfers effective by DATE and\n"
     "not journaled before (GL accounts: receivable, adjustments,\n"
     "bad_debt, unapplied_cash, cash).\n",
     run_gl_export},
    {NULL, NULL, NULL, NULL, NULL}};
