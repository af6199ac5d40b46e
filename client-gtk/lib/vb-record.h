/* vb-record.h — one cached record (its local view) as a GObject, the item
 * type of VbRecordList. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define VB_TYPE_RECORD (vb_record_get_type ())
G_DECLARE_FINAL_TYPE (VbRecord, vb_record, VB, RECORD, GObject)

/* row: the record's local view as vb_cache_get() gives it (referenced). */
VbRecord     *vb_record_new                 (const char  *entity,
                                             JsonObject  *row);
/* A record from the cache's JSON text (vb_cache_list_texts), parsed when
 * first read. */
VbRecord     *vb_record_new_from_text       (const char  *entity,
                                             const char  *id,
                                             const char  *text);
/* Swaps in a new text: FALSE if it is the same text.  A record never read
 * just keeps the text; one read is parsed and updated as by
 * vb_record_set_row (with its notifications). */
gboolean      vb_record_set_text            (VbRecord    *self,
                                             const char  *text);
const char   *vb_record_get_entity          (VbRecord    *self);
const char   *vb_record_get_id              (VbRecord    *self);
/* The row's "version" (0 if it has none: a record created offline). */
gint64        vb_record_get_version         (VbRecord    *self);
/* Borrowed; replaced by vb_record_set_row(), so do not keep it. */
JsonObject   *vb_record_get_row             (VbRecord    *self);
/* A top-level string member of the row, or NULL (absent, null, not a string). */
const char   *vb_record_get_string          (VbRecord    *self,
                                             const char  *member);
const char   *vb_record_get_title           (VbRecord    *self);
const char   *vb_record_get_subtitle        (VbRecord    *self);

/* Replaces the row (same entity and id) and notifies "row", "version",
 * "title" and "subtitle" if they changed.  Returns TRUE if the row differs. */
gboolean      vb_record_set_row             (VbRecord    *self,
                                             JsonObject  *row);

/* The display title and subtitle of a row of entity (pure functions, so
 * widgets and tests use the same text): customers their display name (or
 * company), vehicles "plate · make model", work orders "#number",
 * appointments the local start time, tasks their title, others "name". */
char         *vb_record_title_for_row       (const char  *entity,
                                             JsonObject  *row);
char         *vb_record_subtitle_for_row    (const char  *entity,
                                             JsonObject  *row);

G_END_DECLS
