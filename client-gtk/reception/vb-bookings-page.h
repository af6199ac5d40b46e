/* vb-bookings-page.h — the desk's Bookings page: a location's day, its
 * free slots, and booking, rescheduling, cancelling and no-shows. */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "vb-client.h"

G_BEGIN_DECLS

#define VB_TYPE_BOOKINGS_PAGE (vb_bookings_page_get_type ())
G_DECLARE_FINAL_TYPE (VbBookingsPage, vb_bookings_page, VB, BOOKINGS_PAGE, AdwBin)

/* The page follows the client's cache, engine, live wake-ups and
 * can-reach-server; NULL detaches it. */
void         vb_bookings_page_set_client         (VbBookingsPage *self,
                                                  VbClient       *client);
/* The location the page shows when first opened (the desk's preference);
 * NULL or "" = the user's first location from /me, else the first one.
 * Applied at once if the cache has it and the user has not chosen a
 * location on the page yet. */
void         vb_bookings_page_set_default_location (VbBookingsPage *self,
                                                    const char     *location_id);
/* The shown day's appointments at the location (GListModel of VbRecord,
 * by start), borrowed; NULL without a cache. */
GListModel  *vb_bookings_page_get_day            (VbBookingsPage *self);
/* The shown day (midnight in the location's time zone), borrowed. */
GDateTime   *vb_bookings_page_get_date           (VbBookingsPage *self);
/* The free slots shown ({"starts_at", "ends_at", "bay_id", "bay_name",
 * "technician_id"}, borrowed), once the server answered and minus what
 * the cache says is taken. */
guint        vb_bookings_page_get_n_slots        (VbBookingsPage *self);
JsonObject  *vb_bookings_page_get_slot           (VbBookingsPage *self,
                                                  guint           position);
/* Whether an availability request is under way. */
gboolean     vb_bookings_page_is_fetching        (VbBookingsPage *self);
/* What the free-slot section says (offline, none, choose services…). */
const char  *vb_bookings_page_get_slots_status   (VbBookingsPage *self);
/* Ticks a service of the catalog (as its check button does). */
void         vb_bookings_page_set_service_chosen (VbBookingsPage *self,
                                                  const char     *service_type_id,
                                                  gboolean        chosen);
/* Selects the customer (and one of their vehicles, may be NULL); FALSE if
 * the cache does not have them. */
gboolean     vb_bookings_page_set_customer       (VbBookingsPage *self,
                                                  const char     *customer_id,
                                                  const char     *vehicle_id);
/* Types text into the customer picker (as the user does): the cache's
 * search fills the picker's list; TRUE if a search is under way. */
gboolean     vb_bookings_page_search_customer    (VbBookingsPage *self,
                                                  const char     *text);
/* The chosen customer's id, or NULL. */
const char  *vb_bookings_page_get_customer       (VbBookingsPage *self);
/* Selects a shown free slot (as its button does); FALSE if not shown. */
gboolean     vb_bookings_page_choose_slot        (VbBookingsPage *self,
                                                  const char     *starts_at,
                                                  const char     *bay_id);
/* Shows day (any time on it, converted to the location's day) in the day
 * view, whichever view was shown. */
void         vb_bookings_page_show_day           (VbBookingsPage *self,
                                                  GDateTime      *day);
/* In the week view, the bookings (booked or checked in) its day's button
 * counts for day (any time on it); 0 otherwise. */
guint        vb_bookings_page_get_week_booked    (VbBookingsPage *self,
                                                  GDateTime      *day);
/* The id of the last booking made on this page, or NULL. */
const char  *vb_bookings_page_get_last_booking   (VbBookingsPage *self);
/* The badge a booking of the shown day carries ("Waiting to sync",
 * "Cancelled"…), or NULL. */
const char  *vb_bookings_page_get_badge          (VbBookingsPage *self,
                                                  const char     *appointment_id);

G_END_DECLS
