/*
 * JSON input helpers: capped loading, duplicate keys, and field readers
 * that collect every problem with its path.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

static json_t *load(const char *text, tl_err *err)
{
    json_t *doc = NULL;

    tl_json_load_buf(&doc, text, strlen(text), TL_JSON_MAX_BYTES, err);
    return doc;
}

START_TEST(rejects_duplicate_keys_with_position)
{
    tl_err err = TL_ERR_INIT;
    json_t *doc = load("{\"a\": 1,\n \"a\": 2}", &err);

    ck_assert_ptr_null(doc);
    ck_assert_int_eq(err.status, TL_EINVALID);
    ck_assert_str_eq(err.code, "json_syntax");
    ck_assert_ptr_nonnull(strstr(err.field, "line 2"));
    tl_err_clear(&err);
}
END_TEST

START_TEST(rejects_syntax_errors_and_oversize)
{
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;

    ck_assert_ptr_null(load("{\"a\": }", &err));
    ck_assert_str_eq(err.code, "json_syntax");
    tl_err_clear(&err);
    ck_assert_int_eq(tl_json_load_buf(&doc, "[1,2,3]", 7, 6, &err),
                     TL_EINVALID);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(err.code, "too_large");
    tl_err_clear(&err);
}
END_TEST

START_TEST(missing_file_is_not_found)
{
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;

    ck_assert_int_eq(tl_json_load_file(&doc, "/nonexistent/order.json",
                                       TL_JSON_MAX_BYTES, &err),
                     TL_ENOTFOUND);
    ck_assert_ptr_null(doc);
    tl_err_clear(&err);
}
END_TEST

START_TEST(readers_collect_every_problem)
{
    tl_err err = TL_ERR_INIT;
    json_t *doc = load("{\"name\": 5, \"empty\": \"\", \"day\": \"2026-02-30\","
                       " \"n\": 40, \"price\": 12.5, \"fee\": \"1.234\","
                       " \"items\": {}, \"extra\": true}",
                       &err);
    static const char *const allowed[] = {"name",  "empty", "day",   "n",
                                          "price", "fee",   "items", NULL};
    const char *s = NULL;
    const json_t *arr = NULL;
    tl_date d = 0;
    int64_t n = 0;
    tl_money m;

    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(tl_json_str(doc, "name", "a", 1, 0, &s, &err),
                     TL_EINVALID);
    ck_assert_int_eq(tl_json_str(doc, "empty", "a", 1, 0, &s, &err),
                     TL_EINVALID);
    ck_assert_int_eq(tl_json_str(doc, "missing", "a", 1, 0, &s, &err),
                     TL_EINVALID);
    ck_assert_int_eq(tl_json_str(doc, "optional", "a", 0, 0, &s, &err), 0);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(tl_json_date(doc, "day", "a", 1, &d, NULL, &err),
                     TL_EINVALID);
    ck_assert_int_eq(tl_json_int(doc, "n", "a", 1, 1, 31, &n, NULL, &err),
                     TL_EINVALID);
    ck_assert_int_eq(
        tl_json_amount(doc, "price", "a", 1, "USD", &m, NULL, &err),
        TL_EINVALID);
    ck_assert_int_eq(tl_json_amount(doc, "fee", "a", 1, "USD", &m, NULL, &err),
                     TL_EINVALID);
    ck_assert_int_eq(tl_json_array(doc, "items", "a", 1, 0, 0, &arr, &err),
                     TL_EINVALID);
    ck_assert_int_eq(tl_json_only_keys(doc, "a", allowed, &err), TL_EINVALID);
    ck_assert_uint_eq(err.n_problems, 9);
    ck_assert_str_eq(err.problems[0].field, "a.name");
    ck_assert_str_eq(err.problems[0].code, "type");
    ck_assert_str_eq(err.problems[1].code, "empty");
    ck_assert_str_eq(err.problems[2].field, "a.missing");
    ck_assert_str_eq(err.problems[2].code, "required");
    ck_assert_str_eq(err.problems[3].field, "a.day");
    ck_assert_str_eq(err.problems[3].code, "format");
    ck_assert_str_eq(err.problems[4].code, "range");
    ck_assert_str_eq(err.problems[5].field, "a.price");
    ck_assert_str_eq(err.problems[5].code, "type");
    ck_assert_str_eq(err.problems[6].field, "a.fee");
    ck_assert_str_eq(err.problems[6].code, "format");
    ck_assert_str_eq(err.problems[7].code, "type");
    ck_assert_str_eq(err.problems[8].field, "a.extra");
    ck_assert_str_eq(err.problems[8].code, "unknown_field");
    json_decref(doc);
    tl_err_clear(&err);
}
END_TEST

START_TEST(readers_accept_good_values)
{
    tl_err err = TL_ERR_INIT;
    json_t *doc = load("{\"day\": \"2028-02-29\", \"n\": 31,"
                       " \"price\": \"1150.00\", \"yen\": \"500\","
                       " \"items\": [1, 2]}",
                       &err);
    const json_t *arr = NULL;
    tl_date d = 0;
    tl_date expect = 0;
    int64_t n = 0;
    tl_money m;
    int present = 0;

    ck_assert_int_eq(tl_json_date(doc, "day", "", 1, &d, &present, &err), 0);
    ck_assert_int_eq(present, 1);
    tl_date_from_ymd(&expect, 2028, 2, 29);
    ck_assert_int_eq(d, expect);
    ck_assert_int_eq(tl_json_int(doc, "n", "", 1, 1, 31, &n, NULL, &err), 0);
    ck_assert_int_eq(n, 31);
    ck_assert_int_eq(tl_json_amount(doc, "price", "", 1, "USD", &m, NULL, &err),
                     0);
    ck_assert_int_eq(m.minor, 115000);
    ck_assert_int_eq(tl_json_amount(doc, "yen", "", 1, "JPY", &m, NULL, &err),
                     0);
    ck_assert_int_eq(m.minor, 500);
    ck_assert_int_eq(tl_json_array(doc, "items", "", 1, 1, 2, &arr, &err), 0);
    ck_assert_uint_eq(json_array_size(arr), 2);
    ck_assert(!tl_err_has_problems(&err));
    json_decref(doc);
}
END_TEST

START_TEST(paths_and_canonical_form)
{
    char buf[64];
    json_t *a = load("{\"b\": 1, \"a\": [true, null]}", NULL);
    json_t *b = load("{ \"a\" : [ true , null ] , \"b\" : 1 }", NULL);
    char *ca = tl_json_canonical(a);
    char *cb = tl_json_canonical(b);

    tl_path_key(buf, sizeof(buf), "", "externalId");
    ck_assert_str_eq(buf, "externalId");
    tl_path_key(buf, sizeof(buf), "productOrderItem[2]", "product");
    ck_assert_str_eq(buf, "productOrderItem[2].product");
    tl_path_index(buf, sizeof(buf), "place", 0);
    ck_assert_str_eq(buf, "place[0]");
    /* extending a path in place */
    snprintf(buf, sizeof(buf), "product");
    tl_path_key(buf, sizeof(buf), buf, "place");
    tl_path_index(buf, sizeof(buf), buf, 0);
    ck_assert_str_eq(buf, "product.place[0]");
    ck_assert_str_eq(ca, cb);
    ck_assert_str_eq(ca, "{\"a\":[true,null],\"b\":1}");
    free(ca);
    free(cb);
    json_decref(a);
    json_decref(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("json");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, rejects_duplicate_keys_with_position);
    tcase_add_test(tc, rejects_syntax_errors_and_oversize);
    tcase_add_test(tc, missing_file_is_not_found);
    tcase_add_test(tc, readers_collect_every_problem);
    tcase_add_test(tc, readers_accept_good_values);
    tcase_add_test(tc, paths_and_canonical_form);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
