/* vb-catalog.c — translations of a given language from our gettext catalog (being written). */
#include <glib.h>
