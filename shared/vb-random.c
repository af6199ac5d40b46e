/* vb-random.c — getrandom(2)-backed tokens, SHA-256 and recovery codes.
 *
 * The kernel RNG is the only source: it is seeded, fork-safe and needs no
 * file descriptor.  Tokens are base64url so they survive URLs, headers and
 * JSON unescaped; recovery codes use an alphabet without look-alikes and
 * rejection sampling so every character is equally likely.
 */
#include "vb-random.h"
#include "vb-error.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* 31 symbols: digits 2–9 and A–Z without I, L and O. */
static const char recovery_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
#define RECOVERY_ALPHABET_LEN (sizeof recovery_alphabet - 1)

gboolean
vb_random_bytes (guint8  *buf,
                 gsize    len,
                 GError **error)
{
  gsize done = 0;

  g_return_val_if_fail (buf != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  while (done < len)
    {
      ssize_t r = getrandom (buf + done, len - done, 0);

      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          int saved_errno = r < 0 ? errno : EIO;

          g_set_error (error, VB_ERROR, VB_ERROR_INTERNAL,
                       "Could not read random bytes: %s",
                       g_strerror (saved_errno));
          return FALSE;
        }
      done += (gsize) r;
    }
  return TRUE;
}

static void
random_bytes_or_abort (guint8 *buf,
                       gsize   len)
{
  g_autoptr(GError) error = NULL;

  if (!vb_random_bytes (buf, len, &error))
    g_error ("%s", error->message);
}

char *
vb_random_token (gsize n_bytes)
{
  g_autofree guint8 *raw = g_malloc (MAX (n_bytes, 1));
  char *token;

  random_bytes_or_abort (raw, n_bytes);
  token = g_base64_encode (raw, n_bytes);
  explicit_bzero (raw, n_bytes);

  /* base64 → base64url in place, cutting the padding off. */
  for (char *p = token; *p != '\0'; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
      else if (*p == '=')
        {
          *p = '\0';
          break;
        }
    }
  return token;
}

char *
vb_sha256_hex (const char *data,
               gssize      len)
{
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, data ? data : "", len);
}

char *
vb_recovery_code_new (void)
{
  /* 256 - 256 % 31: bytes at or above this would favour the first symbols. */
  const guint limit = 256 - 256 % RECOVERY_ALPHABET_LEN;
  char chars[VB_RECOVERY_CODE_LENGTH];
  guint8 pool[32];
  gsize pool_pos = sizeof pool;
  gsize n = 0;
  char *code;

  while (n < VB_RECOVERY_CODE_LENGTH)
    {
      guint8 byte;

      if (pool_pos == sizeof pool)
        {
          random_bytes_or_abort (pool, sizeof pool);
          pool_pos = 0;
        }
      byte = pool[pool_pos++];
      if (byte < limit)
        chars[n++] = recovery_alphabet[byte % RECOVERY_ALPHABET_LEN];
    }

  code = g_strdup_printf ("%.*s-%.*s",
                          VB_RECOVERY_CODE_LENGTH / 2, chars,
                          VB_RECOVERY_CODE_LENGTH / 2, chars + VB_RECOVERY_CODE_LENGTH / 2);
  explicit_bzero (pool, sizeof pool);
  explicit_bzero (chars, sizeof chars);
  return code;
}

char *
vb_recovery_code_normalize (const char *input)
{
  char out[VB_RECOVERY_CODE_LENGTH + 1];
  gsize n = 0;

  if (input == NULL)
    return NULL;

  for (const char *p = input; *p != '\0'; p++)
    {
      char c;

      if (*p == '-' || g_ascii_isspace (*p))
        continue;
      c = g_ascii_toupper (*p);
      if (strchr (recovery_alphabet, c) == NULL || n == VB_RECOVERY_CODE_LENGTH)
        return NULL;
      out[n++] = c;
    }
  if (n != VB_RECOVERY_CODE_LENGTH)
    return NULL;
  out[n] = '\0';
  return g_strdup (out);
}
