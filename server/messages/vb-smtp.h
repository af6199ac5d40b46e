/* vb-smtp.h — e-mail over SMTP with libcurl (smtp:// or smtps://, STARTTLS,
 * AUTH, MIME with a UTF-8 text body and attachments). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The [email] settings group. */
typedef struct
{
  char     *smtp_url;      /* smtp://host:port or smtps://host:port */
  char     *username;
  char     *password;
  char     *from;          /* "Name <addr@host>" or "addr@host" */
  char     *ca_file;       /* a CA bundle for the server's certificate, or NULL */
  gboolean  starttls;      /* require STARTTLS on smtp:// */
  gint      timeout;       /* seconds for the whole transfer */
} VbSmtpConfig;

/* NULL when the group has no smtp-url (e-mail is not configured). */
VbSmtpConfig *vb_smtp_config_from_settings (GKeyFile     *settings);
void          vb_smtp_config_free          (VbSmtpConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbSmtpConfig, vb_smtp_config_free)

typedef struct
{
  const char *filename;
  const char *content_type;
  GBytes     *content;
} VbSmtpAttachment;

typedef enum
{
  VB_SEND_SENT,        /* the server accepted it */
  VB_SEND_RETRY,       /* transient: try again later */
  VB_SEND_FAILED,      /* permanent: do not try again */
} VbSendOutcome;

/* Builds the message (From, To, Subject, Date, Message-ID, MIME) and sends
 * it.  message_id is the Message-ID header ("<...>"), the same on every
 * attempt.  *error_text gets a description when not sent. */
VbSendOutcome vb_smtp_send (const VbSmtpConfig     *config,
                            const char             *to,
                            const char             *subject,
                            const char             *body,
                            const char             *message_id,
                            const VbSmtpAttachment *attachments,
                            guint                   n_attachments,
                            char                  **error_text);

/* RFC 2047 encoded-words (UTF-8, base64) for a header value that is not
 * plain ASCII; plain ASCII comes back unchanged.  Exposed for tests. */
char         *vb_smtp_encode_header (const char *value);

G_END_DECLS
