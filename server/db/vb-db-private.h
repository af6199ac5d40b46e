#pragma once

#include <libpq-fe.h>
#include <glib.h>

struct _VbDbConn
{
  PGconn     *pg;
  GHashTable *prepared;   /* SQL text → statement name */
  guint       next_stmt;
};
