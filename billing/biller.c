/*
 * The biller: our legal identity and remittance instructions, one row in
 * billing.biller, loaded from a JSON document.
 *
 * Validation reads every field before it looks at the database and
 * reports every problem with its path. Bank identifiers are checked the
 * way banks check them (ABA routing numbers by their weighted checksum,
 * IBANs by ISO 13616 mod 97), so a typo is caught here and not by a
 * customer's returned payment.
 */
#include <stdio.h>
#include <string.h>

#include "billing/document.h"
#include "common/audit.h"
#include "common/json.h"

static const char *const top_keys[] = {
    "legalName", "address", "taxId", "email", "phone", "remittance", NULL};
static const char *const address_keys[] = {
    "line1", "line2", "city", "region", "postcode", "country", NULL};
static const char *const remit_keys[] = {
    "bankName", "accountNumber", "iban", "routingNumber",
    "bic",      "paymentTerms",  NULL};

static int all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_alnum_upper(char c)
{
    return is_upper(c) || (c >= '0' && c <= '9');
}

/* ABA routing number: nine digits whose weighted sum 3,7,1,3,7,1,3,7,1 is
 * a multiple of ten. */
static int aba_valid(const char *s)
{
    static const int w[9] = {3, 7, 1, 3, 7, 1, 3, 7, 1};
    int sum = 0;
    int i;

    if (strlen(s) != 9 || !all_digits(s))
        return 0;
    for (i = 0; i < 9; i++)
        sum += w[i] * (s[i] - '0');
    return sum % 10 == 0;
}

/* IBAN (ISO 13616): country letters, two check digits, up to 30 letters
 * and digits; moving the first four characters to the end and reading
 * letters as 10..35 gives a number that is 1 modulo 97. */
static int iban_shape_ok(const char *s)
{
    size_t n = strlen(s);
    size_t i;

    if (n < 15 || n > 34 || !is_upper(s[0]) || !is_upper(s[1]) || s[2] < '0' ||
        s[2] > '9' || s[3] < '0' || s[3] > '9')
        return 0;
    for (i = 4; i < n; i++)
        if (!is_alnum_upper(s[i]))
            return 0;
    return 1;
}

static int iban_checksum_ok(const char *s)
{
    size_t n = strlen(s);
    unsigned rem = 0;
    size_t k;

    for (k = 0; k < n; k++) {
        char c = s[(k + 4) % n];

        if (c >= '0' && c <= '9')
            rem = (rem * 10 + (unsigned)(c - '0')) % 97;
        else
            rem = (rem * 100 + (unsigned)(c - 'A' + 10)) % 97;
    }
    return rem == 1;
}

/* BIC (ISO 9362): 4 letters (bank), 2 letters (country), 2 letters or
 * digits (location), optionally 3 more (branch). */
static int bic_valid(const char *s)
{
    size_t n = strlen(s);
    size_t i;

    if (n != 8 && n != 11)
        return 0;
    for (i = 0; i < 6; i++)
        if (!is_upper(s[i]))
            return 0;
    for (i = 6; i < n; i++)
        if (!is_alnum_upper(s[i]))
            return 0;
    return 1;
}

static int email_valid(const char *s)
{
    const char *at = strchr(s, '@');
    const char *p;

    if (at == NULL || at == s || strchr(at + 1, '@') != NULL)
        return 0;
    for (p = s; *p != '\0'; p++)
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            return 0;
    p = strchr(at + 1, '.');
    return p != NULL && p > at + 1 && p[1] != '\0';
}

/* Copies src (NULL reads as "") into dst, cut to size - 1 bytes. */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = src != NULL ? strnlen(src, size - 1) : 0;

    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Reads a string member into dst (size bytes, so at most size - 1
 * characters). */
static int str_into(char *dst, size_t size, const json_t *obj, const char *key,
                    const char *path, int required, tl_err *err)
{
    const char *s = NULL;
    int rc;

    rc = tl_json_str(obj, key, path, required, size - 1, &s, err);
    copy(dst, size, s);
    return rc;
}

static void parse_address(billing_biller_t *out, const json_t *doc, tl_err *err)
{
    const json_t *a = NULL;

    if (tl_json_object(doc, "address", "", 1, &a, err) < 0 || a == NULL)
        return;
    tl_json_only_keys(a, "address", address_keys, err);
    str_into(out->line1, sizeof(out->line1), a, "line1", "address", 1, err);
    str_into(out->line2, sizeof(out->line2), a, "line2", "address", 0, err);
    str_into(out->city, sizeof(out->city), a, "city", "address", 1, err);
    str_into(out->region, sizeof(out->region), a, "region", "address", 1, err);
    str_into(out->postcode, sizeof(out->postcode), a, "postcode", "address", 1,
             err);
    if (str_into(out->country, sizeof(out->country), a, "country", "address", 1,
                 err) == 0 &&
        out->country[0] != '\0' &&
        (!is_upper(out->country[0]) || !is_upper(out->country[1])))
        tl_err_add(err, "format", "address.country",
                   "country must be an ISO 3166 alpha-2 code such as US, "
                   "not \"%s\"",
                   out->country);
}

/* Exactly one of two alternative members must be there. */
static void one_of(const json_t *r, const char *a, const char *b, tl_err *err)
{
    int has_a = json_object_get(r, a) != NULL;
    int has_b = json_object_get(r, b) != NULL;

    if (has_a && has_b)
        tl_err_add(err, "conflict", "remittance",
                   "give either %s or %s, not both", a, b);
    else if (!has_a && !has_b)
        tl_err_add(err, "required", "remittance", "%s or %s is required", a, b);
}

static void parse_account(billing_biller_t *out, const json_t *r, tl_err *err)
{
    if (json_object_get(r, "iban") != NULL) {
        out->iban = 1;
        if (str_into(out->account_id, sizeof(out->account_id), r, "iban",
                     "remittance", 1, err) < 0 ||
            out->account_id[0] == '\0')
            return;
        if (!iban_shape_ok(out->account_id))
            tl_err_add(err, "format", "remittance.iban",
                       "an IBAN is two letters, two check digits and up to "
                       "30 capital letters or digits, without spaces");
        else if (!iban_checksum_ok(out->account_id))
            tl_err_add(err, "checksum", "remittance.iban",
                       "the IBAN's check digits do not match: a typo?");
        return;
    }
    if (json_object_get(r, "accountNumber") == NULL)
        return;
    if (str_into(out->account_id, sizeof(out->account_id), r, "accountNumber",
                 "remittance", 1, err) < 0 ||
        out->account_id[0] == '\0')
        return;
    if (!all_digits(out->account_id) || strlen(out->account_id) < 4 ||
        strlen(out->account_id) > 17)
        tl_err_add(err, "format", "remittance.accountNumber",
                   "an account number is 4 to 17 digits");
}

static void parse_routing(billing_biller_t *out, const json_t *r, tl_err *err)
{
    if (json_object_get(r, "bic") != NULL) {
        out->bic = 1;
        if (str_into(out->routing_id, sizeof(out->routing_id), r, "bic",
                     "remittance", 1, err) == 0 &&
            out->routing_id[0] != '\0' && !bic_valid(out->routing_id))
            tl_err_add(err, "format", "remittance.bic",
                       "a BIC is 8 or 11 capital letters and digits "
                       "(BANKCCLL or BANKCCLLBBB)");
        return;
    }
    if (json_object_get(r, "routingNumber") == NULL)
        return;
    if (str_into(out->routing_id, sizeof(out->routing_id), r, "routingNumber",
                 "remittance", 1, err) < 0 ||
        out->routing_id[0] == '\0')
        return;
    if (strlen(out->routing_id) != 9 || !all_digits(out->routing_id))
        tl_err_add(err, "format", "remittance.routingNumber",
                   "a routing number is 9 digits");
    else if (!aba_valid(out->routing_id))
        tl_err_add(err, "checksum", "remittance.routingNumber",
                   "the routing number's check digit does not match: a "
                   "typo?");
}

static void parse_remittance(billing_biller_t *out, const json_t *doc,
                             tl_err *err)
{
    const json_t *r = NULL;

    if (tl_json_object(doc, "remittance", "", 1, &r, err) < 0 || r == NULL)
        return;
    tl_json_only_keys(r, "remittance", remit_keys, err);
    str_into(out->bank_name, sizeof(out->bank_name), r, "bankName",
             "remittance", 1, err);
    one_of(r, "accountNumber", "iban", err);
    parse_account(out, r, err);
    one_of(r, "routingNumber", "bic", err);
    parse_routing(out, r, err);
    str_into(out->payment_terms, sizeof(out->payment_terms), r, "paymentTerms",
             "remittance", 1, err);
}

int billing_biller_parse(billing_biller_t *out, const json_t *doc, tl_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!json_is_object(doc))
        return tl_err_add(err, "type", "", "the biller must be a JSON object");
    tl_json_only_keys(doc, "", top_keys, err);
    str_into(out->legal_name, sizeof(out->legal_name), doc, "legalName", "", 1,
             err);
    parse_address(out, doc, err);
    str_into(out->tax_id, sizeof(out->tax_id), doc, "taxId", "", 1, err);
    if (str_into(out->email, sizeof(out->email), doc, "email", "", 1, err) ==
            0 &&
        out->email[0] != '\0' && !email_valid(out->email))
        tl_err_add(err, "format", "email",
                   "email must be an e-mail address such as "
                   "billing@example.com, not \"%s\"",
                   out->email);
    str_into(out->phone, sizeof(out->phone), doc, "phone", "", 0, err);
    parse_remittance(out, doc, err);
    if (tl_err_has_problems(err)) {
        memset(out, 0, sizeof(*out));
        return TL_EINVALID;
    }
    return 0;
}

/* ---- the stored row ---- */

#define BILLER_COLUMNS                                                         \
    "legal_name, address_line1, address_line2, city, region, postcode,"        \
    " country, tax_id, email, phone, bank_name, account_kind, account_id,"     \
    " routing_kind, routing_id, payment_terms"

static int read_text(char *dst, size_t size, const tl_row *row, const char *col,
                     tl_err *err)
{
    const char *s = NULL;

    if (tl_row_text(row, col, &s, err) < 0)
        return TL_ERROR;
    copy(dst, size, s);
    return 0;
}

int billing_biller_get(billing_biller_t *out, tl_db *db, tl_err *err)
{
    PGresult *res = NULL;
    char kind[16];
    char rkind[16];
    tl_row row;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = tl_db_query_one(db, &res, "billing_biller_get",
                         "SELECT " BILLER_COLUMNS " FROM billing.biller"
                         " WHERE biller_id = 1",
                         NULL, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "no_biller", "biller",
                          "no biller is loaded: run `trunkline bill biller "
                          "load FILE` first");
    row.res = res;
    row.row = 0;
    if (read_text(out->legal_name, sizeof(out->legal_name), &row, "legal_name",
                  err) < 0 ||
        read_text(out->line1, sizeof(out->line1), &row, "address_line1", err) <
            0 ||
        read_text(out->line2, sizeof(out->line2), &row, "address_line2", err) <
            0 ||
        read_text(out->city, sizeof(out->city), &row, "city", err) < 0 ||
        read_text(out->region, sizeof(out->region), &row, "region", err) < 0 ||
        read_text(out->postcode, sizeof(out->postcode), &row, "postcode", err) <
            0 ||
        read_text(out->country, sizeof(out->country), &row, "country", err) <
            0 ||
        read_text(out->tax_id, sizeof(out->tax_id), &row, "tax_id", err) < 0 ||
        read_text(out->email, sizeof(out->email), &row, "email", err) < 0 ||
        read_text(out->phone, sizeof(out->phone), &row, "phone", err) < 0 ||
        read_text(out->bank_name, sizeof(out->bank_name), &row, "bank_name",
                  err) < 0 ||
        read_text(kind, sizeof(kind), &row, "account_kind", err) < 0 ||
        read_text(out->account_id, sizeof(out->account_id), &row, "account_id",
                  err) < 0 ||
        read_text(rkind, sizeof(rkind), &row, "routing_kind", err) < 0 ||
        read_text(out->routing_id, sizeof(out->routing_id), &row, "routing_id",
                  err) < 0 ||
        read_text(out->payment_terms, sizeof(out->payment_terms), &row,
                  "payment_terms", err) < 0) {
        rc = TL_ERROR;
    } else {
        out->iban = strcmp(kind, "iban") == 0;
        out->bic = strcmp(rkind, "bic") == 0;
        rc = 0;
    }
    PQclear(res);
    return rc;
}

/* The biller as JSON in the load format, for the audit trail. */
static json_t *biller_json(const billing_biller_t *b)
{
    json_t *o = json_pack(
        "{s:s, s:{s:s, s:s, s:s, s:s, s:s}, s:s, s:s, s:{s:s, s:s, s:s, s:s}}",
        "legalName", b->legal_name, "address", "line1", b->line1, "city",
        b->city, "region", b->region, "postcode", b->postcode, "country",
        b->country, "taxId", b->tax_id, "email", b->email, "remittance",
        "bankName", b->bank_name, b->iban ? "iban" : "accountNumber",
        b->account_id, b->bic ? "bic" : "routingNumber", b->routing_id,
        "paymentTerms", b->payment_terms);

    if (o != NULL && b->line2[0] != '\0')
        json_object_set_new(json_object_get(o, "address"), "line2",
                            json_string(b->line2));
    if (o != NULL && b->phone[0] != '\0')
        json_object_set_new(o, "phone", json_string(b->phone));
    return o;
}

static int same_biller(const billing_biller_t *a, const billing_biller_t *b)
{
    return strcmp(a->legal_name, b->legal_name) == 0 &&
           strcmp(a->line1, b->line1) == 0 && strcmp(a->line2, b->line2) == 0 &&
           strcmp(a->city, b->city) == 0 && strcmp(a->region, b->region) == 0 &&
           strcmp(a->postcode, b->postcode) == 0 &&
           strcmp(a->country, b->country) == 0 &&
           strcmp(a->tax_id, b->tax_id) == 0 &&
           strcmp(a->email, b->email) == 0 && strcmp(a->phone, b->phone) == 0 &&
           strcmp(a->bank_name, b->bank_name) == 0 && a->iban == b->iban &&
           strcmp(a->account_id, b->account_id) == 0 && a->bic == b->bic &&
           strcmp(a->routing_id, b->routing_id) == 0 &&
           strcmp(a->payment_terms, b->payment_terms) == 0;
}

typedef struct load_ctx {
    const billing_biller_t *biller;
    const char *actor;
    int changed;
} load_ctx;

static const char *or_null(const char *s)
{
    return s[0] != '\0' ? s : NULL;
}

static int load_tx(tl_db *db, void *cls, tl_err *err)
{
    load_ctx *ctx = cls;
    const billing_biller_t *b = ctx->biller;
    billing_biller_t old;
    json_t *before = NULL;
    json_t *after = NULL;
    tl_params p;
    int had;
    int rc;

    ctx->changed = 0;
    rc = billing_biller_get(&old, db, err);
    if (rc < 0 && rc != TL_ENOTFOUND)
        return rc;
    had = rc == 0;
    if (!had)
        tl_err_clear(err);
    if (had && same_biller(&old, b))
        return 0;
    tl_params_init(&p);
    tl_params_text(&p, b->legal_name);
    tl_params_text(&p, b->line1);
    tl_params_text(&p, or_null(b->line2));
    tl_params_text(&p, b->city);
    tl_params_text(&p, b->region);
    tl_params_text(&p, b->postcode);
    tl_params_text(&p, b->country);
    tl_params_text(&p, b->tax_id);
    tl_params_text(&p, b->email);
    tl_params_text(&p, or_null(b->phone));
    tl_params_text(&p, b->bank_name);
    tl_params_text(&p, b->iban ? "iban" : "account");
    tl_params_text(&p, b->account_id);
    tl_params_text(&p, b->bic ? "bic" : "aba");
    tl_params_text(&p, b->routing_id);
    tl_params_text(&p, b->payment_terms);
    rc = tl_db_exec(db, "billing_biller_put",
                    "INSERT INTO billing.biller (biller_id, " BILLER_COLUMNS
                    ") VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                    " $11, $12, $13, $14, $15, $16)"
                    " ON CONFLICT (biller_id) DO UPDATE SET"
                    " legal_name = EXCLUDED.legal_name,"
                    " address_line1 = EXCLUDED.address_line1,"
                    " address_line2 = EXCLUDED.address_line2,"
                    " city = EXCLUDED.city, region = EXCLUDED.region,"
                    " postcode = EXCLUDED.postcode,"
                    " country = EXCLUDED.country, tax_id = EXCLUDED.tax_id,"
                    " email = EXCLUDED.email, phone = EXCLUDED.phone,"
                    " bank_name = EXCLUDED.bank_name,"
                    " account_kind = EXCLUDED.account_kind,"
                    " account_id = EXCLUDED.account_id,"
                    " routing_kind = EXCLUDED.routing_kind,"
                    " routing_id = EXCLUDED.routing_id,"
                    " payment_terms = EXCLUDED.payment_terms,"
                    " updated_at = now()",
                    &p, err);
    if (rc < 0)
        return rc;
    before = had ? biller_json(&old) : NULL;
    after = biller_json(b);
    if ((had && before == NULL) || after == NULL) {
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        goto cleanup;
    }
    rc = tl_audit(db, ctx->actor, "bill.biller", "biller", "1", 0, before,
                  after, err);
    if (rc == 0)
        ctx->changed = 1;
cleanup:
    json_decref(after);
    json_decref(before);
    return rc;
}

int billing_biller_load(int *changed, tl_db *db, const json_t *doc,
                        const char *actor, tl_err *err)
{
    billing_biller_t b;
    load_ctx ctx;
    int rc;

    *changed = 0;
    rc = billing_biller_parse(&b, doc, err);
    if (rc < 0)
        return rc;
    ctx.biller = &b;
    ctx.actor = actor;
    ctx.changed = 0;
    rc = tl_db_run_tx(db, "billing_biller_load", load_tx, &ctx, err);
    if (rc == 0)
        *changed = ctx.changed;
    return rc;
}
