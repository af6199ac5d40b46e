/* vb-connection-indicator.c — the header bar's "Online / Offline" badge.
 *
 * A thin view over the live connection's state and, once the app syncs,
 * the sync engine's properties ("Up to date", "Syncing 1,200 of 5,000",
 * "Offline — 3 changes waiting"): the words and icons come from
 * vb-presentation.c; the CSS class (online/offline/connecting) lets the
 * stylesheet dim the offline state without colour being the only signal.
 */
#include "vb-connection-indicator.h"
#include "vb-common.h"
#include "vb-presentation.h"
#include "vb-sync-engine.h"

struct _VbConnectionIndicator
{
  GtkWidget          parent_instance;
  GtkImage          *image;
  GtkLabel          *label;
  VbConnectionState  state;
  VbSyncEngine      *engine;
};

G_DEFINE_FINAL_TYPE (VbConnectionIndicator, vb_connection_indicator, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_STATE,
  PROP_SYNC_ENGINE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
update (VbConnectionIndicator *self)
{
  static const char *classes[] = { "offline", "connecting", "online" };
  g_autofree char *label = NULL;
  const char *icon_name;
  const char *css_class;

  if (self->engine == NULL)
    {
      label = g_strdup (vb_connection_state_get_label (self->state));
      icon_name = vb_connection_state_get_icon_name (self->state);
      css_class = self->state == VB_CONNECTION_STATE_ONLINE ? "online"
                  : self->state == VB_CONNECTION_STATE_OFFLINE ? "offline" : "connecting";
    }
  else
    {
      VbSyncState sync = vb_sync_engine_get_state (self->engine);

      label = vb_sync_status_dup_label (self->state, sync,
                                        vb_sync_engine_get_progress_done (self->engine),
                                        vb_sync_engine_get_progress_total (self->engine),
                                        vb_sync_engine_get_pending (self->engine));
      icon_name = vb_sync_status_get_icon_name (self->state, sync);
      if (self->state == VB_CONNECTION_STATE_OFFLINE || sync == VB_SYNC_STATE_OFFLINE)
        css_class = "offline";
      else if (self->state == VB_CONNECTION_STATE_ONLINE && sync == VB_SYNC_STATE_ONLINE)
        css_class = "online";
      else
        css_class = "connecting";
    }

  /* The engine notifies on every page and every retry; most change
   * nothing shown, and touching the widgets anyway would redraw the header
   * bar each time. */
  if (g_strcmp0 (gtk_image_get_icon_name (self->image), icon_name) != 0)
    gtk_image_set_from_icon_name (self->image, icon_name);
  if (g_strcmp0 (gtk_label_get_label (self->label), label) != 0)
    {
      gtk_label_set_label (self->label, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
    }
  if (!gtk_widget_has_css_class (GTK_WIDGET (self), css_class))
    {
      for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
        gtk_widget_remove_css_class (GTK_WIDGET (self), classes[i]);
      gtk_widget_add_css_class (GTK_WIDGET (self), css_class);
    }
}

static void
engine_notify_cb (VbConnectionIndicator *self)
{
  update (self);
}

static void
vb_connection_indicator_dispose (GObject *object)
{
  VbConnectionIndicator *self = VB_CONNECTION_INDICATOR (object);

  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_clear_object (&self->engine);
  gtk_widget_dispose_template (GTK_WIDGET (object), VB_TYPE_CONNECTION_INDICATOR);
  G_OBJECT_CLASS (vb_connection_indicator_parent_class)->dispose (object);
}

static void
vb_connection_indicator_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  VbConnectionIndicator *self = VB_CONNECTION_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SYNC_ENGINE:
      g_value_set_object (value, self->engine);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_connection_indicator_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  VbConnectionIndicator *self = VB_CONNECTION_INDICATOR (object);

  switch (prop_id)
    {
    case PROP_STATE:
      vb_connection_indicator_set_state (self, g_value_get_enum (value));
      break;
    case PROP_SYNC_ENGINE:
      vb_connection_indicator_set_sync_engine (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_connection_indicator_class_init (VbConnectionIndicatorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_connection_indicator_dispose;
  object_class->get_property = vb_connection_indicator_get_property;
  object_class->set_property = vb_connection_indicator_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, VB_TYPE_CONNECTION_STATE, VB_CONNECTION_STATE_OFFLINE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The engine whose state, progress and pending changes are shown too;
   * NULL shows the connection alone (before the user's cache is open). */
  properties[PROP_SYNC_ENGINE] =
    g_param_spec_object ("sync-engine", NULL, NULL, VB_TYPE_SYNC_ENGINE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  vb_common_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Common/vb-connection-indicator.ui");
  gtk_widget_class_bind_template_child (widget_class, VbConnectionIndicator, image);
  gtk_widget_class_bind_template_child (widget_class, VbConnectionIndicator, label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "connectionindicator");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_STATUS);
}

static void
vb_connection_indicator_init (VbConnectionIndicator *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 6);
  update (self);
  /* update() only relabels on a change; the template's label is the first. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_label_get_label (self->label), -1);
}

GtkWidget *
vb_connection_indicator_new (void)
{
  return g_object_new (VB_TYPE_CONNECTION_INDICATOR, NULL);
}

VbConnectionState
vb_connection_indicator_get_state (VbConnectionIndicator *self)
{
  g_return_val_if_fail (VB_IS_CONNECTION_INDICATOR (self), VB_CONNECTION_STATE_OFFLINE);
  return self->state;
}

void
vb_connection_indicator_set_state (VbConnectionIndicator *self,
                                   VbConnectionState      state)
{
  g_return_if_fail (VB_IS_CONNECTION_INDICATOR (self));

  if (self->state == state)
    return;
  self->state = state;
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

const char *
vb_connection_indicator_get_label (VbConnectionIndicator *self)
{
  g_return_val_if_fail (VB_IS_CONNECTION_INDICATOR (self), NULL);
  return gtk_label_get_label (self->label);
}

VbSyncEngine *
vb_connection_indicator_get_sync_engine (VbConnectionIndicator *self)
{
  g_return_val_if_fail (VB_IS_CONNECTION_INDICATOR (self), NULL);
  return self->engine;
}

void
vb_connection_indicator_set_sync_engine (VbConnectionIndicator *self,
                                         VbSyncEngine          *engine)
{
  static const char *const watched[] = {
    "notify::state", "notify::progress-done", "notify::progress-total", "notify::pending",
  };

  g_return_if_fail (VB_IS_CONNECTION_INDICATOR (self));
  g_return_if_fail (engine == NULL || VB_IS_SYNC_ENGINE (engine));

  if (self->engine == engine)
    return;
  if (self->engine != NULL)
    g_signal_handlers_disconnect_by_data (self->engine, self);
  g_set_object (&self->engine, engine);
  if (engine != NULL)
    for (gsize i = 0; i < G_N_ELEMENTS (watched); i++)
      g_signal_connect_object (engine, watched[i], G_CALLBACK (engine_notify_cb), self,
                               G_CONNECT_SWAPPED);
  update (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNC_ENGINE]);
}
