/*
 * The service-code audit (provisioning.h): what services bill against how
 * they got there (orders), what the catalog sells (products, their codes,
 * their characteristics) and what can be priced. Findings are gathered
 * into a list, sorted by circuit and finding, and handed out after the
 * reads, so the caller never sees a half-done audit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "contracts/contracts.h"
#include "provisioning/provisioning.h"
#include "provisioning/provisioning_internal.h"

#define MAX_FINDINGS 100000

typedef struct finding {
    char *circuit_id;
    char *account_number;
    char *product_id;
    char *finding;
    char *code;
    char *message;
    int has_diff;
    tl_money diff;
} finding;

typedef struct audit_ctx {
    tl_db *db;
    tl_date as_of;
    finding *list;
    size_t n;
    size_t cap;
} audit_ctx;

static void free_findings(audit_ctx *ctx)
{
    size_t i;

    for (i = 0; i < ctx->n; i++) {
        free(ctx->list[i].circuit_id);
        free(ctx->list[i].account_number);
        free(ctx->list[i].product_id);
        free(ctx->list[i].finding);
        free(ctx->list[i].code);
        free(ctx->list[i].message);
    }
    free(ctx->list);
    ctx->list = NULL;
    ctx->n = 0;
}

static char *dup(const char *s)
{
    return strdup(s != NULL ? s : "");
}

static int add_finding(audit_ctx *ctx, const char *circuit, const char *account,
                       const char *product, const char *kind, const char *code,
                       const char *message, const tl_money *diff, tl_err *err)
{
    finding *f;

    if (ctx->n == ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap * 2 : 32;
        finding *grown;

        if (cap > MAX_FINDINGS)
            return tl_err_set(err, TL_ERROR, "too_many", "",
                              "more than %d findings", MAX_FINDINGS);
        grown = realloc(ctx->list, cap * sizeof(*grown));
        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        ctx->list = grown;
        ctx->cap = cap;
    }
    f = &ctx->list[ctx->n];
    memset(f, 0, sizeof(*f));
    f->circuit_id = dup(circuit);
    f->account_number = dup(account);
    f->product_id = dup(product);
    f->finding = dup(kind);
    f->code = dup(code);
    f->message = dup(message);
    ctx->n++;
    if (diff != NULL) {
        f->has_diff = 1;
        f->diff = *diff;
    }
    if (!f->circuit_id || !f->account_number || !f->product_id || !f->finding ||
        !f->code || !f->message)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    return 0;
}

/* ---- change_without_order: the MRC before and after ---- */

/* Sum of the monthly prices of the MRC codes in a [{code, quantity}]
 * array, for the account on a day. Codes without a price count 0. */
static int mrc_of(tl_money *out, tl_db *db, int64_t account_id,
                  const char *currency, const char *codes_text, tl_date on,
                  tl_err *err)
{
    json_t *codes = json_loads(codes_text, 0, NULL);
    contracts_price_t price;
    catalog_code_t code;
    tl_err lookup = TL_ERR_INIT;
    size_t i;
    json_t *e;
    int rc = 0;

    tl_money_make(out, 0, currency);
    if (codes == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "codes",
                          "codes are not JSON");
    json_array_foreach(codes, i, e)
    {
        const char *c = json_string_value(json_object_get(e, "code"));
        json_int_t qty = json_integer_value(json_object_get(e, "quantity"));
        tl_money line;

        if (c == NULL || catalog_code_get(&code, db, c, &lookup) < 0 ||
            strcmp(code.charge_kind, "MRC") != 0 ||
            contracts_price_on(&price, db, account_id, c, on, &lookup) < 0) {
            tl_err_clear(&lookup);
            continue;
        }
        if (tl_money_mul(&line, &price.amount, qty) < 0 ||
            tl_money_add(out, out, &line) < 0) {
            rc = tl_err_set(err, TL_EOVERFLOW, "overflow", "codes",
                            "the monthly charges do not add up");
            break;
        }
    }
    json_decref(codes);
    return rc;
}

static int change_row(const tl_row *row, void *cls, tl_err *err)
{
    audit_ctx *ctx = cls;
    const char *circuit, *account, *product, *before, *after, *cur;
    const char *before_text, *after_text, *actor;
    int64_t account_id = 0;
    tl_money m_before, m_after, diff;
    tl_date day = 0;
    char message[512];
    char when[16];

    if (tl_row_text(row, "circuit_id", &circuit, err) < 0 ||
        tl_row_text(row, "account_number", &account, err) < 0 ||
        tl_row_text(row, "product_id", &product, err) < 0 ||
        tl_row_text(row, "before", &before, err) < 0 ||
        tl_row_text(row, "after", &after, err) < 0 ||
        tl_row_text(row, "before_text", &before_text, err) < 0 ||
        tl_row_text(row, "after_text", &after_text, err) < 0 ||
        tl_row_text(row, "actor", &actor, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "account_id", &account_id, err) < 0 ||
        tl_row_date(row, "effective_date", &day, err) < 0)
        return TL_ERROR;
    if (mrc_of(&m_before, ctx->db, account_id, cur, before, day, err) < 0 ||
        mrc_of(&m_after, ctx->db, account_id, cur, after, day, err) < 0 ||
        tl_money_sub(&diff, &m_after, &m_before) < 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "codes",
                          "the monthly difference is out of range");
    tl_date_format(when, sizeof(when), day);
    snprintf(message, sizeof(message),
             "codes changed on %s from %s to %s without an order (by %s)", when,
             before_text, after_text, actor);
    return add_finding(ctx, circuit, account, product, "change_without_order",
                       "", message, &diff, err);
}

#define CODES_TEXT(col)                                                        \
    "(SELECT coalesce(string_agg(e->>'code' || CASE WHEN"                      \
    " (e->>'quantity')::int > 1 THEN ' x' || (e->>'quantity') ELSE '' END,"    \
    " ', ' ORDER BY e->>'code'), 'no codes')"                                  \
    " FROM jsonb_array_elements(" col ") e)"

/* Services the audit looks at: not disconnected on the as-of day. */
#define LIVE_SERVICES                                                          \
    " s.disconnect_date IS NULL OR s.disconnect_date > $1::date"

static int changes_without_order(audit_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    return tl_db_select(
        ctx->db, "provisioning_audit_changes",
        "SELECT s.circuit_id, a.account_number, s.product_id, s.account_id,"
        " a.currency, v.effective_date, v.actor,"
        " v.before::text AS before, v.codes::text AS after,"
        " " CODES_TEXT(
            "v.before") " AS before_text,"
                        " " CODES_TEXT(
                            "v.codes") " AS after_text"
                                       " FROM (SELECT v.*, lag(v.codes) OVER "
                                       "(PARTITION BY v.account_id,"
                                       "  v.service_id ORDER BY "
                                       "v.effective_date, v.version) AS before"
                                       "  FROM provisioning.service_version v) "
                                       "v"
                                       " JOIN provisioning.service s USING "
                                       "(account_id, service_id)"
                                       " JOIN accounts.billing_account a ON "
                                       "a.account_id = s.account_id"
                                       " WHERE v.order_id IS NULL AND v.before "
                                       "IS NOT NULL"
                                       " AND v.before <> v.codes AND "
                                       "v.effective_date <= $1::date"
                                       " AND (" LIVE_SERVICES ")"
                                       " ORDER BY s.circuit_id, "
                                       "v.effective_date, v.version",
        &p, change_row, ctx, err);
}

/* ---- findings SQL states whole ---- */

static int plain_row(const tl_row *row, void *cls, tl_err *err)
{
    audit_ctx *ctx = cls;
    const char *circuit, *account, *product, *kind, *code, *message;

    if (tl_row_text(row, "circuit_id", &circuit, err) < 0 ||
        tl_row_text(row, "account_number", &account, err) < 0 ||
        tl_row_text(row, "product_id", &product, err) < 0 ||
        tl_row_text(row, "finding", &kind, err) < 0 ||
        tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "message", &message, err) < 0)
        return TL_ERROR;
    return add_finding(ctx, circuit, account, product, kind, code, message,
                       NULL, err);
}

/* A code of neither the product nor a product of its family is not in
 * the catalog for it; a code of a sibling product (another speed) is a
 * characteristic mismatch. */
static int foreign_codes(audit_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    return tl_db_select(
        ctx->db, "provisioning_audit_foreign_codes",
        "SELECT s.circuit_id, a.account_number, s.product_id, c.code,"
        " CASE WHEN sib.product_id IS NULL THEN 'code_not_in_catalog'"
        "  ELSE 'characteristic_mismatch' END AS finding,"
        " CASE WHEN sib.product_id IS NULL THEN c.code || ' is not a code of"
        "  product ' || s.product_id"
        "  ELSE 'bills ' || c.code || ', a code of product ' ||"
        "  sib.product_id || ', but the service is ' || s.product_id ||"
        "  coalesce(' (' || (SELECT string_agg(d.name || ' ' ||"
        "   (s.characteristics->>d.name) || ', which ' || sib.product_id ||"
        "   ' does not allow', '; ' ORDER BY d.name)"
        "   FROM catalog.characteristic_def d"
        "   WHERE d.product_id = sib.product_id"
        "   AND d.allowed_values IS NOT NULL AND s.characteristics ? d.name"
        "   AND NOT (s.characteristics->>d.name = ANY (d.allowed_values)))"
        "   || ')', '') END AS message"
        " FROM provisioning.service s"
        " JOIN provisioning.service_code c USING (account_id, service_id)"
        " JOIN accounts.billing_account a ON a.account_id = s.account_id"
        " JOIN catalog.product p ON p.product_id = s.product_id"
        " LEFT JOIN LATERAL (SELECT pc.product_id"
        "  FROM catalog.product_component pc"
        "  JOIN catalog.product p2 ON p2.product_id = pc.product_id"
        "  WHERE pc.code = c.code AND p2.family = p.family"
        "  ORDER BY pc.product_id LIMIT 1) sib ON true"
        " WHERE (" LIVE_SERVICES ")"
        " AND NOT EXISTS (SELECT 1 FROM catalog.product_component pc"
        "  WHERE pc.product_id = s.product_id AND pc.code = c.code)"
        " ORDER BY s.circuit_id, c.code",
        &p, plain_row, ctx, err);
}

static int differ_from_order(audit_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    return tl_db_select(
        ctx->db, "provisioning_audit_differ",
        "WITH live AS (SELECT s.*, coalesce((SELECT jsonb_agg("
        "   jsonb_build_object('code', c.code, 'quantity', c.quantity)"
        "   ORDER BY c.code) FROM provisioning.service_code c"
        "   WHERE c.account_id = s.account_id"
        "   AND c.service_id = s.service_id), '[]') AS codes"
        "  FROM provisioning.service s WHERE " LIVE_SERVICES "),"
        " sold AS (SELECT l.*, src.order_id AS src_order,"
        "  src.item_id AS src_item,"
        "  coalesce((SELECT jsonb_agg(jsonb_build_object('code', oc.code,"
        "   'quantity', oc.quantity) ORDER BY oc.code)"
        "   FROM orders.order_item_code oc"
        "   WHERE oc.account_id = l.account_id"
        "   AND oc.order_id = src.order_id AND oc.item_id = src.item_id),"
        "   '[]') AS sold_codes"
        "  FROM live l"
        "  CROSS JOIN LATERAL (SELECT * FROM (SELECT v.order_id, v.item_id,"
        "    v.effective_date, v.version FROM provisioning.service_version v"
        "    WHERE v.account_id = l.account_id"
        "    AND v.service_id = l.service_id AND v.order_id IS NOT NULL"
        "    AND v.kind IN ('created', 'changed', 'moved', 'codes_changed')"
        "    AND EXISTS (SELECT 1 FROM orders.order_item_code oc"
        "     WHERE oc.account_id = v.account_id"
        "     AND oc.order_id = v.order_id AND oc.item_id = v.item_id)"
        "    UNION ALL SELECT l.order_id, l.item_id, '-infinity'::date, 0) x"
        "   ORDER BY x.effective_date DESC, x.version DESC LIMIT 1) src)"
        " SELECT s.circuit_id, a.account_number, s.product_id, '' AS code,"
        " 'codes_differ_from_order' AS finding,"
        " 'bills ' || " CODES_TEXT(
            "s.codes") " || '; order ' ||"
                       " o.order_number || ' item ' || s.src_item || ' sold ' "
                       "||"
                       " " CODES_TEXT(
                           "s.sold_codes") " AS message"
                                           " FROM sold s"
                                           " JOIN accounts.billing_account a "
                                           "ON a.account_id = s.account_id"
                                           " JOIN orders.sales_order o ON "
                                           "o.account_id = s.account_id"
                                           "  AND o.order_id = s.src_order"
                                           " WHERE s.codes <> s.sold_codes "
                                           "ORDER BY s.circuit_id",
        &p, plain_row, ctx, err);
}

/* ---- findings checked in C: prices and characteristics ---- */

static int unpriced_row(const tl_row *row, void *cls, tl_err *err)
{
    audit_ctx *ctx = cls;
    const char *circuit, *account, *product, *code, *cur;
    contracts_price_t price;
    tl_err lookup = TL_ERR_INIT;
    int64_t account_id = 0;
    char message[256];
    char day[16];
    int rc;

    if (tl_row_text(row, "circuit_id", &circuit, err) < 0 ||
        tl_row_text(row, "account_number", &account, err) < 0 ||
        tl_row_text(row, "product_id", &product, err) < 0 ||
        tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "currency", &cur, err) < 0 ||
        tl_row_int64(row, "account_id", &account_id, err) < 0)
        return TL_ERROR;
    rc = contracts_price_on(&price, ctx->db, account_id, code, ctx->as_of,
                            &lookup);
    tl_err_clear(&lookup);
    if (rc == 0)
        return 0;
    if (rc != TL_ENOTFOUND)
        return tl_err_set(err, rc, "internal", "code", "pricing %s failed",
                          code);
    tl_date_format(day, sizeof(day), ctx->as_of);
    snprintf(message, sizeof(message),
             "%s has no %s list price or contract rate on %s", code, cur, day);
    return add_finding(ctx, circuit, account, product, "code_not_in_catalog",
                       code, message, NULL, err);
}

static int unpriced_codes(audit_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    return tl_db_select(
        ctx->db, "provisioning_audit_unpriced",
        "SELECT s.circuit_id, a.account_number, s.product_id, c.code,"
        " a.currency, s.account_id"
        " FROM provisioning.service s"
        " JOIN provisioning.service_code c USING (account_id, service_id)"
        " JOIN accounts.billing_account a ON a.account_id = s.account_id"
        " WHERE (" LIVE_SERVICES ")"
        " AND NOT EXISTS (SELECT 1 FROM catalog.list_price lp"
        "  WHERE lp.code = c.code AND lp.currency = a.currency"
        "  AND lp.effective_from <= $1::date)"
        " ORDER BY s.circuit_id, c.code",
        &p, unpriced_row, ctx, err);
}

static int characteristics_row(const tl_row *row, void *cls, tl_err *err)
{
    audit_ctx *ctx = cls;
    const char *circuit, *account, *product, *text;
    tl_err check = TL_ERR_INIT;
    json_t *chars;
    size_t i;
    int rc;

    if (tl_row_text(row, "circuit_id", &circuit, err) < 0 ||
        tl_row_text(row, "account_number", &account, err) < 0 ||
        tl_row_text(row, "product_id", &product, err) < 0 ||
        tl_row_text(row, "characteristics", &text, err) < 0)
        return TL_ERROR;
    chars = json_loads(text, 0, NULL);
    if (chars == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "characteristics",
                          "characteristics of %s are not JSON", circuit);
    rc = catalog_check_characteristics(ctx->db, product, chars,
                                       "characteristics", &check);
    json_decref(chars);
    if (rc < 0 && rc != TL_ENOTFOUND) {
        tl_err_clear(&check);
        return tl_err_set(err, rc, "internal", "characteristics",
                          "checking %s failed", circuit);
    }
    rc = 0;
    for (i = 0; rc == 0 && i < check.n_problems; i++)
        rc = add_finding(ctx, circuit, account, product,
                         "characteristic_mismatch", "",
                         check.problems[i].message, NULL, err);
    tl_err_clear(&check);
    return rc;
}

static int bad_characteristics(audit_ctx *ctx, tl_err *err)
{
    tl_params p;

    tl_params_init(&p);
    tl_params_date(&p, ctx->as_of);
    return tl_db_select(ctx->db, "provisioning_audit_characteristics",
                        "SELECT s.circuit_id, a.account_number, s.product_id,"
                        " s.characteristics::text AS characteristics"
                        " FROM provisioning.service s"
                        " JOIN accounts.billing_account a"
                        " ON a.account_id = s.account_id"
                        " WHERE " LIVE_SERVICES " ORDER BY s.circuit_id",
                        &p, characteristics_row, ctx, err);
}

static int finding_cmp(const void *a, const void *b)
{
    const finding *x = a;
    const finding *y = b;
    int c = strcmp(x->circuit_id, y->circuit_id);

    if (c == 0)
        c = strcmp(x->finding, y->finding);
    if (c == 0)
        c = strcmp(x->code, y->code);
    if (c == 0)
        c = strcmp(x->message, y->message);
    return c;
}

static int audit_tx(tl_db *db, void *cls, tl_err *err)
{
    audit_ctx *ctx = cls;
    int rc;

    free_findings(ctx);
    ctx->cap = 0;
    ctx->db = db;
    rc = changes_without_order(ctx, err);
    if (rc >= 0)
        rc = foreign_codes(ctx, err);
    if (rc >= 0)
        rc = unpriced_codes(ctx, err);
    if (rc >= 0)
        rc = bad_characteristics(ctx, err);
    if (rc >= 0)
        rc = differ_from_order(ctx, err);
    return rc < 0 ? rc : 0;
}

int provisioning_audit_codes(tl_db *db, tl_date as_of,
                             provisioning_code_finding_fn fn, void *cls,
                             tl_err *err)
{
    audit_ctx ctx;
    provisioning_code_finding_t f;
    size_t i;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    ctx.as_of = as_of;
    rc = tl_db_run_tx(db, "provisioning_audit_codes", audit_tx, &ctx, err);
    if (rc == 0 && ctx.n > 0)
        qsort(ctx.list, ctx.n, sizeof(ctx.list[0]), finding_cmp);
    for (i = 0; rc == 0 && i < ctx.n; i++) {
        const finding *x = &ctx.list[i];

        memset(&f, 0, sizeof(f));
        f.circuit_id = x->circuit_id;
        f.account_number = x->account_number;
        f.product_id = x->product_id;
        f.finding = x->finding;
        f.code = x->code;
        f.message = x->message;
        f.has_monthly_difference = x->has_diff;
        f.monthly_difference = x->diff;
        rc = fn(&f, cls, err);
    }
    if (rc == 0)
        rc = (int)ctx.n;
    free_findings(&ctx);
    return rc;
}
