/* vb-handler-audit.c — /api/v1/audit and /api/v1/security-events: read-only
 * views of the hash-chained audit trail and of login/security events.
 *
 * Both logs span every location, so reading them needs audit.read or
 * security.read in every location.  Rows are returned whole (before/after,
 * hash, prev_hash) so a client can re-check the chain of what it shows; the
 * authoritative check is `voltbay-ctl audit-verify`.  Pages are keyed by the
 * monotonic seq / id, newest first, so paging stays stable while new rows
 * arrive.  Filters are fixed parameters of one statement (NULL = no filter),
 * never SQL assembled from the query string.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

static gboolean
require_global (VbRequest   *req,
                const char  *permission,
                GError     **error)
{
  if (vb_principal_has_global_permission (vb_request_get_principal (req), permission))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_FORBIDDEN,
               "This needs the %s permission in every location", permission);
  return FALSE;
}

/* ?name= as an RFC 3339 timestamp, re-formatted in UTC for SQL. */
static gboolean
time_query (VbRequest   *req,
            const char  *name,
            char       **out,
            GError     **error)
{
  const char *text = vb_request_get_query (req, name);
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GDateTime) utc = NULL;

  *out = NULL;
  if (text == NULL)
    return TRUE;
  parsed = g_date_time_new_from_iso8601 (text, NULL);
  if (parsed == NULL)
    {
      vb_set_validation_error (error, name,
                               "%s must be an RFC 3339 timestamp with a zone, "
                               "such as 2026-11-24T09:30:00Z", name);
      return FALSE;
    }
  utc = g_date_time_to_utc (parsed);
  *out = g_date_time_format_iso8601 (utc);
  return TRUE;
}

/* A cursor carrying a positive row number (seq or id). */
static gboolean
number_cursor (VbRequest   *req,
               char       **out,
               GError     **error)
{
  const char *text = vb_request_get_query (req, "cursor");
  g_autofree char *decoded = NULL;

  *out = NULL;
  if (text == NULL)
    return TRUE;
  if ((decoded = vb_handler_cursor_decode (text, error)) == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (decoded, 10, 1, G_MAXINT64, NULL, NULL))
    {
      vb_set_validation_error (error, "cursor", "cursor is not one this server issued");
      return FALSE;
    }
  *out = g_steal_pointer (&decoded);
  return TRUE;
}

static gboolean
optional_length (VbRequest   *req,
                 const char  *name,
                 const char **out,
                 GError     **error)
{
  *out = vb_request_get_query (req, name);
  return *out == NULL || vb_validate_length (*out, name, 1, 200, error);
}

/* {"items": first limit rows, "next_cursor": key of the last if more}. */
static void
reply_page (VbRequest  *req,
            PGresult   *res,
            guint       limit,
            const char *key_column)
{
  guint n = PQntuples (res);
  JsonArray *items = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  g_autofree char *next = NULL;

  for (guint i = 0; i < MIN (n, limit); i++)
    json_array_add_element (items, vb_db_row_to_json (res, i));
  if (n > limit)
    next = vb_handler_cursor_encode (vb_db_get (res, limit - 1, PQfnumber (res, key_column)));
  json_node_take_array (node, items);
  vb_handler_reply_list (req, node, next);
}

static gboolean
list_audit (VbRequest  *req,
            GError    **error)
{
  const char *entity = NULL;
  const char *entity_id = NULL;
  const char *actor_id = vb_request_get_query (req, "actor_id");
  g_autofree char *before_seq = NULL;
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!require_global (req, "audit.read", error)
      || !vb_request_get_limit (req, &limit, error)
      || !number_cursor (req, &before_seq, error)
      || !optional_length (req, "entity", &entity, error)
      || !optional_length (req, "entity_id", &entity_id, error)
      || (actor_id != NULL && !vb_validate_uuid (actor_id, "actor_id", error))
      || !time_query (req, "since", &since, error)
      || !time_query (req, "until", &until, error)
      || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT seq, at, actor_id, actor_label, action, entity, entity_id,"
    "       before, after, request_id, prev_hash, hash"
    "  FROM audit_log"
    " WHERE ($1::bigint IS NULL OR seq < $1::bigint)"
    "   AND ($2::text IS NULL OR entity = $2)"
    "   AND ($3::text IS NULL OR entity_id = $3)"
    "   AND ($4::uuid IS NULL OR actor_id = $4::uuid)"
    "   AND ($5::timestamptz IS NULL OR at >= $5::timestamptz)"
    "   AND ($6::timestamptz IS NULL OR at <= $6::timestamptz)"
    " ORDER BY seq DESC"
    " LIMIT $7::int",
    before_seq, entity, entity_id, actor_id, since, until, limit_text);
  if (res == NULL)
    return FALSE;
  reply_page (req, res, limit, "seq");
  return TRUE;
}

static gboolean
list_security_events (VbRequest  *req,
                      GError    **error)
{
  const char *kind = NULL;
  const char *email = NULL;
  const char *user_id = vb_request_get_query (req, "user_id");
  g_autofree char *before_id = NULL;
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!require_global (req, "security.read", error)
      || !vb_request_get_limit (req, &limit, error)
      || !number_cursor (req, &before_id, error)
      || !optional_length (req, "kind", &kind, error)
      || !optional_length (req, "email", &email, error)
      || (user_id != NULL && !vb_validate_uuid (user_id, "user_id", error))
      || !time_query (req, "since", &since, error)
      || !time_query (req, "until", &until, error)
      || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error,
    "SELECT id, at, kind, email, user_id, address, detail"
    "  FROM security_events"
    " WHERE ($1::bigint IS NULL OR id < $1::bigint)"
    "   AND ($2::text IS NULL OR kind = $2)"
    "   AND ($3::text IS NULL OR lower(email) = lower($3))"
    "   AND ($4::uuid IS NULL OR user_id = $4::uuid)"
    "   AND ($5::timestamptz IS NULL OR at >= $5::timestamptz)"
    "   AND ($6::timestamptz IS NULL OR at <= $6::timestamptz)"
    " ORDER BY id DESC"
    " LIMIT $7::int",
    before_id, kind, email, user_id, since, until, limit_text);
  if (res == NULL)
    return FALSE;
  reply_page (req, res, limit, "id");
  return TRUE;
}

static const VbRoute audit_routes[] = {
  { "GET", "/api/v1/audit", list_audit, "audit.read", 0,
    "The audit trail, newest first (?entity, ?entity_id, ?actor_id, ?since, ?until, "
    "?limit, ?cursor)" },
  { "GET", "/api/v1/security-events", list_security_events, "security.read", 0,
    "Login and security events, newest first (?kind, ?email, ?user_id, ?since, ?until, "
    "?limit, ?cursor)" },
};

void
vb_handler_audit_register (VbRouter *router)
{
  vb_router_add_routes (router, audit_routes, G_N_ELEMENTS (audit_routes));
}
