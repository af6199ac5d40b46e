/* test-document-render.c — documents rendered from JSON fixtures and read
 * back with pdftotext: numbers, totals, pages, languages and money format. */
#include <glib/gstdio.h>
#include <string.h>

#include "vb-catalog.h"
#include "vb-document.h"
#include "vb-document-format.h"

#define PARTIES \
  "\"location\": {\"name\": \"Voltbay HCM-1\", \"address\": \"12 Nguyen Hue, District 1, Ho Chi Minh City\"," \
  "  \"phone\": \"+84 28 3822 0000\", \"tax_id\": \"0312345678\"}," \
  "\"customer\": {\"name\": \"Minh Nguyen\", \"address\": \"5 Le Loi\", \"phone\": \"+84 90 123 4567\"," \
  "  \"email\": \"minh@example.com\"}," \
  "\"vehicle\": {\"vin\": \"RLLV8EMA5PH000123\", \"plate\": \"51H-123.45\", \"make\": \"VinFast\"," \
  "  \"model\": \"VF 8\", \"year\": 2024, \"odometer_km\": 23456},"

#define INVOICE(lang) \
  "{\"kind\": \"invoice\", \"language\": \"" lang "\", \"currency\": \"VND\"," \
  " \"number\": \"HCM-1-2026-000042\", \"issued_on\": \"2026-11-25\", \"due_on\": \"2026-12-09\"," \
  " \"work_order_number\": \"HCM-1-WO-000017\"," PARTIES \
  " \"lines\": [" \
  "  {\"kind\": \"labor\", \"description\": \"Battery health check (HV-BATTERY-HEALTH)\", \"quantity\": \"1.5\"," \
  "   \"unit_price\": 400000, \"tax_name\": \"VAT\", \"tax_bp\": 1000, \"amount\": 600000}," \
  "  {\"kind\": \"part\", \"description\": \"Cabin air filter VF8-CF-01\", \"quantity\": 1," \
  "   \"unit_price\": 1234567, \"tax_name\": \"VAT\", \"tax_bp\": 1000, \"amount\": 1234567}," \
  "  {\"kind\": \"fee\", \"description\": \"Eco disposal fee\", \"quantity\": 1," \
  "   \"unit_price\": 50000, \"tax_name\": \"VAT reduced\", \"tax_bp\": 800, \"amount\": 50000}]," \
  " \"payments\": [{\"date\": \"2026-11-25\", \"method\": \"cash\", \"amount\": 500000, \"reference\": \"deposit\"}]," \
  " \"totals\": {\"paid\": 500000}," \
  " \"payment_qr\": \"00020101021238570010A000000727012700069704220113VB0000000000000208QRIBFTTA530370454071522024" \
  "5802VN6304ABCD\"," \
  " \"terms\": \"Payment within 14 days. Parts carry a 12-month warranty.\"}"

static JsonObject *
parse (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The PDF's text (pdftotext -layout) and its page count (form feeds). */
static char *
pdf_text (GBytes *pdf,
          guint  *pages)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  int fd, status;
  char *argv[] = { "pdftotext", "-enc", "UTF-8", "-layout", NULL, "-", NULL };
  gsize size;
  const char *data = g_bytes_get_data (pdf, &size);

  g_assert_cmpuint (size, >, 5);
  g_assert_true (memcmp (data, "%PDF-", 5) == 0);
  fd = g_file_open_tmp ("vb-doc-XXXXXX.pdf", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, data, (gssize) size, &error);
  g_assert_no_error (error);
  argv[4] = path;
  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_unlink (path);
  if (pages != NULL)
    {
      *pages = 0;
      for (const char *p = out; *p != '\0'; p++)
        if (*p == '\f')
          (*pages)++;
    }
  return g_steal_pointer (&out);
}

static char *
render_text (JsonObject *model,
             guint      *pages)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pdf = vb_document_render_pdf (model, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pdf);
  /* VB_TEST_DOCUMENT_DIR=dir keeps the PDFs to look at. */
  if (g_getenv ("VB_TEST_DOCUMENT_DIR") != NULL)
    {
      g_autofree char *name = g_strdup_printf ("%s-%s-%s.pdf", json_object_get_string_member (model, "kind"),
                                               json_object_get_string_member_with_default (model, "language", "en"),
                                               json_object_get_string_member_with_default (model, "number", "none"));
      g_autofree char *file = g_build_filename (g_getenv ("VB_TEST_DOCUMENT_DIR"), name, NULL);

      g_file_set_contents (file, g_bytes_get_data (pdf, NULL), (gssize) g_bytes_get_size (pdf), NULL);
    }
  return pdf_text (pdf, pages);
}

#define assert_has(text, needle) \
  G_STMT_START { \
    if (strstr ((text), (needle)) == NULL) \
      g_error ("“%s” not in the document:\n%s", (needle), (text)); \
  } G_STMT_END

/* ---------------------------------------------------------------- tests --- */

static void
test_format (void)
{
  struct { gint64 amount; const char *currency, *lang, *want; } money[] = {
    { 1234567, "VND", "vi", "1.234.567 ₫" },
    { 1234567, "VND", "en", "VND 1,234,567" },
    { 0, "VND", "vi", "0 ₫" },
    { -50000, "VND", "en", "VND -50,000" },
    { 123456, "USD", "en", "USD 1,234.56" },
    { 123456, "EUR", "vi", "1.234,56 EUR" },
    { 5, "USD", "en", "USD 0.05" },
    { 1000, "JPY", "en", "JPY 1,000" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (money); i++)
    {
      g_autofree char *s = vb_format_money (money[i].amount, money[i].currency, money[i].lang);
      g_assert_cmpstr (s, ==, money[i].want);
    }
  g_assert_cmpuint (vb_format_currency_exponent ("VND"), ==, 0);
  g_assert_cmpuint (vb_format_currency_exponent ("USD"), ==, 2);
  {
    g_autofree char *a = vb_format_date ("2026-11-25", "vi");
    g_autofree char *b = vb_format_date ("2026-11-05T10:00:00+07:00", "en");
    g_autofree char *c = vb_format_date ("2026-02-30", "en");
    g_autofree char *e = vb_format_decimal ("1234.5", "vi");
    g_autofree char *f = vb_format_decimal ("1234.5", "en");
    g_autofree char *g = vb_format_decimal ("abc", "en");
    g_autofree char *h = vb_format_integer (23456, "vi");

    g_assert_cmpstr (a, ==, "25/11/2026");
    g_assert_cmpstr (b, ==, "5 Nov 2026");
    g_assert_cmpstr (c, ==, "2026-02-30");
    g_assert_cmpstr (e, ==, "1.234,5");
    g_assert_cmpstr (f, ==, "1,234.5");
    g_assert_cmpstr (g, ==, "abc");
    g_assert_cmpstr (h, ==, "23.456");
  }
}

static void
test_catalog (void)
{
  g_assert_cmpstr (vb_catalog_gettext ("vi", "Invoice"), ==, "Hóa đơn");
  g_assert_cmpstr (vb_catalog_gettext ("vi", "Page {page} of {pages}"), ==, "Trang {page} / {pages}");
  g_assert_cmpstr (vb_catalog_gettext ("en", "Invoice"), ==, "Invoice");
  g_assert_cmpstr (vb_catalog_gettext ("vi", "no such string"), ==, "no such string");
  g_assert_cmpstr (vb_catalog_gettext ("fr", "Invoice"), ==, "Invoice");
  g_assert_true (vb_catalog_is_supported ("vi"));
  g_assert_false (vb_catalog_is_supported ("fr"));
}

static void
test_invoice_en (void)
{
  g_autoptr(JsonObject) model = parse (INVOICE ("en"));
  guint pages = 0;
  g_autofree char *text = render_text (model, &pages);

  g_assert_cmpuint (pages, ==, 1);
  g_assert_cmpuint (vb_document_count_pages (model, VB_DOCUMENT_A4_WIDTH, VB_DOCUMENT_A4_HEIGHT), ==, 1);
  assert_has (text, "Voltbay HCM-1");
  assert_has (text, "Tax ID: 0312345678");
  assert_has (text, "Invoice");
  assert_has (text, "No. HCM-1-2026-000042");
  assert_has (text, "Date: 25 Nov 2026");
  assert_has (text, "Due date: 9 Dec 2026");
  assert_has (text, "Minh Nguyen");
  assert_has (text, "RLLV8EMA5PH000123");
  assert_has (text, "51H-123.45");
  assert_has (text, "VinFast VF 8");
  assert_has (text, "23,456 km");
  assert_has (text, "Cabin air filter VF8-CF-01");
  assert_has (text, "1.5");
  assert_has (text, "VND 1,234,567");
  /* Tax per rate: 10% of 1,834,567 = 183,457 (rounded per line: 60,000 + 123,457), 8% of 50,000. */
  assert_has (text, "VAT 10%");
  assert_has (text, "VND 1,834,567");
  assert_has (text, "VND 183,457");
  assert_has (text, "VAT reduced 8%");
  assert_has (text, "VND 4,000");
  /* Subtotal 1,884,567 + tax 187,457 = 2,072,024; paid 500,000; due 1,572,024. */
  assert_has (text, "VND 1,884,567");
  assert_has (text, "VND 187,457");
  assert_has (text, "VND 2,072,024");
  assert_has (text, "VND 500,000");
  assert_has (text, "VND 1,572,024");
  assert_has (text, "Amount due");
  assert_has (text, "Cash");
  assert_has (text, "Scan to pay");
  assert_has (text, "Payment within 14 days");
  assert_has (text, "Page 1 of 1");
}

static void
test_invoice_vi (void)
{
  g_autoptr(JsonObject) model = parse (INVOICE ("vi"));
  g_autofree char *text = render_text (model, NULL);

  assert_has (text, "Hóa đơn");
  assert_has (text, "Số HCM-1-2026-000042");
  assert_has (text, "Ngày: 25/11/2026");
  assert_has (text, "Khách hàng");
  assert_has (text, "Biển số");
  assert_has (text, "23.456 km");
  assert_has (text, "1,5");
  assert_has (text, "1.234.567 ₫");
  assert_has (text, "2.072.024 ₫");
  assert_has (text, "Tổng cộng");
  assert_has (text, "Số tiền còn phải trả");
  assert_has (text, "1.572.024 ₫");
  assert_has (text, "Tiền mặt");
  assert_has (text, "Trang 1 / 1");
  g_assert_null (strstr (text, "VND 1,234,567"));
}

static void
test_long_invoice (void)
{
  g_autoptr(GString) json = g_string_new (NULL);
  g_autoptr(JsonObject) model = NULL;
  g_autofree char *text = NULL;
  g_autofree char *last = NULL;
  g_autofree char *page2 = NULL;
  g_autofree char *total = NULL;
  guint pages = 0, counted;
  gint64 start, elapsed;
  gint64 sum = 0;

  g_string_append (json, "{\"kind\": \"invoice\", \"language\": \"en\", \"currency\": \"VND\","
                         " \"number\": \"HCM-1-2026-000120\", \"issued_on\": \"2026-11-25\"," PARTIES
                         " \"lines\": [");
  for (guint i = 1; i <= 120; i++)
    {
      gint64 amount = 10000 * i;
      sum += amount;
      g_string_append_printf (json, "%s{\"description\": \"Line %03u part %s\", \"quantity\": 1,"
                              " \"unit_price\": %" G_GINT64_FORMAT ", \"tax_name\": \"VAT\","
                              " \"tax_bp\": 1000, \"amount\": %" G_GINT64_FORMAT "}",
                              i > 1 ? "," : "", i,
                              i % 10 == 0 ? "with a long description that wraps onto a second "
                                            "line of the table, as real part names do" : "",
                              amount, amount);
    }
  g_string_append (json, "]}");
  model = parse (json->str);

  text = render_text (model, &pages);
  counted = vb_document_count_pages (model, VB_DOCUMENT_A4_WIDTH, VB_DOCUMENT_A4_HEIGHT);
  /* Render time alone (count + draw into the PDF), best of 5. */
  elapsed = G_MAXINT64;
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GBytes) pdf = NULL;

      start = g_get_monotonic_time ();
      pdf = vb_document_render_pdf (model, NULL);
      elapsed = MIN (elapsed, g_get_monotonic_time () - start);
      g_assert_nonnull (pdf);
    }
  g_test_message ("120-line invoice: %u pages rendered in %.1f ms (%.1f ms per page)",
                  pages, elapsed / 1000.0, elapsed / 1000.0 / MAX (pages, 1));
  g_assert_cmpuint (pages, >=, 3);
  g_assert_cmpuint (pages, ==, counted);
  page2 = g_strdup_printf ("Page 2 of %u", pages);
  last = g_strdup_printf ("Page %u of %u", pages, pages);
  assert_has (text, "Page 1 of");
  assert_has (text, page2);
  assert_has (text, last);
  assert_has (text, "Line 001 part");
  assert_has (text, "Line 120 part");
  /* The header row and the location header repeat on every page. */
  {
    guint headers = 0, names = 0;
    for (const char *p = text; (p = strstr (p, "Unit price")) != NULL; p++)
      headers++;
    for (const char *p = text; (p = strstr (p, "No. HCM-1-2026-000120")) != NULL; p++)
      names++;
    g_assert_cmpuint (headers, ==, pages);
    g_assert_cmpuint (names, ==, pages);
  }
  /* 120 lines of 10,000 × i: 72,600,000; VAT 10%: 7,260,000; total 79,860,000. */
  g_assert_cmpint (sum, ==, 72600000);
  assert_has (text, "VND 72,600,000");
  assert_has (text, "VND 7,260,000");
  total = g_strdup ("VND 79,860,000");
  assert_has (text, total);
}

static void
test_quote_and_credit_note (void)
{
  g_autoptr(JsonObject) quote = parse (
    "{\"kind\": \"quote\", \"language\": \"en\", \"currency\": \"USD\", \"number\": \"HCM-1-Q-000007\","
    " \"issued_on\": \"2026-11-20\", \"valid_until\": \"2026-12-20\"," PARTIES
    " \"lines\": [{\"description\": \"Brake fluid exchange\", \"quantity\": 2, \"unit_price\": 4950,"
    " \"tax_name\": \"Sales tax\", \"tax_bp\": 825, \"amount\": 9900}]}");
  g_autoptr(JsonObject) credit = parse (
    "{\"kind\": \"credit_note\", \"language\": \"vi\", \"currency\": \"VND\", \"number\": \"HCM-1-CN-2026-000003\","
    " \"credit_for_number\": \"HCM-1-2026-000042\", \"issued_on\": \"2026-11-26\"," PARTIES
    " \"lines\": [{\"description\": \"Hoàn phí\", \"quantity\": 1, \"unit_price\": -50000,"
    " \"tax_name\": \"VAT\", \"tax_bp\": 1000, \"amount\": -50000, \"tax_amount\": -5000}]}");
  g_autofree char *q = render_text (quote, NULL);
  g_autofree char *c = render_text (credit, NULL);

  assert_has (q, "Quote");
  assert_has (q, "Valid until: 20 Dec 2026");
  assert_has (q, "USD 49.50");
  assert_has (q, "Sales tax 8.25%");
  assert_has (q, "USD 99.00");
  assert_has (q, "USD 8.17");        /* 8.25% of 99.00 = 8.1675 → 8.17 */
  assert_has (q, "USD 107.17");
  g_assert_null (strstr (q, "Amount due"));

  assert_has (c, "Hóa đơn điều chỉnh giảm");
  assert_has (c, "Điều chỉnh cho hóa đơn: HCM-1-2026-000042");
  assert_has (c, "-50.000 ₫");
  assert_has (c, "-5.000 ₫");
  assert_has (c, "-55.000 ₫");
}

static void
test_vehicle_history (void)
{
  g_autoptr(JsonObject) model = parse (
    "{\"kind\": \"vehicle_history\", \"language\": \"en\", \"currency\": \"VND\", \"issued_on\": \"2026-11-25\","
    PARTIES
    " \"visits\": ["
    "  {\"date\": \"2026-11-20\", \"number\": \"HCM-1-WO-000017\", \"odometer_km\": 23456, \"location\": \"HCM-1\","
    "   \"services\": [\"Tire rotation\", \"Cabin filter\"], \"labor_tenths\": 15, \"amount\": 2072024},"
    "  {\"date\": \"2026-05-02\", \"number\": \"HCM-1-WO-000003\", \"odometer_km\": 12001,"
    "   \"services\": [\"Battery health check\"], \"labor_tenths\": 10}],"
    " \"totals\": {\"visits\": 2, \"amount\": 2072024}}");
  g_autofree char *text = render_text (model, NULL);

  assert_has (text, "Vehicle maintenance history");
  assert_has (text, "RLLV8EMA5PH000123");
  assert_has (text, "HCM-1-WO-000017");
  assert_has (text, "HCM-1-WO-000003");
  assert_has (text, "23,456");
  assert_has (text, "12,001");
  assert_has (text, "Tire rotation");
  assert_has (text, "Battery health check");
  assert_has (text, "1.5");
  assert_has (text, "VND 2,072,024");
  assert_has (text, "20 Nov 2026");
  assert_has (text, "Page 1 of 1");
}

#define BATTERY(lang) \
    "{\"kind\": \"battery_certificate\", \"language\": \"" lang "\", \"number\": \"HCM-1-WO-000017\"," \
    " \"issued_on\": \"2026-11-25\"," PARTIES \
    " \"battery\": {\"soh_percent\": \"91.4\", \"usable_kwh\": \"80.6\", \"gross_kwh\": 87.7," \
    "  \"chemistry\": \"NMC\", \"tested_on\": \"2026-11-20\", \"method\": \"OBD BMS readout\"," \
    "  \"fault_codes\": [\"P0AA6\", \"P1E00\"]," \
    "  \"isolation\": {\"resistance_kohm\": \"550\", \"test_voltage\": 500, \"passed\": true, \"date\": \"2026-11-20\"}," \
    "  \"trend\": [{\"date\": \"2024-03-01\", \"soh_percent\": \"99.5\", \"odometer_km\": 1200}," \
    "             {\"date\": \"2025-03-01\", \"soh_percent\": 96.2, \"odometer_km\": 11800}," \
    "             {\"date\": \"2026-11-20\", \"soh_percent\": \"91.4\", \"odometer_km\": 23456}]}," \
    " \"terms\": \"Measured values are valid on the test date only.\"}"

static void
test_battery_certificate (void)
{
  g_autoptr(JsonObject) en = parse (BATTERY ("en"));
  g_autoptr(JsonObject) vi = parse (BATTERY ("vi"));
  g_autofree char *e = render_text (en, NULL);
  g_autofree char *v = render_text (vi, NULL);

  assert_has (e, "Battery health certificate");
  assert_has (e, "91.4%");
  assert_has (e, "80.6 kWh");
  assert_has (e, "87.7 kWh");
  assert_has (e, "550 kΩ @ 500 V");
  assert_has (e, "Pass");
  assert_has (e, "P0AA6, P1E00");
  assert_has (e, "99.5%");
  assert_has (e, "96.2%");
  assert_has (e, "11,800 km");
  assert_has (e, "RLLV8EMA5PH000123");
  assert_has (e, "health over visits");

  assert_has (v, "Giấy chứng nhận tình trạng pin");
  assert_has (v, "91,4%");
  assert_has (v, "80,6 kWh");
  assert_has (v, "Đạt");
  assert_has (v, "Mã lỗi");
  assert_has (v, "11.800 km");
}

/* The print path draws the same pages: every page on an image surface, and
 * the count agrees with the PDF. */
static void
test_draw_pages (void)
{
  g_autoptr(JsonObject) model = parse (INVOICE ("vi"));
  guint n = vb_document_count_pages (model, VB_DOCUMENT_A4_WIDTH, VB_DOCUMENT_A4_HEIGHT);
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 596, 842);
  cairo_t *cr = cairo_create (s);
  unsigned char *data;
  gsize dark = 0;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  for (guint p = 0; p < n; p++)
    vb_document_draw_page (model, cr, VB_DOCUMENT_A4_WIDTH, VB_DOCUMENT_A4_HEIGHT, p);
  cairo_surface_flush (s);
  data = cairo_image_surface_get_data (s);
  for (int i = 0; i < cairo_image_surface_get_stride (s) * 842; i += 4)
    if (data[i] < 128)
      dark++;
  g_assert_cmpuint (dark, >, 1000);   /* text and the QR code were drawn */
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (s);
}

/* The server renders on worker threads, each document in its own language. */
static gpointer
render_thread (gpointer data)
{
  const char *json = data;
  g_autoptr(JsonObject) model = parse (json);
  GBytes *last = NULL;

  for (guint i = 0; i < 3; i++)
    {
      g_clear_pointer (&last, g_bytes_unref);
      last = vb_document_render_pdf (model, NULL);
      g_assert_nonnull (last);
    }
  return last;
}

static void
test_threads (void)
{
  const char *models[] = { INVOICE ("vi"), INVOICE ("en"), INVOICE ("vi"), INVOICE ("en") };
  GThread *threads[G_N_ELEMENTS (models)];

  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    threads[i] = g_thread_new ("render", render_thread, (gpointer) models[i]);
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autoptr(GBytes) pdf = g_thread_join (threads[i]);
      g_autofree char *text = pdf_text (pdf, NULL);

      assert_has (text, i % 2 == 0 ? "2.072.024 ₫" : "VND 2,072,024");
      assert_has (text, i % 2 == 0 ? "Số tiền còn phải trả" : "Amount due");
    }
}

static void
test_unknown_kind (void)
{
  g_autoptr(JsonObject) model = parse ("{\"kind\": \"receipt\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) pdf = vb_document_render_pdf (model, &error);

  g_assert_null (pdf);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

int
main (int argc, char *argv[])
{
  g_autofree char *self = g_path_get_dirname (argv[0]);
  g_autofree char *localedir = NULL;

  g_test_init (&argc, &argv, NULL);
  /* The catalog meson compiled from po/vi.po: <build>/po/vi/LC_MESSAGES. */
  localedir = g_build_filename (self, "..", "po", NULL);
  vb_catalog_set_localedir (localedir);

  g_test_add_func ("/document/format", test_format);
  g_test_add_func ("/document/catalog", test_catalog);
  g_test_add_func ("/document/invoice-en", test_invoice_en);
  g_test_add_func ("/document/invoice-vi", test_invoice_vi);
  g_test_add_func ("/document/long-invoice", test_long_invoice);
  g_test_add_func ("/document/quote-credit-note", test_quote_and_credit_note);
  g_test_add_func ("/document/vehicle-history", test_vehicle_history);
  g_test_add_func ("/document/battery-certificate", test_battery_certificate);
  g_test_add_func ("/document/draw-pages", test_draw_pages);
  g_test_add_func ("/document/threads", test_threads);
  g_test_add_func ("/document/unknown-kind", test_unknown_kind);
  return g_test_run ();
}
