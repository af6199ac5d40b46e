/* vb-desk-view.h — the front desk's pages: a sidebar with the one search
 * field, and Today, Customers, Work Orders, search results and a
 * customer's page. */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_DESK_VIEW (vb_desk_view_get_type ())
G_DECLARE_FINAL_TYPE (VbDeskView, vb_desk_view, VB, DESK_VIEW, AdwBin)

VbDeskView *vb_desk_view_new              (void);
/* The client whose cache the pages read and whose engine takes changes. */
void        vb_desk_view_set_client       (VbDeskView *self,
                                           VbClient   *client);
/* "today", "customers", "work-orders", "search", "customer". */
gboolean    vb_desk_view_show_page        (VbDeskView *self,
                                           const char *name);
const char *vb_desk_view_get_page         (VbDeskView *self);
void        vb_desk_view_focus_search     (VbDeskView *self);
/* Customers open their page; vehicles, work orders and appointments their
 * customer's. */
void        vb_desk_view_open_record      (VbDeskView *self,
                                           const char *entity,
                                           const char *id);
/* The customer shown ("customer" page), or NULL. */
const char *vb_desk_view_get_customer_id  (VbDeskView *self);
/* Opens the customer editor (NEW needs no customer; the others act on
 * the customer shown). */
void        vb_desk_view_open_editor      (VbDeskView *self,
                                           int         mode);

G_END_DECLS
