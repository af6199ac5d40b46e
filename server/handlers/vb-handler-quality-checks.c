/* vb-handler-quality-checks.c — quality checks of a work order (T4).
 *
 * A quality check is made while the work order is in quality_check, by
 * someone who did not work on it (no task assigned, no clocked time, no
 * checklist result, no HV step other than a sign-off): the trigger
 * vb_quality_check_check in 0006-work-orders.sql refuses otherwise (409
 * status / 403).  It lists what was checked, each item passed or not; the
 * check passes only if every item did (422 naming passed).  Checks are
 * append-only: after a failed one the car goes back to work and a later
 * check decides; moving to ready needs the newest check passed.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define CHECK_COLUMNS \
  "q.id, q.work_order_id, q.location_id, q.items, q.passed, to_jsonb(q.photo_ids) AS photo_ids, q.notes," \
  " q.checked_by, (SELECT u.display_name FROM users u WHERE u.id = q.checked_by) AS checked_by_name," \
  " q.checked_at, q.version"

/* 404 unless the work order exists and the caller may read it (_read); 403
 * unless they may also write (_may). */
static gboolean
scope (VbDbConn    *conn,
       const char  *scope_sql,
       const char  *id,
       const char  *user_id,
       const char  *refusal,
       GError     **error)
{
  g_autoptr(PGresult) res = vb_handler_scope (conn, scope_sql, id, user_id, "work order", refusal, error);

  return res != NULL;
}

static gboolean
list_checks (VbRequest  *req,
             GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL
      || !scope (conn,
                 "SELECT vb_has_permission($2::uuid, 'work_orders.read', w.location_id) AS _read, true AS _may"
                 "  FROM work_orders w WHERE w.id = $1::uuid",
                 id, vb_request_get_principal (req)->user_id, "", error))
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " CHECK_COLUMNS " FROM quality_checks q WHERE q.work_order_id = $1::uuid"
    " ORDER BY q.checked_at, q.id", id);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_rows (req, res);
  return TRUE;
}

static const VbHandlerField check_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "passed", VB_HANDLER_FIELD_BOOL, TRUE, FALSE, 0, 0, NULL },
  { "notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 2000, NULL },
};

static const VbHandlerField item_fields[] = {
  { "name", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 200, NULL },
  { "value", VB_HANDLER_FIELD_NUMBER, FALSE, TRUE, 0, 0, NULL },
  { "unit", VB_HANDLER_FIELD_TEXT, FALSE, TRUE, 1, 20, NULL },
  { "passed", VB_HANDLER_FIELD_BOOL, TRUE, FALSE, 0, 0, NULL },
};

static gboolean
check_items (JsonObject  *body,
             GError     **error)
{
  JsonNode *node = json_object_get_member (body, "items");
  JsonArray *items;
  gboolean all_passed = TRUE;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node)
      || json_array_get_length (items = json_node_get_array (node)) == 0
      || json_array_get_length (items) > 100)
    {
      vb_set_validation_error (error, "items", "items must be an array of 1 to 100 checked items");
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *element = json_array_get_element (items, i);
      g_autofree char *prefix = g_strdup_printf ("items[%u].", i);
      JsonObject *item;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          g_autofree char *field = g_strdup_printf ("items[%u]", i);
          vb_set_validation_error (error, field, "%s must be an object", field);
          return FALSE;
        }
      item = json_node_get_object (element);
      if (!vb_handler_check_fields (item, item_fields, G_N_ELEMENTS (item_fields), TRUE, prefix, error))
        return FALSE;
      all_passed = all_passed && json_object_get_boolean_member (item, "passed");
    }
  if (json_object_get_boolean_member (body, "passed") && !all_passed)
    {
      vb_set_validation_error (error, "passed", "A quality check with a failed item cannot pass");
      return FALSE;
    }
  return TRUE;
}

static gboolean
create_check_txn (VbDbConn  *conn,
                  gpointer   user_data,
                  GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!scope (conn,
              "SELECT vb_has_permission($2::uuid, 'work_orders.read', w.location_id) AS _read,"
              "       vb_has_permission($2::uuid, 'work_orders.technical', w.location_id) AS _may"
              "  FROM work_orders w WHERE w.id = $1::uuid",
              w->parent_id, w->user_id, "Only technical staff of this location make quality checks", error))
    return FALSE;
  /* Only the members each item may have are kept. */
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO quality_checks (id, work_order_id, location_id, items, passed, photo_ids, notes, checked_by)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), w.id, w.location_id,"
    "        (SELECT jsonb_agg(jsonb_build_object('name', i ->> 'name', 'value', i -> 'value',"
    "                                             'unit', i -> 'unit', 'passed', (i ->> 'passed')::boolean)"
    "                          ORDER BY n)"
    "           FROM jsonb_array_elements(b -> 'items') WITH ORDINALITY e(i, n)),"
    "        (b ->> 'passed')::boolean,"
    "        coalesce(ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(b -> 'photo_ids') = 'array'"
    "                                                       THEN b -> 'photo_ids' ELSE '[]' END)::uuid), '{}'),"
    "        coalesce(b ->> 'notes', ''), $3::uuid"
    "   FROM (SELECT $2::jsonb AS b) x JOIN work_orders w ON w.id = $1::uuid"
    " RETURNING id",
    w->parent_id, w->body, w->user_id);
  if (res == NULL)
    {
      vb_handler_conflict_field (local_error, "id");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, "SELECT " CHECK_COLUMNS " FROM quality_checks q WHERE q.id = $1::uuid",
                               vb_db_get (res, 0, 0), "quality check", &w->result, error);
}

static gboolean
create_check (VbRequest  *req,
              GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, check_fields, G_N_ELEMENTS (check_fields), TRUE, NULL, error)
      || !check_items (body, error)
      || !vb_handler_check_uuid_array (body, "photo_ids", 50, NULL, error))
    return FALSE;
  return vb_handler_transact_reply (req, create_check_txn, &w, 201, &w.result, error);
}

static const VbRoute quality_check_routes[] = {
  { "GET", "/api/v1/work-orders/{id}/quality-checks", list_checks, "work_orders.read", 0,
    "The quality checks of a work order, oldest first" },
  { "POST", "/api/v1/work-orders/{id}/quality-checks", create_check, "work_orders.technical", 0,
    "Record a quality check (in quality_check only, by someone who did not work on the order)" },
};

void
vb_handler_quality_checks_register (VbRouter *router)
{
  vb_router_add_routes (router, quality_check_routes, G_N_ELEMENTS (quality_check_routes));
}
