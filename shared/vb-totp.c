/* vb-totp.c — TOTP (RFC 6238) over HOTP (RFC 4226) with GHmac, and base32.
 *
 * Written against GLib rather than liboath so the clients and the server
 * share one small, audited implementation.  Verification compares every
 * candidate step in constant time and without early exit, and reports the
 * matched step so callers can enforce "each code works once" (replay).
 * The secret is drawn with getrandom(2) directly, not through vb-random, so
 * this file stands alone in the shared library.
 */
#include "vb-totp.h"
#include "vb-error.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#define VB_TOTP_SECRET_BYTES 20

static const char base32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

char *
vb_base32_encode (const guint8 *data,
                  gsize         len)
{
  GString *out;
  guint32 buffer = 0;
  guint bits = 0;

  g_return_val_if_fail (data != NULL || len == 0, NULL);

  out = g_string_sized_new ((len * 8 + 4) / 5 + 1);
  for (gsize i = 0; i < len; i++)
    {
      buffer = (buffer << 8) | data[i];
      bits += 8;
      while (bits >= 5)
        {
          bits -= 5;
          g_string_append_c (out, base32_alphabet[(buffer >> bits) & 0x1f]);
        }
    }
  if (bits > 0)
    g_string_append_c (out, base32_alphabet[(buffer << (5 - bits)) & 0x1f]);

  return g_string_free (out, FALSE);
}

static int
base32_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a';
  if (c >= '2' && c <= '7')
    return c - '2' + 26;
  return -1;
}

GBytes *
vb_base32_decode (const char  *text,
                  GError     **error)
{
  g_autoptr(GByteArray) out = NULL;
  guint32 buffer = 0;
  guint bits = 0;
  gsize n_symbols = 0;
  gboolean in_padding = FALSE;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_byte_array_sized_new (strlen (text) * 5 / 8 + 1);
  for (const char *p = text; *p != '\0'; p++)
    {
      int value;

      if (g_ascii_isspace (*p))
        continue;
      if (*p == '=')
        {
          in_padding = TRUE;
          continue;
        }
      value = base32_value (*p);
      if (value < 0 || in_padding)
        {
          vb_set_validation_error (error, "secret",
                                   "The secret is not valid base32");
          return NULL;
        }
      buffer = (buffer << 5) | (guint32) value;
      bits += 5;
      n_symbols++;
      if (bits >= 8)
        {
          guint8 byte;

          bits -= 8;
          byte = (guint8) (buffer >> bits);
          g_byte_array_append (out, &byte, 1);
        }
    }

  /* 1, 3 or 6 trailing symbols cannot come from any whole number of bytes. */
  switch (n_symbols % 8)
    {
    case 1:
    case 3:
    case 6:
      vb_set_validation_error (error, "secret",
                               "The secret has an impossible base32 length");
      return NULL;
    default:
      break;
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* The secret as key bytes; an empty key is as useless as a malformed one. */
static GBytes *
decode_key (const char  *secret_b32,
            GError     **error)
{
  g_autoptr(GBytes) key = vb_base32_decode (secret_b32, error);

  if (key == NULL)
    return NULL;
  if (g_bytes_get_size (key) == 0)
    {
      vb_set_validation_error (error, "secret", "The secret is empty");
      return NULL;
    }
  return g_steal_pointer (&key);
}

char *
vb_totp_generate_secret (void)
{
  guint8 raw[VB_TOTP_SECRET_BYTES];
  gsize done = 0;
  char *secret;

  while (done < sizeof raw)
    {
      ssize_t r = getrandom (raw + done, sizeof raw - done, 0);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        g_error ("getrandom() failed: %s", g_strerror (errno));
      done += (gsize) r;
    }

  secret = vb_base32_encode (raw, sizeof raw);
  explicit_bzero (raw, sizeof raw);
  return secret;
}

guint32
vb_hotp (const guint8  *key,
         gsize          key_len,
         guint64        counter,
         guint          digits,
         GChecksumType  algorithm)
{
  g_autoptr(GHmac) hmac = NULL;
  guint8 message[8];
  guint8 digest[64];
  gsize digest_len = sizeof digest;
  gssize expected_len;
  guint offset;
  guint32 binary;
  guint64 modulus = 1;

  g_return_val_if_fail (key != NULL || key_len == 0, 0);
  g_return_val_if_fail (digits >= 1 && digits <= 10, 0);
  /* Dynamic truncation reads up to byte 15 + 3: MD5's 16 bytes are too few. */
  expected_len = g_checksum_type_get_length (algorithm);
  g_return_val_if_fail (expected_len >= 20 && expected_len <= (gssize) sizeof digest, 0);

  for (int i = 7; i >= 0; i--)
    {
      message[i] = (guint8) (counter & 0xff);
      counter >>= 8;
    }

  hmac = g_hmac_new (algorithm, key != NULL ? key : (const guint8 *) "", key_len);
  g_hmac_update (hmac, message, sizeof message);
  g_hmac_get_digest (hmac, digest, &digest_len);

  offset = digest[digest_len - 1] & 0x0f;
  binary = ((guint32) (digest[offset] & 0x7f) << 24)
         | ((guint32) digest[offset + 1] << 16)
         | ((guint32) digest[offset + 2] << 8)
         | (guint32) digest[offset + 3];
  explicit_bzero (digest, sizeof digest);

  for (guint i = 0; i < digits; i++)
    modulus *= 10;

  return (guint32) (binary % modulus);
}

gint64
vb_totp_step_for_time (gint64 unix_time)
{
  gint64 step = unix_time / VB_TOTP_PERIOD;

  /* C division truncates towards zero; TOTP wants the floor. */
  if (unix_time % VB_TOTP_PERIOD < 0)
    step--;
  return step;
}

static void
format_code (guint32 value,
             char    out[VB_TOTP_DIGITS + 1])
{
  g_snprintf (out, VB_TOTP_DIGITS + 1, "%0*u", VB_TOTP_DIGITS, value);
}

char *
vb_totp_code_for_step (const char *secret_b32,
                       gint64      step)
{
  g_autoptr(GBytes) key = NULL;
  const guint8 *key_data;
  gsize key_len;
  char code[VB_TOTP_DIGITS + 1];

  g_return_val_if_fail (secret_b32 != NULL, NULL);

  key = decode_key (secret_b32, NULL);
  if (key == NULL)
    return NULL;

  key_data = g_bytes_get_data (key, &key_len);
  format_code (vb_hotp (key_data, key_len, (guint64) step, VB_TOTP_DIGITS,
                        G_CHECKSUM_SHA1),
               code);
  return g_strdup (code);
}

/* Exactly VB_TOTP_DIGITS ASCII digits once whitespace is dropped. */
static gboolean
normalize_code (const char *code,
                char        out[VB_TOTP_DIGITS])
{
  gsize n = 0;

  if (code == NULL)
    return FALSE;
  for (const char *p = code; *p != '\0'; p++)
    {
      if (g_ascii_isspace (*p))
        continue;
      if (!g_ascii_isdigit (*p) || n == VB_TOTP_DIGITS)
        return FALSE;
      out[n++] = *p;
    }
  return n == VB_TOTP_DIGITS;
}

/* Constant time: the loop never exits early on a mismatch. */
static gboolean
digits_equal (const char *a,
              const char *b)
{
  guint8 diff = 0;

  for (gsize i = 0; i < VB_TOTP_DIGITS; i++)
    diff |= (guint8) (a[i] ^ b[i]);
  return diff == 0;
}

gboolean
vb_totp_verify (const char  *secret_b32,
                const char  *code,
                gint64       unix_time,
                gint64       last_used_step,
                gint64      *matched_step,
                GError     **error)
{
  g_autoptr(GBytes) key = NULL;
  const guint8 *key_data;
  gsize key_len;
  char digits[VB_TOTP_DIGITS];
  gint64 now_step;
  gint64 fresh_step = 0;
  gboolean fresh = FALSE;
  gboolean replayed = FALSE;

  g_return_val_if_fail (secret_b32 != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!normalize_code (code, digits))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE,
                   "Authentication codes have %d digits", VB_TOTP_DIGITS);
      return FALSE;
    }

  key = decode_key (secret_b32, error);
  if (key == NULL)
    return FALSE;
  key_data = g_bytes_get_data (key, &key_len);

  /* All three candidates are always computed and compared.  If more than one
   * matches (a one-in-a-million collision), the latest fresh step wins so the
   * stored last-used step moves as far forward as possible. */
  now_step = vb_totp_step_for_time (unix_time);
  for (gint64 delta = -1; delta <= 1; delta++)
    {
      gint64 step = now_step + delta;
      char expected[VB_TOTP_DIGITS + 1];

      format_code (vb_hotp (key_data, key_len, (guint64) step, VB_TOTP_DIGITS,
                            G_CHECKSUM_SHA1),
                   expected);
      if (digits_equal (digits, expected))
        {
          if (step > last_used_step)
            {
              fresh = TRUE;
              fresh_step = step;
            }
          else
            replayed = TRUE;
        }
      explicit_bzero (expected, sizeof expected);
    }

  if (fresh)
    {
      if (matched_step != NULL)
        *matched_step = fresh_step;
      return TRUE;
    }
  if (replayed)
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE,
                         "This code was already used");
  else
    g_set_error_literal (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE,
                         "Invalid authentication code");
  return FALSE;
}

char *
vb_totp_provisioning_uri (const char *secret_b32,
                          const char *account,
                          const char *issuer)
{
  g_autoptr(GBytes) key = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *esc_account = NULL;
  g_autofree char *esc_issuer = NULL;
  const guint8 *key_data;
  gsize key_len;

  g_return_val_if_fail (secret_b32 != NULL, NULL);
  g_return_val_if_fail (account != NULL, NULL);

  key = decode_key (secret_b32, NULL);
  if (key == NULL)
    return NULL;
  key_data = g_bytes_get_data (key, &key_len);
  secret = vb_base32_encode (key_data, key_len);

  /* No reserved characters allowed: '@', ':', ' ' etc. all become %XX
   * (spaces as %20, never '+', which Google's key URI format requires). */
  esc_account = g_uri_escape_string (account, NULL, FALSE);

  if (issuer == NULL || *issuer == '\0')
    return g_strdup_printf ("otpauth://totp/%s?secret=%s"
                            "&algorithm=SHA1&digits=%d&period=%d",
                            esc_account, secret,
                            VB_TOTP_DIGITS, VB_TOTP_PERIOD);

  esc_issuer = g_uri_escape_string (issuer, NULL, FALSE);
  return g_strdup_printf ("otpauth://totp/%s:%s?secret=%s&issuer=%s"
                          "&algorithm=SHA1&digits=%d&period=%d",
                          esc_issuer, esc_account, secret, esc_issuer,
                          VB_TOTP_DIGITS, VB_TOTP_PERIOD);
}
