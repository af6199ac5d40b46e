/* test-chaos.c — three desks, 3 × 1,000 random changes, background sync,
 * and the things that go wrong in a workshop: the server is killed
 * (SIGKILL) twice and PostgreSQL restarted once while the desks work.
 *
 * At the end nothing is lost (every change is applied once or shown as a
 * problem), nothing is duplicated (one sync_mutations row per number, the
 * rows match the applied creates by their client UUIDs, each applied
 * update bumped its customer's version exactly once) and every cache has
 * what PostgreSQL has (vb_test_db_checksum).
 *
 * Everything runs in this process on one main context: three VbSyncEngines
 * with live connections, and a timer that makes the changes.  The mix is
 * drawn from a seeded GRand; which records a desk can see when it draws
 * depends on how far its sync has got, so the exact changes, and the
 * server's answers (conflicts, rebases, refused readings), vary a little
 * between runs.  The checks hold for any of them.
 */
#include "vb-test.h"

#include "vb-api-client.h"
#include "vb-cache.h"
#include "vb-live-connection.h"
#include "vb-pin-store.h"
#include "vb-sync-engine.h"

#include <string.h>

#define N_CLIENTS 3
#define N_MUTATIONS 1000          /* per client */
#define N_SEED_CUSTOMERS 20
#define SEED 20261125
#define TICK_MS 2                 /* one change per tick, from a random desk */

/* When (in changes made, all desks together) the chaos happens. */
#define CRASH_1 400
#define RESTART_1 800
#define PG_RESTART 1400
#define CRASH_2 2000
#define RESTART_2 2400

typedef enum
{
  OP_CREATE_CUSTOMER,
  OP_UPDATE_CUSTOMER,
  OP_CREATE_VEHICLE,
  OP_BAD_VEHICLE,     /* an invalid VIN: the server must refuse it (422) */
  OP_READING,
  N_OPS
} Op;

static const char *op_names[N_OPS] = {
  "create customer", "update customer", "create vehicle", "invalid vehicle", "odometer reading"
};

typedef struct
{
  gint64  seq;
  Op      op;
  char   *record_id;
} Mutation;

typedef struct
{
  guint          index;
  VbApiClient   *api;
  VbCache       *cache;
  VbLiveConnection *live;
  VbSyncEngine  *engine;
  GArray        *mutations;   /* Mutation */
  GHashTable    *got_409;     /* seq → seq: answered 409 at least once */
} Desk;

typedef struct
{
  VbTestServer *server;
  const char   *location_id;
  Desk          desks[N_CLIENTS];
  GRand        *rand;
  GPtrArray    *customers;    /* ids of every customer created anywhere */
  GPtrArray    *vehicles;     /* ids of every valid vehicle created anywhere */
  guint         made;
  gint          odometer;     /* increasing, shared: readings mostly go up */
  gboolean      done;
} Chaos;

static char *tmp_dir;

static void
mutation_clear (gpointer data)
{
  g_free (((Mutation *) data)->record_id);
}

/* ------------------------------------------------------------ desks --- */

static void
push_answered_cb (VbSyncEngine *engine,
                  gint64        seq,
                  guint         status,
                  Desk         *desk)
{
  /* A 409 on an update that ends applied is a per-field rebase. */
  if (status == 409)
    g_hash_table_add (desk->got_409, GINT_TO_POINTER ((gint) seq));
}

static void
desk_open (Desk         *desk,
           guint         index,
           VbTestServer *server,
           const char   *token)
{
  g_autofree char *pins_path = g_build_filename (tmp_dir, "pins.ini", NULL);
  g_autofree char *cache_path = g_strdup_printf ("%s/desk-%u.sqlite", tmp_dir, index);
  g_autoptr(VbPinStore) pins = vb_pin_store_new (pins_path);
  g_autoptr(GError) error = NULL;

  desk->index = index;
  desk->api = vb_api_client_new (pins);
  vb_api_client_set_server (desk->api, server->base_url, &error);
  g_assert_no_error (error);
  vb_api_client_set_token (desk->api, token);
  desk->cache = vb_cache_open (cache_path, &error);
  g_assert_no_error (error);
  desk->live = vb_live_connection_new (desk->api);
  desk->engine = vb_sync_engine_new (desk->api, desk->cache, desk->live);
  desk->mutations = g_array_new (FALSE, TRUE, sizeof (Mutation));
  g_array_set_clear_func (desk->mutations, mutation_clear);
  desk->got_409 = g_hash_table_new (NULL, NULL);
  g_signal_connect (desk->engine, "push-answered", G_CALLBACK (push_answered_cb), desk);
}

static void
desk_close (Desk *desk)
{
  vb_sync_engine_stop (desk->engine);
  vb_live_connection_stop (desk->live);
  g_clear_object (&desk->engine);
  g_clear_object (&desk->live);
  g_clear_object (&desk->cache);
  g_clear_object (&desk->api);
  g_clear_pointer (&desk->mutations, g_array_unref);
  g_clear_pointer (&desk->got_409, g_hash_table_unref);
}

static void
record (Desk       *desk,
        gint64      seq,
        Op          op,
        const char *id)
{
  Mutation m = { seq, op, g_strdup (id) };

  g_assert_cmpint (seq, >, 0);
  g_array_append_val (desk->mutations, m);
}

/* A record of this kind that the desk can see (pulled, or made here), or
 * NULL: the desks only change what their screens would show. */
static const char *
pick_visible (Chaos      *chaos,
              Desk       *desk,
              GPtrArray  *ids,
              const char *entity)
{
  for (guint attempt = 0; attempt < 8 && ids->len > 0; attempt++)
    {
      const char *id = ids->pdata[g_rand_int_range (chaos->rand, 0, ids->len)];
      g_autoptr(JsonObject) view = vb_cache_get (desk->cache, entity, id);

      if (view != NULL)
        return id;
    }
  return NULL;
}

/* ------------------------------------------------------- mutations --- */

static void
create_customer (Chaos *chaos,
                 Desk  *desk)
{
  g_autoptr(JsonObject) record_obj = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *family = g_strdup_printf ("Desk%u-%u", desk->index, desk->mutations->len);
  gint64 seq;

  json_object_set_string_member (record_obj, "preferred_location_id", chaos->location_id);
  json_object_set_string_member (record_obj, "kind", "person");
  json_object_set_string_member (record_obj, "given_name", "Chaos");
  json_object_set_string_member (record_obj, "family_name", family);
  seq = vb_sync_engine_create (desk->engine, "customers", "/api/v1/customers", record_obj, &error);
  g_assert_no_error (error);
  record (desk, seq, OP_CREATE_CUSTOMER, json_object_get_string_member (record_obj, "id"));
  g_ptr_array_add (chaos->customers, g_strdup (json_object_get_string_member (record_obj, "id")));
}

/* One or two of a few fields, so that desks often edit the same customer
 * (version conflicts, rebased when the fields differ) and sometimes the
 * same field (a conflict the user must see). */
static void
update_customer (Chaos      *chaos,
                 Desk       *desk,
                 const char *id)
{
  static const char *fields[] = { "given_name", "family_name", "notes", "address" };
  g_autoptr(JsonObject) changed = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", id);
  guint n = g_rand_int_range (chaos->rand, 0, 5) == 0 ? 2 : 1;
  gint64 seq;

  for (guint i = 0; i < n; i++)
    {
      const char *field = fields[g_rand_int_range (chaos->rand, 0, G_N_ELEMENTS (fields))];
      g_autofree char *value = g_strdup_printf ("%s %u.%u", field, desk->index, desk->mutations->len);

      json_object_set_string_member (changed, field, value);
    }
  seq = vb_sync_engine_update (desk->engine, "customers", id, path, changed, &error);
  g_assert_no_error (error);
  record (desk, seq, OP_UPDATE_CUSTOMER, id);
}

static void
create_vehicle (Chaos      *chaos,
                Desk       *desk,
                const char *customer_id,
                gboolean    valid)
{
  g_autoptr(JsonObject) vehicle = json_object_new ();
  g_autoptr(GError) error = NULL;
  guint serial = (desk->index + 1) * 100000 + desk->mutations->len;
  /* Not North American (first character L): no check digit to compute. */
  g_autofree char *vin = valid ? g_strdup_printf ("LRWYGCEK0PC%06u", serial) : g_strdup ("NOT-A-VIN");
  g_autofree char *plate = g_strdup_printf ("51A-%06u", serial);
  gint64 seq;

  json_object_set_string_member (vehicle, "customer_id", customer_id);
  json_object_set_string_member (vehicle, "plate", plate);
  json_object_set_string_member (vehicle, "vin", vin);
  json_object_set_string_member (vehicle, "make", "VinFast");
  json_object_set_string_member (vehicle, "model", "VF 8");
  seq = vb_sync_engine_create (desk->engine, "vehicles", "/api/v1/vehicles", vehicle, &error);
  g_assert_no_error (error);
  record (desk, seq, valid ? OP_CREATE_VEHICLE : OP_BAD_VEHICLE,
          json_object_get_string_member (vehicle, "id"));
  if (valid)
    g_ptr_array_add (chaos->vehicles, g_strdup (json_object_get_string_member (vehicle, "id")));
}

/* Readings of one vehicle from two desks can reach the server out of
 * order: a lower one after a higher one is refused (odometer goes
 * backwards), and shown. */
static void
append_reading (Chaos      *chaos,
                Desk       *desk,
                const char *vehicle_id)
{
  g_autoptr(JsonObject) reading = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strdup_printf ("/api/v1/vehicles/%s/odometer-readings", vehicle_id);
  gint64 seq;

  chaos->odometer += g_rand_int_range (chaos->rand, 1, 50);
  json_object_set_int_member (reading, "odometer_km", chaos->odometer);
  json_object_set_string_member (reading, "source", "reception");
  seq = vb_sync_engine_append (desk->engine, "odometer_readings", path, reading, &error);
  g_assert_no_error (error);
  record (desk, seq, OP_READING, json_object_get_string_member (reading, "id"));
}

/* One change of the seeded mix: 25 % new customers, 35 % edits, 15 %
 * vehicles (a tenth of them with an invalid VIN), 25 % readings. */
static void
make_change (Chaos *chaos,
             Desk  *desk)
{
  guint r = g_rand_int_range (chaos->rand, 0, 100);
  const char *id;

  if (r < 35 && (id = pick_visible (chaos, desk, chaos->customers, "customers")) != NULL)
    update_customer (chaos, desk, id);
  else if (r >= 35 && r < 50 && (id = pick_visible (chaos, desk, chaos->customers, "customers")) != NULL)
    create_vehicle (chaos, desk, id, g_rand_int_range (chaos->rand, 0, 10) != 0);
  else if (r >= 50 && r < 75 && (id = pick_visible (chaos, desk, chaos->vehicles, "vehicles")) != NULL)
    append_reading (chaos, desk, id);
  else
    create_customer (chaos, desk);
}

/* ----------------------------------------------------------- chaos --- */

static void
chaos_event (Chaos *chaos)
{
  switch (chaos->made)
    {
    case CRASH_1:
    case CRASH_2:
      g_test_message ("change %u: voltbay-server killed (SIGKILL); the desks work offline", chaos->made);
      vb_test_server_crash (chaos->server);
      break;
    case RESTART_1:
    case RESTART_2:
      g_test_message ("change %u: voltbay-server restarted", chaos->made);
      vb_test_server_restart (chaos->server, FALSE);
      break;
    case PG_RESTART:
      g_test_message ("change %u: PostgreSQL restarted under the running server", chaos->made);
      vb_test_cluster_restart ();
      break;
    default:
      break;
    }
}

static gboolean
tick_cb (gpointer user_data)
{
  Chaos *chaos = user_data;
  Desk *desk;

  chaos_event (chaos);
  /* A random desk that still has changes to make. */
  do
    desk = &chaos->desks[g_rand_int_range (chaos->rand, 0, N_CLIENTS)];
  while (desk->mutations->len >= N_MUTATIONS);
  make_change (chaos, desk);
  chaos->made++;
  if (chaos->made < N_CLIENTS * N_MUTATIONS)
    return G_SOURCE_CONTINUE;
  chaos->done = TRUE;
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------ converging --- */

typedef struct
{
  gboolean     done;
  gboolean     ok;
  VbSyncStats  stats;
  GError      *error;
} Round;

static void
round_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Round *round = user_data;

  round->ok = vb_sync_engine_sync_finish (VB_SYNC_ENGINE (object), result, &round->stats,
                                          &round->error);
  round->done = TRUE;
}

/* One vb_sync_engine_sync_async round; TRUE when it completed. */
static gboolean
sync_round (Desk *desk)
{
  Round round = { 0 };

  vb_sync_engine_sync_async (desk->engine, NULL, round_cb, &round);
  while (!round.done)
    g_main_context_iteration (NULL, TRUE);
  if (round.error != NULL)
    {
      g_test_message ("desk %u: sync round failed: %s", desk->index, round.error->message);
      g_clear_error (&round.error);
    }
  return round.ok;
}

/* Stops the background engines, then syncs each desk until its outbox is
 * empty, then once more each so every desk has pulled everyone's last
 * changes. */
static void
converge (Chaos *chaos)
{
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      vb_sync_engine_stop (chaos->desks[i].engine);
      vb_live_connection_stop (chaos->desks[i].live);
    }
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      Desk *desk = &chaos->desks[i];
      guint rounds = 0;

      while (!sync_round (desk) || vb_cache_count_pending (desk->cache) > 0)
        {
          /* The server may still be starting after the last restart. */
          g_assert_cmpuint (++rounds, <, 20);
          g_usleep (G_USEC_PER_SEC / 2);
        }
    }
  for (guint i = 0; i < N_CLIENTS; i++)
    g_assert_true (sync_round (&chaos->desks[i]));
}

/* --------------------------------------------------------- checking --- */

typedef struct
{
  guint applied;
  guint refused;
  guint conflicts;
  guint rebased;
  guint by_op[N_OPS][3];     /* applied, refused, conflict */
} Counts;

static GHashTable *
problem_seqs (Desk *desk)
{
  g_autoptr(GPtrArray) problems = vb_cache_list_problems (desk->cache);
  GHashTable *seqs = g_hash_table_new (NULL, NULL);

  for (guint i = 0; i < problems->len; i++)
    {
      VbOutboxEntry *entry = problems->pdata[i];

      g_hash_table_add (seqs, GINT_TO_POINTER ((gint) entry->seq));
    }
  return seqs;
}

/* Every change the desk made has an answer; refused and conflicting ones
 * are listed as problems; what must apply applied. */
static void
check_outcomes (Desk   *desk,
                Counts *counts,
                Counts *all)
{
  g_autoptr(GHashTable) problems = problem_seqs (desk);

  for (guint i = 0; i < desk->mutations->len; i++)
    {
      Mutation *m = &g_array_index (desk->mutations, Mutation, i);
      g_autoptr(VbOutboxEntry) entry = vb_cache_get_entry (desk->cache, m->seq);
      gboolean problem;

      g_assert_nonnull (entry);
      g_assert_cmpstr (entry->record_id, ==, m->record_id);
      g_assert_cmpint (entry->state, !=, VB_OUTBOX_PENDING);
      problem = g_hash_table_contains (problems, GINT_TO_POINTER ((gint) m->seq));
      g_assert_true (problem == (entry->state != VB_OUTBOX_APPLIED));
      switch (entry->state)
        {
        case VB_OUTBOX_APPLIED:
          counts->applied++;
          counts->by_op[m->op][0]++;
          if (g_hash_table_contains (desk->got_409, GINT_TO_POINTER ((gint) m->seq)))
            counts->rebased++;
          break;
        case VB_OUTBOX_REFUSED:
          counts->refused++;
          counts->by_op[m->op][1]++;
          break;
        case VB_OUTBOX_CONFLICT:
          counts->conflicts++;
          counts->by_op[m->op][2]++;
          g_assert_cmpint (m->op, ==, OP_UPDATE_CUSTOMER);
          break;
        case VB_OUTBOX_PENDING:
        default:
          g_assert_not_reached ();
        }
      if (m->op == OP_BAD_VEHICLE)
        {
          g_assert_cmpint (entry->state, ==, VB_OUTBOX_REFUSED);
          g_assert_cmpuint (entry->status, ==, 422);
        }
      if (m->op == OP_CREATE_CUSTOMER || m->op == OP_CREATE_VEHICLE)
        g_assert_cmpint (entry->state, ==, VB_OUTBOX_APPLIED);
      if (m->op == OP_READING && entry->state == VB_OUTBOX_REFUSED)
        g_assert_nonnull (strstr (entry->reply, "odometer_km"));
    }
  g_assert_cmpuint (g_hash_table_size (problems), ==, counts->refused + counts->conflicts);

  all->applied += counts->applied;
  all->refused += counts->refused;
  all->conflicts += counts->conflicts;
  all->rebased += counts->rebased;
  for (guint op = 0; op < N_OPS; op++)
    for (guint s = 0; s < 3; s++)
      all->by_op[op][s] += counts->by_op[op][s];
}

static gint64
db_int (VbDbConn   *db,
        const char *sql,
        const char *param)
{
  g_autoptr(GError) error = NULL;
  const char *params[] = { param };
  g_autoptr(PGresult) res = vb_db_exec (db, sql, param != NULL ? 1 : 0, params, &error);

  g_assert_no_error (error);
  return vb_db_get_int (res, 0, 0);
}

/* A PostgreSQL uuid[] literal of the ids of one op's changes in a state. */
static char *
id_array (Chaos         *chaos,
          Op             op,
          VbOutboxState  state,
          guint         *n)
{
  g_autoptr(GString) text = g_string_new ("{");

  *n = 0;
  for (guint d = 0; d < N_CLIENTS; d++)
    {
      Desk *desk = &chaos->desks[d];

      for (guint i = 0; i < desk->mutations->len; i++)
        {
          Mutation *m = &g_array_index (desk->mutations, Mutation, i);
          g_autoptr(VbOutboxEntry) entry = NULL;

          if (m->op != op)
            continue;
          entry = vb_cache_get_entry (desk->cache, m->seq);
          if (entry->state != state)
            continue;
          g_string_append_printf (text, "%s%s", (*n)++ > 0 ? "," : "", m->record_id);
        }
    }
  g_string_append_c (text, '}');
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* The rows of a table made by the desks are exactly the applied creates,
 * one to one by the client's UUID; no refused one exists. */
#define CHECKED_TABLE(table) \
  "SELECT count(*) FROM " table, "SELECT count(*) FROM " table " WHERE id = ANY ($1::uuid[])"

static void
check_rows (Chaos      *chaos,
            VbDbConn   *db,
            const char *count_sql,
            const char *match_sql,
            Op          op,
            gint64      other_rows)
{
  guint n_applied = 0, n_refused = 0;
  g_autofree char *applied = id_array (chaos, op, VB_OUTBOX_APPLIED, &n_applied);
  g_autofree char *refused = id_array (chaos, op, VB_OUTBOX_REFUSED, &n_refused);

  g_assert_cmpint (db_int (db, count_sql, NULL), ==, other_rows + n_applied);
  g_assert_cmpint (db_int (db, match_sql, applied), ==, n_applied);
  g_assert_cmpint (db_int (db, match_sql, refused), ==, 0);
}

static void
check_server (Chaos  *chaos,
              Counts *per_desk)
{
  g_autoptr(VbDbConn) db = vb_test_server_db (chaos->server);
  g_autofree char *db_sum = vb_test_db_checksum (chaos->server, chaos->location_id);

  /* Exactly once, per desk: one recorded mutation per applied change. */
  g_assert_cmpint (db_int (db, "SELECT count(*) FROM (SELECT client_id, mutation FROM sync_mutations"
                               " GROUP BY 1, 2 HAVING count(*) > 1) d", NULL), ==, 0);
  for (guint d = 0; d < N_CLIENTS; d++)
    {
      const char *client = vb_cache_get_client_id (chaos->desks[d].cache);

      g_assert_cmpint (db_int (db, "SELECT count(*) FROM sync_mutations WHERE client_id = $1::uuid"
                                   " AND outcome = 'applied'", client), ==, per_desk[d].applied);
    }

  check_rows (chaos, db, CHECKED_TABLE ("customers"), OP_CREATE_CUSTOMER, N_SEED_CUSTOMERS);
  check_rows (chaos, db, CHECKED_TABLE ("vehicles"), OP_CREATE_VEHICLE, 0);
  check_rows (chaos, db, CHECKED_TABLE ("odometer_readings"), OP_READING, 0);
  check_rows (chaos, db, CHECKED_TABLE ("vehicles"), OP_BAD_VEHICLE, db_int (db, "SELECT count(*) FROM vehicles", NULL));

  /* Each applied update made one new version of its customer, no more. */
  {
    guint applied_updates = 0;

    for (guint d = 0; d < N_CLIENTS; d++)
      applied_updates += per_desk[d].by_op[OP_UPDATE_CUSTOMER][0];
    g_assert_cmpint (db_int (db, "SELECT coalesce(sum(version - 1), 0) FROM customers", NULL),
                     ==, applied_updates);
  }

  for (guint d = 0; d < N_CLIENTS; d++)
    {
      g_autofree char *sum = vb_cache_checksum (chaos->desks[d].cache,
                                                (const char * const []) { "customers", "vehicles", NULL });

      g_assert_cmpstr (sum, ==, db_sum);
    }
}

static void
report (Counts *per_desk,
        Counts *all)
{
  for (guint d = 0; d < N_CLIENTS; d++)
    g_test_message ("desk %u: %u applied (%u rebased), %u refused, %u conflicts", d,
                    per_desk[d].applied, per_desk[d].rebased, per_desk[d].refused, per_desk[d].conflicts);
  for (guint op = 0; op < N_OPS; op++)
    g_test_message ("  %-18s %4u applied, %4u refused, %4u conflicts", op_names[op],
                    all->by_op[op][0], all->by_op[op][1], all->by_op[op][2]);
  g_test_message ("all desks: %u changes: %u applied (%u of them rebased), %u refused, %u conflicts;"
                  " 0 lost, 0 duplicated",
                  all->applied + all->refused + all->conflicts, all->applied, all->rebased,
                  all->refused, all->conflicts);
}

/* -------------------------------------------------------------- test --- */

static void
seed_customers (Chaos      *chaos,
                const char *admin)
{
  for (guint i = 0; i < N_SEED_CUSTOMERS; i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"preferred_location_id\": \"%s\", \"kind\": \"person\","
                                               " \"given_name\": \"Seed\", \"family_name\": \"Seed %u\"}",
                                               chaos->location_id, i);
      g_autoptr(JsonNode) reply = vb_test_call (chaos->server, "POST", "/api/v1/customers", admin, body, 201);

      g_ptr_array_add (chaos->customers, g_strdup (json_object_get_string_member (vb_test_object (reply), "id")));
    }
}

static void
test_chaos (void)
{
  g_autoptr(VbTestServer) server = vb_test_server_start (NULL);
  g_autofree char *admin = vb_test_admin_token (server, "admin@example.com", NULL);
  g_autofree char *loc = vb_test_create_location (server, admin, "HCM-1");
  char *tokens[N_CLIENTS] = {
    vb_test_user_token (server, "desk-a@example.com", "reception", "HCM-1"),
    vb_test_user_token (server, "desk-b@example.com", "reception", "HCM-1"),
    vb_test_user_token (server, "manager@example.com", "manager", "HCM-1"),
  };
  Chaos chaos = { 0 };
  Counts per_desk[N_CLIENTS] = { 0 };
  Counts all = { 0 };
  gint64 started = g_get_monotonic_time ();

  chaos.server = server;
  chaos.location_id = loc;
  chaos.rand = g_rand_new_with_seed (SEED);
  chaos.customers = g_ptr_array_new_with_free_func (g_free);
  chaos.vehicles = g_ptr_array_new_with_free_func (g_free);
  chaos.odometer = 1000;
  seed_customers (&chaos, admin);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      desk_open (&chaos.desks[i], i, server, tokens[i]);
      vb_live_connection_start (chaos.desks[i].live);
      vb_sync_engine_start (chaos.desks[i].engine);
    }

  g_timeout_add (TICK_MS, tick_cb, &chaos);
  while (!chaos.done)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("%u changes made in %.1f s", chaos.made,
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  converge (&chaos);
  g_test_message ("converged after %.1f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_assert_cmpuint (chaos.desks[i].mutations->len, ==, N_MUTATIONS);
      check_outcomes (&chaos.desks[i], &per_desk[i], &all);
    }
  report (per_desk, &all);
  check_server (&chaos, per_desk);

  for (guint i = 0; i < N_CLIENTS; i++)
    desk_close (&chaos.desks[i]);
  for (guint i = 0; i < N_CLIENTS; i++)
    g_free (tokens[i]);
  g_ptr_array_unref (chaos.customers);
  g_ptr_array_unref (chaos.vehicles);
  g_rand_free (chaos.rand);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  vb_test_init (&argc, &argv);
  tmp_dir = g_dir_make_tmp ("vb-chaos-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/sync/chaos", test_chaos);
  status = g_test_run ();

  {
    const char *rm[] = { "rm", "-rf", tmp_dir, NULL };

    if (!g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL))
      g_printerr ("# could not remove %s\n", tmp_dir);
  }
  g_free (tmp_dir);
  return status;
}
