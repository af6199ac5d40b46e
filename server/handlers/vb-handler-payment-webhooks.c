/* vb-handler-payment-webhooks.c — payment gateway webhooks (being written). */
#include "vb-handlers.h"

void
vb_handler_payment_webhooks_register (VbRouter *router)
{
  (void) router;
}
