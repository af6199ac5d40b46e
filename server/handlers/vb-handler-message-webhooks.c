/* vb-handler-message-webhooks.c — inbound SMS and e-mail webhooks (being written). */
#include "vb-handlers.h"

void
vb_handler_message_webhooks_register (VbRouter *router)
{
  (void) router;
}
