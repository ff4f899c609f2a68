/*
 * What the contracts source files share and nobody else sees: the
 * validated agreement document, and reading agreement rows.
 */
#ifndef CONTRACTS_INTERNAL_H
#define CONTRACTS_INTERNAL_H

#include "accounts/accounts.h"
#include "contracts/contracts.h"

/* A validated agreement document; strings point into the json value. */
typedef struct contracts_doc {
    const char *ref;
    const char *account_number;
    tl_date start;
    int64_t term_months;
    int64_t auto_acceptance_days;
    const char *currency;
    const json_t *rates;
    contracts_renewal renewal;
    int64_t renewal_months;
    int64_t notice_days;
    tl_money minimum_commitment;
    contracts_etf_rule etf_rule;
    int64_t etf_percent_ppm;
    tl_money etf_fixed;
    int64_t escalator_ppm;
    accounts_account_t account;
} contracts_doc;

/* Validates one agreement document; problem paths start with prefix
 * ("" or "[3]"). Returns 0, TL_EINVALID, or a database failure. */
int contracts_doc_validate(tl_db *db, const json_t *doc, const char *prefix,
                           contracts_doc *d, tl_err *err);

/* Stores a validated document inside the caller's transaction: creates
 * it (created 1), finds it unchanged (created 0), or adds a "conflict"
 * problem at prefix.ref and returns TL_EINVALID. A creation is audited
 * as actor, unless actor is NULL: a bulk caller audits its whole run. */
int contracts_doc_store(tl_db *db, const contracts_doc *d, const json_t *json,
                        const char *prefix, const char *actor,
                        contracts_load_result *out, tl_err *err);

/* The columns contracts_read_agreement reads, from contracts.agreement a
 * left-joined to contracts.termination t. */
#define CONTRACTS_AGREEMENT_COLS                                               \
    " a.account_id, a.agreement_id, a.agreement_ref, a.start_date,"            \
    " a.end_date, a.term_months, a.auto_acceptance_days, a.currency,"          \
    " a.renewal_rule, a.renewal_months, a.notice_days,"                        \
    " a.minimum_commitment_minor, a.etf_rule, a.etf_percent_ppm,"              \
    " a.etf_fixed_minor, a.escalator_ppm, a.renewed_months,"                   \
    " a.current_end_date, t.termination_date "
#define CONTRACTS_AGREEMENT_FROM                                               \
    " FROM contracts.agreement a LEFT JOIN contracts.termination t"            \
    " USING (account_id, agreement_id) "

int contracts_read_agreement(const tl_row *row, contracts_agreement_t *out,
                             tl_err *err);

#endif
