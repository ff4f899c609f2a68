/*
 * trunkline catalog load FILE | load --prices FILE.csv | list | show PRODUCT
 *                   | price CODE | taxes | export
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "cli/cli.h"
#include "common/json.h"

/* Largest CSV price list accepted. */
#define CSV_MAX_BYTES (4u * 1024u * 1024u)

static int print_load(const cli_ctx *c, const catalog_load_result *r)
{
    if (c->json)
        return cli_print_json(json_pack(
            "{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "productsAdded",
            r->products_added, "serviceCodesAdded", r->codes_added,
            "pricesAdded", r->prices_added, "characteristicsAdded",
            r->characteristics_added, "rulesAdded", r->rules_added,
            "taxCategoriesAdded", r->tax_categories_added, "taxRulesAdded",
            r->tax_rules_added, "unchanged", r->unchanged));
    printf("catalog loaded: %d products, %d service codes, %d prices, "
           "%d characteristics, %d rules, %d tax rules added",
           r->products_added, r->codes_added, r->prices_added,
           r->characteristics_added, r->rules_added, r->tax_rules_added);
    if (r->tax_categories_added > 0)
        printf(", %d tax categories set", r->tax_categories_added);
    printf("; %d unchanged\n", r->unchanged);
    return CLI_EXIT_OK;
}

static int load_prices(cli_ctx *c, const char *path)
{
    catalog_load_result res;
    tl_err err = TL_ERR_INIT;
    char *text = NULL;
    size_t len = 0;
    int rc;

    rc = tl_file_read(&text, &len, path, CSV_MAX_BYTES, &err);
    if (rc == 0 && len > CSV_MAX_BYTES)
        rc = tl_err_add(&err, "too_large", path,
                        "the file is larger than %u bytes", CSV_MAX_BYTES);
    if (rc < 0) {
        free(text);
        return cli_fail(c, rc, &err);
    }
    rc = cli_connect(c);
    if (rc == 0) {
        rc = catalog_load_prices_csv(&res, c->db, text, len, c->actor, &err);
        rc = rc < 0 ? cli_fail(c, rc, &err) : print_load(c, &res);
    }
    free(text);
    return rc;
}

static int run_load(cli_ctx *c, int argc, char **argv)
{
    const char *prices = NULL;
    const cli_opt opts[] = {{"prices", &prices, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    catalog_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (prices != NULL) {
        if (npos != 0)
            return cli_usage_error(c, "give either FILE or --prices FILE.csv");
        return load_prices(c, prices);
    }
    if (npos != 1)
        return cli_usage_error(c, "the catalog file is required");
    rc = tl_json_load_file(&doc, pos[0], TL_JSON_MAX_BYTES, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    rc = catalog_load(&res, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return print_load(c, &res);
}

/* A component entry's code: "CODE" or {"code", "quantityFrom"}. */
static const char *member_code(const json_t *m)
{
    return json_is_string(m) ? json_string_value(m)
                             : json_string_value(json_object_get(m, "code"));
}

static int run_list(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    json_t *products;
    json_t *p;
    size_t i;
    size_t j;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = catalog_export(&doc, c->db, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    products = json_object_get(doc, "products");
    if (c->json) {
        json_incref(products);
        json_decref(doc);
        return cli_print_json(json_pack("{s:o}", "products", products));
    }
    json_array_foreach(products, i, p)
    {
        const json_t *codes = json_object_get(p, "serviceCodes");
        printf("%-12s %-13s %s\n   codes:",
               json_string_value(json_object_get(p, "id")),
               json_string_value(json_object_get(p, "family")),
               json_string_value(json_object_get(p, "name")));
        for (j = 0; j < json_array_size(codes); j++)
            printf(" %s", member_code(json_array_get(codes, j)));
        printf("\n");
    }
    printf("%zu product%s\n", json_array_size(products),
           json_array_size(products) == 1 ? "" : "s");
    json_decref(doc);
    return CLI_EXIT_OK;
}

/* Adds the list prices in force on `on` to each code entry of a product
 * description: codes becomes [{code, name, chargeKind, quantityFrom?,
 * prices: [{amount, currency}]}]. */
static int price_codes(cli_ctx *c, json_t *product, tl_date on, tl_err *err)
{
    static const char *const currencies[] = {"USD", "CAD", "EUR", "GBP", NULL};
    json_t *codes = json_object_get(product, "serviceCodes");
    json_t *out = json_array();
    size_t i;
    size_t k;

    for (i = 0; i < json_array_size(codes); i++) {
        const json_t *m = json_array_get(codes, i);
        catalog_code_t code;
        json_t *o;
        json_t *prices = json_array();
        int rc = catalog_code_get(&code, c->db, member_code(m), err);
        if (rc < 0) {
            json_decref(prices);
            json_decref(out);
            return rc;
        }
        for (k = 0; currencies[k] != NULL; k++) {
            tl_money price;
            tl_err none = TL_ERR_INIT;
            if (catalog_list_price(&price, c->db, code.code, currencies[k], on,
                                   &none) == 0)
                json_array_append_new(prices, cli_money_json(&price));
            tl_err_clear(&none);
        }
        o = json_pack("{s:s, s:s, s:s, s:o}", "code", code.code, "name",
                      code.name, "chargeKind", code.charge_kind, "prices",
                      prices);
        if (json_object_get(m, "quantityFrom") != NULL)
            json_object_set(o, "quantityFrom",
                            json_object_get(m, "quantityFrom"));
        if (json_object_get(m, "includedWhen") != NULL)
            json_object_set(o, "includedWhen",
                            json_object_get(m, "includedWhen"));
        json_array_append_new(out, o);
    }
    json_object_set_new(product, "serviceCodes", out);
    return 0;
}

static void print_char(const json_t *d)
{
    const json_t *v;
    size_t i;

    printf("  %-20s %-9s %s", json_string_value(json_object_get(d, "name")),
           json_string_value(json_object_get(d, "valueType")),
           json_is_true(json_object_get(d, "required")) ? "required"
                                                        : "optional");
    if ((v = json_object_get(d, "allowedValues")) != NULL) {
        printf("  one of");
        for (i = 0; i < json_array_size(v); i++) {
            char *s = json_dumps(json_array_get(v, i), JSON_ENCODE_ANY);
            printf("%s %s", i ? "," : "", s ? s : "");
            free(s);
        }
    }
    if ((v = json_object_get(d, "min")) != NULL ||
        json_object_get(d, "max") != NULL) {
        char *lo = json_dumps(json_object_get(d, "min"), JSON_ENCODE_ANY);
        char *hi = json_dumps(json_object_get(d, "max"), JSON_ENCODE_ANY);
        printf("  from %s to %s", lo ? lo : "-", hi ? hi : "-");
        free(lo);
        free(hi);
    }
    if ((v = json_object_get(d, "multipleOf")) != NULL)
        printf("  multiple of %lld", (long long)json_integer_value(v));
    if ((v = json_object_get(d, "unit")) != NULL)
        printf("  (%s)", json_string_value(v));
    printf("\n");
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *on_text = NULL;
    const cli_opt opts[] = {{"on", &on_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    const json_t *v;
    tl_date on = 0;
    size_t i;
    size_t k;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the product id is required");
    if (on_text != NULL && cli_date_arg(c, "on", on_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (on_text == NULL)
        on = cli_today();
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = catalog_product_describe(&doc, c->db, pos[0], &err);
    if (rc == 0)
        rc = price_codes(c, doc, on, &err);
    if (rc < 0) {
        json_decref(doc);
        return cli_fail(c, rc, &err);
    }
    json_object_set_new(doc, "pricesOn", cli_date_json(on));
    if (c->json)
        return cli_print_json(doc);
    printf("%s  %s  (%s)\n", json_string_value(json_object_get(doc, "id")),
           json_string_value(json_object_get(doc, "name")),
           json_string_value(json_object_get(doc, "family")));
    printf("  places:");
    v = json_object_get(doc, "placeRoles");
    for (i = 0; i < json_array_size(v); i++)
        printf(" %s", json_string_value(json_array_get(v, i)));
    printf("\ncharacteristics:\n");
    v = json_object_get(doc, "characteristics");
    for (i = 0; i < json_array_size(v); i++)
        print_char(json_array_get(v, i));
    if (json_array_size(v) == 0)
        printf("  (none)\n");
    v = json_object_get(doc, "rules");
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *r = json_array_get(v, i);
        printf("rule: %s not greater than %s\n",
               json_string_value(json_object_get(r, "characteristic")),
               json_string_value(json_object_get(r, "other")));
    }
    printf("service codes (list prices on %s):\n",
           json_string_value(json_object_get(doc, "pricesOn")));
    v = json_object_get(doc, "serviceCodes");
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *m = json_array_get(v, i);
        const json_t *prices = json_object_get(m, "prices");
        const json_t *q = json_object_get(m, "quantityFrom");
        const json_t *when = json_object_get(m, "includedWhen");
        printf("  %-12s %s %-32s",
               json_string_value(json_object_get(m, "code")),
               json_string_value(json_object_get(m, "chargeKind")),
               json_string_value(json_object_get(m, "name")));
        for (k = 0; k < json_array_size(prices); k++) {
            const json_t *p = json_array_get(prices, k);
            printf(" %s %s", json_string_value(json_object_get(p, "currency")),
                   json_string_value(json_object_get(p, "amount")));
        }
        if (q != NULL)
            printf("  x %s", json_string_value(q));
        if (when != NULL)
            printf("  when %s", json_string_value(when));
        printf("\n");
    }
    json_decref(doc);
    return CLI_EXIT_OK;
}

static int history_cb(const catalog_price_t *price, void *cls, tl_err *err)
{
    json_t *arr = cls;

    (void)err;
    return json_array_append_new(
               arr, json_pack("{s:o, s:o}", "effectiveFrom",
                              cli_date_json(price->effective_from), "price",
                              cli_money_json(&price->amount))) == 0
               ? 0
               : TL_ERROR;
}

static int run_price(cli_ctx *c, int argc, char **argv)
{
    const char *currency = "USD";
    const char *on_text = NULL;
    const cli_opt opts[] = {{"currency", &currency, NULL},
                            {"on", &on_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    catalog_code_t code;
    tl_err err = TL_ERR_INIT;
    tl_money price;
    json_t *history = NULL;
    json_t *h;
    tl_date on = 0;
    char amount[32];
    char day[16];
    size_t i;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the service code is required");
    if (on_text != NULL && cli_date_arg(c, "on", on_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (on_text == NULL)
        on = cli_today();
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = catalog_code_get(&code, c->db, pos[0], &err);
    if (rc == 0)
        rc = catalog_list_price(&price, c->db, pos[0], currency, on, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    history = json_array();
    rc = catalog_price_history(c->db, pos[0], currency, history_cb, history,
                               &err);
    if (rc < 0) {
        json_decref(history);
        return cli_fail(c, rc, &err);
    }
    tl_date_format(day, sizeof(day), on);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:s, s:s, s:s, s:o, s:o}", "code", code.code, "name",
            code.name, "chargeKind", code.charge_kind, "on", day, "price",
            cli_money_json(&price), "history", history));
    tl_money_format(amount, sizeof(amount), &price);
    printf("%s (%s, %s) on %s: %s %s\n", code.code, code.name, code.charge_kind,
           day, price.cur, amount);
    printf("history:\n");
    json_array_foreach(history, i, h)
    {
        const json_t *p = json_object_get(h, "price");
        printf("  from %s  %s %s\n",
               json_string_value(json_object_get(h, "effectiveFrom")),
               json_string_value(json_object_get(p, "currency")),
               json_string_value(json_object_get(p, "amount")));
    }
    json_decref(history);
    return CLI_EXIT_OK;
}

static int tax_cb(const catalog_tax_rule_t *r, void *cls, tl_err *err)
{
    json_t *arr = cls;
    json_t *o;
    char rate[16];
    char day[16];
    char amount[32];

    (void)err;
    tl_date_format(day, sizeof(day), r->effective_from);
    o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "jurisdiction",
                  r->jurisdiction, "taxCode", r->tax_code, "name", r->name,
                  "kind", r->kind, "basis", r->basis, "effectiveFrom", day);
    if (o == NULL)
        return TL_ERROR;
    if (r->charge_category[0] != '\0')
        json_object_set_new(o, "chargeCategory",
                            json_string(r->charge_category));
    if (strcmp(r->basis, "percent") == 0) {
        catalog_percent_format(rate, sizeof(rate), r->rate_ppm);
        json_object_set_new(o, "ratePercent", json_string(rate));
    } else {
        tl_money_format(amount, sizeof(amount), &r->per_unit);
        json_object_set_new(o, "amount", json_string(amount));
        json_object_set_new(o, "currency", json_string(r->per_unit.cur));
    }
    return json_array_append_new(arr, o) == 0 ? 0 : TL_ERROR;
}

static int run_taxes(cli_ctx *c, int argc, char **argv)
{
    const char *jurisdiction = NULL;
    const char *category = NULL;
    const char *on_text = NULL;
    const cli_opt opts[] = {{"jurisdiction", &jurisdiction, NULL},
                            {"category", &category, NULL},
                            {"on", &on_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *arr;
    json_t *r;
    tl_date on = 0;
    size_t i;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (on_text != NULL && cli_date_arg(c, "on", on_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (on_text == NULL)
        on = cli_today();
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    arr = json_array();
    rc =
        catalog_tax_rules(c->db, jurisdiction, category, on, tax_cb, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(
            json_pack("{s:o, s:o}", "on", cli_date_json(on), "taxRules", arr));
    json_array_foreach(arr, i, r)
    {
        const json_t *rate = json_object_get(r, "ratePercent");
        const json_t *cat = json_object_get(r, "chargeCategory");
        printf("  %-8s %-10s %-12s %-9s %-40s ",
               json_string_value(json_object_get(r, "jurisdiction")),
               json_string_value(json_object_get(r, "taxCode")),
               cat ? json_string_value(cat) : "(all)",
               json_string_value(json_object_get(r, "kind")),
               json_string_value(json_object_get(r, "name")));
        if (rate != NULL)
            printf("%s%%", json_string_value(rate));
        else
            printf("%s %s per unit",
                   json_string_value(json_object_get(r, "currency")),
                   json_string_value(json_object_get(r, "amount")));
        printf(" since %s\n",
               json_string_value(json_object_get(r, "effectiveFrom")));
    }
    printf("%zu tax rule%s in force\n", json_array_size(arr),
           json_array_size(arr) == 1 ? "" : "s");
    json_decref(arr);
    return CLI_EXIT_OK;
}

static int run_export(cli_ctx *c, int argc, char **argv)
{
    int csv = 0;
    const cli_opt opts[] = {{"prices-csv", NULL, &csv}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    char *text = NULL;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (csv && c->json)
        return cli_usage_error(c, "--prices-csv and --json exclude each "
                                  "other");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (csv) {
        rc = catalog_export_prices_csv(&text, c->db, &err);
        if (rc < 0)
            return cli_fail(c, rc, &err);
        fputs(text, stdout);
        free(text);
        return CLI_EXIT_OK;
    }
    rc = catalog_export(&doc, c->db, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    return cli_print_json(doc);
}

const cli_command cli_catalog_commands[] = {
    {"catalog", "load", "load products, service codes, prices and tax rules",
     "trunkline catalog load FILE [--json]\n"
     "       trunkline catalog load --prices FILE.csv [--json]\n"
     "FILE is JSON: {\"serviceCodes\": [{\"code\", \"name\", \"chargeKind\":"
     " \"MRC\"|\"NRC\",\n"
     "  \"nrcCategory\", \"taxCategory\", \"prices\": [{\"currency\","
     " \"amount\": \"1450.00\", \"effectiveFrom\"}]}],\n"
     " \"products\": [{\"id\", \"name\", \"family\", \"placeRoles\","
     " \"serviceCodes\": [\"CODE\" or\n"
     "  {\"code\", \"quantityFrom\", \"includedWhen\"}], \"characteristics\":"
     " [{\"name\","
     " \"valueType\", \"required\",\n"
     "  \"allowedValues\", \"min\", \"max\", \"multipleOf\", \"unit\"}],"
     " \"rules\": [{\"rule\": \"notGreaterThan\",\n"
     "  \"characteristic\", \"other\"}]}],\n"
     " \"taxRules\": [{\"jurisdiction\", \"chargeCategory\", \"taxCode\","
     " \"name\", \"kind\", \"basis\",\n"
     "  \"ratePercent\" or \"amount\"+\"currency\", \"effectiveFrom\","
     " \"effectiveTo\"}]}\n"
     "--prices: a CSV price list with the header"
     " code,currency,amount,effectiveFrom.\n"
     "Nothing is loaded when any row is bad; loading it again changes"
     " nothing.\n",
     run_load},
    {"catalog", "list", "products with their family and service codes",
     "trunkline catalog list [--json]\n", run_list},
    {"catalog", "show", "a product: places, characteristics, rules, prices",
     "trunkline catalog show PRODUCT [--on DATE] [--json]\n"
     "List prices are those in force on DATE (default today).\n",
     run_show},
    {"catalog", "price", "the list price of a code on a date, and its history",
     "trunkline catalog price CODE [--currency USD] [--on DATE] [--json]\n",
     run_price},
    {"catalog", "taxes", "tax and surcharge rules in force on a date",
     "trunkline catalog taxes [--jurisdiction J] [--category C] [--on DATE]"
     " [--json]\n"
     "A jurisdiction includes its parents (US-ME lists US rules too); a"
     " rule\n"
     "without a category applies to every category.\n",
     run_taxes},
    {"catalog", "export", "the whole catalog as a file catalog load reads",
     "trunkline catalog export [--prices-csv] [--json]\n"
     "Writes JSON (the catalog load format; --json changes nothing), or"
     " with\n"
     "--prices-csv every list price as CSV for catalog load --prices.\n",
     run_export},
    {NULL, NULL, NULL, NULL, NULL}};
