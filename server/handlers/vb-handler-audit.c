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

/* One log's page query.  The statement takes $1 the cursor (rows below it),
 * $2 and $3 the text filters, $4 the uuid filter, $5 and $6 since and until,
 * $7 the row limit; NULL parameters filter nothing. */
typedef struct
{
  const char *text_filters[2];
  const char *uuid_filter;
  const char *key_column;      /* the page key, newest first */
  const char *sql;
  gboolean    seal_first;      /* chain finished transactions' rows first */
} LogQuery;

static const LogQuery audit_query = {
  { "entity", "entity_id" }, "actor_id", "seq",
  "SELECT seq, at, actor_id, actor_label, action, entity, entity_id,"
  "       before, after, request_id, prev_hash, hash"
  "  FROM audit_log"
  " WHERE seq IS NOT NULL AND ($1::bigint IS NULL OR seq < $1::bigint)"
  "   AND ($2::text IS NULL OR entity = $2)"
  "   AND ($3::text IS NULL OR entity_id = $3)"
  "   AND ($4::uuid IS NULL OR actor_id = $4::uuid)"
  "   AND ($5::timestamptz IS NULL OR at >= $5::timestamptz)"
  "   AND ($6::timestamptz IS NULL OR at <= $6::timestamptz)"
  " ORDER BY seq DESC"
  " LIMIT $7::int",
  TRUE,
};

static const LogQuery security_events_query = {
  { "kind", "email" }, "user_id", "id",
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
  FALSE,
};

static gboolean
list_log (VbRequest       *req,
          const LogQuery  *query,
          GError         **error)
{
  const char *text[2] = { NULL, NULL };
  const char *uuid = vb_request_get_query (req, query->uuid_filter);
  g_autofree char *before = NULL;
  g_autofree char *since = NULL;
  g_autofree char *until = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error)
      || !number_cursor (req, &before, error)
      || !optional_length (req, query->text_filters[0], &text[0], error)
      || !optional_length (req, query->text_filters[1], &text[1], error)
      || (uuid != NULL && !vb_validate_uuid (uuid, query->uuid_filter, error))
      || !time_query (req, "since", &since, error)
      || !time_query (req, "until", &until, error)
      || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;

  if (query->seal_first)
    {
      g_autoptr(PGresult) sealed = vb_db_execv (conn, error, "SELECT vb_audit_seal($1::int)", "100000");
      if (sealed == NULL)
        return FALSE;
    }
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error, query->sql,
                     before, text[0], text[1], uuid, since, until, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, query->key_column);
  return TRUE;
}

static gboolean
list_audit (VbRequest  *req,
            GError    **error)
{
  return list_log (req, &audit_query, error);
}

static gboolean
list_security_events (VbRequest  *req,
                      GError    **error)
{
  return list_log (req, &security_events_query, error);
}

static const VbRoute audit_routes[] = {
  { "GET", "/api/v1/audit", list_audit, "audit.read", VB_ROUTE_GLOBAL,
    "The audit trail, newest first (?entity, ?entity_id, ?actor_id, ?since, ?until, "
    "?limit, ?cursor)" },
  { "GET", "/api/v1/security-events", list_security_events, "security.read",
    VB_ROUTE_GLOBAL,
    "Login and security events, newest first (?kind, ?email, ?user_id, ?since, ?until, "
    "?limit, ?cursor)" },
};

void
vb_handler_audit_register (VbRouter *router)
{
  vb_router_add_routes (router, audit_routes, G_N_ELEMENTS (audit_routes));
}
