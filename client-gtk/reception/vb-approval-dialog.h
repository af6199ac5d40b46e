/* vb-approval-dialog.h — record the customer's per-line answer to a quote. */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_APPROVAL_DIALOG (vb_approval_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VbApprovalDialog, vb_approval_dialog, VB, APPROVAL_DIALOG, AdwWindow)

/* version: the quote version reply (GET …/quote-versions/{id}); the lines
 * not decided yet are offered.  phone: the customer's number, prefilled;
 * location_id: the work order's, where an in-person signature is stored. */
VbApprovalDialog *vb_approval_dialog_new (VbClient   *client,
                                          JsonObject *version,
                                          const char *phone,
                                          const char *location_id);

G_END_DECLS
