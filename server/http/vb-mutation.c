/* vb-mutation.c — the Voltbay-Mutation header: each numbered client change
 * is applied once (the Replicache way: the client's last applied number is
 * stored in the same transaction as the change's effect).
 *
 * The requests of one client are serialized with a session advisory lock
 * on the request's pooled connection, held from the look-up to the stored
 * reply, so a retry racing its original waits and is then answered from the
 * record.  Refusals that would be refused again (4xx other than 401/429) are
 * recorded too, so the client sees the same answer and moves on; transient
 * failures (401, 429, 5xx) are not, and the client retries them.
 */
#include "vb-mutation.h"
#include "vb-error.h"
#include "vb-router.h"

#include <stdio.h>
#include <string.h>

#define HEADER "Voltbay-Mutation"

struct _VbMutation
{
  char     *client_id;
  char     *number;
  char     *user_id;
  char     *method;
  char     *path;
  char     *body_sha256;
  VbDbConn *locked;      /* the connection holding the client's lock */
  gboolean  recorded;    /* claimed inside a committed transaction */
  gboolean  replayed;
};

void
vb_mutation_free (VbMutation *m)
{
  if (m == NULL)
    return;
  g_free (m->client_id);
  g_free (m->number);
  g_free (m->user_id);
  g_free (m->method);
  g_free (m->path);
  g_free (m->body_sha256);
  g_free (m);
}

static gboolean
parse_header (const char  *value,
              char       **client_id,
              char       **number,
              GError     **error)
{
  const char *colon = value ? strchr (value, ':') : NULL;
  g_autofree char *id = colon ? g_strndup (value, (gsize) (colon - value)) : NULL;
  guint64 n = 0;

  if (id == NULL || !g_uuid_string_is_valid (id)
      || !g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXINT64, &n, NULL))
    {
      vb_set_validation_error (error, HEADER, HEADER " must be CLIENT_UUID:NUMBER (a number from 1)");
      return FALSE;
    }
  *client_id = g_ascii_strdown (id, -1);
  *number = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  return TRUE;
}

gboolean
vb_mutation_from_request (VbRequest   *req,
                          VbMutation **out,
                          GError     **error)
{
  const char *value = vb_request_get_header (req, "voltbay-mutation");
  const char *method = vb_request_get_method (req);
  const VbRoute *route = vb_request_get_route (req);
  VbPrincipal *principal = vb_request_get_principal (req);
  GBytes *body = vb_request_get_body (req);
  g_autoptr(VbMutation) m = NULL;

  *out = NULL;
  /* Reads change nothing; public and inline routes have no user or no
   * database to record against. */
  if (value == NULL || g_str_equal (method, "GET") || g_str_equal (method, "HEAD")
      || (route->flags & (VB_ROUTE_PUBLIC | VB_ROUTE_INLINE)) || principal == NULL)
    return TRUE;
  m = g_new0 (VbMutation, 1);
  if (!parse_header (value, &m->client_id, &m->number, error))
    return FALSE;
  m->user_id = g_strdup (principal->user_id);
  m->method = g_strdup (method);
  m->path = g_strdup (vb_request_get_path (req));
  m->body_sha256 = body ? g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body)
                        : g_compute_checksum_for_string (G_CHECKSUM_SHA256, "", 0);
  vb_request_set_mutation (req, m);
  *out = g_steal_pointer (&m);
  return TRUE;
}

static void
replay (VbMutation *m,
        VbRequest  *req,
        PGresult   *res)
{
  int status_col = PQfnumber (res, "status");

  vb_request_add_reply_header (req, "Voltbay-Mutation-Replayed", "true");
  if (vb_db_get (res, 0, status_col) == NULL)
    {
      /* Committed, but the server stopped before storing the reply: the
       * effect is in the change feed. */
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "outcome", "applied");
      json_object_set_int_member (o, "mutation", g_ascii_strtoll (m->number, NULL, 10));
      json_object_set_boolean_member (o, "reply_lost", TRUE);
      vb_request_reply_json (req, 200, json_node_init_object (json_node_alloc (), o));
      json_object_unref (o);
      return;
    }
  vb_request_reply_text (req, (guint) vb_db_get_int (res, 0, status_col), "application/json",
                         g_strdup (vb_db_get (res, 0, PQfnumber (res, "response"))));
}

static gboolean
check_record (VbMutation *m,
              PGresult   *res,
              GError    **error)
{
  if (PQntuples (res) == 0)
    return TRUE;
  if (g_strcmp0 (vb_db_get (res, 0, PQfnumber (res, "user_id")), m->user_id) != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FORBIDDEN, "This client id belongs to another user");
      return FALSE;
    }
  if (vb_db_get (res, 0, PQfnumber (res, "outcome")) != NULL)
    {
      if (g_strcmp0 (vb_db_get (res, 0, PQfnumber (res, "method")), m->method) != 0
          || g_strcmp0 (vb_db_get (res, 0, PQfnumber (res, "path")), m->path) != 0
          || g_strcmp0 (vb_db_get (res, 0, PQfnumber (res, "body_sha256")), m->body_sha256) != 0)
        {
          vb_set_validation_error (error, HEADER, "Mutation %s of this client was a different request", m->number);
          return FALSE;
        }
      return TRUE;
    }
  if (g_ascii_strtoll (vb_db_get (res, 0, PQfnumber (res, "last_mutation")), NULL, 10)
      >= g_ascii_strtoll (m->number, NULL, 10))
    {
      GError *e = g_error_new (VB_ERROR, VB_ERROR_CONFLICT,
                               "Mutation %s is older than this client's last one (%s) and unknown",
                               m->number, vb_db_get (res, 0, PQfnumber (res, "last_mutation")));
      vb_error_set_field (e, HEADER);
      g_propagate_error (error, e);
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_mutation_begin (VbMutation *m,
                   VbRequest  *req,
                   gboolean   *replayed,
                   GError    **error)
{
  VbDbConn *conn = vb_request_get_db (req, error);
  g_autoptr(PGresult) lock = NULL;
  g_autoptr(PGresult) res = NULL;

  *replayed = FALSE;
  if (conn == NULL
      || (lock = vb_db_execv (conn, error, "SELECT pg_advisory_lock(hashtextextended($1, 7001))",
                              m->client_id)) == NULL)
    return FALSE;
  m->locked = conn;
  res = vb_db_execv (conn, error,
    "SELECT c.user_id, c.last_mutation, s.outcome, s.status, s.response, s.method, s.path, s.body_sha256"
    "  FROM sync_clients c"
    "  LEFT JOIN sync_mutations s ON s.client_id = c.client_id AND s.mutation = $2::bigint"
    " WHERE c.client_id = $1::uuid",
    m->client_id, m->number);
  if (res == NULL || !check_record (m, res, error))
    return FALSE;
  if (PQntuples (res) > 0 && vb_db_get (res, 0, PQfnumber (res, "outcome")) != NULL)
    {
      replay (m, req, res);
      m->replayed = *replayed = TRUE;
    }
  return TRUE;
}

/* Moves the client's last number to N (creating the client), or none if
 * N was claimed meanwhile; the caller inserts the record only then. */
#define CLAIM_SQL \
  "INSERT INTO sync_clients AS c (client_id, user_id, last_mutation)" \
  " VALUES ($1::uuid, $2::uuid, $3::bigint)" \
  " ON CONFLICT (client_id) DO UPDATE SET last_mutation = excluded.last_mutation, updated_at = now()" \
  "  WHERE c.last_mutation < excluded.last_mutation AND c.user_id = excluded.user_id" \
  " RETURNING client_id"

gboolean
vb_mutation_record (VbMutation *m,
                    VbDbConn   *conn,
                    GError    **error)
{
  g_autoptr(PGresult) res = NULL;

  res = vb_db_execv (conn, error,
    "WITH claim AS (" CLAIM_SQL ")"
    " INSERT INTO sync_mutations (client_id, mutation, method, path, body_sha256, outcome, request_id)"
    " SELECT client_id, $3::bigint, $4, $5, $6, 'applied', coalesce(current_setting('voltbay.request_id', true), '')"
    "   FROM claim RETURNING mutation",
    m->client_id, m->user_id, m->number, m->method, m->path, m->body_sha256);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      GError *e = g_error_new (VB_ERROR, VB_ERROR_CONFLICT, "Mutation %s was already applied", m->number);
      vb_error_set_field (e, HEADER);
      g_propagate_error (error, e);
      return FALSE;
    }
  return TRUE;
}

void
vb_mutation_set_recorded (VbMutation *m)
{
  m->recorded = TRUE;
}

gboolean
vb_mutation_is_recorded (VbMutation *m)
{
  return m->recorded;
}

/* Answers that the same request would get again. */
static gboolean
is_final_refusal (guint status)
{
  return status >= 400 && status < 500 && status != 401 && status != 408 && status != 429;
}

static void
store_reply (VbMutation *m,
             VbRequest  *req)
{
  guint status = vb_request_get_status (req);
  gsize length = 0;
  const char *type = NULL;
  const char *body = vb_request_peek_reply (req, &length, &type);
  g_autofree char *response = g_strndup (body ? body : "", length);
  g_autofree char *status_text = g_strdup_printf ("%u", status);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;

  if (m->recorded)
    res = vb_db_execv (m->locked, &error,
      "UPDATE sync_mutations SET status = $3::int, response = $4"
      " WHERE client_id = $1::uuid AND mutation = $2::bigint",
      m->client_id, m->number, status_text, response);
  else if (is_final_refusal (status) || (status < 300 && status >= 200))
    /* A refusal, or a success of a route that wrote outside a
     * transaction: one statement, so the claim and the record go together. */
    res = vb_db_execv (m->locked, &error,
      "WITH claim AS (" CLAIM_SQL ")"
      " INSERT INTO sync_mutations (client_id, mutation, method, path, body_sha256, outcome,"
      "                             status, response, request_id)"
      " SELECT client_id, $3::bigint, $4, $5, $6, $7, $8::int, $9, $10 FROM claim",
      m->client_id, m->user_id, m->number, m->method, m->path, m->body_sha256,
      status < 300 ? "applied" : "refused", status_text, response, vb_request_get_id (req));
  else
    return;
  if (res == NULL)
    g_warning ("request %s: mutation %s:%s not recorded: %s", vb_request_get_id (req),
               m->client_id, m->number, error->message);
}

void
vb_mutation_finish (VbMutation *m,
                    VbRequest  *req)
{
  g_autoptr(PGresult) res = NULL;

  if (m->locked == NULL)
    return;
  if (!m->replayed && vb_request_get_status (req) != 0)
    store_reply (m, req);
  res = vb_db_execv (m->locked, NULL, "SELECT pg_advisory_unlock(hashtextextended($1, 7001))", m->client_id);
  m->locked = NULL;
}
