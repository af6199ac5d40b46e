/* vb-password.c — argon2id via libsodium, with OWASP's minimum parameters.
 *
 * m = 19 MiB, t = 2, p = 1 (libsodium always uses one lane) costs a few tens
 * of milliseconds per login: enough to make offline guessing expensive and
 * cheap enough for a server.  needs_rehash compares against the very same
 * constants, so raising them upgrades hashes as users log in.  The dummy
 * verify exists so a login for an unknown e-mail does the same work as one
 * with a wrong password.
 */
#include "vb-password.h"
#include "vb-error.h"

#include <string.h>
#include <sodium.h>

#define VB_PASSWORD_OPSLIMIT 2ULL
#define VB_PASSWORD_MEMLIMIT ((size_t) 19 * 1024 * 1024)

/* A hash of a throwaway string made with the parameters above; if they
 * change, vb_password_dummy_hash() notices and makes a fresh one. */
#define VB_PASSWORD_DUMMY_HASH \
  "$argon2id$v=19$m=19456,t=2,p=1$KajnRDEOlAY8PznXY+hyFw$aIT7mLfkSMg3QDsdeVI7wSqDkqBRUgdYKcevP7tAy8U"

static void
vb_password_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      if (sodium_init () < 0)
        g_error ("libsodium could not be initialised");
      g_once_init_leave (&initialized, 1);
    }
}

/* A PHC string always fits in crypto_pwhash_STRBYTES with its NUL; anything
 * longer is garbage and is rejected before libsodium parses it. */
static gboolean
hash_length_ok (const char *hash)
{
  return hash != NULL && strnlen (hash, crypto_pwhash_STRBYTES) < crypto_pwhash_STRBYTES;
}

char *
vb_password_hash (const char  *password,
                  GError     **error)
{
  char out[crypto_pwhash_STRBYTES];

  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  vb_password_init ();
  if (crypto_pwhash_str_alg (out, password, strlen (password),
                             VB_PASSWORD_OPSLIMIT, VB_PASSWORD_MEMLIMIT,
                             crypto_pwhash_ALG_ARGON2ID13) != 0)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_INTERNAL,
                           "Out of memory while hashing the password");
      return NULL;
    }
  return g_strdup (out);
}

gboolean
vb_password_verify (const char *hash,
                    const char *password)
{
  if (password == NULL || !hash_length_ok (hash))
    return FALSE;

  vb_password_init ();
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

gboolean
vb_password_needs_rehash (const char *hash)
{
  if (!hash_length_ok (hash)
      || !g_str_has_prefix (hash, crypto_pwhash_argon2id_STRPREFIX))
    return TRUE;

  vb_password_init ();
  /* 0: current; 1: other parameters; -1: unparsable.  The generic
   * crypto_pwhash_str_needs_rehash() would accept argon2i as current. */
  return crypto_pwhash_argon2id_str_needs_rehash (hash, VB_PASSWORD_OPSLIMIT,
                                                  VB_PASSWORD_MEMLIMIT) != 0;
}

/* Case-folded and NFKC-normalised, for "is the password the e-mail?". */
static char *
fold_for_comparison (const char *text)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);

  return g_utf8_normalize (folded, -1, G_NORMALIZE_ALL);
}

gboolean
vb_password_check_policy (const char  *password,
                          const char  *email,
                          const char  *field,
                          GError     **error)
{
  glong n_chars;
  gunichar first;
  gboolean all_same = TRUE;

  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (password == NULL || *password == '\0')
    {
      vb_set_validation_error (error, field, "A password is required");
      return FALSE;
    }
  /* Four bytes per character at most: longer can only be too long. */
  if (strnlen (password, VB_PASSWORD_MAX_CHARS * 4 + 1) > VB_PASSWORD_MAX_CHARS * 4)
    {
      vb_set_validation_error (error, field,
                               "The password must be at most %d characters long",
                               VB_PASSWORD_MAX_CHARS);
      return FALSE;
    }
  if (!g_utf8_validate (password, -1, NULL))
    {
      vb_set_validation_error (error, field, "The password is not valid UTF-8 text");
      return FALSE;
    }

  n_chars = g_utf8_strlen (password, -1);
  if (n_chars < VB_PASSWORD_MIN_CHARS)
    {
      vb_set_validation_error (error, field,
                               "The password must be at least %d characters long",
                               VB_PASSWORD_MIN_CHARS);
      return FALSE;
    }
  if (n_chars > VB_PASSWORD_MAX_CHARS)
    {
      vb_set_validation_error (error, field,
                               "The password must be at most %d characters long",
                               VB_PASSWORD_MAX_CHARS);
      return FALSE;
    }

  if (email != NULL && *email != '\0' && g_utf8_validate (email, -1, NULL))
    {
      g_autofree char *folded_password = fold_for_comparison (password);
      g_autofree char *folded_email = fold_for_comparison (email);

      if (g_strcmp0 (folded_password, folded_email) == 0)
        {
          vb_set_validation_error (error, field,
                                   "The password must not be your e-mail address");
          return FALSE;
        }
    }

  first = g_utf8_get_char (password);
  for (const char *p = g_utf8_next_char (password); *p != '\0'; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) != first)
      {
        all_same = FALSE;
        break;
      }
  if (all_same)
    {
      vb_set_validation_error (error, field,
                               "The password must not be one character repeated");
      return FALSE;
    }

  return TRUE;
}

static const char *
vb_password_dummy_hash (void)
{
  static const char *dummy = NULL;

  if (g_once_init_enter (&dummy))
    {
      const char *hash = VB_PASSWORD_DUMMY_HASH;

      if (vb_password_needs_rehash (hash))
        {
          /* Parameters changed since the constant was made: the dummy must
           * cost what a real verify costs, so make one (kept for good). */
          g_autoptr(GError) error = NULL;

          hash = vb_password_hash ("voltbay timing dummy", &error);
          if (hash == NULL)
            {
              g_warning ("Could not create the dummy password hash: %s", error->message);
              hash = VB_PASSWORD_DUMMY_HASH;
            }
        }
      g_once_init_leave (&dummy, hash);
    }
  return dummy;
}

void
vb_password_verify_dummy (const char *password)
{
  const char *dummy;
  int result G_GNUC_UNUSED;

  vb_password_init ();
  dummy = vb_password_dummy_hash ();
  if (password == NULL)
    password = "";
  /* Only the work matters; the outcome is meaningless and discarded. */
  result = crypto_pwhash_str_verify (dummy, password, strlen (password));
}
