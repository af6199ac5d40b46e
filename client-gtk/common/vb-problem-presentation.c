/* vb-problem-presentation.c — a refused or conflicting outbox change in the
 * words of the forms it came from.
 *
 * The sync problems dialog must say what the user tried, when, and why the
 * server said no, so that it can be fixed: the outbox keeps the change's
 * fields (JSON) and the server's 4xx body ({"error": {"message", "field"}},
 * docs API conventions), and these functions turn them into sentences.
 * Field names become the labels the editors show ("phones" → "Phone");
 * ids, versions and nested objects (consent) are left out: they are not
 * something the user typed.  Pure functions, so they need no display.
 */
#include "vb-problem-presentation.h"
#include "vb-presentation.h"

#include <glib/gi18n-lib.h>
#include <string.h>

typedef struct
{
  const char *field;
  const char *label;
} FieldLabel;

static const FieldLabel field_labels[] = {
  { "kind", N_("Kind") },
  { "given_name", N_("Given name") },
  { "family_name", N_("Family name") },
  { "company_name", N_("Company") },
  { "display_name", N_("Name") },
  { "phones", N_("Phone") },
  { "emails", N_("E-mail") },
  { "address", N_("Address") },
  { "preferred_language", N_("Language") },
  { "notes", N_("Notes") },
  { "plate", N_("Plate") },
  { "vin", N_("VIN") },
  { "make", N_("Make") },
  { "model", N_("Model") },
  { "year", N_("Year") },
  { "battery_usable_kwh", N_("Battery capacity") },
  { "chemistry", N_("Chemistry") },
  { "charge_port", N_("Charge port") },
  { "starts_at", N_("Time") },
  { "ends_at", N_("Ends") },
  { "service_type_ids", N_("Services") },
  { "bay_id", N_("Bay") },
  { "technician_id", N_("Technician") },
  { "customer_id", N_("Customer") },
  { "vehicle_id", N_("Vehicle") },
  { "status", N_("Status") },
  { "consent", N_("Consent") },
  { "odometer_km", N_("Odometer") },
  { "body", N_("Text") },
};

const char *
vb_problem_get_field_label (const char *field)
{
  g_return_val_if_fail (field != NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (field_labels); i++)
    if (g_str_equal (field_labels[i].field, field))
      return _(field_labels[i].label);
  return field;
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  if (text == NULL || *text == '\0')
    return NULL;
  node = json_from_string (text, NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

static JsonObject *
entry_fields (const VbOutboxEntry *entry)
{
  return parse_object (entry->fields != NULL ? entry->fields : entry->body);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* A value as text: strings as they are, a list of strings joined, numbers
 * and booleans as JSON; NULL for objects (nothing a form shows as one). */
static char *
dup_value (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup (_("(empty)"));
  if (JSON_NODE_HOLDS_VALUE (node))
    {
      if (json_node_get_value_type (node) == G_TYPE_STRING)
        return g_strdup (*json_node_get_string (node) != '\0' ? json_node_get_string (node) : _("(empty)"));
      return json_to_string (node, FALSE);
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      g_autoptr(GString) text = g_string_new (NULL);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          g_autofree char *shown = JSON_NODE_HOLDS_VALUE (element) ? dup_value (element) : NULL;

          if (shown == NULL)
            continue;
          if (text->len > 0)
            g_string_append (text, ", ");
          g_string_append (text, shown);
        }
      return g_strdup (text->len > 0 ? text->str : _("(empty)"));
    }
  return NULL;
}

/* Members that name records or bookkeeping, not what the user typed. */
static gboolean
is_noise (const char *name)
{
  return g_str_equal (name, "id") || g_str_equal (name, "version") || g_str_equal (name, "kind") ||
         g_str_equal (name, "source") || g_str_has_suffix (name, "_id") || g_str_has_suffix (name, "_ids") ||
         g_str_equal (name, "preferred_language") || g_str_equal (name, "status");
}

/* A time as the booking's location counts it (tz; NULL: this computer's). */
static GDateTime *
time_in (const char *iso,
         GTimeZone  *tz)
{
  g_autoptr(GDateTime) time = iso != NULL ? g_date_time_new_from_iso8601 (iso, NULL) : NULL;

  if (time == NULL)
    return NULL;
  return tz != NULL ? g_date_time_to_timezone (time, tz) : g_date_time_to_local (time);
}

static char *
dup_day_time (const char *iso,
              GTimeZone  *tz)
{
  g_autoptr(GDateTime) there = time_in (iso, tz);

  if (there == NULL)
    return NULL;
  /* Translators: a booking's day and time, strftime format */
  return g_date_time_format (there, _("%a %-d %b, %H:%M"));
}

static char *
dup_clock (const char *iso,
           GTimeZone  *tz)
{
  g_autoptr(GDateTime) there = time_in (iso, tz);

  if (there == NULL)
    return NULL;
  return g_date_time_format (there, "%H:%M");
}

/* What the change was about: a customer's name, a vehicle's plate, a
 * booking's time; NULL when the fields do not say. */
static char *
dup_subject (const VbOutboxEntry *entry,
             JsonObject          *fields,
             GTimeZone           *tz)
{
  const char *entity = entry->entity != NULL ? entry->entity : "";

  if (fields == NULL)
    return NULL;
  if (g_str_equal (entity, "customers"))
    {
      const char *given = string_member (fields, "given_name");
      const char *family = string_member (fields, "family_name");
      const char *company = string_member (fields, "company_name");
      g_autofree char *name = g_strstrip (g_strdup_printf ("%s %s", given != NULL ? given : "",
                                                           family != NULL ? family : ""));

      if (company != NULL && *company != '\0' && g_strcmp0 (string_member (fields, "kind"), "company") == 0)
        return g_strdup (company);
      return *name != '\0' ? g_steal_pointer (&name) : NULL;
    }
  if (g_str_equal (entity, "vehicles"))
    {
      const char *plate = string_member (fields, "plate");
      const char *vin = string_member (fields, "vin");

      if (plate != NULL && *plate != '\0')
        return g_strdup (plate);
      return vin != NULL && *vin != '\0' ? g_strdup (vin) : NULL;
    }
  if (g_str_equal (entity, "appointments"))
    return dup_day_time (string_member (fields, "starts_at"), tz);
  return NULL;
}

char *
vb_problem_dup_title (const VbOutboxEntry *entry,
                      JsonObject          *record,
                      GTimeZone           *tz,
                      const char          *place)
{
  g_autofree char *attempt = NULL;
  g_autofree char *subject = NULL;
  g_autoptr(JsonObject) fields = NULL;

  g_return_val_if_fail (entry != NULL, NULL);
  attempt = vb_outbox_entry_dup_attempt (entry);
  fields = entry_fields (entry);
  subject = dup_subject (entry, fields, tz);
  if (subject == NULL)
    subject = dup_subject (entry, record, tz);
  if (subject == NULL)
    return g_steal_pointer (&attempt);
  if (place != NULL && *place != '\0')
    {
      g_autofree char *here = subject;

      /* Translators: a booking's time and its location: "Mon 7 Dec, 09:00 at District 1" */
      subject = g_strdup_printf (_("%s at %s"), here, place);
    }
  /* Translators: what was tried and what it was about: "New customer: Hannah Nguyen" */
  return g_strdup_printf (_("%s: %s"), attempt, subject);
}

/* The members dup_subject() names the record by (shown in the title). */
static gboolean
is_subject (const VbOutboxEntry *entry,
            const char          *name)
{
  const char *entity = entry->entity != NULL ? entry->entity : "";

  if (g_str_equal (entity, "customers"))
    return g_str_equal (name, "given_name") || g_str_equal (name, "family_name") ||
           g_str_equal (name, "company_name");
  if (g_str_equal (entity, "vehicles"))
    return g_str_equal (name, "plate");
  if (g_str_equal (entity, "appointments"))
    return g_str_equal (name, "starts_at");
  return FALSE;
}

char *
vb_problem_dup_tried (const VbOutboxEntry *entry,
                      GTimeZone           *tz)
{
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *subject = NULL;

  g_return_val_if_fail (entry != NULL, NULL);
  fields = entry_fields (entry);
  if (fields == NULL)
    return g_strdup ("");
  subject = dup_subject (entry, fields, tz);
  /* A change to a record: only what it changed (an editor sends the
   * whole form). */
  if (entry->kind == VB_CHANGE_UPDATE)
    base = parse_object (entry->base);
  /* In the order the forms ask, then anything else. */
  for (gsize i = 0; i < G_N_ELEMENTS (field_labels); i++)
    {
      const char *name = field_labels[i].field;
      JsonNode *node = json_object_get_member (fields, name);
      g_autofree char *value = NULL;

      if (node == NULL || is_noise (name) || JSON_NODE_HOLDS_NULL (node) ||
          (subject != NULL && is_subject (entry, name)))
        continue;
      if (base != NULL && json_object_has_member (base, name) &&
          json_node_equal (node, json_object_get_member (base, name)))
        continue;
      if (g_str_equal (name, "starts_at"))
        value = dup_day_time (string_member (fields, name), tz);
      else if (g_str_equal (name, "ends_at"))
        value = dup_clock (string_member (fields, name), tz);
      else
        value = dup_value (node);
      if (value == NULL || g_str_equal (value, _("(empty)")))
        continue;
      if (text->len > 0)
        g_string_append (text, " · ");
      /* Translators: a field's label and the value tried: "Phone: 0901 234 567" */
      g_string_append_printf (text, _("%s: %s"), _(field_labels[i].label), value);
    }
  return g_strdup (text->str);
}

char *
vb_problem_dup_when (const VbOutboxEntry *entry,
                     GDateTime           *now)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) then = NULL;
  g_autoptr(GDateTime) here_now = NULL;
  g_autofree char *clock = NULL;
  g_autofree char *day = NULL;

  g_return_val_if_fail (entry != NULL && now != NULL, NULL);
  utc = g_date_time_new_from_unix_utc (entry->created_at / G_USEC_PER_SEC);
  if (utc == NULL)
    return g_strdup ("");
  then = g_date_time_to_local (utc);
  here_now = g_date_time_to_local (now);
  clock = g_date_time_format (then, "%H:%M");
  if (g_date_time_get_year (then) == g_date_time_get_year (here_now) &&
      g_date_time_get_day_of_year (then) == g_date_time_get_day_of_year (here_now))
    /* Translators: %s is a time of day, "14:05" */
    return g_strdup_printf (_("Tried today at %s"), clock);
  /* Translators: a day, strftime format */
  day = g_date_time_format (then, _("%a %-d %b"));
  /* Translators: a day and a time of day: "Tried Mon 7 Dec at 14:05" */
  return g_strdup_printf (_("Tried %s at %s"), day, clock);
}

char *
vb_problem_dup_reason (const VbOutboxEntry *entry,
                       char               **field)
{
  g_autoptr(JsonObject) reply = NULL;
  JsonObject *error = NULL;
  const char *message = NULL;
  const char *name = NULL;

  g_return_val_if_fail (entry != NULL, NULL);
  if (field != NULL)
    *field = NULL;
  reply = parse_object (entry->reply);
  if (reply != NULL && json_object_has_member (reply, "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (reply, "error")))
    error = json_object_get_object_member (reply, "error");
  if (error != NULL)
    {
      message = string_member (error, "message");
      name = string_member (error, "field");
    }
  if (field != NULL)
    *field = g_strdup (name);
  if (entry->state == VB_OUTBOX_CONFLICT)
    return g_strdup (_("Someone changed the same fields on the server in the meantime"));
  if (message == NULL)
    message = _("the server gave no reason");
  if (name != NULL)
    /* Translators: the field the server refused and its reason: "Phone: phones must be …" */
    return g_strdup_printf (_("Refused — %s: %s"), vb_problem_get_field_label (name), message);
  /* Translators: the server's reason for refusing a change */
  return g_strdup_printf (_("Refused — %s"), message);
}

char *
vb_problem_dup_conflict (const VbOutboxEntry *entry,
                         JsonObject          *server_row)
{
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GList) members = NULL;
  JsonNode *conflicting;

  g_return_val_if_fail (entry != NULL, NULL);
  reply = parse_object (entry->reply);
  fields = entry_fields (entry);
  base = parse_object (entry->base);
  if (fields == NULL)
    return g_strdup ("");
  conflicting = reply != NULL ? json_object_get_member (reply, "conflicting_fields") : NULL;
  if (conflicting != NULL && JSON_NODE_HOLDS_ARRAY (conflicting))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (conflicting)); i++)
      {
        const char *name = json_array_get_string_element (json_node_get_array (conflicting), i);

        if (name != NULL && json_object_has_member (fields, name))
          g_ptr_array_add (names, (gpointer) name);
      }
  /* No list from the server: every field this change set. */
  if (names->len == 0)
    {
      members = json_object_get_members (fields);
      for (GList *l = members; l != NULL; l = l->next)
        if (!g_str_equal (l->data, "id") && !g_str_equal (l->data, "version"))
          g_ptr_array_add (names, l->data);
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *mine = dup_value (json_object_get_member (fields, name));
      g_autofree char *was = base != NULL && json_object_has_member (base, name)
                             ? dup_value (json_object_get_member (base, name)) : NULL;
      g_autofree char *theirs = server_row != NULL && json_object_has_member (server_row, name)
                                ? dup_value (json_object_get_member (server_row, name)) : NULL;

      if (mine == NULL)
        continue;
      if (text->len > 0)
        g_string_append_c (text, '\n');
      if (was != NULL && g_str_equal (was, _("(empty)")))
        {
          g_free (was);
          was = g_strdup (_("empty"));
        }
      if (theirs != NULL && was != NULL)
        /* Translators: a field, the user's value, the value it had, and the server's value now */
        g_string_append_printf (text, _("%s — yours: %s (was %s) · on the server now: %s"),
                                vb_problem_get_field_label (name), mine, was, theirs);
      else if (theirs != NULL)
        g_string_append_printf (text, _("%s — yours: %s · on the server now: %s"),
                                vb_problem_get_field_label (name), mine, theirs);
      else
        g_string_append_printf (text, _("%s — yours: %s"), vb_problem_get_field_label (name), mine);
    }
  return g_strdup (text->str);
}

gboolean
vb_problem_can_retry (const VbOutboxEntry *entry)
{
  g_return_val_if_fail (entry != NULL, FALSE);
  if (entry->body_bytes != NULL || entry->method == NULL || entry->path == NULL)
    return FALSE;
  if (entry->state == VB_OUTBOX_CONFLICT)
    return entry->kind == VB_CHANGE_UPDATE;
  /* Bad input stays bad, a missing record stays missing, and a permission
   * does not come back by asking again: those need Edit or Dismiss. */
  switch (entry->status)
    {
    case 400:
    case 401:
    case 403:
    case 404:
    case 405:
    case 410:
    case 413:
    case 415:
    case 422:
      return FALSE;
    default:
      return TRUE;
    }
}
