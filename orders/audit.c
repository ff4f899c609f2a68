/*
 * The sales audit of indirect-agent and wholesale orders: what finance and
 * the channel manager check before an agent is paid or a wholesale order
 * goes ahead. Findings per order (item_id "" for the order as a whole):
 *   missing_contract         no agreement in force on the requested date
 *   missing_tax_certificate  a wholesale customer without a resale (tax
 *                            exemption) certificate in force
 *   agent_not_of_record      the order's agent is not the account's agent
 *                            of record on the day the order came in
 *   price_below_contract     a quoted price under the contracted rate
 *   price_below_list         a quoted price under the list price (floor)
 *   probable_duplicate       an earlier open order for the same product at
 *                            the same address
 * The checks go through the accounts and contracts APIs, one order at a
 * time: the audit reads a few hundred orders, not a hot path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "contracts/contracts.h"
#include "orders/orders.h"

typedef struct audited_order {
    int64_t account_id;
    int64_t order_id;
    char order_number[24];
    char account_number[40];
    char agent_ref[72];
    char customer_kind[16];
    tl_date on;       /* requested start, else the day it came in */
    tl_date received; /* the day it came in */
} audited_order;

typedef struct audit_run {
    tl_db *db;
    orders_audit_fn fn;
    void *cls;
    int findings;
    audited_order *orders;
    size_t n;
    size_t cap;
} audit_run;

static int report(audit_run *run, const audited_order *o, const char *item_id,
                  const char *code, const char *message, tl_err *err)
{
    orders_audit_finding f;

    f.order_number = o->order_number;
    f.account_number = o->account_number;
    f.agent_ref = o->agent_ref;
    f.item_id = item_id;
    f.code = code;
    f.message = message;
    run->findings++;
    return run->fn(&f, run->cls, err);
}

static int collect_order(const tl_row *row, void *cls, tl_err *err)
{
    audit_run *run = cls;
    audited_order *o;
    const char *v[4] = {NULL, NULL, NULL, NULL};

    if (run->n == run->cap) {
        size_t cap = run->cap ? run->cap * 2 : 64;
        audited_order *grown = realloc(run->orders, cap * sizeof(*grown));
        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        run->orders = grown;
        run->cap = cap;
    }
    o = &run->orders[run->n];
    memset(o, 0, sizeof(*o));
    if (tl_row_int64(row, "account_id", &o->account_id, err) < 0 ||
        tl_row_int64(row, "order_id", &o->order_id, err) < 0 ||
        tl_row_text(row, "order_number", &v[0], err) < 0 ||
        tl_row_text(row, "account_number", &v[1], err) < 0 ||
        tl_row_text(row, "agent_ref", &v[2], err) < 0 ||
        tl_row_text(row, "customer_kind", &v[3], err) < 0 ||
        tl_row_date(row, "on_day", &o->on, err) < 0 ||
        tl_row_date(row, "received", &o->received, err) < 0)
        return TL_ERROR;
    snprintf(o->order_number, sizeof(o->order_number), "%s", v[0]);
    snprintf(o->account_number, sizeof(o->account_number), "%s", v[1]);
    snprintf(o->agent_ref, sizeof(o->agent_ref), "%s", v[2]);
    snprintf(o->customer_kind, sizeof(o->customer_kind), "%s", v[3]);
    run->n++;
    return 0;
}

static int check_contract(audit_run *run, const audited_order *o, tl_err *err)
{
    contracts_agreement_t ag;
    tl_err lookup = TL_ERR_INIT;
    char msg[512];
    char day[16];
    int rc = contracts_agreement_on(&ag, run->db, o->account_id, o->on,
                                    &lookup);

    if (rc != TL_ENOTFOUND) {
        if (rc < 0)
            tl_err_copy(err, &lookup);
        tl_err_clear(&lookup);
        return rc < 0 ? rc : 0;
    }
    tl_err_clear(&lookup);
    tl_date_format(day, sizeof(day), o->on);
    snprintf(msg, sizeof(msg),
             "no signed agreement of account %s is in force on %s",
             o->account_number, day);
    return report(run, o, "", "missing_contract", msg, err);
}

typedef struct cert_count {
    tl_date on;
    int in_force;
} cert_count;

static int count_certificate(const accounts_tax_exemption_t *x, void *payload)
{
    cert_count *c = payload;

    if (x->valid_from <= c->on && (!x->has_valid_to || x->valid_to > c->on))
        c->in_force++;
    return 0;
}

static int check_certificate(audit_run *run, const audited_order *o,
                             tl_err *err)
{
    cert_count count = {o->on, 0};
    char msg[512];
    char day[16];
    int rc;

    if (strcmp(o->customer_kind, "wholesale") != 0)
        return 0;
    rc = accounts_tax_exemptions(run->db, o->account_id, count_certificate,
                                 &count, err);
    if (rc < 0 || count.in_force > 0)
        return rc < 0 ? rc : 0;
    tl_date_format(day, sizeof(day), o->on);
    snprintf(msg, sizeof(msg),
             "wholesale account %s has no resale (tax exemption) "
             "certificate in force on %s",
             o->account_number, day);
    return report(run, o, "", "missing_tax_certificate", msg, err);
}

static int check_agent(audit_run *run, const audited_order *o, tl_err *err)
{
    accounts_assignment_t rec;
    tl_err lookup = TL_ERR_INIT;
    char msg[512];
    int rc;

    if (o->agent_ref[0] == '\0')
        return 0;
    rc = accounts_assignment_on(&rec, run->db, o->account_id, "agent",
                                o->received, &lookup);
    if (rc < 0 && rc != TL_ENOTFOUND) {
        tl_err_copy(err, &lookup);
        tl_err_clear(&lookup);
        return rc;
    }
    tl_err_clear(&lookup);
    if (rc == 0 && strcmp(rec.person_ref, o->agent_ref) == 0)
        return 0;
    if (rc == TL_ENOTFOUND)
        snprintf(msg, sizeof(msg),
                 "agent %s sold it, but account %s has no agent of record",
                 o->agent_ref, o->account_number);
    else
        snprintf(msg, sizeof(msg),
                 "agent %s sold it, but %s (%s) is the agent of record of "
                 "account %s",
                 o->agent_ref, rec.person_ref, rec.person_name,
                 o->account_number);
    return report(run, o, "", "agent_not_of_record", msg, err);
}

/* One quoted item: its codes' effective prices against the quote. */
typedef struct item_prices {
    audit_run *run;
    const audited_order *order;
    tl_money expected[2]; /* [0] MRC, [1] NRC, for the item's quantity */
    int from_contract[2];
    int failed;
} item_prices;

static int add_code_price(const tl_row *row, void *cls, tl_err *err)
{
    item_prices *ip = cls;
    const char *code = NULL;
    const char *kind = NULL;
    int qty = 0;
    contracts_price_t price;
    tl_money line;
    int k;
    int rc;

    if (tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "charge_kind", &kind, err) < 0 ||
        tl_row_int(row, "quantity", &qty, err) < 0)
        return TL_ERROR;
    k = strcmp(kind, "MRC") == 0 ? 0 : 1;
    rc = contracts_price_on(&price, ip->run->db, ip->order->account_id, code,
                            ip->order->on, err);
    if (rc == TL_ENOTFOUND) {
        /* intake refuses unpriced codes; a price withdrawn since is not a
         * quote below it */
        tl_err_clear(err);
        return 0;
    }
    if (rc < 0)
        return rc;
    if (tl_money_mul(&line, &price.amount, qty) != 0 ||
        tl_money_add(&ip->expected[k], &ip->expected[k], &line) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "", "price overflow");
    ip->from_contract[k] |= price.source == CONTRACTS_PRICE_CONTRACT;
    return 0;
}

static int compare_quote(audit_run *run, const audited_order *o,
                         const char *item_id, const char *what,
                         const tl_money *quoted, const tl_money *expected,
                         int from_contract, tl_err *err)
{
    char q[32];
    char e[32];
    char msg[512];

    if (tl_money_cmp(quoted, expected) >= 0)
        return 0;
    tl_money_format(q, sizeof(q), quoted);
    tl_money_format(e, sizeof(e), expected);
    snprintf(msg, sizeof(msg), "quoted %s %s %s is below the %s price %s",
             what, quoted->cur, q, from_contract ? "contracted" : "list", e);
    return report(run, o, item_id,
                  from_contract ? "price_below_contract" : "price_below_list",
                  msg, err);
}

typedef struct quote_walk {
    audit_run *run;
    const audited_order *order;
} quote_walk;

static int check_item_quote(const tl_row *row, void *cls, tl_err *err)
{
    quote_walk *w = cls;
    item_prices ip;
    const char *item_id = NULL;
    const char *cur = NULL;
    int64_t mrc = 0;
    int64_t nrc = 0;
    int no_mrc = 0;
    int no_nrc = 0;
    tl_money quoted;
    tl_params p;
    int rc;

    if (tl_row_text(row, "item_id", &item_id, err) < 0 ||
        tl_row_text(row, "quoted_currency", &cur, err) < 0 ||
        tl_row_int64_opt(row, "quoted_mrc_minor", &mrc, &no_mrc, err) < 0 ||
        tl_row_int64_opt(row, "quoted_nrc_minor", &nrc, &no_nrc, err) < 0)
        return TL_ERROR;
    memset(&ip, 0, sizeof(ip));
    ip.run = w->run;
    ip.order = w->order;
    snprintf(ip.expected[0].cur, sizeof(ip.expected[0].cur), "%s", cur);
    ip.expected[1] = ip.expected[0];
    tl_params_init(&p);
    tl_params_int64(&p, w->order->account_id);
    tl_params_int64(&p, w->order->order_id);
    tl_params_text(&p, item_id);
    rc = tl_db_select(w->run->db, "orders_audit_item_codes",
                      "SELECT c.code, s.charge_kind, c.quantity"
                      " FROM orders.order_item_code c"
                      " JOIN catalog.service_code s USING (code)"
                      " WHERE c.account_id = $1::bigint"
                      " AND c.order_id = $2::bigint AND c.item_id = $3"
                      " ORDER BY c.code",
                      &p, add_code_price, &ip, err);
    if (rc < 0)
        return rc;
    snprintf(quoted.cur, sizeof(quoted.cur), "%s", cur);
    quoted.minor = mrc;
    if (!no_mrc &&
        (rc = compare_quote(w->run, w->order, item_id, "monthly", &quoted,
                            &ip.expected[0], ip.from_contract[0], err)) < 0)
        return rc;
    quoted.minor = nrc;
    if (!no_nrc &&
        (rc = compare_quote(w->run, w->order, item_id, "one-time", &quoted,
                            &ip.expected[1], ip.from_contract[1], err)) < 0)
        return rc;
    return 0;
}

static int check_quotes(audit_run *run, const audited_order *o, tl_err *err)
{
    quote_walk w = {run, o};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, o->account_id);
    tl_params_int64(&p, o->order_id);
    return tl_db_select(run->db, "orders_audit_quotes",
                        "SELECT item_id, quoted_currency, quoted_mrc_minor,"
                        " quoted_nrc_minor FROM orders.order_item"
                        " WHERE account_id = $1::bigint"
                        " AND order_id = $2::bigint"
                        " AND quoted_currency IS NOT NULL ORDER BY item_id",
                        &p, check_item_quote, &w, err);
}

typedef struct dup_walk {
    audit_run *run;
    const audited_order *order;
} dup_walk;

static int report_duplicate(const tl_row *row, void *cls, tl_err *err)
{
    dup_walk *w = cls;
    const char *item_id = NULL;
    const char *other = NULL;
    const char *product = NULL;
    char msg[512];

    if (tl_row_text(row, "item_id", &item_id, err) < 0 ||
        tl_row_text(row, "other", &other, err) < 0 ||
        tl_row_text(row, "product_id", &product, err) < 0)
        return TL_ERROR;
    snprintf(msg, sizeof(msg),
             "earlier open order %s has %s at the same address", other,
             product);
    return report(w->run, w->order, item_id, "probable_duplicate", msg, err);
}

static int check_duplicates(audit_run *run, const audited_order *o,
                            tl_err *err)
{
    dup_walk w = {run, o};
    tl_params p;

    tl_params_init(&p);
    tl_params_int64(&p, o->account_id);
    tl_params_int64(&p, o->order_id);
    return tl_db_select(
        run->db, "orders_audit_duplicates",
        "SELECT DISTINCT ON (i.item_id) i.item_id, i.product_id,"
        " e.order_number AS other"
        " FROM orders.order_item i"
        " JOIN orders.order_item ei ON ei.account_id = i.account_id"
        "  AND ei.order_id < i.order_id AND ei.product_id = i.product_id"
        "  AND ei.address_id = i.address_id AND ei.action = 'add'"
        " JOIN orders.sales_order e ON e.account_id = ei.account_id"
        "  AND e.order_id = ei.order_id"
        " WHERE i.account_id = $1::bigint AND i.order_id = $2::bigint"
        " AND i.action = 'add'"
        " AND e.state NOT IN ('rejected', 'cancelled', 'completed')"
        " ORDER BY i.item_id, e.order_id",
        &p, report_duplicate, &w, err);
}

static int audit_one(audit_run *run, const audited_order *o, tl_err *err)
{
    int rc = check_contract(run, o, err);

    if (rc >= 0)
        rc = check_certificate(run, o, err);
    if (rc >= 0)
        rc = check_agent(run, o, err);
    if (rc >= 0)
        rc = check_quotes(run, o, err);
    if (rc >= 0)
        rc = check_duplicates(run, o, err);
    return rc < 0 ? rc : 0;
}

int orders_sales_audit(tl_db *db, tl_date since, const char *agent_ref,
                       orders_audit_fn fn, void *cls, tl_err *err)
{
    audit_run run;
    tl_params p;
    size_t i;
    int rc;

    memset(&run, 0, sizeof(run));
    run.db = db;
    run.fn = fn;
    run.cls = cls;
    tl_params_init(&p);
    tl_params_date(&p, since);
    tl_params_text(&p, agent_ref);
    rc = tl_db_select(
        db, "orders_audit_scope",
        "SELECT o.account_id, o.order_id, o.order_number, a.account_number,"
        " coalesce(o.agent_ref, '') AS agent_ref, c.kind AS customer_kind,"
        " (o.submitted_at AT TIME ZONE 'UTC')::date AS received,"
        " coalesce(o.requested_start_date,"
        "  (o.submitted_at AT TIME ZONE 'UTC')::date) AS on_day"
        " FROM orders.sales_order o"
        " JOIN accounts.billing_account a USING (account_id)"
        " JOIN accounts.customer c USING (customer_id)"
        " WHERE (o.agent_ref IS NOT NULL OR c.kind = 'wholesale')"
        " AND o.state NOT IN ('rejected', 'cancelled')"
        " AND (o.submitted_at AT TIME ZONE 'UTC')::date >= $1::date"
        " AND ($2::text IS NULL OR o.agent_ref = $2)"
        " ORDER BY o.order_id",
        &p, collect_order, &run, err);
    for (i = 0; rc >= 0 && i < run.n; i++)
        rc = audit_one(&run, &run.orders[i], err);
    free(run.orders);
    return rc < 0 ? rc : run.findings;
}
