/*
 * Account status and its history.
 *
 * The state machine: active <-> suspended, and active or suspended ->
 * closed, which is final. Each change writes one history row with its
 * reason and one audit event, in the same transaction as the change.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "accounts/accounts_internal.h"
#include "common/audit.h"

typedef struct status_ctx {
    accounts_account_t *account;
    const char *number;
    const char *to;
    const char *reason;
    const char *actor;
} status_ctx;

static int known_status(const char *s)
{
    return strcmp(s, "active") == 0 || strcmp(s, "suspended") == 0 ||
           strcmp(s, "closed") == 0;
}

static int allowed(const char *from, const char *to)
{
    if (strcmp(from, "closed") == 0)
        return 0;
    if (strcmp(to, "closed") == 0)
        return 1;
    return (strcmp(from, "active") == 0 && strcmp(to, "suspended") == 0) ||
           (strcmp(from, "suspended") == 0 && strcmp(to, "active") == 0);
}

static int status_tx(tl_db *db, void *cls, tl_err *err)
{
    status_ctx *ctx = cls;
    char from[16];
    json_t *before = NULL;
    json_t *after = NULL;
    tl_params p;
    int rc;

    rc = accounts_get(ctx->account, db, ctx->number, err);
    if (rc < 0)
        return rc;
    accounts_copy(from, sizeof(from), ctx->account->status);
    if (strcmp(from, ctx->to) == 0)
        return tl_err_set(err, TL_ECONFLICT, "unchanged", "status",
                          "account %s is already %s", ctx->number, from);
    if (!allowed(from, ctx->to))
        return tl_err_set(
            err, TL_ECONFLICT, "transition", "status",
            "account %s cannot go from %s to %s%s", ctx->number, from, ctx->to,
            strcmp(from, "closed") == 0 ? " (closed is final)" : "");
    tl_params_init(&p);
    tl_params_int64(&p, ctx->account->account_id);
    tl_params_text(&p, from);
    tl_params_text(&p, ctx->to);
    tl_params_text(&p, ctx->reason);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "accounts_status_set",
                    "WITH u AS (UPDATE accounts.billing_account SET status = $3"
                    "  WHERE account_id = $1::bigint AND status = $2"
                    "  RETURNING account_id)"
                    " INSERT INTO accounts.account_status_history"
                    " (account_id, from_status, to_status, reason, actor)"
                    " SELECT account_id, $2, $3, $4, $5 FROM u",
                    &p, err);
    if (rc < 0)
        return rc;
    if (rc != 1)
        return tl_err_set(err, TL_ERETRY, "busy", "status",
                          "account %s changed meanwhile", ctx->number);
    accounts_copy(ctx->account->status, sizeof(ctx->account->status), ctx->to);
    before = json_pack("{s:s}", "status", from);
    after = json_pack("{s:s, s:s}", "status", ctx->to, "reason", ctx->reason);
    if (before == NULL || after == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    else
        rc =
            tl_audit(db, ctx->actor, "accounts.status", "billing_account",
                     ctx->number, ctx->account->account_id, before, after, err);
    json_decref(before);
    json_decref(after);
    return rc;
}

int accounts_set_status(accounts_account_t *out, tl_db *db,
                        const char *account_number, const char *to_status,
                        const char *reason, const char *actor, tl_err *err)
{
    status_ctx ctx = {out, account_number, to_status, reason, actor};

    memset(out, 0, sizeof(*out));
    if (to_status == NULL || !known_status(to_status))
        tl_err_add(err, "format", "status",
                   "status must be active, suspended or closed");
    if (reason == NULL || reason[0] == '\0')
        tl_err_add(err, "required", "reason", "a status change needs a reason");
    else if (strlen(reason) > 250)
        tl_err_add(err, "too_long", "reason",
                   "reason must be at most 250 characters");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    return tl_db_run_tx(db, "accounts_set_status", status_tx, &ctx, err);
}

typedef struct history_ctx {
    int (*fn)(const accounts_status_change_t *h, void *payload);
    void *payload;
} history_ctx;

static int history_row(const tl_row *row, void *cls, tl_err *err)
{
    history_ctx *ctx = cls;
    accounts_status_change_t h;
    const char *v[5] = {NULL, NULL, NULL, NULL, NULL};

    if (tl_row_text(row, "from_status", &v[0], err) < 0 ||
        tl_row_text(row, "to_status", &v[1], err) < 0 ||
        tl_row_text(row, "reason", &v[2], err) < 0 ||
        tl_row_text(row, "actor", &v[3], err) < 0 ||
        tl_row_text(row, "at", &v[4], err) < 0)
        return TL_ERROR;
    accounts_copy(h.from_status, sizeof(h.from_status), v[0]);
    accounts_copy(h.to_status, sizeof(h.to_status), v[1]);
    accounts_copy(h.reason, sizeof(h.reason), v[2]);
    accounts_copy(h.actor, sizeof(h.actor), v[3]);
    accounts_copy(h.changed_at, sizeof(h.changed_at), v[4]);
    if (ctx->fn(&h, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

int accounts_status_history(tl_db *db, int64_t account_id,
                            int (*fn)(const accounts_status_change_t *h,
                                      void *payload),
                            void *payload, tl_err *err)
{
    history_ctx ctx = {fn, payload};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    return tl_db_select(db, "accounts_status_history",
                        "SELECT from_status, to_status, reason, actor,"
                        " to_char(changed_at AT TIME ZONE 'UTC',"
                        " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS at"
                        " FROM accounts.account_status_history"
                        " WHERE account_id = $1::bigint ORDER BY history_id",
                        &p, history_row, &ctx, err);
}
