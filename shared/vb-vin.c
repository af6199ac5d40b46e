/* vb-vin.c — VIN validation with the 49 CFR 565.15 check digit.
 *
 * Letters transliterate A-H = 1-8, J-N = 1-5, P = 7, R = 9, S-Z = 2-9
 * (I, O and Q never appear); positions are weighted
 * 8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2; the sum mod 11 is the check digit,
 * 10 written as 'X'.
 */
#include "vb-vin.h"
#include "vb-error.h"

#include <string.h>

#define VIN_LENGTH 17

static const int weights[VIN_LENGTH] = { 8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2 };

/* -1 for a character a VIN cannot hold. */
static int
transliterate (char c)
{
  static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
  static const int values[] = { 1, 2, 3, 4, 5, 6, 7, 8,   /* A-H */
                                1, 2, 3, 4, 5,            /* J-N */
                                7, 9,                     /* P, R */
                                2, 3, 4, 5, 6, 7, 8, 9 }; /* S-Z */
  const char *p;

  if (c >= '0' && c <= '9')
    return c - '0';
  if (c == '\0' || (p = strchr (letters, c)) == NULL)
    return -1;
  return values[p - letters];
}

char
vb_vin_compute_check_digit (const char *vin)
{
  int sum = 0;

  if (vin == NULL || strlen (vin) != VIN_LENGTH)
    return '\0';
  for (int i = 0; i < VIN_LENGTH; i++)
    {
      int value = transliterate (vin[i]);
      if (value < 0)
        return '\0';
      sum += value * weights[i];
    }
  sum %= 11;
  return sum == 10 ? 'X' : (char) ('0' + sum);
}

char *
vb_vin_validate (const char  *vin,
                 const char  *field,
                 gboolean    *check_digit_warning,
                 GError     **error)
{
  g_autofree char *stripped = NULL;
  g_autofree char *upper = NULL;
  char expected;

  g_return_val_if_fail (vin != NULL, NULL);
  if (check_digit_warning != NULL)
    *check_digit_warning = FALSE;

  stripped = g_strstrip (g_strdup (vin));
  upper = g_ascii_strup (stripped, -1);
  if (strlen (upper) != VIN_LENGTH)
    {
      vb_set_validation_error (error, field, "%s must be 17 characters", field);
      return NULL;
    }
  for (int i = 0; i < VIN_LENGTH; i++)
    if (transliterate (upper[i]) < 0)
      {
        vb_set_validation_error (error, field,
                                 "%s may hold only digits and the letters A-Z except I, O and Q",
                                 field);
        return NULL;
      }

  expected = vb_vin_compute_check_digit (upper);
  if (upper[8] != expected)
    {
      if (upper[0] >= '1' && upper[0] <= '5')
        {
          vb_set_validation_error (error, field,
                                   "%s check digit (position 9) should be %c", field, expected);
          return NULL;
        }
      if (check_digit_warning != NULL)
        *check_digit_warning = TRUE;
    }
  return g_steal_pointer (&upper);
}
