/* vb-print-settings.c — what Preferences says about printing, applied to a
 * GtkPrintOperation before it runs: the receipt printer.  Only a
 * preselection: the print dialog still lets the desk pick another, and an
 * export to PDF ignores it.
 */
#include "vb-print-settings.h"
#include "vb-reception-application.h"

void
vb_print_settings_apply (GtkPrintOperation *op)
{
  g_autoptr(GSettings) settings = g_settings_new (VB_RECEPTION_APPLICATION_ID);
  g_autofree char *printer = g_settings_get_string (settings, "printer");
  GtkPrintSettings *current;
  g_autoptr(GtkPrintSettings) print_settings = NULL;

  g_return_if_fail (GTK_IS_PRINT_OPERATION (op));

  if (printer[0] == '\0')
    return;
  current = gtk_print_operation_get_print_settings (op);
  print_settings = current != NULL ? gtk_print_settings_copy (current) : gtk_print_settings_new ();
  gtk_print_settings_set_printer (print_settings, printer);
  gtk_print_operation_set_print_settings (op, print_settings);
}
