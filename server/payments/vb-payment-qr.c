/* vb-payment-qr.c — the bank-transfer QR of a payment or invoice: the
 * merchant account from the config file's [payments] group, the amount and
 * the reference the payer's bank shows us, as an EMVCo payload
 * (shared/vb-emv-qr.c builds it). */
#include "vb-payment-qr.h"
#include "vb-emv-qr.h"
#include "vb-error.h"

static char *
setting (GKeyFile   *settings,
         const char *key,
         const char *fallback)
{
  g_autofree char *value = settings ? g_key_file_get_string (settings, "payments", key, NULL) : NULL;

  if (value == NULL || *g_strstrip (value) == '\0')
    return g_strdup (fallback);
  return g_steal_pointer (&value);
}

char *
vb_payment_invoice_qr (GKeyFile    *settings,
                       const char  *reference,
                       gint64       amount,
                       const char  *currency,
                       GError     **error)
{
  g_autofree char *bin = setting (settings, "qr-bank-bin", NULL);
  g_autofree char *account = setting (settings, "qr-account", NULL);
  g_autofree char *name = setting (settings, "qr-merchant-name", NULL);
  g_autofree char *city = setting (settings, "qr-merchant-city", NULL);
  g_autofree char *country = setting (settings, "qr-country", "VN");
  g_autofree char *mcc = setting (settings, "qr-merchant-category", "7538");
  g_autofree char *guid = setting (settings, "qr-guid", VB_EMV_QR_VIETQR_GUID);
  g_autofree char *service = setting (settings, "qr-service-code", "QRIBFTTA");
  VbEmvQr qr = {
    .guid = guid, .bank_bin = bin, .account = account, .service_code = service,
    .merchant_category = mcc, .currency = currency, .amount = amount, .country = country,
    .merchant_name = name, .merchant_city = city, .bill_number = reference, .purpose = reference,
  };
  char *payload;

  if (bin == NULL || account == NULL)
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_UNAVAILABLE,
                           "No bank account for transfer QR codes is configured "
                           "(qr-bank-bin and qr-account in the [payments] group)");
      return NULL;
    }
  payload = vb_emv_qr_payload (&qr, error);
  if (payload == NULL)
    g_prefix_error (error, "The [payments] QR settings are wrong: ");
  return payload;
}
