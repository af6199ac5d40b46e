/* vb-customer-page.h — one customer: contact, consent, vehicles with
 * their EV data, charts, history, reminders and documents. */
#pragma once

#include <adwaita.h>

#include "vb-cache.h"
#include "vb-client.h"

G_BEGIN_DECLS

#define VB_TYPE_CUSTOMER_PAGE (vb_customer_page_get_type ())
G_DECLARE_FINAL_TYPE (VbCustomerPage, vb_customer_page, VB, CUSTOMER_PAGE, AdwBin)

void        vb_customer_page_set_cache       (VbCustomerPage *self,
                                              VbCache        *cache);
void        vb_customer_page_set_customer_id (VbCustomerPage *self,
                                              const char     *id);
/* The client the vehicles' panels read the server through (and its cache). */
void        vb_customer_page_set_client      (VbCustomerPage *self,
                                              VbClient       *client);
const char *vb_customer_page_get_customer_id (VbCustomerPage *self);
/* The customer's vehicles and work orders (GListModel of VbRecord). */
GListModel *vb_customer_page_get_vehicles    (VbCustomerPage *self);
GListModel *vb_customer_page_get_work_orders (VbCustomerPage *self);
/* The VbVehiclePanel of one of the customer's vehicles, or NULL. */
GtkWidget  *vb_customer_page_get_vehicle_panel (VbCustomerPage *self,
                                                const char     *vehicle_id);

G_END_DECLS
