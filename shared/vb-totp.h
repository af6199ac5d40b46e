/* vb-totp.h — RFC 6238 TOTP / RFC 4226 HOTP and RFC 4648 base32.
 *
 * Secrets travel as unpadded uppercase base32, the form every authenticator
 * app accepts in an otpauth:// URI.  Verification returns the matched time
 * step so the caller can store it and refuse to accept the same code twice.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_TOTP_PERIOD 30
#define VB_TOTP_DIGITS 6

/* RFC 4648 base32: uppercase, no '=' padding. */
char     *vb_base32_encode          (const guint8  *data,
                                     gsize          len);
/* Case-insensitive; ignores whitespace and trailing '=' padding.
 * Invalid input → VB_ERROR_VALIDATION naming the field "secret". */
GBytes   *vb_base32_decode          (const char    *text,
                                     GError       **error);

/* 20 bytes (160 bits, RFC 4226's recommendation) from the kernel RNG, base32. */
char     *vb_totp_generate_secret   (void);

/* RFC 4226 HOTP with dynamic truncation.  algorithm is G_CHECKSUM_SHA1,
 * SHA256, SHA384 or SHA512; digits is 1..10. */
guint32   vb_hotp                   (const guint8  *key,
                                     gsize          key_len,
                                     guint64        counter,
                                     guint          digits,
                                     GChecksumType  algorithm);

/* floor (unix_time / VB_TOTP_PERIOD), also for times before 1970. */
gint64    vb_totp_step_for_time     (gint64         unix_time);

/* The zero-padded VB_TOTP_DIGITS code for a step; NULL if the secret is bad. */
char     *vb_totp_code_for_step     (const char    *secret_b32,
                                     gint64         step);

/* Accepts a code for the step of unix_time or the one before/after.
 * Whitespace inside the code is ignored.  Errors are VB_ERROR_INVALID_MFA_CODE
 * (malformed, wrong, or matching a step <= last_used_step — pass -1 when no
 * code was ever accepted), or the decode error of a bad secret.
 * On success *matched_step (nullable) is the step to store as last used. */
gboolean  vb_totp_verify            (const char    *secret_b32,
                                     const char    *code,
                                     gint64         unix_time,
                                     gint64         last_used_step,
                                     gint64        *matched_step,
                                     GError       **error);

/* otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
 * Issuer may be NULL/empty (then neither prefix nor parameter is written).
 * The secret is re-encoded canonically; NULL if it does not decode. */
char     *vb_totp_provisioning_uri  (const char    *secret_b32,
                                     const char    *account,
                                     const char    *issuer);

G_END_DECLS
