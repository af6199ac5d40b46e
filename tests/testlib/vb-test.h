/* vb-test.h — the test fixture: a real PostgreSQL per test binary, a real
 * voltbay-server per test, HTTP through SoupSession.
 *
 * vb_test_init() starts one private PostgreSQL cluster (VbEmbeddedPg, fsync
 * off) and builds a template database with every migration applied; each
 * vb_test_server_start() clones the template (fast) and spawns the real
 * voltbay-server binary on 127.0.0.1 with a free port, plain HTTP.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "vb-db.h"

G_BEGIN_DECLS

typedef struct
{
  char        *dbname;
  char        *conninfo;
  char        *base_url;     /* http://127.0.0.1:PORT */
  guint        port;
  GSubprocess *process;
  SoupSession *session;
  char        *log_path;
  char        *cert_path;    /* TLS servers: the generated certificate */
  char        *data_dir;     /* the server's own --data-dir (TLS files, attachments) */
  GTlsCertificate *pinned;   /* TLS servers: what the session accepts */
  GStrv        extra_args;
  gboolean     tls;
} VbTestServer;

void          vb_test_init             (int          *argc,
                                        char       ***argv);
/* The cluster (socket dir etc.) for tests that need it directly. */
const char   *vb_test_cluster_conninfo (const char   *dbname);
/* A fresh database cloned from the migrated template (no server). */
char         *vb_test_new_database     (void);
/* Stops the cluster (pg_ctl stop -m fast: every connection is cut) and
 * starts it again on the same socket; running servers must reconnect. */
void          vb_test_cluster_restart  (void);

/* extra_args: NULL-terminated extra voltbay-server arguments, or NULL. */
VbTestServer *vb_test_server_start     (const char * const *extra_args);
/* HTTPS with the certificate the server generates in a fresh data dir; the
 * session pins exactly that certificate. */
VbTestServer *vb_test_server_start_tls (void);
/* A second voltbay-server on the same database (another port). */
VbTestServer *vb_test_server_start_peer (VbTestServer *first);
/* SIGTERM and wait (asserting a clean exit); the database stays. */
void          vb_test_server_kill      (VbTestServer *server);
/* SIGKILL and wait (a crash: no clean exit expected); the database stays
 * and vb_test_server_restart() starts it again. */
void          vb_test_server_crash     (VbTestServer *server);
/* Start again on the same port and database; new_certificate (TLS only)
 * makes the server generate a different certificate. */
void          vb_test_server_restart   (VbTestServer *server,
                                        gboolean      new_certificate);
void          vb_test_server_stop      (VbTestServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbTestServer, vb_test_server_stop)

/* A direct connection to the test's database for assertions. */
VbDbConn     *vb_test_server_db        (VbTestServer *server);
/* What a converged client cache holds for one location, computed from
 * PostgreSQL: vb_cache_checksum() over "customers" and "vehicles" (sha256
 * of the sorted "entity id version\n" lines). */
char         *vb_test_db_checksum      (VbTestServer *server,
                                        const char   *location_id);

/* A user with a role; location_code NULL means every location.
 * Returns the user id.  (Through voltbay-ctl user-add, the real path.) */
char         *vb_test_create_user      (VbTestServer *server,
                                        const char   *email,
                                        const char   *password,
                                        const char   *role,
                                        const char   *location_code);
/* POST /auth/login; returns the token or NULL (status in *status). */
char         *vb_test_login            (VbTestServer *server,
                                        const char   *email,
                                        const char   *password,
                                        const char   *totp,
                                        guint        *status);
/* An admin with TOTP enrolled; returns a full (not pending) token.  The
 * admin's TOTP secret is returned in *secret if not NULL. */
char         *vb_test_admin_token      (VbTestServer *server,
                                        const char   *email,
                                        char        **secret);
/* A user of role at location (NULL = all) logged in: returns the token. */
char         *vb_test_user_token       (VbTestServer *server,
                                        const char   *email,
                                        const char   *role,
                                        const char   *location_code);

/* One HTTP request.  body may be NULL; returns the parsed JSON reply (NULL
 * for an empty body) and the status.  Extra headers: NULL-terminated
 * name/value pairs, or NULL. */
JsonNode     *vb_test_request          (VbTestServer       *server,
                                        const char         *method,
                                        const char         *path,
                                        const char         *token,
                                        const char         *body,
                                        guint              *status);
JsonNode     *vb_test_request_full     (VbTestServer       *server,
                                        const char         *method,
                                        const char         *path,
                                        const char         *token,
                                        const char         *content_type,
                                        GBytes             *body,
                                        const char * const *extra_headers,
                                        guint              *status,
                                        SoupMessageHeaders **reply_headers);
/* Asserts the reply is a VbError body with this code (and field, if not NULL). */
void          vb_test_assert_error     (JsonNode     *reply,
                                        const char   *code,
                                        const char   *field);
/* Runs a voltbay-ctl command against the server's database; returns stdout,
 * exit status in *status. stdin_text may be NULL. */
char         *vb_test_ctl              (VbTestServer       *server,
                                        const char * const *args,
                                        const char         *stdin_text,
                                        int                *exit_status);
const char   *vb_test_build_dir        (void);

/* The reply as an object (asserting it is one). */
JsonObject   *vb_test_object           (JsonNode     *node);
/* A request that must answer `expect`; returns the reply (logged otherwise). */
JsonNode     *vb_test_call             (VbTestServer *server,
                                        const char   *method,
                                        const char   *path,
                                        const char   *token,
                                        const char   *body,
                                        guint         expect);
/* A request that must fail with `expect`, the error code and field. */
void          vb_test_call_error       (VbTestServer *server,
                                        const char   *method,
                                        const char   *path,
                                        const char   *token,
                                        const char   *body,
                                        guint         expect,
                                        const char   *code,
                                        const char   *field);
/* POST /api/v1/locations "Shop CODE" (Asia/Ho_Chi_Minh, VND); returns the id. */
char         *vb_test_create_location  (VbTestServer *server,
                                        const char   *token,
                                        const char   *code);

G_END_DECLS
