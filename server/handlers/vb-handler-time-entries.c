/* vb-handler-time-entries.c — the time clock (T5): /api/v1/time-entries and
 * /api/v1/work-orders/{id}/labor.
 *
 * One technician never has two clocks at once: the exclusion constraint
 * time_entries_no_overlap (technician_id WITH =, during WITH &&) turns a
 * second running clock or an overlapping entry into 23P01 → 409, also for
 * concurrent requests.  Where the time belongs (task → work order →
 * location) and whether it makes sense is the trigger vb_time_entry_check
 * (0006-work-orders.sql), which raises naming the column → 422.  Labor is
 * the generated column `tenths` (0.1 h, each entry rounded up); replies add
 * `hours` as a decimal string ("1.3") for display.
 *
 * Who: clocking needs time.write at the entry's location; someone else's
 * time (clocking on for them, correcting it) needs staff.manage there.
 * Reading needs work_orders.read there (the change feed uses the same).
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define ENTRY_COLUMNS \
  "e.id, e.location_id, e.technician_id, u.display_name AS technician_name, e.work_order_id," \
  " e.task_id, e.kind, e.started_at, e.ended_at, e.ended_at IS NULL AS running, e.tenths," \
  " to_char(e.tenths / 10.0, 'FM9999990.0') AS hours, e.notes, e.version, e.created_at, e.updated_at"

#define GET_SQL \
  "SELECT " ENTRY_COLUMNS " FROM time_entries e JOIN users u ON u.id = e.technician_id WHERE e.id = $1::uuid"

/* May $2 change entry e: their own with time.write, anyone's with staff.manage. */
#define MAY_WRITE_SQL(user) \
  "((e.technician_id = " user " AND vb_has_permission(" user ", 'time.write', e.location_id))" \
  " OR vb_has_permission(" user ", 'staff.manage', e.location_id))"

static const char * const kinds[] = {
  "productive", "waiting_parts", "charging", "waiting_approval", "cleaning", "training", "other", NULL
};

static const VbHandlerField entry_fields[] = {
  { "id",            VB_HANDLER_FIELD_UUID,      FALSE, TRUE,  0, 0,    NULL },
  { "task_id",       VB_HANDLER_FIELD_UUID,      FALSE, TRUE,  0, 0,    NULL },
  { "work_order_id", VB_HANDLER_FIELD_UUID,      FALSE, TRUE,  0, 0,    NULL },
  { "location_id",   VB_HANDLER_FIELD_UUID,      FALSE, TRUE,  0, 0,    NULL },
  { "technician_id", VB_HANDLER_FIELD_UUID,      FALSE, TRUE,  0, 0,    NULL },
  { "kind",          VB_HANDLER_FIELD_CHOICE,    FALSE, FALSE, 0, 0,    kinds },
  { "started_at",    VB_HANDLER_FIELD_TIMESTAMP, FALSE, FALSE, 0, 0,    NULL },
  { "ended_at",      VB_HANDLER_FIELD_TIMESTAMP, FALSE, FALSE, 0, 0,    NULL },
  { "notes",         VB_HANDLER_FIELD_TEXT,      FALSE, FALSE, 0, 1000, NULL },
};

static const VbHandlerField update_fields[] = {
  { "kind",       VB_HANDLER_FIELD_CHOICE,    FALSE, FALSE, 0, 0,    kinds },
  { "started_at", VB_HANDLER_FIELD_TIMESTAMP, FALSE, FALSE, 0, 0,    NULL },
  { "ended_at",   VB_HANDLER_FIELD_TIMESTAMP, FALSE, FALSE, 0, 0,    NULL },
  { "notes",      VB_HANDLER_FIELD_TEXT,      FALSE, FALSE, 0, 1000, NULL },
};

static const VbHandlerField clock_off_fields[] = {
  { "ended_at", VB_HANDLER_FIELD_TIMESTAMP, FALSE, FALSE, 0, 0,    NULL },
  { "notes",    VB_HANDLER_FIELD_TEXT,      FALSE, FALSE, 0, 1000, NULL },
};

/* ------------------------------------------------------------ helpers --- */

static gboolean
fetch_result (VbDbConn       *conn,
              VbHandlerWrite *w,
              const char     *id,
              GError        **error)
{
  return vb_handler_fetch_row (conn, GET_SQL, id, "time entry", &w->result, error);
}

/* An overlap (23P01) names what collided; the primary key names id. */
static void
name_conflict (GError     *error,
               const char *field,
               const char *message)
{
  vb_handler_name_conflict (error, "time_entries_pkey", "id", NULL);
  vb_handler_name_conflict (error, "no_overlap", field, message);
}

/* After a write matched no row: 404 (not visible), 403 (not allowed),
 * version conflict, or 409 (the clock is not running). */
static gboolean
explain_no_row (VbDbConn        *conn,
                VbHandlerWrite  *w,
                GError         **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT " ENTRY_COLUMNS ","
    "       vb_has_permission($2::uuid, 'work_orders.read', e.location_id) AS _read,"
    "       " MAY_WRITE_SQL ("$2::uuid") " AS _may"
    "  FROM time_entries e JOIN users u ON u.id = e.technician_id WHERE e.id = $1::uuid",
    w->id, w->user_id);

  if (res == NULL
      || !vb_handler_check_access (res, "time entry",
                                   "Changing another person's time needs staff.manage at the location", error)
      || !vb_handler_check_version (res, w->version, error))
    return FALSE;
  return vb_handler_conflict (error, "ended_at", "The clock is not running");
}

/* ------------------------------------------------------------- create --- */

typedef struct
{
  VbHandlerWrite  w;
  gboolean        running;     /* clock-on */
  char           *technician;  /* resolved: the body's or the caller */
} Create;

/* Where the entry belongs and whether the caller may clock it there.  A
 * task or work order the caller cannot see is "no such" (422), so probing
 * tells nothing. */
static gboolean
check_scope (VbDbConn  *conn,
             Create    *c,
             GError   **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT b ->> 'task_id' IS NOT NULL,"
    "       coalesce(vb_has_permission($1::uuid, 'work_orders.read', t.location_id), false),"
    "       b ->> 'work_order_id' IS NOT NULL,"
    "       coalesce(vb_has_permission($1::uuid, 'work_orders.read', w.location_id), false),"
    "       EXISTS (SELECT 1 FROM locations l WHERE l.id = x.loc),"
    "       vb_has_permission($1::uuid, 'time.write', x.loc),"
    "       vb_has_permission($1::uuid, 'staff.manage', x.loc),"
    "       EXISTS (SELECT 1 FROM users s WHERE s.id = x.tech AND s.active),"
    "       x.tech"
    "  FROM (SELECT $2::jsonb AS b) y"
    "  LEFT JOIN work_order_tasks t ON t.id = (b ->> 'task_id')::uuid"
    "  LEFT JOIN work_orders w ON w.id = (b ->> 'work_order_id')::uuid"
    " CROSS JOIN LATERAL (SELECT coalesce(t.location_id, w.location_id,"
    "                                     CASE WHEN b ->> 'task_id' IS NULL AND b ->> 'work_order_id' IS NULL"
    "                                          THEN (b ->> 'location_id')::uuid END) AS loc,"
    "                            coalesce((b ->> 'technician_id')::uuid, $1::uuid) AS tech) x",
    c->w.user_id, c->w.body);

  if (res == NULL)
    return FALSE;
  if (vb_db_get_bool (res, 0, 0) && !vb_db_get_bool (res, 0, 1))
    return vb_set_validation_error (error, "task_id", "No such task"), FALSE;
  if (!vb_db_get_bool (res, 0, 0) && vb_db_get_bool (res, 0, 2) && !vb_db_get_bool (res, 0, 3))
    return vb_set_validation_error (error, "work_order_id", "No such work order"), FALSE;
  if (!vb_db_get_bool (res, 0, 4))
    return vb_set_validation_error (error, "location_id", "No such location"), FALSE;
  if (!vb_db_get_bool (res, 0, 5))
    return vb_handler_forbidden (error, "You may not clock time at this location");
  c->technician = g_strdup (vb_db_get (res, 0, 8));
  if (!g_str_equal (c->technician, c->w.user_id) && !vb_db_get_bool (res, 0, 6))
    return vb_handler_forbidden (error, "Clocking another person's time needs staff.manage at the location");
  if (!vb_db_get_bool (res, 0, 7))
    return vb_set_validation_error (error, "technician_id", "No such active user"), FALSE;
  return TRUE;
}

static gboolean
create_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  Create *c = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!check_scope (conn, c, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO time_entries (id, location_id, technician_id, work_order_id, task_id, kind,"
    "                          started_at, ended_at, notes)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'location_id')::uuid, $2::uuid,"
    "        (b ->> 'work_order_id')::uuid, (b ->> 'task_id')::uuid, coalesce(b ->> 'kind', 'productive'),"
    "        coalesce((b ->> 'started_at')::timestamptz, now()), (b ->> 'ended_at')::timestamptz,"
    "        coalesce(b ->> 'notes', '')"
    "   FROM (SELECT $1::jsonb AS b) x"
    " RETURNING id",
    c->w.body, c->technician);
  if (res == NULL)
    {
      name_conflict (local_error, c->running ? "technician_id" : "started_at",
                     c->running ? "A clock is already running for this technician (or the time overlaps another entry)"
                                : "The time overlaps another entry of this technician");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return fetch_result (conn, &c->w, vb_db_get (res, 0, 0), error);
}

/* A refused clock-on carries the clock that is running, when the caller may see it. */
static void
add_running_clock (VbRequest  *req,
                   Create     *c,
                   GError     *error)
{
  g_autoptr(PGresult) res = NULL;
  g_autoptr(JsonObject) details = NULL;
  VbDbConn *conn;

  if (!g_error_matches (error, VB_ERROR, VB_ERROR_CONFLICT) || c->technician == NULL
      || g_strcmp0 (vb_error_get_field (error), "technician_id") != 0
      || (conn = vb_request_get_db (req, NULL)) == NULL)
    return;
  res = vb_db_execv (conn, NULL,
    "SELECT " ENTRY_COLUMNS " FROM time_entries e JOIN users u ON u.id = e.technician_id"
    " WHERE e.technician_id = $1::uuid AND e.ended_at IS NULL"
    "   AND vb_has_permission($2::uuid, 'work_orders.read', e.location_id)",
    c->technician, c->w.user_id);
  if (res == NULL || PQntuples (res) == 0)
    return;
  details = json_object_new ();
  json_object_set_member (details, "running", vb_handler_row_to_json (res, 0));
  vb_error_set_details (error, details);
}

static gboolean
check_create (JsonObject  *body,
              gboolean     running,
              GError     **error)
{
  const char *kind = NULL;

  if (!vb_handler_check_fields (body, entry_fields, G_N_ELEMENTS (entry_fields), TRUE, NULL, error))
    return FALSE;
  if (running && json_object_has_member (body, "ended_at"))
    return vb_set_validation_error (error, "ended_at",
                                    "A clock-on has no ended_at; POST /api/v1/time-entries records a complete entry"), FALSE;
  if (!running && !vb_handler_has_member (body, "started_at"))
    return vb_set_validation_error (error, "started_at", "started_at is required"), FALSE;
  if (!running && !vb_handler_has_member (body, "ended_at"))
    return vb_set_validation_error (error, "ended_at", "ended_at is required"), FALSE;
  if (json_object_has_member (body, "kind"))
    kind = json_object_get_string_member (body, "kind");
  if ((kind == NULL || g_str_equal (kind, "productive")) && !vb_handler_has_member (body, "task_id"))
    return vb_set_validation_error (error, "task_id", "Productive time is clocked on a task: task_id is required"), FALSE;
  if (!vb_handler_has_member (body, "task_id") && !vb_handler_has_member (body, "work_order_id")
      && !vb_handler_has_member (body, "location_id"))
    return vb_set_validation_error (error, "location_id",
                                    "location_id is required for time outside a work order"), FALSE;
  return TRUE;
}

static gboolean
create_entry (VbRequest  *req,
              gboolean    running,
              GError    **error)
{
  Create c = { { 0 }, running, NULL };
  g_autoptr(JsonObject) body = vb_handler_read_body (req, FALSE, &c.w, error);
  gboolean ok;

  ok = body != NULL && check_create (body, running, error)
       && vb_request_transaction (req, create_txn, &c, error);
  if (ok)
    vb_handler_reply_created (req, "/api/v1/time-entries", &c.w.result);
  else if (error != NULL && *error != NULL)
    add_running_clock (req, &c, *error);
  vb_handler_write_clear (&c.w);
  g_free (c.technician);
  return ok;
}

static gboolean
clock_on (VbRequest  *req,
          GError    **error)
{
  return create_entry (req, TRUE, error);
}

static gboolean
create_complete (VbRequest  *req,
                 GError    **error)
{
  return create_entry (req, FALSE, error);
}

/* ---------------------------------------------------------- clock-off --- */

static gboolean
clock_off_txn (VbDbConn  *conn,
               gpointer   user_data,
               GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "UPDATE time_entries AS e"
    "   SET ended_at = coalesce((b ->> 'ended_at')::timestamptz, now()),"
    "       notes = coalesce(b ->> 'notes', e.notes)"
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE e.id = $1::uuid AND e.ended_at IS NULL"
    "   AND ($2::int IS NULL OR e.version = $2::int)"
    "   AND " MAY_WRITE_SQL ("$4::uuid")
    " RETURNING e.id",
    w->id, w->version, w->body, w->user_id);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return explain_no_row (conn, w, error);
  return fetch_result (conn, w, w->id, error);
}

/* The body is optional: {"ended_at"?, "notes"?, "version"?}. */
static gboolean
clock_off (VbRequest  *req,
           GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  if (vb_handler_has_body (req))
    {
      if ((body = vb_request_parse_body (req, error)) == NULL
          || !vb_handler_check_fields (body, clock_off_fields, G_N_ELEMENTS (clock_off_fields),
                                       FALSE, NULL, error)
          || !vb_handler_optional_version (body, &w.version, error))
        return FALSE;
      w.body = vb_json_object_to_string (body, NULL);
    }
  else
    w.body = g_strdup ("{}");
  w.user_id = vb_request_get_principal (req)->user_id;
  return vb_handler_transact_reply (req, clock_off_txn, &w, 200, &w.result, error);
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
    "UPDATE time_entries AS e SET"
    "  started_at = coalesce((b ->> 'started_at')::timestamptz, e.started_at),"
    "  ended_at = coalesce((b ->> 'ended_at')::timestamptz, e.ended_at),"
    "  notes = coalesce(b ->> 'notes', e.notes),"
    "  kind = coalesce(b ->> 'kind', e.kind)"
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE e.id = $1::uuid AND e.version = $2::int"
    "   AND " MAY_WRITE_SQL ("$4::uuid")
    " RETURNING e.id",
    w->id, w->version, w->body, w->user_id);
  if (res == NULL)
    {
      name_conflict (local_error, "started_at", "The time overlaps another entry of this technician");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (PQntuples (res) == 0)
    return explain_no_row (conn, w, error);
  return fetch_result (conn, w, w->id, error);
}

static gboolean
update_entry (VbRequest  *req,
              GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !vb_handler_check_fields (body, update_fields, G_N_ELEMENTS (update_fields), FALSE, NULL, error))
    return FALSE;
  return vb_handler_transact_reply (req, update_txn, &w, 200, &w.result, error);
}

/* --------------------------------------------------------------- reads --- */

static gboolean
get_entry (VbRequest  *req,
           GError    **error)
{
  return vb_handler_reply_row (req, GET_SQL " AND vb_has_permission($2::uuid, 'work_orders.read', e.location_id)",
                               "time entry", error);
}

static gboolean
is_date_or_time (const char *text)
{
  g_autoptr(GDateTime) dt = NULL;

  if (g_regex_match_simple ("^\\d{4}-\\d{2}-\\d{2}$", text, 0, 0))
    {
      g_autofree char *midnight = g_strconcat (text, "T00:00:00Z", NULL);
      dt = g_date_time_new_from_iso8601 (midnight, NULL);
    }
  else
    dt = g_date_time_new_from_iso8601 (text, NULL);
  return dt != NULL;
}

/* The list's filters, checked; technician_id=me (or me=true) is the caller. */
static gboolean
list_filters (VbRequest    *req,
              const char  **technician,
              const char  **running,
              GError      **error)
{
  static const char * const ids[] = { "work_order_id", "task_id", "location_id" };
  static const char * const times[] = { "from", "to" };
  const char *me = NULL;

  *technician = vb_request_get_query (req, "technician_id");
  if (!vb_handler_bool_query (req, "me", &me, error) || !vb_handler_bool_query (req, "running", running, error))
    return FALSE;
  if (g_strcmp0 (*technician, "me") == 0 || g_strcmp0 (me, "true") == 0)
    *technician = vb_request_get_principal (req)->user_id;
  if (*technician != NULL && !vb_validate_uuid (*technician, "technician_id", error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      const char *v = vb_request_get_query (req, ids[i]);
      if (v != NULL && !vb_validate_uuid (v, ids[i], error))
        return FALSE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      const char *v = vb_request_get_query (req, times[i]);
      if (v != NULL && !is_date_or_time (v))
        return vb_set_validation_error (error, times[i], "%s must be a date or an RFC 3339 timestamp",
                                        times[i]), FALSE;
    }
  return TRUE;
}

static gboolean
list_entries (VbRequest  *req,
              GError    **error)
{
  const char *technician = NULL, *running = NULL;
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error) || !list_filters (req, &technician, &running, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  /* Overlap semantics; dates are local days of the entry's location (to inclusive). */
  res = vb_db_execv (conn, error,
    "SELECT " ENTRY_COLUMNS ","
    "       to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || e.id::text AS _key"
    "  FROM time_entries e JOIN users u ON u.id = e.technician_id JOIN locations l ON l.id = e.location_id"
    " WHERE vb_has_permission($1::uuid, 'work_orders.read', e.location_id)"
    "   AND ($2::uuid IS NULL OR e.technician_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR e.work_order_id = $3::uuid)"
    "   AND ($4::uuid IS NULL OR e.task_id = $4::uuid)"
    "   AND ($5::uuid IS NULL OR e.location_id = $5::uuid)"
    "   AND ($6::text IS NULL OR upper(e.during) > CASE WHEN length($6) = 10"
    "        THEN $6::date::timestamp AT TIME ZONE l.time_zone ELSE $6::timestamptz END)"
    "   AND ($7::text IS NULL OR lower(e.during) < CASE WHEN length($7) = 10"
    "        THEN ($7::date + 1)::timestamp AT TIME ZONE l.time_zone ELSE $7::timestamptz END)"
    "   AND ($8::boolean IS NULL OR (e.ended_at IS NULL) = $8::boolean)"
    "   AND ($9::text IS NULL OR to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || e.id::text > $9)"
    " ORDER BY e.started_at, e.id LIMIT $10::int",
    vb_request_get_principal (req)->user_id, technician,
    vb_request_get_query (req, "work_order_id"), vb_request_get_query (req, "task_id"),
    vb_request_get_query (req, "location_id"), vb_request_get_query (req, "from"),
    vb_request_get_query (req, "to"), running, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

/* -------------------------------------------------------------- labor --- */

/* Estimated vs clocked per task (with each technician's share) and the
 * non-productive time, in one statement.  Clocked = finished entries'
 * tenths (each rounded up); a running clock shows as running: true.
 * Efficiency = estimated ÷ clocked, two decimals, null while nothing is clocked. */
#define LABOR_SQL \
  "WITH w AS (SELECT id, location_id FROM work_orders" \
  "            WHERE id = $1::uuid AND vb_has_permission($2::uuid, 'work_orders.read', location_id))," \
  " e AS (SELECT te.* FROM time_entries te JOIN w ON te.work_order_id = w.id)," \
  " per AS (SELECT e.task_id, e.technician_id, coalesce(sum(e.tenths), 0)::int AS clocked," \
  "                bool_or(e.ended_at IS NULL) AS running" \
  "           FROM e WHERE e.kind = 'productive' GROUP BY e.task_id, e.technician_id)," \
  " tasks AS (SELECT t.id, t.title, t.status, t.position, t.estimated_tenths," \
  "                  coalesce((SELECT sum(p.clocked) FROM per p WHERE p.task_id = t.id), 0)::int AS clocked" \
  "             FROM work_order_tasks t JOIN w ON t.work_order_id = w.id)," \
  " other AS (SELECT e.kind, e.technician_id, coalesce(sum(e.tenths), 0)::int AS tenths," \
  "                  bool_or(e.ended_at IS NULL) AS running" \
  "             FROM e WHERE e.kind <> 'productive' GROUP BY e.kind, e.technician_id)" \
  " SELECT w.id AS work_order_id," \
  "   (SELECT coalesce(sum(estimated_tenths), 0)::int FROM tasks WHERE status <> 'cancelled') AS estimated_tenths," \
  "   (SELECT coalesce(sum(clocked), 0)::int FROM tasks) AS clocked_tenths," \
  "   (SELECT coalesce(sum(tenths), 0)::int FROM other) AS non_productive_tenths," \
  "   (SELECT CASE WHEN sum(clocked) > 0 THEN round(sum(estimated_tenths) FILTER (WHERE clocked > 0)::numeric" \
  "                                                 / sum(clocked), 2)::text END FROM tasks) AS efficiency," \
  "   (SELECT coalesce(json_agg(json_build_object(" \
  "       'task_id', t.id, 'title', t.title, 'status', t.status, 'estimated_tenths', t.estimated_tenths," \
  "       'clocked_tenths', t.clocked," \
  "       'efficiency', CASE WHEN t.clocked > 0 THEN round(t.estimated_tenths::numeric / t.clocked, 2)::text END," \
  "       'technicians', coalesce((SELECT json_agg(json_build_object(" \
  "             'technician_id', p.technician_id, 'technician_name', u.display_name," \
  "             'clocked_tenths', p.clocked, 'running', p.running) ORDER BY u.display_name, p.technician_id)" \
  "           FROM per p JOIN users u ON u.id = p.technician_id WHERE p.task_id = t.id), '[]'::json))" \
  "     ORDER BY t.position, t.id), '[]'::json) FROM tasks t) AS tasks," \
  "   (SELECT coalesce(json_agg(json_build_object(" \
  "       'kind', o.kind, 'technician_id', o.technician_id, 'technician_name', u.display_name," \
  "       'tenths', o.tenths, 'running', o.running) ORDER BY o.kind, u.display_name), '[]'::json)" \
  "      FROM other o JOIN users u ON u.id = o.technician_id) AS non_productive" \
  "  FROM w"

static gboolean
get_labor (VbRequest  *req,
           GError    **error)
{
  return vb_handler_reply_row (req, LABOR_SQL, "work order", error);
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute time_entry_routes[] = {
  { "GET", "/api/v1/time-entries", list_entries, "work_orders.read", 0,
    "Time entries in the caller's locations (?technician_id|me, ?work_order_id, ?task_id, ?location_id, ?from, ?to, ?running, ?limit, ?cursor)" },
  { "POST", "/api/v1/time-entries", create_complete, "time.write", 0,
    "Record a complete entry (started_at and ended_at), e.g. made offline (409 if it overlaps)" },
  { "POST", "/api/v1/time-entries/clock-on", clock_on, "time.write", 0,
    "Start a clock on a task or for non-productive time (409 if one is already running)" },
  { "GET", "/api/v1/time-entries/{id}", get_entry, "work_orders.read", 0,
    "One time entry" },
  { "PATCH", "/api/v1/time-entries/{id}", update_entry, "time.write", 0,
    "Correct started_at, ended_at, kind or notes (version required)" },
  { "POST", "/api/v1/time-entries/{id}/clock-off", clock_off, "time.write", 0,
    "Stop a running clock" },
  { "GET", "/api/v1/work-orders/{id}/labor", get_labor, "work_orders.read", 0,
    "Estimated vs clocked labor per task and technician, and efficiency" },
};

void
vb_handler_time_entries_register (VbRouter *router)
{
  vb_router_add_routes (router, time_entry_routes, G_N_ELEMENTS (time_entry_routes));
}
