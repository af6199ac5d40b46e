/* vb-vin.h — vehicle identification numbers (ISO 3779, 49 CFR 565.15). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The check digit ('0'..'9' or 'X') a 17-character VIN should carry in
 * position 9, or '\0' if vin is not 17 characters of the VIN alphabet. */
char      vb_vin_compute_check_digit (const char  *vin);

/* Normalizes (trims, uppercases) and validates a VIN.  Errors are 422s
 * naming field: wrong length, a character outside A-Z/0-9, I, O or Q, and a
 * wrong check digit when the VIN is North American (first character 1-5).
 * Elsewhere a wrong check digit is accepted and *check_digit_warning set.
 * Returns the normalized VIN (free with g_free) or NULL. */
char     *vb_vin_validate            (const char  *vin,
                                      const char  *field,
                                      gboolean    *check_digit_warning,
                                      GError     **error);

G_END_DECLS
