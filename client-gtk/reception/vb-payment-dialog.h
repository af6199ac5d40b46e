/* vb-payment-dialog.h — take a payment (or a deposit) at the desk. */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_PAYMENT_DIALOG (vb_payment_dialog_get_type ())
G_DECLARE_FINAL_TYPE (VbPaymentDialog, vb_payment_dialog, VB, PAYMENT_DIALOG, AdwWindow)

/* invoice_id NULL: a deposit on work_order_id.  due: what is owed (minor
 * units of currency), the amount's default. */
VbPaymentDialog *vb_payment_dialog_new        (VbClient   *client,
                                               const char *invoice_id,
                                               const char *work_order_id,
                                               gint64      due,
                                               const char *currency);
/* The Idempotency-Key every POST of this dialog's payment carries. */
const char      *vb_payment_dialog_get_idempotency_key (VbPaymentDialog *self);
/* The payment made, once the server has answered; else NULL. */
const char      *vb_payment_dialog_get_payment_id      (VbPaymentDialog *self);
const char      *vb_payment_dialog_get_payment_status  (VbPaymentDialog *self);

G_END_DECLS
