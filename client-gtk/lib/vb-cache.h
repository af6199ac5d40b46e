/* vb-cache.h — the offline cache: one SQLite file per server and user.
 *
 * It mirrors what the change feed delivers (the server's rows, as JSON, per
 * entity = table name) and holds the outbox of changes the user made that
 * the server has not answered yet.  Each record keeps two views:
 *   - server_row: the server's truth as last pulled (NULL for a record
 *     created here and not yet pulled back);
 *   - local_row: what the apps show — server_row with every pending change
 *     of that record applied on top, in outbox order.
 * A pull replaces server_row and recomputes local_row (pending changes are
 * "rebased" on the new truth); a refused change leaves the outbox as a
 * visible problem and its record's local_row is recomputed without it.
 *
 * Durability: WAL with synchronous=FULL, so once vb_cache_enqueue() returns
 * the change survives a crash of the app or the machine.  The file is 0600
 * and lives in the XDG data dir (the outbox is user work, not a cache).
 *
 * Signals: ::changed (const char * const *entities) after each commit that
 * changed local views (pulls, enqueues, refusals); just before it, for each
 * of those entities, ::records-changed (const char *entity, const char *
 * const *ids): the records of that entity whose local view the commit
 * changed, created or removed (what lists update from without re-reading
 * the entity); ::outbox-changed after each commit that changed the outbox
 * (counts, problems).
 *
 * Not thread-safe: one VbCache per thread (the apps use it on the main
 * thread; tests and voltbay-sync too).
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Failures of the cache itself (a malformed change-feed page is
 * VB_CLIENT_ERROR_PROTOCOL). */
#define VB_CACHE_ERROR (vb_cache_error_quark ())

typedef enum
{
  VB_CACHE_ERROR_DATABASE,  /* SQLite failed: disk full, corrupt or locked file, no FTS5 */
  VB_CACHE_ERROR_NOT_FOUND, /* no such outbox entry (or not in a state that allows it) */
} VbCacheErrorCode;

GQuark          vb_cache_error_quark      (void);

#define VB_TYPE_CACHE (vb_cache_get_type ())
G_DECLARE_FINAL_TYPE (VbCache, vb_cache, VB, CACHE, GObject)

/* What a change does, which decides how a refusal or conflict is handled
 * (docs/sync.md, "Conflicts"). */
typedef enum
{
  VB_CHANGE_CREATE,   /* a new record, client-generated UUID */
  VB_CHANGE_UPDATE,   /* changed fields of a record, with its base version */
  VB_CHANGE_APPEND,   /* an append-only record (notes, readings, results) */
  VB_CHANGE_ACTION,   /* a state-machine move or a booking: the server decides */
} VbChangeKind;

typedef enum
{
  VB_OUTBOX_PENDING,  /* not answered yet (maybe sent) */
  VB_OUTBOX_APPLIED,
  VB_OUTBOX_REFUSED,  /* the server said no (validation, state, permission) */
  VB_OUTBOX_CONFLICT, /* the same field was changed on the server meanwhile */
} VbOutboxState;

/* One outbox row. */
typedef struct
{
  gint64         seq;          /* local order */
  gint64         number;       /* Voltbay-Mutation number, 0 until first sent */
  VbChangeKind   kind;
  VbOutboxState  state;
  char          *entity;
  char          *record_id;
  char          *method;       /* POST, PATCH, PUT, DELETE */
  char          *path;         /* /api/v1/... */
  char          *body;         /* JSON text or NULL */
  GBytes        *body_bytes;   /* a binary body (an upload), sent instead of body; or NULL */
  char          *body_type;    /* body_bytes' Content-Type, or NULL */
  char          *fields;       /* JSON object: the fields this change sets (local view) */
  char          *base;         /* JSON object: those fields' values before the change (updates) */
  gint64         base_version; /* the record's server version the change was made on (0: none) */
  guint          status;       /* HTTP status of the answer (0: none yet) */
  char          *reply;        /* the answer's JSON text */
  gint64         created_at;   /* unix µs */
  gboolean       dismissed;    /* the user has seen the problem */
} VbOutboxEntry;

void            vb_outbox_entry_free      (VbOutboxEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbOutboxEntry, vb_outbox_entry_free)

/* $XDG_DATA_HOME/voltbay/caches/SERVER_KEY/USER_ID.sqlite (server_key as
 * vb_api_client_get_server_key() gives it, made file-name safe). */
char           *vb_cache_default_path     (const char   *server_key,
                                           const char   *user_id);
/* Opens or creates the file (0600, WAL, synchronous=FULL) and migrates it. */
VbCache        *vb_cache_open             (const char   *path,
                                           GError      **error);
const char     *vb_cache_get_path         (VbCache      *self);
/* Generated once per cache file; sent as the Voltbay-Mutation client id. */
const char     *vb_cache_get_client_id    (VbCache      *self);

/* ------------------------------------------------------------ pull --- */

/* The change-feed cursor (NULL: from the beginning). */
char           *vb_cache_dup_cursor       (VbCache      *self);
/* One page of GET /api/v1/changes ("items" as the server sends them) and
 * its next_cursor, applied in one transaction; emits ::changed once. */
gboolean        vb_cache_apply_changes    (VbCache      *self,
                                           JsonArray    *items,
                                           const char   *next_cursor,
                                           GError      **error);

/* ----------------------------------------------------------- reads --- */

/* The local view of a record, or NULL (unknown or deleted). */
JsonObject     *vb_cache_get              (VbCache      *self,
                                           const char   *entity,
                                           const char   *id);
/* The server's last known row, or NULL. */
JsonObject     *vb_cache_get_server_row   (VbCache      *self,
                                           const char   *entity,
                                           const char   *id);
/* Local views of an entity (JsonObject*), optionally of one location,
 * ordered by order_field (a top-level member; NULL: id), at most limit
 * (0: all). */
GPtrArray      *vb_cache_list             (VbCache      *self,
                                           const char   *entity,
                                           const char   *location_id,
                                           const char   *order_field,
                                           gboolean      descending,
                                           guint         limit);
/* The same, only records whose top-level member field is the string value
 * (e.g. one customer's vehicles: "customer_id", id); filtered in SQL. */
GPtrArray      *vb_cache_list_where       (VbCache      *self,
                                           const char   *entity,
                                           const char   *location_id,
                                           const char   *field,
                                           const char   *value,
                                           const char   *order_field,
                                           gboolean      descending,
                                           guint         limit);
/* A local view as the cache stores it, unparsed: what a long list keeps
 * until a row is shown.  orderable: FALSE when the order field holds an
 * object or array (whose order vb_cache_list leaves to SQLite's text). */
typedef struct
{
  char     *id;
  char     *json;
  gboolean  orderable;
} VbCacheText;
void            vb_cache_text_free        (VbCacheText  *text);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbCacheText, vb_cache_text_free)
/* vb_cache_list_where (field NULL: vb_cache_list) without a limit, as
 * VbCacheText. */
GPtrArray      *vb_cache_list_texts       (VbCache      *self,
                                           const char   *entity,
                                           const char   *location_id,
                                           const char   *field,
                                           const char   *value,
                                           const char   *order_field,
                                           gboolean      descending);
/* The local views of these records of entity (in the order of ids; unknown,
 * deleted or, with location_id, other locations' records left out). */
GPtrArray      *vb_cache_get_many         (VbCache            *self,
                                           const char         *entity,
                                           const char         *location_id,
                                           const char * const *ids);
guint           vb_cache_count            (VbCache      *self,
                                           const char   *entity);
/* Full-text search (FTS5, prefix match per word) over customers (names,
 * phones, e-mails), vehicles (plate, VIN, make, model) and work orders
 * (number, concerns): {"entity", "id", "title"} objects, best first. */
GPtrArray      *vb_cache_search           (VbCache      *self,
                                           const char   *text,
                                           guint         limit);
/* The same search for one entity: the matching records' local rows, best
 * first, in one statement (what a searching list shows). */
GPtrArray      *vb_cache_search_rows      (VbCache      *self,
                                           const char   *entity,
                                           const char   *text,
                                           guint         limit);
/* SHA-256 hex over the sorted "entity id version" lines of the server
 * rows of the given entities (NULL: all) — what the server has, if the
 * cache is in sync (tests compare it with the database).  Exactly:
 * one line "ENTITY ID VERSION\n" (single spaces, VERSION in decimal) per
 * record that has a server row and is not deleted (records only created
 * here and tombstones are left out); the lines sorted in byte order
 * (strcmp, PostgreSQL COLLATE "C") and concatenated; the SHA-256 of that
 * in lowercase hex (of "" when there are none: e3b0c442…b855).  In SQL:
 *   SELECT encode(sha256(convert_to(coalesce(string_agg(l, '' ORDER BY l
 *            COLLATE "C"), ''), 'UTF8')), 'hex')
 *   FROM (SELECT 'customers ' || id || ' ' || version || E'\n' AS l
 *         FROM customers) s; */
char           *vb_cache_checksum         (VbCache      *self,
                                           const char * const *entities);

/* ---------------------------------------------------------- outbox --- */

/* A user's change: the record's local view and the outbox row in one
 * transaction.  Returns the outbox seq (> 0) only after COMMIT, so what
 * the UI acknowledges survives a crash; 0 with error otherwise.
 * The local view: CREATE and APPEND make the record (entity, record_id)
 * from fields if it has no view yet (else merge); UPDATE and ACTION merge
 * fields (top-level members) into it, if it exists; method "DELETE"
 * (not CREATE/APPEND) hides it.  fields may be NULL (an action whose
 * effect only the server knows).  The entry's base is the record's
 * values of fields' members before the change (UPDATE, ACTION; null for
 * members it lacked) and base_version its pulled version (0: none).
 * fields: the record's members this change sets (for a create: the whole
 * new record including "id"); body: what to send (may equal fields; for
 * updates the caller includes "version": base version). */
gint64          vb_cache_enqueue          (VbCache      *self,
                                           VbChangeKind  kind,
                                           const char   *entity,
                                           const char   *record_id,
                                           const char   *method,
                                           const char   *path,
                                           JsonObject   *body,
                                           JsonObject   *fields,
                                           GError      **error);
/* An upload (a photo taken offline, docs/sync.md): the file's bytes wait
 * in the outbox with the change, in one transaction as durable as
 * vb_cache_enqueue() (an APPEND of entity "attachments", POST path).
 * path carries the metadata as query parameters, with id=record_id (the
 * client's UUID, so a replay or resend makes no second attachment).
 * fields is the local view's metadata (purpose, file_name, location_id…;
 * may be NULL): "id", "content_type" and "size_bytes" are added if
 * missing.  Once the upload is applied and a pull brought the server's
 * row, the bytes are dropped from the outbox; a refused one keeps them. */
gint64          vb_cache_enqueue_upload   (VbCache      *self,
                                           const char   *record_id,
                                           const char   *path,
                                           const char   *content_type,
                                           GBytes       *bytes,
                                           JsonObject   *fields,
                                           GError      **error);
/* The bytes of a not-yet-uploaded (or not yet pulled back) attachment, to
 * show it locally; NULL when the outbox no longer holds them (fetch the
 * server's copy). */
GBytes         *vb_cache_dup_upload_bytes (VbCache      *self,
                                           const char   *record_id);
/* The oldest pending change, or NULL. */
VbOutboxEntry  *vb_cache_next_pending     (VbCache      *self);
guint           vb_cache_count_pending    (VbCache      *self);
/* Assigns (once, durably) the entry's Voltbay-Mutation number; a rebased
 * update gets a new one (renumber = TRUE). Returns the number, 0 on error.
 * Numbers come from one counter per cache file, from 1, strictly
 * increasing across restarts (never reused, even after renumbering). */
gint64          vb_cache_number_entry     (VbCache      *self,
                                           gint64        seq,
                                           gboolean      renumber,
                                           GError      **error);
/* For a rebased update: the new body (with the server's current version).
 * Pending entries only (else VB_CACHE_ERROR_NOT_FOUND); emits nothing. */
gboolean        vb_cache_set_entry_body   (VbCache      *self,
                                           gint64        seq,
                                           JsonObject   *body,
                                           gint64        base_version,
                                           GError      **error);
/* The answer: applied (the record's local view stays until the pull brings
 * the server's row), or refused/conflict (kept as a problem; the record's
 * local view is recomputed without it; a refused create disappears).
 * Precisely: an applied change keeps showing while the record's pulled
 * version is <= its base_version.  Finishing an entry again is allowed
 * (the last answer wins).  Error VB_CACHE_ERROR_NOT_FOUND: no such seq. */
gboolean        vb_cache_finish_entry     (VbCache      *self,
                                           gint64        seq,
                                           VbOutboxState state,
                                           guint         status,
                                           const char   *reply,
                                           GError      **error);
/* Refused and conflicting changes not dismissed, oldest first. */
GPtrArray      *vb_cache_list_problems    (VbCache      *self);
gboolean        vb_cache_dismiss_problem  (VbCache      *self,
                                           gint64        seq,
                                           GError      **error);
VbOutboxEntry  *vb_cache_get_entry        (VbCache      *self,
                                           gint64        seq);
/* Whether the outbox holds a change of this record made here (any state;
 * applied ones are kept a while): the notifier's "the user did this
 * themselves".  Added for VbNotifier (issue #5, API for the apps). */
gboolean        vb_cache_has_outbox_entry (VbCache      *self,
                                           const char   *entity,
                                           const char   *record_id);

G_END_DECLS
