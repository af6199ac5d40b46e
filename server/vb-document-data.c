/* vb-document-data.c — document models from the database (being written). */
#include <glib.h>
