/* vb-handler-staff.c — filled in by the staff work in progress. */
#include "vb-handlers.h"

void
vb_handler_staff_register (VbRouter *router)
{
}
