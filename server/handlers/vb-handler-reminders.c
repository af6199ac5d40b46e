/* vb-handler-reminders.c — maintenance reminders (C2): what is due, what a
 * vehicle was sent, and the reminder templates.
 *
 * Nothing here computes a due date: vb_maintenance_schedule() and
 * vb_reminders_due() (0012-reminders.sql) do, as of ?today= (default: today
 * in each vehicle's location), so these lists, the scheduler and
 * voltbay-ctl reminders-run agree.  Reads are scoped in SQL by the
 * vehicle's location (its owner's preferred location) with reminders.read.
 * A sent reminder's message status is its outbound_messages row (same
 * dedupe_key).  Templates are global: changing them needs reminders.manage
 * in every location.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-reminder-scheduler.h"
#include "vb-server.h"

#include <string.h>

/* The reminder rows of one (vehicle, item, occurrence), with message status. */
#define SENT_FOR(vehicle, item, occurrence) \
  "(SELECT coalesce(json_agg(json_build_object('channel', rs.channel, 'language', rs.language," \
  "          'sent_at', rs.sent_at, 'message_id', om.id, 'message_status', om.status)" \
  "          ORDER BY rs.channel), '[]'::json)" \
  "   FROM reminders_sent rs LEFT JOIN outbound_messages om ON om.dedupe_key = rs.dedupe_key" \
  "  WHERE rs.vehicle_id = " vehicle " AND rs.item_key = " item " AND rs.occurrence = " occurrence ")"

static gboolean
read_today (VbRequest   *req,
            const char **today,
            GError     **error)
{
  *today = vb_request_get_query (req, "today");
  if (*today != NULL && !vb_handler_is_date (*today))
    return vb_set_validation_error (error, "today", "today must be a date YYYY-MM-DD"), FALSE;
  return TRUE;
}

static char *
lead_days_text (VbRequest *req)
{
  const VbServerOptions *options = vb_server_get_options (vb_request_get_server (req));

  return g_strdup_printf ("%u", vb_reminder_settings_lead_days (options->settings));
}

/* ----------------------------------------------------------------- due --- */

static gboolean
list_due (VbRequest  *req,
          GError    **error)
{
  const char *user = vb_request_get_principal (req)->user_id;
  const char *location = vb_request_get_query (req, "location_id");
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *today = NULL;
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *lead = lead_days_text (req);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error) || !read_today (req, &today, error))
    return FALSE;
  if (location != NULL && !vb_validate_uuid (location, "location_id", error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  if (location != NULL)
    {
      g_autoptr(PGresult) may = vb_db_execv (conn, error,
        "SELECT vb_has_permission($1::uuid, 'reminders.read', $2::uuid)", user, location);

      if (may == NULL)
        return FALSE;
      if (!vb_db_get_bool (may, 0, 0))
        return vb_handler_forbidden (error, "You do not hold reminders.read at this location");
    }
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT d.vehicle_id, v.plate, v.make, v.model, v.year, d.customer_id, c.display_name AS customer_name,"
    "       c.preferred_language AS language, d.location_id, d.kind, d.item_key, d.occurrence, d.rule_id,"
    "       d.deferred_work_id, d.service_type_id, st.code AS service_code, d.description, d.today,"
    "       d.due_on, d.due_reason, d.due_on < d.today AS overdue, d.last_done_on, d.last_done_km,"
    "       d.due_km, d.km_per_day::text AS km_per_day,"
    "       " SENT_FOR ("d.vehicle_id", "d.item_key", "d.occurrence") " AS sent,"
    "       d.due_on::text || ' ' || d.vehicle_id::text || ' ' || d.item_key AS _key"
    "  FROM vb_reminders_due($2::date, $3::int, NULL, $4::uuid) d"
    "  JOIN vehicles v ON v.id = d.vehicle_id"
    "  JOIN customers c ON c.id = d.customer_id"
    "  LEFT JOIN service_types st ON st.id = d.service_type_id"
    " WHERE vb_has_permission($1::uuid, 'reminders.read', d.location_id)"
    "   AND ($5::text IS NULL OR d.due_on::text || ' ' || d.vehicle_id::text || ' ' || d.item_key > $5)"
    " ORDER BY d.due_on, d.vehicle_id, d.item_key LIMIT $6::int",
    user, today, lead, location, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

/* ------------------------------------------------------------- vehicle --- */

/* The vehicle's whole schedule (due or not), its due deferred work, and
 * every reminder sent, in one statement.  $1 user, $2 vehicle, $3 today, $4 lead days. */
#define VEHICLE_SQL \
  "WITH v AS (SELECT v.id, v.location_id, coalesce($3::date, (now() AT TIME ZONE l.time_zone)::date) AS today" \
  "             FROM vehicles v JOIN locations l ON l.id = v.location_id WHERE v.id = $2::uuid)" \
  " SELECT v.id AS vehicle_id, vb_has_permission($1::uuid, 'reminders.read', v.location_id) AS _allowed," \
  "        v.today, $4::int AS lead_days," \
  "   (SELECT coalesce(json_agg(json_build_object(" \
  "       'item_key', 'rule:' || s.rule_id::text, 'rule_id', s.rule_id, 'service_type_id', s.service_type_id," \
  "       'service_code', st.code, 'description', st.name, 'every_months', s.every_months," \
  "       'every_km', s.every_km, 'last_work_order_id', s.last_work_order_id," \
  "       'last_done_on', s.last_done_on, 'last_done_km', s.last_done_km, 'due_by_time', s.due_by_time," \
  "       'due_km', s.due_km, 'km_per_day', s.km_per_day::text, 'latest_km', s.latest_km," \
  "       'latest_read_on', s.latest_read_on, 'due_by_mileage', s.due_by_mileage, 'due_on', s.due_on," \
  "       'due_reason', s.due_reason, 'occurrence', s.occurrence," \
  "       'due', s.due_on IS NOT NULL AND s.due_on <= s.today + $4::int," \
  "       'overdue', s.due_on IS NOT NULL AND s.due_on < s.today," \
  "       'sent', " SENT_FOR ("s.vehicle_id", "'rule:' || s.rule_id::text", "s.occurrence") ")" \
  "     ORDER BY s.due_on NULLS LAST, st.code), '[]'::json)" \
  "      FROM vb_maintenance_schedule($3::date, v.id) s JOIN service_types st ON st.id = s.service_type_id)" \
  "     AS schedule," \
  "   (SELECT coalesce(json_agg(json_build_object(" \
  "       'item_key', d.item_key, 'deferred_work_id', d.deferred_work_id, 'service_type_id', d.service_type_id," \
  "       'description', d.description, 'due_on', d.due_on, 'due_reason', d.due_reason," \
  "       'sent', " SENT_FOR ("d.vehicle_id", "d.item_key", "d.occurrence") ")" \
  "     ORDER BY d.due_on, d.item_key), '[]'::json)" \
  "      FROM vb_reminders_due($3::date, $4::int, v.id) d WHERE d.kind = 'deferred') AS deferred," \
  "   (SELECT coalesce(json_agg(json_build_object(" \
  "       'id', rs.id, 'kind', rs.kind, 'item_key', rs.item_key, 'occurrence', rs.occurrence," \
  "       'rule_id', rs.rule_id, 'deferred_work_id', rs.deferred_work_id, 'service_type_id', rs.service_type_id," \
  "       'service_code', st.code, 'due_on', rs.due_on, 'due_reason', rs.due_reason, 'channel', rs.channel," \
  "       'language', rs.language, 'sent_at', rs.sent_at, 'location_id', rs.location_id," \
  "       'message_id', om.id, 'message_status', om.status, 'message_sent_at', om.sent_at," \
  "       'subject', om.subject) ORDER BY rs.sent_at DESC, rs.id), '[]'::json)" \
  "      FROM reminders_sent rs" \
  "      LEFT JOIN outbound_messages om ON om.dedupe_key = rs.dedupe_key" \
  "      LEFT JOIN service_types st ON st.id = rs.service_type_id" \
  "     WHERE rs.vehicle_id = v.id) AS sent" \
  "  FROM v"

static gboolean
get_vehicle_reminders (VbRequest  *req,
                       GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  const char *today = NULL;
  g_autofree char *lead = lead_days_text (req);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || !read_today (req, &today, error) || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error, VEHICLE_SQL, vb_request_get_principal (req)->user_id, id, today, lead);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0 || !vb_db_get_bool (res, 0, PQfnumber (res, "_allowed")))
    return vb_handler_not_found (error, "vehicle");
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

/* ----------------------------------------------------------- templates --- */

#define TEMPLATE_COLUMNS \
  "t.id, t.kind, t.channel, t.language, t.subject, t.body, t.version, t.created_at, t.updated_at"

static gboolean
list_templates (VbRequest  *req,
                GError    **error)
{
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " TEMPLATE_COLUMNS " FROM reminder_templates t"
    " WHERE $1::uuid IS NOT NULL ORDER BY t.kind, t.channel, t.language",
    vb_request_get_principal (req)->user_id);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_rows (req, res);
  return TRUE;
}

static const VbHandlerField template_fields[] = {
  { "subject", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 200,  NULL },
  { "body",    VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 1, 4000, NULL },
};

static gboolean
update_template_txn (VbDbConn  *conn,
                     gpointer   user_data,
                     GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "UPDATE reminder_templates AS t"
    "   SET subject = coalesce(b ->> 'subject', t.subject), body = coalesce(b ->> 'body', t.body)"
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE t.id = $1::uuid AND t.version = $2::int"
    " RETURNING " TEMPLATE_COLUMNS,
    w->id, w->version, w->body);

  if (res == NULL)
    return FALSE;
  return vb_handler_finish_update (conn, res,
                                   "SELECT " TEMPLATE_COLUMNS " FROM reminder_templates t WHERE t.id = $1::uuid",
                                   w->id, "reminder template", &w->result, error);
}

static gboolean
update_template (VbRequest  *req,
                 GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;
  const char *subject;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !vb_handler_check_fields (body, template_fields, G_N_ELEMENTS (template_fields), FALSE, NULL, error))
    return FALSE;
  subject = vb_handler_string_member (body, "subject");
  if (subject != NULL && strchr (subject, '\n') != NULL)
    return vb_set_validation_error (error, "subject", "subject is one line"), FALSE;
  w.user_id = vb_request_get_principal (req)->user_id;
  return vb_handler_transact_reply (req, update_template_txn, &w, 200, &w.result, error);
}

/* -------------------------------------------------------------- routes --- */

static const VbRoute reminder_routes[] = {
  { "GET", "/api/v1/reminders/due", list_due, "reminders.read", 0,
    "Maintenance and deferred work due within the lead window, with what was sent (?location_id, ?today, ?limit, ?cursor)" },
  { "GET", "/api/v1/vehicles/{id}/reminders", get_vehicle_reminders, "reminders.read", 0,
    "A vehicle's maintenance schedule (due or not), its due deferred work, and the reminders sent" },
  { "GET", "/api/v1/reminder-templates", list_templates, "reminders.read", 0,
    "The e-mail and SMS reminder templates (en and vi)" },
  { "PATCH", "/api/v1/reminder-templates/{id}", update_template, "reminders.manage", VB_ROUTE_GLOBAL,
    "Change a reminder template's subject or body (version required)" },
};

void
vb_handler_reminders_register (VbRouter *router)
{
  vb_router_add_routes (router, reminder_routes, G_N_ELEMENTS (reminder_routes));
}
