/* vb-check-in-receipt.c — the check-in receipt, printed through
 * GtkPrintOperation (so the desk's printers and "Print to File" work as in
 * any GNOME app) on one page drawn with cairo and Pango.
 *
 * The printer Preferences names is preselected (vb_print_settings_apply).
 * The text is built once (vb_check_in_receipt_dup_text) from the work
 * order as the API returns it, so the same lines are what a test reads
 * back from the exported PDF.  The signature is the PNG the customer drew,
 * scaled into a box under the text.
 */
#include "vb-check-in-receipt.h"
#include "vb-desk-presentation.h"
#include "vb-print-settings.h"

#include <glib/gi18n.h>
#include <string.h>

struct _VbCheckInReceipt
{
  GObject parent_instance;

  JsonObject      *work_order;
  JsonObject      *location;
  cairo_surface_t *signature;
};

G_DEFINE_FINAL_TYPE (VbCheckInReceipt, vb_check_in_receipt, G_TYPE_OBJECT)

static const char *
member (JsonObject *object,
        const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

static gboolean
int_member (JsonObject *object,
            const char *name,
            gint64     *value)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
add_line (GString    *text,
          const char *label,
          const char *value)
{
  if (value == NULL || value[0] == '\0')
    return;
  /* Translators: a receipt line, "Odometer: 12,000 km" */
  g_string_append_printf (text, _("%s: %s"), label, value);
  g_string_append_c (text, '\n');
}

char *
vb_check_in_receipt_dup_text (VbCheckInReceipt *self)
{
  g_autoptr(GString) text = g_string_new (NULL);
  JsonObject *customer = object_member (self->work_order, "customer");
  JsonObject *vehicle = object_member (self->work_order, "vehicle");
  g_autofree char *number = NULL;
  g_autofree char *customer_name = customer != NULL ? vb_desk_dup_customer_name (customer) : NULL;
  g_autofree char *car = NULL;
  g_autofree char *odometer = NULL;
  g_autofree char *soc = NULL;
  g_autofree char *date = NULL;
  const char *checked_in_at = member (self->work_order, "checked_in_at");
  gint64 value, promised;

  g_return_val_if_fail (VB_IS_CHECK_IN_RECEIPT (self), NULL);

  if (member (self->location, "name") != NULL)
    g_string_append_printf (text, "%s\n", member (self->location, "name"));
  if (member (self->location, "address") != NULL && member (self->location, "address")[0] != '\0')
    g_string_append_printf (text, "%s\n", member (self->location, "address"));
  g_string_append_printf (text, "%s\n", _("Check-in Receipt"));
  if (int_member (self->work_order, "number", &value))
    /* Translators: the work order's number on the receipt */
    number = g_strdup_printf (_("#%d"), (int) value);
  else
    number = g_strdup (_("not numbered yet (waiting to sync)"));
  add_line (text, _("Work order"), number);
  if (checked_in_at != NULL)
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_iso8601 (checked_in_at, NULL);
      g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;

      date = local != NULL ? g_date_time_format (local, "%Y-%m-%d %H:%M") : NULL;
    }
  if (date == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();

      date = g_date_time_format (now, "%Y-%m-%d %H:%M");
    }
  add_line (text, _("Date"), date);
  add_line (text, _("Customer"), customer_name);
  if (customer != NULL)
    {
      JsonNode *phones = json_object_get_member (customer, "phones");

      if (phones != NULL && JSON_NODE_HOLDS_ARRAY (phones) &&
          json_array_get_length (json_node_get_array (phones)) > 0)
        add_line (text, _("Phone"), json_array_get_string_element (json_node_get_array (phones), 0));
    }
  if (vehicle != NULL)
    {
      const char *make = member (vehicle, "make");
      const char *model = member (vehicle, "model");

      car = g_strjoin (" ", make != NULL ? make : "", model != NULL ? model : "", NULL);
      add_line (text, _("Vehicle"), g_strstrip (car));
      add_line (text, _("Plate"), member (vehicle, "plate"));
      add_line (text, _("VIN"), member (vehicle, "vin"));
    }
  if (int_member (self->work_order, "odometer_km", &value))
    {
      /* Translators: an odometer reading; %'d groups the thousands as the locale does */
      odometer = g_strdup_printf (_("%'d km"), (int) value);
      add_line (text, _("Odometer"), odometer);
    }
  if (int_member (self->work_order, "soc_in_percent", &value))
    {
      if (int_member (self->work_order, "soc_promised_percent", &promised))
        /* Translators: state of charge at arrival and the one promised at pickup */
        soc = g_strdup_printf (_("%d %% (charged to %d %% by pickup)"), (int) value, (int) promised);
      else
        soc = g_strdup_printf (_("%d %%"), (int) value);
      add_line (text, _("State of charge"), soc);
    }
  if (json_object_get_boolean_member_with_default (self->work_order, "charge_cable_left", FALSE))
    add_line (text, _("Charge cable"), _("left in the car"));
  add_line (text, _("Concerns"), member (self->work_order, "concerns"));
  add_line (text, _("Damage noted"), member (self->work_order, "damage_notes"));
  add_line (text, _("Items left in the car"), member (self->work_order, "items_left"));
  add_line (text, _("Parked at"), member (self->work_order, "parking_place"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ----------------------------------------------------------- printing --- */

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                VbCheckInReceipt  *self)
{
  gtk_print_operation_set_n_pages (operation, 1);
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              VbCheckInReceipt  *self)
{
  cairo_t *cr = gtk_print_context_get_cairo_context (context);
  double width = gtk_print_context_get_width (context);
  double height = gtk_print_context_get_height (context);
  g_autoptr(PangoLayout) title = gtk_print_context_create_pango_layout (context);
  g_autoptr(PangoLayout) body = gtk_print_context_create_pango_layout (context);
  g_autoptr(PangoFontDescription) title_font = pango_font_description_from_string ("Sans Bold 16");
  g_autoptr(PangoFontDescription) body_font = pango_font_description_from_string ("Sans 11");
  g_autofree char *text = vb_check_in_receipt_dup_text (self);
  char *newline = strchr (text, '\n');
  int title_height, body_height;
  double y;

  /* The first line (the shop, or the receipt's title) stands out. */
  if (newline != NULL)
    *newline = '\0';
  pango_layout_set_font_description (title, title_font);
  pango_layout_set_width (title, (int) (width * PANGO_SCALE));
  pango_layout_set_text (title, text, -1);
  pango_layout_get_pixel_size (title, NULL, &title_height);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_move_to (cr, 0, 0);
  pango_cairo_show_layout (cr, title);
  y = title_height + 12;

  pango_layout_set_font_description (body, body_font);
  pango_layout_set_width (body, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (body, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_spacing (body, 3 * PANGO_SCALE);
  pango_layout_set_text (body, newline != NULL ? newline + 1 : "", -1);
  pango_layout_get_pixel_size (body, NULL, &body_height);
  cairo_move_to (cr, 0, y);
  pango_cairo_show_layout (cr, body);
  y += body_height + 24;

  if (self->signature != NULL && y < height - 40)
    {
      g_autoptr(PangoLayout) caption = gtk_print_context_create_pango_layout (context);
      double sig_w = cairo_image_surface_get_width (self->signature);
      double sig_h = cairo_image_surface_get_height (self->signature);
      double box_w = MIN (width * 0.6, 320);
      double scale = box_w / sig_w;
      int caption_height;

      if (y + sig_h * scale > height - 30)
        scale = (height - 30 - y) / sig_h;
      cairo_save (cr);
      cairo_translate (cr, 0, y);
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, self->signature, 0, 0);
      cairo_paint (cr);
      cairo_restore (cr);
      y += sig_h * scale + 4;
      cairo_set_line_width (cr, 0.8);
      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, box_w, y);
      cairo_stroke (cr);
      pango_layout_set_font_description (caption, body_font);
      pango_layout_set_text (caption, _("Customer’s signature"), -1);
      pango_layout_get_pixel_size (caption, NULL, &caption_height);
      cairo_move_to (cr, 0, y + 4);
      pango_cairo_show_layout (cr, caption);
    }
}

static GtkPrintOperation *
make_operation (VbCheckInReceipt *self)
{
  GtkPrintOperation *operation = gtk_print_operation_new ();
  g_autofree char *name = NULL;
  gint64 number;

  if (int_member (self->work_order, "number", &number))
    /* Translators: the print job's name */
    name = g_strdup_printf (_("Check-in receipt #%d"), (int) number);
  else
    name = g_strdup (_("Check-in receipt"));
  gtk_print_operation_set_job_name (operation, name);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_embed_page_setup (operation, TRUE);
  g_signal_connect_object (operation, "begin-print", G_CALLBACK (begin_print_cb), self, 0);
  g_signal_connect_object (operation, "draw-page", G_CALLBACK (draw_page_cb), self, 0);
  return operation;
}

gboolean
vb_check_in_receipt_print (VbCheckInReceipt  *self,
                           GtkWindow         *parent,
                           GError           **error)
{
  g_autoptr(GtkPrintOperation) operation = NULL;

  g_return_val_if_fail (VB_IS_CHECK_IN_RECEIPT (self), FALSE);

  operation = make_operation (self);
  /* The receipt printer chosen in Preferences, preselected in the dialog. */
  vb_print_settings_apply (operation);
  return gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG, parent, error)
         != GTK_PRINT_OPERATION_RESULT_ERROR;
}

gboolean
vb_check_in_receipt_export_pdf (VbCheckInReceipt  *self,
                                const char        *path,
                                GError           **error)
{
  g_autoptr(GtkPrintOperation) operation = NULL;

  g_return_val_if_fail (VB_IS_CHECK_IN_RECEIPT (self), FALSE);

  operation = make_operation (self);
  gtk_print_operation_set_export_filename (operation, path);
  return gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, NULL, error)
         == GTK_PRINT_OPERATION_RESULT_APPLY;
}

/* ------------------------------------------------------------- set-up --- */

typedef struct
{
  GBytes *bytes;
  gsize   offset;
} PngReader;

static cairo_status_t
read_png_cb (void          *closure,
             unsigned char *data,
             unsigned int   length)
{
  PngReader *reader = closure;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (reader->bytes, &size);

  if (reader->offset + length > size)
    return CAIRO_STATUS_READ_ERROR;
  memcpy (data, bytes + reader->offset, length);
  reader->offset += length;
  return CAIRO_STATUS_SUCCESS;
}

static void
vb_check_in_receipt_finalize (GObject *object)
{
  VbCheckInReceipt *self = VB_CHECK_IN_RECEIPT (object);

  g_clear_pointer (&self->work_order, json_object_unref);
  g_clear_pointer (&self->location, json_object_unref);
  g_clear_pointer (&self->signature, cairo_surface_destroy);
  G_OBJECT_CLASS (vb_check_in_receipt_parent_class)->finalize (object);
}

static void
vb_check_in_receipt_class_init (VbCheckInReceiptClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_check_in_receipt_finalize;
}

static void
vb_check_in_receipt_init (VbCheckInReceipt *self)
{
}

VbCheckInReceipt *
vb_check_in_receipt_new (JsonObject *work_order,
                         JsonObject *location,
                         GBytes     *signature_png)
{
  VbCheckInReceipt *self;

  g_return_val_if_fail (work_order != NULL, NULL);

  self = g_object_new (VB_TYPE_CHECK_IN_RECEIPT, NULL);
  self->work_order = json_object_ref (work_order);
  self->location = location != NULL ? json_object_ref (location) : NULL;
  if (signature_png != NULL)
    {
      PngReader reader = { signature_png, 0 };
      cairo_surface_t *surface = cairo_image_surface_create_from_png_stream (read_png_cb, &reader);

      if (cairo_surface_status (surface) == CAIRO_STATUS_SUCCESS)
        self->signature = surface;
      else
        cairo_surface_destroy (surface);
    }
  return self;
}
