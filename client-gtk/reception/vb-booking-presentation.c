/* vb-booking-presentation.c — the Bookings page's rules as pure functions
 * (see the header).  Rows come in two shapes: made here they carry the
 * API's "starts_at"/"ends_at"; from the change feed they carry the table's
 * "during" tstzrange.  Both are read, so a provisional booking takes its
 * slot at once and keeps it when the server's row replaces it. */
#include "vb-booking-presentation.h"
#include "vb-desk-presentation.h"

#include <glib/gi18n.h>
#include <string.h>

const char *
vb_appointment_status_get_label (const char *status)
{
  if (g_strcmp0 (status, "booked") == 0)
    return _("Booked");
  if (g_strcmp0 (status, "cancelled") == 0)
    return _("Cancelled");
  if (g_strcmp0 (status, "no_show") == 0)
    return _("No-show");
  if (g_strcmp0 (status, "checked_in") == 0)
    return _("Checked in");
  return NULL;
}

/* ["2026-11-25 11:00:00+00","2026-11-25 11:45:00+00") → the upper bound. */
static char *
dup_range_upper (const char *range)
{
  const char *comma = strchr (range, ',');
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) parsed = NULL;
  g_autoptr(GDateTime) utc = NULL;
  gsize len;

  if (comma == NULL)
    return NULL;
  text = g_strdup (comma + 1);
  len = strlen (text);
  while (len > 0 && strchr ("\")] ", text[len - 1]) != NULL)
    text[--len] = '\0';
  g_strdelimit (text, "\"", ' ');
  g_strstrip (text);
  if (strlen (text) > 10 && text[10] == ' ')
    text[10] = 'T';
  /* PostgreSQL prints "+00"; ISO 8601 parsing wants "+00:00". */
  len = strlen (text);
  if (len > 3 && (text[len - 3] == '+' || text[len - 3] == '-'))
    {
      g_autofree char *full = g_strconcat (text, ":00", NULL);

      parsed = g_date_time_new_from_iso8601 (full, NULL);
    }
  else
    parsed = g_date_time_new_from_iso8601 (text, NULL);
  if (parsed == NULL)
    return NULL;
  utc = g_date_time_to_utc (parsed);
  return g_date_time_format_iso8601 (utc);
}

char *
vb_booking_dup_appointment_end (JsonObject *appointment)
{
  const char *text;

  if (appointment == NULL)
    return NULL;
  text = json_object_get_string_member_with_default (appointment, "ends_at", NULL);
  if (text != NULL)
    return g_strdup (text);
  text = json_object_get_string_member_with_default (appointment, "during", NULL);
  return text != NULL ? dup_range_upper (text) : NULL;
}

static GDateTime *
parse (const char *iso)
{
  return iso != NULL ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;
}

gboolean
vb_booking_takes_slot (JsonObject *appointment,
                       JsonObject *slot)
{
  g_autofree char *start_text = vb_desk_dup_appointment_start (appointment);
  g_autofree char *end_text = vb_booking_dup_appointment_end (appointment);
  g_autoptr(GDateTime) a_start = parse (start_text);
  g_autoptr(GDateTime) a_end = parse (end_text);
  g_autoptr(GDateTime) s_start = parse (json_object_get_string_member_with_default (slot, "starts_at", NULL));
  g_autoptr(GDateTime) s_end = parse (json_object_get_string_member_with_default (slot, "ends_at", NULL));
  const char *a_bay = json_object_get_string_member_with_default (appointment, "bay_id", NULL);
  const char *a_tech = json_object_get_string_member_with_default (appointment, "technician_id", NULL);
  const char *s_tech = json_object_get_string_member_with_default (slot, "technician_id", NULL);
  gboolean same_bay = g_strcmp0 (a_bay, json_object_get_string_member_with_default (slot, "bay_id", NULL)) == 0;
  gboolean same_tech = a_tech != NULL && g_strcmp0 (a_tech, s_tech) == 0;

  if (g_strcmp0 (json_object_get_string_member_with_default (appointment, "status", "booked"), "booked") != 0)
    return FALSE;
  if (a_start == NULL || s_start == NULL || s_end == NULL || (!same_bay && !same_tech))
    return FALSE;
  if (a_end == NULL)
    a_end = g_date_time_add (a_start, g_date_time_difference (s_end, s_start));
  return g_date_time_compare (a_start, s_end) < 0 && g_date_time_compare (s_start, a_end) < 0;
}

gboolean
vb_booking_is_on_day (const char *iso_time,
                      GDateTime  *day)
{
  g_autoptr(GDateTime) parsed = parse (iso_time);
  g_autoptr(GDateTime) there = NULL;

  if (parsed == NULL || day == NULL)
    return FALSE;
  there = g_date_time_to_timezone (parsed, g_date_time_get_timezone (day));
  return g_date_time_get_year (there) == g_date_time_get_year (day) &&
         g_date_time_get_day_of_year (there) == g_date_time_get_day_of_year (day);
}

char *
vb_booking_dup_time (const char *iso_time,
                     GTimeZone  *tz)
{
  g_autoptr(GDateTime) parsed = parse (iso_time);
  g_autoptr(GDateTime) there = NULL;

  if (parsed == NULL)
    return NULL;
  there = tz != NULL ? g_date_time_to_timezone (parsed, tz) : g_date_time_to_local (parsed);
  return g_date_time_format (there, "%H:%M");
}

char *
vb_booking_dup_typed_start (const char *text,
                            GDateTime  *day)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GDateTime) at = NULL;
  g_autoptr(GDateTime) utc = NULL;
  guint64 hour, minute;

  if (text == NULL || day == NULL)
    return NULL;
  g_autofree char *clean = g_strstrip (g_strdup (text));

  parts = g_strsplit (clean, ":", -1);
  if (g_strv_length (parts) != 2 ||
      !g_ascii_string_to_unsigned (parts[0], 10, 0, 23, &hour, NULL) ||
      !g_ascii_string_to_unsigned (parts[1], 10, 0, 59, &minute, NULL))
    return NULL;
  at = g_date_time_new (g_date_time_get_timezone (day), g_date_time_get_year (day),
                        g_date_time_get_month (day), g_date_time_get_day_of_month (day),
                        (int) hour, (int) minute, 0);
  if (at == NULL)
    return NULL;
  utc = g_date_time_to_utc (at);
  return g_date_time_format_iso8601 (utc);
}

static int
compare_strings (const void *a,
                 const void *b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

char *
vb_booking_dup_service_query (const char * const *ids)
{
  g_autofree const char **sorted = NULL;
  guint n = ids != NULL ? g_strv_length ((char **) ids) : 0;

  if (n == 0)
    return NULL;
  sorted = g_new0 (const char *, n + 1);
  memcpy (sorted, ids, n * sizeof (char *));
  qsort (sorted, n, sizeof (char *), compare_strings);
  return g_strjoinv (",", (char **) sorted);
}

GDateTime *
vb_booking_week_start (GDateTime *day)
{
  g_autoptr(GDateTime) noon = NULL;
  g_autoptr(GDateTime) monday = NULL;

  g_return_val_if_fail (day != NULL, NULL);

  /* Noon, so a daylight-saving change never skips or repeats a day. */
  noon = g_date_time_new (g_date_time_get_timezone (day), g_date_time_get_year (day),
                          g_date_time_get_month (day), g_date_time_get_day_of_month (day), 12, 0, 0);
  monday = g_date_time_add_days (noon, 1 - g_date_time_get_day_of_week (noon));
  return g_date_time_new (g_date_time_get_timezone (day), g_date_time_get_year (monday),
                          g_date_time_get_month (monday), g_date_time_get_day_of_month (monday), 0, 0, 0);
}

typedef struct
{
  gint64 from;
  gint64 to;
} Span;

static int
compare_spans (gconstpointer a,
               gconstpointer b)
{
  const Span *sa = a;
  const Span *sb = b;

  return (sa->from > sb->from) - (sa->from < sb->from);
}

gint64
vb_booking_free_minutes (GPtrArray *slots)
{
  g_autoptr(GArray) spans = g_array_new (FALSE, FALSE, sizeof (Span));
  gint64 total = 0;
  gint64 from = 0;
  gint64 to = 0;
  gboolean open = FALSE;

  for (guint i = 0; slots != NULL && i < slots->len; i++)
    {
      JsonObject *slot = g_ptr_array_index (slots, i);
      const char *start = json_object_get_string_member_with_default (slot, "starts_at", NULL);
      const char *end = json_object_get_string_member_with_default (slot, "ends_at", NULL);
      g_autoptr(GDateTime) a = start != NULL ? g_date_time_new_from_iso8601 (start, NULL) : NULL;
      g_autoptr(GDateTime) b = end != NULL ? g_date_time_new_from_iso8601 (end, NULL) : NULL;
      Span span;

      if (a == NULL || b == NULL || g_date_time_compare (a, b) >= 0)
        continue;
      span.from = g_date_time_to_unix (a);
      span.to = g_date_time_to_unix (b);
      g_array_append_val (spans, span);
    }
  g_array_sort (spans, compare_spans);
  for (guint i = 0; i < spans->len; i++)
    {
      Span *span = &g_array_index (spans, Span, i);

      if (open && span->from <= to)
        {
          to = MAX (to, span->to);
          continue;
        }
      if (open)
        total += to - from;
      from = span->from;
      to = span->to;
      open = TRUE;
    }
  if (open)
    total += to - from;
  return total / 60;
}

char *
vb_booking_dup_duration (gint64 minutes)
{
  gint64 hours = minutes / 60;
  gint64 rest = minutes % 60;

  if (minutes < 60)
    /* Translators: free time in a day, under an hour */
    return g_strdup_printf (_("%d min"), (int) minutes);
  if (rest == 0)
    /* Translators: free time in a day, whole hours */
    return g_strdup_printf (_("%d h"), (int) hours);
  if (rest == 30)
    /* Translators: free time in a day, hours and a half */
    return g_strdup_printf (_("%d½ h"), (int) hours);
  /* Translators: free time in a day, hours and minutes */
  return g_strdup_printf (_("%d h %02d"), (int) hours, (int) rest);
}
