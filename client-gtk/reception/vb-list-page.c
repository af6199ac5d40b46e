/* vb-list-page.c — a heading, an optional action button, and cached records
 * of one or more entities in a GtkListView (so a cache of 100,000
 * customers costs only the visible rows).
 *
 * Without a search text, the page shows the first entity's VbRecordList in
 * its order (Customers by name, Work orders newest first).  With one, a
 * GtkFlattenListModel of one searching VbRecordList per entity: customers
 * (names, phones, e-mails), vehicles (plates, VINs) and work orders
 * (numbers, concerns) from the cache's full-text index, as the user types,
 * offline too.  Each list follows the cache, so results stay live.
 * Activating a row activates "win.open-record" (entity, id).
 */
#include "vb-list-page.h"
#include "vb-record-list.h"
#include "vb-record-item.h"

#include <glib/gi18n.h>

struct _VbListPage
{
  AdwBin parent_instance;

  /* template */
  GtkWidget     *top_bar;
  GtkLabel      *heading_label;
  GtkButton     *action_button;
  GtkStack      *stack;
  AdwStatusPage *empty_page;
  GtkListView   *list_view;

  VbCache       *cache;
  GStrv          entities;
  char          *order_field;
  gboolean       descending;
  gboolean       search_only;
  char          *search;
  char          *empty_icon_name;
  char          *empty_title;
  char          *empty_description;
  GListStore    *lists;        /* VbRecordList, one per entity */
  gboolean       stale;        /* lists not built for the cache yet */
  GtkFlattenListModel *flat;
  GtkNoSelection *selection;
};

G_DEFINE_FINAL_TYPE (VbListPage, vb_list_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_HEADING,
  PROP_ENTITIES,
  PROP_ORDER_FIELD,
  PROP_DESCENDING,
  PROP_SEARCH_ONLY,
  PROP_ACTION_LABEL,
  PROP_ACTION_NAME,
  PROP_EMPTY_ICON_NAME,
  PROP_EMPTY_TITLE,
  PROP_EMPTY_DESCRIPTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static gboolean
searching (VbListPage *self)
{
  g_autofree char *stripped = self->search != NULL ? g_strstrip (g_strdup (self->search)) : NULL;

  return stripped != NULL && stripped[0] != '\0';
}

static void
update_state (VbListPage *self)
{
  guint n = self->flat != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->flat)) : 0;
  g_autofree char *stripped = self->search != NULL ? g_strstrip (g_strdup (self->search)) : NULL;
  gboolean has_search = stripped != NULL && stripped[0] != '\0';

  if (n > 0 && (has_search || !self->search_only))
    {
      gtk_stack_set_visible_child_name (self->stack, "list");
      return;
    }
  if (self->cache == NULL)
    {
      adw_status_page_set_icon_name (self->empty_page, "content-loading-symbolic");
      adw_status_page_set_title (self->empty_page, _("Waiting for the First Sync"));
      adw_status_page_set_description (self->empty_page, NULL);
    }
  else if (has_search)
    {
      g_autofree char *description =
        /* Translators: %s is what was typed in the search field */
        g_strdup_printf (_("Nothing in this desk’s records matches “%s”. Try a name, a phone number, a plate, a VIN or a work order number."),
                         stripped);

      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Results"));
      adw_status_page_set_description (self->empty_page, description);
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, self->empty_icon_name);
      adw_status_page_set_title (self->empty_page, self->empty_title);
      adw_status_page_set_description (self->empty_page, self->empty_description);
    }
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

static void
rebuild (VbListPage *self)
{
  gboolean search = searching (self);

  self->stale = FALSE;
  g_list_store_remove_all (self->lists);
  /* The search page lists nothing until something is typed; a list made
   * for a search reads only the matches (never the whole entity first). */
  if (self->cache != NULL && self->entities != NULL && (search || !self->search_only))
    for (guint i = 0; self->entities[i] != NULL && (search || i == 0); i++)
      {
        g_autoptr(VbRecordList) list = g_object_new (VB_TYPE_RECORD_LIST,
                                                     "cache", self->cache,
                                                     "entity", self->entities[i],
                                                     "order-field", self->order_field,
                                                     "descending", self->descending,
                                                     "search", search ? self->search : NULL,
                                                     NULL);

        g_list_store_append (self->lists, list);
      }
  update_state (self);
}

void
vb_list_page_set_cache (VbListPage *self,
                        VbCache    *cache)
{
  g_return_if_fail (VB_IS_LIST_PAGE (self));

  if (!g_set_object (&self->cache, cache))
    return;
  /* Listing 100,000 customers takes seconds: a page nobody looks at
   * waits until it is shown (map) instead of holding up the desk. */
  if (gtk_widget_get_mapped (GTK_WIDGET (self)) || self->search_only)
    rebuild (self);
  else
    {
      g_list_store_remove_all (self->lists);
      self->stale = TRUE;
    }
}

static void
vb_list_page_map (GtkWidget *widget)
{
  VbListPage *self = VB_LIST_PAGE (widget);

  if (self->stale)
    {
      self->stale = FALSE;
      rebuild (self);
    }
  GTK_WIDGET_CLASS (vb_list_page_parent_class)->map (widget);
}

void
vb_list_page_set_search (VbListPage *self,
                         const char *text)
{
  gboolean was_searching;

  g_return_if_fail (VB_IS_LIST_PAGE (self));

  if (g_strcmp0 (self->search, text) == 0)
    return;
  was_searching = searching (self);
  g_free (self->search);
  self->search = g_strdup (text);
  /* Typing on: the same lists, a new query each (no rebuild, no flicker). */
  if (was_searching && searching (self) && self->cache != NULL)
    {
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->lists)); i++)
        {
          g_autoptr(VbRecordList) list = g_list_model_get_item (G_LIST_MODEL (self->lists), i);

          vb_record_list_set_search (list, text);
        }
      update_state (self);
      return;
    }
  rebuild (self);
}

GListModel *
vb_list_page_get_model (VbListPage *self)
{
  g_return_val_if_fail (VB_IS_LIST_PAGE (self), NULL);
  return self->cache != NULL ? G_LIST_MODEL (self->flat) : NULL;
}

gboolean
vb_list_page_focus_first (VbListPage *self)
{
  g_return_val_if_fail (VB_IS_LIST_PAGE (self), FALSE);

  if (g_list_model_get_n_items (G_LIST_MODEL (self->flat)) == 0)
    return FALSE;
  /* GtkListView (4.8) has no scroll_to: focusing the view focuses its
   * first row. */
  return gtk_widget_child_focus (GTK_WIDGET (self->list_view), GTK_DIR_TAB_FORWARD);
}

static void
open_position (VbListPage *self,
               guint       position)
{
  g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->flat), position);

  if (record != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.open-record", "(ss)",
                                vb_record_get_entity (record), vb_record_get_id (record));
}

gboolean
vb_list_page_open_first (VbListPage *self)
{
  g_return_val_if_fail (VB_IS_LIST_PAGE (self), FALSE);

  if (g_list_model_get_n_items (G_LIST_MODEL (self->flat)) == 0)
    return FALSE;
  open_position (self, 0);
  return TRUE;
}

static void
activate_cb (GtkListView *view,
             guint        position,
             VbListPage  *self)
{
  open_position (self, position);
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          VbListPage               *self)
{
  gtk_list_item_set_child (item, vb_record_item_new ());
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         VbListPage               *self)
{
  vb_record_item_set_record (VB_RECORD_ITEM (gtk_list_item_get_child (item)), self->cache,
                             gtk_list_item_get_item (item));
}

static void
unbind_cb (GtkSignalListItemFactory *factory,
           GtkListItem              *item,
           VbListPage               *self)
{
  vb_record_item_set_record (VB_RECORD_ITEM (gtk_list_item_get_child (item)), NULL, NULL);
}

static void
vb_list_page_dispose (GObject *object)
{
  VbListPage *self = VB_LIST_PAGE (object);

  /* The bin's child is a template child: let the bin drop it first, or
   * dispose_template unparents it behind the bin's back. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_LIST_PAGE);
  g_clear_object (&self->selection);
  g_clear_object (&self->flat);
  g_clear_object (&self->lists);
  g_clear_object (&self->cache);
  G_OBJECT_CLASS (vb_list_page_parent_class)->dispose (object);
}

static void
vb_list_page_finalize (GObject *object)
{
  VbListPage *self = VB_LIST_PAGE (object);

  g_strfreev (self->entities);
  g_free (self->order_field);
  g_free (self->search);
  g_free (self->empty_icon_name);
  g_free (self->empty_title);
  g_free (self->empty_description);
  G_OBJECT_CLASS (vb_list_page_parent_class)->finalize (object);
}

static void
vb_list_page_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  VbListPage *self = VB_LIST_PAGE (object);

  switch (prop_id)
    {
    case PROP_HEADING:
      g_value_set_string (value, gtk_label_get_label (self->heading_label));
      break;
    case PROP_ENTITIES:
      g_value_take_string (value, self->entities != NULL ? g_strjoinv (",", self->entities) : NULL);
      break;
    case PROP_ORDER_FIELD:
      g_value_set_string (value, self->order_field);
      break;
    case PROP_DESCENDING:
      g_value_set_boolean (value, self->descending);
      break;
    case PROP_SEARCH_ONLY:
      g_value_set_boolean (value, self->search_only);
      break;
    case PROP_ACTION_LABEL:
      g_value_set_string (value, gtk_button_get_label (self->action_button));
      break;
    case PROP_ACTION_NAME:
      g_value_set_string (value, gtk_actionable_get_action_name (GTK_ACTIONABLE (self->action_button)));
      break;
    case PROP_EMPTY_ICON_NAME:
      g_value_set_string (value, self->empty_icon_name);
      break;
    case PROP_EMPTY_TITLE:
      g_value_set_string (value, self->empty_title);
      break;
    case PROP_EMPTY_DESCRIPTION:
      g_value_set_string (value, self->empty_description);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_list_page_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  VbListPage *self = VB_LIST_PAGE (object);

  switch (prop_id)
    {
    case PROP_HEADING:
      gtk_label_set_label (self->heading_label, g_value_get_string (value));
      gtk_widget_set_visible (self->top_bar, g_value_get_string (value) != NULL);
      break;
    case PROP_ENTITIES:
      g_strfreev (self->entities);
      self->entities = g_value_get_string (value) != NULL ? g_strsplit (g_value_get_string (value), ",", -1) : NULL;
      rebuild (self);
      break;
    case PROP_ORDER_FIELD:
      g_free (self->order_field);
      self->order_field = g_value_dup_string (value);
      rebuild (self);
      break;
    case PROP_DESCENDING:
      self->descending = g_value_get_boolean (value);
      rebuild (self);
      break;
    case PROP_SEARCH_ONLY:
      self->search_only = g_value_get_boolean (value);
      update_state (self);
      break;
    case PROP_ACTION_LABEL:
      gtk_button_set_label (self->action_button, g_value_get_string (value));
      gtk_widget_set_visible (GTK_WIDGET (self->action_button), g_value_get_string (value) != NULL);
      break;
    case PROP_ACTION_NAME:
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->action_button), g_value_get_string (value));
      break;
    case PROP_EMPTY_ICON_NAME:
      g_free (self->empty_icon_name);
      self->empty_icon_name = g_value_dup_string (value);
      update_state (self);
      break;
    case PROP_EMPTY_TITLE:
      g_free (self->empty_title);
      self->empty_title = g_value_dup_string (value);
      update_state (self);
      break;
    case PROP_EMPTY_DESCRIPTION:
      g_free (self->empty_description);
      self->empty_description = g_value_dup_string (value);
      update_state (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_list_page_class_init (VbListPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  object_class->dispose = vb_list_page_dispose;
  object_class->finalize = vb_list_page_finalize;
  object_class->get_property = vb_list_page_get_property;
  object_class->set_property = vb_list_page_set_property;
  widget_class->map = vb_list_page_map;

  properties[PROP_HEADING] = g_param_spec_string ("heading", NULL, NULL, NULL, flags);
  /* Comma-separated entities; the first is the one listed without search. */
  properties[PROP_ENTITIES] = g_param_spec_string ("entities", NULL, NULL, NULL, flags);
  properties[PROP_ORDER_FIELD] = g_param_spec_string ("order-field", NULL, NULL, NULL, flags);
  properties[PROP_DESCENDING] = g_param_spec_boolean ("descending", NULL, NULL, FALSE, flags);
  /* Without a search text, show the empty page (a hint) instead of a list. */
  properties[PROP_SEARCH_ONLY] = g_param_spec_boolean ("search-only", NULL, NULL, FALSE, flags);
  properties[PROP_ACTION_LABEL] = g_param_spec_string ("action-label", NULL, NULL, NULL, flags);
  properties[PROP_ACTION_NAME] = g_param_spec_string ("action-name", NULL, NULL, NULL, flags);
  properties[PROP_EMPTY_ICON_NAME] = g_param_spec_string ("empty-icon-name", NULL, NULL, NULL, flags);
  properties[PROP_EMPTY_TITLE] = g_param_spec_string ("empty-title", NULL, NULL, NULL, flags);
  properties[PROP_EMPTY_DESCRIPTION] = g_param_spec_string ("empty-description", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-list-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbListPage, top_bar);
  gtk_widget_class_bind_template_child (widget_class, VbListPage, heading_label);
  gtk_widget_class_bind_template_child (widget_class, VbListPage, action_button);
  gtk_widget_class_bind_template_child (widget_class, VbListPage, stack);
  gtk_widget_class_bind_template_child (widget_class, VbListPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, VbListPage, list_view);
}

static void
vb_list_page_init (VbListPage *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->lists = g_list_store_new (VB_TYPE_RECORD_LIST);
  self->flat = gtk_flatten_list_model_new (G_LIST_MODEL (g_object_ref (self->lists)));
  self->selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->flat)));
  g_signal_connect_object (self->flat, "items-changed", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (factory, "setup", G_CALLBACK (setup_cb), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (bind_cb), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (unbind_cb), self, 0);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
  g_signal_connect_object (self->list_view, "activate", G_CALLBACK (activate_cb), self, 0);
  gtk_widget_set_visible (self->top_bar, FALSE);
  update_state (self);
}
