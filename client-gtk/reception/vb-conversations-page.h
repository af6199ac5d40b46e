/* vb-conversations-page.h — the desk's customer conversations. */
#pragma once

#include <adwaita.h>

#include "vb-client.h"

G_BEGIN_DECLS

#define VB_TYPE_CONVERSATIONS_PAGE (vb_conversations_page_get_type ())
G_DECLARE_FINAL_TYPE (VbConversationsPage, vb_conversations_page, VB, CONVERSATIONS_PAGE, AdwBin)

void        vb_conversations_page_set_client        (VbConversationsPage *self,
                                                     VbClient            *client);
/* Shows the customer's thread (NULL: none). */
void        vb_conversations_page_open_thread       (VbConversationsPage *self,
                                                     const char          *customer_id);
const char *vb_conversations_page_get_customer_id   (VbConversationsPage *self);
/* Unread messages in all threads (property "unread"). */
guint       vb_conversations_page_get_unread        (VbConversationsPage *self);
/* A thread's unread count, or -1 when the customer has no thread. */
int         vb_conversations_page_get_thread_unread (VbConversationsPage *self,
                                                     const char          *customer_id);
/* The open thread's entries (VbRecord "conversation_entries"), oldest first. */
GListModel *vb_conversations_page_get_entries       (VbConversationsPage *self);
/* Inbound messages from unknown senders (VbRecord "inbound_messages"). */
GListModel *vb_conversations_page_get_unmatched     (VbConversationsPage *self);

G_END_DECLS
