/*
 * billing taxes: the tax and regulatory surcharge lines of an invoice,
 * from the catalog's rules by jurisdiction and charge category, with the
 * account's exemption certificates.
 *
 * Rules (the choices are ours; README "Taxes" says the same):
 *   - Each charge line is taxed in the jurisdiction of its service address
 *     ("US-ME"), which includes every parent level ("US", federal), on its
 *     charge date (an MRC line's period start, an NRC line's billing start
 *     date), by its charge category (catalog service_code.tax_category; a
 *     line without one is not taxed). A rule without a category applies to
 *     every category.
 *   - An exemption of the account in force on the charge date, for the
 *     rule's own jurisdiction level and the line's category (or every
 *     category), removes that rule from that line, and nothing else.
 *   - Lines are grouped per (rule jurisdiction, tax code, rate or amount
 *     per unit), so a rate change within an invoice gives two groups. A
 *     percentage is applied ONCE per group to the summed base and rounded
 *     half-even, so each tax line is exactly rate x base and the invoice's
 *     tax is exactly the sum of its tax lines (no per-line rounding
 *     residue). An amount per unit is per_unit x the group's units (the
 *     lines' quantities). Credit lines (negative amounts) reduce the base
 *     and give back their units. A group whose amount is zero is omitted.
 *   - Surcharges do not compound: every rule is applied to the charges,
 *     never to another tax or surcharge (e.g. the USF recovery is not
 *     itself subject to state tax).
 */
#ifndef BILLING_TAXES_H
#define BILLING_TAXES_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

/* One charge line to tax. */
typedef struct billing_taxable_line {
    int line_no;           /* invoice line number, for messages */
    tl_money amount;       /* negative for a credit */
    int64_t quantity;      /* units, for amounts per unit (>= 0) */
    char category[25];     /* charge category, "" when not taxed */
    char jurisdiction[49]; /* service address: "US-ME", or "US" */
    tl_date date;          /* charge date */
} billing_taxable_line;

/* A rule in force on [from, to) (to open when !has_to). */
typedef struct billing_tax_rule {
    catalog_tax_rule_t rule;
    tl_date from;
    int has_to;
    tl_date to;
} billing_tax_rule;

/* An exemption of the account in force on [from, to): jurisdiction level
 * exactly, category "" for every category. */
typedef struct billing_tax_exemption {
    char jurisdiction[49];
    char category[25];
    tl_date from;
    int has_to;
    tl_date to;
} billing_tax_exemption;

/* One tax or surcharge line. */
typedef struct billing_tax_line {
    int line_no; /* from 1, in (jurisdiction, tax code, from) order */
    char jurisdiction[24];
    char tax_code[24];
    char name[96];
    char kind[12]; /* "tax" or "surcharge" */
    int per_unit;  /* 0: rate_ppm applies; 1: per_unit_amount applies */
    int64_t rate_ppm;
    tl_money per_unit_amount;
    tl_money base; /* sum of the grouped lines' amounts */
    int64_t units; /* sum of their quantities (credits subtract) */
    tl_money amount;
} billing_tax_line;

typedef struct billing_tax_result {
    billing_tax_line *lines; /* owned; n_lines entries */
    size_t n_lines;
    tl_money tax; /* sum of the lines' amounts */
} billing_tax_result;

/* Most tax lines one result may hold. */
#define BILLING_TAX_MAX_LINES 10000

/* Frees the result's lines and empties it. NULL-safe. */
void billing_tax_result_free(billing_tax_result *r);

/* The pure core: the tax lines of lines[0..n) under rules[0..nrules) and
 * exemptions[0..nex) (rules above), in currency `currency`. On success
 * *out holds the lines (free with billing_tax_result_free) and out->tax
 * their sum, 0 in `currency` when none. On failure *out is empty and:
 * TL_EINVALID (problems at "lines[i].amount|quantity|jurisdiction|date")
 * for a bad line; TL_ECURRENCY for an amount per unit in another currency
 * ("rules[j]"); TL_EOVERFLOW. */
int billing_taxes_from_rules(billing_tax_result *out, const char *currency,
                             const billing_taxable_line *lines, size_t n,
                             const billing_tax_rule *rules, size_t nrules,
                             const billing_tax_exemption *exemptions,
                             size_t nex, tl_err *err);

/* As billing_taxes_from_rules, with the rules in force from the catalog
 * (catalog_tax_rules) and the account's exemptions (accounts_tax_exempt)
 * on each line's date. The currency is the lines'; with n == 0 the result
 * is empty with tax 0 and currency "". Reads only. */
int billing_compute_taxes(billing_tax_result *out, tl_db *db,
                          int64_t account_id, const billing_taxable_line *lines,
                          size_t n, tl_err *err);

/* The taxable lines of an existing invoice, in line order, in *lines (a
 * malloc'ed array of *n entries the caller frees; NULL and 0 on failure
 * or for an invoice without lines): each line's amount and quantity, the
 * tax category of its service code, the jurisdiction (country-REGION) of
 * its service's address on the charge date, and the charge date (period
 * start; for an NRC the service's billing start, else the invoice period
 * start). *currency (4 bytes) gets the invoice currency. TL_ENOTFOUND
 * ("invoice") for an unknown invoice. */
int billing_taxable_lines_of_invoice(billing_taxable_line **lines, size_t *n,
                                     char *currency, tl_db *db,
                                     int64_t account_id, int64_t invoice_id,
                                     tl_err *err);

/* Replaces the invoice's tax lines with r's (one multi-row INSERT) and
 * sets its tax_minor to their sum and total_minor to subtotal + tax, in
 * one transaction (the caller's, when there is one). It does not ask
 * whether the invoice may change: billing_tax_invoice does. TL_ENOTFOUND
 * ("invoice"); TL_ECURRENCY when r is not in the invoice currency. */
int billing_write_tax_lines(tl_db *db, int64_t account_id, int64_t invoice_id,
                            const billing_tax_result *r, tl_err *err);

/* Taxes an invoice: reads its lines, computes, writes, in one transaction
 * (the bill run's when called inside it). Idempotent: when the invoice
 * already has exactly the computed tax lines, nothing changes. Every
 * invoice is final (billing.invoice has no draft state yet), so an invoice
 * whose stored tax lines differ from the computed ones is refused with
 * TL_ECONFLICT ("taxLines") and left as it is; one without tax lines gets
 * them. The bill run calls it before the invoice is posted to the ledger,
 * since the total changes. TL_ENOTFOUND ("invoice"). */
int billing_tax_invoice(tl_db *db, int64_t account_id, int64_t invoice_id,
                        tl_err *err);

#endif
