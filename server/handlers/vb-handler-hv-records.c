/* vb-handler-hv-records.c — the gated, signed high-voltage record of an HV
 * task (T2, shared/design/EV-SERVICE.md "High-voltage work").
 *
 * One record per HV task, opened by a technician holding a valid HV
 * certification at the task's level.  Its steps are appended in a fixed
 * order — de_energize, lockout, capacitor_wait, verify_absence,
 * insulation_test, re_energize, sign_off — each with its evidence.  The
 * rules are the triggers vb_hv_record_check, vb_hv_step_check and
 * vb_hv_step_apply in 0006-work-orders.sql, so they hold for every writer:
 * out of order or a capacitor wait not yet elapsed → 409 naming the field;
 * a certification missing, expired or too low, or a sign-off by whoever
 * re-energized → 403.  A reading above 60 V, or an insulation resistance
 * below 100 Ω/V of the system voltage (UN ECE R100), is stored with
 * "passed": false (201): the attempt is evidence, and the step is repeated.
 * The record's state follows: de_energized after a passed insulation test
 * (the task's other checklist steps open up), re_energized, signed_off
 * (the task may be done).
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

static const char * const hv_steps[] = {
  "de_energize", "lockout", "capacitor_wait", "verify_absence", "insulation_test", "re_energize",
  "sign_off", NULL
};

/* The first step without a passed row, in the fixed order (NULL when signed off). */
#define NEXT_STEP \
  "(SELECT u.step FROM unnest(ARRAY['de_energize', 'lockout', 'capacitor_wait', 'verify_absence'," \
  "                                 'insulation_test', 're_energize', 'sign_off']) WITH ORDINALITY u(step, n)" \
  "  WHERE NOT EXISTS (SELECT 1 FROM hv_record_steps p" \
  "                     WHERE p.hv_record_id = h.id AND p.step = u.step AND p.passed)" \
  "  ORDER BY u.n LIMIT 1)"

#define RECORD_COLUMNS \
  "h.id, h.task_id, h.work_order_id, h.location_id, h.technician_id," \
  " (SELECT u.display_name FROM users u WHERE u.id = h.technician_id) AS technician_name," \
  " h.technician_hv_level, h.system_voltage, 100 * h.system_voltage AS min_insulation_ohms," \
  " h.state, " NEXT_STEP " AS next_step, h.version, h.created_at, h.updated_at"

#define STEP_COLUMNS \
  "s.id, s.hv_record_id, s.step, s.position, s.performed_by," \
  " (SELECT u.display_name FROM users u WHERE u.id = s.performed_by) AS performed_by_name," \
  " s.performed_at, s.ignition_off, s.low_voltage_disconnected, s.service_disconnect_removed," \
  " s.lock_id, s.lock_holder, s.oem_wait_minutes, s.readings, s.known_source_before, s.known_source_after," \
  " to_jsonb(s.resistance_ohms) AS resistance_ohms, s.test_voltage, s.signature_id, s.passed, s.notes," \
  " s.version, s.created_at"

/* ------------------------------------------------------------ helpers --- */

/* The record with its steps (every attempt, in order). */
static gboolean
fetch_record (VbDbConn    *conn,
              const char  *where_sql,
              const char  *id,
              JsonNode   **result,
              GError     **error)
{
  g_autofree char *sql = g_strconcat ("SELECT " RECORD_COLUMNS " FROM hv_records h WHERE ", where_sql, NULL);
  g_autoptr(PGresult) record = vb_db_execv (conn, error, sql, id);
  g_autoptr(PGresult) steps = NULL;
  JsonNode *node;

  if (record == NULL)
    return FALSE;
  if (PQntuples (record) == 0)
    return vb_handler_not_found (error, "HV record");
  steps = vb_db_execv (conn, error,
    "SELECT " STEP_COLUMNS " FROM hv_record_steps s WHERE s.hv_record_id = $1::uuid"
    " ORDER BY s.position, s.performed_at, s.created_at, s.id",
    vb_db_get (record, 0, 0));
  if (steps == NULL)
    return FALSE;
  node = vb_handler_row_to_json (record, 0);
  json_object_set_member (json_node_get_object (node), "steps", vb_handler_rows_to_json (steps));
  g_clear_pointer (result, json_node_unref);
  *result = node;
  return TRUE;
}

/* ------------------------------------------------------------ records --- */

static const VbHandlerField record_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "system_voltage", VB_HANDLER_FIELD_INT, FALSE, TRUE, 60, 1500, NULL },
};

static gboolean
open_record_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) task = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  task = vb_handler_scope (conn,
    "SELECT vb_has_permission($2::uuid, 'work_orders.read', t.location_id) AS _read,"
    "       vb_has_permission($2::uuid, 'work_orders.technical', t.location_id) AS _may"
    "  FROM work_order_tasks t WHERE t.id = $1::uuid",
    w->parent_id, w->user_id, "task", "Only technicians of this location open HV records", error);
  if (task == NULL)
    return FALSE;
  /* The caller is the record's technician; the trigger checks their
   * certification and defaults the voltage to the vehicle's class. */
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO hv_records (id, task_id, work_order_id, location_id, technician_id, technician_hv_level,"
    "                        system_voltage)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), t.id, t.work_order_id, t.location_id,"
    "        $3::uuid, 0, (b ->> 'system_voltage')::int"
    "   FROM (SELECT $2::jsonb AS b) x JOIN work_order_tasks t ON t.id = $1::uuid"
    " RETURNING id",
    w->parent_id, w->body, w->user_id);
  if (res == NULL)
    {
      vb_handler_name_conflict (local_error, "task_id_key", "task_id", "The task already has an HV record");
      vb_handler_conflict_field (local_error, "id");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return fetch_record (conn, "h.id = $1::uuid", vb_db_get (res, 0, 0), &w->result, error);
}

static gboolean
open_record (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  /* The body is optional: {} opens the record with the defaults. */
  if (vb_handler_has_body (req))
    {
      if ((body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
          || !vb_handler_check_fields (body, record_fields, G_N_ELEMENTS (record_fields), TRUE, NULL, error))
        return FALSE;
    }
  else
    {
      w.user_id = vb_request_get_principal (req)->user_id;
      w.body = g_strdup ("{}");
    }
  if (!vb_request_transaction (req, open_record_txn, &w, error))
    return FALSE;
  vb_handler_reply_created (req, "/api/v1/hv-records", &w.result);
  return TRUE;
}

/* GET of a record by the {id} of what scope_sql reads (404 unless the caller may). */
static gboolean
reply_record (VbRequest   *req,
              const char  *scope_sql,
              const char  *what,
              const char  *where_sql,
              GError     **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(JsonNode) result = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  scope = vb_handler_scope (conn, scope_sql, id, vb_request_get_principal (req)->user_id, what, "", error);
  if (scope == NULL || !fetch_record (conn, where_sql, id, &result, error))
    return FALSE;
  vb_request_reply_json (req, 200, g_steal_pointer (&result));
  return TRUE;
}

static gboolean
get_task_record (VbRequest  *req,
                 GError    **error)
{
  return reply_record (req,
    "SELECT vb_has_permission($2::uuid, 'work_orders.read', t.location_id) AS _read, true AS _may"
    "  FROM work_order_tasks t WHERE t.id = $1::uuid",
    "task", "h.task_id = $1::uuid", error);
}

static gboolean
get_record (VbRequest  *req,
            GError    **error)
{
  return reply_record (req,
    "SELECT vb_has_permission($2::uuid, 'work_orders.read', h.location_id) AS _read, true AS _may"
    "  FROM hv_records h WHERE h.id = $1::uuid",
    "HV record", "h.id = $1::uuid", error);
}

/* -------------------------------------------------------------- steps --- */

static const VbHandlerField step_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "step", VB_HANDLER_FIELD_CHOICE, TRUE, FALSE, 0, 0, hv_steps },
  { "performed_at", VB_HANDLER_FIELD_TIMESTAMP, FALSE, TRUE, 0, 0, NULL },
  { "ignition_off", VB_HANDLER_FIELD_BOOL, FALSE, TRUE, 0, 0, NULL },
  { "low_voltage_disconnected", VB_HANDLER_FIELD_BOOL, FALSE, TRUE, 0, 0, NULL },
  { "service_disconnect_removed", VB_HANDLER_FIELD_BOOL, FALSE, TRUE, 0, 0, NULL },
  { "lock_id", VB_HANDLER_FIELD_TEXT, FALSE, TRUE, 1, 100, NULL },
  { "lock_holder", VB_HANDLER_FIELD_TEXT, FALSE, TRUE, 1, 200, NULL },
  { "oem_wait_minutes", VB_HANDLER_FIELD_INT, FALSE, TRUE, 1, 120, NULL },
  { "known_source_before", VB_HANDLER_FIELD_BOOL, FALSE, TRUE, 0, 0, NULL },
  { "known_source_after", VB_HANDLER_FIELD_BOOL, FALSE, TRUE, 0, 0, NULL },
  { "resistance_ohms", VB_HANDLER_FIELD_NUMBER, FALSE, TRUE, 0, 0, NULL },
  { "test_voltage", VB_HANDLER_FIELD_INT, FALSE, TRUE, 50, 5000, NULL },
  { "signature_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 2000, NULL },
};

static const VbHandlerField reading_fields[] = {
  { "point", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 100, NULL },
  { "volts", VB_HANDLER_FIELD_NUMBER, TRUE, FALSE, 0, 0, NULL },
};

static gboolean
check_step (JsonObject  *body,
            GError     **error)
{
  JsonNode *node = json_object_get_member (body, "readings");
  JsonArray *readings;

  if (!vb_handler_check_fields (body, step_fields, G_N_ELEMENTS (step_fields), TRUE, NULL, error))
    return FALSE;
  if (vb_handler_has_member (body, "resistance_ohms")
      && json_object_get_double_member (body, "resistance_ohms") < 0)
    {
      vb_set_validation_error (error, "resistance_ohms", "resistance_ohms must not be negative");
      return FALSE;
    }
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (readings = json_node_get_array (node)) > 50)
    {
      vb_set_validation_error (error, "readings", "readings must be an array of at most 50 readings");
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (readings); i++)
    {
      JsonNode *element = json_array_get_element (readings, i);
      g_autofree char *prefix = g_strdup_printf ("readings[%u].", i);

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          vb_set_validation_error (error, "readings", "each reading is {\"point\": text, \"volts\": number}");
          return FALSE;
        }
      if (!vb_handler_check_fields (json_node_get_object (element), reading_fields,
                                    G_N_ELEMENTS (reading_fields), TRUE, prefix, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
record_step_txn (VbDbConn  *conn,
                 gpointer   user_data,
                 GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) record = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) step = NULL;
  g_autoptr(JsonNode) full = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonObject *summary;
  JsonObject *full_object;

  record = vb_handler_scope (conn,
    "SELECT vb_has_permission($2::uuid, 'work_orders.read', h.location_id) AS _read,"
    "       vb_has_permission($2::uuid, 'work_orders.technical', h.location_id) AS _may"
    "  FROM hv_records h WHERE h.id = $1::uuid",
    w->parent_id, w->user_id, "HV record", "Only technicians of this location record HV steps", error);
  if (record == NULL)
    return FALSE;
  /* work_order_id, location_id and position are the trigger's. */
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO hv_record_steps (id, hv_record_id, step, performed_by, performed_at, ignition_off,"
    "                             low_voltage_disconnected, service_disconnect_removed, lock_id, lock_holder,"
    "                             oem_wait_minutes, readings, known_source_before, known_source_after,"
    "                             resistance_ohms, test_voltage, signature_id, notes)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), $1::uuid, b ->> 'step', $3::uuid,"
    "        coalesce((b ->> 'performed_at')::timestamptz, now()), (b ->> 'ignition_off')::boolean,"
    "        (b ->> 'low_voltage_disconnected')::boolean, (b ->> 'service_disconnect_removed')::boolean,"
    "        b ->> 'lock_id', b ->> 'lock_holder', (b ->> 'oem_wait_minutes')::int,"
    "        CASE WHEN jsonb_typeof(b -> 'readings') = 'array' THEN b -> 'readings' END,"
    "        (b ->> 'known_source_before')::boolean, (b ->> 'known_source_after')::boolean,"
    "        (b ->> 'resistance_ohms')::numeric, (b ->> 'test_voltage')::int, (b ->> 'signature_id')::uuid,"
    "        coalesce(b ->> 'notes', '')"
    "   FROM (SELECT $2::jsonb AS b) x"
    " RETURNING id",
    w->parent_id, w->body, w->user_id);
  if (res == NULL)
    {
      vb_handler_missing_reference (local_error, "signature_id_fkey", "signature_id",
                                    "signature_id names no such attachment");
      /* The unique index lets only one passed step of a kind through,
       * even when two devices send it at once. */
      vb_handler_conflict_field (local_error, "step");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  step = vb_db_execv (conn, error, "SELECT " STEP_COLUMNS " FROM hv_record_steps s WHERE s.id = $1::uuid",
                      vb_db_get (res, 0, 0));
  if (step == NULL || !fetch_record (conn, "h.id = $1::uuid", w->parent_id, &full, error))
    return FALSE;
  /* The step, and where the record stands now (the app shows what is next). */
  w->result = vb_handler_row_to_json (step, 0);
  full_object = json_node_get_object (full);
  summary = json_object_new ();
  json_object_set_member (summary, "id", json_object_dup_member (full_object, "id"));
  json_object_set_member (summary, "state", json_object_dup_member (full_object, "state"));
  json_object_set_member (summary, "next_step", json_object_dup_member (full_object, "next_step"));
  json_object_set_member (summary, "version", json_object_dup_member (full_object, "version"));
  json_object_set_object_member (json_node_get_object (w->result), "record", summary);
  return TRUE;
}

static gboolean
record_step (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !check_step (body, error))
    return FALSE;
  return vb_handler_transact_reply (req, record_step_txn, &w, 201, &w.result, error);
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute hv_record_routes[] = {
  { "POST", "/api/v1/tasks/{id}/hv-record", open_record, "work_orders.technical", 0,
    "Open the HV task's record; the caller is its technician (403 without a valid HV certification at the task's level)" },
  { "GET", "/api/v1/tasks/{id}/hv-record", get_task_record, "work_orders.read", 0,
    "The task's HV record with every step attempt, its state and the next step" },
  { "GET", "/api/v1/hv-records/{id}", get_record, "work_orders.read", 0,
    "One HV record with every step attempt, its state and the next step" },
  { "POST", "/api/v1/hv-records/{id}/steps", record_step, "work_orders.technical", 0,
    "Record the next HV step (in order; failed readings and insulation tests are kept with passed false)" },
};

void
vb_handler_hv_records_register (VbRouter *router)
{
  vb_router_add_routes (router, hv_record_routes, G_N_ELEMENTS (hv_record_routes));
}
