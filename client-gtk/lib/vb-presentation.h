/* vb-presentation.h — what the UI says, as pure functions (tested without a
 * display). */
#pragma once

#include <json-glib/json-glib.h>

#include "vb-client-types.h"
#include "vb-cache.h"
#include "vb-sync-engine.h"

G_BEGIN_DECLS

const char *vb_connection_state_get_label     (VbConnectionState  state);
const char *vb_connection_state_get_icon_name (VbConnectionState  state);

/* A count with the locale's thousands separator ("1,200"; a comma where
 * the locale has none, as in C). */
char       *vb_format_count                   (guint64            n);

/* The connection indicator once the app syncs: the live connection and
 * the sync engine together ("Up to date", "Syncing 1,200 of 5,000",
 * "Offline — 3 changes waiting").  done/total: the engine's progress. */
char       *vb_sync_status_dup_label          (VbConnectionState  connection,
                                               VbSyncState        sync,
                                               guint64            done,
                                               guint64            total,
                                               guint              pending);
const char *vb_sync_status_get_icon_name      (VbConnectionState  connection,
                                               VbSyncState        sync);
/* "2 changes need attention" (problems > 0). */
char       *vb_sync_problems_dup_label        (guint              problems);

/* A refused or conflicting outbox change, for the problems dialog: what
 * was tried ("New vehicle"; "POST /api/v1/x" for an unknown kind), the fields it set ("vin: NOT-A-VIN,
 * …", sorted by name) and why the server said no ("Refused (422): The VIN
 * is not valid — vin"; for a conflict the fields changed on the server
 * meanwhile). */
char       *vb_outbox_entry_dup_attempt       (const VbOutboxEntry *entry);
char       *vb_outbox_entry_dup_fields        (const VbOutboxEntry *entry);
char       *vb_outbox_entry_dup_reason        (const VbOutboxEntry *entry);

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
