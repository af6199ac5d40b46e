/* vb-customer-editor.c — create or edit a customer (contact, consent, and
 * for a new one an optional first vehicle), or add a vehicle.
 *
 * Checks first what can be checked here (a name, the phone and e-mail, the
 * VIN with its check digit through shared/vb-vin.c, the year and capacity),
 * and shows a failure on the field itself: the row turns red, the message
 * under its group names the field, the focus goes there, and everything
 * typed stays.  Then the change goes through the app's VbSyncEngine (the
 * outbox), which works offline.  While the server can be reached the
 * dialog waits a few seconds for its answer, so a refusal (a 422 naming a
 * field) lands on that field too, and the refused change is dismissed from
 * the outbox's problems, since the user sees it here.  Offline, or if the
 * answer is slow, the dialog closes at once: the record shows "Waiting to
 * sync", and a later refusal appears in the header bar's problems button.
 *
 * One dialog for three modes rather than three dialogs: the vehicle rows
 * are the same in "new customer" and "add vehicle", the contact rows the
 * same in "new" and "edit".
 */
#include "vb-customer-editor.h"
#include "vb-cache.h"
#include "vb-client.h"
#include "vb-desk-presentation.h"
#include "vb-session.h"
#include "vb-sync-engine.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#define ANSWER_TIMEOUT_MS 8000

struct _VbCustomerEditor
{
  AdwWindow parent_instance;

  /* template */
  AdwWindowTitle      *window_title;
  GtkWidget           *save_button;
  GtkWidget           *cancel_button;
  GtkSpinner          *spinner;
  GtkScrolledWindow   *scroller;
  GtkWidget           *form;
  GtkLabel            *form_error;
  GtkWidget           *contact_group;
  GtkLabel            *contact_error;
  GtkWidget           *consent_group;
  GtkWidget           *vehicle_group;
  GtkLabel            *vehicle_error;
  AdwComboRow         *kind_row;
  AdwEntryRow         *given_row;
  AdwEntryRow         *family_row;
  AdwEntryRow         *company_row;
  AdwEntryRow         *phone_row;
  AdwEntryRow         *email_row;
  AdwEntryRow         *address_row;
  AdwComboRow         *language_row;
  GtkSwitch           *consent_email_switch;
  GtkSwitch           *consent_sms_switch;
  GtkSwitch           *consent_marketing_switch;
  AdwEntryRow         *plate_row;
  AdwEntryRow         *vin_row;
  AdwEntryRow         *make_row;
  AdwEntryRow         *model_row;
  AdwEntryRow         *year_row;
  AdwEntryRow         *battery_row;
  AdwComboRow         *chemistry_row;
  AdwComboRow         *port_row;

  VbClient             *client;
  VbCustomerEditorMode  mode;
  char                 *customer_id;
  gboolean              customer_saved;  /* NEW: the customer went through, the vehicle did not */
  JsonObject           *original;        /* EDIT: the row as it was */
  GArray               *waiting;         /* outbox seqs (gint64) awaiting the server's answer */
  guint                 timeout_id;
  gulong                outbox_handler;
  VbCache              *cache;
  char                 *error_field;
  guint                 answer_timeout_ms;
  char                 *error_text;
};

G_DEFINE_FINAL_TYPE (VbCustomerEditor, vb_customer_editor, ADW_TYPE_WINDOW)

enum {
  SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *const chemistries[] = { NULL, "NMC", "NCA", "LFP", "LMFP", "other" };
static const char *const ports[] = { NULL, "CCS1", "CCS2", "CHAdeMO", "Type 2", "NACS", "GB/T" };

/* ------------------------------------------------------------ fields --- */

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static char *
stripped (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (text_of (row)));
}

/* The row that shows a field's errors, the label under its group, and the
 * field's name as the user knows it. */
static GtkWidget *
row_for_field (VbCustomerEditor *self,
               const char       *field,
               GtkLabel        **label,
               const char      **title)
{
  struct { const char *field; GtkWidget *row; gboolean vehicle; } map[] = {
    { "kind", GTK_WIDGET (self->kind_row), FALSE },
    { "given_name", GTK_WIDGET (self->given_row), FALSE },
    { "family_name", GTK_WIDGET (self->family_row), FALSE },
    { "company_name", GTK_WIDGET (self->company_row), FALSE },
    { "phones", GTK_WIDGET (self->phone_row), FALSE },
    { "emails", GTK_WIDGET (self->email_row), FALSE },
    { "address", GTK_WIDGET (self->address_row), FALSE },
    { "preferred_language", GTK_WIDGET (self->language_row), FALSE },
    { "plate", GTK_WIDGET (self->plate_row), TRUE },
    { "vin", GTK_WIDGET (self->vin_row), TRUE },
    { "make", GTK_WIDGET (self->make_row), TRUE },
    { "model", GTK_WIDGET (self->model_row), TRUE },
    { "year", GTK_WIDGET (self->year_row), TRUE },
    { "battery_usable_kwh", GTK_WIDGET (self->battery_row), TRUE },
    { "chemistry", GTK_WIDGET (self->chemistry_row), TRUE },
    { "charge_port", GTK_WIDGET (self->port_row), TRUE },
  };

  for (gsize i = 0; field != NULL && i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (map[i].field, field))
      {
        *label = map[i].vehicle ? self->vehicle_error : self->contact_error;
        *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (map[i].row));
        return map[i].row;
      }
  *label = self->form_error;
  *title = NULL;
  return NULL;
}

static void
clear_errors (VbCustomerEditor *self)
{
  GtkWidget *rows[] = { GTK_WIDGET (self->kind_row), GTK_WIDGET (self->given_row),
                        GTK_WIDGET (self->family_row), GTK_WIDGET (self->company_row),
                        GTK_WIDGET (self->phone_row), GTK_WIDGET (self->email_row),
                        GTK_WIDGET (self->address_row), GTK_WIDGET (self->language_row),
                        GTK_WIDGET (self->plate_row), GTK_WIDGET (self->vin_row),
                        GTK_WIDGET (self->make_row), GTK_WIDGET (self->model_row),
                        GTK_WIDGET (self->year_row), GTK_WIDGET (self->battery_row),
                        GTK_WIDGET (self->chemistry_row), GTK_WIDGET (self->port_row) };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_remove_css_class (rows[i], "error");
  gtk_widget_set_visible (GTK_WIDGET (self->form_error), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->contact_error), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->vehicle_error), FALSE);
  g_clear_pointer (&self->error_field, g_free);
  g_clear_pointer (&self->error_text, g_free);
}

/* Scrolls the form so that the row and its error label (under the
 * group) are both in view. */
static void
scroll_to (VbCustomerEditor *self,
           GtkWidget        *row,
           GtkWidget        *label)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  graphene_point_t top, bottom;

  if (!gtk_widget_compute_point (row, self->form, &GRAPHENE_POINT_INIT (0, 0), &top) ||
      !gtk_widget_compute_point (label, self->form,
                                 &GRAPHENE_POINT_INIT (0, gtk_widget_get_height (label)), &bottom))
    return;
  gtk_adjustment_clamp_page (adjustment, top.y - 12, MAX (bottom.y, top.y + gtk_widget_get_height (row)) + 24);
}

static gboolean
scroll_to_error_cb (gpointer data)
{
  VbCustomerEditor *self = data;
  GtkLabel *label;
  const char *title;
  GtkWidget *row = row_for_field (self, self->error_field, &label, &title);

  if (row != NULL)
    scroll_to (self, row, GTK_WIDGET (label));
  return G_SOURCE_REMOVE;
}

/* Shows message on field (the first error wins the focus). */
static void
show_error (VbCustomerEditor *self,
            const char       *field,
            const char       *message)
{
  GtkLabel *label;
  const char *title;
  GtkWidget *row = row_for_field (self, field, &label, &title);
  g_autofree char *text = NULL;

  if (title != NULL)
    /* Translators: a form field's name and what is wrong with it: "VIN: the check digit …" */
    text = g_strdup_printf (_("%s: %s"), title, message);
  else
    text = g_strdup (message);
  if (row != NULL)
    gtk_widget_add_css_class (row, "error");
  if (gtk_widget_get_visible (GTK_WIDGET (label)))
    {
      g_autofree char *both = g_strconcat (gtk_label_get_label (label), "\n", text, NULL);
      gtk_label_set_label (label, both);
    }
  else
    gtk_label_set_label (label, text);
  gtk_widget_set_visible (GTK_WIDGET (label), TRUE);
  if (self->error_field == NULL && self->error_text == NULL)
    {
      self->error_field = g_strdup (field);
      self->error_text = g_strdup (text);
      if (row != NULL)
        {
          gtk_widget_grab_focus (row);
          /* After the label under the group has its size. */
          g_idle_add_full (G_PRIORITY_LOW, scroll_to_error_cb, g_object_ref (self), g_object_unref);
        }
    }
}

static gboolean
has_vehicle (VbCustomerEditor *self)
{
  AdwEntryRow *rows[] = { self->plate_row, self->vin_row, self->make_row, self->model_row,
                          self->year_row, self->battery_row };

  if (!gtk_widget_get_visible (self->vehicle_group))
    return FALSE;
  if (self->mode == VB_CUSTOMER_EDITOR_ADD_VEHICLE)
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *text = stripped (rows[i]);
      if (text[0] != '\0')
        return TRUE;
    }
  return adw_combo_row_get_selected (self->chemistry_row) > 0 || adw_combo_row_get_selected (self->port_row) > 0;
}

static JsonArray *
single_string_array (const char *text)
{
  JsonArray *array = json_array_new ();

  if (text != NULL && text[0] != '\0')
    json_array_add_string_element (array, text);
  return array;
}

static JsonObject *
consent_entry (gboolean given)
{
  JsonObject *entry = json_object_new ();

  json_object_set_boolean_member (entry, "given", given);
  json_object_set_string_member (entry, "channel", "in_person");
  return entry;
}

/* The contact and consent as the API takes them, or NULL after showing
 * what is wrong. */
static JsonObject *
build_customer (VbCustomerEditor *self)
{
  g_autoptr(JsonObject) customer = json_object_new ();
  g_autoptr(JsonObject) consent = json_object_new ();
  g_autofree char *given = stripped (self->given_row);
  g_autofree char *family = stripped (self->family_row);
  g_autofree char *company = stripped (self->company_row);
  g_autofree char *phone = stripped (self->phone_row);
  g_autofree char *email = stripped (self->email_row);
  g_autofree char *address = stripped (self->address_row);
  gboolean company_kind = adw_combo_row_get_selected (self->kind_row) == 1;
  gboolean ok = TRUE;

  if (company_kind && company[0] == '\0')
    {
      show_error (self, "company_name", _("a company needs its name"));
      ok = FALSE;
    }
  if (!company_kind && given[0] == '\0' && family[0] == '\0')
    {
      show_error (self, "family_name", _("type the customer’s given or family name"));
      ok = FALSE;
    }
  if (!vb_desk_phone_is_valid (phone))
    {
      show_error (self, "phones", _("a phone number has 8 to 15 digits, such as 0901 234 567 or +84 901 234 567"));
      ok = FALSE;
    }
  if (!vb_desk_email_is_valid (email))
    {
      show_error (self, "emails", _("an e-mail address looks like name@example.com"));
      ok = FALSE;
    }
  if (!ok)
    return NULL;

  json_object_set_string_member (customer, "kind", company_kind ? "company" : "person");
  json_object_set_string_member (customer, "given_name", given);
  json_object_set_string_member (customer, "family_name", family);
  json_object_set_string_member (customer, "company_name", company);
  json_object_set_string_member (customer, "address", address);
  json_object_set_string_member (customer, "preferred_language",
                                 adw_combo_row_get_selected (self->language_row) == 1 ? "en" : "vi");

  /* Only the first phone and e-mail are edited here; the others stay. */
  if (self->original != NULL)
    {
      const char *members[] = { "phones", "emails" };
      const char *values[] = { phone, email };

      for (guint m = 0; m < 2; m++)
        {
          JsonArray *array = json_array_new ();
          JsonNode *node = json_object_get_member (self->original, members[m]);

          if (values[m][0] != '\0')
            json_array_add_string_element (array, values[m]);
          if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
            for (guint i = 1; i < json_array_get_length (json_node_get_array (node)); i++)
              json_array_add_element (array, json_array_dup_element (json_node_get_array (node), i));
          json_object_set_array_member (customer, members[m], array);
        }
    }
  else
    {
      json_object_set_array_member (customer, "phones", single_string_array (phone));
      json_object_set_array_member (customer, "emails", single_string_array (email));
    }
  json_object_set_object_member (consent, "email", consent_entry (gtk_switch_get_active (self->consent_email_switch)));
  json_object_set_object_member (consent, "sms", consent_entry (gtk_switch_get_active (self->consent_sms_switch)));
  json_object_set_object_member (consent, "marketing",
                                 consent_entry (gtk_switch_get_active (self->consent_marketing_switch)));
  json_object_set_object_member (customer, "consent", g_steal_pointer (&consent));
  return g_steal_pointer (&customer);
}

static JsonObject *
build_vehicle (VbCustomerEditor *self)
{
  g_autoptr(JsonObject) vehicle = json_object_new ();
  g_autofree char *plate = stripped (self->plate_row);
  g_autofree char *vin = stripped (self->vin_row);
  g_autofree char *make = stripped (self->make_row);
  g_autofree char *model = stripped (self->model_row);
  g_autofree char *year = stripped (self->year_row);
  g_autofree char *battery = stripped (self->battery_row);
  g_autofree char *normal_vin = NULL;
  gboolean ok = TRUE;
  guint chemistry = adw_combo_row_get_selected (self->chemistry_row);
  guint port = adw_combo_row_get_selected (self->port_row);

  if (plate[0] == '\0' && vin[0] == '\0')
    {
      show_error (self, "plate", _("type the plate or the VIN"));
      ok = FALSE;
    }
  if (vin[0] != '\0')
    {
      g_autofree char *problem = vb_desk_dup_vin_problem (vin, &normal_vin);

      if (problem != NULL)
        {
          show_error (self, "vin", problem);
          ok = FALSE;
        }
    }
  if (year[0] != '\0')
    {
      char *end = NULL;
      long value = strtol (year, &end, 10);

      if (*end != '\0' || value < 1886 || value > 2100)
        {
          show_error (self, "year", _("a year such as 2024"));
          ok = FALSE;
        }
      else
        json_object_set_int_member (vehicle, "year", value);
    }
  if (battery[0] != '\0')
    {
      double value = g_ascii_strtod (g_strdelimit (battery, ",", '.'), NULL);

      if (value <= 0 || value > 9999)
        {
          show_error (self, "battery_usable_kwh", _("the usable capacity in kWh, such as 75 or 82.5"));
          ok = FALSE;
        }
      else
        json_object_set_double_member (vehicle, "battery_usable_kwh", value);
    }
  if (!ok)
    return NULL;

  if (plate[0] != '\0')
    json_object_set_string_member (vehicle, "plate", plate);
  if (normal_vin != NULL)
    json_object_set_string_member (vehicle, "vin", normal_vin);
  if (make[0] != '\0')
    json_object_set_string_member (vehicle, "make", make);
  if (model[0] != '\0')
    json_object_set_string_member (vehicle, "model", model);
  if (chemistry > 0 && chemistry < G_N_ELEMENTS (chemistries))
    json_object_set_string_member (vehicle, "chemistry", chemistries[chemistry]);
  if (port > 0 && port < G_N_ELEMENTS (ports))
    json_object_set_string_member (vehicle, "charge_port", ports[port]);
  return g_steal_pointer (&vehicle);
}

/* ------------------------------------------------------------- saving --- */

/* The desk's location for a new customer: the user's first role with a
 * location, else the first location this cache knows. */
static char *
dup_location_id (VbCustomerEditor *self,
                 VbCache          *cache)
{
  VbSession *session = vb_client_get_session (self->client);
  JsonObject *user = session != NULL ? vb_session_get_user (session) : NULL;
  g_autoptr(GPtrArray) locations = NULL;

  if (user != NULL && json_object_has_member (user, "roles"))
    {
      JsonArray *roles = json_object_get_array_member (user, "roles");

      for (guint i = 0; i < json_array_get_length (roles); i++)
        {
          JsonObject *role = json_array_get_object_element (roles, i);
          const char *id = json_object_get_string_member_with_default (role, "location_id", NULL);

          if (id != NULL)
            return g_strdup (id);
        }
    }
  locations = vb_cache_list (cache, "locations", NULL, "code", FALSE, 1);
  if (locations->len > 0)
    return g_strdup (json_object_get_string_member_with_default (locations->pdata[0], "id", NULL));
  return NULL;
}

static void
set_busy (VbCustomerEditor *self,
          gboolean          busy)
{
  gtk_widget_set_sensitive (self->form, !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
stop_waiting (VbCustomerEditor *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->outbox_handler != 0)
    g_clear_signal_handler (&self->outbox_handler, self->cache);
  g_array_set_size (self->waiting, 0);
}

static void
finish_saved (VbCustomerEditor *self)
{
  stop_waiting (self);
  g_signal_emit (self, signals[SAVED], 0, self->customer_id);
  gtk_window_destroy (GTK_WINDOW (self));
}

/* Whether every waited-for change has an answer; shows refusals. */
static void
check_answers (VbCustomerEditor *self)
{
  gboolean pending = FALSE;
  gboolean refused = FALSE;
  gboolean customer_refused = FALSE;

  for (guint i = 0; i < self->waiting->len; i++)
    {
      gint64 seq = g_array_index (self->waiting, gint64, i);
      g_autoptr(VbOutboxEntry) entry = vb_cache_get_entry (self->cache, seq);

      if (entry == NULL || entry->state == VB_OUTBOX_PENDING)
        pending = TRUE;
    }
  if (pending)
    return;

  clear_errors (self);
  for (guint i = 0; i < self->waiting->len; i++)
    {
      gint64 seq = g_array_index (self->waiting, gint64, i);
      g_autoptr(VbOutboxEntry) entry = vb_cache_get_entry (self->cache, seq);
      g_autofree char *field = NULL;
      g_autofree char *message = NULL;

      if (entry->state == VB_OUTBOX_APPLIED)
        {
          if (g_str_equal (entry->entity, "customers"))
            self->customer_saved = TRUE;
          continue;
        }
      message = vb_desk_dup_refusal (entry->reply, &field);
      /* A vehicle refused only because its new customer was: say nothing more. */
      if (!(customer_refused && g_str_equal (entry->entity, "vehicles")))
        show_error (self, field, message);
      if (g_str_equal (entry->entity, "customers"))
        customer_refused = TRUE;
      refused = TRUE;
      /* Shown here, where it can be fixed: not also in the problems list. */
      vb_cache_dismiss_problem (self->cache, seq, NULL);
    }
  stop_waiting (self);
  if (!refused)
    {
      finish_saved (self);
      return;
    }
  set_busy (self, FALSE);
  /* The customer exists now: the next Save only adds the vehicle. */
  if (self->mode == VB_CUSTOMER_EDITOR_NEW && self->customer_saved)
    {
      gtk_widget_set_sensitive (self->contact_group, FALSE);
      gtk_widget_set_sensitive (self->consent_group, FALSE);
    }
}

static gboolean
answer_timeout_cb (gpointer data)
{
  VbCustomerEditor *self = data;

  self->timeout_id = 0;
  /* Saved here; the server will get it.  A later refusal shows in the
   * header bar's problems button. */
  finish_saved (self);
  return G_SOURCE_REMOVE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VbCustomerEditor *self = VB_CUSTOMER_EDITOR (widget);
  VbSyncEngine *engine = vb_client_get_sync_engine (self->client);
  g_autoptr(JsonObject) customer = NULL;
  g_autoptr(JsonObject) vehicle = NULL;
  g_autoptr(GError) error = NULL;
  gboolean send_customer = self->mode == VB_CUSTOMER_EDITOR_EDIT ||
                           (self->mode == VB_CUSTOMER_EDITOR_NEW && !self->customer_saved);
  gboolean send_vehicle = has_vehicle (self);
  gint64 seq;

  clear_errors (self);
  if (engine == NULL)
    {
      show_error (self, NULL, _("This desk’s records are not open yet; wait for the first sync"));
      return;
    }
  g_set_object (&self->cache, vb_sync_engine_get_cache (engine));
  if (send_customer)
    customer = build_customer (self);
  if (send_vehicle)
    vehicle = build_vehicle (self);
  if ((send_customer && customer == NULL) || (send_vehicle && vehicle == NULL))
    return;

  g_array_set_size (self->waiting, 0);
  if (self->mode == VB_CUSTOMER_EDITOR_NEW && !self->customer_saved)
    {
      g_autofree char *location_id = dup_location_id (self, self->cache);

      if (location_id != NULL)
        json_object_set_string_member (customer, "preferred_location_id", location_id);
      if (self->customer_id != NULL)   /* a refused create, tried again under the same id */
        json_object_set_string_member (customer, "id", self->customer_id);
      seq = vb_sync_engine_create (engine, "customers", "/api/v1/customers", customer, &error);
      if (seq <= 0)
        {
          show_error (self, NULL, error->message);
          return;
        }
      g_free (self->customer_id);
      self->customer_id = g_strdup (json_object_get_string_member (customer, "id"));
      g_array_append_val (self->waiting, seq);
    }
  else if (self->mode == VB_CUSTOMER_EDITOR_EDIT)
    {
      g_autofree char *path = g_strdup_printf ("/api/v1/customers/%s", self->customer_id);

      seq = vb_sync_engine_update (engine, "customers", self->customer_id, path, customer, &error);
      if (seq <= 0)
        {
          show_error (self, NULL, error->message);
          return;
        }
      g_array_append_val (self->waiting, seq);
    }
  if (vehicle != NULL)
    {
      json_object_set_string_member (vehicle, "customer_id", self->customer_id);
      seq = vb_sync_engine_create (engine, "vehicles", "/api/v1/vehicles", vehicle, &error);
      if (seq <= 0)
        {
          show_error (self, NULL, error->message);
          return;
        }
      g_array_append_val (self->waiting, seq);
    }

  /* Offline: saved here, it waits in the outbox. */
  if (!vb_client_get_can_reach_server (self->client))
    {
      finish_saved (self);
      return;
    }
  set_busy (self, TRUE);
  self->outbox_handler = g_signal_connect_object (self->cache, "outbox-changed",
                                                  G_CALLBACK (check_answers), self, G_CONNECT_SWAPPED);
  self->timeout_id = g_timeout_add (self->answer_timeout_ms, answer_timeout_cb, self);
  check_answers (self);
}

/* ------------------------------------------------------------- set-up --- */

static void
kind_changed_cb (VbCustomerEditor *self)
{
  gboolean company = adw_combo_row_get_selected (self->kind_row) == 1;

  gtk_widget_set_visible (GTK_WIDGET (self->company_row), company);
}

static void
fill_from (VbCustomerEditor *self,
           JsonObject       *row)
{
  const char *text;
  JsonNode *node;
  JsonObject *consent = NULL;
  struct { const char *member; AdwEntryRow *entry; } strings[] = {
    { "given_name", self->given_row }, { "family_name", self->family_row },
    { "company_name", self->company_row }, { "address", self->address_row },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (strings); i++)
    {
      text = json_object_get_string_member_with_default (row, strings[i].member, "");
      gtk_editable_set_text (GTK_EDITABLE (strings[i].entry), text != NULL ? text : "");
    }
  node = json_object_get_member (row, "phones");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0)
    gtk_editable_set_text (GTK_EDITABLE (self->phone_row), json_array_get_string_element (json_node_get_array (node), 0));
  node = json_object_get_member (row, "emails");
  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node) && json_array_get_length (json_node_get_array (node)) > 0)
    gtk_editable_set_text (GTK_EDITABLE (self->email_row), json_array_get_string_element (json_node_get_array (node), 0));
  adw_combo_row_set_selected (self->kind_row,
                              g_strcmp0 (json_object_get_string_member_with_default (row, "kind", NULL), "company") == 0);
  adw_combo_row_set_selected (self->language_row,
                              g_strcmp0 (json_object_get_string_member_with_default (row, "preferred_language", NULL), "en") == 0);
  node = json_object_get_member (row, "consent");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    consent = json_node_get_object (node);
  if (consent != NULL)
    {
      GtkSwitch *switches[] = { self->consent_email_switch, self->consent_sms_switch,
                                self->consent_marketing_switch };
      const char *purposes[] = { "email", "sms", "marketing" };

      for (guint i = 0; i < 3; i++)
        {
          node = json_object_get_member (consent, purposes[i]);
          gtk_switch_set_active (switches[i], node != NULL && JSON_NODE_HOLDS_OBJECT (node) &&
                                 json_object_get_boolean_member_with_default (json_node_get_object (node),
                                                                              "given", FALSE));
        }
    }
}

VbCustomerEditor *
vb_customer_editor_new (GtkWindow            *parent,
                        VbClient             *client,
                        VbCustomerEditorMode  mode,
                        const char           *customer_id)
{
  VbCustomerEditor *self;
  VbCache *cache;

  g_return_val_if_fail (VB_IS_CLIENT (client), NULL);
  g_return_val_if_fail (mode == VB_CUSTOMER_EDITOR_NEW || customer_id != NULL, NULL);

  self = g_object_new (VB_TYPE_CUSTOMER_EDITOR, "transient-for", parent, NULL);
  self->client = g_object_ref (client);
  self->mode = mode;
  self->customer_id = g_strdup (customer_id);
  cache = vb_client_get_cache (client);

  switch (mode)
    {
    case VB_CUSTOMER_EDITOR_NEW:
      adw_window_title_set_title (self->window_title, _("New Customer"));
      adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (self->vehicle_group),
                                             _("Optional: the customer’s first vehicle"));
      break;
    case VB_CUSTOMER_EDITOR_EDIT:
      adw_window_title_set_title (self->window_title, _("Edit Customer"));
      gtk_widget_set_visible (self->vehicle_group, FALSE);
      if (cache != NULL)
        self->original = vb_cache_get (cache, "customers", customer_id);
      if (self->original != NULL)
        fill_from (self, self->original);
      break;
    case VB_CUSTOMER_EDITOR_ADD_VEHICLE:
    default:
      adw_window_title_set_title (self->window_title, _("Add Vehicle"));
      gtk_widget_set_visible (self->contact_group, FALSE);
      gtk_widget_set_visible (self->consent_group, FALSE);
      gtk_window_set_default_size (GTK_WINDOW (self), 560, 600);
      break;
    }
  if (cache != NULL && customer_id != NULL)
    {
      g_autoptr(JsonObject) row = vb_cache_get (cache, "customers", customer_id);
      g_autofree char *name = vb_desk_dup_customer_name (row);

      adw_window_title_set_subtitle (self->window_title, name);
    }
  kind_changed_cb (self);
  gtk_widget_grab_focus (GTK_WIDGET (mode == VB_CUSTOMER_EDITOR_ADD_VEHICLE ? self->plate_row : self->given_row));
  return self;
}

/* How long a save waits for the server's answer before closing (tests on
 * slow sanitizer builds lengthen it). */
void
vb_customer_editor_set_answer_timeout (VbCustomerEditor *self,
                                       guint             timeout_ms)
{
  g_return_if_fail (VB_IS_CUSTOMER_EDITOR (self));
  self->answer_timeout_ms = timeout_ms;
}

const char *
vb_customer_editor_get_error_field (VbCustomerEditor *self)
{
  g_return_val_if_fail (VB_IS_CUSTOMER_EDITOR (self), NULL);
  return self->error_field;
}

const char *
vb_customer_editor_get_error_text (VbCustomerEditor *self)
{
  g_return_val_if_fail (VB_IS_CUSTOMER_EDITOR (self), NULL);
  return self->error_text;
}

void
vb_customer_editor_show_refused (VbCustomerEditor *self,
                                 JsonObject       *fields,
                                 const char       *field,
                                 const char       *message)
{
  struct { const char *member; AdwEntryRow *entry; } texts[] = {
    { "plate", self->plate_row }, { "vin", self->vin_row }, { "make", self->make_row },
    { "model", self->model_row }, { "year", self->year_row }, { "battery_usable_kwh", self->battery_row },
  };
  g_autoptr(GList) members = NULL;

  g_return_if_fail (VB_IS_CUSTOMER_EDITOR (self));
  g_return_if_fail (fields != NULL && message != NULL);

  if (self->mode != VB_CUSTOMER_EDITOR_ADD_VEHICLE)
    {
      g_autoptr(JsonObject) merged = json_object_new ();
      g_autoptr(GList) originals = self->original != NULL ? json_object_get_members (self->original) : NULL;

      for (GList *l = originals; l != NULL; l = l->next)
        json_object_set_member (merged, l->data, json_object_dup_member (self->original, l->data));
      members = json_object_get_members (fields);
      for (GList *l = members; l != NULL; l = l->next)
        json_object_set_member (merged, l->data, json_object_dup_member (fields, l->data));
      fill_from (self, merged);
    }
  for (gsize i = 0; gtk_widget_get_visible (self->vehicle_group) && i < G_N_ELEMENTS (texts); i++)
    {
      JsonNode *node = json_object_get_member (fields, texts[i].member);
      g_autofree char *text = NULL;

      if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
        continue;
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        text = g_strdup (json_node_get_string (node));
      else
        text = g_strdup_printf ("%g", json_node_get_double (node));
      gtk_editable_set_text (GTK_EDITABLE (texts[i].entry), text);
    }
  for (guint i = 1; i < G_N_ELEMENTS (chemistries); i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (fields, "chemistry", NULL), chemistries[i]) == 0)
      adw_combo_row_set_selected (self->chemistry_row, i);
  for (guint i = 1; i < G_N_ELEMENTS (ports); i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (fields, "charge_port", NULL), ports[i]) == 0)
      adw_combo_row_set_selected (self->port_row, i);
  /* A refused new customer is not in the cache: name it from the form. */
  if (self->mode == VB_CUSTOMER_EDITOR_NEW)
    {
      g_autofree char *name = vb_desk_dup_customer_name (fields);

      adw_window_title_set_subtitle (self->window_title, name);
    }
  clear_errors (self);
  show_error (self, field, message);
}

static void
vb_customer_editor_dispose (GObject *object)
{
  VbCustomerEditor *self = VB_CUSTOMER_EDITOR (object);

  stop_waiting (self);
  g_clear_object (&self->cache);
  g_clear_object (&self->client);
  g_clear_pointer (&self->original, json_object_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_CUSTOMER_EDITOR);
  G_OBJECT_CLASS (vb_customer_editor_parent_class)->dispose (object);
}

static void
vb_customer_editor_finalize (GObject *object)
{
  VbCustomerEditor *self = VB_CUSTOMER_EDITOR (object);

  g_array_unref (self->waiting);
  g_free (self->customer_id);
  g_free (self->error_field);
  g_free (self->error_text);
  G_OBJECT_CLASS (vb_customer_editor_parent_class)->finalize (object);
}

static void
vb_customer_editor_class_init (VbCustomerEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_customer_editor_dispose;
  object_class->finalize = vb_customer_editor_finalize;

  /* ::saved (customer id): the changes are in the outbox (and accepted, if
   * the server could be asked). */
  signals[SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-customer-editor.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, VbCustomerEditor, name)
  BIND (window_title); BIND (save_button); BIND (cancel_button); BIND (spinner); BIND (scroller); BIND (form);
  BIND (form_error); BIND (contact_group); BIND (contact_error); BIND (consent_group);
  BIND (vehicle_group); BIND (vehicle_error); BIND (kind_row); BIND (given_row); BIND (family_row);
  BIND (company_row); BIND (phone_row); BIND (email_row); BIND (address_row); BIND (language_row);
  BIND (consent_email_switch); BIND (consent_sms_switch); BIND (consent_marketing_switch);
  BIND (plate_row); BIND (vin_row); BIND (make_row); BIND (model_row); BIND (year_row);
  BIND (battery_row); BIND (chemistry_row); BIND (port_row);
#undef BIND

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
vb_customer_editor_init (VbCustomerEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->answer_timeout_ms = ANSWER_TIMEOUT_MS;
  self->waiting = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect_object (self->kind_row, "notify::selected", G_CALLBACK (kind_changed_cb), self,
                           G_CONNECT_SWAPPED);
}
