/* test-purchase-orders.c — purchase orders and transfers against the real
 * server: draft → ordered → partially_received → received with receipt
 * movements per line, lines fixed once ordered, over-receiving refused (409
 * naming quantity), cancelling from draft/ordered only, validation naming
 * the field (lines[i].quantity), permissions and location scoping, change
 * feed and audit rows; a transfer HCM-1 → HN-1 (requested → in_transit →
 * received) with its two movements and permission at each end.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

#define ASSERT_SQL(expected, ...) \
  G_STMT_START { \
    g_autofree char *value_ = vb_test_sql (__VA_ARGS__); \
    g_assert_cmpstr (value_, ==, expected); \
  } G_STMT_END

static char *
add_part (VbTestFloor *floor,
          const char  *sku)
{
  g_autofree char *body = g_strdup_printf ("{\"sku\": \"%s\", \"name\": \"Part %s\", \"unit_cost_amount\": 90000,"
                                           " \"sale_price_amount\": 120000, \"currency\": \"VND\", \"supplier\": \"Acme\"}",
                                           sku, sku);
  g_autoptr(JsonNode) part = vb_test_call (floor->server, "POST", "/api/v1/parts", floor->manager, body, 201);

  return g_strdup (vb_test_id_of (part));
}

static gint64
on_hand (VbTestFloor *floor,
         const char  *location,
         const char  *part)
{
  g_autofree char *v = vb_test_sql (floor->server,
                                    "SELECT on_hand FROM stock_levels WHERE location_id = $1::uuid AND part_id = $2::uuid",
                                    location, part, NULL);
  return v ? g_ascii_strtoll (v, NULL, 10) : -1;
}

static const char *
line_id (JsonNode   *po,
         guint       index)
{
  return json_object_get_string_member (
    json_array_get_object_element (json_object_get_array_member (vb_test_object (po), "lines"), index), "id");
}

static void
test_lifecycle (void)
{
  VbTestFloor floor;
  g_autofree char *p1 = NULL;
  g_autofree char *p2 = NULL;
  g_autofree char *p3 = NULL;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *act = NULL;
  g_autoptr(JsonNode) po = NULL;
  g_autoptr(JsonNode) r = NULL;
  g_autoptr(JsonNode) list = NULL;
  guint status = 0;

  vb_test_floor_setup (&floor, VB_TEST_FLOOR_TECH_B);
  p1 = add_part (&floor, "PO-A");
  p2 = add_part (&floor, "PO-B");
  p3 = add_part (&floor, "PO-C");

  /* Validation names the field. */
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"lines\": []}", floor.a);
  vb_test_call_error (floor.server, "POST", "/api/v1/purchase-orders", floor.manager, body, 422,
                      "validation_failed", "supplier");
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"supplier\": \"Acme\", \"lines\": [{\"part_id\": \"%s\", \"quantity\": 0}]}",
                          floor.a, p1);
  vb_test_call_error (floor.server, "POST", "/api/v1/purchase-orders", floor.manager, body, 422,
                      "validation_failed", "lines[0].quantity");
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"supplier\": \"Acme\"}", floor.b);
  vb_test_call_error (floor.server, "POST", "/api/v1/purchase-orders", floor.manager, body, 422,
                      "validation_failed", "location_id");
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"supplier\": \"Acme\"}", floor.a);
  vb_test_call_error (floor.server, "POST", "/api/v1/purchase-orders", floor.tech, body, 403, "forbidden", NULL);
  /* A part priced in VND on a USD order needs its cost given; a part that does not exist is named. */
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"supplier\": \"Acme\", \"currency\": \"USD\","
                          " \"lines\": [{\"part_id\": \"%s\", \"quantity\": 1}]}", floor.a, p1);
  vb_test_call_error (floor.server, "POST", "/api/v1/purchase-orders", floor.manager, body, 422,
                      "validation_failed", "unit_cost_amount");
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"supplier\": \"Acme\","
                          " \"lines\": [{\"part_id\": \"00000000-0000-4000-8000-000000000001\", \"quantity\": 1}]}",
                          floor.a);
  vb_test_call_error (floor.server, "POST", "/api/v1/purchase-orders", floor.manager, body, 422,
                      "validation_failed", "part_id");

  /* A draft with two lines; a third added; cost defaults to the catalog's. */
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"supplier\": \"Acme\", \"notes\": \"weekly\","
                          " \"lines\": [{\"part_id\": \"%s\", \"quantity\": 10, \"unit_cost_amount\": 80000},"
                          "             {\"part_id\": \"%s\", \"quantity\": 4}]}", floor.a, p1, p2);
  po = vb_test_call (floor.server, "POST", "/api/v1/purchase-orders", floor.manager, body, 201);
  g_assert_cmpstr (vb_test_str_of (po, "status"), ==, "draft");
  g_assert_cmpstr (vb_test_str_of (po, "currency"), ==, "VND");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (po), "total_amount"), ==, 10 * 80000 + 4 * 90000);
  path = g_strdup_printf ("/api/v1/purchase-orders/%s", vb_test_id_of (po));
  act = g_strconcat (path, "/lines", NULL);
  g_free (body);
  body = g_strdup_printf ("{\"part_id\": \"%s\", \"quantity\": 2}", p1);
  vb_test_call_error (floor.server, "POST", act, floor.manager, body, 409, "conflict", "part_id");
  g_free (body);
  body = g_strdup_printf ("{\"part_id\": \"%s\", \"quantity\": 2}", p3);
  r = vb_test_call (floor.server, "POST", act, floor.manager, body, 201);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (r), "lines")), ==, 3);
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_call (floor.server, "PATCH", path, floor.manager, "{\"version\": 2, \"notes\": \"urgent\"}", 200);
  g_assert_cmpstr (vb_test_str_of (r, "notes"), ==, "urgent");
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_request (floor.server, "PATCH", path, floor.manager, "{\"version\": 1, \"notes\": \"x\"}", &status);
  g_assert_cmpuint (status, ==, 409);
  vb_test_assert_error (r, "version_conflict", NULL);
  vb_test_call_error (floor.server, "GET", path, floor.tech_b, NULL, 404, "not_found", NULL);

  /* Receiving a draft is refused; order it; lines are fixed then. */
  g_free (act);
  act = g_strconcat (path, "/receive", NULL);
  g_free (body);
  body = g_strdup_printf ("{\"lines\": [{\"line_id\": \"%s\", \"quantity\": 1}]}", line_id (po, 0));
  vb_test_call_error (floor.server, "POST", act, floor.manager, body, 409, "conflict", "status");
  g_free (act);
  act = g_strconcat (path, "/order", NULL);
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_call (floor.server, "POST", act, floor.manager, NULL, 200);
  g_assert_cmpstr (vb_test_str_of (r, "status"), ==, "ordered");
  g_assert_nonnull (vb_test_str_of (r, "ordered_at"));
  vb_test_call_error (floor.server, "POST", act, floor.manager, NULL, 409, "conflict", "status");
  g_free (act);
  act = g_strconcat (path, "/lines", NULL);
  vb_test_call_error (floor.server, "POST", act, floor.manager, body, 422, "validation_failed", "part_id");
  g_free (body);
  body = g_strdup_printf ("{\"part_id\": \"%s\", \"quantity\": 2}", p3);
  vb_test_call_error (floor.server, "POST", act, floor.manager, body, 409, "conflict", "status");

  /* Partial receipt, over-receipt refused, then the rest. */
  g_clear_pointer (&po, json_node_unref);
  po = vb_test_call (floor.server, "GET", path, floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (po), "lines")), ==, 3);
  g_free (act);
  act = g_strconcat (path, "/receive", NULL);
  g_free (body);
  body = g_strdup_printf ("{\"lines\": [{\"line_id\": \"%s\", \"quantity\": 6}, {\"line_id\": \"%s\", \"quantity\": 4}]}",
                          line_id (po, 0), line_id (po, 1));
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_call (floor.server, "POST", act, floor.manager, body, 200);
  g_assert_cmpstr (vb_test_str_of (r, "status"), ==, "partially_received");
  g_assert_cmpint (on_hand (&floor, floor.a, p1), ==, 6);
  g_assert_cmpint (on_hand (&floor, floor.a, p2), ==, 4);
  ASSERT_SQL ("80000", floor.server, "SELECT unit_cost_amount FROM stock_movements WHERE part_id = $1::uuid AND kind = 'receipt'",
              p1, NULL);
  g_free (body);
  body = g_strdup_printf ("{\"lines\": [{\"line_id\": \"%s\", \"quantity\": 5}]}", line_id (po, 0));
  vb_test_call_error (floor.server, "POST", act, floor.manager, body, 409, "conflict", "quantity");
  g_assert_cmpint (on_hand (&floor, floor.a, p1), ==, 6);
  vb_test_call_error (floor.server, "POST", act, floor.manager, "{\"lines\": [{\"line_id\": \"00000000-0000-4000-8000-000000000000\","
                      " \"quantity\": 1}]}", 422, "validation_failed", "lines");
  vb_test_call_error (floor.server, "POST", act, floor.tech, body, 403, "forbidden", NULL);
  g_free (body);
  body = g_strdup_printf ("{\"lines\": [{\"line_id\": \"%s\", \"quantity\": 4}, {\"line_id\": \"%s\", \"quantity\": 2}]}",
                          line_id (po, 0), line_id (po, 2));
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_call (floor.server, "POST", act, floor.manager, body, 200);
  g_assert_cmpstr (vb_test_str_of (r, "status"), ==, "received");
  g_assert_nonnull (vb_test_str_of (r, "received_at"));
  g_assert_cmpint (on_hand (&floor, floor.a, p1), ==, 10);
  g_assert_cmpint (on_hand (&floor, floor.a, p3), ==, 2);
  g_free (act);
  act = g_strconcat (path, "/cancel", NULL);
  vb_test_call_error (floor.server, "POST", act, floor.manager, NULL, 409, "conflict", "status");

  /* Cancelling: from draft (and an empty draft cannot be ordered). */
  {
    g_autofree char *draft_body = g_strdup_printf ("{\"location_id\": \"%s\", \"supplier\": \"Other\"}", floor.a);
    g_autoptr(JsonNode) draft = vb_test_call (floor.server, "POST", "/api/v1/purchase-orders", floor.manager, draft_body, 201);
    g_autofree char *order = g_strdup_printf ("/api/v1/purchase-orders/%s/order", vb_test_id_of (draft));
    g_autofree char *cancel = g_strdup_printf ("/api/v1/purchase-orders/%s/cancel", vb_test_id_of (draft));
    g_autoptr(JsonNode) cancelled = NULL;

    vb_test_call_error (floor.server, "POST", order, floor.manager, NULL, 409, "conflict", "lines");
    cancelled = vb_test_call (floor.server, "POST", cancel, floor.manager, "{\"reason\": \"duplicate\"}", 200);
    g_assert_cmpstr (vb_test_str_of (cancelled, "status"), ==, "cancelled");
    g_assert_cmpstr (vb_test_str_of (cancelled, "cancel_reason"), ==, "duplicate");
  }

  list = vb_test_call (floor.server, "GET", "/api/v1/purchase-orders?status=received", floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 1);
  g_assert_true (vb_test_feed_has_row (floor.server, floor.desk, "purchase_orders", vb_test_id_of (po), "upsert"));
  g_assert_true (vb_test_feed_has_row (floor.server, floor.desk, "purchase_order_lines", line_id (po, 0), "upsert"));
  g_assert_false (vb_test_feed_has (floor.server, floor.tech_b, "purchase_orders", vb_test_id_of (po), NULL));
  g_assert_cmpint (vb_test_audit_count (floor.server, "purchase_orders", vb_test_id_of (po), "insert"), ==, 1);
  g_assert_cmpint (vb_test_audit_count (floor.server, "purchase_orders", vb_test_id_of (po), "update"), >=, 3);
  vb_test_floor_clear (&floor);
}

static void
test_transfer (void)
{
  VbTestFloor floor;
  g_autofree char *part = NULL;
  g_autofree char *body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *ship = NULL;
  g_autofree char *recv = NULL;
  g_autoptr(JsonNode) t = NULL;
  g_autoptr(JsonNode) r = NULL;

  vb_test_floor_setup (&floor, VB_TEST_FLOOR_TECH_B);
  part = add_part (&floor, "TR-1");
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"receipt\", \"quantity\": 5}",
                          floor.a, part);
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_call (floor.server, "POST", "/api/v1/stock-movements", floor.manager, body, 201);

  g_free (body);
  body = g_strdup_printf ("{\"from_location_id\": \"%s\", \"to_location_id\": \"%s\", \"part_id\": \"%s\", \"quantity\": 3,"
                          " \"note\": \"HN-1 is out\"}", floor.a, floor.a, part);
  vb_test_call_error (floor.server, "POST", "/api/v1/stock-transfers", floor.manager, body, 422,
                      "validation_failed", "to_location_id");
  g_free (body);
  body = g_strdup_printf ("{\"from_location_id\": \"%s\", \"to_location_id\": \"%s\", \"part_id\": \"%s\", \"quantity\": 3,"
                          " \"note\": \"HN-1 is out\"}", floor.a, floor.b, part);
  vb_test_call_error (floor.server, "POST", "/api/v1/stock-transfers", floor.tech, body, 403, "forbidden", NULL);
  t = vb_test_call (floor.server, "POST", "/api/v1/stock-transfers", floor.manager, body, 201);
  g_assert_cmpstr (vb_test_str_of (t, "status"), ==, "requested");
  path = g_strdup_printf ("/api/v1/stock-transfers/%s", vb_test_id_of (t));
  ship = g_strconcat (path, "/ship", NULL);
  recv = g_strconcat (path, "/receive", NULL);
  /* Both ends see it. */
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_call (floor.server, "GET", path, floor.tech_b, NULL, 200);
  vb_test_call_error (floor.server, "POST", recv, floor.manager, NULL, 403, "forbidden", NULL);
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_call (floor.server, "POST", ship, floor.manager, NULL, 200);
  g_assert_cmpstr (vb_test_str_of (r, "status"), ==, "in_transit");
  g_assert_cmpint (on_hand (&floor, floor.a, part), ==, 2);
  g_assert_cmpint (on_hand (&floor, floor.b, part), ==, -1);
  vb_test_call_error (floor.server, "POST", ship, floor.manager, NULL, 409, "conflict", "status");
  /* The manager of HCM-1 does not manage HN-1: the admin receives there. */
  vb_test_call_error (floor.server, "POST", recv, floor.manager, NULL, 403, "forbidden", NULL);
  g_clear_pointer (&r, json_node_unref);
  r = vb_test_call (floor.server, "POST", recv, floor.admin, NULL, 200);
  g_assert_cmpstr (vb_test_str_of (r, "status"), ==, "received");
  g_assert_cmpint (on_hand (&floor, floor.b, part), ==, 3);
  ASSERT_SQL ("2", floor.server, "SELECT count(*) FROM stock_movements WHERE stock_transfer_id = $1::uuid",
              vb_test_id_of (t), NULL);
  ASSERT_SQL ("-3", floor.server, "SELECT quantity FROM stock_movements WHERE stock_transfer_id = $1::uuid"
              " AND kind = 'transfer_out' AND location_id = $2::uuid", vb_test_id_of (t), floor.a, NULL);

  /* Shipping more than the source holds: 409 naming quantity, still requested. */
  g_free (body);
  body = g_strdup_printf ("{\"from_location_id\": \"%s\", \"to_location_id\": \"%s\", \"part_id\": \"%s\", \"quantity\": 3}",
                          floor.a, floor.b, part);
  {
    g_autoptr(JsonNode) big = vb_test_call (floor.server, "POST", "/api/v1/stock-transfers", floor.manager, body, 201);
    g_autofree char *big_ship = g_strdup_printf ("/api/v1/stock-transfers/%s/ship", vb_test_id_of (big));
    g_autofree char *big_cancel = g_strdup_printf ("/api/v1/stock-transfers/%s/cancel", vb_test_id_of (big));
    g_autoptr(JsonNode) cancelled = NULL;

    vb_test_call_error (floor.server, "POST", big_ship, floor.manager, NULL, 409, "conflict", "quantity");
    cancelled = vb_test_call (floor.server, "POST", big_cancel, floor.manager, NULL, 200);
    g_assert_cmpstr (vb_test_str_of (cancelled, "status"), ==, "cancelled");
    vb_test_call_error (floor.server, "POST", big_ship, floor.manager, NULL, 409, "conflict", "status");
  }
  g_assert_true (vb_test_feed_has_row (floor.server, floor.tech_b, "stock_transfers", vb_test_id_of (t), "upsert"));
  g_assert_true (vb_test_feed_has_row (floor.server, floor.tech, "stock_transfers", vb_test_id_of (t), "upsert"));
  g_assert_cmpint (vb_test_audit_count (floor.server, "stock_transfers", vb_test_id_of (t), "update"), ==, 2);
  vb_test_floor_clear (&floor);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/purchase-orders/lifecycle", test_lifecycle);
  g_test_add_func ("/purchase-orders/transfer", test_transfer);
  return g_test_run ();
}
