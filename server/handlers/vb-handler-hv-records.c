/* vb-handler-hv-records.c — placeholder, being written. */
#include "vb-handlers.h"

void
vb_handler_hv_records_register (VbRouter *router)
{
  (void) router;
}
