/*
 * trunkline cash import | apply | unapply | unapplied
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "collections/cash.h"

/* Reads a whole file of at most CASH_FILE_MAX_BYTES, growing as it goes. */
static int read_file(char **out, size_t *len, const char *path, tl_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 1u << 16;
    size_t n = 0;
    size_t got;
    int rc = 0;

    *out = NULL;
    *len = 0;
    if (f == NULL)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", path,
                          "cannot open %s", path);
    buf = malloc(cap);
    while (buf != NULL) {
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n > CASH_FILE_MAX_BYTES) {
            rc = tl_err_add(err, "too_large", path,
                            "the file is larger than %u bytes",
                            CASH_FILE_MAX_BYTES);
            break;
        }
        if (got == 0)
            break;
        if (n == cap) {
            char *g = realloc(buf, cap * 2);
            if (g == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g;
            cap *= 2;
        }
    }
    if (buf == NULL && rc == 0)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    if (rc == 0 && ferror(f))
        rc = tl_err_set(err, TL_ERROR, "io", path, "cannot read %s", path);
    fclose(f);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = n;
    return 0;
}

static void fmt_minor(char *buf, size_t size, int64_t minor, const char *cur)
{
    tl_money m;

    if (cur[0] == '\0' || tl_money_make(&m, minor, cur) != 0 ||
        tl_money_format(buf, size, &m) < 0)
        snprintf(buf, size, "-");
}

static json_t *minor_json(int64_t minor, const char *cur)
{
    tl_money m;

    if (cur[0] == '\0' || tl_money_make(&m, minor, cur) != 0)
        return json_null();
    return cli_money_json(&m);
}

static int run_import(cli_ctx *c, int argc, char **argv)
{
    const char *format_text = NULL;
    const cli_opt opts[] = {{"format", &format_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    cash_import_result res;
    cash_format format = CASH_FORMAT_UNKNOWN;
    tl_err err = TL_ERR_INIT;
    char a[32], b[32], d[32], e[32];
    char *buf = NULL;
    size_t len = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "name the bank file to import");
    if (format_text != NULL) {
        format = cash_format_from_name(format_text);
        if (format == CASH_FORMAT_UNKNOWN)
            return cli_usage_error(c,
                                   "--format must be camt053, camt054, bai2 "
                                   "or lockbox, not \"%s\"",
                                   format_text);
    }
    rc = read_file(&buf, &len, pos[0], &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    rc = cash_import(&res, c->db, buf, len, format, pos[0], c->actor, &err);
    free(buf);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        json_t *o = json_pack(
            "{s:I, s:b, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:i,"
            " s:{s:i, s:i, s:i}, s:i}",
            "fileId", (json_int_t)res.file_id, "created", res.created, "file",
            pos[0], "format", cash_format_name(res.format), "sha256",
            res.sha256, "entries", res.entries, "credits", res.credits,
            "debitsSkipped", res.debits_skipped, "receipts", res.receipts_new,
            "duplicates", res.duplicates, "matched", "byInvoice",
            res.by_invoice, "byAccount", res.by_account, "byAmount",
            res.by_amount, "unmatched", res.unmatched);
        if (o != NULL && res.currency[0] != '\0') {
            json_object_set_new(o, "received",
                                minor_json(res.received, res.currency));
            json_object_set_new(o, "applied",
                                minor_json(res.applied, res.currency));
            json_object_set_new(o, "onAccount",
                                minor_json(res.on_account, res.currency));
            json_object_set_new(o, "queued",
                                minor_json(res.queued, res.currency));
        }
        return cli_print_json(o);
    }
    if (!res.created)
        printf("%s was imported before (file %lld, same SHA-256): nothing "
               "new\n",
               pos[0], (long long)res.file_id);
    else
        printf("imported %s as file %lld (%s)\n", pos[0],
               (long long)res.file_id, cash_format_name(res.format));
    printf("  %d entries: %d credits, %d debits or other entries skipped\n",
           res.entries, res.credits, res.debits_skipped);
    printf("  %d new receipts, %d already imported\n", res.receipts_new,
           res.duplicates);
    printf("  matched by invoice %d, by account %d, by amount %d; %d in the "
           "unapplied-cash queue\n",
           res.by_invoice, res.by_account, res.by_amount, res.unmatched);
    if (res.currency[0] != '\0') {
        fmt_minor(a, sizeof(a), res.received, res.currency);
        fmt_minor(b, sizeof(b), res.applied, res.currency);
        fmt_minor(d, sizeof(d), res.on_account, res.currency);
        fmt_minor(e, sizeof(e), res.queued, res.currency);
        printf("  %s %s received: %s applied to invoices, %s credit on "
               "account, %s unapplied\n",
               res.currency, a, b, d, e);
    }
    return CLI_EXIT_OK;
}

static int run_apply(cli_ctx *c, int argc, char **argv)
{
    const char *receipt = NULL;
    const char *payment = NULL;
    const char *account = NULL;
    const char *invoice = NULL;
    const char *amount_text = NULL;
    const char *date_text = NULL;
    const char *note = NULL;
    const cli_opt opts[] = {
        {"receipt", &receipt, NULL},    {"payment", &payment, NULL},
        {"account", &account, NULL},    {"invoice", &invoice, NULL},
        {"amount", &amount_text, NULL}, {"date", &date_text, NULL},
        {"note", &note, NULL},          {NULL, NULL, NULL}};
    const char *pos[1];
    cash_apply_in in;
    cash_apply_result res;
    tl_err err = TL_ERR_INIT;
    char a[32], b[32], d[32];
    int64_t id = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if ((receipt == NULL) == (payment == NULL))
        return cli_usage_error(c, "name one of --receipt and --payment");
    memset(&in, 0, sizeof(in));
    if (cli_int_arg(c, receipt ? "receipt" : "payment",
                    receipt ? receipt : payment, 1, INT64_MAX, &id) != 0)
        return CLI_EXIT_USAGE;
    if (receipt != NULL)
        in.receipt_id = id;
    else
        in.payment_id = id;
    in.date = cli_today();
    if (date_text != NULL && cli_date_arg(c, "date", date_text, &in.date) != 0)
        return CLI_EXIT_USAGE;
    in.account_number = account;
    in.invoice_number = invoice;
    in.note = note;
    in.actor = c->actor;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    in.amount = amount_text;
    rc = cash_apply(&res, c->db, &in, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        json_t *o = json_pack("{s:I, s:o, s:o}", "paymentId",
                              (json_int_t)res.payment_id, "applied",
                              cli_money_json(&res.applied), "left",
                              cli_money_json(&res.left));
        if (o != NULL && res.application_id != 0) {
            json_object_set_new(o, "applicationId",
                                json_integer(res.application_id));
            json_object_set_new(o, "invoice", json_string(invoice));
            json_object_set_new(o, "invoiceOpen",
                                cli_money_json(&res.invoice_open));
        }
        return cli_print_json(o);
    }
    tl_money_format(a, sizeof(a), &res.applied);
    tl_money_format(b, sizeof(b), &res.left);
    tl_money_format(d, sizeof(d), &res.invoice_open);
    if (receipt != NULL)
        printf("receipt %s is now payment %lld\n", receipt,
               (long long)res.payment_id);
    if (res.application_id != 0)
        printf("applied %s %s to %s (application %lld); the invoice owes %s "
               "%s\n",
               res.applied.cur, a, invoice, (long long)res.application_id,
               res.invoice_open.cur, d);
    printf("payment %lld: %s %s left on account\n", (long long)res.payment_id,
           res.left.cur, b);
    return CLI_EXIT_OK;
}

static int run_unapply(cli_ctx *c, int argc, char **argv)
{
    const char *payment = NULL;
    const char *invoice = NULL;
    const char *date_text = NULL;
    const char *note = NULL;
    const cli_opt opts[] = {{"payment", &payment, NULL},
                            {"invoice", &invoice, NULL},
                            {"date", &date_text, NULL},
                            {"note", &note, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    cash_unapply_result res;
    tl_err err = TL_ERR_INIT;
    tl_date date;
    char a[32], b[32], d[32];
    int64_t id = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (payment == NULL || invoice == NULL)
        return cli_usage_error(c, "--payment and --invoice are required");
    if (cli_int_arg(c, "payment", payment, 1, INT64_MAX, &id) != 0)
        return CLI_EXIT_USAGE;
    date = cli_today();
    if (date_text != NULL && cli_date_arg(c, "date", date_text, &date) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = cash_unapply(&res, c->db, id, invoice, date, note, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:s, s:i, s:o, s:o, s:o}", "paymentId", (json_int_t)id,
            "invoice", invoice, "reversed", res.reversed, "unapplied",
            cli_money_json(&res.amount), "left", cli_money_json(&res.left),
            "invoiceOpen", cli_money_json(&res.invoice_open)));
    tl_money_format(a, sizeof(a), &res.amount);
    tl_money_format(b, sizeof(b), &res.left);
    tl_money_format(d, sizeof(d), &res.invoice_open);
    printf("took %s %s of payment %lld back from %s (%d application%s "
           "reversed); the invoice owes %s %s, the payment has %s %s on "
           "account\n",
           res.amount.cur, a, (long long)id, invoice, res.reversed,
           res.reversed == 1 ? "" : "s", res.invoice_open.cur, d, res.left.cur,
           b);
    return CLI_EXIT_OK;
}

typedef struct queue_out {
    json_t *receipts; /* NULL for text */
    json_t *credits;
    int count[2];
} queue_out;

static int queue_line(const cash_queue_row *r, void *cls, tl_err *err)
{
    queue_out *q = cls;
    char amount[32];
    char date[16];

    (void)err;
    q->count[r->kind]++;
    tl_money_format(amount, sizeof(amount), &r->amount);
    tl_date_format(date, sizeof(date), r->date);
    if (q->receipts != NULL) {
        json_t *o = json_pack("{s:o, s:s, s:s, s:s?, s:s}", "amount",
                              cli_money_json(&r->amount), "date", date,
                              "bankRef", r->bank_ref, "payer", r->debtor_name,
                              "remittance", r->remittance ? r->remittance : "");
        if (o == NULL)
            return TL_ERROR;
        if (r->receipt_id != 0)
            json_object_set_new(o, "receiptId", json_integer(r->receipt_id));
        if (r->kind == 1) {
            json_object_set_new(o, "paymentId", json_integer(r->payment_id));
            json_object_set_new(o, "accountNumber",
                                json_string(r->account_number));
        }
        return json_array_append_new(r->kind ? q->credits : q->receipts, o) == 0
                   ? 0
                   : TL_ERROR;
    }
    if (r->kind == 0) {
        if (q->count[0] == 1)
            printf("receipts waiting for an account (cash apply --receipt "
                   "ID --account NUMBER):\n"
                   "%8s  %-10s  %3s %12s  %-24s  %-22s  %s\n",
                   "receipt", "date", "cur", "amount", "bank ref", "payer",
                   "remittance");
        printf("%8lld  %-10s  %3s %12s  %-24.24s  %-22.22s  %.40s\n",
               (long long)r->receipt_id, date, r->amount.cur, amount,
               r->bank_ref, r->debtor_name ? r->debtor_name : "",
               r->remittance ? r->remittance : "");
        return 0;
    }
    if (q->count[1] == 1)
        printf("\ncredit on account (cash apply --payment ID --invoice "
               "NUMBER):\n"
               "%8s  %-10s  %-10s  %3s %12s  %s\n",
               "payment", "account", "date", "cur", "left", "reference");
    printf("%8lld  %-10s  %-10s  %3s %12s  %s\n", (long long)r->payment_id,
           r->account_number, date, r->amount.cur, amount, r->bank_ref);
    return 0;
}

static int run_unapplied(cli_ctx *c, int argc, char **argv)
{
    int receipts_only = 0;
    const cli_opt opts[] = {{"receipts-only", NULL, &receipts_only},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    queue_out q = {NULL, NULL, {0, 0}};
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
        q.receipts = json_array();
        q.credits = json_array();
    }
    rc = cash_queue(c->db, !receipts_only, queue_line, &q, &err);
    if (rc < 0) {
        json_decref(q.receipts);
        json_decref(q.credits);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o, s:o}", "receipts", q.receipts,
                                        "credits", q.credits));
    if (q.count[0] == 0)
        printf("no receipts waiting for an account\n");
    if (!receipts_only && q.count[1] == 0)
        printf("no credit left on any account\n");
    return CLI_EXIT_OK;
}

const cli_command cli_cash_commands[] = {
    {"cash", "import", "import a bank file (camt.053/054, BAI2, lockbox CSV)",
     "trunkline cash import FILE [--format camt053|camt054|bai2|lockbox]\n"
     "          [--json]\n"
     "Records each credit once (bank reference) and the file once (SHA-256),\n"
     "then matches: by invoice number in the remittance, by account, by\n"
     "exact amount; the rest waits in the unapplied-cash queue. A bad file\n"
     "is refused whole with every problem (line or element, code). With\n"
     "--json: {fileId, created, entries, credits, debitsSkipped, receipts,\n"
     "duplicates, matched{byInvoice, byAccount, byAmount}, unmatched,\n"
     "received, applied, onAccount, queued}.\n",
     run_import},
    {"cash", "apply", "apply a receipt or payment to an account or invoice",
     "trunkline cash apply --receipt ID (--account NUMBER | --invoice NUMBER)\n"
     "          [--invoice NUMBER] [--amount 123.45] [--date DATE]\n"
     "          [--note TEXT] [--json]\n"
     "trunkline cash apply --payment ID --invoice NUMBER [--amount 123.45]\n"
     "          [--date DATE] [--note TEXT] [--json]\n"
     "A queued receipt becomes a payment of the account (its payer is\n"
     "remembered for next time); with --invoice, --amount (default: all\n"
     "that is left, at most what the invoice owes) is applied to it.\n"
     "With --json: {paymentId, applied, left, applicationId?, invoice?,\n"
     "invoiceOpen?}.\n",
     run_apply},
    {"cash", "unapply", "take a payment back from an invoice (with history)",
     "trunkline cash unapply --payment ID --invoice NUMBER [--date DATE]\n"
     "          [--note TEXT] [--json]\n"
     "Reverses what the payment applied to the invoice with new rows; the\n"
     "money goes back to credit on the account. Nothing is deleted.\n"
     "With --json: {paymentId, invoice, reversed, unapplied, left,\n"
     "invoiceOpen}.\n",
     run_unapply},
    {"cash", "unapplied", "the unapplied-cash queue and credit on accounts",
     "trunkline cash unapplied [--receipts-only] [--json]\n"
     "Receipts waiting for an account, oldest first, then payments with\n"
     "credit left on their account. With --json: {receipts: [{receiptId,\n"
     "amount, date, bankRef, payer, remittance}], credits: [{paymentId,\n"
     "accountNumber, amount, ...}]}.\n",
     run_unapplied},
    {NULL, NULL, NULL, NULL, NULL}};
