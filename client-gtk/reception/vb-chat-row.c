/* vb-chat-row.c — a chat message as a list row: author and time on one
 * line, the text below (selectable, so a part number can be copied).  The
 * page makes the texts (names, local times); the row only lays them out,
 * marks the desk's own messages with the "vb-chat-mine" class and dims one
 * not back from the server yet ("vb-chat-pending"). */
#include "vb-chat-row.h"

struct _VbChatRow
{
  GtkListBoxRow parent_instance;

  /* template */
  GtkLabel *author_label;
  GtkLabel *time_label;
  GtkLabel *body_label;
};

G_DEFINE_FINAL_TYPE (VbChatRow, vb_chat_row, GTK_TYPE_LIST_BOX_ROW)

static void
vb_chat_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), VB_TYPE_CHAT_ROW);
  G_OBJECT_CLASS (vb_chat_row_parent_class)->dispose (object);
}

static void
vb_chat_row_class_init (VbChatRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_chat_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/voltbay/Reception/vb-chat-row.ui");
  gtk_widget_class_bind_template_child (widget_class, VbChatRow, author_label);
  gtk_widget_class_bind_template_child (widget_class, VbChatRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, VbChatRow, body_label);
}

static void
vb_chat_row_init (VbChatRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
vb_chat_row_new (const char *author,
                 const char *time,
                 const char *body,
                 gboolean    mine)
{
  VbChatRow *self = g_object_new (VB_TYPE_CHAT_ROW, NULL);

  gtk_label_set_label (self->author_label, author);
  gtk_label_set_label (self->time_label, time != NULL ? time : "");
  gtk_label_set_label (self->body_label, body != NULL ? body : "");
  if (mine)
    gtk_widget_add_css_class (GTK_WIDGET (self), "vb-chat-mine");
  return GTK_WIDGET (self);
}

void
vb_chat_row_set_pending (VbChatRow *self,
                         gboolean   pending)
{
  g_return_if_fail (VB_IS_CHAT_ROW (self));

  if (pending)
    {
      gtk_widget_add_css_class (GTK_WIDGET (self), "vb-chat-pending");
      gtk_widget_add_css_class (GTK_WIDGET (self->body_label), "dim-label");
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self), "vb-chat-pending");
      gtk_widget_remove_css_class (GTK_WIDGET (self->body_label), "dim-label");
    }
}

gboolean
vb_chat_row_get_pending (VbChatRow *self)
{
  g_return_val_if_fail (VB_IS_CHAT_ROW (self), FALSE);
  return gtk_widget_has_css_class (GTK_WIDGET (self), "vb-chat-pending");
}

const char *
vb_chat_row_get_time (VbChatRow *self)
{
  g_return_val_if_fail (VB_IS_CHAT_ROW (self), NULL);
  return gtk_label_get_label (self->time_label);
}

const char *
vb_chat_row_get_author (VbChatRow *self)
{
  g_return_val_if_fail (VB_IS_CHAT_ROW (self), NULL);
  return gtk_label_get_label (self->author_label);
}

const char *
vb_chat_row_get_body (VbChatRow *self)
{
  g_return_val_if_fail (VB_IS_CHAT_ROW (self), NULL);
  return gtk_label_get_label (self->body_label);
}
