/*
 * The rest of a collector's day: escalation levels with their history,
 * credit inquiries and applications, deposits asked of risky accounts,
 * payment methods on file (last four digits only), the credit-risk list,
 * accounts with incomplete files, and the payment-status lookup read to a
 * customer on the phone. Each recorded fact is keyed so that recording it
 * again changes nothing, and each is audited.
 */
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "collections/acct.h"
#include "collections/book_internal.h"
#include "collections/ledger_internal.h"

/* What payment p had left on the status date ($2). */
#define PAYMENT_LEFT_AS_OF                                                     \
    COLLECTIONS_PAYMENT_LEFT_ON("p.account_id", "p.payment_id", "$2::date")

static int one_of(const char *v, const char *const *list)
{
    size_t i;

    for (i = 0; v != NULL && list[i] != NULL; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

static int empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static int id_row(const tl_row *row, void *cls, tl_err *err)
{
    return tl_row_int64(row, "id", cls, err);
}

/* Runs `find` (returning "id"); when it finds nothing runs `insert`
 * (returning "id") and sets *created. Both take the same parameters. */
static int find_or_insert(int64_t *id, int *created, tl_db *db,
                          const char *find_name, const char *find_sql,
                          const char *ins_name, const char *ins_sql,
                          const tl_params *find_p, const tl_params *ins_p,
                          tl_err *err)
{
    int rc;

    *created = 0;
    rc = tl_db_select(db, find_name, find_sql, find_p, id_row, id, err);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    rc = tl_db_select(db, ins_name, ins_sql, ins_p, id_row, id, err);
    if (rc < 0)
        return rc;
    *created = 1;
    return 0;
}

/* ---- escalation ---- */

static const char *const levels[] = {"collector", "supervisor", "agency",
                                     "legal", NULL};

typedef struct esc_ctx {
    const char *account;
    const char *level;
    const char *reason;
    tl_date on;
    const char *actor;
    int64_t id;
    int created;
} esc_ctx;

static int esc_tx(tl_db *db, void *cls, tl_err *err)
{
    esc_ctx *ctx = cls;
    accounts_account_t acct;
    tl_params f;
    tl_params p;
    char day[16];
    int rc;

    rc = accounts_get(&acct, db, ctx->account, err);
    if (rc < 0)
        return rc;
    tl_params_init(&f);
    tl_params_int64(&f, acct.account_id);
    tl_params_date(&f, ctx->on);
    tl_params_text(&f, ctx->level);
    p = f;
    tl_params_text(&p, ctx->reason);
    tl_params_text(&p, ctx->actor);
    rc = find_or_insert(
        &ctx->id, &ctx->created, db, "collections_escalation_find",
        "SELECT escalation_id AS id FROM collections.escalation"
        " WHERE account_id = $1::bigint AND escalated_on = $2::date"
        " AND level = $3",
        "collections_escalation_insert",
        "INSERT INTO collections.escalation (account_id, escalated_on, level,"
        " reason, escalated_by) VALUES ($1::bigint, $2::date, $3, $4, $5)"
        " RETURNING escalation_id AS id",
        &f, &p, err);
    if (rc < 0 || !ctx->created)
        return rc;
    return book_audit(db, ctx->actor, "account.escalate", "escalation", ctx->id,
                      acct.account_id, NULL,
                      json_pack("{s:s, s:s, s:s}", "level", ctx->level,
                                "reason", ctx->reason, "date",
                                book_date(day, ctx->on)),
                      err);
}

int collections_escalate(int64_t *escalation_id, int *created, tl_db *db,
                         const char *account_number, const char *level,
                         const char *reason, tl_date on, const char *actor,
                         tl_err *err)
{
    esc_ctx ctx = {account_number, level, reason, on, actor, 0, 0};
    int rc;

    *escalation_id = 0;
    *created = 0;
    if (!one_of(level, levels))
        tl_err_add(err, "invalid", "level",
                   "level must be collector, supervisor, agency or legal");
    if (empty(reason))
        tl_err_add(err, "required", "reason", "an escalation needs a reason");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "collections_escalate", esc_tx, &ctx, err);
    if (rc == 0) {
        *escalation_id = ctx.id;
        *created = ctx.created;
    }
    return rc;
}

typedef struct esc_list {
    collections_escalation_fn fn;
    void *cls;
} esc_list;

static int esc_row(const tl_row *row, void *cls, tl_err *err)
{
    esc_list *ctx = cls;
    collections_escalation e;

    memset(&e, 0, sizeof(e));
    if (tl_row_int64(row, "escalation_id", &e.escalation_id, err) < 0 ||
        tl_row_text(row, "account_number", &e.account_number, err) < 0 ||
        tl_row_text(row, "level", &e.level, err) < 0 ||
        tl_row_text(row, "reason", &e.reason, err) < 0 ||
        tl_row_date(row, "escalated_on", &e.on, err) < 0 ||
        tl_row_text(row, "escalated_by", &e.by, err) < 0 ||
        tl_row_bool(row, "current", &e.current, err) < 0)
        return TL_ERROR;
    return ctx->fn(&e, ctx->cls, err);
}

int collections_escalations(tl_db *db, const char *account_number,
                            collections_escalation_fn fn, void *cls,
                            tl_err *err)
{
    esc_list ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, account_number);
    return tl_db_select(
        db, "collections_escalations",
        "SELECT e.escalation_id, b.account_number, e.level, e.reason,"
        " e.escalated_on, e.escalated_by,"
        " row_number() OVER (PARTITION BY e.account_id"
        " ORDER BY e.escalated_on DESC, e.escalation_id DESC) = 1 AS current"
        " FROM collections.escalation e"
        " JOIN accounts.billing_account b ON b.account_id = e.account_id"
        " WHERE ($1::text IS NULL OR b.account_number = $1)"
        " ORDER BY b.account_number, e.escalated_on DESC,"
        " e.escalation_id DESC",
        &p, esc_row, &ctx, err);
}

/* ---- credit inquiries and applications ---- */

static const char *const outcomes[] = {"approved", "review", "declined", NULL};

typedef struct inq_ctx {
    const collections_inquiry_in *in;
    int64_t id;
    int created;
} inq_ctx;

static int inq_tx(tl_db *db, void *cls, tl_err *err)
{
    inq_ctx *ctx = cls;
    const collections_inquiry_in *in = ctx->in;
    accounts_account_t acct;
    tl_params f;
    tl_params p;
    char day[16];
    int rc;

    rc = accounts_get(&acct, db, in->account_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&f);
    tl_params_int64(&f, acct.account_id);
    tl_params_date(&f, in->date);
    tl_params_text(&f, in->bureau);
    p = f;
    tl_params_text(&p, in->outcome);
    if (in->score >= 0)
        tl_params_int64(&p, in->score);
    else
        tl_params_null(&p);
    tl_params_text(&p, in->note ? in->note : "");
    tl_params_text(&p, in->actor);
    rc = find_or_insert(
        &ctx->id, &ctx->created, db, "collections_inquiry_find",
        "SELECT inquiry_id AS id FROM collections.credit_inquiry"
        " WHERE account_id = $1::bigint AND inquired_on = $2::date"
        " AND bureau = $3",
        "collections_inquiry_insert",
        "INSERT INTO collections.credit_inquiry (account_id, inquired_on,"
        " bureau, outcome, score, note, recorded_by) VALUES ($1::bigint,"
        " $2::date, $3, $4, $5::int, $6, $7) RETURNING inquiry_id AS id",
        &f, &p, err);
    if (rc < 0 || !ctx->created)
        return rc;
    return book_audit(db, in->actor, "credit.inquiry", "credit_inquiry",
                      ctx->id, acct.account_id, NULL,
                      json_pack("{s:s, s:s, s:s, s:i}", "date",
                                book_date(day, in->date), "bureau", in->bureau,
                                "outcome", in->outcome, "score", in->score),
                      err);
}

int collections_credit_inquiry_add(int64_t *inquiry_id, int *created, tl_db *db,
                                   const collections_inquiry_in *in,
                                   tl_err *err)
{
    inq_ctx ctx = {in, 0, 0};
    int rc;

    *inquiry_id = 0;
    *created = 0;
    if (empty(in->bureau))
        tl_err_add(err, "required", "bureau", "name the bureau asked");
    if (!one_of(in->outcome, outcomes))
        tl_err_add(err, "invalid", "outcome",
                   "outcome must be approved, review or declined");
    if (in->score < -1 || in->score > 1000)
        tl_err_add(err, "invalid", "score", "a score is 0 to 1000");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "collections_credit_inquiry", inq_tx, &ctx, err);
    if (rc == 0) {
        *inquiry_id = ctx.id;
        *created = ctx.created;
    }
    return rc;
}

typedef struct app_ctx {
    const char *account;
    const char *reference;
    tl_date on;
    const char *actor;
    int created;
} app_ctx;

static int app_tx(tl_db *db, void *cls, tl_err *err)
{
    app_ctx *ctx = cls;
    accounts_account_t acct;
    char day[16];
    tl_params p;
    int rc;

    rc = accounts_get(&acct, db, ctx->account, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_text(&p, ctx->reference);
    tl_params_date(&p, ctx->on);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "collections_credit_application",
                    "INSERT INTO collections.credit_application (account_id,"
                    " reference, received_on, recorded_by) VALUES"
                    " ($1::bigint, $2, $3::date, $4)"
                    " ON CONFLICT (account_id, reference) DO NOTHING",
                    &p, err);
    if (rc <= 0)
        return rc;
    ctx->created = 1;
    return book_audit(db, ctx->actor, "credit.application",
                      "credit_application", acct.account_id, acct.account_id,
                      NULL,
                      json_pack("{s:s, s:s}", "reference", ctx->reference,
                                "receivedOn", book_date(day, ctx->on)),
                      err);
}

int collections_credit_application_add(int *created, tl_db *db,
                                       const char *account_number,
                                       const char *reference, tl_date on,
                                       const char *actor, tl_err *err)
{
    app_ctx ctx = {account_number, reference, on, actor, 0};
    int rc;

    *created = 0;
    if (empty(reference))
        return tl_err_add(err, "required", "reference",
                          "name the application's document reference");
    rc = tl_db_run_tx(db, "collections_credit_application", app_tx, &ctx, err);
    if (rc == 0)
        *created = ctx.created;
    return rc;
}

/* ---- deposits ---- */

typedef struct dep_ctx {
    const char *account;
    const tl_money *amount;
    const char *reason;
    tl_date on;
    const char *actor;
    int64_t id;
    int created;
    const char *state;
} dep_ctx;

static int dep_tx(tl_db *db, void *cls, tl_err *err)
{
    dep_ctx *ctx = cls;
    accounts_account_t acct;
    tl_params f;
    tl_params p;
    char day[16];
    int rc;

    rc = accounts_get(&acct, db, ctx->account, err);
    if (rc < 0)
        return rc;
    if (strcmp(acct.currency, ctx->amount->cur) != 0)
        return tl_err_add(err, "currency", "amount",
                          "account %s is billed in %s, not %s",
                          acct.account_number, acct.currency, ctx->amount->cur);
    tl_params_init(&f);
    tl_params_int64(&f, acct.account_id);
    tl_params_date(&f, ctx->on);
    tl_params_text(&f, ctx->reason);
    p = f;
    tl_params_int64(&p, ctx->amount->minor);
    tl_params_text(&p, acct.currency);
    tl_params_text(&p, ctx->actor);
    rc = find_or_insert(
        &ctx->id, &ctx->created, db, "collections_deposit_find",
        "SELECT deposit_id AS id FROM collections.deposit"
        " WHERE account_id = $1::bigint AND requested_on = $2::date"
        " AND reason = $3",
        "collections_deposit_insert",
        "INSERT INTO collections.deposit (account_id, requested_on, reason,"
        " amount_minor, currency, requested_by) VALUES ($1::bigint, $2::date,"
        " $3, $4::bigint, $5, $6) RETURNING deposit_id AS id",
        &f, &p, err);
    if (rc < 0 || !ctx->created)
        return rc;
    return book_audit(db, ctx->actor, "deposit.request", "deposit", ctx->id,
                      acct.account_id, NULL,
                      json_pack("{s:I, s:s, s:s, s:s}", "amountMinor",
                                (json_int_t)ctx->amount->minor, "currency",
                                acct.currency, "reason", ctx->reason, "date",
                                book_date(day, ctx->on)),
                      err);
}

int collections_deposit_request(int64_t *deposit_id, int *created, tl_db *db,
                                const char *account_number,
                                const tl_money *amount, const char *reason,
                                tl_date on, const char *actor, tl_err *err)
{
    dep_ctx ctx = {account_number, amount, reason, on, actor, 0, 0, NULL};
    int rc;

    *deposit_id = 0;
    *created = 0;
    if (amount->minor <= 0)
        tl_err_add(err, "invalid", "amount",
                   "a deposit must be greater than zero");
    if (empty(reason))
        tl_err_add(err, "required", "reason", "say why the deposit is asked");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    rc = tl_db_run_tx(db, "collections_deposit_request", dep_tx, &ctx, err);
    if (rc == 0) {
        *deposit_id = ctx.id;
        *created = ctx.created;
    }
    return rc;
}

typedef struct dep_state {
    int found;
    int64_t account_id;
    char state[16];
} dep_state;

static int dep_state_row(const tl_row *row, void *cls, tl_err *err)
{
    dep_state *d = cls;
    const char *s = NULL;

    d->found = 1;
    if (tl_row_int64(row, "account_id", &d->account_id, err) < 0 ||
        tl_row_text(row, "state", &s, err) < 0)
        return TL_ERROR;
    snprintf(d->state, sizeof(d->state), "%s", s);
    return 0;
}

static int decide_tx(tl_db *db, void *cls, tl_err *err)
{
    dep_ctx *ctx = cls;
    dep_state d;
    tl_params p;
    int rc;

    memset(&d, 0, sizeof(d));
    tl_params_init(&p);
    tl_params_int64(&p, ctx->id);
    rc = tl_db_select(db, "collections_deposit_state",
                      "SELECT account_id, state FROM collections.deposit"
                      " WHERE deposit_id = $1::bigint FOR UPDATE",
                      &p, dep_state_row, &d, err);
    if (rc < 0)
        return rc;
    if (!d.found)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", "deposit",
                          "no deposit %lld", (long long)ctx->id);
    if (strcmp(d.state, ctx->state) == 0)
        return 0;
    if (strcmp(d.state, "requested") != 0)
        return tl_err_set(err, TL_ECONFLICT, "conflict", "state",
                          "deposit %lld was already %s", (long long)ctx->id,
                          d.state);
    tl_params_init(&p);
    tl_params_int64(&p, d.account_id);
    tl_params_int64(&p, ctx->id);
    tl_params_text(&p, ctx->state);
    tl_params_date(&p, ctx->on);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "collections_deposit_decide",
                    "UPDATE collections.deposit SET state = $3,"
                    " decided_on = $4::date, decided_by = $5"
                    " WHERE account_id = $1::bigint"
                    " AND deposit_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return book_audit(db, ctx->actor, "deposit.decide", "deposit", ctx->id,
                      d.account_id, json_pack("{s:s}", "state", d.state),
                      json_pack("{s:s}", "state", ctx->state), err);
}

int collections_deposit_decide(tl_db *db, int64_t deposit_id, const char *state,
                               tl_date on, const char *actor, tl_err *err)
{
    static const char *const states[] = {"received", "waived", NULL};
    dep_ctx ctx;

    if (!one_of(state, states))
        return tl_err_add(err, "invalid", "state",
                          "a deposit is marked received or waived");
    memset(&ctx, 0, sizeof(ctx));
    ctx.id = deposit_id;
    ctx.state = state;
    ctx.on = on;
    ctx.actor = actor;
    return tl_db_run_tx(db, "collections_deposit_decide", decide_tx, &ctx, err);
}

typedef struct dep_list {
    collections_deposit_fn fn;
    void *cls;
} dep_list;

static int dep_row(const tl_row *row, void *cls, tl_err *err)
{
    dep_list *ctx = cls;
    collections_deposit d;

    memset(&d, 0, sizeof(d));
    if (tl_row_int64(row, "deposit_id", &d.deposit_id, err) < 0 ||
        tl_row_text(row, "account_number", &d.account_number, err) < 0 ||
        tl_row_money(row, "amount_minor", "currency", &d.amount, err) < 0 ||
        tl_row_text(row, "reason", &d.reason, err) < 0 ||
        tl_row_date(row, "requested_on", &d.requested_on, err) < 0 ||
        tl_row_text(row, "state", &d.state, err) < 0)
        return TL_ERROR;
    return ctx->fn(&d, ctx->cls, err);
}

int collections_deposits(tl_db *db, const char *account_number,
                         collections_deposit_fn fn, void *cls, tl_err *err)
{
    dep_list ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, account_number);
    return tl_db_select(db, "collections_deposits",
                        "SELECT d.deposit_id, b.account_number,"
                        " d.amount_minor, d.currency, d.reason,"
                        " d.requested_on, d.state"
                        " FROM collections.deposit d"
                        " JOIN accounts.billing_account b"
                        " ON b.account_id = d.account_id"
                        " WHERE ($1::text IS NULL OR b.account_number = $1)"
                        " ORDER BY d.deposit_id",
                        &p, dep_row, &ctx, err);
}

/* ---- payment methods ---- */

static const char *const method_kinds[] = {"card", "ach", "wire", "check",
                                           NULL};

/* The last four digits of a number typed with spaces or dashes; -1 when
 * it has anything else or fewer than four digits. */
static int last_four(char out[5], const char *number)
{
    char digits[5] = "";
    size_t n = 0;
    const char *s;

    if (number == NULL)
        return -1;
    for (s = number; *s != '\0'; s++) {
        if (*s == ' ' || *s == '-')
            continue;
        if (*s < '0' || *s > '9')
            return -1;
        memmove(digits, digits + (n >= 4 ? 1 : 0), 4);
        digits[n >= 4 ? 3 : n] = *s;
        digits[4] = '\0';
        if (n < 4)
            n++;
    }
    if (n < 4)
        return -1;
    memcpy(out, digits, 5);
    return 0;
}

typedef struct pm_ctx {
    const char *account;
    const char *kind;
    char last4[5];
    const char *label;
    tl_date on;
    const char *actor;
    int64_t id;
    int created;
} pm_ctx;

static int pm_tx(tl_db *db, void *cls, tl_err *err)
{
    pm_ctx *ctx = cls;
    accounts_account_t acct;
    tl_params f;
    tl_params p;
    int rc;

    rc = accounts_get(&acct, db, ctx->account, err);
    if (rc < 0)
        return rc;
    tl_params_init(&f);
    tl_params_int64(&f, acct.account_id);
    tl_params_text(&f, ctx->kind);
    tl_params_text(&f, ctx->last4);
    p = f;
    tl_params_text(&p, ctx->label ? ctx->label : "");
    tl_params_date(&p, ctx->on);
    tl_params_text(&p, ctx->actor);
    rc = find_or_insert(
        &ctx->id, &ctx->created, db, "collections_method_find",
        "SELECT method_id AS id FROM collections.payment_method"
        " WHERE account_id = $1::bigint AND kind = $2 AND last4 = $3",
        "collections_method_insert",
        "INSERT INTO collections.payment_method (account_id, kind, last4,"
        " label, added_on, added_by) VALUES ($1::bigint, $2, $3, $4,"
        " $5::date, $6) RETURNING method_id AS id",
        &f, &p, err);
    if (rc < 0 || !ctx->created)
        return rc;
    return book_audit(db, ctx->actor, "payment_method.add", "payment_method",
                      ctx->id, acct.account_id, NULL,
                      json_pack("{s:s, s:s, s:s}", "kind", ctx->kind, "last4",
                                ctx->last4, "label",
                                ctx->label ? ctx->label : ""),
                      err);
}

int collections_payment_method_add(int64_t *method_id, int *created, tl_db *db,
                                   const char *account_number, const char *kind,
                                   const char *number, const char *label,
                                   tl_date on, const char *actor, tl_err *err)
{
    pm_ctx ctx;
    int rc;

    *method_id = 0;
    *created = 0;
    memset(&ctx, 0, sizeof(ctx));
    if (!one_of(kind, method_kinds))
        tl_err_add(err, "invalid", "kind",
                   "kind must be card, ach, wire or check");
    if (last_four(ctx.last4, number) < 0)
        tl_err_add(err, "invalid", "number",
                   "give the card or account number (digits, spaces, "
                   "dashes; at least the last four digits)");
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    ctx.account = account_number;
    ctx.kind = kind;
    ctx.label = label;
    ctx.on = on;
    ctx.actor = actor;
    rc = tl_db_run_tx(db, "collections_payment_method_add", pm_tx, &ctx, err);
    if (rc == 0) {
        *method_id = ctx.id;
        *created = ctx.created;
    }
    return rc;
}

typedef struct pm_list {
    collections_payment_method_fn fn;
    void *cls;
} pm_list;

static int pm_row(const tl_row *row, void *cls, tl_err *err)
{
    pm_list *ctx = cls;
    collections_payment_method m;

    memset(&m, 0, sizeof(m));
    if (tl_row_int64(row, "method_id", &m.method_id, err) < 0 ||
        tl_row_text(row, "account_number", &m.account_number, err) < 0 ||
        tl_row_text(row, "kind", &m.kind, err) < 0 ||
        tl_row_text(row, "last4", &m.last4, err) < 0 ||
        tl_row_text(row, "label", &m.label, err) < 0)
        return TL_ERROR;
    return ctx->fn(&m, ctx->cls, err);
}

int collections_payment_methods(tl_db *db, const char *account_number,
                                collections_payment_method_fn fn, void *cls,
                                tl_err *err)
{
    pm_list ctx = {fn, cls};
    accounts_account_t acct;
    tl_params p;
    int rc;

    rc = accounts_get(&acct, db, account_number, err);
    if (rc < 0)
        return rc;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    return tl_db_select(db, "collections_payment_methods",
                        "SELECT m.method_id, b.account_number, m.kind,"
                        " m.last4, m.label FROM collections.payment_method m"
                        " JOIN accounts.billing_account b"
                        " ON b.account_id = m.account_id"
                        " WHERE m.account_id = $1::bigint"
                        " ORDER BY m.method_id",
                        &p, pm_row, &ctx, err);
}

/* ---- credit-risk list ---- */

typedef struct risk_list {
    collections_risk_fn fn;
    void *cls;
} risk_list;

static int risk_row(const tl_row *row, void *cls, tl_err *err)
{
    risk_list *ctx = cls;
    collections_risk r;
    const char *cur = NULL;
    int isnull = 0;

    memset(&r, 0, sizeof(r));
    if (tl_row_text(row, "account_number", &r.account_number, err) < 0 ||
        tl_row_text(row, "name", &r.account_name, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "open_total", &r.open_total, err) < 0 ||
        tl_row_int64_opt(row, "credit_limit_minor", &r.credit_limit, &isnull,
                         err) < 0 ||
        tl_row_bool(row, "over_limit", &r.over_limit, err) < 0 ||
        tl_row_int(row, "broken", &r.broken_promises, err) < 0 ||
        tl_row_int64(row, "over_90", &r.over_90, err) < 0 ||
        tl_row_bool(row, "has_deposit", &r.has_deposit, err) < 0)
        return TL_ERROR;
    if (isnull)
        r.credit_limit = -1;
    snprintf(r.currency, sizeof(r.currency), "%s", cur);
    return ctx->fn(&r, ctx->cls, err);
}

int collections_credit_risk(tl_db *db, tl_date as_of, collections_risk_fn fn,
                            void *cls, tl_err *err)
{
    risk_list ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, as_of);
    return tl_db_select(
        db, "collections_credit_risk",
        "WITH bal AS (SELECT account_id, sum(amount_minor)::bigint AS open"
        "  FROM collections.ledger_entry WHERE effective_date <= $1::date"
        "  GROUP BY account_id),"
        " old AS (SELECT account_id,"
        "  sum(open_minor - disputed_minor)::bigint AS over_90"
        "  FROM collections.receivable_open($1::date)"
        "  WHERE $1::date - due_date > 90 GROUP BY account_id),"
        " brk AS (SELECT account_id, count(*)::int AS broken"
        "  FROM collections.promise WHERE state = 'broken'"
        "  AND promised_date <= $1::date GROUP BY account_id),"
        " r AS (SELECT b.account_number, b.name, b.currency,"
        "  coalesce(bal.open, 0) AS open_total, b.credit_limit_minor,"
        "  coalesce(bal.open, 0) > coalesce(b.credit_limit_minor,"
        "  9223372036854775807) AS over_limit,"
        "  coalesce(brk.broken, 0) AS broken,"
        "  coalesce(old.over_90, 0) AS over_90,"
        "  EXISTS (SELECT 1 FROM collections.deposit d"
        "  WHERE d.account_id = b.account_id AND d.state = 'received'"
        "  AND d.decided_on <= $1::date) AS has_deposit"
        "  FROM accounts.billing_account b"
        "  LEFT JOIN bal ON bal.account_id = b.account_id"
        "  LEFT JOIN old ON old.account_id = b.account_id"
        "  LEFT JOIN brk ON brk.account_id = b.account_id)"
        " SELECT * FROM r WHERE over_limit OR broken > 0 OR over_90 > 0"
        " ORDER BY open_total DESC, account_number",
        &p, risk_row, &ctx, err);
}

/* ---- incomplete files ---- */

typedef struct inc_list {
    collections_incomplete_fn fn;
    void *cls;
} inc_list;

static int inc_row(const tl_row *row, void *cls, tl_err *err)
{
    inc_list *ctx = cls;
    collections_incomplete i;

    memset(&i, 0, sizeof(i));
    if (tl_row_text(row, "account_number", &i.account_number, err) < 0 ||
        tl_row_text(row, "name", &i.account_name, err) < 0 ||
        tl_row_bool(row, "no_contract", &i.missing_contract, err) < 0 ||
        tl_row_bool(row, "no_tax", &i.missing_tax_certificate, err) < 0 ||
        tl_row_bool(row, "no_application", &i.missing_credit_application, err) <
            0)
        return TL_ERROR;
    return ctx->fn(&i, ctx->cls, err);
}

int collections_incomplete_files(tl_db *db, tl_date as_of,
                                 collections_incomplete_fn fn, void *cls,
                                 tl_err *err)
{
    inc_list ctx = {fn, cls};
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, as_of);
    /* A reseller (wholesale customer) or an account that has ever had a
     * tax exemption needs a certificate in force on the day. */
    return tl_db_select(
        db, "collections_incomplete_files",
        "SELECT * FROM (SELECT b.account_number, b.name,"
        " NOT EXISTS (SELECT 1 FROM contracts.agreement a"
        "  WHERE a.account_id = b.account_id) AS no_contract,"
        " ((c.kind = 'wholesale' OR EXISTS (SELECT 1"
        "  FROM accounts.tax_exemption t WHERE t.account_id = b.account_id))"
        "  AND NOT EXISTS (SELECT 1 FROM accounts.tax_exemption t"
        "  WHERE t.account_id = b.account_id AND t.valid_from <= $1::date"
        "  AND (t.valid_to IS NULL OR t.valid_to > $1::date))) AS no_tax,"
        " NOT EXISTS (SELECT 1 FROM collections.credit_application x"
        "  WHERE x.account_id = b.account_id AND x.received_on <= $1::date)"
        "  AS no_application"
        " FROM accounts.billing_account b"
        " JOIN accounts.customer c ON c.customer_id = b.customer_id"
        " WHERE b.status <> 'closed') f"
        " WHERE no_contract OR no_tax OR no_application"
        " ORDER BY account_number",
        &p, inc_row, &ctx, err);
}

/* ---- payment status ---- */

typedef struct status_ctx {
    const char *cur;
    json_t *arr;
} status_ctx;

static json_t *amount_str(int64_t minor, const char *cur)
{
    char buf[32];
    tl_money m;

    if (tl_money_make(&m, minor, cur) != 0 ||
        tl_money_format(buf, sizeof(buf), &m) < 0)
        return NULL;
    return json_string(buf);
}

static int open_row(const tl_row *row, void *cls, tl_err *err)
{
    status_ctx *ctx = cls;
    const char *number = NULL;
    int64_t open = 0;
    int64_t disputed = 0;
    tl_date due = 0;
    int dpd = 0;
    char d[16];

    if (tl_row_text(row, "invoice_number", &number, err) < 0 ||
        tl_row_date(row, "due_date", &due, err) < 0 ||
        tl_row_int64(row, "open_minor", &open, err) < 0 ||
        tl_row_int64(row, "disputed_minor", &disputed, err) < 0 ||
        tl_row_int(row, "dpd", &dpd, err) < 0)
        return TL_ERROR;
    if (json_array_append_new(
            ctx->arr,
            json_pack("{s:s, s:s, s:o, s:o, s:i}", "invoice", number, "dueDate",
                      book_date(d, due), "open", amount_str(open, ctx->cur),
                      "disputed", amount_str(disputed, ctx->cur), "daysPastDue",
                      dpd)) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

static int pay_row(const tl_row *row, void *cls, tl_err *err)
{
    status_ctx *ctx = cls;
    const char *ref = NULL;
    const char *method = NULL;
    const char *applied = NULL;
    int64_t amount = 0;
    int64_t unapplied = 0;
    tl_date on = 0;
    json_t *app;
    json_error_t jerr;
    char d[16];

    if (tl_row_text(row, "reference", &ref, err) < 0 ||
        tl_row_text(row, "method", &method, err) < 0 ||
        tl_row_date(row, "received_date", &on, err) < 0 ||
        tl_row_int64(row, "amount_minor", &amount, err) < 0 ||
        tl_row_int64(row, "unapplied", &unapplied, err) < 0 ||
        tl_row_text(row, "applied", &applied, err) < 0)
        return TL_ERROR;
    app = json_loads(applied, 0, &jerr);
    if (app != NULL) {
        size_t i;
        json_t *a;

        /* minor units from SQL, shown as amounts of the account currency */
        json_array_foreach(app, i, a)
        {
            json_t *v = amount_str(
                (int64_t)json_integer_value(json_object_get(a, "amount")),
                ctx->cur);

            if (v == NULL || json_object_set_new(a, "amount", v) != 0) {
                json_decref(app);
                app = NULL;
                break;
            }
        }
    }
    if (app == NULL ||
        json_array_append_new(
            ctx->arr,
            json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "reference", ref,
                      "date", book_date(d, on), "method", method, "amount",
                      amount_str(amount, ctx->cur), "unapplied",
                      amount_str(unapplied, ctx->cur), "appliedTo", app)) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

static int promise_row(const tl_row *row, void *cls, tl_err *err)
{
    status_ctx *ctx = cls;
    int64_t amount = 0;
    tl_date by = 0;
    char d[16];

    if (tl_row_int64(row, "amount_minor", &amount, err) < 0 ||
        tl_row_date(row, "promised_date", &by, err) < 0)
        return TL_ERROR;
    if (json_array_append_new(ctx->arr, json_pack("{s:o, s:s}", "amount",
                                                  amount_str(amount, ctx->cur),
                                                  "by", book_date(d, by))) != 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

int collections_payment_status(json_t **out, tl_db *db,
                               const char *account_number,
                               const char *invoice_number, tl_date as_of,
                               tl_err *err)
{
    accounts_account_t acct;
    status_ctx inv = {NULL, NULL};
    status_ctx pay = {NULL, NULL};
    status_ctx prom = {NULL, NULL};
    tl_money bal;
    tl_params p;
    char d[16];
    int rc;

    *out = NULL;
    rc = accounts_get(&acct, db, account_number, err);
    if (rc < 0)
        return rc;
    rc = collections_account_balance(&bal, db, account_number, as_of, err);
    if (rc < 0)
        return rc;
    inv.cur = pay.cur = prom.cur = acct.currency;
    inv.arr = json_array();
    pay.arr = json_array();
    prom.arr = json_array();
    if (inv.arr == NULL || pay.arr == NULL || prom.arr == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_date(&p, as_of);
    tl_params_text(&p, invoice_number);
    rc = tl_db_select(db, "collections_status_open",
                      "SELECT i.invoice_number, o.due_date, o.open_minor,"
                      " o.disputed_minor, ($2::date - o.due_date) AS dpd"
                      " FROM collections.invoice_open($2::date) o"
                      " JOIN billing.invoice i ON i.account_id = o.account_id"
                      " AND i.invoice_id = o.invoice_id"
                      " WHERE o.account_id = $1::bigint"
                      " AND ($3::text IS NULL OR i.invoice_number = $3)"
                      " ORDER BY o.due_date, i.invoice_number",
                      &p, open_row, &inv, err);
    if (rc < 0)
        goto cleanup;
    rc = tl_db_select(
        db, "collections_status_payments",
        "SELECT p.reference, p.method, p.received_date, p.amount_minor,"
        " " PAYMENT_LEFT_AS_OF " AS unapplied,"
        " coalesce((SELECT json_agg(json_build_object('invoice',"
        "  x.invoice_number, 'amount', x.amt) ORDER BY x.invoice_number)::text"
        "  FROM (SELECT i.invoice_number, sum(a.amount_minor)::bigint AS amt"
        "  FROM collections.application a JOIN billing.invoice i"
        "  ON i.account_id = a.account_id AND i.invoice_id = a.invoice_id"
        "  WHERE a.account_id = p.account_id AND a.payment_id = p.payment_id"
        "  AND a.applied_date <= $2::date"
        "  GROUP BY i.invoice_number HAVING sum(a.amount_minor) <> 0) x),"
        "  '[]') AS applied"
        " FROM collections.payment p WHERE p.account_id = $1::bigint"
        " AND p.received_date <= $2::date"
        " AND ($3::text IS NULL OR EXISTS (SELECT 1"
        "  FROM collections.application a JOIN billing.invoice i"
        "  ON i.account_id = a.account_id AND i.invoice_id = a.invoice_id"
        "  WHERE a.account_id = p.account_id AND a.payment_id = p.payment_id"
        "  AND i.invoice_number = $3))"
        " ORDER BY p.received_date DESC, p.payment_id DESC LIMIT 5",
        &p, pay_row, &pay, err);
    if (rc < 0)
        goto cleanup;
    tl_params_init(&p);
    tl_params_int64(&p, acct.account_id);
    tl_params_date(&p, as_of);
    rc = tl_db_select(db, "collections_status_promises",
                      "SELECT amount_minor, promised_date"
                      " FROM collections.promise"
                      " WHERE account_id = $1::bigint AND state = 'pending'"
                      " AND promised_date >= $2::date"
                      " ORDER BY promised_date",
                      &p, promise_row, &prom, err);
    if (rc < 0)
        goto cleanup;
    *out = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "account",
                     acct.account_number, "name", acct.name, "currency",
                     acct.currency, "asOf", book_date(d, as_of), "balance",
                     amount_str(bal.minor, acct.currency), "openInvoices",
                     inv.arr, "payments", pay.arr, "promises", prom.arr);
    inv.arr = pay.arr = prom.arr = NULL;
    if (*out == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    else
        rc = 0;
cleanup:
    json_decref(inv.arr);
    json_decref(pay.arr);
    json_decref(prom.arr);
    return rc;
}
