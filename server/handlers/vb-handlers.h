/* vb-handlers.h — one register function per resource file. */
#pragma once

#include "vb-router.h"

G_BEGIN_DECLS

void vb_handler_health_register    (VbRouter *router);
void vb_handler_auth_register      (VbRouter *router);
void vb_handler_users_register     (VbRouter *router);
void vb_handler_roles_register     (VbRouter *router);
void vb_handler_locations_register (VbRouter *router);
void vb_handler_audit_register     (VbRouter *router);
void vb_handler_changes_register   (VbRouter *router);
void vb_handler_customers_register (VbRouter *router);
void vb_handler_vehicles_register  (VbRouter *router);
void vb_handler_catalog_register   (VbRouter *router);
void vb_handler_staff_register     (VbRouter *router);
void vb_handler_location_setup_register (VbRouter *router);
void vb_handler_openapi_register   (VbRouter *router);
void vb_handler_appointments_register (VbRouter *router);
void vb_handler_work_orders_register (VbRouter *router);
void vb_handler_tasks_register (VbRouter *router);
void vb_handler_hv_records_register (VbRouter *router);
void vb_handler_quality_checks_register (VbRouter *router);
void vb_handler_time_entries_register (VbRouter *router);
void vb_handler_work_order_notes_register (VbRouter *router);
void vb_handler_attachments_register (VbRouter *router);
void vb_handler_parts_register (VbRouter *router);
void vb_handler_stock_register (VbRouter *router);
void vb_handler_purchase_orders_register (VbRouter *router);
void vb_handler_stock_transfers_register (VbRouter *router);
void vb_handler_inventory_requests_register (VbRouter *router);
void vb_handler_quotes_register (VbRouter *router);
void vb_handler_invoices_register (VbRouter *router);
void vb_handler_payments_register (VbRouter *router);
void vb_handler_payment_webhooks_register (VbRouter *router);
void vb_handler_documents_register (VbRouter *router);
void vb_handler_conversations_register (VbRouter *router);
void vb_handler_message_webhooks_register (VbRouter *router);
void vb_handler_reminders_register (VbRouter *router);

static inline void
vb_handlers_register_all (VbRouter *router)
{
  vb_handler_health_register (router);
  vb_handler_auth_register (router);
  vb_handler_users_register (router);
  vb_handler_roles_register (router);
  vb_handler_locations_register (router);
  vb_handler_audit_register (router);
  vb_handler_changes_register (router);
  vb_handler_customers_register (router);
  vb_handler_vehicles_register (router);
  vb_handler_catalog_register (router);
  vb_handler_staff_register (router);
  vb_handler_location_setup_register (router);
  vb_handler_appointments_register (router);
  vb_handler_work_orders_register (router);
  vb_handler_tasks_register (router);
  vb_handler_hv_records_register (router);
  vb_handler_quality_checks_register (router);
  vb_handler_time_entries_register (router);
  vb_handler_work_order_notes_register (router);
  vb_handler_attachments_register (router);
  vb_handler_parts_register (router);
  vb_handler_stock_register (router);
  vb_handler_purchase_orders_register (router);
  vb_handler_stock_transfers_register (router);
  vb_handler_inventory_requests_register (router);
  vb_handler_quotes_register (router);
  vb_handler_invoices_register (router);
  vb_handler_payments_register (router);
  vb_handler_payment_webhooks_register (router);
  vb_handler_documents_register (router);
  vb_handler_conversations_register (router);
  vb_handler_message_webhooks_register (router);
  vb_handler_reminders_register (router);
  vb_handler_openapi_register (router);
}

G_END_DECLS
