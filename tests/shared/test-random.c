/* test-random.c — vb-random: token shape and uniqueness, SHA-256 vectors,
 * recovery code format and normalisation.
 *
 * Randomness cannot be tested for quality here; these tests catch the
 * mistakes that matter in practice: wrong length, wrong alphabet, padding
 * left in, a constant or repeating output.
 */
#include "vb-random.h"
#include "vb-error.h"

#include <string.h>

#define N_DRAWS 1000

static gboolean
is_base64url (const char *s)
{
  for (const char *p = s; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

static void
test_random_bytes (void)
{
  guint8 a[64] = { 0 };
  guint8 b[64] = { 0 };
  static const guint8 zero[64] = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_random_bytes (a, sizeof a, &error));
  g_assert_no_error (error);
  g_assert_true (vb_random_bytes (b, sizeof b, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (a, zero, sizeof a) != 0);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  g_assert_true (vb_random_bytes (NULL, 0, &error));
  g_assert_no_error (error);
}

static void
test_token_length (void)
{
  static const struct
  {
    gsize n_bytes;
    gsize n_chars;
  } cases[] = {
    { 0, 0 }, { 1, 2 }, { 2, 3 }, { 3, 4 }, { 16, 22 }, { 32, 43 }, { 33, 44 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *token = vb_random_token (cases[i].n_bytes);

      g_assert_cmpuint (strlen (token), ==, cases[i].n_chars);
      g_assert_true (is_base64url (token));
    }
}

static void
test_token_unique (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean saw_dash = FALSE, saw_underscore = FALSE;

  for (guint i = 0; i < N_DRAWS; i++)
    {
      char *token = vb_random_token (32);

      g_assert_cmpuint (strlen (token), ==, 43);
      g_assert_true (is_base64url (token));
      saw_dash |= strchr (token, '-') != NULL;
      saw_underscore |= strchr (token, '_') != NULL;
      g_assert_true (g_hash_table_add (seen, token));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, N_DRAWS);
  /* 43 000 symbols: '-' and '_' each missing has probability ~e^-670. */
  g_assert_true (saw_dash);
  g_assert_true (saw_underscore);
}

static void
test_sha256 (void)
{
  static const struct
  {
    const char *data;
    gssize len;
    const char *hex;
  } vectors[] = {
    { "abc", -1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "abcdef", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    { "", -1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
    { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", -1,
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *hex = vb_sha256_hex (vectors[i].data, vectors[i].len);

      g_assert_cmpstr (hex, ==, vectors[i].hex);
    }
}

static void
test_recovery_code_format (void)
{
  static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint counts[256] = { 0 };

  for (guint i = 0; i < N_DRAWS; i++)
    {
      char *code = vb_recovery_code_new ();
      g_autofree char *normalized = NULL;

      g_assert_cmpuint (strlen (code), ==, 11);
      g_assert_cmpint (code[5], ==, '-');
      for (guint j = 0; j < 11; j++)
        if (j != 5)
          {
            g_assert_nonnull (strchr (alphabet, code[j]));
            counts[(guchar) code[j]]++;
          }

      normalized = vb_recovery_code_normalize (code);
      g_assert_cmpuint (strlen (normalized), ==, 10);
      g_assert_true (strncmp (normalized, code, 5) == 0);
      g_assert_true (strncmp (normalized + 5, code + 6, 5) == 0);

      g_assert_true (g_hash_table_add (seen, code));
    }

  /* 10 000 symbols over 31: every one appears (expected ~322 each). */
  for (const char *p = alphabet; *p != '\0'; p++)
    g_assert_cmpuint (counts[(guchar) *p], >, 150);
}

static void
test_recovery_code_normalize (void)
{
  static const struct
  {
    const char *input;
    const char *expected;
  } cases[] = {
    { "ABCDE-FGHJK", "ABCDEFGHJK" },
    { "abcde-fghjk", "ABCDEFGHJK" },
    { " abcde fghjk ", "ABCDEFGHJK" },
    { "ab-cd-ef-gh-jk", "ABCDEFGHJK" },
    { "ABCDEFGHJK", "ABCDEFGHJK" },
    { "23456-789XY", "23456789XY" },
    { "ABCDE-FGHJ", NULL },         /* too short */
    { "ABCDE-FGHJKM", NULL },       /* too long */
    { "ABCDE-FGHJ0", NULL },        /* excluded: 0 O 1 I L */
    { "ABCDE-FGHJO", NULL },
    { "ABCDE-FGHJ1", NULL },
    { "ABCDE-FGHJI", NULL },
    { "ABCDE-FGHJL", NULL },
    { "abcde-fghjl", NULL },
    { "ABCDE_FGHJK", NULL },
    { "ABCDE-FGHJ\xc3\x84", NULL },
    { "", NULL },
    { "-----", NULL },
    { NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = vb_recovery_code_normalize (cases[i].input);

      g_assert_cmpstr (out, ==, cases[i].expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/random/bytes", test_random_bytes);
  g_test_add_func ("/random/token/length", test_token_length);
  g_test_add_func ("/random/token/unique", test_token_unique);
  g_test_add_func ("/random/sha256", test_sha256);
  g_test_add_func ("/random/recovery-code/format", test_recovery_code_format);
  g_test_add_func ("/random/recovery-code/normalize", test_recovery_code_normalize);

  return g_test_run ();
}
