/* vb-check-in-receipt.h — the paper the customer takes home at check-in:
 * shop, customer, car, odometer, state of charge, concerns, items left,
 * the signature, the date and the work order number. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VB_TYPE_CHECK_IN_RECEIPT (vb_check_in_receipt_get_type ())
G_DECLARE_FINAL_TYPE (VbCheckInReceipt, vb_check_in_receipt, VB, CHECK_IN_RECEIPT, GObject)

/* work_order: the work order as the API returns it (with "customer" and
 * "vehicle" embedded); location: the shop's row (may be NULL);
 * signature_png: the customer's signature (may be NULL). */
VbCheckInReceipt *vb_check_in_receipt_new        (JsonObject        *work_order,
                                                  JsonObject        *location,
                                                  GBytes            *signature_png);
/* The receipt's lines as printed (without the signature), for checks. */
char             *vb_check_in_receipt_dup_text   (VbCheckInReceipt  *self);
/* Opens the print dialog over parent. */
gboolean          vb_check_in_receipt_print      (VbCheckInReceipt  *self,
                                                  GtkWindow         *parent,
                                                  GError           **error);
/* Writes the receipt as a PDF without a dialog (GtkPrintOperation's
 * export). */
gboolean          vb_check_in_receipt_export_pdf (VbCheckInReceipt  *self,
                                                  const char        *path,
                                                  GError           **error);

G_END_DECLS
