/* test-attachment-fetcher.c — VbAttachmentFetcher against the real server:
 * a PNG uploaded through POST /api/v1/attachments comes back as a file
 * named by its SHA-256 (the server's ETag), mode 0600; the same bytes under
 * two ids are one file; a deleted file is fetched again; and with the
 * server stopped, the same fetcher and a new one on the same directory (the
 * next start of the app) still serve it from disk.  Unknown ids are the
 * server's not_found, malformed ids are refused before any request. */
#include <glib/gstdio.h>

#include "vb-test.h"

#include "vb-api-client.h"
#include "vb-attachment-fetcher.h"
#include "vb-pin-store.h"

#include "vb-error.h"

typedef struct
{
  GFile    *file;
  GError   *error;
  gboolean  done;
} Result;

static void
fetch_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Result *r = user_data;

  r->file = vb_attachment_fetcher_fetch_finish (VB_ATTACHMENT_FETCHER (object), result, &r->error);
  r->done = TRUE;
}

static GFile *
fetch (VbAttachmentFetcher  *fetcher,
       const char           *id,
       GError              **error)
{
  Result r = { 0 };

  vb_attachment_fetcher_fetch_async (fetcher, id, NULL, fetch_cb, &r);
  while (!r.done)
    g_main_context_iteration (NULL, TRUE);
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.file;
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

/* Uploads content at location; returns the attachment's id. */
static char *
upload (VbTestServer *server,
        const char   *token,
        const char   *location,
        GBytes       *content,
        char        **sha256)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/attachments?location_id=%s&purpose=photo"
                                           "&file_name=front.png", location);
  g_autoptr(JsonNode) reply = NULL;
  JsonObject *object;
  guint status = 0;

  reply = vb_test_request_full (server, "POST", path, token, "image/png", content, NULL,
                                &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  object = vb_test_object (reply);
  if (sha256 != NULL)
    *sha256 = g_strdup (json_object_get_string_member (object, "sha256"));
  return g_strdup (json_object_get_string_member (object, "id"));
}

static void
assert_content (GFile  *file,
                GBytes *expected)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  bytes = g_file_load_bytes (file, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (bytes, expected));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
test_fetch (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  g_autofree char *desk = vb_test_user_token (server, "desk@example.com", "reception", "HCM-1");
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("vb-fetcher-XXXXXX", &error);
  g_autofree char *pins_path = g_build_filename (tmp, "pins.ini", NULL);
  g_autofree char *directory = g_build_filename (tmp, "attachments", NULL);
  g_autoptr(VbPinStore) pins = vb_pin_store_new (pins_path);
  g_autoptr(VbApiClient) api = vb_api_client_new (pins);
  g_autoptr(VbAttachmentFetcher) fetcher = vb_attachment_fetcher_new (api, directory);
  g_autoptr(GBytes) png = tiny_png ();
  g_autofree char *sha = NULL;
  g_autofree char *id = upload (server, desk, loc, png, &sha);
  g_autofree char *twin = upload (server, desk, loc, png, NULL);
  g_autofree char *expected_path = g_build_filename (directory, sha, NULL);
  g_autofree char *map_path = g_build_filename (directory, "ids", id, NULL);
  g_autofree char *mapped = NULL;
  g_autofree char *path = NULL;
  g_autofree char *unknown = g_uuid_string_random ();
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) again = NULL;
  GStatBuf st;

  g_assert_no_error (error);
  g_assert_true (vb_api_client_set_server (api, server->base_url, &error));
  g_assert_no_error (error);
  vb_api_client_set_token (api, desk);
  g_assert_cmpstr (vb_attachment_fetcher_get_directory (fetcher), ==, directory);

  /* First fetch: from the server, into DIRECTORY/<sha256>, private. */
  file = fetch (fetcher, id, &error);
  g_assert_no_error (error);
  path = g_file_get_path (file);
  g_assert_cmpstr (path, ==, expected_path);
  assert_content (file, png);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (map_path, &mapped, NULL, NULL));
  g_assert_cmpstr (mapped, ==, sha);

  /* The same bytes under another id: the same file. */
  again = fetch (fetcher, twin, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_equal (again, file));
  g_clear_object (&again);

  /* Unknown: the server's not_found; malformed: refused before asking. */
  g_assert_null (fetch (fetcher, unknown, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (fetch (fetcher, "../../etc/passwd", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_VALIDATION);
  g_clear_error (&error);

  /* It is a cache: a file deleted behind its back is fetched again. */
  g_assert_cmpint (g_unlink (path), ==, 0);
  again = fetch (fetcher, id, &error);
  g_assert_no_error (error);
  assert_content (again, png);
  g_clear_object (&again);

  /* The server goes away: still served, by this fetcher and by a new one
   * on the same directory (the app started again). */
  vb_test_server_kill (server);
  again = fetch (fetcher, id, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_equal (again, file));
  assert_content (again, png);
  g_clear_object (&again);
  {
    g_autoptr(VbAttachmentFetcher) restarted = vb_attachment_fetcher_new (api, directory);

    again = fetch (restarted, twin, &error);
    g_assert_no_error (error);
    g_assert_true (g_file_equal (again, file));
    g_clear_object (&again);

    /* What was never fetched needs the network. */
    g_assert_null (fetch (restarted, unknown, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }

  g_object_add_weak_pointer (G_OBJECT (fetcher), (gpointer *) &fetcher);
  g_clear_object (&fetcher);
  g_assert_null (fetcher);
  remove_tree (tmp);
}

int
main (int   argc,
      char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/attachment-fetcher/fetch", test_fetch);
  return g_test_run ();
}
