/*
 * trunkline payment post | aging
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "cli/cli.h"
#include "collections/book.h"
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
    json_t *kpis; /* NULL for text output */
    collections_aging_by by;
    int count;
} aging_out;

static void fmt_minor(char *buf, size_t size, int64_t minor, const char *cur)
{
    tl_money m;

    if (tl_money_make(&m, minor, cur) != 0 ||
        tl_money_format(buf, size, &m) < 0)
        snprintf(buf, size, "?");
}

/* Tenths as "40.0", or "n/a" when not defined (-1). */
static void fmt_tenths(char *buf, size_t size, int64_t tenths)
{
    if (tenths < 0)
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%lld.%lld", (long long)(tenths / 10),
                 (long long)(tenths % 10));
}

static int aging_line(const collections_aging_group *r, void *cls, tl_err *err)
{
    aging_out *out = cls;
    char cells[COLLECTIONS_BUCKETS + 3][32];
    int i;

    (void)err;
    out->count++;
    for (i = 0; i < COLLECTIONS_BUCKETS; i++)
        fmt_minor(cells[i], sizeof(cells[i]), r->bucket[i], r->currency);
    fmt_minor(cells[COLLECTIONS_BUCKETS], sizeof(cells[0]), r->disputed,
              r->currency);
    fmt_minor(cells[COLLECTIONS_BUCKETS + 1], sizeof(cells[0]), r->open_total,
              r->currency);
    fmt_minor(cells[COLLECTIONS_BUCKETS + 2], sizeof(cells[0]), r->unapplied,
              r->currency);
    if (out->rows != NULL) {
        json_t *o = json_pack(
            "{s:s, s:s, s:s, s:i}",
            out->by == COLLECTIONS_BY_ACCOUNT ? "accountNumber" : "group",
            r->key, "name", r->name, "currency", r->currency, "openInvoices",
            r->open_invoices);
        json_t *b = json_object();
        if (o == NULL || b == NULL) {
            json_decref(o);
            json_decref(b);
            return TL_ERROR;
        }
        for (i = 0; i < COLLECTIONS_BUCKETS; i++)
            json_object_set_new(b, collections_bucket_name(i),
                                json_string(cells[i]));
        json_object_set_new(o, "buckets", b);
        json_object_set_new(o, "disputed",
                            json_string(cells[COLLECTIONS_BUCKETS]));
        json_object_set_new(o, "openTotal",
                            json_string(cells[COLLECTIONS_BUCKETS + 1]));
        json_object_set_new(o, "unapplied",
                            json_string(cells[COLLECTIONS_BUCKETS + 2]));
        return json_array_append_new(out->rows, o) == 0 ? 0 : TL_ERROR;
    }
    printf("%-12s %-3s %11s %11s %11s %11s %11s %11s %11s %12s %11s\n", r->key,
           r->currency, cells[0], cells[1], cells[2], cells[3], cells[4],
           cells[5], cells[6], cells[7], cells[8]);
    return 0;
}

static int kpi_line(const collections_kpi *k, void *cls, tl_err *err)
{
    aging_out *out = cls;
    char dso[32];
    char cei[32];
    char sales[32];
    char ar[32];

    (void)err;
    fmt_tenths(dso, sizeof(dso), k->dso_tenths);
    fmt_tenths(cei, sizeof(cei), k->cei_tenths);
    fmt_minor(sales, sizeof(sales), k->sales, k->currency);
    fmt_minor(ar, sizeof(ar), k->ar_end, k->currency);
    if (out->kpis != NULL)
        return json_array_append_new(
                   out->kpis,
                   json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "currency",
                             k->currency, "days", k->days, "dso", dso, "cei",
                             cei, "sales", sales, "receivables", ar)) == 0
                   ? 0
                   : TL_ERROR;
    printf("%s over %d days: DSO %s days, CEI %s%% (sales %s, receivables "
           "%s)\n",
           k->currency, k->days, dso, cei, sales, ar);
    return 0;
}

static int run_aging(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const char *by_text = "account";
    const char *days_text = "30";
    int no_kpis = 0;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL},
                            {"by", &by_text, NULL},
                            {"kpi-days", &days_text, NULL},
                            {"no-kpis", NULL, &no_kpis},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    aging_out out = {NULL, NULL, COLLECTIONS_BY_ACCOUNT, 0};
    tl_err err = TL_ERR_INIT;
    tl_date as_of;
    int64_t days = 30;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (cli_date_arg(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    if (collections_aging_by_parse(&out.by, by_text) != 0)
        return cli_usage_error(c,
                               "--by is account, agent, product or "
                               "collector, not \"%s\"",
                               by_text);
    if (cli_int_arg(c, "kpi-days", days_text, 1, 3660, &days) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json) {
        out.rows = json_array();
        out.kpis = json_array();
    } else {
        printf("aging as of %s by %s (days past due; disputed amounts "
               "apart)\n",
               as_of_text, by_text);
        printf("%-12s %-3s %11s %11s %11s %11s %11s %11s %11s %12s %11s\n",
               by_text, "cur", "current", "1-30", "31-60", "61-90", "91-120",
               "over 120", "disputed", "open total", "unapplied");
    }
    rc =
        collections_aging_grouped(c->db, as_of, out.by, aging_line, &out, &err);
    if (rc >= 0 && !c->json && out.count == 0)
        printf("(no open balances)\n");
    if (rc >= 0 && !no_kpis && (c->json || out.count > 0))
        rc = collections_kpis(c->db, as_of, (int)days, kpi_line, &out, &err);
    if (rc < 0) {
        json_decref(out.rows);
        json_decref(out.kpis);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:s, s:o, s:o}", "asOf", as_of_text, "by", by_text,
                      out.by == COLLECTIONS_BY_ACCOUNT ? "accounts" : "groups",
                      out.rows, "kpis", out.kpis));
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
     "trunkline aging --as-of DATE [--by account|agent|product|collector]\n"
     "          [--kpi-days N | --no-kpis] [--json]\n"
     "Buckets hold undisputed open amounts; disputed ones are a column "
     "apart.\n"
     "DSO = receivables / sales of the last N days (30) * N;\n"
     "CEI = (AR at start + sales - AR at end) / (AR at start + sales -\n"
     "      current AR at end) * 100.\n",
     run_aging},
    {NULL, NULL, NULL, NULL, NULL}};
