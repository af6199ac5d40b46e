/* vb-handler-work-orders.c — placeholder, being written. */
#include "vb-handlers.h"

void
vb_handler_work_orders_register (VbRouter *router)
{
  (void) router;
}
