/*
 * trunkline payment post | aging
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "cli/cli.h"
#include "collections/collections.h"

static int run_post(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *amount_text = NULL;
    const char *currency = NULL;
    const char *date_text = NULL;
    const char *reference = NULL;
    const char *invoice = NULL;
    const char *method = "wire";
    const cli_opt opts[] = {
        {"account", &account, NULL},     {"amount", &amount_text, NULL},
        {"currency", &currency, NULL},   {"date", &date_text, NULL},
        {"reference", &reference, NULL}, {"invoice", &invoice, NULL},
        {"method", &method, NULL},       {NULL, NULL, NULL}};
    const char *pos[1];
    collections_payment_in in;
    collections_payment_result res;
    accounts_account_t acct;
    tl_err err = TL_ERR_INIT;
    char applied[32];
    char unapplied[32];
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if (amount_text == NULL)
        return cli_usage_error(c, "--amount is required");
    if (reference == NULL)
        return cli_usage_error(c, "--reference is required");
    memset(&in, 0, sizeof(in));
    if (cli_date_arg(c, "date", date_text, &in.received_date) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    /* The amount is read in the account's currency unless --currency says
     * otherwise, so that "--amount 2551.67" needs no more typing. */
    if (currency == NULL) {
        rc = accounts_get(&acct, c->db, account, &err);
        if (rc < 0)
            goto fail;
        currency = acct.currency;
    }
    rc = tl_money_parse(&in.amount, amount_text, currency);
    if (rc != 0) {
        rc = tl_err_add(&err, "format", "amount",
                        "amount must be a plain decimal with at most %d "
                        "decimals for %s, not \"%s\"",
                        tl_currency_exponent(currency), currency, amount_text);
        goto fail;
    }
    in.account_number = account;
    in.reference = reference;
    in.invoice_number = invoice;
    in.method = method;
    in.actor = c->actor;
    rc = collections_post_payment(&res, c->db, &in, &err);
    if (rc < 0)
        goto fail;
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:s, s:b, s:i, s:o, s:o, s:o}", "paymentId",
            (json_int_t)res.payment_id, "reference", reference, "created",
            res.created, "invoicesPaid", res.invoices_paid, "amount",
            cli_money_json(&in.amount), "applied", cli_money_json(&res.applied),
            "unapplied", cli_money_json(&res.unapplied)));
    tl_money_format(applied, sizeof(applied), &res.applied);
    tl_money_format(unapplied, sizeof(unapplied), &res.unapplied);
    printf("payment %s %s: %s %s applied to %d invoice%s, %s %s unapplied\n",
           reference, res.created ? "posted" : "was already posted",
           res.applied.cur, applied, res.invoices_paid,
           res.invoices_paid == 1 ? "" : "s", res.unapplied.cur, unapplied);
    return CLI_EXIT_OK;
fail:
    return cli_fail(c, rc, &err);
}

typedef struct aging_out {
    json_t *rows; /* NULL for text output */
    int count;
} aging_out;

static void fmt_minor(char *buf, size_t size, int64_t minor, const char *cur)
{
    tl_money m;

    if (tl_money_make(&m, minor, cur) != 0 ||
        tl_money_format(buf, size, &m) < 0)
        snprintf(buf, size, "?");
}

static int aging_line(const collections_aging_row *r, void *cls, tl_err *err)
{
    aging_out *out = cls;
    char cells[COLLECTIONS_BUCKETS + 2][32];
    int i;

    (void)err;
    out->count++;
    if (out->rows != NULL) {
        json_t *o =
            json_pack("{s:s, s:s, s:s, s:i}", "accountNumber",
                      r->account_number, "name", r->account_name, "currency",
                      r->currency, "openInvoices", r->open_invoices);
        json_t *b = json_object();
        for (i = 0; i < COLLECTIONS_BUCKETS; i++) {
            fmt_minor(cells[i], sizeof(cells[i]), r->bucket[i], r->currency);
            json_object_set_new(b, collections_bucket_name(i),
                                json_string(cells[i]));
        }
        fmt_minor(cells[0], sizeof(cells[0]), r->open_total, r->currency);
        fmt_minor(cells[1], sizeof(cells[1]), r->unapplied, r->currency);
        json_object_set_new(o, "buckets", b);
        json_object_set_new(o, "openTotal", json_string(cells[0]));
        json_object_set_new(o, "unapplied", json_string(cells[1]));
        return json_array_append_new(out->rows, o) == 0 ? 0 : TL_ERROR;
    }
    for (i = 0; i < COLLECTIONS_BUCKETS; i++)
        fmt_minor(cells[i], sizeof(cells[i]), r->bucket[i], r->currency);
    fmt_minor(cells[COLLECTIONS_BUCKETS], sizeof(cells[0]), r->open_total,
              r->currency);
    fmt_minor(cells[COLLECTIONS_BUCKETS + 1], sizeof(cells[0]), r->unapplied,
              r->currency);
    printf("%-10s %-3s %11s %11s %11s %11s %11s %11s %12s %11s\n",
           r->account_number, r->currency, cells[0], cells[1], cells[2],
           cells[3], cells[4], cells[5], cells[6], cells[7]);
    return 0;
}

static int run_aging(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    aging_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    tl_date as_of;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (cli_date_arg(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json) {
        out.rows = json_array();
    } else {
        printf("aging as of %s (days past due)\n", as_of_text);
        printf("%-10s %-3s %11s %11s %11s %11s %11s %11s %12s %11s\n",
               "account", "cur", "current", "1-30", "31-60", "61-90", "91-120",
               "over 120", "open total", "unapplied");
    }
    rc = collections_aging(c->db, as_of, aging_line, &out, &err);
    if (rc < 0) {
        json_decref(out.rows);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:o}", "asOf", as_of_text, "accounts", out.rows));
    if (out.count == 0)
        printf("(no open balances)\n");
    return CLI_EXIT_OK;
}

const cli_command cli_collections_commands[] = {
    {"payment", "post", "record a payment and apply it to open invoices",
     "trunkline payment post --account NUMBER --amount 1234.56 --date DATE\n"
     "          --reference BANK_REF [--invoice NUMBER] [--currency CUR]\n"
     "          [--method wire|ach|check|card|other] [--json]\n"
     "Applies to --invoice first, then to the oldest open invoices; the rest\n"
     "stays on account. Posting the same reference again changes nothing.\n",
     run_post},
    {"aging", NULL, "open balances by days past due as of a date",
     "trunkline aging --as-of DATE [--json]\n", run_aging},
    {NULL, NULL, NULL, NULL, NULL}};
