/*
 * billing documents: what an invoice or credit note says, independent of
 * how it is printed, and the renderers that print it.
 *
 * Data structure. A billing_doc is a header (kind, number, dates, period,
 * currency, the account and customer, the bill-to party, the purchase
 * order quoted, a note, and for a credit note the invoice it credits), the
 * seller party and remittance instructions (from billing.biller), the
 * charge lines, the tax and surcharge lines, and three totals. Every
 * amount is a tl_money in the document's currency. Amounts are written as
 * what they say: a credit note's lines and totals are positive amounts
 * credited.
 *
 * The totals must tie out: subtotal = sum of line amounts, tax = sum of
 * tax line amounts, total = subtotal + tax, all in the document currency.
 * Every renderer checks this first and refuses (TL_EINVALID, problems
 * naming "totals.subtotal", "totals.tax", "totals.total", or
 * "lines[i].amount" for a foreign currency) a document that does not, so
 * a wrong document is never printed. billing_doc_check runs the same test.
 *
 * Renderers are pure functions of the document: no database, no clock, no
 * locale; the same document always gives the same bytes. Each returns a
 * malloc'ed, NUL-terminated buffer (*out, its length in *len) the caller
 * frees with free(); on failure *out is NULL and *len is 0.
 *
 * Amounts in every format are written exactly from minor units with the
 * currency's exponent (tl_money_format): USD "1150.00", JPY "1150", BHD
 * "1.150". Nothing goes through floating point.
 */
#ifndef BILLING_DOCUMENT_H
#define BILLING_DOCUMENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

typedef enum billing_doc_kind {
    BILLING_DOC_INVOICE = 0,
    BILLING_DOC_CREDIT_NOTE = 1
} billing_doc_kind;

/* A party on the document: the seller (biller) or the bill-to customer.
 * Empty strings mean "not known"; the renderers leave those out. */
typedef struct billing_doc_party {
    char name[161];
    char attention[129]; /* bill-to: the billing contact's name */
    char line1[161];     /* postal address, or "" when there is none */
    char line2[161];
    char city[89];
    char region[49];
    char postcode[25];
    char country[3]; /* ISO 3166 alpha-2 */
    char tax_id[41];
    char email[129];
    char phone[41];
} billing_doc_party;

/* Where and how to pay. */
typedef struct billing_doc_remittance {
    char bank_name[121];
    int iban;           /* 1: account is an IBAN; 0: a domestic account */
    char account[35];   /* account number or IBAN */
    int bic;            /* 1: routing is a BIC; 0: a US ABA routing number */
    char routing[12];   /* routing number or BIC */
    char reference[41]; /* payment reference: the document number */
    char terms[241];    /* payment terms text */
} billing_doc_remittance;

typedef struct billing_doc_line {
    int line_no;
    char description[201];
    char circuit_id[49];
    char service_code[41];
    char charge_kind[12]; /* MRC, NRC, CREDIT, SHORTFALL or ETF */
    int has_period;      /* MRC lines: the part of a month charged */
    tl_period period;    /* half-open [start, end) */
    int64_t quantity;
    tl_money unit_price;
    tl_money amount;
    char tax_category[25]; /* catalog charge category, "" when none */
} billing_doc_line;

typedef struct billing_doc_tax_line {
    int line_no;
    char jurisdiction[49]; /* US, US-ME */
    char tax_code[25];
    char name[91];
    char kind[12]; /* "tax" or "surcharge" */
    tl_money base; /* taxable base */
    int has_rate;  /* exactly one of has_rate and has_per_unit */
    int64_t rate_ppm;
    int has_per_unit;
    tl_money per_unit;
    tl_money amount;
} billing_doc_tax_line;

typedef struct billing_doc {
    billing_doc_kind kind;
    char number[41];
    tl_date issue_date;
    tl_date due_date;
    tl_period period; /* billing period, half-open */
    char currency[4];
    char account_number[41];
    char account_name[161];
    char customer_ref[73];
    char customer_name[161];
    billing_doc_party bill_to;
    char po_number[65];       /* "" when the invoice quotes none */
    char note[513];           /* free text printed on the document, or "" */
    char credits_invoice[41]; /* credit note: the invoice credited */
    billing_doc_party seller;
    billing_doc_remittance remittance;
    billing_doc_line *lines; /* owned; n_lines entries */
    size_t n_lines;
    billing_doc_tax_line *tax_lines; /* owned; n_tax_lines entries */
    size_t n_tax_lines;
    tl_money subtotal;
    tl_money tax;
    tl_money total;
} billing_doc;

/* Most lines (charge or tax) a document may hold. */
#define BILLING_DOC_MAX_LINES 100000

/* Sets *doc to an empty document owning nothing. */
void billing_doc_init(billing_doc *doc);

/* Frees the document's lines and returns it to the empty state. NULL-safe. */
void billing_doc_free(billing_doc *doc);

/* Appends a copy of line / tax line. TL_ERROR when memory runs out,
 * TL_EOVERFLOW past BILLING_DOC_MAX_LINES. */
int billing_doc_add_line(billing_doc *doc, const billing_doc_line *line,
                         tl_err *err);
int billing_doc_add_tax_line(billing_doc *doc, const billing_doc_tax_line *line,
                             tl_err *err);

/* Sets subtotal, tax and total from the lines, so that they tie out.
 * TL_ECURRENCY when a line is not in the document currency, TL_EOVERFLOW. */
int billing_doc_compute_totals(billing_doc *doc, tl_err *err);

/* Checks that the document is printable: a known currency, a number, every
 * amount in that currency, and the totals tying out (see above). 0 or
 * TL_EINVALID with a problem per mismatch. */
int billing_doc_check(const billing_doc *doc, tl_err *err);

/* Loads invoice `invoice_number` as a document: header, lines (with
 * circuit and tax category), tax lines, the PO quoted, the bill-to party
 * from the account's details (billing contact, invoice delivery address),
 * and the seller and remittance from the biller. On failure the document
 * is left empty. TL_ENOTFOUND for an unknown invoice ("invoice") or when no
 * biller has been loaded ("biller"). */
int billing_doc_load(billing_doc *out, tl_db *db, const char *invoice_number,
                     tl_err *err);

/* ---- renderers (pure; see the top of this file) ---- */

/* TM Forum TMF678 CustomerBill JSON, indented. Money is {"unit": "USD",
 * "value": 2551.67}: value is a JSON number whose text is exactly the
 * amount in minor units with the currency's exponent (written by our own
 * small writer, never through floating point). */
int billing_render_json(char **out, size_t *len, const billing_doc *doc,
                        tl_err *err);

/* OASIS UBL 2.1 Invoice (kind invoice) or CreditNote (kind credit_note),
 * UTF-8, valid against the OASIS XSD. */
int billing_render_ubl(char **out, size_t *len, const billing_doc *doc,
                       tl_err *err);

/* CSV (RFC 4180, CRLF line ends): a header and one row per charge line,
 * then one row per tax line, amounts as decimal text. */
int billing_render_csv(char **out, size_t *len, const billing_doc *doc,
                       tl_err *err);

/* One self-contained printable HTML page (inline CSS, no scripts, no
 * external resources), every text escaped. */
int billing_render_html(char **out, size_t *len, const billing_doc *doc,
                        tl_err *err);

/* ---- UBL validation ---- */

/* The path of the UBL 2.1 maindoc schema for kind, under
 * $TRUNKLINE_HOME/spec or the source tree. Valid until the next call. */
const char *billing_ubl_xsd_path(billing_doc_kind kind);

/* Validates a UBL Invoice or CreditNote (chosen by its root element)
 * against the shipped OASIS XSD. The document is parsed without network
 * access, entity substitution or DTD loading, and a document with a DTD is
 * refused. 0 when valid; TL_EINVALID with one "xsd" problem per violation
 * (field "line N"); TL_ERROR when the schema cannot be loaded. */
int billing_ubl_validate(const char *buf, size_t len, tl_err *err);

/* ---- the biller ---- */

typedef struct billing_biller {
    char legal_name[161];
    char line1[121];
    char line2[121]; /* "" when none */
    char city[81];
    char region[41];
    char postcode[17];
    char country[3];
    char tax_id[41];
    char email[121];
    char phone[33]; /* "" when none */
    char bank_name[121];
    int iban; /* account_id is an IBAN (else a domestic account number) */
    char account_id[35];
    int bic; /* routing_id is a BIC (else a US ABA routing number) */
    char routing_id[12];
    char payment_terms[241];
} billing_biller_t;

/* Validates a biller document {legalName, address: {line1, line2?, city,
 * region, postcode, country}, taxId, email, phone?, remittance: {bankName,
 * accountNumber | iban, routingNumber | bic, paymentTerms}} into *out,
 * reporting every problem with its field path (codes "required", "type",
 * "empty", "too_long", "format", "checksum", "conflict", "unknown_field").
 * 0 or TL_EINVALID. */
int billing_biller_parse(billing_biller_t *out, const json_t *doc, tl_err *err);

/* Parses and stores the biller, replacing the one there (audited with the
 * values before and after). Loading the same values again changes nothing
 * (*changed 0). TL_EINVALID with problems for a bad document. */
int billing_biller_load(int *changed, tl_db *db, const json_t *doc,
                        const char *actor, tl_err *err);

/* The biller. TL_ENOTFOUND ("biller") when none has been loaded. */
int billing_biller_get(billing_biller_t *out, tl_db *db, tl_err *err);

#endif
