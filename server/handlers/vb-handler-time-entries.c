/* vb-handler-time-entries.c — placeholder, being written. */
#include "vb-handlers.h"

void
vb_handler_time_entries_register (VbRouter *router)
{
  (void) router;
}
