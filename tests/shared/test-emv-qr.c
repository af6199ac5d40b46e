/* test-emv-qr.c — EMVCo merchant-presented QR payloads: the CRC against its
 * published check value, a published VietQR payload reproduced byte for
 * byte, the optional tags, amounts per currency and the refusals. */
#include <glib.h>

#include "vb-emv-qr.h"
#include "vb-error.h"

#include <string.h>

static void
test_crc_check_value (void)
{
  /* The CRC-16/CCITT-FALSE catalogue check value. */
  g_assert_cmphex (vb_emv_qr_crc16 ("123456789", 9), ==, 0x29B1);
  g_assert_cmphex (vb_emv_qr_crc16 ("", 0), ==, 0xFFFF);
}

/* github.com/subiz/vietqr README: 120,000 VND to 0011001932418 at BIN
 * 970415 (VietinBank), purpose "ung ho lu lut". */
#define PUBLISHED \
  "00020101021238570010A00000072701270006970415011300110019324180208QRIBFTTA53037045406120000" \
  "5802VN62170813ung ho lu lut6304C15C"

static void
test_published_vietqr (void)
{
  VbEmvQr qr = {
    .guid = VB_EMV_QR_VIETQR_GUID, .bank_bin = "970415", .account = "0011001932418",
    .service_code = "QRIBFTTA", .currency = "VND", .amount = 120000, .country = "VN",
    .purpose = "ủng hộ lũ lụt",
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = vb_emv_qr_payload (&qr, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (payload, ==, PUBLISHED);
  /* The CRC covers everything up to and including "6304". */
  g_assert_cmphex (vb_emv_qr_crc16 (PUBLISHED, strlen (PUBLISHED) - 4), ==, 0xC15C);
}

/* Walks the top-level TLVs: returns the value of id (owned) or NULL. */
static char *
tlv_value (const char *payload,
           const char *id)
{
  const char *p = payload;

  while (strlen (p) >= 4)
    {
      char len_text[3] = { p[2], p[3], 0 };
      guint len = (guint) g_ascii_strtoull (len_text, NULL, 10);

      g_assert_cmpuint (strlen (p + 4), >=, len);
      if (strncmp (p, id, 2) == 0)
        return g_strndup (p + 4, len);
      p += 4 + len;
    }
  return NULL;
}

static void
test_full_invoice_payload (void)
{
  VbEmvQr qr = {
    .guid = VB_EMV_QR_VIETQR_GUID, .bank_bin = "970436", .account = "1023456789",
    .service_code = "QRIBFTTA", .merchant_category = "7538", .currency = "VND",
    .amount = 2450000, .country = "VN", .merchant_name = "Voltbay Dịch vụ Xe điện Sài Gòn",
    .merchant_city = "Hồ Chí Minh", .bill_number = "HCM-1-2026-000042", .purpose = "HCM-1-2026-000042",
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = vb_emv_qr_payload (&qr, &error);
  g_autofree char *crc = NULL;
  g_autofree char *name = NULL, *city = NULL, *amount = NULL, *extra = NULL, *mcc = NULL, *poi = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (payload, "000201010212"));
  poi = tlv_value (payload, "01");
  g_assert_cmpstr (poi, ==, "12");
  mcc = tlv_value (payload, "52");
  g_assert_cmpstr (mcc, ==, "7538");
  amount = tlv_value (payload, "54");
  g_assert_cmpstr (amount, ==, "2450000");
  name = tlv_value (payload, "59");
  g_assert_cmpstr (name, ==, "Voltbay Dich vu Xe dien S");   /* 25 characters */
  city = tlv_value (payload, "60");
  g_assert_cmpstr (city, ==, "Ho Chi Minh");
  extra = tlv_value (payload, "62");
  g_assert_cmpstr (extra, ==, "0117HCM-1-2026-0000420817HCM-1-2026-000042");
  crc = g_strdup_printf ("%04X", vb_emv_qr_crc16 (payload, strlen (payload) - 4));
  g_assert_true (g_str_has_suffix (payload, crc));
  g_assert_true (g_str_is_ascii (payload));
}

static void
test_amounts (void)
{
  static const struct { const char *currency; gint64 amount; const char *expect; const char *numeric; } cases[] = {
    { "VND", 150000, "150000", "704" },
    { "USD", 1250, "12.50", "840" },
    { "USD", 5, "0.05", "840" },
    { "EUR", 100000, "1000.00", "978" },
    { "JPY", 980, "980", "392" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      VbEmvQr qr = { .guid = VB_EMV_QR_VIETQR_GUID, .bank_bin = "970436", .account = "1",
                     .currency = cases[i].currency, .amount = cases[i].amount, .country = "VN" };
      g_autoptr(GError) error = NULL;
      g_autofree char *payload = vb_emv_qr_payload (&qr, &error);
      g_autofree char *amount = NULL, *currency = NULL;

      g_assert_no_error (error);
      amount = tlv_value (payload, "54");
      currency = tlv_value (payload, "53");
      g_assert_cmpstr (amount, ==, cases[i].expect);
      g_assert_cmpstr (currency, ==, cases[i].numeric);
    }
}

static void
test_static_code (void)
{
  VbEmvQr qr = { .guid = VB_EMV_QR_VIETQR_GUID, .bank_bin = "970436", .account = "1023456789",
                 .currency = "VND", .amount = -1, .country = "VN" };
  g_autoptr(GError) error = NULL;
  g_autofree char *payload = vb_emv_qr_payload (&qr, &error);
  g_autofree char *amount = NULL, *poi = NULL;

  g_assert_no_error (error);
  poi = tlv_value (payload, "01");
  g_assert_cmpstr (poi, ==, "11");
  amount = tlv_value (payload, "54");
  g_assert_null (amount);
}

static void
test_refusals (void)
{
  static const struct { const char *bin, *account, *currency, *country, *mcc; const char *field; } cases[] = {
    { "97A436", "1", "VND", "VN", NULL, "bank_bin" },
    { NULL, "1", "VND", "VN", NULL, "bank_bin" },
    { "970436", "", "VND", "VN", NULL, "account" },
    { "970436", "12345678901234567890", "VND", "VN", NULL, "account" },
    { "970436", "1", "XYZ", "VN", NULL, "currency" },
    { "970436", "1", "VND", "VNM", NULL, "country" },
    { "970436", "1", "VND", "VN", "75", "merchant_category" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      VbEmvQr qr = { .guid = VB_EMV_QR_VIETQR_GUID, .bank_bin = cases[i].bin, .account = cases[i].account,
                     .currency = cases[i].currency, .amount = 1, .country = cases[i].country,
                     .merchant_category = cases[i].mcc };
      g_autoptr(GError) error = NULL;
      g_autofree char *payload = vb_emv_qr_payload (&qr, &error);

      g_assert_null (payload);
      g_assert_error (error, VB_ERROR, VB_ERROR_VALIDATION);
      g_assert_cmpstr (vb_error_get_field (error), ==, cases[i].field);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/emv-qr/crc-check-value", test_crc_check_value);
  g_test_add_func ("/emv-qr/published-vietqr", test_published_vietqr);
  g_test_add_func ("/emv-qr/full-invoice-payload", test_full_invoice_payload);
  g_test_add_func ("/emv-qr/amounts", test_amounts);
  g_test_add_func ("/emv-qr/static-code", test_static_code);
  g_test_add_func ("/emv-qr/refusals", test_refusals);
  return g_test_run ();
}
