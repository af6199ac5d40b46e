/* vb-document-data.c — document models from the database.
 *
 * One parameterized statement per document builds the whole model as JSON
 * in PostgreSQL (json_build_object with sub-selects for lines, payments,
 * visits and readings), so a document costs one round trip whatever its
 * length.  Dates are the local dates of the location's time zone.  What
 * the database cannot say in the customer's language (terms, labels of
 * enumerations) is added here from the catalog of the document's language.
 * Rejected: building the model from the JSON of the REST handlers — it
 * would tie documents to API shapes and take several statements. */
#include "vb-document-data.h"

#include <string.h>

#include "vb-catalog.h"
#include "vb-error.h"
#include "vb-payment-qr.h"

#ifndef N_
#define N_(s) (s)
#endif

#define LOCATION_JSON(l) \
  "json_build_object('name', " l ".name, 'address', " l ".address, 'phone', " l ".phone)"
#define CUSTOMER_JSON \
  "json_build_object('name', c.display_name, 'address', c.address, 'phone', c.phones[1]," \
  "                  'email', c.emails[1])"
#define VEHICLE_MEMBERS \
  "'vin', v.vin, 'plate', v.plate, 'make', v.make, 'model', v.model, 'year', v.year"
#define LATEST_ODOMETER \
  "(SELECT r.odometer_km FROM odometer_readings r WHERE r.vehicle_id = v.id" \
  "  ORDER BY r.read_at DESC LIMIT 1)"

/* $1 invoice or credit note, $2 language or NULL. */
#define INVOICE_SQL \
  "SELECT json_build_object(" \
  "  'kind', i.kind, 'language', coalesce($2::text, c.preferred_language), 'currency', i.currency," \
  "  'number', i.number, 'status', i.status," \
  "  'issued_on', to_char(i.issued_at AT TIME ZONE l.time_zone, 'YYYY-MM-DD')," \
  "  'work_order_number', CASE WHEN w.id IS NOT NULL THEN wl.code || ' #' || w.number END," \
  "  'credit_for_number', ci.number, 'notes', nullif(i.notes, '')," \
  "  'location', " LOCATION_JSON ("l") ", 'customer', " CUSTOMER_JSON "," \
  "  'vehicle', CASE WHEN v.id IS NOT NULL THEN json_build_object(" VEHICLE_MEMBERS "," \
  "                                                    'odometer_km', w.odometer_km) END," \
  "  'lines', (SELECT coalesce(json_agg(json_build_object('kind', il.kind, 'description', il.description," \
  "                   'quantity', trim_scale(il.quantity)::text, 'unit_price', il.unit_price_amount," \
  "                   'tax_name', il.tax_name, 'tax_bp', il.tax_bp, 'amount', il.net_amount," \
  "                   'tax_amount', il.tax_amount) ORDER BY il.position), '[]'::json)" \
  "              FROM invoice_lines il WHERE il.invoice_id = i.id)," \
  "  'payments', (SELECT coalesce(json_agg(json_build_object(" \
  "                   'date', to_char(coalesce(p.confirmed_at, p.created_at) AT TIME ZONE l.time_zone, 'YYYY-MM-DD')," \
  "                   'method', p.method, 'reference', p.reference, 'amount', p.amount - p.refunded_amount)" \
  "                   ORDER BY p.created_at, p.id), '[]'::json)" \
  "                 FROM payments p WHERE p.invoice_id = i.id AND p.status = 'succeeded')," \
  "  'totals', json_build_object('subtotal', i.subtotal_amount, 'tax', i.tax_amount," \
  "                              'total', i.total_amount, 'paid', i.paid_amount," \
  "                              'due', CASE WHEN i.kind = 'invoice' AND i.status <> 'void'" \
  "                                          THEN greatest(i.total_amount - i.paid_amount, 0) ELSE 0 END)" \
  ")::text AS model" \
  "  FROM invoices i JOIN locations l ON l.id = i.location_id JOIN customers c ON c.id = i.customer_id" \
  "  LEFT JOIN invoices ci ON ci.id = i.credit_for_invoice_id" \
  "  LEFT JOIN work_orders w ON w.id = coalesce(i.work_order_id, ci.work_order_id)" \
  "  LEFT JOIN locations wl ON wl.id = w.location_id" \
  "  LEFT JOIN vehicles v ON v.id = w.vehicle_id" \
  " WHERE i.id = $1::uuid"

/* $1 quote, $2 language or NULL: its newest version that is not superseded. */
#define QUOTE_SQL \
  "SELECT json_build_object(" \
  "  'kind', 'quote', 'language', coalesce($2::text, c.preferred_language), 'currency', q.currency," \
  "  'number', l.code || ' #' || w.number || '-' || qv.number, 'quote_status', qv.status," \
  "  'issued_on', to_char(coalesce(qv.sent_at, qv.created_at) AT TIME ZONE l.time_zone, 'YYYY-MM-DD')," \
  "  'work_order_number', l.code || ' #' || w.number, 'notes', nullif(qv.notes, '')," \
  "  'location', " LOCATION_JSON ("l") ", 'customer', " CUSTOMER_JSON "," \
  "  'vehicle', json_build_object(" VEHICLE_MEMBERS ", 'odometer_km', w.odometer_km)," \
  "  'lines', (SELECT coalesce(json_agg(json_build_object('kind', ql.kind, 'description', ql.description," \
  "                   'quantity', trim_scale(ql.quantity)::text, 'unit_price', ql.unit_price_amount," \
  "                   'tax_name', ql.tax_name, 'tax_bp', ql.tax_bp, 'amount', ql.net_amount," \
  "                   'tax_amount', ql.tax_amount, 'decision', d.decision) ORDER BY ql.position), '[]'::json)" \
  "              FROM quote_lines ql LEFT JOIN quote_line_decisions d ON d.quote_line_id = ql.id" \
  "             WHERE ql.quote_version_id = qv.id)" \
  ")::text AS model" \
  "  FROM quotes q" \
  "  JOIN LATERAL (SELECT * FROM quote_versions x WHERE x.quote_id = q.id" \
  "                 ORDER BY x.status <> 'superseded' DESC, x.number DESC LIMIT 1) qv ON true" \
  "  JOIN work_orders w ON w.id = q.work_order_id JOIN locations l ON l.id = q.location_id" \
  "  JOIN customers c ON c.id = q.customer_id JOIN vehicles v ON v.id = w.vehicle_id" \
  " WHERE q.id = $1::uuid"

/* $1 vehicle, $2 language or NULL, $3 user whose work_orders.read filters visits, or NULL. */
#define HISTORY_SQL \
  "WITH wo AS (" \
  "  SELECT w.id, w.number, wl.code, wl.time_zone, w.checked_in_at, w.odometer_km," \
  "         (SELECT coalesce(json_agg(t.title ORDER BY t.position, t.id), '[]'::json)" \
  "            FROM work_order_tasks t WHERE t.work_order_id = w.id) AS services," \
  "         (SELECT coalesce(sum(e.tenths), 0) FROM time_entries e" \
  "           WHERE e.work_order_id = w.id AND e.kind = 'productive') AS labor_tenths," \
  "         (SELECT sum(x.total_amount - coalesce((SELECT sum(cn.total_amount) FROM invoices cn" \
  "                                                 WHERE cn.credit_for_invoice_id = x.id), 0))" \
  "            FROM invoices x WHERE x.work_order_id = w.id AND x.kind = 'invoice'" \
  "             AND x.status <> 'void' AND x.currency = vl.currency) AS amount" \
  "    FROM work_orders w JOIN locations wl ON wl.id = w.location_id" \
  "    JOIN vehicles vv ON vv.id = w.vehicle_id JOIN locations vl ON vl.id = vv.location_id" \
  "   WHERE w.vehicle_id = $1::uuid AND w.status <> 'cancelled'" \
  "     AND ($3::uuid IS NULL OR vb_has_permission($3::uuid, 'work_orders.read', w.location_id)))" \
  "SELECT json_build_object(" \
  "  'kind', 'vehicle_history', 'language', coalesce($2::text, c.preferred_language)," \
  "  'currency', l.currency, 'issued_on', to_char(now() AT TIME ZONE l.time_zone, 'YYYY-MM-DD')," \
  "  'location', " LOCATION_JSON ("l") ", 'customer', " CUSTOMER_JSON "," \
  "  'vehicle', json_build_object(" VEHICLE_MEMBERS ", 'odometer_km', " LATEST_ODOMETER ")," \
  "  'visits', (SELECT coalesce(json_agg(json_build_object(" \
  "                'date', to_char(wo.checked_in_at AT TIME ZONE wo.time_zone, 'YYYY-MM-DD')," \
  "                'number', wo.code || ' #' || wo.number, 'odometer_km', wo.odometer_km," \
  "                'services', wo.services, 'labor_tenths', wo.labor_tenths, 'amount', wo.amount)" \
  "                ORDER BY wo.checked_in_at DESC, wo.id), '[]'::json) FROM wo)," \
  "  'totals', json_build_object('visits', (SELECT count(*) FROM wo)," \
  "                              'amount', (SELECT sum(wo.amount) FROM wo))" \
  ")::text AS model" \
  "  FROM vehicles v JOIN locations l ON l.id = v.location_id JOIN customers c ON c.id = v.customer_id" \
  " WHERE v.id = $1::uuid"

/* $1 vehicle, $2 language or NULL. */
#define BATTERY_SQL \
  "SELECT json_build_object(" \
  "  'kind', 'battery_certificate', 'language', coalesce($2::text, c.preferred_language)," \
  "  'currency', l.currency, 'issued_on', to_char(now() AT TIME ZONE l.time_zone, 'YYYY-MM-DD')," \
  "  'location', " LOCATION_JSON ("l") ", 'customer', " CUSTOMER_JSON "," \
  "  'vehicle', json_build_object(" VEHICLE_MEMBERS ", 'odometer_km', " LATEST_ODOMETER ")," \
  "  'battery', json_build_object(" \
  "     'soh_percent', s.soh_percent::text, 'usable_kwh', trim_scale(coalesce(s.usable_kwh, v.battery_usable_kwh))::text," \
  "     'gross_kwh', trim_scale(v.battery_gross_kwh)::text, 'chemistry', v.chemistry, 'method', s.method," \
  "     'tested_on', to_char(s.measured_at AT TIME ZONE l.time_zone, 'YYYY-MM-DD')," \
  "     'fault_codes', (SELECT to_json(tr.fault_codes) FROM work_order_triages tr" \
  "                       JOIN work_orders w ON w.id = tr.work_order_id" \
  "                      WHERE w.vehicle_id = v.id ORDER BY tr.performed_at DESC LIMIT 1)," \
  "     'isolation', (SELECT json_build_object(" \
  "                      'resistance_kohm', trim_scale(round(st.resistance_ohms / 1000, 1))::text," \
  "                      'test_voltage', st.test_voltage, 'passed', st.passed," \
  "                      'date', to_char(st.performed_at AT TIME ZONE l.time_zone, 'YYYY-MM-DD'))" \
  "                     FROM hv_record_steps st JOIN work_orders w ON w.id = st.work_order_id" \
  "                    WHERE w.vehicle_id = v.id AND st.resistance_ohms IS NOT NULL" \
  "                      AND st.step IN ('insulation_test', 're_energize')" \
  "                    ORDER BY st.performed_at DESC, st.position DESC LIMIT 1)," \
  "     'trend', (SELECT coalesce(json_agg(json_build_object(" \
  "                   'date', to_char(r.measured_at AT TIME ZONE l.time_zone, 'YYYY-MM-DD')," \
  "                   'soh_percent', r.soh_percent::text," \
  "                   'odometer_km', (SELECT o.odometer_km FROM odometer_readings o" \
  "                                    WHERE o.vehicle_id = v.id AND o.read_at <= r.measured_at + interval '1 day'" \
  "                                    ORDER BY o.read_at DESC LIMIT 1))" \
  "                   ORDER BY r.measured_at, r.id), '[]'::json)" \
  "                 FROM soh_readings r WHERE r.vehicle_id = v.id))" \
  ")::text AS model" \
  "  FROM vehicles v JOIN locations l ON l.id = v.location_id JOIN customers c ON c.id = v.customer_id" \
  "  LEFT JOIN LATERAL (SELECT * FROM soh_readings r WHERE r.vehicle_id = v.id" \
  "                      ORDER BY r.measured_at DESC, r.id DESC LIMIT 1) s ON true" \
  " WHERE v.id = $1::uuid"

static const char *
terms_for (const char *kind)
{
  if (g_strcmp0 (kind, "quote") == 0)
    return N_("Prices include the taxes shown. Each line is carried out only once you have "
              "approved it; work beyond the approved total needs a new approval.");
  if (g_strcmp0 (kind, "credit_note") == 0)
    return N_("This credit note reduces the amount of the invoice it names.");
  if (g_strcmp0 (kind, "battery_certificate") == 0)
    return N_("The values were measured on the test date with the method shown and describe "
              "the battery on that date only.");
  if (g_strcmp0 (kind, "vehicle_history") == 0)
    return N_("Visits at our workshops, newest first. Amounts are the invoiced totals after "
              "credit notes.");
  return N_("Please quote the invoice number with your payment.");
}

static const char *
soh_method_label (const char *method)
{
  if (g_strcmp0 (method, "bms_readout") == 0)
    return N_("Battery management system readout");
  if (g_strcmp0 (method, "capacity_test") == 0)
    return N_("Capacity test");
  if (g_strcmp0 (method, "diagnostic_tool") == 0)
    return N_("Diagnostic tool");
  if (g_strcmp0 (method, "estimate") == 0)
    return N_("Estimate");
  return N_("Other");
}

/* What the catalog adds: terms, decisions on quote lines, the SoH method. */
static void
localize (JsonObject *model)
{
  const char *lang = json_object_get_string_member_with_default (model, "language", "en");
  const char *kind = json_object_get_string_member_with_default (model, "kind", "");

  json_object_set_string_member (model, "terms", vb_catalog_gettext (lang, terms_for (kind)));
  if (g_str_equal (kind, "quote") && json_object_has_member (model, "lines"))
    {
      JsonArray *lines = json_object_get_array_member (model, "lines");

      for (guint i = 0; i < json_array_get_length (lines); i++)
        {
          JsonObject *l = json_array_get_object_element (lines, i);
          const char *decision = json_object_get_string_member_with_default (l, "decision", NULL);
          const char *label = g_strcmp0 (decision, "approved") == 0 ? N_("approved")
                              : g_strcmp0 (decision, "declined") == 0 ? N_("declined") : NULL;
          g_autofree char *text = NULL;

          if (label == NULL)
            continue;
          text = g_strdup_printf ("%s (%s)",
                                  json_object_get_string_member_with_default (l, "description", ""),
                                  vb_catalog_gettext (lang, label));
          json_object_set_string_member (l, "description", text);
        }
    }
  if (g_str_equal (kind, "battery_certificate"))
    {
      JsonObject *b = json_object_get_object_member (model, "battery");
      const char *method = json_object_get_string_member_with_default (b, "method", NULL);

      if (method != NULL)
        json_object_set_string_member (b, "method", vb_catalog_gettext (lang, soh_method_label (method)));
    }
}

JsonObject *
vb_document_data_build_for (VbDbConn    *conn,
                            const char  *kind,
                            const char  *id,
                            const char  *language,
                            const char  *user_id,
                            GError     **error)
{
  g_autoptr(PGresult) res = NULL;
  g_autoptr(JsonNode) root = NULL;
  const char *what;

  g_return_val_if_fail (kind != NULL && id != NULL, NULL);
  if (language != NULL && !vb_catalog_is_supported (language))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_VALIDATION, "Documents are written in en or vi");
      return NULL;
    }
  if (g_str_equal (kind, "invoice") || g_str_equal (kind, "credit_note"))
    {
      what = "invoice";
      res = vb_db_execv (conn, error, INVOICE_SQL, id, language);
    }
  else if (g_str_equal (kind, "quote"))
    {
      what = "quote";
      res = vb_db_execv (conn, error, QUOTE_SQL, id, language);
    }
  else if (g_str_equal (kind, "vehicle_history"))
    {
      what = "vehicle";
      res = vb_db_execv (conn, error, HISTORY_SQL, id, language, user_id);
    }
  else if (g_str_equal (kind, "battery_certificate"))
    {
      what = "vehicle";
      res = vb_db_execv (conn, error, BATTERY_SQL, id, language);
    }
  else
    {
      g_set_error (error, VB_ERROR, VB_ERROR_VALIDATION, "Unknown document kind “%s”", kind);
      return NULL;
    }
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No such %s", what);
      return NULL;
    }
  root = json_from_string (vb_db_get (res, 0, 0), error);
  if (root == NULL)
    return NULL;
  localize (json_node_get_object (root));
  return json_object_ref (json_node_get_object (root));
}

JsonObject *
vb_document_data_build (VbDbConn    *conn,
                        const char  *kind,
                        const char  *id,
                        const char  *language,
                        GError     **error)
{
  return vb_document_data_build_for (conn, kind, id, language, NULL, error);
}

void
vb_document_data_add_payment_qr (JsonObject *model,
                                 GKeyFile   *settings)
{
  JsonObject *totals;
  g_autoptr(GError) error = NULL;
  g_autofree char *qr = NULL;
  gint64 due;

  if (settings == NULL
      || g_strcmp0 (json_object_get_string_member_with_default (model, "kind", NULL), "invoice") != 0
      || !json_object_has_member (model, "totals"))
    return;
  totals = json_object_get_object_member (model, "totals");
  due = json_object_get_int_member_with_default (totals, "due", 0);
  if (due <= 0)
    return;
  qr = vb_payment_invoice_qr (settings,
                              json_object_get_string_member_with_default (model, "number", NULL),
                              due,
                              json_object_get_string_member_with_default (model, "currency", NULL),
                              &error);
  if (qr == NULL)
    {
      g_debug ("Invoice without a payment QR: %s", error->message);
      return;
    }
  json_object_set_string_member (model, "payment_qr", qr);
}

char *
vb_document_data_filename (JsonObject *model)
{
  const char *kind = json_object_get_string_member_with_default (model, "kind", "document");
  const char *name = json_object_get_string_member_with_default (model, "number", NULL);
  g_autoptr(GString) out = g_string_new (NULL);

  if (name == NULL && json_object_has_member (model, "vehicle")
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (model, "vehicle")))
    {
      JsonObject *v = json_object_get_object_member (model, "vehicle");
      name = json_object_get_string_member_with_default (v, "plate", NULL);
      if (name == NULL || *name == '\0')
        name = json_object_get_string_member_with_default (v, "vin", NULL);
    }
  for (const char *p = kind; *p != '\0'; p++)
    g_string_append_c (out, *p == '_' ? '-' : *p);
  if (name != NULL && *name != '\0')
    {
      g_string_append_c (out, '-');
      for (const char *p = name; *p != '\0'; p++)
        if (g_ascii_isalnum (*p) || *p == '-' || *p == '.')
          g_string_append_c (out, *p);
        else if (out->str[out->len - 1] != '-')
          g_string_append_c (out, '-');
    }
  g_string_append (out, ".pdf");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
