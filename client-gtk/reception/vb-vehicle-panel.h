/* vb-vehicle-panel.h — one vehicle on its customer's page: EV data,
 * odometer and battery-health charts, maintenance history with costs, due
 * maintenance and deferred work, documents. */
#pragma once

#include <adwaita.h>

#include "vb-client.h"

G_BEGIN_DECLS

#define VB_TYPE_VEHICLE_PANEL (vb_vehicle_panel_get_type ())
G_DECLARE_FINAL_TYPE (VbVehiclePanel, vb_vehicle_panel, VB, VEHICLE_PANEL, AdwBin)

/* Reads the vehicle (and its customer's invoices and quotes) from client's
 * cache; the due maintenance from the server while it can be reached.
 * schedules (vehicle id → JsonArray, shared with the caller) keeps the
 * server's last schedule per vehicle, shown offline by a later panel. */
GtkWidget  *vb_vehicle_panel_new            (VbClient       *client,
                                             const char     *vehicle_id,
                                             GHashTable     *schedules);
const char *vb_vehicle_panel_get_vehicle_id (VbVehiclePanel *self);

/* Where the panels keep what they read from the server for offline use
 * (the PDFs opened, under "documents", and the maintenance schedules,
 * under "schedules"): $XDG_CACHE_HOME/voltbay/desk/<server>/<user>, one
 * directory per server and signed-in user; NULL when no user is known. */
char       *vb_vehicle_panel_dup_saved_dir    (VbClient       *client);
/* Deletes dir (from vb_vehicle_panel_dup_saved_dir) with what is in it,
 * and the documents kept before they were kept per user: customer data,
 * gone on sign-out.  A missing directory is no error. */
gboolean    vb_vehicle_panel_delete_saved_dir (const char     *dir,
                                               GError        **error);

G_END_DECLS
