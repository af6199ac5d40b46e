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
 * What needs the server: marking read (POST …/conversation/read, done when
 * a thread with unread messages is on screen), replying and assigning.
 * Replies are online only on purpose: POST /customers/{id}/conversation
 * takes no client id, so an outbox copy would show beside the server's
 * row.  Offline the Send button is disabled and a line says why; what was
 * typed stays.  Rejected: GET /conversations as the source (needs the
 * server, and must be polled to be live).
 */
#include "vb-conversations-page.h"
#include "vb-api-client.h"
#include "vb-cache.h"
#include "vb-chat-row.h"
#include "vb-conversation-presentation.h"
#include "vb-record.h"
#include "vb-record-list.h"
#include "vb-session.h"
#include "vb-work-order-presentation.h"

#include <glib/gi18n.h>

#define SMS_MAX 1600

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
  char           *customer_id;
  guint           unread;
  gboolean        reloading;
  gboolean        sending;
  gboolean        marking;
  guint           follow_end_id;     /* while set, the thread sticks to its end */
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
  for (guint i = 0; customer_id != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->threads)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->threads), i);

      if (g_strcmp0 (vb_record_get_id (record), customer_id) == 0)
        {
          if (position != NULL)
            *position = i;
          return record;   /* the store keeps it alive */
        }
    }
  return NULL;
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
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button),
                            online && consented && !self->sending && text[0] != '\0' && self->customer_id != NULL);
  if (!online)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button),
                                 _("Replies need the server: offline, they cannot be sent"));
  else if (!consented)
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button),
                                 _("The customer has not consented to messages on this channel"));
  else
    gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button), _("Send the reply (Ctrl+Enter)"));

  /* A refusal stays until the next try; the reasons below replace it. */
  if (gtk_widget_has_css_class (GTK_WIDGET (self->reply_status_label), "error") &&
      gtk_widget_get_visible (GTK_WIDGET (self->reply_status_label)))
    return;
  if (!online)
    show_reply_status (self, _("Offline: replies can be sent again when the connection returns."), FALSE);
  else if (self->customer_id != NULL && !sms && !email)
    show_reply_status (self, _("The customer has not consented to SMS or e-mail messages."), FALSE);
  else if (self->customer_id != NULL && !consented)
    show_reply_status (self, g_str_equal (reply_channel (self), "sms")
                               ? _("The customer has not consented to SMS messages: choose E-mail.")
                               : _("The customer has not consented to e-mail: choose SMS."), FALSE);
  else
    show_reply_status (self, NULL, FALSE);
}

static void
reply_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(VbConversationsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->sending = FALSE;
  gtk_text_view_set_editable (self->reply_view, TRUE);
  gtk_editable_set_editable (GTK_EDITABLE (self->subject_entry), TRUE);
  if (reply == NULL)
    {
      /* Translators: %s is why a reply was not sent (the server's message) */
      g_autofree char *text = g_strdup_printf (_("Not sent: %s"), error->message);

      show_reply_status (self, text, TRUE);
    }
  else
    {
      /* The message itself comes back through the change feed. */
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->reply_view), "", -1);
      gtk_editable_set_text (GTK_EDITABLE (self->subject_entry), "");
      show_reply_status (self, NULL, FALSE);
    }
  update_reply (self);
}

static void
send_cb (VbConversationsPage *self)
{
  g_autofree char *text = dup_reply_text (self);
  g_autofree char *subject = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_entry))));
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = NULL;
  const char *channel = reply_channel (self);

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->send_button)) || text[0] == '\0')
    return;
  if (g_str_equal (channel, "sms") && g_utf8_strlen (text, -1) > SMS_MAX)
    {
      /* Translators: %d is the longest SMS reply, in characters */
      g_autofree char *message = g_strdup_printf (_("An SMS reply is at most %d characters: shorten it or send an e-mail."),
                                                  SMS_MAX);

      show_reply_status (self, message, TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->reply_view));
      return;
    }
  body = json_object_new ();
  json_object_set_string_member (body, "channel", channel);
  json_object_set_string_member (body, "body", text);
  if (g_str_equal (channel, "email") && subject[0] != '\0')
    json_object_set_string_member (body, "subject", subject);
  path = g_strdup_printf ("/api/v1/customers/%s/conversation", self->customer_id);
  self->sending = TRUE;
  /* Not editable while it goes, so what is cleared is what was sent. */
  gtk_text_view_set_editable (self->reply_view, FALSE);
  gtk_editable_set_editable (GTK_EDITABLE (self->subject_entry), FALSE);
  show_reply_status (self, NULL, FALSE);
  update_reply (self);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable,
                               reply_sent_cb, g_object_ref (self));
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
  /* Translators: when a message was queued and its delivery state: "09:30 · Sent" */
  when = status != NULL ? g_strdup_printf (_("%s · %s"), time != NULL ? time : "", status) : g_strdup (time);
  if (subject != NULL && subject[0] != '\0' && g_strcmp0 (vb_record_get_string (record, "channel"), "email") == 0)
    body = g_strdup_printf ("%s\n%s", subject, vb_record_get_string (record, "body"));
  else
    body = g_strdup (vb_record_get_string (record, "body"));
  row = vb_chat_row_new (author, when, body, !inbound);
  if (g_strcmp0 (vb_record_get_string (record, "status"), "failed") == 0 ||
      g_strcmp0 (vb_record_get_string (record, "status"), "unknown") == 0)
    gtk_widget_add_css_class (row, "vb-message-problem");
  return row;
}

/* New rows are measured after this returns: for a moment, every change of
 * the adjustment's size moves the view to the newest message. */
static void
adjustment_changed_cb (GtkAdjustment       *adj,
                       VbConversationsPage *self)
{
  if (self->follow_end_id != 0)
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
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

static void
reload_entries (VbConversationsPage *self,
                GPtrArray           *inbound,
                GPtrArray           *outbound)
{
  g_autoptr(GPtrArray) entries = vb_conversation_build_entries (inbound, outbound, self->customer_id);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  guint before = g_list_model_get_n_items (G_LIST_MODEL (self->entries));

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
  g_autofree char *preview = NULL;
  g_autofree char *oneline = g_strdup (vb_record_get_string (record, "last_body"));
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *time_label = gtk_label_new (time);

  g_strdelimit (oneline, "\r\n\t", ' ');
  /* Translators: a conversation's last message: "SMS: Xe xong chưa?" ("You: …" for a reply) */
  preview = g_strdup_printf (g_strcmp0 (vb_record_get_string (record, "last_direction"), "outbound") == 0
                               ? _("%s, sent: %s") : _("%s: %s"),
                             vb_conversation_channel_label (vb_record_get_string (record, "last_channel")),
                             oneline != NULL ? oneline : "");
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

static char *
customer_title_cb (VbRecord *record)
{
  return g_strdup (record != NULL ? vb_record_get_title (record) : "");
}

static void
assign_response_cb (AdwMessageDialog    *dialog,
                    const char          *response,
                    VbConversationsPage *self)
{
  GtkDropDown *drop_down = GTK_DROP_DOWN (adw_message_dialog_get_extra_child (dialog));
  VbRecord *customer = gtk_drop_down_get_selected_item (drop_down);
  const char *message_id = g_object_get_data (G_OBJECT (dialog), "message-id");
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = NULL;

  if (!g_str_equal (response, "assign") || customer == NULL || !can_reach_server (self))
    return;
  body = json_object_new ();
  json_object_set_string_member (body, "customer_id", vb_record_get_id (customer));
  path = g_strdup_printf ("/api/v1/messages/inbound/%s/assign", message_id);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable,
                               assigned_cb, g_object_ref (self));
}

static void
assign_clicked_cb (GtkButton           *button,
                   VbConversationsPage *self)
{
  const char *message_id = g_object_get_data (G_OBJECT (button), "message-id");
  g_autoptr(VbRecordList) customers = NULL;
  GtkExpression *expression;
  GtkWidget *drop_down;
  AdwMessageDialog *dialog;

  if (self->cache == NULL || message_id == NULL)
    return;
  customers = vb_record_list_new (self->cache, "customers", NULL, "display_name", FALSE);
  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                            G_CALLBACK (customer_title_cb), NULL, NULL);
  drop_down = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&customers)), expression);
  gtk_drop_down_set_enable_search (GTK_DROP_DOWN (drop_down), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (drop_down), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Customer"), -1);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                       _("Assign to Customer"),
                                                       _("The message moves into the customer’s conversation. "
                                                         "This cannot be undone.")));
  adw_message_dialog_set_extra_child (dialog, drop_down);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "assign", _("_Assign"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "assign", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "assign");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "message-id", g_strdup (message_id), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (assign_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
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
reload (VbConversationsPage *self)
{
  g_autoptr(GPtrArray) inbound = NULL;
  g_autoptr(GPtrArray) outbound = NULL;
  g_autoptr(GPtrArray) reads = NULL;
  g_autoptr(GPtrArray) threads = NULL;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) unmatched = g_ptr_array_new_with_free_func (g_object_unref);
  guint unread;

  if (self->cache != NULL)
    {
      inbound = vb_cache_list (self->cache, "inbound_messages", NULL, "received_at", TRUE, 0);
      outbound = vb_cache_list (self->cache, "outbound_messages", NULL, "created_at", TRUE, 0);
      reads = vb_cache_list (self->cache, "conversation_reads", NULL, NULL, FALSE, 0);
    }
  threads = vb_conversation_build_threads (inbound, outbound, reads, user_id (self), NULL);
  for (guint i = 0; i < threads->len; i++)
    {
      JsonObject *thread = g_ptr_array_index (threads, i);
      g_autoptr(JsonObject) customer = vb_cache_get (self->cache, "customers",
                                                     json_object_get_string_member (thread, "customer_id"));

      if (customer != NULL)
        {
          g_autofree char *name = vb_record_title_for_row ("customers", customer);

          json_object_set_string_member (thread, "display_name", name);
        }
      g_ptr_array_add (records, vb_record_new ("conversations", thread));
    }
  for (guint i = 0; inbound != NULL && i < inbound->len; i++)
    {
      JsonObject *row = g_ptr_array_index (inbound, i);

      if (json_object_get_string_member_with_default (row, "customer_id", NULL) == NULL)
        g_ptr_array_add (unmatched, vb_record_new ("inbound_messages", row));
    }

  self->reloading = TRUE;
  g_list_store_splice (self->threads, 0, g_list_model_get_n_items (G_LIST_MODEL (self->threads)),
                       records->pdata, records->len);
  g_list_store_splice (self->unmatched, 0, g_list_model_get_n_items (G_LIST_MODEL (self->unmatched)),
                       unmatched->pdata, unmatched->len);
  self->reloading = FALSE;
  select_current (self);
  gtk_widget_set_visible (GTK_WIDGET (self->threads_empty_label), records->len == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->threads_list), records->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->unmatched_heading), unmatched->len > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->unmatched_list), unmatched->len > 0);

  reload_entries (self, inbound, outbound);
  show_thread (self);
  update_reply (self);

  unread = vb_conversation_count_unread (threads);
  if (unread != self->unread)
    {
      self->unread = unread;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
    }
  maybe_mark_read (self);
}

static void
cache_changed_cb (VbConversationsPage *self,
                  const char * const  *entities)
{
  static const char *const watched[] = { "inbound_messages", "outbound_messages", "conversation_reads",
                                         "customers", NULL };

  for (guint i = 0; entities != NULL && watched[i] != NULL; i++)
    if (g_strv_contains (entities, watched[i]))
      {
        reload (self);
        return;
      }
  if (entities == NULL)
    reload (self);
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
    g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
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
  reload (self);
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
  vb_conversations_page_set_client (self, NULL);
  set_cache (self, NULL);
  /* The bin's child is a template child: let the bin drop it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_CONVERSATIONS_PAGE);
  g_clear_object (&self->threads);
  g_clear_object (&self->entries);
  g_clear_object (&self->unmatched);
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
