/* vb-conversation-presentation.c — see the header.  The thread list is
 * computed from the cache's own message tables (the change feed carries
 * inbound_messages, outbound_messages and conversation_reads to reception)
 * rather than from GET /conversations, so it works offline and follows
 * the feed live.  Timestamps are compared as instants, not as strings:
 * the feed writes "+00:00" offsets, the API "Z". */
#include "vb-conversation-presentation.h"

#include <glib/gi18n.h>

static const char *
str (JsonObject *row,
     const char *member)
{
  if (row == NULL || !json_object_has_member (row, member) ||
      JSON_NODE_HOLDS_NULL (json_object_get_member (row, member)))
    return NULL;
  return json_object_get_string_member_with_default (row, member, NULL);
}

static gint64
instant (const char *text)
{
  g_autoptr(GDateTime) at = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return at != NULL ? g_date_time_to_unix (at) * G_USEC_PER_SEC + g_date_time_get_microsecond (at) : G_MININT64;
}

static JsonObject *
entry_new (JsonObject *row,
           gboolean    inbound)
{
  JsonObject *entry = json_object_new ();

  json_object_set_string_member (entry, "id", str (row, "id"));
  json_object_set_string_member (entry, "customer_id", str (row, "customer_id"));
  json_object_set_string_member (entry, "direction", inbound ? "inbound" : "outbound");
  json_object_set_string_member (entry, "channel", str (row, "channel"));
  json_object_set_string_member (entry, "address", str (row, inbound ? "from_address" : "to_address"));
  json_object_set_string_member (entry, "subject", str (row, "subject"));
  json_object_set_string_member (entry, "body", str (row, "body"));
  json_object_set_string_member (entry, "kind", inbound ? "reply" : str (row, "kind"));
  json_object_set_string_member (entry, "status", inbound ? "received" : str (row, "status"));
  json_object_set_string_member (entry, "author_id", inbound ? NULL : str (row, "created_by"));
  json_object_set_string_member (entry, "at", str (row, inbound ? "received_at" : "created_at"));
  json_object_set_string_member (entry, "sent_at", inbound ? NULL : str (row, "sent_at"));
  /* A reply written here and not back from the server yet: the cache's
   * local view has no server version. */
  json_object_set_boolean_member (entry, "pending", !inbound && !json_object_has_member (row, "version"));
  return entry;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  JsonObject *x = *(JsonObject **) a;
  JsonObject *y = *(JsonObject **) b;
  gint64 ax = instant (str (x, "at"));
  gint64 ay = instant (str (y, "at"));

  if (ax != ay)
    return ax < ay ? -1 : 1;
  return g_strcmp0 (str (x, "id"), str (y, "id"));
}

GPtrArray *
vb_conversation_build_entries (GPtrArray  *inbound,
                               GPtrArray  *outbound,
                               const char *customer_id)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; inbound != NULL && i < inbound->len; i++)
    if (customer_id != NULL && g_strcmp0 (str (g_ptr_array_index (inbound, i), "customer_id"), customer_id) == 0)
      g_ptr_array_add (entries, entry_new (g_ptr_array_index (inbound, i), TRUE));
  for (guint i = 0; outbound != NULL && i < outbound->len; i++)
    if (customer_id != NULL && g_strcmp0 (str (g_ptr_array_index (outbound, i), "customer_id"), customer_id) == 0)
      g_ptr_array_add (entries, entry_new (g_ptr_array_index (outbound, i), FALSE));
  g_ptr_array_sort (entries, compare_entries);
  return entries;
}

/* Keeps the newest entry of a customer in threads (customer → summary). */
static void
add_to_thread (GHashTable *threads,
               JsonObject *row,
               gboolean    inbound,
               GHashTable *names)
{
  const char *customer_id = str (row, "customer_id");
  g_autoptr(JsonObject) entry = NULL;
  JsonObject *thread;

  if (customer_id == NULL)
    return;
  entry = entry_new (row, inbound);
  thread = g_hash_table_lookup (threads, customer_id);
  if (thread == NULL)
    {
      const char *name = names != NULL ? g_hash_table_lookup (names, customer_id) : NULL;

      thread = json_object_new ();
      json_object_set_string_member (thread, "id", customer_id);
      json_object_set_string_member (thread, "customer_id", customer_id);
      json_object_set_string_member (thread, "display_name", name != NULL ? name : _("Customer"));
      json_object_set_int_member (thread, "unread", 0);
      g_hash_table_insert (threads, g_strdup (customer_id), thread);
    }
  else if (instant (str (entry, "at")) < instant (str (thread, "last_at")))
    return;
  json_object_set_string_member (thread, "last_at", str (entry, "at"));
  json_object_set_string_member (thread, "last_direction", str (entry, "direction"));
  json_object_set_string_member (thread, "last_channel", str (entry, "channel"));
  json_object_set_string_member (thread, "last_body", str (entry, "body"));
  json_object_set_string_member (thread, "last_status", str (entry, "status"));
  json_object_set_boolean_member (thread, "last_pending",
                                  json_object_get_boolean_member_with_default (entry, "pending", FALSE));
}

static int
compare_threads (gconstpointer a,
                 gconstpointer b)
{
  JsonObject *x = *(JsonObject **) a;
  JsonObject *y = *(JsonObject **) b;
  gint64 ax = instant (str (x, "last_at"));
  gint64 ay = instant (str (y, "last_at"));

  if (ax != ay)
    return ax > ay ? -1 : 1;
  return g_strcmp0 (str (x, "id"), str (y, "id"));
}

GPtrArray *
vb_conversation_build_threads (GPtrArray  *inbound,
                               GPtrArray  *outbound,
                               GPtrArray  *reads,
                               const char *user_id,
                               GHashTable *names)
{
  g_autoptr(GHashTable) threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) read_at = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *result = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  GHashTableIter iter;
  gpointer value;

  for (guint i = 0; reads != NULL && i < reads->len; i++)
    {
      JsonObject *row = g_ptr_array_index (reads, i);

      if (user_id != NULL && g_strcmp0 (str (row, "user_id"), user_id) == 0 && str (row, "customer_id") != NULL)
        g_hash_table_insert (read_at, (gpointer) str (row, "customer_id"), (gpointer) str (row, "last_read_at"));
    }
  for (guint i = 0; outbound != NULL && i < outbound->len; i++)
    add_to_thread (threads, g_ptr_array_index (outbound, i), FALSE, names);
  for (guint i = 0; inbound != NULL && i < inbound->len; i++)
    {
      JsonObject *row = g_ptr_array_index (inbound, i);
      const char *customer_id = str (row, "customer_id");
      JsonObject *thread;

      add_to_thread (threads, row, TRUE, names);
      thread = customer_id != NULL ? g_hash_table_lookup (threads, customer_id) : NULL;
      if (thread != NULL &&
          instant (str (row, "received_at")) > instant (g_hash_table_lookup (read_at, customer_id)))
        json_object_set_int_member (thread, "unread", json_object_get_int_member (thread, "unread") + 1);
    }

  g_hash_table_iter_init (&iter, threads);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (result, value);
  g_ptr_array_sort (result, compare_threads);
  return result;
}

int
vb_conversation_compare_at (const char *a,
                             const char *b)
{
  gint64 x = instant (a);
  gint64 y = instant (b);

  return x < y ? -1 : x > y ? 1 : 0;
}

int
vb_conversation_compare_threads (JsonObject *a,
                                 JsonObject *b)
{
  return compare_threads (&a, &b);
}

guint
vb_conversation_count_unread (GPtrArray *threads)
{
  guint n = 0;

  for (guint i = 0; threads != NULL && i < threads->len; i++)
    n += json_object_get_int_member_with_default (g_ptr_array_index (threads, i), "unread", 0);
  return n;
}

const char *
vb_conversation_channel_label (const char *channel)
{
  if (g_strcmp0 (channel, "sms") == 0)
    return _("SMS");
  if (g_strcmp0 (channel, "email") == 0)
    return _("E-mail");
  return channel != NULL ? channel : "";
}

const char *
vb_conversation_status_label (const char *status)
{
  static const struct { const char *status; const char *label; } labels[] = {
    { "queued", N_("Waiting to send") },
    { "sending", N_("Sending…") },
    { "sent", N_("Sent") },
    { "failed", N_("Not delivered") },
    { "unknown", N_("Delivery unknown") },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_strcmp0 (status, labels[i].status) == 0)
      return _(labels[i].label);
  return NULL;
}

char *
vb_conversation_dup_preview (JsonObject *thread)
{
  const char *channel = vb_conversation_channel_label (str (thread, "last_channel"));
  const char *status = str (thread, "last_status");
  g_autofree char *body = g_strdup (str (thread, "last_body") != NULL ? str (thread, "last_body") : "");

  g_strdelimit (body, "\r\n\t", ' ');
  if (json_object_get_boolean_member_with_default (thread, "last_pending", FALSE))
    /* Translators: a reply written here, not on the server yet: "SMS, waiting to sync: …" */
    return g_strdup_printf (_("%s, waiting to sync: %s"), channel, body);
  if (g_strcmp0 (str (thread, "last_direction"), "outbound") != 0)
    /* Translators: a conversation's last message, from the customer: "SMS: Xe xong chưa?" */
    return g_strdup_printf (_("%s: %s"), channel, body);
  if (g_strcmp0 (status, "queued") == 0)
    /* Translators: the last message is queued on the server, not sent yet: "SMS, waiting to send: …" */
    return g_strdup_printf (_("%s, waiting to send: %s"), channel, body);
  if (g_strcmp0 (status, "sending") == 0)
    /* Translators: "SMS, sending: …" */
    return g_strdup_printf (_("%s, sending: %s"), channel, body);
  if (g_strcmp0 (status, "sent") == 0)
    /* Translators: "SMS, sent: …" */
    return g_strdup_printf (_("%s, sent: %s"), channel, body);
  if (g_strcmp0 (status, "failed") == 0)
    /* Translators: "SMS, not delivered: …" */
    return g_strdup_printf (_("%s, not delivered: %s"), channel, body);
  if (g_strcmp0 (status, "unknown") == 0)
    /* Translators: the server does not know whether it went out: "SMS, delivery unknown: …" */
    return g_strdup_printf (_("%s, delivery unknown: %s"), channel, body);
  /* Translators: an outbound message in a state without a label: "SMS, to the customer: …" */
  return g_strdup_printf (_("%s, to the customer: %s"), channel, body);
}

const char *
vb_conversation_author_label (JsonObject *entry,
                              const char *customer_name,
                              const char *user_id)
{
  const char *kind = str (entry, "kind");

  if (g_strcmp0 (str (entry, "direction"), "inbound") == 0)
    return customer_name != NULL ? customer_name : _("Customer");
  if (user_id != NULL && g_strcmp0 (str (entry, "author_id"), user_id) == 0)
    return _("You");
  if (g_strcmp0 (kind, "status_update") == 0)
    return _("Status update");
  if (g_strcmp0 (kind, "reminder") == 0)
    return _("Reminder");
  if (g_strcmp0 (kind, "document") == 0)
    return _("Document");
  return _("Staff");
}

gboolean
vb_conversation_has_consent (JsonObject *customer,
                             const char *channel)
{
  JsonObject *consent;
  JsonObject *given;
  JsonNode *node;

  if (customer == NULL || !json_object_has_member (customer, "consent"))
    return FALSE;
  node = json_object_get_member (customer, "consent");
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  consent = json_node_get_object (node);
  node = json_object_get_member (consent, channel);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  given = json_node_get_object (node);
  node = json_object_get_member (given, "given");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node);
  return json_node_get_value_type (node) == G_TYPE_STRING && g_strcmp0 (json_node_get_string (node), "true") == 0;
}
