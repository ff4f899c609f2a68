/*
 * Pure agreement terms: end dates, notice deadlines, anniversaries, the
 * escalator, the remaining term and the early-termination fee. No database
 * here, so every rule is unit-tested on its own (tests/unit).
 */
#include <stdio.h>
#include <string.h>

#include "contracts/contracts.h"

#define PPM 1000000

const char *contracts_renewal_name(contracts_renewal r)
{
    switch (r) {
    case CONTRACTS_RENEW_EVERGREEN:
        return "evergreen";
    case CONTRACTS_RENEW_N:
        return "renew_n";
    default:
        return "none";
    }
}

int contracts_renewal_parse(contracts_renewal *out, const char *text)
{
    *out = CONTRACTS_RENEW_NONE;
    if (text == NULL)
        return TL_EINVALID;
    if (strcmp(text, "none") == 0)
        return 0;
    if (strcmp(text, "evergreen") == 0) {
        *out = CONTRACTS_RENEW_EVERGREEN;
        return 0;
    }
    if (strcmp(text, "renew_n") == 0) {
        *out = CONTRACTS_RENEW_N;
        return 0;
    }
    return TL_EINVALID;
}

const char *contracts_etf_rule_name(contracts_etf_rule r)
{
    switch (r) {
    case CONTRACTS_ETF_PERCENT:
        return "percent";
    case CONTRACTS_ETF_FIXED:
        return "fixed";
    default:
        return "none";
    }
}

int contracts_percent_parse(int64_t *ppm, const char *text)
{
    int64_t whole = 0;
    int64_t frac = 0;
    int decimals = 0;
    const char *s = text;

    *ppm = 0;
    if (s == NULL || *s < '0' || *s > '9')
        return TL_EINVALID;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (whole > 100)
            return TL_EOVERFLOW;
        whole = whole * 10 + (*s - '0');
    }
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return TL_EINVALID;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (++decimals > 4)
                return TL_EINVALID;
            frac = frac * 10 + (*s - '0');
        }
    }
    if (*s != '\0')
        return TL_EINVALID;
    for (; decimals < 4; decimals++)
        frac *= 10;
    /* percent * 10^4 is ppm */
    if (whole > 100 || (whole == 100 && frac > 0))
        return TL_EOVERFLOW;
    *ppm = whole * 10000 + frac;
    return 0;
}

int contracts_percent_format(char *buf, size_t size, int64_t ppm)
{
    char frac[8];
    int n;
    int len;

    if (ppm < 0 || size < 16) {
        if (size > 0)
            buf[0] = '\0';
        return TL_ERROR;
    }
    n = snprintf(frac, sizeof(frac), "%04lld", (long long)(ppm % 10000));
    while (n > 0 && frac[n - 1] == '0')
        frac[--n] = '\0';
    if (n == 0)
        len = snprintf(buf, size, "%lld", (long long)(ppm / 10000));
    else
        len = snprintf(buf, size, "%lld.%s", (long long)(ppm / 10000), frac);
    return len;
}

int contracts_end_date(tl_date *out, tl_date start, int months)
{
    return tl_date_add_months(out, start, months);
}

tl_date contracts_notice_deadline(tl_date end, int notice_days)
{
    return tl_date_add_days(end, -notice_days);
}

int contracts_renewal_step(contracts_renewal rule, int renewal_months)
{
    switch (rule) {
    case CONTRACTS_RENEW_EVERGREEN:
        return 1;
    case CONTRACTS_RENEW_N:
        return renewal_months > 0 ? renewal_months : 0;
    default:
        return 0;
    }
}

int contracts_anniversaries(tl_date start, tl_date on)
{
    int y0;
    int y1;
    int k;
    tl_date a;

    if (on < start)
        return 0;
    tl_date_to_ymd(start, &y0, NULL, NULL);
    tl_date_to_ymd(on, &y1, NULL, NULL);
    /* the answer is y1 - y0 or one less; always counted from the start */
    k = y1 - y0;
    if (k <= 0)
        return 0;
    if (tl_date_add_months(&a, start, 12 * k) != 0 || a > on)
        k--;
    return k;
}

int contracts_escalation_steps(tl_date start, int changed, tl_date rate_from,
                               tl_date on)
{
    int steps = contracts_anniversaries(start, on);

    if (changed)
        steps -= contracts_anniversaries(start, rate_from);
    return steps > 0 ? steps : 0;
}

int contracts_escalate(tl_money *out, const tl_money *rate, int64_t ppm,
                       int steps)
{
    tl_money r = *rate;
    int i;
    int rc;

    if (ppm < 0 || steps < 0) {
        memset(out, 0, sizeof(*out));
        return TL_EINVALID;
    }
    for (i = 0; i < steps && ppm > 0; i++) {
        rc = tl_money_scale(&r, &r, PPM + ppm, PPM);
        if (rc != 0) {
            memset(out, 0, sizeof(*out));
            return rc;
        }
    }
    *out = r;
    return 0;
}

int contracts_remaining(contracts_remaining_t *out, tl_date from, tl_date end)
{
    tl_date at;
    tl_date next;
    int y0;
    int y1;
    int m0;
    int m1;
    int m;

    memset(out, 0, sizeof(*out));
    out->month_days = 30;
    if (from >= end)
        return 0;
    tl_date_to_ymd(from, &y0, &m0, NULL);
    tl_date_to_ymd(end, &y1, &m1, NULL);
    /* an upper bound, then step down: from + m months is monotone in m */
    m = (y1 - y0) * 12 + (m1 - m0);
    for (;;) {
        if (m < 0)
            m = 0;
        if (tl_date_add_months(&at, from, m) != 0)
            return TL_EINVALID;
        if (at <= end || m == 0)
            break;
        m--;
    }
    if (tl_date_add_months(&next, from, m + 1) != 0)
        return TL_EINVALID;
    out->months = m;
    out->days = tl_days_between(at, end);
    out->month_days = tl_days_between(at, next);
    return 0;
}

int contracts_etf(tl_money *out, contracts_etf_rule rule, int64_t percent_ppm,
                  const tl_money *fixed, const tl_money *mrc,
                  const contracts_remaining_t *remaining)
{
    int64_t parts;
    int64_t num;
    int64_t den;

    switch (rule) {
    case CONTRACTS_ETF_FIXED:
        *out = *fixed;
        return 0;
    case CONTRACTS_ETF_PERCENT:
        if (remaining->month_days <= 0 || percent_ppm < 0) {
            memset(out, 0, sizeof(*out));
            return TL_EINVALID;
        }
        /* MRC * (m * D + d) / D * ppm / 10^6, one rounding */
        parts = (int64_t)remaining->months * remaining->month_days +
                remaining->days;
        if (parts > INT64_MAX / (percent_ppm > 0 ? percent_ppm : 1)) {
            memset(out, 0, sizeof(*out));
            return TL_EOVERFLOW;
        }
        num = parts * percent_ppm;
        den = (int64_t)remaining->month_days * PPM;
        return tl_money_scale(out, mrc, num, den);
    default:
        return tl_money_make(out, 0, mrc->cur);
    }
}
