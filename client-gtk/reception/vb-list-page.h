/* vb-list-page.h — a page that lists cached records of one or more
 * entities (Customers, Work orders, search results). */
#pragma once

#include <adwaita.h>

#include "vb-cache.h"

G_BEGIN_DECLS

#define VB_TYPE_LIST_PAGE (vb_list_page_get_type ())
G_DECLARE_FINAL_TYPE (VbListPage, vb_list_page, VB, LIST_PAGE, AdwBin)

void        vb_list_page_set_cache  (VbListPage *self,
                                     VbCache    *cache);
/* Full-text search over every entity of the page (NULL or blank: the
 * ordered list, or, with "search-only", the hint). */
void        vb_list_page_set_search (VbListPage *self,
                                     const char *text);
/* The records shown (GListModel of VbRecord), borrowed; NULL without cache. */
GListModel *vb_list_page_get_model  (VbListPage *self);
/* Moves the keyboard focus to the first row (FALSE: no rows). */
gboolean    vb_list_page_focus_first (VbListPage *self);
/* Opens the first row, as activating it would (FALSE: no rows). */
gboolean    vb_list_page_open_first (VbListPage *self);

G_END_DECLS
