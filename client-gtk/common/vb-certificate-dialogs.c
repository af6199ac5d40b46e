/* vb-certificate-dialogs.c — the two certificate questions, as message dialogs.
 *
 * Plain functions returning configured AdwMessageDialogs rather than
 * subclasses: they have no state beyond what the dialog holds.  The
 * fingerprints go in a monospace, selectable extra child, split in two lines,
 * so they can be compared with the server's log and copied.
 */
#include "vb-certificate-dialogs.h"
#include "vb-client-error.h"
#include "vb-presentation.h"

#include <glib/gi18n-lib.h>

static GtkWidget *
fingerprint_label (const char *fingerprint)
{
  g_autofree char *text = vb_fingerprint_dup_for_display (fingerprint ? fingerprint : "");
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_selectable (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "fingerprint");
  return label;
}

static GtkWidget *
titled_fingerprint (const char *title,
                    const char *fingerprint)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  GtkWidget *heading = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (heading), 0);
  gtk_widget_add_css_class (heading, "heading");
  gtk_box_append (GTK_BOX (box), heading);
  gtk_box_append (GTK_BOX (box), fingerprint_label (fingerprint));
  return box;
}

AdwMessageDialog *
vb_trust_dialog_new (GtkWindow    *parent,
                     const GError *untrusted)
{
  AdwMessageDialog *dialog;

  g_return_val_if_fail (untrusted != NULL, NULL);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Trust This Server?"), NULL));
  adw_message_dialog_format_body (dialog,
                                  _("This is the first connection to %s. Check that the "
                                    "certificate fingerprint below matches the one in the "
                                    "server’s log or the one your administrator gave you. "
                                    "Voltbay will then accept only this certificate from "
                                    "this server."),
                                  vb_client_error_get_server (untrusted));
  adw_message_dialog_set_extra_child (dialog,
                                      titled_fingerprint (_("SHA-256 Fingerprint"),
                                                          vb_client_error_get_fingerprint (untrusted)));
  adw_message_dialog_add_responses (dialog,
                                    VB_TRUST_RESPONSE_CANCEL, _("_Cancel"),
                                    VB_TRUST_RESPONSE_TRUST, _("_Trust Server"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, VB_TRUST_RESPONSE_TRUST,
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, VB_TRUST_RESPONSE_CANCEL);
  adw_message_dialog_set_close_response (dialog, VB_TRUST_RESPONSE_CANCEL);
  return dialog;
}

AdwMessageDialog *
vb_certificate_changed_dialog_new (GtkWindow    *parent,
                                   const GError *changed,
                                   const char   *pin_file)
{
  AdwMessageDialog *dialog;
  GtkWidget *box;

  g_return_val_if_fail (changed != NULL, NULL);

  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Server Identity Changed"), NULL));
  adw_message_dialog_format_body (dialog,
                                  _("%s presented a different certificate from the one you "
                                    "trusted, so Voltbay refused to connect and sent it "
                                    "nothing. Someone may be intercepting the connection.\n\n"
                                    "If your administrator confirms that the server’s "
                                    "certificate was replaced, remove its entry from %s "
                                    "and sign in again."),
                                  vb_client_error_get_server (changed),
                                  pin_file != NULL ? pin_file : _("the list of known servers"));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_box_append (GTK_BOX (box),
                  titled_fingerprint (_("Trusted Fingerprint"),
                                      vb_client_error_get_pinned_fingerprint (changed)));
  gtk_box_append (GTK_BOX (box),
                  titled_fingerprint (_("Presented Fingerprint"),
                                      vb_client_error_get_fingerprint (changed)));
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_response (dialog, "close", _("_Close"));
  adw_message_dialog_set_default_response (dialog, "close");
  adw_message_dialog_set_close_response (dialog, "close");
  return dialog;
}
