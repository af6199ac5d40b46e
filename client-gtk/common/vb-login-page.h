/* vb-login-page.h — the sign-in form: server, e-mail, password, code. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VB_TYPE_LOGIN_PAGE (vb_login_page_get_type ())
G_DECLARE_FINAL_TYPE (VbLoginPage, vb_login_page, VB, LOGIN_PAGE, AdwBin)

#define VB_DEFAULT_SERVER_ADDRESS "https://localhost:8443"

const char *vb_login_page_get_server          (VbLoginPage  *self);
void        vb_login_page_set_server          (VbLoginPage  *self,
                                               const char   *server);
const char *vb_login_page_get_email           (VbLoginPage  *self);
void        vb_login_page_set_email           (VbLoginPage  *self,
                                               const char   *email);
const char *vb_login_page_get_password        (VbLoginPage  *self);
/* The TOTP or recovery code, NULL while the code field is hidden. */
const char *vb_login_page_get_code            (VbLoginPage  *self);
gboolean    vb_login_page_get_use_recovery_code (VbLoginPage *self);
/* Shows the code field (the server answered mfa_required). */
void        vb_login_page_reveal_code         (VbLoginPage  *self);
void        vb_login_page_set_busy            (VbLoginPage  *self,
                                               gboolean      busy);
/* error NULL clears; otherwise an inline message under the form, the
 * offending field marked.  Typed values are kept. */
void        vb_login_page_show_error          (VbLoginPage  *self,
                                               const GError *error);
/* Forgets the password and code (after a sign-in or sign-out). */
void        vb_login_page_clear_secrets       (VbLoginPage  *self);
void        vb_login_page_focus               (VbLoginPage  *self);

G_END_DECLS
