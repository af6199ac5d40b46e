/* vb-bookings-page.c — Bookings: one location's day (its appointments
 * from the offline cache) and its free slots (GET /api/v1/availability for
 * the chosen services), with booking, rescheduling, cancelling and
 * no-shows.
 *
 * Everything the desk does goes through the sync engine, so it works
 * offline: a booking is a CREATE (provisional, "Waiting to sync", until the
 * server takes or refuses the slot), a new time an UPDATE with the version,
 * cancel and no-show ACTIONs.  Free slots are the server's to compute; they
 * are fetched again on every live "changes" wake-up that names
 * appointments, and in between the cache's own appointments (another
 * desk's, pulled, or this desk's provisional ones) hide the slots they
 * take, so a slot goes at once.  Offline the page says that free slots need
 * the server and lets the desk type a time and pick a bay instead.
 *
 * Times are the location's (its time_zone), not the desk computer's: the
 * server's availability days are the location's days.
 */
#include "vb-bookings-page.h"
#include "vb-booking-presentation.h"
#include "vb-bookings-week.h"
#include "vb-desk-presentation.h"
#include "vb-live-connection.h"
#include "vb-record-describe.h"
#include "vb-record-list.h"
#include "vb-session.h"
#include "vb-sync-engine.h"

#include <glib/gi18n.h>

struct _VbBookingsPage
{
  AdwBin parent_instance;

  /* template */
  GtkStack       *stack;
  GtkLabel       *date_label;
  GtkToggleButton *day_toggle;
  GtkToggleButton *week_toggle;
  GtkWidget      *previous_button;
  GtkWidget      *next_button;
  VbBookingsWeek *week;
  GtkWidget      *day_group;
  GtkToggleButton *lane_bay_toggle;
  GtkToggleButton *lane_technician_toggle;
  GtkWidget      *booking_group;
  GtkWidget      *services_group;
  GtkWidget      *slots_group;
  GtkWidget      *book_box;
  AdwEntryRow    *customer_entry;
  GtkWidget      *customer_check;
  GtkLabel       *customer_status;
  GtkListBox     *customer_results;
  GtkDropDown    *location_dropdown;
  GtkLabel       *day_count;
  GtkListBox     *day_list;
  GtkWidget      *refused_group;
  GtkListBox     *refused_list;
  GtkWidget      *reschedule_box;
  GtkLabel       *reschedule_label;
  GtkWidget      *who_list;
  GtkDropDown    *vehicle_dropdown;
  GtkListBox     *services_list;
  GtkLabel       *slots_status;
  GtkBox         *slots_box;
  GtkWidget      *manual_list;
  AdwEntryRow    *time_row;
  GtkDropDown    *bay_dropdown;
  GtkLabel       *book_error;
  GtkButton      *book_button;

  VbClient           *client;
  VbCache            *cache;
  VbLiveConnection   *live;
  VbRecordList       *appointments;
  GtkFilterListModel *day_filtered;
  GtkSortListModel   *day_model;
  VbRecordList       *locations;
  VbRecordList       *customer_search;    /* only while a search is typed */
  GtkSliceListModel  *customer_top;
  VbRecordList       *customer_vehicles;  /* the chosen customer's */
  VbRecordList       *services;
  GtkFilterListModel *active_services;
  VbRecordList       *bays;
  GtkFilterListModel *active_bays;

  char         *location_id;
  char         *customer_id;         /* the chosen customer */
  gboolean      built;               /* the lists exist (first shown) */
  gboolean      week_mode;
  gboolean      by_technician;
  char         *default_location_id;
  gboolean      location_picked;     /* the user chose one in the drop-down */
  GTimeZone    *tz;
  GDateTime    *day;
  GHashTable   *chosen_services;   /* id → id */
  GPtrArray    *slots;             /* JsonObject: the server's answer */
  GPtrArray    *shown_slots;       /* JsonObject: minus what the cache says is taken */
  JsonObject   *chosen_slot;
  char         *rescheduling_id;
  char         *last_booking;
  GHashTable   *pending_actions;   /* appointment id → outbox seq (gint64 *) */
  GCancellable *fetch_cancellable;
  GHashTable   *technician_names;  /* user id → display name, from the shown days' shifts */
  GCancellable *names_cancellable;
  gboolean      fetching;
  gboolean      rebuilding;
};

G_DEFINE_FINAL_TYPE (VbBookingsPage, vb_bookings_page, ADW_TYPE_BIN)

static void fetch_slots (VbBookingsPage *self);
static void fetch_technician_names (VbBookingsPage *self);
static void show_slots (VbBookingsPage *self);
static void build_lists (VbBookingsPage *self);
static char **dup_chosen_services (VbBookingsPage *self);
static gboolean is_active (gpointer item, gpointer user_data);
static GtkWidget *create_service_row (gpointer item, gpointer user_data);
static void choose_location (VbBookingsPage *self);
static void cache_changed_cb (VbBookingsPage *self, const char * const *entities);
static void outbox_changed_cb (VbBookingsPage *self);

/* ---------------------------------------------------------- helpers --- */

static VbSyncEngine *
engine (VbBookingsPage *self)
{
  return self->client != NULL ? vb_client_get_sync_engine (self->client) : NULL;
}

static gboolean
online (VbBookingsPage *self)
{
  return self->client != NULL && vb_client_get_can_reach_server (self->client);
}

static const char *
row_string (JsonObject *row,
            const char *member)
{
  return row != NULL ? json_object_get_string_member_with_default (row, member, NULL) : NULL;
}

static VbRecord *
selected_record (GtkDropDown *dropdown)
{
  return gtk_drop_down_get_selected_item (dropdown);
}

static char *
dup_record_title (VbCache    *cache,
                  const char *entity,
                  const char *id)
{
  g_autoptr(JsonObject) row = cache != NULL && id != NULL ? vb_cache_get (cache, entity, id) : NULL;

  return row != NULL ? vb_record_title_for_row (entity, row) : NULL;
}

/* "09:00–09:45" of an appointment in the location's time. */
static char *
dup_span (VbBookingsPage *self,
          JsonObject     *row)
{
  g_autofree char *start = vb_desk_dup_appointment_start (row);
  g_autofree char *end = vb_booking_dup_appointment_end (row);
  g_autofree char *from = vb_booking_dup_time (start, self->tz);
  g_autofree char *to = vb_booking_dup_time (end, self->tz);

  if (from == NULL)
    return g_strdup ("");
  return to != NULL ? g_strdup_printf ("%s–%s", from, to) : g_strdup (from);
}

static gboolean
action_pending (VbBookingsPage *self,
                const char     *id)
{
  gint64 *seq = g_hash_table_lookup (self->pending_actions, id);
  g_autoptr(VbOutboxEntry) entry = NULL;

  if (seq == NULL || self->cache == NULL)
    return FALSE;
  entry = vb_cache_get_entry (self->cache, *seq);
  return entry != NULL && entry->state == VB_OUTBOX_PENDING;
}

/* The badge of an appointment row and its style class. */
static const char *
describe_badge (VbBookingsPage *self,
                JsonObject     *row,
                const char    **style)
{
  const char *status = row_string (row, "status");

  if (vb_desk_row_is_waiting (row) || action_pending (self, row_string (row, "id")))
    {
      *style = "warning";
      return _("Waiting to sync");
    }
  *style = g_strcmp0 (status, "booked") == 0 ? "accent"
           : g_strcmp0 (status, "checked_in") == 0 ? "success" : "dim-label";
  return vb_appointment_status_get_label (status);
}

/* ------------------------------------------------------------- day --- */

static gboolean
on_shown_day (gpointer item,
              gpointer user_data)
{
  VbBookingsPage *self = user_data;
  g_autofree char *start = vb_desk_dup_appointment_start (vb_record_get_row (item));

  return vb_booking_is_on_day (start, self->day);
}

static int
compare_starts (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  g_autofree char *sa = vb_desk_dup_appointment_start (vb_record_get_row ((gpointer) a));
  g_autofree char *sb = vb_desk_dup_appointment_start (vb_record_get_row ((gpointer) b));
  g_autoptr(GDateTime) da = sa != NULL ? g_date_time_new_from_iso8601 (sa, NULL) : NULL;
  g_autoptr(GDateTime) db = sb != NULL ? g_date_time_new_from_iso8601 (sb, NULL) : NULL;

  if (da == NULL || db == NULL)
    return (da == NULL) - (db == NULL);
  return g_date_time_compare (da, db);
}

/* The lane of an appointment: its bay (by name, as the bays list orders
 * them) or its technician.  The change feed has technician ids only; their
 * names come from the shown day's shifts (fetch_technician_names) and are
 * kept, so a technician never fetched is named by the id's start, the same
 * on every day and at every desk.  Named technicians come first, by name. */
static const char *
technician_name (VbBookingsPage *self,
                 const char     *user_id)
{
  return self->technician_names != NULL && user_id != NULL ? g_hash_table_lookup (self->technician_names, user_id)
                                                            : NULL;
}

static char *
dup_lane_key (VbBookingsPage *self,
              JsonObject     *row)
{
  const char *id = row_string (row, self->by_technician ? "technician_id" : "bay_id");
  guint position = G_MAXUINT;

  if (id == NULL)
    return g_strdup ("~");   /* no bay / no technician: last */
  if (self->by_technician)
    {
      const char *name = technician_name (self, id);
      g_autofree char *folded = name != NULL ? g_utf8_casefold (name, -1) : NULL;
      g_autofree char *collated = folded != NULL ? g_utf8_collate_key (folded, -1) : NULL;

      /* The id after the name keeps two namesakes apart. */
      return collated != NULL ? g_strdup_printf ("0%s%c%s", collated, 1, id) : g_strdup_printf ("1%s", id);
    }
  if (self->bays == NULL || vb_record_list_find (self->bays, id, &position) == NULL)
    return g_strdup_printf ("}%s", id);
  return g_strdup_printf ("%08u", position);
}

static char *
dup_lane_title (VbBookingsPage *self,
                JsonObject     *row)
{
  const char *id = row_string (row, self->by_technician ? "technician_id" : "bay_id");
  g_autofree char *bay = NULL;
  g_autofree char *shorter = NULL;

  if (self->by_technician)
    {
      const char *name;

      if (id == NULL)
        return g_strdup (_("No technician assigned"));
      name = technician_name (self, id);
      if (name != NULL)
        return g_strdup (name);
      shorter = g_strndup (id, 8);
      /* Translators: a lane of the day; the start of the technician's id (their name is not known yet: offline) */
      return g_strdup_printf (_("Technician %s"), shorter);
    }
  if (id == NULL)
    return g_strdup (_("No bay"));
  bay = dup_record_title (self->cache, "bays", id);
  return bay != NULL ? g_steal_pointer (&bay) : g_strdup (_("Bay"));
}

static int
compare_in_lanes (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  VbBookingsPage *self = user_data;
  g_autofree char *ka = dup_lane_key (self, vb_record_get_row ((gpointer) a));
  g_autofree char *kb = dup_lane_key (self, vb_record_get_row ((gpointer) b));
  int order = g_strcmp0 (ka, kb);

  return order != 0 ? order : compare_starts (a, b, NULL);
}

/* A heading above the first booking of each lane. */
static void
lane_header_cb (GtkListBoxRow *row,
                GtkListBoxRow *before,
                gpointer       user_data)
{
  VbBookingsPage *self = user_data;
  VbRecord *record = g_object_get_data (G_OBJECT (row), "vb-record");
  VbRecord *previous = before != NULL ? g_object_get_data (G_OBJECT (before), "vb-record") : NULL;
  g_autofree char *key = record != NULL ? dup_lane_key (self, vb_record_get_row (record)) : NULL;
  g_autofree char *previous_key = previous != NULL ? dup_lane_key (self, vb_record_get_row (previous)) : NULL;
  g_autofree char *title = NULL;
  GtkWidget *header;

  if (record == NULL || (previous != NULL && g_strcmp0 (key, previous_key) == 0))
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }
  title = dup_lane_title (self, vb_record_get_row (record));
  header = gtk_label_new (title);
  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_label_set_ellipsize (GTK_LABEL (header), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_add_css_class (header, "vb-lane-header");
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_end (header, 12);
  gtk_widget_set_margin_top (header, before != NULL ? 18 : 9);
  gtk_widget_set_margin_bottom (header, 9);
  gtk_list_box_row_set_header (row, header);
}

static GtkWidget *
create_day_row (gpointer item,
                gpointer user_data)
{
  VbBookingsPage *self = user_data;
  VbRecord *record = item;
  JsonObject *row = vb_record_get_row (record);
  GtkWidget *widget = adw_action_row_new ();
  GtkWidget *badge = gtk_label_new (NULL);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *span = dup_span (self, row);
  g_autofree char *customer = NULL;
  g_autofree char *bay = dup_record_title (self->cache, "bays", row_string (row, "bay_id"));
  g_autofree char *full_title = NULL;
  g_autofree char *full_subtitle = NULL;
  const char *describe_badge_text = NULL;
  const char *describe_style = NULL;
  const char *style = NULL;
  const char *badge_text = describe_badge (self, row, &style);
  gboolean can_change = g_strcmp0 (row_string (row, "status"), "booked") == 0 &&
                        vb_record_get_version (record) > 0;

  /* The customer, car and services as every other list says them. */
  vb_desk_describe_record (self->cache, record, VB_DESCRIBE_DEFAULT, &title, &subtitle,
                           &describe_badge_text, &describe_style);
  customer = dup_record_title (self->cache, "customers", row_string (row, "customer_id"));
  full_title = g_strdup_printf ("%s · %s", span, customer != NULL ? customer : _("Customer"));
  /* Translators: an appointment's car and services, then its bay */
  full_subtitle = bay != NULL ? g_strdup_printf (_("%s\n%s"), subtitle, bay) : g_strdup (subtitle);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (widget), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widget), full_title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (widget), full_subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (widget), 3);
  gtk_widget_set_name (widget, vb_record_get_id (record));
  g_object_set_data_full (G_OBJECT (widget), "vb-record", g_object_ref (record), g_object_unref);

  gtk_label_set_label (GTK_LABEL (badge), badge_text != NULL ? badge_text : "");
  gtk_widget_set_visible (badge, badge_text != NULL);
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (badge, "vb-badge");
  gtk_widget_add_css_class (badge, "caption-heading");
  if (style != NULL)
    gtk_widget_add_css_class (badge, style);
  adw_action_row_add_suffix (ADW_ACTION_ROW (widget), badge);

  if (can_change && !action_pending (self, vb_record_get_id (record)))
    {
      g_autoptr(GMenu) menu = g_menu_new ();
      GtkWidget *button = gtk_menu_button_new ();
      g_autoptr(GMenuItem) reschedule = g_menu_item_new (_("_Reschedule"), NULL);
      g_autoptr(GMenuItem) no_show = g_menu_item_new (_("Mark as _No-Show"), NULL);
      g_autoptr(GMenuItem) cancel = g_menu_item_new (_("_Cancel Booking"), NULL);

      g_menu_item_set_action_and_target (reschedule, "bookings.reschedule", "s", vb_record_get_id (record));
      g_menu_item_set_action_and_target (no_show, "bookings.no-show", "s", vb_record_get_id (record));
      g_menu_item_set_action_and_target (cancel, "bookings.cancel", "s", vb_record_get_id (record));
      g_menu_append_item (menu, reschedule);
      g_menu_append_item (menu, no_show);
      g_menu_append_item (menu, cancel);
      gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
      gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
      gtk_widget_set_tooltip_text (button, _("Change Booking"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "flat");
      adw_action_row_add_suffix (ADW_ACTION_ROW (widget), button);
    }
  if (can_change && !action_pending (self, vb_record_get_id (record)))
    {
      /* The car has arrived: the check-in dialog (VbCheckInDialog). */
      GtkWidget *check_in = gtk_button_new_with_mnemonic (_("Check _In"));

      gtk_actionable_set_action_name (GTK_ACTIONABLE (check_in), "win.check-in");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (check_in), "s", vb_record_get_id (record));
      gtk_widget_set_valign (check_in, GTK_ALIGN_CENTER);
      gtk_widget_set_name (check_in, "check_in_button");
      adw_action_row_add_suffix (ADW_ACTION_ROW (widget), check_in);
    }
  if (g_strcmp0 (row_string (row, "status"), "booked") != 0)
    gtk_widget_add_css_class (widget, "dim-label");
  return widget;
}

static void
update_day_count (VbBookingsPage *self)
{
  guint n = self->day_model != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->day_model)) : 0;
  g_autofree char *text = g_strdup_printf ("%u", n);

  gtk_label_set_label (self->day_count, text);
}

static void
bind_day (VbBookingsPage *self)
{
  gtk_list_box_bind_model (self->day_list, self->day_model != NULL ? G_LIST_MODEL (self->day_model) : NULL,
                           create_day_row, self, NULL);
  update_day_count (self);
}

static void
update_date_label (VbBookingsPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now (self->tz);
  g_autofree char *text = NULL;

  if (self->week_mode)
    {
      g_autoptr(GDateTime) monday = vb_booking_week_start (self->day);

      /* Translators: the Bookings page's heading for a week (its Monday), see g_date_time_format() */
      text = g_date_time_format (monday, _("Week of %-d %B %Y"));
    }
  else if (g_date_time_get_year (now) == g_date_time_get_year (self->day) &&
           g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (self->day))
    /* Translators: the Bookings page's heading for today, see g_date_time_format() */
    text = g_date_time_format (self->day, _("Today, %A %-d %B"));
  else
    /* Translators: the Bookings page's heading for another day, see g_date_time_format() */
    text = g_date_time_format (self->day, _("%A %-d %B %Y"));
  gtk_label_set_label (self->date_label, text);
}

static void
set_day (VbBookingsPage *self,
         GDateTime      *any_time)
{
  g_autoptr(GDateTime) there = g_date_time_to_timezone (any_time, self->tz);

  g_clear_pointer (&self->day, g_date_time_unref);
  self->day = g_date_time_new (self->tz, g_date_time_get_year (there), g_date_time_get_month (there),
                               g_date_time_get_day_of_month (there), 0, 0, 0);
  g_clear_pointer (&self->chosen_slot, json_object_unref);
  update_date_label (self);
  if (self->day_filtered != NULL)
    gtk_filter_changed (gtk_filter_list_model_get_filter (self->day_filtered), GTK_FILTER_CHANGE_DIFFERENT);
  fetch_slots (self);
  fetch_technician_names (self);
  vb_bookings_week_set_day (self->week, self->day);
}

static void
move_day_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  VbBookingsPage *self = VB_BOOKINGS_PAGE (widget);

  if (g_str_equal (action_name, "bookings.today"))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      set_day (self, now);
    }
  else
    {
      /* Noon, so a daylight-saving change never skips or repeats a day. */
      g_autoptr(GDateTime) noon = g_date_time_add_hours (self->day, 12);
      /* bookings.next/previous (the buttons, Alt+PageDown/Up): a day in
       * the day view, a week in the week view; bookings.next-day and
       * previous-day: always one day. */
      gboolean by_view = g_str_equal (action_name, "bookings.next") || g_str_equal (action_name, "bookings.previous");
      gboolean forward = g_str_equal (action_name, "bookings.next") || g_str_equal (action_name, "bookings.next-day");
      int step = by_view && self->week_mode ? 7 : 1;
      g_autoptr(GDateTime) other = g_date_time_add_days (noon, forward ? step : -step);

      set_day (self, other);
    }
}

/* ------------------------------------------------------------ week --- */

/* The week view (VbBookingsWeek) measures free time for the chosen
 * services, or the catalog's shortest. */
static void
update_week_services (VbBookingsPage *self)
{
  g_auto(GStrv) chosen = dup_chosen_services (self);

  vb_bookings_week_set_services (self->week, (const char * const *) chosen,
                                 self->active_services != NULL ? G_LIST_MODEL (self->active_services) : NULL);
}

static void
week_day_activated_cb (VbBookingsPage *self,
                       GDateTime      *day)
{
  g_autoptr(GDateTime) noon = g_date_time_add_hours (day, 12);

  /* The day, then the view: set_day fetches its slots once. */
  set_day (self, noon);
  gtk_toggle_button_set_active (self->day_toggle, TRUE);
}

void
vb_bookings_page_show_day (VbBookingsPage *self,
                           GDateTime      *day)
{
  g_return_if_fail (VB_IS_BOOKINGS_PAGE (self));
  g_return_if_fail (day != NULL);

  build_lists (self);
  set_day (self, day);
  gtk_toggle_button_set_active (self->day_toggle, TRUE);
}

guint
vb_bookings_page_get_week_booked (VbBookingsPage *self,
                                  GDateTime      *day)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), 0);
  g_return_val_if_fail (day != NULL, 0);

  return self->week_mode ? vb_bookings_week_get_booked (self->week, day) : 0;
}

/* Day or week, and the buttons and keys that move by one. */
static void
set_week_mode (VbBookingsPage *self,
               gboolean        week)
{
  if (self->week_mode == week)
    return;
  self->week_mode = week;
  /* Shown, the week asks for its free time; hidden, it stops. */
  gtk_widget_set_visible (GTK_WIDGET (self->week), week);
  gtk_widget_set_visible (self->day_group, !week);
  gtk_widget_set_visible (self->booking_group, !week);
  gtk_widget_set_visible (self->slots_group, !week);
  gtk_widget_set_visible (self->book_box, !week);
  gtk_widget_set_tooltip_text (self->previous_button, week ? _("Previous Week") : _("Previous Day"));
  gtk_widget_set_tooltip_text (self->next_button, week ? _("Next Week") : _("Next Day"));
  update_date_label (self);
}

static void
view_toggled_cb (VbBookingsPage *self)
{
  set_week_mode (self, gtk_toggle_button_get_active (self->week_toggle));
}

static void
relane (VbBookingsPage *self)
{
  if (self->day_model != NULL)
    gtk_sorter_changed (gtk_sort_list_model_get_sorter (self->day_model), GTK_SORTER_CHANGE_DIFFERENT);
  gtk_list_box_invalidate_headers (self->day_list);
}

static void
lanes_toggled_cb (VbBookingsPage *self)
{
  gboolean by_technician = gtk_toggle_button_get_active (self->lane_technician_toggle);

  if (by_technician == self->by_technician)
    return;
  self->by_technician = by_technician;
  relane (self);
}

/* ----------------------------------------------- technician names --- */

static void
shifts_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(VbBookingsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  JsonObject *object;
  JsonArray *items;
  gboolean learnt = FALSE;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->technician_names == NULL)
    return;
  g_clear_object (&self->names_cancellable);
  if (error != NULL)
    {
      /* The lanes keep the names known so far, or the ids' starts. */
      g_debug ("GET staff/shifts: %s", error->message);
      return;
    }
  object = JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  items = object != NULL && json_object_has_member (object, "items") &&
          JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "items"))
            ? json_object_get_array_member (object, "items") : NULL;
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    {
      JsonNode *node = json_array_get_element (items, i);
      const char *id, *name;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      id = row_string (json_node_get_object (node), "user_id");
      name = row_string (json_node_get_object (node), "user_name");
      if (id == NULL || name == NULL || name[0] == '\0' ||
          g_strcmp0 (g_hash_table_lookup (self->technician_names, id), name) == 0)
        continue;
      g_hash_table_replace (self->technician_names, g_strdup (id), g_strdup (name));
      learnt = TRUE;
    }
  if (learnt)
    relane (self);
}

/* The names of the technicians on shift at the location on the shown day
 * (the shifts' replies embed them), kept across days for offline use. */
static void
fetch_technician_names (VbBookingsPage *self)
{
  g_autoptr(GDateTime) next = NULL;
  g_autoptr(GDateTime) from = NULL;
  g_autoptr(GDateTime) to = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  g_autofree char *path = NULL;

  g_cancellable_cancel (self->names_cancellable);
  g_clear_object (&self->names_cancellable);
  if (self->client == NULL || self->location_id == NULL || self->day == NULL || !online (self))
    return;
  next = g_date_time_add_days (self->day, 1);
  from = g_date_time_to_utc (self->day);
  to = g_date_time_to_utc (next);
  from_text = g_date_time_format (from, "%Y-%m-%dT%H:%M:%SZ");
  to_text = g_date_time_format (to, "%Y-%m-%dT%H:%M:%SZ");
  path = g_strdup_printf ("/api/v1/staff/shifts?location_id=%s&from=%s&to=%s&limit=500",
                          self->location_id, from_text, to_text);
  self->names_cancellable = g_cancellable_new ();
  vb_api_client_request_async (vb_client_get_api (self->client), "GET", path, NULL, self->names_cancellable,
                               shifts_cb, g_object_ref (self));
}

/* --------------------------------------------------------- refused --- */

static void
update_refused (VbBookingsPage *self)
{
  g_autoptr(GPtrArray) problems = self->cache != NULL ? vb_cache_list_problems (self->cache) : NULL;
  GtkWidget *child;
  guint n = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->refused_list))) != NULL)
    gtk_list_box_remove (self->refused_list, child);
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      VbOutboxEntry *entry = g_ptr_array_index (problems, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *fields = NULL;
      GtkWidget *row;
      GtkWidget *badge;
      g_autofree char *reason = NULL;
      g_autofree char *field = NULL;
      g_autofree char *span = NULL;
      g_autofree char *customer = NULL;
      g_autofree char *title = NULL;
      g_autofree char *start = NULL;
      g_autoptr(GDateTime) at = NULL;
      g_autoptr(GDateTime) there = NULL;
      g_autofree char *date = NULL;

      if (g_strcmp0 (entry->entity, "appointments") != 0 || entry->kind != VB_CHANGE_CREATE ||
          entry->fields == NULL || !json_parser_load_from_data (parser, entry->fields, -1, NULL) ||
          !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        continue;
      fields = json_node_get_object (json_parser_get_root (parser));
      if (g_strcmp0 (row_string (fields, "location_id"), self->location_id) != 0)
        continue;
      start = vb_desk_dup_appointment_start (fields);
      at = start != NULL ? g_date_time_new_from_iso8601 (start, NULL) : NULL;
      there = at != NULL ? g_date_time_to_timezone (at, self->tz) : NULL;
      /* Translators: a refused booking's day and time, see g_date_time_format() */
      date = there != NULL ? g_date_time_format (there, _("%a %-d %b, %H:%M")) : g_strdup ("");
      customer = dup_record_title (self->cache, "customers", row_string (fields, "customer_id"));
      title = g_strdup_printf ("%s · %s", date, customer != NULL ? customer : _("Customer"));
      reason = vb_desk_dup_refusal (entry->reply, &field);
      span = g_strcmp0 (field, "starts_at") == 0 && entry->status == 409
             ? g_strdup (_("That slot was taken at another desk"))
             : g_strdup (reason);

      row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), span);
      gtk_widget_set_name (row, entry->record_id);
      badge = gtk_label_new (_("Refused"));
      gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (badge, "vb-badge");
      gtk_widget_add_css_class (badge, "caption-heading");
      gtk_widget_add_css_class (badge, "error");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
      gtk_list_box_append (self->refused_list, row);
      n++;
    }
  gtk_widget_set_visible (self->refused_group, n > 0);
}

/* ------------------------------------------------------- services --- */

static gboolean
is_active (gpointer item,
           gpointer user_data)
{
  JsonObject *row = vb_record_get_row (item);

  return !json_object_has_member (row, "active") || json_object_get_boolean_member (row, "active");
}

static void
service_toggled_cb (GtkCheckButton *check,
                    VbBookingsPage *self)
{
  const char *id = g_object_get_data (G_OBJECT (check), "vb-service-id");

  if (self->rebuilding)
    return;
  if (gtk_check_button_get_active (check))
    g_hash_table_add (self->chosen_services, g_strdup (id));
  else
    g_hash_table_remove (self->chosen_services, id);
  g_clear_pointer (&self->chosen_slot, json_object_unref);
  fetch_slots (self);
  update_week_services (self);
}

static GtkWidget *
create_service_row (gpointer item,
                    gpointer user_data)
{
  VbBookingsPage *self = user_data;
  JsonObject *row = vb_record_get_row (item);
  GtkWidget *widget = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();
  gint64 tenths = json_object_get_int_member_with_default (row, "standard_labor_tenths", 0);
  gint64 hv = json_object_get_int_member_with_default (row, "required_hv_level", 0);
  g_autofree char *minutes = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute", "%d minutes",
                                                           (gulong) (tenths * 6)), (int) (tenths * 6));
  g_autofree char *subtitle = hv > 0 ? g_strdup_printf (_("%s · high-voltage level %d"), minutes, (int) hv)
                                     : g_strdup (minutes);

  g_object_set_data_full (G_OBJECT (check), "vb-service-id", g_strdup (vb_record_get_id (item)), g_free);
  self->rebuilding = TRUE;
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check),
                               g_hash_table_contains (self->chosen_services, vb_record_get_id (item)));
  self->rebuilding = FALSE;
  g_signal_connect_object (check, "toggled", G_CALLBACK (service_toggled_cb), self, 0);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  adw_action_row_add_prefix (ADW_ACTION_ROW (widget), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (widget), check);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (widget), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widget), vb_record_get_string (item, "name"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (widget), subtitle);
  gtk_widget_set_name (widget, vb_record_get_id (item));
  return widget;
}

void
vb_bookings_page_set_service_chosen (VbBookingsPage *self,
                                     const char     *service_type_id,
                                     gboolean        chosen)
{
  g_return_if_fail (VB_IS_BOOKINGS_PAGE (self));

  build_lists (self);
  if (chosen == g_hash_table_contains (self->chosen_services, service_type_id))
    return;
  if (chosen)
    g_hash_table_add (self->chosen_services, g_strdup (service_type_id));
  else
    g_hash_table_remove (self->chosen_services, service_type_id);
  /* The check buttons follow. */
  gtk_list_box_bind_model (self->services_list,
                           self->active_services != NULL ? G_LIST_MODEL (self->active_services) : NULL,
                           create_service_row, self, NULL);
  g_clear_pointer (&self->chosen_slot, json_object_unref);
  fetch_slots (self);
  update_week_services (self);
}

static char **
dup_chosen_services (VbBookingsPage *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->chosen_services);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_strv_builder_add (builder, key);
  return g_strv_builder_end (builder);
}

/* ------------------------------------------------------- customer --- */

#define N_CUSTOMER_RESULTS 8

static void
update_vehicle_sensitivity (VbBookingsPage *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->vehicle_dropdown),
                            self->customer_vehicles != NULL &&
                            g_list_model_get_n_items (G_LIST_MODEL (self->customer_vehicles)) > 0);
}

static void
drop_customer_search (VbBookingsPage *self)
{
  gtk_list_box_bind_model (self->customer_results, NULL, NULL, NULL, NULL);
  if (self->customer_search != NULL)
    g_signal_handlers_disconnect_by_data (self->customer_search, self);
  g_clear_object (&self->customer_top);
  g_clear_object (&self->customer_search);
  gtk_widget_set_visible (GTK_WIDGET (self->customer_results), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->customer_status), FALSE);
}

/* The chosen customer (NULL: none) and their vehicles, read only for
 * them from the cache. */
static void
set_chosen_customer (VbBookingsPage *self,
                     const char     *customer_id)
{
  if (g_strcmp0 (self->customer_id, customer_id) == 0 &&
      (customer_id == NULL || self->customer_vehicles != NULL))
    return;
  g_free (self->customer_id);
  self->customer_id = g_strdup (customer_id);
  gtk_drop_down_set_model (self->vehicle_dropdown, NULL);
  if (self->customer_vehicles != NULL)
    g_signal_handlers_disconnect_by_data (self->customer_vehicles, self);
  g_clear_object (&self->customer_vehicles);
  if (customer_id != NULL && self->cache != NULL)
    {
      self->customer_vehicles = vb_record_list_new_where (self->cache, "vehicles", "customer_id", customer_id,
                                                          "plate", FALSE);
      gtk_drop_down_set_model (self->vehicle_dropdown, G_LIST_MODEL (self->customer_vehicles));
      g_signal_connect_object (self->customer_vehicles, "items-changed", G_CALLBACK (update_vehicle_sensitivity),
                               self, G_CONNECT_SWAPPED);
    }
  gtk_widget_set_visible (self->customer_check, customer_id != NULL);
  update_vehicle_sensitivity (self);
}

static GtkWidget *
create_customer_row (gpointer item,
                     gpointer user_data)
{
  VbBookingsPage *self = user_data;
  VbRecord *record = item;
  GtkWidget *widget = adw_action_row_new ();
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *badge = NULL;
  const char *style = NULL;

  vb_desk_describe_record (self->cache, record, VB_DESCRIBE_DEFAULT, &title, &subtitle, &badge, &style);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (widget), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (widget), title != NULL ? title : vb_record_get_title (record));
  if (subtitle != NULL)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (widget), subtitle);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (widget), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (widget), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_widget_set_name (widget, vb_record_get_id (record));
  return widget;
}

static void
update_customer_results (VbBookingsPage *self)
{
  guint n = self->customer_search != NULL ? g_list_model_get_n_items (G_LIST_MODEL (self->customer_search)) : 0;
  g_autofree char *text = NULL;

  if (self->customer_search == NULL)
    return;
  if (n == 0)
    /* Translators: the customer search found nothing; the search text */
    text = g_strdup_printf (_("No customer in this desk’s copy matches “%s”."),
                            vb_record_list_get_search (self->customer_search));
  else if (n > N_CUSTOMER_RESULTS)
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "The best %u of %u matches; type more to narrow them.",
                                         "The best %u of %u matches; type more to narrow them.", n),
                            N_CUSTOMER_RESULTS, n);
  gtk_label_set_label (self->customer_status, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->customer_status), text != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->customer_results), n > 0);
}

/* Typing searches the customers (the cache's search index); nothing is
 * listed before, so 100,000 customers cost nothing until asked for. */
static void
customer_entry_changed_cb (VbBookingsPage *self)
{
  g_autofree char *text = NULL;

  if (self->rebuilding)
    return;
  text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->customer_entry))));
  /* Typing again un-chooses the customer; the text stays. */
  set_chosen_customer (self, NULL);
  if (text[0] == '\0' || self->cache == NULL)
    {
      drop_customer_search (self);
      return;
    }
  if (self->customer_search != NULL)
    {
      vb_record_list_set_search (self->customer_search, text);
      update_customer_results (self);
      return;
    }
  self->customer_search = g_object_new (VB_TYPE_RECORD_LIST,
                                        "cache", self->cache,
                                        "entity", "customers",
                                        "order-field", "display_name",
                                        "search", text,
                                        NULL);
  self->customer_top = gtk_slice_list_model_new (G_LIST_MODEL (g_object_ref (self->customer_search)), 0,
                                                 N_CUSTOMER_RESULTS);
  g_signal_connect_object (self->customer_search, "items-changed", G_CALLBACK (update_customer_results), self,
                           G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->customer_results, G_LIST_MODEL (self->customer_top), create_customer_row, self,
                           NULL);
  update_customer_results (self);
}

/* Chooses the customer (the cache's), shows their name in the entry and
 * lists their vehicles; FALSE if the cache does not have them. */
static gboolean
choose_customer (VbBookingsPage *self,
                 const char     *customer_id)
{
  g_autofree char *title = dup_record_title (self->cache, "customers", customer_id);

  if (title == NULL)
    return FALSE;
  drop_customer_search (self);
  self->rebuilding = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->customer_entry), title);
  self->rebuilding = FALSE;
  set_chosen_customer (self, customer_id);
  gtk_label_set_label (self->book_error, "");
  return TRUE;
}

static void
customer_activated_cb (VbBookingsPage *self,
                       GtkListBoxRow  *row)
{
  if (choose_customer (self, gtk_widget_get_name (GTK_WIDGET (row))))
    gtk_widget_grab_focus (self->customer_vehicles != NULL &&
                           g_list_model_get_n_items (G_LIST_MODEL (self->customer_vehicles)) > 0
                           ? GTK_WIDGET (self->vehicle_dropdown) : GTK_WIDGET (self->services_list));
}

gboolean
vb_bookings_page_set_customer (VbBookingsPage *self,
                               const char     *customer_id,
                               const char     *vehicle_id)
{
  guint position;

  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), FALSE);

  if (customer_id == NULL || !choose_customer (self, customer_id))
    return FALSE;
  if (vehicle_id == NULL)
    return TRUE;
  if (self->customer_vehicles == NULL ||
      vb_record_list_find (self->customer_vehicles, vehicle_id, &position) == NULL)
    return FALSE;
  gtk_drop_down_set_selected (self->vehicle_dropdown, position);
  return TRUE;
}

gboolean
vb_bookings_page_search_customer (VbBookingsPage *self,
                                  const char     *text)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), FALSE);

  gtk_editable_set_text (GTK_EDITABLE (self->customer_entry), text != NULL ? text : "");
  return self->customer_search != NULL;
}

const char *
vb_bookings_page_get_customer (VbBookingsPage *self)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), NULL);
  return self->customer_id;
}

/* ---------------------------------------------------------- slots --- */

static void
set_slots_status (VbBookingsPage *self,
                  const char     *text)
{
  gtk_label_set_label (self->slots_status, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->slots_status), text != NULL && text[0] != '\0');
}

static gboolean
slot_is_taken (VbBookingsPage *self,
               JsonObject     *slot)
{
  for (guint i = 0; self->appointments != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->appointments)); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (G_LIST_MODEL (self->appointments), i);

      /* A booking being moved does not block its own new time. */
      if (g_strcmp0 (vb_record_get_id (record), self->rescheduling_id) == 0)
        continue;
      if (vb_booking_takes_slot (vb_record_get_row (record), slot))
        return TRUE;
    }
  return FALSE;
}

static gboolean
same_slot (JsonObject *a,
           JsonObject *b)
{
  return a != NULL && b != NULL &&
         g_strcmp0 (row_string (a, "starts_at"), row_string (b, "starts_at")) == 0 &&
         g_strcmp0 (row_string (a, "bay_id"), row_string (b, "bay_id")) == 0;
}

static void
slot_toggled_cb (GtkToggleButton *button,
                 VbBookingsPage  *self)
{
  JsonObject *slot = g_object_get_data (G_OBJECT (button), "vb-slot");

  /* The chosen slot stands out more than a pressed button does. */
  if (gtk_toggle_button_get_active (button))
    gtk_widget_add_css_class (GTK_WIDGET (button), "suggested-action");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (button), "suggested-action");
  if (self->rebuilding)
    return;
  if (gtk_toggle_button_get_active (button))
    {
      g_clear_pointer (&self->chosen_slot, json_object_unref);
      self->chosen_slot = json_object_ref (slot);
    }
  else if (same_slot (self->chosen_slot, slot))
    g_clear_pointer (&self->chosen_slot, json_object_unref);
  gtk_label_set_label (self->book_error, "");
}

/* Bays down, free start times across: the grid of the day. */
static void
show_slots (VbBookingsPage *self)
{
  GtkWidget *child;
  GtkFlowBox *flow = NULL;
  GtkToggleButton *group = NULL;
  const char *bay = NULL;
  gboolean chosen_kept = FALSE;
  g_autoptr(GPtrArray) sorted = NULL;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->slots_box))) != NULL)
    gtk_box_remove (self->slots_box, child);
  g_ptr_array_set_size (self->shown_slots, 0);

  /* The server orders by start, then bay name; the grid wants bay, then start. */
  sorted = g_ptr_array_new ();
  for (guint i = 0; i < self->slots->len; i++)
    if (!slot_is_taken (self, g_ptr_array_index (self->slots, i)))
      g_ptr_array_add (sorted, g_ptr_array_index (self->slots, i));
  for (guint i = 1; i < sorted->len; i++)
    for (guint j = i; j > 0; j--)
      {
        JsonObject *a = g_ptr_array_index (sorted, j - 1);
        JsonObject *b = g_ptr_array_index (sorted, j);

        if (g_strcmp0 (row_string (a, "bay_name"), row_string (b, "bay_name")) <= 0)
          break;
        sorted->pdata[j - 1] = b;
        sorted->pdata[j] = a;
      }

  self->rebuilding = TRUE;
  for (guint i = 0; i < sorted->len; i++)
    {
      JsonObject *slot = g_ptr_array_index (sorted, i);
      GtkWidget *button;
      g_autofree char *time = vb_booking_dup_time (row_string (slot, "starts_at"), self->tz);
      g_autofree char *end = vb_booking_dup_time (row_string (slot, "ends_at"), self->tz);
      g_autofree char *tooltip = NULL;

      if (flow == NULL || g_strcmp0 (bay, row_string (slot, "bay_id")) != 0)
        {
          GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
          GtkWidget *label = gtk_label_new (row_string (slot, "bay_name"));

          gtk_label_set_xalign (GTK_LABEL (label), 0);
          gtk_widget_add_css_class (label, "heading");
          flow = GTK_FLOW_BOX (gtk_flow_box_new ());
          gtk_flow_box_set_selection_mode (flow, GTK_SELECTION_NONE);
          gtk_flow_box_set_homogeneous (flow, TRUE);
          gtk_flow_box_set_min_children_per_line (flow, 4);
          gtk_flow_box_set_max_children_per_line (flow, 12);
          gtk_flow_box_set_column_spacing (flow, 6);
          gtk_flow_box_set_row_spacing (flow, 6);
          gtk_box_append (GTK_BOX (box), label);
          gtk_box_append (GTK_BOX (box), GTK_WIDGET (flow));
          gtk_box_append (self->slots_box, box);
          bay = row_string (slot, "bay_id");
        }
      button = gtk_toggle_button_new_with_label (time != NULL ? time : "");
      /* Translators: a free slot's tooltip: start–end, bay */
      tooltip = g_strdup_printf (_("%s–%s in %s"), time, end != NULL ? end : "", row_string (slot, "bay_name"));
      gtk_widget_set_tooltip_text (button, tooltip);
      gtk_widget_add_css_class (button, "numeric");
      g_object_set_data_full (G_OBJECT (button), "vb-slot", json_object_ref (slot),
                              (GDestroyNotify) json_object_unref);
      if (group == NULL)
        group = GTK_TOGGLE_BUTTON (button);
      else
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), group);
      g_signal_connect_object (button, "toggled", G_CALLBACK (slot_toggled_cb), self, 0);
      if (same_slot (self->chosen_slot, slot))
        {
          gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
          chosen_kept = TRUE;
        }
      gtk_flow_box_append (flow, button);
      g_ptr_array_add (self->shown_slots, json_object_ref (slot));
    }
  self->rebuilding = FALSE;
  /* The chosen slot was just taken (here or elsewhere): it is gone. */
  if (!chosen_kept)
    g_clear_pointer (&self->chosen_slot, json_object_unref);

  if (!online (self))
    set_slots_status (self, _("Free slots need the server; bookings made now are provisional. "
                              "Type a time and choose a bay: the server confirms or refuses it."));
  else if (g_hash_table_size (self->chosen_services) == 0)
    set_slots_status (self, _("Choose services to see the free slots."));
  else if (self->fetching && self->shown_slots->len == 0)
    set_slots_status (self, _("Looking for free slots…"));
  else if (self->shown_slots->len == 0)
    set_slots_status (self, _("No free slots on this day for these services."));
  else
    set_slots_status (self, NULL);
  gtk_widget_set_visible (self->manual_list, !online (self));
}

static void
availability_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VbBookingsPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  JsonObject *object;
  JsonArray *items;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->fetching = FALSE;
  g_ptr_array_set_size (self->slots, 0);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Free slots could not be read: %s"), error->message);

      g_debug ("GET availability: %s", error->message);
      show_slots (self);
      if (online (self))
        set_slots_status (self, text);
      return;
    }
  object = JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  items = object != NULL && json_object_has_member (object, "items") ? json_object_get_array_member (object, "items")
                                                                     : NULL;
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (items, i)))
      g_ptr_array_add (self->slots, json_object_ref (json_array_get_object_element (items, i)));
  show_slots (self);
}

static void
fetch_slots (VbBookingsPage *self)
{
  g_auto(GStrv) ids = NULL;
  g_autofree char *query = NULL;
  g_autofree char *date = NULL;
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;

  g_cancellable_cancel (self->fetch_cancellable);
  g_clear_object (&self->fetch_cancellable);
  self->fetching = FALSE;
  ids = dup_chosen_services (self);
  query = vb_booking_dup_service_query ((const char * const *) ids);
  if (self->client == NULL || self->location_id == NULL || query == NULL || !online (self))
    {
      g_ptr_array_set_size (self->slots, 0);
      show_slots (self);
      return;
    }
  date = g_date_time_format (self->day, "%Y-%m-%d");
  escaped = g_uri_escape_string (query, ",", FALSE);
  path = g_strdup_printf ("/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=%s",
                          self->location_id, escaped, date, date);
  self->fetch_cancellable = g_cancellable_new ();
  self->fetching = TRUE;
  /* The old slots stay until the answer, so the grid does not flicker. */
  show_slots (self);
  vb_api_client_request_async (vb_client_get_api (self->client), "GET", path, NULL, self->fetch_cancellable,
                               availability_cb, g_object_ref (self));
}

gboolean
vb_bookings_page_choose_slot (VbBookingsPage *self,
                              const char     *starts_at,
                              const char     *bay_id)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), FALSE);

  for (GtkWidget *box = gtk_widget_get_first_child (GTK_WIDGET (self->slots_box)); box != NULL;
       box = gtk_widget_get_next_sibling (box))
    {
      GtkWidget *flow = gtk_widget_get_last_child (box);

      for (GtkWidget *child = gtk_widget_get_first_child (flow); child != NULL;
           child = gtk_widget_get_next_sibling (child))
        {
          GtkWidget *button = gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child));
          JsonObject *slot = g_object_get_data (G_OBJECT (button), "vb-slot");

          if (g_strcmp0 (row_string (slot, "starts_at"), starts_at) == 0 &&
              g_strcmp0 (row_string (slot, "bay_id"), bay_id) == 0)
            {
              gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
              return TRUE;
            }
        }
    }
  return FALSE;
}

/* ---------------------------------------------------------- booking --- */

static void
book_failed (VbBookingsPage *self,
             const char     *message)
{
  gtk_label_set_label (self->book_error, message);
}

/* A typed start plus the chosen services' standard labor, rounded up to
 * 15 minutes (at least 15), as the server computes the end. */
static char *
dup_typed_end (VbBookingsPage *self,
               const char     *start)
{
  g_auto(GStrv) ids = NULL;
  g_autoptr(GDateTime) from = g_date_time_new_from_iso8601 (start, NULL);
  g_autoptr(GDateTime) to = NULL;
  gint64 tenths = 0;

  if (from == NULL || self->cache == NULL)
    return NULL;
  ids = dup_chosen_services (self);
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autoptr(JsonObject) service = vb_cache_get (self->cache, "service_types", ids[i]);

      if (service != NULL)
        tenths += json_object_get_int_member_with_default (service, "standard_labor_tenths", 0);
    }
  to = g_date_time_add_minutes (from, (int) MAX (15, (tenths * 6 + 14) / 15 * 15));
  return g_date_time_format_iso8601 (to);
}

/* The slot to book: the chosen free slot, or offline the typed time and
 * bay.  Sets the members of a booking or a move; FALSE with a message. */
static gboolean
fill_time (VbBookingsPage *self,
           JsonObject     *record)
{
  if (self->chosen_slot != NULL)
    {
      json_object_set_string_member (record, "starts_at", row_string (self->chosen_slot, "starts_at"));
      json_object_set_string_member (record, "ends_at", row_string (self->chosen_slot, "ends_at"));
      json_object_set_string_member (record, "bay_id", row_string (self->chosen_slot, "bay_id"));
      if (row_string (self->chosen_slot, "technician_id") != NULL)
        json_object_set_string_member (record, "technician_id", row_string (self->chosen_slot, "technician_id"));
      else
        json_object_set_null_member (record, "technician_id");
      return TRUE;
    }
  if (!online (self))
    {
      g_autofree char *start = vb_booking_dup_typed_start (gtk_editable_get_text (GTK_EDITABLE (self->time_row)),
                                                           self->day);
      VbRecord *bay = selected_record (self->bay_dropdown);
      g_autofree char *end = NULL;

      if (start == NULL)
        {
          book_failed (self, _("Type the time as hours and minutes, such as 09:30."));
          gtk_widget_grab_focus (GTK_WIDGET (self->time_row));
          return FALSE;
        }
      if (bay == NULL)
        {
          book_failed (self, _("Choose a bay."));
          return FALSE;
        }
      json_object_set_string_member (record, "starts_at", start);
      end = dup_typed_end (self, start);
      if (end != NULL)
        json_object_set_string_member (record, "ends_at", end);
      json_object_set_string_member (record, "bay_id", vb_record_get_id (bay));
      json_object_set_null_member (record, "technician_id");
      return TRUE;
    }
  book_failed (self, _("Choose a free slot."));
  return FALSE;
}

static void
stop_rescheduling (VbBookingsPage *self)
{
  g_clear_pointer (&self->rescheduling_id, g_free);
  gtk_widget_set_visible (self->reschedule_box, FALSE);
  gtk_widget_set_sensitive (self->who_list, TRUE);
  gtk_button_set_label (self->book_button, _("_Book"));
  show_slots (self);
}

static void
book_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VbBookingsPage *self = VB_BOOKINGS_PAGE (widget);
  g_autoptr(JsonObject) record = json_object_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) services = dup_chosen_services (self);
  VbRecord *vehicle = selected_record (self->vehicle_dropdown);
  VbSyncEngine *sync = engine (self);
  g_autoptr(JsonArray) service_ids = json_array_new ();
  gint64 seq;

  if (sync == NULL || self->location_id == NULL)
    return;
  gtk_label_set_label (self->book_error, "");

  if (self->rescheduling_id != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/appointments/%s", self->rescheduling_id);

      if (!fill_time (self, record))
        return;
      if (vb_sync_engine_update (sync, "appointments", self->rescheduling_id, path, record, &error) == 0)
        {
          book_failed (self, error->message);
          return;
        }
      g_clear_pointer (&self->chosen_slot, json_object_unref);
      stop_rescheduling (self);
      return;
    }

  if (self->customer_id == NULL)
    {
      book_failed (self, _("Choose a customer: type a name, phone or plate and pick them from the list."));
      gtk_widget_grab_focus (GTK_WIDGET (self->customer_entry));
      return;
    }
  if (services[0] == NULL)
    {
      book_failed (self, _("Choose at least one service."));
      return;
    }
  if (!fill_time (self, record))
    return;
  json_object_set_string_member (record, "location_id", self->location_id);
  json_object_set_string_member (record, "customer_id", self->customer_id);
  if (vehicle != NULL && g_strcmp0 (vb_record_get_string (vehicle, "customer_id"), self->customer_id) == 0)
    json_object_set_string_member (record, "vehicle_id", vb_record_get_id (vehicle));
  for (guint i = 0; services[i] != NULL; i++)
    json_array_add_string_element (service_ids, services[i]);
  json_object_set_array_member (record, "service_type_ids", g_steal_pointer (&service_ids));
  json_object_set_string_member (record, "status", "booked");
  json_object_set_string_member (record, "source", "desk");
  seq = vb_sync_engine_create (sync, "appointments", "/api/v1/appointments", record, &error);
  if (seq == 0)
    {
      book_failed (self, error->message);
      return;
    }
  g_free (self->last_booking);
  self->last_booking = g_strdup (json_object_get_string_member (record, "id"));
  g_clear_pointer (&self->chosen_slot, json_object_unref);
  gtk_editable_set_text (GTK_EDITABLE (self->time_row), "");
  show_slots (self);
}

static void
reschedule_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  VbBookingsPage *self = VB_BOOKINGS_PAGE (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  g_autoptr(JsonObject) row = self->cache != NULL ? vb_cache_get (self->cache, "appointments", id) : NULL;
  g_autofree char *span = NULL;
  g_autofree char *customer = NULL;
  g_autofree char *text = NULL;
  JsonArray *ids;

  if (row == NULL)
    return;
  g_free (self->rescheduling_id);
  self->rescheduling_id = g_strdup (id);
  /* The free slots of this booking's services. */
  g_hash_table_remove_all (self->chosen_services);
  ids = json_object_has_member (row, "service_type_ids") &&
        JSON_NODE_HOLDS_ARRAY (json_object_get_member (row, "service_type_ids"))
        ? json_object_get_array_member (row, "service_type_ids") : NULL;
  for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
    g_hash_table_add (self->chosen_services, g_strdup (json_array_get_string_element (ids, i)));
  gtk_list_box_bind_model (self->services_list,
                           self->active_services != NULL ? G_LIST_MODEL (self->active_services) : NULL,
                           create_service_row, self, NULL);
  span = dup_span (self, row);
  customer = dup_record_title (self->cache, "customers", row_string (row, "customer_id"));
  /* Translators: shown while choosing a new time for a booking */
  text = g_strdup_printf (_("Choose a new time for %s · %s, then Move Booking."), span,
                          customer != NULL ? customer : _("Customer"));
  gtk_label_set_label (self->reschedule_label, text);
  gtk_widget_set_visible (self->reschedule_box, TRUE);
  gtk_widget_set_sensitive (self->who_list, FALSE);
  gtk_button_set_label (self->book_button, _("_Move Booking"));
  g_clear_pointer (&self->chosen_slot, json_object_unref);
  fetch_slots (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->slots_box));
}

static void
stop_reschedule_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  stop_rescheduling (VB_BOOKINGS_PAGE (widget));
}

typedef struct
{
  VbBookingsPage *self;
  char           *id;
  char           *path;
} StateMove;

static void
state_move_free (StateMove *move)
{
  g_object_unref (move->self);
  g_free (move->id);
  g_free (move->path);
  g_free (move);
}

static void
confirm_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     StateMove        *move)
{
  VbBookingsPage *self = move->self;
  VbSyncEngine *sync = engine (self);
  g_autoptr(GError) error = NULL;
  gint64 seq;

  if (!g_str_equal (response, "confirm") || sync == NULL || self->cache == NULL)
    return;
  /* No "version" (it is optional): the server checks the state, and this
   * desk's own move a moment ago (applied, not pulled yet) must not make
   * its cancel look stale. */
  seq = vb_sync_engine_action (sync, "appointments", move->id, "POST", move->path, NULL, &error);
  if (seq == 0)
    {
      book_failed (self, error->message);
      return;
    }
  g_hash_table_insert (self->pending_actions, g_strdup (move->id), g_memdup2 (&seq, sizeof seq));
  bind_day (self);
}

static void
state_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  VbBookingsPage *self = VB_BOOKINGS_PAGE (widget);
  const char *id = g_variant_get_string (parameter, NULL);
  gboolean cancel = g_str_equal (action_name, "bookings.cancel");
  g_autoptr(JsonObject) row = self->cache != NULL ? vb_cache_get (self->cache, "appointments", id) : NULL;
  g_autofree char *span = NULL;
  g_autofree char *customer = NULL;
  g_autofree char *body = NULL;
  StateMove *move;
  AdwMessageDialog *dialog;

  if (row == NULL)
    return;
  span = dup_span (self, row);
  customer = dup_record_title (self->cache, "customers", row_string (row, "customer_id"));
  body = cancel
         /* Translators: the booking's time and customer */
         ? g_strdup_printf (_("%s · %s. The slot becomes free for other bookings."), span,
                            customer != NULL ? customer : _("Customer"))
         : g_strdup_printf (_("%s · %s did not come. The slot becomes free for other bookings."), span,
                            customer != NULL ? customer : _("Customer"));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                                       cancel ? _("Cancel This Booking?")
                                                              : _("Mark as No-Show?"),
                                                       body));
  adw_message_dialog_add_responses (dialog, "keep", _("_Keep Booking"),
                                    "confirm", cancel ? _("_Cancel Booking") : _("Mark as _No-Show"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "confirm", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "keep");
  adw_message_dialog_set_close_response (dialog, "keep");
  move = g_new0 (StateMove, 1);
  move->self = g_object_ref (self);
  move->id = g_strdup (id);
  move->path = g_strdup_printf ("/api/v1/appointments/%s/%s", id, cancel ? "cancel" : "no-show");
  g_signal_connect_data (dialog, "response", G_CALLBACK (confirm_response_cb), move,
                         (GClosureNotify) (void (*) (void)) state_move_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ------------------------------------------------------- location --- */

static void
set_location (VbBookingsPage *self,
              const char     *location_id)
{
  g_autoptr(JsonObject) location = NULL;
  const char *zone;

  if (g_strcmp0 (self->location_id, location_id) == 0 && self->appointments != NULL)
    return;
  g_free (self->location_id);
  self->location_id = g_strdup (location_id);
  location = self->cache != NULL && location_id != NULL ? vb_cache_get (self->cache, "locations", location_id) : NULL;
  zone = row_string (location, "time_zone");
  g_clear_pointer (&self->tz, g_time_zone_unref);
  self->tz = zone != NULL ? g_time_zone_new_identifier (zone) : NULL;
  if (self->tz == NULL)
    self->tz = g_time_zone_new_local ();

  gtk_list_box_bind_model (self->day_list, NULL, NULL, NULL, NULL);
  if (self->day_model != NULL)
    g_signal_handlers_disconnect_by_data (self->day_model, self);
  g_clear_object (&self->day_model);
  g_clear_object (&self->day_filtered);
  g_clear_object (&self->appointments);
  gtk_drop_down_set_model (self->bay_dropdown, NULL);
  g_clear_object (&self->active_bays);
  g_clear_object (&self->bays);

  if (self->cache != NULL && location_id != NULL)
    {
      self->appointments = vb_record_list_new (self->cache, "appointments", location_id, "during", FALSE);
      /* A booking here, pulled from another desk or moved hides its slot
       * at once (the list, not the cache's ::changed: the list has been
       * re-read by then). */
      g_signal_connect_object (self->appointments, "items-changed", G_CALLBACK (show_slots), self,
                               G_CONNECT_SWAPPED);
      self->day_filtered = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->appointments)),
                                                      GTK_FILTER (gtk_custom_filter_new (on_shown_day, self, NULL)));
      self->day_model = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->day_filtered)),
                                                 GTK_SORTER (gtk_custom_sorter_new (compare_in_lanes, self, NULL)));
      g_signal_connect_object (self->day_model, "items-changed", G_CALLBACK (update_day_count), self,
                               G_CONNECT_SWAPPED);
      self->bays = vb_record_list_new (self->cache, "bays", location_id, "name", FALSE);
      self->active_bays = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->bays)),
                                                     GTK_FILTER (gtk_custom_filter_new (is_active, NULL, NULL)));
      gtk_drop_down_set_model (self->bay_dropdown, G_LIST_MODEL (self->active_bays));
    }
  vb_bookings_week_set_location (self->week, self->location_id, self->tz,
                                 self->appointments != NULL ? G_LIST_MODEL (self->appointments) : NULL,
                                 self->active_bays != NULL ? G_LIST_MODEL (self->active_bays) : NULL);
  bind_day (self);
  update_refused (self);
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    set_day (self, now);
  }
}

static void
location_selected_cb (VbBookingsPage *self)
{
  VbRecord *location = selected_record (self->location_dropdown);

  if (location != NULL && !self->rebuilding)
    {
      self->location_picked = TRUE;
      set_location (self, vb_record_get_id (location));
    }
}

/* The user's first location from /me that the cache has, else the
 * cache's first. */
static void
choose_location (VbBookingsPage *self)
{
  VbSession *session = self->client != NULL ? vb_client_get_session (self->client) : NULL;
  JsonObject *user = session != NULL ? vb_session_get_user (session) : NULL;
  GListModel *model = self->locations != NULL ? G_LIST_MODEL (self->locations) : NULL;
  guint n = model != NULL ? g_list_model_get_n_items (model) : 0;
  guint chosen = 0;

  gtk_widget_set_visible (GTK_WIDGET (self->location_dropdown), n > 1);
  if (n == 0)
    {
      set_location (self, NULL);
      return;
    }
  if (self->location_id != NULL && vb_record_list_find (self->locations, self->location_id, &chosen) != NULL)
    ;
  else if (self->default_location_id != NULL &&
           vb_record_list_find (self->locations, self->default_location_id, &chosen) != NULL)
    ;
  else if (user != NULL && json_object_has_member (user, "roles") &&
           JSON_NODE_HOLDS_ARRAY (json_object_get_member (user, "roles")))
    {
      JsonArray *roles = json_object_get_array_member (user, "roles");

      for (guint i = 0; i < json_array_get_length (roles); i++)
        {
          JsonNode *role = json_array_get_element (roles, i);
          const char *id = JSON_NODE_HOLDS_OBJECT (role) ? row_string (json_node_get_object (role), "location_id")
                                                         : NULL;

          if (id != NULL && vb_record_list_find (self->locations, id, &chosen) != NULL)
            break;
          chosen = 0;
        }
    }
  self->rebuilding = TRUE;
  gtk_drop_down_set_selected (self->location_dropdown, chosen);
  self->rebuilding = FALSE;
  {
    g_autoptr(VbRecord) location = g_list_model_get_item (model, chosen);

    set_location (self, vb_record_get_id (location));
  }
}

/* ---------------------------------------------------------- cache --- */

static void
cache_changed_cb (VbBookingsPage     *self,
                  const char * const *entities)
{
  if (entities == NULL)
    return;
  if (g_strv_contains (entities, "locations") && self->location_id == NULL && self->built)
    choose_location (self);
  if (g_strv_contains (entities, "customers") || g_strv_contains (entities, "vehicles") ||
      g_strv_contains (entities, "service_types") || g_strv_contains (entities, "bays"))
    bind_day (self);
}

static void
outbox_changed_cb (VbBookingsPage *self)
{
  update_refused (self);
  bind_day (self);
}

static void
live_changes_cb (VbLiveConnection   *live,
                 gint64              seq,
                 const char * const *entities,
                 VbBookingsPage     *self)
{
  /* The week view follows the same wake-ups itself. */
  if (entities == NULL || g_strv_contains (entities, "appointments"))
    fetch_slots (self);
}

static void
detach_cache (VbBookingsPage *self)
{
  g_cancellable_cancel (self->fetch_cancellable);
  g_clear_object (&self->fetch_cancellable);
  g_cancellable_cancel (self->names_cancellable);
  g_clear_object (&self->names_cancellable);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  gtk_list_box_bind_model (self->services_list, NULL, NULL, NULL, NULL);
  drop_customer_search (self);
  set_chosen_customer (self, NULL);
  self->rebuilding = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->customer_entry), "");
  gtk_drop_down_set_model (self->location_dropdown, NULL);
  self->rebuilding = FALSE;
  g_clear_object (&self->active_services);
  update_week_services (self);
  g_clear_object (&self->services);
  g_clear_object (&self->locations);
  g_clear_object (&self->cache);
  g_clear_pointer (&self->location_id, g_free);
  self->location_picked = FALSE;
  self->built = FALSE;
  g_hash_table_remove_all (self->pending_actions);
}

/* The lists, built when the page is first shown (not when the desk
 * starts): the locations, the service catalog and the location's
 * appointments and bays.  Customers and vehicles are never listed whole. */
static void
build_lists (VbBookingsPage *self)
{
  if (self->built || self->cache == NULL)
    return;
  self->built = TRUE;
  self->locations = vb_record_list_new (self->cache, "locations", NULL, "name", FALSE);
  self->rebuilding = TRUE;
  gtk_drop_down_set_model (self->location_dropdown, G_LIST_MODEL (self->locations));
  self->rebuilding = FALSE;
  self->services = vb_record_list_new (self->cache, "service_types", NULL, "name", FALSE);
  self->active_services = gtk_filter_list_model_new (G_LIST_MODEL (g_object_ref (self->services)),
                                                     GTK_FILTER (gtk_custom_filter_new (is_active, NULL, NULL)));
  gtk_list_box_bind_model (self->services_list, G_LIST_MODEL (self->active_services),
                           create_service_row, self, NULL);
  update_week_services (self);
  choose_location (self);
}

static void
page_map_cb (VbBookingsPage *self)
{
  build_lists (self);
}

static void
client_cache_cb (VbBookingsPage *self)
{
  VbCache *cache = self->client != NULL ? vb_client_get_cache (self->client) : NULL;
  GtkExpression *title = gtk_property_expression_new (VB_TYPE_RECORD, NULL, "title");

  if (cache == self->cache)
    {
      gtk_expression_unref (title);
      return;
    }
  detach_cache (self);
  self->cache = cache != NULL ? g_object_ref (cache) : NULL;
  gtk_drop_down_set_expression (self->vehicle_dropdown, title);
  gtk_drop_down_set_expression (self->location_dropdown, title);
  gtk_drop_down_set_expression (self->bay_dropdown, title);
  gtk_expression_unref (title);

  if (cache != NULL)
    {
      g_signal_connect_object (cache, "changed", G_CALLBACK (cache_changed_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (cache, "outbox-changed", G_CALLBACK (outbox_changed_cb), self, G_CONNECT_SWAPPED);
    }
  if (cache == NULL)
    set_location (self, NULL);
  else if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    build_lists (self);
  update_vehicle_sensitivity (self);
  gtk_stack_set_visible_child_name (self->stack, cache != NULL ? "day" : "empty");
}

/* The week view follows can-reach-server itself. */
static void
can_reach_cb (VbBookingsPage *self)
{
  fetch_slots (self);
  fetch_technician_names (self);
}

void
vb_bookings_page_set_client (VbBookingsPage *self,
                             VbClient       *client)
{
  g_return_if_fail (VB_IS_BOOKINGS_PAGE (self));

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->live != NULL)
    g_signal_handlers_disconnect_by_data (self->live, self);
  g_clear_object (&self->live);
  g_set_object (&self->client, client);
  vb_bookings_week_set_client (self->week, client);
  if (client != NULL)
    {
      self->live = g_object_ref (vb_client_get_live (client));
      g_signal_connect_object (client, "notify::cache", G_CALLBACK (client_cache_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (can_reach_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->live, "changes", G_CALLBACK (live_changes_cb), self, 0);
    }
  client_cache_cb (self);
}

void
vb_bookings_page_set_default_location (VbBookingsPage *self,
                                       const char     *location_id)
{
  guint position;

  g_return_if_fail (VB_IS_BOOKINGS_PAGE (self));

  if (location_id != NULL && location_id[0] == '\0')
    location_id = NULL;
  if (g_strcmp0 (self->default_location_id, location_id) == 0)
    return;
  g_free (self->default_location_id);
  self->default_location_id = g_strdup (location_id);
  /* Not opened on a location the user picked yet: show the preferred one. */
  if (location_id == NULL || self->location_picked || self->locations == NULL ||
      vb_record_list_find (self->locations, location_id, &position) == NULL)
    return;
  self->rebuilding = TRUE;
  gtk_drop_down_set_selected (self->location_dropdown, position);
  self->rebuilding = FALSE;
  set_location (self, location_id);
}

/* ------------------------------------------------------- accessors --- */

GListModel *
vb_bookings_page_get_day (VbBookingsPage *self)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), NULL);
  build_lists (self);
  return self->day_model != NULL ? G_LIST_MODEL (self->day_model) : NULL;
}

GDateTime *
vb_bookings_page_get_date (VbBookingsPage *self)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), NULL);
  return self->day;
}

guint
vb_bookings_page_get_n_slots (VbBookingsPage *self)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), 0);
  return self->shown_slots->len;
}

JsonObject *
vb_bookings_page_get_slot (VbBookingsPage *self,
                           guint           position)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), NULL);
  g_return_val_if_fail (position < self->shown_slots->len, NULL);
  return g_ptr_array_index (self->shown_slots, position);
}

gboolean
vb_bookings_page_is_fetching (VbBookingsPage *self)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), FALSE);
  return self->fetching;
}

const char *
vb_bookings_page_get_slots_status (VbBookingsPage *self)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), NULL);
  return gtk_label_get_label (self->slots_status);
}

const char *
vb_bookings_page_get_last_booking (VbBookingsPage *self)
{
  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), NULL);
  return self->last_booking;
}

const char *
vb_bookings_page_get_badge (VbBookingsPage *self,
                            const char     *appointment_id)
{
  VbRecord *record;
  const char *style = NULL;

  g_return_val_if_fail (VB_IS_BOOKINGS_PAGE (self), NULL);

  record = self->appointments != NULL ? vb_record_list_find (self->appointments, appointment_id, NULL) : NULL;
  return record != NULL ? describe_badge (self, vb_record_get_row (record), &style) : NULL;
}

/* ---------------------------------------------------------- set-up --- */

static void
vb_bookings_page_dispose (GObject *object)
{
  VbBookingsPage *self = VB_BOOKINGS_PAGE (object);

  vb_bookings_page_set_client (self, NULL);
  set_location (self, NULL);
  g_clear_pointer (&self->chosen_slot, json_object_unref);
  g_clear_pointer (&self->rescheduling_id, g_free);
  g_clear_pointer (&self->last_booking, g_free);
  g_clear_pointer (&self->default_location_id, g_free);
  g_clear_pointer (&self->customer_id, g_free);
  g_clear_pointer (&self->day, g_date_time_unref);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  g_clear_pointer (&self->shown_slots, g_ptr_array_unref);
  g_clear_pointer (&self->chosen_services, g_hash_table_unref);
  g_clear_pointer (&self->pending_actions, g_hash_table_unref);
  g_clear_pointer (&self->technician_names, g_hash_table_unref);
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_BOOKINGS_PAGE);
  G_OBJECT_CLASS (vb_bookings_page_parent_class)->dispose (object);
}

static void
vb_bookings_page_class_init (VbBookingsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_bookings_page_dispose;

  g_type_ensure (VB_TYPE_BOOKINGS_WEEK);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-bookings-page.ui");
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, date_label);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, location_dropdown);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, day_count);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, day_list);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, refused_group);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, refused_list);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, reschedule_box);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, reschedule_label);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, who_list);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, customer_entry);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, customer_check);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, customer_status);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, customer_results);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, day_toggle);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, week_toggle);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, previous_button);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, next_button);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, week);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, day_group);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, lane_bay_toggle);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, lane_technician_toggle);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, booking_group);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, services_group);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, slots_group);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, book_box);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, vehicle_dropdown);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, services_list);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, slots_status);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, slots_box);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, manual_list);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, time_row);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, bay_dropdown);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, book_error);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsPage, book_button);

  gtk_widget_class_install_action (widget_class, "bookings.previous-day", NULL, move_day_action);
  gtk_widget_class_install_action (widget_class, "bookings.next-day", NULL, move_day_action);
  gtk_widget_class_install_action (widget_class, "bookings.today", NULL, move_day_action);
  gtk_widget_class_install_action (widget_class, "bookings.previous", NULL, move_day_action);
  gtk_widget_class_install_action (widget_class, "bookings.next", NULL, move_day_action);
  gtk_widget_class_install_action (widget_class, "bookings.book", NULL, book_action);
  gtk_widget_class_install_action (widget_class, "bookings.reschedule", "s", reschedule_action);
  gtk_widget_class_install_action (widget_class, "bookings.stop-reschedule", NULL, stop_reschedule_action);
  gtk_widget_class_install_action (widget_class, "bookings.cancel", "s", state_action);
  gtk_widget_class_install_action (widget_class, "bookings.no-show", "s", state_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Up, GDK_ALT_MASK, "bookings.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Page_Down, GDK_ALT_MASK, "bookings.next", NULL);
}

static void
vb_bookings_page_init (VbBookingsPage *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->chosen_services = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending_actions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->technician_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->shown_slots = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->tz = g_time_zone_new_local ();
  self->day = g_date_time_new (self->tz, g_date_time_get_year (now), g_date_time_get_month (now),
                               g_date_time_get_day_of_month (now), 0, 0, 0);
  update_date_label (self);
  g_signal_connect_object (self->location_dropdown, "notify::selected", G_CALLBACK (location_selected_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->customer_entry, "changed", G_CALLBACK (customer_entry_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->customer_results, "row-activated", G_CALLBACK (customer_activated_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->week_toggle, "toggled", G_CALLBACK (view_toggled_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->week, "day-activated", G_CALLBACK (week_day_activated_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->lane_technician_toggle, "toggled", G_CALLBACK (lanes_toggled_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_list_box_set_header_func (self->day_list, lane_header_cb, self, NULL);
  g_signal_connect (self, "map", G_CALLBACK (page_map_cb), NULL);
  update_vehicle_sensitivity (self);
  show_slots (self);
}
