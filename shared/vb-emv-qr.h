/* vb-emv-qr.h — EMVCo merchant-presented QR payloads (bank transfer and
 * e-wallet QR codes on screen and on the invoice).
 *
 * The payload is the text a QR code carries: ID/length/value data objects
 * (EMV QRCPS-MPM), ending in a CRC-16/CCITT-FALSE.  The merchant account
 * template follows VietQR (NAPAS): tag 38 with the GUID A000000727, the
 * acquirer's bank BIN and the account number, and the service code
 * QRIBFTTA (transfer to an account).  Shared so that the server (invoice
 * PDF, API) and the desktop apps (on-screen QR) build the same text.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_EMV_QR_VIETQR_GUID "A000000727"

typedef struct
{
  const char *guid;               /* tag 38/00, e.g. VB_EMV_QR_VIETQR_GUID */
  const char *bank_bin;           /* 38/01/00: the acquirer (bank) BIN, digits */
  const char *account;            /* 38/01/01: the beneficiary account number */
  const char *service_code;       /* 38/02: "QRIBFTTA"; NULL: omitted */
  const char *merchant_category;  /* 52: ISO 18245 MCC (4 digits); NULL: omitted */
  const char *currency;           /* 53: ISO 4217 alphabetic ("VND"), written numeric */
  gint64      amount;             /* 54: minor units; < 0: no amount (a static code) */
  const char *country;            /* 58: ISO 3166 alpha-2 */
  const char *merchant_name;      /* 59: up to 25 characters; NULL: omitted */
  const char *merchant_city;      /* 60: up to 15 characters; NULL: omitted */
  const char *bill_number;        /* 62/01; NULL: omitted */
  const char *purpose;            /* 62/08: what the payer's bank shows; NULL: omitted */
} VbEmvQr;

/* The payload text (ASCII), or NULL with a VB_ERROR validation error naming
 * the offending member.  Texts are transliterated to ASCII ("Nguyễn" →
 * "Nguyen"); name and city are cut to their maximum length. */
char      *vb_emv_qr_payload   (const VbEmvQr  *qr,
                                GError        **error);
/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of len bytes. */
guint16    vb_emv_qr_crc16     (const char     *data,
                                gsize           len);
/* ISO 4217: the numeric code ("704") and minor-unit digits of an
 * alphabetic code; FALSE if unknown. */
gboolean   vb_emv_qr_currency  (const char     *alpha,
                                const char    **numeric,
                                guint          *decimals);
/* amount minor units as the decimal text of its currency ("150000", "12.50"). */
char      *vb_emv_qr_format_amount (gint64      amount,
                                    guint       decimals);

G_END_DECLS
