/* vb-customer-page.h — one customer: contact, consent, vehicles, work orders. */
#pragma once

#include <adwaita.h>

#include "vb-cache.h"

G_BEGIN_DECLS

#define VB_TYPE_CUSTOMER_PAGE (vb_customer_page_get_type ())
G_DECLARE_FINAL_TYPE (VbCustomerPage, vb_customer_page, VB, CUSTOMER_PAGE, AdwBin)

void        vb_customer_page_set_cache       (VbCustomerPage *self,
                                              VbCache        *cache);
void        vb_customer_page_set_customer_id (VbCustomerPage *self,
                                              const char     *id);
const char *vb_customer_page_get_customer_id (VbCustomerPage *self);
/* The customer's vehicles and work orders (GListModel of VbRecord). */
GListModel *vb_customer_page_get_vehicles    (VbCustomerPage *self);
GListModel *vb_customer_page_get_work_orders (VbCustomerPage *self);

G_END_DECLS
