/*
 * The contact log: calls, emails, letters and notes with a customer, each
 * with an outcome. Logging the same contact twice keeps one.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/book.h"
#include "collections/book_internal.h"

static const char *const channels[] = {"call", "email", "note", "letter", NULL};
static const char *const outcomes[] = {"reached",  "no_answer", "left_message",
                                       "promised", "disputed",  "refused",
                                       "sent",     "none",      NULL};

static int one_of(const char *v, const char *const *list)
{
    size_t i;

    for (i = 0; v != NULL && list[i] != NULL; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

typedef struct add_ctx {
    const collections_contact_in *in;
    int64_t contact_id;
    int created;
} add_ctx;

static int id_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "contact_id", cls, err);
}

static int add_tx(tl_db *db, void *cls, tl_err *err)
{
    add_ctx *ctx = cls;
    const collections_contact_in *in = ctx->in;
    accounts_account_t acct;
    char day[16];
    tl_params p;
    int rc;

    rc = accounts_get(&acct, db, in->account_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_date(&p, in->date);
    tl_params_text(&p, in->channel);
    tl_params_text(&p, in->outcome);
    tl_params_text(&p, in->note ? in->note : "");
    rc = tl_db_select(db, "collections_contact_existing",
                      "SELECT contact_id FROM collections.contact"
                      " WHERE account_id = $1::bigint"
                      " AND contact_date = $2::date AND channel = $3"
                      " AND outcome = $4 AND note = $5",
                      &p, id_row, &ctx->contact_id, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    tl_params_text(&p, in->actor);
    rc = tl_db_select(db, "collections_contact_insert",
                      "INSERT INTO collections.contact (account_id,"
                      " contact_date, channel, outcome, note, logged_by)"
                      " VALUES ($1::bigint, $2::date, $3, $4, $5, $6)"
                      " RETURNING contact_id",
                      &p, id_row, &ctx->contact_id, err);
    if (rc < 0)
        return rc;
    ctx->created = 1;
    return book_audit(db, in->actor, "contact.add", "contact", ctx->contact_id,
                      acct.account_id, NULL,
                      json_pack("{s:s, s:s, s:s, s:s}", "date",
                                book_date(day, in->date), "channel",
                                in->channel, "outcome", in->outcome, "note",
                                in->note ? in->note : ""),
                      err);
}

int collections_contact_add(int64_t *contact_id, int *created, tl_db *db,
                            const collections_contact_in *in, tl_err *err)
{
    add_ctx ctx = {in, 0, 0};
    int rc;

    *contact_id = 0;
    *created = 0;
    if (!one_of(in->channel, channels))
        tl_err_add(err, "invalid", "channel",
                   "channel must be call, email, note or letter");
    if (!one_of(in->outcome, outcomes))
        tl_err_add(err, "invalid", "outcome",
                   "outcome must be reached, no_answer, left_message, "
                   "promised, disputed, refused, sent or none");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "collections_contact_add", add_tx, &ctx, err);
    if (rc == 0) {
        *contact_id = ctx.contact_id;
        *created = ctx.created;
    }
    return rc;
}

typedef struct list_ctx {
    collections_contact_fn fn;
    void *cls;
} list_ctx;

static int list_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    collections_contact c;

    memset(&c, 0, sizeof(c));
    if (tl_row_int64(row, "contact_id", &c.contact_id, err) < 0 ||
        tl_row_text(row, "account_number", &c.account_number, err) < 0 ||
        tl_row_date(row, "contact_date", &c.date, err) < 0 ||
        tl_row_text(row, "channel", &c.channel, err) < 0 ||
        tl_row_text(row, "outcome", &c.outcome, err) < 0 ||
        tl_row_text(row, "note", &c.note, err) < 0 ||
        tl_row_text(row, "logged_by", &c.logged_by, err) < 0)
        return TL_ERROR;
    return ctx->fn(&c, ctx->cls, err);
}

int collections_contacts(tl_db *db, const char *account_number,
                         collections_contact_fn fn, void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, account_number);
    return tl_db_select(
        db, "collections_contacts",
        "SELECT c.contact_id, b.account_number, c.contact_date, c.channel,"
        " c.outcome, c.note, c.logged_by FROM collections.contact c"
        " JOIN accounts.billing_account b USING (account_id)"
        " WHERE ($1::text IS NULL OR b.account_number = $1)"
        " ORDER BY c.contact_date DESC, c.contact_id DESC",
        &p, list_row, &ctx, err);
}
