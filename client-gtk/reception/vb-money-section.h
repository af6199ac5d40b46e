/* vb-money-section.h — a work order's quote, invoice and payments on the
 * desk's work order page, with the actions on them (the server's, never
 * offline). */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_MONEY_SECTION (vb_money_section_get_type ())
G_DECLARE_FINAL_TYPE (VbMoneySection, vb_money_section, VB, MONEY_SECTION, AdwBin)

/* The client whose API the section reads and acts through; it follows the
 * client's cache (the work order's row) and reachability. */
void        vb_money_section_set_client        (VbMoneySection *self,
                                                VbClient       *client);
/* The work order shown: what was read for the one before is dropped and
 * its requests cancelled; NULL shows nothing. */
void        vb_money_section_set_work_order_id (VbMoneySection *self,
                                                const char     *id);
/* The quote version and the invoice shown (the server's replies as last
 * read; borrowed, NULL when there is none). */
JsonObject *vb_money_section_get_quote_version (VbMoneySection *self);
JsonObject *vb_money_section_get_invoice       (VbMoneySection *self);
/* The quote's or invoice's print, exported to a PDF at path through the
 * same GtkPrintOperation as "Preview / Print". */
gboolean    vb_money_section_export_pdf        (VbMoneySection *self,
                                                gboolean        invoice,
                                                const char     *path,
                                                GError        **error);

G_END_DECLS
