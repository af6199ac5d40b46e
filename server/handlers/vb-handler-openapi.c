/* vb-handler-openapi.c — filled in by the openapi work in progress. */
#include "vb-handlers.h"

void
vb_handler_openapi_register (VbRouter *router)
{
}
