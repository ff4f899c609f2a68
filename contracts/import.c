/*
 * Import of wholesale agreements from a JSON array of agreement documents
 * or from CSV (one row per agreement and rate; header in contracts.h).
 *
 * Both paths validate every agreement with contracts_doc_validate first
 * and write nothing when any problem was found; then every agreement is
 * stored in one transaction, where an agreement stored with other terms
 * is a "conflict" that rolls the whole file back. An import that creates
 * agreements is audited as one event with its counts.
 *
 * CSV rows become agreement documents: each row is first validated on its
 * own as a one-rate agreement (so that each problem names its row), then
 * rows with the same accountNumber and ref are grouped; their term columns
 * must agree ("inconsistent") and their codes must differ ("duplicate").
 * Fields are plain RFC 4180: comma separated, optionally in quotes
 * with "" for a quote inside; no line may exceed CSV_MAX_LINE bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/audit.h"
#include "common/json.h"
#include "contracts/contracts_internal.h"

#define MAX_AGREEMENTS 10000
#define CSV_MAX_ROWS 100000
#define CSV_MAX_LINE 4096
#define CSV_COLS 15

static const char *const csv_header[CSV_COLS] = {"ref",
                                                 "accountNumber",
                                                 "startDate",
                                                 "termMonths",
                                                 "renewal",
                                                 "renewalMonths",
                                                 "noticeDays",
                                                 "autoAcceptanceDays",
                                                 "minimumCommitment",
                                                 "etfPercent",
                                                 "etfFixed",
                                                 "escalatorPercent",
                                                 "currency",
                                                 "code",
                                                 "amount"};

/* Integer columns: written as JSON integers in the row documents. */
static int int_column(int col)
{
    return col == 3 || col == 5 || col == 6 || col == 7;
}

/* The columns that describe the agreement (all but code and amount). */
#define CSV_TERM_COLS 13

typedef struct import_ctx {
    contracts_doc *docs;
    const json_t *const *json;
    const char *const *prefixes;
    size_t n;
    const char *actor;
    contracts_import_result *result;
} import_ctx;

static int import_tx(tl_db *db, void *cls, tl_err *err)
{
    import_ctx *ctx = cls;
    contracts_load_result one;
    json_t *summary = NULL;
    size_t i;
    int rc;

    ctx->result->created = 0;
    ctx->result->unchanged = 0;
    for (i = 0; i < ctx->n; i++) {
        size_t before = err->n_problems;
        rc = contracts_doc_store(db, &ctx->docs[i], ctx->json[i],
                                 ctx->prefixes[i], NULL, &one, err);
        /* only a conflict leaves the transaction usable for the rest */
        if (rc < 0 && (rc != TL_EINVALID || err->n_problems != before + 1 ||
                       strcmp(err->problems[before].code, "conflict") != 0))
            return rc;
        if (rc == 0 && one.created)
            ctx->result->created++;
        else if (rc == 0)
            ctx->result->unchanged++;
    }
    /* conflicts were collected for every agreement; any one rolls back */
    if (tl_err_has_problems(err))
        return TL_EINVALID;
    if (ctx->result->created == 0)
        return 0;
    summary =
        json_pack("{s:i, s:i, s:i}", "agreements", (int)ctx->n, "created",
                  ctx->result->created, "unchanged", ctx->result->unchanged);
    if (summary == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    rc = tl_audit(db, ctx->actor, "contract.import", "agreement_file",
                  ctx->docs[0].ref, 0, NULL, summary, err);
    json_decref(summary);
    return rc;
}

static int store_all(contracts_import_result *out, tl_db *db,
                     contracts_doc *docs, const json_t *const *json,
                     const char *const *prefixes, size_t n, const char *actor,
                     tl_err *err)
{
    import_ctx ctx = {docs, json, prefixes, n, actor, out};
    int rc;

    out->agreements = (int)n;
    rc = tl_db_run_tx(db, "contracts_import", import_tx, &ctx, err);
    if (rc < 0) {
        out->created = 0;
        out->unchanged = 0;
    }
    return rc;
}

/* ---- JSON ---- */

int contracts_import_json(contracts_import_result *out, tl_db *db,
                          const json_t *doc, const char *actor, tl_err *err)
{
    contracts_doc *docs = NULL;
    const json_t **json = NULL;
    char(*prefixes)[24] = NULL;
    const char **prefix_ptrs = NULL;
    size_t n;
    size_t i;
    size_t j;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!json_is_array(doc))
        return tl_err_add(err, "type", "",
                          "the file must be a JSON array of agreements");
    n = json_array_size(doc);
    if (n == 0)
        return tl_err_add(err, "required", "", "the file has no agreements");
    if (n > MAX_AGREEMENTS)
        return tl_err_add(err, "range", "",
                          "the file has %zu agreements; at most %d are "
                          "accepted",
                          n, MAX_AGREEMENTS);
    docs = calloc(n, sizeof(*docs));
    json = calloc(n, sizeof(*json));
    prefixes = calloc(n, sizeof(*prefixes));
    prefix_ptrs = calloc(n, sizeof(*prefix_ptrs));
    if (docs == NULL || json == NULL || prefixes == NULL ||
        prefix_ptrs == NULL) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        goto cleanup;
    }
    for (i = 0; i < n; i++) {
        json[i] = json_array_get(doc, i);
        snprintf(prefixes[i], sizeof(prefixes[i]), "[%zu]", i);
        prefix_ptrs[i] = prefixes[i];
        rc = contracts_doc_validate(db, json[i], prefixes[i], &docs[i], err);
        if (rc < 0 && rc != TL_EINVALID)
            goto cleanup;
        /* the same agreement twice in one file */
        for (j = 0; j < i && docs[i].ref != NULL; j++) {
            if (docs[j].ref != NULL && docs[j].account_number != NULL &&
                docs[i].account_number != NULL &&
                strcmp(docs[j].ref, docs[i].ref) == 0 &&
                strcmp(docs[j].account_number, docs[i].account_number) == 0) {
                char field[TL_ERR_FIELD_MAX];
                tl_path_key(field, sizeof(field), prefixes[i], "ref");
                tl_err_add(err, "duplicate", field,
                           "agreement %s of account %s is also at [%zu]",
                           docs[i].ref, docs[i].account_number, j);
                break;
            }
        }
    }
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = store_all(out, db, docs, json, prefix_ptrs, n, actor, err);
cleanup:
    free(docs);
    free(json);
    free(prefixes);
    free(prefix_ptrs);
    return rc;
}

/* ---- CSV ---- */

typedef struct csv_row {
    int line;               /* line number in the file (header is 1) */
    char *fields[CSV_COLS]; /* owned */
    int nfields;
} csv_row;

typedef struct csv_file {
    csv_row *rows;
    size_t n;
    size_t cap;
} csv_file;

static void csv_free(csv_file *f)
{
    size_t i;
    int j;

    for (i = 0; i < f->n; i++)
        for (j = 0; j < CSV_COLS; j++)
            free(f->rows[i].fields[j]);
    free(f->rows);
    memset(f, 0, sizeof(*f));
}

/* Splits one line (without its newline) into fields. Returns the number
 * of fields, or -1 with a problem added for a malformed quote. */
static int split_line(csv_row *row, const char *s, size_t len, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    char *buf;
    size_t i = 0;
    int n = 0;

    snprintf(field, sizeof(field), "row[%d]", row->line);
    for (;;) {
        size_t k = 0;
        buf = malloc(len + 1);
        if (buf == NULL)
            return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        if (i < len && s[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) {
                    free(buf);
                    tl_err_add(err, "csv_syntax", field,
                               "a quoted field is not closed");
                    return -1;
                }
                if (s[i] == '"' && i + 1 < len && s[i + 1] == '"') {
                    buf[k++] = '"';
                    i += 2;
                } else if (s[i] == '"') {
                    i++;
                    break;
                } else
                    buf[k++] = s[i++];
            }
            if (i < len && s[i] != ',') {
                free(buf);
                tl_err_add(err, "csv_syntax", field,
                           "text follows a closing quote");
                return -1;
            }
        } else {
            while (i < len && s[i] != ',') {
                if (s[i] == '"') {
                    free(buf);
                    tl_err_add(err, "csv_syntax", field,
                               "a quote inside an unquoted field");
                    return -1;
                }
                buf[k++] = s[i++];
            }
        }
        buf[k] = '\0';
        if (n < CSV_COLS)
            row->fields[n] = buf;
        else
            free(buf);
        n++;
        if (i >= len)
            break;
        i++; /* the comma */
    }
    row->nfields = n;
    return n;
}

/* Splits the text into the header check and data rows. Blank lines are
 * skipped; a final newline is optional; CR LF is accepted. */
static int csv_parse(csv_file *f, const char *text, size_t len, tl_err *err)
{
    size_t pos = 0;
    int line = 0;
    int rc;

    while (pos < len) {
        size_t end = pos;
        size_t l;
        csv_row row;
        char field[TL_ERR_FIELD_MAX];

        while (end < len && text[end] != '\n')
            end++;
        l = end - pos;
        if (l > 0 && text[pos + l - 1] == '\r')
            l--;
        line++;
        snprintf(field, sizeof(field), "row[%d]", line);
        if (memchr(text + pos, '\0', l) != NULL) {
            tl_err_add(err, "csv_syntax", field, "the line holds a NUL byte");
        } else if (end - pos > CSV_MAX_LINE) {
            tl_err_add(err, "too_long", field,
                       "the line is longer than %d bytes", CSV_MAX_LINE);
        } else if (l > 0) {
            memset(&row, 0, sizeof(row));
            row.line = line;
            rc = split_line(&row, text + pos, l, err);
            if (rc < 0) {
                int j;
                for (j = 0; j < CSV_COLS; j++) {
                    free(row.fields[j]);
                    row.fields[j] = NULL;
                }
                if (rc < -1)
                    return rc;
            }
            if (line == 1) {
                int j;
                int ok = rc == CSV_COLS;
                for (j = 0; ok && j < CSV_COLS; j++)
                    ok = strcmp(row.fields[j], csv_header[j]) == 0;
                for (j = 0; j < CSV_COLS; j++)
                    free(row.fields[j]);
                if (!ok)
                    return tl_err_add(
                        err, "header", "row[1]",
                        "the header must be exactly ref,accountNumber,"
                        "startDate,termMonths,renewal,renewalMonths,"
                        "noticeDays,autoAcceptanceDays,minimumCommitment,"
                        "etfPercent,etfFixed,escalatorPercent,currency,"
                        "code,amount");
            } else if (rc >= 0 && rc != CSV_COLS) {
                int j;
                for (j = 0; j < CSV_COLS; j++)
                    free(row.fields[j]);
                tl_err_add(err, "columns", field,
                           "the row has %d fields; the header has %d", rc,
                           CSV_COLS);
            } else if (rc == CSV_COLS) {
                if (f->n == f->cap) {
                    size_t cap = f->cap ? f->cap * 2 : 64;
                    csv_row *grown;
                    if (f->n >= CSV_MAX_ROWS) {
                        for (rc = 0; rc < CSV_COLS; rc++)
                            free(row.fields[rc]);
                        return tl_err_add(err, "range", field,
                                          "more than %d rows", CSV_MAX_ROWS);
                    }
                    grown = realloc(f->rows, cap * sizeof(*grown));
                    if (grown == NULL) {
                        for (rc = 0; rc < CSV_COLS; rc++)
                            free(row.fields[rc]);
                        return tl_err_set(err, TL_ERROR, "oom", "",
                                          "out of memory");
                    }
                    f->rows = grown;
                    f->cap = cap;
                }
                f->rows[f->n++] = row;
            }
        } else if (line == 1) {
            return tl_err_add(err, "header", "row[1]",
                              "the first line must be the header");
        }
        pos = end < len ? end + 1 : end;
    }
    if (line == 0)
        return tl_err_add(err, "required", "", "the file is empty");
    if (f->n == 0 && !tl_err_has_problems(err))
        return tl_err_add(err, "required", "", "the file has no rows");
    return tl_err_has_problems(err) ? TL_EINVALID : 0;
}

/* A strict non-negative whole number of at most 6 digits. */
static int parse_small_int(int64_t *out, const char *s)
{
    int64_t v = 0;
    int n = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++, n++) {
        if (*s < '0' || *s > '9' || n >= 6)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

/* The document of one row: an agreement with one rate. Empty cells are
 * absent members. Integer cells that do not parse add a "format" problem
 * and are left out. */
static json_t *row_doc(const csv_row *row, tl_err *err)
{
    json_t *doc = json_object();
    json_t *rate = json_object();
    json_t *rates = json_array();
    char field[TL_ERR_FIELD_MAX];
    int64_t v;
    int j;

    if (doc == NULL || rate == NULL || rates == NULL)
        goto fail;
    for (j = 0; j < CSV_COLS; j++) {
        const char *cell = row->fields[j];
        json_t *target = j >= CSV_TERM_COLS ? rate : doc;
        json_t *value;
        if (cell[0] == '\0')
            continue;
        if (int_column(j)) {
            if (parse_small_int(&v, cell) != 0) {
                snprintf(field, sizeof(field), "row[%d].%s", row->line,
                         csv_header[j]);
                tl_err_add(err, "format", field,
                           "%s must be a whole number, not \"%s\"",
                           csv_header[j], cell);
                continue;
            }
            value = json_integer(v);
        } else
            value = json_string(cell);
        if (value == NULL ||
            json_object_set_new(target, csv_header[j], value) != 0)
            goto fail;
    }
    if (json_array_append_new(rates, rate) != 0) {
        rate = NULL;
        goto fail;
    }
    rate = NULL;
    if (json_object_set_new(doc, "rates", rates) != 0) {
        rates = NULL;
        goto fail;
    }
    return doc;
fail:
    json_decref(doc);
    json_decref(rate);
    json_decref(rates);
    return NULL;
}

/* True when a cell that did not convert was reported at field already:
 * its "required" from the document check would only repeat it. */
static int already_reported(const tl_err *err, const char *field)
{
    size_t i;

    for (i = 0; i < err->n_problems; i++)
        if (strcmp(err->problems[i].field, field) == 0)
            return 1;
    return 0;
}

/* Copies the problems found on one row's document into err with the path
 * "row[N].column": the one rate's "rates[0]." is dropped, so a bad code or
 * amount names its column directly. */
static void copy_row_problems(tl_err *err, const tl_err *row_err, int line)
{
    char field[TL_ERR_FIELD_MAX];
    char prefix[24];
    size_t i;

    snprintf(prefix, sizeof(prefix), "row[%d]", line);
    for (i = 0; i < row_err->n_problems; i++) {
        const tl_problem *p = &row_err->problems[i];
        const char *f = p->field;
        if (strncmp(f, "rates[0].", 9) == 0)
            f += 9;
        if (f[0] == '\0')
            snprintf(field, sizeof(field), "%s", prefix);
        else
            tl_path_key(field, sizeof(field), prefix, f);
        if (!already_reported(err, field))
            tl_err_add(err, p->code, field, "%s", p->message);
    }
}

typedef struct csv_group {
    json_t *doc;      /* the agreement with all its rates */
    size_t first_row; /* index of the row that started it */
    char prefix[24];  /* "row[N]" of that row, for conflicts */
} csv_group;

int contracts_import_csv(contracts_import_result *out, tl_db *db,
                         const char *text, size_t len, const char *actor,
                         tl_err *err)
{
    csv_file f = {NULL, 0, 0};
    csv_group *groups = NULL;
    contracts_doc *docs = NULL;
    const json_t **json = NULL;
    const char **prefixes = NULL;
    contracts_doc row_doc_checked;
    size_t ngroups = 0;
    size_t i;
    size_t g;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = csv_parse(&f, text, len, err);
    if (rc < 0 && rc != TL_EINVALID)
        goto cleanup;
    groups = calloc(f.n ? f.n : 1, sizeof(*groups));
    if (groups == NULL) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        goto cleanup;
    }
    for (i = 0; i < f.n; i++) {
        const csv_row *row = &f.rows[i];
        tl_err row_err = TL_ERR_INIT;
        json_t *doc = row_doc(row, err);
        char field[TL_ERR_FIELD_MAX];
        int j;

        if (doc == NULL) {
            rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
            goto cleanup;
        }
        rc = contracts_doc_validate(db, doc, "", &row_doc_checked, &row_err);
        if (rc < 0 && rc != TL_EINVALID) {
            tl_err_copy(err, &row_err);
            tl_err_clear(&row_err);
            json_decref(doc);
            goto cleanup;
        }
        copy_row_problems(err, &row_err, row->line);
        tl_err_clear(&row_err);
        /* find the agreement this row belongs to */
        for (g = 0; g < ngroups; g++) {
            const csv_row *first = &f.rows[groups[g].first_row];
            if (strcmp(first->fields[0], row->fields[0]) == 0 &&
                strcmp(first->fields[1], row->fields[1]) == 0)
                break;
        }
        if (g == ngroups) {
            groups[g].doc = doc;
            groups[g].first_row = i;
            snprintf(groups[g].prefix, sizeof(groups[g].prefix), "row[%d]",
                     row->line);
            ngroups++;
            continue;
        }
        {
            const csv_row *first = &f.rows[groups[g].first_row];
            json_t *rates = json_object_get(groups[g].doc, "rates");
            json_t *rate = json_array_get(json_object_get(doc, "rates"), 0);
            size_t k;
            for (j = 2; j < CSV_TERM_COLS; j++)
                if (strcmp(first->fields[j], row->fields[j]) != 0) {
                    snprintf(field, sizeof(field), "row[%d].%s", row->line,
                             csv_header[j]);
                    tl_err_add(err, "inconsistent", field,
                               "%s differs from row %d of the same "
                               "agreement",
                               csv_header[j], first->line);
                }
            for (k = 0; k < json_array_size(rates); k++) {
                const char *code = json_string_value(
                    json_object_get(json_array_get(rates, k), "code"));
                if (code != NULL && row->fields[13][0] != '\0' &&
                    strcmp(code, row->fields[13]) == 0) {
                    snprintf(field, sizeof(field), "row[%d].code", row->line);
                    tl_err_add(err, "duplicate", field,
                               "service code %s has two rates in agreement "
                               "%s",
                               code, row->fields[0]);
                    break;
                }
            }
            json_array_append(rates, rate);
        }
        json_decref(doc);
    }
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    docs = calloc(ngroups, sizeof(*docs));
    json = calloc(ngroups, sizeof(*json));
    prefixes = calloc(ngroups, sizeof(*prefixes));
    if (docs == NULL || json == NULL || prefixes == NULL) {
        rc = tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
        goto cleanup;
    }
    for (g = 0; g < ngroups; g++) {
        json[g] = groups[g].doc;
        prefixes[g] = groups[g].prefix;
        rc = contracts_doc_validate(db, groups[g].doc, groups[g].prefix,
                                    &docs[g], err);
        if (rc < 0 && rc != TL_EINVALID)
            goto cleanup;
    }
    if (tl_err_has_problems(err)) {
        rc = TL_EINVALID;
        goto cleanup;
    }
    rc = store_all(out, db, docs, json, prefixes, ngroups, actor, err);
cleanup:
    for (g = 0; groups != NULL && g < ngroups; g++)
        json_decref(groups[g].doc);
    free(groups);
    free(docs);
    free(json);
    free(prefixes);
    csv_free(&f);
    return rc;
}
