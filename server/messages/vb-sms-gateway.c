/* vb-sms-gateway.c — SMS through an HTTP JSON provider, with libcurl.
 *
 * The provider contract ([sms] url): POST a JSON object {"to", "from",
 * "text"} with "Authorization: Bearer <token>" and "Idempotency-Key:
 * <message id>"; a 2xx reply is a JSON object naming the provider's id of
 * the message ("id", else "message_id" or "sid").  Runs on the message
 * worker's thread (synchronous, CURLOPT_NOSIGNAL).
 */
#include "vb-sms-gateway.h"

#include <curl/curl.h>
#include <json-glib/json-glib.h>
#include <string.h>

static char *
get_string (GKeyFile *kf, const char *key)
{
  g_autofree char *v = g_key_file_get_string (kf, "sms", key, NULL);

  if (v == NULL)
    return NULL;
  g_strstrip (v);
  if (*v == '\0')
    return NULL;
  return g_steal_pointer (&v);
}

VbSmsConfig *
vb_sms_config_from_settings (GKeyFile *settings)
{
  VbSmsConfig *c;
  g_autofree char *url = settings != NULL ? get_string (settings, "url") : NULL;
  g_autoptr(GError) error = NULL;
  gint timeout;

  if (url == NULL)
    return NULL;
  c = g_new0 (VbSmsConfig, 1);
  c->url = g_steal_pointer (&url);
  c->token = get_string (settings, "token");
  c->from = get_string (settings, "from");
  if (c->from == NULL)
    c->from = g_strdup ("Voltbay");
  c->ca_file = get_string (settings, "ca-file");
  timeout = g_key_file_get_integer (settings, "sms", "timeout-seconds", &error);
  c->timeout = error == NULL && timeout > 0 ? timeout : 30;
  return c;
}

void
vb_sms_config_free (VbSmsConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->url);
  if (config->token != NULL)
    memset (config->token, 0, strlen (config->token));
  g_free (config->token);
  g_free (config->from);
  g_free (config->ca_file);
  g_free (config);
}

static size_t
collect_cb (char *data, size_t size, size_t n, void *user_data)
{
  GString *reply = user_data;

  if (reply->len + size * n > 1024 * 1024)
    return 0;   /* a reply this large is not the provider's */
  g_string_append_len (reply, data, size * n);
  return size * n;
}

/* The provider's id from a JSON reply, or NULL. */
static char *
reply_id (const char *text, gsize len)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  static const char * const names[] = { "id", "message_id", "sid" };
  JsonNode *root;
  JsonObject *obj;

  if (!json_parser_load_from_data (parser, text, len, NULL)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  obj = json_node_get_object (root);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      JsonNode *n = json_object_get_member (obj, names[i]);
      if (n != NULL && JSON_NODE_HOLDS_VALUE (n))
        {
          if (json_node_get_value_type (n) == G_TYPE_STRING)
            return g_strdup (json_node_get_string (n));
          if (json_node_get_value_type (n) == G_TYPE_INT64)
            return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
        }
    }
  return NULL;
}

VbSendOutcome
vb_sms_send (const VbSmsConfig *config,
             const char        *to,
             const char        *text,
             const char        *idempotency_key,
             char             **provider_id,
             char             **error_text)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *auth = NULL, *idem = NULL;
  g_autoptr(GString) reply = g_string_new (NULL);
  struct curl_slist *headers = NULL;
  char curl_error[CURL_ERROR_SIZE] = "";
  CURLcode rc;
  long code = 0;
  CURL *curl;
  VbSendOutcome outcome;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "to");
  json_builder_add_string_value (b, to);
  json_builder_set_member_name (b, "from");
  json_builder_add_string_value (b, config->from);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, text);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  payload = json_generator_to_data (gen, NULL);

  curl = curl_easy_init ();
  if (curl == NULL)
    {
      *error_text = g_strdup ("curl_easy_init failed");
      return VB_SEND_RETRY;
    }
  headers = curl_slist_append (headers, "Content-Type: application/json");
  headers = curl_slist_append (headers, "Accept: application/json");
  if (config->token != NULL)
    {
      auth = g_strconcat ("Authorization: Bearer ", config->token, NULL);
      headers = curl_slist_append (headers, auth);
    }
  idem = g_strconcat ("Idempotency-Key: ", idempotency_key, NULL);
  headers = curl_slist_append (headers, idem);
  curl_easy_setopt (curl, CURLOPT_URL, config->url);
  curl_easy_setopt (curl, CURLOPT_POST, 1L);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDS, payload);
  curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE, (long) strlen (payload));
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, collect_cb);
  curl_easy_setopt (curl, CURLOPT_WRITEDATA, reply);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) config->timeout);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
  if (config->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, config->ca_file);
  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &code);
  if (rc != CURLE_OK)
    {
      outcome = VB_SEND_RETRY;
      *error_text = g_strdup_printf ("SMS provider: %s", curl_error[0] ? curl_error : curl_easy_strerror (rc));
    }
  else if (code >= 200 && code < 300)
    {
      outcome = VB_SEND_SENT;
      *provider_id = reply_id (reply->str, reply->len);
    }
  else
    {
      outcome = (code >= 500 || code == 408 || code == 429) ? VB_SEND_RETRY : VB_SEND_FAILED;
      *error_text = g_strdup_printf ("SMS provider HTTP %ld: %.300s", code, reply->str);
    }
  curl_slist_free_all (headers);
  curl_easy_cleanup (curl);
  return outcome;
}
