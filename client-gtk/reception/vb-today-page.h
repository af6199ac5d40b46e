/* vb-today-page.h — the desk's day at a glance. */
#pragma once

#include <adwaita.h>

#include "vb-cache.h"

G_BEGIN_DECLS

#define VB_TYPE_TODAY_PAGE (vb_today_page_get_type ())
G_DECLARE_FINAL_TYPE (VbTodayPage, vb_today_page, VB, TODAY_PAGE, AdwBin)

/* NULL until the signed-in user's cache is open. */
void        vb_today_page_set_cache   (VbTodayPage *self,
                                       VbCache     *cache);
/* The sections' models (GListModel of VbRecord): "arrivals", "in-service",
 * "approval", "ready". Borrowed; NULL without a cache. */
GListModel *vb_today_page_get_section (VbTodayPage *self,
                                       const char  *name);

G_END_DECLS
