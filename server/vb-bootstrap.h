/* vb-bootstrap.h — operations voltbay-ctl performs directly on the database:
 * creating users, the first administrator, demo data. */
#pragma once

#include "vb-db.h"

G_BEGIN_DECLS

/* role may be NULL (no role); location_code NULL or "all" = every location. */
gboolean vb_bootstrap_create_user  (VbDbConn        *conn,
                                    const VbDbAudit *audit,
                                    const char      *email,
                                    const char      *display_name,
                                    const char      *password,
                                    const char      *role,
                                    const char      *location_code,
                                    gboolean         must_change_password,
                                    char           **out_id,
                                    GError         **error);
gboolean vb_bootstrap_admin_exists (VbDbConn        *conn,
                                    gboolean        *exists,
                                    GError         **error);
/* Idempotent: creates what is missing; *password is set (newly allocated)
 * when demo staff accounts were created by this call. */
gboolean vb_bootstrap_demo_data    (VbDbConn        *conn,
                                    const VbDbAudit *audit,
                                    guint           *n_created,
                                    char           **password,
                                    GError         **error);

G_END_DECLS
