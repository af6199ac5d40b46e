/* vb-handler-work-order-notes.c — placeholder, being written. */
#include "vb-handlers.h"

void
vb_handler_work_order_notes_register (VbRouter *router)
{
  (void) router;
}
