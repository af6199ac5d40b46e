/* vb-bookings-week.h — the Bookings page's week: days across, bays down,
 * each day's bookings and each bay's free time. */
#pragma once

#include <adwaita.h>

#include "vb-client.h"

G_BEGIN_DECLS

#define VB_TYPE_BOOKINGS_WEEK (vb_bookings_week_get_type ())
G_DECLARE_FINAL_TYPE (VbBookingsWeek, vb_bookings_week, VB, BOOKINGS_WEEK, AdwBin)

/* The client the free time is asked from; the week follows its
 * can-reach-server and its live wake-ups that name appointments.  NULL
 * detaches it. */
void         vb_bookings_week_set_client   (VbBookingsWeek *self,
                                            VbClient       *client);
/* The location shown: its id, its time zone (the week's days are its
 * days), its appointments (GListModel of VbRecord, followed: a booking
 * shows at once) and its bays in order (GListModel of VbRecord); all NULL
 * for none.  The week keeps references. */
void         vb_bookings_week_set_location (VbBookingsWeek *self,
                                            const char     *location_id,
                                            GTimeZone      *tz,
                                            GListModel     *appointments,
                                            GListModel     *bays);
/* The week shown: the one day (any time on it) falls in. */
void         vb_bookings_week_set_day      (VbBookingsWeek *self,
                                            GDateTime      *day);
/* The services the free time is measured for (NULL or empty: the
 * catalog's shortest without a high-voltage level), and the catalog
 * (GListModel of VbRecord, active services; may be NULL). */
void         vb_bookings_week_set_services (VbBookingsWeek     *self,
                                            const char * const *chosen,
                                            GListModel         *catalog);
/* While shown, the bookings (booked or checked in) day's button counts
 * for day (any time on it); 0 otherwise. */
guint        vb_bookings_week_get_booked   (VbBookingsWeek *self,
                                            GDateTime      *day);

/* Signals: ::day-activated (GDateTime *day) — a day's button was clicked;
 * day is its midnight in the location's time zone. */

G_END_DECLS
