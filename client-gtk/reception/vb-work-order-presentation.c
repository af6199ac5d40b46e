/* vb-work-order-presentation.c — the work order page's texts and sums as
 * pure functions (see the header).  The sums read cached rows as the
 * change feed sends them (the tables' columns: time_entries.tenths is null
 * while the clock runs; a checklist result names its step_id), so the page
 * shows what the server's labor summary would, offline too. */
#include "vb-work-order-presentation.h"
#include "vb-record.h"

#include <glib/gi18n.h>

static const char *
row_string (JsonObject *row,
            const char *member)
{
  JsonNode *node;

  if (row == NULL || !json_object_has_member (row, member))
    return NULL;
  node = json_object_get_member (row, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
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
  if (!JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64: *out = json_node_get_int (node); return TRUE;
    case G_TYPE_DOUBLE: *out = (gint64) json_node_get_double (node); return TRUE;
    default: return FALSE;
    }
}

char *
vb_work_order_dup_hours (gint64 tenths)
{
  g_autofree char *number = NULL;

  tenths = MAX (tenths, 0);
  number = g_strdup_printf ("%" G_GINT64_FORMAT ".%d", tenths / 10, (int) (tenths % 10));
  /* Translators: hours of work, e.g. "1.5 h" */
  return g_strdup_printf (_("%s h"), number);
}

char *
vb_work_order_dup_time_progress (gint64   clocked_tenths,
                                 gint64   estimated_tenths,
                                 gboolean running)
{
  g_autofree char *clocked = vb_work_order_dup_hours (clocked_tenths);
  g_autofree char *estimated = vb_work_order_dup_hours (estimated_tenths);
  g_autofree char *text = NULL;

  if (clocked_tenths == 0 && !running)
    /* Translators: %s is the estimate, e.g. "0.5 h" */
    return estimated_tenths > 0 ? g_strdup_printf (_("Not clocked yet · %s estimated"), estimated)
                                : g_strdup (_("Not clocked yet"));
  if (estimated_tenths > 0)
    /* Translators: time clocked of time estimated, e.g. "0.4 h of 0.5 h" */
    text = g_strdup_printf (_("%s of %s"), clocked, estimated);
  else
    /* Translators: e.g. "0.4 h (no estimate)" */
    text = g_strdup_printf (_("%s (no estimate)"), clocked);
  if (running)
    return g_strdup_printf ("%s · %s", text, _("clock running"));
  return g_steal_pointer (&text);
}

char *
vb_work_order_dup_steps_progress (guint done,
                                  guint total)
{
  if (total == 0)
    return NULL;
  /* Translators: checklist steps with a result, e.g. "3 of 5 steps done" */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u step done", "%u of %u steps done", total),
                          MIN (done, total), total);
}

const char *
vb_work_order_status_get_style (const char *status)
{
  if (status == NULL)
    return "warning";
  if (g_str_equal (status, "ready"))
    return "success";
  if (g_str_equal (status, "awaiting_approval"))
    return "warning";
  if (g_str_equal (status, "quarantined"))
    return "error";
  if (g_str_equal (status, "on_hold") || g_str_equal (status, "collected") || g_str_equal (status, "cancelled"))
    return "dim-label";
  return "accent";
}

const char *
vb_work_order_task_status_get_label (const char *status)
{
  if (g_strcmp0 (status, "pending") == 0)
    return _("To do");
  if (g_strcmp0 (status, "in_progress") == 0)
    return C_("task", "In progress");
  if (g_strcmp0 (status, "done") == 0)
    return _("Done");
  if (g_strcmp0 (status, "cancelled") == 0)
    return C_("task", "Cancelled");
  return status != NULL ? status : _("Waiting to sync");
}

const char *
vb_work_order_task_status_get_style (const char *status)
{
  if (g_strcmp0 (status, "in_progress") == 0)
    return "accent";
  if (g_strcmp0 (status, "done") == 0)
    return "success";
  return "dim-label";
}

char *
vb_work_order_dup_chat_time (const char *iso_time,
                             GDateTime  *now_local)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso_time == NULL || (utc = g_date_time_new_from_iso8601 (iso_time, NULL)) == NULL)
    return NULL;
  local = g_date_time_to_local (utc);
  if (now_local != NULL && g_date_time_get_year (local) == g_date_time_get_year (now_local) &&
      g_date_time_get_day_of_year (local) == g_date_time_get_day_of_year (now_local))
    return g_date_time_format (local, "%H:%M");
  /* Translators: a chat message's date and time, strftime format */
  return g_date_time_format (local, _("%a %-d %b %H:%M"));
}

gint64
vb_work_order_sum_clocked (GListModel *time_entries,
                           const char *work_order_id,
                           const char *task_id,
                           gboolean   *running)
{
  gint64 sum = 0;

  if (running != NULL)
    *running = FALSE;
  for (guint i = 0; time_entries != NULL && i < g_list_model_get_n_items (time_entries); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (time_entries, i);
      JsonObject *row = vb_record_get_row (record);
      gint64 tenths = 0;

      if (g_strcmp0 (row_string (row, "work_order_id"), work_order_id) != 0 ||
          (task_id != NULL && g_strcmp0 (row_string (row, "task_id"), task_id) != 0) ||
          g_strcmp0 (row_string (row, "kind"), "productive") != 0)
        continue;
      if (row_string (row, "ended_at") == NULL)
        {
          if (running != NULL)
            *running = TRUE;
          continue;
        }
      if (row_int (row, "tenths", &tenths))
        sum += tenths;
    }
  return sum;
}

guint
vb_work_order_count_steps_done (GListModel *checklist_results,
                                const char *task_id)
{
  g_autoptr(GHashTable) steps = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; checklist_results != NULL && i < g_list_model_get_n_items (checklist_results); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (checklist_results, i);
      JsonObject *row = vb_record_get_row (record);
      const char *step = row_string (row, "step_id");

      /* The strings live in the records, which the model keeps. */
      if (step != NULL && g_strcmp0 (row_string (row, "task_id"), task_id) == 0)
        g_hash_table_add (steps, (gpointer) step);
    }
  return g_hash_table_size (steps);
}

guint
vb_work_order_count_steps (GListModel *service_type_steps,
                           const char *service_type_id)
{
  guint n = 0;

  if (service_type_id == NULL)
    return 0;
  for (guint i = 0; service_type_steps != NULL && i < g_list_model_get_n_items (service_type_steps); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (service_type_steps, i);

      if (g_strcmp0 (row_string (vb_record_get_row (record), "service_type_id"), service_type_id) == 0)
        n++;
    }
  return n;
}

typedef struct
{
  char *at;
  char *id;
} Photo;

static void
photo_clear (gpointer data)
{
  Photo *photo = data;

  g_free (photo->at);
  g_free (photo->id);
}

static int
photo_compare (gconstpointer a,
               gconstpointer b)
{
  const Photo *x = a, *y = b;
  int c = g_strcmp0 (x->at, y->at);

  return c != 0 ? c : g_strcmp0 (x->id, y->id);
}

static void
add_photo (GArray     *photos,
           const char *at,
           const char *id)
{
  Photo photo;

  if (id == NULL)
    return;
  photo = (Photo) { g_strdup (at), g_strdup (id) };
  g_array_append_val (photos, photo);
}

static void
collect_array (GArray     *photos,
               GListModel *model,
               const char *work_order_id,
               const char *time_member)
{
  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (model, i);
      JsonObject *row = vb_record_get_row (record);
      JsonArray *ids;

      if (g_strcmp0 (row_string (row, "work_order_id"), work_order_id) != 0 ||
          !json_object_has_member (row, "photo_ids") ||
          !JSON_NODE_HOLDS_ARRAY (json_object_get_member (row, "photo_ids")))
        continue;
      ids = json_object_get_array_member (row, "photo_ids");
      for (guint j = 0; j < json_array_get_length (ids); j++)
        add_photo (photos, row_string (row, time_member), json_array_get_string_element (ids, j));
    }
}

GStrv
vb_work_order_dup_photo_ids (GListModel *checklist_results,
                             GListModel *triages,
                             GListModel *quality_checks,
                             const char *work_order_id)
{
  g_autoptr(GArray) photos = g_array_new (FALSE, TRUE, sizeof (Photo));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_array_set_clear_func (photos, photo_clear);
  for (guint i = 0; checklist_results != NULL && i < g_list_model_get_n_items (checklist_results); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (checklist_results, i);
      JsonObject *row = vb_record_get_row (record);

      if (g_strcmp0 (row_string (row, "work_order_id"), work_order_id) == 0)
        add_photo (photos, row_string (row, "recorded_at"), row_string (row, "attachment_id"));
    }
  collect_array (photos, triages, work_order_id, "performed_at");
  collect_array (photos, quality_checks, work_order_id, "checked_at");
  g_array_sort (photos, photo_compare);
  for (guint i = 0; i < photos->len; i++)
    {
      Photo *photo = &g_array_index (photos, Photo, i);

      if (g_hash_table_add (seen, photo->id))
        g_strv_builder_add (builder, photo->id);
    }
  return g_strv_builder_end (builder);
}
