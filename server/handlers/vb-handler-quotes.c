/* vb-handler-quotes.c — quotes, their versions, per-line approval and the
 * deferred work declined lines leave behind (S5; docs/api-billing.md).
 *
 * A work order has one quote; the quote has numbered versions.  A draft
 * version is edited by replacing its lines; sending it (or recording the
 * first decision) freezes it, and a change after that is a new version.
 * The pricing (labor rate, part prices, tax per line, rounding), the
 * evidence each approval channel needs, deferred work and moving the work
 * order on are rules in 0009-billing.sql, so they hold for sync pushes too;
 * this file checks the request's shape, scopes it (billing.read to see,
 * billing.manage to write, at the work order's location) and names fields
 * inside arrays ("lines[2].quantity", "decisions[0].quote_line_id").
 * Replies are built by vb_quote_version_json / vb_quote_json in SQL.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

#define ORDER_SCOPE_SQL \
  "SELECT w.id, vb_has_permission($2::uuid, 'billing.read', w.location_id) AS _read," \
  "       vb_has_permission($2::uuid, 'billing.manage', w.location_id) AS _may" \
  "  FROM work_orders w WHERE w.id = $1::uuid"

#define VERSION_SCOPE_SQL \
  "SELECT v.id, v.status, v.version, v.quote_id, vb_has_permission($2::uuid, 'billing.read', v.location_id) AS _read," \
  "       vb_has_permission($2::uuid, 'billing.manage', v.location_id) AS _may" \
  "  FROM quote_versions v WHERE v.id = $1::uuid"

#define MANAGE_REFUSAL "Writing quotes needs billing.manage at the work order's location"

static const char * const line_kinds[] = { "labor", "part", "fee", "discount", NULL };
static const char * const decisions[] = { "approved", "declined", NULL };
static const char * const channels[] = { "in_person", "phone", "email", NULL };
static const char * const resolutions[] = { "accepted", "done_elsewhere", "dismissed", NULL };

static const VbHandlerField line_fields[] = {
  { "kind",            VB_HANDLER_FIELD_CHOICE, TRUE,  FALSE, 0, 0,   line_kinds },
  { "description",     VB_HANDLER_FIELD_TEXT,   FALSE, TRUE,  1, 500, NULL },
  { "quantity",        VB_HANDLER_FIELD_NUMBER, FALSE, TRUE,  0, 0,   NULL },
  { "service_type_id", VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,   NULL },
  { "task_id",         VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,   NULL },
  { "part_id",         VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,   NULL },
  { "tax_name",        VB_HANDLER_FIELD_TEXT,   FALSE, TRUE,  1, 100, NULL },
};

static const VbHandlerField version_fields[] = {
  { "notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 2000, NULL },
};

static const VbHandlerField decision_fields[] = {
  { "channel",                 VB_HANDLER_FIELD_CHOICE,    TRUE,  FALSE, 0, 0,     channels },
  { "signature_attachment_id", VB_HANDLER_FIELD_UUID,      FALSE, TRUE,  0, 0,     NULL },
  { "phone_number",            VB_HANDLER_FIELD_TEXT,      FALSE, TRUE,  3, 40,    NULL },
  { "email_reply",             VB_HANDLER_FIELD_TEXT,      FALSE, TRUE,  1, 10000, NULL },
  { "email_message_id",        VB_HANDLER_FIELD_TEXT,      FALSE, TRUE,  1, 500,   NULL },
  { "notes",                   VB_HANDLER_FIELD_TEXT,      FALSE, FALSE, 0, 2000,  NULL },
  { "decided_at",              VB_HANDLER_FIELD_TIMESTAMP, FALSE, FALSE, 0, 0,     NULL },
};

static const VbHandlerField decision_item_fields[] = {
  { "quote_line_id", VB_HANDLER_FIELD_UUID,   TRUE, FALSE, 0, 0, NULL },
  { "decision",      VB_HANDLER_FIELD_CHOICE, TRUE, FALSE, 0, 0, decisions },
};

static const VbHandlerField resolve_fields[] = {
  { "resolution", VB_HANDLER_FIELD_CHOICE, TRUE, FALSE, 0, 0, resolutions },
};

/* ------------------------------------------------------------ helpers --- */

static gboolean
fetch_version (VbDbConn    *conn,
               const char  *id,
               JsonNode   **result,
               GError     **error)
{
  return vb_handler_fetch_json (conn, "SELECT vb_quote_version_json($1::uuid)", id, "quote version", result, error);
}

/* An error about a member of element index of array names it "array[index].member";
 * state conflicts (status) stay as they are. */
static void
prefix_field (GError     *error,
              const char *array,
              guint       index)
{
  const char *field = error ? vb_error_get_field (error) : NULL;
  g_autofree char *prefixed = NULL;

  if (field == NULL || g_str_equal (field, "status") || g_str_equal (field, "lines")
      || g_str_has_prefix (field, array))
    return;
  prefixed = g_strdup_printf ("%s[%u].%s", array, index, field);
  vb_error_set_field (error, prefixed);
}

/* unit_price: {"amount": integer (negative for a discount), "currency": "ABC"}. */
static gboolean
check_unit_price (JsonObject  *line,
                  const char  *prefix,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (line, "unit_price");
  JsonObject *money;
  JsonNode *amount;
  const char *currency;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return vb_set_validation_error (error, "unit_price", "%sunit_price must be {\"amount\": integer, \"currency\": \"ABC\"}",
                                    prefix), FALSE;
  money = json_node_get_object (node);
  amount = json_object_get_member (money, "amount");
  currency = vb_handler_string_member (money, "currency");
  if (amount == NULL || !JSON_NODE_HOLDS_VALUE (amount) || json_node_get_value_type (amount) != G_TYPE_INT64)
    return vb_set_validation_error (error, "unit_price", "%sunit_price.amount must be an integer (minor units)",
                                    prefix), FALSE;
  if (currency == NULL || !g_regex_match_simple ("^[A-Z]{3}$", currency, 0, 0))
    return vb_set_validation_error (error, "unit_price", "%sunit_price.currency must be an ISO 4217 code",
                                    prefix), FALSE;
  return TRUE;
}

/* The lines array: each line's members, and what its kind needs. */
static gboolean
check_lines (JsonObject  *body,
             gboolean     required,
             GError     **error)
{
  JsonNode *node = json_object_get_member (body, "lines");
  JsonArray *lines;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        return vb_set_validation_error (error, "lines", "lines is required"), FALSE;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) > 200)
    return vb_set_validation_error (error, "lines", "lines must be an array of at most 200 lines"), FALSE;
  lines = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonNode *item = json_array_get_element (lines, i);
      g_autofree char *prefix = g_strdup_printf ("lines[%u].", i);
      JsonObject *line;
      const char *kind;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        return vb_set_validation_error (error, "lines", "%s must be an object", prefix), FALSE;
      line = json_node_get_object (item);
      if (!vb_handler_check_fields (line, line_fields, G_N_ELEMENTS (line_fields), TRUE, prefix, error))
        return FALSE;
      if (!check_unit_price (line, prefix, error))
        {
          prefix_field (*error, "lines", i);
          return FALSE;
        }
      kind = json_object_get_string_member (line, "kind");
      if (vb_handler_has_member (line, "quantity") && json_object_get_double_member (line, "quantity") <= 0)
        return vb_set_validation_error (error, "quantity", "%squantity must be more than 0", prefix),
               prefix_field (*error, "lines", i), FALSE;
      if (g_str_equal (kind, "part") && !vb_handler_has_member (line, "part_id"))
        return vb_set_validation_error (error, "part_id", "%sa part line needs part_id", prefix),
               prefix_field (*error, "lines", i), FALSE;
      if (g_str_equal (kind, "labor") && !vb_handler_has_member (line, "quantity")
          && !vb_handler_has_member (line, "service_type_id"))
        return vb_set_validation_error (error, "quantity", "%sa labor line needs quantity (hours) or service_type_id",
                                        prefix), prefix_field (*error, "lines", i), FALSE;
      if ((g_str_equal (kind, "fee") || g_str_equal (kind, "discount"))
          && !vb_handler_has_member (line, "unit_price"))
        return vb_set_validation_error (error, "unit_price", "%sa %s line needs unit_price", prefix, kind),
               prefix_field (*error, "lines", i), FALSE;
      if ((g_str_equal (kind, "fee") || g_str_equal (kind, "discount")) && !vb_handler_has_member (line, "description"))
        return vb_set_validation_error (error, "description", "%sa %s line needs a description", prefix, kind),
               prefix_field (*error, "lines", i), FALSE;
    }
  return TRUE;
}

/* Writes the version's lines: the body's, or (lines absent) a labor line
 * per open task at its service type's standard time. */
static gboolean
insert_lines (VbDbConn    *conn,
              const char  *version_id,
              JsonObject  *body,
              GError     **error)
{
  JsonNode *node = json_object_get_member (body, "lines");
  JsonArray *lines;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      g_autoptr(PGresult) res = vb_db_execv (conn, error,
        "INSERT INTO quote_lines (quote_version_id, position, kind, description, service_type_id, task_id, quantity)"
        " SELECT $1::uuid, row_number() OVER (ORDER BY t.position, t.id), 'labor', coalesce(st.name, t.title),"
        "        t.service_type_id, t.id,"
        "        coalesce(nullif(st.standard_labor_tenths, 0), nullif(t.estimated_tenths, 0)) / 10.0"
        "   FROM quote_versions v JOIN work_order_tasks t ON t.work_order_id = v.work_order_id"
        "   LEFT JOIN service_types st ON st.id = t.service_type_id"
        "  WHERE v.id = $1::uuid AND t.status <> 'cancelled'"
        "    AND coalesce(nullif(st.standard_labor_tenths, 0), nullif(t.estimated_tenths, 0)) IS NOT NULL",
        version_id);
      return res != NULL;
    }
  lines = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      g_autofree char *line = vb_json_object_to_string (json_array_get_object_element (lines, i), NULL);
      g_autofree char *position = g_strdup_printf ("%u", i + 1);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(PGresult) res = vb_db_execv (conn, &local_error,
        "INSERT INTO quote_lines (quote_version_id, position, kind, description, service_type_id, task_id,"
        "                         part_id, quantity, unit_price_amount, currency, tax_name)"
        " SELECT $1::uuid, $2::int, b ->> 'kind', b ->> 'description', (b ->> 'service_type_id')::uuid,"
        "        (b ->> 'task_id')::uuid, (b ->> 'part_id')::uuid,"
        "        coalesce((b ->> 'quantity')::numeric,"
        "                 CASE WHEN b ->> 'kind' = 'labor'"
        "                      THEN (SELECT nullif(st.standard_labor_tenths, 0) / 10.0 FROM service_types st"
        "                             WHERE st.id = (b ->> 'service_type_id')::uuid) ELSE 1 END),"
        "        (b -> 'unit_price' ->> 'amount')::bigint, b -> 'unit_price' ->> 'currency', b ->> 'tax_name'"
        "   FROM (SELECT $3::jsonb AS b) x",
        version_id, position, line);

      if (res == NULL)
        {
          prefix_field (local_error, "lines", i);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
  return TRUE;
}

/* ------------------------------------------------------------ versions --- */

typedef struct
{
  VbHandlerWrite  w;
  JsonObject     *body;
} Write;

static gboolean
create_version_txn (VbDbConn  *conn,
                    gpointer   user_data,
                    GError   **error)
{
  Write *c = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) quote = NULL;
  g_autoptr(PGresult) version = NULL;
  const char *version_id;

  scope = vb_handler_scope (conn, ORDER_SCOPE_SQL, c->w.parent_id, c->w.user_id, "work order", MANAGE_REFUSAL, error);
  if (scope == NULL)
    return FALSE;
  quote = vb_db_execv (conn, error,
    "WITH ins AS (INSERT INTO quotes (work_order_id, location_id, customer_id, currency, created_by)"
    "             SELECT w.id, w.location_id, w.customer_id, l.currency, $2::uuid"
    "               FROM work_orders w JOIN locations l ON l.id = w.location_id WHERE w.id = $1::uuid"
    "             ON CONFLICT (work_order_id) DO NOTHING RETURNING id)"
    " SELECT id FROM ins UNION ALL SELECT id FROM quotes WHERE work_order_id = $1::uuid",
    c->w.parent_id, c->w.user_id);
  if (quote == NULL)
    return FALSE;
  version = vb_db_execv (conn, error,
    "INSERT INTO quote_versions (quote_id, notes, created_by)"
    " VALUES ($1::uuid, coalesce($2::jsonb ->> 'notes', ''), $3::uuid) RETURNING id",
    vb_db_get (quote, 0, 0), c->w.body, c->w.user_id);
  if (version == NULL)
    return FALSE;
  version_id = vb_db_get (version, 0, 0);
  return insert_lines (conn, version_id, c->body, error)
         && fetch_version (conn, version_id, &c->w.result, error);
}

/* POST /work-orders/{id}/quote/versions {"lines"?, "notes"?} */
static gboolean
create_version (VbRequest  *req,
                GError    **error)
{
  Write c = { { 0 }, NULL };
  gboolean ok;

  if ((c.w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (vb_handler_has_body (req))
    c.body = vb_handler_read_body (req, FALSE, &c.w, error);
  else
    {
      c.body = json_object_new ();
      c.w.body = g_strdup ("{}");
      c.w.user_id = vb_request_get_principal (req)->user_id;
    }
  ok = c.body != NULL
       && vb_handler_check_fields (c.body, version_fields, G_N_ELEMENTS (version_fields), FALSE, NULL, error)
       && check_lines (c.body, FALSE, error)
       && vb_request_transaction (req, create_version_txn, &c, error);
  if (ok)
    vb_handler_reply_created (req, "/api/v1/quote-versions", &c.w.result);
  vb_handler_write_clear (&c.w);
  g_clear_pointer (&c.body, json_object_unref);
  return ok;
}

/* The version's scope row, checked for billing.manage, its version and a draft status. */
static PGresult *
scope_draft (VbDbConn        *conn,
             VbHandlerWrite  *w,
             const char      *action,
             GError         **error)
{
  g_autoptr(PGresult) scope = vb_handler_scope (conn, VERSION_SCOPE_SQL, w->id, w->user_id, "quote version",
                                                MANAGE_REFUSAL, error);
  g_autoptr(JsonNode) current = NULL;

  if (scope == NULL)
    return NULL;
  if (w->version != NULL && vb_db_get_int (scope, 0, PQfnumber (scope, "version")) != g_ascii_strtoll (w->version, NULL, 10))
    {
      if (fetch_version (conn, w->id, &current, error))
        g_propagate_error (error, vb_handler_version_conflict (g_steal_pointer (&current)));
      return NULL;
    }
  if (!g_str_equal (vb_db_get (scope, 0, PQfnumber (scope, "status")), "draft"))
    {
      vb_handler_conflict (error, "status", "Quote version is %s: %s", vb_db_get (scope, 0, PQfnumber (scope, "status")),
                           action);
      return NULL;
    }
  return g_steal_pointer (&scope);
}

static gboolean
replace_lines_txn (VbDbConn  *conn,
                   gpointer   user_data,
                   GError   **error)
{
  Write *c = user_data;
  g_autoptr(PGresult) scope = scope_draft (conn, &c->w, "make a new version to change it", error);
  g_autoptr(PGresult) del = NULL;
  g_autoptr(PGresult) upd = NULL;

  if (scope == NULL)
    return FALSE;
  del = vb_db_execv (conn, error, "DELETE FROM quote_lines WHERE quote_version_id = $1::uuid", c->w.id);
  if (del == NULL)
    return FALSE;
  /* Touching the version bumps its version number (every PUT is a change). */
  upd = vb_db_execv (conn, error,
    "UPDATE quote_versions SET notes = coalesce($2::jsonb ->> 'notes', notes) WHERE id = $1::uuid RETURNING id",
    c->w.id, c->w.body);
  return upd != NULL
         && insert_lines (conn, c->w.id, c->body, error)
         && fetch_version (conn, c->w.id, &c->w.result, error);
}

/* PUT /quote-versions/{id} {"version", "lines", "notes"?}: a draft's lines, replaced. */
static gboolean
replace_lines (VbRequest  *req,
               GError    **error)
{
  Write c = { { 0 }, NULL };
  gboolean ok;

  if ((c.w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  c.body = vb_handler_read_body (req, TRUE, &c.w, error);
  ok = c.body != NULL
       && vb_handler_check_fields (c.body, version_fields, G_N_ELEMENTS (version_fields), FALSE, NULL, error)
       && check_lines (c.body, TRUE, error)
       && vb_handler_transact_reply (req, replace_lines_txn, &c, 200, &c.w.result, error);
  vb_handler_write_clear (&c.w);
  g_clear_pointer (&c.body, json_object_unref);
  return ok;
}

static gboolean
send_txn (VbDbConn  *conn,
          gpointer   user_data,
          GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = scope_draft (conn, w, "it was sent already", error);
  g_autoptr(PGresult) upd = NULL;

  if (scope == NULL)
    return FALSE;
  upd = vb_db_execv (conn, error, "UPDATE quote_versions SET status = 'sent' WHERE id = $1::uuid RETURNING id", w->id);
  return upd != NULL && fetch_version (conn, w->id, &w->result, error);
}

/* POST /quote-versions/{id}/send {"version"?}: frozen from now on. */
static gboolean
send_version (VbRequest  *req,
              GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (vb_handler_has_body (req)
      && ((body = vb_request_parse_body (req, error)) == NULL
          || !vb_handler_optional_version (body, &w.version, error)))
    return FALSE;
  w.user_id = vb_request_get_principal (req)->user_id;
  return vb_handler_transact_reply (req, send_txn, &w, 200, &w.result, error);
}

static gboolean
get_version (VbRequest  *req,
             GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT vb_quote_version_json(v.id) FROM quote_versions v"
    " WHERE v.id = $1::uuid AND vb_has_permission($2::uuid, 'billing.read', v.location_id)",
    id, vb_request_get_principal (req)->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "quote version");
  vb_request_reply_json (req, 200, json_from_string (vb_db_get (res, 0, 0), NULL));
  return TRUE;
}

/* GET /work-orders/{id}/quote: the quote with every version. */
static gboolean
get_quote (VbRequest  *req,
           GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT vb_quote_json(q.id) FROM quotes q"
    " WHERE q.work_order_id = $1::uuid AND vb_has_permission($2::uuid, 'billing.read', q.location_id)",
    id, vb_request_get_principal (req)->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "quote");
  vb_request_reply_json (req, 200, json_from_string (vb_db_get (res, 0, 0), NULL));
  return TRUE;
}

/* ----------------------------------------------------------- decisions --- */

static gboolean
check_decisions (JsonObject  *body,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (body, "decisions");
  JsonArray *items;

  if (!vb_handler_check_fields (body, decision_fields, G_N_ELEMENTS (decision_fields), TRUE, NULL, error))
    return FALSE;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) == 0
      || json_array_get_length (json_node_get_array (node)) > 200)
    return vb_set_validation_error (error, "decisions",
                                    "decisions must list 1 to 200 {\"quote_line_id\", \"decision\"}"), FALSE;
  items = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *item = json_array_get_element (items, i);
      g_autofree char *prefix = g_strdup_printf ("decisions[%u].", i);

      if (!JSON_NODE_HOLDS_OBJECT (item))
        return vb_set_validation_error (error, "decisions", "%s must be an object", prefix), FALSE;
      if (!vb_handler_check_fields (json_node_get_object (item), decision_item_fields,
                                    G_N_ELEMENTS (decision_item_fields), TRUE, prefix, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
decide_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  Write *c = user_data;
  g_autoptr(PGresult) scope = vb_handler_scope (conn, VERSION_SCOPE_SQL, c->w.id, c->w.user_id, "quote version",
                                                "Recording approvals needs billing.manage at the work order's location",
                                                error);
  JsonArray *items;

  if (scope == NULL)
    return FALSE;
  items = json_object_get_array_member (c->body, "decisions");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      g_autofree char *item = vb_json_object_to_string (json_array_get_object_element (items, i), NULL);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(PGresult) res = vb_db_execv (conn, &local_error,
        "INSERT INTO quote_line_decisions (quote_line_id, decision, channel, signature_attachment_id, phone_number,"
        "                                  email_reply, email_message_id, notes, recorded_by, decided_at)"
        " SELECT l.id, d ->> 'decision', b ->> 'channel', (b ->> 'signature_attachment_id')::uuid,"
        "        nullif(btrim(b ->> 'phone_number'), ''), b ->> 'email_reply', b ->> 'email_message_id',"
        "        coalesce(b ->> 'notes', ''), $4::uuid, coalesce((b ->> 'decided_at')::timestamptz, now())"
        "   FROM (SELECT $1::jsonb AS b, $2::jsonb AS d) x"
        "   JOIN quote_lines l ON l.id = (d ->> 'quote_line_id')::uuid AND l.quote_version_id = $3::uuid"
        " RETURNING id",
        c->w.body, item, c->w.id, c->w.user_id);

      if (res == NULL)
        {
          if (g_strcmp0 (vb_error_get_field (local_error), "quote_line_id") == 0)
            prefix_field (local_error, "decisions", i);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      if (PQntuples (res) == 0)
        {
          g_autofree char *field = g_strdup_printf ("decisions[%u].quote_line_id", i);
          return vb_set_validation_error (error, field, "No such line in this quote version"), FALSE;
        }
    }
  return fetch_version (conn, c->w.id, &c->w.result, error);
}

/* POST /quote-versions/{id}/decisions */
static gboolean
decide (VbRequest  *req,
        GError    **error)
{
  Write c = { { 0 }, NULL };
  gboolean ok;

  if ((c.w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  c.body = vb_handler_read_body (req, FALSE, &c.w, error);
  ok = c.body != NULL && check_decisions (c.body, error)
       && vb_handler_transact_reply (req, decide_txn, &c, 200, &c.w.result, error);
  vb_handler_write_clear (&c.w);
  g_clear_pointer (&c.body, json_object_unref);
  return ok;
}

/* ---------------------------------------------------------------- lists --- */

static gboolean
check_uuid_queries (VbRequest           *req,
                    const char * const  *names,
                    GError             **error)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *v = vb_request_get_query (req, names[i]);
      if (v != NULL && !vb_validate_uuid (v, names[i], error))
        return FALSE;
    }
  return TRUE;
}

static const char * const version_statuses[] = { "draft", "sent", "decided", "superseded", NULL };

/* GET /quotes: newest first, with the current version's summary. */
static gboolean
list_quotes (VbRequest  *req,
             GError    **error)
{
  static const char * const ids[] = { "location_id", "customer_id", "work_order_id", "vehicle_id", NULL };
  const char *status = vb_request_get_query (req, "status");
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error) || !check_uuid_queries (req, ids, error))
    return FALSE;
  if (status != NULL && !g_strv_contains (version_statuses, status))
    return vb_set_validation_error (error, "status", "status is one of draft, sent, decided, superseded"), FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT q.id, q.work_order_id, w.number AS work_order_number, w.status AS work_order_status,"
    "       q.location_id, q.customer_id, c.display_name AS customer_name, w.vehicle_id, v.plate AS vehicle_plate,"
    "       q.currency, cv.number AS current_version, cv.status AS current_status,"
    "       (SELECT vb_billing_money(coalesce(sum(l.gross_amount), 0)::bigint, q.currency)"
    "          FROM quote_lines l WHERE l.quote_version_id = cv.id) AS current_total,"
    "       vb_billing_money(vb_quote_approved_total(q.work_order_id), q.currency) AS approved_total,"
    "       q.version, q.created_at, q.updated_at,"
    "       to_char(q.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || q.id::text AS _key"
    "  FROM quotes q JOIN work_orders w ON w.id = q.work_order_id"
    "  JOIN customers c ON c.id = q.customer_id JOIN vehicles v ON v.id = w.vehicle_id"
    "  JOIN LATERAL (SELECT * FROM quote_versions x WHERE x.quote_id = q.id ORDER BY x.number DESC LIMIT 1) cv ON true"
    " WHERE vb_has_permission($1::uuid, 'billing.read', q.location_id)"
    "   AND ($2::uuid IS NULL OR q.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR q.customer_id = $3::uuid)"
    "   AND ($4::uuid IS NULL OR q.work_order_id = $4::uuid)"
    "   AND ($5::uuid IS NULL OR w.vehicle_id = $5::uuid)"
    "   AND ($6::text IS NULL OR cv.status = $6)"
    "   AND ($7::text IS NULL OR to_char(q.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || q.id::text < $7)"
    " ORDER BY q.created_at DESC, q.id DESC LIMIT $8::int",
    vb_request_get_principal (req)->user_id, vb_request_get_query (req, "location_id"),
    vb_request_get_query (req, "customer_id"), vb_request_get_query (req, "work_order_id"),
    vb_request_get_query (req, "vehicle_id"), status, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

/* ------------------------------------------------------- deferred work --- */

#define DEFERRED_COLUMNS \
  "d.id, d.location_id, d.customer_id, d.vehicle_id, d.work_order_id, d.quote_line_id, d.description," \
  " d.service_type_id, d.part_id, vb_billing_money(d.amount, d.currency) AS amount, d.declined_at," \
  " d.remind_after::text AS remind_after, d.resolved_at, d.resolved_by, d.resolution," \
  " d.version, d.created_at, d.updated_at"

static gboolean
list_deferred (VbRequest  *req,
               GError    **error)
{
  static const char * const ids[] = { "location_id", "customer_id", "vehicle_id", "work_order_id", NULL };
  const char *open = NULL;
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error) || !check_uuid_queries (req, ids, error)
      || !vb_handler_bool_query (req, "open", &open, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " DEFERRED_COLUMNS ","
    "       d.remind_after::text || ' ' || d.id::text AS _key"
    "  FROM deferred_work d"
    " WHERE vb_has_permission($1::uuid, 'billing.read', d.location_id)"
    "   AND ($2::uuid IS NULL OR d.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR d.customer_id = $3::uuid)"
    "   AND ($4::uuid IS NULL OR d.vehicle_id = $4::uuid)"
    "   AND ($5::uuid IS NULL OR d.work_order_id = $5::uuid)"
    "   AND ($6::boolean IS NULL OR (d.resolved_at IS NULL) = $6::boolean)"
    "   AND ($7::text IS NULL OR d.remind_after::text || ' ' || d.id::text > $7)"
    " ORDER BY d.remind_after, d.id LIMIT $8::int",
    vb_request_get_principal (req)->user_id, vb_request_get_query (req, "location_id"),
    vb_request_get_query (req, "customer_id"), vb_request_get_query (req, "vehicle_id"),
    vb_request_get_query (req, "work_order_id"), open, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
resolve_txn (VbDbConn  *conn,
             gpointer   user_data,
             GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = vb_handler_scope (conn,
    "SELECT " DEFERRED_COLUMNS ", vb_has_permission($2::uuid, 'billing.read', d.location_id) AS _read,"
    "       vb_has_permission($2::uuid, 'billing.manage', d.location_id) AS _may"
    "  FROM deferred_work d WHERE d.id = $1::uuid",
    w->id, w->user_id, "deferred work", "Resolving deferred work needs billing.manage at its location", error);
  g_autoptr(PGresult) res = NULL;

  if (scope == NULL || !vb_handler_check_version (scope, w->version, error))
    return FALSE;
  if (vb_db_get (scope, 0, PQfnumber (scope, "resolved_at")) != NULL)
    return vb_handler_conflict (error, "resolution", "This deferred work is resolved already");
  res = vb_db_execv (conn, error,
    "UPDATE deferred_work d SET resolved_at = now(), resolved_by = $2::uuid, resolution = $3::jsonb ->> 'resolution'"
    " WHERE d.id = $1::uuid RETURNING " DEFERRED_COLUMNS,
    w->id, w->user_id, w->body);
  if (res == NULL)
    return FALSE;
  w->result = vb_handler_row_to_json (res, 0);
  return TRUE;
}

/* POST /deferred-work/{id}/resolve {"resolution", "version"?} */
static gboolean
resolve_deferred (VbRequest  *req,
                  GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, resolve_fields, G_N_ELEMENTS (resolve_fields), TRUE, NULL, error)
      || !vb_handler_optional_version (body, &w.version, error))
    return FALSE;
  return vb_handler_transact_reply (req, resolve_txn, &w, 200, &w.result, error);
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute quote_routes[] = {
  { "GET", "/api/v1/quotes", list_quotes, "billing.read", 0,
    "Quotes in the caller's locations with their current version (?location_id, ?customer_id, ?work_order_id, ?vehicle_id, ?status, ?limit, ?cursor)" },
  { "GET", "/api/v1/work-orders/{id}/quote", get_quote, "billing.read", 0,
    "The work order's quote with every version, its lines, decisions and totals" },
  { "POST", "/api/v1/work-orders/{id}/quote/versions", create_version, "billing.manage", 0,
    "A new draft quote version (lines given, or a labor line per task at standard time)" },
  { "GET", "/api/v1/quote-versions/{id}", get_version, "billing.read", 0,
    "One quote version with lines, decisions and totals" },
  { "PUT", "/api/v1/quote-versions/{id}", replace_lines, "billing.manage", 0,
    "Replace the lines of a draft version (version required; sent or decided → 409)" },
  { "POST", "/api/v1/quote-versions/{id}/send", send_version, "billing.manage", 0,
    "Freeze a draft version: sent to the customer for decisions" },
  { "POST", "/api/v1/quote-versions/{id}/decisions", decide, "billing.manage", 0,
    "Record the customer's approval or refusal of lines, with the channel's evidence" },
  { "GET", "/api/v1/deferred-work", list_deferred, "billing.read", 0,
    "Declined work kept for later (?location_id, ?customer_id, ?vehicle_id, ?work_order_id, ?open, ?limit, ?cursor)" },
  { "POST", "/api/v1/deferred-work/{id}/resolve", resolve_deferred, "billing.manage", 0,
    "Mark deferred work accepted, done elsewhere or dismissed" },
};

void
vb_handler_quotes_register (VbRouter *router)
{
  vb_router_add_routes (router, quote_routes, G_N_ELEMENTS (quote_routes));
}
