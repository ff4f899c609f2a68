/*
 * Rates as integers: a percentage is read from a plain decimal string
 * into millionths of the whole (12% = 120000) and written back without
 * trailing zeros. No floating point is involved anywhere.
 */
#include <stdio.h>
#include <string.h>

#include "commissions/commissions.h"

/* A percentage has at most 4 decimals: 1 ppm is 0.0001%. */
#define RATE_MAX_DECIMALS 4

static const char *const plan_kinds[] = {"percent_billed", "percent_collected",
                                         "upfront_first_month", "upfront_nrc",
                                         NULL};

int commissions_plan_kind_known(const char *kind)
{
    size_t i;

    if (kind == NULL)
        return 0;
    for (i = 0; plan_kinds[i] != NULL; i++)
        if (strcmp(plan_kinds[i], kind) == 0)
            return 1;
    return 0;
}

int commissions_rate_parse(int64_t *ppm, const char *text)
{
    int64_t whole = 0;
    int64_t frac = 0;
    int decimals = 0;
    int digits = 0;
    const char *p = text;

    *ppm = 0;
    if (text == NULL || *p == '\0')
        return TL_EINVALID;
    /* at most "100": three digits before the point */
    while (*p >= '0' && *p <= '9') {
        if (++digits > 3)
            return TL_EINVALID;
        whole = whole * 10 + (*p - '0');
        p++;
    }
    if (digits == 0)
        return TL_EINVALID;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (++decimals > RATE_MAX_DECIMALS)
                return TL_EINVALID;
            frac = frac * 10 + (*p - '0');
            p++;
        }
        if (decimals == 0)
            return TL_EINVALID;
    }
    if (*p != '\0')
        return TL_EINVALID;
    while (decimals < RATE_MAX_DECIMALS) {
        frac *= 10;
        decimals++;
    }
    /* percent with 4 decimals = millionths of the whole */
    *ppm = whole * 10000 + frac;
    if (*ppm <= 0 || *ppm > COMMISSIONS_PPM) {
        *ppm = 0;
        return TL_EINVALID;
    }
    return 0;
}

int commissions_rate_format(char *buf, size_t size, int64_t ppm)
{
    char frac[8];
    int n;
    int len;

    if (ppm < 0 || ppm > COMMISSIONS_PPM) {
        if (size > 0)
            buf[0] = '\0';
        return TL_ERROR;
    }
    snprintf(frac, sizeof(frac), "%04d", (int)(ppm % 10000));
    len = 4;
    while (len > 0 && frac[len - 1] == '0')
        frac[--len] = '\0';
    if (len > 0)
        n = snprintf(buf, size, "%d.%s", (int)(ppm / 10000), frac);
    else
        n = snprintf(buf, size, "%d", (int)(ppm / 10000));
    if (n < 0 || (size_t)n >= size) {
        if (size > 0)
            buf[0] = '\0';
        return TL_ERROR;
    }
    return n;
}
