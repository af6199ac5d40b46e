/* vb-test.c — fixture: one PostgreSQL per test binary, one server per test.
 *
 * A watchdog shell holds a pipe from this process: when the test binary
 * dies for any reason (an assertion abort included) the pipe closes and the
 * watchdog stops the cluster and removes its directory, so failed runs do
 * not leave postmasters behind.
 */
#include "vb-test.h"
#include "vb-embedded-pg.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-migrations.h"
#include "vb-totp.h"

#include <glib/gstdio.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

#define TEMPLATE_DB "vb_template"
#define TEST_PASSWORD "correct horse battery staple"


static char         *cluster_dir;
static VbEmbeddedPg *cluster;
static GSubprocess  *watchdog;
static guint         db_counter;

const char *
vb_test_build_dir (void)
{
  const char *dir = g_getenv ("VOLTBAY_BUILD_DIR");
  g_assert_nonnull (dir);
  return dir;
}

static void
cluster_shutdown (void)
{
  g_autoptr(GError) error = NULL;

  if (cluster != NULL && !vb_embedded_pg_stop (cluster, &error))
    g_printerr ("# stopping test PostgreSQL: %s\n", error->message);
  g_clear_object (&cluster);
  /* Closing the watchdog's stdin lets it remove the directory. */
  if (watchdog != NULL)
    {
      g_output_stream_close (g_subprocess_get_stdin_pipe (watchdog), NULL, NULL);
      g_subprocess_wait (watchdog, NULL, NULL);
    }
  g_clear_object (&watchdog);
  g_clear_pointer (&cluster_dir, g_free);
}

static void
start_watchdog (void)
{
  g_autoptr(GError) error = NULL;

  watchdog = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
    "sh", "-c",
    "cat >/dev/null; pid=$(head -n 1 \"$1/pg/data/postmaster.pid\" 2>/dev/null)"
    " && kill -QUIT \"$pid\" 2>/dev/null && sleep 0.3; rm -rf \"$1\"",
    "vb-test-watchdog", cluster_dir, NULL);
  g_assert_no_error (error);
}

static void
build_template (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbDbConn) conn = NULL;
  g_autofree char *conninfo = NULL;
  guint applied = 0;

  vb_embedded_pg_create_database (cluster, TEMPLATE_DB, NULL, &error);
  g_assert_no_error (error);
  conninfo = vb_embedded_pg_dup_conninfo_for (cluster, TEMPLATE_DB);
  conn = vb_db_conn_connect (conninfo, &error);
  g_assert_no_error (error);
  vb_migrations_apply (conn, &applied, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (applied, >, 0);
}

void
vb_test_init (int    *argc,
              char ***argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (argc, argv, NULL);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  cluster_dir = g_dir_make_tmp ("voltbay-test-XXXXXX", &error);
  g_assert_no_error (error);
  /* As root, PostgreSQL runs as another user that must reach this dir. */
  g_chmod (cluster_dir, 0755);
  start_watchdog ();
  cluster = vb_embedded_pg_new (cluster_dir);
  vb_embedded_pg_set_unsafe_fast (cluster, TRUE);
  vb_embedded_pg_start (cluster, &error);
  g_assert_no_error (error);
  build_template ();
  atexit (cluster_shutdown);
}

const char *
vb_test_cluster_conninfo (const char *dbname)
{
  static GHashTable *cache;
  char *conninfo;

  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  conninfo = g_hash_table_lookup (cache, dbname);
  if (conninfo == NULL)
    {
      conninfo = vb_embedded_pg_dup_conninfo_for (cluster, dbname);
      g_hash_table_insert (cache, g_strdup (dbname), conninfo);
    }
  return conninfo;
}

char *
vb_test_new_database (void)
{
  g_autoptr(GError) error = NULL;
  char *name = g_strdup_printf ("t_%d_%u", (int) getpid (), ++db_counter);

  vb_embedded_pg_create_database (cluster, name, TEMPLATE_DB, &error);
  g_assert_no_error (error);
  return name;
}

void
vb_test_cluster_restart (void)
{
  g_autoptr(GError) error = NULL;

  vb_embedded_pg_stop (cluster, &error);
  g_assert_no_error (error);
  vb_embedded_pg_start (cluster, &error);
  g_assert_no_error (error);
}

static gboolean
wait_for_port (VbTestServer *server,
               const char   *port_file)
{
  for (int i = 0; i < 3000; i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (port_file, &text, NULL, NULL) && strchr (text, '\n') != NULL)
        {
          server->port = (guint) g_ascii_strtoull (text, NULL, 10);
          return server->port != 0;
        }
      if (g_subprocess_get_identifier (server->process) == NULL)
        return FALSE;
      g_usleep (10 * 1000);
    }
  return FALSE;
}

static void
print_log (VbTestServer *server)
{
  g_autofree char *log = NULL;

  if (g_file_get_contents (server->log_path, &log, NULL, NULL))
    g_printerr ("# --- voltbay-server log (%s) ---\n%s# --- end of log ---\n", server->log_path, log);
}

static gboolean
accept_pinned_cb (SoupMessage          *msg,
                  GTlsCertificate      *peer,
                  GTlsCertificateFlags  errors,
                  gpointer              user_data)
{
  VbTestServer *server = user_data;

  return server->pinned != NULL && g_tls_certificate_is_same (peer, server->pinned);
}

static void
pin_certificate_cb (SoupSession *session,
                    SoupMessage *msg,
                    gpointer     user_data)
{
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_pinned_cb), user_data);
}

/* The server must not outlive a test binary that aborts. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
spawn (VbTestServer *server)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *port_file = g_strconcat (server->log_path, ".port", NULL);

  g_unlink (port_file);
  g_ptr_array_add (argv, g_build_filename (vb_test_build_dir (), "server", "voltbay-server", NULL));
  if (!server->tls)
    g_ptr_array_add (argv, g_strdup ("--no-tls"));
  g_ptr_array_add (argv, g_strconcat ("--data-dir=", server->data_dir, NULL));
  g_ptr_array_add (argv, g_strdup_printf ("--listen=127.0.0.1:%u", server->port));
  g_ptr_array_add (argv, g_strdup ("--workers=4"));
  g_ptr_array_add (argv, g_strconcat ("--database=", server->conninfo, NULL));
  g_ptr_array_add (argv, g_strconcat ("--port-file=", port_file, NULL));
  for (guint i = 0; server->extra_args != NULL && server->extra_args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (server->extra_args[i]));
  g_ptr_array_add (argv, NULL);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  /* Appending: a restarted server keeps one log. */
  g_subprocess_launcher_take_stderr_fd (launcher,
                                        open (server->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644));
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  if (!wait_for_port (server, port_file))
    {
      print_log (server);
      g_error ("voltbay-server did not start");
    }
}

static void
load_pinned (VbTestServer *server)
{
  g_autofree char *cert_path = g_build_filename (server->data_dir, "tls", "server.crt", NULL);
  g_autoptr(GError) error = NULL;

  g_clear_object (&server->pinned);
  server->pinned = g_tls_certificate_new_from_file (cert_path, &error);
  g_assert_no_error (error);
  g_free (server->cert_path);
  server->cert_path = g_steal_pointer (&cert_path);
}

static VbTestServer *
start_server (const char         *dbname,
              const char * const *extra_args,
              gboolean            tls)
{
  VbTestServer *server = g_new0 (VbTestServer, 1);
  static guint instance;

  server->dbname = dbname ? g_strdup (dbname) : vb_test_new_database ();
  server->conninfo = g_strdup (vb_test_cluster_conninfo (server->dbname));
  server->log_path = g_strdup_printf ("%s/%s-%u.log", cluster_dir, server->dbname, ++instance);
  server->extra_args = g_strdupv ((char **) extra_args);
  server->tls = tls;
  server->data_dir = g_strdup_printf ("%s/%s-%s-%u", cluster_dir, tls ? "tls" : "data",
                                      server->dbname, instance);
  g_mkdir_with_parents (server->data_dir, 0700);
  spawn (server);
  server->base_url = g_strdup_printf ("%s://127.0.0.1:%u", tls ? "https" : "http", server->port);
  server->session = soup_session_new_with_options ("timeout", 60, "proxy-resolver", NULL, NULL);
  if (tls)
    {
      load_pinned (server);
      g_signal_connect (server->session, "request-queued", G_CALLBACK (pin_certificate_cb), server);
    }
  return server;
}

VbTestServer *
vb_test_server_start_tls (void)
{
  return start_server (NULL, NULL, TRUE);
}

VbTestServer *
vb_test_server_start (const char * const *extra_args)
{
  return start_server (NULL, extra_args, FALSE);
}

VbTestServer *
vb_test_server_start_peer (VbTestServer *first)
{
  return start_server (first->dbname, (const char * const *) first->extra_args, first->tls);
}

void
vb_test_server_kill (VbTestServer *server)
{
  g_autoptr(GError) error = NULL;

  if (server->process == NULL)
    return;
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  /* A clean exit is part of every test: leaks (LSan) and crashes fail it. */
  if (!g_subprocess_get_if_exited (server->process) || g_subprocess_get_exit_status (server->process) != 0)
    {
      print_log (server);
      g_error ("voltbay-server did not exit cleanly");
    }
  g_clear_object (&server->process);
}

void
vb_test_server_crash (VbTestServer *server)
{
  g_autoptr(GError) error = NULL;

  if (server->process == NULL)
    return;
  /* No shutdown path runs: requests in flight die mid-transaction. */
  g_subprocess_send_signal (server->process, SIGKILL);
  g_subprocess_wait (server->process, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&server->process);
}

void
vb_test_server_restart (VbTestServer *server,
                        gboolean      new_certificate)
{
  vb_test_server_kill (server);
  if (new_certificate)
    {
      g_autofree char *crt = NULL;
      g_autofree char *key = NULL;

      g_assert_nonnull (server->data_dir);
      crt = g_build_filename (server->data_dir, "tls", "server.crt", NULL);
      key = g_build_filename (server->data_dir, "tls", "server.key", NULL);
      g_unlink (crt);
      g_unlink (key);
    }
  spawn (server);
  if (new_certificate)
    load_pinned (server);
}

void
vb_test_server_stop (VbTestServer *server)
{
  if (server == NULL)
    return;
  g_clear_object (&server->session);
  vb_test_server_kill (server);
  g_clear_object (&server->pinned);
  g_strfreev (server->extra_args);
  g_free (server->dbname);
  g_free (server->conninfo);
  g_free (server->base_url);
  g_free (server->log_path);
  g_free (server->cert_path);
  g_free (server->data_dir);
  g_free (server);
}

VbDbConn *
vb_test_server_db (VbTestServer *server)
{
  g_autoptr(GError) error = NULL;
  VbDbConn *conn = vb_db_conn_connect (server->conninfo, &error);

  g_assert_no_error (error);
  return conn;
}

static int
compare_lines (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
vb_test_db_checksum (VbTestServer *server,
                     const char   *location_id)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (server);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(PGresult) res = vb_db_execv (db, &error,
    "SELECT 'customers', id::text, version FROM customers WHERE preferred_location_id = $1::uuid"
    " UNION ALL SELECT 'vehicles', id::text, version FROM vehicles WHERE location_id = $1::uuid",
    location_id);

  g_assert_no_error (error);
  for (int i = 0; i < PQntuples (res); i++)
    g_ptr_array_add (lines, g_strdup_printf ("%s %s %s\n", vb_db_get (res, i, 0),
                                             vb_db_get (res, i, 1), vb_db_get (res, i, 2)));
  /* Byte order, as vb_cache_checksum() sorts (COLLATE "C"). */
  g_ptr_array_sort (lines, compare_lines);
  for (guint i = 0; i < lines->len; i++)
    g_checksum_update (checksum, (const guchar *) lines->pdata[i], -1);
  return g_strdup (g_checksum_get_string (checksum));
}

JsonNode *
vb_test_request_full (VbTestServer        *server,
                      const char          *method,
                      const char          *path,
                      const char          *token,
                      const char          *content_type,
                      GBytes              *body,
                      const char * const  *extra_headers,
                      guint               *status,
                      SoupMessageHeaders **reply_headers)
{
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) reply = NULL;
  SoupMessageHeaders *req_headers;
  gsize len = 0;
  const char *data;

  g_assert_nonnull (msg);
  req_headers = soup_message_get_request_headers (msg);
  if (token != NULL)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (req_headers, "Authorization", auth);
    }
  for (guint i = 0; extra_headers != NULL && extra_headers[i] != NULL; i += 2)
    soup_message_headers_replace (req_headers, extra_headers[i], extra_headers[i + 1]);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  reply = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  if (reply_headers != NULL)
    *reply_headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  data = g_bytes_get_data (reply, &len);
  if (len == 0)
    return NULL;
  if (!g_str_has_prefix (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                       "Content-Type") ?: "", "application/json"))
    return json_from_string ("null", NULL);
  {
    g_autofree char *text = g_strndup (data, len);
    JsonNode *node = json_from_string (text, &error);
    g_assert_no_error (error);
    return node;
  }
}

JsonNode *
vb_test_request (VbTestServer *server,
                 const char   *method,
                 const char   *path,
                 const char   *token,
                 const char   *body,
                 guint        *status)
{
  g_autoptr(GBytes) bytes = body ? g_bytes_new (body, strlen (body)) : NULL;

  return vb_test_request_full (server, method, path, token, "application/json", bytes,
                               NULL, status, NULL);
}

void
vb_test_assert_error (JsonNode   *reply,
                      const char *code,
                      const char *field)
{
  JsonObject *err;

  g_assert_nonnull (reply);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply));
  err = json_object_get_object_member (json_node_get_object (reply), "error");
  g_assert_nonnull (err);
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, code);
  g_assert_nonnull (json_object_get_string_member (err, "message"));
  if (field != NULL)
    g_assert_cmpstr (json_object_get_string_member_with_default (err, "field", NULL), ==, field);
}

char *
vb_test_ctl (VbTestServer       *server,
             const char * const *args,
             const char         *stdin_text,
             int                *exit_status)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err_text = NULL;
  char *out_text = NULL;

  g_ptr_array_add (argv, g_build_filename (vb_test_build_dir (), "server", "voltbay-ctl", NULL));
  g_ptr_array_add (argv, g_strconcat ("--database=", server->conninfo, NULL));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                            | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, stdin_text ? stdin_text : "", NULL, &out_text, &err_text, &error);
  g_assert_no_error (error);
  if (err_text != NULL && err_text[0] != '\0')
    g_test_message ("voltbay-ctl stderr: %s", err_text);
  *exit_status = g_subprocess_get_if_exited (proc) ? g_subprocess_get_exit_status (proc) : -1;
  return out_text;
}

char *
vb_test_create_user (VbTestServer *server,
                     const char   *email,
                     const char   *password,
                     const char   *role,
                     const char   *location_code)
{
  g_autofree char *email_arg = g_strconcat ("--email=", email, NULL);
  g_autofree char *role_arg = g_strconcat ("--role=", role, NULL);
  g_autofree char *loc_arg = g_strconcat ("--location=", location_code ? location_code : "all", NULL);
  g_autofree char *input = g_strconcat (password ? password : TEST_PASSWORD, "\n", NULL);
  const char *args[] = { "user-add", email_arg, role_arg, loc_arg, NULL };
  int status = -1;
  char *out = vb_test_ctl (server, args, input, &status);

  g_assert_cmpint (status, ==, 0);
  return g_strstrip (out);
}

char *
vb_test_login (VbTestServer *server,
               const char   *email,
               const char   *password,
               const char   *totp,
               guint        *status)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "email");
  json_builder_add_string_value (b, email);
  json_builder_set_member_name (b, "password");
  json_builder_add_string_value (b, password ? password : TEST_PASSWORD);
  if (totp != NULL)
    {
      json_builder_set_member_name (b, "totp");
      json_builder_add_string_value (b, totp);
    }
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  text = vb_json_to_string (body, NULL);
  reply = vb_test_request (server, "POST", "/api/v1/auth/login", NULL, text, status);
  if (*status != 200)
    return NULL;
  return g_strdup (json_object_get_string_member (json_node_get_object (reply), "token"));
}

char *
vb_test_user_token (VbTestServer *server,
                    const char   *email,
                    const char   *role,
                    const char   *location_code)
{
  g_autofree char *id = vb_test_create_user (server, email, NULL, role, location_code);
  guint status = 0;
  char *token = vb_test_login (server, email, NULL, NULL, &status);

  g_assert_cmpuint (status, ==, 200);
  return token;
}

char *
vb_test_admin_token (VbTestServer *server,
                     const char   *email,
                     char        **secret_out)
{
  g_autofree char *token = vb_test_user_token (server, email, "admin", NULL);
  g_autoptr(JsonNode) enrol = NULL;
  g_autoptr(JsonNode) verified = NULL;
  g_autofree char *code = NULL;
  g_autofree char *body = NULL;
  const char *secret;
  guint status = 0;

  enrol = vb_test_request (server, "POST", "/api/v1/auth/totp/enrol", token, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  secret = json_object_get_string_member (json_node_get_object (enrol), "secret");
  code = vb_totp_code_for_step (secret, vb_totp_step_for_time (g_get_real_time () / G_USEC_PER_SEC));
  body = g_strdup_printf ("{\"code\": \"%s\"}", code);
  verified = vb_test_request (server, "POST", "/api/v1/auth/totp/verify", token, body, &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (json_object_get_null_member (json_node_get_object (verified), "pending"));
  if (secret_out != NULL)
    *secret_out = g_strdup (secret);
  return g_steal_pointer (&token);
}

JsonObject *
vb_test_object (JsonNode *node)
{
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_node_get_object (node);
}

JsonNode *
vb_test_call (VbTestServer *server,
              const char   *method,
              const char   *path,
              const char   *token,
              const char   *body,
              guint         expect)
{
  guint status = 0;
  JsonNode *reply = vb_test_request (server, method, path, token, body, &status);

  if (status != expect)
    {
      g_autofree char *text = reply ? json_to_string (reply, FALSE) : g_strdup ("(empty)");
      g_test_message ("%s %s: %u %s", method, path, status, text);
    }
  g_assert_cmpuint (status, ==, expect);
  return reply;
}

void
vb_test_call_error (VbTestServer *server,
                    const char   *method,
                    const char   *path,
                    const char   *token,
                    const char   *body,
                    guint         expect,
                    const char   *code,
                    const char   *field)
{
  g_autoptr(JsonNode) reply = vb_test_call (server, method, path, token, body, expect);

  vb_test_assert_error (reply, code, field);
}

char *
vb_test_create_location (VbTestServer *server,
                         const char   *token,
                         const char   *code)
{
  g_autofree char *body = g_strdup_printf ("{\"code\": \"%s\", \"name\": \"Shop %s\","
                                           " \"time_zone\": \"Asia/Ho_Chi_Minh\","
                                           " \"currency\": \"VND\"}", code, code);
  g_autoptr(JsonNode) reply = vb_test_call (server, "POST", "/api/v1/locations", token, body, 201);

  return g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
}
