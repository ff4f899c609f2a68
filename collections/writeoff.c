/*
 * Write-offs: requested -> approved (posting ledger kind write_off,
 * reference WO-<id>, against the invoice) or rejected. Nobody approves
 * their own request; above the currency's threshold
 * (collections.writeoff_policy) a first approval is recorded and a second,
 * different person's approval posts it.
 */
#include <stdio.h>
#include <string.h>

#include "collections/acct.h"
#include "collections/book_internal.h"
#include "collections/ledger_internal.h"

typedef struct req_ctx {
    const collections_writeoff_in *in;
    int64_t id;
    int created;
} req_ctx;

typedef struct inv_row_t {
    int found;
    int64_t account_id;
    int64_t invoice_id;
    char currency[4];
    int64_t owed;
} inv_row_t;

static int inv_row(const tl_row *row, void *cls, tl_err *err)
{
    inv_row_t *f = cls;
    const char *cur = NULL;

    f->found = 1;
    if (tl_row_int64(row, "account_id", &f->account_id, err) < 0 ||
        tl_row_int64(row, "invoice_id", &f->invoice_id, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "owed", &f->owed, err) < 0)
        return TL_ERROR;
    snprintf(f->currency, sizeof(f->currency), "%s", cur);
    return 0;
}

static int invoice_get(inv_row_t *f, tl_db *db, const char *number, tl_err *err)
{
    tl_params p;
    int rc;

    memset(f, 0, sizeof(*f));
    tl_params_init(&p);
    tl_params_text(&p, number);
    rc = tl_db_select(
        db, "collections_writeoff_invoice",
        "SELECT i.account_id, i.invoice_id, i.currency,"
        " " COLLECTIONS_INVOICE_OWED(
            "i.account_id", "i.invoice_id") " AS owed FROM billing.invoice i"
                                            " WHERE i.invoice_number = $1"
                                            " AND i.status = 'final'",
        &p, inv_row, f, err);
    if (rc < 0)
        return rc;
    if (!f->found)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "invoice",
                          "no final invoice %s", number);
    return 0;
}

typedef struct wo_row {
    int found;
    int64_t account_id;
    int64_t invoice_id;
    int64_t amount;
    char currency[4];
    char state[16];
    char requested_by[128];
    char first[128];
    int64_t threshold;
    int64_t owed;
} wo_row;

static int wo_read(const tl_row *row, void *cls, tl_err *err)
{
    wo_row *w = cls;
    const char *cur = NULL;
    const char *state = NULL;
    const char *req = NULL;
    const char *first = NULL;

    w->found = 1;
    if (tl_row_int64(row, "account_id", &w->account_id, err) < 0 ||
        tl_row_int64(row, "invoice_id", &w->invoice_id, err) < 0 ||
        tl_row_int64(row, "amount_minor", &w->amount, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_text(row, "state", &state, err) < 0 ||
        tl_row_text(row, "requested_by", &req, err) < 0 ||
        tl_row_text(row, "first", &first, err) < 0 ||
        tl_row_int64(row, "threshold", &w->threshold, err) < 0 ||
        tl_row_int64(row, "owed", &w->owed, err) < 0)
        return TL_ERROR;
    snprintf(w->currency, sizeof(w->currency), "%s", cur);
    snprintf(w->state, sizeof(w->state), "%s", state);
    snprintf(w->requested_by, sizeof(w->requested_by), "%s", req);
    snprintf(w->first, sizeof(w->first), "%s", first);
    return 0;
}

static int wo_get(wo_row *w, tl_db *db, int64_t id, tl_err *err)
{
    tl_params p;
    int rc;

    memset(w, 0, sizeof(*w));
    tl_params_init(&p);
    tl_params_int64(&p, id);
    rc = tl_db_select(
        db, "collections_writeoff_get",
        "SELECT w.account_id, w.invoice_id, w.amount_minor, w.currency,"
        " w.state, w.requested_by, coalesce(w.first_approver, '') AS first,"
        " coalesce((SELECT p.second_above_minor"
        " FROM collections.writeoff_policy p"
        " WHERE p.currency = w.currency), 0) AS threshold,"
        " " COLLECTIONS_INVOICE_OWED(
            "w.account_id", "w.invoice_id") " AS owed"
                                            " FROM collections.write_off w "
                                            "WHERE w.writeoff_id = $1::bigint"
                                            " FOR UPDATE OF w",
        &p, wo_read, w, err);
    if (rc < 0)
        return rc;
    if (!w->found)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "writeoff",
                          "no write-off %lld", (long long)id);
    return 0;
}

static int id_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "writeoff_id", cls, err);
}

static int amount_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "amount_minor", cls, err);
}

static int req_tx(tl_db *db, void *cls, tl_err *err)
{
    req_ctx *ctx = cls;
    const collections_writeoff_in *in = ctx->in;
    inv_row_t inv;
    int64_t prior = -1;
    char day[16];
    tl_params p;
    int rc;

    rc = invoice_get(&inv, db, in->invoice_number, err);
    if (rc < 0)
        return rc;
    if (strcmp(inv.currency, in->amount.cur) != 0)
        return tl_err_add(err, "currency", "amount",
                          "invoice %s is in %s, not %s", in->invoice_number,
                          inv.currency, in->amount.cur);
    tl_params_init(&p);
    tl_params_int64(&p, inv.account_id);
    tl_params_int64(&p, inv.invoice_id);
    tl_params_date(&p, in->date);
    tl_params_text(&p, in->reason);
    rc = tl_db_select(db, "collections_writeoff_existing",
                      "SELECT writeoff_id, amount_minor"
                      " FROM collections.write_off"
                      " WHERE account_id = $1::bigint"
                      " AND invoice_id = $2::bigint"
                      " AND requested_on = $3::date AND reason = $4",
                      &p, id_row, &ctx->id, err);
    if (rc < 0)
        return rc;
    if (rc > 0) {
        tl_params_init(&p);
        tl_params_int64(&p, ctx->id);
        rc = tl_db_select(db, "collections_writeoff_amount",
                          "SELECT amount_minor FROM collections.write_off"
                          " WHERE writeoff_id = $1::bigint",
                          &p, amount_row, &prior, err);
        if (rc < 0)
            return rc;
        if (prior != in->amount.minor)
            return tl_err_set(err, TL_EDUPLICATE, "duplicate", "amount",
                              "write-off %lld was requested with another "
                              "amount",
                              (long long)ctx->id);
        return 0;
    }
    if (in->amount.minor > inv.owed)
        return tl_err_set(err, TL_ECONFLICT, "exceeds_open", "amount",
                          "invoice %s owes less than the write-off",
                          in->invoice_number);
    tl_params_int64(&p, in->amount.minor);
    tl_params_text(&p, inv.currency);
    tl_params_text(&p, in->actor);
    rc = tl_db_select(db, "collections_writeoff_insert",
                      "INSERT INTO collections.write_off (account_id,"
                      " invoice_id, requested_on, reason, amount_minor,"
                      " currency, requested_by) VALUES ($1::bigint,"
                      " $2::bigint, $3::date, $4, $5::bigint, $6, $7)"
                      " RETURNING writeoff_id",
                      &p, id_row, &ctx->id, err);
    if (rc < 0)
        return rc;
    ctx->created = 1;
    return book_audit(db, in->actor, "writeoff.request", "write_off", ctx->id,
                      inv.account_id, NULL,
                      json_pack("{s:s, s:I, s:s, s:s, s:s}", "invoice",
                                in->invoice_number, "amountMinor",
                                (json_int_t)in->amount.minor, "currency",
                                inv.currency, "reason", in->reason, "date",
                                book_date(day, in->date)),
                      err);
}

int collections_writeoff_request(int64_t *writeoff_id, int *created, tl_db *db,
                                 const collections_writeoff_in *in, tl_err *err)
{
    req_ctx ctx = {in, 0, 0};
    int rc;

    *writeoff_id = 0;
    *created = 0;
    if (in->invoice_number == NULL || in->invoice_number[0] == '\0')
        tl_err_add(err, "required", "invoice", "an invoice is required");
    if (in->amount.minor <= 0)
        tl_err_add(err, "invalid", "amount",
                   "the amount must be greater than zero");
    if (in->reason == NULL || in->reason[0] == '\0')
        tl_err_add(err, "required", "reason", "a reason is required");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "collections_writeoff_request", req_tx, &ctx, err);
    if (rc == 0) {
        *writeoff_id = ctx.id;
        *created = ctx.created;
    }
    return rc;
}

typedef struct decide_ctx {
    int64_t id;
    tl_date on;
    const char *note;
    const char *actor;
    int posted;
} decide_ctx;

static int entry_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "entry_id", cls, err);
}

static int approve_tx(tl_db *db, void *cls, tl_err *err)
{
    decide_ctx *ctx = cls;
    wo_row w;
    char ref[32];
    char day[16];
    int64_t entry_id = 0;
    tl_params p;
    int rc;

    ctx->posted = 0;
    rc = wo_get(&w, db, ctx->id, err);
    if (rc < 0)
        return rc;
    if (strcmp(w.state, "approved") == 0) {
        ctx->posted = 1;
        return 0;
    }
    if (strcmp(w.state, "rejected") == 0)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "state",
                          "write-off %lld was rejected", (long long)ctx->id);
    if (strcmp(w.requested_by, ctx->actor) == 0)
        return tl_err_set(err, TL_ECONFLICT, "own_request", "actor",
                          "%s requested write-off %lld and cannot approve it",
                          ctx->actor, (long long)ctx->id);
    if (w.amount > w.threshold && w.first[0] == '\0') {
        tl_params_init(&p);
        tl_params_int64(&p, w.account_id);
        tl_params_int64(&p, ctx->id);
        tl_params_text(&p, ctx->actor);
        rc = tl_db_exec(db, "collections_writeoff_first",
                        "UPDATE collections.write_off SET first_approver = $3"
                        " WHERE account_id = $1::bigint"
                        " AND writeoff_id = $2::bigint",
                        &p, err);
        if (rc < 0)
            return rc;
        return book_audit(
            db, ctx->actor, "writeoff.approve", "write_off", ctx->id,
            w.account_id, json_pack("{s:s}", "state", "requested"),
            json_pack("{s:s, s:s, s:b}", "state", "requested", "firstApprover",
                      ctx->actor, "needsSecond", 1),
            err);
    }
    if (w.amount > w.threshold && strcmp(w.first, ctx->actor) == 0)
        return tl_err_set(err, TL_ECONFLICT, "second_approver_required",
                          "actor",
                          "write-off %lld is above the threshold: someone "
                          "other than %s must approve it too",
                          (long long)ctx->id, ctx->actor);
    if (w.amount > w.owed)
        return tl_err_set(err, TL_ECONFLICT, "exceeds_open", "amount",
                          "the invoice no longer owes the write-off");
    snprintf(ref, sizeof(ref), "WO-%lld", (long long)ctx->id);
    tl_params_init(&p);
    tl_params_int64(&p, w.account_id);
    tl_params_text(&p, ref);
    tl_params_int64(&p, -w.amount);
    tl_params_text(&p, w.currency);
    tl_params_date(&p, ctx->on);
    tl_params_int64(&p, w.invoice_id);
    rc = tl_db_select(db, "collections_writeoff_post",
                      "INSERT INTO collections.ledger_entry (account_id, kind,"
                      " source_ref, amount_minor, currency, effective_date,"
                      " invoice_id) VALUES ($1::bigint, 'write_off', $2,"
                      " $3::bigint, $4, $5::date, $6::bigint)"
                      " RETURNING entry_id",
                      &p, entry_row, &entry_id, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, w.account_id);
    tl_params_int64(&p, ctx->id);
    tl_params_text(&p, ctx->actor);
    tl_params_date(&p, ctx->on);
    tl_params_int64(&p, entry_id);
    tl_params_bool(&p, w.amount > w.threshold);
    rc = tl_db_exec(db, "collections_writeoff_approved",
                    "UPDATE collections.write_off SET state = 'approved',"
                    " first_approver = CASE WHEN $6::bool THEN first_approver"
                    " ELSE $3 END,"
                    " second_approver = CASE WHEN $6::bool THEN $3 END,"
                    " decided_on = $4::date, decided_by = $3,"
                    " entry_id = $5::bigint WHERE account_id = $1::bigint"
                    " AND writeoff_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, w.account_id);
    tl_params_int64(&p, entry_id);
    tl_params_text(&p, ctx->actor);
    tl_params_int64(&p, ctx->id);
    rc = tl_db_exec(db, "collections_writeoff_doc_insert",
                    "INSERT INTO collections.ledger_doc (account_id, entry_id,"
                    " doc_kind, reason, posted_by) SELECT $1::bigint,"
                    " $2::bigint, 'write_off', w.reason, $3"
                    " FROM collections.write_off w"
                    " WHERE w.account_id = $1::bigint"
                    " AND w.writeoff_id = $4::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    ctx->posted = 1;
    return book_audit(db, ctx->actor, "writeoff.approve", "write_off", ctx->id,
                      w.account_id, json_pack("{s:s}", "state", "requested"),
                      json_pack("{s:s, s:s, s:I, s:s}", "state", "approved",
                                "reference", ref, "amountMinor",
                                (json_int_t)w.amount, "date",
                                book_date(day, ctx->on)),
                      err);
}

int collections_writeoff_approve(int *posted, tl_db *db, int64_t writeoff_id,
                                 tl_date on, const char *actor, tl_err *err)
{
    decide_ctx ctx = {writeoff_id, on, NULL, actor, 0};
    int rc;

    *posted = 0;
    rc =
        tl_db_run_tx(db, "collections_writeoff_approve", approve_tx, &ctx, err);
    if (rc == 0)
        *posted = ctx.posted;
    return rc;
}

static int reject_tx(tl_db *db, void *cls, tl_err *err)
{
    decide_ctx *ctx = cls;
    wo_row w;
    tl_params p;
    int rc;

    rc = wo_get(&w, db, ctx->id, err);
    if (rc < 0)
        return rc;
    if (strcmp(w.state, "rejected") == 0)
        return 0;
    if (strcmp(w.state, "approved") == 0)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "state",
                          "write-off %lld was approved and posted",
                          (long long)ctx->id);
    tl_params_init(&p);
    tl_params_int64(&p, w.account_id);
    tl_params_int64(&p, ctx->id);
    tl_params_text(&p, ctx->actor);
    tl_params_date(&p, ctx->on);
    tl_params_text(&p, ctx->note);
    rc = tl_db_exec(db, "collections_writeoff_reject",
                    "UPDATE collections.write_off SET state = 'rejected',"
                    " decided_on = $4::date, decided_by = $3, note = $5"
                    " WHERE account_id = $1::bigint"
                    " AND writeoff_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return book_audit(
        db, ctx->actor, "writeoff.reject", "write_off", ctx->id, w.account_id,
        json_pack("{s:s}", "state", w.state),
        json_pack("{s:s, s:s}", "state", "rejected", "note", ctx->note), err);
}

int collections_writeoff_reject(tl_db *db, int64_t writeoff_id, tl_date on,
                                const char *note, const char *actor,
                                tl_err *err)
{
    decide_ctx ctx = {writeoff_id, on, note, actor, 0};

    if (note == NULL || note[0] == '\0')
        return tl_err_add(err, "required", "note", "a rejection needs a note");
    return tl_db_run_tx(db, "collections_writeoff_reject", reject_tx, &ctx,
                        err);
}

typedef struct list_ctx {
    collections_writeoff_fn fn;
    void *cls;
} list_ctx;

static int list_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    collections_writeoff w;

    memset(&w, 0, sizeof(w));
    if (tl_row_int64(row, "writeoff_id", &w.writeoff_id, err) < 0 ||
        tl_row_text(row, "account_number", &w.account_number, err) < 0 ||
        tl_row_text(row, "invoice_number", &w.invoice_number, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &w.amount, err) < 0 ||
        tl_row_text(row, "reason", &w.reason, err) < 0 ||
        tl_row_date(row, "requested_on", &w.requested_on, err) < 0 ||
        tl_row_text(row, "requested_by", &w.requested_by, err) < 0 ||
        tl_row_text(row, "state", &w.state, err) < 0 ||
        tl_row_text(row, "first", &w.first_approver, err) < 0 ||
        tl_row_text(row, "second", &w.second_approver, err) < 0 ||
        tl_row_bool(row, "needs_second", &w.needs_second, err) < 0 ||
        tl_row_text(row, "reference", &w.reference, err) < 0)
        return TL_ERROR;
    return ctx->fn(&w, ctx->cls, err);
}

int collections_writeoffs(tl_db *db, const char *state,
                          collections_writeoff_fn fn, void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, state);
    return tl_db_select(
        db, "collections_writeoffs",
        "SELECT w.writeoff_id, b.account_number, i.invoice_number,"
        " w.amount_minor, w.currency, w.reason, w.requested_on,"
        " w.requested_by, w.state, coalesce(w.first_approver, '') AS first,"
        " coalesce(w.second_approver, '') AS second,"
        " w.amount_minor > coalesce((SELECT p.second_above_minor"
        " FROM collections.writeoff_policy p"
        " WHERE p.currency = w.currency), 0) AS needs_second,"
        " CASE WHEN w.state = 'approved' THEN 'WO-' || w.writeoff_id"
        " ELSE '' END AS reference"
        " FROM collections.write_off w"
        " JOIN accounts.billing_account b ON b.account_id = w.account_id"
        " JOIN billing.invoice i ON i.account_id = w.account_id"
        " AND i.invoice_id = w.invoice_id"
        " WHERE ($1::text IS NULL OR w.state = $1) ORDER BY w.writeoff_id",
        &p, list_row, &ctx, err);
}
