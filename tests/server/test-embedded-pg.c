/* test-embedded-pg.c — the embedded cluster's life cycle, end to end.
 *
 * These run the real initdb and pg_ctl, so the first cases share one
 * cluster through its life (start, second instance, restart, crash) instead
 * of paying for initdb each time; GTest runs them in the order added.
 * The data directory is named "it's data" to keep every layer's quoting
 * honest.  As root, further cases check the hand-over to the unprivileged
 * user, and re-run a start as that user by re-executing this binary through
 * runuser, since nothing in-process can drop root for one test and get it
 * back.
 */
#include "vb-embedded-pg.h"
#include "vb-error.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

#define CHILD_DIR_ENV "VB_TEST_EMBEDDED_PG_CHILD_DIR"
#define NORMAL_USER_PATH "/embedded-pg/normal-user"

static GPtrArray    *temp_dirs;
static char         *shared_data_dir;
static VbEmbeddedPg *shared_pg;

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("voltbay epg-XXXXXX", &error);

  g_assert_no_error (error);
  /* As root, the cluster's user has to pass through it. */
  if (geteuid () == 0)
    g_assert_no_errno (g_chmod (dir, 0755));
  g_ptr_array_add (temp_dirs, g_strdup (dir));
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  struct stat st;
  const char *name;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode) && (dir = g_dir_open (path, 0, NULL)) != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        remove_tree (child);
      }
  if (g_remove (path) != 0)
    g_printerr ("# could not remove %s: %s\n", path, g_strerror (errno));
}

static struct passwd *
cluster_user (void)
{
  struct passwd *pw = getpwnam ("postgres");

  return pw != NULL ? pw : getpwnam ("nobody");
}

static PGconn *
connect_or_fail (const char *conninfo)
{
  PGconn *conn = PQconnectdb (conninfo);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Could not connect with %s: %s", conninfo, PQerrorMessage (conn));
  return conn;
}

/* First column of the first row, or NULL for a command or no rows. */
static char *
query (const char *conninfo,
       const char *sql)
{
  g_autoptr(PGconn) conn = connect_or_fail (conninfo);
  g_autoptr(PGresult) result = PQexec (conn, sql);
  ExecStatusType status = PQresultStatus (result);

  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
    g_error ("%s failed: %s", sql, PQresultErrorMessage (result));
  if (status == PGRES_TUPLES_OK && PQntuples (result) > 0)
    return g_strdup (PQgetvalue (result, 0, 0));
  return NULL;
}

static void
assert_query (const char *conninfo,
              const char *sql,
              const char *expected)
{
  g_autofree char *value = query (conninfo, sql);

  g_assert_cmpstr (value, ==, expected);
}

static void
assert_not_answering (VbEmbeddedPg *pg)
{
  g_autoptr(PGconn) conn = PQconnectdb (vb_embedded_pg_get_conninfo (pg));

  g_assert_cmpint (PQstatus (conn), !=, CONNECTION_OK);
}

static void
report_time (void)
{
  g_test_message ("took %.2f s", g_test_timer_elapsed ());
}

static void
test_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ();
  g_autofree char *expected = NULL;
  g_autofree char *socket_dir = NULL;
  struct stat st;

  g_test_timer_start ();
  shared_data_dir = g_build_filename (root, "it's data", NULL);
  shared_pg = vb_embedded_pg_new (shared_data_dir);
  vb_embedded_pg_set_unsafe_fast (shared_pg, TRUE);

  vb_embedded_pg_start (shared_pg, &error);
  g_assert_no_error (error);
  g_assert_true (vb_embedded_pg_get_started_here (shared_pg));

  socket_dir = g_build_filename (shared_data_dir, "pg", "run", NULL);
  expected = g_strdup_printf ("host='%s/it\\'s data/pg/run' dbname='voltbay' user=voltbay", root);
  g_assert_cmpstr (vb_embedded_pg_get_conninfo (shared_pg), ==, expected);
  g_assert_cmpstr (vb_embedded_pg_get_socket_dir (shared_pg), ==, socket_dir);
  g_assert_no_errno (g_stat (socket_dir, &st));
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  assert_query (vb_embedded_pg_get_conninfo (shared_pg), "SELECT 1", "1");
  assert_query (vb_embedded_pg_get_conninfo (shared_pg), "SELECT current_database ()", "voltbay");
  assert_query (vb_embedded_pg_get_conninfo (shared_pg), "SHOW listen_addresses", "");
  assert_query (vb_embedded_pg_get_conninfo (shared_pg), "SHOW fsync", "off");
  g_free (query (vb_embedded_pg_get_conninfo (shared_pg),
                 "CREATE TABLE marker (x int); INSERT INTO marker VALUES (42)"));
  report_time ();
}

static void
test_second_instance (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbEmbeddedPg) other = vb_embedded_pg_new (shared_data_dir);

  g_test_timer_start ();
  g_assert_nonnull (shared_pg);
  vb_embedded_pg_start (other, &error);
  g_assert_no_error (error);
  g_assert_false (vb_embedded_pg_get_started_here (other));
  assert_query (vb_embedded_pg_get_conninfo (other), "SELECT x FROM marker", "42");

  /* Not the owner: stopping is a no-op and the cluster keeps running. */
  vb_embedded_pg_stop (other, &error);
  g_assert_no_error (error);
  assert_query (vb_embedded_pg_get_conninfo (shared_pg), "SELECT 1", "1");
  report_time ();
}

static void
test_restart (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *version_file = g_build_filename (shared_data_dir, "pg", "data",
                                                    "PG_VERSION", NULL);
  struct stat before, after;

  g_test_timer_start ();
  g_assert_no_errno (g_stat (version_file, &before));
  vb_embedded_pg_stop (shared_pg, &error);
  g_assert_no_error (error);
  g_assert_false (vb_embedded_pg_get_started_here (shared_pg));
  assert_not_answering (shared_pg);

  vb_embedded_pg_start (shared_pg, &error);
  g_assert_no_error (error);
  g_assert_true (vb_embedded_pg_get_started_here (shared_pg));

  /* The same cluster, not a fresh initdb: same files, same data. */
  g_assert_no_errno (g_stat (version_file, &after));
  g_assert_cmpint (before.st_ino, ==, after.st_ino);
  assert_query (vb_embedded_pg_get_conninfo (shared_pg), "SELECT x FROM marker", "42");
  report_time ();
}

static GPid
read_postmaster_pid (void)
{
  g_autofree char *path = g_build_filename (shared_data_dir, "pg", "data",
                                            "postmaster.pid", NULL);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return (GPid) g_ascii_strtoll (contents, NULL, 10);
}

static void
test_crash_recovery (void)
{
  g_autoptr(GError) error = NULL;
  GPid pid = read_postmaster_pid ();

  g_test_timer_start ();
  g_assert_cmpint (pid, >, 1);
  g_assert_no_errno (kill (pid, SIGKILL));
  assert_not_answering (shared_pg);

  /* Straight away, as a supervisor would: postmaster.pid and the socket
   * lock are stale, and the killed postmaster may not even be reaped yet. */
  vb_embedded_pg_start (shared_pg, &error);
  g_assert_no_error (error);
  g_assert_true (vb_embedded_pg_get_started_here (shared_pg));
  g_assert_cmpint (read_postmaster_pid (), !=, pid);
  assert_query (vb_embedded_pg_get_conninfo (shared_pg), "SELECT x FROM marker", "42");
  report_time ();
}

static void
assert_create_fails (const char *name,
                     const char *template_name,
                     int         code)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (vb_embedded_pg_create_database (shared_pg, name, template_name, &error));
  g_assert_error (error, VB_ERROR, code);
}

static void
test_create_database (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *conninfo = NULL;
  g_autofree char *too_long = g_strnfill (64, 'a');

  g_test_timer_start ();
  vb_embedded_pg_create_database (shared_pg, "epg_copy", "voltbay", &error);
  g_assert_no_error (error);
  conninfo = vb_embedded_pg_dup_conninfo_for (shared_pg, "epg_copy");
  assert_query (conninfo, "SELECT x FROM marker", "42");

  vb_embedded_pg_create_database (shared_pg, "epg_empty", NULL, &error);
  g_assert_no_error (error);

  assert_create_fails ("epg_copy", NULL, VB_ERROR_CONFLICT);
  assert_create_fails ("epg_other", "no_such_db", VB_ERROR_NOT_FOUND);
  assert_create_fails ("Upper", NULL, VB_ERROR_VALIDATION);
  assert_create_fails ("1digit", NULL, VB_ERROR_VALIDATION);
  assert_create_fails ("", NULL, VB_ERROR_VALIDATION);
  assert_create_fails ("a\"b", NULL, VB_ERROR_VALIDATION);
  assert_create_fails (too_long, NULL, VB_ERROR_VALIDATION);
  assert_create_fails ("fine", "bad-template", VB_ERROR_VALIDATION);
  report_time ();
}

static void
test_start_failure_shows_log (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *auto_conf = g_build_filename (shared_data_dir, "pg", "data",
                                                 "postgresql.auto.conf", NULL);
  g_autofree char *original = NULL;
  g_autofree char *broken = NULL;

  g_test_timer_start ();
  vb_embedded_pg_stop (shared_pg, &error);
  g_assert_no_error (error);
  g_file_get_contents (auto_conf, &original, NULL, &error);
  g_assert_no_error (error);
  broken = g_strconcat (original, "shared_buffers = 'plenty'\n", NULL);
  g_file_set_contents (auto_conf, broken, -1, &error);
  g_assert_no_error (error);

  g_assert_false (vb_embedded_pg_start (shared_pg, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "Last lines of"));
  g_assert_nonnull (strstr (error->message, "shared_buffers"));
  g_assert_false (vb_embedded_pg_get_started_here (shared_pg));
  g_clear_error (&error);

  g_file_set_contents (auto_conf, original, -1, &error);
  g_assert_no_error (error);
  vb_embedded_pg_start (shared_pg, &error);
  g_assert_no_error (error);
  assert_query (vb_embedded_pg_get_conninfo (shared_pg), "SELECT x FROM marker", "42");
  report_time ();
}

static void
test_bad_setup (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = make_temp_dir ();
  g_autofree char *shell_dir = g_build_filename (root, "$HOME", NULL);
  g_autofree char *comma_dir = g_build_filename (root, "a,b", NULL);
  g_autoptr(VbEmbeddedPg) shell_pg = vb_embedded_pg_new (shell_dir);
  g_autoptr(VbEmbeddedPg) comma_pg = vb_embedded_pg_new (comma_dir);
  g_autoptr(VbEmbeddedPg) no_bin_pg = vb_embedded_pg_new (root);

  g_assert_false (vb_embedded_pg_start (shell_pg, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_VALIDATION);
  g_clear_error (&error);
  g_assert_false (vb_embedded_pg_start (comma_pg, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_VALIDATION);
  g_clear_error (&error);

  vb_embedded_pg_set_bindir (no_bin_pg, "/nonexistent");
  g_assert_false (vb_embedded_pg_start (no_bin_pg, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);
}

static void
assert_tree_owned_by (const char *path,
                      uid_t       uid)
{
  g_autoptr(GDir) dir = NULL;
  struct stat st;
  const char *name;

  g_assert_no_errno (g_lstat (path, &st));
  if (st.st_uid != uid)
    g_error ("%s is owned by uid %u, not %u", path, (unsigned) st.st_uid, (unsigned) uid);
  if (!S_ISDIR (st.st_mode))
    return;
  dir = g_dir_open (path, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      assert_tree_owned_by (child, uid);
    }
}

static void
test_root_ownership (void)
{
  g_autofree char *pg_dir = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("only meaningful as root");
      return;
    }
  pg_dir = g_build_filename (shared_data_dir, "pg", NULL);
  assert_tree_owned_by (pg_dir, cluster_user ()->pw_uid);
}

static void
test_root_unreachable_ancestor (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *locked = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *pg_dir = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(VbEmbeddedPg) pg = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("only meaningful as root");
      return;
    }
  root = make_temp_dir ();
  locked = g_build_filename (root, "locked", NULL);
  g_assert_no_errno (g_mkdir (locked, 0700));
  g_assert_no_errno (g_chmod (locked, 0700));
  data_dir = g_build_filename (locked, "data", NULL);

  pg = vb_embedded_pg_new (data_dir);
  g_assert_false (vb_embedded_pg_start (pg, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE);
  g_test_message ("%s", error->message);
  expected = g_strdup_printf ("user '%s', which cannot reach %s (mode 0700)",
                              cluster_user ()->pw_name, locked);
  g_assert_nonnull (strstr (error->message, expected));
  g_assert_false (vb_embedded_pg_get_started_here (pg));

  pg_dir = g_build_filename (data_dir, "pg", NULL);
  g_assert_false (g_file_test (pg_dir, G_FILE_TEST_EXISTS));
}

/* The start/connect/stop sequence, as whatever user we are. */
static void
run_normal_user_sequence (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbEmbeddedPg) pg = vb_embedded_pg_new (data_dir);

  g_assert_cmpint (geteuid (), !=, 0);
  vb_embedded_pg_set_unsafe_fast (pg, TRUE);
  vb_embedded_pg_start (pg, &error);
  g_assert_no_error (error);
  g_assert_true (vb_embedded_pg_get_started_here (pg));
  assert_query (vb_embedded_pg_get_conninfo (pg), "SELECT 1", "1");
  vb_embedded_pg_stop (pg, &error);
  g_assert_no_error (error);
  assert_not_answering (pg);
}

static gboolean
user_can_execute (const char *user,
                  const char *path)
{
  const char *argv[] = { "runuser", "-u", user, "--", "test", "-x", path, NULL };
  g_autoptr(GSubprocess) process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, NULL);

  return process != NULL && g_subprocess_wait_check (process, NULL, NULL);
}

static void
run_child_as (struct passwd *pw,
              const char    *self_path,
              const char    *data_dir)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  g_subprocess_launcher_setenv (launcher, CHILD_DIR_ENV, data_dir, TRUE);
  g_subprocess_launcher_set_cwd (launcher, "/");
  process = g_subprocess_launcher_spawn (launcher, &error, "runuser", "-u", pw->pw_name, "--",
                                         self_path, "-p", NORMAL_USER_PATH, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("child as %s:\n%s", pw->pw_name, output);
  g_assert_true (g_subprocess_get_successful (process));
  g_assert_nonnull (strstr (output, "ok 1 " NORMAL_USER_PATH));
  g_assert_null (strstr (output, "SKIP"));
}

static void
test_normal_user (void)
{
  const char *child_dir = g_getenv (CHILD_DIR_ENV);
  g_autofree char *self_path = NULL;
  g_autofree char *root = NULL;
  struct passwd *pw;

  if (child_dir != NULL)
    {
      run_normal_user_sequence (child_dir);
      return;
    }
  if (geteuid () != 0)
    {
      g_test_skip ("not root: the cases above already ran as a normal user");
      return;
    }

  g_test_timer_start ();
  pw = cluster_user ();
  self_path = g_file_read_link ("/proc/self/exe", NULL);
  if (self_path == NULL || !user_can_execute (pw->pw_name, self_path))
    {
      g_test_skip ("this test binary is not reachable by the unprivileged user");
      return;
    }
  root = make_temp_dir ();
  g_assert_no_errno (chown (root, pw->pw_uid, pw->pw_gid));
  run_child_as (pw, self_path, root);
  report_time ();
}

static void
cleanup (void)
{
  g_autoptr(GError) error = NULL;

  if (shared_pg != NULL && !vb_embedded_pg_stop (shared_pg, &error))
    g_printerr ("# %s\n", error->message);
  g_clear_object (&shared_pg);
  for (guint i = 0; i < temp_dirs->len; i++)
    remove_tree (g_ptr_array_index (temp_dirs, i));
  g_ptr_array_unref (temp_dirs);
  g_free (shared_data_dir);
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  temp_dirs = g_ptr_array_new_with_free_func (g_free);

  g_test_add_func ("/embedded-pg/start", test_start);
  g_test_add_func ("/embedded-pg/second-instance", test_second_instance);
  g_test_add_func ("/embedded-pg/restart", test_restart);
  g_test_add_func ("/embedded-pg/crash-recovery", test_crash_recovery);
  g_test_add_func ("/embedded-pg/create-database", test_create_database);
  g_test_add_func ("/embedded-pg/start-failure-shows-log", test_start_failure_shows_log);
  g_test_add_func ("/embedded-pg/root-ownership", test_root_ownership);
  g_test_add_func ("/embedded-pg/root-unreachable-ancestor", test_root_unreachable_ancestor);
  g_test_add_func ("/embedded-pg/bad-setup", test_bad_setup);
  g_test_add_func (NORMAL_USER_PATH, test_normal_user);

  status = g_test_run ();
  cleanup ();
  return status;
}
