/* vb-payment-dialog.c — one money movement: cash (tendered → change), card
 * through the gateway (the terminal's payment-method id), e-wallet or bank
 * transfer (the server's QR payload drawn on screen, then "Confirm
 * Received" by staff).  Partial amounts and deposits are allowed.
 *
 * Never twice: the Idempotency-Key is made once per payment attempt; a
 * retry after a network error or a 5xx sends the same key (the server
 * replays or resumes, the gateway gets the same key), and Pay is ignored
 * while a request is under way or once a payment exists.  Only a final
 * refusal (4xx: a declined card, an overpayment) frees the dialog for
 * another attempt under a new key.
 *
 * Emits "payment-changed" whenever the server changed something. */
#include "vb-payment-dialog.h"
#include "vb-api-client.h"
#include "vb-client.h"
#include "vb-document-format.h"
#include "vb-error.h"
#include "vb-money-util.h"
#include "vb-qr-code.h"

#include <glib/gi18n.h>

enum { METHOD_CASH, METHOD_CARD, METHOD_E_WALLET, METHOD_BANK_TRANSFER };
static const char *const method_ids[] = { "cash", "card", "e_wallet", "bank_transfer" };

struct _VbPaymentDialog
{
  AdwWindow parent_instance;

  GtkButton    *close_button;
  GtkButton    *pay_button;
  AdwComboRow  *method_row;
  AdwEntryRow  *amount_row;
  AdwActionRow *deposit_row;
  GtkSwitch    *deposit_switch;
  AdwEntryRow  *tendered_row;
  AdwActionRow *change_row;
  GtkLabel     *change_label;
  AdwEntryRow  *card_row;
  GtkBox       *qr_box;
  GtkPicture   *qr_picture;
  GtkLabel     *reference_label;
  GtkButton    *confirm_button;
  GtkLabel     *status_label;

  VbClient     *client;
  GCancellable *cancellable;
  char         *invoice_id;
  char         *work_order_id;
  char         *currency;
  char         *key;
  char         *payment_id;
  char         *payment_status;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (VbPaymentDialog, vb_payment_dialog, ADW_TYPE_WINDOW)

enum { PAYMENT_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_status (VbPaymentDialog *self,
            const char      *text,
            const char      *style)
{
  gtk_label_set_label (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), style);
}

static void
mark_error (GtkWidget *row,
            gboolean   error)
{
  if (error)
    gtk_widget_add_css_class (row, "error");
  else
    gtk_widget_remove_css_class (row, "error");
}

static guint
method (VbPaymentDialog *self)
{
  return MIN (adw_combo_row_get_selected (self->method_row), METHOD_BANK_TRANSFER);
}

static void
update (VbPaymentDialog *self)
{
  gboolean online = self->client != NULL && vb_client_get_can_reach_server (self->client);
  gboolean open = self->payment_id == NULL;
  guint m = method (self);
  gint64 amount = 0, tendered = 0;
  gboolean amount_ok = vb_money_parse (gtk_editable_get_text (GTK_EDITABLE (self->amount_row)), self->currency,
                                       &amount) && amount > 0;
  const char *tendered_text = gtk_editable_get_text (GTK_EDITABLE (self->tendered_row));
  gboolean tendered_ok = TRUE;

  gtk_widget_set_visible (GTK_WIDGET (self->tendered_row), m == METHOD_CASH);
  gtk_widget_set_visible (GTK_WIDGET (self->card_row), m == METHOD_CARD);
  gtk_widget_set_visible (GTK_WIDGET (self->deposit_row), self->invoice_id == NULL);
  mark_error (GTK_WIDGET (self->amount_row), !amount_ok && gtk_editable_get_text (GTK_EDITABLE (self->amount_row))[0] != '\0');
  if (m == METHOD_CASH && tendered_text[0] != '\0')
    {
      tendered_ok = vb_money_parse (tendered_text, self->currency, &tendered) && (!amount_ok || tendered >= amount);
      mark_error (GTK_WIDGET (self->tendered_row), !tendered_ok);
    }
  else
    mark_error (GTK_WIDGET (self->tendered_row), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->change_row), m == METHOD_CASH && tendered_text[0] != '\0' &&
                          tendered_ok && amount_ok);
  if (m == METHOD_CASH && tendered_ok && amount_ok && tendered_text[0] != '\0')
    {
      g_autofree char *change = vb_format_money (tendered - amount, self->currency, "en");
      gtk_label_set_label (self->change_label, change);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->method_row), open && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->amount_row), open && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->deposit_row), open && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->tendered_row), open && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->card_row), open && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pay_button), online && open && !self->busy && amount_ok && tendered_ok &&
                            (m != METHOD_CARD ||
                             gtk_editable_get_text (GTK_EDITABLE (self->card_row))[0] != '\0'));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pay_button),
                               online ? NULL : _("Payments need the server: offline, no money can be taken"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->confirm_button), online && !self->busy);
  if (!online && open && !self->busy)
    set_status (self, _("Payments need the server: offline, no money can be taken."), "dim-label");
  else if (online && gtk_widget_has_css_class (GTK_WIDGET (self->status_label), "dim-label") && open)
    set_status (self, NULL, NULL);
}

static void
show_payment (VbPaymentDialog *self,
              JsonObject      *payment)
{
  const char *status = vb_money_member_string (payment, "status");
  const char *qr = vb_money_member_string (payment, "qr_payload");
  const char *reference = vb_money_member_string (payment, "reference");
  gint64 change = 0;

  g_free (self->payment_id);
  self->payment_id = g_strdup (vb_money_member_string (payment, "id"));
  g_free (self->payment_status);
  self->payment_status = g_strdup (status);
  if (g_strcmp0 (status, "succeeded") == 0)
    {
      g_autofree char *text = NULL;

      g_autofree char *received = vb_money_member_format (payment, "amount");

      if (vb_money_member_amount (payment, "change", &change, NULL) && change > 0)
        {
          g_autofree char *money = vb_format_money (change, self->currency, "en");
          /* Translators: the amount received, then the change to hand back */
          text = g_strdup_printf (_("Received %s. Change to give: %s"), received, money);
        }
      else
        /* Translators: %s is the amount received */
        text = g_strdup_printf (_("Received %s."), received);
      set_status (self, text, "success");
      gtk_widget_set_visible (GTK_WIDGET (self->qr_box), FALSE);
      gtk_button_set_label (self->close_button, _("_Done"));
    }
  else if (g_strcmp0 (status, "pending") == 0)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->qr_box), TRUE);
      if (qr != NULL)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GdkTexture) texture = vb_qr_code_texture_new (qr, 5, &error);

          gtk_picture_set_paintable (self->qr_picture, GDK_PAINTABLE (texture));
          gtk_widget_set_visible (GTK_WIDGET (self->qr_picture), texture != NULL);
        }
      else
        gtk_widget_set_visible (GTK_WIDGET (self->qr_picture), FALSE);
      {
        /* Translators: %s is the payment's reference, written on a transfer */
        g_autofree char *text = g_strdup_printf (qr != NULL ? _("Scan to pay. Reference %s")
                                                            : _("No bank account is configured for a QR code. Reference %s"),
                                                 reference != NULL ? reference : "");
        gtk_label_set_label (self->reference_label, text);
      }
      set_status (self, _("Waiting for the money; confirm when it is seen on the account."), NULL);
    }
  else if (g_strcmp0 (status, "requires_action") == 0)
    set_status (self, _("The card needs the cardholder’s confirmation (3-D Secure) on the terminal."), NULL);
  else if (g_strcmp0 (status, "authorized") == 0)
    set_status (self, _("The card is authorized, not captured yet."), NULL);
  else
    {
      const char *message = vb_money_member_string (payment, "failure_message");
      set_status (self, message != NULL ? message : _("The payment failed."), "error");
    }
}


static void
paid_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(VbPaymentDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_money_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    {
      JsonObject *object = json_node_get_object (reply);
      JsonNode *inner = json_object_get_member (object, "payment");

      show_payment (self, inner != NULL && JSON_NODE_HOLDS_OBJECT (inner) ? json_node_get_object (inner) : object);
      g_signal_emit (self, signals[PAYMENT_CHANGED], 0);
    }
  else if (error != NULL)
    {
      const char *field = vb_error_get_field (error);
      gboolean final = error->domain == VB_ERROR && error->code != VB_ERROR_UNAVAILABLE &&
                       error->code != VB_ERROR_INTERNAL && error->code != VB_ERROR_RETRY &&
                       error->code != VB_ERROR_RATE_LIMITED;
      /* Translators: %s is why the server refused or could not take a payment */
      g_autofree char *text = g_strdup_printf (final ? _("Not taken: %s")
                                                     : _("Not sure it went through (%s). Pay again retries the same payment: it is never charged twice."),
                                               error->message);

      set_status (self, text, "error");
      if (g_strcmp0 (field, "amount") == 0)
        mark_error (GTK_WIDGET (self->amount_row), TRUE);
      else if (g_strcmp0 (field, "payment_method") == 0)
        mark_error (GTK_WIDGET (self->card_row), TRUE);
      else if (g_strcmp0 (field, "tendered") == 0)
        mark_error (GTK_WIDGET (self->tendered_row), TRUE);
      if (final)
        {
          /* The server's answer is final for that key: another attempt
           * (other amount, other card) is another movement. */
          g_free (self->key);
          self->key = g_uuid_string_random ();
          g_signal_emit (self, signals[PAYMENT_CHANGED], 0);
        }
    }
  update (self);
}

static void
pay_cb (VbPaymentDialog *self)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  gint64 amount = 0, tendered = 0;
  guint m = method (self);
  const char *headers[3];

  if (self->busy || self->payment_id != NULL || !gtk_widget_get_sensitive (GTK_WIDGET (self->pay_button)))
    return;
  if (!vb_money_parse (gtk_editable_get_text (GTK_EDITABLE (self->amount_row)), self->currency, &amount) || amount <= 0)
    {
      mark_error (GTK_WIDGET (self->amount_row), TRUE);
      return;
    }
  if (self->invoice_id != NULL && !gtk_switch_get_active (self->deposit_switch))
    json_object_set_string_member (body, "invoice_id", self->invoice_id);
  else
    json_object_set_string_member (body, "work_order_id", self->work_order_id);
  json_object_set_string_member (body, "method", method_ids[m]);
  json_object_set_object_member (body, "amount", vb_money_object (amount, self->currency));
  if (m == METHOD_CASH && gtk_editable_get_text (GTK_EDITABLE (self->tendered_row))[0] != '\0' &&
      vb_money_parse (gtk_editable_get_text (GTK_EDITABLE (self->tendered_row)), self->currency, &tendered))
    json_object_set_object_member (body, "tendered", vb_money_object (tendered, self->currency));
  if (m == METHOD_CARD)
    {
      g_autofree char *pm = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->card_row))));
      json_object_set_string_member (body, "payment_method", pm);
    }
  node = json_node_init_object (json_node_alloc (), body);
  text = json_to_string (node, FALSE);
  headers[0] = "Idempotency-Key";
  headers[1] = self->key;
  headers[2] = NULL;
  self->busy = TRUE;
  set_status (self, m == METHOD_CARD ? _("Waiting for the card gateway…") : _("Sending…"), NULL);
  update (self);
  vb_api_client_request_full_async (vb_client_get_api (self->client), "POST", "/api/v1/payments", text, headers,
                                    self->cancellable, paid_cb, g_object_ref (self));
}

static void
confirm_cb (VbPaymentDialog *self)
{
  g_autofree char *path = NULL;

  if (self->busy || self->payment_id == NULL)
    return;
  path = g_strdup_printf ("/api/v1/payments/%s/confirm", self->payment_id);
  self->busy = TRUE;
  update (self);
  vb_api_client_request_full_async (vb_client_get_api (self->client), "POST", path, "{}", NULL,
                                    self->cancellable, paid_cb, g_object_ref (self));
}

VbPaymentDialog *
vb_payment_dialog_new (VbClient   *client,
                       const char *invoice_id,
                       const char *work_order_id,
                       gint64      due,
                       const char *currency)
{
  VbPaymentDialog *self = g_object_new (VB_TYPE_PAYMENT_DIALOG, NULL);
  g_autofree char *amount = NULL;

  self->client = g_object_ref (client);
  self->invoice_id = g_strdup (invoice_id);
  self->work_order_id = g_strdup (work_order_id);
  self->currency = g_strdup (currency != NULL ? currency : "VND");
  if (due > 0)
    {
      amount = vb_money_to_input (due, self->currency);
      gtk_editable_set_text (GTK_EDITABLE (self->amount_row), amount);
    }
  if (invoice_id == NULL)
    gtk_switch_set_active (self->deposit_switch, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->deposit_switch), invoice_id != NULL);
  g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return self;
}

const char *
vb_payment_dialog_get_idempotency_key (VbPaymentDialog *self)
{
  g_return_val_if_fail (VB_IS_PAYMENT_DIALOG (self), NULL);
  return self->key;
}

const char *
vb_payment_dialog_get_payment_id (VbPaymentDialog *self)
{
  g_return_val_if_fail (VB_IS_PAYMENT_DIALOG (self), NULL);
  return self->payment_id;
}

const char *
vb_payment_dialog_get_payment_status (VbPaymentDialog *self)
{
  g_return_val_if_fail (VB_IS_PAYMENT_DIALOG (self), NULL);
  return self->payment_status;
}

static void
vb_payment_dialog_dispose (GObject *object)
{
  VbPaymentDialog *self = VB_PAYMENT_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_PAYMENT_DIALOG);
  G_OBJECT_CLASS (vb_payment_dialog_parent_class)->dispose (object);
}

static void
vb_payment_dialog_finalize (GObject *object)
{
  VbPaymentDialog *self = VB_PAYMENT_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_free (self->invoice_id);
  g_free (self->work_order_id);
  g_free (self->currency);
  g_free (self->key);
  g_free (self->payment_id);
  g_free (self->payment_status);
  G_OBJECT_CLASS (vb_payment_dialog_parent_class)->finalize (object);
}

static void
vb_payment_dialog_class_init (VbPaymentDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_payment_dialog_dispose;
  object_class->finalize = vb_payment_dialog_finalize;
  signals[PAYMENT_CHANGED] = g_signal_new ("payment-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/voltbay/Reception/vb-payment-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, close_button);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, pay_button);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, method_row);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, amount_row);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, deposit_row);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, deposit_switch);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, tendered_row);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, change_row);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, change_label);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, card_row);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, qr_box);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, qr_picture);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, reference_label);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, confirm_button);
  gtk_widget_class_bind_template_child (widget_class, VbPaymentDialog, status_label);
}

static void
vb_payment_dialog_init (VbPaymentDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->key = g_uuid_string_random ();
  gtk_button_set_use_underline (self->close_button, TRUE);
  g_signal_connect_object (self->close_button, "clicked", G_CALLBACK (gtk_window_destroy), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->pay_button, "clicked", G_CALLBACK (pay_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->confirm_button, "clicked", G_CALLBACK (confirm_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->method_row, "notify::selected", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->amount_row, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tendered_row, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->card_row, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
}
