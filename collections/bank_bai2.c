/*
 * BAI2 cash management balance reporting files.
 *
 * Records: 01 file header, 02 group header, 03 account identifier and
 * summary, 16 transaction detail, 88 continuation of the record before,
 * 49 account trailer, 98 group trailer, 99 file trailer. A record ends
 * with '/' followed by the next record or the end of the file; banks also
 * put several records on one line, or wrap a long text over two lines, so
 * records are found by their codes rather than by line breaks.
 *
 * Amounts are integers in the currency's minor units. Every trailer is
 * checked: an account's control total is the sum of the amounts in its 03
 * (with continuations) and 16 records, a group's the sum of its accounts',
 * the file's the sum of its groups'; record counts include the header and
 * trailer and every 88.
 *
 * Type codes 100-399 are credits (receipts), 400-699 debits; others
 * (status, loan and custom codes) are reported as skipped.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/cash.h"

#define BAI2_MAX_FIELDS 512

typedef struct bai2_record {
    int code;
    int line;
    char *text; /* the record without code and terminator, lines joined */
} bai2_record;

typedef struct bai2_ctx {
    cash_bank_file *f;
    tl_err *err;
    tl_date as_of;
    char group_cur[4];
    char account[64];
    char account_cur[4];
    int64_t account_total; /* computed */
    int account_records;
    int64_t group_total; /* sum of the 49 totals */
    int group_accounts;
    int group_records;
    int64_t file_total;
    int file_groups;
    int file_records;
    int state;        /* last record code seen */
    cash_entry *last; /* the 16 a continuation may extend, or NULL */
    int last_is_03;   /* a continuation extends the account summary */
    int last_detail_credit;
} bai2_ctx;

static int known_code(const char *p)
{
    static const char *const codes[] = {"01", "02", "03", "16",
                                        "88", "49", "98", "99"};
    size_t i;

    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (p[0] == codes[i][0] && p[1] == codes[i][1] && p[2] == ',')
            return 1;
    return 0;
}

/* True when p, after white space, is the end or the start of a record. */
static int record_follows(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p == end || (end - p >= 3 && known_code(p));
}

/* Splits the buffer into records. Returns the count, or TL_ERROR. */
static int split_records(bai2_record **out, size_t *n, const char *buf,
                         size_t len, tl_err *err)
{
    const char *p = buf;
    const char *end = buf + len;
    bai2_record *recs = NULL;
    size_t cap = 0;
    int line = 1;

    *n = 0;
    while (p < end) {
        const char *start;
        char *text;
        size_t t = 0;
        int start_line;

        while (p < end &&
               (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
            if (*p == '\n')
                line++;
            p++;
        }
        if (p >= end)
            break;
        start = p;
        start_line = line;
        text = malloc((size_t)(end - start) + 1);
        if (text == NULL)
            goto oom;
        /* up to a '/' that ends the record, or a line break followed by
         * another record */
        while (p < end) {
            if (*p == '/' && record_follows(p + 1, end)) {
                p++;
                break;
            }
            if (*p == '\n') {
                line++;
                if (record_follows(p + 1, end) && p + 1 < end &&
                    !isspace((unsigned char)p[1])) {
                    p++;
                    break;
                }
                p++;
                continue;
            }
            if (*p != '\r')
                text[t++] = *p;
            p++;
        }
        text[t] = '\0';
        if (*n == cap) {
            size_t c2 = cap ? cap * 2 : 256;
            bai2_record *g = realloc(recs, c2 * sizeof(*g));
            if (g == NULL) {
                free(text);
                goto oom;
            }
            recs = g;
            cap = c2;
        }
        recs[*n].line = start_line;
        recs[*n].code = -1;
        if (t >= 2 && isdigit((unsigned char)text[0]) &&
            isdigit((unsigned char)text[1]) && (text[2] == ',' || t == 2))
            recs[*n].code = (text[0] - '0') * 10 + (text[1] - '0');
        recs[*n].text = text;
        (*n)++;
        (void)start;
    }
    *out = recs;
    return (int)*n;
oom:
    while (*n > 0)
        free(recs[--*n].text);
    free(recs);
    *out = NULL;
    return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
}

/* Splits s (modified) at commas into fields; at most max. */
static int split_fields(char *s, char **fields, int max)
{
    int n = 0;
    char *p = s;

    if (*p == '\0')
        return 0;
    while (n < max) {
        char *comma = strchr(p, ',');
        fields[n++] = p;
        if (comma == NULL)
            break;
        *comma = '\0';
        p = comma + 1;
    }
    return n;
}

/* Parses a signed amount of at most 17 digits; "" is 0. Returns 0 or -1. */
static int parse_amount(int64_t *out, const char *s, int allow_sign)
{
    int neg = 0;
    int digits = 0;
    int64_t v = 0;

    while (*s == ' ')
        s++;
    if (allow_sign && (*s == '+' || *s == '-')) {
        neg = *s == '-';
        s++;
    }
    for (; isdigit((unsigned char)*s); s++) {
        if (++digits > 17)
            return -1;
        v = v * 10 + (*s - '0');
    }
    while (*s == ' ')
        s++;
    if (*s != '\0')
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static int parse_yymmdd(tl_date *out, const char *s)
{
    int i;

    if (strlen(s) != 6)
        return -1;
    for (i = 0; i < 6; i++)
        if (!isdigit((unsigned char)s[i]))
            return -1;
    return tl_date_from_ymd(out, 2000 + (s[0] - '0') * 10 + (s[1] - '0'),
                            (s[2] - '0') * 10 + (s[3] - '0'),
                            (s[4] - '0') * 10 + (s[5] - '0')) == 0
               ? 0
               : -1;
}

static int problem(bai2_ctx *c, int line, const char *code, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

static int problem(bai2_ctx *c, int line, const char *code, const char *fmt,
                   ...)
{
    char where[32];
    va_list ap;
    int rc;

    snprintf(where, sizeof(where), "line %d", line);
    va_start(ap, fmt);
    rc = tl_err_vadd(c->err, code, where, fmt, ap);
    va_end(ap);
    return rc;
}

/* Number of availability fields after a funds type (at fields[i]), or -1
 * when the type is unknown. */
static int availability_fields(char **fields, int n, int i)
{
    const char *t = i < n ? fields[i] : "";

    if (t[0] == '\0' || strcmp(t, "0") == 0 || strcmp(t, "1") == 0 ||
        strcmp(t, "2") == 0 || strcmp(t, "Z") == 0)
        return 0;
    if (strcmp(t, "V") == 0)
        return 2;
    if (strcmp(t, "S") == 0)
        return 3;
    if (strcmp(t, "D") == 0) {
        int64_t k = 0;
        if (i + 1 >= n || parse_amount(&k, fields[i + 1], 0) != 0 || k > 100)
            return -1;
        return 1 + 2 * (int)k;
    }
    return -1;
}

/* The summary of an 03 record and its continuations: type, amount, item
 * count, funds type and availability, repeated. */
static void account_summary(bai2_ctx *c, char *fieldtext, int line)
{
    char *fields[BAI2_MAX_FIELDS];
    int n = split_fields(fieldtext, fields, BAI2_MAX_FIELDS);
    int i = 2; /* account number, currency */

    while (i < n) {
        int64_t amount = 0;
        int extra;
        if (fields[i][0] == '\0' && i == n - 1)
            break;
        if (i + 1 < n && parse_amount(&amount, fields[i + 1], 1) != 0) {
            problem(c, line, "amount", "summary amount \"%s\" is not a number",
                    fields[i + 1]);
            return;
        }
        c->account_total += amount;
        extra = availability_fields(fields, n, i + 3);
        if (extra < 0) {
            problem(c, line, "format", "unknown funds type \"%s\"",
                    fields[i + 3]);
            return;
        }
        i += 4 + extra;
    }
}

static const char *method_of(int type)
{
    if (type >= 115 && type <= 118)
        return "check";
    if (type >= 140 && type <= 169)
        return "ach";
    if (type >= 195 && type <= 208)
        return "wire";
    return "other";
}

static int detail(bai2_ctx *c, char *rec, int line)
{
    char *fields[BAI2_MAX_FIELDS];
    char ref[128];
    const char *text = "";
    const char *bank_ref;
    const char *cust_ref;
    cash_entry *e;
    int64_t amount = 0;
    int64_t type = 0;
    tl_date value = 0;
    int n;
    int extra;
    int i;
    char *copy = strdup(rec);
    int rc = 0;

    if (copy == NULL)
        return tl_err_set(c->err, TL_ERROR, "internal", "", "out of memory");
    n = split_fields(copy, fields, 8);
    c->last = NULL;
    if (n < 3 || strlen(fields[0]) != 3 ||
        parse_amount(&type, fields[0], 0) != 0) {
        problem(c, line, "format", "type code \"%s\" is not three digits",
                n > 0 ? fields[0] : "");
        goto done;
    }
    if (fields[1][0] == '\0' || parse_amount(&amount, fields[1], 0) != 0) {
        problem(c, line, "amount", "amount \"%s\" is not a number", fields[1]);
        goto done;
    }
    c->account_total += amount;
    /* re-split the whole record now that the availability layout is known:
     * the text, last, may hold commas */
    free(copy);
    copy = strdup(rec);
    if (copy == NULL)
        return tl_err_set(c->err, TL_ERROR, "internal", "", "out of memory");
    n = split_fields(copy, fields, BAI2_MAX_FIELDS);
    extra = availability_fields(fields, n, 2);
    if (extra < 0) {
        problem(c, line, "format", "unknown funds type \"%s\"", fields[2]);
        goto done;
    }
    if (n > 2 && strcmp(fields[2], "V") == 0 && n > 3 && fields[3][0] != '\0' &&
        parse_yymmdd(&value, fields[3]) != 0) {
        problem(c, line, "date", "value date \"%s\" is not YYMMDD", fields[3]);
        goto done;
    }
    i = 3 + extra;
    bank_ref = i < n ? fields[i] : "";
    cust_ref = i + 1 < n ? fields[i + 1] : "";
    if (i + 2 < n) {
        /* the text is the rest of the record, commas and all */
        text = rec;
        {
            int k;
            for (k = 0; k < i + 2 && text != NULL; k++) {
                const char *comma = strchr(text, ',');
                text = comma ? comma + 1 : NULL;
            }
        }
        if (text == NULL)
            text = "";
    }
    e = cash_file_add(c->f);
    if (e == NULL) {
        rc = tl_err_set(c->err, TL_ERROR, "internal", "", "out of memory");
        goto done;
    }
    e->line = line;
    e->credit = type >= 100 && type <= 399 && amount > 0;
    if (tl_money_make(&e->amount, amount, c->account_cur) != 0)
        e->amount.minor = amount;
    e->booking_date = c->as_of;
    e->value_date = value;
    e->method = method_of((int)type);
    {
        char *s = ref;
        const char *r = bank_ref;
        while (*r == ' ')
            r++;
        snprintf(ref, sizeof(ref), "%s", r);
        s = ref + strlen(ref);
        while (s > ref && s[-1] == ' ')
            *--s = '\0';
    }
    if (ref[0] == '\0') {
        /* no bank reference: the day, type, amount and customer reference
         * name the entry (the same entry in another file is found again) */
        char d[16];
        tl_date_format(d, sizeof(d), c->as_of);
        snprintf(ref, sizeof(ref), "%s:%03d:%lld:%s", d, (int)type,
                 (long long)amount, cust_ref);
    }
    if (cash_set_text(&e->bank_ref, ref) < 0 ||
        cash_set_text(&e->bank_account, c->account) < 0 ||
        cash_set_text(&e->type_code, fields[0]) < 0 ||
        cash_set_text(&e->check_number, e->method[0] == 'c' ? cust_ref : "") <
            0 ||
        cash_append_text(&e->remittance, cust_ref) < 0 ||
        cash_append_text(&e->remittance, text) < 0)
        rc = tl_err_set(c->err, TL_ERROR, "internal", "", "out of memory");
    c->last = e;
done:
    free(copy);
    return rc;
}

static int parse_records(bai2_ctx *c, bai2_record *recs, size_t n)
{
    char *fields[BAI2_MAX_FIELDS];
    char *summary = NULL; /* 03 fields plus continuations */
    int summary_line = 0;
    size_t i;
    int rc = 0;

    if (n == 0 || recs[0].code != 1) {
        problem(c, n ? recs[0].line : 1, "record_order",
                "a BAI2 file starts with a 01 file header, not \"%.2s\"",
                n ? recs[0].text : "");
        return 0;
    }
    for (i = 0; i < n && rc == 0; i++) {
        bai2_record *r = &recs[i];
        const char *body = r->text[2] == ',' ? r->text + 3 : "";
        char *copy;
        int nf;
        int64_t v = 0;
        int64_t count = 0;

        if (r->code != 88 && summary != NULL) {
            account_summary(c, summary, summary_line);
            free(summary);
            summary = NULL;
        }
        c->file_records++;
        c->group_records++;
        c->account_records++;
        copy = strdup(body);
        if (copy == NULL)
            return tl_err_set(c->err, TL_ERROR, "internal", "",
                              "out of memory");
        nf = split_fields(copy, fields, BAI2_MAX_FIELDS);
        switch (r->code) {
        case 1:
            if (i != 0)
                problem(c, r->line, "record_order", "%s",
                        "a second 01 file "
                        "header");
            if (nf < 8 || strcmp(fields[7], "2") != 0)
                problem(c, r->line, "format",
                        "the 01 header must say version 2 (field 8), not "
                        "\"%s\"",
                        nf >= 8 ? fields[7] : "");
            if (nf >= 5)
                rc = cash_set_text(&c->f->message_id, fields[4]);
            c->file_records = 1;
            break;
        case 2:
            if (c->state != 1 && c->state != 98)
                problem(c, r->line, "record_order", "%s",
                        "02 group header out of place");
            c->group_records = 1;
            c->group_total = 0;
            c->group_accounts = 0;
            c->file_groups++;
            if (nf < 4 || parse_yymmdd(&c->as_of, fields[3]) != 0)
                problem(c, r->line, "date",
                        "the 02 as-of date \"%s\" is not YYMMDD",
                        nf >= 4 ? fields[3] : "");
            snprintf(c->group_cur, sizeof(c->group_cur), "%s",
                     nf >= 6 && fields[5][0] ? fields[5] : "USD");
            if (!tl_currency_known(c->group_cur))
                problem(c, r->line, "currency",
                        "currency \"%s\" is not an ISO 4217 code we know",
                        c->group_cur);
            break;
        case 3:
            if (c->state != 2 && c->state != 49)
                problem(c, r->line, "record_order", "%s",
                        "03 account record out of place");
            c->account_records = 1;
            c->account_total = 0;
            c->group_accounts++;
            c->last = NULL;
            snprintf(c->account, sizeof(c->account), "%s",
                     nf >= 1 ? fields[0] : "");
            if (c->account[0] == '\0')
                problem(c, r->line, "required", "%s",
                        "the 03 record names no account");
            snprintf(c->account_cur, sizeof(c->account_cur), "%s",
                     nf >= 2 && fields[1][0] ? fields[1] : c->group_cur);
            if (!tl_currency_known(c->account_cur))
                problem(c, r->line, "currency",
                        "currency \"%s\" is not an ISO 4217 code we know",
                        c->account_cur);
            summary = strdup(body);
            summary_line = r->line;
            if (summary == NULL)
                rc = tl_err_set(c->err, TL_ERROR, "internal", "",
                                "out of memory");
            break;
        case 16:
            if (c->state != 3 && c->state != 16 && c->state != 88)
                problem(c, r->line, "record_order", "%s",
                        "16 detail record outside an account");
            rc = detail(c, (char *)body, r->line);
            break;
        case 88:
            if (summary != NULL) {
                size_t a = strlen(summary);
                char *g = realloc(summary, a + strlen(body) + 2);
                if (g == NULL) {
                    rc = tl_err_set(c->err, TL_ERROR, "internal", "",
                                    "out of memory");
                    break;
                }
                summary = g;
                summary[a] = ',';
                strcpy(summary + a + 1, body);
            } else if (c->last != NULL) {
                rc = cash_append_text(&c->last->remittance, body);
            } else if (c->state != 1 && c->state != 2 && c->state != 16 &&
                       c->state != 88) {
                problem(c, r->line, "record_order", "%s",
                        "88 continuation with nothing to continue");
            }
            free(copy);
            continue; /* the state stays the continued record's */
        case 49:
            if (c->state != 3 && c->state != 16 && c->state != 88)
                problem(c, r->line, "record_order", "%s",
                        "49 account trailer out of place");
            c->last = NULL;
            if (nf < 2 || parse_amount(&v, fields[0], 1) != 0 ||
                parse_amount(&count, fields[1], 0) != 0) {
                problem(c, r->line, "format", "%s",
                        "the 49 trailer needs a control total and a record "
                        "count");
            } else {
                if (v != c->account_total) {
                    char msg[96];
                    snprintf(msg, sizeof(msg),
                             "%lld, the records add up to "
                             "%lld",
                             (long long)v, (long long)c->account_total);
                    problem(c, r->line, "control_total",
                            "account control total is %s", msg);
                }
                if (count != c->account_records) {
                    char msg[96];
                    snprintf(msg, sizeof(msg), "%lld, there are %d",
                             (long long)count, c->account_records);
                    problem(c, r->line, "record_count",
                            "account record count is %s", msg);
                }
            }
            c->group_total += v;
            break;
        case 98:
            if (c->state != 49 && c->state != 2)
                problem(c, r->line, "record_order", "%s",
                        "98 group trailer out of place");
            if (nf < 3 || parse_amount(&v, fields[0], 1) != 0 ||
                parse_amount(&count, fields[2], 0) != 0) {
                problem(c, r->line, "format", "%s",
                        "the 98 trailer needs a total, an account count and "
                        "a record count");
            } else {
                int64_t accounts = 0;
                if (v != c->group_total)
                    problem(c, r->line, "control_total", "%s",
                            "group control total differs from its accounts'");
                if (count != c->group_records)
                    problem(c, r->line, "record_count", "%s",
                            "group record count differs from its records");
                if (parse_amount(&accounts, fields[1], 0) != 0 ||
                    accounts != c->group_accounts)
                    problem(c, r->line, "record_count", "%s",
                            "group account count differs from its accounts");
            }
            c->file_total += v;
            break;
        case 99:
            if (c->state != 98)
                problem(c, r->line, "record_order", "%s",
                        "99 file trailer out of place");
            if (nf < 3 || parse_amount(&v, fields[0], 1) != 0 ||
                parse_amount(&count, fields[2], 0) != 0) {
                problem(c, r->line, "format", "%s",
                        "the 99 trailer needs a total, a group count and a "
                        "record count");
            } else {
                int64_t groups = 0;
                if (v != c->file_total)
                    problem(c, r->line, "control_total", "%s",
                            "file control total differs from its groups'");
                if (count != c->file_records)
                    problem(c, r->line, "record_count", "%s",
                            "file record count differs from its records");
                if (parse_amount(&groups, fields[1], 0) != 0 ||
                    groups != c->file_groups)
                    problem(c, r->line, "record_count", "%s",
                            "file group count differs from its groups");
            }
            if (i + 1 < n)
                problem(c, recs[i + 1].line, "record_order", "%s",
                        "records after the 99 file trailer");
            break;
        default:
            problem(c, r->line, "format", "unknown record code \"%.2s\"",
                    r->text);
            break;
        }
        free(copy);
        c->state = r->code;
        if (tl_err_has_problems(c->err) &&
            c->err->n_problems >= TL_ERR_MAX_PROBLEMS)
            break;
    }
    free(summary);
    if (rc == 0 && c->state != 99 && !tl_err_has_problems(c->err))
        problem(c, recs[n - 1].line, "record_order", "%s",
                "the file ends without a 99 file trailer");
    c->f->statements = c->file_groups;
    return rc;
}

int cash_parse_bai2(cash_bank_file *f, const char *buf, size_t len, tl_err *err)
{
    bai2_record *recs = NULL;
    bai2_ctx c;
    size_t n = 0;
    size_t i;
    int rc;

    memset(&c, 0, sizeof(c));
    c.f = f;
    c.err = err;
    if (memchr(buf, '\0', len) != NULL)
        return tl_err_add(err, "format", "", "the file holds a NUL byte");
    rc = split_records(&recs, &n, buf, len, err);
    if (rc < 0)
        return rc;
    rc = parse_records(&c, recs, n);
    for (i = 0; i < n; i++)
        free(recs[i].text);
    free(recs);
    return rc;
}
