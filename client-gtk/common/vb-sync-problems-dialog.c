/* vb-sync-problems-dialog.c — what the server refused, and why.
 *
 * Nothing refused may disappear without being shown (docs/sync.md,
 * "Conflicts"): this window lists the cache's problems, one row per outbox
 * change, with what was tried (method, path, the fields) and the server's
 * answer (its message and field, or the fields changed meanwhile for a
 * conflict), each with Dismiss.  The words come from vb-presentation.c.
 *
 * The rows are rebuilt from the cache on each ::outbox-changed: problems are
 * few and rare, and a GListModel of outbox entries would be a second copy of
 * the outbox for no gain.  The window closes itself once the list is empty.
 */
#include "vb-sync-problems-dialog.h"
#include "vb-cache.h"
#include "vb-common.h"
#include "vb-presentation.h"

#include <glib/gi18n-lib.h>

struct _VbSyncProblemsDialog
{
  AdwWindow   parent_instance;
  GtkListBox *list;

  VbCache    *cache;
  guint       n_rows;
};

G_DEFINE_FINAL_TYPE (VbSyncProblemsDialog, vb_sync_problems_dialog, ADW_TYPE_WINDOW)

static void
dismiss_clicked_cb (GtkButton            *button,
                    VbSyncProblemsDialog *self)
{
  gint64 seq = *(gint64 *) g_object_get_data (G_OBJECT (button), "seq");
  g_autoptr(GError) error = NULL;

  /* ::outbox-changed rebuilds the list (and the header bar's count). */
  if (!vb_cache_dismiss_problem (self->cache, seq, &error))
    g_warning ("Could not dismiss change %" G_GINT64_FORMAT ": %s", seq, error->message);
}

static GtkWidget *
create_row (VbSyncProblemsDialog *self,
            const VbOutboxEntry  *entry)
{
  g_autofree char *attempt = vb_outbox_entry_dup_attempt (entry);
  g_autofree char *fields = vb_outbox_entry_dup_fields (entry);
  g_autofree char *reason = vb_outbox_entry_dup_reason (entry);
  g_autofree char *subtitle = NULL;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_with_mnemonic (_("_Dismiss"));
  gint64 *seq = g_new (gint64, 1);

  subtitle = *fields != '\0' ? g_strdup_printf ("%s\n%s", reason, fields) : g_strdup (reason);
  /* Server messages and field values are text, not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), attempt);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  gtk_widget_add_css_class (row, entry->state == VB_OUTBOX_CONFLICT ? "conflict" : "refused");

  *seq = entry->seq;
  g_object_set_data_full (G_OBJECT (button), "seq", seq, g_free);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Remove from this list; the change stays undone"));
  gtk_accessible_update_relation (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, row, NULL, -1);
  g_signal_connect_object (button, "clicked", G_CALLBACK (dismiss_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

static void
rebuild (VbSyncProblemsDialog *self)
{
  g_autoptr(GPtrArray) problems = vb_cache_list_problems (self->cache);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  self->n_rows = problems != NULL ? problems->len : 0;
  for (guint i = 0; i < self->n_rows; i++)
    gtk_list_box_append (self->list, create_row (self, problems->pdata[i]));
  /* Not while being built: the caller presents it. */
  if (self->n_rows == 0 && gtk_widget_get_visible (GTK_WIDGET (self)))
    gtk_window_close (GTK_WINDOW (self));
}

static void
vb_sync_problems_dialog_dispose (GObject *object)
{
  VbSyncProblemsDialog *self = VB_SYNC_PROBLEMS_DIALOG (object);

  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_object (&self->cache);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_SYNC_PROBLEMS_DIALOG);
  G_OBJECT_CLASS (vb_sync_problems_dialog_parent_class)->dispose (object);
}

static void
vb_sync_problems_dialog_class_init (VbSyncProblemsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_sync_problems_dialog_dispose;

  vb_common_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Common/vb-sync-problems-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, VbSyncProblemsDialog, list);
  /* AdwWindow has no Escape binding of its own (AdwMessageDialog does). */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
vb_sync_problems_dialog_init (VbSyncProblemsDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
vb_sync_problems_dialog_new (GtkWindow *parent,
                             VbCache   *cache)
{
  VbSyncProblemsDialog *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (VB_IS_CACHE (cache), NULL);

  self = g_object_new (VB_TYPE_SYNC_PROBLEMS_DIALOG,
                       "transient-for", parent,
                       "destroy-with-parent", TRUE,
                       NULL);
  self->cache = g_object_ref (cache);
  g_signal_connect_object (cache, "outbox-changed", G_CALLBACK (rebuild), self, G_CONNECT_SWAPPED);
  rebuild (self);
  return GTK_WIDGET (self);
}

guint
vb_sync_problems_dialog_get_n_rows (VbSyncProblemsDialog *self)
{
  g_return_val_if_fail (VB_IS_SYNC_PROBLEMS_DIALOG (self), 0);
  return self->n_rows;
}
