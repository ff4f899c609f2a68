/*
 * Provisioning against a database: milestone rules per order item,
 * automatic acceptance, the history of a service as of a date through
 * change, move and disconnect orders, tasks routed per family and the
 * jeopardy they raise, the timeline, every service-code audit finding,
 * and suspend and restore requests.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "catalog/catalog.h"
#include "common/json.h"
#include "contracts/contracts.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

/* HH-1001 (USD) with its main campus (100) and annex (300); KL-2001
 * (USD) without an agreement. */
static const char *const book =
    "{\"customer\": {\"ref\": \"HARBOR-HEALTH\", \"name\": \"Harbor Health\","
    " \"kind\": \"enterprise\"},"
    " \"accounts\": [{\"accountNumber\": \"HH-1001\", \"name\": \"HH\","
    "  \"currency\": \"USD\", \"billCycleDay\": 1, \"paymentTermsDays\": 30,"
    "  \"sites\": [{\"name\": \"Main\", \"address\": {\"line1\": \"100 Harbor"
    " Way\", \"city\": \"Portland\", \"region\": \"ME\", \"postcode\":"
    " \"04101\", \"country\": \"US\"}},"
    "   {\"name\": \"Annex\", \"address\": {\"line1\": \"300 Harbor"
    " Way\", \"city\": \"Portland\", \"region\": \"ME\", \"postcode\":"
    " \"04101\", \"country\": \"US\"}}]},"
    "  {\"accountNumber\": \"KL-2001\", \"name\": \"KL\", \"currency\": "
    "\"USD\","
    "  \"billCycleDay\": 1, \"paymentTermsDays\": 30,"
    "  \"sites\": [{\"name\": \"Branch\", \"address\": {\"line1\": \"7 Dock"
    " Road\", \"city\": \"Portland\", \"region\": \"ME\", \"postcode\":"
    " \"04102\", \"country\": \"US\"}}]}]}";

static void setup(void)
{
    accounts_load_result res;
    catalog_load_result cres;
    json_t *doc = NULL;

    db = tl_test_db_open();
    tl_err_init(&err);
    orders_set_inventory(provisioning_inventory_lookup);
    ck_assert_int_eq(tl_json_load_file(&doc, TL_SOURCE_DIR "/demo/catalog.json",
                                       1u << 20, &err),
                     0);
    ck_assert_int_eq(catalog_load(&cres, db, doc, "test", &err), 0);
    json_decref(doc);
    doc = json_loads(book, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(accounts_load(&res, db, doc, "test", &err), 0);
    json_decref(doc);
    /* 36 months from 2026-01-01, DIA500 at 1150.00, 5 auto-accept days */
    tl_fx_contract(db, "HH-1001", "2026-01-01", "1150.00");
}

static void teardown(void)
{
    tl_err_clear(&err);
    tl_test_db_close(db);
    db = NULL;
}

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

static json_t *place(const char *role, const char *street_nr,
                     const char *postcode)
{
    json_t *p = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s}", "streetNr", street_nr, "streetName",
        strcmp(street_nr, "7") == 0 ? "Dock Road" : "Harbor Way", "city",
        "Portland", "stateOrProvince", "ME", "postcode", postcode, "country",
        "US");

    if (role != NULL)
        json_object_set_new(p, "role", json_string(role));
    return p;
}

/* An add order of one item: product, characteristics as "name=value"
 * pairs (NULL-terminated), the places, the due date. */
static json_t *add_order(const char *account, const char *external_id,
                         const char *product, json_t *places,
                         const char *const *chars, const char *due)
{
    json_t *list = json_array();
    json_t *doc;

    for (; *chars != NULL; chars++) {
        const char *eq = strchr(*chars, '=');
        json_array_append_new(list, json_pack("{s:s%, s:s}", "name", *chars,
                                              (size_t)(eq - *chars), "value",
                                              eq + 1));
    }
    doc = json_pack("{s:s, s:s, s:{s:s}, s:[{s:s, s:s, s:{s:s},"
                    " s:{s:o, s:o}}]}",
                    "externalId", external_id, "requestedStartDate", due,
                    "billingAccount", "id", account, "productOrderItem", "id",
                    "1", "action", "add", "productOffering", "id", product,
                    "product", "productCharacteristic", list, "place", places);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

/* A change, move or disconnect order for one circuit of HH-1001. */
static json_t *service_order(const char *external_id, const char *action,
                             const char *circuit, const char *offering,
                             const char *street_nr, const char *const *chars,
                             const char *due)
{
    json_t *item = json_pack("{s:s, s:s, s:{s:s}}", "id", "1", "action", action,
                             "product", "id", circuit);
    json_t *doc =
        json_pack("{s:s, s:s, s:{s:s}, s:[o]}", "externalId", external_id,
                  "requestedStartDate", due, "billingAccount", "id", "HH-1001",
                  "productOrderItem", item);
    json_t *product = json_object_get(item, "product");

    if (offering != NULL)
        json_object_set_new(item, "productOffering",
                            json_pack("{s:s}", "id", offering));
    if (street_nr != NULL)
        json_object_set_new(product, "place",
                            json_pack("[o]", place(NULL, street_nr, "04101")));
    if (chars != NULL) {
        json_t *list = json_array();
        for (; *chars != NULL; chars++) {
            const char *eq = strchr(*chars, '=');
            json_array_append_new(list, json_pack("{s:s%, s:s}", "name", *chars,
                                                  (size_t)(eq - *chars),
                                                  "value", eq + 1));
        }
        json_object_set_new(product, "productCharacteristic", list);
    }
    return doc;
}

/* Submits (received 2026-11-02), accepts and opens an order. */
static orders_order_t open_order(json_t *doc)
{
    orders_submit_result res;
    orders_order_t o;
    int created = 0;
    int rc;

    rc = orders_submit_ex(&res, db, doc, day("2026-11-02"),
                          ORDERS_ALLOW_DUPLICATE, "test", &err);
    json_decref(doc);
    ck_assert_msg(rc == 0, "submit: %s", err.message);
    ck_assert_int_eq(orders_accept(&o, db, res.order.order_number, "t", &err),
                     0);
    ck_assert_int_eq(
        provisioning_open_order(&created, db, o.order_number, "t", &err), 0);
    ck_assert_int_eq(orders_get(&o, db, o.order_number, &err), 0);
    return o;
}

static const char *const dia500[] = {
    "portSpeed=500 Mbps", "committedBandwidth=500 Mbps", "ipv4Block=/29", NULL};

static orders_order_t dia_order(const char *external_id, const char *due)
{
    return open_order(add_order("HH-1001", external_id, "DIA",
                                json_pack("[o]", place(NULL, "100", "04101")),
                                dia500, due));
}

static int first_circuit(const provisioning_service_t *svc, void *cls,
                         tl_err *e)
{
    (void)e;
    snprintf(cls, 48, "%s", svc->circuit_id);
    return 0;
}

static void circuit_of(char circuit[48], const orders_order_t *o)
{
    ck_assert_int_eq(provisioning_order_services(db, o->order_number,
                                                 first_circuit, circuit, &err),
                     1);
}

static int milestone(const char *circuit, const char *kind, const char *date)
{
    provisioning_service_t svc;

    tl_err_clear(&err);
    return provisioning_record_milestone(&svc, db, circuit, kind, day(date),
                                         "t", &err);
}

static void expect_conflict(int rc, const char *code, const char *needle)
{
    ck_assert_int_eq(rc, TL_ECONFLICT);
    ck_assert_str_eq(err.code, code);
    if (needle != NULL)
        ck_assert_msg(strstr(err.message, needle) != NULL, "%s not in: %s",
                      needle, err.message);
    tl_err_clear(&err);
}

static const char *order_state(const char *number)
{
    static orders_order_t o;

    ck_assert_int_eq(orders_get(&o, db, number, &err), 0);
    return o.state;
}

/* A service in service: installed on the 10th, accepted on the 12th. */
static orders_order_t live_dia(char circuit[48], const char *external_id)
{
    orders_order_t o = dia_order(external_id, "2026-11-10");

    circuit_of(circuit, &o);
    ck_assert_int_eq(milestone(circuit, "installed", "2026-11-10"), 0);
    ck_assert_int_eq(milestone(circuit, "customer_accepted", "2026-11-12"), 0);
    return o;
}

/* ---- milestones ---- */

START_TEST(milestones_keep_their_order_and_are_idempotent)
{
    orders_order_t o = dia_order("EXT-1", "2026-11-10");
    provisioning_service_t svc;
    char circuit[48];

    circuit_of(circuit, &o);
    /* refusals first */
    ck_assert_int_eq(milestone(circuit, "activated", "2026-11-10"),
                     TL_EINVALID);
    ck_assert_str_eq(err.code, "unknown_milestone");
    expect_conflict(milestone(circuit, "customer_accepted", "2026-11-14"),
                    "milestone_out_of_order",
                    "cannot be accepted before it is installed");
    expect_conflict(milestone(circuit, "turn_up", "2026-11-14"),
                    "milestone_out_of_order",
                    "cannot be turned up before it is installed");
    expect_conflict(milestone(circuit, "disconnected", "2026-11-14"),
                    "no_disconnect_order", NULL);
    ck_assert_int_eq(milestone(circuit, "foc", "2026-11-05"), 0);
    expect_conflict(milestone(circuit, "ready_for_service", "2026-11-04"),
                    "milestone_out_of_order",
                    "ready_for_service on 2026-11-04 would be before foc on "
                    "2026-11-05");
    ck_assert_int_eq(milestone(circuit, "ready_for_service", "2026-11-08"), 0);
    expect_conflict(milestone(circuit, "installed", "2026-11-07"),
                    "milestone_out_of_order", "before ready_for_service");
    ck_assert_int_eq(milestone(circuit, "installed", "2026-11-10"), 0);
    ck_assert_str_eq(order_state(o.order_number), "installed");
    /* the same again is a no-op, another date a conflict */
    ck_assert_int_eq(milestone(circuit, "installed", "2026-11-10"), 0);
    expect_conflict(milestone(circuit, "installed", "2026-11-11"),
                    "milestone_recorded", "already recorded on 2026-11-10");
    /* a late foc cannot land after the install */
    expect_conflict(milestone(circuit, "foc", "2026-11-12"),
                    "milestone_recorded", NULL);
    expect_conflict(milestone(circuit, "turn_up", "2026-11-09"),
                    "milestone_out_of_order", "before installed");
    ck_assert_int_eq(milestone(circuit, "turn_up", "2026-11-11"), 0);
    expect_conflict(milestone(circuit, "customer_accepted", "2026-11-10"),
                    "milestone_out_of_order", "before turn_up");
    ck_assert_int_eq(provisioning_record_item_milestone(
                         &svc, db, o.order_number, NULL, "customer_accepted",
                         day("2026-11-14"), "t", &err),
                     0);
    ck_assert_str_eq(svc.state, "active");
    ck_assert_int_eq(svc.has_billing_start, 1);
    ck_assert_int_eq(svc.billing_start_date, day("2026-11-14"));
    ck_assert_str_eq(order_state(o.order_number), "billing");
    ck_assert_int_eq(milestone(circuit, "customer_accepted", "2026-11-14"), 0);
    /* the item of an unknown order, or a second item that does not exist */
    ck_assert_int_eq(
        provisioning_record_item_milestone(&svc, db, o.order_number, "9", "foc",
                                           day("2026-11-14"), "t", &err),
        TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(
        provisioning_record_item_milestone(&svc, db, "SO-99999999", NULL, "foc",
                                           day("2026-11-14"), "t", &err),
        TL_ENOTFOUND);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " provisioning.milestone"),
                     5);
}
END_TEST

typedef struct auto_seen {
    int n;
    char circuit[48];
    tl_date accepted;
} auto_seen;

static int auto_row(const provisioning_auto_acceptance_t *a, void *cls,
                    tl_err *e)
{
    auto_seen *s = cls;

    (void)e;
    s->n++;
    snprintf(s->circuit, sizeof(s->circuit), "%s", a->circuit_id);
    s->accepted = a->accepted;
    ck_assert_int_eq(a->days, 5);
    ck_assert_str_eq(a->agreement_ref, "HH-1001-MSA");
    return 0;
}

START_TEST(auto_acceptance_starts_billing_on_the_boundary_day)
{
    orders_order_t o = dia_order("EXT-2", "2026-11-10");
    orders_order_t k = open_order(add_order(
        "KL-2001", "EXT-K", "MGD-ROUTER",
        json_pack("[o]", place(NULL, "7", "04102")),
        (const char *const[]){"model=Juniper SRX300", NULL}, "2026-11-10"));
    provisioning_service_t svc;
    auto_seen seen = {0, "", 0};
    char circuit[48];
    char other[48];

    circuit_of(circuit, &o);
    circuit_of(other, &k);
    ck_assert_int_eq(milestone(circuit, "installed", "2026-11-10"), 0);
    ck_assert_int_eq(milestone(other, "installed", "2026-11-10"), 0);
    /* day 4 after install: not yet */
    ck_assert_int_eq(
        provisioning_auto_accept(db, day("2026-11-14"), auto_row, &seen, &err),
        0);
    ck_assert_int_eq(seen.n, 0);
    /* day 5: accepted on the 15th; KL-2001 has no agreement and waits */
    ck_assert_int_eq(
        provisioning_auto_accept(db, day("2026-11-15"), auto_row, &seen, &err),
        1);
    ck_assert_int_eq(seen.n, 1);
    ck_assert_str_eq(seen.circuit, circuit);
    ck_assert_int_eq(seen.accepted, day("2026-11-15"));
    ck_assert_int_eq(
        provisioning_auto_accept(db, day("2026-12-31"), auto_row, &seen, &err),
        0);
    ck_assert_int_eq(provisioning_service_get(&svc, db, circuit, &err), 0);
    ck_assert_str_eq(svc.state, "active");
    ck_assert_int_eq(svc.billing_start_date, day("2026-11-15"));
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " provisioning.milestone"
                                     " WHERE kind = 'customer_accepted'"
                                     " AND automatic"
                                     " AND recorded_by = 'auto-acceptance'"),
                     1);
    ck_assert_int_eq(provisioning_service_get(&svc, db, other, &err), 0);
    ck_assert_str_eq(svc.state, "pending");
    ck_assert_str_eq(order_state(o.order_number), "billing");
}
END_TEST

/* ---- history ---- */

typedef struct version_seen {
    int n;
    char kind[16];
    char state[16];
    char product[40];
    char address[96];
    char codes[256];
    char order[24];
} version_seen;

static int version_row(const provisioning_version_t *v, void *cls, tl_err *e)
{
    version_seen *s = cls;

    (void)e;
    s->n++;
    snprintf(s->kind, sizeof(s->kind), "%s", v->kind);
    snprintf(s->state, sizeof(s->state), "%s", v->state);
    snprintf(s->product, sizeof(s->product), "%s", v->product_id);
    snprintf(s->address, sizeof(s->address), "%s", v->address);
    snprintf(s->codes, sizeof(s->codes), "%s", v->codes);
    snprintf(s->order, sizeof(s->order), "%s", v->order_number);
    return 0;
}

static version_seen as_of(const char *circuit, const char *date, int status)
{
    version_seen s;

    memset(&s, 0, sizeof(s));
    tl_err_clear(&err);
    ck_assert_int_eq(provisioning_service_as_of(db, circuit, day(date),
                                                version_row, &s, &err),
                     status);
    tl_err_clear(&err);
    return s;
}

static const char *const dia100[] = {"portSpeed=100 Mbps",
                                     "committedBandwidth=100 Mbps", NULL};

START_TEST(history_follows_change_move_and_disconnect_by_date)
{
    provisioning_service_t svc;
    orders_order_t chg, mv, dc;
    version_seen v;
    char circuit[48];

    live_dia(circuit, "EXT-3");
    /* a downgrade due on December 1st: nothing changes until installed */
    chg = open_order(service_order("CHG-1", "modify", circuit, "DIA-100", NULL,
                                   dia100, "2026-12-01"));
    ck_assert_str_eq(chg.state, "in_provisioning");
    ck_assert_int_eq(provisioning_service_get(&svc, db, circuit, &err), 0);
    ck_assert_str_eq(svc.product_id, "DIA");
    ck_assert_msg(milestone(circuit, "installed", "2026-12-01") == 0, "%s",
                  err.message);
    ck_assert_str_eq(order_state(chg.order_number), "billing");
    ck_assert_int_eq(provisioning_service_get(&svc, db, circuit, &err), 0);
    ck_assert_str_eq(svc.product_id, "DIA-100");
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM provisioning.service_code"
                        " WHERE code = 'DIA100'"
                        " AND effective_from = '2026-12-01'"),
        1);
    /* moved to the annex on December 15th */
    mv = open_order(service_order("MOVE-1", "modify", circuit, NULL, "300",
                                  NULL, "2026-12-15"));
    ck_assert_int_eq(milestone(circuit, "installed", "2026-12-15"), 0);
    ck_assert_str_eq(order_state(mv.order_number), "billing");
    /* disconnected on January 10th: billing ends, the order completes */
    dc = open_order(service_order("DISC-1", "delete", circuit, NULL, NULL, NULL,
                                  "2027-01-10"));
    expect_conflict(milestone(circuit, "installed", "2027-01-05"),
                    "milestone_recorded", NULL);
    expect_conflict(milestone(circuit, "disconnected", "2026-11-11"),
                    "milestone_out_of_order", "before its billing started");
    ck_assert_int_eq(milestone(circuit, "disconnected", "2027-01-10"), 0);
    ck_assert_str_eq(order_state(dc.order_number), "completed");
    /* installed, then done: a disconnect has nothing to accept or bill */
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.state_change c"
                        " JOIN orders.sales_order o USING (account_id, order_id)"
                        " WHERE o.external_id = 'DISC-1'"
                        " AND c.to_state IN ('customer_accepted', 'billing')"),
        0);
    ck_assert_int_eq(provisioning_service_get(&svc, db, circuit, &err), 0);
    ck_assert_str_eq(svc.state, "disconnected");
    ck_assert_int_eq(svc.has_disconnect, 1);
    ck_assert_int_eq(svc.disconnect_date, day("2027-01-10"));

    /* the service as of each day */
    as_of(circuit, "2026-11-09", TL_ENOTFOUND);
    v = as_of(circuit, "2026-11-10", 1);
    ck_assert_str_eq(v.kind, "created");
    ck_assert_str_eq(v.state, "pending");
    v = as_of(circuit, "2026-11-30", 1);
    ck_assert_str_eq(v.kind, "activated");
    ck_assert_str_eq(v.product, "DIA");
    ck_assert_ptr_nonnull(strstr(v.codes, "DIA500"));
    v = as_of(circuit, "2026-12-01", 1);
    ck_assert_str_eq(v.kind, "changed");
    ck_assert_str_eq(v.product, "DIA-100");
    ck_assert_ptr_nonnull(strstr(v.codes, "DIA100"));
    ck_assert_ptr_null(strstr(v.codes, "DIA500"));
    ck_assert_str_eq(v.order, chg.order_number);
    ck_assert_str_eq(v.address, "100 Harbor Way, Portland ME 04101");
    v = as_of(circuit, "2026-12-14", 1);
    ck_assert_str_eq(v.address, "100 Harbor Way, Portland ME 04101");
    v = as_of(circuit, "2026-12-15", 1);
    ck_assert_str_eq(v.kind, "moved");
    ck_assert_str_eq(v.address, "300 Harbor Way, Portland ME 04101");
    v = as_of(circuit, "2027-01-09", 1);
    ck_assert_str_eq(v.state, "active");
    v = as_of(circuit, "2027-01-10", 1);
    ck_assert_str_eq(v.kind, "disconnected");
    ck_assert_str_eq(v.state, "disconnected");
    memset(&v, 0, sizeof(v));
    ck_assert_int_eq(
        provisioning_service_history(db, circuit, version_row, &v, &err), 5);
}
END_TEST

/* ---- tasks and jeopardy ---- */

static int64_t task_id(const char *kind)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "SELECT task_id AS n FROM provisioning.task WHERE kind = '%s'",
             kind);
    return tl_fx_count(db, sql);
}

static const char *jeopardy_of(const char *number)
{
    static char reason[256];
    PGresult *res;
    const char *params[1] = {number};

    res = PQexecParams(tl_db_pgconn(db),
                       "SELECT coalesce(jeopardy_reason, '') FROM"
                       " orders.sales_order WHERE order_number = $1",
                       1, NULL, params, NULL, NULL, 0);
    ck_assert_int_eq(PQntuples(res), 1);
    snprintf(reason, sizeof(reason), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return reason;
}

typedef struct task_seen {
    char team[24];
    char order[24];
} task_seen;

static int task_row(const provisioning_task_t *t, void *cls, tl_err *e)
{
    task_seen *s = cls;

    (void)e;
    snprintf(s->team, sizeof(s->team), "%s", t->team);
    snprintf(s->order, sizeof(s->order), "%s", t->order_number);
    return 0;
}

START_TEST(tasks_go_to_their_teams_and_raise_jeopardy)
{
    task_seen overdue;
    provisioning_task_check_result chk;
    provisioning_task_filter f;
    orders_order_t dia;
    char circuit[48];
    int64_t net;

    dia = dia_order("EXT-4", "2026-11-10");
    open_order(
        add_order("HH-1001", "EXT-SIP", "SIP",
                  json_pack("[o]", place(NULL, "100", "04101")),
                  (const char *const[]){"callPaths=46", "didBlocks=10", NULL},
                  "2026-11-20"));
    open_order(add_order("HH-1001", "EXT-EPL", "EPL-1G",
                         json_pack("[o, o]", place("aLocation", "100", "04101"),
                                   place("zLocation", "300", "04101")),
                         (const char *const[]){"bandwidth=1 Gbps",
                                               "protection=protected",
                                               "routeMiles=12", NULL},
                         "2026-12-01"));
    open_order(add_order(
        "HH-1001", "EXT-EOD", "EOD-100",
        json_pack("[o]", place(NULL, "300", "04101")),
        (const char *const[]){"speedTier=100/20", "cableModem=Arris S33", NULL},
        "2026-11-20"));
    open_order(add_order("HH-1001", "EXT-MGD", "MGD-ROUTER",
                         json_pack("[o]", place(NULL, "300", "04101")),
                         (const char *const[]){"model=Juniper SRX300", NULL},
                         "2026-11-20"));
    /* opening again creates nothing more */
    {
        int created = -1;
        ck_assert_int_eq(
            provisioning_open_order(&created, db, dia.order_number, "t", &err),
            0);
    }
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM provisioning.task"), 9);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM provisioning.task t"
                        " JOIN orders.order_item i USING (account_id,"
                        " order_id, item_id)"
                        " WHERE (i.product_id, t.team, t.kind, t.due_date) IN"
                        " (('DIA', 'network_admin',"
                        "   'assign IPv4 block and routing', '2026-11-07'),"
                        "  ('DIA', 'tech_support', 'turn-up', '2026-11-10'),"
                        "  ('SIP', 'voice_admin', 'numbering and DIDs',"
                        "   '2026-11-17'),"
                        "  ('SIP', 'tech_support', 'turn-up', '2026-11-20'),"
                        "  ('EPL-1G', 'fiber_deployment', 'construction',"
                        "   '2026-11-21'),"
                        "  ('EPL-1G', 'network_admin', 'routing',"
                        "   '2026-11-28'),"
                        "  ('EPL-1G', 'tech_support', 'turn-up',"
                        "   '2026-12-01'),"
                        "  ('EOD-100', 'tech_support', 'modem activation',"
                        "   '2026-11-20'),"
                        "  ('MGD-ROUTER', 'network_admin',"
                        "   'configure device', '2026-11-18'))"),
        9);
    /* the DIA network task is overdue on the 8th */
    memset(&f, 0, sizeof(f));
    f.overdue = 1;
    f.as_of = day("2026-11-08");
    ck_assert_int_eq(provisioning_task_list(db, &f, task_row, &overdue, &err),
                     1);
    ck_assert_str_eq(overdue.team, "network_admin");
    f.overdue = 0;
    f.team = "voice_admin";
    ck_assert_int_eq(provisioning_task_list(db, &f, task_row, &overdue, &err),
                     1);
    f.team = "cooks";
    ck_assert_int_eq(provisioning_task_list(db, &f, task_row, &overdue, &err),
                     TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(
        provisioning_task_check(&chk, db, day("2026-11-08"), "t", &err), 0);
    ck_assert_int_eq(chk.flagged, 1);
    ck_assert_str_eq(jeopardy_of(dia.order_number),
                     "task assign IPv4 block and routing (network_admin) "
                     "overdue since 2026-11-07");
    ck_assert_int_eq(
        provisioning_task_check(&chk, db, day("2026-11-08"), "t", &err), 0);
    ck_assert_int_eq(chk.flagged + chk.cleared, 0);
    /* done: no task overdue any more, the flag goes */
    net = task_id("assign IPv4 block and routing");
    ck_assert_int_eq(provisioning_task_assign(db, net, "jlee", "t", &err), 0);
    ck_assert_int_eq(
        provisioning_task_set_status(db, net, "in_progress", NULL, "t", &err),
        0);
    ck_assert_int_eq(
        provisioning_task_set_status(db, net, "done", NULL, "t", &err), 0);
    ck_assert_int_eq(
        provisioning_task_set_status(db, net, "done", NULL, "t", &err), 0);
    ck_assert_int_eq(
        provisioning_task_set_status(db, net, "cancelled", "x", "t", &err),
        TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(
        provisioning_task_check(&chk, db, day("2026-11-08"), "t", &err), 0);
    ck_assert_int_eq(chk.cleared, 1);
    ck_assert_str_eq(jeopardy_of(dia.order_number), "");
    /* a cancel needs a reason; unknown tasks are not found */
    ck_assert_int_eq(
        provisioning_task_set_status(db, net + 1, "cancelled", NULL, "t", &err),
        TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(provisioning_task_assign(db, 999999, "x", "t", &err),
                     TL_ENOTFOUND);
    tl_err_clear(&err);
    /* a disconnect order: reclaim the IPs, disconnect */
    live_dia(circuit, "EXT-5");
    open_order(service_order("DISC-2", "delete", circuit, NULL, NULL, NULL,
                             "2026-12-15"));
    ck_assert_int_eq(tl_fx_count(db,
                                 "SELECT count(*) AS n FROM provisioning.task"
                                 " WHERE kind IN ('reclaim IPs', 'disconnect')"
                                 " AND due_date = '2026-12-15'"),
                     2);
}
END_TEST

/* ---- timeline ---- */

typedef struct timeline_seen {
    int n;
    provisioning_timeline_row_t rows[8];
} timeline_seen;

static int timeline_row(const provisioning_timeline_row_t *r, void *cls,
                        tl_err *e)
{
    timeline_seen *s = cls;

    (void)e;
    if (s->n < 8)
        s->rows[s->n] = *r;
    s->n++;
    return 0;
}

START_TEST(timeline_shows_planned_against_actual)
{
    orders_order_t o = dia_order("EXT-6", "2026-11-10");
    timeline_seen s;
    char circuit[48];

    circuit_of(circuit, &o);
    ck_assert_int_eq(milestone(circuit, "installed", "2026-11-12"), 0);
    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(provisioning_order_timeline(db, o.order_number,
                                                 day("2026-11-20"),
                                                 timeline_row, &s, &err),
                     5);
    /* foc planned 14 days before the due date, skipped by the install */
    ck_assert_int_eq(s.rows[0].planned, day("2026-10-27"));
    ck_assert_int_eq(s.rows[0].has_actual, 0);
    ck_assert_int_eq(s.rows[0].days_late, 0);
    /* turn-up planned the day after, still missing on the 20th */
    ck_assert_int_eq(s.rows[3].planned, day("2026-11-11"));
    ck_assert_int_eq(s.rows[3].days_late, 9);
    ck_assert_int_eq(s.rows[2].planned, day("2026-11-10"));
    ck_assert_int_eq(s.rows[2].actual, day("2026-11-12"));
    ck_assert_int_eq(s.rows[2].days_late, 2);
    ck_assert_int_eq(s.rows[4].planned, day("2026-11-15"));
    ck_assert_int_eq(s.rows[4].days_late, 5);
    /* foc, ready and turn-up skipped once accepted: not late */
    ck_assert_int_eq(milestone(circuit, "customer_accepted", "2026-11-16"), 0);
    memset(&s, 0, sizeof(s));
    ck_assert_int_eq(provisioning_order_timeline(db, o.order_number,
                                                 day("2026-11-20"),
                                                 timeline_row, &s, &err),
                     5);
    ck_assert_int_eq(s.rows[0].days_late, 0);
    ck_assert_int_eq(s.rows[3].days_late, 0);
    ck_assert_int_eq(s.rows[4].actual, day("2026-11-16"));
    ck_assert_int_eq(s.rows[4].days_late, 1);
    ck_assert_int_eq(provisioning_order_timeline(db, "SO-99999999",
                                                 day("2026-11-20"),
                                                 timeline_row, &s, &err),
                     TL_ENOTFOUND);
}
END_TEST

/* ---- service-code audit ---- */

#define MAX_SEEN 16

typedef struct findings_seen {
    int n;
    char line[MAX_SEEN][160];
    tl_money diff[MAX_SEEN];
} findings_seen;

static int finding_row(const provisioning_code_finding_t *f, void *cls,
                       tl_err *e)
{
    findings_seen *s = cls;

    (void)e;
    if (s->n < MAX_SEEN) {
        snprintf(s->line[s->n], sizeof(s->line[0]), "%s %s %s", f->circuit_id,
                 f->finding, f->code);
        s->diff[s->n] = f->monthly_difference;
    }
    s->n++;
    return 0;
}

static findings_seen audit(const char *date)
{
    findings_seen s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_ge(
        provisioning_audit_codes(db, day(date), finding_row, &s, &err), 0);
    return s;
}

static void change_codes(const char *circuit, const char *code1,
                         const char *code2)
{
    provisioning_code_qty_t codes[2] = {{code1, 1}, {code2, 1}};

    ck_assert_int_eq(provisioning_change_codes(db, circuit, codes, 2,
                                               day("2026-11-20"), NULL, NULL,
                                               "someone", &err),
                     0);
}

START_TEST(audit_finds_each_seeded_exception_and_nothing_on_clean_data)
{
    char a[48], b[48], c[48], d[48];
    char expect[160];
    findings_seen s;
    provisioning_code_qty_t bad = {"DIA-INST", 0};

    live_dia(a, "EXT-A");
    live_dia(b, "EXT-B");
    live_dia(c, "EXT-C");
    live_dia(d, "EXT-D");
    /* clean: no findings, and a change by order leaves none either */
    s = audit("2026-11-30");
    ck_assert_int_eq(s.n, 0);

    /* refusals first */
    ck_assert_int_eq(provisioning_change_codes(db, a, &bad, 1,
                                               day("2026-11-20"), NULL, NULL,
                                               "x", &err),
                     TL_EINVALID);
    tl_err_clear(&err);

    /* a: downgraded to the 100 Mbps port code without an order */
    change_codes(a, "DIA100", "DIA-INST");
    /* b: a managed-router code on a DIA service */
    change_codes(b, "DIA500", "MGD-RTR");
    /* c: a code with no price at all */
    ck_assert_int_eq(tl_db_exec_script(db,
                                       "INSERT INTO catalog.service_code"
                                       " (code, name, charge_kind) VALUES"
                                       " ('DIA-OLD', 'retired port', 'MRC');"
                                       " INSERT INTO catalog.product_component"
                                       " VALUES ('DIA', 'DIA-OLD');",
                                       &err),
                     0);
    ck_assert_int_eq(
        tl_db_exec_script(db,
                          "INSERT INTO provisioning.service_code (account_id,"
                          " service_id, code, quantity)"
                          " SELECT account_id, service_id, 'DIA-OLD', 1"
                          " FROM provisioning.service WHERE item_id = '1'"
                          " AND order_id = (SELECT order_id FROM"
                          " orders.sales_order WHERE external_id = 'EXT-C')",
                          &err),
        0);
    /* d: a 100 Mbps port recorded on a 500 Mbps product */
    ck_assert_int_eq(
        tl_db_exec_script(db,
                          "UPDATE provisioning.service SET characteristics ="
                          " characteristics || '{\"portSpeed\": \"100 Mbps\","
                          " \"committedBandwidth\": \"100 Mbps\"}'"
                          " WHERE order_id = (SELECT order_id FROM"
                          " orders.sales_order WHERE external_id = 'EXT-D')",
                          &err),
        0);
    s = audit("2026-11-30");
    ck_assert_int_eq(s.n, 9);
    snprintf(expect, sizeof(expect), "%s change_without_order ", a);
    ck_assert_str_eq(s.line[0], expect);
    /* DIA100 650.00 list in place of DIA500 at the 1150.00 contract rate */
    ck_assert_int_eq(s.diff[0].minor, -50000);
    snprintf(expect, sizeof(expect), "%s characteristic_mismatch DIA100", a);
    ck_assert_str_eq(s.line[1], expect);
    snprintf(expect, sizeof(expect), "%s codes_differ_from_order ", a);
    ck_assert_str_eq(s.line[2], expect);
    snprintf(expect, sizeof(expect), "%s change_without_order ", b);
    ck_assert_str_eq(s.line[3], expect);
    snprintf(expect, sizeof(expect), "%s code_not_in_catalog MGD-RTR", b);
    ck_assert_str_eq(s.line[4], expect);
    snprintf(expect, sizeof(expect), "%s codes_differ_from_order ", b);
    ck_assert_str_eq(s.line[5], expect);
    snprintf(expect, sizeof(expect), "%s code_not_in_catalog DIA-OLD", c);
    ck_assert_str_eq(s.line[6], expect);
    snprintf(expect, sizeof(expect), "%s codes_differ_from_order ", c);
    ck_assert_str_eq(s.line[7], expect);
    snprintf(expect, sizeof(expect), "%s characteristic_mismatch ", d);
    ck_assert_str_eq(s.line[8], expect);
}
END_TEST

START_TEST(audit_finds_characteristics_the_product_refuses)
{
    char d[48];
    char expect[160];
    findings_seen s;

    live_dia(d, "EXT-D");
    ck_assert_int_eq(
        tl_db_exec_script(db,
                          "UPDATE provisioning.service SET characteristics ="
                          " characteristics || '{\"portSpeed\": \"100 Mbps\"}'",
                          &err),
        0);
    /* not an allowed port speed, and less than the committed bandwidth */
    s = audit("2026-11-30");
    ck_assert_int_eq(s.n, 2);
    snprintf(expect, sizeof(expect), "%s characteristic_mismatch ", d);
    ck_assert_str_eq(s.line[0], expect);
    ck_assert_str_eq(s.line[1], expect);
    /* a disconnected service is not audited */
    ck_assert_int_eq(tl_db_exec_script(db,
                                       "UPDATE provisioning.service SET"
                                       " disconnect_date = '2026-11-20',"
                                       " state = 'disconnected'",
                                       &err),
                     0);
    s = audit("2026-11-30");
    ck_assert_int_eq(s.n, 0);
}
END_TEST

/* ---- suspend and restore ---- */

START_TEST(suspend_and_restore_requests_are_worked_with_history)
{
    provisioning_service_t svc;
    int64_t id = 0;
    int64_t again = 0;
    int64_t restore = 0;
    int created = -1;
    char circuit[48];
    version_seen v;
    findings_seen s;

    live_dia(circuit, "EXT-7");
    /* refusals first */
    ck_assert_int_eq(provisioning_request_restore(&id, &created, db, 0, circuit,
                                                  "paid", "coll", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "service_state");
    tl_err_clear(&err);
    ck_assert_int_eq(provisioning_request_suspend(&id, &created, db, 0, circuit,
                                                  "", "coll", &err),
                     TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(provisioning_request_suspend(&id, &created, db, 42,
                                                  circuit, "x", "coll", &err),
                     TL_ENOTFOUND);
    tl_err_clear(&err);
    /* a shutout asked twice is one request */
    ck_assert_int_eq(provisioning_request_suspend(&id, &created, db, 0, circuit,
                                                  "90 days past due",
                                                  "collections", &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(provisioning_request_suspend(&again, &created, db, 0,
                                                  circuit, "90 days past due",
                                                  "collections", &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(again, id);
    ck_assert_int_eq(provisioning_request_restore(&restore, &created, db, 0,
                                                  circuit, "paid", "coll",
                                                  &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "request_open");
    tl_err_clear(&err);
    ck_assert_int_eq(provisioning_service_get(&svc, db, circuit, &err), 0);
    ck_assert_str_eq(svc.state, "active");
    /* done on December 5th */
    ck_assert_int_eq(
        provisioning_request_done(db, id, day("2026-12-05"), "noc", &err), 0);
    ck_assert_int_eq(
        provisioning_request_done(db, id, day("2026-12-05"), "noc", &err), 0);
    ck_assert_int_eq(provisioning_service_get(&svc, db, circuit, &err), 0);
    ck_assert_str_eq(svc.state, "suspended");
    v = as_of(circuit, "2026-12-04", 1);
    ck_assert_str_eq(v.state, "active");
    v = as_of(circuit, "2026-12-05", 1);
    ck_assert_str_eq(v.kind, "suspended");
    ck_assert_str_eq(v.state, "suspended");
    /* released a week later */
    ck_assert_int_eq(provisioning_request_restore(&restore, &created, db, 0,
                                                  circuit, "paid in full",
                                                  "collections", &err),
                     0);
    ck_assert_int_eq(
        provisioning_request_done(db, restore, day("2026-12-12"), "noc", &err),
        0);
    v = as_of(circuit, "2026-12-12", 1);
    ck_assert_str_eq(v.kind, "restored");
    ck_assert_str_eq(v.state, "active");
    /* cancelled requests are final */
    ck_assert_int_eq(provisioning_request_suspend(&id, &created, db, 0, circuit,
                                                  "again", "coll", &err),
                     0);
    ck_assert_int_eq(provisioning_request_cancel(db, id, NULL, "coll", &err),
                     TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(
        provisioning_request_cancel(db, id, "promise to pay", "coll", &err), 0);
    ck_assert_int_eq(
        provisioning_request_done(db, id, day("2026-12-20"), "noc", &err),
        TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(
        provisioning_request_done(db, 999999, day("2026-12-20"), "noc", &err),
        TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " provisioning.service_request"
                                     " WHERE state = 'done'"),
                     2);
    /* suspensions change no codes: the audit stays quiet */
    s = audit("2026-12-31");
    ck_assert_int_eq(s.n, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("provisioning");
    TCase *tc = tcase_create("provisioning");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, milestones_keep_their_order_and_are_idempotent);
    tcase_add_test(tc, auto_acceptance_starts_billing_on_the_boundary_day);
    tcase_add_test(tc, history_follows_change_move_and_disconnect_by_date);
    tcase_add_test(tc, tasks_go_to_their_teams_and_raise_jeopardy);
    tcase_add_test(tc, timeline_shows_planned_against_actual);
    tcase_add_test(tc,
                   audit_finds_each_seeded_exception_and_nothing_on_clean_data);
    tcase_add_test(tc, audit_finds_characteristics_the_product_refuses);
    tcase_add_test(tc, suspend_and_restore_requests_are_worked_with_history);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
