/*
 * Catalog values without a database: bandwidth and integer parsing (rejects
 * first), canonical bandwidth and percent text, characteristic checks
 * against in-memory definitions, and the CSV reader.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "catalog/catalog.h"
#include "common/csv.h"

static json_t *js(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &jerr);

    ck_assert_msg(v != NULL, "%s: %s", jerr.text, text);
    return v;
}

static int number(int64_t *out, const char *type, const char *json)
{
    json_t *v = js(json);
    int rc = catalog_value_number(out, type, v);

    json_decref(v);
    return rc;
}

START_TEST(bandwidth_rejects)
{
    static const char *const bad[] = {"\"\"",
                                      "\"Mbps\"",
                                      "\"500 mbit\"",
                                      "\"500  Mbps\"",
                                      "\" 500 Mbps\"",
                                      "\"500 Mbps \"",
                                      "\"-5 Mbps\"",
                                      "\"1.5 kbps\"",
                                      "\"1.0001 Mbps\"",
                                      "\"0 Mbps\"",
                                      "0",
                                      "-100",
                                      "true",
                                      "null",
                                      "\"5e2 Mbps\"",
                                      "\"1,000 Mbps\"",
                                      "\"99999999999999 Gbps\"",
                                      "\"1. Gbps\"",
                                      "\".5 Gbps\"",
                                      NULL};
    int64_t v = 7;
    size_t i;

    for (i = 0; bad[i] != NULL; i++) {
        ck_assert_msg(number(&v, "bandwidth", bad[i]) == TL_EINVALID,
                      "%s was accepted", bad[i]);
        ck_assert_int_eq(v, 0);
    }
}
END_TEST

START_TEST(bandwidth_parses_to_kbps)
{
    static const struct {
        const char *json;
        int64_t kbps;
        const char *canon;
    } cases[] = {{"\"500 Mbps\"", 500000, "500 Mbps"},
                 {"\"500Mbps\"", 500000, "500 Mbps"},
                 {"\"1 Gbps\"", 1000000, "1 Gbps"},
                 {"\"10 GBPS\"", 10000000, "10 Gbps"},
                 {"\"1.544 Mbps\"", 1544, "1.544 Mbps"},
                 {"\"44.736 Mbps\"", 44736, "44.736 Mbps"},
                 {"\"64 kbps\"", 64, "64 kbps"},
                 {"\"2.5 Gbps\"", 2500000, "2500 Mbps"},
                 {"\"100\"", 100000, "100 Mbps"},
                 {"500", 500000, "500 Mbps"},
                 {"1.544", 1544, "1.544 Mbps"}};
    char buf[32];
    int64_t v;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(number(&v, "bandwidth", cases[i].json) == 0, "%s",
                      cases[i].json);
        ck_assert_int_eq(v, cases[i].kbps);
        ck_assert_int_gt(catalog_bandwidth_format(buf, sizeof(buf), v), 0);
        ck_assert_str_eq(buf, cases[i].canon);
    }
    ck_assert_int_eq(catalog_bandwidth_format(buf, 4, 500000), TL_ERROR);
}
END_TEST

START_TEST(integers_and_percent)
{
    char buf[16];
    int64_t v;

    ck_assert_int_eq(number(&v, "integer", "\"23x\""), TL_EINVALID);
    ck_assert_int_eq(number(&v, "integer", "\"\""), TL_EINVALID);
    ck_assert_int_eq(number(&v, "integer", "2.5"), TL_EINVALID);
    ck_assert_int_eq(number(&v, "integer", "\"2.5\""), TL_EINVALID);
    ck_assert_int_eq(number(&v, "integer", "\"99999999999999999999\""),
                     TL_EINVALID);
    ck_assert_int_eq(number(&v, "text", "5"), TL_EINVALID);
    ck_assert_int_eq(number(&v, "integer", "\"46\""), 0);
    ck_assert_int_eq(v, 46);
    ck_assert_int_eq(number(&v, "integer", "-3"), 0);
    ck_assert_int_eq(v, -3);
    catalog_percent_format(buf, sizeof(buf), 65000);
    ck_assert_str_eq(buf, "6.5");
    catalog_percent_format(buf, sizeof(buf), 352000);
    ck_assert_str_eq(buf, "35.2");
    catalog_percent_format(buf, sizeof(buf), 12500);
    ck_assert_str_eq(buf, "1.25");
    catalog_percent_format(buf, sizeof(buf), 1000000);
    ck_assert_str_eq(buf, "100");
}
END_TEST

static const char *const dia_defs =
    "[{\"name\": \"portSpeed\", \"valueType\": \"bandwidth\", \"required\": "
    "true, \"allowedValues\": [\"500 Mbps\"]},"
    " {\"name\": \"committedBandwidth\", \"valueType\": \"bandwidth\","
    " \"required\": true},"
    " {\"name\": \"ipv4Block\", \"valueType\": \"enum\", \"required\": false,"
    " \"allowedValues\": [\"/30\", \"/29\"]}]";
static const char *const dia_rules =
    "[{\"rule\": \"notGreaterThan\", \"characteristic\": "
    "\"committedBandwidth\", \"other\": \"portSpeed\"}]";

static const char *const pri_defs =
    "[{\"name\": \"spans\", \"valueType\": \"integer\", \"required\": true,"
    " \"min\": 1, \"max\": 8},"
    " {\"name\": \"channels\", \"valueType\": \"integer\", \"required\": true,"
    " \"multipleOf\": 23},"
    " {\"name\": \"redundant\", \"valueType\": \"boolean\", \"required\": "
    "false},"
    " {\"name\": \"note\", \"valueType\": \"text\", \"required\": false}]";

static void check(tl_err *err, const char *defs, const char *rules,
                  const char *chars)
{
    json_t *d = js(defs);
    json_t *r = rules ? js(rules) : NULL;
    json_t *c = js(chars);

    catalog_check_defs(d, r, c, "item.chars", err);
    json_decref(d);
    json_decref(r);
    json_decref(c);
}

static void assert_problem(const tl_err *err, const char *field,
                           const char *code, const char *needle)
{
    size_t i;

    for (i = 0; i < err->n_problems; i++)
        if (strcmp(err->problems[i].field, field) == 0 &&
            strcmp(err->problems[i].code, code) == 0 &&
            (needle == NULL || strstr(err->problems[i].message, needle)))
            return;
    ck_abort_msg("no %s problem at %s", code, field);
}

START_TEST(characteristic_problems)
{
    tl_err err = TL_ERR_INIT;

    check(&err, dia_defs, dia_rules,
          "{\"portSpeed\": \"1 Gbps\", \"committedBandwidth\": \"fast\","
          " \"ipv4Block\": \"/24\", \"vlan\": 12}");
    assert_problem(&err, "item.chars.portSpeed", "not_allowed",
                   "portSpeed must be 500 Mbps for this product, not 1 Gbps");
    assert_problem(&err, "item.chars.committedBandwidth", "type", "\"fast\"");
    assert_problem(&err, "item.chars.ipv4Block", "not_allowed", "/30, /29");
    assert_problem(&err, "item.chars.vlan", "unknown_characteristic",
                   "portSpeed, committedBandwidth, ipv4Block");
    ck_assert_int_eq(err.n_problems, 4);
    tl_err_clear(&err);

    check(&err, dia_defs, dia_rules, "{\"ipv4Block\": \"/29\"}");
    assert_problem(&err, "item.chars", "required", "portSpeed");
    assert_problem(&err, "item.chars", "required", "committedBandwidth");
    ck_assert_int_eq(err.n_problems, 2);
    tl_err_clear(&err);

    check(&err, dia_defs, dia_rules,
          "{\"portSpeed\": 500, \"committedBandwidth\": \"1 Gbps\"}");
    assert_problem(&err, "item.chars.committedBandwidth", "rule",
                   "committedBandwidth (1 Gbps) cannot exceed portSpeed "
                   "(500 Mbps)");
    ck_assert_int_eq(err.n_problems, 1);
    tl_err_clear(&err);

    check(&err, pri_defs, NULL,
          "{\"spans\": \"9\", \"channels\": 24, \"redundant\": \"maybe\","
          " \"note\": 5}");
    assert_problem(&err, "item.chars.spans", "range",
                   "spans must be from 1 to 8, not 9");
    assert_problem(&err, "item.chars.channels", "multiple_of",
                   "multiple of 23, not 24");
    assert_problem(&err, "item.chars.redundant", "type", "true or false");
    assert_problem(&err, "item.chars.note", "type", NULL);
    ck_assert_int_eq(err.n_problems, 4);
    tl_err_clear(&err);
}
END_TEST

START_TEST(good_characteristics_pass)
{
    tl_err err = TL_ERR_INIT;

    /* the demo order's values, and the same in other spellings */
    check(&err, dia_defs, dia_rules,
          "{\"portSpeed\": \"500 Mbps\", \"committedBandwidth\": \"500 Mbps\","
          " \"ipv4Block\": \"/29\"}");
    check(&err, dia_defs, dia_rules,
          "{\"portSpeed\": \"0.5 Gbps\", \"committedBandwidth\": 200}");
    check(&err, pri_defs, NULL,
          "{\"spans\": 2, \"channels\": \"46\", \"redundant\": true,"
          " \"note\": \"rack 4\"}");
    ck_assert_int_eq(err.n_problems, 0);
    tl_err_clear(&err);
}
END_TEST

typedef struct rows {
    int n;
    int line[8];
    char text[8][128];
} rows;

static int collect(int line, char **f, int nf, void *cls, tl_err *err)
{
    rows *r = cls;
    int i;
    size_t k = 0;

    (void)err;
    r->line[r->n] = line;
    r->text[r->n][0] = '\0';
    for (i = 0; i < nf; i++)
        k += (size_t)snprintf(r->text[r->n] + k, sizeof(r->text[0]) - k,
                              "%s<%s>", i ? "|" : "", f[i]);
    r->n++;
    return 0;
}

START_TEST(csv_reader)
{
    static const char text[] = "a,b\r\n"
                               "\"x,1\",\"say \"\"hi\"\"\"\n"
                               "\n"
                               "\"two\nlines\",z\n"
                               "bad\"quote,1\n"
                               "\"open,2\n";
    tl_err err = TL_ERR_INIT;
    rows r;

    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(tl_csv_read(text, strlen(text), 100, collect, &r, &err),
                     TL_EINVALID);
    ck_assert_int_eq(r.n, 3);
    ck_assert_str_eq(r.text[0], "<a>|<b>");
    ck_assert_str_eq(r.text[1], "<x,1>|<say \"hi\">");
    ck_assert_int_eq(r.line[2], 4);
    ck_assert_str_eq(r.text[2], "<two\nlines>|<z>");
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert_str_eq(err.problems[0].field, "row[6]");
    ck_assert_str_eq(err.problems[0].code, "csv_syntax");
    ck_assert_str_eq(err.problems[1].field, "row[7]");
    tl_err_clear(&err);
    memset(&r, 0, sizeof(r));
    ck_assert_int_eq(tl_csv_read("aaaaaaaaaa\nb\n", 13, 5, collect, &r, &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.problems[0].code, "too_long");
    ck_assert_int_eq(r.n, 1);
    tl_err_clear(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("catalog_values");
    TCase *tc = tcase_create("values");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, bandwidth_rejects);
    tcase_add_test(tc, bandwidth_parses_to_kbps);
    tcase_add_test(tc, integers_and_percent);
    tcase_add_test(tc, characteristic_problems);
    tcase_add_test(tc, good_characteristics_pass);
    tcase_add_test(tc, csv_reader);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
