/*
 * Account executives and agents of record, effective-dated.
 *
 * accounts.account_assignment holds, per account and role, half-open
 * periods [valid_from, valid_to) that never overlap (an exclusion
 * constraint guards it in the database). Assigning someone from a day ends
 * the period in force on that day and starts a new open one.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "accounts/accounts_internal.h"
#include "common/audit.h"

int accounts_person_put(int64_t *person_id, tl_db *db, const char *ref,
                        const char *name, const char *kind, tl_err *err)
{
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    int same = 0;
    int rc;

    *person_id = 0;
    tl_params_init(&p);
    tl_params_text(&p, ref);
    tl_params_text(&p, name);
    tl_params_text(&p, kind);
    rc = tl_db_exec(db, "accounts_person_insert",
                    "INSERT INTO accounts.person (person_ref, name, kind)"
                    " VALUES ($1, $2, $3) ON CONFLICT (person_ref) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    rc = tl_db_query_one(db, &r, "accounts_person_same",
                         "SELECT person_id, (name = $2 AND kind = $3) AS same"
                         " FROM accounts.person WHERE person_ref = $1",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ERROR, "internal", "ref",
                          "person vanished while recording it");
    row.res = r;
    row.row = 0;
    rc = tl_row_int64(&row, "person_id", person_id, err);
    if (rc == 0)
        rc = tl_row_bool(&row, "same", &same, err);
    PQclear(r);
    if (rc < 0)
        return rc;
    if (!same)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "ref",
                          "%s exists with another name or kind", ref);
    return 0;
}

int accounts_person_get(accounts_person_t *out, tl_db *db, const char *ref,
                        tl_err *err)
{
    PGresult *r = NULL;
    const char *name = NULL;
    const char *kind = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_text(&p, ref);
    rc = tl_db_query_one(db, &r, "accounts_person_get",
                         "SELECT person_id, name, kind FROM accounts.person"
                         " WHERE person_ref = $1",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_person", "ref",
                          "no account executive or agent %s", ref);
    row.res = r;
    row.row = 0;
    rc = tl_row_int64(&row, "person_id", &out->person_id, err);
    if (rc == 0)
        rc = tl_row_text(&row, "name", &name, err);
    if (rc == 0)
        rc = tl_row_text(&row, "kind", &kind, err);
    if (rc == 0) {
        accounts_copy(out->ref, sizeof(out->ref), ref);
        accounts_copy(out->name, sizeof(out->name), name);
        accounts_copy(out->kind, sizeof(out->kind), kind);
    }
    PQclear(r);
    return rc;
}

typedef struct assign_ctx {
    int *changed;
    const char *number;
    const char *role;
    const char *person_ref;
    tl_date from;
    const char *actor;
} assign_ctx;

static int assign_tx(tl_db *db, void *cls, tl_err *err)
{
    assign_ctx *ctx = cls;
    accounts_account_t acct;
    accounts_assignment_t cur;
    tl_params p;
    accounts_person_t person;
    int64_t person_id = 0;
    int has_cur = 0;
    tl_err lookup = TL_ERR_INIT;
    json_t *before = NULL;
    json_t *after = NULL;
    char day[16];
    int rc;

    rc = accounts_get(&acct, db, ctx->number, err);
    if (rc < 0)
        return rc;
    rc = accounts_person_get(&person, db, ctx->person_ref, err);
    if (rc == TL_ENOTFOUND)
        snprintf(err->field, sizeof(err->field), "person");
    if (rc < 0)
        return rc;
    person_id = person.person_id;
    if (strcmp(person.kind, ctx->role) != 0)
        return tl_err_set(
            err, TL_EINVALID, "kind", "person", "%s is %s, not %s",
            ctx->person_ref,
            strcmp(person.kind, "ae") == 0 ? "an account executive"
                                           : "an agent",
            strcmp(ctx->role, "ae") == 0 ? "an account executive" : "an agent");

    /* The same assignment recorded before (a file loaded again after a
     * later change) changes nothing. */
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_text(&p, ctx->role);
    tl_params_date(&p, ctx->from);
    tl_params_int64(&p, person_id);
    rc = tl_db_exec(db, "accounts_assign_same",
                    "SELECT 1 FROM accounts.account_assignment"
                    " WHERE account_id = $1::bigint AND role = $2"
                    " AND valid_from = $3::date AND person_id = $4::bigint",
                    &p, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;

    /* Nothing may start after `from`: history is changed only at its end. */
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_text(&p, ctx->role);
    tl_params_date(&p, ctx->from);
    rc = tl_db_exec(db, "accounts_assign_later",
                    "SELECT 1 FROM accounts.account_assignment"
                    " WHERE account_id = $1::bigint AND role = $2"
                    " AND valid_from > $3::date",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return tl_err_set(err, TL_ECONFLICT, "later_assignment", "from",
                          "account %s has an assignment starting after this "
                          "date",
                          ctx->number);
    rc = accounts_assignment_on(&cur, db, acct.account_id, ctx->role, ctx->from,
                                &lookup);
    if (rc == 0)
        has_cur = 1;
    else if (rc != TL_ENOTFOUND)
        tl_err_copy(err, &lookup);
    tl_err_clear(&lookup);
    if (rc < 0 && rc != TL_ENOTFOUND)
        return rc;
    if (has_cur && strcmp(cur.person_ref, ctx->person_ref) == 0) {
        *ctx->changed = 0;
        return 0;
    }
    if (has_cur && cur.valid_from == ctx->from)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "from",
                          "%s already starts on this date", cur.person_ref);
    rc = tl_db_exec(db, "accounts_assign_end",
                    "UPDATE accounts.account_assignment SET valid_to = $3::date"
                    " WHERE account_id = $1::bigint AND role = $2"
                    " AND valid_from < $3::date"
                    " AND (valid_to IS NULL OR valid_to > $3::date)",
                    &p, err);
    if (rc < 0)
        return rc;
    tl_params_int64(&p, person_id);
    rc = tl_db_exec(db, "accounts_assign_insert",
                    "INSERT INTO accounts.account_assignment (account_id,"
                    " role, valid_from, valid_to, person_id)"
                    " VALUES ($1::bigint, $2, $3::date, NULL, $4::bigint)",
                    &p, err);
    if (rc < 0)
        return rc;
    *ctx->changed = 1;
    if (ctx->actor == NULL)
        return 0; /* part of a load, audited with it */
    tl_date_format(day, sizeof(day), ctx->from);
    before =
        has_cur ? json_pack("{s:s}", "person", cur.person_ref) : json_object();
    after = json_pack("{s:s, s:s, s:s}", "role", ctx->role, "person",
                      ctx->person_ref, "from", day);
    if (before == NULL || after == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    else
        rc = tl_audit(db, ctx->actor, "accounts.assign", "billing_account",
                      ctx->number, acct.account_id, before, after, err);
    json_decref(before);
    json_decref(after);
    return rc;
}

int accounts_assign(int *changed, tl_db *db, const char *account_number,
                    const char *role, const char *person_ref, tl_date from,
                    const char *actor, tl_err *err)
{
    assign_ctx ctx = {changed, account_number, role, person_ref, from, actor};

    *changed = 0;
    if (role == NULL || (strcmp(role, "ae") != 0 && strcmp(role, "agent") != 0))
        return tl_err_add(err, "format", "role", "role must be ae or agent");
    return tl_db_run_tx(db, "accounts_assign", assign_tx, &ctx, err);
}

int accounts_assignment_on(accounts_assignment_t *out, tl_db *db,
                           int64_t account_id, const char *role, tl_date day,
                           tl_err *err)
{
    PGresult *r = NULL;
    const char *ref = NULL;
    const char *name = NULL;
    tl_params p;
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_text(&p, role);
    tl_params_date(&p, day);
    rc = tl_db_query_one(db, &r, "accounts_assignment_on",
                         "SELECT p.person_ref, p.name, a.valid_from,"
                         " a.valid_to FROM accounts.account_assignment a"
                         " JOIN accounts.person p USING (person_id)"
                         " WHERE a.account_id = $1::bigint AND a.role = $2"
                         " AND a.valid_from <= $3::date"
                         " AND (a.valid_to IS NULL OR a.valid_to > $3::date)",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(
            err, TL_ENOTFOUND, "no_assignment", role, "no %s on that date",
            strcmp(role, "ae") == 0 ? "account executive" : "agent of record");
    row.res = r;
    row.row = 0;
    rc = tl_row_text(&row, "person_ref", &ref, err);
    if (rc == 0)
        rc = tl_row_text(&row, "name", &name, err);
    if (rc == 0)
        rc = tl_row_date(&row, "valid_from", &out->valid_from, err);
    if (rc == 0)
        rc = tl_row_date_opt(&row, "valid_to", &out->valid_to,
                             &out->has_valid_to, err);
    if (rc == 0) {
        out->has_valid_to = !out->has_valid_to;
        accounts_copy(out->role, sizeof(out->role), role);
        accounts_copy(out->person_ref, sizeof(out->person_ref), ref);
        accounts_copy(out->person_name, sizeof(out->person_name), name);
    }
    PQclear(r);
    return rc;
}
