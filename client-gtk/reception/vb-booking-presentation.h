/* vb-booking-presentation.h — what the Bookings page says and decides, as
 * pure functions of cached rows and availability slots (no widgets), so
 * the rules are testable without a display. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Translated appointment status ("no_show" → "No-show"); NULL if unknown. */
const char *vb_appointment_status_get_label (const char  *status);

/* An appointment's end as RFC 3339 (owned), or NULL: "ends_at" in a row
 * made here, else the upper bound of "during" in a row from the feed. */
char       *vb_booking_dup_appointment_end  (JsonObject  *appointment);

/* Whether the booked appointment takes the slot (an availability item,
 * {"starts_at", "ends_at", "bay_id", "technician_id"}): same bay or same
 * technician, and the times overlap.  An appointment made here without an
 * end is taken to last as long as the slot.  Not booked (cancelled,
 * no-show, checked in): FALSE. */
gboolean    vb_booking_takes_slot           (JsonObject  *appointment,
                                             JsonObject  *slot);

/* Whether an RFC 3339 time falls on day (a date at midnight, in its own
 * time zone, which is the location's). */
gboolean    vb_booking_is_on_day            (const char  *iso_time,
                                             GDateTime   *day);

/* "09:30" in tz (the location's), or NULL. */
char       *vb_booking_dup_time             (const char  *iso_time,
                                             GTimeZone   *tz);

/* "HH:MM" typed at the desk on day (in day's time zone) → RFC 3339 UTC,
 * or NULL when it is not a time. */
char       *vb_booking_dup_typed_start      (const char  *text,
                                             GDateTime   *day);

/* "a,b,c" for the availability query from the chosen service ids, in a
 * stable (sorted) order; NULL when none is chosen. */
char       *vb_booking_dup_service_query    (const char * const *ids);

/* The Monday (midnight, in day's time zone) of day's week. */
GDateTime  *vb_booking_week_start           (GDateTime   *day);

/* The minutes covered by the free slots (JsonObject availability items,
 * any order, possibly overlapping): the union of their [starts_at,
 * ends_at) spans, so 15-minute starts of a 45-minute job count the free
 * time once. */
gint64      vb_booking_free_minutes         (GPtrArray   *slots);

/* "3 h", "2½ h", "45 min" free time (owned). */
char       *vb_booking_dup_duration         (gint64       minutes);

G_END_DECLS
