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

G_END_DECLS
