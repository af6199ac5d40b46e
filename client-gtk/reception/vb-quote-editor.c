/* vb-quote-editor.c — the lines of a new quote version: labor per open
 * task (hours in tenths, the task and its service type named so the
 * server prices it at the shop's labor rate), parts from the cached
 * catalog (whole units, priced by the server from the part's sale price),
 * fees (price ≥ 0) and discounts (a negative price; staff type the
 * amount, the sign is ours).  The server computes every price and tax:
 * its reply (the priced draft) is shown before the window is closed.
 *
 * What is typed is checked on the field (a quantity that is not a number
 * of tenths or units, a price that is not money); a field the server
 * refuses (422 "lines[2].quantity") is marked on that line; nothing typed
 * is lost.  Needs the server: "Create Draft" is insensitive offline.
 * Emits "created" once the server made the version. */
#include "vb-quote-editor.h"
#include "vb-api-client.h"
#include "vb-cache.h"
#include "vb-client.h"
#include "vb-error.h"
#include "vb-money-util.h"
#include "vb-record-list.h"

#include <glib/gi18n.h>
#include <stdlib.h>
#include <string.h>

struct _VbQuoteEditor
{
  AdwWindow parent_instance;

  GtkButton           *cancel_button;
  GtkButton           *save_button;
  GtkListBox          *lines_list;
  GtkButton           *add_labor_button;
  GtkDropDown         *part_dropdown;
  GtkButton           *add_part_button;
  GtkButton           *add_fee_button;
  GtkButton           *add_discount_button;
  AdwEntryRow         *notes_row;
  AdwPreferencesGroup *result_group;
  GtkListBox          *result_list;
  GtkLabel            *result_totals_label;
  GtkLabel            *status_label;

  VbClient     *client;
  GCancellable *cancellable;
  VbRecordList *parts;
  char         *work_order_id;
  char         *currency;
  gboolean      busy;
  gboolean      created;
};

G_DEFINE_FINAL_TYPE (VbQuoteEditor, vb_quote_editor, ADW_TYPE_WINDOW)

enum { CREATED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct
{
  char      *kind;
  char      *task_id;
  char      *service_type_id;
  char      *part_id;
  GtkWidget *description;
  GtkWidget *quantity;
  GtkWidget *price;
} Line;

static void
line_free (Line *line)
{
  g_free (line->kind);
  g_free (line->task_id);
  g_free (line->service_type_id);
  g_free (line->part_id);
  g_free (line);
}

static void update (VbQuoteEditor *self);

static const char *
kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "labor") == 0)
    return _("Labor");
  if (g_strcmp0 (kind, "part") == 0)
    return _("Part");
  if (g_strcmp0 (kind, "fee") == 0)
    return _("Fee");
  return _("Discount");
}

/* "1.5" (labor: tenths of an hour) or "2" (parts): exact, positive. */
static gboolean
quantity_ok (const char *text,
             gboolean    tenths)
{
  const char *dot = strchr (text, '.');
  gsize digits = 0;

  for (const char *p = text; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (p != dot)
        return FALSE;
    }
  if (digits == 0 || (dot != NULL && (!tenths || strlen (dot + 1) != 1)))
    return FALSE;
  return g_ascii_strtod (text, NULL) > 0;
}

static void
mark (GtkWidget *widget,
      gboolean   error)
{
  if (widget == NULL)
    return;
  if (error)
    gtk_widget_add_css_class (widget, "error");
  else
    gtk_widget_remove_css_class (widget, "error");
}

static gboolean
line_valid (VbQuoteEditor *self,
            Line          *line)
{
  gboolean ok = TRUE;

  if (line->quantity != NULL)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (line->quantity));
      gboolean good = quantity_ok (text, g_str_equal (line->kind, "labor"));

      mark (line->quantity, !good && text[0] != '\0');
      ok &= good;
    }
  if (line->price != NULL)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (line->price));
      gint64 amount = 0;
      gboolean good = vb_money_parse (text, self->currency, &amount) &&
                      (g_str_equal (line->kind, "fee") || amount > 0);

      mark (line->price, !good && text[0] != '\0');
      ok &= good;
    }
  if (line->description != NULL && !g_str_equal (line->kind, "part") && !g_str_equal (line->kind, "labor"))
    ok &= gtk_editable_get_text (GTK_EDITABLE (line->description))[0] != '\0';
  return ok;
}

static GtkWidget *
small_entry (const char *placeholder,
             const char *text,
             int         chars,
             const char *accessible)
{
  GtkWidget *entry = gtk_entry_new ();

  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), chars);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (entry), chars);
  gtk_widget_set_valign (entry, GTK_ALIGN_CENTER);
  if (text != NULL)
    gtk_editable_set_text (GTK_EDITABLE (entry), text);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  return entry;
}

static void
remove_clicked_cb (GtkButton     *button,
                   VbQuoteEditor *self)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);

  gtk_list_box_remove (self->lines_list, row);
  update (self);
}

static void
append_line (VbQuoteEditor *self,
             const char    *kind,
             const char    *description,
             const char    *quantity,
             const char    *task_id,
             const char    *service_type_id,
             const char    *part_id)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (kind_label (kind));
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  Line *line = g_new0 (Line, 1);

  line->kind = g_strdup (kind);
  line->task_id = g_strdup (task_id);
  line->service_type_id = g_strdup (service_type_id);
  line->part_id = g_strdup (part_id);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 6);
  gtk_label_set_width_chars (GTK_LABEL (label), 8);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_box_append (GTK_BOX (box), label);
  line->description = small_entry (_("Description"), description, 20, _("Description"));
  gtk_widget_set_hexpand (line->description, TRUE);
  gtk_editable_set_max_width_chars (GTK_EDITABLE (line->description), -1);
  gtk_box_append (GTK_BOX (box), line->description);
  if (g_str_equal (kind, "labor") || g_str_equal (kind, "part"))
    {
      line->quantity = small_entry (g_str_equal (kind, "labor") ? _("Hours") : _("Units"), quantity, 6,
                                    g_str_equal (kind, "labor") ? _("Hours") : _("Units"));
      gtk_widget_set_tooltip_text (line->quantity, g_str_equal (kind, "labor") ? _("Hours in tenths, e.g. 1.5")
                                                                                : _("Whole units"));
      gtk_box_append (GTK_BOX (box), line->quantity);
      g_signal_connect_object (line->quantity, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
    }
  else
    {
      line->price = small_entry (g_str_equal (kind, "fee") ? _("Price") : _("Amount off"), NULL, 10,
                                 g_str_equal (kind, "fee") ? _("Price") : _("Amount off"));
      gtk_box_append (GTK_BOX (box), line->price);
      g_signal_connect_object (line->price, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
    }
  g_signal_connect_object (line->description, "changed", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, _("Remove the line"));
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_clicked_cb), self);
  gtk_box_append (GTK_BOX (box), remove);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data_full (G_OBJECT (row), "vb-line", line, (GDestroyNotify) line_free);
  gtk_list_box_append (self->lines_list, row);
}

static Line *
nth_line (VbQuoteEditor *self,
          guint          n)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->lines_list, (int) n);

  return row != NULL ? g_object_get_data (G_OBJECT (row), "vb-line") : NULL;
}

guint
vb_quote_editor_get_n_lines (VbQuoteEditor *self)
{
  guint n = 0;

  g_return_val_if_fail (VB_IS_QUOTE_EDITOR (self), 0);
  while (nth_line (self, n) != NULL)
    n++;
  return n;
}

static void
update (VbQuoteEditor *self)
{
  gboolean online = self->client != NULL && vb_client_get_can_reach_server (self->client);
  guint n = vb_quote_editor_get_n_lines (self);
  gboolean ok = n > 0;

  for (guint i = 0; i < n; i++)
    ok &= line_valid (self, nth_line (self, i));
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_part_button),
                            !self->created && gtk_drop_down_get_selected_item (self->part_dropdown) != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), self->created || (online && ok && !self->busy));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->save_button),
                               online ? _("The server prices the lines from the shop’s rates")
                                      : _("Quotes need the server: offline, a version cannot be made"));
}

static void
show_status (VbQuoteEditor *self,
             const char    *text,
             gboolean       error)
{
  gtk_label_set_label (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL);
  mark (GTK_WIDGET (self->status_label), error);
}

static void
show_reply (VbQuoteEditor *self,
            JsonObject    *version)
{
  JsonArray *lines = json_object_has_member (version, "lines") ? json_object_get_array_member (version, "lines")
                                                                : NULL;
  g_autofree char *subtotal = vb_money_member_format (version, "subtotal");
  g_autofree char *tax = vb_money_member_format (version, "tax");
  g_autofree char *total = vb_money_member_format (version, "total");
  g_autofree char *totals = NULL;

  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *gross_label;
      g_autofree char *unit = vb_money_member_format (line, "unit_price");
      g_autofree char *net = vb_money_member_format (line, "net");
      g_autofree char *line_tax = vb_money_member_format (line, "tax");
      g_autofree char *gross = vb_money_member_format (line, "gross");
      g_autofree char *subtitle = NULL;
      const char *tax_name = vb_money_member_string (line, "tax_name");

      /* Translators: a priced line: unit price · tax rate · net + tax */
      subtitle = g_strdup_printf (_("%s each · %s · net %s + tax %s"), unit, tax_name != NULL ? tax_name : _("no tax"),
                                  net, line_tax);
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), vb_money_member_string (line, "description"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gross_label = gtk_label_new (gross);
      gtk_widget_add_css_class (gross_label, "numeric");
      gtk_widget_add_css_class (gross_label, "heading");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gross_label);
      gtk_list_box_append (self->result_list, row);
    }
  /* Translators: the draft's totals as the server computed them */
  totals = g_strdup_printf (_("Net %s · Tax %s · Total %s"), subtotal, tax, total);
  gtk_label_set_label (self->result_totals_label, totals);
  gtk_widget_set_visible (GTK_WIDGET (self->result_group), TRUE);
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(VbQuoteEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      const char *field = vb_error_get_field (error);
      /* Translators: %s is why the server refused the quote version */
      g_autofree char *text = g_strdup_printf (_("Not created: %s"), error != NULL ? error->message : "");

      show_status (self, text, TRUE);
      if (field != NULL && g_str_has_prefix (field, "lines["))
        {
          Line *line = nth_line (self, (guint) strtoul (field + 6, NULL, 10));
          const char *member = strchr (field, '.');

          if (line != NULL)
            {
              if (member != NULL && (g_str_equal (member, ".quantity") || g_str_equal (member, ".unit_price")))
                mark (g_str_equal (member, ".quantity") ? line->quantity : line->price, TRUE);
              else
                mark (line->description, TRUE);
            }
        }
      update (self);
      return;
    }
  self->created = TRUE;
  show_reply (self, json_node_get_object (reply));
  show_status (self, _("Draft created. Send it to the customer from the work order."), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->lines_list), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->notes_row), FALSE);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->add_labor_button)), FALSE);
  gtk_button_set_label (self->save_button, _("_Done"));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), FALSE);
  update (self);
  g_signal_emit (self, signals[CREATED], 0);
}

static void
save_cb (VbQuoteEditor *self)
{
  g_autoptr(JsonObject) body = NULL;
  JsonArray *lines;
  g_autofree char *path = NULL;
  guint n = vb_quote_editor_get_n_lines (self);

  if (self->created)
    {
      gtk_window_destroy (GTK_WINDOW (self));
      return;
    }
  if (self->busy || !gtk_widget_get_sensitive (GTK_WIDGET (self->save_button)))
    return;
  body = json_object_new ();
  lines = json_array_new ();
  for (guint i = 0; i < n; i++)
    {
      Line *line = nth_line (self, i);
      JsonObject *input = json_object_new ();
      g_autofree char *description = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (line->description))));

      json_object_set_string_member (input, "kind", line->kind);
      if (description[0] != '\0')
        json_object_set_string_member (input, "description", description);
      if (line->quantity != NULL)
        json_object_set_double_member (input, "quantity",
                                       g_ascii_strtod (gtk_editable_get_text (GTK_EDITABLE (line->quantity)), NULL));
      if (line->price != NULL)
        {
          gint64 amount = 0;

          vb_money_parse (gtk_editable_get_text (GTK_EDITABLE (line->price)), self->currency, &amount);
          json_object_set_object_member (input, "unit_price",
                                         vb_money_object (g_str_equal (line->kind, "discount") ? -amount : amount,
                                                          self->currency));
        }
      if (line->task_id != NULL)
        json_object_set_string_member (input, "task_id", line->task_id);
      if (line->service_type_id != NULL)
        json_object_set_string_member (input, "service_type_id", line->service_type_id);
      if (line->part_id != NULL)
        json_object_set_string_member (input, "part_id", line->part_id);
      json_array_add_object_element (lines, input);
    }
  json_object_set_array_member (body, "lines", lines);
  json_object_set_string_member (body, "notes", gtk_editable_get_text (GTK_EDITABLE (self->notes_row)));
  path = g_strdup_printf ("/api/v1/work-orders/%s/quote/versions", self->work_order_id);
  self->busy = TRUE;
  show_status (self, NULL, FALSE);
  update (self);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable, created_cb,
                               g_object_ref (self));
}

void
vb_quote_editor_add_line (VbQuoteEditor *self,
                          const char    *kind)
{
  g_return_if_fail (VB_IS_QUOTE_EDITOR (self));

  if (g_strcmp0 (kind, "part") == 0)
    {
      VbRecord *part = gtk_drop_down_get_selected_item (self->part_dropdown);

      if (part == NULL)
        return;
      append_line (self, "part", vb_record_get_string (part, "name"), "1", NULL, NULL, vb_record_get_id (part));
    }
  else if (g_strcmp0 (kind, "labor") == 0)
    append_line (self, "labor", NULL, "1.0", NULL, NULL, NULL);
  else if (g_strcmp0 (kind, "fee") == 0)
    append_line (self, "fee", _("Fee"), NULL, NULL, NULL, NULL);
  else
    append_line (self, "discount", _("Discount"), NULL, NULL, NULL, NULL);
  update (self);
}

static void
add_labor_cb (VbQuoteEditor *self)
{
  vb_quote_editor_add_line (self, "labor");
}

static void
add_part_cb (VbQuoteEditor *self)
{
  vb_quote_editor_add_line (self, "part");
}

static void
add_fee_cb (VbQuoteEditor *self)
{
  vb_quote_editor_add_line (self, "fee");
}

static void
add_discount_cb (VbQuoteEditor *self)
{
  vb_quote_editor_add_line (self, "discount");
}

static char *
part_title (VbRecord *part)
{
  gint64 price = 0;
  JsonObject *row = part != NULL ? vb_record_get_row (part) : NULL;
  g_autofree char *money = NULL;

  if (row == NULL)
    return g_strdup ("");
  if (json_object_has_member (row, "sale_price_amount"))
    price = json_object_get_int_member (row, "sale_price_amount");
  money = vb_money_to_input (price, vb_money_member_string (row, "currency"));
  /* Translators: a part in the catalog list: name (SKU) price currency */
  return g_strdup_printf (_("%s (%s) %s %s"), vb_money_member_string (row, "name"),
                          vb_money_member_string (row, "sku"), money,
                          vb_money_member_string (row, "currency") != NULL ? vb_money_member_string (row, "currency") : "");
}

VbQuoteEditor *
vb_quote_editor_new (VbClient   *client,
                     const char *work_order_id,
                     const char *currency)
{
  VbQuoteEditor *self = g_object_new (VB_TYPE_QUOTE_EDITOR, NULL);
  VbCache *cache = vb_client_get_cache (client);
  g_autoptr(VbRecordList) tasks = NULL;

  self->client = g_object_ref (client);
  self->work_order_id = g_strdup (work_order_id);
  self->currency = g_strdup (currency != NULL ? currency : "VND");
  if (cache != NULL)
    {
      GtkExpression *expression;

      tasks = vb_record_list_new (cache, "work_order_tasks", NULL, "position", FALSE);
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (tasks)); i++)
        {
          g_autoptr(VbRecord) task = g_list_model_get_item (G_LIST_MODEL (tasks), i);
          const char *status = vb_record_get_string (task, "status");
          JsonObject *row = vb_record_get_row (task);
          gint64 tenths = row != NULL && json_object_has_member (row, "estimated_tenths")
                            ? json_object_get_int_member (row, "estimated_tenths") : 10;
          g_autofree char *hours = NULL;

          if (g_strcmp0 (vb_record_get_string (task, "work_order_id"), work_order_id) != 0 ||
              g_strcmp0 (status, "done") == 0 || g_strcmp0 (status, "cancelled") == 0)
            continue;
          hours = g_strdup_printf ("%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT, MAX (tenths, 1) / 10,
                                   MAX (tenths, 1) % 10);
          append_line (self, "labor", vb_record_get_string (task, "title"), hours, vb_record_get_id (task),
                       vb_record_get_string (task, "service_type_id"), NULL);
        }
      self->parts = vb_record_list_new (cache, "parts", NULL, "name", FALSE);
      expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL, G_CALLBACK (part_title), NULL, NULL);
      gtk_drop_down_set_expression (self->part_dropdown, expression);
      gtk_expression_unref (expression);
      gtk_drop_down_set_model (self->part_dropdown, G_LIST_MODEL (self->parts));
    }
  g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
  update (self);
  return self;
}

static void
vb_quote_editor_dispose (GObject *object)
{
  VbQuoteEditor *self = VB_QUOTE_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  if (self->part_dropdown != NULL)
    gtk_drop_down_set_model (self->part_dropdown, NULL);
  g_clear_object (&self->parts);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_QUOTE_EDITOR);
  G_OBJECT_CLASS (vb_quote_editor_parent_class)->dispose (object);
}

static void
vb_quote_editor_finalize (GObject *object)
{
  VbQuoteEditor *self = VB_QUOTE_EDITOR (object);

  g_clear_object (&self->cancellable);
  g_free (self->work_order_id);
  g_free (self->currency);
  G_OBJECT_CLASS (vb_quote_editor_parent_class)->finalize (object);
}

static void
vb_quote_editor_class_init (VbQuoteEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_quote_editor_dispose;
  object_class->finalize = vb_quote_editor_finalize;
  signals[CREATED] = g_signal_new ("created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/voltbay/Reception/vb-quote-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, lines_list);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, add_labor_button);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, part_dropdown);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, add_part_button);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, add_fee_button);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, add_discount_button);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, notes_row);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, result_group);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, result_list);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, result_totals_label);
  gtk_widget_class_bind_template_child (widget_class, VbQuoteEditor, status_label);
}

static void
vb_quote_editor_init (VbQuoteEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancel_button, "clicked", G_CALLBACK (gtk_window_destroy), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->save_button, "clicked", G_CALLBACK (save_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->add_labor_button, "clicked", G_CALLBACK (add_labor_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->add_part_button, "clicked", G_CALLBACK (add_part_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->add_fee_button, "clicked", G_CALLBACK (add_fee_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->add_discount_button, "clicked", G_CALLBACK (add_discount_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->part_dropdown, "notify::selected", G_CALLBACK (update), self, G_CONNECT_SWAPPED);
}
