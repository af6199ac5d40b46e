/* vb-sms-gateway.h — SMS through a configurable HTTP JSON provider. */
#pragma once

#include <glib.h>

#include "vb-smtp.h"

G_BEGIN_DECLS

/* The [sms] settings group. */
typedef struct
{
  char *url;        /* POST {to, from, text} here */
  char *token;      /* Authorization: Bearer token */
  char *from;       /* the sender number or name */
  char *ca_file;
  gint  timeout;    /* seconds */
} VbSmsConfig;

/* NULL when the group has no url (SMS is not configured). */
VbSmsConfig  *vb_sms_config_from_settings (GKeyFile    *settings);
void          vb_sms_config_free          (VbSmsConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbSmsConfig, vb_sms_config_free)

/* POSTs the message with Idempotency-Key: idempotency_key (the same on
 * every attempt).  2xx: sent, *provider_id from the reply's "id" (or
 * "message_id", "sid"); 408/429/5xx/timeouts/connection errors: retry;
 * other 4xx: failed.  *error_text describes what was not sent. */
VbSendOutcome vb_sms_send (const VbSmsConfig *config,
                           const char        *to,
                           const char        *text,
                           const char        *idempotency_key,
                           char             **provider_id,
                           char             **error_text);

G_END_DECLS
