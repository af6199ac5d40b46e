/* test-conversations.c — customer conversations, inbound replies through the
 * signed provider webhooks, unmatched senders, staff replies, read marks,
 * message templates and the internal per-work-order chat, against a real
 * server and PostgreSQL (server/handlers/vb-handler-conversations.c,
 * vb-handler-message-webhooks.c; docs/api-messages.md).
 *
 * The server runs with a config file holding [sms] (pointing at the SMS
 * provider stand-in, tests/standins/sms-standin.py) and [email] webhook
 * secrets; e-mail has no SMTP server here, so e-mail replies stay queued. */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>

#include "vb-test-floor.h"

#define SMS_SECRET   "sms-hook-secret"
#define EMAIL_SECRET "mail-hook-secret"

typedef struct
{
  VbTestFloor  floor;
  char        *dir;
  GSubprocess *sms;
  guint        sms_port;
  SoupSession *session;
} Fixture;

/* ---------------------------------------------------------- fixture --- */

static char *
standin_path (const char *name)
{
  g_autofree char *src_dir = g_path_get_dirname (__FILE__);

  if (g_path_is_absolute (src_dir))
    return g_build_filename (src_dir, "..", "standins", name, NULL);
  return g_build_filename (vb_test_build_dir (), src_dir, "..", "standins", name, NULL);
}

static guint
wait_port (const char *port_file)
{
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *text = NULL;

      if (g_file_get_contents (port_file, &text, NULL, NULL))
        return (guint) g_ascii_strtoull (text, NULL, 10);
      g_usleep (50000);
    }
  g_error ("stand-in did not write %s", port_file);
  return 0;
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sms = standin_path ("sms-standin.py");
  g_autofree char *port_file = NULL, *config = NULL, *config_path = NULL, *config_arg = NULL;
  const char *python = g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3" : "python3";

  fx->dir = g_dir_make_tmp ("vb-conversations-XXXXXX", &error);
  g_assert_no_error (error);
  port_file = g_build_filename (fx->dir, "sms.port", NULL);
  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

    /* A failing test must not leave the stand-in holding meson's pipes. */
    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    fx->sms = g_subprocess_launcher_spawn (launcher, &error, python, sms, "--port-file", port_file,
                                           "--token", "sms-token", NULL);
    g_assert_no_error (error);
  }
  fx->sms_port = wait_port (port_file);
  /* No smtp-url: e-mail messages wait in the queue; only the webhook secret. */
  config = g_strdup_printf ("[email]\nwebhook-secret = " EMAIL_SECRET "\n\n"
                            "[sms]\nurl = http://127.0.0.1:%u/send\ntoken = sms-token\nfrom = VOLTBAY\n"
                            "webhook-secret = " SMS_SECRET "\n\n"
                            "[messages]\npoll-seconds = 0.5\nretry-base-seconds = 0.2\n",
                            fx->sms_port);
  config_path = g_build_filename (fx->dir, "voltbay.conf", NULL);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);

  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_CUSTOMER | VB_TEST_FLOOR_TECH_B);
  vb_test_server_kill (fx->floor.server);
  config_arg = g_strconcat ("--config=", config_path, NULL);
  g_strfreev (fx->floor.server->extra_args);
  fx->floor.server->extra_args = g_strdupv ((char *[]) { config_arg, NULL });
  vb_test_server_restart (fx->floor.server, FALSE);
  fx->session = soup_session_new ();
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  g_autofree char *port_file = g_build_filename (fx->dir, "sms.port", NULL);
  g_autofree char *config_path = g_build_filename (fx->dir, "voltbay.conf", NULL);

  vb_test_floor_clear (&fx->floor);
  g_subprocess_force_exit (fx->sms);
  g_subprocess_wait (fx->sms, NULL, NULL);
  g_clear_object (&fx->sms);
  g_clear_object (&fx->session);
  g_unlink (port_file);
  g_unlink (config_path);
  g_rmdir (fx->dir);
  g_free (fx->dir);
}

/* ---------------------------------------------------------- helpers --- */

static char *
sql (Fixture *fx, const char *query, const char *a, const char *b)
{
  return vb_test_sql (fx->floor.server, query, a, b, NULL);
}

static gint64
sql_count (Fixture *fx, const char *query, const char *a, const char *b)
{
  g_autofree char *n = sql (fx, query, a, b);

  g_assert_nonnull (n);
  return g_ascii_strtoll (n, NULL, 10);
}

typedef enum
{
  SIGN_GOOD,
  SIGN_NONE,
  SIGN_WRONG_SECRET,
  SIGN_OTHER_BODY,
  SIGN_GARBAGE,
} Sign;

/* POST /api/v1/webhooks/{channel} with the raw body, signed as asked. */
static JsonNode *
hook (Fixture    *fx,
      const char *channel,
      const char *body,
      Sign        sign,
      guint      *status)
{
  const char *secret = g_str_equal (channel, "sms") ? SMS_SECRET : EMAIL_SECRET;
  g_autofree char *path = g_strdup_printf ("/api/v1/webhooks/%s", channel);
  g_autofree char *mac = NULL, *header = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  const char *headers[] = { "X-Voltbay-Signature", NULL, NULL };

  switch (sign)
    {
    case SIGN_GOOD:
      mac = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret), body, -1);
      break;
    case SIGN_WRONG_SECRET:
      mac = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) "guess", 5, body, -1);
      break;
    case SIGN_OTHER_BODY:
      mac = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret), "{}", -1);
      break;
    case SIGN_GARBAGE:
      mac = g_strdup ("not-hex");
      break;
    case SIGN_NONE:
      break;
    }
  if (mac != NULL)
    {
      header = g_strconcat ("sha256=", mac, NULL);
      headers[1] = header;
    }
  return vb_test_request_full (fx->floor.server, "POST", path, NULL, "application/json", bytes,
                               mac != NULL ? headers : NULL, status, NULL);
}

/* A correctly signed delivery that must answer expect; returns the reply. */
static JsonNode *
hook_ok (Fixture    *fx,
         const char *channel,
         const char *body,
         guint       expect)
{
  guint status = 0;
  JsonNode *reply = hook (fx, channel, body, SIGN_GOOD, &status);

  if (status != expect)
    {
      g_autofree char *text = reply ? json_to_string (reply, FALSE) : g_strdup ("(empty)");
      g_test_message ("webhook %s: %u %s", channel, status, text);
    }
  g_assert_cmpuint (status, ==, expect);
  return reply;
}

static void
hook_error (Fixture    *fx,
            const char *channel,
            const char *body,
            Sign        sign,
            guint       expect,
            const char *code,
            const char *field)
{
  guint status = 0;
  g_autoptr(JsonNode) reply = hook (fx, channel, body, sign, &status);

  g_assert_cmpuint (status, ==, expect);
  vb_test_assert_error (reply, code, field);
}

/* Consent (and an e-mail address) for the floor customer, through the API. */
static void
set_contact (Fixture    *fx,
             const char *customer,
             gboolean    email,
             gboolean    sms)
{
  g_autofree char *version = sql (fx, "SELECT version FROM customers WHERE id = $1::uuid", customer, NULL);
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", customer);
  g_autofree char *body = g_strdup_printf (
    "{\"version\": %s, \"emails\": [\"minh@example.com\"], \"preferred_language\": \"vi\","
    " \"consent\": {\"email\": {\"given\": %s, \"channel\": \"in_person\"},"
    "               \"sms\": {\"given\": %s, \"channel\": \"in_person\"}}}",
    version, email ? "true" : "false", sms ? "true" : "false");

  json_node_unref (vb_test_call (fx->floor.server, "PATCH", path, fx->floor.desk, body, 200));
}

/* A customer of location with this phone and e-mail (no consent); its id. */
static char *
add_customer (Fixture    *fx,
              const char *token,
              const char *location,
              const char *given,
              const char *phone,
              const char *email)
{
  g_autofree char *body = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                                           " \"given_name\": \"%s\", \"family_name\": \"Tran\","
                                           " \"phones\": [\"%s\"], \"emails\": [\"%s\"]}",
                                           location, given, phone, email);
  g_autoptr(JsonNode) c = vb_test_call (fx->floor.server, "POST", "/api/v1/customers", token, body, 201);

  return g_strdup (vb_test_id_of (c));
}

static JsonArray *
items_of (JsonNode *page)
{
  return json_object_get_array_member (vb_test_object (page), "items");
}

/* The element of items whose member equals value, or NULL. */
static JsonObject *
find_item (JsonArray  *items,
           const char *member,
           const char *value)
{
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);

      if (g_strcmp0 (json_object_get_string_member_with_default (o, member, NULL), value) == 0)
        return o;
    }
  return NULL;
}

static JsonNode *
thread_of (Fixture *fx, const char *token, const char *customer)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s/conversation", customer);

  return vb_test_call (fx->floor.server, "GET", path, token, NULL, 200);
}

/* The caller's unread count of customer's conversation in GET /conversations (-1: not listed). */
static gint64
unread_of (Fixture *fx, const char *token, const char *customer)
{
  g_autoptr(JsonNode) list = vb_test_call (fx->floor.server, "GET", "/api/v1/conversations", token, NULL, 200);
  JsonObject *c = find_item (items_of (list), "customer_id", customer);

  return c != NULL ? json_object_get_int_member (c, "unread") : -1;
}

/* A user holding only customers/messages/work-orders reading at HCM-1 and
 * reception at HN-1: may read the HCM-1 thread, may not write in it. */
static char *
reader_token (Fixture *fx)
{
  VbTestFloor *f = &fx->floor;
  g_autoptr(JsonNode) role = vb_test_call (f->server, "POST", "/api/v1/roles", f->admin,
    "{\"name\": \"desk_reader\", \"permissions\": [\"customers.read\", \"messages.read\", \"work_orders.read\"]}", 201);
  g_autofree char *id = vb_test_create_user (f->server, "reader@example.com", NULL, "desk_reader", "HCM-1");
  g_autofree char *path = g_strdup_printf ("/api/v1/users/%s/roles", id);
  g_autofree char *body = g_strdup_printf ("{\"roles\": [{\"role\": \"desk_reader\", \"location_id\": \"%s\"},"
                                           " {\"role\": \"reception\", \"location_id\": \"%s\"}]}", f->a, f->b);
  guint status = 0;
  char *token;

  json_node_unref (vb_test_call (f->server, "PUT", path, f->admin, body, 200));
  token = vb_test_login (f->server, "reader@example.com", NULL, NULL, &status);
  g_assert_cmpuint (status, ==, 200);
  return token;
}

static JsonNode *
sms_requests (Fixture *fx)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/_requests", fx->sms_port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (fx->session, msg, NULL, NULL);
  g_autoptr(GError) error = NULL;
  JsonNode *node;

  g_assert_nonnull (body);
  node = json_from_string (g_bytes_get_data (body, NULL), &error);
  g_assert_no_error (error);
  return node;
}

static void
wait_status (Fixture    *fx,
             const char *message,
             const char *want)
{
  for (int i = 0; i < 400; i++)
    {
      g_autofree char *status = sql (fx, "SELECT status FROM outbound_messages WHERE id = $1::uuid", message, NULL);

      if (g_strcmp0 (status, want) == 0)
        return;
      g_usleep (50000);
    }
  {
    g_autofree char *state = sql (fx, "SELECT status || ' ' || attempts || ' ' || coalesce(last_error, '')"
                                      "  FROM outbound_messages WHERE id = $1::uuid", message, NULL);
    g_autofree char *log = NULL;

    if (g_file_get_contents (fx->floor.server->log_path, &log, NULL, NULL))
      g_printerr ("# --- voltbay-server log ---\n%s# --- end of log ---\n", log);
    g_error ("message %s never became %s (%s)", message, want, state);
  }
}

/* ------------------------------------------------------------ tests --- */

/* A signed SMS from the customer's phone (written differently) lands in
 * their conversation: the thread, the list with an unread count, the
 * change feed; per user, and not for another location. */
static void
test_inbound_sms (Fixture       *fx,
                  gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autoptr(JsonNode) got = NULL, thread = NULL, list = NULL, other = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s/conversation", f->customer);
  g_autofree char *b_order = NULL;
  JsonObject *o, *entry, *conv;
  char *id;

  got = hook_ok (fx, "sms", "{\"id\": \"SM-100\", \"from\": \"+84 90 123 4567\", \"to\": \"VOLTBAY\","
                             " \"text\": \"Xe của tôi xong chưa?\"}", 201);
  o = vb_test_object (got);
  id = g_strdup (vb_test_id_of (got));
  g_assert_cmpstr (json_object_get_string_member (o, "customer_id"), ==, f->customer);
  g_assert_cmpstr (json_object_get_string_member (o, "location_id"), ==, f->a);
  g_assert_cmpstr (json_object_get_string_member (o, "channel"), ==, "sms");
  g_assert_cmpstr (json_object_get_string_member (o, "provider_id"), ==, "SM-100");
  g_assert_cmpstr (json_object_get_string_member (o, "body"), ==, "Xe của tôi xong chưa?");
  g_assert_true (json_object_get_boolean_member (o, "matched"));
  g_assert_false (json_object_get_boolean_member (o, "duplicate"));
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM inbound_messages WHERE customer_id = $1::uuid",
                              f->customer, NULL), ==, 1);

  /* The thread. */
  thread = thread_of (fx, f->desk, f->customer);
  g_assert_cmpuint (json_array_get_length (items_of (thread)), ==, 1);
  entry = json_array_get_object_element (items_of (thread), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (entry, "direction"), ==, "inbound");
  g_assert_cmpstr (json_object_get_string_member (entry, "channel"), ==, "sms");
  g_assert_cmpstr (json_object_get_string_member (entry, "address"), ==, "+84 90 123 4567");
  g_assert_cmpstr (json_object_get_string_member (entry, "kind"), ==, "reply");
  g_assert_cmpstr (json_object_get_string_member (entry, "status"), ==, "received");
  g_assert_cmpstr (json_object_get_string_member (entry, "body"), ==, "Xe của tôi xong chưa?");
  g_assert_true (json_object_get_null_member (entry, "author_id"));
  g_assert_true (json_object_get_null_member (vb_test_object (thread), "next_cursor"));

  /* The list: one conversation, unread for everyone who has not read it. */
  list = vb_test_call (f->server, "GET", "/api/v1/conversations", f->desk, NULL, 200);
  conv = find_item (items_of (list), "customer_id", f->customer);
  g_assert_nonnull (conv);
  g_assert_cmpint (json_object_get_int_member (conv, "unread"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (conv, "display_name"), ==, "Minh Nguyen");
  g_assert_cmpstr (json_object_get_string_member (conv, "location_id"), ==, f->a);
  g_assert_cmpstr (json_object_get_string_member (conv, "last_direction"), ==, "inbound");
  g_assert_cmpstr (json_object_get_string_member (conv, "last_channel"), ==, "sms");
  g_assert_cmpstr (json_object_get_string_member (conv, "last_body"), ==, "Xe của tôi xong chưa?");
  g_assert_true (json_object_get_null_member (conv, "last_read_at"));
  g_assert_cmpint (unread_of (fx, f->manager, f->customer), ==, 1);

  /* Live: in the change feed of HCM-1, not of HN-1. */
  g_assert_true (vb_test_feed_has_row (f->server, f->desk, "inbound_messages", id, "upsert"));
  g_assert_false (vb_test_feed_has (f->server, f->tech_b, "inbound_messages", id, NULL));

  /* Another location sees nothing: not listed, the thread is 404. */
  g_assert_cmpint (unread_of (fx, f->tech_b, f->customer), ==, -1);
  vb_test_call_error (f->server, "GET", path, f->tech_b, NULL, 404, "not_found", NULL);
  {
    g_autofree char *read_path = g_strdup_printf ("%s/read", path);
    vb_test_call_error (f->server, "POST", read_path, f->tech_b, NULL, 404, "not_found", NULL);
  }
  other = vb_test_call (f->server, "GET", "/api/v1/conversations", f->tech_b, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (other)), ==, 0);

  /* A status update queued by an HN-1 work order of this HCM-1 customer
   * does not open the HCM-1 conversation (nor its last message) to HN-1. */
  set_contact (fx, f->customer, FALSE, TRUE);
  b_order = vb_test_floor_order_at (f, f->b, f->customer, f->vehicle);
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM outbound_messages WHERE related_id = $1::uuid"
                                  " AND location_id = $2::uuid", b_order, f->b), ==, 1);
  json_node_unref (hook_ok (fx, "sms", "{\"id\": \"SM-101\", \"from\": \"0901234567\", \"text\": \"Riêng tư\"}", 201));
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 2);
  g_assert_cmpint (unread_of (fx, f->tech_b, f->customer), ==, -1);
  g_free (id);
}

/* The same provider id twice is one message; the replay answers 200 with
 * the stored one (not the new text). */
static void
test_idempotent (Fixture       *fx,
                 gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autoptr(JsonNode) first = NULL, again = NULL, thread = NULL, mail = NULL, mail_again = NULL, other = NULL;

  first = hook_ok (fx, "sms", "{\"id\": \"SM-7\", \"from\": \"0901234567\", \"text\": \"Một\"}", 201);
  again = hook_ok (fx, "sms", "{\"id\": \"SM-7\", \"from\": \"0901234567\", \"text\": \"Hai\"}", 200);
  g_assert_cmpstr (vb_test_id_of (again), ==, vb_test_id_of (first));
  g_assert_true (json_object_get_boolean_member (vb_test_object (again), "duplicate"));
  g_assert_true (json_object_get_boolean_member (vb_test_object (again), "matched"));
  g_assert_cmpstr (vb_test_str_of (again, "body"), ==, "Một");
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM inbound_messages WHERE provider_id = $1", "SM-7", NULL), ==, 1);
  thread = thread_of (fx, f->desk, f->customer);
  g_assert_cmpuint (json_array_get_length (items_of (thread)), ==, 1);
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 1);

  /* E-mail by Message-ID the same; the same id on the other channel is another message. */
  mail = hook_ok (fx, "email", "{\"message_id\": \"SM-7\", \"from\": \"someone@example.org\", \"text\": \"x\"}", 201);
  mail_again = hook_ok (fx, "email", "{\"message_id\": \"SM-7\", \"from\": \"someone@example.org\", \"text\": \"x\"}", 200);
  g_assert_cmpstr (vb_test_id_of (mail_again), ==, vb_test_id_of (mail));
  g_assert_cmpstr (vb_test_id_of (mail), !=, vb_test_id_of (first));
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM inbound_messages WHERE provider_id = $1", "SM-7", NULL), ==, 2);

  /* A different id from the same phone is a new message. */
  other = hook_ok (fx, "sms", "{\"id\": \"SM-8\", \"from\": \"0901234567\", \"text\": \"Ba\"}", 201);
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 2);
}

/* Without a valid signature: 401 and nothing stored; the signature is
 * checked before the body, so a bad body unsigned is 401 too. */
static void
test_signature (Fixture       *fx,
                gconstpointer  data)
{
  static const char sms[] = "{\"id\": \"SM-1\", \"from\": \"0901234567\", \"text\": \"Hello\"}";
  static const char mail[] = "{\"message_id\": \"<m1@example.com>\", \"from\": \"minh@example.com\", \"text\": \"Hi\"}";
  VbTestFloor *f = &fx->floor;

  hook_error (fx, "sms", sms, SIGN_NONE, 401, "unauthenticated", NULL);
  hook_error (fx, "sms", sms, SIGN_WRONG_SECRET, 401, "unauthenticated", NULL);
  hook_error (fx, "sms", sms, SIGN_OTHER_BODY, 401, "unauthenticated", NULL);
  hook_error (fx, "sms", sms, SIGN_GARBAGE, 401, "unauthenticated", NULL);
  hook_error (fx, "email", mail, SIGN_NONE, 401, "unauthenticated", NULL);
  hook_error (fx, "email", mail, SIGN_WRONG_SECRET, 401, "unauthenticated", NULL);
  hook_error (fx, "sms", "not json", SIGN_NONE, 401, "unauthenticated", NULL);
  {
    /* Signed with the SMS secret but sent to the e-mail hook. */
    g_autofree char *mac = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) SMS_SECRET,
                                                      strlen (SMS_SECRET), mail, -1);
    g_autofree char *header = g_strconcat ("sha256=", mac, NULL);
    const char *headers[] = { "X-Voltbay-Signature", header, NULL };
    g_autoptr(GBytes) bytes = g_bytes_new_static (mail, strlen (mail));
    guint status = 0;
    g_autoptr(JsonNode) reply = vb_test_request_full (f->server, "POST", "/api/v1/webhooks/email", NULL,
                                                      "application/json", bytes, headers, &status, NULL);
    g_assert_cmpuint (status, ==, 401);
    vb_test_assert_error (reply, "unauthenticated", NULL);
  }
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM inbound_messages", NULL, NULL), ==, 0);

  /* Signed, but not a valid delivery: 422 naming the field, nothing stored. */
  hook_error (fx, "sms", "{\"from\": \"0901234567\", \"text\": \"Hello\"}", SIGN_GOOD, 422, "validation_failed", "id");
  hook_error (fx, "sms", "{\"id\": \"SM-2\", \"text\": \"Hello\"}", SIGN_GOOD, 422, "validation_failed", "from");
  hook_error (fx, "sms", "{\"id\": \"SM-2\", \"from\": \"call me\", \"text\": \"Hello\"}", SIGN_GOOD, 422,
              "validation_failed", "from");
  hook_error (fx, "sms", "{\"id\": \"SM-2\", \"from\": \"0901234567\"}", SIGN_GOOD, 422, "validation_failed", "text");
  hook_error (fx, "sms", "{\"id\": 12, \"from\": \"0901234567\", \"text\": \"Hello\"}", SIGN_GOOD, 422,
              "validation_failed", "id");
  hook_error (fx, "sms", "{\"id\": \"SM-2\", \"from\": \"0901234567\", \"text\": \"Hi\", \"received_at\": \"yesterday\"}",
              SIGN_GOOD, 422, "validation_failed", "received_at");
  hook_error (fx, "email", "{\"from\": \"minh@example.com\", \"text\": \"Hi\"}", SIGN_GOOD, 422,
              "validation_failed", "message_id");
  hook_error (fx, "email", "{\"message_id\": \"<m2@x>\", \"from\": \"Minh <not an address>\"}", SIGN_GOOD, 422,
              "validation_failed", "from");
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM inbound_messages", NULL, NULL), ==, 0);

  /* And the valid one is accepted. */
  json_node_unref (hook_ok (fx, "sms", sms, 201));
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM inbound_messages WHERE provider_id = $1", "SM-1", NULL), ==, 1);
}

/* A staff e-mail (queued: no SMTP here) and the customer's reply to it,
 * matched by address whatever its case and display name. */
static void
test_inbound_email (Fixture       *fx,
                    gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s/conversation", f->customer);
  g_autofree char *header = NULL, *body = NULL, *want_header = NULL;
  g_autoptr(JsonNode) sent = NULL, reply = NULL, thread = NULL;
  JsonObject *newest, *oldest;
  const char *sent_id;

  set_contact (fx, f->customer, TRUE, FALSE);
  sent = vb_test_call (f->server, "POST", path, f->desk,
                       "{\"channel\": \"email\", \"subject\": \"Your VF 8\", \"body\": \"The car is ready.\"}", 201);
  sent_id = vb_test_id_of (sent);
  g_assert_cmpstr (vb_test_str_of (sent, "direction"), ==, "outbound");
  g_assert_cmpstr (vb_test_str_of (sent, "address"), ==, "minh@example.com");
  g_assert_cmpstr (vb_test_str_of (sent, "subject"), ==, "Your VF 8");
  g_assert_cmpstr (vb_test_str_of (sent, "status"), ==, "queued");
  header = sql (fx, "SELECT message_id_header FROM outbound_messages WHERE id = $1::uuid", sent_id, NULL);
  want_header = g_strdup_printf ("<%s@voltbay>", sent_id);
  g_assert_cmpstr (header, ==, want_header);

  body = g_strdup_printf ("{\"message_id\": \"<reply-1@mail.example.com>\","
                          " \"from\": \"Minh Nguyen <MINH@Example.COM>\", \"to\": \"desk@voltbay.test\","
                          " \"subject\": \"Re: Your VF 8\\r\\nBcc: x\", \"text\": \"Thank you, I will come at five.\","
                          " \"in_reply_to\": \"%s\"}", header);
  reply = hook_ok (fx, "email", body, 201);
  g_assert_true (json_object_get_boolean_member (vb_test_object (reply), "matched"));
  g_assert_cmpstr (vb_test_str_of (reply, "customer_id"), ==, f->customer);
  g_assert_cmpstr (vb_test_str_of (reply, "location_id"), ==, f->a);
  g_assert_cmpstr (vb_test_str_of (reply, "from_address"), ==, "MINH@Example.COM");
  g_assert_cmpstr (vb_test_str_of (reply, "to_address"), ==, "desk@voltbay.test");
  g_assert_cmpstr (vb_test_str_of (reply, "subject"), ==, "Re: Your VF 8  Bcc: x");   /* one line */
  g_assert_cmpstr (vb_test_str_of (reply, "in_reply_to"), ==, header);

  thread = thread_of (fx, f->desk, f->customer);
  g_assert_cmpuint (json_array_get_length (items_of (thread)), ==, 2);
  newest = json_array_get_object_element (items_of (thread), 0);
  oldest = json_array_get_object_element (items_of (thread), 1);
  g_assert_cmpstr (json_object_get_string_member (newest, "direction"), ==, "inbound");
  g_assert_cmpstr (json_object_get_string_member (newest, "channel"), ==, "email");
  g_assert_cmpstr (json_object_get_string_member (newest, "body"), ==, "Thank you, I will come at five.");
  g_assert_cmpstr (json_object_get_string_member (oldest, "id"), ==, sent_id);
  g_assert_cmpstr (json_object_get_string_member (oldest, "kind"), ==, "conversation");
  /* The reply the desk sent marked the thread read for the desk; the answer is new. */
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 1);
}

/* Unknown senders: texting the location's number puts the message at that
 * location; an unknown e-mail has no location (admins only).  Staff then
 * assign it to a customer, once. */
static void
test_unmatched (Fixture       *fx,
                gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *loc_path = g_strdup_printf ("/api/v1/locations/%s", f->a);
  g_autofree char *loc_version = NULL, *loc_body = NULL, *assign_sms = NULL, *assign_mail = NULL, *body = NULL;
  g_autofree char *desk_id = vb_test_me_id (f->server, f->desk);
  g_autofree char *hn_customer = NULL, *assigned_by = NULL;
  g_autoptr(JsonNode) sms = NULL, mail = NULL, desk_list = NULL, admin_list = NULL, b_list = NULL;
  g_autoptr(JsonNode) assigned = NULL, thread = NULL, after = NULL, mail_assigned = NULL;
  const char *sms_id, *mail_id;

  loc_version = sql (fx, "SELECT version FROM locations WHERE id = $1::uuid", f->a, NULL);
  loc_body = g_strdup_printf ("{\"version\": %s, \"phone\": \"028 3822 1234\"}", loc_version);
  json_node_unref (vb_test_call (f->server, "PATCH", loc_path, f->admin, loc_body, 200));

  sms = hook_ok (fx, "sms", "{\"id\": \"SM-55\", \"from\": \"+84 977 000 111\", \"to\": \"+84 28 3822 1234\","
                            " \"text\": \"Đặt lịch thay lốp được không?\"}", 201);
  sms_id = vb_test_id_of (sms);
  g_assert_false (json_object_get_boolean_member (vb_test_object (sms), "matched"));
  g_assert_true (json_object_get_null_member (vb_test_object (sms), "customer_id"));
  g_assert_cmpstr (vb_test_str_of (sms, "location_id"), ==, f->a);
  mail = hook_ok (fx, "email", "{\"message_id\": \"<u1@example.org>\", \"from\": \"stranger@example.org\","
                               " \"subject\": \"Price?\", \"text\": \"How much is a battery check?\"}", 201);
  mail_id = vb_test_id_of (mail);
  g_assert_false (json_object_get_boolean_member (vb_test_object (mail), "matched"));
  g_assert_true (json_object_get_null_member (vb_test_object (mail), "location_id"));

  desk_list = vb_test_call (f->server, "GET", "/api/v1/messages/unmatched", f->desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (desk_list)), ==, 1);
  g_assert_nonnull (find_item (items_of (desk_list), "id", sms_id));
  admin_list = vb_test_call (f->server, "GET", "/api/v1/messages/unmatched", f->admin, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (admin_list)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items_of (admin_list), 0), "id"),
                   ==, mail_id);   /* newest first */
  b_list = vb_test_call (f->server, "GET", "/api/v1/messages/unmatched", f->tech_b, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (b_list)), ==, 0);
  /* Nobody's conversation yet. */
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, -1);

  /* Assigning: scope, input, then once. */
  assign_sms = g_strdup_printf ("/api/v1/messages/inbound/%s/assign", sms_id);
  assign_mail = g_strdup_printf ("/api/v1/messages/inbound/%s/assign", mail_id);
  body = g_strdup_printf ("{\"customer_id\": \"%s\"}", f->customer);
  vb_test_call_error (f->server, "POST", assign_sms, f->tech_b, body, 404, "not_found", NULL);
  vb_test_call_error (f->server, "POST", assign_mail, f->desk, body, 404, "not_found", NULL);
  vb_test_call_error (f->server, "POST", assign_sms, f->desk, "{}", 422, "validation_failed", "customer_id");
  vb_test_call_error (f->server, "POST", assign_sms, f->desk, "{\"customer_id\": \"x\"}", 422,
                      "validation_failed", "customer_id");
  vb_test_call_error (f->server, "POST", assign_sms, f->desk,
                      "{\"customer_id\": \"00000000-0000-4000-8000-000000000000\"}", 422,
                      "validation_failed", "customer_id");
  hn_customer = add_customer (fx, f->admin, f->b, "Hoa", "0988777666", "hoa@example.com");
  {
    /* A customer of a location where the desk may not send. */
    g_autofree char *hn_body = g_strdup_printf ("{\"customer_id\": \"%s\"}", hn_customer);
    vb_test_call_error (f->server, "POST", assign_sms, f->desk, hn_body, 422, "validation_failed", "customer_id");
  }
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM inbound_messages WHERE id = $1::uuid AND customer_id IS NULL",
                              sms_id, NULL), ==, 1);

  assigned = vb_test_call (f->server, "POST", assign_sms, f->desk, body, 200);
  g_assert_cmpstr (vb_test_str_of (assigned, "customer_id"), ==, f->customer);
  g_assert_cmpstr (vb_test_str_of (assigned, "assigned_by"), ==, desk_id);
  g_assert_cmpstr (vb_test_str_of (assigned, "location_id"), ==, f->a);
  assigned_by = sql (fx, "SELECT assigned_by FROM inbound_messages WHERE id = $1::uuid", sms_id, NULL);
  g_assert_cmpstr (assigned_by, ==, desk_id);
  vb_test_call_error (f->server, "POST", assign_sms, f->desk, body, 409, "conflict", "customer_id");
  g_assert_cmpint (vb_test_audit_count (f->server, "inbound_messages", sms_id, "update"), ==, 1);

  thread = thread_of (fx, f->desk, f->customer);
  g_assert_cmpuint (json_array_get_length (items_of (thread)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items_of (thread), 0), "body"),
                   ==, "Đặt lịch thay lốp được không?");
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 1);
  after = vb_test_call (f->server, "GET", "/api/v1/messages/unmatched", f->desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (after)), ==, 0);

  /* The admin files the e-mail with the HN-1 customer: it moves to HN-1. */
  {
    g_autofree char *hn_body = g_strdup_printf ("{\"customer_id\": \"%s\"}", hn_customer);
    mail_assigned = vb_test_call (f->server, "POST", assign_mail, f->admin, hn_body, 200);
  }
  g_assert_cmpstr (vb_test_str_of (mail_assigned, "location_id"), ==, f->b);
  g_assert_cmpint (unread_of (fx, f->tech_b, hn_customer), ==, 1);
  g_assert_cmpint (unread_of (fx, f->desk, hn_customer), ==, -1);
}

/* A staff SMS in the thread is queued with consent, sent by the worker
 * through the provider, and shows as sent; input and scope are checked. */
static void
test_staff_reply (Fixture       *fx,
                  gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s/conversation", f->customer);
  g_autofree char *desk_id = vb_test_me_id (f->server, f->desk);
  g_autofree char *mpath = NULL, *lpath = NULL, *rpath = NULL, *reader = NULL;
  g_autoptr(JsonNode) sent = NULL, got = NULL, reqs = NULL, thread = NULL, list = NULL, inbound = NULL;
  g_autoptr(GString) big = g_string_new ("{\"channel\": \"sms\", \"body\": \"");
  g_autoptr(SoupMessageHeaders) headers = NULL;
  JsonArray *delivered;
  JsonObject *entry;
  const char *id;
  guint status = 0;

  /* Without consent: 409 naming channel, nothing queued. */
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"channel\": \"sms\", \"body\": \"Xin chào\"}",
                      409, "conflict", "channel");
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid",
                              f->customer, NULL), ==, 0);
  set_contact (fx, f->customer, FALSE, TRUE);
  inbound = hook_ok (fx, "sms", "{\"id\": \"SM-9\", \"from\": \"0901234567\", \"text\": \"Bao giờ xong?\"}", 201);
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 1);

  /* Bad input: 422 naming the field. */
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"body\": \"Xin chào\"}", 422, "validation_failed", "channel");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"channel\": \"fax\", \"body\": \"Xin chào\"}", 422,
                      "validation_failed", "channel");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"channel\": \"sms\"}", 422, "validation_failed", "body");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"channel\": \"sms\", \"body\": \"\"}", 422,
                      "validation_failed", "body");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"channel\": \"sms\", \"body\": 42}", 422,
                      "validation_failed", "body");
  for (int i = 0; i < 1601; i++)
    g_string_append (big, "x");
  g_string_append (big, "\"}");
  vb_test_call_error (f->server, "POST", path, f->desk, big->str, 422, "validation_failed", "body");
  /* Scope: another location 404, read-only here 403. */
  vb_test_call_error (f->server, "POST", path, f->tech_b, "{\"channel\": \"sms\", \"body\": \"Hi\"}", 404,
                      "not_found", NULL);
  reader = reader_token (fx);
  json_node_unref (thread_of (fx, reader, f->customer));
  vb_test_call_error (f->server, "POST", path, reader, "{\"channel\": \"sms\", \"body\": \"Hi\"}", 403,
                      "forbidden", NULL);
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid",
                              f->customer, NULL), ==, 0);

  /* The reply. */
  {
    const char *body = "{\"channel\": \"sms\", \"body\": \"Chiều nay 5 giờ anh qua nhận xe nhé.\"}";
    g_autoptr(GBytes) bytes = g_bytes_new_static (body, strlen (body));

    sent = vb_test_request_full (f->server, "POST", path, f->desk, "application/json", bytes, NULL, &status, &headers);
  }
  g_assert_cmpuint (status, ==, 201);
  id = vb_test_id_of (sent);
  g_assert_cmpstr (vb_test_str_of (sent, "direction"), ==, "outbound");
  g_assert_cmpstr (vb_test_str_of (sent, "channel"), ==, "sms");
  g_assert_cmpstr (vb_test_str_of (sent, "kind"), ==, "conversation");
  g_assert_cmpstr (vb_test_str_of (sent, "address"), ==, "+84901234567");   /* stored normalized */
  g_assert_cmpstr (vb_test_str_of (sent, "subject"), ==, "");
  g_assert_cmpstr (vb_test_str_of (sent, "status"), ==, "queued");
  g_assert_cmpstr (vb_test_str_of (sent, "author_id"), ==, desk_id);
  g_assert_cmpstr (vb_test_str_of (sent, "customer_id"), ==, f->customer);
  g_assert_cmpstr (vb_test_str_of (sent, "location_id"), ==, f->a);
  lpath = g_strdup_printf ("/api/v1/messages/%s", id);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Location"), ==, lpath);
  /* Replying read the thread. */
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 0);
  g_assert_cmpint (unread_of (fx, f->manager, f->customer), ==, 1);

  /* The worker sends it through the provider, once. */
  wait_status (fx, id, "sent");
  reqs = sms_requests (fx);
  delivered = json_object_get_array_member (json_node_get_object (reqs), "delivered");
  g_assert_cmpuint (json_array_get_length (delivered), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (delivered, 0), "text"), ==,
                   "Chiều nay 5 giờ anh qua nhận xe nhé.");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (delivered, 0), "key"), ==, id);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (json_array_get_object_element (delivered, 0), "to"),
                                   "901234567"));

  mpath = g_strdup_printf ("/api/v1/messages/%s", id);
  got = vb_test_call (f->server, "GET", mpath, f->desk, NULL, 200);
  g_assert_cmpstr (vb_test_str_of (got, "status"), ==, "sent");
  g_assert_cmpstr (vb_test_str_of (got, "provider_id"), ==, "sms-1");
  g_assert_cmpstr (vb_test_str_of (got, "created_by"), ==, desk_id);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "attempts"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (got), "attempt_log")), ==, 1);
  vb_test_call_error (f->server, "GET", mpath, f->tech_b, NULL, 404, "not_found", NULL);
  /* A sent message is not resolved again. */
  rpath = g_strdup_printf ("/api/v1/messages/%s/resolve", id);
  vb_test_call_error (f->server, "POST", rpath, f->desk, "{\"outcome\": \"requeue\"}", 409, "conflict", "status");
  vb_test_call_error (f->server, "POST", rpath, f->desk, "{\"outcome\": \"later\"}", 422, "validation_failed", "outcome");

  /* In the thread, newest first, and in the outbound list. */
  thread = thread_of (fx, f->desk, f->customer);
  g_assert_cmpuint (json_array_get_length (items_of (thread)), ==, 2);
  entry = json_array_get_object_element (items_of (thread), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (entry, "status"), ==, "sent");
  g_assert_false (json_object_get_null_member (entry, "sent_at"));
  g_assert_cmpstr (json_object_get_string_member (entry, "author_name"), !=, NULL);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items_of (thread), 1), "id"),
                   ==, vb_test_id_of (inbound));
  {
    g_autofree char *q = g_strdup_printf ("/api/v1/messages?customer_id=%s&channel=sms&status=sent", f->customer);
    list = vb_test_call (f->server, "GET", q, f->desk, NULL, 200);
  }
  g_assert_cmpuint (json_array_get_length (items_of (list)), ==, 1);
  g_assert_nonnull (find_item (items_of (list), "id", id));
  vb_test_call_error (f->server, "GET", "/api/v1/messages?status=lost", f->desk, NULL, 422, "validation_failed", "status");
  vb_test_call_error (f->server, "GET", "/api/v1/messages?customer_id=7", f->desk, NULL, 422, "validation_failed",
                      "customer_id");
  {
    g_autoptr(JsonNode) none = vb_test_call (f->server, "GET", "/api/v1/messages", f->tech_b, NULL, 200);
    g_assert_cmpuint (json_array_get_length (items_of (none)), ==, 0);
  }
  g_assert_true (vb_test_feed_has (f->server, f->desk, "outbound_messages", id, "upsert"));

  /* A reply retried after a lost answer (Voltbay-Mutation) is queued and sent once. */
  {
    const char *body = "{\"channel\": \"sms\", \"body\": \"Một lần thôi.\"}";
    const char *mutation[] = { "Voltbay-Mutation", "7d0c6f61-2b7a-4c55-9a39-0a8f5a3f0c11:1", NULL };
    g_autoptr(GBytes) bytes = g_bytes_new_static (body, strlen (body));
    g_autoptr(SoupMessageHeaders) h1 = NULL, h2 = NULL;
    g_autoptr(JsonNode) r1 = NULL, r2 = NULL, after = NULL;
    guint s1 = 0, s2 = 0;

    r1 = vb_test_request_full (f->server, "POST", path, f->desk, "application/json", bytes, mutation, &s1, &h1);
    r2 = vb_test_request_full (f->server, "POST", path, f->desk, "application/json", bytes, mutation, &s2, &h2);
    g_assert_cmpuint (s1, ==, 201);
    g_assert_cmpuint (s2, ==, 201);
    g_assert_cmpstr (vb_test_id_of (r2), ==, vb_test_id_of (r1));
    g_assert_cmpstr (soup_message_headers_get_one (h2, "Voltbay-Mutation-Replayed"), ==, "true");
    g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid"
                                    " AND kind = $2", f->customer, "conversation"), ==, 2);
    wait_status (fx, vb_test_id_of (r1), "sent");
    after = sms_requests (fx);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (after), "delivered")),
                      ==, 2);
  }

  /* A client may name the reply (an offline outbox does): the message has
   * that id; the same id again is 409 naming id and queues nothing; an
   * invalid id is 422 naming id. */
  {
    static const char named[] = "{\"id\": \"5b2e8c1a-0f3d-4e6a-8b7c-9d1e2f3a4b5c\", \"channel\": \"sms\","
                                " \"body\": \"Gửi khi mất mạng.\"}";
    g_autoptr(JsonNode) m = vb_test_call (f->server, "POST", path, f->desk, named, 201);
    g_autoptr(JsonNode) after = NULL;

    g_assert_cmpstr (vb_test_id_of (m), ==, "5b2e8c1a-0f3d-4e6a-8b7c-9d1e2f3a4b5c");
    g_assert_cmpstr (vb_test_str_of (m, "status"), ==, "queued");
    g_assert_cmpstr (vb_test_str_of (m, "kind"), ==, "conversation");
    vb_test_call_error (f->server, "POST", path, f->desk, named, 409, "conflict", "id");
    vb_test_call_error (f->server, "POST", path, f->desk,
                        "{\"id\": \"nope\", \"channel\": \"sms\", \"body\": \"x\"}", 422, "validation_failed", "id");
    vb_test_call_error (f->server, "POST", path, f->desk,
                        "{\"id\": 7, \"channel\": \"sms\", \"body\": \"x\"}", 422, "validation_failed", "id");
    g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid"
                                    " AND kind = $2", f->customer, "conversation"), ==, 3);
    g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM outbound_messages WHERE id = $1::uuid",
                                "5b2e8c1a-0f3d-4e6a-8b7c-9d1e2f3a4b5c", NULL), ==, 1);
    g_assert_true (vb_test_feed_has (f->server, f->desk, "outbound_messages",
                                     "5b2e8c1a-0f3d-4e6a-8b7c-9d1e2f3a4b5c", "upsert"));
    wait_status (fx, "5b2e8c1a-0f3d-4e6a-8b7c-9d1e2f3a4b5c", "sent");
    after = sms_requests (fx);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (after), "delivered")),
                      ==, 3);
  }
}

/* Reading resets the caller's unread count (only theirs); a new reply
 * counts again; ?unread filters; the thread pages by cursor. */
static void
test_mark_read (Fixture       *fx,
                gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s/conversation/read", f->customer);
  g_autofree char *tpath = g_strdup_printf ("/api/v1/customers/%s/conversation?limit=2", f->customer);
  g_autofree char *desk_id = vb_test_me_id (f->server, f->desk);
  g_autoptr(JsonNode) read = NULL, unread_list = NULL, read_list = NULL, page1 = NULL, page2 = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *cursor;

  for (int i = 1; i <= 3; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"id\": \"SM-R%d\", \"from\": \"0901234567\", \"text\": \"Tin %d\"}", i, i);
      json_node_unref (hook_ok (fx, "sms", body, 201));
    }
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 3);

  read = vb_test_call (f->server, "POST", path, f->desk, NULL, 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (read), "unread"), ==, 0);
  g_assert_cmpstr (vb_test_str_of (read, "customer_id"), ==, f->customer);
  g_assert_cmpstr (vb_test_str_of (read, "user_id"), ==, desk_id);
  g_assert_nonnull (vb_test_str_of (read, "last_read_at"));
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 0);
  g_assert_cmpint (unread_of (fx, f->manager, f->customer), ==, 3);   /* per user */
  /* Reading twice is harmless. */
  json_node_unref (vb_test_call (f->server, "POST", path, f->desk, NULL, 200));
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM conversation_reads WHERE customer_id = $1::uuid"
                                  " AND user_id = $2::uuid", f->customer, desk_id), ==, 1);

  unread_list = vb_test_call (f->server, "GET", "/api/v1/conversations?unread=true", f->desk, NULL, 200);
  g_assert_null (find_item (items_of (unread_list), "customer_id", f->customer));
  read_list = vb_test_call (f->server, "GET", "/api/v1/conversations?unread=false", f->desk, NULL, 200);
  g_assert_nonnull (find_item (items_of (read_list), "customer_id", f->customer));
  vb_test_call_error (f->server, "GET", "/api/v1/conversations?unread=maybe", f->desk, NULL, 422,
                      "validation_failed", "unread");
  vb_test_call_error (f->server, "GET", "/api/v1/conversations?location_id=HCM", f->desk, NULL, 422,
                      "validation_failed", "location_id");

  json_node_unref (hook_ok (fx, "sms", "{\"id\": \"SM-R4\", \"from\": \"0901234567\", \"text\": \"Tin 4\"}", 201));
  g_assert_cmpint (unread_of (fx, f->desk, f->customer), ==, 1);
  {
    g_autoptr(JsonNode) again = vb_test_call (f->server, "GET", "/api/v1/conversations?unread=true", f->desk, NULL, 200);
    g_assert_nonnull (find_item (items_of (again), "customer_id", f->customer));
  }

  /* Four entries, two per page, newest first, none twice. */
  page1 = vb_test_call (f->server, "GET", tpath, f->desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (page1)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items_of (page1), 0), "body"),
                   ==, "Tin 4");
  cursor = json_object_get_string_member (vb_test_object (page1), "next_cursor");
  g_assert_nonnull (cursor);
  {
    g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
    g_autofree char *p2 = g_strdup_printf ("%s&cursor=%s", tpath, escaped);
    page2 = vb_test_call (f->server, "GET", p2, f->desk, NULL, 200);
  }
  g_assert_cmpuint (json_array_get_length (items_of (page2)), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items_of (page2), 1), "body"),
                   ==, "Tin 1");
  for (guint i = 0; i < 2; i++)
    {
      g_hash_table_add (seen, g_strdup (json_object_get_string_member (json_array_get_object_element (items_of (page1), i), "id")));
      g_hash_table_add (seen, g_strdup (json_object_get_string_member (json_array_get_object_element (items_of (page2), i), "id")));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 4);
}

/* The internal chat of a work order between the desk and the bay. */
static void
test_work_order_chat (Fixture       *fx,
                      gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *order = vb_test_floor_order (f, NULL);
  g_autofree char *path = g_strdup_printf ("/api/v1/work-orders/%s/chat", order);
  g_autofree char *desk_id = vb_test_me_id (f->server, f->desk);
  g_autofree char *reader = NULL, *page_path = NULL, *b_order = NULL, *b_customer = NULL, *b_vehicle = NULL;
  g_autoptr(JsonNode) q = NULL, a = NULL, chat = NULL, page1 = NULL, page2 = NULL, reader_chat = NULL;
  g_autoptr(GString) big = g_string_new ("{\"body\": \"");
  JsonArray *items;
  const char *cursor;

  q = vb_test_call (f->server, "POST", path, f->desk, "{\"body\": \"  Khách hỏi khi nào xong?  \"}", 201);
  g_assert_cmpstr (vb_test_str_of (q, "body"), ==, "Khách hỏi khi nào xong?");
  g_assert_cmpstr (vb_test_str_of (q, "author_id"), ==, desk_id);
  g_assert_cmpstr (vb_test_str_of (q, "work_order_id"), ==, order);
  g_assert_cmpstr (vb_test_str_of (q, "location_id"), ==, f->a);
  g_assert_nonnull (vb_test_str_of (q, "author_name"));
  a = vb_test_call (f->server, "POST", path, f->tech, "{\"body\": \"Chiều nay, đang thay má phanh.\"}", 201);
  g_assert_cmpstr (vb_test_str_of (a, "author_id"), ==, f->tech_id);

  chat = vb_test_call (f->server, "GET", path, f->tech, NULL, 200);
  items = items_of (chat);
  g_assert_cmpuint (json_array_get_length (items), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "id"), ==, vb_test_id_of (a));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "id"), ==, vb_test_id_of (q));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 1), "author_name"), ==,
                   vb_test_str_of (q, "author_name"));
  g_assert_true (vb_test_feed_has_row (f->server, f->tech, "work_order_chat_messages", vb_test_id_of (a), "upsert"));
  g_assert_false (vb_test_feed_has (f->server, f->tech_b, "work_order_chat_messages", vb_test_id_of (a), NULL));
  g_assert_cmpint (vb_test_audit_count (f->server, "work_order_chat_messages", vb_test_id_of (q), "insert"), ==, 1);

  /* Paging. */
  page_path = g_strdup_printf ("%s?limit=1", path);
  page1 = vb_test_call (f->server, "GET", page_path, f->desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (page1)), ==, 1);
  cursor = json_object_get_string_member (vb_test_object (page1), "next_cursor");
  g_assert_nonnull (cursor);
  {
    g_autofree char *escaped = g_uri_escape_string (cursor, NULL, FALSE);
    g_autofree char *p2 = g_strdup_printf ("%s&cursor=%s", page_path, escaped);
    page2 = vb_test_call (f->server, "GET", p2, f->desk, NULL, 200);
  }
  g_assert_cmpuint (json_array_get_length (items_of (page2)), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items_of (page2), 0), "id"), ==,
                   vb_test_id_of (q));
  g_assert_true (json_object_get_null_member (vb_test_object (page2), "next_cursor"));

  /* Bad input: 422 naming body; nothing written. */
  vb_test_call_error (f->server, "POST", path, f->desk, "{}", 422, "validation_failed", "body");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"body\": \"   \"}", 422, "validation_failed", "body");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"body\": 3}", 422, "validation_failed", "body");
  for (int i = 0; i < 4001; i++)
    g_string_append (big, "y");
  g_string_append (big, "\"}");
  vb_test_call_error (f->server, "POST", path, f->desk, big->str, 422, "validation_failed", "body");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"body\": ", 400, "malformed_json", NULL);

  /* Scope: another location 404 both ways; reading-only 403 on write; unknown order 404. */
  vb_test_call_error (f->server, "GET", path, f->tech_b, NULL, 404, "not_found", NULL);
  vb_test_call_error (f->server, "POST", path, f->tech_b, "{\"body\": \"Hello\"}", 404, "not_found", NULL);
  reader = reader_token (fx);
  reader_chat = vb_test_call (f->server, "GET", path, reader, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (reader_chat)), ==, 2);
  vb_test_call_error (f->server, "POST", path, reader, "{\"body\": \"Hello\"}", 403, "forbidden", NULL);
  vb_test_call_error (f->server, "GET", "/api/v1/work-orders/00000000-0000-4000-8000-000000000000/chat", f->desk,
                      NULL, 404, "not_found", NULL);
  g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM work_order_chat_messages WHERE work_order_id = $1::uuid",
                              order, NULL), ==, 2);

  /* A client may name the message (an offline outbox does): the same id
   * again is 409 naming id, never a second row. */
  {
    static const char named[] = "{\"id\": \"7d1f4a0e-5b1c-4c2e-9a7e-2f0b8e6d1c33\", \"body\": \"Sent offline\"}";
    g_autoptr(JsonNode) m = vb_test_call (f->server, "POST", path, f->desk, named, 201);

    g_assert_cmpstr (vb_test_id_of (m), ==, "7d1f4a0e-5b1c-4c2e-9a7e-2f0b8e6d1c33");
    vb_test_call_error (f->server, "POST", path, f->desk, named, 409, "conflict", "id");
    vb_test_call_error (f->server, "POST", path, f->desk, "{\"id\": \"nope\", \"body\": \"x\"}", 422,
                        "validation_failed", "id");
    g_assert_cmpint (sql_count (fx, "SELECT count(*) FROM work_order_chat_messages WHERE work_order_id = $1::uuid",
                                order, NULL), ==, 3);
  }

  /* HN-1's own order: its technician chats there. */
  vb_test_floor_add_customer (f, f->admin, f->b, "Lan", "\"plate\": \"30A-555.55\", \"make\": \"VinFast\"",
                              &b_customer, &b_vehicle);
  b_order = vb_test_floor_order_at (f, f->b, b_customer, b_vehicle);
  {
    g_autofree char *b_path = g_strdup_printf ("/api/v1/work-orders/%s/chat", b_order);
    g_autoptr(JsonNode) b_msg = vb_test_call (f->server, "POST", b_path, f->tech_b, "{\"body\": \"OK\"}", 201);
    g_assert_cmpstr (vb_test_str_of (b_msg, "location_id"), ==, f->b);
    vb_test_call_error (f->server, "GET", b_path, f->desk, NULL, 404, "not_found", NULL);
  }
}

/* Templates: everyone with messages.read lists them; only messages.settings
 * in every location changes them; the change is what the next status
 * update says. */
static void
test_templates (Fixture       *fx,
                gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autoptr(JsonNode) all = NULL, updates = NULL, labels = NULL, changed = NULL, stale = NULL;
  g_autofree char *path = NULL, *order = NULL, *sms_body = NULL, *body = NULL;
  JsonObject *t = NULL;
  JsonArray *items;

  all = vb_test_call (f->server, "GET", "/api/v1/message-templates", f->tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (all)), ==, 28);
  updates = vb_test_call (f->server, "GET", "/api/v1/message-templates?kind=status_update", f->desk, NULL, 200);
  labels = vb_test_call (f->server, "GET", "/api/v1/message-templates?kind=status_label", f->desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (items_of (updates)), ==, 14);
  g_assert_cmpuint (json_array_get_length (items_of (labels)), ==, 14);
  items = items_of (updates);
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *o = json_array_get_object_element (items, i);

      if (g_str_equal (json_object_get_string_member (o, "key"), "checked_in")
          && g_str_equal (json_object_get_string_member (o, "language"), "vi"))
        t = o;
    }
  g_assert_nonnull (t);
  g_assert_cmpint (json_object_get_int_member (t, "version"), ==, 1);
  path = g_strdup_printf ("/api/v1/message-templates/%s", json_object_get_string_member (t, "id"));

  vb_test_call_error (f->server, "PATCH", path, f->desk, "{\"version\": 1, \"sms_body\": \"x\"}", 403, "forbidden", NULL);
  vb_test_call_error (f->server, "PATCH", path, f->manager, "{\"version\": 1, \"sms_body\": \"x\"}", 403, "forbidden", NULL);
  vb_test_call_error (f->server, "PATCH", path, f->admin, "{\"sms_body\": \"x\"}", 422, "validation_failed", "version");
  vb_test_call_error (f->server, "PATCH", path, f->admin, "{\"version\": 1, \"subject\": \"a\\nb\"}", 422,
                      "validation_failed", "subject");
  vb_test_call_error (f->server, "PATCH", path, f->admin, "{\"version\": 1, \"body\": \"\"}", 422,
                      "validation_failed", "body");
  {
    g_autoptr(GString) big = g_string_new ("{\"version\": 1, \"sms_body\": \"");
    for (int i = 0; i < 1601; i++)
      g_string_append (big, "z");
    g_string_append (big, "\"}");
    vb_test_call_error (f->server, "PATCH", path, f->admin, big->str, 422, "validation_failed", "sms_body");
  }
  vb_test_call_error (f->server, "PATCH", "/api/v1/message-templates/00000000-0000-4000-8000-000000000000",
                      f->admin, "{\"version\": 1, \"sms_body\": \"x\"}", 404, "not_found", NULL);

  changed = vb_test_call (f->server, "PATCH", path, f->admin,
                          "{\"version\": 1, \"sms_body\": \"{location}: đã nhận xe {plate}, phiếu {number}.\"}", 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (changed), "version"), ==, 2);
  g_assert_cmpstr (vb_test_str_of (changed, "sms_body"), ==, "{location}: đã nhận xe {plate}, phiếu {number}.");
  g_assert_cmpstr (vb_test_str_of (changed, "subject"), ==, json_object_get_string_member (t, "subject"));
  stale = vb_test_call (f->server, "PATCH", path, f->admin, "{\"version\": 1, \"sms_body\": \"old\"}", 409);
  vb_test_assert_error (stale, "version_conflict", NULL);
  g_assert_true (vb_test_feed_has (f->server, f->desk, "message_templates", vb_test_id_of (changed), "upsert"));

  /* The next check-in texts the new wording (Vietnamese customer, SMS consent). */
  set_contact (fx, f->customer, FALSE, TRUE);
  order = vb_test_floor_order (f, NULL);
  sms_body = sql (fx, "SELECT body FROM outbound_messages WHERE related_id = $1::uuid AND channel = 'sms'", order, NULL);
  g_assert_cmpstr (sms_body, ==, "Shop HCM-1: đã nhận xe 51H-123.45, phiếu 1.");
  body = sql (fx, "SELECT kind FROM outbound_messages WHERE related_id = $1::uuid AND channel = $2", order, "sms");
  g_assert_cmpstr (body, ==, "status_update");
  {
    /* It is part of the customer's conversation too. */
    g_autoptr(JsonNode) thread = thread_of (fx, f->desk, f->customer);
    g_assert_cmpuint (json_array_get_length (items_of (thread)), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items_of (thread), 0), "kind"),
                     ==, "status_update");
  }
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add ("/conversations/inbound-sms", Fixture, NULL, fixture_setup, test_inbound_sms, fixture_teardown);
  g_test_add ("/conversations/idempotent", Fixture, NULL, fixture_setup, test_idempotent, fixture_teardown);
  g_test_add ("/conversations/signature", Fixture, NULL, fixture_setup, test_signature, fixture_teardown);
  g_test_add ("/conversations/inbound-email", Fixture, NULL, fixture_setup, test_inbound_email, fixture_teardown);
  g_test_add ("/conversations/unmatched", Fixture, NULL, fixture_setup, test_unmatched, fixture_teardown);
  g_test_add ("/conversations/staff-reply", Fixture, NULL, fixture_setup, test_staff_reply, fixture_teardown);
  g_test_add ("/conversations/mark-read", Fixture, NULL, fixture_setup, test_mark_read, fixture_teardown);
  g_test_add ("/conversations/work-order-chat", Fixture, NULL, fixture_setup, test_work_order_chat, fixture_teardown);
  g_test_add ("/conversations/templates", Fixture, NULL, fixture_setup, test_templates, fixture_teardown);
  return g_test_run ();
}
