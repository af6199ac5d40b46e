/* test-record-list.c — VbRecordList and VbRecord over a real VbCache file:
 * synthetic change-feed pages go through vb_cache_apply_changes(), and the
 * list must report exactly what moved (items-changed positions and counts),
 * keep its order, filter by location and search text, and keep the same
 * VbRecord object for a record that stays (so selections survive). */
#include <glib/gstdio.h>
#include <string.h>

#include "vb-cache.h"
#include "vb-record.h"
#include "vb-record-list.h"

#define L1 "00000000-0000-4000-8000-0000000000a1"
#define L2 "00000000-0000-4000-8000-0000000000a2"

typedef struct
{
  char    *dir;
  char    *path;
  VbCache *cache;
  GArray  *changes;   /* Change, one per items-changed */
} Fixture;

typedef struct
{
  guint position;
  guint removed;
  guint added;
} Change;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("vb-record-list-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "cache.sqlite", NULL);
  f->cache = vb_cache_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->cache);
  f->changes = g_array_new (FALSE, FALSE, sizeof (Change));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  g_assert_finalize_object (f->cache);
  dir = g_dir_open (f->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_array_unref (f->changes);
  g_free (f->path);
  g_free (f->dir);
}

/* One page of the change feed, written with ' for " to stay readable. */
static void
apply (Fixture    *f,
       const char *items)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = g_strdup (items);

  g_strdelimit (json, "'", '"');
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  g_assert_true (vb_cache_apply_changes (f->cache, json_node_get_array (json_parser_get_root (parser)),
                                         "cursor", &error));
  g_assert_no_error (error);
}

/* A change item of a vehicle at a location. */
static char *
vehicle (const char *id,
         gint64      version,
         const char *location,
         const char *plate,
         const char *model)
{
  return g_strdup_printf ("{'entity':'vehicles','id':'%s','version':%" G_GINT64_FORMAT ","
                          "'op':'upsert','location_id':'%s','row':{'id':'%s','location_id':'%s',"
                          "'plate':'%s','make':'VinFast','model':'%s','version':%" G_GINT64_FORMAT "}}",
                          id, version, location, id, location, plate, model, version);
}

static void
apply_vehicle (Fixture    *f,
               const char *id,
               gint64      version,
               const char *location,
               const char *plate,
               const char *model)
{
  g_autofree char *item = vehicle (id, version, location, plate, model);
  g_autofree char *page = g_strconcat ("[", item, "]", NULL);

  apply (f, page);
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  Change change = { position, removed, added };

  g_array_append_val (f->changes, change);
}

static void
assert_changes (Fixture *f,
                guint    n,
                ...)
{
  va_list args;

  g_assert_cmpuint (f->changes->len, ==, n);
  va_start (args, n);
  for (guint i = 0; i < n; i++)
    {
      Change *c = &g_array_index (f->changes, Change, i);

      g_assert_cmpuint (c->position, ==, va_arg (args, guint));
      g_assert_cmpuint (c->removed, ==, va_arg (args, guint));
      g_assert_cmpuint (c->added, ==, va_arg (args, guint));
    }
  va_end (args);
  g_array_set_size (f->changes, 0);
}

/* The titles, joined with "|". */
static char *
titles (GListModel *model)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (model, i);

      if (i > 0)
        g_string_append_c (text, '|');
      g_string_append (text, vb_record_get_title (record));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

#define assert_titles(model, expected) \
  G_STMT_START { g_autofree char *t_ = titles (G_LIST_MODEL (model)); \
                 g_assert_cmpstr (t_, ==, expected); } G_STMT_END

/* Borrowed: the list holds the record. */
static VbRecord *
item_at (VbRecordList *list,
         guint         position)
{
  g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (list), position);

  return record;
}

static void
count_cb (guint *counter)
{
  (*counter)++;
}

static void
test_order (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(VbRecordList) ascending = NULL;
  g_autoptr(VbRecordList) descending = NULL;
  g_autoptr(VbRecordList) by_id = NULL;

  apply_vehicle (f, "v3", 1, L1, "51C-3", "VF 8");
  apply_vehicle (f, "v1", 1, L1, "51A-1", "VF 5");
  apply_vehicle (f, "v2", 1, L1, "51B-2", "VF e34");

  ascending = vb_record_list_new (f->cache, "vehicles", NULL, "plate", FALSE);
  descending = vb_record_list_new (f->cache, "vehicles", NULL, "plate", TRUE);
  by_id = vb_record_list_new (f->cache, "vehicles", NULL, NULL, FALSE);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (ascending)) == VB_TYPE_RECORD);
  assert_titles (ascending, "51A-1 · VinFast VF 5|51B-2 · VinFast VF e34|51C-3 · VinFast VF 8");
  assert_titles (descending, "51C-3 · VinFast VF 8|51B-2 · VinFast VF e34|51A-1 · VinFast VF 5");
  assert_titles (by_id, "51A-1 · VinFast VF 5|51B-2 · VinFast VF e34|51C-3 · VinFast VF 8");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (ascending), 3));
  g_assert_cmpstr (vb_record_get_entity (item_at (ascending, 0)), ==, "vehicles");
  g_assert_cmpstr (vb_record_get_id (item_at (ascending, 0)), ==, "v1");
  g_assert_cmpint (vb_record_get_version (item_at (ascending, 0)), ==, 1);
  g_assert_cmpstr (vb_record_get_string (item_at (ascending, 0), "model"), ==, "VF 5");
  g_assert_null (vb_record_get_string (item_at (ascending, 0), "version"));
  g_assert_null (vb_record_get_string (item_at (ascending, 0), "missing"));

  g_object_add_weak_pointer (G_OBJECT (ascending), (gpointer *) &ascending);
  g_clear_object (&ascending);
  g_assert_null (ascending);
}

static void
test_items_changed (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(VbRecordList) list = NULL;
  VbRecord *a, *c, *e;
  guint position = 0;
  guint title_notifies = 0;

  apply_vehicle (f, "va", 1, L1, "A", "VF 8");
  apply_vehicle (f, "vc", 1, L1, "C", "VF 8");
  apply_vehicle (f, "ve", 1, L1, "E", "VF 8");
  list = vb_record_list_new (f->cache, "vehicles", NULL, "plate", FALSE);
  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), f);
  a = item_at (list, 0);
  c = item_at (list, 1);
  e = item_at (list, 2);

  /* An insert in the middle: exactly one added at 2. */
  apply_vehicle (f, "vd", 1, L1, "D", "VF 8");
  assert_changes (f, 1, 2, 0, 1);
  assert_titles (list, "A · VinFast VF 8|C · VinFast VF 8|D · VinFast VF 8|E · VinFast VF 8");
  g_assert_true (item_at (list, 0) == a);
  g_assert_true (item_at (list, 1) == c);
  g_assert_true (item_at (list, 3) == e);
  g_assert_nonnull (vb_record_list_find (list, "vd", &position));
  g_assert_cmpuint (position, ==, 2);

  /* At the ends. */
  apply_vehicle (f, "vf", 1, L1, "F", "VF 8");
  assert_changes (f, 1, 4, 0, 1);
  apply_vehicle (f, "v0", 1, L1, "0", "VF 8");
  assert_changes (f, 1, 0, 0, 1);

  /* A delete: one removed. */
  apply (f, "[{'entity':'vehicles','id':'va','version':2,'op':'delete','location_id':'" L1 "'}]");
  assert_changes (f, 1, 1, 1, 0);
  g_assert_null (vb_record_list_find (list, "va", NULL));

  /* An edit in place: the same object at the same place, its title
   * notified, one 1-for-1 change so views rebind it. */
  g_signal_connect_swapped (c, "notify::title", G_CALLBACK (count_cb), &title_notifies);
  apply_vehicle (f, "vc", 2, L1, "C", "VF 9");
  assert_changes (f, 1, 1, 1, 1);
  g_assert_true (item_at (list, 1) == c);
  g_assert_cmpstr (vb_record_get_title (c), ==, "C · VinFast VF 9");
  g_assert_cmpint (vb_record_get_version (c), ==, 2);
  g_assert_cmpuint (title_notifies, ==, 1);

  /* The same row again, and another entity: nothing. */
  apply_vehicle (f, "vc", 2, L1, "C", "VF 9");
  apply (f, "[{'entity':'customers','id':'c1','version':1,'op':'upsert','location_id':null,"
            "'row':{'id':'c1','display_name':'Minh Nguyen','version':1}}]");
  assert_changes (f, 0);

  /* A record that moves in the order: one span, the others keep their
   * objects. [0 C D E F] → E becomes B: [0 B C D F]. */
  apply_vehicle (f, "ve", 2, L1, "B", "VF 8");
  assert_changes (f, 1, 1, 3, 3);
  assert_titles (list, "0 · VinFast VF 8|B · VinFast VF 8|C · VinFast VF 9|D · VinFast VF 8|"
                       "F · VinFast VF 8");
  g_assert_true (item_at (list, 1) == e);
  g_assert_true (item_at (list, 2) == c);

  /* A local edit (the outbox) changes the local view: same object. */
  {
    g_autoptr(JsonObject) fields = json_object_new ();
    g_autoptr(GError) error = NULL;

    json_object_set_string_member (fields, "model", "VF 3");
    g_assert_cmpint (vb_cache_enqueue (f->cache, VB_CHANGE_UPDATE, "vehicles", "vc", "PATCH",
                                       "/api/v1/vehicles/vc", fields, fields, &error), >, 0);
    g_assert_no_error (error);
    assert_changes (f, 1, 2, 1, 1);
    g_assert_true (item_at (list, 2) == c);
    g_assert_cmpstr (vb_record_get_title (c), ==, "C · VinFast VF 3");
    g_assert_cmpuint (title_notifies, ==, 2);
  }

  /* Several changes in one page: one signal over the changed span. */
  {
    g_autofree char *one = vehicle ("vg", 1, L1, "G", "VF 8");
    g_autofree char *two = vehicle ("vh", 1, L1, "H", "VF 8");
    g_autofree char *page = g_strconcat ("[", one, ",", two, "]", NULL);

    apply (f, page);
    assert_changes (f, 1, 5, 0, 2);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 7);
}

static void
test_location (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(VbRecordList) first = NULL;
  g_autoptr(VbRecordList) second = NULL;
  guint n_items = 0;

  apply_vehicle (f, "v1", 1, L1, "51A-1", "VF 5");
  apply_vehicle (f, "v2", 1, L2, "51B-2", "VF 6");
  apply_vehicle (f, "v3", 1, L1, "51C-3", "VF 7");

  first = vb_record_list_new (f->cache, "vehicles", L1, "plate", FALSE);
  second = vb_record_list_new (f->cache, "vehicles", L2, "plate", FALSE);
  g_assert_cmpstr (vb_record_list_get_location_id (first), ==, L1);
  assert_titles (first, "51A-1 · VinFast VF 5|51C-3 · VinFast VF 7");
  assert_titles (second, "51B-2 · VinFast VF 6");
  g_object_get (first, "n-items", &n_items, NULL);
  g_assert_cmpuint (n_items, ==, 2);

  /* A vehicle moves to the other shop: it leaves one list, joins the other. */
  g_signal_connect (first, "items-changed", G_CALLBACK (items_changed_cb), f);
  apply_vehicle (f, "v1", 2, L2, "51A-1", "VF 5");
  assert_changes (f, 1, 0, 1, 0);
  assert_titles (first, "51C-3 · VinFast VF 7");
  assert_titles (second, "51A-1 · VinFast VF 5|51B-2 · VinFast VF 6");
}

static void
test_search (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(VbRecordList) list = NULL;
  g_autoptr(VbRecordList) local = NULL;

  apply (f, "["
            "{'entity':'customers','id':'c1','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'c1','preferred_location_id':'" L1 "','given_name':'Minh','family_name':'Nguyen',"
            "        'display_name':'Minh Nguyen','phones':['+84901234567'],'emails':[],'version':1}},"
            "{'entity':'customers','id':'c2','version':1,'op':'upsert','location_id':'" L2 "',"
            " 'row':{'id':'c2','preferred_location_id':'" L2 "','given_name':'Minh','family_name':'Tran',"
            "        'display_name':'Minh Tran','phones':[],'emails':['tran@example.com'],'version':1}},"
            "{'entity':'customers','id':'c3','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'c3','preferred_location_id':'" L1 "','kind':'company','company_name':'Lan Logistics',"
            "        'display_name':'','phones':[],'emails':[],'version':1}},"
            "{'entity':'vehicles','id':'v1','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'v1','location_id':'" L1 "','plate':'MINH-1','make':'VinFast','model':'VF 8',"
            "        'version':1}}"
            "]");

  list = vb_record_list_new (f->cache, "customers", NULL, "display_name", FALSE);
  assert_titles (list, "Lan Logistics|Minh Nguyen|Minh Tran");
  g_assert_cmpstr (vb_record_get_subtitle (item_at (list, 1)), ==, "+84901234567");
  g_assert_cmpstr (vb_record_get_subtitle (item_at (list, 2)), ==, "tran@example.com");

  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), f);
  /* Prefix match; the vehicle whose plate matches is another entity. */
  vb_record_list_set_search (list, "  min ");
  g_assert_cmpstr (vb_record_list_get_search (list), ==, "min");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_nonnull (vb_record_list_find (list, "c1", NULL));
  g_assert_nonnull (vb_record_list_find (list, "c2", NULL));
  g_assert_cmpuint (f->changes->len, ==, 1);
  g_array_set_size (f->changes, 0);

  vb_record_list_set_search (list, "minh tran");
  assert_titles (list, "Minh Tran");
  g_array_set_size (f->changes, 0);

  /* Live: a new match appears while searching. */
  apply (f, "[{'entity':'customers','id':'c4','version':1,'op':'upsert','location_id':'" L1 "',"
            " 'row':{'id':'c4','preferred_location_id':'" L1 "','display_name':'Minh Tran Van',"
            "        'phones':[],'emails':[],'version':1}}]");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 2);
  g_assert_cmpuint (f->changes->len, ==, 1);
  g_array_set_size (f->changes, 0);

  /* Nothing matches; then a blank search is the ordered list again. */
  vb_record_list_set_search (list, "zzz");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  vb_record_list_set_search (list, " ");
  g_assert_null (vb_record_list_get_search (list));
  assert_titles (list, "Lan Logistics|Minh Nguyen|Minh Tran|Minh Tran Van");

  /* Search within one location. */
  local = vb_record_list_new (f->cache, "customers", L1, "display_name", FALSE);
  vb_record_list_set_search (local, "minh");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (local)), ==, 2);
  g_assert_nonnull (vb_record_list_find (local, "c1", NULL));
  g_assert_nonnull (vb_record_list_find (local, "c4", NULL));
  g_assert_null (vb_record_list_find (local, "c2", NULL));
}

/* The display texts, one per entity. */
static void
test_titles (void)
{
  static const struct
  {
    const char *entity;
    const char *row;
    const char *title;
    const char *subtitle;
  } cases[] = {
    { "customers", "{'id':'1','display_name':'Minh Nguyen','phones':['+84 90'],'emails':['m@x']}",
      "Minh Nguyen", "+84 90" },
    { "customers", "{'id':'1','display_name':'','company_name':'Lan Co','phones':[],'emails':['l@x']}",
      "Lan Co", "l@x" },
    { "customers", "{'id':'1','given_name':'Minh','family_name':null}", "Minh", "" },
    { "vehicles", "{'id':'1','plate':'51A','make':'VinFast','model':'VF 8','vin':'VIN1'}",
      "51A · VinFast VF 8", "VIN1" },
    { "vehicles", "{'id':'1','plate':'','make':'Tesla','model':null,'vin':'VIN2'}", "Tesla", "VIN2" },
    { "vehicles", "{'id':'1','plate':'','make':'','model':'','vin':'VIN3'}", "VIN3", "VIN3" },
    { "work_orders", "{'id':'1','number':42,'concerns':'Noise','status':'checked_in'}", "#42", "Noise" },
    { "work_orders", "{'id':'1','number':null,'concerns':'','status':'checked_in'}",
      "New work order", "checked_in" },
    { "work_order_tasks", "{'id':'1','title':'Tire rotation','technician_name':'Tuan'}",
      "Tire rotation", "Tuan" },
    { "locations", "{'id':'1','name':'Shop One','code':'S1'}", "Shop One", "S1" },
    { "unknown", "{'id':'x1'}", "x1", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup (cases[i].row);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      JsonObject *row;

      g_strdelimit (json, "'", '"');
      g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
      row = json_node_get_object (json_parser_get_root (parser));
      title = vb_record_title_for_row (cases[i].entity, row);
      subtitle = vb_record_subtitle_for_row (cases[i].entity, row);
      g_assert_cmpstr (title, ==, cases[i].title);
      g_assert_cmpstr (subtitle, ==, cases[i].subtitle);
    }

  /* An appointment shows its start in local time. */
  {
    g_autoptr(JsonObject) row = json_object_new ();
    g_autoptr(VbRecord) record = NULL;

    json_object_set_string_member (row, "id", "a1");
    json_object_set_string_member (row, "starts_at", "2026-12-01T01:00:00Z");
    json_object_set_string_member (row, "status", "booked");
    record = vb_record_new ("appointments", row);
    g_assert_nonnull (strstr (vb_record_get_title (record), ":00"));
    g_assert_cmpstr (vb_record_get_subtitle (record), ==, "booked");
    g_assert_true (vb_record_get_row (record) == row);
  }
}

/* The ids a list shows, joined with " ". */
static char *
ids_of (GListModel *model)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (model, i);

      g_string_append_printf (text, "%s ", vb_record_get_id (record));
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
ids_of_rows (GPtrArray *rows)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (text, "%s ", json_object_get_string_member (g_ptr_array_index (rows, i), "id"));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* A random vehicle change: plates that collate (case, accents, equal
 * ones), odometers of every JSON type SQLite orders (null, integers,
 * reals, a string), locations, models, deletes. */
static JsonNode *
random_item (GRand *rand,
             guint  n_ids)
{
  static const char * const plates[] = { "51A-1", "51a-1", "Đỗ", "Do", "Zeta", "ánh", "51A-1", "" };
  static const char * const models[] = { "VF 5", "VF 8", "VF e34" };
  g_autofree char *id = g_strdup_printf ("v%02u", g_rand_int_range (rand, 0, n_ids));
  const char *location = g_rand_boolean (rand) ? L1 : L2;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  gboolean deleted = g_rand_int_range (rand, 0, 8) == 0;
  int odometer = g_rand_int_range (rand, 0, 5);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "entity");
  json_builder_add_string_value (b, "vehicles");
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, id);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, g_rand_int_range (rand, 1, 1000));
  json_builder_set_member_name (b, "op");
  json_builder_add_string_value (b, deleted ? "delete" : "upsert");
  json_builder_set_member_name (b, "location_id");
  json_builder_add_string_value (b, location);
  if (!deleted)
    {
      json_builder_set_member_name (b, "row");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, id);
      json_builder_set_member_name (b, "location_id");
      json_builder_add_string_value (b, location);
      json_builder_set_member_name (b, "plate");
      json_builder_add_string_value (b, plates[g_rand_int_range (rand, 0, G_N_ELEMENTS (plates))]);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, models[g_rand_int_range (rand, 0, G_N_ELEMENTS (models))]);
      json_builder_set_member_name (b, "odometer");
      if (odometer == 0)
        json_builder_add_null_value (b);
      else if (odometer == 1)
        json_builder_add_double_value (b, g_rand_int_range (rand, 0, 40) / 4.0);
      else if (odometer == 2)
        json_builder_add_string_value (b, "unknown");
      else
        json_builder_add_int_value (b, g_rand_int_range (rand, 0, 10));
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* After every commit (pulls of several records, local edits), each list
 * updated incrementally shows exactly what a fresh query of the cache
 * returns, in the same order. */
static void
test_incremental (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261207);
  g_autoptr(VbRecordList) by_plate = vb_record_list_new (f->cache, "vehicles", NULL, "plate", FALSE);
  g_autoptr(VbRecordList) by_odometer = vb_record_list_new (f->cache, "vehicles", NULL, "odometer", TRUE);
  g_autoptr(VbRecordList) at_l1 = vb_record_list_new (f->cache, "vehicles", L1, "plate", TRUE);
  g_autoptr(VbRecordList) vf8 = vb_record_list_new_where (f->cache, "vehicles", "model", "VF 8", "plate", FALSE);

  for (guint round = 0; round < 120; round++)
    {
      g_autoptr(GError) error = NULL;

      if (round % 5 == 4)
        {
          /* A local edit: an overlay on the server row. */
          g_autofree char *id = g_strdup_printf ("v%02u", g_rand_int_range (rand, 0, 40));
          g_autoptr(JsonObject) fields = json_object_new ();

          json_object_set_string_member (fields, "plate", g_rand_boolean (rand) ? "Ánh" : "00");
          json_object_set_string_member (fields, "model", "VF 8");
          vb_cache_enqueue (f->cache, VB_CHANGE_UPDATE, "vehicles", id, "PATCH", "/api/v1/vehicles/x",
                            fields, fields, &error);
          g_assert_no_error (error);
        }
      else
        {
          g_autoptr(JsonArray) page = json_array_new ();
          guint n = g_rand_int_range (rand, 1, 12);

          for (guint i = 0; i < n; i++)
            json_array_add_element (page, random_item (rand, 40));
          g_assert_true (vb_cache_apply_changes (f->cache, page, "cursor", &error));
          g_assert_no_error (error);
        }

      {
        g_autoptr(GPtrArray) plate_rows = vb_cache_list (f->cache, "vehicles", NULL, "plate", FALSE, 0);
        g_autoptr(GPtrArray) odometer_rows = vb_cache_list (f->cache, "vehicles", NULL, "odometer", TRUE, 0);
        g_autoptr(GPtrArray) l1_rows = vb_cache_list (f->cache, "vehicles", L1, "plate", TRUE, 0);
        g_autoptr(GPtrArray) vf8_rows = vb_cache_list_where (f->cache, "vehicles", NULL, "model", "VF 8",
                                                             "plate", FALSE, 0);
        g_autofree char *want_plate = ids_of_rows (plate_rows);
        g_autofree char *want_odometer = ids_of_rows (odometer_rows);
        g_autofree char *want_l1 = ids_of_rows (l1_rows);
        g_autofree char *want_vf8 = ids_of_rows (vf8_rows);
        g_autofree char *got_plate = ids_of (G_LIST_MODEL (by_plate));
        g_autofree char *got_odometer = ids_of (G_LIST_MODEL (by_odometer));
        g_autofree char *got_l1 = ids_of (G_LIST_MODEL (at_l1));
        g_autofree char *got_vf8 = ids_of (G_LIST_MODEL (vf8));

        g_assert_cmpstr (got_plate, ==, want_plate);
        g_assert_cmpstr (got_odometer, ==, want_odometer);
        g_assert_cmpstr (got_l1, ==, want_l1);
        g_assert_cmpstr (got_vf8, ==, want_vf8);
        /* The id index follows: every shown record is found where it is;
         * one gone is not found. */
        for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (at_l1)); i++)
          {
            VbRecord *record = item_at (at_l1, i);
            guint position = G_MAXUINT;

            g_assert_true (vb_record_list_find (at_l1, vb_record_get_id (record), &position) == record);
            g_assert_cmpuint (position, ==, i);
          }
        for (guint i = 0; i < plate_rows->len; i++)
          {
            const char *id = json_object_get_string_member (g_ptr_array_index (plate_rows, i), "id");

            g_assert_true ((vb_record_list_find (at_l1, id, NULL) != NULL) ==
                           (strstr (want_l1, id) != NULL));
          }
      }
    }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (by_plate)), >, 10);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (vf8)), >, 3);
}

/* A where-list holds only its records and follows them in and out. */
static void
test_where (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(VbRecordList) vf5 = NULL;

  apply_vehicle (f, "v1", 1, L1, "51A-1", "VF 5");
  apply_vehicle (f, "v2", 1, L1, "51B-2", "VF 8");
  apply_vehicle (f, "v3", 1, L2, "51C-3", "VF 5");
  vf5 = vb_record_list_new_where (f->cache, "vehicles", "model", "VF 5", "plate", TRUE);
  g_signal_connect (vf5, "items-changed", G_CALLBACK (items_changed_cb), f);
  assert_titles (vf5, "51C-3 · VinFast VF 5|51A-1 · VinFast VF 5");

  /* v2 becomes a VF 5: inserted between the two. */
  apply_vehicle (f, "v2", 2, L1, "51B-2", "VF 5");
  assert_titles (vf5, "51C-3 · VinFast VF 5|51B-2 · VinFast VF 5|51A-1 · VinFast VF 5");
  assert_changes (f, 1, 1, 0, 1);
  /* v3 leaves. */
  apply_vehicle (f, "v3", 2, L2, "51C-3", "VF 8");
  assert_titles (vf5, "51B-2 · VinFast VF 5|51A-1 · VinFast VF 5");
  assert_changes (f, 1, 0, 1, 0);
  /* v1 changes in place: its object stays. */
  {
    VbRecord *before = item_at (vf5, 1);

    apply_vehicle (f, "v1", 2, L1, "51A-1", "VF 5 Plus");
    assert_titles (vf5, "51B-2 · VinFast VF 5");
    apply_vehicle (f, "v1", 3, L1, "51A-1", "VF 5");
    g_assert_true (item_at (vf5, 1) != NULL);
    (void) before;
  }
  assert_changes (f, 2, 1, 1, 0, 1, 0, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("TZ", "Asia/Ho_Chi_Minh", TRUE);
  /* No G_TEST_OPTION_ISOLATE_DIRS: GLib 2.74 leaks its strings (LSan), and
   * the cache file lives in a temporary directory of its own anyway. */
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/record-list/order", Fixture, NULL, fixture_set_up, test_order, fixture_tear_down);
  g_test_add ("/record-list/items-changed", Fixture, NULL, fixture_set_up, test_items_changed,
              fixture_tear_down);
  g_test_add ("/record-list/location", Fixture, NULL, fixture_set_up, test_location,
              fixture_tear_down);
  g_test_add ("/record-list/search", Fixture, NULL, fixture_set_up, test_search, fixture_tear_down);
  g_test_add_func ("/record-list/titles", test_titles);
  g_test_add ("/record-list/incremental", Fixture, NULL, fixture_set_up, test_incremental,
              fixture_tear_down);
  g_test_add ("/record-list/where", Fixture, NULL, fixture_set_up, test_where, fixture_tear_down);
  return g_test_run ();
}
