/* vb-db.h — parameterized statements, SQLSTATE → VbError, transactions.
 *
 * Every statement goes through vb_db_exec(): text parameters only, prepared
 * once per connection (keyed by the SQL text), so no SQL is ever built from
 * strings and hot statements skip the planner.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <libpq-fe.h>

#include "vb-db-pool.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* params: n strings, NULL entries are SQL NULL.  Returns a result with
 * status COMMAND_OK or TUPLES_OK, or NULL with a VbError set. */
PGresult   *vb_db_exec          (VbDbConn           *conn,
                                 const char         *sql,
                                 int                 n_params,
                                 const char * const *params,
                                 GError            **error);
#define vb_db_execv(conn, error, sql, ...) \
  vb_db_exec ((conn), (sql), \
              sizeof ((const char *[]) { __VA_ARGS__ }) / sizeof (const char *), \
              (const char *[]) { __VA_ARGS__ }, (error))

/* Plain multi-statement text with no parameters: migrations only. */
gboolean    vb_db_exec_script   (VbDbConn   *conn,
                                 const char *script,
                                 GError    **error);

GError     *vb_db_error_from_result (PGresult *result,
                                     PGconn   *pg);

typedef gboolean (*VbDbTxnFunc) (VbDbConn  *conn,
                                 gpointer   user_data,
                                 GError   **error);

typedef struct
{
  const char *actor_id;      /* users.id, or NULL */
  const char *actor_label;   /* e-mail or "voltbay-ctl" */
  const char *request_id;
} VbDbAudit;

/* BEGIN; set the audit context; func; COMMIT.  Serialization failures and
 * deadlocks (40001, 40P01) are retried a few times; anything else rolls
 * back and is returned. */
gboolean    vb_db_transaction   (VbDbConn        *conn,
                                 const VbDbAudit *audit,
                                 VbDbTxnFunc      func,
                                 gpointer         user_data,
                                 GError         **error);

/* Column helpers (NULL for SQL NULL). */
const char *vb_db_get           (PGresult   *result,
                                 int         row,
                                 int         col);
gboolean    vb_db_get_bool      (PGresult   *result,
                                 int         row,
                                 int         col);
gint64      vb_db_get_int       (PGresult   *result,
                                 int         row,
                                 int         col);
/* One row as a JSON object: columns of type json/jsonb are embedded, bool and
 * integers typed, everything else a string. */
JsonNode   *vb_db_row_to_json   (PGresult   *result,
                                 int         row);
JsonNode   *vb_db_rows_to_json_array (PGresult *result);

G_END_DECLS
