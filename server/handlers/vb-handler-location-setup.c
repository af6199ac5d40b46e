/* vb-handler-location-setup.c — filled in by the location setup work in progress. */
#include "vb-handlers.h"

void
vb_handler_location_setup_register (VbRouter *router)
{
}
