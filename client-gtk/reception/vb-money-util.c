/* vb-money-util.c — see vb-money-util.h.  Never floating point. */
#include "vb-money-util.h"
#include "vb-document-format.h"
#include "vb-error.h"

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
