/* vb-money-util.c — see vb-money-util.h.  Never floating point. */
#include "vb-money-util.h"
#include "vb-document-format.h"
#include "vb-error.h"

#include <glib/gi18n.h>
#include <string.h>

gboolean
vb_money_parse (const char *text,
                const char *currency,
                gint64     *out)
{
  guint exponent = vb_format_currency_exponent (currency);
  gint64 value = 0;
  guint decimals = 0;
  gboolean point = FALSE, digits = FALSE;

  if (text == NULL)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ' ' || (*p == ',' && !point))
        continue;
      if (*p == '.' && !point && exponent > 0)
        {
          point = TRUE;
          continue;
        }
      if (!g_ascii_isdigit (*p))
        return FALSE;
      if (point && ++decimals > exponent)
        return FALSE;
      if (value > (G_MAXINT64 / 10) - 10)
        return FALSE;
      value = value * 10 + (*p - '0');
      digits = TRUE;
    }
  if (!digits)
    return FALSE;
  for (; decimals < exponent; decimals++)
    {
      if (value > G_MAXINT64 / 10)
        return FALSE;
      value *= 10;
    }
  *out = value;
  return TRUE;
}

char *
vb_money_to_input (gint64      amount,
                   const char *currency)
{
  guint exponent = vb_format_currency_exponent (currency);
  gint64 scale = 1;

  if (exponent == 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT, amount);
  for (guint i = 0; i < exponent; i++)
    scale *= 10;
  return g_strdup_printf ("%s%" G_GINT64_FORMAT ".%0*" G_GINT64_FORMAT, amount < 0 ? "-" : "",
                          ABS (amount) / scale, (int) exponent, ABS (amount) % scale);
}

JsonObject *
vb_money_object (gint64      amount,
                 const char *currency)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "amount", amount);
  json_object_set_string_member (object, "currency", currency);
  return object;
}

const char *
vb_money_member_string (JsonObject *object,
                        const char *member)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, member))
    return NULL;
  node = json_object_get_member (object, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
vb_money_member_amount (JsonObject  *object,
                        const char  *member,
                        gint64      *amount,
                        const char **currency)
{
  JsonNode *node;
  JsonObject *money;

  if (object == NULL || !json_object_has_member (object, member))
    return FALSE;
  node = json_object_get_member (object, member);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  money = json_node_get_object (node);
  if (!json_object_has_member (money, "amount") || !JSON_NODE_HOLDS_VALUE (json_object_get_member (money, "amount")))
    return FALSE;
  *amount = json_object_get_int_member (money, "amount");
  if (currency != NULL)
    *currency = vb_money_member_string (money, "currency");
  return TRUE;
}

char *
vb_money_member_format (JsonObject *object,
                        const char *member)
{
  gint64 amount = 0;
  const char *currency = NULL;

  if (!vb_money_member_amount (object, member, &amount, &currency))
    return g_strdup ("");
  return vb_format_money (amount, currency != NULL ? currency : "VND", "en");
}

const char *
vb_money_line_kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "labor") == 0)
    return _("Labor");
  if (g_strcmp0 (kind, "part") == 0)
    return _("Part");
  if (g_strcmp0 (kind, "fee") == 0)
    return _("Fee");
  if (g_strcmp0 (kind, "discount") == 0)
    return _("Discount");
  return kind != NULL ? kind : "";
}

const char *
vb_money_quote_status_label (const char *status)
{
  if (g_strcmp0 (status, "draft") == 0)
    return _("Draft");
  if (g_strcmp0 (status, "sent") == 0)
    return _("Sent, waiting for the customer");
  if (g_strcmp0 (status, "decided") == 0)
    return _("Decided");
  if (g_strcmp0 (status, "superseded") == 0)
    return _("Superseded");
  return status != NULL ? status : "";
}

const char *
vb_money_invoice_status_label (const char *status)
{
  if (g_strcmp0 (status, "issued") == 0)
    return _("Issued, unpaid");
  if (g_strcmp0 (status, "partially_paid") == 0)
    return _("Partly paid");
  if (g_strcmp0 (status, "paid") == 0)
    return _("Paid");
  if (g_strcmp0 (status, "void") == 0)
    return _("Void");
  return status != NULL ? status : "";
}

const char *
vb_money_payment_method_label (const char *method)
{
  if (g_strcmp0 (method, "cash") == 0)
    return _("Cash");
  if (g_strcmp0 (method, "card") == 0)
    return _("Card");
  if (g_strcmp0 (method, "e_wallet") == 0)
    return _("E-wallet");
  if (g_strcmp0 (method, "bank_transfer") == 0)
    return _("Bank transfer");
  return method != NULL ? method : "";
}

const char *
vb_money_payment_status_label (const char *status)
{
  if (g_strcmp0 (status, "succeeded") == 0)
    return _("Received");
  if (g_strcmp0 (status, "pending") == 0)
    return _("Waiting for the money");
  if (g_strcmp0 (status, "requires_action") == 0)
    return _("Needs the cardholder");
  if (g_strcmp0 (status, "authorized") == 0)
    return _("Authorized");
  if (g_strcmp0 (status, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (status, "cancelled") == 0)
    return _("Cancelled");
  return status != NULL ? status : "";
}

const char *
vb_money_decision_label (const char *decision)
{
  if (g_strcmp0 (decision, "approved") == 0)
    return _("Approved");
  if (g_strcmp0 (decision, "declined") == 0)
    return _("Declined");
  return _("Undecided");
}

const char *
vb_money_decision_style (const char *decision)
{
  if (g_strcmp0 (decision, "approved") == 0)
    return "success";
  if (g_strcmp0 (decision, "declined") == 0)
    return "error";
  return "dim-label";
}

JsonNode *
vb_money_request_finish (VbApiClient  *api,
                         GAsyncResult *result,
                         GError      **error)
{
  guint status = 0;
  g_autoptr(JsonNode) reply = vb_api_client_request_full_finish (api, result, &status, NULL, error);
  GError *refusal;

  if (reply == NULL)
    return NULL;
  if (status >= 200 && status < 300)
    return g_steal_pointer (&reply);
  refusal = vb_error_from_json (reply, status);
  if (refusal == NULL)
    refusal = vb_error_for_http_status (status, NULL);
  g_propagate_error (error, refusal);
  return NULL;
}
