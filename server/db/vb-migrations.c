/* vb-migrations.c — numbered schema migrations from the GResource.
 *
 * Files are named NNNN-what.sql under /io/github/voltbay/Server/sql/ and are
 * applied in name order.  Each runs with its schema_migrations row in one
 * transaction, so a failed migration leaves nothing half-applied and a
 * re-run is a no-op.  Migrations are never edited once shipped: a change is a
 * new file.
 */
#include "vb-migrations.h"
#include "vb-db.h"
#include "vb-error.h"

#include <gio/gio.h>
#include <stdlib.h>

#define SQL_PATH "/io/github/voltbay/Server/sql/"
#define MIGRATION_LOCK "7411001"

static const VbDbAudit migration_actor = { NULL, "migration", NULL };

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

typedef struct
{
  const char *version;
  const char *name;
  const char *script;
  char       *checksum;
  gboolean    applied;
} Migration;

/* A migration edited after it ran would leave databases that differ while
 * claiming the same schema version: refuse to run against one. */
static gboolean
check_unchanged (Migration  *m,
                 PGresult   *seen,
                 GError    **error)
{
  const char *stored = vb_db_get (seen, 0, 0);

  if (stored == NULL || g_str_equal (stored, m->checksum))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_CONFLICT,
               "Migration %s was changed after it was applied to this database "
               "(checksum %.12s…, now %.12s…); restore the original file or rebuild the database",
               m->name, stored, m->checksum);
  return FALSE;
}

static gboolean
apply_one (VbDbConn  *conn,
           gpointer   user_data,
           GError   **error)
{
  Migration *m = user_data;
  g_autoptr(PGresult) seen = NULL;
  g_autoptr(PGresult) recorded = NULL;

  seen = vb_db_execv (conn, error,
                      "SELECT checksum FROM schema_migrations WHERE version = $1::int", m->version);
  if (seen == NULL)
    return FALSE;
  if (PQntuples (seen) > 0)
    return check_unchanged (m, seen, error);
  if (!vb_db_exec_script (conn, m->script, error))
    {
      g_prefix_error (error, "Migration %s failed: ", m->name);
      return FALSE;
    }
  recorded = vb_db_execv (conn, error,
                          "INSERT INTO schema_migrations (version, name, checksum)"
                          " VALUES ($1::int, $2, $3)",
                          m->version, m->name, m->checksum);
  m->applied = recorded != NULL;
  return recorded != NULL;
}

static gboolean
ensure_table (VbDbConn  *conn,
              GError   **error)
{
  return vb_db_exec_script (conn,
                            "CREATE TABLE IF NOT EXISTS schema_migrations ("
                            "  version integer PRIMARY KEY,"
                            "  name text NOT NULL,"
                            "  applied_at timestamptz NOT NULL DEFAULT now());"
                            "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text",
                            error);
}

static gboolean
apply_all (VbDbConn   *conn,
           GStrv       names,
           guint      *n_applied,
           GError    **error)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autofree char *path = g_strconcat (SQL_PATH, names[i], NULL);
      g_autofree char *version = g_strndup (names[i], 4);
      g_autoptr(GBytes) bytes = NULL;
      g_autofree char *script = NULL;
      Migration m = { 0 };

      if (!g_str_has_suffix (names[i], ".sql"))
        continue;
      bytes = g_resources_lookup_data (path, 0, error);
      if (bytes == NULL)
        return FALSE;
      script = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
      m.version = version;
      m.name = names[i];
      m.script = script;
      m.checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
      if (!vb_db_transaction (conn, &migration_actor, apply_one, &m, error))
        {
          g_free (m.checksum);
          return FALSE;
        }
      g_free (m.checksum);
      if (m.applied)
        {
          (*n_applied)++;
          g_info ("Applied migration %s", names[i]);
        }
    }
  return TRUE;
}

gboolean
vb_migrations_apply (VbDbConn  *conn,
                     guint     *n_applied,
                     GError   **error)
{
  g_auto(GStrv) names = g_resources_enumerate_children (SQL_PATH, 0, error);
  g_autoptr(PGresult) lock = NULL;
  g_autoptr(PGresult) unlock = NULL;
  g_autoptr(GError) unlock_error = NULL;
  guint applied = 0;
  gboolean ok;

  if (names == NULL)
    return FALSE;
  qsort (names, g_strv_length (names), sizeof (char *), compare_names);
  lock = vb_db_execv (conn, error, "SELECT pg_advisory_lock($1::bigint)", MIGRATION_LOCK);
  if (lock == NULL)
    return FALSE;
  ok = ensure_table (conn, error) && apply_all (conn, names, &applied, error);
  unlock = vb_db_execv (conn, &unlock_error, "SELECT pg_advisory_unlock($1::bigint)", MIGRATION_LOCK);
  if (n_applied != NULL)
    *n_applied = applied;
  return ok;
}
