/* vb-sync-problems-dialog.c — what the server refused, why, and how to fix it.
 *
 * Nothing refused may disappear without being shown (docs/sync.md,
 * "Conflicts"): this window lists the cache's problems, one row per outbox
 * change: what was tried in the words of the form it came from (who or
 * what it was about, the values typed, when), and the server's answer
 * naming the field; a conflict shows the user's value, the value it had,
 * and the server's value now.  The words come from vb-problem-presentation.c.
 * A booking's times are shown in its location's time zone, as the Bookings
 * page shows them (not this computer's), and the location is named when
 * the desk's cache has more than one.
 *
 * Each row offers what can fix it:
 *   - Edit (a refused customer, vehicle or booking): ::edit-problem, which
 *     by default activates the parent window's "win.edit-sync-problem"
 *     action, so that the app that has the editors (reception) opens one
 *     with what was tried and the server's error on its field.  The
 *     dialog lives in common/ and knows no editor; an app without the
 *     action (technician) gets no Edit.
 *   - Try Again (a refusal that may pass now: a 409, a busy server): the
 *     same change enqueued anew, the old one dismissed.
 *   - Keep Mine / Use Server's (a conflict): the change sent again on the
 *     server's current version, or dropped (the record already shows the
 *     server's values).
 *   - Dismiss.
 * A change sent again goes through the app's VbSyncEngine when the parent
 * shell window has one on this cache (so it is pushed at once), else
 * straight into the cache's outbox (pushed on the next round).
 *
 * The rows are rebuilt from the cache on each ::outbox-changed: problems are
 * few and rare, and a GListModel of outbox entries would be a second copy of
 * the outbox for no gain.  Also when a problem's record changes: a conflict
 * is refused before the pull brings the server's value it shows.  The
 * window closes itself once the list is empty.
 */
#include "vb-sync-problems-dialog.h"
#include "vb-cache.h"
#include "vb-client.h"
#include "vb-common.h"
#include "vb-problem-presentation.h"
#include "vb-shell-window.h"
#include "vb-sync-engine.h"

#include <glib/gi18n-lib.h>

struct _VbSyncProblemsDialog
{
  AdwWindow   parent_instance;
  GtkListBox *list;

  VbCache    *cache;
  guint       n_rows;
  GHashTable *records;   /* "entity\nid" of the problems shown */
};

G_DEFINE_FINAL_TYPE (VbSyncProblemsDialog, vb_sync_problems_dialog, ADW_TYPE_WINDOW)

enum {
  EDIT_PROBLEM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The changes the apps' editors can redo (VB_SYNC_PROBLEMS_EDIT_ACTION). */
static gboolean
is_editable (const VbOutboxEntry *entry)
{
  const char *entity = entry->entity != NULL ? entry->entity : "";

  if (entry->state != VB_OUTBOX_REFUSED)
    return FALSE;
  if (g_str_equal (entity, "customers") || g_str_equal (entity, "appointments"))
    return entry->kind == VB_CHANGE_CREATE || entry->kind == VB_CHANGE_UPDATE;
  return g_str_equal (entity, "vehicles") && entry->kind == VB_CHANGE_CREATE;
}

static gint64
seq_of (GtkWidget *button)
{
  return *(gint64 *) g_object_get_data (G_OBJECT (button), "seq");
}

static void
report (VbSyncProblemsDialog *self,
        const GError         *error)
{
  g_autofree char *text = g_strdup_printf (_("Could not change the outbox: %s"), error->message);
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (self),
                                                                         _("Not Done"), text));

  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
dismiss_clicked_cb (GtkButton            *button,
                    VbSyncProblemsDialog *self)
{
  g_autoptr(GError) error = NULL;

  /* ::outbox-changed rebuilds the list (and the header bar's count). */
  if (!vb_cache_dismiss_problem (self->cache, seq_of (GTK_WIDGET (button)), &error))
    report (self, error);
}

/* The parent's VbSyncEngine on this cache, if it has one. */
static VbSyncEngine *
find_engine (VbSyncProblemsDialog *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  g_autoptr(VbClient) client = NULL;
  VbSyncEngine *engine;

  if (parent == NULL || !VB_IS_SHELL_WINDOW (parent))
    return NULL;
  g_object_get (parent, "client", &client, NULL);
  engine = client != NULL ? vb_client_get_sync_engine (client) : NULL;
  if (engine == NULL || vb_sync_engine_get_cache (engine) != self->cache)
    return NULL;
  return engine;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = text != NULL ? json_from_string (text, NULL) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

/* The same change as a new outbox entry; an update goes on the server's
 * current version (its base is what the cache has now). */
static gint64
resend (VbSyncProblemsDialog *self,
        const VbOutboxEntry  *entry,
        GError              **error)
{
  VbSyncEngine *engine = find_engine (self);
  g_autoptr(JsonObject) body = parse_object (entry->body);
  g_autoptr(JsonObject) fields = parse_object (entry->fields);

  switch (entry->kind)
    {
    case VB_CHANGE_CREATE:
    case VB_CHANGE_APPEND:
      {
        JsonObject *record = fields != NULL ? fields : body;

        if (record == NULL)
          break;
        if (engine == NULL)
          return vb_cache_enqueue (self->cache, entry->kind, entry->entity, entry->record_id,
                                   entry->method, entry->path, body != NULL ? body : record, record, error);
        return entry->kind == VB_CHANGE_CREATE
               ? vb_sync_engine_create (engine, entry->entity, entry->path, record, error)
               : vb_sync_engine_append (engine, entry->entity, entry->path, record, error);
      }
    case VB_CHANGE_UPDATE:
      {
        g_autoptr(JsonObject) server_row = NULL;

        if (fields == NULL)
          break;
        if (engine != NULL)
          return vb_sync_engine_update (engine, entry->entity, entry->record_id, entry->path, fields, error);
        server_row = vb_cache_get_server_row (self->cache, entry->entity, entry->record_id);
        if (body == NULL)
          body = json_object_ref (fields);
        json_object_set_int_member (body, "version",
                                    server_row != NULL
                                    ? json_object_get_int_member_with_default (server_row, "version", 1) : 1);
        return vb_cache_enqueue (self->cache, VB_CHANGE_UPDATE, entry->entity, entry->record_id,
                                 entry->method, entry->path, body, fields, error);
      }
    case VB_CHANGE_ACTION:
    default:
      if (engine != NULL)
        return vb_sync_engine_action (engine, entry->entity, entry->record_id, entry->method,
                                      entry->path, body, error);
      return vb_cache_enqueue (self->cache, VB_CHANGE_ACTION, entry->entity, entry->record_id,
                               entry->method, entry->path, body, fields, error);
    }
  g_set_error (error, VB_CACHE_ERROR, VB_CACHE_ERROR_NOT_FOUND,
               _("The change has nothing to send again"));
  return 0;
}

static void
retry_clicked_cb (GtkButton            *button,
                  VbSyncProblemsDialog *self)
{
  gint64 seq = seq_of (GTK_WIDGET (button));
  g_autoptr(VbOutboxEntry) entry = vb_cache_get_entry (self->cache, seq);
  g_autoptr(GError) error = NULL;

  if (entry == NULL)
    return;
  /* The new change first: should it fail, the problem stays listed. */
  if (resend (self, entry, &error) <= 0 || !vb_cache_dismiss_problem (self->cache, seq, &error))
    report (self, error);
}

static void
edit_clicked_cb (GtkButton            *button,
                 VbSyncProblemsDialog *self)
{
  gboolean handled = FALSE;

  g_signal_emit (self, signals[EDIT_PROBLEM], 0, seq_of (GTK_WIDGET (button)), &handled);
}

static gboolean
parent_offers_edit (VbSyncProblemsDialog *self)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  GtkWidgetClass *klass;
  GType owner;
  const char *name;
  const GVariantType *parameter_type;
  const char *property;

  if (parent == NULL)
    return FALSE;
  klass = GTK_WIDGET_GET_CLASS (parent);
  /* (GTK 4.8 writes every out argument: none may be NULL.) */
  for (guint i = 0; gtk_widget_class_query_action (klass, i, &owner, &name, &parameter_type, &property); i++)
    if (g_str_equal (name, VB_SYNC_PROBLEMS_EDIT_ACTION))
      return TRUE;
  return FALSE;
}

static gboolean
vb_sync_problems_dialog_real_edit_problem (VbSyncProblemsDialog *self,
                                           gint64                seq)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));

  return parent != NULL &&
         gtk_widget_activate_action (GTK_WIDGET (parent), VB_SYNC_PROBLEMS_EDIT_ACTION, "x", seq);
}

static GtkWidget *
add_button (VbSyncProblemsDialog *self,
            GtkWidget            *box,
            GtkWidget            *row,
            gint64                seq,
            const char           *label,
            const char           *tooltip,
            GCallback             callback)
{
  GtkWidget *button = gtk_button_new_with_mnemonic (label);
  gint64 *data = g_new (gint64, 1);

  *data = seq;
  g_object_set_data_full (G_OBJECT (button), "seq", data, g_free);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, row, NULL, -1);
  g_signal_connect_object (button, "clicked", callback, self, 0);
  gtk_box_append (GTK_BOX (box), button);
  return button;
}

static GtkWidget *
add_label (GtkWidget  *box,
           const char *text,
           const char *css_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_selectable (GTK_LABEL (label), FALSE);
  if (css_class != NULL)
    gtk_widget_add_css_class (label, css_class);
  gtk_box_append (GTK_BOX (box), label);
  return label;
}

/* Where a booking is: its location's time zone (the Bookings page shows
 * its times in it, not in this computer's) and, when this desk has more
 * than one location, its name. */
static void
find_place (VbSyncProblemsDialog *self,
            const VbOutboxEntry  *entry,
            JsonObject           *record,
            GTimeZone           **tz,
            char                **place)
{
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonObject) location = NULL;
  const char *location_id = NULL;
  const char *zone;

  *tz = NULL;
  *place = NULL;
  if (g_strcmp0 (entry->entity, "appointments") != 0)
    return;
  fields = parse_object (entry->fields != NULL ? entry->fields : entry->body);
  if (fields != NULL)
    location_id = json_object_get_string_member_with_default (fields, "location_id", NULL);
  if (location_id == NULL && record != NULL)
    location_id = json_object_get_string_member_with_default (record, "location_id", NULL);
  location = location_id != NULL ? vb_cache_get (self->cache, "locations", location_id) : NULL;
  if (location == NULL)
    return;
  zone = json_object_get_string_member_with_default (location, "time_zone", NULL);
  if (zone != NULL)
    *tz = g_time_zone_new_identifier (zone);
  if (vb_cache_count (self->cache, "locations") > 1)
    *place = g_strdup (json_object_get_string_member_with_default (location, "name", NULL));
}

static GtkWidget *
create_row (VbSyncProblemsDialog *self,
            const VbOutboxEntry  *entry,
            gboolean              can_edit)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(JsonObject) record = entry->entity != NULL && entry->record_id != NULL
                                 ? vb_cache_get (self->cache, entry->entity, entry->record_id) : NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autofree char *place = NULL;
  g_autofree char *title = NULL;
  g_autofree char *tried = NULL;
  g_autofree char *when = vb_problem_dup_when (entry, now);
  g_autofree char *reason = vb_problem_dup_reason (entry, NULL);
  g_autofree char *details = NULL;
  gboolean conflict = entry->state == VB_OUTBOX_CONFLICT;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label;

  find_place (self, entry, record, &tz, &place);
  title = vb_problem_dup_title (entry, record, tz, place);
  tried = vb_problem_dup_tried (entry, tz);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_widget_add_css_class (row, conflict ? "conflict" : "refused");
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);

  /* Server messages and field values are text, not markup: plain labels. */
  label = add_label (box, title, "heading");
  gtk_accessible_update_relation (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  /* A conflict lists its fields with both values below instead. */
  if (*tried != '\0' && !conflict)
    add_label (box, tried, NULL);
  add_label (box, when, "dim-label");
  add_label (box, reason, conflict ? "warning" : "error");
  if (conflict)
    {
      g_autoptr(JsonObject) server_row = entry->entity != NULL && entry->record_id != NULL
                                         ? vb_cache_get_server_row (self->cache, entry->entity, entry->record_id)
                                         : NULL;

      details = vb_problem_dup_conflict (entry, server_row);
      if (*details != '\0')
        add_label (box, details, NULL);
    }

  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_set_margin_top (buttons, 6);
  gtk_box_append (GTK_BOX (box), buttons);
  if (conflict)
    {
      if (vb_problem_can_retry (entry))
        add_button (self, buttons, row, entry->seq, _("_Keep Mine"),
                    _("Send your values again over the server’s current version"),
                    G_CALLBACK (retry_clicked_cb));
      add_button (self, buttons, row, entry->seq, _("_Use Server’s"),
                  _("Drop your change; the record keeps the server’s values"),
                  G_CALLBACK (dismiss_clicked_cb));
    }
  else
    {
      if (can_edit && is_editable (entry))
        gtk_widget_add_css_class (add_button (self, buttons, row, entry->seq, _("_Edit…"),
                                              _("Open it in its form, with the server’s objection on its field"),
                                              G_CALLBACK (edit_clicked_cb)),
                                  "suggested-action");
      if (vb_problem_can_retry (entry))
        add_button (self, buttons, row, entry->seq, _("_Try Again"),
                    _("Send the same change again"), G_CALLBACK (retry_clicked_cb));
      add_button (self, buttons, row, entry->seq, _("_Dismiss"),
                  _("Remove from this list; the change stays undone"), G_CALLBACK (dismiss_clicked_cb));
    }
  g_object_set_data_full (G_OBJECT (row), "seq", g_memdup2 (&entry->seq, sizeof entry->seq), g_free);
  return row;
}

static void
rebuild (VbSyncProblemsDialog *self)
{
  g_autoptr(GPtrArray) problems = vb_cache_list_problems (self->cache);
  gboolean can_edit = g_signal_has_handler_pending (self, signals[EDIT_PROBLEM], 0, TRUE) ||
                      parent_offers_edit (self);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_hash_table_remove_all (self->records);
  self->n_rows = problems != NULL ? problems->len : 0;
  for (guint i = 0; i < self->n_rows; i++)
    {
      VbOutboxEntry *entry = problems->pdata[i];

      gtk_list_box_append (self->list, create_row (self, entry, can_edit));
      g_hash_table_add (self->records, g_strconcat (entry->entity, "\n", entry->record_id, NULL));
    }
  /* Not while being built: the caller presents it. */
  if (self->n_rows == 0 && gtk_widget_get_visible (GTK_WIDGET (self)))
    gtk_window_close (GTK_WINDOW (self));
}

static void
records_changed_cb (VbCache              *cache,
                    const char           *entity,
                    const char * const   *ids,
                    VbSyncProblemsDialog *self)
{
  for (guint i = 0; ids != NULL && ids[i] != NULL; i++)
    {
      g_autofree char *key = g_strconcat (entity, "\n", ids[i], NULL);

      if (g_hash_table_contains (self->records, key))
        {
          rebuild (self);
          return;
        }
    }
}

static void
vb_sync_problems_dialog_dispose (GObject *object)
{
  VbSyncProblemsDialog *self = VB_SYNC_PROBLEMS_DIALOG (object);

  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->records, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_SYNC_PROBLEMS_DIALOG);
  G_OBJECT_CLASS (vb_sync_problems_dialog_parent_class)->dispose (object);
}

static void
vb_sync_problems_dialog_class_init (VbSyncProblemsDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_sync_problems_dialog_dispose;

  /* ::edit-problem (gint64 seq) → handled; see the header. */
  signals[EDIT_PROBLEM] =
    g_signal_new_class_handler ("edit-problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                G_CALLBACK (vb_sync_problems_dialog_real_edit_problem),
                                g_signal_accumulator_true_handled, NULL, NULL,
                                G_TYPE_BOOLEAN, 1, G_TYPE_INT64);

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
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
  g_signal_connect_object (cache, "records-changed", G_CALLBACK (records_changed_cb), self, 0);
  rebuild (self);
  return GTK_WIDGET (self);
}

guint
vb_sync_problems_dialog_get_n_rows (VbSyncProblemsDialog *self)
{
  g_return_val_if_fail (VB_IS_SYNC_PROBLEMS_DIALOG (self), 0);
  return self->n_rows;
}

GtkWidget *
vb_sync_problems_dialog_get_row (VbSyncProblemsDialog *self,
                                 gint64                seq)
{
  g_return_val_if_fail (VB_IS_SYNC_PROBLEMS_DIALOG (self), NULL);
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      gint64 *seq_data = g_object_get_data (G_OBJECT (child), "seq");

      if (seq_data != NULL && *seq_data == seq)
        return child;
    }
  return NULL;
}
