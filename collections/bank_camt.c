/*
 * ISO 20022 camt.053 (bank to customer statement) and camt.054 (debit and
 * credit notification), any version of the urn:iso:std:iso:20022:tech:xsd:
 * camt.05x.001.NN namespaces (the samples carry 02, 04 and 08).
 *
 * The document is walked, not validated against the XSD: real bank files
 * often break element order or code lists in ways that do not matter here.
 * What matters is checked, and every problem is reported with its element
 * path: each statement names its account, each entry has an amount with a
 * known currency, a credit/debit indicator and a date.
 *
 * One entry (Ntry) is one receipt, except a batch entry whose transaction
 * details (TxDtls) each carry an amount in the entry's currency adding up
 * to the entry's: then each transaction is a receipt of its own, so each
 * payer's payment can be matched apart.
 *
 * Hostile input: no network (XML_PARSE_NONET), no entity substitution, no
 * DTD loading, a document with a DTD is refused, size is capped before
 * parsing and libxml2 keeps its default depth limit (no XML_PARSE_HUGE).
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/cash.h"

#define CAMT_NS_PREFIX "urn:iso:std:iso:20022:tech:xsd:camt.05"
#define CAMT_MAX_TX 1000

typedef struct camt_ctx {
    cash_bank_file *f;
    tl_err *err;
    char stmt_id[128];
    char bank_account[128];
    tl_date stmt_date;
} camt_ctx;

static int is_el(const xmlNode *n, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE &&
           xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* The first child element called name, or NULL. */
static xmlNode *child(const xmlNode *n, const char *name)
{
    xmlNode *c;

    for (c = n ? n->children : NULL; c != NULL; c = c->next)
        if (is_el(c, name))
            return c;
    return NULL;
}

/* Follows a path of child names separated by '/'. */
static xmlNode *at(const xmlNode *n, const char *path)
{
    char name[64];
    const char *p = path;
    xmlNode *cur = (xmlNode *)n;

    while (cur != NULL && *p != '\0') {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len >= sizeof(name))
            return NULL;
        memcpy(name, p, len);
        name[len] = '\0';
        cur = child(cur, name);
        p = slash ? slash + 1 : p + len;
    }
    return cur;
}

/* The text of the element at path under n, into buf (trimmed; "" when the
 * element is missing). */
static const char *text_at(char *buf, size_t size, const xmlNode *n,
                           const char *path)
{
    xmlNode *e = at(n, path);
    xmlChar *v;
    const char *s;
    size_t len;

    buf[0] = '\0';
    if (e == NULL)
        return buf;
    v = xmlNodeGetContent(e);
    if (v == NULL)
        return buf;
    s = (const char *)v;
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    snprintf(buf, size, "%s", s);
    len = strlen(buf);
    while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\n' ||
                       buf[len - 1] == '\t' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    xmlFree(v);
    return buf;
}

/* A date from <Dt> or the date part of <DtTm> under n. Returns 1 when
 * found and valid, 0 when absent, -1 when present but invalid. */
static int date_under(tl_date *out, const xmlNode *n)
{
    char buf[64];

    if (n == NULL)
        return 0;
    text_at(buf, sizeof(buf), n, "Dt");
    if (buf[0] == '\0') {
        text_at(buf, sizeof(buf), n, "DtTm");
        if (strlen(buf) >= 10)
            buf[10] = '\0';
    }
    if (buf[0] == '\0')
        return 0;
    return tl_date_parse(out, buf) == 0 ? 1 : -1;
}

/* Amount of an <Amt Ccy="..."> element. Adds a problem at path on error. */
static int read_amount(camt_ctx *c, tl_money *out, const xmlNode *amt,
                       const char *path)
{
    char value[64];
    xmlChar *ccy;
    char cur[8];
    int rc;

    if (amt == NULL)
        return tl_err_add(c->err, "required", path, "the amount is missing");
    ccy = xmlGetProp(amt, (const xmlChar *)"Ccy");
    snprintf(cur, sizeof(cur), "%s", ccy ? (const char *)ccy : "");
    xmlFree(ccy);
    if (!tl_currency_known(cur))
        return tl_err_add(c->err, "currency", path,
                          "currency \"%s\" is not an ISO 4217 code we know",
                          cur);
    text_at(value, sizeof(value), amt, "");
    rc = tl_money_parse(out, value, cur);
    if (rc != 0 || out->minor < 0)
        return tl_err_add(c->err, "amount", path,
                          "amount \"%s\" is not a plain non-negative decimal "
                          "with at most %d decimals for %s",
                          value, tl_currency_exponent(cur), cur);
    return 0;
}

/* Remittance and parties of one transaction, appended to e. */
static int add_tx_details(cash_entry *e, const xmlNode *tx)
{
    char buf[512];
    const xmlNode *n;
    const xmlNode *rmt;

    text_at(buf, sizeof(buf), tx, "Refs/EndToEndId");
    if (buf[0] != '\0' && strcmp(buf, "NOTPROVIDED") != 0 &&
        e->end_to_end_id[0] == '\0' &&
        cash_set_text(&e->end_to_end_id, buf) < 0)
        return TL_ERROR;
    if (e->debtor_name[0] == '\0') {
        text_at(buf, sizeof(buf), tx, "RltdPties/Dbtr/Nm");
        if (buf[0] == '\0') /* version 8 wraps the party */
            text_at(buf, sizeof(buf), tx, "RltdPties/Dbtr/Pty/Nm");
        if (buf[0] == '\0')
            text_at(buf, sizeof(buf), tx, "RltdPties/UltmtDbtr/Nm");
        if (cash_set_text(&e->debtor_name, buf) < 0)
            return TL_ERROR;
    }
    if (e->debtor_account[0] == '\0') {
        char *s;
        char *d;
        text_at(buf, sizeof(buf), tx, "RltdPties/DbtrAcct/Id/IBAN");
        if (buf[0] == '\0')
            text_at(buf, sizeof(buf), tx, "RltdPties/DbtrAcct/Id/Othr/Id");
        for (s = buf, d = buf; *s != '\0'; s++)
            if (*s != ' ')
                *d++ = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
        *d = '\0';
        if (cash_set_text(&e->debtor_account, buf) < 0)
            return TL_ERROR;
    }
    rmt = child(tx, "RmtInf");
    for (n = rmt ? rmt->children : NULL; n != NULL; n = n->next) {
        if (is_el(n, "Ustrd")) {
            text_at(buf, sizeof(buf), n, "");
            if (cash_append_text(&e->remittance, buf) < 0)
                return TL_ERROR;
        } else if (is_el(n, "Strd")) {
            const xmlNode *d;
            for (d = n->children; d != NULL; d = d->next) {
                if (is_el(d, "RfrdDocInf"))
                    text_at(buf, sizeof(buf), d, "Nb");
                else if (is_el(d, "CdtrRefInf"))
                    text_at(buf, sizeof(buf), d, "Ref");
                else if (is_el(d, "AddtlRmtInf"))
                    text_at(buf, sizeof(buf), d, "");
                else
                    continue;
                if (cash_append_text(&e->remittance, buf) < 0)
                    return TL_ERROR;
            }
        }
    }
    return 0;
}

static const char *method_of(const char *family)
{
    if (strcmp(family, "RDDT") == 0 || strcmp(family, "IDDT") == 0)
        return "ach";
    if (strcmp(family, "RCHQ") == 0 || strcmp(family, "CHK") == 0)
        return "check";
    if (strcmp(family, "CCRD") == 0 || strcmp(family, "MCRD") == 0)
        return "card";
    return "wire";
}

/* Fills what an entry and its receipts share. */
static int entry_common(camt_ctx *c, cash_entry *e, const xmlNode *ntry,
                        int credit, const tl_money *amount, tl_date booked,
                        tl_date value)
{
    char buf[128];
    char family[16];

    e->credit = credit;
    e->amount = *amount;
    e->booking_date = booked;
    e->value_date = value;
    text_at(family, sizeof(family), ntry, "BkTxCd/Domn/Fmly/Cd");
    e->method = method_of(family);
    text_at(buf, sizeof(buf), ntry, "BkTxCd/Domn/Cd");
    if (buf[0] != '\0') {
        char sub[16];
        size_t len = strlen(buf);
        text_at(sub, sizeof(sub), ntry, "BkTxCd/Domn/Fmly/SubFmlyCd");
        snprintf(buf + len, sizeof(buf) - len, "/%s/%s", family, sub);
    } else {
        text_at(buf, sizeof(buf), ntry, "BkTxCd/Prtry/Cd");
    }
    if (cash_set_text(&e->type_code, buf) < 0 ||
        cash_set_text(&e->bank_account, c->bank_account) < 0)
        return TL_ERROR;
    return 0;
}

static int read_entry(camt_ctx *c, const xmlNode *ntry, const char *path,
                      int index)
{
    const xmlNode *txs[CAMT_MAX_TX];
    tl_money tx_amounts[CAMT_MAX_TX];
    char field[TL_ERR_FIELD_MAX + 64];
    char ind[16];
    char rvsl[16];
    char sts[16];
    char ref[256];
    tl_money amount;
    tl_date booked = 0;
    tl_date value = 0;
    size_t ntx = 0;
    size_t i;
    int credit;
    int split = 0;
    int bad = 0;
    int d;
    const xmlNode *dtls;
    const xmlNode *tx;

    snprintf(field, sizeof(field), "%s/Amt", path);
    if (read_amount(c, &amount, child(ntry, "Amt"), field) < 0)
        bad = 1;
    text_at(ind, sizeof(ind), ntry, "CdtDbtInd");
    if (strcmp(ind, "CRDT") != 0 && strcmp(ind, "DBIT") != 0) {
        snprintf(field, sizeof(field), "%s/CdtDbtInd", path);
        tl_err_add(c->err, ind[0] ? "format" : "required", field,
                   "CdtDbtInd must be CRDT or DBIT, not \"%s\"", ind);
        bad = 1;
    }
    d = date_under(&booked, child(ntry, "BookgDt"));
    if (d < 0) {
        snprintf(field, sizeof(field), "%s/BookgDt", path);
        tl_err_add(c->err, "date", field, "the booking date is not a date");
        bad = 1;
    }
    d = date_under(&value, child(ntry, "ValDt"));
    if (d < 0) {
        snprintf(field, sizeof(field), "%s/ValDt", path);
        tl_err_add(c->err, "date", field, "the value date is not a date");
        bad = 1;
    }
    if (booked == 0)
        booked = value != 0 ? value : c->stmt_date;
    if (booked == 0 && !bad) {
        snprintf(field, sizeof(field), "%s/BookgDt", path);
        tl_err_add(c->err, "required", field,
                   "the entry has no booking or value date");
        bad = 1;
    }
    if (bad)
        return 0;
    text_at(rvsl, sizeof(rvsl), ntry, "RvslInd");
    text_at(sts, sizeof(sts), ntry, "Sts");
    if (child(child(ntry, "Sts"), "Cd") != NULL)
        text_at(sts, sizeof(sts), ntry, "Sts/Cd");
    /* A receipt is money booked in: a credit that is no reversal, booked
     * (or with no status at all), for more than nothing. */
    credit = strcmp(ind, "CRDT") == 0 && strcmp(rvsl, "true") != 0 &&
             (sts[0] == '\0' || strcmp(sts, "BOOK") == 0) && amount.minor > 0;

    for (dtls = ntry->children; dtls != NULL; dtls = dtls->next) {
        if (!is_el(dtls, "NtryDtls"))
            continue;
        for (tx = dtls->children; tx != NULL; tx = tx->next)
            if (is_el(tx, "TxDtls") && ntx < CAMT_MAX_TX)
                txs[ntx++] = tx;
    }
    if (credit && ntx > 1) {
        int64_t sum = 0;
        split = 1;
        for (i = 0; i < ntx && split; i++) {
            const xmlNode *amt = at(txs[i], "Amt");
            xmlChar *ccy;
            xmlChar *v;
            if (amt == NULL)
                amt = at(txs[i], "AmtDtls/TxAmt/Amt");
            if (amt == NULL) {
                split = 0;
                break;
            }
            ccy = xmlGetProp(amt, (const xmlChar *)"Ccy");
            v = xmlNodeGetContent((xmlNode *)amt);
            split = ccy != NULL && v != NULL &&
                    strcmp((const char *)ccy, amount.cur) == 0 &&
                    tl_money_parse(&tx_amounts[i], (const char *)v,
                                   amount.cur) == 0 &&
                    tx_amounts[i].minor > 0;
            xmlFree(ccy);
            xmlFree(v);
            if (split)
                sum += tx_amounts[i].minor;
        }
        if (split && sum != amount.minor)
            split = 0;
    }

    text_at(ref, sizeof(ref), ntry, "AcctSvcrRef");
    if (ref[0] == '\0')
        text_at(ref, sizeof(ref), ntry, "NtryRef");
    if (!split) {
        cash_entry *e = cash_file_add(c->f);
        if (e == NULL)
            return TL_ERROR;
        if (entry_common(c, e, ntry, credit, &amount, booked, value) < 0)
            return TL_ERROR;
        for (i = 0; i < ntx; i++)
            if (add_tx_details(e, txs[i]) < 0)
                return TL_ERROR;
        if (ref[0] == '\0' && ntx > 0)
            text_at(ref, sizeof(ref), txs[0], "Refs/AcctSvcrRef");
        if (ref[0] == '\0' && e->end_to_end_id[0] != '\0')
            snprintf(ref, sizeof(ref), "%s", e->end_to_end_id);
        if (ref[0] == '\0')
            snprintf(ref, sizeof(ref), "%s/%d", c->stmt_id, index);
        return cash_set_text(&e->bank_ref, ref);
    }
    for (i = 0; i < ntx; i++) {
        char txref[300];
        cash_entry *e = cash_file_add(c->f);
        if (e == NULL)
            return TL_ERROR;
        if (entry_common(c, e, ntry, credit, &tx_amounts[i], booked, value) <
                0 ||
            add_tx_details(e, txs[i]) < 0)
            return TL_ERROR;
        text_at(txref, sizeof(txref), txs[i], "Refs/AcctSvcrRef");
        if (txref[0] == '\0' || strcmp(txref, ref) == 0)
            snprintf(txref, sizeof(txref), "%s/%zu", ref[0] ? ref : c->stmt_id,
                     i + 1);
        if (cash_set_text(&e->bank_ref, txref) < 0)
            return TL_ERROR;
    }
    return 0;
}

static int read_statement(camt_ctx *c, const xmlNode *stmt, const char *path)
{
    char field[TL_ERR_FIELD_MAX + 64];
    char date[64];
    const xmlNode *n;
    int index = 0;

    text_at(c->stmt_id, sizeof(c->stmt_id), stmt, "Id");
    text_at(c->bank_account, sizeof(c->bank_account), stmt, "Acct/Id/IBAN");
    if (c->bank_account[0] == '\0')
        text_at(c->bank_account, sizeof(c->bank_account), stmt,
                "Acct/Id/Othr/Id");
    if (c->bank_account[0] == '\0') {
        snprintf(field, sizeof(field), "%s/Acct/Id", path);
        tl_err_add(c->err, "required", field,
                   "the statement does not name the account (IBAN or "
                   "Othr/Id)");
    }
    if (c->stmt_id[0] == '\0')
        snprintf(c->stmt_id, sizeof(c->stmt_id), "%s", c->f->message_id);
    c->stmt_date = 0;
    text_at(date, sizeof(date), stmt, "CreDtTm");
    if (strlen(date) >= 10) {
        date[10] = '\0';
        if (tl_date_parse(&c->stmt_date, date) != 0)
            c->stmt_date = 0;
    }
    for (n = stmt->children; n != NULL; n = n->next) {
        if (!is_el(n, "Ntry"))
            continue;
        index++;
        snprintf(field, sizeof(field), "%s/Ntry[%d]", path, index);
        if (read_entry(c, n, field, index) < 0)
            return TL_ERROR;
    }
    return 0;
}

static int read_document(camt_ctx *c, xmlDocPtr doc, cash_format want)
{
    xmlNode *root = xmlDocGetRootElement(doc);
    const char *ns;
    const char *msg_name;
    const char *stmt_name;
    char path[TL_ERR_FIELD_MAX];
    char buf[256];
    xmlNode *msg;
    xmlNode *n;
    cash_format found;
    int count = 0;

    if (!is_el(root, "Document"))
        return tl_err_add(c->err, "required", "Document",
                          "the root element must be Document");
    ns = root->ns && root->ns->href ? (const char *)root->ns->href : "";
    if (strncmp(ns, CAMT_NS_PREFIX "3.001.", strlen(CAMT_NS_PREFIX) + 6) == 0)
        found = CASH_FORMAT_CAMT053;
    else if (strncmp(ns, CAMT_NS_PREFIX "4.001.", strlen(CAMT_NS_PREFIX) + 6) ==
             0)
        found = CASH_FORMAT_CAMT054;
    else
        return tl_err_add(c->err, "unknown_namespace", "Document",
                          "namespace \"%s\" is not camt.053 or camt.054", ns);
    if (found != want)
        return tl_err_add(c->err, "unknown_namespace", "Document",
                          "the document is %s, not %s", cash_format_name(found),
                          cash_format_name(want));
    msg_name = found == CASH_FORMAT_CAMT053 ? "BkToCstmrStmt"
                                            : "BkToCstmrDbtCdtNtfctn";
    stmt_name = found == CASH_FORMAT_CAMT053 ? "Stmt" : "Ntfctn";
    msg = child(root, msg_name);
    if (msg == NULL)
        return tl_err_add(c->err, "required", "Document", "Document has no %s",
                          msg_name);
    text_at(buf, sizeof(buf), msg, "GrpHdr/MsgId");
    if (cash_set_text(&c->f->message_id, buf) < 0)
        return TL_ERROR;
    for (n = msg->children; n != NULL; n = n->next) {
        if (!is_el(n, stmt_name))
            continue;
        count++;
        snprintf(path, sizeof(path), "Document/%s/%s[%d]", msg_name, stmt_name,
                 count);
        if (read_statement(c, n, path) < 0)
            return TL_ERROR;
    }
    c->f->statements = count;
    if (count == 0) {
        snprintf(path, sizeof(path), "Document/%s/%s", msg_name, stmt_name);
        return tl_err_add(c->err, "required", path, "the message holds no %s",
                          found == CASH_FORMAT_CAMT053 ? "statement"
                                                       : "notification");
    }
    return 0;
}

int cash_parse_camt(cash_bank_file *f, const char *buf, size_t len, tl_err *err)
{
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    camt_ctx c;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    c.f = f;
    c.err = err;
    if (len > (size_t)INT32_MAX)
        return tl_err_add(err, "too_large", "", "the file is too large");
    ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, "bank.xml", NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
    if (doc == NULL) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char where[64];
        char msg[TL_ERR_MSG_MAX];
        size_t n;
        snprintf(where, sizeof(where), "line %d", e ? e->line : 0);
        snprintf(msg, sizeof(msg), "%s",
                 e && e->message ? e->message : "not well-formed XML");
        n = strlen(msg);
        while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
            msg[--n] = '\0';
        rc = tl_err_add(err, "xml_syntax", where, "%s", msg);
        goto cleanup;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        rc = tl_err_add(err, "dtd_refused", "",
                        "documents with a DTD (<!DOCTYPE ...>) are refused");
        goto cleanup;
    }
    rc = read_document(&c, doc, f->format);
cleanup:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
