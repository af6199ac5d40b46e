/* vb-handler-appointments.c — /api/v1/availability and /api/v1/appointments (C3, S2).
 *
 * Double booking is prevented by PostgreSQL itself: exclusion constraints on
 * (bay_id, during) and (technician_id, during) for booked appointments
 * (0005-appointments.sql) turn a taken slot into 23P01 → 409 naming
 * starts_at, even for concurrent requests.  The booking rules (bay of the
 * location, hv_certified bay for HV services, technician on shift with the
 * HV level) are checked by a trigger that raises naming the column → 422.
 * Scoping is in SQL with vb_has_permission for the appointment's location.
 * Availability is one statement: a 15-minute grid over the opening hours
 * joined with bays and shifts, minus booked appointments.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

static const char * const sources[] = { "desk", "phone", "online", "walk_in", NULL };

#define APPOINTMENT_COLUMNS \
  "a.id, a.location_id, a.customer_id, a.vehicle_id, to_json(a.service_type_ids) AS service_type_ids," \
  " a.bay_id, a.technician_id, lower(a.during) AS starts_at, upper(a.during) AS ends_at," \
  " a.status, a.source, a.notes, a.version, a.created_at, a.updated_at"

#define GET_SQL \
  "SELECT " APPOINTMENT_COLUMNS " FROM appointments a WHERE a.id = $1::uuid"

/* ------------------------------------------------------------ helpers --- */

/* A member that, when present and not null (or required), must be a UUID. */
static gboolean
check_uuid (JsonObject  *body,
            const char  *member,
            gboolean     required,
            gboolean     nullable,
            GError     **error)
{
  JsonNode *node = json_object_get_member (body, member);
  const char *text;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required || (node != NULL && !nullable))
        {
          vb_set_validation_error (error, member, "%s is required", member);
          return FALSE;
        }
      return TRUE;
    }
  if ((text = vb_handler_string_member (body, member)) == NULL)
    {
      vb_set_validation_error (error, member, "%s must be a UUID", member);
      return FALSE;
    }
  return vb_validate_uuid (text, member, error);
}

static gboolean
check_timestamp (JsonObject  *body,
                 const char  *member,
                 gboolean     required,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (body, member);

  if (node == NULL && !required)
    return TRUE;
  if (!vb_handler_is_timestamp (vb_handler_string_member (body, member)))
    {
      vb_set_validation_error (error, member, "%s must be an RFC 3339 timestamp", member);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_notes (JsonObject  *body,
             GError     **error)
{
  JsonNode *node = json_object_get_member (body, "notes");

  if (node == NULL)
    return TRUE;
  if (vb_handler_string_member (body, "notes") == NULL)
    {
      vb_set_validation_error (error, "notes", "notes must be a string");
      return FALSE;
    }
  return vb_validate_length (vb_handler_string_member (body, "notes"), "notes", 0, 2000, error);
}

/* 409s from the exclusion constraints name starts_at (the slot is taken). */
static void
name_conflict (GError *error)
{
  vb_handler_name_conflict (error, "appointments_pkey", "id", NULL);
  vb_handler_name_conflict (error, "no_overlap", "starts_at",
                            "The slot was taken: the bay or the technician is already booked then");
}

/* After a write matched no row: 404 (not visible), 403 (no write permission),
 * version conflict, or 409 for the wrong state. */
static gboolean
explain_no_row (VbDbConn    *conn,
                VbHandlerWrite *w,
                const char  *state_message,
                GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT " APPOINTMENT_COLUMNS ","
    "       vb_has_permission($2::uuid, 'appointments.read', a.location_id) AS _read,"
    "       vb_has_permission($2::uuid, 'appointments.write', a.location_id) AS _may"
    "  FROM appointments a WHERE a.id = $1::uuid",
    w->id, w->user_id);

  if (res == NULL
      || !vb_handler_check_access (res, "appointment", "You may not change appointments of this location", error)
      || !vb_handler_check_version (res, w->version, error))
    return FALSE;
  return vb_handler_conflict (error, "status", "%s (status is %s)", state_message,
                              vb_db_get (res, 0, PQfnumber (res, "status")));
}

static gboolean
fetch_result (VbDbConn  *conn,
              VbHandlerWrite *w,
              GError   **error)
{
  return vb_handler_fetch_row (conn, GET_SQL, w->id, "appointment", &w->result, error);
}

/* -------------------------------------------------------- availability --- */

static gboolean
get_availability (VbRequest  *req,
                  GError    **error)
{
  const char *location_id = vb_request_get_query (req, "location_id");
  const char *services = vb_request_get_query (req, "service_type_ids");
  const char *from = vb_request_get_query (req, "from");
  const char *to = vb_request_get_query (req, "to");
  const char *user_id = vb_request_get_principal (req)->user_id;
  g_auto(GStrv) ids = NULL;
  g_autoptr(GString) array = g_string_new ("{");
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GDate) d_from = g_date_new ();
  g_autoptr(GDate) d_to = g_date_new ();
  VbDbConn *conn;
  guint n = 0;

  if (location_id == NULL)
    {
      vb_set_validation_error (error, "location_id", "location_id is required");
      return FALSE;
    }
  if (!vb_validate_uuid (location_id, "location_id", error))
    return FALSE;
  if (services == NULL || *services == '\0')
    {
      vb_set_validation_error (error, "service_type_ids", "service_type_ids is required");
      return FALSE;
    }
  ids = g_strsplit (services, ",", -1);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_strstrip (ids[i]);
      if (!vb_validate_uuid (ids[i], "service_type_ids", error))
        return FALSE;
      g_string_append_printf (array, "%s%s", n++ ? "," : "", ids[i]);
    }
  g_string_append_c (array, '}');
  if (n == 0 || n > 20)
    {
      vb_set_validation_error (error, "service_type_ids", "service_type_ids must list 1 to 20 ids");
      return FALSE;
    }
  if (!vb_handler_is_date (from))
    {
      vb_set_validation_error (error, "from", "from must be a date YYYY-MM-DD");
      return FALSE;
    }
  if (!vb_handler_is_date (to))
    {
      vb_set_validation_error (error, "to", "to must be a date YYYY-MM-DD");
      return FALSE;
    }
  g_date_set_parse (d_from, from);
  g_date_set_parse (d_to, to);
  if (g_date_days_between (d_from, d_to) < 0 || g_date_days_between (d_from, d_to) > 13)
    {
      vb_set_validation_error (error, "to", "to must be from `from` to at most 13 days later (14 days)");
      return FALSE;
    }
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  scope = vb_db_execv (conn, error,
    "SELECT EXISTS (SELECT 1 FROM locations WHERE id = $2::uuid),"
    "       vb_has_permission($1::uuid, 'appointments.read', $2::uuid),"
    "       (SELECT count(*) FROM service_types WHERE id = ANY ($3::uuid[]) AND active)"
    "         = (SELECT count(DISTINCT x) FROM unnest($3::uuid[]) x)",
    user_id, location_id, array->str);
  if (scope == NULL)
    return FALSE;
  if (!vb_db_get_bool (scope, 0, 0) || !vb_db_get_bool (scope, 0, 1))
    {
      if (!vb_db_get_bool (scope, 0, 0))
        {
          vb_set_validation_error (error, "location_id", "No such location");
          return FALSE;
        }
      return vb_handler_forbidden (error, "You may not see appointments of this location");
    }
  if (!vb_db_get_bool (scope, 0, 2))
    {
      vb_set_validation_error (error, "service_type_ids", "service_type_ids must name active service types");
      return FALSE;
    }
  /* One statement: the grid of each open day, × active bays that can take
   * the services, × technicians whose shift covers the slot, minus booked
   * appointments of the bay or the technician; one technician per
   * (start, bay). */
  res = vb_db_execv (conn, error,
    "WITH loc AS (SELECT id, time_zone FROM locations WHERE id = $1::uuid AND active),"
    " svc AS (SELECT greatest(15, (ceil(coalesce(sum(standard_labor_tenths), 0) * 6 / 15.0) * 15)::int) AS minutes,"
    "                coalesce(max(required_hv_level), 0) AS hv"
    "           FROM service_types WHERE id = ANY ($2::uuid[])),"
    " days AS (SELECT d::date AS day FROM generate_series($3::date, $4::date, interval '1 day') d),"
    " hours AS (SELECT loc.id AS location_id, loc.time_zone, days.day,"
    "                  CASE WHEN c.id IS NOT NULL THEN c.opens_at ELSE oh.opens_at END AS opens,"
    "                  CASE WHEN c.id IS NOT NULL THEN c.closes_at ELSE oh.closes_at END AS closes"
    "             FROM loc CROSS JOIN days"
    "             LEFT JOIN opening_hours oh ON oh.location_id = loc.id"
    "                                       AND oh.weekday = extract(dow FROM days.day)::int"
    "             LEFT JOIN location_closures c ON c.location_id = loc.id AND c.date = days.day"
    "            WHERE (c.id IS NOT NULL AND NOT c.closed)"
    "               OR (c.id IS NULL AND oh.id IS NOT NULL AND NOT oh.closed)),"
    " slots AS (SELECT h.location_id, h.day, g AS starts_at,"
    "                  g + make_interval(mins => svc.minutes) AS ends_at, svc.hv"
    "             FROM hours h CROSS JOIN svc,"
    "                  generate_series((h.day + h.opens) AT TIME ZONE h.time_zone,"
    "                                  (h.day + h.closes) AT TIME ZONE h.time_zone"
    "                                    - make_interval(mins => svc.minutes),"
    "                                  interval '15 minutes') g"
    "            WHERE g > now())"
    " SELECT DISTINCT ON (s.starts_at, b.name, b.id)"
    "        s.starts_at, s.ends_at, b.id AS bay_id, b.name AS bay_name, t.user_id AS technician_id"
    "   FROM slots s"
    "   JOIN bays b ON b.location_id = s.location_id AND b.active"
    "              AND (s.hv = 0 OR 'hv_certified' = ANY (b.capabilities))"
    "   JOIN shifts t ON t.location_id = s.location_id"
    "                AND t.during @> tstzrange(s.starts_at, s.ends_at)"
    "  WHERE NOT EXISTS (SELECT 1 FROM appointments a"
    "                     WHERE a.bay_id = b.id AND a.status = 'booked'"
    "                       AND a.during && tstzrange(s.starts_at, s.ends_at))"
    "    AND NOT EXISTS (SELECT 1 FROM appointments a"
    "                     WHERE a.technician_id = t.user_id AND a.status = 'booked'"
    "                       AND a.during && tstzrange(s.starts_at, s.ends_at))"
    "    AND NOT EXISTS (SELECT 1 FROM staff_leave l"
    "                     WHERE l.user_id = t.user_id AND s.day BETWEEN l.starts_on AND l.ends_on)"
    "    AND vb_user_hv_level(t.user_id, s.day) >= s.hv"
    "  ORDER BY s.starts_at, b.name, b.id, t.user_id"
    "  LIMIT 5000",
    location_id, array->str, from, to);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_list (req, vb_db_rows_to_json_array (res), NULL);
  return TRUE;
}

/* -------------------------------------------------------------- reads --- */

static gboolean
list_appointments (VbRequest  *req,
                   GError    **error)
{
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *location_id = vb_request_get_query (req, "location_id");
  const char *bay_id = vb_request_get_query (req, "bay_id");
  const char *technician_id = vb_request_get_query (req, "technician_id");
  const char *customer_id = vb_request_get_query (req, "customer_id");
  const char *status = vb_request_get_query (req, "status");
  const char *from = vb_request_get_query (req, "from");
  const char *to = vb_request_get_query (req, "to");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error)
      || (location_id != NULL && !vb_validate_uuid (location_id, "location_id", error))
      || (bay_id != NULL && !vb_validate_uuid (bay_id, "bay_id", error))
      || (technician_id != NULL && !vb_validate_uuid (technician_id, "technician_id", error))
      || (customer_id != NULL && !vb_validate_uuid (customer_id, "customer_id", error)))
    return FALSE;
  if (status != NULL && !g_strv_contains ((const char * const[]) { "booked", "cancelled", "no_show", "checked_in", NULL }, status))
    {
      vb_set_validation_error (error, "status", "status must be one of booked, cancelled, no_show, checked_in");
      return FALSE;
    }
  if (from != NULL && !vb_handler_is_date (from) && !vb_handler_is_timestamp (from))
    {
      vb_set_validation_error (error, "from", "from must be a date or an RFC 3339 timestamp");
      return FALSE;
    }
  if (to != NULL && !vb_handler_is_date (to) && !vb_handler_is_timestamp (to))
    {
      vb_set_validation_error (error, "to", "to must be a date or an RFC 3339 timestamp");
      return FALSE;
    }
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  /* Dates are local days of the appointment's location (to inclusive). */
  res = vb_db_execv (conn, error,
    "SELECT " APPOINTMENT_COLUMNS ","
    "       to_char(lower(a.during) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "       || ' ' || a.id::text AS _key"
    "  FROM appointments a JOIN locations l ON l.id = a.location_id"
    " WHERE vb_has_permission($1::uuid, 'appointments.read', a.location_id)"
    "   AND ($2::uuid IS NULL OR a.location_id = $2::uuid)"
    "   AND ($3::text IS NULL OR upper(a.during) > CASE WHEN length($3) = 10"
    "        THEN $3::date::timestamp AT TIME ZONE l.time_zone ELSE $3::timestamptz END)"
    "   AND ($4::text IS NULL OR lower(a.during) < CASE WHEN length($4) = 10"
    "        THEN ($4::date + 1)::timestamp AT TIME ZONE l.time_zone ELSE $4::timestamptz END)"
    "   AND ($5::uuid IS NULL OR a.bay_id = $5::uuid)"
    "   AND ($6::uuid IS NULL OR a.technician_id = $6::uuid)"
    "   AND ($7::uuid IS NULL OR a.customer_id = $7::uuid)"
    "   AND ($8::text IS NULL OR a.status = $8)"
    "   AND ($9::text IS NULL OR to_char(lower(a.during) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || a.id::text > $9)"
    " ORDER BY lower(a.during), a.id LIMIT $10::int",
    vb_request_get_principal (req)->user_id, location_id, from, to, bay_id, technician_id,
    customer_id, status, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
get_appointment (VbRequest  *req,
                 GError    **error)
{
  return vb_handler_reply_row (req, GET_SQL " AND vb_has_permission($2::uuid, 'appointments.read', a.location_id)",
                               "appointment", error);
}

/* ------------------------------------------------------------- create --- */

static gboolean
check_create (JsonObject  *body,
              GError     **error)
{
  JsonNode *node;
  JsonArray *array;
  const char *source;

  if (!check_uuid (body, "id", FALSE, TRUE, error)
      || !check_uuid (body, "location_id", TRUE, FALSE, error)
      || !check_uuid (body, "customer_id", TRUE, FALSE, error)
      || !check_uuid (body, "vehicle_id", FALSE, TRUE, error)
      || !check_uuid (body, "bay_id", TRUE, FALSE, error)
      || !check_uuid (body, "technician_id", FALSE, TRUE, error)
      || !check_timestamp (body, "starts_at", TRUE, error)
      || (vb_handler_has_member (body, "ends_at") && !check_timestamp (body, "ends_at", TRUE, error))
      || !check_notes (body, error))
    return FALSE;
  node = json_object_get_member (body, "service_type_ids");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (array = json_node_get_array (node)) == 0
      || json_array_get_length (array) > 20)
    {
      vb_set_validation_error (error, "service_type_ids", "service_type_ids must be an array of 1 to 20 ids");
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING
          || !vb_validate_uuid (json_node_get_string (e), "service_type_ids", error))
        {
          if (error != NULL && *error == NULL)
            vb_set_validation_error (error, "service_type_ids", "service_type_ids must hold UUIDs");
          return FALSE;
        }
    }
  if (vb_handler_has_member (body, "source")
      && ((source = vb_handler_string_member (body, "source")) == NULL || !g_strv_contains (sources, source)))
    {
      vb_set_validation_error (error, "source", "source must be one of desk, phone, online, walk_in");
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  scope = vb_db_execv (conn, error,
    "SELECT EXISTS (SELECT 1 FROM locations WHERE id = ($2::jsonb ->> 'location_id')::uuid),"
    "       vb_has_permission($1::uuid, 'appointments.write', ($2::jsonb ->> 'location_id')::uuid)",
    w->user_id, w->body);
  if (scope == NULL)
    return FALSE;
  if (!vb_db_get_bool (scope, 0, 0))
    {
      vb_set_validation_error (error, "location_id", "No such location");
      return FALSE;
    }
  if (!vb_db_get_bool (scope, 0, 1))
    return vb_handler_forbidden (error, "You may not book appointments at this location");
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO appointments (id, location_id, customer_id, vehicle_id, service_type_ids, bay_id,"
    "                          technician_id, during, source, notes)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'location_id')::uuid,"
    "        (b ->> 'customer_id')::uuid, (b ->> 'vehicle_id')::uuid, y.ids, (b ->> 'bay_id')::uuid,"
    "        (b ->> 'technician_id')::uuid,"
    "        tstzrange(y.st, coalesce((b ->> 'ends_at')::timestamptz, y.st + make_interval(mins => z.m))),"
    "        coalesce(b ->> 'source', 'desk'), coalesce(b ->> 'notes', '')"
    "   FROM (SELECT $1::jsonb AS b) x"
    "  CROSS JOIN LATERAL (SELECT ARRAY(SELECT jsonb_array_elements_text(x.b -> 'service_type_ids')::uuid) AS ids,"
    "                             (x.b ->> 'starts_at')::timestamptz AS st) y"
    "  CROSS JOIN LATERAL (SELECT greatest(15, (ceil(coalesce(sum(standard_labor_tenths), 0) * 6 / 15.0) * 15)::int) AS m"
    "                        FROM service_types WHERE id = ANY (y.ids)) z"
    " RETURNING id",
    w->body);
  if (res == NULL)
    {
      name_conflict (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  w->id = NULL;
  return vb_handler_fetch_row (conn, GET_SQL, vb_db_get (res, 0, 0), "appointment", &w->result, error);
}

static gboolean
create_appointment (VbRequest  *req,
                    GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !check_create (body, error)
      || !vb_request_transaction (req, create_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/appointments", &w.result);
  return TRUE;
}

/* ------------------------------------------------------------- update --- */

static gboolean
update_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  res = vb_db_execv (conn, &local_error,
    "UPDATE appointments AS t SET"
    "  during = CASE WHEN b ? 'starts_at' OR b ? 'ends_at' THEN"
    "             tstzrange(coalesce((b ->> 'starts_at')::timestamptz, lower(t.during)),"
    "                       coalesce((b ->> 'ends_at')::timestamptz,"
    "                                coalesce((b ->> 'starts_at')::timestamptz, lower(t.during))"
    "                                + (upper(t.during) - lower(t.during))))"
    "           ELSE t.during END,"
    "  bay_id = CASE WHEN b ? 'bay_id' THEN (b ->> 'bay_id')::uuid ELSE t.bay_id END,"
    "  technician_id = CASE WHEN b ? 'technician_id' THEN (b ->> 'technician_id')::uuid ELSE t.technician_id END,"
    "  notes = CASE WHEN b ? 'notes' THEN b ->> 'notes' ELSE t.notes END"
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE t.id = $1::uuid AND t.version = $2::int"
    "   AND vb_has_permission($4::uuid, 'appointments.write', t.location_id)"
    "   AND (t.status = 'booked' OR NOT (b ?| ARRAY['starts_at', 'ends_at', 'bay_id', 'technician_id']))"
    " RETURNING t.id",
    w->id, w->version, w->body, w->user_id);
  if (res == NULL)
    {
      name_conflict (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (PQntuples (res) == 0)
    return explain_no_row (conn, w, "Only booked appointments can be rescheduled", error);
  return fetch_result (conn, w, error);
}

static gboolean
update_appointment (VbRequest  *req,
                    GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !check_timestamp (body, "starts_at", FALSE, error)
      || !check_timestamp (body, "ends_at", FALSE, error)
      || !check_uuid (body, "bay_id", FALSE, FALSE, error)
      || !check_uuid (body, "technician_id", FALSE, TRUE, error)
      || !check_notes (body, error))
    return FALSE;
  return vb_handler_transact_reply (req, update_txn, &w, 200, &w.result, error);
}

/* ---------------------------------------------------- state changes --- */

/* A cancel or no-show: the write and the status it sets. */
typedef struct
{
  VbHandlerWrite  w;
  const char     *status;
} Transition;

static gboolean
transition_txn (VbDbConn  *conn,
                gpointer   user_data,
                GError   **error)
{
  Transition *t = user_data;
  VbHandlerWrite *w = &t->w;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "UPDATE appointments AS t SET status = $3"
    " WHERE t.id = $1::uuid AND t.status = 'booked'"
    "   AND ($2::int IS NULL OR t.version = $2::int)"
    "   AND vb_has_permission($4::uuid, 'appointments.write', t.location_id)"
    " RETURNING t.id",
    w->id, w->version, t->status, w->user_id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return explain_no_row (conn, w, "Only booked appointments can change this way", error);
  return fetch_result (conn, w, error);
}

/* Body optional: {"version": n} makes the change conditional. */
static gboolean
transition (VbRequest   *req,
            const char  *status,
            GError     **error)
{
  Transition t = { { 0 }, status };
  g_autoptr(JsonObject) body = NULL;
  gboolean ok;

  t.w.user_id = vb_request_get_principal (req)->user_id;
  ok = (t.w.id = vb_handler_uuid_param (req, "id", error)) != NULL
       && (!vb_handler_has_body (req)
           || ((body = vb_request_parse_body (req, error)) != NULL
               && vb_handler_optional_version (body, &t.w.version, error)))
       && vb_handler_transact_reply (req, transition_txn, &t, 200, &t.w.result, error);
  vb_handler_write_clear (&t.w);
  return ok;
}

static gboolean
cancel_appointment (VbRequest  *req,
                    GError    **error)
{
  return transition (req, "cancelled", error);
}

static gboolean
no_show_appointment (VbRequest  *req,
                     GError    **error)
{
  return transition (req, "no_show", error);
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute appointment_routes[] = {
  { "GET", "/api/v1/availability", get_availability, "appointments.read", 0,
    "Bookable slots (?location_id, ?service_type_ids=a,b, ?from, ?to dates, at most 14 days)" },
  { "GET", "/api/v1/appointments", list_appointments, "appointments.read", 0,
    "Appointments in the caller's locations (?location_id, ?from, ?to, ?bay_id, ?technician_id, ?customer_id, ?status, ?limit, ?cursor)" },
  { "POST", "/api/v1/appointments", create_appointment, "appointments.write", 0,
    "Book an appointment (409 if the slot was taken)" },
  { "GET", "/api/v1/appointments/{id}", get_appointment, "appointments.read", 0,
    "One appointment" },
  { "PATCH", "/api/v1/appointments/{id}", update_appointment, "appointments.write", 0,
    "Reschedule (starts_at, ends_at, bay_id, technician_id) or change notes (version required)" },
  { "POST", "/api/v1/appointments/{id}/cancel", cancel_appointment, "appointments.write", 0,
    "Cancel a booked appointment (frees the slot)" },
  { "POST", "/api/v1/appointments/{id}/no-show", no_show_appointment, "appointments.write", 0,
    "Mark a booked appointment as a no-show" },
};

void
vb_handler_appointments_register (VbRouter *router)
{
  vb_router_add_routes (router, appointment_routes, G_N_ELEMENTS (appointment_routes));
}
