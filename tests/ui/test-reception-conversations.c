/* test-reception-conversations.c — the front desk's Conversations page,
 * driven in the real voltbay-reception window against a real TLS server
 * (with an [sms] webhook secret) and PostgreSQL.
 *
 * Run through run-gui-test.sh (Xvfb, private D-Bus, unlocked
 * gnome-keyring).  That harness runs no notification daemon, so the
 * desktop notifications are tested in tests/client/test-notifier.c (with
 * python3-dbusmock); here the in-app toasts are.  A demo customer of
 * HCM-D1 who consented to SMS:
 *   1. texts the shop (a signed SMS webhook): the thread appears live with
 *      1 unread, the sidebar counts it, a toast says "Reply from …";
 *   2. the desk opens it: the message shows with its channel, and the read
 *      mark reaches PostgreSQL (unread 0 there and on the page);
 *   3. the desk answers by SMS: shown at once, one outbound row, the
 *      server's row back in the thread (same id) with its delivery state;
 *      the reply box is cleared; with no SMS gateway the server only
 *      queued it: "SMS, waiting to send: …" in the thread list and
 *      "Waiting to send" on the message, "sent" once PostgreSQL says so;
 *   4. the toast's action opens the thread from another page;
 *   5. the car of an order in quality check becomes ready (by a manager):
 *      "Vehicle ready: <plate>";
 *   6. an unknown sender texts the shop's number: "From Unknown Senders",
 *      then Assign to Customer (found by searching, never a list of every
 *      customer) files it in the thread;
 *   7. offline: the thread still reads; a reply is sent anyway and waits in
 *      the outbox ("Waiting to sync"), and one to a second customer whose
 *      SMS consent is withdrawn meanwhile; back online the first is queued
 *      for sending exactly once (PostgreSQL's message queue, same id) and
 *      the second is refused: a sync problem with the server's reason,
 *      nothing queued.
 * Screenshots in <build>/tests/ui-artifacts/conversations-*.png.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vb-gui-test.h"
#include "vb-reception-test.h"

#include "vb-cache.h"
#include "vb-chat-row.h"
#include "vb-client.h"
#include "vb-connection-indicator.h"
#include "vb-conversation-presentation.h"
#include "vb-conversations-page.h"
#include "vb-desk-view.h"
#include "vb-login-page.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-record.h"
#include "vb-sign-in-view.h"
#include "vb-sync-problems-dialog.h"

#define DESK_EMAIL    "hoa.desk@example.com"
#define DESK_NAME     "Hoa Desk"
#define DESK_PASSWORD "front desk password 42"
#define SMS_SECRET    "gui-sms-hook-secret"
#define WAIT_MS       30000
#define CUSTOMER_TEXT "Xe của tôi xong chưa?"
#define REPLY_TEXT    "Chiều nay 5 giờ anh qua nhận xe nhé."
#define STRANGER_TEXT "Hello, this is Bao, I have a new number."
#define OFFLINE_TEXT  "Xe đã sạc đầy."
#define REFUSED_TEXT  "Mời anh chị ghé xưởng."

static VbTestServer           *server;

/* Helpers */

static VbConversationsPage *
page (void)
{
  return vb_reception_test_desk_child ("conversations_page");
}

static gpointer
page_child (const char *name)
{
  return vb_gui_child (page (), VB_TYPE_CONVERSATIONS_PAGE, name);
}

static gboolean
window_shows (gpointer needle)
{
  g_autoptr(GString) text = g_string_new (NULL);

  vb_gui_collect (GTK_WIDGET (vb_reception_test_window ()), text, NULL, NULL);
  return strstr (text->str, needle) != NULL;
}

typedef struct
{
  const char *customer_id;
  int         unread;
} ThreadUnread;

static gboolean
thread_unread_is (gpointer data)
{
  ThreadUnread *want = data;

  return vb_conversations_page_get_thread_unread (page (), want->customer_id) == want->unread;
}

static VbRecord *
find_entry (const char *direction,
            const char *body)
{
  GListModel *entries = vb_conversations_page_get_entries (page ());

  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (entries, i);

      if (g_strcmp0 (vb_record_get_string (record, "direction"), direction) == 0 &&
          g_strcmp0 (vb_record_get_string (record, "body"), body) == 0)
        return record;   /* the page's store keeps it */
    }
  return NULL;
}

static gboolean
inbound_shown (gpointer body)
{
  return find_entry ("inbound", body) != NULL;
}

static gboolean
outbound_shown (gpointer body)
{
  return find_entry ("outbound", body) != NULL;
}

static gboolean
outbound_lacks (gpointer body)
{
  return find_entry ("outbound", body) == NULL;
}

/* How many outbound entries of the open thread are body. */
static guint
count_outbound (const char *body)
{
  GListModel *entries = vb_conversations_page_get_entries (page ());
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (entries); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (entries, i);

      n += g_strcmp0 (vb_record_get_string (record, "direction"), "outbound") == 0 &&
           g_strcmp0 (vb_record_get_string (record, "body"), body) == 0;
    }
  return n;
}

static gboolean
entry_pending (VbRecord *record)
{
  return json_object_get_boolean_member_with_default (vb_record_get_row (record), "pending", FALSE);
}

/* Exactly one entry is body, and it is the server's (not waiting). */
static gboolean
outbound_synced (gpointer body)
{
  VbRecord *record = find_entry ("outbound", body);

  return record != NULL && count_outbound (body) == 1 && !entry_pending (record);
}

/* Exactly one entry is body, waiting for the server, and its row says
 * "Waiting to sync". */
static gboolean
outbound_waiting (gpointer body)
{
  VbRecord *record = find_entry ("outbound", body);

  if (record == NULL || count_outbound (body) != 1 || !entry_pending (record))
    return FALSE;
  for (GtkWidget *row = gtk_widget_get_first_child (page_child ("entries_list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (VB_IS_CHAT_ROW (row) && g_strcmp0 (vb_chat_row_get_body (VB_CHAT_ROW (row)), body) == 0)
      return vb_chat_row_get_pending (VB_CHAT_ROW (row)) &&
             strstr (vb_chat_row_get_time (VB_CHAT_ROW (row)), "Waiting to sync") != NULL;
  return FALSE;
}

/* The first widget of type under widget (depth first), or NULL. */
static GtkWidget *
find_descendant (GtkWidget *widget,
                 GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_descendant (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The Assign dialog's search result row for the customer, or NULL. */
static gpointer
assign_result_for (gpointer data)
{
  GtkWidget **args = data;   /* { results list, customer id } */

  for (GtkWidget *row = gtk_widget_get_first_child (args[0]); row != NULL; row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && g_strcmp0 (gtk_widget_get_name (row), (const char *) args[1]) == 0)
      return row;
  return NULL;
}

static gboolean
assign_result_shown (gpointer data)
{
  return assign_result_for (data) != NULL;
}

/* The outbox problem of the refused reply: its answer's message. */
static char *
dup_problem_reason (const char *record_id)
{
  g_autoptr(GPtrArray) problems = vb_cache_list_problems (vb_client_get_cache (vb_reception_test_client ()));

  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      VbOutboxEntry *entry = g_ptr_array_index (problems, i);

      if (g_strcmp0 (entry->record_id, record_id) == 0)
        return g_strdup (entry->reply != NULL ? entry->reply : "");
    }
  return NULL;
}

static gboolean
problem_listed (gpointer record_id)
{
  g_autofree char *reason = dup_problem_reason (record_id);

  return reason != NULL;
}

static gboolean
unmatched_has (gpointer body)
{
  GListModel *unmatched = vb_conversations_page_get_unmatched (page ());

  for (guint i = 0; i < g_list_model_get_n_items (unmatched); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (unmatched, i);

      if (g_strcmp0 (vb_record_get_string (record, "body"), body) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
unmatched_lacks (gpointer body)
{
  return !unmatched_has (body);
}


/* The desk user's unread count of a customer's thread, as PostgreSQL has it. */
static gint64
db_unread (const char *customer_id)
{
  return vb_reception_test_db_count (server, "SELECT count(*) FROM inbound_messages i WHERE i.customer_id = $1::uuid"
                                             " AND i.received_at > coalesce((SELECT r.last_read_at FROM conversation_reads r"
                                             "   JOIN users u ON u.id = r.user_id"
                                             "  WHERE u.email = '" DESK_EMAIL "' AND r.customer_id = $1::uuid), '-infinity')",
                                             customer_id);
}

static gboolean
db_read (gpointer customer_id)
{
  return db_unread (customer_id) == 0;
}

/* POST /api/v1/webhooks/sms signed with the secret, as the provider does. */
static JsonNode *
post_sms (const char *provider_id,
          const char *from,
          const char *to,
          const char *text,
          guint       expect)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autofree char *mac = NULL;
  g_autofree char *header = NULL;
  g_autoptr(GBytes) bytes = NULL;
  const char *headers[] = { "X-Voltbay-Signature", NULL, NULL };
  JsonNode *reply;
  guint status = 0;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, provider_id);
  json_builder_set_member_name (builder, "from");
  json_builder_add_string_value (builder, from);
  json_builder_set_member_name (builder, "to");
  json_builder_add_string_value (builder, to);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  body = json_generator_to_data (generator, NULL);
  mac = g_compute_hmac_for_string (G_CHECKSUM_SHA256, (const guchar *) SMS_SECRET, strlen (SMS_SECRET), body, -1);
  header = g_strconcat ("sha256=", mac, NULL);
  headers[1] = header;
  bytes = g_bytes_new (body, strlen (body));
  reply = vb_test_request_full (server, "POST", "/api/v1/webhooks/sms", NULL, "application/json", bytes,
                                headers, &status, NULL);
  g_assert_cmpuint (status, ==, expect);
  return reply;
}

static GtkListBoxRow *
thread_row (const char *customer_id)
{
  for (GtkWidget *row = gtk_widget_get_first_child (page_child ("threads_list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (GTK_IS_LIST_BOX_ROW (row) && g_strcmp0 (gtk_widget_get_name (row), customer_id) == 0)
      return GTK_LIST_BOX_ROW (row);
  return NULL;
}

typedef struct
{
  const char *customer_id;
  const char *text;
} ThreadSays;

/* The thread's row in the list says text (its last message's preview). */
static gboolean
thread_says (gpointer data)
{
  ThreadSays *want = data;
  GtkListBoxRow *row = thread_row (want->customer_id);

  return row != NULL && ADW_IS_ACTION_ROW (row) &&
         g_strcmp0 (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), want->text) == 0;
}

/* The open thread's row of the outbound message body says state after its time. */
static gboolean
entry_row_says (gpointer data)
{
  ThreadSays *want = data;   /* body, state */

  for (GtkWidget *row = gtk_widget_get_first_child (page_child ("entries_list")); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (VB_IS_CHAT_ROW (row) && g_strcmp0 (vb_chat_row_get_body (VB_CHAT_ROW (row)), want->customer_id) == 0)
      return g_str_has_suffix (vb_chat_row_get_time (VB_CHAT_ROW (row)), want->text);
  return FALSE;
}

static void
set_reply (const char *text)
{
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (page_child ("reply_view")), text, -1);
}

static char *
dup_reply (void)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (page_child ("reply_view"));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static void
show_page (const char *name)
{
  gtk_widget_activate_action (GTK_WIDGET (vb_reception_test_window ()), "win.show-page", "s", name);
  g_assert_true (vb_gui_wait_for (vb_reception_test_content_is, (gpointer) name, WAIT_MS));
}

/* The case */

static void
conversation_day (void)
{
  g_autofree char *customer = NULL;
  g_autofree char *name = NULL;
  g_autofree char *phone = NULL;
  g_autofree char *shop_phone = NULL;
  g_autofree char *order = NULL;
  g_autofree char *plate = NULL;
  g_autofree char *manager = NULL;
  g_autofree char *path = NULL;
  g_autofree char *toast = NULL;
  g_autofree char *stranger_id = NULL;
  g_autofree char *reply_text = NULL;
  g_autofree char *offline_id = NULL;
  g_autofree char *refused_id = NULL;
  g_autofree char *other = NULL;
  g_autoptr(JsonNode) reply = NULL;
  ThreadUnread want;
  ThreadSays says;
  guint total;

  /* A customer of HCM-D1 with SMS consent and nothing in their thread yet. */
  customer = vb_reception_test_db_value (server, "SELECT c.id FROM customers c JOIN locations l ON l.id = c.preferred_location_id"
                                                 " WHERE l.code = $1 AND c.erased_at IS NULL AND (c.consent->'sms'->>'given') = 'true'"
                                                 "   AND (c.consent->'email'->>'given') = 'false' AND cardinality(c.phones) > 0"
                                                 "   AND NOT EXISTS (SELECT 1 FROM inbound_messages i WHERE i.customer_id = c.id)"
                                                 "   AND NOT EXISTS (SELECT 1 FROM customers d WHERE d.id <> c.id"
                                                 "                     AND vb_phone_key(d.phones[1]) = vb_phone_key(c.phones[1]))"
                                                 " ORDER BY c.family_name, c.given_name LIMIT 1", "HCM-D1");
  name = vb_reception_test_db_value (server, "SELECT display_name FROM customers WHERE id = $1::uuid", customer);
  phone = vb_reception_test_db_value (server, "SELECT phones[1] FROM customers WHERE id = $1::uuid", customer);
  shop_phone = vb_reception_test_db_value (server, "SELECT phone FROM locations WHERE code = $1", "HCM-D1");
  order = vb_reception_test_db_value (server, "SELECT w.id FROM work_orders w JOIN locations l ON l.id = w.location_id"
                                              " WHERE l.code = $1 AND w.status = 'quality_check' ORDER BY w.number LIMIT 1", "HCM-D1");
  plate = vb_reception_test_db_value (server, "SELECT v.plate FROM work_orders w JOIN vehicles v ON v.id = w.vehicle_id"
                                              " WHERE w.id = $1::uuid", order);

  vb_reception_test_sign_in (server, DESK_EMAIL, DESK_PASSWORD);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_false (window_shows ((gpointer) "Reply from"));   /* the initial sync is not news */
  show_page ("conversations");
  /* Status updates may have made a thread already; nothing unread in it. */
  g_assert_cmpint (vb_conversations_page_get_thread_unread (page (), customer), <=, 0);
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-01-page");

  /* 1. The customer texts the shop: live, unread 1, counted, a toast. */
  {
    /* The provider writes the number its own way; the last nine digits match. */
    g_autofree char *digits = g_strdup (phone + strlen (phone) - 9);
    g_autofree char *from = g_strdup_printf ("0%.*s %s", 2, digits, digits + 2);

    reply = post_sms ("SM-GUI-1", from, shop_phone, CUSTOMER_TEXT, 201);
    g_assert_cmpstr (json_object_get_string_member (vb_test_object (reply), "customer_id"), ==, customer);
    g_clear_pointer (&reply, json_node_unref);
  }
  want.customer_id = customer;
  want.unread = 1;
  g_assert_true (vb_gui_wait_for (thread_unread_is, &want, WAIT_MS));
  total = vb_conversations_page_get_unread (page ());
  g_assert_cmpuint (total, >=, 1);
  {
    g_autofree char *count = g_strdup_printf ("%u", total);

    g_assert_true (gtk_widget_get_visible (vb_reception_test_desk_child ("conversations_badge")));
    g_assert_cmpstr (gtk_label_get_label (vb_reception_test_desk_child ("conversations_badge")), ==, count);
  }
  g_assert_nonnull (thread_row (customer));
  toast = g_strdup_printf ("Reply from %s", name);
  g_assert_true (vb_gui_wait_for (window_shows, toast, WAIT_MS));
  g_assert_cmpint (db_unread (customer), ==, 1);
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-02-reply-arrived");

  /* 2. Opened: the message with its channel; read in PostgreSQL. */
  gtk_list_box_select_row (page_child ("threads_list"), thread_row (customer));
  g_assert_cmpstr (vb_conversations_page_get_customer_id (page ()), ==, customer);
  g_assert_true (vb_gui_wait_for (inbound_shown, (gpointer) CUSTOMER_TEXT, WAIT_MS));
  g_assert_cmpstr (vb_record_get_string (find_entry ("inbound", CUSTOMER_TEXT), "channel"), ==, "sms");
  g_assert_true (vb_gui_wait_for (db_read, customer, WAIT_MS));
  want.unread = 0;
  g_assert_true (vb_gui_wait_for (thread_unread_is, &want, WAIT_MS));
  g_assert_cmpstr (gtk_label_get_label (page_child ("customer_label")), ==, name);
  /* SMS is chosen (consented, and the channel the customer used); e-mail
   * is not consented: choosing it disables Send and says why. */
  g_assert_true (gtk_toggle_button_get_active (page_child ("sms_button")));
  set_reply (REPLY_TEXT);
  gtk_toggle_button_set_active (page_child ("email_button"), TRUE);
  g_assert_false (gtk_widget_get_sensitive (page_child ("send_button")));
  g_assert_nonnull (strstr (gtk_label_get_label (page_child ("reply_status_label")), "e-mail"));
  g_assert_true (gtk_widget_get_visible (page_child ("reply_status_label")));
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-03-no-email-consent");
  gtk_toggle_button_set_active (page_child ("sms_button"), TRUE);
  reply_text = dup_reply ();
  g_assert_cmpstr (reply_text, ==, REPLY_TEXT);   /* what was typed stays */

  /* 3. The answer by SMS: exactly one outbound row, back in the thread. */
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  page_child ("send_button"), WAIT_MS));
  gtk_widget_activate (page_child ("send_button"));
  g_assert_true (vb_gui_wait_for (outbound_shown, (gpointer) REPLY_TEXT, WAIT_MS));
  /* The local copy is replaced by the server's row (same id): one entry. */
  g_assert_true (vb_gui_wait_for (outbound_synced, (gpointer) REPLY_TEXT, WAIT_MS));
  g_assert_cmpstr (vb_record_get_string (find_entry ("outbound", REPLY_TEXT), "channel"), ==, "sms");
  g_assert_nonnull (vb_conversation_status_label (vb_record_get_string (find_entry ("outbound", REPLY_TEXT),
                                                                        "status")));
  g_clear_pointer (&reply_text, g_free);
  reply_text = dup_reply ();
  g_assert_cmpstr (reply_text, ==, "");
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid"
                                                       " AND channel = 'sms' AND kind = 'conversation' AND body = '" REPLY_TEXT "'",
                                                       customer), ==, 1);
  vb_gui_settle (500);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid"
                                                       " AND body = '" REPLY_TEXT "'", customer), ==, 1);
  g_assert_true (window_shows ((gpointer) "You · SMS"));
  /* No SMS gateway: the server only queued it, and the page says so, in
   * the thread list and on the message, not "sent". */
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE customer_id = $1::uuid"
                                                       " AND body = '" REPLY_TEXT "' AND status = 'queued'", customer), ==, 1);
  says = (ThreadSays) { customer, "SMS, waiting to send: " REPLY_TEXT };
  g_assert_true (vb_gui_wait_for (thread_says, &says, WAIT_MS));
  says = (ThreadSays) { REPLY_TEXT, " · Waiting to send" };
  g_assert_true (vb_gui_wait_for (entry_row_says, &says, WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-04-replied");
  /* Once the server has sent it (as its worker would), both follow the feed. */
  g_free (vb_reception_test_db_value (server, "UPDATE outbound_messages SET status = 'sent', sent_at = now()"
                                              " WHERE customer_id = $1::uuid AND body = '" REPLY_TEXT "' RETURNING id",
                                      customer));
  says = (ThreadSays) { customer, "SMS, sent: " REPLY_TEXT };
  g_assert_true (vb_gui_wait_for (thread_says, &says, WAIT_MS));
  says = (ThreadSays) { REPLY_TEXT, " · Sent" };
  g_assert_true (vb_gui_wait_for (entry_row_says, &says, WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-04b-reply-sent");

  /* 4. The toast's action opens the thread from anywhere. */
  show_page ("today");
  gtk_widget_activate_action (GTK_WIDGET (vb_reception_test_window ()), "win.open-record", "(ss)", "conversations", customer);
  g_assert_true (vb_gui_wait_for (vb_reception_test_content_is, (gpointer) "conversations", WAIT_MS));
  g_assert_cmpstr (vb_conversations_page_get_customer_id (page ()), ==, customer);

  /* 5. A manager passes the quality check and the car is ready. */
  manager = vb_test_user_token (server, "quan.manager@example.com", "manager", "HCM-D1");
  path = g_strdup_printf ("/api/v1/work-orders/%s/quality-checks", order);
  reply = vb_test_call (server, "POST", path, manager,
                        "{\"items\": [{\"name\": \"Road test\", \"passed\": true}], \"passed\": true}", 201);
  g_clear_pointer (&reply, json_node_unref);
  g_clear_pointer (&path, g_free);
  path = g_strdup_printf ("/api/v1/work-orders/%s/status", order);
  reply = vb_test_call (server, "POST", path, manager, "{\"status\": \"ready\"}", 200);
  g_clear_pointer (&reply, json_node_unref);
  g_clear_pointer (&toast, g_free);
  toast = g_strdup_printf ("Vehicle ready: %s", plate);
  g_assert_true (vb_gui_wait_for (window_shows, toast, WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-05-vehicle-ready");

  /* 6. An unknown sender texts the shop's number; assigned to the customer. */
  reply = post_sms ("SM-GUI-2", "+1 415 555 0199", shop_phone, STRANGER_TEXT, 201);
  g_assert_false (json_object_get_boolean_member (vb_test_object (reply), "matched"));
  stranger_id = g_strdup (json_object_get_string_member (vb_test_object (reply), "id"));
  g_clear_pointer (&reply, json_node_unref);
  g_assert_true (vb_gui_wait_for (unmatched_has, (gpointer) STRANGER_TEXT, WAIT_MS));
  g_assert_true (gtk_widget_get_visible (page_child ("unmatched_list")));
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-06-unknown-sender");
  {
    GtkWidget *row = gtk_widget_get_first_child (page_child ("unmatched_list"));
    g_autoptr(GString) text = g_string_new (NULL);
    g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
    AdwMessageDialog *dialog;
    GtkWidget *search;
    GtkWidget *results;
    GtkWidget *args[2];

    vb_gui_collect (row, text, "_Assign…", buttons);
    g_assert_cmpuint (buttons->len, ==, 1);
    gtk_widget_activate (g_ptr_array_index (buttons, 0));
    g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (ADW_TYPE_MESSAGE_DIALOG), WAIT_MS));
    dialog = ADW_MESSAGE_DIALOG (vb_gui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
    search = find_descendant (adw_message_dialog_get_extra_child (dialog), GTK_TYPE_SEARCH_ENTRY);
    results = find_descendant (adw_message_dialog_get_extra_child (dialog), GTK_TYPE_LIST_BOX);
    g_assert_nonnull (search);
    g_assert_nonnull (results);
    /* Nothing chosen yet: Assign is not possible. */
    g_assert_false (adw_message_dialog_get_response_enabled (dialog, "assign"));
    gtk_editable_set_text (GTK_EDITABLE (search), name);
    args[0] = results;
    args[1] = (GtkWidget *) customer;
    g_assert_true (vb_gui_wait_for (assign_result_shown, args, WAIT_MS));
    gtk_list_box_select_row (GTK_LIST_BOX (results), assign_result_for (args));
    g_assert_true (adw_message_dialog_get_response_enabled (dialog, "assign"));
    vb_gui_settle (200);
    vb_gui_save_screenshot (GTK_WIDGET (dialog), "conversations-07-assign");
    adw_message_dialog_response (dialog, "assign");
    gtk_window_destroy (GTK_WINDOW (dialog));
  }
  g_assert_true (vb_gui_wait_for (unmatched_lacks, (gpointer) STRANGER_TEXT, WAIT_MS));
  g_assert_true (vb_gui_wait_for (inbound_shown, (gpointer) STRANGER_TEXT, WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM inbound_messages WHERE id = $1::uuid"
                                                       " AND customer_id IS NOT NULL AND assigned_by IS NOT NULL", stranger_id), ==, 1);
  /* The thread is on screen: the assigned message is read at once. */
  g_assert_true (vb_gui_wait_for (db_read, customer, WAIT_MS));

  /* 7. Offline: the thread reads from the cache; a reply is sent anyway
   * and waits in the outbox, shown at once. */
  vb_gui_stop_server (server);
  vb_test_server_kill (server);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Offline", WAIT_MS));
  g_assert_true (inbound_shown ((gpointer) CUSTOMER_TEXT));
  g_assert_true (outbound_shown ((gpointer) REPLY_TEXT));
  set_reply (OFFLINE_TEXT);
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  page_child ("send_button"), WAIT_MS));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (page_child ("send_button")), "offline"));
  g_assert_true (gtk_widget_get_visible (page_child ("reply_status_label")));
  g_assert_nonnull (strstr (gtk_label_get_label (page_child ("reply_status_label")), "Offline"));
  gtk_widget_activate (page_child ("send_button"));
  g_assert_true (vb_gui_wait_for (outbound_waiting, (gpointer) OFFLINE_TEXT, WAIT_MS));
  g_clear_pointer (&reply_text, g_free);
  reply_text = dup_reply ();
  g_assert_cmpstr (reply_text, ==, "");
  offline_id = g_strdup (vb_record_get_id (find_entry ("outbound", OFFLINE_TEXT)));
  /* The newest: at the end of the thread. */
  {
    GListModel *entries = vb_conversations_page_get_entries (page ());
    g_autoptr(VbRecord) last = g_list_model_get_item (entries, g_list_model_get_n_items (entries) - 1);

    g_assert_cmpstr (vb_record_get_string (last, "body"), ==, OFFLINE_TEXT);
  }
  g_assert_true (vb_cache_has_outbox_entry (vb_client_get_cache (vb_reception_test_client ()), "outbound_messages", offline_id));
  vb_gui_settle (600);   /* the thread scrolls to its newest entry */
  {
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (page_child ("entries_scroller"));

    /* Scrolled to the end, where the new reply is. */
    g_assert_cmpfloat (gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj), >=,
                       gtk_adjustment_get_upper (adj) - 1);
  }
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-08-offline-waiting");

  /* A second customer (SMS consent as the cache has it) gets a reply too,
   * while the consent is withdrawn on the server meanwhile. */
  other = vb_reception_test_db_value (server, "SELECT c.id FROM customers c JOIN locations l ON l.id = c.preferred_location_id"
                                              " WHERE l.code = $1 AND c.erased_at IS NULL AND (c.consent->'sms'->>'given') = 'true'"
                                              "   AND cardinality(c.phones) > 0"
                                              " ORDER BY c.family_name DESC, c.given_name DESC LIMIT 1", "HCM-D1");
  g_assert_cmpstr (other, !=, customer);
  vb_conversations_page_open_thread (page (), other);
  g_assert_true (gtk_toggle_button_get_active (page_child ("sms_button")));
  set_reply (REFUSED_TEXT);
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  page_child ("send_button"), WAIT_MS));
  gtk_widget_activate (page_child ("send_button"));
  g_assert_true (vb_gui_wait_for (outbound_waiting, (gpointer) REFUSED_TEXT, WAIT_MS));
  refused_id = g_strdup (vb_record_get_id (find_entry ("outbound", REFUSED_TEXT)));
  g_free (vb_reception_test_db_value (server, "UPDATE customers SET consent = jsonb_set(consent, '{sms,given}', 'false')"
                                              " WHERE id = $1::uuid RETURNING id", other));

  /* Back online: the first reply is queued exactly once, under its id; the
   * second is refused, with the server's reason in the sync problems. */
  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (problem_listed, refused_id, WAIT_MS));
  {
    g_autofree char *reason = dup_problem_reason (refused_id);

    g_assert_nonnull (strstr (reason, "consent"));
  }
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE body = $1", REFUSED_TEXT), ==, 0);
  g_assert_true (vb_gui_wait_for (outbound_lacks, (gpointer) REFUSED_TEXT, WAIT_MS));
  vb_conversations_page_open_thread (page (), customer);
  g_assert_true (vb_gui_wait_for (outbound_synced, (gpointer) OFFLINE_TEXT, WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE body = $1", OFFLINE_TEXT), ==, 1);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE id = $1::uuid"
                                                       " AND kind = 'conversation' AND channel = 'sms' AND status = 'queued'", offline_id), ==, 1);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));
  vb_gui_settle (1000);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE body = $1", OFFLINE_TEXT), ==, 1);
  g_assert_true (outbound_synced ((gpointer) OFFLINE_TEXT));
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "conversations-09-back-online");
  {
    GtkWidget *problems = vb_sync_problems_dialog_new (GTK_WINDOW (vb_reception_test_window ()),
                                                       vb_client_get_cache (vb_reception_test_client ()));

    gtk_window_present (GTK_WINDOW (problems));
    vb_gui_settle (300);
    vb_gui_save_screenshot (problems, "conversations-10-refused-reply");
    gtk_window_destroy (GTK_WINDOW (problems));
  }
}

/* The page's rules, without a display or server. */
static void
test_presentation (void)
{
  static const char *inbound_json[] = {
    "{\"id\": \"i1\", \"customer_id\": \"c1\", \"channel\": \"sms\", \"body\": \"First\","
    " \"received_at\": \"2026-11-24T08:00:00+00:00\"}",
    "{\"id\": \"i2\", \"customer_id\": \"c1\", \"channel\": \"email\", \"body\": \"Second\","
    " \"received_at\": \"2026-11-24T10:00:00.5+00:00\"}",
    "{\"id\": \"i3\", \"customer_id\": null, \"channel\": \"sms\", \"body\": \"Stranger\","
    " \"received_at\": \"2026-11-24T11:00:00Z\"}",
    "{\"id\": \"i4\", \"customer_id\": \"c2\", \"channel\": \"sms\", \"body\": \"Other\","
    " \"received_at\": \"2026-11-24T07:00:00Z\"}",
  };
  static const char *outbound_json[] = {
    "{\"id\": \"o1\", \"customer_id\": \"c1\", \"channel\": \"sms\", \"body\": \"Reply\", \"kind\": \"conversation\","
    " \"status\": \"sent\", \"created_by\": \"me\", \"created_at\": \"2026-11-24T09:00:00Z\", \"version\": 2}",
    "{\"id\": \"o2\", \"customer_id\": \"c2\", \"channel\": \"email\", \"body\": \"Ready\", \"kind\": \"status_update\","
    " \"status\": \"queued\", \"created_by\": null, \"created_at\": \"2026-11-24T12:00:00Z\", \"version\": 1}",
  };
  static const char *reads_json[] = {
    /* mine for c1 between i1 and i2 (written as Z; rows say +00:00) */
    "{\"id\": \"r1\", \"user_id\": \"me\", \"customer_id\": \"c1\", \"last_read_at\": \"2026-11-24T09:30:00Z\"}",
    /* someone else's mark counts nothing for me */
    "{\"id\": \"r2\", \"user_id\": \"other\", \"customer_id\": \"c2\", \"last_read_at\": \"2026-11-25T00:00:00Z\"}",
  };
  g_autoptr(GPtrArray) inbound = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) outbound = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GPtrArray) reads = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *preview = NULL;
  g_autoptr(GPtrArray) threads = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *t;

  for (gsize i = 0; i < G_N_ELEMENTS (inbound_json); i++)
    {
      g_assert_true (json_parser_load_from_data (parser, inbound_json[i], -1, NULL));
      g_ptr_array_add (inbound, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (outbound_json); i++)
    {
      g_assert_true (json_parser_load_from_data (parser, outbound_json[i], -1, NULL));
      g_ptr_array_add (outbound, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (reads_json); i++)
    {
      g_assert_true (json_parser_load_from_data (parser, reads_json[i], -1, NULL));
      g_ptr_array_add (reads, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
    }
  g_hash_table_insert (names, (gpointer) "c1", (gpointer) "Minh Nguyen");

  threads = vb_conversation_build_threads (inbound, outbound, reads, "me", names);
  g_assert_cmpuint (threads->len, ==, 2);
  /* c2 last (12:00 status update) first, then c1 (10:00 e-mail). */
  t = g_ptr_array_index (threads, 0);
  g_assert_cmpstr (json_object_get_string_member (t, "customer_id"), ==, "c2");
  g_assert_cmpstr (json_object_get_string_member (t, "last_direction"), ==, "outbound");
  g_assert_cmpstr (json_object_get_string_member (t, "display_name"), ==, "Customer");
  g_assert_cmpint (json_object_get_int_member (t, "unread"), ==, 1);
  /* Its last message is only queued on the server: not "sent". */
  g_assert_cmpstr (json_object_get_string_member (t, "last_status"), ==, "queued");
  preview = vb_conversation_dup_preview (t);
  g_assert_cmpstr (preview, ==, "E-mail, waiting to send: Ready");
  g_clear_pointer (&preview, g_free);
  json_object_set_string_member (t, "last_status", "sent");
  preview = vb_conversation_dup_preview (t);
  g_assert_cmpstr (preview, ==, "E-mail, sent: Ready");
  g_clear_pointer (&preview, g_free);
  json_object_set_string_member (t, "last_status", "sending");
  preview = vb_conversation_dup_preview (t);
  g_assert_cmpstr (preview, ==, "E-mail, sending: Ready");
  g_clear_pointer (&preview, g_free);
  json_object_set_string_member (t, "last_status", "failed");
  json_object_set_string_member (t, "last_body", "Ready\nfor pick-up");
  preview = vb_conversation_dup_preview (t);
  g_assert_cmpstr (preview, ==, "E-mail, not delivered: Ready for pick-up");
  g_clear_pointer (&preview, g_free);
  json_object_set_string_member (t, "last_status", "unknown");
  preview = vb_conversation_dup_preview (t);
  g_assert_cmpstr (preview, ==, "E-mail, delivery unknown: Ready for pick-up");
  g_clear_pointer (&preview, g_free);
  t = g_ptr_array_index (threads, 1);
  /* The customer's own last message: no state. */
  g_assert_cmpstr (json_object_get_string_member (t, "last_status"), ==, "received");
  preview = vb_conversation_dup_preview (t);
  g_assert_cmpstr (preview, ==, "E-mail: Second");
  g_clear_pointer (&preview, g_free);
  g_assert_cmpstr (json_object_get_string_member (t, "display_name"), ==, "Minh Nguyen");
  g_assert_cmpstr (json_object_get_string_member (t, "last_body"), ==, "Second");
  g_assert_cmpstr (json_object_get_string_member (t, "last_channel"), ==, "email");
  g_assert_cmpint (json_object_get_int_member (t, "unread"), ==, 1);
  g_assert_cmpuint (vb_conversation_count_unread (threads), ==, 2);
  /* Without a mark every inbound message is unread. */
  g_clear_pointer (&threads, g_ptr_array_unref);
  threads = vb_conversation_build_threads (inbound, outbound, NULL, "me", names);
  g_assert_cmpuint (vb_conversation_count_unread (threads), ==, 3);

  entries = vb_conversation_build_entries (inbound, outbound, "c1");
  g_assert_cmpuint (entries->len, ==, 3);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (entries, 0), "id"), ==, "i1");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (entries, 1), "id"), ==, "o1");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (entries, 1), "status"), ==, "sent");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (entries, 2), "direction"), ==, "inbound");
  g_assert_cmpstr (vb_conversation_author_label (g_ptr_array_index (entries, 0), "Minh Nguyen", "me"), ==,
                   "Minh Nguyen");
  g_assert_cmpstr (vb_conversation_author_label (g_ptr_array_index (entries, 1), "Minh Nguyen", "me"), ==, "You");
  g_assert_cmpstr (vb_conversation_author_label (g_ptr_array_index (entries, 1), "Minh Nguyen", "other"), ==,
                   "Staff");
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = vb_conversation_build_entries (inbound, outbound, "c2");
  g_assert_cmpstr (vb_conversation_author_label (g_ptr_array_index (entries, 1), NULL, "me"), ==, "Status update");

  g_assert_cmpstr (vb_conversation_channel_label ("sms"), ==, "SMS");
  g_assert_cmpstr (vb_conversation_channel_label ("email"), ==, "E-mail");
  g_assert_cmpstr (vb_conversation_status_label ("failed"), ==, "Not delivered");
  g_assert_cmpstr (vb_conversation_status_label ("queued"), ==, "Waiting to send");
  g_assert_cmpstr (vb_conversation_status_label ("sending"), ==, "Sending…");
  g_assert_cmpstr (vb_conversation_status_label ("sent"), ==, "Sent");
  g_assert_cmpstr (vb_conversation_status_label ("unknown"), ==, "Delivery unknown");
  g_assert_null (vb_conversation_status_label ("received"));

  g_assert_true (json_parser_load_from_data (parser, "{\"consent\": {\"sms\": {\"given\": true},"
                                             " \"email\": {\"given\": \"false\"}}}", -1, NULL));
  t = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (vb_conversation_has_consent (t, "sms"));
  g_assert_false (vb_conversation_has_consent (t, "email"));
  g_assert_false (vb_conversation_has_consent (t, "marketing"));
  g_assert_false (vb_conversation_has_consent (NULL, "sms"));

  /* A reply written here, not back from the server (no version): pending,
   * in its entry and as the thread's last message; the server's rows not. */
  for (guint i = 0; i < entries->len; i++)
    g_assert_false (json_object_get_boolean_member (g_ptr_array_index (entries, i), "pending"));
  g_assert_true (json_parser_load_from_data (parser,
    "{\"id\": \"o3\", \"customer_id\": \"c1\", \"channel\": \"sms\", \"body\": \"Offline\","
    " \"kind\": \"conversation\", \"created_by\": \"me\", \"created_at\": \"2026-11-24T13:00:00Z\"}", -1, NULL));
  g_ptr_array_add (outbound, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
  g_clear_pointer (&entries, g_ptr_array_unref);
  entries = vb_conversation_build_entries (inbound, outbound, "c1");
  t = g_ptr_array_index (entries, entries->len - 1);
  g_assert_cmpstr (json_object_get_string_member (t, "body"), ==, "Offline");
  g_assert_true (json_object_get_boolean_member (t, "pending"));
  g_assert_false (json_object_get_boolean_member (g_ptr_array_index (entries, 0), "pending"));
  g_clear_pointer (&threads, g_ptr_array_unref);
  threads = vb_conversation_build_threads (inbound, outbound, reads, "me", names);
  t = g_ptr_array_index (threads, 0);
  g_assert_cmpstr (json_object_get_string_member (t, "customer_id"), ==, "c1");
  g_assert_true (json_object_get_boolean_member (t, "last_pending"));
  g_assert_false (json_object_get_boolean_member (g_ptr_array_index (threads, 1), "last_pending"));
  preview = vb_conversation_dup_preview (t);
  g_assert_cmpstr (preview, ==, "SMS, waiting to sync: Offline");
  g_clear_pointer (&preview, g_free);
  /* The order the page keeps its list in. */
  g_assert_cmpint (vb_conversation_compare_threads (g_ptr_array_index (threads, 0), g_ptr_array_index (threads, 1)),
                   <, 0);
  g_assert_cmpint (vb_conversation_compare_threads (g_ptr_array_index (threads, 1), g_ptr_array_index (threads, 0)),
                   >, 0);
  g_assert_cmpint (vb_conversation_compare_at ("2026-11-24T09:00:00Z", "2026-11-24T10:00:00+01:00"), ==, 0);
  g_assert_cmpint (vb_conversation_compare_at ("2026-11-24T09:00:00.5Z", "2026-11-24T09:00:00Z"), >, 0);
  g_assert_cmpint (vb_conversation_compare_at (NULL, "2026-11-24T09:00:00Z"), <, 0);
}

static void
test_conversation_day (void)
{
  vb_reception_test_run (conversation_day, 1100, 760);
}

int
main (int   argc,
      char *argv[])
{
  const char *demo[] = { "demo-data", NULL };
  const char *add_desk[] = { "user-add", "--email=" DESK_EMAIL, "--name=" DESK_NAME,
                             "--role=reception", "--location=HCM-D1", NULL };
  g_autofree char *dir = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config_arg = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;
  int result;

  vb_test_init (&argc, &argv);

  server = vb_test_server_start_tls ();
  g_free (vb_test_ctl (server, demo, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  g_free (vb_test_ctl (server, add_desk, DESK_PASSWORD "\n", &status));
  g_assert_cmpint (status, ==, 0);

  /* The webhook's secret (and no SMS gateway: replies stay queued). */
  dir = g_dir_make_tmp ("voltbay-conversations-XXXXXX", &error);
  g_assert_no_error (error);
  config_path = g_build_filename (dir, "voltbay.conf", NULL);
  g_file_set_contents (config_path, "[sms]\nwebhook-secret = " SMS_SECRET "\n", -1, &error);
  g_assert_no_error (error);
  vb_test_server_kill (server);
  config_arg = g_strconcat ("--config=", config_path, NULL);
  g_strfreev (server->extra_args);
  server->extra_args = g_strdupv ((char *[]) { config_arg, NULL });
  vb_test_server_restart (server, FALSE);

  g_test_add_func ("/reception-conversations/presentation", test_presentation);
  g_test_add_func ("/reception-conversations/conversation-day", test_conversation_day);

  result = g_test_run ();
  vb_test_server_stop (server);
  g_unlink (config_path);
  g_rmdir (dir);
  return result;
}
