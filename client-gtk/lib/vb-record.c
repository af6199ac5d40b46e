/* vb-record.c — one cached record as a GObject.
 *
 * A thin wrapper over the JSON row the cache holds, so list views can bind
 * "title" and "subtitle" and selections can follow an object.  VbRecordList
 * keeps one VbRecord per id for as long as the record stays in the list and
 * swaps the row in place when it changes (vb_record_set_row), rather than
 * making a new object: a GtkSingleSelection then keeps its selected item.
 *
 * Titles are computed by pure functions of (entity, row) so the text shown
 * is unit-tested without a display.
 */
#include "vb-record.h"
#include "vb-json.h"

#include <glib/gi18n-lib.h>

/* A record of a long list is made from the cache's JSON text and parsed
 * only when something reads it (a row scrolled into view): a list of
 * 100,000 customers then costs 100,000 small objects, not 100,000 parses
 * and titles. */
struct _VbRecord
{
  GObject     parent_instance;
  char       *entity;
  char       *id;
  char       *text;      /* the row as the cache stores it, or NULL */
  JsonObject *row;       /* parsed, or NULL until read */
  gboolean    titled;    /* title and subtitle computed */
  char       *title;
  char       *subtitle;
};

G_DEFINE_FINAL_TYPE (VbRecord, vb_record, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ENTITY,
  PROP_ID,
  PROP_VERSION,
  PROP_ROW,
  PROP_TITLE,
  PROP_SUBTITLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* A string member, or NULL when absent, null or not a string. */
static const char *
row_string (JsonObject *row,
            const char *member)
{
  JsonNode *node;

  if (row == NULL)
    return NULL;
  node = json_object_get_member (row, member);
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
is_blank (const char *text)
{
  return text == NULL || text[0] == '\0';
}

/* The first string of an array member (phones, e-mails). */
static const char *
row_first_string (JsonObject *row,
                  const char *member)
{
  JsonNode *node = json_object_get_member (row, member);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  if (json_array_get_length (array) == 0)
    return NULL;
  node = json_array_get_element (array, 0);
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* "a · b" with blank parts left out; NULL if all are blank. */
static char *
join_dot (const char *first,
          const char *second)
{
  if (is_blank (first) && is_blank (second))
    return NULL;
  if (is_blank (first))
    return g_strdup (second);
  if (is_blank (second))
    return g_strdup (first);
  return g_strconcat (first, " · ", second, NULL);
}

/* "make model" with blank parts left out. */
static char *
make_model (JsonObject *row)
{
  const char *make = row_string (row, "make");
  const char *model = row_string (row, "model");

  if (is_blank (make))
    return g_strdup (is_blank (model) ? "" : model);
  if (is_blank (model))
    return g_strdup (make);
  return g_strconcat (make, " ", model, NULL);
}

/* An RFC 3339 timestamp in the local time zone, e.g. "Tue 1 Dec 08:00". */
static char *
local_time (const char *rfc3339)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (is_blank (rfc3339))
    return NULL;
  utc = g_date_time_new_from_iso8601 (rfc3339, NULL);
  if (utc == NULL)
    return g_strdup (rfc3339);
  local = g_date_time_to_local (utc);
  /* TRANSLATORS: an appointment's start, see g_date_time_format() */
  return g_date_time_format (local, _("%a %-d %b %H:%M"));
}

char *
vb_record_title_for_row (const char *entity,
                         JsonObject *row)
{
  const char *text;

  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (row != NULL, NULL);

  if (g_str_equal (entity, "customers"))
    {
      const char *given = row_string (row, "given_name");
      const char *family = row_string (row, "family_name");

      if (!is_blank (text = row_string (row, "display_name")))
        return g_strdup (text);
      if (!is_blank (text = row_string (row, "company_name")))
        return g_strdup (text);
      if (!is_blank (given) || !is_blank (family))
        return g_strstrip (g_strconcat (given != NULL ? given : "", " ",
                                        family != NULL ? family : "", NULL));
    }
  else if (g_str_equal (entity, "vehicles"))
    {
      g_autofree char *name = make_model (row);
      char *title = join_dot (row_string (row, "plate"), name);

      if (title != NULL)
        return title;
      if (!is_blank (text = row_string (row, "vin")))
        return g_strdup (text);
    }
  else if (g_str_equal (entity, "work_orders"))
    {
      JsonNode *number = json_object_get_member (row, "number");

      /* "#42" reads the same in every language the shops use. */
      if (number != NULL && JSON_NODE_TYPE (number) == JSON_NODE_VALUE &&
          json_node_get_value_type (number) == G_TYPE_INT64)
        return g_strdup_printf ("#%" G_GINT64_FORMAT, json_node_get_int (number));
      /* Created offline: the server assigns the number. */
      return g_strdup (_("New work order"));
    }
  else if (g_str_equal (entity, "appointments"))
    {
      char *when = local_time (row_string (row, "starts_at"));

      if (when != NULL)
        return when;
    }

  if (!is_blank (text = row_string (row, "title")))
    return g_strdup (text);
  if (!is_blank (text = row_string (row, "name")))
    return g_strdup (text);
  return g_strdup (row_string (row, "id") != NULL ? row_string (row, "id") : "");
}

char *
vb_record_subtitle_for_row (const char *entity,
                            JsonObject *row)
{
  const char *text = NULL;

  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (row != NULL, NULL);

  if (g_str_equal (entity, "customers"))
    {
      text = row_first_string (row, "phones");
      if (is_blank (text))
        text = row_first_string (row, "emails");
    }
  else if (g_str_equal (entity, "vehicles"))
    text = row_string (row, "vin");
  else if (g_str_equal (entity, "work_orders"))
    {
      text = row_string (row, "concerns");
      if (is_blank (text))
        text = row_string (row, "status");
    }
  else if (g_str_equal (entity, "appointments"))
    text = row_string (row, "status");
  else if (g_str_equal (entity, "work_order_tasks"))
    text = row_string (row, "technician_name");
  else if (g_str_equal (entity, "locations"))
    text = row_string (row, "code");

  return g_strdup (text != NULL ? text : "");
}

static JsonObject *
ensure_row (VbRecord *self)
{
  if (self->row == NULL)
    {
      g_autoptr(GError) error = NULL;

      self->row = self->text != NULL ? vb_json_parse_object (self->text, -1, &error) : NULL;
      if (self->row == NULL)
        {
          /* The cache only stores objects; never leave readers with NULL. */
          g_warning ("Cannot read the cached %s %s: %s", self->entity, self->id,
                     error != NULL ? error->message : "no row");
          self->row = json_object_new ();
          json_object_set_string_member (self->row, "id", self->id);
        }
    }
  return self->row;
}

static void
ensure_titles (VbRecord *self)
{
  if (self->titled)
    return;
  self->title = vb_record_title_for_row (self->entity, ensure_row (self));
  self->subtitle = vb_record_subtitle_for_row (self->entity, self->row);
  self->titled = TRUE;
}

static void
vb_record_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  VbRecord *self = VB_RECORD (object);

  switch (prop_id)
    {
    case PROP_ENTITY:
      g_value_set_string (value, self->entity);
      break;
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_VERSION:
      g_value_set_int64 (value, vb_record_get_version (self));
      break;
    case PROP_ROW:
      g_value_set_boxed (value, ensure_row (self));
      break;
    case PROP_TITLE:
      g_value_set_string (value, vb_record_get_title (self));
      break;
    case PROP_SUBTITLE:
      g_value_set_string (value, vb_record_get_subtitle (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_record_finalize (GObject *object)
{
  VbRecord *self = VB_RECORD (object);

  g_clear_pointer (&self->entity, g_free);
  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->row, json_object_unref);
  g_clear_pointer (&self->text, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->subtitle, g_free);
  G_OBJECT_CLASS (vb_record_parent_class)->finalize (object);
}

static void
vb_record_class_init (VbRecordClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = vb_record_get_property;
  object_class->finalize = vb_record_finalize;

  properties[PROP_ENTITY] =
    g_param_spec_string ("entity", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ID] =
    g_param_spec_string ("id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_VERSION] =
    g_param_spec_int64 ("version", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROW] =
    g_param_spec_boxed ("row", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SUBTITLE] =
    g_param_spec_string ("subtitle", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vb_record_init (VbRecord *self)
{
}

VbRecord *
vb_record_new (const char *entity,
               JsonObject *row)
{
  VbRecord *self;

  g_return_val_if_fail (entity != NULL, NULL);
  g_return_val_if_fail (row != NULL, NULL);

  self = g_object_new (VB_TYPE_RECORD, NULL);
  self->entity = g_strdup (entity);
  self->id = g_strdup (row_string (row, "id"));
  self->row = json_object_ref (row);
  ensure_titles (self);
  return self;
}

VbRecord *
vb_record_new_from_text (const char *entity,
                         const char *id,
                         const char *text)
{
  VbRecord *self;

  g_return_val_if_fail (entity != NULL && id != NULL && text != NULL, NULL);

  self = g_object_new (VB_TYPE_RECORD, NULL);
  self->entity = g_strdup (entity);
  self->id = g_strdup (id);
  self->text = g_strdup (text);
  return self;
}

gboolean
vb_record_set_text (VbRecord   *self,
                    const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) row = NULL;
  gboolean changed;

  g_return_val_if_fail (VB_IS_RECORD (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  if (g_strcmp0 (self->text, text) == 0)
    return FALSE;
  /* Never read: nobody holds its row or title, so nobody to notify. */
  if (self->row == NULL && !self->titled)
    {
      g_free (self->text);
      self->text = g_strdup (text);
      return TRUE;
    }
  row = vb_json_parse_object (text, -1, &error);
  if (row == NULL)
    return FALSE;
  changed = vb_record_set_row (self, row);
  g_free (self->text);
  self->text = g_strdup (text);
  return changed;
}

const char *
vb_record_get_entity (VbRecord *self)
{
  g_return_val_if_fail (VB_IS_RECORD (self), NULL);
  return self->entity;
}

const char *
vb_record_get_id (VbRecord *self)
{
  g_return_val_if_fail (VB_IS_RECORD (self), NULL);
  return self->id;
}

gint64
vb_record_get_version (VbRecord *self)
{
  JsonNode *node;

  g_return_val_if_fail (VB_IS_RECORD (self), 0);

  node = json_object_get_member (ensure_row (self), "version");
  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

JsonObject *
vb_record_get_row (VbRecord *self)
{
  g_return_val_if_fail (VB_IS_RECORD (self), NULL);
  return ensure_row (self);
}

const char *
vb_record_get_string (VbRecord   *self,
                      const char *member)
{
  g_return_val_if_fail (VB_IS_RECORD (self), NULL);
  g_return_val_if_fail (member != NULL, NULL);
  return row_string (ensure_row (self), member);
}

const char *
vb_record_get_title (VbRecord *self)
{
  g_return_val_if_fail (VB_IS_RECORD (self), NULL);
  ensure_titles (self);
  return self->title;
}

const char *
vb_record_get_subtitle (VbRecord *self)
{
  g_return_val_if_fail (VB_IS_RECORD (self), NULL);
  ensure_titles (self);
  return self->subtitle;
}

gboolean
vb_record_set_row (VbRecord   *self,
                   JsonObject *row)
{
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  gint64 old_version;

  g_return_val_if_fail (VB_IS_RECORD (self), FALSE);
  g_return_val_if_fail (row != NULL, FALSE);
  g_return_val_if_fail (g_strcmp0 (row_string (row, "id"), self->id) == 0, FALSE);

  /* A local edit keeps the version, so compare the whole row. */
  if (row == ensure_row (self) || json_object_equal (row, self->row))
    return FALSE;

  old_version = vb_record_get_version (self);
  ensure_titles (self);
  g_object_freeze_notify (G_OBJECT (self));
  json_object_unref (self->row);
  self->row = json_object_ref (row);
  /* The text no longer says what the row is. */
  g_clear_pointer (&self->text, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROW]);
  if (vb_record_get_version (self) != old_version)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);

  title = vb_record_title_for_row (self->entity, row);
  if (g_strcmp0 (title, self->title) != 0)
    {
      g_free (self->title);
      self->title = g_steal_pointer (&title);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
    }
  subtitle = vb_record_subtitle_for_row (self->entity, row);
  if (g_strcmp0 (subtitle, self->subtitle) != 0)
    {
      g_free (self->subtitle);
      self->subtitle = g_steal_pointer (&subtitle);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SUBTITLE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}
