/* test-inventory.c — the parts catalog, stock and its ledger, reorder alerts
 * and technicians' requests against the real server: validation naming the
 * field, the last unit taken by 10 technicians at once (one 201, nine 409
 * naming quantity), 1,000 random movements after which every stock row
 * equals the sums of the ledger (and the test's own model) with nothing
 * negative, the same under 4 concurrent writers, reservations/consumption/returns for a work order, an alert
 * raised once and closed by a receipt, requests fulfilled or declined,
 * permissions per role and location, change feed and audit rows, and a
 * ledger that refuses UPDATE and DELETE.
 */
#include "vb-test-floor.h"
#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

typedef struct
{
  VbTestFloor floor;   /* tech2 at HCM-1, tech_b at HN-1, customer of HCM-1 */
  char *order;         /* diagnosing at HCM-1 */
  char *order_b;       /* at HN-1 */
} Fx;

/* One SQL value (text parameters up to NULL) must be expected. */
#define ASSERT_SQL(expected, ...) \
  G_STMT_START { \
    g_autofree char *value_ = vb_test_sql (__VA_ARGS__); \
    g_assert_cmpstr (value_, ==, expected); \
  } G_STMT_END

static char *
order_b (Fx *fx)
{
  g_autofree char *customer = NULL;
  g_autofree char *vehicle = NULL;

  vb_test_floor_add_customer (&fx->floor, fx->floor.admin, fx->floor.b, "Lan", "\"plate\": \"29A-54321\"",
                              &customer, &vehicle);
  return vb_test_floor_order_at (&fx->floor, fx->floor.b, customer, vehicle);
}

static void
fx_setup (Fx *fx)
{
  memset (fx, 0, sizeof *fx);
  vb_test_floor_setup (&fx->floor, VB_TEST_FLOOR_TECH2 | VB_TEST_FLOOR_TECH_B | VB_TEST_FLOOR_CUSTOMER);
  fx->order = vb_test_floor_order (&fx->floor, "diagnosing");
  fx->order_b = order_b (fx);
}

static void
fx_clear (Fx *fx)
{
  vb_test_floor_clear (&fx->floor);
  g_free (fx->order);
  g_free (fx->order_b);
}

/* A part made by the manager; its id. */
static char *
add_part (Fx         *fx,
          const char *sku,
          const char *name,
          const char *supplier)
{
  g_autofree char *body = g_strdup_printf ("{\"sku\": \"%s\", \"name\": \"%s\", \"unit_cost_amount\": 150000,"
                                           " \"sale_price_amount\": 250000, \"currency\": \"VND\","
                                           " \"supplier\": \"%s\", \"compatible_models\": [\"VF 8\", \"VF 9\"]}",
                                           sku, name, supplier);
  g_autoptr(JsonNode) part = vb_test_call (fx->floor.server, "POST", "/api/v1/parts", fx->floor.manager, body, 201);

  return g_strdup (vb_test_id_of (part));
}

/* POST /stock-movements as token; returns the status (the reply in *out if wanted). */
static guint
move (Fx          *fx,
      const char  *token,
      const char  *body,
      JsonNode   **out)
{
  guint status = 0;
  JsonNode *reply = vb_test_request (fx->floor.server, "POST", "/api/v1/stock-movements", token, body, &status);

  if (out != NULL)
    *out = reply;
  else if (reply != NULL)
    json_node_unref (reply);
  return status;
}

static void
receive (Fx         *fx,
         const char *location,
         const char *part,
         int         quantity)
{
  g_autofree char *body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"receipt\","
                                           " \"quantity\": %d}", location, part, quantity);
  g_assert_cmpuint (move (fx, fx->floor.manager, body, NULL), ==, 201);
}

static gint64
stock_value (Fx         *fx,
             const char *location,
             const char *part,
             const char *column)
{
  static const char sql[] =
    "SELECT CASE $3 WHEN 'on_hand' THEN on_hand WHEN 'reserved' THEN reserved ELSE available END"
    " FROM stock_levels WHERE location_id = $1::uuid AND part_id = $2::uuid";
  g_autofree char *v = vb_test_sql (fx->floor.server, sql, location, part, column, NULL);

  return v ? g_ascii_strtoll (v, NULL, 10) : -1;
}

/* ------------------------------------------------------------ catalog --- */

static void
test_catalog (void)
{
  Fx fx;
  g_autofree char *part = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) got = NULL;
  g_autoptr(JsonNode) found = NULL;
  g_autoptr(JsonNode) by_name = NULL;
  g_autoptr(JsonNode) changed = NULL;
  guint status = 0;

  fx_setup (&fx);
  part = add_part (&fx, "VF8-CABIN-01", "Cabin air filter", "VinFast Parts");
  path = g_strdup_printf ("/api/v1/parts/%s", part);
  got = vb_test_call (fx.floor.server, "GET", path, fx.floor.tech, NULL, 200);
  g_assert_cmpstr (vb_test_str_of (got, "sku"), ==, "VF8-CABIN-01");
  g_assert_cmpint (json_object_get_int_member (vb_test_object (got), "sale_price_amount"), ==, 250000);
  g_assert_cmpstr (vb_test_str_of (got, "tax_class"), ==, "VAT");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (got), "compatible_models")), ==, 2);

  /* Validation names the field. */
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.manager,
                      "{\"name\": \"x\", \"unit_cost_amount\": 1, \"sale_price_amount\": 1, \"currency\": \"VND\"}",
                      422, "validation_failed", "sku");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.manager,
                      "{\"sku\": \"A 1\", \"name\": \"x\", \"unit_cost_amount\": 1, \"sale_price_amount\": 1, \"currency\": \"VND\"}",
                      422, "validation_failed", "sku");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.manager,
                      "{\"sku\": \"A-1\", \"name\": \"   \", \"unit_cost_amount\": 1, \"sale_price_amount\": 1, \"currency\": \"VND\"}",
                      422, "validation_failed", "name");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.manager,
                      "{\"sku\": \"A-1\", \"name\": \"x\", \"unit_cost_amount\": -1, \"sale_price_amount\": 1, \"currency\": \"VND\"}",
                      422, "validation_failed", "unit_cost_amount");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.manager,
                      "{\"sku\": \"A-1\", \"name\": \"x\", \"unit_cost_amount\": 1, \"sale_price_amount\": 1.5, \"currency\": \"VND\"}",
                      422, "validation_failed", "sale_price_amount");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.manager,
                      "{\"sku\": \"A-1\", \"name\": \"x\", \"unit_cost_amount\": 1, \"sale_price_amount\": 1, \"currency\": \"dong\"}",
                      422, "validation_failed", "currency");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.manager,
                      "{\"sku\": \"A-1\", \"name\": \"x\", \"unit_cost_amount\": 1, \"sale_price_amount\": 1, \"currency\": \"VND\","
                      " \"compatible_models\": [\"VF 8\", 3]}",
                      422, "validation_failed", "compatible_models");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.manager,
                      "{\"sku\": \"VF8-CABIN-01\", \"name\": \"x\", \"unit_cost_amount\": 1, \"sale_price_amount\": 1, \"currency\": \"VND\"}",
                      409, "conflict", "sku");
  /* Technicians and the desk read the catalog but do not change it. */
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.tech,
                      "{\"sku\": \"A-1\", \"name\": \"x\", \"unit_cost_amount\": 1, \"sale_price_amount\": 1, \"currency\": \"VND\"}",
                      403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/parts", fx.floor.desk,
                      "{\"sku\": \"A-1\", \"name\": \"x\", \"unit_cost_amount\": 1, \"sale_price_amount\": 1, \"currency\": \"VND\"}",
                      403, "forbidden", NULL);

  /* Search by SKU prefix (any case) and by name. */
  g_free (add_part (&fx, "VF9-WIPER-02", "Wiper blade", "Bosch"));
  found = vb_test_call (fx.floor.server, "GET", "/api/v1/parts?q=vf8", fx.floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (found), "items")), ==, 1);
  by_name = vb_test_call (fx.floor.server, "GET", "/api/v1/parts?q=wiper", fx.floor.tech, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (by_name), "items")), ==, 1);
  g_assert_cmpstr (vb_test_str_of (json_array_get_element (json_object_get_array_member (vb_test_object (by_name), "items"), 0),
                                   "sku"), ==, "VF9-WIPER-02");

  /* LIKE wildcards in q are plain characters. */
  {
    g_autoptr(JsonNode) none = vb_test_call (fx.floor.server, "GET", "/api/v1/parts?q=VF_", fx.floor.tech, NULL, 200);
    g_autoptr(JsonNode) all = vb_test_call (fx.floor.server, "GET", "/api/v1/parts?q=%25", fx.floor.tech, NULL, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (none), "items")), ==, 0);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (all), "items")), ==, 0);
  }

  /* Updates are version-guarded. */
  changed = vb_test_call (fx.floor.server, "PATCH", path, fx.floor.manager,
                          "{\"version\": 1, \"sale_price_amount\": 270000, \"compatible_models\": [\"VF 8\"]}", 200);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (changed), "sale_price_amount"), ==, 270000);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (changed), "version"), ==, 2);
  {
    g_autoptr(JsonNode) stale = vb_test_request (fx.floor.server, "PATCH", path, fx.floor.manager,
                                                 "{\"version\": 1, \"name\": \"Other\"}", &status);
    g_assert_cmpuint (status, ==, 409);
    vb_test_assert_error (stale, "version_conflict", NULL);
  }
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.manager, "{\"version\": 2, \"currency\": \"vnd\"}",
                      422, "validation_failed", "currency");

  g_assert_true (vb_test_feed_has_row (fx.floor.server, fx.floor.tech, "parts", part, "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "parts", part, "insert"), ==, 1);
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "parts", part, "update"), ==, 1);
  fx_clear (&fx);
}

/* ---------------------------------------------------------- last unit --- */

static void
test_last_unit_race (void)
{
  Fx fx;
  g_autofree char *part = NULL;
  g_autofree char *body = NULL;
  guint created = 0, conflicts = 0;

  fx_setup (&fx);
  part = add_part (&fx, "HV-FUSE-350A", "HV main fuse 350 A", "Mersen");
  receive (&fx, fx.floor.a, part, 1);
  body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"consumption\", \"quantity\": 1}",
                          fx.order, part);
  vb_test_post_race (fx.floor.server, "/api/v1/stock-movements", fx.floor.tech, body, 10, "quantity",
                     &created, &conflicts);
  g_test_message ("10 concurrent consumptions of the last unit: %u created, %u conflicts", created, conflicts);
  g_assert_cmpuint (created, ==, 1);
  g_assert_cmpuint (conflicts, ==, 9);
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "on_hand"), ==, 0);
  ASSERT_SQL ("1", fx.floor.server, "SELECT count(*) FROM stock_movements WHERE part_id = $1::uuid"
                                " AND kind = 'consumption'", part, NULL);
  fx_clear (&fx);
}

/* ------------------------------------------------------- random ledger --- */

typedef struct
{
  int on_hand, reserved;
} Level;

static void
test_random_ledger (void)
{
  Fx fx;
  char *parts[3];
  const char *locations[2];
  const char *orders[2];
  Level level[2][3] = { { { 0 } } };
  int held[2][3] = { { 0 } }, used[2][3] = { { 0 } };
  guint accepted = 0, refused = 0;
  GRand *rand = g_rand_new_with_seed (20261125);
  g_autoptr(GTimer) timer = g_timer_new ();
  char *mismatch;

  fx_setup (&fx);
  locations[0] = fx.floor.a;
  locations[1] = fx.floor.b;
  orders[0] = fx.order;
  orders[1] = fx.order_b;
  for (guint p = 0; p < 3; p++)
    {
      g_autofree char *sku = g_strdup_printf ("RND-%u", p);
      parts[p] = add_part (&fx, sku, "Random part", "Acme");
    }
  for (guint i = 0; i < 1000; i++)
    {
      guint l = g_rand_int_range (rand, 0, 2), p = g_rand_int_range (rand, 0, 3);
      int q = g_rand_int_range (rand, 1, 6);
      int k = g_rand_int_range (rand, 0, 8);
      Level *s = &level[l][p];
      g_autofree char *body = NULL;
      gboolean ok;
      guint status;

      switch (k)
        {
        case 0:
          body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"receipt\", \"quantity\": %d}",
                                  locations[l], parts[p], q);
          ok = TRUE;
          if (ok) s->on_hand += q;
          break;
        case 1:
          q = g_rand_boolean (rand) ? q : -q;
          body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"adjustment\", \"quantity\": %d,"
                                  " \"reason\": \"stock count\"}", locations[l], parts[p], q);
          ok = s->on_hand + q >= s->reserved;
          if (ok) s->on_hand += q;
          break;
        case 2:
          body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"reservation\", \"quantity\": %d}",
                                  orders[l], parts[p], q);
          ok = s->on_hand - s->reserved >= q;
          if (ok) { s->reserved += q; held[l][p] += q; }
          break;
        case 3:
          body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"release\", \"quantity\": %d}",
                                  orders[l], parts[p], q);
          ok = held[l][p] >= q;
          if (ok) { s->reserved -= q; held[l][p] -= q; }
          break;
        case 4:
          body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"consumption\", \"quantity\": %d}",
                                  orders[l], parts[p], q);
          ok = s->on_hand - q >= s->reserved;
          if (ok) { s->on_hand -= q; used[l][p] += q; }
          break;
        case 5:
          body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"consumption\", \"quantity\": %d,"
                                  " \"from_reservation\": true}", orders[l], parts[p], q);
          ok = held[l][p] >= q;
          if (ok) { s->on_hand -= q; s->reserved -= q; held[l][p] -= q; used[l][p] += q; }
          break;
        default:
          body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"return\", \"quantity\": %d}",
                                  orders[l], parts[p], q);
          ok = used[l][p] >= q;
          if (ok) { s->on_hand += q; used[l][p] -= q; }
          break;
        }
      status = move (&fx, fx.floor.admin, body, NULL);
      if (status != (ok ? 201u : 409u))
        g_error ("movement %u (%s): expected %u, got %u", i, body, ok ? 201u : 409u, status);
      if (ok)
        accepted++;
      else
        refused++;
    }
  g_test_message ("1,000 random movements in %.2f s: %u accepted, %u refused (409 quantity)",
                  g_timer_elapsed (timer, NULL), accepted, refused);

  /* Every stock row equals the ledger's sums, counted from the signed
   * quantities by kind (not from the deltas the trigger stored). */
  mismatch = vb_test_sql (fx.floor.server,
    "SELECT count(*) FROM stock_levels s"
    "  LEFT JOIN (SELECT location_id, part_id,"
    "                    sum(quantity) FILTER (WHERE kind NOT IN ('reservation', 'release')) AS on_hand,"
    "                    coalesce(sum(quantity) FILTER (WHERE kind IN ('reservation', 'release')), 0)"
    "                    + coalesce(sum(quantity) FILTER (WHERE kind = 'consumption' AND from_reservation), 0) AS reserved"
    "               FROM stock_movements GROUP BY location_id, part_id) m USING (location_id, part_id)"
    " WHERE s.on_hand IS DISTINCT FROM coalesce(m.on_hand, 0) OR s.reserved IS DISTINCT FROM coalesce(m.reserved, 0)"
    "    OR s.on_hand < 0 OR s.reserved < 0 OR s.available < 0", NULL);
  g_assert_cmpstr (mismatch, ==, "0");
  g_free (mismatch);
  mismatch = vb_test_sql (fx.floor.server,
    "SELECT count(*) FROM (SELECT location_id, part_id, sum(on_hand_delta) AS o, sum(reserved_delta) AS r"
    "                        FROM stock_movements GROUP BY location_id, part_id) m"
    "  JOIN stock_levels s USING (location_id, part_id) WHERE s.on_hand <> m.o OR s.reserved <> m.r", NULL);
  g_assert_cmpstr (mismatch, ==, "0");
  g_free (mismatch);
  /* And the test's own model. */
  for (guint l = 0; l < 2; l++)
    for (guint p = 0; p < 3; p++)
      {
        g_autofree char *used_sql = NULL;
        g_assert_cmpint (stock_value (&fx, locations[l], parts[p], "on_hand"), ==, level[l][p].on_hand);
        g_assert_cmpint (stock_value (&fx, locations[l], parts[p], "reserved"), ==, level[l][p].reserved);
        used_sql = vb_test_sql (fx.floor.server, "SELECT coalesce((SELECT quantity FROM work_order_parts_used"
                                " WHERE work_order_id = $1::uuid AND part_id = $2::uuid), 0)",
                                orders[l], parts[p], NULL);
        g_assert_cmpint (g_ascii_strtoll (used_sql, NULL, 10), ==, used[l][p]);
      }
  g_assert_cmpuint (refused, >, 0);
  for (guint p = 0; p < 3; p++)
    g_free (parts[p]);
  g_rand_free (rand);
  fx_clear (&fx);
}

/* ------------------------------------------------- concurrent ledger --- */

typedef struct
{
  VbTestServer *server;
  const char   *token;
  const char   *orders[2];
  const char   *parts[2];
  guint         seed;
  guint         n;
  guint         created, conflicts, other;
} Writer;

static gpointer
writer_thread (gpointer data)
{
  static const char * const kinds[] = { "reservation", "release", "consumption", "consumption", "return", "reservation" };
  Writer *w = data;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  g_autofree char *url = g_strconcat (w->server->base_url, "/api/v1/stock-movements", NULL);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", w->token);
  GRand *rand = g_rand_new_with_seed (w->seed);

  for (guint i = 0; i < w->n; i++)
    {
      guint k = g_rand_int_range (rand, 0, G_N_ELEMENTS (kinds));
      g_autofree char *body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"%s\","
                                               " \"quantity\": %d%s}",
                                               w->orders[g_rand_int_range (rand, 0, 2)],
                                               w->parts[g_rand_int_range (rand, 0, 2)], kinds[k],
                                               g_rand_int_range (rand, 1, 4),
                                               k == 3 ? ", \"from_reservation\": true" : "");
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      g_autoptr(GBytes) reply = NULL;
      g_autoptr(GError) error = NULL;
      guint status;

      soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", auth);
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
      reply = soup_session_send_and_read (session, msg, NULL, &error);
      g_assert_no_error (error);
      status = soup_message_get_status (msg);
      if (status == 201)
        w->created++;
      else if (status == 409)
        w->conflicts++;
      else
        w->other++;
    }
  g_rand_free (rand);
  return NULL;
}

/* Four technicians' screens at once on two parts and two orders: only 201
 * or 409, and afterwards stock equals the ledger, nothing is negative, no
 * order holds a negative reservation or returned more than it used. */
static void
test_concurrent_ledger (void)
{
  Fx fx;
  g_autofree char *second = NULL;
  char *parts[2];
  Writer writers[4];
  GThread *threads[4];
  guint created = 0, conflicts = 0, other = 0;
  g_autoptr(GTimer) timer = NULL;

  fx_setup (&fx);
  second = vb_test_floor_order (&fx.floor, "diagnosing");
  parts[0] = add_part (&fx, "CON-1", "Contended part 1", "Acme");
  parts[1] = add_part (&fx, "CON-2", "Contended part 2", "Acme");
  receive (&fx, fx.floor.a, parts[0], 40);
  receive (&fx, fx.floor.a, parts[1], 40);
  timer = g_timer_new ();
  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      writers[i] = (Writer) { fx.floor.server, i % 2 ? fx.floor.tech : fx.floor.tech2, { fx.order, second },
                              { parts[0], parts[1] }, 7 + i, 150, 0, 0, 0 };
      threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (writers); i++)
    {
      g_thread_join (threads[i]);
      created += writers[i].created;
      conflicts += writers[i].conflicts;
      other += writers[i].other;
    }
  g_test_message ("4 writers x 150 concurrent movements in %.2f s: %u created, %u refused (409), %u other",
                  g_timer_elapsed (timer, NULL), created, conflicts, other);
  g_assert_cmpuint (other, ==, 0);
  g_assert_cmpuint (created, >, 100);
  ASSERT_SQL ("0", fx.floor.server,
    "SELECT count(*) FROM stock_levels s"
    "  LEFT JOIN (SELECT location_id, part_id, sum(on_hand_delta) AS o, sum(reserved_delta) AS r,"
    "                    sum(quantity) FILTER (WHERE kind NOT IN ('reservation', 'release')) AS q"
    "               FROM stock_movements GROUP BY location_id, part_id) m USING (location_id, part_id)"
    " WHERE s.on_hand <> coalesce(m.o, 0) OR s.reserved <> coalesce(m.r, 0) OR s.on_hand <> coalesce(m.q, 0)"
    "    OR s.on_hand < 0 OR s.reserved < 0 OR s.available < 0", NULL);
  ASSERT_SQL ("0", fx.floor.server,
    "SELECT count(*) FROM (SELECT work_order_id, part_id, sum(reserved_delta) AS held,"
    "                             -sum(quantity) FILTER (WHERE kind IN ('consumption', 'return')) AS used"
    "                        FROM stock_movements WHERE work_order_id IS NOT NULL"
    "                       GROUP BY work_order_id, part_id) x WHERE held < 0 OR used < 0", NULL);
  for (guint p = 0; p < 2; p++)
    g_free (parts[p]);
  fx_clear (&fx);
}

/* ------------------------------------------------ work-order movements --- */

static void
test_work_order_parts (void)
{
  Fx fx;
  g_autofree char *part = NULL;
  g_autofree char *body = NULL;
  g_autofree char *parts_path = NULL;
  g_autoptr(JsonNode) reserved = NULL;
  g_autoptr(JsonNode) summary = NULL;
  g_autoptr(JsonNode) refused = NULL;
  JsonObject *line;

  fx_setup (&fx);
  part = add_part (&fx, "12V-AGM-60", "12 V AGM battery", "Varta");
  receive (&fx, fx.floor.a, part, 3);

#define WO_MOVE(kind, qty, extra) \
  (g_free (body), body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"" kind "\"," \
                                          " \"quantity\": %d%s}", fx.order, part, qty, extra))

  WO_MOVE ("reservation", 2, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, &reserved), ==, 201);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (vb_test_object (reserved), "stock"),
                                               "available"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (vb_test_object (reserved), "quantity"), ==, 2);
  /* Two reserved, one available: consuming two without the reservation is short. */
  WO_MOVE ("consumption", 2, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, &refused), ==, 409);
  vb_test_assert_error (refused, "conflict", "quantity");
  WO_MOVE ("release", 1, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 201);
  WO_MOVE ("release", 2, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 409);
  WO_MOVE ("consumption", 1, ", \"from_reservation\": true");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 201);
  WO_MOVE ("consumption", 1, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech2, body, NULL), ==, 201);
  WO_MOVE ("return", 1, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 201);
  WO_MOVE ("return", 2, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 409);
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "on_hand"), ==, 2);
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "reserved"), ==, 0);
  ASSERT_SQL ("1", fx.floor.server, "SELECT quantity FROM work_order_parts_used WHERE work_order_id = $1::uuid",
                                fx.order, NULL);

  parts_path = g_strdup_printf ("/api/v1/work-orders/%s/parts", fx.order);
  summary = vb_test_call (fx.floor.server, "GET", parts_path, fx.floor.desk, NULL, 200);
  line = json_array_get_object_element (json_object_get_array_member (vb_test_object (summary), "parts"), 0);
  g_assert_cmpint (json_object_get_int_member (line, "used"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (line, "reserved"), ==, 0);

  /* Validation: quantity, reason, kind, missing work order. */
  WO_MOVE ("consumption", 0, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 422);
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"consumption\", \"quantity\": 1}",
                          fx.floor.a, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.tech, body, 422,
                      "validation_failed", "work_order_id");
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"adjustment\", \"quantity\": -1}",
                          fx.floor.a, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.manager, body, 422,
                      "validation_failed", "reason");
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"transfer_in\", \"quantity\": 1}",
                          fx.floor.a, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.manager, body, 422,
                      "validation_failed", "kind");
  /* A cancelled order gives back its reservation and takes no more parts. */
  WO_MOVE ("reservation", 2, "");
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 201);
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "reserved"), ==, 2);
  g_free (vb_test_sql (fx.floor.server, "UPDATE work_orders SET status = 'cancelled', status_reason = 'test'"
                       " WHERE id = $1::uuid", fx.order, NULL));
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "reserved"), ==, 0);
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "on_hand"), ==, 2);
  ASSERT_SQL ("Work order cancelled", fx.floor.server, "SELECT reason FROM stock_movements WHERE work_order_id = $1::uuid"
              " AND kind = 'release' ORDER BY created_at DESC LIMIT 1", fx.order, NULL);
  WO_MOVE ("consumption", 1, "");
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.tech, body, 409,
                      "conflict", "work_order_id");
#undef WO_MOVE
  fx_clear (&fx);
}

/* ------------------------------------------------ permissions, scoping --- */

static void
test_permissions (void)
{
  Fx fx;
  g_autofree char *part = NULL;
  g_autofree char *body = NULL;
  g_autofree char *row_b = NULL;
  g_autofree char *path = NULL;
  g_autofree char *movement = NULL;
  g_autoptr(JsonNode) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(VbDbConn) db = NULL;

  fx_setup (&fx);
  db = vb_test_server_db (fx.floor.server);
  part = add_part (&fx, "BRK-PAD-F", "Front brake pads", "Brembo");
  receive (&fx, fx.floor.a, part, 5);

  /* Technicians cannot adjust or receive; the desk cannot consume. */
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"adjustment\", \"quantity\": -1,"
                          " \"reason\": \"took one home\"}", fx.floor.a, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.tech, body, 403, "forbidden", NULL);
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"receipt\", \"quantity\": 1}",
                          fx.floor.a, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.tech, body, 403, "forbidden", NULL);
  g_free (body);
  body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"consumption\", \"quantity\": 1}",
                          fx.order, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.desk, body, 403, "forbidden", NULL);
  /* Another location's technician does not see this work order. */
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.tech_b, body, 422,
                      "validation_failed", "work_order_id");
  /* The manager of HCM-1 cannot receive at HN-1, nor see its stock. */
  g_free (body);
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"receipt\", \"quantity\": 4}",
                          fx.floor.b, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock-movements", fx.floor.manager, body, 422,
                      "validation_failed", "location_id");
  g_assert_cmpuint (move (&fx, fx.floor.admin, body, NULL), ==, 201);
  row_b = vb_test_sql (fx.floor.server, "SELECT id FROM stock_levels WHERE location_id = $1::uuid AND part_id = $2::uuid",
                       fx.floor.b, part, NULL);
  path = g_strdup_printf ("/api/v1/stock/%s", row_b);
  vb_test_call_error (fx.floor.server, "GET", path, fx.floor.manager, NULL, 404, "not_found", NULL);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.manager, "{\"version\": 1, \"reorder_point\": 1}",
                      404, "not_found", NULL);
  list = vb_test_call (fx.floor.server, "GET", "/api/v1/stock", fx.floor.manager, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 1);
  g_clear_pointer (&list, json_node_unref);
  list = vb_test_call (fx.floor.server, "GET", "/api/v1/stock?q=brk", fx.floor.admin, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 2);
  g_clear_pointer (&list, json_node_unref);
  list = vb_test_call (fx.floor.server, "GET", "/api/v1/stock?q=brake", fx.floor.tech_b, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (list), "items")), ==, 1);
  g_assert_false (vb_test_feed_has (fx.floor.server, fx.floor.manager, "stock_levels", row_b, NULL));
  g_assert_true (vb_test_feed_has (fx.floor.server, fx.floor.tech_b, "stock_levels", row_b, "upsert"));
  /* A technician cannot change reorder settings. */
  g_free (path);
  g_free (row_b);
  row_b = vb_test_sql (fx.floor.server, "SELECT id FROM stock_levels WHERE location_id = $1::uuid AND part_id = $2::uuid",
                       fx.floor.a, part, NULL);
  path = g_strdup_printf ("/api/v1/stock/%s", row_b);
  vb_test_call_error (fx.floor.server, "PATCH", path, fx.floor.tech, "{\"version\": 1, \"reorder_point\": 1}",
                      403, "forbidden", NULL);

  /* The ledger and the stock rows: feed and audit for API writes. */
  movement = vb_test_sql (fx.floor.server, "SELECT id FROM stock_movements WHERE location_id = $1::uuid LIMIT 1",
                          fx.floor.a, NULL);
  g_assert_true (vb_test_feed_has_row (fx.floor.server, fx.floor.tech, "stock_movements", movement, "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "stock_movements", movement, "insert"), ==, 1);
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "stock_levels", row_b, "update"), >=, 1);

  /* The ledger refuses UPDATE and DELETE; stock refuses direct changes. */
  res = vb_db_execv (db, &error,
                     "UPDATE stock_movements SET quantity = 100 WHERE id = $1::uuid", movement);
  g_assert_null (res);
  g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  g_clear_error (&error);
  res = vb_db_execv (db, &error,
                     "DELETE FROM stock_movements WHERE id = $1::uuid", movement);
  g_assert_null (res);
  g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  g_clear_error (&error);
  res = vb_db_execv (db, &error,
                     "UPDATE stock_levels SET on_hand = 99 WHERE id = $1::uuid", row_b);
  g_assert_null (res);
  g_assert_error (error, VB_ERROR, VB_ERROR_CONFLICT);
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "on_hand"), ==, 5);
  fx_clear (&fx);
}

/* ------------------------------------------------------------- alerts --- */

static void
test_reorder_alert (void)
{
  Fx fx;
  g_autofree char *part = NULL;
  g_autofree char *body = NULL;
  g_autofree char *alert = NULL;
  g_autofree char *po_path = NULL;
  g_autofree char *receive_path = NULL;
  g_autofree char *receive_body = NULL;
  g_autofree char *alert_po = NULL;
  g_autoptr(JsonNode) level = NULL;
  g_autoptr(JsonNode) alerts = NULL;
  g_autoptr(JsonNode) po = NULL;
  g_autoptr(JsonNode) open_after = NULL;
  JsonObject *a, *suggestion, *line;

  fx_setup (&fx);
  part = add_part (&fx, "COOL-G48", "Coolant G48 1 L", "BASF");
  body = g_strdup_printf ("{\"location_id\": \"%s\", \"part_id\": \"%s\", \"reorder_point\": 2, \"reorder_quantity\": 10}",
                          fx.floor.a, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/stock", fx.floor.tech, body, 403, "forbidden", NULL);
  level = vb_test_call (fx.floor.server, "POST", "/api/v1/stock", fx.floor.manager, body, 201);
  /* At 0 ≤ 2 the alert is open at once. */
  ASSERT_SQL ("1", fx.floor.server, "SELECT count(*) FROM stock_alerts WHERE part_id = $1::uuid", part, NULL);
  receive (&fx, fx.floor.a, part, 5);
  ASSERT_SQL ("0", fx.floor.server, "SELECT count(*) FROM stock_alerts WHERE part_id = $1::uuid AND status = 'open'",
                                part, NULL);
  /* Down to 2: raised once; down to 1: still the same one. */
  g_free (body);
  body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"consumption\", \"quantity\": 3}",
                          fx.order, part);
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 201);
  g_free (body);
  body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"kind\": \"reservation\", \"quantity\": 1}",
                          fx.order, part);
  g_assert_cmpuint (move (&fx, fx.floor.tech, body, NULL), ==, 201);
  ASSERT_SQL ("2", fx.floor.server, "SELECT count(*) FROM stock_alerts WHERE part_id = $1::uuid", part, NULL);
  ASSERT_SQL ("1", fx.floor.server, "SELECT count(*) FROM stock_alerts WHERE part_id = $1::uuid AND status = 'open'",
                                part, NULL);

  alerts = vb_test_call (fx.floor.server, "GET", "/api/v1/stock-alerts", fx.floor.desk, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (alerts), "items")), ==, 1);
  a = json_array_get_object_element (json_object_get_array_member (vb_test_object (alerts), "items"), 0);
  alert = g_strdup (json_object_get_string_member (a, "id"));
  g_assert_cmpint (json_object_get_int_member (a, "available"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (a, "available_at_open"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (a, "suggested_quantity"), ==, 10);
  suggestion = json_object_get_object_member (a, "suggested_purchase_order");
  g_assert_cmpstr (json_object_get_string_member (suggestion, "supplier"), ==, "BASF");
  line = json_array_get_object_element (json_object_get_array_member (suggestion, "lines"), 0);
  g_assert_cmpint (json_object_get_int_member (line, "quantity"), ==, 10);
  g_assert_true (vb_test_feed_has_row (fx.floor.server, fx.floor.tech, "stock_alerts", alert, "upsert"));
  g_assert_false (vb_test_feed_has (fx.floor.server, fx.floor.tech_b, "stock_alerts", alert, NULL));

  /* The suggestion becomes a draft purchase order, once. */
  alert_po = g_strdup_printf ("/api/v1/stock-alerts/%s/purchase-order", alert);
  vb_test_call_error (fx.floor.server, "POST", alert_po, fx.floor.tech, NULL, 403, "forbidden", NULL);
  po = vb_test_call (fx.floor.server, "POST", alert_po, fx.floor.manager, NULL, 201);
  g_assert_cmpstr (vb_test_str_of (po, "status"), ==, "draft");
  g_assert_cmpstr (vb_test_str_of (po, "supplier"), ==, "BASF");
  line = json_array_get_object_element (json_object_get_array_member (vb_test_object (po), "lines"), 0);
  g_assert_cmpint (json_object_get_int_member (line, "quantity_ordered"), ==, 10);
  vb_test_call_error (fx.floor.server, "POST", alert_po, fx.floor.manager, NULL, 409, "conflict", "purchase_order_id");

  /* Ordered and received: the alert closes. */
  po_path = g_strdup_printf ("/api/v1/purchase-orders/%s/order", vb_test_id_of (po));
  g_clear_pointer (&level, json_node_unref);
  level = vb_test_call (fx.floor.server, "POST", po_path, fx.floor.manager, NULL, 200);
  receive_path = g_strdup_printf ("/api/v1/purchase-orders/%s/receive", vb_test_id_of (po));
  receive_body = g_strdup_printf ("{\"lines\": [{\"line_id\": \"%s\", \"quantity\": 10}]}",
                                  json_object_get_string_member (line, "id"));
  g_clear_pointer (&level, json_node_unref);
  level = vb_test_call (fx.floor.server, "POST", receive_path, fx.floor.manager, receive_body, 200);
  g_assert_cmpstr (vb_test_str_of (level, "status"), ==, "received");
  ASSERT_SQL ("closed", fx.floor.server, "SELECT status FROM stock_alerts WHERE id = $1::uuid", alert, NULL);
  open_after = vb_test_call (fx.floor.server, "GET", "/api/v1/stock-alerts?status=open", fx.floor.manager, NULL, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (vb_test_object (open_after), "items")), ==, 0);
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "available"), ==, 11);
  fx_clear (&fx);
}

/* ----------------------------------------------------------- requests --- */

static void
test_requests (void)
{
  Fx fx;
  g_autofree char *part = NULL;
  g_autofree char *body = NULL;
  g_autofree char *fulfil = NULL;
  g_autofree char *decline = NULL;
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) request = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) done = NULL;
  g_autoptr(JsonNode) declined = NULL;
  g_autoptr(JsonNode) big = NULL;

  fx_setup (&fx);
  part = add_part (&fx, "TPMS-433", "TPMS sensor 433 MHz", "Schrader");
  receive (&fx, fx.floor.a, part, 4);
  body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"quantity\": 2, \"note\": \"front left leaks\"}",
                          fx.order, part);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/inventory-requests", fx.floor.desk, body, 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "POST", "/api/v1/inventory-requests", fx.floor.tech_b, body, 422,
                      "validation_failed", "work_order_id");
  request = vb_test_call (fx.floor.server, "POST", "/api/v1/inventory-requests", fx.floor.tech, body, 201);
  g_assert_cmpstr (vb_test_str_of (request, "status"), ==, "open");
  g_assert_cmpstr (vb_test_str_of (request, "requested_by"), ==, fx.floor.tech_id);
  g_assert_cmpstr (vb_test_str_of (request, "location_id"), ==, fx.floor.a);
  path = g_strdup_printf ("/api/v1/inventory-requests/%s", vb_test_id_of (request));
  vb_test_call_error (fx.floor.server, "GET", path, fx.floor.tech_b, NULL, 404, "not_found", NULL);
  fulfil = g_strconcat (path, "/fulfil", NULL);
  decline = g_strconcat (path, "/decline", NULL);
  vb_test_call_error (fx.floor.server, "POST", fulfil, fx.floor.tech, NULL, 403, "forbidden", NULL);
  vb_test_call_error (fx.floor.server, "POST", decline, fx.floor.manager, "{\"reason\": \" \"}", 422,
                      "validation_failed", "reason");
  done = vb_test_call (fx.floor.server, "POST", fulfil, fx.floor.manager, NULL, 200);
  g_assert_cmpstr (vb_test_str_of (done, "status"), ==, "fulfilled");
  g_assert_nonnull (vb_test_str_of (done, "reservation_id"));
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "reserved"), ==, 2);
  vb_test_call_error (fx.floor.server, "POST", decline, fx.floor.manager, "{\"reason\": \"no\"}", 409, "conflict", "status");

  /* Declined with a reason. */
  second = vb_test_call (fx.floor.server, "POST", "/api/v1/inventory-requests", fx.floor.tech2, body, 201);
  g_free (decline);
  decline = g_strdup_printf ("/api/v1/inventory-requests/%s/decline", vb_test_id_of (second));
  declined = vb_test_call (fx.floor.server, "POST", decline, fx.floor.manager, "{\"reason\": \"Use the old sensor\"}", 200);
  g_assert_cmpstr (vb_test_str_of (declined, "status"), ==, "declined");
  g_assert_cmpstr (vb_test_str_of (declined, "decline_reason"), ==, "Use the old sensor");

  /* More than is available: fulfilling is 409 naming quantity and reserves nothing. */
  g_free (body);
  body = g_strdup_printf ("{\"work_order_id\": \"%s\", \"part_id\": \"%s\", \"quantity\": 3}", fx.order, part);
  big = vb_test_call (fx.floor.server, "POST", "/api/v1/inventory-requests", fx.floor.tech, body, 201);
  g_free (fulfil);
  fulfil = g_strdup_printf ("/api/v1/inventory-requests/%s/fulfil", vb_test_id_of (big));
  vb_test_call_error (fx.floor.server, "POST", fulfil, fx.floor.manager, NULL, 409, "conflict", "quantity");
  g_assert_cmpint (stock_value (&fx, fx.floor.a, part, "reserved"), ==, 2);

  g_assert_true (vb_test_feed_has_row (fx.floor.server, fx.floor.desk, "inventory_requests", vb_test_id_of (request), "upsert"));
  g_assert_cmpint (vb_test_audit_count (fx.floor.server, "inventory_requests", vb_test_id_of (request), "update"), ==, 1);
  fx_clear (&fx);
}

int
main (int argc, char *argv[])
{
  vb_test_init (&argc, &argv);
  g_test_add_func ("/inventory/catalog", test_catalog);
  g_test_add_func ("/inventory/last-unit-race", test_last_unit_race);
  g_test_add_func ("/inventory/random-ledger", test_random_ledger);
  g_test_add_func ("/inventory/concurrent-ledger", test_concurrent_ledger);
  g_test_add_func ("/inventory/work-order-parts", test_work_order_parts);
  g_test_add_func ("/inventory/permissions", test_permissions);
  g_test_add_func ("/inventory/reorder-alert", test_reorder_alert);
  g_test_add_func ("/inventory/requests", test_requests);
  return g_test_run ();
}
