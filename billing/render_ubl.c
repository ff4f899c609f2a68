/*
 * OASIS UBL 2.1 Invoice and CreditNote, written with libxml2's
 * xmlTextWriter (which escapes every text and attribute value).
 *
 * Element order follows the XSD sequences exactly; optional elements with
 * nothing to say are left out. Mapping:
 *   ID, IssueDate, DueDate (Invoice) / PaymentMeans' PaymentDueDate
 *   InvoiceTypeCode 380 / CreditNoteTypeCode 381 (UNCL 1001)
 *   InvoicePeriod: the billing period, EndDate its last day (inclusive)
 *   OrderReference/ID: the customer's purchase order, when there is one
 *   BillingReference/InvoiceDocumentReference/ID: the invoice a credit
 *     note credits
 *   AccountingSupplierParty: the biller (name, address, legal entity with
 *     its tax id, contact)
 *   AccountingCustomerParty: SupplierAssignedAccountID = our account
 *     number; PartyIdentification = customer ref; PartyName = account
 *     name; the delivery address line; legal entity = customer name;
 *     contact = the billing contact
 *   PaymentMeans (invoices): code 30 credit transfer (UNCL 4461),
 *     PaymentID = the invoice number, PayeeFinancialAccount (account or
 *     IBAN, branch = routing number or BIC, bank name)
 *   PaymentTerms/Note: the biller's terms text
 *   TaxTotal: TaxAmount plus one TaxSubtotal per tax line (TaxCategory
 *     ID = tax code, Name, Percent or PerUnitAmount; TaxScheme ID = tax
 *     code, TaxTypeCode = tax|surcharge, JurisdictionRegionAddress/ID =
 *     jurisdiction); a zero TaxAmount alone when there are no tax lines
 *   LegalMonetaryTotal: LineExtension = TaxExclusive = subtotal,
 *     TaxInclusive = Payable = total
 *   InvoiceLine / CreditNoteLine: ID, quantity (unitCode C62, "one"),
 *     LineExtensionAmount, InvoicePeriod for MRC lines, Item (Description,
 *     Name, SellersItemIdentification = service code, CommodityClassification
 *     = catalog tax category, AdditionalItemProperty CircuitID and
 *     ChargeKind), Price/PriceAmount = unit price.
 * Every amount carries currencyID and is written exactly from minor units.
 */
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <string.h>

#include "billing/document.h"
#include "billing/document_internal.h"

#define NS_INVOICE "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
#define NS_CREDIT "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
#define NS_CAC                                                                 \
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
#define NS_CBC                                                                 \
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

/* The writer plus a sticky failure flag, so the mapping reads as a list
 * of elements and the status is looked at once. */
typedef struct uw {
    xmlTextWriterPtr w;
    int failed;
} uw;

static void check(uw *u, int rc)
{
    if (rc < 0)
        u->failed = 1;
}

static void open_el(uw *u, const char *name)
{
    if (!u->failed)
        check(u, xmlTextWriterStartElement(u->w, (const xmlChar *)name));
}

static void close_el(uw *u)
{
    if (!u->failed)
        check(u, xmlTextWriterEndElement(u->w));
}

static void attr(uw *u, const char *name, const char *value)
{
    if (!u->failed)
        check(u, xmlTextWriterWriteAttribute(u->w, (const xmlChar *)name,
                                             (const xmlChar *)value));
}

static void text_el(uw *u, const char *name, const char *value)
{
    open_el(u, name);
    if (!u->failed)
        check(u, xmlTextWriterWriteString(u->w, (const xmlChar *)value));
    close_el(u);
}

/* Leaves out an element that would be empty. */
static void opt_el(uw *u, const char *name, const char *value)
{
    if (value != NULL && value[0] != '\0')
        text_el(u, name, value);
}

static void amount_el(uw *u, const char *name, const tl_money *m)
{
    char text[32];

    open_el(u, name);
    attr(u, "currencyID", m->cur);
    if (!u->failed)
        check(u, xmlTextWriterWriteString(
                     u->w, (const xmlChar *)doc_amount(text, sizeof(text), m)));
    close_el(u);
}

static void date_el(uw *u, const char *name, tl_date d)
{
    char text[16];

    text_el(u, name, doc_date(text, sizeof(text), d));
}

/* A half-open period as UBL's inclusive StartDate/EndDate. */
static void period_el(uw *u, const char *name, const tl_period *p)
{
    open_el(u, name);
    date_el(u, "cbc:StartDate", p->start);
    date_el(u, "cbc:EndDate", tl_date_add_days(p->end, -1));
    close_el(u);
}

static void address(uw *u, const billing_doc_party *p)
{
    if (p->line1[0] == '\0' && p->city[0] == '\0' && p->country[0] == '\0')
        return;
    open_el(u, "cac:PostalAddress");
    if (p->city[0] != '\0') {
        opt_el(u, "cbc:StreetName", p->line1);
        opt_el(u, "cbc:AdditionalStreetName", p->line2);
        opt_el(u, "cbc:CityName", p->city);
        opt_el(u, "cbc:PostalZone", p->postcode);
        opt_el(u, "cbc:CountrySubentity", p->region);
    } else if (p->line1[0] != '\0') {
        /* a free-text delivery address: one address line as given */
        open_el(u, "cac:AddressLine");
        text_el(u, "cbc:Line", p->line1);
        close_el(u);
    }
    if (p->country[0] != '\0') {
        open_el(u, "cac:Country");
        text_el(u, "cbc:IdentificationCode", p->country);
        close_el(u);
    }
    close_el(u);
}

static void contact(uw *u, const billing_doc_party *p)
{
    if (p->attention[0] == '\0' && p->phone[0] == '\0' && p->email[0] == '\0')
        return;
    open_el(u, "cac:Contact");
    opt_el(u, "cbc:Name", p->attention);
    opt_el(u, "cbc:Telephone", p->phone);
    opt_el(u, "cbc:ElectronicMail", p->email);
    close_el(u);
}

static void supplier(uw *u, const billing_doc *doc)
{
    const billing_doc_party *s = &doc->seller;

    open_el(u, "cac:AccountingSupplierParty");
    open_el(u, "cac:Party");
    open_el(u, "cac:PartyName");
    text_el(u, "cbc:Name", s->name);
    close_el(u);
    address(u, s);
    open_el(u, "cac:PartyLegalEntity");
    opt_el(u, "cbc:RegistrationName", s->name);
    opt_el(u, "cbc:CompanyID", s->tax_id);
    close_el(u);
    contact(u, s);
    close_el(u);
    close_el(u);
}

static void customer(uw *u, const billing_doc *doc)
{
    const billing_doc_party *c = &doc->bill_to;

    open_el(u, "cac:AccountingCustomerParty");
    opt_el(u, "cbc:SupplierAssignedAccountID", doc->account_number);
    open_el(u, "cac:Party");
    if (doc->customer_ref[0] != '\0') {
        open_el(u, "cac:PartyIdentification");
        text_el(u, "cbc:ID", doc->customer_ref);
        close_el(u);
    }
    open_el(u, "cac:PartyName");
    text_el(u, "cbc:Name", c->name[0] != '\0' ? c->name : doc->account_name);
    close_el(u);
    address(u, c);
    if (doc->customer_name[0] != '\0') {
        open_el(u, "cac:PartyLegalEntity");
        text_el(u, "cbc:RegistrationName", doc->customer_name);
        close_el(u);
    }
    contact(u, c);
    close_el(u);
    close_el(u);
}

static void payment(uw *u, const billing_doc *doc)
{
    const billing_doc_remittance *r = &doc->remittance;

    if (doc->kind == BILLING_DOC_INVOICE) {
        open_el(u, "cac:PaymentMeans");
        open_el(u, "cbc:PaymentMeansCode");
        attr(u, "listID", "UNCL4461");
        if (!u->failed)
            check(u, xmlTextWriterWriteString(u->w, (const xmlChar *)"30"));
        close_el(u);
        date_el(u, "cbc:PaymentDueDate", doc->due_date);
        text_el(u, "cbc:PaymentID",
                r->reference[0] != '\0' ? r->reference : doc->number);
        if (r->account[0] != '\0') {
            open_el(u, "cac:PayeeFinancialAccount");
            open_el(u, "cbc:ID");
            if (r->iban)
                attr(u, "schemeID", "IBAN");
            if (!u->failed)
                check(u, xmlTextWriterWriteString(u->w,
                                                  (const xmlChar *)r->account));
            close_el(u);
            opt_el(u, "cbc:Name", doc->seller.name);
            if (r->routing[0] != '\0' || r->bank_name[0] != '\0') {
                open_el(u, "cac:FinancialInstitutionBranch");
                if (r->routing[0] != '\0') {
                    open_el(u, "cbc:ID");
                    attr(u, "schemeID", r->bic ? "BIC" : "ABA");
                    if (!u->failed)
                        check(u, xmlTextWriterWriteString(
                                     u->w, (const xmlChar *)r->routing));
                    close_el(u);
                }
                opt_el(u, "cbc:Name", r->bank_name);
                close_el(u);
            }
            close_el(u);
        }
        close_el(u);
    }
    if (r->terms[0] != '\0') {
        open_el(u, "cac:PaymentTerms");
        text_el(u, "cbc:Note", r->terms);
        close_el(u);
    }
}

static void tax_total(uw *u, const billing_doc *doc)
{
    char pct[32];
    size_t i;

    open_el(u, "cac:TaxTotal");
    amount_el(u, "cbc:TaxAmount", &doc->tax);
    for (i = 0; i < doc->n_tax_lines; i++) {
        const billing_doc_tax_line *t = &doc->tax_lines[i];

        open_el(u, "cac:TaxSubtotal");
        amount_el(u, "cbc:TaxableAmount", &t->base);
        amount_el(u, "cbc:TaxAmount", &t->amount);
        if (t->has_rate)
            text_el(u, "cbc:Percent",
                    doc_ppm(pct, sizeof(pct), t->rate_ppm, 4));
        if (t->has_per_unit)
            amount_el(u, "cbc:PerUnitAmount", &t->per_unit);
        open_el(u, "cac:TaxCategory");
        text_el(u, "cbc:ID", t->tax_code);
        opt_el(u, "cbc:Name", t->name);
        if (t->has_rate)
            text_el(u, "cbc:Percent", pct);
        open_el(u, "cac:TaxScheme");
        text_el(u, "cbc:ID", t->tax_code);
        opt_el(u, "cbc:Name", t->name);
        opt_el(u, "cbc:TaxTypeCode", t->kind);
        open_el(u, "cac:JurisdictionRegionAddress");
        text_el(u, "cbc:ID", t->jurisdiction);
        close_el(u);
        close_el(u);
        close_el(u);
        close_el(u);
    }
    close_el(u);
}

static void monetary_total(uw *u, const billing_doc *doc)
{
    open_el(u, "cac:LegalMonetaryTotal");
    amount_el(u, "cbc:LineExtensionAmount", &doc->subtotal);
    amount_el(u, "cbc:TaxExclusiveAmount", &doc->subtotal);
    amount_el(u, "cbc:TaxInclusiveAmount", &doc->total);
    amount_el(u, "cbc:PayableAmount", &doc->total);
    close_el(u);
}

static void item_property(uw *u, const char *name, const char *value)
{
    if (value[0] == '\0')
        return;
    open_el(u, "cac:AdditionalItemProperty");
    text_el(u, "cbc:Name", name);
    text_el(u, "cbc:Value", value);
    close_el(u);
}

static void line(uw *u, const billing_doc *doc, const billing_doc_line *l)
{
    int credit = doc->kind == BILLING_DOC_CREDIT_NOTE;
    char qty[32];
    char id[16];

    snprintf(id, sizeof(id), "%d", l->line_no);
    snprintf(qty, sizeof(qty), "%lld", (long long)l->quantity);
    open_el(u, credit ? "cac:CreditNoteLine" : "cac:InvoiceLine");
    text_el(u, "cbc:ID", id);
    open_el(u, credit ? "cbc:CreditedQuantity" : "cbc:InvoicedQuantity");
    attr(u, "unitCode", "C62");
    if (!u->failed)
        check(u, xmlTextWriterWriteString(u->w, (const xmlChar *)qty));
    close_el(u);
    amount_el(u, "cbc:LineExtensionAmount", &l->amount);
    if (l->has_period)
        period_el(u, "cac:InvoicePeriod", &l->period);
    open_el(u, "cac:Item");
    opt_el(u, "cbc:Description", l->description);
    text_el(u, "cbc:Name",
            l->description[0] != '\0' ? l->description : l->service_code);
    if (l->service_code[0] != '\0') {
        open_el(u, "cac:SellersItemIdentification");
        text_el(u, "cbc:ID", l->service_code);
        close_el(u);
    }
    if (l->tax_category[0] != '\0') {
        open_el(u, "cac:CommodityClassification");
        open_el(u, "cbc:ItemClassificationCode");
        attr(u, "listID", "trunkline:taxCategory");
        if (!u->failed)
            check(u, xmlTextWriterWriteString(
                         u->w, (const xmlChar *)l->tax_category));
        close_el(u);
        close_el(u);
    }
    item_property(u, "CircuitID", l->circuit_id);
    item_property(u, "ChargeKind", l->charge_kind);
    close_el(u);
    open_el(u, "cac:Price");
    amount_el(u, "cbc:PriceAmount", &l->unit_price);
    close_el(u);
    close_el(u);
}

static void document(uw *u, const billing_doc *doc)
{
    int credit = doc->kind == BILLING_DOC_CREDIT_NOTE;
    size_t i;

    open_el(u, credit ? "CreditNote" : "Invoice");
    attr(u, "xmlns", credit ? NS_CREDIT : NS_INVOICE);
    attr(u, "xmlns:cac", NS_CAC);
    attr(u, "xmlns:cbc", NS_CBC);
    text_el(u, "cbc:UBLVersionID", "2.1");
    text_el(u, "cbc:ID", doc->number);
    date_el(u, "cbc:IssueDate", doc->issue_date);
    if (!credit)
        date_el(u, "cbc:DueDate", doc->due_date);
    open_el(u, credit ? "cbc:CreditNoteTypeCode" : "cbc:InvoiceTypeCode");
    attr(u, "listID", "UNCL1001");
    if (!u->failed)
        check(u, xmlTextWriterWriteString(
                     u->w, (const xmlChar *)(credit ? "381" : "380")));
    close_el(u);
    opt_el(u, "cbc:Note", doc->note);
    text_el(u, "cbc:DocumentCurrencyCode", doc->currency);
    period_el(u, "cac:InvoicePeriod", &doc->period);
    if (doc->po_number[0] != '\0') {
        open_el(u, "cac:OrderReference");
        text_el(u, "cbc:ID", doc->po_number);
        close_el(u);
    }
    if (credit && doc->credits_invoice[0] != '\0') {
        open_el(u, "cac:BillingReference");
        open_el(u, "cac:InvoiceDocumentReference");
        text_el(u, "cbc:ID", doc->credits_invoice);
        close_el(u);
        close_el(u);
    }
    supplier(u, doc);
    customer(u, doc);
    payment(u, doc);
    tax_total(u, doc);
    monetary_total(u, doc);
    for (i = 0; i < doc->n_lines; i++)
        line(u, doc, &doc->lines[i]);
    close_el(u);
}

int billing_render_ubl(char **out, size_t *len, const billing_doc *doc,
                       tl_err *err)
{
    xmlBufferPtr xb = NULL;
    doc_buf b;
    uw u;
    int rc;

    *out = NULL;
    *len = 0;
    rc = billing_doc_check(doc, err);
    if (rc < 0)
        return rc;
    memset(&u, 0, sizeof(u));
    xb = xmlBufferCreate();
    if (xb != NULL)
        u.w = xmlNewTextWriterMemory(xb, 0);
    if (u.w == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    check(&u, xmlTextWriterSetIndent(u.w, 1));
    check(&u, xmlTextWriterSetIndentString(u.w, (const xmlChar *)"  "));
    if (!u.failed)
        check(&u, xmlTextWriterStartDocument(u.w, "1.0", "UTF-8", NULL));
    document(&u, doc);
    if (!u.failed)
        check(&u, xmlTextWriterEndDocument(u.w));
    /* freeing the writer flushes it into the buffer */
    xmlFreeTextWriter(u.w);
    u.w = NULL;
    if (u.failed) {
        rc = tl_err_set(err, TL_ERROR, "internal", "",
                        "writing the UBL document failed");
        goto cleanup;
    }
    doc_buf_init(&b, DOC_MAX_BYTES);
    doc_buf_put(&b, (const char *)xmlBufferContent(xb),
                (size_t)xmlBufferLength(xb));
    rc = doc_buf_finish(&b, out, len, err);
cleanup:
    xmlFreeTextWriter(u.w);
    xmlBufferFree(xb);
    return rc;
}
