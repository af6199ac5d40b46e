/* vb-work-order-page.c — one work order as the desk follows it: number and
 * status, the customer (a link to their page) and the car as checked in,
 * the concerns, the tasks with their technician, checklist steps done and
 * time clocked against the estimate, photos from the bay, and the internal
 * chat with the bay.
 *
 * Everything shown comes from the offline cache through VbRecordLists
 * (work_orders via the cache, work_order_tasks, checklist_results,
 * service_type_steps, time_entries, work_order_triages, quality_checks,
 * attachments, work_order_chat_messages), filtered on the work order (in
 * SQL: vb_record_list_new_where), so
 * what a bay records reaches the page through the change feed without a
 * refresh, offline too.
 *
 * What the cache cannot give: people's names.  The feed carries user ids
 * only (reception may not read users), so names come from the API replies
 * that embed them (GET …/tasks: technician_name, GET …/chat: author_name)
 * while the server can be reached; until then a stand-in ("Technician")
 * shows.
 *
 * Sending in the chat goes through the outbox (vb_sync_engine_append with
 * a client UUID, which POST …/chat keeps as the message's id): durable
 * before the entry is cleared, shown at once as "Sending…" (offline:
 * "Waiting to sync") until the server's row comes back through the feed
 * and replaces the local one under the same id, so never twice; sent
 * exactly once (Voltbay-Mutation) when the connection returns.
 *
 * Photos are fetched through VbAttachmentFetcher (on disk after the first
 * time), as thumbnails; a click opens the photo in a window of its own.
 *
 * The money (quote, invoice, payments and the actions on them) is a
 * VbMoneySection of its own: it is the server's, never offline, and read
 * from the API, not the cache; the page hands it the client and the work
 * order.
 */
#include "vb-work-order-page.h"
#include "vb-api-client.h"
#include "vb-attachment-fetcher.h"
#include "vb-chat-row.h"
#include "vb-client.h"
#include "vb-desk-presentation.h"
#include "vb-money-section.h"
#include "vb-record-list.h"
#include "vb-session.h"
#include "vb-sync-engine.h"
#include "vb-work-order-presentation.h"

#include <glib/gi18n.h>

struct _VbWorkOrderPage
{
  AdwBin parent_instance;

  /* template */
  GtkStack          *stack;
  GtkLabel          *number_label;
  GtkLabel          *status_label;
  GtkLabel          *waiting_label;
  GtkLabel          *status_reason_label;
  GtkButton         *customer_button;
  AdwButtonContent  *customer_content;
  GtkLabel          *checked_in_label;
  AdwActionRow      *vehicle_row;
  AdwActionRow      *vin_row;
  AdwActionRow      *odometer_row;
  AdwActionRow      *soc_row;
  AdwActionRow      *concerns_row;
  GtkLabel          *total_label;
  GtkListBox        *tasks_list;
  GtkStack          *photos_stack;
  GtkFlowBox        *photos_box;
  GtkListBox        *chat_list;
  GtkEntry          *chat_entry;
  GtkButton         *send_button;
  GtkLabel          *chat_status_label;
  VbMoneySection    *money_section;

  VbClient            *client;
  VbCache             *cache;
  VbAttachmentFetcher *fetcher;
  GCancellable        *cancellable;    /* photos, names and sends of this work order */
  char                *work_order_id;
  GtkCustomFilter     *filter;         /* work_order_id == self->work_order_id */
  GPtrArray           *lists;          /* the VbRecordLists, to drop together */
  GtkFilterListModel  *tasks;
  GtkFilterListModel  *results;
  GtkFilterListModel  *time_entries;
  GtkFilterListModel  *triages;
  GtkFilterListModel  *quality_checks;
  GtkFilterListModel  *chat;
  VbRecordList        *steps;          /* the catalog's checklist steps */
  GStrv                photo_ids;
  GHashTable          *names;          /* user id → display name */
  GHashTable          *asked;          /* user ids a name request has covered */
  gboolean             fetching_names;
  gboolean             chat_online;    /* reachability the chat rows say */
};

G_DEFINE_FINAL_TYPE (VbWorkOrderPage, vb_work_order_page, ADW_TYPE_BIN)

static const char *
row_string (JsonObject *row,
            const char *member)
{
  JsonNode *node;

  if (row == NULL || !json_object_has_member (row, member))
    return NULL;
  node = json_object_get_member (row, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
row_int (JsonObject *row,
         const char *member,
         gint64     *out)
{
  JsonNode *node;

  if (row == NULL || !json_object_has_member (row, member))
    return FALSE;
  node = json_object_get_member (row, member);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
can_reach_server (VbWorkOrderPage *self)
{
  return self->client != NULL && vb_client_get_can_reach_server (self->client);
}

static const char *
my_user_id (VbWorkOrderPage *self)
{
  VbSession *session = self->client != NULL ? vb_client_get_session (self->client) : NULL;

  return session != NULL ? vb_session_get_user_id (session) : NULL;
}

/* ------------------------------------------------------------- names --- */

static void fetch_names (VbWorkOrderPage *self);

static const char *
lookup_name (VbWorkOrderPage *self,
             const char      *user_id)
{
  VbSession *session = self->client != NULL ? vb_client_get_session (self->client) : NULL;

  if (user_id == NULL)
    return NULL;
  if (session != NULL && g_strcmp0 (user_id, vb_session_get_user_id (session)) == 0 &&
      vb_session_get_display_name (session) != NULL)
    return vb_session_get_display_name (session);
  return g_hash_table_lookup (self->names, user_id);
}

/* An id whose name is unknown and not asked for yet: ask (online only). */
static void
want_name (VbWorkOrderPage *self,
           const char      *user_id)
{
  if (user_id != NULL && lookup_name (self, user_id) == NULL && !g_hash_table_contains (self->asked, user_id))
    fetch_names (self);
}

static void
collect_names (VbWorkOrderPage *self,
               JsonNode        *reply,
               const char      *id_member,
               const char      *name_member)
{
  JsonArray *items;

  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    return;
  if (!json_object_has_member (json_node_get_object (reply), "items") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (reply), "items")))
    return;
  items = json_object_get_array_member (json_node_get_object (reply), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      const char *id, *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      id = row_string (json_node_get_object (node), id_member);
      name = row_string (json_node_get_object (node), name_member);
      if (id != NULL && name != NULL && name[0] != '\0')
        g_hash_table_replace (self->names, g_strdup (id), g_strdup (name));
    }
}

static void refresh_tasks (VbWorkOrderPage *self);
static void rebind_chat (VbWorkOrderPage *self);

typedef struct
{
  VbWorkOrderPage *self;         /* owned */
  GCancellable    *cancellable;  /* owned: the work order's, when it started */
  guint            pending;
} NamesFetch;

static void
names_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  NamesFetch *fetch = user_data;
  VbWorkOrderPage *self = fetch->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (reply != NULL)
    {
      collect_names (self, reply, "technician_id", "technician_name");
      collect_names (self, reply, "author_id", "author_name");
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Names for the work order page: %s", error->message);
  if (--fetch->pending > 0)
    return;
  /* A fetch for a work order no longer shown changes nothing. */
  if (fetch->cancellable == self->cancellable && !g_cancellable_is_cancelled (self->cancellable))
    {
      self->fetching_names = FALSE;
      refresh_tasks (self);
      rebind_chat (self);
    }
  g_object_unref (fetch->cancellable);
  g_object_unref (fetch->self);
  g_free (fetch);
}

/* Every user id the page shows now counts as asked for: one round per
 * new id, not a loop for a name the server does not give. */
static void
mark_asked (VbWorkOrderPage *self,
            GListModel      *model,
            const char      *member)
{
  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (model, i);
      const char *id = vb_record_get_string (record, member);

      if (id != NULL)
        g_hash_table_add (self->asked, g_strdup (id));
    }
}

static void
fetch_names (VbWorkOrderPage *self)
{
  g_autofree char *tasks_path = NULL;
  g_autofree char *chat_path = NULL;
  NamesFetch *fetch;
  VbApiClient *api;

  if (self->fetching_names || self->work_order_id == NULL || !can_reach_server (self))
    return;
  mark_asked (self, G_LIST_MODEL (self->tasks), "technician_id");
  mark_asked (self, G_LIST_MODEL (self->chat), "author_id");
  api = vb_client_get_api (self->client);
  tasks_path = g_strdup_printf ("/api/v1/work-orders/%s/tasks", self->work_order_id);
  chat_path = g_strdup_printf ("/api/v1/work-orders/%s/chat?limit=100", self->work_order_id);
  fetch = g_new0 (NamesFetch, 1);
  fetch->self = g_object_ref (self);
  fetch->cancellable = g_object_ref (self->cancellable);
  fetch->pending = 2;
  self->fetching_names = TRUE;
  vb_api_client_request_async (api, "GET", tasks_path, NULL, self->cancellable, names_fetched_cb, fetch);
  vb_api_client_request_async (api, "GET", chat_path, NULL, self->cancellable, names_fetched_cb, fetch);
}

/* ------------------------------------------------------------ header --- */

static void
set_badge (GtkWidget  *badge,
           const char *text,
           const char *style)
{
  gtk_label_set_label (GTK_LABEL (badge), text);
  for (const char *const *c = (const char *const[]) { "accent", "warning", "success", "error", "dim-label", NULL };
       *c != NULL; c++)
    gtk_widget_remove_css_class (badge, *c);
  if (style != NULL)
    gtk_widget_add_css_class (badge, style);
}

static void
set_subtitle (AdwActionRow *row,
              const char   *text)
{
  adw_action_row_set_subtitle (row, text != NULL && text[0] != '\0' ? text : _("Not recorded"));
}

static void
update_header (VbWorkOrderPage *self)
{
  g_autoptr(JsonObject) row = NULL;
  g_autoptr(JsonObject) customer = NULL;
  g_autoptr(JsonObject) vehicle = NULL;
  g_autofree char *number = NULL;
  g_autofree char *name = NULL;
  g_autofree char *car = NULL;
  g_autofree char *details = NULL;
  g_autofree char *odometer = NULL;
  g_autofree char *soc = NULL;
  g_autofree char *checked_in = NULL;
  const char *status, *reason, *customer_id;
  gint64 km = 0, soc_in = 0, soc_promised = 0;

  if (self->cache != NULL && self->work_order_id != NULL)
    row = vb_cache_get (self->cache, "work_orders", self->work_order_id);
  if (row == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "missing");
      return;
    }
  customer_id = row_string (row, "customer_id");
  if (customer_id != NULL)
    customer = vb_cache_get (self->cache, "customers", customer_id);
  if (row_string (row, "vehicle_id") != NULL)
    vehicle = vb_cache_get (self->cache, "vehicles", row_string (row, "vehicle_id"));

  number = vb_record_title_for_row ("work_orders", row);
  gtk_label_set_label (self->number_label, number);
  status = row_string (row, "status");
  set_badge (GTK_WIDGET (self->status_label), vb_work_order_status_get_label (status),
             vb_work_order_status_get_style (status));
  gtk_widget_set_visible (GTK_WIDGET (self->waiting_label), vb_desk_row_is_waiting (row));
  reason = row_string (row, "status_reason");
  gtk_label_set_label (self->status_reason_label, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_reason_label), reason != NULL && reason[0] != '\0');

  name = vb_desk_dup_customer_name (customer);
  adw_button_content_set_label (self->customer_content, name);
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->customer_button), "(ss)", "customers",
                                    customer_id != NULL ? customer_id : "");
  gtk_widget_set_sensitive (GTK_WIDGET (self->customer_button), customer_id != NULL);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    g_autofree char *when = vb_work_order_dup_chat_time (row_string (row, "checked_in_at"), now);

    /* Translators: when the car was checked in: "Checked in 08:30" or "Checked in Tue 1 Dec 08:30" */
    checked_in = when != NULL ? g_strdup_printf (_("Checked in %s"), when) : NULL;
  }
  gtk_label_set_label (self->checked_in_label, checked_in != NULL ? checked_in : "");

  car = vb_desk_dup_vehicle_summary (vehicle);
  details = vb_desk_dup_vehicle_details (vehicle);
  if (details != NULL && details[0] != '\0')
    {
      g_autofree char *both = g_strdup_printf ("%s\n%s", car, details);
      set_subtitle (self->vehicle_row, both);
    }
  else
    set_subtitle (self->vehicle_row, car);
  set_subtitle (self->vin_row, row_string (vehicle, "vin"));
  if (row_int (row, "odometer_km", &km))
    {
      g_autofree char *digits = g_strdup_printf ("%'" G_GINT64_FORMAT, km);
      /* Translators: an odometer reading, e.g. "12,000 km" */
      odometer = g_strdup_printf (_("%s km"), digits);
    }
  set_subtitle (self->odometer_row, odometer);
  if (row_int (row, "soc_in_percent", &soc_in))
    {
      if (row_int (row, "soc_promised_percent", &soc_promised))
        /* Translators: state of charge at check-in and the one promised at pickup */
        soc = g_strdup_printf (_("%d %% · %d %% promised at pickup"), (int) soc_in, (int) soc_promised);
      else
        soc = g_strdup_printf (_("%d %%"), (int) soc_in);
    }
  set_subtitle (self->soc_row, soc);
  set_subtitle (self->concerns_row, row_string (row, "concerns"));
  gtk_stack_set_visible_child_name (self->stack, "work-order");
}

/* ------------------------------------------------------------- tasks --- */

static void
describe_task (VbWorkOrderPage *self,
               VbRecord        *task,
               char           **out_subtitle,
               gint64          *out_clocked,
               gint64          *out_estimated,
               gboolean        *out_running)
{
  JsonObject *row = vb_record_get_row (task);
  const char *technician_id = row_string (row, "technician_id");
  const char *name = lookup_name (self, technician_id);
  g_autofree char *steps = NULL;
  g_autofree char *time = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  gint64 estimated = 0, clocked;
  gboolean running = FALSE;

  row_int (row, "estimated_tenths", &estimated);
  clocked = vb_work_order_sum_clocked (G_LIST_MODEL (self->time_entries), self->work_order_id,
                                       vb_record_get_id (task), &running);
  steps = vb_work_order_dup_steps_progress (
    vb_work_order_count_steps_done (G_LIST_MODEL (self->results), vb_record_get_id (task)),
    vb_work_order_count_steps (G_LIST_MODEL (self->steps), row_string (row, "service_type_id")));
  time = vb_work_order_dup_time_progress (clocked, estimated, running);

  if (technician_id == NULL)
    g_string_append (text, _("Not assigned"));
  else
    g_string_append (text, name != NULL ? name : _("Technician"));
  if (steps != NULL)
    g_string_append_printf (text, " · %s", steps);
  g_string_append_printf (text, "\n%s", time);
  *out_subtitle = g_string_free (g_steal_pointer (&text), FALSE);
  *out_clocked = clocked;
  *out_estimated = estimated;
  *out_running = running;
}

static void
update_task_row (VbWorkOrderPage *self,
                 GtkWidget       *widget)
{
  VbRecord *task = g_object_get_data (G_OBJECT (widget), "vb-record");
  GtkWidget *badge = g_object_get_data (G_OBJECT (widget), "vb-badge");
  g_autofree char *subtitle = NULL;
  const char *status = vb_record_get_string (task, "status");
  gint64 clocked, estimated;
  gboolean running;

  describe_task (self, task, &subtitle, &clocked, &estimated, &running);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widget), vb_record_get_title (task));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (widget), subtitle);
  set_badge (badge, vb_work_order_task_status_get_label (status), vb_work_order_task_status_get_style (status));
}

static GtkWidget *
create_task_row_cb (gpointer item,
                    gpointer user_data)
{
  VbWorkOrderPage *self = user_data;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *badge = gtk_label_new (NULL);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "vb-badge");
  gtk_widget_add_css_class (badge, "caption-heading");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
  g_object_set_data_full (G_OBJECT (row), "vb-record", g_object_ref (item), g_object_unref);
  g_object_set_data (G_OBJECT (row), "vb-badge", badge);
  update_task_row (self, row);
  want_name (self, vb_record_get_string (item, "technician_id"));
  return row;
}

/* The per-task texts and the total: clocked on the tasks (productive
 * time) of the estimate of the tasks that are not cancelled. */
static void
refresh_tasks (VbWorkOrderPage *self)
{
  gint64 total_clocked = 0, total_estimated = 0;
  gboolean any_running = FALSE;
  g_autofree char *total = NULL;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->tasks_list)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (ADW_IS_ACTION_ROW (child) && g_object_get_data (G_OBJECT (child), "vb-record") != NULL)
      update_task_row (self, child);
  for (guint i = 0; self->tasks != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->tasks)); i++)
    {
      g_autoptr(VbRecord) task = g_list_model_get_item (G_LIST_MODEL (self->tasks), i);
      gint64 estimated = 0;

      if (g_strcmp0 (vb_record_get_string (task, "status"), "cancelled") != 0 &&
          row_int (vb_record_get_row (task), "estimated_tenths", &estimated))
        total_estimated += estimated;
    }
  if (self->time_entries != NULL)
    total_clocked = vb_work_order_sum_clocked (G_LIST_MODEL (self->time_entries), self->work_order_id, NULL,
                                               &any_running);
  total = vb_work_order_dup_time_progress (total_clocked, total_estimated, any_running);
  gtk_label_set_label (self->total_label, total);
}

/* ------------------------------------------------------------ photos --- */

static void
picture_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GtkWidget) picture = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = vb_attachment_fetcher_fetch_finish (VB_ATTACHMENT_FETCHER (source), result, &error);

  if (file == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          GtkWidget *button = gtk_widget_get_parent (picture);

          /* Translators: a photo that could not be loaded; %s says why */
          g_autofree char *tip = g_strdup_printf (_("This photo could not be loaded: %s"), error->message);
          if (button != NULL)
            {
              gtk_button_set_icon_name (GTK_BUTTON (button), "image-missing-symbolic");
              gtk_widget_set_tooltip_text (button, tip);
              gtk_widget_set_sensitive (button, FALSE);
            }
        }
      return;
    }
  /* A GtkImage at a fixed pixel size: a thumbnail whatever the photo's
   * resolution (a GtkPicture asks for the photo's own size). */
  gtk_image_set_from_file (GTK_IMAGE (picture), g_file_peek_path (file));
  g_object_set_data_full (G_OBJECT (picture), "vb-file", g_steal_pointer (&file), g_object_unref);
}

static void
photo_clicked_cb (GtkButton       *button,
                  VbWorkOrderPage *self)
{
  GtkWidget *thumb = gtk_button_get_child (button);
  GFile *file = GTK_IS_IMAGE (thumb) ? g_object_get_data (G_OBJECT (thumb), "vb-file") : NULL;
  GtkWidget *window, *box, *header, *picture;
  g_autofree char *title = NULL;

  if (file == NULL)
    return;
  window = adw_window_new ();
  gtk_window_set_transient_for (GTK_WINDOW (window), GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  gtk_window_set_modal (GTK_WINDOW (window), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 680);
  /* Translators: the window title of a photo, e.g. "Photo · #5" */
  title = g_strdup_printf (_("Photo · %s"), gtk_label_get_label (self->number_label));
  gtk_window_set_title (GTK_WINDOW (window), title);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  picture = gtk_picture_new_for_file (file);
  gtk_widget_set_vexpand (picture, TRUE);
  gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), picture);
  adw_window_set_content (ADW_WINDOW (window), box);
  {
    GtkEventController *keys = gtk_shortcut_controller_new ();

    gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (keys),
                                          gtk_shortcut_new (gtk_keyval_trigger_new (GDK_KEY_Escape, 0),
                                                            gtk_named_action_new ("window.close")));
    gtk_widget_add_controller (window, keys);
  }
  gtk_window_present (GTK_WINDOW (window));
}

/* Only photos: an attachment the cache knows as something else (a
 * signature, a PDF) is left out; one it does not know yet is shown. */
static gboolean
is_photo (VbWorkOrderPage *self,
          const char      *id)
{
  g_autoptr(JsonObject) attachment = vb_cache_get (self->cache, "attachments", id);
  const char *purpose = row_string (attachment, "purpose");
  const char *type = row_string (attachment, "content_type");

  if (attachment == NULL)
    return TRUE;
  return g_strcmp0 (purpose, "photo") == 0 && type != NULL && g_str_has_prefix (type, "image/");
}

static void
refresh_photos (VbWorkOrderPage *self)
{
  g_auto(GStrv) all = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) ids = NULL;

  if (self->cache != NULL && self->work_order_id != NULL)
    all = vb_work_order_dup_photo_ids (G_LIST_MODEL (self->results), G_LIST_MODEL (self->triages),
                                       G_LIST_MODEL (self->quality_checks), self->work_order_id);
  for (guint i = 0; all != NULL && all[i] != NULL; i++)
    if (is_photo (self, all[i]))
      g_strv_builder_add (builder, all[i]);
  ids = g_strv_builder_end (builder);
  if (self->photo_ids != NULL && g_strv_equal ((const char * const *) ids, (const char * const *) self->photo_ids))
    return;
  g_strfreev (self->photo_ids);
  self->photo_ids = g_steal_pointer (&ids);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->photos_box)); child != NULL;
       child = gtk_widget_get_first_child (GTK_WIDGET (self->photos_box)))
    gtk_flow_box_remove (self->photos_box, child);
  for (guint i = 0; self->photo_ids[i] != NULL; i++)
    {
      GtkWidget *button = gtk_button_new ();
      GtkWidget *picture = gtk_image_new ();

      gtk_image_set_pixel_size (GTK_IMAGE (picture), 144);
      gtk_button_set_child (GTK_BUTTON (button), picture);
      gtk_widget_set_halign (button, GTK_ALIGN_START);
      gtk_widget_set_valign (button, GTK_ALIGN_START);
      gtk_widget_add_css_class (button, "vb-photo");
      gtk_widget_set_tooltip_text (button, _("Show this photo larger"));
      g_signal_connect_object (button, "clicked", G_CALLBACK (photo_clicked_cb), self, 0);
      gtk_flow_box_append (self->photos_box, button);
      if (self->fetcher != NULL)
        vb_attachment_fetcher_fetch_async (self->fetcher, self->photo_ids[i], self->cancellable,
                                           picture_fetched_cb, g_object_ref (picture));
    }
  gtk_stack_set_visible_child_name (self->photos_stack, self->photo_ids[0] != NULL ? "photos" : "empty");
}

/* -------------------------------------------------------------- chat --- */

static GtkWidget *
create_chat_row_cb (gpointer item,
                    gpointer user_data)
{
  VbWorkOrderPage *self = user_data;
  const char *author_id = vb_record_get_string (item, "author_id");
  const char *name = lookup_name (self, author_id);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *time = vb_work_order_dup_chat_time (vb_record_get_string (item, "created_at"), now);
  gboolean mine = author_id != NULL && g_strcmp0 (author_id, my_user_id (self)) == 0;
  /* Written here and not back from the server yet: no server version. */
  gboolean pending = !json_object_has_member (vb_record_get_row (item), "version");
  GtkWidget *row;

  if (pending)
    {
      g_autofree char *when = time;

      /* Translators: when a chat message was written and that it is not on the server yet: "09:30 · Sending…" */
      time = g_strdup_printf (_("%s · %s"), when != NULL ? when : "",
                              can_reach_server (self) ? _("Sending…") : _("Waiting to sync"));
    }
  want_name (self, author_id);
  row = vb_chat_row_new (name != NULL ? name : (mine ? _("You") : _("Staff")), time,
                         vb_record_get_string (item, "body"), mine);
  vb_chat_row_set_pending (VB_CHAT_ROW (row), pending);
  return row;
}

static void
rebind_chat (VbWorkOrderPage *self)
{
  gtk_list_box_bind_model (self->chat_list, self->chat != NULL ? G_LIST_MODEL (self->chat) : NULL,
                           create_chat_row_cb, self, NULL);
}

static void
update_send (VbWorkOrderPage *self)
{
  gboolean online = can_reach_server (self);
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->chat_entry))));

  /* Offline too: the message waits in the outbox. */
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button),
                            self->client != NULL && text[0] != '\0' && self->work_order_id != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->send_button),
                               online ? _("Send to the bay (Enter)")
                                      : _("Send to the bay (Enter): offline, it waits and is sent when the connection returns"));
  if (!online)
    {
      gtk_label_set_label (self->chat_status_label,
                           _("Offline: messages wait and are sent when the connection returns."));
      gtk_widget_remove_css_class (GTK_WIDGET (self->chat_status_label), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->chat_status_label), "dim-label");
      gtk_widget_set_visible (GTK_WIDGET (self->chat_status_label), TRUE);
    }
  else if (gtk_widget_has_css_class (GTK_WIDGET (self->chat_status_label), "dim-label"))
    gtk_widget_set_visible (GTK_WIDGET (self->chat_status_label), FALSE);
  /* The rows not back from the server say "Sending…" or "Waiting to sync". */
  if (online != self->chat_online)
    {
      self->chat_online = online;
      rebind_chat (self);
    }
}

static void
send_cb (VbWorkOrderPage *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->chat_entry))));
  g_autofree char *path = NULL;
  g_autofree char *id = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *created_at = g_date_time_format_iso8601 (now);
  g_autoptr(JsonObject) record = NULL;
  g_autoptr(GError) error = NULL;
  VbSyncEngine *engine = self->client != NULL ? vb_client_get_sync_engine (self->client) : NULL;

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->send_button)) || text[0] == '\0' || engine == NULL)
    return;
  /* The local view is the message as the list shows it; the server reads
   * id and body and ignores the rest. */
  id = g_uuid_string_random ();
  record = json_object_new ();
  json_object_set_string_member (record, "id", id);
  json_object_set_string_member (record, "body", text);
  json_object_set_string_member (record, "work_order_id", self->work_order_id);
  json_object_set_string_member (record, "author_id", my_user_id (self));
  json_object_set_string_member (record, "created_at", created_at);
  path = g_strdup_printf ("/api/v1/work-orders/%s/chat", self->work_order_id);
  if (vb_sync_engine_append (engine, "work_order_chat_messages", path, record, &error) == 0)
    {
      /* Translators: %s is why a chat message could not be saved on this computer */
      g_autofree char *message = g_strdup_printf (_("Not saved, nothing was sent: %s"), error->message);

      gtk_label_set_label (self->chat_status_label, message);
      gtk_widget_remove_css_class (GTK_WIDGET (self->chat_status_label), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (self->chat_status_label), "error");
      gtk_widget_set_visible (GTK_WIDGET (self->chat_status_label), TRUE);
      return;
    }
  /* Durable now: in the outbox and in the list. */
  gtk_editable_set_text (GTK_EDITABLE (self->chat_entry), "");
  if (gtk_widget_has_css_class (GTK_WIDGET (self->chat_status_label), "error"))
    gtk_widget_set_visible (GTK_WIDGET (self->chat_status_label), FALSE);
  update_send (self);
}

/* ------------------------------------------------------------- cache --- */

static void
cache_changed_cb (VbWorkOrderPage    *self,
                  const char * const *entities)
{
  static const char *const header[] = { "work_orders", "customers", "vehicles", NULL };
  static const char *const tasks[] = { "work_order_tasks", "checklist_results", "service_type_steps",
                                       "time_entries", NULL };
  static const char *const photos[] = { "checklist_results", "work_order_triages", "quality_checks",
                                        "attachments", NULL };
  gboolean h = FALSE, t = FALSE, p = FALSE;

  for (guint i = 0; entities != NULL && entities[i] != NULL; i++)
    {
      h |= g_strv_contains (header, entities[i]);
      t |= g_strv_contains (tasks, entities[i]);
      p |= g_strv_contains (photos, entities[i]);
    }
  if (h)
    update_header (self);
  if (t)
    refresh_tasks (self);
  if (p)
    refresh_photos (self);
}

static gboolean
belongs_to_work_order (gpointer item,
                       gpointer user_data)
{
  VbWorkOrderPage *self = user_data;

  return self->work_order_id != NULL &&
         g_strcmp0 (vb_record_get_string (item, "work_order_id"), self->work_order_id) == 0;
}

/* The list under a filtered model: only the shown work order's records,
 * selected in SQL (a whole entity, filtered in memory, costs its length
 * on every change once a shop has years of history). */
static void
set_source (VbWorkOrderPage    *self,
            GtkFilterListModel *model)
{
  g_autoptr(VbRecordList) list = NULL;

  if (self->cache != NULL && self->work_order_id != NULL)
    list = vb_record_list_new_where (self->cache, g_object_get_data (G_OBJECT (model), "vb-entity"),
                                     "work_order_id", self->work_order_id,
                                     g_object_get_data (G_OBJECT (model), "vb-order-field"),
                                     GPOINTER_TO_INT (g_object_get_data (G_OBJECT (model), "vb-descending")));
  gtk_filter_list_model_set_model (model, G_LIST_MODEL (list));
}

static GtkFilterListModel *
filtered (VbWorkOrderPage *self,
          const char      *entity,
          const char      *order_field,
          gboolean         descending)
{
  GtkFilterListModel *model = gtk_filter_list_model_new (NULL, GTK_FILTER (g_object_ref (self->filter)));

  g_object_set_data_full (G_OBJECT (model), "vb-entity", g_strdup (entity), g_free);
  g_object_set_data_full (G_OBJECT (model), "vb-order-field", g_strdup (order_field), g_free);
  g_object_set_data (G_OBJECT (model), "vb-descending", GINT_TO_POINTER (descending));
  set_source (self, model);
  return model;
}

static void
set_cache (VbWorkOrderPage *self,
           VbCache         *cache)
{
  if (self->cache == cache)
    return;
  gtk_list_box_bind_model (self->tasks_list, NULL, NULL, NULL, NULL);
  gtk_list_box_bind_model (self->chat_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->tasks);
  g_clear_object (&self->results);
  g_clear_object (&self->time_entries);
  g_clear_object (&self->triages);
  g_clear_object (&self->quality_checks);
  g_clear_object (&self->chat);
  g_clear_object (&self->steps);
  g_ptr_array_set_size (self->lists, 0);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_set_object (&self->cache, cache);
  g_clear_pointer (&self->photo_ids, g_strfreev);
  if (cache != NULL)
    {
      self->tasks = filtered (self, "work_order_tasks", "position", FALSE);
      self->results = filtered (self, "checklist_results", "recorded_at", FALSE);
      self->time_entries = filtered (self, "time_entries", "started_at", FALSE);
      self->triages = filtered (self, "work_order_triages", "performed_at", FALSE);
      self->quality_checks = filtered (self, "quality_checks", "checked_at", FALSE);
      self->chat = filtered (self, "work_order_chat_messages", "created_at", FALSE);
      self->steps = vb_record_list_new (cache, "service_type_steps", NULL, "position", FALSE);
      /* After the lists, so they have re-read the cache when this runs. */
      g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
      gtk_list_box_bind_model (self->tasks_list, G_LIST_MODEL (self->tasks), create_task_row_cb, self, NULL);
      rebind_chat (self);
    }
  update_header (self);
  refresh_tasks (self);
  refresh_photos (self);
  update_send (self);
}

static void
client_cache_changed_cb (VbWorkOrderPage *self)
{
  set_cache (self, self->client != NULL ? vb_client_get_cache (self->client) : NULL);
}

static void
reachable_changed_cb (VbWorkOrderPage *self)
{
  update_send (self);
  if (can_reach_server (self))
    {
      /* Names asked for while offline were never answered. */
      g_hash_table_remove_all (self->asked);
      fetch_names (self);
      /* Photos that failed offline get another chance. */
      g_clear_pointer (&self->photo_ids, g_strfreev);
      refresh_photos (self);
    }
}

void
vb_work_order_page_set_client (VbWorkOrderPage *self,
                               VbClient        *client)
{
  g_return_if_fail (VB_IS_WORK_ORDER_PAGE (self));

  if (self->client == client)
    return;
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  g_set_object (&self->client, client);
  g_clear_object (&self->fetcher);
  if (client != NULL)
    {
      self->fetcher = vb_attachment_fetcher_new (vb_client_get_api (client), NULL);
      g_signal_connect_object (client, "notify::cache", G_CALLBACK (client_cache_changed_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (reachable_changed_cb), self,
                               G_CONNECT_SWAPPED);
    }
  client_cache_changed_cb (self);
  vb_money_section_set_client (self->money_section, client);
}

void
vb_work_order_page_set_work_order_id (VbWorkOrderPage *self,
                                      const char      *id)
{
  g_return_if_fail (VB_IS_WORK_ORDER_PAGE (self));

  if (g_strcmp0 (self->work_order_id, id) == 0)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->fetching_names = FALSE;
  gtk_editable_set_editable (GTK_EDITABLE (self->chat_entry), TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->chat_entry), "");
  gtk_widget_set_visible (GTK_WIDGET (self->chat_status_label), FALSE);
  g_free (self->work_order_id);
  self->work_order_id = g_strdup (id);
  g_clear_pointer (&self->photo_ids, g_strfreev);
  if (self->cache != NULL)
    {
      GtkFilterListModel *models[] = { self->tasks, self->results, self->time_entries,
                                       self->triages, self->quality_checks, self->chat };

      for (guint i = 0; i < G_N_ELEMENTS (models); i++)
        set_source (self, models[i]);
    }
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_header (self);
  refresh_tasks (self);
  refresh_photos (self);
  update_send (self);
  fetch_names (self);
  vb_money_section_set_work_order_id (self->money_section, id);
}

const char *
vb_work_order_page_get_work_order_id (VbWorkOrderPage *self)
{
  g_return_val_if_fail (VB_IS_WORK_ORDER_PAGE (self), NULL);
  return self->work_order_id;
}

GListModel *
vb_work_order_page_get_tasks (VbWorkOrderPage *self)
{
  g_return_val_if_fail (VB_IS_WORK_ORDER_PAGE (self), NULL);
  return G_LIST_MODEL (self->tasks);
}

GListModel *
vb_work_order_page_get_chat (VbWorkOrderPage *self)
{
  g_return_val_if_fail (VB_IS_WORK_ORDER_PAGE (self), NULL);
  return G_LIST_MODEL (self->chat);
}

VbMoneySection *
vb_work_order_page_get_money_section (VbWorkOrderPage *self)
{
  g_return_val_if_fail (VB_IS_WORK_ORDER_PAGE (self), NULL);
  return self->money_section;
}

const char * const *
vb_work_order_page_get_photo_ids (VbWorkOrderPage *self)
{
  static const char *const none[] = { NULL };

  g_return_val_if_fail (VB_IS_WORK_ORDER_PAGE (self), NULL);
  return self->photo_ids != NULL ? (const char * const *) self->photo_ids : none;
}

/* ------------------------------------------------------------ set-up --- */

static void
vb_work_order_page_dispose (GObject *object)
{
  VbWorkOrderPage *self = VB_WORK_ORDER_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  vb_work_order_page_set_client (self, NULL);
  set_cache (self, NULL);
  g_clear_object (&self->fetcher);
  /* The bin's child is a template child: let the bin drop it first, or
   * dispose_template unparents it behind the bin's back. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_WORK_ORDER_PAGE);
  g_clear_object (&self->filter);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (vb_work_order_page_parent_class)->dispose (object);
}

static void
vb_work_order_page_finalize (GObject *object)
{
  VbWorkOrderPage *self = VB_WORK_ORDER_PAGE (object);

  g_free (self->work_order_id);
  g_strfreev (self->photo_ids);
  g_ptr_array_unref (self->lists);
  g_hash_table_unref (self->names);
  g_hash_table_unref (self->asked);
  G_OBJECT_CLASS (vb_work_order_page_parent_class)->finalize (object);
}

static void
vb_work_order_page_class_init (VbWorkOrderPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_work_order_page_dispose;
  object_class->finalize = vb_work_order_page_finalize;

  g_type_ensure (VB_TYPE_MONEY_SECTION);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-work-order-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, stack);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, number_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, status_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, waiting_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, status_reason_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, customer_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, customer_content);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, checked_in_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, vehicle_row);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, vin_row);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, odometer_row);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, soc_row);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, concerns_row);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, total_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, tasks_list);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, photos_stack);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, photos_box);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, chat_list);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, chat_entry);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, send_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, chat_status_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, money_section);
}

static GtkWidget *
make_placeholder (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 18);
  gtk_widget_set_margin_bottom (label, 18);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  return label;
}

static void
vb_work_order_page_init (VbWorkOrderPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The target first: win.open-record takes (entity, id). */
  gtk_actionable_set_action_target (GTK_ACTIONABLE (self->customer_button), "(ss)", "customers", "");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->customer_button), "win.open-record");
  self->cancellable = g_cancellable_new ();
  self->lists = g_ptr_array_new_with_free_func (g_object_unref);
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->filter = gtk_custom_filter_new (belongs_to_work_order, self, NULL);
  gtk_list_box_set_placeholder (self->tasks_list, make_placeholder (_("No tasks yet")));
  gtk_list_box_set_placeholder (self->chat_list,
                                make_placeholder (_("No messages yet. Questions for the bay go here.")));
  g_signal_connect_object (self->send_button, "clicked", G_CALLBACK (send_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->chat_entry, "activate", G_CALLBACK (send_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->chat_entry, "changed", G_CALLBACK (update_send), self, G_CONNECT_SWAPPED);
  update_send (self);
}
