/*
 * Equipment against a fresh database: receiving and moving items, their
 * history, CSV loads with bad rows and loaded twice, and the equipment
 * audit: each finding seeded and found, clean data without any, and the
 * non-return fee recorded once.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "orders/orders.h"
#include "provisioning/equipment.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

static void setup(void)
{
    catalog_load_result loaded;
    provisioning_requirements_result req;
    json_t *doc;

    db = tl_test_db_open();
    tl_err_init(&err);
    doc = json_load_file(TL_SOURCE_DIR "/demo/catalog.json", 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(catalog_load(&loaded, db, doc, "test", &err), 0);
    json_decref(doc);
    doc = json_load_file(TL_SOURCE_DIR "/demo/equipment-requirements.json", 0,
                         NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(
        provisioning_equipment_requirements_load(&req, db, doc, "test", &err),
        0);
    ck_assert_int_eq(req.models_added, 6);
    ck_assert_int_eq(req.requirements_added, 10);
    json_decref(doc);
    tl_fx_account(db, "KL-2001", 1, 200);
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

static void assert_ok(int rc)
{
    char *text = rc < 0 ? tl_err_to_text(&err) : NULL;

    ck_assert_msg(rc >= 0, "failed (%d): %s", rc, text ? text : "");
    free(text);
}

static void assert_problem(const char *field, const char *code)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0 &&
            strcmp(err.problems[i].code, code) == 0)
            return;
    ck_abort_msg("no %s problem at %s", code, field);
}

typedef struct first_service {
    provisioning_service_t svc;
    int n;
} first_service;

static int take(const provisioning_service_t *s, void *cls, tl_err *e)
{
    first_service *f = cls;

    (void)e;
    if (f->n++ == 0)
        f->svc = *s;
    return 0;
}

/* An accepted EoDOCSIS 100/20 order for KL-2001's site, open in
 * provisioning: returns its one pending service; *order its number. */
static provisioning_service_t eod_order(const char *external_id, char order[24])
{
    orders_submit_result res;
    orders_order_t o;
    first_service f;
    json_t *doc;
    int created = 0;

    doc = json_pack(
        "{s:s, s:s, s:{s:s}, s:[{s:s, s:s, s:{s:s}, s:{s:[{s:s, s:s},"
        " {s:s, s:s}], s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s}]}}]}",
        "externalId", external_id, "requestedStartDate", "2026-11-10T00:00:00Z",
        "billingAccount", "id", "KL-2001", "productOrderItem", "id", "1",
        "action", "add", "productOffering", "id", "EOD-100", "product",
        "productCharacteristic", "name", "speedTier", "value", "100/20", "name",
        "cableModem", "value", "Arris S33", "place", "role", "serviceAddress",
        "streetNr", "200", "streetName", "Harbor Way", "city", "Portland",
        "stateOrProvince", "ME", "postcode", "04101", "country", "US");
    ck_assert_ptr_nonnull(doc);
    assert_ok(orders_submit_ex(&res, db, doc, tl_fx_received(),
                               ORDERS_ALLOW_DUPLICATE, "test", &err));
    json_decref(doc);
    assert_ok(orders_accept(&o, db, res.order.order_number, "test", &err));
    assert_ok(
        provisioning_open_order(&created, db, o.order_number, "test", &err));
    memset(&f, 0, sizeof(f));
    assert_ok(provisioning_order_services(db, o.order_number, take, &f, &err));
    ck_assert_int_eq(f.n, 1);
    strcpy(order, o.order_number);
    return f.svc;
}

static void activate(const char *circuit, const char *on)
{
    provisioning_service_t s;

    assert_ok(provisioning_record_milestone(&s, db, circuit, "installed",
                                            day(on), "test", &err));
    assert_ok(provisioning_record_milestone(
        &s, db, circuit, "customer_accepted", day(on), "test", &err));
    ck_assert_str_eq(s.state, "active");
}

/* Nothing in provisioning closes a service yet: a disconnect is set the
 * way a disconnect order will set it. */
static void disconnect(const char *circuit, const char *on)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "UPDATE provisioning.service SET state = 'disconnected',"
             " disconnect_date = '%s' WHERE circuit_id = '%s'",
             on, circuit);
    ck_assert_int_ge(tl_db_exec(db, NULL, sql, NULL, &err), 1);
}

static int receive(const char *serial, const char *model, const char *mac,
                   const char *on)
{
    provisioning_movement_in_t in;
    provisioning_equipment_t e;

    memset(&in, 0, sizeof(in));
    in.serial = serial;
    in.model = model;
    in.mac = mac;
    in.to_ref = "Portland DC";
    in.moved_on = day(on);
    return provisioning_equipment_receive(&e, db, &in, "test", &err);
}

static int move(const char *serial, const char *kind, const char *ref,
                const char *circuit, const char *order, const char *on)
{
    provisioning_movement_in_t in;
    provisioning_equipment_t e;

    memset(&in, 0, sizeof(in));
    in.serial = serial;
    in.to_kind = kind;
    in.to_ref = ref;
    in.circuit_id = circuit;
    in.order_number = order;
    in.moved_on = day(on);
    return provisioning_equipment_move(&e, db, &in, "test", &err);
}

static provisioning_equipment_t get(const char *serial)
{
    provisioning_equipment_t e;

    assert_ok(provisioning_equipment_get(&e, db, serial, &err));
    return e;
}

/* ---- receive and move ---- */

START_TEST(receive_refuses_bad_items_first)
{
    ck_assert_int_eq(receive("CM-1", "S33", NULL, "2026-11-01"), TL_EINVALID);
    assert_problem("mac", "required");
    tl_err_clear(&err);
    ck_assert_int_eq(receive("CM-1", "NOPE", "00:11:22:33:44:55", "2026-11-01"),
                     TL_EINVALID);
    assert_problem("model", "unknown_model");
    tl_err_clear(&err);
    ck_assert_int_eq(receive("CM-1", "S33", "00:11:22:33:44", "2026-11-01"),
                     TL_EINVALID);
    assert_problem("mac", "format");
    tl_err_clear(&err);
    ck_assert_int_eq(receive("CM-1", "S33", "00-11-22-33-44-5A", "2026-11-01"),
                     0);
    ck_assert_str_eq(get("CM-1").mac, "00:11:22:33:44:5a");
    ck_assert_int_eq(receive("CM-1", "S33", "00:11:22:33:44:5a", "2026-11-02"),
                     TL_EDUPLICATE);
    tl_err_clear(&err);
    ck_assert_int_eq(receive("CM-2", "S33", "00:11:22:33:44:5a", "2026-11-02"),
                     TL_ECONFLICT);
    assert_problem("mac", "duplicate");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " provisioning.equipment"),
                     1);
}
END_TEST

typedef struct history {
    provisioning_movement_t m[8];
    int n;
} history;

static int keep(const provisioning_movement_t *m, void *cls, tl_err *e)
{
    history *h = cls;

    (void)e;
    if (h->n < 8)
        h->m[h->n] = *m;
    h->n++;
    return 0;
}

START_TEST(an_item_moves_to_a_site_back_and_is_lost)
{
    char order[24];
    provisioning_service_t svc = eod_order("EQ-1", order);
    provisioning_equipment_t e;
    history h;

    assert_ok(receive("CM-1", "S33", "00:11:22:33:44:55", "2026-11-01"));
    e = get("CM-1");
    ck_assert_str_eq(e.status, "in_stock");
    ck_assert_str_eq(e.location_kind, "warehouse");
    ck_assert_str_eq(e.kind, "cable_modem");
    /* refused moves first */
    ck_assert_int_eq(
        move("CM-9", "technician", "Dana", NULL, NULL, "2026-11-03"),
        TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(
        move("CM-1", "warehouse", "Portland DC", NULL, NULL, "2026-11-03"),
        TL_ECONFLICT);
    ck_assert_str_eq(err.code, "no_move");
    tl_err_clear(&err);
    ck_assert_int_eq(
        move("CM-1", "technician", "Dana", NULL, NULL, "2026-10-30"),
        TL_ECONFLICT);
    assert_problem("moved_on", "out_of_order");
    tl_err_clear(&err);
    ck_assert_int_eq(move("CM-1", "customer_site", NULL, "EOD-100/999999", NULL,
                          "2026-11-03"),
                     TL_ENOTFOUND);
    assert_problem("circuit_id", "unknown_circuit");
    tl_err_clear(&err);
    ck_assert_int_eq(move("CM-1", "customer_site", "HH-1001", svc.circuit_id,
                          "SO-77777777", "2026-11-03"),
                     TL_ENOTFOUND);
    assert_problem("to_ref", "mismatch");
    assert_problem("order_number", "unknown_order");
    tl_err_clear(&err);
    ck_assert_int_eq(move("CM-1", "technician", NULL, NULL, NULL, "2026-11-03"),
                     TL_EINVALID);
    assert_problem("to_ref", "required");
    tl_err_clear(&err);
    /* the life of the item */
    assert_ok(
        move("CM-1", "technician", "Dana Ruiz", NULL, NULL, "2026-11-05"));
    ck_assert_str_eq(get("CM-1").status, "assigned");
    assert_ok(move("CM-1", "customer_site", "KL-2001", svc.circuit_id, order,
                   "2026-11-10"));
    e = get("CM-1");
    ck_assert_str_eq(e.status, "installed");
    ck_assert_str_eq(e.account_number, "KL-2001");
    ck_assert_str_eq(e.circuit_id, svc.circuit_id);
    ck_assert_str_eq(e.location_ref, svc.circuit_id);
    assert_ok(move("CM-1", "returned", "Portland returns", NULL, order,
                   "2026-12-05"));
    ck_assert_str_eq(get("CM-1").status, "returned");
    assert_ok(move("CM-1", "lost", "", NULL, NULL, "2026-12-20"));
    e = get("CM-1");
    ck_assert_str_eq(e.status, "lost");
    ck_assert_str_eq(e.account_number, "");
    ck_assert_int_eq(e.movements, 5);
    memset(&h, 0, sizeof(h));
    ck_assert_int_eq(
        provisioning_equipment_movements(db, "CM-1", keep, &h, &err), 5);
    ck_assert_int_eq(h.m[0].seq, 1);
    ck_assert_str_eq(h.m[0].from_kind, "");
    ck_assert_str_eq(h.m[0].to_kind, "warehouse");
    ck_assert_str_eq(h.m[2].from_kind, "technician");
    ck_assert_str_eq(h.m[2].from_ref, "Dana Ruiz");
    ck_assert_str_eq(h.m[2].to_kind, "customer_site");
    ck_assert_str_eq(h.m[2].account_number, "KL-2001");
    ck_assert_str_eq(h.m[2].order_number, order);
    ck_assert_str_eq(h.m[3].from_kind, "customer_site");
    ck_assert_str_eq(h.m[3].from_ref, svc.circuit_id);
    ck_assert_str_eq(h.m[4].to_kind, "lost");
    ck_assert_int_eq(h.m[4].moved_on, day("2026-12-20"));
    /* one audit event per move */
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action IN ('equipment.receive',"
                                     " 'equipment.move')"),
                     5);
}
END_TEST

/* ---- CSV loads ---- */

static int load_text(provisioning_equipment_load_result *res, const char *text)
{
    return provisioning_equipment_load_csv(res, db, text, strlen(text),
                                           "test.csv", "test", &err);
}

static char *read_demo_stock(size_t *len)
{
    FILE *f = fopen(TL_SOURCE_DIR "/demo/equipment-stock.csv", "rb");
    char *buf = malloc(65536);

    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, 65535, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

START_TEST(a_file_with_bad_rows_loads_nothing_and_names_every_one)
{
    static const char *const text =
        "reference,serial,mac,model,moved_on,to_kind,to_ref,circuit_id,"
        "order_number\n"
        "R-1,NEW-1,00:aa:bb:cc:dd:01,S33,2026-11-01,warehouse,Portland DC,,\n"
        "R-2,NEW-2,,S33,2026-11-01,warehouse,Portland DC,,\n"
        "R-3,NEW-3,xx,ISR1111,2026-11-31,warehouse,Portland DC,,\n"
        "R-4,NEW-1,,,2026-10-01,technician,Dana,,\n"
        "R-5,GHOST,,,2026-11-02,technician,Dana,,\n"
        "R-6,NEW-1,,,2026-11-02,garage,x,,\n"
        "R-1,NEW-4,,ISR1111,2026-11-02,warehouse,Portland DC,,\n"
        "R-8,NEW-1,,,2026-11-03,customer_site,,EOD-100/999999,SO-1\n"
        ",NEW-5,,ISR1111,2026-11-02,warehouse,Portland DC,,\n"
        "R-10,NEW-6,,ISR1111,2026-11-02,lost,,,\n"
        "R-11,NEW-1\n";
    provisioning_equipment_load_result res;

    ck_assert_int_eq(load_text(&res, text), TL_EINVALID);
    assert_problem("row[3].mac", "required");
    assert_problem("row[4].mac", "format");
    assert_problem("row[4].moved_on", "format");
    assert_problem("row[5].moved_on", "out_of_order");
    assert_problem("row[6].serial", "unknown_serial");
    assert_problem("row[7].to_kind", "unknown_kind");
    assert_problem("row[8].reference", "duplicate");
    assert_problem("row[9].circuit_id", "unknown_circuit");
    assert_problem("row[9].order_number", "unknown_order");
    assert_problem("row[10].reference", "required");
    assert_problem("row[11].to_kind", "receive_to_warehouse");
    assert_problem("row[12]", "columns");
    ck_assert_int_eq((int)err.n_problems, 12);
    /* in row order */
    ck_assert_str_eq(err.problems[0].field, "row[3].mac");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " provisioning.equipment"),
                     0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " provisioning.equipment_load"),
                     0);
    tl_err_clear(&err);
    ck_assert_int_eq(load_text(&res, "serial,reference\nX,Y\n"), TL_EINVALID);
    assert_problem("row[1]", "header");
}
END_TEST

START_TEST(the_same_file_twice_changes_nothing)
{
    provisioning_equipment_load_result res;
    size_t len = 0;
    char *stock = read_demo_stock(&len);
    const char *overlap =
        "reference,serial,mac,model,moved_on,to_kind,to_ref,circuit_id,"
        "order_number\n"
        "TRK-2026-1105-01,FTX2311A0AA,,,2026-11-05,technician,Dana Ruiz,,\n"
        "TRK-2026-1106-01,FTX2311A0AA,,,2026-11-06,warehouse,Portland DC,,\n";

    assert_ok(provisioning_equipment_load_csv(&res, db, stock, len, "stock.csv",
                                              "test", &err));
    ck_assert_int_eq(res.rows, 11);
    ck_assert_int_eq(res.received, 9);
    ck_assert_int_eq(res.movements, 11);
    ck_assert_int_eq(res.already_loaded, 0);
    ck_assert_str_eq(get("ARS33-100003").mac, "00:1d:ce:10:00:03");
    ck_assert_str_eq(get("ARS33-100001").status, "assigned");
    assert_ok(provisioning_equipment_load_csv(&res, db, stock, len, "stock.csv",
                                              "test", &err));
    ck_assert_int_eq(res.already_loaded, 1);
    ck_assert_int_eq(res.movements, 0);
    ck_assert_int_eq(res.unchanged, 11);
    /* another file repeating a recorded movement adds only the new one */
    assert_ok(load_text(&res, overlap));
    ck_assert_int_eq(res.movements, 1);
    ck_assert_int_eq(res.unchanged, 1);
    ck_assert_str_eq(get("FTX2311A0AA").status, "in_stock");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " provisioning.equipment_movement"),
                     12);
    /* one audit event per load that changed something */
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action ="
                                     " 'equipment.load_movements'"),
                     2);
    free(stock);
}
END_TEST

/* ---- the audit ---- */

typedef struct findings {
    provisioning_finding_t f[32];
    int n;
} findings;

static int collect(const provisioning_finding_t *f, void *cls, tl_err *e)
{
    findings *fs = cls;

    (void)e;
    if (fs->n < 32)
        fs->f[fs->n] = *f;
    fs->n++;
    return 0;
}

static findings run_audit(const char *as_of, const char *fee, int report_only,
                          provisioning_audit_result *res)
{
    provisioning_audit_opts opts;
    findings fs;

    memset(&opts, 0, sizeof(opts));
    memset(&fs, 0, sizeof(fs));
    opts.as_of = day(as_of);
    opts.return_days = 30;
    opts.fee = fee;
    opts.report_only = report_only;
    assert_ok(provisioning_equipment_audit(res, db, &opts, "test", collect, &fs,
                                           &err));
    return fs;
}

static int count_code(const findings *fs, const char *code)
{
    int i;
    int n = 0;

    for (i = 0; i < fs->n && i < 32; i++)
        n += strcmp(fs->f[i].code, code) == 0;
    return n;
}

static const provisioning_finding_t *find(const findings *fs, const char *code,
                                          const char *serial)
{
    int i;

    for (i = 0; i < fs->n && i < 32; i++)
        if (strcmp(fs->f[i].code, code) == 0 &&
            strcmp(fs->f[i].serial, serial) == 0)
            return &fs->f[i];
    ck_abort_msg("no %s finding for %s", code, serial);
    return NULL;
}

/* A book without exceptions: stock in the warehouse, an active EoDOCSIS
 * service with its modem installed on its order, a DIA service (router
 * optional) without one, a disconnected service whose modem came back on
 * the disconnect order, and one disconnected 10 days before the audit
 * whose modem is not yet due back. */
static void clean_book(void)
{
    char o1[24];
    char o2[24];
    char o3[24];
    provisioning_service_t s1 = eod_order("EQ-1", o1);
    provisioning_service_t s2 = eod_order("EQ-2", o2);
    provisioning_service_t s3 = eod_order("EQ-3", o3);
    orders_order_t dia = tl_fx_order(db, "KL-2001", "EQ-DIA", 200);
    first_service f;

    memset(&f, 0, sizeof(f));
    assert_ok(
        provisioning_order_services(db, dia.order_number, take, &f, &err));
    activate(f.svc.circuit_id, "2026-11-12");
    assert_ok(receive("CM-1", "S33", "00:11:22:33:44:01", "2026-11-01"));
    assert_ok(receive("CM-2", "S33", "00:11:22:33:44:02", "2026-11-01"));
    assert_ok(receive("CM-3", "S33", "00:11:22:33:44:03", "2026-11-01"));
    assert_ok(receive("RT-1", "ISR1111", NULL, "2026-11-01"));
    assert_ok(
        move("CM-1", "customer_site", NULL, s1.circuit_id, o1, "2026-11-10"));
    activate(s1.circuit_id, "2026-11-10");
    assert_ok(
        move("CM-2", "customer_site", NULL, s2.circuit_id, o2, "2026-11-10"));
    activate(s2.circuit_id, "2026-11-10");
    disconnect(s2.circuit_id, "2026-12-01");
    assert_ok(
        move("CM-2", "returned", "Portland returns", NULL, o2, "2026-12-04"));
    assert_ok(
        move("CM-3", "customer_site", NULL, s3.circuit_id, o3, "2026-11-10"));
    activate(s3.circuit_id, "2026-11-10");
    disconnect(s3.circuit_id, "2026-12-26");
}

START_TEST(clean_data_gives_no_findings)
{
    provisioning_audit_result res;
    findings fs;

    clean_book();
    fs = run_audit("2027-01-05", NULL, 0, &res);
    ck_assert_msg(fs.n == 0, "unexpected finding %s %s: %s", fs.f[0].code,
                  fs.f[0].serial, fs.f[0].detail);
    ck_assert_int_eq(res.findings, 0);
    ck_assert_int_eq(res.charges_recorded, 0);
}
END_TEST

START_TEST(each_exception_is_found)
{
    char o4[24];
    char o5[24];
    char o6[24];
    provisioning_service_t s4;
    provisioning_service_t s5;
    provisioning_service_t s6;
    provisioning_audit_result res;
    orders_order_t cancelled;
    const provisioning_finding_t *f;
    findings fs;

    clean_book();
    s4 = eod_order("EQ-4", o4);
    s5 = eod_order("EQ-5", o5);
    s6 = eod_order("EQ-6", o6);
    /* a modem at the site of an order cancelled before install */
    assert_ok(receive("CM-4", "S33", "00:11:22:33:44:04", "2026-11-01"));
    assert_ok(
        move("CM-4", "customer_site", NULL, s4.circuit_id, o4, "2026-11-10"));
    assert_ok(
        orders_cancel(&cancelled, db, o4, "customer withdrew", "test", &err));
    /* an active EoDOCSIS service with no modem */
    activate(s5.circuit_id, "2026-11-11");
    /* installed without an order, disconnected 35 days before the audit
     * and never returned */
    assert_ok(receive("CM-6", "S33", "00:11:22:33:44:06", "2026-11-01"));
    assert_ok(
        move("CM-6", "customer_site", NULL, s6.circuit_id, NULL, "2026-11-10"));
    activate(s6.circuit_id, "2026-11-10");
    disconnect(s6.circuit_id, "2026-12-01");
    /* one unit received twice under two spellings of its serial */
    assert_ok(receive("RT-2", "ISR1111", NULL, "2026-11-01"));
    assert_ok(receive("rt 2", "ISR1111", NULL, "2026-11-02"));
    /* the inventory says the warehouse, the history a technician */
    assert_ok(
        move("RT-1", "technician", "Dana Ruiz", NULL, NULL, "2026-11-03"));
    ck_assert_int_eq(
        tl_db_exec(db, NULL,
                   "UPDATE provisioning.equipment SET location_kind ="
                   " 'warehouse', location_ref = 'Bangor DC', status ="
                   " 'in_stock' WHERE serial = 'RT-1'",
                   NULL, &err),
        1);

    fs = run_audit("2027-01-05", NULL, 0, &res);
    ck_assert_int_eq(count_code(&fs, "at_site_without_service"), 1);
    f = find(&fs, "at_site_without_service", "CM-4");
    ck_assert_str_eq(f->circuit_id, s4.circuit_id);
    ck_assert_str_eq(f->account_number, "KL-2001");
    ck_assert_ptr_nonnull(strstr(f->detail, "cancelled"));

    ck_assert_int_eq(count_code(&fs, "service_missing_equipment"), 1);
    f = find(&fs, "service_missing_equipment", "");
    ck_assert_str_eq(f->circuit_id, s5.circuit_id);
    ck_assert_str_eq(f->product_id, "EOD-100");
    ck_assert_str_eq(f->kind, "cable_modem");

    ck_assert_int_eq(count_code(&fs, "serial_in_two_places"), 3);
    f = find(&fs, "serial_in_two_places", "RT-1");
    ck_assert_ptr_nonnull(strstr(f->detail, "technician Dana Ruiz"));
    ck_assert_ptr_nonnull(
        strstr(find(&fs, "serial_in_two_places", "RT-2")->detail, "rt 2"));
    ck_assert_ptr_nonnull(
        strstr(find(&fs, "serial_in_two_places", "rt 2")->detail, "RT-2"));

    ck_assert_int_eq(count_code(&fs, "not_returned_after_disconnect"), 1);
    f = find(&fs, "not_returned_after_disconnect", "CM-6");
    ck_assert_int_eq(f->days, 35);
    ck_assert_int_eq(f->date, day("2026-12-01"));
    ck_assert_int_eq(f->has_fee, 1);
    ck_assert_int_eq(f->fee.minor, 18000);
    ck_assert_str_eq(f->fee.cur, "USD");
    ck_assert_str_eq(f->charge, "recorded");

    ck_assert_int_eq(count_code(&fs, "movement_without_order"), 1);
    f = find(&fs, "movement_without_order", "CM-6");
    ck_assert_int_eq(f->seq, 2);
    ck_assert_str_eq(f->circuit_id, s6.circuit_id);
    ck_assert_int_eq(fs.n, 7);
    ck_assert_int_eq(res.charges_recorded, 1);

    /* the fee is handed to billing once */
    fs = run_audit("2027-01-20", NULL, 0, &res);
    ck_assert_str_eq(find(&fs, "not_returned_after_disconnect", "CM-6")->charge,
                     "already");
    ck_assert_int_eq(res.charges_recorded, 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM"
                        " provisioning.equipment_charge WHERE serial ="
                        " 'CM-6' AND amount_minor = 18000 AND currency ="
                        " 'USD' AND status = 'pending' AND code = 'EOD-CM'"
                        " AND due_on = '2026-12-31'"),
        1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'equipment.audit'"),
                     1);
    /* before the return days are up there is nothing to charge */
    fs = run_audit("2026-12-30", NULL, 1, &res);
    ck_assert_int_eq(count_code(&fs, "not_returned_after_disconnect"), 0);
}
END_TEST

START_TEST(a_model_without_fee_code_takes_the_configured_fee)
{
    char o1[24];
    provisioning_service_t s1 = eod_order("EQ-1", o1);
    provisioning_audit_result res;
    findings fs;

    assert_ok(receive("CM-1", "S33", "00:11:22:33:44:01", "2026-11-01"));
    assert_ok(receive("FW-1", "FG-60F", NULL, "2026-11-01"));
    assert_ok(
        move("CM-1", "customer_site", NULL, s1.circuit_id, o1, "2026-11-10"));
    assert_ok(
        move("FW-1", "customer_site", NULL, s1.circuit_id, o1, "2026-11-10"));
    activate(s1.circuit_id, "2026-11-10");
    disconnect(s1.circuit_id, "2026-12-01");
    /* without a fee: found, nothing charged */
    fs = run_audit("2027-01-05", NULL, 0, &res);
    ck_assert_int_eq(fs.n, 2);
    ck_assert_str_eq(find(&fs, "not_returned_after_disconnect", "FW-1")->charge,
                     "no_fee");
    ck_assert_int_eq(res.charges_recorded, 1);
    /* report only records nothing */
    ck_assert_int_eq(tl_db_exec(db, NULL,
                                "DELETE FROM provisioning.equipment_charge",
                                NULL, &err),
                     1);
    fs = run_audit("2027-01-05", "95.00", 1, &res);
    ck_assert_str_eq(find(&fs, "not_returned_after_disconnect", "FW-1")->charge,
                     "report_only");
    ck_assert_int_eq(res.charges_recorded, 0);
    /* a bad fee is refused */
    {
        provisioning_audit_opts opts;
        memset(&opts, 0, sizeof(opts));
        opts.as_of = day("2027-01-05");
        opts.return_days = 30;
        opts.fee = "95.001";
        ck_assert_int_eq(provisioning_equipment_audit(&res, db, &opts, "test",
                                                      NULL, NULL, &err),
                         TL_EINVALID);
        assert_problem("fee", "format");
        tl_err_clear(&err);
    }
    fs = run_audit("2027-01-05", "95.00", 0, &res);
    ck_assert_int_eq(
        find(&fs, "not_returned_after_disconnect", "FW-1")->fee.minor, 9500);
    ck_assert_int_eq(res.charges_recorded, 2);
    ck_assert_int_eq(tl_fx_count(db, "SELECT sum(amount_minor) AS n FROM"
                                     " provisioning.equipment_charge"),
                     27500);
}
END_TEST

START_TEST(requirements_file_problems_are_reported_with_paths)
{
    provisioning_requirements_result res;
    json_t *doc = json_loads(
        "{\"models\": [{\"model\": \"X1\", \"kind\": \"toaster\","
        " \"maker\": \"Acme\", \"feeCode\": \"EOD-100\"},"
        " {\"model\": \"X2\", \"kind\": \"router\", \"maker\": \"Acme\","
        " \"feeCode\": \"NOPE\"}],"
        " \"requirements\": [{\"product\": \"NOPE\", \"kind\": \"router\","
        " \"required\": true},"
        " {\"product\": \"PRI\", \"kind\": \"iad\"}]}",
        0, NULL);

    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(
        provisioning_equipment_requirements_load(&res, db, doc, "test", &err),
        TL_EINVALID);
    assert_problem("models[0].kind", "unknown_kind");
    assert_problem("models[0].feeCode", "not_nrc");
    assert_problem("models[1].feeCode", "unknown_code");
    assert_problem("requirements[0].product", "unknown_product");
    assert_problem("requirements[1].required", "required");
    json_decref(doc);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " provisioning.equipment_model"),
                     6);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("equipment");
    TCase *tc = tcase_create("equipment");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, receive_refuses_bad_items_first);
    tcase_add_test(tc, an_item_moves_to_a_site_back_and_is_lost);
    tcase_add_test(tc, a_file_with_bad_rows_loads_nothing_and_names_every_one);
    tcase_add_test(tc, the_same_file_twice_changes_nothing);
    tcase_add_test(tc, clean_data_gives_no_findings);
    tcase_add_test(tc, each_exception_is_found);
    tcase_add_test(tc, a_model_without_fee_code_takes_the_configured_fee);
    tcase_add_test(tc, requirements_file_problems_are_reported_with_paths);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
