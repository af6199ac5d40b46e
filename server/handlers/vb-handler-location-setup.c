/* vb-handler-location-setup.c — what a location is made of (A1):
 * /api/v1/locations/{id}/bays, /opening-hours, /closures and /rates.
 *
 * Reading needs locations.read in that location; changing needs
 * location_setup.manage in that location (a manager for their shop, an
 * admin everywhere).  Both are decided in SQL with vb_has_permission()
 * inside the statement's transaction, so another location's setup is a 403
 * whatever the C code does, and an unknown location a 404.  Every table
 * has vb_touch, audit and change-feed triggers (0004-catalog-staff.sql);
 * the feed carries each row's location_id.
 *
 * The lists are small (a handful of bays, seven days) and come whole:
 * {"items": [...], "next_cursor": null}.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* ------------------------------------------------------------- scoping --- */

/* 404 without the location, 403 without permission in it. */
static gboolean
check_scope (VbDbConn    *conn,
             const char  *user_id,
             const char  *permission,
             const char  *location_id,
             GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT vb_has_permission($1::uuid, $2, l.id) FROM locations l WHERE l.id = $3::uuid",
    user_id, permission, location_id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "location");
  if (!vb_db_get_bool (res, 0, 0))
    return vb_handler_forbidden (error, "This location is outside the locations you may see or change");
  return TRUE;
}

/* -------------------------------------------------- generic sub-resource --- */

typedef struct
{
  const char  *what;          /* "bay", for 404s */
  const char  *segment;       /* "bays" */
  const char  *list_sql;      /* $1 location */
  const char  *get_sql;       /* $1 id */
  const char  *insert_sql;    /* $1 location, $2 body → RETURNING the columns */
  const char  *update_sql;    /* $1 id, $2 version, $3 body, $4 location → RETURNING */
  const VbHandlerField *fields;
  guint        n_fields;
  gboolean   (*check)       (JsonObject *body, gboolean create, GError **error);
  const char  *conflict_field;
  const char  *check_field;   /* names a failed row CHECK */
} SubResource;

typedef struct
{
  const SubResource *sub;
  VbHandlerWrite     w;
} SubWrite;

static void
name_errors (const SubResource *sub,
             GError            *error)
{
  vb_handler_conflict_field (error, sub->conflict_field);
  if (error != NULL && g_error_matches (error, VB_ERROR, VB_ERROR_VALIDATION)
      && vb_error_get_field (error) == NULL)
    vb_error_set_field (error, sub->check_field);
}

static gboolean
sub_list (VbRequest          *req,
          const SubResource  *sub,
          GError            **error)
{
  const char *location_id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (location_id == NULL || (conn = vb_request_get_db (req, error)) == NULL
      || !check_scope (conn, vb_request_get_principal (req)->user_id, "locations.read",
                       location_id, error))
    return FALSE;
  if ((res = vb_db_execv (conn, error, sub->list_sql, location_id)) == NULL)
    return FALSE;
  vb_handler_reply_list (req, vb_db_rows_to_json_array (res), NULL);
  return TRUE;
}

static gboolean
sub_insert_txn (VbDbConn  *conn,
                gpointer   user_data,
                GError   **error)
{
  SubWrite *s = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  g_clear_pointer (&s->w.result, json_node_unref);
  if (!check_scope (conn, s->w.user_id, "location_setup.manage", s->w.parent_id, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error, s->sub->insert_sql, s->w.parent_id, s->w.body);
  if (res == NULL)
    {
      name_errors (s->sub, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  s->w.result = vb_handler_row_to_json (res, 0);
  return TRUE;
}

static gboolean
sub_create (VbRequest          *req,
            const SubResource  *sub,
            GError            **error)
{
  SubWrite s = { sub, { 0 } };
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *collection = NULL;
  gboolean ok;

  ok = (s.w.parent_id = vb_handler_uuid_param (req, "id", error)) != NULL
       && (body = vb_handler_read_body (req, FALSE, &s.w, error)) != NULL
       && vb_handler_check_fields (body, sub->fields, sub->n_fields, TRUE, NULL, error)
       && (sub->check == NULL || sub->check (body, TRUE, error))
       && vb_request_transaction (req, sub_insert_txn, &s, error);
  if (ok)
    {
      collection = g_strdup_printf ("/api/v1/locations/%s/%s", s.w.parent_id, sub->segment);
      vb_handler_reply_created (req, collection, &s.w.result);
    }
  vb_handler_write_clear (&s.w);
  return ok;
}

static gboolean
sub_update_txn (VbDbConn  *conn,
                gpointer   user_data,
                GError   **error)
{
  SubWrite *s = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) current = NULL;
  g_autoptr(GError) local_error = NULL;

  g_clear_pointer (&s->w.result, json_node_unref);
  if (!check_scope (conn, s->w.user_id, "location_setup.manage", s->w.parent_id, error))
    return FALSE;
  /* A record of another location is not found under this one. */
  current = vb_db_execv (conn, error, s->sub->get_sql, s->w.id);
  if (current == NULL)
    return FALSE;
  if (PQntuples (current) == 0
      || g_strcmp0 (vb_db_get (current, 0, PQfnumber (current, "location_id")), s->w.parent_id) != 0)
    return vb_handler_not_found (error, s->sub->what);
  res = vb_db_execv (conn, &local_error, s->sub->update_sql,
                     s->w.id, s->w.version, s->w.body, s->w.parent_id);
  if (res == NULL)
    {
      name_errors (s->sub, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_finish_update (conn, res, s->sub->get_sql, s->w.id, s->sub->what, &s->w.result, error);
}

static gboolean
sub_update (VbRequest          *req,
            const SubResource  *sub,
            GError            **error)
{
  SubWrite s = { sub, { 0 } };
  g_autoptr(JsonObject) body = NULL;
  gboolean ok;

  ok = (s.w.parent_id = vb_handler_uuid_param (req, "id", error)) != NULL
       && (s.w.id = vb_handler_uuid_param (req, "item_id", error)) != NULL
       && (body = vb_handler_read_body (req, TRUE, &s.w, error)) != NULL
       && vb_handler_check_fields (body, sub->fields, sub->n_fields, FALSE, NULL, error)
       && (sub->check == NULL || sub->check (body, FALSE, error))
       && vb_request_transaction (req, sub_update_txn, &s, error);
  if (ok)
    vb_request_reply_json (req, 200, g_steal_pointer (&s.w.result));
  vb_handler_write_clear (&s.w);
  return ok;
}

#define KEEP(col, expr) \
  col " = CASE WHEN b ? '" col "' THEN " expr " ELSE t." col " END"

/* ---------------------------------------------------------------- bays --- */

static const char * const bay_capabilities[] = {
  "lift", "hv_certified", "alignment", "tire_machine", "dc_charger", NULL
};

#define BAY_COLUMNS \
  "t.id, t.location_id, t.name, to_jsonb(t.capabilities) AS capabilities, t.active," \
  " t.version, t.created_at, t.updated_at"

static const VbHandlerField bay_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "name", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 100, NULL },
  { "active", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
};

static gboolean
check_bay (JsonObject  *body,
           gboolean     create,
           GError     **error)
{
  JsonNode *node = json_object_get_member (body, "capabilities");
  JsonArray *array;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      vb_set_validation_error (error, "capabilities", "capabilities must be an array of strings");
      return FALSE;
    }
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      const char *text = JSON_NODE_HOLDS_VALUE (element)
                         && json_node_get_value_type (element) == G_TYPE_STRING
                         ? json_node_get_string (element) : NULL;

      if (text == NULL || !g_strv_contains (bay_capabilities, text))
        {
          vb_set_validation_error (error, "capabilities",
                                   "capabilities must be among lift, hv_certified, alignment,"
                                   " tire_machine, dc_charger");
          return FALSE;
        }
    }
  return TRUE;
}

static const SubResource bays = {
  "bay", "bays",
  "SELECT " BAY_COLUMNS " FROM bays t WHERE t.location_id = $1::uuid ORDER BY t.name",
  "SELECT " BAY_COLUMNS " FROM bays t WHERE t.id = $1::uuid",
  "INSERT INTO bays AS t (id, location_id, name, capabilities, active)"
  " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), $1::uuid, b ->> 'name',"
  "        ARRAY(SELECT DISTINCT c FROM jsonb_array_elements_text(coalesce(b -> 'capabilities', '[]')) c"
  "               ORDER BY c),"
  "        coalesce((b ->> 'active')::boolean, true)"
  "   FROM (SELECT $2::jsonb AS b) x"
  " RETURNING " BAY_COLUMNS,
  "UPDATE bays AS t SET "
  KEEP ("name", "b ->> 'name'") ", "
  KEEP ("capabilities", "ARRAY(SELECT DISTINCT c FROM jsonb_array_elements_text(b -> 'capabilities') c"
                        " ORDER BY c)") ", "
  KEEP ("active", "(b ->> 'active')::boolean")
  "  FROM (SELECT $3::jsonb AS b) x"
  " WHERE t.id = $1::uuid AND t.version = $2::int AND t.location_id = $4::uuid"
  " RETURNING " BAY_COLUMNS,
  bay_fields, G_N_ELEMENTS (bay_fields), check_bay, "name", "capabilities",
};

/* ------------------------------------------------------------ closures --- */

#define CLOSURE_COLUMNS \
  "t.id, t.location_id, t.date, t.closed, to_char(t.opens_at, 'HH24:MI') AS opens_at," \
  " to_char(t.closes_at, 'HH24:MI') AS closes_at, t.reason, t.version, t.created_at, t.updated_at"

static const VbHandlerField closure_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "date", VB_HANDLER_FIELD_DATE, TRUE, FALSE, 0, 0, NULL },
  { "closed", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
  { "opens_at", VB_HANDLER_FIELD_TIME, FALSE, TRUE, 0, 0, NULL },
  { "closes_at", VB_HANDLER_FIELD_TIME, FALSE, TRUE, 0, 0, NULL },
  { "reason", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 500, NULL },
};

/* Open (closed false) needs opens_at < closes_at; "HH:MM" compares as text. */
static gboolean
check_hours (JsonObject  *o,
             gboolean     closed_default,
             gboolean     create,
             const char  *prefix,
             GError     **error)
{
  gboolean closed = json_object_has_member (o, "closed") && vb_handler_has_member (o, "closed")
                    ? json_object_get_boolean_member (o, "closed") : closed_default;
  const char *opens = vb_handler_has_member (o, "opens_at") ? json_object_get_string_member (o, "opens_at") : NULL;
  const char *closes = vb_handler_has_member (o, "closes_at") ? json_object_get_string_member (o, "closes_at") : NULL;
  g_autofree char *opens_field = g_strconcat (prefix ? prefix : "", "opens_at", NULL);
  g_autofree char *closes_field = g_strconcat (prefix ? prefix : "", "closes_at", NULL);

  if (!create && !vb_handler_has_member (o, "closed") && opens == NULL && closes == NULL)
    return TRUE;
  if (closed)
    return TRUE;
  if (opens == NULL)
    {
      vb_set_validation_error (error, opens_field, "%s is required unless closed", opens_field);
      return FALSE;
    }
  if (closes == NULL)
    {
      vb_set_validation_error (error, closes_field, "%s is required unless closed", closes_field);
      return FALSE;
    }
  if (strcmp (opens, closes) >= 0)
    {
      vb_set_validation_error (error, closes_field, "%s must be after opens_at", closes_field);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_closure (JsonObject  *body,
               gboolean     create,
               GError     **error)
{
  return check_hours (body, TRUE, create, NULL, error);
}

static const SubResource closures = {
  "closure", "closures",
  "SELECT " CLOSURE_COLUMNS " FROM location_closures t WHERE t.location_id = $1::uuid"
  " ORDER BY t.date",
  "SELECT " CLOSURE_COLUMNS " FROM location_closures t WHERE t.id = $1::uuid",
  "INSERT INTO location_closures AS t (id, location_id, date, closed, opens_at, closes_at, reason)"
  " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), $1::uuid, (b ->> 'date')::date,"
  "        coalesce((b ->> 'closed')::boolean, true),"
  "        CASE WHEN coalesce((b ->> 'closed')::boolean, true) THEN NULL ELSE (b ->> 'opens_at')::time END,"
  "        CASE WHEN coalesce((b ->> 'closed')::boolean, true) THEN NULL ELSE (b ->> 'closes_at')::time END,"
  "        coalesce(b ->> 'reason', '')"
  "   FROM (SELECT $2::jsonb AS b) x"
  " RETURNING " CLOSURE_COLUMNS,
  "UPDATE location_closures AS t SET "
  KEEP ("date", "(b ->> 'date')::date") ", "
  KEEP ("closed", "(b ->> 'closed')::boolean") ", "
  KEEP ("opens_at", "(b ->> 'opens_at')::time") ", "
  KEEP ("closes_at", "(b ->> 'closes_at')::time") ", "
  KEEP ("reason", "b ->> 'reason'")
  "  FROM (SELECT $3::jsonb AS b) x"
  " WHERE t.id = $1::uuid AND t.version = $2::int AND t.location_id = $4::uuid"
  " RETURNING " CLOSURE_COLUMNS,
  closure_fields, G_N_ELEMENTS (closure_fields), check_closure, "date", "opens_at",
};

/* --------------------------------------------------------------- rates --- */

static const char * const rate_kinds[] = { "labor", "tax", NULL };

#define RATE_COLUMNS \
  "t.id, t.location_id, t.kind, t.name," \
  " CASE WHEN t.kind = 'labor' THEN jsonb_build_object('amount', t.amount, 'currency', t.currency)" \
  " END AS amount_per_hour, t.percent_bp, t.active, t.version, t.created_at, t.updated_at"

static const VbHandlerField rate_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "kind", VB_HANDLER_FIELD_CHOICE, TRUE, FALSE, 0, 0, rate_kinds },
  { "name", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 100, NULL },
  { "amount_per_hour", VB_HANDLER_FIELD_MONEY, FALSE, FALSE, 0, 0, NULL },
  { "percent_bp", VB_HANDLER_FIELD_INT, FALSE, FALSE, 0, 10000, NULL },
  { "active", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
};

static gboolean
check_rate (JsonObject  *body,
            gboolean     create,
            GError     **error)
{
  if (!create)
    {
      if (vb_handler_has_member (body, "kind"))
        {
          vb_set_validation_error (error, "kind", "kind cannot be changed");
          return FALSE;
        }
      return TRUE;
    }
  if (g_str_equal (json_object_get_string_member (body, "kind"), "labor"))
    {
      if (!vb_handler_has_member (body, "amount_per_hour"))
        {
          vb_set_validation_error (error, "amount_per_hour", "a labor rate needs amount_per_hour");
          return FALSE;
        }
      if (vb_handler_has_member (body, "percent_bp"))
        {
          vb_set_validation_error (error, "percent_bp", "percent_bp is for tax rates only");
          return FALSE;
        }
    }
  else
    {
      if (!vb_handler_has_member (body, "percent_bp"))
        {
          vb_set_validation_error (error, "percent_bp", "a tax rate needs percent_bp (basis points)");
          return FALSE;
        }
      if (vb_handler_has_member (body, "amount_per_hour"))
        {
          vb_set_validation_error (error, "amount_per_hour", "amount_per_hour is for labor rates only");
          return FALSE;
        }
    }
  return TRUE;
}

static const SubResource rates = {
  "rate", "rates",
  "SELECT " RATE_COLUMNS " FROM location_rates t WHERE t.location_id = $1::uuid"
  " ORDER BY t.kind, t.name",
  "SELECT " RATE_COLUMNS " FROM location_rates t WHERE t.id = $1::uuid",
  "INSERT INTO location_rates AS t (id, location_id, kind, name, amount, currency, percent_bp, active)"
  " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), $1::uuid, b ->> 'kind', b ->> 'name',"
  "        (b -> 'amount_per_hour' ->> 'amount')::bigint, b -> 'amount_per_hour' ->> 'currency',"
  "        (b ->> 'percent_bp')::int, coalesce((b ->> 'active')::boolean, true)"
  "   FROM (SELECT $2::jsonb AS b) x"
  " RETURNING " RATE_COLUMNS,
  "UPDATE location_rates AS t SET "
  KEEP ("name", "b ->> 'name'") ", "
  "       amount = CASE WHEN b ? 'amount_per_hour' THEN (b -> 'amount_per_hour' ->> 'amount')::bigint"
  "                ELSE t.amount END,"
  "       currency = CASE WHEN b ? 'amount_per_hour' THEN b -> 'amount_per_hour' ->> 'currency'"
  "                  ELSE t.currency END, "
  KEEP ("percent_bp", "(b ->> 'percent_bp')::int") ", "
  KEEP ("active", "(b ->> 'active')::boolean")
  "  FROM (SELECT $3::jsonb AS b) x"
  " WHERE t.id = $1::uuid AND t.version = $2::int AND t.location_id = $4::uuid"
  " RETURNING " RATE_COLUMNS,
  rate_fields, G_N_ELEMENTS (rate_fields), check_rate, "kind", "percent_bp",
};

/* ------------------------------------------------------- opening hours --- */

#define HOURS_COLUMNS \
  "t.id, t.location_id, t.weekday, t.closed, to_char(t.opens_at, 'HH24:MI') AS opens_at," \
  " to_char(t.closes_at, 'HH24:MI') AS closes_at, t.version, t.created_at, t.updated_at"

static const VbHandlerField day_fields[] = {
  { "weekday", VB_HANDLER_FIELD_INT, TRUE, FALSE, 0, 6, NULL },
  { "closed", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
  { "opens_at", VB_HANDLER_FIELD_TIME, FALSE, TRUE, 0, 0, NULL },
  { "closes_at", VB_HANDLER_FIELD_TIME, FALSE, TRUE, 0, 0, NULL },
};

static gboolean
check_week (JsonObject  *body,
            GError     **error)
{
  JsonNode *node = json_object_get_member (body, "days");
  JsonArray *days;
  gboolean seen[7] = { FALSE };

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      vb_set_validation_error (error, "days", "days must be an array of weekdays");
      return FALSE;
    }
  days = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (days); i++)
    {
      JsonNode *element = json_array_get_element (days, i);
      g_autofree char *prefix = g_strdup_printf ("days[%u].", i);
      JsonObject *day;
      gint64 weekday;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_autofree char *field = g_strdup_printf ("days[%u]", i);
          vb_set_validation_error (error, field, "%s must be an object", field);
          return FALSE;
        }
      day = json_node_get_object (element);
      if (!vb_handler_check_fields (day, day_fields, G_N_ELEMENTS (day_fields), TRUE, prefix, error)
          || !check_hours (day, FALSE, TRUE, prefix, error))
        return FALSE;
      weekday = json_object_get_int_member (day, "weekday");
      if (seen[weekday])
        {
          g_autofree char *field = g_strconcat (prefix, "weekday", NULL);
          vb_set_validation_error (error, field, "%s appears twice", field);
          return FALSE;
        }
      seen[weekday] = TRUE;
    }
  return TRUE;
}

static gboolean
list_hours (VbRequest  *req,
            GError    **error)
{
  static const SubResource hours = {
    "opening hours", "opening-hours",
    "SELECT " HOURS_COLUMNS " FROM opening_hours t WHERE t.location_id = $1::uuid ORDER BY t.weekday",
    NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL,
  };
  return sub_list (req, &hours, error);
}

/* Upserts the days sent (a changed day keeps its id, bumps its version) and
 * deletes the days left out (a week without them: closed). */
static gboolean
put_hours_txn (VbDbConn  *conn,
               gpointer   user_data,
               GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) upserted = NULL;
  g_autoptr(PGresult) deleted = NULL;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (!check_scope (conn, w->user_id, "location_setup.manage", w->parent_id, error))
    return FALSE;
  upserted = vb_db_execv (conn, error,
    "INSERT INTO opening_hours AS t (location_id, weekday, closed, opens_at, closes_at)"
    " SELECT $1::uuid, (d ->> 'weekday')::int, coalesce((d ->> 'closed')::boolean, false),"
    "        CASE WHEN coalesce((d ->> 'closed')::boolean, false) THEN NULL ELSE (d ->> 'opens_at')::time END,"
    "        CASE WHEN coalesce((d ->> 'closed')::boolean, false) THEN NULL ELSE (d ->> 'closes_at')::time END"
    "   FROM jsonb_array_elements($2::jsonb -> 'days') d"
    " ON CONFLICT (location_id, weekday) DO UPDATE"
    "   SET closed = EXCLUDED.closed, opens_at = EXCLUDED.opens_at, closes_at = EXCLUDED.closes_at"
    "   WHERE (t.closed, t.opens_at, t.closes_at)"
    "         IS DISTINCT FROM (EXCLUDED.closed, EXCLUDED.opens_at, EXCLUDED.closes_at)",
    w->parent_id, w->body);
  if (upserted == NULL)
    return FALSE;
  deleted = vb_db_execv (conn, error,
    "DELETE FROM opening_hours t WHERE t.location_id = $1::uuid"
    "   AND t.weekday NOT IN (SELECT (d ->> 'weekday')::int FROM jsonb_array_elements($2::jsonb -> 'days') d)",
    w->parent_id, w->body);
  if (deleted == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " HOURS_COLUMNS " FROM opening_hours t WHERE t.location_id = $1::uuid ORDER BY t.weekday",
    w->parent_id);
  if (res == NULL)
    return FALSE;
  w->result = vb_db_rows_to_json_array (res);
  return TRUE;
}

static gboolean
put_hours (VbRequest  *req,
           GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !check_week (body, error)
      || !vb_request_transaction (req, put_hours_txn, &w, error))
    return FALSE;
  vb_handler_reply_list (req, g_steal_pointer (&w.result), NULL);
  return TRUE;
}

/* --------------------------------------------------------------- routes --- */

#define SUB_HANDLERS(name, sub) \
  static gboolean list_##name (VbRequest *req, GError **error) { return sub_list (req, &sub, error); } \
  static gboolean create_##name (VbRequest *req, GError **error) { return sub_create (req, &sub, error); } \
  static gboolean update_##name (VbRequest *req, GError **error) { return sub_update (req, &sub, error); }

SUB_HANDLERS (bays, bays)
SUB_HANDLERS (closures, closures)
SUB_HANDLERS (rates, rates)

static const VbRoute setup_routes[] = {
  { "GET", "/api/v1/locations/{id}/bays", list_bays, "locations.read", 0,
    "The bays of a location with their capabilities" },
  { "POST", "/api/v1/locations/{id}/bays", create_bays, "location_setup.manage", 0,
    "Add a bay (name, capabilities among lift, hv_certified, alignment, tire_machine, dc_charger)" },
  { "PATCH", "/api/v1/locations/{id}/bays/{item_id}", update_bays, "location_setup.manage", 0,
    "Change a bay (version required)" },
  { "GET", "/api/v1/locations/{id}/opening-hours", list_hours, "locations.read", 0,
    "Opening hours per weekday (0 = Sunday)" },
  { "PUT", "/api/v1/locations/{id}/opening-hours", put_hours, "location_setup.manage", 0,
    "Replace the week's opening hours ({\"days\": [...]}; days left out are removed)" },
  { "GET", "/api/v1/locations/{id}/closures", list_closures, "locations.read", 0,
    "Exceptions to the opening hours (closed days, special hours)" },
  { "POST", "/api/v1/locations/{id}/closures", create_closures, "location_setup.manage", 0,
    "Add a closure or special hours for a date" },
  { "PATCH", "/api/v1/locations/{id}/closures/{item_id}", update_closures, "location_setup.manage", 0,
    "Change a closure (version required)" },
  { "GET", "/api/v1/locations/{id}/rates", list_rates, "locations.read", 0,
    "Labor rate and tax rates of a location" },
  { "POST", "/api/v1/locations/{id}/rates", create_rates, "location_setup.manage", 0,
    "Add the labor rate (amount_per_hour) or a tax rate (percent_bp)" },
  { "PATCH", "/api/v1/locations/{id}/rates/{item_id}", update_rates, "location_setup.manage", 0,
    "Change a rate (version required)" },
};

void
vb_handler_location_setup_register (VbRouter *router)
{
  vb_router_add_routes (router, setup_routes, G_N_ELEMENTS (setup_routes));
}
