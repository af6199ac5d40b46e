/* vb-money-section.c — the money of one work order on the desk's work
 * order page: the quote's shown version (lines, per-line decision,
 * totals), the invoice (lines, totals, paid, due) with the payments, and
 * the actions on them: a new version in the quote editor, send, record
 * the customer's approval, issue the invoice (after its preview), take a
 * payment, refund one, preview/print and e-mail the quote's or invoice's
 * PDF.
 *
 * A widget of its own, not part of VbWorkOrderPage, because none of it
 * comes from the offline cache: quotes, invoices and payments are the
 * server's (numbering and money are never offline, docs/sync.md).  They
 * are read from the API while the server can be reached, re-read when the
 * change feed says billing or payments changed, and what was read last
 * stays on screen offline, with every money action insensitive and the
 * reason shown.  The page only hands over the client and the work order;
 * the section follows the client's cache and reachability itself.  The
 * cache is read for the work order's own row (a collected or cancelled
 * one takes no new quote or payment) and, for print, its customer, car
 * and location.
 */
#include "vb-money-section.h"
#include "vb-api-client.h"
#include "vb-approval-dialog.h"
#include "vb-cache.h"
#include "vb-client.h"
#include "vb-desk-presentation.h"
#include "vb-document-format.h"
#include "vb-document.h"
#include "vb-error.h"
#include "vb-money-util.h"
#include "vb-payment-dialog.h"
#include "vb-print-settings.h"
#include "vb-quote-editor.h"
#include "vb-record.h"
#include "vb-work-order-presentation.h"

#include <glib/gi18n.h>
#include <string.h>

struct _VbMoneySection
{
  AdwBin parent_instance;

  /* template */
  GtkLabel            *money_status_label;
  AdwPreferencesGroup *quote_group;
  GtkListBox          *quote_list;
  GtkLabel            *quote_totals_label;
  GtkButton           *quote_print_button;
  GtkButton           *quote_email_button;
  GtkButton           *new_version_button;
  GtkButton           *quote_send_button;
  GtkButton           *approval_button;
  AdwPreferencesGroup *invoice_group;
  GtkListBox          *invoice_list;
  GtkLabel            *invoice_totals_label;
  GtkListBox          *payments_list;
  GtkButton           *invoice_print_button;
  GtkButton           *invoice_email_button;
  GtkButton           *issue_button;
  GtkButton           *pay_button;

  VbClient     *client;
  VbCache      *cache;
  GCancellable *cancellable;       /* reads and actions for this work order */
  char         *work_order_id;
  JsonObject   *quote;             /* GET …/quote, last read */
  JsonObject   *invoice;           /* the live (else newest) invoice, last read */
  JsonArray    *payments;          /* the work order's payments, last read */
  gboolean      money_loaded;
  gboolean      loading_money;
  gboolean      money_again;
  gboolean      busy_money;
  gboolean      keep_money_error;
  gboolean      emailing;          /* a POST …/email in flight */
};

G_DEFINE_FINAL_TYPE (VbMoneySection, vb_money_section, ADW_TYPE_BIN)

/* What the change feed names when the server's money changed. */
static const char *const money_entities[] = { "quotes", "quote_versions", "quote_lines", "quote_line_decisions",
                                              "invoices", "invoice_lines", "payments", "payment_refunds",
                                              "payment_ledger", NULL };

static gboolean
can_reach_server (VbMoneySection *self)
{
  return self->client != NULL && vb_client_get_can_reach_server (self->client);
}

static gboolean
row_int (JsonObject *row,
         const char *member,
         gint64     *out)
{
  JsonNode *node;

  if (row == NULL || !json_object_has_member (row, member))
    return FALSE;
  node = json_object_get_member (row, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

/* ----------------------------------------------------------- reading --- */

static JsonObject *
object_member (JsonObject *object,
               const char *member)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, member))
    return NULL;
  node = json_object_get_member (object, member);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
array_member (JsonObject *object,
              const char *member)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, member))
    return NULL;
  node = json_object_get_member (object, member);
  return JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gint64
money_of (JsonObject *object,
          const char *member)
{
  gint64 amount = 0;

  vb_money_member_amount (object, member, &amount, NULL);
  return amount;
}

static const char *
currency_of (JsonObject *object)
{
  const char *currency = vb_money_member_string (object, "currency");
  gint64 amount;

  if (currency == NULL)
    vb_money_member_amount (object, "total", &amount, &currency);
  return currency != NULL ? currency : "VND";
}

static char *
dup_quantity (JsonObject *line)
{
  JsonNode *node = line != NULL && json_object_has_member (line, "quantity") ? json_object_get_member (line, "quantity")
                                                                             : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return g_strdup ("1");
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  {
    char buffer[G_ASCII_DTOSTR_BUF_SIZE];
    /* quantities are numeric(12,2): two decimals are exact */
    g_autofree char *text = g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2f", json_node_get_double (node)));
    char *end = text + strlen (text) - 1;

    while (end > text && *end == '0')
      *end-- = '\0';
    if (end > text && *end == '.')
      *end = '\0';
    return g_steal_pointer (&text);
  }
}

/* -------------------------------------------------------------- show --- */

static GtkWidget *
money_label (const char *text,
             const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "numeric");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

/* A quote or invoice line: description; kind · qty × unit · tax; gross. */
static GtkWidget *
make_line_row (JsonObject *line,
               gboolean    with_decision)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *quantity = dup_quantity (line);
  g_autofree char *unit = vb_money_member_format (line, "unit_price");
  g_autofree char *net = vb_money_member_format (line, "net");
  g_autofree char *tax = vb_money_member_format (line, "tax");
  g_autofree char *gross = vb_money_member_format (line, "gross");
  g_autofree char *subtitle = NULL;
  const char *tax_name = vb_money_member_string (line, "tax_name");

  /* Translators: a quote or invoice line: kind · quantity × unit price · tax rate · net + tax */
  subtitle = g_strdup_printf (_("%s · %s × %s · %s · net %s + tax %s"),
                              vb_money_line_kind_label (vb_money_member_string (line, "kind")), quantity, unit,
                              tax_name != NULL ? tax_name : _("no tax"), net, tax);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), vb_money_member_string (line, "description"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (with_decision)
    {
      JsonObject *decision = object_member (line, "decision");
      const char *answer = vb_money_member_string (decision, "decision");
      GtkWidget *badge = gtk_label_new (vb_money_decision_label (answer));

      gtk_widget_add_css_class (badge, "vb-badge");
      gtk_widget_add_css_class (badge, "caption-heading");
      gtk_widget_add_css_class (badge, vb_money_decision_style (answer));
      gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), money_label (gross, "heading"));
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
set_money_status (VbMoneySection  *self,
                  const char      *text,
                  const char      *style)
{
  gtk_label_set_label (self->money_status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->money_status_label), text != NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->money_status_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->money_status_label), "dim-label");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->money_status_label), style);
}

/* The version shown: the current one (decided or newest), else the newest. */
static JsonObject *
shown_version (VbMoneySection *self)
{
  JsonArray *versions = array_member (self->quote, "versions");
  JsonObject *newest = NULL;

  for (guint i = 0; versions != NULL && i < json_array_get_length (versions); i++)
    {
      JsonObject *version = json_array_get_object_element (versions, i);
      JsonNode *current = json_object_get_member (version, "current");

      if (newest == NULL || json_object_get_int_member_with_default (version, "number", 0) >
                              json_object_get_int_member_with_default (newest, "number", 0))
        newest = version;
      if (current != NULL && JSON_NODE_HOLDS_VALUE (current) && json_node_get_boolean (current))
        return version;
    }
  return newest;
}

static JsonObject *
newest_version (VbMoneySection *self)
{
  JsonArray *versions = array_member (self->quote, "versions");
  JsonObject *newest = NULL;

  for (guint i = 0; versions != NULL && i < json_array_get_length (versions); i++)
    {
      JsonObject *version = json_array_get_object_element (versions, i);

      if (newest == NULL || json_object_get_int_member_with_default (version, "number", 0) >
                              json_object_get_int_member_with_default (newest, "number", 0))
        newest = version;
    }
  return newest;
}

static gboolean
has_undecided_lines (JsonObject *version)
{
  JsonArray *lines = array_member (version, "lines");

  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    if (object_member (json_array_get_object_element (lines, i), "decision") == NULL)
      return TRUE;
  return FALSE;
}

static void
update_money_buttons (VbMoneySection *self)
{
  gboolean online = can_reach_server (self);
  JsonObject *newest = newest_version (self);
  const char *newest_status = vb_money_member_string (newest, "status");
  g_autoptr(JsonObject) order = NULL;
  const char *wo_status = NULL;
  gboolean closed, live_invoice = self->invoice != NULL &&
                                  g_strcmp0 (vb_money_member_string (self->invoice, "status"), "void") != 0;
  const char *why = online ? NULL : _("Payments need the server: offline, money actions wait for the connection");
  gint64 due = money_of (self->invoice, "total") - money_of (self->invoice, "paid");

  if (self->cache != NULL && self->work_order_id != NULL)
    order = vb_cache_get (self->cache, "work_orders", self->work_order_id);
  wo_status = vb_money_member_string (order, "status");
  closed = g_strcmp0 (wo_status, "collected") == 0 || g_strcmp0 (wo_status, "cancelled") == 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_version_button),
                            online && self->money_loaded && !closed && g_strcmp0 (newest_status, "draft") != 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->quote_send_button),
                            online && g_strcmp0 (newest_status, "draft") == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->quote_send_button), g_strcmp0 (newest_status, "draft") == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->approval_button),
                            online && newest != NULL && !self->busy_money &&
                            (g_strcmp0 (newest_status, "sent") == 0 || g_strcmp0 (newest_status, "draft") == 0) &&
                            has_undecided_lines (newest));
  gtk_widget_set_sensitive (GTK_WIDGET (self->quote_print_button), shown_version (self) != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->issue_button),
                            online && self->money_loaded && !live_invoice && !self->busy_money);
  gtk_widget_set_visible (GTK_WIDGET (self->issue_button), !live_invoice);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pay_button),
                            online && self->money_loaded && !closed &&
                            (live_invoice ? due > 0 : TRUE));
  gtk_widget_set_sensitive (GTK_WIDGET (self->invoice_print_button), self->invoice != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->quote_email_button),
                            online && !self->emailing && vb_money_member_string (self->quote, "id") != NULL &&
                            shown_version (self) != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->invoice_email_button),
                            online && !self->emailing && vb_money_member_string (self->invoice, "id") != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->quote_email_button),
                               online ? _("E-mail the quote to the customer as a PDF") : why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->invoice_email_button),
                               online ? _("E-mail the invoice to the customer as a PDF") : why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->new_version_button), why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->approval_button), why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->issue_button), why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pay_button), why);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->payments_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *refund = g_object_get_data (G_OBJECT (row), "vb-refund");

      if (refund != NULL)
        {
          gtk_widget_set_sensitive (refund, online);
          gtk_widget_set_tooltip_text (refund, online ? _("Refund (part of) this payment") : why);
        }
    }
  if (!online)
    set_money_status (self, _("Payments need the server: offline, quotes, invoices and payments can be looked at but not changed."),
                      "dim-label");
  else if (gtk_widget_has_css_class (GTK_WIDGET (self->money_status_label), "dim-label"))
    set_money_status (self, NULL, NULL);
}

static void refund_clicked_cb (GtkButton       *button,
                               VbMoneySection  *self);

static void
show_money (VbMoneySection *self)
{
  JsonObject *version = shown_version (self);
  JsonArray *lines;
  gint64 paid, total;

  clear_list (self->quote_list);
  if (version == NULL)
    adw_preferences_group_set_description (self->quote_group,
                                           self->money_loaded ? _("No quote yet") : _("Not loaded yet"));
  else
    {
      /* Translators: "Version 2 · Sent, waiting for the customer" */
      g_autofree char *description = g_strdup_printf (_("Version %d · %s"),
                                                      (int) json_object_get_int_member_with_default (version, "number", 0),
                                                      vb_money_quote_status_label (vb_money_member_string (version, "status")));
      g_autofree char *subtotal = vb_money_member_format (version, "subtotal");
      g_autofree char *tax = vb_money_member_format (version, "tax");
      g_autofree char *total_text = vb_money_member_format (version, "total");
      g_autofree char *approved = vb_money_member_format (version, "approved_total");
      g_autofree char *totals = NULL;

      adw_preferences_group_set_description (self->quote_group, description);
      lines = array_member (version, "lines");
      for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
        gtk_list_box_append (self->quote_list, make_line_row (json_array_get_object_element (lines, i), TRUE));
      if (g_strcmp0 (vb_money_member_string (version, "status"), "decided") == 0)
        /* Translators: quote totals, then what the customer approved */
        totals = g_strdup_printf (_("Net %s · Tax %s · Total %s · Approved %s"), subtotal, tax, total_text, approved);
      else
        /* Translators: quote totals */
        totals = g_strdup_printf (_("Net %s · Tax %s · Total %s"), subtotal, tax, total_text);
      gtk_label_set_label (self->quote_totals_label, totals);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->quote_list), version != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->quote_totals_label), version != NULL);

  clear_list (self->invoice_list);
  clear_list (self->payments_list);
  if (self->invoice == NULL)
    adw_preferences_group_set_description (self->invoice_group, self->money_loaded ? _("Not invoiced yet")
                                                                                   : _("Not loaded yet"));
  else
    {
      /* Translators: "HCM-1-2026-000042 · Partly paid" */
      g_autofree char *description = g_strdup_printf (_("%s · %s"), vb_money_member_string (self->invoice, "number"),
                                                      vb_money_invoice_status_label (vb_money_member_string (self->invoice, "status")));
      g_autofree char *subtotal = vb_money_member_format (self->invoice, "subtotal");
      g_autofree char *tax = vb_money_member_format (self->invoice, "tax");
      g_autofree char *total_text = vb_money_member_format (self->invoice, "total");
      g_autofree char *paid_text = vb_money_member_format (self->invoice, "paid");
      g_autofree char *due_text = NULL;
      g_autofree char *totals = NULL;

      paid = money_of (self->invoice, "paid");
      total = money_of (self->invoice, "total");
      due_text = vb_format_money (total - paid, currency_of (self->invoice), "en");
      adw_preferences_group_set_description (self->invoice_group, description);
      lines = array_member (self->invoice, "lines");
      for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
        gtk_list_box_append (self->invoice_list, make_line_row (json_array_get_object_element (lines, i), FALSE));
      /* Translators: invoice totals: net, tax, total, paid and still due */
      totals = g_strdup_printf (_("Net %s · Tax %s · Total %s\nPaid %s · Due %s"), subtotal, tax, total_text,
                                paid_text, due_text);
      gtk_label_set_label (self->invoice_totals_label, totals);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->invoice_list), self->invoice != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->invoice_totals_label), self->invoice != NULL);

  for (guint i = 0; self->payments != NULL && i < json_array_get_length (self->payments); i++)
    {
      JsonObject *payment = json_array_get_object_element (self->payments, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *amount = vb_money_member_format (payment, "amount");
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *when = NULL;
      const char *brand = vb_money_member_string (payment, "card_brand");
      const char *last4 = vb_money_member_string (payment, "card_last4");
      const char *status = vb_money_member_string (payment, "status");
      gint64 refunded = money_of (payment, "refunded");
      JsonNode *deposit = json_object_get_member (payment, "deposit");

      {
        g_autoptr(GDateTime) now = g_date_time_new_now_local ();
        when = vb_work_order_dup_chat_time (vb_money_member_string (payment, "created_at"), now);
      }
      if (brand != NULL && last4 != NULL)
        /* Translators: "Card · visa ••4242" */
        title = g_strdup_printf (_("%s · %s ••%s"), vb_money_payment_method_label (vb_money_member_string (payment, "method")),
                                 brand, last4);
      else
        title = g_strdup (vb_money_payment_method_label (vb_money_member_string (payment, "method")));
      subtitle = g_strdup_printf ("%s · %s · %s%s", vb_money_payment_status_label (status), when != NULL ? when : "",
                                  vb_money_member_string (payment, "reference") != NULL
                                    ? vb_money_member_string (payment, "reference") : "",
                                  deposit != NULL && JSON_NODE_HOLDS_VALUE (deposit) && json_node_get_boolean (deposit)
                                    ? _(" · deposit") : "");
      if (refunded > 0)
        {
          g_autofree char *back = vb_money_member_format (payment, "refunded");
          g_autofree char *both = g_strdup_printf (_("%s · refunded %s"), subtitle, back);
          g_free (subtitle);
          subtitle = g_steal_pointer (&both);
        }
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), money_label (amount, "heading"));
      if (g_strcmp0 (status, "succeeded") == 0 && refunded < money_of (payment, "amount"))
        {
          GtkWidget *refund = gtk_button_new_with_mnemonic (_("_Refund…"));

          gtk_widget_set_valign (refund, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (refund, "flat");
          g_object_set_data_full (G_OBJECT (refund), "vb-payment", json_object_ref (payment),
                                  (GDestroyNotify) json_object_unref);
          g_signal_connect (refund, "clicked", G_CALLBACK (refund_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), refund);
          g_object_set_data (G_OBJECT (row), "vb-refund", refund);
        }
      gtk_list_box_append (self->payments_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->payments_list),
                          self->payments != NULL && json_array_get_length (self->payments) > 0);
  update_money_buttons (self);
}

/* Loading: the quote, the invoices (then the live one in full) and the
 * payments; one round at a time, a change meanwhile asks for another. */

typedef struct
{
  VbMoneySection  *self;
  GCancellable    *cancellable;
  guint            pending;
  JsonObject      *quote;
  JsonObject      *invoice;
  JsonArray       *payments;
  char            *error;
  gboolean         no_quote;
} MoneyFetch;

static void refresh_money (VbMoneySection *self);

static void
money_fetch_done (MoneyFetch *fetch)
{
  VbMoneySection  *self = fetch->self;

  if (--fetch->pending > 0)
    return;
  if (fetch->cancellable == self->cancellable && !g_cancellable_is_cancelled (self->cancellable))
    {
      self->loading_money = FALSE;
      if (fetch->error == NULL)
        {
          g_clear_pointer (&self->quote, json_object_unref);
          g_clear_pointer (&self->invoice, json_object_unref);
          g_clear_pointer (&self->payments, json_array_unref);
          self->quote = g_steal_pointer (&fetch->quote);
          self->invoice = g_steal_pointer (&fetch->invoice);
          self->payments = g_steal_pointer (&fetch->payments);
          self->money_loaded = TRUE;
          if (gtk_widget_has_css_class (GTK_WIDGET (self->money_status_label), "error") && !self->keep_money_error)
            set_money_status (self, NULL, NULL);
          self->keep_money_error = FALSE;
        }
      else
        {
          /* Translators: %s is why quotes and invoices could not be read */
          g_autofree char *text = g_strdup_printf (_("Could not load the quote and invoice: %s"), fetch->error);
          set_money_status (self, text, "error");
        }
      show_money (self);
      if (self->money_again)
        {
          self->money_again = FALSE;
          refresh_money (self);
        }
    }
  g_clear_pointer (&fetch->quote, json_object_unref);
  g_clear_pointer (&fetch->invoice, json_object_unref);
  g_clear_pointer (&fetch->payments, json_array_unref);
  g_free (fetch->error);
  g_object_unref (fetch->cancellable);
  g_object_unref (fetch->self);
  g_free (fetch);
}

static void
money_failed (MoneyFetch *fetch,
              GError     *error)
{
  if (fetch->error == NULL)
    fetch->error = g_strdup (error->message);
}

static void
quote_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  MoneyFetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    fetch->quote = json_object_ref (json_node_get_object (reply));
  else if (error != NULL && !g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
    money_failed (fetch, error);
  money_fetch_done (fetch);
}

static void
invoice_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  MoneyFetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    fetch->invoice = json_object_ref (json_node_get_object (reply));
  else if (error != NULL)
    money_failed (fetch, error);
  money_fetch_done (fetch);
}

static void
invoices_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  MoneyFetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  JsonArray *items = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? array_member (json_node_get_object (reply), "items")
                                                                     : NULL;
  const char *chosen = NULL;

  if (error != NULL)
    money_failed (fetch, error);
  /* Newest first: the live invoice, else the newest void one. */
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *invoice = json_array_get_object_element (items, i);

      if (chosen == NULL || g_strcmp0 (vb_money_member_string (invoice, "status"), "void") != 0)
        {
          chosen = vb_money_member_string (invoice, "id");
          if (g_strcmp0 (vb_money_member_string (invoice, "status"), "void") != 0)
            break;
        }
    }
  if (chosen != NULL && !g_cancellable_is_cancelled (fetch->cancellable))
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/invoices/%s", chosen);

      fetch->pending++;
      vb_api_client_request_async (VB_API_CLIENT (source), "GET", path, NULL, fetch->cancellable,
                                   invoice_fetched_cb, fetch);
    }
  money_fetch_done (fetch);
}

static void
payments_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  MoneyFetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  JsonArray *items = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? array_member (json_node_get_object (reply), "items")
                                                                     : NULL;

  if (items != NULL)
    fetch->payments = json_array_ref (items);
  else if (error != NULL)
    money_failed (fetch, error);
  money_fetch_done (fetch);
}

static void
refresh_money (VbMoneySection *self)
{
  g_autofree char *quote_path = NULL;
  g_autofree char *invoices_path = NULL;
  g_autofree char *payments_path = NULL;
  MoneyFetch *fetch;
  VbApiClient *api;

  update_money_buttons (self);
  if (self->work_order_id == NULL || !can_reach_server (self))
    return;
  if (self->loading_money)
    {
      self->money_again = TRUE;
      return;
    }
  api = vb_client_get_api (self->client);
  quote_path = g_strdup_printf ("/api/v1/work-orders/%s/quote", self->work_order_id);
  invoices_path = g_strdup_printf ("/api/v1/invoices?work_order_id=%s&kind=invoice", self->work_order_id);
  payments_path = g_strdup_printf ("/api/v1/payments?work_order_id=%s&limit=100", self->work_order_id);
  fetch = g_new0 (MoneyFetch, 1);
  fetch->self = g_object_ref (self);
  fetch->cancellable = g_object_ref (self->cancellable);
  fetch->pending = 3;
  self->loading_money = TRUE;
  vb_api_client_request_async (api, "GET", quote_path, NULL, self->cancellable, quote_fetched_cb, fetch);
  vb_api_client_request_async (api, "GET", invoices_path, NULL, self->cancellable, invoices_listed_cb, fetch);
  vb_api_client_request_async (api, "GET", payments_path, NULL, self->cancellable, payments_listed_cb, fetch);
}

/* An action's reply: refresh, or say why not (a dialog: a 409 explains
 * itself, e.g. work beyond the approved total). */
static void
money_action_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VbMoneySection) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy_money = FALSE;
  if (reply == NULL)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
        adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Not Done"), error->message));

      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      /* Translators: %s is the server's reason */
      {
        g_autofree char *text = g_strdup_printf (_("Not done: %s"), error->message);
        set_money_status (self, text, "error");
        self->keep_money_error = TRUE;
      }
    }
  refresh_money (self);
}

static void
refund_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(VbMoneySection) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_money_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy_money = FALSE;
  if (reply == NULL)
    {
      /* Translators: %s is why the refund was not made */
      g_autofree char *text = g_strdup_printf (_("Not refunded: %s"), error->message);
      set_money_status (self, text, "error");
      self->keep_money_error = TRUE;
    }
  refresh_money (self);
}

static void
money_post (VbMoneySection  *self,
            const char      *path,
            JsonObject      *body)
{
  self->busy_money = TRUE;
  update_money_buttons (self);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable,
                               money_action_cb, g_object_ref (self));
}

static void
new_version_cb (VbMoneySection *self)
{
  VbQuoteEditor *editor;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  JsonObject *version = shown_version (self);

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->new_version_button)))
    return;
  editor = vb_quote_editor_new (self->client, self->work_order_id,
                                version != NULL ? currency_of (version)
                                : self->invoice != NULL ? currency_of (self->invoice) : "VND");
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (root));
  g_signal_connect_object (editor, "created", G_CALLBACK (refresh_money), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
quote_send_cb (VbMoneySection *self)
{
  JsonObject *newest = newest_version (self);
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  if (newest == NULL || !gtk_widget_get_sensitive (GTK_WIDGET (self->quote_send_button)))
    return;
  path = g_strdup_printf ("/api/v1/quote-versions/%s/send", vb_money_member_string (newest, "id"));
  money_post (self, path, body);
}

static void
approval_recorded_cb (VbMoneySection *self)
{
  refresh_money (self);
}

static void
approval_cb (VbMoneySection *self)
{
  JsonObject *newest = newest_version (self);
  g_autoptr(JsonObject) order = NULL;
  g_autoptr(JsonObject) customer = NULL;
  VbApprovalDialog *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (newest == NULL || !gtk_widget_get_sensitive (GTK_WIDGET (self->approval_button)))
    return;
  order = vb_cache_get (self->cache, "work_orders", self->work_order_id);
  if (vb_money_member_string (order, "customer_id") != NULL)
    customer = vb_cache_get (self->cache, "customers", vb_money_member_string (order, "customer_id"));
  dialog = vb_approval_dialog_new (self->client, newest, vb_money_member_string (customer, "phone"),
                                   vb_money_member_string (order, "location_id"));
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  g_signal_connect_object (dialog, "recorded", G_CALLBACK (approval_recorded_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
issue_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   VbMoneySection   *self)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  if (g_strcmp0 (response, "issue") != 0 || !can_reach_server (self))
    return;
  path = g_strdup_printf ("/api/v1/work-orders/%s/invoices", self->work_order_id);
  money_post (self, path, body);
}

static void
preview_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(VbMoneySection) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  g_autoptr(GString) body = g_string_new (NULL);
  GtkRoot *root;
  AdwMessageDialog *dialog;
  JsonObject *preview;
  JsonArray *lines;
  JsonNode *within;
  JsonNode *clock;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy_money = FALSE;
  update_money_buttons (self);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                           _("Cannot Issue the Invoice"),
                                                           error != NULL ? error->message : NULL));
      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  preview = json_node_get_object (reply);
  lines = array_member (preview, "lines");
  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      g_autofree char *gross = vb_money_member_format (line, "gross");
      g_autofree char *quantity = dup_quantity (line);

      g_string_append_printf (body, "%s × %s  %s\n", vb_money_member_string (line, "description"), quantity, gross);
    }
  {
    g_autofree char *total = vb_money_member_format (preview, "total");
    g_autofree char *approved = vb_money_member_format (preview, "approved_total");

    /* Translators: the invoice preview's totals */
    g_string_append_printf (body, _("\nTotal %s · approved %s"), total, approved);
  }
  within = json_object_get_member (preview, "within_approval");
  clock = json_object_get_member (preview, "clock_running");
  if (within != NULL && JSON_NODE_HOLDS_VALUE (within) && !json_node_get_boolean (within))
    g_string_append (body, _("\n\nThis is more than the customer approved: the server will refuse it. "
                             "Record an approved quote version for the extra work first."));
  if (clock != NULL && JSON_NODE_HOLDS_VALUE (clock) && json_node_get_boolean (clock))
    g_string_append (body, _("\n\nA clock is still running on this work order: stop it first."));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Issue the Invoice?"), body->str));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "issue", _("_Issue"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "issue", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "issue");
  g_signal_connect_object (dialog, "response", G_CALLBACK (issue_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
issue_cb (VbMoneySection *self)
{
  g_autofree char *path = NULL;

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->issue_button)))
    return;
  path = g_strdup_printf ("/api/v1/work-orders/%s/invoice-preview", self->work_order_id);
  self->busy_money = TRUE;
  update_money_buttons (self);
  vb_api_client_request_async (vb_client_get_api (self->client), "GET", path, NULL, self->cancellable,
                               preview_fetched_cb, g_object_ref (self));
}

static void
pay_cb (VbMoneySection *self)
{
  VbPaymentDialog *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean live = self->invoice != NULL && g_strcmp0 (vb_money_member_string (self->invoice, "status"), "void") != 0;
  const char *currency = live ? currency_of (self->invoice)
                         : shown_version (self) != NULL ? currency_of (shown_version (self)) : "VND";

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->pay_button)))
    return;
  dialog = vb_payment_dialog_new (self->client, live ? vb_money_member_string (self->invoice, "id") : NULL,
                                  self->work_order_id,
                                  live ? money_of (self->invoice, "total") - money_of (self->invoice, "paid") : 0,
                                  currency);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  g_signal_connect_object (dialog, "payment-changed", G_CALLBACK (refresh_money), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Refund: amount (default what is left) and reason; one Idempotency-Key
 * per dialog, so pressing Refund again after a network error is the same
 * refund. */
static void
refund_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    VbMoneySection   *self)
{
  JsonObject *payment = g_object_get_data (G_OBJECT (dialog), "vb-payment");
  GtkEditable *amount_entry = g_object_get_data (G_OBJECT (dialog), "vb-amount");
  GtkEditable *reason_entry = g_object_get_data (G_OBJECT (dialog), "vb-reason");
  const char *key = g_object_get_data (G_OBJECT (dialog), "vb-key");
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  const char *currency = NULL;
  const char *headers[3];
  gint64 amount = 0, ignored;

  if (g_strcmp0 (response, "refund") != 0 || !can_reach_server (self))
    return;
  vb_money_member_amount (payment, "amount", &ignored, &currency);
  if (!vb_money_parse (gtk_editable_get_text (amount_entry), currency, &amount) || amount <= 0)
    {
      set_money_status (self, _("Not refunded: the amount is not an amount of money."), "error");
      return;
    }
  json_object_set_object_member (body, "amount", vb_money_object (amount, currency != NULL ? currency : "VND"));
  json_object_set_string_member (body, "reason", gtk_editable_get_text (reason_entry));
  node = json_node_init_object (json_node_alloc (), body);
  text = json_to_string (node, FALSE);
  headers[0] = "Idempotency-Key";
  headers[1] = key;
  headers[2] = NULL;
  path = g_strdup_printf ("/api/v1/payments/%s/refunds", vb_money_member_string (payment, "id"));
  self->busy_money = TRUE;
  vb_api_client_request_full_async (vb_client_get_api (self->client), "POST", path, text, headers, self->cancellable,
                                    refund_done_cb, g_object_ref (self));
}

static void
refund_clicked_cb (GtkButton       *button,
                   VbMoneySection  *self)
{
  JsonObject *payment = g_object_get_data (G_OBJECT (button), "vb-payment");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;
  GtkWidget *box, *amount, *reason;
  g_autofree char *left = NULL;
  const char *currency = NULL;
  gint64 total = 0;

  vb_money_member_amount (payment, "amount", &total, &currency);
  left = vb_money_to_input (total - money_of (payment, "refunded"), currency);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Refund Payment?"),
                                                       _("Card payments go back through the gateway; cash and transfers are recorded as handed back.")));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  amount = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (amount), left);
  gtk_accessible_update_property (GTK_ACCESSIBLE (amount), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Amount to refund"), -1);
  reason = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (reason), _("Reason"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (reason), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"), -1);
  gtk_box_append (GTK_BOX (box), amount);
  gtk_box_append (GTK_BOX (box), reason);
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "refund", _("_Refund"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "refund", ADW_RESPONSE_DESTRUCTIVE);
  g_object_set_data_full (G_OBJECT (dialog), "vb-payment", json_object_ref (payment), (GDestroyNotify) json_object_unref);
  g_object_set_data (G_OBJECT (dialog), "vb-amount", amount);
  g_object_set_data (G_OBJECT (dialog), "vb-reason", reason);
  g_object_set_data_full (G_OBJECT (dialog), "vb-key", g_uuid_string_random (), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (refund_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------- e-mail --- */

/* POST /api/v1/{quotes,invoices}/{id}/email with no body: the server sends
 * the same PDF as …/pdf to the customer's first address, in their
 * language, and answers 202 with the queued message.  One at a time (the
 * buttons are insensitive meanwhile); the outcome goes to the status line:
 * where it went, or the server's reason (no address: 422 naming "to"; no
 * e-mail consent: 409 naming "consent"). */
static void
email_sent (VbApiClient     *api,
            GAsyncResult    *result,
            VbMoneySection  *self,
            gboolean         invoice)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (api, result, &error);
  JsonObject *message = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->emailing = FALSE;
  if (error != NULL)
    {
      text = invoice ? g_strdup_printf (_("Invoice not e-mailed: %s"), error->message)
                     : g_strdup_printf (_("Quote not e-mailed: %s"), error->message);
      set_money_status (self, text, "error");
      self->keep_money_error = TRUE;
    }
  else
    {
      const char *to = vb_money_member_string (message, "to_address");

      /* Translators: %s is the customer's e-mail address */
      text = invoice ? g_strdup_printf (_("Invoice e-mailed to %s"), to != NULL ? to : "")
                     : g_strdup_printf (_("Quote e-mailed to %s"), to != NULL ? to : "");
      set_money_status (self, text, NULL);
    }
  update_money_buttons (self);
}

static void
email_quote_sent_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(VbMoneySection) self = user_data;

  email_sent (VB_API_CLIENT (source), result, self, FALSE);
}

static void
email_invoice_sent_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(VbMoneySection) self = user_data;

  email_sent (VB_API_CLIENT (source), result, self, TRUE);
}

static void
email_document (VbMoneySection  *self,
                gboolean         invoice)
{
  GtkButton *button = invoice ? self->invoice_email_button : self->quote_email_button;
  const char *id = vb_money_member_string (invoice ? self->invoice : self->quote, "id");
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  if (id == NULL || self->emailing || !gtk_widget_get_sensitive (GTK_WIDGET (button)))
    return;
  path = g_strdup_printf (invoice ? "/api/v1/invoices/%s/email" : "/api/v1/quotes/%s/email", id);
  self->emailing = TRUE;
  update_money_buttons (self);
  set_money_status (self, invoice ? _("E-mailing the invoice…") : _("E-mailing the quote…"), NULL);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable,
                               invoice ? email_invoice_sent_cb : email_quote_sent_cb, g_object_ref (self));
}

/* -------------------------------------------------------------- print --- */

/* The documents' JSON model (docs/documents.md) from what the page read:
 * the server has no endpoint returning its model (only …/pdf), so the
 * desk builds it from the quote / invoice replies and its cache, and
 * prints with the same renderer (vb_document_draw_page). */
static JsonObject *
build_document_model (VbMoneySection  *self,
                      gboolean         invoice)
{
  JsonObject *source = invoice ? self->invoice : shown_version (self);
  JsonObject *model, *totals, *party;
  JsonArray *lines, *out_lines;
  g_autoptr(JsonObject) order = NULL;
  g_autoptr(JsonObject) customer = NULL;
  g_autoptr(JsonObject) vehicle = NULL;
  g_autoptr(JsonObject) location = NULL;
  g_autofree char *wo_title = NULL;
  const char *issued;

  if (source == NULL)
    return NULL;
  order = vb_cache_get (self->cache, "work_orders", self->work_order_id);
  if (vb_money_member_string (order, "customer_id") != NULL)
    customer = vb_cache_get (self->cache, "customers", vb_money_member_string (order, "customer_id"));
  if (vb_money_member_string (order, "vehicle_id") != NULL)
    vehicle = vb_cache_get (self->cache, "vehicles", vb_money_member_string (order, "vehicle_id"));
  if (vb_money_member_string (order, "location_id") != NULL)
    location = vb_cache_get (self->cache, "locations", vb_money_member_string (order, "location_id"));
  wo_title = order != NULL ? vb_record_title_for_row ("work_orders", order) : g_strdup ("");

  model = json_object_new ();
  json_object_set_string_member (model, "kind", invoice ? "invoice" : "quote");
  json_object_set_string_member (model, "language", "en");
  json_object_set_string_member (model, "currency", currency_of (source));
  if (invoice)
    {
      json_object_set_string_member (model, "number", vb_money_member_string (source, "number"));
      json_object_set_string_member (model, "status", vb_money_member_string (source, "status"));
    }
  else
    {
      g_autofree char *number = g_strdup_printf ("%s-%d", wo_title,
                                                 (int) json_object_get_int_member_with_default (source, "number", 0));
      json_object_set_string_member (model, "number", number);
    }
  issued = vb_money_member_string (source, invoice ? "issued_at" : "sent_at");
  if (issued == NULL)
    issued = vb_money_member_string (source, "created_at");
  if (issued != NULL)
    json_object_set_string_member (model, "issued_on", issued);
  json_object_set_string_member (model, "work_order_number", wo_title);
  party = json_object_new ();
  if (vb_money_member_string (location, "name") != NULL)
    json_object_set_string_member (party, "name", vb_money_member_string (location, "name"));
  if (vb_money_member_string (location, "address") != NULL)
    json_object_set_string_member (party, "address", vb_money_member_string (location, "address"));
  if (vb_money_member_string (location, "phone") != NULL)
    json_object_set_string_member (party, "phone", vb_money_member_string (location, "phone"));
  json_object_set_object_member (model, "location", party);
  party = json_object_new ();
  {
    g_autofree char *name = vb_desk_dup_customer_name (customer);
    json_object_set_string_member (party, "name", name);
  }
  for (const char *const *m = (const char *const[]) { "phone", "email", "address", NULL }; *m != NULL; m++)
    if (vb_money_member_string (customer, *m) != NULL)
      json_object_set_string_member (party, *m, vb_money_member_string (customer, *m));
  json_object_set_object_member (model, "customer", party);
  party = json_object_new ();
  for (const char *const *m = (const char *const[]) { "vin", "plate", "make", "model", NULL }; *m != NULL; m++)
    if (vb_money_member_string (vehicle, *m) != NULL)
      json_object_set_string_member (party, *m, vb_money_member_string (vehicle, *m));
  {
    gint64 value;
    if (row_int (vehicle, "year", &value))
      json_object_set_int_member (party, "year", value);
    if (row_int (order, "odometer_km", &value))
      json_object_set_int_member (party, "odometer_km", value);
  }
  json_object_set_object_member (model, "vehicle", party);

  out_lines = json_array_new ();
  lines = array_member (source, "lines");
  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      JsonObject *out = json_object_new ();
      JsonObject *decision = object_member (line, "decision");
      const char *answer = vb_money_member_string (decision, "decision");
      g_autofree char *quantity = dup_quantity (line);
      g_autofree char *description = NULL;

      if (g_strcmp0 (answer, "approved") == 0)
        description = g_strdup_printf (_("%s (approved)"), vb_money_member_string (line, "description"));
      else if (g_strcmp0 (answer, "declined") == 0)
        description = g_strdup_printf (_("%s (declined)"), vb_money_member_string (line, "description"));
      else
        description = g_strdup (vb_money_member_string (line, "description"));
      json_object_set_string_member (out, "description", description != NULL ? description : "");
      json_object_set_string_member (out, "quantity", quantity);
      json_object_set_int_member (out, "unit_price", money_of (line, "unit_price"));
      if (vb_money_member_string (line, "tax_name") != NULL)
        json_object_set_string_member (out, "tax_name", vb_money_member_string (line, "tax_name"));
      json_object_set_int_member (out, "tax_bp", json_object_get_int_member_with_default (line, "tax_bp", 0));
      json_object_set_int_member (out, "amount", money_of (line, "net"));
      json_object_set_int_member (out, "tax_amount", money_of (line, "tax"));
      json_array_add_object_element (out_lines, out);
    }
  json_object_set_array_member (model, "lines", out_lines);
  totals = json_object_new ();
  json_object_set_int_member (totals, "subtotal", money_of (source, "subtotal"));
  json_object_set_int_member (totals, "tax", money_of (source, "tax"));
  json_object_set_int_member (totals, "total", money_of (source, "total"));
  if (invoice)
    {
      JsonArray *payments = json_array_new ();

      json_object_set_int_member (totals, "paid", money_of (source, "paid"));
      json_object_set_int_member (totals, "due", money_of (source, "total") - money_of (source, "paid"));
      for (guint i = 0; self->payments != NULL && i < json_array_get_length (self->payments); i++)
        {
          JsonObject *payment = json_array_get_object_element (self->payments, i);
          JsonObject *out;

          if (g_strcmp0 (vb_money_member_string (payment, "status"), "succeeded") != 0 ||
              g_strcmp0 (vb_money_member_string (payment, "invoice_id"), vb_money_member_string (source, "id")) != 0)
            continue;
          out = json_object_new ();
          json_object_set_string_member (out, "date", vb_money_member_string (payment, "created_at"));
          json_object_set_string_member (out, "method", vb_money_member_string (payment, "method"));
          if (vb_money_member_string (payment, "reference") != NULL)
            json_object_set_string_member (out, "reference", vb_money_member_string (payment, "reference"));
          json_object_set_int_member (out, "amount", money_of (payment, "amount") - money_of (payment, "refunded"));
          json_array_add_object_element (payments, out);
        }
      json_object_set_array_member (model, "payments", payments);
    }
  json_object_set_object_member (model, "totals", totals);
  return model;
}

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                JsonObject        *model)
{
  gtk_print_operation_set_n_pages (operation,
                                   MAX (1, vb_document_count_pages (model, gtk_print_context_get_width (context),
                                                                    gtk_print_context_get_height (context))));
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              JsonObject        *model)
{
  vb_document_draw_page (model, gtk_print_context_get_cairo_context (context), gtk_print_context_get_width (context),
                         gtk_print_context_get_height (context), (guint) page_nr);
}

static GtkPrintOperation *
make_print_operation (VbMoneySection  *self,
                      gboolean         invoice)
{
  g_autoptr(JsonObject) model = build_document_model (self, invoice);
  g_autoptr(GtkPageSetup) setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);
  GtkPrintOperation *operation;

  if (model == NULL)
    return NULL;
  operation = gtk_print_operation_new ();
  gtk_page_setup_set_paper_size_and_default_margins (setup, a4);
  gtk_print_operation_set_default_page_setup (operation, setup);
  /* The document draws its own margins. */
  gtk_print_operation_set_use_full_page (operation, TRUE);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_job_name (operation, json_object_get_string_member (model, "number"));
  g_signal_connect_data (operation, "begin-print", G_CALLBACK (begin_print_cb), json_object_ref (model),
                         (GClosureNotify) (void (*) (void)) json_object_unref, 0);
  g_signal_connect_data (operation, "draw-page", G_CALLBACK (draw_page_cb), json_object_ref (model),
                         (GClosureNotify) (void (*) (void)) json_object_unref, 0);
  return operation;
}

static void
print_document (VbMoneySection  *self,
                gboolean         invoice)
{
  g_autoptr(GtkPrintOperation) operation = make_print_operation (self, invoice);
  g_autoptr(GError) error = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (operation == NULL)
    return;
  vb_print_settings_apply (operation);
  /* The print dialog has the preview. */
  if (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, &error) == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      /* Translators: %s is why printing failed */
      g_autofree char *text = g_strdup_printf (_("Not printed: %s"), error->message);
      set_money_status (self, text, "error");
    }
}

static void
quote_email_cb (VbMoneySection *self)
{
  email_document (self, FALSE);
}

static void
invoice_email_cb (VbMoneySection *self)
{
  email_document (self, TRUE);
}

static void
quote_print_cb (VbMoneySection *self)
{
  print_document (self, FALSE);
}

static void
invoice_print_cb (VbMoneySection *self)
{
  print_document (self, TRUE);
}

/* ------------------------------------------------------------ follow --- */

static void
cache_changed_cb (VbMoneySection     *self,
                  const char * const *entities)
{
  gboolean money = FALSE, order = FALSE;

  for (guint i = 0; entities != NULL && entities[i] != NULL; i++)
    {
      money |= g_strv_contains (money_entities, entities[i]);
      order |= g_strcmp0 (entities[i], "work_orders") == 0;
    }
  if (money)
    refresh_money (self);
  else if (order)
    /* Collected or cancelled: no new version, no payment. */
    update_money_buttons (self);
}

static void
set_cache (VbMoneySection *self,
           VbCache        *cache)
{
  if (self->cache == cache)
    return;
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->cache, cache);
  if (cache != NULL)
    g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
  refresh_money (self);
}

static void
client_cache_changed_cb (VbMoneySection *self)
{
  set_cache (self, self->client != NULL ? vb_client_get_cache (self->client) : NULL);
}

/* ---------------------------------------------------------------- API --- */

void
vb_money_section_set_client (VbMoneySection *self,
                             VbClient       *client)
{
  g_return_if_fail (VB_IS_MONEY_SECTION (self));

  if (self->client == client)
    return;
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);
  if (client != NULL)
    {
      g_signal_connect_object (client, "notify::cache", G_CALLBACK (client_cache_changed_cb), self,
                               G_CONNECT_SWAPPED);
      /* Online: read again; offline: every action insensitive, and why. */
      g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (refresh_money), self,
                               G_CONNECT_SWAPPED);
    }
  client_cache_changed_cb (self);
}

void
vb_money_section_set_work_order_id (VbMoneySection *self,
                                    const char     *id)
{
  g_return_if_fail (VB_IS_MONEY_SECTION (self));

  if (g_strcmp0 (self->work_order_id, id) == 0)
    return;
  /* What was asked for the work order shown before changes nothing now. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  g_free (self->work_order_id);
  self->work_order_id = g_strdup (id);
  g_clear_pointer (&self->quote, json_object_unref);
  g_clear_pointer (&self->invoice, json_object_unref);
  g_clear_pointer (&self->payments, json_array_unref);
  self->money_loaded = FALSE;
  self->loading_money = FALSE;
  self->money_again = FALSE;
  self->busy_money = FALSE;
  self->emailing = FALSE;
  set_money_status (self, NULL, NULL);
  show_money (self);
  refresh_money (self);
}

JsonObject *
vb_money_section_get_quote_version (VbMoneySection *self)
{
  g_return_val_if_fail (VB_IS_MONEY_SECTION (self), NULL);
  return shown_version (self);
}

JsonObject *
vb_money_section_get_invoice (VbMoneySection *self)
{
  g_return_val_if_fail (VB_IS_MONEY_SECTION (self), NULL);
  return self->invoice;
}

gboolean
vb_money_section_export_pdf (VbMoneySection *self,
                             gboolean        invoice,
                             const char     *path,
                             GError        **error)
{
  g_autoptr(GtkPrintOperation) operation = NULL;

  g_return_val_if_fail (VB_IS_MONEY_SECTION (self), FALSE);
  operation = make_print_operation (self, invoice);
  if (operation == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           invoice ? _("There is no invoice to print") : _("There is no quote to print"));
      return FALSE;
    }
  gtk_print_operation_set_export_filename (operation, path);
  return gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, NULL, error) !=
         GTK_PRINT_OPERATION_RESULT_ERROR;
}

/* ------------------------------------------------------------ set-up --- */

static void
vb_money_section_dispose (GObject *object)
{
  VbMoneySection *self = VB_MONEY_SECTION (object);

  g_cancellable_cancel (self->cancellable);
  vb_money_section_set_client (self, NULL);
  set_cache (self, NULL);
  /* The bin's child is a template child: let the bin drop it first, or
   * dispose_template unparents it behind the bin's back. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_MONEY_SECTION);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (vb_money_section_parent_class)->dispose (object);
}

static void
vb_money_section_finalize (GObject *object)
{
  VbMoneySection *self = VB_MONEY_SECTION (object);

  g_free (self->work_order_id);
  g_clear_pointer (&self->quote, json_object_unref);
  g_clear_pointer (&self->invoice, json_object_unref);
  g_clear_pointer (&self->payments, json_array_unref);
  G_OBJECT_CLASS (vb_money_section_parent_class)->finalize (object);
}

static void
vb_money_section_class_init (VbMoneySectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_money_section_dispose;
  object_class->finalize = vb_money_section_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-money-section.ui");
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, money_status_label);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, quote_group);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, quote_list);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, quote_totals_label);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, quote_print_button);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, quote_email_button);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, new_version_button);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, quote_send_button);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, approval_button);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, invoice_group);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, invoice_list);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, invoice_totals_label);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, payments_list);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, invoice_print_button);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, invoice_email_button);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, issue_button);
  gtk_widget_class_bind_template_child (widget_class, VbMoneySection, pay_button);
}

static void
vb_money_section_init (VbMoneySection *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->new_version_button, "clicked", G_CALLBACK (new_version_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->quote_send_button, "clicked", G_CALLBACK (quote_send_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->approval_button, "clicked", G_CALLBACK (approval_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->quote_print_button, "clicked", G_CALLBACK (quote_print_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->invoice_print_button, "clicked", G_CALLBACK (invoice_print_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->quote_email_button, "clicked", G_CALLBACK (quote_email_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->invoice_email_button, "clicked", G_CALLBACK (invoice_email_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->issue_button, "clicked", G_CALLBACK (issue_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->pay_button, "clicked", G_CALLBACK (pay_cb), self, G_CONNECT_SWAPPED);
  show_money (self);
}
