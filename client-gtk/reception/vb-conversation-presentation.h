/* vb-conversation-presentation.h — the Conversations page's rules as pure
 * functions: threads and unread counts from the cache's message rows,
 * labels for channels and delivery states.  Unit-tested without a display. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One summary per customer with at least one message, last activity
 * first: {"id" (the customer), "customer_id", "display_name",
 * "last_at", "last_direction", "last_channel", "last_body", "last_status"
 * (an outbound message's delivery state, "received" for inbound),
 * "last_pending" (the last message is a reply not back from the server
 * yet), "unread"}.
 * inbound, outbound and reads are the cache's rows of inbound_messages,
 * outbound_messages and conversation_reads (JsonObject*); unread counts
 * the customer's inbound messages received after user_id's read mark.
 * names maps customer id → display name (may lack some). */
GPtrArray  *vb_conversation_build_threads    (GPtrArray   *inbound,
                                              GPtrArray   *outbound,
                                              GPtrArray   *reads,
                                              const char  *user_id,
                                              GHashTable  *names);
/* The thread of one customer, oldest first, as conversation entries:
 * {"id", "direction", "channel", "address", "subject", "body", "kind",
 * "status", "author_id", "at", "pending"}; "pending" is TRUE for an
 * outbound row that is only local (written here, not yet back from the
 * server: it has no "version"). */
GPtrArray  *vb_conversation_build_entries    (GPtrArray   *inbound,
                                              GPtrArray   *outbound,
                                              const char  *customer_id);
/* Orders two ISO 8601 instants (NULL or unparsable first): <0, 0, >0. */
int         vb_conversation_compare_at       (const char  *a,
                                              const char  *b);
/* The threads' order: last activity first, then by customer id. */
int         vb_conversation_compare_threads  (JsonObject  *a,
                                              JsonObject  *b);
/* The sum of the threads' unread counts. */
guint       vb_conversation_count_unread     (GPtrArray   *threads);
/* "SMS", "E-mail". */
const char *vb_conversation_channel_label    (const char  *channel);
/* An outbound message's delivery state, as the server's
 * outbound_messages.status says it (server/sql/0011-messages.sql):
 * "queued" → "Waiting to send" (not sent yet: the worker has not reached
 * it, or SMS/e-mail is not configured), "sending" → "Sending…", "sent" →
 * "Sent", "failed" → "Not delivered", "unknown" → "Delivery unknown";
 * NULL for inbound ones. */
const char *vb_conversation_status_label     (const char  *status);
/* A thread's one-line preview of its last message, with the channel and,
 * for an outbound message, its real state: "SMS: Xe xong chưa?" (from the
 * customer), "SMS, waiting to send: …", "E-mail, sent: …", "SMS, not
 * delivered: …", "SMS, waiting to sync: …" (a reply not on the server yet);
 * line breaks become spaces. */
char       *vb_conversation_dup_preview      (JsonObject  *thread);
/* Who wrote an entry: the customer's name for inbound, "You" for the
 * user's own, else by kind ("Status update", "Reminder", "Staff"). */
const char *vb_conversation_author_label     (JsonObject  *entry,
                                              const char  *customer_name,
                                              const char  *user_id);
/* Whether the customer consented to the channel (consent.<channel>.given). */
gboolean    vb_conversation_has_consent      (JsonObject  *customer,
                                              const char  *channel);

G_END_DECLS
