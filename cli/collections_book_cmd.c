/*
 * trunkline dispute | promise | dunning | contact | worklist | shutout:
 * working the book (collections/book.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "cli/cli.h"
#include "collections/book.h"

#define PARSE(opts, pos, max)                                                  \
    do {                                                                       \
        int prc_ = cli_parse(c, argc, argv, (opts), (pos), (max), &npos);      \
        if (prc_ != 0)                                                         \
            return prc_ > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;                    \
    } while (0)

/* A date option that defaults to today. */
static int opt_date(const cli_ctx *c, const char *opt, const char *text,
                    tl_date *out)
{
    if (text == NULL) {
        *out = cli_today();
        return 0;
    }
    return cli_date_arg(c, opt, text, out);
}

static int one_id(cli_ctx *c, int npos, const char **pos, const char *what,
                  int64_t *id)
{
    if (npos != 1)
        return cli_usage_error(c, "name the %s by its number", what);
    if (cli_int_arg(c, what, pos[0], 1, INT64_MAX, id) != 0)
        return CLI_EXIT_USAGE;
    return 0;
}

static int parse_amount(tl_money *out, const char *text, const char *cur,
                        tl_err *err)
{
    if (tl_money_parse(out, text, cur) == 0)
        return 0;
    return tl_err_add(err, "format", "amount",
                      "amount must be a plain decimal with at most %d "
                      "decimals for %s, not \"%s\"",
                      tl_currency_exponent(cur), cur, text);
}

static const char *day_text(char buf[16], tl_date d)
{
    if (tl_date_format(buf, 16, d) < 0)
        snprintf(buf, 16, "?");
    return buf;
}

static const char *money_text(char buf[32], const tl_money *m)
{
    if (tl_money_format(buf, 32, m) < 0)
        snprintf(buf, 32, "?");
    return buf;
}

static const char *minor_text(char buf[32], int64_t minor, const char *cur)
{
    tl_money m;

    if (tl_money_make(&m, minor, cur) != 0)
        snprintf(buf, 32, "?");
    else
        money_text(buf, &m);
    return buf;
}

/* Collects JSON rows or prints text through a per-command line printer. */
typedef struct list_out {
    json_t *rows; /* NULL for text */
    int count;
} list_out;

static int append(list_out *out, json_t *o)
{
    out->count++;
    if (o == NULL || json_array_append_new(out->rows, o) != 0)
        return TL_ERROR;
    return 0;
}

static int finish_list(cli_ctx *c, list_out *out, int rc, tl_err *err,
                       const char *key, const char *empty)
{
    if (rc < 0) {
        json_decref(out->rows);
        return cli_fail(c, rc, err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", key, out->rows));
    if (out->count == 0)
        printf("%s\n", empty);
    return CLI_EXIT_OK;
}

/* ---- dispute ---- */

static int run_dispute_open(cli_ctx *c, int argc, char **argv)
{
    const char *invoice = NULL;
    const char *line_text = NULL;
    const char *amount_text = NULL;
    const char *reason = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {
        {"invoice", &invoice, NULL},    {"line", &line_text, NULL},
        {"amount", &amount_text, NULL}, {"reason", &reason, NULL},
        {"date", &date_text, NULL},     {NULL, NULL, NULL}};
    const char *pos[1];
    collections_dispute_in in;
    tl_err err = TL_ERR_INIT;
    int64_t line_no = 0;
    int64_t id = 0;
    char cur[4];
    char buf[32];
    int created = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (invoice == NULL)
        return cli_usage_error(c, "--invoice is required");
    if (amount_text == NULL)
        return cli_usage_error(c, "--amount is required");
    memset(&in, 0, sizeof(in));
    if (line_text != NULL &&
        cli_int_arg(c, "line", line_text, 1, 100000, &line_no) != 0)
        return CLI_EXIT_USAGE;
    if (opt_date(c, "date", date_text, &in.opened_on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_invoice_currency(cur, c->db, invoice, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = parse_amount(&in.amount, amount_text, cur, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    in.invoice_number = invoice;
    in.line_no = (int)line_no;
    in.reason = reason;
    in.actor = c->actor;
    rc = collections_dispute_open(&id, &created, c->db, &in, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:b, s:s, s:i, s:o, s:s}", "disputeId", (json_int_t)id,
            "created", created, "invoice", invoice, "line", (int)line_no,
            "amount", cli_money_json(&in.amount), "state", "open"));
    printf("dispute %lld %s: %s %s of %s%s%s\n", (long long)id,
           created ? "opened" : "was already open", in.amount.cur,
           money_text(buf, &in.amount), invoice, line_no ? " line " : "",
           line_no ? line_text : "");
    return CLI_EXIT_OK;
}

static int dispute_line(const collections_dispute *d, void *cls, tl_err *err)
{
    list_out *out = cls;
    char amount[32];
    char opened[16];

    (void)err;
    if (out->rows != NULL)
        return append(
            out,
            json_pack("{s:I, s:s, s:s, s:i, s:s, s:o, s:s, s:i, s:s, s:s, s:s}",
                      "disputeId", (json_int_t)d->dispute_id, "account",
                      d->account_number, "invoice", d->invoice_number, "line",
                      d->line_no, "reason", d->reason, "amount",
                      cli_money_json(&d->amount), "openedOn",
                      day_text(opened, d->opened_on), "ageDays", d->age_days,
                      "state", d->state, "creditMemo", d->credit_memo, "note",
                      d->note));
    out->count++;
    printf("%-6lld %-10s %-12s %4d %-3s %11s %-10s %4d  %-9s %-10s %s\n",
           (long long)d->dispute_id, d->account_number, d->invoice_number,
           d->line_no, d->amount.cur, money_text(amount, &d->amount),
           day_text(opened, d->opened_on), d->age_days, d->state,
           d->credit_memo[0] ? d->credit_memo : "-", d->reason);
    return 0;
}

static int run_dispute_list(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *state = NULL;
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"state", &state, NULL},
                            {"as-of", &as_of_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    tl_date as_of;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (opt_date(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    else
        printf("%-6s %-10s %-12s %4s %-3s %11s %-10s %4s  %-9s %-10s %s\n",
               "id", "account", "invoice", "line", "cur", "amount", "opened",
               "age", "state", "memo", "reason");
    rc = collections_disputes(c->db, account, state, as_of, dispute_line, &out,
                              &err);
    return finish_list(c, &out, rc, &err, "disputes", "(no disputes)");
}

static int dispute_change(cli_ctx *c, int argc, char **argv, const char *verb)
{
    const char *date_text = NULL;
    const char *note = NULL;
    const cli_opt opts[] = {
        {"date", &date_text, NULL}, {"note", &note, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int64_t memo = 0;
    tl_date on;
    int npos;
    int rc;

    PARSE(opts, pos, 1);
    rc = one_id(c, npos, pos, "dispute", &id);
    if (rc != 0)
        return rc;
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (strcmp(verb, "forward") == 0)
        rc = collections_dispute_forward(c->db, id, on, c->actor, &err);
    else if (strcmp(verb, "resolve") == 0)
        rc = collections_dispute_resolve(&memo, c->db, id, on, note, c->actor,
                                         &err);
    else
        rc = collections_dispute_deny(c->db, id, on, note, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:s, s:o}", "disputeId", (json_int_t)id, "state",
            strcmp(verb, "forward") == 0   ? "forwarded"
            : strcmp(verb, "resolve") == 0 ? "resolved"
                                           : "denied",
            "creditMemo",
            memo ? json_sprintf("CM-D%lld", (long long)id) : json_null()));
    if (memo)
        printf("dispute %lld resolved: credit memo CM-D%lld posted\n",
               (long long)id, (long long)id);
    else
        printf("dispute %lld %s\n", (long long)id,
               strcmp(verb, "forward") == 0 ? "forwarded to billing"
                                            : "denied");
    return CLI_EXIT_OK;
}

static int run_dispute_forward(cli_ctx *c, int argc, char **argv)
{
    return dispute_change(c, argc, argv, "forward");
}

static int run_dispute_resolve(cli_ctx *c, int argc, char **argv)
{
    return dispute_change(c, argc, argv, "resolve");
}

static int run_dispute_deny(cli_ctx *c, int argc, char **argv)
{
    return dispute_change(c, argc, argv, "deny");
}

/* ---- promise ---- */

static int account_currency(cli_ctx *c, const char *account, char cur[4],
                            tl_err *err)
{
    accounts_account_t acct;
    int rc = accounts_get(&acct, c->db, account, err);

    if (rc == 0)
        snprintf(cur, 4, "%s", acct.currency);
    return rc;
}

static int run_promise_add(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *amount_text = NULL;
    const char *by_text = NULL;
    const char *date_text = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"amount", &amount_text, NULL},
                            {"by", &by_text, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    tl_money amount;
    tl_date made;
    tl_date by;
    int64_t id = 0;
    char cur[4];
    char buf[32];
    char day[16];
    int created = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if (amount_text == NULL)
        return cli_usage_error(c, "--amount is required");
    if (cli_date_arg(c, "by", by_text, &by) != 0 ||
        opt_date(c, "date", date_text, &made) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = account_currency(c, account, cur, &err);
    if (rc == 0)
        rc = parse_amount(&amount, amount_text, cur, &err);
    if (rc == 0)
        rc = collections_promise_add(&id, &created, c->db, account, &amount,
                                     made, by, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:b, s:s, s:o, s:o, s:s}",
                                        "promiseId", (json_int_t)id, "created",
                                        created, "account", account, "amount",
                                        cli_money_json(&amount), "by",
                                        cli_date_json(by), "state", "pending"));
    printf("promise %lld %s: %s pays %s %s by %s\n", (long long)id,
           created ? "recorded" : "was already recorded", account, cur,
           money_text(buf, &amount), day_text(day, by));
    return CLI_EXIT_OK;
}

#define MAX_INSTALLMENTS 60

/* "2026-12-20:4000.00,2027-01-20:4000.00" */
static int parse_installments(collections_installment *inst, size_t *n,
                              const char *text, const char *cur, tl_err *err)
{
    char buf[4096];
    char field[48];
    char *save = NULL;
    char *item;

    *n = 0;
    if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
        return tl_err_add(err, "too_long", "installments",
                          "the schedule is too long");
    for (item = strtok_r(buf, ",", &save); item != NULL;
         item = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(item, ':');

        snprintf(field, sizeof(field), "installments[%zu]", *n);
        if (*n >= MAX_INSTALLMENTS)
            return tl_err_add(err, "range", "installments",
                              "at most %d installments", MAX_INSTALLMENTS);
        if (colon == NULL) {
            tl_err_add(err, "format", field,
                       "an installment is DATE:AMOUNT, not \"%s\"", item);
            continue;
        }
        *colon = '\0';
        if (tl_date_parse(&inst[*n].due, item) != 0)
            tl_err_add(err, "format", field, "\"%s\" is not a date", item);
        if (tl_money_parse(&inst[*n].amount, colon + 1, cur) != 0)
            tl_err_add(err, "format", field, "\"%s\" is not an amount in %s",
                       colon + 1, cur);
        (*n)++;
    }
    if (*n == 0)
        tl_err_add(err, "required", "installments",
                   "give at least one DATE:AMOUNT");
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

static int run_promise_arrange(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *schedule = NULL;
    const char *date_text = NULL;
    const char *note = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"installments", &schedule, NULL},
                            {"date", &date_text, NULL},
                            {"note", &note, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    collections_installment inst[MAX_INSTALLMENTS];
    tl_err err = TL_ERR_INIT;
    tl_date made;
    int64_t id = 0;
    size_t n = 0;
    char cur[4];
    int created = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if (schedule == NULL)
        return cli_usage_error(c, "--installments is required");
    if (opt_date(c, "date", date_text, &made) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = account_currency(c, account, cur, &err);
    if (rc == 0)
        rc = parse_installments(inst, &n, schedule, cur, &err);
    if (rc == 0)
        rc = collections_arrangement_add(&id, &created, c->db, account, made,
                                         inst, n, note, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:b, s:s, s:i}", "arrangementId", (json_int_t)id, "created",
            created, "account", account, "installments", (int)n));
    printf("arrangement %lld %s: %s in %zu installment%s\n", (long long)id,
           created ? "recorded" : "was already recorded", account, n,
           n == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

static int promise_line(const collections_promise *p, void *cls, tl_err *err)
{
    list_out *out = cls;
    char amount[32];
    char paid[32];
    char made[16];
    char by[16];

    (void)err;
    if (out->rows != NULL)
        return append(
            out,
            json_pack(
                "{s:I, s:s, s:I, s:i, s:o, s:o, s:o, s:o, s:s}", "promiseId",
                (json_int_t)p->promise_id, "account", p->account_number,
                "arrangementId", (json_int_t)p->arrangement_id, "installment",
                p->installment_no, "amount", cli_money_json(&p->amount), "paid",
                cli_money_json(&p->paid), "madeOn", cli_date_json(p->made_on),
                "by", cli_date_json(p->promised_date), "state", p->state));
    out->count++;
    printf("%-6lld %-10s %-8s %-10s %-10s %-3s %11s %11s  %s\n",
           (long long)p->promise_id, p->account_number,
           p->arrangement_id ? "install" : "promise",
           day_text(made, p->made_on), day_text(by, p->promised_date),
           p->amount.cur, money_text(amount, &p->amount),
           money_text(paid, &p->paid), p->state);
    return 0;
}

static int run_promise_list(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *state = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"state", &state, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    else
        printf("%-6s %-10s %-8s %-10s %-10s %-3s %11s %11s  %s\n", "id",
               "account", "kind", "made", "by", "cur", "amount", "paid",
               "state");
    rc = collections_promises(c->db, account, state, promise_line, &out, &err);
    return finish_list(c, &out, rc, &err, "promises", "(no promises)");
}

static int run_promise_evaluate(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    collections_promise_eval ev;
    tl_err err = TL_ERR_INIT;
    tl_date as_of;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (opt_date(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_promises_evaluate(&ev, c->db, as_of, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:o, s:i, s:i, s:i}", "asOf", cli_date_json(as_of), "kept",
            ev.kept, "broken", ev.broken, "pending", ev.pending));
    printf("promises evaluated: %d kept, %d broken, %d still pending\n",
           ev.kept, ev.broken, ev.pending);
    return CLI_EXIT_OK;
}

/* ---- dunning ---- */

static int action_line(const collections_dunning_action *a, void *cls,
                       tl_err *err)
{
    list_out *out = cls;
    char amount[32];

    (void)err;
    if (out->rows != NULL)
        return append(out,
                      json_pack("{s:s, s:o, s:i, s:s, s:s, s:i, s:o}",
                                "account", a->account_number, "date",
                                cli_date_json(a->action_date), "step",
                                a->step_no, "class", a->dunning_class, "action",
                                a->action, "daysPastDue", a->days_past_due,
                                "amount", cli_money_json(&a->amount)));
    out->count++;
    printf("%-10s %-10s %4d %-18s %5d %-3s %11s\n", a->account_number,
           a->dunning_class, a->step_no, a->action, a->days_past_due,
           a->amount.cur, money_text(amount, &a->amount));
    return 0;
}

static int list_actions(cli_ctx *c, tl_date as_of, const char *account,
                        json_t **rows, tl_err *err)
{
    list_out out = {NULL, 0};
    int rc;

    if (c->json)
        out.rows = json_array();
    else
        printf("%-10s %-10s %4s %-18s %5s %-3s %11s\n", "account", "class",
               "step", "action", "days", "cur", "amount");
    rc = collections_dunning_actions(c->db, as_of, account, action_line, &out,
                                     err);
    if (rc < 0) {
        json_decref(out.rows);
        return rc;
    }
    if (!c->json && out.count == 0)
        printf("(no dunning actions)\n");
    *rows = out.rows;
    return 0;
}

static int run_dunning_run(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    collections_dunning_result res;
    tl_err err = TL_ERR_INIT;
    json_t *rows = NULL;
    tl_date as_of;
    char day[16];
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (cli_date_arg(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_dunning_run(&res, c->db, as_of, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (!c->json)
        printf("dunning as of %s: %d action%s created, %d shutout "
               "recommendation%s, %d released; promises %d kept, %d broken\n",
               day_text(day, as_of), res.actions, res.actions == 1 ? "" : "s",
               res.shutouts, res.shutouts == 1 ? "" : "s", res.released,
               res.promises.kept, res.promises.broken);
    rc = list_actions(c, as_of, NULL, &rows, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:o, s:i, s:i, s:i, s:i, s:i, s:o}", "asOf", cli_date_json(as_of),
            "created", res.actions, "shutouts", res.shutouts, "released",
            res.released, "promisesKept", res.promises.kept, "promisesBroken",
            res.promises.broken, "actions", rows));
    return CLI_EXIT_OK;
}

static int run_dunning_list(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const char *account = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL},
                            {"account", &account, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *rows = NULL;
    tl_date as_of;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (opt_date(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = list_actions(c, as_of, account, &rows, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:o, s:o}", "asOf",
                                        cli_date_json(as_of), "actions", rows));
    return CLI_EXIT_OK;
}

static int run_dunning_class(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *klass = NULL;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"class", &klass, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL || klass == NULL)
        return cli_usage_error(c, "--account and --class are required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_set_class(c->db, account,
                               strcmp(klass, "default") == 0 ? NULL : klass,
                               c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:s}", "account", account, "class", klass));
    printf("%s dunned as %s\n", account, klass);
    return CLI_EXIT_OK;
}

/* ---- contact ---- */

static int run_contact_add(cli_ctx *c, int argc, char **argv)
{
    const char *date_text = NULL;
    collections_contact_in in;
    const cli_opt opts[] = {{"account", &in.account_number, NULL},
                            {"channel", &in.channel, NULL},
                            {"outcome", &in.outcome, NULL},
                            {"note", &in.note, NULL},
                            {"date", &date_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int created = 0;
    int npos;
    int rc;

    memset(&in, 0, sizeof(in));
    in.outcome = "none";
    PARSE(opts, pos, 0);
    if (in.account_number == NULL || in.channel == NULL)
        return cli_usage_error(c, "--account and --channel are required");
    if (opt_date(c, "date", date_text, &in.date) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    in.actor = c->actor;
    rc = collections_contact_add(&id, &created, c->db, &in, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:b}", "contactId",
                                        (json_int_t)id, "created", created));
    printf("contact %lld %s: %s %s (%s)\n", (long long)id,
           created ? "logged" : "was already logged", in.account_number,
           in.channel, in.outcome);
    return CLI_EXIT_OK;
}

static int contact_line(const collections_contact *ct, void *cls, tl_err *err)
{
    list_out *out = cls;
    char day[16];

    (void)err;
    if (out->rows != NULL)
        return append(
            out, json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:s}", "contactId",
                           (json_int_t)ct->contact_id, "account",
                           ct->account_number, "date", cli_date_json(ct->date),
                           "channel", ct->channel, "outcome", ct->outcome,
                           "note", ct->note, "loggedBy", ct->logged_by));
    out->count++;
    printf("%-10s %-10s %-6s %-12s %-14s %s\n", day_text(day, ct->date),
           ct->account_number, ct->channel, ct->outcome, ct->logged_by,
           ct->note);
    return 0;
}

static int run_contact_list(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const cli_opt opts[] = {{"account", &account, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = collections_contacts(c->db, account, contact_line, &out, &err);
    return finish_list(c, &out, rc, &err, "contacts", "(no contacts)");
}

/* ---- worklist ---- */

static int work_line(const collections_work_item *w, void *cls, tl_err *err)
{
    list_out *out = cls;
    char at_risk[32];
    char disputed[32];
    char total[32];
    char limit[32];

    (void)err;
    minor_text(at_risk, w->at_risk, w->currency);
    minor_text(disputed, w->disputed, w->currency);
    minor_text(total, w->open_total, w->currency);
    if (w->credit_limit >= 0)
        minor_text(limit, w->credit_limit, w->currency);
    else
        snprintf(limit, sizeof(limit), "-");
    if (out->rows != NULL)
        return append(out, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
                                     "s:i, s:i, s:b, s:s}",
                                     "rank", w->rank, "account",
                                     w->account_number, "name", w->account_name,
                                     "collector", w->collector, "currency",
                                     w->currency, "atRisk", at_risk, "disputed",
                                     disputed, "openTotal", total, "oldestDays",
                                     w->oldest_days, "brokenPromises",
                                     w->broken_promises, "overCreditLimit",
                                     w->over_limit, "creditLimit", limit));
    out->count++;
    printf("%3d %-10s %-3s %12s %11s %12s %5d %6d %-5s %-12s\n", w->rank,
           w->account_number, w->currency, at_risk, disputed, total,
           w->oldest_days, w->broken_promises, w->over_limit ? "yes" : "no",
           w->collector[0] ? w->collector : "-");
    return 0;
}

static int run_worklist(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const char *collector = NULL;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL},
                            {"collector", &collector, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    tl_date as_of;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (opt_date(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    else
        printf("%3s %-10s %-3s %12s %11s %12s %5s %6s %-5s %-12s\n", "#",
               "account", "cur", "at risk", "disputed", "open total", "days",
               "broken", "limit", "collector");
    rc = collections_worklist(c->db, as_of, collector, work_line, &out, &err);
    return finish_list(c, &out, rc, &err, "worklist",
                       "(nothing past due to work)");
}

static int run_worklist_assign(cli_ctx *c, int argc, char **argv)
{
    const char *account = NULL;
    const char *collector = NULL;
    int unassign = 0;
    const cli_opt opts[] = {{"account", &account, NULL},
                            {"collector", &collector, NULL},
                            {"unassign", NULL, &unassign},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    if (account == NULL)
        return cli_usage_error(c, "--account is required");
    if ((collector == NULL) == !unassign)
        return cli_usage_error(c, "give --collector NAME or --unassign");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_assign(c->db, account, collector, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:s?}", "account", account,
                                        "collector", collector));
    printf("%s %s%s\n", account, collector ? "assigned to " : "unassigned",
           collector ? collector : "");
    return CLI_EXIT_OK;
}

/* ---- shutout ---- */

static int shutout_line(const collections_shutout *s, void *cls, tl_err *err)
{
    list_out *out = cls;
    char amount[32];
    char day[16];

    (void)err;
    if (out->rows != NULL)
        return append(
            out, json_pack("{s:I, s:s, s:s, s:o, s:s, s:i, s:o, "
                           "s:s, s:s, s:i}",
                           "shutoutId", (json_int_t)s->shutout_id, "account",
                           s->account_number, "state", s->state,
                           "recommendedOn", cli_date_json(s->recommended_on),
                           "reason", s->reason, "daysPastDue", s->days_past_due,
                           "amount", cli_money_json(&s->amount), "approvedBy",
                           s->approved_by, "releaseReason", s->release_reason,
                           "circuits", s->circuits));
    out->count++;
    printf("%-6lld %-10s %-11s %-10s %-3s %11s %8d  %s\n",
           (long long)s->shutout_id, s->account_number, s->state,
           day_text(day, s->recommended_on), s->amount.cur,
           money_text(amount, &s->amount), s->circuits, s->reason);
    return 0;
}

static int run_shutout_list(cli_ctx *c, int argc, char **argv)
{
    const char *state = NULL;
    const cli_opt opts[] = {{"state", &state, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    list_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    PARSE(opts, pos, 0);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    else
        printf("%-6s %-10s %-11s %-10s %-3s %11s %8s  %s\n", "id", "account",
               "state", "since", "cur", "amount", "circuits", "reason");
    rc = collections_shutouts(c->db, state, shutout_line, &out, &err);
    return finish_list(c, &out, rc, &err, "shutouts", "(no shutouts)");
}

static int run_shutout_approve(cli_ctx *c, int argc, char **argv)
{
    const char *date_text = NULL;
    const cli_opt opts[] = {{"date", &date_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    tl_date on;
    int requests = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 1);
    rc = one_id(c, npos, pos, "shutout", &id);
    if (rc != 0)
        return rc;
    if (opt_date(c, "date", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = collections_shutout_approve(&requests, c->db, id, on, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s, s:i}", "shutoutId",
                                        (json_int_t)id, "state", "approved",
                                        "suspendRequests", requests));
    printf("shutout %lld approved: %d suspend request%s sent to "
           "provisioning\n",
           (long long)id, requests, requests == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

static int run_shutout_release(cli_ctx *c, int argc, char **argv)
{
    const char *date_text = NULL;
    const char *reason = NULL;
    const cli_opt opts[] = {{"as-of", &date_text, NULL},
                            {"reason", &reason, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    tl_date on;
    int count = 0;
    int npos;
    int rc;

    PARSE(opts, pos, 1);
    if (npos == 1 && cli_int_arg(c, "shutout", pos[0], 1, INT64_MAX, &id) != 0)
        return CLI_EXIT_USAGE;
    if (opt_date(c, "as-of", date_text, &on) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (id != 0)
        rc = collections_shutout_release(&count, c->db, id, on,
                                         reason ? reason : "released by hand",
                                         c->actor, &err);
    else
        rc = collections_shutout_release_due(&count, c->db, on, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:s, s:i}", "shutoutId",
                                        (json_int_t)id, "mode",
                                        id ? "one" : "due", "count", count));
    if (id != 0)
        printf("shutout %lld released: %d provisioning request%s\n",
               (long long)id, count, count == 1 ? "" : "s");
    else
        printf("%d shutout%s released (paid or promised)\n", count,
               count == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

const cli_command cli_collections_book_commands[] = {
    {"dispute", "open", "dispute an invoice or one of its lines",
     "trunkline dispute open --invoice NUMBER --amount 1200.00 --reason TEXT\n"
     "          [--line N] [--date DATE] [--json]\n"
     "The disputed amount is shown apart in aging and not dunned while the\n"
     "dispute is open. Opening the same dispute again changes nothing.\n",
     run_dispute_open},
    {"dispute", "list", "disputes with their age and state",
     "trunkline dispute list [--account NUMBER] [--state open|forwarded|"
     "resolved|denied]\n          [--as-of DATE] [--json]\n",
     run_dispute_list},
    {"dispute", "forward", "forward a dispute to billing",
     "trunkline dispute forward ID [--date DATE] [--json]\n",
     run_dispute_forward},
    {"dispute", "resolve", "resolve a dispute with a linked credit memo",
     "trunkline dispute resolve ID [--date DATE] [--note TEXT] [--json]\n"
     "Posts credit memo CM-D<ID> for the disputed amount against the "
     "invoice.\n",
     run_dispute_resolve},
    {"dispute", "deny", "deny a dispute (its amount is dunned again)",
     "trunkline dispute deny ID --note TEXT [--date DATE] [--json]\n",
     run_dispute_deny},
    {"promise", "add", "record a promise to pay",
     "trunkline promise add --account NUMBER --amount 4000.00 --by DATE\n"
     "          [--date DATE] [--json]\n",
     run_promise_add},
    {"promise", "arrange", "record a payment arrangement (installments)",
     "trunkline promise arrange --account NUMBER\n"
     "          --installments 2026-12-20:4000.00,2027-01-20:4000.00\n"
     "          [--date DATE] [--note TEXT] [--json]\n",
     run_promise_arrange},
    {"promise", "list", "promises and installments with their state",
     "trunkline promise list [--account NUMBER] [--state pending|kept|broken]"
     " [--json]\n",
     run_promise_list},
    {"promise", "evaluate", "mark pending promises kept or broken",
     "trunkline promise evaluate --as-of DATE [--json]\n"
     "Kept when the cash applied in the promise's window reaches it; broken\n"
     "when its date has passed and it does not.\n",
     run_promise_evaluate},
    {"dunning", "run", "generate the day's dunning actions",
     "trunkline dunning run --as-of DATE [--json]\n"
     "Evaluates promises, releases shutouts no longer warranted, and gives\n"
     "each delinquent account its policy step; running again the same day\n"
     "creates nothing.\n",
     run_dunning_run},
    {"dunning", "list", "dunning actions of a day",
     "trunkline dunning list [--as-of DATE] [--account NUMBER] [--json]\n",
     run_dunning_list},
    {"dunning", "class", "set an account's dunning class",
     "trunkline dunning class --account NUMBER "
     "--class wholesale|enterprise|default\n          [--json]\n",
     run_dunning_class},
    {"contact", "add", "log a call, email, letter or note",
     "trunkline contact add --account NUMBER --channel call|email|note|letter"
     "\n          [--outcome reached|no_answer|left_message|promised|"
     "disputed|refused|sent|none]\n          [--note TEXT] [--date DATE] "
     "[--json]\n",
     run_contact_add},
    {"contact", "list", "the contact log, newest first",
     "trunkline contact list [--account NUMBER] [--json]\n", run_contact_list},
    {"worklist", "assign", "assign an account to a collector",
     "trunkline worklist assign --account NUMBER (--collector NAME | "
     "--unassign)\n          [--json]\n",
     run_worklist_assign},
    {"worklist", NULL, "the collector work queue",
     "trunkline worklist [--as-of DATE] [--collector NAME] [--json]\n"
     "Ordered by undisputed amount past due, then age, broken promises and\n"
     "credit-limit breach.\n",
     run_worklist},
    {"shutout", "list", "shutout recommendations",
     "trunkline shutout list [--state recommended|approved|released|"
     "withdrawn] [--json]\n",
     run_shutout_list},
    {"shutout", "approve", "approve a shutout: suspend requests",
     "trunkline shutout approve ID [--date DATE] [--json]\n"
     "Sends provisioning a suspend request for each active circuit not "
     "under\ndispute.\n",
     run_shutout_approve},
    {"shutout", "release", "release a shutout: restore requests",
     "trunkline shutout release [ID] [--as-of DATE] [--reason TEXT] "
     "[--json]\n"
     "Without ID, releases every shutout whose account has paid or "
     "promised.\n",
     run_shutout_release},
    {NULL, NULL, NULL, NULL, NULL}};
