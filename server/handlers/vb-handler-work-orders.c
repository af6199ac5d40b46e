/* vb-handler-work-orders.c — /api/v1/work-orders (S3, T1): check-in with the
 * reception form, the EV triage and quarantine, and the status machine.
 *
 * The rules live in PostgreSQL (0006-work-orders.sql), so they hold for
 * every writer: vb_work_order_check validates each status move (VB409 → 409
 * naming status, a missing reason → 422 naming reason) and refuses a bay
 * before a passed triage or a cleared quarantine (409 naming bay_id); a
 * failed triage quarantines the car (vb_triage_apply); only a technician
 * with a valid HV level 3 certification clears it (VB403 → 403).  This file
 * validates input so each 422 names its field, scopes every row with
 * vb_has_permission for the work order's location (another location's work
 * order is 404), and does each write in one vb_request_transaction, so the
 * audit and change-feed triggers record it atomically.
 *
 * Reads embed the customer and the vehicle (and, for one work order, its
 * tasks, triages and status history) in the same statement.  The list walks
 * one index per readable location (a LATERAL join, newest check-in first)
 * so a page costs the same on a million work orders as on ten.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

static const char * const priorities[] = { "low", "normal", "high", "urgent", NULL };
static const char * const statuses[] = {
  "checked_in", "quarantined", "diagnosing", "awaiting_approval", "in_progress", "on_hold",
  "quality_check", "ready", "collected", "cancelled", NULL
};

/* RFC 3339 UTC text for timestamps inside json_build_object (PostgreSQL
 * would write "+00:00"; top-level columns are converted by vb-db.c). */
#define TS(col) "to_char((" col ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#define WORK_ORDER_COLUMNS \
  "w.id, w.location_id, w.number, w.customer_id, w.vehicle_id, w.appointment_id, w.status," \
  " w.resume_status, w.status_reason, w.priority, w.promised_at, w.bay_id, w.lead_technician_id," \
  " w.odometer_km, w.soc_in_percent, w.soc_promised_percent, w.soc_out_percent, w.charge_cable_left," \
  " w.damage_notes, to_json(w.damage_photo_ids) AS damage_photo_ids, w.concerns, w.items_left," \
  " w.customer_signature_id, w.contact_consent, w.software_version_in, w.software_version_out," \
  " w.parking_place, w.triage_passed, w.quarantine_cleared_by, w.quarantine_cleared_at," \
  " w.checked_in_by, w.checked_in_at, w.collected_at, w.version, w.created_at, w.updated_at"

/* The small related objects a screen needs in the same round trip. */
#define CUSTOMER_EMBED \
  "(SELECT json_build_object('id', c.id, 'kind', c.kind, 'display_name', c.display_name," \
  "                          'given_name', c.given_name, 'family_name', c.family_name," \
  "                          'company_name', c.company_name, 'phones', c.phones, 'emails', c.emails," \
  "                          'preferred_language', c.preferred_language, 'erased', c.erased_at IS NOT NULL)" \
  "   FROM customers c WHERE c.id = w.customer_id) AS customer"

#define VEHICLE_EMBED \
  "(SELECT json_build_object('id', v.id, 'plate', v.plate, 'vin', v.vin, 'make', v.make, 'model', v.model," \
  "                          'year', v.year, 'hv_class', v.hv_class, 'chemistry', v.chemistry," \
  "                          'battery_usable_kwh', v.battery_usable_kwh, 'charge_port', v.charge_port," \
  "                          'software_version', v.software_version, 'erased', v.erased_at IS NOT NULL)" \
  "   FROM vehicles v WHERE v.id = w.vehicle_id) AS vehicle"

#define DETAIL_EMBEDS \
  "(SELECT coalesce(json_agg(json_build_object(" \
  "          'id', t.id, 'service_type_id', t.service_type_id, 'title', t.title, 'position', t.position," \
  "          'estimated_tenths', t.estimated_tenths, 'required_hv_level', t.required_hv_level," \
  "          'technician_id', t.technician_id, 'priority', t.priority, 'promised_at', " TS ("t.promised_at") "," \
  "          'status', t.status, 'version', t.version, 'created_at', " TS ("t.created_at") "," \
  "          'updated_at', " TS ("t.updated_at") ")" \
  "        ORDER BY t.position, t.created_at, t.id), '[]'::json)" \
  "   FROM work_order_tasks t WHERE t.work_order_id = w.id) AS tasks," \
  " (SELECT coalesce(json_agg(json_build_object(" \
  "          'id', g.id, 'smoke_or_smell', g.smoke_or_smell, 'burn_marks', g.burn_marks," \
  "          'underbody_damage', g.underbody_damage, 'critical_fault', g.critical_fault," \
  "          'fault_codes', g.fault_codes, 'photo_ids', g.photo_ids, 'parking_place', g.parking_place," \
  "          'notes', g.notes, 'passed', g.passed, 'performed_by', g.performed_by," \
  "          'performed_at', " TS ("g.performed_at") ", 'version', g.version)" \
  "        ORDER BY g.performed_at DESC, g.id DESC), '[]'::json)" \
  "   FROM work_order_triages g WHERE g.work_order_id = w.id) AS triages," \
  " (SELECT coalesce(json_agg(json_build_object(" \
  "          'id', h.id, 'from_status', h.from_status, 'to_status', h.to_status, 'reason', h.reason," \
  "          'changed_by', h.changed_by, 'changed_at', " TS ("h.changed_at") ")" \
  "        ORDER BY h.changed_at, h.id), '[]'::json)" \
  "   FROM work_order_status_history h WHERE h.work_order_id = w.id) AS status_history"

#define GET_SQL \
  "SELECT " WORK_ORDER_COLUMNS ", " CUSTOMER_EMBED ", " VEHICLE_EMBED ", " DETAIL_EMBEDS \
  "  FROM work_orders w WHERE w.id = $1::uuid"

/* The sort key of the list, (checked_in_at, id), as cursor text. */
#define LIST_KEY \
  TS ("w.checked_in_at") " || '|' || w.id::text AS _key"

/* ------------------------------------------------------------ helpers --- */

typedef struct
{
  const char *user_id;
  const char *id;            /* the work order (path, or created) */
  JsonObject *body;          /* create: completed from the appointment */
  char       *body_text;
  char       *version;       /* optional guard (status, triage) / required (PATCH) */
  const char *status;
  const char *reason;
  const char *notes;
  char       *created_id;
  JsonNode   *result;
} OrderWrite;

static void
order_write_clear (OrderWrite *w)
{
  g_clear_pointer (&w->body, json_object_unref);
  g_clear_pointer (&w->body_text, g_free);
  g_clear_pointer (&w->version, g_free);
  g_clear_pointer (&w->created_id, g_free);
  g_clear_pointer (&w->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (OrderWrite, order_write_clear)

static gboolean
fetch_order (VbDbConn    *conn,
             const char  *id,
             JsonNode   **result,
             GError     **error)
{
  return vb_handler_fetch_row (conn, GET_SQL, id, "work order", result, error);
}

/* Locks the work order for a write by user_id: 404 if they cannot see it,
 * 403 without permission at its location, version_conflict (with the
 * current record) when version is set and stale.  *status: its status. */
static gboolean
lock_order (VbDbConn    *conn,
            OrderWrite  *w,
            const char  *permission,
            char       **status,
            GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT w.status, w.version, vb_has_permission($2::uuid, 'work_orders.read', w.location_id) AS _read,"
    "       vb_has_permission($2::uuid, $3, w.location_id) AS _may"
    "  FROM work_orders w WHERE w.id = $1::uuid FOR UPDATE",
    w->id, w->user_id, permission);
  g_autofree char *refusal = g_strdup_printf ("You do not hold %s at this work order's location", permission);

  if (res == NULL || !vb_handler_check_access (res, "work order", refusal, error))
    return FALSE;
  /* The conflict carries the full record (with embeds), not the locked row. */
  if (w->version != NULL && vb_db_get_int (res, 0, 1) != g_ascii_strtoll (w->version, NULL, 10))
    {
      g_autoptr(JsonNode) current = NULL;

      if (!fetch_order (conn, w->id, &current, error))
        return FALSE;
      g_propagate_error (error, vb_handler_version_conflict (g_steal_pointer (&current)));
      return FALSE;
    }
  if (status != NULL)
    *status = g_strdup (vb_db_get (res, 0, 0));
  return TRUE;
}

/* An array of at most max strings of 1..max_chars characters. */
static gboolean
check_text_array (JsonObject  *body,
                  const char  *member,
                  guint        max,
                  guint        max_chars,
                  const char  *prefix,
                  GError     **error)
{
  JsonNode *node = json_object_get_member (body, member);
  g_autofree char *field = g_strconcat (prefix ? prefix : "", member, NULL);
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (array = json_node_get_array (node)) > max)
    {
      vb_set_validation_error (error, field, "%s must be an array of at most %u strings", field, max);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *e = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          vb_set_validation_error (error, field, "%s must hold strings", field);
          return FALSE;
        }
      if (!vb_validate_length (json_node_get_string (e), field, 1, max_chars, error))
        return FALSE;
    }
  return TRUE;
}

/* 409s from unique constraints name the member they are about. */
static void
name_conflict (GError *error)
{
  vb_handler_name_conflict (error, "work_orders_pkey", "id", NULL);
  vb_handler_name_conflict (error, "appointment_id", "appointment_id", NULL);
}

/* ------------------------------------------------------------ reception --- */

/* The reception form, on check-in and PATCH. */
static const VbHandlerField form_fields[] = {
  { "odometer_km", VB_HANDLER_FIELD_INT, FALSE, TRUE, 0, 3000000, NULL },
  { "soc_in_percent", VB_HANDLER_FIELD_INT, FALSE, TRUE, 0, 100, NULL },
  { "soc_promised_percent", VB_HANDLER_FIELD_INT, FALSE, TRUE, 0, 100, NULL },
  { "charge_cable_left", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
  { "damage_notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 4000, NULL },
  { "concerns", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 4000, NULL },
  { "items_left", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 2000, NULL },
  { "customer_signature_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "contact_consent", VB_HANDLER_FIELD_BOOL, FALSE, FALSE, 0, 0, NULL },
  { "software_version_in", VB_HANDLER_FIELD_TEXT, FALSE, TRUE, 0, 100, NULL },
  { "parking_place", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 100, NULL },
  { "priority", VB_HANDLER_FIELD_CHOICE, FALSE, FALSE, 0, 0, priorities },
  { "promised_at", VB_HANDLER_FIELD_TIMESTAMP, FALSE, TRUE, 0, 0, NULL },
  { "bay_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "lead_technician_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
};

static const VbHandlerField create_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "location_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "appointment_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "customer_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "vehicle_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
};

/* Only on PATCH: what is known when the car leaves. */
static const VbHandlerField leave_fields[] = {
  { "soc_out_percent", VB_HANDLER_FIELD_INT, FALSE, TRUE, 0, 100, NULL },
  { "software_version_out", VB_HANDLER_FIELD_TEXT, FALSE, TRUE, 0, 100, NULL },
};

static const VbHandlerField triage_fields[] = {
  { "smoke_or_smell", VB_HANDLER_FIELD_BOOL, TRUE, FALSE, 0, 0, NULL },
  { "burn_marks", VB_HANDLER_FIELD_BOOL, TRUE, FALSE, 0, 0, NULL },
  { "underbody_damage", VB_HANDLER_FIELD_BOOL, TRUE, FALSE, 0, 0, NULL },
  { "critical_fault", VB_HANDLER_FIELD_BOOL, TRUE, FALSE, 0, 0, NULL },
  { "parking_place", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 100, NULL },
  { "notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 4000, NULL },
};

static gboolean
check_triage (JsonObject  *triage,
              const char  *prefix,
              GError     **error)
{
  return vb_handler_check_fields (triage, triage_fields, G_N_ELEMENTS (triage_fields), TRUE, prefix, error)
         && check_text_array (triage, "fault_codes", 100, 50, prefix, error)
         && vb_handler_check_uuid_array (triage, "photo_ids", 50, prefix, error);
}

static gboolean
check_form (JsonObject  *body,
            gboolean     create,
            GError     **error)
{
  if (!vb_handler_check_fields (body, form_fields, G_N_ELEMENTS (form_fields), create, NULL, error)
      || !vb_handler_check_uuid_array (body, "damage_photo_ids", 50, NULL, error))
    return FALSE;
  if (create)
    {
      JsonNode *triage = json_object_get_member (body, "triage");

      if (!vb_handler_check_fields (body, create_fields, G_N_ELEMENTS (create_fields), TRUE, NULL, error)
          || !vb_handler_check_uuid_array (body, "service_type_ids", 20, NULL, error))
        return FALSE;
      if (!vb_handler_has_member (body, "appointment_id"))
        {
          if (!vb_handler_has_member (body, "location_id"))
            {
              vb_set_validation_error (error, "location_id", "location_id is required (or appointment_id)");
              return FALSE;
            }
          if (!vb_handler_has_member (body, "customer_id"))
            {
              vb_set_validation_error (error, "customer_id", "customer_id is required (or appointment_id)");
              return FALSE;
            }
          if (!vb_handler_has_member (body, "vehicle_id"))
            {
              vb_set_validation_error (error, "vehicle_id", "vehicle_id is required (or appointment_id)");
              return FALSE;
            }
        }
      if (triage != NULL && !JSON_NODE_HOLDS_NULL (triage))
        {
          if (!JSON_NODE_HOLDS_OBJECT (triage))
            {
              vb_set_validation_error (error, "triage", "triage must be an object");
              return FALSE;
            }
          if (!check_triage (json_node_get_object (triage), "triage.", error))
            return FALSE;
        }
      return TRUE;
    }
  return vb_handler_check_fields (body, leave_fields, G_N_ELEMENTS (leave_fields), FALSE, NULL, error);
}

/* Odometers only go up: km below the vehicle's highest reading so far is
 * 422 naming odometer_km (corrections go through the vehicle's readings). */
static gboolean
record_odometer (VbDbConn    *conn,
                 const char  *user_id,
                 const char  *vehicle_id,
                 const char  *km,
                 GError     **error)
{
  g_autoptr(PGresult) last = vb_db_execv (conn, error,
    "SELECT max(odometer_km) FROM odometer_readings WHERE vehicle_id = $1::uuid AND read_at <= now()",
    vehicle_id);
  g_autoptr(PGresult) res = NULL;

  if (last == NULL)
    return FALSE;
  if (vb_db_get (last, 0, 0) != NULL
      && g_ascii_strtoll (km, NULL, 10) < g_ascii_strtoll (vb_db_get (last, 0, 0), NULL, 10))
    {
      g_autoptr(JsonObject) details = json_object_new ();

      json_object_set_int_member (details, "previous_km", g_ascii_strtoll (vb_db_get (last, 0, 0), NULL, 10));
      vb_set_validation_error (error, "odometer_km",
                               "odometer_km is lower than the vehicle's last reading; a correction is "
                               "recorded on the vehicle's odometer readings");
      vb_error_set_details (*error, details);
      return FALSE;
    }
  res = vb_db_execv (conn, error,
    "INSERT INTO odometer_readings (vehicle_id, location_id, odometer_km, source, recorded_by)"
    " SELECT v.id, v.location_id, $2::int, 'reception', $3::uuid FROM vehicles v WHERE v.id = $1::uuid",
    vehicle_id, km, user_id);
  return res != NULL;
}

/* The vehicle's software version follows what reception and the bay saw. */
static gboolean
update_software_version (VbDbConn    *conn,
                         const char  *vehicle_id,
                         const char  *version,
                         GError     **error)
{
  g_autoptr(PGresult) res = NULL;

  if (version == NULL)
    return TRUE;
  res = vb_db_execv (conn, error,
    "UPDATE vehicles SET software_version = $2"
    " WHERE id = $1::uuid AND software_version IS DISTINCT FROM $2",
    vehicle_id, version);
  return res != NULL;
}

/* The lead technician works at the location; a signature is an upload. */
static gboolean
check_references (VbDbConn    *conn,
                  const char  *body_text,
                  const char  *location_id,
                  GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT (b ->> 'lead_technician_id') IS NULL"
    "         OR vb_has_permission((b ->> 'lead_technician_id')::uuid, 'work_orders.technical', $2::uuid),"
    "       (b ->> 'customer_signature_id') IS NULL"
    "         OR EXISTS (SELECT 1 FROM attachments a WHERE a.id = (b ->> 'customer_signature_id')::uuid)"
    "  FROM (SELECT $1::jsonb AS b) x",
    body_text, location_id);

  if (res == NULL)
    return FALSE;
  if (!vb_db_get_bool (res, 0, 0))
    {
      vb_set_validation_error (error, "lead_technician_id",
                               "lead_technician_id must be a technician of this location");
      return FALSE;
    }
  if (!vb_db_get_bool (res, 0, 1))
    {
      vb_set_validation_error (error, "customer_signature_id", "customer_signature_id must be an uploaded file");
      return FALSE;
    }
  return TRUE;
}

/* Inserts a triage; the trigger quarantines the car when it fails. */
static gboolean
insert_triage (VbDbConn    *conn,
               const char  *order_id,
               const char  *triage_text,
               const char  *user_id,
               GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "INSERT INTO work_order_triages (work_order_id, smoke_or_smell, burn_marks, underbody_damage,"
    "                                critical_fault, fault_codes, photo_ids, parking_place, notes, performed_by)"
    " SELECT $1::uuid, (b ->> 'smoke_or_smell')::boolean, (b ->> 'burn_marks')::boolean,"
    "        (b ->> 'underbody_damage')::boolean, (b ->> 'critical_fault')::boolean,"
    "        CASE WHEN jsonb_typeof(b -> 'fault_codes') = 'array'"
    "             THEN ARRAY(SELECT jsonb_array_elements_text(b -> 'fault_codes')) ELSE '{}' END,"
    "        CASE WHEN jsonb_typeof(b -> 'photo_ids') = 'array'"
    "             THEN ARRAY(SELECT jsonb_array_elements_text(b -> 'photo_ids')::uuid) ELSE '{}' END,"
    "        coalesce(b ->> 'parking_place', ''), coalesce(b ->> 'notes', ''), $3::uuid"
    "   FROM (SELECT $2::jsonb AS b) x",
    order_id, triage_text, user_id);

  return res != NULL;
}

/* A bay is set by an UPDATE, never on insert, so that vb_work_order_check
 * decides (409 naming bay_id before a passed triage). */
static gboolean
assign_bay (VbDbConn    *conn,
            const char  *order_id,
            const char  *bay_id,
            GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "UPDATE work_orders SET bay_id = $2::uuid WHERE id = $1::uuid", order_id, bay_id);

  return res != NULL;
}

/* -------------------------------------------------------------- reads --- */

/* One filter appended to the list query: " AND <fragment>" with $n
 * numbered as it is added; fragments are constants, values parameters. */
static void
add_filter (GString     *sql,
            GPtrArray   *params,
            const char  *fragment,
            const char  *value)
{
  g_autofree char *n = g_strdup_printf ("$%u", params->len + 1);
  g_auto(GStrv) parts = g_strsplit (fragment, "$?", -1);
  g_autofree char *text = g_strjoinv (n, parts);

  g_string_append_printf (sql, " AND %s", text);
  g_ptr_array_add (params, (gpointer) value);
}

static gboolean
list_work_orders (VbRequest  *req,
                  GError    **error)
{
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *location_id = vb_request_get_query (req, "location_id");
  const char *status = vb_request_get_query (req, "status");
  const char *customer_id = vb_request_get_query (req, "customer_id");
  const char *vehicle_id = vb_request_get_query (req, "vehicle_id");
  const char *technician_id = vb_request_get_query (req, "technician_id");
  const char *q = vb_request_get_query (req, "q");
  g_autoptr(GPtrArray) params = g_ptr_array_new ();
  g_autoptr(GString) filters = g_string_new (NULL);
  g_autoptr(GString) sql = g_string_new (NULL);
  g_autoptr(PGresult) res = NULL;
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_auto(GStrv) key = NULL;
  gboolean narrow = customer_id != NULL || vehicle_id != NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error)
      || (location_id != NULL && !vb_validate_uuid (location_id, "location_id", error))
      || (customer_id != NULL && !vb_validate_uuid (customer_id, "customer_id", error))
      || (vehicle_id != NULL && !vb_validate_uuid (vehicle_id, "vehicle_id", error))
      || (technician_id != NULL && !vb_validate_uuid (technician_id, "technician_id", error))
      || (q != NULL && !vb_validate_length (q, "q", 1, 100, error)))
    return FALSE;
  if (status != NULL && !g_str_equal (status, "open") && !g_strv_contains (statuses, status))
    {
      vb_set_validation_error (error, "status", "status must be open or a work-order status");
      return FALSE;
    }
  if (cursor_text != NULL)
    {
      g_autoptr(GDateTime) at = NULL;

      if ((after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
        return FALSE;
      key = g_strsplit (after, "|", 2);
      if (g_strv_length (key) != 2 || (at = g_date_time_new_from_iso8601 (key[0], NULL)) == NULL
          || !g_uuid_string_is_valid (key[1]))
        {
          vb_set_validation_error (error, "cursor", "cursor is not one this server issued");
          return FALSE;
        }
    }
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  g_ptr_array_add (params, (gpointer) vb_request_get_principal (req)->user_id);
  if (location_id != NULL)
    g_ptr_array_add (params, (gpointer) location_id);   /* $2 */
  /* Only the filters given become SQL, so each shape gets its own plan
   * (an "open" list must match the partial index work_orders_open). */
  if (narrow && location_id != NULL)
    g_string_append (filters, " AND w.location_id = $2::uuid");
  if (status != NULL && g_str_equal (status, "open"))
    g_string_append (filters, " AND w.status NOT IN ('collected', 'cancelled')");
  else if (status != NULL)
    add_filter (filters, params, "w.status = $?", status);
  if (customer_id != NULL)
    add_filter (filters, params, "w.customer_id = $?::uuid", customer_id);
  if (vehicle_id != NULL)
    add_filter (filters, params, "w.vehicle_id = $?::uuid", vehicle_id);
  if (technician_id != NULL)
    add_filter (filters, params, "w.lead_technician_id = $?::uuid", technician_id);
  if (q != NULL)
    add_filter (filters, params,
      "(w.number::text = btrim($?)"
      " OR EXISTS (SELECT 1 FROM customers c WHERE c.id = w.customer_id"
      "             AND strpos(c.search_text, lower(btrim($?))) > 0)"
      " OR EXISTS (SELECT 1 FROM vehicles v WHERE v.id = w.vehicle_id"
      "             AND length(regexp_replace($?, '[^[:alnum:]]', '', 'g')) > 0"
      "             AND (strpos(v.plate_norm, upper(regexp_replace($?, '[^[:alnum:]]', '', 'g'))) > 0"
      "                  OR strpos(v.vin, upper(btrim($?))) > 0)))",
      q);
  if (key != NULL)
    {
      add_filter (filters, params, "w.checked_in_at <= $?::timestamptz", key[0]);
      g_string_append_printf (filters, " AND (w.checked_in_at, w.id) < ($%u::timestamptz, $%u::uuid)",
                              params->len, params->len + 1);
      g_ptr_array_add (params, key[1]);
    }
  limit_text = g_strdup_printf ("%u", limit + 1);
  g_ptr_array_add (params, limit_text);

  if (narrow)
    /* A customer's or a vehicle's orders: few rows, found by their index. */
    g_string_append_printf (sql,
      "WITH page AS (SELECT w.* FROM work_orders w"
      "               WHERE vb_has_permission($1::uuid, 'work_orders.read', w.location_id)%s"
      "               ORDER BY w.checked_in_at DESC, w.id DESC LIMIT $%u::int)",
      filters->str, params->len);
  else
    /* Newest first per readable location (an index walk each), merged. */
    g_string_append_printf (sql,
      "WITH locs AS (SELECT l.id FROM locations l"
      "               WHERE vb_has_permission($1::uuid, 'work_orders.read', l.id)%s),"
      " page AS (SELECT p.* FROM locs CROSS JOIN LATERAL"
      "            (SELECT w.* FROM work_orders w WHERE w.location_id = locs.id%s"
      "              ORDER BY w.checked_in_at DESC, w.id DESC LIMIT $%u::int) p"
      "           ORDER BY p.checked_in_at DESC, p.id DESC LIMIT $%u::int)",
      location_id != NULL ? " AND l.id = $2::uuid" : "", filters->str, params->len, params->len);
  g_string_append (sql,
    " SELECT " WORK_ORDER_COLUMNS ", " CUSTOMER_EMBED ", " VEHICLE_EMBED ", " LIST_KEY
    "   FROM page w ORDER BY w.checked_in_at DESC, w.id DESC");

  res = vb_db_exec (conn, sql->str, params->len, (const char * const *) params->pdata, error);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
get_work_order (VbRequest  *req,
                GError    **error)
{
  return vb_handler_reply_row (req, GET_SQL " AND vb_has_permission($2::uuid, 'work_orders.read', w.location_id)",
                               "work order", error);
}

/* ------------------------------------------------------------ check-in --- */

/* From a booked appointment: its location, customer, vehicle and services
 * complete the body (409 naming appointment_id unless it is booked). */
static gboolean
take_appointment (VbDbConn    *conn,
                  OrderWrite  *w,
                  GError     **error)
{
  JsonObject *b = w->body;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT a.location_id, a.customer_id, a.vehicle_id, a.status, to_json(a.service_type_ids),"
    "       vb_has_permission($2::uuid, 'work_orders.write', a.location_id)"
    "  FROM appointments a WHERE a.id = $1::uuid FOR UPDATE",
    vb_handler_string_member (b, "appointment_id"), w->user_id);
  const char *location;

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      vb_set_validation_error (error, "appointment_id", "No such appointment");
      return FALSE;
    }
  location = vb_db_get (res, 0, 0);
  if (vb_handler_has_member (b, "location_id") && g_strcmp0 (vb_handler_string_member (b, "location_id"), location) != 0)
    {
      vb_set_validation_error (error, "appointment_id", "The appointment is booked at another location");
      return FALSE;
    }
  if (!vb_db_get_bool (res, 0, 5))
    return vb_handler_forbidden (error, "You may not check cars in at this location");
  if (g_strcmp0 (vb_db_get (res, 0, 3), "booked") != 0)
    return vb_handler_conflict (error, "appointment_id", "Only a booked appointment can be checked in");
  if (vb_handler_has_member (b, "customer_id") && g_strcmp0 (vb_handler_string_member (b, "customer_id"), vb_db_get (res, 0, 1)) != 0)
    {
      vb_set_validation_error (error, "customer_id", "customer_id differs from the appointment's");
      return FALSE;
    }
  json_object_set_string_member (b, "location_id", location);
  json_object_set_string_member (b, "customer_id", vb_db_get (res, 0, 1));
  if (vb_db_get (res, 0, 2) != NULL)
    json_object_set_string_member (b, "vehicle_id", vb_db_get (res, 0, 2));
  else if (!vb_handler_has_member (b, "vehicle_id"))
    {
      vb_set_validation_error (error, "vehicle_id", "The appointment names no vehicle: vehicle_id is required");
      return FALSE;
    }
  if (!vb_handler_has_member (b, "service_type_ids"))
    json_object_set_member (b, "service_type_ids", json_from_string (vb_db_get (res, 0, 4), NULL));
  return TRUE;
}

/* Location, customer, vehicle and services of a check-in. */
static gboolean
check_create_scope (VbDbConn    *conn,
                    OrderWrite  *w,
                    GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT EXISTS (SELECT 1 FROM locations l WHERE l.id = (b ->> 'location_id')::uuid AND l.active),"
    "       vb_has_permission($2::uuid, 'work_orders.write', (b ->> 'location_id')::uuid),"
    "       (SELECT c.erased_at IS NULL FROM customers c WHERE c.id = (b ->> 'customer_id')::uuid),"
    "       (SELECT v.customer_id = (b ->> 'customer_id')::uuid AND v.erased_at IS NULL"
    "          FROM vehicles v WHERE v.id = (b ->> 'vehicle_id')::uuid),"
    "       (SELECT count(*) FROM service_types s WHERE s.active AND s.id IN"
    "          (SELECT jsonb_array_elements_text(coalesce(b -> 'service_type_ids', '[]'))::uuid))"
    "         = (SELECT count(DISTINCT e) FROM jsonb_array_elements_text(coalesce(b -> 'service_type_ids', '[]')) e)"
    "         AND (SELECT count(DISTINCT e) FROM jsonb_array_elements_text(coalesce(b -> 'service_type_ids', '[]')) e)"
    "             = jsonb_array_length(coalesce(b -> 'service_type_ids', '[]'))"
    "  FROM (SELECT CASE WHEN jsonb_typeof($1::jsonb -> 'service_type_ids') = 'null'"
    "                    THEN $1::jsonb - 'service_type_ids' ELSE $1::jsonb END AS b) x",
    w->body_text, w->user_id);

  if (res == NULL)
    return FALSE;
  if (!vb_db_get_bool (res, 0, 0))
    {
      vb_set_validation_error (error, "location_id", "No such active location");
      return FALSE;
    }
  if (!vb_db_get_bool (res, 0, 1))
    return vb_handler_forbidden (error, "You may not check cars in at this location");
  if (vb_db_get (res, 0, 2) == NULL || !vb_db_get_bool (res, 0, 2))
    {
      vb_set_validation_error (error, "customer_id",
                               vb_db_get (res, 0, 2) == NULL ? "No such customer" : "This customer has been erased");
      return FALSE;
    }
  if (vb_db_get (res, 0, 3) == NULL || !vb_db_get_bool (res, 0, 3))
    {
      vb_set_validation_error (error, "vehicle_id", "vehicle_id must be a vehicle of the customer");
      return FALSE;
    }
  if (!vb_db_get_bool (res, 0, 4))
    {
      vb_set_validation_error (error, "service_type_ids", "service_type_ids must name distinct active service types");
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  OrderWrite *w = user_data;
  JsonObject *b = w->body;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) tasks = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *appointment_id = vb_handler_string_member (b, "appointment_id");

  g_clear_pointer (&w->created_id, g_free);
  if (appointment_id != NULL && !take_appointment (conn, w, error))
    return FALSE;
  g_clear_pointer (&w->body_text, g_free);
  w->body_text = vb_json_object_to_string (b, NULL);
  if (!check_create_scope (conn, w, error)
      || !check_references (conn, w->body_text, vb_handler_string_member (b, "location_id"), error))
    return FALSE;

  res = vb_db_execv (conn, &local_error,
    "INSERT INTO work_orders (id, location_id, customer_id, vehicle_id, appointment_id, priority, promised_at,"
    "                         lead_technician_id, odometer_km, soc_in_percent, soc_promised_percent,"
    "                         charge_cable_left, damage_notes, damage_photo_ids, concerns, items_left,"
    "                         customer_signature_id, contact_consent, software_version_in, parking_place,"
    "                         checked_in_by)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'location_id')::uuid,"
    "        (b ->> 'customer_id')::uuid, (b ->> 'vehicle_id')::uuid, (b ->> 'appointment_id')::uuid,"
    "        coalesce(b ->> 'priority', 'normal'), (b ->> 'promised_at')::timestamptz,"
    "        (b ->> 'lead_technician_id')::uuid, (b ->> 'odometer_km')::int, (b ->> 'soc_in_percent')::int,"
    "        (b ->> 'soc_promised_percent')::int, coalesce((b ->> 'charge_cable_left')::boolean, false),"
    "        coalesce(b ->> 'damage_notes', ''),"
    "        CASE WHEN jsonb_typeof(b -> 'damage_photo_ids') = 'array'"
    "             THEN ARRAY(SELECT jsonb_array_elements_text(b -> 'damage_photo_ids')::uuid) ELSE '{}' END,"
    "        coalesce(b ->> 'concerns', ''), coalesce(b ->> 'items_left', ''),"
    "        (b ->> 'customer_signature_id')::uuid, coalesce((b ->> 'contact_consent')::boolean, false),"
    "        b ->> 'software_version_in', coalesce(b ->> 'parking_place', ''), $2::uuid"
    "   FROM (SELECT $1::jsonb AS b) x"
    " RETURNING id",
    w->body_text, w->user_id);
  if (res == NULL)
    {
      name_conflict (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  w->created_id = g_strdup (vb_db_get (res, 0, 0));

  /* One task per service, in the order given. */
  tasks = vb_db_execv (conn, error,
    "INSERT INTO work_order_tasks (work_order_id, service_type_id, title, position, estimated_tenths,"
    "                              required_hv_level)"
    " SELECT $1::uuid, s.id, s.name, x.n, s.standard_labor_tenths, s.required_hv_level"
    "   FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof($2::jsonb -> 'service_type_ids') = 'array'"
    "                                       THEN $2::jsonb -> 'service_type_ids' ELSE '[]' END)"
    "        WITH ORDINALITY AS x(id, n)"
    "   JOIN service_types s ON s.id = x.id::uuid"
    "  ORDER BY x.n",
    w->created_id, w->body_text);
  if (tasks == NULL)
    return FALSE;
  if (vb_handler_has_member (b, "odometer_km"))
    {
      g_autofree char *km = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (b, "odometer_km"));

      if (!record_odometer (conn, w->user_id, vb_handler_string_member (b, "vehicle_id"), km, error))
        return FALSE;
    }
  if (!update_software_version (conn, vb_handler_string_member (b, "vehicle_id"), vb_handler_string_member (b, "software_version_in"), error))
    return FALSE;
  if (appointment_id != NULL)
    {
      g_autoptr(PGresult) appt = vb_db_execv (conn, error,
        "UPDATE appointments SET status = 'checked_in' WHERE id = $1::uuid", appointment_id);
      if (appt == NULL)
        return FALSE;
    }
  if (vb_handler_has_member (b, "triage"))
    {
      g_autoptr(JsonNode) triage = json_node_copy (json_object_get_member (b, "triage"));
      g_autofree char *text = vb_json_to_string (triage, NULL);

      if (!insert_triage (conn, w->created_id, text, w->user_id, error))
        {
          /* The trigger names the triage's member; say it is the nested one. */
          if (error != NULL && *error != NULL && g_error_matches (*error, VB_ERROR, VB_ERROR_VALIDATION)
              && vb_error_get_field (*error) != NULL)
            {
              g_autofree char *field = g_strconcat ("triage.", vb_error_get_field (*error), NULL);
              vb_error_set_field (*error, field);
            }
          return FALSE;
        }
    }
  if (vb_handler_has_member (b, "bay_id")
      && !assign_bay (conn, w->created_id, vb_handler_string_member (b, "bay_id"), error))
    return FALSE;
  return fetch_order (conn, w->created_id, &w->result, error);
}

static gboolean
create_work_order (VbRequest  *req,
                   GError    **error)
{
  g_auto(OrderWrite) w = { 0 };

  if ((w.body = vb_request_parse_body (req, error)) == NULL
      || !check_form (w.body, TRUE, error))
    return FALSE;
  w.user_id = vb_request_get_principal (req)->user_id;
  if (!vb_request_transaction (req, create_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/work-orders", &w.result);
  return TRUE;
}

/* --------------------------------------------------------------- update --- */

#define SET_TEXT(c) " " c " = CASE WHEN b ? '" c "' THEN b ->> '" c "' ELSE t." c " END,"
#define SET_CAST(c, type) " " c " = CASE WHEN b ? '" c "' THEN (b ->> '" c "')::" type " ELSE t." c " END,"

static gboolean
update_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  OrderWrite *w = user_data;
  JsonObject *b = w->body;
  g_autofree char *status = NULL;
  g_autoptr(PGresult) res = NULL;
  const char *location_id;
  const char *vehicle_id;

  if (!lock_order (conn, w, "work_orders.write", &status, error))
    return FALSE;
  if (g_str_equal (status, "collected") || g_str_equal (status, "cancelled"))
    return vb_handler_conflict (error, "status", "A collected or cancelled work order is a closed record");
  res = vb_db_execv (conn, error,
    "SELECT location_id, vehicle_id, odometer_km FROM work_orders WHERE id = $1::uuid", w->id);
  if (res == NULL)
    return FALSE;
  location_id = vb_db_get (res, 0, 0);
  vehicle_id = vb_db_get (res, 0, 1);
  if (!check_references (conn, w->body_text, location_id, error))
    return FALSE;
  if (vb_handler_has_member (b, "odometer_km")
      && json_object_get_int_member (b, "odometer_km") != (vb_db_get (res, 0, 2) ? vb_db_get_int (res, 0, 2) : -1))
    {
      g_autofree char *km = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (b, "odometer_km"));

      if (!record_odometer (conn, w->user_id, vehicle_id, km, error))
        return FALSE;
    }
  {
    g_autoptr(PGresult) upd = vb_db_execv (conn, error,
      "UPDATE work_orders AS t SET"
      SET_CAST ("odometer_km", "int") SET_CAST ("soc_in_percent", "int")
      SET_CAST ("soc_promised_percent", "int") SET_CAST ("soc_out_percent", "int")
      SET_CAST ("charge_cable_left", "boolean") SET_TEXT ("damage_notes")
      "  damage_photo_ids = CASE WHEN jsonb_typeof(b -> 'damage_photo_ids') = 'array'"
      "       THEN ARRAY(SELECT jsonb_array_elements_text(b -> 'damage_photo_ids')::uuid)"
      "       WHEN b ? 'damage_photo_ids' THEN '{}' ELSE t.damage_photo_ids END,"
      SET_TEXT ("concerns") SET_TEXT ("items_left") SET_CAST ("customer_signature_id", "uuid")
      SET_CAST ("contact_consent", "boolean") SET_TEXT ("software_version_in")
      SET_TEXT ("software_version_out") SET_TEXT ("parking_place") SET_TEXT ("priority")
      SET_CAST ("promised_at", "timestamptz") SET_CAST ("bay_id", "uuid")
      SET_CAST ("lead_technician_id", "uuid")
      "  version = t.version"
      "  FROM (SELECT $2::jsonb AS b) x"
      " WHERE t.id = $1::uuid",
      w->id, w->body_text);
    if (upd == NULL)
      return FALSE;
  }
  /* What the car runs now: the version it left with, else the one it came in with. */
  if (!update_software_version (conn, vehicle_id,
                                vb_handler_string_member (b, "software_version_out") ? vb_handler_string_member (b, "software_version_out")
                                                                          : vb_handler_string_member (b, "software_version_in"),
                                error))
    return FALSE;
  return fetch_order (conn, w->id, &w->result, error);
}

static gboolean
update_work_order (VbRequest  *req,
                   GError    **error)
{
  g_auto(OrderWrite) w = { 0 };
  gint64 version = 0;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (w.body = vb_request_parse_body (req, error)) == NULL
      || !vb_handler_body_version (w.body, &version, error)
      || !check_form (w.body, FALSE, error))
    return FALSE;
  w.user_id = vb_request_get_principal (req)->user_id;
  w.version = g_strdup_printf ("%" G_GINT64_FORMAT, version);
  w.body_text = vb_json_object_to_string (w.body, NULL);
  return vb_handler_transact_reply (req, update_txn, &w, 200, &w.result, error);
}

/* ---------------------------------------------------------- state moves --- */

/* The optional {"version": n} guard of the action routes. */
static gboolean
read_action_body (VbRequest   *req,
                  OrderWrite  *w,
                  gboolean     required,
                  GError     **error)
{
  w->user_id = vb_request_get_principal (req)->user_id;
  if ((w->id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (!required && !vb_handler_has_body (req))
    {
      w->body = json_object_new ();
      return TRUE;
    }
  if ((w->body = vb_request_parse_body (req, error)) == NULL)
    return FALSE;
  /* Here "version": null means no guard. */
  return !vb_handler_has_member (w->body, "version")
         || vb_handler_optional_version (w->body, &w->version, error);
}

static gboolean
status_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  OrderWrite *w = user_data;
  g_autofree char *status = NULL;
  g_autoptr(PGresult) res = NULL;

  if (!lock_order (conn, w, "work_orders.write", &status, error))
    return FALSE;
  if (g_str_equal (status, w->status))
    return vb_handler_conflict (error, "status", "The work order is already %s", status);
  /* vb_work_order_check decides whether the move is legal. */
  res = vb_db_execv (conn, error,
    "UPDATE work_orders SET status = $2, status_reason = coalesce($3, '') WHERE id = $1::uuid",
    w->id, w->status, w->reason);
  if (res == NULL)
    return FALSE;
  return fetch_order (conn, w->id, &w->result, error);
}

static gboolean
move_work_order (VbRequest  *req,
                 GError    **error)
{
  g_auto(OrderWrite) w = { 0 };

  if (!read_action_body (req, &w, TRUE, error)
      || !vb_json_optional_string (w.body, "reason", &w.reason, error)
      || (w.reason != NULL && !vb_validate_length (w.reason, "reason", 0, 1000, error)))
    return FALSE;
  w.status = vb_handler_string_member (w.body, "status");
  if (w.status == NULL || !g_strv_contains (statuses, w.status))
    {
      g_autofree char *list = g_strjoinv (", ", (GStrv) statuses);
      vb_set_validation_error (error, "status", "status must be one of %s", list);
      return FALSE;
    }
  return vb_handler_transact_reply (req, status_txn, &w, 200, &w.result, error);
}

static gboolean
triage_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  OrderWrite *w = user_data;

  return lock_order (conn, w, "work_orders.write", NULL, error)
         && insert_triage (conn, w->id, w->body_text, w->user_id, error)
         && fetch_order (conn, w->id, &w->result, error);
}

static gboolean
triage_work_order (VbRequest  *req,
                   GError    **error)
{
  g_auto(OrderWrite) w = { 0 };

  if (!read_action_body (req, &w, TRUE, error) || !check_triage (w.body, NULL, error))
    return FALSE;
  w.body_text = vb_json_object_to_string (w.body, NULL);
  return vb_handler_transact_reply (req, triage_txn, &w, 200, &w.result, error);
}

static gboolean
clear_txn (VbDbConn  *conn,
           gpointer   user_data,
           GError   **error)
{
  OrderWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;

  if (!lock_order (conn, w, "work_orders.technical", NULL, error))
    return FALSE;
  /* Refuses (VB403) without a valid HV level 3 certification today. */
  res = vb_db_execv (conn, error,
    "SELECT vb_work_order_clear_quarantine($1::uuid, $2::uuid, coalesce($3, ''))",
    w->id, w->user_id, w->notes);
  if (res == NULL)
    return FALSE;
  return fetch_order (conn, w->id, &w->result, error);
}

static gboolean
clear_quarantine (VbRequest  *req,
                  GError    **error)
{
  g_auto(OrderWrite) w = { 0 };

  if (!read_action_body (req, &w, FALSE, error)
      || !vb_json_optional_string (w.body, "notes", &w.notes, error)
      || (w.notes != NULL && !vb_validate_length (w.notes, "notes", 0, 1000, error)))
    return FALSE;
  return vb_handler_transact_reply (req, clear_txn, &w, 200, &w.result, error);
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute work_order_routes[] = {
  { "GET", "/api/v1/work-orders", list_work_orders, "work_orders.read", 0,
    "Work orders in the caller's locations, newest check-in first (?location_id, ?status or open,"
    " ?customer_id, ?vehicle_id, ?technician_id, ?q, ?limit, ?cursor); customer and vehicle embedded" },
  { "POST", "/api/v1/work-orders", create_work_order, "work_orders.write", 0,
    "Check a car in (walk-in or from a booked appointment) with the reception form and optional triage" },
  { "GET", "/api/v1/work-orders/{id}", get_work_order, "work_orders.read", 0,
    "One work order with customer, vehicle, tasks, triages and status history" },
  { "PATCH", "/api/v1/work-orders/{id}", update_work_order, "work_orders.write", 0,
    "Change the reception form, priority, promise, bay, lead technician, state of charge out (version required)" },
  { "POST", "/api/v1/work-orders/{id}/status", move_work_order, "work_orders.write", 0,
    "Move the work order along the status machine (409 for an illegal move)" },
  { "POST", "/api/v1/work-orders/{id}/triage", triage_work_order, "work_orders.write", 0,
    "Record the EV safety triage (a failure quarantines the car)" },
  { "POST", "/api/v1/work-orders/{id}/clear-quarantine", clear_quarantine, "work_orders.technical", 0,
    "Release a quarantined car (a technician with a valid HV level 3 certification)" },
};

void
vb_handler_work_orders_register (VbRouter *router)
{
  vb_router_add_routes (router, work_order_routes, G_N_ELEMENTS (work_order_routes));
}
