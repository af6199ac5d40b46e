/* vb-handler-tasks.c — the tasks of a work order, the technicians' work
 * queue, and checklist results (T1, T2).
 *
 * A task is a piece of work on a work order, usually one service type whose
 * checklist template (service_type_steps) the technician fills in.  The
 * rules live in triggers of 0006-work-orders.sql, so a sync push or another
 * server obeys them too: vb_task_check (an HV task needs a technician with
 * a valid certification at its level → 422 technician_id; done only with a
 * result for every step and a signed-off HV record → 409 status) and
 * vb_checklist_result_check (steps of the task's service, HV-safety steps in
 * order and first, an HV task's other steps only once its HV record shows
 * the system de-energized, what each kind of step needs).
 *
 * Scope is in SQL: every statement checks vb_has_permission for the task's
 * location, and a task the caller may not read is 404.  Results are
 * append-only: a newer result for a step supersedes the older one.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

static const char * const priorities[] = { "low", "normal", "high", "urgent", NULL };
static const char * const task_statuses[] = { "pending", "in_progress", "done", "cancelled", NULL };
static const char * const open_statuses[] = { "pending", "in_progress", NULL };

/* Nested timestamps in RFC 3339 UTC, like the top-level columns. */
#define RFC3339(expr) "to_char((" expr ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

#define TASK_COLUMNS \
  "t.id, t.work_order_id, t.location_id, t.service_type_id, t.title, t.position, t.estimated_tenths," \
  " t.required_hv_level, t.technician_id," \
  " (SELECT u.display_name FROM users u WHERE u.id = t.technician_id) AS technician_name," \
  " t.priority, t.promised_at, t.status," \
  " (SELECT count(*) FROM service_type_steps s WHERE s.service_type_id = t.service_type_id) AS checklist_steps," \
  " (SELECT count(DISTINCT r.step_id) FROM checklist_results r WHERE r.task_id = t.id) AS checklist_recorded," \
  " (SELECT h.state FROM hv_records h WHERE h.task_id = t.id) AS hv_record_state," \
  " t.version, t.created_at, t.updated_at"

#define TASK_SQL \
  "SELECT " TASK_COLUMNS " FROM work_order_tasks t WHERE t.id = $1::uuid"

#define RESULT_COLUMNS \
  "r.id, r.task_id, r.work_order_id, r.location_id, r.step_id, r.passed, to_jsonb(r.value) AS value," \
  " r.unit, r.conditions, r.attachment_id, r.notes, r.recorded_by, r.recorded_at, r.version"

/* ------------------------------------------------------------ helpers --- */

#define TASK_SCOPE(permission) \
  "SELECT t.status, t.technician_id, t.required_hv_level," \
  "       (SELECT h.state FROM hv_records h WHERE h.task_id = t.id) AS hv_record_state," \
  "       vb_has_permission($2::uuid, 'work_orders.read', t.location_id) AS _read," \
  "       vb_has_permission($2::uuid, '" permission "', t.location_id) AS _may" \
  "  FROM work_order_tasks t WHERE t.id = $1::uuid"

#define ORDER_SCOPE(permission) \
  "SELECT w.status, w.priority," \
  "       vb_has_permission($2::uuid, 'work_orders.read', w.location_id) AS _read," \
  "       vb_has_permission($2::uuid, '" permission "', w.location_id) AS _may" \
  "  FROM work_orders w WHERE w.id = $1::uuid"

/* A missing technician or attachment is the client's mistake (422). */
#define MISSING_REFERENCE(error, column) \
  vb_handler_missing_reference ((error), column "_fkey", column, column " names no such record")

static gboolean
fetch_task (VbDbConn    *conn,
            const char  *id,
            JsonNode   **result,
            GError     **error)
{
  return vb_handler_fetch_row (conn, TASK_SQL, id, "task", result, error);
}

/* ------------------------------------------------------------- tasks --- */

static const VbHandlerField task_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "service_type_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "title", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 1, 200, NULL },
  { "position", VB_HANDLER_FIELD_INT, FALSE, FALSE, 1, 10000, NULL },
  { "estimated_tenths", VB_HANDLER_FIELD_INT, FALSE, FALSE, 0, 10000, NULL },
  { "technician_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "priority", VB_HANDLER_FIELD_CHOICE, FALSE, FALSE, 0, 0, priorities },
  { "promised_at", VB_HANDLER_FIELD_TIMESTAMP, FALSE, TRUE, 0, 0, NULL },
};

static const VbHandlerField task_update_fields[] = {
  { "title", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 1, 200, NULL },
  { "position", VB_HANDLER_FIELD_INT, FALSE, FALSE, 1, 10000, NULL },
  { "estimated_tenths", VB_HANDLER_FIELD_INT, FALSE, FALSE, 0, 10000, NULL },
  { "technician_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "priority", VB_HANDLER_FIELD_CHOICE, FALSE, FALSE, 0, 0, priorities },
  { "promised_at", VB_HANDLER_FIELD_TIMESTAMP, FALSE, TRUE, 0, 0, NULL },
  { "status", VB_HANDLER_FIELD_CHOICE, FALSE, FALSE, 0, 0, task_statuses },
};

static gboolean
list_order_tasks (VbRequest  *req,
                  GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  const char *user_id = vb_request_get_principal (req)->user_id;
  g_autoptr(PGresult) order = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  order = vb_handler_scope (conn, ORDER_SCOPE ("work_orders.read"), id, user_id, "work order", "", error);
  if (order == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " TASK_COLUMNS " FROM work_order_tasks t"
    " WHERE t.work_order_id = $1::uuid ORDER BY t.position, t.created_at, t.id",
    id);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_rows (req, res);
  return TRUE;
}

static gboolean
create_task_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) order = NULL;
  g_autoptr(PGresult) service = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  order = vb_handler_scope (conn, ORDER_SCOPE ("work_orders.write"), w->parent_id, w->user_id, "work order",
                            "You may not add tasks to work orders of this location", error);
  if (order == NULL)
    return FALSE;
  service = vb_db_execv (conn, error,
    "SELECT ($1::jsonb ->> 'service_type_id') IS NULL"
    "    OR EXISTS (SELECT 1 FROM service_types"
    "                WHERE id = ($1::jsonb ->> 'service_type_id')::uuid AND active)",
    w->body);
  if (service == NULL)
    return FALSE;
  if (!vb_db_get_bool (service, 0, 0))
    {
      vb_set_validation_error (error, "service_type_id", "No such active service type");
      return FALSE;
    }
  /* Title and estimate default to the service's; priority to the order's;
   * position to after the last task.  required_hv_level is the trigger's. */
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO work_order_tasks (id, work_order_id, location_id, service_type_id, title, position,"
    "                              estimated_tenths, technician_id, priority, promised_at)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), w.id, w.location_id, st.id,"
    "        coalesce(b ->> 'title', st.name),"
    "        coalesce((b ->> 'position')::int,"
    "                 (SELECT coalesce(max(p.position), 0) + 1 FROM work_order_tasks p WHERE p.work_order_id = w.id)),"
    "        coalesce((b ->> 'estimated_tenths')::int, st.standard_labor_tenths, 0),"
    "        (b ->> 'technician_id')::uuid, coalesce(b ->> 'priority', w.priority),"
    "        (b ->> 'promised_at')::timestamptz"
    "   FROM (SELECT $2::jsonb AS b) x"
    "   JOIN work_orders w ON w.id = $1::uuid"
    "   LEFT JOIN service_types st ON st.id = (x.b ->> 'service_type_id')::uuid"
    " RETURNING id",
    w->parent_id, w->body);
  if (res == NULL)
    {
      MISSING_REFERENCE (local_error, "technician_id");
      vb_handler_conflict_field (local_error, "id");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return fetch_task (conn, vb_db_get (res, 0, 0), &w->result, error);
}

static gboolean
create_task (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, task_fields, G_N_ELEMENTS (task_fields), TRUE, NULL, error))
    return FALSE;
  if (!vb_handler_has_member (body, "title") && !vb_handler_has_member (body, "service_type_id"))
    {
      vb_set_validation_error (error, "title", "title is required (or a service_type_id to take it from)");
      return FALSE;
    }
  if (!vb_request_transaction (req, create_task_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/tasks", &w.result);
  return TRUE;
}

static gboolean
get_task (VbRequest  *req,
          GError    **error)
{
  return vb_handler_reply_row (req, TASK_SQL " AND vb_has_permission($2::uuid, 'work_orders.read', t.location_id)",
                               "task", error);
}

#define KEEP(col, expr) \
  col " = CASE WHEN b ? '" col "' THEN " expr " ELSE t." col " END"

static gboolean
update_task_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) task = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(JsonNode) updated = NULL;
  g_autoptr(GError) local_error = NULL;

  task = vb_handler_scope (conn, TASK_SCOPE ("work_orders.write"), w->id, w->user_id, "task",
                           "You may not change tasks of this location", error);
  if (task == NULL)
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "UPDATE work_order_tasks AS t SET "
    KEEP ("title", "b ->> 'title'") ", "
    KEEP ("position", "(b ->> 'position')::int") ", "
    KEEP ("estimated_tenths", "(b ->> 'estimated_tenths')::int") ", "
    KEEP ("technician_id", "(b ->> 'technician_id')::uuid") ", "
    KEEP ("priority", "b ->> 'priority'") ", "
    KEEP ("promised_at", "(b ->> 'promised_at')::timestamptz") ", "
    KEEP ("status", "b ->> 'status'")
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE t.id = $1::uuid AND t.version = $2::int"
    " RETURNING t.id",
    w->id, w->version, w->body);
  if (res == NULL)
    {
      MISSING_REFERENCE (local_error, "technician_id");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!vb_handler_finish_update (conn, res, TASK_SQL, w->id, "task", &updated, error))
    return FALSE;
  return fetch_task (conn, w->id, &w->result, error);
}

static gboolean
update_task (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !vb_handler_check_fields (body, task_update_fields, G_N_ELEMENTS (task_update_fields),
                                   FALSE, NULL, error))
    return FALSE;
  return vb_handler_transact_reply (req, update_task_txn, &w, 200, &w.result, error);
}

static gboolean
claim_task_txn (VbDbConn  *conn,
                gpointer   user_data,
                GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) task = NULL;
  g_autoptr(PGresult) res = NULL;
  const char *status;

  task = vb_handler_scope (conn, TASK_SCOPE ("work_orders.technical"), w->id, w->user_id, "task",
                           "Only technicians of this location claim tasks", error);
  if (task == NULL)
    return FALSE;
  status = vb_db_get (task, 0, 0);
  if (!g_strv_contains (open_statuses, status))
    return vb_handler_conflict (error, "status", "The task is %s", status);
  /* Only an unassigned task (one already ours stays as it is): taking a
   * colleague's task is a reassignment, a PATCH by whoever plans the work.
   * The WHERE makes two technicians claiming at once safe: the second one
   * re-reads the row after the first commits and matches nothing. */
  res = vb_db_execv (conn, error,
    "UPDATE work_order_tasks SET technician_id = $2::uuid"
    " WHERE id = $1::uuid AND technician_id IS NULL"
    " RETURNING id",
    w->id, w->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0 && g_strcmp0 (vb_db_get (task, 0, 1), w->user_id) != 0)
    return vb_handler_conflict (error, "technician_id", "Another technician has this task");
  return fetch_task (conn, w->id, &w->result, error);
}

static gboolean
claim_task (VbRequest  *req,
            GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  w.user_id = vb_request_get_principal (req)->user_id;
  return vb_handler_transact_reply (req, claim_task_txn, &w, 200, &w.result, error);
}

/* -------------------------------------------------------- work queue --- */

/* The queue order: priority (urgent first), then the promised time (the
 * task's, else the work order's; none last), then how long the car has
 * waited (checked in first).  The cursor is an offset: the queue reorders
 * as work moves, so a key from the last page would not be stable either. */
static gboolean
list_queue (VbRequest  *req,
            GError    **error)
{
  const char *user_id = vb_request_get_principal (req)->user_id;
  const char *technician = vb_request_get_query (req, "technician_id");
  const char *location_id = vb_request_get_query (req, "location_id");
  const char *status = vb_request_get_query (req, "status");
  const char *cursor = vb_request_get_query (req, "cursor");
  const char *unassigned = "false";
  g_autofree char *offset_text = NULL;
  g_autofree char *limit_text = NULL;
  g_autofree char *next = NULL;
  g_autoptr(PGresult) res = NULL;
  JsonArray *items;
  JsonNode *node;
  VbDbConn *conn;
  gint64 offset = 0;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error)
      || (location_id != NULL && !vb_validate_uuid (location_id, "location_id", error)))
    return FALSE;
  if (g_strcmp0 (technician, "me") == 0)
    technician = user_id;
  else if (g_strcmp0 (technician, "none") == 0)
    {
      technician = NULL;
      unassigned = "true";
    }
  if (technician != NULL && !vb_validate_uuid (technician, "technician_id", error))
    return FALSE;
  if (status != NULL && !g_strv_contains (open_statuses, status))
    {
      vb_set_validation_error (error, "status", "status must be pending or in_progress");
      return FALSE;
    }
  if (cursor != NULL)
    {
      g_autofree char *key = vb_handler_cursor_decode (cursor, error);

      if (key == NULL)
        return FALSE;
      if (!g_str_has_prefix (key, "o:") || !g_ascii_string_to_signed (key + 2, 10, 0, G_MAXINT32, &offset, NULL))
        {
          vb_set_validation_error (error, "cursor", "cursor is not one this server issued");
          return FALSE;
        }
    }
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  offset_text = g_strdup_printf ("%" G_GINT64_FORMAT, offset);
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT " TASK_COLUMNS ","
    "       jsonb_build_object('id', w.id, 'number', w.number, 'status', w.status, 'priority', w.priority,"
    "         'promised_at', " RFC3339 ("w.promised_at") ", 'checked_in_at', " RFC3339 ("w.checked_in_at") ","
    "         'bay_id', w.bay_id,"
    "         'vehicle', jsonb_build_object('id', v.id, 'plate', v.plate, 'make', v.make, 'model', v.model),"
    "         'customer', jsonb_build_object('id', c.id, 'display_name', c.display_name)) AS work_order"
    "  FROM work_order_tasks t"
    "  JOIN work_orders w ON w.id = t.work_order_id"
    "  JOIN vehicles v ON v.id = w.vehicle_id"
    "  JOIN customers c ON c.id = w.customer_id"
    " WHERE t.status IN ('pending', 'in_progress')"
    "   AND w.status NOT IN ('collected', 'cancelled')"
    "   AND vb_has_permission($1::uuid, 'work_orders.read', t.location_id)"
    "   AND ($2::uuid IS NULL OR t.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR t.technician_id = $3::uuid)"
    "   AND (NOT $4::boolean OR t.technician_id IS NULL)"
    "   AND ($5::text IS NULL OR t.status = $5)"
    " ORDER BY CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END,"
    "          coalesce(t.promised_at, w.promised_at) NULLS LAST, w.checked_in_at, w.id, t.position, t.id"
    " OFFSET $6::int LIMIT $7::int",
    user_id, location_id, technician, unassigned, status, offset_text, limit_text);
  if (res == NULL)
    return FALSE;
  items = json_array_new ();
  for (int i = 0; i < PQntuples (res) && (guint) i < limit; i++)
    json_array_add_element (items, vb_handler_row_to_json (res, i));
  if ((guint) PQntuples (res) > limit)
    {
      g_autofree char *key = g_strdup_printf ("o:%" G_GINT64_FORMAT, offset + limit);
      next = vb_handler_cursor_encode (key);
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, items);
  vb_handler_reply_list (req, node, next);
  return TRUE;
}

/* --------------------------------------------------------- checklist --- */

/* blocked_by mirrors vb_checklist_result_check, so the app can grey out a
 * step the server would refuse (the trigger still decides). */
static gboolean
get_checklist (VbRequest  *req,
               GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) task = NULL;
  g_autoptr(PGresult) res = NULL;
  JsonObject *root;
  JsonNode *node;
  JsonArray *steps;
  VbDbConn *conn;
  gboolean complete = TRUE;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  task = vb_handler_scope (conn, TASK_SCOPE ("work_orders.read"), id, vb_request_get_principal (req)->user_id,
                           "task", "", error);
  if (task == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT q.*, q.blocked_by IS NULL AS allowed FROM ("
    " SELECT s.id AS step_id, s.position, s.instruction, s.kind, s.unit,"
    "        to_jsonb(s.min_value) AS min, to_jsonb(s.max_value) AS max, s.hv_safety,"
    "        (SELECT jsonb_build_object('id', r.id, 'passed', r.passed, 'value', r.value, 'unit', r.unit,"
    "                  'conditions', r.conditions, 'attachment_id', r.attachment_id, 'notes', r.notes,"
    "                  'recorded_by', r.recorded_by, 'recorded_at', " RFC3339 ("r.recorded_at") ")"
    "           FROM checklist_results r WHERE r.task_id = t.id AND r.step_id = s.id"
    "          ORDER BY r.recorded_at DESC, r.id DESC LIMIT 1) AS result,"
    "        CASE WHEN s.hv_safety THEN"
    "               CASE WHEN EXISTS (SELECT 1 FROM service_type_steps p"
    "                                  WHERE p.service_type_id = s.service_type_id AND p.hv_safety"
    "                                    AND p.position < s.position AND NOT EXISTS"
    "                                        (SELECT 1 FROM checklist_results r"
    "                                          WHERE r.task_id = t.id AND r.step_id = p.id AND r.passed))"
    "                    THEN 'hv_safety_order' END"
    "             WHEN EXISTS (SELECT 1 FROM service_type_steps p"
    "                           WHERE p.service_type_id = s.service_type_id AND p.hv_safety AND NOT EXISTS"
    "                                 (SELECT 1 FROM checklist_results r"
    "                                   WHERE r.task_id = t.id AND r.step_id = p.id AND r.passed))"
    "               THEN 'hv_safety_first'"
    "             WHEN t.required_hv_level > 0 AND NOT EXISTS (SELECT 1 FROM hv_records h"
    "                                                            WHERE h.task_id = t.id AND h.state <> 'open')"
    "               THEN 'hv_record_not_de_energized'"
    "        END AS blocked_by"
    "   FROM work_order_tasks t JOIN service_type_steps s ON s.service_type_id = t.service_type_id"
    "  WHERE t.id = $1::uuid) q"
    " ORDER BY q.position",
    id);
  if (res == NULL)
    return FALSE;
  steps = json_array_new ();
  for (int i = 0; i < PQntuples (res); i++)
    {
      complete = complete && !PQgetisnull (res, i, PQfnumber (res, "result"));
      json_array_add_element (steps, vb_handler_row_to_json (res, i));
    }
  root = json_object_new ();
  json_object_set_string_member (root, "task_id", id);
  json_object_set_string_member (root, "status", vb_db_get (task, 0, 0));
  json_object_set_int_member (root, "required_hv_level", vb_db_get_int (task, 0, 2));
  if (PQgetisnull (task, 0, 3))
    json_object_set_null_member (root, "hv_record_state");
  else
    json_object_set_string_member (root, "hv_record_state", vb_db_get (task, 0, 3));
  json_object_set_boolean_member (root, "complete", complete);
  json_object_set_array_member (root, "steps", steps);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  vb_request_reply_json (req, 200, node);
  return TRUE;
}

static const VbHandlerField result_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "step_id", VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0, NULL },
  { "passed", VB_HANDLER_FIELD_BOOL, FALSE, TRUE, 0, 0, NULL },
  { "value", VB_HANDLER_FIELD_NUMBER, FALSE, TRUE, 0, 0, NULL },
  { "unit", VB_HANDLER_FIELD_TEXT, FALSE, TRUE, 1, 20, NULL },
  { "conditions", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1000, NULL },
  { "attachment_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 2000, NULL },
  { "recorded_at", VB_HANDLER_FIELD_TIMESTAMP, FALSE, TRUE, 0, 0, NULL },
};

static gboolean
record_result_txn (VbDbConn  *conn,
                   gpointer   user_data,
                   GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) task = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  task = vb_handler_scope (conn, TASK_SCOPE ("work_orders.technical"), w->parent_id, w->user_id, "task",
                           "Only technicians of this location record checklist results", error);
  if (task == NULL)
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO checklist_results (id, task_id, work_order_id, location_id, step_id, passed, value, unit,"
    "                               conditions, attachment_id, notes, recorded_by, recorded_at)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), t.id, t.work_order_id, t.location_id,"
    "        (b ->> 'step_id')::uuid, (b ->> 'passed')::boolean, (b ->> 'value')::numeric, b ->> 'unit',"
    "        coalesce(b ->> 'conditions', ''), (b ->> 'attachment_id')::uuid, coalesce(b ->> 'notes', ''),"
    "        $3::uuid, coalesce((b ->> 'recorded_at')::timestamptz, now())"
    "   FROM (SELECT $2::jsonb AS b) x JOIN work_order_tasks t ON t.id = $1::uuid"
    " RETURNING id",
    w->parent_id, w->body, w->user_id);
  if (res == NULL)
    {
      MISSING_REFERENCE (local_error, "attachment_id");
      vb_handler_conflict_field (local_error, "id");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, "SELECT " RESULT_COLUMNS " FROM checklist_results r WHERE r.id = $1::uuid",
                               vb_db_get (res, 0, 0), "checklist result", &w->result, error);
}

static gboolean
record_result (VbRequest  *req,
               GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, result_fields, G_N_ELEMENTS (result_fields), TRUE, NULL, error))
    return FALSE;
  return vb_handler_transact_reply (req, record_result_txn, &w, 201, &w.result, error);
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute task_routes[] = {
  { "GET", "/api/v1/work-orders/{id}/tasks", list_order_tasks, "work_orders.read", 0,
    "The tasks of a work order, in order" },
  { "POST", "/api/v1/work-orders/{id}/tasks", create_task, "work_orders.write", 0,
    "Add a task (422 technician_id without a valid HV certification at the task's level)" },
  { "GET", "/api/v1/tasks", list_queue, "work_orders.read", 0,
    "The work queue: open tasks of open work orders by priority, promised time, waiting time"
    " (?technician_id=me|none|id, ?location_id, ?status, ?limit, ?cursor)" },
  { "GET", "/api/v1/tasks/{id}", get_task, "work_orders.read", 0,
    "One task" },
  { "PATCH", "/api/v1/tasks/{id}", update_task, "work_orders.write", 0,
    "Change a task (version required); done needs every checklist step and a signed-off HV record" },
  { "POST", "/api/v1/tasks/{id}/claim", claim_task, "work_orders.technical", 0,
    "Assign the task to the caller (409 if another technician has it)" },
  { "GET", "/api/v1/tasks/{id}/checklist", get_checklist, "work_orders.read", 0,
    "The task's checklist steps with their latest results and whether each is allowed now" },
  { "POST", "/api/v1/tasks/{id}/checklist-results", record_result, "work_orders.technical", 0,
    "Record a checklist result (append-only; HV-safety steps in order and first)" },
};

void
vb_handler_tasks_register (VbRouter *router)
{
  vb_router_add_routes (router, task_routes, G_N_ELEMENTS (task_routes));
}
