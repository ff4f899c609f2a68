/*
 * tl_err: headline, problem list, cap, rendering as text and JSON.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"

START_TEST(first_problem_is_the_headline)
{
    tl_err err = TL_ERR_INIT;

    ck_assert(!tl_err_has_problems(&err));
    ck_assert_int_eq(
        tl_err_add(&err, "required", "externalId", "externalId is required"),
        TL_EINVALID);
    tl_err_add(&err, "format", "productOrderItem[2].product.place[0].postcode",
               "postcode %s is not valid", "ABC");
    ck_assert(tl_err_has_problems(&err));
    ck_assert_int_eq(err.status, TL_EINVALID);
    ck_assert_str_eq(err.code, "required");
    ck_assert_str_eq(err.field, "externalId");
    ck_assert_uint_eq(err.n_problems, 2);
    ck_assert_str_eq(err.problems[1].field,
                     "productOrderItem[2].product.place[0].postcode");
    ck_assert_str_eq(err.problems[1].message, "postcode ABC is not valid");
    tl_err_clear(&err);
    ck_assert_uint_eq(err.n_problems, 0);
    ck_assert_int_eq(err.status, 0);
}
END_TEST

START_TEST(set_returns_status_and_keeps_problems)
{
    tl_err err = TL_ERR_INIT;

    tl_err_add(&err, "required", "a", "a is required");
    ck_assert_int_eq(tl_err_set(&err, TL_ENOTFOUND, "unknown_account",
                                "billingAccount.id", "account %s", "X-1"),
                     TL_ENOTFOUND);
    ck_assert_str_eq(err.message, "account X-1");
    ck_assert_uint_eq(err.n_problems, 1);
    ck_assert_int_eq(tl_err_set(NULL, TL_ERROR, "x", "", "ignored"), TL_ERROR);
    tl_err_clear(&err);
}
END_TEST

START_TEST(problems_are_capped_and_counted)
{
    tl_err err = TL_ERR_INIT;
    char *text;
    int i;

    for (i = 0; i < TL_ERR_MAX_PROBLEMS + 5; i++)
        tl_err_add(&err, "format", "rows", "row %d is bad", i);
    ck_assert_uint_eq(err.n_problems, TL_ERR_MAX_PROBLEMS);
    ck_assert_uint_eq(err.n_dropped, 5);
    text = tl_err_to_text(&err);
    ck_assert_ptr_nonnull(strstr(text, "261 problems found:\n"));
    ck_assert_ptr_nonnull(strstr(text, "  ... and 5 more\n"));
    free(text);
    tl_err_clear(&err);
}
END_TEST

START_TEST(text_rendering)
{
    tl_err err = TL_ERR_INIT;
    char *text;

    tl_err_set(&err, TL_ENOTFOUND, "unknown_order", "order",
               "order SO-1 does not exist");
    text = tl_err_to_text(&err);
    ck_assert_str_eq(text,
                     "order: order SO-1 does not exist [unknown_order]\n");
    free(text);
    tl_err_clear(&err);
    tl_err_add(&err, "required", "externalId", "externalId is required");
    tl_err_add(&err, "format", "requestedStartDate", "not a date");
    text = tl_err_to_text(&err);
    ck_assert_str_eq(text, "2 problems found:\n"
                           "  externalId: externalId is required [required]\n"
                           "  requestedStartDate: not a date [format]\n");
    free(text);
    tl_err_clear(&err);
}
END_TEST

START_TEST(json_rendering)
{
    tl_err err = TL_ERR_INIT;
    json_t *j;
    json_t *list;

    tl_err_add(&err, "required", "externalId", "externalId is required");
    tl_err_add(&err, "format", "", "bad document");
    j = tl_err_to_json(&err);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")),
                     "invalid");
    ck_assert_str_eq(json_string_value(json_object_get(j, "code")), "required");
    ck_assert_str_eq(json_string_value(json_object_get(j, "field")),
                     "externalId");
    list = json_object_get(j, "errors");
    ck_assert_uint_eq(json_array_size(list), 2);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(list, 1), "code")),
        "format");
    /* an empty field path is left out rather than sent as "" */
    ck_assert_ptr_null(json_object_get(json_array_get(list, 1), "field"));
    json_decref(j);
    tl_err_clear(&err);
}
END_TEST

START_TEST(copy_is_deep)
{
    tl_err a = TL_ERR_INIT;
    tl_err b = TL_ERR_INIT;

    tl_err_add(&a, "required", "x", "x is required");
    ck_assert_int_eq(tl_err_copy(&b, &a), 0);
    tl_err_clear(&a);
    ck_assert_uint_eq(b.n_problems, 1);
    ck_assert_str_eq(b.problems[0].field, "x");
    ck_assert_str_eq(tl_status_name(b.status), "invalid");
    tl_err_clear(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("err");
    TCase *tc = tcase_create("err");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, first_problem_is_the_headline);
    tcase_add_test(tc, set_returns_status_and_keeps_problems);
    tcase_add_test(tc, problems_are_capped_and_counted);
    tcase_add_test(tc, text_rendering);
    tcase_add_test(tc, json_rendering);
    tcase_add_test(tc, copy_is_deep);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
