/* test-attachments.c — uploads against the real server: JPEG, PNG and PDF
 * stored by content (same bytes twice = one file on disk, named by its
 * SHA-256, nothing left in tmp/), the type sniffed from the bytes (a claimed
 * image/png that is HTML or ELF is refused), the per-route size limit (above
 * max-body-kib, 413 past 10 MiB), content served with the sniffed type,
 * ETag and safe headers, and who may read what (other location 404,
 * location-less certification scans, no permission 403).
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <glib/gstdio.h>
#include <string.h>

#define MIB (1024 * 1024)

/* A raw request: returns the reply bytes, status and headers. */
static GBytes *
raw_request (VbTestServer        *server,
             const char          *method,
             const char          *path,
             const char          *token,
             const char          *content_type,
             GBytes              *body,
             const char          *if_none_match,
             guint               *status,
             SoupMessageHeaders **headers)
{
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  GBytes *reply;

  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (if_none_match != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "If-None-Match", if_none_match);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  reply = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (headers != NULL)
    *headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  return reply;
}

static JsonNode *
parse (GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

/* POST /attachments?query with body; returns the parsed reply. */
static JsonNode *
upload (VbTestServer *server,
        const char   *token,
        const char   *query,
        const char   *claimed_type,
        GBytes       *content,
        guint         expect)
{
  g_autofree char *path = g_strconcat ("/api/v1/attachments?", query, NULL);
  guint status = 0;
  g_autoptr(GBytes) reply = raw_request (server, "POST", path, token, claimed_type, content, NULL, &status, NULL);
  JsonNode *node = g_bytes_get_size (reply) > 0 ? parse (reply) : NULL;

  if (status != expect)
    {
      g_autofree char *text = node ? json_to_string (node, FALSE) : g_strdup ("(empty)");
      g_test_message ("POST %s: %u %s", path, status, text);
    }
  g_assert_cmpuint (status, ==, expect);
  return node;
}

/* ------------------------------------------------------------- files --- */

static GBytes *
tiny_jpeg (guint size)
{
  guchar *data = g_malloc0 (MAX (size, 24));
  static const guchar head[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01 };

  memcpy (data, head, sizeof head);
  for (guint i = sizeof head; i + 2 < MAX (size, 24); i++)
    data[i] = (guchar) (i * 31);
  data[MAX (size, 24) - 2] = 0xFF;
  data[MAX (size, 24) - 1] = 0xD9;
  return g_bytes_new_take (data, MAX (size, 24));
}

static GBytes *
tiny_png (void)
{
  static const guchar png[] = {
    0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A,
    0x00, 0x00, 0x00, 0x0D, 'I', 'H', 'D', 'R', 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4, 0x89,
    0x00, 0x00, 0x00, 0x00, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82,
  };
  return g_bytes_new (png, sizeof png);
}

static GBytes *
tiny_pdf (void)
{
  static const char pdf[] =
    "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    "trailer << /Root 1 0 R >>\n%%EOF\n";
  return g_bytes_new (pdf, sizeof pdf - 1);
}

/* Regular files under dir (recursively). */
static guint
count_files (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        n += count_files (path);
      else
        n++;
    }
  return n;
}

/* ----------------------------------------------------------- fixture --- */

/* The floor (two technicians at HCM-1, one at HN-1) and its file store. */
typedef struct
{
  VbTestFloor floor;
  char *store;         /* DATA_DIR/attachments */
} Fx;

static void
fx_setup (Fx *fx)
{
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_TECH2 | VB_TEST_FLOOR_TECH_B);
  fx->store = g_build_filename (fx->floor.server->data_dir, "attachments", NULL);
}

static void
fx_clear (Fx *fx)
{
  vb_test_floor_clear (&fx->floor);
  g_free (fx->store);
}

static char *
photo_query (Fx         *fx,
             const char *location,
             const char *file_name)
{
  return g_strdup_printf ("location_id=%s&purpose=photo&file_name=%s", location, file_name);
}

/* ------------------------------------------------------------- tests --- */

static void
test_upload_and_serve (void)
{
  Fx fx;
  g_autoptr(GBytes) jpeg = tiny_jpeg (600);
  g_autoptr(GBytes) png = tiny_png ();
  g_autoptr(GBytes) pdf = tiny_pdf ();
  g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, jpeg);
  g_autofree char *query = NULL;
  g_autofree char *on_disk = NULL;
  g_autofree char *tmp_dir = NULL;
  g_autofree char *content_path = NULL;
  g_autofree char *etag = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) again = NULL;
  g_autoptr(JsonNode) meta = NULL;
  g_autoptr(GBytes) served = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  JsonObject *o;
  guint status = 0;

  fx_setup (&fx);
  /* The claimed type is ignored: the bytes say JPEG. */
  query = photo_query (&fx, fx.floor.a, "d%C3%A9g%C3%A2t%20avant.jpg");
  first = upload (fx.floor.server, fx.floor.tech, query, "application/octet-stream", jpeg, 201);
  o = vb_test_object (first);
  g_assert_cmpstr (json_object_get_string_member (o, "content_type"), ==, "image/jpeg");
  g_assert_cmpstr (json_object_get_string_member (o, "sha256"), ==, sha);
  g_assert_cmpint (json_object_get_int_member (o, "size_bytes"), ==, 600);
  g_assert_cmpstr (json_object_get_string_member (o, "file_name"), ==, "dégât avant.jpg");
  g_assert_cmpstr (json_object_get_string_member (o, "purpose"), ==, "photo");
  g_assert_cmpstr (json_object_get_string_member (o, "location_id"), ==, fx.floor.a);

  /* On disk under ab/cd/<sha256>, nothing left in tmp/. */
  {
    g_autofree char *ab = g_strndup (sha, 2);
    g_autofree char *cd = g_strndup (sha + 2, 2);
    g_autofree char *stored = NULL;
    gsize len = 0;

    on_disk = g_build_filename (fx.store, ab, cd, sha, NULL);
    g_assert_true (g_file_get_contents (on_disk, &stored, &len, NULL));
    g_assert_cmpmem (stored, len, g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
  }
  tmp_dir = g_build_filename (fx.store, "tmp", NULL);
  g_assert_cmpuint (count_files (tmp_dir), ==, 0);

  /* The same bytes again: a second record, still one file. */
  again = upload (fx.floor.server, fx.floor.manager, query, "image/jpeg", jpeg, 201);
  g_assert_cmpstr (vb_test_id_of (again), !=, vb_test_id_of (first));
  g_assert_cmpstr (json_object_get_string_member (vb_test_object (again), "sha256"), ==, sha);
  g_assert_cmpuint (count_files (fx.store), ==, 1);

  /* PNG and PDF; 2 MiB is above max-body-kib but within this route's limit. */
  {
    g_autoptr(JsonNode) p = upload (fx.floor.server, fx.floor.tech, "purpose=signature&location_id=PLACE", "image/png", png, 422);
    g_autofree char *q_png = g_strdup_printf ("location_id=%s&purpose=signature", fx.floor.a);
    g_autofree char *q_pdf = g_strdup_printf ("location_id=%s&purpose=document&file_name=report.pdf", fx.floor.a);
    g_autoptr(JsonNode) stored_png = upload (fx.floor.server, fx.floor.tech, q_png, "text/plain", png, 201);
    g_autoptr(JsonNode) stored_pdf = upload (fx.floor.server, fx.floor.desk, q_pdf, "application/pdf", pdf, 201);
    g_autoptr(GBytes) big = tiny_jpeg (2 * MIB);
    g_autoptr(JsonNode) stored_big = upload (fx.floor.server, fx.floor.tech, query, "image/jpeg", big, 201);

    vb_test_assert_error (p, "validation_failed", "location_id");
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (stored_png), "content_type"), ==, "image/png");
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (stored_pdf), "content_type"), ==, "application/pdf");
    g_assert_cmpint (json_object_get_int_member (vb_test_object (stored_big), "size_bytes"), ==, 2 * MIB);
    g_assert_cmpuint (count_files (fx.store), ==, 4);
  }

  /* The content: sniffed type, ETag = sha256, private caching, nosniff, a safe name. */
  content_path = g_strdup_printf ("/api/v1/attachments/%s/content", vb_test_id_of (first));
  served = raw_request (fx.floor.server, "GET", content_path, fx.floor.desk, NULL, NULL, NULL, &status, &headers);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (served, NULL), g_bytes_get_size (served),
                   g_bytes_get_data (jpeg, NULL), g_bytes_get_size (jpeg));
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "image/jpeg");
  etag = g_strdup_printf ("\"%s\"", sha);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "ETag"), ==, etag);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_one (headers, "Cache-Control"), "private"));
  g_assert_cmpstr (soup_message_headers_get_one (headers, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_nonnull (strstr (soup_message_headers_get_one (headers, "Content-Disposition"),
                            "filename=\"d_g_t_avant.jpg\""));
  g_assert_nonnull (strstr (soup_message_headers_get_one (headers, "Content-Disposition"),
                            "filename*=UTF-8''d%C3%A9g%C3%A2t%20avant.jpg"));
  {
    g_autoptr(GBytes) not_modified = raw_request (fx.floor.server, "GET", content_path, fx.floor.desk, NULL, NULL, etag,
                                                  &status, NULL);
    g_assert_cmpuint (status, ==, 304);
    g_assert_cmpuint (g_bytes_get_size (not_modified), ==, 0);
  }
  {
    g_autofree char *meta_path = g_strdup_printf ("/api/v1/attachments/%s", vb_test_id_of (first));
    meta = vb_test_call (fx.floor.server, "GET", meta_path, fx.floor.tech2, NULL, 200);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (meta), "content_url"), ==, content_path);
  }
  /* JSON elsewhere keeps the global limit. */
  {
    g_autofree char *huge = g_strnfill (2 * MIB, ' ');
    g_autoptr(GBytes) body = g_bytes_new_take (g_steal_pointer (&huge), 2 * MIB);
    g_autoptr(GBytes) reply = raw_request (fx.floor.server, "POST", "/api/v1/customers", fx.floor.desk, "application/json",
                                           body, NULL, &status, NULL);
    g_assert_cmpuint (status, ==, 413);
  }
  fx_clear (&fx);
}

static void
test_refused (void)
{
  Fx fx;
  g_autofree char *query = NULL;
  g_autoptr(GBytes) html = g_bytes_new_static ("<!DOCTYPE html><script>alert(1)</script>", 40);
  g_autoptr(GBytes) elf = g_bytes_new_static ("\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0", 16);
  g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
  g_autoptr(GBytes) too_big = tiny_jpeg (10 * MIB + 1);
  g_autoptr(GBytes) jpeg = tiny_jpeg (100);
  g_autoptr(JsonNode) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL, r7 = NULL;

  fx_setup (&fx);
  query = photo_query (&fx, fx.floor.a, "x.png");
  r1 = upload (fx.floor.server, fx.floor.tech, query, "image/png", html, 415);
  vb_test_assert_error (r1, "unsupported_media_type", "content_type");
  r2 = upload (fx.floor.server, fx.floor.tech, query, "image/png", elf, 415);
  vb_test_assert_error (r2, "unsupported_media_type", "content_type");
  r3 = upload (fx.floor.server, fx.floor.tech, query, "image/jpeg", too_big, 413);
  vb_test_assert_error (r3, "payload_too_large", NULL);
  r4 = upload (fx.floor.server, fx.floor.tech, query, "image/jpeg", empty, 422);
  vb_test_assert_error (r4, "validation_failed", "content");
  {
    g_autofree char *q = g_strdup_printf ("location_id=%s&purpose=selfie", fx.floor.a);
    r5 = upload (fx.floor.server, fx.floor.tech, q, "image/jpeg", jpeg, 422);
    vb_test_assert_error (r5, "validation_failed", "purpose");
  }
  {
    g_autofree char *q = g_strdup_printf ("location_id=%s&purpose=photo&file_name=..%%2Fetc%%2Fpasswd", fx.floor.a);
    r6 = upload (fx.floor.server, fx.floor.tech, q, "image/jpeg", jpeg, 422);
    vb_test_assert_error (r6, "validation_failed", "file_name");
  }
  r7 = upload (fx.floor.server, fx.floor.tech, "purpose=photo", "image/jpeg", jpeg, 422);
  vb_test_assert_error (r7, "validation_failed", "location_id");
  /* Nothing of it reached the store. */
  g_assert_cmpuint (count_files (fx.store), ==, 0);
  fx_clear (&fx);
}

static void
test_scope (void)
{
  Fx fx;
  g_autoptr(GBytes) jpeg = tiny_jpeg (300);
  g_autoptr(GBytes) pdf = tiny_pdf ();
  g_autofree char *query = NULL;
  g_autofree char *query_b = NULL;
  g_autofree char *meta_path = NULL;
  g_autofree char *content_path = NULL;
  g_autofree char *cert_path = NULL;
  g_autofree char *viewer = NULL;
  g_autoptr(JsonNode) photo = NULL;
  g_autoptr(JsonNode) cert = NULL;
  g_autoptr(JsonNode) refused = NULL;
  guint status = 0;

  fx_setup (&fx);
  query = photo_query (&fx, fx.floor.a, "door.jpg");
  photo = upload (fx.floor.server, fx.floor.tech, query, "image/jpeg", jpeg, 201);
  meta_path = g_strdup_printf ("/api/v1/attachments/%s", vb_test_id_of (photo));
  content_path = g_strconcat (meta_path, "/content", NULL);

  /* Another location: 404 on both; may not upload there either. */
  vb_test_call_error (fx.floor.server, "GET", meta_path, fx.floor.tech_b, NULL, 404, "not_found", NULL);
  {
    g_autoptr(GBytes) r = raw_request (fx.floor.server, "GET", content_path, fx.floor.tech_b, NULL, NULL, NULL, &status, NULL);
    g_assert_cmpuint (status, ==, 404);
  }
  query_b = photo_query (&fx, fx.floor.b, "door.jpg");
  refused = upload (fx.floor.server, fx.floor.tech, query_b, "image/jpeg", jpeg, 403);
  vb_test_assert_error (refused, "forbidden", NULL);

  /* Every role of the location reads it. */
  json_node_unref (vb_test_call (fx.floor.server, "GET", meta_path, fx.floor.tech2, NULL, 200));
  json_node_unref (vb_test_call (fx.floor.server, "GET", meta_path, fx.floor.desk, NULL, 200));
  {
    g_autoptr(GBytes) r = raw_request (fx.floor.server, "GET", content_path, fx.floor.tech2, NULL, NULL, NULL, &status, NULL);
    g_assert_cmpuint (status, ==, 200);
  }
  /* Without attachments permissions: 403; without a token: 401. */
  json_node_unref (vb_test_call (fx.floor.server, "POST", "/api/v1/roles", fx.floor.admin,
                                 "{\"name\": \"viewer\", \"permissions\": [\"work_orders.read\"]}", 201));
  viewer = vb_test_user_token (fx.floor.server, "viewer@example.com", "viewer", "HCM-1");
  vb_test_call_error (fx.floor.server, "GET", meta_path, viewer, NULL, 403, "forbidden", NULL);
  {
    g_autoptr(JsonNode) r = upload (fx.floor.server, viewer, query, "image/jpeg", jpeg, 403);
    g_autoptr(GBytes) c = raw_request (fx.floor.server, "GET", content_path, NULL, NULL, NULL, NULL, &status, NULL);
    g_assert_cmpuint (status, ==, 401);
  }

  /* A certification scan without a location: its uploader and staff.read everywhere. */
  cert = upload (fx.floor.server, fx.floor.tech, "purpose=certification&file_name=hv-level-2.pdf", "application/pdf", pdf, 201);
  g_assert_true (json_object_get_null_member (vb_test_object (cert), "location_id"));
  cert_path = g_strdup_printf ("/api/v1/attachments/%s", vb_test_id_of (cert));
  json_node_unref (vb_test_call (fx.floor.server, "GET", cert_path, fx.floor.tech, NULL, 200));
  json_node_unref (vb_test_call (fx.floor.server, "GET", cert_path, fx.floor.admin, NULL, 200));
  vb_test_call_error (fx.floor.server, "GET", cert_path, fx.floor.tech2, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.floor.server, "GET", cert_path, fx.floor.manager, NULL, 404, "not_found", NULL);
  {
    g_autofree char *cert_content = g_strconcat (cert_path, "/content", NULL);
    g_autoptr(SoupMessageHeaders) headers = NULL;
    g_autoptr(GBytes) r = raw_request (fx.floor.server, "GET", cert_content, fx.floor.admin, NULL, NULL, NULL, &status, &headers);
    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "application/pdf");
    g_assert_true (g_str_has_prefix (soup_message_headers_get_one (headers, "Content-Disposition"), "attachment;"));
  }

  /* Not audit-free: uploads are in the audit log and the change feed. */
  {
    g_autoptr(VbDbConn) db = vb_test_server_db (fx.floor.server);
    g_autoptr(GError) error = NULL;
    g_autoptr(PGresult) res = vb_db_execv (db, &error,
      "SELECT count(*) FROM audit_log WHERE entity = 'attachments' AND entity_id = $1 AND actor_id IS NOT NULL",
      vb_test_id_of (photo));
    g_assert_no_error (error);
    g_assert_cmpint (vb_db_get_int (res, 0, 0), ==, 1);
  }
  fx_clear (&fx);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/attachments/upload-and-serve", test_upload_and_serve);
  g_test_add_func ("/attachments/refused", test_refused);
  g_test_add_func ("/attachments/scope", test_scope);
  return g_test_run ();
}
