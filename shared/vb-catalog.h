/* vb-catalog.h — translations of a given language from our gettext catalog.
 *
 * gettext picks one language per process; the server renders documents for
 * many customers at once on worker threads, so documents look their strings
 * up per call, in the language of the document, from the compiled catalog
 * (LOCALEDIR/<lang>/LC_MESSAGES/voltbay.mo). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The translation of msgid in language ("en", "vi", ...), or msgid itself
 * when the language has no catalog or the catalog lacks the string.  The
 * result lives as long as the process (or is msgid). Thread-safe. */
const char *vb_catalog_gettext       (const char *language,
                                      const char *msgid);
/* Where catalogs are looked for: the directory holding <lang>/LC_MESSAGES/
 * voltbay.mo.  NULL restores the default: $VB_LOCALEDIR, else LOCALEDIR.
 * Catalogs already loaded are dropped. */
void        vb_catalog_set_localedir (const char *localedir);
/* TRUE if language is one documents can be written in ("en" or "vi"). */
gboolean    vb_catalog_is_supported  (const char *language);

G_END_DECLS
