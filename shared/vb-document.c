/* vb-document.c — quote, invoice, credit note, history and battery certificate layout with cairo + pango (being written). */
#include <glib.h>
