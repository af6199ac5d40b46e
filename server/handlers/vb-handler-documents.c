/* vb-handler-documents.c — PDF documents (being written). */
#include "vb-handlers.h"

void
vb_handler_documents_register (VbRouter *router)
{
  (void) router;
}
