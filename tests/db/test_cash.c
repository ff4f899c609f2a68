/*
 * Cash application against a fresh database: bank files imported and
 * matched (by invoice number, by account, by exact amount), partial and
 * multi-invoice payments, overpayment left as credit on account, the
 * unapplied-cash queue, manual apply and unapply with history, the same
 * file twice, and a bad file that writes nothing. Amounts to the cent.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/cash.h"
#include "collections/collections.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

#define BANK TL_SOURCE_DIR "/tests/fixtures/bank/"

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

static void exec(const char *sql, int n, const char *const *params)
{
    PGresult *res =
        PQexecParams(tl_db_pgconn(db), sql, n, NULL, params, NULL, NULL, 0);

    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
                      PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
}

/* A final invoice of the account, posted to the ledger: total in cents,
 * due on the given day. */
static void invoice(const char *account, const char *number, int64_t total,
                    const char *due)
{
    char total_text[32];
    char seq[16];
    const char *params[5];

    snprintf(total_text, sizeof(total_text), "%lld", (long long)total);
    snprintf(seq, sizeof(seq), "%d", ++invoices_made);
    params[0] = account;
    params[1] = number;
    params[2] = total_text;
    params[3] = due;
    params[4] = seq;
    exec("WITH a AS (SELECT account_id FROM accounts.billing_account"
         "  WHERE account_number = $1),"
         " run AS (INSERT INTO billing.bill_run (cycle_day, period_start,"
         "  period_end, issue_date, status, started_by, approved_by,"
         "  approved_at)"
         "  VALUES (1, date '2000-01-01' + $5::int, date '2000-01-02'"
         "  + $5::int, $4::date - 30, 'approved', 'test', 'test', now())"
         "  RETURNING run_id),"
         " inv AS (INSERT INTO billing.invoice (account_id, invoice_number,"
         "  series, sequence_no, run_id, period_start, period_end,"
         "  issue_date, due_date, currency, subtotal_minor, tax_minor,"
         "  total_minor, status)"
         "  SELECT a.account_id, $2, 'standard', 900000 + $5::bigint,"
         "  run.run_id, date '2026-10-01', date '2026-11-01',"
         "  $4::date - 30, $4::date, 'USD', $3::bigint, 0, $3::bigint,"
         "  'final' FROM a, run"
         "  RETURNING account_id, invoice_id, invoice_number, total_minor,"
         "  currency, issue_date, due_date)"
         " INSERT INTO collections.ledger_entry (account_id, kind,"
         " source_ref, amount_minor, currency, effective_date, due_date,"
         " invoice_id)"
         " SELECT account_id, 'invoice', invoice_number, total_minor,"
         " currency, issue_date, due_date, invoice_id FROM inv",
         5, params);
}

/* What the invoice still owes, in cents. */
static int64_t open_of(const char *number)
{
    char sql[512];

    snprintf(sql, sizeof(sql),
             "SELECT e.amount_minor - coalesce((SELECT sum(a.amount_minor)"
             " FROM collections.application a"
             " WHERE a.account_id = e.account_id"
             " AND a.invoice_id = e.invoice_id), 0) AS n"
             " FROM collections.ledger_entry e"
             " WHERE e.kind = 'invoice' AND e.source_ref = '%s'",
             number);
    return tl_fx_count(db, sql);
}

static int64_t count(const char *sql)
{
    return tl_fx_count(db, sql);
}

typedef struct credit {
    const char *amount;
    const char *ref;
    const char *ustrd; /* may be NULL */
    const char *name;  /* may be NULL */
    const char *iban;  /* may be NULL */
} credit;

/* A camt.053 (version 2) statement of the given credits, booked on
 * 2026-12-28 into our account. The caller frees it. */
static char *camt(const credit *c, size_t n)
{
    size_t cap = 4096 + n * 1024;
    char *buf = malloc(cap);
    size_t used = 0;
    size_t i;

    ck_assert_ptr_nonnull(buf);
    used += (size_t)snprintf(
        buf + used, cap - used,
        "<?xml version=\"1.0\"?>\n"
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
        "<BkToCstmrStmt><GrpHdr><MsgId>TEST</MsgId></GrpHdr><Stmt>"
        "<Id>ST-1</Id><Acct><Id><IBAN>US00TRUNK0000000000001</IBAN></Id>"
        "</Acct>\n");
    for (i = 0; i < n; i++) {
        used += (size_t)snprintf(
            buf + used, cap - used,
            "<Ntry><Amt Ccy=\"USD\">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            "<Sts>BOOK</Sts><BookgDt><Dt>2026-12-28</Dt></BookgDt>"
            "<AcctSvcrRef>%s</AcctSvcrRef><NtryDtls><TxDtls>"
            "<RltdPties><Dbtr><Nm>%s</Nm></Dbtr><DbtrAcct><Id><IBAN>%s"
            "</IBAN></Id></DbtrAcct></RltdPties>"
            "<RmtInf><Ustrd>%s</Ustrd></RmtInf></TxDtls></NtryDtls>"
            "</Ntry>\n",
            c[i].amount, c[i].ref, c[i].name ? c[i].name : "",
            c[i].iban ? c[i].iban : "", c[i].ustrd ? c[i].ustrd : "");
    }
    snprintf(buf + used, cap - used, "</Stmt></BkToCstmrStmt></Document>\n");
    return buf;
}

static void import_ok(cash_import_result *res, const char *text,
                      cash_format format)
{
    int rc = cash_import(res, db, text, strlen(text), format, "test.xml",
                         "test", &err);

    ck_assert_msg(rc == 0, "import: %s at %s", err.message, err.field);
}

static void import_credits(cash_import_result *res, const credit *c, size_t n)
{
    char *text = camt(c, n);

    import_ok(res, text, CASH_FORMAT_UNKNOWN);
    free(text);
}

static int has_problem(const char *code, const char *field)
{
    size_t i;

    for (i = 0; i < err.n_problems; i++)
        if (strcmp(err.problems[i].code, code) == 0 &&
            (field == NULL || strcmp(err.problems[i].field, field) == 0))
            return 1;
    return 0;
}

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_int_eq(tl_date_parse(&d, text), 0);
    return d;
}

typedef struct aging_find {
    const char *account;
    collections_aging_row row;
    int found;
} aging_find;

static int aging_cb(const collections_aging_row *r, void *cls, tl_err *e)
{
    aging_find *f = cls;

    (void)e;
    if (strcmp(r->account_number, f->account) == 0) {
        f->row = *r;
        f->row.account_number = NULL;
        f->row.account_name = NULL;
        f->found = 1;
    }
    return 0;
}

static aging_find aging_of(const char *account, const char *as_of)
{
    aging_find f;

    memset(&f, 0, sizeof(f));
    f.account = account;
    ck_assert_int_ge(collections_aging(db, day(as_of), aging_cb, &f, &err), 0);
    return f;
}

typedef struct queue_list {
    int receipts;
    int credits;
    int64_t receipt_total;
    int64_t credit_total;
    int64_t last_receipt;
    int64_t last_payment;
} queue_list;

static int queue_cb(const cash_queue_row *r, void *cls, tl_err *e)
{
    queue_list *q = cls;

    (void)e;
    if (r->kind == 0) {
        q->receipts++;
        q->receipt_total += r->amount.minor;
        q->last_receipt = r->receipt_id;
    } else {
        q->credits++;
        q->credit_total += r->amount.minor;
        q->last_payment = r->payment_id;
    }
    return 0;
}

static queue_list queue(void)
{
    queue_list q;

    memset(&q, 0, sizeof(q));
    ck_assert_int_ge(cash_queue(db, 1, queue_cb, &q, &err), 0);
    return q;
}

/* ---- rejects first ---- */

START_TEST(a_bad_file_writes_nothing)
{
    static const credit bad[] = {
        {"100.00", "R1", "INV-A1", NULL, NULL},
        {"12.3456", "R2", NULL, NULL, NULL},
        {"-5.00", "R3", NULL, NULL, NULL},
    };
    char *text = camt(bad, 3);
    cash_import_result res;

    tl_fx_account(db, "A-1001", 1, 1);
    invoice("A-1001", "INV-A1", 10000, "2026-12-01");
    ck_assert_int_eq(cash_import(&res, db, text, strlen(text),
                                 CASH_FORMAT_UNKNOWN, "bad.xml", "test", &err),
                     TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert(
        has_problem("amount", "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt"));
    ck_assert(
        has_problem("amount", "Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt"));
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.bank_file"),
                     0);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.bank_receipt"), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment"), 0);
    ck_assert_int_eq(open_of("INV-A1"), 10000);
    free(text);
}
END_TEST

/* ---- matching ---- */

START_TEST(exact_match_by_invoice_number)
{
    static const credit c[] = {
        {"100.00", "R1", "Payment of invoice inv-a1, thanks", "ACME", NULL}};
    cash_import_result res;

    tl_fx_account(db, "A-1001", 1, 1);
    invoice("A-1001", "INV-A1", 10000, "2026-12-01");
    import_credits(&res, c, 1);
    ck_assert_int_eq(res.created, 1);
    ck_assert_int_eq(res.receipts_new, 1);
    ck_assert_int_eq(res.by_invoice, 1);
    ck_assert_int_eq(res.unmatched, 0);
    ck_assert_int_eq(res.applied, 10000);
    ck_assert_int_eq(res.on_account, 0);
    ck_assert_int_eq(open_of("INV-A1"), 0);
    /* one payment, its ledger entry, the remittance kept with it */
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.payment p"
              " WHERE p.reference = 'R1' AND p.amount_minor = 10000"
              " AND p.remittance = 'Payment of invoice inv-a1, thanks'"
              " AND p.received_date = '2026-12-28' AND p.method = 'wire'"),
        1);
    ck_assert_int_eq(count("SELECT sum(amount_minor) AS n"
                           " FROM collections.ledger_entry"
                           " WHERE kind = 'payment' AND source_ref = 'R1'"),
                     -10000);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.application"
                           " WHERE method = 'invoice'"),
                     1);
    ck_assert_int_eq(aging_of("A-1001", "2026-12-31").found, 0);
}
END_TEST

START_TEST(partial_payment)
{
    static const credit c[] = {{"40.00", "R1", "INV-A1", NULL, NULL}};
    cash_import_result res;
    aging_find a;

    tl_fx_account(db, "A-1001", 1, 1);
    invoice("A-1001", "INV-A1", 10000, "2026-12-01");
    import_credits(&res, c, 1);
    ck_assert_int_eq(res.by_invoice, 1);
    ck_assert_int_eq(res.applied, 4000);
    ck_assert_int_eq(open_of("INV-A1"), 6000);
    a = aging_of("A-1001", "2026-12-31");
    ck_assert_int_eq(a.row.bucket[COLLECTIONS_BUCKET_1_30], 6000);
    ck_assert_int_eq(a.row.unapplied, 0);
}
END_TEST

START_TEST(one_payment_over_several_invoices)
{
    static const credit c[] = {
        {"350.00", "R1", "INV-B1, INV-B2 and INV-B3", NULL, NULL}};
    cash_import_result res;

    tl_fx_account(db, "B-1001", 1, 1);
    invoice("B-1001", "INV-B1", 10000, "2026-11-01");
    invoice("B-1001", "INV-B2", 15000, "2026-12-01");
    invoice("B-1001", "INV-B3", 10000, "2026-12-15");
    invoice("B-1001", "INV-B4", 5000, "2026-10-01"); /* not named */
    import_credits(&res, c, 1);
    ck_assert_int_eq(res.by_invoice, 1);
    ck_assert_int_eq(res.applied, 35000);
    ck_assert_int_eq(open_of("INV-B1"), 0);
    ck_assert_int_eq(open_of("INV-B2"), 0);
    ck_assert_int_eq(open_of("INV-B3"), 0);
    ck_assert_int_eq(open_of("INV-B4"), 5000);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.application"),
                     3);
}
END_TEST

START_TEST(overpayment_stays_on_account)
{
    static const credit c[] = {{"130.00", "R1", "INV-C1", NULL, NULL}};
    cash_import_result res;
    queue_list q;
    aging_find a;

    tl_fx_account(db, "C-1001", 1, 1);
    invoice("C-1001", "INV-C1", 10000, "2026-12-01");
    invoice("C-1001", "INV-C2", 5000, "2026-12-20");
    import_credits(&res, c, 1);
    ck_assert_int_eq(res.by_invoice, 1);
    ck_assert_int_eq(res.applied, 10000);
    ck_assert_int_eq(res.on_account, 3000);
    ck_assert_int_eq(res.queued, 0);
    ck_assert_int_eq(open_of("INV-C1"), 0);
    ck_assert_int_eq(open_of("INV-C2"), 5000);
    a = aging_of("C-1001", "2026-12-31");
    ck_assert_int_eq(a.row.open_total, 5000);
    ck_assert_int_eq(a.row.unapplied, 3000);
    q = queue();
    ck_assert_int_eq(q.receipts, 0);
    ck_assert_int_eq(q.credits, 1);
    ck_assert_int_eq(q.credit_total, 3000);
}
END_TEST

START_TEST(no_match_goes_to_the_unapplied_queue)
{
    static const credit c[] = {
        {"77.77", "R1", "thanks", "UNKNOWN LTD", "GB00UNKN0000000001"},
        /* two open invoices of 99.00: the amount alone cannot tell */
        {"99.00", "R2", NULL, NULL, NULL}};
    cash_import_result res;
    queue_list q;

    tl_fx_account(db, "F-1001", 1, 1);
    invoice("F-1001", "INV-F1", 9900, "2026-12-01");
    invoice("F-1001", "INV-F2", 9900, "2026-12-05");
    import_credits(&res, c, 2);
    ck_assert_int_eq(res.unmatched, 2);
    ck_assert_int_eq(res.queued, 17677);
    ck_assert_int_eq(res.applied, 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment"), 0);
    q = queue();
    ck_assert_int_eq(q.receipts, 2);
    ck_assert_int_eq(q.receipt_total, 17677);
    ck_assert_int_eq(open_of("INV-F1"), 9900);
}
END_TEST

START_TEST(by_account_pays_the_oldest_invoices)
{
    static const char lockbox[] =
        "batch,item,account_number,invoice_number,amount,check_number,date\n"
        "B1,1,D-1001,,150.00,5001,2026-12-28\n";
    cash_import_result res;

    tl_fx_account(db, "D-1001", 1, 1);
    invoice("D-1001", "INV-D2", 20000, "2026-12-01");
    invoice("D-1001", "INV-D1", 10000, "2026-11-01");
    import_ok(&res, lockbox, CASH_FORMAT_UNKNOWN);
    ck_assert_int_eq(res.by_account, 1);
    ck_assert_int_eq(res.applied, 15000);
    ck_assert_int_eq(open_of("INV-D1"), 0);
    ck_assert_int_eq(open_of("INV-D2"), 15000);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment"
                           " WHERE method = 'check' AND reference = 'B1-1'"),
                     1);
}
END_TEST

START_TEST(by_exact_amount)
{
    static const credit c[] = {{"123.45", "R1", NULL, NULL, NULL}};
    cash_import_result res;

    tl_fx_account(db, "E-1001", 1, 1);
    invoice("E-1001", "INV-E1", 12345, "2026-12-01");
    invoice("E-1001", "INV-E2", 12346, "2026-12-01");
    import_credits(&res, c, 1);
    ck_assert_int_eq(res.by_amount, 1);
    ck_assert_int_eq(open_of("INV-E1"), 0);
    ck_assert_int_eq(open_of("INV-E2"), 12346);
}
END_TEST

START_TEST(the_same_file_twice_changes_nothing)
{
    static const credit first[] = {{"40.00", "R1", "INV-A1", NULL, NULL},
                                   {"10.00", "R2", "INV-A1", NULL, NULL}};
    static const credit overlap[] = {{"40.00", "R1", "INV-A1", NULL, NULL},
                                     {"10.00", "R2", "INV-A1", NULL, NULL},
                                     {"5.00", "R3", "INV-A1", NULL, NULL}};
    cash_import_result res;
    cash_import_result again;

    tl_fx_account(db, "A-1001", 1, 1);
    invoice("A-1001", "INV-A1", 10000, "2026-12-01");
    import_credits(&res, first, 2);
    ck_assert_int_eq(res.receipts_new, 2);
    ck_assert_int_eq(open_of("INV-A1"), 5000);
    import_credits(&again, first, 2);
    ck_assert_int_eq(again.created, 0);
    ck_assert_int_eq(again.file_id, res.file_id);
    ck_assert_str_eq(again.sha256, res.sha256);
    ck_assert_int_eq(open_of("INV-A1"), 5000);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.bank_file"),
                     1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment"), 2);
    /* another file repeating two of the entries: only the new one counts */
    import_credits(&again, overlap, 3);
    ck_assert_int_eq(again.created, 1);
    ck_assert_int_eq(again.duplicates, 2);
    ck_assert_int_eq(again.receipts_new, 1);
    ck_assert_int_eq(open_of("INV-A1"), 4500);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment"), 3);
}
END_TEST

START_TEST(manual_apply_and_unapply_keep_history)
{
    static const credit c[] = {
        {"77.77", "R1", "for our line", "GAMMA CO", "DE89370400440532013000"}};
    static const credit next[] = {
        {"10.00", "R9", NULL, "GAMMA CO", "DE89370400440532013000"}};
    cash_import_result res;
    cash_apply_in in;
    cash_apply_result out;
    cash_unapply_result un;
    queue_list q;
    aging_find a;

    tl_fx_account(db, "G-1001", 1, 1);
    invoice("G-1001", "INV-G1", 10000, "2026-12-01");
    invoice("G-1001", "INV-G2", 999, "2026-12-20");
    import_credits(&res, c, 1);
    ck_assert_int_eq(res.unmatched, 1);
    q = queue();
    ck_assert_int_eq(q.receipts, 1);

    /* an amount more than the invoice owes is refused, nothing changes */
    memset(&in, 0, sizeof(in));
    in.receipt_id = q.last_receipt;
    in.account_number = "G-1001";
    in.invoice_number = "INV-G2";
    in.amount = "50.00";
    in.date = day("2026-12-29");
    in.actor = "collector";
    ck_assert_int_eq(cash_apply(&out, db, &in, &err), TL_ECONFLICT);
    ck_assert_str_eq(err.code, "exceeds_open");
    tl_err_clear(&err);
    in.amount = "5.001";
    ck_assert_int_eq(cash_apply(&out, db, &in, &err), TL_EINVALID);
    ck_assert(has_problem("format", "amount"));
    tl_err_clear(&err);
    in.amount = "50.00";
    ck_assert_int_eq(queue().receipts, 1);

    /* the receipt becomes a payment of G-1001, 50.00 of it to INV-G1 */
    in.invoice_number = "INV-G1";
    in.note = "customer called";
    ck_assert_int_eq(cash_apply(&out, db, &in, &err), 0);
    ck_assert_int_eq(out.applied.minor, 5000);
    ck_assert_int_eq(out.left.minor, 2777);
    ck_assert_int_eq(out.invoice_open.minor, 5000);
    ck_assert_int_eq(queue().receipts, 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.bank_receipt"
                           " WHERE match_method = 'manual'"
                           " AND matched_by = 'collector'"),
                     1);

    /* the rest of the payment, by payment id: all it has left */
    memset(&in, 0, sizeof(in));
    in.payment_id = out.payment_id;
    in.invoice_number = "INV-G1";
    in.date = day("2026-12-29");
    in.actor = "collector";
    ck_assert_int_eq(cash_apply(&out, db, &in, &err), 0);
    ck_assert_int_eq(out.applied.minor, 2777);
    ck_assert_int_eq(out.left.minor, 0);
    ck_assert_int_eq(open_of("INV-G1"), 2223);

    /* unapply: both applications reversed by new rows, none deleted */
    ck_assert_int_eq(cash_unapply(&un, db, out.payment_id, "INV-G1",
                                  day("2026-12-30"), "wrong invoice",
                                  "collector", &err),
                     0);
    ck_assert_int_eq(un.reversed, 2);
    ck_assert_int_eq(un.amount.minor, 7777);
    ck_assert_int_eq(un.left.minor, 7777);
    ck_assert_int_eq(un.invoice_open.minor, 10000);
    ck_assert_int_eq(open_of("INV-G1"), 10000);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.application"),
                     4);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.application"
                           " WHERE reverses_id IS NOT NULL"
                           " AND method = 'unapply'"
                           " AND applied_date = '2026-12-30'"),
                     2);
    ck_assert_int_eq(cash_unapply(&un, db, out.payment_id, "INV-G1",
                                  day("2026-12-30"), NULL, "collector", &err),
                     TL_ECONFLICT);
    ck_assert_str_eq(err.code, "not_applied");
    tl_err_clear(&err);

    /* aging nets the reversal out from its date on, and not before */
    a = aging_of("G-1001", "2026-12-31");
    ck_assert_int_eq(a.row.open_total, 10999);
    ck_assert_int_eq(a.row.unapplied, 7777);
    a = aging_of("G-1001", "2026-12-29");
    ck_assert_int_eq(a.row.open_total, 2223 + 999);
    ck_assert_int_eq(a.row.unapplied, 0);

    /* history cannot be rewritten */
    {
        PGresult *r =
            PQexec(tl_db_pgconn(db), "DELETE FROM collections.application");
        ck_assert_int_eq(PQresultStatus(r), PGRES_FATAL_ERROR);
        PQclear(r);
    }

    /* the payer is known now: the next receipt from that IBAN matches by
     * account and pays the oldest open invoice */
    import_credits(&res, next, 1);
    ck_assert_int_eq(res.by_account, 1);
    ck_assert_int_eq(open_of("INV-G1"), 9000);
}
END_TEST

START_TEST(scenario_15_morning_statement)
{
    cash_import_result res;
    cash_import_result again;
    FILE *f;
    char *buf;
    size_t len;

    tl_fx_account(db, "HH-1001", 1, 1);
    tl_fx_account(db, "NW-1001", 1, 2);
    tl_fx_account(db, "KS-1001", 1, 3);
    invoice("HH-1001", "INV-00000101", 255167, "2026-12-20");
    invoice("NW-1001", "INV-00000102", 120000, "2026-12-20");
    invoice("NW-1001", "INV-00000103", 80000, "2026-12-20");
    invoice("KS-1001", "INV-00000104", 980000, "2026-10-15");
    invoice("KS-1001", "INV-00000105", 400000, "2026-11-15");
    invoice("KS-1001", "INV-00000106", 150000, "2026-12-15");
    invoice("HH-1001", "INV-00000107", 65000, "2026-12-20");

    f = fopen(BANK "scenario15.camt053.xml", "rb");
    ck_assert_ptr_nonnull(f);
    buf = malloc(1u << 16);
    len = fread(buf, 1, (1u << 16) - 1, f);
    fclose(f);
    buf[len] = '\0';

    ck_assert_int_eq(cash_import(&res, db, buf, len, CASH_FORMAT_CAMT053,
                                 "scenario15.camt053.xml", "test", &err),
                     0);
    ck_assert_int_eq(res.entries, 8);
    ck_assert_int_eq(res.credits, 7);
    ck_assert_int_eq(res.debits_skipped, 1);
    ck_assert_int_eq(res.by_invoice, 5);
    ck_assert_int_eq(res.unmatched, 2);
    ck_assert_str_eq(res.currency, "USD");
    ck_assert_int_eq(res.received, 2108376);
    ck_assert_int_eq(res.applied, 2050167);
    ck_assert_int_eq(res.on_account, 5000);
    ck_assert_int_eq(res.queued, 53209);
    ck_assert_int_eq(open_of("INV-00000104"), 0);
    ck_assert_int_eq(open_of("INV-00000105"), 0);
    ck_assert_int_eq(open_of("INV-00000106"), 0);
    ck_assert_int_eq(open_of("INV-00000107"), 0);
    ck_assert_int_eq(aging_of("HH-1001", "2026-12-31").row.unapplied, 5000);

    ck_assert_int_eq(cash_import(&again, db, buf, len, CASH_FORMAT_UNKNOWN,
                                 "again.xml", "test", &err),
                     0);
    ck_assert_int_eq(again.created, 0);
    ck_assert_int_eq(again.receipts_new, 7);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.bank_receipt"), 7);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment"), 5);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.application"),
                     7);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM audit.event"
                           " WHERE action = 'cash.import'"),
                     1);
    free(buf);
}
END_TEST

START_TEST(bai2_continuation_text_names_invoices)
{
    static const char bai2[] = "01,BANK,TRUNKLINE,261228,0800,F9,,,2/\n"
                               "02,TRUNKLINE,BANK,1,261228,,USD,/\n"
                               "03,4711,USD,010,0,,/\n"
                               "16,195,25000,0,BREF-1,CUST-1,WIRE FROM ACME/\n"
                               "88,RE INV-H1 AND INV-H2/\n"
                               "16,475,1200,0,BREF-2,,CHECK PAID/\n"
                               "49,26200,5/\n"
                               "98,26200,1,7/\n"
                               "99,26200,1,9/\n";
    cash_import_result res;

    tl_fx_account(db, "H-1001", 1, 1);
    invoice("H-1001", "INV-H1", 15000, "2026-12-01");
    invoice("H-1001", "INV-H2", 15000, "2026-12-05");
    import_ok(&res, bai2, CASH_FORMAT_BAI2);
    ck_assert_int_eq(res.credits, 1);
    ck_assert_int_eq(res.debits_skipped, 1);
    ck_assert_int_eq(res.by_invoice, 1);
    ck_assert_int_eq(open_of("INV-H1"), 0);
    ck_assert_int_eq(open_of("INV-H2"), 5000);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.bank_receipt"
              " WHERE bank_account = '4711' AND bank_ref = 'BREF-1'"
              " AND remittance = 'CUST-1 WIRE FROM ACME RE INV-H1 AND INV-H2'"
              " AND method = 'wire'"),
        1);
}
END_TEST

START_TEST(an_invoice_number_of_two_accounts_needs_the_payer)
{
    static const credit c[] = {
        {"10.00", "R1", "INV-77", "NOBODY", "FR7630006000011234567890189"}};
    static const credit known[] = {
        {"10.00", "R2", "INV-77", "J-TWO", "DE02120300000000202051"}};
    cash_import_result res;
    const char *params[1] = {"J-1002"};

    tl_fx_account(db, "J-1001", 1, 1);
    tl_fx_account(db, "J-1002", 1, 2);
    invoice("J-1001", "INV-77", 1000, "2026-12-01");
    invoice("J-1002", "INV-77", 1000, "2026-12-01");
    import_credits(&res, c, 1);
    ck_assert_int_eq(res.unmatched, 1);
    /* the payer's IBAN is known for J-1002: that account's invoice */
    exec("INSERT INTO collections.payer (kind, key, account_id, created_by)"
         " SELECT 'iban', 'DE02120300000000202051', account_id, 'test'"
         " FROM accounts.billing_account WHERE account_number = $1",
         1, params);
    import_credits(&res, known, 1);
    ck_assert_int_eq(res.by_invoice, 1);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment p"
                           " JOIN accounts.billing_account b"
                           " USING (account_id)"
                           " WHERE b.account_number = 'J-1002'"),
                     1);
}
END_TEST

START_TEST(payment_post_still_applies)
{
    collections_payment_in in;
    collections_payment_result out;

    tl_fx_account(db, "A-1001", 1, 1);
    invoice("A-1001", "INV-A1", 10000, "2026-12-01");
    invoice("A-1001", "INV-A2", 10000, "2026-12-15");
    memset(&in, 0, sizeof(in));
    in.account_number = "A-1001";
    tl_money_make(&in.amount, 15000, "USD");
    in.received_date = day("2026-12-28");
    in.reference = "W1";
    in.method = "wire";
    in.invoice_number = "INV-A2";
    in.actor = "test";
    ck_assert_int_eq(collections_post_payment(&out, db, &in, &err), 0);
    ck_assert_int_eq(out.invoices_paid, 2);
    ck_assert_int_eq(open_of("INV-A2"), 0);
    ck_assert_int_eq(open_of("INV-A1"), 5000);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.application"
                           " WHERE method = 'payment'"),
                     2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cash");
    TCase *tc = tcase_create("cash");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, a_bad_file_writes_nothing);
    tcase_add_test(tc, exact_match_by_invoice_number);
    tcase_add_test(tc, partial_payment);
    tcase_add_test(tc, one_payment_over_several_invoices);
    tcase_add_test(tc, overpayment_stays_on_account);
    tcase_add_test(tc, no_match_goes_to_the_unapplied_queue);
    tcase_add_test(tc, by_account_pays_the_oldest_invoices);
    tcase_add_test(tc, by_exact_amount);
    tcase_add_test(tc, the_same_file_twice_changes_nothing);
    tcase_add_test(tc, manual_apply_and_unapply_keep_history);
    tcase_add_test(tc, scenario_15_morning_statement);
    tcase_add_test(tc, bai2_continuation_text_names_invoices);
    tcase_add_test(tc, an_invoice_number_of_two_accounts_needs_the_payer);
    tcase_add_test(tc, payment_post_still_applies);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
