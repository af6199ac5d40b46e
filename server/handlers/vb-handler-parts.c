/* vb-handler-parts.c — the parts catalog (S4): /api/v1/parts.
 *
 * The catalog is shared by every location (stock is per location, see
 * vb-handler-stock.c).  Reading needs inventory.read, changing it
 * inventory.manage (in some location).  Money is integer minor units with
 * one currency per part; tax_class names the location's tax rate.  Updates
 * are guarded by version (409 version_conflict with the current part).
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define PART_COLUMNS \
  "p.id, p.sku, p.name, p.description, to_jsonb(p.compatible_models) AS compatible_models," \
  " p.unit_cost_amount, p.sale_price_amount, p.currency, p.tax_class, p.supplier, p.active," \
  " p.version, p.created_at, p.updated_at"

#define PART_SQL "SELECT " PART_COLUMNS " FROM parts p WHERE p.id = $1::uuid"

static const VbHandlerField part_fields[] = {
  { "id",                VB_HANDLER_FIELD_UUID, FALSE, FALSE, 0, 0,               NULL },
  { "sku",               VB_HANDLER_FIELD_TEXT, TRUE,  FALSE, 1, 64,              NULL },
  { "name",              VB_HANDLER_FIELD_TEXT, TRUE,  FALSE, 1, 200,             NULL },
  { "description",       VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 4000,            NULL },
  { "unit_cost_amount",  VB_HANDLER_FIELD_INT,  TRUE,  FALSE, 0, G_MAXINT64 / 2,  NULL },
  { "sale_price_amount", VB_HANDLER_FIELD_INT,  TRUE,  FALSE, 0, G_MAXINT64 / 2,  NULL },
  { "currency",          VB_HANDLER_FIELD_TEXT, TRUE,  FALSE, 3, 3,               NULL },
  { "tax_class",         VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 1, 50,              NULL },
  { "supplier",          VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 200,             NULL },
  { "active",            VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0,               NULL },
};

/* Checks what the field table cannot: SKU characters, currency, models. */
static gboolean
check_part (JsonObject  *body,
            gboolean     create,
            GError     **error)
{
  const char *sku, *currency, *name;
  JsonNode *models;

  if (!vb_handler_check_fields (body, part_fields, G_N_ELEMENTS (part_fields), create, NULL, error))
    return FALSE;
  sku = vb_handler_string_member (body, "sku");
  if (sku != NULL && !g_regex_match_simple ("^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$", sku, 0, 0))
    return vb_set_validation_error (error, "sku",
                                    "sku is letters, digits and . _ / - (starting with a letter or digit)"), FALSE;
  name = vb_handler_string_member (body, "name");
  if (name != NULL)
    {
      g_autofree char *copy = g_strstrip (g_strdup (name));
      if (copy[0] == '\0')
        return vb_set_validation_error (error, "name", "name must not be blank"), FALSE;
    }
  currency = vb_handler_string_member (body, "currency");
  if (currency != NULL && !g_regex_match_simple ("^[A-Z]{3}$", currency, 0, 0))
    return vb_set_validation_error (error, "currency", "currency is an ISO 4217 code such as VND"), FALSE;
  models = json_object_get_member (body, "compatible_models");
  if (models != NULL)
    {
      JsonArray *array;

      if (!JSON_NODE_HOLDS_ARRAY (models) || json_array_get_length (json_node_get_array (models)) > 200)
        return vb_set_validation_error (error, "compatible_models",
                                        "compatible_models is an array of at most 200 model names"), FALSE;
      array = json_node_get_array (models);
      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *m = json_array_get_element (array, i);
          if (!JSON_NODE_HOLDS_VALUE (m) || json_node_get_value_type (m) != G_TYPE_STRING
              || g_utf8_strlen (json_node_get_string (m), -1) < 1 || g_utf8_strlen (json_node_get_string (m), -1) > 100)
            return vb_set_validation_error (error, "compatible_models",
                                            "compatible_models[%u] must be a model name of 1–100 characters", i), FALSE;
        }
    }
  return TRUE;
}

static void
name_sku_conflict (GError *error)
{
  vb_handler_name_conflict (error, "parts_sku_key", "sku", "A part with this SKU exists already");
  vb_handler_name_conflict (error, "parts_pkey", "id", NULL);
}

static gboolean
create_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (conn, &local_error,
    "INSERT INTO parts (id, sku, name, description, compatible_models, unit_cost_amount, sale_price_amount,"
    "                   currency, tax_class, supplier, active)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), b ->> 'sku', btrim(b ->> 'name'),"
    "        coalesce(b ->> 'description', ''),"
    "        coalesce(ARRAY(SELECT jsonb_array_elements_text(b -> 'compatible_models')), '{}'),"
    "        (b ->> 'unit_cost_amount')::bigint, (b ->> 'sale_price_amount')::bigint, b ->> 'currency',"
    "        coalesce(b ->> 'tax_class', 'VAT'), coalesce(b ->> 'supplier', ''),"
    "        coalesce((b ->> 'active')::boolean, true)"
    "   FROM (SELECT $1::jsonb AS b) x"
    " RETURNING id",
    w->body);

  if (res == NULL)
    {
      name_sku_conflict (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, PART_SQL, vb_db_get (res, 0, 0), "part", &w->result, error);
}

static gboolean
create_part (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !check_part (body, TRUE, error)
      || !vb_request_transaction (req, create_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/parts", &w.result);
  return TRUE;
}

static gboolean
update_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(PGresult) res = vb_db_execv (conn, &local_error,
    "UPDATE parts AS p SET"
    "  sku = coalesce(b ->> 'sku', p.sku),"
    "  name = coalesce(btrim(b ->> 'name'), p.name),"
    "  description = coalesce(b ->> 'description', p.description),"
    "  compatible_models = CASE WHEN b ? 'compatible_models'"
    "                      THEN ARRAY(SELECT jsonb_array_elements_text(b -> 'compatible_models'))"
    "                      ELSE p.compatible_models END,"
    "  unit_cost_amount = coalesce((b ->> 'unit_cost_amount')::bigint, p.unit_cost_amount),"
    "  sale_price_amount = coalesce((b ->> 'sale_price_amount')::bigint, p.sale_price_amount),"
    "  currency = coalesce(b ->> 'currency', p.currency),"
    "  tax_class = coalesce(b ->> 'tax_class', p.tax_class),"
    "  supplier = coalesce(b ->> 'supplier', p.supplier),"
    "  active = coalesce((b ->> 'active')::boolean, p.active)"
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE p.id = $1::uuid AND p.version = $2::int"
    " RETURNING " PART_COLUMNS,
    w->id, w->version, w->body);

  if (res == NULL)
    {
      name_sku_conflict (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_finish_update (conn, res, PART_SQL, w->id, "part", &w->result, error);
}

static gboolean
update_part (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !check_part (body, FALSE, error))
    return FALSE;
  return vb_handler_transact_reply (req, update_txn, &w, 200, &w.result, error);
}

static gboolean
get_part (VbRequest  *req,
          GError    **error)
{
  return vb_handler_reply_row (req, PART_SQL " AND $2::uuid IS NOT NULL", "part", error);
}

/* ?q= matches the SKU (prefix, any case) or the name (substring); ?active=; ?model=. */
static gboolean
list_parts (VbRequest  *req,
            GError    **error)
{
  const char *active = NULL;
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error) || !vb_handler_bool_query (req, "active", &active, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " PART_COLUMNS ", p.sku AS _key FROM parts p"
    " WHERE ($1::text IS NULL OR lower(p.sku) LIKE lower(replace(replace(replace($1, '\\', '\\\\'), '%', '\\%'), '_', '\\_')) || '%'"
    "        OR p.name ILIKE '%' || replace(replace(replace($1, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')"
    "   AND ($2::boolean IS NULL OR p.active = $2::boolean)"
    "   AND ($3::text IS NULL OR $3 = ANY (p.compatible_models))"
    "   AND ($4::text IS NULL OR p.sku > $4)"
    " ORDER BY p.sku LIMIT $5::int",
    vb_request_get_query (req, "q"), active, vb_request_get_query (req, "model"), after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static const VbRoute part_routes[] = {
  { "GET", "/api/v1/parts", list_parts, "inventory.read", 0,
    "The parts catalog by SKU (?q matches SKU prefix or name, ?active, ?model, ?limit, ?cursor)" },
  { "POST", "/api/v1/parts", create_part, "inventory.manage", 0,
    "Add a part to the catalog (409 naming sku if the SKU exists)" },
  { "GET", "/api/v1/parts/{id}", get_part, "inventory.read", 0,
    "One part" },
  { "PATCH", "/api/v1/parts/{id}", update_part, "inventory.manage", 0,
    "Change a part (version required)" },
};

void
vb_handler_parts_register (VbRouter *router)
{
  vb_router_add_routes (router, part_routes, G_N_ELEMENTS (part_routes));
}
