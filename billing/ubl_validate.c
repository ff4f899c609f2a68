/*
 * Validating UBL documents against the OASIS UBL 2.1 schemas shipped in
 * spec/ubl-2.1/xsd (see spec/README.md).
 *
 * The instance is parsed like any untrusted XML here (orders/xml.c): no
 * network (XML_PARSE_NONET), no entity substitution (no XML_PARSE_NOENT),
 * no DTD loading (no XML_PARSE_DTDLOAD), and a document carrying a DTD is
 * refused. The schema is read from our own files: the main XSD is parsed
 * with XML_PARSE_NONET and the imports it names are relative paths inside
 * spec/ubl-2.1/xsd, so loading it never reaches the network either.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/document.h"

/* Largest UBL document validated (64 MiB). */
#define UBL_MAX_BYTES (64u * 1024u * 1024u)

const char *billing_ubl_xsd_path(billing_doc_kind kind)
{
    static char path[4096];
    const char *home = getenv("TRUNKLINE_HOME");

    snprintf(path, sizeof(path), "%s/spec/ubl-2.1/xsd/maindoc/%s",
             home != NULL && home[0] != '\0' ? home : TL_SOURCE_DIR,
             kind == BILLING_DOC_CREDIT_NOTE ? "UBL-CreditNote-2.1.xsd"
                                             : "UBL-Invoice-2.1.xsd");
    return path;
}

/* libxml2 reports each violation here. */
static void collect(void *cls, const xmlError *e)
{
    tl_err *err = cls;
    char where[64];
    char msg[TL_ERR_MSG_MAX];
    size_t n;

    snprintf(where, sizeof(where), "line %d", e->line);
    snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "invalid");
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    tl_err_add(err, "xsd", where, "%s", msg);
}

/* Parser errors of the schema itself are not the document's fault; they
 * are dropped here and reported as one "cannot load" error. */
static void ignore(void *cls, const xmlError *e)
{
    (void)cls;
    (void)e;
}

int billing_ubl_validate(const char *buf, size_t len, tl_err *err)
{
    xmlDocPtr doc = NULL;
    xmlDocPtr xsd_doc = NULL;
    xmlSchemaParserCtxtPtr pctxt = NULL;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctxt = NULL;
    xmlNodePtr root;
    billing_doc_kind kind = BILLING_DOC_INVOICE;
    const char *xsd;
    int rc = 0;

    if (len > UBL_MAX_BYTES || len > (size_t)INT32_MAX)
        return tl_err_add(err, "too_large", "",
                          "the document is larger than %u bytes",
                          UBL_MAX_BYTES);
    doc = xmlReadMemory(buf, (int)len, "ubl.xml", NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING);
    if (doc == NULL) {
        rc = tl_err_add(err, "xml_syntax", "",
                        "the document is not well-formed XML");
        goto cleanup;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        rc = tl_err_add(err, "dtd", "",
                        "documents with a DTD (<!DOCTYPE ...>) are refused");
        goto cleanup;
    }
    root = xmlDocGetRootElement(doc);
    if (root != NULL &&
        xmlStrcmp(root->name, (const xmlChar *)"CreditNote") == 0)
        kind = BILLING_DOC_CREDIT_NOTE;
    xsd = billing_ubl_xsd_path(kind);
    xsd_doc = xmlReadFile(
        xsd, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (xsd_doc != NULL)
        pctxt = xmlSchemaNewDocParserCtxt(xsd_doc);
    if (pctxt != NULL) {
        xmlSchemaSetParserStructuredErrors(
            pctxt, (xmlStructuredErrorFunc)ignore, NULL);
        schema = xmlSchemaParse(pctxt);
    }
    if (schema != NULL)
        vctxt = xmlSchemaNewValidCtxt(schema);
    if (vctxt == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "",
                        "cannot load the UBL schema %s", xsd);
        goto cleanup;
    }
    xmlSchemaSetValidStructuredErrors(vctxt, (xmlStructuredErrorFunc)collect,
                                      err);
    if (xmlSchemaValidateDoc(vctxt, doc) != 0 && !tl_err_has_problems(err))
        tl_err_add(err, "xsd", "", "the document does not match the schema");
    if (tl_err_has_problems(err))
        rc = TL_EINVALID;
cleanup:
    xmlSchemaFreeValidCtxt(vctxt);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctxt);
    xmlFreeDoc(xsd_doc);
    xmlFreeDoc(doc);
    return rc;
}
