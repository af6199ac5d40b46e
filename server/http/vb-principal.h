/* vb-principal.h — who is calling: the user behind a session token.
 *
 * Loaded once per request on the worker thread.  The permission sets serve
 * the router's coarse check ("may this user ever do X?"); whether X is
 * allowed in a given location is decided again in SQL by
 * vb_has_permission(), so scope never depends on C alone.
 */
#pragma once

#include <glib.h>

#include "vb-db-pool.h"

G_BEGIN_DECLS

typedef struct
{
  char       *session_id;
  char       *user_id;
  char       *email;
  char       *display_name;
  char       *locale;
  char       *pending;             /* NULL, "mfa_enrolment" or "password_change" */
  GHashTable *permissions;         /* held in at least one location */
  GHashTable *global_permissions;  /* held for every location */
} VbPrincipal;

void         vb_principal_free            (VbPrincipal *principal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbPrincipal, vb_principal_free)

/* NULL + VB_ERROR_UNAUTHENTICATED when the token is unknown, expired or revoked. */
VbPrincipal *vb_principal_load            (VbDbConn    *conn,
                                           const char  *token,
                                           GError     **error);
gboolean     vb_principal_has_permission  (VbPrincipal *principal,
                                           const char  *permission);
gboolean     vb_principal_has_global_permission (VbPrincipal *principal,
                                                 const char  *permission);

G_END_DECLS
