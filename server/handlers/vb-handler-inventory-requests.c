/* vb-handler-inventory-requests.c — technicians' inventory requests to the desk (being written). */
#include "vb-handlers.h"

void
vb_handler_inventory_requests_register (VbRouter *router)
{
  (void) router;
}
