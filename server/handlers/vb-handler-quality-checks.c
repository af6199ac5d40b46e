/* vb-handler-quality-checks.c — placeholder, being written. */
#include "vb-handlers.h"

void
vb_handler_quality_checks_register (VbRouter *router)
{
  (void) router;
}
