/* vb-handler-audit.c — placeholder replaced by the audit resource handlers. */
#include "vb-handlers.h"

void
vb_handler_audit_register (VbRouter *router)
{
}
