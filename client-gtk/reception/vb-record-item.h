/* vb-record-item.h — a cached record as an item of a GtkListView. */
#pragma once

#include <gtk/gtk.h>

#include "vb-cache.h"
#include "vb-record.h"

G_BEGIN_DECLS

#define VB_TYPE_RECORD_ITEM (vb_record_item_get_type ())
G_DECLARE_FINAL_TYPE (VbRecordItem, vb_record_item, VB, RECORD_ITEM, GtkBox)

GtkWidget *vb_record_item_new        (void);
/* record may be NULL (unbound). */
void       vb_record_item_set_record (VbRecordItem *self,
                                      VbCache      *cache,
                                      VbRecord     *record);
VbRecord  *vb_record_item_get_record (VbRecordItem *self);

G_END_DECLS
