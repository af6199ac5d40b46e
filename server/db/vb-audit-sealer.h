/* vb-audit-sealer.h — chains new audit rows in the background. */
#pragma once

#include <glib-object.h>

#include "vb-db-pool.h"

G_BEGIN_DECLS

#define VB_TYPE_AUDIT_SEALER (vb_audit_sealer_get_type ())
G_DECLARE_FINAL_TYPE (VbAuditSealer, vb_audit_sealer, VB, AUDIT_SEALER, GObject)

VbAuditSealer *vb_audit_sealer_new   (VbDbPool      *pool,
                                      guint          interval_ms);
void           vb_audit_sealer_start (VbAuditSealer *self);
void           vb_audit_sealer_stop  (VbAuditSealer *self);

G_END_DECLS
