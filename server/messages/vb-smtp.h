/* vb-smtp.h — e-mail over SMTP with libcurl (being written). */
#pragma once

#include <glib.h>
