/* vb-money-util.h — money on the wire ({"amount": minor units, "currency"})
 * for the desk's quote, invoice and payment views: parsing what staff type
 * (exact, by the currency's decimals), formatting, reading replies. */
#pragma once

#include <json-glib/json-glib.h>

#include "vb-api-client.h"

G_BEGIN_DECLS

/* "1,260,499" / "1260499" / "12.50": minor units of currency; FALSE if not
 * an amount with at most the currency's decimals. */
gboolean    vb_money_parse          (const char *text,
                                     const char *currency,
                                     gint64     *out);
/* minor units → what vb_money_parse reads back ("1260499", "12.50"). */
char       *vb_money_to_input       (gint64      amount,
                                     const char *currency);
JsonObject *vb_money_object         (gint64      amount,
                                     const char *currency);
/* A string member, or NULL. */
const char *vb_money_member_string  (JsonObject *object,
                                     const char *member);
/* A money member {"amount", "currency"}: FALSE when absent or null. */
gboolean    vb_money_member_amount  (JsonObject  *object,
                                     const char  *member,
                                     gint64      *amount,
                                     const char **currency);
/* A money member formatted ("VND 1,260,499"); "" when absent. */
char       *vb_money_member_format  (JsonObject *object,
                                     const char *member);

/* What staff read for the server's codes: a line's kind, a quote
 * version's, an invoice's and a payment's status, a payment method and a
 * quote line's decision (NULL: undecided).  An unknown code is shown as
 * it is; NULL as "" (the decision: "Undecided"). */
const char *vb_money_line_kind_label      (const char *kind);
const char *vb_money_quote_status_label   (const char *status);
const char *vb_money_invoice_status_label (const char *status);
const char *vb_money_payment_method_label (const char *method);
const char *vb_money_payment_status_label (const char *status);
const char *vb_money_decision_label       (const char *decision);
/* The badge style class of a decision ("success", "error", "dim-label"). */
const char *vb_money_decision_style       (const char *decision);

/* vb_api_client_request_full_finish() with a non-2xx answer turned into
 * its VbError (field and details kept), as vb_api_client_request_finish(). */
JsonNode   *vb_money_request_finish (VbApiClient  *api,
                                     GAsyncResult *result,
                                     GError      **error);

G_END_DECLS
