/* vb-handler-work-order-notes.c — internal notes on a work order:
 * /api/v1/work-orders/{id}/notes.
 *
 * Notes are staff-only (never sent to the customer) and append-only: a
 * trigger refuses UPDATE (0006-work-orders.sql), so what was written stays
 * as written; a correction is another note.  The author is always the
 * caller, and the note takes its work order's location (a trigger), which
 * scopes the change feed and every read here.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define NOTE_COLUMNS \
  "n.id, n.work_order_id, n.location_id, n.author_id, u.display_name AS author_name, n.body," \
  " n.version, n.created_at"

static const VbHandlerField note_fields[] = {
  { "id",   VB_HANDLER_FIELD_UUID, FALSE, TRUE,  0, 0,    NULL },
  { "body", VB_HANDLER_FIELD_TEXT, TRUE,  FALSE, 1, 4000, NULL },
};

/* 404 unless the caller sees the work order; 403 if write is needed and missing. */
static gboolean
check_work_order (VbDbConn    *conn,
                  const char  *work_order_id,
                  const char  *user_id,
                  gboolean     write,
                  GError     **error)
{
  g_autoptr(PGresult) res = vb_handler_scope (conn,
    write ? "SELECT vb_has_permission($2::uuid, 'work_orders.read', location_id) AS _read,"
            "       vb_has_permission($2::uuid, 'work_orders.write', location_id) AS _may"
            "  FROM work_orders WHERE id = $1::uuid"
          : "SELECT vb_has_permission($2::uuid, 'work_orders.read', location_id) AS _read, true AS _may"
            "  FROM work_orders WHERE id = $1::uuid",
    work_order_id, user_id, "work order", "You may not add notes to work orders of this location", error);

  return res != NULL;
}

static gboolean
list_notes (VbRequest  *req,
            GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *user_id = vb_request_get_principal (req)->user_id;
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (id == NULL || !vb_request_get_limit (req, &limit, error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL || !check_work_order (conn, id, user_id, FALSE, error))
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  /* Oldest first: a note thread reads top to bottom. */
  res = vb_db_execv (conn, error,
    "SELECT " NOTE_COLUMNS ","
    "       to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || n.id::text AS _key"
    "  FROM work_order_notes n LEFT JOIN users u ON u.id = n.author_id"
    " WHERE n.work_order_id = $1::uuid"
    "   AND ($2::text IS NULL OR to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || n.id::text > $2)"
    " ORDER BY n.created_at, n.id LIMIT $3::int",
    id, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
create_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!check_work_order (conn, w->parent_id, w->user_id, TRUE, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO work_order_notes (id, work_order_id, author_id, body)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), $2::uuid, $3::uuid, b ->> 'body'"
    "   FROM (SELECT $1::jsonb AS b) x"
    " RETURNING id",
    w->body, w->parent_id, w->user_id);
  if (res == NULL)
    {
      vb_handler_conflict_field (local_error, "id");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn,
    "SELECT " NOTE_COLUMNS " FROM work_order_notes n LEFT JOIN users u ON u.id = n.author_id"
    " WHERE n.id = $1::uuid",
    vb_db_get (res, 0, 0), "note", &w->result, error);
}

static gboolean
create_note (VbRequest  *req,
             GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.parent_id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, note_fields, G_N_ELEMENTS (note_fields), TRUE, NULL, error))
    return FALSE;
  /* No Location: a note has no address of its own (it is read in its list). */
  return vb_handler_transact_reply (req, create_txn, &w, 201, &w.result, error);
}

static const VbRoute note_routes[] = {
  { "GET", "/api/v1/work-orders/{id}/notes", list_notes, "work_orders.read", 0,
    "The internal notes of a work order, oldest first (?limit, ?cursor)" },
  { "POST", "/api/v1/work-orders/{id}/notes", create_note, "work_orders.write", 0,
    "Add an internal note (append-only; the author is the caller)" },
};

void
vb_handler_work_order_notes_register (VbRouter *router)
{
  vb_router_add_routes (router, note_routes, G_N_ELEMENTS (note_routes));
}
