/*
 * The bill-run engine against a database: proration to the cent (mid-month
 * start, a leap February, cycle day 31 in a 30-day month), credits for a
 * backdated disconnect, a late acceptance rebilled, a mid-period code
 * change, idempotent reruns, a run killed halfway and resumed, gapless
 * numbering at approval, every review anomaly, manual charges and their
 * approval threshold, the minimum-commitment shortfall, the ETF and the
 * equipment non-return fee, each billed once.
 *
 * The book: catalog DIA500 (list 1450.00), DIA100 (list 650.00), DIA-INST
 * (NRC 750.00); accounts on cycle 1 unless said; a contract sets DIA500 at
 * 1150.00. A service is ordered, installed on 2026-11-10 and accepted on
 * the day each test says. Disconnects are recorded the way provisioning
 * records a disconnect milestone: the disconnect date and state set on
 * the service.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "billing/billing.h"
#include "billing/document.h"
#include "common/json.h"
#include "collections/collections.h"
#include "contracts/contracts.h"
#include "orders/orders.h"
#include "provisioning/provisioning.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static tl_err err;

static void setup(void)
{
    db = tl_test_db_open();
    tl_err_init(&err);
    tl_fx_catalog(db);
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

static void sql(const char *text)
{
    ck_assert_msg(tl_db_exec_script(db, text, &err) == 0, "%s: %s", text,
                  err.message);
}

static int64_t count(const char *q)
{
    return tl_fx_count(db, q);
}

typedef struct circuit_cap {
    char circuit[48];
} circuit_cap;

static int circuit_cb(const provisioning_service_t *s, void *cls, tl_err *e)
{
    (void)e;
    snprintf(((circuit_cap *)cls)->circuit, 48, "%s", s->circuit_id);
    return 0;
}

/* Orders a DIA for the account and installs it on 2026-11-10; accepts it
 * on `accepted` unless NULL. Returns the circuit id (static buffer per
 * call site is not needed: copied into out). */
static void dia(char *out, const char *account, const char *ext, int site,
                const char *accepted)
{
    orders_order_t order = tl_fx_order(db, account, ext, site);
    provisioning_service_t svc;
    circuit_cap cap;

    memset(&cap, 0, sizeof(cap));
    ck_assert_int_eq(provisioning_order_services(db, order.order_number,
                                                 circuit_cb, &cap, &err),
                     1);
    snprintf(out, 48, "%s", cap.circuit);
    ck_assert_int_eq(provisioning_record_milestone(&svc, db, out, "installed",
                                                   day("2026-11-10"), "test",
                                                   &err),
                     0);
    if (accepted != NULL)
        ck_assert_int_eq(
            provisioning_record_milestone(&svc, db, out, "customer_accepted",
                                          day(accepted), "test", &err),
            0);
}

static void accept(const char *circuit, const char *on)
{
    provisioning_service_t svc;

    ck_assert_int_eq(provisioning_record_milestone(&svc, db, circuit,
                                                   "customer_accepted", day(on),
                                                   "test", &err),
                     0);
}

static void disconnect(const char *circuit, const char *on)
{
    char text[256];

    snprintf(text, sizeof(text),
             "UPDATE provisioning.service SET disconnect_date = '%s',"
             " state = 'disconnected' WHERE circuit_id = '%s'",
             on, circuit);
    sql(text);
}

static billing_run_result run(int cycle, int year, int month, const char *issue)
{
    billing_run_result r;

    ck_assert_msg(
        billing_run(&r, db, cycle, year, month, day(issue), "test", &err) == 0,
        "run: %s", err.message);
    return r;
}

/* The sum of the lines of kind on the account's invoice of a run period,
 * and how many. */
static int64_t lines_sum(const char *account, const char *period_start,
                         const char *kind, const char *code,
                         const char *line_from, int64_t *n)
{
    char q[1024];
    int64_t total;

    snprintf(q, sizeof(q),
             "SELECT %s AS n FROM billing.invoice_line l"
             " JOIN billing.invoice i USING (account_id, invoice_id)"
             " JOIN accounts.billing_account a USING (account_id)"
             " WHERE a.account_number = '%s' AND i.period_start = '%s'"
             " AND l.charge_kind = '%s' AND ('%s' = '' OR l.code = '%s')"
             " AND ('%s' = '' OR l.period_start = NULLIF('%s', '')::date)",
             "coalesce(sum(l.amount_minor), 0)", account, period_start, kind,
             code, code, line_from, line_from);
    total = count(q);
    if (n != NULL) {
        snprintf(q, sizeof(q),
                 "SELECT count(*) AS n FROM billing.invoice_line l"
                 " JOIN billing.invoice i USING (account_id, invoice_id)"
                 " JOIN accounts.billing_account a USING (account_id)"
                 " WHERE a.account_number = '%s' AND i.period_start = '%s'"
                 " AND l.charge_kind = '%s' AND ('%s' = '' OR l.code = '%s')"
                 " AND ('%s' = '' OR"
                 " l.period_start = NULLIF('%s', '')::date)",
                 account, period_start, kind, code, code, line_from, line_from);
        *n = count(q);
    }
    return total;
}

static int64_t invoice_total(const char *number)
{
    billing_invoice_t inv;

    ck_assert_msg(billing_invoice_get(&inv, db, number, &err) == 0, "%s: %s",
                  number, err.message);
    return inv.total.minor;
}

/* ---- proration to the cent ---- */

START_TEST(leap_february_prorates_by_29_days)
{
    char c[48];
    int64_t n = 0;

    tl_fx_account(db, "LP-1", 1, 101);
    dia(c, "LP-1", "EXT-LP", 101, NULL);
    accept(c, "2028-02-10");
    run(1, 2028, 2, "2028-02-10");
    /* list 1450.00 * 20 / 29 = 1000.00 exactly; March in advance */
    ck_assert_int_eq(
        lines_sum("LP-1", "2028-02-01", "MRC", "DIA500", "2028-02-10", &n),
        100000);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(
        lines_sum("LP-1", "2028-02-01", "MRC", "DIA500", "2028-03-01", NULL),
        145000);
    ck_assert_int_eq(invoice_total("INV-00000001"), 75000 + 100000 + 145000);
}
END_TEST

START_TEST(cycle_31_in_a_30_day_month)
{
    billing_run_result r;
    char c[48];

    tl_fx_account(db, "C31", 31, 102);
    dia(c, "C31", "EXT-31", 102, "2026-11-14");
    r = run(31, 2026, 11, "2026-11-30");
    /* November has no 31st: the period starts on its last day */
    ck_assert_int_eq(r.period.start, day("2026-11-30"));
    ck_assert_int_eq(r.period.end, day("2026-12-31"));
    /* 2026-10-31 .. 2026-11-29 is 30 days: 1450.00 * 16 / 30 = 773.33 */
    ck_assert_int_eq(
        lines_sum("C31", "2026-11-30", "MRC", "DIA500", "2026-11-14", NULL),
        77333);
    ck_assert_int_eq(
        lines_sum("C31", "2026-11-30", "MRC", "DIA500", "2026-11-30", NULL),
        145000);
    ck_assert_int_eq(
        lines_sum("C31", "2026-11-30", "MRC", "DIA500", "2026-12-31", NULL),
        145000);
    ck_assert_int_eq(invoice_total("INV-00000001"),
                     75000 + 77333 + 145000 + 145000);
}
END_TEST

/* ---- credits and rebills ---- */

/* INV-00000003 credits more than it charges: as a document it is a
 * credit note for 1966.13 crediting INV-00000001, valid UBL 2.1. */
static void credit_note_of_invoice_3(void)
{
    billing_doc doc;
    json_t *biller = NULL;
    char *out = NULL;
    size_t len = 0;
    int changed = 0;

    ck_assert_int_eq(tl_json_load_file(&biller,
                                       TL_SOURCE_DIR "/demo/biller.json",
                                       TL_JSON_MAX_BYTES, &err),
                     0);
    ck_assert_int_eq(billing_biller_load(&changed, db, biller, "test", &err),
                     0);
    json_decref(biller);
    ck_assert_int_eq(billing_doc_load(&doc, db, "INV-00000003", &err), 0);
    ck_assert_int_eq(doc.kind, BILLING_DOC_CREDIT_NOTE);
    ck_assert_str_eq(doc.credits_invoice, "INV-00000001");
    ck_assert_int_eq(doc.total.minor, 81613 + 115000);
    ck_assert_int_eq(doc.lines[0].amount.minor > 0, 1);
    ck_assert_int_eq(billing_render_ubl(&out, &len, &doc, &err), 0);
    ck_assert_ptr_nonnull(strstr(out, "<CreditNote"));
    ck_assert_int_eq(billing_ubl_validate(out, len, &err), 0);
    free(out);
    billing_doc_free(&doc);
}

START_TEST(backdated_disconnect_is_credited_on_the_next_run)
{
    char c[48];
    char q[512];
    int64_t n = 0;

    tl_fx_account(db, "HH-1001", 1, 100);
    tl_fx_contract(db, "HH-1001", "2026-11-01", "1150.00");
    dia(c, "HH-1001", "EXT-9", 100, "2026-11-14");
    run(1, 2026, 11, "2026-11-20"); /* Nov 14-30 and December */
    run(1, 2026, 12, "2026-12-01"); /* January */
    ck_assert_int_eq(invoice_total("INV-00000002"), 115000);
    /* reported late: the circuit was disconnected on 2026-12-10 */
    disconnect(c, "2026-12-10");
    run(1, 2027, 1, "2027-01-01");
    /* December: 9 days of 31 are due, round(1150 * 9 / 31) = 333.87, so
     * 816.13 comes back; January comes back whole */
    ck_assert_int_eq(lines_sum("HH-1001", "2027-01-01", "CREDIT", "DIA500",
                               "2026-12-10", &n),
                     -81613);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(lines_sum("HH-1001", "2027-01-01", "CREDIT", "DIA500",
                               "2027-01-01", NULL),
                     -115000);
    ck_assert_int_eq(invoice_total("INV-00000003"), -81613 - 115000);
    snprintf(q, sizeof(q),
             "SELECT count(*) AS n FROM billing.invoice_line l"
             " JOIN billing.invoice c ON c.account_id = l.account_id"
             "  AND c.invoice_id = l.credited_invoice_id"
             " WHERE l.charge_kind = 'CREDIT'"
             " AND l.description = 'credit: DIA 500 Mbps port, %s,"
             " disconnected 2026-12-10, 22 days'"
             " AND c.invoice_number = 'INV-00000001'"
             " AND l.credited_line_no = 3",
             c);
    ck_assert_int_eq(count(q), 1);
    /* what remains billed for December is exactly the 9 days */
    ck_assert_int_eq(count("SELECT sum(amount_minor) AS n"
                           " FROM billing.invoice_line"
                           " WHERE period_start >= '2026-12-01'"
                           " AND period_start < '2027-01-01'"),
                     33387);
    /* the next run finds nothing left to bill or credit */
    run(1, 2027, 2, "2027-02-01");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 3);
    credit_note_of_invoice_3();
}
END_TEST

START_TEST(late_acceptance_is_billed_from_the_acceptance_date)
{
    char c[48];

    tl_fx_account(db, "HH-1001", 1, 100);
    tl_fx_contract(db, "HH-1001", "2026-11-01", "1150.00");
    dia(c, "HH-1001", "EXT-9", 100, NULL);
    run(1, 2026, 11, "2026-11-20");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 0);
    /* accepted on the 14th, recorded after the November run */
    accept(c, "2026-11-14");
    run(1, 2026, 12, "2026-12-01");
    ck_assert_int_eq(
        lines_sum("HH-1001", "2026-12-01", "NRC", "DIA-INST", "", NULL), 75000);
    ck_assert_int_eq(
        lines_sum("HH-1001", "2026-12-01", "MRC", "DIA500", "2026-11-14", NULL),
        65167);
    ck_assert_int_eq(
        lines_sum("HH-1001", "2026-12-01", "MRC", "DIA500", "2026-12-01", NULL),
        115000);
    ck_assert_int_eq(
        lines_sum("HH-1001", "2026-12-01", "MRC", "DIA500", "2027-01-01", NULL),
        115000);
    ck_assert_int_eq(invoice_total("INV-00000001"),
                     75000 + 65167 + 115000 + 115000);
}
END_TEST

START_TEST(mid_period_code_change_credits_and_bills_the_parts)
{
    static const provisioning_code_qty_t codes[] = {{"DIA100", 1}};
    char c[48];

    tl_fx_account(db, "HH-1001", 1, 100);
    tl_fx_contract(db, "HH-1001", "2026-11-01", "1150.00");
    dia(c, "HH-1001", "EXT-9", 100, "2026-11-14");
    run(1, 2026, 11, "2026-11-20");
    /* a change order: DIA500 -> DIA100 from the 16th */
    ck_assert_msg(provisioning_change_codes(db, c, codes, 1, day("2026-12-16"),
                                            NULL, NULL, "test", &err) == 0,
                  "%s", err.message);
    run(1, 2026, 12, "2026-12-01");
    /* DIA500 (contract 1150.00) holds Dec 1-15: round(1150 * 15 / 31) =
     * 556.45 due, 593.55 credited; DIA100 (list 650.00) from the 16th:
     * 650.00 - round(650 * 15 / 31) = 335.48; January at 650.00. The two
     * parts of December telescope: 556.45 + 593.55 = 1150.00. */
    ck_assert_int_eq(lines_sum("HH-1001", "2026-12-01", "CREDIT", "DIA500",
                               "2026-12-16", NULL),
                     -59355);
    ck_assert_int_eq(
        lines_sum("HH-1001", "2026-12-01", "MRC", "DIA100", "2026-12-16", NULL),
        33548);
    ck_assert_int_eq(
        lines_sum("HH-1001", "2026-12-01", "MRC", "DIA100", "2027-01-01", NULL),
        65000);
    ck_assert_int_eq(
        lines_sum("HH-1001", "2026-12-01", "MRC", "DIA500", "", NULL), 0);
    ck_assert_int_eq(invoice_total("INV-00000002"), -59355 + 33548 + 65000);
}
END_TEST

/* ---- idempotence, kill and resume, numbering ---- */

START_TEST(previewing_and_running_again_change_nothing)
{
    billing_run_result r;
    billing_preview_opts o;
    char c[48];

    memset(&o, 0, sizeof(o));
    tl_fx_account(db, "HH-1001", 1, 100);
    tl_fx_contract(db, "HH-1001", "2026-11-01", "1150.00");
    dia(c, "HH-1001", "EXT-9", 100, "2026-11-14");
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         NULL, "test", &err),
                     0);
    ck_assert_int_eq(r.created, 1);
    ck_assert_str_eq(r.status, "preview");
    ck_assert_int_eq(r.invoice_count, 1);
    ck_assert_int_eq(r.total_minor, 255167);
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         NULL, "test", &err),
                     0);
    ck_assert_int_eq(r.created, 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"),
                     3);
    /* a refresh computes the same drafts again */
    o.refresh = 1;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     0);
    ck_assert_int_eq(r.total_minor, 255167);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 1);
    /* drafts have no number and are not posted */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"
                           " WHERE status = 'draft'"
                           " AND invoice_number IS NULL"),
                     1);
    r = run(1, 2026, 11, "2026-11-20");
    ck_assert_int_eq(r.created, 0);
    ck_assert_str_eq(r.status, "approved");
    r = run(1, 2026, 11, "2026-11-20");
    ck_assert_int_eq(r.created, 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 1);
    ck_assert_int_eq(invoice_total("INV-00000001"), 255167);
    /* an approved run cannot be refreshed */
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "run_approved");
}
END_TEST

/* Five accounts C-1 .. C-5 (created in reverse so that account-number
 * order differs from id order), each with a DIA at list price accepted
 * on the 14th: 750.00 + 1450.00 * 17 / 30 (821.67) + 1450.00 = 3021.67. */
static void five_accounts(void)
{
    char c[48];
    char number[16];
    char ext[16];
    int i;

    for (i = 5; i >= 1; i--) {
        snprintf(number, sizeof(number), "C-%d", i);
        snprintf(ext, sizeof(ext), "EXT-C%d", i);
        tl_fx_account(db, number, 1, 200 + i);
        dia(c, number, ext, 200 + i, "2026-11-14");
    }
}

START_TEST(a_killed_run_leaves_no_partial_invoice_and_resumes)
{
    billing_preview_opts o;
    billing_run_result r;
    billing_run_result a;
    billing_invoice_t inv;
    char number[16];
    int i;

    five_accounts();
    memset(&o, 0, sizeof(o));
    o.batch_size = 2;
    /* the first batch dies after computing one account */
    o.fail_after_accounts = 1;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     TL_ERROR);
    ck_assert_str_eq(err.code, "killed");
    tl_err_clear(&err);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"),
                     0);
    ck_assert_int_eq(count("SELECT accounts_done AS n FROM billing.bill_run"),
                     0);
    /* one batch commits, then the process is gone */
    o.fail_after_accounts = 0;
    o.max_batches = 1;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     0);
    ck_assert_str_eq(r.status, "previewing");
    ck_assert_int_eq(r.accounts_done, 2);
    ck_assert_int_eq(r.accounts_total, 5);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 2);
    /* approval waits for the preview to finish */
    ck_assert_int_eq(billing_run_approve(&a, db, r.run_id, "test", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "run_not_previewed");
    tl_err_clear(&err);
    /* the next batch dies mid-way: the committed drafts stay as they were */
    o.max_batches = 0;
    o.fail_after_accounts = 1;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     TL_ERROR);
    tl_err_clear(&err);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 2);
    /* resumed: the remaining accounts, each once */
    o.fail_after_accounts = 0;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     0);
    ck_assert_str_eq(r.status, "preview");
    ck_assert_int_eq(r.accounts_done, 5);
    ck_assert_int_eq(r.invoice_count, 5);
    ck_assert_int_eq(r.total_minor, 5 * 302167);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"),
                     15);
    /* approval numbers them gaplessly in account-number order */
    ck_assert_int_eq(billing_run_approve(&a, db, r.run_id, "test", &err), 0);
    ck_assert_int_eq(a.created, 1);
    for (i = 1; i <= 5; i++) {
        snprintf(number, sizeof(number), "INV-%08d", i);
        ck_assert_int_eq(billing_invoice_get(&inv, db, number, &err), 0);
        ck_assert_int_eq(inv.total.minor, 302167);
        ck_assert_str_eq(inv.status, "final");
        snprintf(number, sizeof(number), "C-%d", i);
        ck_assert_str_eq(inv.account_number, number);
    }
    ck_assert_int_eq(count("SELECT next_number AS n"
                           " FROM billing.invoice_series"),
                     6);
    /* approving again does nothing */
    ck_assert_int_eq(billing_run_approve(&a, db, r.run_id, "test", &err), 0);
    ck_assert_int_eq(a.created, 0);
    ck_assert_int_eq(count("SELECT next_number AS n"
                           " FROM billing.invoice_series"),
                     6);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'bill.approve'"),
                     1);
}
END_TEST

/* Two workers on five accounts in batches of two: two stripes of
 * contiguous account ids, previewed side by side on connections of their
 * own, bill exactly what one connection bills; killed, each stripe
 * resumes where it stopped. */
START_TEST(two_workers_preview_in_stripes_and_resume)
{
    billing_preview_opts o;
    billing_run_result r;
    billing_run_result a;
    billing_invoice_t inv;
    char number[16];
    int i;

    five_accounts();
    memset(&o, 0, sizeof(o));
    o.batch_size = 2;
    o.workers = 2;
    /* every first batch dies mid-way: the failure comes back, nothing
     * of either stripe is written */
    o.fail_after_accounts = 1;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     TL_ERROR);
    ck_assert_str_eq(err.code, "killed");
    tl_err_clear(&err);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 0);
    /* the five accounts in two stripes, cut at the third account id */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.bill_run_stripe"),
                     2);
    ck_assert_int_eq(count("SELECT count(*) AS n"
                           " FROM billing.bill_run_stripe s"
                           " JOIN accounts.billing_account a"
                           "  ON a.account_id > s.after_account_id"
                           "  AND (s.through_account_id IS NULL"
                           "   OR a.account_id <= s.through_account_id)"
                           " WHERE s.stripe = 1"),
                     3);
    /* one batch of each stripe commits, then the process is gone */
    o.fail_after_accounts = 0;
    o.max_batches = 1;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     0);
    ck_assert_str_eq(r.status, "previewing");
    ck_assert_int_eq(r.accounts_done, 4);
    ck_assert_int_eq(r.invoice_count, 4);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 4);
    /* resumed by one worker asked for: the run keeps its two stripes */
    o.max_batches = 0;
    o.workers = 1;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     0);
    ck_assert_str_eq(r.status, "preview");
    ck_assert_int_eq(r.accounts_done, 5);
    ck_assert_int_eq(r.invoice_count, 5);
    ck_assert_int_eq(r.total_minor, 5 * 302167);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"),
                     15);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.bill_run_stripe"
                           " WHERE finished_at IS NULL"),
                     0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'bill.preview'"),
                     1);
    /* approval numbers them gaplessly in account-number order */
    ck_assert_int_eq(billing_run_approve(&a, db, r.run_id, "test", &err), 0);
    for (i = 1; i <= 5; i++) {
        snprintf(number, sizeof(number), "INV-%08d", i);
        ck_assert_int_eq(billing_invoice_get(&inv, db, number, &err), 0);
        ck_assert_int_eq(inv.total.minor, 302167);
        snprintf(number, sizeof(number), "C-%d", i);
        ck_assert_str_eq(inv.account_number, number);
    }
}
END_TEST

/* A refresh cuts the run again for the workers asked for now. */
START_TEST(a_refresh_cuts_new_stripes)
{
    billing_preview_opts o;
    billing_run_result r;

    five_accounts();
    memset(&o, 0, sizeof(o));
    o.batch_size = 2;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.bill_run_stripe"),
                     1);
    o.refresh = 1;
    o.workers = 8;
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         &o, "test", &err),
                     0);
    /* no more stripes than batches: five accounts, three batches */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.bill_run_stripe"),
                     3);
    ck_assert_str_eq(r.status, "preview");
    ck_assert_int_eq(r.accounts_done, 5);
    ck_assert_int_eq(r.total_minor, 5 * 302167);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice"), 5);
}
END_TEST

START_TEST(one_open_run_per_cycle)
{
    billing_run_result r;
    char c[48];

    tl_fx_account(db, "HH-1001", 1, 100);
    dia(c, "HH-1001", "EXT-9", 100, "2026-11-14");
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         NULL, "test", &err),
                     0);
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 12, day("2026-12-01"),
                                         NULL, "test", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "earlier_run_open");
}
END_TEST

/* ---- review ---- */

typedef struct found {
    char kinds[16][40];
    char codes[16][40];
    int n;
} found;

static int found_cb(const billing_anomaly_t *a, void *cls, tl_err *e)
{
    found *f = cls;

    (void)e;
    ck_assert_int_lt(f->n, 16);
    snprintf(f->kinds[f->n], 40, "%s", a->kind);
    snprintf(f->codes[f->n], 40, "%s", a->code);
    f->n++;
    return 0;
}

static int has(const found *f, const char *kind, const char *code)
{
    int i;

    for (i = 0; i < f->n; i++)
        if (strcmp(f->kinds[i], kind) == 0 &&
            (code == NULL || strcmp(f->codes[i], code) == 0))
            return 1;
    return 0;
}

static found review(int64_t run_id, int threshold)
{
    found f;

    memset(&f, 0, sizeof(f));
    ck_assert_int_ge(
        billing_run_review(db, run_id, threshold, found_cb, &f, &err), 0);
    return f;
}

START_TEST(review_finds_each_anomaly_and_none_on_a_clean_run)
{
    static const provisioning_code_qty_t codes[] = {{"DIA100", 1}};
    billing_run_result r;
    char a[48], b[48], k[48];
    found f;

    tl_fx_account(db, "A-1", 1, 301); /* code change */
    tl_fx_account(db, "B-1", 1, 302); /* disconnect after the preview */
    tl_fx_account(db, "K-1", 1, 303); /* install never charged */
    dia(a, "A-1", "EXT-A", 301, "2026-11-14");
    dia(b, "B-1", "EXT-B", 302, "2026-11-14");
    run(1, 2026, 11, "2026-11-20");
    /* a clean next run: December billed the same as the month before
     * except for the partial month, which the threshold allows */
    r = run(1, 2026, 12, "2026-12-01");
    r = run(1, 2027, 1, "2027-01-01");
    f = review(r.run_id, 25);
    ck_assert_int_eq(f.n, 0);

    /* February: A-1 moves to DIA100 mid-January (credit, new and vanished
     * codes, total down); B-1's disconnect is recorded after the preview
     * (its January and February charges run past it); K-1 has an active
     * service whose installation was never billed */
    ck_assert_int_eq(provisioning_change_codes(db, a, codes, 1,
                                               day("2027-01-16"), NULL, NULL,
                                               "test", &err),
                     0);
    dia(k, "K-1", "EXT-K", 303, "2026-11-14");
    sql("UPDATE provisioning.service SET billing_start_date = NULL"
        " WHERE account_id = (SELECT account_id"
        "  FROM accounts.billing_account WHERE account_number = 'K-1')");
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2027, 2, day("2027-02-01"),
                                         NULL, "test", &err),
                     0);
    disconnect(b, "2027-01-20");
    f = review(r.run_id, 25);
    ck_assert(has(&f, "total_moved", NULL));
    ck_assert(has(&f, "new_code", "DIA100"));
    ck_assert(has(&f, "vanished_code", "DIA500"));
    ck_assert(has(&f, "disconnected_service_charged", "DIA500"));
    ck_assert(has(&f, "install_never_charged", "DIA-INST"));
    ck_assert(!has(&f, "zero_total", NULL));
    /* refreshed, B-1 gets its credit: a negative invoice */
    {
        billing_preview_opts o;

        memset(&o, 0, sizeof(o));
        o.refresh = 1;
        ck_assert_int_eq(billing_run_preview(&r, db, 1, 2027, 2,
                                             day("2027-02-01"), &o, "test",
                                             &err),
                         0);
    }
    f = review(r.run_id, 25);
    ck_assert(!has(&f, "disconnected_service_charged", NULL));
    ck_assert(has(&f, "negative_total", NULL));
    /* a manual charge of what A-1's invoice credits leaves it at zero */
    {
        int64_t total = count("SELECT total_minor AS n FROM billing.invoice i"
                              " JOIN accounts.billing_account a"
                              " USING (account_id)"
                              " WHERE a.account_number = 'A-1'"
                              " AND i.status = 'draft'");
        billing_manual_charge_in in;
        billing_preview_opts o;
        int64_t id = 0;
        int needs = 0;
        char amount[32];

        /* January and February of DIA500 come back, DIA100 is billed
         * from January 16th: -748.39 + 335.48 - 1450.00 + 650.00 +
         * 650.00 */
        ck_assert_int_eq(total, -56291);
        snprintf(amount, sizeof(amount), "%lld.%02lld",
                 (long long)(-total / 100), (long long)(-total % 100));
        memset(&in, 0, sizeof(in));
        in.account_number = "A-1";
        in.kind = "NRC";
        in.category = "other";
        in.amount = amount;
        in.description = "Port change fee";
        in.reason = "change order fee agreed with the customer";
        ck_assert_int_eq(
            billing_manual_charge_add(&id, &needs, db, &in, "clerk", &err), 0);
        if (needs)
            ck_assert_int_eq(
                billing_manual_charge_approve(db, id, "finance", &err), 0);
        memset(&o, 0, sizeof(o));
        o.refresh = 1;
        ck_assert_int_eq(billing_run_preview(&r, db, 1, 2027, 2,
                                             day("2027-02-01"), &o, "test",
                                             &err),
                         0);
        f = review(r.run_id, 25);
        ck_assert(has(&f, "zero_total", NULL));
    }
}
END_TEST

/* ---- manual charges, shortfall, ETF, equipment ---- */

START_TEST(manual_charges_need_approval_above_the_threshold)
{
    billing_manual_charge_in in;
    billing_run_result r;
    char c[48];
    int64_t small = 0, big = 0, bad = 0, credit = 0;
    int needs = 0;

    tl_fx_account(db, "HH-1001", 1, 100);
    dia(c, "HH-1001", "EXT-9", 100, "2026-11-14");
    memset(&in, 0, sizeof(in));
    /* every problem at once */
    in.account_number = "HH-1001";
    in.kind = "NRC";
    in.amount = "-5";
    ck_assert_int_eq(
        billing_manual_charge_add(&bad, &needs, db, &in, "clerk", &err),
        TL_EINVALID);
    ck_assert_uint_eq(err.n_problems, 4); /* category, amount, desc, reason */
    tl_err_clear(&err);
    in.category = "expedite";
    in.description = "Expedite fee";
    in.reason = "customer asked for install in 5 days";
    in.amount = "250.00";
    ck_assert_int_eq(
        billing_manual_charge_add(&small, &needs, db, &in, "clerk", &err), 0);
    ck_assert_int_eq(needs, 0);
    in.category = "construction";
    in.description = "Lateral build";
    in.amount = "750.00";
    ck_assert_int_eq(
        billing_manual_charge_add(&big, &needs, db, &in, "clerk", &err), 0);
    ck_assert_int_eq(needs, 1);
    in.category = "other";
    in.description = "Wrong charge";
    in.amount = "900.00";
    ck_assert_int_eq(
        billing_manual_charge_add(&bad, &needs, db, &in, "clerk", &err), 0);
    in.kind = "CREDIT";
    in.category = NULL;
    in.description = "SLA credit";
    in.amount = "100.00";
    ck_assert_int_eq(
        billing_manual_charge_add(&credit, &needs, db, &in, "clerk", &err), 0);
    /* four eyes */
    ck_assert_int_eq(billing_manual_charge_approve(db, big, "clerk", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "four_eyes");
    tl_err_clear(&err);
    ck_assert_int_eq(billing_manual_charge_approve(db, big, "finance", &err),
                     0);
    ck_assert_int_eq(billing_manual_charge_approve(db, big, "finance", &err),
                     0);
    ck_assert_int_eq(
        billing_manual_charge_reject(db, bad, "duplicate", "finance", &err), 0);
    ck_assert_int_eq(billing_manual_charge_approve(db, bad, "finance", &err),
                     TL_ECONFLICT);
    tl_err_clear(&err);
    ck_assert_int_eq(billing_manual_charge_approve(db, 999999, "x", &err),
                     TL_ENOTFOUND);
    tl_err_clear(&err);
    r = run(1, 2026, 11, "2026-11-20");
    (void)r;
    ck_assert_int_eq(count("SELECT sum(amount_minor) AS n"
                           " FROM billing.invoice_line"
                           " WHERE manual_charge_id IS NOT NULL"),
                     25000 + 75000 - 10000);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.manual_charge"
                           " WHERE status = 'billed'"),
                     3);
    ck_assert_int_eq(invoice_total("INV-00000001"),
                     75000 + 82167 + 145000 + 25000 + 75000 - 10000);
    /* billed once */
    run(1, 2026, 12, "2026-12-01");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"
                           " WHERE manual_charge_id IS NOT NULL"),
                     3);
}
END_TEST

static void load_agreement(const char *text)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    contracts_load_result res;

    ck_assert_ptr_nonnull(doc);
    ck_assert_msg(contracts_load(&res, db, doc, "test", &err) == 0, "%s",
                  err.message);
    json_decref(doc);
}

/* An adjustment credits one line of a final invoice, with a reason code,
 * no more than the line charged; the next run bills it as a credit line
 * naming the corrected line. */
START_TEST(an_adjustment_credits_a_line_once_and_names_it)
{
    char c[48];
    int64_t id = 0;
    int needs = -1;

    tl_fx_account(db, "HH-1001", 1, 100);
    tl_fx_contract(db, "HH-1001", "2026-11-01", "1150.00");
    dia(c, "HH-1001", "EXT-9", 100, "2026-11-14");
    run(1, 2026, 11, "2026-11-20"); /* line 1 NRC 750.00, 2 and 3 MRC */
    /* every problem at once: no reason code, more than line 2's 651.67 */
    ck_assert_int_eq(billing_adjust(&id, &needs, db, "INV-00000001", 2,
                                    "700.00", NULL, "outage", "clerk", &err),
                     TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert_str_eq(err.problems[0].code, "invalid_reason_code");
    ck_assert_str_eq(err.problems[1].code, "exceeds_line");
    ck_assert_ptr_nonnull(strstr(err.problems[1].message, "USD 651.67 left"));
    tl_err_clear(&err);
    ck_assert_int_eq(billing_adjust(&id, &needs, db, "INV-00000001", 2,
                                    "10.00", "teatime", "x", "clerk", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.problems[0].code, "invalid_reason_code");
    tl_err_clear(&err);
    ck_assert_int_eq(billing_adjust(&id, &needs, db, "INV-00000001", 9,
                                    "10.00", "other", "x", "clerk", &err),
                     TL_ENOTFOUND);
    tl_err_clear(&err);
    /* a four-hour outage: 120.00 back, within the threshold */
    ck_assert_int_eq(billing_adjust(&id, &needs, db, "INV-00000001", 2,
                                    "120.00", "service_outage",
                                    "4 hours down on 2026-11-18", "clerk",
                                    &err),
                     0);
    ck_assert_int_eq(needs, 0);
    /* what is left on the line is 531.67 now */
    ck_assert_int_eq(billing_adjust(&id, &needs, db, "INV-00000001", 2,
                                    "531.68", "goodwill", "x", "clerk", &err),
                     TL_EINVALID);
    ck_assert_str_eq(err.problems[0].code, "exceeds_line");
    tl_err_clear(&err);
    run(1, 2026, 12, "2026-12-01");
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM billing.invoice_line l"
              " JOIN billing.invoice i USING (account_id, invoice_id)"
              " JOIN billing.invoice c ON c.account_id = l.account_id"
              "  AND c.invoice_id = l.credited_invoice_id"
              " WHERE i.invoice_number = 'INV-00000002'"
              " AND l.charge_kind = 'CREDIT' AND l.amount_minor = -12000"
              " AND c.invoice_number = 'INV-00000001'"
              " AND l.credited_line_no = 2"),
        1);
    /* billed once */
    run(1, 2027, 1, "2027-01-01");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"
                           " WHERE amount_minor = -12000"),
                     1);
}
END_TEST

START_TEST(minimum_commitment_shortfall_is_billed_once_per_period)
{
    char c[48];
    int64_t n = 0;

    tl_fx_account(db, "NW-1", 1, 400);
    load_agreement("{\"ref\": \"NW-MSA\", \"accountNumber\": \"NW-1\","
                   " \"startDate\": \"2026-11-01\", \"termMonths\": 36,"
                   " \"autoAcceptanceDays\": 5, \"currency\": \"USD\","
                   " \"minimumCommitment\": \"2000.00\","
                   " \"rates\": [{\"code\": \"DIA500\","
                   " \"amount\": \"1150.00\"}]}");
    dia(c, "NW-1", "EXT-NW", 400, "2026-11-14");
    run(1, 2026, 11, "2026-11-20");
    /* December (in advance) bills 1150.00 of a 2000.00 commitment */
    ck_assert_int_eq(
        lines_sum("NW-1", "2026-11-01", "SHORTFALL", "", "2026-12-01", &n),
        85000);
    ck_assert_int_eq(n, 1);
    run(1, 2026, 12, "2026-12-01");
    ck_assert_int_eq(
        lines_sum("NW-1", "2026-12-01", "SHORTFALL", "", "2027-01-01", &n),
        85000);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"
                           " WHERE charge_kind = 'SHORTFALL'"),
                     2);
}
END_TEST

START_TEST(etf_is_billed_once)
{
    contracts_termination_t t;
    char c[48];
    int64_t n = 0;

    tl_fx_account(db, "KL-1", 1, 500);
    load_agreement("{\"ref\": \"KL-MSA\", \"accountNumber\": \"KL-1\","
                   " \"startDate\": \"2026-11-01\", \"termMonths\": 36,"
                   " \"autoAcceptanceDays\": 5, \"currency\": \"USD\","
                   " \"etfPercent\": \"50\","
                   " \"rates\": [{\"code\": \"DIA500\","
                   " \"amount\": \"1150.00\"}]}");
    dia(c, "KL-1", "EXT-KL", 500, "2026-11-14");
    run(1, 2026, 11, "2026-11-20");
    ck_assert_msg(contracts_terminate(&t, db, "KL-1", "KL-MSA",
                                      day("2026-12-15"), "moving", "test",
                                      &err) == 0,
                  "%s", err.message);
    ck_assert_int_gt(t.etf.minor, 0);
    run(1, 2026, 12, "2026-12-01");
    ck_assert_int_eq(lines_sum("KL-1", "2026-12-01", "ETF", "", "", &n),
                     t.etf.minor);
    ck_assert_int_eq(n, 1);
    run(1, 2027, 1, "2027-01-01");
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"
                           " WHERE charge_kind = 'ETF'"),
                     1);
}
END_TEST

START_TEST(equipment_fee_is_billed_once)
{
    char c[48];
    char text[1024];
    int64_t n = 0;

    tl_fx_account(db, "EQ-1", 1, 600);
    dia(c, "EQ-1", "EXT-EQ", 600, "2026-11-14");
    snprintf(text, sizeof(text),
             "INSERT INTO provisioning.equipment_model (model, kind, maker)"
             " VALUES ('RTR-1', 'router', 'Acme');"
             "INSERT INTO provisioning.equipment (serial, model, status,"
             " location_kind, location_ref) VALUES ('SN-1', 'RTR-1',"
             " 'lost', 'lost', 'lost');"
             "INSERT INTO provisioning.equipment_charge (account_id,"
             " equipment_id, serial, circuit_id, disconnect_date, due_on,"
             " amount_minor, currency, created_by)"
             " SELECT a.account_id, e.equipment_id, 'SN-1', '%s',"
             " '2026-11-01', '2026-12-01', 19900, 'USD', 'test'"
             " FROM accounts.billing_account a, provisioning.equipment e"
             " WHERE a.account_number = 'EQ-1';",
             c);
    sql(text);
    run(1, 2026, 11, "2026-11-20");
    ck_assert_int_eq(count("SELECT sum(amount_minor) AS n"
                           " FROM billing.invoice_line"
                           " WHERE equipment_charge_id IS NOT NULL"),
                     19900);
    /* approved, the fee is billed in provisioning's books too */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM"
                           " provisioning.equipment_charge"
                           " WHERE status = 'billed'"),
                     1);
    run(1, 2026, 12, "2026-12-01");
    ck_assert_int_eq(lines_sum("EQ-1", "2026-12-01", "NRC", "", "", &n), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM billing.invoice_line"
                           " WHERE equipment_charge_id IS NOT NULL"),
                     1);
}
END_TEST

START_TEST(drafts_render_and_final_invoices_are_posted)
{
    billing_run_result r;
    billing_invoice_t inv;
    char ref[32];
    char c[48];
    int posted = 0;

    tl_fx_account(db, "HH-1001", 1, 100);
    dia(c, "HH-1001", "EXT-9", 100, "2026-11-14");
    ck_assert_int_eq(billing_run_preview(&r, db, 1, 2026, 11, day("2026-11-20"),
                                         NULL, "test", &err),
                     0);
    snprintf(ref, sizeof(ref), "DRAFT-%lld",
             (long long)count("SELECT invoice_id AS n FROM billing.invoice"));
    ck_assert_int_eq(billing_invoice_get(&inv, db, ref, &err), 0);
    ck_assert_str_eq(inv.status, "draft");
    ck_assert_str_eq(inv.invoice_number, ref);
    /* nothing is posted for a draft */
    ck_assert_int_eq(collections_post_run(&posted, db, r.run_id, "t", &err), 0);
    ck_assert_int_eq(posted, 0);
    ck_assert_int_eq(billing_run_approve(&r, db, r.run_id, "fin", &err), 0);
    ck_assert_int_eq(collections_post_run(&posted, db, r.run_id, "t", &err), 0);
    ck_assert_int_eq(posted, 1);
    ck_assert_int_eq(billing_invoice_get(&inv, db, ref, &err), TL_ENOTFOUND);
}
END_TEST

static Suite *billrun_suite(void)
{
    Suite *s = suite_create("billrun");
    TCase *tc = tcase_create("billrun");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, leap_february_prorates_by_29_days);
    tcase_add_test(tc, cycle_31_in_a_30_day_month);
    tcase_add_test(tc, backdated_disconnect_is_credited_on_the_next_run);
    tcase_add_test(tc, late_acceptance_is_billed_from_the_acceptance_date);
    tcase_add_test(tc, mid_period_code_change_credits_and_bills_the_parts);
    tcase_add_test(tc, previewing_and_running_again_change_nothing);
    tcase_add_test(tc, a_killed_run_leaves_no_partial_invoice_and_resumes);
    tcase_add_test(tc, two_workers_preview_in_stripes_and_resume);
    tcase_add_test(tc, a_refresh_cuts_new_stripes);
    tcase_add_test(tc, one_open_run_per_cycle);
    tcase_add_test(tc, review_finds_each_anomaly_and_none_on_a_clean_run);
    tcase_add_test(tc, manual_charges_need_approval_above_the_threshold);
    tcase_add_test(tc, an_adjustment_credits_a_line_once_and_names_it);
    tcase_add_test(tc, minimum_commitment_shortfall_is_billed_once_per_period);
    tcase_add_test(tc, etf_is_billed_once);
    tcase_add_test(tc, equipment_fee_is_billed_once);
    tcase_add_test(tc, drafts_render_and_final_invoices_are_posted);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(billrun_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
