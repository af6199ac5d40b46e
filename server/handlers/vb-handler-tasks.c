/* vb-handler-tasks.c — placeholder, being written. */
#include "vb-handlers.h"

void
vb_handler_tasks_register (VbRouter *router)
{
  (void) router;
}
