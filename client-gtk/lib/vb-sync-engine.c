/* vb-sync-engine.c — pull the change feed into the cache, push the outbox.
 *
 * One driver runs at a time: either a pull (pages until has_more is false)
 * or a push batch (outbox entries one by one until none is pending).  What
 * should happen next is kept as two wishes, want_pull and want_push; the
 * driver takes pull first, so a start or a round is "pull, then push", and
 * sets want_pull after a push batch, so the server's version of what was
 * pushed comes back.  A wake-up that arrives during a push batch waits for
 * the batch: pulling between every push would double the requests.
 *
 * Failures that another try may fix (no connection, 5xx, 401, 408, 429)
 * stop the driver with the outbox intact; a started engine retries after
 * vb_live_backoff_delay(), a round fails so its caller can say "offline".
 * Anything the server refused for good is recorded in the cache as a
 * problem, and the batch goes on (docs/sync.md, "Conflicts").
 */
#include "vb-sync-engine.h"
#include "vb-client-error.h"

#include "vb-error.h"
#include "vb-json.h"

#include <string.h>

#define PAGE_LIMIT 500
#define RETRY_INITIAL_MS 1000
#define RETRY_MAX_MS 60000
/* An update rebased this often without getting through is given up as a
 * conflict: someone keeps changing the record under it. */
#define MAX_RESENDS 5
#define MUTATION_HEADER "Voltbay-Mutation"
#define REPLAYED_HEADER "Voltbay-Mutation-Replayed"

G_DEFINE_ENUM_TYPE (VbSyncState, vb_sync_state,
  G_DEFINE_ENUM_VALUE (VB_SYNC_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (VB_SYNC_STATE_ONLINE, "online"),
  G_DEFINE_ENUM_VALUE (VB_SYNC_STATE_SYNCING, "syncing"))

struct _VbSyncEngine
{
  GObject           parent_instance;

  VbApiClient      *api;
  VbCache          *cache;
  VbLiveConnection *live;
  gulong            live_changes_id;
  gulong            live_state_id;
  gulong            outbox_changed_id;

  VbSyncState       state;
  guint64           progress_done;
  guint64           progress_total;
  guint             pending;
  guint             problems;
  gboolean          caught_up;      /* a pull has reached has_more: false */

  gboolean          running;        /* started (background mode) */
  gboolean          busy;           /* a pull or push request is in flight */
  gboolean          want_pull;
  gboolean          want_push;
  gboolean          pull_first_page;
  guint             batch_answers;  /* answers in the current push batch */
  guint             resends;        /* of the entry being pushed */
  gint64            resend_seq;
  guint             attempt;        /* consecutive failures, for back-off */
  guint             retry_id;
  guint             held_id;        /* re-read after a held-back page */
  guint             held_attempt;
  GCancellable     *cancellable;    /* of the driver's requests */

  GTask            *round;          /* vb_sync_engine_sync_async in progress */
  gulong            round_cancel_id;
  GCancellable     *round_cancellable;
  VbSyncStats       stats;
};

G_DEFINE_FINAL_TYPE (VbSyncEngine, vb_sync_engine, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_STATE,
  PROP_PROGRESS_DONE,
  PROP_PROGRESS_TOTAL,
  PROP_PENDING,
  PROP_PROBLEMS,
  PROP_CAUGHT_UP,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  PUSH_ANSWERED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void drive (VbSyncEngine *self);

/* A member that is an object (array), or NULL. */
static JsonObject *
member_object (JsonObject *object,
               const char *name,
               gpointer    unused)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
member_array (JsonObject *object,
              const char *name,
              gpointer    unused)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}
static void push_next (VbSyncEngine *self);

/* ------------------------------------------------------- properties --- */

static void
set_state (VbSyncEngine *self,
           VbSyncState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_progress (VbSyncEngine *self,
              guint64       done,
              guint64       total)
{
  g_object_freeze_notify (G_OBJECT (self));
  if (self->progress_total != total)
    {
      self->progress_total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_TOTAL]);
    }
  if (self->progress_done != done)
    {
      self->progress_done = done;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROGRESS_DONE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
update_counts (VbSyncEngine *self)
{
  g_autoptr(GPtrArray) problems = vb_cache_list_problems (self->cache);
  guint pending = vb_cache_count_pending (self->cache);
  guint n_problems = problems != NULL ? problems->len : 0;

  if (self->pending != pending)
    {
      self->pending = pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
    }
  if (self->problems != n_problems)
    {
      self->problems = n_problems;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEMS]);
    }
}

static void
outbox_changed_cb (VbCache      *cache,
                   VbSyncEngine *self)
{
  update_counts (self);
}

/* ------------------------------------------------------------ rounds --- */

static void
round_cancelled_cb (GCancellable *cancellable,
                    gpointer      user_data)
{
  VbSyncEngine *self = user_data;

  /* The round's caller gave up: stop the driver's request in flight. */
  g_cancellable_cancel (self->cancellable);
}

static GTask *
take_round (VbSyncEngine *self)
{
  GTask *round = g_steal_pointer (&self->round);

  if (self->round_cancellable != NULL)
    {
      /* Not g_cancellable_disconnect: it may run from inside the handler. */
      g_signal_handler_disconnect (self->round_cancellable, self->round_cancel_id);
      self->round_cancel_id = 0;
      g_clear_object (&self->round_cancellable);
    }
  return round;
}

static void
finish_round (VbSyncEngine *self,
              GError       *error)
{
  g_autoptr(GTask) round = take_round (self);

  if (round == NULL)
    {
      g_clear_error (&error);
      return;
    }
  if (error != NULL)
    g_task_return_error (round, error);
  else
    g_task_return_boolean (round, TRUE);
}

/* ----------------------------------------------------------- driving --- */

static void
retry_cb (gpointer user_data)
{
  VbSyncEngine *self = user_data;

  self->retry_id = 0;
  self->want_pull = TRUE;
  self->want_push = TRUE;
  drive (self);
}

/* The request in flight was cancelled: by stop() or the round's caller.
 * A fresh cancellable lets the engine go on later. */
static void
cancelled (VbSyncEngine *self,
           GError       *error)
{
  self->busy = FALSE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->state == VB_SYNC_STATE_SYNCING)
    set_state (self, VB_SYNC_STATE_ONLINE);
  finish_round (self, error);
}

/* The server could not be reached or asked us to come back later: keep
 * what is pending, say offline, try again after a growing delay. */
static void
failed (VbSyncEngine *self,
        GError       *error)
{
  self->busy = FALSE;
  set_state (self, vb_sync_error_is_transient (error) ? VB_SYNC_STATE_OFFLINE
                                                      : VB_SYNC_STATE_ONLINE);
  g_debug ("sync stopped: %s", error->message);
  if (self->running && self->retry_id == 0)
    {
      guint delay = vb_live_backoff_delay (self->attempt, RETRY_INITIAL_MS, RETRY_MAX_MS,
                                           g_random_double ());

      self->attempt = MIN (self->attempt + 1, 16);
      self->retry_id = g_timeout_add_once (delay, retry_cb, self);
    }
  finish_round (self, error);
}

gboolean
vb_sync_error_is_transient (const GError *error)
{
  if (error == NULL)
    return FALSE;
  if (error->domain == VB_ERROR)
    switch ((VbErrorCode) error->code)
      {
      case VB_ERROR_UNAUTHENTICATED:
      case VB_ERROR_RATE_LIMITED:
      case VB_ERROR_UNAVAILABLE:
      case VB_ERROR_INTERNAL:
        return TRUE;
      default:
        return FALSE;
      }
  /* Connection refused, reset, timeouts, name resolution, TLS, a broken
   * reply: all "the server is not there right now". */
  return error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR
         || error->domain == G_TLS_ERROR || error->domain == SOUP_SESSION_ERROR
         || error->domain == VB_CLIENT_ERROR;
}

static gboolean
status_is_transient (guint status)
{
  return status == 401 || status == 408 || status == 429 || status >= 500;
}

/* -------------------------------------------------------------- pull --- */

static void pull_page (VbSyncEngine *self);
static void hold_back (VbSyncEngine *self);

static void
pull_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(VbSyncEngine) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *page;
  JsonArray *items;
  const char *next_cursor;
  guint n;

  node = vb_api_client_request_finish (VB_API_CLIENT (object), result, &error);
  if (node == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        cancelled (self, g_steal_pointer (&error));
      else
        failed (self, g_steal_pointer (&error));
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node)
      || (items = member_array (page = json_node_get_object (node),
                                                             "items", NULL)) == NULL
      || (next_cursor = json_object_get_string_member_with_default (page, "next_cursor", NULL)) == NULL)
    {
      failed (self, g_error_new_literal (VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL,
                                         "The change feed sent a page without items or next_cursor"));
      return;
    }
  /* One page, one transaction: if we stop after this, the next pull
   * starts after it. */
  if (!vb_cache_apply_changes (self->cache, items, next_cursor, &error))
    {
      failed (self, g_steal_pointer (&error));
      return;
    }

  n = json_array_get_length (items);
  self->stats.pulled += n;
  self->stats.pages++;
  self->attempt = 0;
  if (self->pull_first_page)
    {
      /* "remaining" counts what follows this page: the total of this pull. */
      gint64 remaining = json_object_get_int_member_with_default (page, "remaining", 0);

      self->pull_first_page = FALSE;
      set_progress (self, n, n + (guint64) MAX (remaining, 0));
    }
  else
    set_progress (self, self->progress_done + n, MAX (self->progress_total, self->progress_done + n));

  if (json_object_get_boolean_member_with_default (page, "has_more", FALSE))
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        {
          cancelled (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                "The sync was cancelled"));
          return;
        }
      pull_page (self);
      return;
    }
  self->busy = FALSE;
  if (json_object_get_boolean_member_with_default (page, "held_back", FALSE))
    hold_back (self);
  else
    self->held_attempt = 0;
  if (!self->caught_up)
    {
      /* Once only: what arrives from now on is news, not the backlog
       * (VbNotifier is armed on it). */
      self->caught_up = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAUGHT_UP]);
    }
  drive (self);
}

static void
held_back_cb (gpointer user_data)
{
  VbSyncEngine *self = user_data;

  self->held_id = 0;
  self->want_pull = TRUE;
  drive (self);
}

/* The feed held committed changes back behind an older open transaction
 * (usually for milliseconds): read again soon, 100 ms doubling to 2 s,
 * rather than wait for a push that was already sent. */
static void
hold_back (VbSyncEngine *self)
{
  guint delay = MIN (100u << MIN (self->held_attempt, 5u), 2000u);

  if (!self->running || self->held_id != 0)
    return;
  self->held_attempt++;
  self->held_id = g_timeout_add_once (delay, held_back_cb, self);
}

static void
pull_page (VbSyncEngine *self)
{
  g_autofree char *cursor = vb_cache_dup_cursor (self->cache);
  g_autoptr(GString) path = g_string_new ("/api/v1/changes?limit=" G_STRINGIFY (PAGE_LIMIT));

  if (cursor != NULL)
    {
      g_string_append (path, "&since=");
      g_string_append_uri_escaped (path, cursor, NULL, FALSE);
    }
  /* Only the first page asks for the count: it is one more query. */
  if (self->pull_first_page)
    g_string_append (path, "&with_remaining=true");
  vb_api_client_request_async (self->api, "GET", path->str, NULL, self->cancellable,
                               pull_cb, g_object_ref (self));
}

static void
pull_start (VbSyncEngine *self)
{
  self->busy = TRUE;
  self->want_pull = FALSE;
  self->pull_first_page = TRUE;
  set_state (self, VB_SYNC_STATE_SYNCING);
  pull_page (self);
}

/* -------------------------------------------------------------- push --- */

typedef struct
{
  VbSyncEngine *self;
  gint64        seq;
} PushData;

static void
push_data_free (PushData *data)
{
  g_object_unref (data->self);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PushData, push_data_free)

static void
push_failed_locally (VbSyncEngine *self,
                     GError       *error)
{
  /* The cache could not record something: a local problem, not the
   * server's; stop rather than risk sending out of order. */
  self->busy = FALSE;
  if (self->state == VB_SYNC_STATE_SYNCING)
    set_state (self, VB_SYNC_STATE_ONLINE);
  g_warning ("sync: the outbox cannot be updated: %s", error->message);
  finish_round (self, error);
}

static void push_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data);

static void
push_send (VbSyncEngine  *self,
           VbOutboxEntry *entry,
           gint64         number)
{
  g_autofree char *value = g_strdup_printf ("%s:%" G_GINT64_FORMAT,
                                            vb_cache_get_client_id (self->cache), number);
  const char *headers[] = { MUTATION_HEADER, value, NULL };
  PushData *data = g_new0 (PushData, 1);

  data->self = g_object_ref (self);
  data->seq = entry->seq;
  /* An upload's body is the file itself, with its own type. */
  if (entry->body_bytes != NULL)
    vb_api_client_request_full_bytes_async (self->api, entry->method, entry->path,
                                            entry->body_type != NULL ? entry->body_type
                                                                     : "application/octet-stream",
                                            entry->body_bytes, headers,
                                            self->cancellable, push_cb, data);
  else
    vb_api_client_request_full_async (self->api, entry->method, entry->path, entry->body, headers,
                                      self->cancellable, push_cb, data);
}

/* Sends the entry again under a new number (the old one is recorded as
 * refused on the server and would only replay the refusal). */
static gboolean
push_resend (VbSyncEngine  *self,
             VbOutboxEntry *entry,
             JsonObject    *new_body,
             gint64         new_version)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(VbOutboxEntry) fresh = NULL;
  gint64 number;

  /* Renumber first: if we die between the two steps, the new number goes
   * out with the old body and is simply refused (and rebased) again. */
  number = vb_cache_number_entry (self->cache, entry->seq, TRUE, &error);
  if (number <= 0
      || (new_body != NULL
          && !vb_cache_set_entry_body (self->cache, entry->seq, new_body, new_version, &error)))
    {
      push_failed_locally (self, g_steal_pointer (&error));
      return FALSE;
    }
  fresh = vb_cache_get_entry (self->cache, entry->seq);
  if (fresh == NULL)
    {
      push_failed_locally (self, g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                              "Outbox entry %" G_GINT64_FORMAT " disappeared",
                                              entry->seq));
      return FALSE;
    }
  push_send (self, fresh, number);
  return TRUE;
}

/* Numbers compare by value (the feed and details.current may spell 75 as
 * 75 or 75.0); everything else structurally. */
static gboolean
json_values_equal (JsonNode *a,
                   JsonNode *b)
{
  gboolean a_null = a == NULL || JSON_NODE_HOLDS_NULL (a);
  gboolean b_null = b == NULL || JSON_NODE_HOLDS_NULL (b);

  if (a_null || b_null)
    return a_null && b_null;
  if (JSON_NODE_HOLDS_VALUE (a) && JSON_NODE_HOLDS_VALUE (b))
    {
      GType ta = json_node_get_value_type (a);
      GType tb = json_node_get_value_type (b);
      gboolean na = ta == G_TYPE_INT64 || ta == G_TYPE_DOUBLE;
      gboolean nb = tb == G_TYPE_INT64 || tb == G_TYPE_DOUBLE;

      if (na && nb)
        return json_node_get_double (a) == json_node_get_double (b);
    }
  return json_node_equal (a, b);
}

/* A stale version on an update: the server sent its current record.  If
 * none of the fields this change sets was changed there since our base,
 * the change still means what the user meant: send it again on the new
 * version.  Otherwise both sides changed the same field: a conflict. */
static void
push_merge (VbSyncEngine  *self,
            VbOutboxEntry *entry,
            JsonObject    *reply,
            JsonObject    *error_object)
{
  JsonObject *details = member_object (error_object, "details", NULL);
  JsonObject *current = details != NULL ? member_object (details, "current", NULL) : NULL;
  g_autoptr(JsonObject) fields = NULL;
  g_autoptr(JsonObject) base = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(JsonArray) conflicting = json_array_new ();
  g_autoptr(GList) members = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  fields = entry->fields != NULL ? vb_json_parse_object (entry->fields, -1, NULL) : NULL;
  base = entry->base != NULL ? vb_json_parse_object (entry->base, -1, NULL) : NULL;
  body = entry->body != NULL ? vb_json_parse_object (entry->body, -1, NULL) : NULL;

  if (current != NULL && fields != NULL && body != NULL
      && json_object_has_member (current, "version"))
    {
      members = json_object_get_members (fields);
      for (GList *l = members; l != NULL; l = l->next)
        {
          const char *name = l->data;
          JsonNode *theirs = json_object_get_member (current, name);
          JsonNode *was = base != NULL ? json_object_get_member (base, name) : NULL;

          if (g_str_equal (name, "version") || g_str_equal (name, "id"))
            continue;
          /* Unchanged there, or changed there to what we want: no conflict. */
          if (!json_values_equal (theirs, was)
              && !json_values_equal (theirs, json_object_get_member (fields, name)))
            json_array_add_string_element (conflicting, name);
        }
      if (json_array_get_length (conflicting) == 0 && self->resends < MAX_RESENDS)
        {
          gint64 version = json_object_get_int_member (current, "version");

          self->resends++;
          json_object_set_int_member (body, "version", version);
          push_resend (self, entry, body, version);
          return;
        }
    }

  /* Keep the server's answer and name the fields the user has to decide. */
  json_object_set_array_member (reply, "conflicting_fields", json_array_ref (conflicting));
  text = vb_json_object_to_string (reply, NULL);
  if (!vb_cache_finish_entry (self->cache, entry->seq, VB_OUTBOX_CONFLICT, 409, text, &error))
    {
      push_failed_locally (self, g_steal_pointer (&error));
      return;
    }
  self->stats.conflicts++;
  push_next (self);
}

static void
push_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(PushData) data = user_data;
  VbSyncEngine *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(VbOutboxEntry) entry = NULL;
  g_autofree char *text = NULL;
  JsonObject *reply = NULL;
  JsonObject *error_object = NULL;
  const char *code = NULL;
  const char *field = NULL;
  gboolean replayed;
  guint status = 0;

  node = vb_api_client_request_full_finish (VB_API_CLIENT (object), result, &status, &headers, &error);
  if (node == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        cancelled (self, g_steal_pointer (&error));
      else
        failed (self, g_steal_pointer (&error));
      return;
    }
  g_signal_emit (self, signals[PUSH_ANSWERED], 0, data->seq, status);

  if (status_is_transient (status))
    {
      GError *transient = vb_error_from_json (node, status);

      /* Whatever the body says, this status means "later" (a proxy's 502,
       * a 408 without a JSON body). */
      if (!vb_sync_error_is_transient (transient))
        {
          g_clear_error (&transient);
          transient = g_error_new (VB_ERROR, VB_ERROR_UNAVAILABLE,
                                   "The server answered %u; the change is sent again later", status);
        }
      failed (self, transient);
      return;
    }

  entry = vb_cache_get_entry (self->cache, data->seq);
  if (entry == NULL || entry->state != VB_OUTBOX_PENDING)
    {
      /* Dismissed or finished meanwhile (another engine on this file?):
       * nothing to record, go on. */
      push_next (self);
      return;
    }

  self->attempt = 0;
  self->batch_answers++;
  self->stats.pushed++;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      reply = json_node_get_object (node);
      error_object = member_object (reply, "error", NULL);
      if (error_object != NULL)
        {
          code = json_object_get_string_member_with_default (error_object, "code", NULL);
          field = json_object_get_string_member_with_default (error_object, "field", NULL);
        }
    }
  replayed = headers != NULL
             && g_strcmp0 (soup_message_headers_get_one (headers, REPLAYED_HEADER), "true") == 0;
  if (replayed)
    g_debug ("outbox %" G_GINT64_FORMAT ": the server replayed its answer %u", entry->seq, status);

  if (status >= 200 && status < 300)
    {
      text = node != NULL && !JSON_NODE_HOLDS_NULL (node) ? vb_json_to_string (node, NULL) : NULL;
      if (!vb_cache_finish_entry (self->cache, entry->seq, VB_OUTBOX_APPLIED, status, text, &error))
        {
          push_failed_locally (self, g_steal_pointer (&error));
          return;
        }
      self->stats.applied++;
      push_next (self);
      return;
    }

  if (status == 409 && entry->kind == VB_CHANGE_UPDATE && g_strcmp0 (code, "version_conflict") == 0)
    {
      push_merge (self, entry, reply, error_object);
      return;
    }

  /* Our own numbering went wrong (a number reused after a crash between
   * renumbering and the new body, or below the server's last one): the
   * change itself was never judged, so send it under a fresh number. */
  if (g_strcmp0 (field, MUTATION_HEADER) == 0 && !replayed && self->resends < MAX_RESENDS
      && (status == 409 || status == 422))
    {
      self->resends++;
      push_resend (self, entry, NULL, 0);
      return;
    }

  /* Refused for good: validation, permission, a state the server does not
   * allow, an id someone else used.  Shown to the user; the cache rolls the
   * local view back. */
  text = vb_json_to_string (node, NULL);
  if (!vb_cache_finish_entry (self->cache, entry->seq, VB_OUTBOX_REFUSED, status, text, &error))
    {
      push_failed_locally (self, g_steal_pointer (&error));
      return;
    }
  self->stats.refused++;
  push_next (self);
}

/* The next pending entry, in outbox order; the batch ends when none is. */
static void
push_next (VbSyncEngine *self)
{
  g_autoptr(VbOutboxEntry) entry = NULL;
  g_autoptr(GError) error = NULL;
  gint64 number;

  if (g_cancellable_is_cancelled (self->cancellable))
    {
      cancelled (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                            "The sync was cancelled"));
      return;
    }
  entry = vb_cache_next_pending (self->cache);
  if (entry == NULL)
    {
      /* The server's versions of what was pushed (and what others did
       * meanwhile) come with the next pull. */
      if (self->batch_answers > 0)
        self->want_pull = TRUE;
      self->want_push = FALSE;
      self->busy = FALSE;
      drive (self);
      return;
    }
  if (entry->seq != self->resend_seq)
    {
      self->resend_seq = entry->seq;
      self->resends = 0;
    }
  /* Durable before sending: a retry after a crash uses the same number. */
  number = vb_cache_number_entry (self->cache, entry->seq, FALSE, &error);
  if (number <= 0)
    {
      push_failed_locally (self, g_steal_pointer (&error));
      return;
    }
  push_send (self, entry, number);
}

static void
push_start (VbSyncEngine *self)
{
  self->busy = TRUE;
  self->batch_answers = 0;
  set_state (self, VB_SYNC_STATE_SYNCING);
  push_next (self);
}

/* Runs whatever is wished for next, or settles. */
static void
drive (VbSyncEngine *self)
{
  if (self->busy)
    return;
  /* Stopped while a request was answered: start nothing new. */
  if (!self->running && self->round == NULL)
    return;
  if (self->want_push && vb_cache_count_pending (self->cache) == 0)
    self->want_push = FALSE;
  if (self->want_pull)
    {
      pull_start (self);
      return;
    }
  if (self->want_push)
    {
      push_start (self);
      return;
    }
  set_state (self, VB_SYNC_STATE_ONLINE);
  finish_round (self, NULL);
}

/* A request answered just as it was cancelled leaves the cancellable
 * cancelled without anyone resetting it; the next work needs a live one. */
static void
ensure_cancellable (VbSyncEngine *self)
{
  if (!self->busy && g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
}

/* Something may have changed on the server, or it may be back: read now
 * rather than at the end of a back-off delay. */
static void
wake (VbSyncEngine *self,
      gboolean      pull)
{
  if (!self->running)
    return;
  if (self->retry_id != 0)
    {
      g_clear_handle_id (&self->retry_id, g_source_remove);
      self->attempt = 0;
      self->want_push = TRUE;
      pull = TRUE;
    }
  if (pull)
    self->want_pull = TRUE;
  drive (self);
}

static void
live_changes_cb (VbLiveConnection   *live,
                 gint64              seq,
                 const char * const *entities,
                 VbSyncEngine       *self)
{
  wake (self, TRUE);
}

static void
live_state_cb (VbLiveConnection *live,
               GParamSpec       *pspec,
               VbSyncEngine     *self)
{
  if (vb_live_connection_get_state (live) == VB_CONNECTION_STATE_ONLINE)
    wake (self, TRUE);
}

/* ------------------------------------------------------------ GObject --- */

static void
vb_sync_engine_dispose (GObject *object)
{
  VbSyncEngine *self = VB_SYNC_ENGINE (object);

  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->held_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->live != NULL)
    {
      g_clear_signal_handler (&self->live_changes_id, self->live);
      g_clear_signal_handler (&self->live_state_id, self->live);
    }
  if (self->cache != NULL)
    g_clear_signal_handler (&self->outbox_changed_id, self->cache);
  g_clear_object (&self->live);
  g_clear_object (&self->api);
  g_clear_object (&self->cache);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (vb_sync_engine_parent_class)->dispose (object);
}

static void
vb_sync_engine_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  VbSyncEngine *self = VB_SYNC_ENGINE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_PROGRESS_DONE:
      g_value_set_uint64 (value, self->progress_done);
      break;
    case PROP_PROGRESS_TOTAL:
      g_value_set_uint64 (value, self->progress_total);
      break;
    case PROP_PENDING:
      g_value_set_uint (value, self->pending);
      break;
    case PROP_PROBLEMS:
      g_value_set_uint (value, self->problems);
      break;
    case PROP_CAUGHT_UP:
      g_value_set_boolean (value, self->caught_up);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_sync_engine_class_init (VbSyncEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = vb_sync_engine_dispose;
  object_class->get_property = vb_sync_engine_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, VB_TYPE_SYNC_STATE, VB_SYNC_STATE_OFFLINE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Feed items applied in the current pull, and how many it will bring
   * (known from the first page's "remaining"). */
  properties[PROP_PROGRESS_DONE] =
    g_param_spec_uint64 ("progress-done", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROGRESS_TOTAL] =
    g_param_spec_uint64 ("progress-total", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING] =
    g_param_spec_uint ("pending", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PROBLEMS] =
    g_param_spec_uint ("problems", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Becomes TRUE, once per engine, when a pull has read the feed to its end
   * (has_more: false): the first catch-up is done. */
  properties[PROP_CAUGHT_UP] =
    g_param_spec_boolean ("caught-up", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[PUSH_ANSWERED] =
    g_signal_new ("push-answered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_UINT);
}

static void
vb_sync_engine_init (VbSyncEngine *self)
{
  self->state = VB_SYNC_STATE_OFFLINE;
  self->cancellable = g_cancellable_new ();
}

VbSyncEngine *
vb_sync_engine_new (VbApiClient      *api,
                    VbCache          *cache,
                    VbLiveConnection *live)
{
  VbSyncEngine *self;

  g_return_val_if_fail (VB_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (VB_IS_CACHE (cache), NULL);
  g_return_val_if_fail (live == NULL || VB_IS_LIVE_CONNECTION (live), NULL);

  self = g_object_new (VB_TYPE_SYNC_ENGINE, NULL);
  self->api = g_object_ref (api);
  self->cache = g_object_ref (cache);
  self->outbox_changed_id = g_signal_connect (cache, "outbox-changed",
                                              G_CALLBACK (outbox_changed_cb), self);
  if (live != NULL)
    {
      self->live = g_object_ref (live);
      self->live_changes_id = g_signal_connect (live, "changes", G_CALLBACK (live_changes_cb), self);
      self->live_state_id = g_signal_connect (live, "notify::state", G_CALLBACK (live_state_cb), self);
    }
  self->pending = vb_cache_count_pending (cache);
  {
    g_autoptr(GPtrArray) problems = vb_cache_list_problems (cache);
    self->problems = problems != NULL ? problems->len : 0;
  }
  return self;
}

VbCache *
vb_sync_engine_get_cache (VbSyncEngine *self)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), NULL);
  return self->cache;
}

VbSyncState
vb_sync_engine_get_state (VbSyncEngine *self)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), VB_SYNC_STATE_OFFLINE);
  return self->state;
}

guint64
vb_sync_engine_get_progress_done (VbSyncEngine *self)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  return self->progress_done;
}

guint64
vb_sync_engine_get_progress_total (VbSyncEngine *self)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  return self->progress_total;
}

guint
vb_sync_engine_get_pending (VbSyncEngine *self)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  return self->pending;
}

guint
vb_sync_engine_get_problems (VbSyncEngine *self)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  return self->problems;
}

gboolean
vb_sync_engine_get_caught_up (VbSyncEngine *self)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), FALSE);
  return self->caught_up;
}

void
vb_sync_engine_start (VbSyncEngine *self)
{
  g_return_if_fail (VB_IS_SYNC_ENGINE (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->attempt = 0;
  ensure_cancellable (self);
  self->want_pull = TRUE;
  self->want_push = TRUE;
  drive (self);
}

void
vb_sync_engine_stop (VbSyncEngine *self)
{
  g_return_if_fail (VB_IS_SYNC_ENGINE (self));

  self->running = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->held_id, g_source_remove);
  /* The request in flight ends as cancelled and resets the cancellable. */
  if (self->busy)
    g_cancellable_cancel (self->cancellable);
  set_state (self, VB_SYNC_STATE_OFFLINE);
}

gboolean
vb_sync_engine_is_running (VbSyncEngine *self)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), FALSE);
  return self->running;
}

void
vb_sync_engine_sync_async (VbSyncEngine        *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (VB_IS_SYNC_ENGINE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_sync_engine_sync_async);
  if (self->round != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "A sync round is already running");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  memset (&self->stats, 0, sizeof self->stats);
  ensure_cancellable (self);
  self->round = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      self->round_cancellable = g_object_ref (cancellable);
      self->round_cancel_id = g_signal_connect (cancellable, "cancelled",
                                                G_CALLBACK (round_cancelled_cb), self);
    }
  /* A round does not wait for a back-off delay. */
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->want_pull = TRUE;
  self->want_push = TRUE;
  drive (self);
}

gboolean
vb_sync_engine_sync_finish (VbSyncEngine  *self,
                            GAsyncResult  *result,
                            VbSyncStats   *stats,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_sync_engine_sync_async, FALSE);

  if (stats != NULL)
    *stats = self->stats;
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ----------------------------------------------------- making changes --- */

static gint64
enqueue (VbSyncEngine *self,
         VbChangeKind  kind,
         const char   *entity,
         const char   *record_id,
         const char   *method,
         const char   *path,
         JsonObject   *body,
         JsonObject   *fields,
         GError      **error)
{
  gint64 seq = vb_cache_enqueue (self->cache, kind, entity, record_id, method, path,
                                 body, fields, error);

  if (seq > 0 && self->running && self->retry_id == 0)
    {
      self->want_push = TRUE;
      drive (self);
    }
  return seq;
}

static const char *
ensure_id (JsonObject *record)
{
  if (json_object_get_string_member_with_default (record, "id", NULL) == NULL)
    {
      g_autofree char *id = g_uuid_string_random ();

      json_object_set_string_member (record, "id", id);
    }
  return json_object_get_string_member (record, "id");
}

gint64
vb_sync_engine_create (VbSyncEngine  *self,
                       const char    *entity,
                       const char    *collection_path,
                       JsonObject    *record,
                       GError       **error)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  g_return_val_if_fail (entity != NULL && collection_path != NULL && record != NULL, 0);

  return enqueue (self, VB_CHANGE_CREATE, entity, ensure_id (record), "POST", collection_path,
                  record, record, error);
}

gint64
vb_sync_engine_append (VbSyncEngine  *self,
                       const char    *entity,
                       const char    *collection_path,
                       JsonObject    *record,
                       GError       **error)
{
  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  g_return_val_if_fail (entity != NULL && collection_path != NULL && record != NULL, 0);

  return enqueue (self, VB_CHANGE_APPEND, entity, ensure_id (record), "POST", collection_path,
                  record, record, error);
}

gint64
vb_sync_engine_update (VbSyncEngine  *self,
                       const char    *entity,
                       const char    *id,
                       const char    *item_path,
                       JsonObject    *changed_fields,
                       GError       **error)
{
  g_autoptr(JsonObject) server_row = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GList) members = NULL;
  gint64 version;

  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  g_return_val_if_fail (entity != NULL && id != NULL && item_path != NULL && changed_fields != NULL, 0);

  /* The version the user saw comes from the server's row; a record created
   * offline and not pulled back yet will be version 1 (if it is not by the
   * time this is sent, the version conflict is merged like any other). */
  server_row = vb_cache_get_server_row (self->cache, entity, id);
  version = server_row != NULL ? json_object_get_int_member_with_default (server_row, "version", 1) : 1;

  members = json_object_get_members (changed_fields);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;

      if (g_str_equal (name, "version") || g_str_equal (name, "id"))
        continue;
      json_object_set_member (fields, name, json_object_dup_member (changed_fields, name));
      json_object_set_member (body, name, json_object_dup_member (changed_fields, name));
    }
  json_object_set_int_member (body, "version", version);
  return enqueue (self, VB_CHANGE_UPDATE, entity, id, "PATCH", item_path, body, fields, error);
}

gint64
vb_sync_engine_action (VbSyncEngine  *self,
                       const char    *entity,
                       const char    *id,
                       const char    *method,
                       const char    *path,
                       JsonObject    *body,
                       GError       **error)
{
  g_autoptr(JsonObject) fields = json_object_new ();

  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  g_return_val_if_fail (entity != NULL && id != NULL && method != NULL && path != NULL, 0);

  /* What a move does to the record is the server's to say: the local view
   * changes when the pull brings the result. */
  return enqueue (self, VB_CHANGE_ACTION, entity, id, method, path, body, fields, error);
}

gint64
vb_sync_engine_upload (VbSyncEngine  *self,
                       const char    *location_id,
                       const char    *purpose,
                       const char    *file_name,
                       const char    *content_type,
                       GBytes        *bytes,
                       char         **out_id,
                       GError       **error)
{
  g_autofree char *id = NULL;
  g_autoptr(GString) path = NULL;
  g_autoptr(JsonObject) fields = json_object_new ();
  gint64 seq;

  g_return_val_if_fail (VB_IS_SYNC_ENGINE (self), 0);
  g_return_val_if_fail (purpose != NULL && content_type != NULL && bytes != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  /* The client's UUID is the attachment's id on the server too: a resend
   * after a lost answer hits the same row (a 409 on id, or the replayed
   * answer), never a second one. */
  id = g_uuid_string_random ();
  path = g_string_new ("/api/v1/attachments?id=");
  g_string_append (path, id);
  g_string_append (path, "&purpose=");
  g_string_append_uri_escaped (path, purpose, NULL, FALSE);
  json_object_set_string_member (fields, "purpose", purpose);
  if (location_id != NULL)
    {
      g_string_append (path, "&location_id=");
      g_string_append_uri_escaped (path, location_id, NULL, FALSE);
      json_object_set_string_member (fields, "location_id", location_id);
    }
  if (file_name != NULL)
    {
      g_string_append (path, "&file_name=");
      g_string_append_uri_escaped (path, file_name, NULL, FALSE);
      json_object_set_string_member (fields, "file_name", file_name);
    }
  json_object_set_int_member (fields, "size_bytes", (gint64) g_bytes_get_size (bytes));

  seq = vb_cache_enqueue_upload (self->cache, id, path->str, content_type, bytes, fields, error);
  if (seq > 0 && self->running && self->retry_id == 0)
    {
      self->want_push = TRUE;
      drive (self);
    }
  if (seq > 0 && out_id != NULL)
    *out_id = g_steal_pointer (&id);
  return seq;
}
