/* vb-conversations-page.c — customer threads (SMS and e-mail, both
 * directions) with unread counts, one thread with a reply box, and the
 * replies from unknown senders with "Assign to Customer".
 *
 * Everything shown comes from the offline cache: the change feed carries
 * inbound_messages, outbound_messages and conversation_reads to reception
 * (docs/api-messages.md), so a customer's SMS appears on every desk at once,
 * the list still reads offline, and a delivery state moves by itself.  The
 * threads and counts are pure functions (vb-conversation-presentation.c).
 *
 * Replies go through the outbox (vb_sync_engine_append, entity
 * outbound_messages, a client UUID the server keeps as the message's id):
 * durable before the box is cleared, shown at once in the thread as
 * "Sending…" (or "Waiting to sync" offline) until the server's row comes
 * back through the feed and replaces the local one, sent exactly once
 * (Voltbay-Mutation) when the connection returns.  A refusal (no consent
 * any more, no address) lands in the sync problems with the server's
 * reason and the local copy disappears.  What needs the server: marking
 * read (POST …/conversation/read, done when a thread with unread messages
 * is on screen) and assigning an unknown sender's message.
 *
 * Cost: the cache may hold 100,000 customers and many messages.  The
 * messages and the user's read marks are read once per cache into
 * memory, indexed by customer; afterwards only the records a commit
 * touched (the cache's ::records-changed) are re-read (vb_cache_get_many)
 * and only their customers' threads are recomputed and moved in the list.
 * Customers are looked up one at a time (vb_cache_get), and the Assign
 * dialog searches them (vb_cache_search_rows) instead of listing them all.
 * Rejected: GET /conversations as the source (needs the server, and must
 * be polled to be live).
 */
#include "vb-conversations-page.h"
#include "vb-api-client.h"
#include "vb-cache.h"
#include "vb-chat-row.h"
#include "vb-conversation-presentation.h"
#include "vb-record.h"
#include "vb-record-list.h"
#include "vb-session.h"
#include "vb-sync-engine.h"
#include "vb-work-order-presentation.h"

#include <glib/gi18n.h>
#include <string.h>

#define SMS_MAX 1600
#define EMAIL_MAX 20000
#define SUBJECT_MAX 200
#define ASSIGN_RESULTS 20

struct _VbConversationsPage
{
  AdwBin parent_instance;

  /* template */
  GtkLabel       *threads_empty_label;
  GtkListBox     *threads_list;
  GtkLabel       *unmatched_heading;
  GtkListBox     *unmatched_list;
  GtkLabel       *unmatched_status_label;
  GtkStack       *thread_stack;
  GtkLabel       *customer_label;
  GtkButton      *customer_button;
  GtkScrolledWindow *entries_scroller;
  GtkListBox     *entries_list;
  GtkToggleButton *sms_button;
  GtkToggleButton *email_button;
  GtkEntry       *subject_entry;
  GtkTextView    *reply_view;
  GtkButton      *send_button;
  GtkLabel       *reply_status_label;

  VbClient       *client;
  VbCache        *cache;
  GCancellable   *cancellable;
  GListStore     *threads;      /* VbRecord "conversations" */
  GListStore     *entries;      /* VbRecord "conversation_entries" */
  GListStore     *unmatched;    /* VbRecord "inbound_messages" */
  /* The cache's messages in memory (see the top of the file). */
  GHashTable     *inbound_rows;      /* id → JsonObject */
  GHashTable     *outbound_rows;     /* id → JsonObject */
  GHashTable     *by_customer;       /* customer id → GHashTable (message id → JsonObject) */
  GHashTable     *my_reads;          /* customer id → the user's conversation_reads row */
  GHashTable     *read_customers;    /* read mark id → customer id */
  GHashTable     *thread_records;    /* customer id → its VbRecord in threads (borrowed) */
  GHashTable     *unmatched_records; /* message id → its VbRecord in unmatched (borrowed) */
  GHashTable     *dirty;             /* customer ids whose thread to recompute */
  gboolean        flush_wanted;
  char           *customer_id;
  guint           unread;
  gboolean        reloading;
  gboolean        marking;
  guint           follow_end_id;     /* while set, the thread sticks to its end */
  guint           relayout_id;       /* an idle that applies a value set during layout */
  char           *marked_customer;   /* the last mark sent: customer and */
  guint           marked_inbound;    /* how many inbound messages it covered */
};

G_DEFINE_FINAL_TYPE (VbConversationsPage, vb_conversations_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_UNREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void follow_end (VbConversationsPage *self);

static gboolean
can_reach_server (VbConversationsPage *self)
{
  return self->client != NULL && vb_client_get_can_reach_server (self->client);
}

static const char *
user_id (VbConversationsPage *self)
{
  VbSession *session = self->client != NULL ? vb_client_get_session (self->client) : NULL;

  return session != NULL ? vb_session_get_user_id (session) : NULL;
}

static VbRecord *
find_thread (VbConversationsPage *self,
             const char          *customer_id,
             guint               *position)
{
  VbRecord *record = customer_id != NULL ? g_hash_table_lookup (self->thread_records, customer_id) : NULL;

  /* The store keeps it alive. */
  if (record != NULL && position != NULL && !g_list_store_find (self->threads, record, position))
    return NULL;
  return record;
}

static char *
dup_time (const char *iso)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  return iso != NULL ? vb_work_order_dup_chat_time (iso, now) : NULL;
}

static JsonObject *
dup_customer (VbConversationsPage *self)
{
  if (self->cache == NULL || self->customer_id == NULL)
    return NULL;
  return vb_cache_get (self->cache, "customers", self->customer_id);
}

static const char *
row_string (JsonObject *row,
            const char *member)
{
  return row != NULL ? json_object_get_string_member_with_default (row, member, NULL) : NULL;
}

/* ------------------------------------------------------------ reply --- */

static char *
dup_reply_text (VbConversationsPage *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->reply_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

static const char *
reply_channel (VbConversationsPage *self)
{
  return gtk_toggle_button_get_active (self->email_button) ? "email" : "sms";
}

static void
show_reply_status (VbConversationsPage *self,
                   const char          *text,
                   gboolean             error)
{
  GtkWidget *label = GTK_WIDGET (self->reply_status_label);

  gtk_label_set_label (self->reply_status_label, text != NULL ? text : "");
  gtk_widget_set_visible (label, text != NULL);
  if (error)
    {
      gtk_widget_remove_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "error");
    }
  else
    {
      gtk_widget_remove_css_class (label, "error");
      gtk_widget_add_css_class (label, "dim-label");
    }
}

static void
update_reply (VbConversationsPage *self)
{
  gboolean online = can_reach_server (self);
  g_autoptr(JsonObject) customer = dup_customer (self);
  gboolean sms = vb_conversation_has_consent (customer, "sms");
  gboolean email = vb_conversation_has_consent (customer, "email");
  gboolean consented = g_str_equal (reply_channel (self), "sms") ? sms : email;
  g_autofree char *text = dup_reply_text (self);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self->sms_button),
                               sms ? _("Reply by SMS") : _("The customer has not consented to SMS messages"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->email_button),
                               email ? _("Reply by e-mail") : _("The customer has not consented to e-mail"));
  gtk_widget_set_visible (GTK_WIDGET (self->subject_entry), g_str_equal (reply_channel (self), "email"));
  /* Offline too: the reply waits in the outbox. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button),
                            consented && text[0] != '\0' && self->customer_id != NULL && self->client != NULL);
  if (!consented)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button),
                                 _("The customer has not consented to messages on this channel"));
  else if (!online)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button),
                                 _("Send the reply (Ctrl+Enter): offline, it waits and is sent when the connection returns"));
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button), _("Send the reply (Ctrl+Enter)"));

  /* A refusal stays until the next try; the reasons below replace it. */
  if (gtk_widget_has_css_class (GTK_WIDGET (self->reply_status_label), "error") &&
      gtk_widget_get_visible (GTK_WIDGET (self->reply_status_label)))
    return;
  if (self->customer_id != NULL && !sms && !email)
    show_reply_status (self, _("The customer has not consented to SMS or e-mail messages."), FALSE);
  else if (self->customer_id != NULL && !consented)
    show_reply_status (self, g_str_equal (reply_channel (self), "sms")
                               ? _("The customer has not consented to SMS messages: choose E-mail.")
                               : _("The customer has not consented to e-mail: choose SMS."), FALSE);
  else if (!online)
    show_reply_status (self, _("Offline: replies wait and are sent when the connection returns."), FALSE);
  else
    show_reply_status (self, NULL, FALSE);
}

static char *
dup_now_iso (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format_iso8601 (now);
}

static void
refuse_reply (VbConversationsPage *self,
              const char          *text,
              GtkWidget           *field)
{
  show_reply_status (self, text, TRUE);
  gtk_widget_grab_focus (field);
}

static void
send_cb (VbConversationsPage *self)
{
  g_autofree char *text = dup_reply_text (self);
  g_autofree char *subject = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_entry))));
  g_autofree char *path = NULL;
  g_autofree char *id = NULL;
  g_autofree char *now = NULL;
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(GError) error = NULL;
  const char *channel = reply_channel (self);
  VbSyncEngine *engine = self->client != NULL ? vb_client_get_sync_engine (self->client) : NULL;

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->send_button)) || text[0] == '\0')
    return;
  if (g_str_equal (channel, "sms") && g_utf8_strlen (text, -1) > SMS_MAX)
    {
      /* Translators: %d is the longest SMS reply, in characters */
      g_autofree char *message = g_strdup_printf (_("An SMS reply is at most %d characters: shorten it or send an e-mail."),
                                                  SMS_MAX);

      refuse_reply (self, message, GTK_WIDGET (self->reply_view));
      return;
    }
  if (g_str_equal (channel, "email") && g_utf8_strlen (text, -1) > EMAIL_MAX)
    {
      /* Translators: %d is the longest e-mail reply, in characters */
      g_autofree char *message = g_strdup_printf (_("An e-mail reply is at most %d characters: shorten it."),
                                                  EMAIL_MAX);

      refuse_reply (self, message, GTK_WIDGET (self->reply_view));
      return;
    }
  if (g_str_equal (channel, "email") && (g_utf8_strlen (subject, -1) > SUBJECT_MAX || strpbrk (subject, "\r\n")))
    {
      /* Translators: %d is the longest subject, in characters */
      g_autofree char *message = g_strdup_printf (_("The subject is one line of at most %d characters: shorten it."),
                                                  SUBJECT_MAX);

      refuse_reply (self, message, GTK_WIDGET (self->subject_entry));
      return;
    }
  if (engine == NULL)
    return;

  /* The local view is a thread entry at once (no "version": not back from
   * the server yet); the body's extra members are the local view's, the
   * server reads id, channel, subject and body. */
  id = g_uuid_string_random ();
  now = dup_now_iso ();
  record = json_object_new ();
  json_object_set_string_member (record, "id", id);
  json_object_set_string_member (record, "channel", channel);
  json_object_set_string_member (record, "body", text);
  if (g_str_equal (channel, "email") && subject[0] != '\0')
    json_object_set_string_member (record, "subject", subject);
  json_object_set_string_member (record, "customer_id", self->customer_id);
  json_object_set_string_member (record, "kind", "conversation");
  json_object_set_string_member (record, "created_by", user_id (self));
  json_object_set_string_member (record, "created_at", now);
  path = g_strdup_printf ("/api/v1/customers/%s/conversation", self->customer_id);
  if (vb_sync_engine_append (engine, "outbound_messages", path, record, &error) == 0)
    {
      /* Translators: %s is why a reply could not be saved on this computer */
      g_autofree char *message = g_strdup_printf (_("Not saved, nothing was sent: %s"), error->message);

      show_reply_status (self, message, TRUE);
      return;
    }
  /* Durable now: what was typed is in the outbox and in the thread. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->reply_view), "", -1);
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), "");
  show_reply_status (self, NULL, FALSE);
  update_reply (self);
  follow_end (self);
}

static gboolean
reply_key_pressed_cb (GtkEventControllerKey *controller,
                      guint                  keyval,
                      guint                  keycode,
                      GdkModifierType        state,
                      VbConversationsPage   *self)
{
  if ((keyval == GDK_KEY_Return || keyval == GDK_KEY_KP_Enter) && (state & GDK_CONTROL_MASK))
    {
      send_cb (self);
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
reply_changed_cb (VbConversationsPage *self)
{
  /* Typing again clears a refusal: the user is acting on it. */
  if (gtk_widget_has_css_class (GTK_WIDGET (self->reply_status_label), "error"))
    show_reply_status (self, NULL, FALSE);
  update_reply (self);
}

/* --------------------------------------------------------- read marks --- */

static guint
count_inbound (VbConversationsPage *self)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->entries)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->entries), i);

      n += g_strcmp0 (vb_record_get_string (record, "direction"), "inbound") == 0;
    }
  return n;
}

static void maybe_mark_read (VbConversationsPage *self);

static void
marked_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(VbConversationsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->marking = FALSE;
  if (reply == NULL)
    {
      /* Tried again on the next change or when the page is shown again. */
      g_debug ("Could not mark the conversation read: %s", error->message);
      g_clear_pointer (&self->marked_customer, g_free);
    }
  /* The read mark itself comes back through the change feed. */
}

/* A thread on screen with unread messages is read: mark it (once per
 * message count, so a slow feed does not make it ask again). */
static void
maybe_mark_read (VbConversationsPage *self)
{
  g_autofree char *path = NULL;
  guint inbound;

  if (self->marking || self->customer_id == NULL || !can_reach_server (self) ||
      !gtk_widget_get_mapped (GTK_WIDGET (self)) ||
      vb_conversations_page_get_thread_unread (self, self->customer_id) <= 0)
    return;
  inbound = count_inbound (self);
  if (g_strcmp0 (self->marked_customer, self->customer_id) == 0 && self->marked_inbound == inbound)
    return;
  g_free (self->marked_customer);
  self->marked_customer = g_strdup (self->customer_id);
  self->marked_inbound = inbound;
  self->marking = TRUE;
  path = g_strdup_printf ("/api/v1/customers/%s/conversation/read", self->customer_id);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, NULL, self->cancellable,
                               marked_cb, g_object_ref (self));
}

/* ------------------------------------------------------------ thread --- */

static GtkWidget *
create_entry_row_cb (gpointer item,
                     gpointer user_data)
{
  VbConversationsPage *self = user_data;
  VbRecord *record = item;
  JsonObject *entry = vb_record_get_row (record);
  gboolean inbound = g_strcmp0 (vb_record_get_string (record, "direction"), "inbound") == 0;
  const char *subject = vb_record_get_string (record, "subject");
  gboolean pending = !inbound && json_object_get_boolean_member_with_default (entry, "pending", FALSE);
  const char *status = inbound ? NULL : vb_conversation_status_label (vb_record_get_string (record, "status"));
  g_autofree char *time = dup_time (vb_record_get_string (record, "at"));
  g_autofree char *author = NULL;
  g_autofree char *when = NULL;
  g_autofree char *body = NULL;
  GtkWidget *row;

  /* Translators: who wrote a message and its channel: "Minh Nguyen · SMS" */
  author = g_strdup_printf (_("%s · %s"),
                            vb_conversation_author_label (entry, gtk_label_get_label (self->customer_label),
                                                          user_id (self)),
                            vb_conversation_channel_label (vb_record_get_string (record, "channel")));
  if (subject != NULL && subject[0] != '\0' && g_strcmp0 (vb_record_get_string (record, "channel"), "email") == 0)
    body = g_strdup_printf ("%s\n%s", subject, vb_record_get_string (record, "body"));
  else
    body = g_strdup (vb_record_get_string (record, "body"));
  if (pending)
    status = can_reach_server (self) ? _("Sending…") : _("Waiting to sync");
  /* Translators: when a message was queued and its delivery state: "09:30 · Sent" */
  when = status != NULL ? g_strdup_printf (_("%s · %s"), time != NULL ? time : "", status) : g_strdup (time);
  row = vb_chat_row_new (author, when, body, !inbound);
  if (pending)
    vb_chat_row_set_pending (VB_CHAT_ROW (row), TRUE);
  if (g_strcmp0 (vb_record_get_string (record, "status"), "failed") == 0 ||
      g_strcmp0 (vb_record_get_string (record, "status"), "unknown") == 0)
    gtk_widget_add_css_class (row, "vb-message-problem");
  return row;
}

/* New rows are measured after this returns: for a moment, every change of
 * the adjustment's size moves the view to the newest message. */
static void
relayout_cb (gpointer data)
{
  VbConversationsPage *self = data;

  self->relayout_id = 0;
  /* The viewport places the list at the adjustment's value. */
  gtk_widget_queue_allocate (gtk_scrolled_window_get_child (self->entries_scroller));
}

static void
adjustment_changed_cb (GtkAdjustment       *adj,
                       VbConversationsPage *self)
{
  if (self->follow_end_id == 0)
    return;
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  /* The size changes while the list is being laid out, when a new value
   * is not applied: lay it out again once this one is done. */
  if (self->relayout_id == 0)
    self->relayout_id = g_idle_add_once (relayout_cb, self);
}

static void
stop_following_cb (gpointer data)
{
  VB_CONVERSATIONS_PAGE (data)->follow_end_id = 0;
}

static void
follow_end (VbConversationsPage *self)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (self->entries_scroller);

  g_clear_handle_id (&self->follow_end_id, g_source_remove);
  self->follow_end_id = g_timeout_add_once (500, stop_following_cb, self);
  adjustment_changed_cb (adj, self);
}

/* The customer's messages, inbound and outbound (borrowed rows). */
static void
split_messages (VbConversationsPage *self,
                const char          *customer_id,
                GPtrArray           *inbound,
                GPtrArray           *outbound)
{
  GHashTable *messages = customer_id != NULL ? g_hash_table_lookup (self->by_customer, customer_id) : NULL;
  GHashTableIter iter;
  gpointer id, row;

  if (messages == NULL)
    return;
  g_hash_table_iter_init (&iter, messages);
  while (g_hash_table_iter_next (&iter, &id, &row))
    g_ptr_array_add (g_hash_table_contains (self->inbound_rows, id) ? inbound : outbound, row);
}

static void
reload_entries (VbConversationsPage *self)
{
  g_autoptr(GPtrArray) inbound = g_ptr_array_new ();
  g_autoptr(GPtrArray) outbound = g_ptr_array_new ();
  g_autoptr(GPtrArray) entries = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  guint before = g_list_model_get_n_items (G_LIST_MODEL (self->entries));

  split_messages (self, self->customer_id, inbound, outbound);
  entries = vb_conversation_build_entries (inbound, outbound, self->customer_id);
  for (guint i = 0; i < entries->len; i++)
    g_ptr_array_add (records, vb_record_new ("conversation_entries", g_ptr_array_index (entries, i)));
  g_list_store_splice (self->entries, 0, before, records->pdata, records->len);
  if (records->len != before)
    follow_end (self);
}

static void
show_thread (VbConversationsPage *self)
{
  g_autoptr(JsonObject) customer = dup_customer (self);
  g_autofree char *name = customer != NULL ? vb_record_title_for_row ("customers", customer) : NULL;

  gtk_stack_set_visible_child_name (self->thread_stack, self->customer_id != NULL ? "thread" : "none");
  gtk_label_set_label (self->customer_label, name != NULL ? name : _("Customer"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->customer_button), customer != NULL);
}

/* The channel to answer on: the one the customer last wrote on, if they
 * consented to it, else one they consented to. */
static void
choose_channel (VbConversationsPage *self)
{
  g_autoptr(JsonObject) customer = dup_customer (self);
  const char *last = NULL;
  const char *channel;

  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->entries)); i > 0 && last == NULL; i--)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->entries), i - 1);

      if (g_strcmp0 (vb_record_get_string (record, "direction"), "inbound") == 0)
        last = g_intern_string (vb_record_get_string (record, "channel"));
    }
  if (last != NULL && vb_conversation_has_consent (customer, last))
    channel = last;
  else if (vb_conversation_has_consent (customer, "sms"))
    channel = "sms";
  else if (vb_conversation_has_consent (customer, "email"))
    channel = "email";
  else
    channel = last != NULL ? last : "sms";
  gtk_toggle_button_set_active (g_str_equal (channel, "email") ? self->email_button : self->sms_button, TRUE);
}

/* ------------------------------------------------------------ threads --- */

static GtkWidget *
create_thread_row_cb (gpointer item,
                      gpointer user_data)
{
  VbRecord *record = item;
  gint64 unread = json_object_get_int_member_with_default (vb_record_get_row (record), "unread", 0);
  g_autofree char *time = dup_time (vb_record_get_string (record, "last_at"));
  /* The last message with its real state ("SMS, waiting to send: …"). */
  g_autofree char *preview = vb_conversation_dup_preview (vb_record_get_row (record));
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *time_label = gtk_label_new (time);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), vb_record_get_string (record, "display_name"));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), preview);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 1);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 1);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_widget_set_name (row, vb_record_get_id (record));

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (time_label, "dim-label");
  gtk_widget_add_css_class (time_label, "caption");
  gtk_label_set_xalign (GTK_LABEL (time_label), 1);
  gtk_box_append (GTK_BOX (box), time_label);
  if (unread > 0)
    {
      g_autofree char *count = g_strdup_printf ("%" G_GINT64_FORMAT, unread);
      GtkWidget *badge = gtk_label_new (count);
      /* Translators: %d unread messages in a conversation */
      g_autofree char *tooltip = g_strdup_printf (ngettext ("%d unread message", "%d unread messages", unread),
                                                  (int) unread);

      gtk_widget_set_halign (badge, GTK_ALIGN_END);
      gtk_widget_add_css_class (badge, "vb-unread-badge");
      gtk_widget_set_tooltip_text (badge, tooltip);
      gtk_box_append (GTK_BOX (box), badge);
      gtk_widget_add_css_class (row, "vb-unread");
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  return row;
}

static void
select_current (VbConversationsPage *self)
{
  GtkListBoxRow *row = NULL;
  guint position;

  if (find_thread (self, self->customer_id, &position) != NULL)
    row = gtk_list_box_get_row_at_index (self->threads_list, position);
  self->reloading = TRUE;
  if (row != NULL)
    gtk_list_box_select_row (self->threads_list, row);
  else
    gtk_list_box_unselect_all (self->threads_list);
  self->reloading = FALSE;
}

/* ---------------------------------------------------------- unmatched --- */

static void
assigned_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(VbConversationsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      /* Translators: %s is why an unknown sender's message could not be assigned */
      g_autofree char *text = g_strdup_printf (_("Not assigned: %s"), error->message);

      gtk_label_set_label (self->unmatched_status_label, text);
      gtk_widget_set_visible (GTK_WIDGET (self->unmatched_status_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->unmatched_status_label), FALSE);
  /* The message moves into the thread through the change feed. */
}

static void
assign_selected_cb (GtkListBox       *results,
                    GtkListBoxRow    *row,
                    AdwMessageDialog *dialog)
{
  /* Rows are removed (deselected) while the dialog is torn down too, when
   * the list is no longer in it and the dialog has no responses left. */
  if (gtk_widget_get_root (GTK_WIDGET (results)) != GTK_ROOT (dialog))
    return;
  adw_message_dialog_set_response_enabled (dialog, "assign", row != NULL);
}

static void
assign_response_cb (AdwMessageDialog    *dialog,
                    const char          *response,
                    VbConversationsPage *self)
{
  GtkListBox *results = g_object_get_data (G_OBJECT (dialog), "results");
  GtkListBoxRow *row = gtk_list_box_get_selected_row (results);
  const char *message_id = g_object_get_data (G_OBJECT (dialog), "message-id");
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = NULL;

  /* The dialog closes now: its list's selection no longer matters. */
  g_signal_handlers_disconnect_by_func (results, assign_selected_cb, dialog);
  if (!g_str_equal (response, "assign") || row == NULL || !can_reach_server (self))
    return;
  body = json_object_new ();
  json_object_set_string_member (body, "customer_id", gtk_widget_get_name (GTK_WIDGET (row)));
  path = g_strdup_printf ("/api/v1/messages/inbound/%s/assign", message_id);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable,
                               assigned_cb, g_object_ref (self));
}

static char *
dup_first (JsonObject *row,
           const char *member)
{
  JsonNode *node = row != NULL ? json_object_get_member (row, member) : NULL;
  JsonArray *array = node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  if (array == NULL || json_array_get_length (array) == 0)
    return NULL;
  return g_strdup (json_array_get_string_element (array, 0));
}

/* The customers matching what was typed (the cache's search index: never
 * the whole customers table), best first. */
static void
assign_search_changed_cb (GtkSearchEntry      *entry,
                          VbConversationsPage *self)
{
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (gtk_widget_get_root (GTK_WIDGET (entry)));
  GtkListBox *results = g_object_get_data (G_OBJECT (dialog), "results");
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
  g_autoptr(GPtrArray) rows = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (results))) != NULL)
    gtk_list_box_remove (results, child);
  adw_message_dialog_set_response_enabled (dialog, "assign", FALSE);
  if (text[0] == '\0' || self->cache == NULL)
    return;
  rows = vb_cache_search_rows (self->cache, "customers", text, ASSIGN_RESULTS);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      JsonObject *customer = g_ptr_array_index (rows, i);
      g_autofree char *title = vb_record_title_for_row ("customers", customer);
      g_autofree char *phone = dup_first (customer, "phones");
      g_autofree char *email = dup_first (customer, "emails");
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), phone != NULL ? phone : email != NULL ? email : "");
      gtk_widget_set_name (row, row_string (customer, "id"));
      gtk_list_box_append (results, row);
    }
  if (rows != NULL && rows->len == 1)
    gtk_list_box_select_row (results, GTK_LIST_BOX_ROW (gtk_widget_get_first_child (GTK_WIDGET (results))));
}

static void
assign_clicked_cb (GtkButton           *button,
                   VbConversationsPage *self)
{
  const char *message_id = g_object_get_data (G_OBJECT (button), "message-id");
  GtkWidget *box;
  GtkWidget *search;
  GtkWidget *scroller;
  GtkWidget *results;
  GtkWidget *placeholder;
  AdwMessageDialog *dialog;

  if (self->cache == NULL || message_id == NULL)
    return;
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  search = gtk_search_entry_new ();
  g_object_set (search, "placeholder-text", _("Name, phone or e-mail"), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (search), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Find the customer"), -1);
  results = gtk_list_box_new ();
  gtk_widget_add_css_class (results, "boxed-list");
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (results), GTK_SELECTION_SINGLE);
  gtk_widget_set_valign (results, GTK_ALIGN_START);
  gtk_accessible_update_property (GTK_ACCESSIBLE (results), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Customer"), -1);
  placeholder = gtk_label_new (_("Type a name, phone number or e-mail address to find the customer."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 12);
  gtk_widget_set_margin_bottom (placeholder, 12);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_list_box_set_placeholder (GTK_LIST_BOX (results), placeholder);
  scroller = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), 220);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), results);
  gtk_box_append (GTK_BOX (box), search);
  gtk_box_append (GTK_BOX (box), scroller);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       _("Assign to Customer"),
                                                       _("The message moves into the customer’s conversation. "
                                                         "This cannot be undone.")));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "assign", _("_Assign"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "assign", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_response_enabled (dialog, "assign", FALSE);
  adw_message_dialog_set_default_response (dialog, "assign");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "message-id", g_strdup (message_id), g_free);
  g_object_set_data (G_OBJECT (dialog), "results", results);
  g_signal_connect_object (search, "search-changed", G_CALLBACK (assign_search_changed_cb), self, 0);
  g_signal_connect_object (results, "row-selected", G_CALLBACK (assign_selected_cb), dialog, 0);
  g_signal_connect_object (dialog, "response", G_CALLBACK (assign_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  gtk_widget_grab_focus (search);
}

static GtkWidget *
create_unmatched_row_cb (gpointer item,
                         gpointer user_data)
{
  VbConversationsPage *self = user_data;
  VbRecord *record = item;
  g_autofree char *time = dup_time (vb_record_get_string (record, "received_at"));
  g_autofree char *title = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Assign…"));

  /* Translators: an unknown sender's message: sender, channel, time */
  title = g_strdup_printf (_("%s · %s · %s"), vb_record_get_string (record, "from_address"),
                           vb_conversation_channel_label (vb_record_get_string (record, "channel")),
                           time != NULL ? time : "");
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), vb_record_get_string (record, "body"));
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Assign to a customer: file the message in their conversation"));
  g_object_set_data_full (G_OBJECT (button), "message-id", g_strdup (vb_record_get_id (record)), g_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (assign_clicked_cb), self, 0);
  if (self->client != NULL)
    g_object_bind_property (self->client, "can-reach-server", button, "sensitive", G_BINDING_SYNC_CREATE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

/* ------------------------------------------------------------- reload --- */

static void
mark_dirty (VbConversationsPage *self,
            const char          *customer_id)
{
  if (customer_id != NULL)
    g_hash_table_add (self->dirty, g_strdup (customer_id));
}

static void
forget_message (VbConversationsPage *self,
                GHashTable          *table,
                const char          *id)
{
  JsonObject *old = g_hash_table_lookup (table, id);
  const char *customer_id = row_string (old, "customer_id");
  GHashTable *messages;

  if (old == NULL)
    return;
  if (customer_id != NULL && (messages = g_hash_table_lookup (self->by_customer, customer_id)) != NULL)
    {
      mark_dirty (self, customer_id);
      g_hash_table_remove (messages, id);
      if (g_hash_table_size (messages) == 0)
        g_hash_table_remove (self->by_customer, customer_id);
    }
  g_hash_table_remove (table, id);
}

static void
remember_message (VbConversationsPage *self,
                  GHashTable          *table,
                  JsonObject          *row)
{
  const char *id = row_string (row, "id");
  const char *customer_id = row_string (row, "customer_id");
  GHashTable *messages;

  if (id == NULL)
    return;
  g_hash_table_replace (table, g_strdup (id), json_object_ref (row));
  if (customer_id == NULL)
    return;
  messages = g_hash_table_lookup (self->by_customer, customer_id);
  if (messages == NULL)
    {
      messages = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
      g_hash_table_insert (self->by_customer, g_strdup (customer_id), messages);
    }
  g_hash_table_replace (messages, g_strdup (id), json_object_ref (row));
  mark_dirty (self, customer_id);
}

static void
forget_read (VbConversationsPage *self,
             const char          *id)
{
  const char *customer_id = g_hash_table_lookup (self->read_customers, id);

  if (customer_id == NULL)
    return;
  mark_dirty (self, customer_id);
  g_hash_table_remove (self->my_reads, customer_id);
  g_hash_table_remove (self->read_customers, id);
}

static void
remember_read (VbConversationsPage *self,
               JsonObject          *row)
{
  const char *id = row_string (row, "id");
  const char *customer_id = row_string (row, "customer_id");

  /* Only the user's own marks count (unread is per reader). */
  if (id == NULL || customer_id == NULL || user_id (self) == NULL ||
      g_strcmp0 (row_string (row, "user_id"), user_id (self)) != 0)
    return;
  g_hash_table_replace (self->my_reads, g_strdup (customer_id), json_object_ref (row));
  g_hash_table_replace (self->read_customers, g_strdup (id), g_strdup (customer_id));
  mark_dirty (self, customer_id);
}

static int
compare_thread_records (gconstpointer a,
                        gconstpointer b,
                        gpointer      user_data)
{
  return vb_conversation_compare_threads (vb_record_get_row ((VbRecord *) a), vb_record_get_row ((VbRecord *) b));
}

static int
compare_unmatched_records (gconstpointer a,
                           gconstpointer b,
                           gpointer      user_data)
{
  int order = vb_conversation_compare_at (vb_record_get_string ((VbRecord *) b, "received_at"),
                                          vb_record_get_string ((VbRecord *) a, "received_at"));

  return order != 0 ? order : g_strcmp0 (vb_record_get_id ((VbRecord *) a), vb_record_get_id ((VbRecord *) b));
}

static int
compare_thread_records_indirect (gconstpointer a,
                                 gconstpointer b,
                                 gpointer      user_data)
{
  return compare_thread_records (*(VbRecord **) a, *(VbRecord **) b, user_data);
}

static int
compare_unmatched_records_indirect (gconstpointer a,
                                    gconstpointer b,
                                    gpointer      user_data)
{
  return compare_unmatched_records (*(VbRecord **) a, *(VbRecord **) b, user_data);
}

/* The customer's thread summary from the messages in memory, or NULL
 * (no messages).  names: customer id → display name, read beforehand for
 * many threads at once; NULL: read this customer. */
static VbRecord *
build_thread (VbConversationsPage *self,
              const char          *customer_id,
              GHashTable          *names)
{
  g_autoptr(GPtrArray) inbound = g_ptr_array_new ();
  g_autoptr(GPtrArray) outbound = g_ptr_array_new ();
  g_autoptr(GPtrArray) reads = g_ptr_array_new ();
  g_autoptr(GPtrArray) threads = NULL;
  g_autoptr(JsonObject) customer = NULL;
  JsonObject *read = g_hash_table_lookup (self->my_reads, customer_id);
  JsonObject *thread;

  split_messages (self, customer_id, inbound, outbound);
  if (inbound->len == 0 && outbound->len == 0)
    return NULL;
  if (read != NULL)
    g_ptr_array_add (reads, read);
  threads = vb_conversation_build_threads (inbound, outbound, reads, user_id (self), NULL);
  if (threads->len == 0)
    return NULL;
  thread = g_ptr_array_index (threads, 0);
  if (names != NULL)
    {
      const char *name = g_hash_table_lookup (names, customer_id);

      if (name != NULL)
        json_object_set_string_member (thread, "display_name", name);
    }
  else if ((customer = self->cache != NULL ? vb_cache_get (self->cache, "customers", customer_id) : NULL) != NULL)
    {
      g_autofree char *name = vb_record_title_for_row ("customers", customer);

      json_object_set_string_member (thread, "display_name", name);
    }
  return vb_record_new ("conversations", thread);
}

/* Recomputes one customer's thread and moves it to its place. */
static void
update_thread (VbConversationsPage *self,
               const char          *customer_id)
{
  VbRecord *old = g_hash_table_lookup (self->thread_records, customer_id);
  g_autoptr(VbRecord) record = build_thread (self, customer_id, NULL);
  guint position;

  if (old != NULL)
    {
      if (g_list_store_find (self->threads, old, &position))
        g_list_store_remove (self->threads, position);
      g_hash_table_remove (self->thread_records, customer_id);
    }
  if (record != NULL)
    {
      g_list_store_insert_sorted (self->threads, record, compare_thread_records, NULL);
      g_hash_table_insert (self->thread_records, g_strdup (customer_id), record);
    }
}

static void
update_unmatched (VbConversationsPage *self,
                  const char          *id)
{
  VbRecord *old = g_hash_table_lookup (self->unmatched_records, id);
  JsonObject *row = g_hash_table_lookup (self->inbound_rows, id);
  guint position;

  if (old != NULL)
    {
      if (g_list_store_find (self->unmatched, old, &position))
        g_list_store_remove (self->unmatched, position);
      g_hash_table_remove (self->unmatched_records, id);
    }
  if (row != NULL && row_string (row, "customer_id") == NULL)
    {
      g_autoptr(VbRecord) record = vb_record_new ("inbound_messages", row);

      g_list_store_insert_sorted (self->unmatched, record, compare_unmatched_records, NULL);
      g_hash_table_insert (self->unmatched_records, g_strdup (id), record);
    }
}

/* After the lists changed: what depends on them. */
static void
refresh (VbConversationsPage *self)
{
  guint threads = g_list_model_get_n_items (G_LIST_MODEL (self->threads));
  guint unmatched = g_list_model_get_n_items (G_LIST_MODEL (self->unmatched));
  GHashTableIter iter;
  gpointer record;
  guint unread = 0;

  select_current (self);
  gtk_widget_set_visible (GTK_WIDGET (self->threads_empty_label), threads == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->threads_list), threads > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->unmatched_heading), unmatched > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->unmatched_list), unmatched > 0);
  show_thread (self);
  update_reply (self);

  g_hash_table_iter_init (&iter, self->thread_records);
  while (g_hash_table_iter_next (&iter, NULL, &record))
    unread += json_object_get_int_member_with_default (vb_record_get_row (record), "unread", 0);
  if (unread != self->unread)
    {
      self->unread = unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
    }
  maybe_mark_read (self);
}

/* Reads everything once (a new cache): the messages and read marks, then
 * every thread. */
static void
reload (VbConversationsPage *self)
{
  g_autoptr(GPtrArray) inbound = NULL;
  g_autoptr(GPtrArray) outbound = NULL;
  g_autoptr(GPtrArray) reads = NULL;
  g_autoptr(GPtrArray) threads = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) unmatched = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) customers = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_remove_all (self->inbound_rows);
  g_hash_table_remove_all (self->outbound_rows);
  g_hash_table_remove_all (self->by_customer);
  g_hash_table_remove_all (self->my_reads);
  g_hash_table_remove_all (self->read_customers);
  g_hash_table_remove_all (self->thread_records);
  g_hash_table_remove_all (self->unmatched_records);
  if (self->cache != NULL)
    {
      inbound = vb_cache_list (self->cache, "inbound_messages", NULL, NULL, FALSE, 0);
      outbound = vb_cache_list (self->cache, "outbound_messages", NULL, NULL, FALSE, 0);
      reads = vb_cache_list (self->cache, "conversation_reads", NULL, NULL, FALSE, 0);
    }
  for (guint i = 0; inbound != NULL && i < inbound->len; i++)
    remember_message (self, self->inbound_rows, g_ptr_array_index (inbound, i));
  for (guint i = 0; outbound != NULL && i < outbound->len; i++)
    remember_message (self, self->outbound_rows, g_ptr_array_index (outbound, i));
  for (guint i = 0; reads != NULL && i < reads->len; i++)
    remember_read (self, g_ptr_array_index (reads, i));
  g_hash_table_remove_all (self->dirty);
  self->flush_wanted = FALSE;

  /* The names of every thread's customer in one pass over the cache. */
  {
    g_autofree const char **ids = (const char **) g_hash_table_get_keys_as_array (self->by_customer, NULL);

    customers = self->cache != NULL ? vb_cache_get_many (self->cache, "customers", NULL, ids) : NULL;
  }
  for (guint i = 0; customers != NULL && i < customers->len; i++)
    {
      JsonObject *customer = g_ptr_array_index (customers, i);

      if (row_string (customer, "id") != NULL)
        g_hash_table_insert (names, g_strdup (row_string (customer, "id")),
                             vb_record_title_for_row ("customers", customer));
    }
  g_hash_table_iter_init (&iter, self->by_customer);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      VbRecord *record = build_thread (self, key, names);

      if (record != NULL)
        {
          g_ptr_array_add (threads, record);
          g_hash_table_insert (self->thread_records, g_strdup (key), record);
        }
    }
  g_ptr_array_sort_with_data (threads, (GCompareDataFunc) compare_thread_records_indirect, NULL);
  g_hash_table_iter_init (&iter, self->inbound_rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (row_string (value, "customer_id") == NULL)
      {
        VbRecord *record = vb_record_new ("inbound_messages", value);

        g_ptr_array_add (unmatched, record);
        g_hash_table_insert (self->unmatched_records, g_strdup (key), record);
      }
  g_ptr_array_sort_with_data (unmatched, (GCompareDataFunc) compare_unmatched_records_indirect, NULL);

  self->reloading = TRUE;
  g_list_store_splice (self->threads, 0, g_list_model_get_n_items (G_LIST_MODEL (self->threads)),
                       threads->pdata, threads->len);
  g_list_store_splice (self->unmatched, 0, g_list_model_get_n_items (G_LIST_MODEL (self->unmatched)),
                       unmatched->pdata, unmatched->len);
  self->reloading = FALSE;
  reload_entries (self);
  refresh (self);
}

/* The records a commit touched: re-read those, note whose threads move. */
static void
records_changed_cb (VbCache             *cache,
                    const char          *entity,
                    const char * const  *ids,
                    VbConversationsPage *self)
{
  GHashTable *table = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (ids == NULL)
    return;
  if (g_str_equal (entity, "customers"))
    {
      /* A name or consent: only threads shown, and the open one. */
      for (guint i = 0; ids[i] != NULL; i++)
        if (g_hash_table_contains (self->thread_records, ids[i]) || g_strcmp0 (ids[i], self->customer_id) == 0)
          {
            mark_dirty (self, ids[i]);
            self->flush_wanted = TRUE;
          }
      return;
    }
  if (g_str_equal (entity, "inbound_messages"))
    table = self->inbound_rows;
  else if (g_str_equal (entity, "outbound_messages"))
    table = self->outbound_rows;
  else if (!g_str_equal (entity, "conversation_reads"))
    return;

  rows = vb_cache_get_many (cache, entity, NULL, ids);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      if (table != NULL)
        forget_message (self, table, ids[i]);
      else
        forget_read (self, ids[i]);
    }
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      if (table != NULL)
        remember_message (self, table, g_ptr_array_index (rows, i));
      else
        remember_read (self, g_ptr_array_index (rows, i));
    }
  if (table == self->inbound_rows)
    {
      self->reloading = TRUE;
      for (guint i = 0; ids[i] != NULL; i++)
        update_unmatched (self, ids[i]);
      self->reloading = FALSE;
    }
  self->flush_wanted = TRUE;
}

static void
cache_changed_cb (VbConversationsPage *self,
                  const char * const  *entities)
{
  gboolean current = FALSE;
  GHashTableIter iter;
  gpointer customer_id;

  if (entities == NULL)
    {
      reload (self);
      return;
    }
  if (!self->flush_wanted)
    return;
  self->flush_wanted = FALSE;
  self->reloading = TRUE;
  g_hash_table_iter_init (&iter, self->dirty);
  while (g_hash_table_iter_next (&iter, &customer_id, NULL))
    {
      update_thread (self, customer_id);
      current = current || g_strcmp0 (customer_id, self->customer_id) == 0;
    }
  self->reloading = FALSE;
  g_hash_table_remove_all (self->dirty);
  if (current)
    reload_entries (self);
  refresh (self);
}

static void
set_cache (VbConversationsPage *self,
           VbCache             *cache)
{
  if (self->cache == cache)
    return;
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    {
      g_signal_connect_object (cache, "records-changed", G_CALLBACK (records_changed_cb), self, 0);
      g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
    }
  reload (self);
}

static void
client_cache_changed_cb (VbConversationsPage *self)
{
  set_cache (self, self->client != NULL ? vb_client_get_cache (self->client) : NULL);
}

static void
reachable_changed_cb (VbConversationsPage *self)
{
  update_reply (self);
  /* "Sending…" or "Waiting to sync" on the replies not back yet. */
  reload_entries (self);
  /* A mark that could not be sent offline is sent now. */
  g_clear_pointer (&self->marked_customer, g_free);
  maybe_mark_read (self);
}

/* ------------------------------------------------------------ public --- */

void
vb_conversations_page_set_client (VbConversationsPage *self,
                                  VbClient            *client)
{
  g_return_if_fail (VB_IS_CONVERSATIONS_PAGE (self));

  if (self->client == client)
    return;
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);
  if (client != NULL)
    {
      g_signal_connect_object (client, "notify::cache", G_CALLBACK (client_cache_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (reachable_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  client_cache_changed_cb (self);
  /* The rows' Assign buttons bind to this client. */
  gtk_list_box_bind_model (self->unmatched_list, G_LIST_MODEL (self->unmatched), create_unmatched_row_cb,
                           self, NULL);
}

void
vb_conversations_page_open_thread (VbConversationsPage *self,
                                   const char          *customer_id)
{
  g_return_if_fail (VB_IS_CONVERSATIONS_PAGE (self));

  if (g_strcmp0 (self->customer_id, customer_id) == 0)
    {
      maybe_mark_read (self);
      return;
    }
  g_free (self->customer_id);
  self->customer_id = g_strdup (customer_id);
  /* What was typed for another customer is not for this one. */
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->reply_view), "", -1);
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), "");
  show_reply_status (self, NULL, FALSE);
  show_thread (self);
  reload_entries (self);
  refresh (self);
  choose_channel (self);
  select_current (self);
  follow_end (self);
}

const char *
vb_conversations_page_get_customer_id (VbConversationsPage *self)
{
  g_return_val_if_fail (VB_IS_CONVERSATIONS_PAGE (self), NULL);
  return self->customer_id;
}

guint
vb_conversations_page_get_unread (VbConversationsPage *self)
{
  g_return_val_if_fail (VB_IS_CONVERSATIONS_PAGE (self), 0);
  return self->unread;
}

int
vb_conversations_page_get_thread_unread (VbConversationsPage *self,
                                         const char          *customer_id)
{
  VbRecord *record;

  g_return_val_if_fail (VB_IS_CONVERSATIONS_PAGE (self), -1);
  record = find_thread (self, customer_id, NULL);
  if (record == NULL)
    return -1;
  return (int) json_object_get_int_member_with_default (vb_record_get_row (record), "unread", 0);
}

GListModel *
vb_conversations_page_get_entries (VbConversationsPage *self)
{
  g_return_val_if_fail (VB_IS_CONVERSATIONS_PAGE (self), NULL);
  return G_LIST_MODEL (self->entries);
}

GListModel *
vb_conversations_page_get_unmatched (VbConversationsPage *self)
{
  g_return_val_if_fail (VB_IS_CONVERSATIONS_PAGE (self), NULL);
  return G_LIST_MODEL (self->unmatched);
}

/* ------------------------------------------------------------- set-up --- */

static void
thread_selected_cb (GtkListBox          *list,
                    GtkListBoxRow       *row,
                    VbConversationsPage *self)
{
  if (self->reloading || row == NULL)
    return;
  vb_conversations_page_open_thread (self, gtk_widget_get_name (GTK_WIDGET (row)));
}

static void
customer_clicked_cb (VbConversationsPage *self)
{
  if (self->customer_id != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.open-record", "(ss)", "customers", self->customer_id);
}

static void
vb_conversations_page_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_UNREAD:
      g_value_set_uint (value, VB_CONVERSATIONS_PAGE (object)->unread);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_conversations_page_dispose (GObject *object)
{
  VbConversationsPage *self = VB_CONVERSATIONS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->follow_end_id, g_source_remove);
  g_clear_handle_id (&self->relayout_id, g_source_remove);
  vb_conversations_page_set_client (self, NULL);
  set_cache (self, NULL);
  /* The bin's child is a template child: let the bin drop it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_CONVERSATIONS_PAGE);
  g_clear_object (&self->threads);
  g_clear_object (&self->entries);
  g_clear_object (&self->unmatched);
  g_clear_pointer (&self->inbound_rows, g_hash_table_unref);
  g_clear_pointer (&self->outbound_rows, g_hash_table_unref);
  g_clear_pointer (&self->by_customer, g_hash_table_unref);
  g_clear_pointer (&self->my_reads, g_hash_table_unref);
  g_clear_pointer (&self->read_customers, g_hash_table_unref);
  g_clear_pointer (&self->thread_records, g_hash_table_unref);
  g_clear_pointer (&self->unmatched_records, g_hash_table_unref);
  g_clear_pointer (&self->dirty, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->customer_id, g_free);
  g_clear_pointer (&self->marked_customer, g_free);
  G_OBJECT_CLASS (vb_conversations_page_parent_class)->dispose (object);
}

static void
vb_conversations_page_class_init (VbConversationsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_conversations_page_dispose;
  object_class->get_property = vb_conversations_page_get_property;

  properties[PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0,
                                               G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-conversations-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, threads_empty_label);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, threads_list);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, unmatched_heading);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, unmatched_list);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, unmatched_status_label);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, thread_stack);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, customer_label);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, customer_button);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, entries_scroller);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, entries_list);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, sms_button);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, email_button);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, reply_view);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, send_button);
  gtk_widget_class_bind_template_child (widget_class, VbConversationsPage, reply_status_label);
}

static void
vb_conversations_page_init (VbConversationsPage *self)
{
  GtkEventController *keys = gtk_event_controller_key_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->threads = g_list_store_new (VB_TYPE_RECORD);
  self->entries = g_list_store_new (VB_TYPE_RECORD);
  self->unmatched = g_list_store_new (VB_TYPE_RECORD);
  self->inbound_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  self->outbound_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  self->by_customer = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  self->my_reads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) json_object_unref);
  self->read_customers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->thread_records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->unmatched_records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  gtk_list_box_bind_model (self->threads_list, G_LIST_MODEL (self->threads), create_thread_row_cb, self, NULL);
  gtk_list_box_bind_model (self->entries_list, G_LIST_MODEL (self->entries), create_entry_row_cb, self, NULL);
  gtk_list_box_bind_model (self->unmatched_list, G_LIST_MODEL (self->unmatched), create_unmatched_row_cb,
                           self, NULL);
  g_signal_connect_object (self->threads_list, "row-selected", G_CALLBACK (thread_selected_cb), self, 0);
  g_signal_connect_object (self->customer_button, "clicked", G_CALLBACK (customer_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->send_button, "clicked", G_CALLBACK (send_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (gtk_text_view_get_buffer (self->reply_view), "changed",
                           G_CALLBACK (reply_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->sms_button, "toggled", G_CALLBACK (update_reply), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->email_button, "toggled", G_CALLBACK (update_reply), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self, "map", G_CALLBACK (maybe_mark_read), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (keys, "key-pressed", G_CALLBACK (reply_key_pressed_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (self->reply_view), keys);
  g_signal_connect_object (gtk_scrolled_window_get_vadjustment (self->entries_scroller), "changed",
                           G_CALLBACK (adjustment_changed_cb), self, 0);
  gtk_toggle_button_set_active (self->sms_button, TRUE);
  update_reply (self);
}
