/* vb-principal.c — resolve a bearer token to a user and permissions.
 *
 * One statement per request: the token's SHA-256 is the lookup key (tokens
 * are never stored), the permission lists come back aggregated.
 */
#include "vb-principal.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-random.h"

void
vb_principal_free (VbPrincipal *principal)
{
  if (principal == NULL)
    return;
  g_free (principal->session_id);
  g_free (principal->user_id);
  g_free (principal->email);
  g_free (principal->display_name);
  g_free (principal->locale);
  g_free (principal->pending);
  g_clear_pointer (&principal->permissions, g_hash_table_unref);
  g_clear_pointer (&principal->global_permissions, g_hash_table_unref);
  g_free (principal);
}

static GHashTable *
parse_set (const char *comma_list)
{
  GHashTable *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_auto(GStrv) parts = g_strsplit (comma_list ? comma_list : "", ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      g_hash_table_add (set, g_strdup (parts[i]));
  return set;
}

VbPrincipal *
vb_principal_load (VbDbConn    *conn,
                   const char  *token,
                   GError     **error)
{
  g_autofree char *hash = NULL;
  g_autoptr(PGresult) res = NULL;
  VbPrincipal *p;

  if (token == NULL || token[0] == '\0')
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED,
                           "Authentication required");
      return NULL;
    }
  hash = vb_sha256_hex (token, -1);
  res = vb_db_execv (conn, error,
    "SELECT s.id, u.id, u.email, u.display_name, u.locale, s.pending,"
    "  (SELECT string_agg(DISTINCT rp.permission, ',') FROM role_assignments ra"
    "     JOIN role_permissions rp ON rp.role_id = ra.role_id WHERE ra.user_id = u.id),"
    "  (SELECT string_agg(DISTINCT rp.permission, ',') FROM role_assignments ra"
    "     JOIN role_permissions rp ON rp.role_id = ra.role_id"
    "    WHERE ra.user_id = u.id AND ra.location_id IS NULL)"
    "  FROM sessions s JOIN users u ON u.id = s.user_id"
    " WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.active",
    hash);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED,
                           "The session is invalid, expired or revoked");
      return NULL;
    }
  p = g_new0 (VbPrincipal, 1);
  p->session_id = g_strdup (vb_db_get (res, 0, 0));
  p->user_id = g_strdup (vb_db_get (res, 0, 1));
  p->email = g_strdup (vb_db_get (res, 0, 2));
  p->display_name = g_strdup (vb_db_get (res, 0, 3));
  p->locale = g_strdup (vb_db_get (res, 0, 4));
  p->pending = g_strdup (vb_db_get (res, 0, 5));
  p->permissions = parse_set (vb_db_get (res, 0, 6));
  p->global_permissions = parse_set (vb_db_get (res, 0, 7));
  return p;
}

gboolean
vb_principal_has_permission (VbPrincipal *principal,
                             const char  *permission)
{
  return principal != NULL && g_hash_table_contains (principal->permissions, permission);
}

gboolean
vb_principal_has_global_permission (VbPrincipal *principal,
                                    const char  *permission)
{
  return principal != NULL && g_hash_table_contains (principal->global_permissions, permission);
}
