/* vb-metrics.c — request counters, a latency histogram per route, gauges.
 *
 * Observations arrive from the main loop only (where replies are written),
 * yet a mutex guards the tables so tests or future threads cannot corrupt
 * them.  Labels use the route pattern, never the raw path, to keep the
 * number of series bounded.
 */
#include "vb-metrics.h"

static const double buckets[] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5 };
#define N_BUCKETS G_N_ELEMENTS (buckets)

typedef struct
{
  guint64 counts[N_BUCKETS];
  guint64 count;
  double  sum;
} Histogram;

typedef struct
{
  char        *name;
  char        *labels;
  char        *help;
  VbGaugeFunc  func;
  gpointer     user_data;
} Gauge;

struct _VbMetrics
{
  GObject     parent_instance;
  GMutex      mutex;
  GHashTable *requests;    /* "route\tmethod\tstatus" → guint64* */
  GHashTable *latency;     /* "route\tmethod" → Histogram* */
  GPtrArray  *gauges;
};

G_DEFINE_FINAL_TYPE (VbMetrics, vb_metrics, G_TYPE_OBJECT)

static void
free_gauge (gpointer data)
{
  Gauge *g = data;
  g_free (g->name);
  g_free (g->labels);
  g_free (g->help);
  g_free (g);
}

static void
vb_metrics_finalize (GObject *object)
{
  VbMetrics *self = VB_METRICS (object);

  g_hash_table_unref (self->requests);
  g_hash_table_unref (self->latency);
  g_ptr_array_unref (self->gauges);
  g_mutex_clear (&self->mutex);
  G_OBJECT_CLASS (vb_metrics_parent_class)->finalize (object);
}

static void
vb_metrics_class_init (VbMetricsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_metrics_finalize;
}

static void
vb_metrics_init (VbMetrics *self)
{
  g_mutex_init (&self->mutex);
  self->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->latency = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->gauges = g_ptr_array_new_with_free_func (free_gauge);
}

VbMetrics *
vb_metrics_new (void)
{
  return g_object_new (VB_TYPE_METRICS, NULL);
}

void
vb_metrics_observe (VbMetrics  *self,
                    const char *route,
                    const char *method,
                    guint       status,
                    gint64      duration_us)
{
  g_autofree char *req_key = g_strdup_printf ("%s\t%s\t%u", route, method, status);
  g_autofree char *lat_key = g_strdup_printf ("%s\t%s", route, method);
  double seconds = duration_us / 1e6;
  guint64 *count;
  Histogram *h;

  g_mutex_lock (&self->mutex);
  count = g_hash_table_lookup (self->requests, req_key);
  if (count == NULL)
    {
      count = g_new0 (guint64, 1);
      g_hash_table_insert (self->requests, g_steal_pointer (&req_key), count);
    }
  (*count)++;
  h = g_hash_table_lookup (self->latency, lat_key);
  if (h == NULL)
    {
      h = g_new0 (Histogram, 1);
      g_hash_table_insert (self->latency, g_steal_pointer (&lat_key), h);
    }
  for (guint i = 0; i < N_BUCKETS; i++)
    if (seconds <= buckets[i])
      h->counts[i]++;
  h->count++;
  h->sum += seconds;
  g_mutex_unlock (&self->mutex);
}

void
vb_metrics_add_gauge (VbMetrics   *self,
                      const char  *name,
                      const char  *labels,
                      const char  *help,
                      VbGaugeFunc  func,
                      gpointer     user_data)
{
  Gauge *g = g_new0 (Gauge, 1);

  g->name = g_strdup (name);
  g->labels = g_strdup (labels);
  g->help = g_strdup (help);
  g->func = func;
  g->user_data = user_data;
  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->gauges, g);
  g_mutex_unlock (&self->mutex);
}

static void
render_requests (VbMetrics *self,
                 GString   *out)
{
  GHashTableIter iter;
  gpointer key, value;

  g_string_append (out, "# HELP voltbay_http_requests_total HTTP requests by route pattern, method and status.\n"
                        "# TYPE voltbay_http_requests_total counter\n");
  g_hash_table_iter_init (&iter, self->requests);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_auto(GStrv) parts = g_strsplit (key, "\t", 3);
      g_string_append_printf (out,
                              "voltbay_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              parts[0], parts[1], parts[2], *(guint64 *) value);
    }
}

static void
render_latency (VbMetrics *self,
                GString   *out)
{
  GHashTableIter iter;
  gpointer key, value;

  g_string_append (out, "# HELP voltbay_http_request_duration_seconds Time from request to reply.\n"
                        "# TYPE voltbay_http_request_duration_seconds histogram\n");
  g_hash_table_iter_init (&iter, self->latency);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_auto(GStrv) parts = g_strsplit (key, "\t", 2);
      Histogram *h = value;
      const char *m = "voltbay_http_request_duration_seconds";

      for (guint i = 0; i < N_BUCKETS; i++)
        g_string_append_printf (out, "%s_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %" G_GUINT64_FORMAT "\n",
                                m, parts[0], parts[1], buckets[i], h->counts[i]);
      g_string_append_printf (out, "%s_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %" G_GUINT64_FORMAT "\n",
                              m, parts[0], parts[1], h->count);
      g_string_append_printf (out, "%s_sum{route=\"%s\",method=\"%s\"} %.6f\n", m, parts[0], parts[1], h->sum);
      g_string_append_printf (out, "%s_count{route=\"%s\",method=\"%s\"} %" G_GUINT64_FORMAT "\n",
                              m, parts[0], parts[1], h->count);
    }
}

static void
render_gauges (VbMetrics *self,
               GString   *out)
{
  const char *last = NULL;

  for (guint i = 0; i < self->gauges->len; i++)
    {
      Gauge *g = g_ptr_array_index (self->gauges, i);

      if (g_strcmp0 (last, g->name) != 0)
        g_string_append_printf (out, "# HELP %s %s\n# TYPE %s gauge\n", g->name, g->help, g->name);
      last = g->name;
      if (g->labels != NULL && g->labels[0] != '\0')
        g_string_append_printf (out, "%s{%s} %g\n", g->name, g->labels, g->func (g->user_data));
      else
        g_string_append_printf (out, "%s %g\n", g->name, g->func (g->user_data));
    }
}

char *
vb_metrics_render (VbMetrics *self)
{
  GString *out = g_string_new (NULL);

  g_mutex_lock (&self->mutex);
  render_requests (self, out);
  render_latency (self, out);
  render_gauges (self, out);
  g_mutex_unlock (&self->mutex);
  return g_string_free (out, FALSE);
}
