/* vb-notifier.c — desktop notifications decided from the cache's changes.
 *
 * The cache is the one place every change passes through (pulls, the
 * user's own edits, refusals), so the notifier watches it rather
 * than the live connection, and asks a table of rules what deserves a
 * notification.  A rule matches a record's local view; it fires when a
 * record starts matching, which needs to know what matched before: the
 * notifier keeps, per rule, the ids that match, and per entity the ids it
 * has seen (for rules about new records only).
 *
 * What must not notify:
 *  - what the cache held at start and what the first catch-up pulls in:
 *    everything before vb_notifier_arm() only updates the seen/matched sets;
 *  - the user's own changes: a rule fires only when the server row matches
 *    too (an edit made here changes the local view, not the server row) and
 *    the outbox holds no change of that record (a booking made here is an
 *    action: its record first appears with the pull; applied changes stay
 *    in the outbox a while).  A record the user's edit made match is marked
 *    as matched at once, so the pull that confirms it does not fire either.
 *
 * Each commit re-reads only the records it changed (the cache's
 * ::records-changed); a watched entity is read whole only at start and
 * after a reset (::changed with no entities).  A click runs the
 * application's app.open-record (entity, id) when it has one; libnotify
 * delivers it only to a live object, so shown notifications are kept
 * until closed (at most 32).  libnotify's show
 * is a synchronous D-Bus call, so it runs in a worker thread, one at a
 * time (libnotify's shared proxy is not safe to create from two threads).
 */
#include "vb-notifier.h"
#include "vb-record.h"

#include <glib/gi18n-lib.h>
#include <libnotify/notify.h>

struct _VbNotifier
{
  GObject       parent_instance;
  VbCache      *cache;
  char         *app_id;
  char         *user_id;
  GStrv         location_ids;   /* NULL: every location */
  gboolean      armed;
  GHashTable   *seen;           /* entity → set of ids */
  GHashTable  **matched;        /* per rule: set of ids matching now */
  GHashTable   *disabled;       /* rule ids the user turned off */
  GQueue        pending;        /* NotifyNotification* waiting to be shown */
  GQueue        shown;          /* shown ones kept for their click, until closed */
  gboolean      showing;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (VbNotifier, vb_notifier, G_TYPE_OBJECT)

enum
{
  NOTIFIED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  const char *id;
  const char *entity;
  gboolean    only_new;   /* fire only for a record never seen before */
  gboolean  (*matches) (VbNotifier *self,
                        JsonObject *row);
  const char *summary;    /* N_(), translated when shown */
  char     *(*body)    (VbNotifier *self,
                        JsonObject *row);
  const char *open_entity;  /* what a click opens (NULL: the record itself), */
  const char *open_member;  /* by the id in this member of the row */
} NotifyRule;

static const char *
row_string (JsonObject *row,
            const char *member)
{
  return json_object_get_string_member_with_default (row, member, NULL);
}

/* The display title of a record the row refers to, or NULL. */
static char *
related_title (VbNotifier *self,
               const char *entity,
               const char *id)
{
  g_autoptr(JsonObject) row = NULL;

  if (id == NULL)
    return NULL;
  row = vb_cache_get (self->cache, entity, id);
  if (row == NULL)
    return NULL;
  return vb_record_title_for_row (entity, row);
}

static gboolean
at_my_location (VbNotifier *self,
                JsonObject *row)
{
  const char *location_id = row_string (row, "location_id");

  if (self->location_ids == NULL)
    return TRUE;
  return location_id != NULL && g_strv_contains ((const char * const *) self->location_ids,
                                                 location_id);
}

/* ---- new-booking: a new appointment, booked, at one of my locations --- */

static gboolean
new_booking_matches (VbNotifier *self,
                     JsonObject *row)
{
  return g_strcmp0 (row_string (row, "status"), "booked") == 0 && at_my_location (self, row);
}

static char *
new_booking_body (VbNotifier *self,
                  JsonObject *row)
{
  g_autofree char *customer = related_title (self, "customers", row_string (row, "customer_id"));
  g_autofree char *when = vb_record_title_for_row ("appointments", row);

  if (customer == NULL)
    return g_steal_pointer (&when);
  /* TRANSLATORS: a new booking: customer name, start time */
  return g_strdup_printf (_("%s, %s"), customer, when);
}

/* ---- task-assigned: a task whose technician becomes me --------------- */

static gboolean
task_assigned_matches (VbNotifier *self,
                       JsonObject *row)
{
  return self->user_id != NULL && g_strcmp0 (row_string (row, "technician_id"), self->user_id) == 0;
}

static char *
task_assigned_body (VbNotifier *self,
                    JsonObject *row)
{
  g_autofree char *task = vb_record_title_for_row ("work_order_tasks", row);
  g_autofree char *work_order = related_title (self, "work_orders", row_string (row, "work_order_id"));

  if (work_order == NULL)
    return g_steal_pointer (&task);
  /* TRANSLATORS: a task assigned to you: task title, work order ("#42") */
  return g_strdup_printf (_("%s · %s"), task, work_order);
}

/* ---- customer-replied: a new inbound message in a customer's thread -- */

static gboolean
customer_replied_matches (VbNotifier *self,
                          JsonObject *row)
{
  /* Unmatched senders wait for a person to file them; no notification. */
  return row_string (row, "customer_id") != NULL && at_my_location (self, row);
}

static char *
customer_replied_body (VbNotifier *self,
                       JsonObject *row)
{
  g_autofree char *customer = related_title (self, "customers", row_string (row, "customer_id"));
  const char *text = row_string (row, "body");

  /* TRANSLATORS: a customer's reply: customer name, the message */
  return g_strdup_printf (_("%s: %s"), customer != NULL ? customer : _("Customer"), text != NULL ? text : "");
}

/* ---- vehicle-ready: a work order at one of my locations becomes ready -- */

static gboolean
vehicle_ready_matches (VbNotifier *self,
                       JsonObject *row)
{
  return g_strcmp0 (row_string (row, "status"), "ready") == 0 && at_my_location (self, row);
}

static char *
vehicle_ready_body (VbNotifier *self,
                    JsonObject *row)
{
  g_autoptr(JsonObject) vehicle = NULL;
  g_autofree char *work_order = vb_record_title_for_row ("work_orders", row);
  const char *plate;

  if (row_string (row, "vehicle_id") != NULL)
    vehicle = vb_cache_get (self->cache, "vehicles", row_string (row, "vehicle_id"));
  plate = vehicle != NULL ? row_string (vehicle, "plate") : NULL;
  if (plate == NULL || plate[0] == '\0')
    return g_steal_pointer (&work_order);
  /* TRANSLATORS: a vehicle ready for pickup: plate, work order ("#42 · Minh Nguyen") */
  return g_strdup_printf (_("%s · %s"), plate, work_order);
}

/* The rules.  To add one (customer replied, part low — later issues): an
 * entity, a predicate on the record's local view, and the texts.  The
 * predicate must be a pure function of the row and the signed-in user. */
static const NotifyRule rules[] = {
  { "new-booking", "appointments", TRUE, new_booking_matches,
    N_("New booking"), new_booking_body },
  { "task-assigned", "work_order_tasks", FALSE, task_assigned_matches,
    N_("Job assigned to you"), task_assigned_body },
  { "customer-replied", "inbound_messages", TRUE, customer_replied_matches,
    N_("Customer replied"), customer_replied_body, "conversations", "customer_id" },
  { "vehicle-ready", "work_orders", FALSE, vehicle_ready_matches,
    N_("Vehicle ready"), vehicle_ready_body },
};

static const char * const rule_ids[] = { "new-booking", "task-assigned", "customer-replied", "vehicle-ready",
                                         NULL };

G_STATIC_ASSERT (G_N_ELEMENTS (rules) + 1 == G_N_ELEMENTS (rule_ids));

const char * const *
vb_notifier_list_rules (void)
{
  return rule_ids;
}

/* ---- showing, one at a time in a worker thread ------------------------ */

static void show_next (VbNotifier *self);

static void
show_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;

  if (notify_notification_show (NOTIFY_NOTIFICATION (task_data), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
closed_cb (NotifyNotification *notification,
           VbNotifier         *self)
{
  if (g_queue_remove (&self->shown, notification))
    g_object_unref (notification);
}

static void
show_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  VbNotifier *self = VB_NOTIFIER (object);
  NotifyNotification *notification = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  /* No notification daemon is not a reason to bother the user twice:
   * the change is in the app anyway. */
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_debug ("Could not show a notification: %s", error->message);
  else if (!g_cancellable_is_cancelled (self->cancellable))
    {
      /* A click reaches only a live notification object. */
      g_queue_push_tail (&self->shown, g_object_ref (notification));
      g_signal_connect_object (notification, "closed", G_CALLBACK (closed_cb), self, 0);
      if (self->shown.length > 32)
        g_object_unref (g_queue_pop_head (&self->shown));
    }
  self->showing = FALSE;
  show_next (self);
}

static void
show_next (VbNotifier *self)
{
  /* libnotify 0.8 declares no g_autoptr cleanup for its type. */
  NotifyNotification *notification;
  g_autoptr(GTask) task = NULL;

  if (self->showing || g_cancellable_is_cancelled (self->cancellable))
    return;
  notification = g_queue_pop_head (&self->pending);
  if (notification == NULL)
    return;
  self->showing = TRUE;
  task = g_task_new (self, self->cancellable, show_cb, NULL);
  g_task_set_source_tag (task, show_next);
  g_task_set_task_data (task, notification, g_object_unref);
  g_task_run_in_thread (task, show_thread);
}

/* A click: the application's "open-record" action (entity, id), if it has
 * one (the front desk does), opens what the notification is about. */
static void
open_cb (NotifyNotification *notification,
         char               *action,
         gpointer            user_data)
{
  GApplication *application = g_application_get_default ();

  if (application != NULL && g_action_group_has_action (G_ACTION_GROUP (application), "open-record"))
    g_action_group_activate_action (G_ACTION_GROUP (application), "open-record", user_data);
}

static void
raise_notification (VbNotifier       *self,
                    const NotifyRule *rule,
                    JsonObject       *row)
{
  g_autofree char *body = rule->body (self, row);
  /* Daemons read the body as markup: a customer named "A & B" must show. */
  g_autofree char *markup = g_markup_escape_text (body, -1);
  /* Vendor categories are "x-vendor.class" in the specification. */
  g_autofree char *category = g_strconcat ("x-voltbay.", rule->id, NULL);
  NotifyNotification *notification;

  /* Turned off: still tracked (so turning it on later does not announce
   * the past), never shown. */
  if (g_hash_table_contains (self->disabled, rule->id))
    return;
  notification = notify_notification_new (_(rule->summary), markup, self->app_id);
  notify_notification_set_hint_string (notification, "desktop-entry", self->app_id);
  notify_notification_set_category (notification, category);
  {
    GApplication *application = g_application_get_default ();
    const char *open_id = row_string (row, rule->open_member != NULL ? rule->open_member : "id");

    if (application != NULL && open_id != NULL &&
        g_action_group_has_action (G_ACTION_GROUP (application), "open-record"))
      notify_notification_add_action (notification, "default", _("Open"), open_cb,
                                      g_variant_ref_sink (g_variant_new ("(ss)", rule->open_entity != NULL
                                                                                   ? rule->open_entity
                                                                                   : rule->entity,
                                                                         open_id)),
                                      (GFreeFunc) g_variant_unref);
  }
  g_queue_push_tail (&self->pending, notification);
  g_signal_emit (self, signals[NOTIFIED], 0, rule->id, rule->entity, row_string (row, "id"),
                 _(rule->summary), body);
  show_next (self);
}

/* ---- deciding ---------------------------------------------------------- */

/* Whether someone else did it: the server's row matches too (not only
 * the user's pending edit), and the user has not changed the record here
 * (a booking made here is an action whose record first appears with the
 * pull, a self-assignment may leave the local view unchanged). */
static gboolean
from_elsewhere (VbNotifier       *self,
                const NotifyRule *rule,
                const char       *id)
{
  g_autoptr(JsonObject) server_row = vb_cache_get_server_row (self->cache, rule->entity, id);

  return server_row != NULL && rule->matches (self, server_row) &&
         !vb_cache_has_outbox_entry (self->cache, rule->entity, id);
}

static gboolean
not_in_set_cb (gpointer key,
               gpointer value,
               gpointer user_data)
{
  return !g_hash_table_contains (user_data, key);
}

/* Decides for one record's local view (NULL: gone) against the rules of
 * its entity. */
static void
decide (VbNotifier *self,
        const char *entity,
        const char *id,
        JsonObject *row,
        GHashTable *seen,
        gboolean    was_seen,
        gboolean    fire)
{
  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    {
      const NotifyRule *rule = &rules[r];

      if (!g_str_equal (rule->entity, entity))
        continue;
      if (row == NULL || !rule->matches (self, row))
        {
          g_hash_table_remove (self->matched[r], id);
          continue;
        }
      if (!g_hash_table_add (self->matched[r], g_strdup (id)))
        continue;
      if (fire && (!rule->only_new || !was_seen) && from_elsewhere (self, rule, id))
        raise_notification (self, rule, row);
    }
  if (row != NULL)
    g_hash_table_add (seen, g_strdup (id));
  else
    g_hash_table_remove (seen, id);
}

static GHashTable *
seen_set (VbNotifier *self,
          const char *entity)
{
  GHashTable *seen = g_hash_table_lookup (self->seen, entity);

  if (seen == NULL)
    {
      seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (self->seen, g_strdup (entity), seen);
    }
  return seen;
}

/* The whole entity: at start, and after a reset of the cache. */
static void
scan_entity (VbNotifier *self,
             const char *entity,
             gboolean    fire)
{
  g_autoptr(GPtrArray) rows = vb_cache_list (self->cache, entity, NULL, NULL, FALSE, 0);
  g_autoptr(GHashTable) old_seen = g_hash_table_ref (seen_set (self, entity));
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_hash_table_replace (self->seen, g_strdup (entity), seen);
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);
      const char *id = row_string (row, "id");

      if (id != NULL)
        decide (self, entity, id, row, seen, g_hash_table_contains (old_seen, id), fire);
    }

  /* Records gone from the cache match nothing any more. */
  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    if (g_str_equal (rules[r].entity, entity))
      g_hash_table_foreach_remove (self->matched[r], not_in_set_cb, seen);
}

static gboolean
watches (const char *entity)
{
  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    if (g_str_equal (rules[r].entity, entity))
      return TRUE;
  return FALSE;
}

/* Only the records a commit changed: the entity may hold years of them. */
static void
cache_records_changed_cb (VbCache            *cache,
                          const char         *entity,
                          const char * const *ids,
                          VbNotifier         *self)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GHashTable) by_id = NULL;
  GHashTable *seen;

  if (ids == NULL || !watches (entity))
    return;
  rows = vb_cache_get_many (cache, entity, NULL, ids);
  by_id = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *row = g_ptr_array_index (rows, i);

      if (row_string (row, "id") != NULL)
        g_hash_table_insert (by_id, (gpointer) row_string (row, "id"), row);
    }
  seen = seen_set (self, entity);
  for (guint i = 0; ids[i] != NULL; i++)
    decide (self, entity, ids[i], g_hash_table_lookup (by_id, ids[i]), seen,
            g_hash_table_contains (seen, ids[i]), self->armed);
}

static void
cache_changed_cb (VbCache            *cache,
                  const char * const *entities,
                  VbNotifier         *self)
{
  /* Named entities came with ::records-changed; NULL is a reset. */
  if (entities != NULL)
    return;
  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    {
      const char *entity = rules[r].entity;
      gboolean scanned = FALSE;

      /* Several rules may share an entity: scan it once. */
      for (guint q = 0; q < r; q++)
        scanned |= g_str_equal (rules[q].entity, entity);
      if (!scanned)
        scan_entity (self, entity, self->armed);
    }
}

/* ---- the object -------------------------------------------------------- */

static void
vb_notifier_dispose (GObject *object)
{
  VbNotifier *self = VB_NOTIFIER (object);

  g_cancellable_cancel (self->cancellable);
  g_queue_clear_full (&self->pending, g_object_unref);
  g_queue_clear_full (&self->shown, g_object_unref);
  if (self->cache != NULL)
    g_signal_handlers_disconnect_by_data (self->cache, self);
  g_clear_object (&self->cache);
  G_OBJECT_CLASS (vb_notifier_parent_class)->dispose (object);
}

static void
vb_notifier_finalize (GObject *object)
{
  VbNotifier *self = VB_NOTIFIER (object);

  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    g_hash_table_unref (self->matched[r]);
  g_free (self->matched);
  g_hash_table_unref (self->seen);
  g_hash_table_unref (self->disabled);
  g_clear_object (&self->cancellable);
  g_free (self->app_id);
  g_free (self->user_id);
  g_strfreev (self->location_ids);
  G_OBJECT_CLASS (vb_notifier_parent_class)->finalize (object);
}

static void
vb_notifier_class_init (VbNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_notifier_dispose;
  object_class->finalize = vb_notifier_finalize;

  signals[NOTIFIED] =
    g_signal_new ("notified", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 5,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
vb_notifier_init (VbNotifier *self)
{
  self->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) g_hash_table_unref);
  self->disabled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->matched = g_new0 (GHashTable *, G_N_ELEMENTS (rules));
  for (guint r = 0; r < G_N_ELEMENTS (rules); r++)
    self->matched[r] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->pending);
  g_queue_init (&self->shown);
  self->cancellable = g_cancellable_new ();
}

VbNotifier *
vb_notifier_new (VbCache            *cache,
                 const char         *app_id,
                 const char         *user_id,
                 const char * const *location_ids)
{
  VbNotifier *self;

  g_return_val_if_fail (VB_IS_CACHE (cache), NULL);
  g_return_val_if_fail (app_id != NULL, NULL);

  /* The application's name for the daemon, once per process. */
  if (!notify_is_initted ())
    notify_init (g_get_application_name () != NULL ? g_get_application_name () : app_id);

  self = g_object_new (VB_TYPE_NOTIFIER, NULL);
  self->cache = g_object_ref (cache);
  self->app_id = g_strdup (app_id);
  self->user_id = g_strdup (user_id);
  self->location_ids = g_strdupv ((char **) location_ids);

  /* What the cache holds now is seen, whatever it is. */
  cache_changed_cb (cache, NULL, self);
  g_signal_connect (cache, "records-changed", G_CALLBACK (cache_records_changed_cb), self);
  g_signal_connect (cache, "changed", G_CALLBACK (cache_changed_cb), self);
  return self;
}

void
vb_notifier_arm (VbNotifier *self)
{
  g_return_if_fail (VB_IS_NOTIFIER (self));
  self->armed = TRUE;
}

gboolean
vb_notifier_get_armed (VbNotifier *self)
{
  g_return_val_if_fail (VB_IS_NOTIFIER (self), FALSE);
  return self->armed;
}

void
vb_notifier_set_rule_enabled (VbNotifier *self,
                              const char *rule_id,
                              gboolean    enabled)
{
  g_return_if_fail (VB_IS_NOTIFIER (self));
  g_return_if_fail (rule_id != NULL && g_strv_contains (rule_ids, rule_id));

  if (enabled)
    g_hash_table_remove (self->disabled, rule_id);
  else
    g_hash_table_add (self->disabled, g_strdup (rule_id));
}

gboolean
vb_notifier_get_rule_enabled (VbNotifier *self,
                              const char *rule_id)
{
  g_return_val_if_fail (VB_IS_NOTIFIER (self), FALSE);
  return !g_hash_table_contains (self->disabled, rule_id);
}
