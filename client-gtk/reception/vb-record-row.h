/* vb-record-row.h — one cached record as a list row of the desk's pages. */
#pragma once

#include <adwaita.h>

#include "vb-cache.h"
#include "vb-record.h"

G_BEGIN_DECLS

#define VB_TYPE_RECORD_ROW (vb_record_row_get_type ())
G_DECLARE_FINAL_TYPE (VbRecordRow, vb_record_row, VB, RECORD_ROW, AdwActionRow)

GtkWidget  *vb_record_row_new        (VbCache     *cache,
                                      VbRecord    *record);
VbRecord   *vb_record_row_get_record (VbRecordRow *self);
/* What the row's badge says ("Waiting to sync", a status), or NULL. */
const char *vb_record_row_get_badge  (VbRecordRow *self);

/* For GtkListBox's bind_model: user_data is the VbCache. */
GtkWidget  *vb_record_row_create_cb  (gpointer     item,
                                      gpointer     user_data);
/* The same, on a customer's page (the customer left out of the texts). */
GtkWidget  *vb_record_row_create_within_customer_cb (gpointer item,
                                                     gpointer user_data);
/* Activates "win.open-record" with (entity, id) of a VbRecordRow. */
void        vb_record_row_open       (VbRecordRow *self);

G_END_DECLS
