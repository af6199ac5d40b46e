/* vb-check-in-dialog.c — checking a car in: the reception form, the
 * customer's signature, and the work order it creates.
 *
 * POST /api/v1/work-orders accepts a client-chosen "id" (the handler's
 * create_fields, and "coalesce((b ->> 'id')::uuid, gen_random_uuid())"),
 * so a check-in goes through the sync engine like a new customer: it works
 * offline and the work order shows "Waiting to sync" until the server has
 * it.  The signature is drawn on a VbSignaturePad, exported as a PNG and
 * queued first as an upload (vb_sync_engine_upload, purpose "signature");
 * the work order names it in customer_signature_id, and the outbox sends
 * them in that order.
 *
 * As in VbCustomerEditor, while the server can be reached the dialog
 * waits a few seconds for the answers, so a refusal lands on its field
 * (a too-low odometer is the server's to know: its 422 names odometer_km)
 * with everything typed kept, and is dismissed from the problems list.
 * A retry reuses the work order's id, and the uploaded signature unless
 * the customer signed again.  Once saved the dialog offers the receipt
 * (VbCheckInReceipt) and the window opens the work order's page.
 *
 * The EV intake checklist is the server's check-in triage (smoke or
 * smell, burn marks, underbody damage, critical fault, fault codes):
 * sent when its switch is on; any finding quarantines the car.
 */
#include "vb-check-in-dialog.h"
#include "vb-cache.h"
#include "vb-client.h"
#include "vb-desk-presentation.h"
#include "vb-session.h"
#include "vb-sync-engine.h"

#include <glib/gi18n.h>
#include <stdlib.h>

#define ANSWER_TIMEOUT_MS 8000

struct _VbCheckInDialog
{
  AdwWindow parent_instance;

  /* template */
  AdwWindowTitle    *window_title;
  GtkWidget         *save_button;
  GtkWidget         *cancel_button;
  GtkSpinner        *spinner;
  GtkStack          *stack;
  GtkScrolledWindow *scroller;
  GtkWidget         *form;
  GtkLabel          *form_error;
  GtkLabel          *arrival_error;
  GtkLabel          *notes_error;
  GtkLabel          *triage_error;
  AdwEntryRow       *odometer_row;
  AdwEntryRow       *soc_in_row;
  AdwEntryRow       *soc_promised_row;
  GtkWidget         *cable_row;
  GtkSwitch         *cable_switch;
  AdwEntryRow       *parking_row;
  AdwEntryRow       *concerns_row;
  AdwEntryRow       *damage_row;
  AdwEntryRow       *items_row;
  GtkWidget         *consent_row;
  GtkSwitch         *consent_switch;
  AdwExpanderRow    *triage_row;
  GtkSwitch         *smoke_switch;
  GtkSwitch         *burn_switch;
  GtkSwitch         *underbody_switch;
  GtkSwitch         *fault_switch;
  AdwEntryRow       *fault_codes_row;
  AdwEntryRow       *software_row;
  GtkWidget         *signature_group;
  VbSignaturePad    *signature_pad;
  AdwStatusPage     *done_page;
  GtkWidget         *print_button;
  GtkWidget         *clear_button;

  VbClient   *client;
  VbCache    *cache;
  char       *appointment_id;
  char       *location_id;
  char       *customer_id;
  char       *vehicle_id;
  char       *work_order_id;   /* chosen at the first Save, kept for retries */
  char       *signature_id;    /* the uploaded (or queued) signature */
  GBytes     *signature_png;   /* its bytes, to know whether it changed */
  JsonObject *sent;            /* the last check-in body */
  char       *reply;           /* the server's answer to it, once accepted */
  GArray     *waiting;         /* outbox seqs (gint64) awaiting the server's answer */
  gint64      upload_seq;
  gint64      create_seq;
  guint       timeout_id;
  gulong      outbox_handler;
  char       *error_field;
  char       *error_text;
};

G_DEFINE_FINAL_TYPE (VbCheckInDialog, vb_check_in_dialog, ADW_TYPE_WINDOW)

enum {
  CHECKED_IN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------ errors --- */

static char *
stripped (AdwEntryRow *row)
{
  return g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (row))));
}

/* The row that shows a field's errors, the label under its group, and the
 * field's name as the user knows it. */
static GtkWidget *
row_for_field (VbCheckInDialog  *self,
               const char       *field,
               GtkLabel        **label,
               const char      **title)
{
  struct { const char *field; GtkWidget *row; GtkLabel *label; } map[] = {
    { "odometer_km", GTK_WIDGET (self->odometer_row), self->arrival_error },
    { "soc_in_percent", GTK_WIDGET (self->soc_in_row), self->arrival_error },
    { "soc_promised_percent", GTK_WIDGET (self->soc_promised_row), self->arrival_error },
    { "charge_cable_left", self->cable_row, self->arrival_error },
    { "parking_place", GTK_WIDGET (self->parking_row), self->arrival_error },
    { "triage.parking_place", GTK_WIDGET (self->parking_row), self->arrival_error },
    { "concerns", GTK_WIDGET (self->concerns_row), self->notes_error },
    { "damage_notes", GTK_WIDGET (self->damage_row), self->notes_error },
    { "items_left", GTK_WIDGET (self->items_row), self->notes_error },
    { "contact_consent", self->consent_row, self->notes_error },
    { "triage.fault_codes", GTK_WIDGET (self->fault_codes_row), self->triage_error },
    { "software_version_in", GTK_WIDGET (self->software_row), self->triage_error },
  };

  *label = self->form_error;
  *title = NULL;
  if (field == NULL)
    return NULL;
  for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (map[i].field, field))
      {
        *label = map[i].label;
        *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (map[i].row));
        return map[i].row;
      }
  if (g_str_has_prefix (field, "triage."))
    {
      *label = self->triage_error;
      *title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (self->triage_row));
      return GTK_WIDGET (self->triage_row);
    }
  if (g_str_equal (field, "customer_signature_id") || g_str_equal (field, "content") ||
      g_str_equal (field, "content_type"))
    *title = _("Customer signature");
  return NULL;
}

static void
clear_errors (VbCheckInDialog *self)
{
  GtkWidget *rows[] = { GTK_WIDGET (self->odometer_row), GTK_WIDGET (self->soc_in_row),
                        GTK_WIDGET (self->soc_promised_row), self->cable_row,
                        GTK_WIDGET (self->parking_row), GTK_WIDGET (self->concerns_row),
                        GTK_WIDGET (self->damage_row), GTK_WIDGET (self->items_row), self->consent_row,
                        GTK_WIDGET (self->triage_row), GTK_WIDGET (self->fault_codes_row),
                        GTK_WIDGET (self->software_row) };
  GtkLabel *labels[] = { self->form_error, self->arrival_error, self->notes_error, self->triage_error };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    gtk_widget_remove_css_class (rows[i], "error");
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    gtk_widget_set_visible (GTK_WIDGET (labels[i]), FALSE);
  g_clear_pointer (&self->error_field, g_free);
  g_clear_pointer (&self->error_text, g_free);
}

static gboolean
scroll_to_error_cb (gpointer data)
{
  VbCheckInDialog *self = data;
  GtkLabel *label;
  const char *title;
  GtkWidget *row = row_for_field (self, self->error_field, &label, &title);
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  graphene_point_t top, bottom;

  if (row == NULL)
    row = GTK_WIDGET (label);
  if (gtk_widget_compute_point (row, self->form, &GRAPHENE_POINT_INIT (0, 0), &top) &&
      gtk_widget_compute_point (GTK_WIDGET (label), self->form,
                                &GRAPHENE_POINT_INIT (0, gtk_widget_get_height (GTK_WIDGET (label))), &bottom))
    gtk_adjustment_clamp_page (adjustment, MIN (top.y, bottom.y) - 12, MAX (bottom.y, top.y) + 24);
  return G_SOURCE_REMOVE;
}

/* Shows message on field (the first error wins the focus). */
static void
show_error (VbCheckInDialog *self,
            const char      *field,
            const char      *message)
{
  GtkLabel *label;
  const char *title;
  GtkWidget *row = row_for_field (self, field, &label, &title);
  g_autofree char *text = NULL;

  if (title != NULL)
    /* Translators: a form field's name and what is wrong with it: "Odometer (km): …" */
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
        gtk_widget_grab_focus (row);
      g_idle_add_full (G_PRIORITY_LOW, scroll_to_error_cb, g_object_ref (self), g_object_unref);
    }
}

/* ------------------------------------------------------------ the form --- */

/* An integer in [min, max] from row, or -1 when blank; FALSE after showing
 * what is wrong. */
static gboolean
read_int (VbCheckInDialog *self,
          AdwEntryRow     *row,
          const char      *field,
          gint64           min,
          gint64           max,
          const char      *hint,
          gint64          *value)
{
  g_autofree char *text = stripped (row);
  char *end = NULL;
  gint64 parsed;

  /* Thousands separators as typed at a desk: "12 000", "12,000", "12.000". */
  g_strdelimit (text, " ,.'", '_');
  {
    g_auto(GStrv) parts = g_strsplit (text, "_", -1);
    g_autofree char *joined = g_strjoinv ("", parts);

    g_free (text);
    text = g_steal_pointer (&joined);
  }
  *value = -1;
  if (text[0] == '\0')
    return TRUE;
  parsed = g_ascii_strtoll (text, &end, 10);
  if (*end != '\0' || parsed < min || parsed > max)
    {
      show_error (self, field, hint);
      return FALSE;
    }
  *value = parsed;
  return TRUE;
}

static void
set_text (JsonObject  *body,
          const char  *member,
          AdwEntryRow *row)
{
  g_autofree char *text = stripped (row);

  json_object_set_string_member (body, member, text);
}

/* The check-in as POST /work-orders takes it (without id and signature),
 * or NULL after showing what is wrong. */
static JsonObject *
build_body (VbCheckInDialog *self)
{
  g_autoptr(JsonObject) body = json_object_new ();
  gint64 odometer, soc_in, soc_promised;
  gboolean ok = TRUE;
  g_autofree char *software = stripped (self->software_row);

  ok &= read_int (self, self->odometer_row, "odometer_km", 0, 3000000,
                  _("the reading in kilometres, such as 12000"), &odometer);
  if (ok && odometer < 0)
    {
      show_error (self, "odometer_km", _("type the reading on the dashboard"));
      ok = FALSE;
    }
  ok &= read_int (self, self->soc_in_row, "soc_in_percent", 0, 100, _("a percentage from 0 to 100"), &soc_in);
  ok &= read_int (self, self->soc_promised_row, "soc_promised_percent", 0, 100,
                  _("a percentage from 0 to 100"), &soc_promised);
  if (adw_expander_row_get_enable_expansion (self->triage_row) &&
      (gtk_switch_get_active (self->smoke_switch) || gtk_switch_get_active (self->burn_switch) ||
       gtk_switch_get_active (self->underbody_switch) || gtk_switch_get_active (self->fault_switch)))
    {
      g_autofree char *parking = stripped (self->parking_row);

      if (parking[0] == '\0')
        {
          show_error (self, "parking_place",
                      _("a car with a safety finding is quarantined where it is parked: say where"));
          ok = FALSE;
        }
    }
  if (!ok)
    return NULL;

  if (self->appointment_id != NULL)
    json_object_set_string_member (body, "appointment_id", self->appointment_id);
  else
    {
      json_object_set_string_member (body, "location_id", self->location_id);
      json_object_set_string_member (body, "customer_id", self->customer_id);
      json_object_set_string_member (body, "vehicle_id", self->vehicle_id);
    }
  json_object_set_int_member (body, "odometer_km", odometer);
  if (soc_in >= 0)
    json_object_set_int_member (body, "soc_in_percent", soc_in);
  if (soc_promised >= 0)
    json_object_set_int_member (body, "soc_promised_percent", soc_promised);
  json_object_set_boolean_member (body, "charge_cable_left", gtk_switch_get_active (self->cable_switch));
  json_object_set_boolean_member (body, "contact_consent", gtk_switch_get_active (self->consent_switch));
  set_text (body, "concerns", self->concerns_row);
  set_text (body, "damage_notes", self->damage_row);
  set_text (body, "items_left", self->items_row);
  set_text (body, "parking_place", self->parking_row);
  if (software[0] != '\0')
    json_object_set_string_member (body, "software_version_in", software);
  if (adw_expander_row_get_enable_expansion (self->triage_row))
    {
      JsonObject *triage = json_object_new ();
      JsonArray *codes = json_array_new ();
      g_autofree char *codes_text = stripped (self->fault_codes_row);
      g_auto(GStrv) parts = g_strsplit_set (codes_text, ", ;", -1);

      json_object_set_boolean_member (triage, "smoke_or_smell", gtk_switch_get_active (self->smoke_switch));
      json_object_set_boolean_member (triage, "burn_marks", gtk_switch_get_active (self->burn_switch));
      json_object_set_boolean_member (triage, "underbody_damage",
                                      gtk_switch_get_active (self->underbody_switch));
      json_object_set_boolean_member (triage, "critical_fault", gtk_switch_get_active (self->fault_switch));
      for (guint i = 0; parts[i] != NULL; i++)
        if (parts[i][0] != '\0')
          json_array_add_string_element (codes, parts[i]);
      json_object_set_array_member (triage, "fault_codes", codes);
      set_text (triage, "parking_place", self->parking_row);
      json_object_set_object_member (body, "triage", triage);
    }
  return g_steal_pointer (&body);
}

/* ------------------------------------------------------------- saving --- */

static void
set_busy (VbCheckInDialog *self,
          gboolean         busy)
{
  gtk_widget_set_sensitive (self->form, !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-in.save", !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
}

static void
stop_waiting (VbCheckInDialog *self)
{
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  if (self->outbox_handler != 0)
    g_clear_signal_handler (&self->outbox_handler, self->cache);
  g_array_set_size (self->waiting, 0);
}

static void
finish_saved (VbCheckInDialog *self,
              gboolean         confirmed)
{
  stop_waiting (self);
  set_busy (self, FALSE);
  /* Saved once: Ctrl+S must not queue it again. */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-in.save", FALSE);
  gtk_widget_set_visible (self->save_button, FALSE);
  gtk_widget_set_visible (self->cancel_button, FALSE);
  gtk_stack_set_visible_child_name (self->stack, "done");
  if (confirmed && self->reply != NULL)
    {
      g_autoptr(JsonNode) node = json_from_string (self->reply, NULL);
      JsonObject *order = node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      g_autofree char *title = NULL;

      if (order != NULL && json_object_has_member (order, "number"))
        {
          /* Translators: the status page after a check-in, with the work order's number */
          title = g_strdup_printf (_("Checked In as #%d"), (int) json_object_get_int_member (order, "number"));
          adw_status_page_set_title (self->done_page, title);
        }
      if (order != NULL && g_strcmp0 (json_object_get_string_member_with_default (order, "status", NULL),
                                      "quarantined") == 0)
        adw_status_page_set_description (self->done_page, _("The safety triage found a problem: "
                                                            "the car is quarantined where it is parked."));
    }
  else
    adw_status_page_set_description (self->done_page, _("Waiting to sync: the work order gets its "
                                                        "number when the server has it."));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-in.print-receipt", TRUE);
  gtk_widget_grab_focus (self->print_button);
  g_signal_emit (self, signals[CHECKED_IN], 0, self->work_order_id);
}

/* The server's 422 for an odometer below the vehicle's highest reading
 * carries that reading (details.previous_km): say it in the desk's words.
 * Other refusals keep the server's message. */
static char *
dup_refusal (const char  *reply,
             char       **field)
{
  g_autofree char *message = vb_desk_dup_refusal (reply, field);
  g_autoptr(JsonNode) root = reply != NULL ? json_from_string (reply, NULL) : NULL;
  JsonObject *error = NULL;
  JsonObject *details = NULL;

  if (g_strcmp0 (*field, "odometer_km") != 0 || root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return g_steal_pointer (&message);
  if (json_object_has_member (json_node_get_object (root), "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (root), "error")))
    error = json_object_get_object_member (json_node_get_object (root), "error");
  if (error != NULL && json_object_has_member (error, "details") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (error, "details")))
    details = json_object_get_object_member (error, "details");
  if (details == NULL || !json_object_has_member (details, "previous_km"))
    return g_steal_pointer (&message);
  /* Translators: the server refused a check-in's odometer; %'d is the highest reading on record */
  return g_strdup_printf (_("lower than the vehicle’s last reading, %'d km: check the dashboard "
                            "(a wrong earlier reading is corrected on the vehicle’s readings)"),
                          (int) json_object_get_int_member (details, "previous_km"));
}

/* Whether every waited-for change has an answer; shows refusals. */
static void
check_answers (VbCheckInDialog *self)
{
  gboolean refused = FALSE;

  for (guint i = 0; i < self->waiting->len; i++)
    {
      gint64 seq = g_array_index (self->waiting, gint64, i);
      g_autoptr(VbOutboxEntry) entry = vb_cache_get_entry (self->cache, seq);

      if (entry == NULL || entry->state == VB_OUTBOX_PENDING)
        return;
    }

  clear_errors (self);
  for (guint i = 0; i < self->waiting->len; i++)
    {
      gint64 seq = g_array_index (self->waiting, gint64, i);
      g_autoptr(VbOutboxEntry) entry = vb_cache_get_entry (self->cache, seq);
      g_autofree char *field = NULL;
      g_autofree char *message = NULL;

      if (entry->state == VB_OUTBOX_APPLIED)
        {
          if (seq == self->create_seq)
            {
              g_free (self->reply);
              self->reply = g_strdup (entry->reply);
            }
          continue;
        }
      message = dup_refusal (entry->reply, &field);
      if (seq == self->upload_seq)
        {
          /* The signature must be sent again. */
          g_clear_pointer (&self->signature_id, g_free);
          g_clear_pointer (&self->signature_png, g_bytes_unref);
          show_error (self, "customer_signature_id", message);
        }
      /* A check-in refused only because its signature was: say nothing more. */
      else if (!refused)
        show_error (self, field, message);
      refused = TRUE;
      /* Shown here, where it can be fixed: not also in the problems list. */
      vb_cache_dismiss_problem (self->cache, seq, NULL);
    }
  stop_waiting (self);
  if (!refused)
    {
      finish_saved (self, TRUE);
      return;
    }
  set_busy (self, FALSE);
}

static gboolean
answer_timeout_cb (gpointer data)
{
  VbCheckInDialog *self = data;

  self->timeout_id = 0;
  /* Saved here; the server will get it.  A later refusal shows in the
   * header bar's problems button. */
  finish_saved (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  VbCheckInDialog *self = VB_CHECK_IN_DIALOG (widget);
  VbSyncEngine *engine = vb_client_get_sync_engine (self->client);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  gint64 seq;

  clear_errors (self);
  if (engine == NULL || (self->appointment_id == NULL && self->location_id == NULL))
    {
      show_error (self, NULL, engine == NULL
                              ? _("This desk’s records are not open yet; wait for the first sync")
                              : _("This desk has no location to check cars in at"));
      return;
    }
  g_set_object (&self->cache, vb_sync_engine_get_cache (engine));
  body = build_body (self);
  if (body == NULL)
    return;

  g_array_set_size (self->waiting, 0);
  self->upload_seq = 0;
  self->create_seq = 0;
  if (!vb_signature_pad_is_empty (self->signature_pad))
    {
      png = vb_signature_pad_dup_png (self->signature_pad, &error);
      if (png == NULL)
        {
          show_error (self, "customer_signature_id", error->message);
          return;
        }
    }
  /* A new or changed signature is uploaded; an unchanged one is reused. */
  if (png != NULL && (self->signature_png == NULL || !g_bytes_equal (png, self->signature_png)))
    {
      g_autofree char *id = NULL;

      seq = vb_sync_engine_upload (engine, self->location_id, "signature", "signature.png", "image/png", png,
                                   &id, &error);
      if (seq <= 0)
        {
          show_error (self, "customer_signature_id", error->message);
          return;
        }
      g_free (self->signature_id);
      self->signature_id = g_steal_pointer (&id);
      g_clear_pointer (&self->signature_png, g_bytes_unref);
      self->signature_png = g_bytes_ref (png);
      self->upload_seq = seq;
      g_array_append_val (self->waiting, seq);
    }
  if (png != NULL && self->signature_id != NULL)
    json_object_set_string_member (body, "customer_signature_id", self->signature_id);

  if (self->work_order_id == NULL)
    self->work_order_id = g_uuid_string_random ();
  json_object_set_string_member (body, "id", self->work_order_id);
  g_clear_pointer (&self->sent, json_object_unref);
  self->sent = json_object_ref (body);
  seq = vb_sync_engine_create (engine, "work_orders", "/api/v1/work-orders", body, &error);
  if (seq <= 0)
    {
      show_error (self, NULL, error->message);
      return;
    }
  self->create_seq = seq;
  g_array_append_val (self->waiting, seq);

  /* Offline: saved here, it waits in the outbox. */
  if (!vb_client_get_can_reach_server (self->client))
    {
      finish_saved (self, FALSE);
      return;
    }
  set_busy (self, TRUE);
  self->outbox_handler = g_signal_connect_object (self->cache, "outbox-changed",
                                                  G_CALLBACK (check_answers), self, G_CONNECT_SWAPPED);
  self->timeout_id = g_timeout_add (ANSWER_TIMEOUT_MS, answer_timeout_cb, self);
  check_answers (self);
}

static void
clear_signature_action (GtkWidget  *widget,
                        const char *action_name,
                        GVariant   *parameter)
{
  vb_signature_pad_clear (VB_CHECK_IN_DIALOG (widget)->signature_pad);
}

/* ------------------------------------------------------------ receipt --- */

VbCheckInReceipt *
vb_check_in_dialog_dup_receipt (VbCheckInDialog *self)
{
  g_autoptr(JsonObject) order = NULL;
  g_autoptr(JsonObject) location = NULL;

  g_return_val_if_fail (VB_IS_CHECK_IN_DIALOG (self), NULL);

  if (self->sent == NULL)
    return NULL;
  if (self->reply != NULL)
    {
      g_autoptr(JsonNode) node = json_from_string (self->reply, NULL);

      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        order = json_object_ref (json_node_get_object (node));
    }
  if (order == NULL)
    {
      /* Not confirmed yet: what was sent, with the cached customer and car. */
      g_autoptr(JsonNode) sent = json_node_init_object (json_node_alloc (), self->sent);
      g_autofree char *text = json_to_string (sent, FALSE);
      g_autoptr(JsonNode) node = json_from_string (text, NULL);
      JsonObject *customer = self->cache != NULL
                             ? vb_cache_get (self->cache, "customers", self->customer_id) : NULL;
      JsonObject *vehicle = self->cache != NULL
                            ? vb_cache_get (self->cache, "vehicles", self->vehicle_id) : NULL;

      order = json_object_ref (json_node_get_object (node));
      if (customer != NULL)
        json_object_set_object_member (order, "customer", customer);
      if (vehicle != NULL)
        json_object_set_object_member (order, "vehicle", vehicle);
    }
  if (self->cache != NULL)
    location = vb_cache_get (self->cache, "locations",
                             json_object_get_string_member_with_default (order, "location_id", self->location_id));
  return vb_check_in_receipt_new (order, location, self->signature_png);
}

static void
print_receipt_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  VbCheckInDialog *self = VB_CHECK_IN_DIALOG (widget);
  g_autoptr(VbCheckInReceipt) receipt = vb_check_in_dialog_dup_receipt (self);
  g_autoptr(GError) error = NULL;

  if (receipt == NULL)
    return;
  if (!vb_check_in_receipt_print (receipt, GTK_WINDOW (self), &error))
    adw_status_page_set_description (self->done_page, error->message);
}

/* ------------------------------------------------------------- set-up --- */

/* The desk's location for a walk-in: the user's first role with a
 * location, else the vehicle's. */
static char *
dup_desk_location (VbCheckInDialog *self,
                   JsonObject      *vehicle)
{
  VbSession *session = vb_client_get_session (self->client);
  JsonObject *user = session != NULL ? vb_session_get_user (session) : NULL;

  if (user != NULL && json_object_has_member (user, "roles"))
    {
      JsonArray *roles = json_object_get_array_member (user, "roles");

      for (guint i = 0; i < json_array_get_length (roles); i++)
        {
          const char *id = json_object_get_string_member_with_default (json_array_get_object_element (roles, i),
                                                                       "location_id", NULL);
          if (id != NULL)
            return g_strdup (id);
        }
    }
  return vehicle != NULL ? g_strdup (json_object_get_string_member_with_default (vehicle, "location_id", NULL))
                         : NULL;
}

VbCheckInDialog *
vb_check_in_dialog_new (GtkWindow  *parent,
                        VbClient   *client,
                        const char *appointment_id,
                        const char *vehicle_id)
{
  VbCheckInDialog *self;
  g_autoptr(JsonObject) vehicle = NULL;
  g_autoptr(JsonObject) customer = NULL;
  g_autofree char *name = NULL;
  g_autofree char *car = NULL;
  g_autofree char *subtitle = NULL;

  g_return_val_if_fail (VB_IS_CLIENT (client), NULL);
  g_return_val_if_fail ((appointment_id == NULL) != (vehicle_id == NULL), NULL);

  self = g_object_new (VB_TYPE_CHECK_IN_DIALOG, "transient-for", parent, NULL);
  self->client = g_object_ref (client);
  self->cache = vb_client_get_cache (client) != NULL ? g_object_ref (vb_client_get_cache (client)) : NULL;
  self->appointment_id = g_strdup (appointment_id);
  self->vehicle_id = g_strdup (vehicle_id);
  if (self->cache != NULL && appointment_id != NULL)
    {
      g_autoptr(JsonObject) appointment = vb_cache_get (self->cache, "appointments", appointment_id);

      if (appointment != NULL)
        {
#define MEMBER(name) g_strdup (json_object_get_string_member_with_default (appointment, name, NULL))
          self->location_id = MEMBER ("location_id");
          self->customer_id = MEMBER ("customer_id");
          g_free (self->vehicle_id);
          self->vehicle_id = MEMBER ("vehicle_id");
#undef MEMBER
        }
    }
  if (self->cache != NULL && self->vehicle_id != NULL)
    vehicle = vb_cache_get (self->cache, "vehicles", self->vehicle_id);
  if (appointment_id == NULL && vehicle != NULL)
    {
      self->customer_id = g_strdup (json_object_get_string_member_with_default (vehicle, "customer_id", NULL));
      self->location_id = dup_desk_location (self, vehicle);
    }
  if (self->cache != NULL && self->customer_id != NULL)
    customer = vb_cache_get (self->cache, "customers", self->customer_id);

  adw_window_title_set_title (self->window_title,
                              appointment_id != NULL ? _("Check In") : _("Walk-in Check-in"));
  name = vb_desk_dup_customer_name (customer);
  car = vb_desk_dup_vehicle_summary (vehicle);
  /* Translators: the check-in dialog's subtitle: customer · car */
  subtitle = g_strdup_printf (_("%s · %s"), name != NULL ? name : "", car != NULL ? car : "");
  adw_window_title_set_subtitle (self->window_title, subtitle);
  if (vehicle != NULL && json_object_get_string_member_with_default (vehicle, "software_version", NULL) != NULL)
    gtk_editable_set_text (GTK_EDITABLE (self->software_row),
                           json_object_get_string_member (vehicle, "software_version"));
  if (self->vehicle_id == NULL)
    show_error (self, NULL, _("The booking names no car: add the car to the booking, or check it in "
                              "as a walk-in from the customer’s page"));
  gtk_widget_grab_focus (GTK_WIDGET (self->odometer_row));
  return self;
}

VbSignaturePad *
vb_check_in_dialog_get_signature_pad (VbCheckInDialog *self)
{
  g_return_val_if_fail (VB_IS_CHECK_IN_DIALOG (self), NULL);
  return self->signature_pad;
}

const char *
vb_check_in_dialog_get_error_field (VbCheckInDialog *self)
{
  g_return_val_if_fail (VB_IS_CHECK_IN_DIALOG (self), NULL);
  return self->error_field;
}

const char *
vb_check_in_dialog_get_error_text (VbCheckInDialog *self)
{
  g_return_val_if_fail (VB_IS_CHECK_IN_DIALOG (self), NULL);
  return self->error_text;
}

const char *
vb_check_in_dialog_get_work_order_id (VbCheckInDialog *self)
{
  g_return_val_if_fail (VB_IS_CHECK_IN_DIALOG (self), NULL);
  return self->work_order_id;
}

static void
vb_check_in_dialog_dispose (GObject *object)
{
  VbCheckInDialog *self = VB_CHECK_IN_DIALOG (object);

  stop_waiting (self);
  g_clear_object (&self->cache);
  g_clear_object (&self->client);
  gtk_widget_dispose_template (GTK_WIDGET (self), VB_TYPE_CHECK_IN_DIALOG);
  G_OBJECT_CLASS (vb_check_in_dialog_parent_class)->dispose (object);
}

static void
vb_check_in_dialog_finalize (GObject *object)
{
  VbCheckInDialog *self = VB_CHECK_IN_DIALOG (object);

  g_array_unref (self->waiting);
  g_free (self->appointment_id);
  g_free (self->location_id);
  g_free (self->customer_id);
  g_free (self->vehicle_id);
  g_free (self->work_order_id);
  g_free (self->signature_id);
  g_clear_pointer (&self->signature_png, g_bytes_unref);
  g_clear_pointer (&self->sent, json_object_unref);
  g_free (self->reply);
  g_free (self->error_field);
  g_free (self->error_text);
  G_OBJECT_CLASS (vb_check_in_dialog_parent_class)->finalize (object);
}

static void
vb_check_in_dialog_class_init (VbCheckInDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_check_in_dialog_dispose;
  object_class->finalize = vb_check_in_dialog_finalize;

  /* ::checked-in (work order id): the check-in is in the outbox (and
   * accepted, if the server could be asked). */
  signals[CHECKED_IN] = g_signal_new ("checked-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                      NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (VB_TYPE_SIGNATURE_PAD);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Reception/vb-check-in-dialog.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, VbCheckInDialog, name)
  BIND (window_title); BIND (save_button); BIND (cancel_button); BIND (spinner); BIND (stack);
  BIND (scroller); BIND (form);
  BIND (form_error); BIND (arrival_error); BIND (notes_error); BIND (triage_error);
  BIND (odometer_row); BIND (soc_in_row); BIND (soc_promised_row); BIND (cable_row); BIND (cable_switch);
  BIND (parking_row); BIND (concerns_row); BIND (damage_row); BIND (items_row); BIND (consent_row);
  BIND (consent_switch); BIND (triage_row); BIND (smoke_switch); BIND (burn_switch); BIND (underbody_switch);
  BIND (fault_switch); BIND (fault_codes_row); BIND (software_row); BIND (signature_group);
  BIND (signature_pad); BIND (done_page); BIND (print_button);
  BIND (clear_button);
#undef BIND

  gtk_widget_class_install_action (widget_class, "check-in.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "check-in.clear-signature", NULL, clear_signature_action);
  gtk_widget_class_install_action (widget_class, "check-in.print-receipt", NULL, print_receipt_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK, "check-in.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_p, GDK_CONTROL_MASK,
                                       "check-in.print-receipt", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
update_clear_cb (VbCheckInDialog *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-in.clear-signature",
                                 !vb_signature_pad_is_empty (self->signature_pad));
}

static void
vb_check_in_dialog_init (VbCheckInDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->waiting = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_signal_connect_object (self->signature_pad, "notify::empty", G_CALLBACK (update_clear_cb), self,
                           G_CONNECT_SWAPPED);
  update_clear_cb (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "check-in.print-receipt", FALSE);
}
