/* vb-handler-catalog.c — filled in by the catalog work in progress. */
#include "vb-handlers.h"

void
vb_handler_catalog_register (VbRouter *router)
{
}
