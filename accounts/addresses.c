/*
 * The address-request queue and duplicate detection.
 *
 * A request is "requested" until someone approves it (a new address enters
 * the master; a house-information update is written to its address) or
 * rejects it with a reason. Duplicates are found by comparing match keys:
 * each line normalized with the standard abbreviations, so that "100
 * Harbor Street" and "100 HARBOR ST." are the same address. An exact match
 * with the master refuses the request; a near match (same country and
 * postcode, same street number, street names within two edits or one the
 * start of the other) is queued with duplicate_of for the approver. The
 * master's own normalized_key (accounts_address_key) is left as it was, so
 * stored keys and the lookups of orders keep working.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "accounts/accounts.h"
#include "accounts/accounts_internal.h"
#include "common/audit.h"

#define LINE_MAX_LEN 256

static const char *const abbreviations[][2] = {
    {"STREET", "ST"},   {"AVENUE", "AVE"},     {"SUITE", "STE"},
    {"ROAD", "RD"},     {"BOULEVARD", "BLVD"}, {"DRIVE", "DR"},
    {"LANE", "LN"},     {"COURT", "CT"},       {"PLACE", "PL"},
    {"HIGHWAY", "HWY"}, {"PARKWAY", "PKWY"},   {"TERRACE", "TER"},
    {"CIRCLE", "CIR"},  {"SQUARE", "SQ"},      {"NORTH", "N"},
    {"SOUTH", "S"},     {"EAST", "E"},         {"WEST", "W"},
    {"FLOOR", "FL"},    {"BUILDING", "BLDG"},  {"APARTMENT", "APT"},
    {"ROOM", "RM"},     {"SAINT", "ST"},       {NULL, NULL}};

static const char *abbreviate(const char *word)
{
    size_t i;

    for (i = 0; abbreviations[i][0] != NULL; i++)
        if (strcmp(word, abbreviations[i][0]) == 0)
            return abbreviations[i][1];
    return word;
}

int accounts_address_normalize_line(char *buf, size_t size, const char *line)
{
    char word[64];
    size_t wlen = 0;
    size_t len = 0;
    const char *s = line != NULL ? line : "";

    if (size == 0)
        return TL_EOVERFLOW;
    buf[0] = '\0';
    for (;; s++) {
        unsigned char c = (unsigned char)*s;
        if (c != '\0' && (isalnum(c) || c == '#' || c == '/' || c == '-')) {
            if (wlen + 1 >= sizeof(word))
                return TL_EOVERFLOW;
            word[wlen++] = (char)toupper(c);
            continue;
        }
        if (wlen > 0) {
            const char *w;
            size_t n;
            word[wlen] = '\0';
            w = abbreviate(word);
            n = strlen(w);
            if (len + n + 2 > size)
                return TL_EOVERFLOW;
            if (len > 0)
                buf[len++] = ' ';
            memcpy(buf + len, w, n);
            len += n;
            buf[len] = '\0';
            wlen = 0;
        }
        if (c == '\0')
            break;
    }
    return 0;
}

/* The parts duplicate detection compares. */
typedef struct match_key {
    char line1[LINE_MAX_LEN];
    char line2[LINE_MAX_LEN];
    char city[LINE_MAX_LEN];
    char region[LINE_MAX_LEN];
    char postcode[32];
    char country[3];
    char number[32];    /* street number: line1's first word */
    const char *street; /* the rest of line1 */
} match_key;

static int make_match_key(match_key *k, const char *line1, const char *line2,
                          const char *city, const char *region,
                          const char *postcode, const char *country)
{
    size_t i;
    size_t n = 0;
    const char *sp;

    memset(k, 0, sizeof(*k));
    if (accounts_address_normalize_line(k->line1, sizeof(k->line1), line1) ||
        accounts_address_normalize_line(k->line2, sizeof(k->line2), line2) ||
        accounts_address_normalize_line(k->city, sizeof(k->city), city) ||
        accounts_address_normalize_line(k->region, sizeof(k->region), region))
        return TL_EOVERFLOW;
    for (i = 0; postcode != NULL && postcode[i] != '\0'; i++)
        if (!isspace((unsigned char)postcode[i]) && n + 1 < sizeof(k->postcode))
            k->postcode[n++] = (char)toupper((unsigned char)postcode[i]);
    accounts_copy(k->country, sizeof(k->country), country);
    sp = strchr(k->line1, ' ');
    if (sp != NULL && isdigit((unsigned char)k->line1[0])) {
        snprintf(k->number, sizeof(k->number), "%.*s", (int)(sp - k->line1),
                 k->line1);
        k->street = sp + 1;
    } else {
        k->street = k->line1;
    }
    return 0;
}

static int same_key(const match_key *a, const match_key *b)
{
    return strcmp(a->line1, b->line1) == 0 && strcmp(a->line2, b->line2) == 0 &&
           strcmp(a->city, b->city) == 0 && strcmp(a->region, b->region) == 0 &&
           strcmp(a->postcode, b->postcode) == 0 &&
           strcmp(a->country, b->country) == 0;
}

/* Edit distance of a and b, stopping at limit + 1. */
static size_t edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    size_t prev[LINE_MAX_LEN + 1];
    size_t cur[LINE_MAX_LEN + 1];
    size_t i;
    size_t j;

    if (la > LINE_MAX_LEN || lb > LINE_MAX_LEN)
        return limit + 1;
    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    for (j = 0; j <= lb; j++)
        prev[j] = j;
    for (i = 1; i <= la; i++) {
        cur[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1;
            size_t ins = cur[j - 1] + 1;
            size_t m = sub < del ? sub : del;
            cur[j] = m < ins ? m : ins;
        }
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

static int near_key(const match_key *a, const match_key *b)
{
    size_t la = strlen(a->street);
    size_t lb = strlen(b->street);
    size_t shorter = la < lb ? la : lb;

    if (strcmp(a->country, b->country) != 0 ||
        strcmp(a->postcode, b->postcode) != 0 || a->number[0] == '\0' ||
        strcmp(a->number, b->number) != 0)
        return 0;
    if (shorter >= 4 && strncmp(a->street, b->street, shorter) == 0)
        return 1;
    return edit_distance(a->street, b->street, 2) <= 2;
}

/* ---- reading requests ---- */

#define REQUEST_COLUMNS                                                        \
    "SELECT request_id, kind, state, line1, line2, city, region, postcode,"    \
    " country, house_info, target_address_id, duplicate_of, address_id,"       \
    " reason, requested_by FROM accounts.address_request"

static int read_request(accounts_address_request_t *out, const tl_row *row,
                        tl_err *err)
{
    static const char *const text_cols[] = {
        "kind",     "state",   "line1",      "line2",  "city",        "region",
        "postcode", "country", "house_info", "reason", "requested_by"};
    char *dest[11];
    size_t sizes[11];
    int isnull = 0;
    size_t i;

    memset(out, 0, sizeof(*out));
    dest[0] = out->kind;
    sizes[0] = sizeof(out->kind);
    dest[1] = out->state;
    sizes[1] = sizeof(out->state);
    dest[2] = out->line1;
    sizes[2] = sizeof(out->line1);
    dest[3] = out->line2;
    sizes[3] = sizeof(out->line2);
    dest[4] = out->city;
    sizes[4] = sizeof(out->city);
    dest[5] = out->region;
    sizes[5] = sizeof(out->region);
    dest[6] = out->postcode;
    sizes[6] = sizeof(out->postcode);
    dest[7] = out->country;
    sizes[7] = sizeof(out->country);
    dest[8] = out->house_info;
    sizes[8] = sizeof(out->house_info);
    dest[9] = out->reason;
    sizes[9] = sizeof(out->reason);
    dest[10] = out->requested_by;
    sizes[10] = sizeof(out->requested_by);
    if (tl_row_int64(row, "request_id", &out->request_id, err) < 0 ||
        tl_row_int64_opt(row, "target_address_id", &out->target_address_id,
                         &isnull, err) < 0 ||
        tl_row_int64_opt(row, "duplicate_of", &out->duplicate_of, &isnull,
                         err) < 0 ||
        tl_row_int64_opt(row, "address_id", &out->address_id, &isnull, err) < 0)
        return TL_ERROR;
    for (i = 0; i < 11; i++) {
        const char *v = NULL;
        if (tl_row_text(row, text_cols[i], &v, err) < 0)
            return TL_ERROR;
        accounts_copy(dest[i], sizes[i], v);
    }
    return 0;
}

static int request_get(accounts_address_request_t *out, tl_db *db,
                       int64_t request_id, tl_err *err)
{
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    int rc;

    tl_params_init(&p);
    tl_params_int64(&p, request_id);
    rc = tl_db_query_one(db, &r, "accounts_request_get",
                         REQUEST_COLUMNS " WHERE request_id = $1::bigint"
                                         " FOR UPDATE",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_request", "requestId",
                          "address request %lld does not exist",
                          (long long)request_id);
    row.res = r;
    row.row = 0;
    rc = read_request(out, &row, err);
    PQclear(r);
    return rc;
}

/* ---- submitting ---- */

typedef struct submit_ctx {
    accounts_address_request_t *out;
    int *created;
    accounts_address_request_t in; /* address copied from the target for
                                       house-information updates */
    const char *actor;
    match_key key;
    int64_t exact;   /* master address equal to the request */
    int64_t near;    /* master address close to it */
    int64_t pending; /* waiting request equal to it */
} submit_ctx;

static int candidate_row(const tl_row *row, void *cls, tl_err *err)
{
    submit_ctx *ctx = cls;
    const char *v[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    static const char *const cols[] = {"line1",  "line2",    "city",
                                       "region", "postcode", "country"};
    int64_t id = 0;
    int is_request = 0;
    match_key k;
    size_t i;

    if (tl_row_int64(row, "id", &id, err) < 0 ||
        tl_row_bool(row, "is_request", &is_request, err) < 0)
        return TL_ERROR;
    for (i = 0; i < 6; i++)
        if (tl_row_text(row, cols[i], &v[i], err) < 0)
            return TL_ERROR;
    if (make_match_key(&k, v[0], v[1], v[2], v[3], v[4], v[5]) != 0)
        return 0;
    if (same_key(&k, &ctx->key)) {
        if (is_request && ctx->pending == 0)
            ctx->pending = id;
        else if (!is_request && ctx->exact == 0)
            ctx->exact = id;
    } else if (!is_request && ctx->near == 0 && near_key(&k, &ctx->key)) {
        ctx->near = id;
    }
    return 0;
}

static int load_target(submit_ctx *ctx, tl_db *db, tl_err *err)
{
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    static const char *const cols[] = {"line1",  "line2",    "city",
                                       "region", "postcode", "country"};
    char *dest[6];
    size_t sizes[6];
    size_t i;
    int rc;

    dest[0] = ctx->in.line1;
    sizes[0] = sizeof(ctx->in.line1);
    dest[1] = ctx->in.line2;
    sizes[1] = sizeof(ctx->in.line2);
    dest[2] = ctx->in.city;
    sizes[2] = sizeof(ctx->in.city);
    dest[3] = ctx->in.region;
    sizes[3] = sizeof(ctx->in.region);
    dest[4] = ctx->in.postcode;
    sizes[4] = sizeof(ctx->in.postcode);
    dest[5] = ctx->in.country;
    sizes[5] = sizeof(ctx->in.country);
    tl_params_init(&p);
    tl_params_int64(&p, ctx->in.target_address_id);
    rc = tl_db_query_one(db, &r, "accounts_address_by_id",
                         "SELECT line1, line2, city, region, postcode, country"
                         " FROM accounts.address WHERE address_id = $1::bigint",
                         &p, err);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return tl_err_set(err, TL_ENOTFOUND, "unknown_address", "addressId",
                          "address %lld is not in the address master",
                          (long long)ctx->in.target_address_id);
    row.res = r;
    row.row = 0;
    for (i = 0; i < 6 && rc >= 0; i++) {
        const char *v = NULL;
        rc = tl_row_text(&row, cols[i], &v, err);
        accounts_copy(dest[i], sizes[i], v);
    }
    PQclear(r);
    return rc < 0 ? rc : 0;
}

static int submit_tx(tl_db *db, void *cls, tl_err *err)
{
    submit_ctx *ctx = cls;
    accounts_address_request_t *in = &ctx->in;
    int house = strcmp(in->kind, "house_info_update") == 0;
    accounts_address_t addr;
    char nkey[512];
    PGresult *r = NULL;
    tl_params p;
    tl_row row;
    int rc;

    ctx->exact = ctx->near = ctx->pending = 0;
    if (house) {
        rc = load_target(ctx, db, err);
        if (rc < 0)
            return rc;
    }
    addr.line1 = in->line1;
    addr.line2 = in->line2[0] ? in->line2 : NULL;
    addr.city = in->city;
    addr.region = in->region;
    addr.postcode = in->postcode;
    addr.country = in->country;
    if (accounts_address_key(nkey, sizeof(nkey), &addr) != 0 ||
        make_match_key(&ctx->key, in->line1, in->line2, in->city, in->region,
                       in->postcode, in->country) != 0)
        return tl_err_add(err, "too_long", "address", "address is too long");
    tl_params_init(&p);
    tl_params_text(&p, in->country);
    tl_params_text(&p, ctx->key.postcode);
    tl_params_text(&p, in->kind);
    rc = tl_db_select(
        db, "accounts_address_candidates",
        "SELECT address_id AS id, false AS is_request, line1, line2, city,"
        " region, postcode, country FROM accounts.address"
        " WHERE country = $1"
        " AND upper(regexp_replace(postcode, '\\s', '', 'g')) = $2"
        " UNION ALL"
        " SELECT request_id, true, line1, line2, city, region, postcode,"
        " country FROM accounts.address_request"
        " WHERE state = 'requested' AND kind = $3 AND country = $1"
        " AND upper(regexp_replace(postcode, '\\s', '', 'g')) = $2"
        " ORDER BY 2, 1",
        &p, candidate_row, ctx, err);
    if (rc < 0)
        return rc;
    if (ctx->pending != 0) {
        rc = request_get(ctx->out, db, ctx->pending, err);
        if (rc == 0 && house &&
            strcmp(ctx->out->house_info, in->house_info) != 0)
            rc = tl_err_set(err, TL_ECONFLICT, "pending", "houseInfo",
                            "request %lld for this address is waiting with "
                            "other house information",
                            (long long)ctx->pending);
        return rc;
    }
    if (!house && ctx->exact != 0)
        return tl_err_set(err, TL_EDUPLICATE, "duplicate", "address",
                          "the address is already in the master as address "
                          "%lld",
                          (long long)ctx->exact);
    tl_params_init(&p);
    tl_params_text(&p, in->kind);
    tl_params_text(&p, in->line1);
    tl_params_text(&p, addr.line2);
    tl_params_text(&p, in->city);
    tl_params_text(&p, in->region);
    tl_params_text(&p, in->postcode);
    tl_params_text(&p, in->country);
    tl_params_text(&p, nkey);
    tl_params_text(&p, house ? in->house_info : NULL);
    if (house)
        tl_params_int64(&p, in->target_address_id);
    else
        tl_params_null(&p);
    if (!house && ctx->near != 0)
        tl_params_int64(&p, ctx->near);
    else
        tl_params_null(&p);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_query_one(
        db, &r, "accounts_request_insert",
        "INSERT INTO accounts.address_request (kind, line1, line2, city,"
        " region, postcode, country, normalized_key, house_info,"
        " target_address_id, duplicate_of, requested_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint,"
        " $11::bigint, $12) RETURNING request_id",
        &p, err);
    if (rc < 0)
        return rc;
    row.res = r;
    row.row = 0;
    {
        int64_t id = 0;
        rc = tl_row_int64(&row, "request_id", &id, err);
        PQclear(r);
        if (rc < 0)
            return rc;
        *ctx->created = 1;
        return request_get(ctx->out, db, id, err);
    }
}

int accounts_address_request_submit(accounts_address_request_t *out,
                                    int *created, tl_db *db,
                                    const accounts_address_request_t *in,
                                    const char *actor, tl_err *err)
{
    submit_ctx ctx;
    int house = strcmp(in->kind, "house_info_update") == 0;

    memset(out, 0, sizeof(*out));
    *created = 0;
    memset(&ctx, 0, sizeof(ctx));
    ctx.out = out;
    ctx.created = created;
    ctx.in = *in;
    ctx.actor = actor;
    if (!house && strcmp(in->kind, "new_address") != 0)
        tl_err_add(err, "format", "kind",
                   "kind must be new_address or house_info_update");
    if (house) {
        if (in->target_address_id <= 0)
            tl_err_add(err, "required", "addressId",
                       "a house-information update names the address it "
                       "changes");
        if (in->house_info[0] == '\0')
            tl_err_add(err, "required", "houseInfo", "houseInfo is required");
    } else {
        if (in->line1[0] == '\0')
            tl_err_add(err, "required", "line1", "line1 is required");
        if (in->city[0] == '\0')
            tl_err_add(err, "required", "city", "city is required");
        if (in->region[0] == '\0')
            tl_err_add(err, "required", "region", "region is required");
        if (in->postcode[0] == '\0')
            tl_err_add(err, "required", "postcode", "postcode is required");
        if (strlen(in->country) != 2 ||
            !isupper((unsigned char)in->country[0]) ||
            !isupper((unsigned char)in->country[1]))
            tl_err_add(err, "format", "country",
                       "country must be an ISO 3166 alpha-2 code such as "
                       "US");
    }
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    return tl_db_run_tx(db, "accounts_address_request_submit", submit_tx, &ctx,
                        err);
}

/* ---- deciding ---- */

typedef struct decide_ctx {
    accounts_address_request_t *out;
    int64_t request_id;
    const char *reason; /* NULL to approve */
    const char *actor;
} decide_ctx;

static int approve_address(tl_db *db, accounts_address_request_t *q,
                           int64_t *address_id, tl_err *err)
{
    accounts_address_t addr;
    char key[512];
    tl_params p;
    int rc;

    if (strcmp(q->kind, "house_info_update") == 0) {
        tl_params_init(&p);
        tl_params_int64(&p, q->target_address_id);
        tl_params_text(&p, q->house_info);
        *address_id = q->target_address_id;
        return tl_db_exec(db, "accounts_address_house_info",
                          "UPDATE accounts.address SET house_info = $2"
                          " WHERE address_id = $1::bigint",
                          &p, err);
    }
    addr.line1 = q->line1;
    addr.line2 = q->line2[0] ? q->line2 : NULL;
    addr.city = q->city;
    addr.region = q->region;
    addr.postcode = q->postcode;
    addr.country = q->country;
    if (accounts_address_key(key, sizeof(key), &addr) != 0)
        return tl_err_set(err, TL_EINVALID, "too_long", "address",
                          "address is too long");
    tl_params_init(&p);
    tl_params_text(&p, addr.line1);
    tl_params_text(&p, addr.line2);
    tl_params_text(&p, addr.city);
    tl_params_text(&p, addr.region);
    tl_params_text(&p, addr.postcode);
    tl_params_text(&p, addr.country);
    tl_params_text(&p, key);
    rc = tl_db_exec(db, "accounts_address_insert",
                    "INSERT INTO accounts.address (line1, line2, city, region,"
                    " postcode, country, normalized_key)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                    " ON CONFLICT (normalized_key) DO NOTHING",
                    &p, err);
    if (rc < 0)
        return rc;
    return accounts_address_find(address_id, db, &addr, err);
}

static int decide_tx(tl_db *db, void *cls, tl_err *err)
{
    decide_ctx *ctx = cls;
    accounts_address_request_t *q = ctx->out;
    int64_t address_id = 0;
    json_t *before = NULL;
    json_t *after = NULL;
    char key[32];
    tl_params p;
    int rc;

    rc = request_get(q, db, ctx->request_id, err);
    if (rc < 0)
        return rc;
    if (strcmp(q->state, "requested") != 0)
        return tl_err_set(err, TL_ECONFLICT, "decided", "requestId",
                          "address request %lld is already %s",
                          (long long)ctx->request_id, q->state);
    if (ctx->reason == NULL) {
        rc = approve_address(db, q, &address_id, err);
        if (rc < 0)
            return rc;
    }
    tl_params_init(&p);
    tl_params_int64(&p, ctx->request_id);
    tl_params_text(&p, ctx->reason == NULL ? "approved" : "rejected");
    tl_params_text(&p, ctx->reason);
    if (address_id != 0)
        tl_params_int64(&p, address_id);
    else
        tl_params_null(&p);
    tl_params_text(&p, ctx->actor);
    rc = tl_db_exec(db, "accounts_request_decide",
                    "UPDATE accounts.address_request SET state = $2,"
                    " reason = $3, address_id = $4::bigint, decided_by = $5,"
                    " decided_at = now() WHERE request_id = $1::bigint",
                    &p, err);
    if (rc < 0)
        return rc;
    before = json_pack("{s:s}", "state", "requested");
    after = json_pack("{s:s, s:s?, s:I}", "state",
                      ctx->reason == NULL ? "approved" : "rejected", "reason",
                      ctx->reason, "addressId", (json_int_t)address_id);
    snprintf(key, sizeof(key), "%lld", (long long)ctx->request_id);
    if (before == NULL || after == NULL)
        rc = tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    else
        rc = tl_audit(db, ctx->actor, "accounts.address_request",
                      "address_request", key, 0, before, after, err);
    json_decref(before);
    json_decref(after);
    if (rc < 0)
        return rc;
    return request_get(q, db, ctx->request_id, err);
}

int accounts_address_request_approve(accounts_address_request_t *out, tl_db *db,
                                     int64_t request_id, const char *actor,
                                     tl_err *err)
{
    decide_ctx ctx = {out, request_id, NULL, actor};

    memset(out, 0, sizeof(*out));
    return tl_db_run_tx(db, "accounts_address_request_approve", decide_tx, &ctx,
                        err);
}

int accounts_address_request_reject(accounts_address_request_t *out, tl_db *db,
                                    int64_t request_id, const char *reason,
                                    const char *actor, tl_err *err)
{
    decide_ctx ctx = {out, request_id, reason, actor};

    memset(out, 0, sizeof(*out));
    if (reason == NULL || reason[0] == '\0')
        return tl_err_add(err, "required", "reason",
                          "a rejection needs a reason");
    return tl_db_run_tx(db, "accounts_address_request_reject", decide_tx, &ctx,
                        err);
}

typedef struct list_ctx {
    int (*fn)(const accounts_address_request_t *r, void *payload);
    void *payload;
} list_ctx;

static int list_row(const tl_row *row, void *cls, tl_err *err)
{
    list_ctx *ctx = cls;
    accounts_address_request_t q;

    if (read_request(&q, row, err) < 0)
        return TL_ERROR;
    if (ctx->fn(&q, ctx->payload) < 0)
        return tl_err_set(err, TL_ERROR, "internal", "", "callback failed");
    return 0;
}

int accounts_address_requests(tl_db *db, const char *state,
                              int (*fn)(const accounts_address_request_t *r,
                                        void *payload),
                              void *payload, tl_err *err)
{
    list_ctx ctx = {fn, payload};
    tl_params p;

    tl_params_init(&p);
    tl_params_text(&p, state);
    return tl_db_select(db, "accounts_address_requests",
                        REQUEST_COLUMNS
                        " WHERE ($1::text IS NULL OR state = $1)"
                        " ORDER BY request_id",
                        &p, list_row, &ctx, err);
}
