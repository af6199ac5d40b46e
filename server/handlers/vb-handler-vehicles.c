/* vb-handler-vehicles.c — filled in by the vehicles work in progress. */
#include "vb-handlers.h"

void
vb_handler_vehicles_register (VbRouter *router)
{
}
