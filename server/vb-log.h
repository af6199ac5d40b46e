/* vb-log.h — structured logging: journald when under systemd, else lines. */
#pragma once

#include <glib.h>

#include "vb-request.h"

G_BEGIN_DECLS

void vb_log_init   (gboolean   verbose);
/* One line per request: id, remote, method, path, status, duration. */
void vb_log_access (VbRequest *req,
                    gint64     duration_us);

G_END_DECLS
