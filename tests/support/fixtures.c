/*
 * Fixture builders (see fixtures.h).
 */
#include "tests/support/fixtures.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "catalog/catalog.h"
#include "contracts/contracts.h"
#include "provisioning/provisioning.h"

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);

    ck_assert_msg(doc != NULL, "fixture JSON: %s", jerr.text);
    return doc;
}

static void assert_ok(int rc, tl_err *err, const char *what)
{
    char *text = rc < 0 ? tl_err_to_text(err) : NULL;

    ck_assert_msg(rc == 0, "%s failed (%d): %s", what, rc, text ? text : "");
}

/* The characteristics and rule of a DIA product with the given port
 * speed, as in demo/catalog.json. */
#define DIA_CHARS(port)                                                        \
    " \"characteristics\": ["                                                  \
    "  {\"name\": \"portSpeed\", \"valueType\": \"bandwidth\","                \
    "   \"required\": true, \"allowedValues\": [\"" port "\"]},"               \
    "  {\"name\": \"committedBandwidth\", \"valueType\": \"bandwidth\","       \
    "   \"required\": true},"                                                  \
    "  {\"name\": \"ipv4Block\", \"valueType\": \"enum\","                     \
    "   \"allowedValues\": [\"/30\", \"/29\", \"/28\", \"/27\", \"/26\"]}],"   \
    " \"rules\": [{\"rule\": \"notGreaterThan\","                              \
    "  \"characteristic\": \"committedBandwidth\", \"other\": \"portSpeed\"}]"

void tl_fx_catalog(tl_db *db)
{
    static const char *const text =
        "{\"serviceCodes\": ["
        " {\"code\": \"DIA100\", \"name\": \"DIA 100 Mbps port\","
        "  \"chargeKind\": \"MRC\", \"prices\": [{\"currency\": \"USD\","
        "  \"amount\": \"650.00\", \"effectiveFrom\": \"2026-01-01\"}]},"
        " {\"code\": \"DIA500\", \"name\": \"DIA 500 Mbps port\","
        "  \"chargeKind\": \"MRC\", \"prices\": [{\"currency\": \"USD\","
        "  \"amount\": \"1450.00\", \"effectiveFrom\": \"2026-01-01\"}]},"
        " {\"code\": \"DIA-INST\", \"name\": \"DIA installation\","
        "  \"chargeKind\": \"NRC\", \"nrcCategory\": \"installation\","
        "  \"prices\": [{\"currency\": \"USD\", \"amount\": \"750.00\","
        "  \"effectiveFrom\": \"2026-01-01\"}]}],"
        " \"products\": ["
        " {\"id\": \"DIA\", \"name\": \"DIA 500\", \"family\": \"dia\","
        "  \"serviceCodes\": [\"DIA500\", \"DIA-INST\"]," DIA_CHARS(
            "500 Mbps") "},"
                        " {\"id\": \"DIA-100\", \"name\": \"DIA 100\", "
                        "\"family\": \"dia\","
                        "  \"serviceCodes\": [\"DIA100\", "
                        "\"DIA-INST\"]," DIA_CHARS("100 Mbps") "}]}";
    json_t *doc = parse(text);
    catalog_load_result res;
    tl_err err = TL_ERR_INIT;

    assert_ok(catalog_load(&res, db, doc, "test", &err), &err, "catalog load");
    json_decref(doc);
    tl_err_clear(&err);
}

int64_t tl_fx_account(tl_db *db, const char *number, int cycle_day, int site_nr)
{
    char text[1024];
    json_t *doc;
    accounts_load_result res;
    accounts_account_t acct;
    tl_err err = TL_ERR_INIT;

    snprintf(text, sizeof(text),
             "{\"customer\": {\"ref\": \"%s-CUST\", \"name\": \"Customer %s\","
             " \"kind\": \"enterprise\"},"
             " \"accounts\": [{\"accountNumber\": \"%s\","
             " \"name\": \"Account %s\", \"currency\": \"USD\","
             " \"billCycleDay\": %d, \"paymentTermsDays\": 30,"
             " \"sites\": [{\"name\": \"Site %d\", \"address\": {"
             " \"line1\": \"%d Harbor Way\", \"city\": \"Portland\","
             " \"region\": \"ME\", \"postcode\": \"04101\","
             " \"country\": \"US\"}}]}]}",
             number, number, number, number, cycle_day, site_nr, site_nr);
    doc = parse(text);
    assert_ok(accounts_load(&res, db, doc, "test", &err), &err, "account load");
    json_decref(doc);
    assert_ok(accounts_get(&acct, db, number, &err), &err, "account get");
    tl_err_clear(&err);
    return acct.account_id;
}

void tl_fx_contract(tl_db *db, const char *number, const char *start,
                    const char *rate)
{
    char text[512];
    json_t *doc;
    contracts_load_result res;
    tl_err err = TL_ERR_INIT;

    snprintf(text, sizeof(text),
             "{\"ref\": \"%s-MSA\", \"accountNumber\": \"%s\","
             " \"startDate\": \"%s\", \"termMonths\": 36,"
             " \"autoAcceptanceDays\": 5, \"currency\": \"USD\","
             " \"rates\": [{\"code\": \"DIA500\", \"amount\": \"%s\"}]}",
             number, number, start, rate);
    doc = parse(text);
    assert_ok(contracts_load(&res, db, doc, "test", &err), &err,
              "contract load");
    json_decref(doc);
    tl_err_clear(&err);
}

json_t *tl_fx_order_doc(const char *number, const char *external_id,
                        int site_nr)
{
    char text[2048];

    snprintf(text, sizeof(text),
             "{\"externalId\": \"%s\","
             " \"requestedStartDate\": \"2026-11-10T00:00:00Z\","
             " \"billingAccount\": {\"id\": \"%s\"},"
             " \"productOrderItem\": [{\"id\": \"1\", \"action\": \"add\","
             "  \"productOffering\": {\"id\": \"DIA\"},"
             "  \"product\": {\"productCharacteristic\": ["
             "   {\"name\": \"portSpeed\", \"value\": \"500 Mbps\"},"
             "   {\"name\": \"committedBandwidth\", \"value\": \"500 Mbps\"},"
             "   {\"name\": \"ipv4Block\", \"value\": \"/29\"}],"
             "   \"place\": [{\"role\": \"serviceAddress\","
             "    \"streetNr\": \"%d\", \"streetName\": \"Harbor Way\","
             "    \"city\": \"Portland\", \"stateOrProvince\": \"ME\","
             "    \"postcode\": \"04101\", \"country\": \"US\"}]}}]}",
             external_id, number, site_nr);
    return parse(text);
}

orders_order_t tl_fx_order(tl_db *db, const char *number,
                           const char *external_id, int site_nr)
{
    json_t *doc = tl_fx_order_doc(number, external_id, site_nr);
    orders_submit_result res;
    orders_order_t order;
    tl_err err = TL_ERR_INIT;
    int created = 0;

    /* fixtures order the same product for one site many times */
    assert_ok(orders_submit_ex(&res, db, doc, tl_fx_received(),
                               ORDERS_ALLOW_DUPLICATE, "test", &err),
              &err, "order submit");
    json_decref(doc);
    assert_ok(orders_accept(&order, db, res.order.order_number, "test", &err),
              &err, "order accept");
    assert_ok(
        provisioning_open_order(&created, db, order.order_number, "test", &err),
        &err, "provisioning open");
    assert_ok(orders_get(&order, db, res.order.order_number, &err), &err,
              "order get");
    tl_err_clear(&err);
    return order;
}

int64_t tl_fx_count(tl_db *db, const char *sql)
{
    PGresult *res = NULL;
    tl_err err = TL_ERR_INIT;
    tl_row row;
    int64_t n = -1;
    int rc;

    rc = tl_db_query_one(db, &res, NULL, sql, NULL, &err);
    ck_assert_msg(rc == 1, "count query failed: %s", err.message);
    row.res = res;
    row.row = 0;
    rc = tl_row_int64(&row, "n", &n, &err);
    PQclear(res);
    ck_assert_msg(rc == 0, "count column: %s", err.message);
    tl_err_clear(&err);
    return n;
}

tl_date tl_fx_received(void)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_from_ymd(&d, 2026, 11, 2), 0);
    return d;
}
