/* vb-sign-in-view.c — drives one sign-in from the form to a complete session.
 *
 *   form ─► POST /auth/login ─┬─ certificate not pinned ─► trust dialog ─► pin, retry
 *                             ├─ certificate changed ─► refusal dialog (no retry)
 *                             ├─ mfa_required ─► reveal the code field
 *                             └─ 200 ─► pending? ─┬─ password_change ─► new password ─► /me
 *                                                 ├─ mfa_enrolment ─► enrol, verify ─► /me
 *                                                 └─ none ─► vb_client_begin_session()
 *
 * Only a complete session reaches VbClient (and so the keyring); a pending
 * one lives here until its steps are done or the user cancels, in which case
 * it is revoked on the server.  The password typed on the form is kept only
 * while a password change still needs it as "current_password".
 */
#include "vb-sign-in-view.h"
#include "vb-common.h"
#include "vb-api-client.h"
#include "vb-certificate-dialogs.h"
#include "vb-client.h"
#include "vb-client-error.h"
#include "vb-login-page.h"
#include "vb-password-change-page.h"
#include "vb-pin-store.h"
#include "vb-presentation.h"
#include "vb-session.h"
#include "vb-totp-enrol-page.h"

#include "vb-error.h"
#include "vb-json.h"

#include <glib/gi18n-lib.h>
#include <string.h>

struct _VbSignInView
{
  AdwBin                parent_instance;
  GtkStack             *stack;
  VbLoginPage          *login_page;
  VbPasswordChangePage *password_page;
  VbTotpEnrolPage      *enrol_page;

  VbClient             *client;
  VbSession            *pending;
  GCancellable         *cancellable;
  char                 *password;    /* only while a password change is pending */
};

G_DEFINE_FINAL_TYPE (VbSignInView, vb_sign_in_view, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_CLIENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void proceed (VbSignInView *self);

static VbApiClient *
api (VbSignInView *self)
{
  return vb_client_get_api (self->client);
}

static void
forget_password (VbSignInView *self)
{
  if (self->password != NULL)
    {
      memset (self->password, 0, strlen (self->password));
      g_clear_pointer (&self->password, g_free);
    }
}

static GtkWindow *
parent_window (VbSignInView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
show_certificate_changed (VbSignInView *self,
                          const GError *error)
{
  AdwMessageDialog *dialog =
    vb_certificate_changed_dialog_new (parent_window (self), error,
                                       vb_pin_store_get_path (vb_client_get_pin_store (self->client)));
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Leaves a pending session: revoke it (best effort) and go back to the form. */
static void
abandon_pending (VbSignInView *self)
{
  if (self->pending != NULL)
    {
      vb_api_client_request_async (api (self), "POST", "/api/v1/auth/logout", NULL,
                                   NULL, NULL, NULL);
      vb_api_client_set_token (api (self), NULL);
    }
  g_clear_object (&self->pending);
  forget_password (self);
  vb_password_change_page_clear (self->password_page);
  vb_totp_enrol_page_clear (self->enrol_page);
}

/* login */

static void submit_login (VbSignInView *self);

static void
pin_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(VbSignInView) self = user_data;
  g_autoptr(GError) error = NULL;

  /* In memory it is pinned already: a failed write only means the next
   * start asks again, which is worth a warning, not a refusal. */
  if (!vb_pin_store_pin_finish (VB_PIN_STORE (object), result, &error))
    g_warning ("Could not save the trusted certificate: %s", error->message);
}

static void
trust_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   gpointer          user_data)
{
  VbSignInView *self = VB_SIGN_IN_VIEW (user_data);
  const GError *untrusted = g_object_get_data (G_OBJECT (dialog), "vb-error");

  if (g_strcmp0 (response, VB_TRUST_RESPONSE_TRUST) == 0)
    {
      vb_pin_store_pin_async (vb_client_get_pin_store (self->client),
                              vb_client_error_get_server (untrusted),
                              vb_client_error_get_fingerprint (untrusted),
                              NULL, pin_cb, g_object_ref (self));
      submit_login (self);
    }
  else
    {
      g_autoptr(GError) error = g_error_copy (untrusted);
      vb_login_page_set_busy (self->login_page, FALSE);
      vb_login_page_show_error (self->login_page, error);
    }
}

static void
login_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(VbSignInView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(VbSession) session = NULL;

  reply = vb_api_client_request_finish (VB_API_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  if (g_error_matches (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_CERTIFICATE_UNTRUSTED))
    {
      AdwMessageDialog *dialog = vb_trust_dialog_new (parent_window (self), error);

      g_object_set_data_full (G_OBJECT (dialog), "vb-error", g_error_copy (error),
                              (GDestroyNotify) g_error_free);
      g_signal_connect_object (dialog, "response", G_CALLBACK (trust_response_cb), self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  vb_login_page_set_busy (self->login_page, FALSE);
  if (error == NULL && !JSON_NODE_HOLDS_OBJECT (reply))
    error = g_error_new_literal (VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL, "login reply");
  if (error == NULL)
    session = vb_session_new_from_login (vb_api_client_get_server_url (api (self)),
                                         vb_login_page_get_email (self->login_page),
                                         json_node_get_object (reply), &error);
  if (error != NULL)
    {
      if (g_error_matches (error, VB_ERROR, VB_ERROR_MFA_REQUIRED))
        vb_login_page_reveal_code (self->login_page);
      vb_login_page_show_error (self->login_page, error);
      if (g_error_matches (error, VB_CLIENT_ERROR, VB_CLIENT_ERROR_CERTIFICATE_CHANGED))
        show_certificate_changed (self, error);
      return;
    }

  vb_login_page_show_error (self->login_page, NULL);
  g_set_object (&self->pending, session);
  g_free (self->password);
  self->password = g_strdup (vb_login_page_get_password (self->login_page));
  vb_login_page_clear_secrets (self->login_page);
  proceed (self);
}

static void
submit_login (VbSignInView *self)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GError) error = NULL;
  const char *code;

  if (!vb_api_client_set_server (api (self), vb_login_page_get_server (self->login_page), &error))
    {
      vb_login_page_show_error (self->login_page, error);
      return;
    }
  vb_api_client_set_token (api (self), NULL);

  json_object_set_string_member (body, "email", vb_login_page_get_email (self->login_page));
  json_object_set_string_member (body, "password", vb_login_page_get_password (self->login_page));
  code = vb_login_page_get_code (self->login_page);
  if (code != NULL)
    json_object_set_string_member (body,
                                   vb_login_page_get_use_recovery_code (self->login_page)
                                   ? "recovery_code" : "totp",
                                   code);

  vb_login_page_set_busy (self->login_page, TRUE);
  vb_api_client_request_async (api (self), "POST", "/api/v1/auth/login", body, self->cancellable,
                               login_cb, g_object_ref (self));
}

static void
login_submit_cb (VbSignInView *self)
{
  submit_login (self);
}

/* pending steps */

static void
me_cb (GObject      *object,
       GAsyncResult *result,
       gpointer      user_data)
{
  g_autoptr(VbSignInView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;

  reply = vb_api_client_request_finish (VB_API_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->pending == NULL)
    return;
  if (error == NULL && !JSON_NODE_HOLDS_OBJECT (reply))
    error = g_error_new_literal (VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL, "/me reply");
  if (error == NULL)
    vb_session_set_user (self->pending, json_node_get_object (reply), &error);
  if (error != NULL)
    {
      abandon_pending (self);
      vb_sign_in_view_show_form (self, NULL, NULL, error);
      return;
    }
  proceed (self);
}

static void
password_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(VbSignInView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;

  reply = vb_api_client_request_finish (VB_API_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->pending == NULL)
    return;
  vb_password_change_page_set_busy (self->password_page, FALSE);
  if (error == NULL && JSON_NODE_HOLDS_OBJECT (reply))
    vb_session_set_user (self->pending, json_node_get_object (reply), &error);
  if (error != NULL)
    {
      g_autofree char *message = vb_error_dup_user_message (error);
      vb_password_change_page_show_error (self->password_page, message);
      return;
    }
  forget_password (self);
  vb_password_change_page_clear (self->password_page);
  proceed (self);
}

static void
password_submit_cb (VbSignInView *self)
{
  g_autoptr(JsonObject) body = json_object_new ();

  if (!vb_password_change_page_passwords_match (self->password_page))
    {
      vb_password_change_page_show_error (self->password_page,
                                          _("The two passwords are not the same"));
      return;
    }
  vb_password_change_page_show_error (self->password_page, NULL);
  json_object_set_string_member (body, "current_password", self->password ? self->password : "");
  json_object_set_string_member (body, "new_password",
                                 vb_password_change_page_get_password (self->password_page));
  vb_password_change_page_set_busy (self->password_page, TRUE);
  vb_api_client_request_async (api (self), "POST", "/api/v1/auth/password", body,
                               self->cancellable, password_cb, g_object_ref (self));
}

static void
enrol_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(VbSignInView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;
  g_auto(GStrv) codes = NULL;
  const char *secret = NULL;
  const char *uri = NULL;
  JsonObject *object_reply;

  reply = vb_api_client_request_finish (VB_API_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->pending == NULL)
    return;
  if (error == NULL && !JSON_NODE_HOLDS_OBJECT (reply))
    error = g_error_new_literal (VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL, "enrol reply");
  if (error == NULL)
    {
      object_reply = json_node_get_object (reply);
      if (vb_json_optional_string (object_reply, "secret", &secret, &error) &&
          vb_json_optional_string (object_reply, "otpauth_uri", &uri, &error) &&
          vb_json_optional_strv (object_reply, "recovery_codes", &codes, &error) &&
          secret == NULL)
        error = g_error_new_literal (VB_CLIENT_ERROR, VB_CLIENT_ERROR_PROTOCOL, "no secret");
    }
  if (error != NULL)
    {
      abandon_pending (self);
      vb_sign_in_view_show_form (self, NULL, NULL, error);
      return;
    }
  vb_totp_enrol_page_set_enrolment (self->enrol_page, secret, uri, (const char * const *) codes);
  gtk_stack_set_visible_child_name (self->stack, "enrol");
}

static void
verify_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(VbSignInView) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) reply = NULL;

  reply = vb_api_client_request_finish (VB_API_CLIENT (object), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->pending == NULL)
    return;
  if (error != NULL)
    {
      g_autofree char *message = vb_error_dup_user_message (error);

      vb_totp_enrol_page_set_busy (self->enrol_page, FALSE);
      vb_totp_enrol_page_show_error (self->enrol_page, message);
      return;
    }
  vb_totp_enrol_page_clear (self->enrol_page);
  vb_api_client_request_async (api (self), "GET", "/api/v1/me", NULL, self->cancellable,
                               me_cb, g_object_ref (self));
}

static void
enrol_submit_cb (VbSignInView *self)
{
  g_autoptr(JsonObject) body = json_object_new ();
  const char *typed = vb_totp_enrol_page_get_code (self->enrol_page);
  g_autoptr(GString) code = g_string_new (NULL);

  /* Authenticator apps show "123 456"; the server wants the digits. */
  for (const char *p = typed; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (code, *p);
  json_object_set_string_member (body, "code", code->str);
  vb_totp_enrol_page_set_busy (self->enrol_page, TRUE);
  vb_api_client_request_async (api (self), "POST", "/api/v1/auth/totp/verify", body,
                               self->cancellable, verify_cb, g_object_ref (self));
}

static void
cancel_cb (VbSignInView *self)
{
  g_autofree char *server = g_strdup (vb_session_get_server_url (self->pending));
  g_autofree char *email = g_strdup (vb_session_get_email (self->pending));

  abandon_pending (self);
  vb_sign_in_view_show_form (self, server, email, NULL);
}

/* The next step of a pending session, or the end of the flow. */
static void
proceed (VbSignInView *self)
{
  g_autoptr(VbSession) session = NULL;

  g_return_if_fail (self->pending != NULL);

  vb_api_client_set_token (api (self), vb_session_get_token (self->pending));
  switch (vb_session_get_pending (self->pending))
    {
    case VB_SESSION_PENDING_PASSWORD_CHANGE:
      vb_password_change_page_clear (self->password_page);
      gtk_stack_set_visible_child_name (self->stack, "password");
      break;

    case VB_SESSION_PENDING_MFA_ENROLMENT:
      forget_password (self);
      vb_api_client_request_async (api (self), "POST", "/api/v1/auth/totp/enrol", NULL,
                                   self->cancellable, enrol_cb, g_object_ref (self));
      break;

    case VB_SESSION_PENDING_NONE:
    default:
      forget_password (self);
      session = g_steal_pointer (&self->pending);
      vb_client_begin_session (self->client, session);
      break;
    }
}

/* GObject */

static void
vb_sign_in_view_dispose (GObject *object)
{
  VbSignInView *self = VB_SIGN_IN_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->pending);
  g_clear_object (&self->client);
  forget_password (self);
  /* No gtk_widget_dispose_template(): the template's root is the AdwBin's
   * child, which AdwBin itself unparents (disposing it twice is a critical). */
  G_OBJECT_CLASS (vb_sign_in_view_parent_class)->dispose (object);
}

static void
vb_sign_in_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  VbSignInView *self = VB_SIGN_IN_VIEW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_sign_in_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  VbSignInView *self = VB_SIGN_IN_VIEW (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      vb_sign_in_view_set_client (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
vb_sign_in_view_class_init (VbSignInViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = vb_sign_in_view_dispose;
  object_class->get_property = vb_sign_in_view_get_property;
  object_class->set_property = vb_sign_in_view_set_property;

  properties[PROP_CLIENT] =
    g_param_spec_object ("client", NULL, NULL, VB_TYPE_CLIENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (VB_TYPE_LOGIN_PAGE);
  g_type_ensure (VB_TYPE_PASSWORD_CHANGE_PAGE);
  g_type_ensure (VB_TYPE_TOTP_ENROL_PAGE);

  vb_common_init ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/voltbay/Common/vb-sign-in-view.ui");
  gtk_widget_class_bind_template_child (widget_class, VbSignInView, stack);
  gtk_widget_class_bind_template_child (widget_class, VbSignInView, login_page);
  gtk_widget_class_bind_template_child (widget_class, VbSignInView, password_page);
  gtk_widget_class_bind_template_child (widget_class, VbSignInView, enrol_page);
  gtk_widget_class_bind_template_callback (widget_class, login_submit_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_submit_cb);
  gtk_widget_class_bind_template_callback (widget_class, enrol_submit_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_cb);
}

static void
vb_sign_in_view_init (VbSignInView *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

VbClient *
vb_sign_in_view_get_client (VbSignInView *self)
{
  g_return_val_if_fail (VB_IS_SIGN_IN_VIEW (self), NULL);
  return self->client;
}

void
vb_sign_in_view_set_client (VbSignInView *self,
                            VbClient     *client)
{
  g_return_if_fail (VB_IS_SIGN_IN_VIEW (self));
  g_return_if_fail (client == NULL || VB_IS_CLIENT (client));

  if (g_set_object (&self->client, client))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
}

void
vb_sign_in_view_show_restoring (VbSignInView *self)
{
  g_return_if_fail (VB_IS_SIGN_IN_VIEW (self));
  gtk_stack_set_visible_child_name (self->stack, "restoring");
}

void
vb_sign_in_view_show_form (VbSignInView *self,
                           const char   *server_url,
                           const char   *email,
                           const GError *error)
{
  g_return_if_fail (VB_IS_SIGN_IN_VIEW (self));

  if (server_url != NULL)
    vb_login_page_set_server (self->login_page, server_url);
  if (email != NULL)
    vb_login_page_set_email (self->login_page, email);
  vb_login_page_set_busy (self->login_page, FALSE);
  vb_login_page_show_error (self->login_page, error);
  gtk_stack_set_visible_child_name (self->stack, "credentials");
  if (error == NULL)
    vb_login_page_focus (self->login_page);
}

const char *
vb_sign_in_view_get_step (VbSignInView *self)
{
  g_return_val_if_fail (VB_IS_SIGN_IN_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}
