/* vb-handler-attachments.c — placeholder, being written. */
#include "vb-handlers.h"

void
vb_handler_attachments_register (VbRouter *router)
{
  (void) router;
}
