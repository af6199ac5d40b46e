/* vb-handler-conversations.c — customer conversations and work-order chat (being written). */
#include "vb-handlers.h"

void
vb_handler_conversations_register (VbRouter *router)
{
  (void) router;
}
