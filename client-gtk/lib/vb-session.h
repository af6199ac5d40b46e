/* vb-session.h — who is signed in to which server. */
#pragma once

#include <json-glib/json-glib.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_SESSION (vb_session_get_type ())
G_DECLARE_FINAL_TYPE (VbSession, vb_session, VB, SESSION, GObject)

VbSession        *vb_session_new                (const char   *server_url,
                                                 const char   *email,
                                                 const char   *token);
/* From a POST /auth/login reply: token, pending step and user. */
VbSession        *vb_session_new_from_login     (const char   *server_url,
                                                 const char   *email,
                                                 JsonObject   *reply,
                                                 GError      **error);

const char       *vb_session_get_server_url     (VbSession    *self);
const char       *vb_session_get_email          (VbSession    *self);
const char       *vb_session_get_token          (VbSession    *self);
VbSessionPending  vb_session_get_pending        (VbSession    *self);
/* The /me object, or NULL while it is not known (a session restored from the
 * keyring while the server is unreachable). */
JsonObject       *vb_session_get_user           (VbSession    *self);
/* Replaces the user with a /me object (which also carries "pending"). */
gboolean          vb_session_set_user           (VbSession    *self,
                                                 JsonObject   *me,
                                                 GError      **error);
/* The user's id: /me's "id", else the one remembered with the session in
 * the keyring (so a restart without the server still finds the user's
 * offline cache), else NULL. */
const char       *vb_session_get_user_id        (VbSession    *self);
/* Remembers the user id of a session restored from the keyring; /me's,
 * once known, takes precedence. */
void              vb_session_set_user_id        (VbSession    *self,
                                                 const char   *user_id);
/* display_name from /me, else the e-mail. */
const char       *vb_session_get_display_name   (VbSession    *self);

VbSessionPending  vb_session_pending_from_string (const char  *pending);

G_END_DECLS
