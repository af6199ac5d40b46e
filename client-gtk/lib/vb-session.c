/* vb-session.c — a plain model of the signed-in session.
 *
 * Holds the server, the bearer token, the step the server still wants
 * (password change, TOTP enrolment) and the /me user.  It does no I/O:
 * VbClient owns the session and decides when it is saved, refreshed or
 * ended, and widgets bind to its properties.
 */
#include "vb-session.h"
#include "vb-client-error.h"

#include <glib/gi18n-lib.h>

struct _VbSession
{
  GObject           parent_instance;
  char             *server_url;
  char             *email;
  char             *token;
  VbSessionPending  pending;
  JsonObject       *user;
  char             *user_id;     /* remembered (keyring) until /me answers */
};

G_DEFINE_FINAL_TYPE (VbSession, vb_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER_URL,
  PROP_EMAIL,
  PROP_TOKEN,
  PROP_PENDING,
  PROP_USER,
  PROP_DISPLAY_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
vb_session_finalize (GObject *object)
{
  VbSession *self = VB_SESSION (object);

  g_clear_pointer (&self->server_url, g_free);
  g_clear_pointer (&self->email, g_free);
  g_clear_pointer (&self->token, g_free);
  g_clear_pointer (&self->user, json_object_unref);
  g_clear_pointer (&self->user_id, g_free);
  G_OBJECT_CLASS (vb_session_parent_class)->finalize (object);
}

static void
vb_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  VbSession *self = VB_SESSION (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_EMAIL:
      g_value_set_string (value, self->email);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_PENDING:
      g_value_set_enum (value, self->pending);
      break;
    case PROP_USER:
      g_value_set_boxed (value, self->user);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, vb_session_get_display_name (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_session_class_init (VbSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = vb_session_finalize;
  object_class->get_property = vb_session_get_property;

  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_EMAIL] =
    g_param_spec_string ("email", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_PENDING] =
    g_param_spec_enum ("pending", NULL, NULL, VB_TYPE_SESSION_PENDING, VB_SESSION_PENDING_NONE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_USER] =
    g_param_spec_boxed ("user", NULL, NULL, JSON_TYPE_OBJECT,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
vb_session_init (VbSession *self)
{
}

VbSession *
vb_session_new (const char *server_url,
                const char *email,
                const char *token)
{
  VbSession *self;

  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (VB_TYPE_SESSION, NULL);
  self->server_url = g_strdup (server_url);
  self->email = g_strdup (email);
  self->token = g_strdup (token);
  return self;
}

VbSessionPending
vb_session_pending_from_string (const char *pending)
{
  if (g_strcmp0 (pending, "password_change") == 0)
    return VB_SESSION_PENDING_PASSWORD_CHANGE;
  if (g_strcmp0 (pending, "mfa_enrolment") == 0)
    return VB_SESSION_PENDING_MFA_ENROLMENT;
  return VB_SESSION_PENDING_NONE;
}

static gboolean
read_pending (JsonObject        *object,
              VbSessionPending  *out,
              GError           **error)
{
  JsonNode *node = json_object_get_member (object, "pending");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      *out = VB_SESSION_PENDING_NONE;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL,
                   _("The server sent a malformed “pending” step"));
      return FALSE;
    }
  *out = vb_session_pending_from_string (json_node_get_string (node));
  return TRUE;
}

VbSession *
vb_session_new_from_login (const char  *server_url,
                           const char  *email,
                           JsonObject  *reply,
                           GError     **error)
{
  g_autoptr(VbSession) self = NULL;
  JsonNode *user;
  const char *token;

  g_return_val_if_fail (reply != NULL, NULL);

  token = json_object_get_string_member_with_default (reply, "token", NULL);
  if (token == NULL || *token == '\0')
    {
      g_set_error (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL,
                   _("The server’s sign-in reply has no session token"));
      return NULL;
    }
  self = vb_session_new (server_url, email, token);
  if (!read_pending (reply, &self->pending, error))
    return NULL;
  user = json_object_get_member (reply, "user");
  if (user != NULL && JSON_NODE_HOLDS_OBJECT (user))
    self->user = json_object_ref (json_node_get_object (user));
  return g_steal_pointer (&self);
}

const char *
vb_session_get_server_url (VbSession *self)
{
  g_return_val_if_fail (VB_IS_SESSION (self), NULL);
  return self->server_url;
}

const char *
vb_session_get_email (VbSession *self)
{
  g_return_val_if_fail (VB_IS_SESSION (self), NULL);
  return self->email;
}

const char *
vb_session_get_token (VbSession *self)
{
  g_return_val_if_fail (VB_IS_SESSION (self), NULL);
  return self->token;
}

VbSessionPending
vb_session_get_pending (VbSession *self)
{
  g_return_val_if_fail (VB_IS_SESSION (self), VB_SESSION_PENDING_NONE);
  return self->pending;
}

JsonObject *
vb_session_get_user (VbSession *self)
{
  g_return_val_if_fail (VB_IS_SESSION (self), NULL);
  return self->user;
}

gboolean
vb_session_set_user (VbSession   *self,
                     JsonObject  *me,
                     GError     **error)
{
  VbSessionPending pending;
  const char *email;

  g_return_val_if_fail (VB_IS_SESSION (self), FALSE);
  g_return_val_if_fail (me != NULL, FALSE);

  if (!read_pending (me, &pending, error))
    return FALSE;

  g_clear_pointer (&self->user, json_object_unref);
  self->user = json_object_ref (me);
  email = json_object_get_string_member_with_default (me, "email", NULL);
  if (email != NULL && g_strcmp0 (email, self->email) != 0)
    {
      g_free (self->email);
      self->email = g_strdup (email);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EMAIL]);
    }
  if (pending != self->pending)
    {
      self->pending = pending;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PENDING]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USER]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
  return TRUE;
}

const char *
vb_session_get_user_id (VbSession *self)
{
  const char *id = NULL;

  g_return_val_if_fail (VB_IS_SESSION (self), NULL);

  if (self->user != NULL)
    id = json_object_get_string_member_with_default (self->user, "id", NULL);
  return id != NULL ? id : self->user_id;
}

void
vb_session_set_user_id (VbSession  *self,
                        const char *user_id)
{
  g_return_if_fail (VB_IS_SESSION (self));

  g_free (self->user_id);
  self->user_id = g_strdup (user_id);
}

const char *
vb_session_get_display_name (VbSession *self)
{
  const char *name = NULL;

  g_return_val_if_fail (VB_IS_SESSION (self), NULL);

  if (self->user != NULL)
    name = json_object_get_string_member_with_default (self->user, "display_name", NULL);
  return (name != NULL && *name != '\0') ? name : self->email;
}
