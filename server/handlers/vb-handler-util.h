/* vb-handler-util.h — small pieces every resource handler uses. */
#pragma once

#include "vb-db.h"
#include "vb-error.h"
#include "vb-request.h"

G_BEGIN_DECLS

/* The {name} path parameter, validated as a UUID (404 if not one, so
 * probing ids tells nothing). */
const char *vb_handler_uuid_param   (VbRequest   *req,
                                     const char  *name,
                                     GError     **error);
/* {"items": [...], "next_cursor": cursor|null} from a result; takes array. */
void        vb_handler_reply_list   (VbRequest   *req,
                                     JsonNode    *items,
                                     const char  *next_cursor);
/* Opaque cursors: base64url of the sort key text. */
char       *vb_handler_cursor_encode (const char *key);
char       *vb_handler_cursor_decode (const char  *cursor,
                                      GError     **error);
/* A page from res (fetched limit + 1): limit rows, next_cursor from key_column if more. */
void        vb_handler_reply_page   (VbRequest   *req,
                                     PGresult    *res,
                                     guint        limit,
                                     const char  *key_column);
/* A row as a JSON object without the columns named "_..." (handler-only). */
JsonNode   *vb_handler_row_to_json  (PGresult    *res,
                                     int          row);
/* ?name=true|false as "true"/"false", or NULL when absent (422 otherwise). */
gboolean    vb_handler_bool_query   (VbRequest   *req,
                                     const char  *name,
                                     const char **out,
                                     GError     **error);
/* An optional boolean body member as "true"/"false", or NULL if absent/null. */
gboolean    vb_handler_optional_bool_param (JsonObject  *body,
                                            const char  *member,
                                            const char **out,
                                            GError     **error);
/* A new error of code that names field. */
GError     *vb_handler_field_error  (VbErrorCode  code,
                                     const char  *field,
                                     const char  *message);
/* 404 "No such what"; always returns FALSE. */
gboolean    vb_handler_not_found    (GError     **error,
                                     const char  *what);
/* 409 naming field unless an active account can still manage users everywhere. */
gboolean    vb_handler_check_admin_remains (VbDbConn    *conn,
                                            const char  *field,
                                            GError     **error);
/* 409 version_conflict carrying the current record in details.current. */
GError     *vb_handler_version_conflict (JsonNode *current);
/* The "version" member of an update body, required and positive. */
gboolean    vb_handler_body_version (JsonObject  *body,
                                     gint64      *version,
                                     GError     **error);

/* What a body member must hold (VbHandlerField.kind). */
typedef enum
{
  VB_HANDLER_FIELD_TEXT,       /* min/max: length in characters */
  VB_HANDLER_FIELD_INT,        /* min/max: value */
  VB_HANDLER_FIELD_BOOL,
  VB_HANDLER_FIELD_NUMBER,
  VB_HANDLER_FIELD_DATE,       /* YYYY-MM-DD */
  VB_HANDLER_FIELD_TIME,       /* HH:MM or HH:MM:SS */
  VB_HANDLER_FIELD_TIMESTAMP,  /* RFC 3339 */
  VB_HANDLER_FIELD_UUID,
  VB_HANDLER_FIELD_MONEY,      /* {"amount": integer >= 0, "currency": "ABC"} */
  VB_HANDLER_FIELD_CHOICE,     /* one of choices */
} VbHandlerFieldKind;

/* One body member: its name, kind, and whether it is required/nullable. */
typedef struct
{
  const char         *name;
  VbHandlerFieldKind  kind;
  gboolean            required;   /* on create */
  gboolean            nullable;   /* null allowed (clears the value) */
  gint64              min;
  gint64              max;
  const char * const *choices;
} VbHandlerField;

/* One write: who, which record, the body as JSON text (read in SQL with
 * $n::jsonb after the C checks), and the result. */
typedef struct
{
  const char *user_id;
  const char *id;
  const char *parent_id;
  char       *body;
  char       *version;
  gboolean    flag;       /* resource-specific (e.g. "steps" present) */
  JsonNode   *result;
} VbHandlerWrite;

/* Checks body's members against fields (create: required ones present); prefix (may be NULL) names nested objects, e.g. "steps[2].". */
gboolean    vb_handler_check_fields (JsonObject           *body,
                                     const VbHandlerField *fields,
                                     guint                 n_fields,
                                     gboolean              create,
                                     const char           *prefix,
                                     GError              **error);
/* TRUE if body has member and it is not null. */
gboolean    vb_handler_has_member   (JsonObject  *body,
                                     const char  *member);
/* A conflict from a unique constraint names field unless it names one already. */
void        vb_handler_conflict_field (GError     *error,
                                       const char *field);
/* After "UPDATE ... WHERE id = AND version = RETURNING": the new row, or 404 / 409 version_conflict with the current row (current_sql takes $1 id). */
gboolean    vb_handler_finish_update (VbDbConn    *conn,
                                      PGresult    *res,
                                      const char  *current_sql,
                                      const char  *id,
                                      const char  *what,
                                      JsonNode   **result,
                                      GError     **error);
/* 403 with message; always returns FALSE. */
gboolean    vb_handler_forbidden    (GError     **error,
                                     const char  *message);
/* Frees what w owns (body, version, result). */
void        vb_handler_write_clear  (VbHandlerWrite *w);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (VbHandlerWrite, vb_handler_write_clear)
/* Parses the request body (and on update its version) into w; returns the body. */
JsonObject *vb_handler_read_body    (VbRequest       *req,
                                     gboolean         update,
                                     VbHandlerWrite  *w,
                                     GError         **error);
/* 201 with *result (an object with "id"; taken) and a Location of collection_path/<id>. */
void        vb_handler_reply_created (VbRequest   *req,
                                      const char  *collection_path,
                                      JsonNode   **result);

/* A member's string value, or NULL when it is absent, null or not a string. */
const char *vb_handler_string_member (JsonObject  *body,
                                      const char  *member);
/* TRUE if text (may be NULL) is a valid calendar date YYYY-MM-DD. */
gboolean    vb_handler_is_date      (const char  *text);
/* TRUE if text (may be NULL) is an RFC 3339 timestamp. */
gboolean    vb_handler_is_timestamp (const char  *text);
/* A member that, when present and not null, is an array of at most max UUIDs (422 naming prefix+member). */
gboolean    vb_handler_check_uuid_array (JsonObject  *body,
                                         const char  *member,
                                         guint        max,
                                         const char  *prefix,
                                         GError     **error);
/* TRUE if the request came with a non-empty body (for routes where it is optional). */
gboolean    vb_handler_has_body     (VbRequest   *req);
/* An optional "version" guard of body as text in *version (left NULL when the member is absent). */
gboolean    vb_handler_optional_version (JsonObject  *body,
                                         char       **version,
                                         GError     **error);
/* 409 naming field with a formatted message; always returns FALSE. */
gboolean    vb_handler_conflict     (GError     **error,
                                     const char  *field,
                                     const char  *format,
                                     ...) G_GNUC_PRINTF (3, 4);
/* A conflict from constraint (not yet naming a field) names field, and says message if not NULL. */
void        vb_handler_name_conflict (GError     *error,
                                      const char *constraint,
                                      const char *field,
                                      const char *message);
/* A conflict from the foreign key constraint becomes 422 naming field with message. */
void        vb_handler_missing_reference (GError     *error,
                                          const char *constraint,
                                          const char *field,
                                          const char *message);
/* 404 "No such what" unless res has a row whose _read column is true, 403 refusal unless its _may is. */
gboolean    vb_handler_check_access (PGresult    *res,
                                     const char  *what,
                                     const char  *refusal,
                                     GError     **error);
/* Runs scope_sql ($1 id, $2 user_id; columns _read and _may) and checks access; returns the row. */
PGresult   *vb_handler_scope        (VbDbConn    *conn,
                                     const char  *scope_sql,
                                     const char  *id,
                                     const char  *user_id,
                                     const char  *what,
                                     const char  *refusal,
                                     GError     **error);
/* 409 version_conflict with res's row unless version (NULL: no guard) is its "version" column. */
gboolean    vb_handler_check_version (PGresult    *res,
                                      const char  *version,
                                      GError     **error);
/* The row sql ($1 id) returns, replacing *result; 404 "No such what" without one. */
gboolean    vb_handler_fetch_row    (VbDbConn    *conn,
                                     const char  *sql,
                                     const char  *id,
                                     const char  *what,
                                     JsonNode   **result,
                                     GError     **error);
/* The one json value sql ($1 id) returns, replacing *result; 404 "No such what" without one. */
gboolean    vb_handler_fetch_json   (VbDbConn    *conn,
                                     const char  *sql,
                                     const char  *id,
                                     const char  *what,
                                     JsonNode   **result,
                                     GError     **error);
/* GET of one record: replies the row sql returns for $1 the {id} parameter and $2 the caller (404 "No such what" without one). */
gboolean    vb_handler_reply_row    (VbRequest   *req,
                                     const char  *sql,
                                     const char  *what,
                                     GError     **error);
/* Runs txn(user_data) in the request's transaction, then replies status with *result (taken). */
gboolean    vb_handler_transact_reply (VbRequest   *req,
                                       VbDbTxnFunc  txn,
                                       gpointer     user_data,
                                       guint        status,
                                       JsonNode   **result,
                                       GError     **error);
/* Every row of res as an array. */
JsonNode   *vb_handler_rows_to_json (PGresult    *res);
/* An unpaged list of every row of res (next_cursor null). */
void        vb_handler_reply_rows   (VbRequest   *req,
                                     PGresult    *res);

G_END_DECLS
