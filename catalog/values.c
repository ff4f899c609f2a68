/*
 * Characteristic values without a database: strict decimal parsing,
 * bandwidths ("500 Mbps", "1 Gbps", "1.544 Mbps") normalised to kbps and
 * written back canonically, integers, and percentages as ppm.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog_internal.h"

/* Largest bandwidth accepted: 1 Pbps, far above any port we sell, and
 * small enough that no comparison or scaling can overflow. */
#define MAX_KBPS 1000000000000LL

int catalog_tax_category_known(const char *s)
{
    static const char *const cats[] = {"telecom",      "internet", "equipment",
                                       "installation", "managed",  NULL};
    size_t i;

    for (i = 0; cats[i] != NULL; i++)
        if (strcmp(cats[i], s) == 0)
            return 1;
    return 0;
}

int catalog_decimal_parse(int64_t *out, const char *s, size_t len, int decimals,
                          int64_t max)
{
    int64_t v = 0;
    size_t i = 0;
    int digits = 0;
    int frac = -1; /* fraction digits seen; -1 before the point */

    *out = 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '.' && frac < 0 && digits > 0) {
            frac = 0;
            continue;
        }
        if (c < '0' || c > '9')
            return TL_EINVALID;
        if (frac >= 0 && ++frac > decimals)
            return TL_EINVALID;
        if (v > (max - (c - '0')) / 10)
            return TL_EINVALID;
        v = v * 10 + (c - '0');
        digits++;
    }
    if (digits == 0 || frac == 0)
        return TL_EINVALID;
    for (frac = frac < 0 ? 0 : frac; frac < decimals; frac++) {
        if (v > max / 10)
            return TL_EINVALID;
        v *= 10;
    }
    if (v > max)
        return TL_EINVALID;
    *out = v;
    return 0;
}

int catalog_percent_parse(int64_t *out, const char *s)
{
    return catalog_decimal_parse(out, s, strlen(s), 4, 1000000);
}

int catalog_percent_format(char *buf, size_t size, int64_t ppm)
{
    char frac[8];
    int n;
    int k;

    snprintf(frac, sizeof(frac), "%04lld", (long long)(ppm % 10000));
    for (k = 4; k > 0 && frac[k - 1] == '0'; k--)
        frac[k - 1] = '\0';
    if (k == 0)
        n = snprintf(buf, size, "%lld", (long long)(ppm / 10000));
    else
        n = snprintf(buf, size, "%lld.%s", (long long)(ppm / 10000), frac);
    if (n < 0 || (size_t)n >= size) {
        if (size > 0)
            buf[0] = '\0';
        return TL_ERROR;
    }
    return n;
}

/* "500 Mbps", "1.544Mbps", "1 Gbps", "64 kbps" or a bare number of Mbps. */
static int bandwidth_text(int64_t *out, const char *s)
{
    static const struct {
        const char *unit;
        int decimals; /* of the unit that make whole kbps */
    } units[] = {{"kbps", 0}, {"mbps", 3}, {"gbps", 6}};
    size_t n = strlen(s);
    size_t num = 0;
    size_t u;
    const char *unit;

    while (num < n && ((s[num] >= '0' && s[num] <= '9') || s[num] == '.'))
        num++;
    unit = s + num;
    if (*unit == ' ')
        unit++;
    if (*unit == '\0')
        return unit == s + num ? catalog_decimal_parse(out, s, num, 3, MAX_KBPS)
                               : TL_EINVALID;
    for (u = 0; u < sizeof(units) / sizeof(units[0]); u++)
        if (strcasecmp(unit, units[u].unit) == 0)
            return catalog_decimal_parse(out, s, num, units[u].decimals,
                                         MAX_KBPS);
    return TL_EINVALID;
}

static int integer_text(int64_t *out, const char *s)
{
    int neg = s[0] == '-';
    int rc = catalog_decimal_parse(out, s + neg, strlen(s + neg), 0,
                                   1000000000000000000LL);

    if (rc == 0 && neg)
        *out = -*out;
    return rc;
}

int catalog_value_number(int64_t *out, const char *value_type,
                         const json_t *value)
{
    char text[64];
    int rc = TL_EINVALID;

    *out = 0;
    if (strcmp(value_type, "integer") == 0) {
        if (json_is_integer(value)) {
            *out = json_integer_value(value);
            return 0;
        }
        if (json_is_string(value))
            rc = integer_text(out, json_string_value(value));
    } else if (strcmp(value_type, "bandwidth") == 0) {
        if (json_is_integer(value) && json_integer_value(value) > 0 &&
            json_integer_value(value) <= MAX_KBPS / 1000) {
            *out = json_integer_value(value) * 1000;
            return 0;
        }
        if (json_is_real(value) && json_real_value(value) > 0) {
            /* 15 significant digits give back the decimal that was
             * written ("1.544"), which is then parsed exactly. */
            snprintf(text, sizeof(text), "%.15g", json_real_value(value));
            rc = bandwidth_text(out, text);
        } else if (json_is_string(value))
            rc = bandwidth_text(out, json_string_value(value));
        if (rc == 0 && *out == 0)
            rc = TL_EINVALID;
    }
    if (rc != 0)
        *out = 0;
    return rc;
}

int catalog_bandwidth_format(char *buf, size_t size, int64_t kbps)
{
    int n;

    if (kbps % 1000000 == 0 && kbps != 0)
        n = snprintf(buf, size, "%lld Gbps", (long long)(kbps / 1000000));
    else if (kbps % 1000 == 0 && kbps != 0)
        n = snprintf(buf, size, "%lld Mbps", (long long)(kbps / 1000));
    else if (kbps < 1000)
        n = snprintf(buf, size, "%lld kbps", (long long)kbps);
    else {
        char frac[8];
        int k;
        snprintf(frac, sizeof(frac), "%03lld", (long long)(kbps % 1000));
        for (k = 3; k > 0 && frac[k - 1] == '0'; k--)
            frac[k - 1] = '\0';
        n = snprintf(buf, size, "%lld.%s Mbps", (long long)(kbps / 1000), frac);
    }
    if (n < 0 || (size_t)n >= size) {
        if (size > 0)
            buf[0] = '\0';
        return TL_ERROR;
    }
    return n;
}
