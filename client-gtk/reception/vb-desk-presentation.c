/* vb-desk-presentation.c — the front desk's texts and form checks as pure
 * functions of cached rows (see the header).  Kept apart from the widgets
 * so the Today page, the search results and the customer page say the same
 * thing, and so the rules can be unit-tested without a display. */
#include "vb-desk-presentation.h"
#include "vb-record.h"
#include "vb-vin.h"

#include <glib/gi18n.h>
#include <string.h>

static const char *
row_string (JsonObject *row,
            const char *member)
{
  JsonNode *node;

  if (row == NULL || !json_object_has_member (row, member))
    return NULL;
  node = json_object_get_member (row, member);
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
is_blank (const char *text)
{
  return text == NULL || text[strspn (text, " \t")] == '\0';
}

const char *
vb_work_order_status_get_label (const char *status)
{
  static const struct { const char *status; const char *label; } labels[] = {
    { "checked_in", N_("Checked in") },
    { "quarantined", N_("Quarantined") },
    { "diagnosing", N_("Diagnosing") },
    { "awaiting_approval", N_("Waiting for approval") },
    { "in_progress", N_("In progress") },
    { "quality_check", N_("Quality check") },
    { "on_hold", N_("On hold") },
    { "ready", N_("Ready for pickup") },
    { "collected", N_("Collected") },
    { "cancelled", N_("Cancelled") },
  };

  if (status == NULL)
    return _("Waiting to sync");
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (status, labels[i].status))
      return _(labels[i].label);
  return status;
}

VbDeskBucket
vb_work_order_status_get_bucket (const char *status)
{
  if (status == NULL || g_str_equal (status, "collected") || g_str_equal (status, "cancelled"))
    return VB_DESK_BUCKET_NONE;
  if (g_str_equal (status, "awaiting_approval"))
    return VB_DESK_BUCKET_APPROVAL;
  if (g_str_equal (status, "ready"))
    return VB_DESK_BUCKET_READY;
  return VB_DESK_BUCKET_IN_SERVICE;
}

gboolean
vb_desk_is_same_local_day (const char *iso_time,
                           GDateTime  *now_local)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  int y1, m1, d1, y2, m2, d2;

  if (iso_time == NULL || now_local == NULL)
    return FALSE;
  utc = g_date_time_new_from_iso8601 (iso_time, NULL);
  if (utc == NULL)
    return FALSE;
  local = g_date_time_to_timezone (utc, g_date_time_get_timezone (now_local));
  g_date_time_get_ymd (local, &y1, &m1, &d1);
  g_date_time_get_ymd (now_local, &y2, &m2, &d2);
  return y1 == y2 && m1 == m2 && d1 == d2;
}

char *
vb_desk_dup_local_time (const char *iso_time)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (iso_time == NULL)
    return NULL;
  utc = g_date_time_new_from_iso8601 (iso_time, NULL);
  if (utc == NULL)
    return NULL;
  local = g_date_time_to_local (utc);
  return g_date_time_format (local, "%H:%M");
}

char *
vb_desk_dup_appointment_start (JsonObject *appointment)
{
  const char *text = row_string (appointment, "starts_at");
  g_autoptr(GString) start = NULL;
  g_autoptr(GDateTime) parsed = NULL;

  if (text != NULL)
    return g_strdup (text);
  text = row_string (appointment, "during");
  if (text == NULL)
    return NULL;
  text += strspn (text, "[(\"");
  start = g_string_new_len (text, strcspn (text, "\","));
  g_strdelimit (start->str, " ", 'T');
  /* "+00" → "+00:00" is not needed: GLib takes ±hh too. */
  parsed = g_date_time_new_from_iso8601 (start->str, NULL);
  return parsed != NULL ? g_date_time_format_iso8601 (parsed) : NULL;
}

char *
vb_desk_dup_vehicle_summary (JsonObject *vehicle)
{
  if (vehicle == NULL)
    return g_strdup (_("No vehicle"));
  return vb_record_title_for_row ("vehicles", vehicle);
}

char *
vb_desk_dup_vehicle_details (JsonObject *vehicle)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);
  const char *chemistry = row_string (vehicle, "chemistry");
  const char *port = row_string (vehicle, "charge_port");

  if (vehicle == NULL)
    return g_strdup ("");
  if (json_object_has_member (vehicle, "year") &&
      json_node_get_value_type (json_object_get_member (vehicle, "year")) == G_TYPE_INT64)
    g_ptr_array_add (parts, g_strdup_printf ("%" G_GINT64_FORMAT,
                                             json_object_get_int_member (vehicle, "year")));
  if (json_object_has_member (vehicle, "battery_usable_kwh") &&
      JSON_NODE_TYPE (json_object_get_member (vehicle, "battery_usable_kwh")) == JSON_NODE_VALUE)
    /* Translators: usable battery capacity and chemistry, "75 kWh NCA" */
    g_ptr_array_add (parts, g_strdup_printf (_("%g kWh %s"),
                                             json_object_get_double_member (vehicle, "battery_usable_kwh"),
                                             is_blank (chemistry) ? "" : chemistry));
  else if (!is_blank (chemistry))
    g_ptr_array_add (parts, g_strdup (chemistry));
  if (!is_blank (port))
    g_ptr_array_add (parts, g_strdup (port));
  g_ptr_array_add (parts, NULL);
  return g_strstrip (g_strjoinv (" · ", (char **) parts->pdata));
}

char *
vb_desk_dup_customer_name (JsonObject *customer)
{
  if (customer == NULL)
    return g_strdup (_("Unknown customer"));
  return vb_record_title_for_row ("customers", customer);
}

gboolean
vb_desk_row_is_waiting (JsonObject *row)
{
  return row != NULL && (!json_object_has_member (row, "version") ||
                         json_object_get_int_member (row, "version") <= 0);
}

gboolean
vb_desk_phone_is_valid (const char *text)
{
  guint digits = 0;
  const char *p;

  if (is_blank (text))
    return TRUE;
  p = text + strspn (text, " \t");
  if (*p == '+')
    p++;
  for (; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        digits++;
      else if (strchr (" -./()\t", *p) == NULL)
        return FALSE;
    }
  /* A national number: the leading 0 gives way to the country code (84). */
  return digits >= 8 && digits <= 15 + 1;
}

gboolean
vb_desk_email_is_valid (const char *text)
{
  g_autofree char *trimmed = NULL;
  const char *at;

  if (is_blank (text))
    return TRUE;
  trimmed = g_strstrip (g_strdup (text));
  if (strpbrk (trimmed, " \t") != NULL)
    return FALSE;
  text = trimmed;
  at = strchr (text, '@');
  return at != NULL && at != text && strchr (at + 1, '@') == NULL &&
         strchr (at + 1, '.') != NULL && at[1] != '.' && text[strlen (text) - 1] != '.';
}

char *
vb_desk_dup_vin_problem (const char  *vin,
                         char       **normal)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *trimmed = NULL;
  g_autofree char *upper = NULL;
  g_autofree char *valid = NULL;
  gboolean warning = FALSE;
  char digit;
  gsize length;

  if (normal != NULL)
    *normal = NULL;
  valid = vb_vin_validate (vin, "vin", &warning, &error);
  if (valid != NULL)
    {
      if (normal != NULL)
        *normal = g_steal_pointer (&valid);
      return NULL;
    }
  trimmed = g_strstrip (g_strdup (vin));
  upper = g_ascii_strup (trimmed, -1);
  length = strlen (upper);
  if (length != 17)
    /* Translators: %u is how many characters were typed */
    return g_strdup_printf (ngettext ("a VIN has 17 letters and digits; this one has %u",
                                      "a VIN has 17 letters and digits; this one has %u",
                                      (gulong) length), (guint) length);
  if (strpbrk (upper, "IOQ") != NULL || upper[strspn (upper, "ABCDEFGHJKLMNPRSTUVWXYZ0123456789")] != '\0')
    return g_strdup (_("a VIN has only letters and digits, and never I, O or Q"));
  digit = vb_vin_compute_check_digit (upper);
  if (digit != '\0')
    /* Translators: %c is the check digit the VIN should have ('0'–'9' or 'X') */
    return g_strdup_printf (_("the check digit (9th character) should be %c: look for a typo"), digit);
  return g_strdup (error->message);
}

char *
vb_desk_dup_refusal (const char  *reply,
                     char       **field)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *error = NULL;
  const char *message = NULL;

  if (field != NULL)
    *field = NULL;
  if (reply != NULL && json_parser_load_from_data (parser, reply, -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL && JSON_NODE_HOLDS_OBJECT (root) &&
      json_object_has_member (json_node_get_object (root), "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (root), "error")))
    error = json_object_get_object_member (json_node_get_object (root), "error");
  if (error != NULL)
    {
      message = row_string (error, "message");
      if (field != NULL)
        *field = g_strdup (row_string (error, "field"));
    }
  return g_strdup (message != NULL ? message : _("The server refused the change"));
}
