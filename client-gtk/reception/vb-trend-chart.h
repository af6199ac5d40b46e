/* vb-trend-chart.h — a small line chart of one reading over time
 * (odometer, battery state of health) for a vehicle's visits. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define VB_TYPE_TREND_CHART (vb_trend_chart_get_type ())
G_DECLARE_FINAL_TYPE (VbTrendChart, vb_trend_chart, VB, TREND_CHART, GtkWidget)

GtkWidget  *vb_trend_chart_new         (void);
/* What the values are ("Odometer"), their unit ("km", "%") and how many
 * decimals to show; used on the axis, in the tooltip and the accessible label. */
void        vb_trend_chart_set_quantity (VbTrendChart *self,
                                         const char   *name,
                                         const char   *unit,
                                         guint         decimals);
/* Drops the points. */
void        vb_trend_chart_clear       (VbTrendChart *self);
/* Adds a reading at time (any order; drawn sorted by time). */
void        vb_trend_chart_add_point   (VbTrendChart *self,
                                        GDateTime    *time,
                                        double        value);
guint       vb_trend_chart_get_n_points (VbTrendChart *self);
/* "Odometer: 12,300 km on 3 Jan 2025 to 45,000 km on 2 Dec 2026, 5 readings"
 * (the tooltip and accessible label); "" without points. */
const char *vb_trend_chart_get_summary (VbTrendChart *self);

G_END_DECLS
