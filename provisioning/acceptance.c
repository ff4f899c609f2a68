/*
 * Automatic acceptance: a service installed and never accepted is
 * accepted on install + the auto-acceptance days of the agreement in
 * force on its install date.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contracts/contracts.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

#define AUTO_ACTOR "auto-acceptance"
#define AUTO_MAX 10000

/* One candidate: installed, not accepted, not disconnected. */
typedef struct candidate {
    int64_t account_id;
    char circuit_id[48];
    tl_date installed;
    /* filled when accepted */
    int accepted;
    tl_date day;
    int days;
    char agreement_ref[72];
    char order_number[24];
} candidate;

typedef struct auto_ctx {
    tl_date as_of;
    candidate *list;
    size_t n;
    provisioning_auto_fn fn;
    void *cls;
    int accepted;
} auto_ctx;

static int candidate_row(const tl_row *row, void *cls, tl_err *err)
{
    auto_ctx *ctx = cls;
    candidate *c;

    if (ctx->n >= AUTO_MAX)
        return tl_err_set(err, TL_ERROR, "too_many", "",
                          "more than %d services wait for acceptance",
                          AUTO_MAX);
    c = &ctx->list[ctx->n];
    memset(c, 0, sizeof(*c));
    if (tl_row_int64(row, "account_id", &c->account_id, err) < 0 ||
        prov_copy_text(c->circuit_id, sizeof(c->circuit_id), row, "circuit_id",
                       err) < 0 ||
        tl_row_date(row, "install_date", &c->installed, err) < 0)
        return TL_ERROR;
    ctx->n++;
    return 0;
}

static int accept_one(auto_ctx *ctx, candidate *c, tl_db *db, tl_err *err)
{
    contracts_agreement_t agreement;
    tl_err lookup = TL_ERR_INIT;
    prov_item_t it;
    tl_date day;
    int rc;

    rc = contracts_agreement_on(&agreement, db, c->account_id, c->installed,
                                &lookup);
    if (rc == TL_ENOTFOUND) {
        tl_err_clear(&lookup);
        return 0;
    }
    if (rc < 0) {
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
        tl_err_clear(&lookup);
        return rc;
    }
    day = tl_date_add_days(c->installed, agreement.auto_acceptance_days);
    if (day > ctx->as_of)
        return 0;
    rc = prov_item_for_circuit(&it, db, c->circuit_id, PROVISIONING_ACCEPTED,
                               err);
    if (rc == 0)
        rc = prov_milestone_tx(db, &it, PROVISIONING_ACCEPTED, day, AUTO_ACTOR,
                               1, err);
    if (rc < 0)
        return rc;
    ctx->accepted++;
    c->accepted = 1;
    c->day = day;
    c->days = agreement.auto_acceptance_days;
    snprintf(c->agreement_ref, sizeof(c->agreement_ref), "%s", agreement.ref);
    snprintf(c->order_number, sizeof(c->order_number), "%s", it.order_number);
    return 0;
}

/* After the commit: tell the caller what was accepted. */
static int report(const auto_ctx *ctx, tl_err *err)
{
    provisioning_auto_acceptance_t a;
    size_t i;
    int rc;

    for (i = 0; ctx->fn != NULL && i < ctx->n; i++) {
        const candidate *c = &ctx->list[i];

        if (!c->accepted)
            continue;
        memset(&a, 0, sizeof(a));
        a.circuit_id = c->circuit_id;
        a.order_number = c->order_number;
        a.agreement_ref = c->agreement_ref;
        a.days = c->days;
        a.installed = c->installed;
        a.accepted = c->day;
        rc = ctx->fn(&a, ctx->cls, err);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int auto_tx(tl_db *db, void *cls, tl_err *err)
{
    auto_ctx *ctx = cls;
    tl_params p;
    size_t i;
    int rc;

    ctx->n = 0;
    ctx->accepted = 0;
    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    rc = tl_db_select(db, "provisioning_auto_candidates",
                      "SELECT account_id, circuit_id, install_date"
                      " FROM provisioning.service"
                      " WHERE install_date IS NOT NULL"
                      " AND acceptance_date IS NULL"
                      " AND disconnect_date IS NULL AND state = 'pending'"
                      " AND install_date <= $1::date"
                      " ORDER BY account_id, service_id",
                      &p, candidate_row, ctx, err);
    for (i = 0; rc >= 0 && i < ctx->n; i++)
        rc = accept_one(ctx, &ctx->list[i], db, err);
    return rc < 0 ? rc : 0;
}

int provisioning_auto_accept(tl_db *db, tl_date as_of, provisioning_auto_fn fn,
                             void *cls, tl_err *err)
{
    auto_ctx ctx;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.as_of = as_of;
    ctx.fn = fn;
    ctx.cls = cls;
    ctx.list = calloc(AUTO_MAX, sizeof(candidate));
    if (ctx.list == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_db_run_tx(db, "provisioning_auto_accept", auto_tx, &ctx, err);
    if (rc == 0)
        rc = report(&ctx, err);
    free(ctx.list);
    return rc < 0 ? rc : ctx.accepted;
}
