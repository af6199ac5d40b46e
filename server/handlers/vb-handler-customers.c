/* vb-handler-customers.c — /api/v1/customers: people and companies we serve.
 *
 * A customer belongs to one location (preferred_location_id); every read is
 * scoped in SQL with vb_has_permission on that column, every write checks
 * customers.write there (and at the new location when it moves).  Search
 * (?q=) is typo-tolerant and ranked with pg_trgm over names, phone digits,
 * e-mails, plates and VINs (0003-customers-vehicles.sql).  GDPR: an export
 * of everything held about a customer and an erasure that pseudonymizes the
 * customer and its vehicles and scrubs their old change-feed rows.
 *
 * Input is validated in C first so that each 422 names its field; phones are
 * normalized to E.164 (Vietnam, +84, when no country code is given).
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

/* How many of its best candidates each kind of search match contributes. */
#define SEARCH_CANDIDATES "200"
/* The search text as plates and VINs are stored (letters and digits, upper case). */
#define NORM "upper(regexp_replace($2::text, '[^[:alnum:]]', '', 'g'))"

#define CUSTOMER_COLUMNS \
  "c.id, c.preferred_location_id, c.kind, c.given_name, c.family_name, c.company_name," \
  " c.display_name, to_jsonb(c.phones) AS phones, to_jsonb(c.emails) AS emails, c.address," \
  " c.preferred_language, c.consent, c.notes, c.erased_at, c.version, c.created_at, c.updated_at"

/* The vehicles a customer record embeds: one scalar subquery, no N+1. */
#define CUSTOMER_VEHICLES \
  "(SELECT coalesce(json_agg(json_build_object('id', v.id, 'plate', v.plate, 'make', v.make," \
  "                                           'model', v.model, 'year', v.year)" \
  "                          ORDER BY v.created_at, v.id), '[]'::json)" \
  "   FROM vehicles v WHERE v.customer_id = c.id) AS vehicles"

typedef struct
{
  const char *user_id;
  const char *id;
  const char *location_id;
  const char *kind;
  const char *given_name;
  const char *family_name;
  const char *company_name;
  char       *phones;      /* JSON array text, normalized; NULL = unchanged */
  char       *emails;
  const char *address;
  const char *preferred_language;
  char       *consent;     /* JSON object text, merged per channel on update */
  const char *notes;
  gint64      version;
  JsonNode   *result;
} CustomerWrite;

static void
customer_write_clear (CustomerWrite *w)
{
  g_clear_pointer (&w->phones, g_free);
  g_clear_pointer (&w->emails, g_free);
  g_clear_pointer (&w->consent, g_free);
  g_clear_pointer (&w->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CustomerWrite, customer_write_clear)

/* ------------------------------------------------------------ validation --- */

/* "+84 90 123 4567", "0901234567", "0084 901234567" → "+84901234567". */
static char *
normalize_phone (const char  *text,
                 GError     **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  gboolean international = FALSE;
  const char *p = text;

  while (*p == ' ')
    p++;
  if (*p == '+')
    {
      international = TRUE;
      p++;
    }
  for (; *p != '\0'; p++)
    {
      if (g_ascii_isdigit (*p))
        g_string_append_c (digits, *p);
      else if (strchr (" -.()/", *p) == NULL)
        {
          vb_set_validation_error (error, "phones",
                                   "phones must hold digits, blanks, dashes, dots or brackets, "
                                   "with an optional leading +");
          return NULL;
        }
    }
  if (!international && g_str_has_prefix (digits->str, "00"))
    g_string_erase (digits, 0, 2);
  else if (!international)
    {
      /* A national number: Vietnam by default. */
      if (digits->str[0] == '0')
        g_string_erase (digits, 0, 1);
      g_string_prepend (digits, "84");
    }
  if (digits->len < 8 || digits->len > 15 || digits->str[0] == '0')
    {
      vb_set_validation_error (error, "phones",
                               "phones must be 8 to 15 digits with the country code (E.164)");
      return NULL;
    }
  g_string_prepend_c (digits, '+');
  return g_string_free (g_steal_pointer (&digits), FALSE);
}

static char *
strv_to_json (GStrv strv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);
  node = json_builder_get_root (builder);
  return vb_json_to_string (node, NULL);
}

static gboolean
read_phones (JsonObject  *body,
             char       **out,
             GError     **error)
{
  g_auto(GStrv) phones = NULL;
  g_autoptr(GPtrArray) normalized = g_ptr_array_new_with_free_func (g_free);

  if (!vb_json_optional_strv (body, "phones", &phones, error))
    return FALSE;
  if (phones == NULL)
    return TRUE;
  if (g_strv_length (phones) > 10)
    {
      vb_set_validation_error (error, "phones", "phones holds at most 10 numbers");
      return FALSE;
    }
  for (guint i = 0; phones[i] != NULL; i++)
    {
      char *phone = normalize_phone (phones[i], error);
      if (phone == NULL)
        return FALSE;
      if (!g_ptr_array_find_with_equal_func (normalized, phone, g_str_equal, NULL))
        g_ptr_array_add (normalized, phone);
      else
        g_free (phone);
    }
  g_ptr_array_add (normalized, NULL);
  *out = strv_to_json ((GStrv) normalized->pdata);
  return TRUE;
}

static gboolean
read_emails (JsonObject  *body,
             char       **out,
             GError     **error)
{
  g_auto(GStrv) emails = NULL;

  if (!vb_json_optional_strv (body, "emails", &emails, error))
    return FALSE;
  if (emails == NULL)
    return TRUE;
  if (g_strv_length (emails) > 10)
    {
      vb_set_validation_error (error, "emails", "emails holds at most 10 addresses");
      return FALSE;
    }
  for (guint i = 0; emails[i] != NULL; i++)
    {
      g_strstrip (emails[i]);
      if (!vb_validate_email (emails[i], "emails", error)
          || !vb_validate_length (emails[i], "emails", 3, 254, error))
        return FALSE;
    }
  *out = strv_to_json (emails);
  return TRUE;
}

/* {"sms": {"given": true, "at": "...", "channel": "in_person"}, ...}; "at"
 * defaults to now; returned normalized (at in UTC). */
static gboolean
read_consent (JsonObject  *body,
              char       **out,
              GError     **error)
{
  static const char *purposes[] = { "email", "sms", "marketing", NULL };
  static const char *channels[] = { "in_person", "phone", "email", "sms", "web", "paper", NULL };
  JsonNode *node = json_object_get_member (body, "consent");
  g_autoptr(JsonObject) normalized = json_object_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GList) members = NULL;
  JsonObject *consent;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      vb_set_validation_error (error, "consent", "consent must be an object");
      return FALSE;
    }
  consent = json_node_get_object (node);
  members = json_object_get_members (consent);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *purpose = l->data;
      JsonNode *entry = json_object_get_member (consent, purpose);
      JsonObject *o, *n;
      gboolean given = FALSE;
      const char *at = NULL, *channel = NULL;
      g_autoptr(GDateTime) when = NULL;
      g_autoptr(GDateTime) utc = NULL;
      g_autofree char *when_text = NULL;

      if (!g_strv_contains (purposes, purpose))
        {
          vb_set_validation_error (error, "consent", "consent covers only email, sms and marketing");
          return FALSE;
        }
      if (!JSON_NODE_HOLDS_OBJECT (entry))
        {
          vb_set_validation_error (error, "consent", "consent.%s must be an object", purpose);
          return FALSE;
        }
      o = json_node_get_object (entry);
      if (json_object_get_member (o, "given") == NULL)
        {
          vb_set_validation_error (error, "consent", "consent.%s.given is required", purpose);
          return FALSE;
        }
      if (!vb_json_optional_bool (o, "given", &given, error)
          || !vb_json_optional_string (o, "at", &at, error)
          || !vb_json_optional_string (o, "channel", &channel, error))
        {
          if (error != NULL && *error != NULL)
            vb_error_set_field (*error, "consent");
          return FALSE;
        }
      if (channel != NULL && !g_strv_contains (channels, channel))
        {
          vb_set_validation_error (error, "consent",
                                   "consent.%s.channel must be in_person, phone, email, sms, web or paper",
                                   purpose);
          return FALSE;
        }
      when = at != NULL ? g_date_time_new_from_iso8601 (at, NULL) : g_date_time_new_now_utc ();
      if (when == NULL)
        {
          vb_set_validation_error (error, "consent", "consent.%s.at must be an RFC 3339 time", purpose);
          return FALSE;
        }
      utc = g_date_time_to_utc (when);
      when_text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
      n = json_object_new ();
      json_object_set_boolean_member (n, "given", given);
      json_object_set_string_member (n, "at", when_text);
      if (channel != NULL)
        json_object_set_string_member (n, "channel", channel);
      else
        json_object_set_null_member (n, "channel");
      json_object_set_object_member (normalized, purpose, n);
    }
  root = json_node_init_object (json_node_alloc (), normalized);
  *out = vb_json_to_string (root, NULL);
  return TRUE;
}

static gboolean
check_enum (const char  *value,
            const char  *field,
            const char **allowed,
            const char  *message,
            GError     **error)
{
  if (value != NULL && !g_strv_contains (allowed, value))
    {
      vb_set_validation_error (error, field, "%s", message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_fields (JsonObject     *body,
             gboolean        create,
             CustomerWrite  *w,
             GError        **error)
{
  static const char *kinds[] = { "person", "company", NULL };
  static const char *languages[] = { "en", "vi", NULL };

  if (create)
    {
      if (!vb_json_optional_string (body, "id", &w->id, error)
          || (w->id != NULL && !vb_validate_uuid (w->id, "id", error))
          || (w->location_id = vb_json_require_string (body, "preferred_location_id", error)) == NULL)
        return FALSE;
    }
  else if (!vb_json_optional_string (body, "preferred_location_id", &w->location_id, error))
    return FALSE;

  if (!vb_json_optional_string (body, "kind", &w->kind, error)
      || !vb_json_optional_string (body, "given_name", &w->given_name, error)
      || !vb_json_optional_string (body, "family_name", &w->family_name, error)
      || !vb_json_optional_string (body, "company_name", &w->company_name, error)
      || !vb_json_optional_string (body, "address", &w->address, error)
      || !vb_json_optional_string (body, "preferred_language", &w->preferred_language, error)
      || !vb_json_optional_string (body, "notes", &w->notes, error)
      || !read_phones (body, &w->phones, error)
      || !read_emails (body, &w->emails, error)
      || !read_consent (body, &w->consent, error))
    return FALSE;

  if (!(w->location_id == NULL || vb_validate_uuid (w->location_id, "preferred_location_id", error))
      || !check_enum (w->kind, "kind", kinds, "kind must be person or company", error)
      || !check_enum (w->preferred_language, "preferred_language", languages,
                      "preferred_language must be en or vi", error)
      || !(w->given_name == NULL || vb_validate_length (w->given_name, "given_name", 0, 200, error))
      || !(w->family_name == NULL || vb_validate_length (w->family_name, "family_name", 0, 200, error))
      || !(w->company_name == NULL || vb_validate_length (w->company_name, "company_name", 0, 200, error))
      || !(w->address == NULL || vb_validate_length (w->address, "address", 0, 500, error))
      || !(w->notes == NULL || vb_validate_length (w->notes, "notes", 0, 5000, error)))
    return FALSE;

  if (create)
    {
      gboolean company = g_strcmp0 (w->kind, "company") == 0;

      if (company && (w->company_name == NULL || w->company_name[0] == '\0'))
        {
          vb_set_validation_error (error, "company_name", "company_name is required for a company");
          return FALSE;
        }
      if (!company && (w->given_name == NULL || w->given_name[0] == '\0')
          && (w->family_name == NULL || w->family_name[0] == '\0'))
        {
          vb_set_validation_error (error, "family_name", "given_name or family_name is required");
          return FALSE;
        }
    }
  return TRUE;
}

/* 422 if the location does not exist, 403 if the caller may not write there. */
static gboolean
check_location_writable (VbDbConn    *conn,
                         const char  *user_id,
                         const char  *location_id,
                         const char  *permission,
                         GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT vb_has_permission($1::uuid, $3, l.id) FROM locations l WHERE l.id = $2::uuid",
    user_id, location_id, permission);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      vb_set_validation_error (error, "preferred_location_id", "No such location");
      return FALSE;
    }
  if (!vb_db_get_bool (res, 0, 0))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FORBIDDEN,
                   "You may not change customers of this location (%s)", permission);
      return FALSE;
    }
  return TRUE;
}

/* A change that leaves a person or a company without a name breaks a
 * CHECK constraint; name the field the caller must fill in. */
static void
name_check_field (GError *error)
{
  if (!g_error_matches (error, VB_ERROR, VB_ERROR_VALIDATION) || vb_error_get_field (error) != NULL)
    return;
  if (strstr (error->message, "customers_company_named") != NULL)
    vb_error_set_field (error, "company_name");
  else if (strstr (error->message, "customers_person_named") != NULL)
    vb_error_set_field (error, "family_name");
}

/* Locks the customer; 404 if absent, 403 without permission at its location. */
static gboolean
lock_customer (VbDbConn    *conn,
               const char  *user_id,
               const char  *id,
               const char  *permission,
               gboolean    *erased,
               GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "SELECT vb_has_permission($1::uuid, $3, c.preferred_location_id), c.erased_at IS NOT NULL"
    "  FROM customers c WHERE c.id = $2::uuid FOR UPDATE",
    user_id, id, permission);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "customer");
  if (!vb_db_get_bool (res, 0, 0))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FORBIDDEN,
                   "This customer is outside the locations where you hold %s", permission);
      return FALSE;
    }
  if (erased != NULL)
    *erased = vb_db_get_bool (res, 0, 1);
  return TRUE;
}

/* ------------------------------------------------------------- reading --- */

static gboolean
list_customers (VbRequest  *req,
                GError    **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *cursor_text = vb_request_get_query (req, "cursor");
  g_autofree char *q = g_strdup (vb_request_get_query (req, "q"));
  const char *location_id = vb_request_get_query (req, "preferred_location_id");
  g_autofree char *after = NULL;
  g_autofree char *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!vb_request_get_limit (req, &limit, error))
    return FALSE;
  if (location_id != NULL && !vb_validate_uuid (location_id, "preferred_location_id", error))
    return FALSE;
  if (cursor_text != NULL && (after = vb_handler_cursor_decode (cursor_text, error)) == NULL)
    return FALSE;
  if (q != NULL)
    {
      g_strstrip (q);
      if (q[0] == '\0')
        g_clear_pointer (&q, g_free);
      else if (!vb_validate_length (q, "q", 1, 100, error))
        return FALSE;
    }
  if ((conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  limit_text = g_strdup_printf ("%u", limit + 1);

  if (q == NULL)
    {
      res = vb_db_execv (conn, error,
        "SELECT " CUSTOMER_COLUMNS ","
        "       lower(c.display_name) || chr(31) || c.id::text AS _key"
        "  FROM customers c"
        " WHERE vb_has_permission($1::uuid, 'customers.read', c.preferred_location_id)"
        "   AND ($2::text IS NULL"
        "        OR (lower(c.display_name) || chr(31) || c.id::text) COLLATE \"C\" > $2 COLLATE \"C\")"
        "   AND ($3::uuid IS NULL OR c.preferred_location_id = $3::uuid)"
        " ORDER BY (lower(c.display_name) || chr(31) || c.id::text) COLLATE \"C\""
        " LIMIT $4::int",
        principal->user_id, after, location_id, limit_text);
      if (res == NULL)
        return FALSE;
      vb_handler_reply_page (req, res, limit, "_key");
      return TRUE;
    }

  /* Ranked search: the cursor is the offset into the ranking. */
  {
    guint64 offset = 0;
    g_autofree char *offset_text = NULL;
    JsonArray *items = json_array_new ();
    JsonNode *node = json_node_new (JSON_NODE_ARRAY);
    g_autofree char *next = NULL;
    guint n;

    if (after != NULL && !g_ascii_string_to_unsigned (after, 10, 0, G_MAXINT32, &offset, NULL))
      {
        json_node_unref (node);
        json_array_unref (items);
        vb_set_validation_error (error, "cursor", "cursor is not valid for this search");
        return FALSE;
      }
    offset_text = g_strdup_printf ("%" G_GUINT64_FORMAT, offset);
    res = vb_db_execv (conn, error,
      /* Each kind of match brings at most SEARCH_CANDIDATES of its best
       * candidates, found through an index (GiST trigram KNN for words,
       * GIN trigram for substrings): a common family name no longer means
       * ranking tens of thousands of rows before the page is cut.  The
       * parameters are used as they are so the planner sees them as values
       * for the index scans; the word branch orders without a WHERE so that
       * only the KNN scan can answer it, whatever the plan cache picks. */
      "WITH sub AS MATERIALIZED ("
      "  SELECT c.id FROM customers c"
      "   WHERE c.search_text LIKE '%' || replace(replace(replace(lower($2::text), '\\', '\\\\'),"
      "                                                    '%', '\\%'), '_', '\\_') || '%'"
      "   LIMIT " SEARCH_CANDIDATES "),"
      " hits AS ("
      "  SELECT id, 1.0 AS score FROM sub"
      "  UNION ALL"
      /* Typo tolerance when the text itself finds few (a one-time filter:
       * the KNN scan does not run otherwise). */
      "  (SELECT k.id, 1 - k.d FROM"
      "     (SELECT c.id, lower($2::text) <<-> c.search_text AS d FROM customers c"
      "       ORDER BY 2 LIMIT " SEARCH_CANDIDATES ") k"
      "    WHERE k.d <= 0.4"   /* word similarity >= 0.6, pg_trgm's default threshold */
      "      AND (SELECT count(*) FROM sub) < 50)"
      "  UNION ALL"
      "  (SELECT c.id, 0.95 FROM customers c"
      "    WHERE length(ltrim(regexp_replace($2::text, '\\D', '', 'g'), '0')) >= 4"
      "      AND c.search_text LIKE '%' || ltrim(regexp_replace($2::text, '\\D', '', 'g'), '0') || '%'"
      "    LIMIT " SEARCH_CANDIDATES ")"
      "  UNION ALL"
      "  (SELECT v.customer_id,"
      "          CASE WHEN v.plate_norm = " NORM " OR v.vin = " NORM " THEN 1.0"
      "               WHEN strpos(v.plate_norm, " NORM ") > 0 OR strpos(v.vin, " NORM ") > 0 THEN 0.9"
      "               ELSE similarity(v.plate_norm, " NORM ") END"
      "     FROM vehicles v"
      "    WHERE length(" NORM ") >= 3"
      "      AND (v.plate_norm LIKE '%' || " NORM " || '%' OR v.vin LIKE '%' || " NORM " || '%'"
      "           OR v.plate_norm % " NORM ")"
      "    LIMIT " SEARCH_CANDIDATES ")),"
      " ranked AS (SELECT id, max(score) AS score FROM hits GROUP BY id)"
      "SELECT " CUSTOMER_COLUMNS ", r.score AS _score"
      "  FROM ranked r JOIN customers c ON c.id = r.id"
      " WHERE vb_has_permission($1::uuid, 'customers.read', c.preferred_location_id)"
      "   AND ($3::uuid IS NULL OR c.preferred_location_id = $3::uuid)"
      " ORDER BY r.score DESC, lower(c.display_name), c.id"
      " OFFSET $4::bigint LIMIT $5::int",
      principal->user_id, q, location_id, offset_text, limit_text);
    if (res == NULL)
      {
        json_node_unref (node);
        json_array_unref (items);
        return FALSE;
      }
    n = PQntuples (res);
    for (guint i = 0; i < MIN (n, limit); i++)
      json_array_add_element (items, vb_handler_row_to_json (res, i));
    if (n > limit)
      {
        g_autofree char *key = g_strdup_printf ("%" G_GUINT64_FORMAT, offset + limit);
        next = vb_handler_cursor_encode (key);
      }
    json_node_take_array (node, items);
    vb_handler_reply_list (req, node, next);
  }
  return TRUE;
}

static gboolean
get_customer (VbRequest  *req,
              GError    **error)
{
  VbPrincipal *principal = vb_request_get_principal (req);
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " CUSTOMER_COLUMNS ", " CUSTOMER_VEHICLES ","
    "       vb_has_permission($1::uuid, 'customers.read', c.preferred_location_id) AS _allowed"
    "  FROM customers c WHERE c.id = $2::uuid",
    principal->user_id, id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_not_found (error, "customer");
  if (!vb_db_get_bool (res, 0, PQfnumber (res, "_allowed")))
    return vb_handler_forbidden (error, "This customer is outside the locations you may see");
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

/* The customer's maintenance history with costs (C6): the visits of all
 * their vehicles the caller may see, with what each was invoiced and paid;
 * vb_visit_history_json (0009-billing.sql), shared with the vehicle's. */
static gboolean
get_customer_history (VbRequest  *req,
                      GError    **error)
{
  const char *id = vb_handler_uuid_param (req, "id", error);
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;

  if (id == NULL || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT c.id AS customer_id, c.display_name AS customer_name,"
    "       vb_has_permission($1::uuid, 'customers.read', c.preferred_location_id) AS _allowed,"
    "       h -> 'items' AS items, h -> 'totals' AS totals"
    "  FROM customers c CROSS JOIN LATERAL vb_visit_history_json($1::uuid, NULL, c.id) h"
    " WHERE c.id = $2::uuid",
    vb_request_get_principal (req)->user_id, id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0 || !vb_db_get_bool (res, 0, PQfnumber (res, "_allowed")))
    return vb_handler_not_found (error, "customer");
  vb_request_reply_json (req, 200, vb_handler_row_to_json (res, 0));
  return TRUE;
}

/* ------------------------------------------------------------- writing --- */

static gboolean
insert_customer_txn (VbDbConn  *conn,
                     gpointer   user_data,
                     GError   **error)
{
  CustomerWrite *w = user_data;
  g_autoptr(PGresult) res = NULL;

  g_clear_pointer (&w->result, json_node_unref);
  if (!check_location_writable (conn, w->user_id, w->location_id, "customers.write", error))
    return FALSE;
  if (w->id != NULL)
    {
      g_autoptr(PGresult) existing = vb_db_execv (conn, error,
        "SELECT 1 FROM customers WHERE id = $1::uuid", w->id);
      if (existing == NULL)
        return FALSE;
      if (PQntuples (existing) > 0)
        return vb_handler_conflict (error, "id", "A customer with this id already exists");
    }
  res = vb_db_execv (conn, error,
    "INSERT INTO customers AS c (id, preferred_location_id, kind, given_name, family_name,"
    "                            company_name, phones, emails, address, preferred_language,"
    "                            consent, notes)"
    " VALUES (coalesce($1::uuid, gen_random_uuid()), $2::uuid, coalesce($3, 'person'),"
    "         coalesce($4, ''), coalesce($5, ''), coalesce($6, ''),"
    "         ARRAY(SELECT jsonb_array_elements_text(coalesce($7::jsonb, '[]'))),"
    "         ARRAY(SELECT jsonb_array_elements_text(coalesce($8::jsonb, '[]'))),"
    "         coalesce($9, ''), coalesce($10, 'vi'), coalesce($11::jsonb, '{}'), coalesce($12, ''))"
    " RETURNING " CUSTOMER_COLUMNS ", '[]'::json AS vehicles",
    w->id, w->location_id, w->kind, w->given_name, w->family_name, w->company_name,
    w->phones, w->emails, w->address, w->preferred_language, w->consent, w->notes);
  if (res == NULL)
    return FALSE;
  w->result = vb_handler_row_to_json (res, 0);
  return TRUE;
}

static gboolean
create_customer (VbRequest  *req,
                 GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(CustomerWrite) w = { 0 };

  w.user_id = vb_request_get_principal (req)->user_id;
  if ((body = vb_request_parse_body (req, error)) == NULL
      || !read_fields (body, TRUE, &w, error)
      || !vb_request_transaction (req, insert_customer_txn, &w, error))
    return FALSE;

  vb_handler_reply_created (req, "/api/v1/customers", &w.result);
  return TRUE;
}

static gboolean
update_customer_txn (VbDbConn  *conn,
                     gpointer   user_data,
                     GError   **error)
{
  CustomerWrite *w = user_data;
  g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, w->version);
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) current = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean erased = FALSE;

  g_clear_pointer (&w->result, json_node_unref);
  if (!lock_customer (conn, w->user_id, w->id, "customers.write", &erased, error))
    return FALSE;
  if (erased)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_CONFLICT, "This customer has been erased");
      return FALSE;
    }
  if (w->location_id != NULL
      && !check_location_writable (conn, w->user_id, w->location_id, "customers.write", error))
    return FALSE;
  res = vb_db_execv (conn, &local_error,
    "UPDATE customers AS c SET"
    "       preferred_location_id = coalesce($3::uuid, c.preferred_location_id),"
    "       kind = coalesce($4, c.kind),"
    "       given_name = coalesce($5, c.given_name),"
    "       family_name = coalesce($6, c.family_name),"
    "       company_name = coalesce($7, c.company_name),"
    "       phones = CASE WHEN $8::jsonb IS NULL THEN c.phones"
    "                     ELSE ARRAY(SELECT jsonb_array_elements_text($8::jsonb)) END,"
    "       emails = CASE WHEN $9::jsonb IS NULL THEN c.emails"
    "                     ELSE ARRAY(SELECT jsonb_array_elements_text($9::jsonb)) END,"
    "       address = coalesce($10, c.address),"
    "       preferred_language = coalesce($11, c.preferred_language),"
    "       consent = c.consent || coalesce($12::jsonb, '{}'),"
    "       notes = coalesce($13, c.notes)"
    " WHERE c.id = $1::uuid AND c.version = $2::int"
    " RETURNING " CUSTOMER_COLUMNS ", " CUSTOMER_VEHICLES,
    w->id, version, w->location_id, w->kind, w->given_name, w->family_name, w->company_name,
    w->phones, w->emails, w->address, w->preferred_language, w->consent, w->notes);
  if (res == NULL)
    {
      name_check_field (local_error);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (PQntuples (res) == 1)
    {
      w->result = vb_handler_row_to_json (res, 0);
      return TRUE;
    }

  current = vb_db_execv (conn, error,
    "SELECT " CUSTOMER_COLUMNS ", " CUSTOMER_VEHICLES " FROM customers c WHERE c.id = $1::uuid",
    w->id);
  if (current == NULL)
    return FALSE;
  if (PQntuples (current) == 0)
    return vb_handler_not_found (error, "customer");
  g_propagate_error (error, vb_handler_version_conflict (vb_handler_row_to_json (current, 0)));
  return FALSE;
}

static gboolean
update_customer (VbRequest  *req,
                 GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  g_auto(CustomerWrite) w = { 0 };

  w.user_id = vb_request_get_principal (req)->user_id;
  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_request_parse_body (req, error)) == NULL
      || !vb_handler_body_version (body, &w.version, error)
      || !read_fields (body, FALSE, &w, error)
      || !vb_request_transaction (req, update_customer_txn, &w, error))
    return FALSE;

  vb_request_reply_json (req, 200, g_steal_pointer (&w.result));
  return TRUE;
}

/* ------------------------------------------------------------------ GDPR --- */

typedef struct
{
  const char *user_id;
  const char *id;
  JsonNode   *result;
} CustomerAction;

static void
customer_action_clear (CustomerAction *a)
{
  g_clear_pointer (&a->result, json_node_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CustomerAction, customer_action_clear)

/* An audit row for an action no table change records (an export). */
static gboolean
audit_action (VbDbConn    *conn,
              const char  *action,
              const char  *id,
              GError     **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "INSERT INTO audit_log (at, actor_id, actor_label, action, entity, entity_id, after, request_id)"
    " VALUES (date_trunc('microseconds', clock_timestamp()),"
    "         nullif(current_setting('voltbay.actor_id', true), '')::uuid,"
    "         coalesce(current_setting('voltbay.actor_label', true), ''),"
    "         $1, 'customers', $2, jsonb_build_object('gdpr', $1::text),"
    "         coalesce(current_setting('voltbay.request_id', true), ''))",
    action, id);
  return res != NULL;
}

static gboolean
export_customer_txn (VbDbConn  *conn,
                     gpointer   user_data,
                     GError   **error)
{
  CustomerAction *a = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(JsonNode) row = NULL;

  g_clear_pointer (&a->result, json_node_unref);
  if (!lock_customer (conn, a->user_id, a->id, "customers.export", NULL, error)
      || !audit_action (conn, "export", a->id, error))
    return FALSE;
  res = vb_db_execv (conn, error,
    "WITH vs AS (SELECT v.* FROM vehicles v WHERE v.customer_id = $1::uuid),"
    " wos AS (SELECT w.* FROM work_orders w WHERE w.customer_id = $1::uuid)"
    "SELECT json_build_object("
    "  'format', 'voltbay-customer-export/1',"
    "  'exported_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
    "  'customer', (SELECT to_jsonb(c) - 'search_text' FROM customers c WHERE c.id = $1::uuid),"
    "  'vehicles', (SELECT coalesce(jsonb_agg((to_jsonb(v) - 'plate_norm' - 'vin_hash')"
    "      || jsonb_build_object("
    "           'odometer_readings', (SELECT coalesce(jsonb_agg(to_jsonb(o) ORDER BY o.read_at, o.id), '[]')"
    "                                   FROM odometer_readings o WHERE o.vehicle_id = v.id),"
    "           'soh_readings', (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.measured_at, s.id), '[]')"
    "                              FROM soh_readings s WHERE s.vehicle_id = v.id))"
    "      ORDER BY v.created_at, v.id), '[]') FROM vs v),"
    "  'work_orders', (SELECT coalesce(jsonb_agg(to_jsonb(w) || jsonb_build_object("
    "           'tasks', (SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.position, t.id), '[]')"
    "                       FROM work_order_tasks t WHERE t.work_order_id = w.id),"
    "           'triages', (SELECT coalesce(jsonb_agg(to_jsonb(g) ORDER BY g.performed_at, g.id), '[]')"
    "                         FROM work_order_triages g WHERE g.work_order_id = w.id),"
    "           'status_history', (SELECT coalesce(jsonb_agg(to_jsonb(h) ORDER BY h.changed_at, h.id), '[]')"
    "                                FROM work_order_status_history h WHERE h.work_order_id = w.id),"
    "           'notes', (SELECT coalesce(jsonb_agg(to_jsonb(n) ORDER BY n.created_at, n.id), '[]')"
    "                       FROM work_order_notes n WHERE n.work_order_id = w.id),"
    "           'quality_checks', (SELECT coalesce(jsonb_agg(to_jsonb(q) ORDER BY q.checked_at, q.id), '[]')"
    "                                FROM quality_checks q WHERE q.work_order_id = w.id))"
    "      ORDER BY w.checked_in_at, w.id), '[]') FROM wos w),"
    "  'audit', (SELECT coalesce(jsonb_agg(jsonb_build_object("
    "               'seq', a.seq, 'at', a.at, 'actor', a.actor_label, 'action', a.action,"
    "               'entity', a.entity, 'entity_id', a.entity_id, 'before', a.before, 'after', a.after)"
    "             ORDER BY a.xid, a.pos), '[]')"
    "         FROM audit_log a"
    "        WHERE (a.entity = 'customers' AND a.entity_id = $1::text)"
    "           OR (a.entity = 'vehicles' AND a.entity_id IN (SELECT id::text FROM vs))"
    "           OR (a.entity IN ('odometer_readings', 'soh_readings')"
    "               AND coalesce(a.after ->> 'vehicle_id', a.before ->> 'vehicle_id')"
    "                   IN (SELECT id::text FROM vs))"
    "           OR (a.entity = 'work_orders' AND a.entity_id IN (SELECT id::text FROM wos))"
    "           OR (a.entity IN ('work_order_tasks', 'work_order_triages', 'work_order_notes',"
    "                            'work_order_status_history', 'quality_checks')"
    "               AND coalesce(a.after ->> 'work_order_id', a.before ->> 'work_order_id')"
    "                   IN (SELECT id::text FROM wos)))"
    ") AS export",
    a->id);
  if (res == NULL)
    return FALSE;
  row = vb_db_row_to_json (res, 0);
  a->result = json_node_copy (json_object_get_member (json_node_get_object (row), "export"));
  return TRUE;
}

static gboolean
export_customer (VbRequest  *req,
                 GError    **error)
{
  g_auto(CustomerAction) a = { 0 };

  a.user_id = vb_request_get_principal (req)->user_id;
  if ((a.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  return vb_handler_transact_reply (req, export_customer_txn, &a, 200, &a.result, error);
}

/* The customer's work orders stay (a legal record) without the free text
 * people wrote about them: the reception form's texts and signature, triage
 * notes and note bodies.  Triages and notes are append-only; the trigger
 * lets only an erasure (voltbay.gdpr_erase, this transaction) rewrite them.
 * Their old change-feed rows lose their JSON first, as for the customer. */
static gboolean
erase_work_orders (VbDbConn    *conn,
                   const char  *customer_id,
                   GError     **error)
{
  static const char * const steps[] = {
    "UPDATE change_log SET row = NULL"
    " WHERE (entity = 'work_orders'"
    "        AND entity_id IN (SELECT id::text FROM work_orders WHERE customer_id = $1::uuid))"
    "    OR (entity = 'work_order_triages'"
    "        AND entity_id IN (SELECT g.id::text FROM work_order_triages g"
    "                            JOIN work_orders w ON w.id = g.work_order_id WHERE w.customer_id = $1::uuid))"
    "    OR (entity = 'work_order_notes'"
    "        AND entity_id IN (SELECT n.id::text FROM work_order_notes n"
    "                            JOIN work_orders w ON w.id = n.work_order_id WHERE w.customer_id = $1::uuid))",
    "UPDATE work_orders SET concerns = '', damage_notes = '', items_left = '', parking_place = '',"
    "       customer_signature_id = NULL"
    " WHERE customer_id = $1::uuid"
    "   AND (concerns <> '' OR damage_notes <> '' OR items_left <> '' OR parking_place <> ''"
    "        OR customer_signature_id IS NOT NULL)",
    "SELECT set_config('voltbay.gdpr_erase', 'on', true), $1::uuid",
    "UPDATE work_order_triages g SET notes = '', version = g.version + 1 FROM work_orders w"
    " WHERE w.id = g.work_order_id AND w.customer_id = $1::uuid AND g.notes <> ''",
    "UPDATE work_order_notes n SET body = '[erased]', version = n.version + 1 FROM work_orders w"
    " WHERE w.id = n.work_order_id AND w.customer_id = $1::uuid AND n.body <> '[erased]'",
    "SELECT set_config('voltbay.gdpr_erase', '', true), $1::uuid",
  };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(PGresult) res = vb_db_execv (conn, error, steps[i], customer_id);
      if (res == NULL)
        return FALSE;
    }
  return TRUE;
}

/* Pseudonymizes the customer and its vehicles.  Old change-feed rows about
 * them lose their JSON first, so the erased upserts written by the triggers
 * below are the only copies left in the feed. */
static gboolean
erase_customer_txn (VbDbConn  *conn,
                    gpointer   user_data,
                    GError   **error)
{
  CustomerAction *a = user_data;
  g_autoptr(PGresult) scrub = NULL;
  g_autoptr(PGresult) vehicles = NULL;
  g_autoptr(PGresult) res = NULL;
  gboolean erased = FALSE;

  g_clear_pointer (&a->result, json_node_unref);
  if (!lock_customer (conn, a->user_id, a->id, "customers.erase", &erased, error))
    return FALSE;
  if (!erased)
    {
      scrub = vb_db_execv (conn, error,
        "UPDATE change_log SET row = NULL"
        " WHERE (entity = 'customers' AND entity_id = $1::text)"
        "    OR (entity = 'vehicles'"
        "        AND entity_id IN (SELECT id::text FROM vehicles WHERE customer_id = $1::uuid))",
        a->id);
      if (scrub == NULL || !erase_work_orders (conn, a->id, error))
        return FALSE;
      vehicles = vb_db_execv (conn, error,
        "UPDATE vehicles v SET plate = '', vin = NULL,"
        "       vin_hash = CASE WHEN v.vin IS NULL THEN NULL"
        "                       ELSE encode(sha256((SELECT salt FROM gdpr_salt) || convert_to(v.vin, 'UTF8')), 'hex') END,"
        "       erased_at = now()"
        " WHERE v.customer_id = $1::uuid",
        a->id);
      if (vehicles == NULL)
        return FALSE;
      res = vb_db_execv (conn, error,
        "UPDATE customers c SET given_name = '', family_name = '', company_name = '',"
        "       phones = '{}', emails = '{}', address = '', notes = '',"
        "       consent = (SELECT jsonb_object_agg(p, jsonb_build_object("
        "                    'given', false, 'channel', 'erasure',"
        "                    'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')))"
        "                    FROM unnest(ARRAY['email', 'sms', 'marketing']) p),"
        "       erased_at = now()"
        " WHERE c.id = $1::uuid",
        a->id);
      if (res == NULL || !audit_action (conn, "erase", a->id, error))
        return FALSE;
      g_clear_pointer (&res, PQclear);
    }
  res = vb_db_execv (conn, error,
    "SELECT " CUSTOMER_COLUMNS ", " CUSTOMER_VEHICLES " FROM customers c WHERE c.id = $1::uuid",
    a->id);
  if (res == NULL)
    return FALSE;
  a->result = vb_handler_row_to_json (res, 0);
  return TRUE;
}

static gboolean
erase_customer (VbRequest  *req,
                GError    **error)
{
  g_auto(CustomerAction) a = { 0 };

  a.user_id = vb_request_get_principal (req)->user_id;
  if ((a.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  return vb_handler_transact_reply (req, erase_customer_txn, &a, 200, &a.result, error);
}

static const VbRoute customer_routes[] = {
  { "GET", "/api/v1/customers", list_customers, "customers.read", 0,
    "List or search customers (?q ranked by name, phone, e-mail, plate, VIN; ?preferred_location_id, ?limit, ?cursor)" },
  { "POST", "/api/v1/customers", create_customer, "customers.write", 0,
    "Create a customer (the id may be supplied by an offline client)" },
  { "GET", "/api/v1/customers/{id}", get_customer, "customers.read", 0,
    "One customer with its vehicles embedded (403 outside the caller's locations)" },
  { "PATCH", "/api/v1/customers/{id}", update_customer, "customers.write", 0,
    "Change a customer (version required; consent merged per purpose)" },
  { "GET", "/api/v1/customers/{id}/history", get_customer_history, "customers.read", 0,
    "Maintenance history over all the customer's vehicles: visits with services, labor and invoiced costs" },
  { "GET", "/api/v1/customers/{id}/export", export_customer, "customers.export", 0,
    "GDPR export: the customer, vehicles, readings and audit rows in one document" },
  { "POST", "/api/v1/customers/{id}/erase", erase_customer, "customers.erase", 0,
    "GDPR erasure: pseudonymize the customer and its vehicles, scrub old change-feed rows" },
};

void
vb_handler_customers_register (VbRouter *router)
{
  vb_router_add_routes (router, customer_routes, G_N_ELEMENTS (customer_routes));
}
