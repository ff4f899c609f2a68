/*
 * Proration by days. A part of a period is charged in proportion to the
 * days it covers out of the period's days; the rounding is half-even and
 * happens once per line. When one period is cut into several parts the
 * parts are allocated from the whole charge, so they add up to it exactly
 * instead of each being rounded on its own.
 */
#include "billing/billing.h"

int billing_prorate(tl_money *out, const tl_money *mrc,
                    const tl_period *charged, const tl_period *period)
{
    tl_period part;
    int32_t days = tl_period_days(period);

    if (days <= 0) {
        out->minor = 0;
        out->cur[0] = '\0';
        return TL_EINVALID;
    }
    part = tl_period_intersect(charged, period);
    return tl_money_scale(out, mrc, tl_period_days(&part), days);
}

int billing_prorate_split(tl_money *parts, const tl_money *mrc,
                          const tl_period *period, const tl_date *cuts,
                          size_t ncuts)
{
    int64_t weights[TL_MONEY_MAX_PARTS];
    tl_date from = period->start;
    size_t i;

    if (ncuts + 1 > TL_MONEY_MAX_PARTS || tl_period_days(period) <= 0)
        return TL_EINVALID;
    for (i = 0; i < ncuts; i++) {
        if (cuts[i] <= from || cuts[i] >= period->end)
            return TL_EINVALID;
        weights[i] = cuts[i] - from;
        from = cuts[i];
    }
    weights[ncuts] = period->end - from;
    return tl_money_allocate(parts, mrc, weights, ncuts + 1);
}
