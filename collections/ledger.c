/*
 * Posting invoices to the AR ledger. The ledger's unique (account, kind,
 * source reference) key makes posting idempotent: a run posted twice adds
 * nothing the second time.
 */
#include <stdio.h>

#include "collections/collections.h"
#include "common/audit.h"

typedef struct post_ctx {
    int64_t run_id;
    const char *actor;
    int posted;
} post_ctx;

static int post_tx(tl_db *db, void *cls, tl_err *err)
{
    post_ctx *ctx = cls;
    char key[32];
    json_t *after;
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, ctx->run_id);
    rc = tl_db_exec(db, "collections_post_run",
                    "INSERT INTO collections.ledger_entry (account_id, kind,"
                    " source_ref, amount_minor, currency, effective_date,"
                    " due_date, invoice_id)"
                    " SELECT account_id, 'invoice', invoice_number,"
                    " total_minor, currency, issue_date, due_date, invoice_id"
                    " FROM billing.invoice WHERE run_id = $1::bigint"
                    " AND status = 'final'"
                    " ORDER BY sequence_no"
                    " ON CONFLICT (account_id, kind, source_ref) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    ctx->posted = rc;
    if (rc == 0)
        return 0;
    snprintf(key, sizeof(key), "%lld", (long long)ctx->run_id);
    after = json_pack("{s:i}", "entries", ctx->posted);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "ledger.post_run", "bill_run", key, 0, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

int collections_post_run(int *posted, tl_db *db, int64_t run_id,
                         const char *actor, tl_err *err)
{
    post_ctx ctx = {run_id, actor, 0};
    int rc;

    *posted = 0;
    rc = tl_db_run_tx(db, "collections_post_run", post_tx, &ctx, err);
    if (rc == 0)
        *posted = ctx.posted;
    return rc;
}
