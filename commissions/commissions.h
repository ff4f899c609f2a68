/*
 * commissions: indirect-agent commission plans, monthly statements,
 * clawbacks, adjustments, approval, exports and the finance audit.
 *
 * The module sits right of collections (common <- ... <- billing <-
 * collections <- commissions): it reads final invoices (billing),
 * payment applications and write-offs (collections), services
 * (provisioning), the order's agent (orders) and agents of record
 * (accounts), and writes only the commissions schema.
 *
 * Who is paid for a service: the agent named on the service's order,
 * else the account's agent of record on the service's billing start.
 * Under which plan: for each plan kind, the agent's plan in force on the
 * service's billing start, for the service's product or else for every
 * product.
 *
 * A statement is per agent, month and currency. Its lines, one per
 * account, service and kind, in account, circuit and kind order:
 *   percent_billed       basis = MRC lines (and their credits) of final
 *                        invoices issued in the month, periods starting
 *                        within the term from billing start
 *   percent_collected    basis = the MRC share of what was applied to
 *                        those invoices in the month: for each invoice,
 *                        round(applied x MRC / total) through the month's
 *                        end less the same through its start
 *   upfront_first_month  basis = the service's monthly MRC (per code, unit
 *                        price x quantity of its first billed period), on
 *                        the statement of the month its first final
 *                        invoice is issued
 *   upfront_nrc          basis = the service's NRC lines billed in the
 *                        month
 *   clawback_disconnect  the service disconnected within the plan's
 *                        clawback months of billing start: minus what
 *                        approved statements paid on it; once per service
 *   clawback_write_off   an invoice billing the service was written off
 *                        (ledger entry write_off): the same
 *   adjustment           a correction (commissions_adjust) carried onto
 *                        the agent's next statement
 * amount = basis x rate rounded half-even once per line. The rate of a
 * plan with volume tiers is the highest tier whose threshold the agent's
 * new MRC of the month (monthly MRC of services whose billing starts in
 * it) is strictly above, else the plan rate. A clawed-back service earns
 * nothing more. Totals: lines total + carried in (a negative balance of
 * the previous approved statement) = payable (>= 0) + carried out (<= 0).
 *
 * Lifecycle: a run makes drafts; running the month again rebuilds the
 * drafts from scratch (same lines, same numbers, never duplicates); an
 * approved statement is immutable (the database refuses changes) and a
 * run leaves it alone; a correction after approval is an adjustment.
 */
#ifndef COMMISSIONS_H
#define COMMISSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

/* ---- rates (rates.c, pure) ---- */

#define COMMISSIONS_PPM 1000000

/* Parses a percentage written as a plain decimal ("12", "12.5",
 * "0.000001", at most 4 decimals) into millionths (120000, 125000).
 * TL_EINVALID for junk, a sign, too many decimals, 0 or more than 100. */
int commissions_rate_parse(int64_t *ppm, const char *text);

/* Writes a rate in millionths as a percentage without trailing zeros
 * ("12", "12.5", "0.0001"). Returns the length or TL_ERROR when buf is
 * too small. */
int commissions_rate_format(char *buf, size_t size, int64_t ppm);

/* The kind names, and whether a name is a plan kind. */
int commissions_plan_kind_known(const char *kind);

/* ---- plans (plans.c) ---- */

#define COMMISSIONS_MAX_TIERS 8

typedef struct commissions_tier {
    int64_t above_minor; /* new MRC strictly above this... */
    int64_t rate_ppm;    /* ...earns this rate */
} commissions_tier_t;

typedef struct commissions_plan_in {
    const char *agent_ref;
    const char *kind;       /* percent_billed, percent_collected, ... */
    const char *product_id; /* NULL: every product */
    int64_t rate_ppm;
    int term_months;     /* percent plans; 0: no limit */
    int clawback_months; /* 0: none */
    tl_date valid_from;
    const char *tier_currency; /* when n_tiers > 0 */
    size_t n_tiers;
    commissions_tier_t tiers[COMMISSIONS_MAX_TIERS];
    const char *actor;
} commissions_plan_in;

typedef struct commissions_plan {
    int64_t plan_id;
    char agent_ref[72];
    char kind[24];
    char product_id[40]; /* "" for every product */
    int64_t rate_ppm;
    int term_months; /* 0: no limit */
    int clawback_months;
    tl_date valid_from;
    int has_valid_to;
    tl_date valid_to;
    char tier_currency[4];
    size_t n_tiers;
    commissions_tier_t tiers[COMMISSIONS_MAX_TIERS];
} commissions_plan_t;

/* Defines a plan from valid_from on. The same plan again (same kind,
 * product, start and values) changes nothing (*created 0). A plan of the
 * same kind and product in force on valid_from that started earlier ends
 * there; one starting on valid_from with other values, or after it, is
 * TL_ECONFLICT. TL_ENOTFOUND for an unknown agent or product; TL_EINVALID
 * (every problem listed) for a bad kind, rate, term, clawback or tier.
 * Audited as a change by actor. */
int commissions_plan_put(int64_t *plan_id, int *created, tl_db *db,
                         const commissions_plan_in *in, tl_err *err);

/* Calls fn for each plan of the agent (every agent when agent_ref is
 * NULL), by agent, kind, product and start. Returns the count or a
 * negative status. */
typedef int (*commissions_plan_fn)(const commissions_plan_t *p, void *cls,
                                   tl_err *err);
int commissions_plans(tl_db *db, const char *agent_ref, commissions_plan_fn fn,
                      void *cls, tl_err *err);

/* ---- statements (run.c, statement.c) ---- */

typedef struct commissions_run_result {
    int statements;      /* drafts made or rebuilt */
    int lines;           /* their lines */
    int approved_kept;   /* approved statements of the month left alone */
    int64_t total_minor; /* sum of the drafts' line totals (mixed
                            currencies are summed as numbers only) */
} commissions_run_result;

/* Runs the month (year, month) for one agent (agent_ref) or every agent
 * (NULL), in one SERIALIZABLE transaction retried on serialization
 * failure, audited as one event. Drafts of the month are rebuilt; approved
 * statements are left alone. TL_ENOTFOUND for an unknown agent;
 * TL_EINVALID for a bad month; TL_ECONFLICT "earlier_draft_open" while a
 * statement of an earlier month in scope is still a draft. */
int commissions_run(commissions_run_result *out, tl_db *db,
                    const char *agent_ref, int year, int month,
                    const char *actor, tl_err *err);

typedef struct commissions_statement {
    int64_t statement_id;
    char number[112]; /* CS-<agent>-<YYYY-MM>-<currency> */
    char agent_ref[72];
    char agent_name[160];
    char month[8]; /* YYYY-MM */
    char currency[4];
    char status[12]; /* draft, approved */
    int line_count;
    tl_money lines_total;
    tl_money carried_in;
    tl_money payable;
    tl_money carried_out;
    tl_money billed_mrc;      /* tie-out: what billing billed */
    tl_money collected_mrc;   /* tie-out: what collections collected */
    tl_money basis_billed;    /* sum of percent_billed bases */
    tl_money basis_collected; /* sum of percent_collected bases */
    tl_money new_mrc;
    char created_by[64];
    char approved_by[64]; /* "" while draft */
    char approved_at[40];
} commissions_statement_t;

typedef struct commissions_line {
    int line_no;
    char account_number[40];
    char circuit_id[64]; /* "" for an adjustment about the account */
    char kind[24];
    int64_t plan_id; /* 0 when none */
    int64_t adjustment_id;
    tl_money basis;
    int64_t rate_ppm;
    tl_money amount;
    char description[256];
} commissions_line_t;

/* A statement with its lines (owned: commissions_statement_free). */
typedef struct commissions_doc {
    commissions_statement_t st;
    size_t n_lines;
    commissions_line_t *lines;
} commissions_doc_t;

/* Reads the statement of agent, month and currency (NULL: the only
 * one). TL_ENOTFOUND; TL_ECONFLICT "several_currencies" when currency is
 * NULL and the month has statements in several. *out is zeroed on
 * failure. */
int commissions_statement_get(commissions_doc_t *out, tl_db *db,
                              const char *agent_ref, int year, int month,
                              const char *currency, tl_err *err);

/* Frees the lines and zeroes *doc. NULL-safe. */
void commissions_statement_free(commissions_doc_t *doc);

/* Approves the draft (totals recomputed with the balance carried from the
 * previous approved statement) in one transaction, audited. Approving an
 * approved statement changes nothing (*approved 0). TL_ENOTFOUND,
 * TL_ECONFLICT as commissions_statement_get. */
int commissions_approve(int *approved, tl_db *db, const char *agent_ref,
                        int year, int month, const char *currency,
                        const char *actor, tl_err *err);

typedef struct commissions_adjust_in {
    const char *agent_ref;
    const char *account_number;
    const char *circuit_id; /* NULL: about the account */
    tl_money amount;        /* signed, non-zero, the account's currency */
    int year;               /* first statement month it may go on */
    int month;
    const char *reason;
    const char *actor;
} commissions_adjust_in;

/* Records an adjustment to be carried onto the agent's next statement
 * of (year, month) or later. TL_ENOTFOUND for an unknown agent, account
 * or circuit (of another account); TL_EINVALID for a zero amount, a
 * currency other than the account's, a missing reason. Audited. */
int commissions_adjust(int64_t *adjustment_id, tl_db *db,
                       const commissions_adjust_in *in, tl_err *err);

/* ---- exports (render.c, pure) ---- */

/* The statement as CSV (RFC 4180 quoting, lines end in LF; header
 * line_no,account,circuit,kind, basis,rate_percent,amount,currency,description,
 * then one row per line, then the TOTAL, CARRIED_IN, PAYABLE and CARRIED_OUT
 * rows), as JSON (amounts as decimal strings), or as one self-contained
 * printable HTML page with every text escaped. *out is malloc'ed (the caller
 * frees it), NULL on failure (TL_ERROR). The same statement renders the same
 * bytes. */
int commissions_render_csv(char **out, const commissions_doc_t *doc,
                           tl_err *err);
int commissions_render_json(char **out, const commissions_doc_t *doc,
                            tl_err *err);
int commissions_render_html(char **out, const commissions_doc_t *doc,
                            tl_err *err);

/* ---- the finance audit (audit.c) ---- */

/* One finding on a statement line of the month, or (line_no 0) a check
 * that could not be made. Codes:
 *   service_without_signed_order  the service's order never reached
 *                                 acceptance (draft, submitted, held,
 *                                 rejected or cancelled)
 *   agent_not_of_record           the agent paid is not the account's
 *                                 agent of record on the service's
 *                                 billing start
 *   disputed_invoice              the service was billed on an invoice
 *                                 under dispute (collections.dispute,
 *                                 on the invoice or a line of the
 *                                 service) at some time in the month
 * Strings live until fn returns. */
typedef struct commissions_finding {
    const char *code;
    const char *status; /* "finding" */
    const char *agent_ref;
    const char *month;
    const char *account_number;
    const char *circuit_id;
    int line_no;
    tl_money amount; /* the line's amount */
    const char *message;
} commissions_finding_t;

typedef int (*commissions_finding_fn)(const commissions_finding_t *f, void *cls,
                                      tl_err *err);

/* Audits the statements of (year, month) of one agent or all (NULL).
 * Returns the number of findings or a negative status. */
int commissions_audit(tl_db *db, const char *agent_ref, int year, int month,
                      commissions_finding_fn fn, void *cls, tl_err *err);

#endif
