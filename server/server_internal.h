/*
 * Inside the server: the request a handler sees, the route table, and the
 * helpers handlers share (http.c).
 *
 * A handler runs inside the request's transaction (tl_db_run_tx, as the
 * role trunkline_api with the user's role and person set), so it may be
 * called again on a serialization failure: it sets its response through
 * srv_reply* every time and keeps no other state. It returns 0 with a
 * response set, or a negative TL_E* status with err filled; the
 * dispatcher renders that as application/problem+json.
 */
#ifndef SERVER_INTERNAL_H
#define SERVER_INTERNAL_H

#include <jansson.h>

#include "common/money.h"
#include "server/server.h"

/* Role bits of a route. */
enum {
    SRV_R_COORD = 1u,
    SRV_R_AE = 2u,
    SRV_R_AGENT = 4u,
    SRV_R_FINANCE = 8u,
    SRV_R_COLL = 16u,
    SRV_R_ADMIN = 32u
};
#define SRV_R_SALES (SRV_R_AE | SRV_R_AGENT)
#define SRV_R_STAFF (SRV_R_COORD | SRV_R_FINANCE | SRV_R_COLL | SRV_R_ADMIN)
#define SRV_R_ALL (SRV_R_STAFF | SRV_R_SALES)
#define SRV_R_PUBLIC 0u /* no authentication */

#define SRV_MAX_PARAMS 3
#define SRV_PARAM_MAX 128

typedef struct srv_req {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char param[SRV_MAX_PARAMS][SRV_PARAM_MAX]; /* {x} of the template */
    const char *body;                          /* NUL-terminated */
    size_t body_len;
    srv_user_t user;
    tl_date today;
    srv_server *srv;
    /* the response */
    int status;
    char *raw; /* body, malloc'ed */
    size_t raw_len;
    const char *content_type;
    json_t *out; /* JSON body, rendered into raw after the handler */
    char etag[72];
    char location[256];
    int64_t total;  /* X-Total-Count when >= 0 */
    int http_error; /* an HTTP status for the error, overriding the map */
} srv_req;

typedef int (*srv_handler)(srv_req *r, tl_db *db, tl_err *err);

typedef struct srv_route {
    const char *method;
    const char *path; /* "/productOrder/{id}", OpenAPI syntax */
    srv_handler handler;
    unsigned roles;      /* SRV_R_* bits allowed; 0 public */
    const char *tag;     /* OpenAPI tag */
    const char *summary; /* OpenAPI summary */
    const char *query;   /* documented query parameters, "a,b" */
    const char *request; /* request body, described; NULL none */
    int success;         /* HTTP status on success */
} srv_route;

extern const srv_route srv_route_table[];

/* The database of a health check (http.c). */
int srv_health_ping(srv_server *srv, tl_err *err);

/* ---- helpers for handlers (http.c) ---- */

/* Sets a JSON response (stolen; NULL means out of memory: TL_ERROR). */
int srv_reply(srv_req *r, int status, json_t *body, tl_err *err);

/* Sets a raw response body (buf stolen). */
int srv_reply_raw(srv_req *r, int status, const char *ctype, char *buf,
                  size_t len);

/* A list response: the page of items (stolen) and the total count. */
int srv_reply_page(srv_req *r, json_t *items, int64_t total, tl_err *err);

/* A query parameter, NULL when absent. */
const char *srv_query(const srv_req *r, const char *name);

/* A request header, NULL when absent. */
const char *srv_header(const srv_req *r, const char *name);

/* A positive whole number from path parameter i (named name): TL_ENOTFOUND
 * (HTTP 404) when it is not one. */
int srv_param_id(int64_t *out, srv_req *r, int i, const char *name);

/* The optional date member key of body (absent: r->today). */
int srv_body_date(tl_date *out, const srv_req *r, const json_t *body,
                  const char *key, tl_err *err);

/* limit (1..500, default 50) and offset (>= 0) from the query.
 * TL_EINVALID naming the parameter otherwise. */
int srv_page(const srv_req *r, int64_t *limit, int64_t *offset, tl_err *err);

/* Slices a whole list (stolen) to the requested page and replies. */
int srv_reply_slice(srv_req *r, json_t *all, tl_err *err);

/* A date query parameter, or dflt when absent; TL_EINVALID when bad. */
int srv_query_date(tl_date *out, const srv_req *r, const char *name,
                   tl_date dflt, tl_err *err);

/* Parses the request body as one JSON object (duplicate keys refused).
 * TL_EINVALID with code json_syntax / type otherwise (HTTP 400). */
int srv_body_object(json_t **out, srv_req *r, tl_err *err);

/* The entity tag of a representation: a hash of its canonical JSON. */
void srv_etag_of(char out[72], const json_t *v);

/* When the request has If-Match, checks it against the current
 * representation; a mismatch is HTTP 412 (TL_ECONFLICT). */
int srv_if_match(srv_req *r, const json_t *current, tl_err *err);

/* Sets an error with an explicit HTTP status. Returns status. */
int srv_fail(srv_req *r, int http, int status, const char *code,
             const char *field, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Records an audit event as the authenticated user. */
int srv_audit(const srv_req *r, tl_db *db, const char *action,
              const char *entity, const char *key, int64_t account_id,
              const json_t *before, const json_t *after, tl_err *err);

/* {"amount": "1150.00", "currency": "USD"} and "YYYY-MM-DD". */
json_t *srv_money(const tl_money *m);
json_t *srv_date(tl_date d);

/* srv_money, or JSON null when m carries no currency (nothing there). */
json_t *srv_money_or_null(const tl_money *m);

/* Whether the user's role is one of the bits. */
int srv_role_is(const srv_req *r, unsigned bits);

/* ---- handlers (one file per resource) ---- */

int h_health(srv_req *r, tl_db *db, tl_err *err);
int h_openapi(srv_req *r, tl_db *db, tl_err *err);

int h_order_create(srv_req *r, tl_db *db, tl_err *err);
int h_order_list(srv_req *r, tl_db *db, tl_err *err);
int h_order_get(srv_req *r, tl_db *db, tl_err *err);
int h_order_patch(srv_req *r, tl_db *db, tl_err *err);
int h_order_cancel(srv_req *r, tl_db *db, tl_err *err);
int h_order_queue(srv_req *r, tl_db *db, tl_err *err);
int h_order_history(srv_req *r, tl_db *db, tl_err *err);

int h_bill_list(srv_req *r, tl_db *db, tl_err *err);
int h_bill_get(srv_req *r, tl_db *db, tl_err *err);

int h_account_load(srv_req *r, tl_db *db, tl_err *err);
int h_account_list(srv_req *r, tl_db *db, tl_err *err);
int h_account_get(srv_req *r, tl_db *db, tl_err *err);
int h_account_patch(srv_req *r, tl_db *db, tl_err *err);

int h_payment_create(srv_req *r, tl_db *db, tl_err *err);
int h_aging(srv_req *r, tl_db *db, tl_err *err);

int h_audit_list(srv_req *r, tl_db *db, tl_err *err);

int h_order_timeline(srv_req *r, tl_db *db, tl_err *err);
int h_contract_get(srv_req *r, tl_db *db, tl_err *err);
int h_service_get(srv_req *r, tl_db *db, tl_err *err);
int h_equipment_list(srv_req *r, tl_db *db, tl_err *err);
int h_equipment_get(srv_req *r, tl_db *db, tl_err *err);
int h_billrun_create(srv_req *r, tl_db *db, tl_err *err);
int h_billrun_get(srv_req *r, tl_db *db, tl_err *err);
int h_billrun_approve(srv_req *r, tl_db *db, tl_err *err);
int h_service_code_audit(srv_req *r, tl_db *db, tl_err *err);
int h_sales_audit(srv_req *r, tl_db *db, tl_err *err);
int h_report_reconciliation(srv_req *r, tl_db *db, tl_err *err);
int h_report_finance(srv_req *r, tl_db *db, tl_err *err);
int h_commission_statement(srv_req *r, tl_db *db, tl_err *err);

/* cash (h_cash.c) */
int h_bankfile_import(srv_req *r, tl_db *db, tl_err *err);
int h_unapplied_cash(srv_req *r, tl_db *db, tl_err *err);
int h_cash_apply(srv_req *r, tl_db *db, tl_err *err);
int h_cash_unapply(srv_req *r, tl_db *db, tl_err *err);

/* working the book (h_book.c) */
int h_aging_grouped(srv_req *r, tl_db *db, tl_err *err);
int h_aging_kpi(srv_req *r, tl_db *db, tl_err *err);
int h_dispute_create(srv_req *r, tl_db *db, tl_err *err);
int h_dispute_list(srv_req *r, tl_db *db, tl_err *err);
int h_dispute_get(srv_req *r, tl_db *db, tl_err *err);
int h_dispute_forward(srv_req *r, tl_db *db, tl_err *err);
int h_dispute_resolve(srv_req *r, tl_db *db, tl_err *err);
int h_dispute_deny(srv_req *r, tl_db *db, tl_err *err);
int h_promise_create(srv_req *r, tl_db *db, tl_err *err);
int h_arrangement_create(srv_req *r, tl_db *db, tl_err *err);
int h_promise_list(srv_req *r, tl_db *db, tl_err *err);
int h_promise_evaluate(srv_req *r, tl_db *db, tl_err *err);
int h_dunning_run(srv_req *r, tl_db *db, tl_err *err);
int h_dunning_actions(srv_req *r, tl_db *db, tl_err *err);
int h_dunning_class_put(srv_req *r, tl_db *db, tl_err *err);
int h_contact_create(srv_req *r, tl_db *db, tl_err *err);
int h_contact_list(srv_req *r, tl_db *db, tl_err *err);
int h_worklist(srv_req *r, tl_db *db, tl_err *err);
int h_collector_put(srv_req *r, tl_db *db, tl_err *err);
int h_shutout_list(srv_req *r, tl_db *db, tl_err *err);
int h_shutout_get(srv_req *r, tl_db *db, tl_err *err);
int h_shutout_approve(srv_req *r, tl_db *db, tl_err *err);
int h_shutout_release(srv_req *r, tl_db *db, tl_err *err);

/* commissions (h_commissions.c) */
int h_commission_plan_list(srv_req *r, tl_db *db, tl_err *err);
int h_commission_plan_put(srv_req *r, tl_db *db, tl_err *err);
int h_commission_run(srv_req *r, tl_db *db, tl_err *err);
int h_commission_approve(srv_req *r, tl_db *db, tl_err *err);
int h_commission_audit(srv_req *r, tl_db *db, tl_err *err);

/* the AR ledger (h_acct.c) */
int h_payment_list(srv_req *r, tl_db *db, tl_err *err);
int h_payment_get(srv_req *r, tl_db *db, tl_err *err);
int h_payment_status(srv_req *r, tl_db *db, tl_err *err);
int h_ledger_list(srv_req *r, tl_db *db, tl_err *err);
int h_ledger_balance(srv_req *r, tl_db *db, tl_err *err);
int h_ledger_doc_create(srv_req *r, tl_db *db, tl_err *err);
int h_writeoff_create(srv_req *r, tl_db *db, tl_err *err);
int h_writeoff_list(srv_req *r, tl_db *db, tl_err *err);
int h_writeoff_approve(srv_req *r, tl_db *db, tl_err *err);
int h_writeoff_reject(srv_req *r, tl_db *db, tl_err *err);

/* statements, FX, credit (h_acct2.c) */
int h_statement_get(srv_req *r, tl_db *db, tl_err *err);
int h_statement_summary(srv_req *r, tl_db *db, tl_err *err);
int h_statement_resend(srv_req *r, tl_db *db, tl_err *err);
int h_fx_list(srv_req *r, tl_db *db, tl_err *err);
int h_fx_create(srv_req *r, tl_db *db, tl_err *err);
int h_credit_risk(srv_req *r, tl_db *db, tl_err *err);
int h_incomplete_files(srv_req *r, tl_db *db, tl_err *err);
int h_escalation_create(srv_req *r, tl_db *db, tl_err *err);
int h_escalation_list(srv_req *r, tl_db *db, tl_err *err);
int h_deposit_create(srv_req *r, tl_db *db, tl_err *err);
int h_deposit_list(srv_req *r, tl_db *db, tl_err *err);
int h_deposit_receive(srv_req *r, tl_db *db, tl_err *err);
int h_deposit_waive(srv_req *r, tl_db *db, tl_err *err);
int h_payment_method_create(srv_req *r, tl_db *db, tl_err *err);
int h_payment_method_list(srv_req *r, tl_db *db, tl_err *err);
int h_credit_inquiry_create(srv_req *r, tl_db *db, tl_err *err);

#endif
