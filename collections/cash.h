/*
 * Cash: bank files in (ISO 20022 camt.053 and camt.054, BAI2, lockbox CSV),
 * automatic cash application, the unapplied-cash queue, and manual apply
 * and unapply with history.
 *
 * A bank file is parsed whole into a cash_bank_file (pure, no database):
 * one cash_entry per credit or debit the bank reports. A file with any
 * problem is refused whole, every problem listed with its line (BAI2,
 * lockbox) or element path (camt) and a stable code. Only credits are
 * receipts; debits are counted and skipped.
 *
 * Importing records the file once (SHA-256 of its bytes) and each credit
 * once (bank reference per bank account), then matches the new receipts,
 * set-based: by an invoice number in the remittance information (applied to
 * the named invoices, what is left stays on the account as credit), else by
 * account (lockbox account column, an account number in the remittance, a
 * known payer IBAN or name; applied to the oldest open invoices), else by
 * exact amount (the one fully open invoice of that amount and currency).
 * The rest waits in the unapplied-cash queue for a collector.
 */
#ifndef COLLECTIONS_CASH_H
#define COLLECTIONS_CASH_H

#include <stddef.h>
#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

/* Largest bank file accepted, in bytes. */
#define CASH_FILE_MAX_BYTES (256u * 1024u * 1024u)

typedef enum cash_format {
    CASH_FORMAT_UNKNOWN = 0,
    CASH_FORMAT_CAMT053,
    CASH_FORMAT_CAMT054,
    CASH_FORMAT_BAI2,
    CASH_FORMAT_LOCKBOX
} cash_format;

/* "camt053", "camt054", "bai2", "lockbox", or "unknown". */
const char *cash_format_name(cash_format f);

/* The format named by text (the names above), or CASH_FORMAT_UNKNOWN. */
cash_format cash_format_from_name(const char *text);

/* Guesses the format from the content: an XML document in a camt.053 or
 * camt.054 namespace, a BAI2 file (starts with a 01 record), or a lockbox
 * CSV (its header line). CASH_FORMAT_UNKNOWN when none fits. */
cash_format cash_format_detect(const char *buf, size_t len);

/* One entry of a bank file. Strings are owned by the file (never NULL:
 * "" when absent). */
typedef struct cash_entry {
    int credit;      /* 1 credit (a receipt), 0 debit or other */
    int line;        /* line it starts on (BAI2, lockbox); 0 for XML */
    tl_money amount; /* positive */
    tl_date booking_date;
    tl_date value_date;  /* 0 when the bank gives none */
    const char *method;  /* wire, ach, check, card or other */
    char *bank_account;  /* our account at the bank */
    char *bank_ref;      /* the bank's reference, unique per bank account */
    char *type_code;     /* BkTxCd or BAI2 type code */
    char *end_to_end_id; /* camt EndToEndId */
    char *debtor_name;
    char *debtor_account; /* IBAN or other id, upper case, no spaces */
    char *check_number;
    char *remittance;   /* Ustrd, Strd refs, BAI2 text, lockbox invoices */
    char *account_hint; /* lockbox account number column */
} cash_entry;

typedef struct cash_bank_file {
    cash_format format;
    char *message_id; /* GrpHdr/MsgId, BAI2 file id; "" when none */
    int statements;   /* Stmt / Ntfctn / BAI2 accounts / lockbox batches */
    cash_entry *entries;
    size_t n;
    size_t cap;
} cash_bank_file;

/* Parses buf[0..len) as format (CASH_FORMAT_UNKNOWN: detected). On success
 * *out is a new file the caller frees with cash_bank_file_free; on failure
 * *out is NULL and err lists every problem found (TL_EINVALID), each with
 * its field ("line 12", "Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt") and a
 * stable code: xml_syntax, dtd_refused, too_large, unknown_format,
 * unknown_namespace, required, format, amount, currency, date, record_order,
 * control_total, record_count, duplicate_reference, header. */
int cash_bank_file_parse(cash_bank_file **out, const char *buf, size_t len,
                         cash_format format, tl_err *err);

/* Frees a parsed file. NULL-safe. */
void cash_bank_file_free(cash_bank_file *f);

/* Writes the SHA-256 of buf[0..len) as 64 hex digits and a NUL into hex.
 * Returns 0 or TL_ERROR. */
int cash_sha256_hex(char hex[65], const char *buf, size_t len);

/* Candidate invoice and account numbers in text: words of letters, digits
 * and '-', upper-cased, with at least one digit and 3 to 35 characters,
 * each once, at most max. Writes them space-separated into out (size
 * bytes; words that do not fit are dropped). Returns the number written. */
int cash_refs_from_text(char *out, size_t size, const char *text, int max);

/* ---- import ---- */

typedef struct cash_import_result {
    int64_t file_id;
    int created; /* 0: this file (same bytes) was imported before */
    char sha256[65];
    cash_format format;
    int entries;        /* credits and debits in the file */
    int credits;        /* credit entries */
    int debits_skipped; /* debits and other entries, skipped */
    int receipts_new;   /* receipts recorded now */
    int duplicates;     /* credits already imported (same bank reference) */
    int by_invoice;
    int by_account;
    int by_amount;
    int unmatched;      /* left in the unapplied-cash queue */
    char currency[4];   /* currency of the totals; "" when mixed */
    int64_t received;   /* new receipts, minor units */
    int64_t applied;    /* applied to invoices */
    int64_t on_account; /* matched to an account, not applied (credit) */
    int64_t queued;     /* in the unapplied-cash queue */
} cash_import_result;

/* Parses and imports a bank file (format CASH_FORMAT_UNKNOWN: detected),
 * then matches its new receipts, all in one transaction. name is recorded
 * with the file. A file imported before (same SHA-256) changes nothing:
 * *out describes the earlier import with created 0. A bad file writes
 * nothing: TL_EINVALID with every problem in err. TL_ERROR otherwise. */
int cash_import(cash_import_result *out, tl_db *db, const char *buf, size_t len,
                cash_format format, const char *name, const char *actor,
                tl_err *err);

/* ---- manual application ---- */

typedef struct cash_apply_in {
    int64_t receipt_id;         /* a receipt in the queue, or 0 */
    int64_t payment_id;         /* a payment with credit left, or 0 */
    const char *account_number; /* tie the receipt to this account */
    const char *invoice_number; /* apply to this invoice; may be NULL */
    const char *amount; /* decimal text in the payment's currency ("50.00");
                           NULL: all that is left, at most what the
                           invoice owes */
    tl_date date;       /* applied date */
    const char *note;
    const char *actor;
} cash_apply_in;

typedef struct cash_apply_result {
    int64_t account_id;
    int64_t payment_id;
    int64_t application_id; /* 0 when nothing was applied to an invoice */
    tl_money applied;       /* applied to the invoice now */
    tl_money left;         /* the payment's credit left on account: not applied,
                              not refunded */
    tl_money invoice_open; /* the invoice's open amount afterwards */
} cash_apply_result;

/* Applies cash by hand. Exactly one of receipt_id and payment_id is given.
 * A receipt is first tied to an account (account_number, or the invoice's
 * account when only invoice_number is given): that records the payment and
 * its ledger entry and remembers the payer's IBAN and name for the account.
 * Then, with invoice_number, applies amount (or all that is left, at most
 * what the invoice owes) to that invoice. Returns 0; TL_ENOTFOUND for an
 * unknown receipt, payment, account or invoice; TL_ECONFLICT when the
 * receipt is already matched, the invoice is another account's or in
 * another currency, or the amount is more than the payment has left (its
 * amount less what it applied and the refunds that returned it:
 * exceeds_payment, or nothing_to_apply when it has nothing left) or the
 * invoice owes; TL_EINVALID for a bad request or an amount that is not a
 * plain decimal in the payment's currency. */
int cash_apply(cash_apply_result *out, tl_db *db, const cash_apply_in *in,
               tl_err *err);

typedef struct cash_unapply_result {
    int reversed;    /* applications reversed */
    tl_money amount; /* total taken back */
    tl_money left;   /* the payment's credit on account afterwards */
    tl_money invoice_open;
} cash_unapply_result;

/* Takes back what payment_id applied to invoice_number: one reversal row
 * per live application, dated date, with note; the money goes back to the
 * payment's credit on account. Nothing is deleted. TL_ENOTFOUND for an
 * unknown payment or invoice; TL_ECONFLICT when nothing of the payment is
 * applied to that invoice. */
int cash_unapply(cash_unapply_result *out, tl_db *db, int64_t payment_id,
                 const char *invoice_number, tl_date date, const char *note,
                 const char *actor, tl_err *err);

/* ---- the queue ---- */

typedef struct cash_queue_row {
    int kind; /* 0: receipt with no account; 1: credit on an account */
    int64_t receipt_id;         /* kind 0, or the payment's receipt (or 0) */
    int64_t payment_id;         /* kind 1 */
    const char *account_number; /* kind 1 */
    tl_money amount;            /* what is not applied nor refunded */
    tl_date date;
    const char *bank_ref;
    const char *debtor_name;
    const char *remittance;
} cash_queue_row;

typedef int (*cash_queue_fn)(const cash_queue_row *row, void *cls, tl_err *err);

/* Calls fn for every receipt waiting for an account (kind 0, oldest first)
 * and then, when with_credits, every payment with credit left on its
 * account (kind 1, by account). Returns the number of rows. */
int cash_queue(tl_db *db, int with_credits, cash_queue_fn fn, void *cls,
               tl_err *err);

/* ---- for the parsers (bank_*.c) ---- */

/* Appends an empty entry (every string "") and returns it, or NULL when
 * memory runs out. */
cash_entry *cash_file_add(cash_bank_file *f);

/* Replaces *dst with a copy of s (NULL → ""), trimmed of surrounding
 * spaces. Returns 0 or TL_ERROR. */
int cash_set_text(char **dst, const char *s);

/* Appends s to *dst, separated by one space. Returns 0 or TL_ERROR. */
int cash_append_text(char **dst, const char *s);

int cash_parse_camt(cash_bank_file *f, const char *buf, size_t len,
                    tl_err *err);
int cash_parse_bai2(cash_bank_file *f, const char *buf, size_t len,
                    tl_err *err);
int cash_parse_lockbox(cash_bank_file *f, const char *buf, size_t len,
                       tl_err *err);

#endif
