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
 * Money: the quote's current version (lines, per-line decision, totals),
 * the invoice (lines, totals, paid, due, payments) and the actions on them
 * (new version, send, record approval, issue, take payment, refund,
 * preview/print, e-mail as PDF).  Those are the server's, never offline: read from the
 * API, kept on screen while offline, every action insensitive then.
 */
#include "vb-work-order-page.h"
#include "vb-api-client.h"
#include "vb-approval-dialog.h"
#include "vb-attachment-fetcher.h"
#include "vb-chat-row.h"
#include "vb-client.h"
#include "vb-desk-presentation.h"
#include "vb-document-format.h"
#include "vb-document.h"
#include "vb-error.h"
#include "vb-money-util.h"
#include "vb-payment-dialog.h"
#include "vb-print-settings.h"
#include "vb-quote-editor.h"
#include "vb-record-list.h"
#include "vb-session.h"
#include "vb-sync-engine.h"
#include "vb-work-order-presentation.h"

#include <glib/gi18n.h>
#include <string.h>

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
  GtkLabel          *money_status_label;
  AdwPreferencesGroup *quote_group;
  GtkListBox        *quote_list;
  GtkLabel          *quote_totals_label;
  GtkButton         *quote_print_button;
  GtkButton         *quote_email_button;
  GtkButton         *new_version_button;
  GtkButton         *quote_send_button;
  GtkButton         *approval_button;
  AdwPreferencesGroup *invoice_group;
  GtkListBox        *invoice_list;
  GtkLabel          *invoice_totals_label;
  GtkListBox        *payments_list;
  GtkButton         *invoice_print_button;
  GtkButton         *invoice_email_button;
  GtkButton         *issue_button;
  GtkButton         *pay_button;

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
  JsonObject          *quote;          /* GET …/quote, last read */
  JsonObject          *invoice;        /* the live (else newest) invoice, last read */
  JsonArray           *payments;       /* the work order's payments, last read */
  gboolean             money_loaded;
  gboolean             loading_money;
  gboolean             money_again;
  gboolean             busy_money;
  gboolean             keep_money_error;
  gboolean             emailing;       /* a POST …/email in flight */
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

/* ------------------------------------------------------------- money --- */

/* Quotes, invoices and payments are the server's (numbering and money are
 * never offline, docs/sync.md): they are read from the API while the
 * server can be reached, re-read when the change feed says billing or
 * payments changed, and what was read last stays on screen offline, with
 * every money action insensitive and the reason shown. */

static const char *const money_entities[] = { "quotes", "quote_versions", "quote_lines", "quote_line_decisions",
                                              "invoices", "invoice_lines", "payments", "payment_refunds",
                                              "payment_ledger", NULL };

static JsonObject *
object_member (JsonObject *object,
               const char *member)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, member))
    return NULL;
  node = json_object_get_member (object, member);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
array_member (JsonObject *object,
              const char *member)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, member))
    return NULL;
  node = json_object_get_member (object, member);
  return JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static gint64
money_of (JsonObject *object,
          const char *member)
{
  gint64 amount = 0;

  vb_money_member_amount (object, member, &amount, NULL);
  return amount;
}

static const char *
currency_of (JsonObject *object)
{
  const char *currency = vb_money_member_string (object, "currency");
  gint64 amount;

  if (currency == NULL)
    vb_money_member_amount (object, "total", &amount, &currency);
  return currency != NULL ? currency : "VND";
}

static char *
dup_quantity (JsonObject *line)
{
  JsonNode *node = line != NULL && json_object_has_member (line, "quantity") ? json_object_get_member (line, "quantity")
                                                                             : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return g_strdup ("1");
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  {
    char buffer[G_ASCII_DTOSTR_BUF_SIZE];
    /* quantities are numeric(12,2): two decimals are exact */
    g_autofree char *text = g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%.2f", json_node_get_double (node)));
    char *end = text + strlen (text) - 1;

    while (end > text && *end == '0')
      *end-- = '\0';
    if (end > text && *end == '.')
      *end = '\0';
    return g_steal_pointer (&text);
  }
}

static const char *
line_kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "labor") == 0)
    return _("Labor");
  if (g_strcmp0 (kind, "part") == 0)
    return _("Part");
  if (g_strcmp0 (kind, "fee") == 0)
    return _("Fee");
  if (g_strcmp0 (kind, "discount") == 0)
    return _("Discount");
  return kind != NULL ? kind : "";
}

static const char *
quote_status_label (const char *status)
{
  if (g_strcmp0 (status, "draft") == 0)
    return _("Draft");
  if (g_strcmp0 (status, "sent") == 0)
    return _("Sent, waiting for the customer");
  if (g_strcmp0 (status, "decided") == 0)
    return _("Decided");
  if (g_strcmp0 (status, "superseded") == 0)
    return _("Superseded");
  return status != NULL ? status : "";
}

static const char *
invoice_status_label (const char *status)
{
  if (g_strcmp0 (status, "issued") == 0)
    return _("Issued, unpaid");
  if (g_strcmp0 (status, "partially_paid") == 0)
    return _("Partly paid");
  if (g_strcmp0 (status, "paid") == 0)
    return _("Paid");
  if (g_strcmp0 (status, "void") == 0)
    return _("Void");
  return status != NULL ? status : "";
}

static const char *
payment_method_label (const char *method)
{
  if (g_strcmp0 (method, "cash") == 0)
    return _("Cash");
  if (g_strcmp0 (method, "card") == 0)
    return _("Card");
  if (g_strcmp0 (method, "e_wallet") == 0)
    return _("E-wallet");
  if (g_strcmp0 (method, "bank_transfer") == 0)
    return _("Bank transfer");
  return method != NULL ? method : "";
}

static const char *
payment_status_label (const char *status)
{
  if (g_strcmp0 (status, "succeeded") == 0)
    return _("Received");
  if (g_strcmp0 (status, "pending") == 0)
    return _("Waiting for the money");
  if (g_strcmp0 (status, "requires_action") == 0)
    return _("Needs the cardholder");
  if (g_strcmp0 (status, "authorized") == 0)
    return _("Authorized");
  if (g_strcmp0 (status, "failed") == 0)
    return _("Failed");
  if (g_strcmp0 (status, "cancelled") == 0)
    return _("Cancelled");
  return status != NULL ? status : "";
}

static GtkWidget *
money_label (const char *text,
             const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (label, "numeric");
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  return label;
}

/* A quote or invoice line: description; kind · qty × unit · tax; gross. */
static GtkWidget *
make_line_row (JsonObject *line,
               gboolean    with_decision)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *quantity = dup_quantity (line);
  g_autofree char *unit = vb_money_member_format (line, "unit_price");
  g_autofree char *net = vb_money_member_format (line, "net");
  g_autofree char *tax = vb_money_member_format (line, "tax");
  g_autofree char *gross = vb_money_member_format (line, "gross");
  g_autofree char *subtitle = NULL;
  const char *tax_name = vb_money_member_string (line, "tax_name");

  /* Translators: a quote or invoice line: kind · quantity × unit price · tax rate · net + tax */
  subtitle = g_strdup_printf (_("%s · %s × %s · %s · net %s + tax %s"), line_kind_label (vb_money_member_string (line, "kind")),
                              quantity, unit, tax_name != NULL ? tax_name : _("no tax"), net, tax);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), vb_money_member_string (line, "description"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (with_decision)
    {
      JsonObject *decision = object_member (line, "decision");
      const char *answer = vb_money_member_string (decision, "decision");
      GtkWidget *badge = gtk_label_new (NULL);

      gtk_widget_add_css_class (badge, "vb-badge");
      gtk_widget_add_css_class (badge, "caption-heading");
      gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
      set_badge (badge,
                 g_strcmp0 (answer, "approved") == 0 ? _("Approved")
                 : g_strcmp0 (answer, "declined") == 0 ? _("Declined") : _("Undecided"),
                 g_strcmp0 (answer, "approved") == 0 ? "success"
                 : g_strcmp0 (answer, "declined") == 0 ? "error" : "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), money_label (gross, "heading"));
  return row;
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static void
set_money_status (VbWorkOrderPage *self,
                  const char      *text,
                  const char      *style)
{
  gtk_label_set_label (self->money_status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->money_status_label), text != NULL);
  gtk_widget_remove_css_class (GTK_WIDGET (self->money_status_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->money_status_label), "dim-label");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->money_status_label), style);
}

/* The version shown: the current one (decided or newest), else the newest. */
static JsonObject *
shown_version (VbWorkOrderPage *self)
{
  JsonArray *versions = array_member (self->quote, "versions");
  JsonObject *newest = NULL;

  for (guint i = 0; versions != NULL && i < json_array_get_length (versions); i++)
    {
      JsonObject *version = json_array_get_object_element (versions, i);
      JsonNode *current = json_object_get_member (version, "current");

      if (newest == NULL || json_object_get_int_member_with_default (version, "number", 0) >
                              json_object_get_int_member_with_default (newest, "number", 0))
        newest = version;
      if (current != NULL && JSON_NODE_HOLDS_VALUE (current) && json_node_get_boolean (current))
        return version;
    }
  return newest;
}

static JsonObject *
newest_version (VbWorkOrderPage *self)
{
  JsonArray *versions = array_member (self->quote, "versions");
  JsonObject *newest = NULL;

  for (guint i = 0; versions != NULL && i < json_array_get_length (versions); i++)
    {
      JsonObject *version = json_array_get_object_element (versions, i);

      if (newest == NULL || json_object_get_int_member_with_default (version, "number", 0) >
                              json_object_get_int_member_with_default (newest, "number", 0))
        newest = version;
    }
  return newest;
}

static gboolean
has_undecided_lines (JsonObject *version)
{
  JsonArray *lines = array_member (version, "lines");

  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    if (object_member (json_array_get_object_element (lines, i), "decision") == NULL)
      return TRUE;
  return FALSE;
}

static void
update_money_buttons (VbWorkOrderPage *self)
{
  gboolean online = can_reach_server (self);
  JsonObject *newest = newest_version (self);
  const char *newest_status = vb_money_member_string (newest, "status");
  g_autoptr(JsonObject) order = NULL;
  const char *wo_status = NULL;
  gboolean closed, live_invoice = self->invoice != NULL &&
                                  g_strcmp0 (vb_money_member_string (self->invoice, "status"), "void") != 0;
  const char *why = online ? NULL : _("Payments need the server: offline, money actions wait for the connection");
  gint64 due = money_of (self->invoice, "total") - money_of (self->invoice, "paid");

  if (self->cache != NULL && self->work_order_id != NULL)
    order = vb_cache_get (self->cache, "work_orders", self->work_order_id);
  wo_status = row_string (order, "status");
  closed = g_strcmp0 (wo_status, "collected") == 0 || g_strcmp0 (wo_status, "cancelled") == 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_version_button),
                            online && self->money_loaded && !closed && g_strcmp0 (newest_status, "draft") != 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->quote_send_button),
                            online && g_strcmp0 (newest_status, "draft") == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->quote_send_button), g_strcmp0 (newest_status, "draft") == 0);
  gtk_widget_set_sensitive (GTK_WIDGET (self->approval_button),
                            online && newest != NULL && !self->busy_money &&
                            (g_strcmp0 (newest_status, "sent") == 0 || g_strcmp0 (newest_status, "draft") == 0) &&
                            has_undecided_lines (newest));
  gtk_widget_set_sensitive (GTK_WIDGET (self->quote_print_button), shown_version (self) != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->issue_button),
                            online && self->money_loaded && !live_invoice && !self->busy_money);
  gtk_widget_set_visible (GTK_WIDGET (self->issue_button), !live_invoice);
  gtk_widget_set_sensitive (GTK_WIDGET (self->pay_button),
                            online && self->money_loaded && !closed &&
                            (live_invoice ? due > 0 : TRUE));
  gtk_widget_set_sensitive (GTK_WIDGET (self->invoice_print_button), self->invoice != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->quote_email_button),
                            online && !self->emailing && vb_money_member_string (self->quote, "id") != NULL &&
                            shown_version (self) != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->invoice_email_button),
                            online && !self->emailing && vb_money_member_string (self->invoice, "id") != NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->quote_email_button),
                               online ? _("E-mail the quote to the customer as a PDF") : why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->invoice_email_button),
                               online ? _("E-mail the invoice to the customer as a PDF") : why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->new_version_button), why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->approval_button), why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->issue_button), why);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pay_button), why);
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->payments_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *refund = g_object_get_data (G_OBJECT (row), "vb-refund");

      if (refund != NULL)
        {
          gtk_widget_set_sensitive (refund, online);
          gtk_widget_set_tooltip_text (refund, online ? _("Refund (part of) this payment") : why);
        }
    }
  if (!online)
    set_money_status (self, _("Payments need the server: offline, quotes, invoices and payments can be looked at but not changed."),
                      "dim-label");
  else if (gtk_widget_has_css_class (GTK_WIDGET (self->money_status_label), "dim-label"))
    set_money_status (self, NULL, NULL);
}

static void refund_clicked_cb (GtkButton       *button,
                               VbWorkOrderPage *self);

static void
show_money (VbWorkOrderPage *self)
{
  JsonObject *version = shown_version (self);
  JsonArray *lines;
  gint64 paid, total;

  clear_list (self->quote_list);
  if (version == NULL)
    adw_preferences_group_set_description (self->quote_group,
                                           self->money_loaded ? _("No quote yet") : _("Not loaded yet"));
  else
    {
      /* Translators: "Version 2 · Sent, waiting for the customer" */
      g_autofree char *description = g_strdup_printf (_("Version %d · %s"),
                                                      (int) json_object_get_int_member_with_default (version, "number", 0),
                                                      quote_status_label (vb_money_member_string (version, "status")));
      g_autofree char *subtotal = vb_money_member_format (version, "subtotal");
      g_autofree char *tax = vb_money_member_format (version, "tax");
      g_autofree char *total_text = vb_money_member_format (version, "total");
      g_autofree char *approved = vb_money_member_format (version, "approved_total");
      g_autofree char *totals = NULL;

      adw_preferences_group_set_description (self->quote_group, description);
      lines = array_member (version, "lines");
      for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
        gtk_list_box_append (self->quote_list, make_line_row (json_array_get_object_element (lines, i), TRUE));
      if (g_strcmp0 (vb_money_member_string (version, "status"), "decided") == 0)
        /* Translators: quote totals, then what the customer approved */
        totals = g_strdup_printf (_("Net %s · Tax %s · Total %s · Approved %s"), subtotal, tax, total_text, approved);
      else
        /* Translators: quote totals */
        totals = g_strdup_printf (_("Net %s · Tax %s · Total %s"), subtotal, tax, total_text);
      gtk_label_set_label (self->quote_totals_label, totals);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->quote_list), version != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->quote_totals_label), version != NULL);

  clear_list (self->invoice_list);
  clear_list (self->payments_list);
  if (self->invoice == NULL)
    adw_preferences_group_set_description (self->invoice_group, self->money_loaded ? _("Not invoiced yet")
                                                                                   : _("Not loaded yet"));
  else
    {
      /* Translators: "HCM-1-2026-000042 · Partly paid" */
      g_autofree char *description = g_strdup_printf (_("%s · %s"), vb_money_member_string (self->invoice, "number"),
                                                      invoice_status_label (vb_money_member_string (self->invoice, "status")));
      g_autofree char *subtotal = vb_money_member_format (self->invoice, "subtotal");
      g_autofree char *tax = vb_money_member_format (self->invoice, "tax");
      g_autofree char *total_text = vb_money_member_format (self->invoice, "total");
      g_autofree char *paid_text = vb_money_member_format (self->invoice, "paid");
      g_autofree char *due_text = NULL;
      g_autofree char *totals = NULL;

      paid = money_of (self->invoice, "paid");
      total = money_of (self->invoice, "total");
      due_text = vb_format_money (total - paid, currency_of (self->invoice), "en");
      adw_preferences_group_set_description (self->invoice_group, description);
      lines = array_member (self->invoice, "lines");
      for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
        gtk_list_box_append (self->invoice_list, make_line_row (json_array_get_object_element (lines, i), FALSE));
      /* Translators: invoice totals: net, tax, total, paid and still due */
      totals = g_strdup_printf (_("Net %s · Tax %s · Total %s\nPaid %s · Due %s"), subtotal, tax, total_text,
                                paid_text, due_text);
      gtk_label_set_label (self->invoice_totals_label, totals);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->invoice_list), self->invoice != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->invoice_totals_label), self->invoice != NULL);

  for (guint i = 0; self->payments != NULL && i < json_array_get_length (self->payments); i++)
    {
      JsonObject *payment = json_array_get_object_element (self->payments, i);
      GtkWidget *row = adw_action_row_new ();
      g_autofree char *amount = vb_money_member_format (payment, "amount");
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      g_autofree char *when = NULL;
      const char *brand = vb_money_member_string (payment, "card_brand");
      const char *last4 = vb_money_member_string (payment, "card_last4");
      const char *status = vb_money_member_string (payment, "status");
      gint64 refunded = money_of (payment, "refunded");
      JsonNode *deposit = json_object_get_member (payment, "deposit");

      {
        g_autoptr(GDateTime) now = g_date_time_new_now_local ();
        when = vb_work_order_dup_chat_time (vb_money_member_string (payment, "created_at"), now);
      }
      if (brand != NULL && last4 != NULL)
        /* Translators: "Card · visa ••4242" */
        title = g_strdup_printf (_("%s · %s ••%s"), payment_method_label (vb_money_member_string (payment, "method")),
                                 brand, last4);
      else
        title = g_strdup (payment_method_label (vb_money_member_string (payment, "method")));
      subtitle = g_strdup_printf ("%s · %s · %s%s", payment_status_label (status), when != NULL ? when : "",
                                  vb_money_member_string (payment, "reference") != NULL
                                    ? vb_money_member_string (payment, "reference") : "",
                                  deposit != NULL && JSON_NODE_HOLDS_VALUE (deposit) && json_node_get_boolean (deposit)
                                    ? _(" · deposit") : "");
      if (refunded > 0)
        {
          g_autofree char *back = vb_money_member_format (payment, "refunded");
          g_autofree char *both = g_strdup_printf (_("%s · refunded %s"), subtitle, back);
          g_free (subtitle);
          subtitle = g_steal_pointer (&both);
        }
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), money_label (amount, "heading"));
      if (g_strcmp0 (status, "succeeded") == 0 && refunded < money_of (payment, "amount"))
        {
          GtkWidget *refund = gtk_button_new_with_mnemonic (_("_Refund…"));

          gtk_widget_set_valign (refund, GTK_ALIGN_CENTER);
          gtk_widget_add_css_class (refund, "flat");
          g_object_set_data_full (G_OBJECT (refund), "vb-payment", json_object_ref (payment),
                                  (GDestroyNotify) json_object_unref);
          g_signal_connect (refund, "clicked", G_CALLBACK (refund_clicked_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), refund);
          g_object_set_data (G_OBJECT (row), "vb-refund", refund);
        }
      gtk_list_box_append (self->payments_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->payments_list),
                          self->payments != NULL && json_array_get_length (self->payments) > 0);
  update_money_buttons (self);
}

/* Loading: the quote, the invoices (then the live one in full) and the
 * payments; one round at a time, a change meanwhile asks for another. */

typedef struct
{
  VbWorkOrderPage *self;
  GCancellable    *cancellable;
  guint            pending;
  JsonObject      *quote;
  JsonObject      *invoice;
  JsonArray       *payments;
  char            *error;
  gboolean         no_quote;
} MoneyFetch;

static void refresh_money (VbWorkOrderPage *self);

static void
money_fetch_done (MoneyFetch *fetch)
{
  VbWorkOrderPage *self = fetch->self;

  if (--fetch->pending > 0)
    return;
  if (fetch->cancellable == self->cancellable && !g_cancellable_is_cancelled (self->cancellable))
    {
      self->loading_money = FALSE;
      if (fetch->error == NULL)
        {
          g_clear_pointer (&self->quote, json_object_unref);
          g_clear_pointer (&self->invoice, json_object_unref);
          g_clear_pointer (&self->payments, json_array_unref);
          self->quote = g_steal_pointer (&fetch->quote);
          self->invoice = g_steal_pointer (&fetch->invoice);
          self->payments = g_steal_pointer (&fetch->payments);
          self->money_loaded = TRUE;
          if (gtk_widget_has_css_class (GTK_WIDGET (self->money_status_label), "error") && !self->keep_money_error)
            set_money_status (self, NULL, NULL);
          self->keep_money_error = FALSE;
        }
      else
        {
          /* Translators: %s is why quotes and invoices could not be read */
          g_autofree char *text = g_strdup_printf (_("Could not load the quote and invoice: %s"), fetch->error);
          set_money_status (self, text, "error");
        }
      show_money (self);
      if (self->money_again)
        {
          self->money_again = FALSE;
          refresh_money (self);
        }
    }
  g_clear_pointer (&fetch->quote, json_object_unref);
  g_clear_pointer (&fetch->invoice, json_object_unref);
  g_clear_pointer (&fetch->payments, json_array_unref);
  g_free (fetch->error);
  g_object_unref (fetch->cancellable);
  g_object_unref (fetch->self);
  g_free (fetch);
}

static void
money_failed (MoneyFetch *fetch,
              GError     *error)
{
  if (fetch->error == NULL)
    fetch->error = g_strdup (error->message);
}

static void
quote_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  MoneyFetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    fetch->quote = json_object_ref (json_node_get_object (reply));
  else if (error != NULL && !g_error_matches (error, VB_ERROR, VB_ERROR_NOT_FOUND))
    money_failed (fetch, error);
  money_fetch_done (fetch);
}

static void
invoice_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  MoneyFetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (reply != NULL && JSON_NODE_HOLDS_OBJECT (reply))
    fetch->invoice = json_object_ref (json_node_get_object (reply));
  else if (error != NULL)
    money_failed (fetch, error);
  money_fetch_done (fetch);
}

static void
invoices_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  MoneyFetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  JsonArray *items = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? array_member (json_node_get_object (reply), "items")
                                                                     : NULL;
  const char *chosen = NULL;

  if (error != NULL)
    money_failed (fetch, error);
  /* Newest first: the live invoice, else the newest void one. */
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonObject *invoice = json_array_get_object_element (items, i);

      if (chosen == NULL || g_strcmp0 (vb_money_member_string (invoice, "status"), "void") != 0)
        {
          chosen = vb_money_member_string (invoice, "id");
          if (g_strcmp0 (vb_money_member_string (invoice, "status"), "void") != 0)
            break;
        }
    }
  if (chosen != NULL && !g_cancellable_is_cancelled (fetch->cancellable))
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/invoices/%s", chosen);

      fetch->pending++;
      vb_api_client_request_async (VB_API_CLIENT (source), "GET", path, NULL, fetch->cancellable,
                                   invoice_fetched_cb, fetch);
    }
  money_fetch_done (fetch);
}

static void
payments_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  MoneyFetch *fetch = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  JsonArray *items = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? array_member (json_node_get_object (reply), "items")
                                                                     : NULL;

  if (items != NULL)
    fetch->payments = json_array_ref (items);
  else if (error != NULL)
    money_failed (fetch, error);
  money_fetch_done (fetch);
}

static void
refresh_money (VbWorkOrderPage *self)
{
  g_autofree char *quote_path = NULL;
  g_autofree char *invoices_path = NULL;
  g_autofree char *payments_path = NULL;
  MoneyFetch *fetch;
  VbApiClient *api;

  update_money_buttons (self);
  if (self->work_order_id == NULL || !can_reach_server (self))
    return;
  if (self->loading_money)
    {
      self->money_again = TRUE;
      return;
    }
  api = vb_client_get_api (self->client);
  quote_path = g_strdup_printf ("/api/v1/work-orders/%s/quote", self->work_order_id);
  invoices_path = g_strdup_printf ("/api/v1/invoices?work_order_id=%s&kind=invoice", self->work_order_id);
  payments_path = g_strdup_printf ("/api/v1/payments?work_order_id=%s&limit=100", self->work_order_id);
  fetch = g_new0 (MoneyFetch, 1);
  fetch->self = g_object_ref (self);
  fetch->cancellable = g_object_ref (self->cancellable);
  fetch->pending = 3;
  self->loading_money = TRUE;
  vb_api_client_request_async (api, "GET", quote_path, NULL, self->cancellable, quote_fetched_cb, fetch);
  vb_api_client_request_async (api, "GET", invoices_path, NULL, self->cancellable, invoices_listed_cb, fetch);
  vb_api_client_request_async (api, "GET", payments_path, NULL, self->cancellable, payments_listed_cb, fetch);
}

/* An action's reply: refresh, or say why not (a dialog: a 409 explains
 * itself, e.g. work beyond the approved total). */
static void
money_action_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VbWorkOrderPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy_money = FALSE;
  if (reply == NULL)
    {
      GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
      AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
        adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, _("Not Done"), error->message));

      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      /* Translators: %s is the server's reason */
      {
        g_autofree char *text = g_strdup_printf (_("Not done: %s"), error->message);
        set_money_status (self, text, "error");
        self->keep_money_error = TRUE;
      }
    }
  refresh_money (self);
}

static void
refund_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(VbWorkOrderPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_money_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy_money = FALSE;
  if (reply == NULL)
    {
      /* Translators: %s is why the refund was not made */
      g_autofree char *text = g_strdup_printf (_("Not refunded: %s"), error->message);
      set_money_status (self, text, "error");
      self->keep_money_error = TRUE;
    }
  refresh_money (self);
}

static void
money_post (VbWorkOrderPage *self,
            const char      *path,
            JsonObject      *body)
{
  self->busy_money = TRUE;
  update_money_buttons (self);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable,
                               money_action_cb, g_object_ref (self));
}

static void
new_version_cb (VbWorkOrderPage *self)
{
  VbQuoteEditor *editor;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  JsonObject *version = shown_version (self);

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->new_version_button)))
    return;
  editor = vb_quote_editor_new (self->client, self->work_order_id,
                                version != NULL ? currency_of (version)
                                : self->invoice != NULL ? currency_of (self->invoice) : "VND");
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (root));
  g_signal_connect_object (editor, "created", G_CALLBACK (refresh_money), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (editor));
}

static void
quote_send_cb (VbWorkOrderPage *self)
{
  JsonObject *newest = newest_version (self);
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  if (newest == NULL || !gtk_widget_get_sensitive (GTK_WIDGET (self->quote_send_button)))
    return;
  path = g_strdup_printf ("/api/v1/quote-versions/%s/send", vb_money_member_string (newest, "id"));
  money_post (self, path, body);
}

static void
approval_recorded_cb (VbWorkOrderPage *self)
{
  refresh_money (self);
}

static void
approval_cb (VbWorkOrderPage *self)
{
  JsonObject *newest = newest_version (self);
  g_autoptr(JsonObject) order = NULL;
  g_autoptr(JsonObject) customer = NULL;
  VbApprovalDialog *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (newest == NULL || !gtk_widget_get_sensitive (GTK_WIDGET (self->approval_button)))
    return;
  order = vb_cache_get (self->cache, "work_orders", self->work_order_id);
  if (row_string (order, "customer_id") != NULL)
    customer = vb_cache_get (self->cache, "customers", row_string (order, "customer_id"));
  dialog = vb_approval_dialog_new (self->client, newest, row_string (customer, "phone"),
                                   row_string (order, "location_id"));
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  g_signal_connect_object (dialog, "recorded", G_CALLBACK (approval_recorded_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
issue_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   VbWorkOrderPage  *self)
{
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  if (g_strcmp0 (response, "issue") != 0 || !can_reach_server (self))
    return;
  path = g_strdup_printf ("/api/v1/work-orders/%s/invoices", self->work_order_id);
  money_post (self, path, body);
}

static void
preview_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(VbWorkOrderPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  g_autoptr(GString) body = g_string_new (NULL);
  GtkRoot *root;
  AdwMessageDialog *dialog;
  JsonObject *preview;
  JsonArray *lines;
  JsonNode *within;
  JsonNode *clock;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy_money = FALSE;
  update_money_buttons (self);
  root = gtk_widget_get_root (GTK_WIDGET (self));
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                           _("Cannot Issue the Invoice"),
                                                           error != NULL ? error->message : NULL));
      adw_message_dialog_add_response (dialog, "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  preview = json_node_get_object (reply);
  lines = array_member (preview, "lines");
  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      g_autofree char *gross = vb_money_member_format (line, "gross");
      g_autofree char *quantity = dup_quantity (line);

      g_string_append_printf (body, "%s × %s  %s\n", vb_money_member_string (line, "description"), quantity, gross);
    }
  {
    g_autofree char *total = vb_money_member_format (preview, "total");
    g_autofree char *approved = vb_money_member_format (preview, "approved_total");

    /* Translators: the invoice preview's totals */
    g_string_append_printf (body, _("\nTotal %s · approved %s"), total, approved);
  }
  within = json_object_get_member (preview, "within_approval");
  clock = json_object_get_member (preview, "clock_running");
  if (within != NULL && JSON_NODE_HOLDS_VALUE (within) && !json_node_get_boolean (within))
    g_string_append (body, _("\n\nThis is more than the customer approved: the server will refuse it. "
                             "Record an approved quote version for the extra work first."));
  if (clock != NULL && JSON_NODE_HOLDS_VALUE (clock) && json_node_get_boolean (clock))
    g_string_append (body, _("\n\nA clock is still running on this work order: stop it first."));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Issue the Invoice?"), body->str));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "issue", _("_Issue"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "issue", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "issue");
  g_signal_connect_object (dialog, "response", G_CALLBACK (issue_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
issue_cb (VbWorkOrderPage *self)
{
  g_autofree char *path = NULL;

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->issue_button)))
    return;
  path = g_strdup_printf ("/api/v1/work-orders/%s/invoice-preview", self->work_order_id);
  self->busy_money = TRUE;
  update_money_buttons (self);
  vb_api_client_request_async (vb_client_get_api (self->client), "GET", path, NULL, self->cancellable,
                               preview_fetched_cb, g_object_ref (self));
}

static void
pay_cb (VbWorkOrderPage *self)
{
  VbPaymentDialog *dialog;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  gboolean live = self->invoice != NULL && g_strcmp0 (vb_money_member_string (self->invoice, "status"), "void") != 0;
  const char *currency = live ? currency_of (self->invoice)
                         : shown_version (self) != NULL ? currency_of (shown_version (self)) : "VND";

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->pay_button)))
    return;
  dialog = vb_payment_dialog_new (self->client, live ? vb_money_member_string (self->invoice, "id") : NULL,
                                  self->work_order_id,
                                  live ? money_of (self->invoice, "total") - money_of (self->invoice, "paid") : 0,
                                  currency);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (root));
  g_signal_connect_object (dialog, "payment-changed", G_CALLBACK (refresh_money), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Refund: amount (default what is left) and reason; one Idempotency-Key
 * per dialog, so pressing Refund again after a network error is the same
 * refund. */
static void
refund_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    VbWorkOrderPage  *self)
{
  JsonObject *payment = g_object_get_data (G_OBJECT (dialog), "vb-payment");
  GtkEditable *amount_entry = g_object_get_data (G_OBJECT (dialog), "vb-amount");
  GtkEditable *reason_entry = g_object_get_data (G_OBJECT (dialog), "vb-reason");
  const char *key = g_object_get_data (G_OBJECT (dialog), "vb-key");
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  const char *currency = NULL;
  const char *headers[3];
  gint64 amount = 0, ignored;

  if (g_strcmp0 (response, "refund") != 0 || !can_reach_server (self))
    return;
  vb_money_member_amount (payment, "amount", &ignored, &currency);
  if (!vb_money_parse (gtk_editable_get_text (amount_entry), currency, &amount) || amount <= 0)
    {
      set_money_status (self, _("Not refunded: the amount is not an amount of money."), "error");
      return;
    }
  json_object_set_object_member (body, "amount", vb_money_object (amount, currency != NULL ? currency : "VND"));
  json_object_set_string_member (body, "reason", gtk_editable_get_text (reason_entry));
  node = json_node_init_object (json_node_alloc (), body);
  text = json_to_string (node, FALSE);
  headers[0] = "Idempotency-Key";
  headers[1] = key;
  headers[2] = NULL;
  path = g_strdup_printf ("/api/v1/payments/%s/refunds", vb_money_member_string (payment, "id"));
  self->busy_money = TRUE;
  vb_api_client_request_full_async (vb_client_get_api (self->client), "POST", path, text, headers, self->cancellable,
                                    refund_done_cb, g_object_ref (self));
}

static void
refund_clicked_cb (GtkButton       *button,
                   VbWorkOrderPage *self)
{
  JsonObject *payment = g_object_get_data (G_OBJECT (button), "vb-payment");
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  AdwMessageDialog *dialog;
  GtkWidget *box, *amount, *reason;
  g_autofree char *left = NULL;
  const char *currency = NULL;
  gint64 total = 0;

  vb_money_member_amount (payment, "amount", &total, &currency);
  left = vb_money_to_input (total - money_of (payment, "refunded"), currency);
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       _("Refund Payment?"),
                                                       _("Card payments go back through the gateway; cash and transfers are recorded as handed back.")));
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  amount = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (amount), left);
  gtk_accessible_update_property (GTK_ACCESSIBLE (amount), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Amount to refund"), -1);
  reason = gtk_entry_new ();
  gtk_entry_set_placeholder_text (GTK_ENTRY (reason), _("Reason"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (reason), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Reason"), -1);
  gtk_box_append (GTK_BOX (box), amount);
  gtk_box_append (GTK_BOX (box), reason);
  adw_message_dialog_set_extra_child (dialog, box);
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "refund", _("_Refund"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "refund", ADW_RESPONSE_DESTRUCTIVE);
  g_object_set_data_full (G_OBJECT (dialog), "vb-payment", json_object_ref (payment), (GDestroyNotify) json_object_unref);
  g_object_set_data (G_OBJECT (dialog), "vb-amount", amount);
  g_object_set_data (G_OBJECT (dialog), "vb-reason", reason);
  g_object_set_data_full (G_OBJECT (dialog), "vb-key", g_uuid_string_random (), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (refund_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------------- e-mail --- */

/* POST /api/v1/{quotes,invoices}/{id}/email with no body: the server sends
 * the same PDF as …/pdf to the customer's first address, in their
 * language, and answers 202 with the queued message.  One at a time (the
 * buttons are insensitive meanwhile); the outcome goes to the status line:
 * where it went, or the server's reason (no address: 422 naming "to"; no
 * e-mail consent: 409 naming "consent"). */
static void
email_sent (VbApiClient     *api,
            GAsyncResult    *result,
            VbWorkOrderPage *self,
            gboolean         invoice)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (api, result, &error);
  JsonObject *message = reply != NULL && JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  g_autofree char *text = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->emailing = FALSE;
  if (error != NULL)
    {
      text = invoice ? g_strdup_printf (_("Invoice not e-mailed: %s"), error->message)
                     : g_strdup_printf (_("Quote not e-mailed: %s"), error->message);
      set_money_status (self, text, "error");
      self->keep_money_error = TRUE;
    }
  else
    {
      const char *to = vb_money_member_string (message, "to_address");

      /* Translators: %s is the customer's e-mail address */
      text = invoice ? g_strdup_printf (_("Invoice e-mailed to %s"), to != NULL ? to : "")
                     : g_strdup_printf (_("Quote e-mailed to %s"), to != NULL ? to : "");
      set_money_status (self, text, NULL);
    }
  update_money_buttons (self);
}

static void
email_quote_sent_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(VbWorkOrderPage) self = user_data;

  email_sent (VB_API_CLIENT (source), result, self, FALSE);
}

static void
email_invoice_sent_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(VbWorkOrderPage) self = user_data;

  email_sent (VB_API_CLIENT (source), result, self, TRUE);
}

static void
email_document (VbWorkOrderPage *self,
                gboolean         invoice)
{
  GtkButton *button = invoice ? self->invoice_email_button : self->quote_email_button;
  const char *id = vb_money_member_string (invoice ? self->invoice : self->quote, "id");
  g_autofree char *path = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  if (id == NULL || self->emailing || !gtk_widget_get_sensitive (GTK_WIDGET (button)))
    return;
  path = g_strdup_printf (invoice ? "/api/v1/invoices/%s/email" : "/api/v1/quotes/%s/email", id);
  self->emailing = TRUE;
  update_money_buttons (self);
  set_money_status (self, invoice ? _("E-mailing the invoice…") : _("E-mailing the quote…"), NULL);
  vb_api_client_request_async (vb_client_get_api (self->client), "POST", path, body, self->cancellable,
                               invoice ? email_invoice_sent_cb : email_quote_sent_cb, g_object_ref (self));
}

/* -------------------------------------------------------------- print --- */

/* The documents' JSON model (docs/documents.md) from what the page read:
 * the server has no endpoint returning its model (only …/pdf), so the
 * desk builds it from the quote / invoice replies and its cache, and
 * prints with the same renderer (vb_document_draw_page). */
static JsonObject *
build_document_model (VbWorkOrderPage *self,
                      gboolean         invoice)
{
  JsonObject *source = invoice ? self->invoice : shown_version (self);
  JsonObject *model, *totals, *party;
  JsonArray *lines, *out_lines;
  g_autoptr(JsonObject) order = NULL;
  g_autoptr(JsonObject) customer = NULL;
  g_autoptr(JsonObject) vehicle = NULL;
  g_autoptr(JsonObject) location = NULL;
  g_autofree char *wo_title = NULL;
  const char *issued;

  if (source == NULL)
    return NULL;
  order = vb_cache_get (self->cache, "work_orders", self->work_order_id);
  if (row_string (order, "customer_id") != NULL)
    customer = vb_cache_get (self->cache, "customers", row_string (order, "customer_id"));
  if (row_string (order, "vehicle_id") != NULL)
    vehicle = vb_cache_get (self->cache, "vehicles", row_string (order, "vehicle_id"));
  if (row_string (order, "location_id") != NULL)
    location = vb_cache_get (self->cache, "locations", row_string (order, "location_id"));
  wo_title = order != NULL ? vb_record_title_for_row ("work_orders", order) : g_strdup ("");

  model = json_object_new ();
  json_object_set_string_member (model, "kind", invoice ? "invoice" : "quote");
  json_object_set_string_member (model, "language", "en");
  json_object_set_string_member (model, "currency", currency_of (source));
  if (invoice)
    {
      json_object_set_string_member (model, "number", vb_money_member_string (source, "number"));
      json_object_set_string_member (model, "status", vb_money_member_string (source, "status"));
    }
  else
    {
      g_autofree char *number = g_strdup_printf ("%s-%d", wo_title,
                                                 (int) json_object_get_int_member_with_default (source, "number", 0));
      json_object_set_string_member (model, "number", number);
    }
  issued = vb_money_member_string (source, invoice ? "issued_at" : "sent_at");
  if (issued == NULL)
    issued = vb_money_member_string (source, "created_at");
  if (issued != NULL)
    json_object_set_string_member (model, "issued_on", issued);
  json_object_set_string_member (model, "work_order_number", wo_title);
  party = json_object_new ();
  if (row_string (location, "name") != NULL)
    json_object_set_string_member (party, "name", row_string (location, "name"));
  if (row_string (location, "address") != NULL)
    json_object_set_string_member (party, "address", row_string (location, "address"));
  if (row_string (location, "phone") != NULL)
    json_object_set_string_member (party, "phone", row_string (location, "phone"));
  json_object_set_object_member (model, "location", party);
  party = json_object_new ();
  {
    g_autofree char *name = vb_desk_dup_customer_name (customer);
    json_object_set_string_member (party, "name", name);
  }
  for (const char *const *m = (const char *const[]) { "phone", "email", "address", NULL }; *m != NULL; m++)
    if (row_string (customer, *m) != NULL)
      json_object_set_string_member (party, *m, row_string (customer, *m));
  json_object_set_object_member (model, "customer", party);
  party = json_object_new ();
  for (const char *const *m = (const char *const[]) { "vin", "plate", "make", "model", NULL }; *m != NULL; m++)
    if (row_string (vehicle, *m) != NULL)
      json_object_set_string_member (party, *m, row_string (vehicle, *m));
  {
    gint64 value;
    if (row_int (vehicle, "year", &value))
      json_object_set_int_member (party, "year", value);
    if (row_int (order, "odometer_km", &value))
      json_object_set_int_member (party, "odometer_km", value);
  }
  json_object_set_object_member (model, "vehicle", party);

  out_lines = json_array_new ();
  lines = array_member (source, "lines");
  for (guint i = 0; lines != NULL && i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      JsonObject *out = json_object_new ();
      JsonObject *decision = object_member (line, "decision");
      const char *answer = vb_money_member_string (decision, "decision");
      g_autofree char *quantity = dup_quantity (line);
      g_autofree char *description = NULL;

      if (g_strcmp0 (answer, "approved") == 0)
        description = g_strdup_printf (_("%s (approved)"), vb_money_member_string (line, "description"));
      else if (g_strcmp0 (answer, "declined") == 0)
        description = g_strdup_printf (_("%s (declined)"), vb_money_member_string (line, "description"));
      else
        description = g_strdup (vb_money_member_string (line, "description"));
      json_object_set_string_member (out, "description", description != NULL ? description : "");
      json_object_set_string_member (out, "quantity", quantity);
      json_object_set_int_member (out, "unit_price", money_of (line, "unit_price"));
      if (vb_money_member_string (line, "tax_name") != NULL)
        json_object_set_string_member (out, "tax_name", vb_money_member_string (line, "tax_name"));
      json_object_set_int_member (out, "tax_bp", json_object_get_int_member_with_default (line, "tax_bp", 0));
      json_object_set_int_member (out, "amount", money_of (line, "net"));
      json_object_set_int_member (out, "tax_amount", money_of (line, "tax"));
      json_array_add_object_element (out_lines, out);
    }
  json_object_set_array_member (model, "lines", out_lines);
  totals = json_object_new ();
  json_object_set_int_member (totals, "subtotal", money_of (source, "subtotal"));
  json_object_set_int_member (totals, "tax", money_of (source, "tax"));
  json_object_set_int_member (totals, "total", money_of (source, "total"));
  if (invoice)
    {
      JsonArray *payments = json_array_new ();

      json_object_set_int_member (totals, "paid", money_of (source, "paid"));
      json_object_set_int_member (totals, "due", money_of (source, "total") - money_of (source, "paid"));
      for (guint i = 0; self->payments != NULL && i < json_array_get_length (self->payments); i++)
        {
          JsonObject *payment = json_array_get_object_element (self->payments, i);
          JsonObject *out;

          if (g_strcmp0 (vb_money_member_string (payment, "status"), "succeeded") != 0 ||
              g_strcmp0 (vb_money_member_string (payment, "invoice_id"), vb_money_member_string (source, "id")) != 0)
            continue;
          out = json_object_new ();
          json_object_set_string_member (out, "date", vb_money_member_string (payment, "created_at"));
          json_object_set_string_member (out, "method", vb_money_member_string (payment, "method"));
          if (vb_money_member_string (payment, "reference") != NULL)
            json_object_set_string_member (out, "reference", vb_money_member_string (payment, "reference"));
          json_object_set_int_member (out, "amount", money_of (payment, "amount") - money_of (payment, "refunded"));
          json_array_add_object_element (payments, out);
        }
      json_object_set_array_member (model, "payments", payments);
    }
  json_object_set_object_member (model, "totals", totals);
  return model;
}

static void
begin_print_cb (GtkPrintOperation *operation,
                GtkPrintContext   *context,
                JsonObject        *model)
{
  gtk_print_operation_set_n_pages (operation,
                                   MAX (1, vb_document_count_pages (model, gtk_print_context_get_width (context),
                                                                    gtk_print_context_get_height (context))));
}

static void
draw_page_cb (GtkPrintOperation *operation,
              GtkPrintContext   *context,
              int                page_nr,
              JsonObject        *model)
{
  vb_document_draw_page (model, gtk_print_context_get_cairo_context (context), gtk_print_context_get_width (context),
                         gtk_print_context_get_height (context), (guint) page_nr);
}

static GtkPrintOperation *
make_print_operation (VbWorkOrderPage *self,
                      gboolean         invoice)
{
  g_autoptr(JsonObject) model = build_document_model (self, invoice);
  g_autoptr(GtkPageSetup) setup = gtk_page_setup_new ();
  g_autoptr(GtkPaperSize) a4 = gtk_paper_size_new (GTK_PAPER_NAME_A4);
  GtkPrintOperation *operation;

  if (model == NULL)
    return NULL;
  operation = gtk_print_operation_new ();
  gtk_page_setup_set_paper_size_and_default_margins (setup, a4);
  gtk_print_operation_set_default_page_setup (operation, setup);
  /* The document draws its own margins. */
  gtk_print_operation_set_use_full_page (operation, TRUE);
  gtk_print_operation_set_unit (operation, GTK_UNIT_POINTS);
  gtk_print_operation_set_job_name (operation, json_object_get_string_member (model, "number"));
  g_signal_connect_data (operation, "begin-print", G_CALLBACK (begin_print_cb), json_object_ref (model),
                         (GClosureNotify) (void (*) (void)) json_object_unref, 0);
  g_signal_connect_data (operation, "draw-page", G_CALLBACK (draw_page_cb), json_object_ref (model),
                         (GClosureNotify) (void (*) (void)) json_object_unref, 0);
  return operation;
}

static void
print_document (VbWorkOrderPage *self,
                gboolean         invoice)
{
  g_autoptr(GtkPrintOperation) operation = make_print_operation (self, invoice);
  g_autoptr(GError) error = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (operation == NULL)
    return;
  vb_print_settings_apply (operation);
  /* The print dialog has the preview. */
  if (gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_PRINT_DIALOG,
                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, &error) == GTK_PRINT_OPERATION_RESULT_ERROR)
    {
      /* Translators: %s is why printing failed */
      g_autofree char *text = g_strdup_printf (_("Not printed: %s"), error->message);
      set_money_status (self, text, "error");
    }
}

static void
quote_email_cb (VbWorkOrderPage *self)
{
  email_document (self, FALSE);
}

static void
invoice_email_cb (VbWorkOrderPage *self)
{
  email_document (self, TRUE);
}

static void
quote_print_cb (VbWorkOrderPage *self)
{
  print_document (self, FALSE);
}

static void
invoice_print_cb (VbWorkOrderPage *self)
{
  print_document (self, TRUE);
}

gboolean
vb_work_order_page_export_pdf (VbWorkOrderPage *self,
                               gboolean         invoice,
                               const char      *path,
                               GError         **error)
{
  g_autoptr(GtkPrintOperation) operation = NULL;

  g_return_val_if_fail (VB_IS_WORK_ORDER_PAGE (self), FALSE);
  operation = make_print_operation (self, invoice);
  if (operation == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           invoice ? _("There is no invoice to print") : _("There is no quote to print"));
      return FALSE;
    }
  gtk_print_operation_set_export_filename (operation, path);
  return gtk_print_operation_run (operation, GTK_PRINT_OPERATION_ACTION_EXPORT, NULL, error) !=
         GTK_PRINT_OPERATION_RESULT_ERROR;
}

JsonObject *
vb_work_order_page_get_invoice (VbWorkOrderPage *self)
{
  g_return_val_if_fail (VB_IS_WORK_ORDER_PAGE (self), NULL);
  return self->invoice;
}

JsonObject *
vb_work_order_page_get_quote_version (VbWorkOrderPage *self)
{
  g_return_val_if_fail (VB_IS_WORK_ORDER_PAGE (self), NULL);
  return shown_version (self);
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
  gboolean h = FALSE, t = FALSE, p = FALSE, m = FALSE;

  for (guint i = 0; entities != NULL && entities[i] != NULL; i++)
    {
      h |= g_strv_contains (header, entities[i]);
      t |= g_strv_contains (tasks, entities[i]);
      p |= g_strv_contains (photos, entities[i]);
      m |= g_strv_contains (money_entities, entities[i]);
    }
  if (h)
    update_header (self);
  if (t)
    refresh_tasks (self);
  if (p)
    refresh_photos (self);
  if (m)
    refresh_money (self);
  else if (h)
    update_money_buttons (self);
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
  refresh_money (self);
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
  refresh_money (self);
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
  g_clear_pointer (&self->quote, json_object_unref);
  g_clear_pointer (&self->invoice, json_object_unref);
  g_clear_pointer (&self->payments, json_array_unref);
  self->money_loaded = FALSE;
  self->loading_money = FALSE;
  self->money_again = FALSE;
  self->busy_money = FALSE;
  self->emailing = FALSE;
  set_money_status (self, NULL, NULL);
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
  show_money (self);
  refresh_money (self);
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
  g_clear_pointer (&self->quote, json_object_unref);
  g_clear_pointer (&self->invoice, json_object_unref);
  g_clear_pointer (&self->payments, json_array_unref);
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
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, money_status_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, quote_group);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, quote_list);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, quote_totals_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, quote_print_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, quote_email_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, new_version_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, quote_send_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, approval_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, invoice_group);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, invoice_list);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, invoice_totals_label);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, payments_list);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, invoice_print_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, invoice_email_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, issue_button);
  gtk_widget_class_bind_template_child (widget_class, VbWorkOrderPage, pay_button);
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
  g_signal_connect_object (self->new_version_button, "clicked", G_CALLBACK (new_version_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->quote_send_button, "clicked", G_CALLBACK (quote_send_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->approval_button, "clicked", G_CALLBACK (approval_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->quote_print_button, "clicked", G_CALLBACK (quote_print_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->invoice_print_button, "clicked", G_CALLBACK (invoice_print_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->quote_email_button, "clicked", G_CALLBACK (quote_email_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->invoice_email_button, "clicked", G_CALLBACK (invoice_email_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->issue_button, "clicked", G_CALLBACK (issue_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->pay_button, "clicked", G_CALLBACK (pay_cb), self, G_CONNECT_SWAPPED);
  show_money (self);
}
