/*
 * The movement pipeline: each row is checked on its own in C (formats),
 * then all rows together against the database in one query (serials,
 * models, MACs, dates, circuits, orders, references), and written with
 * three set-based statements: receipts, movements, new locations.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dates.h"
#include "provisioning/equipment.h"
#include "provisioning/equipment_internal.h"

/* The jsonb_to_recordset column list every statement reads rows with. */
#define ROWS_RECORD                                                            \
    " jsonb_to_recordset($1::jsonb) AS r(line int, reference text,"            \
    " serial text, mac text, model text, moved_on date, to_kind text,"         \
    " to_ref text, given_ref text, circuit_id text, order_number text)"

static const char *const location_kinds[] = {
    "warehouse", "technician", "customer_site", "returned", "lost", NULL};

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int provisioning_mac_normalize(char *buf, size_t size, const char *text)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char digits[12];
    size_t len = strlen(text);
    size_t n = 0;
    size_t i;
    char sep = 0;
    int group; /* digits between separators: 2 (aa:bb) or 4 (aabb.ccdd) */

    if (size > 0)
        buf[0] = '\0';
    if (size < 18)
        return TL_EINVALID;
    if (len == 17)
        group = 2;
    else if (len == 14)
        group = 4;
    else if (len == 12)
        group = 0;
    else
        return TL_EINVALID;
    for (i = 0; i < len; i++) {
        int v = hexval((unsigned char)text[i]);
        if (group != 0 && (i + 1) % (size_t)(group + 1) == 0) {
            /* a separator position: ':' or '-' for pairs, '.' for quads */
            char c = text[i];
            if ((group == 2 && c != ':' && c != '-') ||
                (group == 4 && c != '.') || (sep != 0 && c != sep))
                return TL_EINVALID;
            sep = c;
            continue;
        }
        if (v < 0 || n >= 12)
            return TL_EINVALID;
        digits[n++] = (unsigned char)v;
    }
    if (n != 12)
        return TL_EINVALID;
    for (i = 0; i < 6; i++) {
        buf[i * 3] = hex[digits[i * 2]];
        buf[i * 3 + 1] = hex[digits[i * 2 + 1]];
        buf[i * 3 + 2] = i < 5 ? ':' : '\0';
    }
    return 0;
}

const char *eq_cell(char *buf, size_t size, int line, const char *col)
{
    if (line > 0)
        snprintf(buf, size, "row[%d].%s", line, col);
    else
        snprintf(buf, size, "%s", col);
    return buf;
}

static int blank(const char *s)
{
    return s == NULL || s[0] == '\0';
}

static int kind_known(const char *kind)
{
    size_t i;

    for (i = 0; location_kinds[i] != NULL; i++)
        if (strcmp(location_kinds[i], kind) == 0)
            return 1;
    return 0;
}

/* A text value with control characters or over max bytes is refused. */
static int check_text(const eq_text_row *in, const char *col, const char *s,
                      size_t max, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const unsigned char *p;

    if (blank(s))
        return 0;
    if (strlen(s) > max)
        return tl_err_add(err, "too_long",
                          eq_cell(field, sizeof(field), in->line, col),
                          "%s is longer than %zu characters", col, max);
    for (p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            return tl_err_add(err, "format",
                              eq_cell(field, sizeof(field), in->line, col),
                              "%s holds a control character", col);
    return 0;
}

/* Copies s without leading and trailing blanks. */
static void trim(char *buf, size_t size, const char *s)
{
    size_t len;

    while (*s == ' ' || *s == '\t')
        s++;
    snprintf(buf, size, "%s", s);
    len = strlen(buf);
    while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
        buf[--len] = '\0';
}

static json_t *opt_string(const char *s)
{
    return blank(s) ? json_null() : json_string(s);
}

int eq_row_add(json_t *rows, const eq_text_row *in, tl_err *err)
{
    char field[TL_ERR_FIELD_MAX];
    const size_t fs = sizeof(field);
    char serial[128] = "";
    char mac[18] = "";
    const char *to_ref = in->to_ref;
    const char *given_ref = NULL;
    tl_date d;
    json_t *row;
    size_t before = err->n_problems;
    int site;

    check_text(in, "reference", in->reference, 95, err);
    check_text(in, "serial", in->serial, 63, err);
    check_text(in, "model", in->model, 47, err);
    check_text(in, "to_ref", in->to_ref, 95, err);
    check_text(in, "circuit_id", in->circuit_id, 47, err);
    check_text(in, "order_number", in->order_number, 23, err);
    if (!blank(in->serial))
        trim(serial, sizeof(serial), in->serial);
    if (serial[0] == '\0')
        tl_err_add(err, "required", eq_cell(field, fs, in->line, "serial"),
                   "serial is required");
    if (!blank(in->mac) &&
        provisioning_mac_normalize(mac, sizeof(mac), in->mac) != 0)
        tl_err_add(err, "format", eq_cell(field, fs, in->line, "mac"),
                   "mac must be a MAC address like aa:bb:cc:dd:ee:ff, not "
                   "\"%.40s\"",
                   in->mac);
    if (blank(in->moved_on))
        tl_err_add(err, "required", eq_cell(field, fs, in->line, "moved_on"),
                   "moved_on is required");
    else if (tl_date_parse(&d, in->moved_on) != 0)
        tl_err_add(err, "format", eq_cell(field, fs, in->line, "moved_on"),
                   "moved_on must be a date YYYY-MM-DD, not \"%.40s\"",
                   in->moved_on);
    site = !blank(in->to_kind) && strcmp(in->to_kind, "customer_site") == 0;
    if (blank(in->to_kind))
        tl_err_add(err, "required", eq_cell(field, fs, in->line, "to_kind"),
                   "to_kind is required");
    else if (!kind_known(in->to_kind))
        tl_err_add(err, "unknown_kind", eq_cell(field, fs, in->line, "to_kind"),
                   "to_kind must be warehouse, technician, customer_site, "
                   "returned or lost, not \"%.40s\"",
                   in->to_kind);
    else if (site && blank(in->circuit_id))
        tl_err_add(err, "required", eq_cell(field, fs, in->line, "circuit_id"),
                   "a move to a customer site names the circuit");
    else if (!site && !blank(in->circuit_id))
        tl_err_add(err, "not_allowed",
                   eq_cell(field, fs, in->line, "circuit_id"),
                   "only a move to a customer site names a circuit");
    else if ((strcmp(in->to_kind, "warehouse") == 0 ||
              strcmp(in->to_kind, "technician") == 0) &&
             blank(in->to_ref))
        tl_err_add(err, "required", eq_cell(field, fs, in->line, "to_ref"),
                   "a move to a %s names it in to_ref", in->to_kind);
    if (err->n_problems > before)
        return TL_EINVALID;
    if (site) {
        /* at a site the location is the circuit; to_ref, when given, is
         * the account number it is checked against */
        given_ref = blank(in->to_ref) ? NULL : in->to_ref;
        to_ref = in->circuit_id;
    }
    row = json_pack("{s:i, s:o, s:s, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:o}",
                    "line", in->line, "reference", opt_string(in->reference),
                    "serial", serial, "mac", opt_string(mac), "model",
                    opt_string(in->model), "moved_on", in->moved_on, "to_kind",
                    in->to_kind, "to_ref", blank(to_ref) ? "" : to_ref,
                    "given_ref", opt_string(given_ref), "circuit_id",
                    opt_string(in->circuit_id), "order_number",
                    opt_string(in->order_number));
    if (row == NULL || json_array_append_new(rows, row) != 0)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    return 0;
}

/* ---- checking against the database ---- */

/* Every problem a set of rows can have against stored state, one query:
 * k holds each row not already recorded under its reference, with the
 * item, circuit, model and order it names and where the item is before
 * the row (the previous row of the same serial in the file, else the
 * item's location). */
static const char *const check_sql =
    "WITH r AS (SELECT * FROM" ROWS_RECORD "),"
    " known AS (SELECT r.line, m.reference IS NOT NULL AS stored,"
    "  (e.serial = r.serial AND m.moved_on = r.moved_on"
    "   AND m.to_kind = r.to_kind AND m.to_ref = r.to_ref) AS same"
    "  FROM r LEFT JOIN provisioning.equipment_movement m"
    "   ON m.reference = r.reference"
    "  LEFT JOIN provisioning.equipment e"
    "   ON e.equipment_id = m.equipment_id),"
    " live AS (SELECT r.*, e.equipment_id, e.model AS e_model,"
    "  e.mac AS e_mac, e.location_kind AS e_kind, e.location_ref AS e_ref,"
    "  e.account_id AS e_account,"
    "  (SELECT max(mv.moved_on) FROM provisioning.equipment_movement mv"
    "   WHERE mv.equipment_id = e.equipment_id) AS e_last_on,"
    "  s.account_id AS c_account, s.state AS c_state,"
    "  ba.account_number AS c_number, md.model AS md_model, md.needs_mac,"
    "  o.account_id AS o_account,"
    "  row_number() OVER w AS nth, lag(r.to_kind) OVER w AS p_kind,"
    "  lag(r.to_ref) OVER w AS p_ref, lag(r.moved_on) OVER w AS p_on,"
    "  lag(s.account_id) OVER w AS p_account,"
    "  first_value(r.model) OVER w AS f_model,"
    "  first_value(r.mac) OVER w AS f_mac"
    "  FROM r JOIN known k ON k.line = r.line AND NOT k.stored"
    "  LEFT JOIN provisioning.equipment e ON e.serial = r.serial"
    "  LEFT JOIN provisioning.service s ON s.circuit_id = r.circuit_id"
    "  LEFT JOIN accounts.billing_account ba ON ba.account_id = s.account_id"
    "  LEFT JOIN provisioning.equipment_model md ON md.model = r.model"
    "  LEFT JOIN orders.sales_order o ON o.order_number = r.order_number"
    "  WINDOW w AS (PARTITION BY r.serial ORDER BY r.line)),"
    " k AS (SELECT live.*,"
    "  CASE WHEN nth > 1 THEN p_kind ELSE e_kind END AS from_kind,"
    "  CASE WHEN nth > 1 THEN p_ref ELSE e_ref END AS from_ref,"
    "  CASE WHEN nth > 1 THEN p_account ELSE e_account END AS from_account,"
    "  CASE WHEN nth > 1 THEN p_on ELSE e_last_on END AS last_on,"
    "  CASE WHEN equipment_id IS NOT NULL THEN e_model ELSE f_model END"
    "   AS x_model,"
    "  CASE WHEN equipment_id IS NOT NULL THEN e_mac ELSE f_mac END AS x_mac"
    "  FROM live)"
    " SELECT line, col, code, message FROM ("
    " SELECT r.line, 'reference' AS col, 'conflict' AS code,"
    "  format('reference %s is already recorded for another movement',"
    "  r.reference) AS message"
    "  FROM r JOIN known USING (line) WHERE known.stored AND NOT known.same"
    " UNION ALL SELECT line, 'reference', 'duplicate',"
    "  format('reference %s is also on row %s', reference, first_line)"
    "  FROM (SELECT line, reference,"
    "   min(line) OVER (PARTITION BY reference) AS first_line"
    "   FROM r WHERE reference IS NOT NULL) d WHERE line <> first_line"
    " UNION ALL SELECT line, 'serial', 'unknown_serial',"
    "  format('serial %s is not in inventory (give its model to receive it)',"
    "  serial) FROM k WHERE equipment_id IS NULL AND nth = 1"
    "  AND model IS NULL"
    " UNION ALL SELECT line, 'model', 'unknown_model',"
    "  format('model %s is not a known equipment model', model)"
    "  FROM k WHERE model IS NOT NULL AND md_model IS NULL"
    " UNION ALL SELECT line, 'to_kind', 'receive_to_warehouse',"
    "  format('serial %s is new: it is received into a warehouse first,"
    " not to %s', serial, to_kind)"
    "  FROM k WHERE equipment_id IS NULL AND nth = 1"
    "  AND model IS NOT NULL AND to_kind <> 'warehouse'"
    " UNION ALL SELECT line, 'model', 'mismatch',"
    "  format('serial %s is a %s, not a %s', serial, x_model, model)"
    "  FROM k WHERE model IS NOT NULL AND md_model IS NOT NULL"
    "  AND model <> x_model"
    " UNION ALL SELECT line, 'mac', 'required',"
    "  format('model %s is received with its MAC address', model)"
    "  FROM k WHERE equipment_id IS NULL AND nth = 1 AND needs_mac"
    "  AND mac IS NULL"
    " UNION ALL SELECT line, 'mac', 'mismatch',"
    "  format('serial %s has MAC %s, not %s', serial,"
    "  coalesce(x_mac, 'none'), mac)"
    "  FROM k WHERE mac IS NOT NULL AND (equipment_id IS NOT NULL"
    "  OR nth > 1) AND mac IS DISTINCT FROM x_mac"
    " UNION ALL SELECT k.line, 'mac', 'duplicate',"
    "  format('MAC %s belongs to serial %s', k.mac, o.serial)"
    "  FROM k JOIN provisioning.equipment o"
    "   ON o.mac = k.mac AND o.serial <> k.serial"
    "  WHERE k.equipment_id IS NULL AND k.nth = 1"
    " UNION ALL SELECT line, 'mac', 'duplicate',"
    "  format('MAC %s is also given to serial %s on row %s', mac,"
    "  o_serial, o_line)"
    "  FROM (SELECT line, mac, serial,"
    "   first_value(serial) OVER m AS o_serial,"
    "   first_value(line) OVER m AS o_line"
    "   FROM k WHERE equipment_id IS NULL AND nth = 1 AND mac IS NOT NULL"
    "   WINDOW m AS (PARTITION BY mac ORDER BY line)) d"
    "  WHERE serial <> o_serial"
    " UNION ALL SELECT line, 'moved_on', 'out_of_order',"
    "  format('serial %s last moved on %s; a movement cannot be dated"
    " before that', serial, last_on)"
    "  FROM k WHERE moved_on < last_on"
    " UNION ALL SELECT line, 'to_kind', 'no_move',"
    "  format('serial %s is already at %s %s', serial, to_kind, to_ref)"
    "  FROM k WHERE from_kind = to_kind AND from_ref = to_ref"
    " UNION ALL SELECT line, 'circuit_id', 'unknown_circuit',"
    "  format('circuit %s is not in the inventory', circuit_id)"
    "  FROM k WHERE circuit_id IS NOT NULL AND c_state IS NULL"
    " UNION ALL SELECT line, 'circuit_id', 'disconnected',"
    "  format('circuit %s is disconnected; nothing is installed for it',"
    "  circuit_id) FROM k WHERE c_state = 'disconnected'"
    " UNION ALL SELECT line, 'to_ref', 'mismatch',"
    "  format('circuit %s belongs to account %s, not %s', circuit_id,"
    "  c_number, given_ref)"
    "  FROM k WHERE given_ref IS NOT NULL AND c_number IS NOT NULL"
    "  AND given_ref <> c_number"
    " UNION ALL SELECT line, 'order_number', 'unknown_order',"
    "  format('order %s does not exist', order_number)"
    "  FROM k WHERE order_number IS NOT NULL AND o_account IS NULL"
    " UNION ALL SELECT line, 'order_number', 'wrong_account',"
    "  format('order %s is not an order of the account at the site',"
    "  order_number)"
    "  FROM k WHERE o_account IS NOT NULL"
    "  AND (c_account IS NOT NULL OR from_account IS NOT NULL)"
    "  AND o_account IS DISTINCT FROM c_account"
    "  AND o_account IS DISTINCT FROM from_account"
    " ) p ORDER BY line, col, code";

typedef struct check_ctx {
    int problems;
} check_ctx;

static int problem_row(const tl_row *row, void *cls, tl_err *err)
{
    check_ctx *ctx = cls;
    char field[TL_ERR_FIELD_MAX];
    const char *col = NULL;
    const char *code = NULL;
    const char *msg = NULL;
    int line = 0;

    if (tl_row_int(row, "line", &line, err) < 0 ||
        tl_row_text(row, "col", &col, err) < 0 ||
        tl_row_text(row, "code", &code, err) < 0 ||
        tl_row_text(row, "message", &msg, err) < 0)
        return TL_ERROR;
    ctx->problems++;
    tl_err_add(err, code, eq_cell(field, sizeof(field), line, col), "%s", msg);
    return 0;
}

static int check_rows(tl_db *db, const char *rows_text, tl_err *err)
{
    check_ctx ctx = {0};
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, rows_text);
    rc = tl_db_select(db, "provisioning_equipment_check", check_sql, &p,
                      problem_row, &ctx, err);
    if (rc < 0)
        return rc;
    return ctx.problems > 0 ? TL_EINVALID : 0;
}

/* ---- writing ---- */

static int write_rows(eq_counts *out, tl_db *db, const char *rows_text,
                      int64_t load_id, const char *actor, tl_err *err)
{
    tl_params p;
    int rc;

    tl_params_init(&p);
    tl_params_text(&p, rows_text);
    rc = tl_db_exec(
        db, "provisioning_equipment_receive",
        "INSERT INTO provisioning.equipment (serial, mac, model, status,"
        " location_kind, location_ref)"
        " SELECT DISTINCT ON (r.serial) r.serial, r.mac, r.model,"
        " 'in_stock', r.to_kind, r.to_ref FROM" ROWS_RECORD
        " WHERE NOT EXISTS (SELECT 1 FROM provisioning.equipment e"
        "  WHERE e.serial = r.serial)"
        " ORDER BY r.serial, r.line",
        &p, err);
    if (rc < 0)
        return rc;
    out->received = rc;
    tl_params_text(&p, actor);
    if (load_id > 0)
        tl_params_int64(&p, load_id);
    else
        tl_params_null(&p);
    rc = tl_db_exec(
        db, "provisioning_equipment_movements_insert",
        "INSERT INTO provisioning.equipment_movement (equipment_id, seq,"
        " moved_on, from_kind, from_ref, from_account_id, to_kind, to_ref,"
        " account_id, address_id, circuit_id, order_number, reference,"
        " actor, load_id)"
        " SELECT equipment_id, seq, moved_on, from_kind, from_ref,"
        " from_account, to_kind, to_ref, account_id, address_id, circuit_id,"
        " order_number,"
        " coalesce(reference, 'auto-' || equipment_id || '-' || seq),"
        " $2, $3::bigint FROM ("
        "  SELECT e.equipment_id, e.last_seq + row_number() OVER w AS seq,"
        "  r.moved_on,"
        "  CASE WHEN row_number() OVER w > 1 THEN lag(r.to_kind) OVER w"
        "   WHEN e.last_seq > 0 THEN e.location_kind END AS from_kind,"
        "  CASE WHEN row_number() OVER w > 1 THEN lag(r.to_ref) OVER w"
        "   WHEN e.last_seq > 0 THEN e.location_ref END AS from_ref,"
        "  CASE WHEN row_number() OVER w > 1 THEN lag(s.account_id) OVER w"
        "   WHEN e.last_seq > 0 THEN e.account_id END AS from_account,"
        "  r.to_kind, r.to_ref, s.account_id, s.address_id, s.circuit_id,"
        "  r.order_number, r.reference"
        "  FROM" ROWS_RECORD
        "  JOIN provisioning.equipment e ON e.serial = r.serial"
        "  LEFT JOIN provisioning.service s ON s.circuit_id = r.circuit_id"
        "   AND r.to_kind = 'customer_site'"
        "  WHERE NOT EXISTS (SELECT 1 FROM provisioning.equipment_movement m"
        "   WHERE m.reference = r.reference)"
        "  WINDOW w AS (PARTITION BY r.serial ORDER BY r.line)) x",
        &p, err);
    if (rc < 0)
        return rc;
    out->movements = rc;
    tl_params_init(&p);
    tl_params_text(&p, rows_text);
    rc = tl_db_exec(
        db, "provisioning_equipment_relocate",
        "UPDATE provisioning.equipment e SET location_kind = m.to_kind,"
        " location_ref = m.to_ref, account_id = m.account_id,"
        " address_id = m.address_id, circuit_id = m.circuit_id,"
        " status = CASE m.to_kind WHEN 'warehouse' THEN 'in_stock'"
        "  WHEN 'technician' THEN 'assigned'"
        "  WHEN 'customer_site' THEN 'installed' ELSE m.to_kind END,"
        " last_seq = m.seq, updated_at = now()"
        " FROM (SELECT DISTINCT ON (mv.equipment_id) mv.*"
        "  FROM provisioning.equipment_movement mv"
        "  JOIN provisioning.equipment x USING (equipment_id)"
        "  WHERE x.serial IN (SELECT r.serial FROM" ROWS_RECORD ")"
        "  ORDER BY mv.equipment_id, mv.seq DESC) m"
        " WHERE e.equipment_id = m.equipment_id AND m.seq > e.last_seq",
        &p, err);
    return rc < 0 ? rc : 0;
}

int eq_check(tl_db *db, const json_t *rows, tl_err *err)
{
    char *text = json_dumps(rows, JSON_COMPACT);
    int rc;

    if (text == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    rc = check_rows(db, text, err);
    free(text);
    return rc;
}

int eq_apply(eq_counts *out, tl_db *db, const json_t *rows, int64_t load_id,
             const char *actor, tl_err *err)
{
    char *text = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    text = json_dumps(rows, JSON_COMPACT);
    if (text == NULL)
        return tl_err_set(err, TL_ERROR, "oom", "", "out of memory");
    rc = check_rows(db, text, err);
    if (rc == 0)
        rc = write_rows(out, db, text, load_id, actor, err);
    free(text);
    return rc;
}
