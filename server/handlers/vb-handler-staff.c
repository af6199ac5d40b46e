/* vb-handler-staff.c — /api/v1/staff/...: shifts, leave, certifications (S7).
 *
 * Shifts and leave belong to a location: reading needs staff.read there,
 * writing staff.manage there (checked in SQL with vb_has_permission, for
 * the record's current location and for the one it moves to).  A user
 * cannot have overlapping shifts: an exclusion constraint over
 * tstzrange(starts_at, ends_at) (btree_gist) answers 409 even for two
 * concurrent requests.  Certifications belong to a person: a caller sees
 * those of users holding a role in one of the caller's locations
 * (vb_may_see_user).  vb_user_hv_level(user, date) in 0004-catalog-staff.sql
 * gives the HV level valid on a date for assignment checks.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ generic record --- */

typedef struct
{
  const char  *what;
  const char  *collection;   /* "/api/v1/staff/shifts" */
  /* $1 caller, $2 user_id, $3 location_id, $4 from, $5 to, $6 after key, $7 limit;
   * returns the columns and _key. */
  const char  *list_sql;
  const char  *get_sql;      /* $1 id */
  /* $1 caller, $2 body, $3 existing id or NULL → found, valid refs, allowed. */
  const char  *scope_sql;
  const char  *insert_sql;   /* $1 body → RETURNING id */
  const char  *update_sql;   /* $1 id, $2 version, $3 body → RETURNING id */
  const VbHandlerField *fields;
  guint        n_fields;
  gboolean   (*check)       (JsonObject *body, gboolean create, GError **error);
  const char  *conflict_field;
  const char  *check_field;
} StaffResource;

typedef struct
{
  const StaffResource *res;
  VbHandlerWrite       w;
} StaffWrite;

static void
name_errors (const StaffResource *r,
             GError              *error)
{
  vb_handler_conflict_field (error, r->conflict_field);
  if (error != NULL && g_error_matches (error, VB_ERROR, VB_ERROR_VALIDATION)
      && vb_error_get_field (error) == NULL)
    vb_error_set_field (error, r->check_field);
}

static gboolean
check_scope (VbDbConn             *conn,
             const StaffResource  *r,
             VbHandlerWrite       *w,
             GError              **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error, r->scope_sql, w->user_id, w->body, w->id);

  if (res == NULL)
    return FALSE;
  if (!vb_db_get_bool (res, 0, 0))
    return vb_handler_not_found (error, r->what);
  if (!vb_db_get_bool (res, 0, 1))
    {
      vb_set_validation_error (error, "user_id", "No such user");
      return FALSE;
    }
  if (!vb_db_get_bool (res, 0, 2))
    {
      vb_set_validation_error (error, "location_id", "No such location");
      return FALSE;
    }
  if (!vb_db_get_bool (res, 0, 3))
    return vb_handler_forbidden (error, "This record is outside the locations whose staff you may manage");
  return TRUE;
}

static gboolean
staff_list (VbRequest            *req,
            const StaffResource  *r,
            GError              **error)
{
  const char *cursor_text = vb_request_get_query (req, "cursor");
  const char *user_id = vb_request_get_query (req, "user_id");
  const char *location_id = vb_request_get_query (req, "location_id");
  const char *from = vb_request_get_query (req, "from");
  const char *to = vb_request_get_query (req, "to");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error)
      || (user_id != NULL && !vb_validate_uuid (user_id, "user_id", error))
      || (location_id != NULL && !vb_validate_uuid (location_id, "location_id", error)))
    return FALSE;
  if (from != NULL && !g_regex_match_simple ("^\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$", from, 0, 0))
    {
      vb_set_validation_error (error, "from", "from must be a date or an RFC 3339 timestamp");
      return FALSE;
    }
  if (to != NULL && !g_regex_match_simple ("^\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?$", to, 0, 0))
    {
      vb_set_validation_error (error, "to", "to must be a date or an RFC 3339 timestamp");
      return FALSE;
    }
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);
  res = vb_db_execv (conn, error, r->list_sql,
                     vb_request_get_principal (req)->user_id, user_id, location_id, from, to,
                     after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
staff_insert_txn (VbDbConn  *conn,
                  gpointer   user_data,
                  GError   **error)
{
  StaffWrite *s = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) full = NULL;
  g_autoptr(GError) local_error = NULL;

  g_clear_pointer (&s->w.result, json_node_unref);
  if (!check_scope (conn, s->res, &s->w, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error, s->res->insert_sql, s->w.body);
  if (res == NULL)
    {
      name_errors (s->res, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if ((full = vb_db_execv (conn, error, s->res->get_sql, vb_db_get (res, 0, 0))) == NULL)
    return FALSE;
  s->w.result = vb_handler_row_to_json (full, 0);
  return TRUE;
}

static gboolean
staff_create (VbRequest            *req,
              const StaffResource  *r,
              GError              **error)
{
  StaffWrite s = { r, { 0 } };
  g_autoptr(JsonObject) body = NULL;
  gboolean ok;

  ok = (body = vb_handler_read_body (req, FALSE, &s.w, error)) != NULL
       && vb_handler_check_fields (body, r->fields, r->n_fields, TRUE, NULL, error)
       && (r->check == NULL || r->check (body, TRUE, error))
       && vb_request_transaction (req, staff_insert_txn, &s, error);
  if (ok)
    vb_handler_reply_created (req, r->collection, &s.w.result);
  vb_handler_write_clear (&s.w);
  return ok;
}

static gboolean
staff_update_txn (VbDbConn  *conn,
                  gpointer   user_data,
                  GError   **error)
{
  StaffWrite *s = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) full = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) updated = NULL;

  g_clear_pointer (&s->w.result, json_node_unref);
  if (!check_scope (conn, s->res, &s->w, error))
    return FALSE;
  res = vb_db_execv (conn, &local_error, s->res->update_sql, s->w.id, s->w.version, s->w.body);
  if (res == NULL)
    {
      name_errors (s->res, local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (!vb_handler_finish_update (conn, res, s->res->get_sql, s->w.id, s->res->what, &updated, error))
    return FALSE;
  if ((full = vb_db_execv (conn, error, s->res->get_sql, s->w.id)) == NULL)
    return FALSE;
  s->w.result = vb_handler_row_to_json (full, 0);
  return TRUE;
}

static gboolean
staff_update (VbRequest            *req,
              const StaffResource  *r,
              GError              **error)
{
  StaffWrite s = { r, { 0 } };
  g_autoptr(JsonObject) body = NULL;
  gboolean ok;

  ok = (s.w.id = vb_handler_uuid_param (req, "id", error)) != NULL
       && (body = vb_handler_read_body (req, TRUE, &s.w, error)) != NULL
       && vb_handler_check_fields (body, r->fields, r->n_fields, FALSE, NULL, error)
       && (r->check == NULL || r->check (body, FALSE, error))
       && vb_request_transaction (req, staff_update_txn, &s, error);
  if (ok)
    vb_request_reply_json (req, 200, g_steal_pointer (&s.w.result));
  vb_handler_write_clear (&s.w);
  return ok;
}

#define KEEP(col, expr) \
  col " = CASE WHEN b ? '" col "' THEN " expr " ELSE t." col " END"

/* Scope of a location-scoped table: the existing row's location and the
 * location it would have after the write. */
#define LOCATION_SCOPE_SQL(table) \
  "SELECT ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM " table " WHERE id = $3::uuid))," \
  "       (NOT $2::jsonb ? 'user_id'" \
  "        OR EXISTS (SELECT 1 FROM users WHERE id = ($2::jsonb ->> 'user_id')::uuid))," \
  "       (NOT $2::jsonb ? 'location_id'" \
  "        OR EXISTS (SELECT 1 FROM locations WHERE id = ($2::jsonb ->> 'location_id')::uuid))," \
  "       coalesce((SELECT vb_has_permission($1::uuid, 'staff.manage', t.location_id)" \
  "                   FROM " table " t WHERE t.id = $3::uuid), true)" \
  "       AND coalesce(vb_has_permission($1::uuid, 'staff.manage'," \
  "                      coalesce(($2::jsonb ->> 'location_id')::uuid," \
  "                               (SELECT t.location_id FROM " table " t WHERE t.id = $3::uuid)))," \
  "                    false)"

/* -------------------------------------------------------------- shifts --- */

#define SHIFT_COLUMNS \
  "t.id, t.user_id, u.display_name AS user_name, t.location_id, t.starts_at, t.ends_at, t.notes," \
  " t.version, t.created_at, t.updated_at"

static const VbHandlerField shift_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "user_id", VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0, NULL },
  { "location_id", VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0, NULL },
  { "starts_at", VB_HANDLER_FIELD_TIMESTAMP, TRUE, FALSE, 0, 0, NULL },
  { "ends_at", VB_HANDLER_FIELD_TIMESTAMP, TRUE, FALSE, 0, 0, NULL },
  { "notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1000, NULL },
};

static gboolean
check_shift (JsonObject  *body,
             gboolean     create,
             GError     **error)
{
  g_autoptr(GDateTime) starts = NULL;
  g_autoptr(GDateTime) ends = NULL;

  if (!vb_handler_has_member (body, "starts_at") || !vb_handler_has_member (body, "ends_at"))
    return TRUE;
  starts = g_date_time_new_from_iso8601 (json_object_get_string_member (body, "starts_at"), NULL);
  ends = g_date_time_new_from_iso8601 (json_object_get_string_member (body, "ends_at"), NULL);
  if (g_date_time_compare (starts, ends) >= 0)
    {
      vb_set_validation_error (error, "ends_at", "ends_at must be after starts_at");
      return FALSE;
    }
  if (g_date_time_difference (ends, starts) > 24 * G_TIME_SPAN_HOUR)
    {
      vb_set_validation_error (error, "ends_at", "a shift lasts at most 24 hours");
      return FALSE;
    }
  return TRUE;
}

static const StaffResource shifts = {
  "shift", "/api/v1/staff/shifts",
  "SELECT * FROM (SELECT " SHIFT_COLUMNS ","
  "                      to_char(t.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
  "                      || ' ' || t.id::text AS _key"
  "                 FROM shifts t JOIN users u ON u.id = t.user_id) x"
  " WHERE vb_has_permission($1::uuid, 'staff.read', x.location_id)"
  "   AND ($2::uuid IS NULL OR x.user_id = $2::uuid)"
  "   AND ($3::uuid IS NULL OR x.location_id = $3::uuid)"
  "   AND ($4::timestamptz IS NULL OR x.ends_at > $4::timestamptz)"
  "   AND ($5::timestamptz IS NULL OR x.starts_at < $5::timestamptz)"
  "   AND ($6::text IS NULL OR x._key > $6)"
  " ORDER BY x._key LIMIT $7::int",
  "SELECT " SHIFT_COLUMNS " FROM shifts t JOIN users u ON u.id = t.user_id WHERE t.id = $1::uuid",
  LOCATION_SCOPE_SQL ("shifts"),
  "INSERT INTO shifts (id, user_id, location_id, starts_at, ends_at, notes)"
  " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'user_id')::uuid,"
  "        (b ->> 'location_id')::uuid, (b ->> 'starts_at')::timestamptz,"
  "        (b ->> 'ends_at')::timestamptz, coalesce(b ->> 'notes', '')"
  "   FROM (SELECT $1::jsonb AS b) x"
  " RETURNING id",
  "UPDATE shifts AS t SET "
  KEEP ("user_id", "(b ->> 'user_id')::uuid") ", "
  KEEP ("location_id", "(b ->> 'location_id')::uuid") ", "
  KEEP ("starts_at", "(b ->> 'starts_at')::timestamptz") ", "
  KEEP ("ends_at", "(b ->> 'ends_at')::timestamptz") ", "
  KEEP ("notes", "b ->> 'notes'")
  "  FROM (SELECT $3::jsonb AS b) x"
  " WHERE t.id = $1::uuid AND t.version = $2::int"
  " RETURNING t.id",
  shift_fields, G_N_ELEMENTS (shift_fields), check_shift, "starts_at", "ends_at",
};

/* --------------------------------------------------------------- leave --- */

static const char * const leave_kinds[] = { "annual", "sick", "training", "unpaid", "other", NULL };

#define LEAVE_COLUMNS \
  "t.id, t.user_id, u.display_name AS user_name, t.location_id, t.starts_on AS \"from\"," \
  " t.ends_on AS \"to\", t.kind, t.notes, t.version, t.created_at, t.updated_at"

static const VbHandlerField leave_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "user_id", VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0, NULL },
  { "location_id", VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0, NULL },
  { "from", VB_HANDLER_FIELD_DATE, TRUE, FALSE, 0, 0, NULL },
  { "to", VB_HANDLER_FIELD_DATE, TRUE, FALSE, 0, 0, NULL },
  { "kind", VB_HANDLER_FIELD_CHOICE, TRUE, FALSE, 0, 0, leave_kinds },
  { "notes", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1000, NULL },
};

static gboolean
check_leave (JsonObject  *body,
             gboolean     create,
             GError     **error)
{
  if (vb_handler_has_member (body, "from") && vb_handler_has_member (body, "to")
      && strcmp (json_object_get_string_member (body, "from"),
                 json_object_get_string_member (body, "to")) > 0)
    {
      vb_set_validation_error (error, "to", "to must not be before from");
      return FALSE;
    }
  return TRUE;
}

static const StaffResource leave = {
  "leave", "/api/v1/staff/leave",
  "SELECT * FROM (SELECT " LEAVE_COLUMNS ", t.starts_on::text || ' ' || t.id::text AS _key"
  "                 FROM staff_leave t JOIN users u ON u.id = t.user_id) x"
  " WHERE vb_has_permission($1::uuid, 'staff.read', x.location_id)"
  "   AND ($2::uuid IS NULL OR x.user_id = $2::uuid)"
  "   AND ($3::uuid IS NULL OR x.location_id = $3::uuid)"
  "   AND ($4::timestamptz IS NULL OR x.\"to\" >= $4::timestamptz::date)"
  "   AND ($5::timestamptz IS NULL OR x.\"from\" <= $5::timestamptz::date)"
  "   AND ($6::text IS NULL OR x._key > $6)"
  " ORDER BY x._key LIMIT $7::int",
  "SELECT " LEAVE_COLUMNS " FROM staff_leave t JOIN users u ON u.id = t.user_id WHERE t.id = $1::uuid",
  LOCATION_SCOPE_SQL ("staff_leave"),
  "INSERT INTO staff_leave (id, user_id, location_id, starts_on, ends_on, kind, notes)"
  " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'user_id')::uuid,"
  "        (b ->> 'location_id')::uuid, (b ->> 'from')::date, (b ->> 'to')::date, b ->> 'kind',"
  "        coalesce(b ->> 'notes', '')"
  "   FROM (SELECT $1::jsonb AS b) x"
  " RETURNING id",
  "UPDATE staff_leave AS t SET "
  KEEP ("user_id", "(b ->> 'user_id')::uuid") ", "
  KEEP ("location_id", "(b ->> 'location_id')::uuid") ", "
  "       starts_on = CASE WHEN b ? 'from' THEN (b ->> 'from')::date ELSE t.starts_on END,"
  "       ends_on = CASE WHEN b ? 'to' THEN (b ->> 'to')::date ELSE t.ends_on END, "
  KEEP ("kind", "b ->> 'kind'") ", "
  KEEP ("notes", "b ->> 'notes'")
  "  FROM (SELECT $3::jsonb AS b) x"
  " WHERE t.id = $1::uuid AND t.version = $2::int"
  " RETURNING t.id",
  leave_fields, G_N_ELEMENTS (leave_fields), check_leave, "id", "to",
};

/* ------------------------------------------------------ certifications --- */

#define CERT_COLUMNS \
  "t.id, t.user_id, u.display_name AS user_name, t.kind, t.hv_level, t.issued_on, t.expires_on," \
  " t.document_attachment_id, (t.expires_on IS NOT NULL AND t.expires_on < current_date) AS expired," \
  " t.version, t.created_at, t.updated_at"

static const VbHandlerField cert_fields[] = {
  { "id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
  { "user_id", VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0, NULL },
  { "kind", VB_HANDLER_FIELD_TEXT, TRUE, FALSE, 1, 100, NULL },
  { "hv_level", VB_HANDLER_FIELD_INT, TRUE, FALSE, 0, 4, NULL },
  { "issued_on", VB_HANDLER_FIELD_DATE, TRUE, FALSE, 0, 0, NULL },
  { "expires_on", VB_HANDLER_FIELD_DATE, FALSE, TRUE, 0, 0, NULL },
  { "document_attachment_id", VB_HANDLER_FIELD_UUID, FALSE, TRUE, 0, 0, NULL },
};

static gboolean
check_cert (JsonObject  *body,
            gboolean     create,
            GError     **error)
{
  if (vb_handler_has_member (body, "issued_on") && vb_handler_has_member (body, "expires_on")
      && strcmp (json_object_get_string_member (body, "issued_on"),
                 json_object_get_string_member (body, "expires_on")) > 0)
    {
      vb_set_validation_error (error, "expires_on", "expires_on must not be before issued_on");
      return FALSE;
    }
  return TRUE;
}

static const StaffResource certifications = {
  "certification", "/api/v1/staff/certifications",
  "SELECT * FROM (SELECT " CERT_COLUMNS ", u.display_name || ' ' || t.kind || ' ' || t.id::text AS _key"
  "                 FROM certifications t JOIN users u ON u.id = t.user_id) x"
  " WHERE vb_may_see_user($1::uuid, 'staff.read', x.user_id)"
  "   AND ($2::uuid IS NULL OR x.user_id = $2::uuid)"
  "   AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM role_assignments ra"
  "                                     WHERE ra.user_id = x.user_id AND ra.location_id = $3::uuid))"
  "   AND ($4::timestamptz IS NULL OR x.expires_on IS NULL OR x.expires_on >= $4::timestamptz::date)"
  "   AND ($5::timestamptz IS NULL OR x.issued_on <= $5::timestamptz::date)"
  "   AND ($6::text IS NULL OR x._key > $6)"
  " ORDER BY x._key LIMIT $7::int",
  "SELECT " CERT_COLUMNS " FROM certifications t JOIN users u ON u.id = t.user_id WHERE t.id = $1::uuid",
  "SELECT ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM certifications WHERE id = $3::uuid)),"
  "       (NOT $2::jsonb ? 'user_id'"
  "        OR EXISTS (SELECT 1 FROM users WHERE id = ($2::jsonb ->> 'user_id')::uuid)),"
  "       true,"
  "       coalesce((SELECT vb_may_see_user($1::uuid, 'staff.manage', t.user_id)"
  "                   FROM certifications t WHERE t.id = $3::uuid), true)"
  "       AND vb_may_see_user($1::uuid, 'staff.manage',"
  "                           coalesce(($2::jsonb ->> 'user_id')::uuid,"
  "                                    (SELECT t.user_id FROM certifications t WHERE t.id = $3::uuid)))",
  "INSERT INTO certifications (id, user_id, kind, hv_level, issued_on, expires_on, document_attachment_id)"
  " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), (b ->> 'user_id')::uuid, b ->> 'kind',"
  "        (b ->> 'hv_level')::int, (b ->> 'issued_on')::date, (b ->> 'expires_on')::date,"
  "        (b ->> 'document_attachment_id')::uuid"
  "   FROM (SELECT $1::jsonb AS b) x"
  " RETURNING id",
  "UPDATE certifications AS t SET "
  KEEP ("user_id", "(b ->> 'user_id')::uuid") ", "
  KEEP ("kind", "b ->> 'kind'") ", "
  KEEP ("hv_level", "(b ->> 'hv_level')::int") ", "
  KEEP ("issued_on", "(b ->> 'issued_on')::date") ", "
  KEEP ("expires_on", "(b ->> 'expires_on')::date") ", "
  KEEP ("document_attachment_id", "(b ->> 'document_attachment_id')::uuid")
  "  FROM (SELECT $3::jsonb AS b) x"
  " WHERE t.id = $1::uuid AND t.version = $2::int"
  " RETURNING t.id",
  cert_fields, G_N_ELEMENTS (cert_fields), check_cert, "id", "expires_on",
};

/* Certifications that expire within ?days= (default 60, 0–3650) or have
 * expired, of users the caller may see; one renewed by a later
 * certification of the same kind is left out. */
static gboolean
list_expiring (VbRequest  *req,
               GError    **error)
{
  const char *days_text = vb_request_get_query (req, "days");
  g_autofree char *days = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (days_text != NULL)
    {
      char *end = NULL;
      long n = strtol (days_text, &end, 10);

      if (days_text[0] == '\0' || *end != '\0' || n < 0 || n > 3650)
        {
          vb_set_validation_error (error, "days", "days must be a whole number from 0 to 3650");
          return FALSE;
        }
      days = g_strdup_printf ("%ld", n);
    }
  else
    days = g_strdup ("60");
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " CERT_COLUMNS ", u.email AS user_email, (t.expires_on - current_date) AS days_left"
    "  FROM certifications t JOIN users u ON u.id = t.user_id"
    " WHERE t.expires_on IS NOT NULL AND t.expires_on <= current_date + $2::int"
    "   AND u.active"
    "   AND vb_may_see_user($1::uuid, 'staff.read', t.user_id)"
    "   AND NOT EXISTS (SELECT 1 FROM certifications n"
    "                    WHERE n.user_id = t.user_id AND n.kind = t.kind AND n.id <> t.id"
    "                      AND n.issued_on >= t.issued_on"
    "                      AND (n.expires_on IS NULL OR n.expires_on > current_date + $2::int))"
    " ORDER BY t.expires_on, t.id"
    " LIMIT 500",
    vb_request_get_principal (req)->user_id, days);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_list (req, vb_db_rows_to_json_array (res), NULL);
  return TRUE;
}

/* --------------------------------------------------------------- routes --- */

#define STAFF_HANDLERS(name, resource) \
  static gboolean list_##name (VbRequest *req, GError **error) { return staff_list (req, &resource, error); } \
  static gboolean create_##name (VbRequest *req, GError **error) { return staff_create (req, &resource, error); } \
  static gboolean update_##name (VbRequest *req, GError **error) { return staff_update (req, &resource, error); }

STAFF_HANDLERS (shifts, shifts)
STAFF_HANDLERS (leave, leave)
STAFF_HANDLERS (certifications, certifications)

static const VbRoute staff_routes[] = {
  { "GET", "/api/v1/staff/shifts", list_shifts, "staff.read", 0,
    "Shifts in the caller's locations (?user_id, ?location_id, ?from, ?to, ?limit, ?cursor)" },
  { "POST", "/api/v1/staff/shifts", create_shifts, "staff.manage", 0,
    "Plan a shift (409 if it overlaps another shift of the user)" },
  { "PATCH", "/api/v1/staff/shifts/{id}", update_shifts, "staff.manage", 0,
    "Change a shift (version required)" },
  { "GET", "/api/v1/staff/leave", list_leave, "staff.read", 0,
    "Leave in the caller's locations (?user_id, ?location_id, ?from, ?to, ?limit, ?cursor)" },
  { "POST", "/api/v1/staff/leave", create_leave, "staff.manage", 0,
    "Record leave (from, to, kind)" },
  { "PATCH", "/api/v1/staff/leave/{id}", update_leave, "staff.manage", 0,
    "Change leave (version required)" },
  { "GET", "/api/v1/staff/certifications/expiring", list_expiring, "staff.read", 0,
    "Certifications expiring within ?days (default 60) or expired, of the caller's staff" },
  { "GET", "/api/v1/staff/certifications", list_certifications, "staff.read", 0,
    "Certifications of the caller's staff (?user_id, ?location_id, ?limit, ?cursor)" },
  { "POST", "/api/v1/staff/certifications", create_certifications, "staff.manage", 0,
    "Record a certification (kind, hv_level 0–4, issued_on, expires_on)" },
  { "PATCH", "/api/v1/staff/certifications/{id}", update_certifications, "staff.manage", 0,
    "Change a certification (version required)" },
};

void
vb_handler_staff_register (VbRouter *router)
{
  vb_router_add_routes (router, staff_routes, G_N_ELEMENTS (staff_routes));
}
