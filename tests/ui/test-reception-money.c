/* test-reception-money.c — quote → approval → invoice → payment on the
 * front desk's work order page, in the real voltbay-reception window
 * against a real TLS server (with the Stripe stand-in as its card gateway,
 * tests/standins/stripe-standin.py) and PostgreSQL.
 *
 * Run through run-gui-test.sh.  With the demo data at HCM-D1:
 *   1. the work order waiting for approval: its sent quote version shows
 *      with its lines and totals as PostgreSQL has them; Record Approval,
 *      by phone, every line approved: the decisions are in PostgreSQL with
 *      channel phone and the number, the version is decided and the work
 *      order moves on to "In progress" on the page; then a new version in
 *      the quote editor (labor from the open tasks, a part from the cached
 *      catalog, a fee, a discount; a bad price marked on its field), priced
 *      by the server and shown, in PostgreSQL as typed, then sent; then
 *      Issue Invoice: the preview, then the invoice with its number;
 *   2. the ready work order with the partly paid invoice: number, total,
 *      paid and due as PostgreSQL has them; Take Payment by card
 *      (pm_card_visa, through the stand-in) for the amount due, which is
 *      the default — Pay pressed twice: one PaymentIntent at the gateway,
 *      one payment row, the invoice paid in PostgreSQL and on the page;
 *   3. the invoice printed through GtkPrintOperation, exported to PDF: the
 *      PDF (pdftotext) has the invoice number and total; E-mail PDF on the
 *      paid invoice (clicked twice): with the customer's e-mail consent,
 *      exactly one queued 'document' message for the invoice with its PDF
 *      attached and "Invoice e-mailed to <address>" shown; without it, the
 *      server's 409 (consent) shown and nothing queued;
 *   4. the server stops: every money action is insensitive and the reason
 *      is shown, what was read stays; the server returns.
 * Screenshots in <build>/tests/ui-artifacts/money-*.png.
 */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vb-gui-test.h"
#include "vb-reception-test.h"

#include "vb-approval-dialog.h"
#include "vb-client.h"
#include "vb-connection-indicator.h"
#include "vb-desk-presentation.h"
#include "vb-desk-view.h"
#include "vb-document-format.h"
#include "vb-login-page.h"
#include "vb-payment-dialog.h"
#include "vb-quote-editor.h"
#include "vb-reception-application.h"
#include "vb-reception-window.h"
#include "vb-signature-pad.h"
#include "vb-sign-in-view.h"
#include "vb-work-order-page.h"
#include "vb-work-order-presentation.h"

#define DESK_EMAIL     "thu.desk@example.com"
#define DESK_NAME      "Thu Desk"
#define DESK_PASSWORD  "front desk money password 42"
#define SECRET_KEY     "sk_test_voltbay_reception"
#define WEBHOOK_SECRET "whsec_voltbay_reception"
#define PHONE          "+84 90 555 0101"
#define WAIT_MS        30000

static VbTestServer           *server;
static GSubprocess            *standin;
static char                   *standin_url;
static char                   *config_dir;

/* Helpers */

static const char *
member (JsonObject *object,
        const char *name)
{
  return object != NULL && json_object_has_member (object, name) ? json_object_get_string_member (object, name) : NULL;
}

static gboolean
quote_is (gpointer status)
{
  return g_strcmp0 (member (vb_money_section_get_quote_version (vb_reception_test_money_section ()),
                            "status"), status) == 0;
}

static gboolean
invoice_is (gpointer status)
{
  return g_strcmp0 (member (vb_money_section_get_invoice (vb_reception_test_money_section ()),
                            "status"), status) == 0;
}

static gboolean
widget_insensitive (gpointer widget)
{
  return !gtk_widget_get_sensitive (widget);
}

static gboolean
payment_settled (gpointer dialog)
{
  return g_strcmp0 (vb_payment_dialog_get_payment_status (dialog), "succeeded") == 0;
}

static char *
money_text (const char *sql,
            const char *param)
{
  g_autofree char *value = vb_reception_test_db_value (server, sql, param);

  return vb_format_money (g_ascii_strtoll (value, NULL, 10), "VND", "en");
}

static void
scroll_to (const char *name)
{
  GtkWidget *widget = vb_reception_test_money_child (name);
  GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
  graphene_point_t point;

  vb_gui_settle (200);
  if (gtk_widget_compute_point (widget, scroller, &GRAPHENE_POINT_INIT (0, 0), &point))
    gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + point.y - 60);
  vb_gui_settle (200);
}

static void
open_work_order (const char *id)
{
  gtk_widget_activate_action (GTK_WIDGET (vb_reception_test_window ()), "win.open-record", "(ss)", "work_orders", id);
  g_assert_true (vb_gui_wait_for (vb_reception_test_content_is, (gpointer) "work-order", WAIT_MS));
  g_assert_cmpstr (vb_work_order_page_get_work_order_id (vb_reception_test_wo_page ()), ==, id);
}

static gint64
standin_count (const char *what)
{
  g_autofree char *url = g_strconcat (standin_url, "/_count", NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error));
  return json_object_get_int_member_with_default (json_node_get_object (json_parser_get_root (parser)), what, -1);
}

/* 1. Approval by phone; returns the work order. */
static char *
approve_by_phone (void)
{
  g_autofree char *order = NULL;
  g_autofree char *version = NULL;
  g_autofree char *total = NULL;
  VbApprovalDialog *dialog;
  gint64 n_lines;

  order = vb_reception_test_db_value (server, "SELECT w.id FROM work_orders w JOIN locations l ON l.id = w.location_id"
                                              " WHERE l.code = 'HCM-D1' AND w.status = $1 ORDER BY w.number LIMIT 1", "awaiting_approval");
  version = vb_reception_test_db_value (server, "SELECT v.id FROM quote_versions v JOIN quotes q ON q.id = v.quote_id"
                                                " WHERE q.work_order_id = $1::uuid AND v.status = 'sent'", order);
  n_lines = vb_reception_test_db_count (server, "SELECT count(*) FROM quote_lines WHERE quote_version_id = $1::uuid", version);
  total = money_text ("SELECT sum(net_amount) + sum(tax_amount) FROM quote_lines WHERE quote_version_id = $1::uuid", version);
  g_assert_cmpint (n_lines, >, 0);

  open_work_order (order);
  g_assert_true (vb_gui_wait_for (quote_is, (gpointer) "sent", WAIT_MS));
  g_assert_cmpstr (member (vb_money_section_get_quote_version (vb_reception_test_money_section ()),
                           "id"), ==, version);
  g_assert_true (vb_reception_test_wo_shows (total));
  g_assert_true (vb_reception_test_wo_shows ((gpointer) "Undecided"));
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("approval_button"), WAIT_MS));
  scroll_to ("quote_group");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "money-01-quote-sent");

  gtk_widget_activate (vb_reception_test_money_child ("approval_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_APPROVAL_DIALOG), WAIT_MS));
  dialog = VB_APPROVAL_DIALOG (vb_gui_find_toplevel (VB_TYPE_APPROVAL_DIALOG));
  gtk_editable_set_text (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "phone_row"), PHONE);
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "money-02-approval-dialog");
  g_assert_true (gtk_widget_get_sensitive (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "record_button")));
  gtk_widget_activate (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "record_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_APPROVAL_DIALOG), WAIT_MS));

  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM quote_line_decisions d JOIN quote_lines l ON l.id = d.quote_line_id"
                                                       " WHERE l.quote_version_id = $1::uuid AND d.decision = 'approved'"
                                                       " AND d.channel = 'phone' AND d.phone_number = '" PHONE "'", version), ==, n_lines);
  {
    g_autofree char *status = vb_reception_test_db_value (server, "SELECT status FROM quote_versions WHERE id = $1::uuid", version);
    g_assert_cmpstr (status, ==, "decided");
  }
  /* The work order moves on, through the change feed. */
  g_assert_true (vb_gui_wait_for (vb_reception_test_wo_status_is,
                                  (gpointer) vb_work_order_status_get_label ("in_progress"), WAIT_MS));
  g_assert_true (vb_gui_wait_for (quote_is, (gpointer) "decided", WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_reception_test_wo_shows, (gpointer) "Approved", WAIT_MS));
  g_assert_false (gtk_widget_get_sensitive (vb_reception_test_money_child ("approval_button")));
  scroll_to ("quote_group");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "money-03-quote-approved");
  return g_steal_pointer (&order);
}

static AdwMessageDialog *
message_dialog (const char *heading)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data) &&
        g_strcmp0 (adw_message_dialog_get_heading (l->data), heading) == 0)
      return l->data;
  return NULL;
}

static gboolean
message_shown (gpointer heading)
{
  return message_dialog (heading) != NULL;
}

static gboolean
dropdown_filled (gpointer dropdown)
{
  GListModel *model = gtk_drop_down_get_model (dropdown);

  return model != NULL && g_list_model_get_n_items (model) > 0;
}

static gboolean
result_shown (gpointer editor)
{
  return gtk_widget_get_visible (vb_gui_child (editor, VB_TYPE_QUOTE_EDITOR, "result_group"));
}

static GtkWidget *
nth_line_child (VbQuoteEditor *editor,
                guint          n,
                guint          child)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (vb_gui_child (editor, VB_TYPE_QUOTE_EDITOR, "lines_list"), (int) n);
  GtkWidget *widget = gtk_widget_get_first_child (gtk_list_box_row_get_child (row));

  for (guint i = 0; i < child && widget != NULL; i++)
    widget = gtk_widget_get_next_sibling (widget);
  return widget;
}

/* 1b. A new version (labor from the open tasks, a part from the catalog,
 * a fee, a discount), priced by the server, then sent. */
static void
new_quote_version (const char *order)
{
  VbQuoteEditor *editor;
  g_autofree char *version = NULL;
  GtkWidget *price;
  guint n_labor, n;
  gint64 open_tasks;

  open_tasks = vb_reception_test_db_count (server, "SELECT count(*) FROM work_order_tasks WHERE work_order_id = $1::uuid"
                                                   " AND status NOT IN ('done', 'cancelled')", order);
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("new_version_button"), WAIT_MS));
  gtk_widget_activate (vb_reception_test_money_child ("new_version_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_QUOTE_EDITOR), WAIT_MS));
  editor = VB_QUOTE_EDITOR (vb_gui_find_toplevel (VB_TYPE_QUOTE_EDITOR));
  n_labor = vb_quote_editor_get_n_lines (editor);
  g_assert_cmpint (n_labor, ==, open_tasks);
  g_assert_true (vb_gui_wait_for (dropdown_filled, vb_gui_child (editor, VB_TYPE_QUOTE_EDITOR, "part_dropdown"), WAIT_MS));
  vb_quote_editor_add_line (editor, "part");
  vb_quote_editor_add_line (editor, "fee");
  vb_quote_editor_add_line (editor, "discount");
  n = vb_quote_editor_get_n_lines (editor);
  g_assert_cmpuint (n, ==, n_labor + 3);
  /* A discount that is not money is marked and blocks saving. */
  price = nth_line_child (editor, n - 1, 2);
  gtk_editable_set_text (GTK_EDITABLE (price), "50k");
  g_assert_true (gtk_widget_has_css_class (price, "error"));
  g_assert_false (gtk_widget_get_sensitive (vb_gui_child (editor, VB_TYPE_QUOTE_EDITOR, "save_button")));
  gtk_editable_set_text (GTK_EDITABLE (price), "50000");
  gtk_editable_set_text (GTK_EDITABLE (nth_line_child (editor, n - 2, 1)), "Coolant disposal");
  gtk_editable_set_text (GTK_EDITABLE (nth_line_child (editor, n - 2, 2)), "30000");
  g_assert_true (gtk_widget_get_sensitive (vb_gui_child (editor, VB_TYPE_QUOTE_EDITOR, "save_button")));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (editor), "money-03b-quote-editor");
  gtk_widget_activate (vb_gui_child (editor, VB_TYPE_QUOTE_EDITOR, "save_button"));
  g_assert_true (vb_gui_wait_for (result_shown, editor, WAIT_MS));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (editor), "money-03c-quote-priced");
  version = vb_reception_test_db_value (server, "SELECT v.id FROM quote_versions v JOIN quotes q ON q.id = v.quote_id"
                                                " WHERE q.work_order_id = $1::uuid AND v.status = 'draft'", order);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM quote_lines WHERE quote_version_id = $1::uuid", version), ==, n);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM quote_lines WHERE quote_version_id = $1::uuid"
                                                       " AND kind = 'discount' AND unit_price_amount = -50000", version), ==, 1);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM quote_lines WHERE quote_version_id = $1::uuid"
                                                       " AND kind = 'fee' AND unit_price_amount = 30000 AND description = 'Coolant disposal'",
                                                       version), ==, 1);
  {
    g_autofree char *total = money_text ("SELECT sum(gross_amount) FROM quote_lines WHERE quote_version_id = $1::uuid",
                                         version);
    g_assert_nonnull (strstr (gtk_label_get_label (vb_gui_child (editor, VB_TYPE_QUOTE_EDITOR, "result_totals_label")),
                              total));
  }
  gtk_widget_activate (vb_gui_child (editor, VB_TYPE_QUOTE_EDITOR, "save_button"));   /* Done */
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_QUOTE_EDITOR), WAIT_MS));
  /* The page shows the draft; Send sends it. */
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("quote_send_button"), WAIT_MS));
  gtk_widget_activate (vb_reception_test_money_child ("quote_send_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_widget_hidden,
                                  vb_reception_test_money_child ("quote_send_button"), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("approval_button"), WAIT_MS));
  scroll_to ("quote_group");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "money-03d-version-sent");
  {
    g_autofree char *status = vb_reception_test_db_value (server, "SELECT status FROM quote_versions WHERE id = $1::uuid", version);
    g_assert_cmpstr (status, ==, "sent");
  }

  /* In person: the customer signs on the pad; the part is declined. */
  {
    VbApprovalDialog *dialog;
    GtkListBox *lines;
    GtkWidget *pad, *part_switch = NULL;
    g_autofree char *part_line = vb_reception_test_db_value (server, "SELECT id FROM quote_lines WHERE quote_version_id = $1::uuid"
                                                                     " AND kind = 'part'", version);

    gtk_widget_activate (vb_reception_test_money_child ("approval_button"));
    g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_APPROVAL_DIALOG), WAIT_MS));
    dialog = VB_APPROVAL_DIALOG (vb_gui_find_toplevel (VB_TYPE_APPROVAL_DIALOG));
    adw_combo_row_set_selected (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "channel_row"), 2);
    g_assert_true (gtk_widget_get_visible (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "signature_frame")));
    /* Nothing signed yet: Record waits. */
    g_assert_false (gtk_widget_get_sensitive (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "record_button")));
    pad = gtk_frame_get_child (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "signature_frame"));
    vb_signature_pad_begin_stroke (VB_SIGNATURE_PAD (pad), 20, 80);
    for (int x = 20; x < 300; x += 10)
      vb_signature_pad_extend_stroke (VB_SIGNATURE_PAD (pad), x, 80 + ((x / 10) % 2 ? 25 : -25));
    vb_signature_pad_end_stroke (VB_SIGNATURE_PAD (pad));
    /* The third line of the version is the part (labor, labor, part, …). */
    lines = vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "lines_list");
    for (int i = 0; gtk_list_box_get_row_at_index (lines, i) != NULL; i++)
      {
        GtkWidget *row = GTK_WIDGET (gtk_list_box_get_row_at_index (lines, i));

        if (g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), "12 V AGM battery 60 Ah") == 0 ||
            i == (int) n_labor)
          part_switch = adw_action_row_get_activatable_widget (ADW_ACTION_ROW (row));
      }
    g_assert_nonnull (part_switch);
    gtk_switch_set_active (GTK_SWITCH (part_switch), FALSE);
    g_assert_true (gtk_widget_get_sensitive (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "record_button")));
    vb_gui_settle (300);
    {
      GtkWidget *scroller = gtk_widget_get_ancestor (pad, GTK_TYPE_SCROLLED_WINDOW);
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

      gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
      vb_gui_settle (300);
    }
    vb_gui_save_screenshot (GTK_WIDGET (dialog), "money-03e-approval-in-person");
    gtk_widget_activate (vb_gui_child (dialog, VB_TYPE_APPROVAL_DIALOG, "record_button"));
    g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_APPROVAL_DIALOG), WAIT_MS));
    g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM quote_line_decisions d JOIN quote_lines l ON l.id = d.quote_line_id"
                                                         " JOIN attachments a ON a.id = d.signature_attachment_id AND a.purpose = 'signature'"
                                                         " WHERE l.quote_version_id = $1::uuid AND d.channel = 'in_person'", version), ==, n);
    g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM quote_line_decisions WHERE quote_line_id = $1::uuid"
                                                         " AND decision = 'declined'", part_line), ==, 1);
    g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM deferred_work WHERE work_order_id = $1::uuid", order), ==, 1);
    g_assert_true (vb_gui_wait_for (vb_reception_test_wo_shows, (gpointer) "Declined", WAIT_MS));
  }

  /* Issue Invoice: the preview first (what was clocked, within the
   * approved total), then the invoice with its number. */
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("issue_button"), WAIT_MS));
  gtk_widget_activate (vb_reception_test_money_child ("issue_button"));
  g_assert_true (vb_gui_wait_for (message_shown, (gpointer) "Issue the Invoice?", WAIT_MS));
  vb_gui_save_screenshot (GTK_WIDGET (message_dialog ("Issue the Invoice?")), "money-03e-invoice-preview");
  adw_message_dialog_response (message_dialog ("Issue the Invoice?"), "issue");
  g_assert_true (vb_gui_wait_for (invoice_is, (gpointer) "issued", WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM invoices WHERE work_order_id = $1::uuid AND status = 'issued'",
                                                       order), ==, 1);
  {
    g_autofree char *number = vb_reception_test_db_value (server, "SELECT number FROM invoices WHERE work_order_id = $1::uuid", order);
    g_assert_cmpstr (member (vb_money_section_get_invoice (vb_reception_test_money_section ()),
                             "number"), ==, number);
    g_assert_true (vb_gui_wait_for (vb_reception_test_wo_shows, number, WAIT_MS));
  }
  g_assert_false (gtk_widget_get_visible (vb_reception_test_money_child ("issue_button")));
  g_assert_true (gtk_widget_get_sensitive (vb_reception_test_money_child ("pay_button")));
  scroll_to ("invoice_group");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "money-03f-invoice-issued");
}

static VbPaymentDialog *
open_payment_dialog (void)
{
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("pay_button"), WAIT_MS));
  gtk_widget_activate (vb_reception_test_money_child ("pay_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_PAYMENT_DIALOG), WAIT_MS));
  return VB_PAYMENT_DIALOG (vb_gui_find_toplevel (VB_TYPE_PAYMENT_DIALOG));
}

static gboolean
payment_pending (gpointer dialog)
{
  return g_strcmp0 (vb_payment_dialog_get_payment_status (dialog), "pending") == 0;
}

static void
close_payment_dialog (VbPaymentDialog *dialog)
{
  gtk_widget_activate (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "close_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_PAYMENT_DIALOG), WAIT_MS));
}

static gboolean
emailing_done (gpointer data)
{
  const char *text = gtk_label_get_label (vb_reception_test_money_child ("money_status_label"));

  return gtk_widget_get_sensitive (vb_reception_test_money_child ("invoice_email_button")) &&
         (g_str_has_prefix (text, "Invoice e-mailed to ") || g_str_has_prefix (text, "Invoice not e-mailed: "));
}

/* 3b. E-mail PDF on the invoice: one message, whatever the clicks. */
static void
email_invoice (const char *invoice,
               gboolean    expect_sent,
               const char *screenshot)
{
  g_autofree char *customer = vb_reception_test_db_value (server, "SELECT customer_id FROM invoices WHERE id = $1::uuid", invoice);
  g_autofree char *consent = vb_reception_test_db_value (server, "SELECT vb_customer_may_contact($1::uuid, 'email')"
                                                                 " AND coalesce(emails[1], '') <> '' FROM customers WHERE id = $1::uuid",
                                                                 customer);
  const char *status;

  /* The test decides which way it goes (set up by the caller). */
  g_assert_cmpstr (consent, ==, expect_sent ? "t" : "f");
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE kind = 'document'"
                                                       " AND related_entity = 'invoices' AND related_id = $1::uuid", invoice), ==, 0);
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("invoice_email_button"), WAIT_MS));
  /* Pressed twice, quickly: the second press finds the button insensitive. */
  g_signal_emit_by_name (vb_reception_test_money_child ("invoice_email_button"), "clicked");
  g_assert_false (gtk_widget_get_sensitive (vb_reception_test_money_child ("invoice_email_button")));
  g_signal_emit_by_name (vb_reception_test_money_child ("invoice_email_button"), "clicked");
  g_assert_true (vb_gui_wait_for (emailing_done, NULL, WAIT_MS));
  status = gtk_label_get_label (vb_reception_test_money_child ("money_status_label"));
  g_assert_true (gtk_widget_get_visible (vb_reception_test_money_child ("money_status_label")));
  if (g_strcmp0 (consent, "t") == 0)
    {
      g_autofree char *to = vb_reception_test_db_value (server, "SELECT emails[1] FROM customers WHERE id = $1::uuid", customer);
      g_autofree char *expected = g_strdup_printf ("Invoice e-mailed to %s", to);
      g_autofree char *message = NULL;

      g_assert_cmpstr (status, ==, expected);
      g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE kind = 'document' AND channel = 'email'"
                                                           " AND related_entity = 'invoices' AND related_id = $1::uuid", invoice), ==, 1);
      message = vb_reception_test_db_value (server, "SELECT id FROM outbound_messages WHERE kind = 'document'"
                                                    " AND related_entity = 'invoices' AND related_id = $1::uuid", invoice);
      g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_message_attachments WHERE message_id = $1::uuid",
                                                           message), ==, 1);
      g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_message_attachments x"
                                                           " JOIN attachments a ON a.id = x.attachment_id"
                                                           " WHERE x.message_id = $1::uuid AND a.content_type = 'application/pdf'",
                                                           message), ==, 1);
      g_test_message ("invoice e-mailed to %s", to);
    }
  else
    {
      g_assert_true (g_str_has_prefix (status, "Invoice not e-mailed: "));
      g_assert_nonnull (strstr (status, "consented"));
      g_assert_true (gtk_widget_has_css_class (vb_reception_test_money_child ("money_status_label"), "error"));
      g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM outbound_messages WHERE kind = 'document'"
                                                           " AND related_entity = 'invoices' AND related_id = $1::uuid", invoice), ==, 0);
      g_test_message ("the customer has no e-mail consent: %s", status);
    }
  scroll_to ("money_status_label");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), screenshot);
}

/* 1c. The new invoice paid in two parts: a bank transfer by QR code,
 * confirmed by staff, then the rest in cash with change. */
static void
transfer_and_cash (const char *order)
{
  g_autofree char *invoice = vb_reception_test_db_value (server, "SELECT id FROM invoices WHERE work_order_id = $1::uuid", order);
  gint64 due = vb_reception_test_db_count (server, "SELECT total_amount FROM invoices WHERE id = $1::uuid", invoice);
  gint64 part = due / 2;
  g_autofree char *part_text = g_strdup_printf ("%" G_GINT64_FORMAT, part);
  g_autofree char *tendered_text = g_strdup_printf ("%" G_GINT64_FORMAT, due - part + 50000);
  g_autofree char *change = vb_format_money (50000, "VND", "en");
  VbPaymentDialog *dialog;
  GtkPicture *qr;

  dialog = open_payment_dialog ();
  adw_combo_row_set_selected (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "method_row"), 3);   /* transfer */
  gtk_editable_set_text (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "amount_row"), part_text);
  gtk_widget_activate (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "pay_button"));
  g_assert_true (vb_gui_wait_for (payment_pending, dialog, WAIT_MS));
  qr = vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "qr_picture");
  g_assert_true (gtk_widget_get_visible (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "qr_box")));
  g_assert_nonnull (gtk_picture_get_paintable (qr));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (gtk_picture_get_paintable (qr)), >, 100);
  {
    g_autofree char *reference = vb_reception_test_db_value (server, "SELECT reference FROM payments WHERE id = $1::uuid",
                                                                     vb_payment_dialog_get_payment_id (dialog));
    g_assert_nonnull (strstr (gtk_label_get_label (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "reference_label")),
                              reference));
  }
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "money-03g-transfer-qr");
  gtk_widget_activate (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "confirm_button"));
  g_assert_true (vb_gui_wait_for (payment_settled, dialog, WAIT_MS));
  close_payment_dialog (dialog);
  g_assert_true (vb_gui_wait_for (invoice_is, (gpointer) "partially_paid", WAIT_MS));

  dialog = open_payment_dialog ();
  {
    g_autofree char *rest = g_strdup_printf ("%" G_GINT64_FORMAT, due - part);
    g_assert_cmpstr (gtk_editable_get_text (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "amount_row")), ==, rest);
  }
  /* Cash is the first method; less tendered than the amount is marked. */
  gtk_editable_set_text (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "tendered_row"), "1000");
  g_assert_true (gtk_widget_has_css_class (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "tendered_row"), "error"));
  g_assert_false (gtk_widget_get_sensitive (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "pay_button")));
  gtk_editable_set_text (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "tendered_row"), tendered_text);
  g_assert_cmpstr (gtk_label_get_label (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "change_label")), ==, change);
  gtk_widget_activate (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "pay_button"));
  g_assert_true (vb_gui_wait_for (payment_settled, dialog, WAIT_MS));
  g_assert_nonnull (strstr (gtk_label_get_label (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "status_label")), change));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "money-03h-cash-change");
  close_payment_dialog (dialog);
  g_assert_true (vb_gui_wait_for (invoice_is, (gpointer) "paid", WAIT_MS));
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM payments WHERE invoice_id = $1::uuid AND status = 'succeeded'",
                                                       invoice), ==, 2);
  {
    g_autofree char *status = vb_reception_test_db_value (server, "SELECT status FROM invoices WHERE id = $1::uuid", invoice);
    g_assert_cmpstr (status, ==, "paid");
  }
  /* This customer agrees to e-mail meanwhile (recorded at another desk). */
  g_free (vb_reception_test_db_value (server, "UPDATE customers SET emails = ARRAY['minh.money@example.com'],"
                                              " consent = jsonb_set(coalesce(consent, '{}'::jsonb), '{email}',"
                                              "                     '{\"given\": true, \"channel\": \"in_person\"}'::jsonb)"
                                              " WHERE id = (SELECT customer_id FROM invoices WHERE id = $1::uuid) RETURNING id", invoice));
  email_invoice (invoice, TRUE, "money-03i-invoice-emailed");
}

/* 2–4. The rest by card, then the print, then offline. */
static void
pay_by_card (void)
{
  g_autofree char *invoice = NULL;
  g_autofree char *order = NULL;
  g_autofree char *number = NULL;
  g_autofree char *total = NULL;
  g_autofree char *due_input = NULL;
  g_autofree char *pdf = NULL;
  g_autofree char *txt = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  VbPaymentDialog *dialog;
  gint64 due, intents_before, payments_before;
  int status = -1;

  invoice = vb_reception_test_db_value (server, "SELECT i.id FROM invoices i JOIN locations l ON l.id = i.location_id"
                                                " JOIN work_orders w ON w.id = i.work_order_id"
                                                " WHERE l.code = 'HCM-D1' AND i.status = $1 AND w.status = 'ready' LIMIT 1", "partially_paid");
  order = vb_reception_test_db_value (server, "SELECT work_order_id FROM invoices WHERE id = $1::uuid", invoice);
  number = vb_reception_test_db_value (server, "SELECT number FROM invoices WHERE id = $1::uuid", invoice);
  total = money_text ("SELECT total_amount FROM invoices WHERE id = $1::uuid", invoice);
  due = vb_reception_test_db_count (server, "SELECT total_amount - paid_amount FROM invoices WHERE id = $1::uuid", invoice);
  g_assert_cmpint (due, >, 0);
  payments_before = vb_reception_test_db_count (server, "SELECT count(*) FROM payments WHERE invoice_id = $1::uuid", invoice);
  intents_before = standin_count ("payment_intents");

  open_work_order (order);
  g_assert_true (vb_gui_wait_for (invoice_is, (gpointer) "partially_paid", WAIT_MS));
  g_assert_cmpstr (member (vb_money_section_get_invoice (vb_reception_test_money_section ()),
                           "number"), ==, number);
  g_assert_true (vb_reception_test_wo_shows (number));
  g_assert_true (vb_reception_test_wo_shows (total));
  {
    g_autofree char *due_text = vb_format_money (due, "VND", "en");
    g_autofree char *line = g_strdup_printf ("Due %s", due_text);
    g_assert_true (vb_reception_test_wo_shows (line));
  }
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("pay_button"), WAIT_MS));
  scroll_to ("invoice_group");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "money-04-invoice-partly-paid");

  gtk_widget_activate (vb_reception_test_money_child ("pay_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_shown, GSIZE_TO_POINTER (VB_TYPE_PAYMENT_DIALOG), WAIT_MS));
  dialog = VB_PAYMENT_DIALOG (vb_gui_find_toplevel (VB_TYPE_PAYMENT_DIALOG));
  /* The amount defaults to what is due. */
  due_input = g_strdup_printf ("%" G_GINT64_FORMAT, due);
  g_assert_cmpstr (gtk_editable_get_text (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "amount_row")), ==, due_input);
  adw_combo_row_set_selected (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "method_row"), 1);   /* card */
  /* Without the terminal's payment method, Pay waits. */
  g_assert_false (gtk_widget_get_sensitive (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "pay_button")));
  gtk_editable_set_text (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "card_row"), "pm_card_visa");
  g_assert_true (gtk_widget_get_sensitive (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "pay_button")));
  vb_gui_settle (300);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "money-05-card-payment");
  /* Pressed twice, quickly. */
  g_signal_emit_by_name (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "pay_button"), "clicked");
  g_signal_emit_by_name (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "pay_button"), "clicked");
  if (!vb_gui_wait_for (payment_settled, dialog, WAIT_MS))
    g_error ("The payment did not go through: %s",
             gtk_label_get_label (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "status_label")));
  /* And once more after the answer: nothing new. */
  g_signal_emit_by_name (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "pay_button"), "clicked");
  vb_gui_settle (500);
  vb_gui_save_screenshot (GTK_WIDGET (dialog), "money-06-card-paid");
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM payments WHERE invoice_id = $1::uuid", invoice), ==,
                   payments_before + 1);
  g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM payments WHERE invoice_id = $1::uuid AND method = 'card'"
                                                       " AND status = 'succeeded' AND card_last4 = '4242'", invoice), ==, 1);
  g_assert_cmpint (standin_count ("payment_intents"), ==, intents_before + 1);
  {
    g_autofree char *key = g_strdup (vb_payment_dialog_get_idempotency_key (dialog));
    g_autofree char *invoice_status = vb_reception_test_db_value (server, "SELECT status FROM invoices WHERE id = $1::uuid", invoice);

    g_assert_nonnull (key);
    g_assert_cmpstr (invoice_status, ==, "paid");
    g_assert_cmpint (vb_reception_test_db_count (server, "SELECT count(*) FROM payment_idempotency_keys WHERE key = $1", key), ==, 1);
  }
  gtk_widget_activate (vb_gui_child (dialog, VB_TYPE_PAYMENT_DIALOG, "close_button"));
  g_assert_true (vb_gui_wait_for (vb_gui_toplevel_gone, GSIZE_TO_POINTER (VB_TYPE_PAYMENT_DIALOG), WAIT_MS));
  g_assert_true (vb_gui_wait_for (invoice_is, (gpointer) "paid", WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_reception_test_wo_shows, (gpointer) "visa ••4242", WAIT_MS));
  g_assert_false (gtk_widget_get_sensitive (vb_reception_test_money_child ("pay_button")));
  scroll_to ("invoice_group");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "money-07-invoice-paid");
  email_invoice (invoice, FALSE, "money-07b-invoice-not-emailed");

  /* 3. The print, exported to PDF. */
  pdf = g_build_filename (vb_test_build_dir (), "tests", "ui-artifacts", "money-09-invoice-print.pdf", NULL);
  txt = g_build_filename (config_dir, "invoice.txt", NULL);
  g_assert_true (vb_money_section_export_pdf (vb_reception_test_money_section (), TRUE, pdf, &error));
  g_assert_no_error (error);
  {
    const char *argv[] = { "pdftotext", "-layout", pdf, txt, NULL };
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status,
                                 &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 0);
  }
  g_assert_true (g_file_get_contents (txt, &text, NULL, &error));
  g_assert_nonnull (strstr (text, number));
  g_assert_nonnull (strstr (text, total));

  /* 4. Offline: looked at, not changed. */
  vb_gui_stop_server (server);
  g_assert_true (vb_gui_wait_for (widget_insensitive,
                                  vb_reception_test_money_child ("new_version_button"), WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_gui_widget_visible,
                                  vb_reception_test_money_child ("money_status_label"), WAIT_MS));
  g_assert_nonnull (strstr (gtk_label_get_label (vb_reception_test_money_child ("money_status_label")), "Payments need the server"));
  g_assert_false (gtk_widget_get_sensitive (vb_reception_test_money_child ("pay_button")));
  g_assert_false (gtk_widget_get_sensitive (vb_reception_test_money_child ("new_version_button")));
  g_assert_false (gtk_widget_get_sensitive (vb_reception_test_money_child ("invoice_email_button")));
  g_assert_false (gtk_widget_get_sensitive (vb_reception_test_money_child ("quote_email_button")));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (vb_reception_test_money_child ("invoice_email_button")), "Payments need the server"));
  g_assert_true (vb_reception_test_wo_shows (number));
  scroll_to ("money_status_label");
  vb_gui_save_screenshot (GTK_WIDGET (vb_reception_test_window ()), "money-08-offline");
  vb_test_server_restart (server, FALSE);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));
  g_assert_true (vb_gui_wait_for (vb_gui_widget_hidden,
                                  vb_reception_test_money_child ("money_status_label"), WAIT_MS));
  /* A collected-or-not ready order may get a new quote version again. */
  g_assert_true (vb_gui_wait_for (vb_reception_test_widget_sensitive,
                                  vb_reception_test_money_child ("new_version_button"), WAIT_MS));
}

static void
money_day (void)
{
  g_autofree char *order = NULL;

  vb_reception_test_sign_in (server, DESK_EMAIL, DESK_PASSWORD);
  g_assert_true (vb_gui_wait_for (vb_reception_test_label_is, (gpointer) "Up to date", WAIT_MS));
  order = approve_by_phone ();
  new_quote_version (order);
  transfer_and_cash (order);
  pay_by_card ();
}

static void
standin_start (void)
{
  g_autofree char *file = g_path_is_absolute (__FILE__) ? g_strdup (__FILE__)
                          : g_build_filename (vb_test_build_dir (), __FILE__, NULL);
  g_autofree char *dir = g_path_get_dirname (file);
  g_autofree char *script = g_build_filename (dir, "..", "standins", "stripe-standin.py", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *line = NULL;

  standin = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "python3", script, "--secret-key", SECRET_KEY,
                              "--webhook-secret", WEBHOOK_SECRET, "--port", "0", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (standin));
  line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_true (g_str_has_prefix (line, "PORT "));
  standin_url = g_strdup_printf ("http://127.0.0.1:%s", line + 5);
}

static void
test_money (void)
{
  vb_reception_test_run (money_day, 1100, 760);
}

int
main (int   argc,
      char *argv[])
{
  const char *demo[] = { "demo-data", NULL };
  const char *add_desk[] = { "user-add", "--email=" DESK_EMAIL, "--name=" DESK_NAME,
                             "--role=reception", "--location=HCM-D1", NULL };
  g_autofree char *config_path = NULL;
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;
  int result;

  vb_test_init (&argc, &argv);

  standin_start ();
  config_dir = g_dir_make_tmp ("voltbay-money-XXXXXX", &error);
  g_assert_no_error (error);
  config_path = g_build_filename (config_dir, "voltbay.conf", NULL);
  config = g_strdup_printf ("[payments]\n"
                            "stripe-api-base=%s\n"
                            "stripe-secret-key=" SECRET_KEY "\n"
                            "stripe-webhook-secret=" WEBHOOK_SECRET "\n"
                            "qr-bank-bin=970436\n"
                            "qr-account=1023456789\n"
                            "qr-merchant-name=Voltbay Saigon\n"
                            "qr-merchant-city=Ho Chi Minh\n",
                            standin_url);
  g_assert_true (g_file_set_contents (config_path, config, -1, &error));

  server = vb_test_server_start_tls ();
  g_free (vb_test_ctl (server, demo, NULL, &status));
  g_assert_cmpint (status, ==, 0);
  g_free (vb_test_ctl (server, add_desk, DESK_PASSWORD "\n", &status));
  g_assert_cmpint (status, ==, 0);
  /* Again with the gateway (the stand-in) and the shop's bank account. */
  g_strfreev (server->extra_args);
  server->extra_args = g_strdupv ((char *[]) { (char *) "--config", config_path, NULL });
  vb_test_server_restart (server, FALSE);

  g_test_add_func ("/reception-money/quote-approval-invoice-payment", test_money);

  result = g_test_run ();
  vb_test_server_stop (server);
  g_subprocess_force_exit (standin);
  g_subprocess_wait (standin, NULL, NULL);
  g_clear_object (&standin);
  {
    g_autofree char *txt = g_build_filename (config_dir, "invoice.txt", NULL);
    g_unlink (txt);
    g_unlink (config_path);
    g_rmdir (config_dir);
  }
  g_free (config_dir);
  g_free (standin_url);
  return result;
}
