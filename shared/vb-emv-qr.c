/* vb-emv-qr.c — EMVCo merchant-presented QR payloads (see vb-emv-qr.h).
 *
 * Built as a string of ID(2) LEN(2) VALUE data objects in tag order; the
 * CRC (tag 63) covers everything before it including "6304".  Values are
 * the EMV "ans" alphabet (printable ASCII), so free text is transliterated
 * first; lengths are counted in bytes, which equal characters then.
 */
#include "vb-emv-qr.h"
#include "vb-error.h"

#include <string.h>

typedef struct
{
  const char *alpha;
  const char *numeric;
  guint       decimals;
} Currency;

static const Currency currencies[] = {
  { "VND", "704", 0 }, { "USD", "840", 2 }, { "EUR", "978", 2 }, { "GBP", "826", 2 },
  { "JPY", "392", 0 }, { "KRW", "410", 0 }, { "CNY", "156", 2 }, { "SGD", "702", 2 },
  { "THB", "764", 2 }, { "MYR", "458", 2 }, { "IDR", "360", 2 }, { "PHP", "608", 2 },
  { "KHR", "116", 2 }, { "LAK", "418", 2 }, { "AUD", "036", 2 }, { "CHF", "756", 2 },
};

gboolean
vb_emv_qr_currency (const char  *alpha,
                    const char **numeric,
                    guint       *decimals)
{
  for (guint i = 0; alpha != NULL && i < G_N_ELEMENTS (currencies); i++)
    if (g_str_equal (currencies[i].alpha, alpha))
      {
        if (numeric != NULL)
          *numeric = currencies[i].numeric;
        if (decimals != NULL)
          *decimals = currencies[i].decimals;
        return TRUE;
      }
  return FALSE;
}

guint16
vb_emv_qr_crc16 (const char *data,
                 gsize       len)
{
  guint16 crc = 0xFFFF;

  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint16) ((guint8) data[i] << 8);
      for (int bit = 0; bit < 8; bit++)
        crc = (crc & 0x8000) ? (guint16) ((crc << 1) ^ 0x1021) : (guint16) (crc << 1);
    }
  return crc;
}

char *
vb_emv_qr_format_amount (gint64 amount,
                         guint  decimals)
{
  gint64 scale = 1;

  if (decimals == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT, amount);
  for (guint i = 0; i < decimals; i++)
    scale *= 10;
  return g_strdup_printf ("%" G_GINT64_FORMAT ".%0*" G_GINT64_FORMAT,
                          amount / scale, (int) decimals, amount % scale);
}

/* Printable ASCII only: transliterated, anything else dropped, cut to max. */
static char *
ans_text (const char *text,
          gsize       max)
{
  g_autoptr(GString) plain = g_string_new (text);
  g_autofree char *ascii = NULL;
  GString *out = g_string_new (NULL);

  /* Vietnamese đ/Đ are letters of their own, not d with a mark, so
   * Unicode decomposition (g_str_to_ascii) does not reach them. */
  g_string_replace (plain, "đ", "d", 0);
  g_string_replace (plain, "Đ", "D", 0);
  ascii = g_str_to_ascii (plain->str, "C");

  for (const char *p = ascii; *p != '\0' && out->len < max; p++)
    if (*p >= 0x20 && *p <= 0x7E && *p != '?')
      g_string_append_c (out, *p);
  /* A trailing space would be invisible on the payer's screen. */
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

static gboolean
all_digits (const char *text)
{
  if (text == NULL || *text == '\0')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static gboolean
put (GString     *out,
     const char  *id,
     const char  *value,
     const char  *field,
     GError     **error)
{
  gsize len = strlen (value);

  if (len == 0 || len > 99)
    {
      vb_set_validation_error (error, field, "%s must be 1 to 99 characters in an EMV QR code", field);
      return FALSE;
    }
  g_string_append_printf (out, "%s%02u%s", id, (guint) len, value);
  return TRUE;
}

char *
vb_emv_qr_payload (const VbEmvQr  *qr,
                   GError        **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) account = g_string_new (NULL);
  g_autoptr(GString) bank = g_string_new (NULL);
  g_autoptr(GString) extra = g_string_new (NULL);
  const char *numeric = NULL;
  guint decimals = 0;

  if (qr->guid == NULL || *qr->guid == '\0')
    return vb_set_validation_error (error, "guid", "The merchant account GUID is required"), NULL;
  if (!all_digits (qr->bank_bin))
    return vb_set_validation_error (error, "bank_bin", "The bank BIN must be digits"), NULL;
  if (qr->account == NULL || *qr->account == '\0' || strlen (qr->account) > 19
      || !g_str_is_ascii (qr->account))
    return vb_set_validation_error (error, "account", "The account number must be 1 to 19 ASCII characters"), NULL;
  if (!vb_emv_qr_currency (qr->currency, &numeric, &decimals))
    return vb_set_validation_error (error, "currency", "Unknown currency %s", qr->currency ? qr->currency : "(none)"), NULL;
  if (qr->country == NULL || strlen (qr->country) != 2)
    return vb_set_validation_error (error, "country", "The country is an ISO 3166 alpha-2 code"), NULL;
  if (qr->merchant_category != NULL && (!all_digits (qr->merchant_category) || strlen (qr->merchant_category) != 4))
    return vb_set_validation_error (error, "merchant_category", "The merchant category code is 4 digits"), NULL;

  /* 38: the merchant account template (VietQR). */
  if (!put (bank, "00", qr->bank_bin, "bank_bin", error)
      || !put (bank, "01", qr->account, "account", error)
      || !put (account, "00", qr->guid, "guid", error)
      || !put (account, "01", bank->str, "account", error)
      || (qr->service_code != NULL && !put (account, "02", qr->service_code, "service_code", error)))
    return NULL;

  g_string_append (out, "000201");
  g_string_append (out, qr->amount >= 0 ? "010212" : "010211");
  if (!put (out, "38", account->str, "account", error))
    return NULL;
  if (qr->merchant_category != NULL)
    put (out, "52", qr->merchant_category, "merchant_category", NULL);
  put (out, "53", numeric, "currency", NULL);
  if (qr->amount >= 0)
    {
      g_autofree char *amount = vb_emv_qr_format_amount (qr->amount, decimals);

      if (strlen (amount) > 13)
        return vb_set_validation_error (error, "amount", "The amount is too large for an EMV QR code"), NULL;
      put (out, "54", amount, "amount", NULL);
    }
  put (out, "58", qr->country, "country", NULL);
  if (qr->merchant_name != NULL)
    {
      g_autofree char *name = ans_text (qr->merchant_name, 25);

      if (*name != '\0' && !put (out, "59", name, "merchant_name", error))
        return NULL;
    }
  if (qr->merchant_city != NULL)
    {
      g_autofree char *city = ans_text (qr->merchant_city, 15);

      if (*city != '\0' && !put (out, "60", city, "merchant_city", error))
        return NULL;
    }
  if (qr->bill_number != NULL)
    {
      g_autofree char *bill = ans_text (qr->bill_number, 25);

      if (*bill != '\0' && !put (extra, "01", bill, "bill_number", error))
        return NULL;
    }
  if (qr->purpose != NULL)
    {
      g_autofree char *purpose = ans_text (qr->purpose, 25);

      if (*purpose != '\0' && !put (extra, "08", purpose, "purpose", error))
        return NULL;
    }
  if (extra->len > 0 && !put (out, "62", extra->str, "bill_number", error))
    return NULL;
  g_string_append (out, "6304");
  g_string_append_printf (out, "%04X", vb_emv_qr_crc16 (out->str, out->len));
  return g_string_free (g_steal_pointer (&out), FALSE);
}
