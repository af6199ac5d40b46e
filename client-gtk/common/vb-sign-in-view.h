/* vb-sign-in-view.h — the whole sign-in flow: form, certificate trust,
 * second factor, password change, TOTP enrolment. */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_SIGN_IN_VIEW (vb_sign_in_view_get_type ())
G_DECLARE_FINAL_TYPE (VbSignInView, vb_sign_in_view, VB, SIGN_IN_VIEW, AdwBin)

VbClient *vb_sign_in_view_get_client     (VbSignInView *self);
void      vb_sign_in_view_set_client     (VbSignInView *self,
                                          VbClient     *client);
/* "Signing in…" while the keyring is read. */
void      vb_sign_in_view_show_restoring (VbSignInView *self);
/* The form, with server and e-mail prefilled (NULL keeps what is there). */
void      vb_sign_in_view_show_form      (VbSignInView *self,
                                          const char   *server_url,
                                          const char   *email,
                                          const GError *error);
/* The visible step: "restoring", "credentials", "password" or "enrol". */
const char *vb_sign_in_view_get_step     (VbSignInView *self);

G_END_DECLS
