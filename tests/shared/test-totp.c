/* test-totp.c — vb-totp against the RFC test vectors, plus verify semantics.
 *
 * The HOTP/TOTP vectors come straight from RFC 4226 Appendix D and RFC 6238
 * Appendix B; everything else pins down Voltbay's own rules (window of ±1
 * step, replay refusal, input normalisation, URI escaping).
 */
#include "vb-totp.h"
#include "vb-error.h"

#include <string.h>

/* RFC 4648 §10 plus base32 of the RFC 6238 ASCII secret, used below. */
#define RFC_SECRET_ASCII "12345678901234567890"
#define RFC_SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void
test_base32_vectors (void)
{
  static const struct
  {
    const char *plain;
    const char *encoded;
  } vectors[] = {
    { "", "" },
    { "f", "MY" },
    { "fo", "MZXQ" },
    { "foo", "MZXW6" },
    { "foob", "MZXW6YQ" },
    { "fooba", "MZXW6YTB" },
    { "foobar", "MZXW6YTBOI" },
    { RFC_SECRET_ASCII, RFC_SECRET_B32 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      g_autofree char *enc = vb_base32_encode ((const guint8 *) vectors[i].plain,
                                               strlen (vectors[i].plain));
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) dec = NULL;
      gsize len;
      const char *data;

      g_assert_cmpstr (enc, ==, vectors[i].encoded);
      dec = vb_base32_decode (vectors[i].encoded, &error);
      g_assert_no_error (error);
      data = g_bytes_get_data (dec, &len);
      g_assert_cmpmem (data, len, vectors[i].plain, strlen (vectors[i].plain));
    }
}

static void
test_base32_lenient (void)
{
  static const char *inputs[] = {
    "MZXW6YTBOI",
    "mzxw6ytboi",
    "MzXw 6yTb Oi",
    "MZXW6YTBOI======",
    " mzxw\t6ytb\noi= ",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) dec = vb_base32_decode (inputs[i], &error);
      gsize len;
      const char *data;

      g_assert_no_error (error);
      data = g_bytes_get_data (dec, &len);
      g_assert_cmpmem (data, len, "foobar", 6);
    }
}

static void
test_base32_invalid (void)
{
  static const char *inputs[] = {
    "MZXW1",        /* '1' is not in the alphabet */
    "MZXW0",
    "MZXW8",
    "MZ-XW",
    "M",            /* 1, 3 or 6 symbols cannot encode whole bytes */
    "MZX",
    "MZXW6Y",
    "MZ=XW",        /* data after padding */
    "MZXW\xc3\xa9",
  };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) dec = vb_base32_decode (inputs[i], &error);

      g_assert_null (dec);
      g_assert_error (error, VB_ERROR, VB_ERROR_VALIDATION);
      g_assert_cmpstr (vb_error_get_field (error), ==, "secret");
    }
}

static void
test_base32_round_trip (void)
{
  for (gsize len = 0; len <= 64; len++)
    {
      g_autofree guint8 *data = g_malloc (len + 1);
      g_autofree char *enc = NULL;
      g_autoptr(GBytes) dec = NULL;
      g_autoptr(GError) error = NULL;
      gsize out_len;
      const guint8 *out;

      for (gsize i = 0; i < len; i++)
        data[i] = (guint8) g_test_rand_int_range (0, 256);
      enc = vb_base32_encode (data, len);
      g_assert_cmpuint (strlen (enc), ==, (len * 8 + 4) / 5);
      g_assert_null (strchr (enc, '='));
      dec = vb_base32_decode (enc, &error);
      g_assert_no_error (error);
      out = g_bytes_get_data (dec, &out_len);
      g_assert_cmpmem (out, out_len, data, len);
    }
}

static void
test_hotp_rfc4226 (void)
{
  static const guint32 expected[] = {
    755224, 287082, 359152, 969429, 338314,
    254676, 287922, 162583, 399871, 520489,
  };

  for (guint64 counter = 0; counter < G_N_ELEMENTS (expected); counter++)
    g_assert_cmpuint (vb_hotp ((const guint8 *) RFC_SECRET_ASCII, 20, counter, 6,
                               G_CHECKSUM_SHA1),
                      ==, expected[counter]);
}

static void
test_totp_rfc6238 (void)
{
  static const guint8 key_sha1[] = RFC_SECRET_ASCII;
  static const guint8 key_sha256[] = "12345678901234567890123456789012";
  static const guint8 key_sha512[] =
    "1234567890123456789012345678901234567890123456789012345678901234";
  static const struct
  {
    gint64 time;
    gint64 step;
    const char *sha1;
    const char *sha256;
    const char *sha512;
  } vectors[] = {
    { 59,          0x1,        "94287082", "46119246", "90693936" },
    { 1111111109,  0x23523EC,  "07081804", "68084774", "25091201" },
    { 1111111111,  0x23523ED,  "14050471", "67062674", "99943326" },
    { 1234567890,  0x273EF07,  "89005924", "91819424", "93441116" },
    { 2000000000,  0x3F940AA,  "69279037", "90698825", "38618901" },
    { 20000000000, 0x27BC86AA, "65353130", "77737706", "47863826" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (vectors); i++)
    {
      gint64 step = vb_totp_step_for_time (vectors[i].time);
      char code[9];

      g_assert_cmpint (step, ==, vectors[i].step);

      g_snprintf (code, sizeof code, "%08u",
                  vb_hotp (key_sha1, 20, (guint64) step, 8, G_CHECKSUM_SHA1));
      g_assert_cmpstr (code, ==, vectors[i].sha1);
      g_snprintf (code, sizeof code, "%08u",
                  vb_hotp (key_sha256, 32, (guint64) step, 8, G_CHECKSUM_SHA256));
      g_assert_cmpstr (code, ==, vectors[i].sha256);
      g_snprintf (code, sizeof code, "%08u",
                  vb_hotp (key_sha512, 64, (guint64) step, 8, G_CHECKSUM_SHA512));
      g_assert_cmpstr (code, ==, vectors[i].sha512);
    }
}

static void
test_step_for_time (void)
{
  static const struct
  {
    gint64 time;
    gint64 step;
  } cases[] = {
    { 0, 0 }, { 29, 0 }, { 30, 1 }, { 59, 1 }, { 60, 2 },
    { -1, -1 }, { -30, -1 }, { -31, -2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (vb_totp_step_for_time (cases[i].time), ==, cases[i].step);
}

static void
test_code_for_step (void)
{
  g_autofree char *code = NULL;
  g_autofree char *spaced = NULL;

  /* RFC 6238's T=59 SHA-1 code is 94287082; six digits keep the last six. */
  code = vb_totp_code_for_step (RFC_SECRET_B32, 1);
  g_assert_cmpstr (code, ==, "287082");
  spaced = vb_totp_code_for_step ("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", 1);
  g_assert_cmpstr (spaced, ==, "287082");

  /* RFC 6238's T=1111111109 code is 07081804: six digits are "081804",
   * and the leading zero must survive. */
  {
    g_autofree char *padded = vb_totp_code_for_step (RFC_SECRET_B32, 0x23523EC);
    g_assert_cmpstr (padded, ==, "081804");
  }

  g_assert_null (vb_totp_code_for_step ("not base32!", 1));
  g_assert_null (vb_totp_code_for_step ("", 1));
}

static void
test_generate_secret (void)
{
  g_autofree char *a = vb_totp_generate_secret ();
  g_autofree char *b = vb_totp_generate_secret ();
  g_autoptr(GBytes) key = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (strlen (a), ==, 32);
  g_assert_cmpstr (a, !=, b);
  key = vb_base32_decode (a, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (key), ==, 20);
}

#define NOW G_GINT64_CONSTANT (1700000015)   /* mid-step */

static void
test_verify_window (void)
{
  gint64 now_step = vb_totp_step_for_time (NOW);

  for (gint64 delta = -2; delta <= 2; delta++)
    {
      g_autofree char *code = vb_totp_code_for_step (RFC_SECRET_B32, now_step + delta);
      g_autoptr(GError) error = NULL;
      gint64 matched = G_MININT64;
      gboolean ok;

      ok = vb_totp_verify (RFC_SECRET_B32, code, NOW, -1, &matched, &error);
      if (delta >= -1 && delta <= 1)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (matched, ==, now_step + delta);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE);
          g_assert_cmpstr (error->message, ==, "Invalid authentication code");
          g_assert_cmpint (matched, ==, G_MININT64);
        }
    }
}

static void
test_verify_replay (void)
{
  gint64 now_step = vb_totp_step_for_time (NOW);
  g_autofree char *current = vb_totp_code_for_step (RFC_SECRET_B32, now_step);
  g_autofree char *previous = vb_totp_code_for_step (RFC_SECRET_B32, now_step - 1);
  g_autofree char *next = vb_totp_code_for_step (RFC_SECRET_B32, now_step + 1);
  g_autoptr(GError) error = NULL;
  gint64 matched = 0;

  /* First use succeeds, and the step is what the caller stores. */
  g_assert_true (vb_totp_verify (RFC_SECRET_B32, current, NOW, -1, &matched, &error));
  g_assert_no_error (error);
  g_assert_cmpint (matched, ==, now_step);

  /* The same code again, and an older one, are replays. */
  g_assert_false (vb_totp_verify (RFC_SECRET_B32, current, NOW, matched, NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE);
  g_assert_cmpstr (error->message, ==, "This code was already used");
  g_clear_error (&error);

  g_assert_false (vb_totp_verify (RFC_SECRET_B32, previous, NOW, matched, NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE);
  g_assert_cmpstr (error->message, ==, "This code was already used");
  g_clear_error (&error);

  /* A later step is still fresh. */
  g_assert_true (vb_totp_verify (RFC_SECRET_B32, next, NOW, matched, &matched, &error));
  g_assert_no_error (error);
  g_assert_cmpint (matched, ==, now_step + 1);
}

static void
test_verify_malformed (void)
{
  gint64 now_step = vb_totp_step_for_time (NOW);
  g_autofree char *current = vb_totp_code_for_step (RFC_SECRET_B32, now_step);
  g_autofree char *spaced = g_strdup_printf (" %.3s %s ", current, current + 3);
  g_autofree char *seven = g_strdup_printf ("%s0", current);
  g_autofree char *five = g_strndup (current, 5);
  g_autofree char *dashed = g_strdup_printf ("%.3s-%s", current, current + 3);
  const char *malformed[] = {
    NULL, "", "      ", five, seven, dashed, "12a456", "+12345", "-12345",
    "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96",
  };
  g_autoptr(GError) error = NULL;

  g_assert_true (vb_totp_verify (RFC_SECRET_B32, spaced, NOW, -1, NULL, &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_assert_false (vb_totp_verify (RFC_SECRET_B32, malformed[i], NOW, -1, NULL, &error));
      g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_MFA_CODE);
      g_clear_error (&error);
    }

  /* A broken secret is reported as such, not as a wrong code. */
  g_assert_false (vb_totp_verify ("!!!", current, NOW, -1, NULL, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_VALIDATION);
  g_assert_cmpstr (vb_error_get_field (error), ==, "secret");
}

static void
test_provisioning_uri (void)
{
  g_autofree char *uri = vb_totp_provisioning_uri ("jbsw y3dp ehpk 3pxp",
                                                   "alice@example.com",
                                                   "Voltbay Test");
  g_autofree char *no_issuer = vb_totp_provisioning_uri ("JBSWY3DPEHPK3PXP",
                                                         "bob:x@example.com", NULL);
  g_autoptr(GUri) parsed = NULL;
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (uri, ==,
                   "otpauth://totp/Voltbay%20Test:alice%40example.com"
                   "?secret=JBSWY3DPEHPK3PXP&issuer=Voltbay%20Test"
                   "&algorithm=SHA1&digits=6&period=30");
  g_assert_cmpstr (no_issuer, ==,
                   "otpauth://totp/bob%3Ax%40example.com"
                   "?secret=JBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30");

  parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_uri_get_scheme (parsed), ==, "otpauth");
  g_assert_cmpstr (g_uri_get_host (parsed), ==, "totp");
  g_assert_cmpstr (g_uri_get_path (parsed), ==, "/Voltbay Test:alice@example.com");
  params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&", G_URI_PARAMS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (params, "issuer"), ==, "Voltbay Test");
  g_assert_cmpstr (g_hash_table_lookup (params, "secret"), ==, "JBSWY3DPEHPK3PXP");

  g_assert_null (vb_totp_provisioning_uri ("!!!", "alice@example.com", "Voltbay"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/totp/base32/vectors", test_base32_vectors);
  g_test_add_func ("/totp/base32/lenient", test_base32_lenient);
  g_test_add_func ("/totp/base32/invalid", test_base32_invalid);
  g_test_add_func ("/totp/base32/round-trip", test_base32_round_trip);
  g_test_add_func ("/totp/hotp/rfc4226", test_hotp_rfc4226);
  g_test_add_func ("/totp/rfc6238", test_totp_rfc6238);
  g_test_add_func ("/totp/step-for-time", test_step_for_time);
  g_test_add_func ("/totp/code-for-step", test_code_for_step);
  g_test_add_func ("/totp/generate-secret", test_generate_secret);
  g_test_add_func ("/totp/verify/window", test_verify_window);
  g_test_add_func ("/totp/verify/replay", test_verify_replay);
  g_test_add_func ("/totp/verify/malformed", test_verify_malformed);
  g_test_add_func ("/totp/provisioning-uri", test_provisioning_uri);

  return g_test_run ();
}
