/*
 * Dunning runs (the policy is described in book.h). The run is one
 * transaction: promises are evaluated, shutouts no longer warranted are
 * released, then one set-based statement picks each account's highest
 * step reached and inserts the actions (keyed by account, day and step,
 * so a rerun inserts nothing) and the shutout recommendations.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/book.h"
#include "collections/book_internal.h"

typedef struct run_ctx {
    tl_date as_of;
    const char *actor;
    collections_dunning_result result;
} run_ctx;

static int counts_row(const tl_row *row, void *cls, tl_err *err)
{
    collections_dunning_result *r = cls;

    if (tl_row_int(row, "actions", &r->actions, err) < 0 ||
        tl_row_int(row, "shutouts", &r->shutouts, err) < 0)
        return TL_ERROR;
    return 0;
}

static int run_tx(tl_db *db, void *cls, tl_err *err)
{
    run_ctx *ctx = cls;
    json_t *after;
    char day[16];
    tl_params p;
    int rc;

    memset(&ctx->result, 0, sizeof(ctx->result));
    rc = book_promises_evaluate(&ctx->result.promises, db, ctx->as_of,
                                ctx->actor, 0, err);
    if (rc < 0)
        return rc;
    rc = collections_shutout_release_due(&ctx->result.released, db, ctx->as_of,
                                         ctx->actor, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_select(
        db, "collections_dunning_run",
        "WITH o AS ("
        "  SELECT account_id, currency, $1::date - due_date AS dpd,"
        "  open_minor - disputed_minor AS und"
        "  FROM collections.receivable_open($1::date)),"
        /* credit on account (unapplied cash, account-level credits)
         * pays toward what is past due: an account it covers is not
         * dunned, one it covers in part is dunned for the rest */
        " cr AS ("
        "  SELECT account_id, credit_minor AS credit"
        "  FROM collections.account_credit($1::date)),"
        " acct AS ("
        "  SELECT o.account_id, max(o.currency) AS currency,"
        "  sum(o.und) FILTER (WHERE o.dpd > 0 AND o.und > 0)"
        "  - coalesce(max(cr.credit), 0) AS past_due,"
        "  max(o.dpd) FILTER (WHERE o.und > 0) AS dpd"
        "  FROM o LEFT JOIN cr USING (account_id)"
        "  GROUP BY o.account_id),"
        " eligible AS ("
        "  SELECT a.*, c.dunning_class FROM acct a"
        "  JOIN collections.account_class c USING (account_id)"
        "  WHERE a.dpd > 0 AND a.past_due > 0"
        "  AND NOT EXISTS (SELECT 1 FROM collections.promise pr"
        "   WHERE pr.account_id = a.account_id"
        "   AND pr.state IN ('pending', 'kept')"
        "   AND pr.made_on <= $1::date AND pr.promised_date >= $1::date)),"
        " step AS ("
        "  SELECT DISTINCT ON (e.account_id) e.account_id, e.currency,"
        "  e.past_due, e.dpd, e.dunning_class, s.step_no, s.action,"
        "  s.repeat_days"
        "  FROM eligible e JOIN collections.dunning_step s"
        "  ON s.dunning_class = e.dunning_class AND s.days_past_due <= e.dpd"
        "  ORDER BY e.account_id, s.days_past_due DESC),"
        " ins AS ("
        "  INSERT INTO collections.dunning_action (account_id, action_date,"
        "  step_no, dunning_class, action, days_past_due, amount_minor,"
        "  currency, run_by)"
        "  SELECT st.account_id, $1::date, st.step_no, st.dunning_class,"
        "  st.action, st.dpd, st.past_due, st.currency, $2 FROM step st"
        "  WHERE NOT EXISTS (SELECT 1 FROM collections.dunning_action d"
        "   WHERE d.account_id = st.account_id AND d.step_no = st.step_no"
        "   AND d.action_date > $1::date - st.repeat_days"
        "   AND d.action_date <= $1::date)"
        "  ON CONFLICT DO NOTHING"
        "  RETURNING account_id, action, days_past_due, amount_minor,"
        "  currency),"
        " sh AS ("
        "  INSERT INTO collections.shutout (account_id, recommended_on,"
        "  reason, days_past_due, amount_minor, currency)"
        "  SELECT account_id, $1::date,"
        "  format('%s days past due with no promise to pay',"
        "  days_past_due), days_past_due, amount_minor, currency"
        "  FROM ins WHERE action = 'shutout'"
        "  ON CONFLICT (account_id)"
        "  WHERE state IN ('recommended', 'approved') DO NOTHING"
        "  RETURNING 1)"
        " SELECT (SELECT count(*) FROM ins) AS actions,"
        " (SELECT count(*) FROM sh) AS shutouts",
        &p, counts_row, &ctx->result, err);
    if (rc < 0)
        return rc;
    if (ctx->result.actions + ctx->result.shutouts + ctx->result.released +
            ctx->result.promises.kept + ctx->result.promises.broken ==
        0)
        return 0;
    after = json_pack("{s:i, s:i, s:i, s:i, s:i}", "actions",
                      ctx->result.actions, "shutouts", ctx->result.shutouts,
                      "released", ctx->result.released, "promisesKept",
                      ctx->result.promises.kept, "promisesBroken",
                      ctx->result.promises.broken);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "dunning.run", "dunning_run",
                  book_date(day, ctx->as_of), 0, NULL, after, err);
    json_decref(after);
    return rc;
}

int collections_dunning_run(collections_dunning_result *out, tl_db *db,
                            tl_date as_of, const char *actor, tl_err *err)
{
    run_ctx ctx;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    memset(out, 0, sizeof(*out));
    ctx.as_of = as_of;
    ctx.actor = actor;
    rc = tl_db_run_tx(db, "collections_dunning_run", run_tx, &ctx, err);
    if (rc == 0)
        *out = ctx.result;
    return rc;
}

typedef struct action_ctx {
    collections_dunning_fn fn;
    void *cls;
} action_ctx;

static int action_row(const tl_row *row, void *cls, tl_err *err)
{
    action_ctx *ctx = cls;
    collections_dunning_action a;

    memset(&a, 0, sizeof(a));
    if (tl_row_text(row, "account_number", &a.account_number, err) < 0 ||
        tl_row_date(row, "action_date", &a.action_date, err) < 0 ||
        tl_row_int(row, "step_no", &a.step_no, err) < 0 ||
        tl_row_text(row, "dunning_class", &a.dunning_class, err) < 0 ||
        tl_row_text(row, "action", &a.action, err) < 0 ||
        tl_row_int(row, "days_past_due", &a.days_past_due, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &a.amount, err) < 0)
        return TL_ERROR;
    return ctx->fn(&a, ctx->cls, err);
}

int collections_dunning_actions(tl_db *db, tl_date on,
                                const char *account_number,
                                collections_dunning_fn fn, void *cls,
                                tl_err *err)
{
    action_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, on);
    tl_params_text(&p, account_number);
    return tl_db_select(
        db, "collections_dunning_actions",
        "SELECT b.account_number, d.action_date, d.step_no, d.dunning_class,"
        " d.action, d.days_past_due, d.amount_minor, d.currency"
        " FROM collections.dunning_action d"
        " JOIN accounts.billing_account b USING (account_id)"
        " WHERE d.action_date = $1::date"
        " AND ($2::text IS NULL OR b.account_number = $2)"
        " ORDER BY b.account_number, d.step_no",
        &p, action_row, &ctx, err);
}

typedef struct class_ctx {
    const char *account_number;
    const char *dunning_class;
    const char *actor;
} class_ctx;

static int text_row(const tl_row *row, void *cls, tl_err *err)
{
    const char *v = NULL;
    char *out = cls;

    if (tl_row_text(row, "v", &v, err) < 0)
        return TL_ERROR;
    snprintf(out, 64, "%s", v ? v : "");
    return 0;
}

static int class_tx(tl_db *db, void *cls, tl_err *err)
{
    class_ctx *ctx = cls;
    accounts_account_t acct;
    char before[64] = "";
    tl_params p;
    int rc;

    rc = accounts_get(&acct, db, ctx->account_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    rc = tl_db_select(db, "collections_class_get",
                      "SELECT dunning_class AS v"
                      " FROM collections.account_profile"
                      " WHERE account_id = $1::bigint",
                      &p, text_row, before, err);
    if (rc < 0)
        return rc;
    if (strcmp(before, ctx->dunning_class ? ctx->dunning_class : "") == 0)
        return 0;
    tl_params_text(&p, ctx->dunning_class);
    rc = tl_db_exec(db, "collections_class_set",
                    "INSERT INTO collections.account_profile (account_id,"
                    " dunning_class) VALUES ($1::bigint, $2)"
                    " ON CONFLICT (account_id) DO UPDATE"
                    " SET dunning_class = EXCLUDED.dunning_class",
                    &p, err);
    if (rc < 0)
        return rc;
    return book_audit(
        db, ctx->actor, "dunning.class", "billing_account", acct.account_id,
        acct.account_id,
        json_pack("{s:s}", "class", before[0] ? before : "default"),
        json_pack("{s:s}", "class",
                  ctx->dunning_class ? ctx->dunning_class : "default"),
        err);
}

int collections_set_class(tl_db *db, const char *account_number,
                          const char *dunning_class, const char *actor,
                          tl_err *err)
{
    class_ctx ctx = {account_number, dunning_class, actor};

    if (dunning_class != NULL && strcmp(dunning_class, "wholesale") != 0 &&
        strcmp(dunning_class, "enterprise") != 0)
        return tl_err_add(err, "invalid", "class",
                          "a dunning class is wholesale or enterprise, not "
                          "\"%s\"",
                          dunning_class);
    return tl_db_run_tx(db, "collections_set_class", class_tx, &ctx, err);
}
