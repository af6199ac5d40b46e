/* vb-record-list.h — a live GListModel of VbRecord over the offline cache. */
#pragma once

#include <gio/gio.h>

#include "vb-cache.h"
#include "vb-record.h"

G_BEGIN_DECLS

#define VB_TYPE_RECORD_LIST (vb_record_list_get_type ())
G_DECLARE_FINAL_TYPE (VbRecordList, vb_record_list, VB, RECORD_LIST, GObject)

/* The local views of entity (optionally of one location) ordered by
 * order_field (a top-level member; NULL: id), kept up to date from the
 * cache's ::changed.  A search text (vb_record_list_set_search) switches
 * to full-text matches of the cache's search index, best first.
 * Updates are incremental: only the records a commit changed (the cache's
 * ::records-changed) are re-read and merged in, so a list of 100,000
 * records costs little per change. */
VbRecordList *vb_record_list_new           (VbCache      *cache,
                                            const char   *entity,
                                            const char   *location_id,
                                            const char   *order_field,
                                            gboolean      descending);
/* Only the records whose top-level member field is the string value (e.g.
 * one customer's vehicles: "customer_id", id), filtered in the cache. */
VbRecordList *vb_record_list_new_where     (VbCache      *cache,
                                            const char   *entity,
                                            const char   *field,
                                            const char   *value,
                                            const char   *order_field,
                                            gboolean      descending);
VbCache      *vb_record_list_get_cache     (VbRecordList *self);
const char   *vb_record_list_get_entity    (VbRecordList *self);
const char   *vb_record_list_get_location_id (VbRecordList *self);
/* NULL or "" (only blanks too): no search, the ordered list. */
void          vb_record_list_set_search    (VbRecordList *self,
                                            const char   *text);
const char   *vb_record_list_get_search    (VbRecordList *self);
/* Re-reads the cache now (normally done on ::changed). */
void          vb_record_list_refresh       (VbRecordList *self);
/* The record with this id, or NULL (borrowed). */
VbRecord     *vb_record_list_find          (VbRecordList *self,
                                            const char   *id,
                                            guint        *position);

G_END_DECLS
