/* vb-document-format.c — money, numbers and dates for documents.
 *
 * The server writes documents for many customers at once, each in its own
 * language, so nothing here looks at the process locale (printf's %'d or
 * strftime would).  Amounts are integer minor units; the exponent comes from
 * the currency, never from a float. */
#include "vb-document-format.h"

#include <stdio.h>
#include <string.h>

guint
vb_format_currency_exponent (const char *currency)
{
  static const char *const zero[] = {
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
    "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
  };
  static const char *const three[] = { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND" };

  if (currency == NULL)
    return 2;
  for (guint i = 0; i < G_N_ELEMENTS (zero); i++)
    if (g_str_equal (currency, zero[i]))
      return 0;
  for (guint i = 0; i < G_N_ELEMENTS (three); i++)
    if (g_str_equal (currency, three[i]))
      return 3;
  return 2;
}

static gboolean
is_vi (const char *language)
{
  return language != NULL && g_str_equal (language, "vi");
}

/* Appends the decimal digits of magnitude grouped by three with sep. */
static void
append_grouped (GString    *out,
                guint64     magnitude,
                const char *sep)
{
  char digits[32];
  gsize n;

  g_snprintf (digits, sizeof digits, "%" G_GUINT64_FORMAT, magnitude);
  n = strlen (digits);
  for (gsize i = 0; i < n; i++)
    {
      if (i > 0 && (n - i) % 3 == 0)
        g_string_append (out, sep);
      g_string_append_c (out, digits[i]);
    }
}

char *
vb_format_integer (gint64      value,
                   const char *language)
{
  GString *out = g_string_new (NULL);

  if (value < 0)
    g_string_append_c (out, '-');
  append_grouped (out, value < 0 ? (guint64) 0 - (guint64) value : (guint64) value,
                  is_vi (language) ? "." : ",");
  return g_string_free (out, FALSE);
}

char *
vb_format_money (gint64      amount,
                 const char *currency,
                 const char *language)
{
  guint exponent = vb_format_currency_exponent (currency);
  guint64 magnitude = amount < 0 ? (guint64) 0 - (guint64) amount : (guint64) amount;
  guint64 scale = 1;
  GString *out = g_string_new (NULL);
  gboolean vi = is_vi (language);

  for (guint i = 0; i < exponent; i++)
    scale *= 10;
  if (currency == NULL)
    currency = "";

  if (!vi && *currency != '\0')
    g_string_append_printf (out, "%s ", currency);
  if (amount < 0)
    g_string_append_c (out, '-');
  append_grouped (out, magnitude / scale, vi ? "." : ",");
  if (exponent > 0)
    g_string_append_printf (out, "%s%0*" G_GUINT64_FORMAT, vi ? "," : ".",
                            (int) exponent, magnitude % scale);
  if (vi && *currency != '\0')
    g_string_append_printf (out, " %s", g_str_equal (currency, "VND") ? "₫" : currency);
  return g_string_free (out, FALSE);
}

char *
vb_format_decimal (const char *text,
                   const char *language)
{
  const char *p = text, *dot;
  GString *out;
  guint64 whole = 0;

  if (text == NULL)
    return g_strdup ("");
  if (*p == '-' || *p == '+')
    p++;
  if (!g_ascii_isdigit (*p))
    return g_strdup (text);
  for (dot = p; g_ascii_isdigit (*dot); dot++)
    {
      if (whole > G_MAXUINT64 / 100)
        return g_strdup (text);
      whole = whole * 10 + (guint64) (*dot - '0');
    }
  if (*dot != '\0' && *dot != '.')
    return g_strdup (text);
  for (const char *q = *dot == '.' ? dot + 1 : dot; *q != '\0'; q++)
    if (!g_ascii_isdigit (*q))
      return g_strdup (text);

  out = g_string_new (*text == '-' ? "-" : NULL);
  append_grouped (out, whole, is_vi (language) ? "." : ",");
  if (*dot == '.' && dot[1] != '\0')
    {
      g_string_append (out, is_vi (language) ? "," : ".");
      g_string_append (out, dot + 1);
    }
  return g_string_free (out, FALSE);
}

char *
vb_format_date (const char *iso,
                const char *language)
{
  static const char *const months[] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  };
  guint y, m, d;
  char tail;

  if (iso == NULL)
    return g_strdup ("");
  if (strlen (iso) < 10 || sscanf (iso, "%4u-%2u-%2u", &y, &m, &d) != 3
      || !g_date_valid_dmy ((GDateDay) d, (GDateMonth) m, (GDateYear) y))
    return g_strdup (iso);
  tail = iso[10];
  if (tail != '\0' && tail != 'T' && tail != ' ')
    return g_strdup (iso);
  if (is_vi (language))
    return g_strdup_printf ("%02u/%02u/%04u", d, m, y);
  return g_strdup_printf ("%u %s %04u", d, months[m - 1], y);
}
