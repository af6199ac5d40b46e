/* test-password.c — vb-password: argon2id parameters, verify, rehash
 * detection, the password policy and robustness against bad hashes.
 *
 * Each hash costs ~19 MiB and tens of milliseconds, so the tests share a
 * handful of hashes rather than making one per case.
 */
#include "vb-password.h"
#include "vb-error.h"

#include <string.h>
#include <sodium.h>

#define GOOD_PASSWORD "correct horse battery staple"

static void
test_hash_verify (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = vb_password_hash (GOOD_PASSWORD, &error);
  g_autofree char *again = NULL;
  g_autofree char *unicode = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (hash);
  g_assert_true (g_str_has_prefix (hash, "$argon2id$"));
  g_assert_true (g_str_has_prefix (hash, "$argon2id$v=19$m=19456,t=2,p=1$"));

  g_assert_true (vb_password_verify (hash, GOOD_PASSWORD));
  g_assert_false (vb_password_verify (hash, GOOD_PASSWORD " "));
  g_assert_false (vb_password_verify (hash, "Correct horse battery staple"));
  g_assert_false (vb_password_verify (hash, ""));
  g_assert_false (vb_password_verify (hash, NULL));

  /* Salted: the same password never hashes to the same string. */
  again = vb_password_hash (GOOD_PASSWORD, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hash, !=, again);
  g_assert_true (vb_password_verify (again, GOOD_PASSWORD));

  unicode = vb_password_hash ("pässwörd ünïcödé ✓", &error);
  g_assert_no_error (error);
  g_assert_true (vb_password_verify (unicode, "pässwörd ünïcödé ✓"));
  g_assert_false (vb_password_verify (unicode, "passwörd ünïcödé ✓"));
}

static void
test_needs_rehash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *fresh = vb_password_hash (GOOD_PASSWORD, &error);
  char weak[crypto_pwhash_STRBYTES];
  char argon2i[crypto_pwhash_STRBYTES];
  char stronger[crypto_pwhash_STRBYTES];

  g_assert_no_error (error);
  g_assert_cmpint (sodium_init (), >=, 0);
  g_assert_false (vb_password_needs_rehash (fresh));

  /* Smaller limits, same algorithm. */
  g_assert_cmpint (crypto_pwhash_str_alg (weak, GOOD_PASSWORD, strlen (GOOD_PASSWORD),
                                          crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                          crypto_pwhash_argon2id_MEMLIMIT_MIN,
                                          crypto_pwhash_ALG_ARGON2ID13), ==, 0);
  g_assert_true (vb_password_verify (weak, GOOD_PASSWORD));
  g_assert_true (vb_password_needs_rehash (weak));

  /* Different parameters either way are "not current". */
  g_assert_cmpint (crypto_pwhash_str_alg (stronger, GOOD_PASSWORD, strlen (GOOD_PASSWORD),
                                          3, 19 * 1024 * 1024,
                                          crypto_pwhash_ALG_ARGON2ID13), ==, 0);
  g_assert_true (vb_password_needs_rehash (stronger));

  /* Same limits but argon2i: verifies, yet should be upgraded. */
  g_assert_cmpint (crypto_pwhash_str_alg (argon2i, GOOD_PASSWORD, strlen (GOOD_PASSWORD),
                                          3, 19 * 1024 * 1024,
                                          crypto_pwhash_ALG_ARGON2I13), ==, 0);
  g_assert_true (vb_password_verify (argon2i, GOOD_PASSWORD));
  g_assert_true (vb_password_needs_rehash (argon2i));

  g_assert_true (vb_password_needs_rehash (NULL));
  g_assert_true (vb_password_needs_rehash (""));
  g_assert_true (vb_password_needs_rehash ("$argon2id$garbage"));
}

static void
test_garbage_hash (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *real = vb_password_hash (GOOD_PASSWORD, &error);
  g_autofree char *truncated = NULL;
  g_autofree char *overlong = NULL;
  g_autofree char *tampered = NULL;
  const char *garbage[] = {
    NULL,
    "",
    "garbage",
    "$argon2id$",
    "$argon2id$v=19$m=19456,t=2,p=1$",
    "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB",
    "$argon2id$v=19$m=-1,t=2,p=1$KajnRDEOlAY8PznXY+hyFw$aIT7mLfkSMg3QDsdeVI7wSqDkqBRUgdYKcevP7tAy8U",
    "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    "$argon2id$v=19$m=19456,t=2,p=1$\xff\xfe$\xff",
    NULL, NULL, NULL,
  };

  g_assert_no_error (error);
  truncated = g_strndup (real, strlen (real) - 5);
  overlong = g_strnfill (4096, 'A');
  memcpy (overlong, real, strlen (real));
  tampered = g_strdup (real);
  tampered[strlen (tampered) - 2] = tampered[strlen (tampered) - 2] == 'A' ? 'B' : 'A';
  garbage[G_N_ELEMENTS (garbage) - 3] = truncated;
  garbage[G_N_ELEMENTS (garbage) - 2] = overlong;
  garbage[G_N_ELEMENTS (garbage) - 1] = tampered;

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    {
      g_assert_false (vb_password_verify (garbage[i], GOOD_PASSWORD));
      /* A truncated or tampered hash may still parse: only verify must fail. */
      g_assert_true (vb_password_needs_rehash (garbage[i]) || garbage[i] == tampered
                     || garbage[i] == truncated);
    }
}

static void
test_policy (void)
{
  g_autofree char *max_ok = g_strnfill (255, 'a');
  g_autofree char *max_ok_full = g_strconcat (max_ok, "b", NULL);         /* 256 */
  g_autofree char *too_long = g_strconcat (max_ok_full, "c", NULL);       /* 257 */
  g_autofree char *huge = g_strnfill (100000, 'x');
  const struct
  {
    const char *password;
    const char *email;
    gboolean ok;
  } cases[] = {
    { GOOD_PASSWORD, "alice@example.com", TRUE },
    { "abcdefghijkl", "alice@example.com", TRUE },                 /* exactly 12 */
    { "abcdefghijk", "alice@example.com", FALSE },                 /* 11 */
    { "short", NULL, FALSE },
    { "", NULL, FALSE },
    { NULL, NULL, FALSE },
    /* 12 characters in 24 bytes passes; 11 in 22 bytes does not. */
    { "äöüßäöüßäöüß", NULL, TRUE },
    { "äöüßäöüßäöü", NULL, FALSE },
    { max_ok_full, NULL, TRUE },
    { too_long, NULL, FALSE },
    { huge, NULL, FALSE },
    { "alice.long@example.com", "alice.long@example.com", FALSE },
    { "Alice.Long@Example.COM", "alice.long@example.com", FALSE },
    { "alice.long@example.com", "ALICE.LONG@EXAMPLE.COM", FALSE },
    { "alice.long@example.com1", "alice.long@example.com", TRUE },
    { "alice.long@example.com", NULL, TRUE },
    { "alice.long@example.com", "bad\xff" "email", TRUE },
    { "aaaaaaaaaaaaaaaa", NULL, FALSE },
    { "ßßßßßßßßßßßßßß", NULL, FALSE },
    { "            ", NULL, FALSE },
    { "aaaaaaaaaaaaaaab", NULL, TRUE },
    { "not valid utf8 \xff\xfe here", NULL, FALSE },
    { "overlong \xc0\xaf encoding!", NULL, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean ok = vb_password_check_policy (cases[i].password, cases[i].email,
                                              "new_password", &error);

      if (g_test_verbose ())
        g_test_message ("case %u: %s", i, error ? error->message : "ok");
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, VB_ERROR, VB_ERROR_VALIDATION);
          g_assert_cmpstr (vb_error_get_field (error), ==, "new_password");
        }
    }

  /* A NULL GError** is allowed. */
  g_assert_false (vb_password_check_policy ("short", NULL, "password", NULL));
}


int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/password/hash-verify", test_hash_verify);
  g_test_add_func ("/password/needs-rehash", test_needs_rehash);
  g_test_add_func ("/password/garbage-hash", test_garbage_hash);
  g_test_add_func ("/password/policy", test_policy);

  return g_test_run ();
}
