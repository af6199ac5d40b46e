/* vb-document-format.h — money, numbers and dates as a document in a given
 * language writes them (pure functions, no locale of the process). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Digits after the decimal point of currency (ISO 4217): VND, JPY, KRW... 0;
 * most others (USD, EUR) 2. */
guint  vb_format_currency_exponent (const char *currency);
/* amount in minor units: vi "1.234.567 ₫" / "1.234,56 USD", en "VND 1,234,567" / "USD 1,234.56". */
char  *vb_format_money             (gint64      amount,
                                    const char *currency,
                                    const char *language);
/* An integer with thousands grouping: vi "12.345", en "12,345". */
char  *vb_format_integer           (gint64      value,
                                    const char *language);
/* A decimal given as text ("92.5", "-0.25"): vi "92,5", en "92.5"; the
 * integer part grouped. NULL or not a decimal: a copy of text (or ""). */
char  *vb_format_decimal           (const char *text,
                                    const char *language);
/* A date "YYYY-MM-DD" (or the date part of an RFC 3339 timestamp): vi
 * "25/11/2026", en "25 Nov 2026".  Anything else is returned as given. */
char  *vb_format_date              (const char *iso,
                                    const char *language);

G_END_DECLS
