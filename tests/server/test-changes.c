/* test-changes.c — the change feed never misses a change, whatever order
 * concurrent transactions commit in, and shows each caller only what its
 * permissions and locations allow. */
#include "vb-test.h"

#include <string.h>

#define N_WRITERS 20
#define TX_PER_WRITER 20

typedef struct
{
  VbTestServer *server;
  guint         writer;
  const char   *watched_location;   /* updated now and then */
  GPtrArray    *committed;          /* "id/version", filled by the writer */
  guint         watched_updates;
} Writer;

/* Each transaction takes its feed position at INSERT time and then lingers
 * a random while before COMMIT, so commit order differs from seq order. */
static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  g_autoptr(VbDbConn) db = vb_test_server_db (w->server);
  g_autoptr(GRand) rand = g_rand_new_with_seed (w->writer);

  for (guint i = 0; i < TX_PER_WRITER; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *code = g_strdup_printf ("W%02u-%03u", w->writer, i);
      g_autoptr(PGresult) begin = vb_db_exec (db, "BEGIN", 0, NULL, &error);
      g_autoptr(PGresult) ins = vb_db_execv (db, &error,
        "INSERT INTO locations (code, name) VALUES ($1, $1) RETURNING id::text || '/' || version", code);
      g_autoptr(PGresult) upd = NULL;
      g_autoptr(PGresult) commit = NULL;

      g_assert_no_error (error);
      g_ptr_array_add (w->committed, g_strdup (vb_db_get (ins, 0, 0)));
      if (i % 7 == w->writer % 7)
        {
          upd = vb_db_execv (db, &error,
                             "UPDATE locations SET address = $2 WHERE id = $1::uuid"
                             " RETURNING id::text || '/' || version", w->watched_location, code);
          g_assert_no_error (error);
          g_ptr_array_add (w->committed, g_strdup (vb_db_get (upd, 0, 0)));
          w->watched_updates++;
        }
      g_usleep (g_rand_int_range (rand, 0, 30000));
      commit = vb_db_exec (db, "COMMIT", 0, NULL, &error);
      g_assert_no_error (error);
    }
  return NULL;
}

typedef struct
{
  char       *cursor;
  GHashTable *seen;      /* "id/version" → count */
  guint       reads;
  gboolean    held_back; /* the last page's */
} Reader;

static void
reader_clear (Reader *r)
{
  g_free (r->cursor);
  g_hash_table_unref (r->seen);
}

/* One page; returns has_more. */
static gboolean
read_page (VbTestServer *s,
           const char   *token,
           Reader       *r)
{
  g_autofree char *path = r->cursor ? g_strdup_printf ("/api/v1/changes?limit=50&since=%s", r->cursor)
                                    : g_strdup ("/api/v1/changes?limit=50");
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (s, "GET", path, token, NULL, &status);
  JsonObject *root;
  JsonArray *items;

  g_assert_cmpuint (status, ==, 200);
  root = json_node_get_object (reply);
  items = json_object_get_array_member (root, "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *e = json_array_get_object_element (items, i);
      g_autofree char *key = NULL;

      if (!g_str_equal (json_object_get_string_member (e, "entity"), "locations"))
        continue;
      key = g_strdup_printf ("%s/%" G_GINT64_FORMAT, json_object_get_string_member (e, "id"),
                             json_object_get_int_member (e, "version"));
      g_hash_table_replace (r->seen, g_strdup (key),
                            GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (r->seen, key)) + 1));
    }
  g_free (r->cursor);
  r->cursor = g_strdup (json_object_get_string_member (root, "next_cursor"));
  r->reads++;
  r->held_back = json_object_get_boolean_member (root, "held_back");
  return json_object_get_boolean_member (root, "has_more");
}

static void
read_to_end (VbTestServer *s, const char *token, Reader *r)
{
  while (read_page (s, token, r))
    ;
}

static void
test_concurrent_writers_never_missed (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (s, "boss@example.com", NULL);
  g_autoptr(VbDbConn) db = vb_test_server_db (s);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) watched = vb_db_execv (db, &error,
    "INSERT INTO locations (code, name) VALUES ($1, $1) RETURNING id", "WATCHED");
  const char *watched_id = vb_db_get (watched, 0, 0);
  g_autofree char *manager = NULL;
  Writer writers[N_WRITERS];
  GThread *threads[N_WRITERS];
  Reader all = { NULL, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0, FALSE };
  Reader scoped = { NULL, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0, FALSE };
  guint expected = 0, watched_expected = 0, running;

  g_assert_no_error (error);
  manager = vb_test_user_token (s, "minh@example.com", "manager", "WATCHED");
  for (guint i = 0; i < N_WRITERS; i++)
    {
      writers[i] = (Writer) { s, i, watched_id, g_ptr_array_new_with_free_func (g_free), 0 };
      threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
    }
  /* Poll throughout, as a client would. */
  do
    {
      read_to_end (s, admin, &all);
      running = 0;
      for (guint i = 0; i < N_WRITERS; i++)
        running += writers[i].committed->len < TX_PER_WRITER;
      g_usleep (5000);
    }
  while (running > 0);
  for (guint i = 0; i < N_WRITERS; i++)
    g_thread_join (threads[i]);
  read_to_end (s, admin, &all);
  read_to_end (s, manager, &scoped);

  for (guint i = 0; i < N_WRITERS; i++)
    {
      for (guint j = 0; j < writers[i].committed->len; j++)
        {
          const char *key = writers[i].committed->pdata[j];
          guint count = GPOINTER_TO_UINT (g_hash_table_lookup (all.seen, key));

          if (count != 1)
            g_error ("change %s seen %u times by the polling reader", key, count);
          if (g_str_has_prefix (key, watched_id))
            {
              g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (scoped.seen, key)), ==, 1);
              watched_expected++;
            }
          expected++;
        }
      g_ptr_array_unref (writers[i].committed);
    }
  g_test_message ("%u changes, %u reads while writing", expected, all.reads);
  g_assert_cmpuint (expected, >=, N_WRITERS * TX_PER_WRITER);
  g_assert_cmpuint (all.reads, >, 10);
  /* The admin also saw the WATCHED insert; the manager sees its location
   * only: the insert of WATCHED plus every update of it. */
  g_assert_cmpuint (g_hash_table_size (scoped.seen), ==, watched_expected + 1);
  reader_clear (&all);
  reader_clear (&scoped);
}

static void
test_open_transaction_holds_feed_back (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (s, "boss@example.com", NULL);
  g_autoptr(VbDbConn) slow = vb_test_server_db (s);
  g_autoptr(VbDbConn) fast = vb_test_server_db (s);
  g_autoptr(GError) error = NULL;
  Reader r = { NULL, g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL), 0, FALSE };
  g_autoptr(PGresult) b = NULL, i1 = NULL, i2 = NULL, c = NULL;

  read_to_end (s, admin, &r);
  g_hash_table_remove_all (r.seen);
  /* The slow transaction takes the earlier feed position... */
  b = vb_db_exec (slow, "BEGIN", 0, NULL, &error);
  i1 = vb_db_execv (slow, &error, "INSERT INTO locations (code, name) VALUES ($1, $1)", "SLOW");
  /* ...the fast one commits first. */
  i2 = vb_db_execv (fast, &error, "INSERT INTO locations (code, name) VALUES ($1, $1)", "FAST");
  g_assert_no_error (error);
  read_to_end (s, admin, &r);
  /* Nothing past the open transaction is handed out yet, and the reader
   * is told that committed changes wait (no push will come for them). */
  g_assert_cmpuint (g_hash_table_size (r.seen), ==, 0);
  g_assert_true (r.held_back);
  c = vb_db_exec (slow, "COMMIT", 0, NULL, &error);
  g_assert_no_error (error);
  read_to_end (s, admin, &r);
  g_assert_cmpuint (g_hash_table_size (r.seen), ==, 2);
  g_assert_false (r.held_back);
  reader_clear (&r);
}

static void
test_bad_cursor (void)
{
  g_autoptr(VbTestServer) s = vb_test_server_start (NULL);
  g_autofree char *desk = vb_test_user_token (s, "desk@example.com", "reception", NULL);
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_test_request (s, "GET", "/api/v1/changes?since=garbage!", desk, NULL, &status);
  g_autoptr(JsonNode) anon = vb_test_request (s, "GET", "/api/v1/changes", NULL, NULL, &status);

  g_assert_cmpuint (status, ==, 401);
  vb_test_assert_error (reply, "validation_failed", "since");
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/changes/concurrent-writers-never-missed", test_concurrent_writers_never_missed);
  g_test_add_func ("/changes/open-transaction-holds-feed-back", test_open_transaction_holds_feed_back);
  g_test_add_func ("/changes/bad-cursor", test_bad_cursor);
  return g_test_run ();
}
