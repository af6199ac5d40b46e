/* vb-handler-changes.c — GET /api/v1/changes: the change feed (docs/sync.md).
 *
 * One statement scans a window of the feed in (xid, seq) order below the
 * oldest running transaction and marks each row visible or not for the
 * caller (permission and location, decided in SQL).  Visible rows are
 * returned; the cursor moves past invisible ones too, so a reader who may
 * see little of the feed still advances through it.
 */
#include "vb-handlers.h"
#include "vb-error.h"
#include "vb-handler-util.h"

#include <stdio.h>

#define SCAN_FACTOR 4

typedef struct
{
  guint64 xid;
  gint64  seq;
} Position;

static gboolean
parse_cursor (VbRequest  *req,
              Position   *pos,
              GError    **error)
{
  const char *since = vb_request_get_query (req, "since");
  g_autofree char *text = NULL;
  char tail;

  pos->xid = 0;
  pos->seq = 0;
  if (since == NULL || since[0] == '\0')
    return TRUE;
  text = vb_handler_cursor_decode (since, NULL);
  if (text == NULL
      || sscanf (text, "%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT "%c", &pos->xid, &pos->seq, &tail) != 2)
    {
      vb_set_validation_error (error, "since", "since is not a cursor this server issued");
      return FALSE;
    }
  return TRUE;
}

static char *
encode_position (const Position *pos)
{
  g_autofree char *text = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT, pos->xid, pos->seq);
  return vb_handler_cursor_encode (text);
}

static JsonNode *
entry_to_json (PGresult *res,
               int       row)
{
  g_autoptr(JsonNode) full = vb_db_row_to_json (res, row);
  JsonObject *src = json_node_get_object (full);
  JsonObject *entry = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  const char *members[] = { "entity", "id", "version", "op", "location_id", "row", "at" };

  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    json_object_set_member (entry, members[i], json_object_dup_member (src, members[i]));
  json_node_take_object (node, entry);
  return node;
}

/* Whether the caller ($1) may see change c: the permission where the
 * change belongs, or everywhere; location-less changes wherever held. */
#define VISIBLE_SQL \
  "EXISTS (SELECT 1 FROM role_assignments ra" \
  "          JOIN role_permissions rp ON rp.role_id = ra.role_id" \
  "         WHERE ra.user_id = $1::uuid AND rp.permission = c.permission" \
  "           AND (c.location_id IS NULL OR ra.location_id IS NULL" \
  "                OR ra.location_id = c.location_id))"

static PGresult *
scan (VbRequest       *req,
      const Position  *from,
      guint            window,
      GError         **error)
{
  VbDbConn *conn = vb_request_get_db (req, error);
  g_autofree char *xid = g_strdup_printf ("%" G_GUINT64_FORMAT, from->xid);
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, from->seq);
  g_autofree char *limit = g_strdup_printf ("%u", window);

  if (conn == NULL)
    return NULL;
  return vb_db_execv (conn, error,
    "SELECT c.xid::text AS _xid, c.seq AS _seq, c.entity, c.entity_id AS id, c.version, c.op,"
    "       c.location_id, CASE WHEN c.visible THEN c.row END AS row, c.at, c.visible AS _visible"
    "  FROM (SELECT c.*, " VISIBLE_SQL " AS visible"
    "          FROM change_log c"
    "         WHERE (c.xid, c.seq) > ($2::xid8, $3::bigint)"
    "           AND c.xid < pg_snapshot_xmin(pg_current_snapshot())"
    "         ORDER BY c.xid, c.seq LIMIT $4::int) c"
    " ORDER BY c.xid, c.seq",
    vb_request_get_principal (req)->user_id, xid, seq, limit);
}

/* ?with_remaining=true: how many rows the caller may see after `after`
 * (below the same horizon), so a client can show "done / total" during a
 * first sync.  A separate count, run only when asked: it reads the rest of
 * the feed, which a client polling for new changes does not need. */
static gboolean
count_remaining (VbRequest       *req,
                 const Position  *after,
                 gint64          *remaining,
                 GError         **error)
{
  VbDbConn *conn = vb_request_get_db (req, error);
  g_autofree char *xid = g_strdup_printf ("%" G_GUINT64_FORMAT, after->xid);
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, after->seq);
  g_autoptr(PGresult) res = NULL;

  if (conn == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT count(*) FROM change_log c"
    " WHERE (c.xid, c.seq) > ($2::xid8, $3::bigint)"
    "   AND c.xid < pg_snapshot_xmin(pg_current_snapshot())"
    "   AND " VISIBLE_SQL,
    vb_request_get_principal (req)->user_id, xid, seq);
  if (res == NULL)
    return FALSE;
  *remaining = vb_db_get_int (res, 0, 0);
  return TRUE;
}

/* Whether committed changes the caller may see wait above the horizon: an
 * older transaction is still open (the audit sealer's, a slow request's),
 * so this page stops short of rows that have already been announced.  The
 * client then reads again shortly instead of waiting for the next push,
 * which in a quiet shop may never come.  Committed rows above the horizon
 * are visible to our snapshot; open ones are not and don't count. */
static gboolean
held_back (VbRequest       *req,
           const Position  *after,
           gboolean        *held,
           GError         **error)
{
  VbDbConn *conn = vb_request_get_db (req, error);
  g_autofree char *xid = g_strdup_printf ("%" G_GUINT64_FORMAT, after->xid);
  g_autofree char *seq = g_strdup_printf ("%" G_GINT64_FORMAT, after->seq);
  g_autoptr(PGresult) res = NULL;

  if (conn == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT EXISTS (SELECT 1 FROM change_log c"
    "                WHERE (c.xid, c.seq) > ($2::xid8, $3::bigint)"
    "                  AND c.xid >= pg_snapshot_xmin(pg_current_snapshot())"
    "                  AND " VISIBLE_SQL ")",
    vb_request_get_principal (req)->user_id, xid, seq);
  if (res == NULL)
    return FALSE;
  *held = vb_db_get_bool (res, 0, 0);
  return TRUE;
}

static void
reply (VbRequest      *req,
       JsonNode       *items,
       const Position *next,
       gboolean        has_more,
       gboolean        held,
       gint64          remaining)
{
  g_autofree char *cursor = encode_position (next);
  JsonObject *root = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_member (root, "items", items);
  json_object_set_string_member (root, "next_cursor", cursor);
  json_object_set_boolean_member (root, "has_more", has_more);
  json_object_set_boolean_member (root, "held_back", held);
  if (remaining >= 0)
    json_object_set_int_member (root, "remaining", remaining);
  json_node_take_object (node, root);
  vb_request_reply_json (req, 200, node);
}

static gboolean
list_changes (VbRequest  *req,
              GError    **error)
{
  Position pos;
  const char *with_remaining = NULL;
  gint64 remaining = -1;
  gboolean has_more, held = FALSE;
  guint limit, window, returned = 0;
  g_autoptr(PGresult) res = NULL;
  JsonArray *items;
  JsonNode *node;
  int n, row;

  if (!parse_cursor (req, &pos, error) || !vb_request_get_limit (req, &limit, error)
      || !vb_handler_bool_query (req, "with_remaining", &with_remaining, error))
    return FALSE;
  window = limit * SCAN_FACTOR;
  if ((res = scan (req, &pos, window, error)) == NULL)
    return FALSE;
  items = json_array_new ();
  n = PQntuples (res);
  for (row = 0; row < n && returned < limit; row++)
    {
      /* The cursor passes every scanned row, visible or not. */
      pos.xid = g_ascii_strtoull (vb_db_get (res, row, 0), NULL, 10);
      pos.seq = vb_db_get_int (res, row, 1);
      if (vb_db_get_bool (res, row, 9))
        {
          json_array_add_element (items, entry_to_json (res, row));
          returned++;
        }
    }
  if (g_strcmp0 (with_remaining, "true") == 0 && !count_remaining (req, &pos, &remaining, error))
    {
      json_array_unref (items);
      return FALSE;
    }
  has_more = row < n || n == (int) window;
  if (!has_more && !held_back (req, &pos, &held, error))
    {
      json_array_unref (items);
      return FALSE;
    }
  node = json_node_new (JSON_NODE_ARRAY);
  json_node_take_array (node, items);
  reply (req, node, &pos, has_more, held, remaining);
  return TRUE;
}

static const VbRoute routes[] = {
  { "GET", "/api/v1/changes", list_changes, NULL, 0,
    "The change feed: entries after ?since= the caller may see" },
};

void
vb_handler_changes_register (VbRouter *router)
{
  vb_router_add_routes (router, routes, G_N_ELEMENTS (routes));
}
