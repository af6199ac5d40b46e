/* vb-request.c — request inputs, the handler's reply, and the one place where
 * any GError becomes an HTTP status and a JSON body (the Cockpit way). */
#include "vb-request.h"
#include "vb-mutation.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-random.h"
#include "vb-server.h"

#include <string.h>

struct _VbRequest
{
  VbServer      *server;
  char          *id;
  char          *method;
  char          *path;
  GHashTable    *query;
  GHashTable    *headers;
  GHashTable    *params;
  GBytes        *body;
  char          *remote_address;
  const VbRoute *route;
  gint64         start_time;

  VbPrincipal   *principal;
  VbDbConn      *db;
  VbMutation    *mutation;    /* not owned: run_handler's */

  guint          status;
  char          *reply_body;
  gsize          reply_length;
  const char    *reply_type;
  GPtrArray     *reply_headers;
  const char    *error_code;
};

VbRequest *
vb_request_new (VbServer   *server,
                const char *method,
                const char *path,
                GHashTable *query,
                GHashTable *headers,
                GBytes     *body,
                const char *remote_address)
{
  VbRequest *req = g_new0 (VbRequest, 1);

  req->server = server;
  req->id = vb_random_token (12);
  req->method = g_strdup (method);
  req->path = g_strdup (path);
  req->query = query ? g_hash_table_ref (query) : NULL;
  req->headers = headers ? g_hash_table_ref (headers) : NULL;
  req->body = body ? g_bytes_ref (body) : NULL;
  req->remote_address = g_strdup (remote_address ? remote_address : "");
  req->start_time = g_get_monotonic_time ();
  req->reply_headers = g_ptr_array_new_with_free_func (g_free);
  return req;
}

void
vb_request_free (VbRequest *req)
{
  if (req == NULL)
    return;
  vb_request_release_db (req);
  g_free (req->id);
  g_free (req->method);
  g_free (req->path);
  g_clear_pointer (&req->query, g_hash_table_unref);
  g_clear_pointer (&req->headers, g_hash_table_unref);
  g_clear_pointer (&req->params, g_hash_table_unref);
  g_clear_pointer (&req->body, g_bytes_unref);
  g_free (req->remote_address);
  g_clear_pointer (&req->principal, vb_principal_free);
  g_free (req->reply_body);
  g_ptr_array_unref (req->reply_headers);
  g_free (req);
}

VbServer *vb_request_get_server (VbRequest *req) { return req->server; }
const char *vb_request_get_id (VbRequest *req) { return req->id; }
const char *vb_request_get_method (VbRequest *req) { return req->method; }
const char *vb_request_get_path (VbRequest *req) { return req->path; }
const char *vb_request_get_remote_address (VbRequest *req) { return req->remote_address; }
const VbRoute *vb_request_get_route (VbRequest *req) { return req->route; }
GBytes *vb_request_get_body (VbRequest *req) { return req->body; }
VbPrincipal *vb_request_get_principal (VbRequest *req) { return req->principal; }
guint vb_request_get_status (VbRequest *req) { return req->status; }
const char *vb_request_get_error_code (VbRequest *req) { return req->error_code; }
GPtrArray *vb_request_get_reply_headers (VbRequest *req) { return req->reply_headers; }
gint64 vb_request_get_start_time (VbRequest *req) { return req->start_time; }

const char *
vb_request_get_header (VbRequest  *req,
                       const char *name)
{
  g_autofree char *lower = NULL;

  if (req->headers == NULL)
    return NULL;
  /* Stored lower-case; "Content-Length" must find it too. */
  lower = g_ascii_strdown (name, -1);
  return g_hash_table_lookup (req->headers, lower);
}

const char *
vb_request_get_query (VbRequest  *req,
                      const char *name)
{
  return req->query ? g_hash_table_lookup (req->query, name) : NULL;
}

const char *
vb_request_get_param (VbRequest  *req,
                      const char *name)
{
  return req->params ? g_hash_table_lookup (req->params, name) : NULL;
}

void
vb_request_set_route (VbRequest     *req,
                      const VbRoute *route,
                      GHashTable    *params)
{
  req->route = route;
  g_clear_pointer (&req->params, g_hash_table_unref);
  req->params = params ? g_hash_table_ref (params) : NULL;
}

const char *
vb_request_get_bearer_token (VbRequest *req)
{
  const char *auth = vb_request_get_header (req, "authorization");

  if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    return NULL;
  auth += 7;
  while (*auth == ' ')
    auth++;
  return auth;
}

void
vb_request_set_principal (VbRequest   *req,
                          VbPrincipal *principal)
{
  g_clear_pointer (&req->principal, vb_principal_free);
  req->principal = principal;
}

JsonObject *
vb_request_parse_body (VbRequest  *req,
                       GError    **error)
{
  const char *type = vb_request_get_header (req, "content-type");
  gsize len = 0;
  const char *data = req->body ? g_bytes_get_data (req->body, &len) : NULL;

  /* Accept a missing type (curl -d sends form type; be strict only about
   * types that are clearly something else). */
  if (type != NULL && !g_str_has_prefix (type, "application/json")
      && !g_str_has_prefix (type, "application/x-www-form-urlencoded")
      && !g_str_has_prefix (type, "text/plain"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNSUPPORTED_MEDIA_TYPE,
                   "Content-Type %s is not supported; send application/json", type);
      return NULL;
    }
  return vb_json_parse_object (data, len, error);
}

gboolean
vb_request_get_limit (VbRequest  *req,
                      guint      *limit,
                      GError    **error)
{
  const char *text = vb_request_get_query (req, "limit");
  guint64 value;

  *limit = 50;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 1, 500, &value, NULL))
    {
      vb_set_validation_error (error, "limit", "limit must be a whole number from 1 to 500");
      return FALSE;
    }
  *limit = value;
  return TRUE;
}

VbDbConn *
vb_request_get_db (VbRequest  *req,
                   GError    **error)
{
  if (req->db == NULL)
    req->db = vb_db_pool_acquire (vb_server_get_pool (req->server), error);
  return req->db;
}

void
vb_request_release_db (VbRequest *req)
{
  if (req->db != NULL)
    vb_db_pool_release (vb_server_get_pool (req->server), g_steal_pointer (&req->db));
}

void
vb_request_set_mutation (VbRequest  *req,
                         VbMutation *mutation)
{
  req->mutation = mutation;
}

typedef struct
{
  VbDbTxnFunc  func;
  gpointer     user_data;
  VbMutation  *mutation;
} MutationTxn;

/* The handler's writes, then the client's mutation number, in one
 * transaction: after a crash both happened or neither did. */
static gboolean
mutation_txn (VbDbConn  *conn,
              gpointer   user_data,
              GError   **error)
{
  MutationTxn *t = user_data;

  return t->func (conn, t->user_data, error) && vb_mutation_record (t->mutation, conn, error);
}

gboolean
vb_request_transaction (VbRequest   *req,
                        VbDbTxnFunc  func,
                        gpointer     user_data,
                        GError     **error)
{
  VbDbConn *conn = vb_request_get_db (req, error);
  VbDbAudit audit = {
    req->principal ? req->principal->user_id : NULL,
    req->principal ? req->principal->email : "",
    req->id,
  };
  MutationTxn t = { func, user_data, req->mutation };

  if (conn == NULL)
    return FALSE;
  if (req->mutation == NULL || vb_mutation_is_recorded (req->mutation))
    return vb_db_transaction (conn, &audit, func, user_data, error);
  if (!vb_db_transaction (conn, &audit, mutation_txn, &t, error))
    return FALSE;
  vb_mutation_set_recorded (req->mutation);
  return TRUE;
}

void
vb_request_reply_text (VbRequest  *req,
                       guint       status,
                       const char *content_type,
                       char       *body)
{
  g_free (req->reply_body);
  req->status = status;
  req->reply_type = content_type;
  req->reply_body = body;
  req->reply_length = body ? strlen (body) : 0;
}

void
vb_request_reply_bytes (VbRequest  *req,
                        guint       status,
                        const char *content_type,
                        GBytes     *bytes)
{
  gsize len = 0;
  gconstpointer data = g_bytes_get_data (bytes, &len);

  g_free (req->reply_body);
  req->status = status;
  req->reply_type = content_type;
  req->reply_body = g_memdup2 (data, len);
  req->reply_length = len;
}

void
vb_request_reply_json (VbRequest *req,
                       guint      status,
                       JsonNode  *node)
{
  g_free (req->reply_body);
  req->status = status;
  req->reply_type = "application/json";
  req->reply_body = node ? vb_json_to_string (node, &req->reply_length) : NULL;
  if (node == NULL)
    req->reply_length = 0;
  g_clear_pointer (&node, json_node_unref);
}

void
vb_request_add_reply_header (VbRequest  *req,
                             const char *name,
                             const char *value)
{
  g_ptr_array_add (req->reply_headers, g_strdup (name));
  g_ptr_array_add (req->reply_headers, g_strdup (value));
}

static void
add_detail_headers (VbRequest    *req,
                    const GError *error)
{
  JsonObject *details = vb_error_get_details (error);

  if (error->code == VB_ERROR_UNAUTHENTICATED || error->code == VB_ERROR_INVALID_CREDENTIALS)
    vb_request_add_reply_header (req, "WWW-Authenticate", "Bearer realm=\"voltbay\"");
  if (details == NULL)
    return;
  if (json_object_has_member (details, "retry_after"))
    {
      g_autofree char *secs = g_strdup_printf ("%" G_GINT64_FORMAT,
                                               json_object_get_int_member (details, "retry_after"));
      vb_request_add_reply_header (req, "Retry-After", secs);
    }
  if (json_object_has_member (details, "allow"))
    vb_request_add_reply_header (req, "Allow", json_object_get_string_member (details, "allow"));
}

void
vb_request_reply_error (VbRequest    *req,
                        const GError *error)
{
  g_autoptr(GError) shown = NULL;

  if (error->domain != VB_ERROR || error->code == VB_ERROR_INTERNAL)
    {
      /* Details of internal failures go to the log, tagged with the request
       * id the client sees, never into the reply. */
      g_warning ("request %s: %s", req->id, error->message);
      shown = g_error_new_literal (VB_ERROR, VB_ERROR_INTERNAL,
                                   "Internal server error; see the server log");
    }
  else
    shown = g_error_copy (error);

  req->error_code = vb_error_code_to_string (shown->code);
  add_detail_headers (req, shown);
  vb_request_reply_json (req, vb_error_code_http_status (shown->code), vb_error_to_json (shown));
}

const char *
vb_request_peek_reply (VbRequest   *req,
                       gsize       *length,
                       const char **content_type)
{
  *length = req->reply_length;
  *content_type = req->reply_type;
  return req->reply_body;
}
