/*
 * Commission plans, effective-dated per agent, kind and product.
 *
 * commissions.plan holds half-open periods [valid_from, valid_to) that
 * never overlap for one agent, kind and product (an exclusion constraint
 * guards it in the database). Defining a plan from a day ends the one in
 * force on that day and starts a new open one; its volume tiers are
 * commissions.plan_tier rows. Tiers are compared and listed as one text
 * "above:rate,above:rate" in threshold order, built the same way in C and
 * in SQL, so "the same plan again" is one string comparison.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "commissions/commissions.h"
#include "common/audit.h"

#define TIERS_TEXT_MAX 512

typedef struct put_ctx {
    const commissions_plan_in *in;
    char tiers[TIERS_TEXT_MAX];
    int64_t plan_id;
    int created;
} put_ctx;

static int validate(const commissions_plan_in *in, tl_err *err)
{
    size_t i;
    int percent = 0;

    if (!commissions_plan_kind_known(in->kind))
        tl_err_add(err, "unknown_kind", "kind",
                   "kind must be percent_billed, percent_collected, "
                   "upfront_first_month or upfront_nrc");
    else
        percent = strncmp(in->kind, "percent_", 8) == 0;
    if (in->rate_ppm <= 0 || in->rate_ppm > COMMISSIONS_PPM)
        tl_err_add(err, "range", "rate",
                   "a rate must be more than 0%% and at most 100%%");
    if (in->term_months < 0 || in->term_months > 240)
        tl_err_add(err, "range", "termMonths",
                   "a term is 1 to 240 months (0: no limit)");
    if (in->term_months > 0 && commissions_plan_kind_known(in->kind) &&
        !percent)
        tl_err_add(err, "not_applicable", "termMonths",
                   "only percent plans have a term");
    if (in->clawback_months < 0 || in->clawback_months > 120)
        tl_err_add(err, "range", "clawbackMonths",
                   "a clawback window is 0 to 120 months");
    if (in->n_tiers > COMMISSIONS_MAX_TIERS)
        tl_err_add(err, "too_many", "tiers", "at most %d tiers",
                   COMMISSIONS_MAX_TIERS);
    if (in->n_tiers > 0 && !tl_currency_known(in->tier_currency))
        tl_err_add(err, "unknown_currency", "tiers.currency",
                   "tiers need a known ISO 4217 currency");
    for (i = 0; i < in->n_tiers && i < COMMISSIONS_MAX_TIERS; i++) {
        char field[32];

        snprintf(field, sizeof(field), "tiers[%zu]", i);
        if (in->tiers[i].above_minor < 0)
            tl_err_add(err, "range", field, "a threshold cannot be negative");
        if (in->tiers[i].rate_ppm <= 0 ||
            in->tiers[i].rate_ppm > COMMISSIONS_PPM)
            tl_err_add(err, "range", field,
                       "a rate must be more than 0%% and at most 100%%");
        if (i > 0 && in->tiers[i].above_minor <= in->tiers[i - 1].above_minor)
            tl_err_add(err, "order", field, "tier thresholds must increase");
    }
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

static void tiers_text(char *buf, size_t size, const commissions_plan_in *in)
{
    size_t i;
    size_t len = 0;

    buf[0] = '\0';
    for (i = 0; i < in->n_tiers; i++) {
        int n = snprintf(buf + len, size - len, "%s%lld:%lld", i ? "," : "",
                         (long long)in->tiers[i].above_minor,
                         (long long)in->tiers[i].rate_ppm);
        if (n < 0 || (size_t)n >= size - len)
            return;
        len += (size_t)n;
    }
}

/* The stored tiers as text, in the same shape as tiers_text. */
#define PLAN_TIERS_SQL                                                         \
    "coalesce((SELECT string_agg(t.above_minor || ':' || t.rate_ppm, ','"      \
    " ORDER BY t.above_minor) FROM commissions.plan_tier t"                    \
    " WHERE t.plan_id = p.plan_id), '')"

/* $1..$4: the plan's key (agent, kind, product, start). */
static void key_params(tl_params *p, int64_t agent_id,
                       const commissions_plan_in *in)
{
    tl_params_init(p);
    tl_params_int64(p, agent_id);
    tl_params_text(p, in->kind);
    tl_params_text(p, in->product_id);
    tl_params_date(p, in->valid_from);
}

static int put_tx(tl_db *db, void *cls, tl_err *err)
{
    put_ctx *ctx = cls;
    const commissions_plan_in *in = ctx->in;
    PGresult *r = NULL;
    accounts_person_t agent;
    tl_params p;
    tl_row row;
    json_t *after = NULL;
    int same = 0;
    int rc;
    size_t i;

    ctx->plan_id = 0;
    ctx->created = 0;
    rc = accounts_person_get(&agent, db, in->agent_ref, err);
    if (rc < 0)
        return rc;
    if (strcmp(agent.kind, "agent") != 0)
        return tl_err_set(err, TL_EINVALID, "not_an_agent", "agent",
                          "%s is an account executive, not an agent",
                          in->agent_ref);
    if (in->product_id != NULL) {
        tl_params_init(&p);
        tl_params_text(&p, in->product_id);
        rc = tl_db_exec(db, "commissions_plan_product",
                        "SELECT 1 FROM catalog.product WHERE product_id = $1",
                        &p, err);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return tl_err_set(err, TL_ENOTFOUND, "unknown_product", "product",
                              "no product %s in the catalog", in->product_id);
    }
    /* the same start: the same plan again, or a conflict */
    key_params(&p, agent.person_id, in);
    tl_params_int64(&p, in->rate_ppm);
    if (in->term_months > 0)
        tl_params_int64(&p, in->term_months);
    else
        tl_params_null(&p);
    tl_params_int64(&p, in->clawback_months);
    tl_params_text(&p, ctx->tiers);
    tl_params_text(&p, in->n_tiers > 0 ? in->tier_currency : "");
    rc = tl_db_query_one(
        db, &r, "commissions_plan_same_start",
        "SELECT p.plan_id, (p.rate_ppm = $5::int"
        " AND p.term_months IS NOT DISTINCT FROM $6::int"
        " AND p.clawback_months = $7::int AND " PLAN_TIERS_SQL " = $8"
        " AND coalesce((SELECT min(t.currency) FROM commissions.plan_tier t"
        "  WHERE t.plan_id = p.plan_id), '') = $9) AS same"
        " FROM commissions.plan p WHERE p.agent_id = $1::bigint"
        " AND p.kind = $2 AND p.product_id IS NOT DISTINCT FROM $3"
        " AND p.valid_from = $4::date",
        &p, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        row.res = r;
        row.row = 0;
        rc = tl_row_int64(&row, "plan_id", &ctx->plan_id, err);
        if (rc == 0)
            rc = tl_row_bool(&row, "same", &same, err);
        PQclear(r);
        if (rc < 0)
            return rc;
        if (!same)
            return tl_err_set(err, TL_ECONFLICT, "conflict", "from",
                              "%s already has a %s plan from this day with "
                              "other values",
                              in->agent_ref, in->kind);
        return 0;
    }
    key_params(&p, agent.person_id, in);
    rc = tl_db_exec(db, "commissions_plan_later",
                    "SELECT 1 FROM commissions.plan WHERE agent_id = $1::bigint"
                    " AND kind = $2 AND product_id IS NOT DISTINCT FROM $3"
                    " AND valid_from > $4::date",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return tl_err_set(err, TL_ECONFLICT, "later_plan", "from",
                          "%s has a %s plan starting after this day",
                          in->agent_ref, in->kind);
    rc = tl_db_exec(db, "commissions_plan_end_current",
                    "UPDATE commissions.plan SET valid_to = $4::date"
                    " WHERE agent_id = $1::bigint AND kind = $2"
                    " AND product_id IS NOT DISTINCT FROM $3"
                    " AND valid_from < $4::date"
                    " AND (valid_to IS NULL OR valid_to > $4::date)",
                    &p, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, agent.person_id);
    tl_params_text(&p, in->kind);
    tl_params_text(&p, in->product_id);
    tl_params_int64(&p, in->rate_ppm);
    if (in->term_months > 0)
        tl_params_int64(&p, in->term_months);
    else
        tl_params_null(&p);
    tl_params_int64(&p, in->clawback_months);
    tl_params_date(&p, in->valid_from);
    tl_params_text(&p, in->actor);
    rc = tl_db_query_one(
        db, &r, "commissions_plan_insert",
        "INSERT INTO commissions.plan (agent_id, kind, product_id, rate_ppm,"
        " term_months, clawback_months, valid_from, created_by)"
        " VALUES ($1::bigint, $2, $3, $4::int, $5::int, $6::int, $7::date, $8)"
        " RETURNING plan_id",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = r;
    row.row = 0;
    rc = tl_row_int64(&row, "plan_id", &ctx->plan_id, err);
    PQclear(r);
    if (rc < 0)
        return rc;
    for (i = 0; i < in->n_tiers; i++) {
        tl_params_init(&p);
        tl_params_int64(&p, ctx->plan_id);
        tl_params_text(&p, in->tier_currency);
        tl_params_int64(&p, in->tiers[i].above_minor);
        tl_params_int64(&p, in->tiers[i].rate_ppm);
        rc = tl_db_exec(db, "commissions_plan_tier_insert",
                        "INSERT INTO commissions.plan_tier (plan_id, currency,"
                        " above_minor, rate_ppm)"
                        " VALUES ($1::bigint, $2, $3::bigint, $4::int)",
                        &p, err);
        if (rc < 0)
            return rc;
    }
    after = json_pack("{s:s, s:s, s:s?, s:I, s:i, s:i, s:s}", "agent",
                      in->agent_ref, "kind", in->kind, "product",
                      in->product_id, "ratePpm", (json_int_t)in->rate_ppm,
                      "termMonths", in->term_months, "clawbackMonths",
                      in->clawback_months, "tiers", ctx->tiers);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    {
        char key[32];

        snprintf(key, sizeof(key), "%lld", (long long)ctx->plan_id);
        rc = tl_audit(db, in->actor, "commissions.plan", "commission_plan", key,
                      0, NULL, after, err);
    }
    json_decref(after);
    if (rc < 0)
        return rc;
    ctx->created = 1;
    return 0;
}

int commissions_plan_put(int64_t *plan_id, int *created, tl_db *db,
                         const commissions_plan_in *in, tl_err *err)
{
    put_ctx ctx;
    int rc;

    *plan_id = 0;
    *created = 0;
    rc = validate(in, err);
    if (rc < 0)
        return rc;
    memset(&ctx, 0, sizeof(ctx));
    ctx.in = in;
    tiers_text(ctx.tiers, sizeof(ctx.tiers), in);
    rc = tl_db_run_tx(db, "commissions_plan_put", put_tx, &ctx, err);
    if (rc < 0)
        return rc;
    *plan_id = ctx.plan_id;
    *created = ctx.created;
    return 0;
}

typedef struct list_ctx {
    commissions_plan_fn fn;
    void *cls;
} list_ctx;

/* "above:rate,above:rate" back into tiers; a malformed text is our bug. */
static int parse_tiers(commissions_plan_t *pl, const char *text, tl_err *err)
{
    const char *s = text;
    char *end = NULL;

    pl->n_tiers = 0;
    while (*s != '\0') {
        long long above;
        long long rate;

        if (pl->n_tiers == COMMISSIONS_MAX_TIERS)
            return tl_err_set(err, TL_ERROR, "internal", "tiers",
                              "more than %d tiers stored",
                              COMMISSIONS_MAX_TIERS);
        above = strtoll(s, &end, 10);
        if (end == s || *end != ':')
            return tl_err_set(err, TL_ERROR, "internal", "tiers",
                              "stored tiers unreadable");
        s = end + 1;
        rate = strtoll(s, &end, 10);
        if (end == s || (*end != ',' && *end != '\0'))
            return tl_err_set(err, TL_ERROR, "internal", "tiers",
                              "stored tiers unreadable");
        pl->tiers[pl->n_tiers].above_minor = above;
        pl->tiers[pl->n_tiers].rate_ppm = rate;
        pl->n_tiers++;
        s = *end == ',' ? end + 1 : end;
    }
    return 0;
}

static int plan_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    commissions_plan_t pl;
    const char *v[5] = {NULL, NULL, NULL, NULL, NULL};
    int64_t term = 0;
    int64_t claw = 0;
    int term_null = 0;
    int to_null = 0;
    int rc;

    memset(&pl, 0, sizeof(pl));
    if (tl_row_int64(row, "plan_id", &pl.plan_id, err) < 0 ||
        tl_row_text(row, "agent_ref", &v[0], err) < 0 ||
        tl_row_text(row, "kind", &v[1], err) < 0 ||
        tl_row_text(row, "product", &v[2], err) < 0 ||
        tl_row_text(row, "tiers", &v[3], err) < 0 ||
        tl_row_text(row, "tier_currency", &v[4], err) < 0 ||
        tl_row_int64(row, "rate_ppm", &pl.rate_ppm, err) < 0 ||
        tl_row_int64_opt(row, "term_months", &term, &term_null, err) < 0 ||
        tl_row_int64(row, "clawback_months", &claw, err) < 0 ||
        tl_row_date(row, "valid_from", &pl.valid_from, err) < 0 ||
        tl_row_date_opt(row, "valid_to", &pl.valid_to, &to_null, err) < 0)
        return TL_ERROR;
    snprintf(pl.agent_ref, sizeof(pl.agent_ref), "%s", v[0]);
    snprintf(pl.kind, sizeof(pl.kind), "%s", v[1]);
    snprintf(pl.product_id, sizeof(pl.product_id), "%s", v[2]);
    snprintf(pl.tier_currency, sizeof(pl.tier_currency), "%s", v[4]);
    pl.term_months = term_null ? 0 : (int)term;
    pl.clawback_months = (int)claw;
    pl.has_valid_to = !to_null;
    rc = parse_tiers(&pl, v[3], err);
    if (rc < 0)
        return rc;
    return ctx->fn(&pl, ctx->cls, err);
}

int commissions_plans(tl_db *db, const char *agent_ref, commissions_plan_fn fn,
                      void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, agent_ref);
    return tl_db_select(
        db, "commissions_plans",
        "SELECT p.plan_id, a.person_ref AS agent_ref, p.kind,"
        " coalesce(p.product_id, '') AS product, p.rate_ppm, p.term_months,"
        " p.clawback_months, p.valid_from, p.valid_to,"
        " " PLAN_TIERS_SQL " AS tiers,"
        " coalesce((SELECT min(t.currency) FROM commissions.plan_tier t"
        "  WHERE t.plan_id = p.plan_id), '') AS tier_currency"
        " FROM commissions.plan p JOIN accounts.person a"
        "  ON a.person_id = p.agent_id"
        " WHERE $1::text IS NULL OR a.person_ref = $1"
        " ORDER BY a.person_ref, p.kind, coalesce(p.product_id, ''),"
        "  p.valid_from",
        &p, plan_row, &ctx, err);
}
