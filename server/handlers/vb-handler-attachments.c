/* vb-handler-attachments.c — photos, signatures, certification scans and
 * documents: /api/v1/attachments.
 *
 * The upload is the raw request body (up to VB_ROUTE_LARGE_BODY_MAX, a
 * per-route limit above max-body-kib); its type is sniffed from the bytes
 * (JPEG, PNG, WebP, PDF) and the claimed Content-Type ignored, so nothing
 * else is ever stored or served.  Files are content-addressed on disk
 * (vb-attachment-store.c); the row says what the file is, where it belongs
 * and who may see it.  Reading is scoped in SQL: attachments.read at the
 * attachment's location; a location-less certification scan to whoever
 * holds staff.read everywhere, or its uploader.  Anything else is 404.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-attachment-store.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-server.h"

#include <string.h>

#define ATTACHMENT_COLUMNS \
  "a.id, a.location_id, a.purpose, a.sha256, a.content_type, a.size_bytes, a.file_name," \
  " a.uploaded_by, '/api/v1/attachments/' || a.id::text || '/content' AS content_url," \
  " a.version, a.created_at"

/* $2 is the caller. */
#define VISIBLE_SQL \
  "CASE WHEN a.location_id IS NOT NULL THEN vb_has_permission($2::uuid, 'attachments.read', a.location_id)" \
  "     ELSE vb_has_global_permission($2::uuid, 'staff.read') OR a.uploaded_by = $2::uuid END"

#define GET_VISIBLE_SQL \
  "SELECT " ATTACHMENT_COLUMNS " FROM attachments a WHERE a.id = $1::uuid AND " VISIBLE_SQL

static const char * const purposes[] = { "photo", "signature", "certification", "document", NULL };

/* The reply's type must be a static string (vb_request_reply_bytes). */
static const char * const content_types[] = { "image/jpeg", "image/png", "image/webp", "application/pdf", NULL };

static const char *
data_dir (VbRequest *req)
{
  return vb_server_get_options (vb_request_get_server (req))->data_dir;
}

/* ------------------------------------------------------------- upload --- */

typedef struct
{
  const char *user_id;
  const char *data_dir;
  const char *id;
  const char *location_id;
  const char *purpose;
  const char *file_name;
  const char *content_type;
  GBytes     *content;
  JsonNode   *result;
} Upload;

/* Only the last path component, without control characters. */
static gboolean
check_file_name (const char  *name,
                 GError     **error)
{
  if (name == NULL)
    return TRUE;
  if (!vb_validate_length (name, "file_name", 0, 255, error))
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
      return vb_set_validation_error (error, "file_name",
                                      "file_name must be a plain name (no path, no control characters)"), FALSE;
  return TRUE;
}

static gboolean
check_upload (Upload  *u,
              GError **error)
{
  gsize size = u->content ? g_bytes_get_size (u->content) : 0;

  if (u->id != NULL && !vb_validate_uuid (u->id, "id", error))
    return FALSE;
  if (u->purpose == NULL || !g_strv_contains (purposes, u->purpose))
    return vb_set_validation_error (error, "purpose",
                                    "purpose must be one of photo, signature, certification, document"), FALSE;
  if (u->location_id == NULL && !g_str_equal (u->purpose, "certification"))
    return vb_set_validation_error (error, "location_id", "location_id is required"), FALSE;
  if (u->location_id != NULL && !vb_validate_uuid (u->location_id, "location_id", error))
    return FALSE;
  if (!check_file_name (u->file_name, error))
    return FALSE;
  if (size == 0)
    return vb_set_validation_error (error, "content", "The request body (the file) is empty"), FALSE;
  if (size > VB_ROUTE_LARGE_BODY_MAX)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_PAYLOAD_TOO_LARGE,
                   "Attachments are limited to %d bytes", VB_ROUTE_LARGE_BODY_MAX);
      return FALSE;
    }
  if ((u->content_type = vb_attachment_sniff (u->content)) == NULL)
    {
      g_propagate_error (error, vb_handler_field_error (VB_ERROR_UNSUPPORTED_MEDIA_TYPE, "content_type",
                                                        "The file is not a JPEG, PNG, WebP or PDF"));
      return FALSE;
    }
  return TRUE;
}

/* Scope first (nothing is written for a caller who may not upload), then
 * the file, then the row: a row never names a file that is not there. */
static gboolean
upload_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  Upload *u = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *sha256 = NULL;
  g_autofree char *size = g_strdup_printf ("%" G_GSIZE_FORMAT, g_bytes_get_size (u->content));

  if (u->location_id != NULL)
    {
      scope = vb_db_execv (conn, error,
        "SELECT EXISTS (SELECT 1 FROM locations WHERE id = $2::uuid),"
        "       vb_has_permission($1::uuid, 'attachments.write', $2::uuid)",
        u->user_id, u->location_id);
      if (scope == NULL)
        return FALSE;
      if (!vb_db_get_bool (scope, 0, 0))
        return vb_set_validation_error (error, "location_id", "No such location"), FALSE;
      if (!vb_db_get_bool (scope, 0, 1))
        return vb_handler_forbidden (error, "You may not upload files at this location");
    }
  if ((sha256 = vb_attachment_store_put (u->data_dir, u->content, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "INSERT INTO attachments (id, location_id, purpose, sha256, content_type, size_bytes, file_name, uploaded_by)"
    " VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, $3, $4, $5, $6::bigint, coalesce($7, ''), $8::uuid)"
    " RETURNING id",
    u->id, u->location_id, u->purpose, sha256, u->content_type, size, u->file_name, u->user_id);
  if (res == NULL)
    {
      vb_handler_conflict_field (local_error, "id");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return vb_handler_fetch_row (conn, "SELECT " ATTACHMENT_COLUMNS " FROM attachments a WHERE a.id = $1::uuid",
                               vb_db_get (res, 0, 0), "attachment", &u->result, error);
}

static gboolean
upload_attachment (VbRequest  *req,
                   GError    **error)
{
  Upload u = {
    .user_id = vb_request_get_principal (req)->user_id,
    .data_dir = data_dir (req),
    .id = vb_request_get_query (req, "id"),
    .location_id = vb_request_get_query (req, "location_id"),
    .purpose = vb_request_get_query (req, "purpose"),
    .file_name = vb_request_get_query (req, "file_name"),
    .content = vb_request_get_body (req),
  };
  gboolean ok;

  ok = check_upload (&u, error) && vb_request_transaction (req, upload_txn, &u, error);
  if (ok)
    vb_handler_reply_created (req, "/api/v1/attachments", &u.result);
  g_clear_pointer (&u.result, json_node_unref);
  return ok;
}

/* --------------------------------------------------------------- reads --- */

static PGresult *
fetch_visible (VbRequest  *req,
               GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  PGresult *res;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return NULL;
  res = vb_db_execv (conn, error, GET_VISIBLE_SQL, id, vb_request_get_principal (req)->user_id);
  if (res != NULL && PQntuples (res) == 0)
    {
      PQclear (res);
      vb_handler_not_found (error, "attachment");
      return NULL;
    }
  return res;
}

static gboolean
get_attachment (VbRequest  *req,
                GError    **error)
{
  return vb_handler_reply_row (req, GET_VISIBLE_SQL, "attachment", error);
}

/* The name as ASCII letters, digits and ".-_" (any other character becomes
 * one "_"), at most 100 characters, with the extension of the real type. */
static char *
safe_file_name (const char *file_name,
                const char *content_type)
{
  const char *ext = vb_attachment_extension (content_type);
  g_autoptr(GString) safe = g_string_new (NULL);

  for (const char *p = file_name; *p != '\0' && safe->len < 100; p = g_utf8_next_char (p))
    g_string_append_c (safe, g_ascii_isalnum (*p) || strchr (".-_", *p) != NULL ? *p : '_');
  if (safe->len == 0 || safe->str[0] == '.')
    g_string_prepend (safe, "attachment");
  if (!g_str_has_suffix (safe->str, ext))
    g_string_append (safe, ext);
  return g_string_free (g_steal_pointer (&safe), FALSE);
}

/* Images inline (the type is verified), PDFs as downloads; the exact name
 * goes in filename* (RFC 6266). */
static char *
content_disposition (const char *file_name,
                     const char *content_type)
{
  g_autofree char *safe = safe_file_name (file_name, content_type);
  g_autofree char *encoded = NULL;
  const char *kind = g_str_has_prefix (content_type, "image/") ? "inline" : "attachment";

  if (file_name[0] == '\0')
    return g_strdup_printf ("%s; filename=\"%s\"", kind, safe);
  encoded = g_uri_escape_string (file_name, NULL, FALSE);
  return g_strdup_printf ("%s; filename=\"%s\"; filename*=UTF-8''%s", kind, safe, encoded);
}

static const char *
static_content_type (const char *type)
{
  for (guint i = 0; content_types[i] != NULL; i++)
    if (g_str_equal (content_types[i], type))
      return content_types[i];
  return "application/octet-stream";
}

static gboolean
get_content (VbRequest  *req,
             GError    **error)
{
  g_autoptr(PGresult) res = fetch_visible (req, error);
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *disposition = NULL;
  const char *type;

  if (res == NULL)
    return FALSE;
  type = static_content_type (vb_db_get (res, 0, PQfnumber (res, "content_type")));
  etag = g_strdup_printf ("\"%s\"", vb_db_get (res, 0, PQfnumber (res, "sha256")));
  vb_request_add_reply_header (req, "ETag", etag);
  /* Per user (the bytes are access-checked), but immutable under this name. */
  vb_request_add_reply_header (req, "Cache-Control", "private, max-age=86400");
  if (g_strcmp0 (vb_request_get_header (req, "if-none-match"), etag) == 0)
    {
      vb_request_reply_text (req, 304, NULL, NULL);
      return TRUE;
    }
  bytes = vb_attachment_store_get (data_dir (req), vb_db_get (res, 0, PQfnumber (res, "sha256")), error);
  if (bytes == NULL)
    return FALSE;
  disposition = content_disposition (vb_db_get (res, 0, PQfnumber (res, "file_name")), type);
  vb_request_add_reply_header (req, "X-Content-Type-Options", "nosniff");
  vb_request_add_reply_header (req, "Content-Disposition", disposition);
  vb_request_reply_bytes (req, 200, type, bytes);
  return TRUE;
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute attachment_routes[] = {
  { "POST", "/api/v1/attachments", upload_attachment, "attachments.write", VB_ROUTE_LARGE_BODY,
    "Upload a file (the raw body; ?location_id, ?purpose, ?file_name, ?id); JPEG, PNG, WebP or PDF, at most 10 MiB" },
  { "GET", "/api/v1/attachments/{id}", get_attachment, "attachments.read", 0,
    "An attachment's metadata" },
  { "GET", "/api/v1/attachments/{id}/content", get_content, "attachments.read", 0,
    "An attachment's bytes (ETag = SHA-256)" },
};

void
vb_handler_attachments_register (VbRouter *router)
{
  vb_router_add_routes (router, attachment_routes, G_N_ELEMENTS (attachment_routes));
}
