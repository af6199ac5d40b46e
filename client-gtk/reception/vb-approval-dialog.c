/* vb-approval-dialog.c — per line approved or declined (a switch each, all
 * approved to start with), the channel with its evidence (phone: the number
 * called; e-mail: the reply's text; in person: the customer signs on a
 * VbSignaturePad, uploaded first as an attachment of purpose "signature"
 * at the work order's location — directly, not through the outbox: an
 * approval is online only anyway), then POST …/decisions.  A refused
 * field is marked and what was typed (and signed) stays.
 * Emits "recorded" with the updated version once the server accepted. */
#include "vb-approval-dialog.h"
#include "vb-api-client.h"
#include "vb-client.h"
#include "vb-error.h"
#include "vb-money-util.h"
#include "vb-signature-pad.h"

#include <glib/gi18n.h>

struct _VbApprovalDialog
{
  AdwWindow parent_instance;

  GtkButton   *cancel_button;
  GtkButton   *record_button;
  GtkListBox  *lines_list;
  AdwComboRow *channel_row;
  AdwEntryRow *phone_row;
  AdwEntryRow *email_row;
  AdwEntryRow *notes_row;
  AdwActionRow *signature_row;
  GtkButton   *clear_button;
  GtkFrame    *signature_frame;
  GtkLabel    *status_label;
  GtkWidget   *pad;

  VbClient     *client;
  GCancellable *cancellable;
  char         *version_id;
  char         *location_id;
  GPtrArray    *line_ids;   /* of the switches, in order */
  GPtrArray    *switches;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (VbApprovalDialog, vb_approval_dialog, ADW_TYPE_WINDOW)

enum { RECORDED, N_SIGNALS };
static guint signals[N_SIGNALS];

static gboolean
by_email (VbApprovalDialog *self)
{
  return adw_combo_row_get_selected (self->channel_row) == 1;
}

static gboolean
in_person (VbApprovalDialog *self)
{
  return adw_combo_row_get_selected (self->channel_row) == 2;
}

static void
update (VbApprovalDialog *self)
{
  gboolean online = self->client != NULL && vb_client_get_can_reach_server (self->client);
  const char *evidence = gtk_editable_get_text (GTK_EDITABLE (by_email (self) ? self->email_row : self->phone_row));
  g_autofree char *trimmed = g_strstrip (g_strdup (evidence));

  gboolean evidence_ok = in_person (self) ? !vb_signature_pad_is_empty (VB_SIGNATURE_PAD (self->pad))
                                            : trimmed[0] != '\0';

  gtk_widget_set_visible (GTK_WIDGET (self->phone_row), !by_email (self) && !in_person (self));
  gtk_widget_set_visible (GTK_WIDGET (self->email_row), by_email (self));
  gtk_widget_set_visible (GTK_WIDGET (self->signature_row), in_person (self));
  gtk_widget_set_visible (GTK_WIDGET (self->signature_frame), in_person (self));
  gtk_widget_set_sensitive (GTK_WIDGET (self->record_button),
                            online && !self->busy && self->switches->len > 0 && evidence_ok &&
                            (!in_person (self) || self->location_id != NULL));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->record_button),
                               online ? NULL : _("Approvals need the server: offline, they cannot be recorded"));
}

static void
show_error (VbApprovalDialog *self,
            const char       *text)
{
  gtk_label_set_label (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), TRUE);
}

static void
recorded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(VbApprovalDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  if (reply == NULL)
    {
      const char *field = vb_error_get_field (error);
      /* Translators: %s is why the server refused the decisions */
      g_autofree char *text = g_strdup_printf (_("Not recorded: %s"), error->message);

      show_error (self, text);
      if (g_strcmp0 (field, "phone_number") == 0)
        gtk_widget_add_css_class (GTK_WIDGET (self->phone_row), "error");
      else if (g_strcmp0 (field, "email_reply") == 0)
        gtk_widget_add_css_class (GTK_WIDGET (self->email_row), "error");
      update (self);
      return;
    }
  g_signal_emit (self, signals[RECORDED], 0,
                 JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
send_decisions (VbApprovalDialog *self,
                const char       *signature_id)
{
  g_autoptr(JsonObject) body = json_object_new ();
  JsonArray *decisions = json_array_new ();
  g_autofree char *path = NULL;
  g_autofree char *evidence = NULL;
  g_autofree char *notes = NULL;

  evidence = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (by_email (self) ? self->email_row
                                                                                          : self->phone_row))));
  notes = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->notes_row))));
  if (signature_id != NULL)
    {
      json_object_set_string_member (body, "channel", "in_person");
      json_object_set_string_member (body, "signature_attachment_id", signature_id);
    }
  else
    {
      json_object_set_string_member (body, "channel", by_email (self) ? "email" : "phone");
      json_object_set_string_member (body, by_email (self) ? "email_reply" : "phone_number", evidence);
    }
  json_object_set_string_member (body, "notes", notes);
  for (guint i = 0; i < self->switches->len; i++)
    {
      JsonObject *decision = json_object_new ();

      json_object_set_string_member (decision, "quote_line_id", g_ptr_array_index (self->line_ids, i));
      json_object_set_string_member (decision, "decision",
                                     gtk_switch_get_active (g_ptr_array_index (self->switches, i)) ? "approved"
                                                                                                    : "declined");
      json_array_add_object_element (decisions, decision);
    }
  json_object_set_array_member (body, "decisions", decisions);
  gtk_widget_remove_css_class (GTK_WIDGET (self->phone_row), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->email_row), "error");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  path = g_strdup_printf ("/api/v1/quote-versions/%s/decisions", self->version_id);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable,
                               recorded_cb, g_object_ref (self));
}

static void
signature_uploaded_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(VbApprovalDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_money_request_finish (VB_API_CLIENT (source), result, &error);
  const char *id = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply)
                     ? vb_money_member_string (json_node_get_object (reply), "id") : NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (id == NULL)
    {
      /* Translators: %s is why the signature could not be stored */
      g_autofree char *text = g_strdup_printf (_("The signature was not stored: %s"),
                                               error != NULL ? error->message : _("no attachment in the reply"));
      self->busy = FALSE;
      show_error (self, text);
      update (self);
      return;
    }
  send_decisions (self, id);
}

static void
record_cb (VbApprovalDialog *self)
{
  if (self->busy || !gtk_widget_get_sensitive (GTK_WIDGET (self->record_button)))
    return;
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), FALSE);
  self->busy = TRUE;
  update (self);
  if (in_person (self))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) png = vb_signature_pad_dup_png (VB_SIGNATURE_PAD (self->pad), &error);
      g_autofree char *id = g_uuid_string_random ();
      g_autofree char *path = NULL;

      if (png == NULL)
        {
          self->busy = FALSE;
          show_error (self, error->message);
          update (self);
          return;
        }
      path = g_strdup_printf ("/api/v1/attachments?location_id=%s&purpose=signature&file_name=signature.png&id=%s",
                              self->location_id, id);
      vb_api_client_request_full_bytes_async (vb_client_get_api (self->client), "POST", path, "image/png", png, NULL,
                                              self->cancellable, signature_uploaded_cb, g_object_ref (self));
      return;
    }
  send_decisions (self, NULL);
}

static void
clear_cb (VbApprovalDialog *self)
{
  vb_signature_pad_clear (VB_SIGNATURE_PAD (self->pad));
  update (self);
}

VbApprovalDialog *
vb_approval_dialog_new (VbClient   *client,
                        JsonObject *version,
                        const char *phone,
                        const char *location_id)
{
  VbApprovalDialog *self = g_object_new (VB_TYPE_APPROVAL_DIALOG, NULL);
  JsonArray *lines = json_object_has_member (version, "lines") ? json_object_get_array_member (version, "lines")
                                                                : NULL;

  self->client = g_object_ref (client);
  self->version_id = g_strdup (vb_money_member_string (version, "id"));
  self->location_id = g_strdup (location_id);
  if (phone != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->phone_row), phone);
  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      GtkWidget *row, *toggle;
      g_autofree char *gross = NULL;

      if (json_object_has_member (line, "decision") && !json_object_get_null_member (line, "decision"))
        continue;
      gross = vb_money_member_format (line, "gross");
      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), vb_money_member_string (line, "description"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), gross);
      toggle = gtk_switch_new ();
      gtk_switch_set_active (GTK_SWITCH (toggle), TRUE);
      gtk_widget_set_valign (toggle, GTK_ALIGN_CENTER);
      gtk_widget_set_tooltip_text (toggle, _("On: approved. Off: declined"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (toggle), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Approved"), -1);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), toggle);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), toggle);
      gtk_list_box_append (self->lines_list, row);
      g_ptr_array_add (self->line_ids, g_strdup (vb_money_member_string (line, "id")));
      g_ptr_array_add (self->switches, toggle);
    }
  g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return self;
}

static void
vb_approval_dialog_dispose (GObject *object)
{
  VbApprovalDialog *self = VB_APPROVAL_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_APPROVAL_DIALOG);
  G_OBJECT_CLASS (vb_approval_dialog_parent_class)->dispose (object);
}

static void
vb_approval_dialog_finalize (GObject *object)
{
  VbApprovalDialog *self = VB_APPROVAL_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->version_id);
  g_free (self->location_id);
  g_ptr_array_unref (self->line_ids);
  g_ptr_array_unref (self->switches);
  G_OBJECT_CLASS (vb_approval_dialog_parent_class)->finalize (object);
}

static void
vb_approval_dialog_class_init (VbApprovalDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_approval_dialog_dispose;
  object_class->finalize = vb_approval_dialog_finalize;
  signals[RECORDED] = g_signal_new ("recorded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                    G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/voltbay/Reception/vb-approval-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, record_button);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, lines_list);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, channel_row);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, phone_row);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, email_row);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, notes_row);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, signature_row);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, clear_button);
  gtk_widget_class_bind_template_child (widget_class, VbApprovalDialog, signature_frame);
}

static void
vb_approval_dialog_init (VbApprovalDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->line_ids = g_ptr_array_new_with_free_func (g_free);
  self->switches = g_ptr_array_new ();
  g_signal_connect_object (self->cancel_button, "clicked", G_CALLBACK (gtk_window_destroy), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->record_button, "clicked", G_CALLBACK (record_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->channel_row, "notify::selected", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->phone_row, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->email_row, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->clear_button, "clicked", G_CALLBACK (clear_cb), self, G_CONNECT_SWAPPED);
  self->pad = vb_signature_pad_new ();
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->pad), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("The customer’s signature"), -1);
  gtk_frame_set_child (self->signature_frame, self->pad);
  g_signal_connect_object (self->pad, "notify::empty", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
}
