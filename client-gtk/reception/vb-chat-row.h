/* vb-chat-row.h — one message of a work order's internal chat. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VB_TYPE_CHAT_ROW (vb_chat_row_get_type ())
G_DECLARE_FINAL_TYPE (VbChatRow, vb_chat_row, VB, CHAT_ROW, GtkListBoxRow)

/* author: who wrote it (a name, or a stand-in); time: as shown; mine: the
 * signed-in user wrote it (set apart by style). */
GtkWidget  *vb_chat_row_new        (const char *author,
                                    const char *time,
                                    const char *body,
                                    gboolean    mine);
/* A message written here and not back from the server yet (the time text
 * says "Sending…" or "Waiting to sync"): its text is dimmed. */
void        vb_chat_row_set_pending (VbChatRow *self,
                                     gboolean   pending);
gboolean    vb_chat_row_get_pending (VbChatRow *self);
const char *vb_chat_row_get_time   (VbChatRow  *self);
const char *vb_chat_row_get_author (VbChatRow  *self);
const char *vb_chat_row_get_body   (VbChatRow  *self);

G_END_DECLS
