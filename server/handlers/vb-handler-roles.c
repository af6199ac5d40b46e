/* vb-handler-roles.c — placeholder replaced by the roles resource handlers. */
#include "vb-handlers.h"

void
vb_handler_roles_register (VbRouter *router)
{
}
