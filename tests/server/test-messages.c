/* test-messages.c — the outbound queue against real stand-ins: an SMTP sink
 * (python3-aiosmtpd, tests/standins/smtp-sink.py) and the SMS provider
 * stand-in (tests/standins/sms-standin.py).  Status updates in the
 * customer's language and only with consent, a PDF attachment read back
 * from the received MIME, retries with one attempt row each, a crash while
 * sending that does not send twice, and a staff reply that goes out. */
#include <string.h>

#include "vb-test-floor.h"

typedef struct
{
  VbTestFloor  floor;
  char        *dir;
  char        *mail_dir;
  GSubprocess *smtp;
  GSubprocess *sms;
  guint        sms_port;
  SoupSession *session;
} Fixture;

static char *
standin_path (const char *name)
{
  g_autofree char *src_dir = g_path_get_dirname (__FILE__);

  if (g_path_is_absolute (src_dir))
    return g_build_filename (src_dir, "..", "standins", name, NULL);
  return g_build_filename (vb_test_build_dir (), src_dir, "..", "standins", name, NULL);
}

/* The python3 that has aiosmtpd (Debian's), else the one in PATH. */
static const char *
python (void)
{
  return g_file_test ("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE) ? "/usr/bin/python3" : "python3";
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

static GSubprocess *
spawn (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  GSubprocess *p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);

  g_assert_no_error (error);
  return p;
}

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *smtp_port_file = NULL, *sms_port_file = NULL, *config = NULL, *config_path = NULL;
  g_autofree char *sink = standin_path ("smtp-sink.py");
  g_autofree char *sms = standin_path ("sms-standin.py");
  g_autofree char *config_arg = NULL;
  guint smtp_port;

  fx->dir = g_dir_make_tmp ("vb-messages-XXXXXX", &error);
  g_assert_no_error (error);
  fx->mail_dir = g_build_filename (fx->dir, "mail", NULL);
  smtp_port_file = g_build_filename (fx->dir, "smtp.port", NULL);
  sms_port_file = g_build_filename (fx->dir, "sms.port", NULL);
  fx->smtp = spawn ((const char *[]) { python (), sink, "--dir", fx->mail_dir, "--port-file", smtp_port_file,
                                       "--user", "mailer", "--password", "s3cret pass", NULL });
  fx->sms = spawn ((const char *[]) { python (), sms, "--port-file", sms_port_file, "--token", "sms-token", NULL });
  smtp_port = wait_port (smtp_port_file);
  fx->sms_port = wait_port (sms_port_file);
  config = g_strdup_printf ("[email]\nsmtp-url = smtp://127.0.0.1:%u\nusername = mailer\npassword = s3cret pass\n"
                            "from = Voltbay HCM <desk@voltbay.test>\nwebhook-secret = mail-hook\n\n"
                            "[sms]\nurl = http://127.0.0.1:%u/send\ntoken = sms-token\nfrom = VOLTBAY\n"
                            "webhook-secret = sms-hook\n\n"
                            "[messages]\npoll-seconds = 0.5\nretry-base-seconds = 0.2\n",
                            smtp_port, fx->sms_port);
  config_path = g_build_filename (fx->dir, "voltbay.conf", NULL);
  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);

  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_CUSTOMER | VB_TEST_FLOOR_TECH_B);
  /* The same server again, now with the messaging settings. */
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
  vb_test_floor_clear (&fx->floor);
  g_subprocess_force_exit (fx->smtp);
  g_subprocess_force_exit (fx->sms);
  g_subprocess_wait (fx->smtp, NULL, NULL);
  g_subprocess_wait (fx->sms, NULL, NULL);
  g_clear_object (&fx->smtp);
  g_clear_object (&fx->sms);
  g_clear_object (&fx->session);
  g_free (fx->mail_dir);
  g_free (fx->dir);
}

/* ------------------------------------------------------------ helpers --- */

static char *
sql (Fixture *fx, const char *query, const char *a, const char *b)
{
  return vb_test_sql (fx->floor.server, query, a, b, NULL);
}

/* Consent and contact details of a customer, through the API. */
static void
set_contact (Fixture    *fx,
             const char *customer,
             const char *language,
             gboolean    email,
             gboolean    sms)
{
  g_autofree char *version = sql (fx, "SELECT version FROM customers WHERE id = $1::uuid", customer, NULL);
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", customer);
  g_autofree char *body = g_strdup_printf (
    "{\"version\": %s, \"emails\": [\"minh.%s@example.com\"], \"preferred_language\": \"%s\","
    " \"consent\": {\"email\": {\"given\": %s, \"channel\": \"in_person\"},"
    "               \"sms\": {\"given\": %s, \"channel\": \"in_person\"}}}",
    version, language, language, email ? "true" : "false", sms ? "true" : "false");

  json_node_unref (vb_test_call (fx->floor.server, "PATCH", path, fx->floor.desk, body, 200));
}

/* g_ptr_array_sort hands the comparison pointers to the elements. */
static gint
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
mail_files (Fixture *fx)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = g_dir_open (fx->mail_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      g_ptr_array_add (files, g_build_filename (fx->mail_dir, name, NULL));
  g_ptr_array_sort (files, compare_paths);
  return files;
}

/* Waits until the sink holds n messages (asserts it never holds more). */
static GPtrArray *
wait_mail (Fixture *fx,
           guint    n)
{
  for (int i = 0; i < 300; i++)
    {
      GPtrArray *files = mail_files (fx);

      g_assert_cmpuint (files->len, <=, n);
      if (files->len == n)
        return files;
      g_ptr_array_unref (files);
      g_usleep (50000);
    }
  {
    g_autofree char *log = NULL;

    if (g_file_get_contents (fx->floor.server->log_path, &log, NULL, NULL))
      g_printerr ("# --- voltbay-server log ---\n%s# --- end of log ---\n", log);
  }
  g_error ("the SMTP sink did not receive %u message(s)", n);
  return NULL;
}

/* The message parsed by Python's email package: headers decoded, the text
 * part, and each attachment's name, type, size and SHA-256. */
static JsonObject *
parse_mail (const char *path)
{
  static const char script[] =
    "import sys, json, hashlib, email, email.policy\n"
    "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
    "out = {'subject': str(m['subject']), 'from': str(m['from']), 'to': str(m['to']),\n"
    "       'date': str(m['date']), 'message_id': str(m['message-id']), 'text': '', 'attachments': []}\n"
    "for part in m.walk():\n"
    "    if part.is_multipart(): continue\n"
    "    if part.get_filename():\n"
    "        data = part.get_payload(decode=True)\n"
    "        out['attachments'].append({'filename': part.get_filename(), 'content_type': part.get_content_type(),\n"
    "                                   'size': len(data), 'sha256': hashlib.sha256(data).hexdigest()})\n"
    "    elif part.get_content_type() == 'text/plain':\n"
    "        out['text'] += part.get_content()\n"
    "print(json.dumps(out))\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) p = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                               python (), "-c", script, path, NULL);
  g_autofree char *out = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static JsonNode *
sms_requests (Fixture *fx)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/_requests", fx->sms_port);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = soup_session_send_and_read (fx->session, msg, NULL, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (body);
  JsonNode *node = json_from_string (g_bytes_get_data (body, NULL), &error);
  g_assert_no_error (error);
  return node;
}

static guint
sms_count (Fixture *fx, const char *what)
{
  g_autoptr(JsonNode) r = sms_requests (fx);

  return json_array_get_length (json_object_get_array_member (json_node_get_object (r), what));
}

static void
sms_control (Fixture *fx, const char *path, const char *body)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", fx->sms_port, path);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) payload = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) reply = NULL;

  soup_message_set_request_body_from_bytes (msg, "application/json", payload);
  reply = soup_session_send_and_read (fx->session, msg, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
}

/* Waits until the message's status is want (as the database says). */
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
  g_error ("message %s never became %s", message, want);
}

/* ---------------------------------------------------------------- tests --- */

/* A status change mails the customer in their language, in the same
 * transaction; without consent nothing is queued at all. */
static void
test_status_update (Fixture       *fx,
                    gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autoptr(GPtrArray) first = NULL;
  g_autoptr(GPtrArray) second = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autoptr(JsonObject) mail2 = NULL;
  g_autofree char *order = NULL, *message = NULL, *n = NULL, *other = NULL, *other_vehicle = NULL;
  g_autofree char *other_order = NULL, *attempts = NULL, *id_header = NULL;

  set_contact (fx, f->customer, "vi", TRUE, FALSE);
  order = vb_test_floor_order (f, NULL);   /* checked in */
  message = sql (fx, "SELECT id FROM outbound_messages WHERE related_id = $1::uuid AND channel = 'email'", order, NULL);
  g_assert_nonnull (message);
  n = sql (fx, "SELECT count(*) FROM outbound_messages WHERE related_id = $1::uuid", order, NULL);
  g_assert_cmpstr (n, ==, "1");   /* no SMS: no SMS consent */
  first = wait_mail (fx, 1);
  mail = parse_mail (first->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==,
                   "Xe VinFast VF 8 (51H-123.45) của quý khách đã được tiếp nhận — phiếu 1");
  g_assert_cmpstr (json_object_get_string_member (mail, "to"), ==, "minh.vi@example.com");
  g_assert_nonnull (strstr (json_object_get_string_member (mail, "from"), "desk@voltbay.test"));
  g_assert_nonnull (strstr (json_object_get_string_member (mail, "text"), "Kính gửi Minh Nguyen"));
  g_assert_cmpstr (json_object_get_string_member (mail, "date"), !=, "None");
  id_header = g_strdup_printf ("<%s@voltbay>", message);
  g_assert_cmpstr (json_object_get_string_member (mail, "message_id"), ==, id_header);
  wait_status (fx, message, "sent");
  attempts = sql (fx, "SELECT string_agg(outcome, ',') FROM message_attempts WHERE message_id = $1::uuid", message, NULL);
  g_assert_cmpstr (attempts, ==, "sent");
  g_assert_true (vb_test_feed_has (f->server, f->desk, "outbound_messages", message, "upsert"));
  g_free (n);
  n = sql (fx, "SELECT count(*) > 0 FROM audit_log WHERE entity = 'outbound_messages' AND entity_id = $1", message, NULL);
  g_assert_cmpstr (n, ==, "t");

  /* The next move, in English now. */
  set_contact (fx, f->customer, "en", TRUE, FALSE);
  g_free (sql (fx, "UPDATE work_orders SET triage_passed = true, status = 'diagnosing' WHERE id = $1::uuid", order, NULL));
  second = wait_mail (fx, 2);
  mail2 = parse_mail (second->pdata[1]);
  g_assert_cmpstr (json_object_get_string_member (mail2, "subject"), ==,
                   "Your VinFast VF 8 (51H-123.45) is being diagnosed");
  g_assert_cmpstr (json_object_get_string_member (mail2, "to"), ==, "minh.en@example.com");

  /* Without consent: nothing queued, nothing sent. */
  vb_test_floor_add_customer (f, f->desk, f->a, "Lan", "\"plate\": \"30A-999.99\", \"make\": \"VinFast\"",
                              &other, &other_vehicle);
  set_contact (fx, other, "vi", FALSE, FALSE);
  other_order = vb_test_floor_order_at (f, f->a, other, other_vehicle);
  g_free (sql (fx, "UPDATE work_orders SET triage_passed = true, status = 'diagnosing' WHERE id = $1::uuid",
               other_order, NULL));
  g_free (n);
  n = sql (fx, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid", other, NULL);
  g_assert_cmpstr (n, ==, "0");
  g_usleep (1500000);   /* three worker cycles */
  g_ptr_array_unref (wait_mail (fx, 2));
}

static gboolean
pdf_txn (VbDbConn *conn, gpointer user_data, GError **error)
{
  const char **ids = user_data;   /* location, customer, attachment; out: message */
  g_autoptr(PGresult) m = vb_db_execv (conn, error,
    "SELECT vb_enqueue_message($1::uuid, $2::uuid, 'email', 'minh.vi@example.com', 'Hóa đơn HCM-1-2026-000001',"
    "                          'Kính gửi quý khách, xin gửi hóa đơn đính kèm.', 'vi', 'document', NULL, NULL, NULL)",
    ids[0], ids[1]);
  g_autoptr(PGresult) a = NULL;

  if (m == NULL)
    return FALSE;
  a = vb_db_execv (conn, error,
    "INSERT INTO outbound_message_attachments (message_id, attachment_id, filename)"
    " VALUES ($1::uuid, $2::uuid, 'hoa-don-000001.pdf') RETURNING message_id",
    vb_db_get (m, 0, 0), ids[2]);
  if (a == NULL)
    return FALSE;
  ids[3] = g_strdup (vb_db_get (m, 0, 0));
  return TRUE;
}

/* A PDF from the attachment store arrives byte for byte. */
static void
test_pdf_attachment (Fixture       *fx,
                     gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autoptr(GByteArray) pdf = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) up = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(JsonObject) mail = NULL;
  g_autoptr(VbDbConn) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL, *sha = NULL;
  const char *ids[4] = { f->a, f->customer, NULL, NULL };
  VbDbAudit audit = { NULL, "test", NULL };
  JsonArray *atts;
  JsonObject *att;
  guint status = 0;

  set_contact (fx, f->customer, "vi", TRUE, FALSE);
  g_byte_array_append (pdf, (const guint8 *) "%PDF-1.4\n", 9);
  for (guint i = 0; i < 40000; i++)
    {
      guint8 b = (guint8) ((i * 7919u) ^ (i >> 3));
      g_byte_array_append (pdf, &b, 1);
    }
  g_byte_array_append (pdf, (const guint8 *) "\n%%EOF\n", 7);
  bytes = g_bytes_new (pdf->data, pdf->len);
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
  path = g_strdup_printf ("/api/v1/attachments?location_id=%s&purpose=document&file_name=invoice.pdf", f->a);
  up = vb_test_request_full (f->server, "POST", path, f->desk, "application/pdf", bytes, NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  ids[2] = vb_test_id_of (up);

  conn = vb_test_server_db (f->server);
  g_assert_true (vb_db_transaction (conn, &audit, pdf_txn, ids, &error));
  g_assert_no_error (error);
  files = wait_mail (fx, 1);
  mail = parse_mail (files->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Hóa đơn HCM-1-2026-000001");
  g_assert_nonnull (strstr (json_object_get_string_member (mail, "text"), "xin gửi hóa đơn đính kèm"));
  atts = json_object_get_array_member (mail, "attachments");
  g_assert_cmpuint (json_array_get_length (atts), ==, 1);
  att = json_array_get_object_element (atts, 0);
  g_assert_cmpstr (json_object_get_string_member (att, "filename"), ==, "hoa-don-000001.pdf");
  g_assert_cmpstr (json_object_get_string_member (att, "content_type"), ==, "application/pdf");
  g_assert_cmpint (json_object_get_int_member (att, "size"), ==, pdf->len);
  g_assert_cmpstr (json_object_get_string_member (att, "sha256"), ==, sha);
  wait_status (fx, ids[3], "sent");
  g_free ((char *) ids[3]);
}

/* The provider fails twice with 500: three attempts, three rows, one SMS. */
static void
test_sms_retries (Fixture       *fx,
                  gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s/conversation", f->customer);
  g_autofree char *mpath = NULL;
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) got = NULL;
  g_autoptr(JsonNode) reqs = NULL;
  JsonArray *log, *requests, *delivered;
  const char *id;

  set_contact (fx, f->customer, "vi", FALSE, TRUE);
  sms_control (fx, "/_fail", "{\"count\": 2, \"status\": 500}");
  sent = vb_test_call (f->server, "POST", path, f->desk,
                       "{\"channel\": \"sms\", \"body\": \"Xe của anh Minh đã sửa xong, mời anh qua nhận.\"}", 201);
  id = vb_test_id_of (sent);
  g_assert_cmpstr (vb_test_str_of (sent, "direction"), ==, "outbound");
  wait_status (fx, id, "sent");
  mpath = g_strdup_printf ("/api/v1/messages/%s", id);
  got = vb_test_call (f->server, "GET", mpath, f->desk, NULL, 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "attempts"), ==, 3);
  g_assert_cmpstr (vb_test_str_of (got, "provider_id"), ==, "sms-1");
  log = json_object_get_array_member (vb_test_object (got), "attempt_log");
  g_assert_cmpuint (json_array_get_length (log), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (log, 0), "outcome"), ==, "retry");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (log, 1), "outcome"), ==, "retry");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (log, 2), "outcome"), ==, "sent");
  g_assert_nonnull (strstr (json_object_get_string_member (json_array_get_object_element (log, 0), "error"), "500"));

  reqs = sms_requests (fx);
  requests = json_object_get_array_member (json_node_get_object (reqs), "requests");
  delivered = json_object_get_array_member (json_node_get_object (reqs), "delivered");
  g_assert_cmpuint (json_array_get_length (requests), ==, 3);
  g_assert_cmpuint (json_array_get_length (delivered), ==, 1);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *r = json_array_get_object_element (requests, i);
      g_assert_cmpstr (json_object_get_string_member (r, "key"), ==, id);
      g_assert_cmpstr (json_object_get_string_member (r, "auth"), ==, "Bearer sms-token");
      g_assert_cmpstr (json_object_get_string_member (r, "to"), ==, "+84901234567");
      g_assert_cmpstr (json_object_get_string_member (r, "from"), ==, "VOLTBAY");
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (delivered, 0), "text"), ==,
                   "Xe của anh Minh đã sửa xong, mời anh qua nhận.");
}

/* The server dies while the provider holds the request: after a restart
 * the message is 'unknown', not sent again; staff resolve it. */
static void
test_crash_not_sent_twice (Fixture       *fx,
                           gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s/conversation", f->customer);
  g_autofree char *rpath = NULL, *status = NULL, *outcomes = NULL;
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) resolved = NULL;
  const char *id;
  int i;

  set_contact (fx, f->customer, "vi", FALSE, TRUE);
  sms_control (fx, "/_hang", "{\"count\": 1, \"seconds\": 20}");
  sent = vb_test_call (f->server, "POST", path, f->desk, "{\"channel\": \"sms\", \"body\": \"Một lần thôi\"}", 201);
  id = vb_test_id_of (sent);
  for (i = 0; i < 200 && sms_count (fx, "requests") == 0; i++)
    g_usleep (50000);
  g_assert_cmpuint (sms_count (fx, "requests"), ==, 1);
  status = sql (fx, "SELECT status FROM outbound_messages WHERE id = $1::uuid", id, NULL);
  g_assert_cmpstr (status, ==, "sending");

  vb_test_server_crash (f->server);
  vb_test_server_restart (f->server, FALSE);
  wait_status (fx, id, "unknown");
  g_usleep (1500000);   /* more worker cycles: still not sent again */
  g_assert_cmpuint (sms_count (fx, "requests"), ==, 1);
  g_assert_cmpuint (sms_count (fx, "delivered"), ==, 1);
  outcomes = sql (fx, "SELECT string_agg(outcome, ',' ORDER BY finished_at) FROM message_attempts"
                      " WHERE message_id = $1::uuid", id, NULL);
  g_assert_cmpstr (outcomes, ==, "unknown");

  /* A person decides: the customer got it. */
  rpath = g_strdup_printf ("/api/v1/messages/%s/resolve", id);
  vb_test_call_error (f->server, "POST", rpath, f->tech_b, "{\"outcome\": \"sent\"}", 404, "not_found", NULL);
  vb_test_call_error (f->server, "POST", rpath, f->desk, "{\"outcome\": \"maybe\"}", 422, "validation_failed", "outcome");
  resolved = vb_test_call (f->server, "POST", rpath, f->desk, "{\"outcome\": \"sent\", \"note\": \"Customer confirmed\"}", 200);
  g_assert_cmpstr (vb_test_str_of (resolved, "status"), ==, "sent");
  vb_test_call_error (f->server, "POST", rpath, f->desk, "{\"outcome\": \"requeue\"}", 409, "conflict", "status");
  g_assert_cmpuint (sms_count (fx, "requests"), ==, 1);
}

/* A staff reply by e-mail goes out; without consent the reply is refused. */
static void
test_staff_reply (Fixture       *fx,
                  gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s/conversation", f->customer);
  g_autoptr(JsonNode) sent = NULL;
  g_autoptr(JsonNode) thread = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(JsonObject) mail = NULL;
  JsonArray *items;

  set_contact (fx, f->customer, "en", TRUE, FALSE);
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"channel\": \"sms\", \"body\": \"Hello\"}",
                      409, "conflict", "channel");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"channel\": \"fax\", \"body\": \"Hello\"}",
                      422, "validation_failed", "channel");
  vb_test_call_error (f->server, "POST", path, f->tech_b, "{\"channel\": \"email\", \"body\": \"Hello\"}",
                      404, "not_found", NULL);
  sent = vb_test_call (f->server, "POST", path, f->desk,
                       "{\"channel\": \"email\", \"subject\": \"Your brake fluid\","
                       " \"body\": \"Hello Minh, the brake fluid is due next month.\"}", 201);
  files = wait_mail (fx, 1);
  mail = parse_mail (files->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, "Your brake fluid");
  g_assert_nonnull (strstr (json_object_get_string_member (mail, "text"), "brake fluid is due next month"));
  wait_status (fx, vb_test_id_of (sent), "sent");
  thread = vb_test_call (f->server, "GET", path, f->desk, NULL, 200);
  items = json_object_get_array_member (vb_test_object (thread), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "status"), ==, "sent");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "author_name"), !=, NULL);
}

/* GET path as token: the raw reply body (status asserted 200). */
static GBytes *
get_bytes (Fixture    *fx,
           const char *path,
           const char *token)
{
  g_autofree char *url = g_strconcat (fx->floor.server->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autofree char *auth = g_strconcat ("Bearer ", token, NULL);
  g_autoptr(GError) error = NULL;
  GBytes *reply;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  reply = soup_session_send_and_read (fx->floor.server->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return reply;
}

/* The PDF with the values of /CreationDate and /ModDate blanked: cairo
 * stamps each rendering with the time, to the second; all else is equal. */
static GByteArray *
pdf_without_dates (GBytes *pdf)
{
  static const char * const keys[] = { "/CreationDate (", "/ModDate (" };
  gsize size;
  const guint8 *data = g_bytes_get_data (pdf, &size);
  GByteArray *out = g_byte_array_sized_new ((guint) size);

  g_byte_array_append (out, data, (guint) size);
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      gsize n = strlen (keys[k]);

      for (gsize i = 0; i + n < out->len; i++)
        if (memcmp (out->data + i, keys[k], n) == 0)
          for (gsize j = i + n; j < out->len && out->data[j] != ')'; j++)
            out->data[j] = 'X';
    }
  return out;
}

/* An invoice of the floor customer: a diagnosis fee quoted, approved by
 * phone and invoiced through the API, before the customer has any e-mail
 * address or consent (so no status update is mailed). */
static JsonNode *
issue_invoice (Fixture *fx)
{
  VbTestFloor *f = &fx->floor;
  g_autofree char *rates = g_strdup_printf ("/api/v1/locations/%s/rates", f->a);
  g_autofree char *order = NULL, *quote_path = NULL, *decide = NULL, *decisions = NULL, *issue = NULL;
  g_autoptr(JsonNode) version = NULL;
  g_autoptr(JsonNode) decided = NULL;
  JsonArray *lines;

  json_node_unref (vb_test_call (f->server, "POST", rates, f->admin,
                                 "{\"kind\": \"tax\", \"name\": \"VAT\", \"percent_bp\": 1000}", 201));
  order = vb_test_floor_order (f, "diagnosing");
  quote_path = g_strdup_printf ("/api/v1/work-orders/%s/quote/versions", order);
  version = vb_test_call (f->server, "POST", quote_path, f->desk,
                          "{\"lines\": [{\"kind\": \"fee\", \"description\": \"Diagnosis\","
                          " \"unit_price\": {\"amount\": 300000, \"currency\": \"VND\"}}]}", 201);
  lines = json_object_get_array_member (vb_test_object (version), "lines");
  g_assert_cmpuint (json_array_get_length (lines), ==, 1);
  decisions = g_strdup_printf ("{\"channel\": \"phone\", \"phone_number\": \"+84 90 111 2222\","
                               " \"decisions\": [{\"quote_line_id\": \"%s\", \"decision\": \"approved\"}]}",
                               json_object_get_string_member (json_array_get_object_element (lines, 0), "id"));
  decide = g_strdup_printf ("/api/v1/quote-versions/%s/decisions", vb_test_id_of (version));
  decided = vb_test_call (f->server, "POST", decide, f->desk, decisions, 200);
  issue = g_strdup_printf ("/api/v1/work-orders/%s/invoices", order);
  return vb_test_call (f->server, "POST", issue, f->desk, NULL, 201);
}

/* POST /invoices/{id}/email: the rendered PDF arrives as the attachment of
 * one mail to the customer, byte for byte the PDF GET .../pdf serves. */
static void
test_email_invoice (Fixture       *fx,
                    gconstpointer  data)
{
  VbTestFloor *f = &fx->floor;
  g_autoptr(JsonNode) invoice = issue_invoice (fx);
  const char *id = vb_test_id_of (invoice);
  const char *number = vb_test_str_of (invoice, "number");
  g_autofree char *path = g_strdup_printf ("/api/v1/invoices/%s/email", id);
  g_autofree char *pdf_path = g_strdup_printf ("/api/v1/invoices/%s/pdf?language=vi", id);
  g_autofree char *location_name = sql (fx, "SELECT name FROM locations WHERE id = $1::uuid", f->a, NULL);
  g_autofree char *want_subject = g_strdup_printf ("Hóa đơn %s từ %s", number, location_name);
  g_autofree char *want_file = g_strdup_printf ("invoice-%s.pdf", number);
  g_autofree char *want_location = NULL, *sha = NULL, *n = NULL, *purpose = NULL;
  g_autoptr(GBytes) pdf = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GByteArray) pdf_masked = NULL;
  g_autoptr(GByteArray) stored_masked = NULL;
  g_autofree char *content_path = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) queued = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GPtrArray) files = NULL;
  g_autoptr(JsonObject) mail = NULL;
  const char *message_id;
  JsonArray *atts;
  JsonObject *att;
  guint status = 0;
  static const char request[] = "{\"language\": \"vi\", \"message\": \"Cảm ơn anh Minh đã tin tưởng.\"}";

  /* No e-mail address and no "to" (and no body at all: it is optional). */
  vb_test_call_error (f->server, "POST", path, f->desk, NULL, 422, "validation_failed", "to");
  /* Another location's staff: as if it did not exist. */
  vb_test_call_error (f->server, "POST", path, f->tech_b, "{}", 404, "not_found", NULL);

  set_contact (fx, f->customer, "en", TRUE, FALSE);   /* minh.en@example.com */
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"to\": \"not an address\"}", 422,
                      "validation_failed", "to");
  vb_test_call_error (f->server, "POST", path, f->desk, "{\"to\": \"a@b.c\", \"language\": \"fr\"}", 422,
                      "validation_failed", "language");
  n = sql (fx, "SELECT count(*) FROM outbound_messages WHERE kind = 'document'", NULL, NULL);
  g_assert_cmpstr (n, ==, "0");

  body = g_bytes_new_static (request, strlen (request));
  queued = vb_test_request_full (f->server, "POST", path, f->desk, "application/json", body, NULL, &status, &headers);
  g_assert_cmpuint (status, ==, 202);
  message_id = vb_test_id_of (queued);
  want_location = g_strdup_printf ("/api/v1/messages/%s", message_id);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Location"), ==, want_location);
  g_assert_cmpstr (vb_test_str_of (queued, "status"), ==, "queued");
  g_assert_cmpstr (vb_test_str_of (queued, "to_address"), ==, "minh.en@example.com");
  g_assert_cmpstr (vb_test_str_of (queued, "subject"), ==, want_subject);
  g_assert_cmpstr (vb_test_str_of (queued, "kind"), ==, "document");
  g_assert_cmpstr (vb_test_str_of (queued, "related_id"), ==, id);

  /* The stored file is the one mailed (SHA-256 below); it is the PDF that
   * GET .../pdf serves in the same language, but for the time cairo stamps. */
  atts = json_object_get_array_member (vb_test_object (queued), "attachments");
  g_assert_cmpuint (json_array_get_length (atts), ==, 1);
  content_path = g_strdup_printf ("/api/v1/attachments/%s/content",
                                  json_object_get_string_member (json_array_get_object_element (atts, 0),
                                                                 "attachment_id"));
  stored = get_bytes (fx, content_path, f->desk);
  sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, stored);
  g_usleep (1100000);   /* another second: the served PDF has another timestamp */
  pdf = get_bytes (fx, pdf_path, f->desk);
  g_assert_cmpuint (g_bytes_get_size (pdf), ==, g_bytes_get_size (stored));
  pdf_masked = pdf_without_dates (pdf);
  stored_masked = pdf_without_dates (stored);
  g_assert_true (memcmp (pdf_masked->data, stored_masked->data, pdf_masked->len) == 0);
  g_test_message ("served and mailed PDF: %s", g_bytes_equal (pdf, stored) ? "identical bytes"
                                                                         : "equal but for the timestamp");

  files = wait_mail (fx, 1);
  mail = parse_mail (files->pdata[0]);
  g_assert_cmpstr (json_object_get_string_member (mail, "to"), ==, "minh.en@example.com");
  g_assert_cmpstr (json_object_get_string_member (mail, "subject"), ==, want_subject);
  g_assert_nonnull (strstr (json_object_get_string_member (mail, "text"), "Kính gửi Minh Nguyen"));
  g_assert_nonnull (strstr (json_object_get_string_member (mail, "text"), "Cảm ơn anh Minh đã tin tưởng."));
  atts = json_object_get_array_member (mail, "attachments");
  g_assert_cmpuint (json_array_get_length (atts), ==, 1);
  att = json_array_get_object_element (atts, 0);
  g_assert_cmpstr (json_object_get_string_member (att, "filename"), ==, want_file);
  g_assert_cmpstr (json_object_get_string_member (att, "content_type"), ==, "application/pdf");
  g_assert_cmpint (json_object_get_int_member (att, "size"), ==, g_bytes_get_size (pdf));
  g_assert_cmpstr (json_object_get_string_member (att, "sha256"), ==, sha);
  wait_status (fx, message_id, "sent");
  purpose = sql (fx, "SELECT a.purpose || ' ' || a.sha256 FROM outbound_message_attachments x"
                     "  JOIN attachments a ON a.id = x.attachment_id WHERE x.message_id = $1::uuid", message_id, NULL);
  {
    g_autofree char *want = g_strconcat ("document ", sha, NULL);
    g_assert_cmpstr (purpose, ==, want);
  }
  g_ptr_array_unref (wait_mail (fx, 1));   /* exactly one */

  /* The quote, to another address, in English. */
  {
    g_autofree char *quote = sql (fx, "SELECT id FROM quotes WHERE customer_id = $1::uuid", f->customer, NULL);
    g_autofree char *qpath = g_strdup_printf ("/api/v1/quotes/%s/email", quote);
    g_autoptr(JsonNode) q = vb_test_call (f->server, "POST", qpath, f->desk,
                                          "{\"to\": \"accounts@example.com\", \"language\": \"en\"}", 202);
    g_autoptr(GPtrArray) two = NULL;
    g_autoptr(JsonObject) qmail = NULL;

    vb_test_call_error (f->server, "POST", qpath, f->tech_b, "{}", 404, "not_found", NULL);
    g_assert_true (g_str_has_prefix (vb_test_str_of (q, "subject"), "Quote "));
    g_assert_cmpstr (vb_test_str_of (q, "to_address"), ==, "accounts@example.com");
    two = wait_mail (fx, 2);
    qmail = parse_mail (g_strcmp0 (two->pdata[0], files->pdata[0]) == 0 ? two->pdata[1] : two->pdata[0]);
    g_assert_cmpstr (json_object_get_string_member (qmail, "to"), ==, "accounts@example.com");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (qmail, "attachments")), ==, 1);
    wait_status (fx, vb_test_id_of (q), "sent");
  }

  /* Without consent nothing is queued. */
  set_contact (fx, f->customer, "en", FALSE, FALSE);
  vb_test_call_error (f->server, "POST", path, f->desk, "{}", 409, "conflict", "consent");
  g_free (n);
  n = sql (fx, "SELECT count(*) FROM outbound_messages WHERE kind = 'document'", NULL, NULL);
  g_assert_cmpstr (n, ==, "2");
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add ("/messages/status-update", Fixture, NULL, fixture_setup, test_status_update, fixture_teardown);
  g_test_add ("/messages/pdf-attachment", Fixture, NULL, fixture_setup, test_pdf_attachment, fixture_teardown);
  g_test_add ("/messages/sms-retries", Fixture, NULL, fixture_setup, test_sms_retries, fixture_teardown);
  g_test_add ("/messages/crash-not-sent-twice", Fixture, NULL, fixture_setup, test_crash_not_sent_twice,
              fixture_teardown);
  g_test_add ("/messages/staff-reply", Fixture, NULL, fixture_setup, test_staff_reply, fixture_teardown);
  g_test_add ("/messages/email-invoice", Fixture, NULL, fixture_setup, test_email_invoice, fixture_teardown);
  return g_test_run ();
}
