/*
 * The rate book: contracts_rate_on for many accounts from one query (see
 * contracts.h). The book holds, per account and code, every agreement's
 * rate and rate changes in the order contracts_rate_on prefers them (the
 * latest-starting agreement first), so a lookup is a binary search to the
 * account and a short walk.
 */
#include <stdlib.h>
#include <string.h>

#include "contracts/contracts.h"

void contracts_rate_book_free(contracts_rate_book *book)
{
    if (book == NULL)
        return;
    free(book->entries);
    memset(book, 0, sizeof(*book));
}

static int entry_row(const tl_row *row, void *cls, tl_err *err)
{
    contracts_rate_book *book = cls;
    contracts_rate_entry *e;
    const char *ref = NULL;
    const char *code = NULL;
    int no_termination = 1;
    int no_change = 1;

    if (book->n == book->cap) {
        size_t cap = book->cap ? book->cap * 2 : 64;
        contracts_rate_entry *grown =
            realloc(book->entries, cap * sizeof(*grown));

        if (grown == NULL)
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        book->entries = grown;
        book->cap = cap;
    }
    e = &book->entries[book->n];
    memset(e, 0, sizeof(*e));
    if (tl_row_int64(row, "account_id", &e->account_id, err) < 0 ||
        tl_row_int64(row, "agreement_id", &e->agreement_id, err) < 0 ||
        tl_row_text(row, "agreement_ref", &ref, err) < 0 ||
        tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_date(row, "start_date", &e->start, err) < 0 ||
        tl_row_date(row, "current_end_date", &e->end, err) < 0 ||
        tl_row_date_opt(row, "termination_date", &e->termination,
                        &no_termination, err) < 0 ||
        tl_row_int64(row, "escalator_ppm", &e->escalator_ppm, err) < 0 ||
        tl_row_date_opt(row, "change_from", &e->change_from, &no_change, err) <
            0 ||
        tl_row_money(row, "amount_minor", "currency", &e->rate, err) < 0)
        return TL_ERROR;
    snprintf(e->agreement_ref, sizeof(e->agreement_ref), "%s", ref);
    snprintf(e->code, sizeof(e->code), "%s", code);
    e->terminated = !no_termination;
    e->is_change = !no_change;
    book->n++;
    return 0;
}

int contracts_rate_book_load(contracts_rate_book *book, tl_db *db,
                             const int64_t *ids, size_t n, tl_err *err)
{
    char *array = tl_db_int64_array(ids, n);
    tl_params p;
    int rc;

    book->n = 0;
    if (array == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    tl_params_init(&p);
    tl_params_text(&p, array);
    rc = tl_db_select(
        db, "contracts_rate_book",
        "SELECT r.account_id, r.agreement_id, a.agreement_ref, r.code,"
        " a.start_date, a.current_end_date, t.termination_date,"
        " a.escalator_ppm, x.change_from, x.amount_minor, a.currency"
        " FROM contracts.rate r"
        " JOIN contracts.agreement a USING (account_id, agreement_id)"
        " LEFT JOIN contracts.termination t USING (account_id, agreement_id)"
        " CROSS JOIN LATERAL (SELECT NULL::date AS change_from,"
        "  r.amount_minor"
        "  UNION ALL SELECT c.effective_date, c.amount_minor"
        "  FROM contracts.rate_change c WHERE c.account_id = r.account_id"
        "  AND c.agreement_id = r.agreement_id AND c.code = r.code) x"
        " WHERE r.account_id = ANY($1::bigint[])"
        " ORDER BY r.account_id, r.code, a.start_date DESC,"
        " r.agreement_id DESC, x.change_from NULLS FIRST",
        &p, entry_row, book, err);
    free(array);
    return rc < 0 ? rc : 0;
}

static int in_force(const contracts_rate_entry *e, tl_date on)
{
    return e->start <= on && e->end > on &&
           (!e->terminated || e->termination > on);
}

/* The first entry of account_id, or book->n. */
static size_t first_of_account(const contracts_rate_book *book,
                               int64_t account_id)
{
    size_t lo = 0, hi = book->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (book->entries[mid].account_id < account_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int contracts_rate_book_find(contracts_price_t *out,
                             const contracts_rate_book *book,
                             int64_t account_id, const char *code, tl_date on,
                             tl_err *err)
{
    const contracts_rate_entry *base = NULL;
    const contracts_rate_entry *rate = NULL;
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = first_of_account(book, account_id);
         i < book->n && book->entries[i].account_id == account_id; i++) {
        const contracts_rate_entry *e = &book->entries[i];

        if (strcmp(e->code, code) != 0)
            continue;
        if (base == NULL) {
            /* agreements come latest-starting first: the first in force
             * with this code wins, with its base rate and changes */
            if (e->is_change || !in_force(e, on))
                continue;
            base = rate = e;
            continue;
        }
        if (e->agreement_id != base->agreement_id)
            break;
        if (e->is_change && e->change_from <= on)
            rate = e;
    }
    if (base == NULL)
        return 0;
    out->source = CONTRACTS_PRICE_CONTRACT;
    out->agreement_id = base->agreement_id;
    snprintf(out->agreement_ref, sizeof(out->agreement_ref), "%s",
             base->agreement_ref);
    out->base_rate = rate->rate;
    out->escalation_steps = contracts_escalation_steps(
        base->start, rate->is_change, rate->change_from, on);
    if (contracts_escalate(&out->amount, &out->base_rate, base->escalator_ppm,
                           out->escalation_steps) != 0)
        return tl_err_set(err, TL_EOVERFLOW, "overflow", "amount",
                          "the escalated rate for %s overflows", code);
    return 1;
}
