/*
 * Partner XML orders (orders/schema/partner-order-1.xsd) mapped onto the
 * same TMF622-shaped documents the JSON intake takes.
 *
 * Hostile input. The parser never fetches anything (XML_PARSE_NONET),
 * never substitutes entities (no XML_PARSE_NOENT) and never loads a DTD
 * (no XML_PARSE_DTDLOAD); a document that carries a DTD at all is refused,
 * which also refuses entity tricks such as "billion laughs" and external
 * entities. Size is capped before parsing and libxml2 keeps its default
 * depth limit (no XML_PARSE_HUGE).
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orders/orders.h"

#define PARTNER_NS "urn:trunkline:partner-order:1"

const char *orders_xsd_path(void)
{
    static char path[4096];
    const char *home = getenv("TRUNKLINE_HOME");

    snprintf(path, sizeof(path), "%s/orders/schema/partner-order-1.xsd",
             home != NULL && home[0] != '\0' ? home : TL_SOURCE_DIR);
    return path;
}

/* libxml2 reports schema violations here, one call per violation. */
static void collect_xml_error(void *cls, const xmlError *e)
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

static int validate_schema(xmlDocPtr doc, tl_err *err)
{
    xmlSchemaParserCtxtPtr pctxt = NULL;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctxt = NULL;
    int rc = 0;

    pctxt = xmlSchemaNewParserCtxt(orders_xsd_path());
    if (pctxt != NULL)
        schema = xmlSchemaParse(pctxt);
    if (schema != NULL)
        vctxt = xmlSchemaNewValidCtxt(schema);
    if (vctxt == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "",
                        "cannot load the partner order schema %s",
                        orders_xsd_path());
        goto cleanup;
    }
    xmlSchemaSetValidStructuredErrors(
        vctxt, (xmlStructuredErrorFunc)collect_xml_error, err);
    if (xmlSchemaValidateDoc(vctxt, doc) != 0 && !tl_err_has_problems(err))
        tl_err_add(err, "xsd", "", "the document does not match the schema");
    if (tl_err_has_problems(err))
        rc = TL_EINVALID;
cleanup:
    xmlSchemaFreeValidCtxt(vctxt);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pctxt);
    return rc;
}

static int is_elem(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE &&
           xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* Copies attribute `attr` of n into obj[key] as a string, if present. */
static int attr_to(json_t *obj, const char *key, xmlNode *n, const char *attr)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
    int rc = 0;

    if (v != NULL) {
        rc = json_object_set_new(obj, key, json_string((const char *)v));
        xmlFree(v);
    }
    return rc;
}

static json_t *address_json(xmlNode *n)
{
    static const char *const attrs[] = {
        "role",     "streetNr", "streetName", "city", "stateOrProvince",
        "postcode", "country",  NULL};
    json_t *place = json_pack("{s:s}", "role", "serviceAddress");
    size_t i;

    /* a role attribute, when there is one, replaces the default */
    for (i = 0; place != NULL && attrs[i] != NULL; i++) {
        if (attr_to(place, attrs[i], n, attrs[i]) != 0) {
            json_decref(place);
            return NULL;
        }
    }
    return place;
}

/* Quantity digits; the schema has already limited them to 1..1000, but
 * the value is still read strictly. Returns -1 when it is not a number. */
static int parse_quantity(const char *s)
{
    int v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > 100000)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static json_t *item_json(xmlNode *item)
{
    json_t *o = json_object();
    json_t *chars = json_array();
    json_t *places = json_array();
    json_t *offering = json_object();
    xmlChar *qty = xmlGetProp(item, (const xmlChar *)"quantity");
    xmlNode *c;
    int bad = o == NULL || chars == NULL || places == NULL || offering == NULL;

    bad = bad || attr_to(o, "id", item, "id") != 0 ||
          attr_to(o, "action", item, "action") != 0 ||
          attr_to(offering, "id", item, "productOffering") != 0;
    /* the schema guarantees a positive integer of at most 1000 */
    if (!bad && qty != NULL)
        bad = json_object_set_new(
                  o, "quantity",
                  json_integer(parse_quantity((const char *)qty))) != 0;
    for (c = item->children; !bad && c != NULL; c = c->next) {
        if (is_elem(c, "Characteristic")) {
            json_t *ch = json_object();
            bad = ch == NULL || attr_to(ch, "name", c, "name") != 0 ||
                  attr_to(ch, "value", c, "value") != 0 ||
                  json_array_append_new(chars, ch) != 0;
        } else if (is_elem(c, "ServiceAddress")) {
            bad = json_array_append_new(places, address_json(c)) != 0;
        }
    }
    xmlFree(qty);
    if (!bad)
        bad = json_object_set_new(o, "productOffering", offering) != 0;
    else
        json_decref(offering);
    if (!bad)
        bad =
            json_object_set_new(o, "product",
                                json_pack("{s:o, s:o}", "productCharacteristic",
                                          chars, "place", places)) != 0;
    else {
        json_decref(chars);
        json_decref(places);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *order_json(xmlNode *order, const char *partner)
{
    json_t *o = json_object();
    json_t *items = json_array();
    json_t *account = json_object();
    xmlNode *c;
    int bad = o == NULL || items == NULL || account == NULL;

    bad = bad || attr_to(o, "externalId", order, "externalId") != 0 ||
          attr_to(o, "requestedStartDate", order, "requestedStartDate") != 0 ||
          attr_to(account, "id", order, "billingAccount") != 0 ||
          json_object_set_new(
              o, "relatedParty",
              json_pack("[{s:s, s:s}]", "id", partner, "role", "agent")) != 0;
    for (c = order->children; !bad && c != NULL; c = c->next)
        if (is_elem(c, "Item"))
            bad = json_array_append_new(items, item_json(c)) != 0;
    if (!bad)
        bad = json_object_set_new(o, "billingAccount", account) != 0;
    else
        json_decref(account);
    if (!bad)
        bad = json_object_set_new(o, "productOrderItem", items) != 0;
    else
        json_decref(items);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int map_orders(json_t **out, xmlDocPtr doc, tl_err *err)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    xmlChar *partner = xmlGetProp(root, (const xmlChar *)"partner");
    json_t *list = json_array();
    xmlNode *c;
    int rc = 0;

    for (c = root->children; list != NULL && c != NULL; c = c->next) {
        if (is_elem(c, "Order") &&
            json_array_append_new(list, order_json(c, (const char *)partner)) !=
                0) {
            json_decref(list);
            list = NULL;
        }
    }
    xmlFree(partner);
    if (list == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    *out = list;
    return rc;
}

int orders_xml_read(json_t **out, const char *buf, size_t len, tl_err *err)
{
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    int rc = 0;

    *out = NULL;
    if (len > ORDERS_XML_MAX_BYTES)
        return tl_err_add(err, "too_large", "",
                          "document is %zu bytes; at most %u are accepted", len,
                          (unsigned)ORDERS_XML_MAX_BYTES);
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, "partner-order.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
    if (doc == NULL) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char where[64];
        snprintf(where, sizeof(where), "line %d", e ? e->line : 0);
        rc = tl_err_add(err, "xml_syntax", where, "%s",
                        e && e->message ? e->message : "not well-formed XML");
        goto cleanup;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        rc = tl_err_add(err, "dtd_refused", "",
                        "documents with a DTD (<!DOCTYPE ...>) are refused");
        goto cleanup;
    }
    rc = validate_schema(doc, err);
    if (rc < 0)
        goto cleanup;
    rc = map_orders(out, doc, err);
cleanup:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
