/* vb-vehicle-panel.c — one vehicle on its customer's page.
 *
 * What the desk is asked about a car, in one column: its EV data, the
 * odometer and battery state of health over its visits (VbTrendChart),
 * the maintenance history with what was done and what it cost, what is
 * due next (and the work the customer declined earlier), and its
 * documents.
 *
 * Everything but the maintenance schedule and the PDFs comes from the
 * offline cache through VbRecordLists filtered in SQL on this vehicle (or
 * its customer, for invoices and quotes), created with the panel — never
 * a list over a whole entity.  The lists follow the change feed; the
 * panel rebuilds its rows (a handful per car) in an idle after any of
 * them changed.  The schedule is computed by the server (docs/
 * api-reminders.md: GET /vehicles/{id}/reminders), so it is read while the
 * server can be reached and the last answer stays offline: in a table the
 * customer page shares between its panels, and on disk (a JSON file per
 * vehicle, with when it was read), so it is still there offline after a
 * restart, shown "As of" that time.  Documents are the server's PDFs
 * (docs/documents.md); one opened before is kept on disk and opens offline
 * too, the others are insensitive offline and say why.
 *
 * What is kept on disk is customer data: it lives in one directory per
 * server and user (vb_vehicle_panel_dup_saved_dir), which the window
 * deletes when the user signs out (vb_vehicle_panel_delete_saved_dir).
 */
#include "vb-vehicle-panel.h"
#include "vb-api-client.h"
#include "vb-desk-presentation.h"
#include "vb-document-format.h"
#include "vb-record-list.h"
#include "vb-session.h"
#include "vb-trend-chart.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct _VbVehiclePanel
{
  AdwBin parent_instance;

  /* template */
  GtkLabel            *title_label;
  AdwExpanderRow      *ev_row;
  VbTrendChart        *odometer_chart;
  VbTrendChart        *soh_chart;
  GtkListBox          *history_list;
  AdwPreferencesGroup *reminders_group;
  GtkListBox          *reminders_list;
  AdwPreferencesGroup *documents_group;
  GtkListBox          *documents_list;
  GtkLabel            *reminders_status;
  GtkLabel            *documents_status;

  VbClient     *client;
  VbCache      *cache;
  char         *vehicle_id;
  char         *customer_id;
  GCancellable *cancellable;
  GPtrArray    *ev_rows;

  VbRecordList *work_orders;
  VbRecordList *odometer;
  VbRecordList *soh;
  VbRecordList *deferred;
  VbRecordList *invoices;
  VbRecordList *quotes;

  JsonArray  *schedule;         /* the server's last answer, or NULL */
  GDateTime  *schedule_read_at; /* when it was read, if known */
  GHashTable *schedules;        /* vehicle id → last answer, outlives the panel */
  char      *schedule_error;
  gboolean   schedule_loading;
  gboolean   schedule_stale;
  guint      rebuild_id;
  guint      dirty;             /* Part: what the idle rebuilds */
};

/* The parts a change makes stale (history reads the tasks of each work
 * order: only rebuilt when they, the work orders or the invoices moved). */
typedef enum
{
  PART_CHARTS    = 1 << 0,
  PART_HISTORY   = 1 << 1,
  PART_REMINDERS = 1 << 2,
  PART_DOCUMENTS = 1 << 3,
  PART_ALL       = 0xf,
} Part;

G_DEFINE_FINAL_TYPE (VbVehiclePanel, vb_vehicle_panel, ADW_TYPE_BIN)

/* ------------------------------------------------------------ helpers --- */

static const char *
row_string (JsonObject *row,
            const char *member)
{
  JsonNode *node = row != NULL ? json_object_get_member (row, member) : NULL;

  return node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

/* A number member (JSON number, or numeric sent as a string). */
static gboolean
row_number (JsonObject *row,
            const char *member,
            double     *value)
{
  JsonNode *node = row != NULL ? json_object_get_member (row, member) : NULL;
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    *value = json_node_get_double (node);
  else if (type == G_TYPE_STRING)
    {
      char *end = NULL;

      *value = g_ascii_strtod (json_node_get_string (node), &end);
      if (end == json_node_get_string (node))
        return FALSE;
    }
  else
    return FALSE;
  return TRUE;
}

/* An RFC 3339 time or a plain date ("2026-07-20", local midnight). */
static GDateTime *
parse_time (const char *text)
{
  int y, m, d;

  if (text == NULL || text[0] == '\0')
    return NULL;
  if (strlen (text) == 10 && sscanf (text, "%d-%d-%d", &y, &m, &d) == 3)
    return g_date_time_new_local (y, m, d, 0, 0, 0);
  {
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

    return g_date_time_new_from_iso8601 (text, utc);
  }
}

static char *
format_day (const char *text)
{
  g_autoptr(GDateTime) time = parse_time (text);
  g_autoptr(GDateTime) local = time != NULL ? g_date_time_to_local (time) : NULL;
  g_autofree char *day = NULL;

  if (local == NULL)
    return g_strdup (text != NULL ? text : "");
  /* Translators: a day in a vehicle's history, see strftime */
  day = g_date_time_format (local, _("%-d %b %Y"));
  return g_strdup (g_strstrip (day));
}

static char *
format_km (double km)
{
  /* Translators: a distance, "45,210 km" */
  return g_strdup_printf (_("%'.0f km"), km);
}

static char *
format_amount (JsonObject *row,
               const char *member)
{
  double amount;
  const char *currency = row_string (row, "currency");

  if (!row_number (row, member, &amount))
    return g_strdup ("");
  return vb_format_money ((gint64) amount, currency != NULL ? currency : "VND", "en");
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
add_action_row (GtkListBox *list,
                const char *title,
                const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle != NULL && subtitle[0] != '\0')
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_list_box_append (list, row);
  return row;
}

static GtkWidget *
suffix_label (GtkWidget  *row,
              const char *text,
              const char *style)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_set_valign (label, GTK_ALIGN_CENTER);
  if (style != NULL)
    gtk_widget_add_css_class (label, style);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
  return label;
}

static GtkWidget *
make_placeholder (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_margin_top (label, 18);
  gtk_widget_set_margin_bottom (label, 18);
  gtk_widget_set_margin_start (label, 12);
  gtk_widget_set_margin_end (label, 12);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  return label;
}

static GtkLabel *
make_status (AdwPreferencesGroup *group)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_visible (label, FALSE);
  adw_preferences_group_add (group, label);
  return GTK_LABEL (label);
}

static void
set_status (GtkLabel   *label,
            const char *text)
{
  gtk_label_set_label (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && text[0] != '\0');
}

static gboolean
can_reach_server (VbVehiclePanel *self)
{
  return self->client != NULL && vb_client_get_can_reach_server (self->client);
}

/* ------------------------------------------------------------ EV data --- */

static void
add_ev_row (VbVehiclePanel *self,
            const char     *title,
            const char     *value)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  gtk_widget_add_css_class (row, "property");
  adw_expander_row_add_row (self->ev_row, row);
  g_ptr_array_add (self->ev_rows, row);
}

static void
update_vehicle (VbVehiclePanel *self)
{
  g_autoptr(JsonObject) vehicle = NULL;
  g_autofree char *title = NULL;
  double gross = 0, usable = 0, number;
  gboolean has_gross, has_usable;
  const char *text;

  for (guint i = 0; i < self->ev_rows->len; i++)
    adw_expander_row_remove (self->ev_row, self->ev_rows->pdata[i]);
  g_ptr_array_set_size (self->ev_rows, 0);

  vehicle = vb_cache_get (self->cache, "vehicles", self->vehicle_id);
  title = vb_desk_dup_vehicle_summary (vehicle);
  gtk_label_set_label (self->title_label, title);
  if (vehicle == NULL)
    return;
  {
    g_autofree char *details = vb_desk_dup_vehicle_details (vehicle);

    adw_expander_row_set_subtitle (self->ev_row, details);
  }

  if ((text = row_string (vehicle, "vin")) != NULL && text[0] != '\0')
    add_ev_row (self, _("VIN"), text);
  has_gross = row_number (vehicle, "battery_gross_kwh", &gross);
  has_usable = row_number (vehicle, "battery_usable_kwh", &usable);
  if (has_gross || has_usable)
    {
      g_autofree char *battery = NULL;

      if (has_gross && has_usable)
        /* Translators: battery capacity, "82 kWh gross · 77 kWh usable" */
        battery = g_strdup_printf (_("%g kWh gross · %g kWh usable"), gross, usable);
      else if (has_usable)
        battery = g_strdup_printf (_("%g kWh usable"), usable);
      else
        battery = g_strdup_printf (_("%g kWh gross"), gross);
      add_ev_row (self, _("Battery"), battery);
    }
  if ((text = row_string (vehicle, "chemistry")) != NULL)
    add_ev_row (self, _("Cell chemistry"), g_str_equal (text, "other") ? _("Other") : text);
  if (row_number (vehicle, "hv_class", &number))
    {
      /* Translators: the high-voltage system, "800 V" */
      g_autofree char *volts = g_strdup_printf (_("%.0f V"), number);

      add_ev_row (self, _("High-voltage system"), volts);
    }
  if ((text = row_string (vehicle, "charge_port")) != NULL)
    add_ev_row (self, _("Charge port"), text);
  if (row_number (vehicle, "obc_kw", &number))
    {
      /* Translators: on-board charger power, "11 kW" */
      g_autofree char *kw = g_strdup_printf (_("%g kW"), number);

      add_ev_row (self, _("On-board charger"), kw);
    }
  if (json_object_has_member (vehicle, "heat_pump") &&
      json_node_get_value_type (json_object_get_member (vehicle, "heat_pump")) == G_TYPE_BOOLEAN)
    add_ev_row (self, _("Heat pump"), json_object_get_boolean_member (vehicle, "heat_pump") ? _("Yes") : _("No"));
  if ((text = row_string (vehicle, "software_version")) != NULL && text[0] != '\0')
    add_ev_row (self, _("Software version"), text);
  {
    const char *until = row_string (vehicle, "battery_warranty_until");
    gboolean has_km = row_number (vehicle, "battery_warranty_km", &number);
    g_autofree char *day = until != NULL ? format_day (until) : NULL;
    g_autofree char *km = has_km ? format_km (number) : NULL;
    g_autofree char *warranty = NULL;

    if (day != NULL && km != NULL)
      /* Translators: battery warranty, "until 1 Mar 2031 or 160,000 km" */
      warranty = g_strdup_printf (_("Until %s or %s"), day, km);
    else if (day != NULL)
      warranty = g_strdup_printf (_("Until %s"), day);
    else if (km != NULL)
      warranty = g_strdup_printf (_("Up to %s"), km);
    if (warranty != NULL)
      add_ev_row (self, _("Battery warranty"), warranty);
  }
  if (self->ev_rows->len == 0)
    add_ev_row (self, _("EV data"), _("None recorded for this vehicle yet"));
}

/* ------------------------------------------------------------- charts --- */

static void
fill_chart (VbTrendChart *chart,
            VbRecordList *list,
            const char   *value_member,
            const char   *time_member)
{
  vb_trend_chart_clear (chart);
  for (guint i = 0; list != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (list)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (list), i);
      JsonObject *row = vb_record_get_row (record);
      g_autoptr(GDateTime) time = parse_time (row_string (row, time_member));
      double value;

      if (time != NULL && row_number (row, value_member, &value))
        vb_trend_chart_add_point (chart, time, value);
    }
}

/* The odometer readings, plus each work order's check-in odometer that is
 * not among them (a check-in records a reading on the server, but one made
 * offline, or imported, has only the work order's). */
static void
fill_odometer (VbVehiclePanel *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) kms = g_array_new (FALSE, FALSE, sizeof (gint64));

  fill_chart (self->odometer_chart, self->odometer, "odometer_km", "read_at");
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->odometer)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->odometer), i);
      double km;

      if (row_number (vb_record_get_row (record), "odometer_km", &km))
        {
          gint64 whole = (gint64) km;

          g_array_append_val (kms, whole);
        }
    }
  for (guint i = 0; i < kms->len; i++)
    g_hash_table_add (seen, &g_array_index (kms, gint64, i));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->work_orders)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->work_orders), i);
      JsonObject *row = vb_record_get_row (record);
      g_autoptr(GDateTime) time = parse_time (row_string (row, "checked_in_at"));
      double km;
      gint64 whole;

      if (time == NULL || !row_number (row, "odometer_km", &km))
        continue;
      whole = (gint64) km;
      if (!g_hash_table_contains (seen, &whole))
        vb_trend_chart_add_point (self->odometer_chart, time, km);
    }
}

/* ------------------------------------------------------------ history --- */

/* The live invoice of each work order (invoice_by_order: id → row). */
static GHashTable *
invoices_by_order (VbVehiclePanel *self)
{
  GHashTable *table = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->invoices)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->invoices), i);
      JsonObject *row = vb_record_get_row (record);
      const char *order = row_string (row, "work_order_id");

      if (order != NULL && g_strcmp0 (row_string (row, "kind"), "invoice") == 0 &&
          g_strcmp0 (row_string (row, "status"), "void") != 0)
        g_hash_table_insert (table, (gpointer) order, row);
    }
  return table;
}

/* "Tire rotation, Brake fluid" (the tasks done), else the concerns. */
static char *
dup_work_done (VbVehiclePanel *self,
               JsonObject     *order,
               const char     *order_id)
{
  g_autoptr(GPtrArray) tasks = vb_cache_list_where (self->cache, "work_order_tasks", NULL, "work_order_id",
                                                    order_id, "position", FALSE, 0);
  g_autoptr(GString) done = g_string_new (NULL);
  g_autoptr(GString) planned = g_string_new (NULL);
  const char *concerns;

  for (guint i = 0; tasks != NULL && i < tasks->len; i++)
    {
      JsonObject *task = tasks->pdata[i];
      const char *status = row_string (task, "status");
      const char *title = row_string (task, "title");
      GString *into = g_strcmp0 (status, "done") == 0 ? done : planned;

      if (title == NULL || g_strcmp0 (status, "cancelled") == 0)
        continue;
      if (into->len > 0)
        g_string_append (into, ", ");
      g_string_append (into, title);
    }
  if (done->len > 0)
    return g_string_free (g_steal_pointer (&done), FALSE);
  if (planned->len > 0)
    return g_string_free (g_steal_pointer (&planned), FALSE);
  concerns = row_string (order, "concerns");
  return concerns != NULL && concerns[0] != '\0' ? g_strdelimit (g_strdup (concerns), "\n", ' ') : NULL;
}

static void
update_history (VbVehiclePanel *self,
                GHashTable     *invoices)
{
  clear_list (self->history_list);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->work_orders)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->work_orders), i);
      JsonObject *order = vb_record_get_row (record);
      JsonObject *invoice = g_hash_table_lookup (invoices, vb_record_get_id (record));
      g_autofree char *number = vb_record_title_for_row ("work_orders", order);
      g_autofree char *day = format_day (row_string (order, "checked_in_at"));
      g_autofree char *title = g_strdup_printf (_("%s · %s"), day, number);
      g_autofree char *done = dup_work_done (self, order, vb_record_get_id (record));
      const char *status = vb_work_order_status_get_label (row_string (order, "status"));
      g_autofree char *subtitle = done != NULL ? g_strdup_printf (_("%s · %s"), status, done) : g_strdup (status);
      GtkWidget *row = add_action_row (self->history_list, title, subtitle);

      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 2);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "work-order-id", g_strdup (vb_record_get_id (record)), g_free);
      if (invoice != NULL)
        {
          g_autofree char *total = format_amount (invoice, "total_amount");
          GtkWidget *label = suffix_label (row, total, "numeric");

          gtk_widget_set_tooltip_text (label, row_string (invoice, "number"));
        }
      else
        suffix_label (row, _("Not invoiced"), "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
    }
}

static void
history_activated_cb (GtkListBox     *list,
                      GtkListBoxRow  *row,
                      VbVehiclePanel *self)
{
  const char *id = g_object_get_data (G_OBJECT (row), "work-order-id");

  if (id != NULL)
    gtk_widget_activate_action (GTK_WIDGET (self), "win.open-record", "(ss)", "work_orders", id);
}

/* -------------------------------------------------------- kept on disk --- */

/* A path component from a server key or id, as vb_cache_default_path
 * makes them: no separators, never "." or "..". */
static char *
sanitize (const char *name)
{
  char *safe = g_strdup (name != NULL && *name != '\0' ? name : "_");

  for (char *p = safe; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-' && *p != '_')
      *p = '_';
  if (safe[0] == '.')
    safe[0] = '_';
  return safe;
}

char *
vb_vehicle_panel_dup_saved_dir (VbClient *client)
{
  VbSession *session;
  const char *user_id;
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;

  g_return_val_if_fail (VB_IS_CLIENT (client), NULL);

  session = vb_client_get_session (client);
  user_id = session != NULL ? vb_session_get_user_id (session) : NULL;
  if (user_id == NULL)
    return NULL;
  server = sanitize (vb_api_client_get_server_key (vb_client_get_api (client)));
  user = sanitize (user_id);
  return g_build_filename (g_get_user_cache_dir (), "voltbay", "desk", server, user, NULL);
}

/* Deletes path and, if it is a directory, what is in it (symbolic links
 * are removed, never followed); a missing path is no error. */
static gboolean
delete_tree (const char  *path,
             GError     **error)
{
  GStatBuf st;
  int saved;

  if (g_lstat (path, &st) != 0)
    {
      saved = errno;
      if (saved == ENOENT)
        return TRUE;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path, g_strerror (saved));
      return FALSE;
    }
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, error);
      const char *name;

      if (dir == NULL)
        return FALSE;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (!delete_tree (child, error))
            return FALSE;
        }
      if (g_rmdir (path) == 0)
        return TRUE;
    }
  else if (g_unlink (path) == 0)
    return TRUE;
  saved = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", path, g_strerror (saved));
  return FALSE;
}

gboolean
vb_vehicle_panel_delete_saved_dir (const char  *dir,
                                   GError     **error)
{
  /* Where PDFs were kept before they were kept per server and user. */
  g_autofree char *unowned = g_build_filename (g_get_user_cache_dir (), "voltbay", "documents", NULL);

  g_return_val_if_fail (dir != NULL, FALSE);

  return delete_tree (dir, error) && delete_tree (unowned, error);
}

/* The file of a kind ("documents", "schedules") named name in the signed-in
 * user's directory; NULL when no one is signed in. */
static char *
saved_file (VbVehiclePanel *self,
            const char     *kind,
            const char     *name)
{
  g_autofree char *dir = self->client != NULL ? vb_vehicle_panel_dup_saved_dir (self->client) : NULL;
  g_autofree char *safe = sanitize (name);

  return dir != NULL ? g_build_filename (dir, kind, safe, NULL) : NULL;
}

/* Writes contents to file atomically, 0600, in a 0700 directory. */
static gboolean
save_file (const char  *file,
           const char  *contents,
           gsize        length,
           GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (file);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "%s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return g_file_set_contents_full (file, contents, (gssize) length, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static char *
schedule_file (VbVehiclePanel *self)
{
  g_autofree char *name = g_strconcat (self->vehicle_id, ".json", NULL);

  return saved_file (self, "schedules", name);
}

/* The schedule as last read, with when: {"vehicle_id", "read_at", "schedule"}. */
static void
save_schedule (VbVehiclePanel *self)
{
  g_autofree char *file = schedule_file (self);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *read_at = g_date_time_format_iso8601 (self->schedule_read_at);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;

  if (file == NULL)
    return;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "vehicle_id");
  json_builder_add_string_value (builder, self->vehicle_id);
  json_builder_set_member_name (builder, "read_at");
  json_builder_add_string_value (builder, read_at);
  json_builder_set_member_name (builder, "schedule");
  json_builder_add_value (builder, json_node_init_array (json_node_alloc (), self->schedule));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, &length);
  /* Only the offline view loses by it: said, not fatal. */
  if (!save_file (file, text, length, &error))
    g_message ("Could not keep the maintenance schedule for offline use: %s", error->message);
}

/* The schedule kept by an earlier run, if any. */
static gboolean
load_saved_schedule (VbVehiclePanel *self)
{
  g_autofree char *file = schedule_file (self);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonObject *saved;
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  if (file == NULL || !g_file_test (file, G_FILE_TEST_IS_REGULAR) ||
      !json_parser_load_from_mapped_file (parser, file, NULL))
    return FALSE;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  saved = json_node_get_object (root);
  if (g_strcmp0 (row_string (saved, "vehicle_id"), self->vehicle_id) != 0 ||
      !json_object_has_member (saved, "schedule") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (saved, "schedule")))
    return FALSE;
  g_clear_pointer (&self->schedule, json_array_unref);
  g_clear_pointer (&self->schedule_read_at, g_date_time_unref);
  self->schedule = json_array_ref (json_object_get_array_member (saved, "schedule"));
  if (row_string (saved, "read_at") != NULL)
    self->schedule_read_at = g_date_time_new_from_iso8601 (row_string (saved, "read_at"), utc);
  return TRUE;
}

/* ---------------------------------------------------------- reminders --- */

static const char *
due_reason_label (const char *reason)
{
  if (g_strcmp0 (reason, "mileage") == 0)
    return _("by mileage");
  if (g_strcmp0 (reason, "time") == 0)
    return _("by time");
  return NULL;
}

static void
update_reminders (VbVehiclePanel *self)
{
  clear_list (self->reminders_list);

  /* What is due by the server's schedule. */
  for (guint i = 0; self->schedule != NULL && i < json_array_get_length (self->schedule); i++)
    {
      JsonObject *item = json_array_get_object_element (self->schedule, i);
      const char *due_on = row_string (item, "due_on");
      const char *reason = due_reason_label (row_string (item, "due_reason"));
      g_autofree char *day = NULL;
      g_autoptr(GString) subtitle = g_string_new (NULL);
      GtkWidget *row;
      double km;

      if (item == NULL || due_on == NULL)
        continue;
      day = format_day (due_on);
      g_string_append_printf (subtitle, _("Due %s"), day);
      if (reason != NULL)
        g_string_append_printf (subtitle, " (%s)", reason);
      if (row_number (item, "due_km", &km))
        {
          g_autofree char *at = format_km (km);

          g_string_append_printf (subtitle, _(" · at %s"), at);
        }
      if (row_string (item, "last_done_on") != NULL)
        {
          g_autofree char *last = format_day (row_string (item, "last_done_on"));

          g_string_append_printf (subtitle, _(" · last done %s"), last);
        }
      row = add_action_row (self->reminders_list, row_string (item, "description"), subtitle->str);
      if (json_object_get_boolean_member_with_default (item, "overdue", FALSE))
        suffix_label (row, _("Overdue"), "error");
      else if (json_object_get_boolean_member_with_default (item, "due", FALSE))
        suffix_label (row, _("Due"), "warning");
      else
        suffix_label (row, _("Upcoming"), "dim-label");
    }

  /* Declined quote lines kept as deferred work (the cache's). */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->deferred)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->deferred), i);
      JsonObject *row = vb_record_get_row (record);
      g_autofree char *declined = NULL;
      g_autofree char *remind = NULL;
      g_autofree char *amount = NULL;
      g_autofree char *subtitle = NULL;
      GtkWidget *widget;

      if (row_string (row, "resolved_at") != NULL)
        continue;
      declined = format_day (row_string (row, "declined_at"));
      remind = format_day (row_string (row, "remind_after"));
      amount = format_amount (row, "amount");
      /* Translators: deferred work: "Declined 3 Jan 2026 · remind after 3 Apr 2026 · VND 1,200,000" */
      subtitle = g_strdup_printf (_("Declined %s · remind after %s · %s"), declined, remind, amount);
      widget = add_action_row (self->reminders_list, row_string (row, "description"), subtitle);
      suffix_label (widget, _("Deferred"), "accent");
    }

  if (self->schedule == NULL)
    {
      if (self->schedule_loading)
        set_status (self->reminders_status, _("Reading the maintenance schedule from the server…"));
      else if (self->schedule_error != NULL)
        set_status (self->reminders_status, self->schedule_error);
      else
        set_status (self->reminders_status,
                    _("Maintenance due dates are worked out by the server: they show when it can be reached."));
    }
  else if (!can_reach_server (self) && self->schedule_read_at != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (self->schedule_read_at);
      /* Translators: when the schedule was read, see strftime: "7 Dec 2026, 09:30" */
      g_autofree char *when = g_date_time_format (local, _("%-d %b %Y, %H:%M"));
      /* Translators: the maintenance schedule shown offline: "As of 7 Dec 2026, 09:30 — …" */
      g_autofree char *text = g_strdup_printf (_("As of %s — offline: due dates as last read from the server; "
                                                 "they may have changed since."), g_strstrip (when));

      set_status (self->reminders_status, text);
    }
  else if (!can_reach_server (self))
    set_status (self->reminders_status, _("Offline: due dates as last read from the server."));
  else
    set_status (self->reminders_status, NULL);
}

static void
schedule_ready_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(VbVehiclePanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->schedule_loading = FALSE;
  g_clear_pointer (&self->schedule_error, g_free);
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply) ||
      !json_object_has_member (json_node_get_object (reply), "schedule") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (reply), "schedule")))
    self->schedule_error = g_strdup_printf (_("Could not read the maintenance schedule: %s"),
                                            error != NULL ? error->message : _("unexpected reply"));
  else
    {
      g_clear_pointer (&self->schedule, json_array_unref);
      g_clear_pointer (&self->schedule_read_at, g_date_time_unref);
      self->schedule = json_array_ref (json_object_get_array_member (json_node_get_object (reply), "schedule"));
      self->schedule_read_at = g_date_time_new_now_utc ();
      g_hash_table_replace (self->schedules, g_strdup (self->vehicle_id), json_array_ref (self->schedule));
      save_schedule (self);
    }
  update_reminders (self);
}

static void
load_schedule (VbVehiclePanel *self)
{
  g_autofree char *path = NULL;

  if (!can_reach_server (self) || self->schedule_loading)
    {
      self->schedule_stale = TRUE;
      return;
    }
  self->schedule_stale = FALSE;
  self->schedule_loading = TRUE;
  path = g_strdup_printf ("/api/v1/vehicles/%s/reminders", self->vehicle_id);
  vb_api_client_request_async (vb_client_get_api (self->client), "GET", path, NULL, self->cancellable,
                               schedule_ready_cb, g_object_ref (self));
}

/* ---------------------------------------------------------- documents --- */

typedef struct
{
  char *path;        /* the server's …/pdf */
  char *file_name;   /* where it is kept once opened */
} Document;

static void
document_free (gpointer data)
{
  Document *document = data;

  g_free (document->path);
  g_free (document->file_name);
  g_free (document);
}

static char *
document_file (VbVehiclePanel *self,
               const char     *file_name)
{
  return saved_file (self, "documents", file_name);
}

static void
add_document (VbVehiclePanel *self,
              const char     *title,
              const char     *subtitle,
              const char     *path,
              const char     *file_name)
{
  GtkWidget *row = add_action_row (self->documents_list, title, subtitle);
  Document *document = g_new0 (Document, 1);
  g_autofree char *file = document_file (self, file_name);
  gboolean kept = file != NULL && g_file_test (file, G_FILE_TEST_IS_REGULAR);

  document->path = g_strdup (path);
  document->file_name = g_strdup (file_name);
  g_object_set_data_full (G_OBJECT (row), "document", document, document_free);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("x-office-document-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  if (!can_reach_server (self) && !kept)
    {
      gtk_widget_set_sensitive (row, FALSE);
      gtk_widget_set_tooltip_text (row, _("Documents come from the server: this one opens when it can be reached"));
    }
}

static void
update_documents (VbVehiclePanel *self,
                  GHashTable     *invoices)
{
  g_autoptr(GHashTable) orders = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  g_autoptr(JsonObject) vehicle = vb_cache_get (self->cache, "vehicles", self->vehicle_id);
  const char *plate = row_string (vehicle, "plate");
  g_autofree char *path = NULL;
  g_autofree char *name = NULL;
  gboolean offline_blocked = FALSE;
  const char *offline_note =
    _("Offline: documents come from the server; only those opened before on this computer can be opened now.");

  clear_list (self->documents_list);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->work_orders)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->work_orders), i);

      g_hash_table_insert (orders, (gpointer) g_intern_string (vb_record_get_id (record)),
                           g_object_ref (record));
    }

  if (g_hash_table_size (orders) > 0)
    {
      path = g_strdup_printf ("/api/v1/vehicles/%s/history/pdf", self->vehicle_id);
      name = g_strdup_printf ("vehicle-history-%s.pdf", self->vehicle_id);
      add_document (self, _("Service history"), plate, path, name);
      g_clear_pointer (&path, g_free);
      g_clear_pointer (&name, g_free);
    }
  if (g_list_model_get_n_items (G_LIST_MODEL (self->soh)) > 0)
    {
      path = g_strdup_printf ("/api/v1/vehicles/%s/battery-certificate/pdf", self->vehicle_id);
      name = g_strdup_printf ("battery-certificate-%s.pdf", self->vehicle_id);
      add_document (self, _("Battery health certificate"), plate, path, name);
      g_clear_pointer (&path, g_free);
      g_clear_pointer (&name, g_free);
    }

  /* Invoices and credit notes of this vehicle's work orders, newest first. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->invoices)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->invoices), i);
      JsonObject *row = vb_record_get_row (record);
      const char *order = row_string (row, "work_order_id");
      gboolean credit = g_strcmp0 (row_string (row, "kind"), "credit_note") == 0;
      g_autofree char *day = NULL;
      g_autofree char *total = NULL;
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;

      if (order == NULL || !g_hash_table_contains (orders, order))
        continue;
      day = format_day (row_string (row, "issued_at"));
      total = format_amount (row, "total_amount");
      title = g_strdup_printf (credit ? _("Credit note %s") : _("Invoice %s"), row_string (row, "number"));
      subtitle = g_strdup_printf (g_strcmp0 (row_string (row, "status"), "void") == 0
                                  ? _("%s · %s · void") : _("%s · %s"), day, total);
      path = g_strdup_printf ("/api/v1/invoices/%s/pdf", vb_record_get_id (record));
      name = g_strdup_printf ("%s-%s.pdf", credit ? "credit-note" : "invoice", vb_record_get_id (record));
      add_document (self, title, subtitle, path, name);
      g_clear_pointer (&path, g_free);
      g_clear_pointer (&name, g_free);
    }

  /* Quotes of its work orders. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->quotes)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->quotes), i);
      JsonObject *row = vb_record_get_row (record);
      const char *order = row_string (row, "work_order_id");
      VbRecord *order_record = order != NULL ? g_hash_table_lookup (orders, order) : NULL;
      g_autofree char *number = NULL;
      g_autofree char *title = NULL;
      g_autofree char *day = NULL;

      if (order_record == NULL)
        continue;
      number = vb_record_title_for_row ("work_orders", vb_record_get_row (order_record));
      title = g_strdup_printf (_("Quote for %s"), number);
      day = format_day (row_string (row, "created_at"));
      path = g_strdup_printf ("/api/v1/quotes/%s/pdf", vb_record_get_id (record));
      name = g_strdup_printf ("quote-%s.pdf", vb_record_get_id (record));
      add_document (self, title, day, path, name);
      g_clear_pointer (&path, g_free);
      g_clear_pointer (&name, g_free);
    }

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->documents_list));
       child != NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child) && !gtk_widget_get_sensitive (child))
      offline_blocked = TRUE;
  if (offline_blocked)
    set_status (self->documents_status, offline_note);
  else if (g_strcmp0 (gtk_label_get_label (self->documents_status), offline_note) == 0)
    set_status (self->documents_status, NULL);
}

typedef struct
{
  VbVehiclePanel *self;
  char           *file;
} OpenData;

static void
open_data_free (gpointer data)
{
  OpenData *open = data;

  g_object_unref (open->self);
  g_free (open->file);
  g_free (open);
}

static void
launched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  OpenData *open = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *text = g_strdup_printf (_("Saved as %s, but it could not be opened: %s"),
                                                   open->file, error->message);

          set_status (open->self->documents_status, text);
        }
    }
  else
    set_status (open->self->documents_status, NULL);
  open_data_free (open);
}

static void
launch_file (VbVehiclePanel *self,
             const char     *file)
{
  OpenData *open = g_new0 (OpenData, 1);
  g_autofree char *uri = g_filename_to_uri (file, NULL, NULL);
  GdkAppLaunchContext *context = gdk_display_get_app_launch_context (gtk_widget_get_display (GTK_WIDGET (self)));

  open->self = g_object_ref (self);
  open->file = g_strdup (file);
  g_app_info_launch_default_for_uri_async (uri, G_APP_LAUNCH_CONTEXT (context), self->cancellable,
                                           launched_cb, open);
  g_object_unref (context);
}

static void
document_ready_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  OpenData *open = user_data;
  g_autoptr(GError) error = NULL;
  guint status = 0;
  g_autoptr(GBytes) bytes = vb_api_client_request_bytes_finish (VB_API_CLIENT (source), result, &status, NULL,
                                                                &error);
  g_autofree char *name = NULL;
  g_autofree char *now = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      open_data_free (open);
      return;
    }
  /* Kept only in the directory of who is signed in now: nothing is
   * written back after a sign-out deleted it. */
  name = g_path_get_basename (open->file);
  now = document_file (open->self, name);
  if (bytes != NULL && g_strcmp0 (now, open->file) != 0)
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED, _("signed out meanwhile"));
  else if (bytes != NULL)
    save_file (open->file, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Could not open the document: %s"), error->message);

      set_status (open->self->documents_status, text);
    }
  else
    {
      set_status (open->self->documents_status, _("Opening the document…"));
      launch_file (open->self, open->file);
    }
  open_data_free (open);
}

static void
document_activated_cb (GtkListBox     *list,
                       GtkListBoxRow  *row,
                       VbVehiclePanel *self)
{
  Document *document = g_object_get_data (G_OBJECT (row), "document");
  g_autofree char *file = NULL;

  if (document == NULL)
    return;
  file = document_file (self, document->file_name);
  if (file == NULL)
    return;
  if (can_reach_server (self))
    {
      /* Always the server's current version (an invoice may have been paid since). */
      OpenData *open = g_new0 (OpenData, 1);

      open->self = g_object_ref (self);
      open->file = g_steal_pointer (&file);
      set_status (self->documents_status, _("Fetching the document from the server…"));
      vb_api_client_request_bytes_async (vb_client_get_api (self->client), "GET", document->path, NULL,
                                         self->cancellable, document_ready_cb, open);
    }
  else if (g_file_test (file, G_FILE_TEST_IS_REGULAR))
    launch_file (self, file);
}

/* ------------------------------------------------------------ rebuild --- */

static gboolean
rebuild_cb (gpointer data)
{
  VbVehiclePanel *self = data;
  g_autoptr(GHashTable) invoices = NULL;
  guint dirty = self->dirty;

  self->rebuild_id = 0;
  self->dirty = 0;
  if (self->cache == NULL)
    return G_SOURCE_REMOVE;
  invoices = invoices_by_order (self);
  if (dirty & PART_CHARTS)
    {
      fill_odometer (self);
      fill_chart (self->soh_chart, self->soh, "soh_percent", "measured_at");
    }
  if (dirty & PART_HISTORY)
    update_history (self, invoices);
  if (dirty & PART_REMINDERS)
    update_reminders (self);
  if (dirty & PART_DOCUMENTS)
    update_documents (self, invoices);
  return G_SOURCE_REMOVE;
}

static void
queue_rebuild (VbVehiclePanel *self,
               guint           parts)
{
  if (self->cache == NULL)
    return;
  self->dirty |= parts;
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, rebuild_cb, self, NULL);
}

/* A visit (a work order) or a reading may move what is due. */
static void
visits_changed_cb (VbVehiclePanel *self)
{
  queue_rebuild (self, PART_ALL);
  load_schedule (self);
}

static void
odometer_changed_cb (VbVehiclePanel *self)
{
  queue_rebuild (self, PART_CHARTS);
  load_schedule (self);
}

static void
soh_changed_cb (VbVehiclePanel *self)
{
  queue_rebuild (self, PART_CHARTS | PART_DOCUMENTS);
}

static void
deferred_changed_cb (VbVehiclePanel *self)
{
  queue_rebuild (self, PART_REMINDERS);
}

static void
invoices_changed_cb (VbVehiclePanel *self)
{
  queue_rebuild (self, PART_HISTORY | PART_DOCUMENTS);
}

static void
quotes_changed_cb (VbVehiclePanel *self)
{
  queue_rebuild (self, PART_DOCUMENTS);
}

static void
records_changed_cb (VbVehiclePanel     *self,
                    const char         *entity,
                    const char * const *ids)
{
  if (self->cache == NULL)   /* disposed */
    return;
  if (g_strcmp0 (entity, "vehicles") == 0 && ids != NULL && g_strv_contains (ids, self->vehicle_id))
    update_vehicle (self);
  else if (g_strcmp0 (entity, "work_order_tasks") == 0 && ids != NULL && (self->dirty & PART_HISTORY) == 0 &&
           g_list_model_get_n_items (G_LIST_MODEL (self->work_orders)) > 0)
    {
      /* Tasks of this car's work orders only (what was done). */
      g_autoptr(GPtrArray) rows = vb_cache_get_many (self->cache, entity, NULL, ids);

      for (guint i = 0; rows != NULL && i < rows->len; i++)
        if (row_string (rows->pdata[i], "work_order_id") != NULL &&
            vb_record_list_find (self->work_orders, row_string (rows->pdata[i], "work_order_id"), NULL) != NULL)
          {
            queue_rebuild (self, PART_HISTORY);
            break;
          }
    }
}

static void
reachable_cb (VbVehiclePanel *self)
{
  if (can_reach_server (self) && (self->schedule == NULL || self->schedule_stale))
    load_schedule (self);
  queue_rebuild (self, PART_REMINDERS | PART_DOCUMENTS);
}

static VbRecordList *
watch (VbVehiclePanel *self,
       const char     *entity,
       const char     *field,
       const char     *value,
       const char     *order_field,
       gboolean        descending,
       GCallback       changed)
{
  VbRecordList *list = vb_record_list_new_where (self->cache, entity, field, value, order_field, descending);

  g_signal_connect_object (list, "items-changed", changed, self, G_CONNECT_SWAPPED);
  return list;
}

GtkWidget *
vb_vehicle_panel_new (VbClient   *client,
                      const char *vehicle_id,
                      GHashTable *schedules)
{
  JsonArray *known;
  VbVehiclePanel *self;
  g_autoptr(JsonObject) vehicle = NULL;

  g_return_val_if_fail (VB_IS_CLIENT (client), NULL);
  g_return_val_if_fail (vehicle_id != NULL, NULL);

  self = g_object_new (VB_TYPE_VEHICLE_PANEL, NULL);
  self->client = g_object_ref (client);
  self->cache = g_object_ref (vb_client_get_cache (client));
  self->vehicle_id = g_strdup (vehicle_id);
  self->schedules = g_hash_table_ref (schedules);
  /* What an earlier panel or an earlier run read (the file, when it has
   * one, says when: it is never older than the table's copy). */
  known = g_hash_table_lookup (schedules, vehicle_id);
  if (!load_saved_schedule (self))
    self->schedule = known != NULL ? json_array_ref (known) : NULL;
  vehicle = vb_cache_get (self->cache, "vehicles", vehicle_id);
  self->customer_id = g_strdup (row_string (vehicle, "customer_id"));

  self->work_orders = watch (self, "work_orders", "vehicle_id", vehicle_id, "checked_in_at", TRUE,
                             G_CALLBACK (visits_changed_cb));
  self->odometer = watch (self, "odometer_readings", "vehicle_id", vehicle_id, "read_at", FALSE,
                          G_CALLBACK (odometer_changed_cb));
  self->soh = watch (self, "soh_readings", "vehicle_id", vehicle_id, "measured_at", FALSE,
                     G_CALLBACK (soh_changed_cb));
  self->deferred = watch (self, "deferred_work", "vehicle_id", vehicle_id, "remind_after", FALSE,
                          G_CALLBACK (deferred_changed_cb));
  /* Invoices and quotes carry the customer, not the vehicle: the
   * customer's few, matched to this car's work orders. */
  self->invoices = watch (self, "invoices", "customer_id", self->customer_id != NULL ? self->customer_id : "",
                          "issued_at", TRUE, G_CALLBACK (invoices_changed_cb));
  self->quotes = watch (self, "quotes", "customer_id", self->customer_id != NULL ? self->customer_id : "",
                        "created_at", TRUE, G_CALLBACK (quotes_changed_cb));
  g_signal_connect_object (self->cache, "records-changed", G_CALLBACK (records_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (reachable_cb), self,
                           G_CONNECT_SWAPPED);

  update_vehicle (self);
  self->dirty = PART_ALL;
  rebuild_cb (self);
  load_schedule (self);
  update_reminders (self);
  return GTK_WIDGET (self);
}

const char *
vb_vehicle_panel_get_vehicle_id (VbVehiclePanel *self)
{
  g_return_val_if_fail (VB_IS_VEHICLE_PANEL (self), NULL);
  return self->vehicle_id;
}

static void
vb_vehicle_panel_dispose (GObject *object)
{
  VbVehiclePanel *self = VB_VEHICLE_PANEL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  g_clear_object (&self->work_orders);
  g_clear_object (&self->odometer);
  g_clear_object (&self->soh);
  g_clear_object (&self->deferred);
  g_clear_object (&self->invoices);
  g_clear_object (&self->quotes);
  g_clear_object (&self->cache);
  g_clear_object (&self->client);
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_VEHICLE_PANEL);
  G_OBJECT_CLASS (vb_vehicle_panel_parent_class)->dispose (object);
}

static void
vb_vehicle_panel_finalize (GObject *object)
{
  VbVehiclePanel *self = VB_VEHICLE_PANEL (object);

  g_clear_object (&self->cancellable);
  g_ptr_array_unref (self->ev_rows);
  g_clear_pointer (&self->schedule, json_array_unref);
  g_clear_pointer (&self->schedule_read_at, g_date_time_unref);
  g_clear_pointer (&self->schedules, g_hash_table_unref);
  g_free (self->schedule_error);
  g_free (self->vehicle_id);
  g_free (self->customer_id);
  G_OBJECT_CLASS (vb_vehicle_panel_parent_class)->finalize (object);
}

static void
vb_vehicle_panel_class_init (VbVehiclePanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_vehicle_panel_dispose;
  object_class->finalize = vb_vehicle_panel_finalize;

  g_type_ensure (VB_TYPE_TREND_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-vehicle-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, title_label);
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, ev_row);
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, odometer_chart);
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, soh_chart);
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, history_list);
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, reminders_group);
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, reminders_list);
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, documents_group);
  gtk_widget_class_bind_template_child (widget_class, VbVehiclePanel, documents_list);
}

static void
vb_vehicle_panel_init (VbVehiclePanel *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->ev_rows = g_ptr_array_new ();
  vb_trend_chart_set_quantity (self->odometer_chart, _("Odometer"), _("km"), 0);
  vb_trend_chart_set_quantity (self->soh_chart, _("Battery state of health"), _("%"), 1);
  self->reminders_status = make_status (self->reminders_group);
  self->documents_status = make_status (self->documents_group);
  gtk_list_box_set_placeholder (self->history_list, make_placeholder (_("No visits yet")));
  gtk_list_box_set_placeholder (self->reminders_list, make_placeholder (_("Nothing due and no deferred work")));
  gtk_list_box_set_placeholder (self->documents_list, make_placeholder (_("No documents yet")));
  g_signal_connect_object (self->history_list, "row-activated", G_CALLBACK (history_activated_cb), self, 0);
  g_signal_connect_object (self->documents_list, "row-activated", G_CALLBACK (document_activated_cb), self, 0);
}
