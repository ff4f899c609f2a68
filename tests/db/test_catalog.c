/*
 * The catalog against a fresh database: price history and precedence,
 * loading the demo catalog over an old one, every load error kind with
 * nothing written, characteristic checks through the database, tax rules
 * by date, CSV price lists, and export round trips.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "common/json.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

#define DEMO TL_SOURCE_DIR "/demo/"

static tl_db *db;
static tl_err err;

static void setup(void)
{
    db = tl_test_db_open();
    tl_err_init(&err);
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

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);

    ck_assert_msg(doc != NULL, "%s: %s", jerr.text, text);
    return doc;
}

static json_t *demo(void)
{
    json_t *doc = NULL;

    ck_assert_int_eq(
        tl_json_load_file(&doc, DEMO "catalog.json", TL_JSON_MAX_BYTES, &err),
        0);
    return doc;
}

static void load_ok(json_t *doc, catalog_load_result *res)
{
    int rc = catalog_load(res, db, doc, "test", &err);
    char *text = rc < 0 ? tl_err_to_text(&err) : NULL;

    ck_assert_msg(rc == 0, "load failed: %s", text ? text : "");
    json_decref(doc);
}

static void assert_problem(const char *field, const char *code)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0 &&
            strcmp(err.problems[i].code, code) == 0)
            return;
    for (i = 0; i < err.n_problems; i++)
        fprintf(stderr, "  %s %s: %s\n", err.problems[i].field,
                err.problems[i].code, err.problems[i].message);
    ck_abort_msg("no %s problem at %s", code, field);
}

static int64_t price_on(const char *code, const char *cur, const char *on)
{
    tl_money m;
    int rc = catalog_list_price(&m, db, code, cur, day(on), &err);

    if (rc < 0)
        return rc;
    ck_assert_str_eq(m.cur, cur);
    return m.minor;
}

/* ---- prices ---- */

START_TEST(price_history_and_precedence)
{
    catalog_load_result res;
    static const struct {
        const char *code;
        const char *cur;
        const char *on;
        int64_t minor;
    } cases[] = {{"EPL1G", "USD", "2026-01-01", 180000},
                 {"EPL1G", "USD", "2026-09-30", 180000},
                 {"EPL1G", "USD", "2026-10-01", 172500},
                 {"EPL1G", "USD", "2030-01-01", 172500},
                 {"DIA1G", "CAD", "2026-12-31", 330000},
                 {"DIA1G", "CAD", "2027-01-01", 310000},
                 {"DIA500", "USD", "2026-11-14", 145000},
                 {"DIA-INST", "CAD", "2026-11-14", 101500},
                 {"EPL1G", "USD", "2025-12-31", TL_ENOTFOUND},
                 {"EPL1G", "CAD", "2026-06-01", TL_ENOTFOUND}};
    size_t i;

    load_ok(demo(), &res);
    ck_assert_int_eq(res.codes_added, 25);
    ck_assert_int_eq(res.prices_added, 38);
    ck_assert_int_eq(res.products_added, 15);
    ck_assert_int_eq(res.tax_rules_added, 6);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(price_on(cases[i].code, cases[i].cur, cases[i].on) ==
                          cases[i].minor,
                      "%s %s on %s", cases[i].code, cases[i].cur, cases[i].on);
    /* the same file again changes nothing */
    load_ok(demo(), &res);
    ck_assert_int_eq(res.codes_added + res.prices_added + res.products_added +
                         res.characteristics_added + res.rules_added +
                         res.tax_rules_added + res.tax_categories_added,
                     0);
    ck_assert_int_gt(res.unchanged, 100);
}
END_TEST

START_TEST(later_price_never_rewrites_earlier)
{
    catalog_load_result res;
    json_t *doc;

    tl_fx_catalog(db);
    /* a later price is an addition; the earlier one still answers */
    doc = parse("{\"serviceCodes\": [{\"code\": \"DIA500\", \"name\": \"DIA "
                "500 Mbps port\", \"chargeKind\": \"MRC\", \"prices\": ["
                "{\"currency\": \"USD\", \"amount\": \"1399.00\","
                " \"effectiveFrom\": \"2027-03-01\"}]}]}");
    load_ok(doc, &res);
    ck_assert_int_eq(res.prices_added, 1);
    ck_assert_int_eq(price_on("DIA500", "USD", "2027-02-28"), 145000);
    ck_assert_int_eq(price_on("DIA500", "USD", "2027-03-01"), 139900);
    /* a changed amount on a stored date is refused, nothing written */
    doc = parse("{\"serviceCodes\": [{\"code\": \"DIA500\", \"name\": \"DIA "
                "500 Mbps port\", \"chargeKind\": \"MRC\", \"prices\": ["
                "{\"currency\": \"USD\", \"amount\": \"1300.00\","
                " \"effectiveFrom\": \"2026-01-01\"},"
                "{\"currency\": \"USD\", \"amount\": \"1200.00\","
                " \"effectiveFrom\": \"2028-01-01\"}]}]}");
    ck_assert_int_eq(catalog_load(&res, db, doc, "test", &err), TL_EINVALID);
    assert_problem("serviceCodes[0].prices[0]", "conflict");
    json_decref(doc);
    ck_assert_int_eq(price_on("DIA500", "USD", "2026-06-01"), 145000);
    ck_assert_int_eq(price_on("DIA500", "USD", "2028-06-01"), 139900);
}
END_TEST

static int count_price(const catalog_price_t *p, void *cls, tl_err *e)
{
    (void)e;
    (void)p;
    (*(int *)cls)++;
    return 0;
}

START_TEST(demo_loads_over_the_old_demo_catalog)
{
    catalog_load_result res;
    json_t *old = parse(
        "{\"serviceCodes\": ["
        " {\"code\": \"DIA100\", \"name\": \"DIA 100 Mbps port\", "
        "\"chargeKind\": \"MRC\", \"prices\": [{\"currency\": \"USD\", "
        "\"amount\": \"650.00\", \"effectiveFrom\": \"2026-01-01\"}]},"
        " {\"code\": \"DIA500\", \"name\": \"DIA 500 Mbps port\", "
        "\"chargeKind\": \"MRC\", \"prices\": [{\"currency\": \"USD\", "
        "\"amount\": \"1450.00\", \"effectiveFrom\": \"2026-01-01\"}]},"
        " {\"code\": \"DIA-INST\", \"name\": \"DIA installation\", "
        "\"chargeKind\": \"NRC\", \"nrcCategory\": \"installation\", "
        "\"prices\": [{\"currency\": \"USD\", \"amount\": \"750.00\", "
        "\"effectiveFrom\": \"2026-01-01\"}]}],"
        " \"products\": [{\"id\": \"DIA\", \"name\": \"Dedicated Internet "
        "Access 500 Mbps\", \"family\": \"dia\", \"serviceCodes\": "
        "[\"DIA500\", \"DIA-INST\"]}]}");
    int n = 0;

    load_ok(json_deep_copy(old), &res);
    load_ok(demo(), &res);
    ck_assert_int_eq(res.products_added, 14);
    ck_assert_int_eq(res.characteristics_added, 44);
    ck_assert_int_eq(res.tax_categories_added, 3);
    /* and the old file still loads, unchanged, over the new catalog */
    load_ok(old, &res);
    ck_assert_int_eq(res.unchanged, 7);
    ck_assert_int_eq(res.tax_categories_added, 0);
    ck_assert_int_eq(
        catalog_price_history(db, "DIA1G", NULL, count_price, &n, &err), 4);
    ck_assert_int_eq(n, 4);
}
END_TEST

/* ---- load errors ---- */

START_TEST(every_load_error_kind)
{
    catalog_load_result res;
    json_t *doc = parse(
        "{\"serviceCodes\": ["
        " {\"code\": \"X1\", \"name\": \"X\", \"chargeKind\": \"MRC\","
        "  \"taxCategory\": \"food\", \"prices\": [{\"currency\": \"USD\","
        "  \"amount\": \"1.00\", \"effectiveFrom\": \"2026-01-01\"}]}],"
        " \"products\": [{\"id\": \"P1\", \"name\": \"P\", \"family\": "
        "\"dia\", \"placeRoles\": [\"A-loc\", \"zLocation\", \"zLocation\"],"
        "  \"serviceCodes\": [{\"code\": \"X1\", \"quantityFrom\": \"nope\"},"
        "   {\"code\": \"X1\", \"quantityFrom\": \"speed\"}, 7, \"NOPE\","
        "   {\"code\": \"X1\", \"includedWhen\": \"speed\"},"
        "   {\"code\": \"X1\", \"includedWhen\": \"nope\"}],"
        "  \"characteristics\": ["
        "   {\"name\": \"speed\", \"valueType\": \"bandwidth\","
        "    \"min\": \"fast\", \"allowedValues\": [\"1 Gbps\", \"1000 "
        "Mbps\"]},"
        "   {\"name\": \"Bad Name\", \"valueType\": \"integer\"},"
        "   {\"name\": \"speed\", \"valueType\": \"colour\"},"
        "   {\"name\": \"mode\", \"valueType\": \"enum\"},"
        "   {\"name\": \"count\", \"valueType\": \"integer\", \"min\": 5,"
        "    \"max\": 2, \"multipleOf\": 0, \"required\": \"yes\"},"
        "   {\"name\": \"label\", \"valueType\": \"text\", \"min\": 1,"
        "    \"colour\": \"red\"}],"
        "  \"rules\": [{\"rule\": \"notGreaterThan\", \"characteristic\": "
        "\"count\", \"other\": \"speed\"},"
        "   {\"rule\": \"lessThan\", \"characteristic\": \"ghost\", "
        "\"other\": \"count\"}]}],"
        " \"taxRules\": ["
        "  {\"jurisdiction\": \"usa\", \"chargeCategory\": \"food\","
        "   \"taxCode\": \"bad code\", \"name\": \"T\", \"kind\": \"levy\","
        "   \"basis\": \"percent\", \"ratePercent\": \"101\","
        "   \"effectiveFrom\": \"2026-01-01\", \"effectiveTo\": "
        "\"2025-01-01\"},"
        "  {\"jurisdiction\": \"US\", \"taxCode\": \"E911\", \"name\": \"E\","
        "   \"kind\": \"surcharge\", \"basis\": \"per_unit\", \"amount\": "
        "\"0.355\", \"currency\": \"USD\", \"ratePercent\": \"1\","
        "   \"effectiveFrom\": \"2026-01-01\"},"
        "  {\"jurisdiction\": \"US\", \"taxCode\": \"X\", \"name\": \"X\","
        "   \"kind\": \"tax\", \"basis\": \"flat\", \"effectiveFrom\": "
        "\"2026-01-01\"},"
        "  {\"jurisdiction\": \"US\", \"taxCode\": \"X\", \"name\": \"X\","
        "   \"kind\": \"tax\", \"basis\": \"percent\", \"ratePercent\": "
        "\"1\", \"effectiveFrom\": \"2026-01-01\"},"
        "  {\"jurisdiction\": \"US\", \"taxCode\": \"X\", \"name\": \"X\","
        "   \"kind\": \"tax\", \"basis\": \"percent\", \"ratePercent\": "
        "\"2\", \"effectiveFrom\": \"2026-01-01\"}]}");

    ck_assert_int_eq(catalog_load(&res, db, doc, "test", &err), TL_EINVALID);
    assert_problem("serviceCodes[0].taxCategory", "format");
    assert_problem("products[0].placeRoles[0]", "format");
    assert_problem("products[0].placeRoles[2]", "duplicate");
    assert_problem("products[0].serviceCodes[0].quantityFrom",
                   "unknown_characteristic");
    assert_problem("products[0].serviceCodes[1].quantityFrom", "type");
    assert_problem("products[0].serviceCodes[2]", "type");
    assert_problem("products[0].serviceCodes[3]", "unknown_code");
    assert_problem("products[0].serviceCodes[4].includedWhen", "type");
    assert_problem("products[0].serviceCodes[5].includedWhen",
                   "unknown_characteristic");
    assert_problem("products[0].characteristics[0].min", "type");
    assert_problem("products[0].characteristics[0].allowedValues[1]",
                   "duplicate");
    assert_problem("products[0].characteristics[1].name", "format");
    assert_problem("products[0].characteristics[2].name", "duplicate");
    assert_problem("products[0].characteristics[2].valueType", "format");
    assert_problem("products[0].characteristics[3].allowedValues", "required");
    assert_problem("products[0].characteristics[4].max", "range");
    assert_problem("products[0].characteristics[4].multipleOf", "range");
    assert_problem("products[0].characteristics[4].required", "type");
    assert_problem("products[0].characteristics[5].min", "format");
    assert_problem("products[0].characteristics[5].colour", "unknown_field");
    assert_problem("products[0].rules[0].other", "type");
    assert_problem("products[0].rules[1].rule", "format");
    assert_problem("products[0].rules[1].characteristic",
                   "unknown_characteristic");
    assert_problem("taxRules[0].jurisdiction", "format");
    assert_problem("taxRules[0].chargeCategory", "format");
    assert_problem("taxRules[0].taxCode", "format");
    assert_problem("taxRules[0].kind", "format");
    assert_problem("taxRules[0].ratePercent", "format");
    assert_problem("taxRules[0].effectiveTo", "range");
    assert_problem("taxRules[1].amount", "format");
    assert_problem("taxRules[1].ratePercent", "exclusive");
    assert_problem("taxRules[2].basis", "format");
    assert_problem("taxRules[4]", "duplicate");
    json_decref(doc);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM catalog.service_code"), 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM catalog.tax_rule"), 0);
}
END_TEST

START_TEST(changed_definitions_are_conflicts)
{
    catalog_load_result res;
    json_t *doc;

    tl_fx_catalog(db);
    doc = parse(
        "{\"products\": [{\"id\": \"DIA\", \"name\": \"DIA 500\", \"family\": "
        "\"dia\", \"serviceCodes\": [\"DIA500\", \"DIA-INST\"],"
        " \"characteristics\": [{\"name\": \"portSpeed\", \"valueType\": "
        "\"bandwidth\", \"required\": true, \"allowedValues\": [\"1 Gbps\"]}],"
        " \"rules\": []},"
        " {\"id\": \"DIA-100\", \"name\": \"DIA 100\", \"family\": \"dia\","
        " \"placeRoles\": [\"aLocation\", \"zLocation\"],"
        " \"serviceCodes\": [\"DIA100\", \"DIA-INST\"]}],"
        " \"taxRules\": [{\"jurisdiction\": \"US\", \"taxCode\": \"US-REG\","
        " \"name\": \"Reg\", \"kind\": \"surcharge\", \"basis\": \"percent\","
        " \"ratePercent\": \"1\", \"effectiveFrom\": \"2026-01-01\"}]}");
    ck_assert_int_eq(catalog_load(&res, db, doc, "test", &err), TL_EINVALID);
    assert_problem("products[0].characteristics", "conflict");
    assert_problem("products[0].rules", "conflict");
    assert_problem("products[1]", "conflict");
    ck_assert_int_eq(err.n_problems, 3);
    json_decref(doc);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM catalog.tax_rule"), 0);
    tl_err_clear(&err);
    /* a tax rule row with another rate is a conflict too */
    load_ok(parse("{\"taxRules\": [{\"jurisdiction\": \"US\", \"taxCode\": "
                  "\"US-REG\", \"name\": \"Reg\", \"kind\": \"surcharge\","
                  " \"basis\": \"percent\", \"ratePercent\": \"1\","
                  " \"effectiveFrom\": \"2026-01-01\"}]}"),
            &res);
    doc = parse("{\"taxRules\": [{\"jurisdiction\": \"US\", \"taxCode\": "
                "\"US-REG\", \"name\": \"Reg\", \"kind\": \"surcharge\","
                " \"basis\": \"percent\", \"ratePercent\": \"1.5\","
                " \"effectiveFrom\": \"2026-01-01\"}]}");
    ck_assert_int_eq(catalog_load(&res, db, doc, "test", &err), TL_EINVALID);
    assert_problem("taxRules[0]", "conflict");
    json_decref(doc);
}
END_TEST

/* The fixture's DIA definitions, then one more characteristic. */
#define GROWN_DIA(required)                                                    \
    "{\"products\": [{\"id\": \"DIA\", \"name\": \"DIA 500\", \"family\": "   \
    "\"dia\", \"serviceCodes\": [\"DIA500\", \"DIA-INST\"],"                   \
    " \"characteristics\": ["                                                  \
    "  {\"name\": \"portSpeed\", \"valueType\": \"bandwidth\","                \
    "   \"required\": true, \"allowedValues\": [\"500 Mbps\"]},"               \
    "  {\"name\": \"committedBandwidth\", \"valueType\": \"bandwidth\","       \
    "   \"required\": true},"                                                  \
    "  {\"name\": \"ipv4Block\", \"valueType\": \"enum\","                     \
    "   \"allowedValues\": [\"/30\", \"/29\", \"/28\", \"/27\", \"/26\"]},"   \
    "  {\"name\": \"diverseRoute\", \"valueType\": \"boolean\","               \
    "   \"required\": " required "}]}]}"

START_TEST(a_product_grows_by_optional_characteristics)
{
    catalog_load_result res;
    json_t *doc;

    tl_fx_catalog(db);
    /* a new required characteristic would change what was sold */
    doc = parse(GROWN_DIA("true"));
    ck_assert_int_eq(catalog_load(&res, db, doc, "test", &err), TL_EINVALID);
    assert_problem("products[0].characteristics", "conflict");
    json_decref(doc);
    tl_err_clear(&err);
    load_ok(parse(GROWN_DIA("false")), &res);
    ck_assert_int_eq(res.characteristics_added, 1);
    load_ok(parse(GROWN_DIA("false")), &res);
    ck_assert_int_eq(res.characteristics_added, 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM catalog.characteristic_def"
                        " WHERE product_id = 'DIA'"),
        4);
}
END_TEST

/* ---- characteristics through the database ---- */

START_TEST(order_characteristics_checked)
{
    json_t *order = tl_fx_order_doc("HH-1001", "X-1", 100);
    const json_t *list;
    json_t *chars = json_object();
    const json_t *c;
    size_t i;

    tl_fx_catalog(db);
    /* the fixture order's characteristics pass */
    list = json_object_get(
        json_object_get(
            json_array_get(json_object_get(order, "productOrderItem"), 0),
            "product"),
        "productCharacteristic");
    json_array_foreach(list, i, c)
        json_object_set(chars, json_string_value(json_object_get(c, "name")),
                        json_object_get(c, "value"));
    ck_assert_int_eq(catalog_check_characteristics(db, "DIA", chars, "p", &err),
                     0);
    ck_assert_int_eq(err.n_problems, 0);
    /* on DIA-100 the port speed is not allowed; above it the committed
     * bandwidth breaks the rule */
    json_object_set_new(chars, "committedBandwidth", json_string("1 Gbps"));
    ck_assert_int_eq(
        catalog_check_characteristics(db, "DIA-100", chars, "p", &err), 0);
    assert_problem("p.portSpeed", "not_allowed");
    assert_problem("p.committedBandwidth", "rule");
    ck_assert_str_eq(err.problems[1].message,
                     "committedBandwidth (1 Gbps) cannot exceed portSpeed "
                     "(500 Mbps)");
    ck_assert_int_eq(err.n_problems, 2);
    tl_err_clear(&err);
    ck_assert_int_eq(
        catalog_check_characteristics(db, "NOPE", chars, "p", &err),
        TL_ENOTFOUND);
    ck_assert_int_eq(err.n_problems, 0);
    ck_assert_int_eq(err.status, 0);
    json_decref(chars);
    json_decref(order);
}
END_TEST

START_TEST(demo_products_check_their_characteristics)
{
    catalog_load_result res;
    catalog_product_t p;
    json_t *ok;
    json_t *bad;

    load_ok(demo(), &res);
    ck_assert_int_eq(catalog_product_get(&p, db, "EPL-1G", &err), 0);
    ck_assert_str_eq(p.family, "private_line");
    ck_assert_int_eq(p.n_place_roles, 2);
    ck_assert_str_eq(p.place_roles[0], "aLocation");
    ck_assert_str_eq(p.place_roles[1], "zLocation");
    ck_assert_int_eq(catalog_product_get(&p, db, "NOPE", &err), TL_ENOTFOUND);
    tl_err_clear(&err);
    ok = parse("{\"spans\": 2, \"channels\": 46, \"didBlocks\": \"3\"}");
    ck_assert_int_eq(catalog_check_characteristics(db, "PRI", ok, "c", &err),
                     0);
    ck_assert_int_eq(err.n_problems, 0);
    bad = parse("{\"spans\": 9, \"channels\": 50, \"signaling\": \"QSIG\"}");
    ck_assert_int_eq(catalog_check_characteristics(db, "PRI", bad, "c", &err),
                     0);
    assert_problem("c.spans", "range");
    assert_problem("c.channels", "multiple_of");
    assert_problem("c.signaling", "not_allowed");
    assert_problem("c", "required");
    ck_assert_int_eq(err.n_problems, 4);
    json_decref(ok);
    json_decref(bad);
}
END_TEST

/* ---- taxes ---- */

typedef struct taxes {
    int n;
    catalog_tax_rule_t r[16];
} taxes;

static int collect_tax(const catalog_tax_rule_t *r, void *cls, tl_err *e)
{
    taxes *t = cls;

    (void)e;
    if (t->n < 16)
        t->r[t->n] = *r;
    t->n++;
    return 0;
}

static taxes lookup(const char *j, const char *cat, const char *on)
{
    taxes t;

    memset(&t, 0, sizeof(t));
    ck_assert_int_eq(
        catalog_tax_rules(db, j, cat, day(on), collect_tax, &t, &err), t.n);
    return t;
}

START_TEST(tax_rules_by_date)
{
    catalog_load_result res;
    taxes t;

    load_ok(demo(), &res);
    /* before any rule */
    t = lookup("US-ME", "telecom", "2025-12-31");
    ck_assert_int_eq(t.n, 0);
    /* Maine telecom in spring: E911, ME-SPT, US-FUSF at 33.6%, US-REG */
    t = lookup("US-ME", "telecom", "2026-06-30");
    ck_assert_int_eq(t.n, 4);
    ck_assert_str_eq(t.r[0].tax_code, "E911");
    ck_assert_str_eq(t.r[0].basis, "per_unit");
    ck_assert_int_eq(t.r[0].per_unit.minor, 35);
    ck_assert_str_eq(t.r[0].per_unit.cur, "USD");
    ck_assert_str_eq(t.r[1].tax_code, "ME-SPT");
    ck_assert_int_eq(t.r[1].rate_ppm, 60000);
    ck_assert_str_eq(t.r[2].tax_code, "US-FUSF");
    ck_assert_str_eq(t.r[2].jurisdiction, "US");
    ck_assert_int_eq(t.r[2].rate_ppm, 336000);
    ck_assert_str_eq(t.r[3].tax_code, "US-REG");
    ck_assert_str_eq(t.r[3].charge_category, "");
    /* the USF rate change */
    t = lookup("US-ME", "telecom", "2026-07-01");
    ck_assert_int_eq(t.r[2].rate_ppm, 352000);
    ck_assert_int_eq(t.r[2].effective_from, day("2026-07-01"));
    /* equipment in Maine: sales tax and the all-category fee */
    t = lookup("US-ME", "equipment", "2026-11-01");
    ck_assert_int_eq(t.n, 2);
    ck_assert_str_eq(t.r[0].tax_code, "ME-SALES");
    ck_assert_int_eq(t.r[0].rate_ppm, 55000);
    /* federal only for another state */
    t = lookup("US-NH", "telecom", "2026-11-01");
    ck_assert_int_eq(t.n, 2);
    /* a rate of 0 retires a rule; an effectiveTo ends one */
    load_ok(parse("{\"taxRules\": ["
                  "{\"jurisdiction\": \"US-ME\", \"chargeCategory\": "
                  "\"equipment\", \"taxCode\": \"ME-SALES\", \"name\": "
                  "\"Maine sales tax\", \"kind\": \"tax\", \"basis\": "
                  "\"percent\", \"ratePercent\": \"0\", \"effectiveFrom\": "
                  "\"2027-01-01\"},"
                  "{\"jurisdiction\": \"US-ME\", \"chargeCategory\": "
                  "\"telecom\", \"taxCode\": \"ME-TEMP\", \"name\": "
                  "\"Temporary\", \"kind\": \"surcharge\", \"basis\": "
                  "\"percent\", \"ratePercent\": \"0.5\", \"effectiveFrom\": "
                  "\"2026-01-01\", \"effectiveTo\": \"2026-04-01\"}]}"),
            &res);
    ck_assert_int_eq(res.tax_rules_added, 2);
    t = lookup("US-ME", "equipment", "2027-01-01");
    ck_assert_int_eq(t.n, 1);
    t = lookup("US-ME", "equipment", "2026-12-31");
    ck_assert_int_eq(t.n, 2);
    t = lookup("US-ME", "telecom", "2026-03-31");
    ck_assert_int_eq(t.n, 5);
    t = lookup("US-ME", "telecom", "2026-04-01");
    ck_assert_int_eq(t.n, 4);
    /* NULL jurisdiction and category: everything in force */
    t = lookup(NULL, NULL, "2026-08-01");
    ck_assert_int_eq(t.n, 5);
}
END_TEST

/* ---- CSV price lists ---- */

static int load_csv(catalog_load_result *res, const char *text)
{
    return catalog_load_prices_csv(res, db, text, strlen(text), "test", &err);
}

START_TEST(csv_price_list)
{
    catalog_load_result res;

    tl_fx_catalog(db);
    ck_assert_int_eq(load_csv(&res, "code,currency,amount,effectiveFrom\n"
                                    "DIA500,USD,1450.00,2026-01-01\n"
                                    "\"DIA500\",USD,\"1399.00\",2027-01-01\r\n"
                                    "DIA100,CAD,880,2026-01-01\n"),
                     0);
    ck_assert_int_eq(res.prices_added, 2);
    ck_assert_int_eq(res.unchanged, 1);
    ck_assert_int_eq(price_on("DIA500", "USD", "2027-01-01"), 139900);
    ck_assert_int_eq(price_on("DIA100", "CAD", "2026-01-01"), 88000);
    /* every bad row reported, nothing loaded */
    ck_assert_int_eq(load_csv(&res, "code,currency,amount,effectiveFrom\n"
                                    "DIA500,USD,9.00,2029-01-01\n"
                                    "NOPE,XXX,1.00,2026-02-30\n"
                                    "DIA500,USD,-1.00,2029-02-01\n"
                                    "DIA500,JPY,1.5,2029-02-01\n"
                                    "DIA500,USD\n"
                                    "DIA500,USD,9.00,2029-01-01\n"
                                    "DIA500,\"USD,1.00,2029-03-01\n"),
                     TL_EINVALID);
    assert_problem("row[3].code", "unknown_code");
    assert_problem("row[3].currency", "currency");
    assert_problem("row[3].effectiveFrom", "format");
    assert_problem("row[4].amount", "range");
    assert_problem("row[5].amount", "format");
    assert_problem("row[6]", "columns");
    assert_problem("row[7].effectiveFrom", "duplicate");
    assert_problem("row[8]", "csv_syntax");
    ck_assert_int_eq(price_on("DIA500", "USD", "2029-06-01"), 139900);
    tl_err_clear(&err);
    /* a stored date with another amount */
    ck_assert_int_eq(load_csv(&res, "code,currency,amount,effectiveFrom\n"
                                    "DIA500,USD,1.00,2029-01-01\n"
                                    "DIA500,USD,1460.00,2026-01-01\n"),
                     TL_EINVALID);
    assert_problem("row[3]", "conflict");
    ck_assert_int_eq(price_on("DIA500", "USD", "2029-06-01"), 139900);
    tl_err_clear(&err);
    ck_assert_int_eq(load_csv(&res, "code,amount\nDIA500,1.00\n"), TL_EINVALID);
    assert_problem("row[1]", "header");
    tl_err_clear(&err);
    ck_assert_int_eq(load_csv(&res, ""), TL_EINVALID);
    assert_problem("", "required");
}
END_TEST

/* ---- export ---- */

START_TEST(export_round_trips)
{
    catalog_load_result res;
    json_t *first = NULL;
    json_t *second = NULL;
    char *a;
    char *b;
    char *csv = NULL;

    load_ok(demo(), &res);
    ck_assert_int_eq(catalog_export(&first, db, &err), 0);
    ck_assert_int_eq(json_array_size(json_object_get(first, "products")), 15);
    /* reloading the export changes nothing */
    load_ok(json_deep_copy(first), &res);
    ck_assert_int_eq(res.prices_added + res.codes_added + res.products_added,
                     0);
    /* into an empty database, and out again: the same document */
    tl_test_db_close(db);
    db = tl_test_db_open();
    load_ok(json_deep_copy(first), &res);
    ck_assert_int_eq(res.prices_added, 38);
    ck_assert_int_eq(catalog_export(&second, db, &err), 0);
    a = json_dumps(first, JSON_INDENT(1));
    b = json_dumps(second, JSON_INDENT(1));
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(catalog_export_prices_csv(&csv, db, &err), 0);
    ck_assert_ptr_nonnull(strstr(csv, "code,currency,amount,effectiveFrom\n"
                                      "DIA-INST,CAD,1015.00,2026-01-01\n"));
    ck_assert_int_eq(load_csv(&res, csv), 0);
    ck_assert_int_eq(res.prices_added, 0);
    ck_assert_int_eq(res.unchanged, 38);
    free(a);
    free(b);
    free(csv);
    json_decref(first);
    json_decref(second);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_load_error_kind);
    tcase_add_test(tc, changed_definitions_are_conflicts);
    tcase_add_test(tc, a_product_grows_by_optional_characteristics);
    tcase_add_test(tc, price_history_and_precedence);
    tcase_add_test(tc, later_price_never_rewrites_earlier);
    tcase_add_test(tc, demo_loads_over_the_old_demo_catalog);
    tcase_add_test(tc, order_characteristics_checked);
    tcase_add_test(tc, demo_products_check_their_characteristics);
    tcase_add_test(tc, tax_rules_by_date);
    tcase_add_test(tc, csv_price_list);
    tcase_add_test(tc, export_round_trips);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
