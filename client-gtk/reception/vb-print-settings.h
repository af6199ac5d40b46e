/* vb-print-settings.h — the desk's printer preference on a print job. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Preselects the printer chosen in Preferences (the "printer" key of
 * io.github.voltbay.Reception) on op; the system default when it is "". */
void vb_print_settings_apply (GtkPrintOperation *op);

G_END_DECLS
