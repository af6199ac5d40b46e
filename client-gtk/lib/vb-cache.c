/* vb-cache.c — the offline cache and durable outbox (see the header and
 * docs/sync.md, "The client cache").
 *
 * Everything is one SQLite file.  records holds, per (entity, id), the
 * server's row as pulled and the local view; outbox holds the user's
 * changes in order; meta holds the feed cursor, the client id and the next
 * Voltbay-Mutation number; search is an FTS5 index of the local views of
 * customers, vehicles and work orders, keyed by the record's rowid so it is
 * updated in place.
 *
 * The local view is never edited directly: every write (pull, enqueue,
 * answer) changes server_row or the outbox and then recomputes local_row
 * from them (recompute_record()), so the two can never drift apart.
 *
 * Statements are prepared per use with bound parameters: preparing costs
 * microseconds, and no cached statement can be reset under a caller that is
 * still stepping it.  Rejected: caching prepared statements (a measurable
 * gain only for pages of thousands of changes, which are rare).
 */
#include "vb-cache.h"
#include "vb-client-error.h"

#include "vb-json.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

#define BUSY_TIMEOUT_MS 5000
/* Applied entries no longer shown in any local view are kept this long
 * (for support: what was sent when), then dropped at open. */
/* The table the feed names attachments by (uploads are its changes). */
#define UPLOAD_ENTITY "attachments"
#define APPLIED_RETENTION_US (G_GINT64_CONSTANT (30) * 24 * 3600 * G_USEC_PER_SEC)

struct _VbCache
{
  GObject     parent_instance;
  sqlite3    *db;
  char       *path;
  char       *client_id;
  guint64     commits;        /* our COMMITs, so a memo knows it is stale */
  /* The last full-text query's matches, ranked, as entity → GArray of
   * rids: a search field asks once per entity for the same text. */
  char       *memo_query;
  guint64     memo_commits;
  gint64      memo_data_version;
  GHashTable *memo_matches;
};

G_DEFINE_FINAL_TYPE (VbCache, vb_cache, G_TYPE_OBJECT)
G_DEFINE_QUARK (vb-cache-error-quark, vb_cache_error)

enum {
  RECORDS_CHANGED,
  CHANGED,
  OUTBOX_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------ migrations --- */

/* Each script runs in its own transaction with PRAGMA user_version set to
 * its index + 1; append, never edit a released one. */
static const char * const migrations[] = {
  /* 1: the first schema. */
  "CREATE TABLE meta ("
  "  key   TEXT PRIMARY KEY,"
  "  value TEXT NOT NULL"
  ");"
  /* rid is the FTS rowid; UPSERTs keep it, REPLACE would not. */
  "CREATE TABLE records ("
  "  rid         INTEGER PRIMARY KEY,"
  "  entity      TEXT NOT NULL,"
  "  id          TEXT NOT NULL,"
  "  location_id TEXT,"
  "  version     INTEGER NOT NULL DEFAULT 0,"  /* 0: never seen on the server */
  "  server_row  TEXT,"
  "  local_row   TEXT,"
  "  deleted     INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (entity, id)"
  ");"
  "CREATE INDEX records_entity_location ON records (entity, location_id);"
  "CREATE TABLE outbox ("
  "  seq          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  number       INTEGER UNIQUE,"
  "  kind         TEXT NOT NULL CHECK (kind IN ('create', 'update', 'append', 'action')),"
  "  state        TEXT NOT NULL DEFAULT 'pending'"
  "               CHECK (state IN ('pending', 'applied', 'refused', 'conflict')),"
  "  entity       TEXT NOT NULL,"
  "  record_id    TEXT NOT NULL,"
  "  method       TEXT NOT NULL,"
  "  path         TEXT NOT NULL,"
  "  body         TEXT,"
  "  fields       TEXT,"
  "  base         TEXT,"
  "  base_version INTEGER NOT NULL DEFAULT 0,"
  "  status       INTEGER NOT NULL DEFAULT 0,"
  "  reply        TEXT,"
  "  created_at   INTEGER NOT NULL,"
  "  dismissed    INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX outbox_record ON outbox (entity, record_id, seq);"
  "CREATE INDEX outbox_state ON outbox (state, seq);"
  /* remove_diacritics 2: "nguyen" finds "Nguyễn". */
  "CREATE VIRTUAL TABLE search USING fts5 ("
  "  entity UNINDEXED, id UNINDEXED, title, text,"
  "  tokenize = 'unicode61 remove_diacritics 2'"
  ");",
  /* 2: binary bodies (photos taken offline, issue #5): the file itself
   * waits in the outbox, so an upload is as durable as any other change. */
  "ALTER TABLE outbox ADD COLUMN body_bytes BLOB;"
  "ALTER TABLE outbox ADD COLUMN body_type TEXT;",
};

/* ------------------------------------------------------- utilities --- */

static gboolean
db_error (VbCache     *self,
          GError     **error,
          const char  *what)
{
  g_set_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_DATABASE, "%s: %s (%s)",
               what, sqlite3_errmsg (self->db), self->path);
  return FALSE;
}

static sqlite3_stmt *
prepare (VbCache     *self,
         const char  *sql,
         GError     **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      db_error (self, error, "Cannot prepare a cache query");
      return NULL;
    }
  return stmt;
}

/* Steps a statement that returns no rows (or whose rows are not needed). */
static gboolean
step_done (VbCache      *self,
           sqlite3_stmt *stmt,
           GError      **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    ;
  if (rc != SQLITE_DONE)
    return db_error (self, error, "Cannot write the cache");
  return TRUE;
}

static gboolean
exec (VbCache     *self,
      const char  *sql,
      GError     **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_DATABASE, "%s (%s)",
                   message != NULL ? message : sqlite3_errmsg (self->db), self->path);
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

/* IMMEDIATE: take the write lock up front, so a transaction never fails
 * half-way with SQLITE_BUSY on its first write. */
static gboolean
begin (VbCache  *self,
       GError  **error)
{
  return exec (self, "BEGIN IMMEDIATE", error);
}

static gboolean
commit (VbCache  *self,
        GError  **error)
{
  if (exec (self, "COMMIT", error))
    {
      self->commits++;
      return TRUE;
    }
  exec (self, "ROLLBACK", NULL);
  return FALSE;
}

static gboolean
rollback (VbCache *self)
{
  if (sqlite3_get_autocommit (self->db) == 0)
    exec (self, "ROLLBACK", NULL);
  return FALSE;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/* Runs sql once with ?1 entity and ?2 id. */
static gboolean
exec_for_record (VbCache     *self,
                 const char  *sql,
                 const char  *entity,
                 const char  *id,
                 GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, entity);
  bind_text (stmt, 2, id);
  return step_done (self, stmt, error);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  if (text == NULL)
    return NULL;
  object = vb_json_parse_object (text, -1, &error);
  if (object == NULL)
    g_warning ("Ignoring a corrupt JSON row in the cache: %s", error->message);
  return object;
}

static char *
object_to_string (JsonObject *object)
{
  return object != NULL ? vb_json_object_to_string (object, NULL) : NULL;
}

static void
merge_members (JsonObject *target,
               JsonObject *source)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, source);
  while (json_object_iter_next (&iter, &name, &node))
    json_object_set_member (target, name, json_node_copy (node));
}

static JsonObject *
copy_object (JsonObject *object)
{
  JsonObject *copy = json_object_new ();

  merge_members (copy, object);
  return copy;
}

/* For g_ptr_array_sort(), which passes pointers to the elements. */
static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static const char * const kind_names[] = { "create", "update", "append", "action" };
static const char * const state_names[] = { "pending", "applied", "refused", "conflict" };

static guint
name_index (const char * const *names,
            guint               n_names,
            const char         *name)
{
  for (guint i = 0; i < n_names; i++)
    if (g_strcmp0 (names[i], name) == 0)
      return i;
  return 0;
}

/* ---------------------------------------------------------- search --- */

static const char *
member_string (JsonObject *row,
               const char *member)
{
  JsonNode *node = json_object_get_member (row, member);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

static void
append_word (GString    *text,
             const char *word)
{
  if (word == NULL || *word == '\0')
    return;
  if (text->len > 0)
    g_string_append_c (text, ' ');
  g_string_append (text, word);
}

/* "0903 123-456" is also indexed as "0903123456", so a prefix typed
 * without the separators finds it. */
static void
append_digits (GString    *text,
               const char *value)
{
  g_autoptr(GString) digits = g_string_new (NULL);

  for (const char *p = value; p != NULL && *p != '\0'; p++)
    if (g_ascii_isalnum (*p))
      g_string_append_c (digits, *p);
  if (value != NULL && strcmp (digits->str, value) != 0)
    append_word (text, digits->str);
}

static void
append_array (GString    *text,
              JsonObject *row,
              const char *member,
              gboolean    digits)
{
  JsonNode *node = json_object_get_member (row, member);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_STRING)
        continue;
      append_word (text, json_node_get_string (element));
      if (digits)
        append_digits (text, json_node_get_string (element));
    }
}

static gboolean
is_searched (const char *entity)
{
  return g_str_equal (entity, "customers") || g_str_equal (entity, "vehicles") ||
         g_str_equal (entity, "work_orders");
}

/* The title and searchable text of a local view; FALSE for entities that
 * are not searched. */
static gboolean
search_document (const char  *entity,
                 JsonObject  *row,
                 char       **title_out,
                 char       **text_out)
{
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);

  if (g_str_equal (entity, "customers"))
    {
      const char *fields[] = { "given_name", "family_name", "company_name", "display_name" };

      append_word (title, member_string (row, "display_name"));
      if (title->len == 0)
        {
          append_word (title, member_string (row, "given_name"));
          append_word (title, member_string (row, "family_name"));
        }
      if (title->len == 0)
        append_word (title, member_string (row, "company_name"));
      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        append_word (text, member_string (row, fields[i]));
      append_array (text, row, "phones", TRUE);
      append_array (text, row, "emails", FALSE);
    }
  else if (g_str_equal (entity, "vehicles"))
    {
      const char *plate = member_string (row, "plate");

      append_word (title, plate != NULL && *plate != '\0' ? plate : member_string (row, "vin"));
      append_word (title, member_string (row, "make"));
      append_word (title, member_string (row, "model"));
      append_word (text, plate);
      append_digits (text, plate);
      append_word (text, member_string (row, "vin"));
      append_word (text, member_string (row, "make"));
      append_word (text, member_string (row, "model"));
    }
  else if (g_str_equal (entity, "work_orders"))
    {
      const char *concerns = member_string (row, "concerns");
      JsonNode *number = json_object_get_member (row, "number");

      if (number != NULL && JSON_NODE_HOLDS_VALUE (number) &&
          json_node_get_value_type (number) == G_TYPE_INT64)
        {
          g_string_append_printf (title, "#%" G_GINT64_FORMAT, json_node_get_int (number));
          g_string_append_printf (text, "%" G_GINT64_FORMAT, json_node_get_int (number));
        }
      if (concerns != NULL && *concerns != '\0')
        {
          /* The first line, at most 60 characters, as a hint. */
          g_autofree char *line = g_strndup (concerns, strcspn (concerns, "\n"));
          g_autofree char *shortened = g_utf8_substring (line, 0, MIN (g_utf8_strlen (line, -1), 60));

          append_word (title, shortened);
          append_word (text, concerns);
        }
    }
  else
    return FALSE;

  *title_out = g_string_free (g_steal_pointer (&title), FALSE);
  *text_out = g_string_free (g_steal_pointer (&text), FALSE);
  return TRUE;
}

static gboolean
index_record (VbCache     *self,
              gint64       rid,
              const char  *entity,
              const char  *id,
              JsonObject  *local,
              GError     **error)
{
  g_autoptr(sqlite3_stmt) del = NULL;
  g_autoptr(sqlite3_stmt) ins = NULL;
  g_autofree char *title = NULL;
  g_autofree char *text = NULL;

  if (!is_searched (entity))
    return TRUE;

  del = prepare (self, "DELETE FROM search WHERE rowid = ?1", error);
  if (del == NULL)
    return FALSE;
  sqlite3_bind_int64 (del, 1, rid);
  if (!step_done (self, del, error))
    return FALSE;
  if (local == NULL || !search_document (entity, local, &title, &text))
    return TRUE;

  ins = prepare (self, "INSERT INTO search (rowid, entity, id, title, text) VALUES (?1, ?2, ?3, ?4, ?5)", error);
  if (ins == NULL)
    return FALSE;
  sqlite3_bind_int64 (ins, 1, rid);
  bind_text (ins, 2, entity);
  bind_text (ins, 3, id);
  bind_text (ins, 4, title);
  bind_text (ins, 5, text);
  return step_done (self, ins, error);
}

/* ------------------------------------------------------ local views --- */

/* Where the local view says the record belongs, for vb_cache_list(): a
 * pending move shows at once.  NULL (keep the feed's location_id) for rows
 * without these members, such as locations themselves. */
static const char *
local_location (JsonObject *local)
{
  const char *location = member_string (local, "location_id");

  return location != NULL ? location : member_string (local, "preferred_location_id");
}

/* local_row := server_row (unless deleted) with the fields of each change
 * still to show applied on top in outbox order.  A change still shows
 * while pending, and once applied until a pull brings a version past the
 * one it was made on (so the view does not flicker back to the old row
 * between the answer and the pull).  A record the server never had and
 * that no change creates any more is removed. */
static gboolean
recompute_record (VbCache     *self,
                  const char  *entity,
                  const char  *id,
                  GError     **error)
{
  g_autoptr(sqlite3_stmt) rec = NULL;
  g_autoptr(sqlite3_stmt) changes = NULL;
  g_autoptr(sqlite3_stmt) write = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autofree char *local_text = NULL;
  gint64 rid, version;
  gboolean deleted;
  int rc;

  rec = prepare (self, "SELECT rid, version, server_row, deleted FROM records WHERE entity = ?1 AND id = ?2", error);
  if (rec == NULL)
    return FALSE;
  bind_text (rec, 1, entity);
  bind_text (rec, 2, id);
  rc = sqlite3_step (rec);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (rc != SQLITE_ROW)
    return db_error (self, error, "Cannot read the cache");
  rid = sqlite3_column_int64 (rec, 0);
  version = sqlite3_column_int64 (rec, 1);
  deleted = sqlite3_column_int (rec, 3) != 0;
  if (!deleted)
    local = parse_object ((const char *) sqlite3_column_text (rec, 2));

  changes = prepare (self,
                     "SELECT kind, method, fields FROM outbox"
                     " WHERE entity = ?1 AND record_id = ?2"
                     "   AND (state = 'pending' OR (state = 'applied' AND base_version >= ?3))"
                     " ORDER BY seq", error);
  if (changes == NULL)
    return FALSE;
  bind_text (changes, 1, entity);
  bind_text (changes, 2, id);
  sqlite3_bind_int64 (changes, 3, version);
  while (!deleted && (rc = sqlite3_step (changes)) == SQLITE_ROW)
    {
      const char *kind = (const char *) sqlite3_column_text (changes, 0);
      const char *method = (const char *) sqlite3_column_text (changes, 1);
      g_autoptr(JsonObject) fields = parse_object ((const char *) sqlite3_column_text (changes, 2));
      gboolean creates = g_strcmp0 (kind, "create") == 0 || g_strcmp0 (kind, "append") == 0;

      if (g_strcmp0 (method, "DELETE") == 0 && !creates)
        g_clear_pointer (&local, json_object_unref);
      else if (local == NULL && creates)
        local = fields != NULL ? copy_object (fields) : json_object_new ();
      else if (local != NULL && fields != NULL)
        merge_members (local, fields);
      /* else: a change of a record that does not exist here; the server
       * will refuse it, and there is nothing to show meanwhile. */
    }
  if (!deleted && rc != SQLITE_DONE)
    return db_error (self, error, "Cannot read the outbox");

  if (!index_record (self, rid, entity, id, local, error))
    return FALSE;

  if (local == NULL && version == 0 && !deleted)
    {
      write = prepare (self, "DELETE FROM records WHERE rid = ?1", error);
      if (write == NULL)
        return FALSE;
      sqlite3_bind_int64 (write, 1, rid);
      return step_done (self, write, error);
    }

  local_text = object_to_string (local);
  write = prepare (self,
                   "UPDATE records SET local_row = ?2, location_id = coalesce(?3, location_id)"
                   " WHERE rid = ?1", error);
  if (write == NULL)
    return FALSE;
  sqlite3_bind_int64 (write, 1, rid);
  bind_text (write, 2, local_text);
  bind_text (write, 3, local != NULL ? local_location (local) : NULL);
  return step_done (self, write, error);
}

/* Makes sure a record row exists (for a change of a record never pulled). */
static gboolean
ensure_record (VbCache     *self,
               const char  *entity,
               const char  *id,
               GError     **error)
{
  return exec_for_record (self, "INSERT INTO records (entity, id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                          entity, id, error);
}

/* ------------------------------------------------------------ meta --- */

static char *
meta_get (VbCache    *self,
          const char *key)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT value FROM meta WHERE key = ?1", NULL);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, key);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return column_dup (stmt, 0);
}

static gboolean
meta_set (VbCache     *self,
          const char  *key,
          const char  *value,
          GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (value == NULL)
    stmt = prepare (self, "DELETE FROM meta WHERE key = ?1", error);
  else
    stmt = prepare (self,
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, key);
  if (value != NULL)
    bind_text (stmt, 2, value);
  return step_done (self, stmt, error);
}

/* ------------------------------------------------------ the object --- */

static void
vb_cache_finalize (GObject *object)
{
  VbCache *self = VB_CACHE (object);

  /* sqlite3_close_v2 defers the close if a statement leaked, instead of
   * failing and leaking the handle. */
  g_clear_pointer (&self->db, sqlite3_close_v2);
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->client_id, g_free);
  g_clear_pointer (&self->memo_query, g_free);
  g_clear_pointer (&self->memo_matches, g_hash_table_unref);
  G_OBJECT_CLASS (vb_cache_parent_class)->finalize (object);
}

static void
vb_cache_class_init (VbCacheClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_cache_finalize;

  /* entity, ids: the records of one entity a commit changed (before ::changed). */
  signals[RECORDS_CHANGED] =
    g_signal_new ("records-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRV);
  /* entities: the distinct entity names whose local views changed. */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRV);
  signals[OUTBOX_CHANGED] =
    g_signal_new ("outbox-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
vb_cache_init (VbCache *self)
{
}

static void
emit_changed (VbCache    *self,
              const char *entity,
              const char *id)
{
  const char *entities[] = { entity, NULL };
  const char *ids[] = { id, NULL };

  g_signal_emit (self, signals[RECORDS_CHANGED], 0, entity, ids);
  g_signal_emit (self, signals[CHANGED], 0, entities);
}

static char *
sanitize (const char *name)
{
  char *safe = g_strdup (name != NULL && *name != '\0' ? name : "_");

  for (char *p = safe; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      *p = '_';
  /* "." and ".." must not walk the tree. */
  if (safe[0] == '.')
    safe[0] = '_';
  return safe;
}

char *
vb_cache_default_path (const char *server_key,
                       const char *user_id)
{
  g_autofree char *server = sanitize (server_key);
  g_autofree char *user = sanitize (user_id);
  g_autofree char *file = g_strconcat (user, ".sqlite", NULL);
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "voltbay", "caches", server, NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_warning ("Cannot create %s: %s", dir, g_strerror (errno));
  return g_build_filename (dir, file, NULL);
}

/* A new file's name is durable only once its directory is synced (SQLite
 * does this for the -wal file it creates, not for the database file). */
static void
sync_directory (const char *dir)
{
  int fd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);

  if (fd < 0 || fsync (fd) != 0)
    g_warning ("Cannot sync %s: %s", dir, g_strerror (errno));
  if (fd >= 0)
    close (fd);
}

/* Creates the file 0600 before SQLite sees it (SQLite would use the umask),
 * and tightens an existing one; the -wal and -shm files inherit the mode. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  struct stat st;
  int fd, saved;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    sync_directory (dir);
  else if (errno == EEXIST)
    fd = g_open (path, O_RDWR | O_CLOEXEC, 0);
  if (fd < 0 || fstat (fd, &st) != 0 ||
      ((st.st_mode & 0077) != 0 && fchmod (fd, 0600) != 0))
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "Cannot create the cache %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* Lists sort text as the user's language does ("Đỗ" next to "Do", not
 * after "Z"); SQLite only knows byte order. */
static int
collate_locale (void       *data,
                int         length_a,
                const void *a,
                int         length_b,
                const void *b)
{
  g_autofree char *text_a = g_strndup (a, length_a);
  g_autofree char *text_b = g_strndup (b, length_b);

  return g_utf8_collate (text_a, text_b);
}

static gboolean
configure (VbCache  *self,
           GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  if (sqlite3_create_collation (self->db, "LOCALE", SQLITE_UTF8, NULL, collate_locale) != SQLITE_OK)
    return db_error (self, error, "Cannot set up the cache");
  /* journal_mode answers with the mode it got: an NFS home or a read-only
   * directory silently stays in rollback mode, which we want to know. */
  stmt = prepare (self, "PRAGMA journal_mode = WAL", error);
  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return db_error (self, error, "Cannot switch the cache to WAL");
  if (g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") != 0)
    {
      g_set_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_DATABASE,
                   "The cache %s cannot use write-ahead logging (journal mode %s)",
                   self->path, sqlite3_column_text (stmt, 0));
      return FALSE;
    }
  /* FULL: a commit is on disk when COMMIT returns, even in WAL mode (NORMAL
   * could lose the last commits on power loss).  secure_delete: erased
   * customer data is overwritten, not left in free pages. */
  return exec (self,
               "PRAGMA synchronous = FULL;"
               "PRAGMA foreign_keys = ON;"
               "PRAGMA secure_delete = ON;", error);
}

static gboolean
read_user_version (VbCache  *self,
                   gint64   *version,
                   GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "PRAGMA user_version", error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return db_error (self, error, "Cannot read the cache's schema version");
  *version = sqlite3_column_int64 (stmt, 0);
  if (*version > (gint64) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_DATABASE,
                   "The cache %s was written by a newer Voltbay (schema %" G_GINT64_FORMAT ")",
                   self->path, *version);
      return FALSE;
    }
  return TRUE;
}

/* Runs migration i, unless another process did meanwhile: the version is
 * read again inside the write transaction. */
static gboolean
run_migration (VbCache  *self,
               guint     i,
               GError  **error)
{
  g_autofree char *set_version = NULL;
  gint64 current;

  if (!begin (self, error))
    return FALSE;
  if (!read_user_version (self, &current, error))
    return rollback (self);
  if (current > i)
    return commit (self, error);
  /* Not data: the version is our own constant. */
  set_version = g_strdup_printf ("PRAGMA user_version = %u", i + 1);
  if (!exec (self, migrations[i], error) || !exec (self, set_version, error) ||
      !commit (self, error))
    return rollback (self);
  return TRUE;
}

static gboolean
migrate (VbCache  *self,
         GError  **error)
{
  gint64 current;

  if (!read_user_version (self, &current, error))
    return FALSE;
  for (guint i = (guint) current; i < G_N_ELEMENTS (migrations); i++)
    if (!run_migration (self, i, error))
      return FALSE;
  return TRUE;
}

/* The client id is made once, in a transaction, so two processes opening a
 * new file agree on it. */
static gboolean
load_client_id (VbCache  *self,
                GError  **error)
{
  g_autofree char *fresh = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  self->client_id = meta_get (self, "client_id");
  if (self->client_id != NULL)
    return TRUE;
  fresh = g_uuid_string_random ();
  if (!begin (self, error))
    return FALSE;
  stmt = prepare (self, "INSERT INTO meta (key, value) VALUES ('client_id', ?1) ON CONFLICT DO NOTHING", error);
  if (stmt == NULL)
    return rollback (self);
  bind_text (stmt, 1, fresh);
  if (!step_done (self, stmt, error) || !commit (self, error))
    return rollback (self);
  self->client_id = meta_get (self, "client_id");
  if (self->client_id == NULL)
    return db_error (self, error, "Cannot read the client id");
  return TRUE;
}

static void
prune_outbox (VbCache *self)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  /* Only applied entries no view shows any more; problems stay until the
   * user has seen them, and are small. */
  stmt = prepare (self,
                  "DELETE FROM outbox WHERE state = 'applied' AND created_at < ?1"
                  " AND base_version < (SELECT version FROM records r"
                  "                     WHERE r.entity = outbox.entity AND r.id = outbox.record_id)",
                  &error);
  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, g_get_real_time () - APPLIED_RETENTION_US);
      step_done (self, stmt, &error);
    }
  if (error != NULL)
    g_warning ("%s", error->message);
}

VbCache *
vb_cache_open (const char  *path,
               GError     **error)
{
  g_autoptr(VbCache) self = NULL;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!create_private_file (path, error))
    return NULL;

  self = g_object_new (VB_TYPE_CACHE, NULL);
  self->path = g_strdup (path);
  rc = sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_DATABASE, "Cannot open the cache %s: %s",
                   path, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  sqlite3_extended_result_codes (self->db, 1);
  if (!configure (self, error) || !migrate (self, error) || !load_client_id (self, error))
    return NULL;
  prune_outbox (self);
  return g_steal_pointer (&self);
}

const char *
vb_cache_get_path (VbCache *self)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  return self->path;
}

const char *
vb_cache_get_client_id (VbCache *self)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  return self->client_id;
}

/* ------------------------------------------------------------ pull --- */

char *
vb_cache_dup_cursor (VbCache *self)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  return meta_get (self, "cursor");
}

static gboolean
protocol_error (GError     **error,
                guint        index,
                const char  *what)
{
  g_set_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL,
               "Change %u of the feed page has %s", index, what);
  return FALSE;
}

/* Erased data must leave the cache (docs/sync.md): the answered changes
 * of an erased record lose their contents.  Pending ones are the user's
 * unsent work and stay; the server refuses them. */
static gboolean
scrub_outbox (VbCache     *self,
              const char  *entity,
              const char  *id,
              GError     **error)
{
  return exec_for_record (self,
                          "UPDATE outbox SET body = NULL, body_bytes = NULL, fields = NULL, base = NULL,"
                          " reply = NULL WHERE entity = ?1 AND record_id = ?2 AND state <> 'pending'",
                          entity, id, error);
}

/* A photo's bytes wait in the outbox until the server has it: once the
 * upload is applied and the record's pulled version passed the entry's
 * base_version (the same rule that ends the entry's overlay), the
 * server's copy is the one to fetch and the blob only weighs on the file.
 * Checked after each pull of the record and after each applied answer
 * (a pull may bring the row first: a replayed upload after a crash).  The
 * rest of the entry stays until the usual pruning; refused uploads keep
 * their bytes (the user's unsent work, shown as a problem). */
static gboolean
drop_uploaded_bytes (VbCache     *self,
                     const char  *entity,
                     const char  *id,
                     GError     **error)
{
  return exec_for_record (self,
                          "UPDATE outbox SET body_bytes = NULL"
                          " WHERE entity = ?1 AND record_id = ?2 AND state = 'applied'"
                          "   AND body_bytes IS NOT NULL"
                          "   AND base_version < (SELECT version FROM records r"
                          "                       WHERE r.entity = outbox.entity AND r.id = outbox.record_id)",
                          entity, id, error);
}

static gboolean
is_erased (JsonObject *row)
{
  JsonNode *erased_at = row != NULL ? json_object_get_member (row, "erased_at") : NULL;

  return row == NULL || (erased_at != NULL && !JSON_NODE_HOLDS_NULL (erased_at));
}

static gboolean
apply_item (VbCache     *self,
            JsonNode    *node,
            guint        index,
            GHashTable  *touched,
            gboolean    *erased,
            GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *row_text = NULL;
  JsonObject *item, *row = NULL;
  const char *entity, *id, *op, *location = NULL;
  JsonNode *member;
  gboolean deleted;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return protocol_error (error, index, "no object");
  item = json_node_get_object (node);
  entity = member_string (item, "entity");
  id = member_string (item, "id");
  op = member_string (item, "op");
  if (entity == NULL || id == NULL)
    return protocol_error (error, index, "no entity or id");
  if (g_strcmp0 (op, "upsert") != 0 && g_strcmp0 (op, "delete") != 0)
    return protocol_error (error, index, "an unknown op");
  deleted = g_str_equal (op, "delete");
  location = member_string (item, "location_id");
  member = json_object_get_member (item, "row");
  /* A NULL row on an upsert: the data was erased since (GDPR); a later
   * change of the same page or a later page carries what is left. */
  if (deleted)
    row = NULL;
  else if (member != NULL && JSON_NODE_HOLDS_OBJECT (member))
    row = json_node_get_object (member);
  else if (member != NULL && !JSON_NODE_HOLDS_NULL (member))
    return protocol_error (error, index, "a row that is not an object");
  row_text = object_to_string (row);

  stmt = prepare (self,
                  "INSERT INTO records (entity, id, location_id, version, server_row, deleted)"
                  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                  " ON CONFLICT (entity, id) DO UPDATE SET location_id = excluded.location_id,"
                  "   version = excluded.version, server_row = excluded.server_row,"
                  "   deleted = excluded.deleted", error);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, entity);
  bind_text (stmt, 2, id);
  bind_text (stmt, 3, location);
  sqlite3_bind_int64 (stmt, 4, json_object_get_int_member_with_default (item, "version", 0));
  bind_text (stmt, 5, row_text);
  sqlite3_bind_int (stmt, 6, deleted);
  if (!step_done (self, stmt, error))
    return FALSE;
  if (!deleted && is_erased (row))
    {
      *erased = TRUE;
      if (!scrub_outbox (self, entity, id, error))
        return FALSE;
    }
  else if (!drop_uploaded_bytes (self, entity, id, error))
    return FALSE;
  g_hash_table_add (touched, g_strconcat (entity, "\n", id, NULL));
  return TRUE;
}

/* Recomputes each touched record once, however often the page named it. */
static gboolean
recompute_touched (VbCache     *self,
                   GHashTable  *touched,
                   GPtrArray   *entities,
                   GError     **error)
{
  GHashTableIter iter;
  const char *key;

  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
    {
      g_autofree char *entity = g_strndup (key, strcspn (key, "\n"));
      const char *id = key + strlen (entity) + 1;

      if (!recompute_record (self, entity, id, error))
        return FALSE;
      if (!g_ptr_array_find_with_equal_func (entities, entity, g_str_equal, NULL))
        g_ptr_array_add (entities, g_steal_pointer (&entity));
    }
  return TRUE;
}

/* ::records-changed for each entity of a pull, with the ids it touched. */
static void
emit_records_changed (VbCache    *self,
                      GHashTable *touched,
                      GPtrArray  *entities)
{
  for (guint i = 0; i < entities->len; i++)
    {
      const char *entity = g_ptr_array_index (entities, i);
      gsize len = strlen (entity);
      g_autoptr(GPtrArray) ids = g_ptr_array_new ();
      GHashTableIter iter;
      const char *key;

      g_hash_table_iter_init (&iter, touched);
      while (g_hash_table_iter_next (&iter, (gpointer *) &key, NULL))
        if (strncmp (key, entity, len) == 0 && key[len] == '\n')
          g_ptr_array_add (ids, (gpointer) (key + len + 1));
      g_ptr_array_add (ids, NULL);
      g_signal_emit (self, signals[RECORDS_CHANGED], 0, entity, (char **) ids->pdata);
    }
}

gboolean
vb_cache_apply_changes (VbCache     *self,
                        JsonArray   *items,
                        const char  *next_cursor,
                        GError     **error)
{
  g_autoptr(GHashTable) touched = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) entities = g_ptr_array_new_with_free_func (g_free);
  gboolean erased = FALSE;
  guint n;

  g_return_val_if_fail (VB_IS_CACHE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n = items != NULL ? json_array_get_length (items) : 0;
  if (!begin (self, error))
    return FALSE;
  for (guint i = 0; i < n; i++)
    if (!apply_item (self, json_array_get_element (items, i), i, touched, &erased, error))
      return rollback (self);
  /* After an erasure, merging the FTS segments drops the deleted
   * documents' terms, which FTS5 otherwise keeps until a later merge. */
  if (!recompute_touched (self, touched, entities, error) ||
      (erased && !exec (self, "INSERT INTO search (search) VALUES ('optimize')", error)) ||
      (next_cursor != NULL && !meta_set (self, "cursor", next_cursor, error)) ||
      !commit (self, error))
    return rollback (self);
  /* ... and the old pages must not linger in the WAL either (best effort:
   * a reader in another process may hold them; the next checkpoint will). */
  if (erased)
    exec (self, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);

  if (entities->len > 0)
    {
      g_ptr_array_sort (entities, compare_strings);
      emit_records_changed (self, touched, entities);
      g_ptr_array_add (entities, NULL);
      g_signal_emit (self, signals[CHANGED], 0, (char **) entities->pdata);
    }
  return TRUE;
}

/* ----------------------------------------------------------- reads --- */

static JsonObject *
get_row (VbCache    *self,
         const char *sql,
         const char *entity,
         const char *id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  stmt = prepare (self, sql, &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return NULL;
    }
  bind_text (stmt, 1, entity);
  bind_text (stmt, 2, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return parse_object ((const char *) sqlite3_column_text (stmt, 0));
}

JsonObject *
vb_cache_get (VbCache    *self,
              const char *entity,
              const char *id)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  g_return_val_if_fail (entity != NULL && id != NULL, NULL);
  return get_row (self, "SELECT local_row FROM records WHERE entity = ?1 AND id = ?2", entity, id);
}

JsonObject *
vb_cache_get_server_row (VbCache    *self,
                         const char *entity,
                         const char *id)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  g_return_val_if_fail (entity != NULL && id != NULL, NULL);
  return get_row (self, "SELECT server_row FROM records WHERE entity = ?1 AND id = ?2 AND deleted = 0",
                  entity, id);
}

static gboolean
valid_field_name (const char *name)
{
  if (name == NULL || *name == '\0')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '_')
      return FALSE;
  return TRUE;
}

/* A row of a list with its sort key: SQLite's type class of the order
 * value (null, number, text), the number, or the text's collation key. */
typedef struct
{
  char   *text;
  char   *id;
  int     class;
  double  number;
  char   *key;
  gboolean orderable;
} ListEntry;

static void
list_entry_clear (ListEntry *entry)
{
  g_clear_pointer (&entry->text, g_free);
  g_clear_pointer (&entry->key, g_free);
  g_clear_pointer (&entry->id, g_free);
}

static int
compare_list_entries (gconstpointer a,
                      gconstpointer b,
                      gpointer      data)
{
  const ListEntry *x = a, *y = b;
  gboolean descending = GPOINTER_TO_INT (data);
  int cmp;

  if (x->class != y->class)
    cmp = x->class < y->class ? -1 : 1;
  else if (x->class == 1)
    cmp = x->number < y->number ? -1 : x->number > y->number;
  else if (x->class == 2)
    cmp = strcmp (x->key, y->key);
  else
    cmp = 0;
  if (cmp == 0)
    cmp = strcmp (x->id, y->id);
  return descending ? -cmp : cmp;
}

/* Sorted here, not by ORDER BY … COLLATE LOCALE: SQLite would call the
 * collation (two copies and a g_utf8_collate) n log n times — seconds for
 * 100,000 customers — where one g_utf8_collate_key per row and strcmp
 * give the same order.  Objects and arrays (text to SQLite) are not order
 * fields anyone uses; they sort with the text as their JSON and are
 * flagged not orderable.  The rows stay JSON text: parsing is the caller's
 * choice (a list of 100,000 parses only what it shows). */
static GArray *
list_entries (VbCache    *self,
              const char *entity,
              const char *location_id,
              const char *field,
              const char *value,
              const char *order_field,
              gboolean    descending,
              guint       limit)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (ListEntry));
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *field_path = NULL;
  const char *sql =
    "SELECT local_row, json_extract(local_row, ?3), id, json_type(local_row, ?3) FROM records"
    " WHERE entity = ?1 AND local_row IS NOT NULL AND (?2 IS NULL OR location_id = ?2)"
    " AND (?5 IS NULL OR json_extract(local_row, ?5) = ?6)";
  int rc;

  g_array_set_clear_func (entries, (GDestroyNotify) list_entry_clear);
  path = g_strconcat ("$.", order_field != NULL ? order_field : "id", NULL);
  if (field != NULL)
    field_path = g_strconcat ("$.", field, NULL);
  stmt = prepare (self, sql, &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return g_steal_pointer (&entries);
    }
  bind_text (stmt, 1, entity);
  bind_text (stmt, 2, location_id);
  bind_text (stmt, 3, path);
  bind_text (stmt, 5, field_path);
  bind_text (stmt, 6, value);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ListEntry entry = { 0 };
      int type = sqlite3_column_type (stmt, 1);
      const char *json_type = (const char *) sqlite3_column_text (stmt, 3);

      if (sqlite3_column_text (stmt, 0) == NULL || sqlite3_column_text (stmt, 2) == NULL)
        continue;
      entry.text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      entry.id = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
      entry.orderable = g_strcmp0 (json_type, "object") != 0 && g_strcmp0 (json_type, "array") != 0;
      if (type == SQLITE_INTEGER || type == SQLITE_FLOAT)
        {
          entry.class = 1;
          entry.number = sqlite3_column_double (stmt, 1);
        }
      else if (type != SQLITE_NULL)
        {
          entry.class = 2;
          entry.key = g_utf8_collate_key ((const char *) sqlite3_column_text (stmt, 1), -1);
        }
      g_array_append_val (entries, entry);
    }
  if (rc != SQLITE_DONE)
    g_warning ("Cannot list %s from the cache: %s", entity, sqlite3_errmsg (self->db));

  g_array_sort_with_data (entries, compare_list_entries, GINT_TO_POINTER (descending));
  if (limit > 0 && entries->len > limit)
    g_array_set_size (entries, limit);
  return g_steal_pointer (&entries);
}

static GPtrArray *
list_rows (VbCache    *self,
           const char *entity,
           const char *location_id,
           const char *field,
           const char *value,
           const char *order_field,
           gboolean    descending,
           guint       limit)
{
  g_autoptr(GArray) entries = list_entries (self, entity, location_id, field, value,
                                            order_field, descending, limit);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < entries->len; i++)
    {
      JsonObject *row = parse_object (g_array_index (entries, ListEntry, i).text);

      if (row != NULL)
        g_ptr_array_add (rows, row);
    }
  return rows;
}

void
vb_cache_text_free (VbCacheText *text)
{
  if (text == NULL)
    return;
  g_free (text->id);
  g_free (text->json);
  g_free (text);
}

GPtrArray *
vb_cache_list_texts (VbCache    *self,
                     const char *entity,
                     const char *location_id,
                     const char *field,
                     const char *value,
                     const char *order_field,
                     gboolean    descending)
{
  g_autoptr(GArray) entries = NULL;
  GPtrArray *texts;

  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (field == NULL || (valid_field_name (field) && value != NULL), NULL);
  g_return_val_if_fail (order_field == NULL || valid_field_name (order_field), NULL);

  entries = list_entries (self, entity, location_id, field, value, order_field, descending, 0);
  texts = g_ptr_array_new_full (entries->len, (GDestroyNotify) vb_cache_text_free);
  for (guint i = 0; i < entries->len; i++)
    {
      ListEntry *entry = &g_array_index (entries, ListEntry, i);
      VbCacheText *text = g_new0 (VbCacheText, 1);

      text->id = g_steal_pointer (&entry->id);
      text->json = g_steal_pointer (&entry->text);
      text->orderable = entry->orderable;
      g_ptr_array_add (texts, text);
    }
  return texts;
}

GPtrArray *
vb_cache_list (VbCache    *self,
               const char *entity,
               const char *location_id,
               const char *order_field,
               gboolean    descending,
               guint       limit)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (order_field == NULL || valid_field_name (order_field), NULL);

  return list_rows (self, entity, location_id, NULL, NULL, order_field, descending, limit);
}

GPtrArray *
vb_cache_list_where (VbCache    *self,
                     const char *entity,
                     const char *location_id,
                     const char *field,
                     const char *value,
                     const char *order_field,
                     gboolean    descending,
                     guint       limit)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (field != NULL && valid_field_name (field), NULL);
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (order_field == NULL || valid_field_name (order_field), NULL);

  return list_rows (self, entity, location_id, field, value, order_field, descending, limit);
}

GPtrArray *
vb_cache_get_many (VbCache            *self,
                   const char         *entity,
                   const char         *location_id,
                   const char * const *ids)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  g_return_val_if_fail (entity != NULL, NULL);

  stmt = prepare (self,
                  "SELECT local_row FROM records WHERE entity = ?1 AND id = ?2"
                  " AND local_row IS NOT NULL AND (?3 IS NULL OR location_id = ?3)", &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return g_steal_pointer (&rows);
    }
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      sqlite3_reset (stmt);
      bind_text (stmt, 1, entity);
      bind_text (stmt, 2, ids[i]);
      bind_text (stmt, 3, location_id);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          JsonObject *row = parse_object ((const char *) sqlite3_column_text (stmt, 0));

          if (row != NULL)
            g_ptr_array_add (rows, row);
        }
    }
  return g_steal_pointer (&rows);
}

guint
vb_cache_count (VbCache    *self,
                const char *entity)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (VB_IS_CACHE (self), 0);
  g_return_val_if_fail (entity != NULL, 0);

  stmt = prepare (self, "SELECT count(*) FROM records WHERE entity = ?1 AND local_row IS NOT NULL", NULL);
  if (stmt == NULL)
    return 0;
  bind_text (stmt, 1, entity);
  return sqlite3_step (stmt) == SQLITE_ROW ? (guint) sqlite3_column_int64 (stmt, 0) : 0;
}

/* Each word of the user's text as a quoted FTS5 prefix query ("word"*),
 * so operators and quotes in the text are only ever searched for. */
static char *
fts_query (const char *text)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t\n\r", -1);
  g_autoptr(GString) query = g_string_new (NULL);

  for (guint i = 0; words[i] != NULL; i++)
    {
      g_auto(GStrv) parts = NULL;
      g_autofree char *word = NULL;
      gboolean has_alnum = FALSE;

      for (const char *p = words[i]; *p != '\0'; p = g_utf8_next_char (p))
        has_alnum |= g_unichar_isalnum (g_utf8_get_char (p));
      if (!has_alnum)
        continue;
      parts = g_strsplit (words[i], "\"", -1);
      word = g_strjoinv ("\"\"", parts);
      if (query->len > 0)
        g_string_append_c (query, ' ');
      g_string_append_printf (query, "\"%s\"*", word);
    }
  return query->len > 0 ? g_string_free (g_steal_pointer (&query), FALSE) : NULL;
}

/* Another connection's commits (a second app on the same file). */
static gint64
data_version (VbCache *self)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "PRAGMA data_version", NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* The ranked matches of query per entity, from one FTS5 query that the
 * searches of the same text for each entity share (ranking every match
 * is the cost, whatever the entity filter). */
static GHashTable *
search_matches (VbCache    *self,
                const char *query)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 version = data_version (self);
  int rc;

  if (self->memo_matches != NULL && g_strcmp0 (self->memo_query, query) == 0 &&
      self->memo_commits == self->commits && self->memo_data_version == version)
    return self->memo_matches;

  g_clear_pointer (&self->memo_matches, g_hash_table_unref);
  g_clear_pointer (&self->memo_query, g_free);
  stmt = prepare (self, "SELECT entity, rowid FROM search WHERE search MATCH ?1 ORDER BY rank", NULL);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, query);
  self->memo_matches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_array_unref);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *entity = (const char *) sqlite3_column_text (stmt, 0);
      gint64 rid = sqlite3_column_int64 (stmt, 1);
      GArray *rids;

      if (entity == NULL)
        continue;
      rids = g_hash_table_lookup (self->memo_matches, entity);
      if (rids == NULL)
        {
          rids = g_array_new (FALSE, FALSE, sizeof (gint64));
          g_hash_table_insert (self->memo_matches, g_strdup (entity), rids);
        }
      g_array_append_val (rids, rid);
    }
  if (rc != SQLITE_DONE)
    {
      g_warning ("Cannot search the cache: %s", sqlite3_errmsg (self->db));
      g_clear_pointer (&self->memo_matches, g_hash_table_unref);
      return NULL;
    }
  self->memo_query = g_strdup (query);
  self->memo_commits = self->commits;
  self->memo_data_version = version;
  return self->memo_matches;
}

GPtrArray *
vb_cache_search_rows (VbCache    *self,
                      const char *entity,
                      const char *text,
                      guint       limit)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *query = NULL;
  GHashTable *matches;
  GArray *rids;

  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  g_return_val_if_fail (entity != NULL, NULL);

  query = text != NULL && g_utf8_validate (text, -1, NULL) ? fts_query (text) : NULL;
  if (query == NULL)
    return g_steal_pointer (&rows);
  matches = search_matches (self, query);
  rids = matches != NULL ? g_hash_table_lookup (matches, entity) : NULL;
  if (rids == NULL)
    return g_steal_pointer (&rows);
  /* The search table's rowid is the record's rid. */
  stmt = prepare (self, "SELECT local_row FROM records WHERE rid = ?1 AND local_row IS NOT NULL", NULL);
  if (stmt == NULL)
    return g_steal_pointer (&rows);
  for (guint i = 0; i < rids->len && (limit == 0 || rows->len < limit); i++)
    {
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, g_array_index (rids, gint64, i));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          JsonObject *row = parse_object ((const char *) sqlite3_column_text (stmt, 0));

          if (row != NULL)
            g_ptr_array_add (rows, row);
        }
    }
  return g_steal_pointer (&rows);
}

GPtrArray *
vb_cache_search (VbCache    *self,
                 const char *text,
                 guint       limit)
{
  g_autoptr(GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *query = NULL;
  int rc;

  g_return_val_if_fail (VB_IS_CACHE (self), NULL);

  query = text != NULL && g_utf8_validate (text, -1, NULL) ? fts_query (text) : NULL;
  if (query == NULL)
    return g_steal_pointer (&hits);
  stmt = prepare (self,
                  "SELECT entity, id, title FROM search WHERE search MATCH ?1"
                  " ORDER BY rank LIMIT ?2", NULL);
  if (stmt == NULL)
    return g_steal_pointer (&hits);
  bind_text (stmt, 1, query);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      JsonObject *hit = json_object_new ();

      json_object_set_string_member (hit, "entity", (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (hit, "id", (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_string_member (hit, "title", (const char *) sqlite3_column_text (stmt, 2));
      g_ptr_array_add (hits, hit);
    }
  if (rc != SQLITE_DONE)
    g_warning ("Cannot search the cache: %s", sqlite3_errmsg (self->db));
  return g_steal_pointer (&hits);
}

char *
vb_cache_checksum (VbCache            *self,
                   const char * const *entities)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree char *filter = NULL;
  int rc;

  g_return_val_if_fail (VB_IS_CACHE (self), NULL);

  if (entities != NULL)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;

      json_builder_begin_array (builder);
      for (guint i = 0; entities[i] != NULL; i++)
        json_builder_add_string_value (builder, entities[i]);
      json_builder_end_array (builder);
      root = json_builder_get_root (builder);
      filter = vb_json_to_string (root, NULL);
    }
  stmt = prepare (self,
                  "SELECT entity, id, version FROM records"
                  " WHERE server_row IS NOT NULL AND deleted = 0"
                  "   AND (?1 IS NULL OR entity IN (SELECT value FROM json_each(?1)))", NULL);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, filter);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (lines, g_strdup_printf ("%s %s %" G_GINT64_FORMAT "\n",
                                             sqlite3_column_text (stmt, 0),
                                             sqlite3_column_text (stmt, 1),
                                             (gint64) sqlite3_column_int64 (stmt, 2)));
  if (rc != SQLITE_DONE)
    {
      g_warning ("Cannot checksum the cache: %s", sqlite3_errmsg (self->db));
      return NULL;
    }
  /* Byte order (strcmp), as PostgreSQL sorts with COLLATE "C". */
  g_ptr_array_sort (lines, compare_strings);
  for (guint i = 0; i < lines->len; i++)
    g_checksum_update (checksum, (const guchar *) lines->pdata[i], -1);
  return g_strdup (g_checksum_get_string (checksum));
}

/* ---------------------------------------------------------- outbox --- */

void
vb_outbox_entry_free (VbOutboxEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->entity);
  g_free (entry->record_id);
  g_free (entry->method);
  g_free (entry->path);
  g_free (entry->body);
  g_clear_pointer (&entry->body_bytes, g_bytes_unref);
  g_free (entry->body_type);
  g_free (entry->fields);
  g_free (entry->base);
  g_free (entry->reply);
  g_free (entry);
}

#define ENTRY_COLUMNS \
  "seq, number, kind, state, entity, record_id, method, path, body, fields, base," \
  " base_version, status, reply, created_at, dismissed, body_bytes, body_type"

static VbOutboxEntry *
entry_from_row (sqlite3_stmt *stmt)
{
  VbOutboxEntry *entry = g_new0 (VbOutboxEntry, 1);

  entry->seq = sqlite3_column_int64 (stmt, 0);
  entry->number = sqlite3_column_int64 (stmt, 1);
  entry->kind = name_index (kind_names, G_N_ELEMENTS (kind_names),
                            (const char *) sqlite3_column_text (stmt, 2));
  entry->state = name_index (state_names, G_N_ELEMENTS (state_names),
                             (const char *) sqlite3_column_text (stmt, 3));
  entry->entity = column_dup (stmt, 4);
  entry->record_id = column_dup (stmt, 5);
  entry->method = column_dup (stmt, 6);
  entry->path = column_dup (stmt, 7);
  entry->body = column_dup (stmt, 8);
  entry->fields = column_dup (stmt, 9);
  entry->base = column_dup (stmt, 10);
  entry->base_version = sqlite3_column_int64 (stmt, 11);
  entry->status = (guint) sqlite3_column_int64 (stmt, 12);
  entry->reply = column_dup (stmt, 13);
  entry->created_at = sqlite3_column_int64 (stmt, 14);
  entry->dismissed = sqlite3_column_int (stmt, 15) != 0;
  if (sqlite3_column_type (stmt, 16) == SQLITE_BLOB)
    entry->body_bytes = g_bytes_new (sqlite3_column_blob (stmt, 16),
                                     (gsize) sqlite3_column_bytes (stmt, 16));
  entry->body_type = column_dup (stmt, 17);
  return entry;
}

static GPtrArray *
query_entries (VbCache    *self,
               const char *sql,
               gint64      seq)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_outbox_entry_free);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, sql, NULL);
  if (stmt == NULL)
    return g_steal_pointer (&entries);
  if (sqlite3_bind_parameter_count (stmt) > 0)
    sqlite3_bind_int64 (stmt, 1, seq);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (entries, entry_from_row (stmt));
  if (rc != SQLITE_DONE)
    g_warning ("Cannot read the outbox: %s", sqlite3_errmsg (self->db));
  return g_steal_pointer (&entries);
}

static VbOutboxEntry *
query_entry (VbCache    *self,
             const char *sql,
             gint64      seq)
{
  g_autoptr(GPtrArray) entries = query_entries (self, sql, seq);

  return entries->len > 0 ? g_ptr_array_steal_index (entries, 0) : NULL;
}

/* The current values of the members a change sets: what the user saw
 * before it, for the conflict display (null for members not there). */
static JsonObject *
base_of (JsonObject *local,
         JsonObject *fields)
{
  JsonObject *base = json_object_new ();
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init (&iter, fields);
  while (json_object_iter_next (&iter, &name, &node))
    {
      JsonNode *value = local != NULL ? json_object_get_member (local, name) : NULL;

      json_object_set_member (base, name, value != NULL ? json_node_copy (value) : json_node_new (JSON_NODE_NULL));
    }
  return base;
}

static gint64
insert_entry (VbCache      *self,
              VbChangeKind  kind,
              const char   *entity,
              const char   *record_id,
              const char   *method,
              const char   *path,
              JsonObject   *body,
              const char   *body_type,
              GBytes       *body_bytes,
              JsonObject   *fields,
              GError      **error)
{
  g_autoptr(sqlite3_stmt) rec = NULL;
  g_autoptr(sqlite3_stmt) ins = NULL;
  g_autoptr(JsonObject) local = NULL;
  g_autoptr(JsonObject) base = NULL;
  g_autofree char *body_text = object_to_string (body);
  g_autofree char *fields_text = object_to_string (fields);
  g_autofree char *base_text = NULL;
  gint64 version = 0;

  rec = prepare (self, "SELECT local_row, version FROM records WHERE entity = ?1 AND id = ?2", error);
  if (rec == NULL)
    return 0;
  bind_text (rec, 1, entity);
  bind_text (rec, 2, record_id);
  if (sqlite3_step (rec) == SQLITE_ROW)
    {
      local = parse_object ((const char *) sqlite3_column_text (rec, 0));
      version = sqlite3_column_int64 (rec, 1);
    }
  if (fields != NULL && (kind == VB_CHANGE_UPDATE || kind == VB_CHANGE_ACTION))
    {
      base = base_of (local, fields);
      base_text = object_to_string (base);
    }

  ins = prepare (self,
                 "INSERT INTO outbox (kind, entity, record_id, method, path, body, fields, base,"
                 "                    base_version, created_at, body_type, body_bytes)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", error);
  if (ins == NULL)
    return 0;
  bind_text (ins, 1, kind_names[kind]);
  bind_text (ins, 2, entity);
  bind_text (ins, 3, record_id);
  bind_text (ins, 4, method);
  bind_text (ins, 5, path);
  bind_text (ins, 6, body_text);
  bind_text (ins, 7, fields_text);
  bind_text (ins, 8, base_text);
  sqlite3_bind_int64 (ins, 9, version);
  sqlite3_bind_int64 (ins, 10, g_get_real_time ());
  bind_text (ins, 11, body_type);
  if (body_bytes != NULL)
    {
      gsize size;
      gconstpointer data = g_bytes_get_data (body_bytes, &size);

      /* Never a NULL pointer: SQLite would store NULL, not an empty blob. */
      sqlite3_bind_blob64 (ins, 12, size > 0 ? data : "", size, SQLITE_TRANSIENT);
    }
  if (!step_done (self, ins, error))
    return 0;
  return sqlite3_last_insert_rowid (self->db);
}

gint64
vb_cache_enqueue (VbCache      *self,
                  VbChangeKind  kind,
                  const char   *entity,
                  const char   *record_id,
                  const char   *method,
                  const char   *path,
                  JsonObject   *body,
                  JsonObject   *fields,
                  GError      **error)
{
  gint64 seq;

  g_return_val_if_fail (VB_IS_CACHE (self), 0);
  g_return_val_if_fail (kind >= VB_CHANGE_CREATE && kind <= VB_CHANGE_ACTION, 0);
  g_return_val_if_fail (entity != NULL && record_id != NULL, 0);
  g_return_val_if_fail (method != NULL && path != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!begin (self, error))
    return 0;
  seq = insert_entry (self, kind, entity, record_id, method, path, body, NULL, NULL, fields, error);
  if (seq == 0 || !ensure_record (self, entity, record_id, error) ||
      !recompute_record (self, entity, record_id, error) || !commit (self, error))
    return rollback (self);

  emit_changed (self, entity, record_id);
  g_signal_emit (self, signals[OUTBOX_CHANGED], 0);
  return seq;
}

gint64
vb_cache_enqueue_upload (VbCache      *self,
                         const char   *record_id,
                         const char   *path,
                         const char   *content_type,
                         GBytes       *bytes,
                         JsonObject   *fields,
                         GError      **error)
{
  g_autoptr(JsonObject) view = NULL;
  gint64 seq;

  g_return_val_if_fail (VB_IS_CACHE (self), 0);
  g_return_val_if_fail (record_id != NULL && path != NULL, 0);
  g_return_val_if_fail (content_type != NULL && bytes != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  /* The local view names its record and says what it is, so lists of
   * attachments show the photo before the server has it. */
  view = fields != NULL ? copy_object (fields) : json_object_new ();
  json_object_set_string_member (view, "id", record_id);
  if (!json_object_has_member (view, "content_type"))
    json_object_set_string_member (view, "content_type", content_type);
  if (!json_object_has_member (view, "size_bytes"))
    json_object_set_int_member (view, "size_bytes", (gint64) g_bytes_get_size (bytes));

  if (!begin (self, error))
    return 0;
  seq = insert_entry (self, VB_CHANGE_APPEND, UPLOAD_ENTITY, record_id, "POST", path, NULL,
                      content_type, bytes, view, error);
  if (seq == 0 || !ensure_record (self, UPLOAD_ENTITY, record_id, error) ||
      !recompute_record (self, UPLOAD_ENTITY, record_id, error) || !commit (self, error))
    return rollback (self);

  emit_changed (self, UPLOAD_ENTITY, record_id);
  g_signal_emit (self, signals[OUTBOX_CHANGED], 0);
  return seq;
}

GBytes *
vb_cache_dup_upload_bytes (VbCache    *self,
                           const char *record_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  g_return_val_if_fail (record_id != NULL, NULL);

  stmt = prepare (self,
                  "SELECT body_bytes FROM outbox"
                  " WHERE entity = ?1 AND record_id = ?2 AND body_bytes IS NOT NULL"
                  " ORDER BY seq DESC LIMIT 1", NULL);
  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, UPLOAD_ENTITY);
  bind_text (stmt, 2, record_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_bytes_new (sqlite3_column_blob (stmt, 0), (gsize) sqlite3_column_bytes (stmt, 0));
}

VbOutboxEntry *
vb_cache_next_pending (VbCache *self)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  return query_entry (self,
                      "SELECT " ENTRY_COLUMNS " FROM outbox WHERE state = 'pending'"
                      " ORDER BY seq LIMIT 1", 0);
}

guint
vb_cache_count_pending (VbCache *self)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (VB_IS_CACHE (self), 0);
  stmt = prepare (self, "SELECT count(*) FROM outbox WHERE state = 'pending'", NULL);
  if (stmt == NULL)
    return 0;
  return sqlite3_step (stmt) == SQLITE_ROW ? (guint) sqlite3_column_int64 (stmt, 0) : 0;
}

static gboolean
not_found (GError **error,
           gint64   seq)
{
  g_set_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_NOT_FOUND,
               "No outbox entry %" G_GINT64_FORMAT " in that state", seq);
  return FALSE;
}

gint64
vb_cache_number_entry (VbCache   *self,
                       gint64     seq,
                       gboolean   renumber,
                       GError   **error)
{
  g_autoptr(sqlite3_stmt) get = NULL;
  g_autoptr(sqlite3_stmt) set = NULL;
  g_autofree char *next_text = NULL;
  g_autofree char *after = NULL;
  gint64 number, next;

  g_return_val_if_fail (VB_IS_CACHE (self), 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  if (!begin (self, error))
    return 0;
  get = prepare (self, "SELECT number FROM outbox WHERE seq = ?1", error);
  if (get == NULL)
    return rollback (self);
  sqlite3_bind_int64 (get, 1, seq);
  if (sqlite3_step (get) != SQLITE_ROW)
    {
      rollback (self);
      return not_found (error, seq);
    }
  number = sqlite3_column_int64 (get, 0);
  if (number > 0 && !renumber)
    return commit (self, error) ? number : 0;

  /* The next number and the entry's number move together, so a crash
   * never hands out a number twice. */
  next_text = meta_get (self, "next_number");
  next = next_text != NULL ? g_ascii_strtoll (next_text, NULL, 10) : 1;
  if (next < 1)
    next = 1;
  after = g_strdup_printf ("%" G_GINT64_FORMAT, next + 1);
  set = prepare (self, "UPDATE outbox SET number = ?2 WHERE seq = ?1", error);
  if (set == NULL)
    return rollback (self);
  sqlite3_bind_int64 (set, 1, seq);
  sqlite3_bind_int64 (set, 2, next);
  if (!step_done (self, set, error) || !meta_set (self, "next_number", after, error) ||
      !commit (self, error))
    return rollback (self);
  return next;
}

gboolean
vb_cache_set_entry_body (VbCache     *self,
                         gint64       seq,
                         JsonObject  *body,
                         gint64       base_version,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *body_text = NULL;

  g_return_val_if_fail (VB_IS_CACHE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  body_text = object_to_string (body);
  stmt = prepare (self,
                  "UPDATE outbox SET body = ?2, base_version = ?3 WHERE seq = ?1 AND state = 'pending'",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  bind_text (stmt, 2, body_text);
  sqlite3_bind_int64 (stmt, 3, base_version);
  if (!step_done (self, stmt, error))
    return FALSE;
  return sqlite3_changes (self->db) > 0 || not_found (error, seq);
}

gboolean
vb_cache_finish_entry (VbCache        *self,
                       gint64          seq,
                       VbOutboxState   state,
                       guint           status,
                       const char     *reply,
                       GError        **error)
{
  g_autoptr(VbOutboxEntry) entry = NULL;
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (VB_IS_CACHE (self), FALSE);
  g_return_val_if_fail (state >= VB_OUTBOX_APPLIED && state <= VB_OUTBOX_CONFLICT, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!begin (self, error))
    return FALSE;
  entry = query_entry (self, "SELECT " ENTRY_COLUMNS " FROM outbox WHERE seq = ?1", seq);
  if (entry == NULL)
    {
      rollback (self);
      return not_found (error, seq);
    }
  stmt = prepare (self, "UPDATE outbox SET state = ?2, status = ?3, reply = ?4 WHERE seq = ?1", error);
  if (stmt == NULL)
    return rollback (self);
  sqlite3_bind_int64 (stmt, 1, seq);
  bind_text (stmt, 2, state_names[state]);
  sqlite3_bind_int64 (stmt, 3, status);
  bind_text (stmt, 4, reply);
  if (!step_done (self, stmt, error) ||
      (state == VB_OUTBOX_APPLIED && !drop_uploaded_bytes (self, entry->entity, entry->record_id, error)) ||
      !recompute_record (self, entry->entity, entry->record_id, error) ||
      !commit (self, error))
    return rollback (self);

  /* Even when applied: if a pull already passed the change's version,
   * its overlay has just gone. */
  emit_changed (self, entry->entity, entry->record_id);
  g_signal_emit (self, signals[OUTBOX_CHANGED], 0);
  return TRUE;
}

GPtrArray *
vb_cache_list_problems (VbCache *self)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  return query_entries (self,
                        "SELECT " ENTRY_COLUMNS " FROM outbox"
                        " WHERE state IN ('refused', 'conflict') AND dismissed = 0 ORDER BY seq", 0);
}

gboolean
vb_cache_dismiss_problem (VbCache  *self,
                          gint64    seq,
                          GError  **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (VB_IS_CACHE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = prepare (self,
                  "UPDATE outbox SET dismissed = 1"
                  " WHERE seq = ?1 AND state IN ('refused', 'conflict') AND dismissed = 0", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, seq);
  if (!step_done (self, stmt, error))
    return FALSE;
  if (sqlite3_changes (self->db) == 0)
    return not_found (error, seq);
  g_signal_emit (self, signals[OUTBOX_CHANGED], 0);
  return TRUE;
}

VbOutboxEntry *
vb_cache_get_entry (VbCache *self,
                    gint64   seq)
{
  g_return_val_if_fail (VB_IS_CACHE (self), NULL);
  return query_entry (self, "SELECT " ENTRY_COLUMNS " FROM outbox WHERE seq = ?1", seq);
}

gboolean
vb_cache_has_outbox_entry (VbCache    *self,
                           const char *entity,
                           const char *record_id)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  g_return_val_if_fail (VB_IS_CACHE (self), FALSE);
  g_return_val_if_fail (entity != NULL && record_id != NULL, FALSE);

  stmt = prepare (self, "SELECT 1 FROM outbox WHERE entity = ?1 AND record_id = ?2 LIMIT 1", NULL);
  if (stmt == NULL)
    return FALSE;
  bind_text (stmt, 1, entity);
  bind_text (stmt, 2, record_id);
  return sqlite3_step (stmt) == SQLITE_ROW;
}
