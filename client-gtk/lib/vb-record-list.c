/* vb-record-list.c — a live GListModel of VbRecord over VbCache.
 *
 * Each time the cache commits a change to our entity (::changed), the list
 * re-reads the whole query (vb_cache_list, or vb_cache_search with a search
 * text) and diffs it against what it shows.  Re-reading is simple and right
 * whatever the change was (a record moving in the order, leaving the
 * location, a rebased local edit); the cache is local SQLite, so a query of
 * a few thousand rows costs well under the frame budget.
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
#define SEARCH_LIMIT 500

struct _VbRecordList
{
  GObject     parent_instance;
  VbCache    *cache;
  char       *entity;
  char       *location_id;
  char       *order_field;
  gboolean    descending;
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
      g_ptr_array_add (rows, json_object_ref (row));
    }
  return rows;
}

static GPtrArray *
query_rows (VbRecordList *self)
{
  if (self->search != NULL)
    return query_search (self);
  return vb_cache_list (self->cache, self->entity, self->location_id,
                        self->order_field, self->descending, 0);
}

void
vb_record_list_refresh (VbRecordList *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GHashTable) by_id = NULL;
  g_autofree gboolean *modified = NULL;
  guint old_n, new_n, prefix, suffix;

  g_return_if_fail (VB_IS_RECORD_LIST (self));

  rows = query_rows (self);
  items = g_ptr_array_new_full (rows != NULL ? rows->len : 0, g_object_unref);
  by_id = g_hash_table_new (g_str_hash, g_str_equal);
  modified = g_new0 (gboolean, rows != NULL ? rows->len + 1 : 1);

  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);
      const char *id = row_id (row);
      VbRecord *record;

      if (id == NULL || g_hash_table_contains (by_id, id))
        continue;
      record = g_hash_table_lookup (self->by_id, id);
      if (record != NULL)
        {
          modified[items->len] = vb_record_set_row (record, row);
          g_object_ref (record);
        }
      else
        record = vb_record_new (self->entity, row);
      g_hash_table_insert (by_id, (gpointer) vb_record_get_id (record), record);
      g_ptr_array_add (items, record);
    }

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
  g_hash_table_unref (self->by_id);
  self->by_id = g_steal_pointer (&by_id);

  if (old_n - prefix - suffix > 0 || new_n - prefix - suffix > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), prefix,
                                old_n - prefix - suffix, new_n - prefix - suffix);
  if (old_n != new_n)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
cache_changed_cb (VbCache            *cache,
                  const char * const *entities,
                  VbRecordList       *self)
{
  /* NULL: everything may have changed (a reset). */
  if (entities == NULL || g_strv_contains (entities, self->entity))
    vb_record_list_refresh (self);
}

static void
vb_record_list_constructed (GObject *object)
{
  VbRecordList *self = VB_RECORD_LIST (object);

  G_OBJECT_CLASS (vb_record_list_parent_class)->constructed (object);

  g_return_if_fail (VB_IS_CACHE (self->cache));
  g_return_if_fail (self->entity != NULL);

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
