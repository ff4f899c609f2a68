/*
 * Order intake beyond the document: the parties of an order, prices for
 * every service code, probable duplicates, the coordinator's decisions,
 * order-entry feedback and what an account executive may see.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "catalog/catalog.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

/* HH-1001 (USD) sold by AE-RCHEN through agent SUMMIT; NW-2001 (CAD, no
 * price list in CAD) held by AE-JDOE; AE-JDOE and agent ACME exist. */
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
    " \"04101\", \"country\": \"US\"}}],"
    "  \"accountExecutive\": {\"ref\": \"AE-RCHEN\", \"name\": \"Rachel Chen\","
    "   \"from\": \"2026-01-01\"},"
    "  \"agentOfRecord\": {\"ref\": \"SUMMIT\", \"name\": \"Summit\","
    "   \"from\": \"2026-01-01\"}},"
    "  {\"accountNumber\": \"NW-2001\", \"name\": \"NW\", \"currency\": \"CAD\","
    "  \"billCycleDay\": 1, \"paymentTermsDays\": 30,"
    "  \"sites\": [{\"name\": \"Yard\", \"address\": {\"line1\": \"7 Dock"
    " Road\", \"city\": \"Halifax\", \"region\": \"NS\", \"postcode\":"
    " \"B3H 1A1\", \"country\": \"CA\"}}],"
    "  \"accountExecutive\": {\"ref\": \"AE-JDOE\", \"name\": \"Jo Doe\","
    "   \"from\": \"2026-01-01\"},"
    "  \"agentOfRecord\": {\"ref\": \"ACME\", \"name\": \"Acme Agents\","
    "   \"from\": \"2026-01-01\"}}]}";

static void setup(void)
{
    accounts_load_result res;
    json_t *doc;

    db = tl_test_db_open();
    tl_err_init(&err);
    tl_fx_catalog(db);
    doc = json_loads(book, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(accounts_load(&res, db, doc, "test", &err), 0);
    json_decref(doc);
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

static const char *problem_code(const char *field)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0)
            return err.problems[i].code;
    return "(none)";
}

static int64_t orders_stored(void)
{
    return tl_fx_count(db, "SELECT count(*) AS n FROM orders.sales_order");
}

/* The order's first item, and a member of its product (place,
 * productCharacteristic). */
static json_t *first_item(json_t *doc)
{
    return json_array_get(json_object_get(doc, "productOrderItem"), 0);
}

static json_t *first_product_part(json_t *doc, const char *key)
{
    return json_object_get(json_object_get(first_item(doc), "product"), key);
}

/* The fixture order with relatedParty entries (role, id pairs). */
static json_t *order_with(const char *external_id, const char *r1,
                          const char *id1, const char *r2, const char *id2)
{
    json_t *doc = tl_fx_order_doc("HH-1001", external_id, 100);
    json_t *parties = json_array();

    if (r1 != NULL)
        json_array_append_new(parties,
                              json_pack("{s:s, s:s}", "id", id1, "role", r1));
    if (r2 != NULL)
        json_array_append_new(parties,
                              json_pack("{s:s, s:s}", "id", id2, "role", r2));
    json_object_set_new(doc, "relatedParty", parties);
    return doc;
}

static orders_order_t submit_ok(json_t *doc, unsigned flags)
{
    orders_submit_result res;

    ck_assert_int_eq(orders_submit_ex(&res, db, doc, tl_fx_received(), flags,
                                      "test", &err),
                     0);
    json_decref(doc);
    return res.order;
}

static void submit_refused(json_t *doc)
{
    orders_submit_result res;

    ck_assert_int_eq(
        orders_submit(&res, db, doc, tl_fx_received(), "test", &err),
        TL_EINVALID);
    json_decref(doc);
}

START_TEST(parties_are_checked_and_stored)
{
    orders_order_t o;

    /* no relatedParty: the account's executive on the day, no agent */
    o = submit_ok(order_with("EXT-1", NULL, NULL, NULL, NULL), 0);
    ck_assert_str_eq(o.ae_ref, "AE-RCHEN");
    ck_assert_str_eq(o.agent_ref, "");
    /* named: another executive and an agent, and the right customer */
    tl_err_clear(&err);
    ck_assert_int_eq(orders_cancel(&o, db, o.order_number, "test", "test",
                                   &err),
                     0);
    o = submit_ok(order_with("EXT-2", "accountExecutive", "AE-JDOE", "agent",
                             "SUMMIT"),
                  0);
    ck_assert_str_eq(o.ae_ref, "AE-JDOE");
    ck_assert_str_eq(o.agent_ref, "SUMMIT");
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.sales_order"
                        " WHERE agent_ref = 'SUMMIT'"
                        " AND account_executive_ref = 'AE-JDOE'"),
        1);
}
END_TEST

START_TEST(bad_parties_are_refused_with_their_paths)
{
    json_t *doc = order_with("EXT-3", "customer", "SOMEONE-ELSE", "agent",
                             "NOBODY");
    json_t *parties = json_object_get(doc, "relatedParty");

    json_array_append_new(parties, json_pack("{s:s, s:s}", "id", "SUMMIT",
                                             "role", "accountExecutive"));
    json_array_append_new(parties, json_pack("{s:s, s:s}", "id", "AE-JDOE",
                                             "role", "agent"));
    json_array_append_new(parties,
                          json_pack("{s:s, s:s}", "id", "X", "role", "payer"));
    submit_refused(doc);
    ck_assert_str_eq(problem_code("relatedParty[0].id"), "party_mismatch");
    ck_assert_str_eq(problem_code("relatedParty[1].id"), "unknown_party");
    ck_assert_str_eq(problem_code("relatedParty[2].id"), "wrong_party_kind");
    ck_assert_str_eq(problem_code("relatedParty[3]"), "duplicate");
    /* an unknown role is the sender's business */
    ck_assert_str_eq(problem_code("relatedParty[4].id"), "(none)");
    ck_assert_int_eq(err.n_problems, 4);
    ck_assert_int_eq(orders_stored(), 0);
}
END_TEST

START_TEST(every_code_needs_a_price_in_the_account_currency)
{
    json_t *doc = tl_fx_order_doc("NW-2001", "EXT-4", 7);
    json_t *place = json_array_get(first_product_part(doc, "place"), 0);

    json_object_set_new(place, "streetName", json_string("Dock Road"));
    json_object_set_new(place, "city", json_string("Halifax"));
    json_object_set_new(place, "stateOrProvince", json_string("NS"));
    json_object_set_new(place, "postcode", json_string("B3H 1A1"));
    json_object_set_new(place, "country", json_string("CA"));
    submit_refused(doc);
    /* DIA500 and DIA-INST are priced in USD only */
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert_str_eq(err.problems[0].code, "no_price");
    ck_assert_str_eq(err.problems[0].field,
                     "productOrderItem[0].productOffering.id");
    ck_assert_ptr_nonnull(strstr(err.problems[0].message, "DIA-INST"));
    ck_assert_ptr_nonnull(strstr(err.problems[1].message, "DIA500"));
    ck_assert_ptr_nonnull(strstr(err.problems[1].message, "CAD on 2026-11-10"));
    ck_assert_int_eq(orders_stored(), 0);
}
END_TEST

START_TEST(a_probable_duplicate_is_refused_unless_allowed)
{
    orders_order_t first = submit_ok(order_with("EXT-5", NULL, NULL, NULL,
                                                NULL),
                                     0);
    orders_order_t second;

    submit_refused(order_with("EXT-6", NULL, NULL, NULL, NULL));
    ck_assert_int_eq(err.n_problems, 1);
    ck_assert_str_eq(problem_code("productOrderItem[0]"), "probable_duplicate");
    ck_assert_ptr_nonnull(strstr(err.problems[0].message, first.order_number));
    ck_assert_int_eq(orders_stored(), 1);
    tl_err_clear(&err);
    /* a second circuit on purpose */
    second = submit_ok(order_with("EXT-6", NULL, NULL, NULL, NULL),
                       ORDERS_ALLOW_DUPLICATE);
    ck_assert_str_ne(second.order_number, first.order_number);
    /* cancelled orders are not open */
    ck_assert_int_eq(orders_cancel(&first, db, first.order_number, "dup",
                                   "test", &err),
                     0);
    ck_assert_int_eq(orders_cancel(&second, db, second.order_number, "dup",
                                   "test", &err),
                     0);
    submit_ok(order_with("EXT-7", NULL, NULL, NULL, NULL), 0);
}
END_TEST

typedef struct fb_seen {
    int n;
    char line[8][160];
} fb_seen;

static int fb_row(const orders_feedback_row *r, void *cls, tl_err *e)
{
    fb_seen *s = cls;

    (void)e;
    ck_assert_int_lt(s->n, 8);
    snprintf(s->line[s->n++], sizeof(s->line[0]), "%s %s %s %s %s", r->salesperson,
             r->kind, r->external_id, r->reason[0] ? r->reason : "-",
             strstr(r->problems, "unknown_product") ? "unknown_product" : "-");
    return 0;
}

static fb_seen feedback(const char *who)
{
    fb_seen s;

    memset(&s, 0, sizeof(s));
    ck_assert_int_ge(orders_feedback(db, who, day("2026-01-01"), fb_row, &s,
                                     &err),
                     0);
    return s;
}

START_TEST(feedback_lists_refused_rejected_and_held_orders)
{
    json_t *bad = order_with("EXT-8", "agent", "SUMMIT", NULL, NULL);
    orders_order_t o;
    fb_seen s;

    json_object_set_new(
        json_object_get(
            json_array_get(json_object_get(bad, "productOrderItem"), 0),
            "productOffering"),
        "id", json_string("DIA-1G"));
    json_incref(bad);
    submit_refused(bad);
    tl_err_clear(&err);
    submit_refused(bad); /* sent again: recorded once */
    tl_err_clear(&err);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.intake_rejection"),
        1);
    ck_assert_int_eq(orders_stored(), 0);
    s = feedback(NULL);
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.line[0], "SUMMIT refused EXT-8 - unknown_product");
    /* the executive's own orders: a rejection and a hold, with reasons */
    o = submit_ok(order_with("EXT-9", NULL, NULL, NULL, NULL), 0);
    ck_assert_int_eq(orders_decide(&o, db, o.order_number, "rejected", NULL,
                                   "coord", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.problems[0].code, "required");
    tl_err_clear(&err);
    ck_assert_int_eq(orders_decide(&o, db, o.order_number, "rejected",
                                   "no signed quote attached", "coord", &err),
                     0);
    ck_assert_str_eq(o.state, "rejected");
    o = submit_ok(order_with("EXT-10", NULL, NULL, NULL, NULL), 0);
    ck_assert_int_eq(orders_decide(&o, db, o.order_number, "held",
                                   "site contact missing", "coord", &err),
                     0);
    s = feedback("AE-RCHEN");
    ck_assert_int_eq(s.n, 2);
    ck_assert_str_eq(s.line[0], "AE-RCHEN held EXT-10 site contact missing -");
    ck_assert_str_eq(s.line[1],
                     "AE-RCHEN rejected EXT-9 no signed quote attached -");
    /* released, the held order leaves the report; a corrected EXT-8
     * clears the refusal */
    ck_assert_int_eq(orders_decide(&o, db, o.order_number, "submitted", NULL,
                                   "coord", &err),
                     0);
    ck_assert_str_eq(o.state, "submitted");
    ck_assert_int_eq(orders_decide(&o, db, o.order_number, "submitted", NULL,
                                   "coord", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(orders_cancel(&o, db, o.order_number, "redo", "test",
                                   &err),
                     0);
    submit_ok(order_with("EXT-8", "agent", "SUMMIT", NULL, NULL), 0);
    s = feedback(NULL);
    ck_assert_int_eq(s.n, 1);
    ck_assert_str_eq(s.line[0],
                     "AE-RCHEN rejected EXT-9 no signed quote attached -");
}
END_TEST

typedef struct q_seen {
    int n;
    char order[4][24];
} q_seen;

static int q_row(const orders_queue_row *r, void *cls, tl_err *e)
{
    q_seen *q = cls;

    (void)e;
    ck_assert_int_lt(q->n, 4);
    snprintf(q->order[q->n++], sizeof(q->order[0]), "%s", r->order_number);
    return 0;
}

static q_seen pending_sales(const char *ae, const char *agent)
{
    orders_queue_filter f = {NULL, NULL, ae, agent};
    q_seen q;

    memset(&q, 0, sizeof(q));
    ck_assert_int_ge(orders_queue(db, "pending_sales", day("2026-11-05"), &f,
                                  q_row, &q, &err),
                     0);
    return q;
}

START_TEST(queues_filter_by_executive_and_agent_and_executives_see_their_own)
{
    orders_order_t own = submit_ok(order_with("EXT-11", NULL, NULL, NULL, NULL),
                                   0);
    orders_order_t sold = submit_ok(
        order_with("EXT-12", "accountExecutive", "AE-JDOE", "agent", "ACME"),
        ORDERS_ALLOW_DUPLICATE);
    q_seen q;
    int visible = -1;

    /* AE-RCHEN holds HH-1001: both orders are on that account */
    q = pending_sales("AE-RCHEN", NULL);
    ck_assert_int_eq(q.n, 2);
    /* AE-JDOE sold the second one only */
    q = pending_sales("AE-JDOE", NULL);
    ck_assert_int_eq(q.n, 1);
    ck_assert_str_eq(q.order[0], sold.order_number);
    /* SUMMIT is HH-1001's agent of record; ACME sold the second */
    ck_assert_int_eq(pending_sales(NULL, "SUMMIT").n, 2);
    q = pending_sales(NULL, "ACME");
    ck_assert_int_eq(q.n, 1);
    ck_assert_str_eq(q.order[0], sold.order_number);
    ck_assert_int_eq(pending_sales("AE-NOBODY", NULL).n, 0);
    ck_assert_int_eq(orders_visible_to_ae(&visible, db, &own, "AE-JDOE",
                                          day("2026-11-05"), &err),
                     0);
    ck_assert_int_eq(visible, 0);
    ck_assert_int_eq(orders_visible_to_ae(&visible, db, &sold, "AE-JDOE",
                                          day("2026-11-05"), &err),
                     0);
    ck_assert_int_eq(visible, 1);
    ck_assert_int_eq(orders_visible_to_ae(&visible, db, &own, "AE-RCHEN",
                                          day("2026-11-05"), &err),
                     0);
    ck_assert_int_eq(visible, 1);
    /* she sees the order Jo Doe sold on her account while she holds it,
     * and not before */
    ck_assert_int_eq(orders_visible_to_ae(&visible, db, &sold, "AE-RCHEN",
                                          day("2026-11-05"), &err),
                     0);
    ck_assert_int_eq(visible, 1);
    ck_assert_int_eq(orders_visible_to_ae(&visible, db, &sold, "AE-RCHEN",
                                          day("2025-12-31"), &err),
                     0);
    ck_assert_int_eq(visible, 0);
}
END_TEST

/* A recurring and a one-time quoted price on the order's first item. */
static void quote(json_t *doc, const char *mrc, const char *nrc)
{
    json_t *item = first_item(doc);
    json_t *prices = json_array();

    if (mrc != NULL)
        json_array_append_new(
            prices,
            json_pack("{s:s, s:s, s:{s:{s:s, s:s}}}", "priceType", "recurring",
                      "recurringChargePeriod", "month", "price",
                      "dutyFreeAmount", "unit", "USD", "value", mrc));
    if (nrc != NULL)
        json_array_append_new(
            prices, json_pack("{s:s, s:{s:{s:s, s:s}}}", "priceType",
                              "nonRecurring", "price", "dutyFreeAmount",
                              "unit", "USD", "value", nrc));
    json_object_set_new(item, "itemPrice", prices);
}

START_TEST(quoted_prices_are_read_exactly_or_refused)
{
    json_t *doc = order_with("EXT-13", NULL, NULL, NULL, NULL);
    json_t *prices;

    quote(doc, "1100.00", "0.00");
    submit_ok(doc, 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.order_item"
                        " WHERE quoted_currency = 'USD'"
                        " AND quoted_mrc_minor = 110000"
                        " AND quoted_nrc_minor = 0"),
        1);
    doc = order_with("EXT-14", NULL, NULL, NULL, NULL);
    quote(doc, "12.345", NULL);
    prices = json_object_get(first_item(doc), "itemPrice");
    json_array_append_new(
        prices, json_pack("{s:s, s:{s:{s:s, s:f}}}", "priceType", "recurring",
                          "price", "dutyFreeAmount", "unit", "USD", "value",
                          99.5));
    json_array_append_new(
        prices, json_pack("{s:s, s:{s:{s:s, s:s}}}", "priceType", "usage",
                          "price", "dutyFreeAmount", "unit", "EUR", "value",
                          "1.00"));
    submit_refused(doc);
    ck_assert_str_eq(
        problem_code(
            "productOrderItem[0].itemPrice[0].price.dutyFreeAmount.value"),
        "format");
    ck_assert_str_eq(
        problem_code(
            "productOrderItem[0].itemPrice[1].price.dutyFreeAmount.value"),
        "type");
    ck_assert_str_eq(problem_code("productOrderItem[0].itemPrice[2].priceType"),
                     "format");
    ck_assert_str_eq(
        problem_code(
            "productOrderItem[0].itemPrice[2].price.dutyFreeAmount.unit"),
        "currency_mismatch");
    ck_assert_int_eq(orders_stored(), 1);
}
END_TEST

typedef struct findings {
    int n;
    char line[10][96];
} findings;

static int finding_row(const orders_audit_finding *f, void *cls, tl_err *e)
{
    findings *fs = cls;

    (void)e;
    ck_assert_int_lt(fs->n, 10);
    snprintf(fs->line[fs->n++], sizeof(fs->line[0]), "%s %s %s %s",
             f->account_number, f->agent_ref[0] ? f->agent_ref : "-",
             f->item_id[0] ? f->item_id : "-", f->code);
    return 0;
}

static const char *const wholesale =
    "{\"customer\": {\"ref\": \"KEYSTONE\", \"name\": \"Keystone Carrier\","
    " \"kind\": \"wholesale\"},"
    " \"accounts\": [{\"accountNumber\": \"KS-3001\", \"name\": \"KS\","
    "  \"currency\": \"USD\", \"billCycleDay\": 1, \"paymentTermsDays\": 30,"
    "  \"sites\": [{\"name\": \"POP\", \"address\": {\"line1\": \"100 Harbor"
    " Way\", \"city\": \"Portland\", \"region\": \"ME\", \"postcode\":"
    " \"04101\", \"country\": \"US\"}}]}]}";

START_TEST(sales_audit_finds_each_kind_once)
{
    accounts_load_result loaded;
    json_t *doc = json_loads(wholesale, 0, NULL);
    findings fs;
    int n;

    ck_assert_int_eq(accounts_load(&loaded, db, doc, "test", &err), 0);
    json_decref(doc);
    tl_fx_contract(db, "HH-1001", "2026-01-01", "1150.00");
    /* agent ACME is not HH-1001's agent of record, and quotes under the
     * contracted 1150.00 (the 750.00 installation is at list) */
    doc = order_with("EXT-20", "agent", "ACME", NULL, NULL);
    quote(doc, "1100.00", "750.00");
    submit_ok(doc, 0);
    /* the agent of record, at a fair price, but a second DIA at the site */
    doc = order_with("EXT-21", "agent", "SUMMIT", NULL, NULL);
    quote(doc, "1200.00", NULL);
    submit_ok(doc, ORDERS_ALLOW_DUPLICATE);
    /* a direct enterprise order is not audited */
    submit_ok(order_with("EXT-22", NULL, NULL, NULL, NULL),
              ORDERS_ALLOW_DUPLICATE);
    /* wholesale: no agreement, no resale certificate, under list 1450.00 */
    doc = tl_fx_order_doc("KS-3001", "EXT-23", 100);
    quote(doc, "1400.00", NULL);
    submit_ok(doc, 0);

    memset(&fs, 0, sizeof(fs));
    n = orders_sales_audit(db, day("2026-01-01"), NULL, finding_row, &fs, &err);
    ck_assert_int_eq(n, 6);
    ck_assert_str_eq(fs.line[0], "HH-1001 ACME - agent_not_of_record");
    ck_assert_str_eq(fs.line[1], "HH-1001 ACME 1 price_below_contract");
    ck_assert_str_eq(fs.line[2], "HH-1001 SUMMIT 1 probable_duplicate");
    ck_assert_str_eq(fs.line[3], "KS-3001 - - missing_contract");
    ck_assert_str_eq(fs.line[4], "KS-3001 - - missing_tax_certificate");
    ck_assert_str_eq(fs.line[5], "KS-3001 - 1 price_below_list");
    /* one agent's orders only */
    memset(&fs, 0, sizeof(fs));
    ck_assert_int_eq(
        orders_sales_audit(db, day("2026-01-01"), "SUMMIT", finding_row, &fs,
                           &err),
        1);
}
END_TEST

START_TEST(an_unknown_address_raises_one_new_address_request)
{
    json_t *doc = order_with("EXT-30", NULL, NULL, NULL, NULL);
    json_t *place = json_array_get(first_product_part(doc, "place"), 0);
    accounts_address_request_t req;
    const char *path = "productOrderItem[0].product.place[0]";
    int64_t id;

    json_object_set_new(place, "streetNr", json_string("200"));
    json_incref(doc);
    submit_refused(doc);
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert_str_eq(err.problems[0].code, "unknown_address");
    ck_assert_str_eq(err.problems[1].code, "address_requested");
    ck_assert_str_eq(err.problems[1].field, path);
    ck_assert_ptr_nonnull(strstr(err.problems[1].message, "raised"));
    tl_err_clear(&err);
    /* sent again: the request already waits, none is added */
    json_incref(doc);
    submit_refused(doc);
    ck_assert_ptr_nonnull(strstr(err.problems[1].message, "already waiting"));
    tl_err_clear(&err);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " accounts.address_request"
                                     " WHERE state = 'requested'"),
                     1);
    ck_assert_int_eq(orders_stored(), 0);
    /* once the address is approved the same order gets in */
    id = tl_fx_count(db, "SELECT request_id AS n FROM"
                         " accounts.address_request");
    ck_assert_int_eq(accounts_address_request_approve(&req, db, id, "coord",
                                                      &err),
                     0);
    submit_ok(doc, 0);
    ck_assert_int_eq(orders_stored(), 1);
}
END_TEST

/* A change, move or disconnect order for one circuit of HH-1001. */
static json_t *service_order(const char *external_id, const char *action,
                             const char *circuit, const char *offering,
                             const char *street_nr)
{
    json_t *item = json_pack("{s:s, s:s, s:{s:s}}", "id", "1", "action",
                             action, "product", "id", circuit);
    json_t *doc = json_pack("{s:s, s:s, s:{s:s}, s:[o]}", "externalId",
                            external_id, "requestedStartDate", "2026-12-01",
                            "billingAccount", "id", "HH-1001",
                            "productOrderItem", item);

    if (offering != NULL)
        json_object_set_new(item, "productOffering",
                            json_pack("{s:s}", "id", offering));
    if (street_nr != NULL)
        json_object_set_new(
            json_object_get(item, "product"), "place",
            json_pack("[{s:s, s:s, s:s, s:s, s:s, s:s}]", "streetNr",
                      street_nr, "streetName", "Harbor Way", "city",
                      "Portland", "stateOrProvince", "ME", "postcode", "04101",
                      "country", "US"));
    return doc;
}

static int first_circuit(const provisioning_service_t *svc, void *cls,
                         tl_err *e)
{
    (void)e;
    snprintf(cls, 48, "%s", svc->circuit_id);
    return 0;
}

START_TEST(change_move_and_disconnect_act_on_services_in_inventory)
{
    orders_order_t sold = tl_fx_order(db, "HH-1001", "EXT-40", 100);
    provisioning_service_t svc;
    orders_order_t o;
    char circuit[48] = "";

    ck_assert_int_eq(provisioning_order_services(db, sold.order_number,
                                                 first_circuit, circuit, &err),
                     1);
    /* pending: changed by supplementing its order, not by a change order */
    submit_refused(service_order("CHG-1", "modify", circuit, "DIA-100", NULL));
    ck_assert_str_eq(problem_code("productOrderItem[0].product.id"),
                     "service_not_active");
    tl_err_clear(&err);
    ck_assert_int_eq(provisioning_record_milestone(&svc, db, circuit,
                                                   "installed",
                                                   day("2026-11-10"), "t", &err),
                     0);
    ck_assert_int_eq(provisioning_record_milestone(
                         &svc, db, circuit, "customer_accepted",
                         day("2026-11-12"), "t", &err),
                     0);
    ck_assert_str_eq(svc.state, "active");
    /* a downgrade: same site, another product */
    o = submit_ok(service_order("CHG-1", "modify", circuit, "DIA-100", NULL), 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.order_item i"
                        " JOIN orders.order_item_code c"
                        "  USING (account_id, order_id, item_id)"
                        " WHERE i.change_kind = 'change'"
                        " AND i.product_id = 'DIA-100'"
                        " AND c.code IN ('DIA100', 'DIA-INST')"),
        2);
    /* one open order per circuit */
    submit_refused(service_order("CHG-2", "delete", circuit, NULL, NULL));
    ck_assert_str_eq(problem_code("productOrderItem[0].product.id"),
                     "circuit_has_open_order");
    tl_err_clear(&err);
    ck_assert_int_eq(orders_cancel(&o, db, o.order_number, "x", "t", &err), 0);
    /* a move: same product, the annex */
    submit_ok(service_order("CHG-3", "modify", circuit, NULL, "300"), 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.order_item"
                        " WHERE change_kind = 'move' AND product_id = 'DIA'"),
        1);
    /* unknown circuits, the wrong product on a disconnect, a bad action */
    submit_refused(service_order("CHG-4", "delete", "DIA/999999", NULL, NULL));
    ck_assert_str_eq(problem_code("productOrderItem[0].product.id"),
                     "unknown_service");
    tl_err_clear(&err);
    submit_refused(service_order("CHG-5", "delete", circuit, "DIA-100", NULL));
    ck_assert_str_eq(problem_code("productOrderItem[0].productOffering.id"),
                     "product_mismatch");
    tl_err_clear(&err);
    submit_refused(service_order("CHG-6", "suspend", circuit, NULL, NULL));
    ck_assert_str_eq(problem_code("productOrderItem[0].action"),
                     "unsupported_action");
    tl_err_clear(&err);
    ck_assert_int_eq(orders_stored(), 3);
}
END_TEST

START_TEST(a_suspended_circuit_can_be_disconnected_but_not_changed)
{
    orders_order_t sold = tl_fx_order(db, "HH-1001", "EXT-42", 100);
    provisioning_service_t svc;
    char circuit[48] = "";
    int64_t request = 0;
    int created = 0;

    ck_assert_int_eq(provisioning_order_services(db, sold.order_number,
                                                 first_circuit, circuit, &err),
                     1);
    ck_assert_int_eq(provisioning_record_milestone(&svc, db, circuit,
                                                   "installed",
                                                   day("2026-11-10"), "t", &err),
                     0);
    ck_assert_int_eq(provisioning_record_milestone(
                         &svc, db, circuit, "customer_accepted",
                         day("2026-11-12"), "t", &err),
                     0);
    ck_assert_int_eq(provisioning_request_suspend(&request, &created, db,
                                                  sold.account_id, circuit,
                                                  "shutout: 95 days past due",
                                                  "collections", &err),
                     0);
    ck_assert_int_eq(
        provisioning_request_done(db, request, day("2026-11-20"), "t", &err),
        0);
    submit_refused(service_order("SUS-1", "modify", circuit, "DIA-100", NULL));
    ck_assert_str_eq(problem_code("productOrderItem[0].product.id"),
                     "service_not_active");
    tl_err_clear(&err);
    submit_ok(service_order("SUS-2", "delete", circuit, NULL, NULL), 0);
}
END_TEST

START_TEST(a_disconnect_order_sells_nothing_and_creates_no_service)
{
    orders_order_t sold = tl_fx_order(db, "HH-1001", "EXT-41", 100);
    orders_order_t o;
    char circuit[48] = "";
    int created = -1;

    ck_assert_int_eq(provisioning_order_services(db, sold.order_number,
                                                 first_circuit, circuit, &err),
                     1);
    /* a pending service can be disconnected (an order gone wrong) */
    o = submit_ok(service_order("DISC-1", "delete", circuit, NULL, NULL), 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.order_item"
                        " WHERE change_kind = 'disconnect'"
                        " AND service_ref IS NOT NULL AND product_id = 'DIA'"),
        1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " orders.order_item_code c JOIN"
                                     " orders.sales_order o USING"
                                     " (account_id, order_id)"
                                     " WHERE o.external_id = 'DISC-1'"),
                     0);
    ck_assert_int_eq(orders_accept(&o, db, o.order_number, "t", &err), 0);
    ck_assert_int_eq(
        provisioning_open_order(&created, db, o.order_number, "t", &err), 0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM provisioning.service"), 1);
}
END_TEST

typedef struct jeopardy_seen {
    char jeopardy[16];
    char reason[64];
    int age;
    int in_state;
    tl_date due;
    int committed;
} jeopardy_seen;

static int jeopardy_row(const orders_queue_row *r, void *cls, tl_err *e)
{
    jeopardy_seen *j = cls;

    (void)e;
    j->age = r->age_days;
    j->due = r->due_date;
    j->committed = r->committed;
    j->in_state = r->days_in_state;
    snprintf(j->jeopardy, sizeof(j->jeopardy), "%s", r->jeopardy);
    snprintf(j->reason, sizeof(j->reason), "%s", r->jeopardy_reason);
    return 0;
}

START_TEST(a_flagged_order_is_in_jeopardy_until_cleared)
{
    orders_order_t o = submit_ok(order_with("EXT-50", NULL, NULL, NULL, NULL),
                                 0);
    orders_queue_filter f = {NULL, NULL, NULL, NULL};
    jeopardy_seen j;

    /* due 2026-11-10: on 2026-11-01 nine days away, not at risk */
    memset(&j, 0, sizeof(j));
    orders_queue(db, "pending_sales", day("2026-11-01"), &f, jeopardy_row, &j,
                 &err);
    ck_assert_str_eq(j.jeopardy, "");
    /* received 2026-11-02 (whenever it was keyed in): 3 days old on the
     * 5th, all of them in the state intake gave it */
    memset(&j, 0, sizeof(j));
    orders_queue(db, "pending_sales", day("2026-11-05"), &f, jeopardy_row, &j,
                 &err);
    ck_assert_int_eq(j.age, 3);
    ck_assert_int_eq(j.in_state, 3);
    ck_assert_int_eq(orders_set_jeopardy(db, o.account_id, o.order_id,
                                         "site survey overdue",
                                         day("2026-10-30"), &err),
                     0);
    /* raised again later: still since 2026-10-30 */
    ck_assert_int_eq(orders_set_jeopardy(db, o.account_id, o.order_id,
                                         "site survey overdue",
                                         day("2026-10-31"), &err),
                     0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " orders.sales_order WHERE"
                                     " jeopardy_since = '2026-10-30'"),
                     1);
    memset(&j, 0, sizeof(j));
    orders_queue(db, "pending_sales", day("2026-11-01"), &f, jeopardy_row, &j,
                 &err);
    ck_assert_str_eq(j.jeopardy, "at_risk");
    ck_assert_str_eq(j.reason, "site survey overdue");
    ck_assert_int_eq(orders_set_jeopardy(db, o.account_id, o.order_id, NULL,
                                         day("2026-11-01"), &err),
                     0);
    memset(&j, 0, sizeof(j));
    orders_queue(db, "pending_sales", day("2026-11-01"), &f, jeopardy_row, &j,
                 &err);
    ck_assert_str_eq(j.jeopardy, "");
    ck_assert_int_eq(orders_set_jeopardy(db, o.account_id, 99999, "x",
                                         day("2026-11-01"), &err),
                     TL_ENOTFOUND);
}
END_TEST

START_TEST(the_foc_date_is_what_the_queue_holds_an_order_to)
{
    orders_order_t o = tl_fx_order(db, "HH-1001", "EXT-60", 100);
    orders_queue_filter f = {NULL, NULL, NULL, NULL};
    provisioning_service_t svc;
    jeopardy_seen j;
    char circuit[48] = "";

    ck_assert_int_eq(provisioning_order_services(db, o.order_number,
                                                 first_circuit, circuit, &err),
                     1);
    /* asked for 2026-11-10: missed by the 12th */
    memset(&j, 0, sizeof(j));
    orders_queue(db, "pending_installation", day("2026-11-12"), &f,
                 jeopardy_row, &j, &err);
    ck_assert_str_eq(j.jeopardy, "missed");
    /* provisioning commits to the 20th */
    ck_assert_int_eq(provisioning_record_milestone(&svc, db, circuit, "foc",
                                                   day("2026-11-20"), "t",
                                                   &err),
                     0);
    memset(&j, 0, sizeof(j));
    orders_queue(db, "pending_installation", day("2026-11-12"), &f,
                 jeopardy_row, &j, &err);
    ck_assert_str_eq(j.jeopardy, "");
    ck_assert_int_eq(j.due, day("2026-11-20"));
    ck_assert_int_eq(j.committed, 1);
    memset(&j, 0, sizeof(j));
    orders_queue(db, "pending_installation", day("2026-11-16"), &f,
                 jeopardy_row, &j, &err);
    ck_assert_str_eq(j.jeopardy, "at_risk");
    memset(&j, 0, sizeof(j));
    orders_queue(db, "pending_installation", day("2026-11-21"), &f,
                 jeopardy_row, &j, &err);
    ck_assert_str_eq(j.jeopardy, "missed");
}
END_TEST

/* ---- TMF622 example payloads ---- */

#define TMF622 TL_SOURCE_DIR "/tests/fixtures/tmf622/"

static json_t *fixture(const char *path)
{
    json_t *doc = json_load_file(path, 0, NULL);

    ck_assert_msg(doc != NULL, "cannot read %s", path);
    return doc;
}

START_TEST(the_spec_examples_are_refused_with_every_problem)
{
    json_t *one = fixture(TMF622 "CreateProductOrder1_request.json");
    json_t *two = fixture(TMF622 "CreateProductOrder2_request.json");

    ck_assert_int_eq(orders_validate(db, one, tl_fx_received(), &err),
                     TL_EINVALID);
    ck_assert_str_eq(problem_code("billingAccount"), "required");
    ck_assert_str_eq(problem_code("requestedStartDate"), "in_the_past");
    ck_assert_str_eq(problem_code("productOrderItem[0].product"), "required");
    ck_assert_str_eq(problem_code("productOrderItem[1].productOffering.id"),
                     "unknown_product");
    /* an amount as a JSON number is refused, never read as a float */
    ck_assert_str_eq(
        problem_code(
            "productOrderItem[1].itemPrice[0].price.dutyFreeAmount.value"),
        "type");
    ck_assert_str_eq(problem_code("productOrderItem[1].product.place"),
                     "required");
    tl_err_clear(&err);
    ck_assert_int_eq(orders_validate(db, two, tl_fx_received(), &err),
                     TL_EINVALID);
    ck_assert_str_eq(problem_code("billingAccount"), "required");
    ck_assert_str_eq(problem_code("productOrderItem[0].productOffering"),
                     "required");
    ck_assert_str_eq(problem_code("productOrderItem[0].product.place"),
                     "required");
    /* the seller is looked up as an account executive */
    ck_assert_str_eq(
        problem_code("relatedParty[0].partyOrPartyRole.id"), "unknown_party");
    tl_err_clear(&err);
    json_incref(two);
    submit_refused(two);
    ck_assert_int_eq(orders_stored(), 0);
    json_decref(one);
    json_decref(two);
}
END_TEST

START_TEST(an_order_in_v5_shapes_is_accepted)
{
    orders_order_t o = submit_ok(fixture(TMF622 "harbor-dia-v5.json"), 0);
    orders_submit_result again;
    json_t *doc = fixture(TMF622 "harbor-dia-v5.json");

    ck_assert_str_eq(o.external_id, "SUMMIT-HH-V5-0001");
    ck_assert_str_eq(o.ae_ref, "AE-RCHEN");
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.order_item i"
                        " JOIN accounts.address a USING (address_id)"
                        " WHERE a.line1 = '300 Harbor Way'"
                        " AND i.quoted_mrc_minor = 65000"),
        1);
    /* sent again: the same order */
    ck_assert_int_eq(orders_submit(&again, db, doc, tl_fx_received(), "test",
                                   &err),
                     0);
    ck_assert_int_eq(again.created, 0);
    ck_assert_str_eq(again.order.order_number, o.order_number);
    json_decref(doc);
}
END_TEST

/* ---- product rules, against the demo catalog ---- */

static void setup_products(void)
{
    accounts_load_result res;
    catalog_load_result loaded;
    json_t *doc;

    db = tl_test_db_open();
    tl_err_init(&err);
    doc = json_load_file(TL_SOURCE_DIR "/demo/catalog.json", 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(catalog_load(&loaded, db, doc, "test", &err), 0);
    json_decref(doc);
    doc = json_loads(book, 0, NULL);
    ck_assert_int_eq(accounts_load(&res, db, doc, "test", &err), 0);
    json_decref(doc);
}

static json_t *harbor_place(const char *role, const char *nr)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "streetNr", nr,
                          "streetName", "Harbor Way", "city", "Portland",
                          "stateOrProvince", "ME", "postcode", "04101",
                          "country", "US");

    if (role != NULL)
        json_object_set_new(p, "role", json_string(role));
    return p;
}

/* An order of one item: product, characteristics as "name=value" pairs
 * (NULL-terminated) and the places given. */
static json_t *product_order(const char *external_id, const char *product,
                             json_t *places, const char *const *chars)
{
    json_t *list = json_array();
    json_t *doc;

    for (; *chars != NULL; chars++) {
        const char *eq = strchr(*chars, '=');
        json_array_append_new(
            list, json_pack("{s:s%, s:s}", "name", *chars,
                            (size_t)(eq - *chars), "value", eq + 1));
    }
    doc = json_pack("{s:s, s:s, s:{s:s}, s:[{s:s, s:s, s:{s:s},"
                    " s:{s:o, s:o}}]}",
                    "externalId", external_id, "requestedStartDate",
                    "2026-12-01", "billingAccount", "id", "HH-1001",
                    "productOrderItem", "id", "1", "action", "add",
                    "productOffering", "id", product, "product",
                    "productCharacteristic", list, "place", places);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static const char *const epl[] = {"bandwidth=1 Gbps", "protection=protected",
                                  "routeMiles=12", NULL};
static const char *const chars_prefix_path =
    "productOrderItem[0].product.productCharacteristic";

static const char *char_problem(const char *name)
{
    char field[TL_ERR_FIELD_MAX];

    snprintf(field, sizeof(field), "%s.%s", chars_prefix_path, name);
    return problem_code(field);
}

START_TEST(a_private_line_joins_two_different_locations)
{
    /* one end only */
    submit_refused(product_order(
        "PL-1", "EPL-1G", json_pack("[o]", harbor_place("aLocation", "100")),
        epl));
    ck_assert_str_eq(problem_code("productOrderItem[0].product.place"),
                     "required");
    ck_assert_ptr_nonnull(strstr(err.problems[0].message, "zLocation"));
    tl_err_clear(&err);
    /* both ends at one address; a role a private line does not take */
    submit_refused(product_order(
        "PL-2", "EPL-1G",
        json_pack("[o, o, o]", harbor_place("aLocation", "100"),
                  harbor_place("zLocation", "100"),
                  harbor_place("serviceAddress", "300")),
        epl));
    ck_assert_str_eq(problem_code("productOrderItem[0].product.place"),
                     "same_location");
    ck_assert_str_eq(problem_code("productOrderItem[0].product.place[2].role"),
                     "unknown_place_role");
    tl_err_clear(&err);
    /* the main campus to the annex, 12 route miles */
    submit_ok(product_order("PL-3", "EPL-1G",
                            json_pack("[o, o]", harbor_place("zLocation", "300"),
                                      harbor_place("aLocation", "100")),
                            epl),
              0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM orders.order_item i"
                        " JOIN accounts.address a USING (address_id)"
                        " JOIN accounts.address z"
                        "  ON z.address_id = i.z_address_id"
                        " WHERE a.line1 = '100 Harbor Way'"
                        " AND z.line1 = '300 Harbor Way'"),
        1);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT quantity AS n FROM orders.order_item_code"
                        " WHERE code = 'EPL-MILE'"),
        12);
}
END_TEST

START_TEST(characteristics_follow_the_catalog)
{
    static const char *const dia_bad[] = {"portSpeed=1 Gbps",
                                          "committedBandwidth=2 Gbps",
                                          "color=blue", NULL};
    static const char *const dia_over[] = {
        "portSpeed=500 Mbps", "committedBandwidth=1 Gbps", NULL};
    static const char *const sip_bad[] = {"callPaths=1", "didBlocks=2",
                                          "burstPaths=30", NULL};
    static const char *const sip[] = {"callPaths=24", "didBlocks=2",
                                      "burstPaths=10", NULL};
    static const char *const pri_bad[] = {"spans=2", "channels=30",
                                          "didBlocks=1", NULL};
    static const char *const eod_bad[] = {"speedTier=75/10",
                                          "cableModem=Arris S33", NULL};
    json_t *one = json_pack("[o]", harbor_place(NULL, "100"));

    json_incref(one);
    submit_refused(product_order("C-1", "DIA", one, dia_bad));
    ck_assert_str_eq(char_problem("portSpeed"), "not_allowed");
    ck_assert_str_eq(char_problem("color"), "unknown_characteristic");
    tl_err_clear(&err);
    json_incref(one);
    submit_refused(product_order("C-2", "DIA", one, dia_over));
    ck_assert_str_eq(char_problem("committedBandwidth"), "rule");
    ck_assert_int_eq(err.n_problems, 1);
    tl_err_clear(&err);
    json_incref(one);
    submit_refused(product_order("C-3", "SIP", one, sip_bad));
    ck_assert_str_eq(char_problem("callPaths"), "range");
    ck_assert_str_eq(char_problem("burstPaths"), "rule");
    tl_err_clear(&err);
    json_incref(one);
    submit_refused(product_order("C-4", "PRI", one, pri_bad));
    ck_assert_str_eq(char_problem("channels"), "multiple_of");
    tl_err_clear(&err);
    json_incref(one);
    submit_refused(product_order("C-5", "EOD-100", one, eod_bad));
    ck_assert_str_eq(char_problem("speedTier"), "not_allowed");
    tl_err_clear(&err);
    ck_assert_int_eq(orders_stored(), 0);
    /* 24 call paths and two blocks of 20 DIDs */
    submit_ok(product_order("C-6", "SIP", one, sip), 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT sum(quantity) FILTER (WHERE code = 'SIP-PATH')"
                        " * 100 + sum(quantity) FILTER (WHERE code = 'DID-20')"
                        " AS n FROM orders.order_item_code"),
        2402);
}
END_TEST

START_TEST(installation_and_construction_charges_go_with_the_order)
{
    static const char *const built[] = {"bandwidth=1 Gbps",
                                        "protection=unprotected",
                                        "routeMiles=3", NULL};
    /* a private line product sold without installation or construction */
    static const char *const bare =
        "{\"products\": [{\"id\": \"EPL-BARE\", \"name\": \"Bare line\","
        " \"family\": \"private_line\","
        " \"placeRoles\": [\"aLocation\", \"zLocation\"],"
        " \"serviceCodes\": [\"EPL1G\"],"
        " \"characteristics\": [{\"name\": \"lateralBuild\","
        "  \"valueType\": \"boolean\"}]}]}";
    catalog_load_result loaded;
    json_t *doc;

    /* no lateral build: installation only */
    doc = product_order("PL-10", "EPL-1G",
                        json_pack("[o, o]", harbor_place("aLocation", "100"),
                                  harbor_place("zLocation", "300")),
                        built);
    submit_ok(doc, 0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " orders.order_item_code"
                                     " WHERE code = 'EPL-CONST'"),
                     0);
    /* a lateral build brings the construction charge along */
    doc = product_order("PL-11", "EPL-1G",
                        json_pack("[o, o]", harbor_place("aLocation", "100"),
                                  harbor_place("zLocation", "300")),
                        built);
    json_array_append_new(
        first_product_part(doc, "productCharacteristic"),
        json_pack("{s:s, s:b}", "name", "lateralBuild", "value", 1));
    submit_ok(doc, ORDERS_ALLOW_DUPLICATE);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM"
                                     " orders.order_item_code c"
                                     " JOIN orders.sales_order o"
                                     "  USING (account_id, order_id)"
                                     " WHERE c.code = 'EPL-CONST'"
                                     " AND o.external_id = 'PL-11'"),
                     1);
    /* a product that would install, and build, for free is refused */
    doc = json_loads(bare, 0, NULL);
    ck_assert_int_eq(catalog_load(&loaded, db, doc, "test", &err), 0);
    json_decref(doc);
    doc = product_order("PL-12", "EPL-BARE",
                        json_pack("[o, o]", harbor_place("aLocation", "100"),
                                  harbor_place("zLocation", "300")),
                        built + 3);
    json_array_append_new(
        first_product_part(doc, "productCharacteristic"),
        json_pack("{s:s, s:b}", "name", "lateralBuild", "value", 1));
    submit_refused(doc);
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert_str_eq(err.problems[0].code, "install_charge_missing");
    ck_assert_str_eq(err.problems[1].code, "construction_charge_missing");
    ck_assert_str_eq(err.problems[1].field,
                     "productOrderItem[0].productOffering.id");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("order_intake");
    TCase *tc = tcase_create("intake");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, parties_are_checked_and_stored);
    tcase_add_test(tc, bad_parties_are_refused_with_their_paths);
    tcase_add_test(tc, every_code_needs_a_price_in_the_account_currency);
    tcase_add_test(tc, a_probable_duplicate_is_refused_unless_allowed);
    tcase_add_test(tc, feedback_lists_refused_rejected_and_held_orders);
    tcase_add_test(
        tc, queues_filter_by_executive_and_agent_and_executives_see_their_own);
    tcase_add_test(tc, quoted_prices_are_read_exactly_or_refused);
    tcase_add_test(tc, sales_audit_finds_each_kind_once);
    tcase_add_test(tc, an_unknown_address_raises_one_new_address_request);
    tcase_add_test(tc, change_move_and_disconnect_act_on_services_in_inventory);
    tcase_add_test(tc, a_disconnect_order_sells_nothing_and_creates_no_service);
    tcase_add_test(tc, a_suspended_circuit_can_be_disconnected_but_not_changed);
    tcase_add_test(tc, a_flagged_order_is_in_jeopardy_until_cleared);
    tcase_add_test(tc, the_foc_date_is_what_the_queue_holds_an_order_to);
    tcase_add_test(tc, the_spec_examples_are_refused_with_every_problem);
    tcase_add_test(tc, an_order_in_v5_shapes_is_accepted);
    suite_add_tcase(s, tc);
    tc = tcase_create("products");
    tcase_add_checked_fixture(tc, setup_products, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_private_line_joins_two_different_locations);
    tcase_add_test(tc, characteristics_follow_the_catalog);
    tcase_add_test(tc, installation_and_construction_charges_go_with_the_order);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
