/* vb-router.c — match a method and path against the route table.
 *
 * A linear scan over pre-split patterns: with tens of routes it is faster
 * than anything cleverer and obviously correct.  A path that matches some
 * pattern under another method is a 405 with Allow, not a 404.
 */
#include "vb-router.h"
#include "vb-error.h"

#include <string.h>

typedef struct
{
  const VbRoute *route;
  GStrv          segments;
} Entry;

struct _VbRouter
{
  GObject  parent_instance;
  GArray  *entries;
  GPtrArray *routes;
};

G_DEFINE_FINAL_TYPE (VbRouter, vb_router, G_TYPE_OBJECT)

static void
clear_entry (gpointer data)
{
  Entry *e = data;
  g_strfreev (e->segments);
}

static void
vb_router_finalize (GObject *object)
{
  VbRouter *self = VB_ROUTER (object);

  g_array_unref (self->entries);
  g_ptr_array_unref (self->routes);
  G_OBJECT_CLASS (vb_router_parent_class)->finalize (object);
}

static void
vb_router_class_init (VbRouterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_router_finalize;
}

static void
vb_router_init (VbRouter *self)
{
  self->entries = g_array_new (FALSE, TRUE, sizeof (Entry));
  g_array_set_clear_func (self->entries, clear_entry);
  self->routes = g_ptr_array_new ();
}

VbRouter *
vb_router_new (void)
{
  return g_object_new (VB_TYPE_ROUTER, NULL);
}

void
vb_router_add_routes (VbRouter      *self,
                      const VbRoute *routes,
                      guint          n_routes)
{
  for (guint i = 0; i < n_routes; i++)
    {
      Entry e = { &routes[i], g_strsplit (routes[i].pattern + 1, "/", -1) };
      g_array_append_val (self->entries, e);
      g_ptr_array_add (self->routes, (gpointer) &routes[i]);
    }
}

GPtrArray *
vb_router_get_routes (VbRouter *self)
{
  return self->routes;
}

static gboolean
match_segments (GStrv        pattern,
                GStrv        path,
                GHashTable **params)
{
  g_autoptr(GHashTable) found = NULL;
  guint i;

  for (i = 0; pattern[i] != NULL && path[i] != NULL; i++)
    {
      const char *p = pattern[i];
      gsize len = strlen (p);

      if (len > 2 && p[0] == '{' && p[len - 1] == '}')
        {
          if (path[i][0] == '\0')
            return FALSE;
          if (found == NULL)
            found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_insert (found, g_strndup (p + 1, len - 2), g_uri_unescape_string (path[i], NULL));
        }
      else if (!g_str_equal (p, path[i]))
        return FALSE;
    }
  if (pattern[i] != NULL || path[i] != NULL)
    return FALSE;
  if (params != NULL)
    *params = g_steal_pointer (&found);
  return TRUE;
}

const VbRoute *
vb_router_match (VbRouter    *self,
                 const char  *method,
                 const char  *path,
                 GHashTable **params,
                 GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GString) allow = NULL;

  if (path == NULL || path[0] != '/')
    {
      g_set_error_literal (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No such resource");
      return NULL;
    }
  parts = g_strsplit (path + 1, "/", -1);
  for (guint i = 0; i < self->entries->len; i++)
    {
      Entry *e = &g_array_index (self->entries, Entry, i);

      if (g_str_equal (e->route->method, method))
        {
          if (match_segments (e->segments, parts, params))
            return e->route;
        }
      else if (match_segments (e->segments, parts, NULL))
        {
          if (allow == NULL)
            allow = g_string_new (e->route->method);
          else if (strstr (allow->str, e->route->method) == NULL)
            g_string_append_printf (allow, ", %s", e->route->method);
        }
    }
  if (allow != NULL)
    {
      g_autoptr(JsonObject) details = json_object_new ();
      GError *e = g_error_new (VB_ERROR, VB_ERROR_METHOD_NOT_ALLOWED,
                               "%s is not allowed here; allowed: %s", method, allow->str);
      json_object_set_string_member (details, "allow", allow->str);
      vb_error_set_details (e, details);
      g_propagate_error (error, e);
      return NULL;
    }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No such resource: %s", path);
  return NULL;
}
