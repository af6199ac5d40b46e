/* vb-handler-vehicles.c — /api/v1/vehicles and their append-only readings.
 *
 * A vehicle belongs to a customer and lives in the customer's location
 * (location_id, kept equal by a trigger); reads are scoped in SQL with
 * vb_has_permission on it.  VINs are checked with shared/vb-vin.c: a wrong
 * check digit is a 422 for North-American VINs and a warning elsewhere
 * ({"warnings": [{"field": "vin", "code": "vin_check_digit"}]} in the reply).
 * Capacities are JSON numbers in kWh (numeric(6,2) in the database).
 *
 * Odometer readings never go backwards in time order unless flagged as a
 * correction with a reason; SoH readings hold a percentage with one decimal.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-vin.h"

#include <string.h>

#define VEHICLE_COLUMNS \
  "v.id, v.customer_id, v.location_id, v.plate, v.vin, v.make, v.model, v.year," \
  " to_jsonb(v.battery_gross_kwh) AS battery_gross_kwh," \
  " to_jsonb(v.battery_usable_kwh) AS battery_usable_kwh, v.chemistry, v.hv_class," \
  " v.charge_port, to_jsonb(v.obc_kw) AS obc_kw, v.heat_pump, v.software_version," \
  " v.battery_warranty_until::text AS battery_warranty_until, v.battery_warranty_km," \
  " v.erased_at, v.version, v.created_at, v.updated_at"

#define ODOMETER_COLUMNS \
  "o.id, o.vehicle_id, o.location_id, o.odometer_km, o.read_at, o.source, o.correction," \
  " o.reason, o.recorded_by, o.version, o.created_at, o.updated_at"

#define SOH_COLUMNS \
  "s.id, s.vehicle_id, s.location_id, to_jsonb(s.soh_percent) AS soh_percent," \
  " to_jsonb(s.usable_kwh) AS usable_kwh, s.measured_at, s.method, s.recorded_by," \
  " s.version, s.created_at, s.updated_at"

typedef struct
{
  const char *user_id;
  const char *id;
  const char *customer_id;
  const char *plate;
  char       *vin;
  gboolean    vin_warning;
  const char *make;
  const char *model;
  char       *year;
  char       *battery_gross_kwh;
  char       *battery_usable_kwh;
  const char *chemistry;
  char       *hv_class;
  const char *charge_port;
  char       *obc_kw;
  const char *heat_pump;
  const char *software_version;
  const char *battery_warranty_until;
  char       *battery_warranty_km;
  gint64      version;
  JsonNode   *result;
} VehicleWrite;

static void
vehicle_write_clear (VehicleWrite *w)
{
  g_clear_pointer (&w->vin, g_free);
  g_clear_pointer (&w->year, g_free);
  g_clear_pointer (&w->battery_gross_kwh, g_free);
  g_clear_pointer (&w->battery_usable_kwh, g_free);
  g_clear_pointer (&w->hv_class, g_free);
  g_clear_pointer (&w->obc_kw, g_free);
  g_clear_pointer (&w->battery_warranty_km, g_free);
  g_clear_pointer (&w->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VehicleWrite, vehicle_write_clear)

/* ------------------------------------------------------------ validation --- */

/* An optional JSON number within [min, max] with at most `decimals`
 * decimals, as text for a numeric parameter. */
static gboolean
read_decimal (JsonObject  *body,
              const char  *member,
              double       min,
              double       max,
              guint        decimals,
              char       **out,
              GError     **error)
{
  JsonNode *node = json_object_get_member (body, member);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char format[8];
  double value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node)
      || (json_node_get_value_type (node) != G_TYPE_INT64
          && json_node_get_value_type (node) != G_TYPE_DOUBLE))
    {
      vb_set_validation_error (error, member, "%s must be a number", member);
      return FALSE;
    }
  value = json_node_get_double (node);
  g_snprintf (format, sizeof format, "%%.%uf", decimals);
  g_ascii_formatd (buf, sizeof buf, format, value);
  if (value < min || value > max || g_ascii_strtod (buf, NULL) - value > 1e-9
      || value - g_ascii_strtod (buf, NULL) > 1e-9)
    {
      vb_set_validation_error (error, member, "%s must be between %g and %g with at most %u decimals",
                               member, min, max, decimals);
      return FALSE;
    }
  *out = g_strdup (buf);
  return TRUE;
}

static gboolean
read_int (JsonObject  *body,
          const char  *member,
          gint64       min,
          gint64       max,
          char       **out,
          GError     **error)
{
  gint64 value = G_MININT64;

  if (!vb_json_optional_int (body, member, &value, error))
    return FALSE;
  if (value == G_MININT64)
    return TRUE;
  if (value < min || value > max)
    {
      vb_set_validation_error (error, member, "%s must be between %" G_GINT64_FORMAT " and %"
                               G_GINT64_FORMAT, member, min, max);
      return FALSE;
    }
  *out = g_strdup_printf ("%" G_GINT64_FORMAT, value);
  return TRUE;
}

static gboolean
check_enum (const char  *value,
            const char  *field,
            const char **allowed,
            GError     **error)
{
  if (value != NULL && !g_strv_contains (allowed, value))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) allowed);
      vb_set_validation_error (error, field, "%s must be one of %s", field, list);
      return FALSE;
    }
  return TRUE;
}

static gboolean
validate_date (const char  *text,
               const char  *field,
               GError     **error)
{
  if (vb_handler_is_date (text))
    return TRUE;
  vb_set_validation_error (error, field, "%s must be a date YYYY-MM-DD", field);
  return FALSE;
}

/* An optional RFC 3339 time, returned in UTC (NULL when absent). */
static gboolean
read_time (JsonObject  *body,
           const char  *member,
           char       **out,
           GError     **error)
{
  const char *text = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GTimeZone) tz = g_time_zone_new_utc ();

  if (!vb_json_optional_string (body, member, &text, error))
    return FALSE;
  if (text == NULL)
    return TRUE;
  if ((when = g_date_time_new_from_iso8601 (text, tz)) == NULL)
    {
      vb_set_validation_error (error, member, "%s must be an RFC 3339 time", member);
      return FALSE;
    }
  utc = g_date_time_to_utc (when);
  *out = g_date_time_format_iso8601 (utc);
  return TRUE;
}

static gboolean
read_fields (JsonObject    *body,
             gboolean       create,
             VehicleWrite  *w,
             GError       **error)
{
  static const char *chemistries[] = { "NMC", "NCA", "LFP", "LMFP", "other", NULL };
  static const char *ports[] = { "CCS1", "CCS2", "CHAdeMO", "Type 2", "NACS", "GB/T", NULL };
  const char *vin = NULL;
  char *hv_class = NULL;

  if (create)
    {
      if (!vb_json_optional_string (body, "id", &w->id, error)
          || (w->id != NULL && !vb_validate_uuid (w->id, "id", error))
          || (w->customer_id = vb_json_require_string (body, "customer_id", error)) == NULL)
        return FALSE;
    }
  else if (!vb_json_optional_string (body, "customer_id", &w->customer_id, error))
    return FALSE;

  if (!(w->customer_id == NULL || vb_validate_uuid (w->customer_id, "customer_id", error))
      || !vb_json_optional_string (body, "plate", &w->plate, error)
      || !(w->plate == NULL || vb_validate_length (w->plate, "plate", 0, 20, error))
      || !vb_json_optional_string (body, "vin", &vin, error)
      || !vb_json_optional_string (body, "make", &w->make, error)
      || !(w->make == NULL || vb_validate_length (w->make, "make", 0, 100, error))
      || !vb_json_optional_string (body, "model", &w->model, error)
      || !(w->model == NULL || vb_validate_length (w->model, "model", 0, 100, error))
      || !read_int (body, "year", 1886, 2100, &w->year, error)
      || !read_decimal (body, "battery_gross_kwh", 0.01, 9999.99, 2, &w->battery_gross_kwh, error)
      || !read_decimal (body, "battery_usable_kwh", 0.01, 9999.99, 2, &w->battery_usable_kwh, error)
      || !vb_json_optional_string (body, "chemistry", &w->chemistry, error)
      || !check_enum (w->chemistry, "chemistry", chemistries, error)
      || !read_int (body, "hv_class", 0, 1000, &hv_class, error)
      || !vb_json_optional_string (body, "charge_port", &w->charge_port, error)
      || !check_enum (w->charge_port, "charge_port", ports, error)
      || !read_decimal (body, "obc_kw", 0.1, 9999.9, 1, &w->obc_kw, error)
      || !vb_handler_optional_bool_param (body, "heat_pump", &w->heat_pump, error)
      || !vb_json_optional_string (body, "software_version", &w->software_version, error)
      || !(w->software_version == NULL
           || vb_validate_length (w->software_version, "software_version", 0, 100, error))
      || !vb_json_optional_string (body, "battery_warranty_until", &w->battery_warranty_until, error)
      || !(w->battery_warranty_until == NULL
           || validate_date (w->battery_warranty_until, "battery_warranty_until", error))
      || !read_int (body, "battery_warranty_km", 0, 10000000, &w->battery_warranty_km, error))
    {
      g_free (hv_class);
      return FALSE;
    }
  w->hv_class = hv_class;
  if (hv_class != NULL && !g_str_equal (hv_class, "400") && !g_str_equal (hv_class, "800"))
    {
      vb_set_validation_error (error, "hv_class", "hv_class must be 400 or 800");
      return FALSE;
    }
  if (vin != NULL && vin[0] != '\0'
      && (w->vin = vb_vin_validate (vin, "vin", &w->vin_warning, error)) == NULL)
    return FALSE;
  if (w->battery_gross_kwh != NULL && w->battery_usable_kwh != NULL
      && g_ascii_strtod (w->battery_usable_kwh, NULL) > g_ascii_strtod (w->battery_gross_kwh, NULL))
    {
      vb_set_validation_error (error, "battery_usable_kwh",
                               "battery_usable_kwh cannot exceed battery_gross_kwh");
      return FALSE;
    }
  return TRUE;
}

/* The customer a vehicle is attached to: 422 if absent, 403 without
 * vehicles.write at its location, 409 if erased. */
static gboolean
check_owner (VbDbConn    *conn,
             const char  *user_id,
             const char  *customer_id,
             GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT vb_has_permission($1::uuid, 'vehicles.write', c.preferred_location_id),"
    "       c.erased_at IS NOT NULL"
    "  FROM customers c WHERE c.id = $2::uuid FOR SHARE",
    user_id, customer_id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      vb_set_validation_error (error, "customer_id", "No such customer");
      return FALSE;
    }
  if (!vb_db_get_bool (res, 0, 0))
    return vb_handler_forbidden (error, "This customer is outside the locations where you may change vehicles");
  if (vb_db_get_bool (res, 0, 1))
    return vb_handler_conflict (error, "customer_id", "This customer has been erased");
  return TRUE;
}

/* Locks a vehicle; 404 if absent, 403 without permission at its location. */
static gboolean
lock_vehicle (VbDbConn    *conn,
              const char  *user_id,
              const char  *id,
              const char  *permission,
              GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT vb_has_permission($1::uuid, $3, v.location_id), v.erased_at IS NOT NULL"
    "  FROM vehicles v WHERE v.id = $2::uuid FOR UPDATE",
    user_id, id, permission);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "vehicle");
  if (!vb_db_get_bool (res, 0, 0))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FORBIDDEN,
                   "This vehicle is outside the locations where you hold %s", permission);
      return FALSE;
    }
  if (vb_db_get_bool (res, 0, 1))
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_CONFLICT, "This vehicle's owner has been erased");
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
with_warnings (JsonNode *row,
               gboolean  vin_warning)
{
  if (vin_warning)
    {
      JsonArray *warnings = json_array_new ();
      JsonObject *w = json_object_new ();

      json_object_set_string_member (w, "field", "vin");
      json_object_set_string_member (w, "code", "vin_check_digit");
      json_object_set_string_member (w, "message",
                                     "The VIN's check digit (position 9) does not match; "
                                     "accepted because it is not a North-American VIN");
      json_array_add_object_element (warnings, w);
      json_object_set_array_member (json_node_get_object (row), "warnings", warnings);
    }
  return row;
}

/* ------------------------------------------------------------- reading --- */

static gboolean
list_vehicles (VbRequest  *req,
               GError    **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *customer_id = vb_request_get_query (req, "customer_id");
  const char *q = vb_request_get_query (req, "q");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error))
    return FALSE;
  if (customer_id != NULL && !vb_validate_uuid (customer_id, "customer_id", error))
    return FALSE;
  if (q != NULL && !vb_validate_length (q, "q", 0, 100, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if (after != NULL && !vb_validate_uuid (after, "cursor", error))
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " VEHICLE_COLUMNS ", v.id::text AS _key"
    "  FROM vehicles v"
    " WHERE vb_has_permission($1::uuid, 'vehicles.read', v.location_id)"
    "   AND ($2::uuid IS NULL OR v.id > $2::uuid)"
    "   AND ($3::uuid IS NULL OR v.customer_id = $3::uuid)"
    "   AND (coalesce($4::text, '') = ''"
    "        OR strpos(v.plate_norm, upper(regexp_replace($4, '[^[:alnum:]]', '', 'g'))) > 0"
    "        OR strpos(v.vin, upper(regexp_replace($4, '[^[:alnum:]]', '', 'g'))) > 0)"
    " ORDER BY v.id"
    " LIMIT $5::int",
    principal->user_id, after, customer_id, q, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
get_vehicle (VbRequest  *req,
             GError    **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " VEHICLE_COLUMNS ","
    "       json_build_object('id', c.id, 'display_name', c.display_name) AS customer,"
    "       vb_has_permission($1::uuid, 'vehicles.read', v.location_id) AS _allowed"
    "  FROM vehicles v JOIN customers c ON c.id = v.customer_id WHERE v.id = $2::uuid",
    principal->user_id, id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "vehicle");
  if (!vb_db_get_bool (res, 0, PQfnumber (res, "_allowed")))
    return vb_handler_forbidden (error, "This vehicle is outside the locations you may see");
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

/* The vehicle's visits (C6): work orders the caller may see, newest first,
 * with their services, clocked labor, the catalog price of the services
 * done and (with billing.read) what each visit was invoiced and paid, plus
 * totals, in one statement: vb_visit_history_json (0009-billing.sql), which
 * GET /customers/{id}/history shares. */
#define HISTORY_SQL \
  "SELECT v.id AS vehicle_id, vb_has_permission($1::uuid, 'vehicles.read', v.location_id) AS _allowed," \
  "       h -> 'items' AS items, h -> 'totals' AS totals" \
  "  FROM vehicles v CROSS JOIN LATERAL vb_visit_history_json($1::uuid, v.id, NULL) h" \
  " WHERE v.id = $2::uuid"

static gboolean
get_vehicle_history (VbRequest  *req,
                     GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error, HISTORY_SQL, vb_request_get_principal (req)->user_id, id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0 || !vb_db_get_bool (res, 0, PQfnumber (res, "_allowed")))
    return vb_handler_not_found (error, "vehicle");
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

/* ------------------------------------------------------------- writing --- */

static gboolean
insert_vehicle_txn (VbDbConn  *conn,
                    gpointer   user_data,
                    GError   **error)
{
  VehicleWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (!check_owner (conn, w->user_id, w->customer_id, error))
    return FALSE;
  if (w->id != NULL)
    {
      g_autoptr(PGresult) existing = vb_db_execv (conn, error,
        "SELECT 1 FROM vehicles WHERE id = $1::uuid", w->id);
      if (existing == NULL)
        return FALSE;
      if (PQntuples (existing) > 0)
        return vb_handler_conflict (error, "id", "A vehicle with this id already exists");
    }
  /* location_id is set from the owner by the vehicles_derive trigger. */
  res = vb_db_execv (conn, error,
    "INSERT INTO vehicles AS v (id, customer_id, location_id, plate, vin, make, model, year,"
    "                           battery_gross_kwh, battery_usable_kwh, chemistry, hv_class,"
    "                           charge_port, obc_kw, heat_pump, software_version,"
    "                           battery_warranty_until, battery_warranty_km)"
    " SELECT coalesce($1::uuid, gen_random_uuid()), c.id, c.preferred_location_id,"
    "        coalesce($3, ''), $4, coalesce($5, ''), coalesce($6, ''), $7::int,"
    "        $8::numeric, $9::numeric, $10, $11::int, $12, $13::numeric, $14::boolean,"
    "        coalesce($15, ''), $16::date, $17::int"
    "   FROM customers c WHERE c.id = $2::uuid"
    " RETURNING " VEHICLE_COLUMNS,
    w->id, w->customer_id, w->plate, w->vin, w->make, w->model, w->year,
    w->battery_gross_kwh, w->battery_usable_kwh, w->chemistry, w->hv_class, w->charge_port,
    w->obc_kw, w->heat_pump, w->software_version, w->battery_warranty_until,
    w->battery_warranty_km);
  if (res == NULL)
    return FALSE;
  w->result = with_warnings (vb_handler_row_to_json (res, 0), w->vin_warning);
  return TRUE;
}

static gboolean
create_vehicle (VbRequest  *req,
                GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(VehicleWrite) w = { 0 };

  w.user_id = vb_request_get_principal (req)->user_id;
  if ((body = vb_request_parse_body (req, error)) == NULL
      || !read_fields (body, TRUE, &w, error)
      || !vb_request_transaction (req, insert_vehicle_txn, &w, error))
    return FALSE;

  vb_handler_reply_created (req, "/api/v1/vehicles", &w.result);
  return TRUE;
}

static gboolean
update_vehicle_txn (VbDbConn  *conn,
                    gpointer   user_data,
                    GError   **error)
{
  VehicleWrite *w = user_data;
  g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, w->version);
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) current = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (!lock_vehicle (conn, w->user_id, w->id, "vehicles.write", error))
    return FALSE;
  if (w->customer_id != NULL && !check_owner (conn, w->user_id, w->customer_id, error))
    return FALSE;
  res = vb_db_execv (conn, error,
    "UPDATE vehicles AS v SET"
    "       customer_id = coalesce($3::uuid, v.customer_id),"
    "       plate = coalesce($4, v.plate),"
    "       vin = coalesce($5, v.vin),"
    "       make = coalesce($6, v.make),"
    "       model = coalesce($7, v.model),"
    "       year = coalesce($8::int, v.year),"
    "       battery_gross_kwh = coalesce($9::numeric, v.battery_gross_kwh),"
    "       battery_usable_kwh = coalesce($10::numeric, v.battery_usable_kwh),"
    "       chemistry = coalesce($11, v.chemistry),"
    "       hv_class = coalesce($12::int, v.hv_class),"
    "       charge_port = coalesce($13, v.charge_port),"
    "       obc_kw = coalesce($14::numeric, v.obc_kw),"
    "       heat_pump = coalesce($15::boolean, v.heat_pump),"
    "       software_version = coalesce($16, v.software_version),"
    "       battery_warranty_until = coalesce($17::date, v.battery_warranty_until),"
    "       battery_warranty_km = coalesce($18::int, v.battery_warranty_km)"
    " WHERE v.id = $1::uuid AND v.version = $2::int"
    " RETURNING " VEHICLE_COLUMNS,
    w->id, version, w->customer_id, w->plate, w->vin, w->make, w->model, w->year,
    w->battery_gross_kwh, w->battery_usable_kwh, w->chemistry, w->hv_class, w->charge_port,
    w->obc_kw, w->heat_pump, w->software_version, w->battery_warranty_until,
    w->battery_warranty_km);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 1)
    {
      w->result = with_warnings (vb_handler_row_to_json (res, 0), w->vin_warning);
      return TRUE;
    }
  current = vb_db_execv (conn, error,
    "SELECT " VEHICLE_COLUMNS " FROM vehicles v WHERE v.id = $1::uuid", w->id);
  if (current == NULL)
    return FALSE;
  if (PQntuples (current) == 0)
    return vb_handler_not_found (error, "vehicle");
  g_propagate_error (error, vb_handler_version_conflict (vb_handler_row_to_json (current, 0)));
  return FALSE;
}

static gboolean
update_vehicle (VbRequest  *req,
                GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(VehicleWrite) w = { 0 };

  w.user_id = vb_request_get_principal (req)->user_id;
  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_request_parse_body (req, error)) == NULL
      || !vb_handler_body_version (body, &w.version, error)
      || !read_fields (body, FALSE, &w, error))
    return FALSE;
  return vb_handler_transact_reply (req, update_vehicle_txn, &w, 200, &w.result, error);
}

/* ------------------------------------------------------------- readings --- */

/* GET /vehicles/{id}/<kind>: newest first, ?limit and an offset cursor. */
static gboolean
list_readings (VbRequest   *req,
               const char  *sql,
               GError     **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *id = vb_handler_uuid_param (req, "id", error);
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *offset_text = NULL;
  g_autoptr(PGresult) vehicle = NULL;
  g_autoptr(PGresult) res = NULL;
  JsonArray *items;
  JsonNode *node;
  g_autofree char *next = NULL;
  guint64 offset = 0;
  VbDbConn *conn;
  guint limit, n;

  if (id == NULL || !vb_request_get_limit (req, &limit, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if (after != NULL && !g_ascii_string_to_unsigned (after, 10, 0, G_MAXINT32, &offset, NULL))
    {
      vb_set_validation_error (error, "cursor", "cursor is not valid");
      return FALSE;
    }
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  vehicle = vb_db_execv (conn, error,
    "SELECT vb_has_permission($1::uuid, 'vehicles.read', v.location_id) FROM vehicles v"
    " WHERE v.id = $2::uuid",
    principal->user_id, id);
  if (vehicle == NULL)
    return FALSE;
  if (PQntuples (vehicle) == 0)
    return vb_handler_not_found (error, "vehicle");
  if (!vb_db_get_bool (vehicle, 0, 0))
    return vb_handler_forbidden (error, "This vehicle is outside the locations you may see");
  limit_text = g_strdup_printf ("%u", limit + 1);
  offset_text = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);
  res = vb_db_execv (conn, error, sql, id, offset_text, limit_text);
  if (res == NULL)
    return FALSE;

  items = json_array_new ();
  node = json_node_new (JSON_NODE_ARRAY);
  n = PQntuples (res);
  for (guint i = 0; i < MIN (n, limit); i++)
    json_array_add_element (items, vb_handler_row_to_json (res, i));
  if (n > limit)
    {
      g_autofree char *key = g_strdup_printf ("%" G_GUINT64_FORMAT, offset + limit);
      next = vb_handler_cursor_encode (key);
    }
  json_node_take_array (node, items);
  vb_handler_reply_list (req, node, next);
  return TRUE;
}

static gboolean
list_odometer (VbRequest  *req,
               GError    **error)
{
  return list_readings (req,
    "SELECT " ODOMETER_COLUMNS " FROM odometer_readings o WHERE o.vehicle_id = $1::uuid"
    " ORDER BY o.read_at DESC, o.created_at DESC, o.id OFFSET $2::bigint LIMIT $3::int",
    error);
}

static gboolean
list_soh (VbRequest  *req,
          GError    **error)
{
  return list_readings (req,
    "SELECT " SOH_COLUMNS " FROM soh_readings s WHERE s.vehicle_id = $1::uuid"
    " ORDER BY s.measured_at DESC, s.created_at DESC, s.id OFFSET $2::bigint LIMIT $3::int",
    error);
}

typedef struct
{
  const char *user_id;
  const char *vehicle_id;
  const char *id;
  char       *km;           /* odometer */
  char       *at;           /* read_at / measured_at */
  const char *source;
  const char *correction;
  const char *reason;
  char       *soh_percent;  /* soh */
  char       *usable_kwh;
  const char *method;
  JsonNode   *result;
} ReadingWrite;

static void
reading_write_clear (ReadingWrite *w)
{
  g_clear_pointer (&w->km, g_free);
  g_clear_pointer (&w->at, g_free);
  g_clear_pointer (&w->soh_percent, g_free);
  g_clear_pointer (&w->usable_kwh, g_free);
  g_clear_pointer (&w->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ReadingWrite, reading_write_clear)

static gboolean
check_reading_id (VbDbConn    *conn,
                  const char  *table_sql,
                  const char  *id,
                  GError     **error)
{
  g_autoptr(PGresult) res = NULL;

  if (id == NULL)
    return TRUE;
  res = vb_db_execv (conn, error, table_sql, id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    return vb_handler_conflict (error, "id", "A reading with this id already exists");
  return TRUE;
}

static gboolean
insert_odometer_txn (VbDbConn  *conn,
                     gpointer   user_data,
                     GError   **error)
{
  ReadingWrite *w = user_data;
  g_autoptr(PGresult) bounds = NULL;
  g_autoptr(PGresult) res = NULL;
  gboolean correction = g_strcmp0 (w->correction, "true") == 0;

  g_clear_pointer (&w->result, json_node_unref);
  if (!lock_vehicle (conn, w->user_id, w->vehicle_id, "vehicles.write", error)
      || !check_reading_id (conn, "SELECT 1 FROM odometer_readings WHERE id = $1::uuid", w->id, error))
    return FALSE;

  /* Odometers only go up: the reading must be at least the highest one
   * before it and at most the lowest one after it, unless it is a correction. */
  bounds = vb_db_execv (conn, error,
    "SELECT (SELECT max(odometer_km) FROM odometer_readings"
    "         WHERE vehicle_id = $1::uuid AND read_at <= coalesce($2::timestamptz, now())),"
    "       (SELECT min(odometer_km) FROM odometer_readings"
    "         WHERE vehicle_id = $1::uuid AND read_at > coalesce($2::timestamptz, now()))",
    w->vehicle_id, w->at);
  if (bounds == NULL)
    return FALSE;
  if (!correction)
    {
      gint64 km = g_ascii_strtoll (w->km, NULL, 10);
      const char *before = vb_db_get (bounds, 0, 0);
      const char *later = vb_db_get (bounds, 0, 1);

      if ((before != NULL && km < g_ascii_strtoll (before, NULL, 10))
          || (later != NULL && km > g_ascii_strtoll (later, NULL, 10)))
        {
          g_autoptr(JsonObject) details = json_object_new ();

          if (before != NULL)
            json_object_set_int_member (details, "previous_km", g_ascii_strtoll (before, NULL, 10));
          if (later != NULL)
            json_object_set_int_member (details, "next_km", g_ascii_strtoll (later, NULL, 10));
          vb_set_validation_error (error, "odometer_km",
                                   "odometer_km goes backwards; send correction: true with a reason "
                                   "to record it anyway");
          vb_error_set_details (*error, details);
          return FALSE;
        }
    }
  res = vb_db_execv (conn, error,
    "INSERT INTO odometer_readings AS o (id, vehicle_id, location_id, odometer_km, read_at, source,"
    "                                    correction, reason, recorded_by)"
    " SELECT coalesce($1::uuid, gen_random_uuid()), v.id, v.location_id, $3::int,"
    "        coalesce($4::timestamptz, now()), coalesce($5, 'reception'), coalesce($6::boolean, false),"
    "        coalesce($7, ''), $8::uuid"
    "   FROM vehicles v WHERE v.id = $2::uuid"
    " RETURNING " ODOMETER_COLUMNS,
    w->id, w->vehicle_id, w->km, w->at, w->source, w->correction, w->reason, w->user_id);
  if (res == NULL)
    return FALSE;
  w->result = vb_handler_row_to_json (res, 0);
  return TRUE;
}

static gboolean
is_blank (const char *text)
{
  for (; *text != '\0'; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static gboolean
create_odometer (VbRequest  *req,
                 GError    **error)
{
  static const char *sources[] = { "reception", "technician", "customer", "telematics", "import", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_auto(ReadingWrite) w = { 0 };

  w.user_id = vb_request_get_principal (req)->user_id;
  if ((w.vehicle_id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_request_parse_body (req, error)) == NULL
      || !vb_json_optional_string (body, "id", &w.id, error)
      || (w.id != NULL && !vb_validate_uuid (w.id, "id", error)))
    return FALSE;
  if (json_object_get_member (body, "odometer_km") == NULL
      || JSON_NODE_HOLDS_NULL (json_object_get_member (body, "odometer_km")))
    {
      vb_set_validation_error (error, "odometer_km", "odometer_km is required");
      return FALSE;
    }
  if (!read_int (body, "odometer_km", 0, 10000000, &w.km, error)
      || !read_time (body, "read_at", &w.at, error)
      || !vb_json_optional_string (body, "source", &w.source, error)
      || !check_enum (w.source, "source", sources, error)
      || !vb_handler_optional_bool_param (body, "correction", &w.correction, error)
      || !vb_json_optional_string (body, "reason", &w.reason, error)
      || !(w.reason == NULL || vb_validate_length (w.reason, "reason", 0, 500, error)))
    return FALSE;
  if (g_strcmp0 (w.correction, "true") == 0 && (w.reason == NULL || is_blank (w.reason)))
    {
      vb_set_validation_error (error, "reason", "a correction needs a reason");
      return FALSE;
    }
  return vb_handler_transact_reply (req, insert_odometer_txn, &w, 201, &w.result, error);
}

static gboolean
insert_soh_txn (VbDbConn  *conn,
                gpointer   user_data,
                GError   **error)
{
  ReadingWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (!lock_vehicle (conn, w->user_id, w->vehicle_id, "vehicles.write", error)
      || !check_reading_id (conn, "SELECT 1 FROM soh_readings WHERE id = $1::uuid", w->id, error))
    return FALSE;
  res = vb_db_execv (conn, error,
    "INSERT INTO soh_readings AS s (id, vehicle_id, location_id, soh_percent, usable_kwh,"
    "                               measured_at, method, recorded_by)"
    " SELECT coalesce($1::uuid, gen_random_uuid()), v.id, v.location_id, $3::numeric, $4::numeric,"
    "        coalesce($5::timestamptz, now()), coalesce($6, 'bms_readout'), $7::uuid"
    "   FROM vehicles v WHERE v.id = $2::uuid"
    " RETURNING " SOH_COLUMNS,
    w->id, w->vehicle_id, w->soh_percent, w->usable_kwh, w->at, w->method, w->user_id);
  if (res == NULL)
    return FALSE;
  w->result = vb_handler_row_to_json (res, 0);
  return TRUE;
}

static gboolean
create_soh (VbRequest  *req,
            GError    **error)
{
  static const char *methods[] = { "bms_readout", "capacity_test", "diagnostic_tool", "estimate",
                                   "other", NULL };
  g_autoptr(JsonObject) body = NULL;
  g_auto(ReadingWrite) w = { 0 };

  w.user_id = vb_request_get_principal (req)->user_id;
  if ((w.vehicle_id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_request_parse_body (req, error)) == NULL
      || !vb_json_optional_string (body, "id", &w.id, error)
      || (w.id != NULL && !vb_validate_uuid (w.id, "id", error))
      || !read_decimal (body, "soh_percent", 0, 100, 1, &w.soh_percent, error))
    return FALSE;
  if (w.soh_percent == NULL)
    {
      vb_set_validation_error (error, "soh_percent", "soh_percent is required");
      return FALSE;
    }
  if (!read_decimal (body, "usable_kwh", 0.01, 9999.99, 2, &w.usable_kwh, error)
      || !read_time (body, "measured_at", &w.at, error)
      || !vb_json_optional_string (body, "method", &w.method, error)
      || !check_enum (w.method, "method", methods, error))
    return FALSE;
  return vb_handler_transact_reply (req, insert_soh_txn, &w, 201, &w.result, error);
}

static const VbRoute vehicle_routes[] = {
  { "GET", "/api/v1/vehicles", list_vehicles, "vehicles.read", 0,
    "List vehicles (?customer_id, ?q plate or VIN fragment, ?limit, ?cursor)" },
  { "POST", "/api/v1/vehicles", create_vehicle, "vehicles.write", 0,
    "Create a vehicle for a customer (VIN check digit: 422 in North America, warning elsewhere)" },
  { "GET", "/api/v1/vehicles/{id}", get_vehicle, "vehicles.read", 0,
    "One vehicle with its owner's name (403 outside the caller's locations)" },
  { "PATCH", "/api/v1/vehicles/{id}", update_vehicle, "vehicles.write", 0,
    "Change a vehicle (version required)" },
  { "GET", "/api/v1/vehicles/{id}/history", get_vehicle_history, "vehicles.read", 0,
    "Maintenance history: visits with services and clocked labor, and totals" },
  { "GET", "/api/v1/vehicles/{id}/odometer-readings", list_odometer, "vehicles.read", 0,
    "Odometer readings, newest first" },
  { "POST", "/api/v1/vehicles/{id}/odometer-readings", create_odometer, "vehicles.write", 0,
    "Record an odometer reading (never lower than an earlier one unless correction with reason)" },
  { "GET", "/api/v1/vehicles/{id}/soh-readings", list_soh, "vehicles.read", 0,
    "Battery state-of-health readings, newest first" },
  { "POST", "/api/v1/vehicles/{id}/soh-readings", create_soh, "vehicles.write", 0,
    "Record a battery state-of-health reading (percent with one decimal)" },
};

void
vb_handler_vehicles_register (VbRouter *router)
{
  vb_router_add_routes (router, vehicle_routes, G_N_ELEMENTS (vehicle_routes));
}
