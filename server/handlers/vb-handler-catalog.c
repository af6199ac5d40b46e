/* vb-handler-catalog.c — /api/v1/service-types and /api/v1/maintenance-rules:
 * the global service catalog.
 *
 * A service type carries its checklist template: ordered steps (check,
 * measurement with unit/min/max, photo, signature), some flagged hv_safety.
 * Steps are stored in service_type_steps, position = order in the array,
 * and replaced as a whole (in the same transaction) when a PATCH sends
 * "steps"; the service type's version moves with them.  Maintenance rules
 * map a make/model/years to a service type with an interval in months
 * and/or km.
 *
 * Everyone with catalog.read sees the catalog; writing needs catalog.manage
 * in every location (VB_ROUTE_GLOBAL): one shop must not change the
 * catalog of the chain.  Bodies are checked in C (each 422 names its
 * field) and then read in SQL from the JSON text; the CHECK constraints in
 * 0004-catalog-staff.sql are the backstop.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* -------------------------------------------------------- service types --- */

#define SERVICE_TYPE_COLUMNS \
  "t.id, t.code, t.name, t.description, t.standard_labor_tenths," \
  " jsonb_build_object('amount', t.price_amount, 'currency', t.price_currency) AS price," \
  " t.required_hv_level, t.active, t.version, t.created_at, t.updated_at"

#define STEPS_JSON \
  "coalesce((SELECT jsonb_agg(jsonb_build_object('id', s.id, 'position', s.position," \
  "                   'instruction', s.instruction, 'kind', s.kind, 'unit', s.unit," \
  "                   'min', s.min_value, 'max', s.max_value, 'hv_safety', s.hv_safety)" \
  "                   ORDER BY s.position)" \
  "            FROM service_type_steps s WHERE s.service_type_id = t.id), '[]'::jsonb) AS steps"

#define SERVICE_TYPE_FULL_SQL \
  "SELECT " SERVICE_TYPE_COLUMNS ", " STEPS_JSON " FROM service_types t WHERE t.id = $1::uuid"

static const char * const step_kinds[] = { "check", "measurement", "photo", "signature", NULL };

static const VbHandlerField service_type_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "code", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 2, 32, NULL },
  { "name", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 200, NULL },
  { "description", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 4000, NULL },
  { "standard_labor_tenths", VB_HANDLER_FIELD_INT, FALSE, FALSE, 0, 10000, NULL },
  { "price", VB_HANDLER_FIELD_MONEY, TRUE, FALSE, 0, 0, NULL },
  { "required_hv_level", VB_HANDLER_FIELD_INT, FALSE, FALSE, 0, 3, NULL },
  { "active", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
};

static const VbHandlerField step_fields[] = {
  { "instruction", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 1000, NULL },
  { "kind", VB_HANDLER_FIELD_CHOICE, TRUE, FALSE, 0, 0, step_kinds },
  { "unit", VB_HANDLER_FIELD_TEXT, FALSE, TRUE, 1, 20, NULL },
  { "min", VB_HANDLER_FIELD_NUMBER, FALSE, TRUE, 0, 0, NULL },
  { "max", VB_HANDLER_FIELD_NUMBER, FALSE, TRUE, 0, 0, NULL },
  { "hv_safety", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
};

static gboolean
check_steps (JsonObject  *body,
             gboolean     required,
             GError     **error)
{
  JsonNode *node = json_object_get_member (body, "steps");
  JsonArray *steps;

  if (node == NULL && !required)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      vb_set_validation_error (error, "steps", "steps must be an array of steps");
      return FALSE;
    }
  steps = json_node_get_array (node);
  if (json_array_get_length (steps) > 200)
    {
      vb_set_validation_error (error, "steps", "steps must have at most 200 entries");
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (steps); i++)
    {
      JsonNode *element = json_array_get_element (steps, i);
      g_autofree char *prefix = g_strdup_printf ("steps[%u].", i);
      JsonObject *step;
      gboolean measurement;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_autofree char *field = g_strdup_printf ("steps[%u]", i);
          vb_set_validation_error (error, field, "%s must be an object", field);
          return FALSE;
        }
      step = json_node_get_object (element);
      if (!vb_handler_check_fields (step, step_fields, G_N_ELEMENTS (step_fields), TRUE, prefix, error))
        return FALSE;
      measurement = g_str_equal (json_object_get_string_member (step, "kind"), "measurement");
      if (!measurement)
        {
          const char *only[] = { "unit", "min", "max" };
          for (guint j = 0; j < G_N_ELEMENTS (only); j++)
            if (vb_handler_has_member (step, only[j]))
              {
                g_autofree char *field = g_strconcat (prefix, only[j], NULL);
                vb_set_validation_error (error, field, "%s is only for measurement steps", field);
                return FALSE;
              }
        }
      if (vb_handler_has_member (step, "min") && vb_handler_has_member (step, "max")
          && json_object_get_double_member (step, "min") > json_object_get_double_member (step, "max"))
        {
          g_autofree char *field = g_strconcat (prefix, "max", NULL);
          vb_set_validation_error (error, field, "%s must not be below min", field);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
check_service_type (JsonObject  *body,
                    gboolean     create,
                    GError     **error)
{
  JsonNode *code = json_object_get_member (body, "code");

  if (!vb_handler_check_fields (body, service_type_fields, G_N_ELEMENTS (service_type_fields), create,
                                NULL, error))
    return FALSE;
  if (code != NULL && !JSON_NODE_HOLDS_NULL (code)
      && !g_regex_match_simple ("^[A-Z0-9][A-Z0-9_-]{1,31}$", json_node_get_string (code), 0, 0))
    {
      vb_set_validation_error (error, "code", "code must be 2 to 32 capital letters, digits,"
                               " dashes or underscores");
      return FALSE;
    }
  return check_steps (body, create, error);
}

static gboolean
list_service_types (VbRequest  *req,
                    GError    **error)
{
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *q = vb_request_get_query (req, "q");
  const char *active = NULL;
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error)
      || !vb_handler_bool_query (req, "active", &active, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " SERVICE_TYPE_COLUMNS ","
    "       (SELECT count(*) FROM service_type_steps s WHERE s.service_type_id = t.id)::int AS step_count"
    "  FROM service_types t"
    " WHERE ($1::text IS NULL OR t.code > $1)"
    "   AND ($2::boolean IS NULL OR t.active = $2)"
    "   AND ($3::text IS NULL OR strpos(lower(t.code), lower($3)) > 0"
    "        OR strpos(lower(t.name), lower($3)) > 0"
    "        OR strpos(lower(t.description), lower($3)) > 0)"
    " ORDER BY t.code"
    " LIMIT $4::int",
    after, active, q, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "code");
  return TRUE;
}

static gboolean
get_service_type (VbRequest  *req,
                  GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error, SERVICE_TYPE_FULL_SQL, id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "service type");
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

static gboolean
replace_steps (VbDbConn    *conn,
               const char  *service_type_id,
               const char  *body,
               GError     **error)
{
  g_autoptr(PGresult) deleted = NULL;
  g_autoptr(PGresult) inserted = NULL;

  deleted = vb_db_execv (conn, error,
    "DELETE FROM service_type_steps WHERE service_type_id = $1::uuid", service_type_id);
  if (deleted == NULL)
    return FALSE;
  inserted = vb_db_execv (conn, error,
    "INSERT INTO service_type_steps (service_type_id, position, instruction, kind, unit,"
    "                                min_value, max_value, hv_safety)"
    " SELECT $1::uuid, e.ord, e.v ->> 'instruction', e.v ->> 'kind', e.v ->> 'unit',"
    "        (e.v ->> 'min')::numeric, (e.v ->> 'max')::numeric,"
    "        coalesce((e.v ->> 'hv_safety')::boolean, false)"
    "   FROM jsonb_array_elements($2::jsonb -> 'steps') WITH ORDINALITY AS e (v, ord)",
    service_type_id, body);
  return inserted != NULL;
}

static gboolean
insert_service_type_txn (VbDbConn  *conn,
                         gpointer   user_data,
                         GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) full = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *id;

  g_clear_pointer (&w->result, json_node_unref);
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO service_types (id, code, name, description, standard_labor_tenths,"
    "                           price_amount, price_currency, required_hv_level, active)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), b ->> 'code', b ->> 'name',"
    "        coalesce(b ->> 'description', ''), coalesce((b ->> 'standard_labor_tenths')::int, 0),"
    "        (b -> 'price' ->> 'amount')::bigint, b -> 'price' ->> 'currency',"
    "        coalesce((b ->> 'required_hv_level')::int, 0), coalesce((b ->> 'active')::boolean, true)"
    "   FROM (SELECT $1::jsonb AS b) x"
    " RETURNING id",
    w->body);
  if (res == NULL)
    {
      vb_handler_conflict_field (local_error, "code");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  id = vb_db_get (res, 0, 0);
  if (!replace_steps (conn, id, w->body, error))
    return FALSE;
  if ((full = vb_db_execv (conn, error, SERVICE_TYPE_FULL_SQL, id)) == NULL)
    return FALSE;
  w->result = vb_handler_row_to_json (full, 0);
  return TRUE;
}

static gboolean
create_service_type (VbRequest  *req,
                     GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !check_service_type (body, TRUE, error)
      || !vb_request_transaction (req, insert_service_type_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/service-types", &w.result);
  return TRUE;
}

#define KEEP(col, expr) \
  col " = CASE WHEN b ? '" col "' THEN " expr " ELSE t." col " END"

static gboolean
update_service_type_txn (VbDbConn  *conn,
                         gpointer   user_data,
                         GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) full = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) updated = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  res = vb_db_execv (conn, &local_error,
    "UPDATE service_types AS t SET "
    KEEP ("code", "b ->> 'code'") ", "
    KEEP ("name", "b ->> 'name'") ", "
    KEEP ("description", "b ->> 'description'") ", "
    KEEP ("standard_labor_tenths", "(b ->> 'standard_labor_tenths')::int") ", "
    "       price_amount = CASE WHEN b ? 'price' THEN (b -> 'price' ->> 'amount')::bigint"
    "                      ELSE t.price_amount END,"
    "       price_currency = CASE WHEN b ? 'price' THEN b -> 'price' ->> 'currency'"
    "                        ELSE t.price_currency END, "
    KEEP ("required_hv_level", "(b ->> 'required_hv_level')::int") ", "
    KEEP ("active", "(b ->> 'active')::boolean")
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE t.id = $1::uuid AND t.version = $2::int"
    " RETURNING t.id",
    w->id, w->version, w->body);
  if (res == NULL)
    {
      vb_handler_conflict_field (local_error, "code");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!vb_handler_finish_update (conn, res, SERVICE_TYPE_FULL_SQL, w->id, "service type", &updated, error))
    return FALSE;
  if (w->flag && !replace_steps (conn, w->id, w->body, error))
    return FALSE;
  if ((full = vb_db_execv (conn, error, SERVICE_TYPE_FULL_SQL, w->id)) == NULL)
    return FALSE;
  w->result = vb_handler_row_to_json (full, 0);
  return TRUE;
}

static gboolean
update_service_type (VbRequest  *req,
                     GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !check_service_type (body, FALSE, error))
    return FALSE;
  w.flag = json_object_has_member (body, "steps");
  if (!vb_request_transaction (req, update_service_type_txn, &w, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&w.result));
  return TRUE;
}

/* ---------------------------------------------------- maintenance rules --- */

#define RULE_COLUMNS \
  "r.id, r.make, r.model, r.year_from, r.year_to, r.service_type_id," \
  " st.code AS service_type_code, st.name AS service_type_name," \
  " r.every_months, r.every_km, r.notes, r.verify, r.active, r.version, r.created_at, r.updated_at"

#define RULE_KEY \
  "lower(r.make) || E'\\x1f' || lower(r.model) || E'\\x1f' || st.code || E'\\x1f' || r.id::text"

#define RULE_SQL \
  "SELECT " RULE_COLUMNS " FROM maintenance_rules r JOIN service_types st ON st.id = r.service_type_id" \
  " WHERE r.id = $1::uuid"

static const VbHandlerField rule_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "make", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 100, NULL },
  { "model", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 100, NULL },
  { "year_from", VB_HANDLER_FIELD_INT, FALSE, TRUE, 1990, 2100, NULL },
  { "year_to", VB_HANDLER_FIELD_INT, FALSE, TRUE, 1990, 2100, NULL },
  { "service_type_id", VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0, NULL },
  { "every_months", VB_HANDLER_FIELD_INT, FALSE, TRUE, 1, 240, NULL },
  { "every_km", VB_HANDLER_FIELD_INT, FALSE, TRUE, 100, 1000000, NULL },
  { "notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 2000, NULL },
  { "verify", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
  { "active", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
};

static gboolean
check_rule (JsonObject  *body,
            gboolean     create,
            GError     **error)
{
  if (!vb_handler_check_fields (body, rule_fields, G_N_ELEMENTS (rule_fields), create, NULL, error))
    return FALSE;
  if (create && !vb_handler_has_member (body, "every_months") && !vb_handler_has_member (body, "every_km"))
    {
      vb_set_validation_error (error, "every_months",
                               "every_months or every_km (or both) is required");
      return FALSE;
    }
  if (vb_handler_has_member (body, "year_from") && vb_handler_has_member (body, "year_to")
      && json_object_get_int_member (body, "year_from") > json_object_get_int_member (body, "year_to"))
    {
      vb_set_validation_error (error, "year_to", "year_to must not be before year_from");
      return FALSE;
    }
  return TRUE;
}

/* Row CHECKs the C checks cannot see on a partial update, named. */
static void
rule_check_field (GError *error)
{
  if (error != NULL && g_error_matches (error, VB_ERROR, VB_ERROR_VALIDATION)
      && vb_error_get_field (error) == NULL)
    vb_error_set_field (error, strstr (error->message, "year") ? "year_to" : "every_months");
}

static gboolean
check_service_type_exists (VbDbConn    *conn,
                           const char  *body,
                           GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT NOT ($1::jsonb ? 'service_type_id')"
    "       OR EXISTS (SELECT 1 FROM service_types WHERE id = ($1::jsonb ->> 'service_type_id')::uuid)",
    body);

  if (res == NULL)
    return FALSE;
  if (!vb_db_get_bool (res, 0, 0))
    {
      vb_set_validation_error (error, "service_type_id", "No such service type");
      return FALSE;
    }
  return TRUE;
}

static gboolean
list_rules (VbRequest  *req,
            GError    **error)
{
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *make = vb_request_get_query (req, "make");
  const char *model = vb_request_get_query (req, "model");
  const char *service_type_id = vb_request_get_query (req, "service_type_id");
  const char *q = vb_request_get_query (req, "q");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error))
    return FALSE;
  if (service_type_id != NULL && !vb_validate_uuid (service_type_id, "service_type_id", error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT * FROM (SELECT " RULE_COLUMNS ", " RULE_KEY " AS _key"
    "                 FROM maintenance_rules r JOIN service_types st ON st.id = r.service_type_id) x"
    " WHERE ($1::text IS NULL OR x._key > $1)"
    "   AND ($2::text IS NULL OR lower(x.make) = lower($2))"
    "   AND ($3::text IS NULL OR lower(x.model) = lower($3))"
    "   AND ($4::uuid IS NULL OR x.service_type_id = $4::uuid)"
    "   AND ($5::text IS NULL OR strpos(lower(x.make || ' ' || x.model || ' ' || x.service_type_name),"
    "                                   lower($5)) > 0)"
    " ORDER BY x._key"
    " LIMIT $6::int",
    after, make, model, service_type_id, q, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
get_rule (VbRequest  *req,
          GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  if ((res = vb_db_execv (conn, error, RULE_SQL, id)) == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "maintenance rule");
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

static gboolean
insert_rule_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) full = NULL;
  g_autoptr(GError) local_error = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (!check_service_type_exists (conn, w->body, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO maintenance_rules (id, make, model, year_from, year_to, service_type_id,"
    "                               every_months, every_km, notes, verify, active)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), b ->> 'make', b ->> 'model',"
    "        (b ->> 'year_from')::int, (b ->> 'year_to')::int, (b ->> 'service_type_id')::uuid,"
    "        (b ->> 'every_months')::int, (b ->> 'every_km')::int, coalesce(b ->> 'notes', ''),"
    "        coalesce((b ->> 'verify')::boolean, false), coalesce((b ->> 'active')::boolean, true)"
    "   FROM (SELECT $1::jsonb AS b) x"
    " RETURNING id",
    w->body);
  if (res == NULL)
    {
      vb_handler_conflict_field (local_error, "id");
      rule_check_field (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if ((full = vb_db_execv (conn, error, RULE_SQL, vb_db_get (res, 0, 0))) == NULL)
    return FALSE;
  w->result = vb_handler_row_to_json (full, 0);
  return TRUE;
}

static gboolean
create_rule (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !check_rule (body, TRUE, error)
      || !vb_request_transaction (req, insert_rule_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/maintenance-rules", &w.result);
  return TRUE;
}

static gboolean
update_rule_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) full = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) updated = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (!check_service_type_exists (conn, w->body, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "UPDATE maintenance_rules AS t SET "
    KEEP ("make", "b ->> 'make'") ", "
    KEEP ("model", "b ->> 'model'") ", "
    KEEP ("year_from", "(b ->> 'year_from')::int") ", "
    KEEP ("year_to", "(b ->> 'year_to')::int") ", "
    KEEP ("service_type_id", "(b ->> 'service_type_id')::uuid") ", "
    KEEP ("every_months", "(b ->> 'every_months')::int") ", "
    KEEP ("every_km", "(b ->> 'every_km')::int") ", "
    KEEP ("notes", "b ->> 'notes'") ", "
    KEEP ("verify", "(b ->> 'verify')::boolean") ", "
    KEEP ("active", "(b ->> 'active')::boolean")
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE t.id = $1::uuid AND t.version = $2::int"
    " RETURNING t.id",
    w->id, w->version, w->body);
  if (res == NULL)
    {
      rule_check_field (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!vb_handler_finish_update (conn, res, RULE_SQL, w->id, "maintenance rule", &updated, error))
    return FALSE;
  if ((full = vb_db_execv (conn, error, RULE_SQL, w->id)) == NULL)
    return FALSE;
  w->result = vb_handler_row_to_json (full, 0);
  return TRUE;
}

static gboolean
update_rule (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !check_rule (body, FALSE, error)
      || !vb_request_transaction (req, update_rule_txn, &w, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&w.result));
  return TRUE;
}

static const VbRoute catalog_routes[] = {
  { "GET", "/api/v1/service-types", list_service_types, "catalog.read", 0,
    "List service types (?q, ?active, ?limit, ?cursor) with their step count" },
  { "POST", "/api/v1/service-types", create_service_type, "catalog.manage", VB_ROUTE_GLOBAL,
    "Create a service type with its checklist steps" },
  { "GET", "/api/v1/service-types/{id}", get_service_type, "catalog.read", 0,
    "One service type with its ordered checklist steps" },
  { "PATCH", "/api/v1/service-types/{id}", update_service_type, "catalog.manage", VB_ROUTE_GLOBAL,
    "Change a service type (version required; \"steps\" replaces the checklist)" },
  { "GET", "/api/v1/maintenance-rules", list_rules, "catalog.read", 0,
    "List maintenance schedule rules (?make, ?model, ?service_type_id, ?q, ?limit, ?cursor)" },
  { "POST", "/api/v1/maintenance-rules", create_rule, "catalog.manage", VB_ROUTE_GLOBAL,
    "Create a maintenance schedule rule (every_months and/or every_km)" },
  { "GET", "/api/v1/maintenance-rules/{id}", get_rule, "catalog.read", 0,
    "One maintenance schedule rule" },
  { "PATCH", "/api/v1/maintenance-rules/{id}", update_rule, "catalog.manage", VB_ROUTE_GLOBAL,
    "Change a maintenance schedule rule (version required)" },
};

void
vb_handler_catalog_register (VbRouter *router)
{
  vb_router_add_routes (router, catalog_routes, G_N_ELEMENTS (catalog_routes));
}
