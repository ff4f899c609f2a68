/*
 * MAC address normalization: the spellings technicians and vendors use,
 * all to aa:bb:cc:dd:ee:ff; anything else refused. Rejects first.
 */
#include <check.h>
#include <stdlib.h>

#include "provisioning/equipment.h"

START_TEST(bad_macs_are_refused)
{
    static const char *const bad[] = {"",
                                      "00:11:22:33:44",
                                      "00:11:22:33:44:55:66",
                                      "00:11:22:33:44:5g",
                                      "00:11-22:33:44:55",
                                      "00.11.22.33.44.55",
                                      "0011.2233.445",
                                      "0011:2233:4455",
                                      "001122334455aa",
                                      " 00:11:22:33:44:55",
                                      "0:11:22:33:44:555",
                                      NULL};
    char buf[18];
    size_t i;

    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(provisioning_mac_normalize(buf, sizeof(buf), bad[i]) ==
                          TL_EINVALID,
                      "\"%s\" was accepted", bad[i]);
        ck_assert_str_eq(buf, "");
    }
    /* a buffer too small for the result */
    ck_assert_int_eq(provisioning_mac_normalize(buf, 17, "001122334455"),
                     TL_EINVALID);
}
END_TEST

START_TEST(every_spelling_normalizes)
{
    static const char *const good[][2] = {
        {"00:1D:CE:10:00:01", "00:1d:ce:10:00:01"},
        {"00-1d-ce-10-00-01", "00:1d:ce:10:00:01"},
        {"001d.ce10.0001", "00:1d:ce:10:00:01"},
        {"001DCE100001", "00:1d:ce:10:00:01"},
        {"ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff"},
        {NULL, NULL}};
    char buf[18];
    size_t i;

    for (i = 0; good[i][0] != NULL; i++) {
        ck_assert_int_eq(
            provisioning_mac_normalize(buf, sizeof(buf), good[i][0]), 0);
        ck_assert_str_eq(buf, good[i][1]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("equipment_mac");
    TCase *tc = tcase_create("mac");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, bad_macs_are_refused);
    tcase_add_test(tc, every_spelling_normalizes);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
