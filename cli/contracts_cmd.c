/*
 * trunkline contracts load FILE | import FILE | show REF | price | expiring
 *                     | renew | change-rate REF | terminate REF
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/accounts.h"
#include "cli/cli.h"
#include "common/json.h"
#include "contracts/contracts.h"

/* Largest CSV file accepted by contracts import. */
#define CSV_MAX_BYTES (4u * 1024u * 1024u)

static int run_load(cli_ctx *c, int argc, char **argv)
{
    contracts_load_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = cli_json_arg(c, argc, argv, "the agreement file", &doc);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = contracts_load(&res, c->db, doc, c->actor, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:b}", "agreementId",
                                        (json_int_t)res.agreement_id, "created",
                                        res.created));
    printf("agreement %s\n",
           res.created ? "loaded" : "already loaded, unchanged");
    return CLI_EXIT_OK;
}

/* Today's date in UTC. */
static tl_date today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    tl_date d = 0;

    gmtime_r(&now, &tm);
    tl_date_from_ymd(&d, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    return d;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Reads a whole file of at most CSV_MAX_BYTES into a NUL-terminated
 * buffer. */
static int read_text(char **out, size_t *len, const char *path, tl_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0;
    size_t got;

    *out = NULL;
    if (f == NULL)
        return tl_err_set(err, TL_ENOTFOUND, "not_found", path,
                          "cannot open %s", path);
    buf = malloc(CSV_MAX_BYTES + 1);
    if (buf == NULL) {
        fclose(f);
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    }
    while ((got = fread(buf + n, 1, CSV_MAX_BYTES + 1 - n, f)) > 0) {
        n += got;
        if (n > CSV_MAX_BYTES)
            break;
    }
    fclose(f);
    if (n > CSV_MAX_BYTES) {
        free(buf);
        return tl_err_add(err, "too_large", path,
                          "the file is larger than %u bytes", CSV_MAX_BYTES);
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static int run_import(cli_ctx *c, int argc, char **argv)
{
    contracts_import_result res;
    tl_err err = TL_ERR_INIT;
    const char *pos[1];
    json_t *doc = NULL;
    char *text = NULL;
    size_t len = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, NULL, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the contracts file is required");
    if (ends_with(pos[0], ".csv"))
        rc = read_text(&text, &len, pos[0], &err);
    else if (ends_with(pos[0], ".json"))
        rc = tl_json_load_file(&doc, pos[0], TL_JSON_MAX_BYTES, &err);
    else
        return cli_usage_error(c, "the file must end in .csv or .json");
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc != 0)
        goto cleanup;
    if (text != NULL)
        rc = contracts_import_csv(&res, c->db, text, len, c->actor, &err);
    else
        rc = contracts_import_json(&res, c->db, doc, c->actor, &err);
    if (rc < 0) {
        rc = cli_fail(c, rc, &err);
        goto cleanup;
    }
    if (c->json)
        rc = cli_print_json(json_pack("{s:i, s:i, s:i}", "agreements",
                                      res.agreements, "created", res.created,
                                      "unchanged", res.unchanged));
    else {
        printf("%d agreement%s: %d imported, %d already there unchanged\n",
               res.agreements, res.agreements == 1 ? "" : "s", res.created,
               res.unchanged);
        rc = CLI_EXIT_OK;
    }
cleanup:
    free(text);
    json_decref(doc);
    return rc;
}

/* Parses REF --account NUMBER and connects. */
static int ref_and_account(cli_ctx *c, int argc, char **argv, cli_opt *extra,
                           const char **ref, const char **account)
{
    cli_opt opts[8];
    const char *pos[1];
    size_t i = 0;
    int npos;
    int rc;

    opts[i++] = (cli_opt){"account", account, NULL};
    for (; extra != NULL && extra->name != NULL && i < 7; extra++)
        opts[i++] = *extra;
    opts[i] = (cli_opt){NULL, NULL, NULL};
    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_HELP_SHOWN : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the agreement reference is required");
    if (*account == NULL)
        return cli_usage_error(c, "--account is required");
    *ref = pos[0];
    return 0;
}

static void print_text_terms(const json_t *doc)
{
    const json_t *v;
    size_t i;

    printf("%s  account %s  %s\n",
           json_string_value(json_object_get(doc, "ref")),
           json_string_value(json_object_get(doc, "accountNumber")),
           json_string_value(json_object_get(doc, "currency")));
    printf("  start %s, %lld months, original end %s, current end %s\n",
           json_string_value(json_object_get(doc, "startDate")),
           (long long)json_integer_value(json_object_get(doc, "termMonths")),
           json_string_value(json_object_get(doc, "endDate")),
           json_string_value(json_object_get(doc, "currentEndDate")));
    printf("  renewal %s", json_string_value(json_object_get(doc, "renewal")));
    v = json_object_get(doc, "renewalMonths");
    if (v != NULL)
        printf(" (%lld months)", (long long)json_integer_value(v));
    printf(", notice %lld days (deadline %s)\n",
           (long long)json_integer_value(json_object_get(doc, "noticeDays")),
           json_string_value(json_object_get(doc, "noticeDeadline")));
    printf("  minimum commitment %s, escalator %s%%, ETF ",
           json_string_value(json_object_get(doc, "minimumCommitment")),
           json_string_value(json_object_get(doc, "escalatorPercent")));
    if ((v = json_object_get(doc, "etfPercent")) != NULL)
        printf("%s%% of remaining MRC\n", json_string_value(v));
    else if ((v = json_object_get(doc, "etfFixed")) != NULL)
        printf("fixed %s\n", json_string_value(v));
    else
        printf("none\n");
    v = json_object_get(doc, "rates");
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *r = json_array_get(v, i);
        printf("  rate %-12s %12s\n",
               json_string_value(json_object_get(r, "code")),
               json_string_value(json_object_get(r, "amount")));
    }
    v = json_object_get(doc, "amendments");
    for (i = 0; i < json_array_size(v); i++) {
        const json_t *r = json_array_get(v, i);
        char *after = json_dumps(json_object_get(r, "after"), JSON_COMPACT);
        printf("  amendment %s %s by %s: %s\n",
               json_string_value(json_object_get(r, "effectiveDate")),
               json_string_value(json_object_get(r, "kind")),
               json_string_value(json_object_get(r, "actor")),
               after ? after : "");
        free(after);
    }
    v = json_object_get(doc, "termination");
    if (json_is_object(v))
        printf("  terminated %s (%s): ETF %s\n",
               json_string_value(json_object_get(v, "date")),
               json_string_value(json_object_get(v, "reason")),
               json_string_value(json_object_get(v, "etf")));
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *ref = NULL;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int rc;

    rc = ref_and_account(c, argc, argv, NULL, &ref, &account);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = contracts_describe(&doc, c->db, account, ref, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(doc);
    print_text_terms(doc);
    json_decref(doc);
    return CLI_EXIT_OK;
}

static int run_price(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *code = NULL;
    const char *on_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"code", &code, NULL},
                            {"on", &on_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    accounts_account_t acct;
    contracts_price_t price;
    tl_err err = TL_ERR_INIT;
    tl_date on = 0;
    char amount[32];
    char day[16];
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if (code == NULL)
        return cli_usage_error(c, "--code is required");
    if (on_text != NULL && cli_date_arg(c, "on", on_text, &on) != 0)
        return CLI_EXIT_USAGE;
    if (on_text == NULL)
        on = today();
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_get(&acct, c->db, account, &err);
    if (rc == 0)
        rc = contracts_price_on(&price, c->db, acct.account_id, code, on, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    tl_date_format(day, sizeof(day), on);
    if (c->json) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:i}",
                              "accountNumber", account, "code", code, "on", day,
                              "price", cli_money_json(&price.amount), "source",
                              contracts_price_source_name(price.source),
                              "baseRate", cli_money_json(&price.base_rate),
                              "escalationSteps", price.escalation_steps);
        if (o != NULL && price.source == CONTRACTS_PRICE_CONTRACT)
            json_object_set_new(o, "agreement",
                                json_pack("{s:s, s:I}", "ref",
                                          price.agreement_ref, "agreementId",
                                          (json_int_t)price.agreement_id));
        return cli_print_json(o);
    }
    tl_money_format(amount, sizeof(amount), &price.amount);
    printf("%s on %s for %s: %s %s (%s", code, day, account, price.amount.cur,
           amount, contracts_price_source_name(price.source));
    if (price.source == CONTRACTS_PRICE_CONTRACT)
        printf(" %s, %d escalation%s", price.agreement_ref,
               price.escalation_steps, price.escalation_steps == 1 ? "" : "s");
    printf(")\n");
    return CLI_EXIT_OK;
}

static int expiring_row(const contracts_expiring_row *r, void *cls, tl_err *err)
{
    json_t *arr = cls;
    const contracts_agreement_t *a = &r->agreement;
    char end[16];
    char notice[16];
    char renewed[16];
    char mrc[32];
    char renewal[64];

    (void)err;
    if (r->renewal_step == 0)
        snprintf(renewal, sizeof(renewal), "expires");
    else if (a->renewal == CONTRACTS_RENEW_EVERGREEN)
        snprintf(renewal, sizeof(renewal), "evergreen, 1 month");
    else
        snprintf(renewal, sizeof(renewal), "renews %d months", r->renewal_step);
    if (arr != NULL) {
        json_t *o = json_pack(
            "{s:s, s:s, s:o, s:o, s:i, s:i, s:o, s:{s:s, s:i, s:o}}",
            "accountNumber", r->account_number, "ref", a->ref, "endDate",
            cli_date_json(a->current_end_date), "noticeDeadline",
            cli_date_json(r->notice_deadline), "daysLeft", r->days_left,
            "daysToNotice", r->days_to_notice, "mrc", cli_money_json(&r->mrc),
            "renewal", "rule", contracts_renewal_name(a->renewal), "months",
            r->renewal_step, "endDate", cli_date_json(r->renewed_end_date));
        return json_array_append_new(arr, o) == 0 ? 0 : TL_ERROR;
    }
    tl_date_format(end, sizeof(end), a->current_end_date);
    tl_date_format(notice, sizeof(notice), r->notice_deadline);
    tl_date_format(renewed, sizeof(renewed), r->renewed_end_date);
    tl_money_format(mrc, sizeof(mrc), &r->mrc);
    printf("  %-12s %-16s %s %s %5d %s %12s  %s", r->account_number, a->ref,
           end, notice, r->days_left, r->mrc.cur, mrc, renewal);
    if (r->renewal_step > 0)
        printf(" to %s", renewed);
    printf("\n");
    return 0;
}

static int run_expiring(cli_ctx *c, int argc, char **argv)
{
    const char *within_text = NULL;
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"within", &within_text, NULL},
                            {"as-of", &as_of_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *arr = NULL;
    int64_t within = 0;
    tl_date as_of = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (cli_int_arg(c, "within", within_text, 0, 3660, &within) != 0)
        return CLI_EXIT_USAGE;
    if (as_of_text != NULL && cli_date_arg(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    if (as_of_text == NULL)
        as_of = today();
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json) {
        arr = json_array();
        if (arr == NULL)
            return CLI_EXIT_ERROR;
    } else
        printf("  %-12s %-16s %-10s %-10s %5s %16s  %s\n", "account",
               "agreement", "end", "notice by", "days", "MRC at stake",
               "renewal");
    rc = contracts_expiring(c->db, as_of, (int)within, expiring_row, arr, &err);
    if (rc < 0) {
        json_decref(arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o, s:I, s:o}", "asOf",
                                        cli_date_json(as_of), "withinDays",
                                        (json_int_t)within, "agreements", arr));
    printf("%d agreement%s\n", rc, rc == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

static int run_renew(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    contracts_renew_result res;
    tl_err err = TL_ERR_INIT;
    tl_date as_of = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (cli_date_arg(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = contracts_renew_due(&res, c->db, as_of, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:o, s:i, s:i}", "asOf", cli_date_json(as_of),
                      "renewals", res.renewals, "agreements", res.agreements));
    printf("%d renewal%s applied to %d agreement%s\n", res.renewals,
           res.renewals == 1 ? "" : "s", res.agreements,
           res.agreements == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

static int run_terminate(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *ref = NULL;
    const char *date_text = NULL;
    const char *reason = NULL;
    cli_opt extra[] = {{"date", &date_text, NULL},
                       {"reason", &reason, NULL},
                       {NULL, NULL, NULL}};
    contracts_termination_t t;
    tl_err err = TL_ERR_INIT;
    tl_date date = 0;
    char etf[32];
    char mrc[32];
    int rc;

    rc = ref_and_account(c, argc, argv, extra, &ref, &account);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (cli_date_arg(c, "date", date_text, &date) != 0)
        return CLI_EXIT_USAGE;
    if (reason == NULL)
        return cli_usage_error(c, "--reason is required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = contracts_terminate(&t, c->db, account, ref, date, reason, c->actor,
                             &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:s, s:o, s:o, s:i, s:i, s:i, s:o, s:o, s:b}",
            "accountNumber", account, "ref", ref, "date", cli_date_json(date),
            "termEndDate", cli_date_json(t.term_end_date), "remainingMonths",
            t.remaining.months, "remainingDays", t.remaining.days, "monthDays",
            t.remaining.month_days, "mrc", cli_money_json(&t.mrc), "etf",
            cli_money_json(&t.etf), "created", t.created));
    tl_money_format(etf, sizeof(etf), &t.etf);
    tl_money_format(mrc, sizeof(mrc), &t.mrc);
    printf("agreement %s %s from %s\n", ref,
           t.created ? "terminated" : "was already terminated", date_text);
    printf("  remaining %d months and %d/%d days at MRC %s %s: ETF %s %s\n",
           t.remaining.months, t.remaining.days, t.remaining.month_days,
           t.mrc.cur, mrc, t.etf.cur, etf);
    return CLI_EXIT_OK;
}

static int run_change_rate(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *ref = NULL;
    const char *code = NULL;
    const char *amount_text = NULL;
    const char *effective_text = NULL;
    cli_opt extra[] = {{"code", &code, NULL},
                       {"amount", &amount_text, NULL},
                       {"effective", &effective_text, NULL},
                       {NULL, NULL, NULL}};
    contracts_rate_change_result res;
    contracts_agreement_t a;
    tl_err err = TL_ERR_INIT;
    tl_money amount;
    tl_date effective = 0;
    char before[32];
    int rc;

    rc = ref_and_account(c, argc, argv, extra, &ref, &account);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (code == NULL)
        return cli_usage_error(c, "--code is required");
    if (amount_text == NULL)
        return cli_usage_error(c, "--amount is required");
    if (cli_date_arg(c, "effective", effective_text, &effective) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = contracts_agreement_get(&a, c->db, account, ref, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (tl_money_parse(&amount, amount_text, a.currency) != 0) {
        tl_err_add(&err, "format", "amount",
                   "--amount must be a plain decimal amount in %s, not "
                   "\"%s\"",
                   a.currency, amount_text);
        return cli_fail(c, TL_EINVALID, &err);
    }
    rc = contracts_change_rate(&res, c->db, account, ref, code, &amount,
                               effective, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:s, s:s, s:o, s:o, s:o, s:b}", "accountNumber", account,
            "ref", ref, "code", code, "effectiveDate", cli_date_json(effective),
            "before", cli_money_json(&res.before), "after",
            cli_money_json(&amount), "created", res.created));
    tl_money_format(before, sizeof(before), &res.before);
    printf("rate of %s under %s %s: %s %s -> %s from %s\n", code, ref,
           res.created ? "changed" : "already changed", a.currency, before,
           amount_text, effective_text);
    return CLI_EXIT_OK;
}

const cli_command cli_contracts_commands[] = {
    {"contracts", "load", "load an agreement with its terms and rates",
     "trunkline contracts load FILE [--json]\n"
     "FILE is JSON: {\"ref\", \"accountNumber\", \"startDate\","
     " \"termMonths\", \"autoAcceptanceDays\",\n"
     " \"currency\", \"rates\": [{\"code\", \"amount\": \"1150.00\"}],\n"
     " optional: \"renewal\": \"none\"|\"evergreen\"|\"renew_n\","
     " \"renewalMonths\", \"noticeDays\",\n"
     " \"minimumCommitment\": \"20000.00\", \"etfPercent\": \"50\" or"
     " \"etfFixed\": \"5000.00\",\n"
     " \"escalatorPercent\": \"3\"}\n",
     run_load},
    {"contracts", "import", "import wholesale agreements from CSV or JSON",
     "trunkline contracts import FILE.csv|FILE.json [--json]\n"
     "JSON: an array of agreements as for contracts load.\n"
     "CSV header: ref,accountNumber,startDate,termMonths,renewal,"
     "renewalMonths,noticeDays,\n"
     " autoAcceptanceDays,minimumCommitment,etfPercent,etfFixed,"
     "escalatorPercent,currency,code,amount\n"
     " (one row per agreement and rate). A bad file imports nothing.\n",
     run_import},
    {"contracts", "show", "show an agreement: terms, rates, amendments",
     "trunkline contracts show REF --account NUMBER [--json]\n", run_show},
    {"contracts", "price", "the price of a service code on a date",
     "trunkline contracts price --account NUMBER --code CODE [--on DATE]"
     " [--json]\n",
     run_price},
    {"contracts", "expiring", "agreements ending soon, with notice deadlines",
     "trunkline contracts expiring --within DAYS [--as-of DATE] [--json]\n",
     run_expiring},
    {"contracts", "renew", "apply the auto-renewals due on a date",
     "trunkline contracts renew --as-of DATE [--json]\n", run_renew},
    {"contracts", "change-rate", "change a contracted rate from a date on",
     "trunkline contracts change-rate REF --account NUMBER --code CODE"
     " --amount AMOUNT\n"
     "  --effective DATE [--json]\n",
     run_change_rate},
    {"contracts", "terminate", "terminate an agreement and compute its ETF",
     "trunkline contracts terminate REF --account NUMBER --date DATE"
     " --reason TEXT [--json]\n",
     run_terminate},
    {NULL, NULL, NULL, NULL, NULL}};
