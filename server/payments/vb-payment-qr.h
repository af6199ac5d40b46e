/* vb-payment-qr.h — the bank-transfer QR payload of a payment or invoice. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The EMVCo merchant-presented payload (VietQR account template) asking for
 * amount (minor units of currency; < 0: any amount) with reference as bill
 * number and transfer purpose, from the [payments] group of settings:
 * qr-bank-bin, qr-account (required), qr-merchant-name, qr-merchant-city,
 * qr-country (VN), qr-merchant-category (7538), qr-guid (A000000727),
 * qr-service-code (QRIBFTTA).  NULL with VB_ERROR_UNAVAILABLE when the
 * bank account is not configured, VB_ERROR_VALIDATION when it is wrong.
 * (The invoice PDF puts it on the invoice.) */
char *vb_payment_invoice_qr (GKeyFile    *settings,
                             const char  *reference,
                             gint64       amount,
                             const char  *currency,
                             GError     **error);

G_END_DECLS
