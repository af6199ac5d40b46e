/* vb-record-list.c — a live GListModel of VbRecord over VbCache.
 *
 * When the cache commits a change to our entity (::records-changed), the
 * list re-reads only the records it names (vb_cache_get_many), drops them
 * from what it shows and merges the ones that still belong back in, in the
 * cache's order (the same comparison vb_cache_list's ORDER BY makes: SQLite
 * type classes, the locale's collation for text, then id).  Re-reading the
 * whole query on each commit was simple, but during a first sync of
 * 100,000 customers each 500-row page re-read (and re-sorted) every open
 * list: quadratic, over ten minutes.  A search re-runs its query (at most
 * SEARCH_LIMIT rows), as does a list whose order field holds objects.
 *
 * The diff keeps one VbRecord per id: a record still present keeps its
 * object, and a changed row is swapped into it (vb_record_set_row), so a
 * GtkSingleSelection keeps its selected item and bound widgets update.
 * items-changed then covers the span between the longest unchanged prefix
 * and suffix — exact for the usual single insert, delete or edit, and at
 * worst one signal for a burst.  A general minimal edit script (Myers) was
 * rejected: several signals for one commit make views relayout several
 * times for no visible gain.
 */
#include "vb-record-list.h"

#include <string.h>

/* Search results are for a person scanning a list: more is noise. */
#define SEARCH_LIMIT 200

struct _VbRecordList
{
  GObject     parent_instance;
  VbCache    *cache;
  char       *entity;
  char       *location_id;
  char       *order_field;
  gboolean    descending;
  char       *where_field;
  char       *where_value;
  gboolean    unorderable; /* some order key is an object or array */
  char       *search;
  gboolean    constructed;
  GPtrArray  *items;   /* VbRecord*, in list order */
  GHashTable *by_id;   /* id → VbRecord (borrowed from items) */
};

static void vb_record_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (VbRecordList, vb_record_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      vb_record_list_model_init))

enum
{
  PROP_0,
  PROP_CACHE,
  PROP_ENTITY,
  PROP_LOCATION_ID,
  PROP_ORDER_FIELD,
  PROP_DESCENDING,
  PROP_WHERE_FIELD,
  PROP_WHERE_VALUE,
  PROP_SEARCH,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
vb_record_list_get_item_type (GListModel *model)
{
  return VB_TYPE_RECORD;
}

static guint
vb_record_list_get_n_items (GListModel *model)
{
  return VB_RECORD_LIST (model)->items->len;
}

static gpointer
vb_record_list_get_item (GListModel *model,
                         guint       position)
{
  VbRecordList *self = VB_RECORD_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
vb_record_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = vb_record_list_get_item_type;
  iface->get_n_items = vb_record_list_get_n_items;
  iface->get_item = vb_record_list_get_item;
}

static const char *
row_id (JsonObject *row)
{
  JsonNode *node = json_object_get_member (row, "id");

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static const char *
row_location (JsonObject *row)
{
  const char *location = json_object_get_string_member_with_default (row, "location_id", NULL);

  if (location != NULL)
    return location;
  return json_object_get_string_member_with_default (row, "preferred_location_id", NULL);
}

static gboolean
matches_where (VbRecordList *self,
               JsonObject   *row)
{
  if (self->where_field == NULL)
    return TRUE;
  return g_strcmp0 (json_object_get_string_member_with_default (row, self->where_field, NULL),
                    self->where_value) == 0;
}

/* The search's matches of our entity, as local views, best first. */
static GPtrArray *
query_search (VbRecordList *self)
{
  g_autoptr(GPtrArray) found = vb_cache_search_rows (self->cache, self->entity, self->search, SEARCH_LIMIT);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      JsonObject *row = g_ptr_array_index (found, i);

      /* The same rule as vb_cache_list(): a record's location, or a
       * customer's preferred one. */
      if (self->location_id != NULL && g_strcmp0 (row_location (row), self->location_id) != 0)
        continue;
      if (!matches_where (self, row))
        continue;
      g_ptr_array_add (rows, json_object_ref (row));
    }
  return rows;
}


/* SQLite's type classes in ORDER BY: NULL, numbers, text; json_extract
 * gives booleans as integers and objects/arrays as text we do not mimic. */
static int
key_class (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return 0;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return 3;
  return json_node_get_value_type (node) == G_TYPE_STRING ? 2 : 1;
}

static double
key_number (JsonNode *node)
{
  GType type = json_node_get_value_type (node);

  if (type == G_TYPE_DOUBLE)
    return json_node_get_double (node);
  if (type == G_TYPE_BOOLEAN)
    return json_node_get_boolean (node) ? 1 : 0;
  return (double) json_node_get_int (node);
}

static int
compare_keys (JsonNode *a,
              JsonNode *b)
{
  int class_a = key_class (a), class_b = key_class (b);

  if (class_a != class_b)
    return class_a < class_b ? -1 : 1;
  if (class_a == 1)
    {
      if (json_node_get_value_type (a) == G_TYPE_INT64 && json_node_get_value_type (b) == G_TYPE_INT64)
        {
          gint64 x = json_node_get_int (a), y = json_node_get_int (b);
          return x < y ? -1 : x > y;
        }
      else
        {
          double x = key_number (a), y = key_number (b);
          return x < y ? -1 : x > y;
        }
    }
  if (class_a == 2)
    return g_utf8_collate (json_node_get_string (a), json_node_get_string (b));
  return 0;
}

/* The order of vb_cache_list: the order field, then id, both reversed
 * when descending. */
static int
compare_records (VbRecordList *self,
                 VbRecord     *a,
                 VbRecord     *b)
{
  const char *field = self->order_field != NULL ? self->order_field : "id";
  int cmp = compare_keys (json_object_get_member (vb_record_get_row (a), field),
                          json_object_get_member (vb_record_get_row (b), field));

  if (cmp == 0)
    cmp = strcmp (vb_record_get_id (a), vb_record_get_id (b));
  return self->descending ? -cmp : cmp;
}

static int
compare_records_cb (gconstpointer a,
                    gconstpointer b,
                    gpointer      user_data)
{
  return compare_records (user_data, *(VbRecord **) a, *(VbRecord **) b);
}

static gboolean
row_orderable (VbRecordList *self,
               JsonObject   *row)
{
  return key_class (json_object_get_member (row, self->order_field != NULL ? self->order_field : "id")) != 3;
}

/* Shows items (modified[i]: items[i] kept its object but got a new row)
 * with one items-changed over the span between the unchanged prefix and
 * suffix. */
static void
swap_in (VbRecordList *self,
         GPtrArray    *new_items,
         GHashTable   *new_by_id,
         gboolean     *modified)
{
  g_autoptr(GPtrArray) items = new_items;
  g_autoptr(GHashTable) by_id = new_by_id; /* NULL: self->by_id is already right */
  guint old_n, new_n, prefix, suffix;

  old_n = self->items->len;
  new_n = items->len;
  for (prefix = 0; prefix < old_n && prefix < new_n; prefix++)
    if (g_ptr_array_index (self->items, prefix) != g_ptr_array_index (items, prefix) ||
        modified[prefix])
      break;
  for (suffix = 0; suffix < old_n - prefix && suffix < new_n - prefix; suffix++)
    if (g_ptr_array_index (self->items, old_n - 1 - suffix) !=
        g_ptr_array_index (items, new_n - 1 - suffix) ||
        modified[new_n - 1 - suffix])
      break;

  /* Swap before emitting: handlers read the new contents. */
  g_ptr_array_unref (self->items);
  self->items = g_steal_pointer (&items);
  if (by_id != NULL)
    {
      g_hash_table_unref (self->by_id);
      self->by_id = g_steal_pointer (&by_id);
    }

  if (old_n - prefix - suffix > 0 || new_n - prefix - suffix > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix,
                                old_n - prefix - suffix, new_n - prefix - suffix);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* The record for row: ours (its row swapped in, *modified set if it
 * differed) or a new one.  Returns a reference. */
static VbRecord *
record_for_row (VbRecordList *self,
                JsonObject   *row,
                gboolean     *modified)
{
  VbRecord *record = g_hash_table_lookup (self->by_id, row_id (row));

  *modified = FALSE;
  if (record == NULL)
    return vb_record_new (self->entity, row);
  *modified = vb_record_set_row (record, row);
  return g_object_ref (record);
}

/* The search's matches: parsed rows, at most SEARCH_LIMIT. */
static void
refresh_search (VbRecordList *self)
{
  g_autoptr(GPtrArray) rows = query_search (self);
  GPtrArray *items = g_ptr_array_new_full (rows->len, g_object_unref);
  GHashTable *by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gboolean *modified = g_new0 (gboolean, rows->len + 1);

  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);
      const char *id = row_id (row);
      VbRecord *record;

      if (id == NULL || g_hash_table_contains (by_id, id))
        continue;
      record = record_for_row (self, row, &modified[items->len]);
      g_hash_table_insert (by_id, (gpointer) vb_record_get_id (record), record);
      g_ptr_array_add (items, record);
    }
  swap_in (self, items, by_id, modified);
}

/* The ordered list, from the cache's texts: a record is parsed only when
 * something reads it. */
static void
refresh_ordered (VbRecordList *self)
{
  g_autoptr(GPtrArray) texts = vb_cache_list_texts (self->cache, self->entity, self->location_id,
                                                    self->where_field, self->where_value,
                                                    self->order_field, self->descending);
  GPtrArray *items = g_ptr_array_new_full (texts->len, g_object_unref);
  GHashTable *by_id = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree gboolean *modified = g_new0 (gboolean, texts->len + 1);

  self->unorderable = FALSE;
  for (guint i = 0; i < texts->len; i++)
    {
      VbCacheText *text = g_ptr_array_index (texts, i);
      VbRecord *record = g_hash_table_lookup (self->by_id, text->id);

      if (g_hash_table_contains (by_id, text->id))
        continue;
      if (!text->orderable)
        self->unorderable = TRUE;
      if (record != NULL)
        {
          modified[items->len] = vb_record_set_text (record, text->json);
          g_object_ref (record);
        }
      else
        record = vb_record_new_from_text (self->entity, text->id, text->json);
      g_hash_table_insert (by_id, (gpointer) vb_record_get_id (record), record);
      g_ptr_array_add (items, record);
    }
  swap_in (self, items, by_id, modified);
}

void
vb_record_list_refresh (VbRecordList *self)
{
  g_return_if_fail (VB_IS_RECORD_LIST (self));

  if (self->search != NULL)
    refresh_search (self);
  else
    refresh_ordered (self);
}

/* The records ids names, re-read: those still in the list, sorted.
 * FALSE if one cannot be placed without SQLite's help. */
static gboolean
read_changed (VbRecordList       *self,
              const char * const *ids,
              GHashTable         *changed,
              GPtrArray          *fresh,
              GHashTable         *fresh_modified)
{
  g_autoptr(GPtrArray) rows = vb_cache_get_many (self->cache, self->entity, self->location_id, ids);

  for (guint i = 0; ids[i] != NULL; i++)
    g_hash_table_add (changed, (gpointer) ids[i]);
  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);
      gboolean modified;
      VbRecord *record;

      if (row_id (row) == NULL || !matches_where (self, row))
        continue;
      if (!row_orderable (self, row))
        return FALSE;
      if (g_hash_table_contains (fresh_modified, row_id (row)))
        continue;
      record = record_for_row (self, row, &modified);
      g_ptr_array_add (fresh, record);
      g_hash_table_insert (fresh_modified, (gpointer) vb_record_get_id (record), GINT_TO_POINTER (modified));
    }
  g_ptr_array_sort_with_data (fresh, compare_records_cb, self);
  return TRUE;
}

/* Merges the re-read records into the rest, which stays in order.  The
 * id index is updated in place: rebuilding it costs as much as the list
 * is long, on every commit. */
static void
update_records (VbRecordList       *self,
                const char * const *ids)
{
  g_autoptr(GHashTable) changed = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) fresh_modified = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree gboolean *modified = NULL;
  g_autoptr(GPtrArray) kept = NULL;
  GPtrArray *items;
  guint i = 0;

  if (self->unorderable || !read_changed (self, ids, changed, fresh, fresh_modified))
    {
      vb_record_list_refresh (self);
      return;
    }

  items = g_ptr_array_new_full (self->items->len + fresh->len, g_object_unref);
  modified = g_new0 (gboolean, self->items->len + fresh->len + 1);
  /* What stays, still in order; then each re-read record goes where a
   * binary search over it says (m log n comparisons: a merge walking the
   * whole list compared, and parsed, every record per commit). */
  kept = g_ptr_array_sized_new (self->items->len);
  for (guint k = 0; k < self->items->len; k++)
    {
      VbRecord *old = g_ptr_array_index (self->items, k);

      if (!g_hash_table_contains (changed, vb_record_get_id (old)))
        g_ptr_array_add (kept, old);
    }
  for (guint j = 0; j < fresh->len; j++)
    {
      VbRecord *record = g_ptr_array_index (fresh, j);
      guint lo = i, hi = kept->len;

      while (lo < hi)
        {
          guint mid = lo + (hi - lo) / 2;

          if (compare_records (self, g_ptr_array_index (kept, mid), record) < 0)
            lo = mid + 1;
          else
            hi = mid;
        }
      for (; i < lo; i++)
        g_ptr_array_add (items, g_object_ref (g_ptr_array_index (kept, i)));
      modified[items->len] = GPOINTER_TO_INT (g_hash_table_lookup (fresh_modified, vb_record_get_id (record)));
      g_ptr_array_add (items, g_object_ref (record));
    }
  for (; i < kept->len; i++)
    g_ptr_array_add (items, g_object_ref (g_ptr_array_index (kept, i)));
  for (guint k = 0; ids[k] != NULL; k++)
    g_hash_table_remove (self->by_id, ids[k]);
  for (guint k = 0; k < fresh->len; k++)
    {
      VbRecord *record = g_ptr_array_index (fresh, k);

      g_hash_table_insert (self->by_id, (gpointer) vb_record_get_id (record), record);
    }
  swap_in (self, items, NULL, modified);
}

static void
cache_records_changed_cb (VbCache            *cache,
                          const char         *entity,
                          const char * const *ids,
                          VbRecordList       *self)
{
  if (g_strcmp0 (entity, self->entity) != 0 || ids == NULL)
    return;
  if (self->search != NULL)
    vb_record_list_refresh (self);
  else
    update_records (self, ids);
}

static void
cache_changed_cb (VbCache            *cache,
                  const char * const *entities,
                  VbRecordList       *self)
{
  /* NULL: everything may have changed (a reset); named entities come
   * with ::records-changed first. */
  if (entities == NULL)
    vb_record_list_refresh (self);
}

static void
vb_record_list_constructed (GObject *object)
{
  VbRecordList *self = VB_RECORD_LIST (object);

  G_OBJECT_CLASS (vb_record_list_parent_class)->constructed (object);

  g_return_if_fail (VB_IS_CACHE (self->cache));
  g_return_if_fail (self->entity != NULL);

  g_signal_connect_object (self->cache, "records-changed", G_CALLBACK (cache_records_changed_cb), self, 0);
  g_signal_connect_object (self->cache, "changed", G_CALLBACK (cache_changed_cb), self, 0);
  self->constructed = TRUE;
  vb_record_list_refresh (self);
}

static void
vb_record_list_dispose (GObject *object)
{
  VbRecordList *self = VB_RECORD_LIST (object);

  g_clear_object (&self->cache);
  G_OBJECT_CLASS (vb_record_list_parent_class)->dispose (object);
}

static void
vb_record_list_finalize (GObject *object)
{
  VbRecordList *self = VB_RECORD_LIST (object);

  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->entity, g_free);
  g_clear_pointer (&self->location_id, g_free);
  g_clear_pointer (&self->order_field, g_free);
  g_clear_pointer (&self->where_field, g_free);
  g_clear_pointer (&self->where_value, g_free);
  g_clear_pointer (&self->search, g_free);
  G_OBJECT_CLASS (vb_record_list_parent_class)->finalize (object);
}

static void
vb_record_list_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  VbRecordList *self = VB_RECORD_LIST (object);

  switch (prop_id)
    {
    case PROP_CACHE:
      g_value_set_object (value, self->cache);
      break;
    case PROP_ENTITY:
      g_value_set_string (value, self->entity);
      break;
    case PROP_LOCATION_ID:
      g_value_set_string (value, self->location_id);
      break;
    case PROP_ORDER_FIELD:
      g_value_set_string (value, self->order_field);
      break;
    case PROP_DESCENDING:
      g_value_set_boolean (value, self->descending);
      break;
    case PROP_WHERE_FIELD:
      g_value_set_string (value, self->where_field);
      break;
    case PROP_WHERE_VALUE:
      g_value_set_string (value, self->where_value);
      break;
    case PROP_SEARCH:
      g_value_set_string (value, self->search);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_record_list_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  VbRecordList *self = VB_RECORD_LIST (object);

  switch (prop_id)
    {
    case PROP_CACHE:
      self->cache = g_value_dup_object (value);
      break;
    case PROP_ENTITY:
      self->entity = g_value_dup_string (value);
      break;
    case PROP_LOCATION_ID:
      self->location_id = g_value_dup_string (value);
      break;
    case PROP_ORDER_FIELD:
      self->order_field = g_value_dup_string (value);
      break;
    case PROP_DESCENDING:
      self->descending = g_value_get_boolean (value);
      break;
    case PROP_WHERE_FIELD:
      self->where_field = g_value_dup_string (value);
      break;
    case PROP_WHERE_VALUE:
      self->where_value = g_value_dup_string (value);
      break;
    case PROP_SEARCH:
      vb_record_list_set_search (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_record_list_class_init (VbRecordListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = vb_record_list_constructed;
  object_class->dispose = vb_record_list_dispose;
  object_class->finalize = vb_record_list_finalize;
  object_class->get_property = vb_record_list_get_property;
  object_class->set_property = vb_record_list_set_property;

  properties[PROP_CACHE] =
    g_param_spec_object ("cache", NULL, NULL, VB_TYPE_CACHE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ENTITY] =
    g_param_spec_string ("entity", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOCATION_ID] =
    g_param_spec_string ("location-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ORDER_FIELD] =
    g_param_spec_string ("order-field", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DESCENDING] =
    g_param_spec_boolean ("descending", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WHERE_FIELD] =
    g_param_spec_string ("where-field", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WHERE_VALUE] =
    g_param_spec_string ("where-value", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SEARCH] =
    g_param_spec_string ("search", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vb_record_list_init (VbRecordList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
}

VbRecordList *
vb_record_list_new (VbCache    *cache,
                    const char *entity,
                    const char *location_id,
                    const char *order_field,
                    gboolean    descending)
{
  g_return_val_if_fail (VB_IS_CACHE (cache), NULL);
  g_return_val_if_fail (entity != NULL, NULL);

  return g_object_new (VB_TYPE_RECORD_LIST,
                       "cache", cache,
                       "entity", entity,
                       "location-id", location_id,
                       "order-field", order_field,
                       "descending", descending,
                       NULL);
}

VbRecordList *
vb_record_list_new_where (VbCache    *cache,
                          const char *entity,
                          const char *field,
                          const char *value,
                          const char *order_field,
                          gboolean    descending)
{
  g_return_val_if_fail (VB_IS_CACHE (cache), NULL);
  g_return_val_if_fail (entity != NULL && field != NULL && value != NULL, NULL);

  return g_object_new (VB_TYPE_RECORD_LIST,
                       "cache", cache,
                       "entity", entity,
                       "where-field", field,
                       "where-value", value,
                       "order-field", order_field,
                       "descending", descending,
                       NULL);
}

VbCache *
vb_record_list_get_cache (VbRecordList *self)
{
  g_return_val_if_fail (VB_IS_RECORD_LIST (self), NULL);
  return self->cache;
}

const char *
vb_record_list_get_entity (VbRecordList *self)
{
  g_return_val_if_fail (VB_IS_RECORD_LIST (self), NULL);
  return self->entity;
}

const char *
vb_record_list_get_location_id (VbRecordList *self)
{
  g_return_val_if_fail (VB_IS_RECORD_LIST (self), NULL);
  return self->location_id;
}

const char *
vb_record_list_get_search (VbRecordList *self)
{
  g_return_val_if_fail (VB_IS_RECORD_LIST (self), NULL);
  return self->search;
}

void
vb_record_list_set_search (VbRecordList *self,
                           const char   *text)
{
  g_autofree char *search = NULL;

  g_return_if_fail (VB_IS_RECORD_LIST (self));

  /* Blank is no search, so clearing the entry shows the ordered list. */
  if (text != NULL)
    search = g_strstrip (g_strdup (text));
  if (search != NULL && search[0] == '\0')
    g_clear_pointer (&search, g_free);
  if (g_strcmp0 (search, self->search) == 0)
    return;

  g_free (self->search);
  self->search = g_steal_pointer (&search);
  /* A search given at construction is read once, by constructed(). */
  if (self->constructed)
    vb_record_list_refresh (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
}

VbRecord *
vb_record_list_find (VbRecordList *self,
                     const char   *id,
                     guint        *position)
{
  VbRecord *record;

  g_return_val_if_fail (VB_IS_RECORD_LIST (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  record = g_hash_table_lookup (self->by_id, id);
  if (record != NULL && position != NULL)
    g_ptr_array_find (self->items, record, position);
  return record;
}
