/* voltbay-sync — the desktop apps' offline cache and sync engine without a
 * window: sync, make changes offline, read the cache, list problems.
 *
 * The same library the apps use (VbCache + VbSyncEngine), so what works
 * here works there; support staff use it to look into a desk's cache, and
 * the sync tests drive it as a real process they can kill.
 *
 * Output is JSON on stdout; messages go to stderr.  Exit status: 0 done,
 * 1 failed (usage, local error, not found), 2 the server could not be
 * reached (nothing is lost: the outbox is kept for the next sync).
 */
#include "vb-api-client.h"
#include "vb-cache.h"
#include "vb-pin-store.h"
#include "vb-sync-engine.h"

#include "vb-json.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define EXIT_UNREACHABLE 2

static char *opt_server;
static char *opt_token;
static char *opt_cache;

static const GOptionEntry entries[] = {
  { "server", 's', 0, G_OPTION_ARG_STRING, &opt_server,
    "The Voltbay server (default: $VOLTBAY_SERVER)", "URL" },
  { "token", 't', 0, G_OPTION_ARG_STRING, &opt_token,
    "A session token (default: $VOLTBAY_TOKEN)", "TOKEN" },
  { "cache", 'c', 0, G_OPTION_ARG_FILENAME, &opt_cache,
    "The cache file (default: the apps' cache of this server and user, found with GET /api/v1/me)", "PATH" },
  { NULL }
};

#define DESCRIPTION \
  "Commands:\n" \
  "  sync                                  pull, push the outbox in order, pull again;\n" \
  "                                        prints {\"pulled\", \"pushed\", \"applied\", \"refused\",\n" \
  "                                        \"conflicts\", \"pending\"}; exit 2 if the server is unreachable\n" \
  "  create ENTITY COLLECTION_PATH JSON    a new record (\"id\" generated if absent)\n" \
  "  update ENTITY ID ITEM_PATH JSON       changed fields of a record (version added)\n" \
  "  append ENTITY COLLECTION_PATH JSON    an append-only record (notes, readings)\n" \
  "  action ENTITY ID METHOD PATH [JSON]   a state change the server decides\n" \
  "  upload LOCATION_ID PURPOSE FILE       a file (photo, PDF) as an attachment; PURPOSE photo,\n" \
  "                                        signature, certification or document; LOCATION_ID \"-\"\n" \
  "                                        for none\n" \
  "                                        (these five only write the outbox: they work offline\n" \
  "                                        and print {\"seq\", \"id\"})\n" \
  "  get ENTITY ID                         a record as the apps show it\n" \
  "  list ENTITY                           every cached record of an entity\n" \
  "  search TEXT                           full-text search of the cache\n" \
  "  status                                pending, problems, cursor, client id\n" \
  "  problems                              refused and conflicting changes\n" \
  "  checksum [ENTITY...]                  SHA-256 of the cached server rows' ids and versions\n" \
  "\n" \
  "Offline, pass --cache (finding the default cache asks the server who you are).\n" \
  "Options go before the command. Output is JSON on stdout.\n" \
  "Exit status: 0 done (a sync with refusals too), 1 failed, 2 server unreachable\n" \
  "(the outbox is kept).\n" \
  "\n" \
  "Test hook: VOLTBAY_SYNC_CRASH_AFTER_REPLY=N kills this process with SIGKILL right\n" \
  "after the server's answer to its Nth push arrives, before the cache records it\n" \
  "(the crash tests' worst instant). Never set it otherwise.\n"

/* ---------------------------------------------------------- helpers --- */

static void
print_node (JsonNode *node)
{
  g_autofree char *text = json_to_string (node, TRUE);

  g_print ("%s\n", text);
}

static void
print_object (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  print_node (node);
}

static void
print_objects (GPtrArray *objects)
{
  g_autoptr(JsonArray) array = json_array_new ();
  g_autoptr(JsonNode) node = NULL;

  for (guint i = 0; objects != NULL && i < objects->len; i++)
    json_array_add_object_element (array, json_object_ref (g_ptr_array_index (objects, i)));
  node = json_node_init_array (json_node_alloc (), array);
  print_node (node);
}

static JsonObject *
parse_argument (const char  *text,
                GError     **error)
{
  g_autoptr(GError) local = NULL;
  JsonObject *object = vb_json_parse_object (text, -1, &local);

  if (object == NULL)
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                 "Not a JSON object: %s (%s)", text, local->message);
  return object;
}

/* Waits for one async call on the default main context. */
typedef struct
{
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static GAsyncResult *
wait_for (Wait *wait)
{
  while (wait->result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return wait->result;
}

static int
exit_status_for (const GError *error)
{
  return vb_sync_error_is_transient (error) ? EXIT_UNREACHABLE : EXIT_FAILURE;
}

/* The default cache belongs to this server and user: ask who we are. */
static char *
default_cache_path (VbApiClient  *api,
                    GError      **error)
{
  Wait wait = { NULL };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(JsonNode) me = NULL;
  const char *user_id;

  vb_api_client_request_async (api, "GET", "/api/v1/me", NULL, NULL, wait_cb, &wait);
  result = wait_for (&wait);
  me = vb_api_client_request_finish (api, result, error);
  if (me == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (me)
      || (user_id = json_object_get_string_member_with_default (json_node_get_object (me), "id", NULL)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "GET /api/v1/me did not name the user");
      return NULL;
    }
  return vb_cache_default_path (vb_api_client_get_server_key (api), user_id);
}

/* --------------------------------------------------------- commands --- */

static guint crash_after;
static guint answers;

static void
push_answered_cb (VbSyncEngine *engine,
                  gint64        seq,
                  guint         status,
                  gpointer      user_data)
{
  /* The test hook: die like a power cut between the server's commit and
   * our record of it. */
  if (crash_after > 0 && ++answers == crash_after)
    kill (getpid (), SIGKILL);
}

static int
cmd_sync (VbSyncEngine *engine)
{
  VbCache *cache = vb_sync_engine_get_cache (engine);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) summary = json_object_new ();
  g_autoptr(GPtrArray) problems = NULL;
  VbSyncStats stats = { 0 };
  Wait wait = { NULL };
  const char *env = g_getenv ("VOLTBAY_SYNC_CRASH_AFTER_REPLY");
  gboolean ok;

  crash_after = env != NULL ? (guint) g_ascii_strtoull (env, NULL, 10) : 0;
  g_signal_connect (engine, "push-answered", G_CALLBACK (push_answered_cb), NULL);

  vb_sync_engine_sync_async (engine, NULL, wait_cb, &wait);
  result = wait_for (&wait);
  ok = vb_sync_engine_sync_finish (engine, result, &stats, &error);

  problems = vb_cache_list_problems (cache);
  json_object_set_int_member (summary, "pulled", (gint64) stats.pulled);
  json_object_set_int_member (summary, "pushed", stats.pushed);
  json_object_set_int_member (summary, "applied", stats.applied);
  json_object_set_int_member (summary, "refused", stats.refused);
  json_object_set_int_member (summary, "conflicts", stats.conflicts);
  json_object_set_int_member (summary, "pending", vb_cache_count_pending (cache));
  json_object_set_int_member (summary, "problems", problems != NULL ? problems->len : 0);
  json_object_set_boolean_member (summary, "complete", ok);
  print_object (summary);
  if (!ok)
    {
      g_printerr ("voltbay-sync: %s%s\n", error->message,
                  vb_sync_error_is_transient (error) ? " (the outbox is kept for the next sync)" : "");
      return exit_status_for (error);
    }
  return EXIT_SUCCESS;
}

static int
print_enqueued (gint64      seq,
                const char *id,
                GError     *error)
{
  g_autoptr(JsonObject) out = json_object_new ();

  if (seq <= 0)
    {
      g_printerr ("voltbay-sync: %s\n", error->message);
      return EXIT_FAILURE;
    }
  json_object_set_int_member (out, "seq", seq);
  json_object_set_string_member (out, "id", id);
  print_object (out);
  return EXIT_SUCCESS;
}

static int
cmd_change (VbSyncEngine  *engine,
            const char    *command,
            char         **args,
            guint          n_args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  gint64 seq;

  if (g_str_equal (command, "create") || g_str_equal (command, "append"))
    {
      if (n_args != 3)
        goto usage;
      if ((object = parse_argument (args[2], &error)) == NULL)
        goto fail;
      seq = g_str_equal (command, "create")
            ? vb_sync_engine_create (engine, args[0], args[1], object, &error)
            : vb_sync_engine_append (engine, args[0], args[1], object, &error);
      return print_enqueued (seq, json_object_get_string_member (object, "id"), error);
    }
  if (g_str_equal (command, "update"))
    {
      if (n_args != 4)
        goto usage;
      if ((object = parse_argument (args[3], &error)) == NULL)
        goto fail;
      seq = vb_sync_engine_update (engine, args[0], args[1], args[2], object, &error);
      return print_enqueued (seq, args[1], error);
    }
  /* action ENTITY ID METHOD PATH [JSON] */
  if (n_args != 4 && n_args != 5)
    goto usage;
  if (n_args == 5 && (object = parse_argument (args[4], &error)) == NULL)
    goto fail;
  seq = vb_sync_engine_action (engine, args[0], args[1], args[2], args[3], object, &error);
  return print_enqueued (seq, args[1], error);

usage:
  g_printerr ("voltbay-sync: wrong arguments for %s (see --help)\n", command);
  return EXIT_FAILURE;
fail:
  g_printerr ("voltbay-sync: %s\n", error->message);
  return EXIT_FAILURE;
}

/* upload LOCATION_ID PURPOSE FILE: the file is read now and kept in the
 * outbox, so it may be deleted or the desk go offline before the sync. */
static int
cmd_upload (VbSyncEngine  *engine,
            char         **args,
            guint          n_args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *guessed = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *file_name = NULL;
  g_autofree char *id = NULL;
  const char *location_id;
  gconstpointer data;
  gsize size;
  gint64 seq;

  if (n_args != 3)
    {
      g_printerr ("voltbay-sync: wrong arguments for upload (see --help)\n");
      return EXIT_FAILURE;
    }
  location_id = g_str_equal (args[0], "-") ? NULL : args[0];
  file = g_file_new_for_commandline_arg (args[2]);
  bytes = g_file_load_bytes (file, NULL, NULL, &error);
  if (bytes == NULL)
    {
      g_printerr ("voltbay-sync: %s\n", error->message);
      return EXIT_FAILURE;
    }
  /* By the contents first: the server checks them, not the name. */
  data = g_bytes_get_data (bytes, &size);
  guessed = g_content_type_guess (args[2], data, size, NULL);
  content_type = g_content_type_get_mime_type (guessed);
  file_name = g_file_get_basename (file);
  seq = vb_sync_engine_upload (engine, location_id, args[1], file_name,
                               content_type != NULL ? content_type : "application/octet-stream",
                               bytes, &id, &error);
  return print_enqueued (seq, id, error);
}

static JsonObject *
entry_to_json (VbOutboxEntry *entry)
{
  static const char * const kinds[] = { "create", "update", "append", "action" };
  static const char * const states[] = { "pending", "applied", "refused", "conflict" };
  JsonObject *o = json_object_new ();

  json_object_set_int_member (o, "seq", entry->seq);
  json_object_set_int_member (o, "number", entry->number);
  json_object_set_string_member (o, "kind", kinds[entry->kind]);
  json_object_set_string_member (o, "state", states[entry->state]);
  json_object_set_string_member (o, "entity", entry->entity);
  json_object_set_string_member (o, "record_id", entry->record_id);
  json_object_set_string_member (o, "method", entry->method);
  json_object_set_string_member (o, "path", entry->path);
  json_object_set_int_member (o, "status", entry->status);
  /* An upload: its type and size, not the bytes. */
  if (entry->body_type != NULL)
    json_object_set_string_member (o, "body_type", entry->body_type);
  if (entry->body_bytes != NULL)
    json_object_set_int_member (o, "body_size", (gint64) g_bytes_get_size (entry->body_bytes));
  /* Parsed where they are JSON, so scripts need not parse twice. */
  {
    const char *names[] = { "body", "fields", "reply" };
    const char *texts[] = { entry->body, entry->fields, entry->reply };

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autoptr(JsonParser) parser = json_parser_new ();

        if (texts[i] != NULL && json_parser_load_from_data (parser, texts[i], -1, NULL)
            && json_parser_get_root (parser) != NULL)
          json_object_set_member (o, names[i], json_node_copy (json_parser_get_root (parser)));
        else
          json_object_set_null_member (o, names[i]);
      }
  }
  return o;
}

static int
cmd_read (VbCache     *cache,
          const char  *command,
          char       **args,
          guint        n_args)
{
  if (g_str_equal (command, "get") && n_args == 2)
    {
      g_autoptr(JsonObject) record = vb_cache_get (cache, args[0], args[1]);

      if (record == NULL)
        {
          g_printerr ("voltbay-sync: no %s %s in the cache\n", args[0], args[1]);
          return EXIT_FAILURE;
        }
      print_object (record);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (command, "list") && n_args == 1)
    {
      g_autoptr(GPtrArray) records = vb_cache_list (cache, args[0], NULL, NULL, FALSE, 0);

      print_objects (records);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (command, "search") && n_args >= 1)
    {
      g_autofree char *text = g_strjoinv (" ", args);
      g_autoptr(GPtrArray) hits = vb_cache_search (cache, text, 50);

      print_objects (hits);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (command, "status") && n_args == 0)
    {
      g_autoptr(JsonObject) out = json_object_new ();
      g_autoptr(GPtrArray) problems = vb_cache_list_problems (cache);
      g_autofree char *cursor = vb_cache_dup_cursor (cache);

      json_object_set_int_member (out, "pending", vb_cache_count_pending (cache));
      json_object_set_int_member (out, "problems", problems != NULL ? problems->len : 0);
      if (cursor != NULL)
        json_object_set_string_member (out, "cursor", cursor);
      else
        json_object_set_null_member (out, "cursor");
      json_object_set_string_member (out, "client_id", vb_cache_get_client_id (cache));
      json_object_set_string_member (out, "cache", vb_cache_get_path (cache));
      print_object (out);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (command, "problems") && n_args == 0)
    {
      g_autoptr(GPtrArray) problems = vb_cache_list_problems (cache);
      g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

      for (guint i = 0; problems != NULL && i < problems->len; i++)
        g_ptr_array_add (objects, entry_to_json (g_ptr_array_index (problems, i)));
      print_objects (objects);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (command, "checksum"))
    {
      g_autofree char *sum = vb_cache_checksum (cache, n_args > 0 ? (const char * const *) args : NULL);

      g_print ("%s\n", sum);
      return EXIT_SUCCESS;
    }
  g_printerr ("voltbay-sync: unknown command or wrong arguments: %s (see --help)\n", command);
  return EXIT_FAILURE;
}

static gboolean
needs_server (const char *command)
{
  return g_str_equal (command, "sync");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VbPinStore) pins = NULL;
  g_autoptr(VbApiClient) api = NULL;
  g_autoptr(VbCache) cache = NULL;
  g_autoptr(VbSyncEngine) engine = NULL;
  g_autofree char *cache_path = NULL;
  const char *server, *token, *command;
  char **args;
  guint n_args;
  int status;

  setlocale (LC_ALL, "");
  /* stdout is the JSON answer: every log message (debug too) to stderr. */
  g_log_writer_default_set_use_stderr (TRUE);
  context = g_option_context_new ("COMMAND [ARGUMENT…]");
  g_option_context_set_summary (context,
    "The Voltbay offline cache and sync engine on the command line.");
  g_option_context_set_description (context, DESCRIPTION);
  g_option_context_add_main_entries (context, entries, NULL);
  /* Arguments after the command are its own (JSON may start with '-'). */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("voltbay-sync: %s\n", error->message);
      return EXIT_FAILURE;
    }
  if (argc < 2)
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      g_printerr ("%s", help);
      return EXIT_FAILURE;
    }
  command = argv[1];
  args = argv + 2;
  n_args = (guint) argc - 2;

  server = opt_server != NULL ? opt_server : g_getenv ("VOLTBAY_SERVER");
  token = opt_token != NULL ? opt_token : g_getenv ("VOLTBAY_TOKEN");

  /* The apps' pins: a server the apps trust is trusted here. */
  pins = vb_pin_store_new (NULL);
  api = vb_api_client_new (pins);
  if (server != NULL && !vb_api_client_set_server (api, server, &error))
    {
      g_printerr ("voltbay-sync: %s\n", error->message);
      return EXIT_FAILURE;
    }
  vb_api_client_set_token (api, token);

  if ((server == NULL || token == NULL) && (needs_server (command) || opt_cache == NULL))
    {
      g_printerr ("voltbay-sync: %s needs --server and --token (or VOLTBAY_SERVER and VOLTBAY_TOKEN)%s\n",
                  command, needs_server (command) ? "" : ", or --cache");
      return EXIT_FAILURE;
    }

  cache_path = opt_cache != NULL ? g_strdup (opt_cache) : default_cache_path (api, &error);
  if (cache_path == NULL)
    {
      g_printerr ("voltbay-sync: cannot find the default cache: %s (offline, pass --cache)\n",
                  error->message);
      return exit_status_for (error);
    }
  cache = vb_cache_open (cache_path, &error);
  if (cache == NULL)
    {
      g_printerr ("voltbay-sync: %s: %s\n", cache_path, error->message);
      return EXIT_FAILURE;
    }
  engine = vb_sync_engine_new (api, cache, NULL);

  if (g_str_equal (command, "sync") && n_args == 0)
    status = cmd_sync (engine);
  else if (g_str_equal (command, "create") || g_str_equal (command, "update")
           || g_str_equal (command, "append") || g_str_equal (command, "action"))
    status = cmd_change (engine, command, args, n_args);
  else if (g_str_equal (command, "upload"))
    status = cmd_upload (engine, args, n_args);
  else
    status = cmd_read (cache, command, args, n_args);

  g_clear_pointer (&opt_server, g_free);
  g_clear_pointer (&opt_token, g_free);
  g_clear_pointer (&opt_cache, g_free);
  return status;
}
