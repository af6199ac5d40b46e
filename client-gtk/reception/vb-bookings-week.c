/* vb-bookings-week.c — the Bookings page's week view: days across, bays
 * down; each day's button counts its bookings and opens it
 * (::day-activated), each cell says a bay's bookings and free time that
 * day.
 *
 * Bookings come from the location's appointments in the offline cache
 * (the page's list, shared, so a booking shows at once); free time is the
 * server's (GET /api/v1/availability, Monday to Sunday, for the chosen
 * services or else the catalog's shortest), asked only while the week is
 * shown, again on every live wake-up that names appointments, and minus
 * what the cache says is taken.  Offline the bookings stay and the status
 * line says free time needs the server.
 *
 * The setters are called in bursts (a new location comes with a new day),
 * so the request is made once, from an idle, for the last of them.  The
 * grid is rebuilt only when what it says changed, so a refresh that
 * changes nothing keeps it (and the focus in it).
 */
#include "vb-bookings-week.h"
#include "vb-api-client.h"
#include "vb-booking-presentation.h"
#include "vb-desk-presentation.h"
#include "vb-live-connection.h"
#include "vb-record-list.h"

#include <glib/gi18n.h>
#include <string.h>

struct _VbBookingsWeek
{
  AdwBin parent_instance;

  /* template */
  GtkLabel         *status;
  GtkGrid          *grid;

  VbClient         *client;
  VbLiveConnection *live;
  char             *location_id;
  GTimeZone        *tz;
  GListModel       *appointments;
  GListModel       *bays;
  GDateTime        *day;
  GStrv             chosen;           /* the chosen services' ids */
  GListModel       *catalog;          /* the active services */
  GPtrArray        *slots;            /* JsonObject: the week's answer */
  char             *signature;        /* what the grid shows, so an unchanged refresh keeps it (and focus) */
  char             *probe;            /* the service the week's free time is for, when none is chosen */
  char             *query;            /* the slots' request */
  GCancellable     *cancellable;
  gboolean          fetching;
  guint             fetch_source;
};

G_DEFINE_FINAL_TYPE (VbBookingsWeek, vb_bookings_week, ADW_TYPE_BIN)

enum
{
  DAY_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void show_week (VbBookingsWeek *self);

/* ---------------------------------------------------------- helpers --- */

static gboolean
online (VbBookingsWeek *self)
{
  return self->client != NULL && vb_client_get_can_reach_server (self->client);
}

static const char *
row_string (JsonObject *row,
            const char *member)
{
  return row != NULL ? json_object_get_string_member_with_default (row, member, NULL) : NULL;
}

static gboolean
counts_as_booked (JsonObject *row)
{
  const char *status = row_string (row, "status");

  return g_strcmp0 (status, "booked") == 0 || g_strcmp0 (status, "checked_in") == 0;
}

/* ------------------------------------------------------------ fetch --- */

/* The service the week's free time is measured for: the chosen ones, or
 * else the catalog's shortest (the smallest job that still fits). */
static char **
dup_week_services (VbBookingsWeek *self)
{
  g_autoptr(VbRecord) shortest = NULL;
  gint64 least = G_MAXINT64;

  g_clear_pointer (&self->probe, g_free);
  if (self->chosen != NULL && self->chosen[0] != NULL)
    return g_strdupv (self->chosen);
  for (guint i = 0; self->catalog != NULL && i < g_list_model_get_n_items (self->catalog); i++)
    {
      g_autoptr(VbRecord) service = g_list_model_get_item (self->catalog, i);
      JsonObject *row = vb_record_get_row (service);
      gint64 tenths = json_object_get_int_member_with_default (row, "standard_labor_tenths", 0);

      if (json_object_get_int_member_with_default (row, "required_hv_level", 0) > 0 || tenths >= least)
        continue;
      least = tenths;
      g_set_object (&shortest, service);
    }
  if (shortest == NULL)
    return NULL;
  self->probe = g_strdup (vb_record_get_string (shortest, "name"));
  return g_strdupv ((char *[]) { (char *) vb_record_get_id (shortest), NULL });
}

static void
availability_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(VbBookingsWeek) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = vb_api_client_request_finish (VB_API_CLIENT (source), result, &error);
  JsonObject *object;
  JsonArray *items;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->slots == NULL)
    return;
  self->fetching = FALSE;
  g_ptr_array_set_size (self->slots, 0);
  if (error != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Free time could not be read: %s"), error->message);

      show_week (self);
      gtk_label_set_label (self->status, text);
      return;
    }
  object = JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL;
  items = object != NULL && json_object_has_member (object, "items") ? json_object_get_array_member (object, "items")
                                                                     : NULL;
  for (guint i = 0; items != NULL && i < json_array_get_length (items); i++)
    if (JSON_NODE_HOLDS_OBJECT (json_array_get_element (items, i)))
      g_ptr_array_add (self->slots, json_object_ref (json_array_get_object_element (items, i)));
  show_week (self);
}

static void
cancel_fetch (VbBookingsWeek *self)
{
  g_clear_handle_id (&self->fetch_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->fetching = FALSE;
}

/* The week's free slots (GET /api/v1/availability, Monday to Sunday),
 * only while the week is shown. */
static void
fetch_week (VbBookingsWeek *self)
{
  g_auto(GStrv) ids = NULL;
  g_autofree char *query = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GDateTime) monday = NULL;
  g_autoptr(GDateTime) sunday = NULL;

  cancel_fetch (self);
  if (!gtk_widget_get_visible (GTK_WIDGET (self)) || self->day == NULL)
    return;
  ids = dup_week_services (self);
  query = ids != NULL ? vb_booking_dup_service_query ((const char * const *) ids) : NULL;
  if (self->client == NULL || self->location_id == NULL || query == NULL || !online (self))
    {
      g_ptr_array_set_size (self->slots, 0);
      show_week (self);
      return;
    }
  monday = vb_booking_week_start (self->day);
  sunday = g_date_time_add_days (monday, 6);
  from = g_date_time_format (monday, "%Y-%m-%d");
  to = g_date_time_format (sunday, "%Y-%m-%d");
  escaped = g_uri_escape_string (query, ",", FALSE);
  path = g_strdup_printf ("/api/v1/availability?location_id=%s&service_type_ids=%s&from=%s&to=%s",
                          self->location_id, escaped, from, to);
  /* Another week, location or services: the old answer is not this one's. */
  if (g_strcmp0 (path, self->query) != 0)
    g_ptr_array_set_size (self->slots, 0);
  g_free (self->query);
  self->query = g_strdup (path);
  self->cancellable = g_cancellable_new ();
  self->fetching = TRUE;
  show_week (self);
  vb_api_client_request_async (vb_client_get_api (self->client), "GET", path, NULL, self->cancellable,
                               availability_cb, g_object_ref (self));
}

static gboolean
fetch_idle_cb (gpointer user_data)
{
  VbBookingsWeek *self = user_data;

  self->fetch_source = 0;
  fetch_week (self);
  return G_SOURCE_REMOVE;
}

/* Asks again once the current burst of changes is over, before the next
 * frame is drawn (so a new week never shows the last one's grid); an
 * answer under way is for what changed, so it is dropped at once. */
static void
queue_fetch (VbBookingsWeek *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->fetching = FALSE;
  if (self->fetch_source == 0 && gtk_widget_get_visible (GTK_WIDGET (self)))
    self->fetch_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE, fetch_idle_cb, self, NULL);
}

/* ------------------------------------------------------------- grid --- */

static void
day_clicked_cb (GtkButton      *button,
                VbBookingsWeek *self)
{
  GDateTime *day = g_object_get_data (G_OBJECT (button), "vb-day");

  g_signal_emit (self, signals[DAY_ACTIVATED], 0, day);
}

static GtkWidget *
week_cell (const char *first,
           const char *second,
           const char *second_style)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_label_new (first);
  GtkWidget *bottom = gtk_label_new (second);

  gtk_widget_add_css_class (top, "numeric");
  gtk_widget_add_css_class (bottom, "caption");
  gtk_widget_add_css_class (bottom, "numeric");
  if (second_style != NULL)
    gtk_widget_add_css_class (bottom, second_style);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), bottom);
  gtk_widget_set_hexpand (box, TRUE);
  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "vb-week-cell");
  gtk_widget_set_size_request (box, -1, 48);
  gtk_widget_set_valign (top, GTK_ALIGN_END);
  gtk_widget_set_vexpand (top, TRUE);
  gtk_widget_set_valign (bottom, GTK_ALIGN_START);
  gtk_widget_set_vexpand (bottom, TRUE);
  return box;
}

/* Days across, bays down: each day's bookings and free time per bay,
 * from the cache (bookings, at once) and the server (free time). */
static void
show_week (VbBookingsWeek *self)
{
  guint n_bays = self->bays != NULL ? g_list_model_get_n_items (self->bays) : 0;
  g_autoptr(GDateTime) monday = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GPtrArray) week_rows = g_ptr_array_new ();
  GDateTime *days[7];
  GtkWidget *child;
  guint booked[7] = { 0 };
  /* The last answer stays while the next is fetched (no flicker). */
  gboolean have_free = online (self) && self->slots->len > 0;
  g_autoptr(GString) signature = g_string_new (NULL);
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);

  if (!gtk_widget_get_visible (GTK_WIDGET (self)) || self->day == NULL)
    return;

  now = g_date_time_new_now (self->tz);
  monday = vb_booking_week_start (self->day);
  for (guint d = 0; d < 7; d++)
    {
      g_autoptr(GDateTime) noon = g_date_time_add_hours (monday, 12 + 24 * (int) d);

      days[d] = g_date_time_new (self->tz, g_date_time_get_year (noon), g_date_time_get_month (noon),
                                 g_date_time_get_day_of_month (noon), 0, 0, 0);
    }

  /* The week's bookings (booked or checked in), by day. */
  for (guint i = 0; self->appointments != NULL && i < g_list_model_get_n_items (self->appointments); i++)
    {
      g_autoptr(VbRecord) record = g_list_model_get_item (self->appointments, i);
      JsonObject *row = vb_record_get_row (record);
      g_autofree char *start = NULL;

      if (!counts_as_booked (row))
        continue;
      start = vb_desk_dup_appointment_start (row);
      for (guint d = 0; d < 7; d++)
        if (vb_booking_is_on_day (start, days[d]))
          {
            booked[d]++;
            g_ptr_array_add (week_rows, row);
            break;
          }
    }

  /* What each bay's cell says each day: its bookings and free time. */
  for (guint b = 0; b < n_bays; b++)
    {
      g_autoptr(VbRecord) bay = g_list_model_get_item (self->bays, b);

      g_string_append_printf (signature, "|%s", vb_record_get_title (bay));
      for (guint d = 0; d < 7; d++)
        {
          g_autoptr(GPtrArray) free_slots = g_ptr_array_new ();
          guint n = 0;
          gint64 minutes;

          for (guint i = 0; i < week_rows->len; i++)
            {
              JsonObject *row = g_ptr_array_index (week_rows, i);
              g_autofree char *start = NULL;

              if (g_strcmp0 (row_string (row, "bay_id"), vb_record_get_id (bay)) != 0)
                continue;
              start = vb_desk_dup_appointment_start (row);
              n += vb_booking_is_on_day (start, days[d]);
            }
          for (guint i = 0; have_free && i < self->slots->len; i++)
            {
              JsonObject *slot = g_ptr_array_index (self->slots, i);
              gboolean taken = FALSE;

              if (g_strcmp0 (row_string (slot, "bay_id"), vb_record_get_id (bay)) != 0 ||
                  !vb_booking_is_on_day (row_string (slot, "starts_at"), days[d]))
                continue;
              /* What the cache says is taken (another desk's, or this
               * desk's provisional booking) is not free. */
              for (guint j = 0; j < week_rows->len && !taken; j++)
                taken = vb_booking_takes_slot (g_ptr_array_index (week_rows, j), slot);
              if (!taken)
                g_ptr_array_add (free_slots, slot);
            }
          minutes = have_free ? vb_booking_free_minutes (free_slots) : -1;
          g_ptr_array_add (cells, g_strdup_printf ("%u:%" G_GINT64_FORMAT, n, minutes));
          g_string_append_printf (signature, ",%u:%" G_GINT64_FORMAT, n, minutes);
        }
    }
  {
    g_autofree char *from = g_date_time_format (monday, "%F");

    g_string_append_printf (signature, "|%s", from);
    for (guint d = 0; d < 7; d++)
      g_string_append_printf (signature, ",%u", booked[d]);
  }

  if (g_strcmp0 (signature->str, self->signature) != 0)
    {
      g_free (self->signature);
      self->signature = g_strdup (signature->str);
      while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))) != NULL)
        gtk_grid_remove (self->grid, child);

      /* The header row: one button per day, which opens it. */
      for (guint d = 0; d < 7; d++)
        {
          GtkWidget *button = gtk_button_new ();
          GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
          /* Translators: a day of the week view, see g_date_time_format() */
          g_autofree char *name = g_date_time_format (days[d], _("%a %-d"));
          g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u booked", "%u booked",
                                                                 booked[d]),
                                                    booked[d]);
          g_autofree char *id = g_date_time_format (days[d], "week-day-%Y-%m-%d");
          g_autofree char *tooltip = g_date_time_format (days[d], _("Open %A %-d %B"));
          GtkWidget *top = gtk_label_new (name);
          GtkWidget *bottom = gtk_label_new (count);
          gboolean today = g_date_time_get_year (now) == g_date_time_get_year (days[d]) &&
                           g_date_time_get_day_of_year (now) == g_date_time_get_day_of_year (days[d]);

          gtk_widget_add_css_class (top, "heading");
          gtk_widget_add_css_class (bottom, "caption");
          gtk_widget_add_css_class (bottom, "numeric");
          if (today)
            gtk_widget_add_css_class (top, "accent");
          gtk_box_append (GTK_BOX (box), top);
          gtk_box_append (GTK_BOX (box), bottom);
          gtk_button_set_child (GTK_BUTTON (button), box);
          gtk_widget_set_name (button, id);
          gtk_widget_set_tooltip_text (button, tooltip);
          gtk_widget_set_hexpand (button, TRUE);
          g_object_set_data_full (G_OBJECT (button), "vb-day", g_date_time_ref (days[d]),
                                  (GDestroyNotify) g_date_time_unref);
          g_signal_connect_object (button, "clicked", G_CALLBACK (day_clicked_cb), self, 0);
          gtk_grid_attach (self->grid, button, (int) d + 1, 0, 1, 1);
        }

      for (guint b = 0; b < n_bays; b++)
        {
          g_autoptr(VbRecord) bay = g_list_model_get_item (self->bays, b);
          GtkWidget *name = gtk_label_new (vb_record_get_title (bay));

          /* Wrapped, not ellipsized: "Bay 1 (HV)" must say HV where the
           * seven days leave the names little room. */
          gtk_label_set_xalign (GTK_LABEL (name), 0);
          gtk_label_set_wrap (GTK_LABEL (name), TRUE);
          gtk_label_set_wrap_mode (GTK_LABEL (name), PANGO_WRAP_WORD_CHAR);
          gtk_label_set_max_width_chars (GTK_LABEL (name), 10);
          gtk_widget_set_tooltip_text (name, vb_record_get_title (bay));
          gtk_widget_add_css_class (name, "heading");
          gtk_grid_attach (self->grid, name, 0, (int) b + 1, 1, 1);
          for (guint d = 0; d < 7; d++)
            {
              const char *cell_data = g_ptr_array_index (cells, b * 7 + d);
              guint n = (guint) g_ascii_strtoull (cell_data, NULL, 10);
              gint64 minutes = g_ascii_strtoll (strchr (cell_data, ':') + 1, NULL, 10);
              g_autofree char *count = NULL;
              g_autofree char *free_text = NULL;
              g_autofree char *tooltip = NULL;
              g_autofree char *day_name = g_date_time_format (days[d], "%Y-%m-%d");
              g_autofree char *cell_name = g_strdup_printf ("week-cell-%s-%s", day_name, vb_record_get_id (bay));
              GtkWidget *cell;

              count = n > 0 ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u booked", "%u booked", n), n)
                            : g_strdup ("—");
              if (minutes < 0)
                free_text = g_strdup (" ");
              else if (minutes > 0)
                {
                  g_autofree char *duration = vb_booking_dup_duration (minutes);

                  /* Translators: free time of a bay on a day, e.g. "3½ h free" */
                  free_text = g_strdup_printf (_("%s free"), duration);
                }
              else
                /* Translators: a bay has no free time on a day (booked up, closed or over) */
                free_text = g_strdup (_("none free"));
              cell = week_cell (count, free_text, minutes < 0 ? NULL : minutes > 0 ? "success" : "dim-label");
              if (n == 0)
                gtk_widget_add_css_class (gtk_widget_get_first_child (cell), "dim-label");
              tooltip = g_strdup_printf ("%s · %s · %s", vb_record_get_title (bay), count, free_text);
              gtk_widget_set_tooltip_text (cell, minutes >= 0 ? tooltip : NULL);
              gtk_widget_set_name (cell, cell_name);
              gtk_grid_attach (self->grid, cell, (int) d + 1, (int) b + 1, 1, 1);
            }
        }
    }

  if (!online (self))
    gtk_label_set_label (self->status,
                         _("Free time needs the server; the bookings are this desk’s copy. Open a day to book."));
  else if (self->fetching && self->slots->len == 0)
    gtk_label_set_label (self->status, _("Looking for free time…"));
  else if (self->chosen != NULL && self->chosen[0] != NULL)
    gtk_label_set_label (self->status, _("Free time per bay for the chosen services. Open a day to book."));
  else if (self->probe != NULL)
    {
      /* Translators: the service the week's free time is measured for */
      g_autofree char *text = g_strdup_printf (_("Free time per bay for the shortest service, %s; "
                                                 "choose services below for theirs. Open a day to book."),
                                               self->probe);

      gtk_label_set_label (self->status, text);
    }
  else
    gtk_label_set_label (self->status, _("The service catalog has not synced yet."));
  for (guint d = 0; d < 7; d++)
    g_date_time_unref (days[d]);
}

/* ------------------------------------------------------------- api --- */

static void
live_changes_cb (VbLiveConnection   *live,
                 gint64              seq,
                 const char * const *entities,
                 VbBookingsWeek     *self)
{
  if (entities == NULL || g_strv_contains (entities, "appointments"))
    queue_fetch (self);
}

void
vb_bookings_week_set_client (VbBookingsWeek *self,
                             VbClient       *client)
{
  g_return_if_fail (VB_IS_BOOKINGS_WEEK (self));

  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->live != NULL)
    g_signal_handlers_disconnect_by_data (self->live, self);
  g_clear_object (&self->live);
  g_set_object (&self->client, client);
  if (client != NULL)
    {
      self->live = g_object_ref (vb_client_get_live (client));
      g_signal_connect_object (client, "notify::can-reach-server", G_CALLBACK (queue_fetch), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->live, "changes", G_CALLBACK (live_changes_cb), self, 0);
    }
  queue_fetch (self);
}

void
vb_bookings_week_set_location (VbBookingsWeek *self,
                               const char     *location_id,
                               GTimeZone      *tz,
                               GListModel     *appointments,
                               GListModel     *bays)
{
  g_return_if_fail (VB_IS_BOOKINGS_WEEK (self));

  g_free (self->location_id);
  self->location_id = g_strdup (location_id);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  self->tz = tz != NULL ? g_time_zone_ref (tz) : g_time_zone_new_local ();
  if (self->appointments != NULL)
    g_signal_handlers_disconnect_by_data (self->appointments, self);
  g_set_object (&self->appointments, appointments);
  g_set_object (&self->bays, bays);
  g_clear_pointer (&self->signature, g_free);
  g_ptr_array_set_size (self->slots, 0);
  /* A booking here, pulled from another desk or moved shows at once (the
   * list, not the cache's ::changed: the list has been re-read by then). */
  if (appointments != NULL)
    g_signal_connect_object (appointments, "items-changed", G_CALLBACK (show_week), self, G_CONNECT_SWAPPED);
  queue_fetch (self);
}

void
vb_bookings_week_set_day (VbBookingsWeek *self,
                          GDateTime      *day)
{
  g_return_if_fail (VB_IS_BOOKINGS_WEEK (self));
  g_return_if_fail (day != NULL);

  g_clear_pointer (&self->day, g_date_time_unref);
  self->day = g_date_time_ref (day);
  queue_fetch (self);
}

void
vb_bookings_week_set_services (VbBookingsWeek     *self,
                               const char * const *chosen,
                               GListModel         *catalog)
{
  g_return_if_fail (VB_IS_BOOKINGS_WEEK (self));

  g_strfreev (self->chosen);
  self->chosen = g_strdupv ((char **) chosen);
  g_set_object (&self->catalog, catalog);
  queue_fetch (self);
}

guint
vb_bookings_week_get_booked (VbBookingsWeek *self,
                             GDateTime      *day)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (VB_IS_BOOKINGS_WEEK (self), 0);
  g_return_val_if_fail (day != NULL, 0);

  if (!gtk_widget_get_visible (GTK_WIDGET (self)))
    return 0;
  name = g_date_time_format (day, "week-day-%Y-%m-%d");
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->grid)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (g_strcmp0 (gtk_widget_get_name (child), name) == 0)
      {
        /* The count the day's button says. */
        GtkWidget *label = gtk_widget_get_last_child (gtk_button_get_child (GTK_BUTTON (child)));

        return (guint) g_ascii_strtoull (gtk_label_get_label (GTK_LABEL (label)), NULL, 10);
      }
  return 0;
}

/* ---------------------------------------------------------- set-up --- */

/* Shown: asked at once (the page has just switched to the week); hidden:
 * nothing is asked. */
static void
visible_changed_cb (VbBookingsWeek *self)
{
  if (gtk_widget_get_visible (GTK_WIDGET (self)))
    fetch_week (self);
  else
    cancel_fetch (self);
}

static void
vb_bookings_week_dispose (GObject *object)
{
  VbBookingsWeek *self = VB_BOOKINGS_WEEK (object);

  g_signal_handlers_disconnect_by_func (self, visible_changed_cb, NULL);
  cancel_fetch (self);
  if (self->client != NULL)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->live != NULL)
    g_signal_handlers_disconnect_by_data (self->live, self);
  if (self->appointments != NULL)
    g_signal_handlers_disconnect_by_data (self->appointments, self);
  g_clear_object (&self->live);
  g_clear_object (&self->client);
  g_clear_object (&self->appointments);
  g_clear_object (&self->bays);
  g_clear_object (&self->catalog);
  g_clear_pointer (&self->chosen, g_strfreev);
  g_clear_pointer (&self->location_id, g_free);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_clear_pointer (&self->day, g_date_time_unref);
  g_clear_pointer (&self->probe, g_free);
  g_clear_pointer (&self->query, g_free);
  g_clear_pointer (&self->signature, g_free);
  g_clear_pointer (&self->slots, g_ptr_array_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_BOOKINGS_WEEK);
  G_OBJECT_CLASS (vb_bookings_week_parent_class)->dispose (object);
}

static void
vb_bookings_week_class_init (VbBookingsWeekClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_bookings_week_dispose;

  /**
   * VbBookingsWeek::day-activated:
   * @day: the day (midnight in the location's time zone)
   *
   * A day's button was clicked: the page opens that day.
   */
  signals[DAY_ACTIVATED] = g_signal_new ("day-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                         NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_DATE_TIME);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-bookings-week.ui");
  gtk_widget_class_bind_template_child (widget_class, VbBookingsWeek, status);
  gtk_widget_class_bind_template_child (widget_class, VbBookingsWeek, grid);
}

static void
vb_bookings_week_init (VbBookingsWeek *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->slots = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  self->tz = g_time_zone_new_local ();
  g_signal_connect (self, "notify::visible", G_CALLBACK (visible_changed_cb), NULL);
}
