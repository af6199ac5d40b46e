/* vb-handler-message-webhooks.c — inbound SMS and e-mail replies
 * (C7; docs/api-messages.md).
 *
 * The providers POST JSON here, signed: the header X-Voltbay-Signature holds
 * "sha256=" and the hex HMAC-SHA256 of the raw body under the shared secret
 * ([sms] webhook-secret, [email] webhook-secret).  A missing or wrong
 * signature (or no secret configured) is 401 and nothing is stored.  The
 * provider's message id makes a delivery idempotent: the same id again
 * answers 200 with the stored message.  The trigger vb_inbound_message_match
 * (0011-messages.sql) puts the message into the matching customer's
 * conversation, or leaves it unmatched; the change feed carries it live.
 */
#include <string.h>

#include "vb-handlers.h"
#include "vb-handler-util.h"
#include "vb-db.h"
#include "vb-error.h"
#include "vb-json.h"
#include "vb-server.h"

#define INBOUND_COLUMNS \
  "i.id, i.location_id, i.customer_id, i.channel, i.from_address, i.to_address, i.subject, i.body," \
  " i.provider_id, i.in_reply_to, i.received_at, i.version"

static gboolean
unauthorized (GError **error)
{
  g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAUTHENTICATED, "Missing or invalid webhook signature");
  return FALSE;
}

/* Constant-time comparison of the expected and given hex digests. */
static gboolean
digest_equal (const char *a,
              const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guchar diff = la != lb;

  for (gsize i = 0; i < la; i++)
    diff |= (guchar) (a[i] ^ (i < lb ? g_ascii_tolower (b[i]) : 0));
  return diff == 0;
}

static gboolean
verify_signature (VbRequest  *req,
                  const char *group,
                  GError    **error)
{
  GKeyFile *settings = vb_server_get_options (vb_request_get_server (req))->settings;
  g_autofree char *secret = NULL;
  g_autofree char *expected = NULL;
  const char *given = vb_request_get_header (req, "X-Voltbay-Signature");
  GBytes *body = vb_request_get_body (req);
  gsize size = 0;
  const guchar *data;

  if (settings != NULL)
    secret = g_key_file_get_string (settings, group, "webhook-secret", NULL);
  if (secret == NULL || *g_strstrip (secret) == '\0')
    {
      g_warning ("A %s webhook arrived but [%s] webhook-secret is not set", group, group);
      return unauthorized (error);
    }
  if (given == NULL)
    return unauthorized (error);
  if (g_str_has_prefix (given, "sha256="))
    given += strlen ("sha256=");
  data = body != NULL ? g_bytes_get_data (body, &size) : (const guchar *) "";
  expected = g_compute_hmac_for_data (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret), data, size);
  if (!digest_equal (expected, given))
    return unauthorized (error);
  return TRUE;
}

/* "Name <a@b>" → "a@b". */
static char *
bare_address (const char *text)
{
  const char *lt = strrchr (text, '<');
  const char *gt = lt != NULL ? strchr (lt, '>') : NULL;

  if (lt != NULL && gt != NULL)
    return g_strstrip (g_strndup (lt + 1, gt - lt - 1));
  return g_strstrip (g_strdup (text));
}

typedef struct
{
  const char *channel;
  char       *provider_id;
  char       *from;
  char       *to;
  char       *subject;
  char       *text;
  char       *in_reply_to;
  char       *received_at;
  JsonNode   *result;
  gboolean    duplicate;
} Inbound;

static void
inbound_clear (Inbound *in)
{
  g_free (in->provider_id);
  g_free (in->from);
  g_free (in->to);
  g_free (in->subject);
  g_free (in->text);
  g_free (in->in_reply_to);
  g_free (in->received_at);
  g_clear_pointer (&in->result, json_node_unref);
}

static gboolean
inbound_txn (VbDbConn  *conn,
             gpointer   user_data,
             GError   **error)
{
  Inbound *in = user_data;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(PGresult) label = vb_db_execv (conn, error,
    "SELECT set_config('voltbay.actor_label', $1, true)",
    g_str_equal (in->channel, "sms") ? "sms-webhook" : "email-webhook");

  if (label == NULL)
    return FALSE;
  res = vb_db_execv (conn, error,
    "INSERT INTO inbound_messages (channel, from_address, to_address, subject, body, provider_id,"
    "                              in_reply_to, received_at)"
    " VALUES ($1, $2, coalesce($3, ''), coalesce($4, ''), $5, $6, $7, coalesce($8::timestamptz, now()))"
    " ON CONFLICT (channel, provider_id) DO NOTHING RETURNING id",
    in->channel, in->from, in->to, in->subject, in->text, in->provider_id, in->in_reply_to,
    in->received_at);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      in->duplicate = TRUE;
      PQclear (res);
      res = vb_db_execv (conn, error,
        "SELECT id FROM inbound_messages WHERE channel = $1 AND provider_id = $2", in->channel, in->provider_id);
      if (res == NULL || PQntuples (res) == 0)
        return res != NULL && vb_handler_not_found (error, "inbound message");
    }
  return vb_handler_fetch_row (conn, "SELECT " INBOUND_COLUMNS " FROM inbound_messages i WHERE i.id = $1::uuid",
                               vb_db_get (res, 0, 0), "inbound message", &in->result, error);
}

static char *
take_string (JsonObject  *body,
             const char  *member,
             gboolean     required,
             gsize        max,
             GError     **error)
{
  JsonNode *node = json_object_get_member (body, member);
  const char *value;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        vb_set_validation_error (error, member, "%s is required", member);
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      vb_set_validation_error (error, member, "%s must be a string", member);
      return NULL;
    }
  value = json_node_get_string (node);
  if (g_utf8_strlen (value, -1) > (glong) max || (required && *value == '\0'))
    {
      vb_set_validation_error (error, member, "%s must be 1 to %" G_GSIZE_FORMAT " characters", member, max);
      return NULL;
    }
  return g_strdup (value);
}

static gboolean
receive (VbRequest  *req,
         const char *channel,
         GError    **error)
{
  g_autoptr(JsonObject) body = NULL;
  Inbound in = { channel, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, FALSE };
  gboolean sms = g_str_equal (channel, "sms");
  gboolean ok = FALSE;
  GError *local = NULL;

  if (!verify_signature (req, sms ? "sms" : "email", error)
      || (body = vb_request_parse_body (req, error)) == NULL)
    return FALSE;
  in.provider_id = take_string (body, sms ? "id" : "message_id", TRUE, 300, &local);
  if (local == NULL)
    in.from = take_string (body, "from", TRUE, 320, &local);
  if (local == NULL)
    in.to = take_string (body, "to", FALSE, 320, &local);
  if (local == NULL)
    in.text = take_string (body, "text", sms, 100000, &local);
  if (local == NULL && !sms)
    in.subject = take_string (body, "subject", FALSE, 998, &local);
  if (local == NULL && !sms)
    in.in_reply_to = take_string (body, "in_reply_to", FALSE, 998, &local);
  if (local == NULL)
    in.received_at = take_string (body, "received_at", FALSE, 64, &local);
  if (local == NULL && in.received_at != NULL && !vb_handler_is_timestamp (in.received_at))
    vb_set_validation_error (&local, "received_at", "received_at must be an RFC 3339 timestamp");
  if (local == NULL && !sms)
    {
      char *bare = bare_address (in.from);
      g_free (in.from);
      in.from = bare;
      vb_validate_email (in.from, "from", &local);
      if (in.text == NULL)
        in.text = g_strdup ("");
      if (in.subject != NULL)
        g_strdelimit (in.subject, "\r\n", ' ');
    }
  if (local == NULL && sms && !g_regex_match_simple ("^\\+?[0-9 ().-]{3,24}$", in.from, 0, 0))
    vb_set_validation_error (&local, "from", "from is not a phone number");
  if (local == NULL)
    ok = vb_request_transaction (req, inbound_txn, &in, &local);
  if (ok)
    {
      JsonObject *obj = json_node_get_object (in.result);
      json_object_set_boolean_member (obj, "matched", !json_object_get_null_member (obj, "customer_id"));
      json_object_set_boolean_member (obj, "duplicate", in.duplicate);
      vb_request_reply_json (req, in.duplicate ? 200 : 201, g_steal_pointer (&in.result));
    }
  else
    g_propagate_error (error, local);
  inbound_clear (&in);
  return ok;
}

static gboolean
sms_webhook (VbRequest  *req,
             GError    **error)
{
  return receive (req, "sms", error);
}

static gboolean
email_webhook (VbRequest  *req,
               GError    **error)
{
  return receive (req, "email", error);
}

static const VbRoute webhook_routes[] = {
  { "POST", "/api/v1/webhooks/sms", sms_webhook, NULL, VB_ROUTE_PUBLIC,
    "Inbound SMS from the provider (signed: X-Voltbay-Signature: sha256=HMAC of the body)" },
  { "POST", "/api/v1/webhooks/email", email_webhook, NULL, VB_ROUTE_PUBLIC,
    "Inbound e-mail reply from the provider (signed: X-Voltbay-Signature: sha256=HMAC of the body)" },
};

void
vb_handler_message_webhooks_register (VbRouter *router)
{
  vb_router_add_routes (router, webhook_routes, G_N_ELEMENTS (webhook_routes));
}
