/* vb-password-change-page.h — the "choose your own password" step. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VB_TYPE_PASSWORD_CHANGE_PAGE (vb_password_change_page_get_type ())
G_DECLARE_FINAL_TYPE (VbPasswordChangePage, vb_password_change_page, VB, PASSWORD_CHANGE_PAGE, AdwBin)

const char *vb_password_change_page_get_password     (VbPasswordChangePage *self);
/* TRUE when both fields hold the same non-empty text. */
gboolean    vb_password_change_page_passwords_match  (VbPasswordChangePage *self);
void        vb_password_change_page_set_busy         (VbPasswordChangePage *self,
                                                      gboolean              busy);
void        vb_password_change_page_show_error       (VbPasswordChangePage *self,
                                                      const char           *message);
void        vb_password_change_page_clear            (VbPasswordChangePage *self);

G_END_DECLS
