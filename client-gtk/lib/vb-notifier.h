/* vb-notifier.h — desktop notifications for what the user cares about,
 * decided from the offline cache's changes. */
#pragma once

#include <gio/gio.h>

#include "vb-cache.h"

G_BEGIN_DECLS

#define VB_TYPE_NOTIFIER (vb_notifier_get_type ())
G_DECLARE_FINAL_TYPE (VbNotifier, vb_notifier, VB, NOTIFIER, GObject)

/* app_id: the application id, also the notifications' desktop entry
 * ("io.github.voltbay.Reception").  user_id: the signed-in user (tasks
 * assigned to them).  location_ids: the user's locations (bookings there);
 * NULL means every location the cache holds.
 *
 * The notifier starts quiet: what the cache already holds and everything
 * that arrives before vb_notifier_arm() counts as seen. */
VbNotifier   *vb_notifier_new           (VbCache            *cache,
                                         const char         *app_id,
                                         const char         *user_id,
                                         const char * const *location_ids);
/* Call once the first catch-up is done (a pull answered has_more: false):
 * from then on, matching changes from the server raise notifications. */
void          vb_notifier_arm           (VbNotifier         *self);
gboolean      vb_notifier_get_armed     (VbNotifier         *self);

/* Signal ::notified (const char *rule, const char *entity, const char *id,
 * const char *summary, const char *body): a notification was decided and
 * queued for the notification daemon (apps may mirror it in a toast). */

/* A rule turned off (the user's preference) raises nothing, neither a
 * notification nor ::notified; what it matches is still tracked. */
void          vb_notifier_set_rule_enabled (VbNotifier       *self,
                                            const char       *rule_id,
                                            gboolean          enabled);
gboolean      vb_notifier_get_rule_enabled (VbNotifier       *self,
                                            const char       *rule_id);

/* The rule ids ("new-booking", "task-assigned", …), for settings and docs. */
const char * const *
              vb_notifier_list_rules    (void);

G_END_DECLS
