/*
 * FX rates for portfolio figures: effective-dated, in millionths of the
 * target currency per unit of the source, converted in 128-bit integers
 * and rounded half-even once per figure. No floating point anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/acct.h"
#include "collections/book_internal.h"

#define FX_SCALE 1000000

int collections_fx_convert(int64_t *out, int64_t minor, int64_t rate_micro,
                           int exp_from, int exp_to)
{
    __int128 num;
    __int128 den = FX_SCALE;
    __int128 q;
    __int128 r;
    int neg = minor < 0;
    int i;

    *out = 0;
    if (rate_micro <= 0 || exp_from < 0 || exp_from > 4 || exp_to < 0 ||
        exp_to > 4)
        return TL_EINVALID;
    num = (__int128)(neg ? -(__int128)minor : (__int128)minor) * rate_micro;
    for (i = exp_from; i < exp_to; i++)
        num *= 10;
    for (i = exp_to; i < exp_from; i++)
        den *= 10;
    q = num / den;
    r = num % den;
    /* half-even: above half rounds up, exactly half goes to the even */
    if (r * 2 > den || (r * 2 == den && (q % 2) == 1))
        q++;
    if (q > INT64_MAX)
        return TL_EOVERFLOW;
    *out = (int64_t)(neg ? -q : q);
    return 0;
}

int collections_fx_rate_parse(int64_t *rate_micro, const char *text)
{
    int64_t whole = 0;
    int64_t frac = 0;
    int decimals = 0;
    int digits = 0;
    const char *s = text;

    *rate_micro = 0;
    if (s == NULL)
        return TL_EINVALID;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++digits > 9)
            return TL_EINVALID;
        whole = whole * 10 + (*s - '0');
    }
    if (digits == 0)
        return TL_EINVALID;
    if (*s == '.') {
        s++;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (++decimals > 6)
                return TL_EINVALID;
            frac = frac * 10 + (*s - '0');
        }
        if (decimals == 0)
            return TL_EINVALID;
    }
    if (*s != '\0')
        return TL_EINVALID;
    for (; decimals < 6; decimals++)
        frac *= 10;
    *rate_micro = whole * FX_SCALE + frac;
    return *rate_micro > 0 ? 0 : TL_EINVALID;
}

typedef struct load_ctx {
    const char *from;
    const char *to;
    tl_date effective;
    int64_t rate;
    const char *actor;
    int created;
} load_ctx;

static int rate_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "rate_micro", cls, err);
}

/* Stores one rate; audit 0 leaves the audit event to the caller (a file
 * is audited as one event). */
static int load_one(load_ctx *ctx, tl_db *db, const char *field, int audit,
                    tl_err *err)
{
    int64_t prior = 0;
    char day[16];
    char key[40];
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, ctx->from);
    tl_params_text(&p, ctx->to);
    tl_params_date(&p, ctx->effective);
    rc = tl_db_select(db, "collections_fx_existing",
                      "SELECT rate_micro FROM collections.fx_rate"
                      " WHERE from_currency = $1 AND to_currency = $2"
                      " AND effective_date = $3::date",
                      &p, rate_row, &prior, err);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        if (prior != ctx->rate)
            return tl_err_set(err, TL_EDUPLICATE, "duplicate", field,
                              "%s->%s already has another rate on %s",
                              ctx->from, ctx->to,
                              book_date(day, ctx->effective));
        return 0;
    }
    tl_params_int64(&p, ctx->rate);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "collections_fx_insert",
                    "INSERT INTO collections.fx_rate (from_currency,"
                    " to_currency, effective_date, rate_micro, loaded_by)"
                    " VALUES ($1, $2, $3::date, $4::bigint, $5)",
                    &p, err);
    if (rc < 0)
        return rc;
    ctx->created++;
    if (!audit)
        return 0;
    snprintf(key, sizeof(key), "%s-%s-%s", ctx->from, ctx->to,
             book_date(day, ctx->effective));
    {
        json_t *after =
            json_pack("{s:s, s:s, s:s, s:I}", "from", ctx->from, "to", ctx->to,
                      "effective", day, "rateMicro", (json_int_t)ctx->rate);

        if (after == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        rc = tl_audit(db, ctx->actor, "fx.load", "fx_rate", key, 0, NULL, after,
                      err);
        json_decref(after);
    }
    return rc;
}

static int check_pair(const char *from, const char *to, const char *prefix,
                      tl_err *err)
{
    char field[64];

    if (from == NULL || !tl_currency_known(from)) {
        snprintf(field, sizeof(field), "%sfrom", prefix);
        tl_err_add(err, "invalid", field, "unknown currency %s",
                   from ? from : "(none)");
    }
    if (to == NULL || !tl_currency_known(to)) {
        snprintf(field, sizeof(field), "%sto", prefix);
        tl_err_add(err, "invalid", field, "unknown currency %s",
                   to ? to : "(none)");
    } else if (from != NULL && strcmp(from, to) == 0) {
        snprintf(field, sizeof(field), "%sto", prefix);
        tl_err_add(err, "invalid", field,
                   "a rate converts between two "
                   "different currencies");
    }
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *ctx = cls;

    ctx->created = 0;
    return load_one(ctx, db, "rate", 1, err);
}

int collections_fx_load(int *created, tl_db *db, const char *from,
                        const char *to, tl_date effective, int64_t rate_micro,
                        const char *actor, tl_err *err)
{
    load_ctx ctx = {from, to, effective, rate_micro, actor, 0};
    int rc;

    *created = 0;
    if (check_pair(from, to, "", err) < 0)
        return TL_EINVALID;
    if (rate_micro <= 0)
        return tl_err_add(err, "invalid", "rate",
                          "a rate must be greater than zero");
    rc = tl_db_run_tx(db, "collections_fx_load", load_tx, &ctx, err);
    if (rc == 0)
        *created = ctx.created;
    return rc;
}

#define FX_MAX_LINES 10000

typedef struct csv_rate {
    int line; /* in the file, from 1 */
    char from[4];
    char to[4];
    tl_date effective;
    int64_t rate;
} csv_rate;

typedef struct csv_ctx {
    csv_rate *rates;
    int n;
    const char *actor;
    int created;
} csv_ctx;

static int csv_tx(tl_db *db, void *cls, tl_err *err)
{
    csv_ctx *ctx = cls;
    int i;
    int rc;

    ctx->created = 0;
    for (i = 0; i < ctx->n; i++) {
        load_ctx one = {
            ctx->rates[i].from, ctx->rates[i].to, ctx->rates[i].effective,
            ctx->rates[i].rate, ctx->actor,       0};
        char field[48];

        snprintf(field, sizeof(field), "line[%d].rate", ctx->rates[i].line);
        rc = load_one(&one, db, field, 0, err);
        if (rc < 0)
            return rc;
        ctx->created += one.created;
    }
    if (ctx->created == 0)
        return 0;
    /* a file is one event with its counts, not one per rate */
    {
        json_t *after =
            json_pack("{s:i, s:i}", "rates", ctx->n, "created", ctx->created);

        if (after == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        rc = tl_audit(db, ctx->actor, "fx.load", "fx_file", "csv", 0, NULL,
                      after, err);
        json_decref(after);
    }
    return rc;
}

/* Splits a line into exactly four comma-separated fields in place. */
static int split4(char *line, char *f[4])
{
    int n = 0;
    char *s = line;

    f[n++] = s;
    for (; *s != '\0'; s++) {
        if (*s == ',') {
            if (n == 4)
                return -1;
            *s = '\0';
            f[n++] = s + 1;
        }
    }
    return n == 4 ? 0 : -1;
}

int collections_fx_load_csv(int *created, int *lines, tl_db *db, FILE *in,
                            const char *actor, tl_err *err)
{
    csv_ctx ctx = {NULL, 0, actor, 0};
    char buf[256];
    int line_no = 0;
    int rc = 0;

    *created = 0;
    *lines = 0;
    ctx.rates = calloc(FX_MAX_LINES, sizeof(*ctx.rates));
    if (ctx.rates == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    while (fgets(buf, sizeof(buf), in) != NULL) {
        char *f[4];
        char field[48];
        size_t len = strlen(buf);

        line_no++;
        if (len > 0 && buf[len - 1] != '\n' && !feof(in)) {
            snprintf(field, sizeof(field), "line[%d]", line_no);
            tl_err_add(err, "too_long", field, "line longer than 254 bytes");
            break;
        }
        while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
            buf[--len] = '\0';
        if (len == 0 || (line_no == 1 && strncmp(buf, "from", 4) == 0))
            continue;
        if (ctx.n == FX_MAX_LINES) {
            snprintf(field, sizeof(field), "line[%d]", line_no);
            tl_err_add(err, "too_many", field, "at most %d rates a file",
                       FX_MAX_LINES);
            break;
        }
        ctx.rates[ctx.n].line = line_no;
        if (split4(buf, f) < 0) {
            snprintf(field, sizeof(field), "line[%d]", line_no);
            tl_err_add(err, "invalid", field,
                       "expected from,to,effective_date,rate");
            continue;
        }
        snprintf(field, sizeof(field), "line[%d].", line_no);
        if (check_pair(f[0], f[1], field, err) == 0) {
            snprintf(ctx.rates[ctx.n].from, 4, "%s", f[0]);
            snprintf(ctx.rates[ctx.n].to, 4, "%s", f[1]);
        }
        if (tl_date_parse(&ctx.rates[ctx.n].effective, f[2]) < 0) {
            snprintf(field, sizeof(field), "line[%d].effective_date", line_no);
            tl_err_add(err, "invalid", field, "not a date: %s", f[2]);
        }
        if (collections_fx_rate_parse(&ctx.rates[ctx.n].rate, f[3]) < 0) {
            snprintf(field, sizeof(field), "line[%d].rate", line_no);
            tl_err_add(err, "invalid", field,
                       "a rate is positive with at most 6 decimals: %s", f[3]);
        }
        ctx.n++;
    }
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = tl_db_run_tx(db, "collections_fx_load_csv", csv_tx, &ctx, err);
    if (rc == 0) {
        *created = ctx.created;
        *lines = ctx.n;
    }
cleanup:
    free(ctx.rates);
    return rc;
}

int collections_fx_rate_on(int64_t *rate_micro, tl_db *db, const char *from,
                           const char *to, tl_date on, tl_err *err)
{
    char day[16];
    tl_params p;
    int rc;

    *rate_micro = 0;
    if (strcmp(from, to) == 0) {
        *rate_micro = FX_SCALE;
        return 0;
    }
    tl_params_init(&p);
    tl_params_text(&p, from);
    tl_params_text(&p, to);
    tl_params_date(&p, on);
    rc = tl_db_select(db, "collections_fx_rate_on",
                      "SELECT rate_micro FROM collections.fx_rate"
                      " WHERE from_currency = $1 AND to_currency = $2"
                      " AND effective_date <= $3::date"
                      " ORDER BY effective_date DESC LIMIT 1",
                      &p, rate_row, rate_micro, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "no_rate", "fx",
                          "no %s->%s rate in force on %s", from, to,
                          book_date(day, on));
    return 0;
}

int collections_fx_to(tl_money *out, tl_db *db, const tl_money *amount,
                      const char *to, tl_date on, tl_err *err)
{
    int64_t rate = 0;
    int64_t minor = 0;
    int rc;

    rc = collections_fx_rate_on(&rate, db, amount->cur, to, on, err);
    if (rc < 0)
        return rc;
    rc = collections_fx_convert(&minor, amount->minor, rate,
                                tl_currency_exponent(amount->cur),
                                tl_currency_exponent(to));
    if (rc < 0)
        return tl_err_set(err, rc, "overflow", "amount",
                          "the converted amount does not fit");
    return tl_money_make(out, minor, to) < 0
               ? tl_err_set(err, TL_EINVALID, "invalid", "currency",
                            "unknown currency %s", to)
               : 0;
}

typedef struct rates_ctx {
    collections_fx_fn fn;
    void *cls;
} rates_ctx;

static int rates_row(const tl_row *row, void *cls, tl_err *err)
{
    rates_ctx *ctx = cls;
    collections_fx_rate r;

    memset(&r, 0, sizeof(r));
    if (tl_row_text(row, "from_currency", &r.from, err) < 0 ||
        tl_row_text(row, "to_currency", &r.to, err) < 0 ||
        tl_row_date(row, "effective_date", &r.effective, err) < 0 ||
        tl_row_int64(row, "rate_micro", &r.rate_micro, err) < 0)
        return TL_ERROR;
    return ctx->fn(&r, ctx->cls, err);
}

int collections_fx_rates(tl_db *db, collections_fx_fn fn, void *cls,
                         tl_err *err)
{
    rates_ctx ctx = {fn, cls};

    return tl_db_select(db, "collections_fx_rates",
                        "SELECT from_currency, to_currency, effective_date,"
                        " rate_micro FROM collections.fx_rate"
                        " ORDER BY from_currency, to_currency,"
                        " effective_date",
                        NULL, rates_row, &ctx, err);
}
