/* vb-trend-chart.c — one reading over time as points joined by a line.
 *
 * Drawn with cairo in snapshot(): a value axis with three to six round
 * ticks, the first and last date under the time axis, the points in the
 * accent colour.  Text and grid take the widget's foreground colour, so
 * the chart reads the same in light and dark styles.  The values are also
 * said in words (tooltip and accessible label), for those who cannot see
 * the drawing.  A widget without a template: it has no children, only
 * drawing.
 */
#include "vb-trend-chart.h"

#include <glib/gi18n.h>

typedef struct
{
  gint64 time;   /* unix seconds */
  double value;
} VbTrendPoint;

struct _VbTrendChart
{
  GtkWidget parent_instance;

  GArray *points;   /* VbTrendPoint, sorted by time */
  char   *name;
  char   *unit;
  guint   decimals;
  char   *summary;
};

G_DEFINE_FINAL_TYPE (VbTrendChart, vb_trend_chart, GTK_TYPE_WIDGET)

#define MARGIN_TOP    10
#define MARGIN_RIGHT  14
#define POINT_RADIUS  3.5

static char *
format_value (VbTrendChart *self,
              double        value)
{
  return g_strdup_printf ("%'.*f", (int) self->decimals, value);
}

static char *
format_date (gint64 time)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (time);
  g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
  /* Translators: a date on a chart's axis and in its summary, see strftime */
  g_autofree char *text = local != NULL ? g_date_time_format (local, _("%-d %b %Y")) : NULL;

  return text != NULL ? g_strdup (g_strstrip (text)) : g_strdup ("");
}

static char *
format_reading (VbTrendChart *self,
                double        value,
                gint64        time)
{
  g_autofree char *number = format_value (self, value);
  g_autofree char *date = format_date (time);

  /* Translators: a chart's reading: "45,210 km on 2 Dec 2026" */
  return g_strdup_printf (_("%s %s on %s"), number, self->unit != NULL ? self->unit : "", date);
}

static void
update_summary (VbTrendChart *self)
{
  const char *name = self->name != NULL ? self->name : _("Readings");

  g_clear_pointer (&self->summary, g_free);
  if (self->points->len == 0)
    self->summary = g_strdup_printf (_("%s: no readings yet"), name);
  else if (self->points->len == 1)
    {
      VbTrendPoint *p = &g_array_index (self->points, VbTrendPoint, 0);
      g_autofree char *one = format_reading (self, p->value, p->time);

      /* Translators: "Odometer: 45,210 km on 2 Dec 2026, one reading" */
      self->summary = g_strdup_printf (_("%s: %s, one reading"), name, one);
    }
  else
    {
      VbTrendPoint *first = &g_array_index (self->points, VbTrendPoint, 0);
      VbTrendPoint *last = &g_array_index (self->points, VbTrendPoint, self->points->len - 1);
      g_autofree char *from = format_reading (self, first->value, first->time);
      g_autofree char *to = format_reading (self, last->value, last->time);

      /* Translators: "Odometer: 12,300 km on 3 Jan 2025 to 45,210 km on 2 Dec 2026, 5 readings" */
      self->summary = g_strdup_printf (ngettext ("%s: %s to %s, %u reading", "%s: %s to %s, %u readings",
                                                 self->points->len),
                                       name, from, to, self->points->len);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), self->summary);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, self->summary, -1);
}

static int
compare_points (gconstpointer a,
                gconstpointer b)
{
  const VbTrendPoint *pa = a, *pb = b;

  return (pa->time > pb->time) - (pa->time < pb->time);
}

/* floor() and ceil() without libm (the app does not link it): the values
 * are readings, far inside gint64. */
static double
floor_of (double x)
{
  double t = (double) (gint64) x;

  return t > x ? t - 1 : t;
}

static double
ceil_of (double x)
{
  double t = (double) (gint64) x;

  return t < x ? t + 1 : t;
}

/* The power of ten at or below x > 0. */
static double
magnitude_of (double x)
{
  double m = 1;

  while (m > x)
    m /= 10;
  while (m * 10 <= x)
    m *= 10;
  return m;
}

/* Round ticks over [min, max]: *lo, *hi and *step with (hi - lo) / step <= 6. */
static void
nice_range (double  min,
            double  max,
            double *lo,
            double *hi,
            double *step)
{
  double span = max - min;
  double raw, magnitude, fraction;

  if (span <= 0)
    span = ABS (max) > 0 ? ABS (max) * 0.1 : 1.0;
  raw = span / 4.0;
  magnitude = magnitude_of (raw);
  fraction = raw / magnitude;
  if (fraction <= 1.0)
    *step = magnitude;
  else if (fraction <= 2.0)
    *step = 2 * magnitude;
  else if (fraction <= 5.0)
    *step = 5 * magnitude;
  else
    *step = 10 * magnitude;
  *lo = floor_of (min / *step) * *step;
  *hi = ceil_of (max / *step) * *step;
  if (*hi - *lo < *step / 2)
    {
      *lo -= *step;
      *hi += *step;
    }
}

static void
show_text (VbTrendChart *self,
           cairo_t      *cr,
           const char   *text,
           double        x,
           double        y,
           double        xalign,
           double        yalign)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int width, height;

  pango_layout_get_pixel_size (layout, &width, &height);
  cairo_move_to (cr, x - xalign * width, y - yalign * height);
  pango_cairo_show_layout (cr, layout);
}

static int
text_width (VbTrendChart *self,
            const char   *text,
            int          *height)
{
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);
  int width;

  pango_layout_get_pixel_size (layout, &width, height);
  return width;
}

static void
vb_trend_chart_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  VbTrendChart *self = VB_TREND_CHART (widget);
  GtkStyleContext *style = gtk_widget_get_style_context (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr(GString) unit_label = g_string_new (NULL);
  GdkRGBA fg, accent;
  cairo_t *cr;
  double lo, hi, step, min = G_MAXDOUBLE, max = -G_MAXDOUBLE;
  double left, bottom, plot_w, plot_h;
  int label_h = 0, widest = 0;
  gint64 t0, t1;

  if (width <= 0 || height <= 0)
    return;
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (style, &fg);
  if (!gtk_style_context_lookup_color (style, "accent_color", &accent))
    accent = fg;
G_GNUC_END_IGNORE_DEPRECATIONS

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->points->len == 0)
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.55);
      show_text (self, cr, _("No readings yet"), width / 2.0, height / 2.0, 0.5, 0.5);
      cairo_destroy (cr);
      return;
    }

  for (guint i = 0; i < self->points->len; i++)
    {
      double v = g_array_index (self->points, VbTrendPoint, i).value;

      min = MIN (min, v);
      max = MAX (max, v);
    }
  nice_range (min, max, &lo, &hi, &step);

  /* The widest value label decides the left margin. */
  for (double v = lo; v <= hi + step / 2; v += step)
    {
      g_autofree char *text = format_value (self, v);

      widest = MAX (widest, text_width (self, text, &label_h));
    }
  left = widest + 8;
  bottom = height - label_h - 6;
  plot_w = width - left - MARGIN_RIGHT;
  plot_h = bottom - MARGIN_TOP;
  if (plot_w <= 10 || plot_h <= 10)
    {
      cairo_destroy (cr);
      return;
    }

  /* Grid and value labels. */
  cairo_set_line_width (cr, 1);
  for (double v = lo; v <= hi + step / 2; v += step)
    {
      double y = floor_of (bottom - (v - lo) / (hi - lo) * plot_h + 0.5) + 0.5;
      g_autofree char *text = format_value (self, v);

      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * (v == lo ? 0.45 : 0.12));
      cairo_move_to (cr, left, y);
      cairo_line_to (cr, left + plot_w, y);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.7);
      show_text (self, cr, text, left - 6, y, 1.0, 0.5);
    }

  /* Dates: the first and the last reading's. */
  t0 = g_array_index (self->points, VbTrendPoint, 0).time;
  t1 = g_array_index (self->points, VbTrendPoint, self->points->len - 1).time;
  {
    g_autofree char *first = format_date (t0);
    g_autofree char *last = format_date (t1);

    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha * 0.7);
    if (t1 == t0)
      show_text (self, cr, first, left + plot_w / 2, bottom + 4, 0.5, 0.0);
    else
      {
        show_text (self, cr, first, left, bottom + 4, 0.0, 0.0);
        show_text (self, cr, last, left + plot_w, bottom + 4, 1.0, 0.0);
      }
  }

  /* The line, then the points over it. */
  cairo_set_source_rgba (cr, accent.red, accent.green, accent.blue, accent.alpha);
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_new_path (cr);   /* not from where the last label ended */
  for (guint pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < self->points->len; i++)
        {
          VbTrendPoint *p = &g_array_index (self->points, VbTrendPoint, i);
          double x = t1 == t0 ? left + plot_w / 2 : left + (double) (p->time - t0) / (double) (t1 - t0) * plot_w;
          double y = bottom - (p->value - lo) / (hi - lo) * plot_h;

          if (pass == 0)
            cairo_line_to (cr, x, y);
          else
            {
              cairo_new_sub_path (cr);
              cairo_arc (cr, x, y, POINT_RADIUS, 0, 2 * G_PI);
            }
        }
      if (pass == 0)
        cairo_stroke (cr);
      else
        cairo_fill (cr);
    }
  cairo_destroy (cr);
}

static void
vb_trend_chart_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 200;
      *natural = 320;
    }
  else
    {
      *minimum = 140;
      *natural = 160;
    }
}

GtkWidget *
vb_trend_chart_new (void)
{
  return g_object_new (VB_TYPE_TREND_CHART, NULL);
}

void
vb_trend_chart_set_quantity (VbTrendChart *self,
                             const char   *name,
                             const char   *unit,
                             guint         decimals)
{
  g_return_if_fail (VB_IS_TREND_CHART (self));

  g_free (self->name);
  self->name = g_strdup (name);
  g_free (self->unit);
  self->unit = g_strdup (unit);
  self->decimals = decimals;
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
vb_trend_chart_clear (VbTrendChart *self)
{
  g_return_if_fail (VB_IS_TREND_CHART (self));

  g_array_set_size (self->points, 0);
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
vb_trend_chart_add_point (VbTrendChart *self,
                          GDateTime    *time,
                          double        value)
{
  VbTrendPoint point;

  g_return_if_fail (VB_IS_TREND_CHART (self));
  g_return_if_fail (time != NULL);

  point.time = g_date_time_to_unix (time);
  point.value = value;
  g_array_append_val (self->points, point);
  g_array_sort (self->points, compare_points);
  update_summary (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
vb_trend_chart_get_n_points (VbTrendChart *self)
{
  g_return_val_if_fail (VB_IS_TREND_CHART (self), 0);
  return self->points->len;
}

const char *
vb_trend_chart_get_summary (VbTrendChart *self)
{
  g_return_val_if_fail (VB_IS_TREND_CHART (self), NULL);
  return self->points->len > 0 ? self->summary : "";
}

static void
vb_trend_chart_finalize (GObject *object)
{
  VbTrendChart *self = VB_TREND_CHART (object);

  g_array_unref (self->points);
  g_free (self->name);
  g_free (self->unit);
  g_free (self->summary);
  G_OBJECT_CLASS (vb_trend_chart_parent_class)->finalize (object);
}

static void
vb_trend_chart_class_init (VbTrendChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = vb_trend_chart_finalize;
  widget_class->snapshot = vb_trend_chart_snapshot;
  widget_class->measure = vb_trend_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "vb-trend-chart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
vb_trend_chart_init (VbTrendChart *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (VbTrendPoint));
  update_summary (self);
}
