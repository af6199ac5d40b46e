/* vb-handler-stock-transfers.c — transfers between locations (being written). */
#include "vb-handlers.h"

void
vb_handler_stock_transfers_register (VbRouter *router)
{
  (void) router;
}
