/*
 * A readable difference between two versions of an order document, as a
 * coordinator would describe a supplement: "the due date moved from A to
 * B, item 2 was removed, item 1's portSpeed changed from 100 to 500".
 *
 * Items are matched by their id, characteristics by their name, so that
 * reordering an array is not reported as a change.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "orders/orders.h"

typedef struct diff_ctx {
    orders_change_fn fn;
    void *cls;
    tl_err *err;
    int count;
} diff_ctx;

/* Strings are shown as they are; other values as compact JSON. */
static char *value_text(const json_t *v)
{
    if (v == NULL)
        return NULL;
    if (json_is_string(v))
        return strdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

static int emit(diff_ctx *ctx, const char *path, const json_t *from,
                const json_t *to)
{
    orders_change_t c;
    char *a = value_text(from);
    char *b = value_text(to);
    int rc;

    if ((from != NULL && a == NULL) || (to != NULL && b == NULL)) {
        free(a);
        free(b);
        return tl_err_set(ctx->err, TL_ERROR, "internal", "", "out of memory");
    }
    c.path = path;
    c.kind = from == NULL ? "added" : (to == NULL ? "removed" : "changed");
    c.from = a;
    c.to = b;
    ctx->count++;
    rc = ctx->fn(&c, ctx->cls, ctx->err);
    free(a);
    free(b);
    return rc;
}

/* Compares one member of two objects (either may be NULL). */
static int compare_member(diff_ctx *ctx, const char *path, const json_t *a,
                          const json_t *b, const char *key)
{
    const json_t *va = a ? json_object_get(a, key) : NULL;
    const json_t *vb = b ? json_object_get(b, key) : NULL;

    if (va == NULL && vb == NULL)
        return 0;
    if (va != NULL && vb != NULL && json_equal(va, vb))
        return 0;
    return emit(ctx, path, va, vb);
}

static int cmp_keys(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The sorted union of two objects' keys, without `skip`. The array is
 * malloc'ed; keys point into the objects. */
static const char **union_keys(const json_t *a, const json_t *b,
                               const char *skip, size_t *n)
{
    size_t cap = json_object_size(a) + json_object_size(b) + 1;
    const char **keys = malloc(cap * sizeof(*keys));
    const json_t *objs[2] = {a, b};
    const char *key;
    json_t *value;
    size_t i;
    size_t j;

    *n = 0;
    if (keys == NULL)
        return NULL;
    for (i = 0; i < 2; i++) {
        json_object_foreach((json_t *)objs[i], key, value)
        {
            int seen = 0;
            (void)value;
            if (skip != NULL && strcmp(key, skip) == 0)
                continue;
            for (j = 0; j < *n && !seen; j++)
                seen = strcmp(keys[j], key) == 0;
            if (!seen)
                keys[(*n)++] = key;
        }
    }
    qsort(keys, *n, sizeof(*keys), cmp_keys);
    return keys;
}

static int compare_objects(diff_ctx *ctx, const char *prefix, const json_t *a,
                           const json_t *b, const char *skip)
{
    char path[TL_ERR_FIELD_MAX];
    const char **keys;
    size_t n = 0;
    size_t i;
    int rc = 0;

    keys = union_keys(a, b, skip, &n);
    if (keys == NULL)
        return tl_err_set(ctx->err, TL_ERROR, "internal", "", "out of memory");
    for (i = 0; i < n && rc >= 0; i++) {
        tl_path_key(path, sizeof(path), prefix, keys[i]);
        rc = compare_member(ctx, path, a, b, keys[i]);
    }
    free(keys);
    return rc < 0 ? rc : 0;
}

static const json_t *find_by(const json_t *arr, const char *key,
                             const char *value)
{
    size_t i;
    const json_t *e;

    json_array_foreach(arr, i, e)
    {
        const json_t *v = json_object_get(e, key);
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
            return e;
    }
    return NULL;
}

static const json_t *product_part(const json_t *item, const char *key)
{
    return json_object_get(json_object_get(item, "product"), key);
}

/* Characteristics are compared by name. */
static int compare_characteristics(diff_ctx *ctx, const char *item_path,
                                   const json_t *a, const json_t *b)
{
    const json_t *ca = product_part(a, "productCharacteristic");
    const json_t *cb = product_part(b, "productCharacteristic");
    const json_t *lists[2] = {ca, cb};
    char path[TL_ERR_FIELD_MAX];
    char key[TL_ERR_FIELD_MAX];
    size_t l;
    size_t i;
    const json_t *e;
    int rc;

    for (l = 0; l < 2; l++) {
        json_array_foreach(lists[l], i, e)
        {
            const char *name = json_string_value(json_object_get(e, "name"));
            const json_t *other;
            const json_t *va;
            const json_t *vb;
            if (name == NULL)
                continue;
            other = find_by(lists[1 - l], "name", name);
            /* a name in both lists is compared once, from the old list */
            if (l == 1 && other != NULL)
                continue;
            va = l == 0 ? json_object_get(e, "value") : NULL;
            vb = l == 0 ? json_object_get(other, "value")
                        : json_object_get(e, "value");
            if (va != NULL && vb != NULL && json_equal(va, vb))
                continue;
            snprintf(key, sizeof(key), "product.productCharacteristic[name=%s]",
                     name);
            tl_path_key(path, sizeof(path), item_path, key);
            rc = emit(ctx, path, va, vb);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int compare_items(diff_ctx *ctx, const json_t *a, const json_t *b)
{
    char path[TL_ERR_FIELD_MAX];
    char sub[TL_ERR_FIELD_MAX];
    const json_t *items_a = json_object_get(a, "productOrderItem");
    const json_t *items_b = json_object_get(b, "productOrderItem");
    const json_t *e;
    size_t i;
    int rc;

    json_array_foreach(items_b, i, e)
    {
        const char *id = json_string_value(json_object_get(e, "id"));
        if (id == NULL || find_by(items_a, "id", id) != NULL)
            continue;
        snprintf(path, sizeof(path), "productOrderItem[id=%s]", id);
        rc = emit(ctx, path, NULL,
                  json_object_get(json_object_get(e, "productOffering"), "id"));
        if (rc < 0)
            return rc;
    }
    json_array_foreach(items_a, i, e)
    {
        const char *id = json_string_value(json_object_get(e, "id"));
        const json_t *other;
        if (id == NULL)
            continue;
        snprintf(path, sizeof(path), "productOrderItem[id=%s]", id);
        other = find_by(items_b, "id", id);
        if (other == NULL) {
            rc = emit(
                ctx, path,
                json_object_get(json_object_get(e, "productOffering"), "id"),
                NULL);
            if (rc < 0)
                return rc;
            continue;
        }
        tl_path_key(sub, sizeof(sub), path, "action");
        rc = compare_member(ctx, sub, e, other, "action");
        if (rc < 0)
            return rc;
        tl_path_key(sub, sizeof(sub), path, "quantity");
        rc = compare_member(ctx, sub, e, other, "quantity");
        if (rc < 0)
            return rc;
        tl_path_key(sub, sizeof(sub), path, "productOffering");
        rc = compare_objects(ctx, sub, json_object_get(e, "productOffering"),
                             json_object_get(other, "productOffering"), NULL);
        if (rc < 0)
            return rc;
        rc = compare_characteristics(ctx, path, e, other);
        if (rc < 0)
            return rc;
        tl_path_key(sub, sizeof(sub), path, "product.place[0]");
        rc = compare_objects(
            ctx, sub, json_array_get(product_part(e, "place"), 0),
            json_array_get(product_part(other, "place"), 0), NULL);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int orders_diff_docs(const json_t *from, const json_t *to, orders_change_fn fn,
                     void *cls, tl_err *err)
{
    diff_ctx ctx = {fn, cls, err, 0};
    int rc;

    rc = compare_objects(&ctx, "", from, to, "productOrderItem");
    if (rc < 0)
        return rc;
    rc = compare_items(&ctx, from, to);
    if (rc < 0)
        return rc;
    return ctx.count;
}
