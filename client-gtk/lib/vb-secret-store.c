/* vb-secret-store.c — keeps the bearer token in the keyring, not on disk.
 *
 * One item per application: the reception desk and the admin console on the
 * same computer may be signed in as different people.  The server and e-mail
 * are item attributes, so a restart knows where to reconnect without any
 * other state file; the token is the secret.  The user id is an attribute
 * too, so that a restart while the server is unreachable still knows whose
 * offline cache to open (it names a file, it is not secret).  Only complete
 * sessions are
 * stored (no pending password change or enrolment), so a restart never lands
 * in a half-finished sign-in.
 */
#include "vb-secret-store.h"
#include "vb-session.h"

#include <glib/gi18n-lib.h>

const SecretSchema *
vb_secret_store_get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.voltbay.Session", SECRET_SCHEMA_NONE,
    {
      { "application", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "email", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user-id", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };
  return &schema;
}

/* save: clear the application's items, then store. */

static void
store_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_store_finish (result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
clear_before_store_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  const char *application_id = g_object_get_data (G_OBJECT (task), "application-id");
  VbSession *session = g_task_get_task_data (task);
  g_autofree char *label = NULL;
  g_autoptr(GHashTable) attributes = NULL;

  /* FALSE without an error: there was nothing to clear. */
  if (!secret_password_clear_finish (result, &error) && error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  label = g_strdup_printf (_("Voltbay session of %s on %s"),
                           vb_session_get_email (session), vb_session_get_server_url (session));
  attributes = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (attributes, (gpointer) "application", (gpointer) application_id);
  g_hash_table_insert (attributes, (gpointer) "server", (gpointer) vb_session_get_server_url (session));
  g_hash_table_insert (attributes, (gpointer) "email", (gpointer) vb_session_get_email (session));
  if (vb_session_get_user_id (session) != NULL)
    g_hash_table_insert (attributes, (gpointer) "user-id", (gpointer) vb_session_get_user_id (session));
  secret_password_storev (vb_secret_store_get_schema (), attributes, SECRET_COLLECTION_DEFAULT,
                          label, vb_session_get_token (session), g_task_get_cancellable (task),
                          store_cb, g_object_ref (task));
}

void
vb_secret_store_save_async (const char          *application_id,
                            VbSession           *session,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (application_id != NULL);
  g_return_if_fail (VB_IS_SESSION (session));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_secret_store_save_async);
  g_task_set_task_data (task, g_object_ref (session), g_object_unref);
  g_object_set_data_full (G_OBJECT (task), "application-id", g_strdup (application_id), g_free);
  secret_password_clear (vb_secret_store_get_schema (), cancellable,
                         clear_before_store_cb, g_steal_pointer (&task),
                         "application", application_id, NULL);
}

gboolean
vb_secret_store_save_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_secret_store_save_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* load: search the application's items, take the newest, read its secret. */

static void
retrieve_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SecretValue) value = NULL;
  g_autoptr(GHashTable) attributes = NULL;
  g_autoptr(VbSession) session = NULL;
  const char *server;
  const char *token;

  value = secret_retrievable_retrieve_secret_finish (SECRET_RETRIEVABLE (object), result, &error);
  if (value == NULL)
    {
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, NULL, NULL);
      return;
    }
  attributes = secret_retrievable_get_attributes (SECRET_RETRIEVABLE (object));
  server = g_hash_table_lookup (attributes, "server");
  token = secret_value_get_text (value);
  if (server == NULL || token == NULL || *token == '\0')
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  session = vb_session_new (server, g_hash_table_lookup (attributes, "email"), token);
  vb_session_set_user_id (session, g_hash_table_lookup (attributes, "user-id"));
  g_task_return_pointer (task, g_steal_pointer (&session), g_object_unref);
}

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GList *items;
  SecretRetrievable *newest = NULL;

  items = secret_password_search_finish (result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  for (GList *l = items; l != NULL; l = l->next)
    if (newest == NULL ||
        secret_retrievable_get_modified (l->data) > secret_retrievable_get_modified (newest))
      newest = l->data;
  if (newest == NULL)
    g_task_return_pointer (task, NULL, NULL);
  else
    secret_retrievable_retrieve_secret (newest, g_task_get_cancellable (task),
                                        retrieve_cb, g_object_ref (task));
  g_list_free_full (items, g_object_unref);
}

void
vb_secret_store_load_async (const char          *application_id,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (application_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_secret_store_load_async);
  secret_password_search (vb_secret_store_get_schema (),
                          SECRET_SEARCH_ALL | SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS,
                          cancellable, search_cb, g_steal_pointer (&task),
                          "application", application_id, NULL);
}

VbSession *
vb_secret_store_load_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_secret_store_load_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (!secret_password_clear_finish (result, &error) && error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
vb_secret_store_clear_async (const char          *application_id,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (application_id != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, vb_secret_store_clear_async);
  secret_password_clear (vb_secret_store_get_schema (), cancellable, clear_cb,
                         g_steal_pointer (&task), "application", application_id, NULL);
}

gboolean
vb_secret_store_clear_finish (GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_secret_store_clear_async, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
