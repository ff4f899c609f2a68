/*
 * The parties of an order (TMF622 relatedParty): the customer, the account
 * executive who sold it and the indirect agent, if any.
 *
 *   role "customer"          must be the billing account's customer
 *   role "accountExecutive"  a known account executive; when absent, the
 *                            account's executive on the day received
 *   role "agent"             a known indirect agent; a wholesale carrier
 *                            naming itself (its customer ref) is a direct
 *                            sale, not an agent's
 * Other roles are kept in the document and not checked, as TMF allows.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/json.h"
#include "orders/orders_internal.h"

static void copy_ref(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* Checks that ref names a person of kind ("ae" or "agent"). */
static void check_person(tl_db *db, const char *ref, const char *kind,
                         const char *path, int *db_rc, tl_err *err)
{
    accounts_person_t person;
    tl_err lookup = TL_ERR_INIT;
    const char *what =
        strcmp(kind, "ae") == 0 ? "account executive" : "indirect agent";
    int rc = accounts_person_get(&person, db, ref, &lookup);

    if (rc == TL_ENOTFOUND)
        tl_err_add(err, "unknown_party", path, "%s %s is not known", what,
                   ref);
    else if (rc < 0) {
        *db_rc = rc;
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
    } else if (strcmp(person.kind, kind) != 0)
        tl_err_add(err, "wrong_party_kind", path,
                   "%s is not an %s but an %s", ref, what,
                   strcmp(kind, "ae") == 0 ? "indirect agent"
                                           : "account executive");
    tl_err_clear(&lookup);
}

/* 0 customer, 1 account executive (TMF's "seller"), 2 agent, -1 another
 * role; TMF examples capitalize roles, so case does not matter. */
static int party_role(const char *role)
{
    static const char *const names[] = {"customer", "accountExecutive",
                                        "seller", "agent", NULL};
    static const int roles[] = {0, 1, 1, 2};
    int i;

    for (i = 0; names[i] != NULL; i++)
        if (strcasecmp(names[i], role) == 0)
            return roles[i];
    return -1;
}

/* One relatedParty entry. */
static void read_party(order_doc *d, tl_db *db, const json_t *party,
                       const char *path, int seen[3], int *db_rc, tl_err *err)
{
    const char *id = NULL;
    const char *role = NULL;
    const json_t *ref = NULL;
    char field[TL_ERR_FIELD_MAX];
    int r;

    if (!json_is_object(party)) {
        tl_err_add(err, "type", path, "a related party must be an object");
        return;
    }
    tl_json_str(party, "role", path, 1, 40, &role, err);
    /* v5 wraps the party: {"role", "partyOrPartyRole": {"id", ...}} */
    ref = json_object_get(party, "partyOrPartyRole");
    if (json_is_object(ref)) {
        tl_path_key(field, sizeof(field), path, "partyOrPartyRole");
        tl_json_str(ref, "id", field, 1, 64, &id, err);
    } else {
        tl_json_str(party, "id", path, 1, 64, &id, err);
        snprintf(field, sizeof(field), "%s", path);
    }
    if (id == NULL || role == NULL)
        return;
    r = party_role(role);
    if (r < 0)
        return;
    tl_path_key(field, sizeof(field), field, "id");
    if (seen[r]++) {
        tl_err_add(err, "duplicate", path,
                   "the order names more than one %s", role);
        return;
    }
    if (r == 0) {
        if (d->account.account_id != 0 &&
            strcmp(id, d->account.customer_ref) != 0)
            tl_err_add(err, "party_mismatch", field,
                       "customer %s is not the customer of billing account "
                       "%s (%s)",
                       id, d->account.account_number, d->account.customer_ref);
    } else if (r == 1) {
        copy_ref(d->ae_ref, sizeof(d->ae_ref), id);
        check_person(db, id, "ae", field, db_rc, err);
    } else if (d->account.account_id == 0 ||
               strcmp(id, d->account.customer_ref) != 0) {
        copy_ref(d->agent_ref, sizeof(d->agent_ref), id);
        check_person(db, id, "agent", field, db_rc, err);
    }
}

/* Without a named account executive the order is the account's
 * executive's sale on the day it came in. */
static void default_ae(order_doc *d, tl_db *db, tl_date received, int *db_rc,
                       tl_err *err)
{
    accounts_assignment_t ae;
    tl_err lookup = TL_ERR_INIT;
    int rc;

    if (d->ae_ref[0] != '\0' || d->account.account_id == 0)
        return;
    rc = accounts_assignment_on(&ae, db, d->account.account_id, "ae", received,
                                &lookup);
    if (rc == 0)
        copy_ref(d->ae_ref, sizeof(d->ae_ref), ae.person_ref);
    else if (rc != TL_ENOTFOUND) {
        *db_rc = rc;
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
    }
    tl_err_clear(&lookup);
}

void order_read_parties(order_doc *d, tl_db *db, const json_t *doc,
                        tl_date received, int *db_rc, tl_err *err)
{
    const json_t *parties = NULL;
    char path[TL_ERR_FIELD_MAX];
    int seen[3] = {0, 0, 0};
    size_t i;

    tl_json_array(doc, "relatedParty", "", 0, 0, 20, &parties, err);
    for (i = 0; parties != NULL && i < json_array_size(parties); i++) {
        tl_path_index(path, sizeof(path), "relatedParty", i);
        read_party(d, db, json_array_get(parties, i), path, seen, db_rc, err);
        if (*db_rc < 0)
            return;
    }
    default_ae(d, db, received, db_rc, err);
}
