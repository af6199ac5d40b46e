/* vb-record-describe.c — what a cached record says in a list: title,
 * subtitle, badge (see the header).  Shared by VbRecordRow (list boxes)
 * and VbRecordItem (list views) so they read the same everywhere.  The
 * texts need the records a row refers to (a work order's customer and
 * vehicle, an appointment's services), so this reads the cache; the
 * string rules themselves are in vb-desk-presentation.c. */
#include "vb-record-describe.h"
#include "vb-desk-presentation.h"

#include <glib/gi18n.h>

static JsonObject *
lookup (VbCache    *cache,
        const char *entity,
        const char *id)
{
  if (cache == NULL || id == NULL)
    return NULL;
  return vb_cache_get (cache, entity, id);
}

/* "Tire rotation, Cabin filter" from an appointment's service_type_ids. */
static char *
dup_services (VbCache    *cache,
              JsonObject *row)
{
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *ids;

  if (!json_object_has_member (row, "service_type_ids") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (row, "service_type_ids")))
    return NULL;
  ids = json_object_get_array_member (row, "service_type_ids");
  for (guint i = 0; i < json_array_get_length (ids); i++)
    {
      g_autoptr(JsonObject) service = lookup (cache, "service_types",
                                              json_array_get_string_element (ids, i));
      const char *name = service != NULL ? json_object_get_string_member_with_default (service, "name", NULL)
                                         : NULL;

      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, name != NULL ? name : _("Service"));
    }
  return text->len > 0 ? g_string_free (g_steal_pointer (&text), FALSE) : NULL;
}

void
vb_desk_describe_record (VbCache     *cache,
                         VbRecord    *record,
                         VbDescribeFlags flags,
                         char       **out_title,
                         char       **out_subtitle,
                         const char **out_badge,
                         const char **out_style)
{
  const char *entity = vb_record_get_entity (record);
  JsonObject *row = vb_record_get_row (record);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *badge = NULL;
  const char *style = NULL;

  if (g_str_equal (entity, "work_orders"))
    {
      g_autoptr(JsonObject) customer = lookup (cache, "customers",
                                               json_object_get_string_member_with_default (row, "customer_id", NULL));
      g_autoptr(JsonObject) vehicle = lookup (cache, "vehicles",
                                              json_object_get_string_member_with_default (row, "vehicle_id", NULL));
      g_autofree char *number = vb_record_title_for_row (entity, row);
      g_autofree char *name = vb_desk_dup_customer_name (customer);
      g_autofree char *car = vb_desk_dup_vehicle_summary (vehicle);
      const char *concerns = json_object_get_string_member_with_default (row, "concerns", "");
      const char *status = json_object_get_string_member_with_default (row, "status", NULL);

      title = (flags & VB_DESCRIBE_WITHIN_CUSTOMER) ? g_strdup (number) : g_strdup_printf ("%s · %s", number, name);
      subtitle = concerns[0] != '\0' ? g_strdup_printf ("%s — %s", car, concerns) : g_strdup (car);
      badge = vb_work_order_status_get_label (status);
      switch (vb_work_order_status_get_bucket (status))
        {
        case VB_DESK_BUCKET_READY: style = "success"; break;
        case VB_DESK_BUCKET_APPROVAL: style = "warning"; break;
        case VB_DESK_BUCKET_IN_SERVICE:
          style = g_strcmp0 (status, "quarantined") == 0 ? "error"
                  : g_strcmp0 (status, "on_hold") == 0 ? "dim-label" : "accent";
          break;
        case VB_DESK_BUCKET_NONE: default: style = "dim-label"; break;
        }
    }
  else if (g_str_equal (entity, "appointments"))
    {
      g_autoptr(JsonObject) customer = lookup (cache, "customers",
                                               json_object_get_string_member_with_default (row, "customer_id", NULL));
      g_autoptr(JsonObject) vehicle = lookup (cache, "vehicles",
                                              json_object_get_string_member_with_default (row, "vehicle_id", NULL));
      g_autofree char *start = vb_desk_dup_appointment_start (row);
      g_autofree char *time = vb_desk_dup_local_time (start);
      g_autofree char *name = vb_desk_dup_customer_name (customer);
      g_autofree char *car = vb_desk_dup_vehicle_summary (vehicle);
      g_autofree char *services = dup_services (cache, row);

      g_autoptr(GDateTime) starts = start != NULL ? g_date_time_new_from_iso8601 (start, NULL) : NULL;
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      title = g_strdup_printf ("%s · %s", time != NULL ? time : "", name);
      subtitle = services != NULL ? g_strdup_printf ("%s — %s", car, services) : g_strdup (car);
      /* Booked, and the time has passed: the desk may want to call. */
      if (starts != NULL && g_date_time_compare (starts, now) < 0 &&
          g_strcmp0 (json_object_get_string_member_with_default (row, "status", NULL), "booked") == 0)
        {
          badge = _("Late");
          style = "warning";
        }
    }
  else if (g_str_equal (entity, "vehicles"))
    {
      g_autoptr(JsonObject) customer = lookup (cache, "customers",
                                               json_object_get_string_member_with_default (row, "customer_id", NULL));
      g_autofree char *name = vb_desk_dup_customer_name (customer);
      const char *vin = json_object_get_string_member_with_default (row, "vin", NULL);

      g_autofree char *details = vb_desk_dup_vehicle_details (row);
      /* Translators: a vehicle's identification number */
      g_autofree char *vin_text = vin != NULL ? g_strdup_printf (_("VIN %s"), vin) : g_strdup (_("No VIN"));

      title = vb_desk_dup_vehicle_summary (row);
      g_autofree char *first = (flags & VB_DESCRIBE_WITHIN_CUSTOMER) ? g_strdup (vin_text)
                               : g_strdup_printf ("%s · %s", name, vin_text);

      subtitle = details[0] != '\0' ? g_strdup_printf ("%s\n%s", first, details) : g_strdup (first);
    }
  else
    {
      title = g_strdup (vb_record_get_title (record));
      subtitle = g_strdup (vb_record_get_subtitle (record));
    }

  if (vb_desk_row_is_waiting (row))
    {
      badge = _("Waiting to sync");
      style = "warning";
    }
  *out_title = title != NULL ? g_steal_pointer (&title) : g_strdup ("");
  *out_subtitle = subtitle != NULL ? g_steal_pointer (&subtitle) : g_strdup ("");
  *out_badge = badge;
  *out_style = style;
}

