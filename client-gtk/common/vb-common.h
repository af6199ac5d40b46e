/* vb-common.h — one-time setup of the shared widget library. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers the /io/github/voltbay/Common resources (once).  Every widget
 * class of this library calls it from class_init, so a widget works in any
 * program that links the library, with or without a VbApplication. */
void vb_common_init (void);

G_END_DECLS
