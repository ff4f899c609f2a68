/*
 * Commissions (commissions/commissions.h): plans (list, define), the
 * monthly run, approval of a statement (under If-Match against the
 * statement as GET /commissionStatement renders it) and the finance audit.
 * The statement itself is GET /commissionStatement/{agent}/{month}
 * (h_more.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commissions/commissions.h"
#include "common/json.h"
#include "server/server_internal.h"

#define OOM(err) tl_err_set(err, TL_ERROR, "internal", "", "out of memory")

static json_t *rate_json(int64_t ppm)
{
    char buf[32];

    if (commissions_rate_format(buf, sizeof(buf), ppm) < 0)
        return NULL;
    return json_string(buf);
}

static int plan_row(const commissions_plan_t *p, void *cls, tl_err *err)
{
    json_t *tiers = json_array();
    json_t *item;
    tl_money m;
    size_t i;

    if (tiers == NULL)
        return OOM(err);
    for (i = 0; i < p->n_tiers; i++) {
        if (tl_money_make(&m, p->tiers[i].above_minor, p->tier_currency) != 0)
            break;
        json_array_append_new(
            tiers, json_pack("{s:o, s:o}", "above", srv_money(&m), "rate",
                             rate_json(p->tiers[i].rate_ppm)));
    }
    item = json_pack(
        "{s:I, s:s, s:s, s:s, s:o, s:i, s:i, s:o, s:o, s:o}", "id",
        (json_int_t)p->plan_id, "agentRef", p->agent_ref, "kind", p->kind,
        "productId", p->product_id, "rate", rate_json(p->rate_ppm),
        "termMonths", p->term_months, "clawbackMonths", p->clawback_months,
        "validFrom", srv_date(p->valid_from), "validTo",
        p->has_valid_to ? srv_date(p->valid_to) : json_null(), "tiers", tiers);
    if (item == NULL || json_array_append_new(cls, item) != 0)
        return OOM(err);
    return 0;
}

int h_commission_plan_list(srv_req *r, tl_db *db, tl_err *err)
{
    json_t *items = json_array();
    int rc;

    if (items == NULL)
        return OOM(err);
    rc = commissions_plans(db, srv_query(r, "agentRef"), plan_row, items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}

static void rate_member(int64_t *out, const json_t *obj, const char *key,
                        const char *path, int required, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const char *text = NULL;

    tl_path_key(field, sizeof(field), path, key);
    if (tl_json_str(obj, key, path, required, 16, &text, err) < 0 ||
        text == NULL)
        return;
    if (commissions_rate_parse(out, text) != 0)
        tl_err_add(err, "rate", field,
                   "%s is a percentage more than 0 and at most 100 with at "
                   "most 4 decimals, written as a string",
                   key);
}

int h_commission_plan_put(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {
        "agentRef",       "kind",      "productId", "rate", "termMonths",
        "clawbackMonths", "validFrom", "tiers",     NULL};
    static const char *const tkeys[] = {"above", "rate", NULL};
    commissions_plan_in in;
    const json_t *tiers = NULL;
    json_t *body = NULL;
    int64_t term = 0;
    int64_t clawback = 0;
    int64_t id = 0;
    int created = 0;
    char path[48];
    char apath[64];
    size_t i;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    memset(&in, 0, sizeof(in));
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "agentRef", "", 1, 64, &in.agent_ref, err);
    tl_json_str(body, "kind", "", 1, 24, &in.kind, err);
    tl_json_str(body, "productId", "", 0, 40, &in.product_id, err);
    rate_member(&in.rate_ppm, body, "rate", "", 1, err);
    tl_json_int(body, "termMonths", "", 0, 0, 240, &term, NULL, err);
    tl_json_int(body, "clawbackMonths", "", 0, 0, 120, &clawback, NULL, err);
    tl_json_date(body, "validFrom", "", 1, &in.valid_from, NULL, err);
    tl_json_array(body, "tiers", "", 0, 0, COMMISSIONS_MAX_TIERS, &tiers, err);
    for (i = 0; i < json_array_size(tiers); i++) {
        const json_t *t = json_array_get(tiers, i);
        const json_t *above = NULL;
        const char *cur = NULL;
        tl_money m;

        tl_path_index(path, sizeof(path), "tiers", i);
        if (!json_is_object(t)) {
            tl_err_add(err, "type", path, "a tier is an object");
            continue;
        }
        tl_json_only_keys(t, path, tkeys, err);
        tl_json_object(t, "above", path, 1, &above, err);
        rate_member(&in.tiers[i].rate_ppm, t, "rate", path, 1, err);
        if (above == NULL)
            continue;
        tl_path_key(apath, sizeof(apath), path, "above");
        if (tl_json_str(above, "currency", apath, 1, 3, &cur, err) < 0 ||
            cur == NULL)
            continue;
        if (in.tier_currency != NULL && strcmp(in.tier_currency, cur) != 0) {
            tl_err_add(err, "currency", apath, "every tier has one currency");
            continue;
        }
        in.tier_currency = cur;
        if (tl_json_amount(above, "amount", apath, 1, cur, &m, NULL, err) == 0)
            in.tiers[i].above_minor = m.minor;
    }
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    in.n_tiers = json_array_size(tiers);
    in.term_months = (int)term;
    in.clawback_months = (int)clawback;
    in.actor = r->user.username;
    rc = commissions_plan_put(&id, &created, db, &in, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_reply(r, created ? 201 : 200,
                   json_pack("{s:I, s:b, s:s, s:s}", "id", (json_int_t)id,
                             "created", created, "agentRef", in.agent_ref,
                             "kind", in.kind),
                   err);
cleanup:
    json_decref(body);
    return rc;
}

int h_commission_run(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"month", "agentRef", NULL};
    commissions_run_result res;
    json_t *body = NULL;
    const char *month = NULL;
    const char *agent = NULL;
    int y = 0;
    int m = 0;
    int rc;

    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "month", "", 1, 7, &month, err);
    tl_json_str(body, "agentRef", "", 0, 64, &agent, err);
    if (month != NULL && tl_month_parse(&y, &m, month) != 0)
        tl_err_add(err, "format", "month", "month is written YYYY-MM");
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    memset(&res, 0, sizeof(res));
    rc = commissions_run(&res, db, agent, y, m, r->user.username, err);
    if (rc < 0)
        goto cleanup;
    rc = srv_reply(r, 200,
                   json_pack("{s:s, s:i, s:i, s:i}", "month", month,
                             "statements", res.statements, "lines", res.lines,
                             "approvedKept", res.approved_kept),
                   err);
cleanup:
    json_decref(body);
    return rc;
}

/* The statement as GET /commissionStatement renders it (parsed). */
static int statement_json(json_t **out, tl_db *db, const char *agent, int y,
                          int m, const char *currency, tl_err *err)
{
    commissions_doc_t doc;
    char *text = NULL;
    int rc;

    *out = NULL;
    memset(&doc, 0, sizeof(doc));
    rc = commissions_statement_get(&doc, db, agent, y, m, currency, err);
    if (rc == 0)
        rc = commissions_render_json(&text, &doc, err);
    commissions_statement_free(&doc);
    if (rc < 0)
        return rc;
    *out = json_loads(text, 0, NULL);
    free(text);
    return *out != NULL ? 0 : OOM(err);
}

int h_commission_approve(srv_req *r, tl_db *db, tl_err *err)
{
    static const char *const keys[] = {"currency", NULL};
    json_t *body = NULL;
    json_t *before = NULL;
    json_t *after = NULL;
    const char *currency = NULL;
    int approved = 0;
    int y = 0;
    int m = 0;
    int rc;

    if (tl_month_parse(&y, &m, r->param[1]) != 0)
        return srv_fail(r, 404, TL_ENOTFOUND, "not_found", "month",
                        "%s is not a month (YYYY-MM)", r->param[1]);
    rc = srv_body_object(&body, r, err);
    if (rc < 0)
        return rc;
    tl_json_only_keys(body, "", keys, err);
    tl_json_str(body, "currency", "", 0, 3, &currency, err);
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = statement_json(&before, db, r->param[0], y, m, currency, err);
    if (rc == 0)
        rc = srv_if_match(r, before, err);
    if (rc == 0)
        rc = commissions_approve(&approved, db, r->param[0], y, m, currency,
                                 r->user.username, err);
    if (rc == 0)
        rc = statement_json(&after, db, r->param[0], y, m, currency, err);
    if (rc < 0)
        goto cleanup;
    srv_etag_of(r->etag, after);
    json_object_set_new(after, "approvedNow", json_boolean(approved));
    rc = srv_reply(r, 200, after, err);
    after = NULL;
cleanup:
    json_decref(after);
    json_decref(before);
    json_decref(body);
    return rc;
}

static int finding_row(const commissions_finding_t *f, void *cls, tl_err *err)
{
    json_t *item = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:s}", "code", f->code,
        "status", f->status ? f->status : "", "agentRef",
        f->agent_ref ? f->agent_ref : "", "month", f->month ? f->month : "",
        "accountNumber", f->account_number ? f->account_number : "",
        "circuitId", f->circuit_id ? f->circuit_id : "", "line", f->line_no,
        "amount", srv_money_or_null(&f->amount), "message",
        f->message ? f->message : "");

    if (item == NULL || json_array_append_new(cls, item) != 0)
        return OOM(err);
    return 0;
}

int h_commission_audit(srv_req *r, tl_db *db, tl_err *err)
{
    const char *month = srv_query(r, "month");
    json_t *items;
    int y = 0;
    int m = 0;
    int rc;

    if (month == NULL || tl_month_parse(&y, &m, month) != 0)
        return srv_fail(r, 400, TL_EINVALID, "format", "month",
                        "month is required, written YYYY-MM");
    items = json_array();
    if (items == NULL)
        return OOM(err);
    rc = commissions_audit(db, srv_query(r, "agentRef"), y, m, finding_row,
                           items, err);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    return srv_reply_slice(r, items, err);
}
