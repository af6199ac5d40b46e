/* test-vin.c — VIN check digit (49 CFR 565.15) and validation rules. */
#include "vb-vin.h"
#include "vb-error.h"

static void
test_check_digit (void)
{
  g_assert_cmpint (vb_vin_compute_check_digit ("1HGCM82633A004352"), ==, '3');
  g_assert_cmpint (vb_vin_compute_check_digit ("11111111111111111"), ==, '1');
  g_assert_cmpint (vb_vin_compute_check_digit ("1M8GDM9AXKP042788"), ==, 'X');
  g_assert_cmpint (vb_vin_compute_check_digit ("5YJ3E1EA7KF317000"), ==, '2');
  g_assert_cmpint (vb_vin_compute_check_digit ("short"), ==, '\0');
  g_assert_cmpint (vb_vin_compute_check_digit ("1HGCM82633A00435I"), ==, '\0');
}

static void
test_valid (void)
{
  static const char *valid[] = {
    "1HGCM82633A004352", "11111111111111111", "1M8GDM9AXKP042788", "5YJ3E1EA2KF317000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean warning = TRUE;
      g_autofree char *vin = vb_vin_validate (valid[i], "vin", &warning, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (vin, ==, valid[i]);
      g_assert_false (warning);
    }

  /* Lower case and surrounding blanks are normalized. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *vin = vb_vin_validate (" 1hgcm82633a004352 ", "vin", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (vin, ==, "1HGCM82633A004352");
  }
}

static void
test_invalid (void)
{
  static const char *invalid[] = {
    "1HGCM82634A004352",    /* wrong check digit, North American */
    "5YJ3E1EA7KF317000",    /* the often-quoted Tesla example: its digit should be 2 */
    "1HGCM82633A00435",     /* 16 characters */
    "1HGCM82633A0043521",   /* 18 characters */
    "",
    "1HGCM8263IA004352",    /* I */
    "WVWZZZ1OZ5W000001",    /* O */
    "WVWZZZ1QZ5W000001",    /* Q */
    "1HGCM82633A00435-",
  };

  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *vin = vb_vin_validate (invalid[i], "vin", NULL, &error);

      g_test_message ("case %u: %s", i, invalid[i]);
      g_assert_null (vin);
      g_assert_error (error, VB_ERROR, VB_ERROR_VALIDATION);
      g_assert_cmpstr (vb_error_get_field (error), ==, "vin");
    }
}

static void
test_outside_north_america (void)
{
  /* European and Asian VINs need not carry a valid check digit: accepted
   * with a warning; a correct one gives none. */
  static const char *warned[] = { "WVWZZZ1KZ5W000001", "KMHK281EGMU000002", "LRW3E7EK0NC000003" };

  for (guint i = 0; i < G_N_ELEMENTS (warned); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean warning = FALSE;
      g_autofree char *vin = vb_vin_validate (warned[i], "vin", &warning, &error);
      char digit = vb_vin_compute_check_digit (warned[i]);

      g_assert_no_error (error);
      g_assert_cmpstr (vin, ==, warned[i]);
      g_assert_cmpint (warned[i][8] == digit, ==, !warning);
    }

  {
    char vin[] = "WVWZZZ1KZ5W000001";
    g_autoptr(GError) error = NULL;
    gboolean warning = TRUE;
    g_autofree char *normalized = NULL;

    vin[8] = vb_vin_compute_check_digit (vin);
    normalized = vb_vin_validate (vin, "vin", &warning, &error);
    g_assert_no_error (error);
    g_assert_false (warning);
  }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/vin/check-digit", test_check_digit);
  g_test_add_func ("/vin/valid", test_valid);
  g_test_add_func ("/vin/invalid", test_invalid);
  g_test_add_func ("/vin/outside-north-america", test_outside_north_america);
  return g_test_run ();
}
