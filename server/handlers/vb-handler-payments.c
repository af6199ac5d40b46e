/* vb-handler-payments.c — payments, refunds and deposits (being written). */
#include "vb-handlers.h"

void
vb_handler_payments_register (VbRouter *router)
{
  (void) router;
}
