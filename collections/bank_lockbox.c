/*
 * Lockbox CSV: the checks the lockbox bank opened for us, one line each.
 *
 * The first line names the columns; their order is free. Required:
 *   batch           the bank's batch number
 *   item            the check's position in the batch
 *   amount          plain decimal in the currency ("1234.50")
 *   date            deposit date, YYYY-MM-DD
 * Optional:
 *   account_number  our billing account number, as written on the remittance slip
 *   invoice_number  invoice numbers on the remittance slip (several: separated by ';'
 *                   or spaces)
 *   check_number    the check's number
 *   currency        ISO 4217 (default USD)
 *   payer           the name on the check
 *   lockbox         the lockbox number (default LOCKBOX)
 * batch and item together are the bank reference: each check is imported
 * once per lockbox. Every line is a credit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/cash.h"
#include "common/csv.h"

#define LOCKBOX_MAX_RECORD 4096

enum {
    COL_BATCH,
    COL_ITEM,
    COL_AMOUNT,
    COL_DATE,
    COL_ACCOUNT,
    COL_INVOICE,
    COL_CHECK,
    COL_CURRENCY,
    COL_PAYER,
    COL_LOCKBOX,
    COL_COUNT
};

static const char *const col_names[COL_COUNT] = {
    "batch",          "item",         "amount",   "date",  "account_number",
    "invoice_number", "check_number", "currency", "payer", "lockbox"};

typedef struct lockbox_ctx {
    cash_bank_file *f;
    int col[COL_COUNT]; /* field index, -1 when absent */
    int header_done;
    int last_batch_seen;
    char last_batch[64];
} lockbox_ctx;

static const char *field_of(const lockbox_ctx *c, char **fields, int n, int col)
{
    int i = c->col[col];

    return i >= 0 && i < n ? fields[i] : "";
}

static int header(lockbox_ctx *c, int line, char **fields, int n, tl_err *err)
{
    int i;
    int k;
    char where[32];

    snprintf(where, sizeof(where), "line %d", line);
    for (k = 0; k < COL_COUNT; k++)
        c->col[k] = -1;
    for (i = 0; i < n && i < TL_CSV_MAX_FIELDS; i++) {
        for (k = 0; k < COL_COUNT; k++)
            if (strcmp(fields[i], col_names[k]) == 0)
                break;
        if (k == COL_COUNT) {
            tl_err_add(err, "header", where, "unknown column \"%s\"",
                       fields[i]);
            continue;
        }
        if (c->col[k] >= 0)
            tl_err_add(err, "header", where, "column \"%s\" appears twice",
                       fields[i]);
        c->col[k] = i;
    }
    for (k = 0; k <= COL_DATE; k++)
        if (c->col[k] < 0)
            tl_err_add(err, "header", where, "the column \"%s\" is required",
                       col_names[k]);
    c->header_done = 1;
    return 0;
}

static int on_record(int line, char **fields, int n, void *cls, tl_err *err)
{
    lockbox_ctx *c = cls;
    char where[64];
    char ref[160];
    const char *cur;
    const char *text;
    cash_entry *e;
    tl_money amount;
    tl_date date = 0;
    int bad = 0;

    if (!c->header_done)
        return header(c, line, fields, n, err);
    cur = field_of(c, fields, n, COL_CURRENCY);
    if (cur[0] == '\0')
        cur = "USD";
    if (!tl_currency_known(cur)) {
        snprintf(where, sizeof(where), "line %d/currency", line);
        tl_err_add(err, "currency", where,
                   "currency \"%s\" is not an ISO 4217 code we know", cur);
        return 0;
    }
    text = field_of(c, fields, n, COL_AMOUNT);
    if (tl_money_parse(&amount, text, cur) != 0 || amount.minor <= 0) {
        snprintf(where, sizeof(where), "line %d/amount", line);
        tl_err_add(err, "amount", where,
                   "amount \"%s\" must be a positive plain decimal with at "
                   "most %d decimals",
                   text, tl_currency_exponent(cur));
        bad = 1;
    }
    text = field_of(c, fields, n, COL_DATE);
    if (tl_date_parse(&date, text) != 0) {
        snprintf(where, sizeof(where), "line %d/date", line);
        tl_err_add(err, "date", where, "date \"%s\" is not YYYY-MM-DD", text);
        bad = 1;
    }
    if (field_of(c, fields, n, COL_BATCH)[0] == '\0' ||
        field_of(c, fields, n, COL_ITEM)[0] == '\0') {
        snprintf(where, sizeof(where), "line %d/batch", line);
        tl_err_add(err, "required", where,
                   "batch and item are required: they identify the check");
        bad = 1;
    }
    if (bad)
        return 0;
    if (!c->last_batch_seen ||
        strcmp(c->last_batch, field_of(c, fields, n, COL_BATCH)) != 0) {
        c->f->statements++;
        c->last_batch_seen = 1;
        snprintf(c->last_batch, sizeof(c->last_batch), "%s",
                 field_of(c, fields, n, COL_BATCH));
    }
    e = cash_file_add(c->f);
    if (e == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    e->credit = 1;
    e->line = line;
    e->amount = amount;
    e->booking_date = date;
    e->method = "check";
    snprintf(ref, sizeof(ref), "%s-%s", field_of(c, fields, n, COL_BATCH),
             field_of(c, fields, n, COL_ITEM));
    text = field_of(c, fields, n, COL_LOCKBOX);
    if (cash_set_text(&e->bank_ref, ref) < 0 ||
        cash_set_text(&e->bank_account, text[0] ? text : "LOCKBOX") < 0 ||
        cash_set_text(&e->account_hint, field_of(c, fields, n, COL_ACCOUNT)) <
            0 ||
        cash_set_text(&e->check_number, field_of(c, fields, n, COL_CHECK)) <
            0 ||
        cash_set_text(&e->debtor_name, field_of(c, fields, n, COL_PAYER)) < 0 ||
        cash_set_text(&e->remittance, field_of(c, fields, n, COL_INVOICE)) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int cash_parse_lockbox(cash_bank_file *f, const char *buf, size_t len,
                       tl_err *err)
{
    lockbox_ctx c;
    int rc;

    memset(&c, 0, sizeof(c));
    c.f = f;
    rc = tl_csv_read(buf, len, LOCKBOX_MAX_RECORD, on_record, &c, err);
    if (rc == TL_EINVALID)
        return 0; /* the problems are in err */
    if (rc < 0)
        return rc;
    if (!c.header_done)
        tl_err_add(err, "header", "line 1",
                   "the file is empty; the first line names the columns");
    return 0;
}
