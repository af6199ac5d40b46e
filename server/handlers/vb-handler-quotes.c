/* vb-handler-quotes.c — quotes, versions and per-line approval (being written). */
#include "vb-handlers.h"

void
vb_handler_quotes_register (VbRouter *router)
{
  (void) router;
}
