/* vb-check-in-dialog.h — the reception form that checks a car in (from a
 * booked arrival, or a walk-in) and makes its work order. */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"
#include "vb-check-in-receipt.h"
#include "vb-signature-pad.h"

G_BEGIN_DECLS

#define VB_TYPE_CHECK_IN_DIALOG (vb_check_in_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VbCheckInDialog, vb_check_in_dialog, VB, CHECK_IN_DIALOG, AdwWindow)

/* Exactly one of appointment_id (a booked arrival) and vehicle_id (a
 * walk-in: the vehicle's customer, at the desk's location).  Emits
 * ::checked-in (work order id) once the work order is in the outbox and
 * the server has accepted it, or at once while it cannot be reached (it
 * waits to sync); the dialog then offers the receipt. */
VbCheckInDialog  *vb_check_in_dialog_new              (GtkWindow       *parent,
                                                       VbClient        *client,
                                                       const char      *appointment_id,
                                                       const char      *vehicle_id);
VbSignaturePad   *vb_check_in_dialog_get_signature_pad (VbCheckInDialog *self);
/* The field an error is shown on ("odometer_km"…), or NULL; its text. */
const char       *vb_check_in_dialog_get_error_field  (VbCheckInDialog *self);
const char       *vb_check_in_dialog_get_error_text   (VbCheckInDialog *self);
/* The work order's id once saved (its client id), else NULL. */
const char       *vb_check_in_dialog_get_work_order_id (VbCheckInDialog *self);
/* The receipt of the saved check-in (the server's answer when there is
 * one, else what the desk knows), or NULL before saving. */
VbCheckInReceipt *vb_check_in_dialog_dup_receipt      (VbCheckInDialog *self);

G_END_DECLS
