/* vb-handler-purchase-orders.c — purchase orders (being written). */
#include "vb-handlers.h"

void
vb_handler_purchase_orders_register (VbRouter *router)
{
  (void) router;
}
