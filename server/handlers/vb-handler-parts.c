/* vb-handler-parts.c — the parts catalog (being written). */
#include "vb-handlers.h"

void
vb_handler_parts_register (VbRouter *router)
{
  (void) router;
}
