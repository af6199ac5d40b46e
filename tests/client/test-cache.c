/* test-cache.c — VbCache on real SQLite files in a temporary directory:
 * the file itself (mode, WAL, migrations, client id), pulls, the outbox and
 * its rebase rule, numbering, the checksum, search, and a crash right after
 * enqueue returns (a child killed with SIGKILL).
 */
#include "vb-cache.h"
#include "vb-client-error.h"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#define LOC_A "00000000-0000-4000-8000-00000000000a"
#define LOC_B "00000000-0000-4000-8000-00000000000b"
#define CUST_1 "11111111-1111-4111-8111-111111111111"
#define CUST_2 "22222222-2222-4222-8222-222222222222"
#define VEH_1 "33333333-3333-4333-8333-333333333333"
#define WO_1 "44444444-4444-4444-8444-444444444444"
#define NOTE_1 "55555555-5555-4555-8555-555555555555"
#define ATT_1 "66666666-6666-4666-8666-666666666666"
#define ATT_2 "77777777-7777-4777-8777-777777777777"
#define ATT_3 "88888888-8888-4888-8888-888888888888"
#define UPLOAD_PATH "/api/v1/attachments?id=" ATT_1 "&purpose=photo&location_id=" LOC_A "&file_name=front.png"

typedef struct
{
  char    *dir;
  char    *path;
  VbCache *cache;
  guint    changed;
  GString *entities;   /* of the last ::changed, comma-separated */
  guint    outbox_changed;
} Fixture;

static void
on_changed (VbCache            *cache,
            const char * const *entities,
            Fixture            *fixture)
{
  g_autofree char *joined = g_strjoinv (",", (char **) entities);

  fixture->changed++;
  g_string_assign (fixture->entities, joined);
}

static void
on_outbox_changed (VbCache *cache,
                   Fixture *fixture)
{
  fixture->outbox_changed++;
}

static void
fixture_open (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;

  fixture->cache = vb_cache_open (fixture->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fixture->cache);
  fixture->changed = fixture->outbox_changed = 0;
  g_signal_connect (fixture->cache, "changed", G_CALLBACK (on_changed), fixture);
  g_signal_connect (fixture->cache, "outbox-changed", G_CALLBACK (on_outbox_changed), fixture);
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("voltbay-cache-XXXXXX", &error);
  g_assert_no_error (error);
  fixture->path = g_build_filename (fixture->dir, "sub", "cache.sqlite", NULL);
  fixture->entities = g_string_new (NULL);
  fixture_open (fixture);
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
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  g_clear_object (&fixture->cache);
  remove_tree (fixture->dir);
  g_free (fixture->dir);
  g_free (fixture->path);
  g_string_free (fixture->entities, TRUE);
}

static void
fixture_reopen (Fixture *fixture)
{
  g_clear_object (&fixture->cache);
  fixture_open (fixture);
}

static JsonObject *
object_from (const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  return json_object_ref (json_node_get_object (node));
}

static void
apply (Fixture    *fixture,
       const char *items_json,
       const char *cursor)
{
  g_autoptr(JsonNode) node = json_from_string (items_json, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (node);
  vb_cache_apply_changes (fixture->cache, json_node_get_array (node), cursor, &error);
  g_assert_no_error (error);
}

static char *
customer_item (const char *id,
               gint64      version,
               const char *given,
               const char *phone)
{
  return g_strdup_printf ("{\"entity\": \"customers\", \"id\": \"%s\", \"version\": %" G_GINT64_FORMAT ","
                          " \"op\": \"upsert\", \"location_id\": \"" LOC_A "\","
                          " \"row\": {\"id\": \"%s\", \"version\": %" G_GINT64_FORMAT ","
                          "  \"preferred_location_id\": \"" LOC_A "\", \"kind\": \"person\","
                          "  \"given_name\": \"%s\", \"family_name\": \"Tran\", \"company_name\": \"\","
                          "  \"display_name\": \"%s Tran\", \"phones\": [\"%s\"], \"emails\": []},"
                          " \"at\": \"2026-11-25T08:00:00Z\"}",
                          id, version, id, version, given, given, phone);
}

static void
apply_customer (Fixture    *fixture,
                const char *id,
                gint64      version,
                const char *given,
                const char *phone)
{
  g_autofree char *item = customer_item (id, version, given, phone);
  g_autofree char *items = g_strdup_printf ("[%s]", item);

  apply (fixture, items, NULL);
}

static const char *
string_of (JsonObject *object,
           const char *member)
{
  g_assert_nonnull (object);
  return json_object_get_string_member_with_default (object, member, NULL);
}

static const char *
first_phone (JsonObject *object)
{
  g_assert_nonnull (object);
  return json_array_get_string_element (json_object_get_array_member (object, "phones"), 0);
}

static gint64
enqueue_update (Fixture    *fixture,
                const char *id,
                const char *fields_json)
{
  g_autoptr(JsonObject) fields = object_from (fields_json);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strconcat ("/api/v1/customers/", id, NULL);
  gint64 seq;

  seq = vb_cache_enqueue (fixture->cache, VB_CHANGE_UPDATE, "customers", id, "PATCH", path,
                          fields, fields, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seq, >, 0);
  return seq;
}

static void
assert_views_equal (Fixture    *fixture,
                    const char *entity,
                    const char *id)
{
  g_autoptr(JsonObject) local = vb_cache_get (fixture->cache, entity, id);
  g_autoptr(JsonObject) server = vb_cache_get_server_row (fixture->cache, entity, id);
  g_autoptr(JsonNode) a = json_node_init_object (json_node_alloc (), local);
  g_autoptr(JsonNode) b = json_node_init_object (json_node_alloc (), server);

  g_assert_true (json_node_equal (a, b));
}

static char *
query_string (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static guint
count_hits (Fixture    *fixture,
            const char *text,
            const char *entity,
            const char *id)
{
  g_autoptr(GPtrArray) hits = vb_cache_search (fixture->cache, text, 0);
  guint found = 0;

  for (guint i = 0; i < hits->len; i++)
    if (g_strcmp0 (string_of (hits->pdata[i], "entity"), entity) == 0 &&
        g_strcmp0 (string_of (hits->pdata[i], "id"), id) == 0)
      found++;
  return found;
}

static guint
n_hits (Fixture    *fixture,
        const char *text)
{
  g_autoptr(GPtrArray) hits = vb_cache_search (fixture->cache, text, 0);

  return hits->len;
}

static guint
n_problems (Fixture *fixture)
{
  g_autoptr(GPtrArray) problems = vb_cache_list_problems (fixture->cache);

  return problems->len;
}

/* ------------------------------------------------------------ file --- */

static void
test_open (Fixture       *fixture,
           gconstpointer  data)
{
  g_autofree char *client_id = g_strdup (vb_cache_get_client_id (fixture->cache));
  g_autofree char *mode = NULL;
  g_autofree char *version = NULL;
  g_autofree char *fts = NULL;
  g_autofree char *dir = g_path_get_dirname (fixture->path);
  GStatBuf st;

  g_assert_cmpstr (vb_cache_get_path (fixture->cache), ==, fixture->path);
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_true (g_uuid_string_is_valid (client_id));

  mode = query_string (fixture->path, "PRAGMA journal_mode");
  g_assert_cmpstr (mode, ==, "wal");
  version = query_string (fixture->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "2");

  /* Reopening migrates nothing and keeps the client id. */
  fixture_reopen (fixture);
  fixture_reopen (fixture);
  g_assert_cmpstr (vb_cache_get_client_id (fixture->cache), ==, client_id);
  g_clear_pointer (&version, g_free);
  version = query_string (fixture->path, "PRAGMA user_version");
  g_assert_cmpstr (version, ==, "2");
  fts = query_string (fixture->path, "SELECT count(*) FROM sqlite_master WHERE name = 'search'");
  g_assert_cmpstr (fts, ==, "1");

  /* A file made too open (a copy, a restore) is tightened at open. */
  g_clear_object (&fixture->cache);
  g_assert_cmpint (g_chmod (fixture->path, 0644), ==, 0);
  fixture_open (fixture);
  g_assert_cmpint (g_stat (fixture->path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpstr (vb_cache_get_client_id (fixture->cache), ==, client_id);
}

static void
test_open_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbCache) cache = NULL;
  g_autofree char *dir = g_dir_make_tmp ("voltbay-cache-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "not-a-db.sqlite", NULL);

  g_assert_true (g_file_set_contents (path, "this is not a database, not at all........"
                                      "..............................................", -1, NULL));
  cache = vb_cache_open (path, &error);
  g_assert_null (cache);
  g_assert_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_DATABASE);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_default_path (void)
{
  g_autofree char *path = vb_cache_default_path ("127.0.0.1:8443", "../user/1");
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *expected_dir = g_build_filename (g_get_user_data_dir (), "voltbay", "caches",
                                                    "127.0.0.1_8443", NULL);
  g_autofree char *base = g_path_get_basename (path);

  g_assert_cmpstr (dir, ==, expected_dir);
  g_assert_cmpstr (base, ==, "_._user_1.sqlite");
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
}

/* ------------------------------------------------------------ pull --- */

static void
test_pull (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *c1 = customer_item (CUST_1, 1, "Minh", "0903 111 222");
  g_autofree char *c2 = customer_item (CUST_2, 1, "An", "0903 333 444");
  g_autofree char *items = NULL;
  g_autofree char *cursor = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) bad = NULL;

  g_assert_null (vb_cache_dup_cursor (fixture->cache));
  items = g_strdup_printf ("[%s, %s, {\"entity\": \"vehicles\", \"id\": \"" VEH_1 "\", \"version\": 2,"
                           " \"op\": \"upsert\", \"location_id\": \"" LOC_B "\","
                           " \"row\": {\"id\": \"" VEH_1 "\", \"plate\": \"51A-123.45\","
                           "  \"location_id\": \"" LOC_B "\", \"version\": 2}, \"at\": \"x\"}]", c1, c2);
  apply (fixture, items, "cursor-1");
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_cmpstr (fixture->entities->str, ==, "customers,vehicles");
  cursor = vb_cache_dup_cursor (fixture->cache);
  g_assert_cmpstr (cursor, ==, "cursor-1");

  row = vb_cache_get (fixture->cache, "customers", CUST_1);
  g_assert_cmpstr (string_of (row, "given_name"), ==, "Minh");
  assert_views_equal (fixture, "customers", CUST_1);
  g_assert_cmpuint (vb_cache_count (fixture->cache, "customers"), ==, 2);
  g_assert_cmpuint (vb_cache_count (fixture->cache, "vehicles"), ==, 1);

  list = vb_cache_list (fixture->cache, "customers", NULL, "given_name", FALSE, 0);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (string_of (list->pdata[0], "given_name"), ==, "An");
  g_clear_pointer (&list, g_ptr_array_unref);
  list = vb_cache_list (fixture->cache, "customers", NULL, "given_name", TRUE, 1);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_cmpstr (string_of (list->pdata[0], "given_name"), ==, "Minh");
  g_clear_pointer (&list, g_ptr_array_unref);
  list = vb_cache_list (fixture->cache, "vehicles", LOC_A, NULL, FALSE, 0);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = vb_cache_list (fixture->cache, "vehicles", LOC_B, NULL, FALSE, 0);
  g_assert_cmpuint (list->len, ==, 1);

  /* A newer version replaces the row; a delete leaves a tombstone. */
  apply_customer (fixture, CUST_1, 2, "Minh Anh", "0903 111 222");
  g_clear_pointer (&row, json_object_unref);
  row = vb_cache_get (fixture->cache, "customers", CUST_1);
  g_assert_cmpstr (string_of (row, "given_name"), ==, "Minh Anh");
  apply (fixture, "[{\"entity\": \"customers\", \"id\": \"" CUST_2 "\", \"version\": 1, \"op\": \"delete\","
                  " \"location_id\": \"" LOC_A "\", \"row\": null, \"at\": \"x\"}]", "cursor-2");
  g_assert_cmpuint (fixture->changed, ==, 3);
  g_assert_cmpstr (fixture->entities->str, ==, "customers");
  g_assert_null (vb_cache_get (fixture->cache, "customers", CUST_2));
  g_assert_null (vb_cache_get_server_row (fixture->cache, "customers", CUST_2));
  g_assert_cmpuint (vb_cache_count (fixture->cache, "customers"), ==, 1);

  /* An empty page only moves the cursor, silently. */
  apply (fixture, "[]", "cursor-3");
  g_assert_cmpuint (fixture->changed, ==, 3);
  g_clear_pointer (&cursor, g_free);
  cursor = vb_cache_dup_cursor (fixture->cache);
  g_assert_cmpstr (cursor, ==, "cursor-3");

  /* A malformed page changes nothing, not even the cursor. */
  bad = json_from_string ("[{\"entity\": \"customers\", \"id\": \"" CUST_2 "\", \"version\": 3,"
                          " \"op\": \"upsert\", \"row\": {\"id\": \"" CUST_2 "\"}},"
                          " {\"entity\": \"customers\", \"op\": \"frobnicate\"}]", NULL);
  g_assert_false (vb_cache_apply_changes (fixture->cache, json_node_get_array (bad), "cursor-4", &error));
  g_assert_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL);
  g_assert_null (vb_cache_get (fixture->cache, "customers", CUST_2));
  g_clear_pointer (&cursor, g_free);
  cursor = vb_cache_dup_cursor (fixture->cache);
  g_assert_cmpstr (cursor, ==, "cursor-3");
  g_assert_cmpuint (fixture->changed, ==, 3);

  /* Persisted. */
  fixture_reopen (fixture);
  g_clear_pointer (&cursor, g_free);
  cursor = vb_cache_dup_cursor (fixture->cache);
  g_assert_cmpstr (cursor, ==, "cursor-3");
  g_assert_cmpuint (vb_cache_count (fixture->cache, "customers"), ==, 1);
}

/* GDPR erasure: older changes arrive with their row nulled, then the
 * pseudonymized row; the last one wins. */
static void
test_pull_erased (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(JsonObject) row = NULL;
  g_autofree char *erased = customer_item (CUST_1, 3, "Erased", "");

  apply (fixture, "[{\"entity\": \"customers\", \"id\": \"" CUST_1 "\", \"version\": 1, \"op\": \"upsert\","
                  " \"location_id\": \"" LOC_A "\", \"row\": null, \"at\": \"x\"}]", "c1");
  g_assert_null (vb_cache_get (fixture->cache, "customers", CUST_1));
  g_assert_cmpuint (vb_cache_count (fixture->cache, "customers"), ==, 0);
  apply_customer (fixture, CUST_1, 3, "Erased", "");
  row = vb_cache_get (fixture->cache, "customers", CUST_1);
  g_assert_cmpstr (string_of (row, "given_name"), ==, "Erased");
  g_assert_cmpuint (n_hits (fixture, "0903"), ==, 0);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return FALSE;
  /* Binary contents: no strstr(). */
  for (gsize i = 0; i + strlen (needle) <= length; i++)
    if (memcmp (contents + i, needle, strlen (needle)) == 0)
      return TRUE;
  return FALSE;
}

/* An erased customer's data leaves the cache: rows, search index, the
 * answered outbox entries, and the bytes of the file and its WAL. */
static void
test_pull_erasure_scrubs (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autofree char *wal = g_strconcat (fixture->path, "-wal", NULL);
  g_autoptr(VbOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  gint64 seq, pending;

  apply_customer (fixture, CUST_1, 1, "Quynh", "0903 111 222");
  seq = enqueue_update (fixture, CUST_1, "{\"emails\": [\"quynh.secret@example.vn\"]}");
  g_assert_true (vb_cache_finish_entry (fixture->cache, seq, VB_OUTBOX_APPLIED, 200,
                                        "{\"emails\": [\"quynh.secret@example.vn\"]}", &error));
  g_assert_no_error (error);
  pending = enqueue_update (fixture, CUST_1, "{\"notes\": \"unsent work\"}");
  apply (fixture,
         "[{\"entity\": \"customers\", \"id\": \"" CUST_1 "\", \"version\": 3, \"op\": \"upsert\","
         "  \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" CUST_1 "\", \"kind\": \"person\","
         "  \"given_name\": \"\", \"family_name\": \"\", \"display_name\": \"Erased customer\","
         "  \"phones\": [], \"emails\": [], \"erased_at\": \"2026-11-25T09:00:00Z\"}, \"at\": \"x\"}]", NULL);

  g_assert_cmpuint (count_hits (fixture, "quynh", "customers", CUST_1), ==, 0);
  g_assert_cmpuint (count_hits (fixture, "0903", "customers", CUST_1), ==, 0);
  entry = vb_cache_get_entry (fixture->cache, seq);
  g_assert_null (entry->fields);
  g_assert_null (entry->body);
  g_assert_null (entry->base);
  g_assert_null (entry->reply);
  g_clear_pointer (&entry, vb_outbox_entry_free);
  entry = vb_cache_get_entry (fixture->cache, pending);
  g_assert_cmpstr (entry->fields, ==, "{\"notes\":\"unsent work\"}");

  g_assert_false (file_contains (fixture->path, "Quynh"));
  g_assert_false (file_contains (fixture->path, "quynh"));
  g_assert_false (file_contains (fixture->path, "0903"));
  g_assert_false (file_contains (wal, "Quynh"));
  g_assert_false (file_contains (wal, "quynh"));
  g_assert_false (file_contains (wal, "0903"));
}

/* ---------------------------------------------------------- outbox --- */

static void
test_update_rebase (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) server = NULL;
  g_autoptr(VbOutboxEntry) entry = NULL;
  g_autoptr(VbOutboxEntry) next = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  gint64 seq;

  apply_customer (fixture, CUST_1, 1, "Minh", "0903 111 222");
  fixture->changed = fixture->outbox_changed = 0;

  seq = enqueue_update (fixture, CUST_1, "{\"phones\": [\"0909 999 999\"]}");
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_cmpstr (fixture->entities->str, ==, "customers");
  g_assert_cmpuint (fixture->outbox_changed, ==, 1);
  g_assert_cmpuint (vb_cache_count_pending (fixture->cache), ==, 1);

  local = vb_cache_get (fixture->cache, "customers", CUST_1);
  g_assert_cmpstr (first_phone (local), ==, "0909 999 999");
  g_assert_cmpstr (string_of (local, "given_name"), ==, "Minh");
  server = vb_cache_get_server_row (fixture->cache, "customers", CUST_1);
  g_assert_cmpstr (first_phone (server), ==, "0903 111 222");

  entry = vb_cache_get_entry (fixture->cache, seq);
  g_assert_nonnull (entry);
  g_assert_cmpint (entry->seq, ==, seq);
  g_assert_cmpint (entry->number, ==, 0);
  g_assert_cmpint (entry->kind, ==, VB_CHANGE_UPDATE);
  g_assert_cmpint (entry->state, ==, VB_OUTBOX_PENDING);
  g_assert_cmpstr (entry->entity, ==, "customers");
  g_assert_cmpstr (entry->record_id, ==, CUST_1);
  g_assert_cmpstr (entry->method, ==, "PATCH");
  g_assert_cmpstr (entry->path, ==, "/api/v1/customers/" CUST_1);
  g_assert_cmpstr (entry->base, ==, "{\"phones\":[\"0903 111 222\"]}");
  g_assert_cmpint (entry->base_version, ==, 1);
  g_assert_cmpuint (entry->status, ==, 0);
  g_assert_null (entry->reply);
  g_assert_cmpint (entry->created_at, >, 0);
  g_assert_false (entry->dismissed);
  next = vb_cache_next_pending (fixture->cache);
  g_assert_cmpint (next->seq, ==, seq);

  /* Someone changed the name on the server: the pending phones stay on top. */
  apply_customer (fixture, CUST_1, 2, "Minh Anh", "0903 111 222");
  g_clear_pointer (&local, json_object_unref);
  local = vb_cache_get (fixture->cache, "customers", CUST_1);
  g_assert_cmpstr (string_of (local, "given_name"), ==, "Minh Anh");
  g_assert_cmpstr (first_phone (local), ==, "0909 999 999");

  /* Rebased and sent again with the new version. */
  body = object_from ("{\"version\": 2}");
  g_assert_true (vb_cache_set_entry_body (fixture->cache, seq, body, 2, &error));
  g_assert_no_error (error);
  g_clear_pointer (&entry, vb_outbox_entry_free);
  entry = vb_cache_get_entry (fixture->cache, seq);
  g_assert_cmpstr (entry->body, ==, "{\"version\":2}");
  g_assert_cmpint (entry->base_version, ==, 2);

  /* Applied: the view keeps the change until the pull brings it. */
  g_assert_true (vb_cache_finish_entry (fixture->cache, seq, VB_OUTBOX_APPLIED, 200, "{}", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (vb_cache_count_pending (fixture->cache), ==, 0);
  g_assert_null (vb_cache_next_pending (fixture->cache));
  g_clear_pointer (&local, json_object_unref);
  local = vb_cache_get (fixture->cache, "customers", CUST_1);
  g_assert_cmpstr (first_phone (local), ==, "0909 999 999");

  apply_customer (fixture, CUST_1, 3, "Minh Anh", "0909 999 999");
  assert_views_equal (fixture, "customers", CUST_1);
  g_assert_cmpuint (n_problems (fixture), ==, 0);
}

static void
test_refused_update (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  VbOutboxEntry *problem;
  gint64 seq, later;

  apply_customer (fixture, CUST_1, 1, "Minh", "0903 111 222");
  seq = enqueue_update (fixture, CUST_1, "{\"given_name\": \"\"}");
  later = enqueue_update (fixture, CUST_1, "{\"phones\": [\"0909 000 000\"]}");
  fixture->changed = fixture->outbox_changed = 0;

  g_assert_true (vb_cache_finish_entry (fixture->cache, seq, VB_OUTBOX_REFUSED, 422,
                                        "{\"error\": \"validation\"}", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->changed, ==, 1);
  g_assert_cmpuint (fixture->outbox_changed, ==, 1);
  {
    g_autoptr(JsonObject) local = vb_cache_get (fixture->cache, "customers", CUST_1);

    /* Back to the server's name; the later change still shows. */
    g_assert_cmpstr (string_of (local, "given_name"), ==, "Minh");
    g_assert_cmpstr (first_phone (local), ==, "0909 000 000");
  }
  g_assert_true (vb_cache_finish_entry (fixture->cache, later, VB_OUTBOX_CONFLICT, 409, "{}", &error));
  assert_views_equal (fixture, "customers", CUST_1);

  problems = vb_cache_list_problems (fixture->cache);
  g_assert_cmpuint (problems->len, ==, 2);
  problem = problems->pdata[0];
  g_assert_cmpint (problem->seq, ==, seq);
  g_assert_cmpint (problem->state, ==, VB_OUTBOX_REFUSED);
  g_assert_cmpuint (problem->status, ==, 422);
  g_assert_cmpstr (problem->reply, ==, "{\"error\": \"validation\"}");
  g_assert_cmpint (((VbOutboxEntry *) problems->pdata[1])->state, ==, VB_OUTBOX_CONFLICT);

  /* Problems survive a restart, until dismissed. */
  fixture_reopen (fixture);
  g_assert_true (vb_cache_dismiss_problem (fixture->cache, seq, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fixture->outbox_changed, ==, 1);
  g_clear_pointer (&problems, g_ptr_array_unref);
  problems = vb_cache_list_problems (fixture->cache);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_false (vb_cache_dismiss_problem (fixture->cache, seq, &error));
  g_assert_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (vb_cache_finish_entry (fixture->cache, 999, VB_OUTBOX_APPLIED, 200, NULL, &error));
  g_assert_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_NOT_FOUND);
}

static gint64
enqueue_create (Fixture    *fixture,
                const char *id,
                const char *given)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup_printf ("{\"id\": \"%s\", \"preferred_location_id\": \"" LOC_A "\","
                                           " \"kind\": \"person\", \"given_name\": \"%s\","
                                           " \"family_name\": \"Le\", \"phones\": [\"0912 345 678\"]}",
                                           id, given);
  g_autoptr(JsonObject) fields = object_from (json);
  gint64 seq;

  seq = vb_cache_enqueue (fixture->cache, VB_CHANGE_CREATE, "customers", id, "POST",
                          "/api/v1/customers", fields, fields, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seq, >, 0);
  return seq;
}

static void
test_refused_create (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbOutboxEntry) entry = NULL;
  gint64 seq;

  seq = enqueue_create (fixture, CUST_2, "Hoa");
  local = vb_cache_get (fixture->cache, "customers", CUST_2);
  g_assert_cmpstr (string_of (local, "given_name"), ==, "Hoa");
  g_assert_null (vb_cache_get_server_row (fixture->cache, "customers", CUST_2));
  g_assert_cmpuint (vb_cache_count (fixture->cache, "customers"), ==, 1);
  list = vb_cache_list (fixture->cache, "customers", LOC_A, NULL, FALSE, 0);
  g_assert_cmpuint (list->len, ==, 1);
  hits = vb_cache_search (fixture->cache, "hoa", 10);
  g_assert_cmpuint (hits->len, ==, 1);
  entry = vb_cache_get_entry (fixture->cache, seq);
  g_assert_null (entry->base);
  g_assert_cmpint (entry->base_version, ==, 0);
  g_assert_cmpint (entry->kind, ==, VB_CHANGE_CREATE);

  g_assert_true (vb_cache_finish_entry (fixture->cache, seq, VB_OUTBOX_REFUSED, 422, "{}", &error));
  g_assert_no_error (error);
  g_assert_null (vb_cache_get (fixture->cache, "customers", CUST_2));
  g_assert_cmpuint (vb_cache_count (fixture->cache, "customers"), ==, 0);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = vb_cache_search (fixture->cache, "hoa", 10);
  g_assert_cmpuint (hits->len, ==, 0);
  g_assert_cmpuint (n_problems (fixture), ==, 1);
}

static void
test_create_applied (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) local = NULL;
  gint64 seq;

  seq = enqueue_create (fixture, CUST_2, "Hoa");
  /* An update of the new record before it was even sent. */
  enqueue_update (fixture, CUST_2, "{\"family_name\": \"Pham\"}");
  local = vb_cache_get (fixture->cache, "customers", CUST_2);
  g_assert_cmpstr (string_of (local, "family_name"), ==, "Pham");
  g_assert_cmpuint (vb_cache_count_pending (fixture->cache), ==, 2);

  g_assert_true (vb_cache_finish_entry (fixture->cache, seq, VB_OUTBOX_APPLIED, 201, "{}", &error));
  g_assert_no_error (error);
  g_clear_pointer (&local, json_object_unref);
  local = vb_cache_get (fixture->cache, "customers", CUST_2);
  g_assert_cmpstr (string_of (local, "given_name"), ==, "Hoa");
  g_assert_cmpstr (string_of (local, "family_name"), ==, "Pham");

  /* The pull brings the created row; the pending update stays on top. */
  apply_customer (fixture, CUST_2, 1, "Hoa", "0912 345 678");
  g_clear_pointer (&local, json_object_unref);
  local = vb_cache_get (fixture->cache, "customers", CUST_2);
  g_assert_cmpstr (string_of (local, "family_name"), ==, "Pham");
  g_assert_cmpuint (vb_cache_count_pending (fixture->cache), ==, 1);
}

static void
test_append_action_delete (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(JsonObject) note = object_from ("{\"id\": \"" NOTE_1 "\", \"work_order_id\": \"" WO_1 "\","
                                            " \"body\": \"Cell 12 swollen\"}");
  g_autoptr(JsonObject) status = object_from ("{\"status\": \"in_progress\"}");
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(GError) error = NULL;

  apply (fixture, "[{\"entity\": \"work_orders\", \"id\": \"" WO_1 "\", \"version\": 4, \"op\": \"upsert\","
                  " \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" WO_1 "\", \"number\": 1042,"
                  " \"status\": \"checked_in\", \"location_id\": \"" LOC_A "\","
                  " \"concerns\": \"Range dropped\\nNoise\"}, \"at\": \"x\"}]", NULL);

  g_assert_cmpint (vb_cache_enqueue (fixture->cache, VB_CHANGE_APPEND, "work_order_notes", NOTE_1, "POST",
                                     "/api/v1/work-orders/" WO_1 "/notes", note, note, &error), >, 0);
  g_assert_no_error (error);
  local = vb_cache_get (fixture->cache, "work_order_notes", NOTE_1);
  g_assert_cmpstr (string_of (local, "body"), ==, "Cell 12 swollen");

  g_assert_cmpint (vb_cache_enqueue (fixture->cache, VB_CHANGE_ACTION, "work_orders", WO_1, "POST",
                                     "/api/v1/work-orders/" WO_1 "/status", status, status, &error), >, 0);
  g_assert_no_error (error);
  g_clear_pointer (&local, json_object_unref);
  local = vb_cache_get (fixture->cache, "work_orders", WO_1);
  g_assert_cmpstr (string_of (local, "status"), ==, "in_progress");
  {
    g_autoptr(VbOutboxEntry) entry = vb_cache_get_entry (fixture->cache, 2);

    g_assert_cmpstr (entry->base, ==, "{\"status\":\"checked_in\"}");
    g_assert_cmpint (entry->base_version, ==, 4);
  }

  /* An action without fields (the server decides) changes no view. */
  g_assert_cmpint (vb_cache_enqueue (fixture->cache, VB_CHANGE_ACTION, "work_orders", WO_1, "POST",
                                     "/api/v1/work-orders/" WO_1 "/print", NULL, NULL, &error), >, 0);
  g_assert_no_error (error);

  /* The server deleted the work order: pending changes show nothing. */
  apply (fixture, "[{\"entity\": \"work_orders\", \"id\": \"" WO_1 "\", \"version\": 4, \"op\": \"delete\","
                  " \"location_id\": \"" LOC_A "\", \"row\": null, \"at\": \"x\"}]", NULL);
  g_assert_null (vb_cache_get (fixture->cache, "work_orders", WO_1));
  g_assert_cmpuint (n_hits (fixture, "1042"), ==, 0);
  g_assert_cmpuint (vb_cache_count_pending (fixture->cache), ==, 3);
}

static guint
n_listed (Fixture    *fixture,
          const char *entity,
          const char *location)
{
  g_autoptr(GPtrArray) rows = vb_cache_list (fixture->cache, entity, location, NULL, FALSE, 0);

  return rows->len;
}

/* A pending move shows in the new location's list at once. */
static void
test_move (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(JsonObject) fields = object_from ("{\"location_id\": \"" LOC_B "\"}");
  g_autoptr(GError) error = NULL;
  gint64 seq;

  apply (fixture, "[{\"entity\": \"vehicles\", \"id\": \"" VEH_1 "\", \"version\": 1, \"op\": \"upsert\","
                  " \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" VEH_1 "\","
                  " \"location_id\": \"" LOC_A "\"}, \"at\": \"x\"}]", NULL);
  g_assert_cmpuint (n_listed (fixture, "vehicles", LOC_A), ==, 1);
  seq = vb_cache_enqueue (fixture->cache, VB_CHANGE_UPDATE, "vehicles", VEH_1, "PATCH",
                          "/api/v1/vehicles/" VEH_1, fields, fields, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (n_listed (fixture, "vehicles", LOC_A), ==, 0);
  g_assert_cmpuint (n_listed (fixture, "vehicles", LOC_B), ==, 1);
  g_assert_true (vb_cache_finish_entry (fixture->cache, seq, VB_OUTBOX_REFUSED, 403, "{}", &error));
  g_assert_cmpuint (n_listed (fixture, "vehicles", LOC_A), ==, 1);
  g_assert_cmpuint (n_listed (fixture, "vehicles", LOC_B), ==, 0);
  g_assert_cmpuint (n_listed (fixture, "vehicles", NULL), ==, 1);
}

static void
test_numbering (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbOutboxEntry) entry = NULL;
  gint64 first, second, third;

  apply_customer (fixture, CUST_1, 1, "Minh", "0903 111 222");
  first = enqueue_update (fixture, CUST_1, "{\"given_name\": \"A\"}");
  second = enqueue_update (fixture, CUST_1, "{\"given_name\": \"B\"}");
  g_assert_cmpint (second, >, first);

  g_assert_cmpint (vb_cache_number_entry (fixture->cache, first, FALSE, &error), ==, 1);
  g_assert_cmpint (vb_cache_number_entry (fixture->cache, first, FALSE, &error), ==, 1);
  g_assert_cmpint (vb_cache_number_entry (fixture->cache, second, FALSE, &error), ==, 2);
  g_assert_no_error (error);
  entry = vb_cache_get_entry (fixture->cache, first);
  g_assert_cmpint (entry->number, ==, 1);

  fixture_reopen (fixture);
  g_assert_cmpint (vb_cache_number_entry (fixture->cache, second, FALSE, &error), ==, 2);
  g_assert_cmpint (vb_cache_number_entry (fixture->cache, first, TRUE, &error), ==, 3);
  third = enqueue_update (fixture, CUST_1, "{\"given_name\": \"C\"}");
  g_assert_cmpint (vb_cache_number_entry (fixture->cache, third, FALSE, &error), ==, 4);
  g_assert_no_error (error);

  g_assert_cmpint (vb_cache_number_entry (fixture->cache, 999, FALSE, &error), ==, 0);
  g_assert_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_NOT_FOUND);
}

static char *
sha256_of (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

static void
test_checksum (Fixture       *fixture,
               gconstpointer  data)
{
  const char * const customers[] = { "customers", NULL };
  const char * const none[] = { "bays", NULL };
  g_autofree char *empty = vb_cache_checksum (fixture->cache, NULL);
  g_autofree char *all = NULL;
  g_autofree char *only = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *after = NULL;
  g_autofree char *nothing = NULL;

  g_assert_cmpstr (empty, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  apply_customer (fixture, CUST_2, 3, "An", "1");
  apply_customer (fixture, CUST_1, 1, "Minh", "2");
  apply (fixture, "[{\"entity\": \"vehicles\", \"id\": \"" VEH_1 "\", \"version\": 7, \"op\": \"upsert\","
                  " \"location_id\": null, \"row\": {\"id\": \"" VEH_1 "\"}, \"at\": \"x\"}]", NULL);
  /* Pending creates and deleted records are not the server's. */
  enqueue_create (fixture, "99999999-9999-4999-8999-999999999999", "Local");
  apply (fixture, "[{\"entity\": \"customers\", \"id\": \"" CUST_2 "\", \"version\": 3, \"op\": \"delete\","
                  " \"location_id\": null, \"row\": null, \"at\": \"x\"},"
                  " {\"entity\": \"customers\", \"id\": \"" CUST_2 "\", \"version\": 4, \"op\": \"upsert\","
                  " \"location_id\": null, \"row\": {\"id\": \"" CUST_2 "\"}, \"at\": \"x\"},"
                  " {\"entity\": \"customers\", \"id\": \"77777777-7777-4777-8777-777777777777\","
                  "  \"version\": 2, \"op\": \"delete\", \"location_id\": null, \"row\": null, \"at\": \"x\"}]", NULL);

  all = vb_cache_checksum (fixture->cache, NULL);
  expected = sha256_of ("customers " CUST_1 " 1\n"
                        "customers " CUST_2 " 4\n"
                        "vehicles " VEH_1 " 7\n");
  g_assert_cmpstr (all, ==, expected);
  only = vb_cache_checksum (fixture->cache, customers);
  g_clear_pointer (&expected, g_free);
  expected = sha256_of ("customers " CUST_1 " 1\n"
                        "customers " CUST_2 " 4\n");
  g_assert_cmpstr (only, ==, expected);
  nothing = vb_cache_checksum (fixture->cache, none);
  g_assert_cmpstr (nothing, ==, empty);

  apply_customer (fixture, CUST_1, 2, "Minh", "2");
  after = vb_cache_checksum (fixture->cache, NULL);
  g_assert_cmpstr (after, !=, all);
}

static void
test_search (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GPtrArray) hits = NULL;

  apply (fixture,
         "[{\"entity\": \"customers\", \"id\": \"" CUST_1 "\", \"version\": 1, \"op\": \"upsert\","
         "  \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" CUST_1 "\", \"kind\": \"person\","
         "  \"given_name\": \"Văn An\", \"family_name\": \"Nguyễn\", \"company_name\": \"\","
         "  \"display_name\": \"Văn An Nguyễn\", \"phones\": [\"0903 123 456\", \"+84 28 3822 1234\"],"
         "  \"emails\": [\"an.nguyen@example.vn\"]}, \"at\": \"x\"},"
         " {\"entity\": \"vehicles\", \"id\": \"" VEH_1 "\", \"version\": 1, \"op\": \"upsert\","
         "  \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" VEH_1 "\", \"plate\": \"51A-123.45\","
         "  \"plate_norm\": \"51A12345\", \"vin\": \"RLLV8ABC5PH012345\", \"make\": \"VinFast\","
         "  \"model\": \"VF 8\"}, \"at\": \"x\"},"
         " {\"entity\": \"work_orders\", \"id\": \"" WO_1 "\", \"version\": 1, \"op\": \"upsert\","
         "  \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" WO_1 "\", \"number\": 1042,"
         "  \"concerns\": \"Range dropped after update\"}, \"at\": \"x\"},"
         " {\"entity\": \"locations\", \"id\": \"" LOC_A "\", \"version\": 1, \"op\": \"upsert\","
         "  \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" LOC_A "\", \"name\": \"Nguyen Hue\"},"
         "  \"at\": \"x\"}]", NULL);

  g_assert_cmpuint (count_hits (fixture, "0903", "customers", CUST_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "0903123", "customers", CUST_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "3822", "customers", CUST_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "nguy", "customers", CUST_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "Nguyễn", "customers", CUST_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "an ngu", "customers", CUST_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "an.nguyen@ex", "customers", CUST_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "an xyz", "customers", CUST_1), ==, 0);
  g_assert_cmpuint (count_hits (fixture, "51A", "vehicles", VEH_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "51a1234", "vehicles", VEH_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "RLLV8AB", "vehicles", VEH_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "vinf", "vehicles", VEH_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "1042", "work_orders", WO_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "range", "work_orders", WO_1), ==, 1);
  /* Other entities are not indexed. */
  g_assert_cmpuint (count_hits (fixture, "hue", "locations", LOC_A), ==, 0);

  hits = vb_cache_search (fixture->cache, "51a", 10);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (string_of (hits->pdata[0], "title"), ==, "51A-123.45 VinFast VF 8");
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = vb_cache_search (fixture->cache, "1042", 10);
  g_assert_cmpstr (string_of (hits->pdata[0], "title"), ==, "#1042 Range dropped after update");
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* Per entity, the records' rows themselves. */
  hits = vb_cache_search_rows (fixture->cache, "vehicles", "51a", 10);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (string_of (hits->pdata[0], "id"), ==, VEH_1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = vb_cache_search_rows (fixture->cache, "customers", "51a", 10);
  g_assert_cmpuint (hits->len, ==, 0);

  /* FTS5 syntax in the text is searched for, never parsed. */
  g_assert_cmpuint (n_hits (fixture, "\"an OR"), ==, 0);
  g_assert_cmpuint (n_hits (fixture, "NEAR( * - :"), ==, 0);
  g_assert_cmpuint (n_hits (fixture, ""), ==, 0);

  /* A pending change is searchable at once. */
  enqueue_update (fixture, CUST_1, "{\"phones\": [\"0777 000 111\"]}");
  g_assert_cmpuint (count_hits (fixture, "0777", "customers", CUST_1), ==, 1);
  g_assert_cmpuint (count_hits (fixture, "0903", "customers", CUST_1), ==, 0);
}

/* ----------------------------------------------------------- upload --- */

/* A 1×1 PNG: NUL bytes included, which a text column would cut. */
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

static gint64
enqueue_upload (VbCache     *cache,
                const char  *id,
                const char  *path,
                GError     **error)
{
  g_autoptr(GBytes) png = tiny_png ();
  g_autoptr(JsonObject) fields = object_from ("{\"purpose\": \"photo\", \"file_name\": \"front.png\","
                                              " \"location_id\": \"" LOC_A "\"}");

  return vb_cache_enqueue_upload (cache, id, path, "image/png", png, fields, error);
}

/* Run as "test-cache --child-crash-upload PATH": enqueue a photo, say so,
 * die at once. */
static int
child_crash_upload (const char *path)
{
  g_autoptr(GError) error = NULL;
  VbCache *cache = vb_cache_open (path, &error);
  gint64 seq = cache != NULL ? enqueue_upload (cache, ATT_1, UPLOAD_PATH, &error) : 0;

  if (seq <= 0)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("committed %" G_GINT64_FORMAT "\n", seq);
  fflush (stdout);
  kill (getpid (), SIGKILL);
  return 2;
}

/* A photo taken offline survives a crash right after the enqueue, shows
 * in the local views with its bytes, and the bytes leave the outbox once
 * the server's row is pulled; a refused upload keeps them. */
static void
test_upload (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = tiny_png ();
  g_autoptr(GBytes) local_bytes = NULL;
  g_autoptr(GBytes) kept = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(VbOutboxEntry) entry = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "/proc/self/exe", "--child-crash-upload", fixture->path, NULL };
  gint64 refused, seq;
  int status;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  g_assert_true (g_str_has_prefix (out, "committed 1\n"));

  fixture_reopen (fixture);
  g_assert_cmpuint (vb_cache_count_pending (fixture->cache), ==, 1);
  entry = vb_cache_next_pending (fixture->cache);
  g_assert_cmpint (entry->seq, ==, 1);
  g_assert_cmpint (entry->kind, ==, VB_CHANGE_APPEND);
  g_assert_cmpstr (entry->entity, ==, "attachments");
  g_assert_cmpstr (entry->record_id, ==, ATT_1);
  g_assert_cmpstr (entry->method, ==, "POST");
  g_assert_cmpstr (entry->path, ==, UPLOAD_PATH);
  g_assert_null (entry->body);
  g_assert_cmpstr (entry->body_type, ==, "image/png");
  g_assert_nonnull (entry->body_bytes);
  g_assert_true (g_bytes_equal (entry->body_bytes, png));
  g_clear_pointer (&entry, vb_outbox_entry_free);

  /* The local view lists the photo at its location before the server
   * has it, and its bytes can be shown. */
  local = vb_cache_get (fixture->cache, "attachments", ATT_1);
  g_assert_cmpstr (string_of (local, "id"), ==, ATT_1);
  g_assert_cmpstr (string_of (local, "purpose"), ==, "photo");
  g_assert_cmpstr (string_of (local, "content_type"), ==, "image/png");
  g_assert_cmpint (json_object_get_int_member (local, "size_bytes"), ==, (gint64) g_bytes_get_size (png));
  list = vb_cache_list (fixture->cache, "attachments", LOC_A, NULL, FALSE, 0);
  g_assert_cmpuint (list->len, ==, 1);
  local_bytes = vb_cache_dup_upload_bytes (fixture->cache, ATT_1);
  g_assert_nonnull (local_bytes);
  g_assert_true (g_bytes_equal (local_bytes, png));
  g_clear_pointer (&local_bytes, g_bytes_unref);
  g_assert_null (vb_cache_dup_upload_bytes (fixture->cache, ATT_2));

  /* Applied but not pulled yet: the bytes are still the only copy here. */
  g_assert_true (vb_cache_finish_entry (fixture->cache, 1, VB_OUTBOX_APPLIED, 201, "{}", &error));
  g_assert_no_error (error);
  local_bytes = vb_cache_dup_upload_bytes (fixture->cache, ATT_1);
  g_assert_nonnull (local_bytes);
  g_clear_pointer (&local_bytes, g_bytes_unref);

  /* Pulled: the server's row shows, the outbox drops the file. */
  apply (fixture,
         "[{\"entity\": \"attachments\", \"id\": \"" ATT_1 "\", \"version\": 1, \"op\": \"upsert\","
         "  \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" ATT_1 "\", \"version\": 1,"
         "  \"location_id\": \"" LOC_A "\", \"purpose\": \"photo\", \"content_type\": \"image/png\","
         "  \"size_bytes\": 45, \"file_name\": \"front.png\", \"sha256\": \"abc\"}, \"at\": \"x\"}]", NULL);
  assert_views_equal (fixture, "attachments", ATT_1);
  g_assert_null (vb_cache_dup_upload_bytes (fixture->cache, ATT_1));
  entry = vb_cache_get_entry (fixture->cache, 1);
  g_assert_nonnull (entry);
  g_assert_null (entry->body_bytes);
  g_assert_cmpstr (entry->body_type, ==, "image/png");
  g_clear_pointer (&entry, vb_outbox_entry_free);

  /* The row pulled before the answer is recorded (a replay after a
   * crash): the pending upload keeps its bytes, the applied one drops them. */
  seq = enqueue_upload (fixture->cache, ATT_3, "/api/v1/attachments?id=" ATT_3 "&purpose=photo", &error);
  g_assert_no_error (error);
  apply (fixture,
         "[{\"entity\": \"attachments\", \"id\": \"" ATT_3 "\", \"version\": 1, \"op\": \"upsert\","
         "  \"location_id\": \"" LOC_A "\", \"row\": {\"id\": \"" ATT_3 "\", \"version\": 1,"
         "  \"location_id\": \"" LOC_A "\", \"purpose\": \"photo\"}, \"at\": \"x\"}]", NULL);
  local_bytes = vb_cache_dup_upload_bytes (fixture->cache, ATT_3);
  g_assert_nonnull (local_bytes);
  g_clear_pointer (&local_bytes, g_bytes_unref);
  g_assert_true (vb_cache_finish_entry (fixture->cache, seq, VB_OUTBOX_APPLIED, 200, "{}", &error));
  g_assert_no_error (error);
  g_assert_null (vb_cache_dup_upload_bytes (fixture->cache, ATT_3));

  /* A refused upload is the user's unsent work: its bytes stay. */
  refused = enqueue_upload (fixture->cache, ATT_2, "/api/v1/attachments?id=" ATT_2 "&purpose=photo", &error);
  g_assert_no_error (error);
  g_assert_true (vb_cache_finish_entry (fixture->cache, refused, VB_OUTBOX_REFUSED, 415,
                                        "{\"error\": {\"code\": \"unsupported_media_type\"}}", &error));
  g_assert_no_error (error);
  g_assert_null (vb_cache_get (fixture->cache, "attachments", ATT_2));
  kept = vb_cache_dup_upload_bytes (fixture->cache, ATT_2);
  g_assert_nonnull (kept);
  g_assert_true (g_bytes_equal (kept, png));
}

/* ------------------------------------------------------------ crash --- */

/* Run as "test-cache --child-crash PATH": enqueue, say so, die at once. */
static int
child_crash (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) fields = object_from ("{\"id\": \"" CUST_2 "\", \"given_name\": \"Durable\","
                                              " \"family_name\": \"Vo\", \"kind\": \"person\"}");
  VbCache *cache = vb_cache_open (path, &error);
  gint64 seq;

  if (cache == NULL)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  seq = vb_cache_enqueue (cache, VB_CHANGE_CREATE, "customers", CUST_2, "POST", "/api/v1/customers",
                          fields, fields, &error);
  if (seq <= 0)
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  g_print ("committed %" G_GINT64_FORMAT "\n", seq);
  fflush (stdout);
  kill (getpid (), SIGKILL);
  return 2;
}

static void
test_crash (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(VbOutboxEntry) entry = NULL;
  const char *argv[] = { "/proc/self/exe", "--child-crash", fixture->path, NULL };
  int status;

  /* The child opens the file while this process holds it open too, as a
   * second app instance would. */
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFSIGNALED (status));
  g_assert_cmpint (WTERMSIG (status), ==, SIGKILL);
  g_assert_true (g_str_has_prefix (out, "committed 1\n"));

  fixture_reopen (fixture);
  g_assert_cmpuint (vb_cache_count_pending (fixture->cache), ==, 1);
  entry = vb_cache_next_pending (fixture->cache);
  g_assert_cmpint (entry->seq, ==, 1);
  g_assert_cmpstr (entry->record_id, ==, CUST_2);
  local = vb_cache_get (fixture->cache, "customers", CUST_2);
  g_assert_cmpstr (string_of (local, "given_name"), ==, "Durable");
  g_assert_cmpuint (count_hits (fixture, "durable", "customers", CUST_2), ==, 1);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *data_home = NULL;
  int status;

  if (argc == 3 && g_str_equal (argv[1], "--child-crash"))
    return child_crash (argv[2]);
  if (argc == 3 && g_str_equal (argv[1], "--child-crash-upload"))
    return child_crash_upload (argv[2]);

  /* vb_cache_default_path() creates directories: a private XDG data dir.
   * Rejected: G_TEST_OPTION_ISOLATE_DIRS, whose strings GLib 2.74 leaks
   * (LeakSanitizer fails the ASan run). */
  data_home = g_dir_make_tmp ("voltbay-cache-data-XXXXXX", NULL);
  g_assert_nonnull (data_home);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) g_test_add ("/cache/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("open", test_open);
  g_test_add_func ("/cache/open-error", test_open_error);
  g_test_add_func ("/cache/default-path", test_default_path);
  ADD ("pull", test_pull);
  ADD ("pull-erased", test_pull_erased);
  ADD ("pull-erasure-scrubs", test_pull_erasure_scrubs);
  ADD ("outbox/update-rebase", test_update_rebase);
  ADD ("outbox/refused-update", test_refused_update);
  ADD ("outbox/refused-create", test_refused_create);
  ADD ("outbox/create-applied", test_create_applied);
  ADD ("outbox/append-action-delete", test_append_action_delete);
  ADD ("outbox/move", test_move);
  ADD ("outbox/numbering", test_numbering);
  ADD ("checksum", test_checksum);
  ADD ("search", test_search);
  ADD ("crash", test_crash);
  ADD ("outbox/upload", test_upload);
#undef ADD
  status = g_test_run ();
  remove_tree (data_home);
  return status;
}
