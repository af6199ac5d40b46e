/* vb-embedded-pg.c — runs a private PostgreSQL cluster for the server.
 *
 * Everything goes through initdb and pg_ctl rather than the postgres binary
 * itself: pg_ctl already knows how to wait for readiness, recognise a live
 * postmaster and clear a stale postmaster.pid after a crash, which is the
 * part we would get wrong.  Settings live in PGDATA/voltbay.conf, rewritten
 * before every start, so moving DATA_DIR or toggling the test-only fast mode
 * needs no migration.  PostgreSQL refuses to run as root, so as root the
 * tools run through runuser(1) as 'postgres' (else 'nobody'), who then owns
 * DATA_DIR/pg.
 */
#include "vb-embedded-pg.h"
#include "vb-error.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

#define DB_NAME "voltbay"
#define DB_USER "voltbay"
#define TIMEOUT_SECONDS 60
#define LOG_TAIL_LINES 20
#define LOG_TAIL_BYTES 16384
#define SETTINGS_FILE "voltbay.conf"
#define INCLUDE_LINE "include = '" SETTINGS_FILE "'"
/* The socket file pg_ctl and libpq derive from the directory and port. */
#define SOCKET_NAME "/.s.PGSQL.5432"

struct _VbEmbeddedPg
{
  GObject   parent_instance;

  char     *data_dir;
  char     *pg_dir;
  char     *pgdata;
  char     *socket_dir;
  char     *log_file;
  char     *conninfo;
  char     *bindir;
  gboolean  unsafe_fast;
  gboolean  started_here;

  /* Set only when we are root: the account the cluster runs as. */
  char     *run_user;
  uid_t     run_uid;
  gid_t     run_gid;
};

G_DEFINE_FINAL_TYPE (VbEmbeddedPg, vb_embedded_pg, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_DATA_DIR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
vb_embedded_pg_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  VbEmbeddedPg *self = VB_EMBEDDED_PG (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      /* Absolute, because libpq only treats a host starting with '/' as a
       * socket directory. */
      self->data_dir = g_canonicalize_filename (g_value_get_string (value), NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_embedded_pg_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  VbEmbeddedPg *self = VB_EMBEDDED_PG (object);

  switch (prop_id)
    {
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_embedded_pg_constructed (GObject *object)
{
  VbEmbeddedPg *self = VB_EMBEDDED_PG (object);

  G_OBJECT_CLASS (vb_embedded_pg_parent_class)->constructed (object);

  self->pg_dir = g_build_filename (self->data_dir, "pg", NULL);
  self->pgdata = g_build_filename (self->pg_dir, "data", NULL);
  self->socket_dir = g_build_filename (self->pg_dir, "run", NULL);
  self->log_file = g_build_filename (self->pg_dir, "log", NULL);
  self->conninfo = vb_embedded_pg_dup_conninfo_for (self, DB_NAME);
}

/* Neither dispose nor finalize stops the cluster.  voltbay-ctl uses this
 * object to reach the cluster of a running server, and dropping its last
 * reference must not shut the server's database down; only the owner knows
 * whether it is shutting down, so it calls vb_embedded_pg_stop(). */
static void
vb_embedded_pg_finalize (GObject *object)
{
  VbEmbeddedPg *self = VB_EMBEDDED_PG (object);

  g_free (self->data_dir);
  g_free (self->pg_dir);
  g_free (self->pgdata);
  g_free (self->socket_dir);
  g_free (self->log_file);
  g_free (self->conninfo);
  g_free (self->bindir);
  g_free (self->run_user);

  G_OBJECT_CLASS (vb_embedded_pg_parent_class)->finalize (object);
}

static void
vb_embedded_pg_class_init (VbEmbeddedPgClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = vb_embedded_pg_set_property;
  object_class->get_property = vb_embedded_pg_get_property;
  object_class->constructed = vb_embedded_pg_constructed;
  object_class->finalize = vb_embedded_pg_finalize;

  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vb_embedded_pg_init (VbEmbeddedPg *self)
{
}

VbEmbeddedPg *
vb_embedded_pg_new (const char *data_dir)
{
  g_return_val_if_fail (data_dir != NULL, NULL);

  return g_object_new (VB_TYPE_EMBEDDED_PG, "data-dir", data_dir, NULL);
}

void
vb_embedded_pg_set_unsafe_fast (VbEmbeddedPg *self,
                                gboolean      fast)
{
  g_return_if_fail (VB_IS_EMBEDDED_PG (self));

  self->unsafe_fast = !!fast;
}

void
vb_embedded_pg_set_bindir (VbEmbeddedPg *self,
                           const char   *bindir)
{
  g_return_if_fail (VB_IS_EMBEDDED_PG (self));

  g_free (self->bindir);
  self->bindir = g_strdup (bindir);
}

const char *
vb_embedded_pg_get_conninfo (VbEmbeddedPg *self)
{
  g_return_val_if_fail (VB_IS_EMBEDDED_PG (self), NULL);

  return self->conninfo;
}

const char *
vb_embedded_pg_get_socket_dir (VbEmbeddedPg *self)
{
  g_return_val_if_fail (VB_IS_EMBEDDED_PG (self), NULL);

  return self->socket_dir;
}

gboolean
vb_embedded_pg_get_started_here (VbEmbeddedPg *self)
{
  g_return_val_if_fail (VB_IS_EMBEDDED_PG (self), FALSE);

  return self->started_here;
}

/* libpq keyword quoting: single quotes, with ' and \ backslash-escaped. */
static void
append_conninfo_value (GString    *conninfo,
                       const char *keyword,
                       const char *value)
{
  g_string_append_printf (conninfo, "%s%s='", conninfo->len > 0 ? " " : "", keyword);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (conninfo, '\\');
      g_string_append_c (conninfo, *p);
    }
  g_string_append_c (conninfo, '\'');
}

char *
vb_embedded_pg_dup_conninfo_for (VbEmbeddedPg *self,
                                 const char   *dbname)
{
  GString *conninfo;

  g_return_val_if_fail (VB_IS_EMBEDDED_PG (self), NULL);
  g_return_val_if_fail (dbname != NULL, NULL);

  conninfo = g_string_new (NULL);
  append_conninfo_value (conninfo, "host", self->socket_dir);
  append_conninfo_value (conninfo, "dbname", dbname);
  g_string_append (conninfo, " user=" DB_USER);
  return g_string_free (conninfo, FALSE);
}

/* ---- Preconditions ---------------------------------------------------- */

static gboolean
check_data_dir_path (VbEmbeddedPg  *self,
                     GError       **error)
{
  /* pg_ctl pastes -D and -l into a double-quoted /bin/sh command line, and
   * libpq splits a host on commas: these characters cannot be passed
   * through safely at all, so refuse them rather than half-quote them. */
  for (const char *p = self->data_dir; *p != '\0'; p++)
    {
      if (strchr ("\"$`\\,", *p) == NULL && !g_ascii_iscntrl (*p))
        continue;
      vb_set_validation_error (error, "data_dir",
                               "The data directory %s contains a character "
                               "PostgreSQL's tools cannot take safely "
                               "(one of \" $ ` \\ , or a control character); "
                               "choose another path", self->data_dir);
      return FALSE;
    }

  if (strlen (self->socket_dir) + strlen (SOCKET_NAME) >= sizeof (((struct sockaddr_un *) NULL)->sun_path))
    {
      vb_set_validation_error (error, "data_dir",
                               "The data directory %s is too long for a Unix "
                               "socket path inside it; choose a shorter path",
                               self->data_dir);
      return FALSE;
    }
  return TRUE;
}

static gboolean
resolve_run_user (VbEmbeddedPg  *self,
                  GError       **error)
{
  struct passwd *pw;

  if (geteuid () != 0 || self->run_user != NULL)
    return TRUE;

  pw = getpwnam ("postgres");
  if (pw == NULL)
    pw = getpwnam ("nobody");
  if (pw == NULL)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                           "PostgreSQL cannot run as root, and there is neither a "
                           "'postgres' nor a 'nobody' account to run it as");
      return FALSE;
    }
  self->run_user = g_strdup (pw->pw_name);
  self->run_uid = pw->pw_uid;
  self->run_gid = pw->pw_gid;
  return TRUE;
}

/* The kernel's rule: the owner class alone applies to the owner, the group
 * class to members, and only then "other".  ACLs are not considered. */
static gboolean
can_traverse (const struct stat *st,
              uid_t              uid,
              const gid_t       *groups,
              int                n_groups)
{
  if (st->st_uid == uid)
    return (st->st_mode & S_IXUSR) != 0;
  for (int i = 0; i < n_groups; i++)
    if (st->st_gid == groups[i])
      return (st->st_mode & S_IXGRP) != 0;
  return (st->st_mode & S_IXOTH) != 0;
}

static gboolean
check_reachable_prefix (VbEmbeddedPg  *self,
                        const char    *path,
                        const gid_t   *groups,
                        int            n_groups,
                        GError       **error)
{
  struct stat st;

  if (g_stat (path, &st) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                   "Could not inspect %s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  if (can_traverse (&st, self->run_uid, groups, n_groups))
    return TRUE;

  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
               "PostgreSQL runs as user '%s', which cannot reach %s (mode %04o). "
               "Choose a data directory it can reach, e.g. /var/lib/voltbay, "
               "or run as a normal user.",
               self->run_user, path, (unsigned) (st.st_mode & 07777));
  return FALSE;
}

/* We deliberately never chmod an ancestor: loosening /root or a home
 * directory behind the administrator's back is worse than refusing. */
static gboolean
check_reachable (VbEmbeddedPg  *self,
                 GError       **error)
{
  g_autofree char *real = realpath (self->data_dir, NULL);
  gid_t groups[256];
  int n_groups = G_N_ELEMENTS (groups);
  gsize len;

  if (real == NULL)
    {
      int saved_errno = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "Could not resolve %s: %s",
                   self->data_dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (getgrouplist (self->run_user, self->run_gid, groups, &n_groups) < 0)
    n_groups = G_N_ELEMENTS (groups);

  len = strlen (real);
  for (gsize i = 0; i <= len; i++)
    {
      g_autofree char *prefix = NULL;

      if (i != len && real[i] != '/')
        continue;
      prefix = g_strndup (real, MAX (i, 1));
      if (!check_reachable_prefix (self, prefix, groups, n_groups, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
prepare_data_dir (VbEmbeddedPg  *self,
                  GError       **error)
{
  /* A directory root creates for us gets 0711 so that the cluster's user
   * can pass through to DATA_DIR/pg without being able to list the rest. */
  int mode = self->run_user != NULL ? 0711 : 0700;

  if (!g_file_test (self->data_dir, G_FILE_TEST_IS_DIR) &&
      g_mkdir_with_parents (self->data_dir, mode) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "Could not create %s: %s",
                   self->data_dir, g_strerror (saved_errno));
      return FALSE;
    }
  return self->run_user == NULL || check_reachable (self, error);
}

static gboolean
is_server_bindir (const char *dir)
{
  g_autofree char *initdb = g_build_filename (dir, "initdb", NULL);
  g_autofree char *pg_ctl = g_build_filename (dir, "pg_ctl", NULL);

  return g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE) &&
         g_file_test (pg_ctl, G_FILE_TEST_IS_EXECUTABLE);
}

/* Debian's pg_config belongs to the client package and says nothing about
 * servers; each installed server major lives in /usr/lib/postgresql/N/bin.
 * An existing cluster wants the major it was made by, else take the newest. */
static char *
find_debian_bindir (const char *wanted_major)
{
  g_autoptr(GDir) dir = g_dir_open ("/usr/lib/postgresql", 0, NULL);
  g_autofree char *best = NULL;
  double best_version = -1;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *bindir = g_build_filename ("/usr/lib/postgresql", name, "bin", NULL);
      char *end = NULL;
      double version = g_ascii_strtod (name, &end);

      if (end == name || *end != '\0' || !is_server_bindir (bindir))
        continue;
      if (g_strcmp0 (name, wanted_major) == 0)
        return g_steal_pointer (&bindir);
      if (version > best_version)
        {
          best_version = version;
          g_free (best);
          best = g_steal_pointer (&bindir);
        }
    }
  return g_steal_pointer (&best);
}

static char *
read_cluster_major (VbEmbeddedPg *self)
{
  g_autofree char *path = g_build_filename (self->pgdata, "PG_VERSION", NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  return g_strstrip (contents);
}

static gboolean
resolve_bindir (VbEmbeddedPg  *self,
                GError       **error)
{
  g_autofree char *major = NULL;
  g_autofree char *initdb = NULL;

  if (self->bindir == NULL)
    {
      major = read_cluster_major (self);
      self->bindir = find_debian_bindir (major);
    }
  if (self->bindir == NULL && (initdb = g_find_program_in_path ("initdb")) != NULL)
    self->bindir = g_path_get_dirname (initdb);

  if (self->bindir != NULL && is_server_bindir (self->bindir))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
               "The PostgreSQL server programs (initdb, pg_ctl) were not found%s%s; "
               "install the PostgreSQL server package",
               self->bindir != NULL ? " in " : "", self->bindir != NULL ? self->bindir : "");
  return FALSE;
}

/* ---- Running the tools ------------------------------------------------ */

static char *
find_runuser (void)
{
  char *path = g_find_program_in_path ("runuser");

  /* Services often run with a PATH that lacks the sbin directories. */
  if (path == NULL && g_file_test ("/usr/sbin/runuser", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/usr/sbin/runuser");
  if (path == NULL && g_file_test ("/sbin/runuser", G_FILE_TEST_IS_EXECUTABLE))
    path = g_strdup ("/sbin/runuser");
  return path;
}

static GPtrArray *
build_tool_argv (VbEmbeddedPg        *self,
                 const char * const  *args,
                 GError             **error)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);

  if (self->run_user != NULL)
    {
      char *runuser = find_runuser ();

      if (runuser == NULL)
        {
          g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                               "PostgreSQL cannot run as root, and runuser(1) "
                               "was not found to switch to another user");
          return NULL;
        }
      g_ptr_array_add (argv, runuser);
      g_ptr_array_add (argv, g_strdup ("-u"));
      g_ptr_array_add (argv, g_strdup (self->run_user));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  g_ptr_array_add (argv, g_build_filename (self->bindir, args[0], NULL));
  for (guint i = 1; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  return g_steal_pointer (&argv);
}

/* PostgreSQL gets a session of its own: a Ctrl+C at the terminal goes to
 * voltbay-server, which then stops the cluster in order, instead of hitting
 * the postmaster (and pg_ctl) directly in the middle of that. */
static void
detach_from_terminal (gpointer user_data)
{
  setsid ();
}

/* Runs an initdb/pg_ctl command, as the cluster's user when we are root,
 * and hands back its exit status with stdout and stderr merged: on failure
 * that text is the only explanation the administrator gets. */
static gboolean
run_tool (VbEmbeddedPg        *self,
          const char * const  *args,
          int                 *out_status,
          char               **out_output,
          GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GBytes) output = NULL;
  g_autoptr(GError) local_error = NULL;

  argv = build_tool_argv (self, args, error);
  if (argv == NULL)
    return FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  /* The cluster's user may be unable to enter our working directory. */
  g_subprocess_launcher_set_cwd (launcher, "/");
  g_subprocess_launcher_set_child_setup (launcher, detach_from_terminal, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                          &local_error);
  if (process == NULL ||
      !g_subprocess_communicate (process, NULL, NULL, &output, NULL, &local_error))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "Could not run %s: %s",
                   args[0], local_error->message);
      return FALSE;
    }

  *out_status = g_subprocess_get_if_exited (process) ? g_subprocess_get_exit_status (process) : -1;
  if (out_output != NULL && (output == NULL || g_bytes_get_size (output) == 0))
    *out_output = g_strdup ("");
  else if (out_output != NULL)
    *out_output = g_strchomp (g_utf8_make_valid (g_bytes_get_data (output, NULL),
                                                 g_bytes_get_size (output)));
  return TRUE;
}

static gboolean
run_tool_checked (VbEmbeddedPg        *self,
                  const char * const  *args,
                  GError             **error)
{
  g_autofree char *output = NULL;
  int status;

  if (!run_tool (self, args, &status, &output, error))
    return FALSE;
  if (status == 0)
    return TRUE;

  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "%s failed (exit status %d): %s",
               args[0], status, output);
  return FALSE;
}

static gboolean
has_cluster (VbEmbeddedPg *self)
{
  g_autofree char *path = g_build_filename (self->pgdata, "PG_VERSION", NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* pg_ctl status: 0 running, 3 not running, 4 no usable data directory.  A
 * postmaster.pid left by a crash names a dead process and reads as 3. */
static gboolean
postmaster_running (VbEmbeddedPg  *self,
                    gboolean      *out_running,
                    GError       **error)
{
  const char *args[] = { "pg_ctl", "status", "-D", self->pgdata, NULL };
  g_autofree char *output = NULL;
  int status;

  if (!run_tool (self, args, &status, &output, error))
    return FALSE;
  if (status == 0 || status == 3 || status == 4)
    {
      *out_running = status == 0;
      return TRUE;
    }
  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
               "Could not tell whether PostgreSQL runs in %s: %s", self->pgdata, output);
  return FALSE;
}

/* ---- Creating and starting the cluster -------------------------------- */

static gboolean
ensure_private_dir (const char  *path,
                    GError     **error)
{
  int saved_errno;

  if (g_mkdir_with_parents (path, 0700) == 0 && g_chmod (path, 0700) == 0)
    return TRUE;

  saved_errno = errno;
  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "Could not create %s: %s",
               path, g_strerror (saved_errno));
  return FALSE;
}

static gboolean
chown_tree (const char  *path,
            uid_t        uid,
            gid_t        gid,
            GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  struct stat st;
  const char *name;

  if (g_lstat (path, &st) != 0)
    return errno == ENOENT;
  if ((st.st_uid != uid || st.st_gid != gid) && lchown (path, uid, gid) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "Could not hand %s to the "
                   "PostgreSQL user: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  if (!S_ISDIR (st.st_mode))
    return TRUE;

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (!chown_tree (child, uid, gid, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
hand_over_pg_dir (VbEmbeddedPg  *self,
                  GError       **error)
{
  if (self->run_user == NULL)
    return TRUE;
  return chown_tree (self->pg_dir, self->run_uid, self->run_gid, error);
}

static gboolean
init_cluster (VbEmbeddedPg  *self,
              GError       **error)
{
  /* Trust authentication is acceptable only because nobody else can reach
   * the server: the socket sits in a 0700 directory owned by the cluster's
   * user and listen_addresses is empty, so there is no TCP port at all.
   * Host lines still say reject, should TCP ever be switched on. */
  const char *args[] = {
    "initdb", "-D", self->pgdata, "-U", DB_USER,
    "-A", "trust", "--auth-host=reject", "-E", "UTF8", "--locale=C.UTF-8",
    self->unsafe_fast ? "--no-sync" : NULL, NULL
  };

  return run_tool_checked (self, args, error);
}

/* postgresql.conf quoting: single quotes, ' doubled, \ escaped. */
static void
append_conf_string (GString    *conf,
                    const char *value)
{
  g_string_append_c (conf, '\'');
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\'' || *p == '\\')
        g_string_append_c (conf, *p);
      g_string_append_c (conf, *p);
    }
  g_string_append_c (conf, '\'');
}

static gboolean
set_file_contents (const char  *path,
                   const char  *contents,
                   GError     **error)
{
  g_autoptr(GError) local_error = NULL;

  if (g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                0600, &local_error))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "%s", local_error->message);
  return FALSE;
}

static gboolean
ensure_settings_included (VbEmbeddedPg  *self,
                          GError       **error)
{
  g_autofree char *path = g_build_filename (self->pgdata, "postgresql.conf", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *updated = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &local_error))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE, "%s", local_error->message);
      return FALSE;
    }
  if (strstr (contents, "\n" INCLUDE_LINE "\n") != NULL)
    return TRUE;

  updated = g_strconcat (contents, "\n# Voltbay's settings, rewritten before every start.\n",
                         INCLUDE_LINE "\n", NULL);
  return set_file_contents (path, updated, error);
}

static gboolean
write_settings (VbEmbeddedPg  *self,
                GError       **error)
{
  g_autofree char *path = g_build_filename (self->pgdata, SETTINGS_FILE, NULL);
  g_autofree char *socket_list = g_strdup_printf ("\"%s\"", self->socket_dir);
  g_autoptr(GString) conf = g_string_new ("# Written by Voltbay before every start; edits are lost.\n");

  g_string_append (conf, "listen_addresses = ''\n");
  /* A list setting: the double quotes keep a path with spaces in one piece. */
  g_string_append (conf, "unix_socket_directories = ");
  append_conf_string (conf, socket_list);
  g_string_append (conf, "\nunix_socket_permissions = 0700\n");
  if (self->unsafe_fast)
    g_string_append (conf, "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n");

  return set_file_contents (path, conf->str, error) &&
         ensure_settings_included (self, error);
}

static char *
read_log_tail (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) input = g_file_read (file, NULL, NULL);
  g_autofree char *buffer = g_malloc (LOG_TAIL_BYTES + 1);
  g_auto(GStrv) lines = NULL;
  g_autofree char *tail = NULL;
  gboolean truncated;
  gsize n_read = 0;
  guint n_lines, first;

  if (input == NULL)
    return g_strdup ("(no log file)");
  /* Seeking fails on a file shorter than the window: then read it all. */
  truncated = g_seekable_seek (G_SEEKABLE (input), -LOG_TAIL_BYTES, G_SEEK_END, NULL, NULL);
  g_input_stream_read_all (G_INPUT_STREAM (input), buffer, LOG_TAIL_BYTES, &n_read, NULL, NULL);
  buffer[n_read] = '\0';

  lines = g_strsplit (g_strchomp (buffer), "\n", -1);
  n_lines = g_strv_length (lines);
  first = n_lines > LOG_TAIL_LINES ? n_lines - LOG_TAIL_LINES : (truncated && n_lines > 1 ? 1 : 0);
  tail = g_strjoinv ("\n", lines + first);
  return g_utf8_make_valid (tail, -1);
}

static gboolean
start_postmaster (VbEmbeddedPg  *self,
                  GError       **error)
{
  /* Command-line settings outrank postgresql.auto.conf: no ALTER SYSTEM can
   * open a TCP port on this trust-authenticated cluster. */
  const char *args[] = {
    "pg_ctl", "start", "-D", self->pgdata, "-l", self->log_file,
    "-w", "-t", G_STRINGIFY (TIMEOUT_SECONDS), "-o", "-c listen_addresses=", NULL
  };
  g_autofree char *output = NULL;
  g_autofree char *log_tail = NULL;
  int status;

  if (!run_tool (self, args, &status, &output, error))
    return FALSE;
  if (status == 0)
    return TRUE;

  log_tail = read_log_tail (self->log_file);
  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
               "PostgreSQL did not start (pg_ctl exit status %d): %s\n"
               "Last lines of %s:\n%s", status, output, self->log_file, log_tail);
  return FALSE;
}

static gboolean
launch_cluster (VbEmbeddedPg  *self,
                GError       **error)
{
  if (!ensure_private_dir (self->pg_dir, error) ||
      !ensure_private_dir (self->socket_dir, error))
    return FALSE;

  /* initdb creates PGDATA itself, as the user who must own it. */
  if (!has_cluster (self) &&
      (!hand_over_pg_dir (self, error) || !init_cluster (self, error)))
    return FALSE;

  if (!write_settings (self, error) ||
      !hand_over_pg_dir (self, error) ||
      !start_postmaster (self, error))
    return FALSE;

  self->started_here = TRUE;
  return TRUE;
}

/* ---- Talking to the cluster ------------------------------------------- */

static PGconn *
connect_to (VbEmbeddedPg  *self,
            const char    *dbname,
            GError       **error)
{
  const char *keywords[] = { "host", "dbname", "user", NULL };
  const char *values[] = { self->socket_dir, dbname, DB_USER, NULL };
  g_autoptr(PGconn) conn = PQconnectdbParams (keywords, values, FALSE);

  if (conn != NULL && PQstatus (conn) == CONNECTION_OK)
    return g_steal_pointer (&conn);

  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
               "Could not connect to PostgreSQL in %s: %s", self->socket_dir,
               conn != NULL ? g_strchomp (PQerrorMessage (conn)) : "out of memory");
  return NULL;
}

static PGPing
ping_cluster (VbEmbeddedPg *self)
{
  const char *keywords[] = { "host", "dbname", "user", NULL };
  const char *values[] = { self->socket_dir, "postgres", DB_USER, NULL };

  return PQpingParams (keywords, values, FALSE);
}

/* A postmaster we did not start may still be recovering after a crash;
 * pg_ctl status already calls that running. */
static gboolean
wait_until_ready (VbEmbeddedPg  *self,
                  GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_SECONDS * G_USEC_PER_SEC;

  for (;;)
    {
      PGPing ping = ping_cluster (self);

      if (ping == PQPING_OK)
        return TRUE;
      if (ping == PQPING_NO_ATTEMPT || g_get_monotonic_time () > deadline)
        break;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
               "PostgreSQL in %s does not accept connections; see %s",
               self->socket_dir, self->log_file);
  return FALSE;
}

static void
set_error_from_result (GError         **error,
                       PGconn          *conn,
                       const PGresult  *result,
                       const char      *what)
{
  const char *sqlstate = PQresultErrorField (result, PG_DIAG_SQLSTATE);
  const char *message = PQresultErrorMessage (result);
  g_autofree char *text = g_strchomp (g_strdup (*message != '\0' ? message : PQerrorMessage (conn)));
  VbErrorCode code = VB_ERROR_INTERNAL;

  if (g_strcmp0 (sqlstate, "42P04") == 0)        /* duplicate_database */
    code = VB_ERROR_CONFLICT;
  else if (g_strcmp0 (sqlstate, "3D000") == 0)   /* invalid_catalog_name */
    code = VB_ERROR_NOT_FOUND;
  else if (g_strcmp0 (sqlstate, "55006") == 0)   /* template in use */
    code = VB_ERROR_RETRY;
  g_set_error (error, VB_ERROR, code, "%s: %s", what, text);
}

static gboolean
append_identifier (GString     *sql,
                   PGconn      *conn,
                   const char  *name,
                   GError     **error)
{
  char *quoted = PQescapeIdentifier (conn, name, strlen (name));

  if (quoted == NULL)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INTERNAL, "Could not quote %s: %s",
                   name, PQerrorMessage (conn));
      return FALSE;
    }
  g_string_append (sql, quoted);
  PQfreemem (quoted);
  return TRUE;
}

static gboolean
exec_create_database (PGconn      *conn,
                      const char  *name,
                      const char  *template_name,
                      GError     **error)
{
  g_autoptr(GString) sql = g_string_new ("CREATE DATABASE ");
  g_autoptr(PGresult) result = NULL;
  g_autofree char *what = NULL;

  if (!append_identifier (sql, conn, name, error))
    return FALSE;
  if (template_name != NULL)
    {
      g_string_append (sql, " TEMPLATE ");
      if (!append_identifier (sql, conn, template_name, error))
        return FALSE;
    }

  result = PQexec (conn, sql->str);
  if (PQresultStatus (result) == PGRES_COMMAND_OK)
    return TRUE;
  what = g_strdup_printf ("Could not create database %s", name);
  set_error_from_result (error, conn, result, what);
  return FALSE;
}

static gboolean
ensure_database (VbEmbeddedPg  *self,
                 GError       **error)
{
  const char *params[] = { DB_NAME };
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(PGresult) result = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!wait_until_ready (self, error) || (conn = connect_to (self, "postgres", error)) == NULL)
    return FALSE;

  result = PQexecParams (conn, "SELECT 1 FROM pg_database WHERE datname = $1",
                         1, NULL, params, NULL, NULL, 0);
  if (PQresultStatus (result) != PGRES_TUPLES_OK)
    {
      set_error_from_result (error, conn, result, "Could not list databases");
      return FALSE;
    }
  if (PQntuples (result) > 0)
    return TRUE;

  /* Another process starting at the same moment may win the race. */
  if (exec_create_database (conn, DB_NAME, NULL, &local_error) ||
      g_error_matches (local_error, VB_ERROR, VB_ERROR_CONFLICT))
    return TRUE;
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* pg_ctl status trusts kill (pid, 0), which also succeeds for a postmaster
 * killed but not yet reaped by init (a second or more in some containers),
 * and a new postmaster would refuse that lock file too.  So a "running"
 * postmaster counts only once it answers, even if just to say it is
 * starting up; until then keep asking both questions. */
static gboolean
find_live_postmaster (VbEmbeddedPg  *self,
                      gboolean      *out_running,
                      GError       **error)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_SECONDS * G_USEC_PER_SEC;

  while (postmaster_running (self, out_running, error))
    {
      if (!*out_running || ping_cluster (self) != PQPING_NO_RESPONSE)
        return TRUE;
      if (g_get_monotonic_time () > deadline)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                       "PostgreSQL in %s has a live postmaster.pid but does not "
                       "answer on %s", self->pgdata, self->socket_dir);
          return FALSE;
        }
      g_usleep (G_USEC_PER_SEC / 10);
    }
  return FALSE;
}

/* ---- Public entry points ---------------------------------------------- */

gboolean
vb_embedded_pg_start (VbEmbeddedPg  *self,
                      GError       **error)
{
  gboolean running = FALSE;

  g_return_val_if_fail (VB_IS_EMBEDDED_PG (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_data_dir_path (self, error) ||
      !resolve_run_user (self, error) ||
      !prepare_data_dir (self, error) ||
      !resolve_bindir (self, error))
    return FALSE;

  if (has_cluster (self) && !find_live_postmaster (self, &running, error))
    return FALSE;
  if (!running && !launch_cluster (self, error))
    return FALSE;

  if (ensure_database (self, error))
    return TRUE;
  /* Do not leave behind a postmaster that nobody will own. */
  if (!running)
    vb_embedded_pg_stop (self, NULL);
  return FALSE;
}

gboolean
vb_embedded_pg_stop (VbEmbeddedPg  *self,
                     GError       **error)
{
  const char *args[] = {
    "pg_ctl", "stop", "-D", self->pgdata, "-m", "fast",
    "-w", "-t", G_STRINGIFY (TIMEOUT_SECONDS), NULL
  };
  g_autofree char *output = NULL;
  gboolean running = TRUE;
  int status;

  g_return_val_if_fail (VB_IS_EMBEDDED_PG (self), FALSE);

  if (!self->started_here)
    return TRUE;
  if (!run_tool (self, args, &status, &output, error))
    return FALSE;

  /* Someone else stopping it first is as good as stopping it ourselves. */
  if (status != 0 && (!postmaster_running (self, &running, NULL) || running))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                   "Could not stop PostgreSQL in %s: %s", self->pgdata, output);
      return FALSE;
    }
  self->started_here = FALSE;
  return TRUE;
}

static gboolean
check_database_name (const char  *field,
                     const char  *name,
                     GError     **error)
{
  gsize len = strlen (name);
  gboolean valid = len >= 1 && len <= 63 &&
                   (g_ascii_islower (name[0]) || name[0] == '_');

  for (gsize i = 1; valid && i < len; i++)
    valid = g_ascii_islower (name[i]) || g_ascii_isdigit (name[i]) || name[i] == '_';
  if (valid)
    return TRUE;

  vb_set_validation_error (error, field,
                           "'%s' is not a valid database name: use 1 to 63 lower-case "
                           "letters, digits and underscores, not starting with a digit",
                           name);
  return FALSE;
}

gboolean
vb_embedded_pg_create_database (VbEmbeddedPg  *self,
                                const char    *name,
                                const char    *template_name,
                                GError       **error)
{
  g_autoptr(PGconn) conn = NULL;

  g_return_val_if_fail (VB_IS_EMBEDDED_PG (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!check_database_name ("name", name, error) ||
      (template_name != NULL && !check_database_name ("template", template_name, error)))
    return FALSE;

  conn = connect_to (self, "postgres", error);
  return conn != NULL && exec_create_database (conn, name, template_name, error);
}
