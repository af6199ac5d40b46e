/* vb-handler-locations.c — /api/v1/locations: the shops of a chain.
 *
 * Reading is scoped per row in SQL (vb_has_permission on each location), so a
 * list can never show more than the caller may see whatever the C code does.
 * Creating and changing locations needs locations.manage in every location:
 * a manager scoped to one shop must not mint or rename others.  Writes run in
 * vb_request_transaction(), where the audit trigger records them together
 * with the caller and the request id.
 *
 * Input is validated in C before any SQL runs, so that every 422 names its
 * field; the CHECK constraints in 0001-foundation.sql stay as the backstop.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

#define LOCATION_COLUMNS \
  "l.id, l.code, l.name, l.time_zone, l.currency, l.address, l.phone, l.active," \
  " l.version, l.created_at, l.updated_at"

typedef struct
{
  const char *id;
  const char *code;
  const char *name;
  const char *time_zone;
  const char *currency;
  const char *address;
  const char *phone;
  const char *active;     /* "true"/"false"/NULL: a text parameter */
  gint64      version;
  JsonNode   *result;
} LocationWrite;

static void
location_write_clear (LocationWrite *w)
{
  g_clear_pointer (&w->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (LocationWrite, location_write_clear)

static gboolean
validate_code (const char  *code,
               GError     **error)
{
  if (!g_regex_match_simple ("^[A-Z0-9][A-Z0-9-]{1,15}$", code, 0, 0))
    {
      vb_set_validation_error (error, "code",
                               "code must be 2 to 16 capital letters, digits or dashes, "
                               "not starting with a dash");
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_time_zone (const char  *time_zone,
                    GError     **error)
{
  g_autoptr(GTimeZone) tz = NULL;

  /* An empty identifier would make GLib fall back to $TZ. */
  if (time_zone[0] != '\0' && strlen (time_zone) <= 64)
    tz = g_time_zone_new_identifier (time_zone);
  if (tz == NULL)
    {
      vb_set_validation_error (error, "time_zone",
                               "time_zone must be an IANA time zone such as Asia/Ho_Chi_Minh");
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_currency (const char  *currency,
                   GError     **error)
{
  if (!g_regex_match_simple ("^[A-Z]{3}$", currency, 0, 0))
    {
      vb_set_validation_error (error, "currency",
                               "currency must be an ISO 4217 code of three capital letters");
      return FALSE;
    }
  return TRUE;
}

/* The writable fields; on create code, name, time_zone and currency are
 * required, on update every field is optional. */
static gboolean
read_fields (JsonObject     *body,
             gboolean        create,
             LocationWrite  *w,
             GError        **error)
{
  if (create)
    {
      if (!vb_json_optional_string (body, "id", &w->id, error)
          || (w->id != NULL && !vb_validate_uuid (w->id, "id", error))
          || (w->code = vb_json_require_string (body, "code", error)) == NULL
          || (w->name = vb_json_require_string (body, "name", error)) == NULL
          || (w->time_zone = vb_json_require_string (body, "time_zone", error)) == NULL
          || (w->currency = vb_json_require_string (body, "currency", error)) == NULL)
        return FALSE;
    }
  else if (!vb_json_optional_string (body, "code", &w->code, error)
           || !vb_json_optional_string (body, "name", &w->name, error)
           || !vb_json_optional_string (body, "time_zone", &w->time_zone, error)
           || !vb_json_optional_string (body, "currency", &w->currency, error))
    return FALSE;

  if (!vb_json_optional_string (body, "address", &w->address, error)
      || !vb_json_optional_string (body, "phone", &w->phone, error))
    return FALSE;

  if (!vb_handler_optional_bool_param (body, "active", &w->active, error))
    return FALSE;

  return (w->code == NULL || validate_code (w->code, error))
         && (w->name == NULL || vb_validate_length (w->name, "name", 1, 200, error))
         && (w->time_zone == NULL || validate_time_zone (w->time_zone, error))
         && (w->currency == NULL || validate_currency (w->currency, error))
         && (w->address == NULL || vb_validate_length (w->address, "address", 0, 500, error))
         && (w->phone == NULL || vb_validate_length (w->phone, "phone", 0, 50, error));
}

/* A unique code, checked first so the 409 names the field; the constraint
 * still catches a concurrent insert. */
static gboolean
check_code_free (VbDbConn    *conn,
                 const char  *code,
                 const char  *except_id,
                 GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT 1 FROM locations WHERE code = $1 AND ($2::uuid IS NULL OR id <> $2::uuid)",
    code, except_id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    {
      g_propagate_error (error, vb_handler_field_error (VB_ERROR_CONFLICT, "code",
                                                        "Another location already has this code"));
      return FALSE;
    }
  return TRUE;
}

static void
name_conflict_field (GError *error,
                     const char *field)
{
  if (g_error_matches (error, VB_ERROR, VB_ERROR_CONFLICT) && vb_error_get_field (error) == NULL)
    vb_error_set_field (error, field);
}

/* ------------------------------------------------------------- reading --- */

static gboolean
list_locations (VbRequest  *req,
                GError    **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
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
    "SELECT " LOCATION_COLUMNS
    "  FROM locations l"
    " WHERE vb_has_permission($1::uuid, 'locations.read', l.id)"
    "   AND ($2::text IS NULL OR l.code > $2)"
    "   AND ($3::boolean IS NULL OR l.active = $3)"
    "   AND ($4::text IS NULL OR strpos(lower(l.code), lower($4)) > 0"
    "        OR strpos(lower(l.name), lower($4)) > 0)"
    " ORDER BY l.code"
    " LIMIT $5::int",
    principal->user_id, after, active, q, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "code");
  return TRUE;
}

static gboolean
get_location (VbRequest  *req,
              GError    **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " LOCATION_COLUMNS ","
    "       vb_has_permission($1::uuid, 'locations.read', l.id) AS _allowed"
    "  FROM locations l WHERE l.id = $2::uuid",
    principal->user_id, id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "location");
  if (!vb_db_get_bool (res, 0, PQfnumber (res, "_allowed")))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_FORBIDDEN,
                           "This location is outside the locations you may see");
      return FALSE;
    }
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

/* ------------------------------------------------------------- writing --- */

static gboolean
insert_location_txn (VbDbConn  *conn,
                     gpointer   user_data,
                     GError   **error)
{
  LocationWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (!check_code_free (conn, w->code, NULL, error))
    return FALSE;
  if (w->id != NULL)
    {
      g_autoptr(PGresult) existing = vb_db_execv (conn, error,
        "SELECT 1 FROM locations WHERE id = $1::uuid", w->id);
      if (existing == NULL)
        return FALSE;
      if (PQntuples (existing) > 0)
        {
          g_propagate_error (error,
                             vb_handler_field_error (VB_ERROR_CONFLICT, "id",
                                                     "A location with this id already exists"));
          return FALSE;
        }
    }
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO locations AS l (id, code, name, time_zone, currency, address, phone, active)"
    " VALUES (coalesce($1::uuid, gen_random_uuid()), $2, $3, $4, $5,"
    "         coalesce($6, ''), coalesce($7, ''), coalesce($8::boolean, true))"
    " RETURNING " LOCATION_COLUMNS,
    w->id, w->code, w->name, w->time_zone, w->currency, w->address, w->phone, w->active);
  if (res == NULL)
    {
      name_conflict_field (local_error, "code");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  w->result = vb_handler_row_to_json (res, 0);
  return TRUE;
}

static gboolean
create_location (VbRequest  *req,
                 GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(LocationWrite) w = { 0 };
  g_autofree char *location = NULL;

  if ((body = vb_request_parse_body (req, error)) == NULL
      || !read_fields (body, TRUE, &w, error)
      || !vb_request_transaction (req, insert_location_txn, &w, error))
    return FALSE;

  location = g_strdup_printf ("/api/v1/locations/%s",
                              json_object_get_string_member (json_node_get_object (w.result), "id"));
  vb_request_add_reply_header (req, "Location", location);
  vb_request_reply_json (req, 201, g_steal_pointer (&w.result));
  return TRUE;
}

static gboolean
update_location_txn (VbDbConn  *conn,
                     gpointer   user_data,
                     GError   **error)
{
  LocationWrite *w = user_data;
  g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, w->version);
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) current = NULL;
  g_autoptr(GError) local_error = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (w->code != NULL && !check_code_free (conn, w->code, w->id, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "UPDATE locations AS l SET"
    "       code = coalesce($3, l.code),"
    "       name = coalesce($4, l.name),"
    "       time_zone = coalesce($5, l.time_zone),"
    "       currency = coalesce($6, l.currency),"
    "       address = coalesce($7, l.address),"
    "       phone = coalesce($8, l.phone),"
    "       active = coalesce($9::boolean, l.active)"
    " WHERE l.id = $1::uuid AND l.version = $2::int"
    " RETURNING " LOCATION_COLUMNS,
    w->id, version, w->code, w->name, w->time_zone, w->currency, w->address, w->phone,
    w->active);
  if (res == NULL)
    {
      name_conflict_field (local_error, "code");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (PQntuples (res) == 1)
    {
      w->result = vb_handler_row_to_json (res, 0);
      return TRUE;
    }

  /* Nothing updated: either there is no such location or it moved on. */
  current = vb_db_execv (conn, error,
    "SELECT " LOCATION_COLUMNS " FROM locations l WHERE l.id = $1::uuid", w->id);
  if (current == NULL)
    return FALSE;
  if (PQntuples (current) == 0)
    return vb_handler_not_found (error, "location");
  g_propagate_error (error, vb_handler_version_conflict (vb_handler_row_to_json (current, 0)));
  return FALSE;
}

static gboolean
update_location (VbRequest  *req,
                 GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(LocationWrite) w = { 0 };

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_request_parse_body (req, error)) == NULL
      || !vb_handler_body_version (body, &w.version, error)
      || !read_fields (body, FALSE, &w, error)
      || !vb_request_transaction (req, update_location_txn, &w, error))
    return FALSE;

  vb_request_reply_json (req, 200, g_steal_pointer (&w.result));
  return TRUE;
}

static const VbRoute location_routes[] = {
  { "GET", "/api/v1/locations", list_locations, "locations.read", 0,
    "List the locations the caller may see (?q, ?active, ?limit, ?cursor)" },
  { "POST", "/api/v1/locations", create_location, "locations.manage", VB_ROUTE_GLOBAL,
    "Create a location (needs locations.manage in every location)" },
  { "GET", "/api/v1/locations/{id}", get_location, "locations.read", 0,
    "One location (403 outside the caller's locations)" },
  { "PATCH", "/api/v1/locations/{id}", update_location, "locations.manage", VB_ROUTE_GLOBAL,
    "Change a location (version required; needs locations.manage in every location)" },
};

void
vb_handler_locations_register (VbRouter *router)
{
  vb_router_add_routes (router, location_routes, G_N_ELEMENTS (location_routes));
}
