/* vb-handler-invoices.c — invoices and credit notes (being written). */
#include "vb-handlers.h"

void
vb_handler_invoices_register (VbRouter *router)
{
  (void) router;
}
