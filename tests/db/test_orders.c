/*
 * Order supplements (versions and their diff), cancellation and the
 * pending-order queues, against a fresh database.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "orders/orders.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

static void setup(void)
{
    db = tl_test_db_open();
    tl_err_init(&err);
    tl_fx_catalog(db);
    tl_fx_account(db, "HH-1001", 1, 100);
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

static const tl_problem *find_problem(const char *field)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0)
            return &err.problems[i];
    return NULL;
}

static orders_order_t submit(json_t *doc)
{
    orders_submit_result res;

    ck_assert_int_eq(orders_submit_ex(&res, db, doc, tl_fx_received(),
                                      ORDERS_ALLOW_DUPLICATE, "test", &err),
                     0);
    return res.order;
}

/* The fixture order moved to a new date, its port upgraded, and a second
 * item added. */
static json_t *supplemented(const json_t *doc)
{
    json_t *d = json_deep_copy(doc);
    json_t *items = json_object_get(d, "productOrderItem");
    json_t *first = json_array_get(items, 0);
    json_t *chars = json_object_get(json_object_get(first, "product"),
                                    "productCharacteristic");
    json_t *second = json_deep_copy(first);
    json_t *second_chars = json_object_get(json_object_get(second, "product"),
                                           "productCharacteristic");

    json_object_set_new(d, "requestedStartDate", json_string("2026-12-07"));
    json_object_set_new(json_array_get(chars, 2), "value", json_string("/28"));
    json_object_set_new(second, "id", json_string("2"));
    json_object_set_new(json_object_get(second, "productOffering"), "id",
                        json_string("DIA-100"));
    json_object_set_new(json_array_get(second_chars, 0), "value",
                        json_string("100 Mbps"));
    json_object_set_new(json_array_get(second_chars, 1), "value",
                        json_string("100 Mbps"));
    json_array_append_new(items, second);
    return d;
}

typedef struct changes {
    int n;
    char text[8][256];
} changes;

static int collect(const orders_change_t *c, void *cls, tl_err *e)
{
    changes *ch = cls;

    (void)e;
    ck_assert_int_lt(ch->n, 8);
    snprintf(ch->text[ch->n++], sizeof(ch->text[0]), "%s %s %s -> %s", c->kind,
             c->path, c->from ? c->from : "-", c->to ? c->to : "-");
    return 0;
}

START_TEST(supplement_makes_a_version_and_a_readable_diff)
{
    json_t *doc = tl_fx_order_doc("HH-1001", "EXT-1", 100);
    json_t *v2 = supplemented(doc);
    orders_supplement_result res;
    orders_submit_result again;
    changes ch;
    orders_order_t o = submit(doc);

    ck_assert_int_eq(o.version, 1);
    ck_assert_int_eq(orders_supplement(&res, db, o.order_number, v2,
                                       tl_fx_received(), "moved two weeks",
                                       "test", &err),
                     0);
    ck_assert_int_eq(res.created, 1);
    ck_assert_int_eq(res.version, 2);
    ck_assert_int_eq(res.order.version, 2);
    ck_assert_int_eq(res.order.requested_start_date, day("2026-12-07"));
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "orders.order_item"),
                     2);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "orders.order_item_code"),
                     4);
    /* the same supplement again changes nothing */
    ck_assert_int_eq(orders_supplement(&res, db, o.order_number, v2,
                                       tl_fx_received(), "again", "test", &err),
                     0);
    ck_assert_int_eq(res.created, 0);
    ck_assert_int_eq(res.version, 2);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "orders.order_version"),
                     2);
    /* resending the original order returns the order, not a conflict */
    ck_assert_int_eq(
        orders_submit(&again, db, doc, tl_fx_received(), "test", &err), 0);
    ck_assert_int_eq(again.created, 0);
    ck_assert_str_eq(again.order.order_number, o.order_number);

    memset(&ch, 0, sizeof(ch));
    ck_assert_int_eq(orders_diff(db, o.order_number, 1, 2, collect, &ch, &err),
                     3);
    ck_assert_str_eq(ch.text[0], "changed requestedStartDate "
                                 "2026-11-10T00:00:00Z -> 2026-12-07");
    ck_assert_str_eq(ch.text[1], "added productOrderItem[id=2] - -> DIA-100");
    ck_assert_str_eq(ch.text[2],
                     "changed productOrderItem[id=1].product."
                     "productCharacteristic[name=ipv4Block] /29 -> /28");
    /* and back: the item is removed */
    memset(&ch, 0, sizeof(ch));
    ck_assert_int_eq(orders_diff(db, o.order_number, 2, 1, collect, &ch, &err),
                     3);
    ck_assert_str_eq(ch.text[2], "removed productOrderItem[id=2] DIA-100 -> "
                                 "-");
    ck_assert_int_eq(orders_diff(db, o.order_number, 1, 3, collect, &ch, &err),
                     TL_ENOTFOUND);
    json_decref(doc);
    json_decref(v2);
}
END_TEST

START_TEST(bad_supplement_changes_nothing)
{
    json_t *doc = tl_fx_order_doc("HH-1001", "EXT-2", 100);
    json_t *bad = supplemented(doc);
    orders_supplement_result res;
    orders_order_t o = submit(doc);

    json_object_set_new(bad, "externalId", json_string("OTHER"));
    json_object_set_new(bad, "requestedStartDate", json_string("someday"));
    ck_assert_int_eq(orders_supplement(&res, db, o.order_number, bad,
                                       tl_fx_received(), "x", "test", &err),
                     TL_EINVALID);
    ck_assert_ptr_nonnull(find_problem("externalId"));
    ck_assert_str_eq(find_problem("externalId")->code, "mismatch");
    ck_assert_str_eq(find_problem("requestedStartDate")->code, "format");
    ck_assert_int_eq(tl_fx_count(db, "SELECT version AS n FROM "
                                     "orders.sales_order"),
                     1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "orders.order_item"),
                     1);
    json_decref(doc);
    json_decref(bad);
}
END_TEST

START_TEST(no_supplement_once_provisioning_started)
{
    json_t *doc = tl_fx_order_doc("HH-1001", "EXT-3", 100);
    json_t *v2 = supplemented(doc);
    orders_supplement_result res;
    orders_order_t o;

    json_decref(doc);
    o = tl_fx_order(db, "HH-1001", "EXT-3", 100);
    ck_assert_str_eq(o.state, "in_provisioning");
    ck_assert_int_eq(orders_supplement(&res, db, o.order_number, v2,
                                       tl_fx_received(), "late", "test", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "not_supplementable");
    json_decref(v2);
}
END_TEST

START_TEST(cancel_needs_a_reason_and_a_cancellable_state)
{
    json_t *doc = tl_fx_order_doc("HH-1001", "EXT-4", 100);
    orders_order_t o = submit(doc);
    orders_order_t after;

    ck_assert_int_eq(
        orders_cancel(&after, db, o.order_number, "", "test", &err),
        TL_EINVALID);
    tl_err_clear(&err);
    ck_assert_int_eq(orders_cancel(&after, db, o.order_number,
                                   "customer withdrew", "test", &err),
                     0);
    ck_assert_str_eq(after.state, "cancelled");
    /* cancelling again is a no-op; accepting a cancelled order is not */
    ck_assert_int_eq(
        orders_cancel(&after, db, o.order_number, "again", "test", &err), 0);
    ck_assert_int_eq(orders_accept(&after, db, o.order_number, "test", &err),
                     TL_ECONFLICT);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "orders.state_change WHERE to_state = "
                                     "'cancelled'"),
                     1);
    json_decref(doc);
}
END_TEST

typedef struct queue_seen {
    int n;
    char order[4][24];
    char jeopardy[4][16];
    int age[4];
} queue_seen;

static int seen_row(const orders_queue_row *r, void *cls, tl_err *e)
{
    queue_seen *q = cls;

    (void)e;
    ck_assert_int_lt(q->n, 4);
    snprintf(q->order[q->n], sizeof(q->order[0]), "%s", r->order_number);
    snprintf(q->jeopardy[q->n], sizeof(q->jeopardy[0]), "%s", r->jeopardy);
    q->age[q->n] = r->age_days;
    q->n++;
    return 0;
}

static queue_seen queue(const char *name, const char *as_of,
                        const char *product)
{
    orders_queue_filter f = {NULL, product, NULL, NULL};
    queue_seen q;

    memset(&q, 0, sizeof(q));
    ck_assert_int_ge(orders_queue(db, name, day(as_of), &f, seen_row, &q, &err),
                     0);
    return q;
}

START_TEST(queues_sort_by_due_date_and_flag_jeopardy)
{
    json_t *d1 = tl_fx_order_doc("HH-1001", "EXT-5", 100);
    json_t *base = tl_fx_order_doc("HH-1001", "EXT-6", 100);
    json_t *d2 = supplemented(base);
    orders_order_t o1 = submit(d1);
    orders_order_t o2 = submit(d2);
    orders_order_t o3 = tl_fx_order(db, "HH-1001", "EXT-7", 100);
    queue_seen q;

    json_decref(base);
    /* due 2026-11-10 (missed) and 2026-12-07 (two days away: at risk) */
    q = queue("pending_sales", "2026-12-05", NULL);
    ck_assert_int_eq(q.n, 2);
    ck_assert_str_eq(q.order[0], o1.order_number);
    ck_assert_str_eq(q.jeopardy[0], "missed");
    ck_assert_str_eq(q.order[1], o2.order_number);
    ck_assert_str_eq(q.jeopardy[1], "at_risk");
    /* a week earlier neither the second is at risk nor the first late */
    q = queue("pending_sales", "2026-11-09", NULL);
    ck_assert_str_eq(q.jeopardy[0], "at_risk");
    ck_assert_str_eq(q.jeopardy[1], "");
    /* product filter */
    q = queue("pending_sales", "2026-12-05", "DIA-100");
    ck_assert_int_eq(q.n, 1);
    ck_assert_str_eq(q.order[0], o2.order_number);
    /* the accepted order waits for installation */
    q = queue("pending_installation", "2026-12-05", NULL);
    ck_assert_int_eq(q.n, 1);
    ck_assert_str_eq(q.order[0], o3.order_number);
    ck_assert_str_eq(q.jeopardy[0], "missed");
    ck_assert_int_eq(orders_queue(db, "pending_lunch", day("2026-12-05"), NULL,
                                  seen_row, &q, &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.code, "unknown_queue");
    json_decref(d1);
    json_decref(d2);
}
END_TEST

START_TEST(requested_date_in_the_past_is_refused_but_resending_is_not)
{
    json_t *doc = tl_fx_order_doc("HH-1001", "EXT-8", 100);
    orders_submit_result res;

    /* requested 2026-11-10, received the 11th: refused, nothing stored */
    ck_assert_int_eq(
        orders_submit(&res, db, doc, day("2026-11-11"), "test", &err),
        TL_EINVALID);
    ck_assert_str_eq(find_problem("requestedStartDate")->code, "in_the_past");
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM "
                                     "orders.sales_order"),
                     0);
    tl_err_clear(&err);
    /* received on the day itself it is fine */
    ck_assert_int_eq(
        orders_submit(&res, db, doc, day("2026-11-10"), "test", &err), 0);
    ck_assert_int_eq(res.created, 1);
    /* the same order resent a month later is the stored order again */
    ck_assert_int_eq(
        orders_submit(&res, db, doc, day("2026-12-10"), "test", &err), 0);
    ck_assert_int_eq(res.created, 0);
    json_decref(doc);
}
END_TEST

static int never(const orders_change_t *c, void *cls, tl_err *e)
{
    (void)c;
    (void)cls;
    (void)e;
    ck_abort_msg("no change expected");
    return 0;
}

START_TEST(reordering_is_not_a_change)
{
    json_t *a = json_loads(
        "{\"externalId\": \"X\", \"productOrderItem\": ["
        " {\"id\": \"1\", \"product\": {\"productCharacteristic\": ["
        "  {\"name\": \"a\", \"value\": 1}, {\"name\": \"b\", \"value\": 2}]}},"
        " {\"id\": \"2\"}]}",
        0, NULL);
    json_t *b =
        json_loads("{\"productOrderItem\": [{\"id\": \"2\"},"
                   " {\"id\": \"1\", \"product\": {\"productCharacteristic\": ["
                   "  {\"name\": \"b\", \"value\": 2}, {\"name\": \"a\", "
                   "\"value\": 1}]}}],"
                   " \"externalId\": \"X\"}",
                   0, NULL);

    ck_assert_int_eq(orders_diff_docs(a, b, never, NULL, &err), 0);
    json_decref(a);
    json_decref(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("orders");
    TCase *tc = tcase_create("orders");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, bad_supplement_changes_nothing);
    tcase_add_test(tc, no_supplement_once_provisioning_started);
    tcase_add_test(tc, supplement_makes_a_version_and_a_readable_diff);
    tcase_add_test(tc, cancel_needs_a_reason_and_a_cancellable_state);
    tcase_add_test(tc, queues_sort_by_due_date_and_flag_jeopardy);
    tcase_add_test(tc, reordering_is_not_a_change);
    tcase_add_test(tc,
                   requested_date_in_the_past_is_refused_but_resending_is_not);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
