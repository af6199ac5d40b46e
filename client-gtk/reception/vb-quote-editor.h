/* vb-quote-editor.h — write a new quote version (a draft) for a work order. */
#pragma once

#include <adwaita.h>

#include "vb-client-types.h"

G_BEGIN_DECLS

#define VB_TYPE_QUOTE_EDITOR (vb_quote_editor_get_type ())
G_DECLARE_FINAL_TYPE (VbQuoteEditor, vb_quote_editor, VB, QUOTE_EDITOR, AdwWindow)

/* Starts with a labor line per open task of the work order (from the
 * cache); currency: the shop's, for fee and discount prices. */
VbQuoteEditor *vb_quote_editor_new        (VbClient   *client,
                                           const char *work_order_id,
                                           const char *currency);
/* Adds a line as the buttons do; kind "labor", "part", "fee" or
 * "discount" (part: the one chosen in the catalog list). */
void           vb_quote_editor_add_line   (VbQuoteEditor *self,
                                           const char    *kind);
guint          vb_quote_editor_get_n_lines (VbQuoteEditor *self);

G_END_DECLS
