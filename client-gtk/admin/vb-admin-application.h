/* vb-admin-application.h — voltbay-admin, the management console. */
#pragma once

#include "vb-application.h"

G_BEGIN_DECLS

#define VB_TYPE_ADMIN_APPLICATION (vb_admin_application_get_type ())
G_DECLARE_FINAL_TYPE (VbAdminApplication, vb_admin_application, VB, ADMIN_APPLICATION, VbApplication)

#define VB_ADMIN_APPLICATION_ID "io.github.voltbay.Admin"

VbAdminApplication *vb_admin_application_new (void);

G_END_DECLS
