/* vb-document-data.h — document models from the database (being written). */
#pragma once

#include <glib.h>
