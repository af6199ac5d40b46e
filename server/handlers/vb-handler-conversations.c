/* vb-handler-conversations.c — customer conversations, the outbound queue,
 * unmatched replies, message templates and per-work-order chat (C4, C7;
 * docs/api-messages.md).
 *
 * The rules live in 0011-messages.sql: consent (a customer message without
 * it is VB409 naming channel), the queue's states, who claimed what, the
 * never-twice rule for unknown outcomes (vb_message_resolve), matching of
 * replies, and the status updates written by a trigger on work_orders.
 * Here: scope (messages.read / messages.send at the customer's or work
 * order's location, in SQL), body checks, replies.
 */
#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"

#define ENTRY_COLUMNS \
  "e.id, e.customer_id, e.location_id, e.direction, e.channel, e.address, e.subject, e.body, e.kind," \
  " e.status, e.author_id, u.display_name AS author_name, e.at, e.sent_at, e.version"

#define ENTRY_KEY \
  "to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || e.id::text"

#define MESSAGE_COLUMNS \
  "m.id, m.location_id, m.customer_id, m.channel, m.to_address, m.subject, m.body, m.language, m.kind," \
  " m.related_entity, m.related_id, m.dedupe_key, m.status, m.attempts, m.max_attempts, m.next_attempt_at," \
  " m.sent_at, m.last_error, m.provider_id, m.message_id_header, m.created_by, m.version, m.created_at," \
  " m.updated_at"

#define MESSAGE_KEY \
  "to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || m.id::text"

#define MESSAGE_GET_SQL \
  "SELECT " MESSAGE_COLUMNS "," \
  "  (SELECT coalesce(json_agg(json_build_object('attempt', a.attempt, 'started_at', a.started_at," \
  "          'finished_at', a.finished_at, 'outcome', a.outcome, 'error', a.error, 'provider_id', a.provider_id," \
  "          'worker', a.worker) ORDER BY a.finished_at, a.id), '[]'::json)" \
  "     FROM message_attempts a WHERE a.message_id = m.id) AS attempt_log," \
  "  (SELECT coalesce(json_agg(json_build_object('attachment_id', x.attachment_id, 'filename', x.filename," \
  "          'content_type', t.content_type, 'size_bytes', t.size_bytes) ORDER BY x.created_at, x.id), '[]'::json)" \
  "     FROM outbound_message_attachments x JOIN attachments t ON t.id = x.attachment_id" \
  "    WHERE x.message_id = m.id) AS attachments" \
  "  FROM outbound_messages m WHERE m.id = $1::uuid"

#define INBOUND_COLUMNS \
  "i.id, i.location_id, i.customer_id, i.channel, i.from_address, i.to_address, i.subject, i.body," \
  " i.provider_id, i.in_reply_to, i.received_at, i.assigned_by, i.version"

/* May $1 read (perm) inbound row i: at its location, or everywhere when it has none. */
#define INBOUND_MAY(user, perm) \
  "(CASE WHEN i.location_id IS NULL THEN vb_has_global_permission(" user ", " perm ")" \
  "      ELSE vb_has_permission(" user ", " perm ", i.location_id) END)"

#define CHAT_COLUMNS \
  "c.id, c.work_order_id, c.location_id, c.author_id, u.display_name AS author_name, c.body, c.created_at, c.version"

static const char * const channels[] = { "email", "sms", NULL };
static const char * const outcomes[] = { "sent", "requeue", "failed", NULL };
static const char * const statuses[] = { "queued", "sending", "sent", "failed", "unknown", NULL };

static const VbHandlerField reply_fields[] = {
  { "id",      VB_HANDLER_FIELD_UUID,   FALSE, TRUE,  0, 0,     NULL },
  { "channel", VB_HANDLER_FIELD_CHOICE, TRUE,  FALSE, 0, 0,     channels },
  { "subject", VB_HANDLER_FIELD_TEXT,   FALSE, FALSE, 0, 200,   NULL },
  { "body",    VB_HANDLER_FIELD_TEXT,   TRUE,  FALSE, 1, 20000, NULL },
};

static const VbHandlerField resolve_fields[] = {
  { "outcome", VB_HANDLER_FIELD_CHOICE, TRUE,  FALSE, 0, 0,    outcomes },
  { "note",    VB_HANDLER_FIELD_TEXT,   FALSE, FALSE, 0, 1000, NULL },
};

static const VbHandlerField assign_fields[] = {
  { "customer_id", VB_HANDLER_FIELD_UUID, TRUE, FALSE, 0, 0, NULL },
};

/* "id" is optional so an offline client's outbox can name the message it
 * already shows (a retry then answers 409 naming id, never a second row). */
static const VbHandlerField chat_fields[] = {
  { "id",   VB_HANDLER_FIELD_UUID, FALSE, TRUE,  0, 0,    NULL },
  { "body", VB_HANDLER_FIELD_TEXT, TRUE,  FALSE, 1, 4000, NULL },
};

static const VbHandlerField template_fields[] = {
  { "subject",  VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 998,   NULL },
  { "body",     VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 1, 20000, NULL },
  { "sms_body", VB_HANDLER_FIELD_TEXT, FALSE, FALSE, 0, 1600,  NULL },
};

static const char *
me (VbRequest *req)
{
  return vb_request_get_principal (req)->user_id;
}

/* A paged list: limit and cursor from the query; run(conn, after, limit+1). */
static gboolean
page_params (VbRequest  *req,
             guint      *limit,
             char      **limit_text,
             char      **after,
             GError    **error)
{
  const char *cursor = vb_request_get_query (req, "cursor");

  if (!vb_request_get_limit (req, limit, error))
    return FALSE;
  if (cursor != NULL && (*after = vb_handler_cursor_decode (cursor, error)) == NULL)
    return FALSE;
  *limit_text = g_strdup_printf ("%u", *limit + 1);
  return TRUE;
}

static gboolean
check_uuid_queries (VbRequest          *req,
                    const char * const *names,
                    GError            **error)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      const char *v = vb_request_get_query (req, names[i]);
      if (v != NULL && !vb_validate_uuid (v, names[i], error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_choice_query (VbRequest          *req,
                    const char         *name,
                    const char * const *choices,
                    GError            **error)
{
  const char *v = vb_request_get_query (req, name);

  if (v == NULL || g_strv_contains (choices, v))
    return TRUE;
  return vb_set_validation_error (error, name, "%s is not a known value", name), FALSE;
}

/* ------------------------------------------------------- conversation --- */

#define CUSTOMER_SCOPE(perm) \
  "SELECT c.id, c.preferred_location_id," \
  "       vb_has_permission($2::uuid, 'customers.read', c.preferred_location_id)" \
  "         OR vb_has_permission($2::uuid, 'messages.read', c.preferred_location_id) AS _read," \
  "       vb_has_permission($2::uuid, " perm ", c.preferred_location_id) AS _may" \
  "  FROM customers c WHERE c.id = $1::uuid"

static gboolean
get_conversation (VbRequest  *req,
                  GError    **error)
{
  g_autofree char *after = NULL, *limit_text = NULL;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  const char *id;
  VbDbConn *conn;
  guint limit;

  if ((id = vb_handler_uuid_param (req, "id", error)) == NULL
      || !page_params (req, &limit, &limit_text, &after, error)
      || (conn = vb_request_get_db (req, error)) == NULL
      || (scope = vb_handler_scope (conn, CUSTOMER_SCOPE ("'messages.read'"), id, me (req), "customer",
                                    "Reading conversations needs messages.read at the customer's location",
                                    error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " ENTRY_COLUMNS ", " ENTRY_KEY " AS _key"
    "  FROM conversation_entries e LEFT JOIN users u ON u.id = e.author_id"
    " WHERE e.customer_id = $1::uuid AND ($2::text IS NULL OR " ENTRY_KEY " < $2)"
    " ORDER BY e.at DESC, e.id DESC LIMIT $3::int",
    id, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

typedef struct
{
  VbHandlerWrite  w;
  const char     *channel;
} Reply;

static gboolean
mark_read (VbDbConn   *conn,
           const char *customer,
           const char *user,
           GError    **error)
{
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "INSERT INTO conversation_reads AS r (user_id, customer_id, last_read_at)"
    " VALUES ($1::uuid, $2::uuid, now())"
    " ON CONFLICT (user_id, customer_id) DO UPDATE SET last_read_at = greatest(r.last_read_at, now())"
    " RETURNING last_read_at",
    user, customer);

  return res != NULL;
}

static gboolean
reply_txn (VbDbConn  *conn,
           gpointer   user_data,
           GError   **error)
{
  Reply *r = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) info = NULL;
  g_autoptr(PGresult) res = NULL;
  const char *address;

  if ((scope = vb_handler_scope (conn, CUSTOMER_SCOPE ("'messages.send'"), r->w.id, r->w.user_id, "customer",
                                 "Replying needs messages.send at the customer's location", error)) == NULL)
    return FALSE;
  info = vb_db_execv (conn, error,
    "SELECT vb_customer_may_contact(c.id, $2),"
    "       CASE $2 WHEN 'email' THEN c.emails[1] ELSE c.phones[1] END, l.name"
    "  FROM customers c JOIN locations l ON l.id = c.preferred_location_id WHERE c.id = $1::uuid FOR UPDATE OF c",
    r->w.id, r->channel);
  if (info == NULL)
    return FALSE;
  if (!vb_db_get_bool (info, 0, 0))
    return vb_handler_conflict (error, "channel", "The customer has not consented to %s messages",
                                g_str_equal (r->channel, "email") ? "e-mail" : "SMS");
  address = vb_db_get (info, 0, 1);
  if (address == NULL || *address == '\0')
    return vb_set_validation_error (error, "channel", g_str_equal (r->channel, "email")
                                      ? "The customer has no e-mail address"
                                      : "The customer has no phone number"), FALSE;
  /* What vb_enqueue_message() does (consent was checked above, under the
   * customer's row lock; a reply has no dedupe key), with the id a client
   * may choose (an offline outbox does): a taken id is the primary key's
   * violation, 409 naming id, and never a second message. */
  res = vb_db_execv (conn, error,
    "INSERT INTO outbound_messages (id, location_id, customer_id, channel, to_address, subject, body, language,"
    "                               kind, related_entity, related_id, dedupe_key)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), $1::uuid, $2::uuid, $3, btrim($4),"
    "        CASE WHEN $3 = 'email' THEN coalesce(nullif(b ->> 'subject', ''), $5) ELSE '' END,"
    "        b ->> 'body', NULL, 'conversation', 'customers', $2::uuid, NULL"
    "   FROM (SELECT $6::jsonb AS b) x RETURNING id",
    vb_db_get (scope, 0, 1), r->w.id, r->channel, address, vb_db_get (info, 0, 2), r->w.body);
  if (res == NULL)
    return FALSE;
  if (vb_db_get (res, 0, 0) == NULL)
    return vb_handler_conflict (error, "channel", "The message was not queued (no consent)");
  if (!mark_read (conn, r->w.id, r->w.user_id, error))
    return FALSE;
  return vb_handler_fetch_row (conn,
                               "SELECT " ENTRY_COLUMNS " FROM conversation_entries e"
                               "  LEFT JOIN users u ON u.id = e.author_id WHERE e.id = $1::uuid",
                               vb_db_get (res, 0, 0), "message", &r->w.result, error);
}

static gboolean
post_reply (VbRequest  *req,
            GError    **error)
{
  Reply r = { { 0 }, NULL };
  g_autoptr(JsonObject) body = NULL;
  gboolean ok;

  if ((r.w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &r.w, error)) == NULL
      || !vb_handler_check_fields (body, reply_fields, G_N_ELEMENTS (reply_fields), TRUE, NULL, error))
    {
      vb_handler_write_clear (&r.w);
      return FALSE;
    }
  r.channel = json_object_get_string_member (body, "channel");
  if (g_str_equal (r.channel, "sms")
      && g_utf8_strlen (json_object_get_string_member (body, "body"), -1) > 1600)
    {
      vb_handler_write_clear (&r.w);
      return vb_set_validation_error (error, "body", "An SMS is at most 1600 characters"), FALSE;
    }
  ok = vb_request_transaction (req, reply_txn, &r, error);
  if (ok)
    {
      /* Location: the queued message (GET /api/v1/messages/{id}). */
      vb_handler_reply_created (req, "/api/v1/messages", &r.w.result);
    }
  vb_handler_write_clear (&r.w);
  return ok;
}

static gboolean
read_txn (VbDbConn  *conn,
          gpointer   user_data,
          GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = NULL;

  if ((scope = vb_handler_scope (conn, CUSTOMER_SCOPE ("'messages.read'"), w->id, w->user_id, "customer",
                                 "Reading conversations needs messages.read at the customer's location",
                                 error)) == NULL
      || !mark_read (conn, w->id, w->user_id, error))
    return FALSE;
  return vb_handler_fetch_row (conn,
    "SELECT r.customer_id, r.user_id, r.last_read_at,"
    "       (SELECT count(*) FROM inbound_messages i WHERE i.customer_id = r.customer_id"
    "           AND i.received_at > r.last_read_at)::int AS unread"
    "  FROM conversation_reads r WHERE r.customer_id = $1::uuid AND r.user_id = vb_actor()",
    w->id, "customer", &w->result, error);
}

static gboolean
mark_conversation_read (VbRequest  *req,
                        GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL)
    return FALSE;
  w.user_id = me (req);
  return vb_handler_transact_reply (req, read_txn, &w, 200, &w.result, error);
}

/* Every conversation in the caller's locations, last activity first, with
 * the caller's unread count (inbound after their last read).  A conversation
 * belongs to the customer's preferred location, as in get_conversation: an
 * entry queued elsewhere (another location's status update) does not list
 * the thread (nor its last message) where the thread itself is 404. */
static gboolean
list_conversations (VbRequest  *req,
                    GError    **error)
{
  static const char * const ids[] = { "location_id", NULL };
  g_autofree char *after = NULL, *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  const char *unread = NULL;
  VbDbConn *conn;
  guint limit;

  if (!page_params (req, &limit, &limit_text, &after, error)
      || !check_uuid_queries (req, ids, error)
      || !vb_handler_bool_query (req, "unread", &unread, error)
      || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "WITH t AS ("
    "  SELECT e.customer_id, max(e.at) AS last_at"
    "    FROM conversation_entries e JOIN customers pc ON pc.id = e.customer_id"
    "   WHERE vb_has_permission($1::uuid, 'messages.read', pc.preferred_location_id)"
    "     AND ($2::uuid IS NULL OR pc.preferred_location_id = $2::uuid)"
    "   GROUP BY e.customer_id)"
    " SELECT t.customer_id, c.display_name, c.preferred_location_id AS location_id, t.last_at,"
    "        l.direction AS last_direction, l.channel AS last_channel, left(l.body, 200) AS last_body,"
    "        (SELECT count(*) FROM inbound_messages i WHERE i.customer_id = t.customer_id"
    "            AND i.received_at > coalesce(r.last_read_at, '-infinity'))::int AS unread,"
    "        r.last_read_at,"
    "        to_char(t.last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || t.customer_id::text AS _key"
    "   FROM t JOIN customers c ON c.id = t.customer_id"
    "   LEFT JOIN conversation_reads r ON r.customer_id = t.customer_id AND r.user_id = $1::uuid"
    "   CROSS JOIN LATERAL (SELECT e.direction, e.channel, e.body FROM conversation_entries e"
    "                        WHERE e.customer_id = t.customer_id ORDER BY e.at DESC, e.id DESC LIMIT 1) l"
    "  WHERE ($3::boolean IS NULL OR ((SELECT count(*) FROM inbound_messages i WHERE i.customer_id = t.customer_id"
    "            AND i.received_at > coalesce(r.last_read_at, '-infinity')) > 0) = $3::boolean)"
    "    AND ($4::text IS NULL OR to_char(t.last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                             || ' ' || t.customer_id::text < $4)"
    "  ORDER BY t.last_at DESC, t.customer_id DESC LIMIT $5::int",
    me (req), vb_request_get_query (req, "location_id"), unread, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

/* ----------------------------------------------------- outbound queue --- */

static gboolean
list_messages (VbRequest  *req,
               GError    **error)
{
  static const char * const ids[] = { "location_id", "customer_id", "related_id", NULL };
  g_autofree char *after = NULL, *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!page_params (req, &limit, &limit_text, &after, error)
      || !check_uuid_queries (req, ids, error)
      || !check_choice_query (req, "status", statuses, error)
      || !check_choice_query (req, "channel", channels, error)
      || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " MESSAGE_COLUMNS ", " MESSAGE_KEY " AS _key FROM outbound_messages m"
    " WHERE vb_has_permission($1::uuid, 'messages.read', m.location_id)"
    "   AND ($2::uuid IS NULL OR m.location_id = $2::uuid)"
    "   AND ($3::uuid IS NULL OR m.customer_id = $3::uuid)"
    "   AND ($4::uuid IS NULL OR m.related_id = $4::uuid)"
    "   AND ($5::text IS NULL OR m.status = $5)"
    "   AND ($6::text IS NULL OR m.channel = $6)"
    "   AND ($7::text IS NULL OR m.kind = $7)"
    "   AND ($8::text IS NULL OR " MESSAGE_KEY " < $8)"
    " ORDER BY m.created_at DESC, m.id DESC LIMIT $9::int",
    me (req), vb_request_get_query (req, "location_id"), vb_request_get_query (req, "customer_id"),
    vb_request_get_query (req, "related_id"), vb_request_get_query (req, "status"),
    vb_request_get_query (req, "channel"), vb_request_get_query (req, "kind"), after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
get_message (VbRequest  *req,
             GError    **error)
{
  return vb_handler_reply_row (req, MESSAGE_GET_SQL " AND vb_has_permission($2::uuid, 'messages.read', m.location_id)",
                               "message", error);
}

#define MESSAGE_SCOPE \
  "SELECT m.id, vb_has_permission($2::uuid, 'messages.read', m.location_id) AS _read," \
  "       vb_has_permission($2::uuid, 'messages.send', m.location_id) AS _may" \
  "  FROM outbound_messages m WHERE m.id = $1::uuid"

static gboolean
resolve_txn (VbDbConn  *conn,
             gpointer   user_data,
             GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;

  if ((scope = vb_handler_scope (conn, MESSAGE_SCOPE, w->id, w->user_id, "message",
                                 "Resolving needs messages.send at the message's location", error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT vb_message_resolve($1::uuid, b ->> 'outcome', b ->> 'note') FROM (SELECT $2::jsonb AS b) x",
    w->id, w->body);
  if (res == NULL)
    return FALSE;
  return vb_handler_fetch_row (conn, MESSAGE_GET_SQL, w->id, "message", &w->result, error);
}

static gboolean
resolve_message (VbRequest  *req,
                 GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, resolve_fields, G_N_ELEMENTS (resolve_fields), TRUE, NULL, error))
    return FALSE;
  return vb_handler_transact_reply (req, resolve_txn, &w, 200, &w.result, error);
}

/* ------------------------------------------------------------ inbound --- */

static gboolean
list_unmatched (VbRequest  *req,
                GError    **error)
{
  g_autofree char *after = NULL, *limit_text = NULL;
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn;
  guint limit;

  if (!page_params (req, &limit, &limit_text, &after, error)
      || (conn = vb_request_get_db (req, error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " INBOUND_COLUMNS ","
    "       to_char(i.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || i.id::text AS _key"
    "  FROM inbound_messages i"
    " WHERE i.customer_id IS NULL AND " INBOUND_MAY ("$1::uuid", "'messages.read'")
    "   AND ($2::text IS NULL OR to_char(i.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
    "                            || ' ' || i.id::text < $2)"
    " ORDER BY i.received_at DESC, i.id DESC LIMIT $3::int",
    me (req), after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
assign_txn (VbDbConn  *conn,
            gpointer   user_data,
            GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) check = NULL;

  if ((scope = vb_handler_scope (conn,
         "SELECT i.id, " INBOUND_MAY ("$2::uuid", "'messages.read'") " AS _read,"
         "       " INBOUND_MAY ("$2::uuid", "'messages.send'") " AS _may"
         "  FROM inbound_messages i WHERE i.id = $1::uuid",
         w->id, w->user_id, "inbound message", "Assigning needs messages.send", error)) == NULL)
    return FALSE;
  check = vb_db_execv (conn, error,
    "SELECT vb_has_permission($2::uuid, 'messages.send', c.preferred_location_id)"
    "  FROM customers c WHERE c.id = ($1::jsonb ->> 'customer_id')::uuid AND c.erased_at IS NULL",
    w->body, w->user_id);
  if (check == NULL)
    return FALSE;
  if (PQntuples (check) == 0 || !vb_db_get_bool (check, 0, 0))
    return vb_set_validation_error (error, "customer_id", "No such customer"), FALSE;
  res = vb_db_execv (conn, error,
    "UPDATE inbound_messages SET customer_id = ($2::jsonb ->> 'customer_id')::uuid, assigned_by = $3::uuid"
    " WHERE id = $1::uuid AND customer_id IS NULL RETURNING id",
    w->id, w->body, w->user_id);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return vb_handler_conflict (error, "customer_id", "The message is already in a customer's conversation");
  return vb_handler_fetch_row (conn, "SELECT " INBOUND_COLUMNS " FROM inbound_messages i WHERE i.id = $1::uuid",
                               w->id, "inbound message", &w->result, error);
}

static gboolean
assign_inbound (VbRequest  *req,
                GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, assign_fields, G_N_ELEMENTS (assign_fields), TRUE, NULL, error))
    return FALSE;
  return vb_handler_transact_reply (req, assign_txn, &w, 200, &w.result, error);
}

/* ----------------------------------------------------------- templates --- */

static gboolean
list_templates (VbRequest  *req,
                GError    **error)
{
  g_autoptr(PGresult) res = NULL;
  VbDbConn *conn = vb_request_get_db (req, error);

  if (conn == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT id, kind, key, language, subject, body, sms_body, version, created_at, updated_at"
    "  FROM message_templates WHERE ($1::text IS NULL OR kind = $1) ORDER BY kind, key, language",
    vb_request_get_query (req, "kind"));
  if (res == NULL)
    return FALSE;
  vb_handler_reply_rows (req, res);
  return TRUE;
}

#define TEMPLATE_SQL \
  "SELECT id, kind, key, language, subject, body, sms_body, version, created_at, updated_at" \
  "  FROM message_templates WHERE id = $1::uuid"

static gboolean
update_template_txn (VbDbConn  *conn,
                     gpointer   user_data,
                     GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) res = vb_db_execv (conn, error,
    "UPDATE message_templates t SET subject = coalesce(b ->> 'subject', t.subject),"
    "       body = coalesce(b ->> 'body', t.body), sms_body = coalesce(b ->> 'sms_body', t.sms_body)"
    "  FROM (SELECT $3::jsonb AS b) x"
    " WHERE t.id = $1::uuid AND t.version = $2::int"
    " RETURNING t.id, t.kind, t.key, t.language, t.subject, t.body, t.sms_body, t.version, t.created_at, t.updated_at",
    w->id, w->version, w->body);

  /* finish_update replies with the returned row: the whole template, not only its id. */
  if (res == NULL)
    return FALSE;
  return vb_handler_finish_update (conn, res, TEMPLATE_SQL, w->id, "message template", &w->result, error);
}

static gboolean
update_template (VbRequest  *req,
                 GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, TRUE, &w, error)) == NULL
      || !vb_handler_check_fields (body, template_fields, G_N_ELEMENTS (template_fields), FALSE, NULL, error))
    return FALSE;
  if (vb_handler_has_member (body, "subject") && strpbrk (json_object_get_string_member (body, "subject"), "\r\n"))
    return vb_set_validation_error (error, "subject", "The subject is one line"), FALSE;
  return vb_handler_transact_reply (req, update_template_txn, &w, 200, &w.result, error);
}

/* ------------------------------------------------------ work-order chat --- */

#define ORDER_SCOPE(perm) \
  "SELECT w.id, vb_has_permission($2::uuid, 'work_orders.read', w.location_id)" \
  "         OR vb_has_permission($2::uuid, 'messages.read', w.location_id) AS _read," \
  "       vb_has_permission($2::uuid, " perm ", w.location_id) AS _may" \
  "  FROM work_orders w WHERE w.id = $1::uuid"

#define CHAT_KEY \
  "to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' ' || c.id::text"

static gboolean
get_chat (VbRequest  *req,
          GError    **error)
{
  g_autofree char *after = NULL, *limit_text = NULL;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;
  const char *id;
  VbDbConn *conn;
  guint limit;

  if ((id = vb_handler_uuid_param (req, "id", error)) == NULL
      || !page_params (req, &limit, &limit_text, &after, error)
      || (conn = vb_request_get_db (req, error)) == NULL
      || (scope = vb_handler_scope (conn, ORDER_SCOPE ("'messages.read'"), id, me (req), "work order",
                                    "The chat needs messages.read at the work order's location", error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "SELECT " CHAT_COLUMNS ", " CHAT_KEY " AS _key"
    "  FROM work_order_chat_messages c LEFT JOIN users u ON u.id = c.author_id"
    " WHERE c.work_order_id = $1::uuid AND ($2::text IS NULL OR " CHAT_KEY " < $2)"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT $3::int",
    id, after, limit_text);
  if (res == NULL)
    return FALSE;
  vb_handler_reply_page (req, res, limit, "_key");
  return TRUE;
}

static gboolean
chat_txn (VbDbConn  *conn,
          gpointer   user_data,
          GError   **error)
{
  VbHandlerWrite *w = user_data;
  g_autoptr(PGresult) scope = NULL;
  g_autoptr(PGresult) res = NULL;

  if ((scope = vb_handler_scope (conn, ORDER_SCOPE ("'messages.send'"), w->id, w->user_id, "work order",
                                 "Writing in the chat needs messages.send at the work order's location",
                                 error)) == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "INSERT INTO work_order_chat_messages (id, work_order_id, body)"
    " SELECT coalesce((b ->> 'id')::uuid, gen_random_uuid()), $1::uuid, btrim(b ->> 'body')"
    "   FROM (SELECT $2::jsonb AS b) x RETURNING id",
    w->id, w->body);
  if (res == NULL)
    return FALSE;
  return vb_handler_fetch_row (conn,
                               "SELECT " CHAT_COLUMNS " FROM work_order_chat_messages c"
                               "  LEFT JOIN users u ON u.id = c.author_id WHERE c.id = $1::uuid",
                               vb_db_get (res, 0, 0), "chat message", &w->result, error);
}

static gboolean
post_chat (VbRequest  *req,
           GError    **error)
{
  g_auto(VbHandlerWrite) w = { 0 };
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *path = NULL;

  if ((w.id = vb_handler_uuid_param (req, "id", error)) == NULL
      || (body = vb_handler_read_body (req, FALSE, &w, error)) == NULL
      || !vb_handler_check_fields (body, chat_fields, G_N_ELEMENTS (chat_fields), TRUE, NULL, error))
    return FALSE;
  {
    g_autofree char *trimmed = g_strstrip (g_strdup (json_object_get_string_member (body, "body")));
    if (*trimmed == '\0')
      return vb_set_validation_error (error, "body", "body is empty"), FALSE;
  }
  if (!vb_request_transaction (req, chat_txn, &w, error))
    return FALSE;
  path = g_strdup_printf ("/api/v1/work-orders/%s/chat", w.id);
  vb_handler_reply_created (req, path, &w.result);
  return TRUE;
}

/* --------------------------------------------------------------- routes --- */

static const VbRoute conversation_routes[] = {
  { "GET", "/api/v1/conversations", list_conversations, "messages.read", 0,
    "Customer conversations in the caller's locations, last activity first, with the caller's unread count (?location_id, ?unread, ?limit, ?cursor)" },
  { "GET", "/api/v1/customers/{id}/conversation", get_conversation, "messages.read", 0,
    "A customer's thread: outbound and inbound, e-mail and SMS, newest first (?limit, ?cursor)" },
  { "POST", "/api/v1/customers/{id}/conversation", post_reply, "messages.send", 0,
    "Reply to a customer by e-mail or SMS: queued per consent (409 naming channel without it)" },
  { "POST", "/api/v1/customers/{id}/conversation/read", mark_conversation_read, "messages.read", 0,
    "Mark the customer's conversation read for the caller" },
  { "GET", "/api/v1/messages", list_messages, "messages.read", 0,
    "Outbound messages (?location_id, ?customer_id, ?related_id, ?status, ?channel, ?kind, ?limit, ?cursor)" },
  { "GET", "/api/v1/messages/unmatched", list_unmatched, "messages.read", 0,
    "Inbound messages from senders matching no customer (?limit, ?cursor)" },
  { "GET", "/api/v1/messages/{id}", get_message, "messages.read", 0,
    "One outbound message with its attempts and attachments" },
  { "POST", "/api/v1/messages/{id}/resolve", resolve_message, "messages.send", 0,
    "Decide a message whose outcome is unknown (sent, requeue, failed) or requeue a failed one" },
  { "POST", "/api/v1/messages/inbound/{id}/assign", assign_inbound, "messages.send", 0,
    "Put an unmatched inbound message into a customer's conversation" },
  { "GET", "/api/v1/message-templates", list_templates, "messages.read", 0,
    "The status-update templates and status labels, en and vi (?kind)" },
  { "PATCH", "/api/v1/message-templates/{id}", update_template, "messages.settings", VB_ROUTE_GLOBAL,
    "Change a template's subject, body or sms_body (version required)" },
  { "GET", "/api/v1/work-orders/{id}/chat", get_chat, "messages.read", 0,
    "The internal chat of a work order between desk and bay, newest first (?limit, ?cursor)" },
  { "POST", "/api/v1/work-orders/{id}/chat", post_chat, "messages.send", 0,
    "Write in a work order's internal chat" },
};

void
vb_handler_conversations_register (VbRouter *router)
{
  vb_router_add_routes (router, conversation_routes, G_N_ELEMENTS (conversation_routes));
}
