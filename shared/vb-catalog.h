/* vb-catalog.h — translations of a given language from our gettext catalog (being written). */
#pragma once

#include <glib.h>
