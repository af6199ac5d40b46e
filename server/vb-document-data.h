/* vb-document-data.h — the JSON models of documents (docs/documents.md),
 * built from the database for shared/vb-document.c to render. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "vb-db.h"

G_BEGIN_DECLS

/* kind: "quote" | "invoice" | "credit_note" | "vehicle_history" | "battery_certificate".
 * id: the quote, the invoice (or credit note; "invoice" and "credit_note"
 * take either) or the vehicle.  language: "en" | "vi", NULL = the
 * customer's preferred language.  No permission check: the caller decides
 * who may see it (VB_ERROR_NOT_FOUND without a record). */
JsonObject *vb_document_data_build     (VbDbConn    *conn,
                                        const char  *kind,
                                        const char  *id,
                                        const char  *language,
                                        GError     **error);
/* The same; a vehicle history lists only the visits at locations where
 * user_id (NULL: no filter) has work_orders.read. */
JsonObject *vb_document_data_build_for (VbDbConn    *conn,
                                        const char  *kind,
                                        const char  *id,
                                        const char  *language,
                                        const char  *user_id,
                                        GError     **error);
/* For an invoice with an amount due: payment_qr, the bank-transfer QR of
 * the [payments] settings (left out when they name no account). */
void        vb_document_data_add_payment_qr (JsonObject *model,
                                             GKeyFile   *settings);
/* A file name for the rendered PDF: "invoice-HCM-1-2026-000042.pdf". */
char       *vb_document_data_filename  (JsonObject  *model);

G_END_DECLS
