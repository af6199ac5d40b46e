/* vb-handler-stock.c — stock levels, the movement ledger and reorder alerts (being written). */
#include "vb-handlers.h"

void
vb_handler_stock_register (VbRouter *router)
{
  (void) router;
}
