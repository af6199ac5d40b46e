/* test-error-json.c — VbError survives the wire: code, message, field and
 * details round-trip through the JSON body; statuses map as documented; the
 * JSON getters name the offending field. */
#include "vb-error.h"
#include "vb-json.h"

static void
test_round_trip (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) back = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) details = json_object_new ();

  vb_set_validation_error (&error, "vin", "vin has a wrong check digit");
  json_object_set_int_member (details, "position", 9);
  vb_error_set_details (error, details);
  node = vb_error_to_json (error);
  back = vb_error_from_json (node, 422);
  g_assert_error (back, VB_ERROR, VB_ERROR_VALIDATION);
  g_assert_cmpstr (back->message, ==, "vin has a wrong check digit");
  g_assert_cmpstr (vb_error_get_field (back), ==, "vin");
  g_assert_cmpint (json_object_get_int_member (vb_error_get_details (back), "position"), ==, 9);
}

static void
test_codes (void)
{
  const struct { VbErrorCode code; const char *name; guint status; } cases[] = {
    { VB_ERROR_MALFORMED_JSON, "malformed_json", 400 },
    { VB_ERROR_UNAUTHENTICATED, "unauthenticated", 401 },
    { VB_ERROR_FORBIDDEN, "forbidden", 403 },
    { VB_ERROR_NOT_FOUND, "not_found", 404 },
    { VB_ERROR_CONFLICT, "conflict", 409 },
    { VB_ERROR_VERSION_CONFLICT, "version_conflict", 409 },
    { VB_ERROR_PAYLOAD_TOO_LARGE, "payload_too_large", 413 },
    { VB_ERROR_VALIDATION, "validation_failed", 422 },
    { VB_ERROR_RATE_LIMITED, "rate_limited", 429 },
    { VB_ERROR_UNAVAILABLE, "service_unavailable", 503 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpstr (vb_error_code_to_string (cases[i].code), ==, cases[i].name);
      g_assert_cmpint (vb_error_code_from_string (cases[i].name), ==, cases[i].code);
      g_assert_cmpuint (vb_error_code_http_status (cases[i].code), ==, cases[i].status);
    }
}

static void
test_unknown_and_empty_bodies (void)
{
  g_autoptr(JsonNode) future = json_from_string ("{\"error\":{\"code\":\"brand_new_code\",\"message\":\"x\"}}", NULL);
  g_autoptr(GError) e1 = vb_error_from_json (future, 418);
  g_autoptr(GError) e2 = vb_error_from_json (NULL, 502);

  g_assert_error (e1, VB_ERROR, VB_ERROR_BAD_REQUEST);
  g_assert_error (e2, VB_ERROR, VB_ERROR_INTERNAL);
}

static void
test_getters (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) obj = vb_json_parse_object ("{\"name\": 5, \"ok\": true, \"tags\": [\"a\", 1]}", -1, &error);
  const char *s = NULL;
  gboolean b = FALSE;
  g_auto(GStrv) tags = NULL;

  g_assert_no_error (error);
  g_assert_null (vb_json_require_string (obj, "name", &error));
  g_assert_cmpstr (vb_error_get_field (error), ==, "name");
  g_clear_error (&error);
  g_assert_null (vb_json_require_string (obj, "missing", &error));
  g_assert_cmpstr (vb_error_get_field (error), ==, "missing");
  g_clear_error (&error);
  g_assert_true (vb_json_optional_string (obj, "absent", &s, &error));
  g_assert_null (s);
  g_assert_true (vb_json_optional_bool (obj, "ok", &b, &error));
  g_assert_true (b);
  g_assert_false (vb_json_optional_strv (obj, "tags", &tags, &error));
  g_assert_cmpstr (vb_error_get_field (error), ==, "tags");
  g_clear_error (&error);
  g_assert_false (vb_validate_email ("not-an-email", "email", &error));
  g_assert_cmpstr (vb_error_get_field (error), ==, "email");
  g_clear_error (&error);
  g_assert_true (vb_validate_email ("a.b@example.co", "email", &error));
  g_assert_null (vb_json_parse_object ("[]", -1, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_MALFORMED_JSON);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/error/round-trip", test_round_trip);
  g_test_add_func ("/error/codes", test_codes);
  g_test_add_func ("/error/unknown-and-empty", test_unknown_and_empty_bodies);
  g_test_add_func ("/json/getters", test_getters);
  return g_test_run ();
}
