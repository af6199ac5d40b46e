/* vb-signature-pad.c — the customer's signature at check-in.
 *
 * Strokes are kept as points (a NaN pair ends a stroke) rather than as a
 * bitmap, so the pad redraws crisply at any size and the PNG is rendered
 * from the same path the screen shows.  A GtkGestureDrag takes the mouse
 * and touch; a pen also sends pointer events, so the drag ignores pen
 * devices and a GtkGestureStylus draws those instead (it is the one that
 * sees pressure-capable tools, and claiming them once keeps a pen stroke
 * from being drawn twice).
 */
#include "vb-signature-pad.h"

#include <glib/gi18n.h>
#include <math.h>

#define INK_WIDTH 2.5
#define EXPORT_WIDTH 600
#define EXPORT_HEIGHT 200

struct _VbSignaturePad
{
  GtkWidget parent_instance;

  GArray  *points;     /* graphene_point_t; NaN ends a stroke */
  gboolean in_stroke;
  double   drag_x;
  double   drag_y;
};

G_DEFINE_FINAL_TYPE (VbSignaturePad, vb_signature_pad, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_EMPTY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
append_point (VbSignaturePad *self,
              double          x,
              double          y)
{
  graphene_point_t point = GRAPHENE_POINT_INIT ((float) x, (float) y);
  gboolean was_empty = self->points->len == 0;

  g_array_append_val (self->points, point);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (was_empty)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
}

void
vb_signature_pad_begin_stroke (VbSignaturePad *self,
                               double          x,
                               double          y)
{
  g_return_if_fail (VB_IS_SIGNATURE_PAD (self));

  if (self->in_stroke)
    vb_signature_pad_end_stroke (self);
  self->in_stroke = TRUE;
  append_point (self, x, y);
}

void
vb_signature_pad_extend_stroke (VbSignaturePad *self,
                                double          x,
                                double          y)
{
  g_return_if_fail (VB_IS_SIGNATURE_PAD (self));

  if (!self->in_stroke)
    vb_signature_pad_begin_stroke (self, x, y);
  else
    append_point (self, x, y);
}

void
vb_signature_pad_end_stroke (VbSignaturePad *self)
{
  graphene_point_t end = GRAPHENE_POINT_INIT (NAN, NAN);

  g_return_if_fail (VB_IS_SIGNATURE_PAD (self));

  if (!self->in_stroke)
    return;
  self->in_stroke = FALSE;
  g_array_append_val (self->points, end);
}

void
vb_signature_pad_clear (VbSignaturePad *self)
{
  g_return_if_fail (VB_IS_SIGNATURE_PAD (self));

  self->in_stroke = FALSE;
  if (self->points->len == 0)
    return;
  g_array_set_size (self->points, 0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMPTY]);
}

gboolean
vb_signature_pad_is_empty (VbSignaturePad *self)
{
  g_return_val_if_fail (VB_IS_SIGNATURE_PAD (self), TRUE);
  return self->points->len == 0;
}

/* The strokes as one cairo path, scaled from the pad's size. */
static void
trace_strokes (VbSignaturePad *self,
               cairo_t        *cr,
               double          scale)
{
  gboolean pen_down = FALSE;

  for (guint i = 0; i < self->points->len; i++)
    {
      graphene_point_t *p = &g_array_index (self->points, graphene_point_t, i);

      if (isnan (p->x))
        {
          pen_down = FALSE;
          continue;
        }
      if (!pen_down)
        {
          cairo_move_to (cr, p->x * scale, p->y * scale);
          /* A dot (a stroke of one point) still shows. */
          cairo_line_to (cr, p->x * scale + 0.1, p->y * scale);
          pen_down = TRUE;
        }
      else
        cairo_line_to (cr, p->x * scale, p->y * scale);
    }
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_width (cr, INK_WIDTH * scale);
  cairo_stroke (cr);
}

static cairo_status_t
append_png_cb (void                *closure,
               const unsigned char *data,
               unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
vb_signature_pad_dup_png (VbSignaturePad *self,
                          GError        **error)
{
  int width = gtk_widget_get_width (GTK_WIDGET (self));
  int height = gtk_widget_get_height (GTK_WIDGET (self));
  double scale;
  cairo_surface_t *surface;
  cairo_t *cr;
  g_autoptr(GByteArray) png = g_byte_array_new ();
  cairo_status_t status;

  g_return_val_if_fail (VB_IS_SIGNATURE_PAD (self), NULL);

  if (self->points->len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Nothing has been signed"));
      return NULL;
    }
  if (width <= 0 || height <= 0)
    {
      width = EXPORT_WIDTH;
      height = EXPORT_HEIGHT;
    }
  /* At least EXPORT_WIDTH wide, so that the receipt prints it sharply. */
  scale = MAX (1.0, (double) EXPORT_WIDTH / width);
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) (width * scale + 0.999),
                                        (int) (height * scale + 0.999));
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_source_rgb (cr, 0.08, 0.1, 0.25);
  trace_strokes (self, cr, scale);
  cairo_destroy (cr);
  status = cairo_surface_write_to_png_stream (surface, append_png_cb, png);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not save the signature: %s"),
                   cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

/* ----------------------------------------------------------- drawing --- */

static void
vb_signature_pad_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  VbSignaturePad *self = VB_SIGNATURE_PAD (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA ink;
  cairo_t *cr;

  if (self->points->len == 0 || width <= 0 || height <= 0)
    return;
  /* The theme's text colour, so the ink shows in dark mode too
   * (gtk_widget_get_color() is GTK 4.10; we build against 4.8). */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &ink);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gdk_cairo_set_source_rgba (cr, &ink);
  trace_strokes (self, cr, 1.0);
  cairo_destroy (cr);
}

static void
vb_signature_pad_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 140;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 160;
}

/* ----------------------------------------------------------- gestures --- */

static gboolean
is_pen (GtkGesture *gesture)
{
  GdkDevice *device = gtk_gesture_get_device (gesture);

  return device != NULL && gdk_device_get_source (device) == GDK_SOURCE_PEN;
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               VbSignaturePad *self)
{
  if (is_pen (GTK_GESTURE (gesture)))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  self->drag_x = x;
  self->drag_y = y;
  vb_signature_pad_begin_stroke (self, x, y);
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                VbSignaturePad *self)
{
  vb_signature_pad_extend_stroke (self, self->drag_x + dx, self->drag_y + dy);
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             VbSignaturePad *self)
{
  vb_signature_pad_end_stroke (self);
}

static void
stylus_down_cb (GtkGestureStylus *gesture,
                double            x,
                double            y,
                VbSignaturePad   *self)
{
  vb_signature_pad_begin_stroke (self, x, y);
}

static void
stylus_motion_cb (GtkGestureStylus *gesture,
                  double            x,
                  double            y,
                  VbSignaturePad   *self)
{
  if (self->in_stroke)
    vb_signature_pad_extend_stroke (self, x, y);
}

static void
stylus_up_cb (GtkGestureStylus *gesture,
              double            x,
              double            y,
              VbSignaturePad   *self)
{
  vb_signature_pad_end_stroke (self);
}

/* ------------------------------------------------------------- set-up --- */

static void
vb_signature_pad_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  VbSignaturePad *self = VB_SIGNATURE_PAD (object);

  switch (prop_id)
    {
    case PROP_EMPTY:
      g_value_set_boolean (value, vb_signature_pad_is_empty (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_signature_pad_finalize (GObject *object)
{
  VbSignaturePad *self = VB_SIGNATURE_PAD (object);

  g_array_unref (self->points);
  G_OBJECT_CLASS (vb_signature_pad_parent_class)->finalize (object);
}

static void
vb_signature_pad_class_init (VbSignaturePadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = vb_signature_pad_get_property;
  object_class->finalize = vb_signature_pad_finalize;
  widget_class->snapshot = vb_signature_pad_snapshot;
  widget_class->measure = vb_signature_pad_measure;

  properties[PROP_EMPTY] = g_param_spec_boolean ("empty", NULL, NULL, TRUE,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "signaturepad");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
vb_signature_pad_init (VbSignaturePad *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *stylus = gtk_gesture_stylus_new ();

  self->points = g_array_new (FALSE, FALSE, sizeof (graphene_point_t));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect (stylus, "down", G_CALLBACK (stylus_down_cb), self);
  g_signal_connect (stylus, "motion", G_CALLBACK (stylus_motion_cb), self);
  g_signal_connect (stylus, "up", G_CALLBACK (stylus_up_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (stylus));

  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Customer signature"), -1);
}

GtkWidget *
vb_signature_pad_new (void)
{
  return g_object_new (VB_TYPE_SIGNATURE_PAD, NULL);
}
