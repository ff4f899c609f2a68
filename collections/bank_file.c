/*
 * Bank files: format names and detection, the parsed file's entry list,
 * the content hash, and the words of remittance text that may be invoice
 * or account numbers.
 */
#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collections/cash.h"

const char *cash_format_name(cash_format f)
{
    switch (f) {
    case CASH_FORMAT_CAMT053:
        return "camt053";
    case CASH_FORMAT_CAMT054:
        return "camt054";
    case CASH_FORMAT_BAI2:
        return "bai2";
    case CASH_FORMAT_LOCKBOX:
        return "lockbox";
    case CASH_FORMAT_UNKNOWN:
        break;
    }
    return "unknown";
}

cash_format cash_format_from_name(const char *text)
{
    cash_format f;

    if (text == NULL)
        return CASH_FORMAT_UNKNOWN;
    for (f = CASH_FORMAT_CAMT053; f <= CASH_FORMAT_LOCKBOX; f++)
        if (strcmp(text, cash_format_name(f)) == 0)
            return f;
    return CASH_FORMAT_UNKNOWN;
}

/* True when needle occurs in the first len bytes of buf. */
static int contains(const char *buf, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    size_t i;

    for (i = 0; n <= len && i <= len - n; i++)
        if (memcmp(buf + i, needle, n) == 0)
            return 1;
    return 0;
}

cash_format cash_format_detect(const char *buf, size_t len)
{
    size_t head = len < 4096 ? len : 4096;
    size_t i = 0;

    /* a UTF-8 byte order mark and leading white space say nothing */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < len && isspace((unsigned char)buf[i]))
        i++;
    if (i < len && buf[i] == '<') {
        if (contains(buf, head, "urn:iso:std:iso:20022:tech:xsd:camt.053."))
            return CASH_FORMAT_CAMT053;
        if (contains(buf, head, "urn:iso:std:iso:20022:tech:xsd:camt.054."))
            return CASH_FORMAT_CAMT054;
        return CASH_FORMAT_UNKNOWN;
    }
    if (len - i >= 3 && memcmp(buf + i, "01,", 3) == 0)
        return CASH_FORMAT_BAI2;
    if (len - i >= 6 && strncmp(buf + i, "batch,", 6) == 0)
        return CASH_FORMAT_LOCKBOX;
    return CASH_FORMAT_UNKNOWN;
}

static const char empty[] = "";

static void entry_free(cash_entry *e)
{
    char **strings[] = {&e->bank_account,  &e->bank_ref,    &e->type_code,
                        &e->end_to_end_id, &e->debtor_name, &e->debtor_account,
                        &e->check_number,  &e->remittance,  &e->account_hint};
    size_t i;

    for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++)
        if (*strings[i] != empty)
            free(*strings[i]);
}

void cash_bank_file_free(cash_bank_file *f)
{
    size_t i;

    if (f == NULL)
        return;
    for (i = 0; i < f->n; i++)
        entry_free(&f->entries[i]);
    free(f->entries);
    if (f->message_id != empty)
        free(f->message_id);
    free(f);
}

cash_entry *cash_file_add(cash_bank_file *f)
{
    cash_entry *e;

    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 64;
        cash_entry *grown = realloc(f->entries, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        f->entries = grown;
        f->cap = cap;
    }
    e = &f->entries[f->n++];
    memset(e, 0, sizeof(*e));
    e->method = "other";
    e->bank_account = (char *)empty;
    e->bank_ref = (char *)empty;
    e->type_code = (char *)empty;
    e->end_to_end_id = (char *)empty;
    e->debtor_name = (char *)empty;
    e->debtor_account = (char *)empty;
    e->check_number = (char *)empty;
    e->remittance = (char *)empty;
    e->account_hint = (char *)empty;
    return e;
}

int cash_set_text(char **dst, const char *s)
{
    size_t n;
    char *copy;

    if (s == NULL)
        s = "";
    while (*s != '\0' && isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    copy = malloc(n + 1);
    if (copy == NULL)
        return TL_ERROR;
    memcpy(copy, s, n);
    copy[n] = '\0';
    if (*dst != empty)
        free(*dst);
    *dst = copy;
    return 0;
}

int cash_append_text(char **dst, const char *s)
{
    size_t a = strlen(*dst);
    size_t b;
    char *joined;

    while (*s != '\0' && isspace((unsigned char)*s))
        s++;
    b = strlen(s);
    while (b > 0 && isspace((unsigned char)s[b - 1]))
        b--;
    if (b == 0)
        return 0;
    joined = malloc(a + b + 2);
    if (joined == NULL)
        return TL_ERROR;
    memcpy(joined, *dst, a);
    if (a > 0)
        joined[a++] = ' ';
    memcpy(joined + a, s, b);
    joined[a + b] = '\0';
    if (*dst != empty)
        free(*dst);
    *dst = joined;
    return 0;
}

typedef struct ref_key {
    const char *account;
    const char *ref;
    size_t i;
} ref_key;

static int cmp_ref(const void *a, const void *b)
{
    const ref_key *x = a;
    const ref_key *y = b;
    int c = strcmp(x->account, y->account);

    if (c == 0)
        c = strcmp(x->ref, y->ref);
    if (c == 0)
        c = x->i < y->i ? -1 : 1;
    return c;
}

/* Two credits of one file under one bank reference are two entries (some
 * banks repeat a batch reference): the second and later get "#2", "#3"
 * appended, in file order, so that each is imported once. */
static int unique_refs(cash_bank_file *f, tl_err *err)
{
    ref_key *keys = NULL;
    size_t n = 0;
    size_t i;
    int k = 1;

    keys = malloc((f->n ? f->n : 1) * sizeof(*keys));
    if (keys == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    for (i = 0; i < f->n; i++) {
        if (!f->entries[i].credit)
            continue;
        keys[n].account = f->entries[i].bank_account;
        keys[n].ref = f->entries[i].bank_ref;
        keys[n].i = i;
        n++;
    }
    qsort(keys, n, sizeof(*keys), cmp_ref);
    for (i = 1; i < n; i++) {
        cash_entry *e = &f->entries[keys[i].i];
        char suffix[16];
        size_t len;
        char *g;
        if (strcmp(keys[i - 1].account, keys[i].account) != 0 ||
            strcmp(keys[i - 1].ref, keys[i].ref) != 0) {
            k = 1;
            continue;
        }
        k++;
        len = strlen(e->bank_ref);
        snprintf(suffix, sizeof(suffix), "#%d", k);
        g = malloc(len + strlen(suffix) + 1);
        if (g == NULL) {
            free(keys);
            return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
        }
        memcpy(g, e->bank_ref, len);
        strcpy(g + len, suffix);
        /* the next compare reads the group's first text, not this one */
        keys[i].ref = keys[i - 1].ref;
        if (e->bank_ref != empty)
            free(e->bank_ref);
        e->bank_ref = g;
    }
    free(keys);
    return 0;
}

int cash_bank_file_parse(cash_bank_file **out, const char *buf, size_t len,
                         cash_format format, tl_err *err)
{
    cash_bank_file *f = NULL;
    int rc;

    *out = NULL;
    if (len > CASH_FILE_MAX_BYTES)
        return tl_err_add(err, "too_large", "",
                          "the file is %zu bytes; at most %u are accepted", len,
                          CASH_FILE_MAX_BYTES);
    if (format == CASH_FORMAT_UNKNOWN)
        format = cash_format_detect(buf, len);
    if (format == CASH_FORMAT_UNKNOWN)
        return tl_err_add(err, "unknown_format", "",
                          "not a camt.053, camt.054, BAI2 or lockbox CSV "
                          "file; name the format with --format");
    f = calloc(1, sizeof(*f));
    if (f == NULL)
        return tl_err_set(err, TL_ERROR, "internal", "", "out of memory");
    f->format = format;
    f->message_id = (char *)empty;
    switch (format) {
    case CASH_FORMAT_CAMT053:
    case CASH_FORMAT_CAMT054:
        rc = cash_parse_camt(f, buf, len, err);
        break;
    case CASH_FORMAT_BAI2:
        rc = cash_parse_bai2(f, buf, len, err);
        break;
    default:
        rc = cash_parse_lockbox(f, buf, len, err);
        break;
    }
    if (rc == 0 && tl_err_has_problems(err))
        rc = TL_EINVALID;
    if (rc == 0)
        rc = unique_refs(f, err);
    if (rc < 0) {
        cash_bank_file_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

int cash_sha256_hex(char hex[65], const char *buf, size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned int i;

    hex[0] = '\0';
    if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
        mdlen != 32)
        return TL_ERROR;
    for (i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static int ref_char(int c)
{
    return isalnum(c) || c == '-';
}

int cash_refs_from_text(char *out, size_t size, const char *text, int max)
{
    size_t used = 0;
    int count = 0;
    const char *p = text;

    if (size > 0)
        out[0] = '\0';
    while (*p != '\0' && count < max) {
        char word[40];
        size_t n = 0;
        int digits = 0;
        int too_long = 0;

        while (*p != '\0' && !ref_char((unsigned char)*p))
            p++;
        while (*p != '\0' && ref_char((unsigned char)*p)) {
            if (n + 1 < sizeof(word))
                word[n++] = (char)toupper((unsigned char)*p);
            else
                too_long = 1;
            digits |= isdigit((unsigned char)*p) != 0;
            p++;
        }
        /* dashes at either end are punctuation, not part of a number */
        while (n > 0 && word[n - 1] == '-')
            n--;
        word[n] = '\0';
        {
            char *w = word;
            while (*w == '-')
                w++;
            n = strlen(w);
            if (too_long || !digits || n < 3 || n > 35)
                continue;
            /* each word once */
            {
                const char *q = out;
                int seen = 0;
                while (!seen && q != NULL && *q != '\0') {
                    const char *sp = strchr(q, ' ');
                    size_t m = sp ? (size_t)(sp - q) : strlen(q);
                    seen = m == n && memcmp(q, w, n) == 0;
                    q = sp ? sp + 1 : NULL;
                }
                if (seen)
                    continue;
            }
            if (used + n + (used > 0) + 1 > size)
                continue;
            if (used > 0)
                out[used++] = ' ';
            memcpy(out + used, w, n + 1);
            used += n;
            count++;
        }
    }
    return count;
}
