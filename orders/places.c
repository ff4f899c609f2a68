/*
 * The places of an order item (TMF622 product.place[]): the roles the
 * catalog product takes — one serviceAddress, or aLocation and zLocation
 * for a point-to-point private line — each a postal address that must be
 * in the address master.
 *
 * A place may leave its role out when the product takes a single role.
 * Every role is needed once; the two ends of a private line must be two
 * different addresses.
 */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "orders/orders_internal.h"

static const char *const default_roles[] = {"serviceAddress"};

typedef struct place_roles {
    const char *name[ORDERS_MAX_PLACES];
    int n;
} place_roles;

static place_roles roles_of(const catalog_product_t *product)
{
    place_roles r;
    int i;

    memset(&r, 0, sizeof(r));
    if (product == NULL || product->n_place_roles == 0) {
        r.name[0] = default_roles[0];
        r.n = 1;
        return r;
    }
    for (i = 0; i < product->n_place_roles && i < ORDERS_MAX_PLACES; i++)
        r.name[r.n++] = product->place_roles[i];
    return r;
}

static int role_index(const place_roles *r, const char *role)
{
    int i;

    for (i = 0; i < r->n; i++)
        if (strcmp(r->name[i], role) == 0)
            return i;
    return -1;
}

static void list_roles(char *buf, size_t size, const place_roles *r)
{
    int i;

    buf[0] = '\0';
    for (i = 0; i < r->n; i++)
        snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
                 i == 0 ? "" : (i == r->n - 1 ? " and " : ", "), r->name[i]);
}

/* Reads one place's postal address and finds it in the address master. */
static void read_address(order_place *pl, tl_db *db, const json_t *place,
                         const char *field, int *db_rc, tl_err *err)
{
    const char *nr = NULL;
    accounts_address_t addr;
    tl_err lookup = TL_ERR_INIT;
    int rc;

    memset(&addr, 0, sizeof(addr));
    tl_json_str(place, "streetNr", field, 0, 16, &nr, err);
    tl_json_str(place, "streetName", field, 1, 100, &addr.line1, err);
    tl_json_str(place, "city", field, 1, 80, &addr.city, err);
    tl_json_str(place, "stateOrProvince", field, 1, 40, &addr.region, err);
    tl_json_str(place, "postcode", field, 1, 16, &addr.postcode, err);
    tl_json_str(place, "country", field, 1, 2, &addr.country, err);
    if (addr.line1 == NULL || addr.city == NULL || addr.region == NULL ||
        addr.postcode == NULL || addr.country == NULL)
        return;
    if (nr != NULL) {
        snprintf(pl->street, sizeof(pl->street), "%s %s", nr, addr.line1);
        addr.line1 = pl->street;
    }
    rc = accounts_address_find(&pl->address_id, db, &addr, &lookup);
    if (rc == TL_ENOTFOUND) {
        tl_err_add(err, "unknown_address", field,
                   "service address \"%s, %s %s %s\" is not in the address "
                   "master",
                   addr.line1, addr.city, addr.region, addr.postcode);
        pl->unknown = 1;
        pl->address = addr;
        snprintf(pl->path, sizeof(pl->path), "%s", field);
    } else if (rc < 0) {
        *db_rc = rc;
        tl_err_set(err, rc, lookup.code, lookup.field, "%s", lookup.message);
    }
    tl_err_clear(&lookup);
}

/* Which role a place is for: its own, or the only one the product takes.
 * -1 (with the problem added) when it does not fit. */
static int place_slot(const order_item_doc *it, const place_roles *r,
                      const json_t *place, const char *field, tl_err *err)
{
    const char *role = NULL;
    char rpath[TL_ERR_FIELD_MAX];
    char expected[128];
    int slot;

    tl_json_str(place, "role", field, r->n > 1, 24, &role, err);
    if (role == NULL)
        return r->n == 1 ? 0 : -1;
    tl_path_key(rpath, sizeof(rpath), field, "role");
    slot = role_index(r, role);
    if (slot < 0) {
        list_roles(expected, sizeof(expected), r);
        tl_err_add(err, "unknown_place_role", rpath,
                   "%s takes %s places, not \"%s\"",
                   it->product_id ? it->product_id : "this product", expected,
                   role);
        return -1;
    }
    if (it->places[slot].given) {
        tl_err_add(err, "duplicate", rpath, "the %s is given twice", role);
        return -1;
    }
    return slot;
}

void order_read_places(order_item_doc *it, tl_db *db, const json_t *product,
                       const char *product_path,
                       const catalog_product_t *catalog_product, int *db_rc,
                       tl_err *err)
{
    place_roles r = roles_of(catalog_product);
    const json_t *places = NULL;
    char base[TL_ERR_FIELD_MAX];
    char field[TL_ERR_FIELD_MAX];
    char expected[128];
    size_t i;
    int slot;

    if (tl_json_array(product, "place", product_path, 1, 1, 4, &places,
                      err) != 0 ||
        places == NULL)
        return;
    tl_path_key(base, sizeof(base), product_path, "place");
    for (i = 0; i < json_array_size(places) && *db_rc == 0; i++) {
        const json_t *place = json_array_get(places, i);
        const json_t *address;
        char apath[TL_ERR_FIELD_MAX];

        tl_path_index(field, sizeof(field), base, i);
        if (!json_is_object(place)) {
            tl_err_add(err, "type", field, "a place must be an object");
            continue;
        }
        slot = place_slot(it, &r, place, field, err);
        if (slot < 0)
            continue;
        it->places[slot].given = 1;
        snprintf(it->places[slot].role, sizeof(it->places[slot].role), "%s",
                 r.name[slot]);
        /* v5: {"role", "place": {GeographicAddress}}; v4: the address */
        address = json_object_get(place, "place");
        if (json_is_object(address))
            tl_path_key(apath, sizeof(apath), field, "place");
        else {
            address = place;
            snprintf(apath, sizeof(apath), "%s", field);
        }
        read_address(&it->places[slot], db, address, apath, db_rc, err);
    }
    for (slot = 0; slot < r.n; slot++) {
        if (it->places[slot].given)
            continue;
        list_roles(expected, sizeof(expected), &r);
        tl_err_add(err, "required", base, "%s needs %s; %s is missing",
                   it->product_id ? it->product_id : "this product", expected,
                   r.name[slot]);
    }
    it->n_places = r.n;
    it->address_id = it->places[0].address_id;
    if (r.n > 1 && it->places[0].address_id != 0 &&
        it->places[0].address_id == it->places[1].address_id)
        tl_err_add(err, "same_location", base,
                   "the %s and the %s are the same address; a point-to-point "
                   "circuit joins two locations",
                   r.name[0], r.name[1]);
}
