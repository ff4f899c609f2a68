/*
 * Bank-file parsing, no database: the real camt.053, camt.054 and BAI2
 * sample files (tests/fixtures/bank/, see SOURCES.md there) parsed to the
 * cent, the NEGATIVE samples and hand-made bad files refused with every
 * problem's code and place, lockbox CSV, and the helpers (SHA-256, the
 * words of remittance text that may be invoice numbers).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/cash.h"

#define BANK TL_SOURCE_DIR "/tests/fixtures/bank/"

static tl_err err;

static void setup(void)
{
    tl_err_init(&err);
}

static void teardown(void)
{
    tl_err_clear(&err);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    buf = malloc(1u << 20);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, (1u << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static cash_bank_file *parse_file(const char *name, cash_format format)
{
    char path[512];
    cash_bank_file *f = NULL;
    size_t len = 0;
    char *buf;
    int rc;

    snprintf(path, sizeof(path), BANK "%s", name);
    buf = slurp(path, &len);
    rc = cash_bank_file_parse(&f, buf, len, format, &err);
    free(buf);
    ck_assert_msg(rc == 0, "%s: %s at %s", name, err.message, err.field);
    return f;
}

static int parse_text(const char *text, cash_format format)
{
    cash_bank_file *f = NULL;
    int rc = cash_bank_file_parse(&f, text, strlen(text), format, &err);

    ck_assert(rc < 0 ? f == NULL : f != NULL);
    cash_bank_file_free(f);
    return rc;
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

static int64_t credit_total(const cash_bank_file *f, int *credits)
{
    int64_t sum = 0;
    size_t i;

    *credits = 0;
    for (i = 0; i < f->n; i++) {
        if (f->entries[i].credit) {
            sum += f->entries[i].amount.minor;
            (*credits)++;
        }
    }
    return sum;
}

static const char *date_text(tl_date d)
{
    static char buf[16];

    tl_date_format(buf, sizeof(buf), d);
    return buf;
}

/* ---- rejects first ---- */

START_TEST(negative_samples_are_refused)
{
    cash_bank_file *f = NULL;
    size_t len = 0;
    char *buf = slurp(BANK "genkgo-camt053.v2.wrong.NEGATIVE.xml", &len);

    ck_assert_int_eq(
        cash_bank_file_parse(&f, buf, len, CASH_FORMAT_UNKNOWN, &err),
        TL_EINVALID);
    ck_assert_ptr_null(f);
    ck_assert(has_problem("required", "Document/BkToCstmrStmt/Stmt"));
    free(buf);
    tl_err_clear(&err);

    buf = slurp(BANK "moov-sample-parseError.NEGATIVE.bai2", &len);
    ck_assert_int_eq(
        cash_bank_file_parse(&f, buf, len, CASH_FORMAT_UNKNOWN, &err),
        TL_EINVALID);
    ck_assert(has_problem("unknown_format", ""));
    tl_err_clear(&err);
    /* named as BAI2 it is refused for what is wrong with it */
    ck_assert_int_eq(cash_bank_file_parse(&f, buf, len, CASH_FORMAT_BAI2, &err),
                     TL_EINVALID);
    ck_assert(has_problem("record_order", "line 1"));
    ck_assert_ptr_null(f);
    free(buf);
}
END_TEST

START_TEST(bad_camt_lists_every_problem_with_its_element)
{
    static const char doc[] =
        "<?xml version=\"1.0\"?>\n"
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">"
        "<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>"
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>NL26VAYB8060476890</IBAN></Id>"
        "</Acct>"
        "<Ntry><Amt Ccy=\"EUR\">12.345</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<BookgDt><Dt>2026-12-01</Dt></BookgDt></Ntry>"
        "<Ntry><Amt Ccy=\"XXY\">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<BookgDt><Dt>2026-12-01</Dt></BookgDt></Ntry>"
        "<Ntry><Amt Ccy=\"EUR\">5.00</Amt><CdtDbtInd>UP</CdtDbtInd>"
        "<BookgDt><Dt>2026-13-01</Dt></BookgDt></Ntry>"
        "</Stmt></BkToCstmrStmt></Document>";
    static const char no_account[] =
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\">"
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M1</MsgId></GrpHdr>"
        "<Ntfctn><Id>N1</Id></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>";

    ck_assert_int_eq(parse_text(doc, CASH_FORMAT_UNKNOWN), TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 4);
    ck_assert(
        has_problem("amount", "Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt"));
    ck_assert(
        has_problem("currency", "Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt"));
    ck_assert(has_problem("format",
                          "Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/CdtDbtInd"));
    ck_assert(
        has_problem("date", "Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/BookgDt"));
    tl_err_clear(&err);

    ck_assert_int_eq(parse_text(no_account, CASH_FORMAT_UNKNOWN), TL_EINVALID);
    ck_assert(has_problem("required",
                          "Document/BkToCstmrDbtCdtNtfctn/Ntfctn[1]/Acct/Id"));
    tl_err_clear(&err);
    /* a camt.054 is not a camt.053 */
    ck_assert_int_eq(parse_text(no_account, CASH_FORMAT_CAMT053), TL_EINVALID);
    ck_assert(has_problem("unknown_namespace", "Document"));
}
END_TEST

START_TEST(hostile_xml_is_refused)
{
    static const char dtd[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE Document [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
        "<BkToCstmrStmt>&x;</BkToCstmrStmt></Document>";
    static const char broken[] =
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
        "<BkToCstmrStmt>\n<Stmt></BkToCstmrStmt></Document>";

    ck_assert_int_eq(parse_text(dtd, CASH_FORMAT_CAMT053), TL_EINVALID);
    ck_assert(has_problem("dtd_refused", ""));
    tl_err_clear(&err);
    ck_assert_int_eq(parse_text(broken, CASH_FORMAT_CAMT053), TL_EINVALID);
    ck_assert(has_problem("xml_syntax", "line 2"));
    tl_err_clear(&err);
    {
        /* nesting deeper than libxml2's limit (256) is not parsed */
        static const char head[] =
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053."
            "001.02\"><BkToCstmrStmt>";
        size_t cap = sizeof(head) + 2000 * 15 + 64;
        char *deep = malloc(cap);
        size_t n;
        int i;
        ck_assert_ptr_nonnull(deep);
        n = (size_t)snprintf(deep, cap, "%s", head);
        for (i = 0; i < 2000; i++)
            n += (size_t)snprintf(deep + n, cap - n, "<Stmt>");
        for (i = 0; i < 2000; i++)
            n += (size_t)snprintf(deep + n, cap - n, "</Stmt>");
        snprintf(deep + n, cap - n, "</BkToCstmrStmt></Document>");
        ck_assert_int_eq(parse_text(deep, CASH_FORMAT_CAMT053), TL_EINVALID);
        ck_assert(has_problem("xml_syntax", NULL));
        ck_assert_ptr_nonnull(strstr(err.problems[0].message, "depth"));
        free(deep);
    }
}
END_TEST

START_TEST(bad_bai2_totals_and_counts_are_listed)
{
    /* the 16 says 100.00 but the 49 says 150.00; the 99 miscounts */
    static const char bai2[] = "01,BANK,US,261201,0800,F1,,,2/\n"
                               "02,US,BANK,1,261201,,USD,/\n"
                               "03,12345,USD,010,0,,/\n"
                               "16,195,10000,0,REF1,,INV-1/\n"
                               "16,19X,10000,0,REF2,,/\n"
                               "49,15000,4/\n"
                               "98,15000,1,6/\n"
                               "99,15000,1,9/\n";

    ck_assert_int_eq(parse_text(bai2, CASH_FORMAT_UNKNOWN), TL_EINVALID);
    ck_assert(has_problem("format", "line 5"));
    ck_assert(has_problem("control_total", "line 6"));
    ck_assert(has_problem("record_count", "line 8"));
}
END_TEST

START_TEST(bad_lockbox_rows_are_listed)
{
    static const char csv[] =
        "batch,item,account_number,invoice_number,amount,check_number,date\n"
        "B1,1,HH-1001,INV-1,100.00,5001,2026-12-01\n"
        "B1,2,HH-1001,INV-2,12.345,5002,2026-12-01\n"
        "B1,3,HH-1001,INV-3,10.00,5003,2026-12-41\n";
    static const char header[] = "batch,amount,colour\nB1,1.00,red\n";

    ck_assert_int_eq(parse_text(csv, CASH_FORMAT_UNKNOWN), TL_EINVALID);
    ck_assert_int_eq(err.n_problems, 2);
    ck_assert(has_problem("amount", "line 3/amount"));
    ck_assert(has_problem("date", "line 4/date"));
    tl_err_clear(&err);
    ck_assert_int_eq(parse_text(header, CASH_FORMAT_LOCKBOX), TL_EINVALID);
    ck_assert(has_problem("header", "line 1"));
}
END_TEST

/* ---- the real samples ---- */

typedef struct sample {
    const char *file;
    cash_format format;
    int statements;
    size_t entries;
    int credits;
    int64_t credit_total;
    const char *currency;
} sample;

static const sample samples[] = {
    {"genkgo-camt053.v2.minimal.xml", CASH_FORMAT_CAMT053, 1, 1, 1, 885, "EUR"},
    {"genkgo-camt053.v2.multi.statement.xml", CASH_FORMAT_CAMT053, 2, 2, 1, 885,
     "EUR"},
    {"genkgo-camt053.v8.xml", CASH_FORMAT_CAMT053, 1, 1, 1, 885, "EUR"},
    {"viafintech-valid_example_v4.xml", CASH_FORMAT_CAMT053, 1, 32, 24, 181056,
     "CHF"},
    {"viafintech-valid_example_with_batch.xml", CASH_FORMAT_CAMT053, 1, 3, 2,
     768800, "EUR"},
    {"genkgo-camt054.v2.xml", CASH_FORMAT_CAMT054, 1, 1, 0, 0, "SEK"},
    {"genkgo-camt054.v8.xml", CASH_FORMAT_CAMT054, 1, 1, 0, 0, "SEK"},
    {"viafintech-valid_example.xml", CASH_FORMAT_CAMT054, 1, 5, 3, 8056, "CHF"},
    {"moov-sample1.bai2", CASH_FORMAT_BAI2, 1, 17, 5, 320000, "CAD"},
    {"moov-sample2.bai2", CASH_FORMAT_BAI2, 4, 4, 4, 30950000, "USD"},
    {"moov-sample3.bai2", CASH_FORMAT_BAI2, 1, 26, 13, 39713, "USD"},
};

START_TEST(every_sample_parses_to_the_cent)
{
    const sample *s = &samples[_i];
    cash_bank_file *f = parse_file(s->file, CASH_FORMAT_UNKNOWN);
    int credits = 0;
    int64_t total = credit_total(f, &credits);

    ck_assert_msg(f->format == s->format, "%s: format %s", s->file,
                  cash_format_name(f->format));
    ck_assert_int_eq(f->statements, s->statements);
    ck_assert_uint_eq(f->n, s->entries);
    ck_assert_int_eq(credits, s->credits);
    ck_assert_int_eq(total, s->credit_total);
    ck_assert_str_eq(f->entries[0].amount.cur, s->currency);
    cash_bank_file_free(f);
}
END_TEST

START_TEST(camt053_entries_carry_references_and_remittance)
{
    cash_bank_file *f =
        parse_file("genkgo-camt053.v2.minimal.xml", CASH_FORMAT_CAMT053);
    const cash_entry *e = &f->entries[0];

    ck_assert_str_eq(f->message_id, "CAMT053RIB000000000001");
    ck_assert_int_eq(e->credit, 1);
    ck_assert_int_eq(e->amount.minor, 885);
    ck_assert_str_eq(date_text(e->booking_date), "2014-12-31");
    ck_assert_str_eq(date_text(e->value_date), "2015-01-02");
    ck_assert_str_eq(e->bank_account, "NL26VAYB8060476890");
    /* no AcctSvcrRef, NtryRef or EndToEndId: statement id and position */
    ck_assert_str_eq(e->bank_ref, "253EURNL26VAYB8060476890/1");
    ck_assert_str_eq(e->debtor_name, "NAME NAME");
    ck_assert_str_eq(e->debtor_account, "NL56AGDH9619008421");
    ck_assert_str_eq(e->remittance, "4654654654654654");
    cash_bank_file_free(f);

    /* version 8: Sts/Cd, BookgDt/DtTm, Dbtr/Pty/Nm */
    f = parse_file("genkgo-camt053.v8.xml", CASH_FORMAT_CAMT053);
    e = &f->entries[0];
    ck_assert_str_eq(e->bank_ref, "AAAASESS-FP-CN_98765/01");
    ck_assert_str_eq(e->end_to_end_id, "MUELL/FINP/RA12345");
    ck_assert_str_eq(date_text(e->booking_date), "2014-12-31");
    ck_assert_str_eq(e->type_code, "PMNT/RCDT/BOOK");
    ck_assert_str_eq(e->debtor_name, "NAME NAME");
    cash_bank_file_free(f);

    f = parse_file("viafintech-valid_example_v4.xml", CASH_FORMAT_CAMT053);
    e = &f->entries[6];
    ck_assert_int_eq(e->credit, 1);
    ck_assert_int_eq(e->amount.minor, 10000);
    ck_assert_str_eq(e->bank_ref, "160527CH00T3L0GE");
    ck_assert_str_eq(e->debtor_name, "Hans Kaufmann");
    ck_assert_str_eq(e->method, "wire");
    ck_assert_int_eq(f->entries[0].credit, 0); /* a charge: skipped */
    cash_bank_file_free(f);

    f = parse_file("viafintech-valid_example_with_batch.xml",
                   CASH_FORMAT_CAMT053);
    ck_assert_int_eq(f->entries[0].credit, 0);
    ck_assert_int_eq(f->entries[0].amount.minor, 475374);
    ck_assert_str_eq(f->entries[2].bank_ref,
                     "d36e51a0ff7e4561b11c2b1c5d79d9ea");
    ck_assert_str_eq(f->entries[2].debtor_account, "NL11INGB0001234567");
    ck_assert_str_eq(f->entries[1].remittance, "TERUGGAAF");
    cash_bank_file_free(f);
}
END_TEST

START_TEST(camt054_notifications)
{
    cash_bank_file *f =
        parse_file("viafintech-valid_example.xml", CASH_FORMAT_CAMT054);

    ck_assert_str_eq(f->entries[0].bank_ref, "TST_201-2091644-9");
    ck_assert_int_eq(f->entries[0].amount.minor, 1500);
    ck_assert_str_eq(f->entries[0].debtor_name, "Rutschmann Pia");
    ck_assert_str_eq(f->entries[0].debtor_account, "CH4409000000495962779");
    ck_assert_str_eq(f->entries[0].remittance, "Mitteilung 132");
    ck_assert_str_eq(f->entries[0].method, "ach");
    ck_assert_int_eq(f->entries[2].amount.minor, 5656);
    ck_assert_int_eq(f->entries[3].credit, 0);
    cash_bank_file_free(f);

    f = parse_file("genkgo-camt054.v8.xml", CASH_FORMAT_CAMT054);
    ck_assert_int_eq(f->entries[0].credit, 0);
    ck_assert_int_eq(f->entries[0].amount.minor, 20000000);
    ck_assert_str_eq(f->entries[0].bank_ref, "ACSR160617103200001");
    cash_bank_file_free(f);
}
END_TEST

START_TEST(bai2_details_text_and_continuations)
{
    cash_bank_file *f = parse_file("moov-sample1.bai2", CASH_FORMAT_BAI2);
    const cash_entry *e = &f->entries[3];

    ck_assert_str_eq(f->message_id, "001");
    ck_assert_int_eq(e->credit, 1);
    ck_assert_int_eq(e->amount.minor, 203500);
    ck_assert_str_eq(e->amount.cur, "CAD");
    ck_assert_str_eq(e->bank_account, "10200123456");
    ck_assert_str_eq(date_text(e->booking_date), "2006-03-17");
    ck_assert_str_eq(date_text(e->value_date), "2006-03-16");
    ck_assert_str_eq(e->remittance, "TFR 1020 0345678");
    /* no bank reference: day, type, amount; the same twice gets #2 */
    ck_assert_str_eq(f->entries[4].bank_ref, "2006-03-17:108:2500:");
    ck_assert_str_eq(f->entries[5].bank_ref, "2006-03-17:108:2500:#2");
    ck_assert_int_eq(f->entries[0].credit, 0); /* 409: a debit */
    cash_bank_file_free(f);

    f = parse_file("moov-sample2.bai2", CASH_FORMAT_BAI2);
    e = &f->entries[2];
    ck_assert_str_eq(e->bank_ref, "SP4738");
    ck_assert_int_eq(e->amount.minor, 20000000);
    ck_assert_str_eq(e->remittance, "YRC065321 PROCEEDS OF LETTER OF CREDIT "
                                    "FROM THE ARAMCO OIL CO");
    ck_assert_str_eq(f->entries[1].remittance, "LOCK BOX NO.68751");
    ck_assert_str_eq(f->entries[1].method, "check");
    ck_assert_str_eq(f->entries[3].method, "wire");
    cash_bank_file_free(f);

    /* several records on a line, a text wrapped over two lines */
    f = parse_file("moov-sample3.bai2", CASH_FORMAT_BAI2);
    ck_assert_int_eq(f->entries[1].amount.minor, 500);
    ck_assert_str_eq(f->entries[1].remittance,
                     "TRANSFER   MSPBNA BANK        PPD");
    ck_assert_str_eq(f->entries[18].remittance,
                     "Wire Transfer Credit          VISA INTERNATIONAL      "
                     "      900 METRO CENTER BLVD FOSTER CITY       CA 94404");
    cash_bank_file_free(f);
}
END_TEST

START_TEST(lockbox_csv)
{
    static const char csv[] =
        "batch,item,account_number,invoice_number,amount,check_number,date\n"
        "B7,1,HH-1001,INV-00000001;INV-00000002,2551.67,5001,2026-12-01\n"
        "B7,2,,,\"1,000.00\",5002,2026-12-01\n";
    static const char ok[] =
        "batch,item,account_number,invoice_number,amount,check_number,date,"
        "currency,payer\n"
        "B7,1,HH-1001,INV-00000001;INV-00000002,2551.67,5001,2026-12-01,USD,"
        "Harbor Health\n"
        "B8,1,,,10.00,5002,2026-12-02,,\n";
    cash_bank_file *f = NULL;

    ck_assert_int_eq(parse_text(csv, CASH_FORMAT_LOCKBOX), TL_EINVALID);
    ck_assert(has_problem("amount", "line 3/amount"));
    tl_err_clear(&err);
    ck_assert_int_eq(
        cash_bank_file_parse(&f, ok, strlen(ok), CASH_FORMAT_UNKNOWN, &err), 0);
    ck_assert(f->format == CASH_FORMAT_LOCKBOX);
    ck_assert_int_eq(f->statements, 2);
    ck_assert_uint_eq(f->n, 2);
    ck_assert_int_eq(f->entries[0].amount.minor, 255167);
    ck_assert_str_eq(f->entries[0].bank_ref, "B7-1");
    ck_assert_str_eq(f->entries[0].bank_account, "LOCKBOX");
    ck_assert_str_eq(f->entries[0].account_hint, "HH-1001");
    ck_assert_str_eq(f->entries[0].check_number, "5001");
    ck_assert_str_eq(f->entries[0].debtor_name, "Harbor Health");
    ck_assert_str_eq(f->entries[0].remittance, "INV-00000001;INV-00000002");
    ck_assert_str_eq(f->entries[0].method, "check");
    ck_assert_str_eq(date_text(f->entries[1].booking_date), "2026-12-02");
    cash_bank_file_free(f);
}
END_TEST

START_TEST(helpers)
{
    char hex[65];
    char words[256];

    ck_assert_int_eq(cash_sha256_hex(hex, "abc", 3), 0);
    ck_assert_str_eq(
        hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(
        cash_refs_from_text(words, sizeof(words),
                            "Payment inv-00000012, INV-00000013; ref 12 "
                            "-HH-1001- and INV-00000012 again",
                            32),
        3);
    ck_assert_str_eq(words, "INV-00000012 INV-00000013 HH-1001");
    ck_assert_int_eq(cash_refs_from_text(words, sizeof(words), "thanks!", 32),
                     0);
    ck_assert_str_eq(words, "");
    ck_assert(cash_format_detect("  <Document xmlns=\"urn:iso:std:iso:20022:"
                                 "tech:xsd:camt.054.001.04\">",
                                 64) == CASH_FORMAT_CAMT054);
    ck_assert(cash_format_from_name("bai2") == CASH_FORMAT_BAI2);
    ck_assert(cash_format_from_name("mt940") == CASH_FORMAT_UNKNOWN);
}
END_TEST

START_TEST(camt_batch_entries_split_into_their_transactions)
{
    /* a batch booked as one entry of 300.00 whose two transactions carry
     * 100.00 and 200.00: two receipts, each with its payer and remittance;
     * when the amounts do not add up, one receipt for the entry */
    static const char doc[] =
        "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">"
        "<BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>"
        "<Stmt><Id>S1</Id><Acct><Id><Othr><Id>4711</Id></Othr></Id></Acct>"
        "<Ntry><Amt Ccy=\"USD\">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-12-28</Dt></BookgDt>"
        "<AcctSvcrRef>BATCH-1</AcctSvcrRef><NtryDtls>"
        "<TxDtls><Amt Ccy=\"USD\">100.00</Amt><RltdPties><Dbtr><Pty><Nm>"
        "ONE</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>INV-1001</Ustrd>"
        "</RmtInf></TxDtls>"
        "<TxDtls><Refs><AcctSvcrRef>TX-2</AcctSvcrRef></Refs>"
        "<Amt Ccy=\"USD\">200.00</Amt><RltdPties><Dbtr><Pty><Nm>TWO</Nm>"
        "</Pty></Dbtr></RltdPties><RmtInf><Ustrd>INV-1002</Ustrd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
        "<Ntry><Amt Ccy=\"USD\">50.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>"
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-12-28</Dt></BookgDt>"
        "<AcctSvcrRef>BATCH-2</AcctSvcrRef><NtryDtls>"
        "<TxDtls><Amt Ccy=\"USD\">20.00</Amt><RmtInf><Ustrd>A</Ustrd>"
        "</RmtInf></TxDtls><TxDtls><Amt Ccy=\"USD\">20.00</Amt><RmtInf>"
        "<Ustrd>B</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        "</Stmt></BkToCstmrStmt></Document>";
    cash_bank_file *f = NULL;

    ck_assert_int_eq(
        cash_bank_file_parse(&f, doc, strlen(doc), CASH_FORMAT_UNKNOWN, &err),
        0);
    ck_assert_uint_eq(f->n, 3);
    ck_assert_int_eq(f->entries[0].amount.minor, 10000);
    ck_assert_str_eq(f->entries[0].bank_ref, "BATCH-1/1");
    ck_assert_str_eq(f->entries[0].bank_account, "4711");
    ck_assert_str_eq(f->entries[0].debtor_name, "ONE");
    ck_assert_str_eq(f->entries[0].remittance, "INV-1001");
    ck_assert_int_eq(f->entries[1].amount.minor, 20000);
    ck_assert_str_eq(f->entries[1].bank_ref, "TX-2");
    ck_assert_str_eq(f->entries[1].debtor_name, "TWO");
    ck_assert_int_eq(f->entries[2].amount.minor, 5000);
    ck_assert_str_eq(f->entries[2].bank_ref, "BATCH-2");
    ck_assert_str_eq(f->entries[2].remittance, "A B");
    cash_bank_file_free(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bank_parse");
    TCase *tc = tcase_create("bank_parse");
    SRunner *sr;
    int failed;

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, negative_samples_are_refused);
    tcase_add_test(tc, bad_camt_lists_every_problem_with_its_element);
    tcase_add_test(tc, hostile_xml_is_refused);
    tcase_add_test(tc, bad_bai2_totals_and_counts_are_listed);
    tcase_add_test(tc, bad_lockbox_rows_are_listed);
    tcase_add_loop_test(tc, every_sample_parses_to_the_cent, 0,
                        (int)(sizeof(samples) / sizeof(samples[0])));
    tcase_add_test(tc, camt053_entries_carry_references_and_remittance);
    tcase_add_test(tc, camt054_notifications);
    tcase_add_test(tc, bai2_details_text_and_continuations);
    tcase_add_test(tc, camt_batch_entries_split_into_their_transactions);
    tcase_add_test(tc, lockbox_csv);
    tcase_add_test(tc, helpers);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
