/* vb-totp-enrol-page.h — the "set up two-factor authentication" step. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define VB_TYPE_TOTP_ENROL_PAGE (vb_totp_enrol_page_get_type ())
G_DECLARE_FINAL_TYPE (VbTotpEnrolPage, vb_totp_enrol_page, VB, TOTP_ENROL_PAGE, AdwBin)

/* From POST /auth/totp/enrol. */
void        vb_totp_enrol_page_set_enrolment (VbTotpEnrolPage    *self,
                                              const char         *secret,
                                              const char         *otpauth_uri,
                                              const char * const *recovery_codes);
const char *vb_totp_enrol_page_get_secret    (VbTotpEnrolPage    *self);
const char *vb_totp_enrol_page_get_code      (VbTotpEnrolPage    *self);
void        vb_totp_enrol_page_set_busy      (VbTotpEnrolPage    *self,
                                              gboolean            busy);
void        vb_totp_enrol_page_show_error    (VbTotpEnrolPage    *self,
                                              const char         *message);
/* Forgets the secret, the codes and what was typed. */
void        vb_totp_enrol_page_clear         (VbTotpEnrolPage    *self);

G_END_DECLS
