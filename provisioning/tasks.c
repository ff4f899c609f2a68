/*
 * Provisioning tasks: created per order item from its product family when
 * an order is opened (the routing table below, documented in
 * provisioning.h), worked by their team, and checked for lateness: an
 * open task past its due date puts its order in jeopardy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

/* One routing rule: items of family (NULL: any) that build or change a
 * service (disconnect 0) or end one (disconnect 1) get this task, due
 * `offset` days from the order's due date. */
typedef struct task_rule {
    const char *family;
    int disconnect;
    int needs_route_miles;
    const char *team;
    const char *kind;
    int offset;
} task_rule;

static const task_rule rules[] = {
    {"dia", 0, 0, "network_admin", "assign IPv4 block and routing", -3},
    {"dia", 0, 0, "tech_support", "turn-up", 0},
    {"sip_trunk", 0, 0, "voice_admin", "numbering and DIDs", -3},
    {"sip_trunk", 0, 0, "tech_support", "turn-up", 0},
    {"isdn_pri", 0, 0, "voice_admin", "numbering and DIDs", -3},
    {"isdn_pri", 0, 0, "tech_support", "turn-up", 0},
    {"private_line", 0, 1, "fiber_deployment", "construction", -10},
    {"private_line", 0, 0, "network_admin", "routing", -3},
    {"private_line", 0, 0, "tech_support", "turn-up", 0},
    {"eodocsis", 0, 0, "tech_support", "modem activation", 0},
    {"managed", 0, 0, "network_admin", "configure device", -2},
    {"dia", 1, 0, "network_admin", "reclaim IPs", 0},
    {"private_line", 1, 0, "network_admin", "release routing", 0},
    {"managed", 1, 0, "network_admin", "release routing", 0},
    {"sip_trunk", 1, 0, "voice_admin", "release numbers", 0},
    {"isdn_pri", 1, 0, "voice_admin", "release numbers", 0},
    {NULL, 1, 0, "tech_support", "disconnect", 0},
};

static const char *const teams[] = {"network_admin", "voice_admin",
                                    "fiber_deployment", "tech_support", NULL};
static const char *const statuses[] = {"open", "in_progress", "done",
                                       "cancelled", NULL};

static int one_of(const char *const *list, const char *s)
{
    size_t i;

    for (i = 0; list[i] != NULL; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

/* ---- creating ---- */

typedef struct task_item {
    char item_id[72];
    char family[16];
    int disconnect;
    int route_miles;
    tl_date due;
} task_item;

#define MAX_ITEMS 512

typedef struct create_ctx {
    task_item items[MAX_ITEMS];
    size_t n;
} create_ctx;

static int task_item_row(const tl_row *row, void *cls, tl_err *err)
{
    create_ctx *ctx = cls;
    task_item *t;

    if (ctx->n >= MAX_ITEMS)
        return tl_err_set(err, TL_ERROR, "too_many", "",
                          "an order has more than %d items", MAX_ITEMS);
    t = &ctx->items[ctx->n];
    if (prov_copy_text(t->item_id, sizeof(t->item_id), row, "item_id", err) <
            0 ||
        prov_copy_text(t->family, sizeof(t->family), row, "family", err) < 0 ||
        tl_row_bool(row, "disconnect", &t->disconnect, err) < 0 ||
        tl_row_bool(row, "route_miles", &t->route_miles, err) < 0 ||
        tl_row_date(row, "due", &t->due, err) < 0)
        return TL_ERROR;
    ctx->n++;
    return 0;
}

static int insert_task(tl_db *db, int64_t account_id, int64_t order_id,
                       const task_item *t, const task_rule *r, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    tl_params_text(&p, t->item_id);
    tl_params_text(&p, r->team);
    tl_params_text(&p, r->kind);
    tl_params_date(&p, tl_date_add_days(t->due, r->offset));
    return tl_db_exec(db, "provisioning_task_insert",
                      "INSERT INTO provisioning.task (account_id, order_id,"
                      " item_id, team, kind, due_date)"
                      " VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6::date)"
                      " ON CONFLICT (account_id, order_id, item_id, kind)"
                      " DO NOTHING",
                      &p, err);
}

int prov_create_tasks(int *created, tl_db *db, int64_t account_id,
                      int64_t order_id, tl_err *err)
{
    create_ctx *ctx = NULL;
    tl_params p;
    size_t i;
    size_t j;
    int rc;

    *created = 0;
    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, order_id);
    rc = tl_db_select(
        db, "provisioning_task_items",
        "SELECT i.item_id, p.family, i.action = 'delete' AS disconnect,"
        " i.characteristics ? 'routeMiles' AS route_miles,"
        " coalesce(o.requested_start_date, current_date) AS due"
        " FROM orders.order_item i"
        " JOIN orders.sales_order o USING (account_id, order_id)"
        " JOIN catalog.product p ON p.product_id = i.product_id"
        " WHERE i.account_id = $1::bigint AND i.order_id = $2::bigint"
        " ORDER BY i.item_id",
        &p, task_item_row, ctx, err);
    for (i = 0; rc >= 0 && i < ctx->n; i++) {
        const task_item *t = &ctx->items[i];

        for (j = 0; rc >= 0 && j < sizeof(rules) / sizeof(rules[0]); j++) {
            const task_rule *r = &rules[j];

            if ((r->family != NULL && strcmp(r->family, t->family) != 0) ||
                r->disconnect != t->disconnect ||
                (r->needs_route_miles && !t->route_miles))
                continue;
            rc = insert_task(db, account_id, order_id, t, r, err);
            if (rc > 0)
                *created += rc;
        }
    }
    free(ctx);
    return rc < 0 ? rc : 0;
}

/* ---- listing ---- */

typedef struct list_ctx {
    provisioning_task_fn fn;
    void *cls;
} list_ctx;

static int task_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    provisioning_task_t t;

    memset(&t, 0, sizeof(t));
    if (tl_row_int64(row, "task_id", &t.task_id, err) < 0 ||
        tl_row_text(row, "order_number", &t.order_number, err) < 0 ||
        tl_row_text(row, "account_number", &t.account_number, err) < 0 ||
        tl_row_text(row, "item_id", &t.item_id, err) < 0 ||
        tl_row_text(row, "circuit_id", &t.circuit_id, err) < 0 ||
        tl_row_text(row, "team", &t.team, err) < 0 ||
        tl_row_text(row, "kind", &t.kind, err) < 0 ||
        tl_row_text(row, "owner", &t.owner, err) < 0 ||
        tl_row_date(row, "due_date", &t.due_date, err) < 0 ||
        tl_row_text(row, "status", &t.status, err) < 0 ||
        tl_row_text(row, "reason", &t.reason, err) < 0)
        return TL_ERROR;
    return ctx->fn(&t, ctx->cls, err);
}

#define TASK_COLUMNS                                                           \
    "SELECT t.task_id, o.order_number, a.account_number, t.item_id,"           \
    " coalesce(s.circuit_id, '') AS circuit_id, t.team, t.kind,"               \
    " coalesce(t.owner, '') AS owner, t.due_date, t.status, t.reason"          \
    " FROM provisioning.task t"                                                \
    " JOIN orders.sales_order o USING (account_id, order_id)"                  \
    " JOIN orders.order_item i USING (account_id, order_id, item_id)"          \
    " JOIN accounts.billing_account a ON a.account_id = t.account_id"          \
    " LEFT JOIN provisioning.service s ON s.account_id = t.account_id"         \
    "  AND ((i.action = 'add' AND s.order_id = t.order_id"                     \
    "        AND s.item_id = t.item_id)"                                       \
    "   OR (i.action <> 'add' AND s.circuit_id = i.service_ref))"

int provisioning_task_list(tl_db *db, const provisioning_task_filter *f,
                           provisioning_task_fn fn, void *cls, tl_err *err)
{
    list_ctx ctx = {fn, cls};
    tl_params p;

    if (f->team != NULL && !one_of(teams, f->team))
        return tl_err_add(err, "unknown_team", "team",
                          "%s is not a team: use network_admin, voice_admin, "
                          "fiber_deployment or tech_support",
                          f->team);
    if (f->status != NULL && !one_of(statuses, f->status))
        return tl_err_add(err, "unknown_status", "status",
                          "%s is not a task status: use open, in_progress, "
                          "done or cancelled",
                          f->status);
    tl_params_init(&p);
    tl_params_text(&p, f->team);
    tl_params_text(&p, f->status);
    tl_params_text(&p, f->order_number);
    tl_params_bool(&p, f->overdue);
    tl_params_date(&p, f->as_of);
    return tl_db_select(db, "provisioning_task_list",
                        TASK_COLUMNS
                        " WHERE ($1::text IS NULL OR t.team = $1)"
                        " AND ($2::text IS NULL OR t.status = $2)"
                        " AND ($3::text IS NULL OR o.order_number = $3)"
                        " AND (NOT $4::boolean OR (t.status IN ('open',"
                        "  'in_progress') AND t.due_date < $5::date))"
                        " ORDER BY t.due_date, t.task_id",
                        &p, task_row, &ctx, err);
}

/* ---- working a task ---- */

typedef struct task_change {
    int64_t task_id;
    const char *owner;  /* assign */
    const char *status; /* set status */
    const char *reason;
    const char *actor;
} task_change;

static int load_task(int64_t *account_id, char *status, size_t size, tl_db *db,
                     int64_t task_id, tl_err *err)
{
    PGresult *res = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, task_id);
    rc = tl_db_query_one(db, &res, "provisioning_task_get",
                         "SELECT account_id, status FROM provisioning.task"
                         " WHERE task_id = $1::bigint FOR UPDATE",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_task", "task",
                          "task %lld does not exist", (long long)task_id);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "account_id", account_id, err);
    if (rc == 0)
        rc = prov_copy_text(status, size, &row, "status", err);
    PQclear(res);
    return rc;
}

static int audit_task(const task_change *c, int64_t account_id,
                      const char *before, tl_db *db, tl_err *err)
{
    char key[24];
    json_t *b = json_pack("{s:s}", "status", before);
    json_t *a = json_pack(
        "{s:s, s:s, s:s}", "status", c->status ? c->status : before, "owner",
        c->owner ? c->owner : "", "reason", c->reason ? c->reason : "");
    int rc;

    snprintf(key, sizeof(key), "%lld", (long long)c->task_id);
    if (a == NULL || b == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    else
        rc = tl_audit(db, c->actor, c->owner ? "task.assign" : "task.status",
                      "task", key, account_id, b, a, err);
    json_decref(a);
    json_decref(b);
    return rc;
}

static int task_change_tx(tl_db *db, void *cls, tl_err *err)
{
    task_change *c = cls;
    int64_t account_id = 0;
    char status[16];
    tl_params p;
    int rc;

    rc = load_task(&account_id, status, sizeof(status), db, c->task_id, err);
    if (rc < 0)
        return rc;
    if (c->status != NULL && strcmp(status, c->status) == 0)
        return 0;
    if (strcmp(status, "done") == 0 || strcmp(status, "cancelled") == 0)
        return tl_err_set(err, TL_ECONFLICT, "task_closed", "task",
                          "task %lld is already %s", (long long)c->task_id,
                          status);
    tl_params_init(&p);
    tl_params_int64(&p, account_id);
    tl_params_int64(&p, c->task_id);
    tl_params_text(&p, c->owner);
    tl_params_text(&p, c->status);
    tl_params_text(&p, c->reason);
    rc = tl_db_exec(db, "provisioning_task_update",
                    "UPDATE provisioning.task SET"
                    " owner = coalesce($3, owner),"
                    " status = coalesce($4, status),"
                    " reason = coalesce($5, reason),"
                    " updated_at = now(),"
                    " closed_at = CASE WHEN $4 IN ('done', 'cancelled')"
                    "  THEN now() END"
                    " WHERE account_id = $1::bigint AND task_id = $2::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    return audit_task(c, account_id, status, db, err);
}

int provisioning_task_assign(tl_db *db, int64_t task_id, const char *owner,
                             const char *actor, tl_err *err)
{
    task_change c = {task_id, owner, NULL, NULL, actor};

    if (owner == NULL || owner[0] == '\0')
        return tl_err_add(err, "required", "owner", "name the owner");
    return tl_db_run_tx(db, "provisioning_task_assign", task_change_tx, &c,
                        err);
}

int provisioning_task_set_status(tl_db *db, int64_t task_id, const char *status,
                                 const char *reason, const char *actor,
                                 tl_err *err)
{
    task_change c = {task_id, NULL, status, reason, actor};

    if (strcmp(status, "in_progress") != 0 && strcmp(status, "done") != 0 &&
        strcmp(status, "cancelled") != 0)
        return tl_err_add(err, "unknown_status", "status",
                          "a task is started, done or cancelled, not %s",
                          status);
    if (strcmp(status, "cancelled") == 0 && (reason == NULL || !reason[0]))
        return tl_err_add(err, "required", "reason",
                          "say why the task is cancelled");
    return tl_db_run_tx(db, "provisioning_task_set_status", task_change_tx, &c,
                        err);
}

/* ---- jeopardy ---- */

#define TASK_REASON_PREFIX "task "
#define MAX_ORDERS 10000

typedef struct flag {
    int64_t account_id;
    int64_t order_id;
    char reason[256]; /* "" to clear */
    tl_date since;
} flag;

typedef struct check_ctx {
    tl_date as_of;
    const char *actor;
    flag *flags;
    size_t n;
    provisioning_task_check_result *out;
} check_ctx;

static int check_row(const tl_row *row, void *cls, tl_err *err)
{
    check_ctx *ctx = cls;
    const char *reason = NULL;
    flag *f;
    int isnull = 0;

    if (ctx->n >= MAX_ORDERS)
        return tl_err_set(err, TL_ERROR, "too_many", "",
                          "more than %d orders to check", MAX_ORDERS);
    f = &ctx->flags[ctx->n];
    memset(f, 0, sizeof(*f));
    if (tl_row_int64(row, "account_id", &f->account_id, err) < 0 ||
        tl_row_int64(row, "order_id", &f->order_id, err) < 0 ||
        tl_row_text(row, "reason", &reason, err) < 0 ||
        tl_row_date_opt(row, "since", &f->since, &isnull, err) < 0)
        return TL_ERROR;
    snprintf(f->reason, sizeof(f->reason), "%s", reason ? reason : "");
    ctx->n++;
    return 0;
}

/* One event per run that changed something, with its counts. */
static int audit_check(const check_ctx *ctx, tl_db *db, tl_err *err)
{
    char day[16];
    json_t *after;
    int rc;

    tl_date_format(day, sizeof(day), ctx->as_of);
    after = json_pack("{s:s, s:i, s:i}", "asOf", day, "flagged",
                      ctx->out->flagged, "cleared", ctx->out->cleared);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "task.check", "task", "jeopardy", 0, NULL,
                  after, err);
    json_decref(after);
    return rc;
}

/* Orders with an overdue open task and the reason they should carry (the
 * earliest such task), and orders flagged for a task that should not be
 * any more (reason NULL), leaving those whose flag is already right. */
static int check_tx(tl_db *db, void *cls, tl_err *err)
{
    check_ctx *ctx = cls;
    tl_params p;
    size_t i;
    int rc;

    ctx->n = 0;
    ctx->out->flagged = 0;
    ctx->out->cleared = 0;
    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    rc = tl_db_select(
        db, "provisioning_task_check",
        "WITH late AS (SELECT DISTINCT ON (t.account_id, t.order_id)"
        "  t.account_id, t.order_id,"
        "  'task ' || t.kind || ' (' || t.team || ') overdue since '"
        "   || to_char(t.due_date, 'YYYY-MM-DD') AS reason,"
        "  t.due_date + 1 AS since"
        "  FROM provisioning.task t"
        "  JOIN orders.sales_order o USING (account_id, order_id)"
        "  WHERE t.status IN ('open', 'in_progress')"
        "  AND t.due_date < $1::date"
        "  AND o.state IN ('accepted', 'in_provisioning')"
        "  ORDER BY t.account_id, t.order_id, t.due_date, t.task_id)"
        " SELECT l.account_id, l.order_id, l.reason, l.since"
        " FROM late l JOIN orders.sales_order o USING (account_id, order_id)"
        " WHERE o.jeopardy_reason IS DISTINCT FROM l.reason"
        " UNION ALL"
        " SELECT o.account_id, o.order_id, NULL, NULL"
        " FROM orders.sales_order o"
        " WHERE o.jeopardy_reason LIKE 'task %'"
        " AND NOT EXISTS (SELECT 1 FROM late l"
        "  WHERE l.account_id = o.account_id AND l.order_id = o.order_id)"
        " ORDER BY 1, 2",
        &p, check_row, ctx, err);
    for (i = 0; rc >= 0 && i < ctx->n; i++) {
        const flag *f = &ctx->flags[i];

        rc =
            orders_set_jeopardy(db, f->account_id, f->order_id,
                                f->reason[0] ? f->reason : NULL, f->since, err);
        if (f->reason[0])
            ctx->out->flagged++;
        else
            ctx->out->cleared++;
    }
    if (rc < 0)
        return rc;
    if (ctx->n == 0)
        return 0;
    return audit_check(ctx, db, err);
}

int provisioning_task_check(provisioning_task_check_result *out, tl_db *db,
                            tl_date as_of, const char *actor, tl_err *err)
{
    check_ctx ctx;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&ctx, 0, sizeof(ctx));
    ctx.as_of = as_of;
    ctx.actor = actor;
    ctx.out = out;
    ctx.flags = calloc(MAX_ORDERS, sizeof(flag));
    if (ctx.flags == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_db_run_tx(db, "provisioning_task_check", check_tx, &ctx, err);
    free(ctx.flags);
    return rc;
}
