/* vb-problem-presentation.h — a refused or conflicting change in words, for
 * the sync problems dialog (pure functions, no display needed). */
#pragma once

#include <json-glib/json-glib.h>

#include "vb-cache.h"

G_BEGIN_DECLS

/* What was tried and what it was about: "New customer: Hannah Nguyen",
 * "New vehicle: 51K-777.01", "New booking: Mon 7 Dec, 09:00"; record (the
 * local view, may be NULL) names it when the change's fields do not.
 * Times are in tz, the booking's location's zone (NULL: this computer's);
 * place (may be NULL) is added after a time: "… 09:00 at District 1". */
char       *vb_problem_dup_title        (const VbOutboxEntry *entry,
                                         JsonObject          *record,
                                         GTimeZone           *tz,
                                         const char          *place);
/* The values it set (an update: those it changed), by their names on the
 * forms, without those in the title: "Phone: 0901 234 567 · E-mail:
 * hannah@example.com" ("" when there are none); times in tz as above. */
char       *vb_problem_dup_tried        (const VbOutboxEntry *entry,
                                         GTimeZone           *tz);
/* When, relative to now: "Tried today at 14:05", "Tried Mon 7 Dec at 14:05". */
char       *vb_problem_dup_when         (const VbOutboxEntry *entry,
                                         GDateTime           *now);
/* The server's answer naming the field: "Phone: phones must be 8 to 15
 * digits…"; field (may be NULL) gets the API's field name, or NULL. */
char       *vb_problem_dup_reason       (const VbOutboxEntry *entry,
                                         char               **field);
/* For a conflict, one line per field changed on both sides: "Phone — yours:
 * 0901 234 567 · on the server: 0912 000 111" (server_row may be NULL). */
char       *vb_problem_dup_conflict     (const VbOutboxEntry *entry,
                                         JsonObject          *server_row);
/* The field's name as the forms show it ("phones" → "Phone"). */
const char *vb_problem_get_field_label  (const char          *field);
/* Whether sending the same change again may succeed (not a validation or
 * permission refusal; not an upload, whose bytes are the outbox's). */
gboolean    vb_problem_can_retry        (const VbOutboxEntry *entry);

G_END_DECLS
