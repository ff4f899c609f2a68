/*
 * trunkline order submit FILE | validate FILE | accept ORDER | show ORDER
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "common/json.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"

static json_t *order_json(const orders_order_t *o)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s?, s:s?}", "orderNumber",
                     o->order_number, "externalId", o->external_id,
                     "accountNumber", o->account_number, "state", o->state,
                     "requestedStartDate",
                     cli_date_json(o->requested_start_date),
                     "accountExecutive", o->ae_ref[0] ? o->ae_ref : NULL,
                     "agent", o->agent_ref[0] ? o->agent_ref : NULL);
}

/* One order's outcome in a batch (a JSON array, an XML file or a
 * folder): each order is accepted or rejected on its own. */
/* Parses the commands that take orders in: positional arguments and
 * --received DATE (the day the order came in, default today: requested
 * dates before it are refused). Returns 0, CLI_HELP_SHOWN or an exit
 * code. */
static int parse_received(cli_ctx *c, int argc, char **argv, const char **pos,
                          int max_pos, int *npos, tl_date *received,
                          const char **reason, int *allow_duplicate)
{
    const char *text = NULL;
    cli_opt opts[4] = {{"received", &text, NULL}};
    int n = 1;
    int rc;

    /* --reason and --allow-duplicate only for the commands that use them */
    if (reason != NULL)
        opts[n++] = (cli_opt){"reason", reason, NULL};
    if (allow_duplicate != NULL)
        opts[n++] = (cli_opt){"allow-duplicate", NULL, allow_duplicate};

    rc = cli_parse(c, argc, argv, opts, pos, max_pos, npos);
    if (rc != 0)
        return rc > 0 ? CLI_HELP_SHOWN : CLI_EXIT_USAGE;
    *received = cli_today();
    if (text != NULL && cli_date_arg(c, "received", text, received) != 0)
        return CLI_EXIT_USAGE;
    return 0;
}

typedef struct batch {
    cli_ctx *c;
    tl_date received;
    json_t *report; /* --json: the per-order entries */
    unsigned flags; /* ORDERS_ALLOW_DUPLICATE or 0 */
    int accepted;
    int existing;
    int rejected;
} batch;

static void report_entry(batch *b, const char *source, const char *ext,
                         const char *status, const char *number,
                         const tl_err *err)
{
    char *text;

    if (b->report != NULL) {
        json_t *e =
            json_pack("{s:s, s:s?, s:s, s:s?}", "source", source, "externalId",
                      ext, "status", status, "orderNumber", number);
        if (e != NULL && err != NULL)
            json_object_set_new(e, "error", tl_err_to_json(err));
        json_array_append_new(b->report, e);
        return;
    }
    if (err == NULL) {
        printf("%s: %s %s (externalId %s)\n", source, number, status,
               ext ? ext : "-");
        return;
    }
    text = tl_err_to_text(err);
    printf("%s: rejected (externalId %s): %s", source, ext ? ext : "-",
           text ? text : "out of memory\n");
    free(text);
}

/* Returns 0, or a negative status for a failure that must stop the batch
 * (the database went away), as opposed to a rejected order. */
static int submit_one(batch *b, const char *source, const json_t *doc)
{
    const char *ext = orders_doc_external_id(doc);
    orders_submit_result res;
    tl_err err = TL_ERR_INIT;
    int rc;

    rc = orders_submit_ex(&res, b->c->db, doc, b->received, b->flags,
                          b->c->actor, &err);
    if (rc == TL_ERROR || rc == TL_ERETRY) {
        report_entry(b, source, ext, "failed", NULL, &err);
        tl_err_clear(&err);
        return rc;
    }
    if (rc < 0) {
        b->rejected++;
        report_entry(b, source, ext, "rejected", NULL, &err);
    } else if (res.created) {
        b->accepted++;
        report_entry(b, source, ext, "submitted", res.order.order_number, NULL);
    } else {
        b->existing++;
        report_entry(b, source, ext, "already submitted",
                     res.order.order_number, NULL);
    }
    tl_err_clear(&err);
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s);
    size_t m = strlen(suffix);

    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Submits every order of a document: one object, an array of them, or a
 * partner XML file. A file that cannot be read as a whole is one rejected
 * entry. */
static int submit_document(batch *b, const char *path)
{
    char source[4200];
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    char *buf = NULL;
    size_t len = 0;
    size_t i;
    int rc;

    if (ends_with(path, ".xml")) {
        rc = tl_file_read(&buf, &len, path, ORDERS_XML_MAX_BYTES, &err);
        if (rc == 0)
            rc = orders_xml_read(&doc, buf, len, &err);
        free(buf);
    } else {
        rc = tl_json_load_file(&doc, path, TL_JSON_MAX_BYTES, &err);
    }
    if (rc < 0) {
        b->rejected++;
        report_entry(b, path, NULL, "rejected", NULL, &err);
        tl_err_clear(&err);
        return rc == TL_ERROR ? rc : 0;
    }
    rc = 0;
    if (!json_is_array(doc)) {
        rc = submit_one(b, path, doc);
    } else {
        for (i = 0; rc == 0 && i < json_array_size(doc); i++) {
            snprintf(source, sizeof(source), "%s#%zu", path, i + 1);
            rc = submit_one(b, source, json_array_get(doc, i));
        }
    }
    json_decref(doc);
    return rc;
}

static int order_file(const struct dirent *e)
{
    return e->d_name[0] != '.' &&
           (ends_with(e->d_name, ".json") || ends_with(e->d_name, ".xml"));
}

static int submit_folder(batch *b, const char *dir)
{
    struct dirent **names = NULL;
    char path[4096];
    int n = scandir(dir, &names, order_file, alphasort);
    int rc = 0;
    int i;

    if (n < 0) {
        tl_err err = TL_ERR_INIT;
        tl_err_set(&err, TL_ENOTFOUND, "file_unreadable", dir,
                   "cannot read folder %s", dir);
        return cli_fail(b->c, TL_ENOTFOUND, &err);
    }
    for (i = 0; i < n; i++) {
        if (rc == 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
            rc = submit_document(b, path);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* The single-order form: one JSON object in one file. */
static int submit_single(cli_ctx *c, json_t *doc, tl_date received,
                         unsigned flags)
{
    orders_submit_result res;
    tl_err err = TL_ERR_INIT;
    json_t *o;
    int rc;

    rc = orders_submit_ex(&res, c->db, doc, received, flags, c->actor, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        o = order_json(&res.order);
        if (o != NULL)
            json_object_set_new(o, "created", json_boolean(res.created));
        return cli_print_json(o);
    }
    printf("order %s %s (account %s, state %s)\n", res.order.order_number,
           res.created ? "submitted" : "was already submitted",
           res.order.account_number, res.order.state);
    return CLI_EXIT_OK;
}

static int run_submit(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    const char *path;
    struct stat st;
    batch b;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    int npos;
    int rc;

    int allow_duplicate = 0;

    memset(&b, 0, sizeof(b));
    b.c = c;
    rc = parse_received(c, argc, argv, pos, 1, &npos, &b.received, NULL,
                        &allow_duplicate);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (npos != 1)
        return cli_usage_error(c, "the order file or folder is required");
    b.flags = allow_duplicate ? ORDERS_ALLOW_DUPLICATE : 0;
    path = pos[0];
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (c->json)
            b.report = json_array();
        rc = submit_folder(&b, path);
    } else if (!ends_with(path, ".xml")) {
        rc = tl_json_load_file(&doc, path, TL_JSON_MAX_BYTES, &err);
        if (rc < 0)
            return cli_fail(c, rc, &err);
        if (json_is_object(doc)) {
            rc = submit_single(c, doc, b.received, b.flags);
            json_decref(doc);
            return rc;
        }
        json_decref(doc);
        if (c->json)
            b.report = json_array();
        rc = submit_document(&b, path);
    } else {
        if (c->json)
            b.report = json_array();
        rc = submit_document(&b, path);
    }
    if (rc < 0) {
        json_decref(b.report);
        tl_err_set(&err, rc, "batch_stopped", path,
                   "the batch stopped on a database failure; orders listed "
                   "above as submitted are stored");
        return cli_fail(c, rc, &err);
    }
    if (rc > 0) {
        json_decref(b.report);
        return rc;
    }
    if (c->json)
        rc = cli_print_json(json_pack(
            "{s:i, s:i, s:i, s:o}", "submitted", b.accepted, "alreadySubmitted",
            b.existing, "rejected", b.rejected, "orders", b.report));
    else
        printf("%d submitted, %d already submitted, %d rejected\n", b.accepted,
               b.existing, b.rejected);
    if (rc == CLI_EXIT_OK && b.rejected > 0)
        rc = CLI_EXIT_INVALID;
    return rc;
}

static int run_validate(cli_ctx *c, int argc, char **argv)
{
    const char *pos[1];
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    tl_date received;
    int npos;
    int rc;

    rc = parse_received(c, argc, argv, pos, 1, &npos, &received, NULL, NULL);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (npos != 1)
        return cli_usage_error(c, "the order file is required");
    rc = tl_json_load_file(&doc, pos[0], TL_JSON_MAX_BYTES, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    rc = orders_validate(c->db, doc, received, &err);
    json_decref(doc);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(json_pack("{s:b}", "valid", 1));
    printf("order is valid\n");
    return CLI_EXIT_OK;
}

typedef struct accept_ctx {
    const char *order_number;
    const char *actor;
    orders_order_t order;
    int created;
} accept_ctx;

/* Accepting an order and opening it in provisioning are one unit of work:
 * an accepted order always has its services in inventory. */
static int accept_tx(tl_db *db, void *cls, tl_err *err)
{
    accept_ctx *ctx = cls;
    int rc;

    rc = orders_accept(&ctx->order, db, ctx->order_number, ctx->actor, err);
    if (rc < 0)
        return rc;
    rc = provisioning_open_order(&ctx->created, db, ctx->order_number,
                                 ctx->actor, err);
    if (rc < 0)
        return rc;
    return orders_get(&ctx->order, db, ctx->order_number, err);
}

static int service_line(const provisioning_service_t *s, void *cls, tl_err *err)
{
    json_t *arr = cls;
    char install[16] = "-";
    char accept[16] = "-";
    char start[16] = "-";

    (void)err;
    if (s->has_install)
        tl_date_format(install, sizeof(install), s->install_date);
    if (s->has_acceptance)
        tl_date_format(accept, sizeof(accept), s->acceptance_date);
    if (s->has_billing_start)
        tl_date_format(start, sizeof(start), s->billing_start_date);
    if (arr != NULL)
        return json_array_append_new(
                   arr,
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "circuitId",
                             s->circuit_id, "item", s->item_id, "product",
                             s->product_id, "state", s->state, "installDate",
                             install, "acceptanceDate", accept,
                             "billingStartDate", start)) == 0
                   ? 0
                   : TL_ERROR;
    printf("  %-12s item %-4s %-8s %-8s installed %s accepted %s billing "
           "from %s\n",
           s->circuit_id, s->item_id, s->product_id, s->state, install, accept,
           start);
    return 0;
}

static int run_accept(cli_ctx *c, int argc, char **argv)
{
    accept_ctx ctx;
    tl_err err = TL_ERR_INIT;
    json_t *services = NULL;
    json_t *o;
    int rc;

    memset(&ctx, 0, sizeof(ctx));
    rc = cli_one_arg(c, argc, argv, "the order number", &ctx.order_number);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    ctx.actor = c->actor;
    rc = tl_db_run_tx(c->db, "order_accept", accept_tx, &ctx, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        services = json_array();
    else
        printf("order %s is %s; %d service%s created in inventory:\n",
               ctx.order.order_number, ctx.order.state, ctx.created,
               ctx.created == 1 ? "" : "s");
    rc = provisioning_order_services(c->db, ctx.order_number, service_line,
                                     services, &err);
    if (rc < 0) {
        json_decref(services);
        return cli_fail(c, rc, &err);
    }
    if (!c->json)
        return CLI_EXIT_OK;
    o = order_json(&ctx.order);
    if (o != NULL) {
        json_object_set_new(o, "servicesCreated", json_integer(ctx.created));
        json_object_set_new(o, "services", services);
    } else {
        json_decref(services);
    }
    return cli_print_json(o);
}

static int history_line(const orders_state_change_t *h, void *cls, tl_err *err)
{
    json_t *arr = cls;

    (void)err;
    if (arr != NULL)
        return json_array_append_new(
                   arr, json_pack("{s:i, s:s?, s:s, s:s, s:s, s:s}", "seq",
                                  h->seq, "from", h->from_state, "to",
                                  h->to_state, "actor", h->actor, "reason",
                                  h->reason, "at", h->changed_at)) == 0
                   ? 0
                   : TL_ERROR;
    printf("  %2d  %s  %-17s -> %-17s %s (%s)\n", h->seq, h->changed_at,
           h->from_state ? h->from_state : "", h->to_state, h->actor,
           h->reason);
    return 0;
}

/* One milestone of the implementation timeline: planned vs actual. */
static int timeline_line(const provisioning_timeline_row_t *t, void *cls,
                         tl_err *err)
{
    json_t *arr = cls;
    char planned[16] = "-";
    char actual[16] = "-";

    (void)err;
    if (t->has_planned)
        tl_date_format(planned, sizeof(planned), t->planned);
    if (t->has_actual)
        tl_date_format(actual, sizeof(actual), t->actual);
    if (arr != NULL)
        return json_array_append_new(
                   arr,
                   json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s?, s:b, s:i}",
                             "item", t->item_id, "action", t->action,
                             "product", t->product_id, "circuitId",
                             t->circuit_id[0] ? t->circuit_id : NULL,
                             "milestone", t->kind, "planned",
                             t->has_planned ? planned : NULL, "actual",
                             t->has_actual ? actual : NULL, "automatic",
                             t->automatic, "daysLate", t->days_late)) == 0
                   ? 0
                   : TL_ERROR;
    printf("  item %-4s %-18s planned %-10s actual %s%s", t->item_id,
           t->kind, planned, actual, t->automatic ? " (automatic)" : "");
    if (t->days_late > 0)
        printf("  %d day%s late", t->days_late, t->days_late == 1 ? "" : "s");
    putchar('\n');
    return 0;
}

/* --as-ae: an account executive sees only their own orders; another's
 * order is reported as not existing, so that nothing leaks. */
static int hide_from_ae(cli_ctx *c, const orders_order_t *o, const char *ae,
                        tl_err *err)
{
    int visible = 0;
    int rc = orders_visible_to_ae(&visible, c->db, o, ae, cli_today(), err);

    if (rc < 0 || visible)
        return rc;
    return tl_err_set(err, TL_ENOTFOUND, "unknown_order", "order",
                      "order %s does not exist", o->order_number);
}

static int run_show(cli_ctx *c, int argc, char **argv)
{
    const char *number = NULL;
    orders_order_t o;
    tl_err err = TL_ERR_INIT;
    json_t *history = NULL;
    json_t *services = NULL;
    json_t *obj;
    char crd[16];
    int rc;

    const char *as_ae = NULL;
    const char *as_of = NULL;
    const cli_opt opts[] = {{"as-ae", &as_ae, NULL},
                            {"as-of", &as_of, NULL},
                            {NULL, NULL, NULL}};
    json_t *timeline = NULL;
    tl_date today = cli_today();
    char today_text[16];
    int npos;

    rc = cli_parse(c, argc, argv, opts, &number, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the order number is required");
    if (as_of != NULL && cli_date_arg(c, "as-of", as_of, &today) != 0)
        return CLI_EXIT_USAGE;
    tl_date_format(today_text, sizeof(today_text), today);
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = orders_get(&o, c->db, number, &err);
    if (rc == 0 && as_ae != NULL)
        rc = hide_from_ae(c, &o, as_ae, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json) {
        history = json_array();
        services = json_array();
        timeline = json_array();
    } else {
        tl_date_format(crd, sizeof(crd), o.requested_start_date);
        printf("order %s  external id %s  account %s\n  state %s, "
               "requested start %s\n  account executive %s, agent %s\n"
               "history:\n",
               o.order_number, o.external_id, o.account_number, o.state, crd,
               o.ae_ref[0] ? o.ae_ref : "-",
               o.agent_ref[0] ? o.agent_ref : "(direct sale)");
    }
    rc = orders_history(c->db, o.account_id, o.order_id, history_line, history,
                        &err);
    if (rc >= 0 && !c->json)
        printf("services:\n");
    if (rc >= 0)
        rc = provisioning_order_services(c->db, o.order_number, service_line,
                                         services, &err);
    if (rc >= 0 && !c->json)
        printf("implementation timeline (as of %s):\n", today_text);
    if (rc >= 0)
        rc = provisioning_order_timeline(c->db, o.order_number, today,
                                         timeline_line, timeline, &err);
    if (rc < 0) {
        json_decref(history);
        json_decref(services);
        json_decref(timeline);
        return cli_fail(c, rc, &err);
    }
    if (!c->json)
        return CLI_EXIT_OK;
    obj = order_json(&o);
    if (obj != NULL) {
        json_object_set_new(obj, "history", history);
        json_object_set_new(obj, "services", services);
        json_object_set_new(obj, "timeline", timeline);
    } else {
        json_decref(history);
        json_decref(services);
        json_decref(timeline);
    }
    return cli_print_json(obj);
}

static int run_supplement(cli_ctx *c, int argc, char **argv)
{
    const char *reason = NULL;
    const char *pos[2];
    orders_supplement_result res;
    tl_err err = TL_ERR_INIT;
    json_t *doc = NULL;
    json_t *o;
    tl_date received;
    int npos;
    int rc;

    rc = parse_received(c, argc, argv, pos, 2, &npos, &received, &reason, NULL);
    if (rc != 0)
        return CLI_ARG_EXIT(rc);
    if (npos != 2)
        return cli_usage_error(c, "the order number and the order file are "
                                  "required");
    if (reason == NULL)
        return cli_usage_error(c, "--reason is required");
    rc = tl_json_load_file(&doc, pos[1], TL_JSON_MAX_BYTES, &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    rc = cli_connect(c);
    if (rc == 0) {
        rc = orders_supplement(&res, c->db, pos[0], doc, received, reason,
                               c->actor, &err);
        rc = rc < 0 ? cli_fail(c, rc, &err) : 0;
    }
    json_decref(doc);
    if (rc != 0)
        return rc;
    if (c->json) {
        o = order_json(&res.order);
        if (o != NULL) {
            json_object_set_new(o, "version", json_integer(res.version));
            json_object_set_new(o, "created", json_boolean(res.created));
        }
        return cli_print_json(o);
    }
    if (res.created)
        printf("order %s is now version %d (%s)\n", res.order.order_number,
               res.version, reason);
    else
        printf("order %s already is this document (version %d); nothing "
               "changed\n",
               res.order.order_number, res.version);
    return CLI_EXIT_OK;
}

/* order reject|hold|release|cancel: the coordinator's decisions. */
static int run_decision(cli_ctx *c, int argc, char **argv, const char *to_state,
                        int reason_required)
{
    const char *reason = NULL;
    const cli_opt opts[] = {{"reason", &reason, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    orders_order_t o;
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the order number is required");
    if (reason_required && reason == NULL)
        return cli_usage_error(c, "--reason is required: say why");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (strcmp(to_state, "cancelled") == 0)
        rc = orders_cancel(&o, c->db, pos[0], reason, c->actor, &err);
    else
        rc = orders_decide(&o, c->db, pos[0], to_state, reason, c->actor,
                           &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (c->json)
        return cli_print_json(order_json(&o));
    printf("order %s is %s\n", o.order_number, o.state);
    return CLI_EXIT_OK;
}

static int run_reject(cli_ctx *c, int argc, char **argv)
{
    return run_decision(c, argc, argv, "rejected", 1);
}

static int run_hold(cli_ctx *c, int argc, char **argv)
{
    return run_decision(c, argc, argv, "held", 1);
}

static int run_release(cli_ctx *c, int argc, char **argv)
{
    return run_decision(c, argc, argv, "submitted", 0);
}

static int run_cancel(cli_ctx *c, int argc, char **argv)
{
    return run_decision(c, argc, argv, "cancelled", 1);
}

typedef struct feedback_out {
    json_t *rows;
    char last[72];
    int count;
} feedback_out;

static void print_problems(const char *problems)
{
    json_t *list = json_loads(problems, 0, NULL);
    const json_t *p;
    size_t i;

    json_array_foreach(list, i, p)
    {
        const char *field = json_string_value(json_object_get(p, "field"));
        printf("      %s: %s [%s]\n", field && field[0] ? field : "(order)",
               json_string_value(json_object_get(p, "message")),
               json_string_value(json_object_get(p, "code")));
    }
    json_decref(list);
}

static int feedback_line(const orders_feedback_row *r, void *cls, tl_err *err)
{
    feedback_out *out = cls;
    char day[16];

    (void)err;
    out->count++;
    tl_date_format(day, sizeof(day), r->day);
    if (out->rows != NULL)
        return json_array_append_new(
                   out->rows,
                   json_pack("{s:s, s:s, s:s?, s:s?, s:s?, s:s, s:s?, s:o}",
                             "salesperson", r->salesperson, "kind", r->kind,
                             "orderNumber",
                             r->order_number[0] ? r->order_number : NULL,
                             "externalId",
                             r->external_id[0] ? r->external_id : NULL,
                             "accountNumber",
                             r->account_number[0] ? r->account_number : NULL,
                             "day", day, "reason",
                             r->reason[0] ? r->reason : NULL, "problems",
                             json_loads(r->problems, 0, NULL))) == 0
                   ? 0
                   : TL_ERROR;
    if (strcmp(out->last, r->salesperson) != 0) {
        snprintf(out->last, sizeof(out->last), "%s", r->salesperson);
        printf("%s\n", r->salesperson);
    }
    printf("  %s %-8s %-12s account %-10s external id %s\n", day, r->kind,
           r->order_number[0] ? r->order_number : "-",
           r->account_number[0] ? r->account_number : "-",
           r->external_id[0] ? r->external_id : "-");
    if (r->reason[0])
        printf("      %s\n", r->reason);
    print_problems(r->problems);
    return 0;
}

static int run_feedback(cli_ctx *c, int argc, char **argv)
{
    const char *who = NULL;
    const char *since_text = NULL;
    const cli_opt opts[] = {{"salesperson", &who, NULL},
                            {"since", &since_text, NULL},
                            {NULL, NULL, NULL}};
    feedback_out out;
    tl_err err = TL_ERR_INIT;
    tl_date since = 0;
    int npos;
    int rc;

    memset(&out, 0, sizeof(out));
    rc = cli_parse(c, argc, argv, opts, NULL, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (since_text == NULL)
        since = tl_date_add_days(cli_today(), -30);
    else if (cli_date_arg(c, "since", since_text, &since) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    if (c->json)
        out.rows = json_array();
    rc = orders_feedback(c->db, who, since, feedback_line, &out, &err);
    if (rc < 0) {
        json_decref(out.rows);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", "feedback", out.rows));
    if (out.count == 0)
        printf("nothing to fix\n");
    return CLI_EXIT_OK;
}

typedef struct audit_out {
    json_t *rows;
    int csv;
} audit_out;

static int audit_line(const orders_audit_finding *f, void *cls, tl_err *err)
{
    audit_out *out = cls;

    (void)err;
    if (out->rows != NULL)
        return json_array_append_new(
                   out->rows,
                   json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s}", "orderNumber",
                             f->order_number, "accountNumber",
                             f->account_number, "agent",
                             f->agent_ref[0] ? f->agent_ref : NULL, "itemId",
                             f->item_id[0] ? f->item_id : NULL, "finding",
                             f->code, "message", f->message)) == 0
                   ? 0
                   : TL_ERROR;
    if (out->csv) {
        cli_csv_field(f->order_number, 0);
        cli_csv_field(f->account_number, 0);
        cli_csv_field(f->agent_ref, 0);
        cli_csv_field(f->item_id, 0);
        cli_csv_field(f->code, 0);
        cli_csv_field(f->message, 1);
        return 0;
    }
    printf("%-12s %-10s %-10s %-4s %-23s %s\n", f->order_number,
           f->account_number, f->agent_ref[0] ? f->agent_ref : "-",
           f->item_id[0] ? f->item_id : "-", f->code, f->message);
    return 0;
}

static int run_audit(cli_ctx *c, int argc, char **argv)
{
    const char *since_text = NULL;
    const char *agent = NULL;
    int csv = 0;
    const cli_opt opts[] = {{"since", &since_text, NULL},
                            {"agent", &agent, NULL},
                            {"csv", NULL, &csv},
                            {NULL, NULL, NULL}};
    audit_out out = {NULL, 0};
    tl_err err = TL_ERR_INIT;
    tl_date since = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, NULL, 0, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (since_text == NULL)
        since = tl_date_add_days(cli_today(), -90);
    else if (cli_date_arg(c, "since", since_text, &since) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    out.csv = csv && !c->json;
    if (c->json)
        out.rows = json_array();
    else if (out.csv)
        printf("order_number,account_number,agent,item_id,finding,message\n");
    else
        printf("%-12s %-10s %-10s %-4s %-23s %s\n", "order", "account",
               "agent", "item", "finding", "detail");
    rc = orders_sales_audit(c->db, since, agent, audit_line, &out, &err);
    if (rc < 0) {
        json_decref(out.rows);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:o}", "findings", out.rows));
    if (rc == 0 && !out.csv)
        printf("(no findings)\n");
    return CLI_EXIT_OK;
}

static int change_line(const orders_change_t *ch, void *cls, tl_err *err)
{
    json_t *arr = cls;

    (void)err;
    if (arr != NULL)
        return json_array_append_new(arr, json_pack("{s:s, s:s, s:s?, s:s?}",
                                                    "path", ch->path, "change",
                                                    ch->kind, "from", ch->from,
                                                    "to", ch->to)) == 0
                   ? 0
                   : TL_ERROR;
    if (strcmp(ch->kind, "added") == 0)
        printf("  + %s: %s\n", ch->path, ch->to);
    else if (strcmp(ch->kind, "removed") == 0)
        printf("  - %s: %s\n", ch->path, ch->from);
    else
        printf("  ~ %s: %s -> %s\n", ch->path, ch->from, ch->to);
    return 0;
}

static int run_diff(cli_ctx *c, int argc, char **argv)
{
    const char *from_text = "1";
    const char *to_text = NULL;
    const cli_opt opts[] = {
        {"from", &from_text, NULL}, {"to", &to_text, NULL}, {NULL, NULL, NULL}};
    const char *pos[1];
    orders_order_t o;
    tl_err err = TL_ERR_INIT;
    json_t *changes = NULL;
    int64_t from = 1;
    int64_t to = 0;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the order number is required");
    if (cli_int_arg(c, "from", from_text, 1, 100000, &from) != 0)
        return CLI_EXIT_USAGE;
    if (to_text != NULL && cli_int_arg(c, "to", to_text, 1, 100000, &to) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    rc = orders_get(&o, c->db, pos[0], &err);
    if (rc < 0)
        return cli_fail(c, rc, &err);
    if (to_text == NULL)
        to = o.version;
    if (c->json)
        changes = json_array();
    else
        printf("order %s, version %lld -> %lld:\n", o.order_number,
               (long long)from, (long long)to);
    rc = orders_diff(c->db, pos[0], (int)from, (int)to, change_line, changes,
                     &err);
    if (rc < 0) {
        json_decref(changes);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack(
            "{s:s, s:I, s:I, s:o}", "orderNumber", o.order_number, "from",
            (json_int_t)from, "to", (json_int_t)to, "changes", changes));
    if (rc == 0)
        printf("  (no differences)\n");
    return CLI_EXIT_OK;
}

typedef struct queue_out {
    json_t *rows;
    int csv;
    int count;
} queue_out;

static int queue_line(const orders_queue_row *r, void *cls, tl_err *err)
{
    queue_out *out = cls;
    char due[16] = "";
    char age[16];
    char days[16];

    (void)err;
    out->count++;
    if (r->has_due)
        tl_date_format(due, sizeof(due), r->due_date);
    if (out->rows != NULL)
        return json_array_append_new(
                   out->rows,
                   json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, "
                             "s:s?, s:b, s:i, s:i, s:s, s:s?}",
                             "orderNumber", r->order_number, "externalId",
                             r->external_id, "accountNumber", r->account_number,
                             "accountName", r->account_name, "state", r->state,
                             "products", r->products, "accountExecutive",
                             r->ae_ref[0] ? r->ae_ref : NULL, "agent",
                             r->agent_ref[0] ? r->agent_ref : NULL, "dueDate",
                             r->has_due ? due : NULL, "dueCommitted",
                             r->committed, "ageDays", r->age_days,
                             "daysInState", r->days_in_state, "jeopardy",
                             r->jeopardy, "jeopardyReason",
                             r->jeopardy_reason[0] ? r->jeopardy_reason
                                                   : NULL)) == 0
                   ? 0
                   : TL_ERROR;
    snprintf(age, sizeof(age), "%d", r->age_days);
    snprintf(days, sizeof(days), "%d", r->days_in_state);
    if (out->csv) {
        cli_csv_field(r->order_number, 0);
        cli_csv_field(r->external_id, 0);
        cli_csv_field(r->account_number, 0);
        cli_csv_field(r->account_name, 0);
        cli_csv_field(r->state, 0);
        cli_csv_field(r->products, 0);
        cli_csv_field(r->ae_ref, 0);
        cli_csv_field(r->agent_ref, 0);
        cli_csv_field(due, 0);
        cli_csv_field(age, 0);
        cli_csv_field(days, 0);
        cli_csv_field(r->jeopardy, 0);
        cli_csv_field(r->jeopardy_reason, 1);
        return 0;
    }
    printf("%-12s %-10s %-16s %-10s %-10s %4s %5s %-7s %s\n", r->order_number,
           r->account_number, r->state, r->products, due, age, days,
           r->jeopardy, r->external_id);
    return 0;
}

static int run_queue(cli_ctx *c, int argc, char **argv)
{
    const char *as_of_text = NULL;
    const char *account = NULL;
    const char *product = NULL;
    const char *ae = NULL;
    const char *agent = NULL;
    int csv = 0;
    const cli_opt opts[] = {{"as-of", &as_of_text, NULL},
                            {"account", &account, NULL},
                            {"product", &product, NULL},
                            {"ae", &ae, NULL},
                            {"agent", &agent, NULL},
                            {"csv", NULL, &csv},
                            {NULL, NULL, NULL}};
    const char *pos[1];
    orders_queue_filter filter = {NULL, NULL, NULL, NULL};
    queue_out out = {NULL, 0, 0};
    tl_err err = TL_ERR_INIT;
    tl_date as_of;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, pos, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the queue name is required");
    if (cli_date_arg(c, "as-of", as_of_text, &as_of) != 0)
        return CLI_EXIT_USAGE;
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    filter.account_number = account;
    filter.product_id = product;
    filter.ae_ref = ae;
    filter.agent_ref = agent;
    out.csv = csv && !c->json;
    if (c->json)
        out.rows = json_array();
    else if (out.csv)
        printf("order_number,external_id,account_number,account_name,state,"
               "products,account_executive,agent,due_date,age_days,"
               "days_in_state,jeopardy,jeopardy_reason\n");
    else
        printf("%-12s %-10s %-16s %-10s %-10s %4s %5s %-7s %s\n", "order",
               "account", "state", "products", "due", "age", "in st",
               "jeopardy", "external id");
    rc = orders_queue(c->db, pos[0], as_of, &filter, queue_line, &out, &err);
    if (rc < 0) {
        json_decref(out.rows);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(json_pack("{s:s, s:s, s:o}", "queue", pos[0],
                                        "asOf", as_of_text, "orders",
                                        out.rows));
    return CLI_EXIT_OK;
}

typedef struct find_out {
    json_t *rows;
    int count;
    cli_ctx *c;
    const char *as_ae; /* NULL: every order */
} find_out;

static int found_line(const orders_order_t *o, void *cls, tl_err *err)
{
    find_out *out = cls;
    char due[16];
    int visible = 1;

    if (out->as_ae != NULL &&
        orders_visible_to_ae(&visible, out->c->db, o, out->as_ae, cli_today(),
                             err) < 0)
        return TL_ERROR;
    if (!visible)
        return 0;
    out->count++;
    if (out->rows != NULL)
        return json_array_append_new(out->rows, order_json(o)) == 0 ? 0
                                                                    : TL_ERROR;
    tl_date_format(due, sizeof(due), o->requested_start_date);
    printf("%-12s %-10s %-17s due %s  v%d  %s\n", o->order_number,
           o->account_number, o->state, due, o->version, o->external_id);
    return 0;
}

/* A circuit id finds the order that created the circuit. */
static int find_by_circuit(cli_ctx *c, const char *text, find_out *out,
                           tl_err *err)
{
    provisioning_service_t svc;
    orders_order_t o;
    tl_err lookup = TL_ERR_INIT;
    int rc;

    rc = provisioning_service_get(&svc, c->db, text, &lookup);
    if (rc == TL_ENOTFOUND) {
        tl_err_clear(&lookup);
        return 0;
    }
    if (rc == 0)
        rc = orders_get(&o, c->db, svc.order_number, &lookup);
    if (rc < 0) {
        tl_err_copy(err, &lookup);
        tl_err_clear(&lookup);
        return rc;
    }
    return found_line(&o, out, err);
}

static int run_find(cli_ctx *c, int argc, char **argv)
{
    const char *text = NULL;
    const char *as_ae = NULL;
    const cli_opt opts[] = {{"as-ae", &as_ae, NULL}, {NULL, NULL, NULL}};
    find_out out = {NULL, 0, c, NULL};
    tl_err err = TL_ERR_INIT;
    int npos;
    int rc;

    rc = cli_parse(c, argc, argv, opts, &text, 1, &npos);
    if (rc != 0)
        return rc > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    if (npos != 1)
        return cli_usage_error(c, "the text to look for is required");
    rc = cli_connect(c);
    if (rc != 0)
        return rc;
    out.as_ae = as_ae;
    if (c->json)
        out.rows = json_array();
    rc = find_by_circuit(c, text, &out, &err);
    if (rc >= 0)
        rc = orders_find(c->db, text, found_line, &out, &err);
    if (rc < 0) {
        json_decref(out.rows);
        return cli_fail(c, rc, &err);
    }
    if (c->json)
        return cli_print_json(
            json_pack("{s:s, s:o}", "query", text, "orders", out.rows));
    if (out.count == 0)
        printf("no order matches \"%s\"\n", text);
    return CLI_EXIT_OK;
}

const cli_command cli_orders_commands[] = {
    {"order", "submit", "validate and store product orders (JSON or XML)",
     "trunkline order submit FILE|FOLDER [--received DATE] [--json]\n"
     "FILE is a TMF622 ProductOrder (JSON object), a JSON array of them, or\n"
     "a partner XML file (orders/schema/partner-order-1.xsd); a FOLDER is\n"
     "every *.json and *.xml file in it. Every problem is listed with its\n"
     "field path and nothing of a rejected order is stored; in a batch each\n"
     "order is accepted or rejected on its own (exit 3 if any was\n"
     "rejected). Submitting the same order again returns the stored one.\n"
     "--received is the day the orders came in (default today); a\n"
     "requested start date before it is refused. An item that an open\n"
     "order of the account already has (same product, same address) is a\n"
     "probable duplicate and refused unless --allow-duplicate is given.\n",
     run_submit},
    {"order", "validate", "check a TMF622 product order without storing it",
     "trunkline order validate FILE [--received DATE] [--json]\n",
     run_validate},
    {"order", "accept", "accept a submitted order and open it in provisioning",
     "trunkline order accept ORDER_NUMBER [--json]\n", run_accept},
    {"order", "show", "show an order with its history and services",
     "trunkline order show ORDER_NUMBER [--as-of DATE] [--as-ae REF]\n"
     "          [--json]\n"
     "State, parties, history, services and the implementation timeline\n"
     "(planned vs actual milestones, days late as of DATE, default today).\n"
     "--as-ae REF: as account executive REF, who sees only the orders\n"
     "they sold and those of the accounts they hold today.\n",
     run_show},
    {"order", "supplement", "replace an order by a new version",
     "trunkline order supplement ORDER_NUMBER FILE --reason TEXT\n"
     "          [--received DATE] [--json]\n"
     "FILE is the whole order as it should now be (same account and\n"
     "externalId). Allowed until provisioning starts; sending the current\n"
     "document again changes nothing. `order diff` shows what changed.\n",
     run_supplement},
    {"order", "diff", "show what changed between two versions of an order",
     "trunkline order diff ORDER_NUMBER [--from N] [--to M] [--json]\n"
     "Defaults: from version 1 to the current version.\n",
     run_diff},
    {"order", "cancel", "cancel an order not installed yet",
     "trunkline order cancel ORDER_NUMBER --reason TEXT [--json]\n",
     run_cancel},
    {"order", "reject", "reject a submitted order, saying what to fix",
     "trunkline order reject ORDER_NUMBER --reason TEXT [--json]\n"
     "A rejected order is final; the salesperson sends a new one. The\n"
     "reason appears in `order feedback`.\n",
     run_reject},
    {"order", "hold", "hold an incomplete order until the salesperson fixes it",
     "trunkline order hold ORDER_NUMBER --reason TEXT [--json]\n"
     "Holds a submitted, accepted or in-provisioning order; the reason\n"
     "appears in `order feedback`. `order release` puts it back.\n",
     run_hold},
    {"order", "release", "put a held order back in the sales queue",
     "trunkline order release ORDER_NUMBER [--reason TEXT] [--json]\n",
     run_release},
    {"order", "feedback", "what each salesperson must fix on their orders",
     "trunkline order feedback [--salesperson REF] [--since DATE] [--json]\n"
     "Orders refused at intake (until a corrected one gets in), rejected\n"
     "or held by a coordinator, with every problem and reason, grouped by\n"
     "salesperson: the agent, else the account executive, else the\n"
     "sender. --since defaults to 30 days ago.\n",
     run_feedback},
    {"order", "audit", "sales audit of indirect-agent and wholesale orders",
     "trunkline order audit [--since DATE] [--agent REF] [--csv] [--json]\n"
     "Findings per order that came in since DATE (default 90 days ago):\n"
     "missing_contract, missing_tax_certificate (wholesale), \n"
     "agent_not_of_record, price_below_contract, price_below_list (a quoted\n"
     "itemPrice under the price that applies) and probable_duplicate.\n",
     run_audit},
    {"order", "find",
     "find orders by number, reference, circuit, account or "
     "address",
     "trunkline order find TEXT [--as-ae REF] [--json]\n"
     "TEXT is an order number, the partner's externalId, a circuit id, a\n"
     "billing account number, or part of a service address.\n",
     run_find},
    {"order", "queue", "list a pending-order queue with age and jeopardy",
     "trunkline order queue QUEUE --as-of DATE [--account NUMBER]\n"
     "          [--product ID] [--ae REF] [--agent REF] [--csv] [--json]\n"
     "QUEUE is pending_sales, pending_provisioning, pending_installation\n"
     "or pending_billing. The due date is the FOC date provisioning\n"
     "committed to, else the requested start date. Jeopardy: \"missed\"\n"
     "when it passed before installation, \"at_risk\" within 5 days of it\n"
     "or when flagged (an overdue provisioning task).\n"
     "--ae/--agent: the orders that person sold, and the orders of the\n"
     "accounts they hold on the as-of day.\n",
     run_queue},
    {NULL, NULL, NULL, NULL, NULL}};
