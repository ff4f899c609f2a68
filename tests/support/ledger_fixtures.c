/*
 * Fixtures for the AR-ledger suites (see ledger_fixtures.h).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/collections.h"
#include "tests/support/fixtures.h"
#include "tests/support/ledger_fixtures.h"

static tl_date day(const char *text)
{
    tl_date d = 0;

    ck_assert_msg(tl_date_parse(&d, text) == 0, "bad date %s", text);
    return d;
}

int64_t tl_fx_sql(tl_db *db, const char *sql, int n, const char *const *params)
{
    PGresult *res =
        PQexecParams(tl_db_pgconn(db), sql, n, NULL, params, NULL, NULL, 0);
    int64_t v = 0;

    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK ||
                      PQresultStatus(res) == PGRES_TUPLES_OK,
                  "%s: %s", sql, PQresultErrorMessage(res));
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 &&
        !PQgetisnull(res, 0, 0))
        v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return v;
}

int64_t tl_fx_account_in(tl_db *db, const char *number, const char *cur)
{
    int64_t id = tl_fx_account(db, number, 1, 101);
    const char *params[2] = {number, cur};

    tl_fx_sql(db,
              "UPDATE accounts.billing_account SET currency = $2"
              " WHERE account_number = $1",
              2, params);
    return id;
}

void tl_fx_sibling_account(tl_db *db, const char *number, const char *sibling)
{
    const char *params[2] = {number, sibling};

    tl_fx_sql(db,
              "INSERT INTO accounts.billing_account (account_number,"
              " customer_id, name, currency, bill_cycle_day,"
              " payment_terms_days)"
              " SELECT $1, customer_id, 'Sibling ' || $1, currency, 1, 30"
              " FROM accounts.billing_account WHERE account_number = $2",
              2, params);
}

int64_t tl_fx_ledger_invoice(tl_db *db, int64_t account_id, const char *number,
                             const char *issue, int64_t amount, const char *cur)
{
    /* each invoice has a run of its own, on a period of its own */
    static int invoices_made;
    char acct[24];
    char n[16];
    char amt[24];
    const char *params[6] = {acct, n, issue, amt, number, cur};

    snprintf(acct, sizeof(acct), "%lld", (long long)account_id);
    snprintf(n, sizeof(n), "%d", ++invoices_made);
    snprintf(amt, sizeof(amt), "%lld", (long long)amount);
    return tl_fx_sql(
        db,
        "WITH r AS (INSERT INTO billing.bill_run (cycle_day, period_start,"
        " period_end, issue_date, status, started_by, approved_by,"
        " approved_at) VALUES (1, DATE '2000-01-01' + $2::int,"
        " DATE '2000-01-02' + $2::int, $3::date, 'approved', 'test', 'test',"
        " now()) RETURNING run_id),"
        " i AS (INSERT INTO billing.invoice (account_id, invoice_number,"
        " series, sequence_no, run_id, period_start, period_end, issue_date,"
        " due_date, currency, subtotal_minor, tax_minor, total_minor, status)"
        " SELECT $1::bigint, $5, 'standard', 100000 + $2::int, run_id,"
        " $3::date, $3::date + 30, $3::date, $3::date + 30, $6, $4::bigint, 0,"
        " $4::bigint, 'final' FROM r"
        " RETURNING account_id, invoice_id, invoice_number, issue_date,"
        " due_date, total_minor, currency)"
        " INSERT INTO collections.ledger_entry (account_id, kind, source_ref,"
        " amount_minor, currency, effective_date, due_date, invoice_id)"
        " SELECT account_id, 'invoice', invoice_number, total_minor, currency,"
        " issue_date, due_date, invoice_id FROM i RETURNING invoice_id",
        6, params);
}

void tl_fx_payment(tl_db *db, const char *account_number, int64_t amount,
                   const char *cur, const char *date, const char *reference)
{
    collections_payment_in in;
    collections_payment_result res;
    tl_err err = TL_ERR_INIT;

    memset(&in, 0, sizeof(in));
    in.account_number = account_number;
    ck_assert_int_eq(tl_money_make(&in.amount, amount, cur), 0);
    in.received_date = day(date);
    in.reference = reference;
    in.method = "wire";
    in.actor = "test";
    ck_assert_msg(collections_post_payment(&res, db, &in, &err) == 0, "%s",
                  err.message);
    tl_err_clear(&err);
}

int64_t tl_fx_account_balance(tl_db *db, const char *account, const char *on)
{
    tl_err err = TL_ERR_INIT;
    tl_money m;

    ck_assert_msg(collections_account_balance(&m, db, account, day(on), &err) ==
                      0,
                  "%s", err.message);
    tl_err_clear(&err);
    return m.minor;
}

int64_t tl_fx_invoice_balance(tl_db *db, const char *invoice_number,
                              const char *on)
{
    tl_err err = TL_ERR_INIT;
    tl_money m;

    ck_assert_msg(
        collections_invoice_balance(&m, db, invoice_number, day(on), &err) == 0,
        "%s", err.message);
    tl_err_clear(&err);
    return m.minor;
}

int tl_fx_doc(collections_doc_result *res, tl_db *db, tl_err *err,
              const char *kind, const char *account, const char *invoice_number,
              const char *to, int64_t amount, const char *cur, const char *date,
              const char *reference)
{
    collections_doc_in in;

    memset(&in, 0, sizeof(in));
    in.kind = kind;
    in.account_number = account;
    in.invoice_number = invoice_number;
    in.to_account = to;
    ck_assert_int_eq(tl_money_make(&in.amount, amount, cur), 0);
    in.date = day(date);
    in.reference = reference;
    in.reason = "test";
    in.method = "wire";
    in.actor = "test";
    tl_err_clear(err);
    return collections_doc_post(res, db, &in, err);
}
