/* vb-document.h — quote, invoice, credit note, history and battery certificate layout with cairo + pango (being written). */
#pragma once

#include <glib.h>
