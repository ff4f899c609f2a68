/*
 * The collections and commissions routes through real HTTP on loopback
 * (the server in-process on an ephemeral port, a fresh database per test).
 *
 * The book: accounts HTTP-A (account executive AE1, agent AG1) and HTTP-B
 * (AE2), HTTP-C (nobody's); one user per role with a token. Final invoices
 * posted to the ledger (USD): INV-A1 1150.00 due 2026-12-01 and INV-A2
 * 800.00 due 2026-09-01 on HTTP-A, INV-B1 500.00 due 2026-12-15 on HTTP-B,
 * each issued 30 days before it is due. The server's business day is
 * 2026-12-30: INV-A2 is 120 days past due, INV-A1 29, INV-B1 15.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "accounts/accounts.h"
#include "billing/billing.h"
#include "collections/collections.h"
#include "common/json.h"
#include "provisioning/provisioning.h"
#include "server/server.h"
#include "tests/http/http_book.h"
#include "tests/http/http_client.h"
#include "tests/support/fixtures.h"
#include "tests/support/testdb.h"

static tl_db *db;
static srv_server *srv;

static int64_t count(const char *sql)
{
    return tl_fx_count(db, sql);
}

static void setup(void)
{
    http_book_open(&db, &srv);
}

static void teardown(void)
{
    http_book_close(&db, &srv);
}

/* ---- bank files ---- */

typedef struct credit {
    const char *amount;
    const char *ref;
    const char *ustrd;
    const char *booked; /* NULL: 2026-12-28 */
} credit;

/* A camt.053 (version 2) statement of the credits. The caller frees it. */
static char *camt(const credit *c, size_t n)
{
    size_t cap = 2048 + n * 512;
    char *buf = malloc(cap);
    size_t used = 0;
    size_t i;

    ck_assert_ptr_nonnull(buf);
    used += (size_t)snprintf(
        buf, cap,
        "<?xml version=\"1.0\"?>\n"
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
        "<BkToCstmrStmt><GrpHdr><MsgId>API-1</MsgId></GrpHdr><Stmt>"
        "<Id>ST-1</Id><Acct><Id><IBAN>US00TRUNK0000000000001</IBAN></Id>"
        "</Acct>\n");
    for (i = 0; i < n; i++)
        used += (size_t)snprintf(
            buf + used, cap - used,
            "<Ntry><Amt Ccy=\"USD\">%s</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
            "<Sts>BOOK</Sts><BookgDt><Dt>%s</Dt></BookgDt>"
            "<AcctSvcrRef>%s</AcctSvcrRef><NtryDtls><TxDtls>"
            "<RmtInf><Ustrd>%s</Ustrd></RmtInf></TxDtls></NtryDtls>"
            "</Ntry>\n",
            c[i].amount, c[i].booked ? c[i].booked : "2026-12-28", c[i].ref,
            c[i].ustrd);
    snprintf(buf + used, cap - used, "</Stmt></BkToCstmrStmt></Document>\n");
    return buf;
}

#define XML_CT "Content-Type: application/xml\r\n"

static const credit two_credits[] = {
    {"1150.00", "R-1", "Payment of INV-A1", NULL},
    {"75.25", "R-2", "thank you", NULL},
};

/* Sends only the head of a POST /bankFile announcing a 20 KiB body (over
 * the normal cap, under the bank-file cap) and waits up to 5 s for an
 * answer without sending the body: the status, or 0 when the server
 * waited for the body instead. */
static int answer_before_body(const char *auth_line)
{
    struct sockaddr_in addr;
    struct timeval tv = {5, 0};
    char head[512];
    char buf[256];
    ssize_t n;
    int status = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(srv_port(srv));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)),
                     0);
    snprintf(head, sizeof(head),
             "POST /bankFile HTTP/1.1\r\nHost: 127.0.0.1\r\n%s"
             "Content-Type: application/xml\r\nContent-Length: 20480\r\n\r\n",
             auth_line);
    ck_assert_int_eq(write(fd, head, strlen(head)), (ssize_t)strlen(head));
    n = read(fd, buf, sizeof(buf) - 1);
    if (n > 12) {
        buf[n] = '\0';
        status = atoi(buf + 9); /* "HTTP/1.1 401 ..." */
    }
    close(fd);
    return status;
}

START_TEST(bank_file_is_imported_matched_and_imported_once)
{
    char *file = camt(two_credits, 2);
    char path[64];
    char buf[64];
    char first[2048];
    int64_t receipt;
    int64_t payment;
    resp r;

    r = call(U_COLL, "POST", "/bankFile?name=stmt-1228.xml", XML_CT, file);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert(json_is_true(json_object_get(r.json, "created")));
    ck_assert_str_eq(jstr(r.json, "format"), "camt053");
    ck_assert_int_eq(jint(r.json, "credits"), 2);
    ck_assert_int_eq(jint(r.json, "receiptsNew"), 2);
    ck_assert_int_eq(jint(json_object_get(r.json, "matched"), "byInvoice"), 1);
    ck_assert_int_eq(jint(r.json, "unmatched"), 1);
    ck_assert_str_eq(amt(r.json, "received"), "1225.25");
    ck_assert_str_eq(amt(r.json, "applied"), "1150.00");
    ck_assert_str_eq(amt(r.json, "queued"), "75.25");
    ck_assert_str_eq(jstr(json_object_get(r.json, "queued"), "currency"),
                     "USD");
    resp_free(&r);

    /* the same file again: nothing new */
    r = call(U_COLL, "POST", "/bankFile", XML_CT, file);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert(json_is_false(json_object_get(r.json, "created")));
    resp_free(&r);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.bank_file"),
                     1);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.bank_receipt"), 2);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment"), 1);

    /* with an Idempotency-Key: the stored answer, byte for byte */
    r = call(U_ADMIN, "POST", "/bankFile", XML_CT "Idempotency-Key: bank-1\r\n",
             file);
    ck_assert_int_eq(r.status, 200);
    snprintf(first, sizeof(first), "%s", r.body);
    resp_free(&r);
    r = call(U_ADMIN, "POST", "/bankFile", XML_CT "Idempotency-Key: bank-1\r\n",
             file);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, first);
    resp_free(&r);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.bank_receipt"), 2);
    free(file);

    /* the unmatched receipt waits in the queue */
    r = call(U_FINANCE, "GET", "/unappliedCash?kind=receipt", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "1");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "kind"), "receipt");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "amount"), "75.25");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "bankRef"), "R-2");
    receipt = jint(json_array_get(r.json, 0), "receiptId");
    resp_free(&r);

    /* applied by hand: 50.00 of it to INV-B1, the rest stays as credit */
    snprintf(first, sizeof(first),
             "{\"receiptId\": %lld, \"accountNumber\": \"HTTP-B\","
             " \"invoiceNumber\": \"INV-B1\", \"amount\": \"50.00\","
             " \"note\": \"customer called\"}",
             (long long)receipt);
    r = call(U_COLL, "POST", "/cashApplication", JSON_CT, first);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert_str_eq(amt(r.json, "applied"), "50.00");
    ck_assert_str_eq(amt(r.json, "left"), "25.25");
    ck_assert_str_eq(amt(r.json, "invoiceOpen"), "450.00");
    payment = jint(r.json, "paymentId");
    ck_assert_int_gt(payment, 0);
    resp_free(&r);
    /* the same receipt again: it is matched now */
    r = call(U_COLL, "POST", "/cashApplication", JSON_CT, first);
    ck_assert_int_eq(r.status, 409);
    resp_free(&r);
    r = call(U_COLL, "GET", "/unappliedCash", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "kind"), "credit");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-B");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "amount"), "25.25");
    resp_free(&r);

    /* unapplied: the 50.00 goes back to the payment's credit */
    snprintf(path, sizeof(path), "/payment/%lld/unapply", (long long)payment);
    r = call(U_COLL, "POST", path, JSON_CT,
             "{\"invoiceNumber\": \"INV-B1\", \"note\": \"wrong invoice\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(jint(r.json, "reversed"), 1);
    ck_assert_str_eq(amt(r.json, "amount"), "50.00");
    ck_assert_str_eq(amt(r.json, "left"), "75.25");
    ck_assert_str_eq(amt(r.json, "invoiceOpen"), "500.00");
    resp_free(&r);
    /* nothing left applied to that invoice */
    r = call(U_COLL, "POST", path, JSON_CT, "{\"invoiceNumber\": \"INV-B1\"}");
    ck_assert_int_eq(r.status, 409);
    resp_free(&r);
    r = call(U_COLL, "POST", "/payment/x1/unapply", JSON_CT,
             "{\"invoiceNumber\": \"INV-B1\"}");
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
}
END_TEST

START_TEST(lockbox_and_bai2_by_media_type)
{
    char *bai2 = NULL;
    size_t len = 0;
    FILE *f;
    resp r;

    r = call(U_COLL, "POST", "/bankFile", "Content-Type: text/csv\r\n",
             "batch,item,amount,date,account_number\n"
             "7,1,300.00,2026-12-28,HTTP-B\n");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "format"), "lockbox");
    ck_assert_int_eq(jint(json_object_get(r.json, "matched"), "byAccount"), 1);
    ck_assert_str_eq(amt(r.json, "applied"), "300.00");
    resp_free(&r);
    r = call(U_COLL, "GET", "/aging?asOf=2026-12-30", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(json_array_get(r.json, 1), "accountNumber"),
                     "HTTP-B");
    ck_assert_str_eq(amt(json_array_get(r.json, 1), "openTotal"), "200.00");
    resp_free(&r);

    f = fopen(TL_SOURCE_DIR "/tests/fixtures/bank/moov-sample1.bai2", "rb");
    ck_assert_ptr_nonnull(f);
    bai2 = calloc(1, 8192);
    ck_assert_ptr_nonnull(bai2);
    len = fread(bai2, 1, 8191, f);
    fclose(f);
    ck_assert_uint_gt(len, 0);
    r = call(U_COLL, "POST", "/bankFile", "Content-Type: text/plain\r\n", bai2);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "format"), "bai2");
    ck_assert_int_gt(jint(r.json, "receiptsNew"), 0);
    resp_free(&r);
    /* the format parameter wins over the media type */
    r = call(U_COLL, "POST", "/bankFile?format=lockbox",
             "Content-Type: application/octet-stream\r\n", bai2);
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(
        jstr(json_array_get(json_object_get(r.json, "errors"), 0), "code"),
        "header");
    resp_free(&r);
    free(bai2);
}
END_TEST

START_TEST(a_bad_bank_file_is_refused_whole)
{
    static const credit bad[] = {
        {"1150.00", "R-1", "INV-A1", NULL},
        {"12.345", "R-2", "x", NULL},
        {"10.00", "R-3", "y", "2026-13-01"},
    };
    char *file = camt(bad, 3);
    char *big;
    json_t *errors;
    size_t i;
    int amount = 0;
    int date = 0;
    resp r;

    r = call(U_COLL, "POST", "/bankFile", XML_CT, file);
    ck_assert_msg(r.status == 400, "%d %s", r.status, r.body);
    ck_assert_str_eq(header(&r, "Content-Type", (char[64]){0}, 64),
                     "application/problem+json");
    errors = json_object_get(r.json, "errors");
    ck_assert_uint_ge(json_array_size(errors), 2);
    for (i = 0; i < json_array_size(errors); i++) {
        const json_t *e = json_array_get(errors, i);
        if (strcmp(jstr(e, "code"), "amount") == 0 &&
            strstr(jstr(e, "field"), "Ntry[2]") != NULL)
            amount = 1;
        if (strcmp(jstr(e, "code"), "date") == 0 &&
            strstr(jstr(e, "field"), "Ntry[3]") != NULL)
            date = 1;
    }
    ck_assert_msg(amount && date, "%s", r.body);
    resp_free(&r);
    free(file);
    /* nothing was written, not even the good entry */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.bank_file"),
                     0);
    ck_assert_int_eq(
        count("SELECT count(*) AS n FROM collections.bank_receipt"), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.payment"), 0);

    r = call(U_COLL, "POST", "/bankFile", JSON_CT, "{}");
    ck_assert_int_eq(r.status, 415);
    ck_assert_str_eq(jstr(r.json, "field"), "Content-Type");
    resp_free(&r);
    r = call(U_COLL, "POST", "/bankFile?format=mt940", XML_CT, "<a/>");
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(
        jstr(json_array_get(json_object_get(r.json, "errors"), 0), "field"),
        "format");
    resp_free(&r);
    r = call(U_COLL, "POST", "/bankFile", XML_CT, "");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    r = call(U_COLL, "POST", "/bankFile", XML_CT, "<Document><BkToCstm");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    /* over the bank-file cap (64 KiB here) */
    big = malloc(70 * 1024 + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, ' ', 70 * 1024);
    big[70 * 1024] = '\0';
    r = call(U_COLL, "POST", "/bankFile", XML_CT, big);
    ck_assert_int_eq(r.status, 413);
    resp_free(&r);
    /* a bank file may be larger than a JSON body (16 KiB here) */
    big[20 * 1024] = '\0';
    r = call(U_COLL, "POST", "/bankFile", XML_CT, big);
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    /* but only from somebody authenticated: anybody else is turned away
     * before the body is read */
    r = http_raw("POST", "/bankFile", NULL, XML_CT, big);
    ck_assert_int_eq(r.status, 401);
    resp_free(&r);
    free(big);
    ck_assert_int_eq(answer_before_body("Authorization: Bearer nope\r\n"), 401);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.bank_file"),
                     0);
}
END_TEST

/* ---- disputes ---- */

#define DISPUTE_A1                                                             \
    "{\"invoiceNumber\": \"INV-A1\", \"amount\": {\"amount\": \"200.00\","     \
    " \"currency\": \"USD\"}, \"reason\": \"rate not as contracted\"}"

START_TEST(disputes_open_once_and_move_under_if_match)
{
    char path[48];
    char etag[80];
    char stale[160];
    char buf[96];
    char first[1024];
    int64_t id;
    resp r;

    r = call(U_COLL, "POST", "/dispute", JSON_CT "Idempotency-Key: d-1\r\n",
             DISPUTE_A1);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    id = jint(r.json, "id");
    ck_assert_int_gt(id, 0);
    ck_assert_str_eq(jstr(r.json, "state"), "open");
    ck_assert_str_eq(jstr(r.json, "accountNumber"), "HTTP-A");
    ck_assert_str_eq(amt(r.json, "amount"), "200.00");
    ck_assert_str_eq(jstr(r.json, "openedOn"), "2026-12-30");
    snprintf(path, sizeof(path), "/dispute/%lld", (long long)id);
    ck_assert_str_eq(header(&r, "Location", buf, sizeof(buf)), path);
    snprintf(first, sizeof(first), "%s", r.body);
    resp_free(&r);
    /* the key replays; the same dispute without it is found, not doubled */
    r = call(U_COLL, "POST", "/dispute", JSON_CT "Idempotency-Key: d-1\r\n",
             DISPUTE_A1);
    ck_assert_int_eq(r.status, 201);
    ck_assert_str_eq(r.body, first);
    resp_free(&r);
    r = call(U_COLL, "POST", "/dispute", JSON_CT, DISPUTE_A1);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(jint(r.json, "id"), id);
    ck_assert(json_is_false(json_object_get(r.json, "created")));
    resp_free(&r);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.dispute"), 1);
    /* the same dispute with another amount is a conflict */
    r = call(U_COLL, "POST", "/dispute", JSON_CT,
             "{\"invoiceNumber\": \"INV-A1\", \"amount\": {\"amount\":"
             " \"210.00\", \"currency\": \"USD\"},"
             " \"reason\": \"rate not as contracted\"}");
    ck_assert_int_eq(r.status, 409);
    resp_free(&r);

    /* the aging shows it apart */
    r = call(U_COLL, "GET", "/aging?by=account&asOf=2026-12-30", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 2);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "key"), "HTTP-A");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "disputed"), "200.00");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "openTotal"), "1950.00");
    resp_free(&r);

    /* read with its ETag; a stale one is refused */
    r = call(U_AE1, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(header(&r, "ETag", etag, sizeof(etag)));
    resp_free(&r);
    snprintf(buf, sizeof(buf), "%s/forward", path);
    snprintf(stale, sizeof(stale), "If-Match: %s\r\n" JSON_CT, etag);
    r = call(U_COLL, "POST", buf, stale, "{\"note\": \"to billing\"}");
    ck_assert_int_eq(r.status, 400); /* forwarding records no note */
    ck_assert_str_eq(
        jstr(json_array_get(json_object_get(r.json, "errors"), 0), "field"),
        "note");
    resp_free(&r);
    r = call(U_COLL, "POST", buf, stale, "{\"date\": \"2026-12-30\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "state"), "forwarded");
    resp_free(&r);
    snprintf(buf, sizeof(buf), "%s/resolve", path);
    r = call(U_COLL, "POST", buf, stale, "{}");
    ck_assert_int_eq(r.status, 412);
    ck_assert_str_eq(jstr(r.json, "code"), "precondition_failed");
    resp_free(&r);
    r = call(U_COLL, "POST", buf, JSON_CT, "{\"note\": \"credit agreed\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "state"), "resolved");
    snprintf(first, sizeof(first), "CM-D%lld", (long long)id);
    ck_assert_str_eq(jstr(r.json, "creditMemo"), first);
    resp_free(&r);
    /* the credit memo lowers what INV-A1 owes: 1150.00 - 200.00 */
    r = call(U_COLL, "GET", "/aging?by=account&asOf=2026-12-30", NULL, NULL);
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "disputed"), "0.00");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "openTotal"), "1750.00");
    resp_free(&r);
    snprintf(buf, sizeof(buf), "%s/deny", path);
    r = call(U_COLL, "POST", buf, JSON_CT, "{\"note\": \"no\"}");
    ck_assert_int_eq(r.status, 409);
    resp_free(&r);

    /* another dispute, denied: a note is required */
    r = call(U_COLL, "POST", "/dispute", JSON_CT,
             "{\"invoiceNumber\": \"INV-B1\", \"amount\": {\"amount\":"
             " \"500.00\", \"currency\": \"USD\"}, \"reason\": \"never"
             " ordered\", \"openedOn\": \"2026-12-20\"}");
    ck_assert_int_eq(r.status, 201);
    snprintf(buf, sizeof(buf), "/dispute/%lld/deny",
             (long long)jint(r.json, "id"));
    ck_assert_int_eq(jint(r.json, "ageDays"), 10);
    resp_free(&r);
    r = call(U_COLL, "POST", buf, JSON_CT, "{}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(
        jstr(json_array_get(json_object_get(r.json, "errors"), 0), "field"),
        "note");
    resp_free(&r);
    r = call(U_COLL, "POST", buf, JSON_CT, "{\"note\": \"order signed\"}");
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "state"), "denied");
    resp_free(&r);

    r = call(U_COLL, "GET", "/dispute?state=denied", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "invoiceNumber"),
                     "INV-B1");
    resp_free(&r);
    r = call(U_COLL, "GET", "/dispute/99999", NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
}
END_TEST

START_TEST(bad_collections_input_is_problem_details_with_field_paths)
{
    static const struct {
        const char *method;
        const char *path;
        const char *body;
        int status;
        const char *code;
        const char *field; /* of errors[0] or the problem, NULL: any */
    } cases[] = {
        {"POST", "/dispute", "{\"invoiceNumber\": ", 400, "json_syntax", NULL},
        {"POST", "/dispute", "[1]", 400, "type", ""},
        {"POST", "/dispute",
         "{\"invoiceNumber\": \"INV-A1\", \"amount\": {\"amount\": 200,"
         " \"currency\": \"USD\"}, \"reason\": \"r\"}",
         400, "type", "amount.amount"},
        {"POST", "/dispute",
         "{\"invoiceNumber\": \"INV-A1\", \"amount\": {\"amount\": \"2.00\","
         " \"currency\": \"EUR\"}, \"reason\": \"r\"}",
         400, "currency", "amount.currency"},
        {"POST", "/dispute",
         "{\"invoiceNumber\": \"INV-A1\", \"amount\": {\"amount\": \"2.005\","
         " \"currency\": \"USD\"}, \"reason\": \"r\"}",
         400, NULL, "amount.amount"},
        {"POST", "/dispute",
         "{\"invoiceNumber\": \"INV-A1\", \"amount\": {\"amount\": \"2.00\","
         " \"currency\": \"USD\"}, \"reason\": \"r\", \"extra\": 1}",
         400, "unknown_field", "extra"},
        {"POST", "/dispute",
         "{\"invoiceNumber\": \"INV-NONE\", \"amount\": {\"amount\": \"2.00\","
         " \"currency\": \"USD\"}, \"reason\": \"r\"}",
         404, NULL, NULL},
        {"POST", "/promise",
         "{\"accountNumber\": \"HTTP-B\", \"amount\": {\"amount\": \"9.00\","
         " \"currency\": \"USD\"}}",
         400, "required", "by"},
        {"POST", "/promise",
         "{\"accountNumber\": \"HTTP-B\", \"amount\": {\"amount\": \"9.00\","
         " \"currency\": \"CAD\"}, \"by\": \"2027-01-10\"}",
         400, "currency", "amount.currency"},
        {"POST", "/promise",
         "{\"accountNumber\": \"HTTP-B\", \"amount\": {\"amount\": \"9.00\","
         " \"currency\": \"USD\"}, \"by\": \"2027-02-30\"}",
         400, "format", "by"},
        {"POST", "/arrangement",
         "{\"accountNumber\": \"HTTP-B\", \"installments\": [{\"amount\":"
         " {\"amount\": \"9.00\", \"currency\": \"USD\"}}]}",
         400, "required", "installments[0].due"},
        {"POST", "/contact",
         "{\"accountNumber\": \"HTTP-A\", \"channel\": \"fax\","
         " \"outcome\": \"sent\"}",
         400, NULL, "channel"},
        {"POST", "/contact",
         "{\"accountNumber\": \"HTTP-A\", \"channel\": 3,"
         " \"outcome\": \"sent\"}",
         400, "type", "channel"},
        {"POST", "/cashApplication", "{\"receiptId\": 1, \"paymentId\": 2}",
         400, "required", "receiptId"},
        {"POST", "/cashApplication", "{\"receiptId\": \"1\"}", 400, "type",
         "receiptId"},
        {"POST", "/cashApplication",
         "{\"paymentId\": 1, \"invoiceNumber\": \"INV-A1\","
         " \"amount\": 12.5}",
         400, "type", "amount"},
        {"POST", "/dunningRun", "{\"asOf\": \"tomorrow\"}", 400, "format",
         "asOf"},
        {"PUT", "/account/HTTP-A/collector", "{\"collector\": 5}", 400, "type",
         "collector"},
        {"PUT", "/account/HTTP-A/collector", "{}", 400, "required",
         "collector"},
        {"PUT", "/account/NOPE/collector", "{\"collector\": \"coll\"}", 404,
         NULL, NULL},
        {"POST", "/shutout/abc/approve", "{}", 404, "not_found", NULL},
        {"GET", "/aging?by=region", NULL, 400, "format", "by"},
        {"GET", "/aging/kpi?days=0", NULL, 400, "range", "days"},
        {"GET", "/unappliedCash?kind=all", NULL, 400, "format", "kind"},
        {"GET", "/dispute?limit=501", NULL, 400, "range", "limit"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        resp r = call(U_ADMIN, cases[i].method, cases[i].path,
                      cases[i].body ? JSON_CT : NULL, cases[i].body);
        const json_t *e0 = json_array_get(json_object_get(r.json, "errors"), 0);
        const char *code = e0 ? jstr(e0, "code") : jstr(r.json, "code");
        const char *field = e0 ? jstr(e0, "field") : jstr(r.json, "field");

        ck_assert_msg(r.status == cases[i].status, "case %zu: %d %s", i,
                      r.status, r.body);
        ck_assert_msg(cases[i].code == NULL || strcmp(code, cases[i].code) == 0,
                      "case %zu: code %s in %s", i, code, r.body);
        ck_assert_msg(cases[i].field == NULL ||
                          strcmp(field, cases[i].field) == 0,
                      "case %zu: field %s in %s", i, field, r.body);
        resp_free(&r);
    }
    /* nothing was written by any of them */
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.dispute"), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.promise"), 0);
    ck_assert_int_eq(count("SELECT count(*) AS n FROM collections.contact"), 0);
}
END_TEST

/* ---- promises, contacts ---- */

START_TEST(promises_arrangements_and_contacts)
{
    static const char promise[] =
        "{\"accountNumber\": \"HTTP-B\", \"amount\": {\"amount\": \"500.00\","
        " \"currency\": \"USD\"}, \"by\": \"2027-01-10\"}";
    int64_t id;
    resp r;

    r = call(U_COLL, "POST", "/promise", JSON_CT, promise);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    id = jint(r.json, "id");
    ck_assert_str_eq(jstr(r.json, "state"), "pending");
    ck_assert_str_eq(amt(r.json, "amount"), "500.00");
    ck_assert_str_eq(jstr(r.json, "madeOn"), "2026-12-30");
    resp_free(&r);
    r = call(U_COLL, "POST", "/promise", JSON_CT, promise);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(jint(r.json, "id"), id);
    resp_free(&r);

    r = call(U_COLL, "POST", "/arrangement", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"note\": \"two halves\","
             " \"installments\": ["
             "{\"amount\": {\"amount\": \"975.00\", \"currency\": \"USD\"},"
             " \"due\": \"2027-01-15\"},"
             "{\"amount\": {\"amount\": \"975.00\", \"currency\": \"USD\"},"
             " \"due\": \"2027-02-15\"}]}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert_int_eq(jint(r.json, "installments"), 2);
    resp_free(&r);

    r = call(U_COLL, "GET", "/promise", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 3);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-A");
    ck_assert_int_eq(jint(json_array_get(r.json, 1), "installment"), 2);
    ck_assert_str_eq(jstr(json_array_get(r.json, 1), "by"), "2027-02-15");
    ck_assert_str_eq(jstr(json_array_get(r.json, 2), "by"), "2027-01-10");
    resp_free(&r);

    /* past the promised day with nothing paid: broken */
    r = call(U_COLL, "POST", "/promise/evaluate", JSON_CT,
             "{\"asOf\": \"2027-01-11\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(jint(r.json, "broken"), 1);
    /* the first installment is still pending; the second's window (from
     * 2027-01-16) has not started, so it is not evaluated */
    ck_assert_int_eq(jint(r.json, "pending"), 1);
    resp_free(&r);
    r = call(U_AE2, "GET", "/promise?state=broken", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_int_eq(jint(json_array_get(r.json, 0), "id"), id);
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "paid"), "0.00");
    resp_free(&r);

    /* contacts: once each */
    r = call(U_COLL, "POST", "/contact", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"date\": \"2026-12-29\","
             " \"channel\": \"call\", \"outcome\": \"promised\","
             " \"note\": \"AP will pay in two halves\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    id = jint(r.json, "id");
    resp_free(&r);
    r = call(U_COLL, "POST", "/contact", JSON_CT,
             "{\"accountNumber\": \"HTTP-A\", \"date\": \"2026-12-29\","
             " \"channel\": \"call\", \"outcome\": \"promised\","
             " \"note\": \"AP will pay in two halves\"}");
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(jint(r.json, "id"), id);
    resp_free(&r);
    r = call(U_COLL, "POST", "/contact", JSON_CT,
             "{\"accountNumber\": \"HTTP-B\", \"channel\": \"email\","
             " \"outcome\": \"sent\"}");
    ck_assert_int_eq(r.status, 201);
    resp_free(&r);
    r = call(U_COLL, "GET", "/contact", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 2);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "date"), "2026-12-30");
    ck_assert_str_eq(jstr(json_array_get(r.json, 1), "loggedBy"), "coll");
    resp_free(&r);
    r = call(U_COLL, "GET", "/contact?accountNumber=HTTP-A", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "outcome"), "promised");
    resp_free(&r);
}
END_TEST

/* ---- dunning, work list, shutout, aging ---- */

START_TEST(dunning_worklist_and_shutout)
{
    char path[48];
    char etag[80];
    char hdr[160];
    char buf[96];
    int64_t id;
    resp r;

    /* HTTP-B dunned as wholesale: 15 days past due is its reminder step
     * (enterprise would send the statement at 15) */
    r = call(U_COLL, "PUT", "/account/HTTP-B/dunningClass", JSON_CT,
             "{\"dunningClass\": \"retail\"}");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    r = call(U_COLL, "PUT", "/account/HTTP-B/dunningClass", JSON_CT,
             "{\"dunningClass\": \"wholesale\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "dunningClass"), "wholesale");
    resp_free(&r);
    r = call(U_COLL, "POST", "/dunningRun", JSON_CT, "{}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "asOf"), "2026-12-30");
    ck_assert_int_eq(jint(r.json, "actions"), 2);
    ck_assert_int_eq(jint(r.json, "shutouts"), 1);
    resp_free(&r);
    /* again the same day: nothing new */
    r = call(U_ADMIN, "POST", "/dunningRun", JSON_CT,
             "{\"asOf\": \"2026-12-30\"}");
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(jint(r.json, "actions"), 0);
    ck_assert_int_eq(jint(r.json, "shutouts"), 0);
    resp_free(&r);
    r = call(U_COLL, "GET", "/dunningAction?date=2026-12-30", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 2);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "2");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-A");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "action"), "shutout");
    ck_assert_int_eq(jint(json_array_get(r.json, 0), "daysPastDue"), 120);
    resp_free(&r);
    /* paged: the second of two */
    r = call(U_COLL, "GET", "/dunningAction?date=2026-12-30&limit=1&offset=1",
             NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(header(&r, "X-Total-Count", buf, sizeof(buf)), "2");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-B");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "dunningClass"),
                     "wholesale");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "action"), "reminder");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "amount"), "500.00");
    resp_free(&r);
    /* an account executive sees their account's action only */
    r = call(U_AE2, "GET", "/dunningAction?date=2026-12-30", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-B");
    resp_free(&r);

    /* the work list: by amount at risk */
    r = call(U_COLL, "GET", "/worklist", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 2);
    ck_assert_int_eq(jint(json_array_get(r.json, 0), "rank"), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-A");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "atRisk"), "1950.00");
    ck_assert_int_eq(jint(json_array_get(r.json, 0), "oldestDaysPastDue"), 120);
    ck_assert_str_eq(amt(json_array_get(r.json, 1), "atRisk"), "500.00");
    resp_free(&r);
    r = call(U_COLL, "PUT", "/account/HTTP-B/collector", JSON_CT,
             "{\"collector\": \"coll\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "collector"), "coll");
    resp_free(&r);
    r = call(U_COLL, "GET", "/worklist?collector=coll", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-B");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "collector"), "coll");
    resp_free(&r);
    r = call(U_COLL, "PUT", "/account/HTTP-B/collector", JSON_CT,
             "{\"collector\": null}");
    ck_assert_int_eq(r.status, 200);
    ck_assert(json_is_null(json_object_get(r.json, "collector")));
    resp_free(&r);
    r = call(U_COLL, "GET", "/worklist?collector=coll", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);

    /* the shutout recommendation: approve and release under If-Match */
    r = call(U_COLL, "GET", "/shutout?state=recommended", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-A");
    id = jint(json_array_get(r.json, 0), "id");
    resp_free(&r);
    snprintf(path, sizeof(path), "/shutout/%lld", (long long)id);
    r = call(U_FINANCE, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "state"), "recommended");
    ck_assert_ptr_nonnull(header(&r, "ETag", etag, sizeof(etag)));
    resp_free(&r);
    snprintf(hdr, sizeof(hdr), "If-Match: %s\r\n" JSON_CT, etag);
    snprintf(buf, sizeof(buf), "%s/approve", path);
    r = call(U_COLL, "POST", buf, hdr, "{}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "state"), "approved");
    ck_assert_str_eq(jstr(r.json, "approvedBy"), "coll");
    ck_assert_int_eq(jint(r.json, "requests"), 0);
    resp_free(&r);
    snprintf(buf, sizeof(buf), "%s/release", path);
    r = call(U_COLL, "POST", buf, hdr, "{\"reason\": \"paid\"}");
    ck_assert_int_eq(r.status, 412);
    resp_free(&r);
    r = call(U_COLL, "POST", buf, JSON_CT, "{}");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    r = call(U_COLL, "POST", buf, JSON_CT, "{\"reason\": \"paid by wire\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "state"), "released");
    ck_assert_str_eq(jstr(r.json, "releaseReason"), "paid by wire");
    resp_free(&r);
    snprintf(buf, sizeof(buf), "%s/approve", path);
    r = call(U_COLL, "POST", buf, JSON_CT, "{}");
    ck_assert_int_eq(r.status, 409);
    resp_free(&r);
}
END_TEST

START_TEST(aging_grouped_and_kpis)
{
    const json_t *k;
    resp r;

    r = call(U_COLL, "GET", "/aging?by=agent&asOf=2026-12-30", NULL, NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(json_array_size(r.json), 2);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "key"), "(direct)");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "openTotal"), "500.00");
    ck_assert_str_eq(jstr(json_array_get(r.json, 1), "key"), "AG1");
    ck_assert_str_eq(amt(json_array_get(r.json, 1), "openTotal"), "1950.00");
    resp_free(&r);
    /* the legacy shape without by is unchanged */
    r = call(U_COLL, "GET", "/aging?asOf=2026-12-30", NULL, NULL);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"),
                     "HTTP-A");
    resp_free(&r);

    /* 90 days ending 2026-12-30: INV-A1 and INV-B1 were issued in them,
     * INV-A2 (issued 2026-08-02) was open at the start */
    r = call(U_FINANCE, "GET", "/aging/kpi?asOf=2026-12-30&days=90", NULL,
             NULL);
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(json_array_size(r.json), 1);
    k = json_array_get(r.json, 0);
    ck_assert_str_eq(jstr(k, "currency"), "USD");
    ck_assert_str_eq(amt(k, "sales"), "1650.00");
    ck_assert_str_eq(amt(k, "arBegin"), "800.00");
    ck_assert_str_eq(amt(k, "arEnd"), "2450.00");
    ck_assert_str_eq(amt(k, "currentEnd"), "0.00");
    ck_assert_str_eq(jstr(k, "dso"), "133.6"); /* 2450 / 1650 * 90 */
    ck_assert_str_eq(jstr(k, "cei"), "0.0");
    resp_free(&r);
}
END_TEST

/* ---- commissions ---- */

START_TEST(commission_plans_runs_and_audit)
{
    static const char plan[] =
        "{\"agentRef\": \"AG1\", \"kind\": \"percent_billed\","
        " \"rate\": \"12.5\", \"termMonths\": 24,"
        " \"validFrom\": \"2026-10-01\"}";
    resp r;

    r = call(U_FINANCE, "POST", "/commissionPlan", JSON_CT, plan);
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    ck_assert(json_is_true(json_object_get(r.json, "created")));
    resp_free(&r);
    r = call(U_ADMIN, "POST", "/commissionPlan", JSON_CT, plan);
    ck_assert_int_eq(r.status, 200);
    ck_assert(json_is_false(json_object_get(r.json, "created")));
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/commissionPlan", JSON_CT,
             "{\"agentRef\": \"AG1\", \"kind\": \"percent_billed\","
             " \"rate\": 12.5, \"validFrom\": \"2026-10-01\"}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(
        jstr(json_array_get(json_object_get(r.json, "errors"), 0), "field"),
        "rate");
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/commissionPlan", JSON_CT,
             "{\"agentRef\": \"AG1\", \"kind\": \"percent_billed\","
             " \"rate\": \"150\", \"validFrom\": \"2026-10-01\"}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(
        jstr(json_array_get(json_object_get(r.json, "errors"), 0), "code"),
        "rate");
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/commissionPlan?agentRef=AG1", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "rate"), "12.5");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "validFrom"),
                     "2026-10-01");
    ck_assert_int_eq(jint(json_array_get(r.json, 0), "termMonths"), 24);
    resp_free(&r);

    /* nothing billed through a service: the run makes no statement */
    r = call(U_FINANCE, "POST", "/commissionRun", JSON_CT,
             "{\"month\": \"2026-11\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "month"), "2026-11");
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/commissionRun", JSON_CT,
             "{\"month\": \"2026-13\"}");
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/commissionAudit?month=2026-11", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert(json_is_array(r.json));
    resp_free(&r);
    r = call(U_FINANCE, "GET", "/commissionAudit", NULL, NULL);
    ck_assert_int_eq(r.status, 400);
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/commissionStatement/AG9/2026-11/approve",
             JSON_CT, "{}");
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
}
END_TEST

static int circuit_cb(const provisioning_service_t *s, void *cls, tl_err *e)
{
    (void)e;
    snprintf((char *)cls, 48, "%s", s->circuit_id);
    return 0;
}

/* A statement to approve: CM-1 (agent AG1) with a DIA at 1150.00 accepted
 * 2026-11-14 and billed for November, AG1 paid 12% of what is billed. */
START_TEST(commission_statement_approved_under_if_match)
{
    provisioning_service_t svc;
    billing_run_result run;
    orders_order_t order;
    tl_err err = TL_ERR_INIT;
    char circuit[48] = "";
    char etag[80];
    char hdr[160];
    tl_date d;
    int changed = 0;
    int posted = 0;
    resp r;

    tl_fx_account(db, "CM-1", 1, 101);
    tl_fx_contract(db, "CM-1", "2026-10-01", "1150.00");
    ck_assert_int_eq(tl_date_parse(&d, "2026-01-01"), 0);
    ck_assert_int_eq(
        accounts_assign(&changed, db, "CM-1", "agent", "AG1", d, "test", &err),
        0);
    order = tl_fx_order(db, "CM-1", "EXT-CM-1", 101);
    ck_assert_int_eq(provisioning_order_services(db, order.order_number,
                                                 circuit_cb, circuit, &err),
                     1);
    ck_assert_int_eq(tl_date_parse(&d, "2026-11-10"), 0);
    ck_assert_int_eq(provisioning_record_milestone(&svc, db, circuit,
                                                   "installed", d, "t", &err),
                     0);
    ck_assert_int_eq(tl_date_parse(&d, "2026-11-14"), 0);
    ck_assert_int_eq(provisioning_record_milestone(
                         &svc, db, circuit, "customer_accepted", d, "t", &err),
                     0);
    ck_assert_int_eq(tl_date_parse(&d, "2026-11-20"), 0);
    ck_assert_msg(billing_run(&run, db, 1, 2026, 11, d, "test", &err) == 0,
                  "bill run: %s", err.message);
    ck_assert_int_eq(
        collections_post_run(&posted, db, run.run_id, "test", &err), 0);

    r = call(U_FINANCE, "POST", "/commissionPlan", JSON_CT,
             "{\"agentRef\": \"AG1\", \"kind\": \"percent_billed\","
             " \"rate\": \"12\", \"termMonths\": 36,"
             " \"validFrom\": \"2026-01-01\"}");
    ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/commissionRun", JSON_CT,
             "{\"month\": \"2026-11\", \"agentRef\": \"AG1\"}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_int_eq(jint(r.json, "statements"), 1);
    ck_assert_int_eq(jint(r.json, "lines"), 1);
    resp_free(&r);

    r = call(U_FINANCE, "GET", "/commissionStatement/AG1/2026-11", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(jstr(r.json, "status"), "draft");
    ck_assert_str_eq(jstr(r.json, "statement"), "CS-AG1-2026-11-USD");
    /* 12% of 1801.67 (the 17 days of November and December) = 216.20 */
    ck_assert_msg(strstr(r.body, "\"216.20\"") != NULL, "%s", r.body);
    ck_assert_ptr_nonnull(header(&r, "ETag", etag, sizeof(etag)));
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/commissionStatement/AG1/2026-11/approve",
             "If-Match: \"0000\"\r\n" JSON_CT, "{}");
    ck_assert_int_eq(r.status, 412);
    resp_free(&r);
    snprintf(hdr, sizeof(hdr), "If-Match: %s\r\n" JSON_CT, etag);
    r = call(U_COLL, "POST", "/commissionStatement/AG1/2026-11/approve", hdr,
             "{}");
    ck_assert_int_eq(r.status, 403);
    resp_free(&r);
    r = call(U_FINANCE, "POST", "/commissionStatement/AG1/2026-11/approve", hdr,
             "{}");
    ck_assert_msg(r.status == 200, "%d %s", r.status, r.body);
    ck_assert_str_eq(jstr(r.json, "status"), "approved");
    ck_assert_str_eq(jstr(r.json, "approvedBy"), "fin");
    ck_assert(json_is_true(json_object_get(r.json, "approvedNow")));
    resp_free(&r);
    /* approving again changes nothing */
    r = call(U_ADMIN, "POST", "/commissionStatement/AG1/2026-11/approve",
             JSON_CT, "{}");
    ck_assert_int_eq(r.status, 200);
    ck_assert(json_is_false(json_object_get(r.json, "approvedNow")));
    resp_free(&r);
    /* a run again leaves the approved statement alone */
    r = call(U_FINANCE, "POST", "/commissionRun", JSON_CT,
             "{\"month\": \"2026-11\"}");
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(jint(r.json, "approvedKept"), 1);
    resp_free(&r);

    /* the audit: clean, until the November invoice is disputed in the
     * month */
    r = call(U_FINANCE, "GET", "/commissionAudit?month=2026-11", NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    {
        PGresult *res = PQexec(tl_db_pgconn(db),
                               "SELECT i.invoice_number FROM billing.invoice i"
                               " JOIN accounts.billing_account a USING"
                               " (account_id) WHERE a.account_number = 'CM-1'"
                               " AND i.status = 'final'");
        char body[256];

        ck_assert_int_eq(PQntuples(res), 1);
        snprintf(body, sizeof(body),
                 "{\"invoiceNumber\": \"%s\", \"amount\": {\"amount\":"
                 " \"100.00\", \"currency\": \"USD\"}, \"reason\":"
                 " \"install late\", \"openedOn\": \"2026-11-25\"}",
                 PQgetvalue(res, 0, 0));
        PQclear(res);
        r = call(U_COLL, "POST", "/dispute", JSON_CT, body);
        ck_assert_msg(r.status == 201, "%d %s", r.status, r.body);
        resp_free(&r);
    }
    r = call(U_ADMIN, "GET", "/commissionAudit?month=2026-11&agentRef=AG1",
             NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "code"),
                     "disputed_invoice");
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "accountNumber"), "CM-1");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "amount"), "216.20");
    resp_free(&r);
    tl_err_clear(&err);
}
END_TEST

/* ---- roles and row-level security ---- */

START_TEST(roles_allow_and_refuse)
{
    static const struct {
        int user;
        const char *method;
        const char *path;
        int status;
    } cases[] = {
        /* collections writes: collections and admin only */
        {U_AE1, "POST", "/dispute", 403},
        {U_AGENT, "POST", "/bankFile", 403},
        {U_FINANCE, "POST", "/bankFile", 403},
        {U_COORD, "POST", "/cashApplication", 403},
        {U_FINANCE, "POST", "/dunningRun", 403},
        {U_COORD, "POST", "/promise", 403},
        {U_AE1, "POST", "/contact", 403},
        {U_FINANCE, "PUT", "/account/HTTP-A/collector", 403},
        {U_AE1, "PUT", "/account/HTTP-A/dunningClass", 403},
        {U_AE2, "POST", "/shutout/1/approve", 403},
        {U_FINANCE, "POST", "/dispute/1/resolve", 403},
        {U_COLL, "POST", "/dunningRun", 200},
        {U_ADMIN, "POST", "/promise/evaluate", 200},
        /* money queues: finance, collections, admin */
        {U_AE1, "GET", "/unappliedCash", 403},
        {U_COORD, "GET", "/worklist", 403},
        {U_AGENT, "GET", "/shutout", 403},
        {U_FINANCE, "GET", "/unappliedCash", 200},
        {U_COLL, "GET", "/worklist", 200},
        {U_ADMIN, "GET", "/shutout", 200},
        /* commissions: finance and admin */
        {U_COLL, "POST", "/commissionRun", 403},
        {U_COLL, "GET", "/commissionPlan", 403},
        {U_AGENT, "GET", "/commissionAudit?month=2026-11", 403},
        {U_AE1, "POST", "/commissionPlan", 403},
        {U_FINANCE, "GET", "/commissionPlan", 200},
        {U_ADMIN, "GET", "/commissionAudit?month=2026-11", 200},
        /* reads under row-level security: everyone */
        {U_AE1, "GET", "/dispute", 200},
        {U_AGENT, "GET", "/promise", 200},
        {U_AE2, "GET", "/contact", 200},
        {U_COORD, "GET", "/dunningAction", 200},
        {U_AGENT, "GET", "/aging?by=account", 200},
        {U_AE1, "GET", "/aging/kpi", 200},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        resp r =
            call(cases[i].user, cases[i].method, cases[i].path, JSON_CT, "{}");
        ck_assert_msg(r.status == cases[i].status, "case %zu (%s %s %s): %d %s",
                      i, users[cases[i].user].name, cases[i].method,
                      cases[i].path, r.status, r.body);
        if (r.status == 403)
            ck_assert_str_eq(jstr(r.json, "code"), "forbidden");
        resp_free(&r);
    }
}
END_TEST

START_TEST(account_executives_see_only_their_accounts)
{
    static const char *const tables[] = {"collections.dispute",
                                         "collections.promise",
                                         "collections.arrangement",
                                         "collections.contact",
                                         "collections.dunning_action",
                                         "collections.shutout",
                                         "collections.bank_receipt",
                                         "collections.payment",
                                         "collections.application",
                                         "commissions.statement_line",
                                         NULL};
    char path[64];
    char sql[256];
    int64_t id;
    size_t i;
    resp r;

    r = call(U_COLL, "POST", "/dispute", JSON_CT, DISPUTE_A1);
    ck_assert_int_eq(r.status, 201);
    id = jint(r.json, "id");
    resp_free(&r);
    r = call(U_COLL, "POST", "/contact", JSON_CT,
             "{\"accountNumber\": \"HTTP-B\", \"channel\": \"note\","
             " \"outcome\": \"none\", \"note\": \"B only\"}");
    ck_assert_int_eq(r.status, 201);
    resp_free(&r);

    snprintf(path, sizeof(path), "/dispute/%lld", (long long)id);
    r = call(U_AE1, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    r = call(U_AGENT, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 200);
    resp_free(&r);
    r = call(U_AE2, "GET", path, NULL, NULL);
    ck_assert_int_eq(r.status, 404);
    resp_free(&r);
    r = call(U_AE2, "GET", "/dispute", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    r = call(U_AE1, "GET", "/contact", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 0);
    resp_free(&r);
    r = call(U_AE2, "GET", "/contact", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    resp_free(&r);
    r = call(U_AE1, "GET", "/aging?by=account&asOf=2026-12-30", NULL, NULL);
    ck_assert_int_eq(json_array_size(r.json), 1);
    ck_assert_str_eq(jstr(json_array_get(r.json, 0), "key"), "HTTP-A");
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "disputed"), "200.00");
    resp_free(&r);
    r = call(U_AE2, "GET", "/aging/kpi?asOf=2026-12-30&days=90", NULL, NULL);
    ck_assert_str_eq(amt(json_array_get(r.json, 0), "sales"), "500.00");
    resp_free(&r);

    /* the tables these routes read are under the account policy */
    for (i = 0; tables[i] != NULL; i++) {
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) AS n FROM pg_policy p JOIN pg_class k"
                 " ON k.oid = p.polrelid WHERE p.polrelid = '%s'::regclass"
                 " AND p.polname = 'api_account_scope' AND k.relrowsecurity",
                 tables[i]);
        ck_assert_msg(count(sql) == 1, "%s is not under the policy", tables[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("http_collections");
    TCase *tc = tcase_create("http_collections");
    SRunner *sr;
    int failed;

    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bank_file_is_imported_matched_and_imported_once);
    tcase_add_test(tc, lockbox_and_bai2_by_media_type);
    tcase_add_test(tc, a_bad_bank_file_is_refused_whole);
    tcase_add_test(tc, disputes_open_once_and_move_under_if_match);
    tcase_add_test(tc,
                   bad_collections_input_is_problem_details_with_field_paths);
    tcase_add_test(tc, promises_arrangements_and_contacts);
    tcase_add_test(tc, dunning_worklist_and_shutout);
    tcase_add_test(tc, aging_grouped_and_kpis);
    tcase_add_test(tc, commission_plans_runs_and_audit);
    tcase_add_test(tc, commission_statement_approved_under_if_match);
    tcase_add_test(tc, roles_allow_and_refuse);
    tcase_add_test(tc, account_executives_see_only_their_accounts);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
