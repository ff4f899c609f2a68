/*
 * Working the book against a fresh database: aging at the bucket edges
 * and its KPIs, disputes shown apart and not dunned, the credit memo that
 * resolves one, promises and arrangements kept and broken (scenario 18),
 * dunning run twice on one day, the work queue's order, and shutout ->
 * provisioning suspend request -> release on payment. Amounts to the cent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/acct.h"
#include "collections/book.h"
#include "collections/cash.h"
#include "collections/collections.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;
static int invoices_made;

static void setup(void)
{
    db = tl_test_db_open();
    tl_err_init(&err);
    invoices_made = 0;
}

static void teardown(void)
{
    tl_err_clear(&err);
    tl_test_db_close(db);
    db = NULL;
}

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

static const char *fmt_day(char buf[16], tl_date d)
{
    ck_assert_int_eq(tl_date_format(buf, 16, d), 10);
    return buf;
}

/* Runs SQL with text parameters; returns the first column of the first
 * row as a number (0 when there is none). */
static int64_t sqlv(const char *text, int n, const char *const *params)
{
    PGresult *res =
        PQexecParams(tl_db_pgconn(db), text, n, NULL, params, NULL, NULL, 0);
    int64_t v = 0;

    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
                      PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", text, PQresultErrorMessage(res));
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
        !PQgetisnull(res, 0, 0))
        v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

static int64_t account(const char *number)
{
    return tl_fx_account(db, number, 1, 101);
}

/* A final invoice posted to the ledger: its own bill run, issued 30 days
 * before it is due. Returns the invoice id. */
static int64_t invoice(int64_t account_id, const char *number, tl_date due,
                       int64_t amount)
{
    char acct[24];
    char n[16];
    char issue[16];
    char due_text[16];
    char amt[24];
    const char *params[6] = {acct, n, issue, due_text, amt, number};

    snprintf(acct, sizeof(acct), "%lld", (long long)account_id);
    snprintf(n, sizeof(n), "%d", ++invoices_made);
    fmt_day(issue, tl_date_add_days(due, -30));
    fmt_day(due_text, due);
    snprintf(amt, sizeof(amt), "%lld", (long long)amount);
    return sqlv(
        "WITH r AS (INSERT INTO billing.bill_run (cycle_day, period_start,"
        " period_end, issue_date, status, started_by, approved_by,"
        " approved_at) VALUES (1, DATE '2000-01-01' + $2::int,"
        " DATE '2000-01-02' + $2::int, $3::date, 'approved', 'test', 'test',"
        " now()) RETURNING run_id),"
        " i AS (INSERT INTO billing.invoice (account_id, invoice_number,"
        " series, sequence_no, run_id, period_start, period_end, issue_date,"
        " due_date, currency, subtotal_minor, tax_minor, total_minor, status)"
        " SELECT $1::bigint, $6, 'standard', 100000 + $2::int, run_id,"
        " $3::date, $3::date + 30, $3::date, $4::date, 'USD', $5::bigint, 0,"
        " $5::bigint, 'final' FROM r"
        " RETURNING account_id, invoice_id, invoice_number, issue_date,"
        " due_date, total_minor)"
        " INSERT INTO collections.ledger_entry (account_id, kind, source_ref,"
        " amount_minor, currency, effective_date, due_date, invoice_id)"
        " SELECT account_id, 'invoice', invoice_number, total_minor, 'USD',"
        " issue_date, due_date, invoice_id FROM i RETURNING invoice_id",
        6, params);
}

static void pay(const char *account_number, int64_t amount, const char *date,
                const char *reference)
{
    collections_payment_in in;
    collections_payment_result res;

    memset(&in, 0, sizeof(in));
    in.account_number = account_number;
    ck_assert_int_eq(tl_money_make(&in.amount, amount, "USD"), 0);
    in.received_date = day(date);
    in.reference = reference;
    in.method = "wire";
    in.actor = "test";
    ck_assert_msg(collections_post_payment(&res, db, &in, &err) == 0, "%s",
                  err.message);
}

/* ---- aging ---- */

typedef struct groups {
    collections_aging_group g[16];
    char keys[16][64];
    int n;
} groups;

static int keep_group(const collections_aging_group *g, void *cls, tl_err *e)
{
    groups *gs = cls;

    (void)e;
    ck_assert_int_lt(gs->n, 16);
    gs->g[gs->n] = *g;
    snprintf(gs->keys[gs->n], sizeof(gs->keys[0]), "%s", g->key);
    gs->g[gs->n].key = gs->keys[gs->n];
    gs->g[gs->n].name = NULL;
    gs->n++;
    return 0;
}

static void aging(groups *gs, const char *as_of, collections_aging_by by)
{
    memset(gs, 0, sizeof(*gs));
    ck_assert_msg(collections_aging_grouped(db, day(as_of), by, keep_group, gs,
                                            &err) >= 0,
                  "%s", err.message);
}

static int keep_legacy(const collections_aging_row *r, void *cls, tl_err *e)
{
    (void)e;
    *(collections_aging_row *)cls = *r;
    return 0;
}

START_TEST(aging_puts_each_edge_day_in_its_bucket)
{
    static const struct {
        int days;
        int64_t amount;
    } edges[] = {{0, 10000},   {1, 10100},  {30, 13000}, {31, 13100},
                 {60, 16000},  {61, 16100}, {90, 19000}, {91, 19100},
                 {120, 22000}, {121, 22100}};
    static const int64_t expect[COLLECTIONS_BUCKETS] = {
        10000,         10100 + 13000, 13100 + 16000,
        16100 + 19000, 19100 + 22000, 22100};
    collections_aging_row legacy;
    int64_t id = account("AG-1");
    char number[32];
    groups gs;
    size_t i;

    for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        snprintf(number, sizeof(number), "AG-INV-%03d", edges[i].days);
        invoice(id, number, tl_date_add_days(day("2026-12-31"), -edges[i].days),
                edges[i].amount);
    }
    aging(&gs, "2026-12-31", COLLECTIONS_BY_ACCOUNT);
    ck_assert_int_eq(gs.n, 1);
    ck_assert_str_eq(gs.g[0].key, "AG-1");
    for (i = 0; i < COLLECTIONS_BUCKETS; i++)
        ck_assert_msg(gs.g[0].bucket[i] == expect[i], "bucket %s: %lld",
                      collections_bucket_name((int)i),
                      (long long)gs.g[0].bucket[i]);
    ck_assert_int_eq(gs.g[0].open_total, 160500);
    ck_assert_int_eq(gs.g[0].disputed, 0);
    ck_assert_int_eq(gs.g[0].open_invoices, 10);

    /* the day before, every invoice is one day younger */
    aging(&gs, "2026-12-30", COLLECTIONS_BY_ACCOUNT);
    ck_assert_int_eq(gs.g[0].bucket[COLLECTIONS_BUCKET_CURRENT], 10000 + 10100);
    ck_assert_int_eq(gs.g[0].bucket[COLLECTIONS_BUCKET_OVER_120], 0);

    /* the account aging of the walking skeleton agrees */
    memset(&legacy, 0, sizeof(legacy));
    ck_assert_int_eq(
        collections_aging(db, day("2026-12-31"), keep_legacy, &legacy, &err),
        1);
    for (i = 0; i < COLLECTIONS_BUCKETS; i++)
        ck_assert_int_eq(legacy.bucket[i], expect[i]);

    /* by collector and by agent: one group for the unassigned/direct */
    aging(&gs, "2026-12-31", COLLECTIONS_BY_COLLECTOR);
    ck_assert_int_eq(gs.n, 1);
    ck_assert_str_eq(gs.g[0].key, "(unassigned)");
    ck_assert_int_eq(gs.g[0].open_total, 160500);
    ck_assert_int_eq(collections_assign(db, "AG-1", "pat", "test", &err), 0);
    aging(&gs, "2026-12-31", COLLECTIONS_BY_COLLECTOR);
    ck_assert_str_eq(gs.g[0].key, "pat");
    aging(&gs, "2026-12-31", COLLECTIONS_BY_AGENT);
    ck_assert_str_eq(gs.g[0].key, "(direct)");
    ck_assert_int_eq(gs.g[0].bucket[COLLECTIONS_BUCKET_91_120], 41100);
    /* an agent of record from 2026-12-01: the aging of 12-31 is his,
     * the aging of 11-30 is still direct */
    sqlv("INSERT INTO accounts.person (person_ref, name, kind)"
         " VALUES ('SUMMIT', 'Summit Telecom Partners', 'agent')",
         0, NULL);
    sqlv("INSERT INTO accounts.account_assignment (account_id, role,"
         " valid_from, person_id) SELECT b.account_id, 'agent',"
         " '2026-12-01', p.person_id FROM accounts.billing_account b,"
         " accounts.person p WHERE b.account_number = 'AG-1'"
         " AND p.person_ref = 'SUMMIT'",
         0, NULL);
    aging(&gs, "2026-12-31", COLLECTIONS_BY_AGENT);
    ck_assert_int_eq(gs.n, 1);
    ck_assert_str_eq(gs.g[0].key, "SUMMIT");
    ck_assert_int_eq(gs.g[0].open_total, 160500);
    aging(&gs, "2026-11-30", COLLECTIONS_BY_AGENT);
    ck_assert_str_eq(gs.g[0].key, "(direct)");
}
END_TEST

/* Aging of a past date counts only what had happened by then, also for
 * the invoices and payments moved again after it (their kept positions
 * are re-added from their entries for that date). Invoice A 1000.00 due
 * 10-31; 300.00 paid 11-10 and 900.00 on 12-05 (200.00 left on account);
 * invoice B 150.00 due 2027-01-31, paid from that credit on 2027-01-05. */
START_TEST(aging_of_a_past_date_ignores_later_moves)
{
    static const struct {
        const char *as_of;
        int groups;
        int64_t current, b_1_30, open_total, unapplied;
        int open_invoices;
    } want[] = {
        {"2026-09-30", 0, 0, 0, 0, 0, 0},
        {"2026-10-15", 1, 100000, 0, 100000, 0, 1},
        {"2026-11-20", 1, 0, 70000, 70000, 0, 1},
        {"2026-12-31", 1, 0, 0, 0, 20000, 0},
        {"2027-01-02", 1, 15000, 0, 15000, 20000, 1},
        {"2027-01-10", 1, 0, 0, 0, 5000, 0},
    };
    int64_t id = account("PM-1");
    cash_apply_in in;
    cash_apply_result out;
    groups gs;
    size_t i;

    invoice(id, "PM-A", day("2026-10-31"), 100000);
    pay("PM-1", 30000, "2026-11-10", "PM-W1");
    pay("PM-1", 90000, "2026-12-05", "PM-W2");
    invoice(id, "PM-B", day("2027-01-31"), 15000);
    memset(&in, 0, sizeof(in));
    in.payment_id = sqlv("SELECT payment_id FROM collections.payment"
                         " WHERE reference = 'PM-W2'",
                         0, NULL);
    in.invoice_number = "PM-B";
    in.date = day("2027-01-05");
    in.note = "credit on account to the January invoice";
    in.actor = "test";
    ck_assert_msg(cash_apply(&out, db, &in, &err) == 0, "%s", err.message);
    ck_assert_int_eq(out.applied.minor, 15000);
    ck_assert_int_eq(out.left.minor, 5000);

    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        aging(&gs, want[i].as_of, COLLECTIONS_BY_ACCOUNT);
        ck_assert_msg(gs.n == want[i].groups, "%s: %d groups", want[i].as_of,
                      gs.n);
        if (gs.n == 0)
            continue;
        ck_assert_msg(
            gs.g[0].bucket[COLLECTIONS_BUCKET_CURRENT] == want[i].current &&
                gs.g[0].bucket[COLLECTIONS_BUCKET_1_30] == want[i].b_1_30 &&
                gs.g[0].open_total == want[i].open_total &&
                gs.g[0].unapplied == want[i].unapplied &&
                gs.g[0].open_invoices == want[i].open_invoices,
            "%s: current %lld, 1-30 %lld, open %lld, unapplied "
            "%lld, %d invoices",
            want[i].as_of,
            (long long)gs.g[0].bucket[COLLECTIONS_BUCKET_CURRENT],
            (long long)gs.g[0].bucket[COLLECTIONS_BUCKET_1_30],
            (long long)gs.g[0].open_total, (long long)gs.g[0].unapplied,
            gs.g[0].open_invoices);
    }
}
END_TEST

/* Posts an account-level ledger document (no invoice). */
static void account_doc(const char *kind, const char *account, int64_t amount,
                        const char *date, const char *reference)
{
    collections_doc_in in;
    collections_doc_result res;

    memset(&in, 0, sizeof(in));
    in.kind = kind;
    in.account_number = account;
    ck_assert_int_eq(tl_money_make(&in.amount, amount, "USD"), 0);
    in.date = day(date);
    in.reference = reference;
    in.reason = "carried over from the legacy AR system";
    in.actor = "test";
    ck_assert_msg(collections_doc_post(&res, db, &in, &err) == 0, "%s",
                  err.message);
}

typedef struct work_seen {
    char account[32];
    int64_t at_risk, open_total;
    int oldest_days;
} work_seen;

static int keep_work_item(const collections_work_item *w, void *cls, tl_err *e)
{
    work_seen *seen = cls;

    (void)e;
    snprintf(seen->account, sizeof(seen->account), "%s", w->account_number);
    seen->at_risk = w->at_risk;
    seen->open_total = w->open_total;
    seen->oldest_days = w->oldest_days;
    return 0;
}

/* What an account owes that names no invoice is aged too: a debit memo
 * of 200.00 (an opening balance carried over) is an open item from its
 * date, an account-level adjustment of -30.00 is credit on account, like
 * the 100.00 of a 600.00 payment left after the 500.00 invoice. Open less
 * credit is the ledger balance on every date. */
START_TEST(aging_shows_account_level_items_and_ties_to_the_ledger)
{
    static const struct {
        const char *as_of;
        int64_t current, b_1_30, b_31_60, open_total, credit, balance;
        int open_invoices;
    } want[] = {
        {"2026-11-16", 50000, 20000, 0, 70000, 0, 70000, 1},
        {"2026-11-25", 50000, 20000, 0, 70000, 3000, 67000, 1},
        {"2026-12-31", 0, 0, 20000, 20000, 13000, 7000, 0},
    };
    int64_t id = account("AL-1");
    collections_aging_row legacy;
    tl_money balance;
    groups gs;
    size_t i;

    invoice(id, "AL-A", day("2026-11-30"), 50000);
    account_doc("debit_memo", "AL-1", 20000, "2026-11-15", "AL-OPENING");
    account_doc("adjustment", "AL-1", -3000, "2026-11-20", "AL-ADJ");
    pay("AL-1", 60000, "2026-12-01", "AL-W1");

    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        aging(&gs, want[i].as_of, COLLECTIONS_BY_ACCOUNT);
        ck_assert_int_eq(gs.n, 1);
        ck_assert_msg(
            gs.g[0].bucket[COLLECTIONS_BUCKET_CURRENT] == want[i].current &&
                gs.g[0].bucket[COLLECTIONS_BUCKET_1_30] == want[i].b_1_30 &&
                gs.g[0].bucket[COLLECTIONS_BUCKET_31_60] == want[i].b_31_60 &&
                gs.g[0].open_total == want[i].open_total &&
                gs.g[0].unapplied == want[i].credit &&
                gs.g[0].open_invoices == want[i].open_invoices,
            "%s: current %lld, 1-30 %lld, 31-60 %lld, open %lld, credit "
            "%lld, %d invoices",
            want[i].as_of,
            (long long)gs.g[0].bucket[COLLECTIONS_BUCKET_CURRENT],
            (long long)gs.g[0].bucket[COLLECTIONS_BUCKET_1_30],
            (long long)gs.g[0].bucket[COLLECTIONS_BUCKET_31_60],
            (long long)gs.g[0].open_total, (long long)gs.g[0].unapplied,
            gs.g[0].open_invoices);
        ck_assert_int_eq(collections_account_balance(&balance, db, "AL-1",
                                                     day(want[i].as_of), &err),
                         0);
        ck_assert_int_eq(balance.minor, want[i].balance);
        ck_assert_int_eq(gs.g[0].open_total - gs.g[0].unapplied, balance.minor);
        /* the account aging of the walking skeleton agrees */
        memset(&legacy, 0, sizeof(legacy));
        ck_assert_int_eq(collections_aging(db, day(want[i].as_of), keep_legacy,
                                           &legacy, &err),
                         1);
        ck_assert_int_eq(legacy.open_total, want[i].open_total);
        ck_assert_int_eq(legacy.unapplied, want[i].credit);
    }
    /* the collector's queue chases the debit memo, 46 days past due on
     * 12-31, less the 130.00 of credit on account: 70.00 at risk, the
     * balance */
    {
        work_seen w;

        memset(&w, 0, sizeof(w));
        ck_assert_int_eq(collections_worklist(db, day("2026-12-31"), NULL,
                                              keep_work_item, &w, &err),
                         1);
        ck_assert_str_eq(w.account, "AL-1");
        ck_assert_int_eq(w.at_risk, 7000);
        ck_assert_int_eq(w.oldest_days, 46);
        ck_assert_int_eq(w.open_total, 7000);
    }
}
END_TEST

static int keep_kpi(const collections_kpi *k, void *cls, tl_err *e)
{
    (void)e;
    *(collections_kpi *)cls = *k;
    return 0;
}

/* AR on 12-01 3000.00; invoiced in December 6000.00; 1000.00 paid: AR on
 * 12-31 8000.00 of which 6000.00 current. DSO 8000 / 6000 * 30 = 40.0
 * days; CEI (3000 + 6000 - 8000) / (3000 + 6000 - 6000) = 33.3 %. */
START_TEST(kpis_give_dso_and_cei_in_tenths)
{
    int64_t id = account("KP-1");
    collections_kpi k;

    invoice(id, "KP-X", day("2026-12-15"), 300000);
    invoice(id, "KP-Y", day("2027-01-09"), 600000);
    pay("KP-1", 100000, "2026-12-20", "KP-W1");
    ck_assert_int_eq(
        collections_kpis(db, day("2026-12-31"), 0, keep_kpi, &k, &err),
        TL_EINVALID);
    ck_assert_str_eq(err.field, "days");
    tl_err_clear(&err);
    memset(&k, 0, sizeof(k));
    ck_assert_int_eq(
        collections_kpis(db, day("2026-12-31"), 30, keep_kpi, &k, &err), 1);
    ck_assert_str_eq(k.currency, "USD");
    ck_assert_int_eq(k.ar_begin, 300000);
    ck_assert_int_eq(k.sales, 600000);
    ck_assert_int_eq(k.ar_end, 800000);
    ck_assert_int_eq(k.current_end, 600000);
    ck_assert_int_eq(k.dso_tenths, 400);
    ck_assert_int_eq(k.cei_tenths, 333);
}
END_TEST

/* ---- disputes ---- */

static collections_dispute_in dispute_in(const char *invoice_number,
                                         int64_t amount, const char *reason,
                                         const char *date)
{
    collections_dispute_in in;

    memset(&in, 0, sizeof(in));
    in.invoice_number = invoice_number;
    ck_assert_int_eq(tl_money_make(&in.amount, amount, "USD"), 0);
    in.reason = reason;
    in.opened_on = day(date);
    in.actor = "collector";
    return in;
}

typedef struct actions {
    char account[8][32];
    char action[8][32];
    int64_t amount[8];
    int n;
} actions;

static int keep_action(const collections_dunning_action *a, void *cls,
                       tl_err *e)
{
    actions *as = cls;

    (void)e;
    ck_assert_int_lt(as->n, 8);
    snprintf(as->account[as->n], 32, "%s", a->account_number);
    snprintf(as->action[as->n], 32, "%s", a->action);
    as->amount[as->n] = a->amount.minor;
    as->n++;
    return 0;
}

static void actions_on(actions *as, const char *date)
{
    memset(as, 0, sizeof(*as));
    ck_assert_int_ge(
        collections_dunning_actions(db, day(date), NULL, keep_action, as, &err),
        0);
}

/* Scenario 17: Keystone disputes 1,200.00 of a 9,800.00 invoice. */
START_TEST(dispute_is_shown_apart_not_dunned_and_resolved_by_credit_memo)
{
    int64_t id = account("KL-2001");
    int64_t other = account("KL-2002");
    collections_dispute_in in;
    collections_dunning_result run;
    int64_t dispute_id = 0;
    int64_t again = 0;
    int64_t memo = 0;
    int created = 0;
    actions as;
    groups gs;

    invoice(id, "KL-INV-1", day("2026-11-15"), 980000);
    invoice(other, "KL-INV-2", day("2026-11-15"), 50000);

    /* refusals first: nothing is written */
    in = dispute_in("KL-INV-1", 990000, "", "2026-12-01");
    ck_assert_int_eq(
        collections_dispute_open(&dispute_id, &created, db, &in, &err),
        TL_EINVALID);
    ck_assert_str_eq(err.problems[0].field, "reason");
    tl_err_clear(&err);
    in = dispute_in("KL-INV-1", 990000, "site billed after closure",
                    "2026-12-01");
    ck_assert_int_eq(
        collections_dispute_open(&dispute_id, &created, db, &in, &err),
        TL_EINVALID);
    ck_assert_str_eq(err.problems[0].code, "exceeds_open");
    ck_assert_str_eq(err.problems[0].field, "amount");
    tl_err_clear(&err);
    in = dispute_in("KL-INV-9", 120000, "site billed after closure",
                    "2026-12-01");
    ck_assert_int_eq(
        collections_dispute_open(&dispute_id, &created, db, &in, &err),
        TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.dispute"), 0);

    in = dispute_in("KL-INV-1", 120000, "site billed after closure",
                    "2026-12-01");
    ck_assert_int_eq(
        collections_dispute_open(&dispute_id, &created, db, &in, &err), 0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_dispute_open(&again, &created, db, &in, &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(again, dispute_id);

    /* the other account's whole invoice is disputed */
    in = dispute_in("KL-INV-2", 50000, "never ordered", "2026-12-01");
    ck_assert_int_eq(collections_dispute_open(&again, &created, db, &in, &err),
                     0);

    aging(&gs, "2026-12-20", COLLECTIONS_BY_ACCOUNT);
    ck_assert_int_eq(gs.n, 2);
    ck_assert_str_eq(gs.g[0].key, "KL-2001");
    ck_assert_int_eq(gs.g[0].bucket[COLLECTIONS_BUCKET_31_60], 860000);
    ck_assert_int_eq(gs.g[0].disputed, 120000);
    ck_assert_int_eq(gs.g[0].open_total, 980000);
    ck_assert_int_eq(gs.g[1].bucket[COLLECTIONS_BUCKET_31_60], 0);
    ck_assert_int_eq(gs.g[1].disputed, 50000);
    /* before the dispute was opened nothing was disputed */
    aging(&gs, "2026-11-30", COLLECTIONS_BY_ACCOUNT);
    ck_assert_int_eq(gs.g[0].disputed, 0);
    ck_assert_int_eq(gs.g[0].bucket[COLLECTIONS_BUCKET_1_30], 980000);

    /* dunning sees 8,600.00 for Keystone and nothing for the other */
    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-20"), "dunning", &err),
        0);
    ck_assert_int_eq(run.actions, 1);
    actions_on(&as, "2026-12-20");
    ck_assert_int_eq(as.n, 1);
    ck_assert_str_eq(as.account[0], "KL-2001");
    ck_assert_str_eq(as.action[0], "call_task");
    ck_assert_int_eq(as.amount[0], 860000);

    /* the other account's dispute is denied: its 500.00 is dunned again
     * the next day, while Keystone's call task is within its 7 days */
    ck_assert_int_eq(collections_dispute_deny(db, again, day("2026-12-21"),
                                              "the order was signed", "billing",
                                              &err),
                     0);
    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-21"), "dunning", &err),
        0);
    ck_assert_int_eq(run.actions, 1);
    actions_on(&as, "2026-12-21");
    ck_assert_int_eq(as.n, 1);
    ck_assert_str_eq(as.account[0], "KL-2002");
    ck_assert_int_eq(as.amount[0], 50000);

    /* forwarded to billing, confirmed: the credit memo lowers the open
     * balance by exactly the disputed amount */
    ck_assert_int_eq(collections_dispute_forward(
                         db, dispute_id, day("2026-12-02"), "collector", &err),
                     0);
    ck_assert_int_eq(
        collections_dispute_resolve(&memo, db, dispute_id, day("2026-12-22"),
                                    "site closed in October", "billing", &err),
        0);
    ck_assert_int_gt(memo, 0);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT amount_minor AS n FROM collections.ledger_entry"
                        " WHERE kind = 'credit_memo' AND source_ref = 'CM-D1'"),
        -120000);
    /* a ledger document like a hand-posted credit memo, so that the
     * ledger-day GL journal takes it */
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.ledger_doc d"
                        " JOIN collections.ledger_entry e USING (account_id,"
                        " entry_id) WHERE e.source_ref = 'CM-D1'"
                        " AND d.doc_kind = 'credit_memo'"
                        " AND d.posted_by = 'billing'"
                        " AND d.reason = 'dispute 1 resolved'"),
        1);
    aging(&gs, "2026-12-22", COLLECTIONS_BY_ACCOUNT);
    ck_assert_int_eq(gs.g[0].open_total, 860000);
    ck_assert_int_eq(gs.g[0].bucket[COLLECTIONS_BUCKET_31_60], 860000);
    ck_assert_int_eq(gs.g[0].disputed, 0);
    /* resolving again returns the same memo; denying it now conflicts */
    again = 0;
    ck_assert_int_eq(collections_dispute_resolve(&again, db, dispute_id,
                                                 day("2026-12-23"), NULL,
                                                 "billing", &err),
                     0);
    ck_assert_int_eq(again, memo);
    ck_assert_int_eq(collections_dispute_deny(db, dispute_id, day("2026-12-23"),
                                              "no", "billing", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action LIKE 'dispute.%'"),
                     5);
    /* a payment of the invoice's full 9,800.00 pays what it still owes
     * after the credit memo; the 1,200.00 left is credit on account */
    pay("KL-2001", 980000, "2026-12-28", "WIRE-KL-1");
    ck_assert_int_eq(tl_fx_count(db, "SELECT sum(amount_minor) AS n"
                                     " FROM collections.application"
                                     " WHERE invoice_id = (SELECT invoice_id"
                                     "  FROM billing.invoice"
                                     "  WHERE invoice_number = 'KL-INV-1')"),
                     860000);
    aging(&gs, "2026-12-29", COLLECTIONS_BY_ACCOUNT);
    ck_assert_int_eq(gs.g[0].open_total, 0);
    ck_assert_int_eq(gs.g[0].unapplied, 120000);
}
END_TEST

/* ---- promises ---- */

typedef struct promises {
    char state[8][12];
    int64_t paid[8];
    int64_t amount[8];
    int installment[8];
    char account[8][32];
    int n;
} promises;

static int keep_promise(const collections_promise *p, void *cls, tl_err *e)
{
    promises *ps = cls;

    (void)e;
    ck_assert_int_lt(ps->n, 8);
    snprintf(ps->state[ps->n], 12, "%s", p->state);
    snprintf(ps->account[ps->n], 32, "%s", p->account_number);
    ps->paid[ps->n] = p->paid.minor;
    ps->amount[ps->n] = p->amount.minor;
    ps->installment[ps->n] = p->installment_no;
    ps->n++;
    return 0;
}

/* Scenario 18: Keystone promises 4,000.00 by the 20th and pays 2,500.00
 * on the 21st: broken; the arrangement's next installment stands. */
START_TEST(promise_broken_when_paid_late_and_next_installment_stands)
{
    collections_installment inst[2];
    collections_promise_eval ev;
    collections_dunning_result run;
    int64_t promise_id = 0;
    int64_t other_id = 0;
    int64_t arrangement_id = 0;
    int created = 0;
    tl_money m;
    promises ps;
    actions as;
    int64_t id = account("KL-2001");
    int64_t early = account("PR-2");

    invoice(id, "KL-INV-1", day("2026-11-15"), 980000);
    invoice(early, "PR-INV-1", day("2026-11-15"), 100000);

    ck_assert_int_eq(tl_money_make(&m, 0, "USD"), 0);
    ck_assert_int_eq(collections_promise_add(&promise_id, &created, db,
                                             "KL-2001", &m, day("2026-12-10"),
                                             day("2026-12-20"), "pat", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.problems[0].field, "amount");
    tl_err_clear(&err);

    ck_assert_int_eq(tl_money_make(&m, 400000, "USD"), 0);
    ck_assert_int_eq(collections_promise_add(&promise_id, &created, db,
                                             "KL-2001", &m, day("2026-12-10"),
                                             day("2026-12-20"), "pat", &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(collections_promise_add(&other_id, &created, db, "KL-2001",
                                             &m, day("2026-12-10"),
                                             day("2026-12-20"), "pat", &err),
                     0);
    ck_assert_int_eq(created, 0);
    ck_assert_int_eq(other_id, promise_id);
    inst[0].amount = m;
    inst[0].due = day("2026-12-20");
    inst[1].amount = m;
    inst[1].due = day("2027-01-20");
    ck_assert_int_eq(collections_arrangement_add(
                         &arrangement_id, &created, db, "KL-2001",
                         day("2026-12-10"), inst, 2, "two months", "pat", &err),
                     0);
    ck_assert_int_eq(created, 1);
    ck_assert_int_eq(tl_money_make(&m, 100000, "USD"), 0);
    ck_assert_int_eq(collections_promise_add(&other_id, &created, db, "PR-2",
                                             &m, day("2026-12-10"),
                                             day("2026-12-20"), "pat", &err),
                     0);

    /* while the promises are pending, dunning leaves both accounts alone */
    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-15"), "dunning", &err),
        0);
    ck_assert_int_eq(run.actions, 0);

    pay("PR-2", 100000, "2026-12-18", "PR-W1");
    pay("KL-2001", 250000, "2026-12-21", "KL-W1");
    ck_assert_int_eq(
        collections_promises_evaluate(&ev, db, day("2026-12-21"), "test", &err),
        0);
    ck_assert_int_eq(ev.kept, 1);
    ck_assert_int_eq(ev.broken, 2);
    ck_assert_int_eq(ev.pending, 1);

    memset(&ps, 0, sizeof(ps));
    ck_assert_int_eq(
        collections_promises(db, NULL, NULL, keep_promise, &ps, &err), 4);
    /* KL-2001 by promised date: the promise and installment 1 (12-20),
     * then installment 2 (01-20); PR-2 last */
    ck_assert_str_eq(ps.state[0], "broken");
    ck_assert_int_eq(ps.paid[0], 0);
    ck_assert_str_eq(ps.state[1], "broken");
    ck_assert_int_eq(ps.paid[1], 0);
    ck_assert_int_eq(ps.installment[2], 2);
    ck_assert_str_eq(ps.state[2], "pending");
    ck_assert_int_eq(ps.amount[2], 400000);
    ck_assert_int_eq(ps.paid[2], 250000);
    ck_assert_str_eq(ps.account[3], "PR-2");
    ck_assert_str_eq(ps.state[3], "kept");
    ck_assert_int_eq(ps.paid[3], 100000);

    /* evaluating again settles nothing new */
    ck_assert_int_eq(
        collections_promises_evaluate(&ev, db, day("2026-12-21"), "test", &err),
        0);
    ck_assert_int_eq(ev.kept + ev.broken, 0);
    ck_assert_int_eq(ev.pending, 1);

    /* the standing installment still covers the account from dunning */
    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-22"), "dunning", &err),
        0);
    actions_on(&as, "2026-12-22");
    ck_assert_int_eq(as.n, 0);
}
END_TEST

/* ---- dunning ---- */

START_TEST(dunning_twice_the_same_day_creates_each_action_once)
{
    collections_dunning_result run;
    int64_t ent = account("DN-ENT");
    int64_t whs = account("DN-WHS");
    int64_t old = account("DN-OLD");
    actions as;

    ck_assert_int_eq(
        collections_set_class(db, "DN-WHS", "wholesale", "admin", &err), 0);
    ck_assert_int_eq(
        collections_set_class(db, "DN-WHS", "retail", "admin", &err),
        TL_EINVALID);
    tl_err_clear(&err);
    invoice(ent, "DN-INV-1", day("2026-11-16"), 150000); /* 45 days */
    invoice(whs, "DN-INV-2", day("2026-11-21"), 250000); /* 40 days */
    invoice(old, "DN-INV-3", day("2026-09-01"), 330000); /* 121 days */
    invoice(old, "DN-INV-4", day("2026-12-15"), 10000);  /* 16 days */

    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-31"), "dunning", &err),
        0);
    ck_assert_int_eq(run.actions, 3);
    ck_assert_int_eq(run.shutouts, 1);
    actions_on(&as, "2026-12-31");
    ck_assert_int_eq(as.n, 3);
    ck_assert_str_eq(as.account[0], "DN-ENT");
    ck_assert_str_eq(as.action[0], "call_task");
    ck_assert_int_eq(as.amount[0], 150000);
    ck_assert_str_eq(as.account[1], "DN-OLD");
    ck_assert_str_eq(as.action[1], "shutout");
    ck_assert_int_eq(as.amount[1], 340000);
    ck_assert_str_eq(as.account[2], "DN-WHS");
    ck_assert_str_eq(as.action[2], "statement");
    ck_assert_int_eq(as.amount[2], 250000);

    /* again the same day: nothing new, the same three actions */
    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-31"), "dunning", &err),
        0);
    ck_assert_int_eq(run.actions, 0);
    ck_assert_int_eq(run.shutouts, 0);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM collections.dunning_action"),
                     3);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.shutout"), 1);
    /* one audit event for the run that did something, none for the rerun */
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'dunning.run'"),
                     1);
    /* the next day the same steps are within their repeat days */
    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2027-01-01"), "dunning", &err),
        0);
    ck_assert_int_eq(run.actions, 0);
}
END_TEST

/* Credit on account pays toward what is past due: an account whose
 * credit covers it is not dunned, one covered in part is dunned for the
 * rest. */
START_TEST(dunning_counts_credit_on_account_against_the_past_due)
{
    collections_dunning_result run;
    int64_t part = account("DC-PART");
    int64_t full = account("DC-FULL");
    actions as;

    invoice(part, "DC-INV-1", day("2026-11-16"), 150000); /* 45 days */
    invoice(full, "DC-INV-2", day("2026-11-16"), 80000);
    account_doc("adjustment", "DC-PART", -50000, "2026-12-01", "DC-ADJ-1");
    account_doc("adjustment", "DC-FULL", -80000, "2026-12-01", "DC-ADJ-2");
    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-31"), "dunning", &err),
        0);
    ck_assert_int_eq(run.actions, 1);
    actions_on(&as, "2026-12-31");
    ck_assert_int_eq(as.n, 1);
    ck_assert_str_eq(as.account[0], "DC-PART");
    ck_assert_str_eq(as.action[0], "call_task");
    ck_assert_int_eq(as.amount[0], 100000);
}
END_TEST

/* ---- work queue ---- */

typedef struct queue {
    char account[8][32];
    int broken[8];
    int over[8];
    int n;
} queue;

static int keep_item(const collections_work_item *w, void *cls, tl_err *e)
{
    queue *q = cls;

    (void)e;
    ck_assert_int_lt(q->n, 8);
    ck_assert_int_eq(w->rank, q->n + 1);
    snprintf(q->account[q->n], 32, "%s", w->account_number);
    q->broken[q->n] = w->broken_promises;
    q->over[q->n] = w->over_limit;
    q->n++;
    return 0;
}

START_TEST(worklist_orders_by_risk_age_broken_promises_and_limit)
{
    collections_promise_eval ev;
    int64_t pid = 0;
    int created = 0;
    tl_money m;
    queue q;

    invoice(account("WQ-A"), "WQ-INV-A", day("2026-12-21"), 500000);
    invoice(account("WQ-B"), "WQ-INV-B", day("2026-11-21"), 500000);
    invoice(account("WQ-C"), "WQ-INV-C", day("2026-12-26"), 900000);
    invoice(account("WQ-D"), "WQ-INV-D", day("2026-11-21"), 500000);
    invoice(account("WQ-E"), "WQ-INV-E", day("2026-11-21"), 500000);
    /* not past due: not in the queue */
    invoice(account("WQ-F"), "WQ-INV-F", day("2027-01-05"), 700000);
    sqlv("UPDATE accounts.billing_account SET credit_limit_minor = 100000"
         " WHERE account_number = 'WQ-E'",
         0, NULL);
    ck_assert_int_eq(tl_money_make(&m, 200000, "USD"), 0);
    ck_assert_int_eq(collections_promise_add(&pid, &created, db, "WQ-D", &m,
                                             day("2026-12-01"),
                                             day("2026-12-10"), "pat", &err),
                     0);
    ck_assert_int_eq(
        collections_promises_evaluate(&ev, db, day("2026-12-11"), "test", &err),
        0);
    ck_assert_int_eq(ev.broken, 1);

    memset(&q, 0, sizeof(q));
    ck_assert_int_eq(
        collections_worklist(db, day("2026-12-31"), NULL, keep_item, &q, &err),
        5);
    ck_assert_str_eq(q.account[0], "WQ-C"); /* 9,000.00 at risk */
    ck_assert_str_eq(q.account[1], "WQ-D"); /* 40 days, broken promise */
    ck_assert_int_eq(q.broken[1], 1);
    ck_assert_str_eq(q.account[2], "WQ-E"); /* 40 days, over its limit */
    ck_assert_int_eq(q.over[2], 1);
    ck_assert_str_eq(q.account[3], "WQ-B"); /* 40 days */
    ck_assert_str_eq(q.account[4], "WQ-A"); /* 10 days */

    ck_assert_int_eq(collections_assign(db, "WQ-A", "pat", "lead", &err), 0);
    ck_assert_int_eq(collections_assign(db, "WQ-C", "pat", "lead", &err), 0);
    ck_assert_int_eq(collections_assign(db, "WQ-C", "pat", "lead", &err), 0);
    ck_assert_int_eq(collections_assign(db, "WQ-X", "pat", "lead", &err),
                     TL_ENOTFOUND);
    tl_err_clear(&err);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action = 'collector.assign'"),
                     2);
    memset(&q, 0, sizeof(q));
    ck_assert_int_eq(
        collections_worklist(db, day("2026-12-31"), "pat", keep_item, &q, &err),
        2);
    ck_assert_str_eq(q.account[0], "WQ-C");
    ck_assert_str_eq(q.account[1], "WQ-A");
}
END_TEST

/* ---- shutout and release ---- */

static int64_t active_service(const char *account_number, const char *ext)
{
    provisioning_service_t svc;
    char circuit[64];
    const char *params[1] = {ext};
    PGresult *res;

    tl_fx_order(db, account_number, ext, 101);
    res = PQexecParams(tl_db_pgconn(db),
                       "SELECT s.circuit_id, s.service_id"
                       " FROM provisioning.service s"
                       " JOIN orders.sales_order o USING (account_id, order_id)"
                       " WHERE o.external_id = $1",
                       1, NULL, params, NULL, NULL, 0);
    ck_assert_msg(PQntuples(res) == 1, "%s", PQresultErrorMessage(res));
    snprintf(circuit, sizeof(circuit), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "installed",
                                      day("2026-07-10"), "test", &err),
        0);
    ck_assert_int_eq(
        provisioning_record_milestone(&svc, db, circuit, "customer_accepted",
                                      day("2026-07-14"), "test", &err),
        0);
    return svc.service_id;
}

static void line(int64_t account_id, int64_t invoice_id, int line_no,
                 int64_t service_id, int64_t amount)
{
    char a[24];
    char i[24];
    char l[8];
    char s[24];
    char m[24];
    const char *params[5] = {a, i, l, s, m};

    snprintf(a, sizeof(a), "%lld", (long long)account_id);
    snprintf(i, sizeof(i), "%lld", (long long)invoice_id);
    snprintf(l, sizeof(l), "%d", line_no);
    snprintf(s, sizeof(s), "%lld", (long long)service_id);
    snprintf(m, sizeof(m), "%lld", (long long)amount);
    sqlv("INSERT INTO billing.invoice_line (account_id, invoice_id, line_no,"
         " service_id, code, charge_kind, description, quantity, unit_minor,"
         " amount_minor, price_source) VALUES ($1::bigint, $2::bigint,"
         " $3::int, $4::bigint, 'DIA-INST', 'NRC', 'installation', 1,"
         " $5::bigint, $5::bigint, 'list')",
         5, params);
}

static int keep_shutout(const collections_shutout *s, void *cls, tl_err *e)
{
    (void)e;
    *(int64_t *)cls = s->shutout_id;
    return 0;
}

/* Scenario 19: 91 days past due, no promise: dunning recommends shutout
 * of the circuits not under dispute; approval sends provisioning suspend
 * requests; a payment the next week releases (restore requests). */
START_TEST(shutout_suspends_undisputed_circuits_and_payment_releases)
{
    collections_dunning_result run;
    collections_dispute_in in;
    int64_t id;
    int64_t svc1;
    int64_t svc2;
    int64_t inv;
    int64_t shutout_id = 0;
    int64_t dispute_id = 0;
    int64_t request_id;
    int requests = 0;
    int released = 0;
    int created = 0;
    groups gs;

    tl_fx_catalog(db);
    id = account("SH-1");
    svc1 = active_service("SH-1", "EXT-SH-1");
    svc2 = active_service("SH-1", "EXT-SH-2");
    inv = invoice(id, "SH-INV-1", day("2026-09-01"), 300000);
    line(id, inv, 1, svc1, 200000);
    line(id, inv, 2, svc2, 100000);
    in = dispute_in("SH-INV-1", 100000, "circuit 2 never worked", "2026-10-01");
    in.line_no = 2;
    ck_assert_int_eq(
        collections_dispute_open(&dispute_id, &created, db, &in, &err), 0);
    in.line_no = 3;
    in.reason = "no such line";
    ck_assert_int_eq(
        collections_dispute_open(&dispute_id, &created, db, &in, &err),
        TL_ENOTFOUND);
    ck_assert_str_eq(err.field, "line");
    tl_err_clear(&err);

    /* by product, the 2,000.00 undisputed and 1,000.00 disputed are DIA */
    aging(&gs, "2026-12-01", COLLECTIONS_BY_PRODUCT);
    ck_assert_int_eq(gs.n, 1);
    ck_assert_str_eq(gs.g[0].key, "DIA");
    ck_assert_int_eq(gs.g[0].bucket[COLLECTIONS_BUCKET_91_120], 200000);
    ck_assert_int_eq(gs.g[0].disputed, 100000);

    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-01"), "dunning", &err),
        0);
    ck_assert_int_eq(run.shutouts, 1);
    ck_assert_int_eq(collections_shutouts(db, "recommended", keep_shutout,
                                          &shutout_id, &err),
                     1);
    ck_assert_int_eq(collections_shutout_approve(&requests, db, shutout_id,
                                                 day("2026-12-01"), "manager",
                                                 &err),
                     0);
    ck_assert_int_eq(requests, 1);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM provisioning.service_request"
                        " WHERE kind = 'suspend' AND state = 'requested'"),
        1);
    request_id = tl_fx_count(db, "SELECT request_id AS n"
                                 " FROM provisioning.service_request"
                                 " WHERE kind = 'suspend'");
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM provisioning.service_request"
                        " r JOIN provisioning.service s USING (account_id,"
                        " service_id) WHERE s.service_id = (SELECT service_id"
                        " FROM collections.shutout_service)"),
        1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT service_id AS n"
                                     " FROM collections.shutout_service"),
                     svc1);
    /* approving again sends nothing new */
    ck_assert_int_eq(collections_shutout_approve(&requests, db, shutout_id,
                                                 day("2026-12-01"), "manager",
                                                 &err),
                     0);
    ck_assert_int_eq(requests, 1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n"
                                     " FROM provisioning.service_request"),
                     1);
    /* provisioning works the request: the circuit is suspended */
    ck_assert_int_eq(provisioning_request_done(db, request_id,
                                               day("2026-12-02"), "noc", &err),
                     0);

    /* not paid yet: nothing to release */
    ck_assert_int_eq(collections_shutout_release_due(
                         &released, db, day("2026-12-05"), "test", &err),
                     0);
    ck_assert_int_eq(released, 0);
    /* a credit of 1,000.00 on account covers half: still not paid */
    account_doc("adjustment", "SH-1", -100000, "2026-12-06", "SH-ADJ");
    ck_assert_int_eq(collections_shutout_release_due(
                         &released, db, day("2026-12-06"), "test", &err),
                     0);
    ck_assert_int_eq(released, 0);
    /* a payment of the other 1,000.00 next week releases it */
    pay("SH-1", 100000, "2026-12-08", "SH-W1");
    ck_assert_int_eq(
        collections_dunning_run(&run, db, day("2026-12-08"), "dunning", &err),
        0);
    ck_assert_int_eq(run.released, 1);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM provisioning.service_request"
                        " WHERE kind = 'restore' AND state = 'requested'"),
        1);
    ck_assert_int_eq(
        tl_fx_count(db, "SELECT count(*) AS n FROM collections.shutout"
                        " WHERE state = 'released' AND release_reason = 'paid'"
                        " AND released_on = '2026-12-08'"),
        1);
    ck_assert_int_eq(tl_fx_count(db, "SELECT count(*) AS n FROM audit.event"
                                     " WHERE action LIKE 'shutout.%'"),
                     2);
}
END_TEST

static Suite *book_suite(void)
{
    Suite *s = suite_create("collections_book");
    TCase *tc = tcase_create("book");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, aging_puts_each_edge_day_in_its_bucket);
    tcase_add_test(tc, aging_of_a_past_date_ignores_later_moves);
    tcase_add_test(tc, aging_shows_account_level_items_and_ties_to_the_ledger);
    tcase_add_test(tc, kpis_give_dso_and_cei_in_tenths);
    tcase_add_test(
        tc, dispute_is_shown_apart_not_dunned_and_resolved_by_credit_memo);
    tcase_add_test(tc,
                   promise_broken_when_paid_late_and_next_installment_stands);
    tcase_add_test(tc, dunning_twice_the_same_day_creates_each_action_once);
    tcase_add_test(tc, dunning_counts_credit_on_account_against_the_past_due);
    tcase_add_test(tc, worklist_orders_by_risk_age_broken_promises_and_limit);
    tcase_add_test(tc,
                   shutout_suspends_undisputed_circuits_and_payment_releases);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(book_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
