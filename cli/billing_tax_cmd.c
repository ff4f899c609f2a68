/*
 * trunkline bill taxes: the taxes and surcharges the catalog's rules give
 * an invoice, computed as billing_tax_invoice would and written nowhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/taxes.h"
#include "catalog/catalog.h"
#include "cli/cli.h"

static json_t *tax_line_json(const billing_tax_line *t)
{
    char pct[16];
    json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:s, s:o, s:o}", "lineNo",
                          t->line_no, "jurisdiction", t->jurisdiction,
                          "taxCode", t->tax_code, "name", t->name, "kind",
                          t->kind, "base", cli_money_json(&t->base), "amount",
                          cli_money_json(&t->amount));

    if (o == NULL)
        return NULL;
    if (t->per_unit) {
        json_object_set_new(o, "perUnit", cli_money_json(&t->per_unit_amount));
        json_object_set_new(o, "units", json_integer(t->units));
    } else {
        catalog_percent_format(pct, sizeof(pct), t->rate_ppm);
        json_object_set_new(o, "ratePercent", json_string(pct));
    }
    return o;
}

static void print_tax_line(const billing_tax_line *t)
{
    char base[32];
    char amount[32];
    char rate[40];
    char pct[16];

    tl_money_format(base, sizeof(base), &t->base);
    tl_money_format(amount, sizeof(amount), &t->amount);
    if (t->per_unit) {
        char unit[32];

        tl_money_format(unit, sizeof(unit), &t->per_unit_amount);
        snprintf(rate, sizeof(rate), "%s x %lld", unit, (long long)t->units);
    } else {
        catalog_percent_format(pct, sizeof(pct), t->rate_ppm);
        snprintf(rate, sizeof(rate), "%s%%", pct);
    }
    printf(" %2d  %-6s %-9s %-42.42s %12s %12s %10s\n", t->line_no,
           t->jurisdiction, t->tax_code, t->name, base, rate, amount);
}

static int run_taxes(cli_ctx *c, int argc, char **argv)
{
    const char *number = NULL;
    billing_invoice_t inv;
    billing_taxable_line *lines = NULL;
    billing_tax_result r = {NULL, 0, {0, ""}};
    tl_err err = TL_ERR_INIT;
    tl_money total;
    char currency[4];
    char sub[32];
    char tax[32];
    char now[32];
    char tot[32];
    size_t n = 0;
    size_t i;
    int rc;

    rc = cli_one_arg(c, argc, argv, "the invoice number", &number);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = billing_invoice_get(&inv, c->db, number, &err);
    if (rc == 0)
        rc = billing_taxable_lines_of_invoice(
            &lines, &n, currency, c->db, inv.account_id, inv.invoice_id, &err);
    if (rc == 0)
        rc = billing_compute_taxes(&r, c->db, inv.account_id, lines, n, &err);
    free(lines);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (r.tax.cur[0] == '\0')
        tl_money_make(&r.tax, 0, inv.subtotal.cur);
    rc = tl_money_add(&total, &inv.subtotal, &r.tax);
    if (rc < 0) {
        billing_tax_result_free(&r);
        tl_err_set(&err, rc, "overflow", "total", "the total does not fit");
        return cli_fail(c, rc, &err);
    }
    if (c->json) {
        json_t *arr = json_array();
        json_t *o;

        for (i = 0; i < r.n_lines; i++)
            json_array_append_new(arr, tax_line_json(&r.lines[i]));
        o = json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o, s:o}",
                      "invoiceNumber", inv.invoice_number, "accountNumber",
                      inv.account_number, "written", 0, "taxLines", arr,
                      "subtotal", cli_money_json(&inv.subtotal), "tax",
                      cli_money_json(&r.tax), "total", cli_money_json(&total),
                      "invoiceTax", cli_money_json(&inv.tax));
        billing_tax_result_free(&r);
        return cli_print_json(o);
    }
    printf("TAXES %s (account %s): what the rules give, not written\n\n",
           inv.invoice_number, inv.account_number);
    if (r.n_lines == 0)
        printf("  no taxes or surcharges apply\n");
    else
        printf(" %2s  %-6s %-9s %-42s %12s %12s %10s\n", "#", "where", "code",
               "name", "base", "rate", "amount");
    for (i = 0; i < r.n_lines; i++)
        print_tax_line(&r.lines[i]);
    tl_money_format(sub, sizeof(sub), &inv.subtotal);
    tl_money_format(tax, sizeof(tax), &r.tax);
    tl_money_format(now, sizeof(now), &inv.tax);
    tl_money_format(tot, sizeof(tot), &total);
    printf("\n %83s %s %12s\n %83s %s %12s  (on the invoice now: %s)\n"
           " %83s %s %12s\n",
           "subtotal", inv.subtotal.cur, sub, "tax", inv.subtotal.cur, tax, now,
           "total with tax", inv.subtotal.cur, tot);
    billing_tax_result_free(&r);
    return CLI_EXIT_OK;
}

const cli_command cli_billing_tax_commands[] = {
    {"bill", "taxes", "the taxes and surcharges an invoice's lines bear",
     "trunkline bill taxes INVOICE_NUMBER [--json]\n"
     "Computes the tax and regulatory surcharge lines of the invoice from\n"
     "the catalog's tax rules in force on each line's charge date, by the\n"
     "jurisdiction of the service address (with the federal level) and the\n"
     "code's tax category, less the account's exemption certificates. Each\n"
     "percentage is applied once to its summed base, rounded half-even.\n"
     "Shows what the tax would be; nothing is written.\n",
     run_taxes},
    {NULL, NULL, NULL, NULL, NULL}};
