/* vb-handler-customers.c — filled in by the customers work in progress. */
#include "vb-handlers.h"

void
vb_handler_customers_register (VbRouter *router)
{
}
