/* vb-desk-alerts.h — what the desk announces in a toast. */
#pragma once

#include <glib-object.h>

#include "vb-client.h"

G_BEGIN_DECLS

#define VB_TYPE_DESK_ALERTS (vb_desk_alerts_get_type ())
G_DECLARE_FINAL_TYPE (VbDeskAlerts, vb_desk_alerts, VB, DESK_ALERTS, GObject)

VbDeskAlerts *vb_desk_alerts_new        (void);
void          vb_desk_alerts_set_client (VbDeskAlerts *self,
                                         VbClient     *client);

/* Signal ::alert (const char *title, const char *entity, const char *id):
 * something happened elsewhere that the desk should see; entity and id
 * say what to open ("conversations" and a customer id, or "work_orders"
 * and a work order id). */

G_END_DECLS
