/* vb-work-order-page.h — one work order, live: status, car, concerns,
 * tasks with steps and time, photos from the bay, the internal chat, and
 * its money (a VbMoneySection). */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "vb-client-types.h"
#include "vb-money-section.h"

G_BEGIN_DECLS

#define VB_TYPE_WORK_ORDER_PAGE (vb_work_order_page_get_type ())
G_DECLARE_FINAL_TYPE (VbWorkOrderPage, vb_work_order_page, VB, WORK_ORDER_PAGE, AdwBin)

/* The client whose cache the page reads (it follows notify::cache), whose
 * API fetches photos and names and sends chat messages. */
void        vb_work_order_page_set_client        (VbWorkOrderPage *self,
                                                  VbClient        *client);
void        vb_work_order_page_set_work_order_id (VbWorkOrderPage *self,
                                                  const char      *id);
const char *vb_work_order_page_get_work_order_id (VbWorkOrderPage *self);
/* The work order's tasks (by position) and chat messages (oldest first):
 * GListModels of VbRecord, borrowed; NULL without a cache. */
GListModel *vb_work_order_page_get_tasks         (VbWorkOrderPage *self);
GListModel *vb_work_order_page_get_chat          (VbWorkOrderPage *self);
/* The attachment ids shown as photos (borrowed, NULL-terminated). */
const char * const *vb_work_order_page_get_photo_ids (VbWorkOrderPage *self);
/* The money part of the page (quote, invoice, payments); borrowed. */
VbMoneySection *vb_work_order_page_get_money_section (VbWorkOrderPage *self);

G_END_DECLS
