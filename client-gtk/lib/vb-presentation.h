/* vb-presentation.h — what the UI says, as pure functions (tested without a
 * display). */
#pragma once

#include <json-glib/json-glib.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

const char *vb_connection_state_get_label     (VbConnectionState  state);
const char *vb_connection_state_get_icon_name (VbConnectionState  state);

/* A translated sentence for an error the user should read. */
char       *vb_error_dup_user_message         (const GError      *error);
/* Which sign-in field an error belongs to: "server", "email", "password",
 * "code" (TOTP or recovery code), or NULL for the form as a whole. */
const char *vb_error_get_form_field           (const GError      *error);

/* Translated role name ("reception" → "Reception"); unknown names as given. */
const char *vb_role_get_display_name          (const char        *role);
/* From a /me object: one line per role, "Reception — HCM-D1, HCM-D2";
 * "Administrator — All locations" for a role without a location. */
char       *vb_user_dup_roles_summary         (JsonObject        *me);

/* A 95-character SHA-256 fingerprint split into two lines of 16 bytes, so it
 * can be read aloud and compared in a dialog. */
char       *vb_fingerprint_dup_for_display    (const char        *fingerprint);

G_END_DECLS
