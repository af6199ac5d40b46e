/* vb-smtp.c — e-mail over SMTP with libcurl (being written). */
#include <glib.h>
