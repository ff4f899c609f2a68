/*
 * trunkline commission plan | run | show | approve | adjust | export | audit
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "cli/cli.h"
#include "commissions/commissions.h"

static int month_arg(const cli_ctx *c, const char *text, int *year, int *month)
{
    if (text == NULL)
        return cli_usage_error(c, "--month YYYY-MM is required");
    if (tl_month_parse(year, month, text) != 0)
        return cli_usage_error(c, "--month must be YYYY-MM, not \"%s\"", text);
    return 0;
}

static void money_text(char *buf, size_t size, const tl_money *m)
{
    if (tl_money_format(buf, size, m) < 0)
        snprintf(buf, size, "?");
}

static void rate_text(char *buf, size_t size, int64_t ppm)
{
    if (commissions_rate_format(buf, size, ppm) < 0)
        snprintf(buf, size, "?");
}

/* ---- commission plan ---- */

typedef struct plan_out {
    json_t *arr;
    int count;
} plan_out;

static int plan_line(const commissions_plan_t *p, void *cls, tl_err *err)
{
    plan_out *o = cls;
    char rate[16];
    char from[16];
    char to[16];
    char tiers[256];
    size_t i;
    size_t len = 0;

    (void)err;
    o->count++;
    rate_text(rate, sizeof(rate), p->rate_ppm);
    tl_date_format(from, sizeof(from), p->valid_from);
    to[0] = '\0';
    if (p->has_valid_to)
        tl_date_format(to, sizeof(to), p->valid_to);
    tiers[0] = '\0';
    for (i = 0; i < p->n_tiers; i++) {
        tl_money above;
        char a[32];
        char r[16];
        int n;

        if (tl_money_make(&above, p->tiers[i].above_minor, p->tier_currency) !=
            0)
            continue;
        money_text(a, sizeof(a), &above);
        rate_text(r, sizeof(r), p->tiers[i].rate_ppm);
        n = snprintf(tiers + len, sizeof(tiers) - len, "%s%s:%s", i ? "," : "",
                     a, r);
        if (n < 0 || (size_t)n >= sizeof(tiers) - len)
            break;
        len += (size_t)n;
    }
    if (o->arr != NULL) {
        json_t *row = json_pack(
            "{s:I, s:s, s:s, s:s?, s:s, s:i, s:i, s:s, s:s?, s:s, s:s}",
            "planId", (json_int_t)p->plan_id, "agent", p->agent_ref, "kind",
            p->kind, "product", p->product_id[0] ? p->product_id : NULL,
            "ratePercent", rate, "termMonths", p->term_months, "clawbackMonths",
            p->clawback_months, "from", from, "to", p->has_valid_to ? to : NULL,
            "tiers", tiers, "tierCurrency", p->tier_currency);
        return json_array_append_new(o->arr, row) == 0 ? 0 : TL_ERROR;
    }
    printf("  %-10s %-20s %-8s %7s%%  term %-3d clawback %-3d from %s%s%s"
           "%s%s%s\n",
           p->agent_ref, p->kind, p->product_id[0] ? p->product_id : "*", rate,
           p->term_months, p->clawback_months, from, to[0] ? " to " : "", to,
           tiers[0] ? "  tiers " : "", tiers, tiers[0] ? p->tier_currency : "");
    return 0;
}

/* "10000.00:14,20000.00:15" into tiers. */
static int parse_tiers(const cli_ctx *c, const char *text, const char *cur,
                       commissions_plan_in *in)
{
    char buf[512];
    char *save = NULL;
    char *tok;

    if (strlen(text) >= sizeof(buf))
        return cli_usage_error(c, "--tiers is too long");
    snprintf(buf, sizeof(buf), "%s", text);
    for (tok = strtok_r(buf, ",", &save); tok != NULL;
         tok = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(tok, ':');
        tl_money above;

        if (in->n_tiers == COMMISSIONS_MAX_TIERS)
            return cli_usage_error(c, "at most %d tiers",
                                   COMMISSIONS_MAX_TIERS);
        if (colon == NULL)
            return cli_usage_error(c, "a tier is ABOVE:PERCENT, not \"%s\"",
                                   tok);
        *colon = '\0';
        if (tl_money_parse(&above, tok, cur) != 0)
            return cli_usage_error(c,
                                   "tier threshold \"%s\" is not an "
                                   "amount in %s",
                                   tok, cur);
        if (commissions_rate_parse(&in->tiers[in->n_tiers].rate_ppm,
                                   colon + 1) != 0)
            return cli_usage_error(c, "tier rate \"%s\" is not a percentage",
                                   colon + 1);
        in->tiers[in->n_tiers].above_minor = above.minor;
        in->n_tiers++;
    }
    in->tier_currency = cur;
    return 0;
}

static int run_plan(cli_ctx *c, int argc, char **argv)
{
    const char *agent = NULL;
    const char *kind = NULL;
    const char *product = NULL;
    const char *rate = NULL;
    const char *term = NULL;
    const char *clawback = NULL;
    const char *from = NULL;
    const char *tiers = NULL;
    const char *currency = "USD";
    const cli_opt opts[] = {
        {"agent", &agent, NULL},       {"kind", &kind, NULL},
        {"product", &product, NULL},   {"rate", &rate, NULL},
        {"term", &term, NULL},         {"clawback", &clawback, NULL},
        {"from", &from, NULL},         {"tiers", &tiers, NULL},
        {"currency", &currency, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    commissions_plan_in in;
    plan_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    int64_t v = 0;
    int64_t plan_id = 0;
    int created = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (kind == NULL) {
        /* no plan to define: list the plans */
        rc = cli_connect(c);
        if (rc != 0)
            return rc;
        if (c->json)
            out.arr = json_array();
        else
            printf("commission plans%s%s\n", agent ? " of " : "",
                   agent ? agent : "");
        rc = commissions_plans(c->db, agent, plan_line, &out, &err);
        if (rc < 0) {
            json_decref(out.arr);
            return cli_fail(c, rc, &err);
        }
        if (c->json)
            return cli_print_json(json_pack("{s:o}", "plans", out.arr));
        if (out.count == 0)
            printf("  (none)\n");
        return CLI_EXIT_OK;
    }
    memset(&in, 0, sizeof(in));
    if (agent == NULL)
        return cli_usage_error(c, "--agent is required");
    if (rate == NULL || commissions_rate_parse(&in.rate_ppm, rate) != 0)
        return cli_usage_error(c, "--rate PERCENT is required (e.g. 12 or "
                                  "12.5, more than 0 and at most 100)");
    if (term != NULL) {
        if (cli_int_arg(c, "term", term, 1, 240, &v) != 0)
            return CLI_EXIT_USAGE;
        in.term_months = (int)v;
    }
    if (clawback != NULL) {
        if (cli_int_arg(c, "clawback", clawback, 0, 120, &v) != 0)
            return CLI_EXIT_USAGE;
        in.clawback_months = (int)v;
    }
    if (from == NULL)
        return cli_usage_error(c, "--from DATE is required");
    if (cli_date_arg(c, "from", from, &in.valid_from) != 0)
        return CLI_EXIT_USAGE;
    if (tiers != NULL && parse_tiers(c, tiers, currency, &in) != 0)
        return CLI_EXIT_USAGE;
    in.agent_ref = agent;
    in.kind = kind;
    in.product_id = product;
    in.actor = c->actor;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = commissions_plan_put(&plan_id, &created, c->db, &in, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:I, s:b, s:s, s:s}", "planId",
                                        (json_int_t)plan_id, "created", created,
                                        "agent", agent, "kind", kind));
    printf("plan %lld for %s (%s %s%%) %s\n", (long long)plan_id, agent, kind,
           rate, created ? "defined" : "was already defined");
    return CLI_EXIT_OK;
}

/* ---- commission run ---- */

static int run_run(cli_ctx *c, int argc, char **argv)
{
    const char *agent = NULL;
    const char *month_text = NULL;
    const cli_opt opts[] = {{"agent", &agent, NULL},
                            {"month", &month_text, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    commissions_run_result res;
    tl_err err = TL_ERR_INIT;
    int year = 0;
    int month = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (month_arg(c, month_text, &year, &month) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = commissions_run(&res, c->db, agent, year, month, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:s?, s:i, s:i, s:i}", "month", month_text,
                      "agent", agent, "statements", res.statements, "lines",
                      res.lines, "approvedKept", res.approved_kept));
    printf("commission run %s%s%s: %d draft statement%s, %d line%s; %d "
           "approved statement%s left alone\n",
           month_text, agent ? " for " : "", agent ? agent : "", res.statements,
           res.statements == 1 ? "" : "s", res.lines, res.lines == 1 ? "" : "s",
           res.approved_kept, res.approved_kept == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

/* ---- commission show | approve | export ---- */

typedef struct stmt_args {
    const char *agent;
    const char *month_text;
    const char *currency;
    const char *format;
    const char *output;
    int year;
    int month;
} stmt_args;

static int parse_stmt(cli_ctx *c, int argc, char **argv, stmt_args *a,
                      int export)
{
    /* export takes --format and --output besides the statement's keys */
    const cli_opt opts[] = {
        {"agent", &a->agent, NULL},       {"month", &a->month_text, NULL},
        {"currency", &a->currency, NULL}, {"format", &a->format, NULL},
        {"output", &a->output, NULL},     {NULL, NULL, NULL}};
    const cli_opt *use = opts;
    cli_opt plain[4];
    const char *pos[1];
    int npos;
    int rc;

    if (!export) {
        memcpy(plain, opts, 3 * sizeof(opts[0]));
        memset(&plain[3], 0, sizeof(plain[3]));
        use = plain;
    }
    rc = cli_parse(c, argc, argv, use, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_HELP_SHOWN : CLI_EXIT_USAGE;
    if (a->agent == NULL)
        return cli_usage_error(c, "--agent is required");
    if (month_arg(c, a->month_text, &a->year, &a->month) != 0)
        return CLI_EXIT_USAGE;
    return cli_connect(c);
}

static void print_statement(const commissions_doc_t *doc)
{
    const commissions_statement_t *st = &doc->st;
    char a[6][32];
    size_t i;

    printf("commission statement %s: %s (%s), %s, %s%s%s\n", st->number,
           st->agent_name, st->agent_ref, st->month, st->status,
           st->approved_by[0] ? " by " : "", st->approved_by);
    printf("  %3s %-10s %-14s %-20s %12s %8s %12s\n", "#", "account", "circuit",
           "kind", "basis", "rate %", "amount");
    for (i = 0; i < doc->n_lines; i++) {
        const commissions_line_t *l = &doc->lines[i];
        char r[16];

        money_text(a[0], sizeof(a[0]), &l->basis);
        money_text(a[1], sizeof(a[1]), &l->amount);
        rate_text(r, sizeof(r), l->rate_ppm);
        printf("  %3d %-10s %-14s %-20s %12s %8s %12s  %s\n", l->line_no,
               l->account_number, l->circuit_id[0] ? l->circuit_id : "-",
               l->kind, a[0], r, a[1], l->description);
    }
    money_text(a[0], sizeof(a[0]), &st->lines_total);
    money_text(a[1], sizeof(a[1]), &st->carried_in);
    money_text(a[2], sizeof(a[2]), &st->payable);
    money_text(a[3], sizeof(a[3]), &st->carried_out);
    printf("  lines total %s %s, carried in %s, payable %s, carried to next "
           "statement %s\n",
           st->currency, a[0], a[1], a[2], a[3]);
    money_text(a[0], sizeof(a[0]), &st->billed_mrc);
    money_text(a[1], sizeof(a[1]), &st->basis_billed);
    money_text(a[2], sizeof(a[2]), &st->collected_mrc);
    money_text(a[3], sizeof(a[3]), &st->basis_collected);
    printf("  tie-out: MRC billed %s (commissioned basis %s), MRC collected "
           "%s (commissioned basis %s)\n",
           a[0], a[1], a[2], a[3]);
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    stmt_args a;
    commissions_doc_t doc;
    tl_err err = TL_ERR_INIT;
    char *text = NULL;
    int rc;

    memset(&a, 0, sizeof(a));
    rc = parse_stmt(c, argc, argv, &a, 0);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = commissions_statement_get(&doc, c->db, a.agent, a.year, a.month,
                                   a.currency, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        rc = commissions_render_json(&text, &doc, &err);
        commissions_statement_free(&doc);
        if (rc < 0)
            return cli_fail(c, rc, &err);
        printf("%s\n", text);
        free(text);
        return CLI_EXIT_OK;
    }
    print_statement(&doc);
    commissions_statement_free(&doc);
    return CLI_EXIT_OK;
}

static int run_approve(cli_ctx *c, int argc, char **argv)
{
    stmt_args a;
    tl_err err = TL_ERR_INIT;
    int approved = 0;
    int rc;

    memset(&a, 0, sizeof(a));
    rc = parse_stmt(c, argc, argv, &a, 0);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    rc = commissions_approve(&approved, c->db, a.agent, a.year, a.month,
                             a.currency, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:s, s:b}", "agent", a.agent,
                                        "month", a.month_text, "approved",
                                        approved));
    printf("commission statement of %s for %s %s\n", a.agent, a.month_text,
           approved ? "approved" : "was already approved");
    return CLI_EXIT_OK;
}

static int write_file(const char *path, const char *text, tl_err *err)
{
    FILE *f = fopen(path, "wb");
    size_t n = strlen(text);

    if (f == NULL)
        return tl_err_set(err, TL_ERROR, "io", "output", "cannot write %s",
                          path);
    if (fwrite(text, 1, n, f) != n) {
        fclose(f);
        return tl_err_set(err, TL_ERROR, "io", "output", "cannot write %s",
                          path);
    }
    if (fclose(f) != 0)
        return tl_err_set(err, TL_ERROR, "io", "output", "cannot write %s",
                          path);
    return 0;
}

static int run_export(cli_ctx *c, int argc, char **argv)
{
    stmt_args a;
    commissions_doc_t doc;
    tl_err err = TL_ERR_INIT;
    char *text = NULL;
    int rc;

    memset(&a, 0, sizeof(a));
    rc = parse_stmt(c, argc, argv, &a, 1);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (a.format == NULL)
        a.format = "csv";
    if (strcmp(a.format, "csv") != 0 && strcmp(a.format, "json") != 0 &&
        strcmp(a.format, "html") != 0)
        return cli_usage_error(c, "--format must be csv, json or html");
    rc = commissions_statement_get(&doc, c->db, a.agent, a.year, a.month,
                                   a.currency, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (strcmp(a.format, "csv") == 0)
        rc = commissions_render_csv(&text, &doc, &err);
    else if (strcmp(a.format, "json") == 0)
        rc = commissions_render_json(&text, &doc, &err);
    else
        rc = commissions_render_html(&text, &doc, &err);
    if (rc == 0 && a.output != NULL)
        rc = write_file(a.output, text, &err);
    if (rc < 0) {
        commissions_statement_free(&doc);
        free(text);
        return cli_fail(c, rc, &err);
    }
    if (a.output == NULL && c->json) {
        /* the document as a string, so --json always prints JSON */
        rc = cli_print_json(json_pack(
            "{s:s, s:s, s:i, s:s}", "statement", doc.st.number, "format",
            a.format, "lines", (int)doc.n_lines, "content", text));
    } else if (a.output == NULL) {
        fputs(text, stdout);
        if (strcmp(a.format, "json") == 0)
            fputs("\n", stdout);
    } else if (c->json) {
        rc = cli_print_json(json_pack(
            "{s:s, s:s, s:s, s:i}", "statement", doc.st.number, "format",
            a.format, "output", a.output, "lines", (int)doc.n_lines));
    } else {
        printf("commission statement %s written as %s to %s\n", doc.st.number,
               a.format, a.output);
    }
    commissions_statement_free(&doc);
    free(text);
    return rc;
}

/* ---- commission adjust ---- */

static int run_adjust(cli_ctx *c, int argc, char **argv)
{
    const char *agent = NULL;
    const char *account = NULL;
    const char *circuit = NULL;
    const char *amount_text = NULL;
    const char *month_text = NULL;
    const char *reason = NULL;
    const cli_opt opts[] = {{"agent", &agent, NULL},
                            {"account", &account, NULL},
                            {"circuit", &circuit, NULL},
                            {"amount", &amount_text, NULL},
                            {"month", &month_text, NULL},
                            {"reason", &reason, NULL},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    commissions_adjust_in in;
    accounts_account_t acct;
    tl_err err = TL_ERR_INIT;
    int64_t id = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (agent == NULL || account == NULL || amount_text == NULL ||
        reason == NULL)
        return cli_usage_error(c, "--agent, --account, --amount and --reason "
                                  "are required");
    memset(&in, 0, sizeof(in));
    if (month_arg(c, month_text, &in.year, &in.month) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = accounts_get(&acct, c->db, account, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (tl_money_parse(&in.amount, amount_text, acct.currency) != 0) {
        rc = tl_err_add(&err, "format", "amount",
                        "amount must be a plain decimal in %s, not \"%s\"",
                        acct.currency, amount_text);
        return cli_fail(c, rc, &err);
    }
    in.agent_ref = agent;
    in.account_number = account;
    in.circuit_id = circuit;
    in.reason = reason;
    in.actor = c->actor;
    rc = commissions_adjust(&id, c->db, &in, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack(
            "{s:I, s:s, s:o, s:s}", "adjustmentId", (json_int_t)id, "agent",
            agent, "amount", cli_money_json(&in.amount), "month", month_text));
    printf("adjustment %lld of %s %s for %s goes on its statement of %s or "
           "the next one\n",
           (long long)id, in.amount.cur, amount_text, agent, month_text);
    return CLI_EXIT_OK;
}

/* ---- commission audit ---- */

typedef struct audit_out {
    json_t *arr;
    int csv;
    int count;
} audit_out;

static int audit_line(const commissions_finding_t *f, void *cls, tl_err *err)
{
    audit_out *o = cls;
    char amount[32];
    char no[16];

    (void)err;
    money_text(amount, sizeof(amount), &f->amount);
    snprintf(no, sizeof(no), "%d", f->line_no);
    if (o->arr != NULL) {
        json_t *row = json_pack(
            "{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "code", f->code,
            "status", f->status, "agent", f->agent_ref, "month", f->month,
            "account", f->account_number, "circuit", f->circuit_id, "lineNo",
            f->line_no, "amount", amount, "message", f->message);
        return json_array_append_new(o->arr, row) == 0 ? 0 : TL_ERROR;
    }
    if (o->csv) {
        cli_csv_field(f->code, 0);
        cli_csv_field(f->status, 0);
        cli_csv_field(f->agent_ref, 0);
        cli_csv_field(f->month, 0);
        cli_csv_field(f->account_number, 0);
        cli_csv_field(f->circuit_id, 0);
        cli_csv_field(no, 0);
        cli_csv_field(amount, 0);
        cli_csv_field(f->message, 1);
        return 0;
    }
    printf("  %-30s %-10s %-14s line %-3d %10s  %s\n", f->code,
           f->account_number, f->circuit_id, f->line_no, amount, f->message);
    return 0;
}

static int run_audit(cli_ctx *c, int argc, char **argv)
{
    const char *agent = NULL;
    const char *month_text = NULL;
    int csv = 0;
    const cli_opt opts[] = {{"agent", &agent, NULL},
                            {"month", &month_text, NULL},
                            {"csv", NULL, &csv},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    audit_out out = {NULL, 0, 0};
    tl_err err = TL_ERR_INIT;
    int year = 0;
    int month = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (month_arg(c, month_text, &year, &month) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    out.csv = csv && !c->json;
    if (c->json)
        out.arr = json_array();
    else if (out.csv)
        printf("code,status,agent,month,account,circuit,line_no,amount,"
               "message\n");
    else
        printf("commission audit %s%s%s\n", month_text, agent ? " for " : "",
               agent ? agent : "");
    rc = commissions_audit(c->db, agent, year, month, audit_line, &out, &err);
    if (rc < 0) {
        json_decref(out.arr);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:i, s:o}", "month", month_text,
                                        "findings", rc, "checks", out.arr));
    if (!out.csv)
        printf("  %d finding%s\n", rc, rc == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

const cli_command cli_commission_commands[] = {
    {"commission", "plan", "define an agent's commission plan, or list plans",
     "trunkline commission plan [--agent REF] [--json]\n"
     "trunkline commission plan --agent REF --kind KIND --rate PERCENT\n"
     "          --from DATE [--product ID] [--term MONTHS]\n"
     "          [--clawback MONTHS] [--tiers ABOVE:PERCENT,...]\n"
     "          [--currency CUR] [--json]\n"
     "KIND: percent_billed, percent_collected (of the MRC, for --term months\n"
     "from the service's billing start), upfront_first_month (on the\n"
     "service's monthly MRC, once), upfront_nrc (on its NRC). A plan applies\n"
     "to services whose billing starts from --from on; without --product to\n"
     "every product. --clawback N: a service disconnected within N months of\n"
     "billing start has what was paid on it clawed back. --tiers: when the\n"
     "agent's new MRC of the month (in --currency, default USD) is strictly\n"
     "above ABOVE, PERCENT replaces the rate. Without --kind, lists plans.\n",
     run_plan},
    {"commission", "run", "build the month's commission statements (drafts)",
     "trunkline commission run --month YYYY-MM [--agent REF] [--json]\n"
     "One transaction for every agent (or --agent): drafts are rebuilt,\n"
     "approved statements are left alone; running again duplicates nothing.\n",
     run_run},
    {"commission", "show", "show an agent's commission statement",
     "trunkline commission show --agent REF --month YYYY-MM [--currency CUR]\n"
     "          [--json]\n"
     "One line per account, service and kind with basis, rate and amount;\n"
     "totals, the balance carried, and the tie-out to billing and\n"
     "collections.\n",
     run_show},
    {"commission", "approve", "approve an agent's statement (finance)",
     "trunkline commission approve --agent REF --month YYYY-MM\n"
     "          [--currency CUR] [--json]\n"
     "An approved statement never changes; a correction is an adjustment\n"
     "on the next one (commission adjust).\n",
     run_approve},
    {"commission", "adjust", "carry a correction onto the next statement",
     "trunkline commission adjust --agent REF --account NUMBER --amount AMT\n"
     "          --month YYYY-MM --reason TEXT [--circuit ID] [--json]\n"
     "AMT is signed (negative recovers) in the account's currency; it goes\n"
     "on the agent's statement of --month, or the next one run after.\n",
     run_adjust},
    {"commission", "export", "a statement as CSV, JSON or printable HTML",
     "trunkline commission export --agent REF --month YYYY-MM\n"
     "          [--format csv|json|html] [--output FILE] [--currency CUR]\n"
     "          [--json]\n"
     "Writes the statement to stdout or --output. With --json: where it was\n"
     "written, or without --output the document as the \"content\" string.\n",
     run_export},
    {"commission", "audit", "finance audit of a month's commissions",
     "trunkline commission audit --month YYYY-MM [--agent REF] [--csv]\n"
     "          [--json]\n"
     "Commissions on services without a signed (accepted) order, or paid\n"
     "to an agent not of record for the account on the service's billing\n"
     "start, or on services billed on an invoice under dispute during the\n"
     "month.\n",
     run_audit},
    {NULL, NULL, NULL, NULL, NULL}};
