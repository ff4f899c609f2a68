/*
 * The order lifecycle table: every pair of states, allowed or refused,
 * against the table written out again here from orders.h.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders/orders.h"

static const char *const states[] = {
    "draft",     "submitted",         "rejected", "accepted",
    "in_provisioning", "installed",   "customer_accepted", "billing",
    "completed", "cancelled",         "held"};
#define N_STATES (sizeof(states) / sizeof(states[0]))

/* The documented transitions, "from>to". */
static const char *const allowed[] = {
    "draft>submitted",           "draft>cancelled",
    "submitted>accepted",        "submitted>rejected",
    "submitted>held",            "submitted>cancelled",
    "held>submitted",            "held>cancelled",
    "accepted>in_provisioning",  "accepted>held",
    "accepted>cancelled",        "in_provisioning>installed",
    "in_provisioning>held",      "in_provisioning>cancelled",
    "installed>customer_accepted", "installed>completed",
    "customer_accepted>billing",
    "billing>completed"};
#define N_ALLOWED (sizeof(allowed) / sizeof(allowed[0]))

static int documented(const char *from, const char *to)
{
    char pair[64];
    size_t i;

    snprintf(pair, sizeof(pair), "%s>%s", from, to);
    for (i = 0; i < N_ALLOWED; i++)
        if (strcmp(allowed[i], pair) == 0)
            return 1;
    return 0;
}

START_TEST(every_pair_of_states_is_allowed_exactly_as_documented)
{
    size_t from;
    size_t to;
    int n = 0;

    for (from = 0; from < N_STATES; from++)
        for (to = 0; to < N_STATES; to++) {
            int want = documented(states[from], states[to]);
            ck_assert_msg(orders_transition_allowed(states[from], states[to]) ==
                              want,
                          "%s -> %s should be %s", states[from], states[to],
                          want ? "allowed" : "refused");
            n += want;
        }
    ck_assert_int_eq(n, (int)N_ALLOWED);
}
END_TEST

START_TEST(final_states_lead_nowhere)
{
    size_t to;

    for (to = 0; to < N_STATES; to++) {
        ck_assert(!orders_transition_allowed("rejected", states[to]));
        ck_assert(!orders_transition_allowed("completed", states[to]));
        ck_assert(!orders_transition_allowed("cancelled", states[to]));
    }
    ck_assert(!orders_transition_allowed("submitted", "teleported"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("order_lifecycle");
    TCase *tc = tcase_create("lifecycle");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, every_pair_of_states_is_allowed_exactly_as_documented);
    tcase_add_test(tc, final_states_lead_nowhere);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
