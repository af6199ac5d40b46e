/* vb-db.c — statements, errors and transactions over one VbDbConn.
 *
 * Errors are classified by SQLSTATE, never by message text (the PostgreSQL
 * way): integrity violations become 409/422 for the client, serialization
 * failures are retried by vb_db_transaction(), lost connections are 503.
 */
#include "vb-db.h"
#include "vb-db-private.h"
#include "vb-error.h"

#include <string.h>

#define TXN_MAX_ATTEMPTS 5

static VbErrorCode
code_for_sqlstate (const char *state)
{
  if (state == NULL)
    return VB_ERROR_UNAVAILABLE;
  if (g_str_equal (state, "23505") || g_str_equal (state, "23503") || g_str_equal (state, "23P01"))
    return VB_ERROR_CONFLICT;
  if (g_str_equal (state, "23514") || g_str_equal (state, "23502") || g_str_has_prefix (state, "22"))
    return VB_ERROR_VALIDATION;
  if (g_str_equal (state, "40001") || g_str_equal (state, "40P01"))
    return VB_ERROR_RETRY;
  if (g_str_has_prefix (state, "08") || g_str_has_prefix (state, "57P"))
    return VB_ERROR_UNAVAILABLE;
  if (g_str_equal (state, "P0001"))   /* RAISE from our own functions */
    return VB_ERROR_VALIDATION;
  /* Our own states for rules of state (e.g. an illegal transition) and of
   * who may do something (e.g. sign-off by a second person). */
  if (g_str_equal (state, "VB409"))
    return VB_ERROR_CONFLICT;
  if (g_str_equal (state, "VB403"))
    return VB_ERROR_FORBIDDEN;
  return VB_ERROR_INTERNAL;
}

/* 23503 from an INSERT/UPDATE (a reference to nothing), not from a DELETE
 * of something still referenced. */
static gboolean
is_missing_reference (const char *state,
                      const char *primary)
{
  return g_strcmp0 (state, "23503") == 0 && primary != NULL
         && g_str_has_prefix (primary, "insert or update on table");
}

/* PostgreSQL's default name for a table's primary key: TABLE_pkey. */
static gboolean
is_primary_key (const char *constraint,
                const char *table)
{
  g_autofree char *pkey = table != NULL ? g_strconcat (table, "_pkey", NULL) : NULL;

  return pkey != NULL && g_strcmp0 (constraint, pkey) == 0;
}

static char *
reference_column (const char *constraint,
                  const char *table)
{
  gsize prefix = table ? strlen (table) + 1 : 0;

  if (constraint == NULL || table == NULL || !g_str_has_suffix (constraint, "_fkey")
      || !g_str_has_prefix (constraint, table) || constraint[prefix - 1] != '_'
      || strlen (constraint) <= prefix + strlen ("_fkey"))
    return NULL;
  return g_strndup (constraint + prefix, strlen (constraint) - prefix - strlen ("_fkey"));
}

GError *
vb_db_error_from_result (PGresult *result,
                         PGconn   *pg)
{
  const char *state = result ? PQresultErrorField (result, PG_DIAG_SQLSTATE) : NULL;
  const char *primary = result ? PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  const char *constraint = result ? PQresultErrorField (result, PG_DIAG_CONSTRAINT_NAME) : NULL;
  const char *column = result ? PQresultErrorField (result, PG_DIAG_COLUMN_NAME) : NULL;
  const char *table = result ? PQresultErrorField (result, PG_DIAG_TABLE_NAME) : NULL;
  VbErrorCode code = code_for_sqlstate (state);
  g_autofree char *conn_msg = NULL;
  GError *error;

  if (primary == NULL)
    primary = conn_msg = g_strstrip (g_strdup (PQerrorMessage (pg)));
  if (code == VB_ERROR_INTERNAL)
    {
      /* Internals stay in the log; the client gets a generic message. */
      g_warning ("SQL error %s: %s", state ? state : "?", primary);
      return g_error_new_literal (VB_ERROR, VB_ERROR_INTERNAL, "Internal database error");
    }
  if (is_missing_reference (state, primary))
    {
      /* A write naming a record that does not exist is bad input (422),
       * not a conflict; the column comes from PostgreSQL's default name
       * TABLE_COLUMN_fkey. */
      g_autofree char *field = reference_column (constraint, table);

      error = g_error_new (VB_ERROR, VB_ERROR_VALIDATION, "No such record for %s", field ? field : "a reference");
      if (field != NULL)
        vb_error_set_field (error, field);
      return error;
    }
  if (code == VB_ERROR_CONFLICT && constraint != NULL)
    error = g_error_new (VB_ERROR, code, "Conflicts with an existing record (%s)", constraint);
  else
    error = g_error_new_literal (VB_ERROR, code, primary);
  if (column != NULL)
    vb_error_set_field (error, column);
  else if (g_strcmp0 (state, "23505") == 0 && is_primary_key (constraint, table))
    /* a client-chosen id (offline outboxes choose them) that exists */
    vb_error_set_field (error, "id");
  return error;
}

static const char *
statement_for (VbDbConn    *conn,
               const char  *sql,
               int          n_params,
               GError     **error)
{
  const char *name = g_hash_table_lookup (conn->prepared, sql);
  g_autoptr(PGresult) res = NULL;
  char *new_name;

  if (name != NULL)
    return name;
  new_name = g_strdup_printf ("vb_s%u", ++conn->next_stmt);
  res = PQprepare (conn->pg, new_name, sql, n_params, NULL);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    {
      g_propagate_error (error, vb_db_error_from_result (res, conn->pg));
      g_free (new_name);
      return NULL;
    }
  g_hash_table_insert (conn->prepared, g_strdup (sql), new_name);
  return new_name;
}

PGresult *
vb_db_exec (VbDbConn           *conn,
            const char         *sql,
            int                 n_params,
            const char * const *params,
            GError            **error)
{
  const char *stmt = statement_for (conn, sql, n_params, error);
  PGresult *res;
  ExecStatusType status;

  if (stmt == NULL)
    return NULL;
  res = PQexecPrepared (conn->pg, stmt, n_params, params, NULL, NULL, 0);
  status = PQresultStatus (res);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return res;
  g_propagate_error (error, vb_db_error_from_result (res, conn->pg));
  PQclear (res);
  return NULL;
}

gboolean
vb_db_exec_script (VbDbConn   *conn,
                   const char *script,
                   GError    **error)
{
  g_autoptr(PGresult) res = PQexec (conn->pg, script);
  ExecStatusType status = PQresultStatus (res);

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return TRUE;
  g_propagate_error (error, vb_db_error_from_result (res, conn->pg));
  return FALSE;
}

static gboolean
simple (VbDbConn   *conn,
        const char *sql,
        GError    **error)
{
  g_autoptr(PGresult) res = vb_db_exec (conn, sql, 0, NULL, error);
  return res != NULL;
}

static gboolean
set_audit_context (VbDbConn        *conn,
                   const VbDbAudit *audit,
                   GError         **error)
{
  g_autoptr(PGresult) res = NULL;

  if (audit == NULL)
    return TRUE;
  res = vb_db_execv (conn, error,
                     "SELECT set_config('voltbay.actor_id', coalesce($1, ''), true),"
                     "       set_config('voltbay.actor_label', coalesce($2, ''), true),"
                     "       set_config('voltbay.request_id', coalesce($3, ''), true)",
                     audit->actor_id, audit->actor_label, audit->request_id);
  return res != NULL;
}

static gboolean
attempt (VbDbConn        *conn,
         const VbDbAudit *audit,
         VbDbTxnFunc      func,
         gpointer         user_data,
         GError         **error)
{
  g_autoptr(GError) rollback_error = NULL;

  if (!simple (conn, "BEGIN", error))
    return FALSE;
  if (set_audit_context (conn, audit, error)
      && func (conn, user_data, error)
      && simple (conn, "COMMIT", error))
    return TRUE;
  if (PQtransactionStatus (conn->pg) != PQTRANS_IDLE)
    simple (conn, "ROLLBACK", &rollback_error);
  return FALSE;
}

gboolean
vb_db_transaction (VbDbConn        *conn,
                   const VbDbAudit *audit,
                   VbDbTxnFunc      func,
                   gpointer         user_data,
                   GError         **error)
{
  for (guint i = 1;; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (attempt (conn, audit, func, user_data, &local_error))
        return TRUE;
      if (!g_error_matches (local_error, VB_ERROR, VB_ERROR_RETRY) || i == TXN_MAX_ATTEMPTS)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_usleep (g_random_int_range (1000, 5000) * i);
    }
}

const char *
vb_db_get (PGresult *result,
           int       row,
           int       col)
{
  if (PQgetisnull (result, row, col))
    return NULL;
  return PQgetvalue (result, row, col);
}

gboolean
vb_db_get_bool (PGresult *result,
                int       row,
                int       col)
{
  const char *v = vb_db_get (result, row, col);
  return v != NULL && v[0] == 't';
}

gint64
vb_db_get_int (PGresult *result,
               int       row,
               int       col)
{
  const char *v = vb_db_get (result, row, col);
  return v ? g_ascii_strtoll (v, NULL, 10) : 0;
}

#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_JSON 114
#define OID_TIMESTAMPTZ 1184
#define OID_JSONB 3802

/* "2026-11-24 09:30:00.123+00" (TimeZone=UTC, DateStyle=ISO) → RFC 3339. */
static char *
timestamp_to_rfc3339 (const char *value)
{
  GString *s = g_string_new (value);
  char *space = strchr (s->str, ' ');

  if (space != NULL)
    *space = 'T';
  if (g_str_has_suffix (s->str, "+00"))
    g_string_truncate (s, s->len - 3);
  g_string_append_c (s, 'Z');
  return g_string_free (s, FALSE);
}

static JsonNode *
value_to_json (PGresult *result,
               int       row,
               int       col)
{
  const char *v = vb_db_get (result, row, col);
  JsonNode *node;

  if (v == NULL)
    return json_node_new (JSON_NODE_NULL);
  switch (PQftype (result, col))
    {
    case OID_BOOL:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_boolean (node, v[0] == 't');
      return node;
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (node, g_ascii_strtoll (v, NULL, 10));
      return node;
    case OID_JSON:
    case OID_JSONB:
      node = json_from_string (v, NULL);
      return node ? node : json_node_new (JSON_NODE_NULL);
    case OID_TIMESTAMPTZ:
      {
        g_autofree char *ts = timestamp_to_rfc3339 (v);
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_string (node, ts);
        return node;
      }
    default:
      node = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (node, v);
      return node;
    }
}

JsonNode *
vb_db_row_to_json (PGresult *result,
                   int       row)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (int col = 0; col < PQnfields (result); col++)
    json_object_set_member (object, PQfname (result, col), value_to_json (result, row, col));
  json_node_take_object (node, object);
  return node;
}

JsonNode *
vb_db_rows_to_json_array (PGresult *result)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (int row = 0; row < PQntuples (result); row++)
    json_array_add_element (array, vb_db_row_to_json (result, row));
  json_node_take_array (node, array);
  return node;
}
