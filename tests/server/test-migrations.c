/* test-migrations.c — migrations apply once, in order, and re-running them
 * (also from two processes at once) changes nothing. */
#include "vb-test.h"
#include "vb-migrations.h"
#include "vb-error.h"

#include <string.h>
#include <unistd.h>

static gint64
count (VbDbConn *conn, const char *sql)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = vb_db_exec (conn, sql, 0, NULL, &error);

  g_assert_no_error (error);
  return vb_db_get_int (res, 0, 0);
}

static void
test_idempotent (void)
{
  g_autofree char *db = vb_test_new_database ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDbConn) conn = vb_db_conn_connect (vb_test_cluster_conninfo (db), &error);
  gint64 migrations, audit_rows, roles;
  guint applied = 99;

  g_assert_no_error (error);
  /* The template already has everything: nothing to apply. */
  migrations = count (conn, "SELECT count(*) FROM schema_migrations");
  audit_rows = count (conn, "SELECT count(*) FROM audit_log");
  roles = count (conn, "SELECT count(*) FROM roles");
  g_assert_cmpint (migrations, >=, 1);
  g_assert_true (vb_migrations_apply (conn, &applied, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (applied, ==, 0);
  g_assert_cmpint (count (conn, "SELECT count(*) FROM schema_migrations"), ==, migrations);
  g_assert_cmpint (count (conn, "SELECT count(*) FROM audit_log"), ==, audit_rows);
  g_assert_cmpint (count (conn, "SELECT count(*) FROM roles"), ==, roles);
}

static void
test_fresh_database_via_ctl_twice (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDbConn) admin = vb_db_conn_connect (vb_test_cluster_conninfo ("postgres"), &error);
  g_autoptr(GSubprocess) first = NULL, second = NULL, third = NULL;
  g_autofree char *ctl = g_build_filename (vb_test_build_dir (), "server", "voltbay-ctl", NULL);
  g_autofree char *db_arg = NULL;
  g_autofree char *out1 = NULL, *out2 = NULL, *out3 = NULL;
  g_autoptr(VbDbConn) conn = NULL;

  g_assert_no_error (error);
  /* An empty database (not the template): migrate from nothing. */
  g_assert_true (vb_db_exec_script (admin, "CREATE DATABASE fresh_migrations", &error));
  g_assert_no_error (error);
  db_arg = g_strconcat ("--database=", vb_test_cluster_conninfo ("fresh_migrations"), NULL);
  /* Two at once: the advisory lock serializes them. */
  first = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, ctl, db_arg, "migrate", NULL);
  g_assert_no_error (error);
  second = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, ctl, db_arg, "migrate", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (first, NULL, NULL, &out1, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (second, NULL, NULL, &out2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_subprocess_get_exit_status (first), ==, 0);
  g_assert_cmpint (g_subprocess_get_exit_status (second), ==, 0);
  /* Exactly one of them applied the migrations. */
  g_assert_true ((strstr (out1, " 0 migration") != NULL) != (strstr (out2, " 0 migration") != NULL));
  third = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, ctl, db_arg, "migrate", NULL);
  g_subprocess_communicate_utf8 (third, NULL, NULL, &out3, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (out3, " 0 migration"));
  conn = vb_db_conn_connect (vb_test_cluster_conninfo ("fresh_migrations"), &error);
  g_assert_no_error (error);
  g_assert_cmpint (count (conn, "SELECT count(*) FROM roles WHERE builtin"), ==, 4);
}

static void
test_edited_migration_refused (void)
{
  g_autofree char *db = vb_test_new_database ();
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDbConn) conn = vb_db_conn_connect (vb_test_cluster_conninfo (db), &error);
  guint applied = 0;

  g_assert_no_error (error);
  g_assert_cmpint (count (conn, "SELECT count(*) FROM schema_migrations WHERE checksum ~ '^[0-9a-f]{64}$'"),
                   ==, count (conn, "SELECT count(*) FROM schema_migrations"));
  /* As if 0001 had been edited since this database applied it. */
  g_assert_true (vb_db_exec_script (conn, "UPDATE schema_migrations SET checksum = repeat('0', 64) WHERE version = 1", &error));
  g_assert_false (vb_migrations_apply (conn, &applied, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  g_assert_nonnull (strstr (error->message, "0001-foundation.sql was changed"));
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/migrations/idempotent", test_idempotent);
  g_test_add_func ("/migrations/fresh-database-concurrent", test_fresh_database_via_ctl_twice);
  g_test_add_func ("/migrations/edited-migration-refused", test_edited_migration_refused);
  return g_test_run ();
}
