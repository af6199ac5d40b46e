/* vb-document.h — quote, invoice, credit note, vehicle maintenance history
 * and battery health certificate, laid out with cairo + pango from a JSON
 * model (docs/documents.md).  The server writes PDFs with it; the GTK apps
 * print the same pages through GtkPrintOperation. */
#pragma once

#include <cairo.h>
#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A4 in points. */
#define VB_DOCUMENT_A4_WIDTH  595.2756
#define VB_DOCUMENT_A4_HEIGHT 841.8898

/* The model is the JSON described in docs/documents.md; an A4 PDF. */
GBytes  *vb_document_render_pdf  (JsonObject *model,
                                  GError    **error);
/* For GtkPrintOperation: pages at the given page size (points). */
guint    vb_document_count_pages (JsonObject *model,
                                  double      width,
                                  double      height);
/* Draws page (0-based, as GtkPrintOperation::draw-page numbers them) on cr,
 * whose user space is width × height points. */
void     vb_document_draw_page   (JsonObject *model,
                                  cairo_t    *cr,
                                  double      width,
                                  double      height,
                                  guint       page);

G_END_DECLS
