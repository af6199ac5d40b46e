/* vb-smtp.c — e-mail over SMTP with libcurl.
 *
 * One message per call, on the caller's thread (the message worker's):
 * MAIL FROM / RCPT TO from the settings and the recipient, headers built
 * here (Subject and display names as RFC 2047 encoded-words), the body a
 * curl_mime tree: a text/plain; charset=utf-8 part (quoted-printable) and
 * one base64 part per attachment.  STARTTLS is required with
 * CURLOPT_USE_SSL when [email] starttls = true; smtps:// is TLS from the
 * start.  The SMTP reply code decides the outcome: 5xx (other than an
 * authentication failure, which is our configuration) is permanent, the
 * rest is retried.
 */
#include "vb-smtp.h"

#include <curl/curl.h>
#include <string.h>

static char *
get_string (GKeyFile *kf, const char *key)
{
  g_autofree char *v = g_key_file_get_string (kf, "email", key, NULL);

  if (v == NULL)
    return NULL;
  g_strstrip (v);
  if (*v == '\0')
    return NULL;
  return g_steal_pointer (&v);
}

VbSmtpConfig *
vb_smtp_config_from_settings (GKeyFile *settings)
{
  VbSmtpConfig *c;
  g_autofree char *url = settings != NULL ? get_string (settings, "smtp-url") : NULL;
  g_autoptr(GError) error = NULL;
  gint timeout;

  if (url == NULL)
    return NULL;
  c = g_new0 (VbSmtpConfig, 1);
  c->smtp_url = g_steal_pointer (&url);
  c->username = get_string (settings, "username");
  c->password = get_string (settings, "password");
  c->from = get_string (settings, "from");
  if (c->from == NULL)
    c->from = g_strdup ("voltbay@localhost");
  c->ca_file = get_string (settings, "ca-file");
  c->starttls = g_key_file_get_boolean (settings, "email", "starttls", NULL);
  timeout = g_key_file_get_integer (settings, "email", "timeout-seconds", &error);
  c->timeout = error == NULL && timeout > 0 ? timeout : 60;
  return c;
}

void
vb_smtp_config_free (VbSmtpConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->smtp_url);
  g_free (config->username);
  if (config->password != NULL)
    memset (config->password, 0, strlen (config->password));
  g_free (config->password);
  g_free (config->from);
  g_free (config->ca_file);
  g_free (config);
}

static gboolean
is_plain_ascii (const char *s)
{
  for (; *s; s++)
    if ((guchar) *s >= 0x7f || (guchar) *s < 0x20)
      return FALSE;
  return TRUE;
}

char *
vb_smtp_encode_header (const char *value)
{
  GString *out;
  const char *p = value;

  if (value == NULL)
    return g_strdup ("");
  if (is_plain_ascii (value))
    return g_strdup (value);
  /* Encoded-words of at most 45 bytes of UTF-8 each (60 base64 characters,
   * under the 75-character limit), split between characters. */
  out = g_string_new (NULL);
  while (*p)
    {
      const char *end = p;
      g_autofree char *b64 = NULL;

      while (*end)
        {
          const char *next = g_utf8_next_char (end);
          if (next - p > 45)
            break;
          end = next;
        }
      if (end == p)   /* not UTF-8: one byte at a time */
        end = p + 1;
      b64 = g_base64_encode ((const guchar *) p, end - p);
      if (out->len > 0)
        g_string_append (out, "\r\n ");
      g_string_append_printf (out, "=?UTF-8?B?%s?=", b64);
      p = end;
    }
  return g_string_free (out, FALSE);
}

/* "Name <a@b>" → "<a@b>"; "a@b" → "<a@b>". */
static char *
envelope_address (const char *address)
{
  const char *lt = strrchr (address, '<');
  const char *gt = lt != NULL ? strchr (lt, '>') : NULL;

  if (lt != NULL && gt != NULL)
    return g_strndup (lt, gt - lt + 1);
  return g_strdup_printf ("<%s>", address);
}

/* The From header: a display name encoded when not ASCII. */
static char *
from_header (const char *from)
{
  const char *lt = strrchr (from, '<');
  g_autofree char *name = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *addr = NULL;

  if (lt == NULL || lt == from)
    return g_strdup (from);
  name = g_strstrip (g_strndup (from, lt - from));
  if (name[0] == '"' && strlen (name) >= 2 && name[strlen (name) - 1] == '"')
    {
      memmove (name, name + 1, strlen (name));
      name[strlen (name) - 1] = '\0';
    }
  encoded = vb_smtp_encode_header (name);
  addr = envelope_address (from);
  if (is_plain_ascii (name))
    return g_strdup_printf ("\"%s\" %s", name, addr);
  return g_strdup_printf ("%s %s", encoded, addr);
}

static gboolean
has_line_break (const char *s)
{
  return s != NULL && strpbrk (s, "\r\n") != NULL;
}

VbSendOutcome
vb_smtp_send (const VbSmtpConfig     *config,
              const char             *to,
              const char             *subject,
              const char             *body,
              const char             *message_id,
              const VbSmtpAttachment *attachments,
              guint                   n_attachments,
              char                  **error_text)
{
  CURL *curl;
  curl_mime *mime;
  curl_mimepart *part;
  struct curl_slist *rcpt = NULL, *headers = NULL;
  g_autofree char *mail_from = envelope_address (config->from);
  g_autofree char *rcpt_to = envelope_address (to);
  g_autofree char *h_from = NULL, *h_to = NULL, *h_subject = NULL, *h_date = NULL, *h_id = NULL;
  g_autofree char *enc_subject = NULL, *date = NULL, *from = from_header (config->from);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  char curl_error[CURL_ERROR_SIZE] = "";
  CURLcode rc;
  long code = 0;
  VbSendOutcome outcome;

  if (has_line_break (to) || has_line_break (subject) || has_line_break (message_id)
      || strchr (to, '@') == NULL)
    {
      *error_text = g_strdup ("The recipient, subject or Message-ID is not a single line / address");
      return VB_SEND_FAILED;
    }
  curl = curl_easy_init ();
  if (curl == NULL)
    {
      *error_text = g_strdup ("curl_easy_init failed");
      return VB_SEND_RETRY;
    }
  enc_subject = vb_smtp_encode_header (subject);
  date = g_date_time_format (now, "%a, %d %b %Y %H:%M:%S +0000");
  h_from = g_strconcat ("From: ", from, NULL);
  h_to = g_strconcat ("To: ", to, NULL);
  h_subject = g_strconcat ("Subject: ", enc_subject, NULL);
  h_date = g_strconcat ("Date: ", date, NULL);
  h_id = g_strconcat ("Message-ID: ", message_id, NULL);
  headers = curl_slist_append (headers, h_date);
  headers = curl_slist_append (headers, h_from);
  headers = curl_slist_append (headers, h_to);
  headers = curl_slist_append (headers, h_subject);
  headers = curl_slist_append (headers, h_id);
  headers = curl_slist_append (headers, "X-Mailer: Voltbay");
  rcpt = curl_slist_append (rcpt, rcpt_to);

  mime = curl_mime_init (curl);
  part = curl_mime_addpart (mime);
  curl_mime_data (part, body, CURL_ZERO_TERMINATED);
  curl_mime_type (part, "text/plain; charset=utf-8");
  curl_mime_encoder (part, "quoted-printable");
  for (guint i = 0; i < n_attachments; i++)
    {
      gsize size;
      const char *data = g_bytes_get_data (attachments[i].content, &size);

      part = curl_mime_addpart (mime);
      curl_mime_data (part, data, size);
      curl_mime_type (part, attachments[i].content_type);
      curl_mime_filename (part, attachments[i].filename);
      curl_mime_encoder (part, "base64");
    }

  curl_easy_setopt (curl, CURLOPT_URL, config->smtp_url);
  curl_easy_setopt (curl, CURLOPT_MAIL_FROM, mail_from);
  curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt (curl, CURLOPT_MIMEPOST, mime);
  curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt (curl, CURLOPT_TIMEOUT, (long) config->timeout);
  curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT, 20L);
  curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, curl_error);
  if (config->username != NULL)
    curl_easy_setopt (curl, CURLOPT_USERNAME, config->username);
  if (config->password != NULL)
    curl_easy_setopt (curl, CURLOPT_PASSWORD, config->password);
  if (config->starttls)
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_ALL);
  if (config->ca_file != NULL)
    curl_easy_setopt (curl, CURLOPT_CAINFO, config->ca_file);

  rc = curl_easy_perform (curl);
  curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &code);
  if (rc == CURLE_OK)
    outcome = VB_SEND_SENT;
  else
    {
      /* 5xx is permanent, except 530/535 (authentication: our settings). */
      if (code >= 500 && code < 600 && code != 530 && code != 535)
        outcome = VB_SEND_FAILED;
      else
        outcome = VB_SEND_RETRY;
      *error_text = g_strdup_printf ("SMTP %ld: %s", code,
                                     curl_error[0] ? curl_error : curl_easy_strerror (rc));
    }
  curl_mime_free (mime);
  curl_slist_free_all (headers);
  curl_slist_free_all (rcpt);
  curl_easy_cleanup (curl);
  return outcome;
}
