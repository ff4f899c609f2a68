/*
 * Pure commission logic: percentages into millionths and back (rejects
 * first), and the statement documents (CSV quoting, JSON amounts as
 * strings, HTML escaping) from a statement built in memory.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "commissions/commissions.h"

START_TEST(rate_rejects)
{
    static const char *const bad[] = {
        "",  "-12", "+12",      "12%", "1e2",  " 12",      "12 ", "12.",  ".5",
        "0", "0.0", "100.0001", "101", "1000", "12.00001", "abc", "12,5", NULL};
    size_t i;
    int64_t ppm = 7;

    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(commissions_rate_parse(&ppm, bad[i]) == TL_EINVALID,
                      "\"%s\" was accepted", bad[i]);
        ck_assert_int_eq(ppm, 0);
    }
    ck_assert_int_eq(commissions_rate_parse(&ppm, NULL), TL_EINVALID);
}
END_TEST

START_TEST(rate_parses_exactly)
{
    static const struct {
        const char *text;
        int64_t ppm;
        const char *back;
    } cases[] = {{"12", 120000, "12"},    {"12.5", 125000, "12.5"},
                 {"0.0001", 1, "0.0001"}, {"100", 1000000, "100"},
                 {"3.25", 32500, "3.25"}, {"14.0000", 140000, "14"},
                 {"007", 70000, "7"},     {NULL, 0, NULL}};
    size_t i;

    for (i = 0; cases[i].text != NULL; i++) {
        int64_t ppm = 0;
        char buf[16];

        ck_assert_int_eq(commissions_rate_parse(&ppm, cases[i].text), 0);
        ck_assert_int_eq(ppm, cases[i].ppm);
        ck_assert_int_ge(commissions_rate_format(buf, sizeof(buf), ppm), 1);
        ck_assert_str_eq(buf, cases[i].back);
    }
}
END_TEST

START_TEST(rate_format_bounds)
{
    char buf[4];
    char big[16];

    ck_assert_int_eq(commissions_rate_format(big, sizeof(big), -1), TL_ERROR);
    ck_assert_int_eq(commissions_rate_format(big, sizeof(big), 1000001),
                     TL_ERROR);
    ck_assert_int_eq(commissions_rate_format(buf, sizeof(buf), 125000),
                     TL_ERROR);
    ck_assert_str_eq(buf, "");
    ck_assert(commissions_plan_kind_known("percent_collected"));
    ck_assert(commissions_plan_kind_known("upfront_nrc"));
    ck_assert(!commissions_plan_kind_known("percent"));
    ck_assert(!commissions_plan_kind_known(NULL));
}
END_TEST

static tl_money usd(int64_t minor)
{
    tl_money m;

    ck_assert_int_eq(tl_money_make(&m, minor, "USD"), 0);
    return m;
}

/* A statement of an agent called "<Acme & Sons>": one commission line and
 * a clawback. */
static void sample(commissions_doc_t *doc, commissions_line_t lines[2])
{
    memset(doc, 0, sizeof(*doc));
    memset(lines, 0, 2 * sizeof(lines[0]));
    snprintf(doc->st.number, sizeof(doc->st.number), "CS-ACME-2026-12-USD");
    snprintf(doc->st.agent_ref, sizeof(doc->st.agent_ref), "ACME");
    snprintf(doc->st.agent_name, sizeof(doc->st.agent_name), "<Acme & Sons>");
    snprintf(doc->st.month, sizeof(doc->st.month), "2026-12");
    snprintf(doc->st.currency, sizeof(doc->st.currency), "USD");
    snprintf(doc->st.status, sizeof(doc->st.status), "draft");
    doc->st.lines_total = usd(-4800);
    doc->st.carried_in = usd(0);
    doc->st.payable = usd(0);
    doc->st.carried_out = usd(-4800);
    doc->st.billed_mrc = usd(115000);
    doc->st.basis_billed = usd(115000);
    doc->st.collected_mrc = usd(0);
    doc->st.basis_collected = usd(0);
    doc->st.new_mrc = usd(0);
    lines[0].line_no = 1;
    snprintf(lines[0].account_number, sizeof(lines[0].account_number), "A-1");
    snprintf(lines[0].circuit_id, sizeof(lines[0].circuit_id), "DIA/000001");
    snprintf(lines[0].kind, sizeof(lines[0].kind), "percent_billed");
    lines[0].basis = usd(115000);
    lines[0].rate_ppm = 120000;
    lines[0].amount = usd(13800);
    snprintf(lines[0].description, sizeof(lines[0].description),
             "DIA \"500\", <b>billed</b>");
    lines[1].line_no = 2;
    snprintf(lines[1].account_number, sizeof(lines[1].account_number), "A-1");
    snprintf(lines[1].circuit_id, sizeof(lines[1].circuit_id), "DIA/000002");
    snprintf(lines[1].kind, sizeof(lines[1].kind), "clawback_disconnect");
    lines[1].basis = usd(18600);
    lines[1].rate_ppm = 1000000;
    lines[1].amount = usd(-18600);
    snprintf(lines[1].description, sizeof(lines[1].description), "gone");
    doc->lines = lines;
    doc->n_lines = 2;
}

START_TEST(csv_quotes_and_totals)
{
    commissions_doc_t doc;
    commissions_line_t lines[2];
    tl_err err = TL_ERR_INIT;
    char *csv = NULL;

    sample(&doc, lines);
    ck_assert_int_eq(commissions_render_csv(&csv, &doc, &err), 0);
    ck_assert_str_eq(
        csv, "line_no,account,circuit,kind,basis,rate_percent,amount,"
             "currency,description\n"
             "1,A-1,DIA/000001,percent_billed,1150.00,12,138.00,USD,"
             "\"DIA \"\"500\"\", <b>billed</b>\"\n"
             "2,A-1,DIA/000002,clawback_disconnect,186.00,100,-186.00,USD,"
             "gone\n"
             ",,,TOTAL,,,-48.00,USD,\n"
             ",,,CARRIED_IN,,,0.00,USD,\n"
             ",,,PAYABLE,,,0.00,USD,\n"
             ",,,CARRIED_OUT,,,-48.00,USD,\n");
    free(csv);
}
END_TEST

START_TEST(html_escapes_every_text)
{
    commissions_doc_t doc;
    commissions_line_t lines[2];
    tl_err err = TL_ERR_INIT;
    char *html = NULL;
    char *again = NULL;

    sample(&doc, lines);
    ck_assert_int_eq(commissions_render_html(&html, &doc, &err), 0);
    ck_assert_ptr_nonnull(strstr(html, "&lt;Acme &amp; Sons&gt;"));
    ck_assert_ptr_null(strstr(html, "<Acme"));
    ck_assert_ptr_nonnull(
        strstr(html, "DIA &quot;500&quot;, &lt;b&gt;billed&lt;/b&gt;"));
    ck_assert_ptr_null(strstr(html, "<b>"));
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"n\">-186.00</td>"));
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_int_eq(commissions_render_html(&again, &doc, &err), 0);
    ck_assert_str_eq(html, again);
    free(html);
    free(again);
}
END_TEST

START_TEST(json_amounts_are_strings)
{
    commissions_doc_t doc;
    commissions_line_t lines[2];
    tl_err err = TL_ERR_INIT;
    char *json = NULL;

    sample(&doc, lines);
    ck_assert_int_eq(commissions_render_json(&json, &doc, &err), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"amount\": \"138.00\""));
    ck_assert_ptr_nonnull(strstr(json, "\"ratePercent\": \"12\""));
    ck_assert_ptr_nonnull(strstr(json, "\"linesTotal\": \"-48.00\""));
    ck_assert_ptr_nonnull(strstr(json, "\"carriedOut\": \"-48.00\""));
    ck_assert_ptr_nonnull(strstr(json, "\"billedTies\": true"));
    ck_assert_ptr_nonnull(strstr(json, "\"agentName\": \"<Acme & Sons>\""));
    free(json);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("commission_rates");
    TCase *tc = tcase_create("commission_rates");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, rate_rejects);
    tcase_add_test(tc, rate_parses_exactly);
    tcase_add_test(tc, rate_format_bounds);
    tcase_add_test(tc, csv_quotes_and_totals);
    tcase_add_test(tc, html_escapes_every_text);
    tcase_add_test(tc, json_amounts_are_strings);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
