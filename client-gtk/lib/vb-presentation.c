/* vb-presentation.c — labels, icons and messages, kept out of the widgets.
 *
 * Every user-visible sentence the client library can produce about a
 * connection, an error or a user is decided here, so the wording is tested
 * in `tests/ui/test-presentation.c` without a display, and the widgets only
 * put strings where they belong.
 */
#include "vb-presentation.h"
#include "vb-client-error.h"

#include "vb-error.h"

#include <glib/gi18n-lib.h>
#include <locale.h>
#include <string.h>

const char *
vb_connection_state_get_label (VbConnectionState state)
{
  switch (state)
    {
    case VB_CONNECTION_STATE_ONLINE:       return _("Online");
    case VB_CONNECTION_STATE_CONNECTING:   return _("Connecting…");
    case VB_CONNECTION_STATE_RECONNECTING: return _("Reconnecting…");
    case VB_CONNECTION_STATE_OFFLINE:
    default:                               return _("Offline");
    }
}

const char *
vb_connection_state_get_icon_name (VbConnectionState state)
{
  switch (state)
    {
    case VB_CONNECTION_STATE_ONLINE:       return "network-transmit-receive-symbolic";
    case VB_CONNECTION_STATE_CONNECTING:
    case VB_CONNECTION_STATE_RECONNECTING: return "emblem-synchronizing-symbolic";
    case VB_CONNECTION_STATE_OFFLINE:
    default:                               return "network-offline-symbolic";
    }
}

char *
vb_format_count (guint64 n)
{
  g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, n);
  const char *separator = localeconv ()->thousands_sep;
  GString *text = g_string_new (NULL);
  gsize len = strlen (digits);

  /* Not printf's "%'": it prints nothing between groups in C and C.UTF-8,
   * where "5000" would read as less than "1,200" beside it. */
  if (separator == NULL || *separator == '\0')
    separator = ",";
  for (gsize i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append (text, separator);
      g_string_append_c (text, digits[i]);
    }
  return g_string_free (text, FALSE);
}

char *
vb_sync_status_dup_label (VbConnectionState connection,
                          VbSyncState       sync,
                          guint64           done,
                          guint64           total,
                          guint             pending)
{
  /* The live connection says whether the server is there at all; the
   * engine's own failures (a 5xx on a pull) count as offline too. */
  if (connection != VB_CONNECTION_STATE_ONLINE || sync == VB_SYNC_STATE_OFFLINE)
    {
      if (pending > 0)
        /* Translators: %u is a number of changes made offline */
        return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                             "Offline — %u change waiting",
                                             "Offline — %u changes waiting", pending),
                                pending);
      if (connection == VB_CONNECTION_STATE_ONLINE)
        return g_strdup (vb_connection_state_get_label (VB_CONNECTION_STATE_OFFLINE));
      return g_strdup (vb_connection_state_get_label (connection));
    }
  if (sync == VB_SYNC_STATE_SYNCING)
    {
      /* Counts only while a pull is under way; a push, or a pull that fits
       * in one page, has nothing to count. */
      if (total > 0 && done < total)
        {
          g_autofree char *d = vb_format_count (done);
          g_autofree char *t = vb_format_count (total);

          /* Translators: records received so far and in all, "Syncing 1,200 of 5,000" */
          return g_strdup_printf (_("Syncing %s of %s"), d, t);
        }
      return g_strdup (_("Syncing…"));
    }
  if (pending > 0)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%u change waiting", "%u changes waiting", pending),
                            pending);
  return g_strdup (_("Up to date"));
}

const char *
vb_sync_status_get_icon_name (VbConnectionState connection,
                              VbSyncState       sync)
{
  if (connection != VB_CONNECTION_STATE_ONLINE)
    return vb_connection_state_get_icon_name (connection);
  switch (sync)
    {
    case VB_SYNC_STATE_ONLINE:  return "emblem-ok-symbolic";
    case VB_SYNC_STATE_SYNCING: return "emblem-synchronizing-symbolic";
    case VB_SYNC_STATE_OFFLINE:
    default:                    return "network-offline-symbolic";
    }
}

char *
vb_sync_problems_dup_label (guint problems)
{
  /* Translators: %u is a number of changes the server refused */
  return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u change needs attention",
                                       "%u changes need attention", problems),
                          problems);
}

/* What a change to each kind of record is called, by what it did. */
typedef struct
{
  const char *entity;
  const char *created;   /* CREATE and APPEND */
  const char *changed;   /* UPDATE */
  const char *acted;     /* ACTION */
} ChangeNames;

static const ChangeNames change_names[] = {
  { "customers", N_("New customer"), N_("Change to a customer"), N_("Customer action") },
  { "vehicles", N_("New vehicle"), N_("Change to a vehicle"), N_("Vehicle action") },
  { "odometer_readings", N_("New odometer reading"), N_("Change to an odometer reading"), N_("Odometer reading action") },
  { "soh_readings", N_("New battery health reading"), N_("Change to a battery health reading"), N_("Battery health action") },
  { "appointments", N_("New booking"), N_("Change to a booking"), N_("Booking change") },
  { "work_orders", N_("New check-in"), N_("Change to a work order"), N_("Work order status change") },
  { "work_order_tasks", N_("New task"), N_("Change to a task"), N_("Task action") },
  { "work_order_notes", N_("New note"), N_("Change to a note"), N_("Note action") },
  { "checklist_results", N_("Checklist result"), N_("Checklist result"), N_("Checklist result") },
  { "time_entries", N_("Time clock entry"), N_("Change to a time entry"), N_("Time clock") },
  { "quality_checks", N_("Quality check"), N_("Quality check"), N_("Quality check") },
  { "work_order_chat_messages", N_("Chat message to the bay"), N_("Change to a chat message"), N_("Chat message action") },
  { "outbound_messages", N_("Reply to a customer"), N_("Change to a reply"), N_("Reply action") },
  /* Uploads queued offline (photos, mostly). */
  { "attachments", N_("New photo or file"), N_("Change to a file"), N_("File action") },
};

/* "New vehicle" for a known kind of record; "POST /api/v1/x" otherwise. */
char *
vb_outbox_entry_dup_attempt (const VbOutboxEntry *entry)
{
  g_return_val_if_fail (entry != NULL, NULL);
  for (guint i = 0; entry->entity != NULL && i < G_N_ELEMENTS (change_names); i++)
    {
      const ChangeNames *n = &change_names[i];

      if (!g_str_equal (n->entity, entry->entity))
        continue;
      switch (entry->kind)
        {
        case VB_CHANGE_CREATE:
        case VB_CHANGE_APPEND:
          return g_strdup (_(n->created));
        case VB_CHANGE_UPDATE:
          return g_strdup (_(n->changed));
        case VB_CHANGE_ACTION:
        default:
          return g_strdup (_(n->acted));
        }
    }
  return g_strdup_printf ("%s %s", entry->method, entry->path);
}

static JsonNode *
parse_or_null (const char *text)
{
  if (text == NULL || *text == '\0')
    return NULL;
  return json_from_string (text, NULL);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

char *
vb_outbox_entry_dup_fields (const VbOutboxEntry *entry)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autoptr(GList) members = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  JsonObject *fields;

  g_return_val_if_fail (entry != NULL, NULL);

  node = parse_or_null (entry->fields != NULL ? entry->fields : entry->body);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup ("");
  fields = json_node_get_object (node);
  names = g_ptr_array_new ();
  members = json_object_get_members (fields);
  for (GList *l = members; l != NULL; l = l->next)
    g_ptr_array_add (names, l->data);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      JsonNode *value = json_object_get_member (fields, name);
      g_autofree char *shown = NULL;

      /* The client id is noise here: it names the record, not a value. */
      if (strcmp (name, "id") == 0)
        continue;
      if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
        shown = g_strdup (json_node_get_string (value));
      else
        shown = json_to_string (value, FALSE);
      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append_printf (text, "%s: %s", name, shown);
    }
  return g_strdup (text->str);
}

char *
vb_outbox_entry_dup_reason (const VbOutboxEntry *entry)
{
  g_autoptr(JsonNode) node = NULL;
  JsonObject *reply = NULL;
  JsonObject *error = NULL;
  const char *message = NULL;
  const char *field = NULL;

  g_return_val_if_fail (entry != NULL, NULL);

  node = parse_or_null (entry->reply);
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    reply = json_node_get_object (node);
  if (reply != NULL && json_object_has_member (reply, "error") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (reply, "error")))
    error = json_object_get_object_member (reply, "error");
  if (error != NULL)
    {
      message = json_object_get_string_member_with_default (error, "message", NULL);
      field = json_object_get_string_member_with_default (error, "field", NULL);
    }
  if (message == NULL)
    message = _("The server gave no reason");

  if (entry->state == VB_OUTBOX_CONFLICT)
    {
      g_autoptr(GString) names = g_string_new (NULL);
      JsonNode *conflicting = reply != NULL ? json_object_get_member (reply, "conflicting_fields") : NULL;

      if (conflicting != NULL && JSON_NODE_HOLDS_ARRAY (conflicting))
        {
          JsonArray *array = json_node_get_array (conflicting);

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              const char *name = json_array_get_string_element (array, i);

              if (name == NULL)
                continue;
              if (names->len > 0)
                g_string_append (names, ", ");
              g_string_append (names, name);
            }
        }
      if (names->len > 0)
        /* Translators: %s lists field names, "family_name, phones" */
        return g_strdup_printf (_("Changed on the server meanwhile: %s"), names->str);
      return g_strdup (_("Changed on the server meanwhile"));
    }
  if (field != NULL)
    /* Translators: HTTP status, the server's message and the field it names:
     * "Refused (422): The VIN is not valid — vin" */
    return g_strdup_printf (_("Refused (%u): %s — %s"), entry->status, message, field);
  /* Translators: HTTP status and the server's message */
  return g_strdup_printf (_("Refused (%u): %s"), entry->status, message);
}

static gboolean
is_network_error (const GError *error)
{
  return error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR ||
         error->domain == G_TLS_ERROR;
}

static gint64
retry_after (const GError *error)
{
  JsonObject *details = vb_error_get_details (error);

  if (details == NULL || !json_object_has_member (details, "retry_after"))
    return 0;
  return json_object_get_int_member_with_default (details, "retry_after", 0);
}

char *
vb_error_dup_user_message (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == VB_CLIENT_ERROR)
    {
      switch ((VbClientErrorCode) error->code)
        {
        case VB_CLIENT_ERROR_CERTIFICATE_CHANGED:
          return g_strdup (_("The server’s certificate has changed since you trusted it, "
                             "so Voltbay refused to connect"));
        case VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED:
          return g_strdup (_("The server’s certificate has not been trusted yet"));
        case VB_CLIENT_ERROR_INVALID_ADDRESS:
          return g_strdup (error->message);
        case VB_CLIENT_ERROR_PROTOCOL:
        default:
          return g_strdup (_("The server sent a reply Voltbay does not understand; "
                             "check that the address is a Voltbay server"));
        }
    }

  if (error->domain == VB_ERROR)
    {
      gint64 seconds;

      switch ((VbErrorCode) error->code)
        {
        case VB_ERROR_INVALID_CREDENTIALS:
          return g_strdup (_("Wrong e-mail address or password"));
        case VB_ERROR_MFA_REQUIRED:
          return g_strdup (_("Enter the 6-digit code from your authenticator app"));
        case VB_ERROR_INVALID_MFA_CODE:
          return g_strdup (_("That code is not valid; each code works only once, so wait for the next one"));
        case VB_ERROR_UNAUTHENTICATED:
          return g_strdup (_("Your session has ended; sign in again"));
        case VB_ERROR_RATE_LIMITED:
          seconds = retry_after (error);
          if (seconds >= 60)
            return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "Too many attempts; try again in %d minute",
                                                 "Too many attempts; try again in %d minutes",
                                                 (seconds + 59) / 60),
                                    (int) ((seconds + 59) / 60));
          if (seconds > 0)
            return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "Too many attempts; try again in %d second",
                                                 "Too many attempts; try again in %d seconds",
                                                 seconds),
                                    (int) seconds);
          return g_strdup (_("Too many attempts; try again later"));
        case VB_ERROR_VALIDATION:
          if (g_strcmp0 (vb_error_get_field (error), "email") == 0)
            return g_strdup (_("Enter a valid e-mail address"));
          /* The server explains which rule the value broke. */
          return g_strdup_printf (_("Not accepted: %s"), error->message);
        case VB_ERROR_FORBIDDEN:
          return g_strdup (_("Your account is not allowed to do this"));
        case VB_ERROR_UNAVAILABLE:
        case VB_ERROR_RETRY:
          return g_strdup (_("The server is busy or cannot reach its database; try again in a moment"));
        case VB_ERROR_NOT_FOUND:
        case VB_ERROR_METHOD_NOT_ALLOWED:
          return g_strdup (_("This server does not offer the Voltbay API at that address"));
        default:
          return g_strdup_printf (_("The server reported an error: %s"), error->message);
        }
    }

  if (is_network_error (error))
    return g_strdup (_("Could not reach the server; check the address and that the server is running"));

  return g_strdup (error->message);
}

const char *
vb_error_get_form_field (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == VB_CLIENT_ERROR)
    return "server";
  if (error->domain == VB_ERROR)
    {
      switch ((VbErrorCode) error->code)
        {
        case VB_ERROR_INVALID_CREDENTIALS:
          return "password";
        case VB_ERROR_MFA_REQUIRED:
        case VB_ERROR_INVALID_MFA_CODE:
          return "code";
        case VB_ERROR_VALIDATION:
          {
            const char *field = vb_error_get_field (error);

            if (g_strcmp0 (field, "totp") == 0 || g_strcmp0 (field, "recovery_code") == 0)
              return "code";
            if (g_strcmp0 (field, "email") == 0 || g_strcmp0 (field, "password") == 0)
              return field;
            return NULL;
          }
        case VB_ERROR_NOT_FOUND:
        case VB_ERROR_METHOD_NOT_ALLOWED:
          return "server";
        default:
          return NULL;
        }
    }
  if (is_network_error (error))
    return "server";
  return NULL;
}

const char *
vb_role_get_display_name (const char *role)
{
  if (g_strcmp0 (role, "admin") == 0)
    return _("Administrator");
  if (g_strcmp0 (role, "manager") == 0)
    return _("Manager");
  if (g_strcmp0 (role, "reception") == 0)
    return _("Reception");
  if (g_strcmp0 (role, "technician") == 0)
    return _("Technician");
  return role;
}

char *
vb_user_dup_roles_summary (JsonObject *me)
{
  g_autoptr(GPtrArray) order = g_ptr_array_new ();
  g_autoptr(GHashTable) locations = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                           (GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GString) text = g_string_new (NULL);
  JsonArray *roles;

  g_return_val_if_fail (me != NULL, NULL);

  if (!json_object_has_member (me, "roles") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (me, "roles")))
    return g_strdup ("");
  roles = json_object_get_array_member (me, "roles");

  /* Group by role, in the server's order; a null location means all. */
  for (guint i = 0; i < json_array_get_length (roles); i++)
    {
      JsonNode *node = json_array_get_element (roles, i);
      JsonObject *assignment;
      const char *role;
      const char *code;
      GPtrArray *codes;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      assignment = json_node_get_object (node);
      role = json_object_get_string_member_with_default (assignment, "role", NULL);
      if (role == NULL)
        continue;
      code = json_object_get_string_member_with_default (assignment, "location_code", NULL);
      codes = g_hash_table_lookup (locations, role);
      if (codes == NULL)
        {
          codes = g_ptr_array_new ();
          g_hash_table_insert (locations, (gpointer) role, codes);
          g_ptr_array_add (order, (gpointer) role);
        }
      /* NULL stands for "all locations" and wins over any list. */
      if (code == NULL || json_node_is_null (json_object_get_member (assignment, "location_id")))
        g_ptr_array_add (codes, NULL);
      else
        g_ptr_array_add (codes, (gpointer) code);
    }

  for (guint i = 0; i < order->len; i++)
    {
      const char *role = order->pdata[i];
      GPtrArray *codes = g_hash_table_lookup (locations, role);
      gboolean all = FALSE;

      for (guint j = 0; j < codes->len; j++)
        all |= codes->pdata[j] == NULL;
      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* Translators: a role and where it applies, e.g. "Reception — HCM-D1, HCM-D2" */
      g_string_append_printf (text, _("%s — "), vb_role_get_display_name (role));
      if (all)
        g_string_append (text, _("All locations"));
      else
        for (guint j = 0; j < codes->len; j++)
          {
            if (j > 0)
              g_string_append (text, ", ");
            g_string_append (text, codes->pdata[j]);
          }
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
vb_fingerprint_dup_for_display (const char *fingerprint)
{
  g_auto(GStrv) bytes = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  guint n;

  g_return_val_if_fail (fingerprint != NULL, NULL);

  bytes = g_strsplit (fingerprint, ":", -1);
  n = g_strv_length (bytes);
  if (n != 32)
    return g_strdup (fingerprint);
  for (guint i = 0; i < n; i++)
    {
      if (i == 16)
        g_string_append_c (text, '\n');
      else if (i > 0)
        g_string_append_c (text, ':');
      g_string_append (text, bytes[i]);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}
