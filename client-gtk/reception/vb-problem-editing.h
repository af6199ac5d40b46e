/* vb-problem-editing.h — the front desk's Edit for a change the server
 * refused (the sync problems dialog's ::edit-problem). */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"
#include "vb-desk-view.h"

G_BEGIN_DECLS

/* Opens what fixes outbox change seq: the customer editor with what was
 * tried and the server's error on its field (a customer or a vehicle), or
 * the Bookings page on the booking's day.  The problem is dismissed once
 * the editor saves.  FALSE if seq is no refused change this can edit. */
gboolean vb_problem_editing_open (GtkWindow  *window,
                                  VbClient   *client,
                                  VbDeskView *desk,
                                  gint64      seq);

G_END_DECLS
