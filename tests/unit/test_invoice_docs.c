/*
 * Invoice documents without a database: a hand-built document rendered as
 * TMF678 JSON, UBL 2.1 Invoice and CreditNote (validated against the
 * shipped OASIS XSD here, in the test), CSV and HTML. Amounts are checked
 * to the cent as text; refusals first.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/document.h"

static tl_err err;

static void setup(void)
{
    tl_err_init(&err);
}

static void teardown(void)
{
    tl_err_clear(&err);
}

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

static tl_money amt(const char *text, const char *cur)
{
    tl_money m;

    ck_assert_int_eq(tl_money_parse(&m, text, cur), 0);
    return m;
}

static void set(char *dst, size_t size, const char *src)
{
    ck_assert_uint_lt(strlen(src), size);
    memcpy(dst, src, strlen(src) + 1);
}

#define SET(dst, src) set((dst), sizeof(dst), (src))

static void add_line(billing_doc *doc, const char *code, const char *kind,
                     const char *desc, const char *from, const char *to,
                     int64_t qty, const char *unit, const char *amount)
{
    billing_doc_line l;

    memset(&l, 0, sizeof(l));
    l.line_no = (int)doc->n_lines + 1;
    SET(l.service_code, code);
    SET(l.charge_kind, kind);
    SET(l.description, desc);
    SET(l.circuit_id, "DIA/000001");
    SET(l.tax_category, kind[0] == 'N' ? "installation" : "internet");
    if (from != NULL) {
        l.has_period = 1;
        l.period.start = day(from);
        l.period.end = day(to);
    }
    l.quantity = qty;
    l.unit_price = amt(unit, doc->currency);
    l.amount = amt(amount, doc->currency);
    ck_assert_int_eq(billing_doc_add_line(doc, &l, &err), 0);
}

static void add_tax(billing_doc *doc, const char *jur, const char *code,
                    const char *name, const char *kind, const char *base,
                    int64_t ppm, const char *per_unit, const char *amount)
{
    billing_doc_tax_line t;

    memset(&t, 0, sizeof(t));
    t.line_no = (int)doc->n_tax_lines + 1;
    SET(t.jurisdiction, jur);
    SET(t.tax_code, code);
    SET(t.name, name);
    SET(t.kind, kind);
    t.base = amt(base, doc->currency);
    if (per_unit != NULL) {
        t.has_per_unit = 1;
        t.per_unit = amt(per_unit, doc->currency);
    } else {
        t.has_rate = 1;
        t.rate_ppm = ppm;
    }
    t.amount = amt(amount, doc->currency);
    ck_assert_int_eq(billing_doc_add_tax_line(doc, &t, &err), 0);
}

/* The header, parties and remittance of every test document. */
static void header(billing_doc *doc, billing_doc_kind kind, const char *cur)
{
    billing_doc_init(doc);
    doc->kind = kind;
    SET(doc->number,
        kind == BILLING_DOC_INVOICE ? "INV-00000001" : "CN-00000001");
    doc->issue_date = day("2026-11-20");
    doc->due_date = day("2026-12-20");
    doc->period.start = day("2026-11-01");
    doc->period.end = day("2026-12-01");
    SET(doc->currency, cur);
    SET(doc->account_number, "HH-1001");
    SET(doc->account_name, "Harbor Health - Network Services");
    SET(doc->customer_ref, "HARBOR-HEALTH");
    SET(doc->customer_name, "Harbor Health");
    SET(doc->bill_to.name, "Harbor Health - Network Services");
    SET(doc->bill_to.attention, "Dana Whitfield");
    SET(doc->bill_to.email, "ap-invoices@harborhealth.example");
    SET(doc->po_number, "HH-PO-2026-0412");
    SET(doc->seller.name, "Northern Lights Telecom, LLC");
    SET(doc->seller.line1, "1 Monument Square, Suite 600");
    SET(doc->seller.city, "Portland");
    SET(doc->seller.region, "ME");
    SET(doc->seller.postcode, "04101");
    SET(doc->seller.country, "US");
    SET(doc->seller.tax_id, "01-0654321");
    SET(doc->seller.email, "billing@northernlights.example");
    SET(doc->remittance.bank_name, "Casco Bay Trust Company");
    SET(doc->remittance.account, "4401882907");
    SET(doc->remittance.routing, "211370545");
    SET(doc->remittance.reference, doc->number);
    SET(doc->remittance.terms, "Net 30 days from the invoice date.");
    if (kind == BILLING_DOC_CREDIT_NOTE)
        SET(doc->credits_invoice, "INV-00000001");
}

/*
 * The skeleton's invoice plus taxes: NRC 750.00, MRC 651.67 (17 of 30
 * days of 1150.00) and 1150.00 = 2551.67; federal USF 3.3% of the MRC
 * lines 1801.67 = 59.45511 -> 59.46, and an E911 fee of 0.75 on 2 call
 * paths = 1.50. Tax 60.96, total 2612.63.
 */
static void invoice(billing_doc *doc)
{
    header(doc, BILLING_DOC_INVOICE, "USD");
    add_line(doc, "DIA-INST", "NRC", "DIA installation, DIA/000001", NULL, NULL,
             1, "750.00", "750.00");
    add_line(doc, "DIA500", "MRC",
             "DIA 500 Mbps port, DIA/000001, 2026-11-14 to 2026-11-30",
             "2026-11-14", "2026-12-01", 1, "1150.00", "651.67");
    add_line(doc, "DIA500", "MRC",
             "DIA 500 Mbps port, DIA/000001, 2026-12-01 to 2026-12-31",
             "2026-12-01", "2027-01-01", 1, "1150.00", "1150.00");
    add_tax(doc, "US", "US-FUSF", "Federal Universal Service Fund", "surcharge",
            "1801.67", 33000, NULL, "59.46");
    add_tax(doc, "US-ME", "E911", "Maine E911 surcharge", "tax", "1801.67", 0,
            "0.75", "1.50");
    ck_assert_int_eq(billing_doc_compute_totals(doc, &err), 0);
}

typedef int (*render_fn)(char **out, size_t *len, const billing_doc *doc,
                         tl_err *err);

static const render_fn renderers[] = {billing_render_json, billing_render_ubl,
                                      billing_render_csv, billing_render_html};

static char *render(render_fn fn, const billing_doc *doc, size_t *len)
{
    char *out = NULL;
    size_t n = 0;
    int rc = fn(&out, &n, doc, &err);

    ck_assert_msg(rc == 0, "render failed: %s (%s)", err.message, err.field);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(strlen(out), n);
    if (len != NULL)
        *len = n;
    return out;
}

static void has(const char *text, const char *needle)
{
    ck_assert_msg(strstr(text, needle) != NULL, "\"%s\" not in:\n%s", needle,
                  text);
}

static void has_not(const char *text, const char *needle)
{
    ck_assert_msg(strstr(text, needle) == NULL, "\"%s\" unexpectedly in:\n%s",
                  needle, text);
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0;

    for (text = strstr(text, needle); text != NULL;
         text = strstr(text + 1, needle))
        n++;
    return n;
}

static int has_problem(const char *field, const char *code)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].field, field) == 0 &&
            strcmp(err.problems[i].code, code) == 0)
            return 1;
    return 0;
}

static void validate_ok(const char *xml, size_t len)
{
    int rc = billing_ubl_validate(xml, len, &err);

    ck_assert_msg(rc == 0, "not valid UBL: %s %s: %s\n%s", err.code, err.field,
                  err.message, xml);
}

/* ---- refusals ---- */

START_TEST(a_document_that_does_not_tie_out_is_refused)
{
    billing_doc doc;
    char *out = (char *)1;
    size_t len = 1;
    size_t i;

    for (i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
        invoice(&doc);
        doc.subtotal.minor += 1; /* 2551.68 */
        doc.total.minor += 1;
        ck_assert_int_eq(renderers[i](&out, &len, &doc, &err), TL_EINVALID);
        ck_assert_ptr_null(out);
        ck_assert_uint_eq(len, 0);
        ck_assert(has_problem("totals.subtotal", "totals_mismatch"));
        ck_assert_ptr_nonnull(strstr(err.problems[0].message,
                                     "USD 2551.68 but the lines add up to "
                                     "USD 2551.67"));
        tl_err_clear(&err);
        billing_doc_free(&doc);
    }

    invoice(&doc);
    doc.tax.minor = 0; /* tax lines say 60.96 */
    doc.total = doc.subtotal;
    ck_assert_int_eq(billing_render_ubl(&out, &len, &doc, &err), TL_EINVALID);
    ck_assert(has_problem("totals.tax", "totals_mismatch"));
    tl_err_clear(&err);
    billing_doc_free(&doc);

    invoice(&doc);
    doc.total.minor += 100; /* not subtotal + tax */
    ck_assert_int_eq(billing_render_html(&out, &len, &doc, &err), TL_EINVALID);
    ck_assert(has_problem("totals.total", "totals_mismatch"));
    tl_err_clear(&err);
    billing_doc_free(&doc);

    invoice(&doc);
    doc.lines[1].amount = amt("651.67", "EUR");
    ck_assert_int_eq(billing_render_json(&out, &len, &doc, &err), TL_EINVALID);
    ck_assert(has_problem("lines[1].amount", "currency"));
    tl_err_clear(&err);
    billing_doc_free(&doc);

    invoice(&doc);
    doc.tax_lines[1].has_rate = 1; /* a rate and a per-unit amount */
    ck_assert_int_eq(billing_render_csv(&out, &len, &doc, &err), TL_EINVALID);
    ck_assert(has_problem("taxLines[1]", "format"));
    billing_doc_free(&doc);
}
END_TEST

START_TEST(the_validator_refuses_bad_ubl)
{
    static const char no_id[] =
        "<?xml version=\"1.0\"?>\n"
        "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:"
        "Invoice-2\" xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:"
        "xsd:CommonBasicComponents-2\">\n"
        "<cbc:IssueDate>2026-11-20</cbc:IssueDate>\n</Invoice>\n";
    static const char dtd[] =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Invoice [<!ENTITY x \"y\">]>\n"
        "<Invoice/>\n";

    ck_assert_int_eq(billing_ubl_validate(no_id, strlen(no_id), &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.code, "xsd");
    ck_assert_str_eq(err.field, "line 3");
    tl_err_clear(&err);
    ck_assert_int_eq(billing_ubl_validate(dtd, strlen(dtd), &err), TL_EINVALID);
    ck_assert_str_eq(err.code, "dtd");
    tl_err_clear(&err);
    ck_assert_int_eq(billing_ubl_validate("<Invoice>", 9, &err), TL_EINVALID);
    ck_assert_str_eq(err.code, "xml_syntax");
}
END_TEST

/* The shipped schemas accept the standard's own examples. */
START_TEST(the_oasis_examples_are_valid)
{
    static const char *const files[] = {
        TL_SOURCE_DIR "/tests/fixtures/ubl/oasis-UBL-Invoice-2.1-Example.xml",
        TL_SOURCE_DIR
        "/tests/fixtures/ubl/oasis-UBL-CreditNote-2.1-Example.xml"};
    size_t i;

    for (i = 0; i < 2; i++) {
        FILE *f = fopen(files[i], "rb");
        static char buf[65536];
        size_t n;

        ck_assert_ptr_nonnull(f);
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        validate_ok(buf, n);
    }
}
END_TEST

/* ---- JSON ---- */

START_TEST(json_is_a_tmf678_customer_bill_to_the_cent)
{
    billing_doc doc;
    json_error_t jerr;
    json_t *bill;
    char *out;

    invoice(&doc);
    out = render(billing_render_json, &doc, NULL);
    has(out, "\"taxIncludedAmount\": {\n    \"unit\": \"USD\",\n"
             "    \"value\": 2612.63\n  }");
    has(out, "\"taxExcludedAmount\": {\n    \"unit\": \"USD\",\n"
             "    \"value\": 2551.67\n  }");
    has(out, "\"amountDue\": {\n    \"unit\": \"USD\",\n"
             "    \"value\": 2612.63\n  }");
    has(out, "\"taxRate\": 0.033,");
    has(out, "\"value\": 59.46\n");
    has(out, "\"value\": 1.50\n");
    has(out, "\"billDate\": \"2026-11-20T00:00:00Z\"");
    has(out, "\"paymentDueDate\": \"2026-12-20T00:00:00Z\"");
    has(out, "\"startDateTime\": \"2026-11-01T00:00:00Z\"");
    has(out, "\"endDateTime\": \"2026-12-01T00:00:00Z\"");
    has(out, "\"purchaseOrderNumber\": \"HH-PO-2026-0412\"");
    has(out, "\"paymentReference\": \"INV-00000001\"");
    has_not(out, "appliedPayment");
    /* and it is JSON of the TMF shape */
    bill = json_loads(out, JSON_REJECT_DUPLICATES, &jerr);
    ck_assert_msg(bill != NULL, "%s at line %d", jerr.text, jerr.line);
    ck_assert_str_eq(json_string_value(json_object_get(bill, "@type")),
                     "CustomerBill");
    ck_assert_str_eq(json_string_value(json_object_get(bill, "id")),
                     "INV-00000001");
    ck_assert_str_eq(json_string_value(json_object_get(bill, "billNo")),
                     "INV-00000001");
    ck_assert_str_eq(json_string_value(json_object_get(bill, "category")),
                     "normal");
    ck_assert_uint_eq(json_array_size(json_object_get(bill, "taxItem")), 2);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_object_get(bill, "billingAccount"), "id")),
                     "HH-1001");
    ck_assert_str_eq(
        json_string_value(json_object_get(
            json_object_get(
                json_array_get(json_object_get(bill, "relatedParty"), 0),
                "partyOrPartyRole"),
            "name")),
        "Harbor Health");
    json_decref(bill);
    free(out);
    billing_doc_free(&doc);
}
END_TEST

/* ---- UBL ---- */

START_TEST(ubl_invoice_is_valid_against_the_xsd)
{
    billing_doc doc;
    size_t len;
    char *out;

    invoice(&doc);
    out = render(billing_render_ubl, &doc, &len);
    validate_ok(out, len);
    has(out, "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:"
             "Invoice-2\"");
    has(out, "<cbc:UBLVersionID>2.1</cbc:UBLVersionID>");
    has(out, "<cbc:ID>INV-00000001</cbc:ID>");
    has(out, "<cbc:DueDate>2026-12-20</cbc:DueDate>");
    has(out, "<cbc:InvoiceTypeCode listID=\"UNCL1001\">380</cbc:"
             "InvoiceTypeCode>");
    has(out, "<cbc:DocumentCurrencyCode>USD</cbc:DocumentCurrencyCode>");
    has(out, "<cac:OrderReference>\n    <cbc:ID>HH-PO-2026-0412</cbc:ID>");
    has(out, "<cbc:PaymentMeansCode listID=\"UNCL4461\">30</cbc:"
             "PaymentMeansCode>");
    has(out, "<cbc:PaymentID>INV-00000001</cbc:PaymentID>");
    has(out, "<cbc:ID schemeID=\"ABA\">211370545</cbc:ID>");
    has(out, "<cbc:TaxAmount currencyID=\"USD\">60.96</cbc:TaxAmount>");
    ck_assert_uint_eq(occurrences(out, "<cac:TaxSubtotal>"), 2);
    has(out, "<cbc:Percent>3.3</cbc:Percent>");
    has(out, "<cbc:PerUnitAmount currencyID=\"USD\">0.75</cbc:PerUnitAmount>");
    has(out, "<cbc:LineExtensionAmount currencyID=\"USD\">2551.67</cbc:"
             "LineExtensionAmount>");
    has(out, "<cbc:PayableAmount currencyID=\"USD\">2612.63</cbc:"
             "PayableAmount>");
    ck_assert_uint_eq(occurrences(out, "<cac:InvoiceLine>"), 3);
    has(out, "<cbc:InvoicedQuantity unitCode=\"C62\">1</cbc:"
             "InvoicedQuantity>");
    has(out, "<cbc:StartDate>2026-11-14</cbc:StartDate>\n"
             "      <cbc:EndDate>2026-11-30</cbc:EndDate>");
    has(out, "<cac:SellersItemIdentification>\n"
             "        <cbc:ID>DIA500</cbc:ID>");
    has(out, "<cbc:PriceAmount currencyID=\"USD\">1150.00</cbc:PriceAmount>");
    /* the NRC line has no period: 2 line periods + the document's */
    ck_assert_uint_eq(occurrences(out, "<cac:InvoicePeriod>"), 3);
    free(out);
    billing_doc_free(&doc);
}
END_TEST

START_TEST(ubl_credit_note_is_valid_against_the_xsd)
{
    billing_doc doc;
    size_t len;
    char *out;

    header(&doc, BILLING_DOC_CREDIT_NOTE, "USD");
    SET(doc.note, "Service credit for the outage of 2026-11-18 & 19.");
    add_line(&doc, "DIA500", "MRC", "Outage credit, DIA/000001", "2026-11-18",
             "2026-11-20", 1, "1150.00", "76.67");
    ck_assert_int_eq(billing_doc_compute_totals(&doc, &err), 0);
    out = render(billing_render_ubl, &doc, &len);
    validate_ok(out, len);
    has(out, "<CreditNote xmlns=\"urn:oasis:names:specification:ubl:schema:"
             "xsd:CreditNote-2\"");
    has(out, "<cbc:CreditNoteTypeCode listID=\"UNCL1001\">381</cbc:"
             "CreditNoteTypeCode>");
    has(out, "<cac:InvoiceDocumentReference>\n"
             "      <cbc:ID>INV-00000001</cbc:ID>");
    has(out, "<cbc:CreditedQuantity unitCode=\"C62\">1</cbc:"
             "CreditedQuantity>");
    has(out, "<cbc:Note>Service credit for the outage of 2026-11-18 &amp; "
             "19.</cbc:Note>");
    has(out, "<cbc:TaxAmount currencyID=\"USD\">0.00</cbc:TaxAmount>");
    has(out, "<cbc:PayableAmount currencyID=\"USD\">76.67</cbc:PayableAmount>");
    has_not(out, "<cbc:DueDate>");
    has_not(out, "<cac:PaymentMeans>");
    free(out);
    billing_doc_free(&doc);
}
END_TEST

/* Today's invoices have no tax lines: tax 0.00, valid all the same. */
START_TEST(a_document_without_tax_lines_renders_zero_tax)
{
    billing_doc doc;
    size_t len;
    char *out;

    invoice(&doc);
    doc.n_tax_lines = 0;
    ck_assert_int_eq(billing_doc_compute_totals(&doc, &err), 0);
    ck_assert_int_eq(doc.total.minor, 255167);
    out = render(billing_render_ubl, &doc, &len);
    validate_ok(out, len);
    has(out, "<cac:TaxTotal>\n    <cbc:TaxAmount currencyID=\"USD\">0.00</"
             "cbc:TaxAmount>\n  </cac:TaxTotal>");
    free(out);
    out = render(billing_render_json, &doc, NULL);
    has(out, "\"taxItem\": [],");
    has(out, "\"taxIncludedAmount\": {\n    \"unit\": \"USD\",\n"
             "    \"value\": 2551.67\n  }");
    free(out);
    out = render(billing_render_html, &doc, NULL);
    has(out, "No taxes or surcharges apply");
    free(out);
    billing_doc_free(&doc);
}
END_TEST

/* ---- CSV ---- */

START_TEST(csv_has_a_row_per_line_and_quotes_fields)
{
    billing_doc doc;
    char *out;

    invoice(&doc);
    SET(doc.lines[0].description, "Install, \"expedited\"");
    out = render(billing_render_csv, &doc, NULL);
    has(out, "document_number,document_kind,issue_date,due_date,"
             "account_number,customer_ref,po_number,currency,line_no,"
             "line_type,code,circuit_id,description,charge_kind,period_from,"
             "period_to,quantity,unit_price,rate_percent,taxable_base,amount,"
             "tax_category,jurisdiction\r\n");
    has(out, "INV-00000001,invoice,2026-11-20,2026-12-20,HH-1001,"
             "HARBOR-HEALTH,HH-PO-2026-0412,USD,1,charge,DIA-INST,DIA/000001,"
             "\"Install, \"\"expedited\"\"\",NRC,,,1,750.00,,,750.00,"
             "installation,\r\n");
    has(out, ",2,charge,DIA500,DIA/000001,\"DIA 500 Mbps port, DIA/000001, "
             "2026-11-14 to 2026-11-30\",MRC,2026-11-14,2026-11-30,1,1150.00,"
             ",,651.67,internet,\r\n");
    has(out, ",1,surcharge,US-FUSF,,Federal Universal Service Fund,,,,,,3.3,"
             "1801.67,59.46,,US\r\n");
    has(out, ",2,tax,E911,,Maine E911 surcharge,,,,,0.75,,1801.67,1.50,,"
             "US-ME\r\n");
    /* header, 3 charge lines, 2 tax lines */
    ck_assert_uint_eq(occurrences(out, "\r\n"), 6);
    free(out);
    billing_doc_free(&doc);
}
END_TEST

/* ---- HTML ---- */

START_TEST(html_escapes_everything_and_shows_the_remittance)
{
    billing_doc doc;
    char *out;

    invoice(&doc);
    SET(doc.bill_to.name, "<Acme & Sons> \"Ltd\"");
    SET(doc.lines[0].description, "<script>alert('x')</script>");
    out = render(billing_render_html, &doc, NULL);
    has(out, "<strong>&lt;Acme &amp; Sons&gt; &quot;Ltd&quot;</strong>");
    has(out, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    has_not(out, "<Acme");
    has_not(out, "<script");
    has_not(out, "http://");
    has_not(out, "https://");
    has(out, "<!DOCTYPE html>");
    has(out, "<style>");
    has(out, "quoting the payment reference <strong>INV-00000001</strong>");
    has(out, "<tr><td>Purchase order</td><td>HH-PO-2026-0412</td></tr>");
    has(out, "<tr><td>Routing number (ABA)</td><td>211370545</td></tr>");
    has(out, "<td>US-FUSF</td>");
    has(out, "<td class=\"n\">3.3%</td>");
    has(out, "<td class=\"n\">0.75 per unit</td>");
    has(out, "<tr class=\"due\"><td>Total due</td><td>USD</td>"
             "<td class=\"n\">2612.63</td></tr>");
    free(out);
    billing_doc_free(&doc);
}
END_TEST

/* ---- stability and exponents ---- */

START_TEST(rendering_twice_gives_the_same_bytes)
{
    billing_doc doc;
    size_t i;

    invoice(&doc);
    for (i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
        size_t n1;
        size_t n2;
        char *a = render(renderers[i], &doc, &n1);
        char *b = render(renderers[i], &doc, &n2);

        ck_assert_uint_eq(n1, n2);
        ck_assert_int_eq(memcmp(a, b, n1), 0);
        free(a);
        free(b);
    }
    billing_doc_free(&doc);
}
END_TEST

START_TEST(jpy_and_bhd_use_their_exponents)
{
    billing_doc doc;
    size_t len;
    char *out;

    header(&doc, BILLING_DOC_INVOICE, "JPY");
    add_line(&doc, "DIA500", "MRC", "DIA 500", "2026-11-01", "2026-12-01", 1,
             "115000", "115000");
    add_tax(&doc, "JP", "JP-CT", "Consumption tax", "tax", "115000", 100000,
            NULL, "11500");
    ck_assert_int_eq(billing_doc_compute_totals(&doc, &err), 0);
    out = render(billing_render_json, &doc, NULL);
    has(out, "\"unit\": \"JPY\",\n    \"value\": 126500\n");
    has(out, "\"taxRate\": 0.1,");
    free(out);
    out = render(billing_render_ubl, &doc, &len);
    validate_ok(out, len);
    has(out, "<cbc:PayableAmount currencyID=\"JPY\">126500</cbc:"
             "PayableAmount>");
    has(out, "<cbc:Percent>10</cbc:Percent>");
    free(out);
    billing_doc_free(&doc);

    header(&doc, BILLING_DOC_INVOICE, "BHD");
    add_line(&doc, "DIA500", "MRC", "DIA 500", "2026-11-01", "2026-12-01", 2,
             "0.625", "1.250");
    ck_assert_int_eq(billing_doc_compute_totals(&doc, &err), 0);
    out = render(billing_render_json, &doc, NULL);
    has(out, "\"unit\": \"BHD\",\n    \"value\": 1.250\n");
    free(out);
    out = render(billing_render_ubl, &doc, &len);
    validate_ok(out, len);
    has(out, "<cbc:PriceAmount currencyID=\"BHD\">0.625</cbc:PriceAmount>");
    has(out, "<cbc:PayableAmount currencyID=\"BHD\">1.250</cbc:"
             "PayableAmount>");
    has(out, "<cbc:InvoicedQuantity unitCode=\"C62\">2</cbc:"
             "InvoicedQuantity>");
    free(out);
    out = render(billing_render_csv, &doc, NULL);
    has(out, ",2,0.625,,,1.250,");
    free(out);
    billing_doc_free(&doc);
}
END_TEST

static Suite *docs_suite(void)
{
    Suite *s = suite_create("invoice_docs");
    TCase *tc = tcase_create("invoice_docs");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, a_document_that_does_not_tie_out_is_refused);
    tcase_add_test(tc, the_validator_refuses_bad_ubl);
    tcase_add_test(tc, the_oasis_examples_are_valid);
    tcase_add_test(tc, json_is_a_tmf678_customer_bill_to_the_cent);
    tcase_add_test(tc, ubl_invoice_is_valid_against_the_xsd);
    tcase_add_test(tc, ubl_credit_note_is_valid_against_the_xsd);
    tcase_add_test(tc, a_document_without_tax_lines_renders_zero_tax);
    tcase_add_test(tc, csv_has_a_row_per_line_and_quotes_fields);
    tcase_add_test(tc, html_escapes_everything_and_shows_the_remittance);
    tcase_add_test(tc, rendering_twice_gives_the_same_bytes);
    tcase_add_test(tc, jpy_and_bhd_use_their_exponents);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(docs_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
