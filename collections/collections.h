/*
 * collections: the AR ledger, payments and their application to invoices,
 * and aging.
 *
 * The ledger is append-only: invoices post a positive entry, payments a
 * negative one. What an invoice still owes on a date is its amount less
 * what was applied to it on or before that date.
 *
 * Aging buckets by days past due on the as-of date (as_of - due_date):
 *   current (<= 0), 1-30, 31-60, 61-90, 91-120, over 120.
 */
#ifndef COLLECTIONS_H
#define COLLECTIONS_H

#include <stdint.h>

#include "common/dates.h"
#include "common/db.h"
#include "common/err.h"
#include "common/money.h"

/* Posts every invoice of a bill run to the ledger. Posting again adds
 * nothing; *posted counts the entries added by this call. */
int collections_post_run(int *posted, tl_db *db, int64_t run_id,
                         const char *actor, tl_err *err);

typedef struct collections_payment_in {
    const char *account_number;
    tl_money amount;
    tl_date received_date;
    const char *reference;      /* bank reference: the idempotency key */
    const char *method;         /* wire, ach, check, card, other */
    const char *invoice_number; /* apply here first; may be NULL */
    const char *actor;
} collections_payment_in;

typedef struct collections_payment_result {
    int64_t account_id;
    int64_t payment_id;
    int created; /* 0 when the reference was posted before */
    int invoices_paid;
    tl_money applied;
    tl_money unapplied; /* neither applied nor refunded */
} collections_payment_result;

/* Records a payment and applies it: to the named invoice first, then to
 * the oldest open invoices by due date; what is left stays unapplied
 * (credit on account). Posting the same reference again with the same
 * amount returns the stored payment (created 0); with another amount it is
 * TL_EDUPLICATE. TL_EINVALID for a non-positive amount or a currency other
 * than the account's; TL_ENOTFOUND for an unknown account or invoice. */
int collections_post_payment(collections_payment_result *out, tl_db *db,
                             const collections_payment_in *in, tl_err *err);

enum {
    COLLECTIONS_BUCKET_CURRENT = 0,
    COLLECTIONS_BUCKET_1_30,
    COLLECTIONS_BUCKET_31_60,
    COLLECTIONS_BUCKET_61_90,
    COLLECTIONS_BUCKET_91_120,
    COLLECTIONS_BUCKET_OVER_120,
    COLLECTIONS_BUCKETS
};

/* Bucket names for reports: "current", "1-30", ... "over_120". */
const char *collections_bucket_name(int bucket);

typedef struct collections_aging_row {
    int64_t account_id;
    const char *account_number;
    const char *account_name;
    char currency[4];
    int64_t bucket[COLLECTIONS_BUCKETS]; /* open invoice amounts, minor */
    int64_t open_total;                  /* sum of the buckets */
    int64_t unapplied; /* credit on account: cash not applied, account-level
                          credits (sql/0103 collections.credit_on_account) */
    int open_invoices;
} collections_aging_row;

/* Calls fn once per account with open invoices or unapplied cash on as_of,
 * ordered by account number. Returns the number of rows. */
typedef int (*collections_aging_fn)(const collections_aging_row *row, void *cls,
                                    tl_err *err);
int collections_aging(tl_db *db, tl_date as_of, collections_aging_fn fn,
                      void *cls, tl_err *err);

#endif
