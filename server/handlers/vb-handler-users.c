/* vb-handler-users.c — placeholder replaced by the users resource handlers. */
#include "vb-handlers.h"

void
vb_handler_users_register (VbRouter *router)
{
}
