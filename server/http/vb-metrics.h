/* vb-metrics.h — Prometheus text metrics for /metrics. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define VB_TYPE_METRICS (vb_metrics_get_type ())
G_DECLARE_FINAL_TYPE (VbMetrics, vb_metrics, VB, METRICS, GObject)

typedef gdouble (*VbGaugeFunc) (gpointer user_data);

VbMetrics *vb_metrics_new        (void);
void       vb_metrics_observe    (VbMetrics   *self,
                                  const char  *route,
                                  const char  *method,
                                  guint        status,
                                  gint64       duration_us);
/* A gauge read when /metrics is rendered (pool use, WebSocket clients). */
void       vb_metrics_add_gauge  (VbMetrics   *self,
                                  const char  *name,
                                  const char  *labels,
                                  const char  *help,
                                  VbGaugeFunc  func,
                                  gpointer     user_data);
char      *vb_metrics_render     (VbMetrics   *self);

G_END_DECLS
