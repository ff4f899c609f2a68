/*
 * Milestones of order items and their consequences (provisioning.h): the
 * order rules between them, what each does to the service (install and
 * acceptance dates, a change applied, a disconnect), and the order moved
 * along its lifecycle once all of its items got there.
 */
#include <stdio.h>
#include <string.h>

#include "common/audit.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

/* Kinds in their order; disconnected ranks with installed (a disconnect
 * item has only foc before it). */
static const struct {
    const char *kind;
    int rank;
} kinds[] = {{PROVISIONING_FOC, 0},       {PROVISIONING_READY, 1},
             {PROVISIONING_INSTALLED, 2}, {PROVISIONING_TURN_UP, 3},
             {PROVISIONING_ACCEPTED, 4},  {PROVISIONING_DISCONNECTED, 2}};

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

static int kind_rank(const char *kind)
{
    size_t i;

    for (i = 0; i < N_KINDS; i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return kinds[i].rank;
    return -1;
}

static int kind_unknown(const char *kind, tl_err *err)
{
    return tl_err_add(err, "unknown_milestone", "kind",
                      "%s is not a milestone: use foc, ready_for_service, "
                      "installed, turn_up, customer_accepted or disconnected",
                      kind);
}

/* The milestones already recorded for an item. */
typedef struct recorded {
    char kind[N_KINDS][24];
    tl_date date[N_KINDS];
    size_t n;
} recorded;

static int recorded_row(const tl_row *row, void *cls, tl_err *err)
{
    recorded *r = cls;

    if (r->n >= N_KINDS)
        return tl_err_set(err, TL_ERROR, "internal", "kind",
                          "too many milestones");
    if (prov_copy_text(r->kind[r->n], sizeof(r->kind[0]), row, "kind", err) <
            0 ||
        tl_row_date(row, "milestone_date", &r->date[r->n], err) < 0)
        return TL_ERROR;
    r->n++;
    return 0;
}

static int load_recorded(recorded *r, tl_db *db, const prov_item_t *it,
                         tl_err *err)
{
    tl_params p;

    memset(r, 0, sizeof(*r));
    tl_params_init(&p);
    tl_params_int64(&p, it->account_id);
    tl_params_int64(&p, it->order_id);
    tl_params_text(&p, it->item_id);
    return tl_db_select(
        db, "provisioning_milestones_of_item",
        "SELECT kind, milestone_date FROM provisioning.milestone"
        " WHERE account_id = $1::bigint"
        " AND order_id = $2::bigint AND item_id = $3",
        &p, recorded_row, r, err);
}

static const tl_date *recorded_date(const recorded *r, const char *kind)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        if (strcmp(r->kind[i], kind) == 0)
            return &r->date[i];
    return NULL;
}

static int applicable(const prov_item_t *it, const char *kind, tl_err *err)
{
    int disconnect = strcmp(it->action, "delete") == 0;
    int ok;

    if (disconnect)
        ok = strcmp(kind, PROVISIONING_FOC) == 0 ||
             strcmp(kind, PROVISIONING_DISCONNECTED) == 0;
    else
        ok = strcmp(kind, PROVISIONING_DISCONNECTED) != 0;
    if (!ok)
        return tl_err_set(err, TL_ECONFLICT, "milestone_not_applicable", "kind",
                          "%s does not apply to item %s of order %s (%s); "
                          "%s",
                          kind, it->item_id, it->order_number, it->change_kind,
                          disconnect ? "a disconnect has foc and disconnected"
                                     : "only a disconnect is disconnected");
    return 0;
}

static int needs_installed(const prov_item_t *it, const char *kind,
                           const recorded *r, tl_err *err)
{
    const char *what;

    if (strcmp(kind, PROVISIONING_ACCEPTED) == 0)
        what = "accepted";
    else if (strcmp(kind, PROVISIONING_TURN_UP) == 0)
        what = "turned up";
    else
        return 0;
    if (recorded_date(r, PROVISIONING_INSTALLED) != NULL)
        return 0;
    return tl_err_set(err, TL_ECONFLICT, "milestone_out_of_order", "kind",
                      "%s cannot be %s before it is installed",
                      it->circuit_id[0] ? it->circuit_id : it->item_id, what);
}

/* Dates must follow the order of the kinds. */
static int check_order(const prov_item_t *it, const char *kind, tl_date date,
                       const recorded *r, tl_err *err)
{
    int rank = kind_rank(kind);
    char a[16];
    char b[16];
    size_t i;
    int rc;

    rc = needs_installed(it, kind, r, err);
    if (rc < 0)
        return rc;
    for (i = 0; i < r->n; i++) {
        int other = kind_rank(r->kind[i]);
        int before = other < rank && r->date[i] > date;
        int after = other > rank && r->date[i] < date;

        if (!before && !after)
            continue;
        tl_date_format(a, sizeof(a), date);
        tl_date_format(b, sizeof(b), r->date[i]);
        return tl_err_set(err, TL_ECONFLICT, "milestone_out_of_order", "date",
                          "%s on %s would be %s %s on %s", kind, a,
                          before ? "before" : "after", r->kind[i], b);
    }
    return 0;
}

static int check_not_before_billing(tl_db *db, const prov_item_t *it,
                                    tl_date date, tl_err *err)
{
    provisioning_service_t svc;
    char a[16];
    char b[16];
    int rc;

    rc = provisioning_service_get(&svc, db, it->circuit_id, err);
    if (rc < 0)
        return rc;
    if (!svc.has_billing_start || date >= svc.billing_start_date)
        return 0;
    tl_date_format(a, sizeof(a), date);
    tl_date_format(b, sizeof(b), svc.billing_start_date);
    return tl_err_set(err, TL_ECONFLICT, "milestone_out_of_order", "date",
                      "%s cannot be disconnected on %s, before its billing "
                      "started on %s",
                      svc.circuit_id, a, b);
}

static int set_service(tl_db *db, const prov_item_t *it, const char *name,
                       const char *sql, tl_date date, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, it->account_id);
    tl_params_int64(&p, it->service_id);
    tl_params_date(&p, date);
    return tl_db_exec(db, name, sql, &p, err);
}

static int apply_to_service(tl_db *db, const prov_item_t *it, const char *kind,
                            tl_date date, const char *actor, tl_err *err)
{
    int add = strcmp(it->action, "add") == 0;
    const char *version = NULL;
    int rc = 0;

    if (add && strcmp(kind, PROVISIONING_INSTALLED) == 0) {
        rc = set_service(db, it, "provisioning_set_install",
                         "UPDATE provisioning.service"
                         " SET install_date = $3::date"
                         " WHERE account_id = $1::bigint"
                         " AND service_id = $2::bigint",
                         date, err);
        version = "created";
    } else if (add && strcmp(kind, PROVISIONING_ACCEPTED) == 0) {
        rc = set_service(db, it, "provisioning_set_acceptance",
                         "UPDATE provisioning.service"
                         " SET acceptance_date = $3::date,"
                         " billing_start_date = $3::date,"
                         " state = CASE state WHEN 'pending' THEN 'active'"
                         "  ELSE state END"
                         " WHERE account_id = $1::bigint"
                         " AND service_id = $2::bigint",
                         date, err);
        version = "activated";
    } else if (!add && strcmp(kind, PROVISIONING_INSTALLED) == 0) {
        return prov_apply_change(db, it, date, actor, err);
    } else if (strcmp(kind, PROVISIONING_DISCONNECTED) == 0) {
        rc = check_not_before_billing(db, it, date, err);
        if (rc < 0)
            return rc;
        rc = set_service(db, it, "provisioning_set_disconnect",
                         "UPDATE provisioning.service"
                         " SET disconnect_date = $3::date,"
                         " state = 'disconnected'"
                         " WHERE account_id = $1::bigint"
                         " AND service_id = $2::bigint",
                         date, err);
        version = "disconnected";
    }
    if (rc < 0 || version == NULL)
        return rc < 0 ? rc : 0;
    return prov_add_version(db, it->account_id, it->service_id, version, date,
                            it->order_id, it->item_id, actor, err);
}

static int step(tl_db *db, const orders_order_t *o, const char *to,
                const char *actor, const char *reason, tl_err *err)
{
    return orders_transition(db, o->account_id, o->order_id, to, actor, reason,
                             err);
}

/* Moves the order as far as all its items allow, one state at a time from
 * where it is. */
static int advance_order(tl_db *db, const prov_item_t *it, const char *actor,
                         tl_err *err)
{
    orders_order_t o;
    int pending = 0;
    int installed = 0;
    int others = 0;
    int rc;

    rc = provisioning_count_open(&pending, &installed, &others, db,
                                 it->account_id, it->order_id, err);
    if (rc < 0 || pending > 0)
        return rc;
    rc = orders_get(&o, db, it->order_number, err);
    if (rc == 0 && strcmp(o.state, "in_provisioning") == 0)
        rc = step(db, &o, "installed", actor,
                  others ? "all services installed"
                         : "all services "
                           "disconnected",
                  err);
    if (rc < 0 || installed > 0)
        return rc;
    rc = orders_get(&o, db, it->order_number, err);
    /* an order that only disconnected services is done: nothing to
     * accept or bill */
    if (rc == 0 && others == 0 && strcmp(o.state, "installed") == 0)
        return step(db, &o, "completed", actor, "all services disconnected",
                    err);
    if (rc == 0 && strcmp(o.state, "installed") == 0)
        rc = step(db, &o, "customer_accepted", actor, "all services accepted",
                  err);
    if (rc == 0)
        rc = orders_get(&o, db, it->order_number, err);
    if (rc == 0 && strcmp(o.state, "customer_accepted") == 0)
        rc = step(db, &o, "billing", actor, "billing started", err);
    return rc;
}

static int audit_milestone(tl_db *db, const prov_item_t *it, const char *kind,
                           tl_date date, const char *actor, int automatic,
                           tl_err *err)
{
    char day[16];
    json_t *after;
    int rc;

    tl_date_format(day, sizeof(day), date);
    after = json_pack("{s:s, s:s, s:s, s:s, s:b}", "kind", kind, "date", day,
                      "order", it->order_number, "item", it->item_id,
                      "automatic", automatic);
    if (after == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    rc = tl_audit(db, actor, "service.milestone", "service", it->circuit_id,
                  it->account_id, NULL, after, err);
    json_decref(after);
    return rc;
}

static int in_provisioning(const prov_item_t *it, tl_err *err)
{
    static const char *const states[] = {"in_provisioning", "installed",
                                         "customer_accepted", "billing", NULL};
    size_t i;

    for (i = 0; states[i] != NULL; i++)
        if (strcmp(states[i], it->order_state) == 0)
            return 0;
    return tl_err_set(err, TL_ECONFLICT, "order_not_in_provisioning", "order",
                      "order %s is %s; milestones are recorded once it is "
                      "in provisioning",
                      it->order_number, it->order_state);
}

static int insert_milestone(tl_db *db, const prov_item_t *it, const char *kind,
                            tl_date date, const char *actor, int automatic,
                            tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, it->account_id);
    tl_params_int64(&p, it->service_id);
    tl_params_int64(&p, it->order_id);
    tl_params_text(&p, it->item_id);
    tl_params_text(&p, kind);
    tl_params_date(&p, date);
    tl_params_text(&p, actor);
    tl_params_bool(&p, automatic);
    return tl_db_exec(db, "provisioning_milestone_insert",
                      "INSERT INTO provisioning.milestone (account_id,"
                      " service_id, order_id, item_id, kind, milestone_date,"
                      " recorded_by, automatic)"
                      " VALUES ($1::bigint, $2::bigint, $3::bigint, $4, $5,"
                      " $6::date, $7, $8::boolean)",
                      &p, err);
}

int prov_milestone_tx(tl_db *db, const prov_item_t *it, const char *kind,
                      tl_date date, const char *actor, int automatic,
                      tl_err *err)
{
    const tl_date *stored;
    recorded r;
    char a[16];
    char b[16];
    int rc;

    rc = applicable(it, kind, err);
    if (rc == 0)
        rc = load_recorded(&r, db, it, err);
    if (rc < 0)
        return rc;
    stored = recorded_date(&r, kind);
    if (stored != NULL && *stored == date)
        return 0;
    if (stored != NULL) {
        tl_date_format(a, sizeof(a), *stored);
        tl_date_format(b, sizeof(b), date);
        return tl_err_set(err, TL_ECONFLICT, "milestone_recorded", "date",
                          "%s of %s is already recorded on %s, not %s", kind,
                          it->circuit_id[0] ? it->circuit_id : it->item_id, a,
                          b);
    }
    rc = in_provisioning(it, err);
    if (rc == 0 && it->service_id == 0)
        rc = tl_err_set(err, TL_ECONFLICT, "order_not_in_provisioning", "order",
                        "item %s of order %s has no service yet", it->item_id,
                        it->order_number);
    if (rc == 0)
        rc = check_order(it, kind, date, &r, err);
    if (rc == 0)
        rc = insert_milestone(db, it, kind, date, actor, automatic, err);
    if (rc >= 0)
        rc = apply_to_service(db, it, kind, date, actor, err);
    /* the FOC is the date the order is now held to */
    if (rc >= 0 && strcmp(kind, "foc") == 0)
        rc = orders_set_committed_date(db, it->account_id, it->order_id, date,
                                       err);
    if (rc >= 0)
        rc = audit_milestone(db, it, kind, date, actor, automatic, err);
    if (rc >= 0 && kind_rank(kind) >= 2)
        rc = advance_order(db, it, actor, err);
    return rc < 0 ? rc : 0;
}

typedef struct milestone_ctx {
    const char *circuit_id; /* or */
    const char *order_number;
    const char *item_id;
    const char *kind;
    tl_date date;
    const char *actor;
    provisioning_service_t *svc;
} milestone_ctx;

static int milestone_tx(tl_db *db, void *cls, tl_err *err)
{
    milestone_ctx *ctx = cls;
    prov_item_t it;
    int rc;

    if (ctx->circuit_id != NULL)
        rc = prov_item_for_circuit(&it, db, ctx->circuit_id, ctx->kind, err);
    else if (ctx->item_id != NULL)
        rc = prov_item_get(&it, db, ctx->order_number, ctx->item_id, err);
    else
        rc = prov_item_only(&it, db, ctx->order_number, err);
    if (rc < 0)
        return rc;
    rc = prov_milestone_tx(db, &it, ctx->kind, ctx->date, ctx->actor, 0, err);
    if (rc < 0)
        return rc;
    return provisioning_service_get(ctx->svc, db, it.circuit_id, err);
}

int provisioning_record_milestone(provisioning_service_t *out, tl_db *db,
                                  const char *circuit_id, const char *kind,
                                  tl_date date, const char *actor, tl_err *err)
{
    milestone_ctx ctx = {circuit_id, NULL, NULL, kind, date, actor, out};

    memset(out, 0, sizeof(*out));
    if (kind_rank(kind) < 0)
        return kind_unknown(kind, err);
    return tl_db_run_tx(db, "provisioning_record_milestone", milestone_tx, &ctx,
                        err);
}

int provisioning_record_item_milestone(provisioning_service_t *out, tl_db *db,
                                       const char *order_number,
                                       const char *item_id, const char *kind,
                                       tl_date date, const char *actor,
                                       tl_err *err)
{
    milestone_ctx ctx = {NULL, order_number, item_id, kind, date, actor, out};

    memset(out, 0, sizeof(*out));
    if (kind_rank(kind) < 0)
        return kind_unknown(kind, err);
    return tl_db_run_tx(db, "provisioning_record_item_milestone", milestone_tx,
                        &ctx, err);
}
