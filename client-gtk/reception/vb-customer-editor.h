/* vb-customer-editor.h — the dialog that creates or edits a customer, or
 * adds a vehicle to one. */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

typedef enum
{
  VB_CUSTOMER_EDITOR_NEW,          /* a new customer, optionally with a first vehicle */
  VB_CUSTOMER_EDITOR_EDIT,         /* contact and consent of a customer */
  VB_CUSTOMER_EDITOR_ADD_VEHICLE,  /* a vehicle for a customer */
} VbCustomerEditorMode;

#define VB_TYPE_CUSTOMER_EDITOR (vb_customer_editor_get_type ())
G_DECLARE_FINAL_TYPE (VbCustomerEditor, vb_customer_editor, VB, CUSTOMER_EDITOR, AdwWindow)

/* customer_id: NULL for VB_CUSTOMER_EDITOR_NEW.  Emits ::saved (customer
 * id) once the changes are in the outbox and the server has accepted
 * them, or at once while it cannot be reached (they wait to sync). */
VbCustomerEditor *vb_customer_editor_new         (GtkWindow            *parent,
                                                  VbClient             *client,
                                                  VbCustomerEditorMode  mode,
                                                  const char           *customer_id);
/* The field an error is shown on ("vin", "phones"…), or NULL. */
const char       *vb_customer_editor_get_error_field (VbCustomerEditor *self);
void              vb_customer_editor_set_answer_timeout (VbCustomerEditor *self,
                                                         guint             timeout_ms);
/* The error text shown for it, or NULL. */
const char       *vb_customer_editor_get_error_text  (VbCustomerEditor *self);
/* Fills the form with a change the server refused (an outbox entry's
 * fields: a customer's contact, or a vehicle; for EDIT on top of the
 * customer as it is) and shows message on field (NULL: the whole form),
 * so that the user fixes it where it went wrong. */
void              vb_customer_editor_show_refused    (VbCustomerEditor *self,
                                                      JsonObject       *fields,
                                                      const char       *field,
                                                      const char       *message);

G_END_DECLS
