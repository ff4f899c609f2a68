/*
 * Partner XML orders: mapping onto TMF622-shaped documents, schema
 * violations with their lines, and hostile documents (external entities,
 * entity expansion, broken XML, oversize) refused without harm.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "orders/orders.h"

#define FIXTURES TL_SOURCE_DIR "/tests/fixtures/xml/"

static int read_xml(json_t **out, const char *name, tl_err *err)
{
    char path[512];
    char *buf = NULL;
    size_t len = 0;
    int rc;

    snprintf(path, sizeof(path), "%s%s", FIXTURES, name);
    ck_assert_int_eq(tl_file_read(&buf, &len, path, ORDERS_XML_MAX_BYTES, err),
                     0);
    rc = orders_xml_read(out, buf, len, err);
    free(buf);
    return rc;
}

static const char *str_at(const json_t *root, const char *path)
{
    const json_t *v = root;
    char key[64];
    const char *p = path;

    while (*p != '\0' && v != NULL) {
        size_t n = strcspn(p, ".");
        snprintf(key, sizeof(key), "%.*s", (int)n, p);
        if (key[0] >= '0' && key[0] <= '9')
            v = json_array_get(v, (size_t)(key[0] - '0'));
        else
            v = json_object_get(v, key);
        p += n;
        if (*p == '.')
            p++;
    }
    return json_string_value(v);
}

static int has_problem(const tl_err *err, const char *code, const char *field)
{
    size_t i;

    for (i = 0; i < err->n_problems; i++)
        if (strcmp(err->problems[i].code, code) == 0 &&
            (field == NULL || strcmp(err->problems[i].field, field) == 0))
            return 1;
    return 0;
}

START_TEST(partner_orders_map_onto_tmf622)
{
    tl_err err = TL_ERR_INIT;
    json_t *orders = NULL;
    const json_t *item;

    ck_assert_int_eq(read_xml(&orders, "partner-orders.xml", &err), 0);
    ck_assert_uint_eq(json_array_size(orders), 3);
    ck_assert_str_eq(str_at(orders, "0.externalId"), "SUMMIT-X-0001");
    ck_assert_str_eq(str_at(orders, "0.billingAccount.id"), "HH-1001");
    ck_assert_str_eq(str_at(orders, "0.requestedStartDate"), "2026-12-01");
    ck_assert_str_eq(str_at(orders, "0.relatedParty.0.id"), "SUMMIT");
    ck_assert_str_eq(str_at(orders, "0.relatedParty.0.role"), "agent");
    ck_assert_str_eq(str_at(orders, "0.productOrderItem.0.productOffering.id"),
                     "DIA-100");
    ck_assert_str_eq(
        str_at(orders,
               "0.productOrderItem.0.product.productCharacteristic.0.value"),
        "100 Mbps");
    ck_assert_str_eq(
        str_at(orders, "0.productOrderItem.0.product.place.0.postcode"),
        "04101");
    ck_assert_str_eq(
        str_at(orders, "0.productOrderItem.0.product.place.0.streetNr"), "100");
    item = json_array_get(
        json_object_get(json_array_get(orders, 0), "productOrderItem"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(item, "quantity")), 1);
    /* no quantity attribute: none in the document, and intake takes 1 */
    item = json_array_get(
        json_object_get(json_array_get(orders, 1), "productOrderItem"), 0);
    ck_assert_ptr_null(json_object_get(item, "quantity"));
    json_decref(orders);
}
END_TEST

START_TEST(schema_violations_are_listed_with_lines)
{
    tl_err err = TL_ERR_INIT;
    json_t *orders = NULL;

    ck_assert_int_eq(read_xml(&orders, "schema-invalid.xml", &err),
                     TL_EINVALID);
    ck_assert_ptr_null(orders);
    ck_assert_uint_ge(err.n_problems, 2);
    ck_assert(has_problem(&err, "xsd", "line 4"));
    ck_assert(has_problem(&err, "xsd", "line 6"));
    tl_err_clear(&err);
}
END_TEST

START_TEST(external_entities_are_refused)
{
    tl_err err = TL_ERR_INIT;
    json_t *orders = NULL;
    size_t i;

    ck_assert_int_eq(read_xml(&orders, "xxe.xml", &err), TL_EINVALID);
    ck_assert_ptr_null(orders);
    ck_assert_str_eq(err.code, "dtd_refused");
    for (i = 0; i < err.n_problems; i++)
        ck_assert_ptr_null(strstr(err.problems[i].message, "root:"));
    tl_err_clear(&err);
}
END_TEST

START_TEST(entity_expansion_is_refused)
{
    tl_err err = TL_ERR_INIT;
    json_t *orders = NULL;

    ck_assert_int_eq(read_xml(&orders, "billion-laughs.xml", &err),
                     TL_EINVALID);
    ck_assert_ptr_null(orders);
    ck_assert(strcmp(err.code, "dtd_refused") == 0 ||
              strcmp(err.code, "xml_syntax") == 0);
    tl_err_clear(&err);
}
END_TEST

START_TEST(broken_and_oversized_documents)
{
    tl_err err = TL_ERR_INIT;
    json_t *orders = NULL;
    char *big;

    ck_assert_int_eq(read_xml(&orders, "not-well-formed.xml", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.code, "xml_syntax");
    ck_assert_str_eq(err.field, "line 4");
    tl_err_clear(&err);
    big = calloc(1, ORDERS_XML_MAX_BYTES + 2);
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', ORDERS_XML_MAX_BYTES + 1);
    ck_assert_int_eq(
        orders_xml_read(&orders, big, ORDERS_XML_MAX_BYTES + 1, &err),
        TL_EINVALID);
    ck_assert_str_eq(err.code, "too_large");
    free(big);
    tl_err_clear(&err);
}
END_TEST

START_TEST(a_private_line_names_both_ends)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?>"
        "<PartnerOrders xmlns=\"urn:trunkline:partner-order:1\""
        " partner=\"KEYSTONE\">"
        "<Order externalId=\"KS-EPL-1\" billingAccount=\"KS-3001\""
        " requestedStartDate=\"2026-12-01\">"
        "<Item id=\"1\" action=\"add\" productOffering=\"EPL-1G\">"
        "<Characteristic name=\"routeMiles\" value=\"12\"/>"
        "<ServiceAddress role=\"aLocation\" streetNr=\"100\""
        " streetName=\"Harbor Way\" city=\"Portland\" stateOrProvince=\"ME\""
        " postcode=\"04101\" country=\"US\"/>"
        "<ServiceAddress role=\"zLocation\" streetNr=\"1\""
        " streetName=\"Rail Street\" city=\"Bangor\" stateOrProvince=\"ME\""
        " postcode=\"04401\" country=\"US\"/>"
        "</Item></Order></PartnerOrders>";
    static const char bad_role[] =
        "<?xml version=\"1.0\"?>"
        "<PartnerOrders xmlns=\"urn:trunkline:partner-order:1\""
        " partner=\"KEYSTONE\">"
        "<Order externalId=\"KS-EPL-2\" billingAccount=\"KS-3001\">"
        "<Item id=\"1\" action=\"add\" productOffering=\"EPL-1G\">"
        "<ServiceAddress role=\"middle\" streetName=\"Harbor Way\""
        " city=\"Portland\" stateOrProvince=\"ME\" postcode=\"04101\""
        " country=\"US\"/>"
        "</Item></Order></PartnerOrders>";
    json_t *orders = NULL;
    tl_err err = TL_ERR_INIT;

    ck_assert_int_eq(orders_xml_read(&orders, doc, sizeof(doc) - 1, &err), 0);
    ck_assert_str_eq(
        str_at(orders, "0.productOrderItem.0.product.place.0.role"),
        "aLocation");
    ck_assert_str_eq(
        str_at(orders, "0.productOrderItem.0.product.place.1.role"),
        "zLocation");
    ck_assert_str_eq(
        str_at(orders, "0.productOrderItem.0.product.place.1.city"), "Bangor");
    json_decref(orders);
    orders = NULL;
    ck_assert_int_eq(
        orders_xml_read(&orders, bad_role, sizeof(bad_role) - 1, &err),
        TL_EINVALID);
    ck_assert(has_problem(&err, "xsd", NULL));
    tl_err_clear(&err);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("order_xml");
    TCase *tc = tcase_create("order_xml");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, external_entities_are_refused);
    tcase_add_test(tc, entity_expansion_is_refused);
    tcase_add_test(tc, broken_and_oversized_documents);
    tcase_add_test(tc, schema_violations_are_listed_with_lines);
    tcase_add_test(tc, partner_orders_map_onto_tmf622);
    tcase_add_test(tc, a_private_line_names_both_ends);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
